/*
 * test-db.c - the token store: learn/forget and the seen table, totals,
 * batched lookups past one statement's 500 hashes, expiry order and cap,
 * schema version refusal, read-only opens, per-user paths, and two
 * threads learning at once without losing a count. Batches: the same
 * counts, results and seen table as learning one message at a time on a
 * random workload (duplicates, relearns, forgets, tokens never stored),
 * the automatic commits, failures, and another writer waiting for one.
 * The read cache: other connections' and our own writes show at once,
 * and its bound.
 *
 * Every case works on a fresh file in a temporary directory, removed at
 * the end.
 */
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

static struct db *open_ok(const char *name)
{
	char *err = NULL;
	struct db *db = db_open(test_tmp_path(name), NULL, &err);

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

	test_begin("db: expire forgets seen rows older than seen_days, keeps the rest");
	{
		enum db_class cls;
		p.seen_days = 80; /* messages 1, 2 and 4 were learned 100 days ago */
		test_assert_int(db_expire(db, &p, &r, &err), 0);
		test_assert_int(r.removed_seen, 3);
		test_assert_int(r.removed_rare + r.removed_old, 0);
		test_assert_int(db_seen(db, 1, &cls, &err), 0);
		test_assert_int(cls, DB_NONE);
		test_assert_int(db_seen(db, 3, &cls, &err), 0); /* 60 days */
		test_assert_int(cls, DB_HAM);
		test_assert_int(db_seen(db, 5, &cls, &err), 0);
		test_assert_int(cls, DB_HAM);
		test_assert_int(totals_of(db).ham, 3); /* counts stay */
		p.seen_days = 0;
		test_assert_int(db_expire(db, &p, &r, &err), 0);
		test_assert_int(r.removed_seen, 0);
	}
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
	db = db_open(test_tmp_path("schema.db"), &o, &oerr);
	test_assert(db != NULL);
	if (db != NULL) {
		test_assert_int(count_of(db, 5).spam, 1);
		test_assert_int(db_learn(db, 2, DB_HAM, &h, 1, NOW, &r, &err), -1);
		test_assert(strstr(err, "schema.db") != NULL);
		db_close(&db);
	}
	test_end();

	test_begin("db: a newer schema version is refused");
	patch_version(test_tmp_path("schema.db"), DB_SCHEMA_VERSION + 1);
	db = db_open(test_tmp_path("schema.db"), NULL, &oerr);
	test_assert(db == NULL);
	test_assert(oerr != NULL && strstr(oerr, "newer than this build") != NULL);
	free(oerr);
	oerr = NULL;
	test_end();

	test_begin("db: not a database, missing directory");
	f = fopen(test_tmp_path("junk.db"), "w");
	fputs("this is not an SQLite file, but long enough to have a header........"
	      "................................................................", f);
	fclose(f);
	db = db_open(test_tmp_path("junk.db"), NULL, &oerr);
	test_assert(db == NULL && oerr != NULL);
	free(oerr);
	oerr = NULL;
	db = db_open(test_tmp_path("no/such/dir.db"), NULL, &oerr);
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
	struct db *db = db_open(test_tmp_path(w->file), w->opt, &oerr);
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

/* ---- batches ---- */

/* A fixed sequence, so a failure can be replayed. */
static uint64_t rng_state = 42;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33) % n;
}

#define EQ_POOL 300
#define EQ_IDS 60
#define EQ_TOKS 40

/* Token i of the pool: 0, small and sign-bit hashes all occur. */
static uint64_t pool_hash(uint32_t i)
{
	return i == 0 ? 0 : i % 3 ? big_hash(i) : i;
}

/* A message's tokens: mostly its own set (so relearn and forget undo
   the learn), sometimes others (tokens never stored: the clamp at
   zero), with repeats. */
static size_t eq_tokens(uint32_t id, uint64_t *toks)
{
	size_t n = EQ_TOKS / 2 + id % (EQ_TOKS / 2), i;
	int other = rnd(5) == 0;

	for (i = 0; i < n; i++)
		toks[i] = pool_hash(other ? rnd(EQ_POOL) : (id * 37 + i * 11) % EQ_POOL);
	if (n > 2)
		toks[n - 1] = toks[0];
	return n;
}

