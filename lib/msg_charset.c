/*
 * msg_charset.c - charset conversion to UTF-8 (RFC 2045 charset
 * parameter, RFC 2047/2231 charsets) through iconv.
 *
 * Fast paths without iconv: UTF-8, US-ASCII / unspecified, ISO-8859-1
 * and windows-1252 (labels for ISO-8859-1 decode as windows-1252, as
 * browsers and MUAs do: spam uses the 0x80-0x9f characters under that
 * label). Everything else goes through iconv with common mail aliases
 * mapped first (utf8, latin1, ks_c_5601-1987, x-sjis, gb2312 ...).
 *
 * "Unspecified" and unknown charsets keep valid UTF-8 sequences and read
 * other bytes as windows-1252. Invalid input becomes U+FFFD. Output is
 * bounded by max_out. iconv handles are cached per thread (a few
 * entries, never closed: the set of charsets seen is small).
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

#define CS_NAME_MAX 40
#define CS_CACHE 8

enum cs_kind { CS_ASCII, CS_UTF8, CS_1252, CS_ICONV, CS_UNKNOWN };

static const unsigned short cp1252_hi[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

struct alias {
	const char *label;
	const char *target; /* iconv name, or "" for a fast path */
	enum cs_kind kind;
};

static const struct alias aliases[] = {
	{ "utf-8", "", CS_UTF8 },
	{ "utf8", "", CS_UTF8 },
	{ "x-utf8", "", CS_UTF8 },
	{ "us-ascii", "", CS_ASCII },
	{ "ascii", "", CS_ASCII },
	{ "ansi_x3.4-1968", "", CS_ASCII },
	{ "iso646-us", "", CS_ASCII },
	{ "us", "", CS_ASCII },
	{ "iso-8859-1", "", CS_1252 },
	{ "iso8859-1", "", CS_1252 },
	{ "iso_8859-1", "", CS_1252 },
	{ "iso-8859-1:1987", "", CS_1252 },
	{ "latin1", "", CS_1252 },
	{ "latin-1", "", CS_1252 },
	{ "l1", "", CS_1252 },
	{ "cp819", "", CS_1252 },
	{ "windows-1252", "", CS_1252 },
	{ "cp1252", "", CS_1252 },
	{ "x-cp1252", "", CS_1252 },
	{ "cp-1252", "", CS_1252 },
	{ "ansi", "", CS_1252 },
	{ "ks_c_5601-1987", "CP949", CS_ICONV },
	{ "ks_c_5601", "CP949", CS_ICONV },
	{ "ks_c_5601-1989", "CP949", CS_ICONV },
	{ "ksc5601", "CP949", CS_ICONV },
	{ "euc-kr", "CP949", CS_ICONV },
	{ "x-euc-kr", "CP949", CS_ICONV },
	{ "gb2312", "GB18030", CS_ICONV },
	{ "gb_2312-80", "GB18030", CS_ICONV },
	{ "x-gbk", "GB18030", CS_ICONV },
	{ "gbk", "GB18030", CS_ICONV },
	{ "cp936", "GB18030", CS_ICONV },
	{ "euc-cn", "GB18030", CS_ICONV },
	{ "x-euc-cn", "GB18030", CS_ICONV },
	{ "big5", "BIG5-HKSCS", CS_ICONV },
	{ "x-big5", "BIG5-HKSCS", CS_ICONV },
	{ "shift_jis", "CP932", CS_ICONV },
	{ "shift-jis", "CP932", CS_ICONV },
	{ "x-sjis", "CP932", CS_ICONV },
	{ "sjis", "CP932", CS_ICONV },
	{ "ms_kanji", "CP932", CS_ICONV },
	{ "csshiftjis", "CP932", CS_ICONV },
	{ "iso-8859-8-i", "ISO-8859-8", CS_ICONV },
	{ "iso-8859-6-i", "ISO-8859-6", CS_ICONV },
	{ "unicode-1-1-utf-7", "UTF-7", CS_ICONV },
	{ "x-mac-roman", "MACINTOSH", CS_ICONV },
	{ "macintosh", "MACINTOSH", CS_ICONV },
	{ "windows-874", "CP874", CS_ICONV },
	{ "x-unicode20utf8", "", CS_UTF8 },
	{ "unicode", "UTF-16", CS_ICONV },
};

