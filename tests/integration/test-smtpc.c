/*
 * test-smtpc.c - lib/smtp_client.c. Run by test-smtpc.sh:
 *
 *   test-smtpc                   reply parser (whole, and fed one byte
 *                                at a time) and next hop syntax
 *   test-smtpc peers DIR PORT    the scripted peers of test-smtpc.py
 *                                (ports in DIR/ports); PORT has nobody
 *                                listening
 *   test-smtpc postfix DIR PORT  a real Postfix made by
 *                                postfix-instance.sh DIR PORT "", with
 *                                bob@ and carol@virt.test in vmailbox
 *
 * The peers case checks the exact bytes on the wire (DATA conversion,
 * MAIL FROM parameters, HELO fallback); the Postfix case checks what
 * lands in the Maildir.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/smtp_client.h"
#include "lib/wn.h"
#include "tests/unit/test.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = realloc(data, cap + 1);
			if (data == NULL)
				abort();
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	data[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return data;
}

/* --- parser --- */

static void parse_case(const char *in, long want_used, int want_code, const char *want_text)
{
	size_t len = strlen(in), i;
	char text[64];
	int code = 0;
	long used = smtp_reply_parse(in, len, &code, text, sizeof(text));

	test_assert_int(used, want_used);
	if (want_used > 0) {
		test_assert_int(code, want_code);
		test_assert_str(text, want_text);
	}
	/* one byte at a time: incomplete until the whole reply is there */
	for (i = 0; want_used > 0 && i < (size_t)want_used; i++)
		test_assert_int(smtp_reply_parse(in, i, &code, text, sizeof(text)), 0);
}

