/*
 * check_spf.c - SPF (RFC 7208) through libspf2, with libspf2's DNS layer
 * replaced by the shared resolver's batches (lib/dns.h).
 *
 * libspf2 evaluates synchronously and asks its DNS layer one question
 * at a time (SPF_dns_server_t.lookup). Each check embeds its own layer
 * whose lookup sends the query into the message's dns_batch and waits
 * for that one answer, so the batch's per-query timeout and per-message
 * budget bound the whole evaluation: a silent server gives TRY_AGAIN,
 * which libspf2 turns into temperror. Answers are remembered per check
 * (name, type) so the HELO evaluation and repeated mechanisms reuse
 * them, and spf_start() can send the first TXT queries early.
 *
 * Ownership: everything handed out lives in the caller's arena. The
 * libspf2 server (malloc'd by libspf2) lives from spf_collect()'s start
 * to its end.
 *
 * Limits libspf2 does not enforce, enforced here and applied after
 * libspf2 returns (the first excess ends the check as RFC 7208 4.6.4
 * and pyspf do; lookups after it are answered empty without asking):
 * 10 DNS-querying terms over the whole evaluation (libspf2 counts per
 * record, so nested includes went unbounded but for its depth of 20),
 * void lookups (> 2), MX names per "mx" (> 10), redirect= or exp= twice
 * in a record (RFC 7208 6), SPF answers cut at WN_DNS_MAX_TXT. The RR
 * type SPF (99), which libspf2 asks first, is answered "no data"
 * without a query: RFC 7208 3.1 retired it.
 *
 * Not RFC 7208: libspf2 passes any loopback client (127/8, ::1) with
 * reason "localhost is always allowed".
 */
#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <spf2/spf.h>

#include "filterd/check_spf.h"
#include "lib/arena.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/wn.h"

/* RFC 7208 4.6.4. */
#define SPF_MAX_VOID_LOOKUPS 2
#define SPF_MAX_MX_NAMES 10
#define SPF_MAX_TERMS 10

/* Our default for exp: libspf2's names the retired openspf.org. */
#define SPF_EXPLANATION "%{d}%_does%_not%_designate%_%{i}%_as%_a%_permitted%_sender"

/* One lookup of this check: its batch handle, by name and type. */
struct spf_memo {
	enum dns_type type;
	const char *name;
	int h;
};

struct spf_check {
	struct arena *a;
	struct dns_batch *b;
	const char *client_ip; /* canonical; NULL if not an address */
	int family;
	const char *helo;      /* NULL when none */
	const char *mail_from; /* without <>; "" for the null sender */
	const char *receiver;
	SPF_dns_server_t layer;
	struct arena_vec memo;
	/* the identity being evaluated */
	unsigned int lookups, voids, terms, records;
	struct arena_vec pending; /* names of the last MX/PTR answer */
	size_t next_pending;
	const char *limit_why; /* a limit libspf2 does not know was hit */
	int collected;
};

/* ---- libspf2's messages go to our log ---- */

static void spf_log_error(const char *file, int line, const char *msg)
	__attribute__((noreturn));
static void spf_log_error(const char *file, int line, const char *msg)
{
	/* libspf2 calls this only for internal errors (out of memory,
	   broken invariants), after which it cannot continue. */
	wn_panic("libspf2: %s:%d: %s", file, line, msg);
}

static void spf_log_warning(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	log_warn("spf: libspf2: %s", msg);
}

static void spf_log_quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	log_debug("spf", "libspf2: %s", msg);
}

static pthread_once_t spf_once = PTHREAD_ONCE_INIT;

static void spf_init_log(void)
{
	SPF_error_handler = spf_log_error;
	SPF_warning_handler = spf_log_warning;
	SPF_info_handler = spf_log_quiet;
	SPF_debug_handler = spf_log_quiet;
}

/* ---- the DNS layer ---- */

