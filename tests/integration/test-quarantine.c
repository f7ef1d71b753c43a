/*
 * test-quarantine.c - quar_store() for test-quarantine.sh, and its own
 * checks of it.
 *
 *   test-quarantine store CONF FILE SENDER RCPT... [-d EPOCH] [-r REASON] [-s SCORE]
 *        stores FILE as the milter would (client 192.0.2.25, queue id
 *        TESTQ1) and prints the new id
 *   test-quarantine check
 *        a stored file is the message byte for byte, mode 0600, indexed
 *        with the decoded From and Subject; no temporary file is left;
 *        concurrent stores from threads get distinct ids, all indexed;
 *        failures return -1 and leave nothing behind: a directory that
 *        cannot be made, one the user cannot write (as nobody), a write
 *        failing half way (RLIMIT_FSIZE), the index failing after the
 *        file was written (db_path in a missing directory), no recipients.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "filterd/quarantine.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "tests/unit/test.h"

static const char test_msg[] =
	"From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.org>\n"
	"To: bob@virt.test\n"
	"Subject: =?ISO-8859-1?Q?caf=E9?= au lait\n"
	"Message-ID: <q1@example.org>\n"
	"\n"
	"body line\n"
	".leading dot\n";

static char *read_all(const char *path, size_t *len_r)
{
	struct buf b = BUF_INIT;
	FILE *f = fopen(path, "rb");
	char tmp[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len_r = b.len;
	buf_append_char(&b, '\0');
	return buf_steal(&b);
}

/* dir and db are file names in the test's directory (test_tmp_path's
   buffer is one, so the paths are made here one after the other), or
   absolute paths. */
static struct cfg *conf_for(const char *dir, const char *db)
{
	struct cfg *c = cfg_new();
	char *err = NULL;

