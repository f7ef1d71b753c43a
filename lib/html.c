/*
 * html.c - HTML to text, links and structure facts, in one pass.
 *
 * A tolerant tokenizer (no DOM, no tree): start and end tags with
 * quoted or bare attributes, comments, <!DOCTYPE> and other
 * declarations, CDATA sections, processing instructions, character
 * references. Rendering follows what SpamAssassin's HTML.pm (on top of
 * Perl's HTML::Parser) produces, because stock rules were tuned on it:
 * block tags insert "\n", " " or "\n\n", whitespace runs collapse to one
 * space, script and style content is dropped, text in a tiny font,
 * hidden by CSS or coloured like its background goes to the invisible
 * text instead of the visible one. Title text is rendered too (SA does).
 *
 * Facts (html_fact keys; SA's result names and units):
 *   html               1 for every rendered document
 *   length             characters of HTML input
 *   html_length        characters of rendered text (visible + invisible)
 *   non_space_len      html_length minus whitespace characters
 *   ratio              (length - html_length) / length
 *   image_area         sum of <img width*height> (pixels; % of 800x600,
 *                      200 for a missing or bad dimension)
 *   min_size, max_size smallest/largest <font size> seen (basefont 3)
 *   tags, elements     start+end tags seen; those that are HTML 4 elements
 *   closed_extra_ratio end tags without a start / tags
 *   bad_tag_ratio      (tags - elements) / tags
 *   non_element_ratio  like bad_tag_ratio, first sighting of each name only
 *   obfuscation_ratio  text runs glued to the previous word / tags
 *   backhair_count     distinct split-word shapes ("V<b></b>iagra")
 *   title_index        number of <title> elements - 1 (-1 if none)
 *   font_low_contrast  1: text coloured (near) like its background
 *   font_invalid_color 1: text with an unparsable colour
 *   font_face_bad      1: <font face> not a plausible font list
 *   form_action_mailto 1: <form action="mailto:...">
 *   embeds             1: <object> or <embed>
 *   uri_truncated      1: an URI over 8192 bytes was cut
 *   tag_<name>         start tags of that name
 *   inside_<name>      open minus closed (never below 0); set when the
 *                      name was seen at all (html_tag_exists/_balance)
 *   invisible_len      bytes of invisible text (Winnow's own)
 *
 * Limits: text output and each text array at msg_limits.max_text bytes,
 * style nesting at max_html_depth, links at max_uris, distinct tag
 * names at HTML_MAX_TAG_NAMES; hits set MSG_F_HTML_LIMIT (links:
 * MSG_F_URI_LIMIT). Memory: the caller's arena; buffers grow by
 * doubling, nothing is allocated per character.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/html.h"
#include "lib/limits.h"

#define HTML_MAX_TAG_NAMES 512
#define HTML_TAG_NAME_MAX 64
#define HTML_MAX_ATTRS 64
#define HTML_URI_MAX 8192
#define HTML_ANCHOR_MAX 4096

/* Element classes (SA's %elements, %tricks and the tables after them). */
#define EL_ELEM 0x01   /* HTML 4.01 / XHTML 1.0 element */
#define EL_TRICK 0x02  /* rendered but not counted valid */
#define EL_STYLE 0x04  /* changes text style */
#define EL_WS 0x08     /* inserts whitespace */
#define EL_URI 0x10    /* may carry an URI */

#define COLOR_INVALID (-1)
#define COLOR_TRANSPARENT (-2)
#define COLOR_EMPTY (-3)

struct tbuf {
	char *p;
	size_t len, cap;
};

struct known_tag {
	const char *name;
	unsigned int flags;
};

static const struct known_tag known_tags[] = {
	{ "a", EL_ELEM | EL_STYLE | EL_URI }, { "abbr", EL_ELEM },
	{ "acronym", EL_ELEM }, { "address", EL_ELEM }, { "applet", EL_ELEM },
	{ "area", EL_ELEM | EL_URI }, { "b", EL_ELEM },
	{ "base", EL_ELEM | EL_URI }, { "basefont", EL_ELEM | EL_STYLE },
	{ "bdo", EL_ELEM }, { "bgsound", EL_TRICK | EL_URI },
	{ "big", EL_ELEM | EL_STYLE }, { "blockquote", EL_ELEM | EL_WS },
	{ "body", EL_ELEM | EL_STYLE | EL_URI }, { "br", EL_ELEM | EL_WS },
	{ "button", EL_ELEM }, { "caption", EL_ELEM }, { "center", EL_ELEM },
	{ "cite", EL_ELEM }, { "code", EL_ELEM }, { "col", EL_ELEM },
	{ "colgroup", EL_ELEM }, { "dd", EL_ELEM | EL_WS }, { "del", EL_ELEM },
	{ "dfn", EL_ELEM }, { "dir", EL_ELEM },
	{ "div", EL_ELEM | EL_STYLE | EL_WS }, { "dl", EL_ELEM },
	{ "dt", EL_ELEM | EL_WS }, { "em", EL_ELEM },
	{ "embed", EL_TRICK | EL_WS | EL_URI }, { "fieldset", EL_ELEM },
	{ "font", EL_ELEM | EL_STYLE }, { "form", EL_ELEM | EL_URI },
	{ "frame", EL_ELEM | EL_URI }, { "frameset", EL_ELEM },
	{ "h1", EL_ELEM | EL_WS }, { "h2", EL_ELEM | EL_WS },
	{ "h3", EL_ELEM | EL_WS }, { "h4", EL_ELEM | EL_WS },
	{ "h5", EL_ELEM | EL_WS }, { "h6", EL_ELEM | EL_WS },
	{ "head", EL_ELEM }, { "hr", EL_ELEM | EL_WS }, { "html", EL_ELEM },
	{ "i", EL_ELEM }, { "iframe", EL_ELEM | EL_URI },
	{ "img", EL_ELEM | EL_URI }, { "input", EL_ELEM }, { "ins", EL_ELEM },
	{ "isindex", EL_ELEM }, { "kbd", EL_ELEM }, { "label", EL_ELEM },
	{ "legend", EL_ELEM }, { "li", EL_ELEM | EL_WS },
	{ "link", EL_ELEM | EL_URI }, { "listing", EL_TRICK | EL_WS },
	{ "map", EL_ELEM }, { "menu", EL_ELEM }, { "meta", EL_ELEM | EL_URI },
	{ "nobr", EL_ELEM }, { "noframes", EL_ELEM }, { "noscript", EL_ELEM },
	{ "object", EL_ELEM }, { "ol", EL_ELEM }, { "optgroup", EL_ELEM },
	{ "option", EL_ELEM }, { "p", EL_ELEM | EL_STYLE | EL_WS },
	{ "param", EL_ELEM }, { "plaintext", EL_TRICK | EL_WS },
	{ "pre", EL_ELEM | EL_WS }, { "q", EL_ELEM }, { "s", EL_ELEM },
	{ "samp", EL_ELEM }, { "script", EL_ELEM | EL_URI },
	{ "select", EL_ELEM }, { "small", EL_ELEM | EL_STYLE },
	{ "span", EL_ELEM | EL_STYLE }, { "strike", EL_ELEM },
	{ "strong", EL_ELEM }, { "style", EL_ELEM }, { "sub", EL_ELEM },
	{ "sup", EL_ELEM }, { "table", EL_ELEM | EL_STYLE | EL_URI },
	{ "tbody", EL_ELEM }, { "td", EL_ELEM | EL_STYLE | EL_WS | EL_URI },
	{ "textarea", EL_ELEM }, { "tfoot", EL_ELEM },
	{ "th", EL_ELEM | EL_STYLE | EL_WS }, { "thead", EL_ELEM },
	{ "title", EL_ELEM | EL_WS }, { "tr", EL_ELEM | EL_STYLE | EL_URI },
	{ "tt", EL_ELEM }, { "u", EL_ELEM }, { "ul", EL_ELEM },
	{ "var", EL_ELEM }, { "x-sigsep", EL_ELEM }, { "x-tab", EL_ELEM },
	{ "xmp", EL_TRICK | EL_WS },
};

/* Tags the renderer treats specially, looked up once per distinct name
   so that per-tag decisions compare numbers, not strings. */
enum tag_id {
	TAG_OTHER,
	TAG_DEFAULT, /* bottom of the style stack */
	TAG_A, TAG_AREA, TAG_BASE, TAG_BASEFONT, TAG_BGSOUND, TAG_BIG,
	TAG_BODY, TAG_BR, TAG_DD, TAG_DIV, TAG_DT, TAG_EMBED, TAG_FONT,
	TAG_FORM, TAG_FRAME, TAG_HN, TAG_IFRAME, TAG_IMG, TAG_LI, TAG_LINK,
	TAG_META, TAG_OBJECT, TAG_P, TAG_PLAINTEXT, TAG_SCRIPT, TAG_SMALL,
	TAG_SPAN, TAG_STYLE, TAG_TABLE, TAG_TD, TAG_TH, TAG_TITLE, TAG_TR,
	TAG_XMP,
};

struct tag_name_id {
	const char *name;
	enum tag_id id;
};

/* sorted by name, for bsearch */
static const struct tag_name_id tag_ids[] = {
	{ "a", TAG_A }, { "area", TAG_AREA }, { "base", TAG_BASE },
	{ "basefont", TAG_BASEFONT }, { "bgsound", TAG_BGSOUND },
	{ "big", TAG_BIG }, { "body", TAG_BODY }, { "br", TAG_BR },
	{ "dd", TAG_DD }, { "div", TAG_DIV }, { "dt", TAG_DT },
	{ "embed", TAG_EMBED }, { "font", TAG_FONT }, { "form", TAG_FORM },
	{ "frame", TAG_FRAME }, { "h1", TAG_HN }, { "h2", TAG_HN },
	{ "h3", TAG_HN }, { "h4", TAG_HN }, { "h5", TAG_HN }, { "h6", TAG_HN },
	{ "iframe", TAG_IFRAME }, { "img", TAG_IMG }, { "li", TAG_LI },
	{ "link", TAG_LINK }, { "meta", TAG_META }, { "object", TAG_OBJECT },
	{ "p", TAG_P }, { "plaintext", TAG_PLAINTEXT }, { "script", TAG_SCRIPT },
	{ "small", TAG_SMALL }, { "span", TAG_SPAN }, { "style", TAG_STYLE },
	{ "table", TAG_TABLE }, { "td", TAG_TD }, { "th", TAG_TH },
	{ "title", TAG_TITLE }, { "tr", TAG_TR }, { "xmp", TAG_XMP },
};

struct tagstat {
	const char *name;
	unsigned int hash;
	const struct known_tag *known;
	enum tag_id id;
	unsigned int starts;
	long inside;
	int seen; /* the tag occurred (slots for script, style, a, title
		     are taken up front) */
};

