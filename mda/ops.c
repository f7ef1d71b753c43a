/*
 * ops.c - what recipes make winnow-mda do (mda.h struct mda_ops): file
 * into Maildir folders (maildir.c), forward and send through the local
 * MTA's sendmail, run commands under a time limit, remember vacation
 * replies; and the recording twins of `--test`.
 *
 * Failures: a folder other than INBOX that cannot be written is
 * MDA_PERMFAIL (the interpreters then keep the message in INBOX); INBOX
 * itself failing is MDA_TEMPFAIL whatever the cause (a permission or a
 * link the administrator must fix), so the MTA keeps the message queued
 * and nothing is lost - except over quota with mda_quota_bounce = yes.
 * Commands (sendmail, pipes) run in their own process group, killed
 * whole when the time limit passes.
 */
#include "config.h"

#include "mda/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "mda/maildir.h"

extern char **environ;

/* Vacation records kept per user: past this the oldest go. */
#define OPS_VACATION_MAX 10000

static struct maildir_target ops_target(const struct mda_core *c, const struct mda_msg *m,
					const char *dir, int create)
{
	struct maildir_target t = { 0 };

	t.root = m->maildir;
	t.rel = dir;
	t.subfolder = dir[0] != '\0';
	t.create = dir[0] == '\0' ? 1 : create;
	t.quota = c->quota;
	t.quota_bounce = c->quota_bounce;
	t.no_fsync = c->no_fsync;
	return t;
}

static enum mda_status ops_deliver(struct mda_core *c, const struct mda_msg *m,
				   const struct maildir_target *t, int inbox, const char *flags,
				   const char **err_r)
{
	struct maildir_result r;
	enum mda_status st = maildir_deliver(t, m->data, m->len, flags, m->arena, &r);

	if (st == MDA_OK) {
		c->delivered = r.path;
		c->ndelivered++;
		return MDA_OK;
	}
	/* INBOX is the last resort: keep the mail queued rather than bounce */
	if (st == MDA_PERMFAIL && inbox && !r.over_quota)
		st = MDA_TEMPFAIL;
	c->ex = st == MDA_TEMPFAIL ? EX_TEMPFAIL : r.ex;
	*err_r = r.err;
	return st;
}

