# mda/procmail*: procmail-style recipes (issue 7): parser, regex
# translation to PCRE2, interpreter. Tested with recording ops over a
# suite of rc files (tests/data/procmail/cases/*.t), cross-checked
# against the real procmail (Debian's package) on the same rc files and
# messages, and fuzzed (parse + run).
libwinnow_mda_a_SOURCES += mda/procmail.h mda/procmail_int.h mda/procmail.c \
	mda/procmail_re.c mda/procmail_run.c

check_PROGRAMS += tests/unit/test-procmail
TESTS += tests/unit/test-procmail
tests_unit_test_procmail_SOURCES = tests/unit/test-procmail.c
tests_unit_test_procmail_LDADD = $(WN_TEST_LIBS) $(WN_MDA_LIBS)
EXTRA_DIST += tests/data/procmail

# The same rc files through the real procmail and through ours, into
# real Maildirs: which folders got which messages must agree.
TESTS += tests/integration/test-procmail-crosscheck.sh
EXTRA_DIST += tests/integration/test-procmail-crosscheck.sh \
	tests/integration/test-procmail-crosscheck.py

check_PROGRAMS += tests/fuzz/replay-procmail
TESTS += tests/fuzz/replay-procmail
tests_fuzz_replay_procmail_SOURCES = tests/fuzz/fuzz-procmail.c tests/fuzz/replay.c
tests_fuzz_replay_procmail_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"procmail"'
tests_fuzz_replay_procmail_LDADD = $(WN_MDA_LIBS)
EXTRA_DIST += tests/fuzz/corpus/procmail
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-procmail
tests_fuzz_fuzz_procmail_SOURCES = tests/fuzz/fuzz-procmail.c
tests_fuzz_fuzz_procmail_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_procmail_LDADD = $(WN_MDA_LIBS)
endif
