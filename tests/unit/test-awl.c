/*
 * test-awl.c - the auto-whitelist: its arithmetic (mean, factor,
 * rounding, a first message without adjustment), the IP block keys
 * (IPv4 and IPv6 masks of any length, as SpamAssassin writes them) and
 * address keys, the check over a real store (running mean, the score
 * recorded before the adjustment, read-only lookups, an address-only
 * entry taken over), removal, listing, expiry (alone and inside
 * db_expire), the upgrade of a real schema-1 store made by the code of
 * that version (tests/data/db/schema1.db) with its Bayes data intact,
 * and concurrent writers, threads and processes, losing no update.
 *
 * Every case works on files in a temporary directory, removed at the end.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "filterd/check_awl.h"
#include "tests/unit/test.h"

#define DAY 86400
/* A fixed "now" (2024-01-01, day 19723) so ages are exact. */
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

static struct chk_awl_params params(void)
{
	struct chk_awl_params p = { 1, 0.5, 16, 48, 180 };

	return p;
}

/* Tests compare doubles that went through 3-decimal rounding. */
static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_arithmetic(void)
{
	test_begin("awl: first message has no adjustment");
	test_assert(chk_awl_adjustment(0, 0, 7.5, 0.5) == 0);
	test_assert(chk_awl_adjustment(0, 123, -3, 1) == 0);
	test_end();

	test_begin("awl: adjustment = (mean - score) * factor");
	test_assert(near(chk_awl_adjustment(1, 10, 2, 0.5), 4));
	test_assert(near(chk_awl_adjustment(2, 12, 3, 0.5), 1.5));
	test_assert(near(chk_awl_adjustment(4, -8, 6, 0.5), -4));
	test_assert(near(chk_awl_adjustment(3, 3, 5, 1), -4));
	test_assert(chk_awl_adjustment(3, 3, 5, 0) == 0);
	test_assert(near(chk_awl_adjustment(1, -100, 5, 0.5), -52.5));
	test_end();

	test_begin("awl: 3 decimals, as SpamAssassin reports them");
	test_assert(near(chk_awl_adjustment(3, 1, 0, 0.5), 0.167));
	test_assert(near(chk_awl_round(2.0004), 2));
	test_assert(near(chk_awl_round(-1.2346), -1.235));
	test_assert(!signbit(chk_awl_round(-0.0001)));
	test_end();
}

static void ip_is(const char *ip, unsigned int v4, unsigned int v6, const char *want)
{
	char key[CHK_AWL_IP_KEY_SIZE];

	test_assert_int(chk_awl_ip_key(ip, strlen(ip), v4, v6, key, sizeof(key)), 0);
	test_assert_str(key, want);
}

static void ip_bad(const char *ip)
{
	char key[CHK_AWL_IP_KEY_SIZE];

	test_assert_int(chk_awl_ip_key(ip, strlen(ip), 16, 48, key, sizeof(key)), -1);
	test_assert_str(key, DB_AWL_NO_IP);
}

