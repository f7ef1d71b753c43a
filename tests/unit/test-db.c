/*
 * test-db.c - the token store: learn/forget and the seen table, totals,
 * batched lookups past one statement's 500 hashes, expiry order and cap,
 * schema version refusal, read-only opens, per-user paths, and two
 * threads learning at once without losing a count.
 *
 * Every case works on a fresh file in a temporary directory, removed at
 * the end.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "lib/arena.h"
#include "tests/unit/test.h"

#define DAY 86400
/* A fixed "now" (2024-01-01) so expiry ages are exact. */
#define NOW ((time_t)1704067200)

static char tmpdir[] = "/tmp/wn-test-db-XXXXXX";

static const char *tpath(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static struct db *open_ok(const char *name)
{
	char *err = NULL;
	struct db *db = db_open(tpath(name), NULL, &err);

	if (db == NULL) {
		fprintf(stderr, "db_open %s: %s\n", name, err);
		free(err);
		abort();
	}
	return db;
}

static enum db_learn_result learn(struct db *db, uint64_t id, enum db_class cls,
				  const uint64_t *h, size_t n, time_t now)
{
	enum db_learn_result r = DB_NOT_LEARNED;
	const char *err = NULL;

	test_assert_int(db_learn(db, id, cls, h, n, now, &r, &err), 0);
	if (err != NULL)
		fprintf(stderr, "learn: %s\n", err);
	return r;
}

static enum db_learn_result forget(struct db *db, uint64_t id, const uint64_t *h,
				   size_t n)
{
	enum db_learn_result r = DB_LEARNED;
	const char *err = NULL;

	test_assert_int(db_forget(db, id, h, n, &r, &err), 0);
	return r;
}

static struct db_counts count_of(struct db *db, uint64_t h)
{
	struct db_counts c = { 99, 99 };
	const char *err;

	test_assert_int(db_lookup(db, &h, 1, &c, &err), 0);
	return c;
}

static struct db_totals totals_of(struct db *db)
{
	struct db_totals t = { 99, 99 };
	const char *err;

	test_assert_int(db_get_totals(db, &t, &err), 0);
	return t;
}

static uint64_t tokens_of(struct db *db)
{
	struct db_stats st;
	const char *err;

	test_assert_int(db_stats(db, &st, &err), 0);
	return st.tokens;
}

static void test_learn_forget(void)
{
	static const uint64_t toks[] = { 1, 2, 3 };
	struct db *db = open_ok("learn.db");
	enum db_class cls;
	const char *err;

	test_begin("db: fresh store is empty");
	test_assert_int(totals_of(db).spam, 0);
	test_assert_int(totals_of(db).ham, 0);
	test_assert_int(tokens_of(db), 0);
	test_assert_int(count_of(db, 1).spam, 0);
	test_end();

	test_begin("db: learn counts tokens and totals once");
	test_assert_int(learn(db, 100, DB_SPAM, toks, 3, NOW), DB_LEARNED);
	test_assert_int(totals_of(db).spam, 1);
	test_assert_int(totals_of(db).ham, 0);
	test_assert_int(count_of(db, 2).spam, 1);
	test_assert_int(count_of(db, 2).ham, 0);
	test_assert_int(count_of(db, 4).spam, 0);
	test_assert_int(learn(db, 100, DB_SPAM, toks, 3, NOW), DB_ALREADY);
	test_assert_int(totals_of(db).spam, 1);
	test_assert_int(count_of(db, 2).spam, 1);
	test_assert_int(db_seen(db, 100, &cls, &err), 0);
	test_assert_int(cls, DB_SPAM);
	test_end();

	test_begin("db: learn as the other class moves the message");
	test_assert_int(learn(db, 100, DB_HAM, toks, 3, NOW), DB_RELEARNED);
	test_assert_int(totals_of(db).spam, 0);
	test_assert_int(totals_of(db).ham, 1);
	test_assert_int(count_of(db, 3).spam, 0);
	test_assert_int(count_of(db, 3).ham, 1);
	test_assert_int(db_seen(db, 100, &cls, &err), 0);
	test_assert_int(cls, DB_HAM);
	test_end();

	test_begin("db: forget undoes, twice is not learned");
	test_assert_int(forget(db, 100, toks, 3), DB_FORGOTTEN);
	test_assert_int(totals_of(db).ham, 0);
	test_assert_int(count_of(db, 1).ham, 0);
	test_assert_int(tokens_of(db), 0);
	test_assert_int(forget(db, 100, toks, 3), DB_NOT_LEARNED);
	test_assert_int(db_seen(db, 100, &cls, &err), 0);
	test_assert_int(cls, DB_NONE);
	test_end();

	test_begin("db: shared tokens, duplicates count once, forget keeps others");
	{
		static const uint64_t a[] = { 7, 7, 8, 7 }, b[] = { 8, 9 };
		test_assert_int(learn(db, 200, DB_SPAM, a, 4, NOW), DB_LEARNED);
		test_assert_int(learn(db, 201, DB_HAM, b, 2, NOW), DB_LEARNED);
		test_assert_int(count_of(db, 7).spam, 1);
		test_assert_int(count_of(db, 8).spam, 1);
		test_assert_int(count_of(db, 8).ham, 1);
		test_assert_int(forget(db, 200, a, 4), DB_FORGOTTEN);
		test_assert_int(count_of(db, 7).spam, 0);
		test_assert_int(count_of(db, 8).spam, 0);
		test_assert_int(count_of(db, 8).ham, 1);
		test_assert_int(tokens_of(db), 2);
	}
	test_end();

	test_begin("db: a message with no tokens is still seen");
	test_assert_int(learn(db, 300, DB_SPAM, NULL, 0, NOW), DB_LEARNED);
	test_assert_int(learn(db, 300, DB_SPAM, NULL, 0, NOW), DB_ALREADY);
	test_assert_int(totals_of(db).spam, 1);
	test_end();
	db_close(&db);
	test_assert(db == NULL);
}

/* A spread of hashes, some above INT64_MAX (stored as negative keys). */
static uint64_t big_hash(size_t i)
{
	return (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;
}

static void test_lookup_batches(void)
{
	enum { N = 1300, EXTRA = 300 };
	struct db *db = open_ok("lookup.db");
	uint64_t *learned = malloc(N * sizeof(*learned));
	uint64_t *ask = malloc((N + EXTRA) * sizeof(*ask));
	struct db_counts *c = malloc((N + EXTRA) * sizeof(*c));
	const char *err;
	size_t i, bad = 0;

	test_begin("db: batched lookup of 1600 hashes (chunks, duplicates, unknown)");
	for (i = 0; i < N; i++)
		learned[i] = big_hash(i);
	test_assert_int(learn(db, 1, DB_SPAM, learned, N, NOW), DB_LEARNED);
	test_assert_int(learn(db, 2, DB_SPAM, learned, N / 2, NOW), DB_LEARNED);
	test_assert_int(learn(db, 3, DB_HAM, learned + N / 2, N / 2, NOW), DB_LEARNED);
	/* reversed, then unknown hashes and repeats of known ones */
	for (i = 0; i < N; i++)
		ask[i] = learned[N - 1 - i];
	for (i = 0; i < EXTRA; i++)
		ask[N + i] = i % 2 ? big_hash(N + i) : learned[i * 3];
	test_assert_int(db_lookup(db, ask, N + EXTRA, c, &err), 0);
	for (i = 0; i < N + EXTRA; i++) {
		size_t k = i < N ? N - 1 - i : (i - N) % 2 ? (size_t)-1 : (i - N) * 3;
		uint32_t spam = k == (size_t)-1 ? 0 : k < N / 2 ? 2 : 1;
		uint32_t ham = k == (size_t)-1 || k < N / 2 ? 0 : 1;
		bad += c[i].spam != spam || c[i].ham != ham;
	}
	test_assert_int(bad, 0);
	test_assert_int(tokens_of(db), N);
	test_end();

	test_begin("db: lookup at every chunk size boundary");
	{
		static const size_t sizes[] = { 1, 2, 7, 8, 9, 31, 32, 33, 127, 128, 129,
						499, 500, 501, 502, 1000, 1001 };
		size_t k;
		for (k = 0; k < N_ELEMENTS(sizes); k++) {
			size_t n = sizes[k];
			memset(c, 0xff, n * sizeof(*c));
			test_assert_int(db_lookup(db, learned, n, c, &err), 0);
			test_assert_int(c[n - 1].spam, n - 1 < N / 2 ? 2 : 1);
			test_assert_int(c[n - 1].ham, n - 1 < N / 2 ? 0 : 1);
			test_assert_int(c[0].spam, 2);
		}
	}
	test_end();
	free(learned);
	free(ask);
	free(c);
	db_close(&db);
}

static uint64_t count_present(struct db *db, uint64_t base, size_t n)
{
	struct db_counts c;
	uint64_t present = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		c = count_of(db, base + i);
		present += c.spam + c.ham > 0;
	}
	return present;
}

static void test_expire(void)
{
	struct db *db = open_ok("expire.db");
	struct db_expire_params p;
	struct db_expire_result r;
	uint64_t rare[100], common[100], fresh[100];
	const char *err;
	size_t i;

	for (i = 0; i < 100; i++) {
		rare[i] = 1000 + i;   /* one message, 100 days ago */
		common[i] = 2000 + i; /* two messages, 100 and 60 days ago */
		fresh[i] = 3000 + i;  /* one message, today */
	}
	/* the older half of "common" last seen 100 days ago, the rest 60 */
	learn(db, 1, DB_SPAM, rare, 100, NOW - 100 * DAY);
	learn(db, 2, DB_SPAM, common, 100, NOW - 100 * DAY);
	learn(db, 3, DB_HAM, common + 50, 50, NOW - 60 * DAY);
	learn(db, 4, DB_HAM, common, 50, NOW - 100 * DAY);
	learn(db, 5, DB_HAM, fresh, 100, NOW);

	test_begin("db: expire drops rare old tokens first, under the cap");
	db_expire_params_default(&p);
	p.now = NOW;
	p.max_tokens = 1000;
	test_assert_int(db_expire(db, &p, &r, &err), 0);
	test_assert_int(r.removed_rare, 100);
	test_assert_int(r.removed_old, 0);
	test_assert_int(r.tokens_left, 200);
	test_assert_int(count_present(db, 1000, 100), 0);
	test_assert_int(count_present(db, 2000, 100), 100);
	test_assert_int(count_present(db, 3000, 100), 100);
	test_end();

	test_begin("db: expire over the cap drops the least recently seen");
	p.max_tokens = 160;
	p.target_tokens = 150;
	test_assert_int(db_expire(db, &p, &r, &err), 0);
	test_assert_int(r.removed_rare, 0);
	test_assert_int(r.removed_old, 50);
	test_assert_int(r.tokens_left, 150);
	test_assert_int(tokens_of(db), 150);
	test_assert_int(count_present(db, 2000, 50), 0);  /* 100 days */
	test_assert_int(count_present(db, 2050, 50), 50); /* 60 days */
	test_assert_int(count_present(db, 3000, 100), 100);
	test_assert_int(totals_of(db).ham, 3);
	test_end();

	test_begin("db: expire under the cap and nothing rare changes nothing");
	p.max_tokens = 150;
	test_assert_int(db_expire(db, &p, &r, &err), 0);
	test_assert_int(r.removed_rare + r.removed_old, 0);
	test_assert_int(tokens_of(db), 150);
	test_end();
	db_close(&db);
}

/* Sets the SQLite header's user_version (offset 60, big-endian). */
static void patch_version(const char *path, unsigned int v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	FILE *f = fopen(path, "r+b");

	test_assert(f != NULL);
	if (f == NULL)
		return;
	fseek(f, 60, SEEK_SET);
	fwrite(b, 1, 4, f);
	fclose(f);
}

static void test_schema(void)
{
	struct db_options o;
	struct db *db;
	struct db_stats st;
	enum db_learn_result r;
	const char *err;
	char *oerr = NULL;
	uint64_t h = 5;
	FILE *f;

	test_begin("db: schema version recorded, reopen keeps data");
	db = open_ok("schema.db");
	learn(db, 1, DB_SPAM, &h, 1, NOW);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.schema_version, DB_SCHEMA_VERSION);
	test_assert_str(st.backend, "sqlite");
	test_assert(st.file_bytes > 0);
	test_assert_int(st.newest_day, NOW / DAY);
	test_assert_int(st.seen, 1);
	db_close(&db);
	db = open_ok("schema.db");
	test_assert_int(count_of(db, 5).spam, 1);
	db_close(&db);
	test_end();

	test_begin("db: read-only open reads, refuses writes");
	db_options_default(&o);
	o.read_only = 1;
	db = db_open(tpath("schema.db"), &o, &oerr);
	test_assert(db != NULL);
	if (db != NULL) {
		test_assert_int(count_of(db, 5).spam, 1);
		test_assert_int(db_learn(db, 2, DB_HAM, &h, 1, NOW, &r, &err), -1);
		test_assert(strstr(err, "schema.db") != NULL);
		db_close(&db);
	}
	test_end();

	test_begin("db: a newer schema version is refused");
	patch_version(tpath("schema.db"), DB_SCHEMA_VERSION + 1);
	db = db_open(tpath("schema.db"), NULL, &oerr);
	test_assert(db == NULL);
	test_assert(oerr != NULL && strstr(oerr, "newer than this build") != NULL);
	free(oerr);
	oerr = NULL;
	test_end();

	test_begin("db: not a database, missing directory");
	f = fopen(tpath("junk.db"), "w");
	fputs("this is not an SQLite file, but long enough to have a header........"
	      "................................................................", f);
	fclose(f);
	db = db_open(tpath("junk.db"), NULL, &oerr);
	test_assert(db == NULL && oerr != NULL);
	free(oerr);
	oerr = NULL;
	db = db_open(tpath("no/such/dir.db"), NULL, &oerr);
	test_assert(db == NULL && oerr != NULL && strstr(oerr, "no/such/dir.db") != NULL);
	free(oerr);
	test_end();
}

