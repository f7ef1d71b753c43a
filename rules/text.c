/*
 * text.c - the SpamAssassin views of a message that rules match:
 * get() with its modifiers (PerMsgStatus::_get of SA 4), the rendered
 * body (Message::get_rendered_body_text_array) and the decoded rawbody
 * (Message::get_decoded_body_text_array).
 *
 * The aim is byte-for-byte agreement with SA 4 on what a regex sees:
 * decoded header values end in "\n" and several fields are joined with
 * nothing between them (so each still ends in "\n"); modifier results
 * (:addr, :name ...) are joined with "\n". Body text gets SA's
 * whitespace rules: a run of whitespace holding two or more newlines
 * ends a paragraph, any other run becomes one space.
 *
 * Ownership: everything in the message arena, cached in ctx->text_state.
 * Limits: body parts are cut at SA's body_part_scan_size (50000) and
 * rawbody parts at rawbody_part_scan_size (500000), at a line end when
 * one is near; lines are split at 2048 bytes as SA does.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/html.h"
#include "lib/uri.h"
#include "rules/eval_int.h"
#include "rules/rule_int.h"

#define BODY_SCAN_SIZE 50000
#define RAWBODY_SCAN_SIZE 500000
#define MAX_BODY_LINE 2048
#define CACHE_BUCKETS 64

struct get_entry {
	struct get_entry *next;
	const char *spec;
	const char *joined;   /* NULL when no value */
	const char **v;
	size_t n;
};

struct text_state {
	struct get_entry *cache[CACHE_BUCKETS];
	struct rule_text *body, *rawbody;
	const char **decoded; /* per top-level header, lazily */
	struct get_entry **by_spec; /* per ruleset field spec number, lazily */
};

static struct text_state *state(struct rule_ctx *ctx)
{
	if (ctx->text_state == NULL)
		ctx->text_state = arena_zalloc(ctx->arena, sizeof(struct text_state));
	return ctx->text_state;
}

size_t text_space_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (s[0] < 0x80)
		return 0;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3; /* U+1680 */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3; /* U+2000-200A, 2028, 2029, 202F */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3; /* U+205F */
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3; /* U+3000 */
	return 0;
}

/* ---- header values ---- */

