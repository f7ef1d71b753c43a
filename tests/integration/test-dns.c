/*
 * test-dns.c - lib/dns.c against a real DNS server: unbound on loopback
 * serving tests/data/dns/zones.conf, started by test-dns.sh, which
 * passes its port as the argument. Without one, only the cases that
 * need no server run (helpers, config, rdata decoding).
 *
 * With a server: every answer type and status with exact answers; a
 * batch of ten queries through a relay that delays each by 100 ms takes
 * about one delay, not ten; a server that never answers gives timeouts
 * within the query timeout and the batch budget; the cache keeps an
 * answer for its TTL and asks again after it; several threads share one
 * resolver.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "tests/integration/dnstest.h"
#include "tests/unit/test.h"

static int server_port;

/* ---- no server needed ---- */

static void test_reverse(void)
{
	char out[200];

	test_begin("dns_reverse_name: IPv4, IPv6 nibbles, mapped, PTR zones, errors");
	test_assert_int(dns_reverse_name("192.0.2.1", "zen.test", out, sizeof(out)), 0);
	test_assert_str(out, "1.2.0.192.zen.test");
	test_assert_int(dns_reverse_name("2001:db8::2", "zen.test", out, sizeof(out)), 0);
	test_assert_str(out, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.test");
	test_assert_int(dns_reverse_name("::ffff:127.0.0.2", "zen.test", out, sizeof(out)), 0);
	test_assert_str(out, "2.0.0.127.zen.test");
	test_assert_int(dns_reverse_name("10.1.2.3", NULL, out, sizeof(out)), 0);
	test_assert_str(out, "3.2.1.10.in-addr.arpa");
	test_assert_int(dns_reverse_name("2001:db8:1:2:3:4:5:6", NULL, out, sizeof(out)), 0);
	test_assert_str(out, "6.0.0.0.5.0.0.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	test_assert_int(dns_reverse_name("1.2.3", "zen.test", out, sizeof(out)), -1);
	test_assert_int(dns_reverse_name("1.2.3.4 ", "zen.test", out, sizeof(out)), -1);
	test_assert_int(dns_reverse_name("example.test", "zen.test", out, sizeof(out)), -1);
	test_assert_int(dns_reverse_name("192.0.2.1", "zen.test", out, 18), -1);
	test_assert_int(dns_reverse_name("192.0.2.1", "zen.test", out, 19), 0);
	test_end();
}

static void test_dnsbl_decode(void)
{
	struct dns_dnsbl_sub s;
	uint32_t code = 0;

	test_begin("dns_dnsbl_code and return-code specs");
	test_assert_int(dns_dnsbl_code("127.0.0.2", &code), 0);
	test_assert_int(code, 0x7f000002);
	test_assert_int(dns_dnsbl_code("127.0.1.4", &code), 0);
	test_assert_int(code, 0x7f000104);
	test_assert_int(dns_dnsbl_code("192.0.2.1", &code), -1);       /* a wildcard */
	test_assert_int(dns_dnsbl_code("127.255.255.254", &code), -1); /* an error code */
	test_assert_int(dns_dnsbl_code("127.0.0", &code), -1);
	test_assert_int(dns_dnsbl_code("::1", &code), -1);

	test_assert_int(dns_dnsbl_sub_parse("", &s), 0);
	test_assert(dns_dnsbl_sub_match(&s, 0x7f000004));
	test_assert_int(dns_dnsbl_sub_parse("127.0.0.2", &s), 0);
	test_assert(dns_dnsbl_sub_match(&s, 0x7f000002));
	test_assert(!dns_dnsbl_sub_match(&s, 0x7f000004));
	test_assert_int(dns_dnsbl_sub_parse("127.0.0.2-127.0.0.5", &s), 0);
	test_assert(dns_dnsbl_sub_match(&s, 0x7f000005));
	test_assert(!dns_dnsbl_sub_match(&s, 0x7f000006));
	test_assert_int(dns_dnsbl_sub_parse("4", &s), 0);
	test_assert(dns_dnsbl_sub_match(&s, 0x7f000004));
	test_assert(dns_dnsbl_sub_match(&s, 0x7f00000c));
	test_assert(!dns_dnsbl_sub_match(&s, 0x7f000002));
	test_assert_int(dns_dnsbl_sub_parse("0x0A", &s), 0);
	test_assert(dns_dnsbl_sub_match(&s, 0x7f000002));
	test_assert(!dns_dnsbl_sub_match(&s, 0x7f000004));
	test_assert_int(dns_dnsbl_sub_parse("0", &s), -1);
	test_assert_int(dns_dnsbl_sub_parse("0x", &s), -1);
	test_assert_int(dns_dnsbl_sub_parse("99999999999", &s), -1);
	test_assert_int(dns_dnsbl_sub_parse("127.0.0.5-127.0.0.2", &s), -1);
	test_assert_int(dns_dnsbl_sub_parse("127.0.0.x", &s), -1);
	test_assert_int(dns_dnsbl_sub_parse("-127.0.0.2", &s), -1);
	test_end();
}

static void test_forward_check(void)
{
	char *err = NULL;

	test_begin("dns_forward_check");
	test_assert_int(dns_forward_check("", &err), 0);
	test_assert_int(dns_forward_check("127.0.0.1@5353, ::1@53 192.0.2.1", &err), 0);
	test_assert_int(dns_forward_check("127.0.0.1@0", &err), -1);
	test_assert_str(err, "'127.0.0.1@0': port out of range");
	free(err);
	test_assert_int(dns_forward_check("127.0.0.1@", &err), -1);
	test_assert_str(err, "'127.0.0.1@': bad port");
	free(err);
	test_assert_int(dns_forward_check("127.0.0.1@53x", &err), -1);
	free(err);
	test_assert_int(dns_forward_check("@53", &err), -1);
	free(err);
	test_assert_int(dns_forward_check("1,2,3,4,5,6,7,8,9", &err), -1);
	free(err);
	test_assert_int(dns_forward_check("1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 "
					  "6.6.6.6 7.7.7.7 8.8.8.8 9.9.9.9", &err), -1);
	test_assert_str(err, "more than 8 forwarders");
	free(err);
	test_end();
}

static void test_cfg(void)
{
	static const char good[] = "dns_forward = 127.0.0.1@5353 ::1\n"
				   "dns_timeout_ms = 250\ndns_message_budget_ms = 900\n";
	static const char bad_port[] = "# dns\n\ndns_forward = 127.0.0.1@99999\n";
	static const char bad_addr[] = "dns_forward = ns1.example.test\n";
	struct cfg *c = cfg_new();
	struct dns_conf conf;
	char *err = NULL;
	struct dns *d;

	test_begin("dns config: keys, defaults, errors with file:line");
	dns_conf_from_cfg(&conf, c);
	test_assert_str(conf.forward, "");
	test_assert_int(conf.timeout_ms, 3000);
	test_assert_int(conf.budget_ms, 5000);
	test_assert_int(cfg_load_buffer(c, "w.conf", good, sizeof(good) - 1, &err), 0);
	dns_conf_from_cfg(&conf, c);
	test_assert_str(conf.forward, "127.0.0.1@5353 ::1");
	test_assert_int(conf.timeout_ms, 250);
	test_assert_int(conf.budget_ms, 900);
	test_assert_int(cfg_load_buffer(c, "w.conf", bad_port, strlen(bad_port), &err), -1);
	test_assert_str(err, "w.conf:3: dns_forward: '127.0.0.1@99999': port out of range");
	free(err);
	test_assert_int(cfg_load_buffer(c, "w.conf", bad_addr, strlen(bad_addr), &err), -1);
	test_assert_str(err, "w.conf:1: dns_forward: 'ns1.example.test' is not an IPv4 or IPv6 address");
	free(err);
	test_assert_int(cfg_set_option(c, "dns_timeout_ms=soon", &err), -1);
	test_assert_str(err, "-o: dns_timeout_ms: 'soon' is not a whole number");
	free(err);
	/* the failed loads left the good values */
	dns_conf_from_cfg(&conf, c);
	test_assert_str(conf.forward, "127.0.0.1@5353 ::1");
	conf.timeout_ms = 0;
	test_assert(dns_new(&conf, &err) == NULL);
	test_assert_str(err, "dns: dns_timeout_ms and dns_message_budget_ms must be over 0");
	free(err);
	/* empty: the system's resolv.conf (read only; nothing is asked) */
	conf.forward = "";
	conf.timeout_ms = 100;
	d = dns_new(&conf, &err);
	test_assert(d != NULL);
	dns_free(&d);
	test_assert(d == NULL);
	cfg_free(&c);
	test_end();
}

static void test_rdata(void)
{
	static const uint8_t mx[] = { 0, 10, 2, 'm', 'x', 3, 'a', ' ', 'b', 4, 't', 'e', 's', 't', 0 };
	static const uint8_t ptr_compressed[] = { 2, 'm', 'x', 0xc0, 12 };
	static const uint8_t txt[] = { 3, 'a', 'b', 'c', 0, 2, 'd', 0 };
	static const uint8_t txt_short[] = { 5, 'a', 'b' };
	struct arena *a = arena_new(4096);
	struct dns_rr rr;
	size_t left = 100;

	test_begin("dns_rdata_decode: names, escapes, TXT strings and budget, malformed");
	test_assert_int(dns_rdata_decode(a, DNS_MX, mx, sizeof(mx), &rr, &left), 0);
	test_assert_int(rr.pref, 10);
	test_assert_str(rr.text, "mx.a\\032b.test");
	test_assert_int(dns_rdata_decode(a, DNS_PTR, ptr_compressed, sizeof(ptr_compressed),
					 &rr, &left), -1);
	test_assert_int(dns_rdata_decode(a, DNS_PTR, mx, sizeof(mx), &rr, &left), -1);
	test_assert_int(dns_rdata_decode(a, DNS_A, mx, 3, &rr, &left), -1);
	test_assert_int(dns_rdata_decode(a, DNS_TXT, txt, sizeof(txt), &rr, &left), 0);
	test_assert_int(rr.nstrings, 3);
	test_assert_int(rr.text_len, 5);
	test_assert(memcmp(rr.text, "abcd", 5) == 0);
	test_assert_int(rr.lens[1], 0);
	test_assert_str(rr.strings[2], "d");
	test_assert_int(left, 95);
	left = 2;
	test_assert_int(dns_rdata_decode(a, DNS_TXT, txt, sizeof(txt), &rr, &left), 1);
	test_assert_str(rr.text, "ab");
	test_assert_int(rr.nstrings, 1);
	test_assert_int(left, 0);
	left = 100;
	test_assert_int(dns_rdata_decode(a, DNS_TXT, txt_short, sizeof(txt_short), &rr, &left), -1);
	arena_free(&a);
	test_end();
}

/* ---- against the server ---- */

/* The texts of r's records, sorted, joined by '|'. */
static const char *texts(const struct dns_result *r)
{
	static char out[1024];
	const char *v[WN_DNS_MAX_ANSWERS];

	for (size_t i = 0; i < r->n; i++)
		v[i] = r->rr[i].text;
	return dnstest_join_sorted(v, r->n, "|", out, sizeof(out));
}

static void test_answers(struct dns *d)
{
	struct dns_batch *b = dns_batch_new(d);
	int a, aaaa, mx, txt, multi, big, ptr, ptr10, nx, nodata, refused, bad, bl2, bl4, bl6, blno;
	const struct dns_result *r;
	size_t i, total = 0;
	char name[200];

	test_begin("dns: each type and status, exact answers");
	a = dns_batch_add(b, DNS_A, "example.test");
	aaaa = dns_batch_add(b, DNS_AAAA, "example.test");
	mx = dns_batch_add(b, DNS_MX, "example.test.");
	txt = dns_batch_add(b, DNS_TXT, "example.test");
	multi = dns_batch_add(b, DNS_TXT, "multi.example.test");
	big = dns_batch_add(b, DNS_TXT, "big.example.test");
	ptr = dns_batch_add(b, DNS_PTR, "1.0.0.127.in-addr.arpa");
	dns_reverse_name("10.1.2.3", NULL, name, sizeof(name));
	ptr10 = dns_batch_add(b, DNS_PTR, name);
	nx = dns_batch_add(b, DNS_A, "nx.example.test");
	nodata = dns_batch_add(b, DNS_AAAA, "mx1.example.test");
	refused = dns_batch_add(b, DNS_A, "www.refused.test");
	bad = dns_batch_add(b, DNS_A, "a..example.test");
	dns_reverse_name("127.0.0.2", "zen.test", name, sizeof(name));
	bl2 = dns_batch_add(b, DNS_A, name);
	dns_reverse_name("127.0.0.4", "zen.test", name, sizeof(name));
	bl4 = dns_batch_add(b, DNS_A, name);
	dns_reverse_name("2001:db8::2", "zen.test", name, sizeof(name));
	bl6 = dns_batch_add(b, DNS_A, name);
	dns_reverse_name("127.0.0.3", "zen.test", name, sizeof(name));
	blno = dns_batch_add(b, DNS_A, name);
	test_assert(a == 0 && blno == 15);
	test_assert_int(dns_batch_wait(b, 5000), 0);

	r = dns_batch_result(b, a);
	test_assert_str(dns_status_name(r->status), "ok");
	test_assert_str(texts(r), "192.0.2.1");
	test_assert_str(r->name, "example.test");
	test_assert(r->ttl > 0 && r->ttl <= 300);
	test_assert_str(texts(dns_batch_result(b, aaaa)), "2001:db8::1");
	r = dns_batch_result(b, mx);
	test_assert_int(r->n, 2);
	test_assert_str(texts(r), "mx1.example.test|mx2.example.test");
	for (i = 0; i < r->n; i++)
		test_assert_int(r->rr[i].pref, strcmp(r->rr[i].text, "mx1.example.test") == 0 ? 10 : 20);
	r = dns_batch_result(b, txt);
	test_assert_int(r->n, 1);
	test_assert_str(r->rr[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
	test_assert_int(r->rr[0].nstrings, 1);
	r = dns_batch_result(b, multi);
	test_assert_int(r->n, 2);
	test_assert_str(texts(r), "second record|v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3");
	for (i = 0; i < r->n; i++) {
		if (r->rr[i].nstrings != 2)
			continue;
		test_assert_str(r->rr[i].strings[0], "v=DKIM1; k=rsa; ");
		test_assert_str(r->rr[i].strings[1], "p=MIGfMA0GCSqGSIb3");
		test_assert_int(r->rr[i].lens[0], 16);
		total++;
	}
	test_assert_int(total, 1);
	/* 10000 bytes sent (over TCP: too big for UDP), WN_DNS_MAX_TXT kept */
	r = dns_batch_result(b, big);
	test_assert_str(dns_status_name(r->status), "ok");
	test_assert(r->truncated);
	test_assert_int(r->n, 1);
	test_assert_int(r->rr[0].text_len, WN_DNS_MAX_TXT);
	test_assert_int(strlen(r->rr[0].text), WN_DNS_MAX_TXT);
	test_assert(strncmp(r->rr[0].strings[1], "001xxx", 6) == 0);
	test_assert_int(r->rr[0].nstrings, (WN_DNS_MAX_TXT + 249) / 250);
	test_assert_str(texts(dns_batch_result(b, ptr)), "mx1.example.test");
	test_assert_str(texts(dns_batch_result(b, ptr10)), "relay.internal.test");
	test_assert_str(dns_status_name(dns_batch_result(b, nx)->status), "nxdomain");
	test_assert_int(dns_batch_result(b, nx)->n, 0);
	test_assert_str(dns_status_name(dns_batch_result(b, nodata)->status), "nodata");
	r = dns_batch_result(b, refused);
	test_assert_str(dns_status_name(r->status), "servfail");
	test_assert(r->why != NULL);
	r = dns_batch_result(b, bad);
	test_assert_str(dns_status_name(r->status), "error");
	test_assert_str(r->why, "bad name");
	test_assert_str(texts(dns_batch_result(b, bl2)), "127.0.0.2");
	test_assert_str(texts(dns_batch_result(b, bl4)), "127.0.0.10|127.0.0.4");
	test_assert_str(texts(dns_batch_result(b, bl6)), "127.0.0.2");
	test_assert_str(dns_status_name(dns_batch_result(b, blno)->status), "nxdomain");
	dns_batch_free(&b);
	test_assert(b == NULL);
	test_end();
}

static void test_dnsbl_flow(struct dns *d)
{
	struct dns_batch *b = dns_batch_new(d);
	struct dns_dnsbl_sub mask4;
	const struct dns_result *r;
	char name[100];
	uint32_t code;
	size_t i, hits = 0;
	int h;

	test_begin("dns: DNSBL lookup, decode and mask as a check would");
	dns_reverse_name("127.0.0.4", "zen.test", name, sizeof(name));
	h = dns_batch_add(b, DNS_A, name);
	test_assert_int(dns_batch_wait_one(b, h, 3000), 0);
	r = dns_batch_result(b, h);
	test_assert_int(dns_dnsbl_sub_parse("0x04", &mask4), 0);
	for (i = 0; i < r->n; i++) {
		if (dns_dnsbl_code(r->rr[i].text, &code) == 0 && dns_dnsbl_sub_match(&mask4, code))
			hits++;
	}
	test_assert_int(hits, 1); /* 127.0.0.4 matches, 127.0.0.10 (8|2) not */
	dns_batch_free(&b);
	test_end();
}

static void test_overlap(void)
{
	struct dnstest_relay *rl;
	struct dns_batch *b;
	struct dns *d;
	char name[64];
	double t0, single, ten;
	int h[10], i, ok = 0;

	test_begin("dns: 10 queries in one batch take one round trip, not ten");
	rl = dnstest_relay_start(server_port, 100);
	d = dnstest_resolver_at(dnstest_relay_port(rl), 3000, 5000);
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	h[0] = dns_batch_add(b, DNS_A, "rt10.example.test");
	test_assert_int(dns_batch_wait(b, 3000), 0);
	single = dnstest_now_ms() - t0;
	test_assert_str(texts(dns_batch_result(b, h[0])), "192.0.2.110");
	dns_batch_free(&b);

	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "rt%d.example.test", i);
		h[i] = dns_batch_add(b, DNS_A, name);
	}
	test_assert_int(dns_batch_wait(b, 3000), 0);
	ten = dnstest_now_ms() - t0;
	for (i = 0; i < 10; i++) {
		char want[32];
		snprintf(want, sizeof(want), "192.0.2.%d", 100 + i);
		ok += strcmp(texts(dns_batch_result(b, h[i])), want) == 0;
	}
	test_assert_int(ok, 10);
	printf("dns round trip through a 100 ms relay: single query %.1f ms, "
	       "10-query batch %.1f ms\n", single, ten);
	test_assert(single >= 100);
	test_assert(ten >= 100);
	test_assert(ten < 2 * single); /* serial would be 10x */
	dns_batch_free(&b);

	/* more than libunbound's default 16 in flight: still one round
	   trip (names never asked before, NXDOMAIN in the static zone) */
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "many%d.example.test", i);
		ok += dns_batch_add(b, DNS_A, name) >= 0;
	}
	test_assert_int(dns_batch_wait(b, 3000), 0);
	ten = dnstest_now_ms() - t0;
	printf("dns: 40-query batch %.1f ms\n", ten);
	test_assert_int(ok, 50);
	test_assert(ten < 1.6 * single); /* two round trips when capped at 16 */
	dns_batch_free(&b);
	dns_free(&d);
	dnstest_relay_stop(&rl);
	test_end();
}

