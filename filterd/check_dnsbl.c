/*
 * check_dnsbl.c - DNSBL and URIBL lookups (see check_dnsbl.h).
 *
 * Queries (RFC 5782): an IPv4 address a.b.c.d is asked as
 * d.c.b.a.ZONE, an IPv6 address as its 32 nibbles reversed, a domain as
 * DOMAIN.ZONE; type A, and TXT too for lists that want the reason. A
 * listing is an A record in 127.0.0.0/8; 127.255.255.0/24 is how lists
 * such as Spamhaus say "refused" or "over quota", and anything outside
 * 127/8 is a resolver's wildcard or a dead list's parking answer, so
 * both are ignored (counted in nignored), never listings.
 *
 * Skipped addresses: 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.168/16, 224/3 and IPv6 ::, ::1, fc00::/7, fe80::/10,
 * ff00::/8 (IPv4-mapped addresses as IPv4). Lists know nothing of them,
 * and asking would tell a list operator about our internal network.
 *
 * Every query of a message is added to its batch at once, so they
 * overlap with each other and with the other checks' queries: a message
 * costs about one round trip, not one per list and input.
 *
 * Ownership: all in the arena given to dnsbl_start().
 */
#include "config.h"

#include "filterd/check_dnsbl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/hits.h"
#include "lib/limits.h"
#include "lib/msg.h"
#include "lib/psl.h"
#include "lib/wn.h"

/* One distinct name asked. */
struct query {
	const char *name;
	int h;     /* A query's handle; -1: not sent (the batch is full) */
	int txt_h; /* TXT query's handle, or -1 */
};

/* One input of one list. */
struct item {
	size_t list;
	const char *input;
	size_t q; /* in queries */
};

struct dnsbl {
	struct dns_batch *b;
	struct arena *a;
	const struct dnsbl_list *lists;
	size_t n;
	struct arena_vec queries; /* struct query */
	struct arena_vec items;   /* struct item */
	int uri_capped;
};

const char *dnsbl_status_name(enum dnsbl_status s)
{
	static const char *const names[] = { "none", "clean", "listed", "timeout", "failed" };

	return (size_t)s < N_ELEMENTS(names) ? names[s] : "?";
}

/* ---- inputs ---- */

static int v4_skipped(const unsigned char *b)
{
	return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
	       (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254) ||
	       (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
}

/* 1 if ip is an address worth asking a list about, 0 if private or
   reserved, -1 if it is no address. */
static int ip_public(const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char b[16];

	if (inet_pton(AF_INET, ip, b) == 1)
		return !v4_skipped(b);
	if (inet_pton(AF_INET6, ip, b) != 1)
		return -1;
	if (memcmp(b, mapped, 12) == 0)
		return !v4_skipped(b + 12);
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff)
		return 0;
	for (size_t i = 0; i < 15; i++) {
		if (b[i] != 0)
			return 1;
	}
	return b[15] > 1; /* :: and ::1 */
}

/* host without brackets if it is an IP literal, in a; else NULL. */
static const char *ip_literal(struct arena *a, const char *host)
{
	size_t n = strlen(host);
	const char *ip = host;

	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		ip = arena_strndup(a, host + 1, n - 2);
	return ip_public(ip) >= 0 ? ip : NULL;
}

