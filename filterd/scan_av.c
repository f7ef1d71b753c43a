/*
 * scan_av.c - the antivirus step of the scan pipeline.
 *
 * Two scanners, chosen by key `antivirus`: libclamav in process
 * (check_av.c) or a running clamd (check_clamd.c). Whatever it says
 * becomes ctx->av_status (the X-Virus-Status value) and, for a virus,
 * ctx->virus (verdict SCAN_VIRUS) plus a demand for virus_action; a
 * scan that could not finish is never clean: it demands av_limit_action
 * when a size, nesting or file-count limit stopped it (zip bombs), else
 * av_error_action (tempfail by default).
 *
 * The libclamav engine is one per process, not one per scan engine:
 * loading the real databases takes seconds and about a gigabyte, so a
 * SIGHUP that rebuilds the scan engine for new rules keeps the loaded
 * engine when clamav_db's files and the av_max_* limits are unchanged,
 * and loads a new one (beside the old, which scans in flight keep)
 * only when they changed. A watcher thread looks at the directory every
 * clamav_reload_check seconds and does the same when freshclam has
 * written new databases. Loading never happens on a scan thread; scans
 * only take a reference to the current engine (chk_av_slot).
 */
#include "filterd/scan_av.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <clamav.h>

#include "config.h"
#include "filterd/check_av.h"
#include "filterd/check_clamd.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/log.h"
#include "lib/wn.h"

enum av_mode { AV_CLAMAV = 1, AV_CLAMD };

/* One scan engine's view: which scanner; for clamd its settings. */
struct av_state {
	enum av_mode mode;
	struct chk_clamd_conf clamd;
	enum scan_action on_virus, on_error, on_limit;
};

/* The process's libclamav engine, shared by successive scan engines. */
static struct {
	pthread_mutex_t lock;     /* the fields below; held while loading */
	struct chk_av_slot slot;  /* scans take the engine from here */
	int slot_ready;
	char *key;                /* clamav_db and limits the engine was loaded with */
	uint64_t stamp;           /* clamav_db's files when it was loaded */
	struct chk_av_conf conf;  /* conf.db_dir points into key's copy */
	char *db_dir;
	unsigned int users;       /* scan engines using it */
	unsigned int interval;    /* clamav_reload_check */
	pthread_t watcher;
	int watching, stop;
	pthread_cond_t wake;
} av_g = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static __thread char av_err[512];

static const char *av_error(char *msg)
{
	snprintf(av_err, sizeof(av_err), "%s", msg);
	free(msg);
	return av_err;
}

int scan_av_enabled(const struct cfg *c)
{
	return strcasecmp(cfg_str(c, "antivirus"), "none") != 0;
}

/* ---- clamav_db: has freshclam written anything? ---- */

static uint64_t av_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* A fingerprint of the database files: name, size, mtime and inode of
   every regular file at the top of dir (freshclam replaces a database
   by renaming a finished download over it). Order-independent. */
static uint64_t av_dir_stamp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char path[4096];
		uint64_t h = 1469598103934665603ULL;
		const char *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (p = de->d_name; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = av_mix(h, (uint64_t)st.st_size);
		h = av_mix(h, (uint64_t)st.st_mtim.tv_sec * 1000000000ULL +
			      (uint64_t)st.st_mtim.tv_nsec);
		h = av_mix(h, (uint64_t)st.st_ino);
		sum += h;
	}
	closedir(d);
	return sum;
}

static char *av_conf_key(const struct chk_av_conf *c)
{
	return buf_strdup_printf("%s|%zu|%zu|%u|%u|%u", c->db_dir, c->max_filesize,
				 c->max_scansize, c->max_recursion, c->max_files,
				 c->max_scantime_ms);
}

/* Loads a new engine with av_g.conf and swaps it in. Lock held. */
static int av_reload_locked(uint64_t stamp, char **err_r)
{
	struct chk_av *e = chk_av_load(&av_g.conf, err_r);

	if (e == NULL)
		return -1;
	if (av_g.slot_ready) {
		chk_av_slot_swap(&av_g.slot, e);
	} else {
		chk_av_slot_init(&av_g.slot, e);
		av_g.slot_ready = 1;
	}
	av_g.stamp = stamp;
	log_info("clamav: loaded %u signatures from %s in %u ms", chk_av_signatures(e),
		 av_g.db_dir, chk_av_load_ms(e));
	return 0;
}