/* One random op on both stores; 0 if they agree. */
static int eq_op(struct db *one, struct db *batch)
{
	uint64_t toks[EQ_TOKS];
	uint32_t id = 1 + rnd(EQ_IDS), op = rnd(4);
	size_t n = eq_tokens(id, toks);
	enum db_learn_result r1, r2;
	const char *err = NULL;
	int rc1, rc2;

	if (op == 3) {
		rc1 = db_forget(one, id, toks, n, &r1, &err);
		rc2 = db_forget(batch, id, toks, n, &r2, &err);
	} else {
		enum db_class cls = op == 0 ? DB_HAM : DB_SPAM;
		rc1 = db_learn(one, id, cls, toks, n, NOW, &r1, &err);
		rc2 = db_learn(batch, id, cls, toks, n, NOW, &r2, &err);
	}
	if (rc1 < 0 || rc2 < 0)
		fprintf(stderr, "eq_op: %s\n", err);
	return rc1 != 0 || rc2 != 0 || r1 != r2;
}

/* Number of differences between the two stores as their calls see them
   (counts of every pool token, totals, seen table). */
static size_t eq_diff(struct db *a, struct db *b)
{
	uint64_t toks[EQ_POOL];
	struct db_counts ca[EQ_POOL], cb[EQ_POOL];
	struct db_totals ta = totals_of(a), tb = totals_of(b);
	enum db_class sa, sb;
	const char *err;
	size_t bad = 0, i;

	for (i = 0; i < EQ_POOL; i++)
		toks[i] = pool_hash((uint32_t)i);
	test_assert_int(db_lookup(a, toks, EQ_POOL, ca, &err), 0);
	test_assert_int(db_lookup(b, toks, EQ_POOL, cb, &err), 0);
	for (i = 0; i < EQ_POOL; i++)
		bad += ca[i].spam != cb[i].spam || ca[i].ham != cb[i].ham;
	bad += ta.spam != tb.spam || ta.ham != tb.ham;
	for (i = 1; i <= EQ_IDS; i++) {
		test_assert_int(db_seen(a, i, &sa, &err), 0);
		test_assert_int(db_seen(b, i, &sb, &err), 0);
		bad += sa != sb;
	}
	return bad;
}

