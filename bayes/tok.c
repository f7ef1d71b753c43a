/*
 * tok.c - the Bayes tokenizer: struct msg -> distinct 64-bit token hashes.
 *
 * Ownership: everything in the arena given (token list, dedupe table,
 * token text when asked for). Bounded: at most max_tokens distinct
 * tokens, at most TOK_MAX_WORDS words looked at, no token over
 * TOK_MAX_BYTES bytes; time is linear in the text.
 *
 * Token rules. A token is a string hashed with tok_hash(); the strings
 * below are what gets hashed. Prefixes keep sources apart ("free" in the
 * Subject and in the body are different evidence). Body words carry no
 * prefix and never contain ':', so they cannot meet a prefixed token.
 *
 * Words (body, Subject, names, paths): runs of letters and digits (ASCII
 * alphanumerics and every non-ASCII character except the spaces and
 * punctuation of U+00A0-U+00BF, U+2000-U+206F, U+3000-U+303F, U+FEFF and
 * U+FFFD), joined by single inner punctuation characters . , - ' _ @ $ ! *
 * so "e-mail", "$1,000" and "u.s.a" stay whole while "...", "--" and
 * punctuation at either end split or trim. A '$' before a digit starts a
 * word. Words under 3 bytes are dropped.
 * Case: ASCII letters are folded to lower case (non-ASCII kept): in body
 * text case adds sparsity more than evidence. The Subject also gives
 * "S:<word as written>" for words with an upper-case letter after the
 * first ("FREE", "ViAgRa"); X-Mailer/User-Agent words keep their case.
 * Long words (over max_token_len bytes, default 15, as SpamAssassin):
 * when they hold characters of 3 or 4 UTF-8 bytes (scripts written
 * without spaces) each such character becomes "u8:<char>"; otherwise
 * "sk:<first 7 characters>" (SpamAssassin's skip token: random strings
 * share little but their start). A body word with an '@' inside is an
 * address: "ea:<domain>" and "ea:<parent>" for each parent domain.
 * Bigrams: each two adjacent body words that made plain word tokens,
 * "<word> <word>" (a long word, address, URL or part boundary breaks the
 * chain). URLs written in body text ("scheme://..." or "www.x...", up to
 * the next space) are skipped there: their tokens come from msg->uris.
 *
 * Sources, in this order (at max_tokens the rest is dropped, so the few
 * telling ones come before the many body words):
 *   mf:<n>            message flag bit n (MSG_F_* in lib/msg.h) is set
 *   mp:<type>         content type of each MIME part
 *   cs:<charset>      its charset, when named
 *   ce:<encoding>     its transfer encoding, other than 7bit
 *   at:<type>         content type of each attachment
 *   ax:<ext>          an attachment's file name extension, lowercased
 *   dt:<type>         an attachment's type sniffed from its content
 *   bd:<shape>        shape of the top multipart boundary
 *   hid:<n>           an HTML part hides 2^n to 2^(n+1) - 1 bytes of text
 *   hn:<name>         each top-level header field name, lowercased, but
 *                     X-Spam-* and X-Winnow-* (added by filters, ours too)
 *   s:<word>          Subject words (and S:<word>, above)
 *   f: r: t: rp: sd:  From, Reply-To, To and Cc, Return-Path, Sender:
 *                     <p>n:<display name word>, <p>u:<local part>,
 *                     <p>d:<domain> and each parent domain
 *   mid:d:<domain>    Message-ID right side and its parents,
 *   mid:s:<shape>     and the shape of its left side
 *   ua:<word>         X-Mailer and User-Agent words
 *   li: pr: xp: im: org:  List-Id, Precedence, X-Priority, Importance,
 *                     Organization words
 *   rh:<helo> rr:<rdns and parents> ri:<IPv4 /24 or IPv6 /48> rw:<with>
 *                     of the two newest and the oldest Received fields
 *   us:<scheme> uh:<host and parents> up:<path word>  for each URI
 *   <word>            visible text of every text part (HTML rendered)
 *   <word> <word>     bigrams, when enabled
 *   i:<word>          HTML text hidden from the reader, when enabled (the
 *                     default: on two splits of the training corpus as
 *                     good or slightly better than without; a hidden
 *                     paragraph gives many tokens that all say the same,
 *                     so watch hard ham); "hid:<n>" (below) keeps the fact
 * Shapes: each run of letters/digits becomes one letter ('9' digits,
 * 'a' lower, 'A' upper, 'h' hex, 'x' mixed), other bytes kept, at most
 * 24 bytes: "20020822131722.GA12345" -> "9.x".
 */
