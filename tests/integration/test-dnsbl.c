/*
 * test-dnsbl.c - filterd/check_dnsbl.c against a real DNS server:
 * unbound on loopback serving tests/data/dns/dnsbl.conf, started by
 * test-dnsbl.sh, which passes its port as the argument. Without one,
 * only the cases that need no server run.
 *
 * With a server: IPv4 and IPv6 listings with several return codes
 * through exact codes, masks and ranges; error answers (127.255.255.x)
 * and wildcards outside 127/8 ignored; private addresses never asked;
 * TXT reasons; URIBL listings of registrable domains reached from deep
 * host names, IDN and IP-literal hosts; the URI cap; dnsbl_zones hits;
 * a silent server giving timeouts and no listing; and every lookup of
 * one message overlapping (through a relay that delays each query by
 * 100 ms: about one delay in all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filterd/check_dnsbl.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/hits.h"
#include "lib/limits.h"
#include "lib/msg.h"
#include "lib/psl.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

static int server_port;
static struct psl *psl;

static struct dnsbl_list list(const char *name, const char *zone, enum dnsbl_scope scope,
			      const char *sub, unsigned int flags)
{
	struct dnsbl_list l;

	memset(&l, 0, sizeof(l));
	l.name = name;
	l.rule = name;
	l.zone = zone;
	l.scope = scope;
	l.flags = flags;
	if (dns_dnsbl_sub_parse(sub, &l.sub) < 0)
		abort();
	return l;
}

/* "input=answer" of every listing, sorted, joined by ' '. */
static const char *listed(const struct dnsbl_result *r)
{
	static char out[2048];
	const char *v[64];
	size_t i, n = r->nlistings < 64 ? r->nlistings : 64;

	for (i = 0; i < n; i++) {
		char buf[300];
		snprintf(buf, sizeof(buf), "%s=%s", r->listings[i].input, r->listings[i].answer);
		v[i] = strdup(buf);
	}
	dnstest_join_sorted(v, n, " ", out, sizeof(out));
	for (i = 0; i < n; i++)
		free((char *)v[i]);
	return out;
}

static struct msg *parse(struct arena *a, const char *raw)
{
	return msg_parse(a, raw, strlen(raw), NULL);
}

/* ---- no server needed ---- */

static void test_names(void)
{
	struct arena *a = arena_new(4096);
	struct cfg *c = cfg_new();
	struct dnsbl_list *lists;
	char *err = NULL;

	test_begin("dnsbl: dnsbl_zones into lists, hit names, bad zones");
	test_assert_str(dnsbl_zone_hit_name(a, "zen.spamhaus.org"), "RCVD_IN_ZEN_SPAMHAUS_ORG");
	test_assert_str(dnsbl_zone_hit_name(a, "b.barracudacentral.org."),
			"RCVD_IN_B_BARRACUDACENTRAL_ORG");
	test_assert_str(dnsbl_zone_hit_name(a, "dnsbl-1.uceprotect.net"),
			"RCVD_IN_DNSBL_1_UCEPROTECT_NET");
	test_assert_int(dnsbl_lists_from_cfg(a, c, &lists, &err), 0);
	test_assert_int(cfg_set_option(c, "dnsbl_zones=bl.dnsbl.test, bl2.dnsbl.test.", &err), 0);
	test_assert_int(cfg_set_option(c, "dnsbl_score=2.5", &err), 0);
	test_assert_int(dnsbl_lists_from_cfg(a, c, &lists, &err), 2);
	test_assert_str(lists[0].zone, "bl.dnsbl.test");
	test_assert_str(lists[0].hit, "RCVD_IN_BL_DNSBL_TEST");
	test_assert_str(lists[1].hit, "RCVD_IN_BL2_DNSBL_TEST");
	test_assert(lists[1].score == 2.5);
	test_assert_int(lists[1].scope, DNSBL_UNTRUSTED);
	test_assert_int(lists[1].sub.kind, DNS_SUB_ANY);
	test_assert_int(cfg_set_option(c, "dnsbl_zones=ok.test bad..zone", &err), 0);
	test_assert_int(dnsbl_lists_from_cfg(a, c, &lists, &err), -1);
	test_assert_str(err, "dnsbl_zones: 'bad..zone' is not a DNS zone name");
	free(err);
	test_assert_int(cfg_set_option(c, "dnsbl_zones=zone/with/slash", &err), 0);
	test_assert_int(dnsbl_lists_from_cfg(a, c, &lists, &err), -1);
	free(err);
	test_assert_str(dnsbl_status_name(DNSBL_TIMEOUT), "timeout");
	cfg_free(&c);
	arena_free(&a);
	test_end();
}

