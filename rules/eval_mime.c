/*
 * eval_mime.c - SpamAssassin's MIMEEval plugin: counters gathered in
 * one walk over every MIME part (SA's _check_attachments: part types,
 * transfer encodings, quoted-printable density, the text/html size
 * ratio of multipart/alternative, 8-bit bytes in us-ascii text) and the
 * message parse flags.
 *
 * Charset locality (ok_locales) follows SA's default "all": nothing is
 * faraway unless ok_locales names locales; then a small table of the
 * charsets each locale accepts decides.
 *
 * Ownership: the counters are cached in the message arena.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"


struct mime_facts {
	int base64_count, qp_count, html_count, text_count, attachment;
	int base64_encoded_text, bad_iso_charset, faraway_charset, qp_long_line;
	int multipart_alternative, ascii_text_illegal;
	double multipart_ratio, qp_ratio, text_unicode_ratio;
	const char *charsets; /* every charset seen, space separated */
};

/* Header of a part, SA-decoded, lowercased; "" if absent. */
static const char *part_hdr_lc(struct rule_ctx *ctx, const struct msg_part *p, const char *name)
{
	const struct msg_header *h = msg_header_last(&p->headers, name);
	char *s;
	size_t i;

	if (h == NULL)
		return "";
	s = (char *)text_header_decode(ctx->arena, h);
	s = arena_strdup(ctx->arena, s);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

static int ascii_charset(const char *cs)
{
	static const char *const names[] = {
		"us-ascii", "ansi_x3.4-1968", "iso-ir-6", "ansi_x3.4-1986", "iso_646.irv:1991",
		"ascii", "iso646-us", "us", "ibm367", "cp367", "csascii",
	};
	size_t i;

	for (i = 0; i < N_ELEMENTS(names); i++)
		if (strstr(cs, names[i]) != NULL)
			return 1;
	return 0;
}

/* Charsets acceptable for a locale (SA's Locales.pm, abridged). */
static int charset_ok_for_locale(const char *cs, const char *loc)
{
	static const struct {
		const char *loc;
		const char *prefixes;
	} tab[] = {
		{ "ja", " iso-2022-jp shift_jis sjis euc-jp cp932 windows-31j " },
		{ "ko", " euc-kr iso-2022-kr ks_c_5601 cp949 " },
		{ "zh", " gb2312 gbk gb18030 big5 euc-tw hz-gb-2312 iso-2022-cn " },
		{ "ru", " koi8-r koi8-u windows-1251 cp1251 iso-8859-5 cp866 " },
		{ "uk", " koi8-u koi8-r windows-1251 cp1251 iso-8859-5 " },
		{ "th", " tis-620 windows-874 iso-8859-11 " },
		{ "el", " iso-8859-7 windows-1253 " },
		{ "he", " iso-8859-8 windows-1255 " },
		{ "ar", " iso-8859-6 windows-1256 " },
		{ "tr", " iso-8859-9 windows-1254 " },
	};
	size_t i;
	char pat[80];

	for (i = 0; i < N_ELEMENTS(tab); i++) {
		if (strcmp(tab[i].loc, loc) != 0)
			continue;
		snprintf(pat, sizeof(pat), " %s ", cs);
		return strstr(tab[i].prefixes, pat) != NULL;
	}
	return 0;
}

static int charset_ok(const char *cs, const char *const *locales, size_t n)
{
	size_t i;

	/* Western and Unicode charsets are fine for every locale. */
	if (ascii_charset(cs) || strncmp(cs, "iso-8859-1", 10) == 0 || strcmp(cs, "utf-8") == 0 ||
	    strcmp(cs, "utf8") == 0 || strncmp(cs, "windows-125", 11) == 0 ||
	    strncmp(cs, "iso-8859-15", 11) == 0 || strncmp(cs, "utf-16", 6) == 0 ||
	    strncmp(cs, "iso-8859-2", 10) == 0 || strcmp(cs, "x-unknown") == 0 ||
	    strncmp(cs, "cp125", 5) == 0 || strcmp(cs, "default") == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (charset_ok_for_locale(cs, locales[i]))
			return 1;
	return 0;
}

/* ok_locales words; 0 when "all" (SA's default): nothing is faraway. */
static size_t my_locales(struct rule_ctx *ctx, const char ***v_r)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, "ok_locales", &vals), i;
	struct arena_vec out = { NULL, 0, 0 };

	*v_r = NULL;
	if (n == 0)
		return 0;
	/* the last setting wins */
	{
		char *line = arena_strdup(ctx->arena, vals[n - 1]), *save = NULL, *t;
		for (t = strtok_r(line, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
			if (strcasecmp(t, "all") == 0)
				return 0;
			for (i = 0; t[i] != '\0'; i++)
				t[i] = (char)tolower((unsigned char)t[i]);
			*ARENA_VEC_PUSH(ctx->arena, &out, const char *) = t;
		}
	}
	*v_r = out.v;
	return out.count;
}

int eval_charset_faraway(struct rule_ctx *ctx, const char *charset)
{
	const char **loc;
	size_t n = my_locales(ctx, &loc);
	char *cs;
	size_t i;

	if (n == 0)
		return 0;
	cs = arena_strdup(ctx->arena, charset);
	for (i = 0; cs[i] != '\0'; i++)
		cs[i] = (char)tolower((unsigned char)cs[i]);
	return !charset_ok(cs, loc, n);
}

int eval_charsets_faraway(struct rule_ctx *ctx, const char *charsets)
{
	char *s = arena_strdup(ctx->arena, charsets), *save = NULL, *t;
	int ok = 0, bad = 0;

	for (t = strtok_r(s, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (eval_charset_faraway(ctx, t))
			bad++;
		else
			ok++;
	}
	return bad && bad >= ok;
}

static int count_qp_escapes(const char *l, size_t n)
{
	int c = 0;
	size_t i;

	/* =09, =3x except =3D, =2x, =4x, =5x, =6x, =7x except =7F */
	for (i = 0; i + 2 < n; i++) {
		char h = l[i + 1], d = l[i + 2];
		int hex_d = isdigit((unsigned char)d) || (d >= 'A' && d <= 'F');
		if (l[i] != '=')
			continue;
		if ((h == '0' && d == '9') ||
		    (h == '3' && (isdigit((unsigned char)d) || d == 'A' || d == 'B' || d == 'C' ||
				  d == 'E' || d == 'F')) ||
		    ((h == '2' || h == '4' || h == '5' || h == '6') && hex_d) ||
		    (h == '7' && (isdigit((unsigned char)d) || (d >= 'A' && d <= 'E')))) {
			c++;
			i += 2;
		}
	}
	return c;
}

/* Trailing "=09"/"=20" escapes before the line end. */
static int trailing_ws_escapes(const char *l, size_t n)
{
	int c = 0;

	while (n > 0 && isspace((unsigned char)l[n - 1]))
		n--;
	while (n >= 3 && l[n - 3] == '=' &&
	       ((l[n - 2] == '0' && l[n - 1] == '9') || (l[n - 2] == '2' && l[n - 1] == '0'))) {
		c++;
		n -= 3;
	}
	return c;
}

static void walk_leaf(const struct msg_part *p, const char *ctype, const char *cte,
		      const char *cd, const char *charset, struct mime_facts *f,
		      long *qp_bytes, long *qp_count, long *normal, long *unicode,
		      long *part_bytes)
{
	const char *s = p->raw_body, *end = s + p->raw_body_len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (f->multipart_alternative && strstr(cd, "attachment") == NULL &&
		    (strcmp(ctype, "text/plain") == 0 || strcmp(ctype, "text/html") == 0))
			*part_bytes += (long)n;
		if (strcmp(cte, "quoted-printable") == 0 && strncmp(s, "SPAM: ", n < 6 ? n : 6) != 0) {
			int q;
			if (n > 79)
				f->qp_long_line = 1;
			*qp_bytes += (long)n;
			if (memchr(s, '=', n) != NULL && (q = count_qp_escapes(s, n)) > 0)
				*qp_count += q - trailing_ws_escapes(s, n);
		}
		if (strcmp(ctype, "text/plain") == 0 && (charset[0] == '\0' || strcmp(charset, "us-ascii") == 0)) {
			size_t k;
			for (k = 0; k < n; k++) {
				unsigned char c = (unsigned char)s[k];
				if (c == 0 || c == '\r' || c >= 0x80) {
					f->ascii_text_illegal++;
					break;
				}
			}
		}
		if (strcmp(ctype, "text/plain") == 0 &&
		    (cte[0] == '\0' || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0)) {
			size_t k, subs = 0, len = n;
			for (k = 0; k + 8 <= n; k++) {
				if (s[k] == '&' && s[k + 1] == '#' && s[k + 2] == 'x' &&
				    isxdigit((unsigned char)s[k + 3]) && isxdigit((unsigned char)s[k + 4]) &&
				    isxdigit((unsigned char)s[k + 5]) && isxdigit((unsigned char)s[k + 6]) &&
				    s[k + 7] == ';' && !islower((unsigned char)s[k + 3]) &&
				    !islower((unsigned char)s[k + 4]) && !islower((unsigned char)s[k + 5]) &&
				    !islower((unsigned char)s[k + 6])) {
					subs++;
					len -= 8;
					k += 7;
				}
			}
			*normal += (long)len;
			*unicode += (long)subs;
		}
		s += n;
	}
}

static const struct mime_facts *mime_facts(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);
	struct mime_facts *f = slots[EVAL_SLOT_MIME];
	long qp_bytes = 0, qp_count = 0, normal = 0, unicode = 0;
	struct arena_vec ptype = { NULL, 0, 0 }, pbytes = { NULL, 0, 0 };
	struct buf cs = BUF_INIT;
	size_t i;

	if (f != NULL)
		return f;
	f = arena_zalloc(ctx->arena, sizeof(*f));
	f->multipart_ratio = 1.0;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		const struct msg_header *cth = msg_header_last(&p->headers, "Content-Type");
		const char *ctype = cth ? p->ctype : "text/plain";
		const char *cte = part_hdr_lc(ctx, p, "Content-Transfer-Encoding");
		const char *cd = part_hdr_lc(ctx, p, "Content-Disposition");
		const char *charset = p->charset ? p->charset : "";

		if (strcmp(ctype, "multipart/alternative") == 0)
			f->multipart_alternative = 1;
		if (strcmp(ctype, "text/html") == 0)
			f->html_count++;
		else if (strncmp(ctype, "text", 4) == 0)
			f->text_count++;
		if (strstr(cte, "base64") != NULL)
			f->base64_count++;
		else if (strstr(cte, "quoted-printable") != NULL)
			f->qp_count++;
		if (strstr(cd, "attachment") != NULL)
			f->attachment++;
		if (strncmp(ctype, "text", 4) == 0 && strstr(cte, "base64") != NULL &&
		    (charset[0] == '\0' || ascii_charset(charset)) &&
		    strncmp(cd, "attachment", 10) != 0 && strncmp(cd, "inline", 6) != 0)
			f->base64_encoded_text = 1;
		if (strncmp(charset, "iso-", 4) == 0 && strchr(charset + 4, '-') != NULL &&
		    strncmp(charset, "iso-8859-", 9) != 0 && strcmp(charset, "iso-2022-jp") != 0 &&
		    strcmp(charset, "iso-2022-kr") != 0)
			f->bad_iso_charset = 1;
		if (charset[0] != '\0') {
			if (cs.len > 0)
				buf_append_char(&cs, ' ');
			buf_append_str(&cs, charset);
			if (!f->faraway_charset && eval_charset_faraway(ctx, charset))
				f->faraway_charset = 1;
		}
		if (p->nchildren > 0)
			continue;
		*ARENA_VEC_PUSH(ctx->arena, &ptype, const char *) = ctype;
		{
			long *pb = ARENA_VEC_PUSH(ctx->arena, &pbytes, long);
			*pb = strstr(cd, "attachment") == NULL ? 0 : -1;
			walk_leaf(p, ctype, cte, cd, charset, f, &qp_bytes, &qp_count, &normal,
				  &unicode, pb);
			if (strstr(cd, "attachment") != NULL)
				*pb = -1;
		}
	}
	if (qp_bytes > 0) {
		f->qp_ratio = (double)qp_count / (double)qp_bytes;
		f->qp_count = (int)qp_count; /* SA overwrites the part count */
	}
	if (normal > 0)
		f->text_unicode_ratio = (double)unicode / (double)normal;
	if (f->multipart_alternative) {
		long text = -1, html = -1;
		const char **pt = ptype.v;
		long *pb = pbytes.v;
		for (i = ptype.count; i-- > 0;) {
			if (pb[i] < 0)
				continue;
			if (html < 0 && strcmp(pt[i], "text/html") == 0)
				html = pb[i];
			else if (text < 0 && strcmp(pt[i], "text/plain") == 0)
				text = pb[i];
			if (html >= 0 && text >= 0)
				break;
		}
		if (text >= 0 && html > 0)
			f->multipart_ratio = (double)text / (double)html;
	}
	f->charsets = arena_strdup(ctx->arena, buf_cstr(&cs));
	buf_free(&cs);
	slots[EVAL_SLOT_MIME] = f;
	return f;
}

