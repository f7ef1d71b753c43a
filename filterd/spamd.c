/*
 * spamd.c - filterd's spamd-protocol front-end (spamd.h): one
 * connection, one request, one reply, as SpamAssassin's spamd answers
 * (spamd/spamd.raw: check(), doskip_or_ping(), protocol_error()):
 *
 *   SPAMD/1.1 0 EX_OK\r\n
 *   Content-length: N\r\n           (SYMBOLS, REPORT*, PROCESS, HEADERS)
 *   Spam: True ; 7.4 / 5.0\r\n
 *   \r\n
 *   body
 *
 * PING answers "SPAMD/1.5 0 PONG", SKIP closes without a word, errors
 * are one line "SPAMD/1.0 76 Bad header line: (...)". PROCESS returns
 * the message with incoming X-Spam-* fields removed and ours added on
 * top of the header block, in the message's own line endings (spamd's
 * report_safe 0 behaviour; we never wrap spam in an attachment).
 *
 * Memory: the request is held in one heap buffer bounded by
 * SPAMD_MAX_HEADER_BLOCK + scan_max_size; everything about the message
 * lives in its scan_ctx arena. Reads and writes time out after
 * timeout_secs. The listener runs an accept thread and a pool of
 * detached connection threads: a thread that finished a connection waits
 * up to SPAMD_IDLE_SECS for the next one (creating a thread per
 * connection was a quarter of the cost of a connection apart from its
 * scan); at most
 * SPAMD_MAX_CONNS connections at once, further clients wait in the
 * listen queue.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "filterd/daemon.h"
#include "filterd/scan.h"
#include "filterd/scan_av.h"
#include "filterd/scan_bayes.h"
#include "filterd/spamd.h"
#include "filterd/spamhdr.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/wn.h"

#define READ_CHUNK 65536
#define SPAMD_IDLE_SECS 60 /* an idle pool thread waits this long for work */
#define DRAIN_SECS 2 /* after an early error reply, how long we discard input */

struct conn {
	int fd;
	unsigned int timeout_ms;
	const char *peer;
	struct buf in;
	struct spamd_req req;
	struct scan_engine *eng;
};

/* ---- socket I/O with timeouts ---- */

static int wait_fd(int fd, short events, unsigned int timeout_ms)
{
	struct pollfd pfd = { fd, events, 0 };
	int n;

	do
		n = poll(&pfd, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t n, unsigned int timeout_ms)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, timeout_ms) < 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Appends what the client sent: 0 (*eof set at end of input) or -1. */