static int spf_dns_type(ns_type t, enum dns_type *r)
{
	switch (t) {
	case ns_t_a: *r = DNS_A; return 0;
	case ns_t_aaaa: *r = DNS_AAAA; return 0;
	case ns_t_mx: *r = DNS_MX; return 0;
	case ns_t_txt: *r = DNS_TXT; return 0;
	case ns_t_ptr: *r = DNS_PTR; return 0;
	default: return -1;
	}
}

/* The batch handle for (type, name): the query sent before, or a new
   one. -1 when the batch is full. */
static int spf_query(struct spf_check *c, enum dns_type type, const char *name)
{
	struct spf_memo *m = c->memo.v;
	size_t i;
	int h;

	for (i = 0; i < c->memo.count; i++) {
		if (m[i].type == type && strcasecmp(m[i].name, name) == 0)
			return m[i].h;
	}
	h = dns_batch_add(c->b, type, name);
	if (h < 0)
		return -1;
	m = ARENA_VEC_PUSH(c->a, &c->memo, struct spf_memo);
	m->type = type;
	m->name = arena_strdup(c->a, name);
	m->h = h;
	return h;
}

static const struct dns_result *spf_wait(struct spf_check *c, int h)
{
	/* Always ends: the query's deadline is capped by the budget. */
	while (dns_batch_wait_one(c->b, h, 1000) != 0)
		;
	return dns_batch_result(c->b, h);
}

/* An SPF record: "v=spf1" alone or before a space (RFC 7208 4.5). */
static int spf_is_record(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == ' ' || txt[6] == '\0');
}

/* A TXT string for libspf2. Its explanation parser (1.2.10) ends a
   macro-string at a space, so an exp= text "a b" would come out "a%b";
   other TXT records are only ever read as explanations, and there a
   space is "%_" to libspf2. */
static size_t spf_txt_copy(char *dst, const char *src, size_t len)
{
	size_t i, n = 0;

	if (spf_is_record(src)) {
		memcpy(dst, src, len);
		return len;
	}
	for (i = 0; i < len; i++) {
		if (src[i] == ' ') {
			dst[n++] = '%';
			dst[n++] = '_';
		} else {
			dst[n++] = src[i];
		}
	}
	return n;
}

/* Copies the answers into rr; returns how many were usable. */
static int spf_fill(SPF_dns_rr_t *rr, const struct dns_result *res)
{
	int n = 0;
	size_t i, len;

	for (i = 0; i < res->n; i++) {
		const struct dns_rr *a = &res->rr[i];

		len = res->type == DNS_A ? sizeof(struct in_addr)
		    : res->type == DNS_AAAA ? sizeof(struct in6_addr)
		    : res->type == DNS_TXT ? 2 * a->text_len + 1
		    : a->text_len + 1;
		if (SPF_dns_rr_buf_realloc(rr, n, len) != SPF_E_SUCCESS)
			wn_panic("spf: out of memory");
		if (res->type == DNS_A) {
			if (inet_pton(AF_INET, a->text, &rr->rr[n]->a) != 1)
				continue;
		} else if (res->type == DNS_AAAA) {
			if (inet_pton(AF_INET6, a->text, &rr->rr[n]->aaaa) != 1)
				continue;
		} else if (res->type == DNS_TXT) {
			/* a NUL inside ends the string for libspf2 */
			len = spf_txt_copy(rr->rr[n]->txt, a->text, strlen(a->text));
			rr->rr[n]->txt[len] = '\0';
		} else {
			/* mx and ptr share the union's storage */
			memcpy(rr->rr[n]->mx, a->text, a->text_len);
			rr->rr[n]->mx[a->text_len] = '\0';
		}
		n++;
	}
	return n;
}

static void spf_limit(struct spf_check *c, const char *why)
{
	char esc[300];

	if (c->limit_why == NULL) {
		c->limit_why = why;
		log_debug("spf", "limit: %s", log_escape(esc, sizeof(esc), why, strlen(why)));
	}
}

