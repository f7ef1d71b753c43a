/*
 * db_sqlite.c - the SQLite backend of the token store (the only file that
 * includes sqlite3.h).
 *
 * Schema (version DB_SCHEMA_VERSION, in PRAGMA user_version, with our
 * PRAGMA application_id so a foreign SQLite file is refused). Tables
 * carry a bayes_ prefix: the same file is meant to hold the other stores
 * of db/ (AWL, users, quarantine) as later migrations.
 *   bayes_tokens (h PRIMARY KEY, spam, ham, atime)  WITHOUT ROWID: the
 *          hash is the b-tree key, so a lookup is one descent however big
 *          the table grows; atime is the day (since 1970) of the last learn
 *          (scans do not write it: a write per scanned message would make
 *          every filterd thread a writer).
 *   bayes_totals (id = 1, spam, ham)          one row: messages learned.
 *   bayes_seen (h PRIMARY KEY, class, day)    WITHOUT ROWID: message id
 *          hash -> 1 ham / 2 spam, so a message counts once.
 *   awl_entries ((addr, ip) PRIMARY KEY, count, total, day)  WITHOUT
 *          ROWID (version 2): the auto-whitelist; total is a REAL, day
 *          the last one seen. No index on day: only expiry reads by it,
 *          and one scan now and then is cheaper than an index write per
 *          scanned message.
 *   quar_entries (id PRIMARY KEY, date, reason, score, hits, mail_from,
 *          client_ip, queue_id, size, hdr_from, subject, file)  (version
 *          3): one quarantined message; a rowid table (subjects and hit
 *          lists make rows too wide for WITHOUT ROWID), indexed by date
 *          for expiry.
 *   quar_rcpts ((id, rcpt) PRIMARY KEY, pos, released)  WITHOUT ROWID:
 *          its envelope recipients in order (pos), each released (the
 *          time) or held (0); rcpt compares without case. The index on
 *          (rcpt, released) makes a recipient's held list one lookup.
 * Hashes are stored as the signed 64-bit integers SQLite holds.
 * Migrations: dbs_migrations[i] takes version i to i + 1; open applies
 * the missing ones in one write transaction and refuses a newer file.
 *
 * Concurrency: one connection per struct db (opened NOMUTEX: a db is used
 * by one thread at a time), WAL so readers never wait for the writer,
 * busy_timeout for writers waiting on each other, BEGIN IMMEDIATE so a
 * write transaction holds the write lock from its start (no deadlock
 * upgrading a read), and a bounded retry of the whole transaction (or of
 * its BEGIN: a batch's) when the lock is still busy. synchronous=NORMAL:
 * in WAL mode a power loss can lose the last learns but never corrupts
 * the file; that is the right trade for counts. A call made inside an
 * open transaction (a batch's, or db.c's read_begin) runs in it.
 *
 * Learning (db.c batches even a single learn): the seen row is read and
 * written as each message comes; the summed token changes are written at
 * commit in key order, so each page is written to the log once per
 * commit instead of once per message. Tokens that only gain counts (all
 * of a plain learn run) go DBS_WRITE_ROWS to an upsert statement, which
 * halves SQLite's per-row cost (measured, 63,000 tokens: 0.36 us a new
 * row and 0.83 us an existing one, against 1.1 and 1.6 one at a time);
 * the rest (relearns, forgets) one at a time, with the clamp. A bulk batch
 * raises the page cache (DBS_BULK_CACHE_KB) so its dirty pages stay in
 * memory until the commit instead of spilling to the log.
 *
 * AWL: an update reads the entry and writes its new count and total in
 * one BEGIN IMMEDIATE transaction, so two filterd threads scoring mail
 * from the same sender at once never lose one another's message. It is
 * one small write per scanned message (with the AWL on): WAL appends a
 * page or two and syncs only at checkpoints (synchronous=NORMAL).
 *
 * Cache versions: PRAGMA data_version, read in the transaction's
 * snapshot, changes when another connection has committed.
 *
 * Lookups: "h IN (?, ?, ...)" in chunks of at most 500 parameters, one
 * statement per chunk, prepared once per connection for a few chunk
 * sizes (a short chunk is padded by repeating its last hash). Measured
 * on a 1M-token store, 300 hashes: IN lists 0.30 ms, one SELECT per hash
 * 0.39 ms, a json_each() join 0.41 ms, a temporary table join far slower.
 *
 * Ownership: struct dbs and its statements belong to the struct db.
 */
#include <sqlite3.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "db/db_int.h"
#include "lib/arena.h"
#include "lib/buf.h"

/* "Wnnw": marks the file as ours. */
#define DBS_APP_ID 0x576e6e77

/* Prepared IN-list sizes; the last is the chunk size (SQLite's variable
   limit is 999 on old builds, 32766 on new ones). */
static const unsigned int dbs_chunk_sizes[] = { 8, 32, 128, 500 };
#define DBS_NCHUNK N_ELEMENTS(dbs_chunk_sizes)
#define DBS_CHUNK_MAX 500

/* Rows per multi-row upsert: 4 parameters each, under old SQLite's 999. */
#define DBS_WRITE_ROWS 100

/* Page cache of a connection running a bulk batch: the pages a full
   batch dirties (DB_BATCH_TOKENS random tokens touch most leaves of a
   1M-token store, ~20 MB) plus the seen table's. Memory is taken only
   as pages are read. */
#define DBS_BULK_CACHE_KB (64 * 1024)

static const char *const dbs_migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE bayes_tokens (h INTEGER PRIMARY KEY NOT NULL,"
	" spam INTEGER NOT NULL DEFAULT 0, ham INTEGER NOT NULL DEFAULT 0,"
	" atime INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE bayes_totals (id INTEGER PRIMARY KEY CHECK (id = 1),"
	" spam INTEGER NOT NULL, ham INTEGER NOT NULL);"
	"INSERT INTO bayes_totals (id, spam, ham) VALUES (1, 0, 0);"
	"CREATE TABLE bayes_seen (h INTEGER PRIMARY KEY NOT NULL,"
	" class INTEGER NOT NULL, day INTEGER NOT NULL) WITHOUT ROWID;",
	/* 1 -> 2: the auto-whitelist */
	"CREATE TABLE awl_entries (addr TEXT NOT NULL, ip TEXT NOT NULL,"
	" count INTEGER NOT NULL, total REAL NOT NULL, day INTEGER NOT NULL,"
	" PRIMARY KEY (addr, ip)) WITHOUT ROWID;",
	/* 2 -> 3: the quarantine index */
	"CREATE TABLE quar_entries (id TEXT PRIMARY KEY NOT NULL,"
	" date INTEGER NOT NULL, reason TEXT NOT NULL, score REAL NOT NULL,"
	" hits TEXT NOT NULL, mail_from TEXT NOT NULL, client_ip TEXT NOT NULL,"
	" queue_id TEXT NOT NULL, size INTEGER NOT NULL, hdr_from TEXT NOT NULL,"
	" subject TEXT NOT NULL, file TEXT NOT NULL);"
	"CREATE INDEX quar_entries_date ON quar_entries (date);"
	"CREATE TABLE quar_rcpts (id TEXT NOT NULL, rcpt TEXT NOT NULL COLLATE NOCASE,"
	" pos INTEGER NOT NULL, released INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (id, rcpt)) WITHOUT ROWID;"
	"CREATE INDEX quar_rcpts_held ON quar_rcpts (rcpt, released);",
};

_Static_assert(N_ELEMENTS(dbs_migrations) == DB_SCHEMA_VERSION,
	       "one migration step per schema version");

/* Transaction control first: prepared before the migration, the rest
   (which name tables) after it. */
