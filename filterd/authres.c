/*
 * authres.c - Authentication-Results (RFC 8601), see authres.h.
 *
 * Grammar used (RFC 8601 2.2, RFC 5322 CFWS):
 *   field   = [CFWS] authserv-id [CFWS authres-version] ( no-result / 1*resinfo )
 *   authserv-id = value = token / quoted-string
 * Only the authserv-id is read from incoming fields: it alone decides
 * whether a field is ours (forged if it reached us from outside).
 */
#include "filterd/authres.h"

#include <string.h>
#include <strings.h>

#include "lib/buf.h"

/* Skips spaces and (nested, escaped) comments; returns where the next
   token starts. An unterminated comment runs to the end. */
static const char *skip_cfws(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (depth > 0 && *s == '\\' && s[1] != '\0') {
			s++;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')' && depth > 0) {
			depth--;
		} else if (depth == 0 && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
			break;
		}
	}
	return s;
}

/* RFC 2045 tspecials end a token (as do spaces and controls). */
static int token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static const char *quoted(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *r;

	for (s++; *s != '\0' && *s != '"'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		buf_append(&b, s, 1);
	}
	if (*s != '"') {
		buf_free(&b);
		return NULL; /* unterminated */
	}
	r = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return r;
}

const char *authres_authserv_id(struct arena *a, const char *value)
{
	const char *s = skip_cfws(value), *e;

	if (*s == '"') {
		const char *q = quoted(a, s);
		return q != NULL && q[0] != '\0' ? q : NULL; /* "" names nobody */
	}
	for (e = s; *e != '\0' && token_char((unsigned char)*e); e++)
		;
	return e > s ? arena_strndup(a, s, (size_t)(e - s)) : NULL;
}

int authres_is_ours(struct arena *a, const char *value, const char *authserv_id)
{
	const char *id = authres_authserv_id(a, value);

	return id != NULL && authserv_id != NULL && strcasecmp(id, authserv_id) == 0;
}

char *authres_value(struct arena *a, const char *v)
{
	size_t n = strlen(v), k = 0, i;
	char *out = arena_alloc(a, 2 * n + 3);
	int token = n > 0;

	for (i = 0; i < n; i++)
		if (!token_char((unsigned char)v[i]))
			token = 0;
	if (!token)
		out[k++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < ' ' || c == 0x7f)
			continue;
		if (!token && (c == '"' || c == '\\'))
			out[k++] = '\\';
		out[k++] = (char)c;
	}
	if (!token)
		out[k++] = '"';
	out[k] = '\0';
	return out;
}

/* reason="..." with the quoted-string's escapes; control bytes dropped. */
static void put_reason(struct buf *b, const char *reason)
{
	buf_append_str(b, " reason=\"");
	for (; *reason != '\0'; reason++) {
		unsigned char c = (unsigned char)*reason;
		if (c < ' ' || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, reason, 1);
	}
	buf_append(b, "\"", 1);
}

const char *authres_build(struct arena *a, const char *authserv_id,
			  const struct authres_item *items, size_t n)
{
	struct buf b = BUF_INIT;
	const char *r;
	size_t i;

	buf_append_str(&b, authserv_id);
	if (n == 0)
		buf_append_str(&b, "; none");
	for (i = 0; i < n; i++) {
		if (items[i].method == NULL) { /* a whole resinfo, made by the check */
			buf_printf(&b, ";\n\t%s", items[i].props);
			continue;
		}
		buf_printf(&b, ";\n\t%s=%s", items[i].method, items[i].result);
		if (items[i].reason != NULL && items[i].reason[0] != '\0')
			put_reason(&b, items[i].reason);
		if (items[i].props != NULL && items[i].props[0] != '\0')
			buf_printf(&b, " %s", items[i].props);
	}
	r = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return r;
}
