/*
 * eval_int.h - internal interface between text.c, relays.c and the
 * eval_*.c files of rules/ (not for the rest of Winnow).
 *
 * Ownership: every result lives in the message arena (ctx->arena) and
 * is cached per message in ctx->text_state / ctx->eval_state.
 */
#ifndef RULES_EVAL_INT_H
#define RULES_EVAL_INT_H

#include <stddef.h>
#include <time.h>

#include "rules/rule.h"

/* ---- text.c ---- */

/* SpamAssassin's get() in list context: every value, each decoded value
   ending in "\n" as SA's get_header gives it (modifier results have no
   newline). Returns the count; *v_r is cached arena memory. */
size_t text_get_list(struct rule_ctx *ctx, const char *spec,
		     const char *const **v_r);
/* get() in scalar context for a single field: the last field of that
   name, SA-decoded, without the trailing newline; NULL if absent. */
const char *text_header(struct rule_ctx *ctx, const char *name);
/* SA's decoding of one field: folding collapsed to a space, trimmed,
   RFC 2047 decoded unless the field is exempt (Received, Message-ID,
   Date, ...). No trailing newline. */
const char *text_header_decode(struct arena *a, const struct msg_header *h);
/* text_header_decode of the message's i-th header field, worked out
   once per message. */
const char *text_header_at(struct rule_ctx *ctx, size_t i);
/* The rendered text of one leaf as body rules see it (HTML rendered),
   or NULL when SA does not render the part (not text/plain or html). */
const char *text_part_rendered(const struct msg_part *p, size_t *len_r);
/* Is c (at s, n bytes left) Perl Unicode whitespace? Returns its byte
   length, 0 if not. */
size_t text_space_len(const unsigned char *s, size_t n);

/* ---- relays.c ---- */

struct relay {
	const char *ip;      /* NULL when the field gave none */
	const char *rdns;    /* "" when unknown */
	const char *helo;
	const char *by;
	const char *ident;
	const char *envfrom;
	const char *id;
	const char *auth;
	int msa;
	int ip_private;      /* private/reserved address */
	int internal;
	int trusted;
	const struct msg_received *rcvd;
	size_t hdr_index;    /* index among the Received fields, 0 = top */
};

struct relay_info {
	struct relay *v;     /* parsed relays, newest first */
	size_t count;
	size_t num_trusted;  /* v[0 .. num_trusted) are trusted */
	size_t num_internal; /* v[0 .. num_internal) are internal */
	size_t num_received; /* Received fields seen */
	size_t num_unparsed; /* fields that gave no relay (ignored or not understood) */
	const char *str_trusted, *str_untrusted, *str_internal, *str_external;
	const char *envelope_from; /* SA's get_envelope_from, or NULL */
};

/* Parses the chain once per message (cached). Never NULL. */
const struct relay_info *relays_get(struct rule_ctx *ctx);
/* 1 if ip is in trusted_networks (internal_networks when only those
   are set; loopback always), as SpamAssassin's NetSet contains_ip. */
int relays_ip_trusted(struct rule_ctx *ctx, const char *ip);
/* 1 if s is an IPv4 address in a private or reserved range (SA's
   IP_PRIVATE), or IPv6 loopback/link-local/ULA. */
int relays_ip_private(const char *ip);
/* 1 if s is a dotted-quad IPv4 or an IPv6 literal. */
int relays_is_ip(const char *s);

/* ---- eval_date.c ---- */

/* A date as SpamAssassin's parse_rfc822_date reads it (lenient; see
   eval_date.c). Returns -1 when no day-month-year is found. */
int eval_sa_date(const char *s, time_t *t_r);

/* ---- per-ruleset data (eval.c builds it, see ruleset_eval_data) ---- */

struct freemail_set;
struct eval_data {
	struct freemail_set *freemail;
};
struct freemail_set *eval_freemail_prepare(const struct ruleset *rs, struct arena *a);

/* ---- eval.c helpers shared by eval_*.c ---- */

/* Perl-like helpers over the argument list. */
const char *eval_arg(const struct rule_eval_args *a, size_t i);
double eval_arg_num(const struct rule_eval_args *a, size_t i, double dflt);
/* Case-insensitive PCRE2 match of pattern against subject (UTF-8,
   invalid UTF-8 tolerated); compiled patterns are cached per message.
   Returns 1 on match, 0 otherwise (also when the pattern is invalid). */
int eval_re_match(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		  const char *subject, size_t len);
/* Same, giving the byte offsets of the whole match. */
/* The same for a pattern made for this message (an address, a name):
   compiled here, kept out of the shared cache of fixed patterns. */
int eval_re_match_once(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		       const char *subject, size_t len);
int eval_re_find(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		 const char *subject, size_t len, size_t *start_r, size_t *end_r);

/* get() in scalar context (SA 4): "" when unset; for :addr, :name,
   :host, :domain, :ip, :revip and EnvelopeFrom the first value without
   its newline, else every value concatenated. */
const char *eval_sget(struct rule_ctx *ctx, const char *spec);
/* Charset locality against ok_locales (eval_mime.c): 1 if faraway. */
int eval_charset_faraway(struct rule_ctx *ctx, const char *charset);
int eval_charsets_faraway(struct rule_ctx *ctx, const char *charsets);
/* Per-message slots in ctx->eval_state (eval.c). */
void **eval_slots(struct rule_ctx *ctx);
enum { EVAL_SLOT_RELAYS, EVAL_SLOT_RE, EVAL_SLOT_MIME, EVAL_SLOT_IMAGES, EVAL_SLOT_BODY,
       EVAL_SLOT_MD, EVAL_SLOT_FREEMAIL, EVAL_SLOT_DATE_DIFF, EVAL_SLOT_UPPER,
       EVAL_SLOT_HOTMAIL, EVAL_SLOTS };

/* Every eval function, by file. Each has the rule_eval_fn signature. */
#define EVAL_FN(name) int name(struct rule_ctx *ctx, const struct rule_eval_args *a)

#endif
