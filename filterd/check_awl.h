/*
 * check_awl.h - the auto-whitelist check (SpamAssassin's AWL plugin):
 * a sender's messages from one IP block keep a running mean score, and
 * a new message's score moves toward it.
 *
 * For each message the pipeline calls chk_awl_check once, after every
 * other check has scored (the AWL needs the final score), with
 *   sender  the address of the From: header (SpamAssassin uses that, not
 *           the envelope sender); lower-cased here;
 *   ip      the first public (not private, not trusted) IP of the relay
 *           chain: SpamAssassin's "originating IP", the earliest usable
 *           relay; the MTA's client IP when the chain has none. NULL or
 *           unparsable: the entry without an IP ("none"), as SA does;
 *   score   the message's points without the AWL: SpamAssassin counts
 *           the hits with a nonzero score except those flagged
 *           noautolearn, and skips the AWL altogether (no call) when a
 *           hit is flagged noawl.
 * It reads the entry (sender, IP block): with count n and total t, the
 * mean is t / n and the adjustment (mean - score) * awl_factor; the
 * message's final score is score + adjustment. Then, when record is
 * set, the score before the adjustment is added to the entry (count + 1,
 * total + score), as SA does so that early high scores are not
 * reinforced. A sender's first message gets no adjustment.
 *
 * The hit: name CHK_AWL_HIT ("AWL"), score = result.adjust, added only
 * when adjust != 0 (SA: got_hit("AWL") with the delta). SA's report tags
 * AWL, AWLMEAN, AWLCOUNT, AWLPRESCORE come from result.adjust,
 * result.mean, result.count and the score passed in.
 *
 * Cost: one write transaction per message when record is set (a few
 * hundred microseconds on a local SQLite store; see db/db_sqlite.c);
 * `winnow check` should pass record = 0 (read only, as its store is).
 *
 * Threads: the functions keep no state; each thread uses its own struct
 * db (one connection per thread, as for Bayes).
 */
#ifndef CHECK_AWL_H
#define CHECK_AWL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/db.h"
#include "lib/cfg.h"

#define CHK_AWL_HIT "AWL"

/* Bytes for a key from chk_awl_ip_key / chk_awl_addr_key, with the NUL. */
#define CHK_AWL_IP_KEY_SIZE (DB_AWL_IP_MAX + 1)
#define CHK_AWL_ADDR_KEY_SIZE (DB_AWL_ADDR_MAX + 1)

struct chk_awl_params {
	int enabled;             /* use_awl */
	double factor;           /* awl_factor, 0 to 1 */
	unsigned int ipv4_mask;  /* awl_ipv4_mask_len, 0 to 32 */
	unsigned int ipv6_mask;  /* awl_ipv6_mask_len, 0 to 128 */
	uint32_t expire_days;    /* awl_expire_days (0: never) */
};

/* The params from the use_awl and awl_* keys. */
void chk_awl_params(const struct cfg *c, struct chk_awl_params *p);
/* Sets p->awl_days from awl_expire_days, so that the expiry Bayes runs
   (db_expire) drops old AWL entries too. */
void chk_awl_expire_params(const struct cfg *c, struct db_expire_params *p);

/* The IP block key of ip (text): IPv4 masked to ipv4_mask bits, written
   as SpamAssassin does ("192.168" for /16, the whole address for /32,
   else the network address without its trailing ".0"s), IPv6 to
   ipv6_mask bits as eight 4-digit groups with the zero tail compressed
   ("2001:0db8:0001::"). Accepts "[...]" and a leading "IPv6:" (as MTAs
   write client addresses), IPv4-mapped IPv6 (::ffff:a.b.c.d, taken as
   IPv4), and IPv4 with fewer than four parts, the missing ones 0 ("10.1"
   as `winnow awl list` shows a block; unlike inet_aton's reading).
   Writes a NUL-terminated key of at most DB_AWL_IP_MAX bytes into out
   (size >= CHK_AWL_IP_KEY_SIZE). Returns 0, or -1 if ip is not an
   address (out is then DB_AWL_NO_IP). */
int chk_awl_ip_key(const char *ip, size_t len, unsigned int ipv4_mask,
		   unsigned int ipv6_mask, char *out, size_t size);

/* The address key: surrounding white space and one pair of <> removed,
   ASCII lower-cased, control bytes made '_' (they would end up in
   listings). 0, or -1 if it is empty or longer than DB_AWL_ADDR_MAX
   (no AWL for that message). out: size >= CHK_AWL_ADDR_KEY_SIZE. */
int chk_awl_addr_key(const char *addr, size_t len, char *out, size_t size);

/* Rounds to SpamAssassin's 3 decimals (scores are compared and stored
   so). */
double chk_awl_round(double v);

/* The adjustment for a message of score to an entry of count messages
   with total score: 0 when count is 0, else (total / count - score) *
   factor, rounded to 3 decimals. */
double chk_awl_adjustment(uint64_t count, double total, double score, double factor);

struct chk_awl_result {
	int active;          /* an entry was read (else: AWL off, sender
				unusable, or score not finite: no hit) */
	int recorded;        /* the score was added to the entry */
	uint64_t count;      /* messages in the entry before this one */
	double mean;         /* their mean score (0 when count is 0) */
	double adjust;       /* the AWL hit's score (0: no hit) */
	char addr[CHK_AWL_ADDR_KEY_SIZE]; /* the entry's key */
	char ip[CHK_AWL_IP_KEY_SIZE];
};

/* The check (see the top of this file): reads the entry, sets
   *result_r, and with record adds score to the entry, in one
   transaction. p->enabled 0 does nothing (active 0). Returns 0, or -1 on
   a store failure with *err_r (owned by db, see db.h); active is then 0
   and the message simply gets no AWL hit. */
int chk_awl_check(struct db *db, const struct chk_awl_params *p, const char *sender,
		  const char *ip, double score, int record, time_t now,
		  struct chk_awl_result *result_r, const char **err_r);

#endif
