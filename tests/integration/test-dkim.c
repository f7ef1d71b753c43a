/*
 * test-dkim.c - filterd/check_dkim.c against real signatures and a real
 * DNS server. Run by test-dkim.sh as `test-dkim PORT DIR`: DIR holds
 * the messages test-dkim.py signed at test start, PORT is the unbound
 * serving their keys (tests/data/dns/dkim.conf plus DIR/keys.conf).
 * Without arguments only the cases that need no server run (hits,
 * Authentication-Results text, no resolver).
 *
 * For every message each signature's result, domain, selector and reason
 * is asserted exactly; the results of the signatures libopendkim checked
 * are written to DIR/<case>.got for test-dkim.py's cross-check with
 * python3-dkim. A second resolver whose forwarder never answers gives
 * the DNS timeout case. `test-dkim PORT DIR --dump` prints instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_dkim.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

static const char *dir;
static int dump;

static struct chk_dkim *dkim_lib(unsigned int max_sigs)
{
	struct chk_dkim_conf conf = { max_sigs };
	char *err = NULL;
	struct chk_dkim *d = chk_dkim_new(&conf, &err);

	if (d == NULL) {
		fprintf(stderr, "chk_dkim_new: %s\n", err);
		abort();
	}
	return d;
}

/* "result d=D s=S[: reason]" of one signature. */
static const char *sig_line(struct arena *a, const struct chk_dkim_sig *s)
{
	return arena_printf(a, "%s d=%s s=%s%s%s", chk_dkim_result_name(s->result),
			    s->domain != NULL ? s->domain : "-",
			    s->selector != NULL ? s->selector : "-",
			    s->reason != NULL ? ": " : "",
			    s->reason != NULL ? s->reason : "");
}

/* The checked signatures' results, for test-dkim.py cross. */
static void write_got(const char *name, const struct chk_dkim_results *r)
{
	FILE *f = dnstest_open_got(dir, name);

	for (size_t i = 0; i < r->nchecked; i++)
		fprintf(f, "%zu %s\n", i, chk_dkim_result_name(r->sigs[i].result));
	fclose(f);
}

/* Verifies case `name` with a fresh batch of d; r lives in a. */
static void verify_case(struct chk_dkim *dk, struct dns *d, struct arena *a,
			const char *name, struct chk_dkim_results *r)
{
	struct dns_batch *b = dns_batch_new(d);
	size_t len;
	char *raw = dnstest_read_eml(dir, name, &len);

	chk_dkim_verify(dk, b, a, raw, len, r);
	dns_batch_free(&b);
	free(raw);
}

/* want: one line per signature, then NULL. */
static void check_case(struct chk_dkim *dk, struct dns *d, const char *name,
		       unsigned int want_hits, const char *const *want)
{
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;
	size_t n = 0;
	char title[200];

	verify_case(dk, d, a, name, &r);
	write_got(name, &r);
	if (dump) {
		printf("%s: hits %#x from=%s\n", name, chk_dkim_hits(&r, NULL), r.from_domain);
		for (size_t i = 0; i < r.nsigs; i++)
			printf("  \"%s\", (l=%d %zd/%zd bits %u)\n  %s\n", sig_line(a, &r.sigs[i]),
			       r.sigs[i].body_length_used, r.sigs[i].body_signed,
			       r.sigs[i].body_total, r.sigs[i].key_bits, chk_dkim_ar(a, &r, i));
		arena_free(&a);
		return;
	}
	snprintf(title, sizeof(title), "dkim: %s", name);
	test_begin(title);
	while (want[n] != NULL)
		n++;
	test_assert_int(r.nsigs, n);
	for (size_t i = 0; i < n && i < r.nsigs; i++)
		test_assert_str(sig_line(a, &r.sigs[i]), want[i]);
	test_assert_int(chk_dkim_hits(&r, NULL), want_hits);
	test_assert(r.error == NULL);
	test_end();
	arena_free(&a);
}

#define SIGNED CHK_DKIM_HIT_SIGNED
#define VALID (CHK_DKIM_HIT_SIGNED | CHK_DKIM_HIT_VALID | CHK_DKIM_HIT_VALID_AU)
#define INVALID (CHK_DKIM_HIT_SIGNED | CHK_DKIM_HIT_INVALID)
#define CASE(name, hits, ...)                                              \
	do {                                                               \
		static const char *const w_[] = { __VA_ARGS__, NULL };     \
		check_case(dk, d, name, hits, w_);                         \
	} while (0)

