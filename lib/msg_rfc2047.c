/*
 * msg_rfc2047.c - RFC 2047 encoded words in header values, to UTF-8.
 *
 * "=?charset[*lang]?B|Q?text?=" anywhere in the value (real mail puts
 * them inside words and quoted strings too). Adjacent encoded words are
 * joined without the whitespace between them, and consecutive words in
 * the same charset are converted together, so a multi-byte character
 * split across two words survives. Text outside encoded words is kept;
 * when it is not valid UTF-8 it is read as windows-1252 (raw 8-bit
 * headers). A malformed word is kept as written and sets
 * MSG_F_RFC2047_BAD. Linear in the input; output in the arena.
 */
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/msg.h"
#include "lib/msg_int.h"

#define CHARSET_MAX 64
#define WORD_MAX 4096 /* RFC 2047 says 75; mailers write longer */

struct word {
	const char *start, *end; /* the whole "=?...?=" */
	char charset[CHARSET_MAX];
	char enc;                /* 'b' or 'q' */
	const char *text;
	size_t text_len;
};

/* Parses an encoded word at s (which starts with "=?"); 0 if none. */
static int word_parse(const char *s, const char *end, struct word *w)
{
	const char *p = s + 2, *cs = p, *q2, *t;
	size_t n;

	while (p < end && p - cs < CHARSET_MAX && *p != '?' && (unsigned char)*p > ' ' &&
	       (unsigned char)*p < 0x7f)
		p++;
	if (p >= end || *p != '?' || p == cs)
		return 0;
	n = (size_t)(p - cs);
	if (n >= CHARSET_MAX)
		return 0;
	memcpy(w->charset, cs, n);
	w->charset[n] = '\0';
	{
		char *star = strchr(w->charset, '*'); /* RFC 2231 language */
		if (star != NULL)
			*star = '\0';
	}
	if (p + 2 >= end || p[2] != '?')
		return 0;
	w->enc = (char)msgi_lc((unsigned char)p[1]);
	if (w->enc != 'b' && w->enc != 'q')
		return 0;
	t = p + 3;
	/* Bounded so that many "=?" without "?=" stay linear. */
	if (end - t > WORD_MAX)
		end = t + WORD_MAX;
	for (q2 = t; q2 + 1 < end; q2++) {
		if (q2[0] == '?' && q2[1] == '=')
			break;
		/* An encoded word has no whitespace; tolerate it in Q text as
		   some mailers fold inside, but not a line's worth. */
		if ((q2[0] == '\r' || q2[0] == '\n') && w->enc == 'b')
			return 0;
	}
	if (q2 + 1 >= end)
		return 0;
	w->start = s;
	w->text = t;
	w->text_len = (size_t)(q2 - t);
	w->end = q2 + 2;
	return 1;
}

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = msgi_lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Appends the bytes of a word to pend; 0 if the word is malformed. */
static int word_bytes(struct arena *a, const struct word *w, struct buf *pend)
{
	size_t i;

	if (w->enc == 'b') {
		unsigned int fl = 0;
		size_t n;
		unsigned char *d = msg_base64_decode(a, w->text, w->text_len,
						     w->text_len, &n, &fl);
		if (fl & MSG_F_B64_BAD)
			return 0;
		buf_append(pend, d, n);
		return 1;
	}
	for (i = 0; i < w->text_len; i++) {
		unsigned char c = (unsigned char)w->text[i];
		int h, l;
		if (c == '_') {
			buf_append_char(pend, ' ');
		} else if (c == '=' && i + 2 < w->text_len + 0 &&
			   (h = hexv((unsigned char)w->text[i + 1])) >= 0 &&
			   (l = hexv((unsigned char)w->text[i + 2])) >= 0) {
			buf_append_char(pend, (char)(h * 16 + l));
			i += 2;
		} else if (c == '=') {
			return 0;
		} else if (c != '\r' && c != '\n') {
			buf_append_char(pend, (char)c);
		}
	}
	return 1;
}

static void append_conv(struct arena *a, struct buf *out, const char *charset,
			const void *s, size_t n, unsigned int *flags_r)
{
	size_t on;
	char *u;

	if (n == 0)
		return;
	if (charset == NULL && msgi_utf8_valid_len(s, n) == n) {
		buf_append(out, s, n);
		return;
	}
	u = msg_charset_to_utf8(a, charset, s, n, n * 4 + 16, &on, flags_r);
	buf_append(out, u, on);
}

char *msg_rfc2047_decode(struct arena *a, const char *in, size_t len,
			 unsigned int *flags_r)
{
	struct buf out = BUF_INIT, pend = BUF_INIT;
	char pend_cs[CHARSET_MAX] = "";
	const char *s = in, *end = in + len, *lit = in;
	const char *after_word = NULL; /* end of the previous word */
	unsigned int dummy = 0;
	char *res;

	if (flags_r == NULL)
		flags_r = &dummy;
	while (s < end) {
		const char *eq = memchr(s, '=', (size_t)(end - s));
		struct word w;
		const char *g;

		if (eq == NULL || eq + 1 >= end)
			break;
		if (eq[1] != '?') {
			s = eq + 1;
			continue;
		}
		if (!word_parse(eq, end, &w)) {
			*flags_r |= MSG_F_RFC2047_BAD;
			s = eq + 2;
			continue;
		}
		/* Whitespace only between two words: drop it. */
		g = lit;
		if (after_word != NULL && lit == after_word) {
			while (g < eq && msgi_is_space((unsigned char)*g))
				g++;
		}
		if (!(after_word != NULL && lit == after_word && g == eq)) {
			append_conv(a, &out, pend_cs[0] ? pend_cs : NULL, pend.data, pend.len,
				    flags_r);
			buf_truncate(&pend, 0);
			append_conv(a, &out, NULL, lit, (size_t)(eq - lit), flags_r);
		} else if (strcasecmp(pend_cs, w.charset) != 0) {
			append_conv(a, &out, pend_cs[0] ? pend_cs : NULL, pend.data, pend.len,
				    flags_r);
			buf_truncate(&pend, 0);
		}
		{
			size_t mark = pend.len;
			if (!word_bytes(a, &w, &pend)) {
				/* Keep the malformed word as written. */
				*flags_r |= MSG_F_RFC2047_BAD;
				buf_truncate(&pend, mark);
				append_conv(a, &out, pend_cs[0] ? pend_cs : NULL, pend.data,
					    pend.len, flags_r);
				buf_truncate(&pend, 0);
				append_conv(a, &out, NULL, w.start, (size_t)(w.end - w.start),
					    flags_r);
				pend_cs[0] = '\0';
				lit = s = w.end;
				after_word = NULL;
				continue;
			}
		}
		strcpy(pend_cs, w.charset);
		lit = s = after_word = w.end;
	}
	append_conv(a, &out, pend_cs[0] ? pend_cs : NULL, pend.data, pend.len, flags_r);
	append_conv(a, &out, NULL, lit, (size_t)(end - lit), flags_r);
	res = arena_strndup(a, buf_cstr(&out), out.len);
	buf_free(&out);
	buf_free(&pend);
	return res;
}
