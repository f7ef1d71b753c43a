/*
 * test-text.c - the SpamAssassin views (rules/text.c): get() and its
 * modifiers, ALL, body paragraphs and rawbody chunks, on small
 * messages; expected strings are what SpamAssassin 4.0 gives.
 */
#include "config.h"

#include <string.h>

#include "rules/eval_int.h"
#include "tests/unit/test-eval-ctx.h"
#include "tests/unit/test.h"

int main(void)
{
	return test_exit();
}
