/*
 * scan.c - the scan pipeline: engine set-up from config and the table
 * of checks every message goes through (see scan.h).
 *
 * Order matters: checks that produce facts for others come first (Bayes;
 * network checks will join it before "rules", whose metas and eval
 * functions read their results); autolearn, which judges by the rules'
 * score, is last.
 */
#include "filterd/scan.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include "config.h"
#include "filterd/check_attach.h"
#include "filterd/dkim_sign.h"
#include "filterd/scan_av.h"
#include "filterd/scan_awl.h"
#include "filterd/scan_bayes.h"
#include "filterd/scan_net.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "rules/rule.h"

static int scan_rules_run(struct scan_ctx *ctx, void *state, const char **err_r);

/* "net" sends its DNS queries first; Bayes classifies while they are
   out; "net results" collects them just before the rules read them. */
static const struct scan_check scan_checks[] = {
	{ "net", scan_net_load, scan_net_unload, scan_net_start },
	/* the virus scan runs while the DNS answers are on their way */
	{ "av", scan_av_load, scan_av_unload, scan_av_run },
	{ "bayes", scan_bayes_load, scan_bayes_unload, scan_bayes_run },
	{ "net results", NULL, NULL, scan_net_collect },
	/* banned attachments: hits the rules' metas may read, and an action */
	{ "attach", attach_load, attach_unload, attach_run },
	{ "rules", NULL, NULL, scan_rules_run },
	{ "awl", scan_awl_load, scan_awl_unload, scan_awl_run },
	{ "autolearn", NULL, NULL, scan_autolearn_run },
	/* loads the signing keys at start (a bad key stops filterd); signing
	   itself is the milter's, at the end of the message */
	{ "dkim sign", dkim_sign_load, dkim_sign_unload, dkim_sign_run },
};

/* Rules run after every check that finds facts (their evals and metas
   read them); only autolearn, which judges by their score, comes after. */
static int scan_rules_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct rule_ctx *rc;

	unsigned int limit = cfg_uint(ctx->engine->cfg, "scan_timeout");

	(void)state;
	rc = scan_rule_ctx(ctx);
	if (limit > 0)
		rc->deadline = ctx->started + (double)limit;
	ruleset_run(ctx->engine->rules, rc, &ctx->hits);
	if (rc->timed_out) {
		*err_r = arena_printf(ctx->arena, "scan over scan_timeout (%u s)", limit);
		return -1;
	}
	return 0;
}

struct rule_ctx *scan_rule_ctx(struct scan_ctx *ctx)
{
	if (ctx->rule_ctx == NULL)
		ctx->rule_ctx = rule_ctx_new(ctx->arena, ctx->engine->rules, ctx->msg,
					     &ctx->env, &ctx->facts);
	return ctx->rule_ctx;
}

void scan_msg_limits(const struct cfg *c, struct msg_limits *lim)
{
	msg_limits_default(lim);
	lim->max_size = cfg_size(c, "msg_max_size");
	lim->max_line = cfg_size(c, "msg_max_line");
	lim->max_header_size = cfg_size(c, "msg_max_header_size");
	lim->max_headers = cfg_uint(c, "msg_max_headers");
	lim->max_parts = cfg_uint(c, "msg_max_parts");
	lim->max_depth = cfg_uint(c, "msg_max_depth");
	lim->max_decoded = cfg_size(c, "msg_max_decoded");
	lim->max_text = cfg_size(c, "msg_max_text");
	lim->max_uris = cfg_uint(c, "msg_max_uris");
	lim->max_html_depth = cfg_uint(c, "msg_max_html_depth");
}

/* "default" is the shipped ruleset: installed copy if present, else the
   source tree (running from a build directory). */
static const char *scan_rules_path(const char *word)
{
	struct stat st;

	if (strcmp(word, "default") != 0)
		return word;
	if (stat(WN_DATADIR "/rules", &st) == 0)
		return WN_DATADIR "/rules";
	return WN_SRCDIR "/rules/default";
}

static struct ruleset *scan_load_rules(const struct cfg *c, char **err_r)
{
	struct ruleset *rs = ruleset_new();
	const char *const *dirs;
	const char *err = NULL;
	size_t i, n = cfg_list(c, "rules_dir", &dirs);

	if (n == 0) {
		*err_r = xstrdup("rules_dir: no rule directory configured");
		ruleset_free(&rs);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (ruleset_load_path(rs, scan_rules_path(dirs[i]), &err) < 0)
			break;
	}
	if (err == NULL)
		(void)ruleset_compile(rs, &err);
	if (err != NULL) {
		*err_r = xstrdup(err);
		ruleset_free(&rs);
		return NULL;
	}
	return rs;
}

static struct scan_engine *engine_new(struct cfg *cfg, int read_only, char **err_r)
{
	struct scan_engine *eng = xcalloc(1, sizeof(*eng));
	size_t i;