/* RFC 7208 6: redirect= and exp= at most once each. libspf2 takes the
   last one; pyspf and the RFC say permerror. */
static int spf_dup_modifier(const char *rec)
{
	int redirect = 0, exp = 0;
	const char *p = rec;

	while (*p != '\0') {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len >= 9 && strncasecmp(p, "redirect=", 9) == 0)
			redirect++;
		else if (len >= 4 && strncasecmp(p, "exp=", 4) == 0)
			exp++;
		p += len;
	}
	return redirect > 1 || exp > 1;
}

/* Counts what RFC 7208 4.6.4 counts, over the whole evaluation (libspf2
   counts per record: an include starts again from zero). The terms
   that cost a lookup show as: a TXT answer holding an SPF record
   (include, redirect; not the first, the policy itself, and not exp=,
   whose answer is no record), MX and PTR queries, and A/AAAA queries
   other than those for the names an MX or PTR answer just gave. */
static void spf_count_term(struct spf_check *c, enum dns_type type, const char *domain,
			   const struct dns_result *res)
{
	const char **pend = c->pending.v;
	size_t i;

	switch (type) {
	case DNS_TXT:
		for (i = 0; i < res->n; i++) {
			if (!spf_is_record(res->rr[i].text))
				continue;
			if (c->records++ > 0)
				c->terms++;
			if (spf_dup_modifier(res->rr[i].text))
				spf_limit(c, arena_printf(c->a, "redirect= or exp= twice in "
							  "the record of %s", domain));
			break;
		}
		c->pending.count = c->next_pending = 0;
		break;
	case DNS_MX:
	case DNS_PTR:
		c->terms++;
		c->pending.count = c->next_pending = 0;
		for (i = 0; i < res->n; i++)
			*ARENA_VEC_PUSH(c->a, &c->pending, const char *) = res->rr[i].text;
		break;
	default:
		if (c->next_pending < c->pending.count &&
		    strcasecmp(pend[c->next_pending], domain) == 0) {
			c->next_pending++;
			break;
		}
		c->terms++;
		c->pending.count = c->next_pending = 0;
		break;
	}
	if (c->terms > SPF_MAX_TERMS)
		spf_limit(c, arena_printf(c->a, "more than %d DNS lookups", SPF_MAX_TERMS));
}

/* Applies the limits libspf2 lacks to one answer. */
static void spf_account(struct spf_check *c, const char *domain, enum dns_type type,
			const struct dns_result *res, int n)
{
	int is_void = n == 0 && (res->status == DNS_OK || res->status == DNS_NXDOMAIN ||
				 res->status == DNS_NODATA);

	spf_count_term(c, type, domain, res);
	/* TXT lookups fetch records (include, redirect, exp), which RFC
	   7208 4.6.4 leaves out of the void count; so does pyspf. */
	if (type != DNS_TXT && is_void && ++c->voids > SPF_MAX_VOID_LOOKUPS)
		spf_limit(c, arena_printf(c->a, "more than %d void lookups (%s)",
					  SPF_MAX_VOID_LOOKUPS, domain));
	if (type == DNS_MX && n > SPF_MAX_MX_NAMES)
		spf_limit(c, arena_printf(c->a, "more than %d MX names for %s",
					  SPF_MAX_MX_NAMES, domain));
	if (type == DNS_TXT && res->truncated)
		spf_limit(c, arena_printf(c->a, "TXT answer for %s over %zu bytes",
					  domain, (size_t)WN_DNS_MAX_TXT));
}

static int spf_herrno(const struct dns_result *res)
{
	switch (res->status) {
	case DNS_OK: return NETDB_SUCCESS;
	case DNS_NXDOMAIN: return HOST_NOT_FOUND;
	case DNS_NODATA: return NO_DATA;
	/* a name that cannot be asked (libspf2 expanded a macro into
	   garbage) exists nowhere: pyspf also answers it empty */
	case DNS_ERROR: return HOST_NOT_FOUND;
	default: return TRY_AGAIN; /* timeout, server failure */
	}
}

