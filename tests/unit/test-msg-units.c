/*
 * test-msg-units.c - table tests of the message model's pieces:
 * transfer decoders, charsets, RFC 2047, MIME parameters, header lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/msg.h"
#include "tests/unit/test.h"

void tmsg_unit_tests(void);

static void test_base64(void)
{
	struct arena *a = arena_new(0);
	unsigned int fl = 0;
	size_t n;
	const unsigned char *d;

	test_begin("base64");
	d = msg_base64_decode(a, "aGVsbG8gd29ybGQ=", 16, 100, &n, &fl);
	test_assert_str((const char *)d, "hello world");
	test_assert_int(fl, 0);
	d = msg_base64_decode(a, "aGVs\r\nbG8=\n", 11, 100, &n, &fl);
	test_assert_str((const char *)d, "hello");
	test_assert_int(fl, 0);
	d = msg_base64_decode(a, "aGV*sbG8", 8, 100, &n, &fl);
	test_assert_str((const char *)d, "hello");
	test_assert_int(fl, MSG_F_B64_BAD);
	fl = 0;
	d = msg_base64_decode(a, "aGk=aGk=", 8, 100, &n, &fl);
	test_assert_str((const char *)d, "hihi");
	d = msg_base64_decode(a, "aGVsbG8", 7, 100, &n, &fl);
	test_assert_str((const char *)d, "hello");
	test_assert_int(fl, 0);
	d = msg_base64_decode(a, "aGVsbG8gd29ybGQ=", 16, 5, &n, &fl);
	test_assert_int(n, 3);
	test_assert_int(fl, MSG_F_DECODED_TRUNCATED);
	fl = 0;
	d = msg_base64_decode(a, "a", 1, 5, &n, &fl);
	test_assert_int(n, 0);
	test_assert_int(fl, MSG_F_B64_BAD);
	test_end();
	arena_free(&a);
}

static void test_qp(void)
{
	struct arena *a = arena_new(0);
	unsigned int fl = 0;
	size_t n;
	const char *d;

	test_begin("quoted-printable");
	d = (const char *)msg_qp_decode(a, "caf=C3=A9 =\r\nbar", 16, 100, &n, &fl);
	test_assert_str(d, "caf\xc3\xa9 bar");
	test_assert_int(fl, 0);
	d = (const char *)msg_qp_decode(a, "a=3db=3D  \nc=  \nd", 17, 100, &n, &fl);
	test_assert_str(d, "a=b=\ncd");
	test_assert_int(fl, 0);
	d = (const char *)msg_qp_decode(a, "100% =zz =4", 11, 100, &n, &fl);
	test_assert_str(d, "100% =zz =4");
	test_assert_int(fl, MSG_F_QP_BAD);
	fl = 0;
	d = (const char *)msg_qp_decode(a, "abcdef", 6, 3, &n, &fl);
	test_assert_str(d, "abc");
	test_assert_int(fl, MSG_F_DECODED_TRUNCATED);
	fl = 0;
	d = (const char *)msg_qp_decode(a, "end=", 4, 100, &n, &fl);
	test_assert_str(d, "end");
	test_assert_int(fl, 0);
	test_end();
	arena_free(&a);
}

static void test_charset(void)
{
	static const struct {
		const char *cs, *in, *out;
		unsigned int flags;
	} t[] = {
		{ "utf-8", "caf\xc3\xa9", "caf\xc3\xa9", 0 },
		{ "UTF8", "caf\xc3\xa9", "caf\xc3\xa9", 0 },
		{ "utf-8", "caf\xe9!", "caf\xef\xbf\xbd!", MSG_F_CHARSET_BAD },
		{ "iso-8859-1", "caf\xe9", "caf\xc3\xa9", 0 },
		{ "latin1", "\x93q\x94", "\xe2\x80\x9cq\xe2\x80\x9d", 0 },
		{ "\"ISO-8859-15\"", "\xa4", "\xe2\x82\xac", 0 },
		{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
		{ "ks_c_5601-1987", "\xc7\xd1", "\xed\x95\x9c", 0 },
		{ "x-unknown-cs", "caf\xe9", "caf\xc3\xa9", MSG_F_CHARSET_UNKNOWN },
		{ "x-unknown-cs", "caf\xc3\xa9", "caf\xc3\xa9", MSG_F_CHARSET_UNKNOWN },
		{ NULL, "caf\xe9", "caf\xc3\xa9", 0 },
		{ "us-ascii", "plain", "plain", 0 },
		{ "bad/name//TRANSLIT", "x", "x", MSG_F_CHARSET_UNKNOWN },
		{ "shift_jis", "\x82\xa0", "\xe3\x81\x82", 0 },
		{ "windows-1251", "\xcf", "\xd0\x9f", 0 },
	};
	struct arena *a = arena_new(0);
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int fl = 0;
		char name[64];
		const char *o;
		snprintf(name, sizeof(name), "charset %zu %s", i, t[i].cs ? t[i].cs : "(null)");
		test_begin(name);
		o = msg_charset_to_utf8(a, t[i].cs, t[i].in, strlen(t[i].in), 1000, &n, &fl);
		test_assert_str(o, t[i].out);
		test_assert_int(n, strlen(t[i].out));
		test_assert_int(fl, t[i].flags);
		test_end();
	}
	{
		unsigned int fl = 0;
		const char *o;
		test_begin("charset max_out");
		o = msg_charset_to_utf8(a, "utf-8", "ab\xc3\xa9", 4, 3, &n, &fl);
		test_assert_str(o, "ab");
		test_assert_int(fl, MSG_F_DECODED_TRUNCATED);
		test_end();
	}
	arena_free(&a);
}

static void test_rfc2047(void)
{
	static const struct {
		const char *in, *out;
		unsigned int flags;
	} t[] = {
		{ "=?ISO-8859-1?Q?Caf=E9_au_lait?=", "Caf\xc3\xa9 au lait", 0 },
		{ "=?utf-8?B?Q2Fmw6k=?=", "Caf\xc3\xa9", 0 },
		{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab", 0 },
		{ "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", 0 },
		{ "x =?utf-8?q?a?= y", "x a y", 0 },
		{ "=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=", "\xc3\xa9\xc3\xa9", 0 },
		/* a character split over two words */
		{ "=?utf-8?B?ww==?= =?utf-8?B?qQ==?=", "\xc3\xa9", 0 },
		{ "=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=", "\xc3\xa9", 0 },
		{ "=?KOI8-R?B?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
		{ "=?utf-8*en?Q?hi?=", "hi", 0 },
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=", MSG_F_RFC2047_BAD },
		{ "=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated", MSG_F_RFC2047_BAD },
		{ "=?utf-8?Q?bad=ZZ?=", "=?utf-8?Q?bad=ZZ?=", MSG_F_RFC2047_BAD },
		{ "plain text", "plain text", 0 },
		{ "raw 8bit caf\xe9", "raw 8bit caf\xc3\xa9", 0 },
		{ "a=?utf-8?q?X?=b", "aXb", 0 },
		{ "=?iso-8859-1?q?a?= =?utf-8?q?b?=", "ab", 0 },
		{ "=??q?x?=", "=??q?x?=", MSG_F_RFC2047_BAD },
		{ "=?x-nope?q?caf=E9?=", "caf\xc3\xa9", MSG_F_CHARSET_UNKNOWN },
	};
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int fl = 0;
		char name[64];
		snprintf(name, sizeof(name), "rfc2047 %zu", i);
		test_begin(name);
		test_assert_str(msg_rfc2047_decode(a, t[i].in, strlen(t[i].in), &fl), t[i].out);
		test_assert_int(fl, t[i].flags);
		test_end();
	}
	arena_free(&a);
}

