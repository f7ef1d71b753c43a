/*
 * test-quar-digest.c - filterd/quar_digest.c. Digests are built from
 * entries with plain, UTF-8 and hostile text (markup, CRLF followed by
 * header fields, invalid UTF-8, a 5000-character subject) and real
 * tokens (lib/qtoken.c), with and without a release URL, then checked
 * twice:
 *   - with Winnow's own parser (lib/msg.h): 7-bit CRLF lines of at most
 *     78 characters, no parser flags, exactly the header fields we
 *     write (none injected), Subject decoded, multipart/alternative with
 *     text/plain and text/html, both decoded to UTF-8 holding every
 *     token and release instruction intact, the UTF-8 subject intact in
 *     the text, the markup only escaped in the HTML;
 *   - with Python's email package (test-quar-digest.py, run with
 *     /usr/bin/python3): no defects, the same structure and Subject, the
 *     tokens in both decoded parts, and html.parser finding only our own
 *     tags, with each hostile subject back as plain cell text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "filterd/quar_digest.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/msg.h"
#include "lib/qtoken.h"
#include "tests/unit/test.h"

#define NOW 1764608400 /* 2025-12-01 17:00:00 UTC */

static const char hostile_subject[] =
	"<script>alert(1)</script>\r\nBcc: victim@example.test\r\n\r\n<b>bold</b> &amp; \"q\"";
static const char hostile_from[] = "evil\r\nX-Injected: yes <evil@example.test>";
static const char hostile_reason[] = "virus\n<tr><td>fake row</td></tr>\xff\xc3(";
static const char utf8_subject[] = "Gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac "
				   "\xf0\x9f\x98\x80 caf\xc3\xa9";
static const char utf8_from[] = "J\xc3\xbcrgen M\xc3\xbcller <jm@example.test>";

static unsigned char key[QTOKEN_KEY_LEN];
static char tokens[4][QTOKEN_MAX];
static char long_subject[5001];
static struct quar_digest_entry entries[4];

static void make_entries(const char *rcpt)
{
	static const char *const ids[] = { "q-0001", "q-0002", "q-0003", "q-0004" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (qtoken_make(key, ids[i], rcpt, NOW + 86400 * 14, tokens[i]) < 0)
			abort();
	memset(long_subject, 'x', sizeof(long_subject) - 1);
	entries[0] = (struct quar_digest_entry){ ids[0], NOW - 3600, "Alice <alice@example.test>",
						 "Cheap watches", 12.5, "spam", tokens[0] };
	entries[1] = (struct quar_digest_entry){ ids[1], NOW - 7200, utf8_from, utf8_subject, 7.25,
						 "spam (Bayes)", tokens[1] };
	entries[2] = (struct quar_digest_entry){ ids[2], NOW - 60, hostile_from, hostile_subject,
						 99.0, hostile_reason, tokens[2] };
	entries[3] = (struct quar_digest_entry){ ids[3], NOW, NULL, long_subject, -1.0, "banned "
						 "attachment", tokens[3] };
}

/* Every line ends in CRLF, is at most 78 characters and 7-bit. */
static int lines_ok(const char *m, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)m[i];

		if (c == '\r' && i + 1 < len && m[i + 1] == '\n') {
			i++;
			col = 0;
			continue;
		}
		if (c == '\r' || c == '\n' || c >= 0x80 || c == 0 || ++col > 78)
			return 0;
	}
	return col == 0;
}

static const struct msg_part *child(const struct msg *m, size_t i)
{
	return m->root->nchildren > i ? m->root->children[i] : NULL;
}

