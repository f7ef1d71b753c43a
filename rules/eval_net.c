/*
 * eval_net.c - SpamAssassin's network eval functions, reading the
 * results the pipeline's network step put in ctx->facts->net (lib/hits.h):
 * SPF (Plugin::SPF), DKIM (Plugin::DKIM), DMARC (Plugin::DMARC), DNSBL
 * (Plugin::DNSEval check_rbl, check_rbl_txt, check_rbl_sub) and URIBL
 * (Plugin::URIDNSBL check_uridnsbl).
 *
 * The lookups themselves are not made here: the network step starts
 * them before the rules run (ruleset_net_lookups() lists what the rules
 * ask for) so that they overlap; these functions only match answers.
 * Without network facts (winnow check -L, network checks off) every one
 * returns 0, as SpamAssassin's do when the plugin did not run.
 *
 * Ownership: nothing kept; patterns through eval_re_match's cache.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static const struct net_facts *net_of(const struct rule_ctx *ctx)
{
	return ctx->facts != NULL ? ctx->facts->net : NULL;
}

/* ---- SPF ---- */

static int spf_is(const struct rule_ctx *ctx, int helo, enum net_spf want)
{
	const struct net_facts *n = net_of(ctx);

	if (n == NULL)
		return 0;
	return (helo ? n->spf_helo : n->spf) == want;
}

#define SPF_FN(name, helo, want) \
	EVAL_FN(name) { (void)a; return spf_is(ctx, helo, want); }

SPF_FN(check_for_spf_pass, 0, NET_SPF_PASS)
SPF_FN(check_for_spf_neutral, 0, NET_SPF_NEUTRAL)
SPF_FN(check_for_spf_none, 0, NET_SPF_NONE)
SPF_FN(check_for_spf_fail, 0, NET_SPF_FAIL)
SPF_FN(check_for_spf_softfail, 0, NET_SPF_SOFTFAIL)
SPF_FN(check_for_spf_permerror, 0, NET_SPF_PERMERROR)
SPF_FN(check_for_spf_temperror, 0, NET_SPF_TEMPERROR)
SPF_FN(check_for_spf_helo_pass, 1, NET_SPF_PASS)
SPF_FN(check_for_spf_helo_neutral, 1, NET_SPF_NEUTRAL)
SPF_FN(check_for_spf_helo_none, 1, NET_SPF_NONE)
SPF_FN(check_for_spf_helo_fail, 1, NET_SPF_FAIL)
SPF_FN(check_for_spf_helo_softfail, 1, NET_SPF_SOFTFAIL)
SPF_FN(check_for_spf_helo_permerror, 1, NET_SPF_PERMERROR)
SPF_FN(check_for_spf_helo_temperror, 1, NET_SPF_TEMPERROR)

/* ---- DKIM ---- */

enum dkim_need { DK_SIGNED, DK_VALID, DK_AUTHOR, DK_ENVFROM };

/* Does sig's d= match one of the rule's domain arguments? SpamAssassin
   compares case-insensitively; a "*." argument also covers subdomains.
   No arguments: any domain. */
static int dkim_domain_ok(const struct net_dkim_sig *sig, const struct rule_eval_args *a)
{
	size_t i, dl, al;

	if (a->argc == 0)
		return 1;
	dl = strlen(sig->domain);
	for (i = 0; i < a->argc; i++) {
		const char *want = a->argv[i];
		if (strncmp(want, "*.", 2) == 0) {
			want += 2;
			al = strlen(want);
			if (dl > al && sig->domain[dl - al - 1] == '.' &&
			    strcasecmp(sig->domain + dl - al, want) == 0)
				return 1;
		}
		if (strcasecmp(sig->domain, want) == 0)
			return 1;
	}
	return 0;
}

static int dkim_any(const struct rule_ctx *ctx, const struct rule_eval_args *a,
		    enum dkim_need need)
{
	const struct net_facts *n = net_of(ctx);
	size_t i;

	if (n == NULL || !n->dkim_checked)
		return 0;
	for (i = 0; i < n->ndkim; i++) {
		const struct net_dkim_sig *s = &n->dkim[i];
		int ok = need == DK_SIGNED || (s->valid && (need == DK_VALID ||
				(need == DK_AUTHOR && s->author) ||
				(need == DK_ENVFROM && s->envfrom)));
		if (ok && dkim_domain_ok(s, a))
			return 1;
	}
	return 0;
}

/* SpamAssassin's check_dkim_dependable: the verification result can be
   trusted, here: no signature was left unverified by DNS trouble (a
   timeout is no evidence that a signature is bad). */
EVAL_FN(check_dkim_dependable)
{
	const struct net_facts *n = net_of(ctx);
	size_t i;

	(void)a;
	if (n == NULL || !n->dkim_checked)
		return 0;
	for (i = 0; i < n->ndkim; i++)
		if (n->dkim[i].temperror)
			return 0;
	return 1;
}

