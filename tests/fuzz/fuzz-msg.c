/*
 * fuzz-msg.c - the whole message parser, fed in one piece and again at
 * split points taken from the data; both parses must agree on the
 * shape of the tree (part count, flags, text lengths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct msg *x, const struct msg *y)
{
	size_t i;

	if (x->nparts != y->nparts || x->flags != y->flags || x->raw_len != y->raw_len ||
	    x->headers.count != y->headers.count)
		abort();
	for (i = 0; i < x->nparts; i++) {
		if (x->parts[i]->decoded_len != y->parts[i]->decoded_len ||
		    x->parts[i]->text_len != y->parts[i]->text_len ||
		    x->parts[i]->raw_body_len != y->parts[i]->raw_body_len)
			abort();
	}
}

static void walk(const struct msg *m)
{
	size_t i, k;
	struct msg_received *r;

	for (i = 0; i < m->nparts; i++) {
		const struct msg_part *p = m->parts[i];
		for (k = 0; k < p->headers.count; k++) {
			if (strlen(p->headers.v[k].decoded) > 4 * p->headers.v[k].raw_len + 16)
				abort();
		}
		if (p->text != NULL && strlen(p->text) > p->text_len)
			abort();
	}
	msg_received_parse(m, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	struct msg *m1, *m2;
	struct msg_parser *p;
	size_t off = 0;
	unsigned int seed = size ? data[0] : 0;

	msg_limits_default(&lim);
	lim.max_depth = 8;
	lim.max_parts = 64;
	m1 = msg_parse(a, data, size, &lim);
	walk(m1);
	p = msg_parser_new(a, &lim);
	while (off < size) {
		size_t n;
		seed = seed * 1103515245u + 12345u;
		n = 1 + (size > 0 ? data[(seed >> 8) % size] : 0) % 17;
		if (n > size - off)
			n = size - off;
		msg_parser_feed(p, data + off, n);
		off += n;
	}
	m2 = msg_parser_finish(p);
	check_same(m1, m2);
	arena_free(&a);
	return 0;
}
