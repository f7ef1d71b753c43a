/*
 * psl.c - the Public Suffix List: loading and lookup (see psl.h).
 *
 * Format (https://github.com/publicsuffix/list/wiki/Format): one rule
 * per line, read up to the first whitespace; "//" starts a comment
 * line; "*." in front is a wildcard (any one label), "!" in front an
 * exception (the rule minus its leftmost label is the suffix). Rules
 * between "===BEGIN PRIVATE DOMAINS===" and "===END PRIVATE
 * DOMAINS===" are PRIVATE, the rest ICANN. The prevailing rule is an
 * exception if one matches, else the matching rule with the most
 * labels, else the implicit "*".
 *
 * Storage: every rule, in A-label form, is a key of one open-addressing
 * hash table whose value says which kinds of rule (normal, wildcard,
 * exception; ICANN or PRIVATE) exist for that name. A lookup asks the
 * table once per label of the host (each suffix of the host), so it
 * costs a handful of hashes and no allocation but the result.
 *
 * Limits: a name or rule of at most 253 bytes in A-label form, labels
 * of 1-63 bytes (RFC 1035 2.3.4); longer ones are invalid.
 */
#include "config.h"

#include "lib/psl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/wn.h"

#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define NAME_MAX_LABELS 128

/* What rules exist for a name: one bit per kind and section. */
enum {
	R_NORMAL = 1u << 0,
	R_WILD = 1u << 1,  /* "*.name" */
	R_EXCEPT = 1u << 2, /* "!name" */
	R_PRIVATE_SHIFT = 3, /* the same three bits, PRIVATE section */
	R_ICANN_MASK = 7u,
	R_ALL_MASK = 63u,
};

struct slot {
	uint32_t hash;
	uint32_t off;   /* key in keys[]; 0 means the slot is empty */
	uint16_t len;
	uint8_t flags;
};

struct psl {
	struct slot *slots;
	size_t cap;      /* power of two */
	size_t used;
	char *keys;      /* keys back to back; offset 0 unused */
	size_t keys_len, keys_cap;
	size_t nrules, nskipped;
};

/* A host name split into labels, in A-label form and as given. */
struct name {
	char ascii[NAME_MAX_LEN + 1];
	size_t alen;
	size_t nlabels;
	size_t aoff[NAME_MAX_LABELS]; /* label starts in ascii */
	size_t ooff[NAME_MAX_LABELS]; /* label starts in the original */
	size_t olen;                  /* original length, trailing dot removed */
};

static char *err_printf(const char *fmt, ...) WN_PRINTF(1, 2);

static char *err_printf(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return xstrdup(buf);
}

/* ---- Punycode (RFC 3492 6.3), for U-labels ---- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char pc_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Appends the Punycode of cp[0..n) to out (at *len, at most max bytes).
   Returns -1 if it does not fit or overflows. */