/* Fields SA 4 never RFC 2047 decodes (Node.pm _decode_header). */
static int decode_exempt(const char *name)
{
	static const char *const names[] = {
		"received", "message-id", "resent-message-id", "date",
		"resent-date", "mime-version", "references", "in-reply-to",
	};
	size_t i;

	if (strncasecmp(name, "list-", 5) == 0)
		return 1;
	for (i = 0; i < N_ELEMENTS(names); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* raw with every line end and the whitespace after it collapsed to one
   space (SA: s/\015?\012\s+/ /g); a final line end is dropped. */
static char *collapse_folding(struct arena *a, const char *raw, size_t len)
{
	char *out = arena_alloc(a, len + 1);
	size_t i = 0, o = 0;

	while (i < len) {
		if (raw[i] == '\r' || raw[i] == '\n') {
			size_t j = i;
			if (raw[j] == '\r')
				j++;
			if (j < len && raw[j] == '\n')
				j++;
			if (j > i && j < len && isspace((unsigned char)raw[j])) {
				while (j < len && isspace((unsigned char)raw[j]))
					j++;
				out[o++] = ' ';
				i = j;
				continue;
			}
			if (raw[i] == '\n' || raw[i] == '\r') {
				/* a lone line end (no fold after it): SA drops it */
				i = j > i ? j : i + 1;
				continue;
			}
		}
		out[o++] = raw[i++];
	}
	out[o] = '\0';
	return out;
}

static int all_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

const char *text_header_decode(struct arena *a, const struct msg_header *h)
{
	char *v = collapse_folding(a, h->raw, h->raw_len);
	size_t len = strlen(v), st = 0;
	unsigned int flags = 0;

	while (len > 0 && text_space_len((const unsigned char *)v + len - 1, 1))
		len--;
	while (st < len && text_space_len((const unsigned char *)v + st, 1))
		st++;
	v[len] = '\0';
	v += st;
	len -= st;
	if (decode_exempt(h->name)) {
		if (all_ascii(v))
			return v;
		/* raw 8-bit: SA keeps valid UTF-8 and guesses otherwise;
		   msg_rfc2047_decode does exactly that for text without words. */
		if (strstr(v, "=?") == NULL)
			return msg_rfc2047_decode(a, v, len, &flags);
		return v;
	}
	if (strstr(v, "=?") == NULL && all_ascii(v))
		return v;
	return msg_rfc2047_decode(a, v, len, &flags);
}

const char *text_header_at(struct rule_ctx *ctx, size_t i)
{
	struct text_state *st = state(ctx);
	const struct msg_header_list *l = &ctx->msg->headers;

	if (st->decoded == NULL)
		st->decoded = arena_zalloc(ctx->arena, (l->count + 1) * sizeof(char *));
	if (st->decoded[i] == NULL)
		st->decoded[i] = text_header_decode(ctx->arena, &l->v[i]);
	return st->decoded[i];
}

const char *text_header(struct rule_ctx *ctx, const char *name)
{
	const struct msg_header_list *l = &ctx->msg->headers;
	size_t i;

	for (i = l->count; i-- > 0;)
		if (strcasecmp(l->v[i].name, name) == 0)
			return text_header_at(ctx, i);
	return NULL;
}

/* ---- get() ---- */

struct vals {
	struct arena_vec vec; /* const char * */
};

static void vals_push(struct rule_ctx *ctx, struct vals *vs, const char *s)
{
	*ARENA_VEC_PUSH(ctx->arena, &vs->vec, const char *) = s;
}

static const char **vals_v(struct vals *vs)
{
	return vs->vec.v;
}

/* SA 4's raw_header(): the field body exactly as written (folding
   kept, CRLF made LF) with its final newline. */
static const char *raw_value(struct arena *a, const struct msg_header *h)
{
	char *o = arena_alloc(a, h->raw_len + 2);
	size_t i, n = 0;

	for (i = 0; i < h->raw_len; i++)
		if (!(h->raw[i] == '\r' && i + 1 < h->raw_len && h->raw[i + 1] == '\n'))
			o[n++] = h->raw[i];
	o[n++] = '\n';
	o[n] = '\0';
	return o;
}

/* Every field called name: decoded + "\n" (SA's get_header), or raw
   (raw_header). */
static void header_values(struct rule_ctx *ctx, const char *name, int raw,
			  struct vals *out)
{
	const struct msg_header_list *l = &ctx->msg->headers;
	size_t i;

	for (i = 0; i < l->count; i++) {
		const struct msg_header *h = &l->v[i];
		/* first letters first: most names differ there */
		if (tolower((unsigned char)h->name[0]) != tolower((unsigned char)name[0]) ||
		    strcasecmp(h->name, name) != 0)
			continue;
		if (raw)
			vals_push(ctx, out, raw_value(ctx->arena, h));
		else
			vals_push(ctx, out, arena_strcat(ctx->arena, text_header_at(ctx, i), "\n",
							 (char *)NULL));
	}
}

static void all_headers(struct rule_ctx *ctx, int raw, struct vals *out)
{
	const struct msg_header_list *l = &ctx->msg->headers;
	size_t i;

	for (i = 0; i < l->count; i++) {
		const struct msg_header *h = &l->v[i];
		if (raw)
			vals_push(ctx, out, arena_printf(ctx->arena, "%s:%.*s\n", h->name,
							 (int)h->raw_len, h->raw));
		else
			vals_push(ctx, out, arena_strcat(ctx->arena, h->name, ": ",
							 text_header_at(ctx, i), "\n", (char *)NULL));
	}
}

/* Strips one trailing newline (a value handed to the address parser). */
static char *chomp(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '\n')
		n--;
	return arena_strndup(a, s, n);
}

static void addr_values(struct rule_ctx *ctx, struct vals *in, size_t n, int getaddr,
			struct vals *out)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct msg_addr *list;
		size_t cnt = msg_addr_parse(ctx->arena, chomp(ctx->arena, vals_v(in)[i]), &list);
		for (k = 0; k < cnt; k++) {
			if (getaddr) {
				if (list[k].addr[0] != '\0')
					vals_push(ctx, out, list[k].addr);
			} else if (list[k].name[0] != '\0') {
				vals_push(ctx, out, list[k].name);
			}
		}
	}
}

