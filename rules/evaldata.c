/*
 * evaldata.c - the accessor for per-ruleset eval data, alone in its
 * object file so that unit tests of eval functions, which build no
 * ruleset, can link it without the rest of the engine.
 */
#include "config.h"

#include "rules/rule_int.h"

void *ruleset_eval_data(const struct ruleset *rs)
{
	return rs != NULL ? rs->eval_data : NULL;
}
