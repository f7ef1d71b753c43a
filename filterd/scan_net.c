/*
 * scan_net.c - the pipeline's network step (see scan_net.h).
 *
 * Per message: one dns_batch. scan_net_start() sends everything that
 * can be asked at once: the DNSBL lookups of check_rbl rules (the relay
 * IPs each set is about, rules/rbl_ips.c), the URIBL lookups of
 * urirhssub / urirhsbl / uridnsbl rules over the message's URI domains,
 * the dnsbl_zones lists, the SPF record lookups, the DKIM key lookups.
 * scan_net_collect() waits for them within the budget and fills
 * msg_facts.net, the hits the rules do not give (dnsbl_zones), and what
 * Authentication-Results will say.
 *
 * Ownership: the engine state (resolver, DKIM library, public suffix
 * list, the lists made from the rules) is shared read-only by the scan
 * threads; the per-message state lives in the message arena, and its
 * batch is freed with the arena at the latest.
 */
#include "filterd/scan_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filterd/authres.h"
#include "filterd/check_arc.h"
#include "filterd/check_dkim.h"
#include "filterd/check_dmarc.h"
#include "filterd/check_dnsbl.h"
#include "filterd/check_spf.h"
#include "lib/buf.h"
#include "lib/dns.h"
#include "lib/log.h"
#include "lib/psl.h"
#include "rules/rule.h"

/* The relay IP sets of check_rbl lists, by set-name suffix (each group
   gets its own IP list; rule_ctx_rbl_ips picks it). */
static const char *const net_suffixes[] = {
	"", "-lastexternal", "-notfirsthop", "-firsttrusted", "-untrusted",
};
#define NET_GROUPS (2 * N_ELEMENTS(net_suffixes)) /* x nice */

struct net_group {
	struct dnsbl_list *lists;
	size_t n;
	const char *set;  /* a set name of this group, for rule_ctx_rbl_ips */
	int nice;
};

struct scan_net {
	struct dns *dns;
	struct chk_dkim *dkim;       /* NULL: use_dkim no */
	struct psl *psl;             /* NULL: no URIBL or DMARC (list missing) */
	int use_spf, use_dmarc, dmarc_reject, use_arc;
	struct chk_arc_conf arc;
	struct arena *arena;         /* the lists below */
	struct net_group groups[NET_GROUPS];
	struct dnsbl_list *uribl;    /* URIBL lists of the rules */
	size_t nuribl;
	struct dnsbl_list *zones;    /* dnsbl_zones */
	size_t nzones;
};

/* One message's state. */
struct scan_net_msg {
	const struct scan_net *net;
	struct dns_batch *batch;
	struct dnsbl *rbl[NET_GROUPS];
	struct dnsbl *uribl, *zones;
	struct spf_check *spf;
	struct chk_dkim_job *dkim;
	struct chk_dmarc *dmarc;
	struct chk_arc_job *arc;
	struct chk_arc_results arc_r;
	struct spf_result spf_mf;        /* for DMARC */
	struct chk_dkim_results dkim_r;
	const char *reject;              /* a DMARC reject to enforce, or NULL */
	size_t timeouts;                 /* DNSBL/URIBL lookups unanswered in time */
	int spf_temp, dkim_temp;         /* SPF, a DKIM key: DNS trouble */
	struct net_facts facts;
	struct authres_item *ar;
	size_t nar;
};

/* ---- loading ---- */

static size_t net_group_of(const char *set, int nice)
{
	size_t i, best = 0, n = strlen(set);

	for (i = 1; i < N_ELEMENTS(net_suffixes); i++) {
		size_t k = strlen(net_suffixes[i]);
		if (n >= k && strcmp(set + n - k, net_suffixes[i]) == 0)
			best = i;
	}
	return best * 2 + (nice ? 1 : 0);
}

/* A dnsbl list for one lookup of the rules: any 127/8 code counts (the
   eval matches its subtest against the answers); URIBL ones filter by
   their own code or mask, as check_uridnsbl reads any answer. */