static int pc_encode(const uint32_t *cp, size_t n, char *out, size_t *len, size_t max)
{
	uint32_t next = 128, delta = 0, bias = 72, h, b = 0;
	size_t i;

#define PC_PUT(c) do { if (*len >= max) return -1; out[(*len)++] = (c); } while (0)
	for (i = 0; i < n; i++) {
		if (cp[i] < 0x80) {
			PC_PUT((char)cp[i]);
			b++;
		}
	}
	if (b > 0)
		PC_PUT('-');
	for (h = b; h < n;) {
		uint32_t m = UINT32_MAX;
		for (i = 0; i < n; i++) {
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		}
		if ((m - next) > (UINT32_MAX - delta) / (h + 1))
			return -1;
		delta += (m - next) * (h + 1);
		next = m;
		for (i = 0; i < n; i++) {
			if (cp[i] < next && ++delta == 0)
				return -1;
			if (cp[i] != next)
				continue;
			uint32_t q = delta, k;
			for (k = PC_BASE;; k += PC_BASE) {
				uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
				if (q < t)
					break;
				PC_PUT(pc_digit(t + (q - t) % (PC_BASE - t)));
				q = (q - t) / (PC_BASE - t);
			}
			PC_PUT(pc_digit(q));
			bias = pc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		next++;
	}
#undef PC_PUT
	return 0;
}

/* Decodes strict UTF-8 (no overlongs, surrogates or values past
   U+10FFFF) into cp; ASCII letters lower-cased. Returns the count, or
   -1 if s is not UTF-8 or has more than max code points. */
static long utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, size_t max)
{
	size_t i = 0, k = 0;

	while (i < n) {
		uint32_t c = s[i], min;
		size_t more, j;
		if (k == max)
			return -1;
		if (c < 0x80) {
			more = 0, min = 0;
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
		} else if ((c & 0xe0) == 0xc0) {
			more = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3, min = 0x10000, c &= 0x07;
		} else {
			return -1;
		}
		if (more > n - i - 1)
			return -1;
		for (j = 1; j <= more; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (s[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		cp[k++] = c;
		i += more + 1;
	}
	return (long)k;
}

/* ---- names ---- */

/* Appends label s[0..n) to nm->ascii in A-label form. */
static int label_add(struct name *nm, const char *s, size_t n)
{
	uint32_t cp[LABEL_MAX_LEN + 1];
	size_t i, start = nm->alen, len;
	int ascii = 1;
	long ncp;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80)
			ascii = 0;
		else if (c <= ' ' || c == 0x7f)
			return -1; /* controls and spaces are in no host name */
	}
	if (n == 0 || nm->nlabels == NAME_MAX_LABELS)
		return -1;
	if (ascii) {
		if (n > LABEL_MAX_LEN || start + n > NAME_MAX_LEN)
			return -1;
		for (i = 0; i < n; i++) {
			char c = s[i];
			nm->ascii[start + i] = (char)(c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c);
		}
		len = n;
	} else {
		ncp = utf8_decode((const unsigned char *)s, n, cp, N_ELEMENTS(cp));
		if (ncp < 0 || start + 4 > NAME_MAX_LEN)
			return -1;
		memcpy(nm->ascii + start, "xn--", 4);
		len = 4;
		if (pc_encode(cp, (size_t)ncp, nm->ascii + start, &len,
			      start + LABEL_MAX_LEN > NAME_MAX_LEN ? NAME_MAX_LEN - start
								   : LABEL_MAX_LEN) < 0)
			return -1;
	}
	nm->aoff[nm->nlabels] = start;
	nm->alen = start + len;
	nm->nlabels++;
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return n > 0;
}

/* Splits host (n bytes) into nm. Returns -1 for what is not a domain
   name: empty, an empty label (leading dot, ".."), an IP literal, bad
   UTF-8, over the length limits. */
static int name_split(struct name *nm, const char *host, size_t n)
{
	size_t i, start = 0;

	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || memchr(host, ':', n) != NULL || memchr(host, '[', n) != NULL)
		return -1;
	nm->alen = 0;
	nm->nlabels = 0;
	nm->olen = n;
	for (i = 0; i <= n; i++) {
		if (i < n && host[i] != '.')
			continue;
		if (nm->nlabels == NAME_MAX_LABELS)
			return -1;
		nm->ooff[nm->nlabels] = start;
		if (label_add(nm, host + start, i - start) < 0)
			return -1;
		if (i < n) {
			if (nm->alen >= NAME_MAX_LEN)
				return -1;
			nm->ascii[nm->alen++] = '.';
		}
		start = i + 1;
	}
	nm->ascii[nm->alen] = '\0';
	/* no TLD is all digits: "192.0.2.1", "1.2.3" are addresses */
	if (all_digits(host + nm->ooff[nm->nlabels - 1], n - nm->ooff[nm->nlabels - 1]))
		return -1;
	return 0;
}

