/*
 * main.c - filterd, the daemon: the milter that Postfix or Sendmail call
 * for every message, and a spamd-protocol listener for spamc and Exim.
 *
 *   filterd [-f] [-c CONF] [-o KEY=VALUE]...
 *
 * Start-up: configuration and rules are loaded and checked first (errors
 * name the file and line; exit 78), then the daemon detaches (unless -f)
 * and its parent waits until the sockets are bound, so that a failure to
 * bind is reported on the terminal and in the exit status. Then the pid
 * file, the switch to the unprivileged user, and the listeners.
 *
 * Signals reach the main thread only (every other thread blocks them;
 * libmilter's own signal thread never sees them because the kernel gives
 * a process signal to the main thread when it does not block it):
 * SIGHUP reloads configuration and rules, and a broken new configuration
 * is refused with the old one kept; SIGTERM and SIGINT stop accepting,
 * let scans in flight finish, and exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "filterd/daemon.h"
#include "filterd/daemon_int.h"
#include "filterd/milter.h"
#include "filterd/spamd.h"
#include "lib/wn.h"

struct opts {
	int foreground;
	const char *conf;
	const char **overrides;
	size_t noverrides;
};

/* Seconds a stopping daemon waits for scans in flight. */
#define SCANS_WAIT 60

static int sig_pipe[2] = { -1, -1 };

static void usage(void)
{
	fprintf(stderr, "usage: filterd [-f] [-c CONF] [-o KEY=VALUE]...\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "fc:o:h")) != -1) {
		switch (ch) {
		case 'f':
			o->foreground = 1;
			break;
		case 'c':
			o->conf = optarg;
			break;
		case 'o':
			o->overrides = xrealloc(o->overrides,
						(o->noverrides + 1) * sizeof(*o->overrides));
			o->overrides[o->noverrides++] = optarg;
			break;
		default:
			usage();
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage();
		return EX_USAGE;
	}
	return 0;
}

/* Configuration and rules as the options name them; NULL with *err_r. */
static struct scan_engine *load_engine(const struct opts *o, char **err_r)
{
	struct cfg *c = cfg_new();
	const char *path = o->conf;
	struct scan_engine *eng;
	struct stat st;
	size_t i;

	if (path == NULL && stat(WN_SYSCONFDIR "/winnow.conf", &st) == 0)
		path = WN_SYSCONFDIR "/winnow.conf";
	if (path != NULL && cfg_load_file(c, path, err_r) < 0)
		goto fail;
	for (i = 0; i < o->noverrides; i++)
		if (cfg_set_option(c, o->overrides[i], err_r) < 0)
			goto fail;
	if ((eng = scan_engine_new(c, err_r)) == NULL)
		goto fail;
	return eng;
fail:
	cfg_free(&c);
	return NULL;
}

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a signal is already waiting */
	}
	errno = saved;
}

static int signals_install(void)
{
	struct sigaction sa;

	if (pipe(sig_pipe) < 0)
		return -1;
	(void)fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Other threads start with the signals blocked; main unblocks them. */
static void signals_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(how, &set, NULL);
}

/* Detaches; the parent waits for the child's "ready" byte (or its error
   text) on a pipe and exits with the matching status. Returns the pipe's
   write end in the child. */
static int detach(void)
{
	int p[2];
	pid_t pid;
	char buf[512];
	ssize_t n;

	if (pipe(p) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], buf, sizeof(buf) - 1);
		if (n == 1 && buf[0] == '\0')
			_exit(0);
		if (n > 0) {
			buf[n] = '\0';
			fprintf(stderr, "filterd: %s\n", buf);
		} else
			fprintf(stderr, "filterd: failed to start (see the mail log)\n");
		_exit(EX_OSERR);
	}
	close(p[0]);
	setsid();
	if ((pid = fork()) < 0)
		_exit(EX_OSERR);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0) {
		/* nothing to do */
	}
	n = open("/dev/null", O_RDWR);
	if (n >= 0) {
		dup2((int)n, 0);
		dup2((int)n, 1);
		dup2((int)n, 2);
		if (n > 2)
			close((int)n);
	}
	return p[1];
}

static void tell_parent(int fd, const char *err)
{
	if (fd < 0)
		return;
	if (err == NULL) {
		if (write(fd, "", 1) < 0) {
			/* parent gone */
		}
	} else if (write(fd, err, strlen(err)) < 0) {
		/* parent gone */
	}
	close(fd);
}

static int write_pid(const char *path)
{
	FILE *f;

	if (path == NULL || path[0] == '\0')
		return 0;
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

static int drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (user == NULL || user[0] == '\0')
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", user);
		return -1;
	}
	if (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	return 0;
}

struct listeners {
	struct spamd_server *spamd;
	int milter;
	pthread_t milter_thread;
};

/* libmilter's own signal thread stops the milter on SIGHUP, SIGTERM and
   SIGINT if the kernel hands it such a signal; that happens only when
   the main thread has a signal pending already (right after SIGCONT,
   say). The milter cannot be restarted then, so filterd stops cleanly
   instead of running on without a milter. */
static void *milter_thread_main(void *arg)
{
	unsigned char term = SIGTERM;

	(void)arg;
	if (milter_main() < 0)
		daemon_log(LOG_ERR, NULL, "milter stopped with an error");
	if (!daemon_stopping()) {
		daemon_log(LOG_WARNING, NULL, "milter stopped by a signal libmilter caught: "
			   "stopping filterd");
		if (write(sig_pipe[1], &term, 1) < 0) {
			/* the main loop is already told */
		}
	}
	return NULL;
}

/* A unix milter socket gets milter_socket_mode and, when filterd runs
   as root and switches to `user`, that user and group: the MTA's user
   connects through the group (or the mode). */