struct cs_cache {
	char name[CS_NAME_MAX];
	iconv_t cd; /* (iconv_t)-1 for a charset iconv does not know */
};

static __thread struct cs_cache cs_cache[CS_CACHE];
static __thread unsigned int cs_cache_next;
static pthread_key_t cs_cache_key;
static pthread_once_t cs_cache_once = PTHREAD_ONCE_INIT;

/* At the exit of a thread that opened converters (pool threads, milter
   connections): close them, or each such thread would leak them. */
static void cs_cache_close(void *unused)
{
	unsigned int i;

	(void)unused;
	for (i = 0; i < CS_CACHE; i++) {
		if (cs_cache[i].name[0] != '\0' && cs_cache[i].cd != (iconv_t)-1)
			iconv_close(cs_cache[i].cd);
		cs_cache[i].name[0] = '\0';
	}
}

static void cs_cache_key_make(void)
{
	(void)pthread_key_create(&cs_cache_key, cs_cache_close);
}

/* Lowercased, trimmed, unquoted label in out; 0 if it is not a
   plausible charset name. */
static int label_norm(const char *cs, char *out)
{
	size_t n = 0;

	while (msgi_is_space((unsigned char)*cs) || *cs == '"' || *cs == '\'')
		cs++;
	for (; *cs != '\0' && *cs != '"' && *cs != '\'' && !msgi_is_space((unsigned char)*cs); cs++) {
		unsigned char c = msgi_lc((unsigned char)*cs);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.' || c == ':'))
			return 0;
		if (n + 1 >= CS_NAME_MAX)
			return 0;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n > 0;
}

static iconv_t cd_get(const char *name)
{
	unsigned int i;
	struct cs_cache *c;

	for (i = 0; i < CS_CACHE; i++) {
		if (cs_cache[i].name[0] != '\0' && strcmp(cs_cache[i].name, name) == 0) {
			if (cs_cache[i].cd != (iconv_t)-1)
				iconv(cs_cache[i].cd, NULL, NULL, NULL, NULL);
			return cs_cache[i].cd;
		}
	}
	if (cs_cache_next == 0) { /* this thread's first: close them at its exit */
		(void)pthread_once(&cs_cache_once, cs_cache_key_make);
		(void)pthread_setspecific(cs_cache_key, cs_cache);
	}
	c = &cs_cache[cs_cache_next++ % CS_CACHE];
	if (c->name[0] != '\0' && c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	strcpy(c->name, name);
	c->cd = iconv_open("UTF-8", name);
	return c->cd;
}

static enum cs_kind classify(const char *charset, iconv_t *cd_r)
{
	char name[CS_NAME_MAX];
	size_t i;
	const char *target;

	if (charset == NULL)
		return CS_ASCII;
	if (!label_norm(charset, name))
		return CS_UNKNOWN;
	target = name;
	for (i = 0; i < N_ELEMENTS(aliases); i++) {
		if (strcmp(aliases[i].label, name) == 0) {
			if (aliases[i].kind != CS_ICONV)
				return aliases[i].kind;
			target = aliases[i].target;
			break;
		}
	}
	*cd_r = cd_get(target);
	return *cd_r == (iconv_t)-1 ? CS_UNKNOWN : CS_ICONV;
}

struct out {
	struct arena *a;
	char *p;
	size_t n, cap, max;
	int full;
};

static void out_reserve(struct out *o, size_t need)
{
	size_t ncap;

	if (o->n + need + 1 <= o->cap)
		return;
	ncap = o->cap * 2;
	if (ncap < o->n + need + 1)
		ncap = o->n + need + 1;
	if (ncap > o->max + 8)
		ncap = o->max + 8;
	o->p = arena_realloc(o->a, o->p, o->cap, ncap);
	o->cap = ncap;
}

static void put_cp(struct out *o, unsigned int cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o->n + n > o->max) {
		o->full = 1;
		return;
	}
	out_reserve(o, n);
	memcpy(o->p + o->n, b, n);
	o->n += n;
}

static void put_bytes(struct out *o, const void *s, size_t n)
{
	if (o->n + n > o->max) {
		/* Cut at a character boundary. */
		n = o->max - o->n;
		while (n > 0 && (((const unsigned char *)s)[n] & 0xc0) == 0x80)
			n--;
		o->full = 1;
	}
	out_reserve(o, n);
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static unsigned int cp1252(unsigned char c)
{
	return (c >= 0x80 && c < 0xa0) ? cp1252_hi[c - 0x80] : c;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

size_t msgi_utf8_valid_len(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	uint64_t w;

	while (i < n) {
		/* mail is mostly ASCII: eight bytes at a time while it is */
		if (i + 8 <= n && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ULL) == 0)) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(s + i, n - i)) == 0)
			break;
		i += k;
	}
	return i;
}

