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
 * conditionals, sets over PREFILTER_MAX_SET strings) gives up. A pattern
 * that is one sequence at its top keeps up to PREFILTER_GROUPS of its
 * requirements, all of which must be met ("you" and "won" and
 * "selected"), so a common word alone does not let the regex run.
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
#define SET_MAX 128         /* strings in one set */
#define CLASS_MAX 6         /* a class of at most this many bytes is a set */

/* What is known of the strings a piece of pattern can match: exactly
   the set (exact), or only that one of the set occurs in every match
   (!exact; an empty set then means nothing is known). */
struct strset {
	size_t n;
	char *v[SET_MAX];
};

struct info {
	int impossible;      /* cannot match at all (ASCII mode) */
	int exact;
	struct strset set;
};

/* The best few requirements of one sequence, each necessary on its own
   (a match holds one string of every set): the groups of a lit_req. */
struct reqlist {
	size_t n;
	struct strset v[PREFILTER_GROUPS];
};

struct pf {
	struct arena *a;
	const char *p, *end;
	int ascii;           /* analyse for pure-ASCII texts */
	int squeeze;         /* ... with every non-word byte and '_' removed */
	int noamp;           /* ... and without '&' before squeezing */
	int bail;            /* give up on the whole pattern */
	int depth;
	struct reqlist *collect; /* for the next sequence read: gather its
				    requirements here (the top level's) */
	int top_branches;    /* branches of the top-level alternation */
};

static void pf_alt(struct pf *x, struct info *out);

static void info_any(struct info *i)
{
	memset(i, 0, sizeof(*i));
}

static void info_str(struct pf *x, struct info *i, const char *s, size_t n)
{
	memset(i, 0, sizeof(*i));
	i->exact = 1;
	i->set.n = 1;
	i->set.v[0] = arena_strndup(x->a, s, n);
}

static void info_impossible(struct info *i)
{
	memset(i, 0, sizeof(*i));
	i->impossible = 1;
}

static void set_add(struct strset *s, char *str, int *full_r)
{
	size_t k;

	for (k = 0; k < s->n; k++)
		if (s->v[k][0] == str[0] && strcmp(s->v[k], str) == 0)
			return;
	if (s->n == SET_MAX) {
		*full_r = 1;
		return;
	}
	s->v[s->n++] = str;
}

static size_t set_min_len(const struct strset *s)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) < m)
			m = strlen(s->v[i]);
	return s->n ? m : 0;
}

/* The requirement a piece gives: its set when every string is long
   enough to look for, else nothing. */
static int usable(const struct strset *s)
{
	return s->n > 0 && set_min_len(s) >= PREFILTER_MIN_LEN;
}

/* Longest substring (at least PREFILTER_MIN_LEN) common to every string
   of s: a one-string requirement implied by the set. */
static int common_part(struct pf *x, const struct strset *s, struct strset *out)
{
	const char *sh = NULL;
	size_t i, len, st, k;

	for (i = 0; i < s->n; i++)
		if (sh == NULL || strlen(s->v[i]) < strlen(sh))
			sh = s->v[i];
	if (sh == NULL)
		return -1;
	for (len = strlen(sh); len >= PREFILTER_MIN_LEN; len--) {
		for (st = 0; st + len <= strlen(sh); st++) {
			char *cand = arena_strndup(x->a, sh + st, len);
			for (k = 0; k < s->n; k++)
				if (strstr(s->v[k], cand) == NULL)
					break;
			if (k == s->n) {
				out->n = 1;
				out->v[0] = cand;
				return 0;
			}
		}
	}
	return -1;
}

/* Quality of a requirement: longer strings are more selective (up to
   about six bytes), each string costs a little to look for. */
static long quality(const struct strset *s)
{
	size_t l = set_min_len(s) < 6 ? set_min_len(s) : 6;

	return (long)l * 16 - (long)s->n;
}

static int worse(const struct strset *a, const struct strset *b)
{
	return quality(a) < quality(b);
}

static void better_one(struct strset *best, const struct strset *c)
{
	if (!usable(c))
		return;
	if (!usable(best) || worse(best, c))
		*best = *c;
}