#include "bayes/tok.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/html.h"
#include "lib/uri.h"

/* One token string; longer ones (domains, mostly) are cut. */
#define TOK_MAX_BYTES 256
/* Words shorter than this are too common to say anything. */
#define TOK_MIN_WORD 3
/* Characters kept of a long word in its "sk:" token. */
#define TOK_SKIP_CHARS 7
/* Words looked at per message (SpamAssassin stops at 50,000 body
   tokens): bounds the time spent on a huge message of repeated words,
   which dedupe would never let reach max_tokens. */
#define TOK_MAX_WORDS 50000
#define TOK_SHAPE_MAX 24
/* Parent domains given for one host: enough for any real name. */
#define TOK_MAX_LABELS 6

void tok_params_default(struct tok_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_tokens = 3000;
	p->max_token_len = 15;
	p->bigrams = 0; /* measured: no better on the training corpus, twice the tokens */
	p->hidden_text = 1;
}

/* ---- hashing ---- */

uint64_t tok_hash_more(uint64_t state, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i;

	for (i = 0; i < len; i++) {
		state ^= s[i];
		state *= 0x100000001b3ULL; /* FNV 64 prime */
	}
	return state;
}

uint64_t tok_hash_final(uint64_t h)
{
	/* FNV's low bits mix poorly on short input; the dedupe table and
	   a store sharded by hash want every bit to count */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h != 0 ? h : 1; /* 0 marks an empty dedupe slot */
}

uint64_t tok_hash(const void *data, size_t len)
{
	return tok_hash_final(tok_hash_more(TOK_HASH_INIT, data, len));
}

/* ---- the token set ---- */

struct tok {
	struct arena *a;
	const struct msg *m;
	const struct tok_params *p;
	struct tok_list *r;
	size_t cap;        /* of r->hashes (and r->text) */
	uint64_t *set;     /* open addressing, 0 = empty */
	size_t set_size;   /* a power of two */
	size_t max_len;    /* max_token_len, at most TOK_MAX_BYTES / 2 */
	size_t words_left;
	int full;
	int in_body;       /* scanning body text: skip written URLs */
	char prev[TOK_MAX_BYTES]; /* previous body word, for bigrams */
	size_t prev_len;
};

static void tok_set_grow(struct tok *t)
{
	size_t size = t->set_size ? t->set_size * 2 : 1024, i, j;
	uint64_t *set = arena_zalloc(t->a, size * sizeof(*set));

	for (i = 0; i < t->r->count; i++) {
		for (j = t->r->hashes[i] & (size - 1); set[j] != 0; j = (j + 1) & (size - 1))
			;
		set[j] = t->r->hashes[i];
	}
	t->set = set;
	t->set_size = size;
}

/* Adds h to the set; 0 if it was there already. */
static int tok_set_add(struct tok *t, uint64_t h)
{
	size_t j;

	if ((t->r->count + 1) * 2 > t->set_size)
		tok_set_grow(t);
	for (j = h & (t->set_size - 1); t->set[j] != 0; j = (j + 1) & (t->set_size - 1)) {
		if (t->set[j] == h)
			return 0;
	}
	t->set[j] = h;
	return 1;
}

