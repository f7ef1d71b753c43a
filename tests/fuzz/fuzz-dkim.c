/*
 * fuzz-dkim.c - libFuzzer target for filterd/check_dkim.c: the input is
 * a raw message. It goes through our header/body splitting, the
 * DKIM-Signature cap and tag reading, libopendkim's signature parsing
 * and hashing, then the hits and Authentication-Results text. No
 * resolver (a NULL batch): every checked signature ends as a temperror,
 * so no key is ever needed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_dkim.h"
#include "lib/arena.h"
#include "lib/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct chk_dkim *fuzz_dkim;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chk_dkim_results r;
	struct arena *a;

	if (fuzz_dkim == NULL) {
		struct chk_dkim_conf conf = { 3 };
		char *err = NULL;

		fuzz_dkim = chk_dkim_new(&conf, &err);
		if (fuzz_dkim == NULL)
			abort();
	}
	a = arena_new(64 * 1024);
	chk_dkim_verify(fuzz_dkim, NULL, a, (const char *)data, size, &r);
	for (size_t i = 0; i < r.nsigs; i++) {
		const char *ar = chk_dkim_ar(a, &r, i);

		if (strchr(ar, '\r') != NULL || strchr(ar, '\n') != NULL)
			abort();
		if (r.sigs[i].result == CHK_DKIM_PASS)
			abort(); /* no key, no pass */
	}
	(void)chk_dkim_hits(&r, "sender@example.test");
	arena_free(&a);
	return 0;
}
