/*
 * fuzz-awl.c - libFuzzer target for the AWL's key parsers
 * (filterd/check_awl.c), which read text from the MTA, the message and
 * `winnow awl`'s command line. Byte 0 picks the parser (even: the IP
 * block, odd: the address), byte 1 the mask lengths; the rest is the
 * input. Checks that a key fits its bound and that a block read again
 * gives itself (what `winnow awl remove ADDR BLOCK` relies on).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_awl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ip(const char *s, size_t len, unsigned int v4, unsigned int v6)
{
	char key[CHK_AWL_IP_KEY_SIZE], again[CHK_AWL_IP_KEY_SIZE];

	if (chk_awl_ip_key(s, len, v4, v6, key, sizeof(key)) < 0) {
		if (strcmp(key, DB_AWL_NO_IP) != 0)
			abort();
		return;
	}
	if (strlen(key) > DB_AWL_IP_MAX || key[0] == '\0')
		abort();
	if (chk_awl_ip_key(key, strlen(key), v4, v6, again, sizeof(again)) < 0 ||
	    strcmp(key, again) != 0)
		abort();
}

static void fuzz_addr(const char *s, size_t len)
{
	char key[CHK_AWL_ADDR_KEY_SIZE];
	size_t i, n;

	if (chk_awl_addr_key(s, len, key, sizeof(key)) < 0)
		return;
	n = strlen(key);
	if (n == 0 || n > DB_AWL_ADDR_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if ((unsigned char)key[i] < 0x20 || (key[i] >= 'A' && key[i] <= 'Z'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 2;

	if (size < 2)
		return 0;
	if (data[0] & 1)
		fuzz_addr(s, size - 2);
	else
		fuzz_ip(s, size - 2, (data[1] & 0x1f) + (data[1] >> 7), data[1] & 0x7f);
	return 0;
}
