/*
 * check_spf.h - SPF (RFC 7208) for the MAIL FROM and HELO identities,
 * evaluated by libspf2 with every DNS lookup going through the shared
 * resolver (lib/dns.h) of the message's batch.
 *
 * Use: spf_start() as soon as client IP, HELO and MAIL FROM are known;
 * it sends the first lookups (the SPF records of both domains) into the
 * message's dns_batch so they overlap with local work. spf_collect()
 * later runs the evaluations; it blocks only on lookups that are still
 * in flight, never past the batch's budget (then the result is
 * temperror). spf_check() does both at once.
 *
 * Bounds: libspf2 enforces the 10 DNS-mechanism limit (RFC 7208 4.6.4)
 * and recursion; this layer adds what libspf2 lacks: the void-lookup
 * limit (more than 2 lookups answering NXDOMAIN or no records is a
 * permerror), more than 10 MX names for one "mx" (permerror), and SPF
 * TXT answers cut by WN_DNS_MAX_TXT (permerror: we did not see the
 * whole record). Lookups for the same name and type are made once per
 * check and shared by both identities.
 *
 * Threads: a check belongs to the thread of its batch. Nothing is shared
 * between checks but libspf2's read-only code.
 */
#ifndef CHECK_SPF_H
#define CHECK_SPF_H

struct arena;
struct dns_batch;

enum spf_res {
	SPF_RES_NONE,      /* no SPF record, or no identity to check */
	SPF_RES_NEUTRAL,
	SPF_RES_PASS,
	SPF_RES_FAIL,
	SPF_RES_SOFTFAIL,
	SPF_RES_TEMPERROR, /* DNS timeout or server failure */
	SPF_RES_PERMERROR, /* bad record, limits exceeded */
};

enum spf_identity {
	SPF_ID_MAILFROM,
	SPF_ID_HELO,
};

struct spf_result {
	enum spf_res result;
	/* The domain whose policy was evaluated; NULL if none was. */
	const char *domain;
	/* Why, one line: libspf2's error for errors, else its comment
	   ("domain of x designates 192.0.2.1 as permitted sender"). */
	const char *reason;
	/* fail, softfail, neutral: the explanation (the record's exp=, or
	   the default); else NULL. */
	const char *explanation;
	/* The Received-SPF header value (without "Received-SPF: "); NULL
	   when no evaluation ran. */
	const char *received_spf;
	/* DNS lookups this identity asked for (the shared ones count in
	   both) and the void answers among them. */
	unsigned int lookups;
	unsigned int voids;
};

struct spf_request {
	const char *client_ip; /* IPv4 or IPv6 literal */
	const char *helo;      /* as given; NULL or "" when none */
	/* MAIL FROM as given, with or without <>; NULL or "" is the null
	   sender, checked as postmaster@helo (RFC 7208 2.4). */
	const char *mail_from;
	/* This host's name for the Received-SPF comment and %{r};
	   NULL uses gethostname(). */
	const char *receiver;
};

struct spf_check;

/* Starts a check: copies req into arena a, queues the first lookups in
   b. Never fails; bad input gives none or permerror at collect. The
   check is freed with the arena (or by spf_collect). b must outlive
   it. */
struct spf_check *spf_start(struct arena *a, struct dns_batch *b,
			    const struct spf_request *req);

/* Evaluates both identities; results (strings in the arena) in
   *mailfrom_r and *helo_r. Call once. The HELO identity is none when
   the HELO is missing or not a domain name (an address literal). */
void spf_collect(struct spf_check *c, struct spf_result *mailfrom_r,
		 struct spf_result *helo_r);

/* spf_start() then spf_collect(). */
void spf_check(struct arena *a, struct dns_batch *b, const struct spf_request *req,
	       struct spf_result *mailfrom_r, struct spf_result *helo_r);

/* "pass", "fail", ... as in RFC 7208 2.6 and Authentication-Results. */
const char *spf_res_name(enum spf_res r);

/* SpamAssassin's hit name for a result: SPF_PASS ... SPF_TEMPERROR, or
   SPF_HELO_PASS ... for the HELO identity. */
const char *spf_hit_name(enum spf_identity id, enum spf_res r);

#endif
