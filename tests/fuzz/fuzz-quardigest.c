/*
 * fuzz-quardigest.c - filterd/quar_digest.c with arbitrary entry text:
 * the input, split at NUL bytes, gives the recipient, sender, subject,
 * reason and token of one entry. Whatever they hold, the digest must be
 * 7-bit with CRLF lines of at most 78 characters, and lib/msg.h must
 * find exactly our 8 header fields, a multipart/alternative with two
 * parts, and in the HTML exactly one data row.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/quar_digest.h"
#include "lib/arena.h"
#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lines(const char *m, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c == '\r' && i + 1 < len && m[i + 1] == '\n') {
			i++;
			col = 0;
		} else if (c == '\r' || c == '\n' || c == 0 || c >= 0x80 || ++col > 78) {
			abort();
		}
	}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[5] = { "", "", "", "", "" };
	struct quar_digest_conf conf = { "q@mx.example.test", "mx.example.test",
					 "https://q.example.test/r?t=%t" };
	struct quar_digest_entry e;
	char *copy, *p, *raw;
	struct arena *a;
	struct msg *m;
	size_t i, len;

	if (size > 8192)
		return 0;
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, p = copy; i < 5 && p <= copy + size; i++) {
		f[i] = p;
		p += strlen(p) + 1;
	}
	e = (struct quar_digest_entry){ "q-1", 1764608400, f[1], f[2], 5.0, f[3], f[4] };
	raw = quar_digest_build(&conf, f[0], &e, 1, 1764608400, &len);
	check_lines(raw, len);
	a = arena_new(65536);
	m = msg_parse(a, raw, len, NULL);
	if (m->headers.count != 8 || m->root->nchildren != 2 ||
	    strcmp(m->root->ctype, "multipart/alternative") != 0 ||
	    m->root->children[1]->text == NULL ||
	    count(m->root->children[1]->text, "<tr>") != 2 ||
	    count(m->root->children[1]->text, "<a ") != 1)
		abort();
	arena_free(&a);
	free(raw);
	free(copy);
	return 0;
}