static void better(struct pf *x, struct strset *best, const struct strset *c)
{
	struct strset cp;

	better_one(best, c);
	if (c->n > 1 && common_part(x, c, &cp) == 0)
		better_one(best, &cp);
}

static int same_set(const struct strset *a, const struct strset *b)
{
	size_t k;

	if (a->n != b->n)
		return 0;
	for (k = 0; k < a->n; k++)
		if (strcmp(a->v[k], b->v[k]) != 0)
			return 0;
	return 1;
}

/* Keeps the PREFILTER_GROUPS best distinct requirements. */
static void reqlist_add(struct pf *x, struct reqlist *l, const struct strset *c)
{
	struct strset best;
	size_t k, worst = 0;

	memset(&best, 0, sizeof(best));
	better(x, &best, c);
	if (!usable(&best))
		return;
	for (k = 0; k < l->n; k++)
		if (same_set(&l->v[k], &best))
			return;
	if (l->n < PREFILTER_GROUPS) {
		l->v[l->n++] = best;
		return;
	}
	for (k = 1; k < l->n; k++)
		if (worse(&l->v[k], &l->v[worst]))
			worst = k;
	if (worse(&l->v[worst], &best))
		l->v[worst] = best;
}

/* a x b into out; returns -1 when too many or too long. */
static int cross(struct pf *x, const struct strset *a, const struct strset *b,
		 struct strset *out)
{
	size_t i, k;
	int full = 0;

	out->n = 0;
	if (a->n * b->n > SET_MAX)
		return -1;
	for (i = 0; i < a->n; i++) {
		for (k = 0; k < b->n; k++) {
			size_t la = strlen(a->v[i]), lb = strlen(b->v[k]);
			char *c;
			if (la + lb > PREFILTER_MAX_LEN)
				return -1;
			c = arena_alloc(x->a, la + lb + 1);
			memcpy(c, a->v[i], la);
			memcpy(c + la, b->v[k], lb + 1);
			set_add(out, c, &full);
		}
	}
	return full ? -1 : 0;
}

/* The first PREFILTER_MIN_LEN bytes of every string of a x b (whole
   strings when shorter); -1 when too many. */
static int cross_prefixes(struct pf *x, const struct strset *a, const struct strset *b,
			  struct strset *out)
{
	size_t i, k;
	int full = 0;

	out->n = 0;
	for (i = 0; i < a->n && !full; i++) {
		for (k = 0; k < b->n && !full; k++) {
			char c[PREFILTER_MIN_LEN + 1];
			size_t la = strlen(a->v[i]), lb = strlen(b->v[k]), n;
			if (la >= PREFILTER_MIN_LEN) {
				n = PREFILTER_MIN_LEN;
				memcpy(c, a->v[i], n);
			} else {
				size_t t = lb < PREFILTER_MIN_LEN - la ? lb : PREFILTER_MIN_LEN - la;
				memcpy(c, a->v[i], la);
				memcpy(c + la, b->v[k], t);
				n = la + t;
			}
			c[n] = '\0';
			set_add(out, arena_strdup(x->a, c), &full);
		}
	}
	return full ? -1 : 0;
}

/* ---- a sequence being built: an exact trailing run and the best
   requirement seen so far ---- */

struct seq {
	int impossible;
	int exact;           /* everything so far is exact: run is the whole */
	struct strset run;
	struct strset best;
	struct reqlist *all; /* also every requirement, when collecting */
};

static void seq_init(struct pf *x, struct seq *q)
{
	memset(q, 0, sizeof(*q));
	q->exact = 1;
	q->run.n = 1;
	q->run.v[0] = arena_strdup(x->a, "");
}

static void seq_better(struct pf *x, struct seq *q, const struct strset *c)
{
	better(x, &q->best, c);
	if (q->all != NULL)
		reqlist_add(x, q->all, c);
}

static void seq_flush(struct pf *x, struct seq *q)
{
	seq_better(x, q, &q->run);
	q->run.n = 1;
	q->run.v[0] = arena_strdup(x->a, "");
}

