/*
 * msg_addr.c - address lists (RFC 5322 3.4, obsolete forms of 4.4):
 * mailboxes with display names, angle addresses, groups (flattened),
 * comments, quoted strings, routes ("<@a,@b:u@d>", ignored).
 *
 * Best effort on broken input: unterminated quotes, comments and angle
 * brackets end at the end of the value; "u@d (Name)" takes the comment
 * as the name; a bare word becomes an address without a domain; a
 * phrase without any address gives an entry with addr "". Display
 * names are RFC 2047 decoded. Linear in the input; MSG_ADDR_MAX entries
 * at most. Ownership: arena memory.
 */
#include <string.h>

#include "lib/buf.h"
#include "lib/msg.h"
#include "lib/msg_int.h"

#define MSG_ADDR_MAX 1000

enum tok_type { T_EOF, T_WORD, T_QSTR, T_COMMENT, T_DOMLIT, T_SPECIAL };

struct tok {
	enum tok_type type;
	const char *s; /* content: without quotes, parens, brackets */
	size_t n;
	char c;        /* T_SPECIAL */
	int space_before;
};

struct lexer {
	const char *s;
	size_t i, n;
};

static int is_special(unsigned char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == ',' || c == ';' ||
	       c == ':' || c == '@' || c == '"' || c == '[' || c == ']';
}

static void lex(struct lexer *lx, struct tok *t)
{
	const char *s = lx->s;
	size_t i = lx->i, n = lx->n, st;

	t->space_before = 0;
	while (i < n && msgi_is_space((unsigned char)s[i])) {
		i++;
		t->space_before = 1;
	}
	if (i >= n) {
		t->type = T_EOF;
		lx->i = i;
		return;
	}
	st = i;
	if (s[i] == '"' || s[i] == '(' || s[i] == '[') {
		char open = s[i];
		int depth = 1;
		i++;
		st = i;
		for (; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n) {
				i++;
			} else if (open == '"' && s[i] == '"') {
				break;
			} else if (open == '[' && s[i] == ']') {
				break;
			} else if (open == '(') {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
		}
		t->type = open == '"' ? T_QSTR : open == '(' ? T_COMMENT : T_DOMLIT;
		t->s = s + st;
		t->n = (i < n ? i : n) - st;
		lx->i = i < n ? i + 1 : n;
		return;
	}
	if (is_special((unsigned char)s[i])) {
		t->type = T_SPECIAL;
		t->c = s[i];
		t->s = s + i;
		t->n = 1;
		lx->i = i + 1;
		return;
	}
	while (i < n && !msgi_is_space((unsigned char)s[i]) && !is_special((unsigned char)s[i]))
		i++;
	t->type = T_WORD;
	t->s = s + st;
	t->n = i - st;
	lx->i = i;
}

/* Appends quoted-pair-unescaped content. */
static void append_unescaped(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		if (s[i] != '\r' && s[i] != '\n')
			buf_append_char(b, s[i]);
	}
}

struct mbox {
	struct buf phrase;  /* display name words */
	struct buf spec;    /* addr-spec outside <> */
	struct buf angle;   /* inside <> */
	struct buf comment; /* first comment */
	int in_angle, had_angle, nwords, spec_at, qstr_only;
};

static void mbox_reset(struct mbox *mb)
{
	buf_truncate(&mb->phrase, 0);
	buf_truncate(&mb->spec, 0);
	buf_truncate(&mb->angle, 0);
	buf_truncate(&mb->comment, 0);
	mb->in_angle = mb->had_angle = mb->nwords = mb->spec_at = mb->qstr_only = 0;
}

static void emit(struct arena *a, struct arena_vec *out, struct mbox *mb)
{
	const char *addr, *name, *at;
	struct msg_addr *r;
	char *dom;
	size_t ln;

	if (mb->had_angle) {
		addr = buf_cstr(&mb->angle);
		/* Obsolete route: "@a,@b:user@domain". */
		if (addr[0] == '@' && strchr(addr, ':') != NULL)
			addr = strrchr(addr, ':') + 1;
		name = buf_cstr(&mb->phrase);
	} else if (mb->spec_at || (mb->nwords <= 1 && !mb->qstr_only)) {
		addr = buf_cstr(&mb->spec);
		name = buf_cstr(&mb->comment);
	} else {
		/* Words without '@' or '<>': only a name. */
		addr = "";
		name = buf_cstr(&mb->phrase);
	}
	if (*addr == '\0' && *name == '\0')
		return;
	if (out->count >= MSG_ADDR_MAX)
		return;
	r = ARENA_VEC_PUSH(a, out, struct msg_addr);
	r->name = strstr(name, "=?") ? msg_rfc2047_decode(a, name, strlen(name), NULL)
				     : arena_strdup(a, name);
	at = strrchr(addr, '@');
	if (at == NULL) {
		r->local = arena_strdup(a, addr);
		r->domain = "";
		r->addr = r->local;
		return;
	}
	ln = (size_t)(at - addr);
	r->local = arena_strndup(a, addr, ln);
	dom = arena_strdup(a, at + 1);
	msgi_lower(dom);
	r->domain = dom;
	r->addr = arena_printf(a, "%s@%s", r->local, dom);
}