EVAL_FN(check_for_mime)
{
	const struct mime_facts *f = mime_facts(ctx);
	const char *t = eval_arg(a, 0);

	if (strcmp(t, "mime_base64_count") == 0)
		return f->base64_count > 0;
	if (strcmp(t, "mime_qp_count") == 0)
		return f->qp_count > 0;
	if (strcmp(t, "mime_base64_encoded_text") == 0)
		return f->base64_encoded_text;
	if (strcmp(t, "mime_qp_long_line") == 0)
		return f->qp_long_line;
	if (strcmp(t, "mime_faraway_charset") == 0)
		return f->faraway_charset;
	if (strcmp(t, "mime_bad_iso_charset") == 0)
		return f->bad_iso_charset;
	if (strcmp(t, "mime_attachment") == 0)
		return f->attachment > 0;
	if (strcmp(t, "mime_body_html_count") == 0)
		return f->html_count > 0;
	if (strcmp(t, "mime_body_text_count") == 0)
		return f->text_count > 0;
	if (strcmp(t, "mime_multipart_alternative") == 0)
		return f->multipart_alternative;
	if (strcmp(t, "mime_ascii_text_illegal") == 0)
		return f->ascii_text_illegal > 0;
	if (strcmp(t, "mime_missing_boundary") == 0)
		return (ctx->msg->flags & MSG_F_MIME_NO_END) != 0;
	if (strcmp(t, "mimepart_limit_exceeded") == 0)
		return (ctx->msg->flags & MSG_F_MIME_PARTS) != 0;
	return 0;
}

