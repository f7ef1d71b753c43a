/*
 * test-uri.c - uri_parse, uri_domain and uri_collect (on a hand-built
 * struct msg: one text/plain and one text/html leaf), plus truncated
 * prefixes of every parse case.
 */
#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/html.h"
#include "lib/limits.h"
#include "lib/uri.h"
#include "tests/unit/test.h"

struct parse_case {
	const char *in;
	int ret;
	const char *scheme, *user, *host, *port, *path;
};

static const struct parse_case parse_cases[] = {
	{ "http://www.Example.COM/a?b#c", 0, "http", NULL, "www.example.com", NULL, "/a?b#c" },
	{ "HTTPS://paypal.com@evil.example/login", 0, "https", "paypal.com", "evil.example", NULL, "/login" },
	{ "http://user:pw@host.example:8080/x", 0, "http", "user:pw", "host.example", "8080", "/x" },
	{ "http://example.com./", 0, "http", NULL, "example.com", NULL, "/" },
	{ "http://%65vil.example/", 0, "http", NULL, "evil.example", NULL, "/" },
	{ "http://2130706433/", 0, "http", NULL, "127.0.0.1", NULL, "/" },
	{ "http://0x7f000001/", 0, "http", NULL, "127.0.0.1", NULL, "/" },
	{ "http://0177.0.0.1/", 0, "http", NULL, "127.0.0.1", NULL, "/" },
	{ "http://0x7f.1/", 0, "http", NULL, "127.0.0.1", NULL, "/" },
	{ "http://192.168.1.300/", 0, "http", NULL, "192.168.1.300", NULL, "/" },
	{ "http://[2001:DB8::1]:443/p", 0, "http", NULL, "2001:db8::1", "443", "/p" },
	{ "www.example.co.uk/path", 0, "http", NULL, "www.example.co.uk", NULL, "/path" },
	{ "ftp.example.org", 0, "ftp", NULL, "ftp.example.org", NULL, "" },
	{ "mailto:Joe@Example.COM?subject=hi", 0, "mailto", "Joe", "example.com", NULL, "Joe@Example.COM?subject=hi" },
	{ "http:\\\\backslash.example\\x", 0, "http", NULL, "backslash.example", NULL, "\\x" },
	{ "http:www.noslash.example", 0, "http", NULL, "www.noslash.example", NULL, "" },
	{ "//cdn.example/x.js", 0, "http", NULL, "cdn.example", NULL, "/x.js" },
	{ "example.com:8080/x", 0, "http", NULL, "example.com", "8080", "/x" },
	{ "cid:part1@example", 0, "cid", NULL, NULL, NULL, "part1@example" },
	{ "javascript:void(0)", 0, "javascript", NULL, NULL, NULL, "void(0)" },
	{ "/relative/path", -1, NULL, NULL, NULL, NULL, "" },
	{ "#frag", -1, NULL, NULL, NULL, NULL, "" },
	{ "", -1, NULL, NULL, NULL, NULL, "" },
	{ "  http://trim.example  ", 0, "http", NULL, "trim.example", NULL, "" },
};