static void test_parse(void)
{
	char small[8];
	int code = 0;

	test_begin("smtpc: reply parser");
	parse_case("220 mx.example.test ESMTP\r\n", 27, 220, "mx.example.test ESMTP");
	parse_case("250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 38, 250, "8BITMIME");
	parse_case("250 ok\r\n354 go\r\n", 8, 250, "ok");
	parse_case("221\r\n", 5, 221, "");
	parse_case("250 bare lf\n", 12, 250, "bare lf");
	parse_case("550 5.1.1 \x01\x7f\xc3\xa9 x\r\n", 18, 550, "5.1.1 ???? x");
	parse_case("250-a\r\n251 b\r\n", -1, 0, NULL);  /* codes differ */
	parse_case("2500 x\r\n", -1, 0, NULL);
	parse_case("hello\r\n", -1, 0, NULL);
	parse_case("150 x\r\n", -1, 0, NULL);       /* not an SMTP code */
	parse_case("25", 0, 0, NULL);
	parse_case("abc", -1, 0, NULL);
	parse_case("250-more to come\r\n", 0, 0, NULL);
	parse_case("", 0, 0, NULL);
	test_assert_int(smtp_reply_parse("250 a long text\r\n", 17, &code, small, sizeof(small)), 17);
	test_assert_str(small, "a long ");
	test_end();
}

static void test_next_hop(void)
{
	const char *err = NULL;

	test_begin("smtpc: next hop syntax");
	test_assert_int(smtp_next_hop_check("127.0.0.1:25", &err), 0);
	test_assert_int(smtp_next_hop_check("localhost:2525", &err), 0);
	test_assert_int(smtp_next_hop_check("[::1]:25", &err), 0);
	test_assert_int(smtp_next_hop_check("[127.0.0.1]:25", &err), 0);
	test_assert_int(smtp_next_hop_check("unix:/var/spool/postfix/public/x", &err), 0);
	test_assert_int(smtp_next_hop_check("", &err), -1);
	test_assert_int(smtp_next_hop_check(NULL, &err), -1);
	test_assert_int(smtp_next_hop_check("127.0.0.1", &err), -1);
	test_assert_int(smtp_next_hop_check("127.0.0.1:", &err), -1);
	test_assert_int(smtp_next_hop_check("127.0.0.1:0", &err), -1);
	test_assert_int(smtp_next_hop_check("127.0.0.1:65536", &err), -1);
	test_assert_int(smtp_next_hop_check("127.0.0.1:2x", &err), -1);
	test_assert_int(smtp_next_hop_check("::1:25", &err), -1);
	test_assert_int(smtp_next_hop_check("[::1:25", &err), -1);
	test_assert_int(smtp_next_hop_check("[]:25", &err), -1);
	test_assert_int(smtp_next_hop_check(":25", &err), -1);
	test_assert_int(smtp_next_hop_check("bad host:25", &err), -1);
	test_assert_int(smtp_next_hop_check("unix:relative", &err), -1);
	test_assert_int(smtp_next_hop_check("unix:", &err), -1);
	test_end();
}

/* --- scripted peers --- */

/* The port of peer name, or -1 when it is not listed. */
static int peer_port_opt(const char *dir, const char *name)
{
	char path[512], line[128], n[64];
	FILE *f;
	int port = -1, p;

	snprintf(path, sizeof(path), "%s/ports", dir);
	f = fopen(path, "r");
	if (f == NULL)
		abort();
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%63s %d", n, &p) == 2 && strcmp(n, name) == 0)
			port = p;
	fclose(f);
	return port;
}

static int peer_port(const char *dir, const char *name)
{
	int port = peer_port_opt(dir, name);

	if (port < 0)
		abort();
	return port;
}

/* The transcript test-smtpc.py recorded for session n of peer name. */
static char *transcript(const char *dir, const char *name, int n)
{
	char path[512];
	char *t = NULL;
	int i;

	snprintf(path, sizeof(path), "%s/%s.%d", dir, name, n);
	/* the peer writes it (whole, by rename) when the session ends, just
	   after our QUIT; up to 10 s on a busy machine */
	for (i = 0; i < 500 && (t = read_all(path, NULL)) == NULL; i++)
		usleep(20000);
	return t != NULL ? t : strdup("(no transcript)");
}

static int send_to(const char *hop, unsigned int timeout_ms, const char *from,
		   const char *const *rcpts, size_t nrcpts, const char *msg,
		   struct smtp_send_result *r)
{
	struct smtp_client_conf conf = { hop, "client.example.test", timeout_ms };

	return smtp_send(&conf, from, rcpts, nrcpts, msg, strlen(msg), r);
}

static void test_pieces(const char *dir)
{
	static const char msg[] = "Subject: caf\xc3\xa9\r\n\r\n.line\nbare\rcr\r\n..\n.\n\nend";
	static const char wire[] = "DATA: Subject: caf\xc3\xa9\r\n\r\n..line\r\nbare\r\ncr\r\n"
				   "...\r\n..\r\n\r\nend\r\n.\r\n";
	const char *rcpts[] = { "bob@virt.test", "j\xc3\xbcrgen@virt.test" };
	struct smtp_send_result r;
	char hop[64], *t;
	double t0;

	test_begin("smtpc: replies in pieces, DATA conversion, 8BITMIME+SMTPUTF8");
	snprintf(hop, sizeof(hop), "127.0.0.1:%d", peer_port(dir, "pieces"));
	t0 = now_s();
	test_assert_int(send_to(hop, 10000, "", rcpts, 2, msg, &r), 0);
	printf("  replies in 3-byte pieces, 20 ms apart: %.2f s\n", now_s() - t0);
	test_assert_int(r.code, 250);
	test_assert_int(r.rcpts_ok, 2);
	test_assert_str(r.reply, "2.0.0 as 4ABC123");
	t = transcript(dir, "pieces", 1);
	test_assert(strstr(t, "C: EHLO client.example.test\r\n") != NULL);
	test_assert(strstr(t, "C: MAIL FROM:<> BODY=8BITMIME SMTPUTF8\r\n") != NULL);
	test_assert(strstr(t, "C: RCPT TO:<bob@virt.test>\r\nC: RCPT TO:<j\xc3\xbcrgen@virt.test>\r\n"
			   "C: DATA\r\n") != NULL);
	test_assert(strstr(t, wire) != NULL);
	test_assert(strstr(t, "\r\nC: QUIT\r\n") != NULL);
	free(t);

	/* an empty message is just the final dot; plain ASCII needs no
	   parameters */
	test_assert_int(send_to(hop, 10000, "a@b.test", rcpts, 1, "", &r), 0);
	t = transcript(dir, "pieces", 2);
	test_assert(strstr(t, "C: MAIL FROM:<a@b.test>\r\n") != NULL);
	test_assert(strstr(t, "DATA: .\r\n") != NULL);
	free(t);
	test_end();
}

static void test_oldie(const char *dir)
{
	const char *rcpts[] = { "bob@virt.test" }, *utf8[] = { "j\xc3\xbcrgen@virt.test" };
	struct smtp_send_result r;
	char hop[64], *t;

	test_begin("smtpc: HELO fallback, no extensions, SMTPUTF8 required");
	snprintf(hop, sizeof(hop), "127.0.0.1:%d", peer_port(dir, "oldie"));
	test_assert_int(send_to(hop, 10000, "a@b.test", rcpts, 1, "x: \xff\n\nbody\n", &r), 0);
	t = transcript(dir, "oldie", 1);
	test_assert(strstr(t, "C: EHLO client.example.test\r\nC: HELO client.example.test\r\n") !=
		    NULL);
	/* 8-bit content goes out as is, without parameters it cannot use */
	test_assert(strstr(t, "C: MAIL FROM:<a@b.test>\r\n") != NULL);
	test_assert(strstr(t, "DATA: x: \xff\r\n\r\nbody\r\n.\r\n") != NULL);
	free(t);
	/* a non-ASCII address cannot go to a server without SMTPUTF8 */
	test_assert_int(send_to(hop, 10000, "", utf8, 1, "x\n", &r), -1);
	test_assert_int(r.permanent, 1);
	test_assert(strstr(r.reply, "SMTPUTF8") != NULL);
	t = transcript(dir, "oldie", 2);
	test_assert(strstr(t, "MAIL") == NULL);
	test_assert(strstr(t, "C: QUIT\r\n") != NULL);
	free(t);
	test_end();
}

static void test_unix_ipv6(const char *dir)
{
	const char *rcpts[] = { "bob@virt.test" };
	struct smtp_send_result r;
	char hop[600], *t;
	int port6 = peer_port_opt(dir, "plain6");

	test_begin("smtpc: unix socket and [::1] next hops");
	snprintf(hop, sizeof(hop), "unix:%s/smtp.sock", dir);
	test_assert_int(send_to(hop, 5000, "a@b.test", rcpts, 1, "Subject: u\n\nunix\n", &r), 0);
	t = transcript(dir, "plain", 1);
	test_assert(strstr(t, "DATA: Subject: u\r\n\r\nunix\r\n.\r\n") != NULL);
	free(t);
	if (port6 < 0) {
		printf("  no IPv6 on this host: [::1] case skipped\n");
	} else {
		snprintf(hop, sizeof(hop), "[::1]:%d", port6);
		test_assert_int(send_to(hop, 5000, "a@b.test", rcpts, 1, "six\n", &r), 0);
		t = transcript(dir, "plain6", 1);
		test_assert(strstr(t, "DATA: six\r\n.\r\n") != NULL);
		free(t);
	}
	test_end();
}

static void test_failures(const char *dir, int refused_port)
{
	const char *rcpts[] = { "bob@virt.test" }, *evil[] = { "bob@virt.test>\r\nRSET" };
	struct smtp_send_result r;
	char hop[64];
	double t0, el;

	test_begin("smtpc: refused, silent, late refusal, bad input");
	snprintf(hop, sizeof(hop), "127.0.0.1:%d", refused_port);
	test_assert_int(send_to(hop, 5000, "", rcpts, 1, "x\n", &r), -1);
	test_assert_int(r.code, 0);
	test_assert_int(r.permanent, 0);
	test_assert(strstr(r.reply, "Connection refused") != NULL);
	test_assert_int(send_to("unix:/nonexistent/smtp", 5000, "", rcpts, 1, "x\n", &r), -1);
	test_assert(strstr(r.reply, "No such file") != NULL);

	snprintf(hop, sizeof(hop), "127.0.0.1:%d", peer_port(dir, "silent"));
	t0 = now_s();
	test_assert_int(send_to(hop, 1500, "", rcpts, 1, "x\n", &r), -1);
	el = now_s() - t0;
	printf("  silent server, timeout_ms 1500: gave up after %.3f s (%s)\n", el, r.reply);
	test_assert(el >= 1.45 && el < 2.0);
	test_assert_int(r.code, 0);
	test_assert(strstr(r.reply, "timeout") != NULL);

	snprintf(hop, sizeof(hop), "127.0.0.1:%d", peer_port(dir, "late"));
	test_assert_int(send_to(hop, 5000, "", rcpts, 1, "x\n", &r), -1);
	test_assert_int(r.code, 554);
	test_assert_int(r.permanent, 1);
	test_assert_int(r.rcpts_ok, 1);
	test_assert_str(r.reply, "5.7.1 content rejected");

	/* the longest address RFC 5321 allows goes out; one more byte does not */
	{
		char longest[258];
		const char *one[] = { longest };

		memset(longest, 'a', 256);
		memcpy(longest + 240, "@example.test", 13);
		longest[256] = '\0';
		test_assert_int(send_to(hop, 5000, longest, one, 1, "x\n", &r), -1);
		test_assert_int(r.code, 554); /* refused by the peer after DATA */
		longest[256] = 'a';
		longest[257] = '\0';
		test_assert_int(send_to(hop, 5000, "", one, 1, "x\n", &r), -1);
		test_assert_int(r.code, 0);
	}
	/* an address that would smuggle a command never reaches the wire */
	test_assert_int(send_to(hop, 5000, "", evil, 1, "x\n", &r), -1);
	test_assert_int(r.code, 0);
	test_assert_int(send_to(hop, 5000, "a>b", rcpts, 1, "x\n", &r), -1);
	test_assert_int(send_to(hop, 5000, "", rcpts, 0, "x\n", &r), -1);
	test_assert_int(send_to("nonsense", 5000, "", rcpts, 1, "x\n", &r), -1);
	test_end();
}

/* --- real Postfix --- */

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The only file in dir (waiting up to 20 s for Postfix to deliver). */
static char *delivered(const char *dir, size_t *len_r)
{
	char path[1024];
	struct dirent *e;
	char *data = NULL;
	DIR *d;
	int i;

	for (i = 0; i < 400 && count_files(dir) == 0; i++)
		usleep(50000);
	d = opendir(dir);
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL && data == NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = read_all(path, len_r);
	}
	closedir(d);
	return data;
}

