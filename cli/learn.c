/*
 * learn.c - `winnow learn`: train the Bayes database on messages the
 * user has sorted (files, Maildirs, mboxes, or one message on stdin for
 * imapsieve and procmail pipes), or forget what was learned wrongly.
 *
 * Each message is learned once: the seen table (db/) remembers its id,
 * so learning a folder again changes nothing, and learning a message as
 * the other class moves its counts over. With --on-error (or the key
 * bayes_learn_on_error) a message Bayes already judges right is skipped
 * (train on error). Messages are parsed and tokenized in -j N threads
 * (one per CPU by default) and learned in input order. On a terminal a
 * progress bar with the rate goes to stderr; the one-line summary goes
 * to stdout in every case.
 *
 * The whole run is one db batch (db.h): a few large transactions instead
 * of one per message. Its counts come from what the batch committed, so
 * after a database failure the summary shows the learns that were rolled
 * back as failed, not as learned.
 *
 * Exit: 0 when every message was handled (learned, or already known),
 * 66 an unreadable path, 74 a database failure, 78 a configuration error,
 * 64 usage; sysexits.h, as scripts and MTAs expect.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bayes/bayes.h"
#include "cli/cli.h"
#include "db/db.h"
#include "filterd/scan.h"
#include "filterd/scan_bayes.h"
#include "lib/buf.h"
#include "lib/mailbox.h"
#include "lib/opool.h"
#include "lib/wn.h"

enum learn_mode { LEARN_NONE, LEARN_SPAM, LEARN_HAM, LEARN_FORGET };

struct learn_opts {
	struct cli_conf conf;
	enum learn_mode mode;
	int on_error;
	const char *user;
	unsigned int jobs;       /* -j: tokenizing threads (0: one per CPU) */
};

struct learn_run {
	const struct learn_opts *o;
	struct db *db;
	struct bayes_params params;
	struct msg_limits limits;
	int on_error;
	time_t now;
	/* counts */
	unsigned long total, done, learned, already, skipped, failed;
	double started, shown;
	int bar;                 /* draw the progress bar (stderr is a terminal) */
	struct opool *pool;      /* tokenizing threads (-j) */
	struct learn_job *spare; /* finished jobs kept for reuse (reading thread only) */
	const char *err;         /* the first database failure */
};

static double learn_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *learn_mode_name(enum learn_mode m)
{
	return m == LEARN_SPAM ? "spam" : m == LEARN_HAM ? "ham" : "forget";
}

#define BAR_WIDTH 30

