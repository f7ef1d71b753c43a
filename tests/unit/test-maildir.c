/*
 * test-maildir.c - Maildir and Maildir++ delivery (mda/maildir.c) on a
 * real file system: unique names, 20 processes delivering into one
 * Maildir at once (each message present once and whole), flags into
 * cur/ with Dovecot's letters and dovecot-keywords, Maildir++ folder
 * names and layout, quota over and under (maildirsize appended,
 * recalculated when stale or redefined), symbolic links and ".." refused.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "mda/maildir.h"
#include "tests/unit/test.h"

/* paths here are short; the compiler cannot know */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char root[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fresh_root(const char *name)
{
	snprintf(root, sizeof(root), "/tmp/wn-test-maildir-%s-%ld", name, (long)getpid());
	rm_rf(root);
	mkdir(root, 0700);
}

static const char *path_in(const char *rel)
{
	static char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return p;
}

/* Names of the files in dir (not starting with '.'), count returned. */
static size_t list_dir(const char *dir, char names[][300], size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && n < max)
			snprintf(names[n++], 300, "%s", e->d_name);
	if (d != NULL)
		closedir(d);
	return n;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static struct maildir_target inbox_target(void)
{
	struct maildir_target t = { 0 };

	t.root = path_in("Maildir");
	t.rel = "";
	t.create = 1;
	t.quota = "";
	return t;
}

static enum mda_status deliver(const struct maildir_target *t, const char *text, const char *flags,
			       struct maildir_result *r, struct arena *a)
{
	return maildir_deliver(t, text, strlen(text), flags, a, r);
}

static void test_unique_names(void)
{
	static char names[200][300];
	struct arena *a = arena_new(4096);
	struct maildir_target t;
	struct maildir_result r;
	char msg[100], tmp[1024];
	size_t n, i, len;
	int ok = 1;

	test_begin("maildir: 100 deliveries, 100 unique names with S= and W=, tmp/ empty");
	fresh_root("unique");
	t = inbox_target();
	t.root = arena_strdup(a, path_in("Maildir"));
	for (i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg), "Subject: %zu\n\nline one\nline two\n", i);
		if (deliver(&t, msg, NULL, &r, a) != MDA_OK)
			ok = 0;
	}
	test_assert(ok);
	snprintf(tmp, sizeof(tmp), "%s/new", t.root);
	n = list_dir(tmp, names, 200);
	test_assert_int(n, 100);
	for (i = 0; i < n; i++) {
		char *body, want[64];
		const char *s = strstr(names[i], ",S=");
		snprintf(tmp, sizeof(tmp), "%s/new/%s", t.root, names[i]);
		body = test_read_path(tmp, &len);
		test_assert(s != NULL && (size_t)atol(s + 3) == len);
		snprintf(want, sizeof(want), ",W=%zu", len + 4); /* 4 LFs */
		test_assert(strstr(names[i], want) != NULL);
		test_assert(strstr(names[i], ".M") != NULL && strstr(names[i], "P") != NULL &&
			    strchr(names[i], ':') == NULL);
		free(body);
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp", t.root);
	test_assert_int(list_dir(tmp, names, 200), 0);
	/* an empty message is a message too */
	test_assert_int(deliver(&t, "", NULL, &r, a), MDA_OK);
	test_assert(strstr(r.path, ",S=0,W=0") != NULL);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

#define WRITERS 20
#define PER_WRITER 50

static void writer(int w)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;
	char msg[2200];
	int i, fails = 0;

	for (i = 0; i < PER_WRITER; i++) {
		int k;
		size_t o = (size_t)snprintf(msg, sizeof(msg), "Subject: w%d m%d\n\n", w, i);
		/* a body long enough that a torn write would show */
		for (k = 0; k < 40; k++)
			o += (size_t)snprintf(msg + o, sizeof(msg) - o, "w%02d m%02d line %02d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", w, i, k);
		if (maildir_deliver(&t, msg, o, NULL, a, &r) != MDA_OK)
			fails++;
	}
	arena_free(&a);
	_exit(fails == 0 ? 0 : 1);
}

