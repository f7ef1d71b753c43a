/*
 * test-mailbox.c - message sources: single file (with and without an
 * mbox From_ line), mbox splitting and >From unquoting, Maildir cur/new,
 * plain directories, size bounding, unreadable paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/mailbox.h"
#include "tests/unit/test.h"

struct seen {
	unsigned int n;
	char names[8][256];
	char data[8][256];
	size_t lens[8];
};

static int collect(void *ctx, const char *name, const char *data, size_t len)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		snprintf(s->data[s->n], sizeof(s->data[0]), "%.*s", (int)len, data);
		s->lens[s->n] = len;
	}
	s->n++;
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char tmpdir[] = "/tmp/wn-test-mbox-XXXXXX";

static const char *tpath(const char *rel)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	return p;
}

static void test_single_and_mbox(void)
{
	struct seen s;
	char *err = NULL;

	test_begin("mailbox: one message with From_ line is one message");
	memset(&s, 0, sizeof(s));
	write_file(tpath("one.eml"), "From a@b  Thu Aug 22 13:17:22 2002\nSubject: x\n\nbody\n");
	test_assert_int(mailbox_read(tpath("one.eml"), 1000, collect, &s, &err), 0);
	test_assert_int(s.n, 1);
	test_assert(strncmp(s.data[0], "From a@b", 8) == 0);
	test_end();

	test_begin("mailbox: mbox split, >From unquoted, names path#N");
	memset(&s, 0, sizeof(s));
	write_file(tpath("box.mbox"),
		   "From a@b Thu Aug 22 13:17:22 2002\nSubject: one\n\nline\n>From here\n\n"
		   "From c@d Thu Aug 22 13:17:23 2002\nSubject: two\n\ntext\nFrom inside a paragraph\n");
	test_assert_int(mailbox_read(tpath("box.mbox"), 1000, collect, &s, &err), 0);
	test_assert_int(s.n, 2);
	test_assert_str(s.data[0], "Subject: one\n\nline\nFrom here\n\n");
	test_assert(strstr(s.names[1], "box.mbox#2") != NULL);
	test_assert(strncmp(s.data[1], "Subject: two\n", 13) == 0);
	test_end();
}

static void test_maildir_and_dir(void)
{
	struct seen s;
	char *err = NULL;

	test_begin("mailbox: Maildir reads cur/ then new/, skips tmp/ and dotfiles");
	memset(&s, 0, sizeof(s));
	mkdir(tpath("md"), 0700);
	mkdir(tpath("md/cur"), 0700);
	mkdir(tpath("md/new"), 0700);
	mkdir(tpath("md/tmp"), 0700);
	write_file(tpath("md/cur/1.host:2,S"), "Subject: cur\n\n");
	write_file(tpath("md/new/2.host"), "Subject: new\n\n");
	write_file(tpath("md/tmp/3.host"), "Subject: tmp\n\n");
	write_file(tpath("md/new/.hidden"), "Subject: hidden\n\n");
	test_assert_int(mailbox_read(tpath("md"), 1000, collect, &s, &err), 0);
	test_assert_int(s.n, 2);
	test_assert_str(s.data[0], "Subject: cur\n\n");
	test_assert_str(s.data[1], "Subject: new\n\n");
	test_end();

	test_begin("mailbox: plain directory of files, sorted");
	memset(&s, 0, sizeof(s));
	mkdir(tpath("dir"), 0700);
	write_file(tpath("dir/b"), "Subject: b\n\n");
	write_file(tpath("dir/a"), "Subject: a\n\n");
	test_assert_int(mailbox_read(tpath("dir"), 1000, collect, &s, &err), 0);
	test_assert_int(s.n, 2);
	test_assert_str(s.data[0], "Subject: a\n\n");
	test_end();
}

static void test_bounds_and_errors(void)
{
	struct seen s;
	char *err = NULL;

	test_begin("mailbox: a message is cut at max_size + 1 bytes");
	memset(&s, 0, sizeof(s));
	write_file(tpath("big.eml"), "Subject: big\n\n0123456789012345678901234567890123456789\n");
	test_assert_int(mailbox_read(tpath("big.eml"), 20, collect, &s, &err), 0);
	test_assert_int(s.lens[0], 21);
	test_end();

	test_begin("mailbox: an mbox message is cut at max_size + 1 bytes too");
	memset(&s, 0, sizeof(s));
	write_file(tpath("big.mbox"),
		   "From a Thu Jan  1 00:00:00 1970\nSubject: 1\n\n0123456789012345678901234567890123456789\n\n"
		   "From b Thu Jan  1 00:00:00 1970\nSubject: 2\n\nx\n");
	test_assert_int(mailbox_read(tpath("big.mbox"), 20, collect, &s, &err), 0);
	test_assert_int(s.n, 2);
	test_assert_int(s.lens[0], 21);
	test_assert_str(s.data[1], "Subject: 2\n\nx\n");
	test_end();

	test_begin("mailbox: missing path is an error naming the path");
	memset(&s, 0, sizeof(s));
	test_assert_int(mailbox_read(tpath("nope"), 20, collect, &s, &err), -1);
	test_assert(err != NULL && strstr(err, "nope") != NULL);
	free(err);
	test_end();

	test_begin("mailbox: is_mbox needs a second From_ after a blank line");
	test_assert(!mailbox_is_mbox("From a\nX: y\n\nbody\n", 18));
	test_assert(mailbox_is_mbox("From a\nX: y\n\nFrom b\nX: z\n", 25));
	test_assert(!mailbox_is_mbox("X: y\n\nFrom b\n", 13));
	/* CRLF blank line; a From_ not after a blank line; one in the body text */
	test_assert(mailbox_is_mbox("From a\r\nX: y\r\n\r\nFrom b\r\n", 24));
	test_assert(!mailbox_is_mbox("From a\nX: y\nFrom b\n", 19));
	test_assert(!mailbox_is_mbox("From a\nX: y\n\nsaid: From b\n", 26));
	test_assert(mailbox_is_mbox("From a\n\nFrom b\n", 15));
	test_end();
}

int main(void)
{
	struct buf cmd = BUF_INIT;
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 99;
	test_single_and_mbox();
	test_maildir_and_dir();
	test_bounds_and_errors();
	rc = test_exit();
	buf_printf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "cleanup of %s failed\n", tmpdir);
	buf_free(&cmd);
	return rc;
}
