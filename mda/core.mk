# mda/ core: winnow-mda itself (main.c), Maildir/Maildir++ delivery and
# quota (maildir.c), the real and the recording struct mda_ops (ops.c).
libwinnow_mda_a_SOURCES += mda/maildir.c mda/maildir.h mda/ops.c mda/ops.h

bin_PROGRAMS += mda/winnow-mda
mda_winnow_mda_SOURCES = mda/main.c
mda_winnow_mda_LDADD = $(WN_MDA_LIBS)

# Maildir delivery: names, 20 concurrent writers, flags and keywords,
# Maildir++ folders, quota, symlinks and bad names refused.
check_PROGRAMS += tests/unit/test-maildir
TESTS += tests/unit/test-maildir
tests_unit_test_maildir_SOURCES = tests/unit/test-maildir.c
tests_unit_test_maildir_LDADD = $(WN_TEST_LIBS) $(WN_MDA_LIBS)

# The real ops: folders, commands and their time limit, sendmail,
# vacation records, the recording ops of --test.
check_PROGRAMS += tests/unit/test-mdaops
TESTS += tests/unit/test-mdaops
tests_unit_test_mdaops_SOURCES = tests/unit/test-mdaops.c
tests_unit_test_mdaops_LDADD = $(WN_TEST_LIBS) $(WN_MDA_LIBS)

# The real binary: stamping, loops, -m and -d (root), the default
# policy, exit codes, a full tmpfs, pipe time limit.
TESTS += tests/integration/test-mdacore.sh
EXTRA_DIST += tests/integration/test-mdacore.sh

# The maildirsize parser, fuzzed and its corpus replayed.
check_PROGRAMS += tests/fuzz/replay-maildirsize
TESTS += tests/fuzz/replay-maildirsize
tests_fuzz_replay_maildirsize_SOURCES = tests/fuzz/fuzz-maildirsize.c tests/fuzz/replay.c
tests_fuzz_replay_maildirsize_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"maildirsize"'
tests_fuzz_replay_maildirsize_LDADD = $(WN_MDA_LIBS)
EXTRA_DIST += tests/fuzz/corpus/maildirsize
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-maildirsize
tests_fuzz_fuzz_maildirsize_SOURCES = tests/fuzz/fuzz-maildirsize.c
tests_fuzz_fuzz_maildirsize_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_maildirsize_LDADD = $(WN_MDA_LIBS)
endif