static void test_concurrent(void)
{
	static char names[WRITERS * PER_WRITER + 10][300];
	static unsigned char seen[WRITERS][PER_WRITER];
	char dir[600], file[1200];
	pid_t pids[WRITERS];
	int w, status, children_ok = 1, whole = 1, dup = 0;
	size_t n, i;
	struct timespec t0, t1;
	double secs;

	test_begin("maildir: 20 processes x 50 messages into one Maildir, each once and whole");
	fresh_root("concurrent");
	memset(seen, 0, sizeof(seen));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			writer(w);
	}
	for (w = 0; w < WRITERS; w++)
		if (waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			children_ok = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  %d deliveries with fsync from %d processes: %.2f s, %.0f/s\n",
		WRITERS * PER_WRITER, WRITERS, secs, WRITERS * PER_WRITER / secs);
	test_assert(children_ok);
	snprintf(dir, sizeof(dir), "%s/new", path_in("Maildir"));
	n = list_dir(dir, names, WRITERS * PER_WRITER + 10);
	test_assert_int(n, WRITERS * PER_WRITER);
	for (i = 0; i < n; i++) {
		size_t len;
		char *body;
		int ww, mm, k;
		snprintf(file, sizeof(file), "%s/%s", dir, names[i]);
		body = test_read_path(file, &len);
		if (body == NULL || sscanf(body, "Subject: w%d m%d", &ww, &mm) != 2 || ww < 0 ||
		    ww >= WRITERS || mm < 0 || mm >= PER_WRITER) {
			whole = 0;
			free(body);
			continue;
		}
		if (seen[ww][mm]++)
			dup = 1;
		for (k = 0; k < 40; k++) {
			char want[80];
			snprintf(want, sizeof(want), "w%02d m%02d line %02d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", ww, mm, k);
			if (strstr(body, want) == NULL)
				whole = 0;
		}
		if (len != (size_t)atol(strstr(names[i], ",S=") + 3))
			whole = 0;
		free(body);
	}
	test_assert(whole);
	test_assert(!dup);
	snprintf(dir, sizeof(dir), "%s/tmp", path_in("Maildir"));
	test_assert_int(list_dir(dir, names, 10), 0);
	rm_rf(root);
	test_end();
}

static void test_flags(void)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;
	size_t len;
	char *kw;

	test_begin("maildir: flags into cur/ with :2, letters; keywords via dovecot-keywords");
	fresh_root("flags");
	t.root = arena_strdup(a, path_in("Maildir"));
	test_assert_int(deliver(&t, "Subject: f\n\nx\n", "\\Seen \\Flagged", &r, a), MDA_OK);
	test_assert(strstr(r.path, "/cur/") != NULL);
	test_assert(ends_with(r.path, ":2,FS"));
	test_assert_int(deliver(&t, "Subject: f\n\nx\n",
				"\\Draft \\answered \\Deleted \\Recent $Label1 Junk", &r, a), MDA_OK);
	test_assert(ends_with(r.path, ":2,DRTab"));
	kw = test_read_path(path_in("Maildir/dovecot-keywords"), &len);
	test_assert(kw != NULL && strcmp(kw, "0 $Label1\n1 Junk\n") == 0);
	if (kw != NULL && strcmp(kw, "0 $Label1\n1 Junk\n") != 0)
		fprintf(stderr, "  dovecot-keywords: [%s]\n", kw);
	free(kw);
	/* a known keyword keeps its letter; a new one takes the next */
	test_assert_int(deliver(&t, "Subject: f\n\nx\n", "Junk NonJunk", &r, a), MDA_OK);
	test_assert(ends_with(r.path, ":2,bc"));
	/* only \Recent (not storable): new/ */
	test_assert_int(deliver(&t, "Subject: f\n\nx\n", "\\Recent", &r, a), MDA_OK);
	test_assert(strstr(r.path, "/new/") != NULL && strchr(strrchr(r.path, '/'), ':') == NULL);
	test_assert(access(path_in("Maildir/dovecot-uidlist.lock"), F_OK) < 0);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