static void tok_push(struct tok *t, uint64_t h, const char *s, size_t n)
{
	struct tok_list *r = t->r;

	if (r->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		r->hashes = arena_realloc(t->a, r->hashes, t->cap * sizeof(*r->hashes),
					  cap * sizeof(*r->hashes));
		if (t->p->keep_text)
			r->text = arena_realloc(t->a, r->text, t->cap * sizeof(*r->text),
						cap * sizeof(*r->text));
		t->cap = cap;
	}
	if (t->p->keep_text)
		r->text[r->count] = arena_strndup(t->a, s, n);
	r->hashes[r->count++] = h;
	if (r->count >= t->p->max_tokens) {
		t->full = 1;
		r->truncated = 1;
	}
}

/* The token pre1 pre2 s (n bytes), cut at TOK_MAX_BYTES. The pieces
   are hashed where they lie; the string is only built when its text is
   kept (FNV is byte by byte, so the hash is that of the whole string). */
static void tok_emit_n(struct tok *t, const char *pre1, size_t l1, const char *pre2,
		       size_t l2, const char *s, size_t n)
{
	char buf[TOK_MAX_BYTES];
	size_t len;
	uint64_t h;

	if (t->full)
		return;
	l1 = l1 < sizeof(buf) ? l1 : sizeof(buf); /* the prefixes are cut too */
	l2 = l1 + l2 < sizeof(buf) ? l2 : sizeof(buf) - l1;
	len = l1 + l2 + n < sizeof(buf) ? l1 + l2 + n : sizeof(buf);
	h = tok_hash_more(TOK_HASH_INIT, pre1, l1);
	h = tok_hash_more(h, pre2, l2);
	h = tok_hash_final(tok_hash_more(h, s, len - l1 - l2));
	if (!tok_set_add(t, h))
		return;
	if (t->p->keep_text) {
		memcpy(buf, pre1, l1);
		memcpy(buf + l1, pre2, l2);
		memcpy(buf + l1 + l2, s, len - l1 - l2);
	}
	tok_push(t, h, buf, len);
}

/* inline: the prefixes are mostly literals, whose strlen then folds */
static inline void tok_emit2(struct tok *t, const char *pre1, const char *pre2,
			     const char *s, size_t n)
{
	tok_emit_n(t, pre1, strlen(pre1), pre2, strlen(pre2), s, n);
}

static inline void tok_emit(struct tok *t, const char *prefix, const char *s, size_t n)
{
	tok_emit_n(t, prefix, strlen(prefix), "", 0, s, n);
}

static void tok_emit_str(struct tok *t, const char *prefix, const char *s)
{
	if (s != NULL && *s != '\0')
		tok_emit2(t, prefix, "", s, strlen(s));
}

/* ---- characters and words ---- */

enum tok_class { TC_SEP, TC_WORD, TC_INNER };

static int tok_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int tok_is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Bytes of the UTF-8 character at s (1 for a bad sequence), its code
   point in *cp_r (0xFFFD when bad). */
static size_t tok_utf8(const unsigned char *s, size_t left, unsigned int *cp_r)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		*cp_r = 0xFFFD;
		return 1;
	}
	if (n > left)
		n = 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			break;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (n == 0 || i < n) {
		*cp_r = 0xFFFD;
		return 1;
	}
	*cp_r = cp;
	return n;
}

