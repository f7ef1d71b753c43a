/*
 * test-eval-ctx.h - helpers for test-text and test-eval: a parsed test
 * message in a rule_ctx built by hand (the engine's rule_ctx_new is not
 * needed), and a settings table the eval code reads through
 * ruleset_setting().
 */
#ifndef TEST_EVAL_CTX_H
#define TEST_EVAL_CTX_H

#include "rules/rule.h"

/* Parses tests/data/eval/<name> (or the literal text when name holds a
   newline) into a fresh context. */
struct rule_ctx *tctx_new(const char *name);
struct rule_ctx *tctx_new_env(const char *name, const struct msg_envelope *env);
void tctx_free(struct rule_ctx **ctxp);

/* Settings seen by ruleset_setting() while no real ruleset is given:
   tctx_setting("trusted_networks", "10.0.0.0/8") appends; reset clears. */
void tctx_setting(const char *key, const char *value);
void tctx_settings_reset(void);

/* Runs eval function name with up to 4 string arguments (NULL ends). */
int tctx_eval(struct rule_ctx *ctx, const char *name, const char *a0, const char *a1,
	      const char *a2, const char *a3);
int tctx_eval_type(struct rule_ctx *ctx, enum rule_type type, const char *name,
		   const char *a0, const char *a1, const char *a2, const char *a3);

#endif
