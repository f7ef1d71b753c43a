/*
 * smtp_client.c - a small RFC 5321 client (see smtp_client.h): one
 * connection per call, greeting, EHLO (HELO when EHLO is refused with
 * 5xx), MAIL FROM, RCPT TO per recipient, DATA, QUIT. No PIPELINING, no
 * STARTTLS, no AUTH: the next hop is the local MTA on loopback or a unix
 * socket, which trusts us by address.
 *
 * The socket is non-blocking and every wait is a poll() against one
 * deadline for the whole call (CLOCK_MONOTONIC). Only a host name in
 * next_hop is resolved with getaddrinfo(), which cannot be bounded;
 * numeric addresses never touch the resolver.
 *
 * Replies are read into a buffer that may hold several (a server may
 * send ahead) and are parsed by smtp_reply_parse(), which accepts them
 * split at any byte; a reply longer than SMTP_REPLY_MAX is a protocol
 * error. The message body is converted on the fly into CRLF line
 * endings with dot-stuffing (RFC 5321 4.5.2), in chunks, so memory does
 * not grow with the message.
 *
 * Ownership: nothing outlives the call; the result is the caller's
 * struct. RFCs: 5321 (SMTP), 6152 (8BITMIME), 6531 (SMTPUTF8).
 */
#include "lib/smtp_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
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

#include "lib/wn.h"

/* A reply is a few lines; EHLO lists maybe twenty extensions. 64 KiB is
   far beyond any real server and bounds what a hostile one costs us. */
#define SMTP_REPLY_MAX (64 * 1024)
/* RFC 5321 4.5.3.1: a path is at most 256 octets. */
#define SMTP_ADDR_MAX 256
/* Body bytes converted per send(): CRLF doubling plus stuffing at most
   doubles a chunk, so the output buffer is twice this. */
#define SMTP_CHUNK 16384

/* Extensions from the EHLO reply that change what we send. */
#define SMTP_EXT_8BITMIME 0x1u
#define SMTP_EXT_SMTPUTF8 0x2u

struct smtp_conn {
	int fd;
	uint64_t deadline_ms;
	struct smtp_send_result *r;
	char in[SMTP_REPLY_MAX];
	size_t in_len;
	size_t last_len; /* the last reply's raw bytes, at the start of in */
	size_t scan_pos; /* where parsing of the next reply goes on */
	int scan_code;   /* its code so far (-1: no line yet) */
	unsigned int ext;
	int broken;      /* I/O failed or timed out: the dialogue is out of step */
	int local_fail;  /* the failure is ours (I/O, timeout, input), not a reply */
	const char *hop; /* for messages */
};

/* --- reply parsing --- */

/* Copies text into out (size > 0) with every byte that is not printable
   ASCII replaced by '?', so reply text is safe to log and show. */
static void smtp_copy_printable(char *out, size_t size, const char *text, size_t len)
{
	size_t i;

	if (size == 0)
		return;
	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[len] = '\0';
}

/* The reply code at the start of a line: three digits, the first 2..5
   (RFC 5321 4.2), else -1. */
