/*
 * db.c - the public token-store calls: argument checks, dispatch to the
 * backend (db/db_int.h), and what every backend shares: batches of
 * learns summed per token in memory, and the per-connection read cache.
 * Also the auto-whitelist and quarantine-index calls (argument checks;
 * the backend does the work) and the per-user path helper.
 *
 * A learn outside a batch is a batch of one message, so both go through
 * the same code and give the same counts.
 *
 * Ownership: a struct db is malloc'd by db_open and freed by db_close;
 * error text, the batch table and the cache live in it (see db.h).
 * Scratch arrays are malloc'd and freed within a call: a lookup is
 * bounded by the tokenizer's per-message cap, so they stay small.
 * Limits: the batch table holds about DB_BATCH_TOKENS entries (then the
 * batch commits), the cache db_options.cache_entries (then it empties).
 */
#include "db/db.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db_int.h"

/* A file name part for one user: longer names are cut (they are
   addresses; nothing real is this long, and file names are limited). */
#define DB_USER_MAX 128

/* Slots a hash table starts with (and shrinks back to when emptied, so
   an idle connection holds little): a message's tokens fit. */
#define DB_TABLE_MIN 1024
/* ... and a batch of db_batch_begin starts with (2 MB): it will hold tens
   of thousands of tokens, and growing by doubling rehashes them all. */
#define DB_TABLE_BULK 65536

void db_options_default(struct db_options *o)
{
	memset(o, 0, sizeof(*o));
	o->busy_timeout_ms = 5000;
	o->busy_retries = 3;
	o->mmap_bytes = (size_t)256 * 1024 * 1024;
	o->cache_entries = DB_CACHE_ENTRIES;
}

