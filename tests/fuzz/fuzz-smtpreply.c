/*
 * fuzz-smtpreply.c - lib/smtp_client.c's reply parser on arbitrary bytes,
 * as a hostile next hop could send them: what it consumes lies within
 * the input, the code is a valid reply code, the text is NUL-terminated
 * printable ASCII within its buffer. Every prefix of the input is parsed
 * too (each from its own exact-size copy, so ASan sees any over-read),
 * and must agree with the whole: a reply split at any byte parses the
 * same once complete, and a prefix never fails where the whole is good.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/smtp_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long parse(const uint8_t *data, size_t len)
{
	char *copy = malloc(len > 0 ? len : 1);
	char text[32];
	int code = 0;
	long n;
	size_t i;

	if (copy == NULL)
		abort();
	memcpy(copy, data, len);
	n = smtp_reply_parse(copy, len, &code, text, sizeof(text));
	free(copy);
	if (n < -1 || n > (long)len)
		abort();
	if (n > 0) {
		if (code < 200 || code > 599)
			abort();
		for (i = 0; text[i] != '\0'; i++)
			if (i >= sizeof(text) - 1 || text[i] < 0x20 || text[i] > 0x7e)
				abort();
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long full, n, prev = 0;
	size_t i;

	if (size > 2048)
		return 0;
	full = parse(data, size);
	for (i = 0; i < size; i++) {
		n = parse(data, i);
		if (full > 0 && n != ((long)i >= full ? full : 0))
			abort();
		if (full <= 0 && (n > 0 || (full == 0 && n != 0)))
			abort();
		/* once malformed, more bytes cannot repair it */
		if (prev < 0 && n >= 0)
			abort();
		prev = n;
	}
	return 0;
}
