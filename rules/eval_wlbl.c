/*
 * eval_wlbl.c - SpamAssassin's WLBLEval and FromNameSpoof plugins:
 * sender/recipient welcome- and block-lists (both the old white/black
 * names and the new ones), *_from_rcvd entries checked against the
 * relays' reverse DNS, URI host lists, Subject lists, enlist_addrlist
 * groups; the From display name compared with To and Reply-To.
 * Empty lists never hit.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/uri.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

/* Every whitespace-separated word of every value of a setting. */
static size_t setting_words(struct rule_ctx *ctx, const char *key, const char ***v_r)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, key, &vals), i;
	struct arena_vec out = { NULL, 0, 0 };

	for (i = 0; i < n; i++) {
		char *line = arena_strdup(ctx->arena, vals[i]), *save = NULL, *t;
		for (t = strtok_r(line, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save))
			*ARENA_VEC_PUSH(ctx->arena, &out, const char *) = t;
	}
	*v_r = out.v;
	return out.count;
}

static int glob_match(const char *pat, const char *s)
{
	return fnmatch(pat, s, FNM_CASEFOLD) == 0;
}

static size_t addrs_of(struct rule_ctx *ctx, const char *const *specs, size_t nspecs,
		       const char ***v_r)
{
	struct arena_vec out = { NULL, 0, 0 };
	size_t i, k;

	for (i = 0; i < nspecs; i++) {
		const char *const *v;
		size_t n = text_get_list(ctx, specs[i], &v);
		for (k = 0; k < n; k++)
			*ARENA_VEC_PUSH(ctx->arena, &out, const char *) = v[k];
	}
	*v_r = out.v;
	return out.count;
}

/* SA's all_from_addrs: the originator fields. */
static size_t from_addrs(struct rule_ctx *ctx, const char ***v_r)
{
	static const char *const specs[] = { "From:addr", "Envelope-Sender:addr",
					     "Resent-Sender:addr", "X-Envelope-From:addr",
					     "EnvelopeFrom:addr", "Resent-From:addr" };
	return addrs_of(ctx, specs, N_ELEMENTS(specs), v_r);
}

static size_t to_addrs(struct rule_ctx *ctx, const char ***v_r)
{
	static const char *const specs[] = { "To:addr", "Cc:addr", "Apparently-To:addr",
					     "Delivered-To:addr", "Envelope-Recipients:addr",
					     "Apparently-Resent-To:addr", "X-Envelope-To:addr",
					     "Envelope-To:addr", "X-Delivered-To:addr",
					     "X-Original-To:addr", "X-Rcpt-To:addr",
					     "X-Real-To:addr", "Resent-To:addr", "Resent-Cc:addr" };
	return addrs_of(ctx, specs, N_ELEMENTS(specs), v_r);
}

static int in_list(struct rule_ctx *ctx, const char **addrs, size_t na, const char *key)
{
	const char **pats;
	size_t np = setting_words(ctx, key, &pats), i, k;

	for (i = 0; i < na; i++)
		for (k = 0; k < np; k++)
			if (glob_match(pats[k], addrs[i]))
				return 1;
	return 0;
}

/* "*_from_rcvd addr domain": the address matches and a relay that
   handed the message to us (trusted ones and the first untrusted) has
   that domain as its reverse DNS (or the IP literal given). */
static int in_rcvd_list(struct rule_ctx *ctx, const char **addrs, size_t na, const char *key)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, key, &vals), i, k, r;
	const struct relay_info *ri = relays_get(ctx);

	for (i = 0; i < n; i++) {
		char pat[512], dom[256];
		if (sscanf(vals[i], "%511s %255s", pat, dom) != 2)
			continue;
		for (k = 0; k < na; k++) {
			if (!glob_match(pat, addrs[k]))
				continue;
			for (r = 0; r < ri->count && r <= ri->num_trusted; r++) {
				const char *rd = ri->v[r].rdns;
				size_t rl = strlen(rd), dl = strlen(dom);
				if ((ri->v[r].ip != NULL && strcmp(ri->v[r].ip, dom) == 0) ||
				    strcasecmp(rd, dom) == 0 ||
				    (rl > dl && rd[rl - dl - 1] == '.' && strcasecmp(rd + rl - dl, dom) == 0))
					return 1;
			}
		}
	}
	return 0;
}

