/*
 * test-arc.c - filterd/check_arc.c against real ARC sets and a real DNS
 * server. Run by test-arc.sh as `test-arc PORT DIR`: DIR holds the
 * messages test-arc.py sealed with python3-dkim's arc_sign at test
 * start, PORT is the unbound serving the keys (tests/data/dns/arc.conf
 * plus DIR/keys.conf). Without arguments only the cases that need no
 * server run (tag and key-record parsers, canonicalisation edge cases,
 * no resolver, A-R text, trusted sealers).
 *
 * Each message's result, failing instance, reason, sets and
 * oldest-pass are asserted exactly; the result is written to
 * DIR/<case>.got for test-arc.py's cross-check with python3-dkim's
 * arc_verify. A second resolver whose forwarder never answers gives the
 * DNS timeout case. `test-arc PORT DIR --dump` prints instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_arc.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

static const char *dir;
static int dump;
static const struct chk_arc_conf arc_conf = { WN_ARC_MAX_SETS, NULL, 0 };

static void write_got(const char *name, const struct chk_arc_results *r)
{
	FILE *f = dnstest_open_got(dir, name);

	fprintf(f, "%s\n", chk_arc_result_name(r->result));
	fclose(f);
}

static void verify_case(struct dns *d, struct arena *a, const char *name,
			struct chk_arc_results *r)
{
	struct dns_batch *b = dns_batch_new(d);
	size_t len;
	char *raw = dnstest_read_eml(dir, name, &len);

	chk_arc_verify(&arc_conf, b, a, raw, len, r);
	dns_batch_free(&b);
	free(raw);
}

/* "result[ i=N][: reason]", then " sets=d1,d2,..." and, on pass,
   " oldest=N". */
static const char *summary(struct arena *a, const struct chk_arc_results *r)
{
	char *s = arena_printf(a, "%s", chk_arc_result_name(r->result));

	if (r->fail_instance > 0)
		s = arena_printf(a, "%s i=%u", s, r->fail_instance);
	if (r->reason != NULL)
		s = arena_printf(a, "%s: %s", s, r->reason);
	if (r->nsets > 0 && r->nsets <= 3) {
		s = arena_strcat(a, s, " sets=", NULL);
		for (size_t k = 0; k < r->nsets; k++)
			s = arena_strcat(a, s, k > 0 ? "," : "", r->sets[k].as_domain, NULL);
	} else if (r->nsets > 3) {
		s = arena_printf(a, "%s sets=%zu", s, r->nsets);
	}
	if (r->result == CHK_ARC_PASS)
		s = arena_printf(a, "%s oldest=%u", s, r->oldest_pass);
	return s;
}

static void check_case(struct dns *d, const char *name, const char *want)
{
	struct arena *a = arena_new(64 * 1024);
	struct chk_arc_results r;
	char title[200];

	verify_case(d, a, name, &r);
	write_got(name, &r);
	if (dump) {
		printf("CASE(\"%s\", \"%s\");\n", name, summary(a, &r));
		arena_free(&a);
		return;
	}
	snprintf(title, sizeof(title), "arc: %s", name);
	test_begin(title);
	test_assert_str(summary(a, &r), want);
	test_end();
	arena_free(&a);
}

#define CASE(name, want) check_case(d, name, want)

static void test_real_chains(struct dns *d)
{
	CASE("no-arc", "none");
	CASE("one-hop", "pass sets=a.arc.test oldest=0");
	CASE("two-hops", "pass sets=a.arc.test,b.arc.test oldest=0");
	CASE("three-hops", "pass sets=a.arc.test,b.arc.test,c.arc.test oldest=0");
	CASE("three-hops-lf", "pass sets=a.arc.test,b.arc.test,c.arc.test oldest=0");
	CASE("list-rewrote", "pass sets=a.arc.test,b.arc.test oldest=2");
	CASE("body-whitespace", "pass sets=a.arc.test,b.arc.test oldest=0");
	CASE("body-modified", "fail i=2: instance 2: ARC-Message-Signature: body hash did not "
			      "verify sets=a.arc.test,b.arc.test");
	CASE("subject-modified", "fail i=2: instance 2: ARC-Message-Signature: signature did "
				 "not verify sets=a.arc.test,b.arc.test");
	CASE("seal-modified", "fail i=2: instance 2: ARC-Seal: signature did not verify "
			      "sets=a.arc.test,b.arc.test");
	CASE("aar-modified", "fail i=2: instance 2: ARC-Seal: signature did not verify "
			     "sets=a.arc.test,b.arc.test");
	CASE("cv-none-at-2", "fail i=2: instance 2: cv=none, pass expected");
	CASE("missing-ams-1", "fail i=1: instance 1: missing ARC-Message-Signature");
	CASE("missing-set-2", "fail i=2: instance 2: missing ARC-Authentication-Results");
	CASE("duplicate-seal-1", "fail i=1: instance 1: duplicate ARC-Seal");
	CASE("aar-without-instance", "fail: ARC-Authentication-Results without a valid i=");
	CASE("garbage-seal", "fail: ARC-Seal without a valid i=");
	CASE("cv-fail", "fail i=3: instance 3: cv=fail");
	CASE("wrong-key", "fail i=1: instance 1: ARC-Message-Signature: signature did not "
			  "verify sets=a.arc.test");
	CASE("missing-key", "fail i=1: instance 1: ARC-Message-Signature: key not found "
			    "sets=a.arc.test");
	CASE("revoked-key", "fail i=1: instance 1: ARC-Message-Signature: key revoked "
			    "sets=a.arc.test");
	CASE("malformed-key", "fail i=1: instance 1: ARC-Message-Signature: bad key record: "
			      "p= is not a key sets=a.arc.test");
	CASE("missing-key-hop-1", "fail i=1: instance 1: ARC-Seal: key not found "
				  "sets=a.arc.test,b.arc.test");
	/* the ten extra sets (i=51..60) are on top, read first */
	CASE("sixty-sets", "fail: instance over 50");
}