struct style {
	enum tag_id tag; /* a style element, or TAG_DEFAULT */
	int fg, bg;
	int size;
	unsigned int display_none : 1;
	unsigned int hidden : 1;
};

struct attr {
	const char *name;  /* lowercased, NUL-terminated (scratch) */
	const char *value; /* decoded, NUL-terminated (scratch); "" if bare */
};

struct anchor {
	struct tbuf raw;  /* SA's anchor text ("<img>\n" for images) */
	struct tbuf text; /* plain text for html_link.anchor_text */
	long link;        /* index in links, -1 if the <a> had no href */
};

struct fact {
	const char *key;
	double value;
};

struct html_info {
	struct arena *a;
	const struct msg_limits *lim;
	size_t max_text, max_depth, max_links;
	unsigned int flags;

	struct tbuf rendered, visible, invisible;
	/* the last display element (SA's $self->{text}->[-1]) */
	int last_exists, last_ws, last_invisible;
	size_t last_run;     /* word characters ending it (capped at 8) */
	int last_word_end;   /* it ends with a word character */

	struct tbuf scratch; /* decoded text of the current event */
	struct tbuf abuf;    /* decoded attribute names and values */
	struct tbuf cbuf;    /* collapsed text of the current event */

	/* Open addressing over 2*HTML_MAX_TAG_NAMES slots holding 1 + an
	   index into tag_stats (0: free). Only the small index table is
	   zeroed per document; facts come out in slot order. */
	uint16_t *tag_index;
	struct tagstat *tag_stats; /* HTML_MAX_TAG_NAMES, filled in order */
	size_t ntags_distinct;
	struct tagstat *ts_script, *ts_style, *ts_a, *ts_title;

	struct style *stack;
	size_t depth;
	int basefont;

	struct arena_vec links;   /* struct html_link */
	struct arena_vec anchors; /* struct anchor */
	struct arena_vec comments, titles, scripts; /* struct tbuf */
	struct tbuf charsets;
	char *base_href;
	int in_title;

	/* counters for the facts */
	double length, image_area;
	long tags, elements, tags_seen, elements_seen, closed_extra;
	long obfuscation, title_index;
	int max_size, min_size;
	uint64_t backhair; /* bit (a-1)*8+(b-1) for shape a_b, 1..7 each */
	int font_low_contrast, font_invalid_color, font_face_bad;
	int form_action_mailto, embeds, uri_truncated;

	/* results */
	struct fact *facts;
	const char **fact_keys;
	double *fact_values;
	size_t nfacts;
	const char **text_arrays[4];
	size_t text_counts[4];
	const struct html_link *links_v;
	size_t nlinks;
};

/* ---- small buffers ------------------------------------------------ */

static void tb_reserve(struct arena *a, struct tbuf *b, size_t n)
{
	size_t need, cap;

	if (size_add(b->len, n + 1, &need) < 0)
		wn_panic("html: size overflow");
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->p = arena_realloc(a, b->p, b->cap, cap);
	b->cap = cap;
}

/* Appends at most what keeps b under max bytes; returns 0 if cut. */
static int tb_add(struct arena *a, struct tbuf *b, const char *s, size_t n,
		  size_t max)
{
	int ok = 1;

	if (b->len >= max)
		return n == 0;
	if (n > max - b->len) {
		n = max - b->len;
		ok = 0;
	}
	tb_reserve(a, b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return ok;
}

static const char *tb_str(const struct tbuf *b)
{
	return b->p ? b->p : "";
}

static void add_limited(struct html_info *h, struct tbuf *b, const char *s,
			size_t n)
{
	if (!tb_add(h->a, b, s, n, h->max_text))
		h->flags |= MSG_F_HTML_LIMIT;
}

/* ---- characters --------------------------------------------------- */

/* Byte classes for the tag scanner: what ends a tag name, an attribute
   name, a bare attribute value. */
#define CC_SPACE 0x01
#define CC_NAME_END 0x02 /* space, '/', '>' */
#define CC_ATTR_END 0x04 /* space, '=', '>' */
#define CC_VALUE_END 0x08 /* space, '>' */
#define CC_WS (CC_SPACE | CC_NAME_END | CC_ATTR_END | CC_VALUE_END)

static const unsigned char byte_class[256] = {
	['\t'] = CC_WS, ['\n'] = CC_WS, ['\v'] = CC_WS, ['\f'] = CC_WS,
	['\r'] = CC_WS, [' '] = CC_WS, ['/'] = CC_NAME_END, ['='] = CC_ATTR_END,
	['>'] = CC_NAME_END | CC_ATTR_END | CC_VALUE_END,
};

static int byte_is(char c, unsigned int cls)
{
	return (byte_class[(unsigned char)c] & cls) != 0;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* SA's "word" class for obfuscation: not whitespace, not ASCII
   punctuation (non-ASCII counts as word). */
static int is_wordish(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

static size_t utf8_encode(unsigned int cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

#define BYTES8(b) ((uint64_t)(b) * 0x0101010101010101u)

/* Characters (not bytes) of UTF-8 text; ASCII eight bytes at a time. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		uint64_t x;
		if (n - i >= 8) {
			memcpy(&x, s + i, 8);
			if ((x & BYTES8(0x80)) == 0) {
				count += 8; /* ASCII */
				i += 8;
				continue;
			}
		}
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
		i++;
	}
	return count;
}

/* Length of a double quote at p: '"' or the curly quotes SA turns into
   one (U+201C, U+201D). */
static size_t dquote_len(const char *p, const char *end)
{
	if (p < end && *p == '"')
		return 1;
	if (end - p >= 3 && (unsigned char)p[0] == 0xe2 &&
	    (unsigned char)p[1] == 0x80 &&
	    ((unsigned char)p[2] == 0x9c || (unsigned char)p[2] == 0x9d))
		return 3;
	return 0;
}

/* Decodes one character reference at p ('&'). Writes UTF-8 to out and
   returns bytes consumed, or 0 when p does not start a valid one (then
   the '&' stays literal). "&nbsp;" becomes a plain space, as SA
   rewrites it before parsing. In attributes a reference without ';'
   followed by '=' or an alphanumeric is left alone, as browsers do for
   query strings ("?a=1&copy=2"). */
static size_t entity_decode(const char *p, const char *end, int in_attr,
			    char out[8], size_t *out_len_r)
{
	const char *q = p + 1;
	unsigned int cp = 0;
	char name[33];
	size_t n = 0, best = 0, i;

	if (q < end && *q == '#') {
		int hex = 0, digits = 0;
		q++;
		if (q < end && (*q == 'x' || *q == 'X')) {
			hex = 1;
			q++;
		}
		while (q < end && (hex ? (is_digit((unsigned char)*q) ||
					  (lower((unsigned char)*q) >= 'a' &&
					   lower((unsigned char)*q) <= 'f'))
				       : is_digit((unsigned char)*q))) {
			unsigned int d = is_digit((unsigned char)*q)
						 ? (unsigned int)(*q - '0')
						 : (unsigned int)(lower((unsigned char)*q) - 'a' + 10);
			if (cp <= 0x10ffff)
				cp = cp * (hex ? 16 : 10) + d;
			digits++;
			q++;
		}
		if (digits == 0 || cp == 0 || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (q < end && *q == ';')
			q++;
		*out_len_r = utf8_encode(cp, out);
		return (size_t)(q - p);
	}
	while (q + n < end && n < sizeof(name) - 1 && is_alnum((unsigned char)q[n])) {
		name[n] = q[n];
		n++;
	}
	if (n == 0)
		return 0;
	/* exact name with ';' first */
	name[n] = '\0';
	if (q + n < end && q[n] == ';' && html_entity_lookup(name, &cp) == 0) {
		best = n + 1;
	} else {
		/* longest known prefix without ';' (legacy "&copy2004") */
		for (i = n; i > 0; i--) {
			name[i] = '\0';
			if (html_entity_lookup(name, &cp) == 0)
				break;
		}
		if (i == 0)
			return 0;
		if (in_attr && q + i < end && (q[i] == '=' || is_alnum((unsigned char)q[i])))
			return 0;
		best = i;
		name[i] = '\0';
	}
	if (strcmp(name, "nbsp") == 0 && best == n + 1)
		cp = ' ';
	*out_len_r = utf8_encode(cp, out);
	return 1 + best;
}

/* Appends s[0..n) to b with references decoded. */
static void decode_into(struct html_info *h, struct tbuf *b, const char *s,
			size_t n, int in_attr, size_t max)
{
	const char *p = s, *end = s + n, *run = s;
	char out[8];
	size_t used, olen;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			break;
		used = entity_decode(amp, end, in_attr, out, &olen);
		if (used == 0) {
			p = amp + 1;
			continue;
		}
		if (!tb_add(h->a, b, run, (size_t)(amp - run), max) ||
		    !tb_add(h->a, b, out, olen, max))
			h->flags |= MSG_F_HTML_LIMIT;
		p = run = amp + used;
	}
	if (!tb_add(h->a, b, run, (size_t)(end - run), max))
		h->flags |= MSG_F_HTML_LIMIT;
}

/* ---- tag statistics ----------------------------------------------- */

static int known_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct known_tag *)elem)->name);
}

static const struct known_tag *known_lookup(const char *name)
{
	return bsearch(name, known_tags, N_ELEMENTS(known_tags),
		       sizeof(known_tags[0]), known_cmp);
}

static unsigned int name_hash(const char *s)
{
	unsigned int hv = 2166136261u;

	while (*s)
		hv = (hv ^ (unsigned char)*s++) * 16777619u;
	return hv;
}

static int tag_id_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tag_name_id *)elem)->name);
}

static enum tag_id tag_id_lookup(const char *name)
{
	const struct tag_name_id *t;

	t = bsearch(name, tag_ids, N_ELEMENTS(tag_ids), sizeof(tag_ids[0]),
		    tag_id_cmp);
	return t ? t->id : TAG_OTHER;
}

