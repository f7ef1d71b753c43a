# filterd/quar_digest.c: the per-recipient quarantine digest mail
# (issue 6). Its test parses the digest with lib/msg.h and with
# Python's email package (test-quar-digest.py): structure, decoded
# Subject, tokens intact in both parts, hostile entry text inert.
libwinnow_filterd_a_SOURCES += filterd/quar_digest.c filterd/quar_digest.h

check_PROGRAMS += tests/unit/test-quar-digest
TESTS += tests/unit/test-quar-digest
tests_unit_test_quar_digest_SOURCES = tests/unit/test-quar-digest.c
tests_unit_test_quar_digest_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a $(WN_LIB_LIBS)
EXTRA_DIST += tests/unit/test-quar-digest.py

# Fuzz: arbitrary entry text never breaks the mail's structure.
check_PROGRAMS += tests/fuzz/replay-quardigest
TESTS += tests/fuzz/replay-quardigest
tests_fuzz_replay_quardigest_SOURCES = tests/fuzz/fuzz-quardigest.c tests/fuzz/replay.c
tests_fuzz_replay_quardigest_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"quardigest"'
tests_fuzz_replay_quardigest_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/quardigest
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-quardigest
tests_fuzz_fuzz_quardigest_SOURCES = tests/fuzz/fuzz-quardigest.c
tests_fuzz_fuzz_quardigest_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_quardigest_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS)
endif