static int host_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c >= 0x80;
}

/* A host name SA would accept: labels of [a-z0-9-_], at least two, a
   TLD of letters (or xn--). Without the full TLD list we accept any
   alphabetic TLD of 2..63 letters. */
static int fqdn_ok(const char *s, size_t n)
{
	size_t i, dot = (size_t)-1, lab = 0;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			dot = i;
			lab = 0;
		} else {
			lab++;
		}
	}
	if (dot == (size_t)-1)
		return 0;
	if (n - dot - 1 >= 4 && strncasecmp(s + dot + 1, "xn--", 4) == 0)
		return 1;
	if (n - dot - 1 < 2 || n - dot - 1 > 63)
		return 0;
	for (i = dot + 1; i < n; i++)
		if (!isalpha((unsigned char)s[i]))
			return 0;
	return 1;
}

static const char *find_host(struct arena *a, const char *line, int after_addr)
{
	const char *at = strrchr(line, '@'), *p;

	if (after_addr) {
		size_t n;
		if (at == NULL)
			return NULL;
		n = strcspn(at + 1, " \t\r\n");
		return n ? arena_strndup(a, at + 1, n) : NULL;
	}
	if (at != NULL) {
		size_t n = 0;
		while (host_char((unsigned char)at[1 + n]))
			n++;
		while (n > 0 && (at[n] == '.' || at[n] == '-' || at[n] == '_'))
			n--;
		if (fqdn_ok(at + 1, n))
			return arena_strndup(a, at + 1, n);
	}
	for (p = line; *p != '\0';) {
		size_t n = 0;
		if (!host_char((unsigned char)*p)) {
			p++;
			continue;
		}
		while (host_char((unsigned char)p[n]))
			n++;
		{
			size_t m = n;
			while (m > 0 && (p[m - 1] == '.' || p[m - 1] == '-' || p[m - 1] == '_'))
				m--;
			if (fqdn_ok(p, m))
				return arena_strndup(a, p, m);
		}
		p += n;
	}
	return NULL;
}

static int ipv4_at(const char *s, size_t *len_r)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t d = 0;
		unsigned int v = 0;
		while (isdigit((unsigned char)s[i]) && d < 3) {
			v = v * 10 + (unsigned int)(s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || v > 255)
			return 0;
		if (part < 3) {
			if (s[i] != '.')
				return 0;
			i++;
		}
	}
	if (isalnum((unsigned char)s[i]) || s[i] == '.')
		return 0;
	*len_r = i;
	return 1;
}

static const char *find_ip(struct arena *a, const char *line, int rev)
{
	const char *p;

	for (p = line; *p != '\0'; p++) {
		size_t n;
		if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))
			continue;
		if (ipv4_at(p, &n)) {
			unsigned int o[4];
			if (!rev)
				return arena_strndup(a, p, n);
			if (sscanf(p, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]) == 4)
				return arena_printf(a, "%u.%u.%u.%u", o[3], o[2], o[1], o[0]);
		}
	}
	/* IPv6: a run of hex digits and colons with at least two colons */
	for (p = line; *p != '\0'; p++) {
		size_t n = 0, colons = 0;
		if (p > line && (isxdigit((unsigned char)p[-1]) || p[-1] == ':'))
			continue;
		while (isxdigit((unsigned char)p[n]) || p[n] == ':') {
			colons += p[n] == ':';
			n++;
		}
		if (colons >= 2 && n >= 3 && !rev)
			return arena_strndup(a, p, n);
	}
	return NULL;
}