static int seen(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

size_t dnsbl_uri_domains(struct arena *a, const struct psl *psl,
			 const char *const *hosts, size_t nhosts, size_t max,
			 const char ***v_r, int *capped_r)
{
	const char **v = arena_alloc(a, (max + 1) * sizeof(*v));
	size_t n = 0;

	if (capped_r != NULL)
		*capped_r = 0;
	for (size_t i = 0; i < nhosts; i++) {
		const char *d;
		if (hosts[i] == NULL)
			continue;
		d = ip_literal(a, hosts[i]);
		if (d != NULL) {
			if (ip_public(d) != 1)
				continue;
		} else if (psl == NULL ||
			   (d = psl_registrable(psl, a, hosts[i], PSL_ASCII)) == NULL) {
			continue;
		}
		if (seen(v, n, d))
			continue;
		if (n == max) {
			if (capped_r != NULL)
				*capped_r = 1;
			break;
		}
		v[n++] = d;
	}
	*v_r = v;
	return n;
}

size_t dnsbl_msg_hosts(struct arena *a, const struct msg *m, const char ***v_r)
{
	const char **v = arena_alloc(a, (m->nuris + 1) * sizeof(*v));
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->nuris; i++) {
			const struct msg_uri *u = &m->uris[i];
			int first = u->source == MSG_URI_HREF || u->source == MSG_URI_TEXT;
			if (u->host != NULL && first == (pass == 0))
				v[n++] = u->host;
		}
	}
	*v_r = v;
	return n;
}

/* ---- queries ---- */

/* The query for name, added to the batch if new. */
static size_t query_get(struct dnsbl *d, const char *name, int txt)
{
	struct query *qv = d->queries.v, *q;
	size_t i;

	for (i = 0; i < d->queries.count; i++) {
		if (strcmp(qv[i].name, name) == 0)
			break;
	}
	if (i == d->queries.count) {
		q = ARENA_VEC_PUSH(d->a, &d->queries, struct query);
		q->name = arena_strdup(d->a, name);
		q->h = dns_batch_add(d->b, DNS_A, name);
		q->txt_h = -1;
	}
	q = &((struct query *)d->queries.v)[i];
	if (txt && q->txt_h < 0 && q->h >= 0)
		q->txt_h = dns_batch_add(d->b, DNS_TXT, name);
	return i;
}

/* Adds one input of list li (an address, or a URI domain). */
static void item_add(struct dnsbl *d, size_t li, const char *input, int is_ip)
{
	const struct dnsbl_list *l = &d->lists[li];
	char name[512], zone[300];
	struct item *it;
	size_t zl = strlen(l->zone), q, i;

	if (zl >= sizeof(zone))
		zl = sizeof(zone) - 1;
	memcpy(zone, l->zone, zl);
	while (zl > 0 && zone[zl - 1] == '.')
		zl--;
	zone[zl] = '\0';
	if (is_ip) {
		if ((l->flags & DNSBL_F_NO_IPV6) && strchr(input, ':') != NULL &&
		    strncmp(input, "::ffff:", 7) != 0)
			return;
		if (dns_reverse_name(input, zone, name, sizeof(name)) < 0)
			return;
	} else {
		snprintf(name, sizeof(name), "%s.%s", input, zone);
	}
	q = query_get(d, name, (l->flags & DNSBL_F_TXT) != 0);
	for (i = 0; i < d->items.count; i++) {
		const struct item *o = &((struct item *)d->items.v)[i];
		if (o->list == li && o->q == q)
			return; /* the same input again */
	}
	it = ARENA_VEC_PUSH(d->a, &d->items, struct item);
	it->list = li;
	it->input = input;
	it->q = q;
}

static void add_ips(struct dnsbl *d, size_t li, const char *const *ips, size_t n, size_t max)
{
	size_t used = 0;

	for (size_t i = 0; i < n && used < max; i++) {
		if (ips[i] == NULL || ip_public(ips[i]) != 1)
			continue;
		item_add(d, li, ips[i], 1);
		used++;
	}
}