static void test_headers(void)
{
	static const char m1[] =
		"From: a@b.example\r\n"
		"Subject: one\r\n"
		"  two\r\n"
		"X-Dup: 1\r\n"
		"x-dup: 2\r\n"
		"Subject: second\r\n"
		"Empty:\r\n"
		"\r\n"
		"body\r\n";
	struct arena *a = arena_new(0);
	struct msg *m = msg_parse(a, m1, sizeof(m1) - 1, NULL);
	const struct msg_header *h;

	test_begin("header lookup");
	test_assert_int(m->headers.count, 6);
	h = msg_header_first(&m->headers, "SUBJECT");
	test_assert(h != NULL);
	test_assert_str(h->value, "one  two");
	test_assert_int(h->raw_len, 11);
	test_assert(memcmp(h->raw, " one\r\n  two", 11) == 0);
	test_assert_str(msg_header_last(&m->headers, "subject")->value, "second");
	test_assert_int(msg_header_count(&m->headers, "x-dup"), 2);
	test_assert_int(msg_header_count(&m->headers, "nope"), 0);
	test_assert(msg_header_first(&m->headers, "nope") == NULL);
	test_assert_str(msg_get(m, "empty"), "");
	test_assert_str(msg_get(m, "x-dup"), "1");
	test_assert(msg_get(m, "x-none") == NULL);
	test_assert_int(m->header_len, sizeof(m1) - 1 - 6);
	test_assert_str(m->root->text, "body\n");
	test_end();

	test_begin("msgid");
	test_assert_str(msg_msgid_parse(a, " <abc@def> (comment)"), "<abc@def>");
	test_assert(msg_msgid_parse(a, "abc@def") == NULL);
	test_assert(msg_msgid_parse(a, "<>") == NULL);
	test_assert(msg_msgid_parse(a, "<a b@c>") == NULL);
	test_end();

	test_begin("limits default");
	{
		struct msg_limits l;
		msg_limits_default(&l);
		test_assert(l.max_size == (size_t)10 * 1024 * 1024);
		test_assert(l.max_depth == 30);
		test_assert(l.max_html_depth == 256);
	}
	test_end();
	arena_free(&a);
}

