/*
 * test-sieve.c - the Sieve conformance suite (mda/sieve*.c): runs each
 * tests/sieve/NAME.sieve case with recording ops and compares the actions
 * taken, in order, with the case's expectations. A case states them in
 * its leading comment lines (so the same file runs in Pigeonhole's
 * sieve-test, see tests/sieve/crosscheck.py):
 *
 *   # message: NAME.eml      tests/sieve/msg/NAME (default plain.eml)
 *   # from: ADDR             envelope sender ("<>" for the null sender)
 *   # to: ADDR               envelope recipient (default bob@example.org)
 *   # expect: LINE           one trace line; all of them, in order
 *   # error: MESSAGE         the parse fails with exactly this message
 *   # runtime-error: TEXT    the run reports an error containing TEXT
 *   # mailboxes: A B         only these mailboxes exist (default: all)
 *   # fail: MAILBOX perm|temp  storing into MAILBOX fails so
 *   # seen: yes              a vacation reply was already sent
 *   # sent: TEXT             the vacation reply contains TEXT ("\n": a line end)
 *   # not-sent: TEXT         and does not contain TEXT
 *   # status: tempfail       sieve_run returns MDA_TEMPFAIL
 *
 * With --print CASE it prints the trace lines of one case (for the
 * cross-check), else it also runs unit checks of the matchers.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "mda/mda.h"
#include "mda/sieve.h"
#include "mda/sieve_int.h"
#include "tests/unit/test.h"

#define MAX_LINES 64

struct tcase {
	char *name;
	char *message, *from, *to, *error, *runtime_error, *mailboxes;
	const char *sent[MAX_LINES], *not_sent[MAX_LINES];
	size_t nsent, nnot_sent;
	char *fail_box;
	int fail_temp, seen, want_tempfail;
	const char *expect[MAX_LINES];
	size_t nexpect;
};

struct rec {
	const struct tcase *tc;
	char sent[8192];
	size_t nsent;
	int marked;
};

static enum mda_status rec_fileinto(void *ctx, const struct mda_msg *m, const char *mailbox,
				    const char *flags, int create, const char **err_r)
{
	struct rec *r = ctx;
	const struct tcase *tc = r->tc;

	(void)m;
	(void)flags;
	if (tc->fail_box != NULL && strcmp(tc->fail_box, mailbox) == 0) {
		*err_r = "injected failure";
		return tc->fail_temp ? MDA_TEMPFAIL : MDA_PERMFAIL;
	}
	if (!create && tc->mailboxes != NULL && strcasecmp(mailbox, "INBOX") != 0) {
		char padded[512];
		snprintf(padded, sizeof(padded), " %s ", mailbox);
		if (strstr(tc->mailboxes, padded) == NULL) {
			*err_r = "no such mailbox";
			return MDA_PERMFAIL;
		}
	}
	return MDA_OK;
}

static enum mda_status rec_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				    size_t n, const char **err_r)
{
	(void)ctx;
	(void)m;
	(void)addrs;
	(void)n;
	(void)err_r;
	return MDA_OK;
}

static enum mda_status rec_send(void *ctx, const struct mda_msg *m, const char *data, size_t len,
				const char *from, const char *to, const char **err_r)
{
	struct rec *r = ctx;

	(void)m;
	(void)to;
	(void)err_r;
	if (strcmp(from, "") != 0)
		return MDA_PERMFAIL; /* a vacation reply must go out from <> */
	if (r->nsent + len + 1 < sizeof(r->sent)) {
		memcpy(r->sent + r->nsent, data, len);
		r->nsent += len;
		r->sent[r->nsent] = '\0';
	}
	return MDA_OK;
}

static int rec_exists(void *ctx, const struct mda_msg *m, const char *mailbox)
{
	struct rec *r = ctx;
	char padded[512];

	(void)m;
	if (r->tc->mailboxes == NULL || strcasecmp(mailbox, "INBOX") == 0)
		return 1;
	snprintf(padded, sizeof(padded), " %s ", mailbox);
	return strstr(r->tc->mailboxes, padded) != NULL;
}

static int rec_seen(void *ctx, const struct mda_msg *m, const char *key, long seconds, int mark)
{
	struct rec *r = ctx;

	(void)m;
	(void)key;
	(void)seconds;
	if (mark)
		r->marked++;
	return r->tc->seen;
}