static void test_uri_domains(void)
{
	static const char *const hosts[] = {
		"a.b.example.co.uk", "www.example.co.uk", "EXAMPLE.CO.UK.", "co.uk",
		"198.51.100.7", "[198.51.100.7]", "127.0.0.1", "10.1.2.3", "[2001:db8::7]",
		"[::1]", "www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn", NULL, "", "..",
		"x.foo.blogspot.com",
	};
	struct arena *a = arena_new(4096);
	const char **v;
	char joined[1024] = "";
	size_t n, i;
	int capped = -1;

	test_begin("dnsbl: URI hosts to registrable domains and IP literals");
	n = dnsbl_uri_domains(a, psl, hosts, sizeof(hosts) / sizeof(hosts[0]), 20, &v, &capped);
	for (i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? " " : "", v[i]);
	test_assert_str(joined, "example.co.uk 198.51.100.7 2001:db8::7 "
				"xn--85x722f.xn--55qx5d.cn foo.blogspot.com");
	test_assert_int(capped, 0);
	n = dnsbl_uri_domains(a, psl, hosts, sizeof(hosts) / sizeof(hosts[0]), 2, &v, &capped);
	test_assert_int(n, 2);
	test_assert_int(capped, 1);
	test_assert_str(v[1], "198.51.100.7");
	/* exactly at the cap is not capped */
	n = dnsbl_uri_domains(a, psl, hosts, 5, 2, &v, &capped);
	test_assert_int(n, 2);
	test_assert_int(capped, 0);
	arena_free(&a);
	test_end();
}

static const char uri_msg[] =
	"From: a@example.test\r\n"
	"Subject: links\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"b\"\r\n"
	"\r\n"
	"--b\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"Visit http://a.b.example.co.uk/offer and http://clean-domain.com/ now\r\n"
	"--b\r\n"
	"Content-Type: text/html\r\n"
	"\r\n"
	"<html><body><img src=\"http://images.greydomain.com/x.png\">\r\n"
	"<a href=\"https://www.both.net/x\">both</a>\r\n"
	"<a href=\"http://198.51.100.7/path\">ip</a>\r\n"
	"<a href=\"http://127.0.0.1/local\">local</a>\r\n"
	"<a href=\"http://[2001:db8::7]/v6\">v6</a>\r\n"
	"<a href=\"http://www.xn--85x722f.xn--55qx5d.cn/\">idn</a>\r\n"
	"<a href=\"http://errcode.com/\">err</a>\r\n"
	"</body></html>\r\n"
	"--b--\r\n";

static void test_msg_hosts(void)
{
	struct arena *a = arena_new(65536);
	struct msg *m = parse(a, uri_msg);
	const char **hosts, **doms;
	size_t nh, n, i;
	char joined[1024] = "";
	int capped;

	test_begin("dnsbl: a message's URI hosts, links first, images last");
	nh = dnsbl_msg_hosts(a, m, &hosts);
	n = dnsbl_uri_domains(a, psl, hosts, nh, 20, &doms, &capped);
	for (i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? " " : "", doms[i]);
	/* the greydomain.com image comes last though it is first in the HTML */
	test_assert(strstr(joined, "greydomain.com") != NULL);
	test_assert_str(strrchr(joined, ' ') + 1, "greydomain.com");
	test_assert(strstr(joined, "example.co.uk") != NULL);
	test_assert(strstr(joined, "clean-domain.com") != NULL);
	test_assert(strstr(joined, "both.net") != NULL);
	test_assert(strstr(joined, "198.51.100.7") != NULL);
	test_assert(strstr(joined, "2001:db8::7") != NULL);
	test_assert(strstr(joined, "xn--85x722f.xn--55qx5d.cn") != NULL);
	test_assert(strstr(joined, "127.0.0.1") == NULL);
	test_assert_int(n, 8);
	printf("dnsbl: URI domains of the test message: %s\n", joined);
	arena_free(&a);
	test_end();
}