static int pseudo_first(const char *name)
{
	return strcasecmp(name, "EnvelopeFrom") == 0 ||
	       strncasecmp(name, "X-Spam-Relays-", 14) == 0;
}

static void get_uncached(struct rule_ctx *ctx, const char *spec, struct vals *res)
{
	int getaddr = 0, getname = 0, getraw = 0, gethost = 0, getdomain = 0;
	int getip = 0, getrevip = 0, getfirst = 0, getlast = 0, is_pseudo = 0;
	const char *colon = strchr(spec, ':');
	char *name = arena_strndup(ctx->arena, spec,
				   colon ? (size_t)(colon - spec) : strlen(spec));
	struct vals tmp = { { NULL, 0, 0 } };
	size_t n;

	while (colon != NULL) {
		const char *next = strchr(colon + 1, ':');
		size_t ml = next ? (size_t)(next - colon - 1) : strlen(colon + 1);
		const char *m = colon + 1;
#define MOD(s) (ml == sizeof(s) - 1 && memcmp(m, s, ml) == 0)
		if (MOD("raw"))
			getraw = 1;
		else if (MOD("addr"))
			getaddr = 1;
		else if (MOD("name"))
			getname = 1;
		else if (MOD("host"))
			gethost = 1;
		else if (MOD("domain"))
			gethost = getdomain = 1;
		else if (MOD("ip"))
			getip = 1;
		else if (MOD("revip"))
			getip = getrevip = 1;
		else if (MOD("first"))
			getfirst = 1;
		else if (MOD("last"))
			getlast = 1;
#undef MOD
		colon = next;
	}

	if (strcmp(name, "ALL") == 0) {
		all_headers(ctx, getraw, res);
		return;
	}
	if (strcmp(name, "ALL-TRUSTED") == 0 || strcmp(name, "ALL-INTERNAL") == 0 ||
	    strcmp(name, "ALL-UNTRUSTED") == 0 || strcmp(name, "ALL-EXTERNAL") == 0) {
		const char *v = rule_pseudo_header(ctx, getraw ?
			arena_printf(ctx->arena, "%s:raw", name) : name, &is_pseudo);
		if (v != NULL)
			vals_push(ctx, res, v);
		return;
	}
	if (strcasecmp(name, "ToCc") == 0) {
		header_values(ctx, "To", getraw, &tmp);
		header_values(ctx, "Cc", getraw, &tmp);
	} else if (strcmp(name, "MESSAGEID") == 0) {
		header_values(ctx, "X-Message-Id", getraw, &tmp);
		header_values(ctx, "Resent-Message-Id", getraw, &tmp);
		header_values(ctx, "X-Original-Message-ID", getraw, &tmp);
		header_values(ctx, "Message-Id", getraw, &tmp);
	} else if (pseudo_first(name)) {
		const char *v = rule_pseudo_header(ctx, name, &is_pseudo);
		if (v != NULL)
			vals_push(ctx, &tmp, v);
	} else {
		header_values(ctx, name, getraw || getaddr || getname, &tmp);
		if (tmp.vec.count == 0) {
			const char *v = rule_pseudo_header(ctx, name, &is_pseudo);
			if (v != NULL)
				vals_push(ctx, &tmp, v);
		}
	}
	n = tmp.vec.count;
	if (n == 0)
		return;
	if (getfirst || getlast) {
		const char *one = vals_v(&tmp)[getfirst ? 0 : n - 1];
		tmp.vec.count = n = 1;
		vals_v(&tmp)[0] = one;
	}
	if (getaddr || getname) {
		struct vals out = { { NULL, 0, 0 } };
		addr_values(ctx, &tmp, n, getaddr, &out);
		tmp = out;
		n = tmp.vec.count;
	}
	if (n > 0 && (gethost || getip)) {
		struct vals out = { { NULL, 0, 0 } };
		size_t i;
		for (i = 0; i < n; i++) {
			const char *h = gethost ? find_host(ctx->arena, vals_v(&tmp)[i], getaddr)
						: find_ip(ctx->arena, vals_v(&tmp)[i], getrevip);
			if (h != NULL && getdomain)
				h = uri_domain(ctx->arena, h);
			if (h != NULL)
				vals_push(ctx, &out, h);
		}
		tmp = out;
		n = tmp.vec.count;
	}
	*res = tmp;
}

