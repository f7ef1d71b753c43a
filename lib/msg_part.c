/*
 * msg_part.c - second stage of parsing: turns the offsets recorded by
 * lib/msg.c into the public struct msg / struct msg_part tree, then
 * decodes every leaf (CTE, charset to UTF-8), sniffs content types, and
 * hands HTML parts to lib/html.c and the finished message to lib/uri.c.
 *
 * Text leaves (text/ *, and a multipart whose boundary never showed up,
 * which is a leaf in effect) get `text` in UTF-8 with CRLF turned into
 * LF. Limits: max_decoded over all parts together, max_text per part
 * (MSG_F_DECODED_TRUNCATED). Ownership: all in the message arena.
 */
#include <string.h>

#include "lib/html.h"
#include "lib/msg.h"
#include "lib/msg_int.h"
#include "lib/uri.h"

struct build {
	struct msg *m;
	size_t decoded_left;
};

static int has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	}
	return 0;
}

static void build_headers(struct build *bd, struct pbuild *b, struct msg_part *part)
{
	const char *raw = bd->m->raw;
	const struct hrec *hv = b->hdrs.v;
	size_t i;

	part->headers.count = b->hdrs.count;
	if (b->hdrs.count == 0)
		return;
	part->headers.v = arena_zalloc(bd->m->arena, b->hdrs.count * sizeof(struct msg_header));
	for (i = 0; i < b->hdrs.count; i++) {
		struct msg_header *h = &part->headers.v[i];
		size_t nl = hv[i].colon - hv[i].start, vlen;
		char *value;
		while (nl > 0 && msgi_is_wsp((unsigned char)raw[hv[i].start + nl - 1]))
			nl--;
		h->name = arena_strndup(bd->m->arena, raw + hv[i].start, nl);
		h->raw = raw + hv[i].colon + 1;
		h->raw_len = hv[i].end - hv[i].colon - 1;
		value = msgi_unfold(bd->m->arena, h->raw, h->raw_len, &vlen);
		h->value = value;
		if (has_8bit(h->raw, h->raw_len))
			h->flags |= MSG_F_HDR_8BIT;
		if (strstr(value, "=?") == NULL &&
		    msgi_utf8_valid_len((const unsigned char *)value, vlen) == vlen)
			h->decoded = value;
		else
			h->decoded = msg_rfc2047_decode(bd->m->arena, value, vlen, &h->flags);
		h->flags &= MSG_F_HDR_8BIT | MSG_F_RFC2047_BAD | MSG_F_CHARSET_BAD |
			    MSG_F_CHARSET_UNKNOWN;
		part->flags |= h->flags;
	}
}

static const char *param_of(struct arena *a, const struct msg_part *part,
			    const char *field, const char *name)
{
	const struct msg_header *h = msg_header_first(&part->headers, field);
	const char *rest = NULL;
	struct msgi_param *pv;
	size_t n;

	if (h == NULL)
		return NULL;
	if (strcmp(field, "content-type") == 0)
		msgi_ctype_parse(a, h->value, &rest);
	else
		msgi_token_parse(a, h->value, &rest);
	n = msgi_params_parse(a, rest, &pv);
	return msgi_param_get(pv, n, name);
}

static void build_meta(struct build *bd, struct pbuild *b, struct msg_part *part)
{
	struct arena *a = bd->m->arena;
	const struct msg_header *h;
	const char *fn, *cs;

	part->ctype = b->ctype;
	part->boundary = b->boundary;
	part->cte = b->cte ? b->cte : "7bit";
	if ((cs = param_of(a, part, "content-type", "charset")) != NULL && *cs != '\0') {
		char *c = arena_strdup(a, cs);
		msgi_lower(c);
		part->charset = c;
	}
	if ((h = msg_header_first(&part->headers, "content-disposition")) != NULL)
		part->disposition = msgi_token_parse(a, h->value, NULL);
	fn = param_of(a, part, "content-disposition", "filename");
	if (fn == NULL || *fn == '\0')
		fn = param_of(a, part, "content-type", "name");
	if (fn != NULL && *fn != '\0') {
		if (strstr(fn, "=?") != NULL)
			fn = msg_rfc2047_decode(a, fn, strlen(fn), &part->flags);
		part->filename = fn;
	}
	part->raw_body = bd->m->raw + b->body_start;
	part->raw_body_len = b->body_end - b->body_start;
}

