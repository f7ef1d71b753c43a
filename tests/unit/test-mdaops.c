/*
 * test-mdaops.c - winnow-mda's struct mda_ops (mda/ops.c) for real:
 * fileinto and procmail folders (bad names and paths outside the mail
 * root refused), commands (stdin, environment, captured output, exit
 * code, the time limit killing the whole process group), sendmail
 * forwarding through a stand-in script, vacation records (seen within
 * the period, pruned after it), and the recording ops of --test that
 * touch nothing.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "mda/mda.h"
#include "mda/ops.h"
#include "tests/unit/test.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

static char root[256], maildir[300];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void setup(struct mda_msg *m, struct arena *a, struct mda_core *c, struct mda_trace *tr)
{
	static const char text[] = "Subject: ops\n\nbody\n";

	snprintf(root, sizeof(root), "/tmp/wn-test-mdaops-%ld", (long)getpid());
	snprintf(maildir, sizeof(maildir), "%s/Maildir", root);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(root, 0700);
	mda_msg_init(m, a, text, sizeof(text) - 1);
	m->sender = "alice@example.org";
	m->recipient = "bob@example.org";
	m->user = "bob";
	m->home = root;
	m->maildir = maildir;
	memset(c, 0, sizeof(*c));
	memset(tr, 0, sizeof(*tr));
	c->mail_root = root;
	c->quota = "";
	c->sendmail = "/bin/false";
	c->pipe_timeout = 5;
	c->max_output = 1 << 20;
	c->no_fsync = 1;
	c->trace = tr;
}

static void teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_files(void)
{
	struct arena *a = arena_new(8192);
	struct mda_msg m;
	struct mda_core c;
	struct mda_trace tr;
	struct mda_ops ops;
	const char *err = NULL;
	char path[600];

	test_begin("mdaops: fileinto, procmail folders, names and paths refused");
	setup(&m, a, &c, &tr);
	mda_ops_real(&ops, &c);
	test_assert_int(ops.fileinto(ops.ctx, &m, "INBOX", NULL, 0, &err), MDA_OK);
	test_assert(c.delivered != NULL && strstr(c.delivered, "/Maildir/new/") != NULL);
	test_assert_int(ops.fileinto(ops.ctx, &m, "Lists/x", NULL, 0, &err), MDA_PERMFAIL);
	test_assert(!ops.mailbox_exists(ops.ctx, &m, "Lists/x"));
	test_assert_int(ops.fileinto(ops.ctx, &m, "Lists/x", "\\Seen", 1, &err), MDA_OK);
	test_assert(ops.mailbox_exists(ops.ctx, &m, "Lists/x"));
	test_assert(ops.mailbox_exists(ops.ctx, &m, "INBOX"));
	test_assert(strstr(c.delivered, "/Maildir/.Lists.x/cur/") != NULL);
	test_assert_int(ops.fileinto(ops.ctx, &m, "../../etc", NULL, 1, &err), MDA_PERMFAIL);
	test_assert_int(c.ex, EX_CANTCREAT);
	/* procmail paths: the Maildir's folders, elsewhere under the root,
	   never outside it */
	snprintf(path, sizeof(path), "%s/.Lists/", maildir);
	test_assert_int(ops.to_maildir(ops.ctx, &m, path, &err), MDA_OK);
	test_assert(strstr(c.delivered, "/Maildir/.Lists/new/") != NULL);
	/* procmail's "MAILDIR=$HOME/Maildir/" then ".Lists/": "//" */
	snprintf(path, sizeof(path), "%s//./.Lists/", maildir);
	test_assert_int(ops.to_maildir(ops.ctx, &m, path, &err), MDA_OK);
	test_assert(strstr(c.delivered, "/Maildir/.Lists/new/") != NULL);
	snprintf(path, sizeof(path), "%s/Mail/archive/", root);
	test_assert_int(ops.to_maildir(ops.ctx, &m, path, &err), MDA_OK);
	test_assert(strstr(c.delivered, "/Mail/archive/new/") != NULL);
	test_assert_int(ops.to_maildir(ops.ctx, &m, "/tmp/elsewhere/", &err), MDA_PERMFAIL);
	test_assert(strstr(err, "outside the mail root") != NULL);
	snprintf(path, sizeof(path), "%s/../x/", root);
	test_assert_int(ops.to_maildir(ops.ctx, &m, path, &err), MDA_PERMFAIL);
	snprintf(path, sizeof(path), "%s", root);
	test_assert_int(ops.to_maildir(ops.ctx, &m, path, &err), MDA_PERMFAIL);
	test_assert_int(c.ndelivered, 5);
	teardown();
	arena_free(&a);
	test_end();
}