static int tok_cp_is_sep(unsigned int cp)
{
	return (cp >= 0xA0 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
	       (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF || cp == 0xFFFD;
}

/* Class of the character at s; its length in *len_r. */
static enum tok_class tok_class(const unsigned char *s, size_t left, size_t *len_r)
{
	unsigned int cp;

	*len_r = 1;
	if (s[0] < 0x80) {
		if (tok_is_alnum(s[0]))
			return TC_WORD;
		switch (s[0]) { /* the inner punctuation of the rules above */
		case '.': case ',': case '-': case '\'': case '_':
		case '@': case '$': case '!': case '*':
			return TC_INNER;
		default:
			return TC_SEP;
		}
	}
	*len_r = tok_utf8(s, left, &cp);
	return tok_cp_is_sep(cp) ? TC_SEP : TC_WORD;
}

/* End of the word starting at a word character s[i]. */
static size_t tok_word_end(const unsigned char *s, size_t len, size_t i)
{
	size_t clen, next;

	while (i < len) {
		enum tok_class c;
		if (s[i] < 0x80 && tok_is_alnum(s[i])) { /* the common case, inline */
			i++;
			continue;
		}
		c = tok_class(s + i, len - i, &clen);
		if (c == TC_WORD) {
			i += clen;
			continue;
		}
		if (c != TC_INNER || i + 1 >= len ||
		    tok_class(s + i + 1, len - i - 1, &next) != TC_WORD)
			break;
		i++;
	}
	return i;
}

typedef void tok_word_fn(struct tok *t, const char *w, size_t n, const void *ctx);

/* A URL written in text starts with the word s[start, end): its
   tokens come from msg->uris, its pieces would only add noise. */
static int tok_url_start(const unsigned char *s, size_t start, size_t end, size_t len)
{
	if (end + 3 <= len && memcmp(s + end, "://", 3) == 0)
		return 1;
	return end - start > 4 && (s[start] | 0x20) == 'w' &&
	       strncasecmp((const char *)s + start, "www.", 4) == 0;
}

/* Calls fn for each word of text (rules at the top). */
static void tok_words(struct tok *t, const char *text, size_t len, tok_word_fn *fn,
		      const void *ctx)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, clen, end;

	while (i < len && !t->full && t->words_left > 0) {
		enum tok_class c;
		size_t start = i;
		if (s[i] < 0x80 && !tok_is_alnum(s[i]) && s[i] != '$') { /* a separator */
			i++;
			continue;
		}
		c = tok_class(s + i, len - i, &clen);
		if (c != TC_WORD && !(s[i] == '$' && i + 1 < len && s[i + 1] >= '0' &&
				      s[i + 1] <= '9')) {
			i += clen;
			continue;
		}
		end = tok_word_end(s, len, c == TC_WORD ? i : i + 1);
		t->words_left--;
		if (t->in_body && tok_url_start(s, start, end, len)) {
			while (end < len && s[end] > ' ')
				end++;
			t->prev_len = 0;
		} else {
			fn(t, text + start, end - start, ctx);
		}
		i = end;
	}
}

/* ASCII lower case copy of n (<= TOK_MAX_BYTES) bytes into out. */
static void tok_fold(char *out, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = tok_is_upper((unsigned char)w[i]) ? (char)(w[i] + 32) : w[i];
}

/* Bytes of the first k characters of w. */
static size_t tok_chars_len(const char *w, size_t n, size_t k)
{
	const unsigned char *s = (const unsigned char *)w;
	size_t i = 0;
	unsigned int cp;

	while (i < n && k-- > 0)
		i += s[i] < 0x80 ? 1 : tok_utf8(s + i, n - i, &cp);
	return i;
}

/* A word over max_token_len: "u8:" characters or one "sk:" token. */
static void tok_long(struct tok *t, const char *prefix, const char *w, size_t n)
{
	const unsigned char *s = (const unsigned char *)w;
	char f[TOK_MAX_BYTES];
	size_t i, clen, cut;
	unsigned int cp;
	int wide = 0;

	for (i = 0; i < n && !t->full; i += clen) {
		clen = s[i] < 0x80 ? 1 : tok_utf8(s + i, n - i, &cp);
		if (clen >= 3) {
			tok_emit2(t, prefix, "u8:", w + i, clen);
			wide = 1;
		}
	}
	if (wide)
		return;
	cut = tok_chars_len(w, n, TOK_SKIP_CHARS);
	tok_fold(f, w, cut);
	tok_emit2(t, prefix, "sk:", f, cut);
}

/* A domain and each parent that still has a dot: a.b.example.com gives
   a.b.example.com, b.example.com, example.com. */
static void tok_domain(struct tok *t, const char *prefix, const char *d, size_t n)
{
	char f[TOK_MAX_BYTES] = ""; /* gcc 12 cannot see tok_fold fill it */
	size_t i, labels = 0;

	if (n == 0)
		return;
	if (n > sizeof(f))
		n = sizeof(f);
	tok_fold(f, d, n);
	tok_emit(t, prefix, f, n);
	for (i = 0; i < n && labels < TOK_MAX_LABELS; i++) {
		if (f[i] == '.' && memchr(f + i + 1, '.', n - i - 1) != NULL) {
			tok_emit(t, prefix, f + i + 1, n - i - 1);
			labels++;
		}
	}
}

/* A plain word: folded unless asked, long ones summarised. */
struct tok_wordopt {
	const char *prefix;
	int keep_case;
};

static void tok_plain_word(struct tok *t, const char *w, size_t n, const void *ctx)
{
	const struct tok_wordopt *o = ctx;
	char f[TOK_MAX_BYTES];

	if (n < TOK_MIN_WORD)
		return;
	if (n > t->max_len) {
		tok_long(t, o->prefix, w, n);
		return;
	}
	if (o->keep_case) {
		tok_emit(t, o->prefix, w, n);
		return;
	}
	tok_fold(f, w, n);
	tok_emit(t, o->prefix, f, n);
}

static void tok_text(struct tok *t, const char *prefix, int keep_case, const char *s)
{
	struct tok_wordopt o = { prefix, keep_case };

	if (s != NULL)
		tok_words(t, s, strlen(s), tok_plain_word, &o);
}

/* ---- shapes ---- */

/* The class letter of an alphanumeric run (see the top comment). */
static char tok_run_class(const char *s, size_t n)
{
	size_t i, digits = 0, lower = 0, upper = 0, hex = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		digits += c >= '0' && c <= '9';
		lower += c >= 'a' && c <= 'z';
		upper += tok_is_upper(c);
		hex += (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}
	if (digits == n)
		return '9';
	if (lower == n)
		return 'a';
	if (upper == n)
		return 'A';
	if (digits > 0 && digits + hex == n && (lower == 0 || upper == 0))
		return 'h';
	return 'x';
}

static void tok_shape(struct tok *t, const char *prefix, const char *s, size_t n)
{
	char out[TOK_SHAPE_MAX];
	size_t i = 0, k = 0, j;

	while (i < n && k < sizeof(out)) {
		if (!tok_is_alnum((unsigned char)s[i])) {
			out[k++] = s[i] & 0x80 ? '?' : s[i];
			i++;
			continue;
		}
		for (j = i; j < n && tok_is_alnum((unsigned char)s[j]); j++)
			;
		out[k++] = tok_run_class(s + i, j - i);
		i = j;
	}
	if (k > 0)
		tok_emit(t, prefix, out, k);
}

/* ---- message structure ---- */

static void tok_flags(struct tok *t)
{
	char num[8];
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		if (t->m->flags & (1u << bit)) {
			int n = snprintf(num, sizeof(num), "%u", bit);
			tok_emit(t, "mf:", num, (size_t)n);
		}
	}
}

