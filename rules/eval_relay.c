/*
 * eval_relay.c - SpamAssassin's RelayEval plugin over the relay model
 * of relays.c: numeric HELO, HELO/IP mismatch, all-trusted / no relays /
 * unparseable chains, forged Received trails, From domain in the
 * Received chain, no-rDNS dotcom HELO.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static int is_ipv4(const char *s)
{
	int dots = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return 0;
	}
	return dots == 3 && relays_is_ip(s);
}

/* Relays after the trusted ones. */
#define FOR_UNTRUSTED(ri, r)                                                    \
	for (size_t ui_ = (ri)->num_trusted; ui_ < (ri)->count; ui_++)          \
		for (const struct relay *r = &(ri)->v[ui_]; r != NULL; r = NULL)

EVAL_FN(check_for_numeric_helo)
{
	const struct relay_info *ri = relays_get(ctx);

	(void)a;
	FOR_UNTRUSTED(ri, r) {
		/* SA matches helo=<IPv4> in the string, so "!1.2.3.4!" does not */
		if (is_ipv4(r->helo) && !relays_ip_private(r->helo))
			return 1;
	}
	return 0;
}

EVAL_FN(check_for_illegal_ip)
{
	/* SA 4 retired this test (it warns and returns 0). */
	(void)ctx;
	(void)a;
	return 0;
}

EVAL_FN(helo_ip_mismatch)
{
	const struct relay_info *ri = relays_get(ctx);

	(void)a;
	FOR_UNTRUSTED(ri, r) {
		const char *d;
		size_t pre;
		if (!is_ipv4(r->helo) || relays_ip_private(r->helo))
			continue;
		if (!is_ipv4(r->ip) || relays_ip_private(r->ip) || strcmp(r->helo, r->ip) == 0)
			continue;
		/* first three octets with the trailing dot */
		d = strrchr(r->helo, '.');
		pre = (size_t)(d - r->helo) + 1;
		if (strncmp(r->ip, r->helo, pre) != 0)
			return 1;
	}
	return 0;
}

EVAL_FN(check_all_trusted)
{
	const struct relay_info *ri = relays_get(ctx);

	(void)a;
	return ri->num_trusted > 0 && ri->num_trusted == ri->count && ri->num_unparsed == 0;
}

EVAL_FN(check_no_relays)
{
	const struct relay_info *ri = relays_get(ctx);

	(void)a;
	return ri->count == 0 && ri->num_unparsed == 0;
}

EVAL_FN(check_relays_unparseable)
{
	(void)a;
	return relays_get(ctx)->num_unparsed > 0;
}

EVAL_FN(check_for_sender_no_reverse)
{
	const struct relay_info *ri = relays_get(ctx);
	const struct relay *r;

	(void)a;
	if (ri->count <= ri->num_trusted)
		return 0;
	r = &ri->v[ri->count - 1];
	if (strchr(r->rdns, '.') == NULL)
		return 0;
	return !r->ip_private;
}

/* SA's hostname_to_domain: the last two labels (three when the TLD is
   a two-letter ccTLD other than ie/fr/de); IPs unchanged. */
static const char *host_domain(struct rule_ctx *ctx, const char *h)
{
	const char *p, *last, *prev = NULL, *prev2 = NULL;
	size_t tl;
	int alpha = 0;

	for (p = h; *p != '\0'; p++)
		if (isalpha((unsigned char)*p))
			alpha = 1;
	if (!alpha)
		return h;
	last = strrchr(h, '.');
	if (last == NULL)
		return h;
	for (p = h; p < last; p++)
		if (*p == '.') {
			prev2 = prev;
			prev = p;
		}
	tl = strlen(last + 1);
	if (tl >= 3 || strcmp(last + 1, "ie") == 0 || strcmp(last + 1, "fr") == 0 ||
	    strcmp(last + 1, "de") == 0) {
		/* SA's /\S{3,}|ie|fr|de/ is unanchored: any TLD containing 3+
		   non-space characters, or containing ie/fr/de */
		return prev ? arena_strdup(ctx->arena, prev + 1) : h;
	}
	if (prev != NULL)
		return prev2 ? arena_strdup(ctx->arena, prev2 + 1) : h;
	return h;
}

