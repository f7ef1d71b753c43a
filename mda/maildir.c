/*
 * maildir.c - Maildir and Maildir++ delivery (see maildir.h).
 *
 * A message is written whole into tmp/ under a unique name (time,
 * microseconds, pid, counter, host, size: Dovecot's form), fsync'd,
 * then hard-linked into new/ (or cur/ with ":2,FLAGS") and the tmp/ name
 * removed; new/ is fsync'd before we report success. Readers never see
 * a partial file: until the link the message exists only in tmp/, which
 * no reader lists, and a kill at any point leaves at most a tmp/ file
 * (Courier and Dovecot remove those after 36 hours). Unique names make
 * concurrent deliveries into one Maildir safe without locks; the quota
 * file is only ever appended to with one O_APPEND write, or replaced
 * whole by rename, as Courier's maildirquota(7) asks.
 *
 * tmp/ itself is not fsync'd: its entry is removed right after the link,
 * so making it durable buys nothing; the file's data (fsync of the file)
 * and its name in new/ (fsync of new/) are what must survive a crash.
 *
 * Every path component below the root is opened with O_NOFOLLOW (and
 * O_DIRECTORY): a symbolic link anywhere inside a Maildir is refused,
 * never followed.
 */
#include "config.h"

#include "mda/maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"

/* Courier's maildirquota(7): a maildirsize this big is recalculated,
   and an over-quota one older than this is checked again before mail
   is refused. */
#define MAILDIR_QUOTA_MAX_FILE 5120
#define MAILDIR_QUOTA_STALE_SECS (15 * 60)
/* Dovecot's uidlist dotlock goes stale after 2 minutes; we wait this long
   for it before giving up on keywords (never on the delivery). */
#define MAILDIR_KW_LOCK_STALE_SECS 120
#define MAILDIR_KW_LOCK_WAIT_MS 5000
/* dovecot-keywords holds 26 keywords (letters a..z). */
#define MAILDIR_MAX_KEYWORDS 26
#define MAILDIR_MAX_NAME 255

/* Errors that go away by themselves: the MTA should retry. */
static int maildir_errno_transient(int err)
{
	switch (err) {
	case ENOSPC: case EDQUOT: case EIO: case EAGAIN: case EINTR: case ENOMEM:
	case EMFILE: case ENFILE: case ESTALE: case ETIMEDOUT: case EBUSY:
		return 1;
	default:
		return 0;
	}
}

static enum mda_status maildir_fail(struct maildir_result *r, struct arena *a, int err,
				    const char *fmt, ...) WN_PRINTF(4, 5);

/* Records a failure caused by errno err: transient or permanent. */
static enum mda_status maildir_fail(struct maildir_result *r, struct arena *a, int err,
				    const char *fmt, ...)
{
	va_list ap;
	char *what;
	const char *why = err == ELOOP ? "symbolic link refused" : strerror(err);

	va_start(ap, fmt);
	what = arena_vprintf(a, fmt, ap);
	va_end(ap);
	r->err = arena_printf(a, "%s: %s", what, why);
	if (maildir_errno_transient(err)) {
		r->ex = EX_TEMPFAIL;
		return MDA_TEMPFAIL;
	}
	r->ex = EX_CANTCREAT;
	return MDA_PERMFAIL;
}

/* ---- paths ---- */

static int maildir_component_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MAILDIR_MAX_NAME || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/')
			return 0;
	return 1;
}

/* O_NOFOLLOW on a link fails with ELOOP, or ENOTDIR with O_DIRECTORY:
   both become ELOOP when name is a link, for a clear message. */
static int maildir_openat_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
		int err = errno;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			err = ELOOP;
		errno = err;
	}
	return fd;
}

/* Opens dir name in dfd, making it (0700) when create says so. */
static int maildir_open_or_make(int dfd, const char *name, int create)
{
	int fd = maildir_openat_dir(dfd, name);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return -1;
	return maildir_openat_dir(dfd, name);
}

/* The root is the administrator's (a -m argument, mda_maildir): made
   with its parents when missing, as Dovecot's LDA does. */
