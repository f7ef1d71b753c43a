/*
 * test-html.c - the HTML renderer: paired files tests/data/html/NAME.html
 * -> NAME.expected (a dump of visible/invisible text, title, facts and
 * links, see dump()), targeted assertions, and every case re-rendered on
 * each truncated prefix (must not crash, output bounded).
 *
 * HTML_REGEN=1 rewrites the .expected files (review the diff!).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/html.h"
#include "lib/limits.h"
#include "tests/unit/test.h"

static struct msg_limits limits;

static void set_limits(void)
{
	memset(&limits, 0, sizeof(limits));
	limits.max_text = WN_MSG_MAX_TEXT;
	limits.max_uris = WN_MSG_MAX_URIS;
	limits.max_html_depth = 32;
}

static void esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			buf_append_str(b, "\\n");
		else if (*s == '\\')
			buf_append_str(b, "\\\\");
		else
			buf_append_char(b, *s);
	}
}

static int key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char *const source_names[] = { "text", "href", "src", "other" };

/* The dump: one "key: value" line each; facts sorted by key. */
static void dump(struct buf *b, const struct html_info *h, unsigned int flags)
{
	const char *const *keys;
	const double *values;
	const struct html_link *links;
	const char **sorted;
	const char *const *v;
	size_t n, i, j;
	static const char *const kinds[] = { "comment", "anchor", "title", "script" };

	buf_append_str(b, "visible: ");
	esc(b, html_visible_text(h, NULL));
	buf_append_str(b, "\ninvisible: ");
	esc(b, html_invisible_text(h, NULL));
	buf_append_str(b, "\n");
	if (html_title(h) != NULL) {
		buf_append_str(b, "title: ");
		esc(b, html_title(h));
		buf_append_str(b, "\n");
	}
	if (html_charsets(h) != NULL)
		buf_printf(b, "charsets: %s\n", html_charsets(h));
	for (i = 0; i < N_ELEMENTS(kinds); i++) {
		n = html_texts(h, kinds[i], &v);
		for (j = 0; j < n; j++) {
			buf_printf(b, "%s: ", kinds[i]);
			esc(b, v[j]);
			buf_append_str(b, "\n");
		}
	}
	if (flags)
		buf_printf(b, "flags: 0x%x\n", flags);
	n = html_facts(h, &keys, &values);
	sorted = calloc(n + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = keys[i];
	qsort(sorted, n, sizeof(*sorted), key_cmp);
	for (i = 0; i < n; i++) {
		int found;
		double val = html_fact(h, sorted[i], &found);
		buf_printf(b, "fact %s = %.4g\n", sorted[i], val);
	}
	free(sorted);
	n = html_links(h, &links);
	for (i = 0; i < n; i++) {
		buf_printf(b, "link %s %s ", source_names[links[i].source], links[i].tag);
		esc(b, links[i].uri);
		if (links[i].anchor_text != NULL) {
			buf_append_str(b, " [");
			esc(b, links[i].anchor_text);
			buf_append_str(b, "]");
		}
		buf_append_str(b, "\n");
	}
}

static void check_prefixes(const char *name, const char *html, size_t len)
{
	size_t cut;

	for (cut = 0; cut <= len; cut++) {
		struct arena *a = arena_new(0);
		unsigned int flags = 0;
		struct html_info *h = html_render(a, html, cut, &limits, &flags);
		size_t vl, il, rl;
		html_visible_text(h, &vl);
		html_invisible_text(h, &il);
		html_rendered_text(h, &rl);
		/* rendering never exceeds input by more than the block-tag
		   whitespace it inserts */
		if (rl > 3 * cut + 16 || vl + il > rl + 16) {
			fprintf(stderr, "%s: prefix %zu rendered %zu bytes\n", name, cut, rl);
			test_assert(0);
		}
		arena_free(&a);
	}
}

static void run_data_cases(void)
{
	const char *dir = test_src_path("tests/data/html");
	int regen = getenv("HTML_REGEN") != NULL;
	struct dirent **ents;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	test_begin("html data cases found");
	test_assert(n > 10);
	test_end();
	for (i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		size_t fl = strlen(fn), len, elen;
		char rel[512], exp_rel[512];
		char *html, *expected;
		struct arena *a;
		struct buf b = BUF_INIT;
		unsigned int flags = 0;
		struct html_info *h;

		if (fl < 6 || strcmp(fn + fl - 5, ".html") != 0) {
			free(ents[i]);
			continue;
		}
		snprintf(rel, sizeof(rel), "tests/data/html/%s", fn);
		snprintf(exp_rel, sizeof(exp_rel), "tests/data/html/%.*s.expected",
			 (int)(fl - 5), fn);
		html = test_read_file(rel, &len);
		a = arena_new(0);
		h = html_render(a, html, len, &limits, &flags);
		dump(&b, h, flags);
		test_begin(fn);
		if (regen) {
			FILE *f = fopen(test_src_path(exp_rel), "w");
			test_assert(f != NULL);
			if (f != NULL) {
				fputs(buf_cstr(&b), f);
				fclose(f);
			}
		} else {
			expected = test_read_file(exp_rel, &elen);
			test_assert_str(buf_cstr(&b), expected);
			free(expected);
		}
		check_prefixes(fn, html, len);
		test_end();
		buf_free(&b);
		arena_free(&a);
		free(html);
		free(ents[i]);
	}
	free(ents);
}

static struct html_info *render(struct arena *a, const char *s, unsigned int *flags_r)
{
	return html_render(a, s, strlen(s), &limits, flags_r);
}

static double fact(const struct html_info *h, const char *key)
{
	int found;
	double v = html_fact(h, key, &found);
	return found ? v : -999;
}

static void test_entities(void)
{
	struct arena *a = arena_new(0);
	struct html_info *h;

	test_begin("entities");
	h = render(a, "a&amp;b &lt;&gt; &quot;&apos; &copy;&reg; &eacute;&Eacute; "
		      "&#65;&#x42;&#X43; &bogus; &#0; &#x110000; &amp", NULL);
	test_assert_str(html_visible_text(h, NULL),
			"a&b <> \"' \xc2\xa9\xc2\xae \xc3\xa9\xc3\x89 ABC &bogus; &#0; "
			"&#x110000; &");
	h = render(a, "x&nbsp;&nbsp;y", NULL);
	test_assert_str(html_visible_text(h, NULL), "x y");
	h = render(a, "<a href=\"http://x.example/?a=1&copy=2&amp;b=3\">t</a>", NULL);
	{
		const struct html_link *l;
		test_assert_int(html_links(h, &l), 1);
		test_assert_str(l[0].uri, "http://x.example/?a=1&copy=2&b=3");
	}
	test_end();
	arena_free(&a);
}

static void test_structure(void)
{
	struct arena *a = arena_new(0);
	struct html_info *h;
	const struct html_link *l;

	test_begin("blocks and whitespace");
	h = render(a, "<p>one  two</p><div>three<br>four</div><ul><li>a<li>b</ul>", NULL);
	test_assert_str(html_visible_text(h, NULL), "\n\none two\n\n\nthree\nfour\n a b");
	test_end();

	test_begin("script style comment hidden");
	h = render(a, "<style>p{color:red}</style><script>var x='<b>no</b>';</script>"
		      "A<!-- hidden -->B<!-- never closed", NULL);
	test_assert_str(html_visible_text(h, NULL), "AB");
	test_assert(fact(h, "tag_script") == 1);
	test_assert(fact(h, "inside_script") == 0);
	test_end();

	test_begin("tiny and invisible fonts");
	h = render(a, "seen<font size=1>tiny</font><font color=white>white</font>"
		      "<span style=\"display:none\">none</span>"
		      "<span style='color:#fefefe'>near</span>end", NULL);
	test_assert_str(html_visible_text(h, NULL), "seenend");
	test_assert_str(html_invisible_text(h, NULL), "tinywhitenonenear");
	test_assert(fact(h, "font_low_contrast") == 1);
	test_assert(fact(h, "min_size") == 1);
	test_end();

	test_begin("link text mismatch");
	h = render(a, "<a href='http://evil.example/'>www.paypal.com</a>", NULL);
	test_assert_int(html_links(h, &l), 1);
	test_assert_str(l[0].uri, "http://evil.example/");
	test_assert_str(l[0].anchor_text, "www.paypal.com");
	test_assert_int(l[0].source, MSG_URI_HREF);
	test_end();

	test_begin("base href");
	h = render(a, "<base href=\"http://base.example/dir/index.html\">"
		      "<a href=\"../up/x.html\">u</a><img src=\"img/a.gif\">"
		      "<a href=\"//other.example/p\">o</a><a href=\"?q=1\">q</a>", NULL);
	test_assert_int(html_links(h, &l), 5);
	test_assert_str(l[0].uri, "http://base.example/dir/index.html");
	test_assert_int(l[0].source, MSG_URI_OTHER);
	test_assert_str(l[1].uri, "http://base.example/up/x.html");
	test_assert_str(l[2].uri, "http://base.example/dir/img/a.gif");
	test_assert_int(l[2].source, MSG_URI_SRC);
	test_assert_str(l[3].uri, "http://other.example/p");
	test_assert_str(l[4].uri, "http://base.example/dir/?q=1");
	test_end();

	test_begin("depth limit");
	{
		struct buf b = BUF_INIT;
		unsigned int flags = 0;
		int i;
		for (i = 0; i < 100; i++)
			buf_append_str(&b, "<font size=4>");
		buf_append_str(&b, "deep");
		h = render(a, buf_cstr(&b), &flags);
		test_assert((flags & MSG_F_HTML_LIMIT) != 0);
		test_assert_str(html_visible_text(h, NULL), "deep");
		buf_free(&b);
	}
	test_end();

	test_begin("tag balance and ratios");
	h = render(a, "<html><body><center>x</center></center><foo>y</foo></body>", NULL);
	test_assert(fact(h, "inside_center") == 0);
	test_assert(fact(h, "inside_html") == 1);
	test_assert(fact(h, "tag_center") == 1);
	test_assert(fact(h, "inside_head") == -999);
	test_assert(fact(h, "tags") == 8);
	test_assert(fact(h, "closed_extra_ratio") == 1.0 / 8);
	test_assert(fact(h, "bad_tag_ratio") == 2.0 / 8);
	test_end();

	test_begin("obfuscation and backhair");
	h = render(a, "V<b></b>iagra c<i>ial</i>is", NULL);
	test_assert(fact(h, "obfuscation_ratio") > 0);
	test_assert(fact(h, "backhair_count") == 3);
	test_end();

	test_begin("image area and title");
	h = render(a, "<title>Hello  there</title><img src=a width=100 height=50>"
		      "<img src=b width=50% height=x>", NULL);
	test_assert(fact(h, "image_area") == 100 * 50 + 400 * 200);
	test_assert_str(html_title(h), "Hello  there");
	test_assert(fact(h, "title_index") == 0);
	test_end();

	test_begin("uri limit");
	{
		struct msg_limits small = limits;
		unsigned int flags = 0;
		small.max_uris = 2;
		h = html_render(a, "<a href=a1>1</a><a href=a2>2</a><a href=a3>3</a>", 48,
				&small, &flags);
		test_assert_int(html_links(h, &l), 2);
		test_assert((flags & MSG_F_URI_LIMIT) != 0);
	}
	test_end();

	/* The scanners skip and copy by byte class and tag id; these pin
	   what they must keep doing. */
	test_begin("whitespace runs, NBSP, curly quotes");
	h = render(a, "a   lot  of\t\n  space\xc2\xa0 \xc2\xa0x  abcdefghijklmnopqrstuvw"
		      "\xc2\xa0\xc2\xa0" "end <p title=\xe2\x80\x9cq\xe2\x80\x9d>q</p>"
		      "<a href=\"http://x.example/\xe2\x82\xac\xe2\x80\x9d>t</a>", NULL);
	test_assert_str(html_visible_text(h, NULL),
			"a lot of space   x abcdefghijklmnopqrstuvw  end\n\nq\n\nt");
	test_assert_int(html_links(h, &l), 1);
	test_assert_str(l[0].uri, "http://x.example/\xe2\x82\xac");
	test_end();

	test_begin("implied table ends and body colours");
	h = render(a, "<table><tr><td><font color=red>a<td>b<tr><td>c</table>"
		      "<body text=#ffffff bgcolor=#ffffff>d", NULL);
	test_assert_str(html_visible_text(h, NULL), " a b c");
	test_assert_str(html_invisible_text(h, NULL), "d");
	test_assert(fact(h, "inside_td") == 3);
	test_assert(fact(h, "inside_tr") == 2);
	test_end();

	test_begin("tag names past the distinct limit");
	{
		struct buf b = BUF_INIT;
		unsigned int flags = 0;
		int i;
		for (i = 0; i < 600; i++) {
			char t[16];
			snprintf(t, sizeof(t), "<t%d>", i);
			buf_append_str(&b, t);
		}
		buf_append_str(&b, "<script>x</script>y<br>z<style>p{}</style>");
		h = render(a, buf_cstr(&b), &flags);
		test_assert((flags & MSG_F_HTML_LIMIT) != 0);
		test_assert_str(html_visible_text(h, NULL), "y\nz");
		test_assert(fact(h, "tag_t0") == 1);
		test_assert(fact(h, "tag_t599") == -999);
		test_assert(fact(h, "tag_br") == -999);
		test_assert(fact(h, "tag_script") == 1);
		buf_free(&b);
	}
	test_end();
	arena_free(&a);
}

int main(void)
{
	set_limits();
	test_entities();
	test_structure();
	run_data_cases();
	return test_exit();
}