/* Is any of these settings (NULL: none) given at all? Most sites list
   nothing, and then the addresses need not be worked out. */
static int any_set(struct rule_ctx *ctx, const char *k1, const char *k2, const char *k3,
		   const char *k4)
{
	const char *const keys[] = { k1, k2, k3, k4 };
	const char *const *vals;
	size_t i;

	for (i = 0; i < N_ELEMENTS(keys); i++)
		if (keys[i] != NULL && ruleset_setting(ctx->rs, keys[i], &vals) > 0)
			return 1;
	return 0;
}

static int from_listed(struct rule_ctx *ctx, const char *plain1, const char *plain2,
		       const char *rcvd1, const char *rcvd2)
{
	const char **v;
	size_t n;

	if (!any_set(ctx, plain1, plain2, rcvd1, rcvd2))
		return 0;
	n = from_addrs(ctx, &v);
	if (n == 0)
		return 0;
	return in_list(ctx, v, n, plain1) || in_list(ctx, v, n, plain2) ||
	       (rcvd1 && in_rcvd_list(ctx, v, n, rcvd1)) || (rcvd2 && in_rcvd_list(ctx, v, n, rcvd2));
}

EVAL_FN(check_from_in_whitelist)
{
	(void)a;
	return from_listed(ctx, "whitelist_from", "welcomelist_from", "whitelist_from_rcvd",
			   "welcomelist_from_rcvd");
}

EVAL_FN(check_from_in_welcomelist)
{
	return check_from_in_whitelist(ctx, a);
}

EVAL_FN(check_from_in_blacklist)
{
	(void)a;
	return from_listed(ctx, "blacklist_from", "blocklist_from", NULL, NULL);
}

EVAL_FN(check_from_in_blocklist)
{
	return check_from_in_blacklist(ctx, a);
}

EVAL_FN(check_from_in_default_whitelist)
{
	const char **v;
	size_t n = from_addrs(ctx, &v);

	(void)a;
	return n > 0 && (in_rcvd_list(ctx, v, n, "def_whitelist_from_rcvd") ||
			 in_rcvd_list(ctx, v, n, "def_welcomelist_from_rcvd"));
}

EVAL_FN(check_from_in_default_welcomelist)
{
	return check_from_in_default_whitelist(ctx, a);
}

static int to_listed(struct rule_ctx *ctx, const char *k1, const char *k2)
{
	const char **v;
	size_t n;

	if (!any_set(ctx, k1, k2, NULL, NULL))
		return 0;
	n = to_addrs(ctx, &v);
	return n > 0 && (in_list(ctx, v, n, k1) || (k2 != NULL && in_list(ctx, v, n, k2)));
}

EVAL_FN(check_to_in_whitelist)
{
	(void)a;
	return to_listed(ctx, "whitelist_to", "welcomelist_to");
}

EVAL_FN(check_to_in_welcomelist)
{
	return check_to_in_whitelist(ctx, a);
}

EVAL_FN(check_to_in_blacklist)
{
	(void)a;
	return to_listed(ctx, "blacklist_to", "blocklist_to");
}

EVAL_FN(check_to_in_blocklist)
{
	return check_to_in_blacklist(ctx, a);
}

EVAL_FN(check_to_in_all_spam)
{
	(void)a;
	return to_listed(ctx, "all_spam_to", NULL);
}

EVAL_FN(check_to_in_more_spam)
{
	(void)a;
	return to_listed(ctx, "more_spam_to", NULL);
}

/* enlist_addrlist (LISTNAME) addr ... */
static int in_addrlist(struct rule_ctx *ctx, const char *addr, const char *list)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, "enlist_addrlist", &vals), i;
	char want[128];
	size_t wl;

	snprintf(want, sizeof(want), "(%s)", list);
	wl = strlen(want);
	for (i = 0; i < n; i++) {
		const char *v = vals[i] + strspn(vals[i], " \t");
		char *line, *save = NULL, *t;
		/* only lines of this list are split (most are of others) */
		if (strncasecmp(v, want, wl) != 0 || (v[wl] != ' ' && v[wl] != '\t' && v[wl] != '\0'))
			continue;
		line = arena_strdup(ctx->arena, v);
		t = strtok_r(line, " \t", &save);
		if (t == NULL || strcasecmp(t, want) != 0)
			continue;
		while ((t = strtok_r(NULL, " \t", &save)) != NULL)
			if (glob_match(t, addr))
				return 1;
	}
	return 0;
}

