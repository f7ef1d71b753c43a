/*
 * test-procmail.c - the procmail-style recipes (mda/procmail*.c).
 *
 * Runs every case of tests/data/procmail/cases/NAME.t: an rc file, a
 * message, extra files (INCLUDERC targets), and the expected trace,
 * status and error (or the expected parse error, exactly as
 * "file:line: message"). The ops record deliveries but really run
 * commands with /bin/sh (filters, `?` conditions, backquotes), with a
 * time limit; a folder whose name contains "fail-perm" or "fail-temp"
 * fails that way. A few checks in C follow (the match limit, memory).
 *
 * With --deliver RC MSG DIR, runs one rc the way the cross-check needs
 * (tests/integration/test-procmail-crosscheck.sh): MAILDIR=DIR,
 * DEFAULT=DIR/Maildir/, deliveries written as real Maildir files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/wn.h"
#include "mda/procmail.h"
#include "tests/unit/test.h"

#define T_TIMEOUT_MS 1500

struct tops {
	int write;        /* --deliver: write real Maildir files */
	unsigned int counter;
	const char *dir;  /* --deliver: where forwards are written */
};

/* mkdir -p */
static int t_mkdirs(const char *path)
{
	char tmp[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++)
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char c = tmp[i];
			tmp[i] = '\0';
			if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
				return -1;
			tmp[i] = c;
		}
	return 0;
}

static enum mda_status t_to_maildir(void *ctx, const struct mda_msg *m, const char *path,
				    const char **err_r)
{
	struct tops *t = ctx;
	char file[4096];
	const char *sub[] = { "tmp", "new", "cur" };
	size_t i;
	FILE *f;

	if (strstr(path, "fail-perm") != NULL) {
		*err_r = "injected permanent failure";
		return MDA_PERMFAIL;
	}
	if (strstr(path, "fail-temp") != NULL) {
		*err_r = "injected transient failure";
		return MDA_TEMPFAIL;
	}
	if (!t->write)
		return MDA_OK;
	for (i = 0; i < N_ELEMENTS(sub); i++) {
		snprintf(file, sizeof(file), "%s/%s", path, sub[i]);
		if (t_mkdirs(file) < 0) {
			*err_r = "mkdir failed";
			return MDA_PERMFAIL;
		}
	}
	snprintf(file, sizeof(file), "%s/new/%ld.%u_%ld.test", path, (long)time(NULL),
		 t->counter++, (long)getpid());
	f = fopen(file, "wb");
	if (f == NULL || fwrite(m->data, 1, m->len, f) != m->len) {
		if (f != NULL)
			fclose(f);
		*err_r = "write failed";
		return MDA_TEMPFAIL;
	}
	fclose(f);
	return MDA_OK;
}

/* With --deliver, a forward is written to DIR/forward-N as "To: addrs"
   and the message, as the cross-check's stand-in sendmail does. */
static enum mda_status t_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				  size_t n, const char **err_r)
{
	struct tops *t = ctx;
	char file[4096];
	struct stat st;
	unsigned int k = 0;
	size_t i;
	FILE *f;

	if (!t->write)
		return MDA_OK;
	do
		snprintf(file, sizeof(file), "%s/forward-%u", t->dir, k++);
	while (stat(file, &st) == 0);
	f = fopen(file, "wb");
	if (f == NULL) {
		*err_r = "cannot write the forward";
		return MDA_TEMPFAIL;
	}
	fputs("To:", f);
	for (i = 0; i < n; i++)
		fprintf(f, " %s", addrs[i]);
	fputs("\n", f);
	fwrite(m->data, 1, m->len, f);
	fclose(f);
	return MDA_OK;
}

/* Reads the child's stdout until EOF or the deadline. 0, or -1 on
   timeout. */
static int t_read_all(int fd, struct buf *out)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char chunk[4096];
	ssize_t n;

	for (;;) {
		int r = poll(&p, 1, T_TIMEOUT_MS);
		if (r == 0)
			return -1;
		if (r < 0 && errno == EINTR)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		buf_append(out, chunk, (size_t)n);
	}
}

