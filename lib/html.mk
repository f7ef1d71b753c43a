# lib/ HTML rendering and URI extraction.
libwinnow_lib_a_SOURCES += lib/html.h lib/uri.h \
	lib/html.c lib/html_entities.c lib/uri.c

check_PROGRAMS += tests/unit/test-html
TESTS += tests/unit/test-html
tests_unit_test_html_SOURCES = tests/unit/test-html.c
tests_unit_test_html_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)
EXTRA_DIST += tests/data/html

check_PROGRAMS += tests/unit/test-uri
TESTS += tests/unit/test-uri
tests_unit_test_uri_SOURCES = tests/unit/test-uri.c
tests_unit_test_uri_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)

check_PROGRAMS += tests/fuzz/replay-html tests/fuzz/replay-uri
TESTS += tests/fuzz/replay-html tests/fuzz/replay-uri
tests_fuzz_replay_html_SOURCES = tests/fuzz/fuzz-html.c tests/fuzz/replay.c
tests_fuzz_replay_html_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"html"'
tests_fuzz_replay_html_LDADD = $(WN_LIB_LIBS)
tests_fuzz_replay_uri_SOURCES = tests/fuzz/fuzz-uri.c tests/fuzz/replay.c
tests_fuzz_replay_uri_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"uri"'
tests_fuzz_replay_uri_LDADD = $(WN_LIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus/html tests/fuzz/corpus/uri
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-html tests/fuzz/fuzz-uri
tests_fuzz_fuzz_html_SOURCES = tests/fuzz/fuzz-html.c
tests_fuzz_fuzz_html_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_html_LDADD = $(WN_LIB_LIBS)
tests_fuzz_fuzz_uri_SOURCES = tests/fuzz/fuzz-uri.c
tests_fuzz_fuzz_uri_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_uri_LDADD = $(WN_LIB_LIBS)
endif