static void test_folder_names(void)
{
	static const char *const bad[] = {
		"", "../x", "a//b", "a/../b", "a/./b", ".hidden", "a/", "/a", "x\001y", "a..b",
		"Lists/\xff", "INBOX/",
	};
	struct arena *a = arena_new(4096);
	const char *err;
	size_t i;
	char longname[400];

	test_begin("maildir: IMAP names to Maildir++ folders; bad names refused");
	test_assert_str(maildir_folder_dir(a, "INBOX", &err), "");
	test_assert_str(maildir_folder_dir(a, "inbox", &err), "");
	test_assert_str(maildir_folder_dir(a, "Junk", &err), ".Junk");
	test_assert_str(maildir_folder_dir(a, "Lists/foo", &err), ".Lists.foo");
	test_assert_str(maildir_folder_dir(a, "Lists.foo", &err), ".Lists.foo");
	test_assert_str(maildir_folder_dir(a, "INBOX/Lists", &err), ".Lists");
	test_assert_str(maildir_folder_dir(a, "INBOX.Lists", &err), ".Lists");
	test_assert_str(maildir_folder_dir(a, "a&b", &err), ".a&-b");
	/* RFC 3501 5.1.3's own example and a non-BMP character */
	test_assert_str(maildir_folder_dir(a, "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", &err),
			".~peter.mail.&U,BTFw-.&ZeVnLIqe-");
	test_assert_str(maildir_folder_dir(a, "Entw\xc3\xbcrfe", &err), ".Entw&APw-rfe");
	test_assert_str(maildir_folder_dir(a, "\xf0\x9f\x98\x80", &err), ".&2D3eAA-");
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		const char *got = maildir_folder_dir(a, bad[i], &err);
		if (got != NULL)
			fprintf(stderr, "  accepted bad name '%s' as '%s'\n", bad[i], got);
		test_assert(got == NULL);
	}
	memset(longname, 'x', 300);
	longname[300] = '\0';
	test_assert(maildir_folder_dir(a, longname, &err) == NULL);
	arena_free(&a);
	test_end();
}

