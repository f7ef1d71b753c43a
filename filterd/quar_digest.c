/*
 * quar_digest.c - builds the per-recipient quarantine digest (see
 * quar_digest.h).
 *
 * The mail is multipart/alternative (RFC 2046) with a text/plain and a
 * text/html part, both UTF-8 in quoted-printable (RFC 2045 6.7), so the
 * whole message is 7-bit and survives any next hop. Header fields with
 * non-ASCII text use RFC 2047 B-encoded words. The boundary starts with
 * "=_", which quoted-printable output can never contain (a literal '='
 * is always written =3D), so no body text can end a part early.
 *
 * Entry strings are untrusted (they come from the quarantined spam):
 * each is cleaned first (invalid UTF-8 becomes U+FFFD; CR, LF, every
 * other control character and the Unicode line separators become a
 * space; at most QUAR_DIGEST_FIELD_MAX characters), so none can start a
 * line; in the HTML part it is then escaped, and no entry text goes into
 * a header field at all.
 *
 * Ownership: the result is malloc'd for the caller; nothing else
 * outlives the call. RFCs: 5322, 2045-2047, 2046, 3834 (Auto-Submitted).
 */
#include "filterd/quar_digest.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/wn.h"

/* Characters kept of a sender, subject or reason: a digest is read by a
   person, and a 10 KB subject only hides the other entries. */
#define QUAR_DIGEST_FIELD_MAX 200
/* RFC 2045 6.7 (5): encoded lines at most 76 characters. */
#define QUAR_DIGEST_QP_LINE 76
/* RFC 2047 2: an encoded word at most 75 characters; with the 12 of
   "=?UTF-8?B?" and "?=" that leaves 60 base64 characters = 45 bytes. */
#define QUAR_DIGEST_WORD_BYTES 45

/* --- cleaning untrusted text --- */

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
   point, or 0 when the bytes there are not valid UTF-8. */
static size_t quar_digest_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* A code point that could end or break a line, or hide text: C0, DEL,
   C1, and U+2028/U+2029 (line and paragraph separators). */
static int quar_digest_is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

/* Appends s cleaned (see the file comment) to b; "(none)" when s is
   NULL or empty. */
static void quar_digest_clean(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), chars = 0;

	if (n == 0) {
		buf_append_str(b, "(none)");
		return;
	}
	while (n > 0 && chars < QUAR_DIGEST_FIELD_MAX) {
		uint32_t cp = 0;
		size_t len = quar_digest_utf8(p, n, &cp);

		if (len == 0) {
			buf_append_str(b, "\xef\xbf\xbd"); /* U+FFFD */
			len = 1;
		} else if (quar_digest_is_control(cp)) {
			buf_append_char(b, ' ');
		} else {
			buf_append(b, p, len);
		}
		p += len;
		n -= len;
		chars++;
	}
	if (n > 0)
		buf_append_str(b, "\xe2\x80\xa6"); /* U+2026: cut here */
}

/* s cleaned, as a malloc'd string. */
static char *quar_digest_clean_dup(const char *s)
{
	struct buf b = BUF_INIT;

	quar_digest_clean(&b, s);
	return buf_steal(&b);
}

static void quar_digest_html_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_append_str(b, "&amp;"); break;
		case '<': buf_append_str(b, "&lt;"); break;
		case '>': buf_append_str(b, "&gt;"); break;
		case '"': buf_append_str(b, "&quot;"); break;
		case '\'': buf_append_str(b, "&#39;"); break;
		default: buf_append_char(b, *s); break;
		}
	}
}

/* --- encodings --- */

/* Appends text (UTF-8, lines ending in LF) quoted-printable encoded,
   with CRLF line ends and soft breaks keeping lines within 76. */