static unsigned int hash_str(const char *s)
{
	unsigned int h = 5381;
	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static struct get_entry *get_entry(struct rule_ctx *ctx, const char *spec)
{
	struct text_state *st = state(ctx);
	unsigned int b = hash_str(spec) % CACHE_BUCKETS;
	struct get_entry *e;
	struct vals res = { { NULL, 0, 0 } };

	for (e = st->cache[b]; e != NULL; e = e->next)
		if (strcmp(e->spec, spec) == 0)
			return e;
	get_uncached(ctx, spec, &res);
	e = arena_zalloc(ctx->arena, sizeof(*e));
	e->spec = arena_strdup(ctx->arena, spec);
	e->v = vals_v(&res);
	e->n = res.vec.count;
	if (e->n > 0) {
		/* Check.pm: join with "" when values end in "\n", else "\n" */
		const char *sep = "\n";
		size_t l0 = strlen(e->v[0]), i;
		struct buf b2 = BUF_INIT;
		if (l0 > 0 && e->v[0][l0 - 1] == '\n')
			sep = "";
		for (i = 0; i < e->n; i++) {
			if (i > 0)
				buf_append_str(&b2, sep);
			buf_append_str(&b2, e->v[i]);
		}
		e->joined = arena_strndup(ctx->arena, buf_cstr(&b2), b2.len);
		buf_free(&b2);
	}
	e->next = st->cache[b];
	st->cache[b] = e;
	return e;
}

const char *rule_ctx_get(struct rule_ctx *ctx, const char *spec)
{
	return get_entry(ctx, spec)->joined;
}

const char *rule_ctx_get_spec(struct rule_ctx *ctx, unsigned int id, const char *spec)
{
	struct text_state *st = state(ctx);

	if (id >= ctx->rs->specs.count)
		return rule_ctx_get(ctx, spec);
	if (st->by_spec == NULL)
		st->by_spec = arena_zalloc(ctx->arena, ctx->rs->specs.count * sizeof(*st->by_spec));
	if (st->by_spec[id] == NULL)
		st->by_spec[id] = get_entry(ctx, spec);
	return st->by_spec[id]->joined;
}

size_t text_get_list(struct rule_ctx *ctx, const char *spec, const char *const **v_r)
{
	struct get_entry *e = get_entry(ctx, spec);
	*v_r = e->v;
	return e->n;
}

/* ---- body ---- */

static void text_push(struct rule_ctx *ctx, struct arena_vec *lines,
		      struct arena_vec *lens, const char *s, size_t n)
{
	*ARENA_VEC_PUSH(ctx->arena, lines, const char *) = arena_strndup(ctx->arena, s, n);
	*ARENA_VEC_PUSH(ctx->arena, lens, size_t) = n;
}

static struct rule_text *text_finish(struct rule_ctx *ctx, struct arena_vec *lines,
				     struct arena_vec *lens)
{
	struct rule_text *t = arena_zalloc(ctx->arena, sizeof(*t));
	t->lines = lines->v;
	t->lens = lens->v;
	t->count = lines->count;
	return t;
}

/* Cut at limit as SA does: at a newline within 1 KiB after the limit,
   else at alt within 1 KiB, else hard. */
static size_t scan_cut(const char *s, size_t len, size_t limit, const char *alts)
{
	const char *a;

	if (len <= limit)
		return len;
	for (a = alts; *a != '\0'; a++) {
		const char *p = memchr(s + limit, *a, len - limit);
		if (p != NULL && (size_t)(p - s) - limit <= 1024)
			return (size_t)(p - s) + 1;
	}
	return limit;
}

const char *text_part_rendered(const struct msg_part *p, size_t *len_r)
{
	int is_html = p->html != NULL || strcmp(p->ctype, "text/html") == 0;

	*len_r = 0;
	if (p->nchildren > 0)
		return NULL;
	if (!is_html && p->filename != NULL) {
		size_t fl = strlen(p->filename);
		is_html = (fl >= 4 && strcasecmp(p->filename + fl - 4, ".htm") == 0) ||
			  (fl >= 5 && strcasecmp(p->filename + fl - 5, ".html") == 0) ||
			  (fl >= 6 && strcasecmp(p->filename + fl - 6, ".shtml") == 0);
		if (is_html && p->html == NULL)
			is_html = 0; /* not rendered by the parser: SA would, we cannot */
	}
	if (is_html && p->html != NULL && p->text_len > 0)
		return html_rendered_text(p->html, len_r);
	if (strcmp(p->ctype, "text/plain") != 0 && strcmp(p->ctype, "text/html") != 0)
		return NULL;
	if (p->text == NULL) {
		*len_r = 0;
		return "";
	}
	*len_r = p->text_len;
	return p->text;
}

/* SA's whitespace handling over the joined text: runs with 2+ newlines
   become a paragraph break, other whitespace runs one space. */
static void normalise_ws(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = text_space_len((const unsigned char *)s + i, n - i);
		size_t j, last_nl = (size_t)-1, nls = 0, first_nl = (size_t)-1;
		if (k == 0) {
			/* a run of other bytes, copied at once */
			j = i + 1;
			while (j < n) {
				unsigned char c = (unsigned char)s[j];
				if (c >= 0x80 ? text_space_len((const unsigned char *)s + j, n - j) > 0
					      : c == ' ' || (c >= '\t' && c <= '\r'))
					break;
				j++;
			}
			buf_append(out, s + i, j - i);
			i = j;
			continue;
		}
		for (j = i; j < n;) {
			size_t m = text_space_len((const unsigned char *)s + j, n - j);
			if (m == 0)
				break;
			if (s[j] == '\n') {
				if (first_nl == (size_t)-1)
					first_nl = j;
				last_nl = j;
				nls++;
			}
			j += m;
		}
		/* s/\n+\s*\n+/\0/ starts at the first newline of the run:
		   whitespace before it is one space, after the last newline
		   another space. */
		if (nls >= 2) {
			if (first_nl > i)
				buf_append_char(out, ' ');
			buf_append_char(out, '\n');
			if (last_nl + 1 < j)
				buf_append_char(out, ' ');
		} else {
			buf_append_char(out, ' ');
		}
		i = j;
	}
}