EVAL_FN(check_dkim_signed) { return dkim_any(ctx, a, DK_SIGNED); }
EVAL_FN(check_dkim_valid) { return dkim_any(ctx, a, DK_VALID); }
EVAL_FN(check_dkim_valid_author_sig) { return dkim_any(ctx, a, DK_AUTHOR); }
EVAL_FN(check_dkim_valid_envelopefrom) { return dkim_any(ctx, a, DK_ENVFROM); }

/* ---- DMARC ---- */

static int dmarc_is(const struct rule_ctx *ctx, enum net_dmarc want)
{
	const struct net_facts *n = net_of(ctx);

	return n != NULL && n->dmarc == want;
}

EVAL_FN(check_dmarc_pass) { (void)a; return dmarc_is(ctx, NET_DMARC_PASS); }
EVAL_FN(check_dmarc_reject) { (void)a; return dmarc_is(ctx, NET_DMARC_REJECT); }
EVAL_FN(check_dmarc_quarantine) { (void)a; return dmarc_is(ctx, NET_DMARC_QUARANTINE); }
EVAL_FN(check_dmarc_none) { (void)a; return dmarc_is(ctx, NET_DMARC_NONE); }
EVAL_FN(check_dmarc_missing) { (void)a; return dmarc_is(ctx, NET_DMARC_MISSING); }

/* ---- ARC ---- */

EVAL_FN(check_arc_signed)
{
	const struct net_facts *n = net_of(ctx);

	(void)a;
	return n != NULL && n->arc_signed;
}

EVAL_FN(check_arc_valid)
{
	const struct net_facts *n = net_of(ctx);

	(void)a;
	return n != NULL && n->arc_valid;
}

/* ---- DNSBL / URIBL ---- */

/* An IPv4 answer as a number; 0 if it is not a dotted quad. */
static unsigned long rbl_quad(const char *s)
{
	unsigned long v = 0, part;
	int dots = 0;
	char *end;

	for (;;) {
		if (*s < '0' || *s > '9')
			return 0;
		part = strtoul(s, &end, 10);
		if (part > 255)
			return 0;
		v = v * 256 + part;
		s = end;
		if (*s == '\0')
			break;
		if (*s++ != '.' || ++dots > 3)
			return 0;
	}
	return dots == 3 ? v : 0;
}

/* SpamAssassin's check_subtest: digits only is a bit mask over an
   answer in 127/8; a dotted quad must equal the answer; anything else
   is a regular expression over it. */
static int rbl_subtest(struct rule_ctx *ctx, const char *answer, const char *sub)
{
	unsigned long mask;
	char *end;

	if (sub[0] != '\0' && strspn(sub, "0123456789") == strlen(sub)) {
		mask = strtoul(sub, &end, 10);
		return strncmp(answer, "127.", 4) == 0 && (rbl_quad(answer) & mask) != 0;
	}
	if (rbl_quad(sub) != 0)
		return strcmp(answer, sub) == 0;
	return eval_re_match(ctx, sub, 0, answer, strlen(answer));
}

/* An answer counts only from 127/8 for A records (a hijacking
   resolver's wildcard is not a listing); TXT answers always. */
static int rbl_answer_ok(const struct net_rbl_answer *r, char type)
{
	return r->type == type && (type != 'A' || strncmp(r->answer, "127.", 4) == 0);
}

static int rbl_rule_hit(struct rule_ctx *ctx, const struct rule_eval_args *a, char type)
{
	const struct net_facts *n = net_of(ctx);
	const char *sub = eval_arg(a, 2);
	size_t i;

	if (n == NULL)
		return 0;
	for (i = 0; i < n->nrbl; i++) {
		const struct net_rbl_answer *r = &n->rbl[i];
		if (strcmp(r->rule, a->rule) != 0 || !rbl_answer_ok(r, type))
			continue;
		if (sub == NULL || *sub == '\0' || rbl_subtest(ctx, r->answer, sub))
			return 1;
	}
	return 0;
}

EVAL_FN(check_rbl) { return rbl_rule_hit(ctx, a, 'A'); }
EVAL_FN(check_rbl_txt) { return rbl_rule_hit(ctx, a, 'T'); }

EVAL_FN(check_rbl_sub)
{
	const struct net_facts *n = net_of(ctx);
	const char *set = eval_arg(a, 0), *sub = eval_arg(a, 1);
	size_t i;

	if (n == NULL || set == NULL || sub == NULL)
		return 0;
	for (i = 0; i < n->nrbl; i++) {
		const struct net_rbl_answer *r = &n->rbl[i];
		if (strcmp(r->set, set) == 0 && rbl_answer_ok(r, 'A') &&
		    rbl_subtest(ctx, r->answer, sub))
			return 1;
	}
	return 0;
}

/* check_uridnsbl('RULE'): the URIBL lookups of urirhssub/uridnsbl rule
   RULE found a listing (the network step matched their return codes). */
EVAL_FN(check_uridnsbl)
{
	const struct net_facts *n = net_of(ctx);
	const char *rule = eval_arg(a, 0);
	size_t i;

	if (n == NULL || rule == NULL)
		return 0;
	for (i = 0; i < n->nrbl; i++) {
		if (strcmp(n->rbl[i].set, rule) == 0 && rbl_answer_ok(&n->rbl[i], 'A'))
			return 1;
	}
	return 0;
}
