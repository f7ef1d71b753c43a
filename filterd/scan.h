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
/* The rules' view of the message (relays, headers), made on first use. */
struct rule_ctx *scan_rule_ctx(struct scan_ctx *ctx);
void scan_ctx_free(struct scan_ctx **ctxp);

#endif
