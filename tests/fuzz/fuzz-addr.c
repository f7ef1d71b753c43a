/*
 * fuzz-addr.c - address list parsing of arbitrary header values.
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
	struct msg_addr *v;
	size_t n = msg_addr_parse(a, s, &v), i;

	for (i = 0; i < n; i++) {
		if (v[i].name == NULL || v[i].addr == NULL || v[i].local == NULL ||
		    v[i].domain == NULL)
			abort();
	}
	msg_msgid_parse(a, s);
	arena_free(&a);
	return 0;
}