/* 50 sets, the most RFC 8617 allows: 50 seals verified over a growing
   chain, three keys asked once each. */
static void test_fifty(struct dns *d)
{
	struct arena *a = arena_new(64 * 1024);
	struct chk_arc_results r;
	double t0 = dnstest_now_ms(), ms;

	test_begin("arc: 50 sets pass, bounded");
	verify_case(d, a, "fifty-sets", &r);
	ms = dnstest_now_ms() - t0;
	write_got("fifty-sets", &r);
	test_assert_str(summary(a, &r), "pass sets=50 oldest=0");
	test_assert_int(r.nsets, 50);
	if (r.nsets == 50)
		test_assert_str(r.sets[49].as_domain, "b.arc.test");
	test_assert(ms < 2000);
	printf("50 sets: %.1f ms\n", ms);
	test_end();
	arena_free(&a);
}

/* What the pipeline reads: the oldest passing AAR, trusted sealers,
   hits, A-R text. */
static void test_report(struct dns *d)
{
	struct arena *a = arena_new(64 * 1024);
	struct chk_arc_results r;
	const char *b_only[] = { "B.arc.test" }, *a_only[] = { "a.arc.test" };
	const char *none[] = { "lists.example" };
	struct chk_arc_conf trust_b = { WN_ARC_MAX_SETS, b_only, 1 };
	struct chk_arc_conf trust_a = { WN_ARC_MAX_SETS, a_only, 1 };
	struct chk_arc_conf trust_none = { WN_ARC_MAX_SETS, none, 1 };

	test_begin("arc: report of a passing chain");
	verify_case(d, a, "two-hops", &r);
	test_assert_str(r.oldest_pass_aar,
			"mx.a.arc.test; spf=pass smtp.mailfrom=author.test; dkim=pass "
			"header.d=author.test; dmarc=pass header.from=author.test; arc=none");
	test_assert_str(r.sets[1].aar,
			"mx.b.arc.test; spf=pass smtp.mailfrom=author.test; dkim=pass "
			"header.d=author.test; dmarc=pass header.from=author.test; arc=pass");
	test_assert_str(r.sets[0].cv, "none");
	test_assert_str(r.sets[1].cv, "pass");
	test_assert_int(r.sets[0].ams_ok, 1);
	test_assert_int(r.sets[1].as_ok, 1);
	test_assert_int(chk_arc_trusted_instance(&r, &trust_b), 2);
	test_assert_int(chk_arc_trusted_instance(&r, &trust_a), 1);
	test_assert_int(chk_arc_trusted_instance(&r, &trust_none), 0);
	test_assert_int(chk_arc_hits(&r), CHK_ARC_HIT_SIGNED | CHK_ARC_HIT_VALID);
	test_assert_str(chk_arc_ar(a, &r, "192.0.2.1"),
			"arc=pass smtp.remote-ip=192.0.2.1 header.oldest-pass=0");
	test_end();

	test_begin("arc: report of a list that rewrote the message");
	verify_case(d, a, "list-rewrote", &r);
	test_assert_int(r.oldest_pass, 2);
	test_assert_int(r.sets[0].ams_ok, 0);
	test_assert_int(r.sets[1].ams_ok, 1);
	test_assert(strstr(r.oldest_pass_aar, "mx.b.arc.test;") == r.oldest_pass_aar);
	test_assert_str(chk_arc_ar(a, &r, NULL), "arc=pass header.oldest-pass=2");
	test_end();

	test_begin("arc: report of a failing chain");
	verify_case(d, a, "body-modified", &r);
	test_assert_int(chk_arc_trusted_instance(&r, &trust_b), 0);
	test_assert_int(chk_arc_hits(&r), CHK_ARC_HIT_SIGNED | CHK_ARC_HIT_INVALID);
	test_assert_str(chk_arc_ar(a, &r, "2001:db8::1"),
			"arc=fail reason=\"instance 2: ARC-Message-Signature: body hash did "
			"not verify\" smtp.remote-ip=\"2001:db8::1\"");
	test_assert(r.oldest_pass_aar == NULL);
	test_end();
	arena_free(&a);
}

