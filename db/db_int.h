/*
 * db_int.h - what a storage backend implements (db/db.c dispatches the
 * public calls through it), and the state db.c keeps per connection: the
 * open batch of learns and the read cache.
 *
 * db.c does the bookkeeping every backend would repeat: it sums a batch's
 * token changes in memory and hands them over sorted, and it answers
 * lookups from its cache, asking the backend only for what it lacks. A
 * backend keeps its connection in db->impl, talks only to its store, and
 * reports failures with db_error() (the message then belongs to the
 * struct db), returning -1.
 *
 * Transactions: a call made while a transaction is open on the
 * connection (a batch's write transaction, or the read transaction of
 * read_begin) joins it instead of opening its own.
 */
#ifndef DB_INT_H
#define DB_INT_H

#include "db/db.h"

/* How one count changes over a run of learns: new = max(old + add,
   floor). A single learn adds d with the store's clamp at zero, which is
   (d, max(d, 0)); running (a, f) then d gives (a + d, max(f + d, 0)), so
   any run folds into one pair and the result is exactly what the learns
   one by one would have left. A token not stored counts as 0. */
struct db_delta {
	int32_t add;
	int32_t floor; /* >= 0 */
};

/* A token's change over a batch. */
struct db_tok_delta {
	uint64_t h;
	struct db_delta spam, ham;
	uint32_t day;   /* newest day of the learns that raised a count; 0 none */
	uint32_t stamp; /* db.c: the last message that changed it; 0 a free slot */
};

struct db_ops {
	const char *name;
	/* Sets db->impl; -1 with db_error() on failure. */
	int (*open)(struct db *db, const char *path, const struct db_options *o);
	void (*close)(struct db *db);
	/* A read transaction around the calls up to read_end, and the store's
	   version in it: a number that differs from the last one this
	   connection saw if another connection has committed since. Inside a
	   write transaction it joins (only this connection can write then). */
	int (*read_begin)(struct db *db, uint64_t *version_r);
	void (*read_end)(struct db *db);
	int (*totals)(struct db *db, struct db_totals *r);
	/* counts_r is zeroed by the caller; tokens not stored stay {0, 0}. */
	int (*lookup)(struct db *db, const uint64_t *hashes, size_t n,
		      struct db_counts *counts_r);
	int (*seen)(struct db *db, uint64_t msgid, enum db_class *class_r);
	/* Opens the write transaction of a batch, waiting for the lock (busy
	   timeout, retries). bulk: a large batch is coming (size the page
	   cache for it). */
	int (*write_begin)(struct db *db, int bulk);
	/* In the write transaction: *was_r = the class msgid is recorded as,
	   then records it as cls (DB_NONE: removes it) with day, unless it
	   already is that. */
	int (*mark)(struct db *db, uint64_t msgid, enum db_class cls, uint32_t day,
		    enum db_class *was_r);
	/* Applies the token changes (sorted by signed key, distinct; a token
	   left at zero is removed) and the totals', and commits. On failure
	   the transaction is rolled back. */
	int (*write_commit)(struct db *db, const struct db_tok_delta *toks, size_t n,
			    const struct db_delta *spam, const struct db_delta *ham);
	void (*write_rollback)(struct db *db);
	/* The page cache back to its usual size after a bulk batch. */
	void (*bulk_end)(struct db *db);
	int (*stats)(struct db *db, struct db_stats *r);
	int (*expire)(struct db *db, const struct db_expire_params *p,
		      struct db_expire_result *r);
	/* The AWL (db.h has the contracts; db.c checks the arguments and
	   fills in entries' addr and ip). get: a read; add, set, remove,
	   expire: one write transaction each. */
	int (*awl_get)(struct db *db, const char *addr, const char *ip,
		       struct db_awl_entry *e, int *stand_in_r);
	int (*awl_add)(struct db *db, const char *addr, const char *ip, double score,
		       uint32_t day, struct db_awl_entry *before);
	int (*awl_set)(struct db *db, const char *addr, const char *ip, double score,
		       uint32_t day);
	int (*awl_remove)(struct db *db, const char *addr, const char *ip,
			  uint64_t *removed_r);
	int (*awl_list)(struct db *db, db_awl_fn *fn, void *ctx);
	int (*awl_expire)(struct db *db, uint32_t before_day, uint64_t *removed_r);
	/* The quarantine index (db.h has the contracts; db.c checks the
	   arguments). add, release, delete, expire: one write transaction
	   each; get, list, held_rcpts: one read snapshot. */
	int (*quar_add)(struct db *db, const struct db_quar_entry *e);
	int (*quar_get)(struct db *db, const char *id, struct arena *a,
			struct db_quar_entry **e_r);
	int (*quar_list)(struct db *db, const struct db_quar_filter *f,
			 db_quar_fn *fn, void *ctx);
	int (*quar_held_rcpts)(struct db *db, db_quar_rcpt_fn *fn, void *ctx);
	int (*quar_release)(struct db *db, const char *id, const char *rcpt,
			    time_t when, uint64_t *marked_r);
	int (*quar_delete)(struct db *db, const char *id, uint64_t *removed_r);
	int (*quar_expire)(struct db *db, time_t before, struct arena *a,
			   const char ***files_r, size_t *nfiles_r);
};

/* Open addressing on the hash (linear probing); both tables below. */
struct db_cache_ent {
	uint64_t h; /* 0: free (hash 0 is never cached) */
	struct db_counts counts;
};

/* Counts this connection read from the store, and misses ({0, 0}),
   valid while the store's version is `version`. */
struct db_cache {
	struct db_cache_ent *v;
	size_t mask, count, max; /* max 0: no caching */
	uint64_t version;
	int valid;               /* version is known */
	int have_totals;
	struct db_totals totals;
};

/* The open batch: token changes summed per token, the totals', and the
   results of the learns in it. */
struct db_batch {
	struct db_tok_delta *v;
	size_t mask, count;
	struct db_delta spam, ham;
	uint32_t stamp;           /* the message being added */
	int begun;                /* opened by db_batch_begin */
	int txn;                  /* its write transaction is open */
	int failed;               /* rolled back: refuse learns until it ends */
	char err[512];            /* why it failed */
	double started;           /* when txn opened (seconds, monotonic) */
	size_t msgs;              /* messages in txn */
	unsigned long pending[DB_NOT_LEARNED + 1]; /* results in txn */
};

struct db {
	const struct db_ops *ops;
	void *impl;
	char *path;
	struct db_cache cache;
	struct db_batch batch;
	struct db_batch_stats batch_stats;
	char err[512];
};

extern const struct db_ops db_sqlite_ops;

/* Formats the message handed back through err_r; returns -1. */
int db_error(struct db *db, const char *fmt, ...) WN_PRINTF(2, 3);

/* Days since 1970 (UTC), the unit of last-seen times. */
uint32_t db_day(time_t t);

#endif
