/*
 * cli.h - the `winnow` command: shared option handling and the
 * subcommands (check, lint, learn, bayes, awl, quarantine).
 *
 * Exit codes: 0/1 are answers (ham/spam, lint clean/problems); errors use
 * sysexits.h (64 usage, 66 no input, 74 I/O, 78 configuration), all >= 2.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "lib/cfg.h"

/* Loads -c CONF (or the default config if it exists) and applies -o
   overrides, in command-line order. Returns NULL after printing the
   error. */
struct cli_conf {
	const char *conf_path;      /* -c, or NULL */
	const char **overrides;     /* -o values */
	size_t noverrides;
};
void cli_conf_add_override(struct cli_conf *cc, const char *kv);
struct cfg *cli_conf_load(const struct cli_conf *cc);

int cli_check(int argc, char **argv);
int cli_lint(int argc, char **argv);
int cli_learn(int argc, char **argv);
int cli_bayes(int argc, char **argv);
int cli_awl(int argc, char **argv);
int cli_quarantine(int argc, char **argv);

/* Learns one message (data, len bytes, NUL-terminated) as spam or ham
   in db_path's store, as `winnow learn` learns each message (same
   parsing, tokens and message id). 0 with *result_r, or -1 with a
   malloc'd *err_r. */
int cli_learn_message(const struct cfg *c, const char *data, size_t len, int spam,
		      enum db_learn_result *result_r, char **err_r);

/* -j N for command cmd: 0 (one thread per CPU) to OPOOL_MAX_THREADS;
   -1 after saying what is wrong. */
int cli_parse_jobs(const char *cmd, const char *s, unsigned int *jobs_r);
/* A store's day number (days since 1970, UTC) as YYYY-MM-DD; "-" for 0. */
void cli_day(char *out, size_t size, uint32_t day);

/* The default configuration file (installed etc/winnow.conf). */
const char *cli_default_conf(void);

#endif