static void split_short_lines(struct rule_ctx *ctx, const char *s, size_t n,
			      struct arena_vec *lines, struct arena_vec *lens)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) + 1 : n;
		while (end - i > MAX_BODY_LINE) {
			size_t k, cut = 0;
			for (k = MAX_BODY_LINE + 1; k-- > 0;)
				if (s[i + k] == ' ') {
					cut = k + 1;
					break;
				}
			if (cut == 0)
				cut = MAX_BODY_LINE;
			text_push(ctx, lines, lens, s + i, cut);
			i += cut;
		}
		text_push(ctx, lines, lens, s + i, end - i);
		i = end;
	}
}

const struct rule_text *rule_ctx_body(struct rule_ctx *ctx)
{
	struct text_state *st = state(ctx);
	struct buf raw = BUF_INIT, norm = BUF_INIT, all = BUF_INIT;
	struct arena_vec lines = { NULL, 0, 0 }, lens = { NULL, 0, 0 };
	const char *subject;
	size_t i;

	if (st->body != NULL)
		return st->body;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		const char *r;
		size_t rl;
		if (p->nchildren > 0)
			continue;
		if (raw.len > 0)
			buf_append_char(&raw, '\n');
		r = text_part_rendered(p, &rl);
		if (r != NULL)
			buf_append(&raw, r, scan_cut(r, rl, BODY_SCAN_SIZE, "\n "));
	}
	normalise_ws(&norm, buf_cstr(&raw), raw.len);
	subject = text_header(ctx, "Subject");
	if (subject != NULL) {
		buf_append_str(&all, subject);
	}
	buf_append_char(&all, '\n');
	buf_append(&all, buf_cstr(&norm), norm.len);
	split_short_lines(ctx, buf_cstr(&all), all.len, &lines, &lens);
	buf_free(&raw);
	buf_free(&norm);
	buf_free(&all);
	st->body = text_finish(ctx, &lines, &lens);
	return st->body;
}

