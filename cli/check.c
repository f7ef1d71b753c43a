/*
 * check.c - `winnow check`: scan messages with one loaded engine and
 * print SpamAssassin-style reports, or JSON lines with --json.
 *
 * Envelope options feed the checks that need them (SPF, DNSBL, AWL);
 * without them the facts come from the message's own headers. The Bayes
 * database is only read: `winnow check` never autolearns.
 * Several messages are scanned in parallel (-j N threads, one per CPU by
 * default); reports come out in input order all the same.
 * Exit: 0 ham, 1 spam (any message spam when several), >= 2 errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "filterd/scan.h"
#include "filterd/scan_bayes.h"
#include "filterd/scan_net.h"
#include "lib/buf.h"
#include "lib/mailbox.h"
#include "lib/opool.h"
#include "lib/wn.h"

struct check_opts {
	struct cli_conf conf;
	int json;
	unsigned int jobs;      /* -j: scanning threads (0: one per CPU) */
	struct msg_envelope env;
};

struct check_run {
	const struct check_opts *opts;
	struct scan_engine *eng;
	struct opool *pool;     /* scanning threads (-j) */
	unsigned int scanned, spam, errors;
};

/* One message: a copy of its bytes (a pool thread scans it), and the
   report made of it. */
struct check_job {
	char *name;
	char *data;
	size_t len;
	struct buf out;
	int spam, error;
};

static struct check_job *check_job_new(const char *name, const char *data, size_t len)
{
	struct check_job *j = xcalloc(1, sizeof(*j));

	j->name = xstrdup(name);
	j->len = len;
	j->data = xmalloc(len + 1);
	memcpy(j->data, data, len);
	j->data[len] = '\0';
	return j;
}

static void check_job_free(struct check_job *j)
{
	buf_free(&j->out);
	free(j->data);
	free(j->name);
	free(j);
}

static const char *check_verdict_name(enum scan_verdict v)
{
	switch (v) {
	case SCAN_HAM: return "ham";
	case SCAN_SPAM: return "spam";
	case SCAN_REJECT: return "reject";
	case SCAN_VIRUS: return "virus";
	case SCAN_ERROR: return "error";
	}
	return "error";
}

/* "authres": the Authentication-Results field filterd would add, when
   the network checks ran (authserv-id: the authserv_id key, else
   "localhost": no daemon, no host name of its own to claim). */
static void check_json_authres(struct buf *b, const struct scan_ctx *ctx)
{
	const char *id = cfg_str(ctx->engine->cfg, "authserv_id");
	const char *ar = scan_net_authres((struct scan_ctx *)ctx,
					  id != NULL && id[0] != '\0' ? id : "localhost");

	struct buf line = BUF_INIT;

	if (ar == NULL)
		return;
	/* one line: the folding is for mail, not for JSON readers */
	for (; *ar != '\0'; ar++) {
		if (*ar == '\n')
			continue;
		buf_append(&line, *ar == '\t' ? " " : ar, 1);
	}
	buf_append_str(b, ",\"authres\":\"");
	buf_append_json(b, line.data, line.len);
	buf_append_str(b, "\"");
	buf_free(&line);
}

static void check_json_str(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, ",\"%s\":\"", key);
	buf_append_json(b, v, strlen(v));
	buf_append_str(b, "\"");
}

/* "virus" (the signature name), "av_status" (the X-Virus-Status value)
   and "action"/"action_reason" (what a check asked the front-end to do:
   virus_action, the attachment policy), when they apply. */
static void check_json_av(struct buf *b, const struct scan_ctx *ctx)
{
	if (ctx->virus != NULL)
		check_json_str(b, "virus", ctx->virus);
	if (ctx->av_status != NULL)
		check_json_str(b, "av_status", ctx->av_status);
	if (ctx->action != SCAN_ACT_NONE) {
		check_json_str(b, "action", scan_action_name(ctx->action));
		check_json_str(b, "action_reason", ctx->action_reason);
	}
}