static void test_batch_equal(void)
{
	struct db *one = open_ok("eq-one.db"), *batch = open_ok("eq-batch.db");
	const struct db_batch_stats *st;
	struct db_stats s1, s2;
	const char *err;
	size_t bad = 0, i, k;

	/* the same history in both, one message at a time */
	for (i = 0; i < 200; i++)
		bad += eq_op(one, batch);

	test_begin("db: a batch gives the results and counts of single learns");
	for (k = 0; k < 3; k++) {
		test_assert_int(db_batch_begin(batch, &err), 0);
		for (i = 0; i < 300; i++) {
			bad += eq_op(one, batch);
			/* reads inside the batch see its changes */
			if (i % 50 == 0)
				bad += eq_diff(one, batch);
		}
		st = db_batch_stats(batch);
		test_assert(st->commits == 0 || k > 0);
		test_assert_int(db_batch_commit(batch, &err), 0);
		test_assert_int(st->commits, 1);
		test_assert_int(st->lost, 0);
		test_assert_int(st->results[DB_LEARNED] + st->results[DB_RELEARNED] +
				st->results[DB_ALREADY] + st->results[DB_FORGOTTEN] +
				st->results[DB_NOT_LEARNED], 300);
		bad += eq_diff(one, batch);
	}
	test_assert_int(bad, 0);
	test_assert_int(db_stats(one, &s1, &err), 0);
	test_assert_int(db_stats(batch, &s2, &err), 0);
	test_assert_int(s1.tokens, s2.tokens);
	test_assert_int(s1.seen, s2.seen);
	test_assert_int(s1.oldest_day, s2.oldest_day);
	test_assert_int(s1.newest_day, s2.newest_day);
	test_assert(s1.tokens > 0 && s1.seen > 0);
	test_end();

	test_begin("db: a plain learn run in a batch (grouped writes) equals single learns");
	{
		enum { POOL_N = 3000 };
		uint64_t toks[EQ_TOKS], *all = malloc(POOL_N * sizeof(*all));
		struct db_counts *c1 = malloc(POOL_N * sizeof(*c1));
		struct db_counts *c2 = malloc(POOL_N * sizeof(*c2));
		size_t j;

		test_assert_int(db_batch_begin(batch, &err), 0);
		for (i = 0; i < 400; i++) {
			enum db_class cls = rnd(3) ? DB_SPAM : DB_HAM;
			for (j = 0; j < EQ_TOKS; j++)
				toks[j] = pool_hash(rnd(POOL_N));
			bad += learn(one, 100000 + i, cls, toks, EQ_TOKS, NOW) !=
			       learn(batch, 100000 + i, cls, toks, EQ_TOKS, NOW);
		}
		test_assert_int(db_batch_commit(batch, &err), 0);
		for (j = 0; j < POOL_N; j++)
			all[j] = pool_hash((uint32_t)j);
		test_assert_int(db_lookup(one, all, POOL_N, c1, &err), 0);
		test_assert_int(db_lookup(batch, all, POOL_N, c2, &err), 0);
		for (j = 0; j < POOL_N; j++)
			bad += c1[j].spam != c2[j].spam || c1[j].ham != c2[j].ham;
		bad += eq_diff(one, batch);
		test_assert_int(bad, 0);
		test_assert_int(tokens_of(one), tokens_of(batch));
		free(all);
		free(c1);
		free(c2);
	}
	test_end();

	test_begin("db: a message twice in a batch, moved, forgotten, learned again");
	{
		static const uint64_t t[] = { 5001, 5002, 5003 };
		test_assert_int(db_batch_begin(batch, &err), 0);
		test_assert_int(learn(batch, 900, DB_SPAM, t, 3, NOW), DB_LEARNED);
		test_assert_int(learn(batch, 900, DB_SPAM, t, 3, NOW), DB_ALREADY);
		test_assert_int(count_of(batch, 5002).spam, 1);
		test_assert_int(learn(batch, 900, DB_HAM, t, 3, NOW), DB_RELEARNED);
		test_assert_int(count_of(batch, 5002).spam, 0);
		test_assert_int(count_of(batch, 5002).ham, 1);
		test_assert_int(forget(batch, 900, t, 3), DB_FORGOTTEN);
		test_assert_int(forget(batch, 900, t, 3), DB_NOT_LEARNED);
		test_assert_int(learn(batch, 900, DB_HAM, t, 3, NOW), DB_LEARNED);
		test_assert_int(db_batch_commit(batch, &err), 0);
		st = db_batch_stats(batch);
		test_assert_int(st->results[DB_LEARNED], 2);
		test_assert_int(st->results[DB_ALREADY], 1);
		test_assert_int(st->results[DB_RELEARNED], 1);
		test_assert_int(st->results[DB_FORGOTTEN], 1);
		test_assert_int(st->results[DB_NOT_LEARNED], 1);
		test_assert_int(count_of(batch, 5001).ham, 1);
		test_assert_int(count_of(batch, 5001).spam, 0);
	}
	test_end();

	test_begin("db: an empty batch, and abort drops what is pending");
	{
		static const uint64_t t[] = { 6001 };
		struct db_totals before = totals_of(batch);
		test_assert_int(db_batch_begin(batch, &err), 0);
		test_assert_int(db_batch_commit(batch, &err), 0);
		test_assert_int(db_batch_stats(batch)->commits, 0);
		test_assert_int(db_batch_begin(batch, &err), 0);
		test_assert_int(learn(batch, 901, DB_SPAM, t, 1, NOW), DB_LEARNED);
		test_assert_int(count_of(batch, 6001).spam, 1);
		db_batch_abort(batch);
		test_assert_int(db_batch_stats(batch)->lost, 1);
		test_assert_int(count_of(batch, 6001).spam, 0);
		test_assert_int(totals_of(batch).spam, before.spam);
		test_assert_int(db_seen(batch, 901, &(enum db_class){ DB_HAM }, &err), 0);
	}
	test_end();
	db_close(&one);
	db_close(&batch);
}

/* Learns n messages (ids from id0) of k tokens from base into db. */
static int learn_many(struct db *db, uint64_t id0, size_t n, uint64_t base, size_t k)
{
	uint64_t *t = malloc(k * sizeof(*t));
	enum db_learn_result r;
	const char *err = NULL;
	size_t i, j;
	int bad = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k; j++)
			t[j] = base + i * k + j;
		if (db_learn(db, id0 + i, DB_SPAM, t, k, NOW, &r, &err) < 0 || r != DB_LEARNED) {
			fprintf(stderr, "learn_many: %s\n", err ? err : "not learned");
			bad++;
		}
	}
	free(t);
	return bad;
}

