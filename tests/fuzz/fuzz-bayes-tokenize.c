/*
 * fuzz-bayes-tokenize.c - any bytes parsed as a message, then tokenized
 * twice: with the defaults plus hidden text and text kept, and with a
 * small cap and short words. Checks what the classifier relies on: at most max_tokens
 * tokens, all distinct and non-zero, each the hash of its text; and
 * the message id is computed without reading out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bayes/bayes.h"
#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_hash(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static void check(const struct tok_list *t, const struct tok_params *p)
{
	uint64_t *sorted;
	size_t i;

	if (t->count > p->max_tokens || (t->count == p->max_tokens) != t->truncated)
		abort();
	for (i = 0; i < t->count; i++) {
		if (t->hashes[i] == 0)
			abort();
		if (t->text != NULL &&
		    tok_hash(t->text[i], strlen(t->text[i])) != t->hashes[i])
			abort();
	}
	sorted = malloc((t->count + 1) * sizeof(*sorted));
	if (t->count > 0)
		memcpy(sorted, t->hashes, t->count * sizeof(*sorted));
	qsort(sorted, t->count, sizeof(*sorted), cmp_hash);
	for (i = 1; i < t->count; i++) {
		if (sorted[i] == sorted[i - 1])
			abort();
	}
	free(sorted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	struct bayes_params bp;
	struct tok_list t;
	struct msg *m;

	msg_limits_default(&lim);
	lim.max_depth = 8;
	lim.max_parts = 64;
	m = msg_parse(a, data, size, &lim);
	bayes_params_default(&bp);
	bp.tok.keep_text = 1;
	bp.tok.hidden_text = 1;
	tok_message(m, &bp.tok, a, &t);
	check(&t, &bp.tok);
	bp.tok.keep_text = 0;
	bp.tok.max_tokens = 7;
	bp.tok.max_token_len = 4;
	tok_message(m, &bp.tok, a, &t);
	check(&t, &bp.tok);
	(void)bayes_msgid(m);
	arena_free(&a);
	return 0;
}
