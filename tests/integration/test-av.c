/*
 * test-av.c - filterd/check_av.c against real libclamav. Run by
 * test-av.sh as `test-av DIR [CORPUS_FILE...]`: DIR holds the signature
 * database (DIR/db), an empty directory (DIR/empty) and the messages
 * test-av.py made. Every result is asserted exactly; load time, RSS and
 * scan times are printed for the record. Corpus files, when given, must
 * all scan clean; their scan times are printed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filterd/check_av.h"
#include "lib/limits.h"
#include "tests/unit/test.h"

#define EICAR_SIG "Test.EICAR-NDB.UNOFFICIAL"
#define CLAMEXE_SIG "Test.ClamExe-HDB.UNOFFICIAL"

static const char *dir;

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void default_conf(struct chk_av_conf *conf, const char *db)
{
	conf->db_dir = db;
	conf->max_filesize = WN_AV_MAX_FILESIZE;
	conf->max_scansize = WN_AV_MAX_SCANSIZE;
	conf->max_recursion = WN_AV_MAX_RECURSION;
	conf->max_files = WN_AV_MAX_FILES;
	conf->max_scantime_ms = WN_AV_MAX_SCANTIME_MS;
}

static struct chk_av *load(const struct chk_av_conf *conf)
{
	char *err = NULL;
	struct chk_av *e = chk_av_load(conf, &err);

	if (e == NULL) {
		fprintf(stderr, "chk_av_load: %s\n", err);
		exit(1);
	}
	return e;
}

/* Scans DIR/<name>.eml; 0 if the file is not there (optional cases). */
static int scan_case(const struct chk_av *e, const char *name, struct chk_av_result *res)
{
	char path[1024];
	size_t len;
	char *raw;

	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	if ((raw = test_read_path(path, &len)) == NULL)
		return 0;
	chk_av_scan(e, raw, len, res);
	printf("  %-14s %7zu bytes  %-6s %-28s %s  %u ms\n", name, len,
	       chk_av_status_name(res->status), res->name, res->reason, res->elapsed_ms);
	free(raw);
	return 1;
}

static void expect(const struct chk_av *e, const char *name, enum chk_av_status st,
		   const char *sig)
{
	struct chk_av_result res;

	test_begin(name);
	test_assert(scan_case(e, name, &res));
	test_assert_str(chk_av_status_name(res.status), chk_av_status_name(st));
	test_assert_str(res.name, sig);
	if (st != CHK_AV_ERROR)
		test_assert_str(res.reason, "");
	test_end();
}

static void test_load_errors(void)
{
	struct chk_av_conf conf;
	char path[1024];
	char *err = NULL;

	test_begin("load: missing directory");
	snprintf(path, sizeof(path), "%s/no-such-dir", dir);
	default_conf(&conf, path);
	test_assert(chk_av_load(&conf, &err) == NULL);
	test_assert(err != NULL && strstr(err, path) != NULL);
	test_assert(err != NULL && strstr(err, "No such file or directory") != NULL);
	printf("  %s\n", err);
	free(err);
	test_end();

	test_begin("load: empty directory");
	snprintf(path, sizeof(path), "%s/empty", dir);
	default_conf(&conf, path);
	err = NULL;
	test_assert(chk_av_load(&conf, &err) == NULL);
	test_assert(err != NULL && strstr(err, path) != NULL);
	test_assert(err != NULL && strstr(err, "no signature database found") != NULL);
	printf("  %s\n", err);
	free(err);
	test_end();

	test_begin("load: a file, not a directory");
	snprintf(path, sizeof(path), "%s/clean.eml", dir);
	default_conf(&conf, path);
	err = NULL;
	test_assert(chk_av_load(&conf, &err) == NULL);
	test_assert(err != NULL && strstr(err, "not a directory") != NULL);
	free(err);
	test_end();
}

static void test_messages(const struct chk_av *e, int have_testfiles)
{
	struct chk_av_result res;

	expect(e, "eicar-inline", CHK_AV_VIRUS, EICAR_SIG);
	expect(e, "eicar-base64", CHK_AV_VIRUS, EICAR_SIG);
	expect(e, "eicar-zip", CHK_AV_VIRUS, EICAR_SIG);
	expect(e, "eicar-rfc822", CHK_AV_VIRUS, EICAR_SIG);
	expect(e, "shallow-zip", CHK_AV_VIRUS, EICAR_SIG);
	expect(e, "clean", CHK_AV_CLEAN, "");
	/* cut inside EICAR: no whole signature left; cut after it: found */
	expect(e, "trunc-mid", CHK_AV_CLEAN, "");
	expect(e, "trunc-after", CHK_AV_VIRUS, EICAR_SIG);
	if (have_testfiles) {
		expect(e, "clamexe", CHK_AV_VIRUS, CLAMEXE_SIG);
		expect(e, "clamzip", CHK_AV_VIRUS, CLAMEXE_SIG);
	}

	test_begin("empty message");
	test_assert_int(chk_av_scan(e, "", 0, &res), CHK_AV_CLEAN);
	test_end();
}

/* Bombs end as limit errors, fast, never as clean. */
static void expect_limit(const struct chk_av *e, const char *name, const char *what)
{
	struct chk_av_result res;

	test_begin(name);
	test_assert(scan_case(e, name, &res));
	test_assert_str(chk_av_status_name(res.status), "error");
	test_assert_int(res.error, CHK_AV_ERR_LIMITS);
	test_assert(strstr(res.reason, what) != NULL);
	test_assert(res.elapsed_ms < 10000);
	test_end();
}

