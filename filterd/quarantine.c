/*
 * quarantine.c - Winnow's own quarantine (see quarantine.h): one file per
 * message in quarantine_dir, named by its random id, and its entry in
 * the database index (db.h, schema 3); release by SMTP to the next hop
 * (lib/smtp_client.h), delete and expiry for `winnow quarantine`.
 *
 * Storing: the message goes to ".tmp.<id>" (O_EXCL, mode 0600), is
 * fsync'd, renamed to "<id>", and the directory is fsync'd before the
 * index row is committed (synchronous = FULL, so the row is on disk
 * too); a crash in between leaves at worst a file with no row (never a
 * row with no file), and a failure removes what was made; `winnow
 * quarantine expire` sweeps what a crash left (quar_expire). The ids are
 * 80 random bits from getrandom(), so two filterd threads (or processes)
 * never pick the same name; O_EXCL would catch it if they did.
 *
 * Each quar_store opens its own database connection (measured 2.2 ms a
 * store of 10 KB here, 3.7 ms of 1 MB, fsyncs included), so any number
 * of milter threads may store at once.
 *
 * The index keeps the message's From and Subject decoded (lib/msg.h
 * parses the header block only, not the body) for listings and digests,
 * cut at QUAR_FIELD_MAX bytes. Ownership: everything returned is
 * malloc'd for the caller; scratch memory is one arena per call.
 */
#include "filterd/quarantine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/smtp_client.h"
#include "lib/wn.h"

/* One release or digest may take this long in all (connect, envelope,
   a message of up to tens of megabytes to a local Postfix). */
#define QUAR_SMTP_TIMEOUT_MS 120000
/* Prefix of a file being written (never an id: ids are hex). */
#define QUAR_TMP_PREFIX ".tmp."

int quar_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUAR_ID_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[QUAR_ID_LEN] == '\0';
}

static int quar_new_id(char *id_r, char **err_r)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[QUAR_ID_LEN / 2];
	size_t got = 0, i;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err_r = buf_strdup_printf("getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(r); i++) {
		id_r[2 * i] = hex[r[i] >> 4];
		id_r[2 * i + 1] = hex[r[i] & 15];
	}
	id_r[QUAR_ID_LEN] = '\0';
	return 0;
}

static int quar_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/* Writes all of raw to fd, fsyncs and closes it; -1 with errno. */
static int quar_write_all(int fd, const char *raw, size_t len)
{
	int saved;

	while (len > 0) {
		ssize_t n = write(fd, raw, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		raw += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	return close(fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* The message as dir/id, durable (see the top); nothing left on -1. */
static int quar_write_file(const char *dir, const char *id, const void *raw, size_t len,
			   char **err_r)
{
	char *tmp = buf_strdup_printf("%s/" QUAR_TMP_PREFIX "%s", dir, id);
	char *final = buf_strdup_printf("%s/%s", dir, id);
	const char *what = NULL, *path = tmp;
	int fd;

	/* the directory is created on first use, private to filterd's user */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		what = "creating the directory of";
	} else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			      0600)) < 0) {
		what = "creating";
	} else if (quar_write_all(fd, raw, len) < 0) {
		what = "writing";
	} else if (rename(tmp, final) < 0) {
		what = "renaming to";
		path = final;
	} else if (quar_fsync_dir(dir) < 0) {
		what = "syncing the directory of";
		path = final;
	}
	if (what != NULL) {
		*err_r = buf_strdup_printf("quarantine: %s %s: %s", what, path,
					   strerror(errno));
		(void)unlink(tmp);
		(void)unlink(final); /* made only if the sync failed */
	}
	free(tmp);
	free(final);
	return what != NULL ? -1 : 0;
}

/* s cut to at most max bytes without splitting a UTF-8 sequence. */
static const char *quar_clip(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return s;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return arena_strndup(a, s, n);
}