static void test_folders(void)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;
	struct stat st;

	test_begin("maildir: Maildir++ folders made on demand with maildirfolder");
	fresh_root("folders");
	t.root = arena_strdup(a, path_in("Maildir"));
	t.rel = ".Lists.foo";
	t.subfolder = 1;
	t.create = 0;
	test_assert_int(deliver(&t, "Subject: x\n\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert_int(r.ex, EX_CANTCREAT);
	test_assert(!maildir_exists(t.root, ".Lists.foo"));
	t.create = 1;
	test_assert_int(deliver(&t, "Subject: x\n\n", NULL, &r, a), MDA_OK);
	test_assert(maildir_exists(t.root, ".Lists.foo"));
	test_assert(stat(path_in("Maildir/.Lists.foo/maildirfolder"), &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size == 0);
	test_assert(stat(path_in("Maildir/.Lists.foo/cur"), &st) == 0 && S_ISDIR(st.st_mode));
	test_assert(stat(path_in("Maildir/.Lists.foo/tmp"), &st) == 0 && S_ISDIR(st.st_mode));
	test_assert(stat(path_in("Maildir/.Lists.foo/new"), &st) == 0 &&
		    (st.st_mode & 0777) == 0700);
	test_assert(strstr(r.path, "/Maildir/.Lists.foo/new/") != NULL);
	/* the INBOX Maildir itself has cur/new/tmp and no maildirfolder */
	test_assert(stat(path_in("Maildir/cur"), &st) == 0);
	test_assert(stat(path_in("Maildir/maildirfolder"), &st) < 0);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void test_quota(void)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;
	char msg[301], *text, names[8][300];
	size_t len;
	struct maildir_quota q;
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };

	test_begin("maildir: Maildir++ quota: under, over (75 or 73), appended, recalculated");
	fresh_root("quota");
	t.root = arena_strdup(a, path_in("Maildir"));
	memset(msg, 'q', 300);
	msg[300] = '\0';
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_OK); /* makes the Maildir */
	write_file(path_in("Maildir/maildirsize"), "1000S,10C\n2 1\n");
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK);
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK);
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK); /* 902 bytes */
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_TEMPFAIL);
	test_assert_int(r.ex, EX_TEMPFAIL);
	test_assert(r.over_quota && strstr(r.err, "over quota") != NULL);
	text = test_read_path(path_in("Maildir/maildirsize"), &len);
	test_assert(text != NULL && strcmp(text, "1000S,10C\n2 1\n300 1\n300 1\n300 1\n") == 0);
	free(text);
	test_assert_int(list_dir(path_in("Maildir/tmp"), names, 4), 0);
	t.quota_bounce = 1;
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_PERMFAIL);
	test_assert_int(r.ex, EX_CANTCREAT);
	t.quota_bounce = 0;
	/* still fits: small */
	test_assert_int(deliver(&t, "tiny\n", NULL, &r, a), MDA_OK);
	/* a folder counts in the parent's quota */
	t.rel = ".Junk";
	t.subfolder = 1;
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_TEMPFAIL);
	t.rel = "";
	t.subfolder = 0;

	/* stale and wrong: a message was deleted behind our back; an old file
	   over quota is recounted before refusing */
	{
		/* two of the 300-byte ones, whatever order readdir gives: with
		   the small ones deleted instead it would still be over */
		char newdir[300];
		size_t n = list_dir(path_in("Maildir/new"), names, 8), i, gone = 0;
		snprintf(newdir, sizeof(newdir), "%s", path_in("Maildir/new"));
		for (i = 0; i < n && gone < 2; i++) {
			char f[700];
			struct stat st;
			snprintf(f, sizeof(f), "%s/%s", newdir, names[i]);
			if (stat(f, &st) == 0 && st.st_size >= 300 && unlink(f) == 0)
				gone++;
		}
		test_assert_int(gone, 2);
	}
	utimensat(AT_FDCWD, path_in("Maildir/maildirsize"), old, 0);
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK);
	text = test_read_path(path_in("Maildir/maildirsize"), &len);
	test_assert(text != NULL && strncmp(text, "1000S,10C\n", 10) == 0);
	test_assert(text != NULL && maildir_quota_parse(text, len, &q) == 0 && q.lines == 2);
	free(text);

	/* a configured quota replaces the file's definition (recount) */
	t.quota = "100000S";
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK);
	text = test_read_path(path_in("Maildir/maildirsize"), &len);
	test_assert(text != NULL && strncmp(text, "100000S\n", 8) == 0);
	test_assert(text != NULL && maildir_quota_parse(text, len, &q) == 0);
	test_assert_int(q.max_bytes, 100000);
	test_assert_int(q.max_count, 0);
	free(text);
	/* count limit */
	t.quota = "2C";
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_TEMPFAIL);
	/* a damaged file is recounted, not trusted */
	t.quota = "";
	write_file(path_in("Maildir/maildirsize"), "100000S\n99999999 1\ngarb");
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_OK);
	/* no maildirsize and no quota set: no quota */
	unlink(path_in("Maildir/maildirsize"));
	test_assert_int(deliver(&t, msg, NULL, &r, a), MDA_OK);
	test_assert(access(path_in("Maildir/maildirsize"), F_OK) < 0);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

