# tests/: harness, unit tests, fuzz replays, integration tests.
check_LIBRARIES = libwinnow-test.a
libwinnow_test_a_SOURCES = tests/unit/test.c tests/unit/test.h
WN_TEST_LIBS = libwinnow-test.a

EXTRA_DIST += tests/fuzz/replay.c

check_PROGRAMS += tests/unit/test-core
TESTS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

check_PROGRAMS += tests/unit/test-mailbox
TESTS += tests/unit/test-mailbox
tests_unit_test_mailbox_SOURCES = tests/unit/test-mailbox.c
tests_unit_test_mailbox_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

# Integration: the winnow command end to end (uses the built ./winnow).
TESTS += tests/integration/test-cli.sh
EXTRA_DIST += tests/integration/test-cli.sh tests/integration/agreement.py
