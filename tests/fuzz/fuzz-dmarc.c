/*
 * fuzz-dmarc.c - libFuzzer target for the untrusted text DMARC reads:
 * the first byte picks what the rest is. Even: a TXT record, tested for
 * being a DMARC record and parsed (filterd/check_dmarc.c's cleaning,
 * then libopendmarc); a parsed record must have a policy, a pct of
 * 0..100 and an alignment mode. Odd: a header block whose From: fields
 * give the From domain, evaluated without a resolver (a temperror, or
 * the From problem), with its hit name and Authentication-Results text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_dmarc.h"
#include "lib/arena.h"
#include "lib/msg.h"
#include "lib/psl.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_list[] = "test\ncom\nco.uk\n*.ck\n!www.ck\n";

static void fuzz_record(const char *rec, size_t len)
{
	struct chk_dmarc_result r;
	const char *why = NULL;

	(void)chk_dmarc_is_record(rec, len);
	memset(&r, 0, sizeof(r));
	if (chk_dmarc_parse(rec, len, &r, &why) == 0) {
		if (r.p == CHK_DMARC_P_UNSET || r.pct < 0 || r.pct > 100 ||
		    (r.adkim != 'r' && r.adkim != 's') || (r.aspf != 'r' && r.aspf != 's'))
			abort();
	} else if (why == NULL) {
		abort();
	}
}

static void fuzz_headers(const struct psl *psl, const char *text, size_t len)
{
	struct arena *a = arena_new(4096);
	struct msg *m = msg_parse(a, text, len, NULL);
	struct chk_dmarc_result r;

	chk_dmarc_collect(chk_dmarc_start(a, NULL, psl, m), NULL, NULL, 1, &r);
	if (r.result == CHK_DMARC_PASS || r.result == CHK_DMARC_FAIL)
		abort(); /* nothing can be evaluated without DNS */
	(void)chk_dmarc_hit_name(&r);
	(void)chk_dmarc_ar(a, &r, CHK_DMARC_P_NONE);
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct psl *psl;
	char *text;

	if (size < 1)
		return 0;
	if (psl == NULL) {
		char *err = NULL;
		psl = psl_parse(fixed_list, sizeof(fixed_list) - 1, "fuzz", &err);
		if (psl == NULL)
			abort();
	}
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if ((data[0] & 1) == 0)
		fuzz_record(text, size - 1);
	else
		fuzz_headers(psl, text, size - 1);
	free(text);
	return 0;
}