static void seq_add(struct pf *x, struct seq *q, const struct info *i)
{
	struct strset joined;

	if (i->impossible) {
		q->impossible = 1;
		return;
	}
	if (!i->exact) {
		seq_flush(x, q);
		seq_better(x, q, &i->set);
		q->exact = 0;
		return;
	}
	if (cross(x, &q->run, &i->set, &joined) == 0) {
		q->run = joined;
		return;
	}
	/* too many: what the run and this part start with is still a
	   requirement (every match holds one whole run string followed by
	   one of the part's); keep what we had, restart the run */
	if (cross_prefixes(x, &q->run, &i->set, &joined) == 0)
		seq_better(x, q, &joined);
	seq_flush(x, q);
	q->exact = 0;
	if (cross(x, &q->run, &i->set, &joined) == 0)
		q->run = joined;
}

static void seq_done(struct pf *x, struct seq *q, struct info *out)
{
	memset(out, 0, sizeof(*out));
	if (q->impossible) {
		out->impossible = 1;
		return;
	}
	if (q->exact) {
		out->exact = 1;
		out->set = q->run;
		return;
	}
	seq_flush(x, q);
	out->set = q->best;
}

/* ---- reading the pattern ---- */

/* Reads a quantifier at x->p if any: returns 0 and min/max (max -1 for
   unbounded), or -1 when there is none. */
static int quantifier(struct pf *x, int *min_r, int *max_r)
{
	const char *p = x->p;

	if (p >= x->end)
		return -1;
	if (*p == '*' || *p == '?' || *p == '+') {
		*min_r = *p == '+';
		*max_r = *p == '?' ? 1 : -1;
		p++;
	} else if (*p == '{') {
		const char *q = p + 1;
		int n = 0, m, digits = 0;
		while (q < x->end && isdigit((unsigned char)*q) && digits < 6) {
			n = n * 10 + (*q++ - '0');
			digits++;
		}
		if (!digits || q >= x->end || (*q != '}' && *q != ','))
			return -1; /* a literal '{' */
		m = n;
		if (*q == ',') {
			q++;
			m = isdigit((unsigned char)*q) ? 0 : -1;
			digits = 0;
			while (q < x->end && isdigit((unsigned char)*q) && digits++ < 6)
				m = m * 10 + (*q++ - '0');
		}
		if (q >= x->end || *q != '}')
			return -1;
		*min_r = n;
		*max_r = m;
		p = q + 1;
	} else
		return -1;
	if (p < x->end && (*p == '?' || *p == '+'))
		p++;
	x->p = p;
	return 0;
}

/* {min,max} of an exact set, max small: every count spelled out, while
   that stays a set. */
static int small_powers(struct pf *x, struct info *i, int min, int max)
{
	struct strset acc, tmp, all;
	int k, full = 0;
	size_t j;

	memset(&all, 0, sizeof(all));
	acc = i->set;
	for (k = 1; k <= max && !full; k++) {
		if (k > 1) {
			if (cross(x, &acc, &i->set, &tmp) < 0)
				return -1;
			acc = tmp;
		}
		if (k >= min)
			for (j = 0; j < acc.n && !full; j++)
				set_add(&all, acc.v[j], &full);
	}
	if (full)
		return -1;
	i->set = all;
	return 0;
}

