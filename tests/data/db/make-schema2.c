/*
 * make-schema2.c - how tests/data/db/schema2.db was made: with the db/
 * code of schema version 2 (git 2db1eb3: Bayes and the AWL), before the
 * quarantine tables (schema version 3) existed. Kept for the record; not
 * built. test-quarantine-db's migration case checks exactly these
 * contents after the upgrade.
 *
 *   cc -I. -I$BUILD make-schema2.c libwinnow-db.a libwinnow-lib.a -lsqlite3 ...
 *   ./a.out schema2.db && sqlite3 schema2.db 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM'
 *
 * Learns: message 1 as spam with tokens 1..20, message 2 as ham with
 * tokens 11..30, on day 19723 (2024-01-01): tokens 1..10 {1 spam, 0
 * ham}, 11..20 {1, 1}, 21..30 {0, 1}; totals 1 spam, 1 ham. AWL: one
 * entry, a@example.org from 192.0 with scores 2.0 and 4.0 (count 2,
 * total 6.0).
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"

int main(int argc, char **argv)
{
	uint64_t h[30];
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
	for (i = 0; i < 30; i++)
		h[i] = (uint64_t)i + 1;
	if (db_learn(db, 1, DB_SPAM, h, 20, 1704067200, &r, &err) < 0 ||
	    db_learn(db, 2, DB_HAM, h + 10, 20, 1704067200, &r, &err) < 0 ||
	    db_awl_add(db, "a@example.org", "192.0", 2.0, 1704067200, NULL, &err) < 0 ||
	    db_awl_add(db, "a@example.org", "192.0", 4.0, 1704067200, NULL, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	db_close(&db);
	return 0;
}
