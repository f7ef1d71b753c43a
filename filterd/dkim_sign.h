/*
 * dkim_sign.h - DKIM signing (RFC 6376; Ed25519 per RFC 8463) of mail
 * from authenticated or internal senders, with libopendkim.
 *
 * Configuration (lib/cfg.c):
 *   dkim_sign_keys       DOMAIN:SELECTOR:/path/key.pem ...  (PEM RSA or
 *                        Ed25519 private keys, as opendkim-genkey or
 *                        openssl genpkey write them; several keys for one
 *                        domain sign the message once each, e.g. RSA and
 *                        Ed25519 side by side)
 *   dkim_sign_headers    header fields signed when present
 *   dkim_sign_oversign   fields signed once more than present (From by
 *                        default), so none can be added after signing
 *   dkim_sign_canon      header/body canonicalisation (relaxed/relaxed)
 *   dkim_sign_networks   client networks whose mail is signed
 *   dkim_sign_subdomains a From: domain without a key of its own is
 *                        signed with a parent domain's key
 *
 * Who is signed: an authenticated sender (the MTA's {auth_authen}) or a
 * client in dkim_sign_networks, whose message has exactly one From:
 * address and a key for its domain (or, with dkim_sign_subdomains, for
 * a parent). Everything else passes unsigned.
 *
 * Ownership: a struct dkim_signer holds the keys and a libopendkim
 * library handle; it is reference-counted and shared read-only by every
 * scan thread. dkim_sign_get() hands out the one matching the current
 * configuration, loading it on first use; the engine hooks below load it
 * when an engine is built, so that key errors stop filterd at start (and
 * a reload keeps the running configuration).
 */
#ifndef DKIM_SIGN_H
#define DKIM_SIGN_H

#include <stddef.h>

struct arena;
struct cfg;
struct scan_ctx;
struct scan_engine;
struct dkim_signer;

/* The facts about the sender signing depends on. */
struct dkim_sign_env {
	const char *client_ip; /* the SMTP client; NULL: unknown (not local) */
	const char *auth_user; /* SMTP AUTH user ({auth_authen}); NULL: none */
	const char *id;        /* queue id for log lines; may be NULL */
};

enum dkim_sign_status {
	DKIM_SIGN_ST_SIGNED,  /* sigs[] holds the DKIM-Signature values */
	DKIM_SIGN_ST_SKIPPED, /* not ours to sign (reason says why) */
	DKIM_SIGN_ST_FAILED,  /* should have been signed but could not be */
};

struct dkim_sign_sig {
	const char *selector;
	const char *algorithm; /* "rsa-sha256", "ed25519-sha256" */
	/* The field's value (after "DKIM-Signature:"), folded with LF + TAB
	   as a milter hands header values to the MTA. */
	const char *value;
};

struct dkim_sign_result {
	enum dkim_sign_status status;
	const char *reason; /* NULL when signed */
	const char *domain; /* d= (signed or failed), else NULL */
	size_t nsigs;
	struct dkim_sign_sig *sigs;
};

/* Builds a signer from the dkim_sign_* keys of c: reads and checks
   every key file (a test signature with each). Returns NULL with a
   malloc'd message in *err_r naming the config entry and the key file,
   e.g. "dkim_sign_keys: example.test:sel1:/k.pem: /k.pem: cannot open:
   No such file or directory". With no keys configured it still
   succeeds (and signs nothing). The caller owns one reference. */
struct dkim_signer *dkim_signer_new(const struct cfg *c, char **err_r);
/* Drops a reference and clears *sp; the last one frees. */
void dkim_signer_put(struct dkim_signer **sp);
/* Keys loaded. */
size_t dkim_signer_nkeys(const struct dkim_signer *s);

/* The signer for c's dkim_sign_* values, from a process-wide cache
   (loaded now if the cache holds another configuration); NULL with a
   malloc'd *err_r when it cannot be loaded. A reference: give it back
   with dkim_signer_put(). Thread-safe. */
struct dkim_signer *dkim_sign_get(const struct cfg *c, char **err_r);

/* Is the sender one we sign for (authenticated, or a client in
   dkim_sign_networks), and is there any key at all? */
int dkim_signer_sender_ok(const struct dkim_signer *s, const struct dkim_sign_env *env);

/* Signs raw (header fields, blank line, body; CRLF or LF line ends),
   or says why not in r. Result strings live in a. Thread-safe. */
void dkim_signer_sign(const struct dkim_signer *s, struct arena *a,
		      const struct dkim_sign_env *env, const char *raw, size_t len,
		      struct dkim_sign_result *r);

/* For the milter, at end of header: will this message be signed if its
   From: domain has a key? (Decides whether mail it would skip must
   still be buffered.) A signer that cannot be loaded counts as yes,
   so that dkim_sign_deliver() logs why the mail went out unsigned. */
int dkim_sign_wanted(const struct cfg *c, const char *client_ip, const char *auth_user);

/* For the milter, at end of message for mail it accepts: signs raw
   (NULL: the message was not kept, e.g. over scan_max_size), calls
   add(ctx, value) for each DKIM-Signature to insert at the top, and
   logs one line: what was signed, or why a message that should have
   been signed goes out unsigned. Never fails the message. */
void dkim_sign_deliver(const struct cfg *c, const struct dkim_sign_env *env,
		       const char *raw, size_t len,
		       int (*add)(void *ctx, const char *value), void *ctx);

/* The pipeline's scan_check hooks (filterd/scan.c's table), so that an
   engine loads its signer when built: key errors refuse the start, a
   reload and `winnow lint`; read-only engines (`winnow check`) skip the
   keys, which users need not be able to read. run does nothing. */
int dkim_sign_load(struct scan_engine *eng, void **state_r, const char **err_r);
void dkim_sign_unload(void *state);
int dkim_sign_run(struct scan_ctx *ctx, void *state, const char **err_r);

/* Parsers, exposed for the tests and the fuzz target. */
/* "DOMAIN:SELECTOR:/path": 0 and malloc'd parts (domain lowercased),
   or -1 with a static reason. */
int dkim_sign_parse_entry(const char *s, char **domain_r, char **selector_r, char **path_r,
			  const char **why_r);
/* "ADDR" or "ADDR/BITS", IPv4 or IPv6: 0, or -1. addr is 16 bytes
   (IPv4 in the first 4), family_r 4 or 6. */
int dkim_sign_parse_net(const char *s, unsigned char addr[16], int *family_r, int *bits_r);

#endif
