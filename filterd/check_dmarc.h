/*
 * check_dmarc.h - DMARC (RFC 7489): is the RFC5322.From domain aligned
 * with a domain SPF or DKIM authenticated, and if not, what policy does
 * the domain owner ask for.
 *
 * Division of work: the _dmarc TXT records are fetched through the
 * shared resolver (lib/dns.h) in the message's batch, never by
 * libopendmarc; libopendmarc parses the chosen record (its p, sp, pct,
 * adkim, aspf); alignment, the organisational domain (lib/psl.h) and
 * the choice between p and sp are done here, because libopendmarc's
 * alignment needs its own copy of the public suffix list (global state)
 * and, with it loaded, accepts in strict mode a d= whose organisational
 * domain equals the From domain.
 *
 * Use: chk_dmarc_start() right after parsing (the From domain is all it
 * needs): it queues the From domain's _dmarc record and, when the From
 * domain is below its organisational domain, the organisational
 * domain's too, at once, so the fallback costs no second round trip.
 * chk_dmarc_collect() later, with the SPF and DKIM results: it waits
 * only within the batch's budget (then temperror).
 *
 * Policy discovery follows RFC 7489 6.6.3: TXT records not starting
 * with "v=DMARC1" are ignored; none left at the From domain: the
 * organisational domain's; several left: no policy (none). A record
 * libopendmarc rejects (bad version, bad p=/sp=/adkim/aspf/pct/fo/rf
 * value, no p=) is a permerror; unknown tags are ignored (RFC 7489
 * 6.3). Not done: 6.6.3 step 6's "invalid p= but a valid rua=: act as
 * p=none" (OpenDMARC does not either).
 *
 * pct= (RFC 7489 6.6.4): a failing message is in the sample when
 * roll < pct, roll being 0..99 from a hash of the caller's per-message
 * seed and the From domain, so the same message always gets the same
 * answer (a retried delivery is not rejected one time in two). Out of
 * the sample, the next weaker policy applies: reject -> quarantine,
 * quarantine -> none.
 *
 * Threads: a check belongs to the thread of its batch; libopendmarc is
 * used without its global state (no library_init, no TLD file, no DNS).
 */
#ifndef CHECK_DMARC_H
#define CHECK_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/hits.h"

struct arena;
struct chk_dkim_results;
struct dns_batch;
struct msg;
struct psl;
struct spf_result;

/* RFC 7489 11.2 / RFC 8601 results. */
enum chk_dmarc_res {
	CHK_DMARC_NONE,      /* no record (or several), or no From domain */
	CHK_DMARC_PASS,
	CHK_DMARC_FAIL,      /* not aligned; see policy and disposition */
	CHK_DMARC_TEMPERROR, /* DNS timeout or server failure */
	CHK_DMARC_PERMERROR, /* bad record, bad or several From domains */
};

enum chk_dmarc_policy {
	CHK_DMARC_P_UNSET, /* no record */
	CHK_DMARC_P_NONE,
	CHK_DMARC_P_QUARANTINE,
	CHK_DMARC_P_REJECT,
};

/* What the From: fields gave. */
enum chk_dmarc_from {
	CHK_DMARC_FROM_OK,      /* one domain (several addresses of it are fine) */
	CHK_DMARC_FROM_MISSING, /* no From: field, or no address with a domain */
	CHK_DMARC_FROM_MULTI,   /* addresses of different domains (one field or several) */
	CHK_DMARC_FROM_INVALID, /* the domain is not a valid DNS name (or an IP literal) */
};

struct chk_dmarc_result {
	enum chk_dmarc_res result;
	enum chk_dmarc_from from_status;
	size_t from_fields; /* From: fields in the message */
	/* The From domain, lower case, A-labels; NULL without one. */
	const char *from_domain;
	/* Its organisational domain (RFC 7489 3.2; the domain itself when it
	   is a public suffix); NULL without a From domain. */
	const char *org_domain;
	/* Where the record used was found (from_domain or org_domain), and
	   the record; NULL when none was used. */
	const char *policy_domain;
	const char *record;
	/* The record's tags (defaults filled in: sp = p, pct 100, relaxed);
	   P_UNSET and 0 without a record. */
	enum chk_dmarc_policy p, sp;
	int pct;
	char adkim, aspf; /* 'r' or 's'; 0 without a record */
	/* The policy for this message: sp when the record came from the
	   organisational domain for a From subdomain, else p. */
	enum chk_dmarc_policy policy;
	int used_sp;
	/* fail: the policy after pct (sampled ? policy : next weaker);
	   otherwise P_NONE (pass) or P_UNSET. */
	enum chk_dmarc_policy disposition;
	unsigned int roll; /* 0..99, compared with pct */
	int sampled;       /* roll < pct */
	/* Alignment (pass and fail): which identifiers were aligned, and
	   the domains considered: the SPF identity's domain when SPF passed,
	   the d= of the first aligned passing signature, else of the first
	   passing one (NULL when none passed). */
	int spf_aligned, dkim_aligned;
	const char *spf_domain;
	const char *dkim_domain;
	/* SPF or a DKIM signature had a temperror: a fail may be DNS
	   trouble, not forgery (enforce reject with care). */
	int auth_temperror;
	/* Why, for none, temperror and permerror ("no DMARC record",
	   "multiple DMARC records", "timeout: _dmarc.example.com",
	   libopendmarc's status text); NULL for pass and fail. */
	const char *reason;
};

