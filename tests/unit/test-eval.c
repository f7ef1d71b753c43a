/*
 * test-eval.c - built-in eval functions on a message that must hit and
 * one that must not; the relay model on real Received chains
 * (expected relay strings are SpamAssassin 4.0.1's).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rules/eval_int.h"
#include "tests/unit/test-eval-ctx.h"
#include "tests/unit/test.h"

#define E(ctx, n) tctx_eval(ctx, n, NULL, NULL, NULL, NULL)
#define E1(ctx, n, a) tctx_eval(ctx, n, a, NULL, NULL, NULL)
#define E2(ctx, n, a, b) tctx_eval(ctx, n, a, b, NULL, NULL)
#define E3(ctx, n, a, b, c) tctx_eval(ctx, n, a, b, c, NULL)

static const char caps_msg[] =
	"From: \"www.paypal.com\" <x@evil.example>\nTo: bob@example.net\n"
	"Subject: YOU HAVE WON A PRIZE\nDate: Mon, 3 Nov 2025 10:00:00 +0000\n"
	"Content-Type: application/pdf; name=\"invoice.pdf\"\n"
	"Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\n";

static void test_table(void)
{
	test_begin("table");
	test_assert(rule_eval_lookup("html_test") != NULL);
	test_assert(rule_eval_lookup("check_rbl") != NULL);
	test_assert(rule_eval_lookup("check_rbl")->fn != NULL);
	test_assert(rule_eval_lookup("check_rbl")->flags & RULE_EVAL_NET);
	/* network functions Winnow does not provide: loaded, never run */
	test_assert(rule_eval_lookup("check_razor2")->fn == NULL);
	test_assert(rule_eval_lookup("check_razor2")->flags & RULE_EVAL_NET);
	test_assert(rule_eval_lookup("check_bayes")->flags & RULE_EVAL_BAYES);
	test_assert(rule_eval_lookup("no_such_function") == NULL);
	test_assert(rule_plugin_provided("Mail::SpamAssassin::Plugin::HTMLEval"));
	test_assert(rule_plugin_provided("MIMEEval"));
	test_assert(!rule_plugin_provided("Mail::SpamAssassin::Plugin::PDFInfo"));
	test_end();
}

static void test_html(void)
{
	struct rule_ctx *h = tctx_new("html.eml"), *p = tctx_new("plain.eml");

	test_begin("html evals");
	test_assert_int(E1(h, "html_tag_exists", "img"), 1);
	test_assert_int(E1(p, "html_tag_exists", "img"), 0);
	test_assert_int(E1(h, "html_test", "html"), 1);
	test_assert_int(E1(p, "html_test", "html"), 0);
	test_assert_int(E2(h, "html_tag_balance", "p", "== 0"), 1);
	test_assert_int(E2(h, "html_tag_balance", "p", "> 0"), 0);
	test_assert_int(E1(h, "html_title_subject_ratio", "0.1"), 1);
	test_assert_int(E1(h, "html_title_subject_ratio", "2"), 0);
	test_assert_int(E2(h, "html_text_match", "title", "^Sale$"), 1);
	test_assert_int(E2(h, "html_text_match", "title", "^Buy"), 0);
	test_end();
	test_begin("mime evals");
	test_assert_int(E(h, "check_for_mime_html"), 1);
	test_assert_int(E(p, "check_for_mime_html"), 0);
	test_assert_int(E(h, "check_for_mime_html_only"), 0);
	/* SA counts only QP escapes of printable characters other than
	   '=' (=3D), and replaces the part count with that: 0 here */
	test_assert_int(E1(h, "check_for_mime", "mime_qp_count"), 0);
	test_assert_int(E1(h, "check_for_mime", "mime_attachment"), 0);
	test_assert_int(E2(h, "check_mime_multipart_ratio", "0.00", "0.20"), 1);
	test_assert_int(E2(p, "check_mime_multipart_ratio", "0.00", "0.20"), 0);
	test_assert_int(E(h, "check_ma_non_text"), 0);
	test_end();
	test_begin("wn evals on html");
	test_assert_int(E(h, "wn_link_text_mismatch"), 1);
	test_assert_int(E(p, "wn_link_text_mismatch"), 0);
	test_assert_int(E(h, "wn_html_only"), 0);
	test_assert_int(E2(h, "wn_uri_count", "2", "3"), 1);
	test_assert_int(E2(h, "wn_uri_count", "4", "10"), 0);
	test_assert_int(E2(p, "wn_visible_text_len", "10", "200"), 1);
	test_assert_int(E1(p, "wn_visible_text_len", "1000"), 0);
	test_end();
	tctx_free(&h);
	tctx_free(&p);
}

