/*
 * test-dmarc.c - filterd/check_dmarc.c against a real DNS server:
 * unbound on loopback serving tests/data/dns/dmarc.conf, started by
 * test-dmarc.sh, which passes its port. Without one, only the cases
 * that need no server run.
 *
 *   test-dmarc [PORT]        the tests
 *   test-dmarc --policy FORWARD DOMAIN...
 *                            prints each domain's own record as parsed
 *                            ("DOMAIN p=.. sp=.. pct=.. adkim=.. aspf=..",
 *                            "DOMAIN permerror", "DOMAIN none"), for
 *                            test-dmarc.sh to compare with opendmarc-check
 *
 * SPF and DKIM results are given as made-up structs (the API takes
 * results, so nothing is signed): SPF and DKIM alignment, strict and
 * relaxed, the three policies, sp= and the organisational-domain
 * fallback (Debian's public suffix list, and a list of the test's own
 * where sfx.dmarc.test is a suffix), records that are not DMARC,
 * unknown tags, syntax errors, two records, CNAME, oversized answers,
 * pct=0/50/100, From: fields (none, several, groups, IP literals),
 * Authentication-Results texts and hit names; a silent server gives
 * temperror within the batch's budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_dkim.h"
#include "filterd/check_dmarc.h"
#include "filterd/check_spf.h"
#include "lib/arena.h"
#include "lib/dns.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/psl.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

static int server_port; /* 0: no server */
static struct psl *debian_psl; /* Debian's list: every name here has org dmarc.test */
static struct psl *own_psl;    /* "test" and "sfx.dmarc.test" are suffixes */

/* "pass:d1 fail:d2 temperror:d3" as DKIM results (in a). */
static void fake_dkim(struct arena *a, const char *spec, struct chk_dkim_results *r)
{
	char *copy = arena_strdup(a, spec), *save = NULL, *w;

	memset(r, 0, sizeof(*r));
	r->sigs = arena_zalloc(a, 8 * sizeof(*r->sigs));
	for (w = strtok_r(copy, " ", &save); w != NULL && r->nsigs < 8;
	     w = strtok_r(NULL, " ", &save)) {
		struct chk_dkim_sig *s = &r->sigs[r->nsigs++];
		char *colon = strchr(w, ':');
		*colon = '\0';
		s->domain = colon + 1;
		s->result = strcmp(w, "pass") == 0 ? CHK_DKIM_PASS :
			    strcmp(w, "temperror") == 0 ? CHK_DKIM_TEMPERROR : CHK_DKIM_FAIL;
	}
}

struct tcase {
	const char *name;
	const char *from;
	enum spf_res spf;
	const char *spf_domain;
	const char *dkim;       /* fake_dkim spec, "" for none */
	int own;                /* use own_psl */
	enum chk_dmarc_res res;
	enum chk_dmarc_policy policy, dis;
	const char *hit;
	const char *policy_domain;
	int used_sp;
	const char *ar;         /* with dis = the disposition */
};

#define NO_SPF SPF_RES_FAIL, "elsewhere.example"