static int top_ctype_html(struct rule_ctx *ctx)
{
	const char *ct = text_header(ctx, "Content-Type");
	return ct != NULL && strncasecmp(ct, "text/html", 9) == 0;
}

EVAL_FN(check_for_mime_html)
{
	(void)a;
	return top_ctype_html(ctx) || mime_facts(ctx)->html_count > 0;
}

EVAL_FN(check_for_mime_html_only)
{
	const struct mime_facts *f;

	(void)a;
	if (top_ctype_html(ctx))
		return 1;
	f = mime_facts(ctx);
	return f->html_count > 0 && f->text_count == 0;
}

EVAL_FN(check_mime_multipart_ratio)
{
	double r = mime_facts(ctx)->multipart_ratio;
	return r >= eval_arg_num(a, 0, 0) && r < eval_arg_num(a, 1, 0);
}

EVAL_FN(check_qp_ratio)
{
	return mime_facts(ctx)->qp_ratio >= eval_arg_num(a, 0, 0);
}

EVAL_FN(check_for_ascii_text_illegal)
{
	(void)a;
	return mime_facts(ctx)->ascii_text_illegal > 0;
}

EVAL_FN(check_abundant_unicode_ratio)
{
	const char *r = eval_arg(a, 0);
	const char *dot = strchr(r, '.');
	size_t il = dot ? (size_t)(dot - r) : 0, fl = dot ? strlen(dot + 1) : 0;

	/* SA accepts only \d{0,3}\.\d{1,3} */
	if (dot == NULL || il > 3 || fl < 1 || fl > 3 || strspn(r, "0123456789") != il ||
	    strspn(dot + 1, "0123456789") != fl)
		return 0;
	return mime_facts(ctx)->text_unicode_ratio >= eval_arg_num(a, 0, 0);
}