/* strcmp() == 0 for the short names here, without a library call. */
static int str_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The index slot where name is, or the free one where it would go. */
static size_t tag_probe(const struct html_info *h, const char *name,
			unsigned int hv)
{
	size_t mask = 2 * HTML_MAX_TAG_NAMES - 1;
	size_t i = hv & mask;

	while (h->tag_index[i] != 0) {
		const struct tagstat *t = &h->tag_stats[h->tag_index[i] - 1];
		if (t->hash == hv && str_eq(t->name, name))
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* The stats slot for a tag name, created on first sight; NULL when the
   table is full (the tag still counts in the totals). */
static struct tagstat *tag_slot(struct html_info *h, const char *name)
{
	unsigned int hv = name_hash(name);
	size_t i = tag_probe(h, name, hv);
	struct tagstat *t;

	if (h->tag_index[i] != 0)
		return &h->tag_stats[h->tag_index[i] - 1];
	if (h->ntags_distinct >= HTML_MAX_TAG_NAMES) {
		h->flags |= MSG_F_HTML_LIMIT;
		return NULL;
	}
	t = &h->tag_stats[h->ntags_distinct++];
	h->tag_index[i] = (uint16_t)h->ntags_distinct;
	t->name = arena_strdup(h->a, name);
	t->hash = hv;
	t->known = known_lookup(name);
	t->id = tag_id_lookup(name);
	t->starts = 0;
	t->inside = 0;
	t->seen = 0;
	return t;
}

/* ---- display ------------------------------------------------------ */

enum disp { DISP_WS, DISP_VISIBLE, DISP_INVISIBLE };

static void note_last(struct html_info *h, const char *s, size_t n, int ws,
		      int invisible)
{
	size_t run = 0, i = n;

	h->last_exists = 1;
	h->last_ws = ws;
	h->last_invisible = invisible;
	while (i > 0 && is_wordish((unsigned char)s[i - 1]) && run < 8) {
		if (((unsigned char)s[i - 1] & 0xc0) != 0x80)
			run++;
		i--;
	}
	/* a run longer than 7 has no word boundary 1..7 back */
	if (i > 0 && is_wordish((unsigned char)s[i - 1]))
		run = 8;
	h->last_run = run;
	h->last_word_end = n > 0 && is_wordish((unsigned char)s[n - 1]);
}

/* Whitespace runs of s[0..n) to one space, NBSP to a space of its own
   (not merged), into o. Branch-free per ASCII byte, for the same reason
   as count_spaces. */
static void collapse_ws(struct html_info *h, struct tbuf *o, const char *s,
			size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;
	int prev = 0; /* the last byte written closed a whitespace run */
	char *w;

	o->len = 0;
	tb_reserve(h->a, o, n);
	w = o->p;
	for (i = 0; i < n; i++) {
		unsigned char c = u[i];
		int sp;
		if (c == 0xc2 && i + 1 < n && u[i + 1] == 0xa0) {
			*w++ = ' ';
			i++;
			prev = 0;
			continue;
		}
		sp = c == ' ' || (unsigned char)(c - '\t') < 5;
		*w = sp ? ' ' : (char)c;
		w += !(sp & prev);
		prev = sp;
	}
	*w = '\0';
	o->len = (size_t)(w - o->p);
}

/* SA's display_text: whitespace elements trim one trailing space of a
   visible text element before them; text elements collapse whitespace
   and lose a leading space after a whitespace element. */
static void display(struct html_info *h, const char *s, size_t n, enum disp kind)
{
	if (kind == DISP_WS) {
		if (h->last_exists && !h->last_ws && !h->last_invisible) {
			if (h->rendered.len > 0 && h->rendered.p[h->rendered.len - 1] == ' ')
				h->rendered.p[--h->rendered.len] = '\0';
			if (h->visible.len > 0 && h->visible.p[h->visible.len - 1] == ' ')
				h->visible.p[--h->visible.len] = '\0';
		}
		add_limited(h, &h->rendered, s, n);
		add_limited(h, &h->visible, s, n);
		note_last(h, s, n, 1, 0);
		return;
	}

	struct tbuf *o = &h->cbuf;
	size_t start;

	collapse_ws(h, o, s, n);
	start = 0;
	if (kind == DISP_VISIBLE && h->last_exists && h->last_ws && o->len > 0 &&
	    o->p[0] == ' ')
		start = 1;
	add_limited(h, &h->rendered, o->p + start, o->len - start);
	add_limited(h, kind == DISP_VISIBLE ? &h->visible : &h->invisible,
		    o->p + start, o->len - start);
	note_last(h, o->p + start, o->len - start, 0, kind == DISP_INVISIBLE);
}

/* ---- colours and styles ------------------------------------------- */

static int hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses up to three decimal numbers of "rgb(a, b, c)" (SA's loose
   forms); returns how many. */
static int rgb_numbers(const char *s, int pct, long v[3])
{
	int k = 0;

	while (*s && *s != '(')
		s++;
	if (*s != '(')
		return 0;
	s++;
	while (k < 3) {
		long x = 0;
		if (!is_digit((unsigned char)*s))
			return k;
		while (is_digit((unsigned char)*s)) {
			if (x < 100000)
				x = x * 10 + (*s - '0');
			s++;
		}
		if (pct) {
			if (*s != '%')
				return k;
			s++;
		}
		v[k++] = x;
		while (*s == ' ')
			s++;
		if (k < 3) {
			if (*s != ',')
				return k;
			s++;
			while (is_space((unsigned char)*s))
				s++;
		}
	}
	return *s == ')' ? 3 : k;
}

/* SA's name_to_rgb: named colours, #hex (3 or 6 digits, loosely), and
   rgb(); anything else is COLOR_INVALID. */
static int color_parse(const char *in, size_t n)
{
	char buf[64], hexs[80];
	size_t i, j, len;
	unsigned int rgb;
	long v[3];

	while (n > 0 && is_space((unsigned char)*in)) {
		in++;
		n--;
	}
	while (n > 0 && is_space((unsigned char)in[n - 1]))
		n--;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (i = 0; i < n; i++)
		buf[i] = (char)lower((unsigned char)in[i]);
	buf[n] = '\0';
	if (html_color_lookup(buf, &rgb) == 0)
		return (int)rgb;

	int allhex = 1;
	for (i = 0; i < n; i++) {
		if (buf[i] != '#' && hexval((unsigned char)buf[i]) < 0)
			allhex = 0;
	}
	if (!allhex && strstr(buf, "rgb(") == NULL)
		return COLOR_INVALID;
	if (rgb_numbers(buf, 1, v) == 3) {
		snprintf(buf, sizeof(buf), "#%02lx%02lx%02lx", v[0] * 255 / 100,
			 v[1] * 255 / 100, v[2] * 255 / 100);
	} else if (rgb_numbers(buf, 0, v) == 3) {
		snprintf(buf, sizeof(buf), "#%02lx%02lx%02lx", v[0], v[1], v[2]);
	}
	if (buf[0] != '#')
		return COLOR_INVALID;
	for (i = 0, j = 0; buf[i]; i++) {
		if (hexval((unsigned char)buf[i]) >= 0 && j < 70)
			hexs[j++] = buf[i];
	}
	len = j;
	if (len > 6)
		len = 6;
	if (len > 3 && len < 6)
		len = 3;
	while (len % 3)
		hexs[len++] = '0';
	if (len == 0)
		return COLOR_EMPTY;
	if (len == 3) {
		hexs[5] = hexs[2];
		hexs[4] = hexs[2];
		hexs[3] = hexs[1];
		hexs[2] = hexs[1];
		hexs[1] = hexs[0];
	}
	rgb = 0;
	for (i = 0; i < 6; i++)
		rgb = rgb * 16 + (unsigned int)hexval((unsigned char)hexs[i]);
	return (int)rgb;
}

/* Colour of a CSS "rgb(...)" value the way SA's style branch reads it:
   digits and commas only, each clamped to 255. */
static int color_css_rgb(const char *s)
{
	long v[3] = { 0, 0, 0 };
	int k = 0;

	for (; *s && k < 3; s++) {
		if (is_digit((unsigned char)*s)) {
			if (v[k] < 100000)
				v[k] = v[k] * 10 + (*s - '0');
		} else if (*s == ',') {
			k++;
		}
	}
	for (k = 0; k < 3; k++) {
		if (v[k] > 255)
			v[k] = 255;
	}
	return (int)((v[0] << 16) | (v[1] << 8) | v[2]);
}

/* Last layer of a CSS background value: the first token that is a
   colour. */
static int css_background_color(const char *v, int fallback)
{
	const char *layer = v, *p;
	int depth = 0;
	char quote = 0;

	for (p = v; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if (*p == ',' && depth == 0) {
			layer = p + 1;
		}
	}
	p = layer;
	while (*p) {
		const char *t;
		while (*p == ' ')
			p++;
		t = p;
		depth = 0;
		quote = 0;
		while (*p && (quote || depth || *p != ' ')) {
			if (quote) {
				if (*p == quote)
					quote = 0;
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
			} else if (*p == '(') {
				depth++;
			} else if (*p == ')' && depth > 0) {
				depth--;
			}
			p++;
		}
		if (p > t) {
			int c = color_parse(t, (size_t)(p - t));
			if (c != COLOR_INVALID)
				return c;
		}
	}
	return fallback;
}

static void lowercase_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = (char)lower((unsigned char)s[i]);
	dst[n] = '\0';
}

/* One "name: value" declaration of a style attribute. */
static void style_decl(struct style *st, const struct style *parent,
		       const char *d, size_t n)
{
	const char *colon, *val;
	size_t vn, namelen;
	char name[32], value[256];
	int bgc = 0;

	while (n > 0 && is_space((unsigned char)*d)) {
		d++;
		n--;
	}
	while (n > 0 && is_space((unsigned char)d[n - 1]))
		n--;
	colon = memchr(d, ':', n);
	if (colon == NULL)
		return;
	namelen = (size_t)(colon - d);
	val = colon + 1;
	vn = n - namelen - 1;
	while (vn > 0 && is_space((unsigned char)*val)) {
		val++;
		vn--;
	}
	lowercase_copy(name, sizeof(name), d, namelen);
	lowercase_copy(value, sizeof(value), val, vn);
	if (strcmp(name, "color") == 0 || (bgc = strcmp(name, "background-color") == 0)) {
		int *slot = bgc ? &st->bg : &st->fg;
		char *imp;
		if (vn == 0)
			return;
		imp = strchr(value, '!');
		if (imp != NULL && strstr(imp, "important") != NULL) {
			*imp = '\0';
			while (imp > value && is_space((unsigned char)imp[-1]))
				*--imp = '\0';
		}
		if (strstr(value, "rgb") != NULL)
			*slot = color_css_rgb(value);
		else if (strcmp(value, "inherit") == 0)
			;
		else if (strcmp(value, "transparent") == 0)
			*slot = COLOR_TRANSPARENT;
		else
			*slot = color_parse(value, strlen(value));
	} else if (namelen == 10 && memcmp(d, "background", 10) == 0) {
		/* SA matches this one case-sensitively */
		st->bg = css_background_color(value, st->bg);
	} else if (namelen == 7 && memcmp(d, "display", 7) == 0) {
		st->display_none = strcmp(value, "none") == 0;
	} else if (namelen == 10 && memcmp(d, "visibility", 10) == 0) {
		st->hidden = strcmp(value, "hidden") == 0;
	}
	(void)parent;
}

static void style_attr(struct style *st, const struct style *parent, const char *v)
{
	const char *semi;

	while (*v) {
		semi = strchr(v, ';');
		size_t n = semi ? (size_t)(semi - v) : strlen(v);
		style_decl(st, parent, v, n);
		v += n;
		if (*v == ';')
			v++;
	}
	if (st->bg == COLOR_TRANSPARENT)
		st->bg = parent->bg;
	if (st->fg == COLOR_TRANSPARENT)
		st->fg = st->bg;
}

/* The presentational attributes SA reads on each style element. */
static int attr_ok(enum tag_id tag, const char *name)
{
	static const char *const font[] = { "color", "face", "size", NULL };
	static const char *const body[] = { "text", "bgcolor", "link", "alink",
					    "vlink", "background", NULL };
	static const char *const table[] = { "bgcolor", "style", NULL };
	static const char *const other[] = { "style", NULL };
	const char *const *ok;

	switch (tag) {
	case TAG_BASEFONT:
	case TAG_FONT:
		ok = font;
		break;
	case TAG_BODY:
		ok = body;
		break;
	case TAG_TABLE:
	case TAG_TD:
	case TAG_TR:
		ok = table;
		break;
	case TAG_SPAN:
	case TAG_P:
	case TAG_DIV:
	case TAG_A:
		ok = other;
		break;
	default:
		return 0;
	}
	for (; *ok != NULL; ok++) {
		if ((*ok)[0] == name[0] && strcmp(*ok, name) == 0)
			return 1;
	}
	return 0;
}

static const struct attr *attr_get(const struct attr *v, size_t n, const char *name)
{
	size_t i;

	/* the first byte first: most attributes differ there */
	for (i = 0; i < n; i++) {
		if (v[i].name[0] == name[0] && strcmp(v[i].name, name) == 0)
			return &v[i];
	}
	return NULL;
}

static int stack_has(const struct html_info *h, enum tag_id tag)
{
	size_t i;

	for (i = 0; i < h->depth; i++) {
		if (h->stack[i].tag == tag)
			return 1;
	}
	return 0;
}

/* Optional end tags: a new <td> closes an open td (and fonts in it),
   a new <tr> closes td and tr. */
static void close_table_tag(struct html_info *h, enum tag_id tag)
{
	if (!stack_has(h, tag))
		return;
	while (h->depth > 1) {
		enum tag_id top = h->stack[h->depth - 1].tag;
		if (top == TAG_FONT || top == TAG_TD || (tag == TAG_TR && top == TAG_TR))
			h->depth--;
		else
			break;
	}
}

static void close_tag(struct html_info *h, enum tag_id tag)
{
	if (!stack_has(h, tag))
		return;
	while (h->depth > 1) {
		if (h->stack[--h->depth].tag == tag)
			break;
	}
}

static void note_size(struct html_info *h, int size)
{
	if (size > h->max_size)
		h->max_size = size;
	else if (size < h->min_size)
		h->min_size = size;
}

static int parse_int_prefix(const char *s, int *v_r, int *sign_r)
{
	long v = 0;
	int sign = 0;

	while (is_space((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		s++;
	}
	if (!is_digit((unsigned char)*s))
		return -1;
	while (is_digit((unsigned char)*s)) {
		if (v < 1000000)
			v = v * 10 + (*s - '0');
		s++;
	}
	*v_r = (int)v;
	*sign_r = sign;
	return 0;
}

/* Sizes are noted even past the depth limit; only the push is dropped. */
static void style_push(struct html_info *h, const struct style *st)
{
	if (h->depth >= h->max_depth) {
		h->flags |= MSG_F_HTML_LIMIT;
		return;
	}
	h->stack[h->depth++] = *st;
}

/* SA's text_style for a start tag of a known style element. */
static void style_open(struct html_info *h, enum tag_id id,
		       const struct attr *av, size_t na)
{
	enum tag_id tag = id == TAG_TH ? TAG_TD : id;
	const struct attr *at;
	struct style st;
	size_t i;
	int v, sign;

	if (tag == TAG_BASEFONT && (at = attr_get(av, na, "size")) != NULL &&
	    parse_int_prefix(at->value, &v, &sign) == 0 && sign == 0) {
		h->basefont = v;
		return;
	}
	if (tag == TAG_TD || tag == TAG_TR)
		close_table_tag(h, tag);
	st = h->stack[h->depth - 1];
	st.tag = tag;
	if (tag == TAG_BIG || tag == TAG_SMALL) {
		st.size += tag == TAG_BIG ? 1 : -1;
		style_push(h, &st);
		return;
	}
	for (i = 0; i < na; i++) {
		const char *name = av[i].name, *val = av[i].value;
		if (!attr_ok(tag, name))
			continue;
		if (strcmp(name, "text") == 0 || strcmp(name, "color") == 0) {
			st.fg = color_parse(val, strlen(val));
		} else if (strcmp(name, "size") == 0) {
			if (parse_int_prefix(val, &v, &sign) == 0)
				st.size = sign ? h->basefont + sign * v : v;
		} else if (strcmp(name, "style") == 0) {
			style_attr(&st, &h->stack[h->depth - 1], val);
		}
		/* SA converts bgcolor= but never applies it to the style;
		   kept that way so font_low_contrast agrees with SA. */
		note_size(h, st.size);
	}
	style_push(h, &st);
}

/* SA's html_font_invisible for the current style. */
static int font_invisible(struct html_info *h)
{
	const struct style *st = &h->stack[h->depth - 1];

	if (st->fg == st->bg) {
		h->font_low_contrast = 1;
		return 1;
	}
	if (st->fg >= 0 && st->bg >= 0) {
		double r = ((st->fg >> 16) & 0xff) - ((st->bg >> 16) & 0xff);
		double g = ((st->fg >> 8) & 0xff) - ((st->bg >> 8) & 0xff);
		double b = (st->fg & 0xff) - (st->bg & 0xff);
		double d2 = (0.2126 * r) * (0.2126 * r) + (0.7152 * g) * (0.7152 * g) +
			    (0.0722 * b) * (0.0722 * b);
		if (d2 < 144.0) {
			h->font_low_contrast = 1;
			return 1;
		}
	}
	if (st->fg == COLOR_INVALID || st->bg == COLOR_INVALID) {
		h->font_invalid_color = 1;
		return 1;
	}
	if (st->size <= 1)
		return 1;
	return st->display_none || st->hidden;
}

/* ---- links -------------------------------------------------------- */

struct uri_comp {
	const char *p[5]; /* scheme, authority, path, query, fragment */
	size_t n[5];
	int def[5];
};

enum { UC_SCHEME, UC_AUTH, UC_PATH, UC_QUERY, UC_FRAG };

/* RFC 3986 appendix B split (the regex SA uses). */
static void uri_split(const char *s, size_t n, struct uri_comp *c)
{
	const char *end = s + n, *p = s, *q;

	memset(c, 0, sizeof(*c));
	for (q = p; q < end && *q != ':' && *q != '/' && *q != '?' && *q != '#'; q++)
		;
	if (q < end && *q == ':' && q > p) {
		c->p[UC_SCHEME] = p;
		c->n[UC_SCHEME] = (size_t)(q - p);
		c->def[UC_SCHEME] = 1;
		p = q + 1;
	}
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		p += 2;
		for (q = p; q < end && *q != '/' && *q != '?' && *q != '#'; q++)
			;
		c->p[UC_AUTH] = p;
		c->n[UC_AUTH] = (size_t)(q - p);
		c->def[UC_AUTH] = 1;
		p = q;
	}
	for (q = p; q < end && *q != '?' && *q != '#'; q++)
		;
	c->p[UC_PATH] = p;
	c->n[UC_PATH] = (size_t)(q - p);
	c->def[UC_PATH] = 1;
	p = q;
	if (p < end && *p == '?') {
		p++;
		for (q = p; q < end && *q != '#'; q++)
			;
		c->p[UC_QUERY] = p;
		c->n[UC_QUERY] = (size_t)(q - p);
		c->def[UC_QUERY] = 1;
		p = q;
	}
	if (p < end && *p == '#') {
		p++;
		c->p[UC_FRAG] = p;
		c->n[UC_FRAG] = (size_t)(end - p);
		c->def[UC_FRAG] = 1;
	}
}

/* Perl truthiness of a string: "" and "0" are false. */
static int str_true(const char *s, size_t n)
{
	return n > 1 || (n == 1 && s[0] != '0');
}

/* RFC 3986 5.2.4, as SA writes it. Output into out (cap >= n + 2). */
static size_t remove_dot_segments(const char *in, size_t n, char *out)
{
	const char *p = in, *end = in + n;
	size_t olen = 0;
	char lead[1] = { '/' };
	int use_lead = 0;

	if (n >= 2 && p[0] == '.' && p[1] == '/') {
		p += 2;
		use_lead = 1;
	} else if (n >= 3 && p[0] == '.' && p[1] == '.' && p[2] == '/') {
		p += 3;
		use_lead = 1;
	}
	/* the input is lead + [p, end); walk it as a virtual string */
	char *tmp = out + n + 2; /* caller gives 2n+4 bytes */
	size_t tlen = 0;
	if (use_lead)
		tmp[tlen++] = lead[0];
	memcpy(tmp + tlen, p, (size_t)(end - p));
	tlen += (size_t)(end - p);
	p = tmp;
	end = tmp + tlen;
	while (str_true(p, (size_t)(end - p))) {
		size_t rem = (size_t)(end - p);
		if (rem >= 2 && p[0] == '/' && p[1] == '.' && (rem == 2 || p[2] == '/')) {
			/* "/." or "/./" -> "/" */
			p += rem == 2 ? 1 : 2;
			*(char *)p = '/';
		} else if (rem >= 3 && p[0] == '/' && p[1] == '.' && p[2] == '.' &&
			   (rem == 3 || p[3] == '/')) {
			p += rem == 3 ? 2 : 3;
			*(char *)p = '/';
			while (olen > 0 && out[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
		} else {
			const char *q = p;
			if (*q == '/')
				q++;
			while (q < end && *q != '/')
				q++;
			memmove(out + olen, p, (size_t)(q - p));
			olen += (size_t)(q - p);
			p = q;
		}
	}
	return olen;
}

static int prefix_ci(const char *s, size_t n, const char *pre)
{
	size_t i;

	for (i = 0; pre[i]; i++) {
		if (i >= n || lower((unsigned char)s[i]) != (unsigned char)pre[i])
			return 0;
	}
	return 1;
}

/* "www\d*\." or "ftp\d*\." at the start of an authority. */
static int auth_prefix(const char *s, size_t n, const char *word)
{
	size_t i = 3;

	if (!prefix_ci(s, n, word))
		return 0;
	while (i < n && is_digit((unsigned char)s[i]))
		i++;
	return i < n && s[i] == '.';
}

/* SA's target_uri: resolves r against base (RFC 2396 5.2, loosely). */
static char *target_uri(struct arena *a, const char *base, const char *r, size_t rn)
{
	struct uri_comp R, B;
	const char *path = "", *query = NULL, *auth = NULL, *scheme = NULL;
	size_t pathn = 0, queryn = 0, authn = 0, schemen = 0;
	char *merged = NULL, *buf, *res;
	size_t mlen, plen, total;

	uri_split(r, rn, &R);
	uri_split(base, strlen(base), &B);
	if (R.def[UC_SCHEME] && B.def[UC_SCHEME] && R.n[UC_SCHEME] == B.n[UC_SCHEME] &&
	    memcmp(R.p[UC_SCHEME], B.p[UC_SCHEME], R.n[UC_SCHEME]) == 0)
		R.def[UC_SCHEME] = 0;

	if (R.def[UC_SCHEME] || R.def[UC_AUTH]) {
		if (R.def[UC_SCHEME]) {
			scheme = R.p[UC_SCHEME];
			schemen = R.n[UC_SCHEME];
		}
		if (R.def[UC_AUTH]) {
			auth = R.p[UC_AUTH];
			authn = R.n[UC_AUTH];
		}
		path = R.p[UC_PATH];
		pathn = R.n[UC_PATH];
		merged = NULL;
		if (R.def[UC_QUERY]) {
			query = R.p[UC_QUERY];
			queryn = R.n[UC_QUERY];
		}
		goto dots;
	}
	if (R.n[UC_PATH] == 0) {
		path = B.p[UC_PATH];
		pathn = B.n[UC_PATH];
		if (R.def[UC_QUERY]) {
			query = R.p[UC_QUERY];
			queryn = R.n[UC_QUERY];
		} else if (B.def[UC_QUERY]) {
			query = B.p[UC_QUERY];
			queryn = B.n[UC_QUERY];
		}
		plen = pathn;
		buf = NULL;
		goto compose_base;
	}
	if (R.p[UC_PATH][0] == '/') {
		path = R.p[UC_PATH];
		pathn = R.n[UC_PATH];
	} else {
		/* merge */
		size_t bn = B.n[UC_PATH];
		const char *bp = B.p[UC_PATH];
		mlen = 0;
		merged = arena_alloc(a, bn + R.n[UC_PATH] + 2);
		if (B.def[UC_AUTH] && !str_true(bp, bn)) {
			merged[mlen++] = '/';
		} else {
			size_t k = bn;
			while (k > 0 && bp[k - 1] != '/')
				k--;
			memcpy(merged, bp, k);
			mlen = k;
		}
		memcpy(merged + mlen, R.p[UC_PATH], R.n[UC_PATH]);
		mlen += R.n[UC_PATH];
		path = merged;
		pathn = mlen;
	}
	if (R.def[UC_QUERY]) {
		query = R.p[UC_QUERY];
		queryn = R.n[UC_QUERY];
	}
	if (B.def[UC_AUTH]) {
		auth = B.p[UC_AUTH];
		authn = B.n[UC_AUTH];
	}
	if (B.def[UC_SCHEME]) {
		scheme = B.p[UC_SCHEME];
		schemen = B.n[UC_SCHEME];
	}
dots:
	if (!R.def[UC_SCHEME] && !(R.def[UC_AUTH])) {
		/* scheme/authority from base already set */
	} else if (!R.def[UC_SCHEME] && B.def[UC_SCHEME]) {
		scheme = B.p[UC_SCHEME];
		schemen = B.n[UC_SCHEME];
	}
	buf = arena_alloc(a, 2 * pathn + 4);
	plen = remove_dot_segments(path, pathn, buf);
	path = buf;
compose_base:
	if (buf == NULL && R.n[UC_PATH] == 0 && !R.def[UC_SCHEME] && !R.def[UC_AUTH]) {
		if (B.def[UC_AUTH]) {
			auth = B.p[UC_AUTH];
			authn = B.n[UC_AUTH];
		}
		if (B.def[UC_SCHEME]) {
			scheme = B.p[UC_SCHEME];
			schemen = B.n[UC_SCHEME];
		}
	}
	total = schemen + authn + plen + queryn + R.n[UC_FRAG] + 16;
	res = arena_alloc(a, total);
	mlen = 0;
	if (scheme != NULL && str_true(scheme, schemen)) {
		memcpy(res, scheme, schemen);
		mlen = schemen;
		res[mlen++] = ':';
	} else if (auth != NULL) {
		if (auth_prefix(auth, authn, "www")) {
			memcpy(res, "http:", 5);
			mlen = 5;
		} else if (auth_prefix(auth, authn, "ftp")) {
			memcpy(res, "ftp:", 4);
			mlen = 4;
		}
	}
	if (auth != NULL) {
		res[mlen++] = '/';
		res[mlen++] = '/';
		memcpy(res + mlen, auth, authn);
		mlen += authn;
	}
	memcpy(res + mlen, path, plen);
	mlen += plen;
	if (query != NULL) {
		res[mlen++] = '?';
		memcpy(res + mlen, query, queryn);
		mlen += queryn;
	}
	if (R.def[UC_FRAG]) {
		res[mlen++] = '#';
		memcpy(res + mlen, R.p[UC_FRAG], R.n[UC_FRAG]);
		mlen += R.n[UC_FRAG];
	}
	res[mlen] = '\0';
	return res;
}

/* SA's canon_uri: trim whitespace and NBSP, cut at 8192 bytes. */
static void canon_uri(struct html_info *h, const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	for (;;) {
		if (len > 0 && is_space((unsigned char)*p)) {
			p++;
			len--;
		} else if (len > 1 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) {
			p += 2;
			len -= 2;
		} else {
			break;
		}
	}
	for (;;) {
		if (len > 0 && is_space((unsigned char)p[len - 1]))
			len--;
		else if (len > 1 && (unsigned char)p[len - 2] == 0xc2 &&
			 (unsigned char)p[len - 1] == 0xa0)
			len -= 2;
		else
			break;
	}
	if (len > HTML_URI_MAX) {
		h->uri_truncated = 1;
		len = HTML_URI_MAX;
	}
	*s = p;
	*n = len;
}

static enum msg_uri_source source_of(const char *tag)
{
	if (strcmp(tag, "a") == 0 || strcmp(tag, "area") == 0 ||
	    strcmp(tag, "link") == 0 || strcmp(tag, "form") == 0)
		return MSG_URI_HREF;
	if (strcmp(tag, "base") == 0 || strcmp(tag, "meta") == 0)
		return MSG_URI_OTHER;
	return MSG_URI_SRC;
}

/* Adds a link; returns its index or -1. */
static long push_uri(struct html_info *h, const char *tag, const char *v)
{
	const char *s = v;
	size_t n = strlen(v);
	char *target;
	struct html_link *l;

	canon_uri(h, &s, &n);
	if (n == 0)
		return -1;
	if (prefix_ci(s, n, "data:") || prefix_ci(s, n, "mailto:") ||
	    prefix_ci(s, n, "file:") || prefix_ci(s, n, "cid:") ||
	    prefix_ci(s, n, "tel:"))
		target = arena_strndup(h->a, s, n);
	else
		target = target_uri(h->a, h->base_href ? h->base_href : "", s, n);
	if (target[0] == '\0')
		return -1;
	if (h->links.count >= h->max_links) {
		h->flags |= MSG_F_URI_LIMIT;
		return -1;
	}
	l = ARENA_VEC_PUSH(h->a, &h->links, struct html_link);
	l->uri = target;
	l->tag = tag;
	l->source = source_of(tag);
	l->anchor_text = NULL;
	return (long)h->links.count - 1;
}

/* Strips a UTF-8 BOM (U+FEFF) anywhere in an href, as SA does. */
static const char *strip_bom(struct html_info *h, const char *v)
{
	const char *b = strstr(v, "\xef\xbb\xbf");
	struct tbuf o = { NULL, 0, 0 };

	if (b == NULL)
		return v;
	while (b != NULL) {
		tb_add(h->a, &o, v, (size_t)(b - v), SIZE_MAX);
		v = b + 3;
		b = strstr(v, "\xef\xbb\xbf");
	}
	tb_add(h->a, &o, v, strlen(v), SIZE_MAX);
	return tb_str(&o);
}

static int contains_ci(const char *s, const char *word)
{
	size_t n = strlen(s);

	for (; *s; s++, n--) {
		if (prefix_ci(s, n, word))
			return 1;
	}
	return 0;
}

/* SA keeps an absolute http/https/ftp <base href>, without a trailing
   "name.ext" file name, ending in '/'. */
static void set_base(struct html_info *h, const char *v)
{
	const char *s = v;
	size_t n = strlen(v), i = 0, k, host, dots = 0, dotpos = 0, j;
	char *b;

	canon_uri(h, &s, &n);
	push_uri(h, "base", v);
	if (!prefix_ci(s, n, "http:") && !prefix_ci(s, n, "https:") &&
	    !prefix_ci(s, n, "ftp:"))
		return;
	b = arena_alloc(h->a, n + 2);
	memcpy(b, s, n);
	while (i < n && b[i] != ':')
		i++;
	i++;
	for (j = 0; j < 2 && i < n && b[i] == '/'; j++)
		i++;
	host = i;
	while (i < n && b[i] != '/')
		i++;
	k = n;
	while (k > 0 && b[k - 1] != '/')
		k--;
	if (i > host && i < n && k > i) {
		for (j = k; j < n; j++) {
			if (b[j] == '.') {
				dots++;
				dotpos = j;
			}
		}
		if (dots == 1 && dotpos > k && n - dotpos - 1 >= 2 && n - dotpos - 1 <= 4)
			n = k;
	}
	if (n == 0 || b[n - 1] != '/')
		b[n++] = '/';
	b[n] = '\0';
	h->base_href = b;
}

/* The URL of <meta http-equiv=refresh content="5; url=...">, or NULL. */
static const char *refresh_url(struct html_info *h, const char *c)
{
	const char *p = c, *u = NULL, *q;
	size_t n;

	/* the last "url\s*=" at a word boundary */
	for (p = c; *p; p++) {
		if (prefix_ci(p, strlen(p), "url") &&
		    (p == c || !(is_alnum((unsigned char)p[-1]) || p[-1] == '_'))) {
			q = p + 3;
			while (is_space((unsigned char)*q))
				q++;
			if (*q == '=')
				u = q + 1;
		}
	}
	if (u == NULL)
		return NULL;
	while (is_space((unsigned char)*u))
		u++;
	q = strchr(u, ';');
	n = q ? (size_t)(q - u) : strlen(u);
	while (q && n > 0 && is_space((unsigned char)u[n - 1]))
		n--;
	return arena_strndup(h->a, u, n);
}

static long html_uri(struct html_info *h, const char *tag, enum tag_id id,
		     const struct attr *av, size_t na)
{
	const struct attr *at;
	long idx = -1;
	size_t i;

	if (id == TAG_BODY || id == TAG_TABLE || id == TAG_TR || id == TAG_TD) {
		if ((at = attr_get(av, na, "background")) != NULL)
			push_uri(h, tag, at->value);
	} else if (id == TAG_A || id == TAG_AREA || id == TAG_LINK) {
		at = attr_get(av, na, "href");
		for (i = 0; at == NULL && i < na; i++) {
			/* badly formed "xyz/href=" attributes still count */
			const char *sl = strstr(av[i].name, "/href");
			if (sl != NULL && sl > av[i].name && sl[5] == '\0')
				at = &av[i];
		}
		if (at != NULL)
			idx = push_uri(h, tag, strip_bom(h, at->value));
		if ((at = attr_get(av, na, "data-saferedirecturl")) != NULL)
			push_uri(h, tag, at->value);
	} else if (id == TAG_IMG || id == TAG_FRAME || id == TAG_IFRAME ||
		   id == TAG_EMBED || id == TAG_SCRIPT || id == TAG_BGSOUND) {
		at = attr_get(av, na, "src");
		for (i = 0; at == NULL && i < na; i++) {
			const char *sl = strstr(av[i].name, "/src");
			if (sl != NULL && sl > av[i].name && sl[4] == '\0')
				at = &av[i];
		}
		if (at != NULL)
			push_uri(h, tag, at->value);
	} else if (id == TAG_FORM) {
		if ((at = attr_get(av, na, "action")) != NULL)
			push_uri(h, tag, at->value);
	} else if (id == TAG_BASE) {
		if ((at = attr_get(av, na, "href")) != NULL && at->value[0] != '\0')
			set_base(h, at->value);
	} else if (id == TAG_META) {
		const struct attr *he = attr_get(av, na, "http-equiv");
		const struct attr *ct = attr_get(av, na, "content");
		const char *u;
		if (he && ct && contains_ci(he->value, "refresh") &&
		    (u = refresh_url(h, ct->value)) != NULL)
			push_uri(h, tag, u);
	}
	return idx;
}

/* ---- tests on start tags (SA's html_tests) -------------------------- */

/* One family name of a <font face> list: [a-z][a-z -]*[a-z]\d?["']? */
static const char *face_seg(const char *p, int may_start_space)
{
	const char *q = p;

	if (!(is_alpha((unsigned char)*q) || (may_start_space && *q == ' ')))
		return NULL;
	while (is_alpha((unsigned char)*q) || *q == ' ' || *q == '-')
		q++;
	if (q - p < 2 || !is_alpha((unsigned char)q[-1]))
		return NULL;
	if (is_digit((unsigned char)*q))
		q++;
	if (*q == '"' || *q == '\'')
		q++;
	return q;
}

static int font_face_ok(const char *p)
{
	while (is_space((unsigned char)*p))
		p++;
	if (*p == '"' || *p == '\'' || *p == '.')
		p++;
	if ((p = face_seg(p, 1)) == NULL)
		return 0;
	while (*p == ',') {
		p++;
		while (is_space((unsigned char)*p))
			p++;
		if (*p == '"' || *p == '\'')
			p++;
		if ((p = face_seg(p, 0)) == NULL)
			return 0;
	}
	if (*p == ';')
		p++;
	if (*p == '\n')
		p++;
	return *p == '\0';
}

/* "123" or "50%" exactly; percentages of an 800x600 screen. */
static long img_dim(const char *v, long pct_scale)
{
	long x = 0;
	const char *p = v;

	if (!is_digit((unsigned char)*p))
		return 0;
	while (is_digit((unsigned char)*p)) {
		if (x < 1000000)
			x = x * 10 + (*p - '0');
		p++;
	}
	if (*p == '%' && p[1] == '\0')
		return x * pct_scale;
	if (*p == '\n' && p[1] == '\0')
		return x;
	return *p == '\0' ? x : 0;
}

static void anchor_add(struct html_info *h, const char *s, size_t n, int raw_only)
{
	struct anchor *an;

	if (h->anchors.count == 0)
		return;
	an = &((struct anchor *)h->anchors.v)[h->anchors.count - 1];
	if (!tb_add(h->a, &an->raw, s, n, HTML_ANCHOR_MAX))
		h->flags |= MSG_F_HTML_LIMIT;
	if (!raw_only)
		tb_add(h->a, &an->text, s, n, HTML_ANCHOR_MAX);
}

static void html_tests(struct html_info *h, enum tag_id id, const struct attr *av,
		       size_t na, long link)
{
	const struct attr *at, *w, *ht;

	if (id == TAG_FONT && (at = attr_get(av, na, "face")) != NULL &&
	    !font_face_ok(at->value))
		h->font_face_bad = 1;
	if (id == TAG_IMG) {
		if (h->ts_a->inside > 0)
			anchor_add(h, "<img>\n", 6, 1);
		w = attr_get(av, na, "width");
		ht = attr_get(av, na, "height");
		if (w != NULL && ht != NULL) {
			long wd = img_dim(w->value, 8), hd = img_dim(ht->value, 6);
			if (wd <= 0)
				wd = 200;
			if (hd <= 0)
				hd = 200;
			h->image_area += (double)wd * (double)hd;
		}
	}
	if (id == TAG_FORM && (at = attr_get(av, na, "action")) != NULL &&
	    contains_ci(at->value, "mailto:"))
		h->form_action_mailto = 1;
	if (id == TAG_OBJECT || id == TAG_EMBED)
		h->embeds = 1;
	if (id == TAG_A) {
		if (h->anchors.count < h->max_links) {
			struct anchor *an = ARENA_VEC_PUSH(h->a, &h->anchors, struct anchor);
			an->link = link;
		} else {
			h->flags |= MSG_F_HTML_LIMIT;
		}
	}
	if (id == TAG_TITLE) {
		h->title_index++;
		if (h->titles.count < h->max_links)
			(void)ARENA_VEC_PUSH(h->a, &h->titles, struct tbuf);
	}
	if (id == TAG_META) {
		const struct attr *he = attr_get(av, na, "http-equiv");
		const struct attr *ct = attr_get(av, na, "content");
		const char *c;
		if (he && ct && contains_ci(he->value, "content-type")) {
			for (c = ct->value; *c; c++) {
				const char *q, *e;
				if (!prefix_ci(c, strlen(c), "charset") ||
				    (c > ct->value && (is_alnum((unsigned char)c[-1]) || c[-1] == '_')))
					continue;
				q = c + 7;
				while (is_space((unsigned char)*q))
					q++;
				if (*q != '=')
					continue;
				q++;
				while (is_space((unsigned char)*q))
					q++;
				if (*q == '"' || *q == '\'')
					q++;
				for (e = q; *e && *e != '"' && *e != '\''; e++)
					;
				if (e == q)
					continue;
				if (h->charsets.len > 0)
					tb_add(h->a, &h->charsets, " ", 1, 4096);
				tb_add(h->a, &h->charsets, q, (size_t)(e - q), 4096);
				break;
			}
		}
	}
}

/* ---- text and tags ------------------------------------------------ */

static void push_text(struct html_info *h, struct arena_vec *vec, const char *s,
		      size_t n)
{
	struct tbuf *b;

	if (vec->count >= h->max_links) {
		h->flags |= MSG_F_HTML_LIMIT;
		return;
	}
	b = ARENA_VEC_PUSH(h->a, vec, struct tbuf);
	add_limited(h, b, s, n);
	if (b->p == NULL)
		tb_add(h->a, b, "", 0, 1);
}

static int has_nonspace(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_space(c))
			continue;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
			i++;
			continue;
		}
		return 1;
	}
	return 0;
}

/* SA's html_text for one decoded text event. */
static void html_text(struct html_info *h, const char *s, size_t n)
{
	int invisible = 0;

	if (h->ts_script->inside > 0) {
		push_text(h, &h->scripts, s, n);
		return;
	}
	if (h->ts_style->inside > 0)
		return;
	if (h->ts_a->inside > 0)
		anchor_add(h, s, n, 0);
	if (h->ts_title->inside > 0 && h->titles.count > 0)
		add_limited(h, &((struct tbuf *)h->titles.v)[h->titles.count - 1], s, n);
	if (has_nonspace(s, n))
		invisible = font_invisible(h);
	if (h->last_exists && n > 0) {
		if (is_wordish((unsigned char)s[0]) && h->last_word_end)
			h->obfuscation++;
		if (h->last_run >= 1 && h->last_run <= 7) {
			size_t i = 0, run = 0;
			while (i < n && is_wordish((unsigned char)s[i]) && run < 8) {
				if (((unsigned char)s[i] & 0xc0) != 0x80)
					run++;
				i++;
			}
			while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
				i++;
			if (run >= 1 && run <= 7 && (i >= n || !is_wordish((unsigned char)s[i])))
				h->backhair |= (uint64_t)1 << ((h->last_run - 1) * 8 + (run - 1));
		}
	}
	display(h, s, n, invisible ? DISP_INVISIBLE : DISP_VISIBLE);
}

static void html_whitespace(struct html_info *h, enum tag_id id)
{
	switch (id) {
	case TAG_BR:
	case TAG_DIV:
		display(h, "\n", 1, DISP_WS);
		break;
	case TAG_LI:
	case TAG_TH:
	case TAG_TD:
	case TAG_DT:
	case TAG_DD:
	case TAG_EMBED:
	case TAG_HN:
		display(h, " ", 1, DISP_WS);
		break;
	default:
		display(h, "\n\n", 2, DISP_WS);
		break;
	}
}

/* "o:p", "st1:place": Office namespace tags, counted as elements. */
static int maybe_namespace(const char *name)
{
	const char *p = name;

	if (*p == 'o') {
		p++;
	} else if (p[0] == 's' && p[1] == 't' && is_digit((unsigned char)p[2])) {
		p += 3;
	} else {
		return 0;
	}
	if (*p++ != ':')
		return 0;
	if (!(is_alnum((unsigned char)*p) || *p == '_' || *p == '-'))
		return 0;
	while (is_alnum((unsigned char)*p) || *p == '_' || *p == '-')
		p++;
	if (*p == '/')
		p++;
	return *p == '\0';
}

/* SA's html_tag: num is +1 for a start tag, -1 for an end tag. Returns
   the tag's id. */
static enum tag_id html_tag(struct html_info *h, const char *name,
			    const struct attr *av, size_t na, int num)
{
	struct tagstat *t = tag_slot(h, name);
	const struct known_tag *kt = t ? t->known : known_lookup(name);
	enum tag_id id = t ? t->id : tag_id_lookup(name);
	int ns = maybe_namespace(name);
	int seen = t ? t->seen : 1;
	long link = -1;

	if ((kt != NULL && (kt->flags & EL_ELEM)) || ns) {
		h->elements++;
		if (!seen)
			h->elements_seen++;
	}
	h->tags++;
	if (!seen)
		h->tags_seen++;
	if (t != NULL) {
		t->seen = 1;
		t->inside += num;
		if (t->inside < 0) {
			t->inside = 0;
			h->closed_extra++;
		}
		if (num > 0)
			t->starts++;
	}
	if (ns || kt == NULL || !(kt->flags & (EL_ELEM | EL_TRICK)))
		return id;
	if (kt->flags & EL_STYLE) {
		if (num > 0)
			style_open(h, id, av, na);
		else if (id != TAG_BODY)
			close_tag(h, id == TAG_TH ? TAG_TD : id);
	}
	if (kt->flags & EL_WS)
		html_whitespace(h, id);
	if (num > 0) {
		if (kt->flags & EL_URI)
			link = html_uri(h, kt->name, id, av, na);
		html_tests(h, id, av, na, link);
	}
	return id;
}

/* ---- tokenizer ---------------------------------------------------- */

static void flush_text(struct html_info *h, const char *s, size_t n)
{
	struct tbuf *b = &h->scratch;
	char *q;

	if (n == 0)
		return;
	b->len = 0;
	decode_into(h, b, s, n, 0, h->max_text);
	if (b->len == 0)
		return;
	/* curly double quotes read as '"' (SA rewrites them) */
	q = b->p;
	while ((q = memchr(q, 0xe2, b->len - (size_t)(q - b->p))) != NULL) {
		size_t off = (size_t)(q - b->p);
		if (off + 2 < b->len && (unsigned char)q[1] == 0x80 &&
		    ((unsigned char)q[2] == 0x9c || (unsigned char)q[2] == 0x9d)) {
			q[0] = '"';
			memmove(q + 1, q + 3, b->len - off - 3);
			b->len -= 2;
			b->p[b->len] = '\0';
		}
		q++;
	}
	html_text(h, b->p, b->len);
}

static const char *find_ci(const char *p, const char *end, const char *needle)
{
	size_t nl = strlen(needle);

	while (p < end) {
		const char *lt = memchr(p, needle[0], (size_t)(end - p));
		if (lt == NULL)
			return NULL;
		if (prefix_ci(lt, (size_t)(end - lt), needle))
			return lt;
		p = lt + 1;
	}
	(void)nl;
	return NULL;
}

/* The first c in [p, end), or end. */
static const char *find_byte(const char *p, const char *end, char c)
{
	const char *q = memchr(p, c, (size_t)(end - p));

	return q ? q : end;
}

/* The first double quote (dquote_len) in [p, end), or end: the first
   '"' unless a curly quote comes before it (rare, so looked for only
   in between). */
static const char *find_dquote(const char *p, const char *end)
{
	const char *q = find_byte(p, end, '"'), *c;

	while ((c = memchr(p, 0xe2, (size_t)(q - p))) != NULL) {
		if (dquote_len(c, end) > 0)
			return c;
		p = c + 1;
	}
	return q;
}

struct attr_off {
	size_t name, value;
};

/* Parses "<name attrs...>" at lt. Returns the byte after '>' or NULL
   when the input ends first. Names and values go to h->abuf; av gets
   pointers into it. */
static const char *parse_tag(struct html_info *h, const char *lt, const char *end,
			     char *name, struct attr *av, size_t *na_r)
{
	const char *p = lt + 1, *ns;
	struct attr_off offs[HTML_MAX_ATTRS];
	size_t na = 0, i, n;

	ns = p;
	while (p < end && !byte_is(*p, CC_NAME_END))
		p++;
	lowercase_copy(name, HTML_TAG_NAME_MAX + 1, ns, (size_t)(p - ns));
	h->abuf.len = 0;
	for (;;) {
		const char *an, *ane, *v = NULL, *ve = NULL;
		size_t ql;

		while (p < end && (is_space((unsigned char)*p) || *p == '/'))
			p++;
		if (p >= end)
			return NULL;
		if (*p == '>')
			break;
		an = p++;
		while (p < end && !byte_is(*p, CC_ATTR_END))
			p++;
		ane = p;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_space((unsigned char)*p))
				p++;
			if (p >= end)
				return NULL;
			if ((ql = dquote_len(p, end)) > 0 || *p == '\'') {
				const char *q = p + (ql ? ql : 1);
				v = q;
				q = ql ? find_dquote(q, end) : find_byte(q, end, '\'');
				if (q < end) {
					ve = q;
					p = q + (ql ? dquote_len(q, end) : 1);
				} else {
					/* unclosed quote: up to the next '>' */
					ve = memchr(v, '>', (size_t)(end - v));
					if (ve == NULL)
						return NULL;
					p = ve;
				}
			} else {
				v = p;
				while (p < end && !byte_is(*p, CC_VALUE_END))
					p++;
				ve = p;
			}
		}
		if (na >= HTML_MAX_ATTRS) {
			h->flags |= MSG_F_HTML_LIMIT;
			continue;
		}
		n = (size_t)(ane - an);
		if (n > HTML_TAG_NAME_MAX)
			n = HTML_TAG_NAME_MAX;
		offs[na].name = h->abuf.len;
		tb_reserve(h->a, &h->abuf, n + 1);
		lowercase_copy(h->abuf.p + h->abuf.len, n + 1, an, n);
		h->abuf.len += n + 1;
		offs[na].value = h->abuf.len;
		if (v != NULL)
			decode_into(h, &h->abuf, v, (size_t)(ve - v), 1, SIZE_MAX);
		tb_reserve(h->a, &h->abuf, 1);
		h->abuf.p[h->abuf.len++] = '\0';
		/* the first of duplicate attributes wins, as in browsers */
		for (i = 0; i < na; i++) {
			const char *a1 = h->abuf.p + offs[i].name;
			const char *a2 = h->abuf.p + offs[na].name;
			if (a1[0] == a2[0] && strcmp(a1, a2) == 0)
				break;
		}
		if (i == na)
			na++;
	}
	for (i = 0; i < na; i++) {
		av[i].name = h->abuf.p + offs[i].name;
		av[i].value = h->abuf.p + offs[i].value;
	}
	*na_r = na;
	return p + 1;
}