static enum mda_status t_pipe(void *ctx, const struct mda_msg *m, const char *command,
			      const char *const *env, size_t n, int capture, char **out_r,
			      size_t *out_len_r, int *exit_r, const char **err_r)
{
	char in_path[] = "/tmp/wn-procmail-in-XXXXXX";
	int in = mkstemp(in_path), outp[2], status, timed_out;
	struct buf out = BUF_INIT;
	pid_t pid;

	(void)ctx;
	*exit_r = -1;
	if (in < 0 || write(in, m->data, m->len) != (ssize_t)m->len || pipe(outp) < 0) {
		*err_r = "cannot set up the command";
		return MDA_TEMPFAIL;
	}
	unlink(in_path);
	lseek(in, 0, SEEK_SET);
	pid = fork();
	if (pid == 0) {
		char **envp = xcalloc(n + 1, sizeof(*envp));
		size_t i;
		for (i = 0; i < n; i++)
			envp[i] = (char *)env[i];
		setpgid(0, 0);
		dup2(in, 0);
		dup2(capture ? outp[1] : open("/dev/null", O_WRONLY), 1);
		close(outp[0]);
		execle("/bin/sh", "sh", "-c", command, (char *)NULL, envp);
		_exit(127);
	}
	close(in);
	close(outp[1]);
	timed_out = t_read_all(outp[0], &out) < 0;
	close(outp[0]);
	if (timed_out)
		kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (timed_out) {
		buf_free(&out);
		*err_r = "command timed out";
		return MDA_TEMPFAIL;
	}
	*exit_r = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (capture) {
		*out_r = arena_strndup(m->arena, out.len ? out.data : "", out.len);
		*out_len_r = out.len;
	}
	buf_free(&out);
	return MDA_OK;
}

static void t_ops(struct mda_ops *ops, struct tops *t)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = t;
	ops->to_maildir = t_to_maildir;
	ops->redirect = t_redirect;
	ops->pipe = t_pipe;
}

/* The message of every case without its own (also the cross-check's). */
static char *t_default_msg(void)
{
	size_t len;

	return test_read_file("tests/data/procmail/default.eml", &len);
}

/* --- one case file --- */

struct tcase {
	char *rc, *msg, *trace, *status, *error, *parse_error;
	char *files[8], *file_names[8];
	size_t nfiles;
};

/* Splits text into "--- name" sections. */
static void t_case_load(struct tcase *c, char *text)
{
	char *p = text, **cur = NULL;

	memset(c, 0, sizeof(*c));
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		char *next = nl != NULL ? nl + 1 : p + strlen(p);
		if (strncmp(p, "--- ", 4) == 0) {
			char *name = p + 4;
			if (nl != NULL)
				*nl = '\0';
			if (cur != NULL && *cur == p)
				*cur = "";
			if (strcmp(name, "rc") == 0)
				cur = &c->rc;
			else if (strcmp(name, "msg") == 0)
				cur = &c->msg;
			else if (strcmp(name, "trace") == 0)
				cur = &c->trace;
			else if (strcmp(name, "status") == 0)
				cur = &c->status;
			else if (strcmp(name, "error") == 0)
				cur = &c->error;
			else if (strcmp(name, "parse-error") == 0)
				cur = &c->parse_error;
			else if (strncmp(name, "file ", 5) == 0 && c->nfiles < 8) {
				c->file_names[c->nfiles] = name + 5;
				cur = &c->files[c->nfiles++];
			} else
				wn_panic("bad section '%s'", name);
			*cur = next;
			if (p > text)
				p[-1] = '\0';
		}
		p = next;
	}
}