static int maildir_open_root(const char *root, int create)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[PATH_MAX];
	size_t i;

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (strlen(root) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(path, root);
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		path[i] = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Opens t->root/t->rel one component at a time, never following links.
   -1 with r filled. */
static int maildir_walk(const struct maildir_target *t, struct arena *a, struct maildir_result *r,
			int *rootfd_r)
{
	const char *p = t->rel, *slash;
	int fd = maildir_open_root(t->root, t->create), next;
	char name[MAILDIR_MAX_NAME + 1];

	*rootfd_r = -1;
	if (fd < 0) {
		maildir_fail(r, a, errno, "%s", t->root);
		return -1;
	}
	*rootfd_r = dup(fd);
	while (*p != '\0') {
		size_t n;

		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (!maildir_component_ok(p, n)) {
			close(fd);
			r->ex = EX_CANTCREAT;
			r->err = arena_printf(a, "%s/%s: bad path", t->root, t->rel);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = maildir_open_or_make(fd, name, t->create);
		if (next < 0) {
			int err = errno;
			close(fd);
			maildir_fail(r, a, err, "%s/%.*s", t->root, (int)(p + n - t->rel), t->rel);
			return -1;
		}
		close(fd);
		fd = next;
		p += n;
		if (*p == '/')
			p++;
	}
	return fd;
}

/* tmp/, new/ and cur/ (and maildirfolder in a Maildir++ folder), made
   when missing if t->create. fds[0..2] = tmp, new, cur. */
static int maildir_prepare(const struct maildir_target *t, int dfd, int fds[3], struct arena *a,
			   struct maildir_result *r)
{
	static const char *const sub[3] = { "tmp", "new", "cur" };
	int i;

	for (i = 0; i < 3; i++) {
		fds[i] = maildir_open_or_make(dfd, sub[i], t->create);
		if (fds[i] < 0) {
			maildir_fail(r, a, errno, "%s/%s%s%s", t->root, t->rel, *t->rel ? "/" : "",
				     sub[i]);
			while (i-- > 0)
				close(fds[i]);
			return -1;
		}
	}
	if (t->subfolder && t->create) {
		int fd = openat(dfd, "maildirfolder",
				O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		/* without it Courier's quota misses the folder; not fatal */
	}
	return 0;
}

/* ---- folder names ---- */

/* Appends the IMAP modified UTF-7 form of the UTF-8 text s[0..n). 0, or
   -1 for invalid UTF-8. */
static int maildir_mutf7(struct buf *b, const char *s, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		unsigned int bits = 0, nbits = 0;

		if (c >= 0x20 && c < 0x7f) {
			if (c == '&')
				buf_append_str(b, "&-");
			else
				buf_append_char(b, (char)c);
			i++;
			continue;
		}
		buf_append_char(b, '&');
		while (i < n && (unsigned char)s[i] >= 0x80) {
			unsigned int cp, need, k, units[2], nu;
			c = (unsigned char)s[i];
			if (c >= 0xf0 && c < 0xf5) { cp = c & 7; need = 3; }
			else if (c >= 0xe0) { cp = c & 15; need = 2; }
			else if (c >= 0xc2 && c < 0xe0) { cp = c & 31; need = 1; }
			else return -1;
			for (k = 1; k <= need; k++) {
				if (i + k >= n || ((unsigned char)s[i + k] & 0xc0) != 0x80)
					return -1;
				cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
			}
			if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
			    cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
				return -1;
			i += need + 1;
			if (cp >= 0x10000) {
				units[0] = 0xd800 + ((cp - 0x10000) >> 10);
				units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
				nu = 2;
			} else {
				units[0] = cp;
				nu = 1;
			}
			for (k = 0; k < nu; k++) {
				bits = (bits << 16) | units[k];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					buf_append_char(b, b64[(bits >> nbits) & 63]);
				}
				bits &= (1u << nbits) - 1;
			}
		}
		if (nbits > 0)
			buf_append_char(b, b64[(bits << (6 - nbits)) & 63]);
		buf_append_char(b, '-');
	}
	return 0;
}

const char *maildir_folder_dir(struct arena *a, const char *mailbox, const char **err_r)
{
	struct buf b = BUF_INIT;
	const char *p = mailbox, *out;
	size_t i;

	for (i = 0; mailbox[i] != '\0'; i++)
		if ((unsigned char)mailbox[i] < 0x20 || mailbox[i] == 0x7f) {
			*err_r = "control character in mailbox name";
			return NULL;
		}
	if (strcasecmp(p, "INBOX") == 0)
		return "";
	if (strncasecmp(p, "INBOX", 5) == 0 && (p[5] == '/' || p[5] == '.'))
		p += 6;
	while (*p != '\0') {
		size_t n = strcspn(p, "/.");

		if (n == 0 || (n == 1 && p[0] == '~')) {
			buf_free(&b);
			*err_r = "empty or '.'/'..' level in mailbox name";
			return NULL;
		}
		buf_append_char(&b, '.');
		if (maildir_mutf7(&b, p, n) < 0) {
			buf_free(&b);
			*err_r = "mailbox name is not valid UTF-8";
			return NULL;
		}
		p += n;
		if (*p != '\0' && *++p == '\0') {
			buf_free(&b);
			*err_r = "mailbox name ends with a separator";
			return NULL;
		}
	}
	if (b.len == 0 || b.len > MAILDIR_MAX_NAME) {
		buf_free(&b);
		*err_r = b.len == 0 ? "empty mailbox name" : "mailbox name too long";
		return NULL;
	}
	out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return out;
}

int maildir_exists(const char *root, const char *rel)
{
	struct maildir_target t = { .root = root, .rel = rel };
	struct maildir_result r = { 0 };
	struct arena *a = arena_new(1024);
	int rootfd, fd = maildir_walk(&t, a, &r, &rootfd);

	arena_free(&a);
	if (rootfd >= 0)
		close(rootfd);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* ---- unique names ---- */

static const char *maildir_host(void)
{
	static char host[256];
	char raw[200];
	size_t i, o = 0;

	if (host[0] != '\0')
		return host;
	if (gethostname(raw, sizeof(raw)) < 0 || raw[0] == '\0')
		strcpy(raw, "localhost");
	raw[sizeof(raw) - 1] = '\0';
	/* '/' and ':' cannot appear in a Maildir name: Courier's and
	   Dovecot's octal escapes */
	for (i = 0; raw[i] != '\0' && o + 5 < sizeof(host); i++) {
		if (raw[i] == '/' || raw[i] == ':') {
			snprintf(host + o, 5, "\\%03o", (unsigned char)raw[i]);
			o += 4;
		} else {
			host[o++] = raw[i];
		}
	}
	host[o] = '\0';
	return host;
}

/* "1701.M123P456Q1.host,S=1234,W=1260": unique while the clock moves
   forward (the counter and microseconds cover one process, the pid the
   others); S= is the size on disk, W= the size with CRLF line ends
   (what IMAP RFC822.SIZE reports), both read by Dovecot. */
static void maildir_unique(char *out, size_t outsz, size_t len, size_t lines)
{
	static unsigned int counter;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(out, outsz, "%lld.M%ldP%ldQ%u.%s,S=%zu,W=%zu", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid(), ++counter, maildir_host(), len, len + lines);
}

/* ---- flags and keywords ---- */

/* Takes the dotlock Dovecot holds while it changes dovecot-keywords. */
static int maildir_kw_lock(int dfd)
{
	int waited = 0;

	for (;;) {
		struct stat st;
		int fd = openat(dfd, "dovecot-uidlist.lock",
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
		if (fstatat(dfd, "dovecot-uidlist.lock", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime + MAILDIR_KW_LOCK_STALE_SECS < time(NULL)) {
			unlinkat(dfd, "dovecot-uidlist.lock", 0);
			continue;
		}
		if (waited >= MAILDIR_KW_LOCK_WAIT_MS)
			return -1;
		usleep(20 * 1000);
		waited += 20;
	}
}

/* Reads dovecot-keywords ("N name" lines) into names[26]. */
static void maildir_kw_read(int dfd, struct arena *a, const char *names[MAILDIR_MAX_KEYWORDS])
{
	char text[8192];
	ssize_t n;
	int fd = openat(dfd, "dovecot-keywords", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *line, *save = NULL;

	memset(names, 0, MAILDIR_MAX_KEYWORDS * sizeof(*names));
	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		long idx = strtol(line, &end, 10);
		if (end != line && *end == ' ' && idx >= 0 && idx < MAILDIR_MAX_KEYWORDS &&
		    end[1] != '\0')
			names[idx] = arena_strdup(a, end + 1);
	}
}

static int maildir_kw_write(int dfd, const char *names[MAILDIR_MAX_KEYWORDS])
{
	struct buf b = BUF_INIT;
	char tmp[64];
	int i, fd, ok;

	for (i = 0; i < MAILDIR_MAX_KEYWORDS; i++)
		if (names[i] != NULL)
			buf_printf(&b, "%d %s\n", i, names[i]);
	snprintf(tmp, sizeof(tmp), "dovecot-keywords.%ld.tmp", (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		buf_free(&b);
		return -1;
	}
	ok = write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0;
	close(fd);
	buf_free(&b);
	if (!ok || renameat(dfd, tmp, dfd, "dovecot-keywords") < 0) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

static int maildir_kw_atom_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] >= 0x7f || strchr("(){%*\"\\]", s[i]))
			return 0;
	return n > 0;
}

/* The letter of each keyword, assigning free ones in dovecot-keywords
   (under Dovecot's lock). Keywords that cannot be recorded are dropped:
   the message itself is never refused for a flag. */
static void maildir_kw_letters(int dfd, struct arena *a, const char **kw, size_t nkw,
			       int have[MAILDIR_MAX_KEYWORDS])
{
	const char *names[MAILDIR_MAX_KEYWORDS];
	int locked = maildir_kw_lock(dfd) == 0, changed = 0;
	size_t k;
	int i;

	maildir_kw_read(dfd, a, names);
	for (k = 0; k < nkw; k++) {
		int slot = -1, free_slot = -1;
		for (i = 0; i < MAILDIR_MAX_KEYWORDS && slot < 0; i++) {
			if (names[i] != NULL && strcmp(names[i], kw[k]) == 0)
				slot = i;
			else if (names[i] == NULL && free_slot < 0)
				free_slot = i;
		}
		if (slot < 0 && free_slot >= 0 && locked) {
			/* only under the lock: another writer could take it */
			slot = free_slot;
			names[slot] = kw[k];
			changed = 1;
		}
		if (slot >= 0)
			have[slot] = 1;
	}
	if (changed && maildir_kw_write(dfd, names) < 0)
		memset(have, 0, MAILDIR_MAX_KEYWORDS * sizeof(*have));
	if (locked)
		unlinkat(dfd, "dovecot-uidlist.lock", 0);
}

/* ":2,<letters>" for flags, "" when none apply. */
static const char *maildir_info(int dfd, struct arena *a, const char *flags)
{
	static const struct { const char *name; char letter; } sys[] = {
		{ "\\Draft", 'D' }, { "\\Flagged", 'F' }, { "\\Answered", 'R' },
		{ "\\Seen", 'S' }, { "\\Deleted", 'T' },
	};
	int have_sys[N_ELEMENTS(sys)] = { 0 }, have_kw[MAILDIR_MAX_KEYWORDS] = { 0 };
	const char *kw[MAILDIR_MAX_KEYWORDS], *p = flags;
	size_t nkw = 0, i;
	struct buf b = BUF_INIT;
	const char *out;

	if (flags == NULL)
		return "";
	while (*p != '\0') {
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (p[0] == '\\') {
			for (i = 0; i < N_ELEMENTS(sys); i++)
				if (strlen(sys[i].name) == n && strncasecmp(p, sys[i].name, n) == 0)
					have_sys[i] = 1;
		} else if (maildir_kw_atom_ok(p, n) && nkw < MAILDIR_MAX_KEYWORDS) {
			kw[nkw++] = arena_strndup(a, p, n);
		}
		p += n;
	}
	if (nkw > 0)
		maildir_kw_letters(dfd, a, kw, nkw, have_kw);
	/* Dovecot wants the letters in ASCII order: system (upper case) first */
	for (i = 0; i < N_ELEMENTS(sys); i++)
		if (have_sys[i])
			buf_append_char(&b, sys[i].letter);
	for (i = 0; i < MAILDIR_MAX_KEYWORDS; i++)
		if (have_kw[i])
			buf_append_char(&b, (char)('a' + i));
	if (b.len == 0) {
		buf_free(&b);
		return "";
	}
	out = arena_strcat(a, ":2,", buf_cstr(&b), NULL);
	buf_free(&b);
	return out;
}

/* ---- quota (Courier maildirquota(7)) ---- */

int maildir_quota_def_parse(const char *s, size_t len, struct maildir_quota *q)
{
	size_t i = 0;

	q->max_bytes = q->max_count = 0;
	while (i < len) {
		uint64_t v = 0;
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(s[i++] - '0');
		}
		if (i == start || i == len)
			return -1;
		if (s[i] == 'S')
			q->max_bytes = v;
		else if (s[i] == 'C')
			q->max_count = v;
		else
			return -1;
		i++;
		if (i < len && s[i++] != ',')
			return -1;
	}
	return 0;
}

/* One "bytes count" line (each a signed decimal). */
static int maildir_quota_line(const char *s, size_t len, int64_t *bytes_r, int64_t *count_r)
{
	int64_t v[2] = { 0, 0 };
	size_t i = 0;
	int k;

	for (k = 0; k < 2; k++) {
		int neg = 0;
		size_t start;
		while (i < len && s[i] == ' ')
			i++;
		if (i < len && s[i] == '-') {
			neg = 1;
			i++;
		}
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (v[k] > (INT64_MAX - 9) / 10)
				return -1;
			v[k] = v[k] * 10 + (s[i++] - '0');
		}
		if (i == start)
			return -1;
		if (neg)
			v[k] = -v[k];
	}
	while (i < len && s[i] == ' ')
		i++;
	if (i != len)
		return -1;
	*bytes_r = v[0];
	*count_r = v[1];
	return 0;
}

int maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	const char *p = text, *end = text + len, *nl;

	memset(q, 0, sizeof(*q));
	nl = memchr(p, '\n', len);
	if (nl == NULL || maildir_quota_def_parse(p, (size_t)(nl - p), q) < 0)
		return -1;
	for (p = nl + 1; p < end; p = nl + 1) {
		int64_t b, c;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return -1; /* a line being appended, or damage: recount */
		if (maildir_quota_line(p, (size_t)(nl - p), &b, &c) < 0)
			return -1;
		if ((b > 0 && q->bytes > INT64_MAX - b) || (b < 0 && q->bytes < INT64_MIN - b) ||
		    (c > 0 && q->count > INT64_MAX - c) || (c < 0 && q->count < INT64_MIN - c))
			return -1;
		q->bytes += b;
		q->count += c;
		q->lines++;
	}
	return 0;
}