enum dbs_stmt {
	S_BEGIN_READ,
	S_BEGIN_WRITE,
	S_COMMIT,
	S_ROLLBACK,
	S_DATA_VERSION,
	S_TOTALS_GET,
	S_TOTALS_ADD,
	S_SEEN_GET,
	S_SEEN_PUT,
	S_SEEN_DEL,
	S_TOK_ADD,
	S_TOK_SUB,
	S_TOK_DEL_EMPTY,
	S_AWL_GET,
	S_AWL_PUT,
	S_AWL_DEL,
	S_AWL_DEL_ADDR,
	S_COUNT
};

static const char *const dbs_sql[S_COUNT] = {
	[S_BEGIN_READ] = "BEGIN",
	[S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_DATA_VERSION] = "PRAGMA data_version",
	/* changes are (add, floor) pairs: new = max(old + add, floor), see
	   struct db_delta */
	[S_TOTALS_GET] = "SELECT spam, ham FROM bayes_totals WHERE id = 1",
	[S_TOTALS_ADD] = "UPDATE bayes_totals SET spam = max(spam + ?1, ?2),"
			 " ham = max(ham + ?3, ?4) WHERE id = 1",
	[S_SEEN_GET] = "SELECT class FROM bayes_seen WHERE h = ?1",
	[S_SEEN_PUT] = "INSERT INTO bayes_seen (h, class, day) VALUES (?1, ?2, ?3)"
		       " ON CONFLICT (h) DO UPDATE SET class = excluded.class,"
		       " day = excluded.day",
	[S_SEEN_DEL] = "DELETE FROM bayes_seen WHERE h = ?1",
	/* a change that leaves a count above zero even for a token not
	   stored; a -1 for a token never stored (the tokenizer changed since)
	   must not create a negative count */
	[S_TOK_ADD] = "INSERT INTO bayes_tokens (h, spam, ham, atime)"
		      " VALUES (?1, max(?2, ?3), max(?4, ?5), ?6)"
		      " ON CONFLICT (h) DO UPDATE SET spam = max(spam + ?2, ?3),"
		      " ham = max(ham + ?4, ?5), atime = max(atime, ?6)",
	/* one that only lowers: never creates a token */
	[S_TOK_SUB] = "UPDATE bayes_tokens SET spam = max(spam + ?2, ?3),"
		      " ham = max(ham + ?4, ?5), atime = max(atime, ?6) WHERE h = ?1",
	[S_TOK_DEL_EMPTY] = "DELETE FROM bayes_tokens WHERE h = ?1 AND spam = 0 AND ham = 0",
	[S_AWL_GET] = "SELECT count, total, day FROM awl_entries WHERE addr = ?1 AND ip = ?2",
	[S_AWL_PUT] = "INSERT INTO awl_entries (addr, ip, count, total, day)"
		      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (addr, ip) DO UPDATE SET"
		      " count = excluded.count, total = excluded.total, day = excluded.day",
	[S_AWL_DEL] = "DELETE FROM awl_entries WHERE addr = ?1 AND ip = ?2",
	[S_AWL_DEL_ADDR] = "DELETE FROM awl_entries WHERE addr = ?1",
};

struct dbs {
	sqlite3 *h;
	unsigned int retries;
	int reading;            /* read_begin opened a transaction */
	int bulk;               /* the page cache is raised for a batch */
	int64_t cache_size;     /* PRAGMA cache_size as opened */
	sqlite3_stmt *st[S_COUNT];
	sqlite3_stmt *lookup[DBS_NCHUNK];
	sqlite3_stmt *add_many;  /* DBS_WRITE_ROWS rows that only gain */
	int64_t old_version;     /* read-only open of an older schema: its
				    version (Bayes reads work, the tables of
				    later versions are missing); 0 when current */
};

static struct dbs *dbs_of(struct db *db)
{
	return db->impl;
}

/* Whether the file has what schema version v added (a read-only open of
   an older file does not). */
static int dbs_has(const struct dbs *s, int64_t v)
{
	return s->old_version == 0 || s->old_version >= v;
}

/* Records what failed with SQLite's message; returns -1. */
static int dbs_fail(struct db *db, const char *what)
{
	struct dbs *s = dbs_of(db);

	return db_error(db, "%s: %s: %s", db->path, what,
			s->h ? sqlite3_errmsg(s->h) : "out of memory");
}

/* Runs a statement that returns no rows we want; resets it. */
static int dbs_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int dbs_is_busy(int rc)
{
	return rc > 0 && ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED);
}

/* Short growing pauses between whole-transaction retries (1 ms more
   each time, at most 50 ms): the busy timeout already waited, so this
   only spreads out a pile-up. */
