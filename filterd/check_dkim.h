/*
 * check_dkim.h - DKIM verification (RFC 6376, RFC 8463 Ed25519) with
 * libopendkim, keys looked up through the shared resolver (lib/dns.h).
 *
 * One struct chk_dkim per process (it holds libopendkim's library
 * handle, shared by all threads). Per message: chk_dkim_start() as soon
 * as the raw message is known (it hashes the headers and body and starts
 * one key query per signature in the message's dns_batch, so the
 * queries overlap with the hashing and with other checks' work), then
 * chk_dkim_finish() to collect: it waits at most for the batch's query
 * timeout and budget, never longer. chk_dkim_verify() does both.
 *
 * Results are one struct chk_dkim_sig per DKIM-Signature field, in
 * header order, allocated in the caller's arena. From them come
 * SpamAssassin's hit names (chk_dkim_hits) and the Authentication-
 * Results text (chk_dkim_ar).
 */
#ifndef CHECK_DKIM_H
#define CHECK_DKIM_H

#include <stddef.h>
#include <sys/types.h>

struct arena;
struct cfg;
struct dns_batch;

struct chk_dkim_conf {
	/* DKIM-Signature fields verified per message, from the top; the
	   rest are listed as CHK_DKIM_NEUTRAL "not checked" and are not
	   given to libopendkim at all (no hashing, no query). Key
	   dkim_max_signatures, default WN_DKIM_MAX_SIGS. */
	unsigned int max_signatures;
};

/* RFC 8601 2.7.1 results. */
enum chk_dkim_result {
	CHK_DKIM_NONE,      /* no signature (message level only) */
	CHK_DKIM_PASS,
	CHK_DKIM_FAIL,      /* bad signature, bad body hash, ... */
	CHK_DKIM_NEUTRAL,   /* not checked (over max_signatures) */
	CHK_DKIM_TEMPERROR, /* key query timed out or failed: try later */
	CHK_DKIM_PERMERROR, /* syntax error, no key, revoked key, bad key */
};

struct chk_dkim_sig {
	enum chk_dkim_result result;
	/* Why it did not pass ("bad body hash", "bad signature", "key not
	   found", "key revoked", "syntax error: ..."); NULL on pass. */
	const char *reason;
	/* Tags as written (NULL when absent): d=, s=, a=, i=, and the
	   first 8 characters of b= without its white space (RFC 6008). */
	const char *domain;
	const char *selector;
	const char *algorithm;
	const char *identity;
	const char *b8;
	/* l= was present: the signature covers only body_signed of the
	   body_total canonical body bytes (-1 when not known, e.g. the
	   signature was not checked). */
	int body_length_used;
	ssize_t body_signed, body_total;
	unsigned int key_bits; /* RSA key size once loaded; 0 otherwise (Ed25519 too) */
	int testing;           /* the key has t=y */
};

struct chk_dkim_results {
	size_t nsigs;
	struct chk_dkim_sig *sigs; /* arena memory; NULL when nsigs == 0 */
	size_t nchecked;           /* given to libopendkim (<= max_signatures) */
	/* Lowercased domain of the (first) From: address, "" if none: the
	   author domain DKIM_VALID_AU is aligned with. */
	const char *from_domain;
	/* Set when the message could not be processed at all (libopendkim
	   error); each signature then carries a temperror. NULL normally. */
	const char *error;
};

struct chk_dkim;
struct chk_dkim_job;

/* Fills conf from the dkim_* keys of c. */
void chk_dkim_conf_from_cfg(struct chk_dkim_conf *conf, const struct cfg *c);

/* Initialises libopendkim for verifying only, with every DNS path of
   its own disabled (keys come from chk_dkim's lookup through lib/dns).
   Returns NULL with a malloc'd message in *err_r. Thread-safe to use
   from several threads once made. */
struct chk_dkim *chk_dkim_new(const struct chk_dkim_conf *conf, char **err_r);
/* Clears *dp. Every job must be finished. */
void chk_dkim_free(struct chk_dkim **dp);

/* Starts verifying raw (the message as received: header, blank line,
   body; CRLF or LF line ends; no mbox "From " line). Key queries go
   into b (NULL: no resolver, every checked signature is a temperror).
   raw must stay valid until chk_dkim_finish(). The job lives in a and
   b must outlive it. Never NULL. */
struct chk_dkim_job *chk_dkim_start(struct chk_dkim *d, struct dns_batch *b,
				    struct arena *a, const char *raw, size_t len);
/* Waits for the job's key queries (within b's timeout and budget),
   checks the signatures and fills r (arena memory of the job's arena).
   Frees libopendkim's state; call exactly once per job. */
void chk_dkim_finish(struct chk_dkim_job *j, struct chk_dkim_results *r);

/* chk_dkim_start() then chk_dkim_finish(). */
void chk_dkim_verify(struct chk_dkim *d, struct dns_batch *b, struct arena *a,
		     const char *raw, size_t len, struct chk_dkim_results *r);

/* SpamAssassin's DKIM hits, as bits. */
enum {
	CHK_DKIM_HIT_SIGNED = 1 << 0,   /* DKIM_SIGNED: any DKIM-Signature */
	CHK_DKIM_HIT_VALID = 1 << 1,    /* DKIM_VALID: one passes */
	CHK_DKIM_HIT_VALID_AU = 1 << 2, /* DKIM_VALID_AU: one passes with d= the From domain */
	CHK_DKIM_HIT_VALID_EF = 1 << 3, /* DKIM_VALID_EF: ... d= the envelope sender's domain */
	CHK_DKIM_HIT_INVALID = 1 << 4,  /* DKIM_INVALID: signed, none passes */
};
#define CHK_DKIM_NHITS 5

/* The hits of r. env_from is the envelope sender (an address or a
   domain; NULL or "" when not known: no VALID_EF). A domain is aligned
   when d= equals it or is a parent of it, case-insensitively, as
   SpamAssassin's DKIM plugin does. DKIM_INVALID is not given when every
   non-passing signature is a temperror (DNS trouble is no evidence). */
unsigned int chk_dkim_hits(const struct chk_dkim_results *r, const char *env_from);
/* "DKIM_SIGNED" ... for one bit; NULL for anything else. */
const char *chk_dkim_hit_name(unsigned int bit);

/* "pass", "fail", ... */
const char *chk_dkim_result_name(enum chk_dkim_result res);

/* The RFC 8601 resinfo of signature i, e.g. `dkim=fail reason="bad body
   hash" header.d=example.test header.s=sel1 header.a=rsa-sha256
   header.b=AbCdEfGh` (values quoted when they are not tokens, control
   characters dropped); for a message without signatures `dkim=none`
   whatever i. Arena memory. */
char *chk_dkim_ar(struct arena *a, const struct chk_dkim_results *r, size_t i);

#endif