static const struct tcase cases[] = {
	/* SPF alignment */
	{ "spf: the From domain itself", "reject.dmarc.test", SPF_RES_PASS, "reject.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0,
	  "dmarc=pass (p=reject dis=none) header.from=reject.dmarc.test" },
	{ "spf: a subdomain, relaxed", "reject.dmarc.test", SPF_RES_PASS, "bounce.reject.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0, NULL },
	{ "spf: a sibling in the same organisation, relaxed", "reject.dmarc.test", SPF_RES_PASS,
	  "mail.other.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0, NULL },
	{ "spf: pass for another organisation", "reject.dmarc.test", SPF_RES_PASS, "other.example", "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "reject.dmarc.test", 0,
	  "dmarc=fail (p=reject dis=reject) header.from=reject.dmarc.test" },
	{ "spf: softfail for the From domain", "reject.dmarc.test", SPF_RES_SOFTFAIL, "reject.dmarc.test", "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "reject.dmarc.test", 0, NULL },
	/* DKIM alignment */
	{ "dkim only: d= the From domain", "reject.dmarc.test", NO_SPF, "pass:reject.dmarc.test", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0, NULL },
	{ "dkim only: d= the organisational domain, relaxed", "reject.dmarc.test", NO_SPF,
	  "pass:dmarc.test", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0, NULL },
	{ "dkim: the aligned one fails, an unaligned one passes", "reject.dmarc.test", NO_SPF,
	  "fail:reject.dmarc.test pass:other.example", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "reject.dmarc.test", 0, NULL },
	{ "dkim: the second signature aligned (case, final dot)", "reject.dmarc.test", NO_SPF,
	  "pass:other.example pass:REJECT.Dmarc.test.", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "reject.dmarc.test", 0, NULL },
	{ "dkim: a public suffix as d= aligns with nothing", "reject.dmarc.test", NO_SPF, "pass:test", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "reject.dmarc.test", 0, NULL },
	/* the policies */
	{ "p=quarantine", "quar.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "quar.dmarc.test", 0,
	  "dmarc=fail (p=quarantine dis=quarantine) header.from=quar.dmarc.test" },
	{ "p=none", "none.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_NONE, CHK_DMARC_P_NONE, "DMARC_NONE", "none.dmarc.test", 0,
	  "dmarc=fail (p=none dis=none) header.from=none.dmarc.test" },
	{ "p=none, aligned", "none.dmarc.test", SPF_RES_PASS, "none.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_NONE, CHK_DMARC_P_NONE, "DMARC_PASS", "none.dmarc.test", 0,
	  "dmarc=pass (p=none dis=none) header.from=none.dmarc.test" },
	/* strict */
	{ "aspf=s: a subdomain is not aligned", "strict.dmarc.test", SPF_RES_PASS, "mail.strict.dmarc.test", "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "strict.dmarc.test", 0, NULL },
	{ "aspf=s: the same name is", "strict.dmarc.test", SPF_RES_PASS, "Strict.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "strict.dmarc.test", 0, NULL },
	{ "adkim=s: d= the parent is not aligned", "strict.dmarc.test", NO_SPF, "pass:dmarc.test", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "strict.dmarc.test", 0, NULL },
	{ "adkim=s, aspf relaxed: DKIM subdomain no, SPF subdomain yes", "sdkim.dmarc.test", SPF_RES_PASS,
	  "mail.sdkim.dmarc.test", "pass:mail.sdkim.dmarc.test", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "sdkim.dmarc.test", 0, NULL },
	{ "adkim=s at an organisational domain: d= a subdomain of it is not aligned",
	  "strict.sfx.dmarc.test", NO_SPF, "pass:mail.strict.sfx.dmarc.test", 1,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "strict.sfx.dmarc.test", 0, NULL },
	/* subdomains, sp=, the organisational domain */
	{ "a subdomain with its own record: its p, not its sp", "sub.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "sub.dmarc.test", 0, NULL },
	{ "no record at a.b.dmarc.test: dmarc.test's sp=reject", "a.b.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "dmarc.test", 1,
	  "dmarc=fail (p=reject dis=reject) header.from=a.b.dmarc.test" },
	{ "the organisational domain itself: its p=none", "dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_NONE, CHK_DMARC_P_NONE, "DMARC_NONE", "dmarc.test", 0, NULL },
	{ "organisational fallback, aligned through the parent", "a.b.dmarc.test", SPF_RES_PASS, "dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "dmarc.test", 1,
	  "dmarc=pass (p=reject dis=none) header.from=a.b.dmarc.test" },
	{ "organisational fallback without sp=: p applies", "x.nosp.sfx.dmarc.test", NO_SPF, "", 1,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "nosp.sfx.dmarc.test", 0, NULL },
	{ "no record anywhere: none", "a.missing.sfx.dmarc.test", SPF_RES_PASS, "a.missing.sfx.dmarc.test", "", 1,
	  CHK_DMARC_NONE, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", NULL, 0,
	  "dmarc=none header.from=a.missing.sfx.dmarc.test" },
	{ "relaxed across organisations: not aligned", "org.sfx.dmarc.test", SPF_RES_PASS, "nosp.sfx.dmarc.test", "", 1,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "org.sfx.dmarc.test", 0, NULL },
	/* pct */
	{ "pct=0, p=reject: quarantine instead", "pct0.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "pct0.dmarc.test", 0,
	  "dmarc=fail (p=reject dis=quarantine) header.from=pct0.dmarc.test" },
	{ "pct=0, p=quarantine: none instead", "pct0q.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_NONE, "DMARC_NONE", "pct0q.dmarc.test", 0, NULL },
	{ "pct=100", "pct100.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "pct100.dmarc.test", 0, NULL },
	{ "pct=0 does not touch a pass", "pct0.dmarc.test", SPF_RES_PASS, "pct0.dmarc.test", "", 0,
	  CHK_DMARC_PASS, CHK_DMARC_P_REJECT, CHK_DMARC_P_NONE, "DMARC_PASS", "pct0.dmarc.test", 0, NULL },
	/* what counts as a record, and its syntax */
	{ "unknown tags are ignored", "unknown.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "unknown.dmarc.test", 0, NULL },
	{ "white space and case", "spaces.dmarc.test", NO_SPF, "pass:mail.spaces.dmarc.test", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "spaces.dmarc.test", 0, NULL },
	{ "p=bogus: permerror", "badp.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "badp.dmarc.test", 0,
	  "dmarc=permerror header.from=badp.dmarc.test" },
	{ "no p=: permerror", "nop.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "nop.dmarc.test", 0, NULL },
	{ "pct=150: permerror", "badpct.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "badpct.dmarc.test", 0, NULL },
	{ "adkim=x: permerror", "badadkim.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "badadkim.dmarc.test", 0, NULL },
	{ "sp=maybe: permerror", "badsp.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "badsp.dmarc.test", 0, NULL },
	{ "v= not first: not a record, the organisational domain's applies", "vlast.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "dmarc.test", 1, NULL },
	{ "v=DMARC2: not a record, the organisational domain's applies", "v2.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "dmarc.test", 1, NULL },
	{ "two records: none, no fallback", "two.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_NONE, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "two.dmarc.test", 0,
	  "dmarc=none header.from=two.dmarc.test" },
	{ "beside an SPF record", "mixed.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_QUARANTINE, CHK_DMARC_P_QUARANTINE, "DMARC_QUAR", "mixed.dmarc.test", 0, NULL },
	{ "a record in two strings", "split.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "split.dmarc.test", 0, NULL },
	{ "a CNAME to another record", "alias.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "alias.dmarc.test", 0, NULL },
	{ "an answer over 8 KiB: permerror", "big.dmarc.test", NO_SPF, "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, "DMARC_MISSING", "big.dmarc.test", 0, NULL },
	/* the From domain */
	{ "From domain in upper case", "Reject.DMARC.test", NO_SPF, "", 0,
	  CHK_DMARC_FAIL, CHK_DMARC_P_REJECT, CHK_DMARC_P_REJECT, "DMARC_REJECT", "reject.dmarc.test", 0,
	  "dmarc=fail (p=reject dis=reject) header.from=reject.dmarc.test" },
	{ "a refused name: temperror, no hit", "example.com", NO_SPF, "", 0,
	  CHK_DMARC_TEMPERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, NULL, "example.com", 0,
	  "dmarc=temperror header.from=example.com" },
	{ "an address literal: permerror, no hit", "[192.0.2.1]", SPF_RES_PASS, "192.0.2.1", "", 0,
	  CHK_DMARC_PERMERROR, CHK_DMARC_P_UNSET, CHK_DMARC_P_UNSET, NULL, NULL, 0,
	  "dmarc=permerror reason=\"From domain is not a domain name\"" },
};

static struct dns *server_resolver(void)
{
	return dnstest_resolver_at(server_port, 2000, 5000);
}

static void run_case(struct dns *d, const struct tcase *t)
{
	struct arena *a = arena_new(4096);
	struct dns_batch *b = dns_batch_new(d);
	struct spf_result spf = { t->spf, t->spf_domain, NULL, NULL, NULL, 0, 0 };
	struct chk_dkim_results dk;
	struct chk_dmarc *c;
	struct chk_dmarc_result r;

	test_begin(t->name);
	fake_dkim(a, t->dkim, &dk);
	c = chk_dmarc_start_domain(a, b, t->own ? own_psl : debian_psl, t->from);
	chk_dmarc_collect(c, &spf, &dk, 12345, &r);
	dns_batch_free(&b); /* every string of r must be the arena's */
	test_assert_str(chk_dmarc_res_name(r.result), chk_dmarc_res_name(t->res));
	test_assert_int(r.policy, t->policy);
	test_assert_int(r.disposition, t->dis);
	test_assert_str(chk_dmarc_hit_name(&r), t->hit);
	test_assert_str(r.policy_domain, t->policy_domain);
	test_assert_int(r.used_sp, t->used_sp);
	if (t->ar != NULL)
		test_assert_str(chk_dmarc_ar(a, &r, r.disposition), t->ar);
	if (r.result == CHK_DMARC_PASS)
		test_assert(r.spf_aligned || r.dkim_aligned);
	if (r.result == CHK_DMARC_PASS || r.result == CHK_DMARC_FAIL)
		test_assert(r.record != NULL && r.reason == NULL);
	else
		test_assert(r.reason != NULL);
	arena_free(&a);
	test_end();
}

static void test_cases(void)
{
	struct dns *d = server_resolver();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(d, &cases[i]);
	dns_free(&d);
}

/* Details the table does not show. */
static void test_details(void)
{
	struct dns *d = server_resolver();
	struct arena *a = arena_new(4096);
	struct dns_batch *b = dns_batch_new(d);
	struct spf_result spf = { SPF_RES_PASS, "mail.other.dmarc.test", NULL, NULL, NULL, 0, 0 };
	struct chk_dkim_results dk;
	struct chk_dmarc_result r;

	test_begin("details: tags, alignment domains, organisational domain");
	fake_dkim(a, "fail:strict.dmarc.test pass:x.example pass:strict.dmarc.test", &dk);
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "strict.dmarc.test"),
			  &spf, &dk, 1, &r);
	test_assert_int(r.result, CHK_DMARC_PASS);
	test_assert_str(r.from_domain, "strict.dmarc.test");
	test_assert_str(r.org_domain, "dmarc.test");
	test_assert_str(r.record, "v=DMARC1; p=reject; adkim=s; aspf=s");
	test_assert_int(r.p, CHK_DMARC_P_REJECT);
	test_assert_int(r.sp, CHK_DMARC_P_REJECT); /* defaults to p */
	test_assert_int(r.pct, 100);
	test_assert_int(r.adkim, 's');
	test_assert_int(r.aspf, 's');
	test_assert_int(r.spf_aligned, 0);
	test_assert_str(r.spf_domain, "mail.other.dmarc.test");
	test_assert_int(r.dkim_aligned, 1);
	test_assert_str(r.dkim_domain, "strict.dmarc.test");
	test_assert_int(r.auth_temperror, 0);
	test_end();

	test_begin("details: DKIM temperror flagged on a fail");
	fake_dkim(a, "temperror:reject.dmarc.test", &dk);
	spf.result = SPF_RES_NONE;
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "reject.dmarc.test"),
			  &spf, &dk, 1, &r);
	test_assert_int(r.result, CHK_DMARC_FAIL);
	test_assert_int(r.auth_temperror, 1);
	test_assert_int(r.adkim, 'r');
	test_assert(r.dkim_domain == NULL && r.spf_domain == NULL);
	test_end();

	test_begin("details: no SPF or DKIM results at all");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "quar.dmarc.test"),
			  NULL, NULL, 1, &r);
	test_assert_int(r.result, CHK_DMARC_FAIL);
	test_assert_int(r.disposition, CHK_DMARC_P_QUARANTINE);
	test_end();

	test_begin("details: sp= of the organisational domain");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "deep.a.b.dmarc.test"),
			  NULL, NULL, 1, &r);
	test_assert_int(r.p, CHK_DMARC_P_NONE);
	test_assert_int(r.sp, CHK_DMARC_P_REJECT);
	test_assert_str(r.record, "v=DMARC1; p=none; sp=reject; rua=mailto:agg@dmarc.test");
	test_end();

	test_begin("details: permerror and none reasons");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "big.dmarc.test"), NULL, NULL, 1, &r);
	test_assert_str(r.reason, "DMARC answer too long");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "two.dmarc.test"), NULL, NULL, 1, &r);
	test_assert_str(r.reason, "multiple DMARC records");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, own_psl, "missing.sfx.dmarc.test"), NULL, NULL, 1, &r);
	test_assert_str(r.reason, "no DMARC record");
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "example.com"), NULL, NULL, 1, &r);
	test_assert_str(r.reason, "servfail: _dmarc.example.com");
	test_end();

	test_begin("details: a full batch gives temperror, not a missing record");
	while (dns_batch_add(b, DNS_A, "filler.dmarc.test") >= 0)
		;
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "reject.dmarc.test"), NULL, NULL, 1, &r);
	test_assert_int(r.result, CHK_DMARC_TEMPERROR);
	test_assert_str(r.reason, "DNS batch full");
	test_end();

	dns_batch_free(&b);
	arena_free(&a);
	dns_free(&d);
}

/* pct=50: about half the seeds are in the sample, and a seed always
   gives the same answer. */
static void test_pct50(void)
{
	struct dns *d = server_resolver();
	struct arena *a = arena_new(4096);
	struct dns_batch *b = dns_batch_new(d);
	struct chk_dmarc_result r, r2;
	unsigned int in = 0, i;

	test_begin("pct=50: deterministic per seed, about half sampled");
	for (i = 0; i < 1000; i++) {
		if (i % 100 == 0) { /* a batch holds WN_DNS_MAX_QUERIES */
			dns_batch_free(&b);
			b = dns_batch_new(d);
		}
		chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "pct50.dmarc.test"),
				  NULL, NULL, i, &r);
		test_assert_int(r.pct, 50);
		test_assert_int(r.roll, chk_dmarc_roll(i, "pct50.dmarc.test"));
		test_assert_int(r.disposition, r.sampled ? CHK_DMARC_P_REJECT : CHK_DMARC_P_QUARANTINE);
		test_assert_int(r.sampled, r.roll < 50);
		in += (unsigned int)r.sampled;
		if (i < 20) {
			chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "pct50.dmarc.test"),
					  NULL, NULL, i, &r2);
			test_assert_int(r2.disposition, r.disposition);
		}
	}
	printf("pct=50: %u of 1000 seeds sampled\n", in);
	test_assert(in > 430 && in < 570);
	test_end();
	dns_batch_free(&b);
	arena_free(&a);
	dns_free(&d);
}