void db_expire_params_default(struct db_expire_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_tokens = 1000000;
	p->target_tokens = 900000;
	p->rare_count = 1;
	p->rare_days = 30;
	p->awl_days = DB_AWL_EXPIRE_DAYS;
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
	db->cache.max = opt->cache_entries;
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
	if (db->batch.begun)
		db_batch_abort(db);
	db->ops->close(db);
	free(db->cache.v);
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

static double db_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where h starts probing in a table of mask + 1 slots. The hashes are
   well mixed already; the multiply spreads any that are not. */
static size_t db_slot(uint64_t h, size_t mask)
{
	return (size_t)((h * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* ---- the read cache ---- */

/* Empties the table; a grown one is freed so idle memory stays small. */
static void db_cache_empty(struct db_cache *c)
{
	if (c->v != NULL && c->mask + 1 > DB_TABLE_MIN) {
		free(c->v);
		c->v = NULL;
	} else if (c->v != NULL && c->count > 0) {
		memset(c->v, 0, (c->mask + 1) * sizeof(*c->v));
	}
	c->count = 0;
}

/* Forgets everything: after this connection wrote. */
static void db_cache_clear(struct db *db)
{
	db_cache_empty(&db->cache);
	db->cache.valid = 0;
	db->cache.have_totals = 0;
}

/* Called in each read transaction: starts over if the store changed. */
static void db_cache_sync(struct db *db, uint64_t version)
{
	struct db_cache *c = &db->cache;

	if (c->valid && c->version == version)
		return;
	db_cache_clear(db);
	c->version = version;
	c->valid = 1;
}

static const struct db_counts *db_cache_get(const struct db_cache *c, uint64_t h)
{
	size_t i;

	if (c->v == NULL || h == 0)
		return NULL;
	for (i = db_slot(h, c->mask); c->v[i].h != 0; i = (i + 1) & c->mask) {
		if (c->v[i].h == h)
			return &c->v[i].counts;
	}
	return NULL;
}

/* The slot for h: its entry, or the free one where it goes. */
static struct db_cache_ent *db_cache_slot(struct db_cache_ent *v, size_t mask, uint64_t h)
{
	size_t i;

	for (i = db_slot(h, mask); v[i].h != 0 && v[i].h != h; i = (i + 1) & mask)
		;
	return &v[i];
}

static void db_cache_grow(struct db_cache *c)
{
	size_t size = c->v == NULL ? DB_TABLE_MIN : (c->mask + 1) * 2, i;
	struct db_cache_ent *v = xcalloc(size, sizeof(*v));

	for (i = 0; c->v != NULL && i <= c->mask; i++) {
		if (c->v[i].h != 0)
			*db_cache_slot(v, size - 1, c->v[i].h) = c->v[i];
	}
	free(c->v);
	c->v = v;
	c->mask = size - 1;
}

static void db_cache_put(struct db_cache *c, uint64_t h, const struct db_counts *counts)
{
	struct db_cache_ent *e;

	if (c->max == 0 || h == 0)
		return;
	if (c->count >= c->max)
		db_cache_empty(c); /* simpler than eviction; refills at once */
	/* at most 3/4 full: probes stay short */
	if (c->v == NULL || (c->count + 1) * 4 > (c->mask + 1) * 3)
		db_cache_grow(c);
	e = db_cache_slot(c->v, c->mask, h);
	if (e->h == 0)
		c->count++;
	e->h = h;
	e->counts = *counts;
}

/* ---- the batch: token changes summed in memory ---- */

/* A count after a run of learns (db_int.h: struct db_delta). */
static uint64_t db_delta_result(uint64_t old, const struct db_delta *d)
{
	int64_t v = (int64_t)old + d->add;

	return v > d->floor ? (uint64_t)v : (uint64_t)d->floor;
}

static void db_delta_add(struct db_delta *d, int v)
{
	d->add += v;
	d->floor = d->floor + v > 0 ? d->floor + v : 0;
}

static struct db_tok_delta *db_batch_slot(struct db_tok_delta *v, size_t mask, uint64_t h)
{
	size_t i;

	for (i = db_slot(h, mask); v[i].stamp != 0 && v[i].h != h; i = (i + 1) & mask)
		;
	return &v[i];
}

static void db_batch_grow(struct db_batch *b)
{
	size_t size = b->v != NULL ? (b->mask + 1) * 2 : b->begun ? DB_TABLE_BULK : DB_TABLE_MIN;
	size_t i;
	struct db_tok_delta *v = xcalloc(size, sizeof(*v));

	for (i = 0; b->v != NULL && i <= b->mask; i++) {
		if (b->v[i].stamp != 0)
			*db_batch_slot(v, size - 1, b->v[i].h) = b->v[i];
	}
	free(b->v);
	b->v = v;
	b->mask = size - 1;
}

/* The entry for h, made if missing. */
static struct db_tok_delta *db_batch_get(struct db_batch *b, uint64_t h)
{
	struct db_tok_delta *e;

	if (b->v == NULL || (b->count + 1) * 4 > (b->mask + 1) * 3)
		db_batch_grow(b);
	e = db_batch_slot(b->v, b->mask, h);
	if (e->stamp == 0) {
		memset(e, 0, sizeof(*e));
		e->h = h;
		b->count++;
	}
	return e;
}

static const struct db_tok_delta *db_batch_find(const struct db_batch *b, uint64_t h)
{
	const struct db_tok_delta *e;

	if (b->count == 0)
		return NULL;
	e = db_batch_slot(b->v, b->mask, h);
	return e->stamp != 0 ? e : NULL;
}

/* Adds one message's change to its tokens; a hash repeated in the
   message counts once (the stamp says this message got to it). */
static void db_batch_add(struct db_batch *b, const uint64_t *hashes, size_t n, int spam,
			 int ham, uint32_t day)
{
	struct db_tok_delta *e;
	size_t i;

	b->stamp++;
	for (i = 0; i < n; i++) {
		e = db_batch_get(b, hashes[i]);
		if (e->stamp == b->stamp)
			continue;
		e->stamp = b->stamp;
		db_delta_add(&e->spam, spam);
		db_delta_add(&e->ham, ham);
		if ((spam > 0 || ham > 0) && day > e->day)
			e->day = day;
	}
	db_delta_add(&b->spam, spam);
	db_delta_add(&b->ham, ham);
}

/* Forgets what the transaction held (after its commit or rollback). */
static void db_batch_reset(struct db_batch *b)
{
	free(b->v);
	b->v = NULL;
	b->mask = b->count = 0;
	b->stamp = 0;
	memset(&b->spam, 0, sizeof(b->spam));
	memset(&b->ham, 0, sizeof(b->ham));
	memset(b->pending, 0, sizeof(b->pending));
	b->msgs = 0;
	b->txn = 0;
}

/* A hash as the signed key a store holds it as (SQLite's INTEGER), made
   unsigned so that it sorts in the same order. */
static uint64_t db_key_order(uint64_t h)
{
	return h ^ (1ULL << 63);
}

/* Sorts v (n entries; tmp as many) by signed key, so writes walk the
   token index in order: least significant byte first, 8 passes, a pass
   skipped when every key has the same byte there. Linear whatever the
   keys are (the tokens come from mail), and a few times faster than
   qsort on 32-byte entries. */
static void db_radix_sort(struct db_tok_delta *v, struct db_tok_delta *tmp, size_t n)
{
	size_t count[8][256], i, pos, c;
	struct db_tok_delta *from = v, *to = tmp, *t;
	unsigned int pass, d, shift;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		uint64_t k = db_key_order(v[i].h);
		for (pass = 0; pass < 8; pass++)
			count[pass][(k >> (pass * 8)) & 0xff]++;
	}
	for (pass = 0; pass < 8 && n > 0; pass++) {
		shift = pass * 8;
		if (count[pass][(db_key_order(from[0].h) >> shift) & 0xff] == n)
			continue;
		for (pos = 0, d = 0; d < 256; d++) {
			c = count[pass][d];
			count[pass][d] = pos;
			pos += c;
		}
		for (i = 0; i < n; i++)
			to[count[pass][(db_key_order(from[i].h) >> shift) & 0xff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}

/* Packs the entries at the front of the table, sorted; the table is no
   longer one after this. Returns how many. */
static size_t db_batch_sorted(struct db_batch *b)
{
	struct db_tok_delta *tmp;
	size_t i, k = 0;

	for (i = 0; b->v != NULL && i <= b->mask; i++) {
		if (b->v[i].stamp != 0)
			b->v[k++] = b->v[i];
	}
	tmp = xmalloc((k ? k : 1) * sizeof(*tmp));
	db_radix_sort(b->v, tmp, k);
	free(tmp);
	return k;
}

/* A failure in the batch's transaction: rolls it back, counts its
   learns lost, and keeps the reason for the learns that come after. */
static int db_batch_fail(struct db *db)
{
	struct db_batch *b = &db->batch;
	size_t i;

	snprintf(b->err, sizeof(b->err), "%s", db->err);
	if (b->txn)
		db->ops->write_rollback(db);
	for (i = 0; i < N_ELEMENTS(b->pending); i++)
		db->batch_stats.lost += b->pending[i];
	db_batch_reset(b);
	b->failed = 1;
	db_cache_clear(db);
	return -1;
}

/* Writes the transaction's changes and commits it (the batch stays). */
static int db_batch_flush(struct db *db)
{
	struct db_batch *b = &db->batch;
	size_t n, i;

	if (!b->txn)
		return 0;
	n = db_batch_sorted(b);
	if (db->ops->write_commit(db, b->v, n, &b->spam, &b->ham) < 0)
		return db_batch_fail(db);
	for (i = 0; i < N_ELEMENTS(b->pending); i++)
		db->batch_stats.results[i] += b->pending[i];
	db->batch_stats.commits++;
	db_batch_reset(b);
	db_cache_clear(db);
	return 0;
}

static int db_batch_full(const struct db_batch *b)
{
	return b->msgs >= DB_BATCH_MSGS || b->count >= DB_BATCH_TOKENS ||
	       db_clock() - b->started >= DB_BATCH_MS / 1000.0;
}

/* What learning cls means for a message recorded as was. */
static enum db_learn_result db_result(enum db_class cls, enum db_class was)
{
	if (was == cls)
		return cls == DB_NONE ? DB_NOT_LEARNED : DB_ALREADY;
	if (cls == DB_NONE)
		return DB_FORGOTTEN;
	return was == DB_NONE ? DB_LEARNED : DB_RELEARNED;
}

/* Learns (or, cls DB_NONE, forgets) one message into the batch. */
static int db_batch_learn(struct db *db, uint64_t msgid, enum db_class cls,
			  const uint64_t *hashes, size_t n, uint32_t day,
			  enum db_learn_result *result_r)
{
	struct db_batch *b = &db->batch;
	enum db_learn_result r;
	enum db_class was;

	if (b->failed)
		return db_error(db, "%s", b->err);
	if (b->txn && db_batch_full(b) && db_batch_flush(db) < 0)
		return -1;
	if (!b->txn) {
		if (db->ops->write_begin(db, b->begun) < 0)
			return -1; /* nothing was pending: the batch goes on */
		b->txn = 1;
		b->started = db_clock();
	}
	if (db->ops->mark(db, msgid, cls, day, &was) < 0)
		return db_batch_fail(db);
	r = db_result(cls, was);
	/* +1 for the new class, -1 for the one it was learned as */
	if (was != cls)
		db_batch_add(b, hashes, n, (cls == DB_SPAM) - (was == DB_SPAM),
			     (cls == DB_HAM) - (was == DB_HAM), day);
	b->msgs++;
	b->pending[r]++;
	*result_r = r;
	return 0;
}

/* Ends the batch; what is still pending must be dealt with first. */
static void db_batch_end(struct db *db)
{
	struct db_batch *b = &db->batch;

	if (b->begun)
		db->ops->bulk_end(db);
	db_batch_reset(b);
	b->begun = 0;
	b->failed = 0;
}

int db_batch_begin(struct db *db, const char **err_r)
{
	(void)err_r;
	assert(!db->batch.begun);
	memset(&db->batch_stats, 0, sizeof(db->batch_stats));
	db->batch.begun = 1;
	return 0;
}

int db_batch_commit(struct db *db, const char **err_r)
{
	struct db_batch *b = &db->batch;
	int ret;

	assert(b->begun);
	ret = b->failed ? db_error(db, "%s", b->err) : db_batch_flush(db);
	db_batch_end(db);
	return db_ret(db, ret, err_r);
}

void db_batch_abort(struct db *db)
{
	struct db_batch *b = &db->batch;
	size_t i;

	assert(b->begun);
	if (b->txn) {
		db->ops->write_rollback(db);
		for (i = 0; i < N_ELEMENTS(b->pending); i++)
			db->batch_stats.lost += b->pending[i];
		db_cache_clear(db);
	}
	db_batch_end(db);
}

const struct db_batch_stats *db_batch_stats(const struct db *db)
{
	return &db->batch_stats;
}

/* A read failed: inside the batch's transaction that is its end too. */
static int db_read_fail(struct db *db)
{
	if (db->batch.txn)
		db_batch_fail(db);
	return -1;
}

/* ---- reads ---- */

int db_get_totals(struct db *db, struct db_totals *totals_r, const char **err_r)
{
	struct db_cache *c = &db->cache;
	uint64_t version;
	int ret = 0;

	memset(totals_r, 0, sizeof(*totals_r));
	if (db->ops->read_begin(db, &version) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	db_cache_sync(db, version);
	if (!c->have_totals) {
		ret = db->ops->totals(db, &c->totals);
		c->have_totals = ret == 0;
	}
	db->ops->read_end(db);
	if (ret < 0)
		return db_ret(db, db_read_fail(db), err_r);
	totals_r->spam = db_delta_result(c->totals.spam, &db->batch.spam);
	totals_r->ham = db_delta_result(c->totals.ham, &db->batch.ham);
	return 0;
}

/* counts_r from the cache, the rest from the store (then cached). */
static int db_lookup_cached(struct db *db, const uint64_t *hashes, size_t n,
			    struct db_counts *counts_r)
{
	const struct db_counts *hit;
	struct db_counts *got;
	uint64_t *miss;
	size_t *where, i, k = 0, bytes;
	int ret = 0;

	if (size_mul(n, sizeof(*miss) + sizeof(*where) + sizeof(*got), &bytes) < 0)
		wn_panic("db: %zu hashes", n);
	miss = xmalloc(bytes);
	where = (size_t *)(miss + n);
	got = (struct db_counts *)(where + n);
	for (i = 0; i < n; i++) {
		if ((hit = db_cache_get(&db->cache, hashes[i])) != NULL) {
			counts_r[i] = *hit;
		} else {
			miss[k] = hashes[i];
			where[k++] = i;
		}
	}
	if (k > 0) {
		memset(got, 0, k * sizeof(*got));
		ret = db->ops->lookup(db, miss, k, got);
	}
	for (i = 0; ret == 0 && i < k; i++) {
		counts_r[where[i]] = got[i];
		db_cache_put(&db->cache, miss[i], &got[i]);
	}
	free(miss);
	return ret;
}

/* The batch's pending changes on top of the store's counts. */
static void db_batch_adjust(const struct db_batch *b, const uint64_t *hashes, size_t n,
			    struct db_counts *counts)
{
	const struct db_tok_delta *e;
	uint64_t v;
	size_t i;

	for (i = 0; b->count > 0 && i < n; i++) {
		if ((e = db_batch_find(b, hashes[i])) == NULL)
			continue;
		v = db_delta_result(counts[i].spam, &e->spam);
		counts[i].spam = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		v = db_delta_result(counts[i].ham, &e->ham);
		counts[i].ham = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}

int db_lookup(struct db *db, const uint64_t *hashes, size_t n,
	      struct db_counts *counts_r, const char **err_r)
{
	uint64_t version;
	int ret;

	if (n == 0)
		return 0;
	memset(counts_r, 0, n * sizeof(*counts_r));
	if (db->ops->read_begin(db, &version) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	db_cache_sync(db, version);
	ret = db_lookup_cached(db, hashes, n, counts_r);
	db->ops->read_end(db);
	if (ret < 0)
		return db_ret(db, db_read_fail(db), err_r);
	db_batch_adjust(&db->batch, hashes, n, counts_r);
	return 0;
}

size_t db_cache_count(const struct db *db)
{
	return db->cache.count;
}

int db_seen(struct db *db, uint64_t msgid, enum db_class *class_r,
	    const char **err_r)
{
	*class_r = DB_NONE;
	if (db->ops->seen(db, msgid, class_r) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	return 0;
}

/* ---- writes ---- */

/* Outside a batch, a batch of one. */
static int db_change(struct db *db, uint64_t msgid, enum db_class cls,
		     const uint64_t *hashes, size_t n, time_t now,
		     enum db_learn_result *result_r, const char **err_r)
{
	int ret;

	ret = db_batch_learn(db, msgid, cls, hashes, n, db_day(now), result_r);
	if (!db->batch.begun) {
		if (ret == 0)
			ret = db_batch_flush(db);
		db_batch_end(db);
	}
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
	/* counting the table: the batch's tokens must be in it */
	if (db_batch_flush(db) < 0)
		return db_ret(db, -1, err_r);
	return db_ret(db, db->ops->stats(db, stats_r), err_r);
}

int db_expire(struct db *db, const struct db_expire_params *p,
	      struct db_expire_result *result_r, const char **err_r)
{
	struct db_expire_params q = *p;
	int ret;

	if (q.target_tokens == 0 || q.target_tokens > q.max_tokens)
		q.target_tokens = q.max_tokens;
	memset(result_r, 0, sizeof(*result_r));
	if (db_batch_flush(db) < 0)
		return db_ret(db, -1, err_r);
	ret = db->ops->expire(db, &q, result_r);
	db_cache_clear(db);
	return db_ret(db, ret, err_r);
}

/* ---- the auto-whitelist ---- */

static void db_awl_check_key(const char *addr, const char *ip)
{
	assert(addr != NULL && addr[0] != '\0' && strlen(addr) <= DB_AWL_ADDR_MAX);
	assert(ip == NULL || (ip[0] != '\0' && strlen(ip) <= DB_AWL_IP_MAX));
}

/* AWL writes are transactions of their own: a batch's learns go first. */
static int db_awl_before_write(struct db *db)
{
	if (db->batch.failed)
		return 0; /* nothing pending; the batch reports its failure */
	return db_batch_flush(db);
}

int db_awl_get(struct db *db, const char *addr, const char *ip,
	       struct db_awl_entry *entry_r, const char **err_r)
{
	int stand_in = 0, ret;

	db_awl_check_key(addr, ip);
	assert(ip != NULL);
	memset(entry_r, 0, sizeof(*entry_r));
	ret = db->ops->awl_get(db, addr, ip, entry_r, &stand_in);
	if (ret < 0)
		memset(entry_r, 0, sizeof(*entry_r));
	entry_r->addr = addr;
	entry_r->ip = stand_in ? DB_AWL_NO_IP : ip;
	return db_ret(db, ret < 0 ? db_read_fail(db) : 0, err_r);
}

int db_awl_add(struct db *db, const char *addr, const char *ip, double score,
	       time_t now, struct db_awl_entry *before_r, const char **err_r)
{
	struct db_awl_entry before;
	int ret;

	db_awl_check_key(addr, ip);
	assert(ip != NULL && isfinite(score));
	memset(&before, 0, sizeof(before));
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->awl_add(db, addr, ip, score, db_day(now), &before);
	if (ret < 0)
		memset(&before, 0, sizeof(before));
	before.addr = addr;
	before.ip = ip;
	if (before_r != NULL)
		*before_r = before;
	return db_ret(db, ret, err_r);
}

int db_awl_set(struct db *db, const char *addr, const char *ip, double score,
	       time_t now, const char **err_r)
{
	int ret;

	db_awl_check_key(addr, ip);
	assert(ip != NULL && isfinite(score));
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->awl_set(db, addr, ip, score, db_day(now));
	return db_ret(db, ret, err_r);
}

int db_awl_remove(struct db *db, const char *addr, const char *ip,
		  uint64_t *removed_r, const char **err_r)
{
	int ret;

	db_awl_check_key(addr, ip);
	*removed_r = 0;
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->awl_remove(db, addr, ip, removed_r);
	return db_ret(db, ret, err_r);
}

int db_awl_list(struct db *db, db_awl_fn *fn, void *ctx, const char **err_r)
{
	if (db->ops->awl_list(db, fn, ctx) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	return 0;
}

int db_awl_expire(struct db *db, uint32_t days, time_t now, uint64_t *removed_r,
		  const char **err_r)
{
	uint32_t today = db_day(now);
	int ret;

	*removed_r = 0;
	if (days == 0)
		return 0;
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->awl_expire(db, today > days ? today - days : 0, removed_r);
	return db_ret(db, ret, err_r);
}

/* ---- the quarantine index ---- */

static void db_quar_check_id(const char *id)
{
	assert(id != NULL && id[0] != '\0' && strlen(id) <= DB_QUAR_ID_MAX);
}

int db_quar_add(struct db *db, const struct db_quar_entry *e, const char **err_r)
{
	size_t i;
	int ret;

	db_quar_check_id(e->id);
	assert(e->nrcpts > 0 && e->reason != NULL && e->hits != NULL &&
	       e->mail_from != NULL && e->client_ip != NULL && e->queue_id != NULL &&
	       e->hdr_from != NULL && e->subject != NULL && e->file != NULL &&
	       isfinite(e->score));
	for (i = 0; i < e->nrcpts; i++)
		assert(e->rcpts[i].addr != NULL);
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->quar_add(db, e);
	return db_ret(db, ret, err_r);
}

int db_quar_get(struct db *db, const char *id, struct arena *a,
		struct db_quar_entry **e_r, const char **err_r)
{
	db_quar_check_id(id);
	*e_r = NULL;
	if (db->ops->quar_get(db, id, a, e_r) < 0) {
		*e_r = NULL;
		return db_ret(db, db_read_fail(db), err_r);
	}
	return 0;
}

int db_quar_list(struct db *db, const struct db_quar_filter *f, db_quar_fn *fn,
		 void *ctx, const char **err_r)
{
	static const struct db_quar_filter all = { NULL, 0, 0 };

	if (db->ops->quar_list(db, f != NULL ? f : &all, fn, ctx) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	return 0;
}

int db_quar_held_rcpts(struct db *db, db_quar_rcpt_fn *fn, void *ctx,
		       const char **err_r)
{
	if (db->ops->quar_held_rcpts(db, fn, ctx) < 0)
		return db_ret(db, db_read_fail(db), err_r);
	return 0;
}

int db_quar_release(struct db *db, const char *id, const char *rcpt, time_t when,
		    uint64_t *marked_r, const char **err_r)
{
	int ret;

	db_quar_check_id(id);
	assert(when > 0);
	*marked_r = 0;
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->quar_release(db, id, rcpt, when, marked_r);
	return db_ret(db, ret, err_r);
}

int db_quar_delete(struct db *db, const char *id, uint64_t *removed_r,
		   const char **err_r)
{
	int ret;

	db_quar_check_id(id);
	*removed_r = 0;
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->quar_delete(db, id, removed_r);
	return db_ret(db, ret, err_r);
}

int db_quar_expire(struct db *db, time_t before, struct arena *a,
		   const char ***files_r, size_t *nfiles_r, const char **err_r)
{
	int ret;

	*files_r = NULL;
	*nfiles_r = 0;
	ret = db_awl_before_write(db);
	if (ret == 0)
		ret = db->ops->quar_expire(db, before, a, files_r, nfiles_r);
	if (ret < 0) {
		*files_r = NULL;
		*nfiles_r = 0;
	}
	return db_ret(db, ret, err_r);
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