static void test_params(void)
{
	static const struct {
		const char *hdrs, *filename, *charset, *boundary;
	} t[] = {
		{ "Content-Type: text/plain; name=\"a b.txt\"\n", "a b.txt", NULL, NULL },
		{ "Content-Type: text/plain; charset=\"UTF-8\"\n"
		  "Content-Disposition: attachment;\n filename*=UTF-8''%e2%82%ac%20rates.pdf\n",
		  "\xe2\x82\xac rates.pdf", "utf-8", NULL },
		{ "Content-Type: application/pdf\n"
		  "Content-Disposition: attachment; filename*0*=iso-8859-1''caf%E9;\n"
		  " filename*1=\".pdf\"\n", "caf\xc3\xa9.pdf", NULL, NULL },
		{ "Content-Type: application/pdf\n"
		  "Content-Disposition: attachment; filename*1=\"b\"; filename*0=\"a\"\n",
		  "ab", NULL, NULL },
		{ "Content-Type: application/pdf; name=\"=?utf-8?B?w6kucGRm?=\"\n",
		  "\xc3\xa9.pdf", NULL, NULL },
		{ "Content-Type: multipart/mixed;boundary=----=_NextPart_000_0001\n",
		  NULL, NULL, "----=_NextPart_000_0001" },
		{ "Content-Type: multipart/mixed; (comment) boundary = \"b\\\"q\" ; charset=x\n",
		  NULL, "x", "b\"q" },
		{ "Content-Type: text/plain charset=koi8-r\n", NULL, "koi8-r", NULL },
	};
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[64], msgbuf[1024];
		struct msg *m;
		snprintf(name, sizeof(name), "params %zu", i);
		snprintf(msgbuf, sizeof(msgbuf), "%s\nbody\n", t[i].hdrs);
		test_begin(name);
		m = msg_parse(a, msgbuf, strlen(msgbuf), NULL);
		test_assert_str(m->root->filename, t[i].filename);
		test_assert_str(m->root->charset, t[i].charset);
		test_assert_str(m->root->boundary, t[i].boundary);
		test_end();
	}
	arena_free(&a);
}


