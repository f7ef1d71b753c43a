/*
 * test-quarantine-db.c - the quarantine index in db/ (schema 3): add and
 * get with every field and the recipients in order (a duplicate
 * recipient once, whatever its case), a duplicate id refused, listing
 * with each filter (recipient without case, held only, arrived before)
 * and in date order, the recipients holding entries, release per
 * recipient and of all held copies (twice changes nothing), delete,
 * expiry handing back the file names, the count in db_stats; and the
 * upgrade of a real schema-2 store (tests/data/db/schema2.db, made by
 * the code of that version) in place with its Bayes and AWL data
 * intact, read-only opens of it before (the quarantine says it needs
 * the migration, Bayes and AWL still work) and after.
 *
 * Every case works on files in a temporary directory, removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "lib/arena.h"
#include "tests/unit/test.h"

#define DAY 86400
/* A fixed "now" (2024-01-01, day 19723) so ages are exact. */
#define NOW ((time_t)1704067200)

static struct db *open_ok(const char *name, int read_only)
{
	struct db_options o;
	char *err = NULL;
	struct db *db;

	db_options_default(&o);
	o.read_only = read_only;
	db = db_open(test_tmp_path(name), &o, &err);
	if (db == NULL) {
		fprintf(stderr, "db_open %s: %s\n", name, err);
		free(err);
		abort();
	}
	return db;
}

/* An entry with n recipients from rcpts (held), arrived at date. */
static struct db_quar_entry entry(const char *id, time_t date,
				  const struct db_quar_rcpt *rcpts, size_t n)
{
	struct db_quar_entry e = {
		.id = id, .date = date, .reason = "virus Eicar-Test", .score = 7.25,
		.hits = "WN_VIRUS,BAYES_99", .mail_from = "sender@example.org",
		.client_ip = "192.0.2.7", .queue_id = "4AbCdEf", .size = 1234,
		.hdr_from = "Jos\xc3\xa9 <jose@example.org>", .subject = "caf\xc3\xa9 \xe2\x82\xac",
		.file = id, .rcpts = rcpts, .nrcpts = n,
	};

	return e;
}

static const struct db_quar_rcpt two[] = {
	{ "bob@virt.test", 0 }, { "alice@virt.test", 0 }, { "BOB@virt.test", 0 },
};
static const struct db_quar_rcpt one[] = { { "carol@virt.test", 0 } };

static void add_ok(struct db *db, const struct db_quar_entry *e)
{
	const char *err = NULL;

	test_assert_int(db_quar_add(db, e, &err), 0);
	if (err != NULL)
		fprintf(stderr, "db_quar_add: %s\n", err);
}

/* Collects the ids a listing gives, space-separated. */
struct ids {
	char s[512];
	int stop_after; /* 0: never */
	int seen;
};

static int collect(void *ctx, const struct db_quar_entry *e)
{
	struct ids *ids = ctx;
	size_t len = strlen(ids->s);

	snprintf(ids->s + len, sizeof(ids->s) - len, "%s%s", len ? " " : "", e->id);
	ids->seen++;
	return ids->stop_after != 0 && ids->seen >= ids->stop_after;
}

static const char *list(struct db *db, const char *rcpt, int held, time_t before)
{
	static struct ids ids;
	struct db_quar_filter f = { rcpt, held, before };
	const char *err = NULL;

	memset(&ids, 0, sizeof(ids));
	test_assert_int(db_quar_list(db, &f, collect, &ids, &err), 0);
	return ids.s;
}

static int collect_rcpt(void *ctx, const char *rcpt)
{
	struct ids *ids = ctx;
	size_t len = strlen(ids->s);

	snprintf(ids->s + len, sizeof(ids->s) - len, "%s%s", len ? " " : "", rcpt);
	return 0;
}

static const char *held_rcpts(struct db *db)
{
	static struct ids ids;
	const char *err = NULL;

	memset(&ids, 0, sizeof(ids));
	test_assert_int(db_quar_held_rcpts(db, collect_rcpt, &ids, &err), 0);
	return ids.s;
}