/* Content of script/style/xmp/plaintext up to its end tag. Returns
   where parsing resumes. */
static const char *raw_text(struct html_info *h, const char *name, enum tag_id id,
			    const char *p, const char *end)
{
	char closing[HTML_TAG_NAME_MAX + 4];
	size_t nl = strlen(name);
	const char *e, *gt;

	if (id == TAG_PLAINTEXT) {
		flush_text(h, p, (size_t)(end - p));
		return end;
	}
	closing[0] = '<';
	closing[1] = '/';
	memcpy(closing + 2, name, nl + 1);
	for (e = p; (e = find_ci(e, end, closing)) != NULL; e++) {
		const char *after = e + 2 + nl;
		if (after >= end || is_space((unsigned char)*after) || *after == '>' ||
		    *after == '/')
			break;
	}
	if (e == NULL) {
		html_text(h, p, (size_t)(end - p));
		if (id != TAG_XMP)
			html_tag(h, name, NULL, 0, -1);
		return end;
	}
	if (e > p) {
		if (id == TAG_XMP)
			flush_text(h, p, (size_t)(e - p));
		else
			html_text(h, p, (size_t)(e - p));
	}
	gt = memchr(e, '>', (size_t)(end - e));
	html_tag(h, name, NULL, 0, -1);
	return gt ? gt + 1 : end;
}

