/*
 * eval_freemail.c - SpamAssassin's FreeMail plugin (header tests):
 * addresses whose domain is listed in freemail_domains (globs such as
 * "*.yahoo.com" allowed) and not in freemail_whitelist /
 * freemail_welcomelist. The body test (check_freemail_body) is not
 * provided. check_freemail_replyto compares the reply address with
 * the freemail addresses given in the body, as FreeMail.pm does.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static char *lower_dup(struct rule_ctx *ctx, const char *s, size_t n)
{
	char *d = arena_strndup(ctx->arena, s, n), *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

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

/* freemail_domains as a sorted array of exact names plus the glob
   entries ("*.yahoo.com"), built once per ruleset. */
struct freemail_set {
	char **exact;
	size_t nexact;
	char **globs;
	size_t nglobs;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct freemail_set *eval_freemail_prepare(const struct ruleset *rs, struct arena *a)
{
	struct freemail_set *fs = arena_zalloc(a, sizeof(*fs));
	struct arena_vec ex = { NULL, 0, 0 }, gl = { NULL, 0, 0 };
	const char *const *vals;
	size_t n = ruleset_setting(rs, "freemail_domains", &vals), i;

	for (i = 0; i < n; i++) {
		char *line = arena_strdup(a, vals[i]), *save = NULL, *t, *p;
		for (t = strtok_r(line, " \t,", &save); t != NULL; t = strtok_r(NULL, " \t,", &save)) {
			for (p = t; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			if (strpbrk(t, "*?[") != NULL)
				*ARENA_VEC_PUSH(a, &gl, char *) = t;
			else
				*ARENA_VEC_PUSH(a, &ex, char *) = t;
		}
	}
	fs->exact = ex.v;
	fs->nexact = ex.count;
	fs->globs = gl.v;
	fs->nglobs = gl.count;
	if (fs->nexact > 1)
		qsort(fs->exact, fs->nexact, sizeof(char *), str_cmp);
	return fs;
}

static const struct freemail_set *freemail_set(struct rule_ctx *ctx)
{
	const struct eval_data *ed = ruleset_eval_data(ctx->rs);
	void **slots;

	if (ed != NULL)
		return ed->freemail;
	slots = eval_slots(ctx);
	if (slots[EVAL_SLOT_FREEMAIL] == NULL)
		slots[EVAL_SLOT_FREEMAIL] = eval_freemail_prepare(ctx->rs, ctx->arena);
	return slots[EVAL_SLOT_FREEMAIL];
}

static int domain_listed(struct rule_ctx *ctx, const char *dom)
{
	const struct freemail_set *fs = freemail_set(ctx);
	char *low = lower_dup(ctx, dom, strlen(dom));
	size_t i;

	if (bsearch(&low, fs->exact, fs->nexact, sizeof(char *), str_cmp) != NULL)
		return 1;
	for (i = 0; i < fs->nglobs; i++)
		if (fnmatch(fs->globs[i], low, 0) == 0)
			return 1;
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
	return domain_listed(ctx, at + 1);
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

/* FreeMail.pm's address pattern, with any 2-24 letter TLD standing in
   for its list of valid TLDs. */
#define EMAIL_RE "(?<![a-z0-9!#$%&'*+/=?^_`{|}~-])[a-z0-9!#$%&'*+/=?^_`{|}~-]+" \
	"(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*\\@" \
	"(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\\.){1,4}[a-z]{2,24}\\b"
#define BODY_EMAILS_MAX 5    /* freemail_max_body_emails */
#define BODY_FREEMAILS_MAX 3 /* freemail_max_body_freemails */

/* Every match of pattern in s replaced by a space. */
static char *blank_out(struct rule_ctx *ctx, const char *pattern, char *s)
{
	size_t ofs = 0, len = strlen(s), st, en;

	while (ofs < len && eval_re_find(ctx, pattern, 1, s + ofs, len - ofs, &st, &en)) {
		memset(s + ofs + st, ' ', en - st);
		ofs += en > st ? en : st + 1;
	}
	return s;
}

struct addrs {
	const char *v[40];
	size_t n;
};

static void addrs_add(struct addrs *l, const char *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], a) == 0)
			return;
	if (l->n < N_ELEMENTS(l->v))
		l->v[l->n++] = a;
}


/* Addresses in <a href="mailto:"> links and in the visible text (minus
   those inside URLs, in <>, or quoting "x wrote:"). */
