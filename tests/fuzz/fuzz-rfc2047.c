/*
 * fuzz-rfc2047.c - RFC 2047 decoding and MIME parameter parsing of
 * arbitrary header values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	char *s = arena_strndup(a, (const char *)data, size);
	unsigned int fl = 0;
	char *d = msg_rfc2047_decode(a, s, strlen(s), &fl);
	size_t n;

	if (strlen(d) > 4 * strlen(s) + 16)
		abort();
	/* Charsets named by the input itself. */
	if (size > 2) {
		size_t cut = data[0] % size;
		char *cs = arena_strndup(a, s, cut);
		msg_charset_to_utf8(a, cs, s + cut, strlen(s + cut), 1 + data[1] * 8u, &n, &fl);
	}
	arena_free(&a);
	return 0;
}
