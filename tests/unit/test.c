/*
 * test.c - the unit test harness (see test.h).
 */
#include "config.h"

#include "tests/unit/test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/wn.h"

static const char *test_name;
static int test_failed_now;
static unsigned int test_passed, test_failed;

void test_begin(const char *name)
{
	test_name = name;
	test_failed_now = 0;
}

void test_assert_at(int ok, const char *expr, const char *file, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL %s: %s:%d: %s\n", test_name ? test_name : "?",
			file, line, expr);
		test_failed_now = 1;
	}
}

void test_assert_str_at(const char *got, const char *want, const char *file,
			int line)
{
	int ok = (got == NULL && want == NULL) ||
		 (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!ok) {
		fprintf(stderr, "FAIL %s: %s:%d: got \"%s\", want \"%s\"\n",
			test_name ? test_name : "?", file, line,
			got ? got : "(null)", want ? want : "(null)");
		test_failed_now = 1;
	}
}

void test_assert_int_at(long long got, long long want, const char *expr,
			const char *file, int line)
{
	if (got != want) {
		fprintf(stderr, "FAIL %s: %s:%d: %s = %lld, want %lld\n",
			test_name ? test_name : "?", file, line, expr, got, want);
		test_failed_now = 1;
	}
}

void test_end(void)
{
	if (test_failed_now)
		test_failed++;
	else
		test_passed++;
	printf("%-60s %s\n", test_name ? test_name : "?", test_failed_now ? "FAIL" : "ok");
	test_name = NULL;
	test_failed_now = 0;
}

int test_exit(void)
{
	printf("%u passed, %u failed\n", test_passed, test_failed);
	return test_failed == 0 && test_passed > 0 ? 0 : 1;
}

const char *test_src_path(const char *relpath)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	if (top == NULL)
		top = WN_SRCDIR;
	snprintf(path, sizeof(path), "%s/%s", top, relpath);
	return path;
}

char *test_read_path(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = xrealloc(data, cap + 1);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	data[len] = '\0';
	*len_r = len;
	return data;
}

char *test_read_file(const char *relpath, size_t *len_r)
{
	const char *path = test_src_path(relpath);
	char *data = test_read_path(path, len_r);

	if (data == NULL) {
		fprintf(stderr, "test: cannot open %s\n", path);
		abort();
	}
	return data;
}

static char test_tmp[64];

int test_tmpdir(const char *name)
{
	snprintf(test_tmp, sizeof(test_tmp), "/tmp/wn-test-%s-XXXXXX", name);
	if (mkdtemp(test_tmp) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

const char *test_tmp_path(const char *file)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", test_tmp, file);
	return p;
}

static int test_rm_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* go on whatever failed: best effort */
}

/* The whole tree: tests leave Maildirs and folders in it. */
void test_tmpdir_remove(void)
{
	if (test_tmp[0] != '\0')
		nftw(test_tmp, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int test_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[8192];
	size_t n;
	int ret = in != NULL && out != NULL ? 0 : -1;

	while (ret == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ret = fwrite(buf, 1, n, out) == n ? 0 : -1;
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0)
		ret = -1;
	return ret;
}
