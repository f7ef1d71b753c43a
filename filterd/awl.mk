# filterd/ AWL: the auto-whitelist check (filterd/check_awl.c, storage in
# db/), its unit test, and the fuzz target of its key parsers.
libwinnow_filterd_a_SOURCES += filterd/check_awl.c filterd/check_awl.h

check_PROGRAMS += tests/unit/test-awl
TESTS += tests/unit/test-awl
tests_unit_test_awl_SOURCES = tests/unit/test-awl.c
tests_unit_test_awl_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a $(WN_DB_LIBS) -lm -lpthread

# `winnow awl` end to end, with exact output.
TESTS += tests/integration/test-awl.sh
EXTRA_DIST += tests/integration/test-awl.sh tests/data/db

check_PROGRAMS += tests/fuzz/replay-awl
TESTS += tests/fuzz/replay-awl
tests_fuzz_replay_awl_SOURCES = tests/fuzz/fuzz-awl.c tests/fuzz/replay.c
tests_fuzz_replay_awl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"awl"'
tests_fuzz_replay_awl_LDADD = libwinnow-filterd.a $(WN_DB_LIBS) -lm
EXTRA_DIST += tests/fuzz/corpus/awl
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-awl
tests_fuzz_fuzz_awl_SOURCES = tests/fuzz/fuzz-awl.c
tests_fuzz_fuzz_awl_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_awl_LDADD = libwinnow-filterd.a $(WN_DB_LIBS) -lm
endif