static void tokenize(struct html_info *h, const char *html, size_t len)
{
	const char *p = html, *end = html + len, *text = html;
	char name[HTML_TAG_NAME_MAX + 1];
	struct attr av[HTML_MAX_ATTRS];
	size_t na;
	enum tag_id id;

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p)), *after, *q;
		unsigned char c;

		if (lt == NULL || lt + 1 >= end)
			break;
		c = (unsigned char)lt[1];
		if (is_alpha(c)) {
			after = parse_tag(h, lt, end, name, av, &na);
			if (after == NULL)
				break; /* no '>' left: the rest is text */
			flush_text(h, text, (size_t)(lt - text));
			id = html_tag(h, name, av, na, +1);
			p = text = after;
			if (id == TAG_SCRIPT || id == TAG_STYLE || id == TAG_XMP ||
			    id == TAG_PLAINTEXT)
				p = text = raw_text(h, name, id, p, end);
		} else if (c == '/' && lt + 2 < end && is_alpha((unsigned char)lt[2])) {
			q = lt + 2;
			while (q < end && !byte_is(*q, CC_NAME_END))
				q++;
			lowercase_copy(name, sizeof(name), lt + 2, (size_t)(q - lt - 2));
			after = memchr(q, '>', (size_t)(end - q));
			if (after == NULL)
				break;
			flush_text(h, text, (size_t)(lt - text));
			html_tag(h, name, NULL, 0, -1);
			p = text = after + 1;
		} else if (c == '!') {
			flush_text(h, text, (size_t)(lt - text));
			if (end - lt >= 4 && lt[2] == '-' && lt[3] == '-') {
				after = end;
				for (q = lt + 4; q < end; q++) {
					q = memchr(q, '-', (size_t)(end - q));
					if (q == NULL)
						break;
					if (end - q >= 3 && q[1] == '-' && q[2] == '>') {
						after = q + 3;
						break;
					}
				}
				push_text(h, &h->comments, lt, (size_t)(after - lt));
			} else if (prefix_ci(lt, (size_t)(end - lt), "<![cdata[")) {
				q = find_ci(lt + 9, end, "]]>");
				flush_text(h, lt + 9, (size_t)((q ? q : end) - lt - 9));
				after = q ? q + 3 : end;
			} else {
				q = memchr(lt, '>', (size_t)(end - lt));
				if (q == NULL) {
					text = lt;
					break;
				}
				after = q + 1;
				if (prefix_ci(lt, (size_t)(end - lt), "<!doctype")) {
					struct tagstat *t = tag_slot(h, "!doctype");
					h->elements++;
					h->tags++;
					if (t != NULL) {
						t->seen = 1;
						t->inside = 0;
					}
				} else {
					push_text(h, &h->comments, lt, (size_t)(after - lt));
				}
			}
			p = text = after;
		} else if (c == '?') {
			q = memchr(lt, '>', (size_t)(end - lt));
			if (q == NULL)
				break;
			flush_text(h, text, (size_t)(lt - text));
			p = text = q + 1;
		} else {
			p = lt + 1;
		}
	}
	flush_text(h, text, (size_t)(end - text));
}

