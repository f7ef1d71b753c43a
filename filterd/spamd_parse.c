/*
 * spamd_parse.c - the spamd protocol's request parser (spamd.h): a
 * request line "VERB SPAMC/1.x", "Name: value" header lines up to an
 * empty line, then Content-length bytes of message (or, without that
 * header, everything up to EOF).
 *
 * Pure and stateless, so it can be fuzzed and fed any split of the
 * input: it reparses what was read so far on every call (bounded by
 * SPAMD_MAX_HEADER_BLOCK; the caller skips calls while req->need says
 * the body is still short). Lines end in CRLF or LF. Limits: line length
 * SPAMD_MAX_LINE, SPAMD_MAX_HEADERS header lines, the caller's max_body.
 * Error texts follow spamd's ("Bad header line: (EOF during headers)")
 * with client bytes made printable. Unknown header names are ignored,
 * as spamd does; known ones are matched without regard to case.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filterd/spamd.h"
#include "lib/wn.h"

static const char *const verb_names[] = {
	[SPAMD_CHECK] = "CHECK",     [SPAMD_SYMBOLS] = "SYMBOLS",
	[SPAMD_REPORT] = "REPORT",   [SPAMD_REPORT_IFSPAM] = "REPORT_IFSPAM",
	[SPAMD_PROCESS] = "PROCESS", [SPAMD_HEADERS] = "HEADERS",
	[SPAMD_PING] = "PING",       [SPAMD_SKIP] = "SKIP",
	[SPAMD_TELL] = "TELL",
};

struct pstate {
	const char *buf;
	size_t len, pos, max_body;
	int eof;
	struct spamd_req *req;
};

const char *spamd_verb_name(enum spamd_verb v)
{
	return (size_t)v < N_ELEMENTS(verb_names) ? verb_names[v] : "?";
}

static int fail(struct spamd_req *req, int code, const char *fmt, ...) WN_PRINTF(3, 4);

static int fail(struct spamd_req *req, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->error, sizeof(req->error), fmt, ap);
	va_end(ap);
	return code;
}

/* Client bytes for an error text: printable ASCII, at most 128 bytes. */
static const char *printable(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i;

	if (n > outsz - 1)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
	return out;
}

/* The next complete line (without CRLF or LF): 1, or 0 with *rc set to
   MORE or an error. what names the section for the EOF error. */
static int next_line(struct pstate *p, const char **line_r, size_t *n_r, int *rc,
		     const char *at_eof)
{
	size_t rem = p->len - p->pos, scan = rem < SPAMD_MAX_LINE + 2 ? rem : SPAMD_MAX_LINE + 2;
	const char *s = p->buf + p->pos, *nl = memchr(s, '\n', scan);
	size_t n;

	if (nl == NULL) {
		if (scan == SPAMD_MAX_LINE + 2)
			*rc = fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: (line too long)");
		else if (p->eof)
			*rc = fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: %s", at_eof);
		else
			*rc = SPAMD_PARSE_MORE;
		return 0;
	}
	n = (size_t)(nl - s);
	p->pos += n + 1;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > SPAMD_MAX_LINE) {
		*rc = fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: (line too long)");
		return 0;
	}
	*line_r = s;
	*n_r = n;
	return 1;
}

/* "VERB SPAMC/1.x": 0, or an error code. */
static int parse_request_line(struct pstate *p, const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n), *v;
	char safe[129];
	size_t i, vlen;
	unsigned int minor = 0;

	for (i = 0; sp != NULL && i < N_ELEMENTS(verb_names); i++) {
		if ((size_t)(sp - s) == strlen(verb_names[i]) &&
		    memcmp(s, verb_names[i], (size_t)(sp - s)) == 0)
			break;
	}
	if (sp == NULL || i == N_ELEMENTS(verb_names))
		goto bad;
	v = sp + 1;
	vlen = n - (size_t)(v - s);
	if (vlen < 9 || vlen > 10 || memcmp(v, "SPAMC/1.", 8) != 0)
		goto bad;
	for (v += 8, vlen -= 8; vlen > 0; v++, vlen--) {
		if (*v < '0' || *v > '9')
			goto bad;
		minor = minor * 10 + (unsigned int)(*v - '0');
	}
	p->req->verb = (enum spamd_verb)i;
	p->req->version = minor;
	return 0;
bad:
	return fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: %s",
		    printable(safe, sizeof(safe), s, n));
}

static int hdr_content_length(struct pstate *p, const char *v, size_t n)
{
	size_t i, len = 0;
	int over = 0;

	if (n == 0)
		return fail(p->req, SPAMD_EX_PROTOCOL,
			    "Bad header line: (Content-Length contains non-numeric bytes)");
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(p->req, SPAMD_EX_PROTOCOL,
				    "Bad header line: (Content-Length contains non-numeric bytes)");
		if (size_mul(len, 10, &len) < 0 || size_add(len, (size_t)(v[i] - '0'), &len) < 0)
			over = 1;
	}
	if (over || len > p->max_body)
		return fail(p->req, SPAMD_EX_DATAERR,
			    "Message too big: (Content-length over the limit of %zu bytes)",
			    p->max_body);
	p->req->has_length = 1;
	p->req->content_length = len;
	return 0;
}