/* UTF-8 passes through; other bytes become U+FFFD (bad_as_1252 == 0) or
   their windows-1252 character. */
static void conv_utf8(struct out *o, const unsigned char *s, size_t n, int bad_as_1252,
		      unsigned int *flags_r)
{
	size_t i = 0;

	while (i < n && !o->full) {
		size_t ok = msgi_utf8_valid_len(s + i, n - i);
		put_bytes(o, s + i, ok);
		i += ok;
		if (i >= n || o->full)
			break;
		if (bad_as_1252) {
			put_cp(o, cp1252(s[i]));
		} else {
			put_cp(o, 0xfffd);
			*flags_r |= MSG_F_CHARSET_BAD;
		}
		i++;
	}
}

static void conv_1252(struct out *o, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !o->full) {
		size_t k = i;
		while (k < n && s[k] < 0x80)
			k++;
		put_bytes(o, s + i, k - i);
		if (k < n)
			put_cp(o, cp1252(s[k++]));
		i = k;
	}
}

static void conv_iconv(struct out *o, iconv_t cd, const unsigned char *s, size_t n,
		       unsigned int *flags_r)
{
	char *in = (char *)s;
	size_t inleft = n;

	while (inleft > 0 && !o->full) {
		char *op;
		size_t room, before, r;
		out_reserve(o, inleft * 2 + 16 < 4096 ? inleft * 2 + 16 : 4096);
		room = o->cap - 1 - o->n;
		if (room > o->max - o->n)
			room = o->max - o->n;
		if (room == 0) {
			o->full = 1;
			break;
		}
		op = o->p + o->n;
		before = room;
		r = iconv(cd, &in, &inleft, &op, &room);
		o->n += before - room;
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			if (o->n + 4 > o->max)
				o->full = 1;
			continue;
		}
		/* EILSEQ or EINVAL (truncated at the end): one byte lost. */
		*flags_r |= MSG_F_CHARSET_BAD;
		put_cp(o, 0xfffd);
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (!o->full) {
		/* Flush shift state (ISO-2022, UTF-7). */
		char *op;
		size_t room;
		out_reserve(o, 16);
		op = o->p + o->n;
		room = o->cap - 1 - o->n;
		if (iconv(cd, NULL, NULL, &op, &room) != (size_t)-1)
			o->n = (size_t)(op - o->p);
	}
}

char *msg_charset_to_utf8(struct arena *a, const char *charset, const void *in,
			  size_t len, size_t max_out, size_t *out_len_r,
			  unsigned int *flags_r)
{
	struct out o;
	iconv_t cd = (iconv_t)-1;
	unsigned int dummy = 0;
	const unsigned char *s = in;

	if (flags_r == NULL)
		flags_r = &dummy;
	memset(&o, 0, sizeof(o));
	o.a = a;
	o.max = max_out;
	o.cap = len + len / 2 + 16;
	if (o.cap > max_out + 8)
		o.cap = max_out + 8;
	o.p = arena_alloc(a, o.cap);
	switch (classify(charset, &cd)) {
	case CS_UTF8:
		conv_utf8(&o, s, len, 0, flags_r);
		break;
	case CS_ASCII:
		conv_utf8(&o, s, len, 1, flags_r);
		break;
	case CS_1252:
		conv_1252(&o, s, len);
		break;
	case CS_ICONV:
		conv_iconv(&o, cd, s, len, flags_r);
		break;
	case CS_UNKNOWN:
		*flags_r |= MSG_F_CHARSET_UNKNOWN;
		conv_utf8(&o, s, len, 1, flags_r);
		break;
	}
	if (o.full)
		*flags_r |= MSG_F_DECODED_TRUNCATED;
	o.p[o.n] = '\0';
	if (out_len_r != NULL)
		*out_len_r = o.n;
	return o.p;
}