struct dnsbl *dnsbl_start(struct dns_batch *b, struct arena *a,
			  const struct dnsbl_list *lists, size_t n,
			  const struct dnsbl_input *in)
{
	struct dnsbl *d = arena_zalloc(a, sizeof(*d));
	const char **doms = NULL;
	size_t ndoms = 0;

	d->b = b;
	d->a = a;
	d->lists = lists;
	d->n = n;
	for (size_t i = 0; i < n; i++) {
		if (lists[i].scope == DNSBL_URI && in->nuri_hosts > 0 && doms == NULL)
			ndoms = dnsbl_uri_domains(a, in->psl, in->uri_hosts, in->nuri_hosts,
						  WN_DNSBL_MAX_URI_DOMAINS, &doms, &d->uri_capped);
	}
	for (size_t i = 0; i < n; i++) {
		switch (lists[i].scope) {
		case DNSBL_CLIENT:
			add_ips(d, i, &in->client_ip, in->client_ip != NULL, 1);
			break;
		case DNSBL_FIRST_UNTRUSTED:
			add_ips(d, i, in->untrusted, in->nuntrusted > 0, 1);
			break;
		case DNSBL_UNTRUSTED:
			add_ips(d, i, in->untrusted, in->nuntrusted, WN_DNSBL_MAX_RELAY_IPS);
			break;
		case DNSBL_URI:
			for (size_t k = 0; k < ndoms; k++)
				item_add(d, i, doms[k], ip_public(doms[k]) == 1);
			break;
		}
	}
	return d;
}

int dnsbl_uri_capped(const struct dnsbl *h)
{
	return h->uri_capped;
}

/* ---- answers ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void wait_all(struct dnsbl *d, unsigned int wait_ms)
{
	const struct query *qv = d->queries.v;
	double end = now_ms() + wait_ms;

	for (size_t i = 0; i < d->queries.count; i++) {
		int hs[2] = { qv[i].h, qv[i].txt_h };
		for (int k = 0; k < 2; k++) {
			double left = end - now_ms();
			if (hs[k] >= 0)
				dns_batch_wait_one(d->b, hs[k], left > 0 ? (unsigned int)left : 0);
		}
	}
}

/* The first TXT record of query q, or NULL. */
static const char *txt_of(struct dnsbl *d, const struct query *q)
{
	const struct dns_result *r;

	if (q->txt_h < 0)
		return NULL;
	r = dns_batch_result(d->b, q->txt_h);
	return r->status == DNS_OK && r->n > 0 ? r->rr[0].text : NULL;
}

static void item_collect(struct dnsbl *d, const struct item *it, struct dnsbl_result *res,
			 struct arena_vec *found)
{
	const struct query *q = &((const struct query *)d->queries.v)[it->q];
	const struct dnsbl_list *l = &d->lists[it->list];
	const struct dns_result *r;

	res->nqueries++;
	if (q->h < 0) {
		res->nfailed++;
		return;
	}
	r = dns_batch_result(d->b, q->h);
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		return;
	case DNS_PENDING:
	case DNS_TIMEOUT:
		res->ntimeouts++;
		return;
	default:
		res->nfailed++;
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct dnsbl_listing *ls;
		uint32_t code;
		if (dns_dnsbl_code(r->rr[i].text, &code) < 0) {
			res->nignored++;
			continue;
		}
		if (!dns_dnsbl_sub_match(&l->sub, code))
			continue;
		ls = ARENA_VEC_PUSH(d->a, found, struct dnsbl_listing);
		ls->input = it->input;
		ls->query = q->name;
		ls->answer = r->rr[i].text;
		ls->code = code;
		ls->txt = (l->flags & DNSBL_F_TXT) ? txt_of(d, q) : NULL;
	}
}

const struct dnsbl_result *dnsbl_collect(struct dnsbl *d, unsigned int wait_ms)
{
	struct dnsbl_result *res = arena_zalloc(d->a, (d->n + 1) * sizeof(*res));
	const struct item *items = d->items.v;

	wait_all(d, wait_ms);
	for (size_t li = 0; li < d->n; li++) {
		struct dnsbl_result *r = &res[li];
		struct arena_vec found = { NULL, 0, 0 };
		r->list = &d->lists[li];
		for (size_t i = 0; i < d->items.count; i++) {
			if (items[i].list == li)
				item_collect(d, &items[i], r, &found);
		}
		r->listings = found.v;
		r->nlistings = found.count;
		if (r->nlistings > 0)
			r->status = DNSBL_LISTED;
		else if (r->ntimeouts > 0)
			r->status = DNSBL_TIMEOUT;
		else if (r->nfailed > 0)
			r->status = DNSBL_FAILED;
		else
			r->status = r->nqueries > 0 ? DNSBL_CLEAN : DNSBL_NONE;
	}
	return res;
}