/* A forwarder that never answers: temperror within the query timeout,
   and no ARC_INVALID for it. */
static void test_timeout(void)
{
	int fd;
	struct dns *silent;
	struct arena *a = arena_new(16 * 1024);
	struct chk_arc_results r;
	double t0, ms;

	silent = dnstest_silent_resolver(300, 1000, &fd);
	test_begin("arc: DNS timeout gives temperror, no hang");
	t0 = dnstest_now_ms();
	verify_case(silent, a, "three-hops", &r);
	ms = dnstest_now_ms() - t0;
	test_assert_str(summary(a, &r), "temperror i=3: instance 3: ARC-Message-Signature: key "
					"query timed out sets=a.arc.test,b.arc.test,c.arc.test");
	test_assert_int(chk_arc_hits(&r), CHK_ARC_HIT_SIGNED);
	test_assert(ms >= 250 && ms < 900);
	printf("timeout: %.0f ms\n", ms);
	test_end();
	dns_free(&silent);
	close(fd);
	arena_free(&a);
}

/* ---- no server needed ---- */

static void test_tags(void)
{
	struct arena *a = arena_new(4096);
	struct chk_arc_tag *t;
	const char *why = NULL;
	int n;

	test_begin("arc: tag lists");
	n = chk_arc_tags_parse(a, " i=1 ;\r\n\tcv = pass; b=ab\r\n cd ;", 29, &t, &why);
	test_assert_int(n, 3);
	test_assert_str(t[1].name, "cv");
	test_assert_str(t[1].value, "pass");
	test_assert_str(t[2].value, "ab\r\n cd");
	test_assert_int(chk_arc_tags_parse(a, "", 0, &t, &why), 0);
	test_assert_int(chk_arc_tags_parse(a, "a=1; a=2", 8, &t, &why), -1);
	test_assert_str(why, "duplicate tag");
	test_assert_int(chk_arc_tags_parse(a, "1a=1", 4, &t, &why), -1);
	test_assert_str(why, "bad tag name");
	test_assert_int(chk_arc_tags_parse(a, "a", 1, &t, &why), -1);
	test_assert_str(why, "tag without '='");
	test_end();
	arena_free(&a);
}

static void test_keyrec(void)
{
	struct arena *a = arena_new(4096);
	struct chk_arc_keyrec k;
	const char *why = NULL;
#define KEY(s) chk_arc_keyrec_parse(a, s, strlen(s), &k, &why)

	test_begin("arc: key records");
	test_assert_int(KEY("v=DKIM1; k=ed25519; p=AAAA"), 0);
	test_assert(k.ed25519 && k.plen == 3);
	test_assert_int(KEY("p=AAAA; h=sha1:sha256; s=email"), 0);
	test_assert(!k.ed25519);
	test_assert_int(KEY("v=DKIM1; p="), -1);
	test_assert_str(why, "key revoked");
	test_assert_int(KEY("k=rsa; v=DKIM1; p=AAAA"), -1); /* v= must come first */
	test_assert_str(why, "bad key record: unknown key version");
	test_assert_int(KEY("v=DKIM1; k=dsa; p=AAAA"), -1);
	test_assert_str(why, "bad key record: unknown key type");
	test_assert_int(KEY("h=sha1; p=AAAA"), -1);
	test_assert_str(why, "bad key record: sha256 not allowed (h=)");
	test_assert_int(KEY("s=tlsrpt; p=AAAA"), -1);
	test_assert_str(why, "bad key record: not for email (s=)");
	test_assert_int(KEY("v=DKIM1; k=rsa"), -1);
	test_assert_str(why, "bad key record: no p=");
	test_assert_int(KEY("p=A!AA"), -1);
	test_assert_str(why, "bad key record: p= is not base64");
	test_assert_int(KEY("p=AAAA; ;; x"), -1);
	test_assert_str(why, "bad key record: not a tag list");
	test_end();
#undef KEY
	arena_free(&a);
}

