/*
 * test-msg.c - the message parser: paired cases tests/data/msg/NAME.eml
 * -> NAME.expected (a text dump of the parsed tree, see dump_msg), each
 * parsed in one feed, one byte at a time, and at random split points;
 * plus table tests of the decoders, RFC 2047, charsets and parameters.
 *
 * MSG_REGEN=1 rewrites the .expected files from the one-feed parse
 * (review the diff before committing).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/html.h"
#include "lib/msg.h"
#include "tests/unit/test.h"

/* Shared with tests/unit/test-msg-units.c. */
void tmsg_flags(struct buf *b, unsigned int f);
void tmsg_dump(struct buf *b, const struct msg *m);
char *tmsg_parse_dump(const char *data, size_t len, size_t step,
		      const struct msg_limits *lim, unsigned int seed);
void tmsg_unit_tests(void);

static const char *const flag_names[] = {
	"SIZE_TRUNCATED", "HDR_TRUNCATED", "HDR_TOO_MANY", "HDR_MALFORMED",
	"HDR_8BIT", "LINE_TOO_LONG", "NO_BODY_SEP", "MIME_DEPTH", "MIME_PARTS",
	"MIME_NO_BOUNDARY", "MIME_NO_END", "MIME_BAD_CTYPE", "B64_BAD", "QP_BAD",
	"CHARSET_UNKNOWN", "CHARSET_BAD", "DECODED_TRUNCATED", "RFC2047_BAD", "NUL",
	"URI_LIMIT", "HTML_LIMIT", "BARE_CR_LF", "CTE_UNKNOWN",
	"MISSING_MIME_VERSION",
};

void tmsg_flags(struct buf *b, unsigned int f)
{
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (f & (1u << i)) {
			buf_printf(b, "%s%s", any ? "," : "", flag_names[i]);
			any = 1;
		}
	}
	if (!any)
		buf_append_str(b, "-");
}

/* Printable snippet: escapes control bytes, cuts at max bytes. */
static void snippet(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t i;

	buf_append_char(b, '"');
	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			buf_append_str(b, "\\n");
		else if (c == '\r')
			buf_append_str(b, "\\r");
		else if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_append_char(b, (char)c);
	}
	buf_append_char(b, '"');
	if (n > max)
		buf_append_str(b, "...");
}

static void dump_part(struct buf *b, const struct msg_part *p)
{
	size_t i;

	buf_printf(b, "part %u depth=%u parent=%d children=%zu\n", p->index, p->depth,
		   p->parent ? (int)p->parent->index : -1, p->nchildren);
	for (i = 0; i < p->headers.count; i++) {
		const struct msg_header *h = &p->headers.v[i];
		buf_printf(b, "  hdr %s: ", h->name);
		snippet(b, h->decoded, strlen(h->decoded), 120);
		if (strcmp(h->decoded, h->value) != 0) {
			buf_append_str(b, " value=");
			snippet(b, h->value, strlen(h->value), 120);
		}
		if (h->flags) {
			buf_append_str(b, " flags=");
			tmsg_flags(b, h->flags);
		}
		buf_append_char(b, '\n');
	}
	buf_printf(b, "  ctype=%s charset=%s cte=%s disp=%s boundary=%s\n", p->ctype,
		   p->charset ? p->charset : "-", p->cte,
		   p->disposition ? p->disposition : "-",
		   p->boundary ? p->boundary : "-");
	buf_printf(b, "  filename=%s attachment=%d detected=%s raw_body=%zu\n",
		   p->filename ? p->filename : "-", p->is_attachment,
		   p->detected_type ? p->detected_type : "-", p->raw_body_len);
	if (p->decoded != NULL) {
		buf_printf(b, "  decoded=%zu ", p->decoded_len);
		snippet(b, (const char *)p->decoded, p->decoded_len, 60);
		buf_append_char(b, '\n');
	}
	if (p->text != NULL) {
		buf_printf(b, "  text=%zu ", p->text_len);
		snippet(b, p->text, p->text_len, 200);
		buf_append_char(b, '\n');
	}
	if (p->visible != NULL && p->visible != p->text) {
		buf_printf(b, "  visible=%zu ", p->visible_len);
		snippet(b, p->visible, p->visible_len, 200);
		buf_append_char(b, '\n');
	}
	buf_append_str(b, "  flags=");
	tmsg_flags(b, p->flags);
	buf_append_char(b, '\n');
}

