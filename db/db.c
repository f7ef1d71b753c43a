/*
 * db.c - the public token-store calls: argument checks, the token list
 * made sorted and distinct for learning, and dispatch to the backend
 * (db/db_int.h). Also the per-user path helper.
 *
 * Ownership: a struct db is malloc'd by db_open and freed by db_close;
 * error text lives in it (see db.h). Scratch arrays are malloc'd and
 * freed within a call: a learn is bounded by the tokenizer's per-message
 * cap, so they stay small.
 */
#include "db/db.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/* A file name part for one user: longer names are cut (they are
   addresses; nothing real is this long, and file names are limited). */
#define DB_USER_MAX 128

void db_options_default(struct db_options *o)
{
	memset(o, 0, sizeof(*o));
	o->busy_timeout_ms = 5000;
	o->busy_retries = 3;
	o->mmap_bytes = (size_t)256 * 1024 * 1024;
}

void db_expire_params_default(struct db_expire_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_tokens = 1000000;
	p->target_tokens = 900000;
	p->rare_count = 1;
	p->rare_days = 30;
	p->now = time(NULL);
}

int db_error(struct db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return -1;
}

uint32_t db_day(time_t t)
{
	return t <= 0 ? 0 : (uint32_t)(t / 86400);
}

struct db *db_open(const char *path, const struct db_options *opt, char **err_r)
{
	struct db_options def;
	struct db *db;

	if (opt == NULL) {
		db_options_default(&def);
		opt = &def;
	}
	db = xcalloc(1, sizeof(*db));
	db->ops = &db_sqlite_ops;
	db->path = xstrdup(path);
	if (db->ops->open(db, path, opt) < 0) {
		*err_r = xstrdup(db->err);
		free(db->path);
		free(db);
		return NULL;
	}
	return db;
}

void db_close(struct db **dbp)
{
	struct db *db = *dbp;

	if (db == NULL)
		return;
	db->ops->close(db);
	free(db->path);
	free(db);
	*dbp = NULL;
}

const char *db_path(const struct db *db)
{
	return db->path;
}

static int db_ret(struct db *db, int ret, const char **err_r)
{
	if (ret < 0)
		*err_r = db->err;
	return ret;
}

int db_get_totals(struct db *db, struct db_totals *totals_r, const char **err_r)
{
	memset(totals_r, 0, sizeof(*totals_r));
	return db_ret(db, db->ops->totals(db, totals_r), err_r);
}

int db_lookup(struct db *db, const uint64_t *hashes, size_t n,
	      struct db_counts *counts_r, const char **err_r)
{
	if (n == 0)
		return 0;
	memset(counts_r, 0, n * sizeof(*counts_r));
	return db_ret(db, db->ops->lookup(db, hashes, n, counts_r), err_r);
}

int db_seen(struct db *db, uint64_t msgid, enum db_class *class_r,
	    const char **err_r)
{
	*class_r = DB_NONE;
	return db_ret(db, db->ops->seen(db, msgid, class_r), err_r);
}

/* Sorted as the signed keys a store holds them as (SQLite's INTEGER), so
   writes walk the token index in order. */
static int db_cmp_key(const void *x, const void *y)
{
	int64_t a = (int64_t)*(const uint64_t *)x, b = (int64_t)*(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* A sorted, distinct copy of hashes (malloc'd); its length in *n_r. */
static uint64_t *db_sorted_set(const uint64_t *hashes, size_t n, size_t *n_r)
{
	uint64_t *v;
	size_t i, k = 0, bytes;

	if (size_mul(n, sizeof(*v), &bytes) < 0)
		wn_panic("db: %zu hashes", n);
	v = xmalloc(bytes ? bytes : 1);
	if (n > 0)
		memcpy(v, hashes, bytes);
	qsort(v, n, sizeof(*v), db_cmp_key);
	for (i = 0; i < n; i++) {
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	}
	*n_r = k;
	return v;
}

static int db_change(struct db *db, uint64_t msgid, enum db_class cls,
		     const uint64_t *hashes, size_t n, time_t now,
		     enum db_learn_result *result_r, const char **err_r)
{
	uint64_t *set;
	size_t count;
	int ret;

	set = db_sorted_set(hashes, n, &count);
	ret = db->ops->learn(db, msgid, cls, set, count, db_day(now), result_r);
	free(set);
	return db_ret(db, ret, err_r);
}

int db_learn(struct db *db, uint64_t msgid, enum db_class cls,
	     const uint64_t *hashes, size_t n, time_t now,
	     enum db_learn_result *result_r, const char **err_r)
{
	assert(cls == DB_HAM || cls == DB_SPAM);
	return db_change(db, msgid, cls, hashes, n, now, result_r, err_r);
}

int db_forget(struct db *db, uint64_t msgid, const uint64_t *hashes, size_t n,
	      enum db_learn_result *result_r, const char **err_r)
{
	return db_change(db, msgid, DB_NONE, hashes, n, 0, result_r, err_r);
}

int db_stats(struct db *db, struct db_stats *stats_r, const char **err_r)
{
	memset(stats_r, 0, sizeof(*stats_r));
	stats_r->backend = db->ops->name;
	return db_ret(db, db->ops->stats(db, stats_r), err_r);
}

int db_expire(struct db *db, const struct db_expire_params *p,
	      struct db_expire_result *result_r, const char **err_r)
{
	struct db_expire_params q = *p;

	if (q.target_tokens == 0 || q.target_tokens > q.max_tokens)
		q.target_tokens = q.max_tokens;
	memset(result_r, 0, sizeof(*result_r));
	return db_ret(db, db->ops->expire(db, &q, result_r), err_r);
}

static char db_user_char(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("._@+-", c) != NULL))
		return (char)c;
	return '_';
}

/* Writes user made safe for a file name (see db.h) at out; returns the
   bytes written (at most DB_USER_MAX). */
static size_t db_put_user(char *out, const char *user)
{
	size_t n = 0;

	while (user[n] != '\0' && n < DB_USER_MAX) {
		out[n] = db_user_char((unsigned char)user[n]);
		n++;
	}
	if (n == 0)
		out[n++] = '_';
	if (out[0] == '.')
		out[0] = '_';
	return n;
}

char *db_path_user(struct arena *a, const char *pattern, const char *user)
{
	size_t plen = strlen(pattern), cap, n = 0, i;
	char *out;

	/* each "%u" (2 bytes) grows to at most DB_USER_MAX bytes */
	cap = plen / 2 * DB_USER_MAX + plen + 1;
	out = arena_alloc(a, cap);
	for (i = 0; i < plen; i++) {
		if (pattern[i] == '%' && pattern[i + 1] == 'u') {
			n += db_put_user(out + n, user);
			i++;
		} else if (pattern[i] == '%' && pattern[i + 1] == '%') {
			out[n++] = '%';
			i++;
		} else {
			out[n++] = pattern[i];
		}
	}
	out[n] = '\0';
	return out;
}

const char *db_learn_result_str(enum db_learn_result r)
{
	switch (r) {
	case DB_LEARNED:
		return "learned";
	case DB_RELEARNED:
		return "relearned";
	case DB_ALREADY:
		return "already learned";
	case DB_FORGOTTEN:
		return "forgotten";
	case DB_NOT_LEARNED:
		return "not learned";
	}
	return "?";
}
