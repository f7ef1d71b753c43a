/*
 * sieve_lex.c - the Sieve lexer (RFC 5228 2.1-2.4, 8.1): identifiers,
 * tags, numbers with K/M/G, quoted strings with \ escapes, text:
 * multi-line literals with dot-stuffing, comments (# and bracketed),
 * and punctuation. Every token carries its line and column (1-based,
 * columns count bytes) for "name:line:column: message" errors.
 *
 * Limits: a string or literal over SIEVE_MAX_STRING is an error, as is
 * a number over 2^63 after its multiplier.
 */
#include "mda/sieve_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/arena.h"

void sieve_lex_init(struct sieve_lex *lx, struct arena *a, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->a = a;
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
}

static void sieve_lex_fail(struct sieve_lex *lx, unsigned int line, unsigned int col,
			   const char *fmt, ...) WN_PRINTF(4, 5);
static void sieve_lex_fail(struct sieve_lex *lx, unsigned int line, unsigned int col,
			   const char *fmt, ...)
{
	va_list ap;

	lx->tok.type = SIEVE_T_ERROR;
	lx->tok.line = line;
	lx->tok.col = col;
	va_start(ap, fmt);
	vsnprintf(lx->error, sizeof(lx->error), fmt, ap);
	va_end(ap);
}

