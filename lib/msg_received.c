/*
 * msg_received.c - Received fields (RFC 5321 4.4, and the de-facto
 * formats of Postfix, Sendmail, Exim, qmail, Exchange and webmail
 * gateways) parsed into struct msg_received.
 *
 * The value is read as clauses "from X (comments) by Y (comments) with
 * Z id W for <A>; date". The comments of the from clause give the
 * reverse DNS name and IP ("(rdns [1.2.3.4])", Exim "(rdns [ip]
 * helo=H)", qmail "(HELO H) (1.2.3.4)", "(may be forged)"); when a
 * comment names the HELO, the word after "from" is the rDNS instead.
 * The date is what follows the last ';'. Best effort: a field with
 * neither from nor by has parsed = 0. Linear; ownership: arena memory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

#define RCVD_TOK_MAX 64

enum clause { C_NONE, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR };

struct rtok {
	const char *s;
	size_t n;
	int comment; /* content without the outer parens */
};

static size_t tokenize(const char *s, size_t n, struct rtok *v, size_t max)
{
	size_t i = 0, k = 0;

	while (i < n && k < max) {
		size_t st;
		while (i < n && msgi_is_space((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		if (s[i] == '(') {
			int depth = 0;
			st = i + 1;
			for (; i < n; i++) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			v[k].s = s + st;
			v[k].n = (i < n ? i : n) - st;
			v[k].comment = 1;
			k++;
			i = i < n ? i + 1 : n;
			continue;
		}
		st = i;
		while (i < n && !msgi_is_space((unsigned char)s[i]) && s[i] != '(')
			i++;
		v[k].s = s + st;
		v[k].n = i - st;
		v[k].comment = 0;
		k++;
	}
	return k;
}

static enum clause keyword(const struct rtok *t)
{
	static const struct {
		const char *w;
		enum clause c;
	} kw[] = {
		{ "from", C_FROM }, { "by", C_BY }, { "via", C_VIA },
		{ "with", C_WITH }, { "id", C_ID }, { "for", C_FOR },
	};
	size_t i;

	if (t->comment)
		return C_NONE;
	for (i = 0; i < N_ELEMENTS(kw); i++) {
		if (t->n == strlen(kw[i].w) && strncasecmp(t->s, kw[i].w, t->n) == 0)
			return kw[i].c;
	}
	return C_NONE;
}

static int ipv4_at(const char *s, size_t n, size_t *len_r)
{
	size_t i = 0;
	int parts = 0;

	while (parts < 4) {
		size_t d = 0;
		int v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && d < 3) {
			v = v * 10 + (s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || v > 255)
			return 0;
		parts++;
		if (parts < 4) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
		return 0;
	*len_r = i;
	return 1;
}

static int is_ipv6ch(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.';
}

/* An IP in s: "[1.2.3.4]", "[IPv6:...]", or a bare IPv4 (qmail);
   *start_r at the '[' or the first digit. */
static const char *find_ip(struct arena *a, const char *s, size_t n, size_t *start_r)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		if (s[i] == '[') {
			size_t k = i + 1, e;
			if (n - k >= 5 && strncasecmp(s + k, "ipv6:", 5) == 0)
				k += 5;
			for (e = k; e < n && is_ipv6ch(s[e]); e++)
				;
			if (e < n && s[e] == ']' && e > k) {
				size_t l4;
				if (memchr(s + k, ':', e - k) != NULL ||
				    (ipv4_at(s + k, e - k, &l4) && l4 == e - k)) {
					*start_r = i;
					return arena_strndup(a, s + k, e - k);
				}
			}
		}
	}
	for (i = 0; i < n; i++) {
		if ((i == 0 || !((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.')) &&
		    s[i] >= '0' && s[i] <= '9' && ipv4_at(s + i, n - i, &len)) {
			*start_r = i;
			return arena_strndup(a, s + i, len);
		}
	}
	return NULL;
}

static const char *word_dup(struct arena *a, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ';' || s[n - 1] == ',' || s[n - 1] == ')'))
		n--;
	return n ? arena_strndup(a, s, n) : NULL;
}

/* "HELO x", "EHLO x", "helo=x" in a comment. */
static const char *comment_helo(struct arena *a, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 5 <= n; i++) {
		if ((strncasecmp(s + i, "helo", 4) == 0 || strncasecmp(s + i, "ehlo", 4) == 0) &&
		    (i == 0 || msgi_is_space((unsigned char)s[i - 1]) || s[i - 1] == '(') &&
		    (s[i + 4] == ' ' || s[i + 4] == '=')) {
			size_t st = i + 5, e;
			while (st < n && s[st] == ' ')
				st++;
			for (e = st; e < n && !msgi_is_space((unsigned char)s[e]) && s[e] != ')'; e++)
				;
			return word_dup(a, s + st, e - st);
		}
	}
	return NULL;
}

/* The host name before an IP literal: "rdns [ip]", "user@rdns [ip]". */
static const char *comment_rdns(struct arena *a, const char *s, size_t ipstart)
{
	size_t e = ipstart, st;
	const char *at;

	while (e > 0 && msgi_is_space((unsigned char)s[e - 1]))
		e--;
	st = e;
	while (st > 0 && !msgi_is_space((unsigned char)s[st - 1]) && s[st - 1] != '(')
		st--;
	if (st == e)
		return NULL;
	at = memchr(s + st, '@', e - st);
	if (at != NULL)
		st = (size_t)(at - s) + 1;
	if (e - st == 7 && strncasecmp(s + st, "unknown", 7) == 0)
		return NULL;
	if (memchr(s + st, '.', e - st) == NULL && memchr(s + st, ':', e - st) == NULL)
		return NULL;
	if (strncasecmp(s + st, "helo=", 5) == 0)
		return NULL;
	return word_dup(a, s + st, e - st);
}

static const char *find_after(struct arena *a, const char *s, size_t n, const char *key)
{
	size_t kl = strlen(key), i;
	unsigned char k0 = (unsigned char)key[0], k0up = k0 >= 'a' && k0 <= 'z' ? k0 - 32 : k0;

	for (i = 0; i + kl <= n; i++) {
		/* the first byte alone rules out almost every position */
		if ((unsigned char)s[i] != k0 && (unsigned char)s[i] != k0up)
			continue;
		if (strncasecmp(s + i, key, kl) == 0) {
			size_t st = i + kl, e;
			while (st < n && (s[st] == ' ' || s[st] == '=' || s[st] == '<' || s[st] == ':'))
				st++;
			for (e = st; e < n && !msgi_is_space((unsigned char)s[e]) && s[e] != '>' &&
				     s[e] != ')' && s[e] != ';';
			     e++)
				;
			return e > st ? arena_strndup(a, s + st, e - st) : NULL;
		}
	}
	return NULL;
}

static void from_comment(struct arena *a, struct msg_received *r, const struct rtok *t,
			 int *helo_in_comment)
{
	size_t ipstart;
	const char *ip, *h;

	if ((h = comment_helo(a, t->s, t->n)) != NULL && !*helo_in_comment) {
		*helo_in_comment = 1;
		r->from_rdns = r->from_helo;
		r->from_helo = h;
		if (r->from_rdns != NULL && strcasecmp(r->from_rdns, "unknown") == 0)
			r->from_rdns = NULL;
	}
	if (r->from_ip == NULL && (ip = find_ip(a, t->s, t->n, &ipstart)) != NULL) {
		const char *rd;
		r->from_ip = ip;
		if ((rd = comment_rdns(a, t->s, ipstart)) != NULL && !*helo_in_comment)
			r->from_rdns = rd;
	}
}

static int with_is_auth(const char *w)
{
	size_t n = strlen(w);

	return n >= 5 && (w[n - 1] == 'A' || w[n - 1] == 'a') &&
	       (strncasecmp(w, "esmtp", 5) == 0 || strncasecmp(w, "smtp", 4) == 0 ||
		strncasecmp(w, "lmtp", 4) == 0);
}

static void parse_one(struct arena *a, const char *value, struct msg_received *r)
{
	struct rtok tok[RCVD_TOK_MAX];
	const char *semi = strrchr(value, ';');
	size_t n = semi ? (size_t)(semi - value) : strlen(value), nt, i;
	enum clause c = C_NONE;
	int helo_in_comment = 0, expect_value = 0;
	time_t t;

	memset(r, 0, sizeof(*r));
	r->raw = value;
	if (semi != NULL && msg_date_parse(semi + 1, &t) == 0)
		r->date = t;
	nt = tokenize(value, n, tok, RCVD_TOK_MAX);
	for (i = 0; i < nt; i++) {
		enum clause k = keyword(&tok[i]);
		if (k != C_NONE) {
			c = k;
			expect_value = 1;
			continue;
		}
		if (tok[i].comment) {
			if (c == C_FROM)
				from_comment(a, r, &tok[i], &helo_in_comment);
			if (r->envfrom == NULL)
				r->envfrom = find_after(a, tok[i].s, tok[i].n, "envelope-from");
			if (r->auth == NULL && (memmem(tok[i].s, tok[i].n, "uthenticated", 12) ||
						memmem(tok[i].s, tok[i].n, "UTHENTICATED", 12)))
				r->auth = arena_strndup(a, tok[i].s, tok[i].n);
			continue;
		}
		if (!expect_value)
			continue;
		expect_value = 0;
		switch (c) {
		case C_FROM:
			r->from_helo = word_dup(a, tok[i].s, tok[i].n);
			if (r->from_helo != NULL && r->from_helo[0] == '[') {
				size_t st;
				const char *ip = find_ip(a, r->from_helo, strlen(r->from_helo), &st);
				if (ip != NULL)
					r->from_ip = ip;
			}
			break;
		case C_BY:
			r->by = word_dup(a, tok[i].s, tok[i].n);
			break;
		case C_WITH:
			r->with = word_dup(a, tok[i].s, tok[i].n);
			if (r->with != NULL && r->auth == NULL && with_is_auth(r->with))
				r->auth = r->with;
			break;
		case C_ID:
			r->id = word_dup(a, tok[i].s, tok[i].n);
			break;
		case C_FOR: {
			const char *f = tok[i].s;
			size_t fl = tok[i].n;
			if (fl > 0 && f[0] == '<') {
				f++;
				fl--;
			}
			while (fl > 0 && (f[fl - 1] == '>' || f[fl - 1] == ';' || f[fl - 1] == ','))
				fl--;
			r->for_addr = fl ? arena_strndup(a, f, fl) : NULL;
			break;
		}
		default:
			break;
		}
	}
	if (r->envfrom == NULL) {
		/* Some MTAs write it outside a comment. */
		r->envfrom = find_after(a, value, n, "envelope-from");
	}
	r->parsed = r->from_helo != NULL || r->by != NULL;
}

size_t msg_received_parse(const struct msg *m, struct msg_received **list_r)
{
	size_t i, n = msg_header_count(&m->headers, "received"), k = 0;
	struct msg_received *v;

	*list_r = NULL;
	if (n == 0)
		return 0;
	v = arena_zalloc(m->arena, n * sizeof(*v));
	for (i = 0; i < m->headers.count && k < n; i++) {
		if (strcasecmp(m->headers.v[i].name, "received") == 0)
			parse_one(m->arena, m->headers.v[i].decoded, &v[k++]);
	}
	*list_r = v;
	return k;
}

int msg_received_parse_nth(const struct msg *m, size_t k, struct msg_received *r)
{
	size_t i, seen = 0;

	for (i = 0; i < m->headers.count; i++) {
		if (strcasecmp(m->headers.v[i].name, "received") != 0)
			continue;
		if (seen++ == k) {
			parse_one(m->arena, m->headers.v[i].decoded, r);
			return 0;
		}
	}
	return -1;
}
