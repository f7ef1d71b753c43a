/*
 * db.h - Winnow's store: the Bayes tokens (per-token spam/ham counts, the
 * message totals, and the seen-message table that keeps one message from
 * being counted twice and lets `winnow learn --forget` undo a learn),
 * the auto-whitelist (AWL: per sender and IP block, the count and total
 * score of its messages), and the quarantine's index.
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
 *
 * Read cache: each struct db remembers the counts (and the absence) of
 * the tokens it has looked up, and the totals, so a token common to many
 * messages is read from the store once. Every db_lookup and db_get_totals
 * first asks the store whether anything was committed since (SQLite:
 * PRAGMA data_version, one statement) and starts over if so; this
 * connection's own writes empty it too. So it never answers with counts
 * older than the call. Bounded by db_options.cache_entries (emptied when
 * full): at most 16 bytes x 2 x cache_entries of memory per struct db,
 * 8 MB with the default.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/arena.h"

/* Read cache entries per connection by default: enough for the common
   tokens of a busy store (a message has a few hundred, most of them
   common), 8 MB when full, times the connections filterd keeps open. */
#define DB_CACHE_ENTRIES (1U << 18)

/* A batch commits by itself before a learn joins it once it holds this
   many messages, or distinct tokens, or its transaction has been open
   this long. It holds the store's write lock from its first learn to its
   commit: at most DB_BATCH_MS of learning plus writing DB_BATCH_TOKENS
   (plus one message's) token rows, measured at 0.2-0.4 s on a warm store
   growing to 1M tokens; so about 1.5 s at worst, while another writer
   (filterd autolearn) waits up to its 5 s busy timeout. The tokens also
   bound the memory: 16 MB of table, 8 MB more while committing. */
#define DB_BATCH_MSGS 5000
#define DB_BATCH_TOKENS (1U << 18)
#define DB_BATCH_MS 1000

/* Schema version this build writes (SQLite: PRAGMA user_version). Older
   files are migrated on open (in place, keeping what they hold); newer
   ones are refused.
   Version 1: Bayes only. Version 2: the AWL table added. Version 3:
   the quarantine index added. */
#define DB_SCHEMA_VERSION 3

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
	size_t cache_entries;         /* read cache: tokens remembered (0: none) */
	int durable;                  /* a commit is on disk when it returns (SQLite:
					 synchronous = FULL, one more sync per
					 commit); else a power loss may undo the
					 last commits, never corrupting the file */
};

/* Defaults: read-write, 5000 ms busy timeout, 3 retries, 256 MB mmap,
   DB_CACHE_ENTRIES. */
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

/* Tokens in the read cache now (at most db_options.cache_entries). */
size_t db_cache_count(const struct db *db);

/* How message msgid was learned: DB_NONE, DB_HAM or DB_SPAM. */
int db_seen(struct db *db, uint64_t msgid, enum db_class *class_r,
	    const char **err_r);

/* Learns one message as cls (DB_HAM or DB_SPAM) in one transaction (or
   in the open batch):
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

/* ---- batches: many learns, few transactions ----
 *
 * Between db_batch_begin and db_batch_commit, db_learn and db_forget on
 * db join one write transaction instead of each running its own: the
 * seen table is read and written as they come (so a message learned
 * twice, moved or forgotten within a batch gets exactly the result it
 * would have got alone), while token and total changes are summed in
 * memory and written once per distinct token at commit, in key order.
 * The counts that leaves are those of the same learns one at a time; a
 * token's last-seen day can come out newer only if it was removed and
 * stored again within the batch with different `now`s. db_lookup,
 * db_get_totals and db_seen on db see the batch's changes; db_stats and
 * db_expire commit the batch first (it stays open). Other connections
 * see nothing until a commit. See DB_BATCH_MSGS for when a batch commits
 * by itself and how long it keeps other writers waiting.
 *
 * A failure inside a batch (a write, or a read in its transaction) rolls
 * back what was not committed yet; the learns that were in it count as
 * lost, and every later db_learn or db_forget fails with the same error
 * until the batch ends. db_close with a batch open rolls it back. */

struct db_batch_stats {
	unsigned long results[DB_NOT_LEARNED + 1]; /* committed learns and
						     forgets, by result */
	unsigned long lost;    /* joined but rolled back (failure, abort) */
	unsigned long commits; /* transactions committed */
};

/* Opens a batch on db (one at a time) and clears db_batch_stats. Takes
   no lock yet: the first learn does. 0, or -1 with *err_r. */
int db_batch_begin(struct db *db, const char **err_r);
/* Writes what is pending and ends the batch. -1 with *err_r if that
   fails or an earlier failure rolled the batch back; it ends either way. */
int db_batch_commit(struct db *db, const char **err_r);
/* Ends the batch, rolling back what is not committed (counted lost). */
void db_batch_abort(struct db *db);
/* What the learns on db did since the last db_batch_begin (learns
   outside a batch count too). */
