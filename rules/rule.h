/*
 * rule.h - SpamAssassin-compatible rule engine: loading .cf files,
 * compiling them (PCRE2 with JIT) and running them over one message.
 *
 * Split of work inside rules/:
 *   parse.c, load.c   .cf syntax, include, ifplugin/if/else, replace_tag
 *   compile.c         regex translation Perl -> PCRE2, meta expressions
 *   run.c             matching per rule type, meta evaluation, scoring
 *   text.c            the SpamAssassin views of a message: get(), body,
 *                     rawbody, full, uri lists (rule_ctx_*)
 *   eval*.c           built-in eval: functions (table in eval.c)
 *   relays.c          Received chain, trusted/untrusted relays and the
 *                     X-Spam-Relays-* pseudo-headers
 *
 * Ownership: a ruleset owns everything loaded into it (its own arena);
 * a rule_ctx lives in the message arena.
 */
#ifndef RULE_H
#define RULE_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/hits.h"
#include "lib/msg.h"

enum rule_type {
	RULE_T_HEADER,
	RULE_T_BODY,
	RULE_T_RAWBODY,
	RULE_T_URI,
	RULE_T_FULL,
	RULE_T_META,
	RULE_T_MIMEHEADER, /* MIMEHeader plugin */
	RULE_T_URI_DETAIL, /* URIDetail plugin */
	RULE_T_NET_OTHER,  /* askdns, urirhssub, urirhsbl: parsed, run by DNS checks */
	RULE_T_COUNT
};

struct ruleset;
struct rule_ctx;

/* Lint findings: severity RULE_LINT_SKIP is a rule not loaded (with the
   reason), RULE_LINT_WARN a problem that did not stop the rule (unknown
   setting, meta depending on an unknown rule), RULE_LINT_ERROR a syntax
   error. Each names file:line. */
enum rule_lint_severity { RULE_LINT_WARN, RULE_LINT_SKIP, RULE_LINT_ERROR };
struct rule_lint {
	const char *file;
	unsigned int line;
	const char *rule;    /* NULL if not about one rule */
	const char *reason;
	enum rule_lint_severity severity;
};

struct rule_stats {
	size_t defined[RULE_T_COUNT];  /* definitions seen (incl. skipped) */
	size_t loaded[RULE_T_COUNT];   /* compiled and runnable */
	size_t net;                    /* loaded rules that need network checks */
	size_t scored;                 /* loaded rules with a non-zero score */
};

struct ruleset *ruleset_new(void);
void ruleset_free(struct ruleset **rsp);

/* Loads a .cf file, or every *.cf (then *.pre first, SA order: sorted by
   name) in a directory. Returns -1 only for environment failures and
   fatal errors (unreadable file, include loop) with "file:line: text" in
   *err_r (ruleset arena); rule-level problems become lint entries. */
int ruleset_load_path(struct ruleset *rs, const char *path, const char **err_r);
/* Loads rules from a string (tests, -o overrides); name is used as file. */
int ruleset_load_string(struct ruleset *rs, const char *name, const char *text,
			const char **err_r);
/* Resolves metas, scores and priorities, compiles every regex. Call once
   after loading. Returns -1 with *err_r on a fatal problem. */
int ruleset_compile(struct ruleset *rs, const char **err_r);

double ruleset_required_score(const struct ruleset *rs);
void ruleset_set_required_score(struct ruleset *rs, double score);
void ruleset_stats(const struct ruleset *rs, struct rule_stats *st);
size_t ruleset_lint(const struct ruleset *rs, const struct rule_lint **v_r);
/* Description and score (current score set) of a rule, for reports;
   returns -1 if no such rule. */
int ruleset_rule_info(const struct ruleset *rs, const char *name,
		      double *score_r, const char **description_r);

/* Values of a non-rule setting, in file order, e.g. "freemail_domains",
   "trusted_networks", "util_rb_tld", "url_shortener". Each entry is the
   rest of the line after the key. Returns the count. */
size_t ruleset_setting(const struct ruleset *rs, const char *key,
		       const char *const **values_r);

/* Score set (SpamAssassin: bit 0 net, bit 1 bayes). */
void ruleset_set_score_set(struct ruleset *rs, unsigned int set);

/* Per-message context. */
struct rule_ctx *rule_ctx_new(struct arena *a, const struct ruleset *rs,
			      const struct msg *msg,
			      const struct msg_envelope *env,
			      const struct msg_facts *facts);
/* Runs every loaded rule, then metas; adds hits (scored in the current
   score set; __subrules flagged HIT_F_SUBRULE). Existing hits in the
   list (from earlier checks) are visible to metas. */
void ruleset_run(const struct ruleset *rs, struct rule_ctx *ctx,
		 struct hit_list *hits);

/* ---- For eval functions (rules/eval*.c) ---- */

