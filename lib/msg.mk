# lib/ message model: headers, MIME, decoders, charsets, addresses, dates,
# Received. (Owned by the message model work; add files here.)
libwinnow_lib_a_SOURCES += lib/msg.h lib/msg_int.h \
	lib/msg.c lib/msg_part.c lib/msg_header.c lib/msg_mime.c \
	lib/msg_decode.c lib/msg_charset.c lib/msg_rfc2047.c lib/msg_sniff.c \
	lib/msg_addr.c lib/msg_date.c lib/msg_received.c

check_PROGRAMS += tests/unit/test-msg
TESTS += tests/unit/test-msg
tests_unit_test_msg_SOURCES = tests/unit/test-msg.c tests/unit/test-msg-units.c
tests_unit_test_msg_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)
EXTRA_DIST += tests/data/msg

# Smoke test on the real corpus (skips without it); shares the dump code.
check_PROGRAMS += tests/unit/test-msg-corpus
TESTS += tests/unit/test-msg-corpus
tests_unit_test_msg_corpus_SOURCES = tests/unit/test-msg-corpus.c tests/unit/test-msg.c
tests_unit_test_msg_corpus_CPPFLAGS = $(AM_CPPFLAGS) -DTMSG_NO_MAIN
tests_unit_test_msg_corpus_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

# Fuzz targets (pattern of COMMON.md); corpora in tests/fuzz/corpus/<name>.
check_PROGRAMS += tests/fuzz/replay-msg
TESTS += tests/fuzz/replay-msg
tests_fuzz_replay_msg_SOURCES = tests/fuzz/fuzz-msg.c tests/fuzz/replay.c
tests_fuzz_replay_msg_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"msg"'
tests_fuzz_replay_msg_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/msg
check_PROGRAMS += tests/fuzz/replay-rfc2047
TESTS += tests/fuzz/replay-rfc2047
tests_fuzz_replay_rfc2047_SOURCES = tests/fuzz/fuzz-rfc2047.c tests/fuzz/replay.c
tests_fuzz_replay_rfc2047_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"rfc2047"'
tests_fuzz_replay_rfc2047_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/rfc2047
check_PROGRAMS += tests/fuzz/replay-addr
TESTS += tests/fuzz/replay-addr
tests_fuzz_replay_addr_SOURCES = tests/fuzz/fuzz-addr.c tests/fuzz/replay.c
tests_fuzz_replay_addr_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"addr"'
tests_fuzz_replay_addr_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/addr
check_PROGRAMS += tests/fuzz/replay-date
TESTS += tests/fuzz/replay-date
tests_fuzz_replay_date_SOURCES = tests/fuzz/fuzz-date.c tests/fuzz/replay.c
tests_fuzz_replay_date_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"date"'
tests_fuzz_replay_date_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/date
check_PROGRAMS += tests/fuzz/replay-received
TESTS += tests/fuzz/replay-received
tests_fuzz_replay_received_SOURCES = tests/fuzz/fuzz-received.c tests/fuzz/replay.c
tests_fuzz_replay_received_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"received"'
tests_fuzz_replay_received_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/received
check_PROGRAMS += tests/fuzz/replay-qp-b64
TESTS += tests/fuzz/replay-qp-b64
tests_fuzz_replay_qp_b64_SOURCES = tests/fuzz/fuzz-qp-b64.c tests/fuzz/replay.c
tests_fuzz_replay_qp_b64_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"qp-b64"'
tests_fuzz_replay_qp_b64_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/qp-b64
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-msg
tests_fuzz_fuzz_msg_SOURCES = tests/fuzz/fuzz-msg.c
tests_fuzz_fuzz_msg_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_msg_LDADD = $(WN_LIB_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-rfc2047
tests_fuzz_fuzz_rfc2047_SOURCES = tests/fuzz/fuzz-rfc2047.c
tests_fuzz_fuzz_rfc2047_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_rfc2047_LDADD = $(WN_LIB_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-addr
tests_fuzz_fuzz_addr_SOURCES = tests/fuzz/fuzz-addr.c
tests_fuzz_fuzz_addr_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_addr_LDADD = $(WN_LIB_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-date
tests_fuzz_fuzz_date_SOURCES = tests/fuzz/fuzz-date.c
tests_fuzz_fuzz_date_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_date_LDADD = $(WN_LIB_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-received
tests_fuzz_fuzz_received_SOURCES = tests/fuzz/fuzz-received.c
tests_fuzz_fuzz_received_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_received_LDADD = $(WN_LIB_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-qp-b64
tests_fuzz_fuzz_qp_b64_SOURCES = tests/fuzz/fuzz-qp-b64.c
tests_fuzz_fuzz_qp_b64_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_qp_b64_LDADD = $(WN_LIB_LIBS)
endif
