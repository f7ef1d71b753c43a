# lib/ HTML rendering and URI extraction.
libwinnow_lib_a_SOURCES += lib/html.h lib/uri.h \
	lib/html.c lib/html_entities.c lib/uri.c

check_PROGRAMS += tests/unit/test-html
TESTS += tests/unit/test-html
tests_unit_test_html_SOURCES = tests/unit/test-html.c
tests_unit_test_html_LDADD = $(WN_TEST_LIBS) $(WN_LIB_LIBS)
EXTRA_DIST += tests/data/html
