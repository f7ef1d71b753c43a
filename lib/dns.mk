# lib/ DNS: the shared resolver over libunbound (lib/dns.c), its test
# against a real unbound on loopback, and its parsers' fuzz target.
libwinnow_lib_a_SOURCES += lib/dns.c lib/dns.h lib/dns_forward.c

# The C test runs under test-dns.sh, which starts the DNS server; on its
# own it runs only the cases that need no server.
check_PROGRAMS += tests/integration/test-dns
tests_integration_test_dns_SOURCES = tests/integration/test-dns.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_dns_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)
TESTS += tests/integration/test-dns.sh
EXTRA_DIST += tests/integration/test-dns.sh tests/integration/dns-server.sh tests/integration/dnstest.py \
	tests/data/dns

check_PROGRAMS += tests/fuzz/replay-dns
TESTS += tests/fuzz/replay-dns
tests_fuzz_replay_dns_SOURCES = tests/fuzz/fuzz-dns.c tests/fuzz/replay.c
tests_fuzz_replay_dns_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"dns"'
tests_fuzz_replay_dns_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/dns
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-dns
tests_fuzz_fuzz_dns_SOURCES = tests/fuzz/fuzz-dns.c
tests_fuzz_fuzz_dns_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dns_LDADD = $(WN_LIB_LIBS)
endif