/* The size of a message file: S= in its name, else stat. */
static int64_t maildir_file_size(int dfd, const char *name)
{
	const char *s = strstr(name, ",S=");
	struct stat st;

	if (s != NULL)
		return strtoll(s + 3, NULL, 10);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		return (int64_t)st.st_size;
	return 0;
}

static void maildir_count_dir(int dfd, const char *sub, int64_t *bytes, int64_t *count)
{
	int fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		*bytes += maildir_file_size(dirfd(d), e->d_name);
		(*count)++;
	}
	closedir(d);
}

/* Counts the Maildir and its Maildir++ folders from scratch and replaces
   maildirsize (via tmp/ and rename, so readers see old or new). */
static int maildir_quota_recalc(int rootfd, int tmpfd, const char *def, struct maildir_quota *q)
{
	int64_t bytes = 0, count = 0;
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char name[300], line[128];
	int ok, n;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	maildir_count_dir(rootfd, "cur", &bytes, &count);
	maildir_count_dir(rootfd, "new", &bytes, &count);
	while ((e = readdir(d)) != NULL) {
		int sub;
		if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		sub = maildir_openat_dir(dirfd(d), e->d_name);
		if (sub < 0)
			continue;
		maildir_count_dir(sub, "cur", &bytes, &count);
		maildir_count_dir(sub, "new", &bytes, &count);
		close(sub);
	}
	closedir(d);
	q->bytes = bytes;
	q->count = count;
	q->lines = 1;
	maildir_unique(name, sizeof(name), 0, 0);
	n = snprintf(line, sizeof(line), "%s\n%lld %lld\n", def, (long long)bytes,
		     (long long)count);
	fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	close(fd);
	if (!ok || renameat(tmpfd, name, rootfd, "maildirsize") < 0) {
		unlinkat(tmpfd, name, 0);
		return -1;
	}
	return 0;
}