/* The delivered message without the lines Postfix's virtual(8) puts in
   front (Return-Path, X-Original-To, Delivered-To, Received and its
   continuations). */
static const char *strip_prepended(const char *m)
{
	static const char *const names[] = { "Return-Path:", "X-Original-To:", "Delivered-To:",
					     "Received:" };
	size_t i;

	for (;;) {
		int known = m[0] == ' ' || m[0] == '\t';
		const char *nl;

		for (i = 0; i < N_ELEMENTS(names) && !known; i++)
			known = strncmp(m, names[i], strlen(names[i])) == 0;
		if (!known || (nl = strchr(m, '\n')) == NULL)
			return m;
		m = nl + 1;
	}
}

/* msg with every CRLF as LF: what Postfix stores. */
static char *lf_only(const char *msg)
{
	char *out = malloc(strlen(msg) + 1), *o = out;

	if (out == NULL)
		abort();
	for (; *msg != '\0'; msg++)
		if (!(msg[0] == '\r' && msg[1] == '\n'))
			*o++ = *msg;
	*o = '\0';
	return out;
}

static void test_postfix(const char *dir, int port)
{
	static const char msg[] =
		"From: Alice <alice@example.test>\r\n"
		"To: bob@virt.test, carol@virt.test\n"
		"Subject: =?UTF-8?Q?dots_and_bytes?=\r\n"
		"Date: Tue, 01 Dec 2026 17:00:00 +0000\n"
		"Message-ID: <smtpc-1@example.test>\r\n"
		"X-Raw: Gr\xc3\xbc\xc3\x9f" "e\n"
		"\n"
		".\n"
		"..\r\n"
		".leading dot\n"
		"...three\r\n"
		"middle . dot\n"
		"caf\xc3\xa9 \xe2\x82\xac 8-bit\r\n"
		"\n"
		"last line ends with CRLF\r\n";
	const char *rcpts[] = { "bob@virt.test", "carol@virt.test" };
	const char *bad[] = { "bob@virt.test", "nobody@virt.test" };
	char hop[64], bobdir[512], caroldir[512], *want, *got;
	struct smtp_send_result r;
	double t0;
	int before;

	snprintf(hop, sizeof(hop), "127.0.0.1:%d", port);
	snprintf(bobdir, sizeof(bobdir), "%s/postfix/vmail/virt.test/bob/new", dir);
	snprintf(caroldir, sizeof(caroldir), "%s/postfix/vmail/virt.test/carol/new", dir);

	test_begin("smtpc: real Postfix, two recipients, bytes intact");
	t0 = now_s();
	test_assert_int(send_to(hop, 10000, "", rcpts, 2, msg, &r), 0);
	/* the first connection includes smtpd's own start-up */
	printf("  Postfix accepted after %.3f s: %d %s\n", now_s() - t0, r.code, r.reply);
	test_assert_int(r.code, 250);
	test_assert_int(r.rcpts_ok, 2);
	want = lf_only(msg);
	got = delivered(bobdir, NULL);
	test_assert(got != NULL);
	if (got != NULL) {
		test_assert(strncmp(got, "Return-Path: <>\n", 16) == 0);
		test_assert_str(strip_prepended(got), want);
	}
	free(got);
	got = delivered(caroldir, NULL);
	test_assert(got != NULL);
	if (got != NULL)
		test_assert_str(strip_prepended(got), want);
	free(got);
	free(want);
	test_end();

	test_begin("smtpc: real Postfix refuses a recipient: nothing delivered");
	before = count_files(bobdir);
	t0 = now_s();
	test_assert_int(send_to(hop, 10000, "alice@example.test", bad, 2, msg, &r), -1);
	printf("  refused after %.3f s: %d %s\n", now_s() - t0, r.code, r.reply);
	test_assert_int(r.code, 550);
	test_assert_int(r.permanent, 1);
	test_assert_int(r.rcpts_ok, 1);
	test_assert(strstr(r.reply, "5.1.1") != NULL);
	test_assert(strstr(r.reply, "nobody@virt.test") != NULL);
	/* give a wrongly queued message the time to arrive */
	sleep(2);
	test_assert_int(count_files(bobdir), before);
	test_end();
}