static enum mda_status ops_fileinto(void *ctx, const struct mda_msg *m, const char *mailbox,
				    const char *flags, int create, const char **err_r)
{
	struct mda_core *c = ctx;
	struct maildir_target t;
	const char *dir = maildir_folder_dir(m->arena, mailbox, err_r);

	if (dir == NULL) {
		*err_r = arena_printf(m->arena, "mailbox '%s': %s", mailbox, *err_r);
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	t = ops_target(c, m, dir, create);
	return ops_deliver(c, m, &t, dir[0] == '\0', flags, err_r);
}

/* path without trailing slashes, relative to base when under it (NULL if
   not): "" for base itself. */
static const char *ops_under(struct arena *a, const char *path, const char *base)
{
	size_t bl = strlen(base), pl = strlen(path);

	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	while (pl > 1 && path[pl - 1] == '/')
		pl--;
	if (pl < bl || strncmp(path, base, bl) != 0)
		return NULL;
	if (pl == bl)
		return "";
	if (path[bl] != '/')
		return NULL;
	return arena_strndup(a, path + bl + 1, pl - bl - 1);
}

/* path with "//" and "/./" collapsed and trailing slashes gone (procmail
   writes "$MAILDIR/" + ".Lists/" as "Maildir//.Lists/"); NULL when it
   has a ".." level or is not absolute. */
static const char *ops_clean_path(struct arena *a, const char *path)
{
	char *out = arena_alloc(a, strlen(path) + 2), *o = out;
	const char *p = path;

	if (*p != '/')
		return NULL;
	while (*p != '\0') {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

static enum mda_status ops_to_maildir(void *ctx, const struct mda_msg *m, const char *given,
				      const char **err_r)
{
	struct mda_core *c = ctx;
	struct maildir_target t = { 0 };
	const char *path = ops_clean_path(m->arena, given), *rel;

	if (path == NULL) {
		*err_r = arena_printf(m->arena, "%s: not an absolute path without '..'", given);
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	rel = ops_under(m->arena, path, m->maildir);

	if (rel != NULL && strchr(rel, '/') == NULL && (rel[0] == '\0' || rel[0] == '.')) {
		/* the INBOX Maildir or one of its Maildir++ folders */
		t = ops_target(c, m, rel, 1);
		return ops_deliver(c, m, &t, rel[0] == '\0', NULL, err_r);
	}
	rel = ops_under(m->arena, path, c->mail_root);
	if (rel == NULL || rel[0] == '\0') {
		*err_r = arena_printf(m->arena, "%s: outside the mail root %s", path,
				      c->mail_root);
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	t.root = c->mail_root;
	t.rel = rel;
	t.create = 1;
	t.no_fsync = c->no_fsync;
	return ops_deliver(c, m, &t, 0, NULL, err_r);
}

/* ---- child processes ---- */

struct ops_child {
	char *const *argv;
	char *const *envp; /* NULL: ours */
	const char *in;
	size_t inlen;
	int capture;
};

static long ops_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void ops_child_exec(const struct ops_child *ch, int in, int out)
{
	int devnull;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0)
		_exit(127);
	if (out < 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull < 0 || dup2(devnull, 1) < 0)
			_exit(127);
	} else if (dup2(out, 1) < 0) {
		_exit(127);
	}
	execve(ch->argv[0], ch->argv, ch->envp != NULL ? ch->envp : environ);
	fprintf(stderr, "winnow-mda: exec %s: %s\n", ch->argv[0], strerror(errno));
	_exit(127);
}

/* Feeds the input and collects the output until both are done or the
   deadline passes. 0, -1 timeout, -2 output too large. */
static int ops_child_io(struct mda_core *c, const struct ops_child *ch, int in, int out,
			struct buf *got, const struct timespec *deadline)
{
	size_t off = 0;

	fcntl(in, F_SETFL, O_NONBLOCK);
	while (in >= 0 || out >= 0) {
		struct pollfd p[2];
		int n = 0, wi = -1, ri = -1;
		long ms = ops_ms_left(deadline);

		if (ms == 0)
			return -1;
		if (in >= 0) {
			p[n].fd = in, p[n].events = POLLOUT, wi = n++;
		}
		if (out >= 0) {
			p[n].fd = out, p[n].events = POLLIN, ri = n++;
		}
		if (poll(p, (nfds_t)n, (int)ms) < 0 && errno != EINTR)
			return -1;
		if (wi >= 0 && p[wi].revents != 0) {
			ssize_t w = off < ch->inlen ? write(in, ch->in + off, ch->inlen - off) : 0;
			if (w > 0)
				off += (size_t)w;
			if (off == ch->inlen || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in); /* done, or the command stopped reading: fine */
				in = -1;
			}
		}
		if (ri >= 0 && p[ri].revents != 0) {
			char tmp[65536];
			ssize_t r = read(out, tmp, sizeof(tmp));
			if (r > 0) {
				if (got->len + (size_t)r > c->max_output)
					return -2;
				buf_append(got, tmp, (size_t)r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(out);
				out = -1;
			}
		}
	}
	return 0;
}

/* Waits for pid until the deadline: its exit code, -1 for a signal, -2
   still running. */
static int ops_child_wait(pid_t pid, const struct timespec *deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (ops_ms_left(deadline) == 0)
			return -2;
		usleep(2000);
	}
}

static enum mda_status ops_spawn(struct mda_core *c, struct arena *a, const struct ops_child *ch,
				 char **out_r, size_t *out_len_r, int *exit_r, const char **err_r)
{
	int inp[2], outp[2] = { -1, -1 }, io, code;
	struct buf got = BUF_INIT;
	struct timespec deadline;
	pid_t pid;

	*exit_r = -1;
	if (pipe2(inp, O_CLOEXEC) < 0 || (ch->capture && pipe2(outp, O_CLOEXEC) < 0)) {
		*err_r = arena_printf(a, "pipe: %s", strerror(errno));
		c->ex = EX_TEMPFAIL;
		return MDA_TEMPFAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += c->pipe_timeout;
	pid = fork();
	if (pid < 0) {
		*err_r = arena_printf(a, "fork: %s", strerror(errno));
		close(inp[0]), close(inp[1]);
		if (outp[0] >= 0)
			close(outp[0]), close(outp[1]);
		c->ex = EX_TEMPFAIL;
		return MDA_TEMPFAIL;
	}
	if (pid == 0)
		ops_child_exec(ch, inp[0], outp[1]);
	setpgid(pid, pid); /* as the child does: no race on who is first */
	close(inp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	io = ops_child_io(c, ch, inp[1], outp[0], &got, &deadline);
	code = io == 0 ? ops_child_wait(pid, &deadline) : -2;
	if (code == -2) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		buf_free(&got);
		c->ex = EX_TEMPFAIL;
		*err_r = io == -2 ? arena_printf(a, "%s: output over %zu bytes", ch->argv[0],
						 c->max_output)
				  : arena_printf(a, "'%s': killed after %u s (mda_pipe_timeout)",
						 ch->argv[2] != NULL && ch->argv[1] != NULL &&
							 strcmp(ch->argv[1], "-c") == 0
						 ? ch->argv[2] : ch->argv[0],
						 c->pipe_timeout);
		return MDA_TEMPFAIL;
	}
	*exit_r = code;
	if (out_r != NULL) {
		*out_r = arena_strndup(a, got.data != NULL ? got.data : "", got.len);
		*out_len_r = got.len;
	}
	buf_free(&got);
	return MDA_OK;
}

enum mda_status mda_ops_exec(struct mda_core *c, struct arena *a, char *const *argv,
			     const char *input, size_t len, const char **err_r)
{
	struct ops_child ch = { argv, NULL, input, len, 0 };
	int code;
	enum mda_status st = ops_spawn(c, a, &ch, NULL, NULL, &code, err_r);

	if (st != MDA_OK)
		return st;
	if (code != 0) {
		*err_r = arena_printf(a, "%s exited with %d", argv[0], code);
		c->ex = EX_TEMPFAIL;
		return MDA_TEMPFAIL;
	}
	return MDA_OK;
}

/* sendmail -i -f SENDER -- ADDR...: the MTA queues it, or we retry. */
static enum mda_status ops_sendmail(struct mda_core *c, struct arena *a, const char *from,
				    const char *const *to, size_t n, const char *data,
				    size_t len, const char **err_r)
{
	char **argv = arena_alloc(a, (n + 6) * sizeof(*argv));
	size_t i, k = 0;

	argv[k++] = (char *)c->sendmail;
	argv[k++] = (char *)"-i";
	argv[k++] = (char *)"-f";
	argv[k++] = (char *)(from[0] != '\0' ? from : "<>");
	argv[k++] = (char *)"--";
	for (i = 0; i < n; i++)
		argv[k++] = (char *)to[i];
	argv[k] = NULL;
	return mda_ops_exec(c, a, argv, data, len, err_r);
}

static enum mda_status ops_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				    size_t n, const char **err_r)
{
	struct mda_core *c = ctx;
	enum mda_status st = ops_sendmail(c, m->arena, m->sender, addrs, n, m->data, m->len, err_r);

	if (st == MDA_OK)
		c->ndelivered++;
	return st;
}

static enum mda_status ops_send(void *ctx, const struct mda_msg *m, const char *data, size_t len,
				const char *from, const char *to, const char **err_r)
{
	return ops_sendmail(ctx, m->arena, from, &to, 1, data, len, err_r);
}

static int ops_env_has(const char *const *env, size_t n, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i < n; i++)
		if (strncmp(env[i], name, l) == 0 && env[i][l] == '=')
			return 1;
	return 0;
}

/* The recipe's variables, then what a delivery command expects to find
   (as Postfix's local(8) sets it) unless the recipe set it. */
static char **ops_pipe_env(const struct mda_msg *m, const char *const *env, size_t n)
{
	const char *def[][2] = {
		{ "HOME", m->home }, { "USER", m->user }, { "LOGNAME", m->user },
		{ "SHELL", "/bin/sh" }, { "PATH", "/usr/local/bin:/usr/bin:/bin" },
		{ "SENDER", m->sender }, { "RECIPIENT", m->recipient },
	};
	char **out = arena_alloc(m->arena, (n + N_ELEMENTS(def) + 1) * sizeof(*out));
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		out[k++] = (char *)env[i];
	for (i = 0; i < N_ELEMENTS(def); i++)
		if (!ops_env_has(env, n, def[i][0]))
			out[k++] = arena_strcat(m->arena, def[i][0], "=", def[i][1], NULL);
	out[k] = NULL;
	return out;
}

static enum mda_status ops_pipe(void *ctx, const struct mda_msg *m, const char *command,
				const char *const *env, size_t n, int capture, char **out_r,
				size_t *out_len_r, int *exit_r, const char **err_r)
{
	struct mda_core *c = ctx;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)command, NULL };
	struct ops_child ch = { argv, ops_pipe_env(m, env, n), m->data, m->len, capture };
	enum mda_status st = ops_spawn(c, m->arena, &ch, capture ? out_r : NULL,
				       capture ? out_len_r : NULL, exit_r, err_r);

	if (st == MDA_OK && !capture && *exit_r == 0)
		c->ndelivered++;
	return st;
}

