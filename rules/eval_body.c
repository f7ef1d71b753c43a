/*
 * eval_body.c - SpamAssassin's BodyEval plugin (the local tests) plus
 * the Bayes and Shortcircuit entry points: text/html word difference
 * in multipart/alternative, blank line ratio, vertical words, body
 * length, capital letter ratio; check_bayes reads the probability the
 * Bayes check put in ctx->facts.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/html.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

EVAL_FN(check_bayes)
{
	double p, lo, hi;

	if (ctx->facts == NULL || !ctx->facts->bayes_enabled || ctx->facts->bayes_prob < 0)
		return 0; /* untrained, or no known token in this message */
	p = ctx->facts->bayes_prob;
	lo = eval_arg_num(a, 0, 0);
	hi = eval_arg_num(a, 1, 1);
	/* SpamAssassin's ranges: above lo (from 0 when lo is 0), up to hi */
	return (lo == 0 || p > lo) && p <= hi;
}

EVAL_FN(check_shortcircuit)
{
	/* SA's Shortcircuit rules never hit themselves. */
	(void)ctx;
	(void)a;
	return 0;
}

/* A small open hash of words (count per word). */
struct wset {
	const char **w;
	long *c;
	size_t cap, n;
};

static unsigned int whash(const char *s, size_t n)
{
	unsigned int h = 2166136261u;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static long *wset_slot(struct rule_ctx *ctx, struct wset *ws, const char *s, size_t n, int add)
{
	size_t i;

	if (ws->cap == 0 || (add && ws->n * 2 >= ws->cap)) {
		struct wset nw = { NULL, NULL, ws->cap ? ws->cap * 2 : 64, 0 };
		nw.w = arena_zalloc(ctx->arena, nw.cap * sizeof(char *));
		nw.c = arena_zalloc(ctx->arena, nw.cap * sizeof(long));
		for (i = 0; i < ws->cap; i++) {
			if (ws->w[i] != NULL) {
				size_t k = whash(ws->w[i], strlen(ws->w[i])) % nw.cap;
				while (nw.w[k] != NULL)
					k = (k + 1) % nw.cap;
				nw.w[k] = ws->w[i];
				nw.c[k] = ws->c[i];
				nw.n++;
			}
		}
		*ws = nw;
	}
	i = whash(s, n) % ws->cap;
	while (ws->w[i] != NULL) {
		if (strlen(ws->w[i]) == n && memcmp(ws->w[i], s, n) == 0)
			return &ws->c[i];
		i = (i + 1) % ws->cap;
	}
	if (!add)
		return NULL;
	ws->w[i] = arena_strndup(ctx->arena, s, n);
	ws->n++;
	return &ws->c[i];
}

/* Words of s split on whitespace, keeping those with a \w character. */
static void add_words(struct rule_ctx *ctx, struct wset *ws, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t st, k;
		int word = 0;
		while (i < len && text_space_len((const unsigned char *)s + i, len - i))
			i += text_space_len((const unsigned char *)s + i, len - i);
		st = i;
		while (i < len && !text_space_len((const unsigned char *)s + i, len - i))
			i++;
		for (k = st; k < i; k++)
			if (isalnum((unsigned char)s[k]) || s[k] == '_' || (unsigned char)s[k] >= 0x80)
				word = 1;
		if (word)
			(*wset_slot(ctx, ws, s + st, i - st, 1))++;
	}
}

struct madiff {
	double diff;
	long html, text;
};