static void test_timeouts(void)
{
	struct dns_batch *b;
	struct dns *d;
	double t0, el;
	int fd, h[WN_DNS_MAX_QUERIES + 1], i, timeouts = 0;

	test_begin("dns: a silent server gives timeouts on time");
	d = dnstest_silent_resolver(300, 700, &fd);

	/* per-query timeout: all three end at ~300 ms */
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	h[0] = dns_batch_add(b, DNS_A, "example.test");
	h[1] = dns_batch_add(b, DNS_TXT, "example.test");
	h[2] = dns_batch_add(b, DNS_MX, "example.test");
	test_assert_int(dns_batch_wait(b, 10000), 0);
	el = dnstest_now_ms() - t0;
	printf("dns silent server: 3 queries timed out after %.1f ms (timeout 300)\n", el);
	test_assert(el >= 290 && el < 500);
	for (i = 0; i < 3; i++)
		timeouts += dns_batch_result(b, h[i])->status == DNS_TIMEOUT;
	test_assert_int(timeouts, 3);

	/* the budget: a query added at 400 ms gets what is left (300 ms) */
	usleep(100 * 1000);
	h[3] = dns_batch_add(b, DNS_A, "late.example.test");
	test_assert_int(dns_batch_wait_one(b, h[3], 10000), 0);
	el = dnstest_now_ms() - t0;
	printf("dns silent server: budget 700 ms spent after %.1f ms\n", el);
	test_assert(el >= 650 && el < 900);
	test_assert_str(dns_status_name(dns_batch_result(b, h[3])->status), "timeout");
	/* past the budget nothing is sent, nothing waits */
	t0 = dnstest_now_ms();
	h[4] = dns_batch_add(b, DNS_A, "later.example.test");
	test_assert_int(dns_batch_wait(b, 10000), 0);
	test_assert(dnstest_now_ms() - t0 < 50);
	test_assert_str(dns_status_name(dns_batch_result(b, h[4])->status), "timeout");
	dns_batch_free(&b);

	/* a short wait leaves queries pending, a later one collects them;
	   the cap holds; free cancels what is left */
	b = dns_batch_new(d);
	for (i = 0; i < WN_DNS_MAX_QUERIES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "q%d.example.test", i);
		h[i] = dns_batch_add(b, DNS_A, name);
	}
	test_assert_int(h[WN_DNS_MAX_QUERIES - 1], WN_DNS_MAX_QUERIES - 1);
	test_assert_int(dns_batch_add(b, DNS_A, "one-too-many.example.test"), -1);
	t0 = dnstest_now_ms();
	test_assert_int(dns_batch_wait(b, 50), WN_DNS_MAX_QUERIES);
	test_assert(dnstest_now_ms() - t0 < 200);
	test_assert_str(dns_status_name(dns_batch_result(b, h[0])->status), "pending");
	dns_batch_free(&b);
	dns_free(&d);
	close(fd);
	test_end();
}

