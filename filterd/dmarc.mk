# filterd/check_dmarc.c: DMARC (RFC 7489), records fetched through
# lib/dns and parsed by libopendmarc, alignment with lib/psl. Its test
# runs against a real unbound serving tests/data/dns/dmarc.conf, and
# compares parsed policies with OpenDMARC's own opendmarc-check.
libwinnow_filterd_a_SOURCES += filterd/check_dmarc.c filterd/check_dmarc.h
WN_LIBS_ALL += $(OPENDMARC_LIBS)
WN_DMARC_LIBS = libwinnow-filterd.a $(WN_LIB_LIBS) $(OPENDMARC_LIBS)

check_PROGRAMS += tests/integration/test-dmarc
tests_integration_test_dmarc_SOURCES = tests/integration/test-dmarc.c \
	tests/integration/dnstest.c tests/integration/dnstest.h
tests_integration_test_dmarc_LDADD = $(WN_TEST_LIBS) $(WN_DMARC_LIBS)
TESTS += tests/integration/test-dmarc.sh
EXTRA_DIST += tests/integration/test-dmarc.sh tests/data/dns/dmarc.conf

check_PROGRAMS += tests/fuzz/replay-dmarc
TESTS += tests/fuzz/replay-dmarc
tests_fuzz_replay_dmarc_SOURCES = tests/fuzz/fuzz-dmarc.c tests/fuzz/replay.c
tests_fuzz_replay_dmarc_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"dmarc"'
tests_fuzz_replay_dmarc_LDADD = $(WN_DMARC_LIBS)
EXTRA_DIST += tests/fuzz/corpus/dmarc
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-dmarc
tests_fuzz_fuzz_dmarc_SOURCES = tests/fuzz/fuzz-dmarc.c
tests_fuzz_fuzz_dmarc_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dmarc_LDADD = $(WN_DMARC_LIBS)
endif
