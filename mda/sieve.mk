# mda/sieve*.c: the Sieve interpreter (RFC 5228 and the extensions of
# issue 7). Its conformance suite is tests/sieve/*.sieve (script,
# message, expected actions in the script's comments), run by
# tests/unit/test-sieve with recording ops, and cross-checked against
# Dovecot Pigeonhole's sieve-test by tests/sieve/crosscheck.sh.
libwinnow_mda_a_SOURCES += mda/sieve.h mda/sieve_int.h mda/sieve_lex.h mda/sieve_lex.c \
	mda/sieve_parse.c mda/sieve_match.c mda/sieve_run.c mda/sieve_ext.c \
	mda/sieve_vacation.c

check_PROGRAMS += tests/unit/test-sieve
TESTS += tests/unit/test-sieve
tests_unit_test_sieve_SOURCES = tests/unit/test-sieve.c
tests_unit_test_sieve_LDADD = $(WN_TEST_LIBS) $(WN_MDA_LIBS)
EXTRA_DIST += tests/sieve

# The same cases through Dovecot Pigeonhole's sieve-test (skipped when it
# is not installed): actions compared one by one.
TESTS += tests/sieve/crosscheck.sh

check_PROGRAMS += tests/fuzz/replay-sieve
TESTS += tests/fuzz/replay-sieve
tests_fuzz_replay_sieve_SOURCES = tests/fuzz/fuzz-sieve.c tests/fuzz/replay.c
tests_fuzz_replay_sieve_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"sieve"'
tests_fuzz_replay_sieve_LDADD = $(WN_MDA_LIBS)
EXTRA_DIST += tests/fuzz/corpus/sieve
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-sieve
tests_fuzz_fuzz_sieve_SOURCES = tests/fuzz/fuzz-sieve.c
tests_fuzz_fuzz_sieve_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sieve_LDADD = $(WN_MDA_LIBS)
endif
