/*
 * eval_freemail.c - SpamAssassin's FreeMail plugin (header tests):
 * addresses whose domain is listed in freemail_domains (globs such as
 * "*.yahoo.com" allowed) and not in freemail_whitelist /
 * freemail_welcomelist. The body test (check_freemail_body) is not
 * provided.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static int word_listed(struct rule_ctx *ctx, const char *key, const char *s)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, key, &vals), i;

	for (i = 0; i < n; i++) {
		char *line = arena_strdup(ctx->arena, vals[i]), *save = NULL, *t;
		for (t = strtok_r(line, " \t,", &save); t != NULL; t = strtok_r(NULL, " \t,", &save))
			if (fnmatch(t, s, FNM_CASEFOLD) == 0)
				return 1;
	}
	return 0;
}

static int is_freemail(struct rule_ctx *ctx, const char *addr)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '.') == NULL)
		return 0;
	if (word_listed(ctx, "freemail_whitelist", addr) ||
	    word_listed(ctx, "freemail_welcomelist", addr) ||
	    word_listed(ctx, "freemail_whitelist", at + 1) ||
	    word_listed(ctx, "freemail_welcomelist", at + 1))
		return 0;
	return word_listed(ctx, "freemail_domains", at + 1);
}

static int header_freemail(struct rule_ctx *ctx, const char *spec, const char *re)
{
	const char *const *v;
	size_t n = text_get_list(ctx, spec, &v), i;

	for (i = 0; i < n; i++)
		if (is_freemail(ctx, v[i]) &&
		    (re == NULL || eval_re_match(ctx, re, 0, v[i], strlen(v[i]))))
			return 1;
	return 0;
}

EVAL_FN(check_freemail_from)
{
	return header_freemail(ctx, "From:addr", eval_arg(a, 0));
}

EVAL_FN(check_freemail_header)
{
	const char *spec = arena_printf(ctx->arena, "%s:addr", eval_arg(a, 0));
	return header_freemail(ctx, spec, eval_arg(a, 1));
}

/* 'replyto': From and Reply-To are both freemail and differ. */
EVAL_FN(check_freemail_replyto)
{
	const char *what = eval_arg(a, 0);
	const char *from = eval_sget(ctx, "From:addr"), *rt = eval_sget(ctx, "Reply-To:addr");

	if (what != NULL && strcmp(what, "replyto") != 0 && strcmp(what, "reply") != 0)
		return 0;
	if (rt[0] == '\0' || !is_freemail(ctx, from) || !is_freemail(ctx, rt))
		return 0;
	return strcasecmp(from, rt) != 0;
}
