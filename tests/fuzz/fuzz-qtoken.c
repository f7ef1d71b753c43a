/*
 * fuzz-qtoken.c - lib/qtoken.c on arbitrary input, two ways: the input
 * as a token to qtoken_verify (it must never verify without the key's
 * MAC, and must not read or write out of bounds), and the input split
 * into an id and a recipient for qtoken_make, whose token must then
 * verify back to exactly those values and be URL-safe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/qtoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[QTOKEN_KEY_LEN] = "fuzz key fuzz key fuzz key fuzz";

static void verify_raw(const uint8_t *data, size_t size)
{
	char *tok = malloc(size + 1);
	struct qtoken_claim c;
	const char *err = NULL;

	if (tok == NULL)
		abort();
	memcpy(tok, data, size);
	tok[size] = '\0';
	/* forging a MAC by chance is not going to happen */
	if (qtoken_verify(key, tok, 0, &c, &err) == 0 || err == NULL)
		abort();
	free(tok);
}

static void round_trip(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, '\n', size);
	char id[600], rcpt[600], tok[QTOKEN_MAX];
	struct qtoken_claim c;
	const char *err = NULL;
	size_t idlen, i;

	if (sep == NULL || (size_t)(sep - data) >= sizeof(id) ||
	    size - (size_t)(sep - data) - 1 >= sizeof(rcpt))
		return;
	idlen = (size_t)(sep - data);
	memcpy(id, data, idlen);
	id[idlen] = '\0';
	memcpy(rcpt, sep + 1, size - idlen - 1);
	rcpt[size - idlen - 1] = '\0';
	if (qtoken_make(key, id, rcpt, 1000, tok) < 0)
		return;
	for (i = 0; tok[i] != '\0'; i++)
		if (strchr("=+/ ", tok[i]) != NULL || tok[i] < 0x21 || tok[i] > 0x7e)
			abort();
	if (i >= QTOKEN_MAX || qtoken_verify(key, tok, 1000, &c, &err) != 0 ||
	    strcmp(c.id, id) != 0 || strcmp(c.rcpt, rcpt) != 0 || c.expires != 1000)
		abort();
	if (qtoken_verify(key, tok, 1001, &c, &err) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	verify_raw(data, size);
	round_trip(data, size);
	return 0;
}