/* SA's parse flags mapped onto the message model's flags; those the
   model does not record (mime epilogue, MIME part without headers or
   separator) never hit. */
EVAL_FN(check_msg_parse_flags)
{
	const char *t = eval_arg(a, a->argc - 1);
	unsigned int fl = ctx->msg->flags;

	if (strcmp(t, "truncated_header") == 0)
		return (fl & (MSG_F_HDR_TRUNCATED | MSG_F_HDR_TOO_MANY)) != 0;
	if (strcmp(t, "missing_head_body_separator") == 0)
		return (fl & MSG_F_NO_BODY_SEP) != 0;
	if (strcmp(t, "mimepart_limit_exceeded") == 0)
		return (fl & MSG_F_MIME_PARTS) != 0;
	return 0;
}

EVAL_FN(check_ma_non_text)
{
	size_t i, k;

	(void)a;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *ma = ctx->msg->parts[i];
		if (strcmp(ma->ctype, "multipart/alternative") != 0)
			continue;
		/* leaves below it, in document order */
		for (k = i + 1; k < ctx->msg->nparts; k++) {
			const struct msg_part *p = ctx->msg->parts[k], *up;
			for (up = p->parent; up != NULL && up != ma; up = up->parent)
				;
			if (up == NULL)
				break;
			if (p->nchildren > 0 || strcmp(p->ctype, "multipart/related") == 0 ||
			    strcmp(p->ctype, "application/rtf") == 0 ||
			    strncmp(p->ctype, "text/", 5) == 0)
				continue;
			return 1;
		}
	}
	return 0;
}