/* Whole messages: the From: fields. */
static void test_messages(void)
{
	static const struct {
		const char *name, *hdr;
		enum chk_dmarc_from from;
		enum chk_dmarc_res res;
		size_t fields;
		const char *hit;
		const char *ar;
	} m[] = {
		{ "one From address", "From: A <a@quar.dmarc.test>\n",
		  CHK_DMARC_FROM_OK, CHK_DMARC_FAIL, 1, "DMARC_QUAR",
		  "dmarc=fail (p=quarantine dis=quarantine) header.from=quar.dmarc.test" },
		{ "no From field", "Sender: a@quar.dmarc.test\n",
		  CHK_DMARC_FROM_MISSING, CHK_DMARC_NONE, 0, NULL, "dmarc=none reason=\"no From address\"" },
		{ "an empty group", "From: undisclosed-recipients:;\n",
		  CHK_DMARC_FROM_MISSING, CHK_DMARC_NONE, 1, NULL, NULL },
		{ "a group with an address", "From: team: a@quar.dmarc.test;\n",
		  CHK_DMARC_FROM_OK, CHK_DMARC_FAIL, 1, "DMARC_QUAR", NULL },
		{ "two addresses, one domain", "From: a@quar.dmarc.test, b@QUAR.dmarc.test\n",
		  CHK_DMARC_FROM_OK, CHK_DMARC_FAIL, 1, "DMARC_QUAR", NULL },
		{ "two addresses, two domains", "From: a@quar.dmarc.test, b@reject.dmarc.test\n",
		  CHK_DMARC_FROM_MULTI, CHK_DMARC_PERMERROR, 1, NULL,
		  "dmarc=permerror reason=\"From addresses of several domains\"" },
		{ "two From fields, one domain", "From: a@reject.dmarc.test\nFrom: b@reject.dmarc.test\n",
		  CHK_DMARC_FROM_OK, CHK_DMARC_FAIL, 2, "DMARC_REJECT", NULL },
		{ "two From fields, two domains", "From: a@reject.dmarc.test\nFrom: b@none.dmarc.test\n",
		  CHK_DMARC_FROM_MULTI, CHK_DMARC_PERMERROR, 2, NULL, NULL },
	};
	struct dns *d = server_resolver();
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct arena *a = arena_new(4096);
		struct dns_batch *b = dns_batch_new(d);
		const char *raw = arena_strcat(a, m[i].hdr, "To: b@example.test\nSubject: x\n\nbody\n", NULL);
		struct msg *msg = msg_parse(a, raw, strlen(raw), NULL);
		struct chk_dmarc_result r;

		test_begin(m[i].name);
		chk_dmarc_collect(chk_dmarc_start(a, b, debian_psl, msg), NULL, NULL, 7, &r);
		test_assert_int(r.from_status, m[i].from);
		test_assert_int(r.result, m[i].res);
		test_assert_int(r.from_fields, m[i].fields);
		test_assert_str(chk_dmarc_hit_name(&r), m[i].hit);
		if (m[i].ar != NULL)
			test_assert_str(chk_dmarc_ar(a, &r, r.disposition), m[i].ar);
		dns_batch_free(&b);
		arena_free(&a);
		test_end();
	}
	dns_free(&d);
}

