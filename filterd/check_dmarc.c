/*
 * check_dmarc.c - DMARC (RFC 7489) over the shared resolver, records
 * parsed by libopendmarc (see check_dmarc.h for the division of work).
 *
 * Ownership: the check, its results and their strings live in the
 * caller's arena; libopendmarc's policy context is malloc'd and freed
 * inside chk_dmarc_parse(), one per record.
 *
 * libopendmarc 1.4.2 hazards guarded here: it copies each tag, value
 * and list item into fixed stack buffers (512, 256 and for rf= 32
 * bytes) with a helper that refuses longer input but fills a buffer
 * with input of exactly its size without the terminating NUL, and it
 * cuts records at BUFSIZ silently. So a record goes to it cleaned: a
 * term whose name or value it would skip as too long is left out (the
 * same outcome, without the overflow at the boundary); a list item it
 * would refuse, a record over BUFSIZ, or one containing NUL bytes (it
 * reads C strings) is a permerror before it sees them.
 *
 * Bounds: two TXT queries per message; records as lib/dns.c caps them
 * (WN_DNS_MAX_TXT); a record cut by that cap is a permerror.
 */
#include "filterd/check_dmarc.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>

#include "filterd/check_dkim.h"
#include "filterd/check_spf.h"
#include "lib/arena.h"
#include "lib/dns.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/psl.h"
#include "lib/wn.h"

/* libopendmarc's buffers (opendmarc_policy.c, 1.4.2): a whole record,
   one tag name or value, one rua/ruf/fo item, one rf item. */
#define LIB_RECORD_MAX 8192
#define LIB_TAG_MAX 512
#define LIB_ITEM_MAX 256
#define LIB_RF_ITEM_MAX 32

struct chk_dmarc {
	struct arena *a;
	struct dns_batch *b;
	const struct psl *psl;
	enum chk_dmarc_from from_status;
	size_t from_fields;
	const char *from;   /* A-labels, lower case; NULL when none */
	const char *org;    /* organisational domain */
	/* query handles; -1 when not asked (h_org: the From domain is the
	   organisational domain), or when the batch was full */
	int h_from, h_org;
	int sent;           /* lookups were asked for */
};

/* ---- names ---- */

const char *chk_dmarc_res_name(enum chk_dmarc_res res)
{
	switch (res) {
	case CHK_DMARC_NONE: return "none";
	case CHK_DMARC_PASS: return "pass";
	case CHK_DMARC_FAIL: return "fail";
	case CHK_DMARC_TEMPERROR: return "temperror";
	case CHK_DMARC_PERMERROR: return "permerror";
	}
	return "none";
}

const char *chk_dmarc_policy_name(enum chk_dmarc_policy p)
{
	switch (p) {
	case CHK_DMARC_P_UNSET: return "";
	case CHK_DMARC_P_NONE: return "none";
	case CHK_DMARC_P_QUARANTINE: return "quarantine";
	case CHK_DMARC_P_REJECT: return "reject";
	}
	return "";
}

/* ---- the From domain ---- */

/* Adds the domains of one From: field's addresses to the first one
   seen (*first); returns 1 when one differs from it. */
static int from_field_domains(struct arena *a, const char *value, const char **first)
{
	struct msg_addr *v;
	size_t n = msg_addr_parse(a, value, &v), i;
	int multi = 0;

	for (i = 0; i < n; i++) {
		if (v[i].domain == NULL || v[i].domain[0] == '\0')
			continue;
		if (*first == NULL)
			*first = v[i].domain;
		else if (strcasecmp(*first, v[i].domain) != 0)
			multi = 1;
	}
	return multi;
}