static int ops_mailbox_exists(void *ctx, const struct mda_msg *m, const char *mailbox)
{
	const char *err, *dir = maildir_folder_dir(m->arena, mailbox, &err);

	(void)ctx;
	return dir != NULL && maildir_exists(m->maildir, dir);
}

/* ---- vacation tracking: .winnow-vacation in the Maildir ---- */

/* Lines "<time> <period> <key>", key with bytes <= ' ', '%' and >= 0x7f
   written %XX. */
static char *ops_vac_escape(struct arena *a, const char *key)
{
	struct buf b = BUF_INIT;
	char *out;

	for (; *key != '\0'; key++) {
		unsigned char ch = (unsigned char)*key;
		if (ch <= ' ' || ch == '%' || ch >= 0x7f)
			buf_printf(&b, "%%%02X", ch);
		else
			buf_append_char(&b, (char)ch);
	}
	out = arena_strdup(a, b.data != NULL ? b.data : "");
	buf_free(&b);
	return out;
}

static int ops_vacation_seen_impl(const struct mda_msg *m, const char *key, long seconds,
				  int mark, int readonly)
{
	char *path = arena_strcat(m->arena, m->maildir, "/.winnow-vacation", NULL);
	char *lock = arena_strcat(m->arena, path, ".lock", NULL);
	char *tmp = arena_printf(m->arena, "%s.%ld.tmp", path, (long)getpid());
	const char *ek = ops_vac_escape(m->arena, key);
	struct buf keep = BUF_INIT;
	time_t now = time(NULL);
	int lfd, seen = 0, changed = mark, kept = 0;
	FILE *f;
	char line[2048];

	lfd = open(lock, readonly ? O_RDONLY | O_NOFOLLOW | O_CLOEXEC
				  : O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		if (lfd >= 0)
			close(lfd);
		return 0; /* unknown: replying again is the lesser harm */
	}
	f = fopen(path, "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		long long t, per;
		int off = 0;
		if (sscanf(line, "%lld %lld %n", &t, &per, &off) != 2 || off == 0) {
			changed = 1;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line + off, ek) == 0) {
			if (now - t < seconds)
				seen = 1;
			if (mark) /* replaced by the new record below */
				continue;
		}
		if (t + per < now || kept >= OPS_VACATION_MAX) {
			changed = 1; /* expired: pruned */
			continue;
		}
		buf_printf(&keep, "%lld %lld %s\n", t, per, line + off);
		kept++;
	}
	if (f != NULL)
		fclose(f);
	if (mark)
		buf_printf(&keep, "%lld %ld %s\n", (long long)now, seconds, ek);
	if (changed && !readonly) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			int ok = write(fd, keep.data != NULL ? keep.data : "", keep.len) ==
				 (ssize_t)keep.len;
			close(fd);
			if (!ok || rename(tmp, path) < 0)
				unlink(tmp);
		}
	}
	buf_free(&keep);
	close(lfd);
	return seen;
}