static void test_refused_port(void)
{
	const struct dns_result *r;
	struct dns_batch *b;
	struct dns *d;
	double t0, el;
	int fd, port, h;

	test_begin("dns: nothing listening on the port: bounded, no answer");
	fd = dnstest_silent_socket(&port);
	close(fd); /* the port is now closed: ICMP port unreachable */
	d = dnstest_resolver_at(port, 400, 1000);
	b = dns_batch_new(d);
	t0 = dnstest_now_ms();
	h = dns_batch_add(b, DNS_A, "example.test");
	test_assert_int(dns_batch_wait(b, 10000), 0);
	el = dnstest_now_ms() - t0;
	r = dns_batch_result(b, h);
	printf("dns closed port: %s after %.1f ms\n", dns_status_name(r->status), el);
	test_assert(r->status == DNS_TIMEOUT || r->status == DNS_SERVFAIL);
	test_assert(el < 500);
	dns_batch_free(&b);
	dns_free(&d);
	test_end();
}

static void control(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "unbound-control -c '%s' %s >/dev/null", getenv("DNS_CONF"),
		 args);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		abort();
	}
}

static const char *lookup_a(struct dns *d, const char *name, double *ms_r)
{
	static char out[256];
	struct dns_batch *b = dns_batch_new(d);
	double t0 = dnstest_now_ms();
	int h = dns_batch_add(b, DNS_A, name);

	dns_batch_wait(b, 3000);
	if (ms_r != NULL)
		*ms_r = dnstest_now_ms() - t0;
	snprintf(out, sizeof(out), "%s %s", dns_status_name(dns_batch_result(b, h)->status),
		 texts(dns_batch_result(b, h)));
	dns_batch_free(&b);
	return out;
}