static long base64_max_line(struct rule_ctx *ctx)
{
	long best = 0;
	size_t i;

	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		const char *s = p->raw_body, *end;
		if (p->nchildren > 0 || strcmp(p->cte, "base64") != 0 ||
		    strcmp(p->ctype, "application/ics") == 0 || s == NULL)
			continue;
		end = s + p->raw_body_len;
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			long n = nl ? (long)(nl - s) + 1 : (long)(end - s);
			if (n > best)
				best = n;
			s += n;
		}
	}
	return best;
}

EVAL_FN(check_base64_length)
{
	long len = base64_max_line(ctx);

	if (a->argc > 1 && len > (long)eval_arg_num(a, 1, 0))
		return 0;
	return len >= (long)eval_arg_num(a, 0, 0);
}

/* SA's are_more_high_bits_set: at least as many high-bit bytes as
   others (over the body lines), and more than 3. */
static int more_high_bits(const struct rule_text *t)
{
	long hi = 0, total = 0;
	size_t i, k;

	for (i = 0; i < t->count; i++) {
		const unsigned char *s = (const unsigned char *)t->lines[i];
		total += (long)t->lens[i] + (i > 0);
		for (k = 0; k < t->lens[i]; k++)
			hi += s[k] >= 0x80;
	}
	return total - hi <= hi && hi > 3;
}

EVAL_FN(check_for_faraway_charset)
{
	const char *ct = text_header(ctx, "Content-Type"), *p;
	char cs[64];
	size_t n;

	(void)a;
	if (ct == NULL || (p = strcasestr(ct, "charset=")) == NULL)
		return 0;
	p += 8;
	if (*p == '"' || *p == '\'')
		p++;
	n = strcspn(p, "\"'; \t");
	if (n == 0 || n >= sizeof(cs))
		return 0;
	memcpy(cs, p, n);
	cs[n] = '\0';
	if (!eval_charset_faraway(ctx, cs))
		return 0;
	return more_high_bits(rule_ctx_body(ctx));
}
