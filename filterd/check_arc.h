/*
 * check_arc.h - ARC (RFC 8617) chain verification with OpenSSL's
 * libcrypto, keys looked up through the shared resolver (lib/dns.h).
 *
 * Debian has no OpenARC library and libopendkim does not do ARC, so the
 * checks are our own: the ARC sets' structure (RFC 8617 5.2 steps 1-4),
 * the newest ARC-Message-Signature (a DKIM signature, RFC 6376 3.7),
 * every ARC-Seal (RFC 8617 5.1.1), and the oldest instance whose AMS
 * still verifies (step 6, "oldest-pass"). rsa-sha256 and ed25519-sha256
 * (RFC 8463).
 *
 * Per message: chk_arc_start() as soon as the raw message is known (it
 * reads the ARC fields, checks their structure, hashes the body and
 * starts every key query in the message's dns_batch), then
 * chk_arc_finish() to collect: it waits at most for the batch's query
 * timeout and budget. chk_arc_verify() does both. No state is shared
 * between messages, so no per-process object is needed.
 *
 * Bounded: at most WN_ARC_MAX_SETS sets (RFC 8617 4.2.1 caps i= at 50),
 * WN_ARC_MAX_FIELD bytes per ARC field, WN_ARC_MAX_KEYS distinct keys
 * queried. Bad input is a "fail" with a reason, never an error. An AMS
 * with l= (a partial body) fails; c= defaults to simple/simple as in
 * DKIM; x= is honoured. DNS trouble with a key the verdict needs is a
 * "temperror" (Authentication-Results "arc=temperror"), never a fail;
 * NXDOMAIN or no TXT record is "key not found", a fail.
 */
#ifndef CHECK_ARC_H
#define CHECK_ARC_H

#include <stddef.h>

struct arena;
struct cfg;
struct dns_batch;

struct chk_arc_conf {
	/* Sets accepted (i= 1..max_sets); a message with more fails. */
	unsigned int max_sets;
	/* Key arc_trusted_sealers: ARC-Seal d= domains whose word on
	   earlier authentication results (their AAR) may be taken, e.g. to
	   let a mailing list's pass override a DMARC failure. Owned by the
	   cfg the conf came from. */
	const char *const *trusted;
	size_t ntrusted;
};

enum chk_arc_result {
	CHK_ARC_NONE,      /* no ARC fields at all */
	CHK_ARC_PASS,
	CHK_ARC_FAIL,      /* broken structure or signature, cv=fail, no key */
	CHK_ARC_TEMPERROR, /* a key query timed out or failed: try later */
};

/* One ARC set, as read and as checked. Strings are arena memory, NULL
   when the tag is absent. */
struct chk_arc_set {
	unsigned int instance;
	/* The ARC-Authentication-Results value after "i=N;": authserv-id
	   and results, unfolded (white space runs made one space). */
	const char *aar;
	const char *ams_domain, *ams_selector;
	const char *as_domain, *as_selector;
	const char *cv; /* the ARC-Seal's cv= as written */
	/* 1 verified, 0 failed, -1 not checked (the chain failed first, or
	   an older AMS past the first that failed: RFC 8617 5.2 step 6). */
	int ams_ok, as_ok;
};

struct chk_arc_results {
	enum chk_arc_result result;
	/* Why not pass ("ARC-Seal signature did not verify", "instance 2
	   missing", "cv=fail", "key not found", ...); NULL on pass/none. */
	const char *reason;
	/* The instance the reason is about; 0 when it concerns the chain as
	   a whole (too many sets, a field without instance). */
	unsigned int fail_instance;
	/* Sets found, sets[k] being instance k + 1. Filled once the
	   structure is sound (every set complete, tags readable, cv= right),
	   also when a signature then fails; nsets is 0 when the structure
	   check itself failed (the reason says why). */
	size_t nsets;
	struct chk_arc_set *sets;
	/* pass only: RFC 8617 5.2 step 6, the lowest instance whose AMS
	   still verifies when an older one does not, 0 when every AMS
	   verifies; and the AAR of that oldest passing instance (instance 1
	   when oldest_pass is 0): what the first ADMD in the chain whose
	   content still verifies saw. */
	unsigned int oldest_pass;
	const char *oldest_pass_aar;
};

