/*
 * test-clamd.c - filterd/check_clamd.c against a real clamd. Run by
 * test-clamd.sh, which builds the fixtures (test-clamd.py gen), starts
 * clamd with its own config in DIR and the silent peer:
 *
 *   test-clamd                 reply parser cases only (no clamd)
 *   test-clamd live DIR PORT   clamd on DIR/clamd.sock and 127.0.0.1:PORT,
 *                              silent peers on DIR/silent-*.sock
 *   test-clamd stopped DIR PORT  after clamd was stopped: connect errors
 *   test-clamd bench DIR FILE...  scan time per file, each must be clean
 *
 * Results are asserted exactly: status, error kind, signature name, and
 * for the failure cases the time they took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filterd/check_clamd.h"
#include "lib/cfg.h"
#include "tests/unit/test.h"

#define EICAR_NAME "Test.EICAR-NDB.UNOFFICIAL"

static char *read_all(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		abort();
	}
	rewind(f);
	data = malloc((size_t)n + 1);
	if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	*len_r = (size_t)n;
	return data;
}

static void parse_case(const char *reply, size_t len, enum chk_clamd_status st,
		       enum chk_clamd_error err, const char *virus)
{
	struct chk_clamd_result r;

	chk_clamd_parse_reply(reply, len, &r);
	test_assert_str(chk_clamd_status_name(r.status), chk_clamd_status_name(st));
	test_assert_int(r.error, err);
	test_assert_str(r.virus, virus);
	if (st == CHK_CLAMD_ERROR)
		test_assert(r.reason[0] != '\0');
}

#define PARSE(lit, st, err, virus) parse_case(lit, sizeof(lit) - 1, st, err, virus)

static void test_parse(void)
{
	struct chk_clamd_result r;
	char big[2000];
	const char *err;

	test_begin("clamd reply parser");
	PARSE("stream: OK\0", CHK_CLAMD_CLEAN, CHK_CLAMD_ERR_NONE, "");
	PARSE("stream: OK", CHK_CLAMD_CLEAN, CHK_CLAMD_ERR_NONE, "");
	PARSE("stream: OK\n", CHK_CLAMD_CLEAN, CHK_CLAMD_ERR_NONE, "");
	PARSE("stream: Eicar-Signature FOUND\0", CHK_CLAMD_VIRUS, CHK_CLAMD_ERR_NONE,
	      "Eicar-Signature");
	PARSE("stream: Test.EICAR-NDB.UNOFFICIAL FOUND\n", CHK_CLAMD_VIRUS,
	      CHK_CLAMD_ERR_NONE, EICAR_NAME);
	PARSE("INSTREAM size limit exceeded. ERROR\0", CHK_CLAMD_ERROR,
	      CHK_CLAMD_ERR_SIZE_LIMIT, "");
	PARSE("stream: Can't allocate memory ERROR\0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_CLAMD, "");
	/* anything not exactly understood is an error, never clean */
	PARSE("", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("\0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: O", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: OK\0\0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: OK \0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: OK\r\n", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream:  FOUND", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: FOUND", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: two words FOUND", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("stream: bad\001name FOUND", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("1: stream: OK\0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("UNKNOWN COMMAND\n", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	PARSE("PONG\0", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	/* a name too long for r.virus is refused, not cut */
	memcpy(big, "stream: ", 8);
	memset(big + 8, 'A', 300);
	memcpy(big + 308, " FOUND", 7);
	parse_case(big, strlen(big), CHK_CLAMD_ERROR, CHK_CLAMD_ERR_PROTOCOL, "");
	/* clamd's text in a reason is made printable */
	PARSE("stream: \033[31mbad\n ERROR", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_CLAMD, "");
	chk_clamd_parse_reply("stream: \033[31mbad\n ERROR", 24, &r);
	test_assert_str(r.reason, "clamd: stream: ?[31mbad?");
	test_end();

	test_begin("clamd_socket syntax");
	test_assert_int(chk_clamd_socket_check("unix:/run/clamav/clamd.ctl", &err), 0);
	test_assert_int(chk_clamd_socket_check("127.0.0.1:3310", &err), 0);
	test_assert_int(chk_clamd_socket_check("localhost:3310", &err), 0);
	test_assert_int(chk_clamd_socket_check("[::1]:3310", &err), 0);
	test_assert_int(chk_clamd_socket_check("", &err), -1);
	test_assert_int(chk_clamd_socket_check("unix:relative", &err), -1);
	test_assert_int(chk_clamd_socket_check("127.0.0.1", &err), -1);
	test_assert_int(chk_clamd_socket_check("127.0.0.1:0", &err), -1);
	test_assert_int(chk_clamd_socket_check("127.0.0.1:70000", &err), -1);
	test_assert_int(chk_clamd_socket_check("127.0.0.1:33x", &err), -1);
	test_assert_int(chk_clamd_socket_check("[::1]3310", &err), -1);
	test_end();

	test_begin("clamd config keys");
	{
		struct cfg *c = cfg_new();
		struct chk_clamd_conf conf;
		char *cerr = NULL;

		chk_clamd_conf_from_cfg(&conf, c);
		test_assert_str(conf.socket, "");
		test_assert_int(conf.timeout_ms, 30000);
		test_assert_int(cfg_set(c, "clamd_socket", "unix:/tmp/x.sock", "-o", &cerr), 0);
		test_assert_int(cfg_set(c, "clamd_timeout_ms", "1500", "-o", &cerr), 0);
		chk_clamd_conf_from_cfg(&conf, c);
		test_assert_str(conf.socket, "unix:/tmp/x.sock");
		test_assert_int(conf.timeout_ms, 1500);
		/* an unset socket is an error, never clean */
		conf.socket = "";
		test_assert_int(chk_clamd_scan(&conf, "x", 1, &r), CHK_CLAMD_ERROR);
		test_assert_int(r.error, CHK_CLAMD_ERR_CONFIG);
		cfg_free(&c);
	}
	test_end();
}

static void scan_file(const struct chk_clamd_conf *conf, const char *path,
		      struct chk_clamd_result *r)
{
	size_t len;
	char *raw = read_all(path, &len);

	chk_clamd_scan(conf, raw, len, r);
	free(raw);
}

static void expect(const char *sock, const char *dir, const char *name,
		   enum chk_clamd_status st, enum chk_clamd_error err, const char *virus)
{
	struct chk_clamd_conf conf = { sock, 10000 };
	struct chk_clamd_result r;
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	scan_file(&conf, path, &r);
	printf("  %-14s via %-32s %s %s%s (%u ms)\n", name, sock, chk_clamd_status_name(r.status),
	       r.virus, r.reason, r.elapsed_ms);
	test_assert_str(chk_clamd_status_name(r.status), chk_clamd_status_name(st));
	test_assert_int(r.error, err);
	test_assert_str(r.virus, virus);
}

static void test_live(const char *dir, const char *port)
{
	char usock[512], tsock[64], path[600];
	struct chk_clamd_conf conf = { NULL, 10000 };
	struct chk_clamd_result r;
	const char *socks[2] = { usock, tsock };

	snprintf(usock, sizeof(usock), "unix:%s/clamd.sock", dir);
	snprintf(tsock, sizeof(tsock), "127.0.0.1:%s", port);

	test_begin("clamd PING");
	for (int i = 0; i < 2; i++) {
		conf.socket = socks[i];
		test_assert_int(chk_clamd_ping(&conf, &r), 0);
		test_assert_int(r.error, CHK_CLAMD_ERR_NONE);
	}
	test_end();

	test_begin("clamd INSTREAM verdicts");
	for (int i = 0; i < 2; i++) {
		expect(socks[i], dir, "eicar-inline", CHK_CLAMD_VIRUS, CHK_CLAMD_ERR_NONE, EICAR_NAME);
		expect(socks[i], dir, "eicar-b64", CHK_CLAMD_VIRUS, CHK_CLAMD_ERR_NONE, EICAR_NAME);
		expect(socks[i], dir, "eicar-zip", CHK_CLAMD_VIRUS, CHK_CLAMD_ERR_NONE, EICAR_NAME);
		expect(socks[i], dir, "clean", CHK_CLAMD_CLEAN, CHK_CLAMD_ERR_NONE, "");
		/* over StreamMaxLength (100K in the test's clamd.conf) */
		expect(socks[i], dir, "big", CHK_CLAMD_ERROR, CHK_CLAMD_ERR_SIZE_LIMIT, "");
	}
	/* an empty message is a valid stream */
	conf.socket = usock;
	test_assert_int(chk_clamd_scan(&conf, "", 0, &r), CHK_CLAMD_CLEAN);
	test_end();

	test_begin("clamd peer that never answers");
	{
		size_t len;
		char *raw;

		snprintf(path, sizeof(path), "%s/clean.eml", dir);
		raw = read_all(path, &len);
		/* reads the message, never replies: the read times out */
		snprintf(usock, sizeof(usock), "unix:%s/silent-read.sock", dir);
		conf.socket = usock;
		conf.timeout_ms = 700;
		test_assert_int(chk_clamd_scan(&conf, raw, len, &r), CHK_CLAMD_ERROR);
		printf("  silent-read: %s (%u ms, timeout 700)\n", r.reason, r.elapsed_ms);
		test_assert_int(r.error, CHK_CLAMD_ERR_TIMEOUT);
		test_assert(r.elapsed_ms >= 690 && r.elapsed_ms < 1000);
		test_assert_int(chk_clamd_ping(&conf, &r), -1);
		test_assert_int(r.error, CHK_CLAMD_ERR_TIMEOUT);
		free(raw);

		/* never reads: a large message fills the socket, the write
		   times out */
		snprintf(path, sizeof(path), "%s/big.eml", dir);
		raw = read_all(path, &len);
		snprintf(usock, sizeof(usock), "unix:%s/silent-noread.sock", dir);
		conf.timeout_ms = 500;
		test_assert_int(chk_clamd_scan(&conf, raw, len, &r), CHK_CLAMD_ERROR);
		printf("  silent-noread: %s (%u ms, timeout 500)\n", r.reason, r.elapsed_ms);
		test_assert_int(r.error, CHK_CLAMD_ERR_TIMEOUT);
		test_assert(r.elapsed_ms >= 490 && r.elapsed_ms < 800);
		free(raw);
	}
	test_end();
}

static void test_stopped(const char *dir, const char *port)
{
	char usock[512], tsock[64];
	const char *socks[2] = { usock, tsock };
	struct chk_clamd_conf conf = { NULL, 10000 };
	struct chk_clamd_result r;

	snprintf(usock, sizeof(usock), "unix:%s/clamd.sock", dir);
	snprintf(tsock, sizeof(tsock), "127.0.0.1:%s", port);
	test_begin("clamd stopped");
	for (int i = 0; i < 2; i++) {
		conf.socket = socks[i];
		test_assert_int(chk_clamd_scan(&conf, "Subject: x\n\nx\n", 14, &r), CHK_CLAMD_ERROR);
		printf("  %s (%u ms)\n", r.reason, r.elapsed_ms);
		test_assert_int(r.error, CHK_CLAMD_ERR_CONNECT);
		test_assert(strncmp(r.reason, "connect: ", 9) == 0);
		test_assert(r.elapsed_ms < 100);
		test_assert_int(chk_clamd_ping(&conf, &r), -1);
		test_assert_int(r.error, CHK_CLAMD_ERR_CONNECT);
	}
	test_end();
}

static void test_bench(const char *dir, int n, char **files)
{
	char usock[512];
	struct chk_clamd_conf conf = { usock, 10000 };
	struct chk_clamd_result r;
	double total = 0;
	size_t bytes = 0;

	snprintf(usock, sizeof(usock), "unix:%s/clamd.sock", dir);
	test_begin("clamd scan time per corpus message");
	for (int i = 0; i < n; i++) {
		size_t len;
		char *raw = read_all(files[i], &len);
		struct timespec t0, t1;
		double ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		chk_clamd_scan(&conf, raw, len, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		test_assert_str(chk_clamd_status_name(r.status), "clean");
		const char *base = strrchr(files[i], '/');

		printf("  %6zu bytes %7.3f ms %s\n", len, ms,
		       base != NULL ? base + 1 : files[i]);
		total += ms;
		bytes += len;
		free(raw);
	}
	if (n > 0)
		printf("  %d messages, %zu bytes, %.1f ms in all, %.3f ms per message\n", n, bytes,
		       total, total / n);
	test_end();
}

int main(int argc, char **argv)
{
	if (argc == 1)
		test_parse();
	else if (argc == 4 && strcmp(argv[1], "live") == 0)
		test_live(argv[2], argv[3]);
	else if (argc == 4 && strcmp(argv[1], "stopped") == 0)
		test_stopped(argv[2], argv[3]);
	else if (argc >= 3 && strcmp(argv[1], "bench") == 0)
		test_bench(argv[2], argc - 3, argv + 3);
	else {
		fprintf(stderr, "usage: test-clamd [live|stopped DIR PORT | bench DIR FILE...]\n");
		return 2;
	}
	return test_exit();
}