struct chk_dmarc;

/* Finds the RFC5322.From domain of m (every From: field, every
   address; groups flattened). Returns FROM_OK, FROM_MISSING or
   FROM_MULTI (FROM_INVALID is decided when the check starts); *domain_r
   is the domain (lower case, as written, arena memory) for FROM_OK, the
   first one for FROM_MULTI, else NULL. *fields_r (may be NULL) gets the
   number of From: fields. */
enum chk_dmarc_from chk_dmarc_from_domain(struct arena *a, const struct msg *m,
					  const char **domain_r, size_t *fields_r);

/* Starts a check for message m: finds its From domain and queues the
   _dmarc lookups in b (none when the From status is not OK). psl (may
   be NULL: then every domain is its own organisational domain, with no
   fallback and only exact alignment) must outlive the check, as must
   b. The check lives in a. Never NULL. */
struct chk_dmarc *chk_dmarc_start(struct arena *a, struct dns_batch *b,
				  const struct psl *psl, const struct msg *m);
/* The same for a From domain already known (NULL or "": no From). */
struct chk_dmarc *chk_dmarc_start_domain(struct arena *a, struct dns_batch *b,
					 const struct psl *psl, const char *from_domain);

/* Evaluates: waits for the lookups (within the batch's budget), parses
   the record, checks alignment with spf (the MAIL FROM identity's
   result, whose domain is the one SPF evaluated; NULL: SPF not checked)
   and dkim (each passing signature's d=; NULL: not checked), applies
   pct with seed (chk_dmarc_seed()). Fills *r, strings in the check's
   arena. Call once. */
void chk_dmarc_collect(struct chk_dmarc *c, const struct spf_result *spf,
		       const struct chk_dkim_results *dkim, uint64_t seed,
		       struct chk_dmarc_result *r);

/* A per-message seed for pct: FNV-1a of some bytes that identify the
   message (its Message-ID, else the raw header block). */
uint64_t chk_dmarc_seed(const void *data, size_t len);

/* The pct roll (0..99) for a seed and a From domain. */
unsigned int chk_dmarc_roll(uint64_t seed, const char *domain);

/* Parses record (a TXT record text that starts with v=DMARC1) with
   libopendmarc into r's p, sp, pct, adkim, aspf. Returns 0, or -1 with
   the reason in *why_r (static text) for a permerror. Exposed for the
   fuzzer and tests; chk_dmarc_collect() uses it. */
int chk_dmarc_parse(const char *record, size_t len, struct chk_dmarc_result *r,
		    const char **why_r);

/* Does a TXT record start like a DMARC record ("v" *WSP "=" *WSP
   "DMARC1", then the end, white space or ';'; RFC 7489 6.4)? */
int chk_dmarc_is_record(const char *text, size_t len);

/* "none", "pass", "fail", "temperror", "permerror" (RFC 8601). */
const char *chk_dmarc_res_name(enum chk_dmarc_res res);
/* "none", "quarantine", "reject"; "" for P_UNSET. */
const char *chk_dmarc_policy_name(enum chk_dmarc_policy p);

/* SpamAssassin 4's hit (Plugin::DMARC, rules/25_dmarc.cf):
   DMARC_PASS       pass
   DMARC_REJECT     fail, disposition reject (after pct)
   DMARC_QUAR       fail, disposition quarantine
   DMARC_NONE       fail, disposition none (p=none, or quarantine
                    sampled out by pct)
   DMARC_MISSING    no usable policy: no record, several records, or a
                    bad record (Mail::DMARC drops invalid records)
   NULL             temperror, no From domain, several From domains or
                    an invalid one (SpamAssassin gives no DMARC hit).
   chk_dmarc_net() is the same as lib/hits.h's enum net_dmarc. */
const char *chk_dmarc_hit_name(const struct chk_dmarc_result *r);
enum net_dmarc chk_dmarc_net(const struct chk_dmarc_result *r);

/* The RFC 8601 resinfo, as OpenDMARC writes it:
   "dmarc=pass (p=reject dis=none) header.from=example.com",
   "dmarc=fail (p=quarantine dis=quarantine) header.from=example.com"
   (p= the policy that applied, sp's when it was used; dis= what the
   receiver did: pass the disposition when it was enforced, else
   CHK_DMARC_P_NONE), "dmarc=none header.from=example.com",
   "dmarc=permerror header.from=example.com"; without a From domain
   "dmarc=none reason=\"...\"". Arena memory. */
char *chk_dmarc_ar(struct arena *a, const struct chk_dmarc_result *r,
		   enum chk_dmarc_policy dis);

#endif
