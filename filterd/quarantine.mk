# filterd/quarantine.c: Winnow's own quarantine (files in quarantine_dir,
# index in db/), and `winnow quarantine` (cli/quarantine.c). The test
# stores messages with quar_store() (tests/integration/test-quarantine.c),
# checks its failure paths, then drives the real winnow command against
# a real Postfix on loopback: list, show, release (byte-identical in the
# Maildir), tokens, digests, expiry, --learn-ham.
libwinnow_filterd_a_SOURCES += filterd/quarantine.c filterd/quarantine.h

check_PROGRAMS += tests/integration/test-quarantine
tests_integration_test_quarantine_SOURCES = tests/integration/test-quarantine.c
tests_integration_test_quarantine_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL)
TESTS += tests/integration/test-quarantine.sh
EXTRA_DIST += tests/integration/test-quarantine.sh