static int smtp_line_code(const char *p, size_t len)
{
	if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* smtp_reply_parse from *pos (a line start) with *code the code of the
   lines before it (-1: none). On 0 ("need more") both say where to go
   on, so a reply arriving in many small reads is scanned once. */
static long smtp_reply_parse_at(const char *buf, size_t len, size_t *pos, int *code,
				int *code_r, char *text_r, size_t text_size)
{
	if (len > SMTP_REPLY_MAX)
		len = SMTP_REPLY_MAX;
	while (*pos < len) {
		const char *line = buf + *pos;
		const char *nl = memchr(line, '\n', len - *pos);
		size_t llen, tlen;
		int c;

		if (nl == NULL) {
			/* an incomplete line can already be judged malformed */
			if (len - *pos >= 3 && smtp_line_code(line, 3) < 0)
				return -1;
			return 0;
		}
		llen = (size_t)(nl - line);
		/* RFC 5321 wants CRLF; a bare LF is accepted as many clients do */
		tlen = (llen > 0 && line[llen - 1] == '\r') ? llen - 1 : llen;
		c = smtp_line_code(line, tlen);
		if (c < 0 || (*code >= 0 && c != *code))
			return -1;
		*code = c;
		*pos += llen + 1;
		if (tlen > 3 && line[3] == '-')
			continue;
		/* "250", "250 text": the last line. Anything else after the
		   code ("250x") is not a reply line. */
		if (tlen > 3 && line[3] != ' ')
			return -1;
		*code_r = c;
		smtp_copy_printable(text_r, text_size, tlen > 4 ? line + 4 : "",
				    tlen > 4 ? tlen - 4 : 0);
		return (long)*pos;
	}
	return 0;
}

long smtp_reply_parse(const char *buf, size_t len, int *code_r, char *text_r,
		      size_t text_size)
{
	size_t pos = 0;
	int code = -1;

	return smtp_reply_parse_at(buf, len, &pos, &code, code_r, text_r, text_size);
}

/* --- results --- */

static void smtp_fail(struct smtp_conn *cn, const char *fmt, ...) WN_PRINTF(2, 3);

/* A local failure (no reply code to blame): sets the result text. */
static void smtp_fail(struct smtp_conn *cn, const char *fmt, ...)
{
	char tmp[sizeof(cn->r->reply)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	smtp_copy_printable(cn->r->reply, sizeof(cn->r->reply), tmp, strlen(tmp));
	cn->local_fail = 1;
}

/* --- deadline and socket I/O --- */

static uint64_t smtp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits until the socket has events or the deadline passes: revents,
   0 on timeout, -1 on a poll error (errno). */
static int smtp_wait(struct smtp_conn *cn, short events)
{
	for (;;) {
		struct pollfd pfd = { .fd = cn->fd, .events = events };
		uint64_t now = smtp_now_ms();
		int n;

		if (now >= cn->deadline_ms)
			return 0;
		n = poll(&pfd, 1, (int)(cn->deadline_ms - now));
		if (n > 0)
			return pfd.revents;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Waits for events on the connection: 0 when they came; -1 after
   saying why (timeout while doing what, or poll failing) and marking
   the connection broken. */
static int smtp_wait_for(struct smtp_conn *cn, short events, const char *doing,
			 const char *what)
{
	int ev = smtp_wait(cn, events);

	if (ev > 0)
		return 0;
	if (ev == 0)
		smtp_fail(cn, "%s: timeout %s %s", cn->hop, doing, what);
	else
		smtp_fail(cn, "%s: poll: %s", cn->hop, strerror(errno));
	cn->broken = 1;
	return -1;
}

static int smtp_write(struct smtp_conn *cn, const char *data, size_t len, const char *what)
{
	while (len > 0) {
		ssize_t n = send(cn->fd, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			smtp_fail(cn, "%s: sending %s: %s", cn->hop, what, strerror(errno));
			cn->broken = 1;
			return -1;
		}
		if (smtp_wait_for(cn, POLLOUT, "sending", what) < 0)
			return -1;
	}
	return 0;
}

/* Reads one reply; its code goes to r->code and its text to r->reply,
   and its raw lines stay at the start of cn->in (cn->last_len bytes)
   until the next read, for the EHLO keywords. 0, or -1 on timeout, I/O
   error, close or a malformed reply. */
static int smtp_read_reply(struct smtp_conn *cn, const char *what)
{
	memmove(cn->in, cn->in + cn->last_len, cn->in_len - cn->last_len);
	cn->in_len -= cn->last_len;
	cn->last_len = 0;
	cn->scan_pos = 0;
	cn->scan_code = -1;
	for (;;) {
		int code = 0;
		long used = smtp_reply_parse_at(cn->in, cn->in_len, &cn->scan_pos, &cn->scan_code,
						&code, cn->r->reply, sizeof(cn->r->reply));
		ssize_t n;

		if (used > 0) {
			cn->r->code = code;
			cn->last_len = (size_t)used;
			return 0;
		}
		if (used < 0 || cn->in_len == sizeof(cn->in)) {
			smtp_fail(cn, "%s: malformed reply to %s", cn->hop, what);
			cn->broken = 1;
			return -1;
		}
		n = recv(cn->fd, cn->in + cn->in_len, sizeof(cn->in) - cn->in_len, 0);
		if (n > 0) {
			cn->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			smtp_fail(cn, "%s: connection closed waiting for reply to %s", cn->hop,
				  what);
			cn->broken = 1;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			smtp_fail(cn, "%s: reading reply to %s: %s", cn->hop, what,
				  strerror(errno));
			cn->broken = 1;
			return -1;
		}
		if (smtp_wait_for(cn, POLLIN, "waiting for reply to", what) < 0)
			return -1;
	}
}

/* --- next hop syntax and connecting --- */

struct smtp_hop {
	int is_unix;
	char host[256]; /* or the socket path */
	char port[6];
	int numeric;    /* bracketed: an address literal, never resolved */
};

static int smtp_hop_parse(const char *spec, struct smtp_hop *h, const char **err_r)
{
	const char *colon, *host = spec;
	size_t hlen, plen, i;

	memset(h, 0, sizeof(*h));
	if (spec == NULL || spec[0] == '\0') {
		*err_r = "next hop is empty";
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		if (spec[5] != '/' || strlen(spec + 5) >= sizeof(sun.sun_path)) {
			*err_r = "unix: needs an absolute socket path shorter than 108 bytes";
			return -1;
		}
		h->is_unix = 1;
		memcpy(h->host, spec + 5, strlen(spec + 5) + 1);
		return 0;
	}
	colon = strrchr(spec, ':');
	if (colon == NULL) {
		*err_r = "next hop must be HOST:PORT, [ADDRESS]:PORT or unix:/path";
		return -1;
	}
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (hlen < 3 || spec[hlen - 1] != ']') {
			*err_r = "next hop: [ADDRESS] needs a closing ']' before :PORT";
			return -1;
		}
		host = spec + 1;
		hlen -= 2;
		h->numeric = 1;
	} else if (memchr(spec, ':', hlen) != NULL) {
		*err_r = "next hop: an IPv6 address must be in brackets: [ADDR]:PORT";
		return -1;
	}
	if (hlen == 0 || hlen >= sizeof(h->host)) {
		*err_r = "next hop: missing or overlong host";
		return -1;
	}
	for (i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '/') {
			*err_r = "next hop: bad character in host";
			return -1;
		}
	}
	plen = strlen(colon + 1);
	if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") != plen ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
		*err_r = "next hop: port must be a number from 1 to 65535";
		return -1;
	}
	memcpy(h->host, host, hlen);
	memcpy(h->port, colon + 1, plen + 1);
	return 0;
}

int smtp_next_hop_check(const char *next_hop, const char **err_r)
{
	struct smtp_hop h;

	return smtp_hop_parse(next_hop, &h, err_r);
}

/* Connects a new non-blocking socket to addr within the deadline: the
   descriptor, or -1 with the reason in the result. */
static int smtp_connect_addr(struct smtp_conn *cn, int family, const struct sockaddr *addr,
			     socklen_t alen)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err = 0, ev;
	socklen_t elen = sizeof(err);

	if (fd < 0) {
		smtp_fail(cn, "%s: socket: %s", cn->hop, strerror(errno));
		return -1;
	}
	if (connect(fd, addr, alen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		smtp_fail(cn, "connect to %s: %s", cn->hop, strerror(errno));
		close(fd);
		return -1;
	}
	cn->fd = fd;
	ev = smtp_wait(cn, POLLOUT);
	cn->fd = -1;
	if (ev <= 0) {
		smtp_fail(cn, "connect to %s: %s", cn->hop, ev == 0 ? "timed out" : strerror(errno));
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		smtp_fail(cn, "connect to %s: %s", cn->hop, strerror(err != 0 ? err : errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int smtp_connect(struct smtp_conn *cn, const struct smtp_hop *h)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	if (h->is_unix) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		memcpy(sun.sun_path, h->host, strlen(h->host) + 1);
		return smtp_connect_addr(cn, AF_UNIX, (struct sockaddr *)&sun, sizeof(sun));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (h->numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(h->host, h->port, &hints, &res);
	if (rc != 0) {
		smtp_fail(cn, "%s: %s", cn->hop, gai_strerror(rc));
		return -1;
	}
	/* each address in turn, all under the one deadline */
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = smtp_connect_addr(cn, ai->ai_family, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	if (fd >= 0)
		cn->local_fail = 0; /* an earlier address failing is not the outcome */
	return fd;
}

/* --- the dialogue --- */

/* Sends one command line (CRLF added) and reads its reply. Returns the
   reply code, or -1 when there was none (the reason is in the result). */
static int smtp_command(struct smtp_conn *cn, const char *what, const char *fmt, ...)
	WN_PRINTF(3, 4);

static int smtp_command(struct smtp_conn *cn, const char *what, const char *fmt, ...)
{
	char line[2 * SMTP_ADDR_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	/* callers checked every argument's length */
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		wn_panic("smtp_command: %s line too long", what);
	memcpy(line + n, "\r\n", 2);
	if (smtp_write(cn, line, (size_t)n + 2, what) < 0 || smtp_read_reply(cn, what) < 0)
		return -1;
	return cn->r->code;
}

/* The extension keywords we act on, from the raw EHLO reply lines
   ("250-8BITMIME\r\n"). */
static unsigned int smtp_ehlo_ext(const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	unsigned int ext = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (llen > 4) {
			const char *kw = p + 4;
			size_t klen = 0;

			while (klen < llen - 4 && kw[klen] != ' ' && kw[klen] != '\r')
				klen++;
			if (klen == 8 && strncasecmp(kw, "8BITMIME", 8) == 0)
				ext |= SMTP_EXT_8BITMIME;
			else if (klen == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0)
				ext |= SMTP_EXT_SMTPUTF8;
		}
		p += llen + 1;
	}
	return ext;
}

/* EHLO, or HELO when the server refuses EHLO with 5xx (RFC 5321
   4.1.4: an old server). 0 on 250, else -1. */
static int smtp_hello(struct smtp_conn *cn, const char *helo)
{
	int code = smtp_command(cn, "EHLO", "EHLO %s", helo);

	if (code == 250) {
		cn->ext = smtp_ehlo_ext(cn->in, cn->last_len);
		return 0;
	}
	if (code < 500)
		return -1;
	cn->ext = 0;
	return smtp_command(cn, "HELO", "HELO %s", helo) == 250 ? 0 : -1;
}

/* Converts message bytes from *pos into out (room for cap bytes, at
   least 3): every CR, LF and CRLF becomes CRLF, and a '.' starting a line
   is doubled (RFC 5321 4.5.2). *bol says whether the next byte starts a
   line; it carries over between calls. Returns the bytes written. */
static size_t smtp_data_chunk(const char *raw, size_t len, size_t *pos, int *bol, char *out,
			      size_t cap)
{
	size_t i = *pos, o = 0;

	/* one input byte makes at most 2 output bytes (".." or CRLF) */
	while (i < len && o + 2 <= cap) {
		char c = raw[i++];

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i < len && raw[i] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
			*bol = 1;
			continue;
		}
		if (c == '.' && *bol)
			out[o++] = '.';
		out[o++] = c;
		*bol = 0;
	}
	*pos = i;
	return o;
}

/* DATA: the 354, the converted message, the final dot, the 250. */
static int smtp_data(struct smtp_conn *cn, const char *raw, size_t len)
{
	char out[2 * SMTP_CHUNK];
	size_t pos = 0;
	int bol = 1;

	if (smtp_command(cn, "DATA", "DATA") != 354)
		return -1;
	while (pos < len) {
		size_t n = smtp_data_chunk(raw, len, &pos, &bol, out, sizeof(out));

		if (smtp_write(cn, out, n, "message") < 0)
			return -1;
	}
	/* a message not ending in a line break gets one before the dot */
	if (!bol && smtp_write(cn, "\r\n", 2, "message") < 0)
		return -1;
	if (smtp_write(cn, ".\r\n", 3, "end of data") < 0 ||
	    smtp_read_reply(cn, "end of data") < 0)
		return -1;
	return cn->r->code == 250 ? 0 : -1;
}

/* 1 when any byte of s (len bytes) is not ASCII. */
static int smtp_has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* The header of raw: up to the first empty line (or all of it). */
static size_t smtp_header_len(const char *raw, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (raw[i + 1] == '\n' || (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n'))
			return i + 1;
	}
	return len;
}

/* An envelope address we are willing to put in a command: short enough
   and free of anything that could end the command or the path
   (control characters, '<', '>'). */
static int smtp_addr_ok(const char *a)
{
	size_t i, len = strlen(a);

	if (len > SMTP_ADDR_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

struct smtp_envelope {
	const char *mail_from;
	const char *const *rcpts;
	size_t nrcpts;
	int utf8_addr; /* some address is not ASCII */
};

static int smtp_envelope_check(struct smtp_conn *cn, struct smtp_envelope *env)
{
	size_t i;

	if (env->nrcpts == 0) {
		smtp_fail(cn, "no recipients");
		return -1;
	}
	if (!smtp_addr_ok(env->mail_from)) {
		smtp_fail(cn, "unusable envelope sender");
		return -1;
	}
	env->utf8_addr = smtp_has_8bit(env->mail_from, strlen(env->mail_from));
	for (i = 0; i < env->nrcpts; i++) {
		if (env->rcpts[i] == NULL || env->rcpts[i][0] == '\0' ||
		    !smtp_addr_ok(env->rcpts[i])) {
			smtp_fail(cn, "unusable recipient address (number %zu)", i + 1);
			return -1;
		}
		env->utf8_addr |= smtp_has_8bit(env->rcpts[i], strlen(env->rcpts[i]));
	}
	return 0;
}

/* MAIL FROM with the parameters the message needs.
 *
 * BODY=8BITMIME (RFC 6152) when the message has any 8-bit byte and the
 * server offers it: it tells the server the content is 8-bit so it
 * neither rejects nor mangles it. Without the extension we still send
 * the bytes unchanged, as Postfix does by default: a release must be
 * byte-identical, so converting to 7-bit is not an option.
 *
 * SMTPUTF8 (RFC 6531) when an address is not ASCII, or the header holds
 * raw UTF-8 (a message/global style message), and the server offers it.
 * For a non-ASCII address it is required: without it we give up before
 * MAIL (permanent, the server could never take this address). For a
 * UTF-8 header it is only a hint, so its absence is not an error.
 */
static int smtp_mail_from(struct smtp_conn *cn, const struct smtp_envelope *env, const char *raw,
			  size_t len)
{
	int body8 = smtp_has_8bit(raw, len);
	int utf8 = env->utf8_addr || smtp_has_8bit(raw, smtp_header_len(raw, len));

	if (env->utf8_addr && !(cn->ext & SMTP_EXT_SMTPUTF8)) {
		cn->r->permanent = 1;
		smtp_fail(cn, "%s does not offer SMTPUTF8, needed for a non-ASCII address", cn->hop);
		return -1;
	}
	return smtp_command(cn, "MAIL FROM", "MAIL FROM:<%s>%s%s", env->mail_from,
			    body8 && (cn->ext & SMTP_EXT_8BITMIME) ? " BODY=8BITMIME" : "",
			    utf8 && (cn->ext & SMTP_EXT_SMTPUTF8) ? " SMTPUTF8" : "") == 250
		       ? 0
		       : -1;
}

/* RCPT TO for each recipient; the first refusal ends the transaction. */
static int smtp_rcpts(struct smtp_conn *cn, const struct smtp_envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		int code = smtp_command(cn, "RCPT TO", "RCPT TO:<%s>", env->rcpts[i]);

		if (code != 250 && code != 251)
			return -1;
		cn->r->rcpts_ok++;
	}
	return 0;
}

/* The transaction after connecting. A refused step leaves its code
   and text in the result. */
static int smtp_session(struct smtp_conn *cn, const char *helo, const struct smtp_envelope *env,
			const char *raw, size_t len)
{
	if (smtp_read_reply(cn, "greeting") < 0 || cn->r->code != 220)
		return -1;
	if (smtp_hello(cn, helo) < 0 || smtp_mail_from(cn, env, raw, len) < 0 ||
	    smtp_rcpts(cn, env) < 0)
		return -1;
	return smtp_data(cn, raw, len);
}

/* Says goodbye politely after a reply (good or bad), keeping the
   result: QUIT's own reply does not matter and its failure is ignored. */
static void smtp_quit(struct smtp_conn *cn)
{
	struct smtp_send_result keep = *cn->r;
	int local_fail = cn->local_fail;

	(void)smtp_command(cn, "QUIT", "QUIT");
	*cn->r = keep;
	cn->local_fail = local_fail;
}

int smtp_send(const struct smtp_client_conf *conf, const char *mail_from,
	      const char *const *rcpts, size_t nrcpts, const void *raw, size_t len,
	      struct smtp_send_result *r)
{
	struct smtp_envelope env = { mail_from != NULL ? mail_from : "", rcpts, nrcpts, 0 };
	struct smtp_conn *cn;
	struct smtp_hop hop;
	char host[256];
	const char *helo = conf->helo, *err;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (smtp_hop_parse(conf->next_hop, &hop, &err) < 0) {
		snprintf(r->reply, sizeof(r->reply), "%s", err);
		return -1;
	}
	if (helo == NULL || helo[0] == '\0' || !smtp_addr_ok(helo) || strchr(helo, ' ') != NULL) {
		if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		helo = host;
	}
	/* the reply buffer is large: keep it off the caller's stack */
	cn = xcalloc(1, sizeof(*cn));
	cn->fd = -1;
	cn->r = r;
	cn->hop = conf->next_hop;
	cn->deadline_ms = smtp_now_ms() + (conf->timeout_ms != 0 ? conf->timeout_ms : 60000);
	if (smtp_envelope_check(cn, &env) == 0 && (cn->fd = smtp_connect(cn, &hop)) >= 0) {
		ret = smtp_session(cn, helo, &env, raw, len);
		/* a dialogue still in step ends cleanly (RFC 5321 4.1.1.10) */
		if (cn->fd >= 0 && !cn->broken)
			smtp_quit(cn);
	}
	/* permanent only when the server said so: a timeout after an
	   earlier 5xx (a refused EHLO) is not */
	if (ret < 0 && !cn->local_fail && r->code >= 500)
		r->permanent = 1;
	if (cn->fd >= 0)
		close(cn->fd);
	free(cn);
	return ret;
}