static SPF_dns_rr_t *spf_lookup(SPF_dns_server_t *layer, const char *domain,
				ns_type t, int should_cache)
{
	struct spf_check *c = layer->hook;
	const struct dns_result *res;
	enum dns_type type;
	SPF_dns_rr_t *rr;
	char esc[300];
	int h, n;

	(void)should_cache; /* the resolver caches by TTL */
	if (spf_dns_type(t, &type) < 0 || c->limit_why != NULL)
		return SPF_dns_rr_new_init(layer, domain, t, 0, NO_DATA);
	c->lookups++;
	h = spf_query(c, type, domain);
	if (h < 0) {
		log_warn("spf: DNS batch full, %s %s not asked", dns_type_name(type),
			 log_escape(esc, sizeof(esc), domain, strlen(domain)));
		return SPF_dns_rr_new_init(layer, domain, t, 0, TRY_AGAIN);
	}
	res = spf_wait(c, h);
	rr = SPF_dns_rr_new_init(layer, domain, t, (int)res->ttl, spf_herrno(res));
	if (rr == NULL)
		wn_panic("spf: out of memory");
	n = res->status == DNS_OK ? spf_fill(rr, res) : 0;
	rr->num_rr = n;
	if (res->status == DNS_OK && n == 0)
		rr->herrno = NO_DATA;
	spf_account(c, domain, type, res, n);
	if (log_debug_enabled("spf"))
		log_debug("spf", "lookup %s %s: %s, %d answers", dns_type_name(type),
			  log_escape(esc, sizeof(esc), domain, strlen(domain)),
			  dns_status_name(res->status), n);
	return rr;
}

/* ---- requests ---- */

/* MAIL FROM without <> and spaces around it. */
static const char *spf_strip_path(struct arena *a, const char *s)
{
	size_t len;

	if (s == NULL)
		return "";
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	return arena_strndup(a, s, len);
}

/* The HELO identity exists only as a domain name (RFC 7208 2.3): not an
   address literal, and with a dot. */
static const char *spf_helo_name(struct arena *a, const char *helo)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (helo == NULL || *helo == '\0' || *helo == '[' || strchr(helo, '.') == NULL)
		return NULL;
	if (inet_pton(AF_INET, helo, buf) == 1 || inet_pton(AF_INET6, helo, buf) == 1)
		return NULL;
	return arena_strdup(a, helo);
}

/* The client as libspf2 wants it; an IPv4-mapped IPv6 address is the
   IPv4 address (RFC 7208 5: "ip4" matches it). */
static void spf_set_client(struct spf_check *c, const char *ip)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];

	c->family = 0;
	if (ip == NULL)
		return;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		c->family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], 4);
			c->family = AF_INET;
		} else {
			c->family = AF_INET6;
		}
	}
	if (c->family == AF_INET)
		inet_ntop(AF_INET, &a4, buf, sizeof(buf));
	else if (c->family == AF_INET6)
		inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
	if (c->family != 0)
		c->client_ip = arena_strdup(c->a, buf);
}

/* The domain a MAIL FROM (already stripped) is checked for: after the
   last @; the HELO for the null sender. NULL when there is none. */
static const char *spf_from_domain(const struct spf_check *c)
{
	const char *at;

	if (*c->mail_from == '\0')
		return c->helo;
	at = strrchr(c->mail_from, '@');
	return at != NULL ? at + 1 : c->mail_from;
}

