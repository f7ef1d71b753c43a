/*
 * prefilter.c - literal prefilter for regex rules. Most SpamAssassin
 * body, rawbody, uri and full rules cannot match unless one of a few
 * literal strings occurs in the text ("viagra", "click here"...). Those
 * strings are worked out from each pattern once (prefilter_extract);
 * per message every text is scanned once for all of them together
 * (lit_index_scan), and only rules whose literal was seen run their
 * regex. The condition is necessary, never sufficient: a rule whose
 * pattern we cannot analyse simply always runs.
 *
 * Matching is on ASCII-lowercased text against lowercased literals, so
 * it is a superset of both caseless and case-sensitive matches.
 *
 * The analysis walks the pattern as PCRE2 reads Perl syntax: a sequence
 * gives the best of its required parts (runs of literal characters, or
 * groups that are not optional); an alternation needs a literal in every
 * branch and gives their union. Anything unsure (extended mode, \Q..\E,
 * conditionals, sets over PREFILTER_MAX_SET strings) gives up.
 *
 * Limits: literals of PREFILTER_MIN_LEN to PREFILTER_MAX_LEN bytes.
 * Ownership: the index and literals live in the ruleset arena.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "rules/rule_int.h"

#define PREFILTER_MIN_LEN 3
#define PREFILTER_MAX_LEN 64
#define PREFILTER_MAX_SET 24

struct litset {
	int ok;              /* a required set was found */
	size_t n;
	char *v[PREFILTER_MAX_SET];
};

struct pf {
	struct arena *a;
	const char *p, *end;
	int bail;            /* give up on the whole pattern */
	int depth;
};

static void pf_alt(struct pf *x, struct litset *out);

/* Better = the shortest string is longer; then fewer strings. */
static size_t set_min_len(const struct litset *s)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) < m)
			m = strlen(s->v[i]);
	return s->n ? m : 0;
}

static void consider(struct litset *best, const struct litset *c)
{
	if (!c->ok || c->n == 0 || set_min_len(c) < PREFILTER_MIN_LEN)
		return;
	if (!best->ok || set_min_len(c) > set_min_len(best) ||
	    (set_min_len(c) == set_min_len(best) && c->n < best->n))
		*best = *c;
}

struct run {
	char buf[PREFILTER_MAX_LEN + 1];
	size_t len;
};

static void run_flush(struct pf *x, struct run *r, struct litset *best)
{
	struct litset one;

	if (r->len >= PREFILTER_MIN_LEN) {
		one.ok = 1;
		one.n = 1;
		one.v[0] = arena_strndup(x->a, r->buf, r->len);
		consider(best, &one);
	}
	r->len = 0;
}

static void run_add(struct run *r, unsigned char c)
{
	if (r->len < PREFILTER_MAX_LEN)
		r->buf[r->len++] = (char)tolower(c);
}

/* Reads a quantifier at x->p if any: returns -1 none, else its minimum. */
static int quantifier(struct pf *x)
{
	const char *p = x->p;
	int min = -1;

	if (p >= x->end)
		return -1;
	if (*p == '*' || *p == '?') {
		min = 0;
		p++;
	} else if (*p == '+') {
		min = 1;
		p++;
	} else if (*p == '{') {
		const char *q = p + 1;
		int n = 0, digits = 0;
		while (q < x->end && isdigit((unsigned char)*q)) {
			n = n * 10 + (*q++ - '0');
			if (n > 100000)
				n = 100000;
			digits++;
		}
		if (!digits || q >= x->end || (*q != '}' && *q != ','))
			return -1; /* a literal '{' */
		while (q < x->end && *q != '}')
			q++;
		if (q >= x->end)
			return -1;
		min = n;
		p = q + 1;
	} else
		return -1;
	if (p < x->end && (*p == '?' || *p == '+'))
		p++;
	x->p = p;
	return min;
}