static void test_real_signatures(struct chk_dkim *dk, struct dns *d)
{
	CASE("rsa1024-relaxed-simple", VALID, "pass d=dkim.test s=r1024");
	CASE("rsa2048-simple-simple", VALID, "pass d=dkim.test s=r2048");
	CASE("rsa2048-relaxed-relaxed", VALID, "pass d=dkim.test s=r2048");
	CASE("rsa2048-simple-relaxed", VALID, "pass d=dkim.test s=r2048");
	CASE("ed25519-relaxed-relaxed", VALID, "pass d=dkim.test s=ed");
	CASE("ed25519-simple-simple", VALID, "pass d=dkim.test s=ed");
	CASE("relaxed-whitespace", VALID, "pass d=dkim.test s=r2048");
	CASE("lf-line-ends", VALID, "pass d=dkim.test s=r2048");
	CASE("body-length-appended", VALID, "pass d=dkim.test s=r2048");
	/* d=sub.dkim.test is not the From: domain dkim.test, nor a parent */
	CASE("subdomain-signer", SIGNED | CHK_DKIM_HIT_VALID, "pass d=sub.dkim.test s=r2048");
	CASE("body-tampered", INVALID, "fail d=dkim.test s=r2048: bad body hash");
	CASE("ed25519-body-tampered", INVALID, "fail d=dkim.test s=ed: bad body hash");
	CASE("header-tampered", INVALID, "fail d=dkim.test s=r2048: bad signature");
	CASE("wrong-key", INVALID, "fail d=dkim.test s=wrong: bad signature");
	CASE("missing-key", INVALID, "permerror d=dkim.test s=missing: key not found");
	CASE("revoked-key", INVALID, "permerror d=dkim.test s=revoked: key revoked");
	CASE("malformed-key", INVALID,
	     "permerror d=dkim.test s=malformed: bad key record: key DNS reply corrupt");
	CASE("not-a-key", INVALID,
	     "permerror d=dkim.test s=notkey: bad key record: unknown key version");
	CASE("garbage-version", INVALID,
	     "permerror d=dkim.test s=r2048: syntax error: unsupported signature version");
	CASE("garbage-no-domain", INVALID,
	     "permerror d= s=r2048: syntax error: domain tag empty");
	CASE("garbage-tags", INVALID,
	     "permerror d=- s=-: syntax error: control character in the field");
	CASE("garbage-tags-printable", INVALID, "permerror d=- s=-: syntax error: domain tag missing");
	CASE("garbage-bad-b64", INVALID,
	     "permerror d=dkim.test s=r2048: syntax error: b= or bh= is not base64");
	CASE("three-signatures", VALID, "pass d=dkim.test s=ed", "pass d=dkim.test s=r2048",
	     "permerror d=dkim.test s=missing: key not found");
}

/* l=: reported, with how much of the body it covers. */
static void test_body_length(struct chk_dkim *dk, struct dns *d)
{
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;

	test_begin("dkim: l= used and reported");
	verify_case(dk, d, a, "body-length-appended", &r);
	test_assert_int(r.nsigs, 1);
	test_assert(r.sigs[0].body_length_used);
	/* l=58: BASE's body is 62 bytes, 58 in simple canonical form
	   (trailing empty lines dropped); 57 bytes were appended */
	test_assert_int(r.sigs[0].body_signed, 58);
	test_assert_int(r.sigs[0].body_total, 62 + 57);
	verify_case(dk, d, a, "rsa2048-simple-simple", &r);
	test_assert(!r.sigs[0].body_length_used);
	test_assert_int(r.sigs[0].key_bits, 2048);
	test_end();
	arena_free(&a);
}

/* Authentication-Results text and hits of a passing and a failing one,
   with header.b the first 8 characters of the message's own b=. */
