/*
 * eval_html.c - SpamAssassin's HTMLEval plugin: tests over the facts
 * lib/html.c records per HTML part (html_fact keys use SA's names).
 * Every function looks at each text/html part in turn and hits when
 * one of them satisfies the test, as SA's loop over html_all does.
 *
 * Ownership: nothing kept; arena scratch only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/html.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

/* Calls fn for each HTML part; stops at the first that returns 1. */
#define FOR_HTML(ctx, h)                                                        \
	for (size_t hi_ = 0; hi_ < (ctx)->msg->nparts; hi_++)                   \
		for (const struct html_info *h = (ctx)->msg->parts[hi_]->html; h != NULL; h = NULL)

/* SA evaluates "$val $expr" for expressions made of [<>=!-+ 0-9]: a
   comparison operator followed by a number ("> 0", "== 1", ">=2"). */
static int compare_expr(double val, const char *expr)
{
	const char *p = expr;
	char op[3] = { 0, 0, 0 };
	size_t n = 0;
	double rhs;
	char *end;

	if (expr[strspn(expr, "<>=!-+ 0123456789")] != '\0')
		return 0;
	while (*p == ' ')
		p++;
	while ((*p == '<' || *p == '>' || *p == '=' || *p == '!') && n < 2)
		op[n++] = *p++;
	rhs = strtod(p, &end);
	if (end == p)
		return 0;
	if (strcmp(op, "<") == 0)
		return val < rhs;
	if (strcmp(op, ">") == 0)
		return val > rhs;
	if (strcmp(op, "<=") == 0)
		return val <= rhs;
	if (strcmp(op, ">=") == 0)
		return val >= rhs;
	if (strcmp(op, "==") == 0)
		return val == rhs;
	if (strcmp(op, "!=") == 0)
		return val != rhs;
	return 0;
}

EVAL_FN(html_test)
{
	const char *test = eval_arg(a, 0);

	FOR_HTML(ctx, h) {
		int found;
		if (html_fact(h, test, &found) != 0 && found)
			return 1;
	}
	return 0;
}

EVAL_FN(html_range)
{
	const char *test = eval_arg(a, 0), *maxs = eval_arg(a, 2);
	double min = eval_arg_num(a, 1, 0);
	int inf = maxs == NULL || strcmp(maxs, "inf") == 0;
	double max = inf ? 0 : eval_arg_num(a, 2, 0);

	FOR_HTML(ctx, h) {
		int found;
		double v = html_fact(h, test, &found);
		if (!found)
			continue;
		if (inf ? v > min : (v > min && v <= max))
			return 1;
	}
	return 0;
}

EVAL_FN(html_eval)
{
	const char *test = eval_arg(a, 0), *expr = eval_arg(a, 1);

	FOR_HTML(ctx, h) {
		int found;
		double v = html_fact(h, test, &found);
		if (found && compare_expr(v, expr))
			return 1;
	}
	return 0;
}

static const char *inside_key(struct rule_ctx *ctx, const char *tag)
{
	return arena_printf(ctx->arena, "inside_%s", tag);
}

EVAL_FN(html_tag_exists)
{
	const char *key = inside_key(ctx, eval_arg(a, 0));

	FOR_HTML(ctx, h) {
		int found;
		(void)html_fact(h, key, &found);
		if (found)
			return 1;
	}
	return 0;
}

EVAL_FN(html_tag_balance)
{
	const char *tag = eval_arg(a, 0), *expr = eval_arg(a, 1), *key;
	size_t i;

	for (i = 0; tag[i] != '\0'; i++)
		if (!((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= 'A' && tag[i] <= 'Z') ||
		      (tag[i] >= '0' && tag[i] <= '9')))
			return 0;
	key = inside_key(ctx, tag);
	FOR_HTML(ctx, h) {
		int found;
		double v = html_fact(h, key, &found);
		if (found && compare_expr(v, expr))
			return 1;
	}
	return 0;
}

EVAL_FN(html_image_only)
{
	double min = eval_arg_num(a, 0, 0), max = eval_arg_num(a, 1, 0);

	FOR_HTML(ctx, h) {
		int fi, fl;
		double len;
		(void)html_fact(h, "inside_img", &fi);
		len = html_fact(h, "length", &fl);
		if (fi && fl && len > min && len <= max)
			return 1;
	}
	return 0;
}

EVAL_FN(html_image_ratio)
{
	double min = eval_arg_num(a, 0, 0), max = eval_arg_num(a, 1, 0);

	FOR_HTML(ctx, h) {
		int fn, fa;
		double nsl = html_fact(h, "non_space_len", &fn);
		double area = html_fact(h, "image_area", &fa);
		double r;
		if (!fn || !fa || area <= 0)
			continue;
		r = nsl / area;
		if (r > min && r <= max)
			return 1;
	}
	return 0;
}

EVAL_FN(html_text_match)
{
	const char *kind = eval_arg(a, 0), *re = eval_arg(a, 1);

	FOR_HTML(ctx, h) {
		const char *const *v;
		size_t n = html_texts(h, kind, &v), i;
		for (i = 0; i < n; i++)
			if (v[i] != NULL && eval_re_match(ctx, re, 0, v[i], strlen(v[i])))
				return 1;
	}
	return 0;
}

/* Characters, not bytes: SA works on decoded strings. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

EVAL_FN(html_title_subject_ratio)
{
	double ratio = eval_arg_num(a, 0, 0);
	const char *subj = text_header(ctx, "Subject");
	size_t sl;

	/* SA's scalar get() keeps the trailing newline: length + 1 */
	if (subj == NULL)
		return 0;
	sl = utf8_chars(subj) + 1;
	FOR_HTML(ctx, h) {
		const char *const *v;
		size_t n = html_texts(h, "title", &v), i;
		double max = 0;
		for (i = 0; i < n; i++) {
			double r;
			if (v[i] == NULL || v[i][0] == '\0' || strcmp(v[i], "0") == 0)
				continue;
			r = (double)utf8_chars(v[i]) / (double)sl;
			if (r > max)
				max = r;
		}
		if (max > ratio)
			return 1;
	}
	return 0;
}

EVAL_FN(html_charset_faraway)
{
	FOR_HTML(ctx, h) {
		const char *cs = html_charsets(h);
		if (cs != NULL && eval_charsets_faraway(ctx, cs))
			return 1;
	}
	(void)a;
	return 0;
}
