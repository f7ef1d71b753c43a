/*
 * db_int.h - what a storage backend implements (db/db.c dispatches the
 * public calls through it). Arguments are checked, deduplicated and
 * sorted by db.c before they get here, so a backend only talks to its
 * store.
 *
 * A backend keeps its connection in db->impl and reports failures with
 * db_error() (the message then belongs to the struct db), returning -1.
 */
#ifndef DB_INT_H
#define DB_INT_H

#include "db/db.h"

struct db_ops {
	const char *name;
	/* Sets db->impl; -1 with db_error() on failure. */
	int (*open)(struct db *db, const char *path, const struct db_options *o);
	void (*close)(struct db *db);
	int (*totals)(struct db *db, struct db_totals *r);
	int (*lookup)(struct db *db, const uint64_t *hashes, size_t n,
		      struct db_counts *counts_r);
	int (*seen)(struct db *db, uint64_t msgid, enum db_class *class_r);
	/* hashes: sorted, distinct. cls DB_NONE means forget. */
	int (*learn)(struct db *db, uint64_t msgid, enum db_class cls,
		     const uint64_t *hashes, size_t n, uint32_t day,
		     enum db_learn_result *result_r);
	int (*stats)(struct db *db, struct db_stats *r);
	int (*expire)(struct db *db, const struct db_expire_params *p,
		      struct db_expire_result *r);
};

struct db {
	const struct db_ops *ops;
	void *impl;
	char *path;
	char err[512];
};

extern const struct db_ops db_sqlite_ops;

/* Formats the message handed back through err_r; returns -1. */
int db_error(struct db *db, const char *fmt, ...) WN_PRINTF(2, 3);

/* Days since 1970 (UTC), the unit of last-seen times. */
uint32_t db_day(time_t t);

#endif
