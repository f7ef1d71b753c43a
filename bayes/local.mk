# bayes/: tokenizer and classifier (talks to storage only through db/).
noinst_LIBRARIES += libwinnow-bayes.a
libwinnow_bayes_a_SOURCES = bayes/bayes.h bayes/bayes.c bayes/tok.h bayes/tok.c

check_PROGRAMS += tests/unit/test-bayes
TESTS += tests/unit/test-bayes
tests_unit_test_bayes_SOURCES = tests/unit/test-bayes.c
tests_unit_test_bayes_LDADD = $(WN_TEST_LIBS) $(WN_BAYES_LIBS)
EXTRA_DIST += tests/data/bayes

# The tokenizer over any bytes parsed as a message; corpus replayed by
# make check in every build.
check_PROGRAMS += tests/fuzz/replay-bayes-tokenize
TESTS += tests/fuzz/replay-bayes-tokenize
tests_fuzz_replay_bayes_tokenize_SOURCES = tests/fuzz/fuzz-bayes-tokenize.c tests/fuzz/replay.c
tests_fuzz_replay_bayes_tokenize_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"bayes-tokenize"'
tests_fuzz_replay_bayes_tokenize_LDADD = $(WN_BAYES_LIBS)
EXTRA_DIST += tests/fuzz/corpus/bayes-tokenize
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-bayes-tokenize
tests_fuzz_fuzz_bayes_tokenize_SOURCES = tests/fuzz/fuzz-bayes-tokenize.c
tests_fuzz_fuzz_bayes_tokenize_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_bayes_tokenize_LDADD = $(WN_BAYES_LIBS)
endif
