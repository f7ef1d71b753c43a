/*
 * check_av.h - virus scanning in process with libclamav.
 *
 * One engine (struct chk_av) holds the compiled signature database of
 * the directory in key clamav_db and the scan limits (av_max_*). It is
 * built once, then only read: any number of threads may scan with it at
 * the same time (libclamav engines are thread-safe once compiled).
 *
 * A message is scanned whole, as the raw bytes received: libclamav's own
 * mail parser finds the MIME parts, decodes base64/QP/uuencode, opens
 * archives and attached messages, within the limits.
 *
 * Reload: chk_av_load() builds a new engine (seconds and about 1 GB with
 * the real databases, so not on a scan thread); the caller swaps it in.
 * Engines are reference counted, so a scan in flight keeps the engine it
 * started with. The pattern, with a struct chk_av_slot doing the locking:
 *
 *   startup:  chk_av_slot_init(&slot, chk_av_load(&conf, &err));
 *   scan:     struct chk_av *e = chk_av_slot_get(&slot);
 *             chk_av_scan(e, raw, len, &res);
 *             chk_av_unref(&e);
 *   SIGHUP:   struct chk_av *n = chk_av_load(&conf, &err);   (off the scan threads)
 *             if (n != NULL) chk_av_slot_swap(&slot, n);     else log err, keep the old one
 *   exit:     chk_av_slot_free(&slot);
 *
 * The old engine is freed by whoever drops the last reference: the swap
 * if no scan holds it, else the last scan to finish.
 */
#ifndef CHECK_AV_H
#define CHECK_AV_H

#include <pthread.h>
#include <stddef.h>

struct cfg;

struct chk_av_conf {
	const char *db_dir;        /* clamav_db; not copied, must outlive chk_av_load() */
	size_t max_filesize;       /* av_max_filesize, bytes */
	size_t max_scansize;       /* av_max_scansize, bytes */
	unsigned int max_recursion; /* av_max_recursion */
	unsigned int max_files;    /* av_max_files */
	unsigned int max_scantime_ms; /* av_max_scantime */
};

enum chk_av_status {
	CHK_AV_CLEAN, /* scanned within every limit, nothing found */
	CHK_AV_VIRUS, /* a signature matched: name in result.name */
	CHK_AV_ERROR, /* not fully scanned: reason in result.reason. Never
			 to be taken as clean. */
};

/* Why a scan gave CHK_AV_ERROR. */
enum chk_av_error {
	CHK_AV_ERR_NONE,
	CHK_AV_ERR_LIMITS,   /* a size, recursion or file-count limit was hit */
	CHK_AV_ERR_TIMEOUT,  /* av_max_scantime ran out */
	CHK_AV_ERR_ENGINE,   /* libclamav failed (memory, temp files, ...) */
};

struct chk_av_result {
	enum chk_av_status status;
	enum chk_av_error error;
	/* CHK_AV_VIRUS: the signature name as libclamav gives it
	   ("Win.Test.EICAR_HDB-1", ".UNOFFICIAL" appended for unsigned
	   databases), cut to fit. "" otherwise. */
	char name[128];
	/* CHK_AV_ERROR: what went wrong, e.g. "limits exceeded:
	   Heuristics.Limits.Exceeded.MaxFileSize" or "scan time over 30000
	   ms" or "libclamav: Can't create temporary file". "" otherwise. */
	char reason[160];
	unsigned long scanned_bytes; /* as libclamav counts them */
	unsigned int elapsed_ms;
};

struct chk_av;

/* Fills conf from the config (db_dir points into c). */
void chk_av_conf_from_cfg(struct chk_av_conf *conf, const struct cfg *c);

/* Loads every database in conf->db_dir and compiles the engine, with the
   limits set. Returns an engine holding one reference, or NULL with a
   malloc'd message naming the directory in *err_r ("clamav_db
   /var/lib/clamav: no signature database found"). Thread-safe. */
struct chk_av *chk_av_load(const struct chk_av_conf *conf, char **err_r);

/* Another reference to e (returns e). */
struct chk_av *chk_av_ref(struct chk_av *e);
/* Drops one reference and clears *ep; the last one frees the engine.
   NULL-safe. */
void chk_av_unref(struct chk_av **ep);

/* Signatures loaded, and how long loading and compiling took. */
unsigned int chk_av_signatures(const struct chk_av *e);
unsigned int chk_av_load_ms(const struct chk_av *e);

/* Scans one raw message (headers and body as received, any line
   endings). Fills *res; returns res->status. libclamav reads raw in
   place (no copy) but may write decoded parts to temporary files in
   $TMPDIR. Thread-safe: many scans may share e. */
enum chk_av_status chk_av_scan(const struct chk_av *e, const void *raw, size_t len,
			       struct chk_av_result *res);

/* "clean", "virus", "error". */
const char *chk_av_status_name(enum chk_av_status s);

/* The current engine for scan threads, swapped whole on reload. */
struct chk_av_slot {
	pthread_mutex_t lock;
	struct chk_av *cur; /* one reference held by the slot */
};

/* Takes over the reference of e (may be NULL: no antivirus yet). */
void chk_av_slot_init(struct chk_av_slot *s, struct chk_av *e);
/* A new reference to the current engine, or NULL; drop with chk_av_unref(). */
struct chk_av *chk_av_slot_get(struct chk_av_slot *s);
/* Installs e (taking over its reference) and drops the slot's reference
   to the old engine. */
void chk_av_slot_swap(struct chk_av_slot *s, struct chk_av *e);
/* Drops the slot's reference. */
void chk_av_slot_free(struct chk_av_slot *s);

#endif
