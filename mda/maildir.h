/*
 * maildir.h - Maildir and Maildir++ delivery as Dovecot, mutt and Courier
 * read it (tmp/ -> new/ or cur/, ".Folder" subfolders, maildirsize quota).
 *
 * Nothing here follows a symbolic link below the directory it starts
 * from (the "root"): every component is opened with O_NOFOLLOW, so a
 * link planted inside a Maildir cannot send mail elsewhere.
 */
#ifndef MDA_MAILDIR_H
#define MDA_MAILDIR_H

#include <stddef.h>
#include <stdint.h>

#include "mda/mda.h"

struct arena;

/* Where to deliver. */
struct maildir_target {
	const char *root;  /* absolute directory trusted as is (symlinks in it
			      are the administrator's); nothing below it is
			      followed */
	const char *rel;   /* the Maildir relative to root ("" = root itself,
			      "a/b" = two levels; no "..", no empty parts) */
	int subfolder;     /* a Maildir++ folder: has a maildirfolder file,
			      counted in the parent's quota (root) */
	int create;        /* make the Maildir (and the levels to it) when
			      missing; else a missing one is MDA_PERMFAIL */
	const char *quota; /* Maildir++ quota of root: "" = the one in
			      root/maildirsize if any; "NNNS,NNNC" = this one
			      (the file is written with it); NULL = none */
	int quota_bounce;  /* over quota: MDA_PERMFAIL/EX_CANTCREAT rather
			      than MDA_TEMPFAIL */
	int no_fsync;      /* tests and benchmarks only */
};

struct maildir_result {
	int ex;            /* on failure, the sysexits code (EX_TEMPFAIL,
			      EX_CANTCREAT) */
	const char *err;   /* on failure, one line (arena) */
	int over_quota;    /* the failure was the quota */
	const char *path;  /* on success, the file delivered (arena) */
};

/* Delivers data (len bytes, stored as is) into t. flags: IMAP flags
   separated by spaces ("\\Seen $Label"), NULL or "" for none; with flags
   the message goes into cur/ with ":2,<letters>" (Dovecot's letters:
   \Seen S, \Answered R, \Flagged F, \Deleted T, \Draft D; keywords a..z
   through the folder's dovecot-keywords file), else into new/.
   Returns MDA_OK, MDA_TEMPFAIL (disk full, over quota, I/O) or
   MDA_PERMFAIL (missing without create, symlink, not a directory, no
   permission); r says more. Strings in a. */
enum mda_status maildir_deliver(const struct maildir_target *t, const char *data, size_t len,
				const char *flags, struct arena *a, struct maildir_result *r);

/* Maps an IMAP-style mailbox name to its Maildir++ directory:
   "INBOX" -> "" (the Maildir itself), "Lists/foo" or "Lists.foo" ->
   ".Lists.foo", a leading "INBOX/" or "INBOX." is dropped, non-ASCII is
   written in IMAP modified UTF-7 (RFC 3501 5.1.3) as Dovecot does.
   NULL with *err_r (static) for names refused: empty levels, "." or
   ".." levels, control characters, invalid UTF-8, too long. */
const char *maildir_folder_dir(struct arena *a, const char *mailbox, const char **err_r);

/* Is dir (relative to root, no symlinks followed) an existing directory? */
int maildir_exists(const char *root, const char *rel);

/* Maildir++ quota (Courier's maildirsize). */
struct maildir_quota {
	uint64_t max_bytes, max_count; /* 0: no limit of that kind */
	int64_t bytes, count;          /* the sum of the size lines */
	size_t lines;                  /* size lines read */
};

/* Parses a quota definition "10000000S,1000C" (either part optional,
   order free). 0, or -1 when malformed. */
int maildir_quota_def_parse(const char *s, size_t len, struct maildir_quota *q);
/* Parses a whole maildirsize file (definition line, then "bytes count"
   lines). 0, or -1 when malformed (the caller recalculates). */
int maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q);

#endif
