/*
 * scan_bayes.c - the Bayes checks of the scan pipeline: classify before
 * the rules (their check_bayes evals read the probability), autolearn
 * after them.
 *
 * Storage: one SQLite connection per scan at a time, taken from a small
 * pool (a struct db must not be shared by threads); the per-user store
 * of bayes_user_path is opened for the message and closed after. A
 * store that does not exist yet is untrained (the first autolearn
 * creates it); one that cannot be opened or read costs the message its
 * Bayes hits only: it is logged (once a minute) and the scan goes on.
 *
 * Autolearn (SpamAssassin's rule): the autolearn points (the score
 * without Bayes, learn and noautolearn hits) at or above
 * bayes_auto_learn_threshold_spam learn spam, at or below ..._nonspam
 * ham, when the message's own verdict agrees and Bayes does not already
 * judge it the other way; with bayes_learn_on_error only when Bayes
 * does not already judge it right. Unlike SpamAssassin, spam needs no
 * 3 header and 3 body points, and the points come from the score set
 * in use (with Bayes, once it is trained), not from the set without. The verdict goes to
 * X-Spam-Status as autolearn=spam|ham|no|disabled|unavailable|failed.
 *
 * Ownership: per-message data in the scan arena; the pool in the
 * engine's check state.
 */
#include "filterd/scan_bayes.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bayes/bayes.h"
#include "db/db.h"
#include "filterd/check_awl.h"
#include "lib/log.h"
#include "lib/wn.h"

#define POOL_MAX 16
#define EXPIRE_EVERY 1000 /* autolearns between expiry checks */
#define WARN_EVERY 60     /* seconds between two "store unusable" lines */

struct scan_bayes {
	struct bayes_params params;
	char *path, *user_path;
	int read_only;              /* `winnow check`: never writes */
	int auto_learn, on_error, auto_expire;
	double learn_spam, learn_ham;
	struct db_expire_params expire;
	pthread_mutex_t lock;       /* guards the fields below */
	struct db *pool[POOL_MAX];
	size_t npool;
	unsigned int learned;       /* autolearns since the last expiry check */
	time_t warned;
};

/* What the classify step leaves for autolearn. */
struct scan_bayes_msg {
	struct tok_list toks;
	const char *path;
	int status;                 /* enum bayes_status, or -1: no result */
	double prob;
};

static void bayes_warn(struct scan_bayes *b, const char *qid, const char *what,
		       const char *err)
{
	time_t now = time(NULL);
	int say;

	pthread_mutex_lock(&b->lock);
	say = now - b->warned >= WARN_EVERY;
	if (say)
		b->warned = now;
	pthread_mutex_unlock(&b->lock);
	if (say)
		log_warn("%s: bayes: %s: %s", qid ? qid : "-", what, err);
}

void scan_bayes_params(const struct cfg *c, struct bayes_params *p)
{
	bayes_params_default(p);
	p->robinson_s = cfg_double(c, "bayes_robinson_s");
	p->robinson_x = cfg_double(c, "bayes_robinson_x");
	p->min_prob_strength = cfg_double(c, "bayes_min_prob_strength");
	p->max_significant = cfg_uint(c, "bayes_max_significant");
	p->min_spam = cfg_uint(c, "bayes_min_spam_num");
	p->min_ham = cfg_uint(c, "bayes_min_ham_num");
	p->ham_cutoff = cfg_double(c, "bayes_ham_cutoff");
	p->spam_cutoff = cfg_double(c, "bayes_spam_cutoff");
	p->tok.max_tokens = cfg_uint(c, "bayes_max_msg_tokens");
	p->tok.bigrams = cfg_bool(c, "bayes_bigrams");
	p->tok.hidden_text = cfg_bool(c, "bayes_hidden_text");
}

void scan_bayes_expire_params(const struct cfg *c, struct db_expire_params *p)
{
	db_expire_params_default(p);
	p->max_tokens = cfg_uint(c, "bayes_max_tokens");
	p->target_tokens = p->max_tokens / 10 * 9;
	p->seen_days = cfg_uint(c, "bayes_seen_days");
	chk_awl_expire_params(c, p); /* the same file holds the AWL */
}

int scan_bayes_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	const struct cfg *c = eng->cfg;
	struct scan_bayes *b;
	const char *up = cfg_str(c, "bayes_user_path");

	(void)err_r;
	if (!cfg_bool(c, "use_bayes")) {
		*state_r = NULL;
		return 0;
	}
	b = xcalloc(1, sizeof(*b));
	scan_bayes_params(c, &b->params);
	b->path = xstrdup(cfg_str(c, "db_path"));
	b->user_path = up[0] != '\0' ? xstrdup(up) : NULL;
	b->read_only = eng->read_only_db;
	b->auto_learn = cfg_bool(c, "bayes_auto_learn") && !b->read_only;
	b->on_error = cfg_bool(c, "bayes_learn_on_error");
	b->auto_expire = cfg_bool(c, "bayes_auto_expire");
	b->learn_spam = cfg_double(c, "bayes_auto_learn_threshold_spam");
	b->learn_ham = cfg_double(c, "bayes_auto_learn_threshold_nonspam");
	scan_bayes_expire_params(c, &b->expire);
	pthread_mutex_init(&b->lock, NULL);
	*state_r = b;
	eng->bayes = b;
	return 0;
}

