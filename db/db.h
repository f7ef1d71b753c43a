/*
 * db.h - the Bayes token store: per-token spam/ham counts, the message
 * totals, and the seen-message table that keeps one message from being
 * counted twice (and lets `winnow learn --forget` undo a learn).
 *
 * Backends: the functions below dispatch through a small table of
 * operations (db/db_int.h). SQLite (db/db_sqlite.c, WAL mode) is the only
 * one so far; a networked store (Redis) can be added behind the same
 * calls. Nothing here exposes a backend type.
 *
 * Threads: a struct db is one connection. Open one per thread (filterd
 * workers, `winnow learn`); any number of them may use the same store at
 * once. A struct db itself must not be used by two threads at a time.
 *
 * Errors: functions returning int give 0 on success, -1 on an
 * environment failure (I/O, lock held too long, corrupt file) with a
 * message in *err_r that the struct db owns; it stays valid until the
 * next call on that db. Bad arguments are bugs and assert.
 *
 * Hashes: tokens and message ids are 64-bit hashes made by bayes/; the
 * store treats them as opaque keys.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/arena.h"

/* Schema version this build writes (SQLite: PRAGMA user_version). Older
   files are migrated on open; newer ones are refused. */
#define DB_SCHEMA_VERSION 1

struct db;

enum db_class {
	DB_NONE = 0, /* not learned (db_seen) */
	DB_HAM = 1,
	DB_SPAM = 2,
};

enum db_learn_result {
	DB_LEARNED,     /* learn: counted for the first time */
	DB_RELEARNED,   /* learn: was counted as the other class, moved over */
	DB_ALREADY,     /* learn: already counted as this class, nothing changed */
	DB_FORGOTTEN,   /* forget: its counts were removed */
	DB_NOT_LEARNED, /* forget: the message was never learned, nothing changed */
};

struct db_counts {
	uint32_t spam, ham; /* messages of each class the token was learned from */
};

struct db_totals {
	uint64_t spam, ham; /* messages learned of each class */
};

struct db_options {
	int read_only;               /* open without write access; no migration
					(an out-of-date schema is then an error) */
	unsigned int busy_timeout_ms; /* wait this long for another writer's lock */
	unsigned int busy_retries;    /* then retry a whole transaction this often */
	size_t mmap_bytes;            /* SQLite: map this much of the file (0: read()) */
};

/* Defaults: read-write, 5000 ms busy timeout, 3 retries, 256 MB mmap. */
void db_options_default(struct db_options *o);

/* Opens (creating if missing, unless read_only) the store at path, and
   brings its schema up to DB_SCHEMA_VERSION. opt NULL means defaults.
   Returns NULL with a malloc'd message in *err_r (the caller frees it):
   unreadable path, not a Winnow database, schema newer than this build. */
struct db *db_open(const char *path, const struct db_options *opt, char **err_r);
/* Closes the connection and frees it; sets *dbp to NULL. NULL is fine. */
void db_close(struct db **dbp);
/* The path given to db_open. */
const char *db_path(const struct db *db);

/* Messages learned of each class. */
int db_get_totals(struct db *db, struct db_totals *totals_r, const char **err_r);

/* Counts for n token hashes, in one statement per 500 hashes (SQLite),
   so a message costs one or a few round trips. counts_r (n entries,
   caller's memory) gets {0, 0} for tokens never learned. Duplicates in
   hashes are allowed. */
int db_lookup(struct db *db, const uint64_t *hashes, size_t n,
	      struct db_counts *counts_r, const char **err_r);

/* How message msgid was learned: DB_NONE, DB_HAM or DB_SPAM. */
int db_seen(struct db *db, uint64_t msgid, enum db_class *class_r,
	    const char **err_r);

/* Learns one message as cls (DB_HAM or DB_SPAM) in one transaction:
   every token's count for cls goes up by one (duplicates in hashes count
   once), the totals too, and msgid is recorded. A message already
   learned as cls changes nothing (DB_ALREADY); one learned as the other
   class is moved (DB_RELEARNED: the caller must pass the same tokens as
   when it was learned, counts never go below zero). now sets the tokens'
   last-seen day, which db_expire looks at. */
int db_learn(struct db *db, uint64_t msgid, enum db_class cls,
	     const uint64_t *hashes, size_t n, time_t now,
	     enum db_learn_result *result_r, const char **err_r);

/* Undoes the learn of msgid (same tokens as learned): DB_FORGOTTEN, or
   DB_NOT_LEARNED if it was never learned. Tokens left with no count are
   removed. */
int db_forget(struct db *db, uint64_t msgid, const uint64_t *hashes, size_t n,
	      enum db_learn_result *result_r, const char **err_r);

struct db_stats {
	struct db_totals totals;
	uint64_t tokens;        /* distinct tokens stored */
	uint64_t seen;          /* messages in the seen table */
	uint32_t oldest_day;    /* last-seen days (days since 1970), 0 if empty */
	uint32_t newest_day;
	uint64_t file_bytes;    /* on disk, write-ahead log included */
	unsigned int schema_version;
	const char *backend;    /* "sqlite" */
};

/* Statistics for `winnow bayes stats`. Counts every token: slow on a
   large store (a fraction of a second per million tokens), so not for
   the scan path. */
int db_stats(struct db *db, struct db_stats *stats_r, const char **err_r);

struct db_expire_params {
	uint64_t max_tokens;     /* keep at most this many tokens ... */
	uint64_t target_tokens;  /* ... trimming down to this many when over
				    (0: max_tokens), so expiry is not due again
				    after the next few learns */
	uint32_t rare_count;     /* tokens seen in at most this many messages ... */
	uint32_t rare_days;      /* ... and not for this many days go first */
	time_t now;
};

/* Defaults: max 1,000,000 tokens trimmed to 900,000; tokens seen once
   and not for 30 days are dropped whatever the count; now = time(). */
void db_expire_params_default(struct db_expire_params *p);

struct db_expire_result {
	uint64_t removed_rare; /* rare and old */
	uint64_t removed_old;  /* oldest last-seen first, to get under the cap */
	uint64_t tokens_left;
};

/* Removes rare old tokens, then, while over max_tokens, the tokens least
   recently seen (the least counted among equals) down to target_tokens.
   One write transaction; scans the whole table, so run it from
   `winnow bayes expire` or a timer, not per message. The seen table is
   kept (dropping it would let a message be counted twice). */
int db_expire(struct db *db, const struct db_expire_params *p,
	      struct db_expire_result *result_r, const char **err_r);

/* Per-user stores: pattern with every "%u" replaced by user made safe for
   a file name (lowercased; bytes other than [a-z0-9._@+-] become '_'; a
   leading '.' becomes '_' so no "..", empty becomes "_"; at most 128
   bytes), "%%" by "%". Arena memory. */
char *db_path_user(struct arena *a, const char *pattern, const char *user);

/* "learned", "relearned", ... for messages and logs. */
const char *db_learn_result_str(enum db_learn_result r);

#endif
