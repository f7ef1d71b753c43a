/*
 * ops.h - winnow-mda's struct mda_ops: the real ones (Maildir delivery,
 * sendmail, commands, vacation tracking) and the recording ones of
 * `--test`, which only say what they would do.
 */
#ifndef MDA_OPS_H
#define MDA_OPS_H

#include <stddef.h>

#include "mda/mda.h"

/* The context behind both sets of ops (mda_ops.ctx). */
struct mda_core {
	const char *mail_root;     /* procmail folders must be under it */
	const char *quota;         /* mda_quota: "" (maildirsize's own), a
				      definition, or NULL for none */
	int quota_bounce;          /* mda_quota_bounce */
	const char *sendmail;      /* mda_sendmail */
	unsigned int pipe_timeout; /* mda_pipe_timeout, seconds */
	size_t max_output;         /* bytes of command output kept */
	int no_fsync;              /* tests only */
	/* filled by the ops: */
	int ex;                    /* sysexits code of the last failure */
	const char *delivered;     /* the last file delivered (m's arena) */
	size_t ndelivered;         /* deliveries made (files, forwards) */
	struct mda_trace *trace;   /* recording ops write here */
};

/* ops for real delivery / for --test, with c as their ctx. */
void mda_ops_real(struct mda_ops *ops, struct mda_core *c);
void mda_ops_recording(struct mda_ops *ops, struct mda_core *c);

/* Runs argv[0] (execv, no shell) with input on stdin, within timeout
   seconds (then the process group is killed). Used for sendmail.
   MDA_OK only when it exited 0. */
enum mda_status mda_ops_exec(struct mda_core *c, struct arena *a, char *const *argv,
			     const char *input, size_t len, const char **err_r);

#endif