static void test_header(void)
{
	struct rule_ctx *c = tctx_new(caps_msg), *p = tctx_new("plain.eml");

	test_begin("header evals");
	test_assert_int(E(c, "subject_is_all_caps"), 1);
	test_assert_int(E(p, "subject_is_all_caps"), 0);
	test_assert_int(E(p, "check_for_missing_to_header"), 0);
	{
		struct rule_ctx *n = tctx_new("Subject: a\n\nx\n");
		test_assert_int(E(n, "check_for_missing_to_header"), 1);
		tctx_free(&n);
	}
	test_assert_int(E3(p, "check_header_count_range", "Received", "2", "2"), 1);
	test_assert_int(E3(p, "check_header_count_range", "Received", "3", "9"), 0);
	/* Date 11:00 +0100 == 10:00 UTC, Received 10:00:05 UTC */
	test_assert_int(E2(p, "check_for_shifted_date", "-1", "1"), 1);
	test_assert_int(E2(p, "check_for_shifted_date", "1", "3"), 0);
	test_assert_int(E(p, "check_equal_from_domains"), 0);
	{
		struct rule_ctx *n = tctx_new("From: a@x.example.com\nReturn-Path: <b@y.example>\n\nx\n");
		test_assert_int(E(n, "check_equal_from_domains"), 1);
		tctx_free(&n);
	}
	test_assert_int(E3(c, "check_illegal_chars", "Subject", "0.03", "1"), 0);
	test_end();
	test_begin("wn evals on header and parts");
	test_assert_int(E(c, "wn_from_name_other_domain"), 1);
	test_assert_int(E(p, "wn_from_name_other_domain"), 0);
	test_assert_int(E1(c, "wn_attachment_name", "\\.pdf$"), 1);
	test_assert_int(E1(c, "wn_attachment_name", "\\.exe$"), 0);
	test_assert_int(E(c, "wn_attachment_type_mismatch"), 1);
	test_assert_int(E(p, "wn_attachment_type_mismatch"), 0);
	test_assert_int(E1(p, "wn_msg_flag", "B64_BAD"), 0);
	test_assert_int(E1(p, "wn_msg_flag", "NO_SUCH_FLAG"), 0);
	test_end();
	tctx_free(&c);
	tctx_free(&p);
}