/* ---- rawbody ---- */

static int rawbody_part(const struct msg_part *p)
{
	if (p->nchildren > 0)
		return 0;
	if (strcmp(p->ctype, "text/calendar") == 0)
		return 0;
	if (p->html != NULL)
		return 1;
	return strncmp(p->ctype, "text/", 5) == 0 || strncmp(p->ctype, "message/", 8) == 0;
}

static void split_paragraphs(struct rule_ctx *ctx, const char *s, size_t n,
			     struct arena_vec *lines, struct arena_vec *lens)
{
	size_t ofs = 0;

	if (n <= MAX_BODY_LINE) {
		text_push(ctx, lines, lens, s, n);
		return;
	}
	while (n - ofs > 2 * MAX_BODY_LINE) {
		static const char seps[] = "\n> ";
		size_t j = 0, k;
		int found = 0;
		for (k = 0; k < 3 && !found; k++) {
			const char *p = memchr(s + ofs + MAX_BODY_LINE, seps[k],
					       n - ofs - MAX_BODY_LINE);
			if (p != NULL && (size_t)(p - s) - ofs + 1 <= 2 * MAX_BODY_LINE) {
				j = (size_t)(p - s);
				found = 1;
			}
		}
		if (!found)
			j = ofs + MAX_BODY_LINE;
		text_push(ctx, lines, lens, s + ofs, j - ofs + 1);
		ofs = j + 1;
	}
	if (ofs < n)
		text_push(ctx, lines, lens, s + ofs, n - ofs);
}

const struct rule_text *rule_ctx_rawbody(struct rule_ctx *ctx)
{
	struct text_state *st = state(ctx);
	struct arena_vec lines = { NULL, 0, 0 }, lens = { NULL, 0, 0 };
	size_t i;

	if (st->rawbody != NULL)
		return st->rawbody;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		struct buf b = BUF_INIT;
		size_t k, n;
		if (!rawbody_part(p) || p->decoded == NULL)
			continue;
		/* SA turns CRLF into LF in decoded text parts */
		for (k = 0; k < p->decoded_len;) {
			const unsigned char *cr = memchr(p->decoded + k, '\r', p->decoded_len - k);
			size_t end = cr != NULL ? (size_t)(cr - p->decoded) : p->decoded_len;
			buf_append(&b, p->decoded + k, end - k);
			k = end;
			if (k < p->decoded_len) {
				/* the CR itself: dropped before a LF */
				if (!(k + 1 < p->decoded_len && p->decoded[k + 1] == '\n'))
					buf_append_char(&b, '\r');
				k++;
			}
		}
		n = scan_cut(buf_cstr(&b), b.len, RAWBODY_SCAN_SIZE, "\n> ");
		split_paragraphs(ctx, buf_cstr(&b), n, &lines, &lens);
		buf_free(&b);
	}
	st->rawbody = text_finish(ctx, &lines, &lens);
	return st->rawbody;
}
