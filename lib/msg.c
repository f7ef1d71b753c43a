/*
 * msg.c - the incremental message parser: RFC 5322 header blocks and the
 * RFC 2046 MIME tree.
 *
 * Input is copied into one growing heap buffer (at most max_size bytes;
 * the rest is dropped with MSG_F_SIZE_TRUNCATED) and split into lines as
 * it arrives. A line state machine records only OFFSETS (the buffer
 * moves when it grows): header fields per entity, body start and end of
 * every part. Multipart boundaries sit on a stack, so a boundary of an
 * outer multipart closes the parts opened inside it. msg_parser_finish()
 * copies the buffer into the arena, turns offsets into the public
 * struct msg_part tree and decodes the leaves (lib/msg_part.c).
 *
 * Whatever the split of the input, the same lines reach the state
 * machine in the same order, so the result does not depend on it. Each
 * byte is looked at a constant number of times (memchr for line ends,
 * NUL and CR), so parsing is linear.
 *
 * Limits (struct msg_limits): max_size, max_line (longer header lines are
 * cut), max_header_size and max_headers per header block, max_depth,
 * max_parts. Ownership: the parser and the result live in the arena;
 * the heap buffer is freed by msg_parser_finish or an arena cleanup.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/msg.h"
#include "lib/msg_int.h"

enum pstate {
	ST_HEADER, /* inside the header block of p->cur */
	ST_BODY,   /* inside the body of the leaf p->cur */
	ST_SKIP,   /* preamble or epilogue of the multipart p->cur */
};

struct msg_parser {
	struct arena *a;
	struct msg_limits lim;
	char *buf;
	size_t len, cap;
	size_t accepted;   /* bytes taken from the caller (mbox line included) */
	size_t line_start; /* first byte not yet given to the state machine */
	size_t search;     /* where the next memchr for '\n' starts */
	int first_line_done;
	int seen_crlf, seen_lf;
	unsigned int flags;

	enum pstate state;
	struct pbuild *cur;
	struct pbuild *root;
	long field;        /* index of the open header field in cur->hdrs, or -1 */
	size_t prev_eol;   /* offset of the previous line's terminator */
	size_t prev_start; /* offset of the previous line */
	struct arena_vec stack; /* struct pbuild *: multiparts with live boundaries */
	struct arena_vec all;   /* struct pbuild *: every part, document order */
	int no_more_parts;
};

static void parser_cleanup(void *ctx)
{
	struct msg_parser *p = ctx;

	free(p->buf);
	p->buf = NULL;
}

void msg_limits_default(struct msg_limits *lim)
{
	lim->max_size = WN_MSG_MAX_SIZE;
	lim->max_line = WN_MSG_MAX_LINE;
	lim->max_header_size = WN_MSG_MAX_HEADER_SIZE;
	lim->max_headers = WN_MSG_MAX_HEADERS;
	lim->max_parts = WN_MSG_MAX_PARTS;
	lim->max_depth = WN_MSG_MAX_DEPTH;
	lim->max_decoded = WN_MSG_MAX_DECODED;
	lim->max_text = WN_MSG_MAX_TEXT;
	lim->max_uris = WN_MSG_MAX_URIS;
	lim->max_html_depth = WN_MSG_MAX_HTML_DEPTH;
}

/* Zero limits mean "default", so a caller can fill in only some. */
static void limits_fill(struct msg_limits *l, const struct msg_limits *in)
{
	struct msg_limits d;

	msg_limits_default(&d);
	if (in == NULL) {
		*l = d;
		return;
	}
	*l = *in;
#define FILL(f) if (l->f == 0) l->f = d.f
	FILL(max_size);
	FILL(max_line);
	FILL(max_header_size);
	FILL(max_headers);
	FILL(max_parts);
	FILL(max_depth);
	FILL(max_decoded);
	FILL(max_text);
	FILL(max_uris);
	FILL(max_html_depth);
#undef FILL
}