static int milter_socket_perms(const struct cfg *c, const char *ml, char *err, size_t errlen)
{
	const char *ms = cfg_str(c, "milter_socket_mode"), *user = cfg_str(c, "user");
	const char *path = milter_unix_path(ml);
	struct passwd *pw;
	unsigned long mode;
	char *end;

	if (path == NULL)
		return 0;
	mode = strtoul(ms, &end, 8);
	if (ms[0] == '\0' || *end != '\0' || mode > 0777) {
		snprintf(err, errlen, "milter_socket_mode %s: not an octal mode such as 0660", ms);
		return -1;
	}
	if (chmod(path, (mode_t)mode) < 0) {
		snprintf(err, errlen, "milter socket %s: chmod: %s", path, strerror(errno));
		return -1;
	}
	if (user[0] == '\0' || geteuid() != 0 || (pw = getpwnam(user)) == NULL)
		return 0; /* an unknown user is reported when switching to it */
	if (chown(path, pw->pw_uid, pw->pw_gid) < 0) {
		snprintf(err, errlen, "milter socket %s: chown: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds what the configuration asks for; err filled on failure. */
static int listeners_open(const struct cfg *c, struct listeners *l, char *err, size_t errlen)
{
	const char *ml = cfg_str(c, "milter_listen"), *sl = cfg_str(c, "spamd_listen");
	char *e = NULL;

	memset(l, 0, sizeof(*l));
	if (ml[0] != '\0') {
		if (milter_open(ml, &e) < 0) {
			snprintf(err, errlen, "milter_listen %s: %s", ml, e ? e : "cannot listen");
			free(e);
			return -1;
		}
		l->milter = 1;
		if (milter_socket_perms(c, ml, err, errlen) < 0)
			return -1;
	}
	if (sl[0] != '\0') {
		if ((l->spamd = spamd_start(sl, &e)) == NULL) {
			snprintf(err, errlen, "spamd_listen %s: %s", sl, e ? e : "cannot listen");
			free(e);
			return -1;
		}
	}
	if (!l->milter && l->spamd == NULL) {
		snprintf(err, errlen, "nothing to do: milter_listen and spamd_listen are empty");
		return -1;
	}
	return 0;
}

static void reload(const struct opts *o)
{
	char *err = NULL;
	struct scan_engine *eng = load_engine(o, &err);

	if (eng == NULL) {
		daemon_log(LOG_ERR, NULL, "reload refused, keeping the running configuration: %s",
			   err);
		free(err);
		return;
	}
	daemon_engine_set(eng);
	daemon_log(LOG_INFO, NULL, "configuration and rules reloaded (listeners unchanged)");
}

/* Waits for signals until told to stop. */
static void main_loop(const struct opts *o)
{
	unsigned char sig;

	for (;;) {
		ssize_t n = read(sig_pipe[0], &sig, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (sig == SIGHUP)
			reload(o);
		else
			return;
	}
}

static void shutdown_all(struct listeners *l)
{
	daemon_set_stopping();
	daemon_log(LOG_INFO, NULL, "stopping: finishing scans in flight");
	if (l->milter) {
		milter_stop();
		pthread_join(l->milter_thread, NULL);
		if (milter_wait_scans(SCANS_WAIT) < 0)
			daemon_log(LOG_WARNING, NULL, "milter scans still running after %d s",
				   SCANS_WAIT);
		/* libmilter sends a callback's reply after it returns */
		usleep(200 * 1000);
	}
	spamd_stop(&l->spamd);
}

static int run(const struct opts *o, struct scan_engine *eng)
{
	const struct cfg *c = eng->cfg; /* valid until the first reload */
	struct listeners l;
	char err[512], *pid_file = xstrdup(cfg_str(eng->cfg, "pid_file"));
	int ready_fd = -1;

	err[0] = '\0';
	if (!o->foreground && (ready_fd = detach()) < 0) {
		fprintf(stderr, "filterd: cannot detach: %s\n", strerror(errno));
		free(pid_file);
		return EX_OSERR;
	}
	if (daemon_log_open(cfg_str(c, "syslog_facility"), o->foreground) < 0)
		daemon_log_open("mail", o->foreground);
	daemon_engine_set(eng);
	if (signals_install() < 0) {
		tell_parent(ready_fd, "cannot set up signals");
		free(pid_file);
		return EX_OSERR;
	}
	signals_mask(SIG_BLOCK);
	if (listeners_open(c, &l, err, sizeof(err)) < 0 ||
	    write_pid(pid_file) < 0 ||
	    drop_privileges(cfg_str(c, "user"), err, sizeof(err)) < 0) {
		if (errno != 0 && err[0] == '\0')
			snprintf(err, sizeof(err), "pid_file: %s", strerror(errno));
		daemon_log(LOG_ERR, NULL, "%s", err);
		tell_parent(ready_fd, err);
		free(pid_file);
		return EX_OSERR;
	}
	if (l.milter)
		pthread_create(&l.milter_thread, NULL, milter_thread_main, NULL);
	signals_mask(SIG_UNBLOCK);
	daemon_log(LOG_INFO, NULL, "ready (milter %s, spamd %s)", cfg_str(c, "milter_listen"),
		   cfg_str(c, "spamd_listen"));
	tell_parent(ready_fd, NULL);
	main_loop(o);
	shutdown_all(&l);
	if (pid_file[0] != '\0')
		(void)unlink(pid_file);
	free(pid_file);
	daemon_engines_free();
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct scan_engine *eng;
	char *err = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if ((eng = load_engine(&o, &err)) == NULL) {
		fprintf(stderr, "filterd: %s\n", err);
		free(err);
		free(o.overrides);
		return EX_CONFIG;
	}
	rc = run(&o, eng);
	free(o.overrides);
	return rc;
}