static int conn_read(struct conn *c, int *eof)
{
	char *p;
	ssize_t n;

	if (wait_fd(c->fd, POLLIN, c->timeout_ms) < 0)
		return -1;
	p = buf_reserve(&c->in, READ_CHUNK);
	do
		n = read(c->fd, p, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		*eof = 1;
	buf_commit(&c->in, (size_t)n);
	return 0;
}

/* Input we do not want, so that closing does not reset the connection
   before the client read our error line. */
static void drain(int fd)
{
	char tmp[4096];
	int i;

	(void)shutdown(fd, SHUT_WR);
	for (i = 0; i < DRAIN_SECS * 10; i++) {
		if (wait_fd(fd, POLLIN, 100) < 0)
			continue;
		if (read(fd, tmp, sizeof(tmp)) <= 0)
			return;
	}
}

static void reply_line(struct conn *c, const char *fmt, ...) WN_PRINTF(2, 3);

static void reply_line(struct conn *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append_str(&b, "\r\n");
	(void)write_all(c->fd, b.data, b.len, c->timeout_ms);
	buf_free(&b);
}

/* ---- reading the request ---- */

/* Reads until the parser has a verdict: SPAMD_PARSE_DONE, an error code
   (reply text in c->req.error), or -1 on a timeout or I/O error. */
static int read_request(struct conn *c, size_t max_body)
{
	int eof = 0, rc;
	size_t parsed_len = (size_t)-1;

	for (;;) {
		/* reparse only when it can change the answer */
		if (eof || c->req.need == 0 ? c->in.len != parsed_len : c->in.len >= c->req.need) {
			rc = spamd_parse(buf_cstr(&c->in), c->in.len, max_body, eof, &c->req);
			parsed_len = c->in.len;
			if (rc != SPAMD_PARSE_MORE)
				return rc;
			if (eof)
				return SPAMD_EX_PROTOCOL; /* not reached: eof always ends */
		}
		if (conn_read(c, &eof) < 0)
			return -1;
		if (eof)
			parsed_len = (size_t)-1;
	}
}

/* ---- building the reply ---- */

static int is_spam(const struct scan_ctx *ctx)
{
	return ctx->verdict == SCAN_SPAM || ctx->verdict == SCAN_REJECT ||
	       ctx->verdict == SCAN_VIRUS;
}

/* Score as spamd's get_tag_value_for_score shows it: a ham whose
   rounded score reaches the threshold shows threshold - 0.1. */
static void score_str(const struct scan_ctx *ctx, char *sc, size_t scsz, char *rs, size_t rssz)
{
	snprintf(rs, rssz, "%.1f", ctx->engine->required_score);
	snprintf(sc, scsz, "%.1f", ctx->score);
	if (!is_spam(ctx) && strtod(sc, NULL) >= strtod(rs, NULL))
		snprintf(sc, scsz, "%.1f", strtod(rs, NULL) - 0.1);
}

static const char *host_name(const struct cfg *cfg, char *hn, size_t hnsz)
{
	const char *h = cfg_str(cfg, "hostname");

	if (h[0] != '\0')
		return h;
	if (gethostname(hn, hnsz) != 0)
		snprintf(hn, hnsz, "localhost");
	hn[hnsz - 1] = '\0';
	return hn;
}

/* spamd's REPORT body: SpamAssassin's default report template without
   the parts about attachments and the content preview. */
static void report_text(struct buf *b, struct scan_ctx *ctx, const char *host)
{
	char sc[32], rs[32];
	size_t i;

	score_str(ctx, sc, sizeof(sc), rs, sizeof(rs));
	buf_printf(b, "Spam detection software, running on the system \"%s\",\n", host);
	buf_printf(b, "has%s identified this incoming email as%s spam.\n\n",
		   is_spam(ctx) ? "" : " NOT", is_spam(ctx) ? " possible" : "");
	buf_printf(b, "Content analysis details:   (%s points, %s required)\n\n", sc, rs);
	buf_append_str(b, " pts rule name              description\n"
			  "---- ---------------------- "
			  "--------------------------------------------------\n");
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (h->flags & HIT_F_SUBRULE)
			continue;
		buf_printf(b, h->score >= 10 || h->score <= -10 ? "%4.0f %-22s %s\n" :
								    "%4.1f %-22s %s\n",
			   h->score, h->name, h->description ? h->description : "");
	}
	buf_append_str(b, "\n");
}

/* "Name: value" with value's "\n" folds in the message's line ending. */
static void add_field(struct buf *b, const char *name, const char *value, const char *eol)
{
	const char *p;

	if (value == NULL)
		return;
	buf_printf(b, "%s: ", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n')
			buf_append_str(b, eol);
		else
			buf_append_char(b, *p);
	}
	buf_append_str(b, eol);
}

/* Is the field starting at line one of the X-Spam-* we replace? */
static int xspam_line(const char *line, size_t n)
{
	char name[16];

	if (n < 8)
		return 0;
	memcpy(name, line, 8);
	name[8] = '\0';
	return spam_header_name(name);
}

/* Is the field starting at line X-Virus-Status or X-Virus-Scanned? */
static int xvirus_line(const char *line, size_t n)
{
	return (n > 15 && strncasecmp(line, "X-Virus-Status:", 15) == 0) ||
	       (n > 16 && strncasecmp(line, "X-Virus-Scanned:", 16) == 0);
}

