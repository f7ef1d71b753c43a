/*
 * test-spamd.c - the spamd front-end (filterd/spamd.c, spamd_parse.c):
 * the request parser on every verb and on bad input, whole and fed one
 * byte at a time; spamd_serve() over a socketpair with a real engine
 * built from a tiny ruleset, checking the exact reply bytes; and the
 * listener on a unix socket.
 *
 * daemon.c is replaced by the test-local daemon_* functions below,
 * which hand out the test engine.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "filterd/daemon.h"
#include "filterd/scan.h"
#include "filterd/spamd.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/wn.h"
#include "tests/unit/test.h"

#define MAX_BODY 4096

static struct scan_engine *test_engine;

struct scan_engine *daemon_engine_get(void)
{
	return test_engine;
}

void daemon_engine_put(struct scan_engine *eng)
{
	(void)eng;
}

void daemon_engine_set(struct scan_engine *eng)
{
	test_engine = eng;
}

void daemon_log(int prio, const char *qid, const char *fmt, ...)
{
	(void)prio;
	(void)qid;
	(void)fmt;
}

int daemon_stopping(void)
{
	return 0;
}

static const char gtube_msg[] =
	"From: spammer@example.net\r\n"
	"Subject: buy now\r\n"
	"X-Spam-Flag: NO\r\n"
	"X-Spam-Status: No, score=0.0\r\n"
	"\tcontinued=old\r\n"
	"To: bob@example.org\r\n"
	"\r\n"
	"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n"
	"\r\n"
	"X-Spam-Flag: in the body stays\r\n";

static const char ham_msg[] =
	"From: alice@example.com\n"
	"Subject: Hello Bob\n"
	"\n"
	"just saying hello\n";

static const char test_cf[] =
	"body GTUBE /XJS\\*C4JDBQADN1\\.NSBN3\\*2IDNEN\\*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL\\*C\\.34X/\n"
	"describe GTUBE Generic test for unsolicited bulk email\n"
	"score GTUBE 1000\n"
	"header T_HELLO Subject =~ /hello/i\n"
	"describe T_HELLO Subject says hello\n"
	"score T_HELLO 0.5\n";

/* ---- the parser ---- */

static int parse_str(const char *s, int eof, struct spamd_req *r)
{
	return spamd_parse(s, strlen(s), MAX_BODY, eof, r);
}

/* Fed one byte at a time, the first final answer must be the whole
   input's answer. */
static void check_bytewise(const char *s)
{
	struct spamd_req whole, part;
	size_t len = strlen(s), i;
	int rc = spamd_parse(s, len, MAX_BODY, 1, &whole), prc = SPAMD_PARSE_MORE;

	for (i = 0; i <= len && prc == SPAMD_PARSE_MORE; i++)
		prc = spamd_parse(s, i, MAX_BODY, 0, &part);
	if (prc == SPAMD_PARSE_MORE)
		prc = spamd_parse(s, len, MAX_BODY, 1, &part);
	test_assert_int(prc, rc);
	if (rc == SPAMD_PARSE_DONE) {
		test_assert_int(part.verb, whole.verb);
		test_assert_int(part.body_len, whole.body_len);
		test_assert_str(part.user, whole.user);
	} else {
		test_assert_str(part.error, whole.error);
	}
}

