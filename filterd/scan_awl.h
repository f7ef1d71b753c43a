/*
 * scan_awl.h - the pipeline's auto-whitelist step (see scan_awl.c):
 * after the rules, before autolearn.
 */
#ifndef SCAN_AWL_H
#define SCAN_AWL_H

#include "filterd/scan.h"

int scan_awl_load(struct scan_engine *eng, void **state_r, const char **err_r);
void scan_awl_unload(void *state);
int scan_awl_run(struct scan_ctx *ctx, void *state, const char **err_r);

#endif