/* ---- the table ---- */

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct slot *table_find(const struct psl *p, const char *s, size_t n, uint32_t h)
{
	size_t i = h & (p->cap - 1);

	for (;; i = (i + 1) & (p->cap - 1)) {
		struct slot *sl = &p->slots[i];
		if (sl->off == 0)
			return sl;
		if (sl->hash == h && sl->len == n && memcmp(p->keys + sl->off, s, n) == 0)
			return sl;
	}
}

static void table_grow(struct psl *p)
{
	struct slot *old = p->slots;
	size_t oldcap = p->cap, i;

	p->cap = oldcap ? oldcap * 2 : 1024;
	p->slots = xcalloc(p->cap, sizeof(*p->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].off != 0)
			*table_find(p, p->keys + old[i].off, old[i].len, old[i].hash) = old[i];
	}
	free(old);
}

static void table_add(struct psl *p, const char *s, size_t n, unsigned int flags)
{
	uint32_t h = hash_bytes(s, n);
	struct slot *sl;

	if ((p->used + 1) * 2 > p->cap)
		table_grow(p);
	sl = table_find(p, s, n, h);
	if (sl->off == 0) {
		if (p->keys_len + n > p->keys_cap) {
			p->keys_cap = (p->keys_len + n) * 2;
			p->keys = xrealloc(p->keys, p->keys_cap);
		}
		memcpy(p->keys + p->keys_len, s, n);
		sl->hash = h;
		sl->off = (uint32_t)p->keys_len;
		sl->len = (uint16_t)n;
		p->keys_len += n;
		p->used++;
	}
	sl->flags |= (uint8_t)flags;
}

static unsigned int table_get(const struct psl *p, const char *s, size_t n)
{
	return table_find(p, s, n, hash_bytes(s, n))->flags;
}

/* ---- parsing ---- */

/* One rule line (its first word already cut out). Returns 0 if added,
   -1 if it is no valid rule. */
static int parse_rule(struct psl *p, const char *w, size_t n, int private)
{
	unsigned int kind = R_NORMAL;
	struct name nm;

	if (n > 0 && w[0] == '!') {
		kind = R_EXCEPT;
		w++, n--;
	} else if (n > 1 && w[0] == '*' && w[1] == '.') {
		kind = R_WILD;
		w += 2, n -= 2;
	}
	if (memchr(w, '*', n) != NULL || memchr(w, '!', n) != NULL)
		return -1; /* wildcards other than leftmost: none in the list */
	if (name_split(&nm, w, n) < 0 || n != nm.olen)
		return -1; /* a trailing dot in a rule is an error too */
	if (kind == R_EXCEPT && nm.nlabels < 2)
		return -1;
	table_add(p, nm.ascii, nm.alen, private ? kind << R_PRIVATE_SHIFT : kind);
	p->nrules++;
	return 0;
}

static void parse_line(struct psl *p, const char *s, size_t n, int *private)
{
	size_t i = 0, w;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		if (memmem(s, n, "===BEGIN PRIVATE DOMAINS===", 27) != NULL)
			*private = 1;
		else if (memmem(s, n, "===END PRIVATE DOMAINS===", 25) != NULL ||
			 memmem(s, n, "===BEGIN ICANN DOMAINS===", 25) != NULL)
			*private = 0;
		return;
	}
	for (w = i; w < n && s[w] != ' ' && s[w] != '\t' && s[w] != '\r'; w++)
		;
	if (w == i)
		return;
	if (parse_rule(p, s + i, w - i, *private) < 0)
		p->nskipped++;
}

struct psl *psl_parse(const char *data, size_t len, const char *name, char **err_r)
{
	struct psl *p = xcalloc(1, sizeof(*p));
	size_t pos = 0;
	int private = 0;