static void test_ip_keys(void)
{
	test_begin("awl: IPv4 blocks (/16 default, any length)");
	ip_is("192.168.1.2", 16, 48, "192.168");
	ip_is("10.0.0.5", 16, 48, "10.0");
	ip_is("192.168.1.2", 32, 48, "192.168.1.2");
	ip_is("192.168.1.2", 24, 48, "192.168.1");
	ip_is("192.168.1.2", 8, 48, "192");
	ip_is("192.168.31.2", 20, 48, "192.168.16");
	ip_is("10.0.0.5", 24, 48, "10");
	ip_is("192.168.1.2", 0, 48, "0");
	ip_is("255.255.255.255", 31, 48, "255.255.255.254");
	ip_is("10.200.3.0", 32, 48, "10.200.3.0");
	test_end();

	test_begin("awl: IPv6 blocks (/48 default, any length)");
	ip_is("2001:db8:1:2::5", 16, 48, "2001:0db8:0001::");
	ip_is("2001:DB8:1:2::5", 16, 64, "2001:0db8:0001:0002::");
	ip_is("2001:db8:1:2::5", 16, 128, "2001:0db8:0001:0002:0000:0000:0000:0005");
	ip_is("2001:db8:abcd:ffff::1", 16, 52, "2001:0db8:abcd:f000::");
	ip_is("2001:db8:abcd:ffff::1", 16, 0, "0000::");
	ip_is("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 16, 127,
	      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	test_end();

	test_begin("awl: MTA spellings, mapped IPv4, a listed block, bad input");
	ip_is(" [192.0.2.7] ", 16, 48, "192.0");
	ip_is("[IPv6:2001:db8::1]", 16, 48, "2001:0db8::");
	ip_is("ipv6:2001:db8::1", 16, 48, "2001:0db8::");
	ip_is("::ffff:198.51.100.9", 16, 48, "198.51");
	ip_is("10.1", 16, 48, "10.1");
	ip_is("10", 8, 48, "10");
	ip_is("2001:0db8:0001::", 16, 48, "2001:0db8:0001::");
	ip_bad("");
	ip_bad("none");
	ip_bad("256.1.1.1");
	ip_bad("1.2.3.4.5");
	ip_bad("1..2.3");
	ip_bad("1.2.3.");
	ip_bad("0001.2.3.4");
	ip_bad("2001:db8::g");
	ip_bad("fe80::1%eth0");
	ip_bad("[]");
	{
		char key[CHK_AWL_IP_KEY_SIZE];
		/* an embedded NUL ends nothing: the length is what counts */
		test_assert_int(chk_awl_ip_key("1.2\0.3.4", 8, 16, 48, key, sizeof(key)), -1);
	}
	test_end();
}

static void test_addr_keys(void)
{
	char key[CHK_AWL_ADDR_KEY_SIZE], big[DB_AWL_ADDR_MAX + 2];

	test_begin("awl: address keys");
	test_assert_int(chk_awl_addr_key(" <Bob@Example.COM> ", 19, key, sizeof(key)), 0);
	test_assert_str(key, "bob@example.com");
	test_assert_int(chk_awl_addr_key("A\tb\x7f@X", 6, key, sizeof(key)), 0);
	test_assert_str(key, "a_b_@x");
	test_assert_int(chk_awl_addr_key("", 0, key, sizeof(key)), -1);
	test_assert_int(chk_awl_addr_key(" <> ", 4, key, sizeof(key)), -1);
	memset(big, 'a', sizeof(big));
	test_assert_int(chk_awl_addr_key(big, DB_AWL_ADDR_MAX, key, sizeof(key)), 0);
	test_assert_int(strlen(key), DB_AWL_ADDR_MAX);
	test_assert_int(chk_awl_addr_key(big, DB_AWL_ADDR_MAX + 1, key, sizeof(key)), -1);
	test_end();
}

static struct chk_awl_result check(struct db *db, const char *from, const char *ip,
				   double score, int record)
{
	struct chk_awl_params p = params();
	struct chk_awl_result r;
	const char *err = NULL;

	test_assert_int(chk_awl_check(db, &p, from, ip, score, record, NOW, &r, &err), 0);
	if (err != NULL)
		fprintf(stderr, "check: %s\n", err);
	return r;
}

static struct db_awl_entry entry(struct db *db, const char *addr, const char *ip)
{
	struct db_awl_entry e;
	const char *err;

	test_assert_int(db_awl_get(db, addr, ip, &e, &err), 0);
	return e;
}

static void test_check(void)
{
	struct db *db = open_ok("check.db");
	struct chk_awl_params p = params();
	struct chk_awl_result r;
	struct db_awl_entry e;
	const char *err;

	test_begin("awl: a sender's running mean pulls its scores");
	r = check(db, "Alice@Example.org", "192.0.2.1", 10, 1);
	test_assert(r.active && r.recorded);
	test_assert_int(r.count, 0);
	test_assert(r.adjust == 0);
	test_assert_str(r.addr, "alice@example.org");
	test_assert_str(r.ip, "192.0");
	r = check(db, "alice@example.org", "192.0.77.3", 2, 1); /* same /16 */
	test_assert_int(r.count, 1);
	test_assert(near(r.mean, 10));
	test_assert(near(r.adjust, 4)); /* 2 + (10 - 2) * 0.5 = 6 */
	/* the score before the adjustment was recorded: (2, 12) not (2, 16) */
	e = entry(db, "alice@example.org", "192.0");
	test_assert_int(e.count, 2);
	test_assert(near(e.total, 12));
	test_assert_int(e.day, NOW / DAY);
	r = check(db, "alice@example.org", "192.0.2.1", 3.0004, 1);
	test_assert(near(r.mean, 6));
	test_assert(near(r.adjust, 1.5));
	e = entry(db, "alice@example.org", "192.0");
	test_assert_int(e.count, 3);
	test_assert(near(e.total, 15)); /* 3.0004 stored as 3.000 */
	test_end();

	test_begin("awl: another IP block, no IP, read only, off");
	r = check(db, "alice@example.org", "198.51.100.1", 20, 1);
	test_assert_int(r.count, 0);
	test_assert(r.adjust == 0);
	r = check(db, "alice@example.org", NULL, 1, 1);
	test_assert_str(r.ip, DB_AWL_NO_IP);
	test_assert_int(r.count, 0);
	r = check(db, "alice@example.org", "not an address", 1, 0);
	test_assert_str(r.ip, DB_AWL_NO_IP);
	test_assert_int(r.count, 1);
	test_assert(!r.recorded);
	r = check(db, "alice@example.org", "192.0.2.1", 0, 0);
	test_assert_int(r.count, 3);
	test_assert(near(r.adjust, 2.5));
	test_assert_int(entry(db, "alice@example.org", "192.0").count, 3);
	p.enabled = 0;
	test_assert_int(chk_awl_check(db, &p, "alice@example.org", "192.0.2.1", 1, 1, NOW,
				      &r, &err), 0);
	test_assert(!r.active);
	r = check(db, "alice@example.org", "192.0.2.1", NAN, 1);
	test_assert(!r.active);
	r = check(db, "", "192.0.2.1", 1, 1);
	test_assert(!r.active);
	test_assert_int(entry(db, "alice@example.org", "192.0").count, 3);
	test_end();

	test_begin("awl: an address-only entry (awl add) is taken over");
	test_assert_int(db_awl_set(db, "good@example.net", DB_AWL_NO_IP, -100, NOW, &err), 0);
	e = entry(db, "good@example.net", "203.0");
	test_assert_int(e.count, 1);
	test_assert_str(e.ip, DB_AWL_NO_IP);
	r = check(db, "good@example.net", "203.0.113.5", 5, 1);
	test_assert_int(r.count, 1);
	test_assert(near(r.mean, -100));
	test_assert(near(r.adjust, -52.5));
	e = entry(db, "good@example.net", "203.0");
	test_assert_str(e.ip, "203.0");
	test_assert_int(e.count, 2);
	test_assert(near(e.total, -95));
	test_assert_int(entry(db, "good@example.net", DB_AWL_NO_IP).count, 0);
	/* set replaces, whatever was there */
	test_assert_int(db_awl_set(db, "good@example.net", "203.0", 100, NOW, &err), 0);
	e = entry(db, "good@example.net", "203.0");
	test_assert_int(e.count, 1);
	test_assert(near(e.total, 100));
	test_end();
	db_close(&db);
}

struct collect {
	char text[2048];
	size_t n;
	int stop_after;
};

static int collect_one(void *ctx, const struct db_awl_entry *e)
{
	struct collect *c = ctx;

	c->n += (size_t)snprintf(c->text + c->n, sizeof(c->text) - c->n, "%s|%s|%llu|%.3f|%u\n",
				 e->addr, e->ip, (unsigned long long)e->count, e->total,
				 e->day);
	return c->stop_after > 0 && --c->stop_after == 0;
}

static void test_list_remove(void)
{
	struct db *db = open_ok("list.db");
	struct collect c;
	const char *err;
	uint64_t removed;

	test_begin("awl: list is ordered by address and block");
	test_assert_int(db_awl_add(db, "b@x", "10.1", 3, NOW, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "a@x", "10.2", 1, NOW - DAY, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "a@x", "10.1", 2, NOW, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "a@x", "10.1", 4.5, NOW, NULL, &err), 0);
	memset(&c, 0, sizeof(c));
	test_assert_int(db_awl_list(db, collect_one, &c, &err), 0);
	test_assert_str(c.text, "a@x|10.1|2|6.500|19723\n"
				"a@x|10.2|1|1.000|19722\n"
				"b@x|10.1|1|3.000|19723\n");
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	test_assert_int(db_awl_list(db, collect_one, &c, &err), 0);
	test_assert_str(c.text, "a@x|10.1|2|6.500|19723\n");
	test_end();

	test_begin("awl: remove one block, then every entry of an address");
	test_assert_int(db_awl_remove(db, "a@x", "10.2", &removed, &err), 0);
	test_assert_int(removed, 1);
	test_assert_int(db_awl_remove(db, "a@x", "10.2", &removed, &err), 0);
	test_assert_int(removed, 0);
	test_assert_int(db_awl_add(db, "a@x", "10.3", 1, NOW, NULL, &err), 0);
	test_assert_int(db_awl_remove(db, "a@x", NULL, &removed, &err), 0);
	test_assert_int(removed, 2);
	memset(&c, 0, sizeof(c));
	test_assert_int(db_awl_list(db, collect_one, &c, &err), 0);
	test_assert_str(c.text, "b@x|10.1|1|3.000|19723\n");
	test_end();
	db_close(&db);
}

static void test_expire(void)
{
	struct db *db = open_ok("expire.db");
	struct db_expire_params p;
	struct db_expire_result r;
	struct db_stats st;
	const char *err;
	uint64_t removed;

	test_begin("awl: expiry drops entries unseen for N days");
	test_assert_int(db_awl_add(db, "old@x", "10.1", 1, NOW - 200 * DAY, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "edge@x", "10.1", 1, NOW - 30 * DAY, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "new@x", "10.1", 1, NOW - 29 * DAY, NULL, &err), 0);
	/* a later message renews an old entry */
	test_assert_int(db_awl_add(db, "renewed@x", "10.1", 1, NOW - 300 * DAY, NULL, &err), 0);
	test_assert_int(db_awl_add(db, "renewed@x", "10.1", 1, NOW, NULL, &err), 0);
	test_assert_int(db_awl_expire(db, 0, NOW, &removed, &err), 0);
	test_assert_int(removed, 0);
	test_assert_int(db_awl_expire(db, 30, NOW, &removed, &err), 0);
	test_assert_int(removed, 1); /* old; edge is exactly 30 days: kept */
	test_assert_int(db_awl_expire(db, 29, NOW, &removed, &err), 0);
	test_assert_int(removed, 1); /* edge */
	test_assert_int(entry(db, "new@x", "10.1").count, 1);
	test_assert_int(entry(db, "renewed@x", "10.1").count, 2);
	test_end();

	test_begin("awl: db_expire (where Bayes expiry runs) drops them too");
	test_assert_int(db_awl_add(db, "old@x", "10.1", 1, NOW - 200 * DAY, NULL, &err), 0);
	db_expire_params_default(&p);
	test_assert_int(p.awl_days, DB_AWL_EXPIRE_DAYS);
	p.now = NOW;
	p.awl_days = 0;
	test_assert_int(db_expire(db, &p, &r, &err), 0);
	test_assert_int(r.removed_awl, 0);
	p.awl_days = 180;
	test_assert_int(db_expire(db, &p, &r, &err), 0);
	test_assert_int(r.removed_awl, 1);
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.awl_entries, 2);
	test_end();
	db_close(&db);
}