/* The message with our header fields on top and incoming X-Spam-*
   fields (with their continuation lines) removed, and X-Virus-* ones
   when we scan for viruses; with headers_only, up to and including the
   empty line ending the header block. */
static void rewrite(struct buf *b, struct scan_ctx *ctx, const struct spam_headers *h,
		    const char *host, int headers_only)
{
	const char *raw = ctx->raw, *end = raw + ctx->raw_len, *p = raw, *nl;
	const char *eol = (nl = memchr(raw, '\n', ctx->raw_len)) != NULL && nl > raw &&
					  nl[-1] == '\r' ? "\r\n" : "\n";
	int keep = 1, av = scan_av_enabled(ctx->engine->cfg);

	add_field(b, "X-Spam-Checker-Version", h->checker, eol);
	add_field(b, "X-Spam-Flag", h->flag, eol);
	add_field(b, "X-Spam-Level", h->level, eol);
	add_field(b, "X-Spam-Status", h->status, eol);
	add_field(b, "X-Spam-Report", h->report, eol);
	if (ctx->av_status != NULL) {
		add_field(b, "X-Virus-Scanned", scan_av_scanned_by(ctx->engine->cfg, ctx->arena,
								    host), eol);
		add_field(b, "X-Virus-Status", ctx->av_status, eol);
	}
	while (p < end) {
		size_t n = (nl = memchr(p, '\n', (size_t)(end - p))) ? (size_t)(nl - p) + 1
								: (size_t)(end - p);
		if (p[0] == '\n' || (p[0] == '\r' && n == 2)) {
			buf_append(b, p, headers_only ? n : (size_t)(end - p));
			return;
		}
		if (p[0] != ' ' && p[0] != '\t')
			keep = !xspam_line(p, n) && !(av && xvirus_line(p, n));
		if (keep)
			buf_append(b, p, n);
		p += n;
	}
}

/* The reply to a scanned message, in the form the request version
   expects (spamd's check()). */
static void reply_scan(struct conn *c, struct scan_ctx *ctx, struct buf *out)
{
	const struct spamd_req *r = &c->req;
	struct buf body = BUF_INIT;
	struct spam_headers h;
	char sc[32], rs[32], hn[256];
	const char *host = host_name(ctx->engine->cfg, hn, sizeof(hn));
	int spam = is_spam(ctx), with_body = r->verb != SPAMD_CHECK;

	score_str(ctx, sc, sizeof(sc), rs, sizeof(rs));
	if (r->verb == SPAMD_PROCESS || r->verb == SPAMD_HEADERS) {
		spam_headers_build(ctx, spam && cfg_bool(ctx->engine->cfg, "add_report"), host, &h);
		rewrite(&body, ctx, &h, host, r->verb == SPAMD_HEADERS);
	} else if (r->verb == SPAMD_SYMBOLS) {
		buf_append_str(&body, spam_tests_list(ctx, ","));
		if (r->version < 3)
			buf_append_str(&body, "\r\n");
	} else if (r->verb == SPAMD_REPORT || (r->verb == SPAMD_REPORT_IFSPAM && spam)) {
		report_text(&body, ctx, host);
	}
	if (r->version < 2 && (r->verb == SPAMD_PROCESS || r->verb == SPAMD_HEADERS)) {
		buf_append_str(out, "SPAMD/1.0 0 EX_OK\r\n");
		buf_append(out, buf_cstr(&body), body.len);
		buf_free(&body);
		return;
	}
	buf_append_str(out, "SPAMD/1.1 0 EX_OK\r\n");
	if (with_body && r->version >= 2)
		buf_printf(out, "Content-length: %zu\r\n", body.len);
	if (r->version >= 3 || !(r->verb == SPAMD_PROCESS || r->verb == SPAMD_HEADERS))
		buf_printf(out, "Spam: %s ; %s / %s\r\n",
			   r->verb == SPAMD_REPORT_IFSPAM ? (spam ? "Yes" : "No")
							  : (spam ? "True" : "False"),
			   sc, rs);
	buf_append_str(out, "\r\n");
	buf_append(out, buf_cstr(&body), body.len);
	buf_free(&body);
}