static void learn_bar(struct learn_run *r, int last)
{
	double now = learn_clock(), rate;
	char bar[BAR_WIDTH + 1];
	size_t fill = 0;

	if (!r->bar || (!last && now - r->shown < 0.1))
		return;
	r->shown = now;
	rate = now > r->started ? (double)r->done / (now - r->started) : 0;
	if (r->total > 0)
		fill = (size_t)((double)BAR_WIDTH * (double)r->done / (double)r->total);
	memset(bar, '#', fill);
	memset(bar + fill, '-', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r%s [%s] %lu/%lu  %.0f msgs/s ", learn_mode_name(r->o->mode), bar,
		r->done, r->total, rate);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

static int learn_count_one(void *vr, const char *name, const char *data, size_t len)
{
	(void)name;
	(void)data;
	(void)len;
	((struct learn_run *)vr)->total++;
	return 0;
}

/* Train on error: is Bayes already right about this message? */
static int learn_already_right(struct learn_run *r, const struct tok_list *t,
			       struct arena *a)
{
	struct bayes_result res;
	const char *err = NULL;
	enum bayes_verdict v;

	if (r->o->mode == LEARN_FORGET ||
	    bayes_classify(r->db, t->hashes, t->count, &r->params, a, &res, &err) < 0 ||
	    res.status != BAYES_OK)
		return 0;
	v = bayes_judge(res.prob, &r->params);
	return (r->o->mode == LEARN_SPAM && v == BAYES_SPAM) ||
	       (r->o->mode == LEARN_HAM && v == BAYES_HAM);
}

/* Learns or forgets one message; 0, or -1 with *err_r. */
static int learn_apply(struct learn_run *r, uint64_t msgid, const struct tok_list *t,
		       struct arena *a, const char **err_r)
{
	enum db_learn_result lr;

	if (r->on_error && learn_already_right(r, t, a)) {
		r->skipped++;
		return 0;
	}
	/* the result is counted when the batch commits (learn_count) */
	if (r->o->mode == LEARN_FORGET)
		return db_forget(r->db, msgid, t->hashes, t->count, &lr, err_r);
	return db_learn(r->db, msgid, r->o->mode == LEARN_SPAM ? DB_SPAM : DB_HAM,
			t->hashes, t->count, r->now, &lr, err_r);
}

/* One message: parsed and tokenized on a pool thread (learn_tokenize),
   then learned in input order on the reading thread (learn_store),
   which alone talks to the database. */
struct learn_job {
	struct arena *arena;
	char *data;
	size_t len, cap;         /* of data */
	struct tok_list toks;
	uint64_t msgid;
	struct learn_job *next;  /* in learn_run.spare */
};

static void learn_tokenize(void *vr, void *vj)
{
	const struct learn_run *r = vr;
	struct learn_job *j = vj;
	const struct msg *m = msg_parse(j->arena, j->data, j->len, &r->limits);

	tok_message(m, &r->params.tok, j->arena, &j->toks);
	j->msgid = bayes_msgid(m);
}

static void learn_store(void *vr, void *vj)
{
	struct learn_run *r = vr;
	struct learn_job *j = vj;
	const char *err = NULL;

	if (r->err == NULL && learn_apply(r, j->msgid, &j->toks, j->arena, &err) < 0) {
		r->failed++;
		r->err = xstrdup(err != NULL ? err : "unknown error");
	}
	r->done++;
	learn_bar(r, 0);
	/* kept, not freed: a fresh arena and buffer for each message cost
	   page faults and cross-thread frees (measured, about 5%) */
	arena_reset(j->arena);
	j->next = r->spare;
	r->spare = j;
}

/* A job for a message of len bytes: a spare one or a new one. */
static struct learn_job *learn_job_get(struct learn_run *r, size_t len)
{
	struct learn_job *j = r->spare;

	if (j != NULL) {
		r->spare = j->next;
	} else {
		j = xcalloc(1, sizeof(*j));
		j->arena = arena_new(64 * 1024);
	}
	if (j->cap < len + 1) {
		free(j->data);
		j->cap = len + 1 > 64 * 1024 ? len + 1 : 64 * 1024;
		j->data = xmalloc(j->cap);
	}
	memset(&j->toks, 0, sizeof(j->toks));
	return j;
}

static void learn_jobs_free(struct learn_run *r)
{
	struct learn_job *j;

	while ((j = r->spare) != NULL) {
		r->spare = j->next;
		arena_free(&j->arena);
		free(j->data);
		free(j);
	}
}

static int learn_one(void *vr, const char *name, const char *data, size_t len)
{
	struct learn_run *r = vr;
	struct learn_job *j = learn_job_get(r, len);

	(void)name;
	memcpy(j->data, data, len);
	j->data[len] = '\0';
	j->len = len;
	opool_submit(r->pool, j);
	return r->err != NULL; /* a database failure stops the run */
}

enum { OPT_SPAM = 256, OPT_HAM, OPT_FORGET, OPT_ON_ERROR, OPT_USER };

static const struct option learn_longopts[] = {
	{ "spam", no_argument, NULL, OPT_SPAM },
	{ "ham", no_argument, NULL, OPT_HAM },
	{ "forget", no_argument, NULL, OPT_FORGET },
	{ "on-error", no_argument, NULL, OPT_ON_ERROR },
	{ "user", required_argument, NULL, OPT_USER },
	{ "jobs", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char learn_usage[] =
	"usage: winnow learn [-c CONF] [-o KEY=VALUE]... --spam|--ham|--forget\n"
	"                    [--on-error] [--user ADDRESS] [-j N] [PATH...]\n"
	"  PATH: a message file, a Maildir, an mbox or a directory; none or - reads stdin\n";

static int learn_set_mode(struct learn_opts *o, enum learn_mode m)
{
	if (o->mode != LEARN_NONE && o->mode != m) {
		fprintf(stderr, "winnow learn: give one of --spam, --ham, --forget\n");
		return EX_USAGE;
	}
	o->mode = m;
	return 0;
}

/* Returns 0, or an exit code (EX_OK + 256 after --help). */
static int learn_parse_args(int argc, char **argv, struct learn_opts *o)
{
	int ch, rc = 0;

	optind = 1;
	while (rc == 0 && (ch = getopt_long(argc, argv, "c:o:j:h", learn_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf.conf_path = optarg; break;
		case 'o': cli_conf_add_override(&o->conf, optarg); break;
		case OPT_SPAM: rc = learn_set_mode(o, LEARN_SPAM); break;
		case OPT_HAM: rc = learn_set_mode(o, LEARN_HAM); break;
		case OPT_FORGET: rc = learn_set_mode(o, LEARN_FORGET); break;
		case OPT_ON_ERROR: o->on_error = 1; break;
		case OPT_USER: o->user = optarg; break;
		case 'j':
			if (cli_parse_jobs("learn", optarg, &o->jobs) < 0)
				rc = EX_USAGE;
			break;
		case 'h':
			fputs(learn_usage, stdout);
			return EX_OK + 256;
		default:
			return EX_USAGE;
		}
	}
	if (rc == 0 && o->mode == LEARN_NONE) {
		fputs(learn_usage, stderr);
		rc = EX_USAGE;
	}
	return rc;
}

/* The store to train: --user's (bayes_user_path) or db_path. */
static const char *learn_db_path(const struct cfg *c, const char *user, struct arena *a)
{
	const char *up = cfg_str(c, "bayes_user_path");

	if (user == NULL)
		return cfg_str(c, "db_path");
	if (up[0] == '\0') {
		fprintf(stderr, "winnow learn: --user needs bayes_user_path to be set\n");
		return NULL;
	}
	return db_path_user(a, up, user);
}

static void learn_expire(struct learn_run *r, const struct cfg *c)
{
	struct db_expire_params p;
	struct db_expire_result res;
	const char *err = NULL;

	if (!cfg_bool(c, "bayes_auto_expire") || r->learned == 0)
		return;
	scan_bayes_expire_params(c, &p);
	if (db_expire(r->db, &p, &res, &err) < 0)
		fprintf(stderr, "winnow learn: expiry failed: %s\n", err);
	else if (res.removed_rare + res.removed_old > 0)
		printf("expired %llu tokens, %llu left\n",
		       (unsigned long long)(res.removed_rare + res.removed_old),
		       (unsigned long long)res.tokens_left);
}

static void learn_summary(struct learn_run *r)
{
	double secs = learn_clock() - r->started;
	struct db_totals t = { 0, 0 };
	const char *err = NULL;

	learn_bar(r, 1);
	(void)db_get_totals(r->db, &t, &err);
	printf("%s: %lu messages, %lu %s, %lu already%s, %lu skipped (right already), "
	       "%lu failed; %.2f s, %.0f msgs/s; database: %llu spam, %llu ham\n",
	       learn_mode_name(r->o->mode), r->done, r->learned,
	       r->o->mode == LEARN_FORGET ? "forgotten" : "learned",
	       r->already, r->o->mode == LEARN_FORGET ? " not learned" : " learned",
	       r->skipped, r->failed, secs, secs > 0 ? (double)r->done / secs : 0,
	       (unsigned long long)t.spam, (unsigned long long)t.ham);
}

/* Reads every PATH (stdin without one); 0 or EX_NOINPUT. */
static int learn_paths(struct learn_run *r, int argc, char **argv, mailbox_cb *cb)
{
	char *err = NULL;
	int i, rc = 0;

	for (i = optind; i < argc || (i == optind && optind == argc); i++) {
		const char *path = i < argc ? argv[i] : "-";
		int got = mailbox_read(path, r->limits.max_size, cb, r, &err);
		if (got < 0) {
			fprintf(stderr, "winnow learn: %s\n", err);
			free(err);
			err = NULL;
			rc = EX_NOINPUT;
		} else if (got > 0) {
			break; /* stopped: a database failure */
		}
		if (i >= argc)
			break;
	}
	return rc;
}

/* The summary's counts from what the batch committed; learns it rolled
   back after a failure are failed ones. */
static void learn_count(struct learn_run *r)
{
	const struct db_batch_stats *st = db_batch_stats(r->db);

	r->learned = st->results[DB_LEARNED] + st->results[DB_RELEARNED] +
		     st->results[DB_FORGOTTEN];
	r->already = st->results[DB_ALREADY] + st->results[DB_NOT_LEARNED];
	r->failed += st->lost;
}

static int learn_run_all(struct learn_run *r, const struct cfg *c, int argc, char **argv)
{
	const char *err = NULL;
	int rc = 0;

	r->bar = isatty(STDERR_FILENO) && optind < argc && strcmp(argv[optind], "-") != 0;
	if (r->bar)
		(void)learn_paths(r, argc, argv, learn_count_one);
	r->started = learn_clock();
	if (db_batch_begin(r->db, &err) < 0) {
		r->err = xstrdup(err);
	} else {
		r->pool = opool_new(r->o->jobs, learn_tokenize, learn_store, r);
		rc = learn_paths(r, argc, argv, learn_one);
		opool_free(&r->pool); /* the last ones learned */
		learn_jobs_free(r);
		if (db_batch_commit(r->db, &err) < 0 && r->err == NULL)
			r->err = xstrdup(err);
	}
	learn_count(r);
	learn_summary(r);
	if (r->err != NULL) {
		fprintf(stderr, "winnow learn: database %s: %s\n", db_path(r->db), r->err);
		return EX_IOERR;
	}
	learn_expire(r, c);
	return rc;
}

int cli_learn_message(const struct cfg *c, const char *data, size_t len, int spam,
		      enum db_learn_result *result_r, char **err_r)
{
	struct arena *a = arena_new(64 * 1024);
	struct bayes_params params;
	struct msg_limits limits;
	struct tok_list toks;
	const struct msg *m;
	const char *err = NULL;
	struct db *db;
	int ret = -1;

	/* what learn_tokenize and learn_apply do for each message */
	scan_bayes_params(c, &params);
	scan_msg_limits(c, &limits);
	m = msg_parse(a, data, len, &limits);
	memset(&toks, 0, sizeof(toks));
	tok_message(m, &params.tok, a, &toks);
	db = db_open(cfg_str(c, "db_path"), NULL, err_r);
	if (db != NULL) {
		ret = db_learn(db, bayes_msgid(m), spam ? DB_SPAM : DB_HAM, toks.hashes,
			       toks.count, time(NULL), result_r, &err);
		if (ret < 0)
			*err_r = buf_strdup_printf("%s: %s", db_path(db), err);
		db_close(&db);
	}
	arena_free(&a);
	return ret;
}

int cli_learn(int argc, char **argv)
{
	struct learn_opts o;
	struct learn_run r;
	struct arena *a = arena_new(1024);
	struct cfg *cfg;
	const char *path;
	char *err = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	rc = learn_parse_args(argc, argv, &o);
	cfg = rc == 0 ? cli_conf_load(&o.conf) : NULL;
	free(o.conf.overrides);
	path = cfg != NULL ? learn_db_path(cfg, o.user, a) : NULL;
	if (rc != 0 || path == NULL) {
		cfg_free(&cfg);
		arena_free(&a);
		return rc == EX_OK + 256 ? 0 : rc != 0 ? rc : EX_CONFIG;
	}
	r.o = &o;
	scan_bayes_params(cfg, &r.params);
	scan_msg_limits(cfg, &r.limits);
	r.on_error = o.on_error || cfg_bool(cfg, "bayes_learn_on_error");
	r.now = time(NULL);
	r.db = db_open(path, NULL, &err);
	if (r.db == NULL) {
		fprintf(stderr, "winnow learn: %s\n", err);
		free(err);
		rc = EX_IOERR;
	} else {
		rc = learn_run_all(&r, cfg, argc, argv);
	}
	free((char *)r.err);
	db_close(&r.db);
	cfg_free(&cfg);
	arena_free(&a);
	return rc;
}
