# filterd/ DNSBL and URIBL: the check (lib/dns.c, lib/psl.c), its test
# against a real unbound on loopback serving tests/data/dns/dnsbl.conf,
# and the fuzz target for the inputs it parses (zones, URI hosts).
libwinnow_filterd_a_SOURCES += filterd/check_dnsbl.c filterd/check_dnsbl.h
WN_DNSBL_LIBS = libwinnow-filterd.a $(WN_LIB_LIBS)

# test-dnsbl.sh starts the DNS server with dnsbl.conf and runs
# tests/integration/test-dnsbl; alone, that runs the no-server cases.
check_PROGRAMS += tests/integration/test-dnsbl
tests_integration_test_dnsbl_SOURCES = tests/integration/test-dnsbl.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_dnsbl_LDADD = $(WN_TEST_LIBS) $(WN_DNSBL_LIBS) -lpthread
TESTS += tests/integration/test-dnsbl.sh
EXTRA_DIST += tests/integration/test-dnsbl.sh

check_PROGRAMS += tests/fuzz/replay-dnsbl
TESTS += tests/fuzz/replay-dnsbl
tests_fuzz_replay_dnsbl_SOURCES = tests/fuzz/fuzz-dnsbl.c tests/fuzz/replay.c
tests_fuzz_replay_dnsbl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"dnsbl"'
tests_fuzz_replay_dnsbl_LDADD = $(WN_DNSBL_LIBS)
EXTRA_DIST += tests/fuzz/corpus/dnsbl
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-dnsbl
tests_fuzz_fuzz_dnsbl_SOURCES = tests/fuzz/fuzz-dnsbl.c
tests_fuzz_fuzz_dnsbl_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dnsbl_LDADD = $(WN_DNSBL_LIBS)
endif
