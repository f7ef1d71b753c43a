/*
 * log.h - the one logging API.
 *
 * Daemons log to syslog (facility mail); in the foreground (-f) and in
 * the CLI the same lines go to stderr. Lines about a message start with
 * its id ("<queueid>: key=value ..."), see log_set_id(). Debug output is
 * enabled per module with log_set_debug("bayes,rules").
 * Client-supplied strings must go through log_escape() first.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

#include "lib/wn.h"

enum log_target {
	LOG_TO_STDERR = 1,
	LOG_TO_SYSLOG = 2,
};

void log_init(const char *ident, unsigned int targets);
/* Comma-separated module names, or "all". */
void log_set_debug(const char *modules);
int log_debug_enabled(const char *module);
/* Minimum level for stderr: 0 debug, 1 info, 2 warn (CLI default), 3 err */
void log_set_stderr_level(int level);

void log_debug(const char *module, const char *fmt, ...) WN_PRINTF(2, 3);
void log_info(const char *fmt, ...) WN_PRINTF(1, 2);
void log_warn(const char *fmt, ...) WN_PRINTF(1, 2);
void log_err(const char *fmt, ...) WN_PRINTF(1, 2);
void log_crit(const char *fmt, ...) WN_PRINTF(1, 2);
/* As above, with ": strerror(errno)" appended. */
void log_warn_errno(const char *fmt, ...) WN_PRINTF(1, 2);
void log_err_errno(const char *fmt, ...) WN_PRINTF(1, 2);

/* Escapes control and non-ASCII bytes as \xNN into out (size outsz,
   always NUL-terminated, truncated with "..."). Returns out. */
char *log_escape(char *out, size_t outsz, const char *in, size_t inlen);

#endif