static void body_emails(struct rule_ctx *ctx, struct addrs *out)
{
	const struct rule_text *t = rule_ctx_body(ctx);
	size_t i, st, en;

	for (i = 0; i < ctx->msg->nuris; i++) {
		const struct msg_uri *u = &ctx->msg->uris[i];
		if (u->source == MSG_URI_HREF && strncasecmp(u->uri, "mailto:", 7) == 0 &&
		    eval_re_find(ctx, "^" EMAIL_RE, 1, u->uri + 7, strlen(u->uri + 7), &st, &en))
			addrs_add(out, lower_dup(ctx, u->uri + 7, en));
	}
	for (i = 0; i < t->count && out->n < N_ELEMENTS(out->v); i++) {
		char *line;
		size_t ofs = 0, len;
		/* EMAIL_RE needs an '@', and blanking out adds none */
		if (memchr(t->lines[i], '@', t->lens[i]) == NULL)
			continue;
		line = arena_strndup(ctx->arena, t->lines[i], t->lens[i]);
		blank_out(ctx, "<?https?://\\S{0,255}(?:\\@|%40)\\S{0,255}", line);
		blank_out(ctx, "<?(?<!mailto:)" EMAIL_RE "(?:>|\\s{1,10}(?!(?:fa(?:x|csi)|tel|"
			  "phone|e?-?mail))[a-z]{2,11}:)", line);
		len = strlen(line);
		while (ofs < len && eval_re_find(ctx, EMAIL_RE, 1, line + ofs, len - ofs, &st, &en)) {
			addrs_add(out, lower_dup(ctx, line + ofs + st, en - st));
			ofs += en;
		}
	}
}

/* The freemail addresses of the body; -1 when there are too many
   addresses to judge (freemail_skip_when_over_max). */
static int body_freemails(struct rule_ctx *ctx, struct addrs *fm)
{
	struct addrs all;
	size_t i;

	all.n = 0;
	fm->n = 0;
	body_emails(ctx, &all);
	for (i = 0; i < all.n; i++) {
		if (i + 1 == BODY_EMAILS_MAX)
			return -1;
		if (!is_freemail(ctx, all.v[i]))
			continue;
		if (fm->n + 1 == BODY_FREEMAILS_MAX)
			return -1;
		addrs_add(fm, all.v[i]);
	}
	return 0;
}

static size_t header_addrs(struct rule_ctx *ctx, const char *spec, struct addrs *l, int *fm_r)
{
	const char *const *v;
	size_t n = text_get_list(ctx, spec, &v), i;

	l->n = 0;
	*fm_r = 0;
	for (i = 0; i < n; i++) {
		const char *a = lower_dup(ctx, v[i], strcspn(v[i], "\n"));
		addrs_add(l, a);
		if (is_freemail(ctx, a))
			*fm_r = 1;
	}
	return l->n;
}

static int bulk_envfrom(struct rule_ctx *ctx)
{
	const char *ef = eval_sget(ctx, "EnvelopeFrom");

	return eval_re_match(ctx, "(?:^(?:post|host|domain)master|^double-bounce|"
			     "^(?:sentto|owner|return|(?:gr)?bounced?)-.+|"
			     "-(?:request|bounces?|admin|owner)|"
			     "\\b(?:do[._-t]?)?no[._-t]?repl(?:y|ies)|.+=.+)\\@", 1, ef, strlen(ef));
}

/* 'replyto' (default): From and Reply-To are different freemails, or
   Reply-To is a freemail other than one given in the body; 'reply':
   the same with the address one replies to (Reply-To, else From). */
EVAL_FN(check_freemail_replyto)
{
	const char *what = eval_arg(a, 0);
	struct addrs from, rt, body;
	int from_fm, rt_fm, in_rt = 0;
	const struct addrs *reply;
	size_t i, k;

	if (what == NULL)
		what = "replyto";
	if ((strcmp(what, "replyto") != 0 && strcmp(what, "reply") != 0) || bulk_envfrom(ctx))
		return 0;
	header_addrs(ctx, "From:addr", &from, &from_fm);
	header_addrs(ctx, "Reply-To:addr", &rt, &rt_fm);
	for (i = 0; i < from.n; i++)
		for (k = 0; k < rt.n; k++)
			in_rt |= strcmp(from.v[i], rt.v[k]) == 0;
	if (from_fm && rt_fm && !in_rt)
		return 1;
	if (strcmp(what, "replyto") == 0 ? !rt_fm : (rt.n > 0 ? !rt_fm : !from_fm))
		return 0;
	if (body_freemails(ctx, &body) < 0)
		return 0;
	reply = (strcmp(what, "replyto") == 0 || rt_fm) ? &rt : &from;
	for (i = 0; i < body.n; i++)
		for (k = 0; k < reply->n; k++)
			if (strcmp(body.v[i], reply->v[k]) != 0)
				return 1;
	return 0;
}
