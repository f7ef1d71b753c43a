/*
 * eval_vbounce.c - Mail::SpamAssassin::Plugin::VBounce: is a bounce
 * (or a virus/challenge notice) about mail that really went out through
 * one of our relays? The relays are the welcomelist_bounce_relays (or
 * old name whitelist_bounce_relays) globs; a "Received:" line quoted in
 * the body, or in the pristine body of an attached message, that names
 * one of them marks the bounce as genuine.
 *
 * Ownership: nothing kept; matches in the message arena.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static size_t relay_globs(struct rule_ctx *ctx, const char *const **v_r, int second)
{
	return ruleset_setting(ctx->rs, second ? "whitelist_bounce_relays" :
				 "welcomelist_bounce_relays", v_r);
}

EVAL_FN(have_any_bounce_relays)
{
	const char *const *v;

	(void)a;
	return relay_globs(ctx, &v, 0) > 0 || relay_globs(ctx, &v, 1) > 0;
}

/* One setting value may list several globs separated by spaces. */
static int glob_listed(const char *globs, const char *host)
{
	char one[256];
	const char *p = globs;

	while (*p != '\0') {
		size_t n = 0;
		while (isspace((unsigned char)*p))
			p++;
		while (*p != '\0' && !isspace((unsigned char)*p) && n < sizeof(one) - 1)
			one[n++] = (char)tolower((unsigned char)*p++);
		one[n] = '\0';
		if (n > 0 && fnmatch(one, host, 0) == 0)
			return 1;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
	}
	return 0;
}

static int relay_listed(struct rule_ctx *ctx, const char *host, size_t n)
{
	char low[256];
	const char *const *v;
	size_t i, k, cnt;
	int second;

	if (n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)host[i]);
	low[n] = '\0';
	for (second = 0; second < 2; second++) {
		cnt = relay_globs(ctx, &v, second);
		for (k = 0; k < cnt; k++)
			if (glob_listed(v[k], low))
				return 1;
	}
	return 0;
}

/* Words "x.y" between whitespace in a Received: line (any '>' or ' '
   quoting before it). */
static int received_line_listed(struct rule_ctx *ctx, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == '>' || s[i] == ' '))
		i++;
	if (n - i < 9 || strncasecmp(s + i, "Received:", 9) != 0)
		return 0;
	for (i += 9; i < n; i++) {
		size_t st, e;
		if (!isspace((unsigned char)s[i]))
			continue;
		st = i + 1;
		for (e = st; e < n && !isspace((unsigned char)s[e]); e++)
			;
		if (e < n && e > st && memchr(s + st, '.', e - st) != NULL &&
		    s[st] != '.' && relay_listed(ctx, s + st, e - st))
			return 1;
		i = e - 1;
	}
	return 0;
}

/* The body as written, continuation lines (leading WSP) joined to the
   line before. */
static int pristine_listed(struct rule_ctx *ctx)
{
	const struct msg *m = ctx->msg;
	const char *p = m->raw + m->header_len, *end = m->raw + m->raw_len;
	const char *start = p;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
		if (p < end && (*p == ' ' || *p == '\t'))
			continue;
		if (received_line_listed(ctx, start, (size_t)(p - start)))
			return 1;
		start = p;
	}
	return 0;
}

EVAL_FN(check_welcomelist_bounce_relays)
{
	const struct rule_text *t;
	size_t i;

	if (!have_any_bounce_relays(ctx, a))
		return 0;
	t = rule_ctx_body(ctx);
	for (i = 0; i < t->count; i++)
		if (received_line_listed(ctx, t->lines[i], t->lens[i]))
			return 1;
	if (ctx->msg->header_len >= ctx->msg->raw_len)
		return 0;
	return pristine_listed(ctx);
}