struct spf_check *spf_start(struct arena *a, struct dns_batch *b,
			    const struct spf_request *req)
{
	struct spf_check *c = arena_zalloc(a, sizeof(*c));
	const char *dom;

	pthread_once(&spf_once, spf_init_log);
	c->a = a;
	c->b = b;
	spf_set_client(c, req->client_ip);
	c->helo = spf_helo_name(a, req->helo);
	c->mail_from = spf_strip_path(a, req->mail_from);
	c->receiver = req->receiver != NULL ? arena_strdup(a, req->receiver) : NULL;
	c->layer.destroy = NULL; /* ours: libspf2 must not free it */
	c->layer.lookup = spf_lookup;
	c->layer.name = "winnow";
	c->layer.hook = c;
	if (c->family == 0)
		return c;
	/* libspf2's first question for each identity: ask it now */
	dom = spf_from_domain(c);
	if (dom != NULL && *dom != '\0')
		(void)spf_query(c, DNS_TXT, dom);
	if (c->helo != NULL)
		(void)spf_query(c, DNS_TXT, c->helo);
	return c;
}

static enum spf_res spf_res_from(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS: return SPF_RES_PASS;
	case SPF_RESULT_FAIL: return SPF_RES_FAIL;
	case SPF_RESULT_SOFTFAIL: return SPF_RES_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return SPF_RES_NEUTRAL;
	case SPF_RESULT_NONE: return SPF_RES_NONE;
	case SPF_RESULT_TEMPERROR: return SPF_RES_TEMPERROR;
	default: return SPF_RES_PERMERROR; /* PERMERROR, INVALID */
	}
}

/* The first error libspf2 recorded, else its header comment. */
static const char *spf_reason(struct spf_check *c, SPF_response_t *resp)
{
	const char *s = NULL;
	int i;

	if (c->limit_why != NULL)
		return c->limit_why;
	for (i = 0; i < SPF_response_messages(resp) && s == NULL; i++) {
		SPF_error_t *e = SPF_response_message(resp, i);
		if (SPF_error_errorp(e))
			s = SPF_error_message(e);
	}
	if (s == NULL)
		s = SPF_response_get_header_comment(resp);
	return s != NULL ? arena_strdup(c->a, s) : NULL;
}

static void spf_result_none(struct spf_result *r, const char *domain, const char *why)
{
	memset(r, 0, sizeof(*r));
	r->result = SPF_RES_NONE;
	r->domain = domain;
	r->reason = why;
}

static void spf_fill_result(struct spf_check *c, SPF_response_t *resp,
			    const char *domain, struct spf_result *r)
{
	const char *s;

	memset(r, 0, sizeof(*r));
	r->result = spf_res_from(SPF_response_result(resp));
	r->domain = domain;
	r->reason = spf_reason(c, resp);
	if (r->result == SPF_RES_FAIL || r->result == SPF_RES_SOFTFAIL ||
	    r->result == SPF_RES_NEUTRAL) {
		s = SPF_response_get_explanation(resp);
		r->explanation = s != NULL ? arena_strdup(c->a, s) : NULL;
	}
	s = SPF_response_get_received_spf_value(resp);
	r->received_spf = s != NULL ? arena_strdup(c->a, s) : NULL;
	r->lookups = c->lookups;
	r->voids = c->voids;
}