/* ---- against the server ---- */

static void test_ips(struct dns *d)
{
	static const char *const relays[] = {
		"192.0.2.1", "2001:db8::1", "192.0.2.3", "192.0.2.99", "192.0.2.98",
		"192.0.2.2", "2001:DB8::2", "127.0.0.2", "10.0.0.1", "192.0.2.5",
		"192.0.2.1", NULL,
	};
	struct dnsbl_list lists[8];
	struct dnsbl_input in = { "192.0.2.1", relays, sizeof(relays) / sizeof(relays[0]),
				  NULL, 0, NULL };
	struct arena *a = arena_new(65536);
	struct dns_batch *b = dns_batch_new(d);
	const struct dnsbl_result *r;
	const struct net_rbl_answer *ans;
	struct dnsbl *h;
	size_t i, n, txt = 0;

	test_begin("dnsbl: IPv4 and IPv6 relays, codes by exact value, mask and range");
	lists[0] = list("bl", "bl.dnsbl.test", DNSBL_UNTRUSTED, "", DNSBL_F_TXT);
	lists[1] = list("bl-2", "bl.dnsbl.test.", DNSBL_UNTRUSTED, "127.0.0.2", 0);
	lists[2] = list("bl-mask8", "bl.dnsbl.test", DNSBL_UNTRUSTED, "8", 0);
	lists[3] = list("bl-range", "bl.dnsbl.test", DNSBL_UNTRUSTED, "127.0.0.10-127.0.0.11", 0);
	lists[4] = list("bl-client", "bl.dnsbl.test", DNSBL_CLIENT, "", 0);
	lists[5] = list("bl-last", "bl.dnsbl.test", DNSBL_FIRST_UNTRUSTED, "", 0);
	lists[6] = list("bl-v4only", "bl.dnsbl.test", DNSBL_UNTRUSTED, "127.0.0.3",
			DNSBL_F_NO_IPV6);
	lists[7] = list("bl-v6", "bl.dnsbl.test", DNSBL_UNTRUSTED, "127.0.0.3", 0);
	h = dnsbl_start(b, a, lists, 8, &in);
	r = dnsbl_collect(h, 3000);

	test_assert_str(dnsbl_status_name(r[0].status), "listed");
	test_assert_str(listed(&r[0]), "192.0.2.1=127.0.0.2 192.0.2.3=127.0.0.10 "
				       "192.0.2.3=127.0.0.4 192.0.2.5=127.0.0.11 "
				       "2001:db8::1=127.0.0.3");
	/* 8 public addresses asked (the repeat, 127.0.0.2, 10.0.0.1, NULL not) */
	test_assert_int(r[0].nqueries, 8);
	test_assert_int(r[0].nignored, 2); /* 127.255.255.254 and 192.0.2.250 */
	test_assert_int(r[0].ntimeouts, 0);
	for (i = 0; i < r[0].nlistings; i++) {
		const struct dnsbl_listing *l = &r[0].listings[i];
		if (strcmp(l->input, "192.0.2.1") == 0) {
			test_assert_str(l->txt, "192.0.2.1 is a test spammer");
			test_assert_str(l->query, "1.2.0.192.bl.dnsbl.test");
			test_assert_int(l->code, 0x7f000002);
			txt++;
		} else {
			test_assert(l->txt == NULL);
		}
	}
	test_assert_int(txt, 1);
	test_assert_str(listed(&r[1]), "192.0.2.1=127.0.0.2");
	test_assert_str(listed(&r[2]), "192.0.2.3=127.0.0.10 192.0.2.5=127.0.0.11");
	test_assert_str(listed(&r[3]), "192.0.2.3=127.0.0.10 192.0.2.5=127.0.0.11");
	test_assert_str(listed(&r[4]), "192.0.2.1=127.0.0.2");
	test_assert_int(r[4].nqueries, 1);
	test_assert_str(listed(&r[5]), "192.0.2.1=127.0.0.2");
	test_assert_int(r[5].nqueries, 1);
	test_assert_str(dnsbl_status_name(r[6].status), "clean");
	test_assert_int(r[6].nqueries, 6);
	test_assert_str(listed(&r[7]), "2001:db8::1=127.0.0.3");

	/* what rules/eval_net.c reads: 9 'A' answers (5+1+2+2+1+1+0+1)... */
	n = dnsbl_rbl_answers(a, r, 8, &ans);
	test_assert_int(n, 5 + 1 + 1 + 2 + 2 + 1 + 1 + 0 + 1);
	for (i = 0, txt = 0; i < n; i++) {
		if (ans[i].type == 'T') {
			test_assert_str(ans[i].set, "bl");
			test_assert_str(ans[i].answer, "192.0.2.1 is a test spammer");
			txt++;
		}
	}
	test_assert_int(txt, 1);
	dns_batch_free(&b);

	/* nothing to ask: a private client, no relays; the newest
	   untrusted relay unlisted */
	b = dns_batch_new(d);
	{
		const char *one[] = { "2001:db8::2", "192.0.2.1" };
		struct dnsbl_input in2 = { "10.0.0.1", one, 2, NULL, 0, NULL };
		h = dnsbl_start(b, a, lists + 4, 2, &in2);
		r = dnsbl_collect(h, 3000);
		test_assert_str(dnsbl_status_name(r[0].status), "none");
		test_assert_int(r[0].nqueries, 0);
		test_assert_str(dnsbl_status_name(r[1].status), "clean");
		test_assert_int(r[1].nqueries, 1);
	}
	dns_batch_free(&b);
	arena_free(&a);
	test_end();
}

