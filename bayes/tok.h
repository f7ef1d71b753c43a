/*
 * tok.h - the Bayes tokenizer: a parsed message (lib/msg.h) to the set of
 * 64-bit token hashes the classifier and the store work with.
 *
 * The token rules (what becomes a token, prefixes, case, limits) are in
 * the comment at the top of bayes/tok.c. Hashes are the same on every
 * run and platform, so a store trained on one host serves another.
 *
 * Ownership: the result lives in the arena given; tok_message never
 * fails (a malformed message just gives fewer tokens).
 */
#ifndef TOK_H
#define TOK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/msg.h"

struct tok_params {
	size_t max_tokens;    /* distinct tokens per message; the rest dropped */
	size_t max_token_len; /* bytes of a word; longer ones become a summary */
	int bigrams;          /* also adjacent body word pairs */
	int hidden_text;      /* also words of HTML text hidden from the reader */
	int keep_text;        /* fill tok_list.text (debugging, tests) */
};

/* Defaults: 3000 tokens, 15 bytes, bigrams off (as good without them
   on the training corpus, at half the tokens), hidden text on, no
   text kept. */
void tok_params_default(struct tok_params *p);

struct tok_list {
	uint64_t *hashes;  /* distinct, in the order produced */
	const char **text; /* keep_text: the token strings, else NULL */
	size_t count;
	int truncated;     /* max_tokens was reached */
};

void tok_message(const struct msg *m, const struct tok_params *p,
		 struct arena *a, struct tok_list *r);

/* The token hash: FNV-1a over the bytes, then a multiply-xorshift
   finalizer so every bit depends on every byte. Never 0. */
uint64_t tok_hash(const void *data, size_t len);

/* The same over data given in pieces: tok_hash_final(tok_hash_more(
   tok_hash_more(TOK_HASH_INIT, a, n), b, k)) == tok_hash(a followed by b). */
#define TOK_HASH_INIT 0xcbf29ce484222325ULL /* FNV-1a 64 offset basis */
uint64_t tok_hash_more(uint64_t state, const void *data, size_t len);
uint64_t tok_hash_final(uint64_t state);

#endif
