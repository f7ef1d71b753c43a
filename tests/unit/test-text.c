/*
 * test-text.c - the SpamAssassin views (rules/text.c): get() and its
 * modifiers, ALL, body paragraphs and rawbody chunks, on small
 * messages. Every expected string below is what SpamAssassin 4.0.1
 * returned for the same message (PerMsgStatus::get in list context,
 * joined as Check.pm joins it; get_decoded_stripped_body_text_array;
 * get_decoded_body_text_array).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/eval_int.h"
#include "tests/unit/test-eval-ctx.h"
#include "tests/unit/test.h"

struct get_case {
	const char *spec, *want; /* want NULL: unset */
};

static const struct get_case plain_cases[] = {
	{ "Subject", "Hello folded   subject\n" },
	{ "subject", "Hello folded   subject\n" },
	{ "Subject:raw", " Hello\n   folded   subject\n" },
	{ "From", "J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>\n" },
	{ "From:addr", "joerg@example.org" },
	{ "From:name", "J\xc3\xb6rg M\xc3\xbcller" },
	{ "To:addr", "bob@example.net\ncarol@example.net" },
	{ "To:addr:first", "bob@example.net\ncarol@example.net" },
	{ "ToCc", "Bob <bob@example.net>, carol@example.net\n\"Dave, D.\" <dave@example.com>\n" },
	{ "ToCc:addr", "bob@example.net\ncarol@example.net\ndave@example.com" },
	{ "Cc:name", "Dave, D." },
	{ "MESSAGEID", "<abc.123@example.org>\n" },
	{ "Received:first", "from mail.example.org (mail.example.org [203.0.113.5]) by mx.example.net "
			    "(Postfix) with ESMTP id 4ABC123 for <bob@example.net>; Mon, 3 Nov 2025 "
			    "10:00:05 +0000 (UTC)\n" },
	{ "EnvelopeFrom", "bounce@lists.example.org" },
	{ "X-Spam-Relays-Trusted", "" },
	{ "X-Spam-Relays-Untrusted",
	  "[ ip=203.0.113.5 rdns=mail.example.org helo=mail.example.org by=mx.example.net ident= "
	  "envfrom= intl=0 id=4ABC123 auth= msa=0 ] [ ip=198.51.100.7 rdns= helo=!192.168.1.20! "
	  "by=mail.example.org ident= envfrom= intl=0 id=99XYZ auth=ESMTPSA msa=0 ] [ "
	  "ip=198.51.100.7 rdns= helo= by= ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "X-Originating-IP:ip", "198.51.100.7" },
	{ "X-Originating-IP:revip", "7.100.51.198" },
	{ "From:addr:domain", "example.org" },
	{ "From:host", "example.org" },
	{ "Message-ID:host", "example.org" },
	{ "Date", "Mon, 3 Nov 2025 11:00:00 +0100\n" },
	{ "X-No-Such-Header", NULL },
	{ "X-No-Such-Header:addr", NULL },
	{ "ALL", "Return-Path: <bounce@lists.example.org>\nReceived: from mail.example.org "
		 "(mail.example.org [203.0.113.5]) by mx.example.net (Postfix) with ESMTP id "
		 "4ABC123 for <bob@example.net>; Mon, 3 Nov 2025 10:00:05 +0000 (UTC)\nReceived: "
		 "from [192.168.1.20] (unknown [198.51.100.7]) by mail.example.org (Postfix) with "
		 "ESMTPSA id 99XYZ for <bob@example.net>; Mon, 3 Nov 2025 10:00:01 +0000 "
		 "(UTC)\nFrom: J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>\nTo: Bob "
		 "<bob@example.net>, carol@example.net\nCc: \"Dave, D.\" "
		 "<dave@example.com>\nSubject: Hello folded   subject\nDate: Mon, 3 Nov 2025 "
		 "11:00:00 +0100\nMessage-ID: <abc.123@example.org>\nX-Originating-IP: "
		 "[198.51.100.7]\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" },
};

static void test_get(void)
{
	struct rule_ctx *ctx = tctx_new("plain.eml");
	size_t i;

	for (i = 0; i < N_ELEMENTS(plain_cases); i++) {
		const char *got;
		char name[128];
		snprintf(name, sizeof(name), "get %s", plain_cases[i].spec);
		test_begin(name);
		got = rule_ctx_get(ctx, plain_cases[i].spec);
		if (plain_cases[i].want == NULL)
			test_assert(got == NULL);
		else
			test_assert_str(got, plain_cases[i].want);
		/* cached: same pointer the second time */
		test_assert(rule_ctx_get(ctx, plain_cases[i].spec) == got);
		test_end();
	}
	test_begin("scalar get");
	test_assert_str(eval_sget(ctx, "To:addr"), "bob@example.net");
	test_assert_str(eval_sget(ctx, "Subject"), "Hello folded   subject\n");
	test_assert_str(eval_sget(ctx, "X-Nothing"), "");
	test_end();
	tctx_free(&ctx);
}

static void check_text(const struct rule_text *t, const char *const *want, size_t n)
{
	size_t i;

	test_assert_int(t->count, n);
	for (i = 0; i < n && i < t->count; i++) {
		test_assert_str(t->lines[i], want[i]);
		test_assert_int(t->lens[i], strlen(want[i]));
	}
}

static void test_body(void)
{
	static const char *const plain_body[] = {
		"Hello folded   subject\n",
		"First paragraph line one line two with spaces.\n",
		"Second paragraph.\n",
		"Third. ",
	};
	static const char *const plain_raw[] = {
		"First paragraph line one\nline two   with  spaces.\n\n\nSecond paragraph.\n  \nThird.\n",
	};
	static const char *const html_body[] = {
		"Big SALE today\n", "Visit us now.\n", "Sale\n",
		"Visit www.paypal.com now.\n", "hidden words here\n", " ",
	};
	static const char *const html_raw[] = {
		"Visit us now.\n",
		"<html><head><title>Sale</title></head><body>\n<p>Visit <a "
		"href=\"http://evil.example/login\">www.paypal.com</a> now.</p>\n<p "
		"style=\"display:none\">hidden words here</p>\n<img src=\"http://img.example/a.gif\" "
		"width=\"400\" height=\"300\">\n</body></html>\n",
	};
	struct rule_ctx *ctx = tctx_new("plain.eml");

	test_begin("body plain");
	check_text(rule_ctx_body(ctx), plain_body, N_ELEMENTS(plain_body));
	test_assert(rule_ctx_body(ctx) == rule_ctx_body(ctx));
	test_end();
	test_begin("rawbody plain");
	check_text(rule_ctx_rawbody(ctx), plain_raw, N_ELEMENTS(plain_raw));
	test_end();
	tctx_free(&ctx);

	ctx = tctx_new("html.eml");
	test_begin("body html");
	check_text(rule_ctx_body(ctx), html_body, N_ELEMENTS(html_body));
	test_end();
	test_begin("rawbody html");
	check_text(rule_ctx_rawbody(ctx), html_raw, N_ELEMENTS(html_raw));
	test_end();
	tctx_free(&ctx);

	ctx = tctx_new("Subject: x\n\n");
	test_begin("body empty");
	{
		static const char *const want[] = { "x\n" };
		check_text(rule_ctx_body(ctx), want, 1);
		test_assert_int(rule_ctx_rawbody(ctx)->count, 1);
	}
	test_end();
	tctx_free(&ctx);
}

/* Long lines are split at the last space before 2048 bytes. */
static void test_long_lines(void)
{
	char *m = malloc(6000);
	struct rule_ctx *ctx;
	const struct rule_text *t;
	size_t i, total = 0;

	strcpy(m, "Subject: long\n\n");
	for (i = 0; i < 500; i++)
		strcat(m, "word word ");
	strcat(m, "\n");
	ctx = tctx_new(m);
	t = rule_ctx_body(ctx);
	test_begin("body long line split");
	test_assert(t->count >= 4);
	for (i = 0; i < t->count; i++) {
		test_assert(t->lens[i] <= 2048);
		total += t->lens[i];
	}
	test_assert_int(total, strlen("long\n") + 5000);
	test_assert(t->lines[1][t->lens[1] - 1] == ' ');
	test_end();
	tctx_free(&ctx);
	free(m);
}

/* Every prefix of the test messages: no crash, bounded output. */
static void test_prefixes(void)
{
	static const char *const files[] = { "plain.eml", "html.eml" };
	size_t f;

	test_begin("truncated prefixes");
	for (f = 0; f < N_ELEMENTS(files); f++) {
		char path[128];
		size_t len, cut;
		char *data;
		snprintf(path, sizeof(path), "tests/data/eval/%s", files[f]);
		data = test_read_file(path, &len);
		for (cut = 0; cut <= len; cut += 7) {
			char *p = strndup(data, cut);
			struct rule_ctx *ctx;
			if (strchr(p, '\n') == NULL) {
				free(p);
				continue;
			}
			ctx = tctx_new(p);
			(void)rule_ctx_get(ctx, "ALL");
			(void)rule_ctx_get(ctx, "From:addr");
			(void)rule_ctx_get(ctx, "X-Spam-Relays-Untrusted");
			(void)rule_ctx_get(ctx, "ALL-TRUSTED");
			test_assert(rule_ctx_body(ctx)->count >= 1);
			(void)rule_ctx_rawbody(ctx);
			tctx_free(&ctx);
			free(p);
		}
		free(data);
	}
	test_end();
}

int main(void)
{
	test_get();
	test_body();
	test_long_lines();
	test_prefixes();
	return test_exit();
}