void scan_bayes_unload(void *state)
{
	struct scan_bayes *b = state;

	while (b->npool > 0)
		db_close(&b->pool[--b->npool]);
	pthread_mutex_destroy(&b->lock);
	free(b->path);
	free(b->user_path);
	free(b);
}

/* The store for this message, with per-user stores configured: the
   user the front-end names (spamd's User:), else the recipient when
   there is exactly one; otherwise the global one. */
static const char *store_path(const struct scan_bayes *b, struct scan_ctx *ctx)
{
	if (b->user_path != NULL && ctx->user != NULL && ctx->user[0] != '\0')
		return db_path_user(ctx->arena, b->user_path, ctx->user);
	if (b->user_path == NULL || ctx->env.nrcpts != 1)
		return b->path;
	return db_path_user(ctx->arena, b->user_path, ctx->env.rcpts[0]);
}

static struct db *store_get(struct scan_bayes *b, const char *path, char **err_r)
{
	struct db_options o;
	struct db *db = NULL;

	if (path == b->path) {
		pthread_mutex_lock(&b->lock);
		if (b->npool > 0)
			db = b->pool[--b->npool];
		pthread_mutex_unlock(&b->lock);
		if (db != NULL)
			return db;
	}
	db_options_default(&o);
	o.read_only = b->read_only;
	if (!o.read_only)
		(void)wn_mkdir_parents(path, 0750); /* as a package would have */
	return db_open(path, &o, err_r);
}

static void store_put(struct scan_bayes *b, const char *path, struct db *db)
{
	if (path == b->path) {
		pthread_mutex_lock(&b->lock);
		if (b->npool < POOL_MAX) {
			b->pool[b->npool++] = db;
			db = NULL;
		}
		pthread_mutex_unlock(&b->lock);
	}
	db_close(&db);
}

int scan_bayes_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct scan_bayes *b = state;
	struct scan_bayes_msg *bm;
	struct bayes_result res;
	const char *err = NULL;
	char *oerr = NULL;
	struct db *db;
	int missing;

	(void)err_r;
	ctx->facts.bayes_prob = -1;
	if (b == NULL)
		return 0;
	bm = arena_zalloc(ctx->arena, sizeof(*bm));
	bm->status = -1;
	ctx->bayes = bm;
	bm->path = store_path(b, ctx);
	missing = access(bm->path, F_OK) != 0 && errno == ENOENT;
	if (!missing || b->auto_learn) /* autolearn learns these tokens */
		tok_message(ctx->msg, &b->params.tok, ctx->arena, &bm->toks);
	if (missing) {
		/* nothing learned yet: autolearn will create it */
		bm->status = BAYES_UNTRAINED;
		return 0;
	}
	db = store_get(b, bm->path, &oerr);
	if (db == NULL) {
		bayes_warn(b, ctx->env.queue_id, "cannot open the store", oerr);
		free(oerr);
		return 0;
	}
	if (bayes_classify(db, bm->toks.hashes, bm->toks.count, &b->params, ctx->arena, &res,
			   &err) < 0) {
		bayes_warn(b, ctx->env.queue_id, "cannot read the store", err);
		store_put(b, bm->path, db);
		return 0;
	}
	store_put(b, bm->path, db);
	bm->status = (int)res.status;
	bm->prob = res.prob;
	/* trained: the Bayes score set applies; a probability only with one */
	ctx->facts.bayes_enabled = res.status != BAYES_UNTRAINED;
	if (res.status == BAYES_OK)
		ctx->facts.bayes_prob = res.prob;
	return 0;
}

/* The score autolearn judges by, as SpamAssassin's autolearn points:
   the message's hits without subrules (never scored), Bayes and learn
   rules (their verdict is what is being trained) and tflags
   noautolearn or userconf rules (GTUBE, users' own rules). */
static double autolearn_points(const struct scan_ctx *ctx)
{
	const unsigned int skip = HIT_F_SUBRULE | HIT_F_BAYES | HIT_F_LEARN | HIT_F_NOAUTOLEARN;
	double s = 0;
	size_t i;

	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (!(h->flags & skip))
			s += h->score;
	}
	return s;
}

/* DB_SPAM, DB_HAM, or DB_NONE when the message is not to be learned. */
static enum db_class learn_class(const struct scan_bayes *b, const struct scan_ctx *ctx)
{
	const struct scan_bayes_msg *bm = ctx->bayes;
	double points = autolearn_points(ctx);
	int spam = hits_score(&ctx->hits) >= ctx->engine->required_score;
	enum bayes_verdict v = BAYES_UNSURE;
	enum db_class cls = DB_NONE;