static void log_result(const struct conn *c, struct scan_ctx *ctx)
{
	char user[80], sc[32], rs[32];

	score_str(ctx, sc, sizeof(sc), rs, sizeof(rs));
	log_escape(user, sizeof(user), c->req.user, strlen(c->req.user));
	daemon_log(LOG_INFO, NULL,
		   "spamd: result=%s score=%s required=%s tests=%s verb=%s user=%s size=%zu "
		   "client=%s",
		   is_spam(ctx) ? "spam" : "ham", sc, rs, spam_tests_list(ctx, ","),
		   spamd_verb_name(c->req.verb), user[0] ? user : "-", c->req.body_len,
		   c->peer ? c->peer : "-");
}

/* CHECK, SYMBOLS, REPORT, REPORT_IFSPAM, PROCESS, HEADERS. */
static int serve_scan(struct conn *c)
{
	struct scan_ctx *ctx = scan_ctx_new(c->eng, c->req.body, c->req.body_len);
	struct buf out = BUF_INIT;
	int ret = 0;

	ctx->user = c->req.user;
	if (scan_run(ctx) < 0) {
		daemon_log(LOG_ERR, NULL, "spamd: scan failed: %s", ctx->error);
		reply_line(c, "SPAMD/1.0 %d Internal error: (scan failed)", SPAMD_EX_SOFTWARE);
		ret = -1;
	} else {
		reply_scan(c, ctx, &out);
		if (write_all(c->fd, out.data, out.len, c->timeout_ms) < 0) {
			daemon_log(LOG_WARNING, NULL, "spamd: client=%s: reply not sent: %s",
				   c->peer ? c->peer : "-", strerror(errno));
			ret = -1;
		}
		log_result(c, ctx);
	}
	buf_free(&out);
	scan_ctx_free(&ctx);
	return ret;
}

/* Learns or forgets locally; *did_r when the store changed. */
static int tell_local(struct conn *c, int learn, int *did_r)
{
	char *err = NULL;
	int rc = scan_bayes_tell(c->eng, c->req.body, c->req.body_len, c->req.user, learn,
				 c->req.msg_class == SPAMD_CLASS_SPAM, did_r, &err);

	if (rc < 0) {
		daemon_log(LOG_ERR, NULL, "spamd: TELL failed: %s, client=%s", err,
			   c->peer ? c->peer : "-");
		reply_line(c, "SPAMD/1.0 %d Service Unavailable: (learning failed)",
			   SPAMD_EX_UNAVAILABLE);
	}
	free(err);
	return rc;
}

/* TELL (spamc -L / -C): learn with "Set: local", forget with "Remove:
   local", as spamd does with --allow-tell (key spamd_allow_tell).
   "remote" (Razor and the like) is accepted and not done, so it is not
   in DidSet/DidRemove. */
