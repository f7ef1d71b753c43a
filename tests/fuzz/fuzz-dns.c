/*
 * fuzz-dns.c - libFuzzer target for lib/dns.c's parsers: the first byte
 * picks one, the rest is its input. 0: a dns_forward value; 1: a DNSBL
 * answer and return-code spec (split at the first newline); 2: an
 * address for dns_reverse_name(); 3-7: rdata of A, AAAA, PTR, MX, TXT
 * as a server could send it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/dns.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_text(uint8_t which, const char *s)
{
	char *err = NULL, out[300];
	struct dns_dnsbl_sub sub;
	const char *nl;
	uint32_t code;

	switch (which) {
	case 0:
		if (dns_forward_check(s, &err) < 0)
			free(err);
		break;
	case 1:
		nl = strchr(s, '\n');
		if (nl != NULL) {
			char *answer = xstrndup(s, (size_t)(nl - s));
			if (dns_dnsbl_code(answer, &code) == 0 &&
			    dns_dnsbl_sub_parse(nl + 1, &sub) == 0)
				(void)dns_dnsbl_sub_match(&sub, code);
			free(answer);
		}
		break;
	default:
		if (dns_reverse_name(s, "zen.test", out, sizeof(out)) == 0 &&
		    strlen(out) >= sizeof(out))
			abort();
		break;
	}
}

static void fuzz_rdata(enum dns_type type, const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(4096);
	struct dns_rr rr;
	size_t left = 300, i;

	if (dns_rdata_decode(a, type, data, size, &rr, &left) >= 0) {
		if (strlen(rr.text) > rr.text_len)
			abort();
		for (i = 0; i < rr.nstrings; i++)
			(void)rr.strings[i][rr.lens[i]];
	}
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = { DNS_A, DNS_AAAA, DNS_PTR, DNS_MX, DNS_TXT };
	char *s;

	if (size == 0)
		return 0;
	if (data[0] % 8 >= 3) {
		fuzz_rdata(types[data[0] % 8 - 3], data + 1, size - 1);
		return 0;
	}
	s = xstrndup((const char *)data + 1, size - 1);
	fuzz_text(data[0] % 8, s);
	free(s);
	return 0;
}