/* ---- no server needed ---- */

static void test_is_record(void)
{
	test_begin("what starts a DMARC record");
	test_assert(chk_dmarc_is_record("v=DMARC1", 8));
	test_assert(chk_dmarc_is_record("v=DMARC1; p=none", 16));
	test_assert(chk_dmarc_is_record("V = dmarc1 ;p=none", 18));
	test_assert(chk_dmarc_is_record("v=DMARC1 p=none", 15));
	test_assert(!chk_dmarc_is_record("v=DMARC10; p=none", 17));
	test_assert(!chk_dmarc_is_record("v=DMARC", 7));
	test_assert(!chk_dmarc_is_record(" v=DMARC1", 9));
	test_assert(!chk_dmarc_is_record("p=none; v=DMARC1", 16));
	test_assert(!chk_dmarc_is_record("v=spf1 -all", 11));
	test_assert(!chk_dmarc_is_record("", 0));
	test_end();
}

static int parse(const char *rec, struct chk_dmarc_result *r, const char **why)
{
	memset(r, 0, sizeof(*r));
	*why = NULL;
	return chk_dmarc_parse(rec, strlen(rec), r, why);
}

static void test_parse(void)
{
	struct chk_dmarc_result r;
	const char *why;
	char rec[10000];

	test_begin("parse: tags and defaults");
	test_assert_int(parse("v=DMARC1; p=quarantine; sp=none; pct=20; adkim=s", &r, &why), 0);
	test_assert_int(r.p, CHK_DMARC_P_QUARANTINE);
	test_assert_int(r.sp, CHK_DMARC_P_NONE);
	test_assert_int(r.pct, 20);
	test_assert_int(r.adkim, 's');
	test_assert_int(r.aspf, 'r');
	test_assert_int(parse("v=DMARC1; p=reject", &r, &why), 0);
	test_assert_int(r.sp, CHK_DMARC_P_UNSET); /* collect fills in p */
	test_assert_int(r.pct, 100);
	test_end();

	test_begin("parse: errors");
	test_assert_int(parse("v=DMARC1; p=reject; pct=101", &r, &why), -1);
	test_assert(why != NULL);
	test_assert_int(parse("v=DMARC1; p=reject; rf=xml", &r, &why), -1);
	test_assert_int(parse("v=DMARC1; p=reject; fo=2", &r, &why), -1);
	test_assert_int(parse("v=DMARC1", &r, &why), -1);
	test_assert_int(chk_dmarc_parse("v=DMARC1; p=reject\0x", 20, &r, &why), -1);
	test_assert_str(why, "NUL byte in DMARC record");
	test_end();

	/* libopendmarc's buffers: an item of exactly their size would be
	   copied without its NUL; one byte less passes, one more is refused */
	test_begin("parse: items at libopendmarc's buffer sizes");
	strcpy(rec, "v=DMARC1; p=reject; rua=mailto:");
	memset(rec + strlen(rec), 'a', 248); /* the item: 255 bytes */
	rec[strlen("v=DMARC1; p=reject; rua=") + 255] = '\0';
	test_assert_int(parse(rec, &r, &why), 0);
	strcat(rec, "b");
	test_assert_int(parse(rec, &r, &why), -1);
	test_assert_str(why, "DMARC record or list item too long");
	snprintf(rec, sizeof(rec), "v=DMARC1; p=reject; rf=%031d", 0);
	test_assert_int(parse(rec, &r, &why), -1); /* 31 digits: not afrf, still refused */
	snprintf(rec, sizeof(rec), "v=DMARC1; p=reject; rf=%032d", 0);
	test_assert_int(parse(rec, &r, &why), -1);
	test_assert_str(why, "DMARC record or list item too long");
	test_end();

	test_begin("parse: a tag libopendmarc skips as too long is left out");
	strcpy(rec, "v=DMARC1; p=reject; x=");
	memset(rec + strlen(rec), 'y', 512);
	rec[22 + 512] = '\0';
	test_assert_int(parse(rec, &r, &why), 0);
	test_assert_int(r.p, CHK_DMARC_P_REJECT);
	strcpy(rec, "v=DMARC1; p=");
	memset(rec + 12, 'r', 512); /* p= itself too long: no p, permerror */
	rec[12 + 512] = '\0';
	test_assert_int(parse(rec, &r, &why), -1);
	memset(rec, 'v', 9000);
	rec[9000] = '\0';
	test_assert_int(parse(rec, &r, &why), -1);
	test_end();
}

