/*
 * fuzz-clamd.c - libFuzzer target for chk_clamd_parse_reply()
 * (filterd/check_clamd.c): the input is a reply as clamd might send it.
 * Checks the parser's promises: CLEAN only for exactly "stream: OK",
 * a VIRUS name that is printable without spaces, an ERROR with a
 * reason, and text with no control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_clamd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_clamd_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chk_clamd_result r;
	const char *p = (const char *)data;
	size_t n = size;

	memset(&r, 0xa5, sizeof(r)); /* the parser must set every field it promises */
	chk_clamd_parse_reply(p, size, &r);
	if (n > 0 && (p[n - 1] == '\0' || p[n - 1] == '\n'))
		n--;
	switch (r.status) {
	case CHK_CLAMD_CLEAN:
		if (n != 10 || memcmp(p, "stream: OK", 10) != 0 || r.error != CHK_CLAMD_ERR_NONE)
			abort();
		break;
	case CHK_CLAMD_VIRUS:
		if (r.virus[0] == '\0' || strchr(r.virus, ' ') != NULL ||
		    r.error != CHK_CLAMD_ERR_NONE)
			abort();
		fuzz_clamd_printable(r.virus);
		break;
	case CHK_CLAMD_ERROR:
		if (r.reason[0] == '\0' || r.error == CHK_CLAMD_ERR_NONE)
			abort();
		fuzz_clamd_printable(r.reason);
		break;
	default:
		abort();
	}
	return 0;
}