static void test_add_get(void)
{
	struct db *db = open_ok("q.db", 0);
	struct arena *a = arena_new(4096);
	struct db_quar_entry e = entry("0123456789abcdef0123", NOW, two, 3), *g = NULL;
	const char *err = NULL;

	test_begin("quarantine db: an entry comes back with every field");
	add_ok(db, &e);
	test_assert_int(db_quar_get(db, e.id, a, &g, &err), 0);
	test_assert(g != NULL);
	if (g != NULL) {
		test_assert_str(g->id, e.id);
		test_assert_int(g->date, NOW);
		test_assert_str(g->reason, "virus Eicar-Test");
		test_assert(g->score == 7.25);
		test_assert_str(g->hits, "WN_VIRUS,BAYES_99");
		test_assert_str(g->mail_from, "sender@example.org");
		test_assert_str(g->client_ip, "192.0.2.7");
		test_assert_str(g->queue_id, "4AbCdEf");
		test_assert_int(g->size, 1234);
		test_assert_str(g->hdr_from, e.hdr_from);
		test_assert_str(g->subject, e.subject);
		test_assert_str(g->file, e.id);
		/* BOB@ is bob@ again: stored once */
		test_assert_int(g->nrcpts, 2);
		if (g->nrcpts == 2) {
			test_assert_str(g->rcpts[0].addr, "bob@virt.test");
			test_assert_str(g->rcpts[1].addr, "alice@virt.test");
			test_assert_int(g->rcpts[0].released, 0);
		}
	}
	test_end();

	test_begin("quarantine db: unknown id is NULL, a duplicate id refused");
	test_assert_int(db_quar_get(db, "ffffffffffffffffffff", a, &g, &err), 0);
	test_assert(g == NULL);
	err = NULL;
	test_assert_int(db_quar_add(db, &e, &err), -1);
	test_assert(err != NULL && strstr(err, "UNIQUE") != NULL);
	test_end();
	arena_free(&a);
	db_close(&db);
}

static void test_list_release(void)
{
	struct db *db = open_ok("l.db", 0);
	struct arena *a = arena_new(4096);
	struct db_quar_entry e1 = entry("e1", NOW - 2 * DAY, two, 2);
	struct db_quar_entry e2 = entry("e2", NOW - DAY, one, 1);
	struct db_quar_entry e3 = entry("e3", NOW - 3 * DAY, two, 2), *g = NULL;
	struct db_stats st;
	const char **files = NULL;
	const char *err = NULL;
	uint64_t n = 99;
	size_t nfiles = 9;
	struct ids stop = { "", 1, 0 };
	struct db_quar_filter all = { NULL, 0, 0 };

	add_ok(db, &e1);
	add_ok(db, &e2);
	add_ok(db, &e3);

	test_begin("quarantine db: listing is oldest first, by recipient without case");
	test_assert_str(list(db, NULL, 0, 0), "e3 e1 e2");
	test_assert_str(list(db, NULL, 1, 0), "e3 e1 e2");
	test_assert_str(list(db, "Alice@VIRT.test", 1, 0), "e3 e1");
	test_assert_str(list(db, "carol@virt.test", 1, 0), "e2");
	test_assert_str(list(db, "nobody@virt.test", 0, 0), "");
	test_assert_str(list(db, NULL, 0, NOW - 2 * DAY), "e3");
	test_assert_str(held_rcpts(db), "alice@virt.test bob@virt.test carol@virt.test");
	test_assert_int(db_quar_list(db, &all, collect, &stop, &err), 0);
	test_assert_str(stop.s, "e3");
	test_end();

	test_begin("quarantine db: one recipient's release leaves the other held");
	test_assert_int(db_quar_release(db, "e1", "ALICE@virt.test", NOW, &n, &err), 0);
	test_assert_int(n, 1);
	test_assert_int(db_quar_release(db, "e1", "alice@virt.test", NOW, &n, &err), 0);
	test_assert_int(n, 0); /* already released */
	test_assert_int(db_quar_release(db, "e1", "carol@virt.test", NOW, &n, &err), 0);
	test_assert_int(n, 0); /* not a recipient */
	test_assert_str(list(db, "alice@virt.test", 1, 0), "e3");
	test_assert_str(list(db, "alice@virt.test", 0, 0), "e3 e1");
	test_assert_str(list(db, NULL, 1, 0), "e3 e1 e2");
	test_assert_int(db_quar_get(db, "e1", a, &g, &err), 0);
	test_assert(g != NULL && g->nrcpts == 2 && g->rcpts[0].released == 0 &&
		    g->rcpts[1].released == NOW);
	test_end();

	test_begin("quarantine db: releasing all held copies");
	test_assert_int(db_quar_release(db, "e1", NULL, NOW + 1, &n, &err), 0);
	test_assert_int(n, 1);
	test_assert_int(db_quar_release(db, "e1", NULL, NOW + 1, &n, &err), 0);
	test_assert_int(n, 0);
	test_assert_int(db_quar_release(db, "nope", NULL, NOW, &n, &err), 0);
	test_assert_int(n, 0);
	test_assert_str(list(db, NULL, 1, 0), "e3 e2");
	test_assert_str(list(db, NULL, 0, 0), "e3 e1 e2");
	test_assert_int(db_quar_get(db, "e1", a, &g, &err), 0);
	test_assert(g != NULL && g->rcpts[0].released == NOW + 1 &&
		    g->rcpts[1].released == NOW);
	test_end();

	test_begin("quarantine db: delete, expiry with file names, stats");
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.quar_entries, 3);
	test_assert_int(db_quar_delete(db, "e2", &n, &err), 0);
	test_assert_int(n, 1);
	test_assert_int(db_quar_delete(db, "e2", &n, &err), 0);
	test_assert_int(n, 0);
	test_assert_str(held_rcpts(db), "alice@virt.test bob@virt.test");
	test_assert_int(db_quar_expire(db, NOW - 3 * DAY, a, &files, &nfiles, &err), 0);
	test_assert_int(nfiles, 0);
	test_assert_int(db_quar_expire(db, NOW - DAY, a, &files, &nfiles, &err), 0);
	test_assert_int(nfiles, 2);
	if (nfiles == 2) {
		test_assert_str(files[0], "e3");
		test_assert_str(files[1], "e1");
	}
	test_assert_str(list(db, NULL, 0, 0), "");
	test_assert_str(held_rcpts(db), "");
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.quar_entries, 0);
	/* a new entry may reuse nothing of the old: rcpt rows went too */
	add_ok(db, &e1);
	test_assert_int(db_quar_get(db, "e1", a, &g, &err), 0);
	test_assert(g != NULL && g->nrcpts == 2 && g->rcpts[1].released == 0);
	test_end();
	arena_free(&a);
	db_close(&db);
}

