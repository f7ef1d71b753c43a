/*
 * test-rules.c - the rule engine core (rules/parse.c, load.c, compile.c,
 * meta.c, run.c): .cf syntax and loading, lint entries, score sets,
 * running every rule type over small messages, metas, and the stock
 * SpamAssassin ruleset when /usr/share/spamassassin is installed.
 *
 * Rule files live in tests/data/rules/; messages are inline below.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/arena.h"
#include "lib/hits.h"
#include "lib/msg.h"
#include "rules/rule.h"
#include "rules/rule_int.h"
#include "tests/unit/test.h"

/* Body paragraphs are separated by blank lines (SA renders each
   paragraph as one line); the subject is the body's first line. */
static const char plain_msg[] =
	"From: Alice Example <alice@example.com>\n"
	"To: bob@example.org\n"
	"Subject: Hello there friend\n"
	"Message-ID: <abc123@example.com>\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
	"X-Enc: =?utf-8?q?caf=C3=A9?=\n"
	"MIME-Version: 1.0\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"first paragraph here\n"
	"\n"
	"foo starts the second paragraph\n"
	"\n"
	"this ends with bar\n"
	"\n"
	"word x alone\n"
	"\n"
	"xx qu ux yy a#b\n";

static const char html_msg[] =
	"From: spammer@spam.example.net\n"
	"Subject: offer\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"BB\"\n"
	"\n"
	"--BB\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"Click here http://spam.example.net/buy\n"
	"--BB\n"
	"Content-Type: text/html; charset=us-ascii\n"
	"\n"
	"<html><body><p>Click <a href=\"http://spam.example.net/buy\">here</a></p>"
	"</body></html>\n"
	"--BB--\n";

/* One run: a message arena, the ctx and its hits. */
struct run {
	struct arena *a;
	struct hit_list hits;
	struct msg_facts facts;
};

static struct ruleset *load_cf(const char *cf)
{
	struct ruleset *rs = ruleset_new();
	const char *err = NULL;

	test_assert_int(ruleset_load_string(rs, "test.cf", cf, &err), 0);
	test_assert_int(ruleset_compile(rs, &err), 0);
	return rs;
}

static void run_begin(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->a = arena_new(0);
	hits_init(&r->hits, r->a);
}

/* Runs rs over text; facts NULL uses the ruleset's score set. */
static void run_go(struct run *r, const struct ruleset *rs, const char *text,
		   const struct msg_facts *facts)
{
	struct msg_limits lim;
	struct msg *m;
	struct rule_ctx *ctx;

	msg_limits_default(&lim);
	m = msg_parse(r->a, text, strlen(text), &lim);
	ctx = rule_ctx_new(r->a, rs, m, NULL, facts);
	ruleset_run(rs, ctx, &r->hits);
}

static void run_end(struct run *r)
{
	arena_free(&r->a);
}

/* Fresh run of cf over text: returns the hit list in *r (run_end it). */
static struct ruleset *run_cf(struct run *r, const char *cf, const char *text)
{
	struct ruleset *rs = load_cf(cf);

	run_begin(r);
	run_go(r, rs, text, NULL);
	return rs;
}

static unsigned int hit_count(const struct run *r, const char *name)
{
	const struct hit *h = hits_find(&r->hits, name);

	if (h == NULL)
		return 0;
	return h->count > 0 ? h->count : 1;
}

static int hit(const struct run *r, const char *name)
{
	return hits_find(&r->hits, name) != NULL;
}

static double hit_score(const struct run *r, const char *name)
{
	const struct hit *h = hits_find(&r->hits, name);

	return h != NULL ? h->score : -999;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* Number of lint entries of severity sev about rule (NULL: any rule)
   whose reason contains sub (NULL: any). */
static size_t lint_count(const struct ruleset *rs, enum rule_lint_severity sev,
			 const char *rule, const char *sub)
{
	const struct rule_lint *v;
	size_t n = ruleset_lint(rs, &v), i, c = 0;

	for (i = 0; i < n; i++) {
		if (v[i].severity != sev)
			continue;
		if (rule != NULL && (v[i].rule == NULL || strcmp(v[i].rule, rule) != 0))
			continue;
		if (sub != NULL && strstr(v[i].reason, sub) == NULL)
			continue;
		c++;
	}
	return c;
}

static const struct rule_lint *lint_find(const struct ruleset *rs, enum rule_lint_severity sev,
					 const char *rule)
{
	const struct rule_lint *v;
	size_t n = ruleset_lint(rs, &v), i;

	for (i = 0; i < n; i++) {
		if (v[i].severity != sev)
			continue;
		if (rule == NULL ? v[i].rule == NULL
				 : (v[i].rule != NULL && strcmp(v[i].rule, rule) == 0))
			return &v[i];
	}
	return NULL;
}

static int defined(const struct ruleset *rs, const char *name)
{
	double s;
	const char *d;

	return ruleset_rule_info(rs, name, &s, &d) == 0;
}

static double score_of(const struct ruleset *rs, const char *name)
{
	double s = -999;
	const char *d;

	if (ruleset_rule_info(rs, name, &s, &d) < 0)
		return -999;
	return s;
}

/* ---- .cf syntax ---- */

static void test_comments_and_keys(void)
{
	struct run r;
	struct ruleset *rs;
	const char *desc = NULL;
	double s = 0;

	test_begin("cf: comments, \\#, case-insensitive keys");
	rs = run_cf(&r,
		    "# a comment line\n"
		    "   # indented comment\n"
		    "body HASH_RULE /a\\#b/   # trailing comment\n"
		    "BODY UPPER_KEY /hello/i\n"
		    "Score UPPER_KEY 2.5\n"
		    "DeScribe UPPER_KEY Says hello\n"
		    "body CUT_RULE /zzz/ # /hello/ is a comment\n",
		    plain_msg);
	test_assert(hit(&r, "HASH_RULE"));
	test_assert(hit(&r, "UPPER_KEY"));
	test_assert(near(hit_score(&r, "UPPER_KEY"), 2.5));
	test_assert_int(ruleset_rule_info(rs, "UPPER_KEY", &s, &desc), 0);
	test_assert_str(desc, "Says hello");
	test_assert(near(s, 2.5));
	test_assert_str(hits_find(&r.hits, "UPPER_KEY")->description, "Says hello");
	test_assert(!hit(&r, "CUT_RULE"));
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, NULL), 0);
	test_assert_int(lint_count(rs, RULE_LINT_WARN, NULL, NULL), 0);
	run_end(&r);
	ruleset_free(&rs);
	test_assert(rs == NULL);
	test_end();
}

static void test_attrs_before_after(void)
{
	struct run r;
	struct ruleset *rs;
	const char *desc = NULL;
	double s = 0;

	test_begin("cf: describe/score/tflags before and after the definition");
	rs = run_cf(&r,
		    "score EARLY 3.25\n"
		    "describe EARLY Early bird\n"
		    "tflags EARLY multiple\n"
		    "body EARLY /paragraph/\n"
		    "body LATE /hello/i\n"
		    "describe LATE Late comer\n"
		    "score LATE -0.5\n"
		    "describe LATE Later still\n",
		    plain_msg);
	test_assert_int(hit_count(&r, "EARLY"), 2);
	test_assert(near(hit_score(&r, "EARLY"), 6.5));
	test_assert_str(hits_find(&r.hits, "EARLY")->description, "Early bird");
	test_assert(near(hit_score(&r, "LATE"), -0.5));
	test_assert_int(ruleset_rule_info(rs, "LATE", &s, &desc), 0);
	test_assert_str(desc, "Later still");
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_default_scores(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("cf: default scores");
	rs = run_cf(&r,
		    "body PLAIN_DEF /hello/i\n"
		    "body T_TESTING /hello/i\n"
		    "body NICE_DEF /hello/i\n"
		    "tflags NICE_DEF nice\n"
		    "body T_NICE /hello/i\n"
		    "tflags T_NICE nice\n"
		    "body NICE_SCORED /hello/i\n"
		    "tflags NICE_SCORED nice\n"
		    "score NICE_SCORED 2\n",
		    plain_msg);
	test_assert(near(score_of(rs, "PLAIN_DEF"), 1.0));
	test_assert(near(score_of(rs, "T_TESTING"), 0.01));
	test_assert(near(score_of(rs, "NICE_DEF"), -1.0));
	test_assert(near(score_of(rs, "T_NICE"), -0.01));
	/* an explicit score is kept as written, nice or not */
	test_assert(near(score_of(rs, "NICE_SCORED"), 2.0));
	test_assert(near(hit_score(&r, "T_TESTING"), 0.01));
	test_assert(near(hit_score(&r, "NICE_DEF"), -1.0));
	test_assert(hits_find(&r.hits, "NICE_DEF")->flags & HIT_F_NICE);
	test_assert(near(hits_score(&r.hits), 1.0 + 0.01 - 1.0 - 0.01 + 2.0));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_score_sets(void)
{
	static const char cf[] =
		"body SET4 /hello/i\n"
		"score SET4 1 2 3 4\n"
		"body SET1 /hello/i\n"
		"score SET1 0.75\n"
		"body SETP /hello/i\n"
		"score SETP (1.5) (2.5) (3.5) (4.5)\n"
		"body SETBAD /hello/i\n"
		"score SETBAD 1 2\n";
	struct ruleset *rs = load_cf(cf);
	struct run r;
	unsigned int set;

	test_begin("cf: score with 1 and 4 values, score sets");
	for (set = 0; set < 4; set++) {
		ruleset_set_score_set(rs, set);
		test_assert(near(score_of(rs, "SET4"), 1.0 + set));
		test_assert(near(score_of(rs, "SET1"), 0.75));
		test_assert(near(score_of(rs, "SETP"), 1.5 + set));
		/* facts == NULL: the ruleset's set */
		run_begin(&r);
		run_go(&r, rs, plain_msg, NULL);
		test_assert(near(hit_score(&r, "SET4"), 1.0 + set));
		run_end(&r);
	}
	ruleset_set_score_set(rs, 0);
	for (set = 0; set < 4; set++) {
		run_begin(&r);
		r.facts.net_enabled = (set & 1) != 0;
		r.facts.bayes_enabled = (set & 2) != 0;
		run_go(&r, rs, plain_msg, &r.facts);
		test_assert(near(hit_score(&r, "SET4"), 1.0 + set));
		test_assert(near(hit_score(&r, "SETP"), 1.5 + set));
		test_assert(near(hit_score(&r, "SET1"), 0.75));
		run_end(&r);
	}
	/* two numbers is an error; the rule keeps its default */
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, "SETBAD", "score"), 1);
	test_assert(near(score_of(rs, "SETBAD"), 1.0));
	ruleset_free(&rs);
	test_end();
}