static void quar_digest_qp(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	const char *p;

	for (p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		char enc[4];
		size_t len;

		if (c == '\n') {
			buf_append_str(b, "\r\n");
			col = 0;
			continue;
		}
		/* literal: printable ASCII but '='; a space or tab only when
		   not at the end of a line (it would be stripped); a '.' not
		   at the start of one (some relays treat ".\n" specially) */
		if ((c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
		    ((c == ' ' || c == '\t') && p[1] != '\n' && p[1] != '\0')) {
			enc[0] = (char)c;
			len = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			len = 3;
		}
		/* room for the soft break's '=' too */
		if (col + len > QUAR_DIGEST_QP_LINE - 1) {
			buf_append_str(b, "=\r\n");
			col = 0;
			if (enc[0] == '.' && len == 1) {
				buf_append_str(b, "=2E");
				col = 3;
				continue;
			}
		}
		buf_append(b, enc, len);
		col += len;
	}
}

static void quar_digest_b64(struct buf *b, const unsigned char *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		buf_append_char(b, tab[v >> 18]);
		buf_append_char(b, tab[(v >> 12) & 63]);
		buf_append_char(b, i + 1 < len ? tab[(v >> 6) & 63] : '=');
		buf_append_char(b, i + 2 < len ? tab[v & 63] : '=');
	}
}

/* Appends a header field "Name: value". Printable ASCII values (without
   "=?", which a reader would try to decode) go as they are, folded at
   spaces; anything else becomes RFC 2047 encoded words, each holding
   whole UTF-8 characters, one per folded line. value is clean. */
static void quar_digest_header(struct buf *b, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t n = strlen(value), i, col;
	int plain = strstr(value, "=?") == NULL;

	for (i = 0; i < n && plain; i++)
		plain = p[i] >= 0x20 && p[i] < 0x7f;
	buf_printf(b, "%s:", name);
	col = strlen(name) + 1;
	if (plain) {
		const char *w = value;

		while (*w != '\0') {
			size_t wl = strcspn(w + 1, " ") + 1;

			/* fold before a word that would pass 78 columns */
			if (col + wl > 78 && col > strlen(name) + 1) {
				buf_append_str(b, "\r\n");
				col = 0;
			}
			if (w == value) {
				buf_append_char(b, ' ');
				col++;
			}
			buf_append(b, w, wl);
			col += wl;
			w += wl;
		}
		buf_append_str(b, "\r\n");
		return;
	}
	while (n > 0) {
		/* whole characters (value is valid UTF-8), as many as fit the
		   line: 13 columns go to " =?UTF-8?B?" and "?=" */
		size_t room = (78 - col - 13) / 4 * 3, take = 0;

		if (room > QUAR_DIGEST_WORD_BYTES)
			room = QUAR_DIGEST_WORD_BYTES;
		while (take < n) {
			size_t cl = (p[take] < 0x80) ? 1 : (p[take] < 0xe0) ? 2 : (p[take] < 0xf0) ? 3 : 4;

			if (take + cl > room)
				break;
			take += cl;
		}
		buf_append_str(b, " =?UTF-8?B?");
		quar_digest_b64(b, p, take);
		buf_append_str(b, "?=");
		p += take;
		n -= take;
		if (n > 0)
			buf_append_str(b, "\r\n");
		col = 0;
	}
	buf_append_str(b, "\r\n");
}

/* --- the message --- */

static const char *const quar_digest_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const quar_digest_months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* RFC 5322 3.3 date in UTC, without the locale strftime would use. */
static void quar_digest_date_5322(struct buf *b, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", quar_digest_days[tm.tm_wday],
		   tm.tm_mday, quar_digest_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		   tm.tm_min, tm.tm_sec);
}

static void quar_digest_date_short(struct buf *b, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		   tm.tm_hour, tm.tm_min);
}

/* 16 hex digits, random where the kernel allows (Message-ID and boundary
   must not repeat between digests; neither is a secret). */
static void quar_digest_random_hex(char out[17], time_t now)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v;
	int i;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint64_t)now * 2654435761u ^ (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&v;
	for (i = 0; i < 16; i++)
		out[i] = hex[(v >> (4 * i)) & 15];
	out[16] = '\0';
}

/* An address fit for an angle-bracketed header field: printable ASCII
   without spaces or brackets, or NULL. */
static int quar_digest_addr_ok(const char *a)
{
	const unsigned char *p = (const unsigned char *)a;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return 0;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ',')
			return 0;
	return 1;
}

/* The release instruction for one token: the configured URL with every
   %t replaced ("%%" is a literal '%'), or the command. */