static int maildir_quota_over(const struct maildir_quota *q, size_t len)
{
	return (q->max_bytes > 0 && q->bytes + (int64_t)len > (int64_t)q->max_bytes) ||
	       (q->max_count > 0 && q->count + 1 > (int64_t)q->max_count);
}

/* Checks the quota of the Maildir at rootfd for a message of len bytes.
   *on_r says whether maildirsize is in force (then add a line after the
   delivery). */
static enum mda_status maildir_quota_check(const struct maildir_target *t, int rootfd,
					   int tmpfd, size_t len, int *on_r, struct arena *a,
					   struct maildir_result *r)
{
	char text[MAILDIR_QUOTA_MAX_FILE + 1], def[64];
	struct maildir_quota q, want;
	struct stat st;
	ssize_t n = 0;
	int fd, fresh = 0, ok;

	*on_r = 0;
	if (t->quota == NULL)
		return MDA_OK;
	fd = openat(rootfd, "maildirsize", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && t->quota[0] == '\0')
		return MDA_OK; /* no quota set anywhere */
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		if (fstat(fd, &st) < 0)
			st.st_mtime = 0;
		close(fd);
	}
	if (n < 0)
		n = 0;
	text[n] = '\0';
	ok = fd >= 0 && n < MAILDIR_QUOTA_MAX_FILE && maildir_quota_parse(text, (size_t)n, &q) == 0;
	if (t->quota[0] != '\0') {
		if (maildir_quota_def_parse(t->quota, strlen(t->quota), &want) < 0) {
			r->ex = EX_TEMPFAIL;
			r->err = arena_printf(a, "bad quota definition '%s'", t->quota);
			return MDA_TEMPFAIL;
		}
		snprintf(def, sizeof(def), "%s", t->quota);
		if (ok && (q.max_bytes != want.max_bytes || q.max_count != want.max_count))
			ok = 0;
	} else {
		const char *nl = strchr(text, '\n');
		size_t dl = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (dl >= sizeof(def) || maildir_quota_def_parse(text, dl, &want) < 0)
			return MDA_OK; /* a maildirsize without a definition: no quota */
		memcpy(def, text, dl);
		def[dl] = '\0';
	}
	if (!ok) {
		if (maildir_quota_recalc(rootfd, tmpfd, def, &q) < 0)
			return maildir_fail(r, a, errno, "%s: maildirsize", t->root);
		q.max_bytes = want.max_bytes;
		q.max_count = want.max_count;
		fresh = 1;
	}
	if (maildir_quota_over(&q, len) && !fresh &&
	    st.st_mtime + MAILDIR_QUOTA_STALE_SECS < time(NULL)) {
		if (maildir_quota_recalc(rootfd, tmpfd, def, &q) < 0)
			return maildir_fail(r, a, errno, "%s: maildirsize", t->root);
	}
	*on_r = 1;
	if (!maildir_quota_over(&q, len))
		return MDA_OK;
	r->err = arena_printf(a, "%s: over quota (%lld of %llu bytes, %lld of %llu messages, "
				 "message %zu bytes)", t->root, (long long)q.bytes,
			      (unsigned long long)q.max_bytes, (long long)q.count,
			      (unsigned long long)q.max_count, len);
	r->ex = t->quota_bounce ? EX_CANTCREAT : EX_TEMPFAIL;
	r->over_quota = 1;
	return t->quota_bounce ? MDA_PERMFAIL : MDA_TEMPFAIL;
}

