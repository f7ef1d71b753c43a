/*
 * test-spf.c - filterd/check_spf.c against a real DNS server: unbound on
 * loopback serving tests/data/dns/spf.conf, started by test-spf.sh,
 * which passes its port. Without one, only the cases that need no
 * server run.
 *
 *   test-spf [PORT]          the tests
 *   test-spf --query FORWARD TIMEOUT_MS
 *                            reads "ip<TAB>helo<TAB>sender" lines and
 *                            prints "mailfrom-result helo-result" for
 *                            each (test-spf.py compares them with pyspf)
 *
 * With a server: every result of RFC 7208 on MAIL FROM and HELO, IPv4
 * and IPv6 clients, include/redirect/a/mx/ip4/ip6/exists/macros, the
 * lookup and void-lookup limits, malformed and oversized records, exact
 * reason and Received-SPF texts; a silent server gives temperror within
 * the batch's budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_spf.h"
#include "lib/arena.h"
#include "lib/dns.h"
#include "lib/log.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

#define GOOD4 "192.0.2.10"
#define BAD4 "198.51.100.20"
#define GOOD6 "2001:db8::10"
#define BAD6 "2001:db8:ffff::20"
#define RECEIVER "mx.winnow.test"

static int server_port; /* 0: no server */

static struct dns *server_resolver(void)
{
	return dnstest_resolver_at(server_port, 2000, 5000);
}

/* One check in its own batch and arena; results copied out by value
   (their strings stay in *ap, freed by the caller). */
static void run(struct dns *d, struct arena **ap, const char *ip, const char *helo,
		const char *from, struct spf_result *mf, struct spf_result *he)
{
	struct spf_request req = { ip, helo, from, RECEIVER };
	struct dns_batch *b = dns_batch_new(d);

	*ap = arena_new(4096);
	spf_check(*ap, b, &req, mf, he);
	dns_batch_free(&b);
}

/* ---- no server needed ---- */

static void test_names(void)
{
	test_begin("spf_res_name and SpamAssassin hit names");
	test_assert_str(spf_res_name(SPF_RES_PASS), "pass");
	test_assert_str(spf_res_name(SPF_RES_SOFTFAIL), "softfail");
	test_assert_str(spf_res_name(SPF_RES_PERMERROR), "permerror");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_PASS), "SPF_PASS");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_FAIL), "SPF_FAIL");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_SOFTFAIL), "SPF_SOFTFAIL");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_NEUTRAL), "SPF_NEUTRAL");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_NONE), "SPF_NONE");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_TEMPERROR), "SPF_TEMPERROR");
	test_assert_str(spf_hit_name(SPF_ID_MAILFROM, SPF_RES_PERMERROR), "SPF_PERMERROR");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_PASS), "SPF_HELO_PASS");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_FAIL), "SPF_HELO_FAIL");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_SOFTFAIL), "SPF_HELO_SOFTFAIL");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_NEUTRAL), "SPF_HELO_NEUTRAL");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_NONE), "SPF_HELO_NONE");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_TEMPERROR), "SPF_HELO_TEMPERROR");
	test_assert_str(spf_hit_name(SPF_ID_HELO, SPF_RES_PERMERROR), "SPF_HELO_PERMERROR");
	test_end();
}