static void dbs_backoff(unsigned int attempt)
{
	long ms = attempt < 50 ? (long)attempt + 1 : 50;
	struct timespec ts = { 0, ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* A transaction body returns an SQLite code, or DBS_ERR_SET after
   db_error() when the reason is its own (not SQLite's). */
#define DBS_ERR_SET (-1)
typedef int dbs_txn_fn(struct db *db, void *ctx);

/* One attempt: BEGIN, fn, COMMIT; ROLLBACK on failure. Returns an SQLite
   code; on failure the message is already in db->err. */
static int dbs_txn_once(struct db *db, int write, dbs_txn_fn *fn, void *ctx,
			const char *what)
{
	struct dbs *s = dbs_of(db);
	int rc;

	rc = dbs_done(s->st[write ? S_BEGIN_WRITE : S_BEGIN_READ]);
	if (rc == SQLITE_OK)
		rc = fn(db, ctx);
	if (rc == SQLITE_OK)
		rc = dbs_done(s->st[S_COMMIT]);
	if (rc != SQLITE_OK) {
		if (rc != DBS_ERR_SET)
			dbs_fail(db, what);
		if (!sqlite3_get_autocommit(s->h))
			dbs_done(s->st[S_ROLLBACK]);
	}
	return rc;
}

/* fn inside a transaction, retried while the store is busy. */
static int dbs_txn(struct db *db, int write, dbs_txn_fn *fn, void *ctx,
		   const char *what)
{
	struct dbs *s = dbs_of(db);
	unsigned int attempt;
	int rc;

	if (!sqlite3_get_autocommit(s->h)) {
		/* inside the caller's transaction: its part only, no retry
		   (a busy lock was the BEGIN's to meet) */
		rc = fn(db, ctx);
		if (rc != SQLITE_OK && rc != DBS_ERR_SET)
			dbs_fail(db, what);
		return rc == SQLITE_OK ? 0 : -1;
	}
	for (attempt = 0;; attempt++) {
		rc = dbs_txn_once(db, write, fn, ctx, what);
		if (rc == SQLITE_OK)
			return 0;
		if (!dbs_is_busy(rc) || attempt >= s->retries)
			return -1;
		dbs_backoff(attempt);
	}
}

/* An SQL text run once (setup, migrations), retried while busy. */
static int dbs_exec(struct db *db, const char *sql)
{
	struct dbs *s = dbs_of(db);
	unsigned int attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		rc = sqlite3_exec(s->h, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK || !dbs_is_busy(rc) || attempt >= s->retries)
			return rc;
		dbs_backoff(attempt);
	}
}

/* The first column of a one-row query as an integer. */
static int dbs_query_int(struct db *db, const char *sql, int64_t *r)
{
	sqlite3_stmt *st;
	int rc;

	*r = 0;
	rc = sqlite3_prepare_v2(dbs_of(db)->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*r = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- schema ---- */

struct dbs_version {
	int64_t version, app_id, objects;
};

static int dbs_read_version(struct db *db, struct dbs_version *v)
{
	int rc;

	rc = dbs_query_int(db, "PRAGMA user_version", &v->version);
	if (rc == SQLITE_OK)
		rc = dbs_query_int(db, "PRAGMA application_id", &v->app_id);
	if (rc == SQLITE_OK)
		rc = dbs_query_int(db, "SELECT count(*) FROM sqlite_master", &v->objects);
	return rc;
}

/* Refuses files that are not ours or too new; 0 if usable. */
static int dbs_check_version(struct db *db, const struct dbs_version *v)
{
	if (v->app_id != 0 && v->app_id != DBS_APP_ID)
		return db_error(db, "%s: not a Winnow database (application_id 0x%llx)",
				db->path, (unsigned long long)v->app_id);
	if (v->version == 0 && v->objects > 0)
		return db_error(db, "%s: not a Winnow database (tables without a "
				"schema version)", db->path);
	if (v->version > DB_SCHEMA_VERSION)
		return db_error(db, "%s: schema version %lld is newer than this "
				"build supports (%d): upgrade Winnow", db->path,
				(long long)v->version, DB_SCHEMA_VERSION);
	if (v->version < 0)
		return db_error(db, "%s: bad schema version %lld", db->path,
				(long long)v->version);
	return 0;
}

static int dbs_migrate_txn(struct db *db, void *ctx)
{
	struct dbs_version v;
	char sql[128];
	int rc;
	int64_t i;

	(void)ctx;
	/* again, under the write lock: another process may have done it */
	rc = dbs_read_version(db, &v);
	if (rc != SQLITE_OK)
		return rc;
	if (dbs_check_version(db, &v) < 0)
		return DBS_ERR_SET;
	for (i = v.version; i < DB_SCHEMA_VERSION && rc == SQLITE_OK; i++)
		rc = sqlite3_exec(dbs_of(db)->h, dbs_migrations[i], NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
		 DB_SCHEMA_VERSION, DBS_APP_ID);
	return sqlite3_exec(dbs_of(db)->h, sql, NULL, NULL, NULL);
}

static int dbs_read_version_txn(struct db *db, void *ctx)
{
	return dbs_read_version(db, ctx);
}

static int dbs_migrate(struct db *db, int read_only)
{
	struct dbs_version v;
	char what[64];

	/* in one snapshot: read piecemeal, another process's migration
	   committing in between looked like a foreign file */
	if (dbs_txn(db, 0, dbs_read_version_txn, &v, "reading schema version") < 0)
		return -1;
	if (dbs_check_version(db, &v) < 0)
		return -1;
	if (v.version == DB_SCHEMA_VERSION)
		return 0;
	if (read_only) {
		/* the Bayes tables are the same in every version so far: a
		   reader (winnow check) may use them before any writer has
		   migrated the file; only what later versions added (AWL,
		   quarantine) waits for the migration */
		dbs_of(db)->old_version = v.version;
		return 0;
	}
	snprintf(what, sizeof(what), "migrating schema %lld -> %d",
		 (long long)v.version, DB_SCHEMA_VERSION);
	return dbs_txn(db, 1, dbs_migrate_txn, NULL, what);
}

/* ---- open / close ---- */

static int dbs_prepare(struct db *db, const char *sql, sqlite3_stmt **st_r)
{
	if (sqlite3_prepare_v3(dbs_of(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       st_r, NULL) != SQLITE_OK)
		return dbs_fail(db, "preparing statements");
	return 0;
}

static int dbs_prepare_lookup(struct db *db, unsigned int size, sqlite3_stmt **st_r)
{
	struct buf b = BUF_INIT;
	unsigned int i;
	int ret;

	buf_append_str(&b, "SELECT h, spam, ham FROM bayes_tokens WHERE h IN (?");
	for (i = 1; i < size; i++)
		buf_append(&b, ",?", 2);
	buf_append_char(&b, ')');
	ret = dbs_prepare(db, b.data, st_r);
	buf_free(&b);
	return ret;
}

static int dbs_prepare_add_many(struct db *db, sqlite3_stmt **st_r)
{
	struct buf b = BUF_INIT;
	unsigned int i;
	int ret;

	buf_append_str(&b, "INSERT INTO bayes_tokens (h, spam, ham, atime) VALUES (?,?,?,?)");
	for (i = 1; i < DBS_WRITE_ROWS; i++)
		buf_append_str(&b, ",(?,?,?,?)");
	buf_append_str(&b, " ON CONFLICT (h) DO UPDATE SET spam = spam + excluded.spam,"
		       " ham = ham + excluded.ham, atime = max(atime, excluded.atime)");
	ret = dbs_prepare(db, b.data, st_r);
	buf_free(&b);
	return ret;
}

/* Statements first to last - 1 of dbs_sql. */
static int dbs_prepare_range(struct db *db, enum dbs_stmt first, enum dbs_stmt last)
{
	struct dbs *s = dbs_of(db);
	size_t i;

	for (i = first; i < last; i++) {
		if (dbs_prepare(db, dbs_sql[i], &s->st[i]) < 0)
			return -1;
	}
	return 0;
}

/* The statements that need the tables (after migration). */
static int dbs_prepare_tables(struct db *db)
{
	struct dbs *s = dbs_of(db);
	size_t i;

	if (dbs_prepare_range(db, S_TOTALS_GET, dbs_has(s, 2) ? S_COUNT : S_AWL_GET) < 0 ||
	    dbs_prepare_add_many(db, &s->add_many) < 0)
		return -1;
	for (i = 0; i < DBS_NCHUNK; i++) {
		if (dbs_prepare_lookup(db, dbs_chunk_sizes[i], &s->lookup[i]) < 0)
			return -1;
	}
	return 0;
}

/* The mode PRAGMA journal_mode = WAL left the connection in, in *wal_r. */
static int dbs_try_wal(struct dbs *s, int *wal_r)
{
	sqlite3_stmt *st;
	int rc;

	*wal_r = 0;
	rc = sqlite3_prepare_v2(s->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		*wal_r = mode != NULL && strcmp((const char *)mode, "wal") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Returned by setup when the connection must be opened again. */
#define DBS_REOPEN 1

/* WAL is a property of the file: set once, then a no-op. But when the
   pragma meets another connection's lock it can answer with the old mode
   and no error, and leave the connection in rollback mode for good
   (asking again gives the same answer), where its writes are lost to the
   others' checkpoints: seen with busy_timeout 0 and two writers opening.
   So the answer is checked, and the connection opened again if wrong. */
static int dbs_set_wal(struct db *db)
{
	int rc, wal;

	rc = dbs_try_wal(dbs_of(db), &wal);
	if (rc == SQLITE_OK && wal)
		return 0;
	if (rc != SQLITE_OK && !dbs_is_busy(rc))
		return dbs_fail(db, "setting WAL mode");
	return DBS_REOPEN;
}

/* 0, -1 with db_error(), or DBS_REOPEN. */
static int dbs_setup(struct db *db, const struct db_options *o)
{
	struct dbs *s = dbs_of(db);
	char sql[96];
	int rc;

	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_timeout(s->h, (int)o->busy_timeout_ms);
	if (!o->read_only && (rc = dbs_set_wal(db)) != 0)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s; PRAGMA mmap_size = %zu",
		 o->durable ? "FULL" : "NORMAL", o->mmap_bytes);
	if (dbs_exec(db, sql) != SQLITE_OK ||
	    dbs_query_int(db, "PRAGMA cache_size", &s->cache_size) != SQLITE_OK)
		return dbs_fail(db, "setting options");
	/* transaction control, which the migration needs */
	return dbs_prepare_range(db, S_BEGIN_READ, S_TOTALS_GET);
}

static void dbs_close(struct db *db)
{
	struct dbs *s = dbs_of(db);
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (i = 0; i < DBS_NCHUNK; i++)
		sqlite3_finalize(s->lookup[i]);
	sqlite3_finalize(s->add_many);
	sqlite3_close(s->h);
	free(s);
	db->impl = NULL;
}

/* 0, -1 with db_error(), or DBS_REOPEN; closed unless 0. */
static int dbs_open_once(struct db *db, const char *path, const struct db_options *o)
{
	struct dbs *s = xcalloc(1, sizeof(*s));
	int flags = SQLITE_OPEN_NOMUTEX, rc;

	db->impl = s;
	s->retries = o->busy_retries;
	flags |= o->read_only ? SQLITE_OPEN_READONLY
			      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->h, flags, NULL) != SQLITE_OK) {
		dbs_fail(db, "opening");
		dbs_close(db);
		return -1;
	}
	rc = dbs_setup(db, o);
	if (rc == 0 && (dbs_migrate(db, o->read_only) < 0 || dbs_prepare_tables(db) < 0))
		rc = -1;
	if (rc != 0)
		dbs_close(db);
	return rc;
}

static int dbs_open(struct db *db, const char *path, const struct db_options *o)
{
	unsigned int attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		rc = dbs_open_once(db, path, o);
		if (rc != DBS_REOPEN)
			return rc;
		if (attempt >= o->busy_retries)
			return db_error(db, "%s: cannot switch to WAL mode (the store stays "
					"busy, or its file system has no shared memory)", path);
		dbs_backoff(attempt);
	}
}

/* ---- reads ---- */

static int dbs_version(struct dbs *s, uint64_t *version_r)
{
	sqlite3_stmt *st = s->st[S_DATA_VERSION];
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*version_r = (uint64_t)sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* BEGIN and the version; reading it takes the snapshot the calls up to
   read_end see, so the version is that snapshot's. */
static int dbs_read_begin(struct db *db, uint64_t *version_r)
{
	struct dbs *s = dbs_of(db);
	unsigned int attempt;
	int rc;

	if (!sqlite3_get_autocommit(s->h)) {
		if (dbs_version(s, version_r) != SQLITE_OK)
			return dbs_fail(db, "reading the data version");
		return 0;
	}
	for (attempt = 0;; attempt++) {
		rc = dbs_done(s->st[S_BEGIN_READ]);
		if (rc == SQLITE_OK)
			rc = dbs_version(s, version_r);
		if (rc == SQLITE_OK) {
			s->reading = 1;
			return 0;
		}
		dbs_fail(db, "starting to read");
		if (!sqlite3_get_autocommit(s->h))
			dbs_done(s->st[S_ROLLBACK]);
		if (!dbs_is_busy(rc) || attempt >= s->retries)
			return -1;
		dbs_backoff(attempt);
	}
}

static void dbs_read_end(struct db *db)
{
	struct dbs *s = dbs_of(db);

	if (!s->reading)
		return;
	s->reading = 0;
	/* a read-only transaction: nothing to lose if COMMIT fails */
	if (dbs_done(s->st[S_COMMIT]) != SQLITE_OK && !sqlite3_get_autocommit(s->h))
		dbs_done(s->st[S_ROLLBACK]);
}

static int dbs_totals_txn(struct db *db, void *ctx)
{
	sqlite3_stmt *st = dbs_of(db)->st[S_TOTALS_GET];
	struct db_totals *t = ctx;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		t->spam = (uint64_t)sqlite3_column_int64(st, 0);
		t->ham = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_CORRUPT; /* the migration inserts the row */
	}
	sqlite3_reset(st);
	return rc;
}

static int dbs_totals(struct db *db, struct db_totals *r)
{
	return dbs_txn(db, 0, dbs_totals_txn, r, "reading totals");
}

/* The input sorted by hash, to find where a result row goes. */
struct dbs_slot {
	uint64_t h;
	size_t i;
};

struct dbs_lookup {
	const uint64_t *hashes;
	size_t n;
	struct db_counts *counts;
	struct dbs_slot *slots; /* sorted by h */
};

static int dbs_cmp_slot(const void *x, const void *y)
{
	const struct dbs_slot *a = x, *b = y;

	return a->h < b->h ? -1 : a->h > b->h;
}

static uint32_t dbs_count(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Puts one result row's counts at every input position of its hash. */
static void dbs_lookup_place(struct dbs_lookup *l, uint64_t h, uint32_t spam,
			     uint32_t ham)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->slots[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->slots[lo].h == h; lo++) {
		l->counts[l->slots[lo].i].spam = spam;
		l->counts[l->slots[lo].i].ham = ham;
	}
}

static sqlite3_stmt *dbs_lookup_stmt(struct dbs *s, size_t n, unsigned int *size_r)
{
	size_t i;

	for (i = 0; i + 1 < DBS_NCHUNK && dbs_chunk_sizes[i] < n; i++)
		;
	*size_r = dbs_chunk_sizes[i];
	return s->lookup[i];
}

static int dbs_lookup_chunk(struct db *db, struct dbs_lookup *l, size_t off,
			    size_t n)
{
	unsigned int size, k;
	sqlite3_stmt *st = dbs_lookup_stmt(dbs_of(db), n, &size);
	int rc;

	for (k = 0; k < size; k++) {
		uint64_t h = l->hashes[off + (k < n ? k : n - 1)];
		sqlite3_bind_int64(st, (int)k + 1, (sqlite3_int64)h);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dbs_lookup_place(l, (uint64_t)sqlite3_column_int64(st, 0),
				 dbs_count(sqlite3_column_int64(st, 1)),
				 dbs_count(sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dbs_lookup_txn(struct db *db, void *ctx)
{
	struct dbs_lookup *l = ctx;
	size_t off;
	int rc = SQLITE_OK;

	for (off = 0; off < l->n && rc == SQLITE_OK; off += DBS_CHUNK_MAX) {
		size_t n = l->n - off < DBS_CHUNK_MAX ? l->n - off : DBS_CHUNK_MAX;
		rc = dbs_lookup_chunk(db, l, off, n);
	}
	return rc;
}

static int dbs_lookup(struct db *db, const uint64_t *hashes, size_t n,
		      struct db_counts *counts_r)
{
	struct dbs_lookup l = { hashes, n, counts_r, NULL };
	size_t i;
	int ret;

	l.slots = xcalloc(n, sizeof(*l.slots));
	for (i = 0; i < n; i++) {
		l.slots[i].h = hashes[i];
		l.slots[i].i = i;
	}
	qsort(l.slots, n, sizeof(*l.slots), dbs_cmp_slot);
	ret = dbs_txn(db, 0, dbs_lookup_txn, &l, "looking up tokens");
	free(l.slots);
	return ret;
}

/* The class msgid was learned as (DB_NONE if never); an SQLite code. */
static int dbs_seen_get(struct db *db, uint64_t msgid, enum db_class *cls_r)
{
	sqlite3_stmt *st = dbs_of(db)->st[S_SEEN_GET];
	int rc;

	*cls_r = DB_NONE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)msgid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0);
		*cls_r = c == DB_SPAM ? DB_SPAM : c == DB_HAM ? DB_HAM : DB_NONE;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct dbs_seen_args {
	uint64_t msgid;
	enum db_class *cls_r;
};

static int dbs_seen_txn(struct db *db, void *ctx)
{
	struct dbs_seen_args *a = ctx;

	return dbs_seen_get(db, a->msgid, a->cls_r);
}

static int dbs_seen(struct db *db, uint64_t msgid, enum db_class *class_r)
{
	struct dbs_seen_args a = { msgid, class_r };

	return dbs_txn(db, 0, dbs_seen_txn, &a, "reading seen table");
}

/* ---- learning ---- */

static int dbs_write_begin(struct db *db, int bulk)
{
	struct dbs *s = dbs_of(db);
	unsigned int attempt;
	char sql[64];
	int rc;

	if (bulk && !s->bulk) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", DBS_BULK_CACHE_KB);
		if (dbs_exec(db, sql) != SQLITE_OK)
			return dbs_fail(db, "setting the cache size");
		s->bulk = 1;
	}
	for (attempt = 0;; attempt++) {
		rc = dbs_done(s->st[S_BEGIN_WRITE]);
		if (rc == SQLITE_OK)
			return 0;
		if (!dbs_is_busy(rc) || attempt >= s->retries)
			return dbs_fail(db, "starting to learn");
		dbs_backoff(attempt);
	}
}

static void dbs_bulk_end(struct db *db)
{
	struct dbs *s = dbs_of(db);
	char sql[64];

	if (!s->bulk)
		return;
	/* gives the pages back; a failure only leaves the cache large */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld", (long long)s->cache_size);
	(void)dbs_exec(db, sql);
	s->bulk = 0;
}

static void dbs_write_rollback(struct db *db)
{
	struct dbs *s = dbs_of(db);

	if (!sqlite3_get_autocommit(s->h))
		dbs_done(s->st[S_ROLLBACK]);
}

static int dbs_seen_set(struct dbs *s, uint64_t msgid, enum db_class cls, uint32_t day)
{
	sqlite3_stmt *st;

	if (cls == DB_NONE) {
		st = s->st[S_SEEN_DEL];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)msgid);
	} else {
		st = s->st[S_SEEN_PUT];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)msgid);
		sqlite3_bind_int(st, 2, (int)cls);
		sqlite3_bind_int64(st, 3, day);
	}
	return dbs_done(st);
}

static int dbs_mark(struct db *db, uint64_t msgid, enum db_class cls, uint32_t day,
		    enum db_class *was_r)
{
	struct dbs *s = dbs_of(db);
	int rc;

	rc = dbs_seen_get(db, msgid, was_r);
	if (rc == SQLITE_OK && *was_r != cls)
		rc = dbs_seen_set(s, msgid, cls, day);
	return rc == SQLITE_OK ? 0 : dbs_fail(db, "learning");
}

static void dbs_bind_delta(sqlite3_stmt *st, int i, const struct db_delta *d)
{
	sqlite3_bind_int(st, i, d->add);
	sqlite3_bind_int(st, i + 1, d->floor);
}

/* One token's summed change. It raises a count (an upsert) when it would
   leave one above zero even on a token not stored: then the token is
   never left empty. Otherwise it only lowers (an update), and a token
   left at zero is removed. */
static int dbs_tok_apply(struct dbs *s, const struct db_tok_delta *t)
{
	int grows = t->spam.add > 0 || t->spam.floor > 0 || t->ham.add > 0 ||
		    t->ham.floor > 0;
	sqlite3_stmt *st = s->st[grows ? S_TOK_ADD : S_TOK_SUB];
	int rc;

	if (!grows && t->spam.add == 0 && t->ham.add == 0 && t->day == 0)
		return SQLITE_OK; /* changes nothing, not even the day */
	sqlite3_bind_int64(st, 1, (sqlite3_int64)t->h);
	dbs_bind_delta(st, 2, &t->spam);
	dbs_bind_delta(st, 4, &t->ham);
	sqlite3_bind_int64(st, 6, t->day);
	rc = dbs_done(st);
	if (rc == SQLITE_OK && !grows && (t->spam.add < 0 || t->ham.add < 0)) {
		sqlite3_bind_int64(s->st[S_TOK_DEL_EMPTY], 1, (sqlite3_int64)t->h);
		rc = dbs_done(s->st[S_TOK_DEL_EMPTY]);
	}
	return rc;
}

/* A change that only adds (floor == add >= 0, see struct db_delta), so
   "old + add" is exact and a new row is just the adds. */
static int dbs_only_gains(const struct db_tok_delta *t)
{
	return t->spam.add >= 0 && t->spam.floor == t->spam.add && t->ham.add >= 0 &&
	       t->ham.floor == t->ham.add && (t->spam.add > 0 || t->ham.add > 0);
}

/* The token changes: those that only gain DBS_WRITE_ROWS to a statement
   (a short last group one by one: repeating a row to fill the statement
   would count it twice), the others one by one. */
static int dbs_toks_apply(struct dbs *s, const struct db_tok_delta *toks, size_t n)
{
	const struct db_tok_delta *group[DBS_WRITE_ROWS];
	sqlite3_stmt *st = s->add_many;
	size_t i, k = 0;
	int rc = SQLITE_OK;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		const struct db_tok_delta *t = &toks[i];
		int p = (int)k * 4;

		assert(i == 0 || (int64_t)toks[i - 1].h < (int64_t)t->h);
		if (!dbs_only_gains(t)) {
			rc = dbs_tok_apply(s, t);
			continue;
		}
		group[k++] = t;
		sqlite3_bind_int64(st, p + 1, (sqlite3_int64)t->h);
		sqlite3_bind_int(st, p + 2, t->spam.add);
		sqlite3_bind_int(st, p + 3, t->ham.add);
		sqlite3_bind_int64(st, p + 4, t->day);
		if (k == DBS_WRITE_ROWS) {
			rc = dbs_done(st);
			k = 0;
		}
	}
	for (i = 0; i < k && rc == SQLITE_OK; i++)
		rc = dbs_tok_apply(s, group[i]);
	return rc;
}

