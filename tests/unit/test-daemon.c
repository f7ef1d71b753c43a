/*
 * test-daemon.c - filterd's shared state (filterd/daemon.c): engines are
 * swapped by a reload while scans hold the old one; and the X-Spam-*
 * header values (filterd/spamhdr.c) in SpamAssassin's form.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/daemon.h"
#include "filterd/daemon_int.h"
#include "filterd/spamhdr.h"
#include "rules/rule.h"
#include "tests/unit/test.h"

static struct scan_engine *engine(const char *required)
{
	struct cfg *c = cfg_new();
	char *err = NULL;
	struct scan_engine *eng;

	test_assert(cfg_set(c, "required_score", required, "test", &err) == 0);
	eng = scan_engine_new(c, &err);
	if (eng == NULL)
		fprintf(stderr, "engine: %s\n", err);
	test_assert(eng != NULL);
	return eng;
}

static void test_engine_swap(void)
{
	struct scan_engine *a, *b, *held;

	test_begin("daemon: reload swaps the engine, a held one stays valid");
	a = engine("5");
	daemon_engine_set(a);
	held = daemon_engine_get();
	test_assert(held == a);
	b = engine("7");
	daemon_engine_set(b);
	/* a scan still using a keeps it */
	test_assert(held->required_score == 5.0);
	daemon_engine_put(held);	/* last reference: a is freed here */
	held = daemon_engine_get();
	test_assert(held == b);
	test_assert(held->required_score == 7.0);
	daemon_engine_put(held);
	daemon_engines_free();
	test_assert(daemon_engine_get() == NULL);
	test_end();
}

static void test_spam_headers(void)
{
	struct scan_engine *eng;
	struct scan_ctx *ctx;
	struct spam_headers h;
	size_t len;
	char *gtube = test_read_file("etc/samples/gtube.eml", &len);

	test_begin("spamhdr: X-Spam-* values for GTUBE");
	eng = engine("5");
	ctx = scan_ctx_new(eng, gtube, len);
	test_assert(scan_run(ctx) == 0);
	spam_headers_build(ctx, 1, "mx.example.test", &h);
	test_assert(h.flag != NULL && strcmp(h.flag, "YES") == 0);
	test_assert(strncmp(h.status, "Yes, score=", 11) == 0);
	test_assert(strstr(h.status, "required=5.0") != NULL);
	test_assert(strstr(h.status, "GTUBE") != NULL);
	test_assert(strstr(h.status, "autolearn=") != NULL);
	test_assert(strlen(h.level) == 50);	/* capped */
	test_assert(h.report != NULL && strstr(h.report, "GTUBE") != NULL);
	test_assert_str(h.checker, "Winnow " PACKAGE_VERSION " on mx.example.test");
	test_assert(spam_header_name("x-spam-flag"));
	test_assert(!spam_header_name("X-Spammy"));
	scan_ctx_free(&ctx);
	{
		struct cfg *c = eng->cfg;
		scan_engine_free(&eng);
		cfg_free(&c);
	}
	free(gtube);
	test_end();
}

/* Folded lines stay within about 78 columns, never split a name. */
static void test_status_folding(void)
{
	struct scan_engine *eng = engine("5");
	const char *msg = "Subject: x\n\nhello\n";
	struct scan_ctx *ctx = scan_ctx_new(eng, msg, strlen(msg));
	struct spam_headers h;
	const char *p;
	size_t i;

	test_begin("spamhdr: tests= folds between names");
	test_assert(scan_run(ctx) == 0);
	for (i = 0; i < 40; i++) {
		char name[32];
		snprintf(name, sizeof(name), "A_LONGISH_RULE_NAME_%02zu", i);
		hits_add(&ctx->hits, arena_strdup(ctx->arena, name), 0.1, "d", 0);
	}
	spam_headers_build(ctx, 0, "h", &h);
	for (p = h.status; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		test_assert(l <= 80);
		if (nl == NULL)
			break;
		test_assert(nl[1] == '\t');
		p = nl + 2;
	}
	test_assert(strstr(h.status, "A_LONGISH_RULE_NAME_39") != NULL);
	test_assert(h.report == NULL);
	scan_ctx_free(&ctx);
	{
		struct cfg *c = eng->cfg;
		scan_engine_free(&eng);
		cfg_free(&c);
	}
	test_end();
}

/* A scan past its deadline stops running rules and says so. */
static void test_deadline(void)
{
	struct scan_engine *eng = engine("5");
	struct arena *a = arena_new(0);
	size_t len;
	char *gtube = test_read_file("etc/samples/gtube.eml", &len);
	struct msg *m = msg_parse(a, gtube, len, &eng->limits);
	struct msg_envelope env;
	struct hit_list hits;
	struct rule_ctx *rc;

	test_begin("rules: a scan past its deadline stops (scan_timeout)");
	memset(&env, 0, sizeof(env));
	hits_init(&hits, a);
	rc = rule_ctx_new(a, eng->rules, m, &env, NULL);
	rc->deadline = 1e-9; /* long past */
	ruleset_run(eng->rules, rc, &hits);
	test_assert(rc->timed_out);
	test_assert(hits_find(&hits, "GTUBE") == NULL);
	/* without a deadline the same message hits */
	rc = rule_ctx_new(a, eng->rules, m, &env, NULL);
	ruleset_run(eng->rules, rc, &hits);
	test_assert(!rc->timed_out);
	test_assert(hits_find(&hits, "GTUBE") != NULL);
	arena_free(&a);
	{
		struct cfg *c = eng->cfg;
		scan_engine_free(&eng);
		cfg_free(&c);
	}
	free(gtube);
	test_end();
}

int main(void)
{
	daemon_log_open("mail", 0);
	test_engine_swap();
	test_spam_headers();
	test_status_folding();
	test_deadline();
	return test_exit();
}