static int serve_tell(struct conn *c)
{
	const char *peer = c->peer ? c->peer : "-";
	int set = c->req.set & SPAMD_TELL_LOCAL, rm = c->req.remove & SPAMD_TELL_LOCAL;
	char user[SPAMD_MAX_USER + 1];
	int did = 0;

	if (!cfg_bool(c->eng->cfg, "spamd_allow_tell")) {
		reply_line(c, "SPAMD/1.0 %d Service Unavailable: TELL commands are not enabled, "
			      "set spamd_allow_tell", SPAMD_EX_UNAVAILABLE);
		daemon_log(LOG_INFO, NULL, "spamd: TELL refused (spamd_allow_tell = no), client=%s",
			   peer);
		return 0;
	}
	if (set && rm) {
		reply_line(c, "SPAMD/1.0 %d Bad header line: (Unable to set local and remove "
			      "local in the same operation.)", SPAMD_EX_PROTOCOL);
		return 0;
	}
	if (set && c->req.msg_class == SPAMD_CLASS_NONE) {
		reply_line(c, "SPAMD/1.0 %d Bad header line: (Message-class missing)",
			   SPAMD_EX_PROTOCOL);
		return 0;
	}
	if ((set || rm) && tell_local(c, set != 0, &did) < 0)
		return -1;
	reply_line(c, "SPAMD/1.1 0 EX_OK\r\n%s%s%s", did && set ? "DidSet: local\r\n" : "",
		   did && rm ? "DidRemove: local\r\n" : "", "");
	log_escape(user, sizeof(user), c->req.user, strlen(c->req.user));
	daemon_log(LOG_INFO, NULL, "spamd: tell: %s%s user=%s client=%s",
		   did ? (set ? "learned as " : "forgot") : "did nothing",
		   did && set ? (c->req.msg_class == SPAMD_CLASS_SPAM ? "spam" : "ham") : "",
		   user[0] ? user : "-", peer);
	return 0;
}

static int serve_request(struct conn *c)
{
	switch (c->req.verb) {
	case SPAMD_PING:
		reply_line(c, "SPAMD/1.5 0 PONG");
		return 0;
	case SPAMD_SKIP:
		daemon_log(LOG_INFO, NULL, "spamd: skipped large message, client=%s",
			   c->peer ? c->peer : "-");
		return 0;
	case SPAMD_TELL:
		return serve_tell(c);
	default:
		return serve_scan(c);
	}
}

static void serve_error(struct conn *c, int rc)
{
	const char *peer = c->peer ? c->peer : "-";

	if (rc < 0 && errno == ETIMEDOUT) {
		reply_line(c, "SPAMD/1.0 %d Timeout: (%u second socket timeout reading input "
			      "from client)", SPAMD_EX_TIMEOUT, c->timeout_ms / 1000);
		daemon_log(LOG_WARNING, NULL, "spamd: client=%s: timeout reading request", peer);
	} else if (rc < 0) {
		daemon_log(LOG_WARNING, NULL, "spamd: client=%s: read error: %s", peer,
			   strerror(errno));
	} else {
		reply_line(c, "SPAMD/1.0 %d %s", rc, c->req.error);
		daemon_log(LOG_WARNING, NULL, "spamd: client=%s: bad request: %s", peer,
			   c->req.error);
		drain(c->fd);
	}
}

int spamd_serve(int fd, const struct spamd_opts *o)
{
	struct conn c;
	int rc, ret = -1;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.timeout_ms = (o != NULL && o->timeout_secs > 0 ? o->timeout_secs : SPAMD_TIMEOUT) * 1000;
	c.peer = o != NULL ? o->peer : NULL;
	if ((c.eng = daemon_engine_get()) == NULL) {
		reply_line(&c, "SPAMD/1.0 %d Service Unavailable: (not ready)",
			   SPAMD_EX_UNAVAILABLE);
	} else if ((rc = read_request(&c, cfg_size(c.eng->cfg, "scan_max_size"))) !=
		   SPAMD_PARSE_DONE) {
		serve_error(&c, rc);
	} else {
		ret = serve_request(&c);
	}
	daemon_engine_put(c.eng);
	buf_free(&c.in);
	close(fd);
	return ret;
}

/* ---- the listener ---- */

struct conn_arg {
	struct spamd_server *srv;
	int fd;
	char peer[INET6_ADDRSTRLEN + 8];
};

