/*
 * make-schema1.c - how tests/data/db/schema1.db was made: with the db/
 * code of schema version 1 (git 9973e1a), before the AWL table (schema
 * version 2) existed. Kept for the record; not built. test-db's
 * migration case checks exactly these counts after the upgrade.
 *
 *   cc -I. make-schema1.c libwinnow-db.a libwinnow-lib.a -lsqlite3 ...
 *   ./a.out schema1.db && sqlite3 schema1.db 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM'
 *
 * Learns: message 1 as spam with tokens 1..100, message 2 as ham with
 * tokens 51..150, message 3 as spam with tokens 1..10, all on day
 * 19723 (2024-01-01). So tokens 1..10 are {2 spam, 0 ham}, 11..50
 * {1, 0}, 51..100 {1, 1}, 101..150 {0, 1}; totals 2 spam, 1 ham.
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"

int main(int argc, char **argv)
{
	uint64_t h[150];
	enum db_learn_result r;
	const char *err = NULL;
	char *oerr = NULL;
	struct db *db;
	int i;

	if (argc != 2)
		return 64;
	db = db_open(argv[1], NULL, &oerr);
	if (db == NULL) {
		fprintf(stderr, "%s\n", oerr);
		return 1;
	}
	for (i = 0; i < 150; i++)
		h[i] = (uint64_t)i + 1;
	if (db_learn(db, 1, DB_SPAM, h, 100, 1704067200, &r, &err) < 0 ||
	    db_learn(db, 2, DB_HAM, h + 50, 100, 1704067200, &r, &err) < 0 ||
	    db_learn(db, 3, DB_SPAM, h, 10, 1704067200, &r, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	db_close(&db);
	return 0;
}