/* Inputs that end before any lookup: no server behind the resolver. */
static void test_no_lookup(void)
{
	struct dns *d = dnstest_resolver("127.0.0.1@1", 200, 500);
	struct spf_result mf, he;
	struct arena *a;

	test_begin("no client address, no sender, HELO literal: none without DNS");
	run(d, &a, "not-an-ip", "mx.spf.test", "a@pass.spf.test", &mf, &he);
	test_assert_int(mf.result, SPF_RES_NONE);
	test_assert_str(mf.reason, "no client address");
	test_assert_int(he.result, SPF_RES_NONE);
	arena_free(&a);
	run(d, &a, NULL, NULL, NULL, &mf, &he);
	test_assert_int(mf.result, SPF_RES_NONE);
	arena_free(&a);
	/* null sender and no usable HELO: nothing to check */
	run(d, &a, GOOD4, "[192.0.2.10]", "<>", &mf, &he);
	test_assert_int(mf.result, SPF_RES_NONE);
	test_assert_str(mf.reason, "no sender domain");
	test_assert(mf.domain == NULL);
	test_assert_int(he.result, SPF_RES_NONE);
	test_assert_str(he.reason, "no HELO domain name");
	test_assert_int(mf.lookups + he.lookups, 0);
	arena_free(&a);
	run(d, &a, GOOD4, "localhost", "", &mf, &he);
	test_assert_int(he.result, SPF_RES_NONE);
	test_assert_int(mf.result, SPF_RES_NONE);
	arena_free(&a);
	run(d, &a, GOOD4, "192.0.2.10", NULL, &mf, &he);
	test_assert_int(he.result, SPF_RES_NONE);
	arena_free(&a);
	dns_free(&d);
	test_end();
}

/* ---- against the server ---- */

struct spf_case {
	const char *ip, *helo, *from;
	enum spf_res mailfrom, helo_res;
};

#define NOHELO "nohelo.spf.test" /* no record: helo none */

