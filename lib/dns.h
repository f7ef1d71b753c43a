/*
 * dns.h - the shared asynchronous resolver (libunbound) and the helpers
 * every DNS-based check needs (reverse names, DNSBL return codes).
 *
 * One struct dns per process, shared by all threads: it owns the
 * libunbound context (with its cache, which honours TTLs) and a thread
 * that delivers answers. Each message gets a struct dns_batch: queries
 * are added as soon as their inputs are known and run concurrently;
 * the caller collects them later with dns_batch_wait(). A batch never
 * keeps a thread longer than its budget: queries past their own timeout
 * or the batch's budget end as DNS_TIMEOUT.
 *
 * A batch belongs to one thread (the one scanning the message); only
 * the struct dns is shared.
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>

struct cfg;

/* RR types, with their wire values. */
enum dns_type {
	DNS_A = 1,
	DNS_PTR = 12,
	DNS_MX = 15,
	DNS_TXT = 16,
	DNS_AAAA = 28,
};

enum dns_status {
	DNS_PENDING,  /* not answered yet: wait again, or it is cancelled at free */
	DNS_OK,       /* answers in rr[] */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_NODATA,   /* the name exists, without records of this type */
	DNS_SERVFAIL, /* the server failed or refused (why says which) */
	DNS_TIMEOUT,  /* no answer within the query timeout or the batch budget */
	DNS_ERROR,    /* not sent: bad name, resolver error (why says which) */
};

struct dns_conf {
	/* Forwarders "ADDR[@PORT]", separated by commas or spaces;
	   NULL or "" uses the system's /etc/resolv.conf. */
	const char *forward;
	unsigned int timeout_ms; /* one query, from dns_batch_add() */
	unsigned int budget_ms;  /* everything in one batch, from dns_batch_new() */
};

/* One record of an answer. Strings are NUL-terminated and may also
   contain NULs (TXT), hence the lengths. */
struct dns_rr {
	/* A/AAAA: the address as text; PTR/MX: the name, without the final
	   dot; TXT: the record's character-strings concatenated (RFC 7208
	   3.3, RFC 6376 3.6.2.2). */
	const char *text;
	size_t text_len;
	unsigned int pref; /* MX preference */
	/* TXT: each character-string of the record, as sent. */
	size_t nstrings;
	const char *const *strings;
	const size_t *lens;
};

struct dns_result {
	enum dns_status status;
	enum dns_type type;
	const char *name;
	unsigned int ttl;
	/* Answers past WN_DNS_MAX_ANSWERS or TXT bytes past WN_DNS_MAX_TXT
	   were dropped (rr[] holds what fits). */
	int truncated;
	size_t n;
	const struct dns_rr *rr;
	const char *why; /* DNS_SERVFAIL, DNS_ERROR: reason; else NULL */
};

struct dns;
struct dns_batch;

/* Fills conf from the dns_* keys of c; the strings stay owned by c. */
void dns_conf_from_cfg(struct dns_conf *conf, const struct cfg *c);

/* Starts the resolver. Returns NULL with a malloc'd message in *err_r
   (bad forwarder, unreadable resolv.conf, thread creation). */
struct dns *dns_new(const struct dns_conf *conf, char **err_r);
/* Stops the resolver; every batch must have been freed. Clears *dp. */
void dns_free(struct dns **dp);

/* A batch for one message; its budget starts now. Free with
   dns_batch_free(), which also cancels what is still pending. */
struct dns_batch *dns_batch_new(struct dns *d);
void dns_batch_free(struct dns_batch **bp);

/* Starts a query and returns its handle (>= 0), or -1 when the batch
   already holds WN_DNS_MAX_QUERIES. A name that cannot be sent (too
   long, empty label) gets a handle whose result is DNS_ERROR. A name is
   absolute: no search domains are appended. */
int dns_batch_add(struct dns_batch *b, enum dns_type type, const char *name);

/* Waits until every query has an answer, or wait_ms has passed, or the
   budget is spent, whichever comes first. Queries past their timeout or
   the budget become DNS_TIMEOUT. Returns how many are still pending
   (then wait again to collect them). */
size_t dns_batch_wait(struct dns_batch *b, unsigned int wait_ms);
/* The same for one query: 0 when it has its result, 1 if still pending. */
int dns_batch_wait_one(struct dns_batch *b, int h, unsigned int wait_ms);

/* The result of handle h, owned by the batch. While the query is
   pending this is a shared constant with status DNS_PENDING and no other
   field set: ask again after a wait. A final result never changes. */
const struct dns_result *dns_batch_result(struct dns_batch *b, int h);

const char *dns_status_name(enum dns_status s);
const char *dns_type_name(enum dns_type t);

/* --- helpers (no network) --- */

/* The name to look an address up under zone: "4.3.2.1.zone" for IPv4,
   the 32 nibbles for IPv6 (RFC 3596 2.5); zone NULL gives in-addr.arpa
   or ip6.arpa, the PTR name. IPv4-mapped IPv6 addresses are treated as
   IPv4. Returns 0, or -1 if ip is not an address or out is too small. */
int dns_reverse_name(const char *ip, const char *zone, char *out, size_t size);

/* A DNSBL answer (an A record's text) as its return code in host order.
   Returns 0 for a listing in 127.0.0.0/8, -1 for anything else: not an
   IPv4 address, outside 127/8 (a hijacking resolver's wildcard), or
   127.255.255.0/24, which lists such as Spamhaus use to report errors
   (refused query, over quota), not listings. */
int dns_dnsbl_code(const char *answer, uint32_t *code_r);

/* Which return codes a rule counts, SpamAssassin's check_rbl_sub
   forms: "" any listing; "127.0.0.2" exactly that; "127.0.0.2-127.0.0.5"
   a range; a number ("4", "0x0c") a mask, met when code & mask != 0. */
struct dns_dnsbl_sub {
	enum { DNS_SUB_ANY, DNS_SUB_RANGE, DNS_SUB_MASK } kind;
	uint32_t lo, hi; /* RANGE (an exact code is lo == hi); MASK: lo */
};
/* Returns 0, or -1 if spec is none of the forms. */
int dns_dnsbl_sub_parse(const char *spec, struct dns_dnsbl_sub *r);
int dns_dnsbl_sub_match(const struct dns_dnsbl_sub *s, uint32_t code);

/* Checks a dns_forward value: each word ADDR or ADDR@PORT, ADDR an IPv4
   or IPv6 literal, PORT 1-65535, at most WN_DNS_MAX_FORWARDERS words.
   Returns 0, or -1 with a malloc'd reason in *err_r. */
int dns_forward_check(const char *value, char **err_r);
/* Calls fn(ctx, word, len) for each forwarder of value (fn may be NULL:
   only checked); -1 with a malloc'd *err_r at the first bad word or
   failing fn. */
int dns_forward_each(const char *value, int (*fn)(void *, const char *, size_t),
		     void *ctx, char **err_r);

/* Decodes one record's rdata (as libunbound hands it: no rdlength, names
   uncompressed) into rr, allocating from a. *txt_left is the TXT budget
   still free, lowered by what is kept. Returns 0, 1 if the TXT budget
   cut it (rr holds a prefix), -1 if the rdata is malformed. Exposed for
   the fuzzer. */
struct arena;
int dns_rdata_decode(struct arena *a, enum dns_type type, const uint8_t *data,
		     size_t len, struct dns_rr *rr, size_t *txt_left);

#endif