static void apply_quantifier(struct pf *x, struct info *i, int min, int max)
{
	struct strset acc, tmp;
	int k;

	if (i->impossible) {
		if (min == 0)
			info_str(x, i, "", 0);
		return;
	}
	if (i->exact && i->set.n == 1 && i->set.v[0][0] == '\0')
		return; /* empty stays empty however often */
	if (min == 0) {
		int full = 0;
		if (i->exact && max == 1) {
			set_add(&i->set, arena_strdup(x->a, ""), &full);
			if (full)
				info_any(i);
		} else
			info_any(i);
		return;
	}
	if (!i->exact)
		return; /* one occurrence of its requirement is certain */
	if (max > min && max <= 3 && small_powers(x, i, min, max) == 0)
		return;
	if (min == max && min <= 4) {
		acc = i->set;
		for (k = 1; k < min; k++) {
			if (cross(x, &acc, &i->set, &tmp) < 0) {
				i->exact = 0;
				return;
			}
			acc = tmp;
		}
		i->set = acc;
		return;
	}
	i->exact = 0; /* at least one copy: the set stays a requirement */
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* \xH or \xHH after the backslash at p: value, *len_r the escape's length
   from the backslash; -1 when it is not that form. */
static int hex_escape(const char *p, const char *end, size_t *len_r)
{
	int h1, h2;

	if (p + 2 >= end || p[1] != 'x' || (h1 = hexval(p[2])) < 0)
		return -1;
	if (p + 3 < end && (h2 = hexval(p[3])) >= 0) {
		*len_r = 4;
		return h1 * 16 + h2;
	}
	*len_r = 3;
	return h1;
}

/* Kept in the squeezed text: ASCII letters and digits (and, outside
   ASCII mode, high bytes). */
static int word_byte(int c)
{
	return isalnum(c) || c >= 0x80;
}

static void info_byte(struct pf *x, struct info *i, int c)
{
	char b = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);

	if ((x->ascii && c >= 0x80) || (x->noamp && c == '&'))
		info_impossible(i);
	else if (x->squeeze && !word_byte(c))
		info_str(x, i, "", 0); /* removed from the squeezed text */
	else
		info_str(x, i, &b, 1);
}

/* Set escapes (\W, \s ...) that never match a kept byte. */
static int nonword_escape(char c)
{
	return c == 'W' || c == 's' || c == 'h' || c == 'v' || c == 'R';
}

/* One class member: its byte, or -1 for a set escape (\d, \w ...). */
static int class_atom(struct pf *x)
{
	const char *q = x->p;
	size_t l;
	int c;

	if (q[0] == '\\' && q + 1 < x->end) {
		if ((c = hex_escape(q, x->end, &l)) >= 0) {
			x->p = q + l;
			return c;
		}
		x->p = q + 2;
		if (q[1] == 'n')
			return '\n';
		if (q[1] == 't')
			return '\t';
		if (nonword_escape(q[1]))
			return -2;
		return isalnum((unsigned char)q[1]) ? -1 : (unsigned char)q[1];
	}
	x->p = q + 1;
	return (unsigned char)*q;
}

/* The set a class gives, from its member bytes: exact when small. */
static void class_members(struct pf *x, unsigned char *member, struct info *i)
{
	unsigned char list[256];
	int c, n = 0, k, empty = 0, full = 0;

	/* lowercase: [vV] is one member */
	for (c = 'A'; c <= 'Z'; c++)
		if (member[c]) {
			member[c] = 0;
			member[c + 32] = 1;
		}
	for (c = 0; c < 256; c++) {
		if (!member[c] || (x->ascii && c >= 0x80) || (x->noamp && c == '&'))
			continue;
		if (x->squeeze && !word_byte(c))
			empty = 1; /* a removed byte stands for the empty string */
		else
			list[n++] = (unsigned char)c;
	}
	if (n + empty == 0) {
		info_impossible(i);
		return;
	}
	if (n + empty > CLASS_MAX) {
		info_any(i);
		return;
	}
	memset(i, 0, sizeof(*i));
	i->exact = 1;
	if (empty)
		set_add(&i->set, arena_strdup(x->a, ""), &full);
	for (k = 0; k < n; k++) {
		char b = (char)list[k];
		set_add(&i->set, arena_strndup(x->a, &b, 1), &full);
	}
}

static void pf_class(struct pf *x, struct info *i)
{
	unsigned char member[256];
	int neg = 0, wide = 0, c, lo, hi;

	memset(member, 0, sizeof(member));
	x->p++;
	if (x->p < x->end && *x->p == '^') {
		neg = 1;
		x->p++;
	}
	if (x->p < x->end && *x->p == ']')
		member[(unsigned char)*x->p++] = 1;
	while (x->p < x->end && *x->p != ']') {
		if (x->p[0] == '[' && x->p + 1 < x->end && x->p[1] == ':') {
			const char *e = strstr(x->p + 2, ":]");
			x->p = e != NULL && e < x->end ? e + 2 : x->end;
			wide = 1;
			continue;
		}
		lo = class_atom(x);
		if (lo == -2) {
			/* \W \s: no kept byte; otherwise too wide */
			if (!x->squeeze)
				wide = 1;
			else
				member[' '] = 1;
			continue;
		}
		hi = lo;
		if (x->p + 1 < x->end && x->p[0] == '-' && x->p[1] != ']') {
			x->p++;
			hi = class_atom(x);
		}
		if (lo < 0 || hi < 0 || hi - lo > 64) {
			wide = 1;
			continue;
		}
		for (c = lo; c <= hi; c++)
			member[c] = 1;
	}
	if (x->p < x->end)
		x->p++;
	if (neg || wide) {
		info_any(i);
		return;
	}
	class_members(x, member, i);
}

