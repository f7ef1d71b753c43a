/*
 * conf.c - -c CONF and -o KEY=VALUE, the same for every subcommand.
 *
 * Without -c, the installed winnow.conf is read when it exists; with
 * neither, the built-in defaults (the cfg.c table) apply.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "lib/log.h"
#include "lib/opool.h"
#include "lib/wn.h"

const char *cli_default_conf(void)
{
	return WN_SYSCONFDIR "/winnow.conf";
}

void cli_conf_add_override(struct cli_conf *cc, const char *kv)
{
	cc->overrides = xrealloc(cc->overrides,
				 (cc->noverrides + 1) * sizeof(*cc->overrides));
	cc->overrides[cc->noverrides++] = kv;
}

struct cfg *cli_conf_load(const struct cli_conf *cc)
{
	struct cfg *c = cfg_new();
	const char *path = cc->conf_path;
	char *err = NULL;
	struct stat st;
	size_t i;

	if (path == NULL && stat(cli_default_conf(), &st) == 0)
		path = cli_default_conf();
	if (path != NULL && cfg_load_file(c, path, &err) < 0)
		goto fail;
	for (i = 0; i < cc->noverrides; i++) {
		if (cfg_set_option(c, cc->overrides[i], &err) < 0)
			goto fail;
	}
	log_set_debug(cfg_str(c, "debug"));
	return c;
fail:
	fprintf(stderr, "winnow: %s\n", err);
	free(err);
	cfg_free(&c);
	return NULL;
}

int cli_parse_jobs(const char *cmd, const char *s, unsigned int *jobs_r)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || n > OPOOL_MAX_THREADS) {
		fprintf(stderr, "winnow %s: -j wants 0 (one per CPU) to %d\n", cmd,
			OPOOL_MAX_THREADS);
		return -1;
	}
	*jobs_r = (unsigned int)n;
	return 0;
}

void cli_day(char *out, size_t size, uint32_t day)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	if (day == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(out, size, "-");
	else
		strftime(out, size, "%Y-%m-%d", &tm);
}
