# rules/: unit tests and fuzz targets of the rule engine core
# (parse.c, load.c, compile.c, meta.c, run.c).
check_PROGRAMS += tests/unit/test-rules
TESTS += tests/unit/test-rules
tests_unit_test_rules_SOURCES = tests/unit/test-rules.c
tests_unit_test_rules_LDADD = $(WN_TEST_LIBS) $(WN_RULES_LIBS)
EXTRA_DIST += tests/data/rules

check_PROGRAMS += tests/fuzz/replay-cf tests/fuzz/replay-meta
TESTS += tests/fuzz/replay-cf tests/fuzz/replay-meta
tests_fuzz_replay_cf_SOURCES = tests/fuzz/fuzz-cf.c tests/fuzz/replay.c
tests_fuzz_replay_cf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"cf"'
tests_fuzz_replay_cf_LDADD = $(WN_RULES_LIBS)
tests_fuzz_replay_meta_SOURCES = tests/fuzz/fuzz-meta.c tests/fuzz/replay.c
tests_fuzz_replay_meta_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"meta"'
tests_fuzz_replay_meta_LDADD = $(WN_RULES_LIBS)
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-cf tests/fuzz/fuzz-meta
tests_fuzz_fuzz_cf_SOURCES = tests/fuzz/fuzz-cf.c
tests_fuzz_fuzz_cf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_cf_LDADD = $(WN_RULES_LIBS)
tests_fuzz_fuzz_meta_SOURCES = tests/fuzz/fuzz-meta.c
tests_fuzz_fuzz_meta_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_meta_LDADD = $(WN_RULES_LIBS)
endif