static void test_cache(void)
{
	struct dns *d, *fresh;
	double ms;

	test_begin("dns: answers cached for their TTL, asked again after");
	if (getenv("DNS_CONF") == NULL) {
		test_assert(!"DNS_CONF not set");
		test_end();
		return;
	}
	d = dnstest_resolver_at(server_port, 2000, 4000);
	test_assert_str(lookup_a(d, "long.cache.test", NULL), "ok 192.0.2.20");
	test_assert_str(lookup_a(d, "short.cache.test", NULL), "ok 192.0.2.21");
	control("local_data_remove long.cache.test");
	control("local_data 'long.cache.test. 300 IN A 192.0.2.30'");
	control("local_data_remove short.cache.test");
	control("local_data 'short.cache.test. 1 IN A 192.0.2.31'");
	fresh = dnstest_resolver_at(server_port, 2000, 4000);
	test_assert_str(lookup_a(fresh, "long.cache.test", NULL), "ok 192.0.2.30");
	dns_free(&fresh);
	/* TTL 300: the old answer, from the cache */
	test_assert_str(lookup_a(d, "long.cache.test", &ms), "ok 192.0.2.20");
	printf("dns cached answer: %.2f ms\n", ms);
	usleep(2100 * 1000);
	/* TTL 1, now expired: asked again */
	test_assert_str(lookup_a(d, "short.cache.test", NULL), "ok 192.0.2.31");
	test_assert_str(lookup_a(d, "long.cache.test", NULL), "ok 192.0.2.20");
	dns_free(&d);
	test_end();
}

