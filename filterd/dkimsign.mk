# filterd/dkim_sign.c: DKIM signing with libopendkim of mail from
# authenticated or local senders (keys checked with OpenSSL's libcrypto,
# which libopendkim links too). It logs through filterd/daemon.c, which
# brings the pipeline along: its programs link everything. Its tests generate keys at test time
# (opendkim-genkey, openssl genpkey), sign through filterd's milter
# (miltertest) and verify with python3-dkim.
libwinnow_filterd_a_SOURCES += filterd/dkim_sign.c filterd/dkim_sign.h
WN_LIBS_ALL += $(CRYPTO_LIBS)

check_PROGRAMS += tests/integration/test-dkimsign
tests_integration_test_dkimsign_SOURCES = tests/integration/test-dkimsign.c
tests_integration_test_dkimsign_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL)
TESTS += tests/integration/test-dkimsign.sh
EXTRA_DIST += tests/integration/test-dkimsign.sh tests/integration/test-dkimsign.py \
	tests/integration/test-dkimsign.lua tests/integration/test-dkimsign.supp

check_PROGRAMS += tests/fuzz/replay-dkimsign
TESTS += tests/fuzz/replay-dkimsign
tests_fuzz_replay_dkimsign_SOURCES = tests/fuzz/fuzz-dkimsign.c tests/fuzz/replay.c
tests_fuzz_replay_dkimsign_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"dkimsign"'
tests_fuzz_replay_dkimsign_LDADD = $(WN_LIBS_ALL)
EXTRA_DIST += tests/fuzz/corpus/dkimsign
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-dkimsign
tests_fuzz_fuzz_dkimsign_SOURCES = tests/fuzz/fuzz-dkimsign.c
tests_fuzz_fuzz_dkimsign_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_dkimsign_LDADD = $(WN_LIBS_ALL)
endif