static void check_format_json(struct buf *out, const char *name, const struct scan_ctx *ctx)
{
	struct buf b = BUF_INIT;
	size_t i, n = 0;

	buf_append_str(&b, "{\"file\":\"");
	buf_append_json(&b, name, strlen(name));
	buf_printf(&b, "\",\"score\":%.3f,\"required\":%.1f,\"verdict\":\"%s\",\"hits\":[",
		   ctx->score, ctx->engine->required_score,
		   check_verdict_name(ctx->verdict));
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (h->flags & HIT_F_SUBRULE)
			continue;
		buf_append_str(&b, n++ ? ",{\"name\":\"" : "{\"name\":\"");
		buf_append_json(&b, h->name, strlen(h->name));
		buf_printf(&b, "\",\"score\":%.3f,\"description\":\"", h->score);
		if (h->description != NULL)
			buf_append_json(&b, h->description, strlen(h->description));
		buf_append_str(&b, "\"}");
	}
	buf_append_str(&b, "]");
	if (scan_bayes_prob(ctx) >= 0)
		buf_printf(&b, ",\"bayes\":%.6f", scan_bayes_prob(ctx));
	else
		buf_append_str(&b, ",\"bayes\":null");
	check_json_authres(&b, ctx);
	check_json_av(&b, ctx);
	if (ctx->verdict == SCAN_ERROR && ctx->error != NULL) {
		buf_append_str(&b, ",\"error\":\"");
		buf_append_json(&b, ctx->error, strlen(ctx->error));
		buf_append_str(&b, "\"");
	}
	buf_append_str(&b, "}\n");
	buf_append(out, b.data, b.len);
	buf_free(&b);
}

/* The layout of spamassassin -t's report. */
static void check_format_text(struct buf *b, const char *name, const struct scan_ctx *ctx)
{
	size_t i;

	buf_printf(b, "%s: %s", name, check_verdict_name(ctx->verdict));
	if (ctx->virus != NULL)
		buf_printf(b, " %s", ctx->virus);
	buf_append_str(b, "\n");
	if (ctx->av_status != NULL)
		buf_printf(b, "Virus scan: %s\n", ctx->av_status);
	if (ctx->action != SCAN_ACT_NONE)
		buf_printf(b, "Action: %s (%s)\n", scan_action_name(ctx->action),
			   ctx->action_reason);
	buf_printf(b, "Content analysis details:   (%.1f points, %.1f required)\n\n",
		   ctx->score, ctx->engine->required_score);
	buf_append_str(b, " pts rule name              description\n");
	buf_append_str(b, "---- ---------------------- "
			  "--------------------------------------------------\n");
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (h->flags & HIT_F_SUBRULE)
			continue;
		buf_printf(b, "%4.1f %-22s %s\n", h->score, h->name,
			   h->description ? h->description : "");
	}
	if (ctx->verdict == SCAN_ERROR)
		buf_printf(b, "error: %s\n", ctx->error);
	buf_append_str(b, "\n");
}

/* Scans one message (on a pool thread); its report goes to j->out. */
static void check_scan(void *vrun, void *vj)
{
	const struct check_run *run = vrun;
	struct check_job *j = vj;

	struct scan_ctx *ctx = scan_ctx_new(run->eng, j->data, j->len);

	ctx->env = run->opts->env;
	(void)scan_run(ctx);
	if (run->opts->json)
		check_format_json(&j->out, j->name, ctx);
	else
		check_format_text(&j->out, j->name, ctx);
	j->spam = ctx->verdict == SCAN_SPAM || ctx->verdict == SCAN_REJECT ||
		  ctx->verdict == SCAN_VIRUS;
	j->error = ctx->verdict == SCAN_ERROR;
	scan_ctx_free(&ctx);
}

/* Prints a scanned message's report and counts it (in input order);
   frees the job. */
static void check_finish(void *vrun, void *vj)
{
	struct check_run *run = vrun;
	struct check_job *j = vj;

	fwrite(j->out.data, 1, j->out.len, stdout);
	run->scanned++;
	run->spam += j->spam;
	run->errors += j->error;
	check_job_free(j);
}