static void test_uribl(struct dns *d)
{
	struct arena *a = arena_new(65536);
	struct dns_batch *b = dns_batch_new(d);
	struct msg *m = parse(a, uri_msg);
	struct dnsbl_list lists[3];
	struct dnsbl_input in;
	const struct dnsbl_result *r;
	struct hit_list hl;
	struct dnsbl *h;

	test_begin("dnsbl: URIBL of registrable domains, IP literals, IDN, masks");
	lists[0] = list("URIBL_BLACK", "uribl.dnsbl.test", DNSBL_URI, "2", 0);
	lists[0].hit = "URIBL_BLACK";
	lists[0].score = 1.7;
	lists[1] = list("URIBL_GREY", "uribl.dnsbl.test", DNSBL_URI, "4", 0);
	lists[1].hit = "URIBL_GREY";
	lists[1].score = 0.4;
	lists[2] = list("URIBL_ANY", "uribl.dnsbl.test", DNSBL_URI, "", 0);
	memset(&in, 0, sizeof(in));
	in.nuri_hosts = dnsbl_msg_hosts(a, m, (const char ***)&in.uri_hosts);
	in.psl = psl;
	h = dnsbl_start(b, a, lists, 3, &in);
	r = dnsbl_collect(h, 3000);
	test_assert_str(listed(&r[0]), "198.51.100.7=127.0.0.2 both.net=127.0.0.6 "
				       "example.co.uk=127.0.0.2 "
				       "xn--85x722f.xn--55qx5d.cn=127.0.0.2");
	test_assert_str(listed(&r[1]), "both.net=127.0.0.6 greydomain.com=127.0.0.4");
	test_assert_int(r[2].nlistings, 5);
	test_assert_int(r[2].nignored, 1); /* errcode.com: 127.255.255.252 */
	test_assert_int(r[2].nqueries, 8);
	test_assert_int(dnsbl_uri_capped(h), 0);
	hits_init(&hl, a);
	test_assert_int(dnsbl_hits(r, 3, &hl), 2);
	test_assert(hits_find(&hl, "URIBL_BLACK") != NULL);
	test_assert(hits_find(&hl, "URIBL_BLACK")->score == 1.7);
	test_assert(hits_find(&hl, "URIBL_GREY") != NULL);
	test_assert_int(hl.count, 2);
	dns_batch_free(&b);
	arena_free(&a);
	test_end();
}

