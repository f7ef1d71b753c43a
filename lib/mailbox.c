/*
 * mailbox.c - message sources for the CLI (see mailbox.h).
 *
 * mbox: messages start at "From " lines that follow a blank line (or
 * begin the file); ">From " quoting (mboxrd) is undone by one level.
 * Maildir: cur/ then new/, names sorted so runs are reproducible.
 */
#include "config.h"

#include "lib/mailbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "lib/wn.h"

static char *mailbox_errf(const char *path, const char *what)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s: %s: %s", path, what, strerror(errno));
	return buf_steal(&b);
}

/* Reads a stream, keeping at most limit bytes (the rest is consumed). */
static int mailbox_slurp(FILE *f, size_t limit, struct buf *out)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len < limit)
			buf_append(out, chunk, n < limit - out->len ? n : limit - out->len);
	}
	return ferror(f) ? -1 : 0;
}

static int mailbox_is_from_line(const char *p, const char *end)
{
	return end - p >= 5 && memcmp(p, "From ", 5) == 0;
}

int mailbox_is_mbox(const char *data, size_t len)
{
	const char *end = data + len, *p = data;

	if (!mailbox_is_from_line(data, end))
		return 0;
	/* a From line after a blank line (LF or CRLF): memmem finds the few
	   "\nFrom " far faster than a look at every line */
	while ((p = memmem(p, (size_t)(end - p), "\nFrom ", 6)) != NULL) {
		int blank = (p - data >= 1 && p[-1] == '\n') ||
			    (p - data >= 2 && p[-1] == '\r' && p[-2] == '\n');
		if (blank && mailbox_is_from_line(p + 1, end))
			return 1;
		p++;
	}
	return 0;
}

/* Splits an mbox already in memory; undoes one level of ">From ". */
static int mailbox_split_mbox(const char *path, const char *data, size_t len,
			      size_t max_size, mailbox_cb *cb, void *ctx)
{
	const char *end = data + len, *p = data;
	struct buf msg = BUF_INIT, name = BUF_INIT;
	unsigned int n = 0;
	int ret = 0, prev_blank = 1;

	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t linelen = (size_t)(next - p);

		if (prev_blank && mailbox_is_from_line(p, end)) {
			if (n > 0) {
				buf_truncate(&name, 0);
				buf_printf(&name, "%s#%u", path, n);
				ret = cb(ctx, name.data, buf_cstr(&msg), msg.len);
			}
			n++;
			buf_truncate(&msg, 0);
		} else if (msg.len <= max_size) {
			const char *q = p, *start = p;
			size_t take = linelen;
			while (q < next && *q == '>')
				q++;
			if (q > p && mailbox_is_from_line(q, end))
				start++, take--;
			if (take > max_size + 1 - msg.len)
				take = max_size + 1 - msg.len;
			buf_append(&msg, start, take);
		}
		prev_blank = linelen == 1 || (linelen == 2 && *p == '\r');
		p = next;
	}
	if (ret == 0 && n > 0) {
		buf_truncate(&name, 0);
		buf_printf(&name, "%s#%u", path, n);
		ret = cb(ctx, name.data, buf_cstr(&msg), msg.len);
	}
	buf_free(&msg);
	buf_free(&name);
	return ret;
}

static int mailbox_read_file(const char *path, size_t max_size, int allow_mbox,
			     mailbox_cb *cb, void *ctx, char **err_r)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf data = BUF_INIT;
	/* an mbox may hold many messages: read it whole, up to a bound */
	size_t limit = allow_mbox ? (size_t)1 << 31 : max_size + 1;
	int ret;

	if (f == NULL) {
		*err_r = mailbox_errf(path, "cannot open");
		return -1;
	}
	if (mailbox_slurp(f, limit, &data) < 0) {
		*err_r = mailbox_errf(path, "read error");
		if (f != stdin)
			fclose(f);
		buf_free(&data);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	if (allow_mbox && mailbox_is_mbox(buf_cstr(&data), data.len))
		ret = mailbox_split_mbox(path, data.data, data.len, max_size, cb, ctx);
	else
		ret = cb(ctx, path, buf_cstr(&data),
			 data.len < max_size + 1 ? data.len : max_size + 1);
	buf_free(&data);
	return ret;
}

static int mailbox_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular, non-hidden file of a directory, sorted. */
static int mailbox_read_dir(const char *dir, size_t max_size, mailbox_cb *cb,
			    void *ctx, char **err_r)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int ret = 0;

	if (d == NULL) {
		*err_r = mailbox_errf(dir, "cannot open directory");
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), mailbox_name_cmp);
	for (i = 0; i < n && ret == 0; i++) {
		struct buf p = BUF_INIT;
		struct stat st;
		buf_printf(&p, "%s/%s", dir, names[i]);
		if (stat(p.data, &st) == 0 && S_ISREG(st.st_mode))
			ret = mailbox_read_file(p.data, max_size, 0, cb, ctx, err_r);
		buf_free(&p);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int mailbox_is_maildir(const char *path)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int yes;

	buf_printf(&p, "%s/cur", path);
	yes = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_truncate(&p, 0);
	buf_printf(&p, "%s/new", path);
	yes = yes || (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode));
	buf_free(&p);
	return yes;
}

static int mailbox_read_maildir(const char *path, size_t max_size,
				mailbox_cb *cb, void *ctx, char **err_r)
{
	static const char *const subs[] = { "cur", "new" };
	size_t i;
	int ret = 0;

	for (i = 0; i < N_ELEMENTS(subs) && ret == 0; i++) {
		struct buf p = BUF_INIT;
		struct stat st;
		buf_printf(&p, "%s/%s", path, subs[i]);
		if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode))
			ret = mailbox_read_dir(p.data, max_size, cb, ctx, err_r);
		buf_free(&p);
	}
	return ret;
}

int mailbox_read(const char *path, size_t max_size, mailbox_cb *cb, void *ctx,
		 char **err_r)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return mailbox_read_file(path, max_size, 1, cb, ctx, err_r);
	if (stat(path, &st) < 0) {
		*err_r = mailbox_errf(path, "cannot open");
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return mailbox_read_file(path, max_size, 1, cb, ctx, err_r);
	if (mailbox_is_maildir(path))
		return mailbox_read_maildir(path, max_size, cb, ctx, err_r);
	return mailbox_read_dir(path, max_size, cb, ctx, err_r);
}