static int ops_vacation_seen(void *ctx, const struct mda_msg *m, const char *key, long seconds,
			     int mark)
{
	(void)ctx;
	return ops_vacation_seen_impl(m, key, seconds, mark, 0);
}

void mda_ops_real(struct mda_ops *ops, struct mda_core *c)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = c;
	ops->fileinto = ops_fileinto;
	ops->to_maildir = ops_to_maildir;
	ops->redirect = ops_redirect;
	ops->pipe = ops_pipe;
	ops->send = ops_send;
	ops->mailbox_exists = ops_mailbox_exists;
	ops->vacation_seen = ops_vacation_seen;
}

/* ---- recording ops (--test): say what would be done, do nothing ---- */

static enum mda_status rec_fileinto(void *ctx, const struct mda_msg *m, const char *mailbox,
				    const char *flags, int create, const char **err_r)
{
	struct mda_core *c = ctx;
	const char *dir = maildir_folder_dir(m->arena, mailbox, err_r);

	if (dir == NULL) {
		mda_trace_add(c->trace, m->arena, "  => refused mailbox '%s': %s", mailbox, *err_r);
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	if (dir[0] != '\0' && !create && !maildir_exists(m->maildir, dir)) {
		mda_trace_add(c->trace, m->arena, "  => %s/%s does not exist", m->maildir, dir);
		*err_r = "mailbox does not exist";
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	mda_trace_add(c->trace, m->arena, "  => would store in %s%s%s/%s%s%s", m->maildir,
		      dir[0] ? "/" : "", dir, flags != NULL && flags[0] ? "cur" : "new",
		      flags != NULL && flags[0] ? " with flags " : "", flags ? flags : "");
	c->ndelivered++;
	return MDA_OK;
}

static enum mda_status rec_to_maildir(void *ctx, const struct mda_msg *m, const char *path,
				      const char **err_r)
{
	struct mda_core *c = ctx;
	const char *clean = ops_clean_path(m->arena, path);

	if (clean == NULL || ops_under(m->arena, clean, c->mail_root) == NULL) {
		*err_r = "outside the mail root";
		mda_trace_add(c->trace, m->arena, "  => refused %s: outside the mail root %s",
			      path, c->mail_root);
		c->ex = EX_CANTCREAT;
		return MDA_PERMFAIL;
	}
	mda_trace_add(c->trace, m->arena, "  => would store in %s/new", clean);
	c->ndelivered++;
	return MDA_OK;
}

static enum mda_status rec_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				    size_t n, const char **err_r)
{
	struct mda_core *c = ctx;
	size_t i;

	(void)err_r;
	for (i = 0; i < n; i++)
		mda_trace_add(c->trace, m->arena, "  => would run %s -i -f %s -- %s", c->sendmail,
			      m->sender[0] ? m->sender : "<>", addrs[i]);
	c->ndelivered++;
	return MDA_OK;
}

static enum mda_status rec_pipe(void *ctx, const struct mda_msg *m, const char *command,
				const char *const *env, size_t n, int capture, char **out_r,
				size_t *out_len_r, int *exit_r, const char **err_r)
{
	struct mda_core *c = ctx;

	(void)env, (void)n, (void)err_r;
	mda_trace_add(c->trace, m->arena, "  => would run '%s'%s (not run: taken as exit 0%s)",
		      command, capture ? " and read its output" : "",
		      capture ? ", the message unchanged" : "");
	if (capture) {
		*out_r = arena_strndup(m->arena, m->data, m->len);
		*out_len_r = m->len;
	}
	*exit_r = 0;
	return MDA_OK;
}

static enum mda_status rec_send(void *ctx, const struct mda_msg *m, const char *data, size_t len,
				const char *from, const char *to, const char **err_r)
{
	struct mda_core *c = ctx;

	(void)data, (void)err_r;
	mda_trace_add(c->trace, m->arena, "  => would send %zu bytes from <%s> to <%s>", len,
		      from, to);
	return MDA_OK;
}

static int rec_vacation_seen(void *ctx, const struct mda_msg *m, const char *key, long seconds,
			     int mark)
{
	struct mda_core *c = ctx;
	int seen = ops_vacation_seen_impl(m, key, seconds, 0, 1);

	if (mark)
		mda_trace_add(c->trace, m->arena, "  => would record the reply to %s", key);
	return seen;
}

void mda_ops_recording(struct mda_ops *ops, struct mda_core *c)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = c;
	ops->fileinto = rec_fileinto;
	ops->to_maildir = rec_to_maildir;
	ops->redirect = rec_redirect;
	ops->pipe = rec_pipe;
	ops->send = rec_send;
	ops->mailbox_exists = ops_mailbox_exists;
	ops->vacation_seen = rec_vacation_seen;
}
