# filterd/check_av.c: virus scanning in process with libclamav. Its test
# builds a private signature database at test time (EICAR as an .ndb
# signature, hashes of Debian's clamav-testfiles as .hdb) and scans
# messages made by test-av.py: EICAR inline, base64, zipped, in an
# attached message, clean mail, a zip bomb, deep nesting, truncation.
libwinnow_filterd_a_SOURCES += filterd/check_av.c filterd/check_av.h \
	filterd/scan_av.c filterd/scan_av.h
WN_LIBS_ALL += $(CLAMAV_LIBS)
AM_CPPFLAGS += $(CLAMAV_CFLAGS)

check_PROGRAMS += tests/integration/test-av
tests_integration_test_av_SOURCES = tests/integration/test-av.c
tests_integration_test_av_LDADD = $(WN_TEST_LIBS) libwinnow-filterd.a \
	$(WN_LIB_LIBS) $(CLAMAV_LIBS) $(PTHREAD_LIBS)
TESTS += tests/integration/test-av.sh
EXTRA_DIST += tests/integration/test-av.sh tests/integration/test-av.py

# The whole of issue 6 through a real Postfix: viruses refused or
# quarantined, release byte-identical, digest and token, expiry, bad
# input, clamd down and a real clamd, the attachment policy.
TESTS += tests/integration/test-postfix-av.sh
EXTRA_DIST += tests/integration/test-postfix-av.sh tests/integration/test-postfix-av.py
