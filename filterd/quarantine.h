/*
 * quarantine.h - Winnow's own quarantine: messages held back by the
 * milter (virus, banned attachment, spam with spam_action = quarantine)
 * are kept as files in quarantine_dir, one file per message, with an
 * index row in the database (db_path, schema 3) carrying the reason,
 * score, hits, envelope and date. `winnow quarantine` lists, shows,
 * releases (re-injects by SMTP to quarantine_release_smtp) and deletes
 * them; expiry drops entries older than quarantine_expire_days.
 *
 * Durability: quar_store() returns 0 only once the file and its
 * directory entry are fsync'd and the index row is committed, so the
 * milter may then tell the MTA the message was taken (discard) without
 * losing it. On -1 nothing is left behind and the caller tempfails.
 *
 * Threads: quar_store() may be called from many milter threads at once
 * (each call uses its own database connection, or a per-thread one).
 */
#ifndef QUARANTINE_H
#define QUARANTINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cfg;

/* Entry ids: 20 lowercase hex characters (80 random bits). */
#define QUAR_ID_LEN 20

/* What the pipeline knows about a message it quarantines. Strings are
   the caller's; NULL means unknown. */
struct quar_meta {
	const char *reason;     /* "virus Win.Test.EICAR_HDB-1", "banned
				   attachment invoice.pdf.exe", "spam" */
	double score;
	const char *hits;       /* "BAYES_99,URIBL_BLACK,..." as in X-Spam-Status */
	const char *mail_from;  /* envelope sender without <>; "" = null sender */
	const char *const *rcpts; /* envelope recipients without <> */
	size_t nrcpts;
	const char *client_ip;
	const char *queue_id;   /* the MTA's queue id */
	time_t date;            /* when it arrived (0: now) */
};

/* Stores raw (len bytes, the message as received) with meta. Fills id_r
   (QUAR_ID_LEN + 1 bytes) and returns 0 once durable (see above); -1
   with a malloc'd message in *err_r. Reads quarantine_dir and db_path
   from c. */
int quar_store(const struct cfg *c, const void *raw, size_t len,
	       const struct quar_meta *meta, char *id_r, char **err_r);

/* ---- for `winnow quarantine` (cli/quarantine.c) ----
 * Errors come back as malloc'd text in *err_r (the caller frees it). */

struct db;
struct db_quar_entry;
struct smtp_client_conf;

/* Longest From and Subject kept in the index for listing (bytes of
   UTF-8, cut at a character boundary): a header line's worth. */
#define QUAR_FIELD_MAX 998

/* 1 when s has the form of an entry id (QUAR_ID_LEN lowercase hex). */
int quar_id_valid(const char *s);

/* The index at db_path; NULL with *err_r. */
struct db *quar_db_open(const struct cfg *c, int read_only, char **err_r);

/* The stored message of e (quarantine_dir/e->file) in malloc'd *data_r
   (NUL-terminated, *len_r bytes). -1 with *err_r. */
int quar_read(const struct cfg *c, const struct db_quar_entry *e, char **data_r,
	      size_t *len_r, char **err_r);

/* The SMTP next hop releases and digests go to (quarantine_release_smtp,
   the host name as EHLO). Strings are c's. */
void quar_smtp_conf(const struct cfg *c, struct smtp_client_conf *sc);

/* The release token key file: quarantine_token_key, or when empty
   quarantine.key in db_path's directory. Malloc'd. */
char *quar_token_key_path(const struct cfg *c);

enum quar_release_status {
	QUAR_RELEASED,   /* the next hop took it; the copies are marked */
	QUAR_NOT_HELD,   /* no held copy (for rcpt): released before, or
			    rcpt is not a recipient */
	QUAR_REFUSED,    /* the next hop refused it (5xx) */
	QUAR_TEMPFAIL,   /* the next hop failed for now (4xx, unreachable) */
	QUAR_ERROR,      /* the index failed */
};

/* Re-injects raw (e's stored message, len bytes) with its original
   envelope sender to e's held recipients (rcpt's copy only, when not
   NULL: compared without case) through quar_smtp_conf, then marks those
   copies released. They are marked only once the next hop accepted the
   message, so a failure leaves them held. *err_r says why for anything
   but QUAR_RELEASED (NULL then). */
enum quar_release_status quar_release(const struct cfg *c, struct db *db,
				      const struct db_quar_entry *e, const void *raw,
				      size_t len, const char *rcpt, char **err_r);

/* Deletes entry id: its index row, then its file (a file left behind by
   a failure there is only logged). 0, 1 when there is no such entry, -1
   with *err_r. */
int quar_delete(const struct cfg *c, struct db *db, const char *id, char **err_r);

/* Deletes the entries that arrived days days before now or earlier,
   held or released, and their files; *removed_r how many. Then removes
   what interrupted stores left in quarantine_dir (*swept_r files):
   temporary files over a day old, and entry files as old with no index
   row. 0, or -1 with *err_r. */
int quar_expire(const struct cfg *c, struct db *db, unsigned int days, time_t now,
		uint64_t *removed_r, uint64_t *swept_r, char **err_r);

#endif