static void test_batch_bounds(void)
{
	struct db *db = open_ok("bounds.db"), *other = open_ok("bounds.db");
	const struct db_batch_stats *st = db_batch_stats(db);
	uint64_t t = 7;
	const char *err;

	test_begin("db: a batch commits by itself after DB_BATCH_MSGS messages");
	test_assert_int(db_batch_begin(db, &err), 0);
	test_assert_int(learn_many(db, 1, DB_BATCH_MSGS + 10, 1, 1), 0);
	/* (the time bound may have committed more often on a slow machine) */
	test_assert(st->commits >= 1);
	test_assert(st->results[DB_LEARNED] >= DB_BATCH_MSGS);
	test_assert(st->results[DB_LEARNED] < DB_BATCH_MSGS + 10);
	/* another connection sees exactly what was committed */
	test_assert_int(totals_of(other).spam, st->results[DB_LEARNED]);
	test_assert_int(db_batch_commit(db, &err), 0);
	test_assert_int(totals_of(other).spam, DB_BATCH_MSGS + 10);
	test_assert_int(st->results[DB_LEARNED], DB_BATCH_MSGS + 10);
	test_end();

	test_begin("db: ... after DB_BATCH_TOKENS distinct tokens");
	test_assert_int(db_batch_begin(db, &err), 0);
	/* 1000 new tokens a message */
	test_assert_int(learn_many(db, 100000, DB_BATCH_TOKENS / 1000 + 5, 1000000, 1000), 0);
	test_assert(st->commits >= 1);
	test_assert_int(totals_of(other).spam, DB_BATCH_MSGS + 10 + st->results[DB_LEARNED]);
	test_assert_int(db_batch_commit(db, &err), 0);
	test_assert_int(st->results[DB_LEARNED], DB_BATCH_TOKENS / 1000 + 5);
	test_assert_int(tokens_of(other), DB_BATCH_MSGS + 10 + st->results[DB_LEARNED] * 1000);
	test_end();

	test_begin("db: ... after DB_BATCH_MS");
	test_assert_int(db_batch_begin(db, &err), 0);
	test_assert_int(learn_many(db, 200000, 1, 7, 1), 0);
	test_assert_int(st->commits, 0);
	usleep((DB_BATCH_MS + 50) * 1000);
	test_assert_int(learn_many(db, 200001, 1, 7, 1), 0);
	test_assert_int(st->commits, 1);
	test_assert_int(count_of(other, 7).spam, 2);
	test_assert_int(db_batch_commit(db, &err), 0);
	test_assert_int(count_of(other, 7).spam, 3);
	test_end();

	test_begin("db: stats and expire commit the batch first");
	test_assert_int(db_batch_begin(db, &err), 0);
	test_assert_int(learn_many(db, 300000, 1, 7, 1), 0);
	test_assert_int(count_of(other, 7).spam, 3);
	(void)tokens_of(db);
	test_assert_int(count_of(other, 7).spam, 4);
	test_assert_int(learn(db, 300001, DB_HAM, &t, 1, NOW), DB_LEARNED);
	test_assert_int(count_of(db, 7).ham, 1);
	test_assert_int(db_batch_commit(db, &err), 0);
	test_assert_int(st->commits, 2);
	test_assert_int(count_of(other, 7).ham, 1);
	test_end();
	db_close(&other);
	db_close(&db);
}