/* ---- addresses, dates, Received ---------------------------------- */

static void test_addr(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *name0, *addr0, *domain0, *addr_last;
	} t[] = {
		{ "Alice <alice@Example.COM>", 1, "Alice", "alice@example.com", "example.com", NULL },
		{ "\"Doe, John\" <john@x.org>, jane@y.org", 2, "Doe, John", "john@x.org", "x.org", "jane@y.org" },
		{ "jane@y.org (Jane Doe)", 1, "Jane Doe", "jane@y.org", "y.org", NULL },
		{ "undisclosed-recipients:;", 0, NULL, NULL, NULL, NULL },
		{ "friends: a@b.c, \"B\" <b@c.d>;, e@f.g", 3, "", "a@b.c", "b.c", "e@f.g" },
		{ "=?utf-8?q?J=C3=BCrgen?= <j@example.de>", 1, "J\xc3\xbcrgen", "j@example.de", "example.de", NULL },
		{ "\"=?utf-8?q?J=C3=BCrgen?=\" <j@example.de>", 1, "J\xc3\xbcrgen", "j@example.de", "example.de", NULL },
		{ "<@relay.example:user@host.example>", 1, "", "user@host.example", "host.example", NULL },
		{ "postmaster", 1, "", "postmaster", "", NULL },
		{ "John Doe", 1, "John Doe", "", "", NULL },
		{ "Bob <bob@x.org", 1, "Bob", "bob@x.org", "x.org", NULL },
		{ "\"unterminated <a@b.c>", 1, "unterminated <a@b.c>", "", "", NULL },
		{ "a@b.c,,, d@e.f", 2, "", "a@b.c", "b.c", "d@e.f" },
		{ "\"quoted local\"@x.org", 1, "", "\"quoted local\"@x.org", "x.org", NULL },
		{ "user@[192.0.2.1]", 1, "", "user@[192.0.2.1]", "[192.0.2.1]", NULL },
		{ "Joe (the man) <joe@x.org>", 1, "Joe", "joe@x.org", "x.org", NULL },
		{ "Some Name some@x.org", 1, "", "some@x.org", "x.org", NULL },
		{ "", 0, NULL, NULL, NULL, NULL },
	};
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct msg_addr *v;
		size_t n;
		char name[64];
		snprintf(name, sizeof(name), "addr %zu", i);
		test_begin(name);
		n = msg_addr_parse(a, t[i].in, &v);
		test_assert_int(n, t[i].n);
		if (n > 0 && n == t[i].n) {
			test_assert_str(v[0].name, t[i].name0);
			test_assert_str(v[0].addr, t[i].addr0);
			test_assert_str(v[0].domain, t[i].domain0);
			if (t[i].addr_last != NULL)
				test_assert_str(v[n - 1].addr, t[i].addr_last);
		}
		test_end();
	}
	{
		/* Truncated prefixes never crash and give at most as many. */
		const char *s = "\"A, B\" <a@b.c>, g: x@y.z (c), <@r:q@w.e>;";
		size_t k, l = strlen(s);
		test_begin("addr prefixes");
		for (k = 0; k <= l; k++) {
			char *p = arena_strndup(a, s, k);
			struct msg_addr *v;
			test_assert(msg_addr_parse(a, p, &v) <= 3);
		}
		test_end();
	}
	arena_free(&a);
}

