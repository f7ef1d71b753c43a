/*
 * sieve.h - Sieve (RFC 5228) for winnow-mda: parse a script once, run it
 * on each message. The interpreter never touches files or the network:
 * every effect goes through struct mda_ops (mda.h).
 *
 * Extensions (each only when `require`d): fileinto, envelope,
 * imap4flags, variables, subaddress, body, relational,
 * comparator-i;ascii-numeric, spamtest, spamtestplus, virustest, regex,
 * copy, mailbox, vacation. Limits are the SIEVE_MAX_* constants below.
 */
#ifndef SIEVE_H
#define SIEVE_H

#include <stddef.h>

#include "mda/mda.h"

/* Limits on untrusted scripts (a user writes them; the MDA runs them on
   every message). Hitting one is a parse error, or a runtime error that
   falls back to INBOX. */
#define SIEVE_MAX_SCRIPT ((size_t)1024 * 1024) /* bytes of script: Pigeonhole's
						  default max_script_size */
#define SIEVE_MAX_NESTING 32       /* blocks and tests nested: real scripts
				      use a handful, recursion stays shallow */
#define SIEVE_MAX_COMMANDS 10000   /* commands and tests in one script */
#define SIEVE_MAX_STRING ((size_t)64 * 1024) /* one string or text: literal */
#define SIEVE_MAX_LIST 1024        /* strings in one string list */
#define SIEVE_MAX_REDIRECTS 10     /* redirects per message (Pigeonhole's
				      default): a script cannot make a spam cannon */
#define SIEVE_MAX_ACTIONS 256      /* actions collected per message */
#define SIEVE_MAX_VARIABLES 256    /* distinct variables (RFC 5229 5 allows limits) */
#define SIEVE_MAX_VARIABLE_SIZE ((size_t)4096) /* a variable's value, truncated
						  beyond (Pigeonhole's default) */
#define SIEVE_REGEX_MATCH_LIMIT 100000 /* PCRE2 match steps per subject: past
					  this the run fails (keep), never hangs */
#define SIEVE_REGEX_DEPTH_LIMIT 10000  /* PCRE2 backtracking depth */
#define SIEVE_MAX_WORK ((unsigned long long)1 << 28) /* bytes compared per run
					  (values x keys, :matches weighted by
					  its stars): a script over it fails (keep)
					  instead of burning seconds of CPU */
#define SIEVE_VACATION_DEFAULT_DAYS 7  /* RFC 5230 4.1 */
#define SIEVE_VACATION_MAX_DAYS 30

struct sieve_script;

/* Parses a Sieve script (name for messages, text of len bytes). NULL with a malloc'd
   "name:line:column: message" in *err_r (the first error; syntax, unknown command, unsupported
   or missing `require`d extension, bad arguments). */
struct sieve_script *sieve_parse(const char *name, const char *text, size_t len, char **err_r);
void sieve_free(struct sieve_script **sp);

/* Runs s on m: evaluates, then performs the actions through ops in order (implicit keep into
   INBOX unless cancelled). A runtime error (e.g. a fileinto that fails permanently, a regex over
   its match limit) -> falls back to keep in INBOX and reports it in *err_r (malloc'd), never
   discards. Returns MDA_OK, or MDA_TEMPFAIL when an action failed transiently (nothing must
   then be reported delivered). trace (may be NULL) gets one line per action performed:
   "keep", "fileinto NAME", either followed by " (FLAGS)" when IMAP flags are set,
   "redirect ADDR", "vacation to ADDR" (a reply sent), "discard" (the message went nowhere,
   on purpose). */
enum mda_status sieve_run(const struct sieve_script *s, struct mda_msg *m,
			  const struct mda_ops *ops, struct mda_trace *trace, char **err_r);

#endif
