# lib/ Public Suffix List (lib/psl.c): registrable domains for URIBL and
# DMARC, its unit test against the Debian list, and its fuzz target.
libwinnow_lib_a_SOURCES += lib/psl.c lib/psl.h

check_PROGRAMS += tests/unit/test-psl
TESTS += tests/unit/test-psl
tests_unit_test_psl_SOURCES = tests/unit/test-psl.c
tests_unit_test_psl_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS) -lpthread

check_PROGRAMS += tests/fuzz/replay-psl
TESTS += tests/fuzz/replay-psl
tests_fuzz_replay_psl_SOURCES = tests/fuzz/fuzz-psl.c tests/fuzz/replay.c
tests_fuzz_replay_psl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"psl"'
tests_fuzz_replay_psl_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/psl
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-psl
tests_fuzz_fuzz_psl_SOURCES = tests/fuzz/fuzz-psl.c
tests_fuzz_fuzz_psl_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_psl_LDADD = $(WN_LIB_LIBS)
endif