struct rule_ctx {
	struct arena *arena;
	const struct ruleset *rs;
	const struct msg *msg;
	const struct msg_envelope *env;
	const struct msg_facts *facts;
	void *text_state;  /* owned by text.c */
	void *eval_state;  /* owned by eval*.c and relays.c */
	double deadline;   /* CLOCK_MONOTONIC seconds; 0: no time limit */
	int timed_out;     /* set by ruleset_run when it stopped at deadline */
};

struct rule_text {
	const char **lines;
	const size_t *lens;
	size_t count;
};

/* SpamAssassin's get(): "Name", "Name:raw", "Name:addr", "Name:name",
   "ALL", "ToCc", "EnvelopeFrom", "MESSAGEID", "X-Spam-Relays-*" ...
   Multiple fields are joined with "\n" as SpamAssassin does. NULL if
   unset. Cached per message. */
const char *rule_ctx_get(struct rule_ctx *ctx, const char *spec);
/* Body as SpamAssassin renders it: Subject first, then the visible text
   of every text part, one paragraph per line. */
const struct rule_text *rule_ctx_body(struct rule_ctx *ctx);
/* rawbody: decoded text parts, line by line, HTML tags kept. */
const struct rule_text *rule_ctx_rawbody(struct rule_ctx *ctx);

/* Eval functions. args are the quoted arguments with quotes removed. */
struct rule_eval_args {
	const char *const *argv;
	size_t argc;
	enum rule_type type;
	const char *rule;       /* the rule's name */
	const char *header;     /* header rules: the field name given, else NULL */
};
/* Returns the number of hits (0 = no hit, 1 = hit). */
typedef int (*rule_eval_fn)(struct rule_ctx *ctx, const struct rule_eval_args *a);

enum rule_eval_flag {
	RULE_EVAL_NET = 1u << 0,   /* needs network checks (later issue) */
	RULE_EVAL_BAYES = 1u << 1, /* reads the Bayes probability */
};

struct rule_eval_def {
	const char *name;
	rule_eval_fn fn;
	unsigned int flags;
	int min_args, max_args;
};

/* Data the eval functions derive once per ruleset from its settings
   (e.g. the freemail domain set), built by ruleset_compile; NULL when
   rs is NULL or not compiled. Read-only afterwards, so shared by
   threads. */
void *ruleset_eval_data(const struct ruleset *rs);
void *eval_ruleset_prepare(const struct ruleset *rs, struct arena *a);

/* Implemented in eval.c: lookup by name; NULL if not provided. */
const struct rule_eval_def *rule_eval_lookup(const char *name);
/* ifplugin: is this SpamAssassin plugin provided (its eval functions
   and directives implemented)? Accepts "Mail::SpamAssassin::Plugin::X"
   and "X". */
int rule_plugin_provided(const char *name);
/* A DNS lookup the rules want made before they run (netlookup.c). */
enum rule_net_kind {
	RULE_NET_RBL,   /* check_rbl / check_rbl_txt: relay IPs (rule_ctx_rbl_ips) */
	RULE_NET_URIBL, /* urirhssub / urirhsbl / uridnsbl: URI domains */
};
struct rule_net_lookup {
	enum rule_net_kind kind;
	const char *rule;   /* the rule whose eval reads the answers */
	const char *set;    /* check_rbl's set; URIBL: the rule name */
	const char *zone;   /* without the final dot */
	char type;          /* 'A' or 'T' (TXT) */
	const char *sub;    /* URIBL: return code or mask to count ("" any) */
	int nice;           /* tflags nice: trusted relays are looked up too */
};
/* Every lookup of the rules that run with network checks (score sets 1
   and 3). Made in the ruleset's arena: call once after compiling,
   before scanning threads start. */
size_t ruleset_net_lookups(struct ruleset *rs, const struct rule_net_lookup **v_r);
/* The relay IPs a check_rbl set is about, SpamAssassin's way: the
   untrusted relays and originating IPs oldest first, or by the set's
   suffix -lastexternal, -notfirsthop, -firsttrusted, -untrusted; at most
   9, private ones never, trusted ones only when nice. */
size_t rule_ctx_rbl_ips(struct rule_ctx *ctx, const char *set, int nice,
			const char *const **ips_r);

/* The relay that handed the message to the trusted ones (its IP and
   HELO) and the envelope sender the trusted relays recorded (NULL if
   none), for checks of a message without an MTA's envelope (SPF as
   SpamAssassin does it). -1 when every relay is trusted or it gave no IP. */
int rule_ctx_first_untrusted(struct rule_ctx *ctx, const char **ip_r, const char **helo_r,
			     const char **envfrom_r);

/* Pseudo-headers computed by relays.c (X-Spam-Relays-Trusted, ...,
   EnvelopeFrom, X-Spam-Relays-External ...). NULL if not a pseudo-header
   or unset; *is_pseudo_r tells which. */
const char *rule_pseudo_header(struct rule_ctx *ctx, const char *name,
			       int *is_pseudo_r);

#endif