	p->keys_len = 1; /* offset 0 marks empty slots */
	p->keys_cap = 64 * 1024;
	p->keys = xmalloc(p->keys_cap);
	table_grow(p);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;
		parse_line(p, data + pos, end - pos, &private);
		pos = end + 1;
	}
	if (p->nrules == 0) {
		*err_r = err_printf("%s: no public suffix rules in it", name);
		psl_free(&p);
		return NULL;
	}
	return p;
}

struct psl *psl_load(const char *path, char **err_r)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	struct psl *p;

	if (f == NULL) {
		*err_r = err_printf("public_suffix_list: cannot open %s: %s (Debian package "
				    "publicsuffix)", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 256 * 1024;
			data = xrealloc(data, cap);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		*err_r = err_printf("public_suffix_list: cannot read %s: %s", path, strerror(errno));
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	p = psl_parse(data, len, path, err_r);
	free(data);
	return p;
}

struct psl *psl_load_cfg(const struct cfg *c, char **err_r)
{
	const char *path = cfg_str(c, "public_suffix_list");

	return psl_load(path != NULL && *path != '\0' ? path : PSL_DEFAULT_PATH, err_r);
}

void psl_free(struct psl **pp)
{
	struct psl *p = *pp;

	if (p == NULL)
		return;
	free(p->slots);
	free(p->keys);
	free(p);
	*pp = NULL;
}

size_t psl_rule_count(const struct psl *p)
{
	return p->nrules;
}

size_t psl_skipped_count(const struct psl *p)
{
	return p->nskipped;
}

/* ---- lookup ---- */

/* Labels in nm's public suffix (>= 1). */
static size_t suffix_labels(const struct psl *p, const struct name *nm, unsigned int flags)
{
	unsigned int mask = (flags & PSL_ICANN_ONLY) ? R_ICANN_MASK : R_ALL_MASK;
	size_t best = 1, k;

	for (k = 1; k <= nm->nlabels; k++) {
		size_t off = nm->aoff[nm->nlabels - k];
		unsigned int f = table_get(p, nm->ascii + off, nm->alen - off) & mask;
		f |= f >> R_PRIVATE_SHIFT;
		if (f & R_EXCEPT)
			return k - 1; /* the exception prevails */
		if ((f & R_NORMAL) && k > best)
			best = k;
		if ((f & R_WILD) && k < nm->nlabels && k + 1 > best)
			best = k + 1;
	}
	return best;
}

/* The last `labels` labels of nm, in the form flags ask for. */
static const char *tail(struct arena *a, const struct name *nm, const char *host,
			size_t labels, unsigned int flags)
{
	size_t i = nm->nlabels - labels, off, n;
	char *r;

	if (flags & PSL_ASCII)
		return arena_strndup(a, nm->ascii + nm->aoff[i], nm->alen - nm->aoff[i]);
	off = nm->ooff[i];
	n = nm->olen - off;
	r = arena_strndup(a, host + off, n);
	for (i = 0; i < n; i++) {
		if (r[i] >= 'A' && r[i] <= 'Z')
			r[i] = (char)(r[i] + 'a' - 'A');
	}
	return r;
}

const char *psl_registrable(const struct psl *p, struct arena *a, const char *host,
			    unsigned int flags)
{
	struct name nm;
	size_t k;

	if (host == NULL || name_split(&nm, host, strlen(host)) < 0)
		return NULL;
	k = suffix_labels(p, &nm, flags);
	if (k >= nm.nlabels)
		return NULL;
	return tail(a, &nm, host, k + 1, flags);
}

const char *psl_suffix(const struct psl *p, struct arena *a, const char *host,
		       unsigned int flags)
{
	struct name nm;

	if (host == NULL || name_split(&nm, host, strlen(host)) < 0)
		return NULL;
	return tail(a, &nm, host, suffix_labels(p, &nm, flags), flags);
}

const char *psl_to_ascii(struct arena *a, const char *host)
{
	struct name nm;

	if (host == NULL || name_split(&nm, host, strlen(host)) < 0)
		return NULL;
	return arena_strndup(a, nm.ascii, nm.alen);
}