static void test_batch_failure(void)
{
	struct db *db = open_ok("fail.db"), *ro;
	struct db_options o;
	uint64_t t = 11;
	enum db_learn_result r;
	const char *err = NULL;
	char *oerr = NULL;

	test_begin("db: a batch on a read-only store fails, and stays failed");
	learn(db, 1, DB_HAM, &t, 1, NOW);
	db_close(&db);
	db_options_default(&o);
	o.read_only = 1;
	ro = db_open(test_tmp_path("fail.db"), &o, &oerr);
	test_assert(ro != NULL);
	if (ro == NULL)
		return;
	test_assert_int(db_batch_begin(ro, &err), 0);
	test_assert_int(learn(ro, 1, DB_HAM, &t, 1, NOW), DB_ALREADY);
	test_assert_int(db_learn(ro, 2, DB_SPAM, &t, 1, NOW, &r, &err), -1);
	test_assert(err != NULL && strstr(err, "fail.db") != NULL);
	/* the learn before it is rolled back with it, and no learn joins */
	test_assert_int(db_batch_stats(ro)->lost, 1);
	test_assert_int(db_learn(ro, 3, DB_SPAM, &t, 1, NOW, &r, &err), -1);
	test_assert(err != NULL && strstr(err, "fail.db") != NULL);
	test_assert_int(db_batch_commit(ro, &err), -1);
	test_assert(err != NULL && strstr(err, "fail.db") != NULL);
	test_assert_int(db_batch_stats(ro)->results[DB_ALREADY], 0);
	/* ended: a learn outside a batch fails on its own */
	test_assert_int(db_learn(ro, 3, DB_SPAM, &t, 1, NOW, &r, &err), -1);
	test_assert_int(count_of(ro, 11).ham, 1);
	test_assert_int(count_of(ro, 11).spam, 0);
	db_close(&ro);
	test_end();

	test_begin("db: close with a batch open rolls it back");
	db = open_ok("fail.db");
	test_assert_int(db_batch_begin(db, &err), 0);
	learn(db, 3, DB_SPAM, &t, 1, NOW);
	db_close(&db);
	db = open_ok("fail.db");
	test_assert_int(count_of(db, 11).spam, 0);
	test_assert_int(totals_of(db).spam, 0);
	db_close(&db);
	test_end();
}

/* ---- a writer waiting for a batch ---- */

struct waiter {
	const char *file;
	uint64_t id0;
	int failures;
};

static void *wait_writer(void *arg)
{
	struct waiter *w = arg;
	struct db *db = open_ok(w->file);

	w->failures = learn_many(db, w->id0, 20, 1, 5);
	db_close(&db);
	return NULL;
}

#define BATCH_WRITER_MSGS 400

/* A batch of messages whose 5 tokens cycle through 1..100. */
static void *batch_writer(void *arg)
{
	struct waiter *w = arg;
	struct db *db = open_ok(w->file);
	enum db_learn_result r;
	const char *err = NULL;
	uint64_t t[5];
	size_t i, j;

	if (db_batch_begin(db, &err) < 0)
		w->failures++;
	for (i = 0; i < BATCH_WRITER_MSGS; i++) {
		for (j = 0; j < 5; j++)
			t[j] = 1 + (i * 5 + j) % 100;
		if (db_learn(db, w->id0 + i, DB_SPAM, t, 5, NOW, &r, &err) < 0 ||
		    r != DB_LEARNED)
			w->failures++;
	}
	if (db_batch_commit(db, &err) < 0) {
		fprintf(stderr, "batch_writer: %s\n", err);
		w->failures++;
	}
	db_close(&db);
	return NULL;
}

static void test_batch_concurrent(void)
{
	struct db *db = open_ok("conc.db"), *other = open_ok("conc.db");
	struct waiter w = { "conc.db", 1000, 0 };
	pthread_t th;
	const char *err;
	size_t i;

	test_begin("db: another writer waits for an open batch, no count lost");
	test_assert_int(db_batch_begin(db, &err), 0);
	/* the same tokens as the waiter's, other message ids */
	test_assert_int(learn_many(db, 1, 20, 1, 5), 0);
	pthread_create(&th, NULL, wait_writer, &w);
	/* readers are not blocked, and see only what was committed */
	for (i = 0; i < 5; i++) {
		test_assert_int(totals_of(other).spam, 0);
		usleep(20 * 1000);
	}
	test_assert_int(totals_of(other).spam, 0);
	test_assert_int(db_batch_commit(db, &err), 0);
	pthread_join(th, NULL);
	test_assert_int(w.failures, 0);
	test_assert_int(totals_of(other).spam, 40);
	for (i = 1; i <= 100; i++)
		test_assert_int(count_of(other, i).spam, 2);
	test_end();

	test_begin("db: two connections batching at once lose no count");
	{
		struct waiter b[2] = { { "conc2.db", 1, 0 }, { "conc2.db", 1000000, 0 } };
		pthread_t t2[2];
		db_close(&other);
		other = open_ok("conc2.db");
		for (i = 0; i < 2; i++)
			pthread_create(&t2[i], NULL, batch_writer, &b[i]);
		for (i = 0; i < 2; i++)
			pthread_join(t2[i], NULL);
		test_assert_int(b[0].failures + b[1].failures, 0);
		test_assert_int(totals_of(other).spam, 2 * BATCH_WRITER_MSGS);
		for (i = 1; i <= 100; i++)
			test_assert_int(count_of(other, i).spam, 2 * BATCH_WRITER_MSGS * 5 / 100);
	}
	test_end();
	db_close(&other);
	db_close(&db);
}