static const struct madiff *madiff(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);
	struct madiff *m = slots[EVAL_SLOT_BODY];
	const struct msg *msg = ctx->msg;
	size_t i, k;

	if (m != NULL)
		return m;
	m = arena_zalloc(ctx->arena, sizeof(*m));
	slots[EVAL_SLOT_BODY] = m;
	if (msg->nparts == 3 && strcmp(msg->parts[0]->ctype, "multipart/alternative") == 0 &&
	    strcmp(msg->parts[1]->ctype, "text/html") == 0 &&
	    strcmp(msg->parts[2]->ctype, "text/calendar") == 0)
		return m;
	for (i = 0; i < msg->nparts; i++) {
		const struct msg_part *ma = msg->parts[i];
		struct wset html = { 0 }, text = { 0 };
		long orig, left;
		if (strcmp(ma->ctype, "multipart/alternative") != 0)
			continue;
		for (k = i + 1; k < msg->nparts; k++) {
			const struct msg_part *p = msg->parts[k], *up;
			const char *r;
			size_t rl;
			for (up = p->parent; up != NULL && up != ma; up = up->parent)
				;
			if (up == NULL)
				break;
			if (strncmp(p->ctype, "text/", 5) != 0 ||
			    (r = text_part_rendered(p, &rl)) == NULL)
				continue;
			if (p->html != NULL && rl > 0) {
				int found;
				add_words(ctx, &html, r, rl);
				(void)html_fact(p->html, "inside_img", &found);
				if (html.n == 0 && found)
					(*wset_slot(ctx, &html, "\n", 1, 1))++;
			} else {
				add_words(ctx, &text, r, rl);
			}
		}
		orig = (long)html.n;
		if (orig == 0)
			continue;
		m->html = orig;
		m->text = (long)text.n;
		left = orig;
		for (k = 0; k < text.cap; k++) {
			long *hc;
			if (text.w == NULL || text.w[k] == NULL)
				continue;
			hc = wset_slot(ctx, &html, text.w[k], strlen(text.w[k]), 0);
			if (hc != NULL && *hc - text.c[k] < 1 && *hc != -999999) {
				*hc = -999999; /* deleted */
				left--;
			}
		}
		{
			double d = (double)left / (double)orig * 100;
			if (d > m->diff)
				m->diff = d;
		}
	}
	return m;
}

EVAL_FN(multipart_alternative_difference)
{
	const struct madiff *m = madiff(ctx);
	double min = eval_arg_num(a, 0, 0);
	const char *maxs = eval_arg(a, 1);

	return (min == 0 || m->diff > min) &&
	       (strcmp(maxs, "undef") == 0 || m->diff <= eval_arg_num(a, 1, 0));
}

EVAL_FN(multipart_alternative_difference_count)
{
	const struct madiff *m = madiff(ctx);

	if (!((double)m->html > eval_arg_num(a, 1, 0)))
		return 0;
	return (double)m->text / (double)m->html > eval_arg_num(a, 0, 0);
}

EVAL_FN(check_blank_line_ratio)
{
	const struct rule_text *t = rule_ctx_rawbody(ctx);
	double min = eval_arg_num(a, 0, 0), max = eval_arg_num(a, 1, 0);
	double minlines = eval_arg_num(a, 2, 1), ratio;
	long blank = 0, nlines = 0;
	size_t i;

	if (minlines < 1)
		minlines = 1;
	for (i = 0; i < t->count; i++) {
		const char *s = t->lines[i], *end = s + t->lens[i];
		/* split(/^/m, $chunk, -1): lines keep their "\n" */
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			const char *e = nl ? nl + 1 : end, *q;
			int ws = 1;
			for (q = s; q < e; q++)
				if (!isspace((unsigned char)*q))
					ws = 0;
			nlines++;
			blank += ws;
			s = e;
		}
		if (t->lens[i] == 0)
			nlines++, blank++;
	}
	ratio = (double)nlines < minlines ? -1 : 100.0 * (double)blank / (double)nlines;
	return (min == 0 && ratio <= max) || (ratio > min && ratio <= max);
}

static const struct rule_text *arg_text(struct rule_ctx *ctx, const struct rule_eval_args *a)
{
	return a->type == RULE_T_RAWBODY ? rule_ctx_rawbody(ctx) : rule_ctx_body(ctx);
}