/* s without trailing spaces, "\\n" turned into a line break. */
static char *tc_dup_trim(const char *s)
{
	size_t n = strlen(s), i, k = 0;
	char *out;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	out = xstrndup(s, n);
	for (i = 0; i < n; i++) {
		if (out[i] == '\\' && i + 1 < n && out[i + 1] == 'n') {
			out[k++] = '\n';
			i++;
		} else {
			out[k++] = out[i];
		}
	}
	out[k] = '\0';
	return out;
}

/* Reads the "# key: value" lines at the top of the case. */
static void tc_directives(struct tcase *tc, char *text)
{
	char *line = text, *nl;

	for (; line != NULL && *line == '#'; line = nl != NULL ? nl + 1 : NULL) {
		char *key = line + 1, *colon, *val;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		while (*key == ' ')
			key++;
		if ((colon = strchr(key, ':')) == NULL)
			goto next;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ')
			val++;
		if (strcmp(key, "message") == 0)
			tc->message = tc_dup_trim(val);
		else if (strcmp(key, "from") == 0)
			tc->from = tc_dup_trim(val);
		else if (strcmp(key, "to") == 0)
			tc->to = tc_dup_trim(val);
		else if (strcmp(key, "expect") == 0 && tc->nexpect < MAX_LINES)
			tc->expect[tc->nexpect++] = tc_dup_trim(val);
		else if (strcmp(key, "error") == 0)
			tc->error = tc_dup_trim(val);
		else if (strcmp(key, "runtime-error") == 0)
			tc->runtime_error = tc_dup_trim(val);
		else if (strcmp(key, "mailboxes") == 0) {
			size_t n = strlen(val);
			tc->mailboxes = xmalloc(n + 3);
			snprintf(tc->mailboxes, n + 3, " %s ", val);
		} else if (strcmp(key, "fail") == 0) {
			char *sp = strchr(val, ' ');
			tc->fail_box = sp != NULL ? xstrndup(val, (size_t)(sp - val)) : tc_dup_trim(val);
			tc->fail_temp = sp != NULL && strncmp(sp + 1, "temp", 4) == 0;
		} else if (strcmp(key, "seen") == 0)
			tc->seen = strncmp(val, "yes", 3) == 0;
		else if (strcmp(key, "sent") == 0 && tc->nsent < MAX_LINES)
			tc->sent[tc->nsent++] = tc_dup_trim(val);
		else if (strcmp(key, "not-sent") == 0 && tc->nnot_sent < MAX_LINES)
			tc->not_sent[tc->nnot_sent++] = tc_dup_trim(val);
		else if (strcmp(key, "status") == 0)
			tc->want_tempfail = strncmp(val, "tempfail", 8) == 0;
		*colon = ':';
	next:
		if (nl != NULL)
			*nl = '\n';
	}
}

static void tc_free(struct tcase *tc)
{
	size_t i;

	free(tc->name);
	free(tc->message);
	free(tc->from);
	free(tc->to);
	free(tc->error);
	free(tc->runtime_error);
	free(tc->mailboxes);
	for (i = 0; i < tc->nsent; i++)
		free((char *)tc->sent[i]);
	for (i = 0; i < tc->nnot_sent; i++)
		free((char *)tc->not_sent[i]);
	free(tc->fail_box);
	for (i = 0; i < tc->nexpect; i++)
		free((char *)tc->expect[i]);
}