const struct db_batch_stats *db_batch_stats(const struct db *db);

struct db_stats {
	struct db_totals totals;
	uint64_t tokens;        /* distinct tokens stored */
	uint64_t seen;          /* messages in the seen table */
	uint32_t oldest_day;    /* last-seen days (days since 1970), 0 if empty */
	uint32_t newest_day;
	uint64_t awl_entries;   /* auto-whitelist entries */
	uint64_t quar_entries;  /* quarantined messages (held or released) */
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
	uint32_t seen_days;      /* seen-table rows older than this go (0: kept):
				    such a message learned again counts again,
				    and can no longer be forgotten */
	uint32_t awl_days;       /* AWL entries not seen for this many days go
				    (0: kept) */
	time_t now;
};

/* Defaults: max 1,000,000 tokens trimmed to 900,000; tokens seen once
   and not for 30 days are dropped whatever the count; seen rows kept;
   AWL entries unseen for DB_AWL_EXPIRE_DAYS dropped; now = time(). */
void db_expire_params_default(struct db_expire_params *p);

struct db_expire_result {
	uint64_t removed_rare; /* rare and old */
	uint64_t removed_old;  /* oldest last-seen first, to get under the cap */
	uint64_t tokens_left;
	uint64_t removed_seen; /* seen-table rows over seen_days */
	uint64_t removed_awl;  /* AWL entries over awl_days */
};

/* Removes rare old tokens, then, while over max_tokens, the tokens least
   recently seen (the least counted among equals) down to target_tokens.
   One write transaction; scans the whole table, so run it from
   `winnow bayes expire` or a timer, not per message. The seen table is
   kept (dropping it would let a message be counted twice) unless
   seen_days says otherwise. AWL entries older than awl_days go too. */
int db_expire(struct db *db, const struct db_expire_params *p,
	      struct db_expire_result *result_r, const char **err_r);

/* ---- the auto-whitelist (AWL) ----
 *
 * One entry per (sender address, IP block): how many messages were
 * scored and their total score, and the day it was last seen. Keys are
 * opaque text to the store; filterd/check_awl.c makes them (address
 * lower-cased, IP masked to its block, "none" when there is no IP) and
 * does the arithmetic. Each call is one transaction of its own; before
 * a write, a batch open on the connection is committed. */

/* Longest key parts stored: an address of RFC 5321's 64 + 1 + 255
   octets, and an IP block in text (IPv6: 39 characters). Longer ones
   are refused by the caller (a bug to pass here). */
#define DB_AWL_ADDR_MAX 320
#define DB_AWL_IP_MAX 40
/* The IP part of entries made for an address alone (`winnow awl add`);
   the first message from the address with an IP takes such an entry
   over, as SpamAssassin does. */
#define DB_AWL_NO_IP "none"
/* Days an entry may go unseen before expiry drops it: a correspondent
   who writes twice a year keeps their history. */
#define DB_AWL_EXPIRE_DAYS 180

struct db_awl_entry {
	const char *addr;   /* lower-cased sender address */
	const char *ip;     /* IP block key, or DB_AWL_NO_IP */
	uint64_t count;     /* messages (0: no entry) */
	double total;       /* their summed scores */
	uint32_t day;       /* last seen (days since 1970) */
};

/* The entry (addr, ip) in *entry_r (count 0 and total 0 if there is
   none; addr and ip point at the arguments). With no entry for the
   block, an entry (addr, DB_AWL_NO_IP) stands in for it (ip then points
   at DB_AWL_NO_IP; nothing is moved: db_awl_add does that). Counts below zero or a total that is not a
   number read as no entry, as SpamAssassin resets such data. */
int db_awl_get(struct db *db, const char *addr, const char *ip,
	       struct db_awl_entry *entry_r, const char **err_r);

/* In one write transaction, so that concurrent writers lose nothing:
   *before_r gets the entry as db_awl_get would give it (a stand-in
   (addr, DB_AWL_NO_IP) entry is moved to (addr, ip) here), then one
   message with score (finite) is added: count + 1, total + score, day
   from now. before_r may be NULL. */
int db_awl_add(struct db *db, const char *addr, const char *ip, double score,
	       time_t now, struct db_awl_entry *before_r, const char **err_r);

/* Replaces the entry (addr, ip) by one message of score (finite):
   SpamAssassin's --add-addr-to-welcomelist (score -100) and
   --add-addr-to-blocklist (+100) on (addr, DB_AWL_NO_IP). */
int db_awl_set(struct db *db, const char *addr, const char *ip, double score,
	       time_t now, const char **err_r);

/* Removes the entry (addr, ip), or with ip NULL every entry of addr;
   *removed_r how many. */
int db_awl_remove(struct db *db, const char *addr, const char *ip,
		  uint64_t *removed_r, const char **err_r);