static void tok_extension(struct tok *t, const char *filename)
{
	const char *dot = strrchr(filename, '.');
	char f[16];
	size_t n, i;

	if (dot == NULL || (n = strlen(dot + 1)) == 0 || n > 10)
		return;
	for (i = 0; i < n; i++) {
		if (!tok_is_alnum((unsigned char)dot[1 + i]))
			return;
	}
	tok_fold(f, dot + 1, n);
	tok_emit(t, "ax:", f, n);
}

/* "hid:<n>": an HTML part hides 2^n .. 2^(n+1) - 1 bytes of text. */
static void tok_hidden_size(struct tok *t, const struct msg_part *p)
{
	char num[8];
	size_t len = 0;
	unsigned int bits = 0;
	int n;

	if (p->html == NULL || html_invisible_text(p->html, &len) == NULL || len == 0)
		return;
	while (len >>= 1)
		bits++;
	n = snprintf(num, sizeof(num), "%u", bits);
	tok_emit(t, "hid:", num, (size_t)n);
}

static void tok_part(struct tok *t, const struct msg_part *p)
{
	tok_hidden_size(t, p);
	tok_emit_str(t, "mp:", p->ctype);
	tok_emit_str(t, "cs:", p->charset);
	if (p->cte != NULL && strcmp(p->cte, "7bit") != 0)
		tok_emit_str(t, "ce:", p->cte);
	if (!p->is_attachment)
		return;
	tok_emit_str(t, "at:", p->ctype);
	if (p->filename != NULL)
		tok_extension(t, p->filename);
	tok_emit_str(t, "dt:", p->detected_type);
}