static int dbs_write_commit(struct db *db, const struct db_tok_delta *toks, size_t n,
			    const struct db_delta *spam, const struct db_delta *ham)
{
	struct dbs *s = dbs_of(db);
	sqlite3_stmt *st = s->st[S_TOTALS_ADD];
	int rc;

	rc = dbs_toks_apply(s, toks, n);
	if (rc == SQLITE_OK && (spam->add != 0 || spam->floor != 0 || ham->add != 0 ||
				ham->floor != 0)) {
		dbs_bind_delta(st, 1, spam);
		dbs_bind_delta(st, 3, ham);
		rc = dbs_done(st);
	}
	if (rc == SQLITE_OK)
		rc = dbs_done(s->st[S_COMMIT]);
	if (rc != SQLITE_OK) {
		dbs_fail(db, "learning");
		dbs_write_rollback(db);
		return -1;
	}
	return 0;
}

/* ---- statistics and expiry ---- */

static uint64_t dbs_file_size(const char *path, const char *suffix)
{
	struct buf b = BUF_INIT;
	struct stat st;
	uint64_t size = 0;

	buf_printf(&b, "%s%s", path, suffix);
	if (stat(b.data, &st) == 0)
		size = (uint64_t)st.st_size;
	buf_free(&b);
	return size;
}