static void check_msg(const char *raw, size_t len, const char *rcpt, const char *url_prefix)
{
	static const char *const fields[] = { "Date", "From", "To", "Subject", "Message-ID",
					      "MIME-Version", "Auto-Submitted", "Content-Type" };
	struct arena *a = arena_new(65536);
	struct msg *m = msg_parse(a, raw, len, NULL);
	const struct msg_part *tp = child(m, 0), *hp = child(m, 1);
	char want[1024];
	size_t i;

	test_assert(lines_ok(raw, len));
	test_assert_int(m->flags, 0);
	test_assert_int(m->headers.count, N_ELEMENTS(fields));
	for (i = 0; i < N_ELEMENTS(fields); i++)
		test_assert_int(msg_header_count(&m->headers, fields[i]), 1);
	snprintf(want, sizeof(want), "Quarantine digest: 4 messages held for %s", rcpt);
	test_assert_str(msg_get(m, "Subject"), want);
	test_assert_str(msg_get(m, "Auto-Submitted"), "auto-generated");
	test_assert_str(msg_get(m, "MIME-Version"), "1.0");
	test_assert_str(m->root->ctype, "multipart/alternative");
	test_assert_int(m->root->nchildren, 2);
	test_assert(tp != NULL && hp != NULL);
	if (tp == NULL || hp == NULL) {
		arena_free(&a);
		return;
	}
	test_assert_str(tp->ctype, "text/plain");
	test_assert_str(hp->ctype, "text/html");
	test_assert_str(tp->charset, "utf-8");
	test_assert_str(tp->cte, "quoted-printable");
	test_assert_int(tp->flags | hp->flags, 0);
	for (i = 0; i < 4; i++) {
		struct buf rel = BUF_INIT;

		if (url_prefix != NULL)
			buf_printf(&rel, "%s%s&amp;x=1", url_prefix, tokens[i]);
		else
			buf_printf(&rel, "winnow quarantine release --token %s", tokens[i]);
		test_assert(strstr(tp->text, tokens[i]) != NULL);
		test_assert(strstr(hp->text, tokens[i]) != NULL);
		test_assert(strstr(hp->text, buf_cstr(&rel)) != NULL);
		buf_free(&rel);
	}
	if (url_prefix != NULL) {
		snprintf(want, sizeof(want), "Release: %s%s&x=1\n", url_prefix, tokens[2]);
		test_assert(strstr(tp->text, want) != NULL);
	}
	/* UTF-8 text intact, hostile text on one line and escaped */
	test_assert(strstr(tp->text, utf8_subject) != NULL);
	test_assert(strstr(hp->text, utf8_subject) != NULL);
	test_assert(strstr(tp->text, "Subject: <script>alert(1)</script>  Bcc: victim@example.test"
				     "    <b>bold</b>") != NULL);
	test_assert(strstr(tp->text, "\nBcc:") == NULL && strstr(tp->text, "\nX-Injected") == NULL);
	test_assert(strstr(hp->text, "<script") == NULL && strstr(hp->text, "<b>") == NULL);
	test_assert(strstr(hp->text, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	test_assert(strstr(hp->text, "&lt;tr&gt;&lt;td&gt;fake row") != NULL);
	test_assert(strstr(hp->text, "<tr><td>fake") == NULL);
	test_assert(strstr(hp->text, "\xef\xbf\xbd") != NULL); /* the invalid bytes */
	/* the long subject was cut, with a mark */
	test_assert(strstr(tp->text, "xxxx\xe2\x80\xa6\n") != NULL);
	test_assert(strstr(tp->text, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") ==
		    NULL);
	test_assert(strstr(tp->text, "Date:    2025-12-01 16:59 UTC\n") != NULL);
	test_assert(strstr(tp->text, "Score:   99.0\n") != NULL);
	test_assert(strstr(tp->text, "From:    (none)\n") != NULL);
	arena_free(&a);
}

/* Writes the digest and what Python must find, then runs the script. */
static int check_python(const char *raw, size_t len, const char *rcpt, const char *url_prefix)
{
	struct buf j = BUF_INIT;
	char cmd[2048], eml[512];
	FILE *f;
	size_t i;
	int st;

	f = fopen(test_tmp_path("digest.eml"), "wb");
	if (f == NULL || fwrite(raw, 1, len, f) != len || fclose(f) != 0)
		return -1;
	buf_append_str(&j, "{\"subject\": \"Quarantine digest: 4 messages held for ");
	buf_append_json(&j, rcpt, strlen(rcpt));
	buf_append_str(&j, "\", \"url\": ");
	buf_append_str(&j, url_prefix != NULL ? "true" : "false");
	buf_append_str(&j, ", \"tokens\": [");
	for (i = 0; i < 4; i++)
		buf_printf(&j, "%s\"%s\"", i ? ", " : "", tokens[i]);
	buf_append_str(&j, "], \"subjects\": [\"Cheap watches\", \"");
	buf_append_json(&j, utf8_subject, strlen(utf8_subject));
	buf_append_str(&j, "\", \"<script>alert(1)</script>  Bcc: victim@example.test    <b>bold</b> "
			   "&amp; \\\"q\\\"\"]}");
	f = fopen(test_tmp_path("expect.json"), "wb");
	if (f == NULL || fwrite(j.data, 1, j.len, f) != j.len || fclose(f) != 0)
		return -1;
	buf_free(&j);
	/* test_tmp_path's buffer is static: one path per statement */
	snprintf(eml, sizeof(eml), "%s", test_tmp_path("digest.eml"));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s'",
		 test_src_path("tests/unit/test-quar-digest.py"), eml, test_tmp_path("expect.json"));
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_digest(const char *name, const char *rcpt, const char *url,
			const char *url_prefix)
{
	struct quar_digest_conf conf = { "quarantine@mx.example.test", "mx.example.test", url };
	size_t len = 0;
	char *raw;

	test_begin(name);
	make_entries(rcpt);
	raw = quar_digest_build(&conf, rcpt, entries, 4, NOW, &len);
	test_assert(raw != NULL && len == strlen(raw));
	check_msg(raw, len, rcpt, url_prefix);
	test_assert_int(check_python(raw, len, rcpt, url_prefix), 0);
	free(raw);
	test_end();
}

static void test_headers(void)
{
	struct quar_digest_conf conf = { "quarantine@mx.example.test", "mx.example.test", NULL };
	struct quar_digest_entry e = { "q-1", NOW, "a", "b", 1.0, "c", "tok" };
	struct arena *a = arena_new(16384);
	const char *evil = "bob@virt.test\r\nBcc: x@example.test";
	size_t len;
	char *raw = quar_digest_build(&conf, evil, &e, 1, NOW, &len), *raw2;
	struct msg *m = msg_parse(a, raw, len, NULL);

	test_begin("quar_digest: header fields, a hostile recipient, one entry");
	test_assert(lines_ok(raw, len));
	test_assert_int(msg_header_count(&m->headers, "Bcc"), 0);
	test_assert_str(msg_get(m, "To"), "undisclosed-recipients:;");
	test_assert_str(msg_get(m, "Subject"),
			"Quarantine digest: 1 message held for bob@virt.test  Bcc: x@example.test");
	test_assert_str(msg_get(m, "Date"), "Mon, 01 Dec 2025 17:00:00 +0000");
	test_assert_str(msg_get(m, "From"), "Mail quarantine <quarantine@mx.example.test>");
	test_assert(strncmp(msg_get(m, "Message-ID"), "<digest.1764608400.", 19) == 0);
	test_assert(strstr(msg_get(m, "Message-ID"), "@mx.example.test>") != NULL);
	/* a second digest gets another Message-ID and boundary */
	raw2 = quar_digest_build(&conf, "bob@virt.test", &e, 1, NOW, &len);
	test_assert(strstr(raw2, msg_get(m, "Message-ID")) == NULL);
	test_assert(strstr(raw2, "To: <bob@virt.test>\r\n") != NULL);
	test_assert(strstr(raw2, "1 message addressed to bob@virt.test is held") != NULL);
	free(raw);
	free(raw2);
	arena_free(&a);
	test_end();
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(0xa0 + i);
	if (test_tmpdir("quar-digest") < 0)
		return 1;
	test_digest("quar_digest: ASCII recipient, release URL", "bob@virt.test",
		    "https://quar.example.test/release?t=%t&x=1",
		    "https://quar.example.test/release?t=");
	test_digest("quar_digest: UTF-8 recipient, release command",
		    "j\xc3\xbcrgen@b\xc3\xbc" "cher.test", NULL, NULL);
	test_headers();
	test_tmpdir_remove();
	return test_exit();
}