/* Calls fn for every entry, ordered by address then IP block, in one
   read snapshot; the entry is valid during the call only, and fn must
   not use db. fn returning nonzero stops the walk (db_awl_list then
   returns 0). */
typedef int db_awl_fn(void *ctx, const struct db_awl_entry *e);
int db_awl_list(struct db *db, db_awl_fn *fn, void *ctx, const char **err_r);

/* Removes the entries not seen for days days (days 0: none) at now;
   *removed_r how many. db_expire does this too, with awl_days. */
int db_awl_expire(struct db *db, uint32_t days, time_t now, uint64_t *removed_r,
		  const char **err_r);

/* ---- the quarantine index ----
 *
 * One entry per quarantined message (filterd/quarantine.c stores the
 * message itself as a file and its entry here), and one row per
 * envelope recipient with its own released state: one recipient can
 * release their copy while the others' stay held. Listing by recipient
 * is one indexed query. Each write is one transaction of its own
 * (a batch open on the connection is committed first). A read-only open
 * of an older schema (no quarantine tables yet) gets a clear error from
 * every call here. Strings are stored as given (the caller bounds them). */

/* Longest entry id stored (filterd/quarantine.h makes 20 characters). */
#define DB_QUAR_ID_MAX 64

struct db_quar_rcpt {
	const char *addr;   /* envelope recipient, without <> */
	time_t released;    /* when its copy was released; 0: held */
};

struct db_quar_entry {
	const char *id;
	time_t date;        /* arrival */
	const char *reason;
	double score;
	const char *hits;
	const char *mail_from;  /* envelope sender ("" the null sender) */
	const char *client_ip;
	const char *queue_id;
	uint64_t size;          /* bytes of the stored message */
	const char *hdr_from;   /* the message's From, decoded to UTF-8 */
	const char *subject;    /* its Subject, decoded to UTF-8 */
	const char *file;       /* the file's name in quarantine_dir */
	const struct db_quar_rcpt *rcpts;
	size_t nrcpts;
};

/* Adds entry e (id new, nrcpts >= 1; every string non-NULL; rcpts'
   released states as given, duplicates stored once, compared without
   case) with its recipients in one transaction. A duplicate id is an
   error. */
int db_quar_add(struct db *db, const struct db_quar_entry *e, const char **err_r);

/* The entry id in *e_r, all its strings and recipients (in the order
   added) in arena a; *e_r NULL when there is none. */
int db_quar_get(struct db *db, const char *id, struct arena *a,
		struct db_quar_entry **e_r, const char **err_r);

struct db_quar_filter {
	const char *rcpt;  /* only entries for this recipient (no case); NULL: all */
	int held;          /* only entries with a held copy (for rcpt if given) */
	time_t before;     /* only entries that arrived before this; 0: any */
};

/* Calls fn for each entry matching f (NULL: all), oldest first (then by
   id), in one read snapshot; e (with all its recipients, whatever the
   filter) is valid during the call only, and fn must not use db. fn
   returning nonzero stops the walk (db_quar_list then returns 0). */
typedef int db_quar_fn(void *ctx, const struct db_quar_entry *e);
int db_quar_list(struct db *db, const struct db_quar_filter *f, db_quar_fn *fn,
		 void *ctx, const char **err_r);

/* Calls fn for each recipient (as first stored, one per address without
   case) holding at least one entry, sorted. Same rules as db_quar_list. */
typedef int db_quar_rcpt_fn(void *ctx, const char *rcpt);
int db_quar_held_rcpts(struct db *db, db_quar_rcpt_fn *fn, void *ctx,
		       const char **err_r);

/* Marks entry id's held copies released at when: rcpt's only (no case),
   or with rcpt NULL every held one. *marked_r how many were changed (0:
   no such entry, recipient, or held copy). */
int db_quar_release(struct db *db, const char *id, const char *rcpt, time_t when,
		    uint64_t *marked_r, const char **err_r);

/* Removes entry id and its recipients; *removed_r 0 or 1. */
int db_quar_delete(struct db *db, const char *id, uint64_t *removed_r,
		   const char **err_r);

/* Removes, in one transaction, the entries that arrived before before,
   held or released; their file names (arena a, *nfiles_r of them) are
   handed back so the caller removes the files after the commit. */
int db_quar_expire(struct db *db, time_t before, struct arena *a,
		   const char ***files_r, size_t *nfiles_r, const char **err_r);

/* Per-user stores: pattern with every "%u" replaced by user made safe for
   a file name (lowercased; bytes other than [a-z0-9._@+-] become '_'; a
   leading '.' becomes '_' so no "..", empty becomes "_"; at most 128
   bytes), "%%" by "%". Arena memory. */
char *db_path_user(struct arena *a, const char *pattern, const char *user);

/* "learned", "relearned", ... for messages and logs. */
const char *db_learn_result_str(enum db_learn_result r);

#endif