/* One line, one write, O_APPEND: concurrent deliveries never interleave. */
static void maildir_quota_add(int rootfd, size_t len)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%zu 1\n", len);
	int fd = openat(rootfd, "maildirsize", O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n) {
		/* a short line makes the next reader recount: harmless */
	}
	close(fd);
}

/* ---- delivery ---- */

static int maildir_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes the message into tmp/ under a fresh unique name (in name). */
static enum mda_status maildir_write_tmp(const struct maildir_target *t, int tmpfd, char *name,
					 size_t namesz, const char *data, size_t len,
					 size_t lines, struct arena *a, struct maildir_result *r)
{
	int fd = -1, tries, err;

	for (tries = 0; tries < 100 && fd < 0; tries++) {
		maildir_unique(name, namesz, len, lines);
		fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return maildir_fail(r, a, errno, "%s%s%s/tmp: new file", t->root,
				    *t->rel ? "/" : "", t->rel);
	if (maildir_write_all(fd, data, len) < 0 || (!t->no_fsync && fsync(fd) < 0)) {
		err = errno;
		close(fd);
		unlinkat(tmpfd, name, 0);
		return maildir_fail(r, a, err, "%s/%s: writing tmp/%s", t->root, t->rel, name);
	}
	if (close(fd) < 0) { /* NFS reports write errors here */
		err = errno;
		unlinkat(tmpfd, name, 0);
		return maildir_fail(r, a, err, "%s/%s: writing tmp/%s", t->root, t->rel, name);
	}
	return MDA_OK;
}

/* Gives tmp/name its final name in dstfd: link (never replaces), or
   rename where the file system has no hard links. */
static int maildir_publish(int tmpfd, const char *name, int dstfd, const char *dst)
{
	if (linkat(tmpfd, name, dstfd, dst, 0) == 0) {
		unlinkat(tmpfd, name, 0); /* a leftover in tmp/ is harmless */
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK)
		return -1;
	if (renameat2(tmpfd, name, dstfd, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no RENAME_NOREPLACE here either: the unique name must do */
	return renameat(tmpfd, name, dstfd, dst);
}

static size_t maildir_count_lines(const char *data, size_t len)
{
	size_t n = 0;
	const char *p = data, *end = data + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

enum mda_status maildir_deliver(const struct maildir_target *t, const char *data, size_t len,
				const char *flags, struct arena *a, struct maildir_result *r)
{
	char name[400], dst[460];
	int rootfd, dfd, fds[3] = { -1, -1, -1 }, quota_on = 0, dstfd, i, tries;
	enum mda_status st;
	const char *info;
	size_t lines = maildir_count_lines(data, len);

	memset(r, 0, sizeof(*r));
	dfd = maildir_walk(t, a, r, &rootfd);
	if (dfd < 0) {
		if (rootfd >= 0)
			close(rootfd);
		return r->ex == EX_TEMPFAIL ? MDA_TEMPFAIL : MDA_PERMFAIL;
	}
	if (t->subfolder && t->create) {
		/* the parent Maildir must look like one too (Dovecot looks for
		   cur/); made the first time a folder gets mail */
		static const char *const sub[3] = { "tmp", "new", "cur" };
		for (i = 0; i < 3; i++)
			if (mkdirat(rootfd, sub[i], 0700) < 0 && errno != EEXIST)
				break;
	}
	if (maildir_prepare(t, dfd, fds, a, r) < 0) {
		st = r->ex == EX_TEMPFAIL ? MDA_TEMPFAIL : MDA_PERMFAIL;
		goto out;
	}
	st = maildir_quota_check(t, rootfd, fds[0], len, &quota_on, a, r);
	if (st != MDA_OK)
		goto out;
	info = maildir_info(dfd, a, flags);
	dstfd = info[0] != '\0' ? fds[2] : fds[1];
	st = maildir_write_tmp(t, fds[0], name, sizeof(name), data, len, lines, a, r);
	if (st != MDA_OK)
		goto out;
	for (tries = 0;; tries++) {
		snprintf(dst, sizeof(dst), "%s%s", name, info);
		if (maildir_publish(fds[0], name, dstfd, dst) == 0)
			break;
		if (errno != EEXIST || tries == 100) {
			int err = errno;
			unlinkat(fds[0], name, 0);
			st = maildir_fail(r, a, err, "%s/%s: moving into %s", t->root, t->rel,
					  dstfd == fds[1] ? "new" : "cur");
			goto out;
		}
		/* the name is taken (a clock step back): take another one */
		{
			char again[400];
			maildir_unique(again, sizeof(again), len, lines);
			if (renameat(fds[0], name, fds[0], again) < 0) {
				st = maildir_fail(r, a, errno, "%s/%s: tmp rename", t->root,
						  t->rel);
				unlinkat(fds[0], name, 0);
				goto out;
			}
			memcpy(name, again, sizeof(name));
		}
	}
	if (!t->no_fsync && fsync(dstfd) < 0) {
		/* not durable: take it back so the MTA's retry makes no double */
		int err = errno;
		unlinkat(dstfd, dst, 0);
		st = maildir_fail(r, a, err, "%s/%s: fsync", t->root, t->rel);
		goto out;
	}
	if (quota_on)
		maildir_quota_add(rootfd, len);
	r->path = arena_printf(a, "%s%s%s/%s/%s", t->root, *t->rel ? "/" : "", t->rel,
			       dstfd == fds[1] ? "new" : "cur", dst);
out:
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(dfd);
	close(rootfd);
	return st;
}