/* Running (a zombie waiting for a busy init to reap it is dead). */
static int alive(pid_t pid)
{
	char path[64], stat[512];
	FILE *f;
	int running = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(stat, sizeof(stat), f) != NULL) {
		const char *p = strrchr(stat, ')');
		running = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return running;
}

static void test_pipe(void)
{
	struct arena *a = arena_new(8192);
	struct mda_msg m;
	struct mda_core c;
	struct mda_trace tr;
	struct mda_ops ops;
	const char *err = NULL;
	const char *env[] = { "FOO=bar", "HOME=/override" };
	char *out = NULL, cmd[700];
	size_t out_len = 0;
	int code = 0;
	time_t t0;
	char pidfile[400];
	FILE *f;
	long gpid = 0;

	test_begin("mdaops: commands: stdin, environment, output, exit, time limit");
	setup(&m, a, &c, &tr);
	mda_ops_real(&ops, &c);
	test_assert_int(ops.pipe(ops.ctx, &m, "cat; echo \"$FOO $HOME $USER $SENDER\"", env, 2, 1,
				 &out, &out_len, &code, &err), MDA_OK);
	test_assert_int(code, 0);
	test_assert_str(out, "Subject: ops\n\nbody\nbar /override bob alice@example.org\n");
	test_assert_int(out_len, strlen(out));
	test_assert_int(ops.pipe(ops.ctx, &m, "exit 3", NULL, 0, 0, NULL, NULL, &code, &err),
			MDA_OK);
	test_assert_int(code, 3);
	/* a command that does not read its input is no failure */
	test_assert_int(ops.pipe(ops.ctx, &m, "true", NULL, 0, 0, NULL, NULL, &code, &err), MDA_OK);
	/* over the limit: the shell and what it started are killed */
	c.pipe_timeout = 1;
	snprintf(pidfile, sizeof(pidfile), "%s/pid", root);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! >%s; wait", pidfile);
	t0 = time(NULL);
	test_assert_int(ops.pipe(ops.ctx, &m, cmd, NULL, 0, 0, NULL, NULL, &code, &err),
			MDA_TEMPFAIL);
	test_assert(time(NULL) - t0 < 5);
	test_assert_int(code, -1);
	test_assert(strstr(err, "mda_pipe_timeout") != NULL);
	f = fopen(pidfile, "r");
	test_assert(f != NULL && fscanf(f, "%ld", &gpid) == 1);
	if (f != NULL)
		fclose(f);
	usleep(100 * 1000);
	test_assert(gpid > 0 && !alive((pid_t)gpid));
	/* output over the limit */
	c.pipe_timeout = 5;
	c.max_output = 1000;
	test_assert_int(ops.pipe(ops.ctx, &m, "head -c 100000 /dev/zero", NULL, 0, 1, &out,
				 &out_len, &code, &err), MDA_TEMPFAIL);
	teardown();
	arena_free(&a);
	test_end();
}

static void test_sendmail(void)
{
	struct arena *a = arena_new(8192);
	struct mda_msg m;
	struct mda_core c;
	struct mda_trace tr;
	struct mda_ops ops;
	const char *err = NULL;
	const char *to[] = { "carol@example.net", "dave@example.net" };
	char script[400], args[400], in[400], line[400];
	FILE *f;

	test_begin("mdaops: redirect and send through sendmail -i -f SENDER -- ADDR");
	setup(&m, a, &c, &tr);
	mda_ops_real(&ops, &c);
	snprintf(script, sizeof(script), "%s/sendmail", root);
	snprintf(args, sizeof(args), "%s/args", root);
	snprintf(in, sizeof(in), "%s/in", root);
	f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\necho \"$*\" >>%s\ncat >%s\n", args, in);
	fclose(f);
	chmod(script, 0755);
	c.sendmail = script;
	test_assert_int(ops.redirect(ops.ctx, &m, to, 2, &err), MDA_OK);
	test_assert_int(ops.send(ops.ctx, &m, "Subject: away\n\nI am away.\n", 27, "", "alice@example.org",
				 &err), MDA_OK);
	f = fopen(args, "r");
	test_assert(f != NULL && fgets(line, sizeof(line), f) != NULL &&
		    strcmp(line, "-i -f alice@example.org -- carol@example.net dave@example.net\n") == 0);
	test_assert(f != NULL && fgets(line, sizeof(line), f) != NULL &&
		    strcmp(line, "-i -f <> -- alice@example.org\n") == 0);
	if (f != NULL)
		fclose(f);
	f = fopen(in, "r");
	test_assert(f != NULL && fgets(line, sizeof(line), f) != NULL &&
		    strcmp(line, "Subject: away\n") == 0);
	if (f != NULL)
		fclose(f);
	c.sendmail = "/bin/false";
	test_assert_int(ops.redirect(ops.ctx, &m, to, 1, &err), MDA_TEMPFAIL);
	test_assert(strstr(err, "exited with 1") != NULL);
	c.sendmail = "/nonexistent/sendmail";
	test_assert_int(ops.redirect(ops.ctx, &m, to, 1, &err), MDA_TEMPFAIL);
	teardown();
	arena_free(&a);
	test_end();
}