static void test_limits(const struct chk_av *e)
{
	struct chk_av_conf conf;
	struct chk_av *small;
	struct chk_av_result res;
	char db[1024];

	expect_limit(e, "zip-bomb", "over av_max_filesize was scanned in part");
	expect_limit(e, "deep-zip", "Heuristics.Limits.Exceeded.MaxRecursion");
	expect_limit(e, "deep-rfc822", "Heuristics.Limits.Exceeded.MaxRecursion");

	/* the message itself over av_max_filesize */
	snprintf(db, sizeof(db), "%s/db", dir);
	default_conf(&conf, db);
	conf.max_filesize = 512; /* eicar-zip.eml is about 800 bytes */
	small = load(&conf);
	test_begin("message over av_max_filesize");
	test_assert(scan_case(small, "eicar-zip", &res));
	test_assert_str(chk_av_status_name(res.status), "error");
	test_assert_str(res.reason, "limits exceeded: message over av_max_filesize");
	test_end();
	chk_av_unref(&small);
	test_assert(small == NULL);

	default_conf(&conf, db);
	conf.max_scantime_ms = 1;
	conf.max_scansize = (size_t)1024 * 1024 * 1024;
	conf.max_filesize = (size_t)1024 * 1024 * 1024;
	small = load(&conf);
	test_begin("av_max_scantime 1 ms on a zip bomb");
	test_assert(scan_case(small, "zip-bomb", &res));
	test_assert_str(chk_av_status_name(res.status), "error");
	test_assert(res.error == CHK_AV_ERR_TIMEOUT || res.error == CHK_AV_ERR_LIMITS);
	test_assert(strstr(res.reason, "ScanTime") != NULL || strstr(res.reason, "scan time") != NULL);
	test_assert(res.elapsed_ms < 5000);
	test_end();
	chk_av_unref(&small);
}

/* Scan threads keep scanning while the engine is swapped under them. */
struct reload_job {
	struct chk_av_slot *slot;
	const char *raw;
	size_t len;
	int bad;
	int scans;
};

static void *reload_scanner(void *arg)
{
	struct reload_job *j = arg;
	int i;

	for (i = 0; i < 40; i++) {
		struct chk_av *e = chk_av_slot_get(j->slot);
		struct chk_av_result res;

		if (e == NULL || chk_av_scan(e, j->raw, j->len, &res) != CHK_AV_VIRUS ||
		    strcmp(res.name, EICAR_SIG) != 0)
			j->bad++;
		j->scans++;
		chk_av_unref(&e);
	}
	return NULL;
}

static void test_reload(const struct chk_av_conf *conf)
{
	struct chk_av_slot slot;
	struct reload_job jobs[4];
	pthread_t th[4];
	char path[1024];
	size_t len, i;
	char *raw;
	int swaps;

	snprintf(path, sizeof(path), "%s/eicar-base64.eml", dir);
	raw = test_read_path(path, &len);
	test_begin("reload while scanning");
	chk_av_slot_init(&slot, load(conf));
	for (i = 0; i < 4; i++) {
		jobs[i] = (struct reload_job){ &slot, raw, len, 0, 0 };
		pthread_create(&th[i], NULL, reload_scanner, &jobs[i]);
	}
	for (swaps = 0; swaps < 5; swaps++)
		chk_av_slot_swap(&slot, load(conf));
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		test_assert_int(jobs[i].bad, 0);
		test_assert_int(jobs[i].scans, 40);
	}
	chk_av_slot_free(&slot);
	test_assert(slot.cur == NULL);
	test_end();
	free(raw);
}

static void corpus(const struct chk_av *e, int argc, char **argv)
{
	unsigned int total = 0, n = 0;
	int i;

	if (argc <= 0)
		return;
	test_begin("corpus messages scan clean");
	for (i = 0; i < argc; i++) {
		struct chk_av_result res;
		size_t len;
		char *raw = test_read_path(argv[i], &len);

		if (raw == NULL)
			continue;
		chk_av_scan(e, raw, len, &res);
		test_assert_str(chk_av_status_name(res.status), "clean");
		printf("  %s: %zu bytes, %u ms, %lu scanned\n", argv[i], len, res.elapsed_ms,
		       res.scanned_bytes);
		total += res.elapsed_ms, n++;
		free(raw);
	}
	if (n > 0)
		printf("  corpus: %u messages, %u ms in all\n", n, total);
	test_end();
}

int main(int argc, char **argv)
{
	struct chk_av_conf conf;
	struct chk_av *e;
	char db[1024], hdb[1100];
	long before, after;
	int have_testfiles;

	if (argc < 2) {
		fprintf(stderr, "usage: test-av DIR [CORPUS_FILE...]\n");
		return 2;
	}
	dir = argv[1];
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(hdb, sizeof(hdb), "%s/test.hdb", db);
	have_testfiles = access(hdb, R_OK) == 0;

	test_load_errors();

	default_conf(&conf, db);
	before = rss_kb();
	e = load(&conf);
	after = rss_kb();
	printf("  engine: %u signatures, loaded and compiled in %u ms, RSS %ld -> %ld kB\n",
	       chk_av_signatures(e), chk_av_load_ms(e), before, after);
	test_begin("load");
	test_assert_int(chk_av_signatures(e), have_testfiles ? 2 : 1);
	test_end();

	test_messages(e, have_testfiles);
	test_limits(e);
	test_reload(&conf);
	corpus(e, argc - 2, argv + 2);
	chk_av_unref(&e);
	return test_exit();
}
