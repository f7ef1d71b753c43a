/*
 * scan_awl.c - the pipeline's auto-whitelist step (filterd/check_awl.h):
 * after the rules, the message's score moves toward its sender's running
 * mean (the AWL hit). Off unless use_awl is yes.
 *
 * Its store is the db_path file (schema 2 has the AWL table); each scan
 * thread borrows a connection from a small pool (one connection per
 * thread, as db/ wants). filterd records each message's score; `winnow
 * check` (read-only engine) only reads.
 *
 * Ownership: the pool and its connections belong to the engine.
 */
#include "filterd/scan_awl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filterd/check_awl.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "rules/rule.h"

#define AWL_POOL 16

struct scan_awl {
	struct chk_awl_params params;
	const char *path;
	int read_only;
	pthread_mutex_t lock;
	struct db *pool[AWL_POOL];
	size_t npool;
	time_t last_warn;
};

int scan_awl_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	struct scan_awl *s;

	(void)err_r;
	*state_r = NULL;
	if (!cfg_bool(eng->cfg, "use_awl"))
		return 0;
	s = xcalloc(1, sizeof(*s));
	chk_awl_params(eng->cfg, &s->params);
	s->path = cfg_str(eng->cfg, "db_path");
	s->read_only = eng->read_only_db;
	pthread_mutex_init(&s->lock, NULL);
	*state_r = s;
	return 0;
}

void scan_awl_unload(void *state)
{
	struct scan_awl *s = state;

	if (s == NULL)
		return;
	while (s->npool > 0)
		db_close(&s->pool[--s->npool]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* A connection: a pooled one, or a new one (NULL when the store cannot
   be opened: said once a minute, the message just gets no AWL hit). */
static struct db *awl_db_get(struct scan_awl *s)
{
	struct db_options o;
	struct db *db = NULL;
	char *err = NULL;
	time_t now;

	pthread_mutex_lock(&s->lock);
	if (s->npool > 0)
		db = s->pool[--s->npool];
	pthread_mutex_unlock(&s->lock);
	if (db != NULL)
		return db;
	db_options_default(&o);
	o.read_only = s->read_only;
	db = db_open(s->path, &o, &err);
	if (db == NULL) {
		now = time(NULL);
		pthread_mutex_lock(&s->lock);
		if (now - s->last_warn >= 60) {
			s->last_warn = now;
			log_warn("awl: %s", err != NULL ? err : "cannot open the store");
		}
		pthread_mutex_unlock(&s->lock);
		free(err);
	}
	return db;
}

static void awl_db_put(struct scan_awl *s, struct db *db)
{
	pthread_mutex_lock(&s->lock);
	if (s->npool < AWL_POOL) {
		s->pool[s->npool++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (db != NULL)
		db_close(&db);
}

/* SpamAssassin's inputs: the points of the hits that count for learning
   (no AWL when a hit is flagged noawl: none of ours is). */
static double awl_points(const struct hit_list *hl)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < hl->count; i++) {
		const struct hit *h = &hl->v[i];
		if (!(h->flags & (HIT_F_SUBRULE | HIT_F_NOAUTOLEARN)))
			sum += h->score;
	}
	return sum;
}

/* The From: address and the originating IP (the first untrusted relay,
   else the MTA's client). */
static void awl_inputs(struct scan_ctx *ctx, const char **sender_r, const char **ip_r)
{
	const char *helo, *envfrom, *ip = NULL;
	const struct msg_header *from = msg_header_first(&ctx->msg->headers, "from");
	struct msg_addr *v;

	*sender_r = NULL;
	if (from != NULL && msg_addr_parse(ctx->arena, from->value, &v) > 0 &&
	    v[0].addr[0] != '\0')
		*sender_r = v[0].addr;
	if (rule_ctx_first_untrusted(scan_rule_ctx(ctx), &ip, &helo, &envfrom) < 0)
		ip = ctx->env.client_ip;
	*ip_r = ip;
}

int scan_awl_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct scan_awl *s = state;
	struct chk_awl_result r;
	const char *sender, *ip, *err = NULL;
	struct db *db;

	(void)err_r;
	if (s == NULL || ctx->msg == NULL)
		return 0;
	awl_inputs(ctx, &sender, &ip);
	if (sender == NULL || (db = awl_db_get(s)) == NULL)
		return 0;
	if (chk_awl_check(db, &s->params, sender, ip, awl_points(&ctx->hits), !s->read_only,
			  time(NULL), &r, &err) < 0)
		log_warn("awl: %s", err != NULL ? err : "store failure");
	else if (r.active && r.adjust != 0)
		(void)hits_add(&ctx->hits, CHK_AWL_HIT, r.adjust,
			       arena_printf(ctx->arena, "Adjusted score from AWL reputation "
					    "of From: address (mean %.3f of %llu)", r.mean,
					    (unsigned long long)r.count),
			       HIT_F_NOAUTOLEARN);
	awl_db_put(s, db);
	return 0;
}
