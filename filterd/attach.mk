# filterd/check_attach.c: the attachment policy (banned names and types,
# by name and by content, inside archives too, per recipient domain) and
# lib/zip.c + lib/tar.c, its bounded zip, tar and gzip readers (zlib for
# inflating). test-attach.py builds real messages with real attachments;
# test-attach asserts the exact findings, hits and actions, and the
# policy file's errors.
libwinnow_lib_a_SOURCES += lib/zip.c lib/zip.h lib/tar.c lib/tar.h
libwinnow_filterd_a_SOURCES += filterd/check_attach.c filterd/check_attach.h
WN_LIB_LIBS += $(ZLIB_LIBS)
AM_CPPFLAGS += $(ZLIB_CFLAGS)

check_PROGRAMS += tests/integration/test-attach
tests_integration_test_attach_SOURCES = tests/integration/test-attach.c
tests_integration_test_attach_LDADD = $(WN_TEST_LIBS) $(WN_LIBS_ALL)
TESTS += tests/integration/test-attach.sh
EXTRA_DIST += tests/integration/test-attach.sh tests/integration/test-attach.py

# fuzz targets: the policy file parser and the archive reader (a file
# judged as an attachment: zip directory, members, nesting)
check_PROGRAMS += tests/fuzz/replay-attach-policy tests/fuzz/replay-attach-zip
TESTS += tests/fuzz/replay-attach-policy tests/fuzz/replay-attach-zip
tests_fuzz_replay_attach_policy_SOURCES = tests/fuzz/fuzz-attach-policy.c tests/fuzz/replay.c
tests_fuzz_replay_attach_policy_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"attach-policy"'
tests_fuzz_replay_attach_policy_LDADD = $(WN_LIBS_ALL)
tests_fuzz_replay_attach_zip_SOURCES = tests/fuzz/fuzz-attach-zip.c tests/fuzz/replay.c
tests_fuzz_replay_attach_zip_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"attach-zip"'
tests_fuzz_replay_attach_zip_LDADD = $(WN_LIBS_ALL)
EXTRA_DIST += tests/fuzz/corpus/attach-policy tests/fuzz/corpus/attach-zip
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-attach-policy tests/fuzz/fuzz-attach-zip
tests_fuzz_fuzz_attach_policy_SOURCES = tests/fuzz/fuzz-attach-policy.c
tests_fuzz_fuzz_attach_policy_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_attach_policy_LDADD = $(WN_LIBS_ALL)
tests_fuzz_fuzz_attach_zip_SOURCES = tests/fuzz/fuzz-attach-zip.c
tests_fuzz_fuzz_attach_zip_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_attach_zip_LDADD = $(WN_LIBS_ALL)
endif
