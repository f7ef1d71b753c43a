# tests/: harness, unit tests, fuzz replays, integration tests.
check_LIBRARIES = libwinnow-test.a
libwinnow_test_a_SOURCES = tests/unit/test.c tests/unit/test.h
WN_TEST_LIBS = libwinnow-test.a

EXTRA_DIST += tests/fuzz/replay.c

check_PROGRAMS += tests/unit/test-core
TESTS += tests/unit/test-core
tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS) -lpthread

check_PROGRAMS += tests/unit/test-mailbox
TESTS += tests/unit/test-mailbox
tests_unit_test_mailbox_SOURCES = tests/unit/test-mailbox.c
tests_unit_test_mailbox_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

# Integration: the winnow command end to end (uses the built ./winnow).
TESTS += tests/integration/test-cli.sh
# Same hits as the real SpamAssassin on real mail (stock rules, corpus sample).
TESTS += tests/integration/test-agreement.sh
EXTRA_DIST += tests/integration/test-agreement.sh
# No libc call with hidden state in code that runs on several threads.
TESTS += tests/integration/test-reentrant.sh
EXTRA_DIST += tests/integration/test-reentrant.sh
# Winnow's default ruleset: every rule hits its .hit.eml and misses its .miss.eml.
TESTS += tests/rules/run-rule-tests.sh
EXTRA_DIST += tests/rules
EXTRA_DIST += tests/integration/test-cli.sh tests/integration/agreement.py

# Fuzz targets of the lead's parsers (config, mbox); pattern as in COMMON.md.
check_PROGRAMS += tests/fuzz/replay-cfg tests/fuzz/replay-mbox
TESTS += tests/fuzz/replay-cfg tests/fuzz/replay-mbox
tests_fuzz_replay_cfg_SOURCES = tests/fuzz/fuzz-cfg.c tests/fuzz/replay.c
tests_fuzz_replay_cfg_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"cfg"'
tests_fuzz_replay_cfg_LDADD = $(WN_LIB_LIBS)
tests_fuzz_replay_mbox_SOURCES = tests/fuzz/fuzz-mbox.c tests/fuzz/replay.c
tests_fuzz_replay_mbox_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"mbox"'
tests_fuzz_replay_mbox_LDADD = $(WN_LIB_LIBS)
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-cfg tests/fuzz/fuzz-mbox
tests_fuzz_fuzz_cfg_SOURCES = tests/fuzz/fuzz-cfg.c
tests_fuzz_fuzz_cfg_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_cfg_LDADD = $(WN_LIB_LIBS)
tests_fuzz_fuzz_mbox_SOURCES = tests/fuzz/fuzz-mbox.c
tests_fuzz_fuzz_mbox_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_mbox_LDADD = $(WN_LIB_LIBS)
endif

# spamd front-end: unit test (parser, serve over a socketpair, listener)
# and the request parser's fuzz target, replayed over its corpus.
check_PROGRAMS += tests/unit/test-spamd tests/fuzz/replay-spamd
TESTS += tests/unit/test-spamd tests/fuzz/replay-spamd
tests_unit_test_spamd_SOURCES = tests/unit/test-spamd.c
tests_unit_test_spamd_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL) -lpthread
tests_fuzz_replay_spamd_SOURCES = tests/fuzz/fuzz-spamd.c tests/fuzz/replay.c
tests_fuzz_replay_spamd_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"spamd"'
tests_fuzz_replay_spamd_LDADD = $(WN_LIBS_ALL)
EXTRA_DIST += tests/fuzz/corpus/spamd
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-spamd
tests_fuzz_fuzz_spamd_SOURCES = tests/fuzz/fuzz-spamd.c
tests_fuzz_fuzz_spamd_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_spamd_LDADD = $(WN_LIBS_ALL)
endif

# filterd: shared state (engine swap on reload) and X-Spam-* header values.
check_PROGRAMS += tests/unit/test-daemon
TESTS += tests/unit/test-daemon
tests_unit_test_daemon_SOURCES = tests/unit/test-daemon.c
tests_unit_test_daemon_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL) $(MILTER_LIBS)
# filterd's milter driven by miltertest, its spamd listener by the real
# spamc, and filterd inside a real Postfix.
TESTS += tests/integration/test-milter.sh tests/integration/test-milter-bad.sh \
	tests/integration/test-spamc.sh \
	tests/integration/test-filterd.sh tests/integration/test-postfix.sh \
	tests/integration/test-postfix-unix.sh tests/integration/test-bayes.sh
EXTRA_DIST += tests/integration/test-milter.sh tests/integration/test-milter-bad.sh \
	tests/integration/milter \
	tests/integration/test-spamc.sh tests/integration/test-filterd.sh \
	tests/integration/test-postfix.sh tests/integration/test-postfix-unix.sh \
	tests/integration/test-bayes.sh tests/integration/postfix-instance.sh \
	tests/integration/free-port.sh