static void test_parse(void)
{
	struct arena *a = arena_new(0);
	size_t i, cut;

	for (i = 0; i < N_ELEMENTS(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct uri_parts r;
		char name[200];

		snprintf(name, sizeof(name), "uri_parse %s", c->in);
		test_begin(name);
		test_assert_int(uri_parse(a, c->in, strlen(c->in), &r), c->ret);
		if (c->ret == 0) {
			test_assert_str(r.scheme, c->scheme);
			test_assert_str(r.user, c->user);
			test_assert_str(r.host, c->host);
			test_assert_str(r.port, c->port);
			test_assert_str(r.path, c->path);
		}
		for (cut = 0; cut < strlen(c->in); cut++)
			(void)uri_parse(a, c->in, cut, &r);
		test_end();
	}
	arena_free(&a);
}

static void test_domain(void)
{
	static const struct {
		const char *host, *want;
	} cases[] = {
		{ "www.example.com", "example.com" },
		{ "a.b.example.co.uk", "example.co.uk" },
		{ "example.co.uk", "example.co.uk" },
		{ "co.uk", "co.uk" },
		{ "shop.example.com.au", "example.com.au" },
		{ "x.y.example.ne.jp", "example.ne.jp" },
		{ "localhost", "localhost" },
		{ "Example.ORG.", "example.org" },
		{ "192.168.1.2", "192.168.1.2" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "deep.sub.example.com.br", "example.com.br" },
	};
	struct arena *a = arena_new(0);
	size_t i;

	test_begin("uri_domain");
	for (i = 0; i < N_ELEMENTS(cases); i++)
		test_assert_str(uri_domain(a, cases[i].host), cases[i].want);
	test_assert(uri_domain(a, NULL) == NULL);
	test_end();
	arena_free(&a);
}

static const struct msg_uri *find(const struct msg *m, const char *uri,
				  enum msg_uri_source src)
{
	size_t i;

	for (i = 0; i < m->nuris; i++) {
		if (strcmp(m->uris[i].uri, uri) == 0 && m->uris[i].source == src)
			return &m->uris[i];
	}
	return NULL;
}

static void test_collect(void)
{
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	struct msg m;
	struct msg_part root, plain, html;
	struct msg_part *parts[3], *kids[2];
	const char *text =
		"Visit www.example.com, or http://Sub.Example.org/x?y=1). "
		"Mail joe@mail.example.net or mailto:ann@example.org. "
		"Bare domain shop.example.info/deal and file.txt and "
		"http://paypal.com@evil.com/ and http://0x7f000001/ and "
		"http://1.2.3.4:80/z and http://google.com/url?q=http://redir.example/p";
	const char *htmltext =
		"<a href=\"http://evil.example/\">www.paypal.com</a>"
		"<a href=\"www.x-schemeless.example\"> s</a>"
		"<img src=\"http://img.example/i.gif\"> see http://in-html.example/ and http://in-html.net/";
	const struct msg_uri *u;
	unsigned int flags = 0;
	size_t i;

	memset(&lim, 0, sizeof(lim));
	lim.max_uris = WN_MSG_MAX_URIS;
	lim.max_text = WN_MSG_MAX_TEXT;
	lim.max_html_depth = WN_MSG_MAX_HTML_DEPTH;
	memset(&m, 0, sizeof(m));
	memset(&root, 0, sizeof(root));
	memset(&plain, 0, sizeof(plain));
	memset(&html, 0, sizeof(html));
	m.arena = a;
	m.limits = &lim;
	root.ctype = "multipart/alternative";
	kids[0] = &plain;
	kids[1] = &html;
	root.children = kids;
	root.nchildren = 2;
	plain.parent = html.parent = &root;
	plain.ctype = "text/plain";
	plain.text = plain.visible = text;
	plain.text_len = plain.visible_len = strlen(text);
	html.ctype = "text/html";
	html.text = htmltext;
	html.text_len = strlen(htmltext);
	html.html = html_render(a, htmltext, strlen(htmltext), &lim, &flags);
	html.visible = html_visible_text(html.html, &html.visible_len);
	parts[0] = &root;
	parts[1] = &plain;
	parts[2] = &html;
	m.parts = parts;
	m.nparts = 3;
	m.root = &root;

	uri_collect(&m);

	test_begin("uri_collect text");
	u = find(&m, "http://www.example.com", MSG_URI_TEXT);
	test_assert(u != NULL);
	if (u != NULL) {
		test_assert_str(u->host, "www.example.com");
		test_assert_str(u->scheme, "http");
		test_assert(u->part == &plain);
	}
	test_assert(find(&m, "www.example.com", MSG_URI_TEXT) == NULL);
	test_assert(find(&m, "http://Sub.Example.org/x?y=1", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "mailto:joe@mail.example.net", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "mailto:ann@example.org", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "http://shop.example.info/deal", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "http://file.txt", MSG_URI_TEXT) == NULL);
	u = find(&m, "http://paypal.com@evil.com/", MSG_URI_TEXT);
	test_assert(u != NULL && u->host != NULL && strcmp(u->host, "evil.com") == 0);
	/* SA keeps the userinfo form only (its host regex skips it) */
	test_assert(find(&m, "http://evil.com/", MSG_URI_TEXT) == NULL);
	/* text URIs need a known TLD, as in SA */
	test_assert(find(&m, "http://in-html.example/", MSG_URI_TEXT) == NULL);
	test_assert(find(&m, "http://127.0.0.1/", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "http://1.2.3.4/z", MSG_URI_TEXT) != NULL);
	test_assert(find(&m, "http://redir.example/p", MSG_URI_TEXT) != NULL);
	test_end();

	test_begin("uri_collect html");
	u = find(&m, "http://evil.example/", MSG_URI_HREF);
	test_assert(u != NULL);
	if (u != NULL) {
		test_assert_str(u->anchor_text, "www.paypal.com");
		test_assert(u->part == &html);
	}
	test_assert(find(&m, "www.x-schemeless.example", MSG_URI_HREF) != NULL);
	u = find(&m, "http://www.x-schemeless.example", MSG_URI_HREF);
	test_assert(u != NULL && u->anchor_text == NULL);
	test_assert(find(&m, "http://img.example/i.gif", MSG_URI_SRC) != NULL);
	test_assert(find(&m, "http://in-html.net/", MSG_URI_TEXT) != NULL);
	/* anchor text is rendered text, scanned like SA does */
	test_assert(find(&m, "http://www.paypal.com", MSG_URI_TEXT) != NULL);
	test_end();

	test_begin("uri_collect dedup and order");
	for (i = 0; i < m.nuris; i++) {
		size_t j;
		for (j = i + 1; j < m.nuris; j++) {
			test_assert(!(m.uris[i].source == m.uris[j].source &&
				      strcmp(m.uris[i].uri, m.uris[j].uri) == 0));
		}
	}
	test_assert(m.nuris > 0 && m.uris[0].part == &plain);
	test_end();

	test_begin("uri_collect limit");
	lim.max_uris = 3;
	m.uris = NULL;
	m.nuris = 0;
	m.flags = 0;
	uri_collect(&m);
	test_assert_int(m.nuris, 3);
	test_assert((m.flags & MSG_F_URI_LIMIT) != 0);
	test_end();
	arena_free(&a);
}

/* The scanner skips prose without trying each word: sentence ends,
   "Note:", "e.g.", a lone '@', hyphenated words, a no-break space
   before a bare host; a repeated URI adds nothing. */
static void test_scan(void)
{
	static const char *const want[] = {
		"http://www.a.com", "http://x-y.example.org/p", "mailto:mail@b.co.uk",
		"http://nbsp.example.com", "https://c.com/", "mailto:z@y.com",
		"http://long-hyphen-word.info",
	};
	const char *text =
		"Prose ends. Note: e.g. 3.5 and foo:bar, end@ and @. www.a.com, "
		"x-y.example.org/p and (mail@b.co.uk) and\xc2\xa0nbsp.example.com and "
		"https://c.com/\nmailto:z@y.com; long-hyphen-word.info done. www.a.com again.";
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	struct msg m;
	struct msg_part part, *parts[1];
	size_t i;

	memset(&lim, 0, sizeof(lim));
	lim.max_uris = WN_MSG_MAX_URIS;
	memset(&m, 0, sizeof(m));
	memset(&part, 0, sizeof(part));
	m.arena = a;
	m.limits = &lim;
	part.ctype = "text/plain";
	part.text = part.visible = text;
	part.text_len = part.visible_len = strlen(text);
	parts[0] = &part;
	m.parts = parts;
	m.nparts = 1;
	m.root = &part;
	uri_collect(&m);

	test_begin("uri_collect text scanner");
	test_assert_int(m.nuris, N_ELEMENTS(want));
	for (i = 0; i < m.nuris && i < N_ELEMENTS(want); i++)
		test_assert_str(m.uris[i].uri, want[i]);
	test_end();
	arena_free(&a);
}

int main(void)
{
	test_parse();
	test_domain();
	test_collect();
	test_scan();
	return test_exit();
}
