/*
 * fuzz-cf.c - libFuzzer target for the .cf rule language: the input is
 * loaded as a rules file (ruleset_load_string), compiled, and run over
 * a small fixed message, so the parser, ReplaceTags, the regex
 * translation, meta parsing/ordering and every rule type's matcher see
 * arbitrary rules. Inputs over 64 KiB are skipped to keep runs short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/hits.h"
#include "lib/msg.h"
#include "lib/wn.h"
#include "rules/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_msg[] =
	"From: Alice <alice@example.com>\n"
	"To: bob@example.org\n"
	"Subject: =?utf-8?q?hello_caf=C3=A9?=\n"
	"Message-ID: <1@example.com>\n"
	"Received: from mx.example.net (mx.example.net [192.0.2.1]) by mx.example.org\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"foo bar http://www.example.net/x?y=1\n"
	"\n"
	"second paragraph\n"
	"--B\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>Click <a href=\"http://spam.example.com/\">here</a></p>\n"
	"--B--\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *rs;
	struct arena *a;
	struct msg_limits lim;
	struct msg *m;
	struct msg_facts facts;
	struct hit_list hits;
	const char *err = NULL;
	char *text;
	unsigned int set;

	if (size > 65536)
		return 0;
	text = xstrndup((const char *)data, size);
	rs = ruleset_new();
	(void)ruleset_load_string(rs, "fuzz.cf", text, &err);
	free(text);
	if (ruleset_compile(rs, &err) == 0) {
		a = arena_new(0);
		msg_limits_default(&lim);
		m = msg_parse(a, fuzz_msg, sizeof(fuzz_msg) - 1, &lim);
		/* the score set follows the input length: all four get run */
		set = (unsigned int)size & 3;
		memset(&facts, 0, sizeof(facts));
		facts.net_enabled = (set & 1) != 0;
		facts.bayes_enabled = (set & 2) != 0;
		facts.bayes_prob = 0.995;
		hits_init(&hits, a);
		hits_add(&hits, "BAYES_99", 3.5, NULL, HIT_F_BAYES);
		ruleset_run(rs, rule_ctx_new(a, rs, m, NULL, &facts), &hits);
		(void)hits_score(&hits);
		arena_free(&a);
	}
	{
		struct rule_stats st;
		const struct rule_lint *lv;
		ruleset_stats(rs, &st);
		(void)ruleset_lint(rs, &lv);
	}
	ruleset_free(&rs);
	return 0;
}