/* ---- the watcher: freshclam's updates ---- */

static void *av_watch(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&av_g.lock);
	while (!av_g.stop) {
		struct timespec until;
		uint64_t stamp;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)av_g.interval;
		if (pthread_cond_timedwait(&av_g.wake, &av_g.lock, &until) == 0 || av_g.stop)
			continue;
		stamp = av_dir_stamp(av_g.db_dir);
		if (stamp != av_g.stamp) {
			char *err = NULL;
			/* a half-written update fails to load: keep the running
			   engine and look again next time */
			if (av_reload_locked(stamp, &err) < 0) {
				log_err("clamav: reload after a change in %s failed, keeping "
					"the running databases: %s", av_g.db_dir, err);
				free(err);
			}
		}
	}
	pthread_mutex_unlock(&av_g.lock);
	return NULL;
}

static void av_watch_start(unsigned int interval)
{
	av_g.interval = interval;
	if (av_g.watching || interval == 0)
		return;
	av_g.stop = 0;
	if (pthread_create(&av_g.watcher, NULL, av_watch, NULL) == 0)
		av_g.watching = 1;
	else
		log_err("clamav: cannot start the database watcher");
}

/* Lock held; released around the join. */
static void av_watch_stop(void)
{
	if (!av_g.watching)
		return;
	av_g.stop = 1;
	pthread_cond_broadcast(&av_g.wake);
	pthread_mutex_unlock(&av_g.lock);
	pthread_join(av_g.watcher, NULL);
	pthread_mutex_lock(&av_g.lock);
	av_g.watching = 0;
}

/* ---- load ---- */

/* Takes the shared engine for a new scan engine: kept when nothing it
   was loaded from changed, else loaded anew. */
static int av_clamav_use(const struct cfg *cfg, char **err_r)
{
	struct chk_av_conf conf;
	char *key;
	uint64_t stamp;
	int r = 0;

	chk_av_conf_from_cfg(&conf, cfg);
	key = av_conf_key(&conf);
	stamp = av_dir_stamp(conf.db_dir);
	pthread_mutex_lock(&av_g.lock);
	if (!av_g.slot_ready || av_g.key == NULL || strcmp(key, av_g.key) != 0 ||
	    stamp != av_g.stamp) {
		char *old_key = av_g.key, *old_dir = av_g.db_dir;
		struct chk_av_conf old_conf = av_g.conf;

		av_g.key = key;
		av_g.db_dir = xstrdup(conf.db_dir);
		av_g.conf = conf;
		av_g.conf.db_dir = av_g.db_dir;
		if ((r = av_reload_locked(stamp, err_r)) < 0) {
			free(av_g.key);
			free(av_g.db_dir);
			av_g.key = old_key;
			av_g.db_dir = old_dir;
			av_g.conf = old_conf;
		} else {
			free(old_key);
			free(old_dir);
		}
		key = NULL;
	}
	free(key);
	if (r == 0) {
		av_g.users++;
		av_watch_start(cfg_uint(cfg, "clamav_reload_check"));
	}
	pthread_mutex_unlock(&av_g.lock);
	return r;
}

static void av_clamav_drop(void)
{
	pthread_mutex_lock(&av_g.lock);
	if (--av_g.users == 0) {
		av_watch_stop();
		chk_av_slot_free(&av_g.slot);
		av_g.slot_ready = 0;
		free(av_g.key);
		free(av_g.db_dir);
		av_g.key = av_g.db_dir = NULL;
	}
	pthread_mutex_unlock(&av_g.lock);
}

static enum scan_action av_action(const struct cfg *c, const char *key)
{
	const char *v = cfg_str(c, key);

	if (strcasecmp(v, "accept") == 0)
		return SCAN_ACT_HEADER;
	return (enum scan_action)scan_action_parse(v); /* checked by cfg */
}

