/*
 * check_clamd.c - clamd INSTREAM client (see check_clamd.h).
 *
 * Protocol (clamd(8), "z" form: commands and replies end in NUL):
 *   -> "zINSTREAM\0", then chunks of <4-byte big-endian length><data>,
 *      then a zero-length chunk;
 *   <- "stream: OK\0" | "stream: NAME FOUND\0" | "... ERROR\0".
 * When the stream passes StreamMaxLength, clamd replies "INSTREAM size
 * limit exceeded. ERROR" at once and closes, so writes may then fail
 * with EPIPE: we watch for a reply while writing and, after a failed
 * write, still try to read it, so the caller learns "size limit"
 * rather than a bare I/O error.
 *
 * The socket is non-blocking and every wait is a poll() against one
 * deadline for the whole call. Nothing is allocated.
 */
#include "filterd/check_clamd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/cfg.h"

#define CLAMD_SIZE_LIMIT_REPLY "INSTREAM size limit exceeded. ERROR"

struct clamd_conn {
	int fd;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC */
	struct chk_clamd_result *r;
};

static uint64_t clamd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Copies in[0..len) to out (size outsz, NUL-terminated), control and
   non-ASCII bytes replaced by '?': clamd's text ends up in logs. */
static void clamd_copy_printable(char *out, size_t outsz, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < outsz; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

static void clamd_set_error(struct chk_clamd_result *r, enum chk_clamd_error e,
			    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void clamd_set_error(struct chk_clamd_result *r, enum chk_clamd_error e,
			    const char *fmt, ...)
{
	va_list ap;

	r->status = CHK_CLAMD_ERROR;
	r->error = e;
	r->virus[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static void clamd_result_init(struct chk_clamd_result *r)
{
	memset(r, 0, sizeof(*r));
	/* until a reply says otherwise */
	r->status = CHK_CLAMD_ERROR;
	r->error = CHK_CLAMD_ERR_PROTOCOL;
}

const char *chk_clamd_status_name(enum chk_clamd_status s)
{
	switch (s) {
	case CHK_CLAMD_CLEAN:
		return "clean";
	case CHK_CLAMD_VIRUS:
		return "virus";
	case CHK_CLAMD_ERROR:
		break;
	}
	return "error";
}

/* The signature name of "stream: NAME FOUND": non-empty, printable,
   no space (clamd's names have none; a space means a reply we do not
   understand, and we would rather say ERROR than invent a name). */
static int clamd_name_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len >= max)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

static int clamd_ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

void chk_clamd_parse_reply(const char *reply, size_t len, struct chk_clamd_result *r)
{
	static const char prefix[] = "stream: ";
	const size_t plen = sizeof(prefix) - 1;

	clamd_result_init(r);
	/* one terminator: NUL ("z" commands) or newline ("n" commands) */
	if (len > 0 && (reply[len - 1] == '\0' || reply[len - 1] == '\n'))
		len--;
	if (memchr(reply, '\0', len) != NULL) {
		clamd_set_error(r, CHK_CLAMD_ERR_PROTOCOL, "protocol: NUL inside reply");
		return;
	}
	if (len == strlen(CLAMD_SIZE_LIMIT_REPLY) &&
	    memcmp(reply, CLAMD_SIZE_LIMIT_REPLY, len) == 0) {
		clamd_set_error(r, CHK_CLAMD_ERR_SIZE_LIMIT,
				"size limit: INSTREAM size limit exceeded");
		return;
	}
	if (clamd_ends_with(reply, len, " ERROR")) {
		char text[200];

		clamd_copy_printable(text, sizeof(text), reply, len - 6);
		clamd_set_error(r, CHK_CLAMD_ERR_CLAMD, "clamd: %s", text);
		return;
	}
	if (len == plen + 2 && memcmp(reply, "stream: OK", len) == 0) {
		r->status = CHK_CLAMD_CLEAN;
		r->error = CHK_CLAMD_ERR_NONE;
		return;
	}
	if (len > plen && memcmp(reply, prefix, plen) == 0 &&
	    clamd_ends_with(reply, len, " FOUND")) {
		const char *name = reply + plen;
		size_t nlen = len - plen - 6;

		if (clamd_name_ok(name, nlen, sizeof(r->virus))) {
			r->status = CHK_CLAMD_VIRUS;
			r->error = CHK_CLAMD_ERR_NONE;
			memcpy(r->virus, name, nlen);
			r->virus[nlen] = '\0';
			return;
		}
	}
	{
		char text[100];

		clamd_copy_printable(text, sizeof(text), reply, len);
		clamd_set_error(r, CHK_CLAMD_ERR_PROTOCOL, "protocol: unexpected reply \"%s\"",
				text);
	}
}

/* --- socket address --- */

/* Splits "HOST:PORT" or "[ADDR6]:PORT" into host and port (copies in
   the given buffers). 0, or -1 with *err_r. */
static int clamd_split_hostport(const char *s, char *host, size_t hostsz,
				char *port, size_t portsz, const char **err_r)
{
	const char *colon, *h = s;
	size_t hlen;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':') {
			*err_r = "clamd_socket: expected [ADDR6]:PORT";
			return -1;
		}
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*err_r = "clamd_socket: expected unix:/path or HOST:PORT";
			return -1;
		}
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hostsz) {
		*err_r = "clamd_socket: bad host";
		return -1;
	}
	const char *p = colon + 1;
	size_t plen = strlen(p);

	if (plen == 0 || plen >= portsz || strspn(p, "0123456789") != plen ||
	    atoi(p) < 1 || atoi(p) > 65535) {
		*err_r = "clamd_socket: bad port";
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, p, plen + 1);
	return 0;
}