/* The decoded From and Subject of the header block of raw ("" if none). */
static void quar_header_fields(struct arena *a, const char *raw, size_t len,
			       const char **from_r, const char **subject_r)
{
	struct msg_limits lim;
	const struct msg *m;
	const char *v;
	size_t hlen = 0;

	/* the header block only: the body is of no use to the index */
	while (hlen < len) {
		const char *nl = memchr(raw + hlen, '\n', len - hlen);
		size_t line = nl != NULL ? (size_t)(nl - (raw + hlen)) + 1 : len - hlen;
		hlen += line;
		if (line == 1 || (line == 2 && raw[hlen - 2] == '\r'))
			break;
	}
	msg_limits_default(&lim);
	m = msg_parse(a, raw, hlen, &lim);
	v = msg_get(m, "From");
	*from_r = quar_clip(a, v != NULL ? v : "", QUAR_FIELD_MAX);
	v = msg_get(m, "Subject");
	*subject_r = quar_clip(a, v != NULL ? v : "", QUAR_FIELD_MAX);
}

struct db *quar_db_open(const struct cfg *c, int read_only, char **err_r)
{
	struct db_options o;

	db_options_default(&o);
	o.read_only = read_only;
	o.cache_entries = 0; /* no token lookups here */
	/* the milter discards a message once quar_store returned: its row
	   must survive a power loss as its file does */
	o.durable = 1;
	return db_open(cfg_str(c, "db_path"), &o, err_r);
}

/* The index row of a stored message; -1 with *err_r. */
static int quar_index(const struct cfg *c, const char *id, size_t len, const char *raw,
		      const struct quar_meta *meta, char **err_r)
{
	struct arena *a = arena_new(16 * 1024);
	struct db_quar_rcpt *rcpts = arena_zalloc(a, meta->nrcpts * sizeof(*rcpts));
	struct db_quar_entry e;
	const char *err = NULL;
	struct db *db;
	size_t i;
	int ret = -1;

	memset(&e, 0, sizeof(e));
	for (i = 0; i < meta->nrcpts; i++)
		rcpts[i].addr = meta->rcpts[i];
	e.id = id;
	e.date = meta->date != 0 ? meta->date : time(NULL);
	e.reason = meta->reason != NULL ? meta->reason : "";
	e.score = isfinite(meta->score) ? meta->score : 0;
	e.hits = meta->hits != NULL ? meta->hits : "";
	e.mail_from = meta->mail_from != NULL ? meta->mail_from : "";
	e.client_ip = meta->client_ip != NULL ? meta->client_ip : "";
	e.queue_id = meta->queue_id != NULL ? meta->queue_id : "";
	e.size = len;
	e.file = id;
	e.rcpts = rcpts;
	e.nrcpts = meta->nrcpts;
	quar_header_fields(a, raw, len, &e.hdr_from, &e.subject);
	db = quar_db_open(c, 0, err_r);
	if (db != NULL) {
		ret = db_quar_add(db, &e, &err);
		if (ret < 0)
			*err_r = xstrdup(err);
		db_close(&db);
	}
	arena_free(&a);
	return ret;
}

int quar_store(const struct cfg *c, const void *raw, size_t len,
	       const struct quar_meta *meta, char *id_r, char **err_r)
{
	const char *dir = cfg_str(c, "quarantine_dir");
	size_t i;

	*err_r = NULL;
	if (meta->nrcpts == 0) {
		*err_r = xstrdup("quarantine: a message without recipients");
		return -1;
	}
	for (i = 0; i < meta->nrcpts; i++) {
		if (meta->rcpts[i] == NULL || meta->rcpts[i][0] == '\0') {
			*err_r = xstrdup("quarantine: an empty recipient");
			return -1;
		}
	}
	if (quar_new_id(id_r, err_r) < 0 || quar_write_file(dir, id_r, raw, len, err_r) < 0)
		return -1;
	if (quar_index(c, id_r, len, raw, meta, err_r) < 0) {
		char *path = buf_strdup_printf("%s/%s", dir, id_r);
		(void)unlink(path);
		(void)quar_fsync_dir(dir);
		free(path);
		return -1;
	}
	return 0;
}