	if (cfg_set(c, "quarantine_dir", dir[0] == '/' ? dir : test_tmp_path(dir), "test",
		    &err) < 0 ||
	    cfg_set(c, "db_path", db[0] == '/' ? db : test_tmp_path(db), "test", &err) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return c;
}

static int store(const struct cfg *c, const char *msg, size_t len, size_t nrcpts,
		 char *id, char **err_r)
{
	static const char *const rcpts[] = { "bob@virt.test", "alice@virt.test" };
	struct quar_meta m = { "virus Eicar-Test", 9.5, "WN_VIRUS", "sender@example.org",
			       rcpts, nrcpts, "192.0.2.25", "TESTQ1", 0 };

	return quar_store(c, msg, len, &m, id, err_r);
}

/* Entries in dir (dot files too, but not . and ..). */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static uint64_t index_count(const char *db_path)
{
	struct db_stats st;
	const char *err = NULL;
	char *oerr = NULL;
	struct db *db = db_open(db_path, NULL, &oerr);

	if (db == NULL) {
		free(oerr);
		return 9999;
	}
	st.quar_entries = 9999;
	(void)db_stats(db, &st, &err);
	db_close(&db);
	return st.quar_entries;
}

static void check_store(void)
{
	struct cfg *c;
	char id[QUAR_ID_LEN + 1], *err = NULL, *data, path[512];
	struct db_quar_entry *e = NULL;
	struct arena *a = arena_new(4096);
	const char *derr = NULL;
	struct stat st;
	struct db *db;
	size_t len = 0;

	test_begin("quar_store: the file is the message, 0600, indexed with decoded fields");
	mkdir(test_tmp_path("ok"), 0700);
	snprintf(path, sizeof(path), "%s", test_tmp_path("ok/q"));
	c = conf_for("ok/q", "ok/winnow.db");
	test_assert_int(store(c, test_msg, sizeof(test_msg) - 1, 2, id, &err), 0);
	test_assert(quar_id_valid(id));
	snprintf(path, sizeof(path), "%s/%s", test_tmp_path("ok/q"), id);
	data = read_all(path, &len);
	test_assert(data != NULL && len == sizeof(test_msg) - 1 &&
		    memcmp(data, test_msg, len) == 0);
	free(data);
	test_assert_int(stat(path, &st), 0);
	test_assert_int(st.st_mode & 07777, 0600);
	test_assert_int(count_files(test_tmp_path("ok/q")), 1);
	db = quar_db_open(c, 1, &err);
	test_assert(db != NULL);
	if (db != NULL) {
		test_assert_int(db_quar_get(db, id, a, &e, &derr), 0);
		test_assert(e != NULL);
		if (e != NULL) {
			test_assert_str(e->hdr_from, "Jos\xc3\xa9 <jose@example.org>");
			test_assert_str(e->subject, "caf\xc3\xa9 au lait");
			test_assert_str(e->reason, "virus Eicar-Test");
			test_assert_str(e->mail_from, "sender@example.org");
			test_assert_str(e->client_ip, "192.0.2.25");
			test_assert_str(e->queue_id, "TESTQ1");
			test_assert_int(e->size, sizeof(test_msg) - 1);
			test_assert_int(e->nrcpts, 2);
			test_assert(e->date > 0);
		}
		db_close(&db);
	}
	cfg_free(&c);
	arena_free(&a);
	test_end();
}

struct thread_arg {
	const struct cfg *c;
	char id[QUAR_ID_LEN + 1];
	int ret;
};

static void *store_thread(void *p)
{
	struct thread_arg *t = p;
	char *err = NULL;

	t->ret = store(t->c, test_msg, sizeof(test_msg) - 1, 1, t->id, &err);
	if (t->ret < 0)
		fprintf(stderr, "thread: %s\n", err);
	free(err);
	return NULL;
}

static void check_threads(void)
{
	enum { N = 8 };
	struct cfg *c;
	pthread_t th[N];
	struct thread_arg args[N];
	int i, j, ok = 1;

	test_begin("quar_store: threads storing at once get distinct ids, all indexed");
	mkdir(test_tmp_path("thr"), 0700);
	c = conf_for("thr/q", "thr/winnow.db");
	/* the first store makes the store and migrates it; then many at once */
	args[0].c = c;
	store_thread(&args[0]);
	for (i = 0; i < N; i++) {
		args[i].c = c;
		pthread_create(&th[i], NULL, store_thread, &args[i]);
	}
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < N; i++) {
		ok &= args[i].ret == 0;
		for (j = 0; j < i; j++)
			ok &= strcmp(args[i].id, args[j].id) != 0;
	}
	test_assert(ok);
	test_assert_int(count_files(test_tmp_path("thr/q")), N + 1);
	test_assert_int(index_count(test_tmp_path("thr/winnow.db")), N + 1);
	cfg_free(&c);
	test_end();
}