enum chk_dmarc_from chk_dmarc_from_domain(struct arena *a, const struct msg *m,
					  const char **domain_r, size_t *fields_r)
{
	const char *first = NULL;
	size_t i, fields = 0;
	int multi = 0;

	for (i = 0; m != NULL && i < m->headers.count; i++) {
		const struct msg_header *h = &m->headers.v[i];
		if (strcasecmp(h->name, "From") != 0)
			continue;
		fields++;
		multi |= from_field_domains(a, h->value, &first);
	}
	if (fields_r != NULL)
		*fields_r = fields;
	*domain_r = first;
	if (first == NULL)
		return CHK_DMARC_FROM_MISSING;
	return multi ? CHK_DMARC_FROM_MULTI : CHK_DMARC_FROM_OK;
}

/* ---- start ---- */

static int dmarc_query(struct chk_dmarc *c, const char *domain)
{
	return dns_batch_add(c->b, DNS_TXT, arena_strcat(c->a, "_dmarc.", domain, NULL));
}

static struct chk_dmarc *dmarc_new(struct arena *a, struct dns_batch *b,
				   const struct psl *psl)
{
	struct chk_dmarc *c = arena_zalloc(a, sizeof(*c));

	c->a = a;
	c->b = b;
	c->psl = psl;
	c->h_from = c->h_org = -1;
	return c;
}

/* Normalises the From domain and sends the lookups: both at once, the
   organisational domain's being needed whenever the From domain has no
   record (RFC 7489 6.6.3 step 3). */
static void dmarc_send(struct chk_dmarc *c, const char *domain)
{
	c->from = psl_to_ascii(c->a, domain);
	if (c->from == NULL || strchr(c->from, '.') == NULL) {
		/* not a name (an IP literal, bad labels), or a bare TLD */
		c->from_status = CHK_DMARC_FROM_INVALID;
		c->from = arena_strdup(c->a, domain);
		return;
	}
	c->org = c->psl != NULL ? psl_registrable(c->psl, c->a, c->from, PSL_ASCII) : NULL;
	if (c->org == NULL)
		c->org = c->from; /* a public suffix itself: its own */
	if (c->b == NULL)
		return;
	c->sent = 1;
	c->h_from = dmarc_query(c, c->from);
	if (strcmp(c->org, c->from) != 0)
		c->h_org = dmarc_query(c, c->org);
}

struct chk_dmarc *chk_dmarc_start_domain(struct arena *a, struct dns_batch *b,
					 const struct psl *psl, const char *from_domain)
{
	struct chk_dmarc *c = dmarc_new(a, b, psl);

	if (from_domain == NULL || from_domain[0] == '\0') {
		c->from_status = CHK_DMARC_FROM_MISSING;
		return c;
	}
	c->from_status = CHK_DMARC_FROM_OK;
	c->from_fields = 1;
	dmarc_send(c, from_domain);
	return c;
}

struct chk_dmarc *chk_dmarc_start(struct arena *a, struct dns_batch *b,
				  const struct psl *psl, const struct msg *m)
{
	struct chk_dmarc *c = dmarc_new(a, b, psl);
	const char *domain;

	c->from_status = chk_dmarc_from_domain(a, m, &domain, &c->from_fields);
	if (c->from_status == CHK_DMARC_FROM_OK)
		dmarc_send(c, domain);
	else if (domain != NULL)
		c->from = domain;
	return c;
}

/* ---- records ---- */