/* ---- results ------------------------------------------------------ */

static const char *collapse_trim(struct arena *a, const struct tbuf *b)
{
	const char *s = tb_str(b);
	char *out = arena_alloc(a, b->len + 1);
	size_t o = 0;
	int pending = 0;

	for (; *s; s++) {
		if (is_space((unsigned char)*s)) {
			pending = o > 0;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = 0;
		out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

static void fact_add(struct html_info *h, struct arena_vec *v, const char *key,
		     double value)
{
	struct fact *f = ARENA_VEC_PUSH(h->a, v, struct fact);
	f->key = key;
	f->value = value;
}

/* NBSP, U+2000..U+200A, U+2028, U+2029, U+202F or U+3000 at s: their
   UTF-8 length, else 0. */
static size_t wide_space_len(const unsigned char *s, size_t n)
{
	if (s[0] == 0xc2 && n >= 2 && s[1] == 0xa0)
		return 2;
	if (s[0] == 0xe2 && n >= 3 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	     s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe3 && n >= 3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Whitespace characters of s. The bytes after the lead byte of a wide
   space are neither ASCII nor lead bytes, so each byte can be tested
   on its own without skipping; the ASCII test is branch-free because
   spaces and letters alternate too often for a branch to predict. */
static size_t count_spaces(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, sp = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = u[i];
		sp += (size_t)(c == ' ') | (size_t)((unsigned char)(c - '\t') < 5);
		if (c >= 0xc2)
			sp += wide_space_len(u + i, n - i) != 0;
	}
	return sp;
}

static void finish(struct html_info *h)
{
	struct arena_vec facts = { NULL, 0, 0 };
	struct arena_vec *arrays[4] = { &h->comments, &h->anchors, &h->titles, &h->scripts };
	size_t i, k, html_length, j;
	struct anchor *an = h->anchors.v;
	struct html_link *links = h->links.v;
	int bits = 0;

	for (i = 0; i < h->anchors.count; i++) {
		if (an[i].link >= 0 && (size_t)an[i].link < h->links.count)
			links[an[i].link].anchor_text = collapse_trim(h->a, &an[i].text);
	}
	h->links_v = links;
	h->nlinks = h->links.count;

	for (k = 0; k < 4; k++) {
		h->text_counts[k] = arrays[k]->count;
		h->text_arrays[k] = arena_alloc(h->a, (arrays[k]->count + 1) * sizeof(char *));
		for (i = 0; i < arrays[k]->count; i++) {
			const struct tbuf *b = k == 1 ? &an[i].raw
						      : &((struct tbuf *)arrays[k]->v)[i];
			h->text_arrays[k][i] = tb_str(b);
		}
	}

	html_length = utf8_chars(tb_str(&h->rendered), h->rendered.len);
	fact_add(h, &facts, "html", 1);
	fact_add(h, &facts, "length", h->length);
	fact_add(h, &facts, "html_length", (double)html_length);
	fact_add(h, &facts, "non_space_len",
		 (double)(html_length - count_spaces(tb_str(&h->rendered), h->rendered.len)));
	if (h->length > 0)
		fact_add(h, &facts, "ratio", (h->length - (double)html_length) / h->length);
	fact_add(h, &facts, "image_area", h->image_area);
	fact_add(h, &facts, "min_size", h->min_size);
	fact_add(h, &facts, "max_size", h->max_size);
	fact_add(h, &facts, "title_index", (double)h->title_index);
	fact_add(h, &facts, "invisible_len", (double)h->invisible.len);
	if (h->tags > 0) {
		fact_add(h, &facts, "tags", (double)h->tags);
		fact_add(h, &facts, "closed_extra_ratio", (double)h->closed_extra / (double)h->tags);
		if (h->elements > 0) {
			fact_add(h, &facts, "elements", (double)h->elements);
			fact_add(h, &facts, "bad_tag_ratio",
				 (double)(h->tags - h->elements) / (double)h->tags);
		}
		if (h->obfuscation > 0)
			fact_add(h, &facts, "obfuscation_ratio",
				 (double)h->obfuscation / (double)h->tags);
	}
	if (h->tags_seen > 0 && h->elements_seen > 0)
		fact_add(h, &facts, "non_element_ratio",
			 (double)(h->tags_seen - h->elements_seen) / (double)h->tags_seen);
	for (j = 0; j < 64; j++)
		bits += (h->backhair >> j) & 1;
	if (bits > 0)
		fact_add(h, &facts, "backhair_count", bits);
	if (h->font_low_contrast)
		fact_add(h, &facts, "font_low_contrast", 1);
	if (h->font_invalid_color)
		fact_add(h, &facts, "font_invalid_color", 1);
	if (h->font_face_bad)
		fact_add(h, &facts, "font_face_bad", 1);
	if (h->form_action_mailto)
		fact_add(h, &facts, "form_action_mailto", 1);
	if (h->embeds)
		fact_add(h, &facts, "embeds", 1);
	if (h->uri_truncated)
		fact_add(h, &facts, "uri_truncated", 1);
	for (i = 0; i < 2 * HTML_MAX_TAG_NAMES; i++) {
		const struct tagstat *t;
		if (h->tag_index[i] == 0)
			continue;
		t = &h->tag_stats[h->tag_index[i] - 1];
		if (!t->seen)
			continue;
		fact_add(h, &facts, arena_strcat(h->a, "tag_", t->name, (char *)NULL), t->starts);
		fact_add(h, &facts, arena_strcat(h->a, "inside_", t->name, (char *)NULL),
			 (double)t->inside);
	}
	h->facts = facts.v;
	h->nfacts = facts.count;
	h->fact_keys = arena_alloc(h->a, (h->nfacts + 1) * sizeof(char *));
	h->fact_values = arena_alloc(h->a, (h->nfacts + 1) * sizeof(double));
	for (i = 0; i < h->nfacts; i++) {
		h->fact_keys[i] = h->facts[i].key;
		h->fact_values[i] = h->facts[i].value;
	}
}

struct html_info *html_render(struct arena *a, const char *html, size_t len,
			      const struct msg_limits *lim, unsigned int *flags_r)
{
	struct html_info *h = arena_zalloc(a, sizeof(*h));

	h->a = a;
	h->lim = lim;
	h->max_text = lim && lim->max_text ? lim->max_text : WN_MSG_MAX_TEXT;
	h->max_depth = lim && lim->max_html_depth ? lim->max_html_depth
						   : WN_MSG_MAX_HTML_DEPTH;
	h->max_links = lim && lim->max_uris ? lim->max_uris : WN_MSG_MAX_URIS;
	h->tag_index = arena_zalloc(a, 2 * HTML_MAX_TAG_NAMES * sizeof(uint16_t));
	h->tag_stats = arena_alloc(a, HTML_MAX_TAG_NAMES * sizeof(struct tagstat));
	h->ts_script = tag_slot(h, "script");
	h->ts_style = tag_slot(h, "style");
	h->ts_a = tag_slot(h, "a");
	h->ts_title = tag_slot(h, "title");
	h->stack = arena_alloc(a, (h->max_depth + 1) * sizeof(struct style));
	h->stack[0].tag = TAG_DEFAULT;
	h->stack[0].fg = 0x000000;
	h->stack[0].bg = 0xffffff;
	h->stack[0].size = 3;
	h->stack[0].display_none = 0;
	h->stack[0].hidden = 0;
	h->depth = 1;
	h->basefont = 3;
	h->max_size = h->min_size = 3;
	h->title_index = -1;
	if (html == NULL)
		len = 0;
	h->length = (double)utf8_chars(html, len);
	tokenize(h, html ? html : "", len);
	finish(h);
	if (flags_r != NULL)
		*flags_r |= h->flags;
	return h;
}

const char *html_visible_text(const struct html_info *h, size_t *len_r)
{
	if (len_r != NULL)
		*len_r = h->visible.len;
	return tb_str(&h->visible);
}

const char *html_invisible_text(const struct html_info *h, size_t *len_r)
{
	if (len_r != NULL)
		*len_r = h->invisible.len;
	return tb_str(&h->invisible);
}

const char *html_rendered_text(const struct html_info *h, size_t *len_r)
{
	if (len_r != NULL)
		*len_r = h->rendered.len;
	return tb_str(&h->rendered);
}

size_t html_links(const struct html_info *h, const struct html_link **v_r)
{
	*v_r = h->nlinks ? h->links_v : NULL;
	return h->nlinks;
}

static const struct tagstat *tag_find(const struct html_info *h, const char *name)
{
	size_t i = tag_probe(h, name, name_hash(name));
	const struct tagstat *t;

	if (h->tag_index[i] == 0)
		return NULL;
	t = &h->tag_stats[h->tag_index[i] - 1];
	return t->seen ? t : NULL;
}

double html_fact(const struct html_info *h, const char *key, int *found_r)
{
	const struct tagstat *t;
	size_t i;
	int found = 0;
	double v = 0;

	if (strncmp(key, "tag_", 4) == 0 || strncmp(key, "inside_", 7) == 0) {
		int is_tag = key[0] == 't';
		if ((t = tag_find(h, key + (is_tag ? 4 : 7))) != NULL) {
			found = 1;
			v = is_tag ? (double)t->starts : (double)t->inside;
		}
	} else {
		for (i = 0; i < h->nfacts; i++) {
			if (strcmp(h->facts[i].key, key) == 0) {
				found = 1;
				v = h->facts[i].value;
				break;
			}
		}
	}
	if (found_r != NULL)
		*found_r = found;
	return v;
}

size_t html_facts(const struct html_info *h, const char *const **keys_r,
		  const double **values_r)
{
	*keys_r = h->fact_keys;
	*values_r = h->fact_values;
	return h->nfacts;
}

const char *html_title(const struct html_info *h)
{
	return h->text_counts[2] > 0 ? h->text_arrays[2][0] : NULL;
}

size_t html_texts(const struct html_info *h, const char *kind,
		  const char *const **v_r)
{
	static const char *const kinds[4] = { "comment", "anchor", "title", "script" };
	size_t k;

	for (k = 0; k < 4; k++) {
		if (strcmp(kind, kinds[k]) == 0) {
			*v_r = h->text_counts[k] ? h->text_arrays[k] : NULL;
			return h->text_counts[k];
		}
	}
	*v_r = NULL;
	return 0;
}

const char *html_charsets(const struct html_info *h)
{
	return h->charsets.len ? h->charsets.p : NULL;
}