/* ---- results for the pipeline and the rules ---- */

size_t dnsbl_hits(const struct dnsbl_result *r, size_t n, struct hit_list *hl)
{
	size_t added = 0;

	for (size_t i = 0; i < n; i++) {
		const struct dnsbl_list *l = r[i].list;
		const struct dnsbl_listing *ls = r[i].listings;
		if (r[i].status != DNSBL_LISTED || l->hit == NULL)
			continue;
		hits_add(hl, l->hit, l->score,
			 arena_printf(hl->arena, "%s listed in %s (%s)", ls->input, l->zone,
				      ls->answer),
			 HIT_F_NET);
		added++;
	}
	return added;
}

size_t dnsbl_rbl_answers(struct arena *a, const struct dnsbl_result *r, size_t n,
			 const struct net_rbl_answer **v_r)
{
	struct arena_vec v = { NULL, 0, 0 };

	for (size_t i = 0; i < n; i++) {
		const struct dnsbl_list *l = r[i].list;
		for (size_t k = 0; k < r[i].nlistings; k++) {
			const struct dnsbl_listing *ls = &r[i].listings[k];
			struct net_rbl_answer *ans = ARENA_VEC_PUSH(a, &v, struct net_rbl_answer);
			ans->rule = l->rule != NULL ? l->rule : l->name;
			ans->set = l->name;
			ans->type = 'A';
			ans->answer = ls->answer;
			if (ls->txt == NULL)
				continue;
			ans = ARENA_VEC_PUSH(a, &v, struct net_rbl_answer);
			ans->rule = l->rule != NULL ? l->rule : l->name;
			ans->set = l->name;
			ans->type = 'T';
			ans->answer = ls->txt;
		}
	}
	*v_r = v.v;
	return v.count;
}

/* ---- the dnsbl_zones key ---- */

const char *dnsbl_zone_hit_name(struct arena *a, const char *zone)
{
	size_t n = strlen(zone);
	char *r;

	while (n > 0 && zone[n - 1] == '.')
		n--;
	r = arena_alloc(a, n + 9);
	memcpy(r, "RCVD_IN_", 8);
	for (size_t i = 0; i < n; i++) {
		char c = zone[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '.' || c == '-')
			c = '_';
		r[8 + i] = c;
	}
	r[8 + n] = '\0';
	return r;
}

/* A zone as a DNS name: labels of 1-63 letters, digits, '-' or '_',
   at most 253 bytes (a trailing dot allowed). */
static int zone_valid(const char *z)
{
	size_t n = strlen(z), label = 0;

	if (n > 0 && z[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? z[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

long dnsbl_lists_from_cfg(struct arena *a, const struct cfg *c,
			  struct dnsbl_list **lists_r, char **err_r)
{
	const char *const *zones;
	size_t n = cfg_list(c, "dnsbl_zones", &zones);
	struct dnsbl_list *v = arena_zalloc(a, (n + 1) * sizeof(*v));
	double score = cfg_double(c, "dnsbl_score");

	for (size_t i = 0; i < n; i++) {
		if (!zone_valid(zones[i])) {
			char buf[400];
			snprintf(buf, sizeof(buf), "dnsbl_zones: '%.300s' is not a DNS zone name",
				 zones[i]);
			*err_r = xstrdup(buf);
			return -1;
		}
		v[i].zone = arena_strdup(a, zones[i]);
		v[i].hit = dnsbl_zone_hit_name(a, zones[i]);
		v[i].name = v[i].hit;
		v[i].rule = v[i].hit;
		v[i].scope = DNSBL_UNTRUSTED;
		v[i].sub.kind = DNS_SUB_ANY;
		v[i].score = score;
	}
	*lists_r = v;
	return (long)n;
}