static void test_relays(void)
{
	struct rule_ctx *p = tctx_new("plain.eml");
	const struct relay_info *ri = relays_get(p);
	struct msg_envelope env = { 0 };

	test_begin("relays inferred trust");
	test_assert_int(ri->count, 3);
	test_assert_int(ri->num_trusted, 0);
	test_assert_str(ri->v[1].auth, "ESMTPSA");
	test_assert_int(E(p, "check_no_relays"), 0);
	test_assert_int(E(p, "check_all_trusted"), 0);
	test_assert_int(E(p, "check_relays_unparseable"), 0);
	test_assert_int(E(p, "check_for_numeric_helo"), 0);
	test_end();
	tctx_free(&p);

	tctx_setting("trusted_networks", "203.0.113.0/24");
	p = tctx_new("plain.eml");
	ri = relays_get(p);
	test_begin("relays trusted_networks");
	/* the authenticated hop stays trusted (SA extends trust over auth) */
	test_assert_int(ri->num_trusted, 2);
	test_assert_str(rule_ctx_get(p, "X-Spam-Relays-Trusted"),
			"[ ip=203.0.113.5 rdns=mail.example.org helo=mail.example.org "
			"by=mx.example.net ident= envfrom= intl=1 id=4ABC123 auth= msa=0 ] "
			"[ ip=198.51.100.7 rdns= helo=!192.168.1.20! by=mail.example.org ident= "
			"envfrom= intl=1 id=99XYZ auth=ESMTPSA msa=0 ]");
	test_assert_str(rule_ctx_get(p, "X-Spam-Relays-Untrusted"),
			"[ ip=198.51.100.7 rdns= helo= by= ident= envfrom= intl=0 id= auth= msa=0 ]");
	test_end();
	tctx_free(&p);
	tctx_settings_reset();

	env.client_ip = "10.1.2.3";
	env.helo = "localhost";
	p = tctx_new_env("Subject: a\n\nx\n", &env);
	ri = relays_get(p);
	test_begin("relays from the envelope");
	test_assert_int(ri->count, 1);
	test_assert_int(ri->num_trusted, 1);
	test_assert_int(E(p, "check_all_trusted"), 1);
	test_end();
	tctx_free(&p);

	p = tctx_new("Received: from 1.2.3.4 (unknown [5.6.7.8]) by mx.example (Postfix) with SMTP id 1; "
		     "1 Nov 2025 07:05:19 -0000\nSubject: a\n\nx\n");
	test_begin("numeric helo");
	test_assert_int(E(p, "check_for_numeric_helo"), 1);
	test_assert_int(E(p, "helo_ip_mismatch"), 1);
	test_end();
	tctx_free(&p);
}

static void test_freemail_wlbl(void)
{
	struct rule_ctx *p;

	tctx_setting("freemail_domains", "gmail.com *.yahoo.com");
	tctx_setting("whitelist_from", "*@example.org");
	p = tctx_new("From: a@mail.yahoo.com\nReply-To: b@gmail.com\nTo: c@x.example\n\nx\n");
	test_begin("freemail");
	test_assert_int(E(p, "check_freemail_from"), 1);
	test_assert_int(E1(p, "check_freemail_header", "Reply-To"), 1);
	test_assert_int(E1(p, "check_freemail_header", "To"), 0);
	test_assert_int(E1(p, "check_freemail_replyto", "replyto"), 1);
	test_assert_int(E(p, "check_from_in_whitelist"), 0);
	test_end();
	tctx_free(&p);
	p = tctx_new("plain.eml");
	test_begin("whitelist");
	test_assert_int(E(p, "check_from_in_whitelist"), 1);
	test_assert_int(E(p, "check_from_in_blacklist"), 0);
	test_end();
	tctx_free(&p);
	tctx_settings_reset();
}

static void test_bayes(void)
{
	struct rule_ctx *p = tctx_new("plain.eml");
	struct msg_facts f = { 0 };

	test_begin("check_bayes");
	test_assert_int(E2(p, "check_bayes", "0.99", "1.00"), 0);
	f.bayes_enabled = 1;
	f.bayes_prob = 0.995;
	p->facts = &f;
	test_assert_int(E2(p, "check_bayes", "0.99", "1.00"), 1);
	test_assert_int(E2(p, "check_bayes", "0.00", "0.01"), 0);
	/* a boundary belongs to the lower range only, 0 to the first */
	f.bayes_prob = 0.01;
	test_assert_int(E2(p, "check_bayes", "0.00", "0.01"), 1);
	test_assert_int(E2(p, "check_bayes", "0.01", "0.05"), 0);
	f.bayes_prob = 0;
	test_assert_int(E2(p, "check_bayes", "0.00", "0.01"), 1);
	test_end();
	tctx_free(&p);
}

#define E3(ctx, n, a, b, c) tctx_eval(ctx, n, a, b, c, NULL)