static void test_cap(struct dns *d)
{
	struct arena *a = arena_new(65536);
	struct dns_batch *b = dns_batch_new(d);
	struct dnsbl_list l = list("URIBL_X", "uribl.dnsbl.test", DNSBL_URI, "", 0);
	struct dnsbl_input in;
	const struct dnsbl_result *r;
	const char *hosts[30];
	struct dnsbl *h;
	int i;

	test_begin("dnsbl: many URI domains capped at WN_DNSBL_MAX_URI_DOMAINS");
	for (i = 0; i < 30; i++)
		hosts[i] = arena_printf(a, "www.spam%d.com", i);
	memset(&in, 0, sizeof(in));
	in.uri_hosts = hosts;
	in.nuri_hosts = 30;
	in.psl = psl;
	h = dnsbl_start(b, a, &l, 1, &in);
	r = dnsbl_collect(h, 3000);
	test_assert_int(WN_DNSBL_MAX_URI_DOMAINS, 20);
	test_assert_int(r[0].nqueries, 20);
	test_assert(dnsbl_uri_capped(h));
	/* spam5.com is inside the cap, spam25.com past it */
	test_assert_str(listed(&r[0]), "spam5.com=127.0.0.2");
	dns_batch_free(&b);
	arena_free(&a);
	test_end();
}

static void test_zones_key(struct dns *d)
{
	static const char *const relays[] = { "203.0.113.7", "192.0.2.3" };
	struct arena *a = arena_new(65536);
	struct dns_batch *b = dns_batch_new(d);
	struct cfg *c = cfg_new();
	struct dnsbl_list *lists;
	struct dnsbl_input in = { "203.0.113.7", relays, 2, NULL, 0, NULL };
	const struct dnsbl_result *r;
	struct hit_list hl;
	char *err = NULL;
	long n;

	test_begin("dnsbl: dnsbl_zones gives RCVD_IN_<ZONE> hits with dnsbl_score");
	cfg_set_option(c, "dnsbl_zones=bl.dnsbl.test bl2.dnsbl.test", &err);
	cfg_set_option(c, "dnsbl_score=2.5", &err);
	n = dnsbl_lists_from_cfg(a, c, &lists, &err);
	test_assert_int(n, 2);
	r = dnsbl_collect(dnsbl_start(b, a, lists, (size_t)n, &in), 3000);
	hits_init(&hl, a);
	test_assert_int(dnsbl_hits(r, (size_t)n, &hl), 2);
	test_assert(hits_find(&hl, "RCVD_IN_BL_DNSBL_TEST") != NULL);
	test_assert(hits_find(&hl, "RCVD_IN_BL2_DNSBL_TEST")->score == 2.5);
	test_assert_str(hits_find(&hl, "RCVD_IN_BL2_DNSBL_TEST")->description,
			"203.0.113.7 listed in bl2.dnsbl.test (127.0.0.5)");
	test_assert_str(listed(&r[0]), "192.0.2.3=127.0.0.10 192.0.2.3=127.0.0.4 "
				       "203.0.113.7=127.0.0.2");
	cfg_free(&c);
	dns_batch_free(&b);
	arena_free(&a);
	test_end();
}

static void test_timeout(void)
{
	static const char *const relays[] = { "192.0.2.1", "192.0.2.3" };
	static const char *const hosts[] = { "a.b.example.co.uk", "198.51.100.7" };
	struct arena *a = arena_new(65536);
	struct dnsbl_list lists[2];
	struct dnsbl_input in = { "192.0.2.1", relays, 2, hosts, 2, NULL };
	const struct dnsbl_result *r;
	struct dns_batch *b;
	struct dns *d;
	double t0, el;
	int fd;

	test_begin("dnsbl: a server that never answers: timeout, no listing");
	in.psl = psl;
	d = dnstest_silent_resolver(300, 1000, &fd);
	b = dns_batch_new(d);
	lists[0] = list("bl", "bl.dnsbl.test", DNSBL_UNTRUSTED, "", DNSBL_F_TXT);
	lists[1] = list("URIBL_X", "uribl.dnsbl.test", DNSBL_URI, "", 0);
	t0 = dnstest_now_ms();
	r = dnsbl_collect(dnsbl_start(b, a, lists, 2, &in), 5000);
	el = dnstest_now_ms() - t0;
	printf("dnsbl: silent server: timeouts after %.1f ms (query timeout 300)\n", el);
	test_assert(el >= 290 && el < 600);
	test_assert_str(dnsbl_status_name(r[0].status), "timeout");
	test_assert_int(r[0].nlistings, 0);
	test_assert_int(r[0].ntimeouts, 2);
	test_assert_str(dnsbl_status_name(r[1].status), "timeout");
	test_assert_int(r[1].ntimeouts, 2);
	dns_batch_free(&b);

	/* a caller that stops waiting early: still pending counts as timeout */
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	r = dnsbl_collect(dnsbl_start(b, a, lists, 1, &in), 50);
	test_assert(dnstest_now_ms() - t0 < 200);
	test_assert_str(dnsbl_status_name(r[0].status), "timeout");
	dns_batch_free(&b);
	dns_free(&d);
	close(fd);
	arena_free(&a);
	test_end();
}