int quar_read(const struct cfg *c, const struct db_quar_entry *e, char **data_r,
	      size_t *len_r, char **err_r)
{
	char *path = buf_strdup_printf("%s/%s", cfg_str(c, "quarantine_dir"), e->file);
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = 0;

	if (fd >= 0) {
		do {
			char *p = buf_reserve(&b, 64 * 1024);
			n = read(fd, p, 64 * 1024);
			if (n > 0)
				buf_commit(&b, (size_t)n);
		} while (n > 0 || (n < 0 && errno == EINTR));
		close(fd);
	}
	if (fd < 0 || n < 0) {
		*err_r = buf_strdup_printf("%s: %s", path, strerror(errno));
		buf_free(&b);
		free(path);
		return -1;
	}
	free(path);
	*len_r = b.len;
	buf_append_char(&b, '\0');
	*data_r = buf_steal(&b);
	return 0;
}

void quar_smtp_conf(const struct cfg *c, struct smtp_client_conf *sc)
{
	const char *helo = cfg_str(c, "hostname");

	memset(sc, 0, sizeof(*sc));
	sc->next_hop = cfg_str(c, "quarantine_release_smtp");
	sc->helo = helo[0] != '\0' ? helo : NULL;
	sc->timeout_ms = QUAR_SMTP_TIMEOUT_MS;
}

char *quar_token_key_path(const struct cfg *c)
{
	const char *key = cfg_str(c, "quarantine_token_key");
	const char *db = cfg_str(c, "db_path");
	const char *slash = strrchr(db, '/');

	if (key[0] != '\0')
		return xstrdup(key);
	if (slash == NULL)
		return xstrdup("quarantine.key");
	return buf_strdup_printf("%.*s/quarantine.key", (int)(slash - db), db);
}