static void phrase_add(struct mbox *mb, const struct tok *t)
{
	if (mb->phrase.len > 0)
		buf_append_char(&mb->phrase, ' ');
	if (t->type == T_QSTR)
		append_unescaped(&mb->phrase, t->s, t->n);
	else
		buf_append(&mb->phrase, t->s, t->n);
}

static void spec_add(struct mbox *mb, const struct tok *t)
{
	struct buf *b = mb->in_angle ? &mb->angle : &mb->spec;

	if (t->type == T_QSTR) {
		buf_append_char(b, '"');
		buf_append(b, t->s, t->n);
		buf_append_char(b, '"');
	} else if (t->type == T_DOMLIT) {
		buf_append_char(b, '[');
		buf_append(b, t->s, t->n);
		buf_append_char(b, ']');
	} else {
		buf_append(b, t->s, t->n);
	}
}

size_t msg_addr_parse(struct arena *a, const char *value, struct msg_addr **list_r)
{
	struct lexer lx;
	struct tok t;
	struct mbox mb;
	struct arena_vec out = { NULL, 0, 0 };

	*list_r = NULL;
	if (value == NULL)
		return 0;
	memset(&mb, 0, sizeof(mb));
	lx.s = value;
	lx.i = 0;
	lx.n = strlen(value);
	for (lex(&lx, &t); t.type != T_EOF; lex(&lx, &t)) {
		if (t.type == T_COMMENT) {
			if (mb.comment.len == 0 && !mb.in_angle) {
				const char *c = t.s;
				size_t n = t.n;
				while (n > 0 && msgi_is_space((unsigned char)*c)) {
					c++;
					n--;
				}
				append_unescaped(&mb.comment, c, n);
			}
			continue;
		}
		if (mb.in_angle) {
			if (t.type == T_SPECIAL && t.c == '>')
				mb.in_angle = 0;
			else if (!(t.type == T_SPECIAL && t.c == '<'))
				spec_add(&mb, &t);
			continue;
		}
		if (t.type == T_SPECIAL) {
			switch (t.c) {
			case '<':
				mb.in_angle = 1;
				mb.had_angle = 1;
				buf_truncate(&mb.angle, 0);
				break;
			case ',':
			case ';':
				emit(a, &out, &mb);
				mbox_reset(&mb);
				break;
			case ':':
				/* Group name: drop what was read as the phrase. */
				if (!mb.had_angle && !mb.spec_at) {
					mbox_reset(&mb);
				} else {
					spec_add(&mb, &t);
				}
				break;
			case '@':
				mb.spec_at = 1;
				spec_add(&mb, &t);
				break;
			default:
				break;
			}
			continue;
		}
		/* A word or a quoted string: both phrase and addr-spec so far. */
		if (!mb.had_angle) {
			phrase_add(&mb, &t);
			mb.nwords++;
			mb.qstr_only = t.type == T_QSTR && mb.nwords == 1;
			/* "Some Name user@host" without brackets: the words
			   before the last space are not part of the address. */
			if (t.space_before && !mb.spec_at && mb.spec.len > 0 &&
			    mb.spec.data[mb.spec.len - 1] != '.' && t.s[0] != '.')
				buf_truncate(&mb.spec, 0);
			spec_add(&mb, &t);
		} else {
			/* Text after "<...>": obsolete, keep as name if none. */
			if (mb.phrase.len == 0)
				phrase_add(&mb, &t);
		}
	}
	emit(a, &out, &mb);
	buf_free(&mb.phrase);
	buf_free(&mb.spec);
	buf_free(&mb.angle);
	buf_free(&mb.comment);
	*list_r = out.v;
	return out.count;
}
