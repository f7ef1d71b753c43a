# filterd/check_dkim.c: DKIM verification with libopendkim, keys through
# lib/dns. Its test signs messages with real signers (python3-dkim,
# opendkim-genkey) and verifies them against a real unbound serving the
# keys, cross-checked per signature with python3-dkim's verifier.
libwinnow_filterd_a_SOURCES += filterd/check_dkim.c filterd/check_dkim.h
WN_LIBS_ALL += $(OPENDKIM_LIBS)

check_PROGRAMS += tests/integration/test-dkim
tests_integration_test_dkim_SOURCES = tests/integration/test-dkim.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_dkim_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a \
	$(WN_LIB_LIBS) $(OPENDKIM_LIBS)
TESTS += tests/integration/test-dkim.sh
EXTRA_DIST += tests/integration/test-dkim.sh tests/integration/test-dkim.py \
	tests/data/dns/dkim.conf

check_PROGRAMS += tests/fuzz/replay-dkim
TESTS += tests/fuzz/replay-dkim
tests_fuzz_replay_dkim_SOURCES = tests/fuzz/fuzz-dkim.c tests/fuzz/replay.c
tests_fuzz_replay_dkim_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"dkim"'
tests_fuzz_replay_dkim_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS) $(OPENDKIM_LIBS)
EXTRA_DIST += tests/fuzz/corpus/dkim
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-dkim
tests_fuzz_fuzz_dkim_SOURCES = tests/fuzz/fuzz-dkim.c
tests_fuzz_fuzz_dkim_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkim_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS) $(OPENDKIM_LIBS)
endif
