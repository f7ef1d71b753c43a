/*
 * fuzz-received.c - Received chain parsing: the input is a header
 * block, every line made a Received field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	char *buf = arena_alloc(a, size * 2 + 32);
	size_t o = 0, i;
	struct msg *m;
	struct msg_received *r;

	memcpy(buf, "Received: ", 10);
	o = 10;
	for (i = 0; i < size; i++) {
		buf[o++] = (char)data[i];
		if (data[i] == '\n' && i + 1 < size && data[i + 1] != ' ' && data[i + 1] != '\t') {
			memcpy(buf + o, "Received: ", 10);
			o += 10;
		}
		if (o + 12 > size * 2 + 32)
			break;
	}
	m = msg_parse(a, buf, o, NULL);
	{
		struct msg_received one;
		size_t n = msg_received_parse(m, &r);
		if (n > 0 && msg_received_parse_nth(m, n - 1, &one) != 0)
			abort(); /* the last field must be found */
	}
	arena_free(&a);
	return 0;
}
