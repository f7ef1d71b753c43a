/*
 * msg_mime.c - Content-Type / Content-Disposition / CTE values and their
 * parameters (RFC 2045 5.1, RFC 2183, RFC 2231 continuations and
 * charsets).
 *
 * Tolerant of real-world breakage: comments anywhere, unquoted values
 * with '=' or '/', missing ';' between parameters, spaces around '/' and
 * '='. At most PARAM_MAX parameters are read per value (bounds the
 * joining of continuations). Ownership: arena memory.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

#define PARAM_MAX 64
#define SECTION_MAX 999

static int is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int is_token(unsigned char c)
{
	return c > ' ' && c < 0x7f && !is_tspecial(c);
}

static const char *skip_cfws(const char *s)
{
	for (;;) {
		while (msgi_is_space((unsigned char)*s))
			s++;
		if (*s != '(')
			return s;
		{
			int depth = 0;
			for (; *s != '\0'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				else if (*s == '(')
					depth++;
				else if (*s == ')' && --depth == 0) {
					s++;
					break;
				}
			}
		}
	}
}

static const char *token_end(const char *s)
{
	while (is_token((unsigned char)*s))
		s++;
	return s;
}

char *msgi_ctype_parse(struct arena *a, const char *value, const char **rest_r)
{
	const char *t, *te, *st, *se;
	char *out;

	t = skip_cfws(value);
	te = token_end(t);
	st = skip_cfws(te);
	if (te == t || *st != '/')
		goto bad;
	st = skip_cfws(st + 1);
	se = token_end(st);
	if (se == st)
		goto bad;
	out = arena_alloc(a, (size_t)(te - t) + (size_t)(se - st) + 2);
	memcpy(out, t, (size_t)(te - t));
	out[te - t] = '/';
	memcpy(out + (te - t) + 1, st, (size_t)(se - st));
	out[(te - t) + 1 + (se - st)] = '\0';
	msgi_lower(out);
	if (rest_r != NULL)
		*rest_r = se;
	return out;
bad:
	if (rest_r != NULL) {
		const char *semi = strchr(value, ';');
		*rest_r = semi ? semi : value + strlen(value);
	}
	return NULL;
}

char *msgi_token_parse(struct arena *a, const char *value, const char **rest_r)
{
	const char *t = skip_cfws(value), *te = t;
	char *out;

	while (*te != '\0' && *te != ';' && *te != '(' && !msgi_is_space((unsigned char)*te))
		te++;
	if (rest_r != NULL)
		*rest_r = te;
	if (te == t)
		return NULL;
	out = arena_strndup(a, t, (size_t)(te - t));
	msgi_lower(out);
	return out;
}

struct rawp {
	char *name; /* base name, lowercased */
	int section; /* -1 when not a continuation */
	int encoded; /* name*= or name*N*= */
	char *value;
};

/* Reads one value: a quoted string or a lenient token. */
static const char *read_value(struct arena *a, const char *s, char **out_r)
{
	const char *e;
	char *o;
	size_t n = 0;

	if (*s == '"') {
		for (e = ++s; *e != '\0' && *e != '"'; e++) {
			if (*e == '\\' && e[1] != '\0')
				e++;
		}
		o = arena_alloc(a, (size_t)(e - s) + 1);
		while (*s != '\0' && *s != '"') {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (*s != '\r' && *s != '\n')
				o[n++] = *s;
			s++;
		}
		o[n] = '\0';
		*out_r = o;
		return *s == '"' ? s + 1 : s;
	}
	e = s;
	while (*e != '\0' && *e != ';' && !msgi_is_space((unsigned char)*e))
		e++;
	*out_r = arena_strndup(a, s, (size_t)(e - s));
	return e;
}