static void test_roll(void)
{
	unsigned int i, lo = 0;

	test_begin("pct roll: stable, 0..99, spread");
	test_assert_int(chk_dmarc_roll(42, "a.test"), chk_dmarc_roll(42, "a.test"));
	for (i = 0; i < 10000; i++) {
		unsigned int v = chk_dmarc_roll(chk_dmarc_seed(&i, sizeof(i)), "a.test");
		test_assert(v < 100);
		lo += v < 10;
	}
	test_assert(lo > 850 && lo < 1150);
	test_assert(chk_dmarc_seed("<id@x>", 6) != chk_dmarc_seed("<id@y>", 6));
	test_end();
}

static void test_no_resolver(void)
{
	struct arena *a = arena_new(4096);
	struct chk_dmarc_result r;

	test_begin("no resolver: temperror; no From: none");
	chk_dmarc_collect(chk_dmarc_start_domain(a, NULL, debian_psl, "reject.dmarc.test"),
			  NULL, NULL, 1, &r);
	test_assert_int(r.result, CHK_DMARC_TEMPERROR);
	test_assert_str(chk_dmarc_hit_name(&r), NULL);
	test_assert_int(chk_dmarc_net(&r), NET_DMARC_UNSET);
	chk_dmarc_collect(chk_dmarc_start_domain(a, NULL, debian_psl, ""), NULL, NULL, 1, &r);
	test_assert_int(r.result, CHK_DMARC_NONE);
	test_assert_int(r.from_status, CHK_DMARC_FROM_MISSING);
	test_assert_int(chk_dmarc_net(&r), NET_DMARC_UNSET);
	chk_dmarc_collect(chk_dmarc_start_domain(a, NULL, debian_psl, "localhost"), NULL, NULL, 1, &r);
	test_assert_int(r.result, CHK_DMARC_PERMERROR);
	test_assert_int(r.from_status, CHK_DMARC_FROM_INVALID);
	arena_free(&a);
	test_end();
}