static void tok_structure(struct tok *t)
{
	size_t i;

	tok_flags(t);
	for (i = 0; i < t->m->nparts; i++)
		tok_part(t, t->m->parts[i]);
	if (t->m->root != NULL && t->m->root->boundary != NULL)
		tok_shape(t, "bd:", t->m->root->boundary, strlen(t->m->root->boundary));
}

/* ---- headers ---- */

static void tok_subject_word(struct tok *t, const char *w, size_t n, const void *ctx)
{
	static const struct tok_wordopt o = { "s:", 0 };
	size_t i;

	(void)ctx;
	tok_plain_word(t, w, n, &o);
	if (n < TOK_MIN_WORD || n > t->max_len)
		return;
	for (i = 1; i < n; i++) {
		if (tok_is_upper((unsigned char)w[i])) {
			tok_emit(t, "S:", w, n);
			return;
		}
	}
}

static void tok_hdr_subject(struct tok *t, const struct msg_header *h, const char *prefix)
{
	(void)prefix;
	if (h->decoded != NULL)
		tok_words(t, h->decoded, strlen(h->decoded), tok_subject_word, NULL);
}

static void tok_hdr_words(struct tok *t, const struct msg_header *h, const char *prefix)
{
	tok_text(t, prefix, 0, h->decoded);
}

static void tok_hdr_words_case(struct tok *t, const struct msg_header *h,
			       const char *prefix)
{
	tok_text(t, prefix, 1, h->decoded);
}

/* out = prefix followed by two characters ("f:" + "n:"); prefix is one
   of tok_headers' (short). snprintf here cost 1% of learning. */
static void tok_prefix2(char out[16], const char *prefix, const char *two)
{
	size_t n = strlen(prefix);

	if (n > 13)
		n = 13;
	memcpy(out, prefix, n);
	memcpy(out + n, two, 3);
}

/* "<p>u:<local>" for one address (short ones too: "jo" says something
   in a From), long ones summarised. */
static void tok_local(struct tok *t, const char *prefix, const char *local)
{
	char p2[16], f[TOK_MAX_BYTES];
	size_t n = strlen(local);

	tok_prefix2(p2, prefix, "u:");
	if (n > t->max_len) {
		tok_long(t, p2, local, n);
		return;
	}
	tok_fold(f, local, n);
	tok_emit(t, p2, f, n);
}

static void tok_hdr_addr(struct tok *t, const struct msg_header *h, const char *prefix)
{
	struct msg_addr *v;
	size_t n = msg_addr_parse(t->a, h->value, &v), i;
	char p2[16];

	for (i = 0; i < n && !t->full; i++) {
		tok_prefix2(p2, prefix, "n:");
		tok_text(t, p2, 0, v[i].name);
		if (v[i].local != NULL && v[i].local[0] != '\0')
			tok_local(t, prefix, v[i].local);
		tok_prefix2(p2, prefix, "d:");
		if (v[i].domain != NULL)
			tok_domain(t, p2, v[i].domain, strlen(v[i].domain));
	}
}

static void tok_hdr_msgid(struct tok *t, const struct msg_header *h, const char *prefix)
{
	const char *id = msg_msgid_parse(t->a, h->value), *at;
	size_t n;

	(void)prefix;
	if (id == NULL)
		return;
	n = strlen(id);
	at = strrchr(id, '@');
	if (at == NULL) {
		tok_shape(t, "mid:s:", id + 1, n - 2);
		return;
	}
	tok_shape(t, "mid:s:", id + 1, (size_t)(at - id) - 1);
	tok_domain(t, "mid:d:", at + 1, (size_t)(id + n - 1 - (at + 1)));
}