/* An escape at x->p (the backslash). */
static void pf_escape(struct pf *x, struct info *i)
{
	char c = x->p[1];
	size_t l;
	int v;

	if ((v = hex_escape(x->p, x->end, &l)) >= 0) {
		x->p += l;
		info_byte(x, i, v);
		return;
	}
	x->p += 2;
	if (c == 'Q' || c == 'E' || c == 'K' || c == 'G') {
		x->bail = 1;
		info_any(i);
		return;
	}
	if (c == 'x') { /* \x{...}, or \x alone (a NUL) */
		if (x->p < x->end && *x->p == '{') {
			while (x->p < x->end && *x->p++ != '}')
				;
			info_any(i);
		} else
			info_byte(x, i, 0);
		return;
	}
	if (strchr("bBAzZ", c) != NULL) {
		info_str(x, i, "", 0); /* zero width */
		return;
	}
	if (c == 'p' || c == 'P' || c == 'N' || c == 'o' || c == 'g' || c == 'k') {
		if (x->p < x->end && *x->p == '{')
			while (x->p < x->end && *x->p++ != '}')
				;
		else if (c != 'N' && x->p < x->end)
			x->p++;
		info_any(i);
		return;
	}
	if (c == 'c') {
		if (x->p < x->end)
			x->p++;
		info_any(i);
		return;
	}
	if (isdigit((unsigned char)c)) {
		while (x->p < x->end && isdigit((unsigned char)*x->p))
			x->p++;
		info_any(i);
		return;
	}
	if (c == 'n' || c == 't') {
		info_byte(x, i, c == 'n' ? '\n' : '\t');
		return;
	}
	if (x->squeeze && nonword_escape(c)) {
		info_str(x, i, "", 0);
		return;
	}
	if (isalnum((unsigned char)c)) {
		info_any(i); /* \d \w \s ... (compile.c keeps other letters as is) */
		return;
	}
	info_byte(x, i, (unsigned char)c);
}

/* "(" at x->p: 0 for a group to analyse (x->p after the opener), 1 for
   one whose content does not count (lookaround, comment), 2 for inline
   flags alone, -1 to give up. */
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
	if (p < x->end && (*p == ':' || *p == '>')) {
		x->p = p + 1;
		return 0;
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
	x->bail = 1; /* (?| (?( (?R ... */
	return -1;
}

static void skip_group(struct pf *x)
{
	int level = 1;

	while (x->p < x->end && level > 0) {
		if (*x->p == '\\' && x->p + 1 < x->end)
			x->p++;
		else if (*x->p == '[') {
			struct info dummy;
			pf_class(x, &dummy);
			continue;
		} else if (*x->p == '(')
			level++;
		else if (*x->p == ')')
			level--;
		x->p++;
	}
}

static void pf_group(struct pf *x, struct info *i)
{
	int kind = group_open(x);

	if (kind != 0) {
		if (kind == 1)
			skip_group(x);
		info_str(x, i, "", 0); /* zero width, or flags */
		return;
	}
	if (++x->depth > 64) {
		x->bail = 1;
		info_any(i);
		return;
	}
	pf_alt(x, i);
	x->depth--;
	if (x->p < x->end && *x->p == ')')
		x->p++;
}

/* One atom at x->p into i. */
static void pf_atom(struct pf *x, struct info *i)
{
	char c = *x->p;

	if (c == '(') {
		pf_group(x, i);
	} else if (c == '[') {
		pf_class(x, i);
	} else if (c == '\\' && x->p + 1 < x->end) {
		pf_escape(x, i);
	} else if (c == '^' || c == '$') {
		x->p++;
		info_str(x, i, "", 0);
	} else if (c == '.') {
		x->p++;
		info_any(i);
	} else {
		x->p++;
		info_byte(x, i, (unsigned char)c);
	}
}

