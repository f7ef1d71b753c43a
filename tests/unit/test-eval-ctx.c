/*
 * test-eval-ctx.c - see test-eval-ctx.h. The ruleset_setting() here is
 * a weak definition: the unit tests never create a ruleset, and when
 * the engine's own definition is linked in it takes precedence.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/limits.h"
#include "tests/unit/test-eval-ctx.h"
#include "tests/unit/test.h"

#define MAX_SETTINGS 64

static struct {
	const char *key;
	const char *vals[16];
	size_t n;
} settings[MAX_SETTINGS];
static size_t nsettings;

void tctx_setting(const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < nsettings; i++)
		if (strcmp(settings[i].key, key) == 0)
			break;
	if (i == nsettings) {
		if (nsettings == MAX_SETTINGS)
			abort();
		settings[nsettings++].key = key;
	}
	if (settings[i].n < 16)
		settings[i].vals[settings[i].n++] = value;
}

void tctx_settings_reset(void)
{
	memset(settings, 0, sizeof(settings));
	nsettings = 0;
}

size_t ruleset_setting(const struct ruleset *rs, const char *key,
		       const char *const **values_r) __attribute__((weak));
size_t ruleset_setting(const struct ruleset *rs, const char *key, const char *const **values_r)
{
	size_t i;

	(void)rs;
	for (i = 0; i < nsettings; i++) {
		if (strcmp(settings[i].key, key) == 0) {
			*values_r = settings[i].vals;
			return settings[i].n;
		}
	}
	*values_r = NULL;
	return 0;
}

static struct msg_limits limits;

struct rule_ctx *tctx_new_env(const char *name, const struct msg_envelope *env)
{
	struct arena *a = arena_new(0);
	struct rule_ctx *ctx = arena_zalloc(a, sizeof(*ctx));
	char *data;
	size_t len;

	msg_limits_default(&limits);
	if (strchr(name, '\n') != NULL) {
		data = arena_strdup(a, name);
		len = strlen(data);
	} else {
		char path[256];
		char *d;
		snprintf(path, sizeof(path), "tests/data/eval/%s", name);
		d = test_read_file(path, &len);
		data = arena_strndup(a, d, len);
		free(d);
	}
	ctx->arena = a;
	ctx->rs = NULL;
	ctx->msg = msg_parse(a, data, len, &limits);
	ctx->env = env;
	ctx->facts = NULL;
	return ctx;
}

struct rule_ctx *tctx_new(const char *name)
{
	return tctx_new_env(name, NULL);
}

void tctx_free(struct rule_ctx **ctxp)
{
	struct arena *a = (*ctxp)->arena;
	arena_free(&a);
	*ctxp = NULL;
}

int tctx_eval_type(struct rule_ctx *ctx, enum rule_type type, const char *name,
		   const char *a0, const char *a1, const char *a2, const char *a3)
{
	const struct rule_eval_def *d = rule_eval_lookup(name);
	const char *argv[4] = { a0, a1, a2, a3 };
	struct rule_eval_args args;
	size_t n = 0;

	if (d == NULL || d->fn == NULL)
		return -1;
	while (n < 4 && argv[n] != NULL)
		n++;
	args.argv = argv;
	args.argc = n;
	args.type = type;
	args.rule = "TEST";
	args.header = NULL;
	return d->fn(ctx, &args) ? 1 : 0;
}

int tctx_eval(struct rule_ctx *ctx, const char *name, const char *a0, const char *a1,
	      const char *a2, const char *a3)
{
	return tctx_eval_type(ctx, RULE_T_BODY, name, a0, a1, a2, a3);
}