struct spamd_server {
	int fd;
	int stop_pipe[2];
	char *unix_path; /* unlinked at stop */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;     /* a connection slot freed, or a thread left */
	pthread_cond_t work;     /* a connection queued for the idle threads */
	unsigned int active;     /* connections taken, served or queued */
	unsigned int threads;    /* connection threads alive */
	unsigned int idle;       /* of those, waiting for work */
	int stopping;
	struct conn_arg *queue[SPAMD_MAX_CONNS];
	size_t qhead, qlen;
};

static int listen_unix(const char *path, char **err_r)
{
	struct sockaddr_un su;
	struct stat st;
	int fd;

	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(su.sun_path)) {
		*err_r = buf_strdup_printf("socket path too long");
		return -1;
	}
	strcpy(su.sun_path, path);
	/* a socket left by a previous run; never remove anything else */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&su, sizeof(su)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 128) < 0) {
		*err_r = buf_strdup_printf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* "ADDR:PORT" or "[ADDR6]:PORT" into host (NULL for "*" or empty) and port. */
static int split_spec(const char *spec, char *host, size_t hostsz, const char **port_r)
{
	const char *colon, *h = spec;
	size_t hl;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (rb == NULL || rb[1] != ':')
			return -1;
		h = spec + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - spec);
	}
	if (hl >= hostsz || colon[1] == '\0')
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port_r = colon + 1;
	return 0;
}

static int listen_inet(const char *spec, char **err_r)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	const char *port;
	int fd = -1, on = 1, e;

	if (split_spec(spec, host, sizeof(host), &port) < 0) {
		*err_r = buf_strdup_printf("expected ADDR:PORT, [ADDR6]:PORT or unix:/path");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	e = getaddrinfo(host[0] == '\0' || strcmp(host, "*") == 0 ? NULL : host, port, &hints,
			&ai);
	if (e != 0) {
		*err_r = buf_strdup_printf("%s", gai_strerror(e));
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		*err_r = buf_strdup_printf("%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	const void *a = NULL;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss->ss_family, a, out, (socklen_t)outsz) == NULL)
		snprintf(out, outsz, "unix");
}

/* The next queued connection, waiting for one up to SPAMD_IDLE_SECS;
   NULL when the thread should leave. Called and returns with the lock. */
static struct conn_arg *next_conn(struct spamd_server *srv)
{
	struct conn_arg *ca;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SPAMD_IDLE_SECS;
	srv->idle++;
	while (srv->qlen == 0 && !srv->stopping)
		if (pthread_cond_timedwait(&srv->work, &srv->lock, &until) != 0)
			break;
	srv->idle--;
	if (srv->qlen == 0)
		return NULL;
	ca = srv->queue[srv->qhead];
	srv->qhead = (srv->qhead + 1) % SPAMD_MAX_CONNS;
	srv->qlen--;
	return ca;
}

static void *conn_main(void *p)
{
	struct conn_arg *ca = p;
	struct spamd_server *srv = ca->srv;

	while (ca != NULL) {
		struct spamd_opts o = { 0, ca->peer };
		(void)spamd_serve(ca->fd, &o);
		free(ca);
		pthread_mutex_lock(&srv->lock);
		srv->active--;
		pthread_cond_broadcast(&srv->cond);
		ca = next_conn(srv);
		if (ca == NULL) {
			srv->threads--;
			pthread_cond_broadcast(&srv->cond);
		}
		pthread_mutex_unlock(&srv->lock);
	}
	return NULL;
}

/* Waits for a free connection slot and takes it. */
static void slot_take(struct spamd_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	while (srv->active >= SPAMD_MAX_CONNS && !daemon_stopping())
		pthread_cond_wait(&srv->cond, &srv->lock);
	srv->active++;
	pthread_mutex_unlock(&srv->lock);
}

/* A new connection thread for ca (srv->threads counted already). */
static void start_thread(struct spamd_server *srv, struct conn_arg *ca)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, ca) != 0) {
		daemon_log(LOG_ERR, NULL, "spamd: cannot start a thread for client=%s", ca->peer);
		close(ca->fd);
		free(ca);
		pthread_mutex_lock(&srv->lock);
		srv->active--;
		srv->threads--;
		pthread_cond_broadcast(&srv->cond);
		pthread_mutex_unlock(&srv->lock);
	}
	pthread_attr_destroy(&attr);
}

