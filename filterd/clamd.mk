# filterd/check_clamd.c: virus scanning through a running clamd
# (INSTREAM over unix or TCP, key clamd_socket). Its test starts a real
# clamd with a private one-signature database (EICAR) in a temp dir.
libwinnow_filterd_a_SOURCES += filterd/check_clamd.c filterd/check_clamd.h

check_PROGRAMS += tests/integration/test-clamd
tests_integration_test_clamd_SOURCES = tests/integration/test-clamd.c
tests_integration_test_clamd_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a $(WN_LIB_LIBS)
TESTS += tests/integration/test-clamd.sh
EXTRA_DIST += tests/integration/test-clamd.sh tests/integration/test-clamd.py

check_PROGRAMS += tests/fuzz/replay-clamd
TESTS += tests/fuzz/replay-clamd
tests_fuzz_replay_clamd_SOURCES = tests/fuzz/fuzz-clamd.c tests/fuzz/replay.c
tests_fuzz_replay_clamd_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"clamd"'
tests_fuzz_replay_clamd_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/clamd
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-clamd
tests_fuzz_fuzz_clamd_SOURCES = tests/fuzz/fuzz-clamd.c
tests_fuzz_fuzz_clamd_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_clamd_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS)
endif
