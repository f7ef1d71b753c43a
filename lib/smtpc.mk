# lib/smtp_client.c: the SMTP client for mail Winnow sends itself
# (quarantine releases, digests); lib/qtoken.c: signed release tokens
# (HMAC-SHA256 with OpenSSL's libcrypto). Both for issue 6's quarantine.
libwinnow_lib_a_SOURCES += lib/smtp_client.c lib/smtp_client.h \
	lib/qtoken.c lib/qtoken.h
AM_CFLAGS += $(CRYPTO_CFLAGS)
WN_LIB_LIBS += $(CRYPTO_LIBS)

# The client against a real Postfix (two recipients, dot-stuffing, bare
# LF, 8-bit, null sender, a refused recipient) and against scripted
# peers (refused connection, a silent server, replies in pieces).
check_PROGRAMS += tests/integration/test-smtpc
tests_integration_test_smtpc_SOURCES = tests/integration/test-smtpc.c
tests_integration_test_smtpc_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)
TESTS += tests/integration/test-smtpc.sh
EXTRA_DIST += tests/integration/test-smtpc.sh tests/integration/test-smtpc.py

# Tokens: known-answer, every byte flipped, expiry, key files.
check_PROGRAMS += tests/unit/test-qtoken
TESTS += tests/unit/test-qtoken
tests_unit_test_qtoken_SOURCES = tests/unit/test-qtoken.c
tests_unit_test_qtoken_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

check_PROGRAMS += tests/fuzz/replay-smtpreply tests/fuzz/replay-qtoken
TESTS += tests/fuzz/replay-smtpreply tests/fuzz/replay-qtoken
tests_fuzz_replay_smtpreply_SOURCES = tests/fuzz/fuzz-smtpreply.c tests/fuzz/replay.c
tests_fuzz_replay_smtpreply_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"smtpreply"'
tests_fuzz_replay_smtpreply_LDADD = $(WN_LIB_LIBS)
tests_fuzz_replay_qtoken_SOURCES = tests/fuzz/fuzz-qtoken.c tests/fuzz/replay.c
tests_fuzz_replay_qtoken_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"qtoken"'
tests_fuzz_replay_qtoken_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/smtpreply tests/fuzz/corpus/qtoken
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-smtpreply tests/fuzz/fuzz-qtoken
tests_fuzz_fuzz_smtpreply_SOURCES = tests/fuzz/fuzz-smtpreply.c
tests_fuzz_fuzz_smtpreply_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_smtpreply_LDADD = $(WN_LIB_LIBS)
tests_fuzz_fuzz_qtoken_SOURCES = tests/fuzz/fuzz-qtoken.c
tests_fuzz_fuzz_qtoken_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_qtoken_LDADD = $(WN_LIB_LIBS)
endif