static void test_parse_verbs(void)
{
	static const struct {
		const char *req;
		enum spamd_verb verb;
	} cases[] = {
		{ "CHECK SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_CHECK },
		{ "SYMBOLS SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_SYMBOLS },
		{ "REPORT SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_REPORT },
		{ "REPORT_IFSPAM SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_REPORT_IFSPAM },
		{ "PROCESS SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_PROCESS },
		{ "HEADERS SPAMC/1.5\r\nContent-length: 3\r\n\r\nabc", SPAMD_HEADERS },
		{ "TELL SPAMC/1.5\r\nContent-length: 3\r\nMessage-class: spam\r\n"
		  "Set: local\r\n\r\nabc", SPAMD_TELL },
	};
	struct spamd_req r;
	size_t i;

	test_begin("spamd parse: every verb with a body");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		test_assert_int(parse_str(cases[i].req, 0, &r), SPAMD_PARSE_DONE);
		test_assert_int(r.verb, cases[i].verb);
		test_assert_int(r.version, 5);
		test_assert_int(r.body_len, 3);
		test_assert(r.body != NULL && memcmp(r.body, "abc", 3) == 0);
		check_bytewise(cases[i].req);
	}
	test_end();

	test_begin("spamd parse: PING and SKIP, with and without headers");
	test_assert_int(parse_str("PING SPAMC/1.5\r\n", 0, &r), SPAMD_PARSE_MORE);
	test_assert_int(parse_str("PING SPAMC/1.5\r\n\r\n", 0, &r), SPAMD_PARSE_DONE);
	test_assert_int(r.verb, SPAMD_PING);
	test_assert_int(parse_str("PING SPAMC/1.2\r\n", 0, &r), SPAMD_PARSE_DONE);
	test_assert_int(parse_str("SKIP SPAMC/1.5\r\nUser: x\r\n\r\n", 0, &r), SPAMD_PARSE_DONE);
	test_assert_int(r.verb, SPAMD_SKIP);
	test_assert_str(spamd_verb_name(SPAMD_REPORT_IFSPAM), "REPORT_IFSPAM");
	test_end();
}

static void test_parse_headers(void)
{
	struct spamd_req r;

	test_begin("spamd parse: User, Message-class, Set, Remove, LF lines");
	test_assert_int(parse_str("TELL SPAMC/1.5\nUser:  bob\nMessage-class: HAM\n"
				  "Set: local, remote\nRemove: remote\nX-Other: ignored\n"
				  "Content-length: 0\n\n", 0, &r), SPAMD_PARSE_DONE);
	test_assert_str(r.user, "bob");
	test_assert_int(r.msg_class, SPAMD_CLASS_HAM);
	test_assert_int(r.set, SPAMD_TELL_LOCAL | SPAMD_TELL_REMOTE);
	test_assert_int(r.remove, SPAMD_TELL_REMOTE);
	test_end();

	test_begin("spamd parse: bad header values");
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nUser: a\001b\r\n\r\n", 0, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (User header contains control chars)");
	test_assert_int(parse_str("TELL SPAMC/1.5\r\nMessage-class: eggs\r\n\r\n", 0, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nCompress: zlib\r\n\r\n", 0, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (compression not supported: zlib)");
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nno colon here\r\n\r\n", 0, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (header not in 'Name: value' format)");
	test_end();
}

static void test_parse_length(void)
{
	struct spamd_req r;
	char big[64];

	test_begin("spamd parse: Content-length missing, short, bad, too big");
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\n\r\nabc", 0, &r), SPAMD_PARSE_MORE);
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\n\r\nabc", 1, &r), SPAMD_PARSE_DONE);
	test_assert_int(r.body_len, 3);
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nContent-length: 10\r\n\r\nabc", 0, &r),
			SPAMD_PARSE_MORE);
	test_assert_int(r.need, strlen("CHECK SPAMC/1.5\r\nContent-length: 10\r\n\r\n") + 10);
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nContent-length: 10\r\n\r\nabc", 1, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (Content-Length mismatch: Expected 10 "
				 "bytes, got 3 bytes)");
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nContent-length: 1x\r\n\r\n", 0, &r),
			SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (Content-Length contains non-numeric bytes)");
	snprintf(big, sizeof(big), "CHECK SPAMC/1.5\r\nContent-length: %d\r\n\r\n", MAX_BODY + 1);
	test_assert_int(parse_str(big, 0, &r), SPAMD_EX_DATAERR);
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nContent-length: 99999999999999999999999"
				  "\r\n\r\n", 0, &r), SPAMD_EX_DATAERR);
	check_bytewise("CHECK SPAMC/1.5\r\nContent-length: 10\r\n\r\nabc");
	check_bytewise("CHECK SPAMC/1.5\r\n\r\nabc");
	check_bytewise(big);
	test_end();
}

