/*
 * fuzz-date.c - date parsing of arbitrary header values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	time_t t;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (msg_date_parse(s, &t) == 0 && t < 0)
		abort();
	free(s);
	return 0;
}