static void net_list_from_rule(struct dnsbl_list *l, const struct rule_net_lookup *r)
{
	memset(l, 0, sizeof(*l));
	l->name = r->set;
	l->rule = r->rule;
	l->zone = r->zone;
	l->scope = r->kind == RULE_NET_URIBL ? DNSBL_URI : DNSBL_UNTRUSTED;
	l->sub.kind = DNS_SUB_ANY;
	if (r->kind == RULE_NET_URIBL && r->sub != NULL && r->sub[0] != '\0' &&
	    dns_dnsbl_sub_parse(r->sub, &l->sub) < 0)
		l->sub.kind = DNS_SUB_ANY;
	l->flags = r->type == 'T' ? DNSBL_F_TXT : 0;
}

static void net_push(struct arena *a, struct dnsbl_list **v, size_t *n,
		     const struct dnsbl_list *l)
{
	*v = arena_realloc(a, *v, *n * sizeof(**v), (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *l;
}

static void net_lists_from_rules(struct scan_net *s, struct ruleset *rs)
{
	const struct rule_net_lookup *v;
	size_t n = ruleset_net_lookups(rs, &v), i;

	for (i = 0; i < n; i++) {
		struct dnsbl_list l;
		net_list_from_rule(&l, &v[i]);
		if (v[i].kind == RULE_NET_URIBL) {
			net_push(s->arena, &s->uribl, &s->nuribl, &l);
		} else {
			struct net_group *g = &s->groups[net_group_of(v[i].set, v[i].nice)];
			net_push(s->arena, &g->lists, &g->n, &l);
			g->set = v[i].set;
			g->nice = v[i].nice;
		}
	}
}

static int net_load_parts(struct scan_net *s, const struct cfg *c, char **err_r)
{
	struct dns_conf dc;
	struct chk_dkim_conf kc;
	long nz;

	dns_conf_from_cfg(&dc, c);
	if ((s->dns = dns_new(&dc, err_r)) == NULL)
		return -1;
	if (cfg_bool(c, "use_dkim")) {
		chk_dkim_conf_from_cfg(&kc, c);
		if ((s->dkim = chk_dkim_new(&kc, err_r)) == NULL)
			return -1;
	}
	s->use_spf = cfg_bool(c, "use_spf");
	/* DMARC judges SPF and DKIM: without both it cannot pass anything */
	s->use_dmarc = cfg_bool(c, "use_dmarc") && s->use_spf && s->dkim != NULL;
	s->dmarc_reject = cfg_bool(c, "dmarc_reject");
	s->use_arc = cfg_bool(c, "use_arc");
	chk_arc_conf_from_cfg(&s->arc, c);
	nz = dnsbl_lists_from_cfg(s->arena, c, &s->zones, err_r);
	if (nz < 0)
		return -1;
	s->nzones = (size_t)nz;
	return 0;
}

/* URIBL and DMARC need the public suffix list; without it they are off
   (said in the log), the rest works. */
static void net_load_psl(struct scan_net *s, const struct cfg *c)
{
	char *err = NULL;

	if (s->nuribl == 0 && !s->use_dmarc)
		return;
	s->psl = psl_load_cfg(c, &err);
	if (s->psl == NULL) {
		log_warn("net: URIBL and DMARC off: %s", err);
		free(err);
	}
}

void scan_net_unload(void *state)
{
	struct scan_net *s = state;

	if (s == NULL)
		return;
	chk_dkim_free(&s->dkim);
	dns_free(&s->dns);
	psl_free(&s->psl);
	arena_free(&s->arena);
	free(s);
}

int scan_net_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	struct scan_net *s;
	char *err = NULL;

	*state_r = NULL;
	if (!cfg_bool(eng->cfg, "use_network"))
		return 0;
	s = xcalloc(1, sizeof(*s));
	s->arena = arena_new(4096);
	if (net_load_parts(s, eng->cfg, &err) < 0) {
		/* engine_new copies it at once: loading is single-threaded */
		static char why[512];
		snprintf(why, sizeof(why), "%s", err != NULL ? err : "cannot start");
		free(err);
		*err_r = why;
		scan_net_unload(s);
		return -1;
	}
	net_lists_from_rules(s, eng->rules);
	net_load_psl(s, eng->cfg);
	*state_r = s;
	eng->net = s;
	return 0;
}

/* ---- at connect and MAIL FROM: warming the cache ---- */

/* The domain of an envelope address ("<a@b>"), or NULL. */
static const char *net_env_domain_of(struct arena *a, const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	size_t n;

	if (at == NULL)
		return NULL;
	n = strcspn(at + 1, ">");
	return n > 0 ? arena_strndup(a, at + 1, n) : NULL;
}

static void net_prefetch_zone(struct dns_batch *b, const char *ip, const char *zone)
{
	char name[512]; /* a reversed IPv6 address (73 bytes) and a zone (255) */

	if (dns_reverse_name(ip, zone, name, sizeof(name)) == 0)
		(void)dns_batch_add(b, DNS_A, name);
}

/* The client's address in every DNSBL zone of the rules and of
   dnsbl_zones (the client is the relay most lists are asked about). */
static void net_prefetch_dnsbl(const struct scan_net *s, struct dns_batch *b, const char *ip)
{
	size_t g, i;

	for (g = 0; g < NET_GROUPS; g++)
		for (i = 0; i < s->groups[g].n; i++)
			net_prefetch_zone(b, ip, s->groups[g].lists[i].zone);
	for (i = 0; i < s->nzones; i++)
		net_prefetch_zone(b, ip, s->zones[i].zone);
}

struct dns_batch *scan_net_prefetch_client(const struct scan_engine *eng, const char *ip)
{
	const struct scan_net *s = eng->net;
	struct dns_batch *b;

	if (s == NULL || ip == NULL || ip[0] == '\0')
		return NULL;
	b = dns_batch_new(s->dns);
	net_prefetch_dnsbl(s, b, ip);
	return b;
}

struct dns_batch *scan_net_prefetch(const struct scan_engine *eng, struct arena *a,
				    const struct msg_envelope *env)
{
	const struct scan_net *s = eng->net;
	struct dns_batch *b;
	const char *d;

	if (s == NULL || !s->use_spf || env->client_ip == NULL || env->client_ip[0] == '\0')
		return NULL;
	b = dns_batch_new(s->dns);
	d = net_env_domain_of(a, env->mail_from);
	if (d != NULL)
		(void)dns_batch_add(b, DNS_TXT, d);
	if (env->helo != NULL && strchr(env->helo, '.') != NULL && env->helo[0] != '[')
		(void)dns_batch_add(b, DNS_TXT, env->helo);
	return b;
}

/* ---- per message: start ---- */

static void net_batch_cleanup(void *vp)
{
	struct scan_net_msg *m = vp;

	dns_batch_free(&m->batch); /* cancels what is still out */
}

static void net_start_rbl(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	struct rule_ctx *rc = scan_rule_ctx(ctx);
	size_t i;

	for (i = 0; i < NET_GROUPS; i++) {
		const struct net_group *g = &m->net->groups[i];
		struct dnsbl_input in;
		const char *const *ips;
		if (g->n == 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.nuntrusted = rule_ctx_rbl_ips(rc, g->set, g->nice, &ips);
		in.untrusted = ips;
		m->rbl[i] = dnsbl_start(m->batch, ctx->arena, g->lists, g->n, &in);
	}
}

static void net_start_lists(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	const struct scan_net *s = m->net;
	struct dnsbl_input in;
	const char *const *ips;

	if (s->nzones > 0) {
		memset(&in, 0, sizeof(in));
		in.nuntrusted = rule_ctx_rbl_ips(scan_rule_ctx(ctx), "dnsbl_zones", 0, &ips);
		in.untrusted = ips;
		m->zones = dnsbl_start(m->batch, ctx->arena, s->zones, s->nzones, &in);
	}
	if (s->nuribl > 0 && s->psl != NULL) {
		memset(&in, 0, sizeof(in));
		in.nuri_hosts = dnsbl_msg_hosts(ctx->arena, ctx->msg, (const char ***)&in.uri_hosts);
		in.psl = s->psl;
		m->uribl = dnsbl_start(m->batch, ctx->arena, s->uribl, s->nuribl, &in);
	}
}

/* SPF's inputs: the MTA's (milter, smtpd), else, as SpamAssassin does
   for a message on its own, the first untrusted relay and the envelope
   sender the trusted relays recorded. */
static int net_spf_request(struct scan_ctx *ctx, struct spf_request *r)
{
	memset(r, 0, sizeof(*r));
	if (ctx->env.client_ip != NULL && ctx->env.client_ip[0] != '\0') {
		r->client_ip = ctx->env.client_ip;
		r->helo = ctx->env.helo;
		r->mail_from = ctx->env.mail_from;
		return 0;
	}
	return rule_ctx_first_untrusted(scan_rule_ctx(ctx), &r->client_ip, &r->helo,
					&r->mail_from);
}

int scan_net_start(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct scan_net *s = state;
	struct scan_net_msg *m;
	struct spf_request req;

	(void)err_r;
	if (s == NULL || ctx->msg == NULL)
		return 0;
	m = arena_zalloc(ctx->arena, sizeof(*m));
	m->net = s;
	m->batch = dns_batch_new(s->dns);
	arena_add_cleanup(ctx->arena, net_batch_cleanup, m);
	ctx->net = m;
	net_start_rbl(ctx, m);
	net_start_lists(ctx, m);
	if (s->use_spf && net_spf_request(ctx, &req) == 0)
		m->spf = spf_start(ctx->arena, m->batch, &req);
	if (s->dkim != NULL)
		m->dkim = chk_dkim_start(s->dkim, m->batch, ctx->arena, ctx->raw, ctx->raw_len);
	if (s->use_dmarc && s->psl != NULL)
		m->dmarc = chk_dmarc_start(ctx->arena, m->batch, s->psl, ctx->msg);
	if (s->use_arc)
		m->arc = chk_arc_start(&s->arc, m->batch, ctx->arena, ctx->raw, ctx->raw_len);
	return 0;
}

/* ---- per message: collect ---- */

static void net_ar_add(struct scan_ctx *ctx, struct scan_net_msg *m, const char *method,
		       const char *result, const char *props)
{
	struct authres_item *it;

	m->ar = arena_realloc(ctx->arena, m->ar, m->nar * sizeof(*m->ar),
			      (m->nar + 1) * sizeof(*m->ar));
	it = &m->ar[m->nar++];
	memset(it, 0, sizeof(*it));
	it->method = method;
	it->result = result;
	it->props = props;
}

static enum net_spf net_spf_of(enum spf_res r)
{
	switch (r) {
	case SPF_RES_NONE: return NET_SPF_NONE;
	case SPF_RES_NEUTRAL: return NET_SPF_NEUTRAL;
	case SPF_RES_PASS: return NET_SPF_PASS;
	case SPF_RES_FAIL: return NET_SPF_FAIL;
	case SPF_RES_SOFTFAIL: return NET_SPF_SOFTFAIL;
	case SPF_RES_TEMPERROR: return NET_SPF_TEMPERROR;
	case SPF_RES_PERMERROR: return NET_SPF_PERMERROR;
	}
	return NET_SPF_UNSET;
}

/* An envelope address without its angle brackets; NULL when empty (the
   null sender) or when it would not make a clean property value. */
static const char *net_bare_addr(struct arena *a, const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n == 0 || strcspn(s, " \t\r\n;()\"") < n)
		return NULL;
	return arena_strndup(a, s, n);
}

static void net_collect_spf(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	struct spf_result mf, helo;
	const char *who;

	if (m->spf == NULL)
		return;
	spf_collect(m->spf, &mf, &helo);
	m->spf_mf = mf;
	m->spf_temp = mf.result == SPF_RES_TEMPERROR || helo.result == SPF_RES_TEMPERROR;
	m->facts.spf = net_spf_of(mf.result);
	m->facts.spf_helo = net_spf_of(helo.result);
	who = net_bare_addr(ctx->arena, ctx->env.mail_from);
	net_ar_add(ctx, m, "spf", spf_res_name(mf.result),
		   mf.domain == NULL ? NULL :
		   arena_printf(ctx->arena, "smtp.mailfrom=%s", who != NULL ? who : mf.domain));
}

/* Is d the domain dom or a parent of it (ignoring case)? */
static int net_aligned(const char *d, const char *dom)
{
	size_t dl, ml;

	if (d == NULL || dom == NULL || d[0] == '\0')
		return 0;
	dl = strlen(d);
	ml = strlen(dom);
	if (ml == dl)
		return strcasecmp(d, dom) == 0;
	return ml > dl && dom[ml - dl - 1] == '.' && strcasecmp(dom + ml - dl, d) == 0;
}

static const char *net_env_domain(const char *from)
{
	const char *at = from != NULL ? strrchr(from, '@') : NULL;

	return at != NULL ? at + 1 : from;
}

static void net_collect_dkim(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	struct chk_dkim_results r;
	struct net_dkim_sig *v;
	const char *env = net_env_domain(ctx->env.mail_from);
	size_t i;

	if (m->dkim == NULL)
		return;
	chk_dkim_finish(m->dkim, &r);
	m->dkim_r = r;
	m->facts.dkim_checked = 1;
	v = arena_zalloc(ctx->arena, (r.nsigs ? r.nsigs : 1) * sizeof(*v));
	for (i = 0; i < r.nsigs; i++) {
		const struct chk_dkim_sig *sig = &r.sigs[i];
		v[i].domain = sig->domain != NULL ? sig->domain : "";
		v[i].valid = sig->result == CHK_DKIM_PASS;
		v[i].author = net_aligned(v[i].domain, r.from_domain);
		v[i].envfrom = net_aligned(v[i].domain, env);
		v[i].temperror = sig->result == CHK_DKIM_TEMPERROR;
		m->dkim_temp |= v[i].temperror;
	}
	m->facts.dkim = v;
	m->facts.ndkim = r.nsigs;
	for (i = 0; i < (r.nsigs ? r.nsigs : 1); i++)
		net_ar_add(ctx, m, NULL, NULL, chk_dkim_ar(ctx->arena, &r, i));
}

static void net_collect_arc(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	unsigned int hits;

	if (m->arc == NULL)
		return;
	chk_arc_finish(m->arc, &m->arc_r);
	hits = chk_arc_hits(&m->arc_r);
	m->facts.arc_signed = (hits & CHK_ARC_HIT_SIGNED) != 0;
	m->facts.arc_valid = (hits & CHK_ARC_HIT_VALID) != 0;
	if (m->arc_r.result != CHK_ARC_NONE)
		net_ar_add(ctx, m, NULL, NULL,
			   chk_arc_ar(ctx->arena, &m->arc_r, ctx->env.client_ip));
}

/* A DMARC failure a trusted ARC sealer vouches for (arc_trusted_sealers:
   a mailing list that broke SPF and DKIM on the way, RFC 8617 7.2): no
   enforcement, no DMARC_REJECT or DMARC_QUAR. */
static int net_arc_override(const struct scan_net_msg *m)
{
	return m->arc != NULL && chk_arc_trusted_instance(&m->arc_r, &m->net->arc) > 0;
}

/* DMARC, from the SPF and DKIM results; a reject is enforced by the
   front-end only with dmarc_reject (and then said in the A-R dis=). */
static void net_collect_dmarc(struct scan_ctx *ctx, struct scan_net_msg *m)
{
	struct chk_dmarc_result r;
	const struct msg_header *id;
	enum chk_dmarc_policy dis = CHK_DMARC_P_NONE;
	uint64_t seed;

	if (m->dmarc == NULL)
		return;
	id = msg_header_first(&ctx->msg->headers, "message-id");
	seed = id != NULL ? chk_dmarc_seed(id->value, strlen(id->value))
			  : chk_dmarc_seed(ctx->raw, ctx->raw_len < 4096 ? ctx->raw_len : 4096);
	chk_dmarc_collect(m->dmarc, m->spf != NULL ? &m->spf_mf : NULL,
			  m->dkim != NULL ? &m->dkim_r : NULL, seed, &r);
	m->facts.dmarc = chk_dmarc_net(&r);
	if (r.result == CHK_DMARC_FAIL && net_arc_override(m)) {
		m->facts.dmarc = NET_DMARC_NONE;
		r.disposition = CHK_DMARC_P_NONE;
	}
	if (m->net->dmarc_reject && r.result == CHK_DMARC_FAIL &&
	    r.disposition == CHK_DMARC_P_REJECT && !r.auth_temperror) {
		dis = CHK_DMARC_P_REJECT;
		m->reject = arena_printf(ctx->arena, "DMARC policy of %s says reject",
					 r.from_domain != NULL ? r.from_domain : "the sender");
	}
	net_ar_add(ctx, m, NULL, NULL, chk_dmarc_ar(ctx->arena, &r, dis));
}

/* Every DNSBL/URIBL answer, for the rules' check_rbl* and
   check_uridnsbl; dnsbl_zones lists give their own hits. */
static void net_collect_lists(struct scan_ctx *ctx, struct scan_net_msg *m, unsigned int wait)
{
	struct dnsbl *all[NET_GROUPS + 2];
	size_t sizes[NET_GROUPS + 2], k = 0, i, n = 0, j;
	struct net_rbl_answer *out = NULL;

	for (i = 0; i < NET_GROUPS; i++)
		if (m->rbl[i] != NULL) {
			all[k] = m->rbl[i];
			sizes[k++] = m->net->groups[i].n;
		}
	if (m->uribl != NULL) {
		all[k] = m->uribl;
		sizes[k++] = m->net->nuribl;
	}
	if (m->zones != NULL) {
		all[k] = m->zones;
		sizes[k++] = m->net->nzones;
	}
	for (i = 0; i < k; i++) {
		const struct dnsbl_result *r = dnsbl_collect(all[i], wait);
		const struct net_rbl_answer *v;
		size_t c = dnsbl_rbl_answers(ctx->arena, r, sizes[i], &v);
		if (all[i] == m->zones)
			(void)dnsbl_hits(r, sizes[i], &ctx->hits);
		for (j = 0; j < sizes[i]; j++)
			m->timeouts += r[j].ntimeouts;
		out = arena_realloc(ctx->arena, out, n * sizeof(*out), (n + c + 1) * sizeof(*out));
		for (j = 0; j < c; j++)
			out[n++] = v[j];
	}
	m->facts.rbl = out;
	m->facts.nrbl = n;
}

/* A check that timed out adds nothing, and the report says so: the hit
   WN_DNS_TIMEOUT (no points) names what went unanswered. */
static void net_note_timeouts(struct scan_ctx *ctx, const struct scan_net_msg *m)
{
	struct buf b = BUF_INIT;

	if (m->timeouts > 0)
		buf_printf(&b, "%zu DNSBL/URIBL lookup%s", m->timeouts, m->timeouts > 1 ? "s" : "");
	if (m->spf_temp)
		buf_printf(&b, "%sSPF", b.len ? ", " : "");
	if (m->dkim_temp)
		buf_printf(&b, "%sa DKIM key", b.len ? ", " : "");
	if (b.len > 0)
		(void)hits_add(&ctx->hits, "WN_DNS_TIMEOUT", 0,
			       arena_printf(ctx->arena, "DNS did not answer in time: %s",
					    buf_cstr(&b)),
			       HIT_F_NET | HIT_F_NOAUTOLEARN);
	buf_free(&b);
}

int scan_net_collect(struct scan_ctx *ctx, void *state, const char **err_r)
{
	struct scan_net_msg *m = ctx->net;
	unsigned int wait = cfg_uint(ctx->engine->cfg, "dns_message_budget_ms");

	(void)state;
	(void)err_r;
	if (m == NULL)
		return 0;
	net_collect_spf(ctx, m);
	net_collect_dkim(ctx, m);
	net_collect_arc(ctx, m);
	net_collect_dmarc(ctx, m);
	net_collect_lists(ctx, m, wait);
	net_note_timeouts(ctx, m);
	/* the batch stays until the message's arena goes (net_batch_cleanup):
	   the answers' strings are its memory */
	ctx->facts.net = &m->facts;
	ctx->facts.net_enabled = 1;
	return 0;
}

const char *scan_net_reject(const struct scan_ctx *ctx)
{
	return ctx->net != NULL ? ctx->net->reject : NULL;
}

const char *scan_net_authres(struct scan_ctx *ctx, const char *authserv_id)
{
	if (ctx->net == NULL || ctx->facts.net == NULL)
		return NULL;
	return authres_build(ctx->arena, authserv_id, ctx->net->ar, ctx->net->nar);
}