/* Every network eval is 0 without network facts, as in SA -L. */
static void test_net_none(struct rule_ctx *p)
{
	test_begin("net evals without network facts");
	test_assert_int(E(p, "check_for_spf_pass"), 0);
	test_assert_int(E(p, "check_dkim_signed"), 0);
	test_assert_int(E(p, "check_dmarc_missing"), 0);
	test_assert_int(E2(p, "check_rbl", "s", "zen.test."), 0);
	test_assert_int(E2(p, "check_rbl_sub", "s", "127.0.0.2"), 0);
	test_assert_int(E1(p, "check_uridnsbl", "URIBL_X"), 0);
	test_end();
}

static void test_net_spf_dkim_dmarc(struct rule_ctx *p, struct net_facts *n)
{
	static const struct net_dkim_sig sigs[] = {
		{ "list.example.org", 1, 0, 0, 0 },
		{ "example.com", 0, 1, 0, 0 }, /* author domain, but invalid */
		{ "slow.example", 0, 0, 0, 1 }, /* its key timed out */
	};

	n->spf = NET_SPF_SOFTFAIL;
	n->spf_helo = NET_SPF_PASS;
	n->dkim_checked = 1;
	n->dkim = sigs;
	n->ndkim = 2;
	n->dmarc = NET_DMARC_QUARANTINE;
	test_begin("net evals: spf, dkim, dmarc");
	test_assert_int(E(p, "check_for_spf_softfail"), 1);
	test_assert_int(E(p, "check_for_spf_pass"), 0);
	test_assert_int(E(p, "check_for_spf_helo_pass"), 1);
	test_assert_int(E(p, "check_for_spf_helo_fail"), 0);
	test_assert_int(E(p, "check_dkim_signed"), 1);
	test_assert_int(E1(p, "check_dkim_signed", "example.com"), 1);
	test_assert_int(E1(p, "check_dkim_valid", "example.com"), 0);
	test_assert_int(E1(p, "check_dkim_valid", "*.example.org"), 1);
	test_assert_int(E1(p, "check_dkim_valid", "LIST.example.org"), 1);
	test_assert_int(E1(p, "check_dkim_valid", "other.example"), 0);
	test_assert_int(E(p, "check_dkim_valid"), 1);
	test_assert_int(E(p, "check_dkim_valid_author_sig"), 0);
	test_assert_int(E(p, "check_dkim_dependable"), 1);
	n->ndkim = 3; /* a temperror: the result is not dependable */
	test_assert_int(E(p, "check_dkim_dependable"), 0);
	test_assert_int(E1(p, "check_dkim_signed", "slow.example"), 1);
	test_assert_int(E1(p, "check_dkim_valid", "slow.example"), 0);
	n->ndkim = 2;
	test_assert_int(E(p, "check_dmarc_quarantine"), 1);
	test_assert_int(E(p, "check_dmarc_reject"), 0);
	test_end();
}

static void test_net_rbl(struct rule_ctx *p, struct net_facts *n)
{
	/* rule TEST asked zen.test. (set "zen"); another rule of the set too */
	static const struct net_rbl_answer ans[] = {
		{ "TEST", "zen", 'A', "127.0.0.4" },
		{ "OTHER", "zen", 'A', "127.0.0.10" },
		{ "TEST", "zen", 'T', "listed: see https://zen.test/" },
		{ "TEST", "zen", 'A', "10.0.0.1" },  /* outside 127/8: not a listing */
		{ "URIBL_X", "URIBL_X", 'A', "127.0.0.2" },
	};

	n->rbl = ans;
	n->nrbl = 5;
	test_begin("net evals: check_rbl, check_rbl_sub, check_rbl_txt, check_uridnsbl");
	test_assert_int(E2(p, "check_rbl", "zen", "zen.test."), 1);
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "127.0.0.4"), 1);
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "127.0.0.2"), 0);
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "127\\.0\\.0\\.[45]"), 1);
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "4"), 1);  /* mask */
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "2"), 0);
	test_assert_int(E3(p, "check_rbl", "zen", "zen.test.", "10.0.0.1"), 0);
	test_assert_int(E2(p, "check_rbl_sub", "zen", "127.0.0.10"), 1); /* any rule of the set */
	test_assert_int(E2(p, "check_rbl_sub", "zen", "8"), 1);
	test_assert_int(E2(p, "check_rbl_sub", "zen", "127.0.0.3"), 0);
	test_assert_int(E2(p, "check_rbl_sub", "other", "127.0.0.4"), 0);
	test_assert_int(E3(p, "check_rbl_txt", "zen", "zen.test.", "see https"), 1);
	test_assert_int(E3(p, "check_rbl_txt", "zen", "zen.test.", "^nothing"), 0);
	test_assert_int(E1(p, "check_uridnsbl", "URIBL_X"), 1);
	test_assert_int(E1(p, "check_uridnsbl", "URIBL_Y"), 0);
	test_end();
}