static void quar_digest_release(struct buf *b, const struct quar_digest_conf *conf,
				const char *token)
{
	const char *u = conf->release_url;

	if (u == NULL || *u == '\0') {
		buf_printf(b, "winnow quarantine release --token %s", token);
		return;
	}
	for (; *u != '\0'; u++) {
		if (u[0] == '%' && u[1] == 't') {
			buf_append_str(b, token);
			u++;
		} else if (u[0] == '%' && u[1] == '%') {
			buf_append_char(b, '%');
			u++;
		} else {
			buf_append_char(b, *u);
		}
	}
}

struct quar_digest_row {
	char *date, *from, *subject, *reason, *token, *release;
	char score[32];
};

static void quar_digest_row_make(struct quar_digest_row *row, const struct quar_digest_conf *conf,
				 const struct quar_digest_entry *e)
{
	struct buf b = BUF_INIT;

	quar_digest_date_short(&b, e->date);
	row->date = buf_steal(&b);
	row->from = quar_digest_clean_dup(e->from);
	row->subject = quar_digest_clean_dup(e->subject);
	row->reason = quar_digest_clean_dup(e->reason);
	/* tokens are URL-safe by construction; cleaning keeps a broken one
	   from breaking the mail */
	row->token = quar_digest_clean_dup(e->token);
	quar_digest_release(&b, conf, row->token);
	row->release = quar_digest_clean_dup(buf_cstr(&b));
	buf_free(&b);
	snprintf(row->score, sizeof(row->score), "%.1f", e->score);
}

static void quar_digest_row_free(struct quar_digest_row *row)
{
	free(row->date);
	free(row->from);
	free(row->subject);
	free(row->reason);
	free(row->token);
	free(row->release);
}

static void quar_digest_text(struct buf *t, const struct quar_digest_conf *conf,
			     const char *rcpt, const struct quar_digest_row *rows, size_t n)
{
	int url = conf->release_url != NULL && conf->release_url[0] != '\0';
	size_t i;

	buf_printf(t, "%zu message%s addressed to %s %s held in quarantine.\n", n,
		   n == 1 ? "" : "s", rcpt, n == 1 ? "is" : "are");
	buf_printf(t, "To release a message, %s.\n\n",
		   url ? "open its release link"
		       : "run its release command on the mail server");
	for (i = 0; i < n; i++) {
		buf_printf(t, "%zu. Date:    %s\n", i + 1, rows[i].date);
		buf_printf(t, "   From:    %s\n", rows[i].from);
		buf_printf(t, "   Subject: %s\n", rows[i].subject);
		buf_printf(t, "   Score:   %s\n", rows[i].score);
		buf_printf(t, "   Reason:  %s\n", rows[i].reason);
		buf_printf(t, "   Release: %s\n\n", rows[i].release);
	}
	buf_append_str(t, "Messages not released are deleted when they expire.\n");
}

static void quar_digest_td(struct buf *h, const char *s)
{
	buf_append_str(h, "<td>");
	quar_digest_html_escape(h, s);
	buf_append_str(h, "</td>");
}

static void quar_digest_html(struct buf *h, const struct quar_digest_conf *conf,
			     const char *rcpt, const struct quar_digest_row *rows, size_t n)
{
	int url = conf->release_url != NULL && conf->release_url[0] != '\0';
	size_t i;

	buf_append_str(h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
			  "<title>Quarantine digest</title></head>\n<body>\n<p>");
	buf_printf(h, "%zu message%s addressed to ", n, n == 1 ? "" : "s");
	quar_digest_html_escape(h, rcpt);
	buf_printf(h, " %s held in quarantine.</p>\n", n == 1 ? "is" : "are");
	buf_append_str(h, "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n"
			  "<tr><th>Date</th><th>From</th><th>Subject</th><th>Score</th>"
			  "<th>Reason</th><th>Release</th></tr>\n");
	for (i = 0; i < n; i++) {
		buf_append_str(h, "<tr>");
		quar_digest_td(h, rows[i].date);
		quar_digest_td(h, rows[i].from);
		quar_digest_td(h, rows[i].subject);
		quar_digest_td(h, rows[i].score);
		quar_digest_td(h, rows[i].reason);
		if (url) {
			buf_append_str(h, "<td><a href=\"");
			quar_digest_html_escape(h, rows[i].release);
			buf_append_str(h, "\">Release</a></td>");
		} else {
			buf_append_str(h, "<td><code>");
			quar_digest_html_escape(h, rows[i].release);
			buf_append_str(h, "</code></td>");
		}
		buf_append_str(h, "</tr>\n");
	}
	buf_append_str(h, "</table>\n<p>Messages not released are deleted when they "
			  "expire.</p>\n</body></html>\n");
}