void tmsg_dump(struct buf *b, const struct msg *m)
{
	size_t i;

	buf_printf(b, "raw_len=%zu header_len=%zu nparts=%zu nuris=%zu\nflags=", m->raw_len,
		   m->header_len, m->nparts, m->nuris);
	tmsg_flags(b, m->flags);
	buf_append_char(b, '\n');
	for (i = 0; i < m->nparts; i++)
		dump_part(b, m->parts[i]);
	for (i = 0; i < m->nuris && i < 20; i++)
		buf_printf(b, "uri %s host=%s\n", m->uris[i].uri,
			   m->uris[i].host ? m->uris[i].host : "-");
}

char *tmsg_parse_dump(const char *data, size_t len, size_t step,
		      const struct msg_limits *lim, unsigned int seed)
{
	struct arena *a = arena_new(0);
	struct msg_parser *p = msg_parser_new(a, lim);
	struct buf b = BUF_INIT;
	size_t off = 0;

	while (off < len) {
		size_t n = step;
		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 8) % 97;
		}
		if (n > len - off)
			n = len - off;
		msg_parser_feed(p, data + off, n);
		off += n;
	}
	tmsg_dump(&b, msg_parser_finish(p));
	arena_free(&a);
	return buf_steal(&b);
}

#ifndef TMSG_NO_MAIN
/* Limits small enough that the test messages reach them. */
static void test_limits(const char *name, struct msg_limits *lim)
{
	msg_limits_default(lim);
	if (strncmp(name, "limit-", 6) == 0) {
		lim->max_depth = 5;
		lim->max_parts = 8;
		lim->max_headers = 20;
		lim->max_header_size = 2000;
		lim->max_line = 200;
		lim->max_size = 6000;
		lim->max_text = 300;
	}
}

static void run_case(const char *dir, const char *name)
{
	char path[512], *data, *want, *one, *bytes, *rnd;
	size_t len, wlen;
	struct msg_limits lim;
	FILE *f;

	test_begin(name);
	test_limits(name, &lim);
	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	data = test_read_file(path, &len);
	one = tmsg_parse_dump(data, len, len ? len : 1, &lim, 0);
	snprintf(path, sizeof(path), "%s/%s.expected", dir, name);
	if (getenv("MSG_REGEN") != NULL) {
		f = fopen(test_src_path(path), "w");
		if (f != NULL) {
			fputs(one, f);
			fclose(f);
		}
	}
	want = test_read_file(path, &wlen);
	test_assert_str(one, want);
	bytes = tmsg_parse_dump(data, len, 1, &lim, 0);
	test_assert_str(bytes, one);
	rnd = tmsg_parse_dump(data, len, 1, &lim, 12345);
	test_assert_str(rnd, one);
	free(rnd);
	rnd = tmsg_parse_dump(data, len, 1, &lim, 777);
	test_assert_str(rnd, one);
	free(rnd);
	free(bytes);
	free(one);
	free(want);
	free(data);
	test_end();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_cases(void)
{
	const char *dir = "tests/data/msg";
	DIR *d = opendir(test_src_path(dir));
	struct dirent *e;
	char *names[512];
	size_t n = 0, i;

	test_begin("cases dir");
	test_assert(d != NULL);
	test_end();
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 512) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0)
			names[n++] = strndup(e->d_name, l - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	test_begin("cases count");
	test_assert(n >= 20);
	test_end();
	for (i = 0; i < n; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
}

int main(void)
{
	test_cases();
	tmsg_unit_tests();
	return test_exit();
}
#endif
