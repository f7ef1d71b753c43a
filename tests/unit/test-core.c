/*
 * test-core.c - arena, buf, cfg, hits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/hits.h"
#include "lib/log.h"
#include "lib/opool.h"
#include "lib/wn.h"
#include "tests/unit/test.h"

static void test_arena(void)
{
	struct arena *a = arena_new(1024);
	struct arena_vec vec = { 0 };
	char *s, *big;
	int i, *slot;

	test_begin("arena: alloc, strdup, printf, big blocks, vec");
	s = arena_strdup(a, "hello");
	test_assert_str(s, "hello");
	test_assert_str(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	big = arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	test_assert(((uintptr_t)arena_alloc(a, 3) & 15) == 0);
	for (i = 0; i < 1000; i++) {
		slot = ARENA_VEC_PUSH(a, &vec, int);
		*slot = i;
	}
	test_assert_int(vec.count, 1000);
	test_assert_int(((int *)vec.v)[999], 999);
	test_assert_str(s, "hello");
	arena_free(&a);
	test_assert(a == NULL);
	test_end();
}

static int cleanup_ran;
static void cleanup_fn(void *ctx)
{
	cleanup_ran += *(int *)ctx;
}

static void test_arena_cleanup(void)
{
	struct arena *a = arena_new(0);
	static int one = 1;

	test_begin("arena: cleanups run on reset and free");
	arena_add_cleanup(a, cleanup_fn, &one);
	arena_reset(a);
	test_assert_int(cleanup_ran, 1);
	arena_add_cleanup(a, cleanup_fn, &one);
	arena_free(&a);
	test_assert_int(cleanup_ran, 2);
	test_end();
}

static void test_buf(void)
{
	struct buf b = BUF_INIT;
	char *p;

	test_begin("buf: append, printf, json, steal");
	test_assert_str(buf_cstr(&b), "");
	buf_append_str(&b, "a");
	buf_printf(&b, "%05d", 7);
	test_assert_str(b.data, "a00007");
	buf_truncate(&b, 1);
	buf_append_json(&b, "q\"\n\x01", 4);
	test_assert_str(b.data, "aq\\\"\\n\\u0001");
	p = buf_steal(&b);
	test_assert(b.data == NULL && b.len == 0);
	free(p);
	test_end();
}

static void test_cfg(void)
{
	struct cfg *c = cfg_new();
	char *err = NULL;
	const char *const *v;
	char path[] = "/tmp/wn-test-cfg-XXXXXX";
	FILE *f;
	int fd;

	test_begin("cfg: defaults, -o, file errors name file:line");
	test_assert(cfg_double(c, "required_score") == 5.0);
	test_assert_int(cfg_size(c, "msg_max_size"), 10 * 1024 * 1024);
	test_assert_int(cfg_set_option(c, "required_score=6.5", &err), 0);
	test_assert(cfg_double(c, "required_score") == 6.5);
	test_assert_int(cfg_set_option(c, "required_score=abc", &err), -1);
	test_assert(err != NULL && strstr(err, "required_score") != NULL);
	free(err);
	err = NULL;
	test_assert_int(cfg_set_option(c, "rules_dir=/a, /b /c", &err), 0);
	test_assert_int(cfg_list(c, "rules_dir", &v), 3);
	test_assert_str(v[1], "/b");

	fd = mkstemp(path);
	test_assert(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# comment\nmsg_max_size = 1m\n\nno_such_key = 1\n");
	fclose(f);
	test_assert_int(cfg_load_file(c, path, &err), -1);
	test_assert(err != NULL && strstr(err, ":4: unknown key 'no_such_key'") != NULL);
	test_assert_int(cfg_size(c, "msg_max_size"), 1024 * 1024);
	free(err);
	unlink(path);
	cfg_free(&c);
	test_assert(c == NULL);
	test_end();
}

static void test_hits(void)
{
	struct arena *a = arena_new(0);
	struct hit_list l;
	int i;

	test_begin("hits: add, find, score skips subrules, sort");
	hits_init(&l, a);
	for (i = 0; i < 100; i++)
		hits_add(&l, arena_printf(a, "R%03d", 99 - i), 0.5, NULL, 0);
	hits_add(&l, "__SUB", 10.0, NULL, HIT_F_SUBRULE);
	test_assert(hits_find(&l, "R050") != NULL);
	test_assert(hits_find(&l, "NOPE") == NULL);
	test_assert(hits_score(&l) == 50.0);
	hits_sort(&l);
	test_assert_str(l.v[0].name, "R000");
	arena_free(&a);
	test_end();
}

static void test_log_escape(void)
{
	char out[16];

	test_begin("log: escape control bytes and truncate");
	test_assert_str(log_escape(out, sizeof(out), "a\nb", 3), "a\\x0ab");
	log_escape(out, sizeof(out), "0123456789abcdefghij", 20);
	test_assert(strlen(out) < sizeof(out) && strstr(out, "...") != NULL);
	test_end();
}

/* etc/winnow.conf documents every key with its built-in default. */
static void test_cfg_shipped(void)
{
	struct cfg *c = cfg_new();
	const struct cfg_key *keys;
	size_t n, i, len;
	char *text = test_read_file("etc/winnow.conf", &len), *err = NULL;

	test_begin("cfg: etc/winnow.conf lists every key with its default, and loads");
	keys = cfg_keys(&n);
	test_assert(n >= 10);
	for (i = 0; i < n; i++) {
		char want[256];
		snprintf(want, sizeof(want), "\n#%s = %s\n", keys[i].name, keys[i].def);
		if (strcmp(keys[i].def, "") == 0)
			snprintf(want, sizeof(want), "\n#%s =\n", keys[i].name);
		if (strstr(text, want) == NULL)
			fprintf(stderr, "etc/winnow.conf lacks: %s", want + 1);
		test_assert(strstr(text, want) != NULL);
	}
	test_assert_int(cfg_load_file(c, test_src_path("etc/winnow.conf"), &err), 0);
	free(text);
	cfg_free(&c);
	test_end();
}

