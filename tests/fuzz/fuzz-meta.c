/*
 * fuzz-meta.c - libFuzzer target for meta rule expressions (meta_parse
 * and meta_eval from rules/rule_int.h). The input is the expression;
 * rules_matching() expands to a fixed sum; each referenced rule gets a
 * value derived from its name, including 0, fractions and negatives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/wn.h"
#include "rules/rule_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_glob(void *ud, const char *glob)
{
	(void)ud;
	return glob[0] == 'A' ? "A1 + A2 + (A3 > 1)" : "0";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct meta_prog *p;
	const char *err = NULL;
	char *src;
	double *vals, *stack;
	size_t i;

	if (size > 65536)
		return 0;
	a = arena_new(0);
	src = arena_strndup(a, (const char *)data, size);
	p = meta_parse(a, src, fuzz_glob, NULL, &err);
	if (p == NULL) {
		if (err == NULL)
			abort(); /* contract: an error text with every failure */
		arena_free(&a);
		return 0;
	}
	if (p->n == 0 || p->n > META_MAX_INSNS)
		abort();
	vals = arena_alloc(a, (p->nrefs + 1) * sizeof(double));
	for (i = 0; i < p->nrefs; i++) {
		size_t l = strlen(p->refs[i]);
		vals[i] = (double)((int)(l % 5) - 1) / ((l & 1) ? 2.0 : 1.0);
	}
	stack = arena_alloc(a, (p->max_stack + 1) * sizeof(double));
	(void)meta_eval(p, vals, stack);
	arena_free(&a);
	return 0;
}