static void test_ar(struct chk_dkim *dk, struct dns *d)
{
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;
	size_t len;
	char *raw = dnstest_read_eml(dir, "header-tampered", &len);
	char b8[9], *want, *p = strstr(raw, " b=");

	test_begin("dkim: Authentication-Results text");
	test_assert(p != NULL);
	memcpy(b8, p + 3, 8);
	b8[8] = '\0';
	verify_case(dk, d, a, "header-tampered", &r);
	want = arena_printf(a, "dkim=fail reason=\"bad signature\" header.d=dkim.test "
			    "header.s=r2048 header.a=rsa-sha256 header.b=%s%s%s",
			    strchr(b8, '/') != NULL ? "\"" : "", b8,
			    strchr(b8, '/') != NULL ? "\"" : "");
	test_assert_str(chk_dkim_ar(a, &r, 0), want);
	verify_case(dk, d, a, "ed25519-relaxed-relaxed", &r);
	test_assert(strncmp(chk_dkim_ar(a, &r, 0),
			    "dkim=pass header.d=dkim.test header.s=ed header.a=ed25519-sha256 header.b=",
			    73) == 0);
	test_assert_int(r.sigs[0].key_bits, 0); /* libopendkim sizes RSA keys only */
	/* envelope sender aligned too */
	test_assert_int(chk_dkim_hits(&r, "bounce@dkim.test"), VALID | CHK_DKIM_HIT_VALID_EF);
	test_assert_int(chk_dkim_hits(&r, "bounce@lists.dkim.test"), VALID | CHK_DKIM_HIT_VALID_EF);
	test_assert_int(chk_dkim_hits(&r, "bounce@notdkim.test"), VALID);
	test_end();
	free(raw);
	arena_free(&a);
}

/* 50 signatures: the first 10 checked (all pass), 40 listed unchecked. */
static void test_fifty(struct chk_dkim *dk, struct dns *d)
{
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;
	size_t pass = 0, neutral = 0;
	double t0 = dnstest_now_ms(), ms;

	test_begin("dkim: 50 signatures, bounded");
	verify_case(dk, d, a, "fifty-signatures", &r);
	ms = dnstest_now_ms() - t0;
	write_got("fifty-signatures", &r);
	test_assert_int(r.nsigs, 50);
	test_assert_int(r.nchecked, WN_DKIM_MAX_SIGS);
	for (size_t i = 0; i < r.nsigs; i++) {
		pass += r.sigs[i].result == CHK_DKIM_PASS;
		neutral += r.sigs[i].result == CHK_DKIM_NEUTRAL;
	}
	test_assert_int(pass, WN_DKIM_MAX_SIGS);
	test_assert_int(neutral, 50 - WN_DKIM_MAX_SIGS);
	test_assert_str(sig_line(a, &r.sigs[49]),
			"neutral d=dkim.test s=ed: not checked: more than 10 signatures");
	test_assert_int(chk_dkim_hits(&r, NULL), VALID);
	test_assert(ms < 2000);
	printf("50 signatures: %.1f ms\n", ms);
	test_end();
	arena_free(&a);
}

/* A forwarder that never answers: temperror within the query timeout,
   and no DKIM_INVALID for it. */
static void test_timeout(struct chk_dkim *dk)
{
	int fd;
	struct dns *silent;
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;
	double t0, ms;

	silent = dnstest_silent_resolver(300, 1000, &fd);
	test_begin("dkim: DNS timeout gives temperror, no hang");
	t0 = dnstest_now_ms();
	verify_case(dk, silent, a, "three-signatures", &r);
	ms = dnstest_now_ms() - t0;
	test_assert_int(r.nsigs, 3);
	for (size_t i = 0; i < r.nsigs; i++)
		test_assert_str(chk_dkim_result_name(r.sigs[i].result), "temperror");
	test_assert_str(r.sigs[0].reason, "key query timed out");
	test_assert_int(chk_dkim_hits(&r, NULL), CHK_DKIM_HIT_SIGNED);
	test_assert(ms >= 250 && ms < 900);
	printf("timeout: %.0f ms\n", ms);
	test_end();
	dns_free(&silent);
	close(fd);
	arena_free(&a);
}

/* ---- no server needed ---- */