int scan_av_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	const struct cfg *c = eng->cfg;
	const char *mode = cfg_str(c, "antivirus");
	struct av_state *st;
	char *err = NULL;

	*state_r = NULL;
	if (strcasecmp(mode, "none") == 0)
		return 0;
	st = xcalloc(1, sizeof(*st));
	st->on_virus = av_action(c, "virus_action");
	st->on_error = av_action(c, "av_error_action");
	st->on_limit = av_action(c, "av_limit_action");
	if (strcasecmp(mode, "clamd") == 0) {
		const char *why;
		st->mode = AV_CLAMD;
		chk_clamd_conf_from_cfg(&st->clamd, c);
		if (chk_clamd_socket_check(st->clamd.socket, &why) < 0) {
			snprintf(av_err, sizeof(av_err), "clamd_socket '%s': %s",
				 st->clamd.socket, why);
			*err_r = av_err;
			free(st);
			return -1;
		}
	} else {
		st->mode = AV_CLAMAV;
		if (av_clamav_use(c, &err) < 0) {
			*err_r = av_error(err);
			free(st);
			return -1;
		}
	}
	*state_r = st;
	return 0;
}

void scan_av_unload(void *state)
{
	struct av_state *st = state;

	if (st == NULL)
		return;
	if (st->mode == AV_CLAMAV)
		av_clamav_drop();
	free(st);
}

/* ---- scan ---- */

/* What a scan found, whichever scanner. */
struct av_outcome {
	int virus, failed, limits;
	const char *name, *reason;
};

static void av_scan_clamav(struct scan_ctx *ctx, struct av_outcome *o)
{
	struct chk_av *e = chk_av_slot_get(&av_g.slot);
	struct chk_av_result res;

	if (e == NULL) {
		o->failed = 1;
		o->reason = "no virus database loaded";
		return;
	}
	chk_av_scan(e, ctx->raw, ctx->raw_len, &res);
	chk_av_unref(&e);
	o->virus = res.status == CHK_AV_VIRUS;
	o->failed = res.status == CHK_AV_ERROR;
	o->limits = res.error == CHK_AV_ERR_LIMITS;
	o->name = arena_strdup(ctx->arena, res.name);
	o->reason = arena_strdup(ctx->arena, res.reason);
}

static void av_scan_clamd(struct scan_ctx *ctx, const struct av_state *st,
			  struct av_outcome *o)
{
	struct chk_clamd_result res;

	chk_clamd_scan(&st->clamd, ctx->raw, ctx->raw_len, &res);
	o->virus = res.status == CHK_CLAMD_VIRUS;
	o->failed = res.status == CHK_CLAMD_ERROR;
	o->limits = res.error == CHK_CLAMD_ERR_SIZE_LIMIT;
	o->name = arena_strdup(ctx->arena, res.virus);
	o->reason = arena_strdup(ctx->arena, res.reason);
}

int scan_av_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	const struct av_state *st = state;
	struct av_outcome o = { 0, 0, 0, "", "" };

	(void)err_r;
	if (st == NULL)
		return 0;
	if (st->mode == AV_CLAMAV)
		av_scan_clamav(ctx, &o);
	else
		av_scan_clamd(ctx, st, &o);
	if (o.virus) {
		ctx->virus = o.name;
		ctx->av_status = arena_printf(ctx->arena, "Infected (%s)", o.name);
		scan_demand(ctx, st->on_virus, arena_printf(ctx->arena, "virus %s", o.name));
	} else if (o.failed) {
		ctx->av_status = arena_printf(ctx->arena, "Unscanned (%s)", o.reason);
		scan_demand(ctx, o.limits ? st->on_limit : st->on_error,
			    arena_printf(ctx->arena, "virus scan %s: %s",
					 o.limits ? "stopped by its limits" : "failed",
					 o.reason));
		log_warn("antivirus: %s%s%s", o.reason, ctx->env.queue_id ? " qid=" : "",
			 ctx->env.queue_id ? ctx->env.queue_id : "");
	} else {
		ctx->av_status = "Clean";
	}
	return 0;
}

const char *scan_av_scanned_by(const struct cfg *c, struct arena *a, const char *host)
{
	const char *mode = cfg_str(c, "antivirus");

	if (strcasecmp(mode, "clamd") == 0)
		return arena_printf(a, "Winnow %s with ClamAV (clamd) on %s",
				    PACKAGE_VERSION, host);
	return arena_printf(a, "Winnow %s with ClamAV %s (libclamav) on %s",
			    PACKAGE_VERSION, cl_retver(), host);
}
