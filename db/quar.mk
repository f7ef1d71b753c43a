# db/ quarantine index (schema 3): its unit test, with the upgrade of a
# real schema-2 store.
check_PROGRAMS += tests/unit/test-quarantine-db
TESTS += tests/unit/test-quarantine-db
tests_unit_test_quarantine_db_SOURCES = tests/unit/test-quarantine-db.c
tests_unit_test_quarantine_db_LDADD = $(WN_TEST_LIBS) $(WN_DB_LIBS)
EXTRA_DIST += tests/data/db/schema2.db tests/data/db/make-schema2.c