static void test_score_zero(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("cf: score 0 disables a rule, metas see 0");
	rs = run_cf(&r,
		    "body ZERO /hello/i\n"
		    "score ZERO 0\n"
		    "meta META_ZERO ZERO\n"
		    "meta META_NOT_ZERO !ZERO\n"
		    "body ZERO_SET /hello/i\n"
		    "score ZERO_SET 0 1 0 1\n"
		    "meta META_ZERO_SET ZERO_SET\n",
		    plain_msg);
	test_assert(!hit(&r, "ZERO"));
	test_assert(!hit(&r, "META_ZERO"));
	test_assert(hit(&r, "META_NOT_ZERO"));
	test_assert(!hit(&r, "ZERO_SET"));
	test_assert(!hit(&r, "META_ZERO_SET"));
	run_end(&r);
	/* in set 1 (net) ZERO_SET has a score again */
	run_begin(&r);
	r.facts.net_enabled = 1;
	run_go(&r, rs, plain_msg, &r.facts);
	test_assert(hit(&r, "ZERO_SET"));
	test_assert(hit(&r, "META_ZERO_SET"));
	test_assert(!hit(&r, "ZERO"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_if_else(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("cf: if/else/endif, version, can()");
	rs = run_cf(&r,
		    "if (version >= 3.004000)\n"
		    "body IF_V1 /hello/i\n"
		    "else\n"
		    "body IF_V2 /hello/i\n"
		    "endif\n"
		    "if version < 3.0\n"
		    "body IF_V3 /hello/i\n"
		    "else\n"
		    "body IF_V3_ELSE /hello/i\n"
		    "endif\n"
		    "if can(Mail::SpamAssassin::Conf::feature_meta_rules_matching)\n"
		    "body IF_CAN /hello/i\n"
		    "endif\n"
		    "if can(Mail::SpamAssassin::Conf::feature_no_such_thing)\n"
		    "body IF_CANT /hello/i\n"
		    "endif\n"
		    "if !can(Mail::SpamAssassin::Conf::feature_no_such_thing)\n"
		    "body IF_NOT_CANT /hello/i\n"
		    "endif\n"
		    "if (version >= 3.004000) && (version < 99)\n"
		    "if version > 100\n"
		    "body IF_NESTED_NO /hello/i\n"
		    "endif\n"
		    "body IF_NESTED_YES /hello/i\n"
		    "endif\n"
		    "IF version > 100\n"
		    "body IF_UPPER /hello/i\n"
		    "ENDIF\n"
		    "body AFTER_ALL /hello/i\n",
		    plain_msg);
	test_assert(hit(&r, "IF_V1"));
	test_assert(!defined(rs, "IF_V2"));
	test_assert(!defined(rs, "IF_V3"));
	test_assert(hit(&r, "IF_V3_ELSE"));
	test_assert(hit(&r, "IF_CAN"));
	test_assert(!defined(rs, "IF_CANT"));
	test_assert(hit(&r, "IF_NOT_CANT"));
	test_assert(!defined(rs, "IF_NESTED_NO"));
	test_assert(hit(&r, "IF_NESTED_YES"));
	test_assert(!defined(rs, "IF_UPPER"));
	test_assert(hit(&r, "AFTER_ALL"));
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, NULL), 0);
	/* false if-blocks are never seen: no skip entries for them */
	test_assert_int(lint_count(rs, RULE_LINT_SKIP, NULL, NULL), 0);
	run_end(&r);
	ruleset_free(&rs);

	rs = load_cf("endif\nif version >\nbody UNPARSED /x/\nendif\nif 1\n");
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "endif without if"), 1);
	test_assert_int(lint_count(rs, RULE_LINT_WARN, NULL, "unparseable if"), 1);
	test_assert(!defined(rs, "UNPARSED"));
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "without endif"), 1);
	test_assert_int(lint_find(rs, RULE_LINT_ERROR, NULL) != NULL, 1);
	ruleset_free(&rs);

	/* Past the nesting limit: an error, and the else of the block too
	   deep must not flip the innermost tracked block. */
	{
		char *cf = malloc(8192), *p = cf;
		int i;
		for (i = 0; i < 65; i++)
			p += sprintf(p, "if 1\n");
		p += sprintf(p, "else\nendif\nbody DEEP_AFTER /hello/i\n");
		for (i = 0; i < 64; i++)
			p += sprintf(p, "endif\n");
		p += sprintf(p, "body DEEP_OUT /hello/i\n");
		rs = load_cf(cf);
		test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "nested too deep"), 1);
		test_assert(defined(rs, "DEEP_AFTER"));
		test_assert(defined(rs, "DEEP_OUT"));
		test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "without"), 0);
		ruleset_free(&rs);
		free(cf);
	}
	test_end();
}