/* The ordered pool: items come back in submission order however the
   workers finish, with several threads and with none. */
struct opool_test {
	unsigned int next, bad, worked;
	pthread_mutex_t lock;
};

static void opool_test_work(void *vctx, void *item)
{
	struct opool_test *t = vctx;
	unsigned int *v = item;

	if (*v % 7 == 0)
		usleep(200 * (*v % 5)); /* some finish late */
	pthread_mutex_lock(&t->lock);
	t->worked++;
	pthread_mutex_unlock(&t->lock);
}

static void opool_test_finish(void *vctx, void *item)
{
	struct opool_test *t = vctx;
	unsigned int *v = item;

	if (*v != t->next)
		t->bad++;
	t->next++;
	free(v);
}

static void test_opool(void)
{
	unsigned int threads[] = { 1, 4 }, k, i;

	test_begin("opool: results in submission order, with and without threads");
	for (k = 0; k < 2; k++) {
		struct opool_test t = { 0, 0, 0, PTHREAD_MUTEX_INITIALIZER };
		struct opool *p = opool_new(threads[k], opool_test_work, opool_test_finish, &t);
		for (i = 0; i < 500; i++) {
			unsigned int *v = xmalloc(sizeof(*v));
			*v = i;
			opool_submit(p, v);
		}
		opool_free(&p);
		test_assert(p == NULL);
		test_assert_int(t.next, 500);
		test_assert_int(t.worked, 500);
		test_assert_int(t.bad, 0);
	}
	test_end();
}

int main(void)
{
	test_arena();
	test_arena_cleanup();
	test_buf();
	test_cfg();
	test_hits();
	test_log_escape();
	test_cfg_shipped();
	test_opool();
	return test_exit();
}