/* Removes the CR of every CRLF in place; returns the new length. */
static size_t crlf_to_lf(char *s, size_t n)
{
	char *cr = memchr(s, '\r', n);
	size_t o, i;

	if (cr == NULL)
		return n;
	o = i = (size_t)(cr - s);
	for (; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

static void decode_leaf(struct build *bd, struct msg_part *part)
{
	struct arena *a = bd->m->arena;
	const struct msg_limits *lim = bd->m->limits;
	const char *cte = part->cte;
	size_t n;

	if (strcmp(cte, "base64") == 0) {
		part->decoded = msg_base64_decode(a, part->raw_body, part->raw_body_len,
						  bd->decoded_left, &n, &part->flags);
	} else if (strcmp(cte, "quoted-printable") == 0) {
		part->decoded = msg_qp_decode(a, part->raw_body, part->raw_body_len,
					      bd->decoded_left, &n, &part->flags);
	} else {
		if (strcmp(cte, "7bit") != 0 && strcmp(cte, "8bit") != 0 &&
		    strcmp(cte, "binary") != 0)
			part->flags |= MSG_F_CTE_UNKNOWN;
		n = part->raw_body_len;
		if (n > bd->decoded_left) {
			n = bd->decoded_left;
			part->flags |= MSG_F_DECODED_TRUNCATED;
		}
		part->decoded = (const unsigned char *)arena_strndup(a, part->raw_body, n);
	}
	part->decoded_len = n;
	bd->decoded_left -= n;
	part->detected_type = msgi_sniff(part->decoded, n);
	if (strncmp(part->ctype, "text/", 5) == 0 || strncmp(part->ctype, "multipart/", 10) == 0) {
		size_t tl;
		char *t = msg_charset_to_utf8(a, part->charset, part->decoded, n,
					      lim->max_text, &tl, &part->flags);
		part->text_len = crlf_to_lf(t, tl);
		part->text = t;
		if (strcmp(part->ctype, "text/html") != 0 &&
		    (strcmp(part->ctype, "text/plain") == 0 ||
		     strncmp(part->ctype, "multipart/", 10) == 0)) {
			part->visible = part->text;
			part->visible_len = part->text_len;
		}
	}
}

static void set_attachment(struct msg_part *part)
{
	part->is_attachment =
		(part->disposition != NULL && strcmp(part->disposition, "attachment") == 0) ||
		part->filename != NULL ||
		(strncmp(part->ctype, "text/", 5) != 0 &&
		 strncmp(part->ctype, "multipart/", 10) != 0);
}

void msgi_build(struct msg *m, struct pbuild **all, size_t n)
{
	struct build bd;
	struct msg_part *parts;
	size_t i, k;

	bd.m = m;
	bd.decoded_left = m->limits->max_decoded;
	parts = arena_zalloc(m->arena, n * sizeof(*parts));
	m->parts = arena_alloc(m->arena, n * sizeof(*m->parts));
	m->nparts = n;
	for (i = 0; i < n; i++)
		m->parts[i] = &parts[i];
	m->root = m->parts[0];
	for (i = 0; i < n; i++) {
		struct pbuild *b = all[i];
		struct msg_part *part = &parts[i];
		struct pbuild **kids = b->kids.v;
		part->parent = b->parent ? &parts[b->parent->index] : NULL;
		part->depth = b->depth;
		part->index = b->index;
		part->flags = b->flags;
		part->nchildren = b->kids.count;
		if (b->kids.count > 0) {
			part->children = arena_alloc(m->arena, b->kids.count * sizeof(*part->children));
			for (k = 0; k < b->kids.count; k++)
				part->children[k] = &parts[kids[k]->index];
		}
		build_headers(&bd, b, part);
		build_meta(&bd, b, part);
		if (part->nchildren == 0)
			decode_leaf(&bd, part);
		set_attachment(part);
	}
	m->headers = m->root->headers;
	if ((msg_header_first(&m->headers, "content-type") != NULL ||
	     msg_header_first(&m->headers, "content-transfer-encoding") != NULL) &&
	    msg_header_first(&m->headers, "mime-version") == NULL)
		m->root->flags |= MSG_F_MISSING_MIME_VERSION;
	msgi_render(m);
	for (i = 0; i < n; i++)
		m->flags |= parts[i].flags;
}

void msgi_render(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		struct msg_part *part = m->parts[i];
		if (part->text == NULL || strcmp(part->ctype, "text/html") != 0)
			continue;
		part->html = html_render(m->arena, part->text, part->text_len, m->limits,
					 &part->flags);
		part->visible = html_visible_text(part->html, &part->visible_len);
	}
	uri_collect(m);
}