static void skip_class(struct pf *x)
{
	x->p++; /* '[' */
	if (x->p < x->end && *x->p == '^')
		x->p++;
	if (x->p < x->end && *x->p == ']')
		x->p++;
	while (x->p < x->end && *x->p != ']') {
		if (*x->p == '\\' && x->p + 1 < x->end)
			x->p++;
		else if (*x->p == '[' && x->p + 1 < x->end && x->p[1] == ':') {
			const char *e = strstr(x->p + 2, ":]");
			if (e != NULL && e < x->end)
				x->p = e + 1;
		}
		x->p++;
	}
	if (x->p < x->end)
		x->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An escape at x->p (the backslash). Returns the literal byte, or -1
   for anything that is not one fixed byte. */
static int escape(struct pf *x)
{
	char c = x->p[1];

	x->p += 2;
	if (c == 'x') {
		int h1, h2;
		if (x->p < x->end && *x->p == '{') {
			while (x->p < x->end && *x->p != '}')
				x->p++;
			x->p++;
			return -1;
		}
		h1 = x->p < x->end ? hexval(x->p[0]) : -1;
		h2 = h1 >= 0 && x->p + 1 < x->end ? hexval(x->p[1]) : -1;
		if (h1 < 0)
			return 0;
		if (h2 < 0) {
			x->p++;
			return h1;
		}
		x->p += 2;
		return h1 * 16 + h2;
	}
	if (c == 'Q' || c == 'E' || c == 'K' || c == 'G') {
		x->bail = 1;
		return -1;
	}
	if (c == 'p' || c == 'P' || c == 'N' || c == 'o' || c == 'g' || c == 'k') {
		if (x->p < x->end && *x->p == '{')
			while (x->p < x->end && *x->p++ != '}')
				;
		else if (c != 'N' && x->p < x->end)
			x->p++;
		return -1;
	}
	if (c == 'c') {
		if (x->p < x->end)
			x->p++;
		return -1;
	}
	if (isdigit((unsigned char)c)) {
		while (x->p < x->end && isdigit((unsigned char)*x->p))
			x->p++;
		return -1;
	}
	if (isalnum((unsigned char)c))
		return -1; /* \d \w \s \b \n \t ... (compile.c keeps others as letters) */
	return (unsigned char)c;
}

/* "(" at x->p: the kind of group. Returns 0 for a capturing or plain
   group (x->p after the opener), 1 for one to skip (lookaround,
   comment), -1 to give up. */
static int group_open(struct pf *x)
{
	const char *p = x->p + 1;

	if (p >= x->end || *p != '?') {
		if (p < x->end && *p == '*') {
			x->bail = 1; /* (*VERB) */
			return -1;
		}
		x->p = p;
		return 0;
	}
	p++;
	if (p < x->end && (*p == '=' || *p == '!' || *p == '#')) {
		x->p = p;
		return 1;
	}
	if (p + 1 < x->end && *p == '<' && (p[1] == '=' || p[1] == '!')) {
		x->p = p;
		return 1;
	}
	if (p < x->end && (*p == ':' || *p == '>' || *p == '|')) {
		x->p = p + 1;
		return *p == '|' ? (x->bail = 1, -1) : 0;
	}
	if (p < x->end && (*p == '<' || *p == '\'' || *p == 'P')) {
		char close = *p == '\'' ? '\'' : '>';
		if (*p == 'P' && p + 1 < x->end && p[1] != '<') {
			x->bail = 1;
			return -1;
		}
		while (p < x->end && *p != close)
			p++;
		x->p = p + 1;
		return 0;
	}
	/* inline flags "(?i)" or "(?i-s:" */
	while (p < x->end && (isalpha((unsigned char)*p) || *p == '-' || *p == '^')) {
		if (*p == 'x') {
			x->bail = 1;
			return -1;
		}
		p++;
	}
	if (p < x->end && (*p == ')' || *p == ':')) {
		x->p = p + 1;
		return *p == ')' ? 2 : 0;
	}
	x->bail = 1;
	return -1;
}

/* Skips to the matching ')' of a group whose content we ignore. */
static void skip_group(struct pf *x)
{
	int level = 1;

	while (x->p < x->end && level > 0) {
		if (*x->p == '\\' && x->p + 1 < x->end)
			x->p++;
		else if (*x->p == '[') {
			skip_class(x);
			continue;
		} else if (*x->p == '(')
			level++;
		else if (*x->p == ')')
			level--;
		x->p++;
	}
}

static void pf_group(struct pf *x, struct run *r, struct litset *best)
{
	struct litset inner;
	int kind = group_open(x), min;

	run_flush(x, r, best);
	if (kind < 0)
		return;
	if (kind == 2) /* "(?i)": flags only */
		return;
	if (kind == 1) {
		skip_group(x);
		(void)quantifier(x);
		return;
	}
	memset(&inner, 0, sizeof(inner));
	if (++x->depth > 64) {
		x->bail = 1;
		return;
	}
	pf_alt(x, &inner);
	x->depth--;
	if (x->p < x->end && *x->p == ')')
		x->p++;
	min = quantifier(x);
	if (min != 0)
		consider(best, &inner);
}

/* A sequence up to '|' or ')' or the end: its best required set. */
static void pf_seq(struct pf *x, struct litset *best)
{
	struct run r;

	r.len = 0;
	memset(best, 0, sizeof(*best));
	while (x->p < x->end && !x->bail && *x->p != '|' && *x->p != ')') {
		int lit = -1, min;
		char c = *x->p;
		if (c == '(') {
			pf_group(x, &r, best);
			continue;
		}
		if (c == '[') {
			skip_class(x);
		} else if (c == '\\' && x->p + 1 < x->end) {
			lit = escape(x);
		} else if (c == '.' || c == '^' || c == '$') {
			x->p++;
		} else {
			lit = (unsigned char)c;
			x->p++;
		}
		min = quantifier(x);
		if (lit < 0 || min == 0) {
			run_flush(x, &r, best);
			continue;
		}
		run_add(&r, (unsigned char)lit);
		if (min > 0)
			run_flush(x, &r, best); /* "a+": one 'a' is certain, then unknown */
	}
	run_flush(x, &r, best);
}

static void pf_alt(struct pf *x, struct litset *out)
{
	struct litset branch;
	int first = 1;

	memset(out, 0, sizeof(*out));
	for (;;) {
		pf_seq(x, &branch);
		if (x->bail)
			return;
		if (first) {
			*out = branch;
			first = 0;
		} else if (!branch.ok || !out->ok || out->n + branch.n > PREFILTER_MAX_SET) {
			out->ok = 0;
		} else {
			memcpy(out->v + out->n, branch.v, branch.n * sizeof(char *));
			out->n += branch.n;
		}
		if (x->p < x->end && *x->p == '|') {
			x->p++;
			continue;
		}
		return;
	}
}

int prefilter_extract(struct arena *a, const char *src, unsigned int mods,
		      const char ***lits_r, size_t *n_r)
{
	struct pf x;
	struct litset s;

	if (mods & RE_X)
		return 0;
	memset(&x, 0, sizeof(x));
	x.a = a;
	x.p = src;
	x.end = src + strlen(src);
	pf_alt(&x, &s);
	if (x.bail || x.p != x.end || !s.ok || s.n == 0)
		return 0;
	*lits_r = arena_alloc(a, s.n * sizeof(char *));
	memcpy(*lits_r, s.v, s.n * sizeof(char *));
	*n_r = s.n;
	return 1;
}

/* ---- the per-type index ---- */

struct lit_entry {
	const char *lit;
	size_t len;
	unsigned int rule;   /* rule index */
	uint32_t next;       /* entry index + 1, 0 = end */
};

/* Entries hashed by their first three bytes. Large indexes (body rules)
   also get a 2^24-bit map of those trigrams, so that most text
   positions cost one bit test. */
struct lit_index {
	uint32_t *head;              /* entry index + 1 */
	uint32_t mask;               /* buckets - 1 */
	struct lit_entry *e;
	size_t n;
	uint8_t *seen;               /* NULL for small indexes */
};

#define LIX_SEEN_MIN 256

static uint32_t tri(const unsigned char *s)
{
	return ((uint32_t)s[0] << 16) | ((uint32_t)s[1] << 8) | s[2];
}

static uint32_t tri_bucket(const struct lit_index *ix, uint32_t t)
{
	return ((t * 2654435761u) >> 8) & ix->mask;
}

static void lit_index_add(struct lit_index *ix, const struct rule *r, const char *lit)
{
	uint32_t t = tri((const unsigned char *)lit), b = tri_bucket(ix, t);
	struct lit_entry *le = &ix->e[ix->n];

	le->lit = lit;
	le->len = strlen(lit);
	le->rule = r->idx;
	le->next = ix->head[b];
	ix->head[b] = (uint32_t)(ix->n + 1);
	if (ix->seen != NULL)
		ix->seen[t >> 3] |= (uint8_t)(1u << (t & 7));
	ix->n++;
}

struct lit_index *lit_index_build(struct arena *a, struct rule *const *rules, size_t n)
{
	struct lit_index *ix;
	size_t i, k, total = 0, buckets = 64;

	for (i = 0; i < n; i++)
		total += rules[i]->nlits;
	if (total == 0)
		return NULL;
	while (buckets < total * 2)
		buckets *= 2;
	ix = arena_zalloc(a, sizeof(*ix));
	ix->head = arena_zalloc(a, buckets * sizeof(uint32_t));
	ix->mask = (uint32_t)(buckets - 1);
	ix->e = arena_zalloc(a, total * sizeof(*ix->e));
	if (total >= LIX_SEEN_MIN)
		ix->seen = arena_zalloc(a, (1u << 24) / 8);
	for (i = 0; i < n; i++)
		for (k = 0; k < rules[i]->nlits; k++)
			lit_index_add(ix, rules[i], rules[i]->lits[k]);
	return ix;
}

void lit_index_scan(const struct lit_index *ix, const char *lower, size_t len,
		    unsigned char *marks)
{
	const unsigned char *s = (const unsigned char *)lower;
	size_t i;

	if (ix == NULL || len < PREFILTER_MIN_LEN)
		return;
	for (i = 0; i + PREFILTER_MIN_LEN <= len; i++) {
		uint32_t t = tri(s + i), e;
		if (ix->seen != NULL && !(ix->seen[t >> 3] & (1u << (t & 7))))
			continue;
		for (e = ix->head[tri_bucket(ix, t)]; e != 0; e = ix->e[e - 1].next) {
			const struct lit_entry *le = &ix->e[e - 1];
			if (!marks[le->rule] && le->len <= len - i &&
			    memcmp(le->lit, s + i, le->len) == 0)
				marks[le->rule] = 1;
		}
	}
}