/* Runs one case; prints the trace when print, else checks it. */
static void tc_run(const char *file, int print)
{
	char rel[512], *text, *msg, *err = NULL;
	const char *base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
	struct tcase tc;
	struct sieve_script *s;
	struct arena *a;
	struct mda_msg m;
	struct mda_trace trace = {0};
	struct mda_ops ops;
	struct rec rec;
	size_t len, mlen, i;
	enum mda_status st;

	memset(&tc, 0, sizeof(tc));
	snprintf(rel, sizeof(rel), "tests/sieve/%s", base);
	text = test_read_file(rel, &len);
	tc_directives(&tc, text);
	s = sieve_parse(base, text, len, &err);
	if (!print)
		test_begin(base);
	if (s == NULL) {
		if (print)
			printf("error %s\n", err);
		else if (tc.error == NULL)
			test_assert_str(err, "(no error)");
		else
			test_assert_str(err, tc.error);
		goto out;
	}
	if (!print && tc.error != NULL)
		test_assert_str("(parsed)", tc.error);
	snprintf(rel, sizeof(rel), "tests/sieve/msg/%s", tc.message ? tc.message : "plain.eml");
	msg = test_read_file(rel, &mlen);
	a = arena_new(65536);
	mda_msg_init(&m, a, msg, mlen);
	m.sender = tc.from == NULL ? "alice@example.com" :
		   strcmp(tc.from, "<>") == 0 ? "" : tc.from;
	m.recipient = tc.to != NULL ? tc.to : "bob@example.org";
	m.user = "bob";
	memset(&ops, 0, sizeof(ops));
	memset(&rec, 0, sizeof(rec));
	rec.tc = &tc;
	ops.ctx = &rec;
	ops.fileinto = rec_fileinto;
	ops.redirect = rec_redirect;
	ops.send = rec_send;
	ops.mailbox_exists = rec_exists;
	ops.vacation_seen = rec_seen;
	st = sieve_run(s, &m, &ops, &trace, &err);
	if (print) {
		for (i = 0; i < trace.count; i++)
			printf("%s\n", trace.lines[i]);
	} else {
		for (i = 0; i < trace.count || i < tc.nexpect; i++)
			test_assert_str(i < trace.count ? trace.lines[i] : "(nothing)",
					i < tc.nexpect ? tc.expect[i] : "(nothing)");
		if (tc.runtime_error != NULL)
			test_assert(err != NULL && strstr(err, tc.runtime_error) != NULL);
		else
			test_assert_str(err, NULL);
		for (i = 0; i < tc.nsent; i++)
			test_assert_str(strstr(rec.sent, tc.sent[i]) != NULL ? tc.sent[i] : "(not sent)",
					tc.sent[i]);
		for (i = 0; i < tc.nnot_sent; i++)
			test_assert(strstr(rec.sent, tc.not_sent[i]) == NULL);
		test_assert_int(st == MDA_TEMPFAIL, tc.want_tempfail);
		if (err != NULL && tc.runtime_error == NULL)
			fprintf(stderr, "  error: %s\n", err);
		if (getenv("SIEVE_SHOW_SENT") != NULL)
			fprintf(stderr, "  sent:\n%s\n", rec.sent);
	}
	arena_free(&a);
	free(msg);
	sieve_free(&s);
out:
	if (!print)
		test_end();
	free(err);
	free(text);
	tc_free(&tc);
}

static int tc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_cases(void)
{
	DIR *d = opendir(test_src_path("tests/sieve"));
	struct dirent *e;
	char *names[2048];
	size_t n = 0, i;

	if (d == NULL) {
		test_begin("tests/sieve");
		test_assert(!"tests/sieve missing");
		test_end();
		return;
	}
	while ((e = readdir(d)) != NULL && n < N_ELEMENTS(names)) {
		size_t l = strlen(e->d_name);
		if (l > 6 && strcmp(e->d_name + l - 6, ".sieve") == 0)
			names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), tc_cmp);
	for (i = 0; i < n; i++) {
		tc_run(names[i], 0);
		free(names[i]);
	}
}

static int glob(const char *pat, const char *s, const char *caps)
{
	struct sieve_span c[10];
	size_t nc, i;
	char got[256] = "";
	int m = sieve_glob(SIEVE_CMP_CASEMAP, pat, strlen(pat), s, strlen(s), c, 10, &nc);

	for (i = 0; m && i < nc; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s[%.*s]", i ? "," : "",
			 (int)c[i].len, c[i].p);
	if (!m)
		return caps == NULL;
	if (caps == NULL || strcmp(got, caps) != 0) {
		fprintf(stderr, "  glob %s on %s: %s\n", pat, s, got);
		return 0;
	}
	return 1;
}

