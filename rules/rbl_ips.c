/*
 * rbl_ips.c - which relay IPs a check_rbl set is about, SpamAssassin's
 * DNSEval way (parsed_metadata and _check_rbl_backend): the untrusted
 * relays and the addresses of originating_ip_headers, without private
 * ones and repeats, chosen by the set name's suffix.
 *
 * Ownership: IP lists in the message arena.
 */
#include "config.h"

#include <string.h>

#include "lib/wn.h"
#include "rules/eval_int.h"

/* SpamAssassin's num_check_received: relays looked up per set. */
#define RBL_MAX_RELAYS 9

struct iplist {
	const char **v;
	size_t n, cap;
};

static void ip_push(struct arena *a, struct iplist *l, const char *ip)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		l->v = arena_realloc(a, l->v, l->cap * sizeof(*l->v), cap * sizeof(*l->v));
		l->cap = cap;
	}
	l->v[l->n++] = ip;
}

/* SA's ip_list_uniq_and_strip_private. */
static void ip_add_uniq(struct arena *a, struct iplist *l, const char *ip)
{
	size_t i;

	if (ip == NULL || *ip == '\0' || relays_ip_private(ip))
		return;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], ip) == 0)
			return;
	ip_push(a, l, ip);
}

/* SA's originating_ip_headers (default: the webmail ones): every IPv4
   address written in them. */
static void originating_ips(struct rule_ctx *ctx, struct iplist *out)
{
	static const char *const dflt[] = { "X-Yahoo-Post-IP", "X-Originating-IP",
					    "X-Apparently-From", "X-SenderIP" };
	const char *const *names;
	size_t n = ruleset_setting(ctx->rs, "originating_ip_headers", &names), i;
	int use_default = n == 0;

	for (i = 0; i < (use_default ? N_ELEMENTS(dflt) : n); i++) {
		const char *v = text_header(ctx, use_default ? dflt[i] : names[i]);
		size_t s, e;
		while (v != NULL &&
		       eval_re_find(ctx, "\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b", 0, v, strlen(v),
				    &s, &e)) {
			ip_push(ctx->arena, out, arena_strndup(ctx->arena, v + s, e - s));
			v += e;
		}
	}
}

static int set_has_suffix(const char *set, const char *suffix)
{
	size_t n = strlen(set), k = strlen(suffix);

	return n >= k && strcmp(set + n - k, suffix) == 0;
}

/* The untrusted relays' IPs (newest first), then the originating ones
   not trusted, both without private addresses and repeats. */
static void untrusted_ips(struct rule_ctx *ctx, const struct relay_info *ri,
			  const struct iplist *orig, struct iplist *out)
{
	size_t i;

	for (i = ri->num_trusted; i < ri->count; i++)
		ip_add_uniq(ctx->arena, out, ri->v[i].ip);
	for (i = 0; i < orig->n; i++)
		if (!relays_ip_trusted(ctx, orig->v[i]))
			ip_add_uniq(ctx->arena, out, orig->v[i]);
}

/* -lastexternal / -notfirsthop: the external relays (trusted but not
   internal, then untrusted). */
static void external_ips(struct rule_ctx *ctx, const struct relay_info *ri,
			 struct iplist *out)
{
	size_t i;

	for (i = 0; i < ri->count; i++)
		if (i >= ri->num_trusted || i >= ri->num_internal)
			ip_add_uniq(ctx->arena, out, ri->v[i].ip);
}

static void ips_reverse(struct iplist *l)
{
	size_t i;

	for (i = 0; i < l->n / 2; i++) {
		const char *t = l->v[i];
		l->v[i] = l->v[l->n - 1 - i];
		l->v[l->n - 1 - i] = t;
	}
}

static void ips_select(struct rule_ctx *ctx, const struct relay_info *ri, const char *set,
		       struct iplist *ips)
{
	struct iplist orig = { 0 };

	if (set_has_suffix(set, "-lastexternal") || set_has_suffix(set, "-notfirsthop")) {
		external_ips(ctx, ri, ips);
		if (set_has_suffix(set, "-lastexternal"))
			ips->n = ips->n > 0 ? 1 : 0;
		else if (ips->n > 1)
			ips->n--;
		return;
	}
	originating_ips(ctx, &orig);
	untrusted_ips(ctx, ri, &orig, ips);
	if (set_has_suffix(set, "-firsttrusted")) {
		ips->n = ips->n > 0 ? 1 : 0;
	} else if (set_has_suffix(set, "-untrusted")) {
		if (ips->n > 0) {
			ips->v++;
			ips->n--;
		}
	} else {
		ips_reverse(ips); /* SpamAssassin then keeps the first (oldest) ones */
	}
}

size_t rule_ctx_rbl_ips(struct rule_ctx *ctx, const char *set, int nice,
			const char *const **ips_r)
{
	const struct relay_info *ri = relays_get(ctx);
	struct iplist ips = { 0 };

	ips_select(ctx, ri, set, &ips);
	if (ips.n > RBL_MAX_RELAYS)
		ips.n = RBL_MAX_RELAYS;
	/* trusted relays are for "nice" lists (DNSWLs) only */
	while (!nice && ips.n > 0 && relays_ip_trusted(ctx, ips.v[0])) {
		ips.v++;
		ips.n--;
	}
	*ips_r = ips.v;
	return ips.n;
}

int rule_ctx_first_untrusted(struct rule_ctx *ctx, const char **ip_r, const char **helo_r,
			     const char **envfrom_r)
{
	const struct relay_info *ri = relays_get(ctx);
	const struct relay *r;

	if (ri->num_trusted >= ri->count)
		return -1;
	r = &ri->v[ri->num_trusted];
	if (r->ip == NULL || r->ip[0] == '\0')
		return -1;
	*ip_r = r->ip;
	*helo_r = r->helo;
	*envfrom_r = ri->envelope_from;
	return 0;
}
