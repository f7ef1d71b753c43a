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