static void test_no_resolver(void)
{
	struct chk_dkim *dk = dkim_lib(WN_DKIM_MAX_SIGS);
	struct arena *a = arena_new(16 * 1024);
	struct chk_dkim_results r;
	static const char unsigned_msg[] = "From: a@b.test\nSubject: x\n\nhello\n";
	static const char signed_msg[] =
		"DKIM-Signature: v=1; a=rsa-sha256; d=b.test; s=s1; c=relaxed/relaxed;\n"
		"\th=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
		"\tb=AAAA/BBBB+CCCC\n"
		"From: Someone <a@Mail.B.test>\nSubject: x\n\nhello\n";

	test_begin("dkim: no signature, no resolver");
	chk_dkim_verify(dk, NULL, a, unsigned_msg, sizeof(unsigned_msg) - 1, &r);
	test_assert_int(r.nsigs, 0);
	test_assert_int(chk_dkim_hits(&r, NULL), 0);
	test_assert_str(chk_dkim_ar(a, &r, 0), "dkim=none");
	test_assert_str(r.from_domain, "b.test");
	chk_dkim_verify(dk, NULL, a, signed_msg, sizeof(signed_msg) - 1, &r);
	test_assert_int(r.nsigs, 1);
	test_assert_str(r.from_domain, "mail.b.test");
	test_assert_str(sig_line(a, &r.sigs[0]), "temperror d=b.test s=s1: no DNS resolver");
	test_assert_str(chk_dkim_ar(a, &r, 0),
			"dkim=temperror reason=\"no DNS resolver\" header.d=b.test "
			"header.s=s1 header.a=rsa-sha256 header.b=\"AAAA/BBB\"");
	test_assert_int(chk_dkim_hits(&r, NULL), CHK_DKIM_HIT_SIGNED);
	test_end();

	test_begin("dkim: hits from results");
	{
		struct chk_dkim_sig s[2];
		struct chk_dkim_results rr = { 2, s, 2, "mail.b.test", NULL };

		memset(s, 0, sizeof(s));
		s[0].result = CHK_DKIM_FAIL;
		s[0].domain = "b.test";
		s[1].result = CHK_DKIM_PASS;
		s[1].domain = "other.test";
		test_assert_int(chk_dkim_hits(&rr, "x@other.test"),
				SIGNED | CHK_DKIM_HIT_VALID | CHK_DKIM_HIT_VALID_EF);
		s[1].result = CHK_DKIM_TEMPERROR;
		test_assert_int(chk_dkim_hits(&rr, NULL), INVALID);
		s[0].result = CHK_DKIM_TEMPERROR;
		test_assert_int(chk_dkim_hits(&rr, NULL), SIGNED);
		s[0].result = CHK_DKIM_PASS;
		s[0].domain = "B.TEST";
		test_assert_int(chk_dkim_hits(&rr, "other.test"), VALID);
		test_assert_int(chk_dkim_hits(&rr, "x@b.test"), VALID | CHK_DKIM_HIT_VALID_EF);
		s[0].domain = "ail.b.test"; /* a suffix, not a parent */
		test_assert_int(chk_dkim_hits(&rr, NULL), SIGNED | CHK_DKIM_HIT_VALID);
		test_assert_str(chk_dkim_hit_name(CHK_DKIM_HIT_VALID_AU), "DKIM_VALID_AU");
		test_assert(chk_dkim_hit_name(1u << CHK_DKIM_NHITS) == NULL);
		s[0].domain = "we\"ird\r\n d";
		s[0].reason = NULL;
		s[0].selector = NULL;
		test_assert_str(chk_dkim_ar(a, &rr, 0), "dkim=pass header.d=\"we\\\"ird d\"");
	}
	test_end();

	test_begin("dkim: dkim_max_signatures key");
	{
		struct cfg *c = cfg_new();
		struct chk_dkim_conf conf;
		char *err = NULL;

		chk_dkim_conf_from_cfg(&conf, c);
		test_assert_int(conf.max_signatures, WN_DKIM_MAX_SIGS);
		test_assert(cfg_set(c, "dkim_max_signatures", "3", "test", &err) == 0);
		chk_dkim_conf_from_cfg(&conf, c);
		test_assert_int(conf.max_signatures, 3);
		cfg_free(&c);
	}
	test_end();
	arena_free(&a);
	chk_dkim_free(&dk);
	test_assert(dk == NULL);
}

int main(int argc, char **argv)
{
	test_no_resolver();
	if (argc >= 3) {
		struct chk_dkim *dk = dkim_lib(WN_DKIM_MAX_SIGS);
		struct dns *d = dnstest_resolver_at(atoi(argv[1]), 2000, 5000);

		dir = argv[2];
		dump = argc > 3 && strcmp(argv[3], "--dump") == 0;
		test_real_signatures(dk, d);
		if (!dump) {
			test_body_length(dk, d);
			test_ar(dk, d);
			test_fifty(dk, d);
			test_timeout(dk);
		}
		dns_free(&d);
		chk_dkim_free(&dk);
	}
	return test_exit();
}