/* Runs store in a child (for setuid and rlimits); its return value. */
static int store_in_child(const struct cfg *c, int as_nobody, long fsize_limit)
{
	char id[QUAR_ID_LEN + 1], *err = NULL;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { (rlim_t)fsize_limit, (rlim_t)fsize_limit };
		static char big[256 * 1024];
		if (as_nobody && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		if (fsize_limit > 0) {
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
			memset(big, 'x', sizeof(big));
			memcpy(big, test_msg, sizeof(test_msg) - 1);
			_exit(store(c, big, sizeof(big), 1, id, &err) < 0 ? 1 : 0);
		}
		_exit(store(c, test_msg, sizeof(test_msg) - 1, 1, id, &err) < 0 ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -2;
	return WEXITSTATUS(status) == 1 ? -1 : WEXITSTATUS(status);
}

static void check_failures(void)
{
	char id[QUAR_ID_LEN + 1], *err = NULL, path[512];
	struct cfg *c;
	FILE *f;

	test_begin("quar_store: a directory that cannot be made: -1, nothing left");
	mkdir(test_tmp_path("f1"), 0700);
	f = fopen(test_tmp_path("f1/plainfile"), "w");
	if (f != NULL)
		fclose(f);
	snprintf(path, sizeof(path), "%s/q", test_tmp_path("f1/plainfile"));
	c = conf_for(path, "f1/winnow.db");
	test_assert_int(store(c, test_msg, sizeof(test_msg) - 1, 1, id, &err), -1);
	test_assert(err != NULL && strstr(err, "Not a directory") != NULL);
	free(err);
	err = NULL;
	test_assert_int(count_files(test_tmp_path("f1")), 1); /* plainfile only: no db either */
	cfg_free(&c);
	test_end();

	test_begin("quar_store: the index failing after the file: -1, the file removed");
	mkdir(test_tmp_path("f2"), 0700);
	c = conf_for("f2/q", "f2/missing/dir/winnow.db");
	test_assert_int(store(c, test_msg, sizeof(test_msg) - 1, 1, id, &err), -1);
	test_assert(err != NULL && strstr(err, "winnow.db") != NULL);
	free(err);
	err = NULL;
	test_assert_int(count_files(test_tmp_path("f2/q")), 0);
	cfg_free(&c);
	test_end();

	test_begin("quar_store: no recipients: -1, nothing stored");
	c = conf_for("f2/q", "f2/winnow.db");
	test_assert_int(store(c, test_msg, sizeof(test_msg) - 1, 0, id, &err), -1);
	free(err);
	err = NULL;
	test_assert_int(count_files(test_tmp_path("f2/q")), 0);
	test_end();

	test_begin("quar_store: a write failing half way (file size limit): -1, nothing left");
	test_assert_int(store_in_child(c, 0, 64 * 1024), -1);
	test_assert_int(count_files(test_tmp_path("f2/q")), 0);
	test_assert_int(index_count(test_tmp_path("f2/winnow.db")), 0);
	cfg_free(&c);
	test_end();

	if (getuid() == 0) {
		test_begin("quar_store: a directory its user cannot write: -1, nothing left");
		mkdir(test_tmp_path("f3"), 0755);
		mkdir(test_tmp_path("f3/q"), 0755);
		chmod(test_tmp_path(""), 0755);
		c = conf_for("f3/q", "f3/winnow.db");
		test_assert_int(store_in_child(c, 1, 0), -1);
		test_assert_int(count_files(test_tmp_path("f3/q")), 0);
		test_assert_int(count_files(test_tmp_path("f3")), 1);
		cfg_free(&c);
		test_end();
	}
}

static int cmd_store(int argc, char **argv)
{
	struct quar_meta m = { "virus Eicar-Test", 9.5, "WN_VIRUS,EICAR", NULL, NULL, 0,
			       "192.0.2.25", "TESTQ1", 0 };
	char id[QUAR_ID_LEN + 1], *err = NULL, *data;
	struct cfg *c = cfg_new();
	size_t len = 0;
	int ch;

	while ((ch = getopt(argc, argv, "d:r:s:")) != -1) {
		switch (ch) {
		case 'd': m.date = (time_t)strtoll(optarg, NULL, 10); break;
		case 'r': m.reason = optarg; break;
		case 's': m.score = strtod(optarg, NULL); break;
		default: return 64;
		}
	}
	if (argc - optind < 4)
		return 64;
	if (cfg_load_file(c, argv[optind], &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 78;
	}
	data = read_all(argv[optind + 1], &len);
	if (data == NULL) {
		perror(argv[optind + 1]);
		return 66;
	}
	m.mail_from = argv[optind + 2];
	m.rcpts = (const char *const *)argv + optind + 3;
	m.nrcpts = (size_t)(argc - optind - 3);
	if (quar_store(c, data, len, &m, id, &err) < 0) {
		fprintf(stderr, "quar_store: %s\n", err);
		return 74;
	}
	printf("%s\n", id);
	free(data);
	cfg_free(&c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "store") == 0)
		return cmd_store(argc - 1, argv + 1);
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: test-quarantine check | store CONF FILE SENDER RCPT...\n");
		return 64;
	}
	if (test_tmpdir("quarantine") < 0)
		return 1;
	check_store();
	check_threads();
	check_failures();
	test_tmpdir_remove();
	return test_exit();
}