static void flag(struct msg_parser *p, struct pbuild *b, unsigned int f)
{
	p->flags |= f;
	if (b != NULL)
		b->flags |= f;
}

static struct pbuild *part_new(struct msg_parser *p, struct pbuild *parent,
			       size_t hdr_start)
{
	struct pbuild *b = arena_zalloc(p->a, sizeof(*b));
	struct pbuild **slot;

	b->parent = parent;
	b->depth = parent ? parent->depth + 1 : 0;
	b->hdr_start = hdr_start;
	b->body_start = (size_t)-1;
	b->body_end = (size_t)-1;
	b->index = (unsigned int)p->all.count;
	slot = ARENA_VEC_PUSH(p->a, &p->all, struct pbuild *);
	*slot = b;
	if (parent != NULL) {
		slot = ARENA_VEC_PUSH(p->a, &parent->kids, struct pbuild *);
		*slot = b;
	}
	return b;
}

struct msg_parser *msg_parser_new(struct arena *a, const struct msg_limits *lim)
{
	struct msg_parser *p = arena_zalloc(a, sizeof(*p));

	p->a = a;
	limits_fill(&p->lim, lim);
	p->field = -1;
	p->root = p->cur = part_new(p, NULL, 0);
	p->state = ST_HEADER;
	arena_add_cleanup(a, parser_cleanup, p);
	return p;
}

static void buf_grow(struct msg_parser *p, size_t need)
{
	size_t ncap = p->cap ? p->cap : 4096;

	while (ncap < need)
		ncap *= 2;
	p->buf = xrealloc(p->buf, ncap);
	p->cap = ncap;
}

/* ---- header blocks ----------------------------------------------- */

static const struct hrec *find_field(struct msg_parser *p, struct pbuild *b,
				     const char *name)
{
	size_t i, n = strlen(name);
	const struct hrec *v = b->hdrs.v;

	for (i = 0; i < b->hdrs.count; i++) {
		if (v[i].colon - v[i].start >= n &&
		    msgi_prefix_ci(p->buf + v[i].start, n, name)) {
			size_t k = v[i].start + n;
			while (k < v[i].colon && msgi_is_wsp((unsigned char)p->buf[k]))
				k++;
			if (k == v[i].colon)
				return &v[i];
		}
	}
	return NULL;
}

static char *field_value(struct msg_parser *p, const struct hrec *h)
{
	return msgi_unfold(p->a, p->buf + h->colon + 1, h->end - h->colon - 1, NULL);
}

static int is_multipart_digest(const struct pbuild *b)
{
	return b != NULL && b->ctype != NULL && strcmp(b->ctype, "multipart/digest") == 0;
}

/* Reads what the state machine needs (type, boundary, CTE) right when a
   header block ends; the rest waits for msg_parser_finish. */
static void headers_done(struct msg_parser *p, struct pbuild *b, size_t body_start)
{
	const struct hrec *h;
	const char *rest = NULL;

	b->body_start = body_start;
	b->hdr_done = 1;
	p->field = -1;
	if ((h = find_field(p, b, "content-type")) != NULL) {
		char *v = field_value(p, h);
		b->ctype = msgi_ctype_parse(p->a, v, &rest);
		if (b->ctype == NULL) {
			flag(p, b, MSG_F_MIME_BAD_CTYPE);
		} else if (strncmp(b->ctype, "multipart/", 10) == 0) {
			struct msgi_param *pv;
			size_t n = msgi_params_parse(p->a, rest, &pv);
			const char *bd = msgi_param_get(pv, n, "boundary");
			if (bd != NULL && *bd != '\0') {
				b->boundary = bd;
				b->blen = strlen(bd);
			}
		}
	}
	if (b->ctype == NULL)
		b->ctype = is_multipart_digest(b->parent) ? "message/rfc822" : "text/plain";
	if ((h = find_field(p, b, "content-transfer-encoding")) != NULL)
		b->cte = msgi_token_parse(p->a, field_value(p, h), NULL);
}