struct tok_header {
	const char *name;
	const char *prefix;
	void (*fn)(struct tok *t, const struct msg_header *h, const char *prefix);
};

static const struct tok_header tok_headers[] = {
	{ "subject", "s:", tok_hdr_subject },
	{ "from", "f:", tok_hdr_addr },
	{ "reply-to", "r:", tok_hdr_addr },
	{ "to", "t:", tok_hdr_addr },
	{ "cc", "t:", tok_hdr_addr },
	{ "return-path", "rp:", tok_hdr_addr },
	{ "sender", "sd:", tok_hdr_addr },
	{ "message-id", "mid:", tok_hdr_msgid },
	{ "x-mailer", "ua:", tok_hdr_words_case },
	{ "user-agent", "ua:", tok_hdr_words_case },
	{ "list-id", "li:", tok_hdr_words },
	{ "precedence", "pr:", tok_hdr_words },
	{ "x-priority", "xp:", tok_hdr_words },
	{ "importance", "im:", tok_hdr_words },
	{ "organization", "org:", tok_hdr_words },
};

static void tok_header_name(struct tok *t, const char *name)
{
	char f[64];
	size_t n = strlen(name);

	if ((name[0] | 0x20) == 'x' &&
	    (strncasecmp(name, "x-spam-", 7) == 0 || strncasecmp(name, "x-winnow-", 9) == 0))
		return;
	if (n > sizeof(f))
		n = sizeof(f);
	tok_fold(f, name, n);
	tok_emit(t, "hn:", f, n);
}

static void tok_header(struct tok *t, const struct msg_header *h)
{
	size_t i;

	tok_header_name(t, h->name);
	for (i = 0; i < N_ELEMENTS(tok_headers); i++) {
		/* names in the table are lower case: the first byte sorts most out */
		if ((h->name[0] | 0x20) == tok_headers[i].name[0] &&
		    strcasecmp(h->name, tok_headers[i].name) == 0) {
			tok_headers[i].fn(t, h, tok_headers[i].prefix);
			return;
		}
	}
}

/* The network part of an address: IPv4 /24 ("1.2.3"), IPv6 /48. */
static void tok_ip_net(struct tok *t, const char *prefix, const char *ip)
{
	const char *s = ip;
	char sep = strchr(ip, ':') != NULL ? ':' : '.';
	int keep = 3; /* separators: "1.2.3" of 1.2.3.4, "2001:db8:1" of 2001:db8:1::5 */

	while (*s != '\0') {
		if (*s == sep && --keep == 0)
			break;
		s++;
	}
	tok_emit(t, prefix, ip, (size_t)(s - ip));
}

/* A host name as one token, folded: no word splitting, no summary. */
static void tok_name(struct tok *t, const char *prefix, const char *s)
{
	char f[TOK_MAX_BYTES];
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0)
		return;
	if (n > sizeof(f))
		n = sizeof(f);
	tok_fold(f, s, n);
	tok_emit(t, prefix, f, n);
}

static void tok_received_one(struct tok *t, const struct msg_received *r)
{
	if (!r->parsed)
		return;
	tok_name(t, "rh:", r->from_helo);
	if (r->from_rdns != NULL)
		tok_domain(t, "rr:", r->from_rdns, strlen(r->from_rdns));
	if (r->from_ip != NULL)
		tok_ip_net(t, "ri:", r->from_ip);
	tok_text(t, "rw:", 0, r->with);
}

/* The two newest and the oldest: only those are parsed (a long chain
   costs a parse per field, and learning is mostly parsing). */
static void tok_received(struct tok *t)
{
	struct msg_received r;
	size_t n = msg_header_count(&t->m->headers, "received");

	if (n > 0 && msg_received_parse_nth(t->m, 0, &r) == 0)
		tok_received_one(t, &r);
	if (n > 1 && msg_received_parse_nth(t->m, 1, &r) == 0)
		tok_received_one(t, &r);
	if (n > 2 && msg_received_parse_nth(t->m, n - 1, &r) == 0)
		tok_received_one(t, &r);
}