	if (bm->status == BAYES_OK)
		v = bayes_judge(bm->prob, &b->params);
	if (points >= b->learn_spam && spam)
		cls = DB_SPAM;
	else if (points <= b->learn_ham && !spam)
		cls = DB_HAM; /* the message's verdict must agree */
	if ((cls == DB_SPAM && v == BAYES_HAM) || (cls == DB_HAM && v == BAYES_SPAM))
		return DB_NONE; /* rules and Bayes disagree */
	if (b->on_error && ((cls == DB_SPAM && v == BAYES_SPAM) ||
			    (cls == DB_HAM && v == BAYES_HAM)))
		return DB_NONE; /* already right */
	return cls;
}

static void maybe_expire(struct scan_bayes *b, struct db *db, const char *qid)
{
	struct db_expire_params p = b->expire;
	struct db_expire_result r;
	const char *err = NULL;
	int due;

	pthread_mutex_lock(&b->lock);
	due = b->auto_expire && ++b->learned >= EXPIRE_EVERY;
	if (due)
		b->learned = 0;
	pthread_mutex_unlock(&b->lock);
	if (!due)
		return;
	p.now = time(NULL);
	if (db_expire(db, &p, &r, &err) < 0)
		bayes_warn(b, qid, "expiry failed", err);
	else if (r.removed_rare + r.removed_old > 0)
		log_info("bayes: expired %llu tokens, %llu left",
			 (unsigned long long)(r.removed_rare + r.removed_old),
			 (unsigned long long)r.tokens_left);
}

static const char *learn(struct scan_bayes *b, struct scan_ctx *ctx, enum db_class cls)
{
	struct scan_bayes_msg *bm = ctx->bayes;
	enum db_learn_result lr;
	const char *err = NULL;
	char *oerr = NULL;
	struct db *db = store_get(b, bm->path, &oerr);

	if (db == NULL) {
		bayes_warn(b, ctx->env.queue_id, "cannot open the store", oerr);
		free(oerr);
		return "unavailable";
	}
	if (db_learn(db, bayes_msgid(ctx->msg), cls, bm->toks.hashes, bm->toks.count,
		     time(NULL), &lr, &err) < 0) {
		bayes_warn(b, ctx->env.queue_id, "autolearn failed", err);
		store_put(b, bm->path, db);
		return "failed";
	}
	if (lr == DB_LEARNED || lr == DB_RELEARNED)
		maybe_expire(b, db, ctx->env.queue_id);
	store_put(b, bm->path, db);
	return cls == DB_SPAM ? "spam" : "ham";
}

int scan_autolearn_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct scan_bayes *b = ctx->engine->bayes;
	enum db_class cls;

	(void)state;
	(void)err_r;
	if (b == NULL || !b->auto_learn || ctx->bayes == NULL) {
		ctx->autolearn = "disabled";
		return 0;
	}
	if (ctx->bayes->status < 0) {
		ctx->autolearn = "unavailable";
		return 0;
	}
	cls = learn_class(b, ctx);
	ctx->autolearn = cls == DB_NONE ? "no" : learn(b, ctx, cls);
	return 0;
}

double scan_bayes_prob(const struct scan_ctx *ctx)
{
	if (ctx->bayes == NULL || ctx->bayes->status != BAYES_OK)
		return -1;
	return ctx->bayes->prob;
}

/* The store a spamd TELL or a front-end names by user: that user's
   (bayes_user_path) when set and user is given, else the global one. */
static const char *tell_path(const struct scan_bayes *b, struct arena *a, const char *user)
{
	if (b->user_path == NULL || user == NULL || user[0] == '\0')
		return b->path;
	return db_path_user(a, b->user_path, user);
}

int scan_bayes_tell(const struct scan_engine *eng, const char *raw, size_t len,
		    const char *user, int learn, int spam, int *did_r, char **err_r)
{
	struct scan_bayes *b = eng->bayes;
	struct arena *a;
	const struct msg *m;
	struct tok_list t;
	enum db_learn_result lr;
	const char *path, *err = NULL;
	struct db *db;
	int rc;

	*did_r = 0;
	if (b == NULL || b->read_only) {
		*err_r = xstrdup("Bayes is off (use_bayes = no)");
		return -1;
	}
	a = arena_new(64 * 1024);
	m = msg_parse(a, raw, len, &eng->limits);
	path = tell_path(b, a, user);
	db = store_get(b, path, err_r);
	if (db == NULL) {
		arena_free(&a);
		return -1;
	}
	tok_message(m, &b->params.tok, a, &t);
	if (learn)
		rc = db_learn(db, bayes_msgid(m), spam ? DB_SPAM : DB_HAM, t.hashes, t.count,
			      time(NULL), &lr, &err);
	else
		rc = db_forget(db, bayes_msgid(m), t.hashes, t.count, &lr, &err);
	if (rc < 0)
		*err_r = xstrdup(err);
	else
		*did_r = lr == DB_LEARNED || lr == DB_RELEARNED || lr == DB_FORGOTTEN;
	store_put(b, path, db);
	arena_free(&a);
	return rc;
}