static void test_date(void)
{
	static const struct {
		const char *in;
		long long t; /* -1: unparsable */
	} t[] = {
		{ "Thu, 22 Aug 2002 18:26:25 +0700", 1030015585 },
		{ "Thu, 22 Aug 2002 07:36:16 -0400 (EDT)", 1030016176 },
		{ "22 Aug 2002 11:36:16 GMT", 1030016176 },
		{ "Thu, 22 Aug 02 11:36:16 UT", 1030016176 },
		{ "Thu, 22 Aug 2002 07:36:16 EDT", 1030016176 },
		{ "Thu Aug 22 11:36:16 2002", 1030016176 },
		{ "Thu, 22-Aug-2002 11:36:16 +0000", 1030016176 },
		{ "2002-08-22T11:36:16Z", 1030016176 },
		{ "2002-08-22 13:36:16 +02:00", 1030016176 },
		{ "Thu, 22 Aug 2002 13:36:16 GMT+0200", 1030016176 },
		{ "Thu, 22 Aug 2002 11:36 +0000", 1030016160 },
		{ "Thursday, August 22, 2002 11:36:16 AM", 1030016176 },
		{ "Thu, 22 Aug 2002 11:36:16 PM +0000", 1030059376 },
		{ "Thu,22 Aug 2002 11:36:16 +0000", 1030016176 },
		{ "Mon, 1 Jan 1990 00:00:00 Z", 631152000 },
		{ "Sat, 29 Feb 2020 12:00:00 +0000", 1582977600 },
		{ "Sun, 30 Feb 2020 12:00:00 +0000", -1 },
		{ "yesterday", -1 },
		{ "", -1 },
		{ "Thu, 22 Aug", -1 },
		{ "Thu, 22 Foo 2002 11:36:16", -1 },
		{ "Tue, 15 Oct 2002 01:02:03 -0000", 1034643723 },
		{ "15 Oct 102 01:02:03 -0000", 1034643723 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[80];
		time_t v = 0;
		int r;
		snprintf(name, sizeof(name), "date %zu %s", i, t[i].in);
		test_begin(name);
		r = msg_date_parse(t[i].in, &v);
		if (t[i].t < 0) {
			test_assert_int(r, -1);
		} else {
			test_assert_int(r, 0);
			test_assert_int(v, t[i].t);
		}
		test_end();
	}
	{
		const char *s = "Thu, 22 Aug 2002 18:26:25 +0700 (ICT)";
		size_t k, l = strlen(s);
		char p[64];
		test_begin("date prefixes");
		for (k = 0; k <= l; k++) {
			time_t v;
			memcpy(p, s, k);
			p[k] = '\0';
			if (msg_date_parse(p, &v) == 0)
				test_assert(k >= 12);
		}
		test_end();
	}
}

/* msg_received_parse_nth gives field k exactly as the whole-chain parse. */
static void test_received_nth(const struct msg *m, const struct msg_received *all, size_t n)
{
	struct msg_received one;
	size_t k;

	test_begin("received nth");
	for (k = 0; k < n; k++) {
		test_assert_int(msg_received_parse_nth(m, k, &one), 0);
		test_assert(one.raw == all[k].raw);
		test_assert_str(one.from_helo, all[k].from_helo);
		test_assert_str(one.from_ip, all[k].from_ip);
		test_assert_str(one.by, all[k].by);
		test_assert_str(one.envfrom, all[k].envfrom);
		test_assert_int(one.date, all[k].date);
		test_assert_int(one.parsed, all[k].parsed);
	}
	test_assert_int(msg_received_parse_nth(m, n, &one), -1);
	test_end();
}

static void test_received(void)
{
	static const char m1[] =
		"Received: from mail.example.com (mail.example.com [192.0.2.10])\n"
		"\tby mx.example.org (Postfix) with ESMTP id D03E543C36\n"
		"\tfor <bob@example.org>; Thu, 22 Aug 2002 07:36:16 -0400 (EDT)\n"
		"Received: from helo.example (unknown [198.51.100.7])\n"
		"\tby mail.example.com (Postfix) with ESMTPSA id 1234;\n"
		"\tThu, 22 Aug 2002 11:30:00 +0000\n"
		"Received: from unknown (HELO bogus.example) (203.0.113.5)\n"
		"  by relay.example with SMTP; 22 Aug 2002 11:20:00 -0000\n"
		"Received: from host.example ([2001:db8::1] helo=claimed.example)\n"
		"\tby exim.example with esmtps (TLS1.2) (Exim 4.92)\n"
		"\t(envelope-from <bounce@host.example>)\n"
		"\tid 1abcDE-0001; Thu, 22 Aug 2002 11:10:00 +0000\n"
		"Received: (from mail@localhost) by int.example (8.11.6/8.11.6)\n"
		"\tid g7MBY7g11259 for list@example.com; Thu, 22 Aug 2002 07:34:07 -0400\n"
		"Received: from [192.0.2.99] (port=1234 helo=[192.0.2.99])\n"
		"\tby web.example with esmtpa (Exim 4.80) (authenticated as x)\n"
		"Received: garbage\n"
		"Subject: x\n\nbody\n";
	struct arena *a = arena_new(0);
	struct msg *m = msg_parse(a, m1, sizeof(m1) - 1, NULL);
	struct msg_received *r;
	size_t n = msg_received_parse(m, &r);

	test_begin("received count");
	test_assert_int(n, 7);
	test_end();
	if (n != 7) {
		arena_free(&a);
		return;
	}
	test_begin("received postfix");
	test_assert_str(r[0].from_helo, "mail.example.com");
	test_assert_str(r[0].from_rdns, "mail.example.com");
	test_assert_str(r[0].from_ip, "192.0.2.10");
	test_assert_str(r[0].by, "mx.example.org");
	test_assert_str(r[0].with, "ESMTP");
	test_assert_str(r[0].id, "D03E543C36");
	test_assert_str(r[0].for_addr, "bob@example.org");
	test_assert(r[0].auth == NULL);
	test_assert_int(r[0].date, 1030016176);
	test_assert_int(r[0].parsed, 1);
	test_end();
	test_begin("received postfix unknown auth");
	test_assert_str(r[1].from_helo, "helo.example");
	test_assert(r[1].from_rdns == NULL);
	test_assert_str(r[1].from_ip, "198.51.100.7");
	test_assert_str(r[1].with, "ESMTPSA");
	test_assert_str(r[1].auth, "ESMTPSA");
	test_assert_str(r[1].id, "1234");
	test_end();
	test_begin("received qmail");
	test_assert_str(r[2].from_helo, "bogus.example");
	test_assert(r[2].from_rdns == NULL);
	test_assert_str(r[2].from_ip, "203.0.113.5");
	test_assert_str(r[2].by, "relay.example");
	test_assert_str(r[2].with, "SMTP");
	test_assert_int(r[2].date, 1030015200);
	test_end();
	test_begin("received exim");
	test_assert_str(r[3].from_helo, "claimed.example");
	test_assert_str(r[3].from_rdns, "host.example");
	test_assert_str(r[3].from_ip, "2001:db8::1");
	test_assert_str(r[3].envfrom, "bounce@host.example");
	test_assert_str(r[3].id, "1abcDE-0001");
	test_assert_str(r[3].with, "esmtps");
	test_end();
	test_begin("received sendmail local");
	test_assert(r[4].from_helo == NULL);
	test_assert_str(r[4].by, "int.example");
	test_assert_str(r[4].for_addr, "list@example.com");
	test_assert_int(r[4].parsed, 1);
	test_end();
	test_begin("received ip literal auth");
	test_assert_str(r[5].from_helo, "[192.0.2.99]");
	test_assert_str(r[5].from_ip, "192.0.2.99");
	test_assert_str(r[5].auth, "esmtpa");
	test_assert_int(r[5].date, 0);
	test_end();
	test_begin("received garbage");
	test_assert_int(r[6].parsed, 0);
	test_end();
	test_received_nth(m, r, n);
	arena_free(&a);
}

void tmsg_unit_tests(void)
{
	test_base64();
	test_qp();
	test_charset();
	test_rfc2047();
	test_headers();
	test_params();
	test_addr();
	test_date();
	test_received();
}