static void test_quota_parse(void)
{
	struct maildir_quota q;

	test_begin("maildir: maildirsize and quota definitions parsed as Courier writes them");
	test_assert_int(maildir_quota_def_parse("10000000S,1000C", 15, &q), 0);
	test_assert_int(q.max_bytes, 10000000);
	test_assert_int(q.max_count, 1000);
	test_assert_int(maildir_quota_def_parse("1000C,50S", 9, &q), 0);
	test_assert_int(q.max_bytes, 50);
	test_assert_int(maildir_quota_def_parse("5X", 2, &q), -1);
	test_assert_int(maildir_quota_def_parse("S", 1, &q), -1);
	test_assert_int(maildir_quota_def_parse("99999999999999999999999S", 24, &q), -1);
	test_assert_int(maildir_quota_parse("100S\n  10   1\n-5 -1\n", 20, &q), 0);
	test_assert_int(q.bytes, 5);
	test_assert_int(q.count, 0);
	test_assert_int(q.lines, 2);
	test_assert_int(maildir_quota_parse("100S\n10 1\n7", 11, &q), -1);
	test_assert_int(maildir_quota_parse("100S\n10 x\n", 10, &q), -1);
	test_assert_int(maildir_quota_parse("100S", 4, &q), -1);
	test_assert_int(maildir_quota_parse("100S\n9223372036854775807 0\n1 0\n", 31, &q), -1);
	test_end();
}

static void test_symlinks(void)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;
	char names[4][300], outside[300];

	test_begin("maildir: symbolic links below the root and '..' are refused");
	fresh_root("symlink");
	snprintf(outside, sizeof(outside), "%s", path_in("outside"));
	mkdir(outside, 0700);
	mkdir(path_in("outside/new"), 0700);
	mkdir(path_in("outside/cur"), 0700);
	mkdir(path_in("outside/tmp"), 0700);
	t.root = arena_strdup(a, path_in("Maildir"));
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_OK);
	test_assert(symlink(outside, path_in("Maildir/.Evil")) == 0);
	t.rel = ".Evil";
	t.subfolder = 1;
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert(strstr(r.err, "symbolic link refused") != NULL);
	test_assert(!maildir_exists(t.root, ".Evil"));
	/* a link in place of new/ of a real folder */
	t.rel = ".Real";
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_OK);
	rm_rf(path_in("Maildir/.Real/new"));
	snprintf(outside, sizeof(outside), "%s", path_in("outside/new"));
	test_assert(symlink(outside, path_in("Maildir/.Real/new")) == 0);
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert_int(list_dir(path_in("outside/new"), names, 4), 0);
	test_assert_int(list_dir(path_in("outside/tmp"), names, 4), 0);
	test_assert_int(list_dir(path_in("Maildir/.Real/tmp"), names, 4), 0);
	/* ".." and empty levels in a path */
	t.rel = "../outside";
	t.subfolder = 0;
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert(strstr(r.err, "bad path") != NULL);
	t.rel = "a//b";
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert_int(list_dir(path_in("outside/new"), names, 4), 0);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

static void test_unwritable(void)
{
	struct arena *a = arena_new(4096);
	struct maildir_target t = inbox_target();
	struct maildir_result r;

	test_begin("maildir: missing parents made; a file in the way is a clear failure");
	fresh_root("unwritable");
	t.root = arena_strdup(a, path_in("no/such/Maildir"));
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_OK);
	t.create = 0;
	t.root = arena_strdup(a, path_in("no/such/Other"));
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert(strstr(r.err, "No such file") != NULL);
	t.create = 1;
	write_file(path_in("file"), "x");
	t.root = arena_strdup(a, path_in("file"));
	test_assert_int(deliver(&t, "x\n", NULL, &r, a), MDA_PERMFAIL);
	test_assert(strstr(r.err, "Not a directory") != NULL);
	rm_rf(root);
	arena_free(&a);
	test_end();
}

int main(void)
{
	test_unique_names();
	test_concurrent();
	test_flags();
	test_folder_names();
	test_folders();
	test_quota();
	test_quota_parse();
	test_symlinks();
	test_unwritable();
	return test_exit();
}