static void push_multipart(struct msg_parser *p, struct pbuild *b)
{
	struct pbuild **slot = ARENA_VEC_PUSH(p->a, &p->stack, struct pbuild *);

	*slot = b;
	b->is_multi = 1;
}

static int cte_is_identity(const char *cte)
{
	return cte == NULL || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
	       strcmp(cte, "binary") == 0;
}

static void enter_body(struct msg_parser *p, struct pbuild *b)
{
	int deep = b->depth >= p->lim.max_depth;

	p->cur = b;
	p->state = ST_BODY;
	if (strncmp(b->ctype, "multipart/", 10) == 0) {
		if (b->boundary == NULL) {
			flag(p, b, MSG_F_MIME_NO_BOUNDARY);
		} else if (deep) {
			flag(p, b, MSG_F_MIME_DEPTH);
		} else if (!p->no_more_parts) {
			push_multipart(p, b);
			p->state = ST_SKIP;
		}
	} else if ((strcmp(b->ctype, "message/rfc822") == 0 ||
		    strcmp(b->ctype, "message/global") == 0) &&
		   cte_is_identity(b->cte)) {
		if (deep) {
			flag(p, b, MSG_F_MIME_DEPTH);
		} else if (p->all.count >= p->lim.max_parts) {
			flag(p, b, MSG_F_MIME_PARTS);
		} else {
			b->is_rfc822 = 1;
			p->cur = part_new(p, b, b->body_start);
			p->state = ST_HEADER;
		}
	}
}

static void header_line(struct msg_parser *p, size_t s, size_t e, size_t next)
{
	struct pbuild *b = p->cur;
	const char *line = p->buf + s;
	size_t n = e - s, i;

	if (n == 0) {
		headers_done(p, b, next);
		enter_body(p, b);
		return;
	}
	if (b->hdr_stop)
		goto account;
	if (msgi_is_wsp((unsigned char)line[0])) {
		if (p->field >= 0) {
			struct hrec *h = (struct hrec *)b->hdrs.v + p->field;
			if (!h->cut)
				h->end = e;
		} else {
			flag(p, b, MSG_F_HDR_MALFORMED);
		}
		goto account;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == ':' || c <= ' ' || c >= 0x7f)
			break;
	}
	{
		size_t k = i;
		while (k < n && msgi_is_wsp((unsigned char)line[k]))
			k++;
		if (i == 0 || k >= n || line[k] != ':') {
			/* Not a header: the header block ended without its blank
			   line; this line starts the body. */
			flag(p, b, MSG_F_HDR_MALFORMED);
			headers_done(p, b, s);
			enter_body(p, b);
			return;
		}
		if (b->hdrs.count >= p->lim.max_headers) {
			flag(p, b, MSG_F_HDR_TOO_MANY);
			b->hdr_stop = 1;
			p->field = -1;
			goto account;
		}
		{
			struct hrec *h = ARENA_VEC_PUSH(p->a, &b->hdrs, struct hrec);
			h->start = s;
			h->colon = s + k;
			h->end = e;
			if (n > p->lim.max_line) {
				h->end = s + p->lim.max_line;
				if (h->end <= h->colon)
					h->end = h->colon + 1;
				h->cut = 1;
			}
			p->field = (long)b->hdrs.count - 1;
		}
	}
account:
	b->hdr_bytes += next - s;
	if (b->hdr_bytes > p->lim.max_header_size && !(b->flags & MSG_F_HDR_TRUNCATED)) {
		flag(p, b, MSG_F_HDR_TRUNCATED);
		b->hdr_stop = 1;
		p->field = -1;
	}
	if (n > p->lim.max_line && p->field >= 0) {
		struct hrec *h = (struct hrec *)b->hdrs.v + p->field;
		if (!h->cut) {
			h->cut = 1;
			if (h->end > s + p->lim.max_line)
				h->end = s + p->lim.max_line;
		}
	}
}