static int domain_shape(struct rule_ctx *ctx, const char *s)
{
	return s != NULL && eval_re_match(ctx, "^\\w+(?:[\\w.-]+\\.)+\\w+$", 0, s, strlen(s));
}

static char *lc(struct rule_ctx *ctx, const char *s)
{
	char *o = arena_strdup(ctx->arena, s);
	size_t i;

	for (i = 0; o[i] != '\0'; i++)
		o[i] = (char)tolower((unsigned char)o[i]);
	return o;
}

EVAL_FN(check_for_forged_received_trail)
{
	const struct relay_info *ri = relays_get(ctx);
	size_t n = ri->count - ri->num_trusted, i;
	const char **from;
	int mismatch = 0;

	(void)a;
	if (n == 0)
		return 0;
	from = arena_zalloc(ctx->arena, n * sizeof(char *));
	for (i = 0; i < n; i++)
		from[i] = host_domain(ctx, lc(ctx, ri->v[ri->num_trusted + i].rdns));
	for (i = 0; i < n; i++) {
		const struct relay *r = &ri->v[ri->num_trusted + i];
		const char *by = host_domain(ctx, lc(ctx, r->by));
		if (!domain_shape(ctx, by))
			continue;
		if (from[i] != NULL && r->ip != NULL &&
		    (strcmp(from[i], "localhost") == 0 || strcmp(from[i], "localhost.localdomain") == 0) &&
		    strcmp(r->ip, "127.0.0.1") == 0)
			from[i] = NULL;
		if (i > 0 && from[i - 1] != NULL && domain_shape(ctx, from[i - 1]) &&
		    strcmp(by, from[i - 1]) != 0 &&
		    !(strcmp(by, "msn.com") == 0 && strcmp(from[i - 1], "hotmail.com") == 0))
			mismatch++;
	}
	return mismatch > 1;
}

EVAL_FN(check_for_from_domain_in_received_headers)
{
	const struct relay_info *ri = relays_get(ctx);
	const char *domain = eval_arg(a, 0), *desired = eval_arg(a, 1);
	const char *from = eval_sget(ctx, "From:addr");
	const char *rcvd, *re;
	int want = strcmp(desired, "true") == 0, found;

	re = arena_printf(ctx->arena, "\\b%s", domain);
	if (!eval_re_match(ctx, re, 1, from, strlen(from)))
		return 0;
	rcvd = arena_printf(ctx->arena, "%s\n%s", ri->str_trusted, ri->str_untrusted);
	re = arena_printf(ctx->arena, " rdns=\\S*\\b%s [^\\]]*by=\\S*\\b%s ", domain, domain);
	found = eval_re_match(ctx, re, 0, rcvd, strlen(rcvd));
	return found ? want : !want;
}

EVAL_FN(check_for_no_rdns_dotcom_helo)
{
	const struct relay_info *ri = relays_get(ctx);
	int hit = 0;

	(void)a;
	FOR_UNTRUSTED(ri, r) {
		if (r->ip_private)
			continue;
		if (!eval_re_match(ctx, "(?:\\.|^)(lycos\\.com|lycos\\.co\\.uk|hotmail\\.com|"
					"localhost\\.com|excite\\.com|caramail\\.com|cs\\.com|aol\\.com|"
					"msn\\.com|yahoo\\.com|drizzle\\.com)$", 1, r->helo, strlen(r->helo)))
			continue;
		/* SA knows the MTA looked DNS up (no_reverse_dns) only for
		   formats that record "unknown"; we see that as rdns "" with
		   the literal "unknown" in the field */
		if (r->rdns[0] == '\0' && r->rcvd != NULL && r->rcvd->raw != NULL &&
		    strstr(r->rcvd->raw, "unknown") != NULL)
			hit = 1;
	}
	return hit;
}
