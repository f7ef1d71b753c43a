# filterd/: the Authentication-Results field (RFC 8601): built from the
# sender checks, recognised (forged ones removed) in incoming mail.
libwinnow_filterd_a_SOURCES += filterd/authres.c filterd/authres.h

check_PROGRAMS += tests/unit/test-authres tests/fuzz/replay-authres
TESTS += tests/unit/test-authres tests/fuzz/replay-authres
tests_unit_test_authres_SOURCES = tests/unit/test-authres.c
tests_unit_test_authres_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL)
tests_fuzz_replay_authres_SOURCES = tests/fuzz/fuzz-authres.c tests/fuzz/replay.c
tests_fuzz_replay_authres_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"authres"'
tests_fuzz_replay_authres_LDADD = $(WN_LIBS_ALL)
EXTRA_DIST += tests/fuzz/corpus/authres
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-authres
tests_fuzz_fuzz_authres_SOURCES = tests/fuzz/fuzz-authres.c
tests_fuzz_fuzz_authres_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_authres_LDADD = $(WN_LIBS_ALL)
endif