static int hdr_user(struct pstate *p, const char *v, size_t n)
{
	size_t i;

	if (n > SPAMD_MAX_USER)
		return fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: (User header too long)");
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return fail(p->req, SPAMD_EX_PROTOCOL,
				    "Bad header line: (User header contains control chars)");
	}
	memcpy(p->req->user, v, n);
	p->req->user[n] = '\0';
	return 0;
}

static int hdr_class(struct pstate *p, const char *v, size_t n)
{
	if (n == 4 && strncasecmp(v, "spam", 4) == 0)
		p->req->msg_class = SPAMD_CLASS_SPAM;
	else if (n == 3 && strncasecmp(v, "ham", 3) == 0)
		p->req->msg_class = SPAMD_CLASS_HAM;
	else
		return fail(p->req, SPAMD_EX_PROTOCOL,
			    "Bad header line: (Message-class header contains invalid class)");
	return 0;
}

/* "local", "remote" or both, as spamd reads Set: and Remove:. */
static unsigned int tell_targets(const char *v, size_t n)
{
	char tmp[SPAMD_MAX_LINE + 1];
	unsigned int t = 0;

	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (strcasestr(tmp, "local") != NULL)
		t |= SPAMD_TELL_LOCAL;
	if (strcasestr(tmp, "remote") != NULL)
		t |= SPAMD_TELL_REMOTE;
	return t;
}

static int hdr_compress(struct pstate *p, const char *v, size_t n)
{
	char safe[129];

	/* spamd inflates zlib bodies when Compress::Zlib is installed; spamc
	   only compresses with -z, so we answer as spamd without it. */
	if (n == 4 && strncasecmp(v, "zlib", 4) == 0)
		return fail(p->req, SPAMD_EX_PROTOCOL,
			    "Bad header line: (compression not supported: zlib)");
	return fail(p->req, SPAMD_EX_PROTOCOL,
		    "Bad header line: (compression type not supported: %s)",
		    printable(safe, sizeof(safe), v, n));
}

/* One "Name: value" line: 0, or an error code. */
static int parse_header(struct pstate *p, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t nlen, vlen;

	if (colon == NULL)
		return fail(p->req, SPAMD_EX_PROTOCOL,
			    "Bad header line: (header not in 'Name: value' format)");
	nlen = (size_t)(colon - s);
	for (v = colon + 1; v < s + n && (*v == ' ' || *v == '\t'); v++)
		;
	vlen = n - (size_t)(v - s);
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(s, name, nlen) == 0)
	if (IS("Content-length"))
		return hdr_content_length(p, v, vlen);
	if (IS("User"))
		return hdr_user(p, v, vlen);
	if (IS("Message-class"))
		return hdr_class(p, v, vlen);
	if (IS("Compress"))
		return hdr_compress(p, v, vlen);
	if (IS("Set"))
		p->req->set = tell_targets(v, vlen);
	else if (IS("Remove"))
		p->req->remove = tell_targets(v, vlen);
#undef IS
	return 0;
}

/* Header lines up to the empty one: DONE, MORE or an error. */
static int parse_headers(struct pstate *p)
{
	const char *s;
	size_t n, count;
	int rc;

	for (count = 0;; count++) {
		if (!next_line(p, &s, &n, &rc, "(EOF during headers)"))
			return rc;
		if (p->pos > SPAMD_MAX_HEADER_BLOCK)
			return fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: (headers too long)");
		if (n == 0)
			return SPAMD_PARSE_DONE;
		if (count >= SPAMD_MAX_HEADERS)
			return fail(p->req, SPAMD_EX_PROTOCOL, "Bad header line: (too many headers)");
		if ((rc = parse_header(p, s, n)) != 0)
			return rc;
	}
}

static int parse_body(struct pstate *p)
{
	struct spamd_req *req = p->req;
	size_t have = p->len - p->pos;

	req->body = p->buf + p->pos;
	if (req->has_length) {
		if (have >= req->content_length) {
			req->body_len = req->content_length;
			return SPAMD_PARSE_DONE;
		}
		if (p->eof)
			return fail(req, SPAMD_EX_PROTOCOL,
				    "Bad header line: (Content-Length mismatch: Expected %zu bytes, "
				    "got %zu bytes)", req->content_length, have);
		req->need = p->pos + req->content_length;
		return SPAMD_PARSE_MORE;
	}
	if (have > p->max_body)
		return fail(req, SPAMD_EX_DATAERR,
			    "Message too big: (over the limit of %zu bytes)", p->max_body);
	req->body_len = have;
	return p->eof ? SPAMD_PARSE_DONE : SPAMD_PARSE_MORE;
}

int spamd_parse(const char *buf, size_t len, size_t max_body, int eof,
		struct spamd_req *req)
{
	struct pstate p = { buf, len, 0, max_body, eof, req };
	const char *s;
	size_t n;
	int rc;

	memset(req, 0, sizeof(*req));
	if (!next_line(&p, &s, &n, &rc, "(closed before headers)"))
		return rc;
	if ((rc = parse_request_line(&p, s, n)) != 0)
		return rc;
	/* SPAMC/1.0 sends no headers; PING and SKIP send some from 1.5 on. */
	if ((req->verb == SPAMD_PING || req->verb == SPAMD_SKIP) && req->version < 5)
		return SPAMD_PARSE_DONE;
	if (req->version > 0 && (rc = parse_headers(&p)) != SPAMD_PARSE_DONE)
		return rc;
	if (req->verb == SPAMD_PING || req->verb == SPAMD_SKIP)
		return SPAMD_PARSE_DONE;
	return parse_body(&p);
}