EVAL_FN(check_from_in_list)
{
	const char *const *v;
	size_t n = text_get_list(ctx, "From:addr", &v), i;

	for (i = 0; i < n; i++)
		if (in_addrlist(ctx, v[i], eval_arg(a, 0)))
			return 1;
	return 0;
}

EVAL_FN(check_replyto_in_list)
{
	const char *const *v;
	size_t n = text_get_list(ctx, "Reply-To:addr", &v), i;

	for (i = 0; i < n; i++)
		if (in_addrlist(ctx, v[i], eval_arg(a, 0)))
			return 1;
	return 0;
}

/* *_uri_host: a domain and its subdomains, "!" excludes. */
static int uri_host_listed(struct rule_ctx *ctx, const char *k1, const char *k2)
{
	const char **w1, **w2;
	size_t n1 = setting_words(ctx, k1, &w1), n2 = setting_words(ctx, k2, &w2), i, k;

	if (n1 + n2 == 0)
		return 0;
	for (i = 0; i < ctx->msg->nuris; i++) {
		const char *h = ctx->msg->uris[i].host;
		size_t hl;
		if (h == NULL)
			continue;
		hl = strlen(h);
		for (k = 0; k < n1 + n2; k++) {
			const char *d = k < n1 ? w1[k] : w2[k - n1];
			size_t dl = strlen(d);
			if (d[0] == '!')
				continue;
			if (strcasecmp(h, d) == 0 ||
			    (hl > dl && h[hl - dl - 1] == '.' && strcasecmp(h + hl - dl, d) == 0))
				return 1;
		}
	}
	return 0;
}

EVAL_FN(check_uri_host_in_whitelist)
{
	(void)a;
	return uri_host_listed(ctx, "whitelist_uri_host", "welcomelist_uri_host");
}

EVAL_FN(check_uri_host_in_welcomelist)
{
	return check_uri_host_in_whitelist(ctx, a);
}

EVAL_FN(check_uri_host_in_blacklist)
{
	(void)a;
	return uri_host_listed(ctx, "blacklist_uri_host", "blocklist_uri_host");
}

EVAL_FN(check_uri_host_in_blocklist)
{
	return check_uri_host_in_blacklist(ctx, a);
}

static int subject_listed(struct rule_ctx *ctx, const char *k1, const char *k2)
{
	const char *const *vals;
	const char *subj = text_header(ctx, "Subject");
	const char *keys[2] = { k1, k2 };
	size_t i, k;

	if (subj == NULL)
		return 0;
	for (k = 0; k < 2; k++) {
		size_t n = ruleset_setting(ctx->rs, keys[k], &vals);
		for (i = 0; i < n; i++)
			if (glob_match(vals[i], subj))
				return 1;
	}
	return 0;
}

EVAL_FN(check_subject_in_whitelist)
{
	(void)a;
	return subject_listed(ctx, "whitelist_subject", "welcomelist_subject");
}

EVAL_FN(check_subject_in_welcomelist)
{
	return check_subject_in_whitelist(ctx, a);
}

EVAL_FN(check_subject_in_blacklist)
{
	(void)a;
	return subject_listed(ctx, "blacklist_subject", "blocklist_subject");
}

EVAL_FN(check_subject_in_blocklist)
{
	return check_subject_in_blacklist(ctx, a);
}

/* ---- FromNameSpoof (the local part: display name vs addresses) ---- */

static const char *from_name(struct rule_ctx *ctx)
{
	const char *const *v;
	return text_get_list(ctx, "From:name", &v) > 0 ? v[0] : NULL;
}

static int name_equals_addr(struct rule_ctx *ctx, const char *spec)
{
	const char *name = from_name(ctx);
	const char *const *v;
	size_t n, i;

	if (name == NULL)
		return 0;
	n = text_get_list(ctx, spec, &v);
	for (i = 0; i < n; i++)
		if (strcasestr(name, v[i]) != NULL)
			return 1;
	return 0;
}

EVAL_FN(check_fromname_equals_to)
{
	(void)a;
	return name_equals_addr(ctx, "To:addr");
}

EVAL_FN(check_fromname_equals_replyto)
{
	(void)a;
	return name_equals_addr(ctx, "Reply-To:addr");
}