int chk_clamd_socket_check(const char *s, const char **err_r)
{
	char host[256], port[8];

	if (s == NULL || *s == '\0') {
		*err_r = "clamd_socket: empty";
		return -1;
	}
	if (strncmp(s, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		if (s[5] != '/' || strlen(s + 5) >= sizeof(sun.sun_path)) {
			*err_r = "clamd_socket: unix: needs an absolute path under 108 bytes";
			return -1;
		}
		return 0;
	}
	return clamd_split_hostport(s, host, sizeof(host), port, sizeof(port), err_r);
}

void chk_clamd_conf_from_cfg(struct chk_clamd_conf *conf, const struct cfg *c)
{
	conf->socket = cfg_str(c, "clamd_socket");
	conf->timeout_ms = cfg_uint(c, "clamd_timeout_ms");
}

/* --- connection --- */

/* Milliseconds left before the deadline, 0 once it has passed. */
static int clamd_left(const struct clamd_conn *cn)
{
	uint64_t now = clamd_now_ms();

	if (now >= cn->deadline_ms)
		return 0;
	return (int)(cn->deadline_ms - now);
}

/* Waits for events on the socket until the deadline: the revents, 0 on
   timeout, -1 on a poll error. */
static int clamd_wait(struct clamd_conn *cn, short events)
{
	struct pollfd pfd = { .fd = cn->fd, .events = events };

	for (;;) {
		int left = clamd_left(cn);
		int n;

		if (left == 0)
			return 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return pfd.revents;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Non-blocking connect of a new socket to addr within the deadline.
   The fd, or -1 with r set. */
static int clamd_connect_addr(struct clamd_conn *cn, int family,
			      const struct sockaddr *addr, socklen_t alen,
			      const char *what)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int soerr = 0;
	socklen_t slen = sizeof(soerr);

	if (fd < 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONNECT, "connect: socket: %s",
				strerror(errno));
		return -1;
	}
	if (connect(fd, addr, alen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		/* unix sockets give EAGAIN for a full backlog: a busy
		   clamd, reported like a refusal */
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONNECT, "connect: %s: %s", what,
				strerror(errno));
		close(fd);
		return -1;
	}
	cn->fd = fd;
	int ev = clamd_wait(cn, POLLOUT);

	cn->fd = -1;
	if (ev == 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_TIMEOUT, "timeout: connecting to %s", what);
		close(fd);
		return -1;
	}
	if (ev < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0)
		soerr = errno;
	if (soerr != 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONNECT, "connect: %s: %s", what,
				strerror(soerr));
		close(fd);
		return -1;
	}
	return fd;
}