/* ---- the read cache ---- */

static void test_cache(void)
{
	struct db *a = open_ok("cache.db"), *b = open_ok("cache.db"), *small;
	struct db_options o;
	struct db_expire_params p;
	struct db_expire_result er;
	uint64_t t[3] = { 21, 22, 23 }, many[1000];
	struct db_counts c[1000];
	const char *err;
	char *oerr = NULL;
	size_t i, bad = 0;

	test_begin("db: cached counts follow another connection's learn");
	test_assert_int(count_of(a, 21).spam, 0); /* cached as absent */
	test_assert_int(totals_of(a).spam, 0);
	test_assert(db_cache_count(a) >= 1);
	test_assert_int(learn(b, 1, DB_SPAM, t, 3, NOW), DB_LEARNED);
	test_assert_int(count_of(a, 21).spam, 1);
	test_assert_int(totals_of(a).spam, 1);
	test_assert_int(forget(b, 1, t, 3), DB_FORGOTTEN);
	test_assert_int(count_of(a, 21).spam, 0);
	test_assert_int(totals_of(a).spam, 0);
	test_end();

	test_begin("db: ... and this connection's own writes");
	test_assert_int(count_of(a, 22).ham, 0);
	test_assert_int(learn(a, 2, DB_HAM, t, 3, NOW), DB_LEARNED);
	test_assert_int(count_of(a, 22).ham, 1);
	test_assert_int(totals_of(a).ham, 1);
	test_assert_int(db_batch_begin(a, &err), 0);
	test_assert_int(learn(a, 3, DB_HAM, t, 2, NOW), DB_LEARNED);
	test_assert_int(count_of(a, 22).ham, 2);
	test_assert_int(count_of(b, 22).ham, 1);
	test_assert_int(db_batch_commit(a, &err), 0);
	test_assert_int(count_of(a, 22).ham, 2);
	test_assert_int(count_of(a, 23).ham, 1);
	test_assert_int(count_of(b, 22).ham, 2);
	/* expiry: every token is rare now and last seen long ago */
	db_expire_params_default(&p);
	p.now = NOW + 1000 * DAY;
	p.rare_count = 10;
	test_assert_int(db_expire(a, &p, &er, &err), 0);
	test_assert_int(er.removed_rare, 3);
	test_assert_int(count_of(a, 22).ham, 0);
	test_assert_int(count_of(b, 21).ham, 0);
	test_end();

	test_begin("db: the cache stays within cache_entries, answers stay right");
	db_options_default(&o);
	o.cache_entries = 100;
	small = db_open(test_tmp_path("cache.db"), &o, &oerr);
	test_assert(small != NULL);
	for (i = 0; i < 1000; i++)
		many[i] = big_hash(i % 500);
	test_assert_int(learn(b, 4, DB_SPAM, many, 250, NOW), DB_LEARNED);
	for (i = 0; small != NULL && i < 3; i++) {
		size_t k;
		test_assert_int(db_lookup(small, many, 1000, c, &err), 0);
		test_assert(db_cache_count(small) <= 100);
		test_assert(db_cache_count(small) > 0);
		for (k = 0; k < 1000; k++)
			bad += c[k].spam != (k % 500 < 250);
	}
	test_assert_int(bad, 0);
	db_close(&small);
	o.cache_entries = 0;
	small = db_open(test_tmp_path("cache.db"), &o, &oerr);
	test_assert(small != NULL);
	if (small != NULL) {
		test_assert_int(db_lookup(small, many, 1000, c, &err), 0);
		test_assert_int(db_cache_count(small), 0);
		test_assert_int(c[0].spam, 1);
		test_assert_int(c[999].spam, 0);
	}
	db_close(&small);
	/* the default bound holds a full lookup */
	test_assert_int(db_lookup(a, many, 1000, c, &err), 0);
	test_assert(db_cache_count(a) >= 500);
	test_end();
	db_close(&a);
	db_close(&b);
}

int main(void)
{
	if (test_tmpdir("db") < 0)
		return 1;
	test_learn_forget();
	test_lookup_batches();
	test_expire();
	test_schema();
	test_path_user();
	test_threads();
	test_batch_equal();
	test_batch_bounds();
	test_batch_failure();
	test_batch_concurrent();
	test_cache();
	test_tmpdir_remove();
	return test_exit();
}