	eng->cfg = cfg;
	eng->read_only_db = read_only;
	scan_msg_limits(cfg, &eng->limits);
	eng->rules = scan_load_rules(cfg, err_r);
	if (eng->rules == NULL) {
		free(eng);
		return NULL;
	}
	eng->required_score = cfg_double(cfg, "required_score");
	ruleset_set_required_score(eng->rules, eng->required_score);
	for (i = 0; i < N_ELEMENTS(scan_checks); i++) {
		const char *err = NULL;
		if (scan_checks[i].load == NULL)
			continue;
		if (scan_checks[i].load(eng, &eng->check_state[i], &err) < 0) {
			struct buf b = BUF_INIT;
			buf_printf(&b, "%s: %s", scan_checks[i].name, err);
			*err_r = buf_steal(&b);
			scan_engine_free(&eng);
			return NULL;
		}
	}
	return eng;
}

struct scan_engine *scan_engine_new(struct cfg *cfg, char **err_r)
{
	return engine_new(cfg, 0, err_r);
}

struct scan_engine *scan_engine_new_ro(struct cfg *cfg, char **err_r)
{
	return engine_new(cfg, 1, err_r);
}

void scan_engine_free(struct scan_engine **engp)
{
	struct scan_engine *eng = *engp;
	size_t i;

	if (eng == NULL)
		return;
	for (i = 0; i < N_ELEMENTS(scan_checks); i++) {
		if (scan_checks[i].unload != NULL && eng->check_state[i] != NULL)
			scan_checks[i].unload(eng->check_state[i]);
	}
	ruleset_free(&eng->rules);
	free(eng);
	*engp = NULL;
}

struct scan_ctx *scan_ctx_new(const struct scan_engine *eng, const void *raw,
			      size_t len)
{
	struct arena *a = arena_new(64 * 1024);
	struct scan_ctx *ctx = arena_zalloc(a, sizeof(*ctx));

	ctx->arena = a;
	ctx->engine = eng;
	ctx->raw = arena_strndup(a, raw, len);
	ctx->raw_len = len;
	hits_init(&ctx->hits, a);
	return ctx;
}

int scan_run(struct scan_ctx *ctx)
{
	const struct scan_engine *eng = ctx->engine;
	size_t i;

	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ctx->started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ctx->msg = msg_parse(ctx->arena, ctx->raw, ctx->raw_len, &eng->limits);
	for (i = 0; i < N_ELEMENTS(scan_checks); i++) {
		const char *err = NULL;
		if (scan_checks[i].run(ctx, eng->check_state[i], &err) < 0) {
			ctx->verdict = SCAN_ERROR;
			ctx->error = arena_printf(ctx->arena, "%s: %s",
						  scan_checks[i].name,
						  err ? err : "failed");
			return -1;
		}
	}
	hits_sort(&ctx->hits);
	ctx->score = hits_score(&ctx->hits);
	if (ctx->virus != NULL)
		ctx->verdict = SCAN_VIRUS;
	else
		ctx->verdict = ctx->score >= eng->required_score ? SCAN_SPAM : SCAN_HAM;
	return 0;
}

/* The table entry of the antivirus step. */
static size_t scan_av_index(void)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(scan_checks); i++)
		if (scan_checks[i].run == scan_av_run)
			break;
	return i;
}

int scan_run_av_only(struct scan_ctx *ctx)
{
	const char *err = NULL;
	size_t i = scan_av_index();

	ctx->verdict = SCAN_HAM;
	if (scan_checks[i].run(ctx, ctx->engine->check_state[i], &err) < 0) {
		ctx->verdict = SCAN_ERROR;
		ctx->error = arena_printf(ctx->arena, "av: %s", err ? err : "failed");
		return -1;
	}
	if (ctx->virus != NULL)
		ctx->verdict = SCAN_VIRUS;
	return 0;
}

void scan_ctx_free(struct scan_ctx **ctxp)
{
	struct arena *a;

	if (*ctxp == NULL)
		return;
	a = (*ctxp)->arena;
	arena_free(&a);
	*ctxp = NULL;
}

void scan_demand(struct scan_ctx *ctx, enum scan_action act, const char *reason)
{
	if (act <= ctx->action)
		return;
	ctx->action = act;
	ctx->action_reason = arena_strdup(ctx->arena, reason);
}

static const char *const scan_action_names[] = {
	"none", "header", "quarantine", "discard", "tempfail", "reject",
};

const char *scan_action_name(enum scan_action a)
{
	return (size_t)a < N_ELEMENTS(scan_action_names) ? scan_action_names[a] : "?";
}

int scan_action_parse(const char *s)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(scan_action_names); i++)
		if (strcasecmp(s, scan_action_names[i]) == 0)
			return (int)i;
	return -1;
}