static void accept_one(struct spamd_server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct conn_arg *ca;
	int fd = accept4(srv->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE) {
			daemon_log(LOG_ERR, NULL, "spamd: accept: %s", strerror(errno));
			(void)poll(NULL, 0, 100);
		}
		return;
	}
	ca = xcalloc(1, sizeof(*ca));
	ca->srv = srv;
	ca->fd = fd;
	peer_name(&ss, ca->peer, sizeof(ca->peer));
	slot_take(srv);
	pthread_mutex_lock(&srv->lock);
	if (srv->idle > srv->qlen) {
		/* an idle thread takes it */
		srv->queue[(srv->qhead + srv->qlen) % SPAMD_MAX_CONNS] = ca;
		srv->qlen++;
		pthread_cond_signal(&srv->work);
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	srv->threads++;
	pthread_mutex_unlock(&srv->lock);
	start_thread(srv, ca);
}

static void *accept_main(void *p)
{
	struct spamd_server *srv = p;
	struct pollfd pfd[2] = { { srv->fd, POLLIN, 0 }, { srv->stop_pipe[0], POLLIN, 0 } };

	while (!daemon_stopping()) {
		int n = poll(pfd, 2, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && pfd[1].revents != 0)
			break;
		if (n > 0 && (pfd[0].revents & POLLIN))
			accept_one(srv);
	}
	return NULL;
}

static int listen_spec(const char *spec, struct spamd_server *srv, char **err_r)
{
	if (strncmp(spec, "unix:", 5) == 0) {
		srv->unix_path = xstrdup(spec + 5);
		return listen_unix(srv->unix_path, err_r);
	}
	return listen_inet(spec, err_r);
}

struct spamd_server *spamd_start(const char *spec, char **err_r)
{
	struct spamd_server *srv = xcalloc(1, sizeof(*srv));

	*err_r = NULL;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	if ((srv->fd = listen_spec(spec, srv, err_r)) < 0)
		goto fail;
	(void)fcntl(srv->fd, F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	pthread_cond_init(&srv->work, NULL);
	if (pipe2(srv->stop_pipe, O_CLOEXEC) < 0 ||
	    pthread_create(&srv->thread, NULL, accept_main, srv) != 0) {
		*err_r = buf_strdup_printf("cannot start the listener thread: %s", strerror(errno));
		goto fail;
	}
	daemon_log(LOG_INFO, NULL, "spamd: listening on %s", spec);
	return srv;
fail:
	if (srv->fd >= 0)
		close(srv->fd);
	if (srv->stop_pipe[0] >= 0) {
		close(srv->stop_pipe[0]);
		close(srv->stop_pipe[1]);
	}
	free(srv->unix_path);
	free(srv);
	return NULL;
}

void spamd_stop(struct spamd_server **sp)
{
	struct spamd_server *srv = *sp;

	if (srv == NULL)
		return;
	if (write(srv->stop_pipe[1], "x", 1) < 0) {
		/* the accept thread also polls daemon_stopping() each second */
	}
	pthread_join(srv->thread, NULL);
	close(srv->fd);
	pthread_mutex_lock(&srv->lock);
	srv->stopping = 1;
	pthread_cond_broadcast(&srv->work);
	while (srv->active > 0 || srv->threads > 0)
		pthread_cond_wait(&srv->cond, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	if (srv->unix_path != NULL)
		(void)unlink(srv->unix_path);
	close(srv->stop_pipe[0]);
	close(srv->stop_pipe[1]);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->cond);
	pthread_cond_destroy(&srv->work);
	free(srv->unix_path);
	free(srv);
	*sp = NULL;
}
