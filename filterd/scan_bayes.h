/*
 * scan_bayes.h - the Bayes steps of the scan pipeline (scan_bayes.c):
 * classify before the rules, autolearn after them.
 */
#ifndef SCAN_BAYES_H
#define SCAN_BAYES_H

#include "filterd/scan.h"

struct bayes_params;
struct db_expire_params;

int scan_bayes_load(struct scan_engine *eng, void **state_r, const char **err_r);
void scan_bayes_unload(void *state);
int scan_bayes_run(struct scan_ctx *ctx, void *state, const char **err_r);
int scan_autolearn_run(struct scan_ctx *ctx, void *state, const char **err_r);

/* The message's Bayes probability, or -1 when there is none. */
double scan_bayes_prob(const struct scan_ctx *ctx);

/* Learns (learn: as spam or ham) or forgets one raw message for a
   spamd TELL, in user's store (bayes_user_path) or the global one.
   *did_r: the store changed (not already learned / never learned).
   Returns 0, or -1 with a malloc'd *err_r. */
int scan_bayes_tell(const struct scan_engine *eng, const char *raw, size_t len,
		    const char *user, int learn, int spam, int *did_r, char **err_r);

/* The classifier's parameters from the bayes_* keys (winnow learn). */
void scan_bayes_params(const struct cfg *c, struct bayes_params *p);
/* Expiry's from bayes_max_tokens (trimmed to 90% when over) and
   bayes_seen_days. */
void scan_bayes_expire_params(const struct cfg *c, struct db_expire_params *p);

#endif