static void test_timeout(void)
{
	int fd;
	struct dns *d;
	struct arena *a = arena_new(4096);
	struct dns_batch *b;
	struct chk_dmarc_result r;
	double t0, ms;

	test_begin("a silent server: temperror within the budget");
	d = dnstest_silent_resolver(300, 800, &fd);
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	/* two lookups (the From domain's and dmarc.test's), sent together */
	chk_dmarc_collect(chk_dmarc_start_domain(a, b, debian_psl, "a.b.dmarc.test"),
			  NULL, NULL, 1, &r);
	ms = dnstest_now_ms() - t0;
	test_assert_int(r.result, CHK_DMARC_TEMPERROR);
	test_assert_str(r.reason, "timeout: _dmarc.a.b.dmarc.test");
	test_assert_str(chk_dmarc_hit_name(&r), NULL);
	test_assert_str(chk_dmarc_ar(a, &r, CHK_DMARC_P_NONE), "dmarc=temperror header.from=a.b.dmarc.test");
	test_assert(ms >= 250 && ms < 700);
	printf("silent server: temperror after %.0f ms (timeout 300, budget 800)\n", ms);
	dns_batch_free(&b);
	arena_free(&a);
	dns_free(&d);
	close(fd);
	test_end();
}

/* ---- --policy mode for test-dmarc.sh's comparison ---- */

