/*
 * fuzz-arc.c - libFuzzer target for filterd/check_arc.c: the input is a
 * raw message. It goes through the header split, the ARC field
 * collection and structure checks, tag lists, base64, header and body
 * canonicalisation, then the A-R text and hits. No resolver (a NULL
 * batch): a chain that gets as far as keys ends as a temperror, so no
 * key is ever needed and nothing may pass. The same bytes are also read
 * as a tag list and as a DKIM key record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_arc.h"
#include "lib/arena.h"
#include "lib/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct chk_arc_conf conf = { WN_ARC_MAX_SETS, NULL, 0 };
	struct chk_arc_results r;
	struct chk_arc_keyrec k;
	struct chk_arc_tag *t;
	const char *why;
	struct arena *a = arena_new(64 * 1024);
	const char *ar;

	chk_arc_verify(&conf, NULL, a, (const char *)data, size, &r);
	if (r.result == CHK_ARC_PASS)
		abort(); /* no key, no pass */
	if (r.result == CHK_ARC_FAIL && r.reason == NULL)
		abort();
	ar = chk_arc_ar(a, &r, "192.0.2.1");
	if (strchr(ar, '\r') != NULL || strchr(ar, '\n') != NULL)
		abort();
	(void)chk_arc_hits(&r);
	(void)chk_arc_tags_parse(a, (const char *)data, size, &t, &why);
	if (chk_arc_keyrec_parse(a, (const char *)data, size, &k, &why) == 0 && k.plen == 0)
		abort();
	arena_free(&a);
	return 0;
}
