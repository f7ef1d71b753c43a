/*
 * spamhdr.h - the X-Spam-* headers of a finished scan, in SpamAssassin's
 * form, so that Sieve, procmail and Dovecot rules written for
 * SpamAssassin keep working. Shared by the milter and spamd front-ends.
 *
 *   X-Spam-Flag: YES                        (spam only)
 *   X-Spam-Status: Yes, score=7.4 required=5.0 tests=A,B
 *   	autolearn=no version=...
 *   X-Spam-Level: *******                   (one star per whole point)
 *   X-Spam-Report: ... one line per hit ... (when asked for)
 *   X-Spam-Checker-Version: Winnow VERSION on HOST
 *
 * Values are folded with "\n\t" as SpamAssassin folds them. Subrules
 * (__names) never appear. Ownership: strings in the scan's arena.
 */
#ifndef SPAMHDR_H
#define SPAMHDR_H

#include "filterd/scan.h"

struct spam_headers {
	const char *flag;     /* "YES", or NULL for ham */
	const char *status;
	const char *level;    /* may be "" */
	const char *report;   /* NULL unless asked for */
	const char *checker;
};

/* The header values (without names) for ctx; host NULL or "" means the
   system's host name. */
void spam_headers_build(struct scan_ctx *ctx, int with_report, const char *host,
			struct spam_headers *out);

/* The tests list: scored hit names, sorted, joined with sep. */
const char *spam_tests_list(struct scan_ctx *ctx, const char *sep);

/* Is this header field one of ours (X-Spam-*), which a front-end removes
   from incoming mail before adding its own? */
int spam_header_name(const char *name);

#endif