/* ---- boundaries -------------------------------------------------- */

/* Index in the stack of the multipart whose boundary this line is, or
   -1; *close_r set for "--boundary--". */
static long match_boundary(struct msg_parser *p, const char *line, size_t n,
			   int *close_r)
{
	struct pbuild **st = p->stack.v;
	long k;

	if (n < 3 || line[0] != '-' || line[1] != '-')
		return -1;
	for (k = (long)p->stack.count - 1; k >= 0; k--) {
		size_t bl = st[k]->blen, i;
		if (n - 2 < bl || memcmp(line + 2, st[k]->boundary, bl) != 0)
			continue;
		i = 2 + bl;
		*close_r = 0;
		if (i + 1 < n + 0 && line[i] == '-' && line[i + 1] == '-') {
			*close_r = 1;
			i += 2;
		}
		while (i < n && msgi_is_space((unsigned char)line[i]))
			i++;
		if (i == n)
			return k;
	}
	return -1;
}

static void boundary_line(struct msg_parser *p, long k, int close, size_t s,
			  size_t next)
{
	struct pbuild **st = p->stack.v;
	struct pbuild *m = st[k], *q;
	size_t end;

	/* The line end before a boundary belongs to the boundary. */
	if (p->state == ST_HEADER || p->cur->body_start == s || p->prev_start < p->cur->body_start)
		end = s;
	else
		end = p->prev_eol;
	for (q = p->cur; q != NULL && q != m; q = q->parent) {
		if (!q->hdr_done) {
			headers_done(p, q, s);
			end = s;
		}
		if (q->body_end == (size_t)-1)
			q->body_end = end < q->body_start ? q->body_start : end;
		if (q->is_multi && !q->closed)
			flag(p, q, MSG_F_MIME_NO_END);
	}
	p->stack.count = (size_t)k + 1;
	p->field = -1;
	if (close) {
		m->closed = 1;
		p->stack.count = (size_t)k;
		p->cur = m;
		p->state = ST_SKIP;
		return;
	}
	if (p->all.count >= p->lim.max_parts) {
		/* Stop splitting: everything after is the epilogue of m. */
		flag(p, m, MSG_F_MIME_PARTS);
		p->no_more_parts = 1;
		p->stack.count = 0;
		p->cur = m;
		p->state = ST_SKIP;
		return;
	}
	p->cur = part_new(p, m, next);
	p->state = ST_HEADER;
}

/* ---- lines ------------------------------------------------------- */

/* One line: [s, e) without its terminator, next = start of the next. */
static void line(struct msg_parser *p, size_t s, size_t e, size_t next)
{
	const char *l = p->buf + s;
	size_t n = e - s;

	if (n > 0 && memchr(l, '\0', n) != NULL)
		flag(p, p->cur, MSG_F_NUL);
	if (n > 0 && memchr(l, '\r', n) != NULL)
		flag(p, p->cur, MSG_F_BARE_CR_LF);
	if (n > p->lim.max_line)
		flag(p, p->cur, MSG_F_LINE_TOO_LONG);
	if (p->stack.count > 0 && n >= 3 && l[0] == '-' && l[1] == '-') {
		int close = 0;
		long k = match_boundary(p, l, n, &close);
		if (k >= 0) {
			boundary_line(p, k, close, s, next);
			goto done;
		}
	}
	if (p->state == ST_HEADER)
		header_line(p, s, e, next);
done:
	p->prev_start = s;
	p->prev_eol = e;
}

/* Drops a leading mbox "From " line; 1 if it did. */
static int mbox_from_strip(struct msg_parser *p, size_t next)
{
	if (next < 5 || memcmp(p->buf, "From ", 5) != 0)
		return 0;
	memmove(p->buf, p->buf + next, p->len - next);
	p->len -= next;
	p->search = 0;
	p->line_start = 0;
	return 1;
}

