/*
 * sieve_lex.h - the Sieve lexer (sieve_lex.c), used by sieve_parse.c.
 */
#ifndef SIEVE_LEX_H
#define SIEVE_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "mda/sieve_int.h"

enum sieve_tok {
	SIEVE_T_EOF, SIEVE_T_IDENT, SIEVE_T_TAG, SIEVE_T_NUM, SIEVE_T_STR,
	SIEVE_T_LBRACKET, SIEVE_T_RBRACKET, SIEVE_T_LBRACE, SIEVE_T_RBRACE,
	SIEVE_T_LPAREN, SIEVE_T_RPAREN, SIEVE_T_COMMA, SIEVE_T_SEMI, SIEVE_T_ERROR,
};

struct sieve_tok_val {
	enum sieve_tok type;
	unsigned int line, col;
	const char *text; /* IDENT, TAG (without ':'): a view into the script;
			     STR: NUL-terminated in the arena */
	size_t len;
	uint64_t num;
};

struct sieve_lex {
	struct arena *a;
	const char *p, *end;
	unsigned int line, col;
	struct sieve_tok_val tok; /* the current token */
	char *buf;                /* string being built */
	size_t cap;
	char error[160];          /* when tok.type is SIEVE_T_ERROR */
};

void sieve_lex_init(struct sieve_lex *lx, struct arena *a, const char *text, size_t len);
/* Reads the next token into lx->tok (SIEVE_T_ERROR stays once set). */
void sieve_lex_next(struct sieve_lex *lx);
/* "string", "';'"...: for "expected X, found Y" messages. */
const char *sieve_lex_describe(const struct sieve_tok_val *t);

#endif