static void test_path_user(void)
{
	struct arena *a = arena_new(0);
	char longname[300];

	test_begin("db: per-user path substitution");
	test_assert_str(db_path_user(a, "/var/db/%u/bayes.db", "Jo.Smith@Example.COM"),
			"/var/db/jo.smith@example.com/bayes.db");
	test_assert_str(db_path_user(a, "/d/%u.db", "../../etc/passwd"), "/d/_._.._etc_passwd.db");
	test_assert_str(db_path_user(a, "/d/%u.db", ""), "/d/_.db");
	test_assert_str(db_path_user(a, "/d/100%%/%u-%u", "a b"), "/d/100%/a_b-a_b");
	test_assert_str(db_path_user(a, "/d/bayes.db", "x"), "/d/bayes.db");
	test_assert_str(db_path_user(a, "%", "x"), "%");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	test_assert_int(strlen(db_path_user(a, "%u", longname)), 128);
	test_end();
	arena_free(&a);
}

/* ---- two writers and a reader on one store ---- */

#define THREAD_MSGS 150
#define POOL 100
#define PER_MSG 40

struct worker {
	int id;
	int failures;
	const char *file;
	const struct db_options *opt; /* NULL: defaults */
};

static void *writer(void *arg)
{
	struct worker *w = arg;
	char *oerr = NULL;
	struct db *db = db_open(tpath(w->file), w->opt, &oerr);
	uint64_t toks[PER_MSG];
	enum db_learn_result r;
	const char *err;
	int m, k;

	if (db == NULL) {
		fprintf(stderr, "writer %d: %s\n", w->id, oerr);
		free(oerr);
		w->failures++;
		return NULL;
	}
	for (m = 0; m < THREAD_MSGS; m++) {
		for (k = 0; k < PER_MSG; k++)
			toks[k] = 1 + (uint64_t)((m * 7 + k * 13 + w->id) % POOL) * 0x100000001ULL;
		if (db_learn(db, (uint64_t)w->id << 32 | (uint64_t)m, DB_SPAM, toks, PER_MSG,
			     NOW, &r, &err) < 0 || r != DB_LEARNED) {
			fprintf(stderr, "writer %d: %s\n", w->id, err);
			w->failures++;
		}
	}
	db_close(&db);
	return NULL;
}