static void sieve_lex_adv(struct sieve_lex *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

static int sieve_lex_left(const struct sieve_lex *lx)
{
	return lx->p < lx->end;
}

/* Skips white space and comments. -1 on an unterminated comment. */
static int sieve_lex_space(struct sieve_lex *lx)
{
	while (sieve_lex_left(lx)) {
		char c = *lx->p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			sieve_lex_adv(lx);
		} else if (c == '#') {
			while (sieve_lex_left(lx) && *lx->p != '\n')
				sieve_lex_adv(lx);
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			unsigned int line = lx->line, col = lx->col;
			sieve_lex_adv(lx);
			sieve_lex_adv(lx);
			while (sieve_lex_left(lx) &&
			       !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/'))
				sieve_lex_adv(lx);
			if (!sieve_lex_left(lx)) {
				sieve_lex_fail(lx, line, col, "unterminated comment");
				return -1;
			}
			sieve_lex_adv(lx);
			sieve_lex_adv(lx);
		} else {
			break;
		}
	}
	return 0;
}

static int sieve_lex_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int sieve_lex_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void sieve_lex_word(struct sieve_lex *lx)
{
	lx->tok.text = lx->p;
	while (sieve_lex_left(lx) && (sieve_lex_alpha(*lx->p) || sieve_lex_digit(*lx->p)))
		sieve_lex_adv(lx);
	lx->tok.len = (size_t)(lx->p - lx->tok.text);
}

static void sieve_lex_number(struct sieve_lex *lx)
{
	uint64_t v = 0, mul = 1;

	while (sieve_lex_left(lx) && sieve_lex_digit(*lx->p)) {
		if (v > (UINT64_MAX >> 1) / 10) {
			sieve_lex_fail(lx, lx->tok.line, lx->tok.col, "number too large");
			return;
		}
		v = v * 10 + (uint64_t)(*lx->p - '0');
		sieve_lex_adv(lx);
	}
	if (sieve_lex_left(lx)) {
		switch (*lx->p) {
		case 'K': case 'k': mul = 1024; break;
		case 'M': case 'm': mul = 1024 * 1024; break;
		case 'G': case 'g': mul = 1024 * 1024 * 1024; break;
		}
		if (mul != 1)
			sieve_lex_adv(lx);
	}
	if (v > (UINT64_MAX >> 1) / mul) {
		sieve_lex_fail(lx, lx->tok.line, lx->tok.col, "number too large");
		return;
	}
	lx->tok.type = SIEVE_T_NUM;
	lx->tok.num = v * mul;
	if (sieve_lex_left(lx) && (sieve_lex_alpha(*lx->p) || sieve_lex_digit(*lx->p)))
		sieve_lex_fail(lx, lx->line, lx->col, "unexpected character after number");
}

/* Appends c to the token's string, within SIEVE_MAX_STRING. */
static int sieve_lex_put(struct sieve_lex *lx, char c)
{
	if (lx->tok.len >= SIEVE_MAX_STRING) {
		sieve_lex_fail(lx, lx->tok.line, lx->tok.col, "string longer than %zu bytes",
			       (size_t)SIEVE_MAX_STRING);
		return -1;
	}
	if (lx->tok.len + 1 >= lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 256;
		char *s = arena_alloc(lx->a, cap);
		if (lx->tok.len > 0)
			memcpy(s, lx->buf, lx->tok.len);
		lx->buf = s;
		lx->cap = cap;
	}
	lx->buf[lx->tok.len++] = c;
	return 0;
}

static void sieve_lex_done_string(struct sieve_lex *lx)
{
	lx->tok.type = SIEVE_T_STR;
	lx->tok.text = arena_strndup(lx->a, lx->tok.len > 0 ? lx->buf : "", lx->tok.len);
}

/* "..." with \\ and \" (any other \x is x, RFC 5228 2.4.2). */
static void sieve_lex_quoted(struct sieve_lex *lx)
{
	sieve_lex_adv(lx);
	while (sieve_lex_left(lx) && *lx->p != '"') {
		if (*lx->p == '\\') {
			sieve_lex_adv(lx);
			if (!sieve_lex_left(lx))
				break;
		}
		if (sieve_lex_put(lx, *lx->p) < 0)
			return;
		sieve_lex_adv(lx);
	}
	if (!sieve_lex_left(lx)) {
		sieve_lex_fail(lx, lx->tok.line, lx->tok.col, "unterminated string");
		return;
	}
	sieve_lex_adv(lx);
	sieve_lex_done_string(lx);
}

/* The line starting at p ends the literal: "." alone. */
static int sieve_lex_dot_line(const struct sieve_lex *lx)
{
	const char *p = lx->p;

	if (p >= lx->end || *p != '.')
		return 0;
	p++;
	if (p < lx->end && *p == '\r')
		p++;
	return p >= lx->end || *p == '\n';
}

/* text: [spaces] [# comment] newline, lines, "." newline (RFC 5228 2.4.2,
   8.1). A line starting with ".." loses its first dot. */
static void sieve_lex_text(struct sieve_lex *lx)
{
	while (sieve_lex_left(lx) && (*lx->p == ' ' || *lx->p == '\t'))
		sieve_lex_adv(lx);
	if (sieve_lex_left(lx) && *lx->p == '#')
		while (sieve_lex_left(lx) && *lx->p != '\n')
			sieve_lex_adv(lx);
	if (sieve_lex_left(lx) && *lx->p == '\r')
		sieve_lex_adv(lx);
	if (!sieve_lex_left(lx) || *lx->p != '\n') {
		sieve_lex_fail(lx, lx->line, lx->col, "text: must be followed by a line break");
		return;
	}
	sieve_lex_adv(lx);
	for (;;) {
		if (!sieve_lex_left(lx)) {
			sieve_lex_fail(lx, lx->tok.line, lx->tok.col,
				       "unterminated text: literal (no line with a single '.')");
			return;
		}
		if (sieve_lex_dot_line(lx))
			break;
		if (*lx->p == '.' && lx->p + 1 < lx->end && lx->p[1] == '.')
			sieve_lex_adv(lx);
		while (sieve_lex_left(lx) && *lx->p != '\n') {
			if (sieve_lex_put(lx, *lx->p) < 0)
				return;
			sieve_lex_adv(lx);
		}
		if (sieve_lex_left(lx)) {
			if (sieve_lex_put(lx, '\n') < 0)
				return;
			sieve_lex_adv(lx);
		}
	}
	while (sieve_lex_left(lx) && *lx->p != '\n')
		sieve_lex_adv(lx);
	if (sieve_lex_left(lx))
		sieve_lex_adv(lx);
	sieve_lex_done_string(lx);
}

static const char sieve_lex_punct[] = "[]{}(),;";
static const enum sieve_tok sieve_lex_punct_tok[] = {
	SIEVE_T_LBRACKET, SIEVE_T_RBRACKET, SIEVE_T_LBRACE, SIEVE_T_RBRACE,
	SIEVE_T_LPAREN, SIEVE_T_RPAREN, SIEVE_T_COMMA, SIEVE_T_SEMI,
};

void sieve_lex_next(struct sieve_lex *lx)
{
	const char *q;
	char c;

	if (lx->tok.type == SIEVE_T_ERROR)
		return;
	if (sieve_lex_space(lx) < 0)
		return;
	memset(&lx->tok, 0, sizeof(lx->tok));
	lx->tok.line = lx->line;
	lx->tok.col = lx->col;
	if (!sieve_lex_left(lx)) {
		lx->tok.type = SIEVE_T_EOF;
		return;
	}
	c = *lx->p;
	if ((q = memchr(sieve_lex_punct, c, sizeof(sieve_lex_punct) - 1)) != NULL) {
		lx->tok.type = sieve_lex_punct_tok[q - sieve_lex_punct];
		sieve_lex_adv(lx);
	} else if (c == '"') {
		sieve_lex_quoted(lx);
	} else if (sieve_lex_digit(c)) {
		sieve_lex_number(lx);
	} else if (c == ':' && lx->p + 1 < lx->end && sieve_lex_alpha(lx->p[1])) {
		sieve_lex_adv(lx);
		sieve_lex_word(lx);
		lx->tok.type = SIEVE_T_TAG;
	} else if (sieve_lex_alpha(c)) {
		sieve_lex_word(lx);
		lx->tok.type = SIEVE_T_IDENT;
		if (lx->tok.len == 4 && strncasecmp(lx->tok.text, "text", 4) == 0 &&
		    sieve_lex_left(lx) && *lx->p == ':') {
			sieve_lex_adv(lx);
			lx->tok.len = 0; /* the literal's text starts empty */
			sieve_lex_text(lx);
		}
	} else {
		sieve_lex_fail(lx, lx->line, lx->col, "unexpected character '%s%c'",
			       (c >= 0x20 && c < 0x7f) ? "" : "\\",
			       (c >= 0x20 && c < 0x7f) ? c : '?');
	}
}

const char *sieve_lex_describe(const struct sieve_tok_val *t)
{
	switch (t->type) {
	case SIEVE_T_EOF: return "end of script";
	case SIEVE_T_IDENT: return "identifier";
	case SIEVE_T_TAG: return "tagged argument";
	case SIEVE_T_NUM: return "number";
	case SIEVE_T_STR: return "string";
	case SIEVE_T_LBRACKET: return "'['";
	case SIEVE_T_RBRACKET: return "']'";
	case SIEVE_T_LBRACE: return "'{'";
	case SIEVE_T_RBRACE: return "'}'";
	case SIEVE_T_LPAREN: return "'('";
	case SIEVE_T_RPAREN: return "')'";
	case SIEVE_T_COMMA: return "','";
	case SIEVE_T_SEMI: return "';'";
	case SIEVE_T_ERROR: return "error";
	}
	return "?";
}