/* Whether a and b are the same address, without case. */
static int quar_same_rcpt(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

enum quar_release_status quar_release(const struct cfg *c, struct db *db,
				      const struct db_quar_entry *e, const void *raw,
				      size_t len, const char *rcpt, char **err_r)
{
	const char **to = xcalloc(e->nrcpts + 1, sizeof(*to));
	struct smtp_client_conf sc;
	struct smtp_send_result r;
	const char *err = NULL;
	uint64_t marked;
	size_t i, n = 0;
	enum quar_release_status st = QUAR_RELEASED;

	*err_r = NULL;
	for (i = 0; i < e->nrcpts; i++) {
		if (e->rcpts[i].released == 0 &&
		    (rcpt == NULL || quar_same_rcpt(rcpt, e->rcpts[i].addr)))
			to[n++] = e->rcpts[i].addr;
	}
	quar_smtp_conf(c, &sc);
	memset(&r, 0, sizeof(r));
	if (n == 0) {
		st = QUAR_NOT_HELD;
		*err_r = buf_strdup_printf("%s: %s", e->id, rcpt == NULL ?
					   "already released" :
					   "no held copy for that recipient (released "
					   "already, or not a recipient)");
	} else if (smtp_send(&sc, e->mail_from, to, n, raw, len, &r) < 0) {
		st = r.permanent ? QUAR_REFUSED : QUAR_TEMPFAIL;
		*err_r = buf_strdup_printf("%s: next hop %s %s: %s%d %s", e->id,
					   sc.next_hop, r.permanent ? "refused it" :
					   "failed", r.code ? "" : "(no reply) ",
					   r.code, r.reply);
	} else {
		/* each accepted copy marked; rcpt NULL marks them all at once */
		for (i = 0; i < n && st == QUAR_RELEASED; i++) {
			if (db_quar_release(db, e->id, to[i], time(NULL), &marked, &err) < 0) {
				st = QUAR_ERROR;
				*err_r = buf_strdup_printf("%s: delivered, but marking it "
							   "released failed: %s", e->id, err);
			}
		}
	}
	if (st == QUAR_RELEASED)
		log_info("%s: released to %zu recipient%s via %s, from=<%s>", e->id, n,
			 n == 1 ? "" : "s", sc.next_hop, e->mail_from);
	free(to);
	return st;
}

/* Removes dir/file, saying so if that fails (the entry is gone already). */
static void quar_unlink(const char *dir, const char *file)
{
	char *path = buf_strdup_printf("%s/%s", dir, file);

	if (unlink(path) < 0 && errno != ENOENT)
		log_warn_errno("quarantine: removing %s", path);
	free(path);
}

int quar_delete(const struct cfg *c, struct db *db, const char *id, char **err_r)
{
	struct arena *a = arena_new(4096);
	struct db_quar_entry *e = NULL;
	const char *err = NULL;
	uint64_t removed = 0;
	int ret = 0;

	if (db_quar_get(db, id, a, &e, &err) < 0 ||
	    (e != NULL && db_quar_delete(db, id, &removed, &err) < 0)) {
		*err_r = xstrdup(err);
		ret = -1;
	} else if (e == NULL || removed == 0) {
		ret = 1;
	} else {
		/* the row first: a file without one is only litter, a row
		   without its file would be an entry that cannot be released */
		quar_unlink(cfg_str(c, "quarantine_dir"), e->file);
	}
	arena_free(&a);
	return ret;
}

/* Whether dir/name is a file an interrupted store left behind: a
   temporary one older than a day, or an entry's file older than before
   with no index row (a crash between the file and its row). */
static int quar_is_leftover(struct db *db, const char *dir, const char *name,
			    time_t before, time_t now, struct arena *a)
{
	int tmp = strncmp(name, QUAR_TMP_PREFIX, strlen(QUAR_TMP_PREFIX)) == 0;
	struct db_quar_entry *e = NULL;
	const char *err = NULL;
	struct stat st;
	char *path;
	int r;

	if (!tmp && !quar_id_valid(name))
		return 0;
	path = buf_strdup_printf("%s/%s", dir, name);
	r = lstat(path, &st);
	free(path);
	if (r < 0 || !S_ISREG(st.st_mode) || st.st_mtime >= (tmp ? now - 86400 : before))
		return 0;
	return tmp || (db_quar_get(db, name, a, &e, &err) == 0 && e == NULL);
}

/* Removes the leftovers of interrupted stores; how many. */
static uint64_t quar_sweep(const char *dir, struct db *db, time_t before, time_t now)
{
	struct arena *a = arena_new(4096);
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t n = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (quar_is_leftover(db, dir, de->d_name, before, now, a)) {
			quar_unlink(dir, de->d_name);
			n++;
		}
		arena_reset(a);
	}
	if (d != NULL)
		closedir(d);
	arena_free(&a);
	return n;
}

int quar_expire(const struct cfg *c, struct db *db, unsigned int days, time_t now,
		uint64_t *removed_r, uint64_t *swept_r, char **err_r)
{
	const char *dir = cfg_str(c, "quarantine_dir");
	struct arena *a = arena_new(4096);
	const char **files = NULL;
	const char *err = NULL;
	size_t n = 0, i;
	/* at or before the cutoff: with 0 days, everything up to now */
	time_t before = now - (time_t)days * 86400 + 1;

	*removed_r = *swept_r = 0;
	if (db_quar_expire(db, before, a, &files, &n, &err) < 0) {
		*err_r = xstrdup(err);
		arena_free(&a);
		return -1;
	}
	for (i = 0; i < n; i++)
		quar_unlink(dir, files[i]);
	*removed_r = n;
	*swept_r = quar_sweep(dir, db, before, now);
	arena_free(&a);
	return 0;
}