/* x{min,} or x{min,max} with max > 3 (fewer are spelled out exactly):
   every match begins with a string of S^min and ends with one (S the
   exact set of x), so it reads as "S^min, anything, S^min": the run
   before goes on into the first copy and the run after starts with the
   last. Sets i to S^min; 0 if it does not apply. */
static int open_repeat(struct pf *x, struct info *i, int min, int max)
{
	struct strset acc, tmp;
	int k;

	if (i->impossible || !i->exact || min < 1 || min > 4 || (max >= 0 && max <= 3) ||
	    (max >= 0 && max <= min) || i->set.n == 0 ||
	    (i->set.n == 1 && i->set.v[0][0] == '\0'))
		return 0;
	acc = i->set;
	for (k = 1; k < min; k++) {
		if (cross(x, &acc, &i->set, &tmp) < 0)
			return 0;
		acc = tmp;
	}
	i->set = acc;
	return 1;
}

static void pf_seq(struct pf *x, struct info *out)
{
	struct seq q;

	seq_init(x, &q);
	q.all = x->collect;
	x->collect = NULL; /* not for the sequences nested in this one */
	while (x->p < x->end && !x->bail && *x->p != '|' && *x->p != ')') {
		struct info i;
		int min, max;
		pf_atom(x, &i);
		if (quantifier(x, &min, &max) == 0) {
			if (open_repeat(x, &i, min, max)) {
				struct info gap;
				memset(&gap, 0, sizeof(gap));
				info_any(&gap);
				seq_add(x, &q, &i);
				seq_add(x, &q, &gap);
			} else
				apply_quantifier(x, &i, min, max);
		}
		seq_add(x, &q, &i);
	}
	seq_done(x, &q, out);
}

/* A branch's requirement in few strings: its set if small, else the
   part common to all its strings. */
static int compact_req(struct pf *x, const struct info *b, struct strset *out)
{
	struct strset best;

	memset(&best, 0, sizeof(best));
	if (!usable(&b->set))
		return -1;
	better(x, &best, &b->set);
	*out = best;
	return 0;
}

static void pf_alt(struct pf *x, struct info *out)
{
	struct reqlist *top = x->depth == 0 ? x->collect : NULL;
	struct info b;
	struct strset exact, req, one;
	int all_exact = 1, exact_full = 0, req_ok = 1, alive = 0;
	size_t k;

	memset(&exact, 0, sizeof(exact));
	memset(&req, 0, sizeof(req));
	for (;;) {
		if (top && x->top_branches++ == 0)
			x->collect = top; /* gather the first branch's requirements */
		pf_seq(x, &b);
		if (x->bail) {
			info_any(out);
			return;
		}
		if (!b.impossible) {
			alive++;
			all_exact &= b.exact;
			for (k = 0; k < b.set.n && all_exact; k++)
				set_add(&exact, b.set.v[k], &exact_full);
			if (req_ok && compact_req(x, &b, &one) == 0) {
				int full = 0;
				for (k = 0; k < one.n; k++)
					set_add(&req, one.v[k], &full);
				if (full)
					req_ok = 0;
			} else
				req_ok = 0;
		}
		if (x->p < x->end && *x->p == '|') {
			x->p++;
			continue;
		}
		break;
	}
	memset(out, 0, sizeof(*out));
	if (alive == 0) {
		out->impossible = 1;
		return;
	}
	if (all_exact && !exact_full) {
		out->exact = 1;
		out->set = exact;
		return;
	}
	if (req_ok && usable(&req))
		out->set = req;
}

/* Does string k of s contain another string of s? Then it adds nothing
   to the requirement: where it occurs, the other does too. */
static int holds_other(const struct strset *s, size_t k)
{
	size_t j;

	for (j = 0; j < s->n; j++)
		if (j != k && strstr(s->v[k], s->v[j]) != NULL &&
		    (strlen(s->v[j]) < strlen(s->v[k]) || j < k))
			return 1;
	return 0;
}

