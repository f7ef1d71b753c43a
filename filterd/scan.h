/*
 * scan.h - the scan pipeline: a table of checks with one interface.
 *
 * A front-end (milter, spamd, smtpd, `winnow check`) fills a scan_ctx
 * (envelope + raw message), calls scan_run(), then applies actions from
 * the result. A new check is one file plus one line in scan.c's table.
 *
 * Ownership: struct scan_engine holds the loaded config and compiled
 * rules (shared, read-only during scans); a scan_ctx owns one arena with
 * everything about one message.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/hits.h"
#include "lib/msg.h"

struct ruleset;
struct scan_bayes;
struct scan_bayes_msg;
struct scan_net;
struct scan_net_msg;
struct rule_ctx;

enum scan_verdict {
	SCAN_HAM,
	SCAN_SPAM,
	SCAN_REJECT, /* score over reject_score (front-ends that can reject) */
	SCAN_VIRUS,
	SCAN_ERROR,  /* a check failed; the front-end applies its default */
};

/* An action a check asks the front-end for, whatever the score: the
   attachment policy's (banned file), the antivirus step's (virus_action,
   av_error_action). The higher one wins (scan_demand): a definite
   refusal over "try later", over dropping, over keeping it aside. */
enum scan_action {
	SCAN_ACT_NONE,
	SCAN_ACT_HEADER,     /* only say so in a header */
	SCAN_ACT_QUARANTINE, /* keep in Winnow's quarantine, do not deliver */
	SCAN_ACT_DISCARD,    /* accept and drop */
	SCAN_ACT_TEMPFAIL,   /* 4xx: try again later */
	SCAN_ACT_REJECT,     /* 5xx */
};

struct scan_engine {
	struct cfg *cfg;
	struct ruleset *rules;
	struct msg_limits limits;
	double required_score;
	int read_only_db;      /* scan_engine_new_ro: the database is only read */
	struct scan_bayes *bayes; /* the Bayes state (scan_bayes.c), or NULL */
	struct scan_net *net;     /* the network step's state (scan_net.c), or NULL */
	void *check_state[16]; /* per-check loaded state, by table index */
};

struct scan_ctx {
	struct arena *arena;
	const struct scan_engine *engine;
	struct msg_envelope env;
	const char *raw;    /* whole message, NUL-terminated */
	size_t raw_len;
	struct msg *msg;
	struct msg_facts facts;
	struct hit_list hits;
	double score;
	enum scan_verdict verdict;
	const char *error;   /* when verdict == SCAN_ERROR */
	double started;      /* CLOCK_MONOTONIC seconds when scan_run began;
				scan_timeout counts from here */
	const char *virus;   /* signature name when SCAN_VIRUS */
	const char *av_status; /* X-Virus-Status value ("Clean", "Infected
				  (NAME)", "Unscanned (why)"), NULL: no scan */
	enum scan_action action; /* a check's demand (SCAN_ACT_NONE: none) */
	const char *action_reason; /* why, for the reply, log and quarantine:
				      "banned attachment: invoice.pdf.exe" */
	const char *user;    /* whose per-user store (spamd's User:), or NULL:
				the single recipient's */
	struct scan_bayes_msg *bayes; /* the Bayes step's result, or NULL */
	const char *autolearn; /* X-Spam-Status autolearn=: spam, ham, no,
				  disabled, unavailable, failed */
	struct scan_net_msg *net;   /* the network step's state, or NULL */
	struct rule_ctx *rule_ctx;  /* made once (scan_rule_ctx), for the
				       network step and the rules */
};

/* One check: optional load at startup (may fail with *err_r), and run
   per message; run returns -1 on an environment failure with *err_r. */
struct scan_check {
	const char *name;
	int (*load)(struct scan_engine *eng, void **state_r, const char **err_r);
	void (*unload)(void *state);
	int (*run)(struct scan_ctx *ctx, void *state, const char **err_r);
};

/* Builds an engine from config: limits, rules (rules_dir), checks.
   Returns NULL with a message (file:line where it applies) in err_r,
   which the caller frees. */
struct scan_engine *scan_engine_new(struct cfg *cfg, char **err_r);
/* The same for tools that only look (`winnow check`): the database is
   opened read-only and nothing is autolearned. */
struct scan_engine *scan_engine_new_ro(struct cfg *cfg, char **err_r);
void scan_engine_free(struct scan_engine **engp);

/* The parser's limits from the msg_max_* keys. */
void scan_msg_limits(const struct cfg *c, struct msg_limits *lim);

/* Per message: ctx lives in its own arena, freed by scan_ctx_free. The
   raw message is copied. */
struct scan_ctx *scan_ctx_new(const struct scan_engine *eng, const void *raw,
			      size_t len);
int scan_run(struct scan_ctx *ctx);
/* Only the virus scan (nothing parsed, no score): for a message too large
   for the spam checks (scan_max_size) but within the antivirus limits. */
int scan_run_av_only(struct scan_ctx *ctx);
/* The rules' view of the message (relays, headers), made on first use. */
struct rule_ctx *scan_rule_ctx(struct scan_ctx *ctx);
void scan_ctx_free(struct scan_ctx **ctxp);

/* A check asks for act because of reason (copied into ctx's arena); kept
   if higher than what was asked before. */
void scan_demand(struct scan_ctx *ctx, enum scan_action act, const char *reason);
/* "none", "header", "quarantine", "discard", "tempfail", "reject". */
const char *scan_action_name(enum scan_action a);
/* The other way round, for config values; -1 if s is none of them. */
int scan_action_parse(const char *s);

#endif