int chk_dmarc_is_record(const char *text, size_t len)
{
	size_t i = 0;

	if (len < 1 || (text[0] != 'v' && text[0] != 'V'))
		return 0;
	for (i = 1; i < len && (text[i] == ' ' || text[i] == '\t'); i++)
		;
	if (i >= len || text[i] != '=')
		return 0;
	for (i++; i < len && (text[i] == ' ' || text[i] == '\t'); i++)
		;
	if (len - i < 6 || strncasecmp(text + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	return i == len || text[i] == ';' || text[i] == ' ' || text[i] == '\t';
}

/* Is every ','- (or ':'-) separated item of s shorter than max? */
static int items_fit(const char *s, size_t n, char sep, size_t max)
{
	size_t start = 0, i;

	for (i = 0; i <= n; i++)
		if (i == n || s[i] == sep) {
			if (i - start >= max)
				return 0;
			start = i + 1;
		}
	return 1;
}

/* The tag name of term s..eq with white space removed, lower case, in
   out (cut at its size: only short names matter). */
static void tag_name(const char *s, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < size; i++)
		if (!isspace((unsigned char)s[i]))
			out[k++] = (char)tolower((unsigned char)s[i]);
	out[k] = '\0';
}

/* How one "tag=value" term goes to libopendmarc: 0 as it is; 1 left
   out, a name or value it would skip as too long (except at exactly
   its buffer's size, where it would overflow instead); -1 a list item
   it would refuse (permerror), or overflow on. */
static int term_check(const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t nlen, vlen;
	char name[8];

	if (eq == NULL)
		return 0; /* skipped by libopendmarc */
	nlen = (size_t)(eq - s);
	vlen = n - nlen - 1;
	if (nlen >= LIB_TAG_MAX || vlen >= LIB_TAG_MAX)
		return 1;
	tag_name(s, nlen, name, sizeof(name));
	if (strcmp(name, "rf") == 0)
		return items_fit(eq + 1, vlen, ',', LIB_RF_ITEM_MAX) ? 0 : -1;
	if (strcmp(name, "rua") == 0 || strcmp(name, "ruf") == 0)
		return items_fit(eq + 1, vlen, ',', LIB_ITEM_MAX) ? 0 : -1;
	if (strcmp(name, "fo") == 0)
		return items_fit(eq + 1, vlen, ':', LIB_ITEM_MAX) ? 0 : -1;
	return 0;
}

/* Copies rec into out (size LIB_RECORD_MAX) as libopendmarc may safely
   read it; -1 when that is a permerror. */
static int record_clean(const char *rec, size_t len, char *out)
{
	size_t start = 0, k = 0, i;

	if (len >= LIB_RECORD_MAX)
		return -1;
	for (i = 0; i <= len; i++) {
		int t;
		if (i < len && rec[i] != ';')
			continue;
		t = term_check(rec + start, i - start);
		if (t < 0)
			return -1;
		if (t == 0) {
			memcpy(out + k, rec + start, i - start);
			k += i - start;
			out[k++] = ';';
		}
		start = i + 1;
	}
	out[k > 0 ? k - 1 : 0] = '\0'; /* the last ';' was not in rec */
	return 0;
}

static enum chk_dmarc_policy policy_of(int p)
{
	switch (p) {
	case DMARC_RECORD_P_NONE: return CHK_DMARC_P_NONE;
	case DMARC_RECORD_P_QUARANTINE: return CHK_DMARC_P_QUARANTINE;
	case DMARC_RECORD_P_REJECT: return CHK_DMARC_P_REJECT;
	}
	return CHK_DMARC_P_UNSET;
}

/* Copies libopendmarc's parsed tags into r (defaults filled in). */
static void parse_fetch(DMARC_POLICY_T *pctx, struct chk_dmarc_result *r)
{
	int p = 0, sp = 0, pct = 100, adkim = 0, aspf = 0;

	(void)opendmarc_policy_fetch_p(pctx, &p);
	(void)opendmarc_policy_fetch_sp(pctx, &sp);
	(void)opendmarc_policy_fetch_pct(pctx, &pct);
	(void)opendmarc_policy_fetch_adkim(pctx, &adkim);
	(void)opendmarc_policy_fetch_aspf(pctx, &aspf);
	r->p = policy_of(p);
	r->sp = sp == DMARC_RECORD_P_UNSPECIFIED ? CHK_DMARC_P_UNSET : policy_of(sp);
	r->pct = pct < 0 || pct > 100 ? 100 : pct;
	r->adkim = adkim == DMARC_RECORD_A_STRICT ? 's' : 'r';
	r->aspf = aspf == DMARC_RECORD_A_STRICT ? 's' : 'r';
}

int chk_dmarc_parse(const char *record, size_t len, struct chk_dmarc_result *r,
		    const char **why_r)
{
	char buf[LIB_RECORD_MAX];
	DMARC_POLICY_T *pctx;
	OPENDMARC_STATUS_T st;

	if (memchr(record, '\0', len) != NULL) {
		*why_r = "NUL byte in DMARC record";
		return -1;
	}
	if (record_clean(record, len, buf) < 0) {
		*why_r = "DMARC record or list item too long";
		return -1;
	}
	pctx = opendmarc_policy_connect_init((u_char *)"0.0.0.0", 0);
	if (pctx == NULL)
		wn_panic("opendmarc_policy_connect_init: out of memory");
	st = opendmarc_policy_parse_dmarc(pctx, (u_char *)"dmarc.invalid", (u_char *)buf);
	if (st == DMARC_PARSE_OKAY)
		parse_fetch(pctx, r);
	else
		*why_r = opendmarc_policy_status_to_str(st);
	(void)opendmarc_policy_connect_shutdown(pctx);
	return st == DMARC_PARSE_OKAY ? 0 : -1;
}

/* ---- discovery ---- */

enum found { FOUND_ONE, FOUND_NONE, FOUND_MANY, FOUND_TEMP, FOUND_CUT };

/* The DMARC record of one lookup (RFC 7489 6.6.3 steps 1-2, 4-5). */
static enum found found_in(struct chk_dmarc *c, int h, const char **rec_r,
			   const char **why_r)
{
	const struct dns_result *res;
	size_t i, n = 0;

	(void)dns_batch_wait_one(c->b, h, UINT_MAX); /* the batch bounds it */
	res = dns_batch_result(c->b, h);
	switch (res->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		return FOUND_NONE;
	default:
		*why_r = arena_printf(c->a, "%s: %s", dns_status_name(res->status), res->name);
		return FOUND_TEMP;
	}
	for (i = 0; i < res->n; i++)
		if (chk_dmarc_is_record(res->rr[i].text, res->rr[i].text_len)) {
			*rec_r = res->rr[i].text;
			n++;
		}
	if (res->truncated)
		return FOUND_CUT; /* a record may be cut, or dropped unseen */
	return n == 0 ? FOUND_NONE : n == 1 ? FOUND_ONE : FOUND_MANY;
}

/* Finds the record to use; returns the result it already decides
   (none, temperror, permerror), or -1 to evaluate r->record. */
static int discover(struct chk_dmarc *c, struct chk_dmarc_result *r)
{
	const char *rec = NULL, *why = NULL;
	enum found f;

	if (c->h_from < 0 || (c->h_org < 0 && strcmp(c->org, c->from) != 0)) {
		r->reason = "DNS batch full";
		return CHK_DMARC_TEMPERROR;
	}
	f = found_in(c, c->h_from, &rec, &why);
	r->policy_domain = c->from;
	if (f == FOUND_NONE && c->h_org >= 0) {
		f = found_in(c, c->h_org, &rec, &why);
		r->policy_domain = c->org;
	}
	switch (f) {
	case FOUND_ONE:
		r->record = arena_strdup(c->a, rec); /* the batch may go first */
		return -1;
	case FOUND_NONE:
		r->policy_domain = NULL;
		r->reason = "no DMARC record";
		return CHK_DMARC_NONE;
	case FOUND_MANY:
		r->reason = "multiple DMARC records";
		return CHK_DMARC_NONE;
	case FOUND_CUT:
		r->reason = "DMARC answer too long";
		return CHK_DMARC_PERMERROR;
	case FOUND_TEMP:
		r->reason = why;
		return CHK_DMARC_TEMPERROR;
	}
	return CHK_DMARC_NONE;
}

/* ---- alignment ---- */

/* Is identifier id aligned with the From domain (RFC 7489 3.1)? strict:
   the same name; relaxed: the same organisational domain. */
static int aligned(const struct chk_dmarc *c, const char *id, char mode)
{
	const char *ascii, *org;

	if (id == NULL || id[0] == '\0' || (ascii = psl_to_ascii(c->a, id)) == NULL)
		return 0;
	if (strcmp(ascii, c->from) == 0)
		return 1;
	if (mode == 's' || c->psl == NULL)
		return 0;
	org = psl_registrable(c->psl, c->a, ascii, PSL_ASCII);
	return org != NULL && strcmp(org, c->org) == 0;
}

static void align_spf(const struct chk_dmarc *c, const struct spf_result *spf,
		      struct chk_dmarc_result *r)
{
	if (spf == NULL)
		return;
	if (spf->result == SPF_RES_TEMPERROR)
		r->auth_temperror = 1;
	if (spf->result != SPF_RES_PASS || spf->domain == NULL)
		return;
	r->spf_domain = spf->domain;
	r->spf_aligned = aligned(c, spf->domain, r->aspf);
}

static void align_dkim(const struct chk_dmarc *c, const struct chk_dkim_results *dkim,
		       struct chk_dmarc_result *r)
{
	size_t i;

	for (i = 0; dkim != NULL && i < dkim->nsigs; i++) {
		const struct chk_dkim_sig *s = &dkim->sigs[i];
		if (s->result == CHK_DKIM_TEMPERROR)
			r->auth_temperror = 1;
		if (s->result != CHK_DKIM_PASS || s->domain == NULL || r->dkim_aligned)
			continue;
		if (r->dkim_domain == NULL)
			r->dkim_domain = s->domain;
		if (aligned(c, s->domain, r->adkim)) {
			r->dkim_aligned = 1;
			r->dkim_domain = s->domain;
		}
	}
}

/* ---- policy ---- */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t chk_dmarc_seed(const void *data, size_t len)
{
	return fnv1a(0xcbf29ce484222325ULL, data, len);
}

unsigned int chk_dmarc_roll(uint64_t seed, const char *domain)
{
	/* splitmix64's finaliser spreads the seed over every bit, so the
	   modulo does not just read the hash's low bits */
	uint64_t z = fnv1a(seed, domain, strlen(domain));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (unsigned int)(z % 100);
}

static enum chk_dmarc_policy weaker(enum chk_dmarc_policy p)
{
	return p == CHK_DMARC_P_REJECT ? CHK_DMARC_P_QUARANTINE : CHK_DMARC_P_NONE;
}

/* Which policy applies (RFC 7489 6.3 sp=), then pct (6.6.4). */
static void apply_policy(const struct chk_dmarc *c, uint64_t seed, struct chk_dmarc_result *r)
{
	int subdomain = r->policy_domain != NULL && strcmp(r->policy_domain, c->from) != 0;

	r->used_sp = subdomain && r->sp != CHK_DMARC_P_UNSET;
	r->policy = r->used_sp ? r->sp : r->p;
	if (r->sp == CHK_DMARC_P_UNSET)
		r->sp = r->p;
	r->roll = chk_dmarc_roll(seed, c->from);
	r->sampled = (int)r->roll < r->pct;
	if (r->result == CHK_DMARC_PASS)
		r->disposition = CHK_DMARC_P_NONE;
	else
		r->disposition = r->sampled ? r->policy : weaker(r->policy);
}

/* ---- collect ---- */

static void collect_from_problem(const struct chk_dmarc *c, struct chk_dmarc_result *r)
{
	switch (c->from_status) {
	case CHK_DMARC_FROM_MISSING:
		r->result = CHK_DMARC_NONE;
		r->reason = "no From address";
		break;
	case CHK_DMARC_FROM_MULTI:
		r->result = CHK_DMARC_PERMERROR;
		r->reason = "From addresses of several domains";
		break;
	default:
		r->result = CHK_DMARC_PERMERROR;
		r->reason = "From domain is not a domain name";
		break;
	}
}

void chk_dmarc_collect(struct chk_dmarc *c, const struct spf_result *spf,
		       const struct chk_dkim_results *dkim, uint64_t seed,
		       struct chk_dmarc_result *r)
{
	const char *why = NULL;
	int res;

	memset(r, 0, sizeof(*r));
	r->from_status = c->from_status;
	r->from_fields = c->from_fields;
	r->from_domain = c->from;
	if (c->from_status != CHK_DMARC_FROM_OK) {
		collect_from_problem(c, r);
		return;
	}
	r->org_domain = c->org;
	if (!c->sent) {
		r->result = CHK_DMARC_TEMPERROR;
		r->reason = "no resolver";
		return;
	}
	res = discover(c, r);
	if (res >= 0) {
		r->result = (enum chk_dmarc_res)res;
		return;
	}
	if (chk_dmarc_parse(r->record, strlen(r->record), r, &why) < 0) {
		r->result = CHK_DMARC_PERMERROR;
		r->reason = why;
		return;
	}
	align_spf(c, spf, r);
	align_dkim(c, dkim, r);
	r->result = r->spf_aligned || r->dkim_aligned ? CHK_DMARC_PASS : CHK_DMARC_FAIL;
	apply_policy(c, seed, r);
	log_debug("dmarc", "from=%s policy_domain=%s result=%s p=%s sp=%s pct=%d roll=%u "
		  "dis=%s spf_aligned=%d dkim_aligned=%d", c->from, r->policy_domain,
		  chk_dmarc_res_name(r->result), chk_dmarc_policy_name(r->p),
		  chk_dmarc_policy_name(r->sp), r->pct, r->roll,
		  chk_dmarc_policy_name(r->disposition), r->spf_aligned, r->dkim_aligned);
}

/* ---- hits and Authentication-Results ---- */

enum net_dmarc chk_dmarc_net(const struct chk_dmarc_result *r)
{
	switch (r->result) {
	case CHK_DMARC_PASS:
		return NET_DMARC_PASS;
	case CHK_DMARC_FAIL:
		return r->disposition == CHK_DMARC_P_REJECT ? NET_DMARC_REJECT :
		       r->disposition == CHK_DMARC_P_QUARANTINE ? NET_DMARC_QUARANTINE :
		       NET_DMARC_NONE;
	case CHK_DMARC_NONE:
	case CHK_DMARC_PERMERROR:
		/* a From problem is no statement about a policy */
		return r->from_status == CHK_DMARC_FROM_OK ? NET_DMARC_MISSING : NET_DMARC_UNSET;
	case CHK_DMARC_TEMPERROR:
		break;
	}
	return NET_DMARC_UNSET;
}

const char *chk_dmarc_hit_name(const struct chk_dmarc_result *r)
{
	switch (chk_dmarc_net(r)) {
	case NET_DMARC_PASS: return "DMARC_PASS";
	case NET_DMARC_REJECT: return "DMARC_REJECT";
	case NET_DMARC_QUARANTINE: return "DMARC_QUAR";
	case NET_DMARC_NONE: return "DMARC_NONE";
	case NET_DMARC_MISSING: return "DMARC_MISSING";
	case NET_DMARC_UNSET: break;
	}
	return NULL;
}

char *chk_dmarc_ar(struct arena *a, const struct chk_dmarc_result *r,
		   enum chk_dmarc_policy dis)
{
	const char *res = chk_dmarc_res_name(r->result);

	if (r->from_status != CHK_DMARC_FROM_OK || r->from_domain == NULL)
		return arena_printf(a, "dmarc=%s reason=\"%s\"", res,
				    r->reason != NULL ? r->reason : "no From domain");
	if (r->result == CHK_DMARC_PASS || r->result == CHK_DMARC_FAIL)
		return arena_printf(a, "dmarc=%s (p=%s dis=%s) header.from=%s", res,
				    chk_dmarc_policy_name(r->policy),
				    chk_dmarc_policy_name(dis == CHK_DMARC_P_UNSET ?
							  CHK_DMARC_P_NONE : dis),
				    r->from_domain);
	return arena_printf(a, "dmarc=%s header.from=%s", res, r->from_domain);
}
