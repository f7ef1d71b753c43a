/*
 * mda_msg.c - the message being delivered (mda.h): stored with LF line
 * endings, as Maildir readers (Dovecot, mutt) expect, and parsed once
 * for the recipes; and the trace of actions for --test and the log.
 */
#include "mda/mda.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/msg.h"

/* raw with every CRLF turned into LF, NUL-terminated, in a. */
static char *mda_lf(struct arena *a, const char *raw, size_t len, size_t *len_r)
{
	char *out = arena_alloc(a, len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++)
		if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			*o++ = raw[i];
	*o = '\0';
	*len_r = (size_t)(o - out);
	return out;
}

static void mda_msg_parse(struct mda_msg *m, const char *raw, size_t len)
{
	struct msg_limits lim;
	size_t n;

	m->data = mda_lf(m->arena, raw, len, &n);
	m->len = n;
	msg_limits_default(&lim);
	m->parsed = msg_parse(m->arena, m->data, m->len, &lim);
}

void mda_msg_init(struct mda_msg *m, struct arena *a, const char *raw, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->arena = a;
	m->sender = "";
	m->recipient = "";
	m->user = "";
	m->home = "";
	m->maildir = "";
	mda_msg_parse(m, raw, len);
}

void mda_msg_replace(struct mda_msg *m, const char *raw, size_t len)
{
	mda_msg_parse(m, raw, len);
}

void mda_trace_add(struct mda_trace *t, struct arena *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		const char **v = arena_alloc(a, cap * sizeof(*v));
		if (t->count > 0)
			memcpy(v, t->lines, t->count * sizeof(*v));
		t->lines = v;
		t->cap = cap;
	}
	t->lines[t->count++] = arena_strdup(a, buf);
}
