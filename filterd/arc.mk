# filterd/check_arc.c: ARC (RFC 8617) chain verification with libcrypto,
# keys through lib/dns. Its test seals messages with python3-dkim's
# arc_sign (keys made at test time), verifies them against a real
# unbound serving the keys, and cross-checks every message with
# python3-dkim's arc_verify on the same DNS.
libwinnow_filterd_a_SOURCES += filterd/check_arc.c filterd/check_arc.h
AM_CFLAGS += $(CRYPTO_CFLAGS)
WN_LIBS_ALL += $(CRYPTO_LIBS)

check_PROGRAMS += tests/integration/test-arc
tests_integration_test_arc_SOURCES = tests/integration/test-arc.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_arc_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a \
	$(WN_LIB_LIBS) $(CRYPTO_LIBS)
TESTS += tests/integration/test-arc.sh
EXTRA_DIST += tests/integration/test-arc.sh tests/integration/test-arc.py \
	tests/data/dns/arc.conf

check_PROGRAMS += tests/fuzz/replay-arc
TESTS += tests/fuzz/replay-arc
tests_fuzz_replay_arc_SOURCES = tests/fuzz/fuzz-arc.c tests/fuzz/replay.c
tests_fuzz_replay_arc_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"arc"'
tests_fuzz_replay_arc_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS) $(CRYPTO_LIBS)
EXTRA_DIST += tests/fuzz/corpus/arc
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-arc
tests_fuzz_fuzz_arc_SOURCES = tests/fuzz/fuzz-arc.c
tests_fuzz_fuzz_arc_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_arc_LDADD = libwinnow-filterd.a $(WN_LIB_LIBS) $(CRYPTO_LIBS)
endif