static int policy_mode(const char *forward, int n, char **domains)
{
	struct dns *d = dnstest_resolver(forward, 2000, 5000);
	int i;

	for (i = 0; i < n; i++) {
		struct arena *a = arena_new(4096);
		struct dns_batch *b = dns_batch_new(d);
		struct chk_dmarc_result r;

		/* no suffix list: the domain's own record only, as opendmarc-check */
		chk_dmarc_collect(chk_dmarc_start_domain(a, b, NULL, domains[i]), NULL, NULL, 1, &r);
		if (r.result == CHK_DMARC_PASS || r.result == CHK_DMARC_FAIL)
			printf("%s p=%s sp=%s pct=%d adkim=%c aspf=%c\n", domains[i],
			       chk_dmarc_policy_name(r.p), chk_dmarc_policy_name(r.sp), r.pct,
			       r.adkim, r.aspf);
		else
			printf("%s %s\n", domains[i], chk_dmarc_res_name(r.result));
		dns_batch_free(&b);
		arena_free(&a);
	}
	dns_free(&d);
	return 0;
}

int main(int argc, char **argv)
{
	char *err = NULL;
	static const char own[] = "test\nsfx.dmarc.test\n";

	if (getenv("DMARC_DEBUG") != NULL) {
		log_init("test-dmarc", LOG_TO_STDERR);
		log_set_stderr_level(0);
		log_set_debug("dmarc");
	}
	if (argc >= 3 && strcmp(argv[1], "--policy") == 0)
		return policy_mode(argv[2], argc - 3, argv + 3);
	debian_psl = psl_load(PSL_DEFAULT_PATH, &err);
	own_psl = psl_parse(own, sizeof(own) - 1, "own", &err);
	if (debian_psl == NULL || own_psl == NULL) {
		fprintf(stderr, "public suffix list: %s\n", err);
		return 1;
	}
	server_port = argc > 1 ? atoi(argv[1]) : 0;
	test_is_record();
	test_parse();
	test_roll();
	test_no_resolver();
	test_timeout();
	if (server_port != 0) {
		test_cases();
		test_details();
		test_pct50();
		test_messages();
	} else {
		printf("no DNS server port given: server cases skipped\n");
	}
	psl_free(&debian_psl);
	psl_free(&own_psl);
	return test_exit();
}
