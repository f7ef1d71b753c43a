/*
 * procmail.h - procmail-style recipes for winnow-mda (issue 7), for
 * people moving from procmail: a ~/.procmailrc written for Maildir
 * delivery runs unchanged as long as it stays inside the subset below;
 * anything outside it is an error naming its file and line, never
 * silently ignored.
 *
 * Supported: `:0` recipes with flags H B D A a E e h b f c w W i and a
 * local lockfile (`:0:`: a no-op on folders, Maildir needs no lock; a
 * command runs under flock(1) on it, named, or the file after ">>"
 * plus $LOCKEXT as procmail does); `*` conditions: egrep-style regexes
 * as procmail has them (^ and $ per line, ^^ anchors, \< \>, \/ into
 * $MATCH, the ^TO_, ^TO, ^FROM_DAEMON, ^FROM_MAILER macros;
 * case-insensitive unless D), `!` negation, `$` expansion, `< N` and
 * `> N` sizes, `? command` exit codes (the command reads the H/B search
 * area), `VAR ?? regex` (and H/B/HB/BH ??); actions: Maildir folders (a
 * name ending in '/', relative to $MAILDIR; several names deliver to
 * each), /dev/null, `| command` (through mda_ops.pipe, time-limited by
 * the core, run in $MAILDIR), `VAR=| command`, `! address...`, nested
 * `{ }` blocks (with `c`: a clone runs the block and goes on, as
 * procmail forks); assignments VAR=value with sh quoting, $VAR ${VAR}
 * ${VAR:-x} ${VAR:+x} ${VAR-x} ${VAR+x} $\VAR $$ $? $_ $-, backquotes
 * VAR=`cmd` (the message on stdin), VAR alone unsets; MAILDIR (relative
 * to the previous one), DEFAULT, INCLUDERC (depth 10), SWITCHRC, MATCH,
 * LASTFOLDER, LOCKEXT; LOG lines go to the trace; LOGFILE, VERBOSE,
 * LOGABSTRACT, COMSAT, ORGMAIL, MSGPREFIX, LOCKSLEEP, LOCKTIMEOUT,
 * LINEBUF, SUSPEND, NORESRETRY are plain variables with no effect (the
 * MDA logs itself; its command time limit bounds a lock wait).
 *
 * Known differences from procmail 3.23 (the cross-check documents
 * them): folders are made with all their missing levels (procmail makes
 * the last one only); commands get the message as stored (procmail adds
 * an empty line at its end); a command that stops reading its input is
 * not a failure (as with procmail's i flag); variables start from HOME,
 * LOGNAME, SHELL, PATH, MAILDIR and DEFAULT only, not the process
 * environment; LASTFOLDER names the folder, not the file in it; \/
 * makes the left part lazy, which is how procmail reads it in practice.
 *
 * Reported as unsupported: mbox folders (no trailing '/'), MH folders
 * ("/."), the r flag, weighted conditions (x^y), old `:N` recipes, `!`
 * arguments starting with '-', an empty `|` (to stdout), assignments to
 * LOCKFILE, TRAP, EXITCODE, HOST, UMASK, SENDMAIL, SENDMAILFLAGS,
 * DELIVERED, DROPPRIVS, SHIFT, TIMEOUT, SHELLMETAS, SHELLFLAGS, and
 * SHELL other than a Bourne shell.
 */
#ifndef PROCMAIL_H
#define PROCMAIL_H

#include <stddef.h>

#include "mda/mda.h"

struct procmail_rc;

/* Parses a procmailrc file at path (INCLUDERC files are parsed when
   reached at run time, depth-limited). NULL with malloc'd
   "path:line: message" for syntax errors and anything outside the
   supported subset (never silently ignored). */
struct procmail_rc *procmail_parse(const char *path, char **err_r);
struct procmail_rc *procmail_parse_buffer(const char *name, const char *text, size_t len,
					  char **err_r);
void procmail_free(struct procmail_rc **rcp);

struct procmail_env {
	const char *home, *logname, *maildir_default; /* MAILDIR default */
	const char *default_dest; /* DEFAULT: the INBOX Maildir path with trailing '/' */
};

/* Runs rc on m through ops (procmail semantics: the first delivering
   recipe without 'c' ends it; falling off the end delivers to
   $DEFAULT). Returns MDA_OK once delivered somewhere, MDA_TEMPFAIL when
   a delivery failed transiently; *err_r (malloc'd) says why; trace as
   above. A run-time error ("file:line: message" in *err_r: a regex
   over its match limit, INCLUDERC too deep, a folder outside the
   subset...) stops the recipes and delivers to $DEFAULT (or to
   env->default_dest when $DEFAULT itself is unusable); the status is
   then that delivery's. */
enum mda_status procmail_run(const struct procmail_rc *rc, struct mda_msg *m,
			     const struct mda_ops *ops, const struct procmail_env *env,
			     struct mda_trace *trace, char **err_r);

#endif