/* The counts make-schema1.c learned (see tests/data/db/). */
static void check_schema1_bayes(struct db *db)
{
	struct db_counts c[150];
	struct db_totals t;
	uint64_t h[150];
	const char *err;
	size_t i, bad = 0;

	for (i = 0; i < 150; i++)
		h[i] = i + 1;
	test_assert_int(db_lookup(db, h, 150, c, &err), 0);
	for (i = 0; i < 150; i++) {
		unsigned int spam = i < 10 ? 2 : i < 100 ? 1 : 0, ham = i >= 50;
		bad += c[i].spam != spam || c[i].ham != ham;
	}
	test_assert_int(bad, 0);
	test_assert_int(db_get_totals(db, &t, &err), 0);
	test_assert_int(t.spam, 2);
	test_assert_int(t.ham, 1);
}

static void test_migration(void)
{
	struct db_options o;
	struct db_stats st;
	enum db_learn_result lr;
	enum db_class cls;
	struct db *db;
	const char *err;
	char *oerr = NULL;
	uint64_t h = 7;

	test_begin("awl: a schema-1 store is upgraded in place, Bayes data intact");
	test_assert_int(test_copy_file(test_src_path("tests/data/db/schema1.db"), test_tmp_path("v1.db")), 0);
	db_options_default(&o);
	o.read_only = 1;
	/* read-only (winnow check before filterd has run): Bayes reads
	   work, the AWL says it needs the migration, nothing is changed */
	db = db_open(test_tmp_path("v1.db"), &o, &oerr);
	test_assert(db != NULL);
	if (db != NULL) {
		struct db_awl_entry e;
		test_assert_int(db_stats(db, &st, &err), 0);
		test_assert_int(st.tokens, 150);
		test_assert_int(st.awl_entries, 0);
		check_schema1_bayes(db);
		test_assert_int(db_awl_get(db, "a@example.org", "192.168", &e, &err), -1);
		test_assert(err != NULL && strstr(err, "schema version 1 has no auto-whitelist yet"));
		db_close(&db);
	}
	free(oerr);
	oerr = NULL;
	db = open_ok("v1.db");
	test_assert_int(db_stats(db, &st, &err), 0);
	test_assert_int(st.schema_version, DB_SCHEMA_VERSION);
	test_assert_int(st.tokens, 150);
	test_assert_int(st.seen, 3);
	test_assert_int(st.awl_entries, 0);
	test_assert_int(st.oldest_day, 19723);
	check_schema1_bayes(db);
	test_assert_int(db_seen(db, 2, &cls, &err), 0);
	test_assert_int(cls, DB_HAM);
	/* what it held still behaves: relearned, and learning goes on */
	test_assert_int(db_learn(db, 3, DB_SPAM, &h, 1, NOW, &lr, &err), 0);
	test_assert_int(lr, DB_ALREADY);
	test_assert_int(check(db, "x@example.com", "192.0.2.1", 4, 1).count, 0);
	test_assert_int(check(db, "x@example.com", "192.0.2.1", 4, 1).count, 1);
	db_close(&db);
	test_end();

	test_begin("awl: the upgraded store reopens as version 2, read-only too");
	db = db_open(test_tmp_path("v1.db"), &o, &oerr);
	test_assert(db != NULL);
	if (db != NULL) {
		test_assert_int(db_stats(db, &st, &err), 0);
		test_assert_int(st.schema_version, DB_SCHEMA_VERSION);
		test_assert_int(st.awl_entries, 1);
		check_schema1_bayes(db);
		test_assert_int(entry(db, "x@example.com", "192.0").count, 2);
		db_close(&db);
	}
	free(oerr);
	test_end();
}