static int clamd_connect_unix(struct clamd_conn *cn, const char *path)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1); /* length checked by caller */
	return clamd_connect_addr(cn, AF_UNIX, (struct sockaddr *)&sun, sizeof(sun), path);
}

static int clamd_connect_inet(struct clamd_conn *cn, const char *spec)
{
	struct addrinfo hints, *res, *ai;
	char host[256], port[8];
	const char *err;
	int rc, fd = -1;

	if (clamd_split_hostport(spec, host, sizeof(host), port, sizeof(port), &err) < 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONFIG, "%s", err);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONNECT, "connect: %s: %s", spec,
				gai_strerror(rc));
		return -1;
	}
	/* each address in turn while time is left; r keeps the last error */
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = clamd_connect_addr(cn, ai->ai_family, ai->ai_addr, ai->ai_addrlen, spec);
	freeaddrinfo(res);
	return fd;
}

static int clamd_connect(struct clamd_conn *cn, const struct chk_clamd_conf *conf)
{
	const char *err;

	if (conf->socket == NULL || chk_clamd_socket_check(conf->socket, &err) < 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_CONFIG, "%s",
				conf->socket == NULL ? "clamd_socket: not set" : err);
		return -1;
	}
	if (strncmp(conf->socket, "unix:", 5) == 0)
		cn->fd = clamd_connect_unix(cn, conf->socket + 5);
	else
		cn->fd = clamd_connect_inet(cn, conf->socket);
	return cn->fd;
}

/* Sends all of data. 0; 1 when clamd has something to say before we
   are done (a reply is waiting: stop writing and read it); -1 with r
   set on a timeout or a failed write. */