static int dbs_stats_txn(struct db *db, void *ctx)
{
	struct db_stats *r = ctx;
	sqlite3_stmt *st;
	int64_t seen;
	int rc;

	rc = dbs_totals_txn(db, &r->totals);
	if (rc == SQLITE_OK)
		rc = dbs_query_int(db, "SELECT count(*) FROM bayes_seen", &seen);
	if (rc != SQLITE_OK)
		return rc;
	r->seen = (uint64_t)seen;
	seen = 0;
	if (dbs_has(dbs_of(db), 2))
		rc = dbs_query_int(db, "SELECT count(*) FROM awl_entries", &seen);
	if (rc != SQLITE_OK)
		return rc;
	r->awl_entries = (uint64_t)seen;
	seen = 0;
	if (dbs_has(dbs_of(db), 3))
		rc = dbs_query_int(db, "SELECT count(*) FROM quar_entries", &seen);
	if (rc != SQLITE_OK)
		return rc;
	r->quar_entries = (uint64_t)seen;
	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT count(*), coalesce(min(atime), 0),"
				" coalesce(max(atime), 0) FROM bayes_tokens", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->tokens = (uint64_t)sqlite3_column_int64(st, 0);
		r->oldest_day = dbs_count(sqlite3_column_int64(st, 1));
		r->newest_day = dbs_count(sqlite3_column_int64(st, 2));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int dbs_stats(struct db *db, struct db_stats *r)
{
	if (dbs_txn(db, 0, dbs_stats_txn, r, "reading statistics") < 0)
		return -1;
	r->schema_version = DB_SCHEMA_VERSION;
	r->file_bytes = dbs_file_size(db->path, "") + dbs_file_size(db->path, "-wal");
	return 0;
}

struct dbs_expire {
	const struct db_expire_params *p;
	struct db_expire_result *r;
};

/* Runs a DELETE with up to two integer parameters; *changes_r rows. */
static int dbs_delete(struct db *db, const char *sql, int64_t a, int64_t b,
		      uint64_t *changes_r)
{
	sqlite3 *h = dbs_of(db)->h;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	*changes_r = (uint64_t)sqlite3_changes(h);
	return SQLITE_OK;
}

static int dbs_expire_txn(struct db *db, void *ctx)
{
	struct dbs_expire *e = ctx;
	uint32_t today = db_day(e->p->now);
	int64_t cutoff = today > e->p->rare_days ? today - e->p->rare_days : 0;
	int64_t count;
	int rc;

	e->r->removed_rare = e->r->removed_old = 0;
	rc = dbs_delete(db, "DELETE FROM bayes_tokens WHERE spam + ham <= ?1 AND atime < ?2",
			e->p->rare_count, cutoff, &e->r->removed_rare);
	if (rc == SQLITE_OK)
		rc = dbs_query_int(db, "SELECT count(*) FROM bayes_tokens", &count);
	if (rc != SQLITE_OK)
		return rc;
	if ((uint64_t)count > e->p->max_tokens) {
		/* the planner keeps only the LIMIT smallest while sorting */
		rc = dbs_delete(db, "DELETE FROM bayes_tokens WHERE h IN (SELECT h FROM bayes_tokens"
				" ORDER BY atime, spam + ham LIMIT ?1)",
				count - (int64_t)e->p->target_tokens, 0,
				&e->r->removed_old);
	}
	e->r->tokens_left = (uint64_t)count - e->r->removed_old;
	e->r->removed_seen = 0;
	if (rc == SQLITE_OK && e->p->seen_days > 0)
		rc = dbs_delete(db, "DELETE FROM bayes_seen WHERE day < ?1",
				today > e->p->seen_days ? today - e->p->seen_days : 0, 0,
				&e->r->removed_seen);
	e->r->removed_awl = 0;
	if (rc == SQLITE_OK && e->p->awl_days > 0)
		rc = dbs_delete(db, "DELETE FROM awl_entries WHERE day < ?1",
				today > e->p->awl_days ? today - e->p->awl_days : 0, 0,
				&e->r->removed_awl);
	return rc;
}

static int dbs_expire(struct db *db, const struct db_expire_params *p,
		      struct db_expire_result *r)
{
	struct dbs_expire e = { p, r };

	if (dbs_txn(db, 1, dbs_expire_txn, &e, "expiring tokens") < 0)
		return -1;
	/* hand the freed pages back from the log; a busy reader just
	   means the log is trimmed on a later checkpoint */
	sqlite3_wal_checkpoint_v2(dbs_of(db)->h, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				  NULL, NULL);
	return 0;
}

/* ---- the auto-whitelist ---- */

static void dbs_bind_key(sqlite3_stmt *st, const char *addr, const char *ip)
{
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
}

/* The entry (addr, ip) in *e (zero if none, or if its data is bad); an
   SQLite code. */
/* -1 with a clear error when the file is an older schema opened
   read-only (no AWL table yet); else 0. */
static int dbs_awl_missing(struct db *db)
{
	struct dbs *s = dbs_of(db);

	if (dbs_has(s, 2))
		return 0;
	return db_error(db, "%s: schema version %lld has no auto-whitelist yet "
			"(open it read-write once to migrate it to %d)", db->path,
			(long long)s->old_version, DB_SCHEMA_VERSION);
}

static int dbs_awl_read(struct db *db, const char *addr, const char *ip,
			struct db_awl_entry *e)
{
	sqlite3_stmt *st = dbs_of(db)->st[S_AWL_GET];
	int rc;

	e->count = 0;
	e->total = 0;
	e->day = 0;
	dbs_bind_key(st, addr, ip);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t count = sqlite3_column_int64(st, 0);
		double total = sqlite3_column_double(st, 1);
		/* a hand-edited or foreign row: start it over, as SA does */
		if (count > 0 && total == total) {
			e->count = (uint64_t)count;
			e->total = total;
			e->day = dbs_count(sqlite3_column_int64(st, 2));
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dbs_awl_write(struct db *db, enum dbs_stmt which, const char *addr,
			 const char *ip, const struct db_awl_entry *e)
{
	sqlite3_stmt *st = dbs_of(db)->st[which];

	dbs_bind_key(st, addr, ip);
	if (which == S_AWL_PUT) {
		sqlite3_bind_int64(st, 3, (sqlite3_int64)e->count);
		sqlite3_bind_double(st, 4, e->total);
		sqlite3_bind_int64(st, 5, e->day);
	}
	return dbs_done(st);
}

struct dbs_awl {
	const char *addr, *ip;
	double score;
	uint32_t day;
	struct db_awl_entry *e;
	int stand_in;
	uint64_t removed;
};

/* The entry, or the address's entry without an IP standing in for it. */
static int dbs_awl_get_txn(struct db *db, void *ctx)
{
	struct dbs_awl *a = ctx;
	int rc;

	a->stand_in = 0;
	rc = dbs_awl_read(db, a->addr, a->ip, a->e);
	if (rc != SQLITE_OK || a->e->count > 0 || strcmp(a->ip, DB_AWL_NO_IP) == 0)
		return rc;
	rc = dbs_awl_read(db, a->addr, DB_AWL_NO_IP, a->e);
	a->stand_in = a->e->count > 0;
	return rc;
}

static int dbs_awl_get(struct db *db, const char *addr, const char *ip,
		       struct db_awl_entry *e, int *stand_in_r)
{
	struct dbs_awl a = { .addr = addr, .ip = ip, .e = e };
	int ret;

	if (dbs_awl_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 0, dbs_awl_get_txn, &a, "reading the AWL");
	*stand_in_r = a.stand_in;
	return ret;
}

/* Read, move a stand-in over, add: all under the write lock (retried
   whole when busy, so it starts from the store every time). */
static int dbs_awl_add_txn(struct db *db, void *ctx)
{
	struct dbs_awl *a = ctx;
	struct db_awl_entry next;
	int rc;

	rc = dbs_awl_get_txn(db, a);
	if (rc == SQLITE_OK && a->stand_in)
		rc = dbs_awl_write(db, S_AWL_DEL, a->addr, DB_AWL_NO_IP, NULL);
	if (rc != SQLITE_OK)
		return rc;
	next.count = a->e->count + 1;
	next.total = a->e->total + a->score;
	next.day = a->day > a->e->day ? a->day : a->e->day;
	return dbs_awl_write(db, S_AWL_PUT, a->addr, a->ip, &next);
}

static int dbs_awl_add(struct db *db, const char *addr, const char *ip, double score,
		       uint32_t day, struct db_awl_entry *before)
{
	struct dbs_awl a = { .addr = addr, .ip = ip, .score = score, .day = day,
			     .e = before };

	if (dbs_awl_missing(db) < 0)
		return -1;
	return dbs_txn(db, 1, dbs_awl_add_txn, &a, "updating the AWL");
}

static int dbs_awl_set_txn(struct db *db, void *ctx)
{
	struct dbs_awl *a = ctx;
	struct db_awl_entry e = { .count = 1, .total = a->score, .day = a->day };

	return dbs_awl_write(db, S_AWL_PUT, a->addr, a->ip, &e);
}

static int dbs_awl_set(struct db *db, const char *addr, const char *ip, double score,
		       uint32_t day)
{
	struct dbs_awl a = { .addr = addr, .ip = ip, .score = score, .day = day };

	if (dbs_awl_missing(db) < 0)
		return -1;
	return dbs_txn(db, 1, dbs_awl_set_txn, &a, "updating the AWL");
}

static int dbs_awl_remove_txn(struct db *db, void *ctx)
{
	struct dbs_awl *a = ctx;
	int rc;

	rc = dbs_awl_write(db, a->ip != NULL ? S_AWL_DEL : S_AWL_DEL_ADDR, a->addr,
			   a->ip, NULL);
	a->removed = rc == SQLITE_OK ? (uint64_t)sqlite3_changes(dbs_of(db)->h) : 0;
	return rc;
}

static int dbs_awl_remove(struct db *db, const char *addr, const char *ip,
			  uint64_t *removed_r)
{
	struct dbs_awl a = { .addr = addr, .ip = ip };
	int ret;

	if (dbs_awl_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 1, dbs_awl_remove_txn, &a, "removing from the AWL");
	*removed_r = a.removed;
	return ret;
}

struct dbs_awl_walk {
	db_awl_fn *fn;
	void *ctx;
};

static int dbs_awl_list_txn(struct db *db, void *ctx)
{
	struct dbs_awl_walk *w = ctx;
	struct db_awl_entry e;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT addr, ip, count, total, day"
				" FROM awl_entries ORDER BY addr, ip", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.addr = (const char *)sqlite3_column_text(st, 0);
		e.ip = (const char *)sqlite3_column_text(st, 1);
		e.count = dbs_count(sqlite3_column_int64(st, 2));
		e.total = sqlite3_column_double(st, 3);
		e.day = dbs_count(sqlite3_column_int64(st, 4));
		if (e.addr == NULL || e.ip == NULL)
			continue; /* NOT NULL; out of memory converting */
		if (w->fn(w->ctx, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dbs_awl_list(struct db *db, db_awl_fn *fn, void *ctx)
{
	struct dbs_awl_walk w = { fn, ctx };

	if (dbs_awl_missing(db) < 0)
		return -1;
	return dbs_txn(db, 0, dbs_awl_list_txn, &w, "listing the AWL");
}

static int dbs_awl_expire_txn(struct db *db, void *ctx)
{
	struct dbs_awl *a = ctx;

	return dbs_delete(db, "DELETE FROM awl_entries WHERE day < ?1", a->day, 0,
			  &a->removed);
}

static int dbs_awl_expire(struct db *db, uint32_t before_day, uint64_t *removed_r)
{
	struct dbs_awl a = { .day = before_day };
	int ret;

	*removed_r = 0;
	if (dbs_awl_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 1, dbs_awl_expire_txn, &a, "expiring the AWL");
	*removed_r = ret == 0 ? a.removed : 0;
	return ret;
}

/* ---- the quarantine index ---- */

/* -1 with a clear error when the file is an older schema opened
   read-only (no quarantine tables yet); else 0. */
static int dbs_quar_missing(struct db *db)
{
	struct dbs *s = dbs_of(db);

	if (dbs_has(s, 3))
		return 0;
	return db_error(db, "%s: schema version %lld has no quarantine yet "
			"(open it read-write once to migrate it to %d)", db->path,
			(long long)s->old_version, DB_SCHEMA_VERSION);
}

#define DBS_QUAR_COLS "e.id, e.date, e.reason, e.score, e.hits, e.mail_from," \
	" e.client_ip, e.queue_id, e.size, e.hdr_from, e.subject, e.file"

static void dbs_bind_str(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* A text column copied to a (NOT NULL columns; "" if SQLite ran out of
   memory converting). */
static const char *dbs_col_str(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return arena_strdup(a, v != NULL ? (const char *)v : "");
}

struct dbs_quar {
	const struct db_quar_entry *in;    /* add */
	const char *id, *rcpt;
	time_t when;
	struct arena *a;
	struct db_quar_entry *e;           /* get: the entry, or NULL */
	const struct db_quar_filter *f;    /* list */
	db_quar_fn *fn;
	db_quar_rcpt_fn *rcpt_fn;
	void *ctx;
	uint64_t changes;
	struct arena_vec files;            /* expire: const char * */
};

static int dbs_quar_add_txn(struct db *db, void *ctx)
{
	const struct db_quar_entry *e = ((struct dbs_quar *)ctx)->in;
	sqlite3 *h = dbs_of(db)->h;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	rc = sqlite3_prepare_v2(h, "INSERT INTO quar_entries (id, date, reason, score,"
				" hits, mail_from, client_ip, queue_id, size, hdr_from,"
				" subject, file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
				" ?9, ?10, ?11, ?12)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	dbs_bind_str(st, 1, e->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->date);
	dbs_bind_str(st, 3, e->reason);
	sqlite3_bind_double(st, 4, e->score);
	dbs_bind_str(st, 5, e->hits);
	dbs_bind_str(st, 6, e->mail_from);
	dbs_bind_str(st, 7, e->client_ip);
	dbs_bind_str(st, 8, e->queue_id);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)e->size);
	dbs_bind_str(st, 10, e->hdr_from);
	dbs_bind_str(st, 11, e->subject);
	dbs_bind_str(st, 12, e->file);
	rc = dbs_done(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(h, "INSERT OR IGNORE INTO quar_rcpts (id, rcpt, pos,"
				" released) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	for (i = 0; i < e->nrcpts && rc == SQLITE_OK; i++) {
		dbs_bind_str(st, 1, e->id);
		dbs_bind_str(st, 2, e->rcpts[i].addr);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)e->rcpts[i].released);
		rc = dbs_done(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int dbs_quar_add(struct db *db, const struct db_quar_entry *e)
{
	struct dbs_quar q = { .in = e };

	if (dbs_quar_missing(db) < 0)
		return -1;
	return dbs_txn(db, 1, dbs_quar_add_txn, &q, "adding a quarantine entry");
}

/* The recipients of e->id into e (arena a); an SQLite code. */
static int dbs_quar_rcpts_read(struct db *db, struct db_quar_entry *e, struct arena *a)
{
	struct arena_vec v = { NULL, 0, 0 };
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT rcpt, released FROM quar_rcpts"
				" WHERE id = ?1 ORDER BY pos", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	dbs_bind_str(st, 1, e->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_quar_rcpt *r = ARENA_VEC_PUSH(a, &v, struct db_quar_rcpt);
		r->addr = dbs_col_str(st, 0, a);
		r->released = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	e->rcpts = v.v;
	e->nrcpts = v.count;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The entry in the current row of st (DBS_QUAR_COLS), recipients
   included; an SQLite code. */
static int dbs_quar_row(struct db *db, sqlite3_stmt *st, struct arena *a,
			struct db_quar_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->id = dbs_col_str(st, 0, a);
	e->date = (time_t)sqlite3_column_int64(st, 1);
	e->reason = dbs_col_str(st, 2, a);
	e->score = sqlite3_column_double(st, 3);
	e->hits = dbs_col_str(st, 4, a);
	e->mail_from = dbs_col_str(st, 5, a);
	e->client_ip = dbs_col_str(st, 6, a);
	e->queue_id = dbs_col_str(st, 7, a);
	e->size = (uint64_t)sqlite3_column_int64(st, 8);
	e->hdr_from = dbs_col_str(st, 9, a);
	e->subject = dbs_col_str(st, 10, a);
	e->file = dbs_col_str(st, 11, a);
	return dbs_quar_rcpts_read(db, e, a);
}

static int dbs_quar_get_txn(struct db *db, void *ctx)
{
	struct dbs_quar *q = ctx;
	sqlite3_stmt *st;
	int rc;

	q->e = NULL;
	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT " DBS_QUAR_COLS
				" FROM quar_entries e WHERE e.id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	dbs_bind_str(st, 1, q->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		q->e = arena_zalloc(q->a, sizeof(*q->e));
		rc = dbs_quar_row(db, st, q->a, q->e);
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int dbs_quar_get(struct db *db, const char *id, struct arena *a,
			struct db_quar_entry **e_r)
{
	struct dbs_quar q = { .id = id, .a = a };
	int ret;

	if (dbs_quar_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 0, dbs_quar_get_txn, &q, "reading the quarantine");
	*e_r = ret == 0 ? q.e : NULL;
	return ret;
}

static int dbs_quar_list_txn(struct db *db, void *ctx)
{
	struct dbs_quar *q = ctx;
	struct arena *a = arena_new(4096);
	struct db_quar_entry e;
	sqlite3_stmt *st;
	int rc;

	/* by recipient: driven by quar_rcpts_held; else a walk of the
	   entries in date order */
	rc = sqlite3_prepare_v2(dbs_of(db)->h, q->f->rcpt != NULL ?
				"SELECT " DBS_QUAR_COLS " FROM quar_rcpts r JOIN"
				" quar_entries e ON e.id = r.id WHERE r.rcpt = ?1 AND"
				" (?2 = 0 OR r.released = 0) AND (?3 = 0 OR e.date < ?3)"
				" ORDER BY e.date, e.id" :
				"SELECT " DBS_QUAR_COLS " FROM quar_entries e WHERE"
				" (?2 = 0 OR EXISTS (SELECT 1 FROM quar_rcpts r WHERE"
				" r.id = e.id AND r.released = 0)) AND"
				" (?3 = 0 OR e.date < ?3) ORDER BY e.date, e.id",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		arena_free(&a);
		return rc;
	}
	if (q->f->rcpt != NULL)
		dbs_bind_str(st, 1, q->f->rcpt);
	sqlite3_bind_int(st, 2, q->f->held);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)q->f->before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		arena_reset(a);
		rc = dbs_quar_row(db, st, a, &e);
		if (rc != SQLITE_OK)
			break;
		if (q->fn(q->ctx, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	arena_free(&a);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dbs_quar_list(struct db *db, const struct db_quar_filter *f,
			 db_quar_fn *fn, void *ctx)
{
	struct dbs_quar q = { .f = f, .fn = fn, .ctx = ctx };

	if (dbs_quar_missing(db) < 0)
		return -1;
	return dbs_txn(db, 0, dbs_quar_list_txn, &q, "listing the quarantine");
}

static int dbs_quar_held_rcpts_txn(struct db *db, void *ctx)
{
	struct dbs_quar *q = ctx;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT min(rcpt) FROM quar_rcpts"
				" WHERE released = 0 GROUP BY rcpt ORDER BY rcpt",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *r = sqlite3_column_text(st, 0);
		if (r != NULL && q->rcpt_fn(q->ctx, (const char *)r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int dbs_quar_held_rcpts(struct db *db, db_quar_rcpt_fn *fn, void *ctx)
{
	struct dbs_quar q = { .rcpt_fn = fn, .ctx = ctx };

	if (dbs_quar_missing(db) < 0)
		return -1;
	return dbs_txn(db, 0, dbs_quar_held_rcpts_txn, &q, "listing the quarantine");
}

/* Runs a write statement binding id (?1), rcpt (?2, NULL allowed) and
   when (?3) as far as it has parameters; q->changes its rows. */
static int dbs_quar_write(struct db *db, const char *sql, struct dbs_quar *q)
{
	sqlite3 *h = dbs_of(db)->h;
	sqlite3_stmt *st;
	int rc, n;

	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	n = sqlite3_bind_parameter_count(st);
	dbs_bind_str(st, 1, q->id);
	if (n >= 2 && q->rcpt != NULL)
		dbs_bind_str(st, 2, q->rcpt);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)q->when);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	q->changes = (uint64_t)sqlite3_changes(h);
	return SQLITE_OK;
}

static int dbs_quar_release_txn(struct db *db, void *ctx)
{
	return dbs_quar_write(db, "UPDATE quar_rcpts SET released = ?3 WHERE id = ?1"
			      " AND released = 0 AND (?2 IS NULL OR rcpt = ?2)", ctx);
}

static int dbs_quar_release(struct db *db, const char *id, const char *rcpt,
			    time_t when, uint64_t *marked_r)
{
	struct dbs_quar q = { .id = id, .rcpt = rcpt, .when = when };
	int ret;

	*marked_r = 0;
	if (dbs_quar_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 1, dbs_quar_release_txn, &q, "releasing a quarantine entry");
	*marked_r = ret == 0 ? q.changes : 0;
	return ret;
}

static int dbs_quar_delete_txn(struct db *db, void *ctx)
{
	int rc = dbs_quar_write(db, "DELETE FROM quar_rcpts WHERE id = ?1", ctx);

	if (rc == SQLITE_OK)
		rc = dbs_quar_write(db, "DELETE FROM quar_entries WHERE id = ?1", ctx);
	return rc;
}

static int dbs_quar_delete(struct db *db, const char *id, uint64_t *removed_r)
{
	struct dbs_quar q = { .id = id };
	int ret;

	*removed_r = 0;
	if (dbs_quar_missing(db) < 0)
		return -1;
	ret = dbs_txn(db, 1, dbs_quar_delete_txn, &q, "deleting a quarantine entry");
	*removed_r = ret == 0 ? q.changes : 0;
	return ret;
}

static int dbs_quar_expire_txn(struct db *db, void *ctx)
{
	struct dbs_quar *q = ctx;
	sqlite3_stmt *st;
	uint64_t n;
	int rc;

	q->files.count = 0; /* a retried transaction starts over */
	rc = sqlite3_prepare_v2(dbs_of(db)->h, "SELECT file FROM quar_entries"
				" WHERE date < ?1 ORDER BY date, id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)q->when);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*ARENA_VEC_PUSH(q->a, &q->files, const char *) = dbs_col_str(st, 0, q->a);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	rc = dbs_delete(db, "DELETE FROM quar_rcpts WHERE id IN (SELECT id FROM"
			" quar_entries WHERE date < ?1)", q->when, 0, &n);
	if (rc == SQLITE_OK)
		rc = dbs_delete(db, "DELETE FROM quar_entries WHERE date < ?1", q->when, 0, &n);
	return rc;
}

static int dbs_quar_expire(struct db *db, time_t before, struct arena *a,
			   const char ***files_r, size_t *nfiles_r)
{
	struct dbs_quar q = { .when = before, .a = a };

	if (dbs_quar_missing(db) < 0)
		return -1;
	if (dbs_txn(db, 1, dbs_quar_expire_txn, &q, "expiring the quarantine") < 0)
		return -1;
	*files_r = q.files.v;
	*nfiles_r = q.files.count;
	return 0;
}

const struct db_ops db_sqlite_ops = {
	.name = "sqlite",
	.open = dbs_open,
	.close = dbs_close,
	.read_begin = dbs_read_begin,
	.read_end = dbs_read_end,
	.totals = dbs_totals,
	.lookup = dbs_lookup,
	.seen = dbs_seen,
	.write_begin = dbs_write_begin,
	.mark = dbs_mark,
	.write_commit = dbs_write_commit,
	.write_rollback = dbs_write_rollback,
	.bulk_end = dbs_bulk_end,
	.stats = dbs_stats,
	.expire = dbs_expire,
	.awl_get = dbs_awl_get,
	.awl_add = dbs_awl_add,
	.awl_set = dbs_awl_set,
	.awl_remove = dbs_awl_remove,
	.awl_list = dbs_awl_list,
	.awl_expire = dbs_awl_expire,
	.quar_add = dbs_quar_add,
	.quar_get = dbs_quar_get,
	.quar_list = dbs_quar_list,
	.quar_held_rcpts = dbs_quar_held_rcpts,
	.quar_release = dbs_quar_release,
	.quar_delete = dbs_quar_delete,
	.quar_expire = dbs_quar_expire,
};
