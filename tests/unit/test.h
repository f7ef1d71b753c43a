/*
 * test.h - the tiny unit test harness: test_begin/test_assert/test_end.
 *
 * Each test program calls test_begin("name") per case and test_assert
 * for each check; test_exit() prints "N passed, N failed" and returns
 * the exit status automake expects (0 ok, 1 failure).
 */
#ifndef TEST_H
#define TEST_H

#include <stddef.h>

void test_begin(const char *name);
#define test_assert(expr) test_assert_at((expr), #expr, __FILE__, __LINE__)
#define test_assert_str(got, want) test_assert_str_at((got), (want), __FILE__, __LINE__)
#define test_assert_int(got, want) test_assert_int_at((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
void test_assert_at(int ok, const char *expr, const char *file, int line);
void test_assert_str_at(const char *got, const char *want, const char *file, int line);
void test_assert_int_at(long long got, long long want, const char *expr, const char *file, int line);
void test_end(void);
int test_exit(void);

/* Reads a whole file (test data) into malloc'd memory; aborts if missing.
   Paths relative to the source tree's top (env top_srcdir, or WN_SRCDIR). */
char *test_read_file(const char *relpath, size_t *len_r);
/* The same for any path; NULL (nothing said) when it cannot be opened. */
char *test_read_path(const char *path, size_t *len_r);
/* Copies file from to to (created or truncated): 0, or -1. */
int test_copy_file(const char *from, const char *to);
/* Absolute path of a file in the source tree (static buffer). */
const char *test_src_path(const char *relpath);

/* A private directory for the test's files: /tmp/wn-test-NAME-XXXXXX.
   Returns 0, or -1 (said on stderr). */
int test_tmpdir(const char *name);
/* The path of a file in it (static buffer, overwritten by the next call). */
const char *test_tmp_path(const char *file);
/* Removes it and the files in it. */
void test_tmpdir_remove(void);

#endif