/* The groups into out (literals copied to a). */
static void req_store(struct arena *a, const struct reqlist *l, struct lit_req *out)
{
	size_t g, k, n = 0;

	for (g = 0; g < l->n; g++)
		n += l->v[g].n;
	out->lits = arena_alloc(a, n * sizeof(char *));
	out->bits = arena_alloc(a, n);
	out->n = 0;
	out->mask = 0;
	for (g = 0; g < l->n; g++) {
		for (k = 0; k < l->v[g].n; k++) {
			if (holds_other(&l->v[g], k))
				continue;
			out->lits[out->n] = arena_strdup(a, l->v[g].v[k]);
			out->bits[out->n++] = (unsigned char)(1u << g);
		}
		out->mask |= (unsigned char)(1u << g);
	}
}

static int extract(struct arena *a, const char *src, int ascii, int squeeze,
		   int noamp, int *impossible_r, struct lit_req *out)
{
	struct pf x;
	struct info s;
	struct reqlist top;
	struct arena *scratch = arena_new(64 * 1024);
	int ret = 0;

	memset(&x, 0, sizeof(x));
	memset(&top, 0, sizeof(top));
	memset(out, 0, sizeof(*out));
	x.a = scratch;
	x.p = src;
	x.end = src + strlen(src);
	x.ascii = ascii;
	x.squeeze = squeeze;
	x.noamp = noamp;
	x.collect = &top;
	pf_alt(&x, &s);
	*impossible_r = 0;
	if (x.bail || x.p != x.end) {
		/* no requirement */
	} else if (s.impossible) {
		*impossible_r = 1;
	} else if (!s.exact && x.top_branches == 1 && top.n > 0) {
		/* a sequence at the top: each of its requirements holds */
		req_store(a, &top, out);
		ret = 1;
	} else if (usable(&s.set)) {
		struct reqlist one;
		memset(&one, 0, sizeof(one));
		better(&x, &one.v[0], &s.set);
		one.n = 1;
		req_store(a, &one, out);
		ret = 1;
	}
	arena_free(&scratch);
	return ret;
}

int prefilter_extract(struct arena *a, const char *src, unsigned int mods,
		      struct lit_req *out)
{
	int impossible;

	memset(out, 0, sizeof(*out));
	if (mods & RE_X)
		return 0;
	return extract(a, src, 0, 0, 0, &impossible, out);
}

int prefilter_extract_ascii(struct arena *a, const char *src, unsigned int mods,
			    struct lit_req *out, int *impossible_r)
{
	*impossible_r = 0;
	memset(out, 0, sizeof(*out));
	if (mods & RE_X)
		return 0;
	return extract(a, src, 1, 0, 0, impossible_r, out);
}

int prefilter_extract_squeezed(struct arena *a, const char *src, unsigned int mods,
			       int noamp, struct lit_req *out)
{
	int impossible;

	memset(out, 0, sizeof(*out));
	if (mods & RE_X)
		return 0;
	return extract(a, src, 1, 1, noamp, &impossible, out);
}

size_t prefilter_squeeze(char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (word_byte((unsigned char)s[i]))
			s[w++] = s[i];
	s[w] = '\0';
	return w;
}

/* ---- the per-type index ---- */

struct lit_entry {
	const char *lit;
	uint32_t tri;        /* its first three bytes */
	uint32_t rule;       /* rule index */
	uint16_t len;
	unsigned char bit;   /* its group's bit */
};

/* Entries grouped by a hash of their first three bytes (bucket b holds
   e[start[b]] up to e[start[b + 1]]), and a Bloom map of those trigrams
   (one hash, about 32 bits per entry, at most 32 KB) so that most text
   positions cost one bit test. */
struct lit_index {
	uint32_t *start;             /* buckets + 1 */
	uint32_t mask;               /* buckets - 1 */
	struct lit_entry *e;
	size_t n;
	uint8_t *seen;
	unsigned int seen_shift;     /* 32 - log2(bits in seen) */
};

#define SEEN_MIN_LOG2 9
#define SEEN_MAX_LOG2 18