static void test_parse_junk(void)
{
	static const char *const junk[] = {
		"GET / HTTP/1.0\r\n\r\n", "CHECK SPAMC/2.0\r\n\r\n", "CHECK SPAMC/1.\r\n",
		"CHECK  SPAMC/1.5\r\n", "check SPAMC/1.5\r\n", "CHECK SPAMC/1.5x\r\n", "\r\n",
		"PING", "", "CHECK SPAMC/1.5\r\nUser: x\r\n",
	};
	struct spamd_req r;
	struct buf b = BUF_INIT;
	size_t i;

	test_begin("spamd parse: junk, EOF, long lines, too many headers");
	test_assert_int(parse_str("GET / HTTP/1.0\r\n", 0, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: GET / HTTP/1.0");
	test_assert_int(parse_str("\x01\xff junk\n", 0, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: ?? junk");
	test_assert_int(parse_str("", 1, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (closed before headers)");
	test_assert_int(parse_str("CHECK SPAMC/1.5\r\nUser: x\r\n", 1, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (EOF during headers)");
	for (i = 0; i < N_ELEMENTS(junk); i++)
		check_bytewise(junk[i]);
	for (i = 0; i < SPAMD_MAX_LINE + 2; i++)
		buf_append_char(&b, 'A');
	test_assert_int(parse_str(buf_cstr(&b), 0, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (line too long)");
	buf_truncate(&b, 0);
	buf_append_str(&b, "CHECK SPAMC/1.5\r\n");
	for (i = 0; i <= SPAMD_MAX_HEADERS; i++)
		buf_append_str(&b, "X: y\r\n");
	test_assert_int(parse_str(buf_cstr(&b), 0, &r), SPAMD_EX_PROTOCOL);
	test_assert_str(r.error, "Bad header line: (too many headers)");
	buf_free(&b);
	test_end();
}

/* ---- serving over a socketpair ---- */

/* Sends req (then EOF unless keep_open), serves, returns the reply. */
static char *serve(const char *req, size_t len, int keep_open, unsigned int timeout)
{
	struct spamd_opts o = { timeout, "test" };
	struct buf out = BUF_INIT;
	char tmp[4096];
	ssize_t n;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		wn_panic("socketpair: %s", strerror(errno));
	if (write(sv[0], req, len) != (ssize_t)len)
		wn_panic("write: %s", strerror(errno));
	if (!keep_open)
		shutdown(sv[0], SHUT_WR);
	spamd_serve(sv[1], &o);
	while ((n = read(sv[0], tmp, sizeof(tmp))) > 0)
		buf_append(&out, tmp, (size_t)n);
	close(sv[0]);
	if (out.data == NULL)
		buf_append_str(&out, "");
	return buf_steal(&out);
}

/* A request with Content-length for msg. */
static char *serve_msg(const char *verb, const char *msg)
{
	struct buf b = BUF_INIT;
	char *reply;

	buf_printf(&b, "%s SPAMC/1.5\r\nContent-length: %zu\r\nUser: tester\r\n\r\n%s", verb,
		   strlen(msg), msg);
	reply = serve(b.data, b.len, 0, 5);
	buf_free(&b);
	return reply;
}

/* The body after the reply's header block; checks Content-length. */
static const char *reply_body(const char *reply)
{
	const char *cl = strstr(reply, "Content-length: "), *body = strstr(reply, "\r\n\r\n");

	test_assert(cl != NULL && body != NULL);
	if (cl == NULL || body == NULL)
		return "";
	body += 4;
	test_assert_int(strtoul(cl + 16, NULL, 10), strlen(body));
	return body;
}

static void test_serve_check(void)
{
	char *r;

	test_begin("spamd serve: PING, CHECK, SYMBOLS, REPORT_IFSPAM, SKIP");
	r = serve("PING SPAMC/1.5\r\n\r\n", 18, 0, 5);
	test_assert_str(r, "SPAMD/1.5 0 PONG\r\n");
	free(r);
	r = serve_msg("CHECK", gtube_msg);
	test_assert_str(r, "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000.0 / 5.0\r\n\r\n");
	free(r);
	r = serve_msg("CHECK", ham_msg);
	test_assert_str(r, "SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.5 / 5.0\r\n\r\n");
	free(r);
	r = serve_msg("SYMBOLS", gtube_msg);
	test_assert_str(r, "SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n"
			   "Spam: True ; 1000.0 / 5.0\r\n\r\nGTUBE");
	free(r);
	r = serve_msg("REPORT_IFSPAM", ham_msg);
	test_assert_str(r, "SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n"
			   "Spam: No ; 0.5 / 5.0\r\n\r\n");
	free(r);
	r = serve_msg("SKIP", "");
	test_assert_str(r, "");
	free(r);
	test_end();
}

static void test_serve_report(void)
{
	char *r;
	const char *body;

	test_begin("spamd serve: REPORT");
	r = serve_msg("REPORT", gtube_msg);
	test_assert(strncmp(r, "SPAMD/1.1 0 EX_OK\r\nContent-length: ", 35) == 0);
	test_assert(strstr(r, "\r\nSpam: True ; 1000.0 / 5.0\r\n\r\n") != NULL);
	body = reply_body(r);
	test_assert(strstr(body, "has identified this incoming email as possible spam") != NULL);
	test_assert(strstr(body, "(1000.0 points, 5.0 required)") != NULL);
	test_assert(strstr(body, "\n1000 GTUBE                  Generic test for unsolicited "
				 "bulk email\n") != NULL);
	free(r);
	r = serve_msg("REPORT_IFSPAM", gtube_msg);
	test_assert(strstr(r, "\r\nSpam: Yes ; 1000.0 / 5.0\r\n\r\nSpam detection") != NULL);
	free(r);
	test_end();
}

static void test_serve_process(void)
{
	char *r;
	const char *body, *p;

	test_begin("spamd serve: PROCESS and HEADERS rewrite X-Spam-* in CRLF");
	r = serve_msg("PROCESS", gtube_msg);
	test_assert(strncmp(r, "SPAMD/1.1 0 EX_OK\r\nContent-length: ", 35) == 0);
	body = reply_body(r);
	test_assert(strncmp(body, "X-Spam-Checker-Version: Winnow ", 31) == 0);
	test_assert(strstr(body, "\r\nX-Spam-Flag: YES\r\nX-Spam-Level: ******************"
				 "********************************\r\nX-Spam-Status: Yes, "
				 "score=1000.0 required=5.0 tests=GTUBE") != NULL);
	test_assert(strstr(body, "X-Spam-Flag: NO") == NULL);
	test_assert(strstr(body, "continued=old") == NULL);
	test_assert(strstr(body, "\r\nFrom: spammer@example.net\r\nSubject: buy now\r\n"
				 "To: bob@example.org\r\n\r\nXJS*C4JDBQADN1") != NULL);
	test_assert(strstr(body, "\r\nX-Spam-Flag: in the body stays\r\n") != NULL);
	for (p = body; (p = strchr(p, '\n')) != NULL; p++)
		test_assert(p > body && p[-1] == '\r');
	free(r);

	r = serve_msg("HEADERS", gtube_msg);
	body = reply_body(r);
	test_assert(strstr(body, "\r\nTo: bob@example.org\r\n\r\n") != NULL);
	test_assert(strstr(body, "XJS*") == NULL);
	free(r);

	r = serve_msg("PROCESS", ham_msg);
	body = reply_body(r);
	test_assert(strstr(r, "\r\nSpam: False ; 0.5 / 5.0\r\n\r\n") != NULL);
	test_assert(strstr(body, "X-Spam-Flag") == NULL);
	test_assert(strstr(body, "\nX-Spam-Status: No, score=0.5 required=5.0 tests=T_HELLO") !=
		    NULL);
	test_assert(strstr(body, "\nFrom: alice@example.com\nSubject: Hello Bob\n\njust saying "
				 "hello\n") != NULL);
	test_assert(strstr(body, "\r") == NULL);
	free(r);
	test_end();
}

static void test_serve_errors(void)
{
	char *r, big[128];

	test_begin("spamd serve: errors, TELL, too big, timeout");
	r = serve("GET / HTTP/1.0\r\n\r\n", 18, 0, 5);
	test_assert_str(r, "SPAMD/1.0 76 Bad header line: GET / HTTP/1.0\r\n");
	free(r);
	r = serve_msg("TELL", "abc");
	test_assert(strncmp(r, "SPAMD/1.0 69 Service Unavailable: TELL ", 39) == 0);
	free(r);
	snprintf(big, sizeof(big), "CHECK SPAMC/1.5\r\nContent-length: %d\r\n\r\n", 4096);
	r = serve(big, strlen(big), 0, 5);
	test_assert(strncmp(r, "SPAMD/1.0 65 ", 13) == 0);
	free(r);
	r = serve("CHECK SPAMC/1.5\r\nContent-length: 10\r\n\r\nabc", 40, 1, 1);
	test_assert_str(r, "SPAMD/1.0 79 Timeout: (1 second socket timeout reading input "
			   "from client)\r\n");
	free(r);
	test_end();
}

/* ---- the listener ---- */

static char *client(const char *path, const char *req)
{
	struct sockaddr_un su;
	struct buf out = BUF_INIT;
	char tmp[4096];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0)
		wn_panic("connect %s: %s", path, strerror(errno));
	if (write(fd, req, strlen(req)) < 0)
		wn_panic("write: %s", strerror(errno));
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&out, tmp, (size_t)n);
	close(fd);
	buf_append_str(&out, "");
	return buf_steal(&out);
}

static void test_listener(void)
{
	struct spamd_server *srv;
	char path[64], spec[80], *err = NULL, *r;
	struct stat st;

	test_begin("spamd listener: unix socket, PING, stop unlinks");
	snprintf(path, sizeof(path), "/tmp/wn-test-spamd-%d.sock", (int)getpid());
	snprintf(spec, sizeof(spec), "unix:%s", path);
	srv = spamd_start(spec, &err);
	test_assert(srv != NULL);
	if (srv != NULL) {
		r = client(path, "PING SPAMC/1.5\r\n\r\n");
		test_assert_str(r, "SPAMD/1.5 0 PONG\r\n");
		free(r);
		r = client(path, "CHECK SPAMC/1.5\r\n\r\nSubject: hello\n\nhi\n");
		test_assert_str(r, "SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.5 / 5.0\r\n\r\n");
		free(r);
		spamd_stop(&srv);
	}
	test_assert(srv == NULL);
	test_assert(stat(path, &st) < 0);
	free(err);
	err = NULL;
	test_assert(spamd_start("no-port-here", &err) == NULL);
	test_assert(err != NULL);
	free(err);
	err = NULL;
	test_assert(spamd_start("127.0.0.1:notaport", &err) == NULL);
	free(err);
	test_end();
}

/* A scan engine from test_cf, in a temporary file. */
static struct scan_engine *engine_new(void)
{
	char path[] = "/tmp/wn-test-spamd-XXXXXX", cfpath[64], *err = NULL;
	struct cfg *c = cfg_new();
	struct scan_engine *eng;
	FILE *f;
	int fd = mkstemp(path);

	if (fd < 0)
		wn_panic("mkstemp: %s", strerror(errno));
	close(fd);
	snprintf(cfpath, sizeof(cfpath), "%s.cf", path);
	rename(path, cfpath);
	if ((f = fopen(cfpath, "w")) == NULL || fputs(test_cf, f) < 0 || fclose(f) != 0)
		wn_panic("%s: %s", cfpath, strerror(errno));
	if (cfg_set(c, "rules_dir", cfpath, "test", &err) < 0 ||
	    cfg_set(c, "scan_max_size", "4000", "test", &err) < 0 ||
	    cfg_set(c, "hostname", "test.example", "test", &err) < 0 ||
	    (eng = scan_engine_new(c, &err)) == NULL)
		wn_panic("engine: %s", err);
	unlink(cfpath);
	return eng;
}

int main(void)
{
	struct cfg *c;

	test_parse_verbs();
	test_parse_headers();
	test_parse_length();
	test_parse_junk();
	test_engine = engine_new();
	test_serve_check();
	test_serve_report();
	test_serve_process();
	test_serve_errors();
	test_listener();
	c = test_engine->cfg;
	scan_engine_free(&test_engine);
	cfg_free(&c);
	return test_exit();
}