static void test_vacation(void)
{
	struct arena *a = arena_new(8192);
	struct mda_msg m;
	struct mda_core c;
	struct mda_trace tr;
	struct mda_ops ops;
	const char *err;
	char path[400], text[2000];
	FILE *f;
	size_t n;

	test_begin("mdaops: vacation replies remembered per period, old ones pruned");
	setup(&m, a, &c, &tr);
	mda_ops_real(&ops, &c);
	test_assert_int(ops.fileinto(ops.ctx, &m, "INBOX", NULL, 1, &err), MDA_OK);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "h1 alice@example.org", 86400, 0), 0);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "h1 alice@example.org", 86400, 1), 0);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "h1 alice@example.org", 86400, 0), 1);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "h2 alice@example.org", 86400, 0), 0);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "h1 alice@example.org", 0, 0), 0);
	/* an expired record (written long ago) is pruned on the next change */
	snprintf(path, sizeof(path), "%s/.winnow-vacation", maildir);
	f = fopen(path, "a");
	fprintf(f, "1000 60 old%%20key\n");
	fclose(f);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "old key", 86400 * 365 * 100L, 0), 1);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "new\nkey", 3600, 1), 0);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	test_assert(strstr(text, "old%20key") == NULL);
	test_assert(strstr(text, " h1%20alice@example.org\n") != NULL);
	test_assert(strstr(text, " 3600 new%0Akey\n") != NULL);
	teardown();
	arena_free(&a);
	test_end();
}

static void test_recording(void)
{
	struct arena *a = arena_new(8192);
	struct mda_msg m;
	struct mda_core c;
	struct mda_trace tr;
	struct mda_ops ops;
	const char *err = NULL;
	const char *to[] = { "carol@example.net" };
	char *out = NULL;
	size_t out_len = 0, i;
	int code = 1;
	struct stat st;

	test_begin("mdaops: recording ops say what they would do and touch nothing");
	setup(&m, a, &c, &tr);
	mda_ops_recording(&ops, &c);
	test_assert_int(ops.fileinto(ops.ctx, &m, "Junk", "\\Seen", 1, &err), MDA_OK);
	test_assert_int(ops.fileinto(ops.ctx, &m, "Missing", NULL, 0, &err), MDA_PERMFAIL);
	test_assert_int(ops.redirect(ops.ctx, &m, to, 1, &err), MDA_OK);
	test_assert_int(ops.pipe(ops.ctx, &m, "rm -rf /", NULL, 0, 1, &out, &out_len, &code, &err),
			MDA_OK);
	test_assert_int(code, 0);
	test_assert_int(out_len, m.len);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "k", 100, 1), 0);
	test_assert_int(ops.vacation_seen(ops.ctx, &m, "k", 100, 0), 0);
	test_assert_int(tr.count, 5);
	for (i = 0; i < tr.count; i++)
		fprintf(stderr, "  %s\n", tr.lines[i]);
	test_assert(strstr(tr.lines[0], "would store in") && strstr(tr.lines[0], ".Junk/cur"));
	test_assert(strstr(tr.lines[2], "-- carol@example.net") != NULL);
	test_assert(stat(maildir, &st) < 0);
	teardown();
	arena_free(&a);
	test_end();
}

int main(void)
{
	test_files();
	test_pipe();
	test_sendmail();
	test_vacation();
	test_recording();
	return test_exit();
}
