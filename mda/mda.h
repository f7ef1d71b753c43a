/*
 * mda.h - how winnow-mda's parts meet.
 *
 * main.c reads the message from stdin, adds Return-Path and Delivered-To,
 * builds a struct mda_msg, loads the recipe (Sieve, procmail-style, or
 * none: the default policy) and runs it with a struct mda_ops whose
 * functions do the real work: Maildir delivery (maildir.c), forwarding
 * through the local MTA, running commands, sending vacation replies.
 * `--test` passes ops that only record what would happen.
 *
 * The recipe interpreters (sieve*.c, procmail*.c) never touch the file
 * system or the network themselves: everything goes through the ops, so
 * they are testable with recording ops and cannot escape the mail root.
 *
 * Memory: everything about one delivery lives in mda_msg.arena.
 */
#ifndef MDA_H
#define MDA_H

#include <stddef.h>

struct arena;
struct msg;

/* What a step came to. main maps it to the exit status (sysexits): */
enum mda_status {
	MDA_OK = 0,
	MDA_TEMPFAIL,  /* transient (disk full, over quota, lock or command
			  timeout): EX_TEMPFAIL 75, the MTA retries */
	MDA_PERMFAIL,  /* permanent (EX_CANTCREAT, EX_NOPERM, EX_NOUSER...: the
			  real ops say which in struct mda_core's ex, mda/ops.h) */
};

/* One message being delivered. */
struct mda_msg {
	struct arena *arena;      /* lives for the whole delivery */
	const char *data;         /* the message as it will be stored: LF line
				     endings, Return-Path and Delivered-To on top */
	size_t len;
	const struct msg *parsed; /* lib/msg.h parse of data: headers (raw and
				     decoded), MIME parts, decoded text */
	const char *sender;       /* envelope sender without <>, "" for <> */
	const char *recipient;    /* envelope recipient as given (with any
				     +detail), e.g. "bob+lists@example.org" */
	const char *user;         /* the local user */
	const char *home;         /* the user's home directory */
	const char *maildir;      /* the user's Maildir (INBOX), absolute, no
				     trailing slash */
};

/* Builds m from raw bytes (any line endings; stored with LF): copies,
   parses. Strings in a. Used by main and by procmail's filter recipes
   (mda_msg_replace). */
void mda_msg_init(struct mda_msg *m, struct arena *a, const char *raw, size_t len);
/* The message became raw (a procmail 'f' filter's output): new data,
   parsed again; the envelope stays. */
void mda_msg_replace(struct mda_msg *m, const char *raw, size_t len);

/* The work a recipe asks for. Every function returns an mda_status and,
   on failure, sets *err_r to a one-line reason (static, or in m's arena)
   for the log. ctx is mda_ops.ctx. */
struct mda_ops {
	void *ctx;
	/* Files m into mailbox: an IMAP-style name as Sieve uses ("INBOX",
	   "Junk", "Lists/foo"; '/' or '.' separate levels; stored as the
	   Maildir++ folder ".Lists.foo" under m->maildir). flags: IMAP flags
	   separated by spaces ("\\Seen \\Flagged $Label"), NULL for none.
	   create: make the folder when missing (procmail, Sieve :create);
	   without it a missing folder fails with MDA_PERMFAIL and the Sieve
	   interpreter falls back to INBOX (RFC 5490 3). */
	enum mda_status (*fileinto)(void *ctx, const struct mda_msg *m, const char *mailbox,
				    const char *flags, int create, const char **err_r);
	/* procmail's folder action: path is a Maildir directory (absolute,
	   made from MAILDIR and the recipe's name; it was written with a
	   trailing '/'). Created when missing; must stay under the mail root. */
	enum mda_status (*to_maildir)(void *ctx, const struct mda_msg *m, const char *path,
				      const char **err_r);
	/* Forwards m unchanged to n addresses through the local MTA
	   (sendmail -i -f sender), Sieve redirect and procmail '!'. */
	enum mda_status (*redirect)(void *ctx, const struct mda_msg *m, const char *const *addrs,
				    size_t n, const char **err_r);
	/* procmail '|': runs command with /bin/sh -c, m->data on stdin, the
	   environment env ("NAME=value", n entries, with the recipe's
	   variables), killed after the configured time limit (MDA_TEMPFAIL).
	   capture: stdout is returned in *out_r (m's arena, *out_len_r
	   bytes), for 'f' filters and backquote conditions. *exit_r: the
	   command's exit status (-1 when killed). */
	enum mda_status (*pipe)(void *ctx, const struct mda_msg *m, const char *command,
				const char *const *env, size_t n, int capture, char **out_r,
				size_t *out_len_r, int *exit_r, const char **err_r);
	/* Sends a new message (a vacation reply): data is the whole message
	   (header and body, LF endings), envelope sender from ("" for <>),
	   one recipient. */
	enum mda_status (*send)(void *ctx, const struct mda_msg *m, const char *data, size_t len,
				const char *from, const char *to, const char **err_r);
	/* Does mailbox exist (Sieve mailboxexists)? 1 or 0. */
	int (*mailbox_exists)(void *ctx, const struct mda_msg *m, const char *mailbox);
	/* Vacation response tracking (RFC 5230 4.2): key names one
	   (handle, sender) pair. Returns 1 if a reply under key was recorded
	   within the last seconds seconds; with mark, records now for key.
	   Kept per user (a small file in the Maildir). */
	int (*vacation_seen)(void *ctx, const struct mda_msg *m, const char *key, long seconds,
			     int mark);
};

/* What the interpreters give main for `--test` and the log: the
   actions taken, one line each ("fileinto Junk", "keep", "discard",
   "redirect a@b", "pipe 'cmd'", "vacation to a@b"), in order. */
struct mda_trace {
	const char **lines;
	size_t count, cap;
};

void mda_trace_add(struct mda_trace *t, struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