static void test_overlap(void)
{
	static const char *const relays[] = { "192.0.2.1", "2001:db8::1", "192.0.2.3" };
	struct arena *a = arena_new(65536);
	struct msg *m = parse(a, uri_msg);
	struct dnsbl_list lists[5];
	struct dnsbl_input in = { "192.0.2.1", relays, 3, NULL, 0, NULL };
	const struct dnsbl_result *r;
	struct dns_batch *b;
	struct dnstest_relay *rl;
	struct dns *d;
	double t0, single, all;
	size_t queries = 0;
	int h;

	test_begin("dnsbl: all lookups of one message take about one round trip");
	rl = dnstest_relay_start(server_port, 100);
	d = dnstest_resolver_at(dnstest_relay_port(rl), 3000, 5000);
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	h = dns_batch_add(b, DNS_A, "rt0.dnsbl.test");
	test_assert_int(dns_batch_wait(b, 3000), 0);
	single = dnstest_now_ms() - t0;
	test_assert_str(dns_status_name(dns_batch_result(b, h)->status), "ok");
	dns_batch_free(&b);

	in.nuri_hosts = dnsbl_msg_hosts(a, m, (const char ***)&in.uri_hosts);
	in.psl = psl;
	/* 14 distinct queries: libunbound keeps at most 16 in flight to a
	   forwarder by default (its outgoing-range), so more would take a
	   second round trip until lib/dns.c raises that */
	lists[0] = list("bl", "bl.dnsbl.test", DNSBL_UNTRUSTED, "", 0);
	lists[1] = list("bl2", "bl2.dnsbl.test", DNSBL_UNTRUSTED, "", 0);
	lists[2] = list("bl-client", "bl.dnsbl.test", DNSBL_CLIENT, "", 0);
	lists[3] = list("URIBL_BLACK", "uribl.dnsbl.test", DNSBL_URI, "2", 0);
	lists[4] = list("URIBL_GREY", "uribl.dnsbl.test", DNSBL_URI, "4", 0);
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	r = dnsbl_collect(dnsbl_start(b, a, lists, 5, &in), 3000);
	all = dnstest_now_ms() - t0;
	for (int i = 0; i < 5; i++)
		queries += r[i].nqueries;
	printf("dnsbl: through a 100 ms relay: one query %.1f ms; one message's "
	       "%zu list lookups (%d distinct queries) %.1f ms\n",
	       single, queries, 3 + 3 + 8, all);
	test_assert_str(listed(&r[0]), "192.0.2.1=127.0.0.2 192.0.2.3=127.0.0.10 "
				       "192.0.2.3=127.0.0.4 2001:db8::1=127.0.0.3");
	test_assert_str(listed(&r[3]), "198.51.100.7=127.0.0.2 both.net=127.0.0.6 "
				       "example.co.uk=127.0.0.2 "
				       "xn--85x722f.xn--55qx5d.cn=127.0.0.2");
	test_assert_int(queries, 3 + 3 + 1 + 8 + 8);
	test_assert(single >= 100);
	test_assert(all >= 100);
	test_assert(all < 1.5 * single); /* one after another: 14 round trips */
	dns_batch_free(&b);
	dns_free(&d);
	dnstest_relay_stop(&rl);
	arena_free(&a);
	test_end();
}

int main(int argc, char **argv)
{
	char *err = NULL;
	struct dns *d;

	psl = psl_load(PSL_DEFAULT_PATH, &err);
	if (psl == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_names();
	test_uri_domains();
	test_msg_hosts();
	if (argc > 1) {
		server_port = atoi(argv[1]);
		d = dnstest_resolver_at(server_port, 2000, 4000);
		test_ips(d);
		test_uribl(d);
		test_cap(d);
		test_zones_key(d);
		dns_free(&d);
		test_timeout();
		test_overlap();
	} else {
		printf("no DNS server port given: server cases not run\n");
	}
	psl_free(&psl);
	return test_exit();
}