/* Results without DNS: structure is judged, signatures need keys. */
static void test_no_resolver(void)
{
	struct arena *a = arena_new(16 * 1024);
	struct chk_arc_results r;
	static const char msg[] =
		"ARC-Seal: i=1; cv=none; a=rsa-sha256; d=x.test; s=s; b=AAAA\r\n"
		"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=x.test; s=s;\r\n"
		" h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
		"ARC-Authentication-Results: i=1; mx.x.test; spf=pass\r\n"
		"From: a@x.test\r\n"
		"\r\n";

	test_begin("arc: no resolver, no ARC, empty input");
	chk_arc_verify(&arc_conf, NULL, a, msg, strlen(msg), &r);
	/* the empty body's relaxed hash matches bh=, so it gets to the key */
	test_assert_str(summary(a, &r), "temperror i=1: instance 1: ARC-Message-Signature: no "
					"DNS resolver sets=x.test");
	test_assert_str(chk_arc_ar(a, &r, ""), "arc=temperror reason=\"instance 1: "
					       "ARC-Message-Signature: no DNS resolver\"");
	chk_arc_verify(&arc_conf, NULL, a, "From: a@x.test\r\n\r\nhi\r\n", 22, &r);
	test_assert_str(summary(a, &r), "none");
	test_assert_str(chk_arc_ar(a, &r, "192.0.2.1"), "arc=none");
	test_assert_int(chk_arc_hits(&r), 0);
	chk_arc_verify(&arc_conf, NULL, a, "", 0, &r);
	test_assert_str(summary(a, &r), "none");
	chk_arc_verify(&arc_conf, NULL, a, "ARC-Seal: i=51; cv=pass\r\n\r\n", 26, &r);
	test_assert_str(summary(a, &r), "fail: instance over 50");
	test_end();

	test_begin("arc: fields past 50 sets are not read");
	{
		struct buf m = BUF_INIT;

		for (int i = 0; i < 3 * WN_ARC_MAX_SETS + 1; i++)
			buf_printf(&m, "ARC-Seal: i=%d; cv=pass\r\n", i % WN_ARC_MAX_SETS + 1);
		buf_append_str(&m, "\r\n");
		chk_arc_verify(&arc_conf, NULL, a, m.data, m.len, &r);
		test_assert_str(summary(a, &r), "fail: more than 50 ARC sets");
		buf_free(&m);
	}
	test_end();

	test_begin("arc: a sealer per set, keys capped");
	{
		struct buf m = BUF_INIT;

		for (int i = WN_ARC_MAX_KEYS + 1; i >= 1; i--)
			buf_printf(&m, "ARC-Seal: i=%d; cv=%s; a=rsa-sha256; d=k%d.test; s=s; b=AAAA\r\n"
				   "ARC-Message-Signature: i=%d; a=rsa-sha256; d=k%d.test; s=s; h=from;"
				   " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
				   "ARC-Authentication-Results: i=%d; mx.k%d.test; spf=pass\r\n",
				   i, i == 1 ? "none" : "pass", i, i, i, i, i);
		buf_append_str(&m, "From: a@x.test\r\n\r\n");
		chk_arc_verify(&arc_conf, NULL, a, m.data, m.len, &r);
		/* seals are asked newest first: the oldest is the eleventh key */
		test_assert_str(summary(a, &r), "fail i=1: more than 10 distinct keys sets=11");
		buf_free(&m);
	}
	test_end();
	arena_free(&a);
}

/* The config key reaches the conf. */
static void test_conf(void)
{
	struct cfg *c = cfg_new();
	struct chk_arc_conf conf;
	char *err = NULL;

	test_begin("arc: arc_trusted_sealers");
	test_assert_int(cfg_set(c, "arc_trusted_sealers", "lists.example, fwd.example", "test", &err), 0);
	chk_arc_conf_from_cfg(&conf, c);
	test_assert_int(conf.max_sets, WN_ARC_MAX_SETS);
	test_assert_int(conf.ntrusted, 2);
	test_assert_str(conf.trusted[1], "fwd.example");
	test_end();
	cfg_free(&c);
}

int main(int argc, char **argv)
{
	struct dns *d;

	test_tags();
	test_keyrec();
	test_no_resolver();
	test_conf();
	if (argc < 3)
		return test_exit();
	dir = argv[2];
	dump = argc > 3 && strcmp(argv[3], "--dump") == 0;
	d = dnstest_resolver_at(atoi(argv[1]), 2000, 5000);
	test_real_chains(d);
	if (!dump) {
		test_fifty(d);
		test_report(d);
		test_timeout();
	}
	dns_free(&d);
	return test_exit();
}