/* s with every "$T" replaced by dir, trailing newlines dropped. */
static char *t_subst(const char *s, const char *dir)
{
	struct buf b = BUF_INIT;
	char *r;

	for (; s != NULL && *s != '\0'; s++) {
		if (s[0] == '$' && s[1] == 'T') {
			buf_append_str(&b, dir);
			s++;
		} else {
			buf_append(&b, s, 1);
		}
	}
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	r = xstrndup(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return r;
}

/* Writes a case's file, making the directories it names. */
static void t_write(const char *path, const char *text)
{
	FILE *f;

	if (wn_mkdir_parents(path, 0700) < 0)
		wn_panic("%s: %s", path, strerror(errno));
	f = fopen(path, "w");

	if (f == NULL)
		wn_panic("%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static const char *t_status_name(enum mda_status st)
{
	return st == MDA_OK ? "ok" : st == MDA_TEMPFAIL ? "tempfail" : "permfail";
}

/* Runs rc_path on msg; the trace as text (malloc'd), *status_r, *err_r. */
static char *t_run(const char *rc_path, const char *msg, size_t len, const char *dir,
		   int write, enum mda_status *status_r, char **err_r)
{
	struct arena *a = arena_new(65536);
	struct procmail_rc *rc;
	struct mda_msg m;
	struct mda_ops ops;
	struct tops t = { write, 0, dir };
	struct mda_trace trace = { NULL, 0, 0 };
	struct procmail_env env;
	struct buf out = BUF_INIT;
	char *def = buf_strdup_printf("%s/Maildir/", dir), *r;
	size_t i;

	*err_r = NULL;
	rc = procmail_parse(rc_path, err_r);
	if (rc == NULL) {
		*status_r = MDA_PERMFAIL;
		arena_free(&a);
		free(def);
		return xstrdup("");
	}
	mda_msg_init(&m, a, msg, len);
	m.sender = "alice@example.org";
	env.home = dir;
	env.logname = "bob";
	env.maildir_default = dir;
	env.default_dest = def;
	t_ops(&ops, &t);
	*status_r = procmail_run(rc, &m, &ops, &env, &trace, err_r);
	for (i = 0; i < trace.count; i++)
		buf_printf(&out, "%s%s", i ? "\n" : "", trace.lines[i]);
	r = xstrdup(out.data != NULL ? out.data : "");
	buf_free(&out);
	procmail_free(&rc);
	arena_free(&a);
	free(def);
	return r;
}

/* Every prefix of an rc parses or fails cleanly, with "name:line: ". */
static void t_prefixes(const char *rc)
{
	size_t len = strlen(rc), i;

	for (i = 0; i <= len; i++) {
		char *err = NULL;
		struct procmail_rc *p = procmail_parse_buffer("prefix.rc", rc, i, &err);
		if (p == NULL)
			test_assert(err != NULL && strncmp(err, "prefix.rc:", 10) == 0);
		else
			test_assert(err == NULL);
		procmail_free(&p);
		free(err);
	}
}

static void t_case(const char *file)
{
	char rel[512], *text, *rc_path, *trace, *err = NULL, *want;
	const char *dir;
	struct tcase c;
	enum mda_status st;
	size_t len, i;

	snprintf(rel, sizeof(rel), "tests/data/procmail/cases/%s", file);
	text = test_read_file(rel, &len);
	t_case_load(&c, text);
	test_begin(file);
	if (test_tmpdir("procmail") < 0) {
		test_assert(0);
		free(text);
		test_end();
		return;
	}
	dir = xstrdup(test_tmp_path(""));
	((char *)dir)[strlen(dir) - 1] = '\0'; /* no trailing slash */
	for (i = 0; i < c.nfiles; i++) {
		char *body = t_subst(c.files[i], dir);
		t_write(test_tmp_path(c.file_names[i]), body);
		free(body);
	}
	rc_path = xstrdup(test_tmp_path("test.rc"));
	want = t_subst(c.rc != NULL ? c.rc : "", dir);
	t_write(rc_path, want);
	t_prefixes(want);
	free(want);
	{
		char *msg = c.msg != NULL ? t_subst(c.msg, dir) : t_default_msg();
		if (c.msg != NULL) {
			size_t n = strlen(msg);
			msg = xrealloc(msg, n + 2);
			strcpy(msg + n, "\n");
		}
		trace = t_run(rc_path, msg, strlen(msg), dir, 0, &st, &err);
		free(msg);
	}
	if (c.parse_error != NULL) {
		want = t_subst(c.parse_error, dir);
		test_assert_str(err != NULL ? err : "(no error)", want);
		free(want);
	} else {
		want = t_subst(c.trace, dir);
		test_assert_str(trace, want);
		free(want);
		want = t_subst(c.status != NULL ? c.status : "ok", dir);
		test_assert_str(t_status_name(st), want);
		free(want);
		want = t_subst(c.error != NULL ? c.error : "(none)", dir);
		test_assert_str(err != NULL ? err : "(none)", want);
		free(want);
	}
	free(trace);
	free(err);
	free(rc_path);
	free((char *)dir);
	free(text);
	test_tmpdir_remove();
	test_end();
}

static int t_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void t_cases(void)
{
	DIR *d = opendir(test_src_path("tests/data/procmail/cases"));
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	test_begin("cases directory");
	test_assert(d != NULL);
	test_end();
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 2 && strcmp(e->d_name + l - 2, ".t") == 0) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), t_cmp);
	for (i = 0; i < n; i++) {
		t_case(names[i]);
		free(names[i]);
	}
	free(names);
}