static struct dns *shared;
static int thread_ok[4];

static void *worker(void *arg)
{
	int id = *(int *)arg, i, good = 0;
	char name[100];

	for (i = 0; i < 25; i++) {
		struct dns_batch *b = dns_batch_new(shared);
		int a, t, bl;
		a = dns_batch_add(b, DNS_A, "example.test");
		t = dns_batch_add(b, DNS_TXT, "multi.example.test");
		dns_reverse_name("127.0.0.2", "zen.test", name, sizeof(name));
		bl = dns_batch_add(b, DNS_A, name);
		if (i % 5 == 4) {
			/* free with queries in flight, on another name */
			snprintf(name, sizeof(name), "nx%d-%d.example.test", id, i);
			dns_batch_add(b, DNS_A, name);
			dns_batch_free(&b);
			good++;
			continue;
		}
		dns_batch_wait(b, 3000);
		if (dns_batch_result(b, a)->status == DNS_OK &&
		    strcmp(dns_batch_result(b, a)->rr[0].text, "192.0.2.1") == 0 &&
		    dns_batch_result(b, t)->n == 2 &&
		    dns_batch_result(b, bl)->status == DNS_OK)
			good++;
		dns_batch_free(&b);
	}
	thread_ok[id] = good;
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int ids[4], i;

	test_begin("dns: four threads share one resolver");
	shared = dnstest_resolver_at(server_port, 2000, 4000);
	for (i = 0; i < 4; i++) {
		ids[i] = i;
		pthread_create(&t[i], NULL, worker, &ids[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		test_assert_int(thread_ok[i], 25);
	}
	dns_free(&shared);
	test_end();
}

int main(int argc, char **argv)
{
	struct dns *d;

	test_reverse();
	test_dnsbl_decode();
	test_forward_check();
	test_cfg();
	test_rdata();
	if (argc > 1) {
		server_port = atoi(argv[1]);
		d = dnstest_resolver_at(server_port, 2000, 4000);
		test_answers(d);
		test_dnsbl_flow(d);
		dns_free(&d);
		test_overlap();
		test_timeouts();
		test_refused_port();
		test_cache();
		test_threads();
	} else {
		printf("no DNS server port given: server cases not run\n");
	}
	return test_exit();
}