static uint32_t tri(const unsigned char *s)
{
	return ((uint32_t)s[0] << 16) | ((uint32_t)s[1] << 8) | s[2];
}

/* The bit of a trigram in the seen map. */
static uint32_t seen_hash(const struct lit_index *ix, uint32_t t)
{
	return (t * 2246822519u) >> ix->seen_shift;
}

static uint32_t tri_bucket(const struct lit_index *ix, uint32_t t)
{
	return ((t * 2654435761u) >> 8) & ix->mask;
}

static const struct lit_req *rule_req(const struct rule *r, int mode)
{
	return mode == 2 ? &r->sreq : mode == 1 ? &r->areq : &r->lreq;
}

struct lit_index *lit_index_build(struct arena *a, struct rule *const *rules, size_t n,
				  int mode)
{
	struct lit_index *ix;
	size_t i, k, total = 0, buckets = 64;
	unsigned int lg = SEEN_MIN_LOG2;
	uint32_t *fill;

	for (i = 0; i < n; i++)
		total += rule_req(rules[i], mode)->n;
	if (total == 0)
		return NULL;
	while (buckets < total * 2)
		buckets *= 2;
	while (lg < SEEN_MAX_LOG2 && ((size_t)1 << lg) < total * 32)
		lg++;
	ix = arena_zalloc(a, sizeof(*ix));
	ix->start = arena_zalloc(a, (buckets + 1) * sizeof(uint32_t));
	ix->mask = (uint32_t)(buckets - 1);
	ix->e = arena_zalloc(a, total * sizeof(*ix->e));
	ix->n = total;
	ix->seen = arena_zalloc(a, ((size_t)1 << lg) / 8);
	ix->seen_shift = 32 - lg;
	/* count per bucket, then place each entry in its bucket's range */
	for (i = 0; i < n; i++) {
		const struct lit_req *q = rule_req(rules[i], mode);
		for (k = 0; k < q->n; k++)
			ix->start[tri_bucket(ix, tri((const unsigned char *)q->lits[k])) + 1]++;
	}
	for (i = 0; i < buckets; i++)
		ix->start[i + 1] += ix->start[i];
	fill = arena_alloc(a, buckets * sizeof(uint32_t));
	memcpy(fill, ix->start, buckets * sizeof(uint32_t));
	for (i = 0; i < n; i++) {
		const struct lit_req *q = rule_req(rules[i], mode);
		for (k = 0; k < q->n; k++) {
			uint32_t t = tri((const unsigned char *)q->lits[k]), h = seen_hash(ix, t);
			struct lit_entry *le = &ix->e[fill[tri_bucket(ix, t)]++];
			le->lit = q->lits[k];
			le->tri = t;
			le->rule = rules[i]->idx;
			le->len = (uint16_t)strlen(q->lits[k]);
			le->bit = q->bits[k];
			ix->seen[h >> 3] |= (uint8_t)(1u << (h & 7));
		}
	}
	return ix;
}

/* Literals are short and most candidates differ at once: a plain loop
   beats a call to memcmp. */
static inline int tail_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (; n > 0; n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

void lit_index_scan(const struct lit_index *ix, const char *lower, size_t len,
		    unsigned char *marks)
{
	const unsigned char *s = (const unsigned char *)lower;
	uint32_t t;
	size_t i;

	if (ix == NULL || len < PREFILTER_MIN_LEN)
		return;
	t = tri(s) >> 8;
	for (i = 0; i + PREFILTER_MIN_LEN <= len; i++) {
		uint32_t h, e, b;
		t = ((t << 8) | s[i + 2]) & 0xffffff;
		h = seen_hash(ix, t);
		if (!(ix->seen[h >> 3] & (1u << (h & 7))))
			continue;
		b = tri_bucket(ix, t);
		for (e = ix->start[b]; e < ix->start[b + 1]; e++) {
			const struct lit_entry *le = &ix->e[e];
			if (le->tri == t && !(marks[le->rule] & le->bit) && le->len <= len - i &&
			    tail_equal((const unsigned char *)le->lit + 3, s + i + 3, le->len - 3))
				marks[le->rule] |= le->bit;
		}
	}
}