static void test_ifplugin(void)
{
	struct ruleset *rs;
	struct run r;
	struct rule_stats st;
	const struct rule_lint *l;

	test_begin("cf: ifplugin provided vs not provided");
	rs = run_cf(&r,
		    "ifplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
		    "header PLUG_YES eval:check_for_missing_to_header()\n"
		    "body PLUG_YES_BODY /hello/i\n"
		    "endif\n"
		    "ifplugin Mail::SpamAssassin::Plugin::NoSuchPlugin\n"
		    "body PLUG_NO /hello/i\n"
		    "score PLUG_NO 5\n"
		    "describe PLUG_NO never loaded\n"
		    "no_such_setting_inside 1\n"
		    "else\n"
		    "body PLUG_ELSE /hello/i\n"
		    "endif\n"
		    "if plugin(Mail::SpamAssassin::Plugin::NoSuchPlugin)\n"
		    "body PLUG_IF_NO /hello/i\n"
		    "endif\n"
		    "if plugin(Mail::SpamAssassin::Plugin::HeaderEval)\n"
		    "body PLUG_IF_YES /hello/i\n"
		    "endif\n",
		    plain_msg);
	test_assert(hit(&r, "PLUG_YES_BODY"));
	test_assert(!hit(&r, "PLUG_YES")); /* plain_msg has a To: */
	test_assert(!hit(&r, "PLUG_NO"));
	test_assert(hit(&r, "PLUG_ELSE"));
	test_assert(!hit(&r, "PLUG_IF_NO"));
	test_assert(hit(&r, "PLUG_IF_YES"));
	l = lint_find(rs, RULE_LINT_SKIP, "PLUG_NO");
	test_assert(l != NULL);
	if (l != NULL) {
		test_assert(strstr(l->reason, "NoSuchPlugin") != NULL);
		test_assert_str(l->file, "test.cf");
		test_assert_int(l->line, 6);
	}
	test_assert(lint_find(rs, RULE_LINT_SKIP, "PLUG_IF_NO") != NULL);
	/* settings inside an unavailable plugin block are dropped quietly */
	test_assert_int(lint_count(rs, RULE_LINT_WARN, NULL, "no_such_setting_inside"), 0);
	ruleset_stats(rs, &st);
	test_assert_int(st.defined[RULE_T_BODY], 5);
	test_assert_int(st.loaded[RULE_T_BODY], 3);
	test_assert_int(st.defined[RULE_T_HEADER], 1);
	test_assert_int(st.loaded[RULE_T_HEADER], 1);
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_include(void)
{
	struct ruleset *rs = ruleset_new();
	const char *err = NULL;
	struct run r;

	test_begin("cf: include relative to the including file");
	test_assert_int(ruleset_load_path(rs, test_src_path("tests/data/rules/inc/main.cf"), &err),
			0);
	test_assert_int(ruleset_compile(rs, &err), 0);
	test_assert(defined(rs, "MAIN_RULE"));
	test_assert(defined(rs, "CHILD_RULE"));
	test_assert(defined(rs, "LEAF_RULE"));
	test_assert(!defined(rs, "DECOY_RULE"));
	run_begin(&r);
	run_go(&r, rs, plain_msg, NULL);
	test_assert(hit(&r, "LEAF_RULE"));
	test_assert(hit(&r, "CHILD_RULE"));
	run_end(&r);
	ruleset_free(&rs);

	rs = ruleset_new();
	err = NULL;
	test_assert_int(ruleset_load_path(rs, test_src_path("tests/data/rules/loop/a.cf"), &err),
			-1);
	test_assert(err != NULL && strstr(err, "include loop") != NULL);
	/* names the including file and line */
	test_assert(err != NULL && strstr(err, "b.cf:2:") != NULL);
	ruleset_free(&rs);

	rs = ruleset_new();
	err = NULL;
	test_assert_int(ruleset_load_string(rs, "str.cf", "body X /x/\ninclude /nonexistent/x.cf\n",
					    &err), -1);
	test_assert(err != NULL && strstr(err, "str.cf:2:") != NULL);
	test_assert(err != NULL && strstr(err, "cannot read") != NULL);
	ruleset_free(&rs);

	rs = ruleset_new();
	err = NULL;
	test_assert_int(ruleset_load_path(rs, "/nonexistent/dir/x.cf", &err), -1);
	test_assert(err != NULL);
	ruleset_free(&rs);
	test_end();
}

static void test_dir_order(void)
{
	struct ruleset *rs = ruleset_new();
	const char *err = NULL;
	const char *const *v;
	const struct rule_lint *l;
	struct run r;

	test_begin("cf: directory load order (*.pre first, then name order)");
	test_assert_int(ruleset_load_path(rs, test_src_path("tests/data/rules/dir"), &err), 0);
	test_assert_int(ruleset_compile(rs, &err), 0);
	test_assert_int(ruleset_setting(rs, "report_contact", &v), 3);
	if (v != NULL) {
		test_assert_str(v[0], "from-zz_init.pre");
		test_assert_str(v[1], "from-10_a");
		test_assert_str(v[2], "from-20_b");
	}
	test_assert(!defined(rs, "TXT_RULE"));
	/* 20_b.cf's definition replaces 10_a.cf's; the score stays */
	run_begin(&r);
	run_go(&r, rs, plain_msg, NULL);
	test_assert(hit(&r, "ORDER_RULE"));
	test_assert(near(hit_score(&r, "ORDER_RULE"), 1.5));
	run_end(&r);
	l = lint_find(rs, RULE_LINT_WARN, NULL);
	test_assert(l != NULL);
	if (l != NULL) {
		size_t n = strlen(l->file);
		test_assert(n >= 7 && strcmp(l->file + n - 7, "20_b.cf") == 0);
		test_assert_int(l->line, 3);
		test_assert(strstr(l->reason, "no_such_directive") != NULL);
	}
	ruleset_free(&rs);
	test_end();
}

static void test_replace_tags(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("cf: replace_tag, replace_inter, replace_rules");
	rs = run_cf(&r,
		    "replace_start <\n"
		    "replace_end >\n"
		    "replace_tag QU q[uU]\n"
		    "replace_tag UX ux\n"
		    "replace_tag NESTED <QU> <UX>\n"
		    "replace_inter SP \\s?\n"
		    "replace_post END \\b\n"
		    "body RT_PLAIN /<QU><UX>/\n"
		    "body RT_INTER /<inter SP><QU><UX>/\n"
		    "body RT_NESTED /<NESTED>/\n"
		    "body RT_POST /<post END>x<UX>/\n"
		    "body RT_NOT_LISTED /<QU> <UX>/\n"
		    "replace_rules RT_PLAIN RT_INTER RT_NESTED\n"
		    "replace_rules RT_POST\n",
		    plain_msg);
	/* the body has "qu ux", not "quux" */
	test_assert(!hit(&r, "RT_PLAIN"));
	test_assert(hit(&r, "RT_INTER"));
	test_assert(hit(&r, "RT_NESTED"));
	/* "<post END>" adds \b after each tag: "xux\b" is absent, "x" then
	   "ux\b" is not in the body either, so no hit */
	test_assert(!hit(&r, "RT_POST"));
	/* not in replace_rules: the tags stay literal */
	test_assert(!hit(&r, "RT_NOT_LISTED"));
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, NULL), 0);
	run_end(&r);
	ruleset_free(&rs);

	/* empty delimiters are refused, the defaults stay */
	rs = run_cf(&r,
		    "replace_start\n"
		    "replace_end\n"
		    "replace_tag QU q[uU]\n"
		    "body RT_EMPTY /<QU> ux/\n"
		    "replace_rules RT_EMPTY\n",
		    plain_msg);
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "needs a value"), 2);
	test_assert(hit(&r, "RT_EMPTY"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_lint_lines(void)
{
	struct ruleset *rs;
	const struct rule_lint *l;
	struct run r;

	test_begin("cf: lint entries name file:line");
	rs = run_cf(&r,
		    "body GOOD /hello/i\n"
		    "\n"
		    "totally_unknown_setting 1\n"
		    "body BROKEN_RE /foo(/\n"
		    "body UNTERM /foo\n"
		    "body BADMOD /foo/q\n"
		    "header NOOP Subject /foo/\n"
		    "body 9BADNAME /foo/\n"
		    "body CODEBLOCK /(?{ print 1 })/\n"
		    "body BAD_EVAL eval:no_such_function()\n"
		    "header ARGS eval:check_for_missing_to_header('x')\n",
		    plain_msg);
	test_assert(hit(&r, "GOOD"));
	l = lint_find(rs, RULE_LINT_WARN, NULL);
	test_assert(l != NULL);
	if (l != NULL) {
		test_assert_str(l->file, "test.cf");
		test_assert_int(l->line, 3);
		test_assert(strstr(l->reason, "totally_unknown_setting") != NULL);
	}
	l = lint_find(rs, RULE_LINT_ERROR, "BROKEN_RE");
	test_assert(l != NULL);
	if (l != NULL) {
		test_assert_str(l->file, "test.cf");
		test_assert_int(l->line, 4);
	}
	l = lint_find(rs, RULE_LINT_ERROR, "UNTERM");
	test_assert(l != NULL && l->line == 5);
	l = lint_find(rs, RULE_LINT_ERROR, "BADMOD");
	test_assert(l != NULL && l->line == 6);
	l = lint_find(rs, RULE_LINT_ERROR, "NOOP");
	test_assert(l != NULL && l->line == 7);
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, "invalid rule name"), 1);
	l = lint_find(rs, RULE_LINT_ERROR, "CODEBLOCK");
	test_assert(l != NULL && l->line == 9);
	/* a missing eval function is a skip, not an error */
	l = lint_find(rs, RULE_LINT_SKIP, "BAD_EVAL");
	test_assert(l != NULL && l->line == 10);
	l = lint_find(rs, RULE_LINT_SKIP, "ARGS");
	test_assert(l != NULL && l->line == 11);
	test_assert(!hit(&r, "BROKEN_RE") && !hit(&r, "UNTERM") && !hit(&r, "BADMOD"));
	test_assert(!hit(&r, "BAD_EVAL") && !hit(&r, "ARGS"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_settings(void)
{
	struct ruleset *rs;
	const char *const *v;

	test_begin("cf: settings in file order, required_score");
	rs = ruleset_new();
	test_assert(near(ruleset_required_score(rs), 5.0));
	ruleset_free(&rs);
	rs = load_cf("trusted_networks 10.0.0.0/8\n"
		     "freemail_domains a.example b.example\n"
		     "TRUSTED_NETWORKS 192.168.0.0/16   172.16.0.0/12\n"
		     "required_score 6.5\n");
	test_assert_int(ruleset_setting(rs, "trusted_networks", &v), 2);
	if (v != NULL) {
		test_assert_str(v[0], "10.0.0.0/8");
		test_assert_str(v[1], "192.168.0.0/16   172.16.0.0/12");
	}
	test_assert_int(ruleset_setting(rs, "freemail_domains", &v), 1);
	test_assert_int(ruleset_setting(rs, "no_such", &v), 0);
	test_assert(v == NULL);
	test_assert(near(ruleset_required_score(rs), 6.5));
	ruleset_set_required_score(rs, 3.0);
	test_assert(near(ruleset_required_score(rs), 3.0));
	test_assert_int(lint_count(rs, RULE_LINT_WARN, NULL, NULL), 0);
	ruleset_free(&rs);
	rs = load_cf("required_hits 4\nrequired_score nonsense\n");
	test_assert(near(ruleset_required_score(rs), 4.0));
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, NULL), 1);
	ruleset_free(&rs);
	test_end();
}

/* ---- running ---- */

static void test_header_rules(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: header rules");
	rs = run_cf(&r,
		    "header H_SUBJ Subject =~ /hello there/i\n"
		    "header H_SUBJ_CASE Subject =~ /hello there/\n"
		    "header H_DECODED X-Enc =~ /caf\\xc3\\xa9/\n"
		    "header H_RAW X-Enc:raw =~ /=\\?utf-8\\?q\\?/i\n"
		    "header H_RAW_NOT X-Enc =~ /=\\?utf-8/i\n"
		    "header H_ADDR From:addr =~ /^alice\\@example\\.com$/\n"
		    "header H_NAME From:name =~ /^Alice Example$/\n"
		    "header H_ADDR_NOT From:addr =~ /Alice/\n"
		    "header H_ALL ALL =~ /^Message-ID: <abc123/m\n"
		    "header H_EXISTS exists:X-Enc\n"
		    "header H_EXISTS_NOT exists:X-Nope\n"
		    "header H_UNSET_NEG X-Nope !~ /./\n"
		    "header H_SET_NEG Subject !~ /hello/i\n"
		    "header H_IF_UNSET X-Nope =~ /^UNSET$/ [if-unset: UNSET]\n"
		    "header H_IF_UNSET_SET Subject =~ /^UNSET$/ [if-unset: UNSET]\n"
		    "header H_UNSET_POS X-Nope =~ /^$/\n"
		    "header H_TO_EVAL eval:check_for_missing_to_header()\n",
		    plain_msg);
	test_assert(hit(&r, "H_SUBJ"));
	test_assert(!hit(&r, "H_SUBJ_CASE"));
	test_assert(hit(&r, "H_DECODED"));
	test_assert(hit(&r, "H_RAW"));
	test_assert(!hit(&r, "H_RAW_NOT"));
	test_assert(hit(&r, "H_ADDR"));
	test_assert(hit(&r, "H_NAME"));
	test_assert(!hit(&r, "H_ADDR_NOT"));
	test_assert(hit(&r, "H_ALL"));
	test_assert(hit(&r, "H_EXISTS"));
	test_assert(!hit(&r, "H_EXISTS_NOT"));
	test_assert(hit(&r, "H_UNSET_NEG"));
	test_assert(!hit(&r, "H_SET_NEG"));
	test_assert(hit(&r, "H_IF_UNSET"));
	test_assert(!hit(&r, "H_IF_UNSET_SET"));
	test_assert(hit(&r, "H_UNSET_POS"));
	test_assert(!hit(&r, "H_TO_EVAL"));
	run_end(&r);
	/* the eval hits on a message without To: */
	run_begin(&r);
	run_go(&r, rs, html_msg, NULL);
	test_assert(hit(&r, "H_TO_EVAL"));
	test_assert(!hit(&r, "H_SUBJ"));
	test_assert(!hit(&r, "H_EXISTS"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_body_rules(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: body rules, multiline prefilter keeps line semantics");
	rs = run_cf(&r,
		    "body B_SUBJ /^Hello there friend$/\n"
		    "body B_SUBJ_NOSUBJ /Hello there friend/\n"
		    "tflags B_SUBJ_NOSUBJ nosubject\n"
		    "body B_START /^foo/\n"
		    "body B_END /bar$/\n"
		    "body B_WORD /\\bx\\b/\n"
		    "body B_WHOLE /^first paragraph here$/\n"
		    "body B_ACROSS /here\\nfoo/\n"
		    "body B_ACROSS_WS /here\\sfoo/\n"
		    "body B_ACROSS_DOT /here.foo/s\n"
		    "body B_NOT_START /^second/\n"
		    "body B_LA_NEG /bar(?!\\S)/\n"
		    "body B_LA_END /alone(?!\\n)/\n"
		    "body B_LB /(?<=with )bar/\n"
		    "body B_LB_START /(?<!\\S)word/\n"
		    "body B_LA_NL /here(?=\\n)/\n"
		    "body B_A /\\Aword/\n"
		    "body B_Z /bar\\z/\n"
		    "body B_BIGZ /bar\\Z/\n"
		    "body B_M /^foo/m\n"
		    "body B_M_ACROSS /here$\\n^foo/m\n"
		    "body B_HTML_TAG /<a href/\n"
		    "body B_NEGCLASS /here[^a-z]foo/\n",
		    plain_msg);
	test_assert(hit(&r, "B_SUBJ"));
	test_assert(!hit(&r, "B_SUBJ_NOSUBJ"));
	test_assert(hit(&r, "B_START"));
	test_assert(hit(&r, "B_END"));
	test_assert(hit(&r, "B_WORD"));
	test_assert(hit(&r, "B_WHOLE"));
	test_assert(!hit(&r, "B_ACROSS"));
	test_assert(!hit(&r, "B_ACROSS_WS"));
	test_assert(!hit(&r, "B_ACROSS_DOT"));
	test_assert(!hit(&r, "B_NOT_START"));
	test_assert(hit(&r, "B_LA_NEG"));
	/* SpamAssassin's body lines keep their "\n" (split /^/m) */
	test_assert(!hit(&r, "B_LA_END"));
	test_assert(hit(&r, "B_LB"));
	test_assert(hit(&r, "B_LB_START"));
	test_assert(hit(&r, "B_LA_NL"));
	test_assert(hit(&r, "B_A"));
	test_assert(!hit(&r, "B_Z"));
	test_assert(hit(&r, "B_BIGZ"));
	test_assert(hit(&r, "B_M"));
	test_assert(!hit(&r, "B_M_ACROSS"));
	test_assert(!hit(&r, "B_HTML_TAG"));
	test_assert(!hit(&r, "B_NEGCLASS"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

/* The literal prefilter (required literals per regex) must agree with
   the regex on case, escapes, alternation and inline modifiers. */
static void test_literal_prefilter(void)
{
	static const char msg[] =
		"Subject: Hello there\n"
		"\n"
		"The Quick brown fox jumps\n"
		"\n"
		"price: $100 USD\n"
		"\n"
		"yes sir\n";
	static const char *const hits_want[] = {
		"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P10", "P11", "P12", "P13",
		"P14", "P15", "P17", "P18", "P19", "P20", "P21", "P22", "P23", "P24", "P25",
		"P26", "P27", "P28", "P29",
	};
	static const char *const miss_want[] = { "N1", "N2", "N3", "N4", "N5", "N6", "N7",
						 "N8", "N9", "N10" };
	struct ruleset *rs;
	struct run r;
	size_t i;

	test_begin("run: literal prefilter keeps regex semantics");
	rs = run_cf(&r,
		    "body P1 /(?i)QUICK BROWN/\n"
		    "body P2 /quick brown/i\n"
		    "body P3 /Qu+ick/\n"
		    "body P4 /zzz|fox/\n"
		    "body P5 /q u i c k/xi\n"
		    "body P6 /\\Qprice: $100\\E/\n"
		    "body P7 /\\yes sir/\n"
		    "body P8 /\\x51uick/\n"
		    "body P10 /[Q]uick/\n"
		    "body P11 /Qu(?:ick|ack) brown/\n"
		    "body P12 /\\$100/\n"
		    "body P13 /QUICK(?i) brown/i\n"
		    "body P14 /(?i:QUICK) brown/\n"
		    "body P15 /Quic?k/\n"
		    "body P17 /hello THERE/i\n"
		    "header P18 Subject =~ /HELLO/i\n"
		    "body P19 /Quick{1}/\n"
		    "body P20 /Qui(?=ck)ck/\n"
		    "body P21 /Qu\\Eick/\n"
		    "body P22 /Qu\\Kick/\n"
		    "body P23 /jumps\\n/\n"
		    "body N1 /quick brown/\n"
		    "body N2 /Quick  brown/\n"
		    "body N3 /Qu+ack/\n"
		    "body N4 /(?i)zebra/\n"
		    "body N5 /(?i:QUICK) BROWN/\n"
		    "body N6 /Q\\u0075ick/\n"
		    "header N7 Subject =~ /HELLO/\n"
		    /* {1,2} of small sets spelled out; sets too big to cross
		       give way to their three-byte prefixes */
		    "body P24 /Q{1,2}u{1,2}i{1,2}ck/\n"
		    "body P25 /[qQ9][uUv][iI1!|l][cCkK(][kKx][ _.-]?[bB8][rR][oO0][wWv][nN]/\n"
		    "body P26 /\\W?(?:[qQ]|&\\#81;){1,2}\\W?[uUv]{1,2}\\W?(?:[iI1l]|&\\#105;){1,2}\\W?ck/\n"
		    /* unbounded repeats: the runs go into the first copy and
		       out of the last */
		    "body P27 /bro+wn fo+x/\n"
		    "body P28 /(?:ju)+mps/\n"
		    "body P29 /T+he Qu{2,}ick|The Qu+ick/\n"
		    "body N10 /bro+wnz/\n"
		    "body N8 /[qQ9][uUv][iI1!|l][cCkK(][kKx]zz/\n"
		    "body N9 /\\W?(?:[qQ]|&\\#81;){1,2}\\W?[uUv]{1,2}\\W?(?:[iI1l]|&\\#105;){1,2}\\W?cz/\n",
		    msg);
	for (i = 0; i < sizeof(hits_want) / sizeof(hits_want[0]); i++) {
		if (!hit(&r, hits_want[i]))
			fprintf(stderr, "expected a hit: %s\n", hits_want[i]);
		test_assert(hit(&r, hits_want[i]));
	}
	for (i = 0; i < sizeof(miss_want) / sizeof(miss_want[0]); i++) {
		if (hit(&r, miss_want[i]))
			fprintf(stderr, "expected no hit: %s\n", miss_want[i]);
		test_assert(!hit(&r, miss_want[i]));
	}
	test_assert_int(lint_count(rs, RULE_LINT_ERROR, NULL, NULL), 0);
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

/* Obfuscated-letter rules (letters, or HTML entities, with anything
   blank between) are gated by their squeezed letters only in texts
   without a '&': with one, an entity could stand for a letter. */
static void test_noamp_gate(void)
{
	static const char cf[] =
		"body P1 /Q(?:&\\#32;|\\s)*u(?:&\\#32;|\\s)*i(?:&\\#32;|\\s)*c(?:&\\#32;|\\s)*k/\n"
		"body N1 /Q(?:&\\#32;|\\s)*u(?:&\\#32;|\\s)*a(?:&\\#32;|\\s)*c(?:&\\#32;|\\s)*k/\n"
		"body P2 /Q(?:&\\#117;|u)(?:&\\#32;|\\s)*i(?:&\\#32;|\\s)*c(?:&\\#32;|\\s)*k/\n";
	struct ruleset *rs;
	struct run r;

	test_begin("run: squeezed gates for texts without '&'");
	rs = run_cf(&r, cf, "Subject: x\n\nThe Qu i c k brown fox\n");
	test_assert(hit(&r, "P1"));
	test_assert(!hit(&r, "N1"));
	test_assert(hit(&r, "P2"));
	run_end(&r);
	ruleset_free(&rs);
	/* with a '&' the entity spellings must still be found */
	rs = run_cf(&r, cf, "Subject: x\n\nThe Q&#117;&#32;i c&#32;k brown fox &\n");
	test_assert(!hit(&r, "P1"));
	test_assert(hit(&r, "P2"));
	test_assert(!hit(&r, "N1"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

/* Rules PCRE2 cannot start quickly are tried only on the lines holding
   their literals: the same hits and counts as line by line everywhere,
   in ASCII and 8-bit texts. */
static void test_line_windows(void)
{
	static const char cf[] =
		"body W1 /(?:\\w+ ){0,3}brown fox/\n"
		"body W2 /(?:\\w+ )?fox/\n"
		"tflags W2 multiple\n"
		"body W3 /(?:\\w+ )?hello there/i\n"
		"tflags W3 nosubject\n"
		"body W4 /(?:\\w+ )?hello there/i\n"
		"body W5 /(?:\\w+\\s){0,2}jumps\\s+price/\n"
		"body W6 /(?:\\w+\\s){0,2}jumps\\s+over/\n"
		"rawbody W7 /(?:\\w+ )?caf\xc3\xa9 au lait/\n";
	static const char *const texts[] = {
		"Subject: Hello there\n\nThe brown fox jumps\nover\n\nprice: a fox, a fox\n",
		"Subject: Hello there\n\nThe brown fox jumps\nover caf\xc3\xa9 au lait\n\n"
		"price: a fox, a fox\n",
	};
	struct ruleset *rs;
	struct run r;
	size_t i;

	test_begin("run: line windows keep line-by-line semantics");
	for (i = 0; i < 2; i++) {
		rs = run_cf(&r, cf, texts[i]);
		test_assert(rs_rule(rs, "W1", 0)->win_aix != NULL);
		test_assert(rs_rule(rs, "W7", 0)->win_lix != NULL);
		test_assert(hit(&r, "W1"));
		test_assert_int(hit_count(&r, "W2"), 3);
		test_assert(!hit(&r, "W3")); /* only in the subject */
		test_assert(hit(&r, "W4"));
		test_assert(!hit(&r, "W5")); /* would span two paragraphs */
		test_assert(hit(&r, "W6"));  /* one paragraph, two lines */
		test_assert(hit(&r, "W7") == (i == 1));
		run_end(&r);
		ruleset_free(&rs);
	}
	test_end();
}

static void test_other_types(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: rawbody, full, uri, mimeheader, uri_detail");
	rs = run_cf(&r,
		    "rawbody RAW_TAG /<a href=/i\n"
		    "body BODY_TAG /<a href/i\n"
		    "body BODY_TEXT /Click here/\n"
		    "rawbody RAW_PLAIN /^Click here http/\n"
		    "full FULL_HDR /^Subject: offer$/m\n"
		    "full FULL_BOUNDARY /^--BB--$/m\n"
		    "body BODY_BOUNDARY /--BB/\n"
		    "uri URI_HOST /spam\\.example\\.net/\n"
		    "uri URI_NOPE /ham\\.example/\n"
		    "mimeheader MH_HTML Content-Type =~ /text\\/html/\n"
		    "mimeheader MH_NOPE Content-Type =~ /image\\//\n"
		    "uri_detail UD_HOST host =~ /^spam\\.example\\.net$/ text =~ /here/\n"
		    "uri_detail UD_TEXT_NOPE host =~ /^spam\\.example\\.net$/ text =~ /nothere/\n"
		    "uri_detail UD_NEG host !~ /spam/\n"
		    "uri_detail UD_BADKEY nonsense =~ /x/\n",
		    html_msg);
	test_assert(hit(&r, "RAW_TAG"));
	test_assert(!hit(&r, "BODY_TAG"));
	test_assert(hit(&r, "BODY_TEXT"));
	test_assert(hit(&r, "RAW_PLAIN"));
	test_assert(hit(&r, "FULL_HDR"));
	test_assert(hit(&r, "FULL_BOUNDARY"));
	test_assert(!hit(&r, "BODY_BOUNDARY"));
	test_assert(hit(&r, "URI_HOST"));
	test_assert(!hit(&r, "URI_NOPE"));
	test_assert(hit(&r, "MH_HTML"));
	test_assert(!hit(&r, "MH_NOPE"));
	test_assert(hit(&r, "UD_HOST"));
	test_assert(!hit(&r, "UD_TEXT_NOPE"));
	test_assert(!hit(&r, "UD_NEG"));
	test_assert(!hit(&r, "UD_BADKEY"));
	test_assert(lint_find(rs, RULE_LINT_SKIP, "UD_BADKEY") != NULL);
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_multiple(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: tflags multiple, maxhits");
	rs = run_cf(&r,
		    "body MULT_MAX /[aeiou]/\n"
		    "tflags MULT_MAX multiple maxhits=3\n"
		    "score MULT_MAX 0.5\n"
		    "body MULT_ALL /\\bparagraph\\b/\n"
		    "tflags MULT_ALL multiple\n"
		    "score MULT_ALL 0.25\n"
		    "body SINGLE /\\bparagraph\\b/\n"
		    "score SINGLE 0.25\n"
		    "header MULT_HDR Subject =~ /e/\n"
		    "tflags MULT_HDR multiple\n"
		    "uri MULT_URI /example/\n"
		    "tflags MULT_URI multiple\n"
		    "meta MULT_META MULT_ALL == 2\n"
		    "meta MULT_META_SUM MULT_ALL + MULT_MAX > 4\n",
		    plain_msg);
	test_assert_int(hit_count(&r, "MULT_MAX"), 3);
	test_assert(near(hit_score(&r, "MULT_MAX"), 1.5));
	test_assert_int(hit_count(&r, "MULT_ALL"), 2);
	test_assert(near(hit_score(&r, "MULT_ALL"), 0.5));
	test_assert_int(hit_count(&r, "SINGLE"), 1);
	test_assert(near(hit_score(&r, "SINGLE"), 0.25));
	/* "Hello there friend\n": four e's */
	test_assert_int(hit_count(&r, "MULT_HDR"), 4);
	test_assert(hit(&r, "MULT_META"));
	test_assert(hit(&r, "MULT_META_SUM"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_metas(void)
{
	struct ruleset *rs;
	struct run r;
	const struct rule_lint *l;

	test_begin("run: metas");
	rs = run_cf(&r,
		    "body R_HELLO /hello/i\n"
		    "body R_FOO /^foo/\n"
		    "body R_NONE /no such text/\n"
		    "header R_EVAL eval:check_for_missing_to_header()\n"
		    "meta M_AND R_HELLO && R_FOO\n"
		    "meta M_AND0 R_HELLO && R_NONE\n"
		    "meta M_OR R_NONE || R_FOO\n"
		    "meta M_OR0 R_NONE || R_EVAL\n"
		    "meta M_NOT !R_NONE\n"
		    "meta M_NOT0 !R_FOO\n"
		    "meta M_ARITH (R_HELLO + R_FOO + R_NONE) > 1\n"
		    "meta M_ARITH0 (R_HELLO + R_NONE) > 1\n"
		    "meta M_CMP R_HELLO == 1\n"
		    "meta M_CMP0 R_HELLO != 1\n"
		    "meta M_NEST M_AND && !M_AND0\n"
		    "meta M_NEST2 M_NEST && M_NOT && (M_ARITH || R_NONE)\n"
		    "meta M_EVAL !R_EVAL && R_HELLO\n"
		    "meta M_UNDEF NO_SUCH_RULE_X\n"
		    "meta M_UNDEF_NOT !NO_SUCH_RULE_X\n"
		    "meta M_CYC1 M_CYC2 || R_HELLO\n"
		    "meta M_CYC2 M_CYC1\n"
		    "meta M_SELF M_SELF || R_HELLO\n"
		    "meta M_BEHIND M_CYC1 || R_HELLO\n"
		    "meta M_BAD R_HELLO &&\n"
		    "meta M_RM rules_matching(R_*) >= 3\n"
		    "meta M_RM0 rules_matching(R_*) >= 4\n"
		    "meta M_RM_NONE rules_matching(ZZZ_*) == 0\n"
		    "meta M_TERN R_FOO ? 2 : 0\n"
		    "score M_TERN 1.5\n",
		    plain_msg);
	test_assert(hit(&r, "M_AND"));
	test_assert(!hit(&r, "M_AND0"));
	test_assert(hit(&r, "M_OR"));
	test_assert(!hit(&r, "M_OR0"));
	test_assert(hit(&r, "M_NOT"));
	test_assert(!hit(&r, "M_NOT0"));
	test_assert(hit(&r, "M_ARITH"));
	test_assert(!hit(&r, "M_ARITH0"));
	test_assert(hit(&r, "M_CMP"));
	test_assert(!hit(&r, "M_CMP0"));
	test_assert(hit(&r, "M_NEST"));
	test_assert(hit(&r, "M_NEST2"));
	test_assert(hit(&r, "M_EVAL"));
	test_assert(!hit(&r, "M_UNDEF"));
	test_assert(hit(&r, "M_UNDEF_NOT"));
	l = lint_find(rs, RULE_LINT_WARN, "M_UNDEF");
	test_assert(l != NULL && strstr(l->reason, "NO_SUCH_RULE_X") != NULL);
	test_assert(l != NULL && l->line == 18);
	test_assert(!hit(&r, "M_CYC1") && !hit(&r, "M_CYC2") && !hit(&r, "M_SELF"));
	test_assert(!hit(&r, "M_BEHIND"));
	test_assert(lint_find(rs, RULE_LINT_ERROR, "M_CYC1") != NULL);
	test_assert(lint_find(rs, RULE_LINT_ERROR, "M_CYC2") != NULL);
	test_assert(lint_find(rs, RULE_LINT_ERROR, "M_SELF") != NULL);
	test_assert(lint_find(rs, RULE_LINT_ERROR, "M_BEHIND") != NULL);
	l = lint_find(rs, RULE_LINT_ERROR, "M_BAD");
	test_assert(l != NULL && l->line == 24);
	test_assert(!hit(&r, "M_BAD"));
	/* R_HELLO, R_FOO hit; R_NONE, R_EVAL not: 2 */
	test_assert(!hit(&r, "M_RM"));
	run_end(&r);
	/* html_msg: R_EVAL hits (no To:), R_HELLO, R_FOO do not */
	run_begin(&r);
	run_go(&r, rs, html_msg, NULL);
	test_assert(hit(&r, "M_OR0"));
	test_assert(!hit(&r, "M_EVAL"));
	test_assert(!hit(&r, "M_AND"));
	test_assert(!hit(&r, "M_TERN"));
	run_end(&r);
	ruleset_free(&rs);

	rs = run_cf(&r,
		    "body R_A /hello/i\n"
		    "body R_B /^foo/\n"
		    "body R_C /bar$/\n"
		    "body R_D /nothing like this/\n"
		    "meta M_RM rules_matching(R_*) >= 3\n"
		    "meta M_RM0 rules_matching(R_*) >= 4\n"
		    "meta M_RM_NONE rules_matching(ZZZ_*) == 0\n",
		    plain_msg);
	test_assert(hit(&r, "M_RM"));
	test_assert(!hit(&r, "M_RM0"));
	test_assert(hit(&r, "M_RM_NONE"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_meta_value_score(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: a meta's hit is scored once");
	rs = run_cf(&r,
		    "body R_FOO /^foo/\n"
		    "meta M_TERN R_FOO ? 2 : 0\n"
		    "score M_TERN 1.5\n",
		    plain_msg);
	test_assert(hit(&r, "M_TERN"));
	test_assert(near(hit_score(&r, "M_TERN"), 1.5));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_prior_hits(void)
{
	struct ruleset *rs;
	struct run r;

	test_begin("run: metas see hits already in the list");
	rs = load_cf("body BAYES_99 eval:check_bayes('0.99', '1.00')\n"
		     "tflags BAYES_99 learn\n"
		     "score BAYES_99 3.5\n"
		     "body R_HELLO /hello/i\n"
		     "meta M_BAYES BAYES_99 && R_HELLO\n"
		     "meta M_NOBAYES !BAYES_99 && R_HELLO\n");
	run_begin(&r);
	hits_add(&r.hits, "BAYES_99", 3.5, "Bayes spam probability is 99 to 100%", HIT_F_BAYES);
	run_go(&r, rs, plain_msg, NULL);
	test_assert(hit(&r, "M_BAYES"));
	test_assert(!hit(&r, "M_NOBAYES"));
	/* BAYES_99 is not run again (learn rule, no Bayes in set 0) */
	test_assert_int(r.hits.count, 3);
	run_end(&r);
	run_begin(&r);
	run_go(&r, rs, plain_msg, NULL);
	test_assert(!hit(&r, "M_BAYES"));
	test_assert(hit(&r, "M_NOBAYES"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_subrules(void)
{
	struct ruleset *rs;
	struct run r;
	const struct hit *h;

	test_begin("run: __subrules flagged, not scored");
	rs = run_cf(&r,
		    "body __SUB_HELLO /hello/i\n"
		    "body __SUB_FOO /^foo/\n"
		    "meta M_SUBS __SUB_HELLO && __SUB_FOO\n"
		    "score M_SUBS 2\n"
		    "body VISIBLE /bar$/\n"
		    "score VISIBLE 0.5\n",
		    plain_msg);
	h = hits_find(&r.hits, "__SUB_HELLO");
	test_assert(h != NULL && (h->flags & HIT_F_SUBRULE));
	h = hits_find(&r.hits, "M_SUBS");
	test_assert(h != NULL && !(h->flags & HIT_F_SUBRULE));
	test_assert(h != NULL && !(hits_find(&r.hits, "VISIBLE")->flags & HIT_F_SUBRULE));
	test_assert(near(hits_score(&r.hits), 2.5));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

static void test_stats_info(void)
{
	struct ruleset *rs;
	struct rule_stats st;
	double s = 0;
	const char *d = "x";

	test_begin("ruleset_stats, ruleset_rule_info");
	rs = load_cf("header S_H1 Subject =~ /a/\n"
		     "header S_H2 From =~ /(/\n"
		     "body S_B1 /a/\n"
		     "body S_B2 /b/\n"
		     "score S_B2 0\n"
		     "rawbody S_RB /c/\n"
		     "uri S_U /d/\n"
		     "full S_F /e/\n"
		     "meta S_M S_B1 && S_U\n"
		     "header S_NET eval:check_rbl('x', 'zen.example.')\n"
		     "tflags S_NET net\n"
		     "mimeheader S_MH Content-Type =~ /x/\n"
		     "uri_detail S_UD host =~ /x/\n"
		     "urirhssub S_NETO zen.example. A 2\n"
		     "ifplugin NoSuchPluginAtAll\n"
		     "body S_SKIP /x/\n"
		     "endif\n"
		     "score NOT_A_RULE 3\n"
		     "describe S_H1 Header one\n");
	ruleset_stats(rs, &st);
	test_assert_int(st.defined[RULE_T_HEADER], 3);
	test_assert_int(st.loaded[RULE_T_HEADER], 2);
	test_assert_int(st.defined[RULE_T_BODY], 3);
	test_assert_int(st.loaded[RULE_T_BODY], 2);
	test_assert_int(st.defined[RULE_T_RAWBODY], 1);
	test_assert_int(st.loaded[RULE_T_URI], 1);
	test_assert_int(st.loaded[RULE_T_FULL], 1);
	test_assert_int(st.loaded[RULE_T_META], 1);
	test_assert_int(st.loaded[RULE_T_MIMEHEADER], 1);
	test_assert_int(st.loaded[RULE_T_URI_DETAIL], 1);
	test_assert_int(st.defined[RULE_T_NET_OTHER], 1);
	test_assert_int(st.net, 2);
	/* loaded with a non-zero score: the 11 loaded but S_B2 */
	test_assert_int(st.scored, 10);
	test_assert_int(ruleset_rule_info(rs, "S_H1", &s, &d), 0);
	test_assert_str(d, "Header one");
	test_assert(near(s, 1.0));
	test_assert_int(ruleset_rule_info(rs, "S_B1", &s, &d), 0);
	test_assert(d == NULL);
	test_assert_int(ruleset_rule_info(rs, "S_B2", &s, &d), 0);
	test_assert(near(s, 0));
	test_assert_int(ruleset_rule_info(rs, "NO_SUCH", &s, &d), -1);
	/* a score without a definition is not a rule */
	test_assert_int(ruleset_rule_info(rs, "NOT_A_RULE", &s, &d), -1);
	test_assert_int(ruleset_rule_info(rs, "S_SKIP", &s, &d), 0);
	ruleset_free(&rs);
	test_end();
}

/* ---- meta expressions directly ---- */

static const char *test_glob(void *ud, const char *glob)
{
	(void)ud;
	return strcmp(glob, "A*") == 0 ? "A+AB" : "0";
}

static double meta_value(const char *src, const double *vals, int *ok_r)
{
	struct arena *a = arena_new(0);
	const char *err = NULL;
	struct meta_prog *p = meta_parse(a, src, test_glob, NULL, &err);
	double v = 0, stack[META_MAX_INSNS + 1];
	double refv[16];
	size_t i;

	*ok_r = p != NULL;
	if (p != NULL) {
		for (i = 0; i < p->nrefs && i < 16; i++) {
			/* vals by name: A=1 AB=2 B=0 C=3 */
			if (strcmp(p->refs[i], "A") == 0)
				refv[i] = vals[0];
			else if (strcmp(p->refs[i], "AB") == 0)
				refv[i] = vals[1];
			else if (strcmp(p->refs[i], "B") == 0)
				refv[i] = vals[2];
			else
				refv[i] = vals[3];
		}
		v = meta_eval(p, refv, stack);
	}
	arena_free(&a);
	return v;
}

/* ---- short-circuit programs (meta_resolve/meta_run) against
   meta_eval ---- */

struct sc_env {
	const double *vals;    /* per value index */
	unsigned int asked;    /* bit per index asked of the callback */
};

/* Values 0 and 1 are "boolean" rules (indexes 0-3), 2-4 count (4-5),
   the cost grows with the index so that chains are reordered. */
static int sc_boolean(void *ud, unsigned int idx)
{
	(void)ud;
	return idx < 4 || idx == 6;
}

static unsigned int sc_cost(void *ud, unsigned int idx)
{
	(void)ud;
	return 10 - idx;
}

static double sc_value(void *ud, unsigned int idx)
{
	struct sc_env *e = ud;

	e->asked |= 1u << idx;
	return e->vals[idx];
}

static void sc_gen(char *out, size_t cap, unsigned int *seed, int depth)
{
	static const char *const names[] = { "R0", "R1", "R2", "R3", "R4", "R5", "R6" };
	static const char *const ops[] = { " && ", " || ", " + ", " > ", " && ", " || ", " == " };
	unsigned int r;

	*seed = *seed * 1103515245u + 12345u;
	r = (*seed >> 16) % 10;
	if (depth >= 3 || r < 3) {
		snprintf(out + strlen(out), cap - strlen(out), "%s", names[(*seed >> 8) % 7]);
		return;
	}
	if (r == 3) {
		snprintf(out + strlen(out), cap - strlen(out), "!");
		sc_gen(out, cap, seed, depth + 1);
		return;
	}
	snprintf(out + strlen(out), cap - strlen(out), "(");
	sc_gen(out, cap, seed, depth + 1);
	snprintf(out + strlen(out), cap - strlen(out), "%s", ops[r - 3]);
	sc_gen(out, cap, seed, depth + 1);
	snprintf(out + strlen(out), cap - strlen(out), ")");
}

static void test_meta_short_circuit(void)
{
	struct meta_ref_info info = { sc_boolean, sc_cost, NULL };
	unsigned int seed = 7, idx[16];
	int round, bad = 0;

	test_begin("meta_resolve/meta_run: same values as meta_eval, fewer lookups");
	/* a known 0 later in an && chain spares the unknown operand */
	{
		struct arena *a = arena_new(0);
		const char *err = NULL;
		struct meta_prog *p = meta_parse(a, "R0 && R1", NULL, NULL, &err);
		double vals[8] = { 0, 0, 0, 0, 0, 1, 0, 0 }, stack[8];
		unsigned char ready[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
		unsigned int id[2] = { 5, 1 };
		struct sc_env env = { vals, 0 };
		struct meta_sprog *sp = meta_resolve(a, p, id, 7, &info);

		/* value 5 (cost 5) runs first, but value 1 (cost 9) is known
		   to be 0: the chain is 0 and value 5 is never asked */
		test_assert(sp != NULL && meta_run(sp, vals, ready, sc_value, &env, stack) == 0);
		test_assert(env.asked == 0);
		arena_free(&a);
	}
	for (round = 0; round < 3000; round++) {
		struct arena *a = arena_new(0);
		char src[2048] = "";
		const char *err = NULL;
		struct meta_prog *p;
		struct meta_sprog *sp;
		double vals[8], refv[16], stack[META_MAX_INSNS + 1], want, got;
		unsigned char ready[8] = { 0 };
		struct sc_env env;
		size_t i;

		sc_gen(src, sizeof(src), &seed, 0);
		p = meta_parse(a, src, NULL, NULL, &err);
		test_assert(p != NULL);
		if (p == NULL) {
			arena_free(&a);
			continue;
		}
		for (i = 0; i < 7; i++) {
			seed = seed * 1103515245u + 12345u;
			/* booleans 0/1, counts 0..3 */
			vals[i] = sc_boolean(NULL, (unsigned int)i) ? (double)((seed >> 16) & 1)
								     : (double)((seed >> 16) & 3);
		}
		vals[7] = 0;
		/* some values known already (ready), as lazy rules settle:
		   M_PEEK may decide a chain from them */
		seed = seed * 1103515245u + 12345u;
		for (i = 0; i < 8; i++)
			ready[i] = (unsigned char)((seed >> (8 + i)) & 1);
		for (i = 0; i < p->nrefs; i++) {
			idx[i] = (unsigned int)(p->refs[i][1] - '0');
			refv[i] = vals[idx[i]];
		}
		want = meta_eval(p, refv, stack);
		sp = meta_resolve(a, p, idx, 7, &info);
		test_assert(sp != NULL);
		env.vals = vals;
		env.asked = 0;
		got = sp != NULL ? meta_run(sp, vals, ready, sc_value, &env, stack) : -1;
		if (!near(got, want) && bad++ < 5)
			fprintf(stderr, "meta \"%s\" (R0..R6 = %g %g %g %g %g %g %g): "
				"short-circuit %g, eval %g\n", src, vals[0], vals[1], vals[2],
				vals[3], vals[4], vals[5], vals[6], got, want);
		test_assert(near(got, want));
		arena_free(&a);
	}
	/* a false cheap operand spares the expensive one */
	{
		struct arena *a = arena_new(0);
		const char *err = NULL;
		struct meta_prog *p = meta_parse(a, "R1 && R0", NULL, NULL, &err);
		double vals[8] = { 1, 0, 0, 0, 0, 0, 0, 0 }, stack[8];
		unsigned char ready[8] = { 0 };
		unsigned int id[2] = { 1, 0 };
		struct sc_env env = { vals, 0 };
		struct meta_sprog *sp = meta_resolve(a, p, id, 7, &info);
		/* R1 costs 9, R0 10: R1 first, 0, and R0 is never asked */
		test_assert(sp != NULL && meta_run(sp, vals, ready, sc_value, &env, stack) == 0);
		test_assert(env.asked == 1u << 1);
		arena_free(&a);
	}
	test_end();
}

static void test_meta_exprs(void)
{
	static const struct {
		const char *src;
		double want;
	} good[] = {
		{ "1 + 2 * 3", 7 },    { "(1 + 2) * 3", 9 },   { "7 - 2 - 1", 4 },
		{ "8 / 2 / 2", 2 },    { "4 / 0", 0 },          { "-2 + 3", 1 },
		{ "!0 + 1", 2 },       { "!!5", 1 },            { "2 > 1 && 0 || 5", 5 },
		{ "0 || 0", 0 },       { "3 && 4", 4 },         { "0 && 4", 0 },
		{ "1 < 2 == 1", 1 },   { "2 >= 2", 1 },         { "2 <= 1", 0 },
		{ "1 != 1", 0 },       { "6 & 3", 2 },          { "6 | 1", 7 },
		{ "6 ^ 3", 5 },        { "1 ? 2 : 3", 2 },      { "0 ? 2 : 3", 3 },
		{ "0 ? 1 : 0 ? 2 : 3", 3 }, { "A + AB + C", 6 }, { "A && AB", 2 },
		{ "B || C", 3 },       { "!B && A", 1 },        { "rules_matching(A*)", 3 },
		{ "rules_matching(Q*) + 1", 1 }, { "()", 0 },   { "  ( A )  ", 1 },
		{ ".5 + .5", 1 },      { "A > 0 && (AB > 1 || B)", 1 },
		{ "1 + + 2", 3 },      { "- - 2", 2 },
	};
	static const char *const bad[] = {
		"", "(", "A &&", "A B", ")", "1 +", "A ? B", "rules_matching", "rules_matching(",
		"rules_matching()", "A $ B", "((((", "1 2", "A =~ B",
	};
	const double vals[4] = { 1, 2, 0, 3 };
	char deep[512];
	size_t i;
	int ok;

	test_begin("meta_parse/meta_eval");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double v = meta_value(good[i].src, vals, &ok);
		if (!ok || !near(v, good[i].want))
			fprintf(stderr, "meta \"%s\": ok=%d got %g want %g\n", good[i].src, ok, v,
				good[i].want);
		test_assert(ok);
		test_assert(near(v, good[i].want));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)meta_value(bad[i], vals, &ok);
		if (ok)
			fprintf(stderr, "meta \"%s\" parsed\n", bad[i]);
		test_assert(!ok);
	}
	/* nesting deeper than META_MAX_DEPTH is refused, within it accepted */
	memset(deep, 0, sizeof(deep));
	for (i = 0; i < 200; i++)
		deep[i] = '(';
	deep[200] = '1';
	for (i = 0; i < 200; i++)
		deep[201 + i] = ')';
	(void)meta_value(deep, vals, &ok);
	test_assert(!ok);
	memset(deep, 0, sizeof(deep));
	for (i = 0; i < 20; i++)
		deep[i] = '(';
	deep[20] = 'C';
	for (i = 0; i < 20; i++)
		deep[21 + i] = ')';
	test_assert(near(meta_value(deep, vals, &ok), 3));
	test_assert(ok);
	test_end();
}

/* ---- robustness: truncated prefixes of a .cf ---- */

static void test_prefixes(void)
{
	static const char cf[] =
		"# prefixes\n"
		"ifplugin Mail::SpamAssassin::Plugin::HeaderEval\n"
		"header P_H From:addr =~ /\\@example\\.com$/i [if-unset: none]\n"
		"endif\n"
		"if (version >= 3.004)\n"
		"body P_B /^foo (?:starts)?/\n"
		"else\n"
		"body P_B /x/\n"
		"endif\n"
		"replace_tag T h[e3]llo\n"
		"body P_T /<T>/i\n"
		"replace_rules P_T\n"
		"uri_detail P_UD host =~ /example/ text !~ /x/\n"
		"meta P_M (P_H + P_B) > 1 && !P_T\n"
		"score P_M 1 2 3 4\n"
		"tflags P_B multiple maxhits=2\n"
		"describe P_M A meta\n";
	size_t n, total = 0;

	test_begin("cf: every truncated prefix loads, compiles and runs");
	for (n = 0; n <= sizeof(cf) - 1; n++) {
		struct ruleset *rs = ruleset_new();
		char *t = strndup(cf, n);
		const char *err = NULL;
		struct run r;
		int rc = ruleset_load_string(rs, "prefix.cf", t, &err);

		test_assert_int(rc, 0);
		test_assert_int(ruleset_compile(rs, &err), 0);
		run_begin(&r);
		run_go(&r, rs, plain_msg, NULL);
		total += r.hits.count;
		run_end(&r);
		ruleset_free(&rs);
		free(t);
	}
	/* the whole file: P_H, P_B (x2), P_T, and P_M not (P_T hits) */
	test_assert(total > 0);
	test_end();
}

/* ---- the stock SpamAssassin ruleset ---- */

static int dir_exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void test_stock_sa(void)
{
	static const enum rule_type types[] = {
		RULE_T_HEADER, RULE_T_BODY, RULE_T_RAWBODY, RULE_T_URI, RULE_T_FULL, RULE_T_META,
	};
	const char *dir = "/usr/share/spamassassin";
	struct ruleset *rs;
	struct rule_stats st;
	const char *err = NULL;
	size_t def = 0, loaded = 0, i, errors;
	const struct rule_lint *lv;
	size_t nl;
	struct run r;
	char *gtube;
	size_t glen;

	test_begin("stock SpamAssassin rules");
	if (!dir_exists(dir)) {
		printf("skip: %s not installed\n", dir);
		test_end();
		return;
	}
	rs = ruleset_new();
	test_assert_int(ruleset_load_path(rs, dir, &err), 0);
	if (err != NULL)
		fprintf(stderr, "load: %s\n", err);
	test_assert_int(ruleset_compile(rs, &err), 0);
	ruleset_stats(rs, &st);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		def += st.defined[types[i]];
		loaded += st.loaded[types[i]];
	}
	printf("stock: %zu of %zu header/body/rawbody/uri/full/meta rules loaded\n", loaded,
	       def);
	test_assert(def > 500);
	test_assert(loaded * 100 >= def * 95);
	nl = ruleset_lint(rs, &lv);
	for (i = 0, errors = 0; i < nl; i++) {
		if (lv[i].severity != RULE_LINT_ERROR)
			continue;
		if (errors++ < 20)
			fprintf(stderr, "lint error: %s:%u: %s: %s\n", lv[i].file, lv[i].line,
				lv[i].rule ? lv[i].rule : "-", lv[i].reason);
	}
	test_assert_int(errors, 0);
	gtube = test_read_file("etc/samples/gtube.eml", &glen);
	run_begin(&r);
	run_go(&r, rs, gtube, NULL);
	test_assert(hit(&r, "GTUBE"));
	test_assert(hits_score(&r.hits) >= ruleset_required_score(rs));
	run_end(&r);
	free(gtube);
	ruleset_free(&rs);
	test_end();
}

/* Engine fixes: atomic/possessive/verbs keep line semantics, a meta
   sees an earlier hit of a name no rule defines, mimeheader reads the
   top-level part and negated mimeheader rules hit (as SpamAssassin 4.0),
   "<pre " at the end of a replace_rules pattern, and the prefilters
   (ASCII-only and squeezed texts) never lose a hit. */
static void test_engine_fixes(void)
{
	static const char lines_msg[] =
		"Subject: s\n\nab here\n\nac here\n\nab here ax\n";
	static const char obfu_msg[] =
		"Subject: offer\n\nBuy a-m.b_i e n today, or V-I-A-G-R-A now.\n";
	static const char obfu_8bit[] =
		"Subject: offer\nContent-Type: text/plain; charset=iso-8859-1\n\n"
		"Buy a.m.b.1.e.n today, caf\xe9.\n";
	struct ruleset *rs;
	struct run r;

	test_begin("run: engine fixes and prefilter modes");
	rs = run_cf(&r,
		    "body ATOMIC /(?>here\\s*)$/\n"
		    "body POSS /here\\s*+$/\n"
		    "body COMMIT /a(*COMMIT)c/\n"
		    "meta M_EXT BAYES_99\n",
		    lines_msg);
	test_assert(hit(&r, "ATOMIC"));
	test_assert(hit(&r, "POSS"));
	test_assert(hit(&r, "COMMIT"));
	run_end(&r);
	run_begin(&r);
	hits_add(&r.hits, "BAYES_99", 3.5, "Bayes", HIT_F_BAYES);
	run_go(&r, rs, plain_msg, NULL);
	test_assert(hit(&r, "M_EXT"));
	run_end(&r);
	ruleset_free(&rs);

	rs = run_cf(&r,
		    "mimeheader MH_ROOT Content-Type =~ /multipart\\/alternative/\n"
		    "mimeheader MH_PART Content-Type =~ /text\\/html/\n"
		    "mimeheader MH_NEG Content-Type !~ /text\\/html/\n"
		    "mimeheader MH_NONE Content-Type =~ /image\\/gif/\n"
		    "body R_PRE /x<pre /\nreplace_rules R_PRE\n",
		    html_msg);
	test_assert(hit(&r, "MH_ROOT"));
	test_assert(hit(&r, "MH_PART"));
	test_assert(hit(&r, "MH_NEG"));
	test_assert(!hit(&r, "MH_NONE"));
	run_end(&r);
	ruleset_free(&rs);

	/* squeezed-text literals: separators between letters; the 8-bit
	   text takes the ordinary path */
	rs = run_cf(&r,
		    "body SQ_AMBIEN /(?:\\b|\\s)[_\\W]{0,3}[a4\\xE0-\\xE6@][_\\W]{0,3}m[_\\W]{0,3}"
		    "b[_\\W]{0,3}[i1!|l\\xEC-\\xEF][_\\W]{0,3}[e3\\xE8-\\xEB][_\\W]{0,3}n/i\n"
		    "body SQ_VIAGRA /v\\W?i\\W?a\\W?g\\W?r\\W?a/i\n"
		    "body SQ_MISS /c\\W?i\\W?a\\W?l\\W?i\\W?s/i\n"
		    "body AS_HIGH /caf(?:\\xe9|\\xc3\\xa9)/\n"
		    "body AS_ASCII /(?:t|\\xe9)oday/\n",
		    obfu_msg);
	test_assert(hit(&r, "SQ_AMBIEN"));
	test_assert(hit(&r, "SQ_VIAGRA"));
	test_assert(!hit(&r, "SQ_MISS"));
	test_assert(!hit(&r, "AS_HIGH"));
	test_assert(hit(&r, "AS_ASCII"));
	run_end(&r);
	run_begin(&r);
	run_go(&r, rs, obfu_8bit, NULL);
	test_assert(hit(&r, "SQ_AMBIEN"));
	test_assert(hit(&r, "AS_HIGH"));
	test_assert(hit(&r, "AS_ASCII"));
	run_end(&r);
	ruleset_free(&rs);
	test_end();
}

/* What the rules ask the network step to look up. */
static void test_net_lookups(void)
{
	struct ruleset *rs = load_cf(
		"header RCVD_IN_X eval:check_rbl('xbl', 'xbl.test.')\n"
		"describe RCVD_IN_X listed\n"
		"tflags RCVD_IN_X net\n"
		"score RCVD_IN_X 0 1.5 0 1.5\n"
		"header __RCVD_IN_Y eval:check_rbl_txt('ylist-lastexternal', 'y.test')\n"
		"tflags __RCVD_IN_Y net nice\n"
		"header RCVD_IN_X_SUB eval:check_rbl_sub('xbl', '127.0.0.2')\n"
		"tflags RCVD_IN_X_SUB net\n"
		"header RCVD_IN_OFF eval:check_rbl('off', 'off.test.')\n"
		"tflags RCVD_IN_OFF net\n"
		"score RCVD_IN_OFF 0\n"
		"urirhssub URIBL_Z z.test. A 2\n"
		"body URIBL_Z eval:check_uridnsbl('URIBL_Z')\n"
		"tflags URIBL_Z net\n"
		"uridnsbl URIBL_T t.test. TXT\n"
		"body URIBL_T eval:check_uridnsbl('URIBL_T')\n"
		"tflags URIBL_T net\n");
	const struct rule_net_lookup *v;
	size_t n = ruleset_net_lookups(rs, &v), i;
	int seen = 0;

	test_begin("net lookups from the rules");
	test_assert_int(n, 4);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].rule, "RCVD_IN_X") == 0) {
			seen |= 1;
			test_assert_int(v[i].kind, RULE_NET_RBL);
			test_assert_str(v[i].set, "xbl");
			test_assert_str(v[i].zone, "xbl.test");
			test_assert_int(v[i].type, 'A');
			test_assert_int(v[i].nice, 0);
		} else if (strcmp(v[i].rule, "__RCVD_IN_Y") == 0) {
			seen |= 2;
			test_assert_str(v[i].set, "ylist-lastexternal");
			test_assert_str(v[i].zone, "y.test");
			test_assert_int(v[i].type, 'T');
			test_assert_int(v[i].nice, 1);
		} else if (strcmp(v[i].rule, "URIBL_Z") == 0) {
			seen |= 4;
			test_assert_int(v[i].kind, RULE_NET_URIBL);
			test_assert_str(v[i].zone, "z.test");
			test_assert_str(v[i].sub, "2");
		} else if (strcmp(v[i].rule, "URIBL_T") == 0) {
			seen |= 8;
			test_assert_int(v[i].type, 'T');
			test_assert_str(v[i].sub, "");
		}
	}
	test_assert_int(seen, 15); /* and not RCVD_IN_OFF (score 0) nor the _sub rule */
	test_end();
	ruleset_free(&rs);
}

int main(void)
{
	test_comments_and_keys();
	test_attrs_before_after();
	test_default_scores();
	test_score_sets();
	test_score_zero();
	test_if_else();
	test_ifplugin();
	test_include();
	test_dir_order();
	test_replace_tags();
	test_lint_lines();
	test_settings();
	test_header_rules();
	test_body_rules();
	test_literal_prefilter();
	test_noamp_gate();
	test_line_windows();
	test_other_types();
	test_multiple();
	test_metas();
	test_meta_value_score();
	test_prior_hits();
	test_subrules();
	test_stats_info();
	test_meta_exprs();
	test_meta_short_circuit();
	test_prefixes();
	test_stock_sa();
	test_engine_fixes();
	test_net_lookups();
	return test_exit();
}