static void split_lines(struct msg_parser *p)
{
	for (;;) {
		char *nl = memchr(p->buf + p->search, '\n', p->len - p->search);
		size_t s = p->line_start, nlo, e, next;

		if (nl == NULL) {
			p->search = p->len;
			return;
		}
		nlo = (size_t)(nl - p->buf);
		next = nlo + 1;
		p->search = next;
		if (!p->first_line_done) {
			p->first_line_done = 1;
			if (mbox_from_strip(p, next))
				continue;
		}
		e = nlo;
		if (e > s && p->buf[e - 1] == '\r') {
			e--;
			p->seen_crlf = 1;
		} else {
			p->seen_lf = 1;
		}
		if (p->seen_crlf && p->seen_lf)
			flag(p, p->cur, MSG_F_BARE_CR_LF);
		p->line_start = next;
		line(p, s, e, next);
	}
}

void msg_parser_feed(struct msg_parser *p, const void *data, size_t len)
{
	size_t room;

	if (len == 0)
		return;
	room = p->lim.max_size > p->accepted ? p->lim.max_size - p->accepted : 0;
	if (len > room) {
		flag(p, p->root, MSG_F_SIZE_TRUNCATED);
		flag(p, p->cur, MSG_F_SIZE_TRUNCATED);
		len = room;
		if (len == 0)
			return;
	}
	if (p->len + len + 1 > p->cap)
		buf_grow(p, p->len + len + 1);
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	p->accepted += len;
	split_lines(p);
}

struct msg *msg_parse(struct arena *a, const void *data, size_t len,
		      const struct msg_limits *lim)
{
	struct msg_parser *p = msg_parser_new(a, lim);

	msg_parser_feed(p, data, len);
	return msg_parser_finish(p);
}

/* ---- finish ------------------------------------------------------ */

static void finish_lines(struct msg_parser *p)
{
	struct pbuild **all;
	size_t i;

	if (p->line_start < p->len) {
		size_t s = p->line_start, e = p->len;
		if (!p->first_line_done && p->len >= 5 && memcmp(p->buf, "From ", 5) == 0) {
			/* A lone mbox separator line and nothing else. */
			p->len = 0;
		} else {
			p->first_line_done = 1;
			if (e > s && p->buf[e - 1] == '\r')
				e--;
			line(p, s, e, p->len);
		}
		p->line_start = p->len;
	}
	if (p->state == ST_HEADER) {
		flag(p, p->cur, MSG_F_NO_BODY_SEP);
		headers_done(p, p->cur, p->len);
	}
	all = p->all.v;
	for (i = 0; i < p->all.count; i++) {
		struct pbuild *b = all[i];
		if (!b->hdr_done) {
			/* Parts whose headers never started (closed early). */
			headers_done(p, b, p->len);
		}
		if (b->body_end == (size_t)-1)
			b->body_end = p->len;
		if (b->body_start > b->body_end)
			b->body_start = b->body_end;
	}
	for (i = 0; i < p->stack.count; i++) {
		struct pbuild *m = ((struct pbuild **)p->stack.v)[i];
		flag(p, m, MSG_F_MIME_NO_END);
	}
}

struct msg *msg_parser_finish(struct msg_parser *p)
{
	struct msg *m = arena_zalloc(p->a, sizeof(*m));
	char *raw;

	finish_lines(p);
	raw = arena_alloc(p->a, p->len + 1);
	if (p->len > 0)
		memcpy(raw, p->buf, p->len);
	raw[p->len] = '\0';
	m->arena = p->a;
	m->raw = raw;
	m->raw_len = p->len;
	m->limits = arena_alloc(p->a, sizeof(struct msg_limits));
	memcpy((void *)m->limits, &p->lim, sizeof(p->lim));
	m->flags = p->flags;
	msgi_build(m, p->all.v, p->all.count);
	m->header_len = p->root->body_start;
	free(p->buf);
	p->buf = NULL;
	return m;
}