/* One evaluation: the MAIL FROM identity, or the HELO one (use_helo). */
static void spf_eval(struct spf_check *c, SPF_server_t *srv, int use_helo,
		     const char *domain, struct spf_result *r)
{
	SPF_request_t *req = SPF_request_new(srv);
	SPF_response_t *resp = NULL;
	SPF_errcode_t err;

	if (req == NULL)
		wn_panic("spf: out of memory");
	c->lookups = c->voids = c->terms = c->records = 0;
	c->pending.count = c->next_pending = 0;
	c->limit_why = NULL;
	if (c->family == AF_INET)
		SPF_request_set_ipv4_str(req, c->client_ip);
	else
		SPF_request_set_ipv6_str(req, c->client_ip);
	if (c->helo != NULL)
		SPF_request_set_helo_dom(req, c->helo);
	/* the HELO identity's sender is postmaster@helo (RFC 7208 2.3);
	   libspf2 builds it from "" and the HELO */
	SPF_request_set_env_from(req, use_helo ? "" : c->mail_from);
	req->use_helo = (char)use_helo;
	err = SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL)
		wn_panic("spf: out of memory");
	/* SPF_i_done() rewrites the comment and header to match */
	if (c->limit_why != NULL)
		SPF_i_done(resp, SPF_RESULT_PERMERROR, SPF_REASON_NONE, SPF_E_BIG_DNS);
	else if (SPF_response_result(resp) == SPF_RESULT_INVALID)
		/* libspf2 1.2.10 leaves the result unset when the record
		   lookup fails (TRY_AGAIN) */
		SPF_i_done(resp, err == SPF_E_DNS_ERROR ? SPF_RESULT_TEMPERROR
							 : SPF_RESULT_PERMERROR,
			   SPF_REASON_FAILURE, err);
	spf_fill_result(c, resp, domain, r);
	if (log_debug_enabled("spf")) {
		char e1[300], e2[300];
		log_debug("spf", "%s %s: %s (%s)", use_helo ? "helo" : "mailfrom",
			  log_escape(e1, sizeof(e1), domain, strlen(domain)),
			  spf_res_name(r->result),
			  r->reason != NULL ? log_escape(e2, sizeof(e2), r->reason,
							 strlen(r->reason)) : "");
	}
	SPF_response_free(resp);
	SPF_request_free(req);
}

static SPF_server_t *spf_server(struct spf_check *c)
{
	SPF_server_t *srv = SPF_server_new_dns(&c->layer, 0);
	SPF_response_t *resp = NULL;

	if (srv == NULL)
		wn_panic("spf: out of memory");
	if (c->receiver != NULL && *c->receiver != '\0')
		SPF_server_set_rec_dom(srv, c->receiver);
	if (SPF_server_set_explanation(srv, SPF_EXPLANATION, &resp) != SPF_E_SUCCESS)
		wn_panic("spf: default explanation does not compile");
	if (resp != NULL)
		SPF_response_free(resp);
	return srv;
}

void spf_collect(struct spf_check *c, struct spf_result *mailfrom_r,
		 struct spf_result *helo_r)
{
	const char *dom = spf_from_domain(c);
	SPF_server_t *srv;

	assert(!c->collected);
	c->collected = 1;
	if (c->family == 0) {
		spf_result_none(mailfrom_r, NULL, "no client address");
		spf_result_none(helo_r, NULL, "no client address");
		return;
	}
	srv = spf_server(c);
	if (dom == NULL)
		spf_result_none(mailfrom_r, NULL, "no sender domain");
	else
		spf_eval(c, srv, 0, dom, mailfrom_r);
	if (c->helo == NULL)
		spf_result_none(helo_r, NULL, "no HELO domain name");
	else
		spf_eval(c, srv, 1, c->helo, helo_r);
	SPF_server_free(srv);
}

void spf_check(struct arena *a, struct dns_batch *b, const struct spf_request *req,
	       struct spf_result *mailfrom_r, struct spf_result *helo_r)
{
	spf_collect(spf_start(a, b, req), mailfrom_r, helo_r);
}

const char *spf_res_name(enum spf_res r)
{
	static const char *const names[] = {
		"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
	};

	assert((size_t)r < sizeof(names) / sizeof(names[0]));
	return names[r];
}

const char *spf_hit_name(enum spf_identity id, enum spf_res r)
{
	static const char *const mailfrom[] = {
		"SPF_NONE", "SPF_NEUTRAL", "SPF_PASS", "SPF_FAIL",
		"SPF_SOFTFAIL", "SPF_TEMPERROR", "SPF_PERMERROR",
	};
	static const char *const helo[] = {
		"SPF_HELO_NONE", "SPF_HELO_NEUTRAL", "SPF_HELO_PASS", "SPF_HELO_FAIL",
		"SPF_HELO_SOFTFAIL", "SPF_HELO_TEMPERROR", "SPF_HELO_PERMERROR",
	};

	assert((size_t)r < sizeof(mailfrom) / sizeof(mailfrom[0]));
	return id == SPF_ID_HELO ? helo[r] : mailfrom[r];
}
