/*
 * check_dnsbl.h - DNSBL and URIBL lookups through the shared resolver
 * (lib/dns.h): IP addresses (the connecting client, the untrusted
 * relays) and URI hosts (registrable domains via lib/psl.h, IP literal
 * hosts reversed) looked up in a set of lists.
 *
 * Use: dnsbl_start() as soon as the inputs are known (all queries go
 * out at once, in the message's batch, next to the other checks'), local
 * work meanwhile, then dnsbl_collect() for one result per list. A list
 * that timed out contributes nothing and says so.
 *
 * Lists come from rules (SpamAssassin's check_rbl / check_rbl_sub /
 * check_rbl_txt and urirhssub / urirhsbl / uridnsbl, converted by the
 * rules side into struct dnsbl_list) or from the plain key dnsbl_zones
 * (dnsbl_lists_from_cfg()).
 *
 * Ownership: everything dnsbl_start()/dnsbl_collect() return lives in
 * the arena given to dnsbl_start() (the message arena); the lists and
 * inputs must outlive the handle. A handle belongs to the thread of its
 * batch; the lists may be shared read-only by all threads.
 */
#ifndef CHECK_DNSBL_H
#define CHECK_DNSBL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/dns.h"

struct arena;
struct cfg;
struct hit_list;
struct msg;
struct net_rbl_answer;
struct psl;

/* Which inputs a list is asked about (SpamAssassin's check_rbl set
   suffixes in brackets). */
enum dnsbl_scope {
	DNSBL_CLIENT,          /* the connecting client's address */
	DNSBL_FIRST_UNTRUSTED, /* the newest untrusted relay only [-lastexternal] */
	DNSBL_UNTRUSTED,       /* every untrusted relay [the default] */
	DNSBL_URI,             /* URI hosts' registrable domains and IP literal
				  hosts [urirhssub, urirhsbl, uridnsbl] */
};

enum dnsbl_list_flag {
	DNSBL_F_TXT = 1u << 0,     /* also ask TXT, for the reason (check_rbl_txt) */
	DNSBL_F_NO_IPV6 = 1u << 1, /* the list has no IPv6 data: skip v6 inputs */
};

struct dnsbl_list {
	const char *name;  /* set: SpamAssassin's check_rbl set ("spamhaus-zen"),
			      or the URIBL rule name */
	const char *rule;  /* the rule whose lookup this is (check_rbl's rule,
			      RCVD_IN_x for dnsbl_zones); may equal name */
	const char *zone;  /* "zen.spamhaus.org", no trailing dot needed */
	enum dnsbl_scope scope;
	struct dns_dnsbl_sub sub; /* return codes that count (check_rbl_sub,
				     urirhssub's mask); DNS_SUB_ANY: any */
	unsigned int flags;       /* DNSBL_F_* */
	double score;             /* for dnsbl_hits() */
	const char *hit;          /* hit name for dnsbl_hits(); NULL: none
				     (rules score it themselves) */
};

/* What one message offers to look up. Any part may be empty. */
struct dnsbl_input {
	const char *client_ip;        /* IPv4 or IPv6 text, or NULL */
	/* untrusted relays' addresses, newest first (rules/relays.c:
	   relay_info.v[num_trusted .. count).ip, NULLs skipped); the
	   client, when untrusted, is usually the first of them: DNSBL_UNTRUSTED
	   reads only this array, DNSBL_CLIENT only client_ip */
	const char *const *untrusted;
	size_t nuntrusted;
	/* URI hosts: raw hosts (msg->uris[i].host, or any list), reduced
	   here with psl; or none */
	const char *const *uri_hosts;
	size_t nuri_hosts;
	const struct psl *psl;        /* needed when nuri_hosts > 0 */
};

enum dnsbl_status {
	DNSBL_NONE,     /* nothing to ask about (no input of its scope) */
	DNSBL_CLEAN,    /* every input answered, none listed with a counted code */
	DNSBL_LISTED,   /* at least one listing (the others' outcomes aside) */
	DNSBL_TIMEOUT,  /* not listed, and some query went unanswered */
	DNSBL_FAILED,   /* not listed, and some query failed (SERVFAIL, bad
			   zone name, batch full); no timeout */
};

