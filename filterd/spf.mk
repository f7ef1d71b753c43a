# filterd/ SPF: the check (libspf2 over lib/dns.c), its test against a
# real unbound on loopback (with the cross-check against pyspf), and the
# fuzz target for the SPF inputs it parses.
libwinnow_filterd_a_SOURCES += filterd/check_spf.c filterd/check_spf.h
WN_SPF_LIBS = libwinnow-filterd.a $(WN_LIB_LIBS) $(SPF2_LIBS)

# test-spf.sh starts the DNS server with tests/data/dns/spf.conf, runs
# tests/integration/test-spf (exact results) and test-spf.py (pyspf
# must agree); test-spf alone runs the cases that need no server.
check_PROGRAMS += tests/integration/test-spf
tests_integration_test_spf_SOURCES = tests/integration/test-spf.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_spf_LDADD = $(WN_TEST_LIBS) $(WN_SPF_LIBS)
TESTS += tests/integration/test-spf.sh
EXTRA_DIST += tests/integration/test-spf.sh tests/integration/test-spf.py

check_PROGRAMS += tests/fuzz/replay-spf
TESTS += tests/fuzz/replay-spf
tests_fuzz_replay_spf_SOURCES = tests/fuzz/fuzz-spf.c tests/fuzz/replay.c
tests_fuzz_replay_spf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"spf"'
tests_fuzz_replay_spf_LDADD = $(WN_SPF_LIBS)
EXTRA_DIST += tests/fuzz/corpus/spf
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-spf
tests_fuzz_fuzz_spf_SOURCES = tests/fuzz/fuzz-spf.c
tests_fuzz_fuzz_spf_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_spf_LDADD = $(WN_SPF_LIBS)
endif
