/*
 * scan_av.h - the pipeline's antivirus step (see scan_av.c): the
 * scanner chosen by key `antivirus` (libclamav in process or clamd),
 * its verdict turned into ctx->virus, ctx->av_status and a demand for
 * virus_action, av_error_action or av_limit_action.
 */
#ifndef SCAN_AV_H
#define SCAN_AV_H

#include "filterd/scan.h"

int scan_av_load(struct scan_engine *eng, void **state_r, const char **err_r);
void scan_av_unload(void *state);
int scan_av_run(struct scan_ctx *ctx, void *state, const char **err_r);

/* Is a virus scanner configured (antivirus is not "none")? */
int scan_av_enabled(const struct cfg *c);
/* The X-Virus-Scanned value for a scan by this engine's scanner:
   "Winnow VERSION with ClamAV 1.0.7 (libclamav) on HOST"; in arena a. */
const char *scan_av_scanned_by(const struct cfg *c, struct arena *a, const char *host);

#endif