/* One input found listed with a code the list counts. */
struct dnsbl_listing {
	const char *input;  /* the address or domain asked about */
	const char *query;  /* the name asked: "2.0.0.127.zen.test" */
	const char *answer; /* "127.0.0.2" */
	uint32_t code;      /* the same, host order */
	const char *txt;    /* the TXT reason (DNSBL_F_TXT), or NULL */
};

struct dnsbl_result {
	const struct dnsbl_list *list;
	enum dnsbl_status status;
	const struct dnsbl_listing *listings; /* in input order */
	size_t nlistings;
	size_t nqueries;   /* inputs asked about */
	size_t ntimeouts;  /* of those, unanswered in time */
	size_t nfailed;    /* of those, failed */
	size_t nignored;   /* answers ignored: outside 127/8 or 127.255.255/24
			      (a list's error codes, a resolver's wildcard) */
};

struct dnsbl;

/* The URI domains to look up for hosts (lower case, any form): each
   host's registrable domain in A-labels (psl), or the host itself when
   it is an IPv4/IPv6 literal (brackets removed); hosts with neither
   (a bare public suffix, junk) are left out. Distinct, in first-seen
   order, at most max (WN_DNSBL_MAX_URI_DOMAINS in practice); *capped_r
   (if not NULL) is set when more were left out. Returns the count;
   *v_r in a. */
size_t dnsbl_uri_domains(struct arena *a, const struct psl *psl,
			 const char *const *hosts, size_t nhosts, size_t max,
			 const char ***v_r, int *capped_r);

/* The hosts of m's URIs in the order URIBLs should see them: links
   (href) and text URIs first, then images and other sources (a payload
   domain sits in the links; images often come from big hosting
   domains). Hosts repeat; dnsbl_uri_domains() reduces them. */
size_t dnsbl_msg_hosts(struct arena *a, const struct msg *m, const char ***v_r);

/* Starts every query of lists[0..n) for in, in batch b; returns the
   handle (never NULL; in a). Inputs are deduplicated per list, private
   and loopback addresses are skipped (see check_dnsbl.c), URI domains
   are capped at WN_DNSBL_MAX_URI_DOMAINS and relay addresses at
   WN_DNSBL_MAX_RELAY_IPS. Lists sharing a zone and input share one
   query. */
struct dnsbl *dnsbl_start(struct dns_batch *b, struct arena *a,
			  const struct dnsbl_list *lists, size_t n,
			  const struct dnsbl_input *in);

/* Waits at most wait_ms for the answers (the batch's budget also
   bounds it), then returns n results, one per list, in list order.
   Queries still unanswered count as timeouts. Call once. */
const struct dnsbl_result *dnsbl_collect(struct dnsbl *h, unsigned int wait_ms);

/* URI domains dropped by the cap in dnsbl_start(). */
int dnsbl_uri_capped(const struct dnsbl *h);

/* Adds list->hit (score list->score) for each LISTED result whose list
   names a hit; the description names the first listed input. Returns
   the hits added. */
size_t dnsbl_hits(const struct dnsbl_result *r, size_t n, struct hit_list *hl);

/* Every listing as rules/eval_net.c reads them (lib/hits.h): an 'A'
   answer per listing and a 'T' answer per TXT reason, with the list's
   rule and set. Returns the count; *v_r in a. */
size_t dnsbl_rbl_answers(struct arena *a, const struct dnsbl_result *r, size_t n,
			 const struct net_rbl_answer **v_r);

/* Lists for the key dnsbl_zones: one per zone, scope DNSBL_UNTRUSTED,
   any code, score dnsbl_score, hit RCVD_IN_<ZONE> (upper case, '.' and
   '-' as '_'). Returns the count (*lists_r in a), or -1 with a
   malloc'd message naming a zone that is not a DNS name. */
long dnsbl_lists_from_cfg(struct arena *a, const struct cfg *c,
			  struct dnsbl_list **lists_r, char **err_r);

/* RCVD_IN_<ZONE> for zone, in a. */
const char *dnsbl_zone_hit_name(struct arena *a, const char *zone);

const char *dnsbl_status_name(enum dnsbl_status s);

#endif