static int check_one(void *vrun, const char *name, const char *data, size_t len)
{
	struct check_run *run = vrun;

	opool_submit(run->pool, check_job_new(name, data, len));
	return 0;
}

enum { OPT_JSON = 256, OPT_CLIENT_IP, OPT_HELO, OPT_MAIL_FROM, OPT_RCPT };

static const struct option check_longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "client-ip", required_argument, NULL, OPT_CLIENT_IP },
	{ "helo", required_argument, NULL, OPT_HELO },
	{ "mail-from", required_argument, NULL, OPT_MAIL_FROM },
	{ "rcpt", required_argument, NULL, OPT_RCPT },
	{ "jobs", required_argument, NULL, 'j' },
	{ "local", no_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void check_add_rcpt(struct msg_envelope *env, const char *rcpt)
{
	env->rcpts = xrealloc(env->rcpts, (env->nrcpts + 1) * sizeof(*env->rcpts));
	env->rcpts[env->nrcpts++] = rcpt;
}

/* Returns 0, or an exit code. */
static int check_parse_args(int argc, char **argv, struct check_opts *o)
{
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:j:Lh", check_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf.conf_path = optarg; break;
		case 'o': cli_conf_add_override(&o->conf, optarg); break;
		case OPT_JSON: o->json = 1; break;
		case 'L': cli_conf_add_override(&o->conf, "use_network=no"); break;
		case OPT_CLIENT_IP: o->env.client_ip = optarg; break;
		case OPT_HELO: o->env.helo = optarg; break;
		case OPT_MAIL_FROM: o->env.mail_from = optarg; break;
		case OPT_RCPT: check_add_rcpt(&o->env, optarg); break;
		case 'j':
			if (cli_parse_jobs("check", optarg, &o->jobs) < 0)
				return EX_USAGE;
			break;
		case 'h':
			printf("usage: winnow check [-c CONF] [-o KEY=VALUE]... [--json] [-L] [-j N] "
			       "[--client-ip IP] [--helo NAME] [--mail-from ADDR] "
			       "[--rcpt ADDR]... [PATH...]\n");
			return EX_OK + 256;
		default:
			return EX_USAGE;
		}
	}
	return 0;
}

static int check_exit_code(const struct check_run *run, int read_failed)
{
	if (read_failed)
		return EX_NOINPUT;
	if (run->errors > 0)
		return EX_SOFTWARE;
	return run->spam > 0 ? 1 : 0;
}

int cli_check(int argc, char **argv)
{
	struct check_opts o;
	struct check_run run;
	struct cfg *cfg;
	char *err = NULL;
	int i, rc, read_failed = 0;

	memset(&o, 0, sizeof(o));
	memset(&run, 0, sizeof(run));
	rc = check_parse_args(argc, argv, &o);
	cfg = rc == 0 ? cli_conf_load(&o.conf) : NULL;
	free(o.conf.overrides);
	if (rc != 0 || cfg == NULL) {
		free(o.env.rcpts);
		return rc == EX_OK + 256 ? 0 : rc != 0 ? rc : EX_CONFIG;
	}
	run.opts = &o;
	run.eng = scan_engine_new_ro(cfg, &err);
	if (run.eng == NULL) {
		fprintf(stderr, "winnow: %s\n", err);
		free(err);
		cfg_free(&cfg);
		free(o.env.rcpts);
		return EX_CONFIG;
	}
	run.pool = opool_new(o.jobs, check_scan, check_finish, &run);
	for (i = optind; i < argc || (i == optind && optind == argc); i++) {
		const char *path = i < argc ? argv[i] : "-";
		if (mailbox_read(path, run.eng->limits.max_size, check_one, &run, &err) < 0) {
			fprintf(stderr, "winnow: %s\n", err);
			free(err);
			err = NULL;
			read_failed = 1;
		}
		if (i >= argc)
			break;
	}
	opool_free(&run.pool);
	rc = check_exit_code(&run, read_failed);
	scan_engine_free(&run.eng);
	cfg_free(&cfg);
	free(o.env.rcpts);
	return rc;
}