static void tok_headers_all(struct tok *t)
{
	size_t i;

	for (i = 0; i < t->m->headers.count && !t->full; i++)
		tok_header(t, &t->m->headers.v[i]);
	tok_received(t);
}

/* ---- URIs ---- */

static void tok_uri(struct tok *t, const struct msg_uri *u)
{
	struct uri_parts parts;

	tok_emit_str(t, "us:", u->scheme);
	if (u->host != NULL)
		tok_domain(t, "uh:", u->host, strlen(u->host));
	/* a mailto's "path" is the address, already in uh: */
	if (u->scheme != NULL && strcmp(u->scheme, "mailto") == 0)
		return;
	if (uri_parse(t->a, u->uri, strlen(u->uri), &parts) == 0)
		tok_text(t, "up:", 0, parts.path);
}

static void tok_uris(struct tok *t)
{
	size_t i;

	for (i = 0; i < t->m->nuris && !t->full; i++)
		tok_uri(t, &t->m->uris[i]);
}

/* ---- body ---- */

/* "ea:" tokens for the domain of an address found in text. */
static void tok_body_address(struct tok *t, const char *w, size_t n)
{
	const char *at = w + n;

	while (at > w && at[-1] != '@')
		at--;
	if (at > w + 1 && memchr(at, '.', (size_t)(w + n - at)) != NULL)
		tok_domain(t, "ea:", at, (size_t)(w + n - at));
}

static void tok_bigram(struct tok *t, const char *f, size_t n)
{
	if (t->prev_len > 0)
		tok_emit2(t, t->prev, " ", f, n);
	memcpy(t->prev, f, n);
	t->prev[n] = '\0';
	t->prev_len = n;
}

/* ctx: the prefix, "" for visible text (which alone makes bigrams). */
static void tok_body_word(struct tok *t, const char *w, size_t n, const void *ctx)
{
	const char *prefix = ctx;
	char f[TOK_MAX_BYTES];

	if (n < TOK_MIN_WORD)
		return;
	if (memchr(w, '@', n) != NULL || n > t->max_len) {
		if (memchr(w, '@', n) != NULL)
			tok_body_address(t, w, n);
		else
			tok_long(t, prefix, w, n);
		t->prev_len = 0;
		return;
	}
	tok_fold(f, w, n);
	tok_emit(t, prefix, f, n);
	if (t->p->bigrams && *prefix == '\0')
		tok_bigram(t, f, n);
}

static void tok_body(struct tok *t)
{
	size_t i, len;

	t->in_body = 1;
	for (i = 0; i < t->m->nparts && !t->full; i++) {
		const struct msg_part *p = t->m->parts[i];
		t->prev_len = 0;
		if (p->visible != NULL)
			tok_words(t, p->visible, p->visible_len, tok_body_word, "");
	}
	for (i = 0; i < t->m->nparts && !t->full && t->p->hidden_text; i++) {
		const struct msg_part *p = t->m->parts[i];
		const char *hidden;
		if (p->html == NULL)
			continue;
		hidden = html_invisible_text(p->html, &len);
		if (hidden != NULL)
			tok_words(t, hidden, len, tok_body_word, "i:");
	}
}

void tok_message(const struct msg *m, const struct tok_params *p,
		 struct arena *a, struct tok_list *r)
{
	struct tok t;

	memset(r, 0, sizeof(*r));
	memset(&t, 0, sizeof(t));
	t.a = a;
	t.m = m;
	t.p = p;
	t.r = r;
	t.words_left = TOK_MAX_WORDS;
	t.full = p->max_tokens == 0;
	/* a word and its bigram partner must fit one token string */
	t.max_len = p->max_token_len < TOK_MAX_BYTES / 2 ? p->max_token_len
							 : TOK_MAX_BYTES / 2 - 1;
	tok_structure(&t);
	tok_headers_all(&t);
	tok_uris(&t);
	tok_body(&t);
}
