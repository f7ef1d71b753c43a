# db/: the Bayes token store (SQLite backend; only db/ includes sqlite3.h).
noinst_LIBRARIES += libwinnow-db.a
libwinnow_db_a_SOURCES = db/db.h db/db_int.h db/db.c db/db_sqlite.c

check_PROGRAMS += tests/unit/test-db
TESTS += tests/unit/test-db
tests_unit_test_db_SOURCES = tests/unit/test-db.c
tests_unit_test_db_LDADD = $(WN_TEST_LIBS) $(WN_DB_LIBS) -lpthread
include db/quar.mk