/* ---- concurrent writers ---- */

enum { PER_WRITER = 300 };

struct writer {
	double score;
	int failures;
	uint64_t seen_counts[PER_WRITER]; /* the count each update read */
};

static void write_many(struct writer *w)
{
	struct chk_awl_params p = params();
	struct chk_awl_result r;
	const char *err = NULL;
	struct db *db = open_ok("conc.db");
	int i;

	for (i = 0; i < PER_WRITER; i++) {
		if (chk_awl_check(db, &p, "busy@example.com", "192.0.2.9", w->score, 1, NOW, &r,
				  &err) < 0) {
			fprintf(stderr, "writer: %s\n", err);
			w->failures++;
		}
		w->seen_counts[i] = r.count;
	}
	db_close(&db);
}

static void *writer_thread(void *arg)
{
	write_many(arg);
	return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return *a < *b ? -1 : *a > *b;
}

static void test_concurrent(void)
{
	static struct writer w[2] = { { .score = 1 }, { .score = 2 } };
	uint64_t all[2 * PER_WRITER];
	struct db_awl_entry e;
	pthread_t th[2];
	struct db *db = open_ok("conc.db");
	pid_t pid[2];
	int i, status, order_ok = 1;

	test_begin("awl: two threads updating one entry lose nothing");
	pthread_create(&th[0], NULL, writer_thread, &w[0]);
	pthread_create(&th[1], NULL, writer_thread, &w[1]);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	test_assert_int(w[0].failures + w[1].failures, 0);
	e = entry(db, "busy@example.com", "192.0");
	test_assert_int(e.count, 2 * PER_WRITER);
	test_assert(near(e.total, 3 * PER_WRITER));
	/* each update read a different count: they ran one after another */
	memcpy(all, w[0].seen_counts, sizeof(w[0].seen_counts));
	memcpy(all + PER_WRITER, w[1].seen_counts, sizeof(w[1].seen_counts));
	qsort(all, 2 * PER_WRITER, sizeof(all[0]), cmp_u64);
	for (i = 0; i < 2 * PER_WRITER; i++)
		order_ok &= all[i] == (uint64_t)i;
	test_assert(order_ok);
	test_end();

	test_begin("awl: two processes updating one entry lose nothing");
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			write_many(&w[i]);
			_exit(w[i].failures == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		test_assert(pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i]);
		test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	e = entry(db, "busy@example.com", "192.0");
	test_assert_int(e.count, 4 * PER_WRITER);
	test_assert(near(e.total, 6 * PER_WRITER));
	test_end();
	db_close(&db);
}

int main(void)
{
	if (test_tmpdir("awl") < 0)
		return 1;
	test_arithmetic();
	test_ip_keys();
	test_addr_keys();
	test_check();
	test_list_remove();
	test_expire();
	test_migration();
	test_concurrent();
	test_tmpdir_remove();
	return test_exit();
}