static void test_matchers(void)
{
	test_begin("sieve_glob");
	test_assert(glob("*", "", "[]"));
	test_assert(glob("a*", "abc", "[bc]"));
	test_assert(glob("[*] *", "[acme-users] [fwd] version 1.0", "[acme-users],[[fwd] version 1.0]"));
	test_assert(glob("*<*@*>", "Bob <bob@x.org>", "[Bob ],[bob],[x.org]"));
	test_assert(glob("?b?", "abc", "[a],[c]"));
	test_assert(glob("a?c", "a\xc3\xa9" "c", "[\xc3\xa9]"));
	test_assert(glob("a\\*c", "a*c", ""));
	test_assert(glob("a\\*c", "abc", NULL));
	test_assert(glob("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL));
	test_assert(glob("*x", "xx", "[x]"));
	test_assert(glob("x*x", "x", NULL));
	test_assert(glob("A*", "abc", "[bc]"));
	test_end();

	test_begin("sieve_cmp numeric");
	test_assert(sieve_cmp_order(SIEVE_CMP_NUMERIC, "10", 2, "9", 1) > 0);
	test_assert(sieve_cmp_order(SIEVE_CMP_NUMERIC, "007", 3, "7", 1) == 0);
	test_assert(sieve_cmp_order(SIEVE_CMP_NUMERIC, "abc", 3, "99999", 5) > 0);
	test_assert(sieve_cmp_order(SIEVE_CMP_NUMERIC, "x", 1, "y", 1) == 0);
	test_assert(sieve_cmp_order(SIEVE_CMP_OCTET, "A", 1, "a", 1) < 0);
	test_assert(sieve_cmp_order(SIEVE_CMP_CASEMAP, "A", 1, "a", 1) == 0);
	test_end();
}

/* Limits: each hit is a parse error, never a crash. */
static void test_limits(void)
{
	char *deep, *err = NULL, *big;
	struct sieve_script *s;
	size_t i, n = 0;

	test_begin("limits");
	deep = xmalloc(100 * 12 + 100);
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(deep + n, "if true {\n");
	for (i = 0; i < 100; i++)
		deep[n++] = '}';
	s = sieve_parse("deep", deep, n, &err);
	test_assert(s == NULL && err != NULL && strstr(err, "nested more than") != NULL);
	free(err);
	free(deep);
	big = xmalloc(SIEVE_MAX_STRING + 16);
	big[0] = '"';
	memset(big + 1, 'x', SIEVE_MAX_STRING + 1);
	memcpy(big + SIEVE_MAX_STRING + 2, "\";", 2);
	s = sieve_parse("big", big, SIEVE_MAX_STRING + 4, &err);
	test_assert(s == NULL && err != NULL && strstr(err, "string longer") != NULL);
	free(err);
	free(big);
	test_end();
}

/* A script comparing far more than SIEVE_MAX_WORK bytes stops with a
   runtime error and the message kept, quickly. */
static void test_work_limit(void)
{
	size_t mlen = (size_t)2 << 20, slen, i;
	char *msg = xmalloc(mlen + 64), *script, *err = NULL;
	struct tcase tc;
	struct rec rec;
	struct mda_ops ops;
	struct mda_trace trace = {0};
	struct mda_msg m;
	struct arena *a = arena_new(65536);
	struct sieve_script *s;
	enum mda_status st;

	test_begin("work limit");
	i = (size_t)sprintf(msg, "Subject: big\n\n");
	memset(msg + i, 'a', mlen - i);
	script = xmalloc(64 * 1024);
	slen = (size_t)sprintf(script, "require \"body\";\n");
	for (i = 0; i < 140; i++)
		slen += (size_t)sprintf(script + slen, "if body :raw :contains \"zz\" { discard; }\n");
	s = sieve_parse("work", script, slen, &err);
	test_assert(s != NULL);
	mda_msg_init(&m, a, msg, mlen);
	memset(&tc, 0, sizeof(tc));
	memset(&rec, 0, sizeof(rec));
	memset(&ops, 0, sizeof(ops));
	rec.tc = &tc;
	ops.ctx = &rec;
	ops.fileinto = rec_fileinto;
	st = sieve_run(s, &m, &ops, &trace, &err);
	test_assert(st == MDA_OK);
	test_assert(trace.count == 1 && strcmp(trace.lines[0], "keep") == 0);
	test_assert(err != NULL && strstr(err, "over the work limit") != NULL);
	free(err);
	sieve_free(&s);
	arena_free(&a);
	free(script);
	free(msg);
	test_end();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--print") == 0) {
		tc_run(argv[2], 1);
		return 0;
	}
	test_matchers();
	test_limits();
	test_work_limit();
	test_cases();
	return test_exit();
}
