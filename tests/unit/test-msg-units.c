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

void tmsg_unit_tests(void)
{
	test_base64();
	test_qp();
	test_charset();
	test_rfc2047();
	test_headers();
	test_params();
}