/* A message of about size bytes: lines of 0..299 characters, LF and
   CRLF endings, lines starting with '.', 8-bit text; the same every run. */
static char *big_message(size_t size)
{
	static const char head[] = "From: alice@example.test\r\nTo: bob@virt.test\r\n"
				   "Subject: big\r\nDate: Tue, 01 Dec 2026 17:00:00 +0000\r\n"
				   "Message-ID: <smtpc-big@example.test>\r\n\r\n";
	char *m = malloc(size + 1024), *o;
	unsigned int seed = 12345;

	if (m == NULL)
		abort();
	memcpy(m, head, sizeof(head) - 1);
	o = m + sizeof(head) - 1;
	while ((size_t)(o - m) < size) {
		unsigned int len, i;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % 300;
		for (i = 0; i < len; i++) {
			if (i == 0 && (seed & 7) == 0)
				*o++ = '.';
			else if ((seed >> 3) % 5 == 0 && i % 7 == 3)
				*o++ = (char)0xc3, *o++ = (char)0xa9, i++;
			else
				*o++ = (char)('a' + (i + seed) % 26);
		}
		if (seed & 0x10)
			*o++ = '\r';
		*o++ = '\n';
	}
	*o = '\0';
	return m;
}

static void test_postfix_big(const char *dir, int port)
{
	const char *rcpts[] = { "bob@virt.test" };
	char hop[64], bobdir[512], *msg, *want, *got = NULL;
	struct smtp_send_result r;
	int before, i;
	double t0, el;

	test_begin("smtpc: real Postfix, a 5 MB message in one piece");
	snprintf(hop, sizeof(hop), "127.0.0.1:%d", port);
	snprintf(bobdir, sizeof(bobdir), "%s/postfix/vmail/virt.test/bob/new", dir);
	before = count_files(bobdir);
	msg = big_message(5 * 1000 * 1000);
	t0 = now_s();
	test_assert_int(send_to(hop, 30000, "alice@example.test", rcpts, 1, msg, &r), 0);
	el = now_s() - t0;
	printf("  %zu bytes accepted in %.3f s (%.1f MB/s): %s\n", strlen(msg), el,
	       (double)strlen(msg) / el / 1e6, r.reply);
	for (i = 0; i < 400 && count_files(bobdir) == before; i++)
		usleep(50000);
	test_assert_int(count_files(bobdir), before + 1);
	want = lf_only(msg);
	/* the newest file is ours: find it by its Message-ID */
	{
		struct dirent *e;
		char path[1024];
		DIR *d = opendir(bobdir);

		while (d != NULL && (e = readdir(d)) != NULL && got == NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", bobdir, e->d_name);
			got = read_all(path, NULL);
			if (got != NULL && strstr(got, "<smtpc-big@example.test>") == NULL) {
				free(got);
				got = NULL;
			}
		}
		if (d != NULL)
			closedir(d);
	}
	test_assert(got != NULL && strcmp(strip_prepended(got), want) == 0);
	free(got);
	free(want);
	free(msg);
	test_end();
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		test_parse();
		test_next_hop();
	} else if (argc == 4 && strcmp(argv[1], "peers") == 0) {
		test_pieces(argv[2]);
		test_oldie(argv[2]);
		test_unix_ipv6(argv[2]);
		test_failures(argv[2], atoi(argv[3]));
	} else if (argc == 4 && strcmp(argv[1], "postfix") == 0) {
		test_postfix(argv[2], atoi(argv[3]));
		test_postfix_big(argv[2], atoi(argv[3]));
	} else {
		fprintf(stderr, "usage: test-smtpc [peers DIR PORT | postfix DIR PORT]\n");
		return 2;
	}
	return test_exit();
}
