/*
 * msg_header.c - header field lookup and unfolding (RFC 5322 2.2.3,
 * 3.6), plus the small string helpers the msg_* files share.
 *
 * Lookups are linear in the number of fields (bounded by max_headers);
 * names compare case-insensitively. Ownership: results point into the
 * message's arena.
 */
#include <string.h>
#include <strings.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

void msgi_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)msgi_lc((unsigned char)*s);
}

int msgi_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; lit[i] != '\0'; i++) {
		if (i >= n || msgi_lc((unsigned char)s[i]) != msgi_lc((unsigned char)lit[i]))
			return 0;
	}
	return 1;
}

/* Removes CR and LF (folding keeps the whitespace after them), trims. */
char *msgi_unfold(struct arena *a, const char *raw, size_t len, size_t *len_r)
{
	char *out;
	size_t i = 0, o = 0;

	while (len > 0 && msgi_is_space((unsigned char)raw[len - 1]))
		len--;
	while (i < len && msgi_is_space((unsigned char)raw[i]))
		i++;
	out = arena_alloc(a, len - i + 1);
	for (; i < len; i++) {
		if (raw[i] != '\r' && raw[i] != '\n')
			out[o++] = raw[i];
	}
	out[o] = '\0';
	if (len_r != NULL)
		*len_r = o;
	return out;
}

const struct msg_header *msg_header_first(const struct msg_header_list *l,
					  const char *name)
{
	size_t i;

	if (l == NULL)
		return NULL;
	for (i = 0; i < l->count; i++) {
		if (strcasecmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	return NULL;
}

const struct msg_header *msg_header_last(const struct msg_header_list *l,
					 const char *name)
{
	size_t i;

	if (l == NULL)
		return NULL;
	for (i = l->count; i > 0; i--) {
		if (strcasecmp(l->v[i - 1].name, name) == 0)
			return &l->v[i - 1];
	}
	return NULL;
}

size_t msg_header_count(const struct msg_header_list *l, const char *name)
{
	size_t i, n = 0;

	if (l == NULL)
		return 0;
	for (i = 0; i < l->count; i++) {
		if (strcasecmp(l->v[i].name, name) == 0)
			n++;
	}
	return n;
}

const char *msg_get(const struct msg *m, const char *name)
{
	const struct msg_header *h = msg_header_first(&m->headers, name);

	return h ? h->decoded : NULL;
}

const char *msg_msgid_parse(struct arena *a, const char *value)
{
	const char *lt, *gt;

	if (value == NULL)
		return NULL;
	lt = strchr(value, '<');
	if (lt == NULL)
		return NULL;
	gt = strchr(lt + 1, '>');
	if (gt == NULL || gt == lt + 1)
		return NULL;
	{
		const char *q;
		for (q = lt + 1; q < gt; q++) {
			if (msgi_is_space((unsigned char)*q) || *q == '<')
				return NULL;
		}
	}
	return arena_strndup(a, lt, (size_t)(gt - lt) + 1);
}