/* --- checks in C --- */

/* A regex that backtracks badly: over the PCRE2 match limit it is a
   clear run-time error and the message still reaches $DEFAULT. */
static void t_match_limit(void)
{
	const char *rc = ":0 B\n* ^(a|aa)+(a|aa)+(a|aa)+(a|aa)+(a|aa)+$\nspam/\n";
	struct buf msg = BUF_INIT;
	struct arena *a = arena_new(65536);
	struct procmail_rc *p;
	struct mda_msg m;
	struct mda_ops ops;
	struct tops t = { 0, 0, NULL };
	struct mda_trace trace = { NULL, 0, 0 };
	struct procmail_env env = { "/home/u", "u", "/home/u/Mail", "/home/u/Maildir/" };
	char *err = NULL;
	enum mda_status st;
	int i;

	test_begin("match limit");
	buf_append_str(&msg, "Subject: x\n\n");
	for (i = 0; i < 40; i++)
		buf_append_str(&msg, "aaaaaaaaaa");
	buf_append_str(&msg, "b\n");
	p = procmail_parse_buffer("limit.rc", rc, strlen(rc), &err);
	test_assert(p != NULL);
	mda_msg_init(&m, a, msg.data, msg.len);
	t_ops(&ops, &t);
	st = procmail_run(p, &m, &ops, &env, &trace, &err);
	test_assert_int(st, MDA_OK);
	test_assert_str(err != NULL ? err : "",
			"limit.rc:2: regex over its match limit (pathological backtracking): "
			"'^(a|aa)+(a|aa)+(a|aa)+(a|aa)+(a|aa)+$'");
	test_assert_int(trace.count, 1);
	test_assert_str(trace.count ? trace.lines[0] : "", "maildir /home/u/Maildir (default)");
	free(err);
	procmail_free(&p);
	test_assert(p == NULL);
	arena_free(&a);
	buf_free(&msg);
	test_end();
}

/* The same rc parsed and run many times: nothing grows. */
static void t_reuse(void)
{
	const char *rc = "X=`echo hi`\n:0\n* $ X ?? ^${X}$\nok/\n";
	struct procmail_rc *p;
	char *err = NULL;
	int i;

	test_begin("parse and run again");
	p = procmail_parse_buffer("r.rc", rc, strlen(rc), &err);
	test_assert(p != NULL);
	for (i = 0; i < 3; i++) {
		struct arena *a = arena_new(4096);
		struct mda_msg m;
		struct mda_ops ops;
		struct tops t = { 0, 0, NULL };
		struct mda_trace trace = { NULL, 0, 0 };
		struct procmail_env env = { "/h", "u", "/h/Mail", "/h/Maildir/" };
		char *msg = t_default_msg();
		mda_msg_init(&m, a, msg, strlen(msg));
		free(msg);
		t_ops(&ops, &t);
		test_assert_int(procmail_run(p, &m, &ops, &env, &trace, &err), MDA_OK);
		test_assert(err == NULL);
		test_assert_str(trace.count ? trace.lines[trace.count - 1] : "", "maildir /h/Mail/ok");
		arena_free(&a);
	}
	procmail_free(&p);
	test_end();
}

static int t_deliver(const char *rc, const char *msg_path, const char *dir)
{
	FILE *f = fopen(msg_path, "rb");
	struct buf msg = BUF_INIT;
	char chunk[8192], *trace, *err = NULL;
	size_t n;
	enum mda_status st;

	if (f == NULL) {
		perror(msg_path);
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&msg, chunk, n);
	fclose(f);
	trace = t_run(rc, msg.data != NULL ? msg.data : "", msg.len, dir, 1, &st, &err);
	printf("%s\nstatus %s\n", trace, t_status_name(st));
	if (err != NULL)
		printf("error %s\n", err);
	free(trace);
	free(err);
	buf_free(&msg);
	return st == MDA_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--deliver") == 0)
		return t_deliver(argv[2], argv[3], argv[4]);
	signal(SIGPIPE, SIG_IGN);
	t_cases();
	t_match_limit();
	t_reuse();
	return test_exit();
}
