/*
 * check_attach.h - the attachment policy: banned file names and types,
 * judged by name and by content, inside zip, tar and gzip archives too
 * (rar, 7z, cab, bzip2, xz and ISO are recognised but not opened), with
 * a policy per recipient domain.
 *
 * A scan step (attach_load/attach_unload/attach_run, see scan.h) plus
 * the lower layer it is built on, which needs no scan engine: load a
 * struct attach_conf from the config (and its policy file), then judge
 * a parsed message (or one file) for a list of recipients and get the
 * findings back.
 *
 * Findings, their hit names and scores (a hit per kind and message; its
 * description names the first file, count says how many):
 *   WN_ATTACH_BANNED_EXT        4.0  name ends in a banned extension
 *   WN_ATTACH_DOUBLE_EXT        5.0  a document-looking extension, then a
 *                                    banned one ("invoice.pdf.exe")
 *   WN_ATTACH_EXECUTABLE        4.0  content is an executable (PE, ELF,
 *                                    Mach-O, #! script, MSI, shortcut)
 *   WN_ATTACH_TYPE_MISMATCH     2.0  name or declared type says harmless,
 *                                    content is an executable or another
 *                                    kind of archive
 *   WN_ATTACH_IN_ARCHIVE        4.0  any of the first three, inside an archive
 *   WN_ATTACH_ENCRYPTED_ARCHIVE 1.0  a password-protected archive
 *   WN_ATTACH_UNCHECKED         0.1  a limit (or an archive kind we do not
 *                                    open, or damage) stopped the look
 *                                    inside; also a member declaring 100
 *                                    times its compressed size and more
 *                                    than attach_max_inflate (zip bomb?)
 *
 * A banned name preceded by a decoy extension gives DOUBLE_EXT instead
 * of BANNED_EXT, not both. Inside archives, all three (name, double,
 * content) are IN_ARCHIVE.
 *
 * Thread safety: a loaded struct attach_conf is only read; any number of
 * threads may judge with it at once.
 */
#ifndef CHECK_ATTACH_H
#define CHECK_ATTACH_H

#include <stddef.h>

#include "filterd/scan.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/msg.h"

enum attach_kind {
	ATTACH_BANNED_EXT,
	ATTACH_DOUBLE_EXT,
	ATTACH_EXECUTABLE,
	ATTACH_TYPE_MISMATCH,
	ATTACH_IN_ARCHIVE,
	ATTACH_ENCRYPTED_ARCHIVE,
	ATTACH_UNCHECKED,
	ATTACH_KINDS
};

struct attach_finding {
	enum attach_kind kind;
	const char *file;  /* as the user would see it, archive members as
			      "outer.zip/inner.zip/x.scr"; names are UTF-8 as
			      decoded, control and invisible characters shown
			      as '?' */
	const char *why;   /* "double extension", "Windows executable (PE)",
			      "nesting over 8 archives"... */
	enum scan_action action; /* the strictest relevant policy's */
};

struct attach_conf;

/* Reads the attach_* keys and, if attach_policy_file is set, the policy
   file. Returns NULL with a malloc'd message in *err_r: "file:line:
   text" for the policy file, "attach_action: ..." for a key. */
struct attach_conf *attach_conf_new(const struct cfg *c, char **err_r);
void attach_conf_free(struct attach_conf **confp);

/* Adds the policy blocks in data (policy file syntax, see
   etc/winnow.conf); name stands for the file in errors. Returns 0, or
   -1 with a malloc'd "name:line: text" in *err_r (then conf is to be
   freed, not used). For the tests and the fuzz target. */
int attach_conf_parse_policy(struct attach_conf *conf, const char *name, const char *data,
			     size_t len, char **err_r);

/* Judges every attachment of m for mail to rcpts (NULL/0: the default
   policy only). Several recipient domains: the strictest of their
   policies (an extension banned for any is banned; an action is the
   highest any asks). Returns the number of findings; *list_r is arena
   memory (NULL when none). Time and memory are bounded by the
   attach_max_* limits. */
size_t attach_judge(const struct attach_conf *conf, struct arena *a, const struct msg *m,
		    const char *const *rcpts, size_t nrcpts, struct attach_finding **list_r);

/* The same for one file (name may be NULL, ctype the declared type or
   NULL), for the archive fuzz target and the tests. */
size_t attach_judge_file(const struct attach_conf *conf, struct arena *a, const char *name,
			 const char *ctype, const unsigned char *data, size_t len,
			 const char *const *rcpts, size_t nrcpts,
			 struct attach_finding **list_r);

/* "WN_ATTACH_BANNED_EXT"... and the score of its hit. */
const char *attach_kind_name(enum attach_kind k);
double attach_kind_score(enum attach_kind k);

/* The scan step. load reads the config (state NULL when
   use_attach_policy is off); *err_r points to a static buffer. run adds
   the hits and demands each finding's action (scan_demand) for the
   envelope recipients in ctx->env. */
int attach_load(struct scan_engine *eng, void **state_r, const char **err_r);
void attach_unload(void *state);
int attach_run(struct scan_ctx *ctx, void *state, const char **err_r);

#endif