static int parse_one(struct arena *a, const char **sp, struct rawp *r)
{
	const char *s = *sp, *ne, *star;
	char *name;

	s = skip_cfws(s);
	while (*s == ';')
		s = skip_cfws(s + 1);
	if (*s == '\0')
		return 0;
	ne = s;
	while (is_token((unsigned char)*ne) || *ne == '*')
		ne++;
	if (ne == s) {
		/* Junk: skip to the next ';'. */
		const char *semi = strchr(s, ';');
		*sp = semi ? semi : s + strlen(s);
		r->name = NULL;
		return 1;
	}
	name = arena_strndup(a, s, (size_t)(ne - s));
	msgi_lower(name);
	r->section = -1;
	r->encoded = 0;
	if ((star = strchr(name, '*')) != NULL) {
		char *q = (char *)star;
		*q++ = '\0';
		if (*q >= '0' && *q <= '9') {
			long sec = strtol(q, &q, 10);
			r->section = sec > SECTION_MAX ? SECTION_MAX : (int)sec;
			if (*q == '*')
				r->encoded = 1;
		} else {
			r->encoded = 1; /* "name*=charset'lang'value" */
		}
	}
	r->name = name;
	s = skip_cfws(ne);
	if (*s != '=') {
		r->value = arena_strdup(a, "");
		*sp = s;
		return 1;
	}
	s = skip_cfws(s + 1);
	*sp = read_value(a, s, &r->value);
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

/* Appends v (percent-decoded when enc) to out. */
static size_t append_pct(char *out, size_t o, const char *v, int enc)
{
	for (; *v != '\0'; v++) {
		int h, l;
		if (enc && *v == '%' && (h = hexv((unsigned char)v[1])) >= 0 &&
		    (l = hexv((unsigned char)v[2])) >= 0) {
			out[o++] = (char)(h * 16 + l);
			v += 2;
		} else {
			out[o++] = *v;
		}
	}
	return o;
}

static int cmp_section(const void *x, const void *y)
{
	const struct rawp *a = *(const struct rawp *const *)x;
	const struct rawp *b = *(const struct rawp *const *)y;

	return a->section - b->section;
}

/* Joins the RFC 2231 pieces of one name into a UTF-8 value. */
static const char *join_2231(struct arena *a, struct rawp **pieces, size_t n)
{
	size_t i, total = 1, o = 0;
	char *buf, *charset = NULL;
	const char *first;

	qsort(pieces, n, sizeof(*pieces), cmp_section);
	for (i = 0; i < n; i++)
		total += strlen(pieces[i]->value);
	buf = arena_alloc(a, total);
	for (i = 0; i < n; i++) {
		const char *v = pieces[i]->value;
		if (i == 0 && pieces[i]->encoded) {
			const char *q1 = strchr(v, '\''), *q2;
			if (q1 != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
				charset = arena_strndup(a, v, (size_t)(q1 - v));
				v = q2 + 1;
			}
		}
		o = append_pct(buf, o, v, pieces[i]->encoded);
	}
	buf[o] = '\0';
	first = buf;
	{
		unsigned int fl = 0;
		size_t outn;
		first = msg_charset_to_utf8(a, charset && *charset ? charset : NULL, buf, o,
					    o * 3 + 16, &outn, &fl);
	}
	return first;
}

size_t msgi_params_parse(struct arena *a, const char *s, struct msgi_param **v_r)
{
	struct rawp raw[PARAM_MAX];
	struct rawp *pieces[PARAM_MAX];
	struct msgi_param *out;
	size_t n = 0, nout = 0, i, j;

	*v_r = NULL;
	if (s == NULL)
		return 0;
	while (n < PARAM_MAX && parse_one(a, &s, &raw[n])) {
		if (raw[n].name != NULL)
			n++;
	}
	if (n == 0)
		return 0;
	out = arena_zalloc(a, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		size_t np = 0;
		int multi = 0;
		if (raw[i].name == NULL)
			continue;
		for (j = i; j < n; j++) {
			if (raw[j].name != NULL && strcmp(raw[j].name, raw[i].name) == 0 &&
			    (raw[j].section >= 0 || raw[j].encoded)) {
				pieces[np++] = &raw[j];
			}
		}
		if (np > 0)
			multi = 1;
		out[nout].name = raw[i].name;
		if (multi) {
			out[nout].value = join_2231(a, pieces, np);
		} else {
			out[nout].value = raw[i].value;
		}
		/* Later pieces of the same name are consumed. */
		for (j = i + 1; j < n; j++) {
			if (raw[j].name != NULL && strcmp(raw[j].name, raw[i].name) == 0 &&
			    (multi ? (raw[j].section >= 0 || raw[j].encoded) : 1))
				raw[j].name = NULL;
		}
		/* An RFC 2231 form wins over a plain one given before it. */
		{
			size_t k;
			for (k = 0; k < nout; k++) {
				if (strcmp(out[k].name, out[nout].name) == 0)
					break;
			}
			if (k < nout) {
				if (multi)
					out[k].value = out[nout].value;
				continue;
			}
		}
		nout++;
	}
	*v_r = out;
	return nout;
}

const char *msgi_param_get(const struct msgi_param *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	}
	return NULL;
}