/* What make-schema2.c stored (see tests/data/db/). */
static void check_schema2(struct db *db)
{
	struct db_counts c[30];
	struct db_totals t;
	struct db_awl_entry e;
	uint64_t h[30];
	const char *err;
	size_t i, bad = 0;

	for (i = 0; i < 30; i++)
		h[i] = i + 1;
	test_assert_int(db_lookup(db, h, 30, c, &err), 0);
	for (i = 0; i < 30; i++)
		bad += c[i].spam != (i < 20) || c[i].ham != (i >= 10);
	test_assert_int(bad, 0);
	test_assert_int(db_get_totals(db, &t, &err), 0);
	test_assert_int(t.spam, 1);
	test_assert_int(t.ham, 1);
	test_assert_int(db_awl_get(db, "a@example.org", "192.0", &e, &err), 0);
	test_assert_int(e.count, 2);
	test_assert(e.total == 6.0);
	test_assert_int(e.day, 19723);
}

static void test_migration(void)
{
	struct db_quar_entry e = entry("m1", NOW, one, 1), *g = NULL;
	struct arena *a = arena_new(4096);
	struct db_stats st;
	const char *err = NULL;
	struct db *db;

	test_begin("quarantine db: a schema-2 store read-only: all but the quarantine work");
	test_assert_int(test_copy_file(test_src_path("tests/data/db/schema2.db"),
				  test_tmp_path("v2.db")), 0);
	db = open_ok("v2.db", 1);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.tokens, 30);
	test_assert_int(st.awl_entries, 1);
	test_assert_int(st.quar_entries, 0);
	check_schema2(db);
	test_assert_int(db_quar_get(db, "m1", a, &g, &err), -1);
	test_assert(err != NULL && strstr(err, "schema version 2 has no quarantine yet"));
	test_assert_int(db_quar_list(db, NULL, collect, NULL, &err), -1);
	db_close(&db);
	test_end();

	test_begin("quarantine db: a schema-2 store is upgraded in place, data intact");
	db = open_ok("v2.db", 0);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.schema_version, 3);
	test_assert_int(st.seen, 2);
	check_schema2(db);
	add_ok(db, &e);
	db_close(&db);
	db = open_ok("v2.db", 1);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.quar_entries, 1);
	test_assert_int(db_quar_get(db, "m1", a, &g, &err), 0);
	test_assert(g != NULL && g->nrcpts == 1);
	check_schema2(db);
	db_close(&db);
	test_end();

	test_begin("quarantine db: a schema-1 store goes to 3 in one open");
	test_assert_int(test_copy_file(test_src_path("tests/data/db/schema1.db"),
				  test_tmp_path("v1.db")), 0);
	db = open_ok("v1.db", 1);
	test_assert_int(db_quar_get(db, "m1", a, &g, &err), -1);
	test_assert(err != NULL && strstr(err, "schema version 1 has no quarantine yet"));
	db_close(&db);
	db = open_ok("v1.db", 0);
	add_ok(db, &e);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.schema_version, 3);
	test_assert_int(st.tokens, 150);
	test_assert_int(st.quar_entries, 1);
	db_close(&db);
	test_end();
	arena_free(&a);
}

int main(void)
{
	if (test_tmpdir("quarantine-db") < 0)
		return 1;
	test_add_get();
	test_list_release();
	test_migration();
	test_tmpdir_remove();
	return test_exit();
}