static int clamd_send_all(struct clamd_conn *cn, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		int ev = clamd_wait(cn, POLLOUT | POLLIN);

		if (ev == 0) {
			clamd_set_error(cn->r, CHK_CLAMD_ERR_TIMEOUT, "timeout: writing to clamd");
			return -1;
		}
		if (ev < 0) {
			clamd_set_error(cn->r, CHK_CLAMD_ERR_IO, "write: poll: %s", strerror(errno));
			return -1;
		}
		if (ev & POLLIN)
			return 1;
		ssize_t n = send(cn->fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			clamd_set_error(cn->r, CHK_CLAMD_ERR_IO, "write: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads clamd's reply (up to its NUL, EOF or CHK_CLAMD_REPLY_MAX
   bytes) into buf. The length, or -1 with r set. A reply cut off by
   EOF is returned as is: the parser refuses what it cannot read. */
static ssize_t clamd_read_reply(struct clamd_conn *cn, char *buf, size_t bufsz)
{
	size_t len = 0;

	while (len < bufsz) {
		int ev = clamd_wait(cn, POLLIN);

		if (ev == 0) {
			clamd_set_error(cn->r, CHK_CLAMD_ERR_TIMEOUT, "timeout: waiting for clamd's reply");
			return -1;
		}
		if (ev < 0) {
			clamd_set_error(cn->r, CHK_CLAMD_ERR_IO, "read: poll: %s", strerror(errno));
			return -1;
		}
		ssize_t n = recv(cn->fd, buf + len, bufsz - len, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (len > 0)
				break;
			clamd_set_error(cn->r, CHK_CLAMD_ERR_IO, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\0', (size_t)n) != NULL)
			break;
	}
	if (len == bufsz && memchr(buf, '\0', len) == NULL) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_PROTOCOL, "protocol: reply over %zu bytes",
				bufsz);
		return -1;
	}
	if (len == 0) {
		clamd_set_error(cn->r, CHK_CLAMD_ERR_PROTOCOL,
				"protocol: clamd closed the connection without a reply");
		return -1;
	}
	return (ssize_t)len;
}

/* Sends the INSTREAM command and the chunks. 0 when everything went
   (or clamd answered early: the reply says why), -1 with r set. */
static int clamd_send_stream(struct clamd_conn *cn, const char *raw, size_t len)
{
	static const char cmd[] = "zINSTREAM"; /* sent with its NUL */
	int rc = clamd_send_all(cn, cmd, sizeof(cmd));

	while (rc == 0) {
		size_t n = len < CHK_CLAMD_CHUNK ? len : CHK_CLAMD_CHUNK;
		uint32_t hdr = htonl((uint32_t)n);

		rc = clamd_send_all(cn, &hdr, sizeof(hdr));
		if (rc == 0 && n > 0)
			rc = clamd_send_all(cn, raw, n);
		if (n == 0)
			break; /* the zero-length chunk ends the stream */
		raw += n;
		len -= n;
	}
	return rc < 0 ? -1 : 0;
}

/* Runs one command: connect, send (INSTREAM with raw when is_scan,
   else cmd), read the reply into buf. Its length, or -1 with r set. */
static ssize_t clamd_exchange(const struct chk_clamd_conf *conf, struct chk_clamd_result *r,
			      const char *cmd, const char *raw, size_t len,
			      char *buf, size_t bufsz)
{
	struct clamd_conn cn = { -1, clamd_now_ms() + conf->timeout_ms, r };
	ssize_t n = -1;
	int rc;

	if (clamd_connect(&cn, conf) < 0)
		return -1;
	if (cmd != NULL)
		rc = clamd_send_all(&cn, cmd, strlen(cmd) + 1) < 0 ? -1 : 0;
	else
		rc = clamd_send_stream(&cn, raw, len);
	if (rc < 0 && r->error == CHK_CLAMD_ERR_IO) {
		/* the write failed because clamd closed on us: its reply
		   (size limit, most likely) may be waiting; keep the write
		   error if there is none */
		struct chk_clamd_result saved = *r;

		n = clamd_read_reply(&cn, buf, bufsz);
		if (n < 0)
			*r = saved;
	} else if (rc == 0) {
		n = clamd_read_reply(&cn, buf, bufsz);
	}
	close(cn.fd);
	return n;
}

enum chk_clamd_status chk_clamd_scan(const struct chk_clamd_conf *conf,
				     const char *raw, size_t len,
				     struct chk_clamd_result *r)
{
	uint64_t start = clamd_now_ms();
	char buf[CHK_CLAMD_REPLY_MAX];
	ssize_t n;

	clamd_result_init(r);
	n = clamd_exchange(conf, r, NULL, raw, len, buf, sizeof(buf));
	if (n >= 0) {
		/* clamd replies to what it got; a reply's NUL ends it */
		char *nul = memchr(buf, '\0', (size_t)n);

		chk_clamd_parse_reply(buf, nul != NULL ? (size_t)(nul - buf) + 1 : (size_t)n, r);
	}
	r->elapsed_ms = (unsigned int)(clamd_now_ms() - start);
	return r->status;
}

int chk_clamd_ping(const struct chk_clamd_conf *conf, struct chk_clamd_result *r)
{
	struct chk_clamd_result tmp;
	uint64_t start = clamd_now_ms();
	char buf[64];
	ssize_t n;

	if (r == NULL)
		r = &tmp;
	clamd_result_init(r);
	n = clamd_exchange(conf, r, "zPING", NULL, 0, buf, sizeof(buf));
	r->elapsed_ms = (unsigned int)(clamd_now_ms() - start);
	if (n < 0)
		return -1;
	if (n == 5 && memcmp(buf, "PONG", 5) == 0) {
		r->status = CHK_CLAMD_CLEAN;
		r->error = CHK_CLAMD_ERR_NONE;
		return 0;
	}
	char text[64];

	clamd_copy_printable(text, sizeof(text), buf, (size_t)n);
	clamd_set_error(r, CHK_CLAMD_ERR_PROTOCOL, "protocol: PING answered \"%s\"", text);
	return -1;
}
