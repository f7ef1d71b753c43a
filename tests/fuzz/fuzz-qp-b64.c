/*
 * fuzz-qp-b64.c - the transfer decoders with output limits taken from
 * the data; output never exceeds the limit and stays NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	size_t max = size > 0 ? (size_t)data[0] * 4 : 0, n;
	unsigned int fl = 0;
	const unsigned char *o;

	o = msg_base64_decode(a, (const char *)data, size, max, &n, &fl);
	if (n > max || o[n] != '\0')
		abort();
	o = msg_qp_decode(a, (const char *)data, size, max, &n, &fl);
	if (n > max || o[n] != '\0')
		abort();
	o = msg_base64_decode(a, (const char *)data, size, size, &n, &fl);
	o = msg_qp_decode(a, (const char *)data, size, size, &n, &fl);
	if (n > size)
		abort();
	arena_free(&a);
	return 0;
}