/* The IPs a check_rbl set looks up, as a space-joined string. */
static const char *rbl_ips(struct rule_ctx *p, const char *set, int nice)
{
	static char out[256];
	const char *const *v;
	size_t n = rule_ctx_rbl_ips(p, set, nice, &v), i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(out, i ? " " : "", sizeof(out) - strlen(out) - 1);
		strncat(out, v[i], sizeof(out) - strlen(out) - 1);
	}
	return out;
}

/* plain.eml: 203.0.113.5 handed it to us, 198.51.100.7 (also its
   X-Originating-IP) to 203.0.113.5. Expected lists follow SpamAssassin
   4.0.1's DNSEval selection. */
static void test_rbl_ips(void)
{
	struct rule_ctx *p = tctx_new("plain.eml");

	test_begin("check_rbl IPs, trust inferred");
	test_assert_str(rbl_ips(p, "zen", 0), "198.51.100.7 203.0.113.5");
	test_assert_str(rbl_ips(p, "zen-firsttrusted", 0), "203.0.113.5");
	test_assert_str(rbl_ips(p, "zen-untrusted", 0), "198.51.100.7");
	test_assert_str(rbl_ips(p, "zen-lastexternal", 0), "203.0.113.5");
	test_assert_str(rbl_ips(p, "zen-notfirsthop", 0), "203.0.113.5");
	test_end();
	tctx_free(&p);

	tctx_setting("trusted_networks", "203.0.113.0/24");
	p = tctx_new("plain.eml");
	test_begin("check_rbl IPs, trusted_networks");
	/* the authenticated hop is trusted, but its IP is not in
	   trusted_networks: still looked up, as SpamAssassin does */
	test_assert_str(rbl_ips(p, "zen", 0), "198.51.100.7");
	test_assert_str(rbl_ips(p, "zen-lastexternal", 0), "198.51.100.7");
	test_end();
	tctx_free(&p);
	tctx_settings_reset();

	tctx_setting("trusted_networks", "198.51.100.0/24 203.0.113.0/24");
	p = tctx_new("plain.eml");
	test_begin("check_rbl IPs, all trusted");
	test_assert_str(rbl_ips(p, "zen", 0), "");
	test_end();
	tctx_free(&p);
	tctx_settings_reset();
}

static void test_net(void)
{
	struct rule_ctx *p = tctx_new("plain.eml");
	struct msg_facts f = { 0 };
	struct net_facts n;

	test_net_none(p);
	memset(&n, 0, sizeof(n));
	f.net_enabled = 1;
	f.net = &n;
	p->facts = &f;
	test_net_none(p); /* facts present, nothing found */
	test_net_spf_dkim_dmarc(p, &n);
	test_net_rbl(p, &n);
	tctx_free(&p);
}

int main(void)
{
	test_table();
	test_html();
	test_header();
	test_relays();
	test_freemail_wlbl();
	test_bayes();
	test_net();
	test_rbl_ips();
	return test_exit();
}