/* Characters of a UTF-8 line (SA counts Perl characters). */
static size_t chars(const char *s, size_t n)
{
	size_t i, c = 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

EVAL_FN(tvd_vertical_words)
{
	const struct rule_text *t = arg_text(ctx, a);
	double min = eval_arg_num(a, 0, 0), max = eval_arg_num(a, 1, 0);
	long best = -1;
	size_t i, k;

	if (max >= 100)
		max = 101;
	for (i = 0; i < t->count; i++) {
		size_t l = chars(t->lines[i], t->lens[i]), spaces = 0, non;
		long pct;
		if (l <= 5)
			continue;
		for (k = 0; k < t->lens[i]; k++)
			spaces += t->lines[i][k] == ' ';
		non = l - spaces;
		pct = (spaces > non || non == 0) ? 100 : (long)(100 * spaces / non);
		if (pct > best)
			best = pct;
	}
	return (double)best >= min && (double)best < max;
}

EVAL_FN(check_body_length)
{
	size_t body = ctx->msg->raw_len >= ctx->msg->header_len
			      ? ctx->msg->raw_len - ctx->msg->header_len : 0;

	return (double)body <= eval_arg_num(a, 0, 0);
}

/* Perl's /\S\s+\S/ on one line: two words. */
static int has_two_words(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	while (i < n && !isspace((unsigned char)s[i]))
		i++;
	if (i == 0 || i == n || isspace((unsigned char)s[i - 1]))
		return 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	return i < n;
}

/* /^(?:[A-Za-z0-9+\/=]{60,76} ){2}/: base64 lines joined by spaces. */
static int base64_lines(const char *s, size_t n)
{
	size_t i = 0, k, run;

	for (k = 0; k < 2; k++) {
		for (run = 0; i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '/' ||
					s[i] == '='); i++)
			run++;
		if (run < 60 || run > 76 || i >= n || s[i] != ' ')
			return 0;
		i++;
	}
	return 1;
}

/* SA's upper-case percentage of the text's lines that look like prose;
   -1 where SA skips the message (charsets whose text looks upper-case). */
static double uppercase_pct(struct rule_ctx *ctx, const struct rule_text *t)
{
	long len = 0, lower = 0, upper = 0;
	size_t i, k;

	for (i = 0; i < ctx->msg->nparts; i++) {
		const char *cs = ctx->msg->parts[i]->charset;
		if (cs != NULL && eval_re_match(ctx,
			"^(?:(?:x-)?(?:iso-2022|euc|shift)[-_]?jis|iso-2022-[jk][pr]|ks_c_5601-1987|"
			"euc-kr|big5|gb2312|gbk|gb18030|koi8-[ru]|windows-125[16]|cp125[16]|"
			"iso-8859-[5678]|cp866|ibm866|iso-2022-cn|hz-gb-2312)$", 1, cs, strlen(cs)))
			return -1;
	}
	for (i = 0; i < t->count; i++) {
		const char *s = t->lines[i];
		size_t n = t->lens[i];
		if (!has_two_words(s, n) || base64_lines(s, n))
			continue;
		len += (long)chars(s, n);
		for (k = 0; k < n; k++) {
			if (islower((unsigned char)s[k]) || isdigit((unsigned char)s[k]))
				lower++;
			else if (isupper((unsigned char)s[k]))
				upper++;
		}
	}
	if (len < 200 || upper + lower == 0)
		return 0;
	return 100.0 * (double)upper / (double)(upper + lower);
}

EVAL_FN(check_for_uppercase)
{
	double min = eval_arg_num(a, 0, 0), max = eval_arg_num(a, 1, 0), *pct;
	void **slots = eval_slots(ctx);
	int raw = a->type == RULE_T_RAWBODY;

	/* the same for every __UPPERCASE_* range: once per message and text */
	if (slots[EVAL_SLOT_UPPER] == NULL) {
		pct = arena_alloc(ctx->arena, 2 * sizeof(double));
		pct[0] = pct[1] = -2;
		slots[EVAL_SLOT_UPPER] = pct;
	}
	pct = slots[EVAL_SLOT_UPPER];
	if (pct[raw] == -2)
		pct[raw] = uppercase_pct(ctx, arg_text(ctx, a));
	if (pct[raw] < 0)
		return 0;
	return pct[raw] > min && pct[raw] <= max;
}
