/*
 * sieve_match.c - comparators (RFC 4790: i;octet, i;ascii-casemap,
 * i;ascii-numeric) and the match types built on them: :is, :contains,
 * :matches (RFC 5228 2.7.1, with the match variables of RFC 5229 3.2),
 * the relational orderings (RFC 5231) and :regex (PCRE2, bounded).
 *
 * :matches runs in O(pattern x subject) whatever the pattern: the parts
 * between stars are placed leftmost, which is both correct for a star
 * and what RFC 5229 asks of the match variables (each star matches as
 * little as possible, the leftmost first).
 */
#include "config.h" /* _GNU_SOURCE for memmem */

#include "mda/sieve_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wn.h"

static unsigned char sieve_fold(enum sieve_cmp cmp, unsigned char c)
{
	if (cmp == SIEVE_CMP_CASEMAP && c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

/* i;ascii-numeric (RFC 4790 9.1.1): the leading digits, without leading
   zeros, in *d_r and *n_r; a string without leading digit is infinity (-1). */
static int sieve_numeric(const char *s, size_t len, const char **d_r, size_t *n_r)
{
	size_t i = 0, n;

	if (len == 0 || s[0] < '0' || s[0] > '9')
		return -1;
	while (i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
		i++;
	for (n = 0; i + n < len && s[i + n] >= '0' && s[i + n] <= '9'; n++)
		;
	*d_r = s + i;
	*n_r = n;
	return 0;
}

static int sieve_numeric_order(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *da, *db;
	size_t na, nb;
	int ia = sieve_numeric(a, alen, &da, &na) < 0;
	int ib = sieve_numeric(b, blen, &db, &nb) < 0;
	int c;

	if (ia || ib)
		return ia - ib;
	if (na != nb)
		return na < nb ? -1 : 1;
	c = memcmp(da, db, na);
	return c < 0 ? -1 : c > 0;
}

int sieve_cmp_order(enum sieve_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen)
{
	size_t i;

	if (cmp == SIEVE_CMP_NUMERIC)
		return sieve_numeric_order(a, alen, b, blen);
	for (i = 0; i < alen && i < blen; i++) {
		unsigned char x = sieve_fold(cmp, (unsigned char)a[i]);
		unsigned char y = sieve_fold(cmp, (unsigned char)b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

int sieve_cmp_equal(enum sieve_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen)
{
	return sieve_cmp_order(cmp, a, alen, b, blen) == 0;
}

/* Long values (bodies) are searched with memmem, linear whatever the
   needle, on case-folded copies under i;ascii-casemap. */
static int sieve_contains_long(enum sieve_cmp cmp, const char *hay, size_t hlen,
			       const char *needle, size_t nlen)
{
	char *h, *n;
	size_t i;
	int found;

	if (cmp == SIEVE_CMP_OCTET)
		return memmem(hay, hlen, needle, nlen) != NULL;
	h = xmalloc(hlen + nlen);
	n = h + hlen;
	for (i = 0; i < hlen; i++)
		h[i] = (char)sieve_fold(cmp, (unsigned char)hay[i]);
	for (i = 0; i < nlen; i++)
		n[i] = (char)sieve_fold(cmp, (unsigned char)needle[i]);
	found = memmem(h, hlen, n, nlen) != NULL;
	free(h);
	return found;
}

int sieve_cmp_contains(enum sieve_cmp cmp, const char *hay, size_t hlen, const char *needle,
		       size_t nlen)
{
	size_t i, j;

	if (nlen > hlen)
		return 0;
	if (hlen > 4096 && nlen > 1)
		return sieve_contains_long(cmp, hay, hlen, needle, nlen);
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (sieve_fold(cmp, (unsigned char)hay[i + j]) !=
			    sieve_fold(cmp, (unsigned char)needle[j]))
				break;
		if (j == nlen)
			return 1;
	}
	return 0;
}

int sieve_rel_holds(enum sieve_rel rel, int c)
{
	switch (rel) {
	case SIEVE_REL_GT: return c > 0;
	case SIEVE_REL_GE: return c >= 0;
	case SIEVE_REL_LT: return c < 0;
	case SIEVE_REL_LE: return c <= 0;
	case SIEVE_REL_EQ: return c == 0;
	case SIEVE_REL_NE: return c != 0;
	}
	return 0;
}

/* One element of a :matches pattern: a literal byte, '?' or '*'. */
struct sieve_glob_item {
	unsigned char c;
	char kind; /* 'c', '?', '*' */
};

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t sieve_utf8_len(const char *s, size_t left)
{
	size_t n = 1;

	if ((unsigned char)s[0] >= 0xc0)
		while (n < left && n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n++;
	return n;
}

/* Start of the UTF-8 character that ends just before s + end (a stray
   continuation byte counts alone). */
static size_t sieve_utf8_back(const char *s, size_t end, size_t floor)
{
	size_t i = end - 1;

	while (i > floor && end - i < 4 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	if ((unsigned char)s[i] >= 0xc0 && sieve_utf8_len(s + i, end - i) == end - i)
		return i;
	return end - 1;
}

struct sieve_glob {
	enum sieve_cmp cmp;
	const struct sieve_glob_item *it;
	const char *s;
	size_t slen;
	size_t *qpos;  /* per item: where a '?' matched (start) and its length */
	size_t *qlen;
};

/* Items [a,b) (no star) match at s[pos..]; the end in *end_r. */
static int sieve_glob_fwd(struct sieve_glob *g, size_t a, size_t b, size_t pos, size_t lim,
			  size_t *end_r)
{
	size_t k;

	for (k = a; k < b; k++) {
		if (pos >= lim)
			return 0;
		if (g->it[k].kind == '?') {
			size_t n = sieve_utf8_len(g->s + pos, lim - pos);
			g->qpos[k] = pos;
			g->qlen[k] = n;
			pos += n;
		} else if (sieve_fold(g->cmp, (unsigned char)g->s[pos]) !=
			   sieve_fold(g->cmp, g->it[k].c)) {
			return 0;
		} else {
			pos++;
		}
	}
	*end_r = pos;
	return 1;
}

/* Items [a,b) match ending exactly at end, not before floor; start in *start_r. */
static int sieve_glob_back(struct sieve_glob *g, size_t a, size_t b, size_t end, size_t floor,
			   size_t *start_r)
{
	size_t k = b;

	while (k > a) {
		k--;
		if (end <= floor)
			return 0;
		if (g->it[k].kind == '?') {
			size_t st = sieve_utf8_back(g->s, end, floor);
			g->qpos[k] = st;
			g->qlen[k] = end - st;
			end = st;
		} else if (sieve_fold(g->cmp, (unsigned char)g->s[end - 1]) !=
			   sieve_fold(g->cmp, g->it[k].c)) {
			return 0;
		} else {
			end--;
		}
	}
	*start_r = end;
	return 1;
}

static size_t sieve_glob_compile(const char *pat, size_t plen, struct sieve_glob_item *it)
{
	size_t i, n = 0;

	for (i = 0; i < plen; i++) {
		if (pat[i] == '\\' && i + 1 < plen) {
			it[n].kind = 'c';
			it[n++].c = (unsigned char)pat[++i];
		} else if (pat[i] == '*') {
			if (n > 0 && it[n - 1].kind == '*')
				continue; /* ** is * (and keeps the variables of RFC 5229 right) */
			it[n++].kind = '*';
		} else {
			it[n].kind = pat[i] == '?' ? '?' : 'c';
			it[n++].c = (unsigned char)pat[i];
		}
	}
	return n;
}

/* Records the wildcards' values in pattern order; starts/ends: per
   segment, where it matched. */
static void sieve_glob_caps(struct sieve_glob *g, size_t nit, const size_t *segb,
			    const size_t *starts, const size_t *ends, struct sieve_span *caps,
			    size_t maxcaps, size_t *ncaps_r)
{
	size_t k, seg = 0, n = 0;

	for (k = 0; k < nit; k++) {
		struct sieve_span sp;
		if (g->it[k].kind == 'c')
			continue;
		if (g->it[k].kind == '?') {
			sp.p = g->s + g->qpos[k];
			sp.len = g->qlen[k];
		} else {
			while (segb[seg + 1] <= k)
				seg++;
			sp.p = g->s + ends[seg];
			sp.len = starts[seg + 1] - ends[seg];
		}
		if (n < maxcaps)
			caps[n++] = sp;
	}
	*ncaps_r = n;
}

int sieve_glob(enum sieve_cmp cmp, const char *pat, size_t plen, const char *s, size_t slen,
	       struct sieve_span *caps, size_t maxcaps, size_t *ncaps_r)
{
	struct sieve_glob_item *it = xmalloc((plen + 1) * sizeof(*it));
	size_t *buf = xmalloc((plen + 1) * 6 * sizeof(size_t));
	size_t *segb = buf, *starts = buf + (plen + 1), *ends = buf + 2 * (plen + 1);
	size_t nit, nseg = 0, k, pos, lim;
	struct sieve_glob g;
	int ok = 0;

	nit = sieve_glob_compile(pat, plen, it);
	g.cmp = cmp;
	g.it = it;
	g.s = s;
	g.slen = slen;
	g.qpos = buf + 3 * (plen + 1);
	g.qlen = buf + 4 * (plen + 1);
	/* segments: item ranges between stars; segb[i] is segment i's first item */
	segb[nseg++] = 0;
	for (k = 0; k < nit; k++)
		if (it[k].kind == '*')
			segb[nseg++] = k + 1;
	segb[nseg] = nit + 1; /* sentinel: one past the last segment's star */
	*ncaps_r = 0;
	if (nseg == 1) {
		ok = sieve_glob_fwd(&g, 0, nit, 0, slen, &pos) && pos == slen;
		starts[0] = 0;
		ends[0] = slen;
	} else {
		size_t last = nseg - 1;
		ok = sieve_glob_fwd(&g, 0, segb[1] - 1, 0, slen, &ends[0]) &&
		     sieve_glob_back(&g, segb[last], nit, slen, ends[0], &starts[last]);
		starts[0] = 0;
		ends[last] = slen;
		if (ends[0] > starts[last])
			ok = 0;
		lim = starts[last];
		pos = ends[0];
		for (k = 1; ok && k < last; k++) {
			size_t from;
			ok = 0;
			for (from = pos; from <= lim; from++)
				if (sieve_glob_fwd(&g, segb[k], segb[k + 1] - 1, from, lim, &ends[k])) {
					ok = 1;
					break;
				}
			starts[k] = from;
			pos = ends[k];
		}
	}
	if (ok)
		sieve_glob_caps(&g, nit, segb, starts, ends, caps, maxcaps, ncaps_r);
	free(it);
	free(buf);
	return ok;
}

void *sieve_regex_compile(enum sieve_cmp cmp, const char *pat, size_t len, const char **err_r)
{
	static char msg[160];
	PCRE2_SIZE off;
	int code;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pat, len, cmp == SIEVE_CMP_CASEMAP ? PCRE2_CASELESS : 0,
			   &code, &off, NULL);
	if (re == NULL) {
		char buf[120];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)buf, sizeof(buf));
		snprintf(msg, sizeof(msg), "%s at offset %zu", buf, (size_t)off);
		*err_r = msg;
	}
	return re;
}

void sieve_regex_free(void *re)
{
	pcre2_code_free(re);
}

int sieve_regex_match(void *re, const char *s, size_t len, struct sieve_span *caps,
		      size_t maxcaps, size_t *ncaps_r)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	PCRE2_SIZE *ov;
	int rc, i, r;

	if (mc == NULL || md == NULL)
		wn_panic("sieve: out of memory for PCRE2");
	pcre2_set_match_limit(mc, SIEVE_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, SIEVE_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(mc, 16 * 1024); /* KiB */
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mc);
	*ncaps_r = 0;
	if (rc == PCRE2_ERROR_NOMATCH) {
		r = 0;
	} else if (rc < 0) {
		r = -1;
	} else {
		ov = pcre2_get_ovector_pointer(md);
		if (rc == 0)
			rc = (int)pcre2_get_ovector_count(md);
		for (i = 0; i < rc && (size_t)i < maxcaps; i++) {
			if (ov[2 * i] == PCRE2_UNSET) {
				caps[i].p = s;
				caps[i].len = 0;
			} else {
				caps[i].p = s + ov[2 * i];
				caps[i].len = ov[2 * i + 1] - ov[2 * i];
			}
		}
		*ncaps_r = (size_t)i;
		r = 1;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return r;
}

int sieve_is_identifier(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
			  s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}