struct chk_arc_job;

/* Fills conf from the arc_* keys of c; the strings stay owned by c. */
void chk_arc_conf_from_cfg(struct chk_arc_conf *conf, const struct cfg *c);

/* Starts verifying raw (the message as received: header, blank line,
   body; CRLF or LF line ends). Key queries go into b (NULL: no
   resolver, a chain that gets as far as keys is a temperror). raw must
   stay valid until chk_arc_finish(); conf too. The job lives in a; b
   must outlive it. Never NULL. */
struct chk_arc_job *chk_arc_start(const struct chk_arc_conf *conf, struct dns_batch *b,
				  struct arena *a, const char *raw, size_t len);
/* Waits for the job's key queries (within b's timeout and budget),
   verifies and fills r (memory of the job's arena). Call exactly once. */
void chk_arc_finish(struct chk_arc_job *j, struct chk_arc_results *r);
/* chk_arc_start() then chk_arc_finish(). */
void chk_arc_verify(const struct chk_arc_conf *conf, struct dns_batch *b, struct arena *a,
		    const char *raw, size_t len, struct chk_arc_results *r);

/* The newest instance whose ARC-Seal d= is one of conf->trusted (an
   exact, case-insensitive match), when the chain passed; 0 otherwise
   (no pass, or no trusted sealer). r->sets[k - 1].aar is then what
   that sealer reports, e.g. its dmarc= result: the pipeline may let a
   trusted list's pass override a DMARC failure. == r->nsets when the
   newest sealer (the hop that handed us the message) is trusted. */
unsigned int chk_arc_trusted_instance(const struct chk_arc_results *r,
				      const struct chk_arc_conf *conf);

/* SpamAssassin 4's ARC hits, as bits. */
enum {
	CHK_ARC_HIT_SIGNED = 1 << 0,  /* ARC_SIGNED: any ARC set */
	CHK_ARC_HIT_VALID = 1 << 1,   /* ARC_VALID: the chain passes */
	CHK_ARC_HIT_INVALID = 1 << 2, /* ARC_INVALID: signed, fails (not temperror) */
};
#define CHK_ARC_NHITS 3
unsigned int chk_arc_hits(const struct chk_arc_results *r);
/* "ARC_SIGNED" ... for one bit; NULL for anything else. */
const char *chk_arc_hit_name(unsigned int bit);

/* "none", "pass", "fail", "temperror". */
const char *chk_arc_result_name(enum chk_arc_result res);

/* The RFC 8601 resinfo, as RFC 8617 9.2 registers its properties and
   OpenARC writes them: `arc=pass smtp.remote-ip=192.0.2.1
   header.oldest-pass=0`; `arc=fail reason="..." smtp.remote-ip=...`;
   `arc=none`. remote_ip NULL or "" leaves smtp.remote-ip out. Control
   characters are dropped, values quoted when not tokens. Arena memory. */
char *chk_arc_ar(struct arena *a, const struct chk_arc_results *r, const char *remote_ip);

/* --- parsers, exposed for tests and the fuzzer --- */

/* One tag of a tag=value list (RFC 6376 3.2); value trimmed of
   surrounding white space, inner white space kept. */
struct chk_arc_tag {
	const char *name, *value;
};
/* Parses s[0..len) into at most WN_ARC_MAX_TAGS tags (arena memory).
   Returns the count, or -1 with a static reason in *why_r (bad tag
   name, missing '=', duplicate tag, too many tags, bad character). */
int chk_arc_tags_parse(struct arena *a, const char *s, size_t len,
		       struct chk_arc_tag **tags_r, const char **why_r);

/* A DKIM key record (RFC 6376 3.6.1) reduced to what ARC needs. */
struct chk_arc_keyrec {
	int ed25519;           /* k=ed25519, else k=rsa */
	const unsigned char *p; /* p= decoded (SubjectPublicKeyInfo or raw 32 bytes) */
	size_t plen;
};
/* Returns 0, or -1 with a static reason ("key revoked", "bad key
   record: ..."). Checks v=, k=, h=, s=, p=. */
int chk_arc_keyrec_parse(struct arena *a, const char *txt, size_t len,
			 struct chk_arc_keyrec *k, const char **why_r);

#endif