static void *reader(void *arg)
{
	struct worker *w = arg;
	struct db *db = open_ok("threads.db");
	uint64_t toks[POOL];
	struct db_counts c[POOL];
	const char *err;
	int i;

	for (i = 0; i < POOL; i++)
		toks[i] = 1 + (uint64_t)i * 0x100000001ULL;
	for (i = 0; i < 200; i++) {
		if (db_lookup(db, toks, POOL, c, &err) < 0) {
			fprintf(stderr, "reader: %s\n", err);
			w->failures++;
		}
	}
	db_close(&db);
	return NULL;
}

/* Sum of all pool tokens' spam counts in file. */
static uint64_t pool_sum(const char *file)
{
	uint64_t toks[POOL], sum = 0;
	struct db_counts c[POOL];
	struct db *db = open_ok(file);
	const char *err;
	int i;

	test_assert_int(totals_of(db).spam, 2 * THREAD_MSGS);
	for (i = 0; i < POOL; i++)
		toks[i] = 1 + (uint64_t)i * 0x100000001ULL;
	test_assert_int(db_lookup(db, toks, POOL, c, &err), 0);
	for (i = 0; i < POOL; i++)
		sum += c[i].spam;
	db_close(&db);
	return sum;
}

static void test_threads(void)
{
	struct worker w[3] = { { 1, 0, "threads.db", NULL }, { 2, 0, "threads.db", NULL },
			       { 3, 0, "threads.db", NULL } };
	struct db_options o;
	struct db *db;
	pthread_t th[3];
	int i;

	test_begin("db: two writers and a reader at once lose no count");
	/* all three open the fresh file at once: creation races too */
	pthread_create(&th[0], NULL, writer, &w[0]);
	pthread_create(&th[1], NULL, writer, &w[1]);
	pthread_create(&th[2], NULL, reader, &w[2]);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	test_assert_int(w[0].failures + w[1].failures + w[2].failures, 0);
	test_assert_int(pool_sum("threads.db"), 2 * THREAD_MSGS * PER_MSG);
	test_end();

	test_begin("db: with no busy wait, retries alone keep writers correct");
	db_options_default(&o);
	o.busy_timeout_ms = 0;
	o.busy_retries = 1000;
	w[0].file = w[1].file = "retry.db";
	w[0].opt = w[1].opt = &o;
	w[0].failures = w[1].failures = 0;
	/* created first: opening is not what this is about */
	db = open_ok("retry.db");
	db_close(&db);
	pthread_create(&th[0], NULL, writer, &w[0]);
	pthread_create(&th[1], NULL, writer, &w[1]);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	test_assert_int(w[0].failures + w[1].failures, 0);
	test_assert_int(pool_sum("retry.db"), 2 * THREAD_MSGS * PER_MSG);
	test_end();
}

static void cleanup(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			unlink(tpath(e->d_name));
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_learn_forget();
	test_lookup_batches();
	test_expire();
	test_schema();
	test_path_user();
	test_threads();
	cleanup();
	return test_exit();
}