static void quar_digest_part(struct buf *m, const char *boundary, const char *type,
			     const char *text)
{
	buf_printf(m, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		   boundary, type);
	quar_digest_qp(m, text);
}

static void quar_digest_headers(struct buf *m, const struct quar_digest_conf *conf,
				const char *rcpt, const char *clean_rcpt, size_t n, time_t now,
				const char *boundary)
{
	struct buf v = BUF_INIT;
	char rnd[17];
	const char *host = conf->hostname != NULL && conf->hostname[0] != '\0' ? conf->hostname
									     : "localhost";

	buf_append_str(m, "Date: ");
	quar_digest_date_5322(m, now);
	buf_append_str(m, "\r\n");
	if (quar_digest_addr_ok(conf->from))
		buf_printf(m, "From: Mail quarantine <%s>\r\n", conf->from);
	else
		buf_printf(m, "From: Mail quarantine <postmaster@%s>\r\n",
			   quar_digest_addr_ok(host) ? host : "localhost");
	/* a recipient that cannot be written as a plain address (non-ASCII,
	   odd bytes) is still the envelope recipient; the header just
	   does not repeat it */
	if (quar_digest_addr_ok(rcpt))
		buf_printf(m, "To: <%s>\r\n", rcpt);
	else
		buf_append_str(m, "To: undisclosed-recipients:;\r\n");
	buf_printf(&v, "Quarantine digest: %zu message%s held for %s", n, n == 1 ? "" : "s",
		   clean_rcpt);
	quar_digest_header(m, "Subject", buf_cstr(&v));
	buf_free(&v);
	quar_digest_random_hex(rnd, now);
	buf_printf(m, "Message-ID: <digest.%lld.%s@%s>\r\n", (long long)now, rnd,
		   quar_digest_addr_ok(host) && strchr(host, '@') == NULL ? host : "localhost");
	buf_append_str(m, "MIME-Version: 1.0\r\n"
			  "Auto-Submitted: auto-generated\r\n");
	buf_printf(m, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
}

char *quar_digest_build(const struct quar_digest_conf *conf, const char *rcpt,
			const struct quar_digest_entry *e, size_t n, time_t now, size_t *len_r)
{
	struct quar_digest_row *rows;
	struct buf m = BUF_INIT, t = BUF_INIT, h = BUF_INIT;
	char boundary[32], rnd[17], *clean_rcpt;
	size_t i;

	assert(n >= 1 && e != NULL && rcpt != NULL);
	rows = xcalloc(n, sizeof(*rows));
	for (i = 0; i < n; i++)
		quar_digest_row_make(&rows[i], conf, &e[i]);
	clean_rcpt = quar_digest_clean_dup(rcpt);
	quar_digest_random_hex(rnd, now);
	/* "=_" can never occur in quoted-printable text: see the top */
	snprintf(boundary, sizeof(boundary), "=_wnq_%s", rnd);

	quar_digest_headers(&m, conf, rcpt, clean_rcpt, n, now, boundary);
	buf_append_str(&m, "This is a MIME message: a text and an HTML version.\r\n\r\n");
	quar_digest_text(&t, conf, clean_rcpt, rows, n);
	quar_digest_part(&m, boundary, "text/plain", buf_cstr(&t));
	buf_append_str(&m, "\r\n");
	quar_digest_html(&h, conf, clean_rcpt, rows, n);
	quar_digest_part(&m, boundary, "text/html", buf_cstr(&h));
	buf_printf(&m, "\r\n--%s--\r\n", boundary);

	for (i = 0; i < n; i++)
		quar_digest_row_free(&rows[i]);
	free(rows);
	free(clean_rcpt);
	buf_free(&t);
	buf_free(&h);
	*len_r = m.len;
	return buf_steal(&m);
}