static const struct spf_case cases[] = {
	/* qualifiers, none, NXDOMAIN */
	{ GOOD4, NOHELO, "alice@pass.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "alice@pass.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@fail.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@softfail.spf.test", SPF_RES_SOFTFAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@neutral.spf.test", SPF_RES_NEUTRAL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@none.spf.test", SPF_RES_NONE, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@nothing.spf.test", SPF_RES_NONE, SPF_RES_NONE },
	{ GOOD4, NOHELO, "<alice@pass.spf.test>", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "pass.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@split.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@split.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@spf10.spf.test", SPF_RES_NONE, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@upper.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@upper.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	/* include, redirect */
	{ GOOD4, NOHELO, "x@include.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@include.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@incsoft.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@incsoft.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@incnone.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@incnx.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@redirect.spf.test", SPF_RES_SOFTFAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@redirpass.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@redirpass.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@redirnone.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	/* a, mx, ip4/ip6 and prefixes, IPv6 clients */
	{ GOOD4, NOHELO, "x@a.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@a.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@a.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD6, NOHELO, "x@a.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@aprefix.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@aprefix.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ "2001:db8:0:ffff::1", NOHELO, "x@a6prefix.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "2001:db8:1::1", NOHELO, "x@a6prefix.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@mx.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "192.0.2.11", NOHELO, "x@mx.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "192.0.2.12", NOHELO, "x@mx.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@mx.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "192.0.2.14", NOHELO, "x@mxprefix.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "192.0.2.17", NOHELO, "x@mxprefix.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@cidr4.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "192.0.2.12", NOHELO, "x@cidr4.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@ip6.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD6, NOHELO, "x@ip6.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@ip6.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@ip6host.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ "2001:db8::11", NOHELO, "x@ip6host.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@pass.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	/* IPv4-mapped IPv6 is the IPv4 client */
	{ "::ffff:192.0.2.10", NOHELO, "x@pass.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	/* exists, macros */
	{ GOOD4, NOHELO, "x@exists.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD4, NOHELO, "x@exists.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@existsr.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "alice@macro.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "bob@macro.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	{ GOOD6, NOHELO, "x@macro6.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ BAD6, NOHELO, "x@macro6.spf.test", SPF_RES_FAIL, SPF_RES_NONE },
	/* HELO identity, and the null sender checked as postmaster@helo */
	{ GOOD4, "helo.spf.test", "x@pass.spf.test", SPF_RES_PASS, SPF_RES_PASS },
	{ BAD4, "helo.spf.test", "x@pass.spf.test", SPF_RES_FAIL, SPF_RES_FAIL },
	{ BAD4, "helo.spf.test", "x@neutral.spf.test", SPF_RES_NEUTRAL, SPF_RES_FAIL },
	{ GOOD4, "helosoft.spf.test", "x@fail.spf.test", SPF_RES_FAIL, SPF_RES_SOFTFAIL },
	{ GOOD4, "helo.spf.test", "", SPF_RES_PASS, SPF_RES_PASS },
	{ BAD4, "helo.spf.test", "<>", SPF_RES_FAIL, SPF_RES_FAIL },
	{ GOOD4, "helosoft.spf.test", NULL, SPF_RES_SOFTFAIL, SPF_RES_SOFTFAIL },
	{ GOOD4, "[192.0.2.10]", "x@pass.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	/* permerror: syntax, two records */
	{ GOOD4, NOHELO, "x@badip.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@badcidr.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@unknown.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@badqual.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@badmacro.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@noarg.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@tworedir.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@two.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, "two.spf.test", "x@pass.spf.test", SPF_RES_PASS, SPF_RES_PERMERROR },
	/* limits: 10 DNS mechanisms pass, 11 are a permerror; include loops
	   and chains; void lookups; MX names */
	{ GOOD4, NOHELO, "x@ten.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@toomany.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@loop1.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@chain2.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@chain0.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@void2.spf.test", SPF_RES_PASS, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@void3.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@void3b.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@mx11.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
	/* temperror: the server refuses names outside its zones */
	{ GOOD4, NOHELO, "x@refused.spf.test", SPF_RES_TEMPERROR, SPF_RES_NONE },
	{ GOOD4, NOHELO, "x@refuseda.spf.test", SPF_RES_TEMPERROR, SPF_RES_NONE },
	{ GOOD4, "refused.spf.test", "x@pass.spf.test", SPF_RES_PASS, SPF_RES_TEMPERROR },
	/* over WN_DNS_MAX_TXT: not evaluated from a cut record */
	{ GOOD4, NOHELO, "x@big.spf.test", SPF_RES_PERMERROR, SPF_RES_NONE },
};

static void test_cases(void)
{
	struct dns *d = server_resolver();
	struct spf_result mf, he;
	struct arena *a;
	size_t i;

	test_begin("results for every case in spf.conf");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct spf_case *c = &cases[i];
		run(d, &a, c->ip, c->helo, c->from, &mf, &he);
		if (mf.result != c->mailfrom || he.result != c->helo_res)
			fprintf(stderr, "case %s %s %s: got %s/%s (%s | %s)\n", c->ip,
				c->helo, c->from ? c->from : "NULL", spf_res_name(mf.result),
				spf_res_name(he.result), mf.reason ? mf.reason : "",
				he.reason ? he.reason : "");
		test_assert_int(mf.result, c->mailfrom);
		test_assert_int(he.result, c->helo_res);
		arena_free(&a);
	}
	dns_free(&d);
	test_end();
}

static void test_texts(void)
{
	struct dns *d = server_resolver();
	struct spf_result mf, he;
	struct arena *a;

	test_begin("reason, explanation and Received-SPF texts");
	run(d, &a, GOOD4, "helo.spf.test", "alice@pass.spf.test", &mf, &he);
	test_assert_str(mf.domain, "pass.spf.test");
	test_assert_str(mf.reason, RECEIVER ": domain of pass.spf.test designates "
			GOOD4 " as permitted sender");
	test_assert(mf.explanation == NULL);
	test_assert_str(mf.received_spf, "pass (" RECEIVER ": domain of pass.spf.test "
			"designates " GOOD4 " as permitted sender) client-ip=" GOOD4 ";"
			" envelope-from=alice@pass.spf.test; helo=helo.spf.test;");
	test_assert_str(he.domain, "helo.spf.test");
	test_assert_str(he.received_spf, "pass (" RECEIVER ": domain of helo.spf.test "
			"designates " GOOD4 " as permitted sender) client-ip=" GOOD4 ";"
			" envelope-from=postmaster@helo.spf.test; helo=helo.spf.test;");
	arena_free(&a);

	/* fail: the default explanation, then the record's exp= */
	run(d, &a, BAD4, NOHELO, "alice@fail.spf.test", &mf, &he);
	test_assert_str(mf.explanation, "fail.spf.test does not designate " BAD4
			" as a permitted sender");
	test_assert_str(mf.received_spf, "fail (" RECEIVER ": domain of fail.spf.test "
			"does not designate " BAD4 " as permitted sender) client-ip=" BAD4
			"; envelope-from=alice@fail.spf.test; helo=" NOHELO ";");
	arena_free(&a);
	run(d, &a, BAD4, NOHELO, "alice@exp.spf.test", &mf, &he);
	test_assert_int(mf.result, SPF_RES_FAIL);
	test_assert_str(mf.explanation, BAD4 " is not one of the servers of exp.spf.test");
	arena_free(&a);

	/* IPv6 in the header */
	run(d, &a, GOOD6, NOHELO, "x@ip6.spf.test", &mf, &he);
	test_assert_str(mf.received_spf, "pass (" RECEIVER ": domain of ip6.spf.test "
			"designates " GOOD6 " as permitted sender) client-ip=" GOOD6 ";"
			" envelope-from=x@ip6.spf.test; helo=" NOHELO ";");
	arena_free(&a);

	/* the limits we add say which one */
	run(d, &a, GOOD4, NOHELO, "x@void3.spf.test", &mf, &he);
	test_assert_str(mf.reason, "more than 2 void lookups (nx3.spf.test)");
	test_assert_int(mf.voids, 3);
	test_assert_str(mf.received_spf, "permerror (" RECEIVER ": error in processing "
			"during lookup of domain of void3.spf.test: Mechanisms used too many DNS "
			"lookups) client-ip="
			GOOD4 "; envelope-from=x@void3.spf.test; helo=" NOHELO ";");
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@void2.spf.test", &mf, &he);
	test_assert_int(mf.voids, 2);
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@mx11.spf.test", &mf, &he);
	test_assert_str(mf.reason, "more than 10 MX names for mx11.spf.test");
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@big.spf.test", &mf, &he);
	test_assert_str(mf.reason, "TXT answer for big.spf.test over 8192 bytes");
	arena_free(&a);
	/* libspf2's own errors */
	run(d, &a, GOOD4, NOHELO, "x@toomany.spf.test", &mf, &he);
	test_assert_str(mf.reason, "more than 10 DNS lookups");
	test_assert_int(mf.lookups, 12); /* the record, 11 A */
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@chain0.spf.test", &mf, &he);
	test_assert_str(mf.reason, "more than 10 DNS lookups");
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@tworedir.spf.test", &mf, &he);
	test_assert_str(mf.reason, "redirect= or exp= twice in the record of tworedir.spf.test");
	arena_free(&a);
	run(d, &a, GOOD4, NOHELO, "x@two.spf.test", &mf, &he);
	test_assert_str(mf.reason, "Multiple SPF records for 'two.spf.test'");
	arena_free(&a);
	dns_free(&d);
	test_end();
}

/* The null sender and the HELO share their lookups; spf_start() sends
   the first ones before spf_collect(). */
static void test_shared_lookups(void)
{
	struct dns *d = server_resolver();
	struct dns_batch *b = dns_batch_new(d);
	struct spf_request req = { GOOD4, "a.spf.test", "", RECEIVER };
	struct arena *a = arena_new(4096);
	struct spf_result mf, he;
	struct spf_check *c;

	test_begin("start sends the record lookups; helo reuses mailfrom's answers");
	c = spf_start(a, b, &req);
	/* the TXT for a.spf.test is already on its way (handle 0) */
	test_assert_int(dns_batch_wait_one(b, 0, 2000), 0);
	test_assert_int(dns_batch_result(b, 0)->status, DNS_OK);
	spf_collect(c, &mf, &he);
	test_assert_int(mf.result, SPF_RES_PASS);
	test_assert_int(he.result, SPF_RES_PASS);
	/* TXT and A, asked once for both identities */
	test_assert_int(mf.lookups, 2);
	test_assert_int(he.lookups, 2);
	test_assert_int(dns_batch_add(b, DNS_A, "pass.spf.test"), 2);
	dns_batch_free(&b);
	arena_free(&a);
	dns_free(&d);
	test_end();
}

static void test_timeout(void)
{
	int fd;
	struct dns *d;
	struct spf_result mf, he;
	struct arena *a;
	double t0, ms;

	test_begin("a silent server: temperror within the budget, both identities");
	d = dnstest_silent_resolver(300, 800, &fd);
	t0 = dnstest_now_ms();
	run(d, &a, GOOD4, "helo.spf.test", "x@pass.spf.test", &mf, &he);
	ms = dnstest_now_ms() - t0;
	test_assert_int(mf.result, SPF_RES_TEMPERROR);
	test_assert_int(he.result, SPF_RES_TEMPERROR);
	test_assert_str(mf.reason, "Temporary DNS failure for 'pass.spf.test'.");
	/* both TXT queries were sent at start and ran together: one
	   timeout (300 ms), not two, and never past the 800 ms budget */
	test_assert(ms >= 250 && ms < 700);
	printf("silent server: temperror after %.0f ms (timeout 300, budget 800)\n", ms);
	arena_free(&a);
	dns_free(&d);
	close(fd);
	test_end();
}

/* A lookup past the budget: the remaining ones are not even sent. */
static void test_budget(void)
{
	int fd;
	struct dns *d;
	struct spf_result mf, he;
	struct arena *a;
	double t0, ms;

	test_begin("budget spent before the check: temperror at once");
	d = dnstest_silent_resolver(1000, 200, &fd);
	{
		struct dns_batch *b = dns_batch_new(d);
		struct spf_request req = { GOOD4, "helo.spf.test", "x@a.spf.test", RECEIVER };
		int h = dns_batch_add(b, DNS_A, "other.spf.test");

		a = arena_new(4096);
		dns_batch_wait(b, 1000); /* spends the budget */
		test_assert_int(dns_batch_result(b, h)->status, DNS_TIMEOUT);
		t0 = dnstest_now_ms();
		spf_check(a, b, &req, &mf, &he);
		ms = dnstest_now_ms() - t0;
		dns_batch_free(&b);
	}
	test_assert_int(mf.result, SPF_RES_TEMPERROR);
	test_assert_int(he.result, SPF_RES_TEMPERROR);
	test_assert(ms < 50);
	arena_free(&a);
	dns_free(&d);
	close(fd);
	test_end();
}

/* ---- --query mode for test-spf.py ---- */

static char *field(char **p)
{
	char *s = *p, *tab = strchr(s, '\t');

	if (tab != NULL) {
		*tab = '\0';
		*p = tab + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static int query_mode(const char *forward, unsigned int timeout_ms)
{
	struct dns *d = dnstest_resolver(forward, timeout_ms, timeout_ms * 3);
	char line[4096];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct spf_result mf, he;
		struct arena *a;
		char *p = line, *ip, *helo, *from;

		line[strcspn(line, "\r\n")] = '\0';
		ip = field(&p);
		helo = field(&p);
		from = field(&p);
		run(d, &a, ip, helo, from, &mf, &he);
		printf("%s %s\t%s\n", spf_res_name(mf.result), spf_res_name(he.result),
		       mf.reason ? mf.reason : "");
		fflush(stdout);
		arena_free(&a);
	}
	dns_free(&d);
	return 0;
}

int main(int argc, char **argv)
{
	if (getenv("SPF_DEBUG") != NULL) { /* every lookup on stderr */
		log_init("test-spf", LOG_TO_STDERR);
		log_set_stderr_level(0);
		log_set_debug("spf");
	}
	if (argc == 4 && strcmp(argv[1], "--query") == 0)
		return query_mode(argv[2], (unsigned int)atoi(argv[3]));
	server_port = argc > 1 ? atoi(argv[1]) : 0;
	test_names();
	test_no_lookup();
	test_timeout();
	test_budget();
	if (server_port != 0) {
		test_cases();
		test_texts();
		test_shared_lookups();
	} else {
		printf("no DNS server port given: server cases skipped\n");
	}
	return test_exit();
}
