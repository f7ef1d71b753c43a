/*
 * uri.c - URI parsing, registrable domains, and the per-message URI
 * list that uri rules and URIBL checks read.
 *
 * uri_collect() mirrors SpamAssassin's get_uri_list(): HTML links (as
 * resolved by lib/html.c) and URIs found in rendered text (the
 * Thunderbird/Outlook linkifier heuristics of PerMsgStatus::_tbirdurire,
 * including bare "www.x" / "x.tld" / "user@domain" forms, which become
 * http:// and mailto: URIs), each expanded into the "cleaned" variants
 * of Util::uri_list_canonicalize (percent-decoded, scheme added,
 * userinfo dropped, numeric IPs rewritten, one redirector level
 * unwrapped ...). Every variant is an entry of m->uris so that a uri
 * rule matches exactly when it would in SpamAssassin.
 *
 * Limits: msg_limits.max_uris entries (then MSG_F_URI_LIMIT), 2048 bytes
 * per text URI, CANON_MAX variants per URI. RFC 3986 (generic syntax),
 * RFC 6068 (mailto), WHATWG URL for numeric IPv4 hosts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/html.h"
#include "lib/limits.h"
#include "lib/uri.h"

#define CANON_MAX 32
#define CANON_WORK_MAX 8
#define TEXT_URI_MAX 2048

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int prefix_ci(const char *s, size_t n, const char *pre)
{
	size_t i;

	for (i = 0; pre[i]; i++) {
		if (i >= n || lower((unsigned char)s[i]) != (unsigned char)pre[i])
			return 0;
	}
	return 1;
}

static char *lower_dup(struct arena *a, const char *s, size_t n)
{
	char *r = arena_strndup(a, s, n);
	size_t i;

	for (i = 0; i < n; i++)
		r[i] = (char)lower((unsigned char)r[i]);
	return r;
}

/* %XX decoding in place; returns the new length. */
static size_t pct_decode(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			s[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
					hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* ---- hosts -------------------------------------------------------- */

/* One WHATWG IPv4 part: decimal, 0x hex or 0-led octal. */
static int ipv4_part(const char *s, size_t n, uint64_t *v_r)
{
	uint64_t v = 0;
	unsigned int base = 10;
	size_t i = 0;

	if (n == 0)
		return -1;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < n; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned int)d >= base)
			return -1;
		if (v > UINT32_MAX)
			return -1;
		v = v * base + (unsigned int)d;
	}
	*v_r = v;
	return 0;
}

/* Rewrites numeric hosts ("0x7f.1", "2130706433", "0177.0.0.1") as a
   dotted quad; returns NULL when host is not numeric or out of range. */
static char *ipv4_normalize(struct arena *a, const char *host)
{
	uint64_t parts[4], v;
	size_t np = 0, i;
	const char *p = host, *dot;

	for (;;) {
		dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (np == 4 || ipv4_part(p, n, &parts[np]) < 0)
			return NULL;
		np++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	for (i = 0; i + 1 < np; i++) {
		if (parts[i] > 255)
			return NULL;
	}
	if (parts[np - 1] >= ((uint64_t)1 << (8 * (5 - np))))
		return NULL;
	v = parts[np - 1];
	for (i = 0; i + 1 < np; i++)
		v += parts[i] << (8 * (3 - i));
	return arena_printf(a, "%u.%u.%u.%u", (unsigned int)(v >> 24) & 255,
			    (unsigned int)(v >> 16) & 255, (unsigned int)(v >> 8) & 255,
			    (unsigned int)v & 255);
}

static int is_dotted_quad(const char *h)
{
	unsigned int parts = 0, digits = 0;

	for (; *h; h++) {
		if (is_digit((unsigned char)*h)) {
			if (++digits > 3)
				return 0;
		} else if (*h == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	return parts == 3 && digits > 0;
}

/* Lowercased, percent-decoded, trailing dots removed, numeric IPv4
   forms normalised. */
static const char *host_clean(struct arena *a, const char *s, size_t n)
{
	char *h = lower_dup(a, s, n), *ip;

	n = pct_decode(h, n);
	for (size_t i = 0; i < n; i++)
		h[i] = (char)lower((unsigned char)h[i]);
	while (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	if (n == 0)
		return NULL;
	if (is_digit((unsigned char)h[0]) && (ip = ipv4_normalize(a, h)) != NULL)
		return ip;
	return h;
}

/* ---- uri_parse ---------------------------------------------------- */

static int special_scheme(const char *s)
{
	return strcmp(s, "http") == 0 || strcmp(s, "https") == 0 ||
	       strcmp(s, "ftp") == 0;
}

/* A schemeless "example.com/..." start: host characters with a dot and
   an alphabetic last label. */
static int looks_like_host(const char *s, size_t n)
{
	size_t i, dots = 0, last = 0;

	for (i = 0; i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (i == 0 || s[i - 1] == '.')
				return 0;
			dots++;
			last = i + 1;
		} else if (!is_alnum(c) && c != '-' && c != '_' && c < 0x80) {
			return 0;
		}
	}
	if (dots == 0 || i - last < 2)
		return 0;
	for (; last < i; last++) {
		if (!is_alpha((unsigned char)s[last]) && (unsigned char)s[last] < 0x80)
			return 0;
	}
	return 1;
}

static void parse_mailto(struct arena *a, const char *s, size_t n, struct uri_parts *r)
{
	char *addr = arena_strndup(a, s, n), *at;
	size_t len, hl;
	const char *h;

	len = pct_decode(addr, n);
	r->path = arena_strndup(a, addr, len);
	at = strrchr(addr, '@');
	if (at == NULL)
		return;
	*at = '\0';
	r->user = addr;
	h = at + 1;
	hl = strcspn(h, "?&>");
	while (hl > 0 && is_space((unsigned char)h[hl - 1]))
		hl--;
	r->host = host_clean(a, h, hl);
}

int uri_parse(struct arena *a, const char *uri, size_t len, struct uri_parts *r)
{
	const char *s = uri, *end, *auth, *ae, *hp, *he, *at, *colon;
	size_t i;
	char *scheme = NULL;

	memset(r, 0, sizeof(*r));
	r->path = "";
	while (len > 0 && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	end = s + len;
	if (len == 0)
		return -1;

	if (is_alpha((unsigned char)s[0])) {
		for (i = 1; i < len && (is_alnum((unsigned char)s[i]) || s[i] == '+' ||
					s[i] == '-' || s[i] == '.');
		     i++)
			;
		if (i < len && s[i] == ':' && !(i + 1 < len && is_digit((unsigned char)s[i + 1]) &&
						  looks_like_host(s, len))) {
			scheme = lower_dup(a, s, i);
			s += i + 1;
		}
	}
	if (scheme != NULL) {
		r->scheme = scheme;
		if (strcmp(scheme, "mailto") == 0) {
			parse_mailto(a, s, (size_t)(end - s), r);
			return 0;
		}
		if (special_scheme(scheme)) {
			while (s < end && (*s == '/' || *s == '\\'))
				s++;
		} else if (end - s >= 2 && (s[0] == '/' || s[0] == '\\') &&
			   (s[1] == '/' || s[1] == '\\')) {
			s += 2;
		} else {
			r->path = arena_strndup(a, s, (size_t)(end - s));
			return 0;
		}
	} else if (len >= 2 && s[0] == '/' && s[1] == '/') {
		r->scheme = "http";
		s += 2;
	} else if (prefix_ci(s, len, "ftp.")) {
		r->scheme = "ftp";
	} else if (prefix_ci(s, len, "www") || looks_like_host(s, len)) {
		r->scheme = "http";
	} else {
		return -1;
	}

	auth = s;
	for (ae = auth; ae < end && *ae != '/' && *ae != '\\' && *ae != '?' && *ae != '#'; ae++)
		;
	r->path = arena_strndup(a, ae, (size_t)(end - ae));
	hp = auth;
	for (at = ae; at > auth; at--) {
		if (at[-1] == '@') {
			r->user = arena_strndup(a, auth, (size_t)(at - 1 - auth));
			hp = at;
			break;
		}
	}
	he = ae;
	if (hp < ae && *hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(ae - hp));
		if (rb != NULL) {
			r->host = lower_dup(a, hp + 1, (size_t)(rb - hp - 1));
			if (rb + 1 < ae && rb[1] == ':' && rb + 2 < ae)
				r->port = arena_strndup(a, rb + 2, (size_t)(ae - rb - 2));
			return 0;
		}
	}
	colon = NULL;
	for (const char *q = hp; q < ae; q++) {
		if (*q == ':')
			colon = q;
	}
	if (colon != NULL) {
		he = colon;
		if (colon + 1 < ae)
			r->port = arena_strndup(a, colon + 1, (size_t)(ae - colon - 1));
	}
	r->host = host_clean(a, hp, (size_t)(he - hp));
	return 0;
}

/* ---- uri_domain --------------------------------------------------- */

/* Second-level public suffixes common in mail; the DNS checks bring the
   full Public Suffix List. Sorted for bsearch. */
static const char *const two_level[] = {
	"ac.id", "ac.il", "ac.in", "ac.jp", "ac.kr", "ac.nz", "ac.th", "ac.uk",
	"ac.za", "ad.jp", "asn.au", "co.at", "co.id", "co.il", "co.in", "co.jp",
	"co.ke", "co.kr", "co.nz", "co.th", "co.uk", "co.za", "com.ar", "com.au",
	"com.bo", "com.br", "com.cn", "com.co", "com.cy", "com.ec", "com.eg",
	"com.es", "com.gr", "com.hk", "com.mt", "com.mx", "com.my", "com.ng",
	"com.pe", "com.ph", "com.pk", "com.pl", "com.py", "com.ro", "com.ru",
	"com.sa", "com.sg", "com.tn", "com.tr", "com.tw", "com.ua", "com.uy",
	"com.ve", "com.vn", "edu.au", "edu.cn", "edu.hk", "edu.sg", "edu.tw",
	"firm.in", "gen.in", "go.jp", "go.kr", "gob.mx", "gov.au", "gov.br",
	"gov.cn", "gov.uk", "gov.za", "govt.nz", "gr.jp", "id.au", "idv.tw",
	"in.th", "ind.in", "ltd.uk", "me.uk", "msk.ru", "ne.jp", "ne.kr",
	"net.au", "net.br", "net.cn", "net.hk", "net.in", "net.my", "net.nz",
	"net.pl", "net.sg", "net.tr", "net.tw", "net.ua", "net.uk", "nhs.uk",
	"nom.es", "or.at", "or.id", "or.jp", "or.kr", "org.au", "org.br",
	"org.cn", "org.es", "org.hk", "org.il", "org.in", "org.mx", "org.my",
	"org.nz", "org.pl", "org.sg", "org.tr", "org.tw", "org.ua", "org.uk",
	"org.za", "plc.uk", "sch.uk", "spb.ru", "web.id",
};

static int str_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

const char *uri_domain(struct arena *a, const char *host)
{
	size_t n, i, dots = 0, d1 = 0, d2 = 0, d3 = 0;
	char *h;

	if (host == NULL || *host == '\0')
		return NULL;
	if (strchr(host, ':') != NULL || is_dotted_quad(host))
		return arena_strdup(a, host);
	n = strlen(host);
	while (n > 0 && host[n - 1] == '.')
		n--;
	h = lower_dup(a, host, n);
	/* d1, d2, d3: positions after the last three dots */
	for (i = n; i > 0; i--) {
		if (h[i - 1] != '.')
			continue;
		dots++;
		if (dots == 1)
			d1 = i;
		else if (dots == 2)
			d2 = i;
		else if (dots == 3) {
			d3 = i;
			break;
		}
	}
	(void)d1;
	if (dots < 2)
		return h;
	if (bsearch(h + d2, two_level, N_ELEMENTS(two_level), sizeof(two_level[0]),
		    str_cmp) != NULL)
		return dots >= 3 ? h + d3 : h;
	return h + d2;
}

/* ---- TLDs --------------------------------------------------------- */

/* Generic TLDs seen in mail, sorted; every two-letter label is taken as
   a country code. An approximation of SpamAssassin's util_rb_tld list
   until the rules load theirs. */
static const char *const gtlds[] = {
	"academy", "accountant", "aero", "agency", "app", "arpa", "art", "asia",
	"bar", "best", "bid", "biz", "blog", "bond", "business", "buzz", "cam",
	"casa", "cat", "center", "cfd", "click", "cloud", "club", "com",
	"company", "coop", "cricket", "cyou", "date", "design", "dev", "digital",
	"download", "edu", "email", "faith", "fun", "gdn", "global", "gov",
	"group", "guru", "help", "host", "icu", "info", "ink", "int", "jobs",
	"life", "link", "live", "loan", "lol", "ltd", "media", "men", "mil",
	"mobi", "mom", "monster", "museum", "name", "net", "network", "news",
	"one", "online", "org", "party", "pics", "post", "press", "pro",
	"quest", "racing", "ren", "rest", "review", "run", "sbs", "science",
	"services", "shop", "site", "solutions", "space", "store", "stream",
	"studio", "support", "systems", "tech", "tel", "tips", "today", "top",
	"trade", "travel", "uno", "vip", "wang", "webcam", "website", "win",
	"work", "works", "world", "xin", "xxx", "xyz", "zone",
};

static int tld_valid(const char *s, size_t n)
{
	char buf[32];
	size_t i;

	if (n == 2 && is_alpha((unsigned char)s[0]) && is_alpha((unsigned char)s[1]))
		return 1;
	if (n < 2 || n >= sizeof(buf))
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = (char)lower((unsigned char)s[i]);
	buf[n] = '\0';
	if (strncmp(buf, "xn--", 4) == 0)
		return 1;
	return bsearch(buf, gtlds, N_ELEMENTS(gtlds), sizeof(gtlds[0]), str_cmp) != NULL;
}

/* A host with a valid TLD, or an IP literal. */
static int host_valid(const char *h)
{
	const char *dot;

	if (h == NULL || *h == '\0')
		return 0;
	if (is_dotted_quad(h) || strchr(h, ':') != NULL)
		return 1;
	dot = strrchr(h, '.');
	if (dot == NULL || dot == h)
		return 0;
	return tld_valid(dot + 1, strlen(dot + 1));
}

/* ---- canonical variants (SA's uri_list_canonicalize) -------------- */

/* Distinct strings in the order added, with their lengths. */
struct cvec {
	const char *v[CANON_MAX];
	size_t len[CANON_MAX];
	size_t n;
};

static void cv_add(struct cvec *cv, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < cv->n; i++) {
		if (cv->len[i] == n && memcmp(cv->v[i], s, n) == 0)
			return;
	}
	if (cv->n < CANON_MAX) {
		cv->v[cv->n] = s;
		cv->len[cv->n++] = n;
	}
}

static char *cat3(struct arena *a, const char *s1, size_t n1, const char *s2,
		  size_t n2, const char *s3, size_t n3)
{
	char *r = arena_alloc(a, n1 + n2 + n3 + 1);

	memcpy(r, s1, n1);
	memcpy(r + n1, s2, n2);
	memcpy(r + n1 + n2, s3, n3);
	r[n1 + n2 + n3] = '\0';
	return r;
}

/* Perl's oct()/hex() of a digit string, saturating. */
static uint64_t num_base(const char *s, size_t n, unsigned int base)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned int)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return UINT64_MAX;
		v = v * base + (unsigned int)d;
	}
	return v;
}

/* SA's decode_ulong_to_ip: "%08lx", then the first four bytes. */
static char *ulong_to_ip(struct arena *a, uint64_t v)
{
	char hex[24];
	unsigned int b[4];
	size_t n, i;

	n = (size_t)snprintf(hex, sizeof(hex), "%08llx", (unsigned long long)v);
	for (i = 0; i < 4; i++) {
		int hi = 2 * i < n ? hexval((unsigned char)hex[2 * i]) : 0;
		int lo = 2 * i + 1 < n ? hexval((unsigned char)hex[2 * i + 1]) : 0;
		b[i] = (unsigned int)(hi * 16 + lo);
	}
	return arena_printf(a, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* One dotted chunk ("0x7f." or "0177." or "1") rewritten the way SA
   does it, decimal, leading zeros dropped (even a lone "0"). */
static size_t ip_chunk(const char *c, size_t n, char *out)
{
	char tmp[32];
	size_t digits, z = 0, o, tn;
	int dot = n > 0 && c[n - 1] == '.';
	uint64_t v;

	if (dot)
		n--;
	if (n >= 2 && c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
		v = num_base(c + 2, n - 2, 16);
		tn = (size_t)snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	} else {
		tn = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
		memcpy(tmp, c, tn);
		tmp[tn] = '\0';
	}
	while (z < tn && tmp[z] == '0')
		z++;
	digits = tn - z;
	if (z > 0 && digits > 0 && strspn(tmp + z, "01234567") == digits &&
	    ((tmp[z] >= '1' && tmp[z] <= '3' && digits <= 3) ||
	     (tmp[z] >= '4' && tmp[z] <= '7' && digits <= 2))) {
		v = num_base(tmp + z, digits, 8);
		tn = (size_t)snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
		z = 0;
	}
	while (z < tn && tmp[z] == '0')
		z++;
	o = tn - z;
	memcpy(out, tmp + z, o);
	if (dot)
		out[o++] = '.';
	return o;
}

/* "a.b.c.d" where each part is decimal or 0x hex. */
static int four_numeric(const char *h)
{
	int parts = 0;
	const char *p = h;

	for (;;) {
		const char *s = p;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			p += 2;
			s = p;
			while (hexval((unsigned char)*p) >= 0)
				p++;
		} else {
			while (is_digit((unsigned char)*p))
				p++;
		}
		if (p == s)
			return 0;
		parts++;
		if (*p == '\0')
			return parts == 4;
		if (*p != '.' || parts == 4)
			return 0;
		p++;
	}
}

/* Replaces &#NN; forms of printable ASCII and Unicode dots. */
static size_t decode_ncr(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '&' && i + 2 < n && s[i + 1] == '#') {
			size_t j = i + 2, k;
			uint64_t v;
			if (prefix_ci(s + j, n - j, "x2e;") || prefix_ci(s + j, n - j, "12290;") ||
			    prefix_ci(s + j, n - j, "x3002;") || prefix_ci(s + j, n - j, "65294;") ||
			    prefix_ci(s + j, n - j, "xff0e;") || prefix_ci(s + j, n - j, "65377;") ||
			    prefix_ci(s + j, n - j, "xff61;")) {
				s[o++] = '.';
				i = (size_t)((char *)memchr(s + j, ';', n - j) - s);
				continue;
			}
			if (s[j] == 'x') {
				j++;
				while (j < n && s[j] == '0')
					j++;
				k = j;
				while (k < n && hexval((unsigned char)s[k]) >= 0)
					k++;
				v = num_base(s + j, k - j, 16);
				if (k - j == 2 && k < n && s[k] == ';' && v >= 0x21 && v <= 0x7e &&
				    !(s[j] == '2' && hexval((unsigned char)s[j + 1]) >= 10)) {
					s[o++] = (char)v;
					i = k;
					continue;
				}
			} else {
				while (j < n && s[j] == '0')
					j++;
				k = j;
				while (k < n && is_digit((unsigned char)s[k]))
					k++;
				v = num_base(s + j, k - j, 10);
				if (k - j >= 2 && k - j <= 3 && k < n && s[k] == ';' && v >= 33 &&
				    v <= 126) {
					s[o++] = (char)v;
					i = k;
					continue;
				}
			}
		}
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

static int has_pct20(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i++) {
		if (s[i] == '%' && s[i + 1] == '2' && s[i + 2] == '0')
			return 1;
	}
	return 0;
}

/* Variants of a mail-like URI (subject/obfuscation stripped). */
static void canon_mail(struct arena *a, const char *s, size_t n, struct cvec *out)
{
	const char *at = memchr(s, '@', n), *q, *lt, *gt;
	size_t i;

	if (at != NULL && at > s) {
		q = memchr(at + 1, '?', n - (size_t)(at + 1 - s));
		if (q != NULL && q > at + 1)
			cv_add(out, arena_strndup(a, s, (size_t)(q - s)));
		for (q = at + 1; q < s + n && *q != '?' && *q != '&'; q++)
			;
		if (q < s + n && *q == '&' && q > at + 1)
			cv_add(out, arena_strndup(a, s, (size_t)(q - s)));
	}
	if (has_pct20(s, n)) {
		const char *p = s, *e;
		if (n >= 7 && memcmp(p, "mailto:", 7) == 0)
			p += 7;
		while (s + n - p >= 3 && memcmp(p, "%20", 3) == 0)
			p += 3;
		e = p;
		while (e < s + n && *e != '@')
			e++;
		if (e > p && e < s + n) {
			const char *d = e + 1;
			while (d < s + n && *d != '?' && *d != '&' && *d != '%')
				d++;
			if (d > e + 1)
				cv_add(out, cat3(a, "mailto:", 7, p, (size_t)(d - p), "", 0));
		}
	}
	/* mailto:"Foo Bar" <foo@example.com>: the last '<' before ? or & */
	for (i = 0; i < n && s[i] != '?' && s[i] != '&'; i++)
		;
	for (lt = s + i; lt > s;) {
		lt--;
		if (*lt != '<')
			continue;
		for (q = lt + 1; q < s + n && *q != '@' && *q != '>'; q++)
			;
		if (q == lt + 1 || q >= s + n || *q != '@')
			continue;
		gt = memchr(q + 1, '>', (size_t)(s + n - q - 1));
		if (gt == NULL || gt == q + 1)
			continue;
		cv_add(out, cat3(a, "mailto:", 7, lt + 1, (size_t)(gt - lt - 1), "", 0));
		break;
	}
}

/* The host/rest variants of an http(s) URI (SA's second half). */
static void canon_http(struct arena *a, const char *nuri, struct cvec *work,
		       struct cvec *out)
{
	size_t plen = prefix_ci(nuri, strlen(nuri), "https://") ? 8 : 7;
	const char *proto = nuri, *p = nuri + plen, *auth_end, *hs, *he, *rest, *r;
	char *host, *nhost, *tmp;
	size_t hn, i, o, restn;
	int http_lc = strncmp(proto, "http://", 7) == 0, has_auth = 0;
	char port[8] = "";
	int port_given = 0;

	for (auth_end = p; *auth_end && *auth_end != '@' && *auth_end != '/' &&
			   *auth_end != '?' && *auth_end != '#';
	     auth_end++)
		;
	hs = p;
	if (*auth_end == '@') {
		hs = auth_end + 1;
		has_auth = 1;
	}
	for (he = hs; *he && *he != '/' && *he != '?' && *he != '#' && *he != ':'; he++)
		;
	if (he == hs)
		return;
	rest = he;
	restn = strlen(rest);
	hn = (size_t)(he - hs);
	host = arena_strndup(a, hs, hn);
	if (*rest == ':') {
		for (i = 1; is_digit((unsigned char)rest[i]); i++)
			;
		if (i > 1) {
			port_given = 1;
			snprintf(port, sizeof(port), "%.*s", (int)(i - 1 < 7 ? i - 1 : 7), rest + 1);
		}
	}
	if (port_given) {
		/* default ports stripped */
		const char *dp = http_lc ? ":80" : ":443";
		size_t dn = strlen(dp);
		if (strncmp(rest, dp, dn) == 0 &&
		    !(is_alnum((unsigned char)rest[dn]) || rest[dn] == '_'))
			cv_add(out, cat3(a, proto, plen, host, hn, rest + dn, restn - dn));
	} else {
		strcpy(port, http_lc ? "80" : "443");
	}
	nhost = lower_dup(a, host, hn);

	/* control characters and spaces in the host */
	tmp = arena_alloc(a, hn + 1);
	for (i = 0, o = 0; i < hn; i++) {
		if ((unsigned char)host[i] > 0x20)
			tmp[o++] = host[i];
	}
	tmp[o] = '\0';
	if (o != hn) {
		host = tmp;
		hn = o;
		cv_add(out, cat3(a, proto, plen, host, hn, rest, restn));
	}

	/* one level of redirector: http://x/?u=http://y (no strlen(r) per
	   byte: that made long tracking links quadratic) */
	for (r = rest; *r; r++) {
		size_t rn = restn - (size_t)(r - rest);
		if (prefix_ci(r, rn, "http:") || prefix_ci(r, rn, "https:")) {
			const char *e = r + (lower((unsigned char)r[4]) == 's' ? 6 : 5);
			for (i = 0; i < 2 && *e == '/'; i++)
				e++;
			while (*e && *e != '&' && *e != '#')
				e++;
			if (e > r && memchr(r, '.', (size_t)(e - r)) != NULL) {
				const char *t = arena_strndup(a, r, (size_t)(e - r));
				if (work->n < CANON_WORK_MAX)
					cv_add(work, t);
			}
			/* "[^&#]+" after the scheme needs one character */
			break;
		}
	}

	/* user@ left in the host */
	{
		char *at = memchr(host, '@', hn);
		if (at != NULL && at > host) {
			hn -= (size_t)(at + 1 - host);
			host = at + 1;
			cv_add(out, cat3(a, proto, plen, host, hn, rest, restn));
		}
	}
	/* trailing punctuation in the host */
	o = hn;
	while (o > 0 && !is_alnum((unsigned char)host[o - 1]))
		o--;
	if (o != hn) {
		hn = o;
		host = arena_strndup(a, host, hn);
		cv_add(out, cat3(a, proto, plen, host, hn, rest, restn));
	}
	host = arena_strndup(a, host, hn);

	if (four_numeric(host)) {
		char buf[160];
		const char *c = host;
		size_t bo = 0;
		while (*c && bo < sizeof(buf) - 40) {
			const char *d = strchr(c, '.');
			size_t cn = d ? (size_t)(d - c) + 1 : strlen(c);
			bo += ip_chunk(c, cn, buf + bo);
			c += cn;
		}
		cv_add(out, cat3(a, proto, plen, buf, bo, rest, restn));
	} else if (hn > 2 && host[0] == '0' && lower((unsigned char)host[1]) == 'x' &&
		   strspn(host + 2, "0123456789abcdefABCDEF") == hn - 2) {
		size_t digits = hn - 2, from = digits > 8 ? digits - 8 : 0;
		const char *ip = ulong_to_ip(a, num_base(host + 2 + from, digits - from, 16));
		cv_add(out, cat3(a, proto, plen, ip, strlen(ip), rest, restn));
	} else if (hn > 0 && strspn(host, "0123456789") == hn) {
		const char *ip = ulong_to_ip(a, num_base(host, hn, 10));
		cv_add(out, cat3(a, proto, plen, ip, strlen(ip), rest, restn));
	} else if (strncmp(proto, "http://", 7) == 0 && !has_auth &&
		   strcmp(nhost, "localhost") != 0 && strcmp(port, "80") == 0) {
		/* http://foo -> http://www.foo.com, as Firefox does */
		const char *label = nhost;
		if (strncmp(label, "www.", 4) == 0)
			label += 4;
		if (*label != '\0' && strchr(label, '.') == NULL && !host_valid(nhost)) {
			char *w = cat3(a, "http://www.", 11, label, strlen(label), ".com", 4);
			cv_add(out, cat3(a, w, strlen(w), rest, restn, "", 0));
		}
	}
}

/* All cleaned forms of one URI; out->v[0] is the URI itself. */
static void canonicalize(struct arena *a, const char *raw, struct cvec *out)
{
	struct cvec work;
	size_t w;

	out->n = 0;
	work.n = 0;
	cv_add(&work, raw);
	cv_add(out, raw);
	for (w = 0; w < work.n; w++) {
		const char *u = work.v[w];
		size_t n = work.len[w], i, o;
		char *s, *nuri;

		cv_add(out, u);
		s = arena_alloc(a, n + 1);
		for (i = 0, o = 0; i < n; i++) {
			if (u[i] != '\n' && u[i] != '\r')
				s[o++] = u[i];
		}
		s[o] = '\0';
		n = o;
		while (n > 0 && is_space((unsigned char)s[n - 1]))
			s[--n] = '\0';
		while (n > 0 && is_space((unsigned char)*s)) {
			s++;
			n--;
		}
		if (n <= 1 || s[0] == '#' || s[0] == '?' || s[0] == '&' ||
		    (s[0] == '/' && s[1] != '/'))
			continue;
		{
			const char *at = memchr(s, '@', n), *colon = memchr(s, ':', n);
			if (prefix_ci(s, n, "mailto:") || (at != NULL && (colon == NULL || colon > at))) {
				canon_mail(a, s, n, out);
				continue;
			}
		}
		nuri = arena_alloc(a, n + 16);
		for (i = 0; i < n; i++)
			nuri[i] = s[i] == '\\' ? '/' : s[i];
		nuri[n] = '\0';
		if (prefix_ci(nuri, n, "http:") || prefix_ci(nuri, n, "https:")) {
			size_t sl = lower((unsigned char)nuri[4]) == 's' ? 6 : 5, k = sl;
			while (k < n && k < sl + 2 && nuri[k] == '/')
				k++;
			nuri = cat3(a, nuri, sl, "//", 2, nuri + k, n - k);
			n = strlen(nuri);
		}
		if (strchr(nuri, '%') != NULL) {
			/* "%25" first, then everything */
			char *d = arena_strdup(a, nuri), *p2 = d;
			size_t dn = 0;
			for (i = 0; nuri[i]; i++) {
				if (nuri[i] == '%' && nuri[i + 1] == '2' && nuri[i + 2] == '5') {
					d[dn++] = '%';
					i += 2;
				} else {
					d[dn++] = nuri[i];
				}
			}
			d[dn] = '\0';
			n = pct_decode(p2, dn);
			nuri = p2;
		}
		for (i = 0; i < n && (is_alnum((unsigned char)nuri[i]) || nuri[i] == '-' ||
				      nuri[i] == '_');
		     i++)
			;
		if (!(i > 0 && i < n && nuri[i] == ':')) {
			if (strncmp(nuri, "ftp.", 4) == 0)
				nuri = cat3(a, "ftp://", 6, nuri, n, "", 0);
			else
				nuri = cat3(a, "http://", 7, nuri, n, "", 0);
			n = strlen(nuri);
		}
		if (prefix_ci(nuri, n, "http://") || prefix_ci(nuri, n, "https://")) {
			size_t k = prefix_ci(nuri, n, "https://") ? 8 : 7, j = k;
			while (j < n && nuri[j] != '/' && nuri[j] != '?' && nuri[j] != '#')
				j++;
			if (j > k && j < n && (nuri[j] == '?' || nuri[j] == '#')) {
				nuri = cat3(a, nuri, j, "/", 1, nuri + j, n - j);
				n++;
			}
		}
		n = decode_ncr(nuri, n);
		if (strcmp(nuri, u) != 0)
			cv_add(out, nuri);
		if (prefix_ci(nuri, n, "http://") || prefix_ci(nuri, n, "https://"))
			canon_http(a, nuri, &work, out);
	}
}

/* ---- URIs in text (SA's _tbirdurire) ------------------------------ */

/* Byte classes of the text URI scanner, one table lookup each (strchr
   on the sets was a tenth of a scan): ends a URI, ends an address (the
   same plus ",('" and every byte >= 0x80, which covers a no-break
   space), may precede a URI, may precede a URI without a scheme. NUL
   ends and precedes, as it did when these were strchr() sets. */
enum { UC_END = 1, UC_MAIL_END = 2, UC_START = 4, UC_BARE = 8 };
#define UC_ALL (UC_END | UC_MAIL_END | UC_START | UC_BARE)
static const unsigned char uri_class[256] = {
	[0] = UC_END | UC_MAIL_END | UC_START,
	[' '] = UC_ALL, ['\t'] = UC_ALL, ['\n'] = UC_ALL, ['\r'] = UC_ALL, ['\f'] = UC_ALL,
	['\v'] = UC_ALL, ['>'] = UC_ALL, ['<'] = UC_ALL, ['"'] = UC_ALL, ['`'] = UC_ALL,
	['{'] = UC_ALL, ['['] = UC_ALL, ['|'] = UC_ALL, [0x1b] = UC_ALL,
	['}'] = UC_END | UC_MAIL_END | UC_BARE, [']'] = UC_END | UC_MAIL_END | UC_BARE,
	['\''] = UC_MAIL_END | UC_START | UC_BARE, [','] = UC_MAIL_END | UC_START | UC_BARE,
	['('] = UC_MAIL_END | UC_START | UC_BARE,
	['!'] = UC_BARE, ['#'] = UC_BARE, ['$'] = UC_BARE, ['&'] = UC_BARE, [')'] = UC_BARE,
	['*'] = UC_BARE, ['+'] = UC_BARE, ['/'] = UC_BARE, [':'] = UC_BARE, [';'] = UC_BARE,
	['='] = UC_BARE, ['?'] = UC_BARE, ['@'] = UC_BARE, ['\\'] = UC_BARE, ['^'] = UC_BARE,
	['~'] = UC_BARE, [0x80 ... 0xff] = UC_MAIL_END,
};

/* Word bytes (letters, digits, '_', any byte >= 0x80), host bytes
   (letters, digits, '.', '_', '-') and inner bytes, after which no URI
   starts (the word bytes but 0xa0, the tail of a no-break space), one
   lookup each. */
enum { UW_WORD = 1, UW_HOST = 2, UW_INNER = 4 };
#define UW_ALNUM (UW_WORD | UW_HOST | UW_INNER)
static const unsigned char uri_word[256] = {
	['0' ... '9'] = UW_ALNUM, ['A' ... 'Z'] = UW_ALNUM, ['a' ... 'z'] = UW_ALNUM,
	['_'] = UW_ALNUM, ['.'] = UW_HOST, ['-'] = UW_HOST,
	[0x80 ... 0x9f] = UW_WORD | UW_INNER, [0xa0] = UW_WORD,
	[0xa1 ... 0xff] = UW_WORD | UW_INNER,
};

static size_t nbsp_at(const char *s, size_t i, size_t n)
{
	return i + 1 < n && (unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] == 0xa0;
}

static int end_delim(const char *s, size_t i, size_t n)
{
	unsigned char c = (unsigned char)s[i];

	return (uri_class[c] & UC_END) || nbsp_at(s, i, n);
}

static int end_delim_email(const char *s, size_t i)
{
	return (uri_class[(unsigned char)s[i]] & UC_MAIL_END) != 0;
}

static int is_wordc(unsigned char c)
{
	return uri_word[c] & UW_WORD;
}

static int start_ok(const char *s, size_t i, size_t n)
{
	unsigned char p;

	if (i == 0)
		return 1;
	p = (unsigned char)s[i - 1];
	if (uri_word[p] & UW_INNER)
		return 0; /* inside a word: the common case */
	if (i >= 2 && nbsp_at(s, i - 2, n))
		return 1;
	if (uri_class[p] & UC_START)
		return 1;
	return !is_wordc(p) && is_wordc((unsigned char)s[i]);
}

static int schemeless_start_ok(const char *s, size_t i, size_t n)
{
	unsigned char p;

	if (i == 0)
		return 1;
	p = (unsigned char)s[i - 1];
	if (i >= 2 && nbsp_at(s, i - 2, n))
		return 1;
	return (uri_class[p] & UC_BARE) != 0;
}

/* Run of non-delimiters from i, at most max; returns its end. */
static size_t run_to_delim(const char *s, size_t i, size_t n, size_t max)
{
	size_t j = i;

	while (j < n && j - i < max && !end_delim(s, j, n))
		j++;
	return j;
}

static size_t match_known(const char *s, size_t i, size_t n)
{
	size_t j = i, e;
	unsigned char c0 = lower((unsigned char)s[i]);

	if (c0 != 'h' && c0 != 'f' && c0 != 'w')
		return 0;
	if (prefix_ci(s + i, n - i, "http://"))
		j = i + 7;
	else if (prefix_ci(s + i, n - i, "https://"))
		j = i + 8;
	else if (prefix_ci(s + i, n - i, "ftp://"))
		j = i + 6;
	else if (prefix_ci(s + i, n - i, "www")) {
		j = i + 3;
		while (j < n && j < i + 5 && is_digit((unsigned char)s[j]))
			j++;
		if (j >= n || s[j] != '.')
			return 0;
		j++;
	} else if (prefix_ci(s + i, n - i, "ftp.")) {
		j = i + 4;
	} else {
		return 0;
	}
	e = run_to_delim(s, j, n, TEXT_URI_MAX);
	return e > j ? e : 0;
}

static size_t match_mail(const char *s, size_t i, size_t n)
{
	size_t j, e;

	if (prefix_ci(s + i, n - i, "mailto:")) {
		j = i + 7;
		for (e = j; e < n && e - j < TEXT_URI_MAX && !end_delim_email(s, e); e++)
			;
		return e > j ? e : 0;
	}
	for (j = i; j < n && j - i <= 251 && s[j] != '@' && !end_delim_email(s, j); j++)
		;
	if (j == i || j >= n || s[j] != '@' || j - i > 251)
		return 0;
	j++;
	for (e = j; e < n && e - j < 251 && !end_delim_email(s, e); e++)
		;
	return e > j ? e : 0;
}

static int host_char(unsigned char c)
{
	return uri_word[c] & UW_HOST;
}

static size_t match_schemeless(const char *s, size_t i, size_t n)
{
	size_t e = i, he, d = i, p;

	if (!is_alnum((unsigned char)s[i]))
		return 0;
	/* d: just after the last dot seen (i if none) */
	while (e < n && e - i < 252 && host_char((unsigned char)s[e])) {
		if (s[e] == '.')
			d = e + 1;
		e++;
	}
	he = e;
	if (he > i && s[he - 1] == '.') {
		he--;
		/* the dot that ended the run does not count: the one before it */
		for (d = he; d > i && s[d - 1] != '.'; d--)
			;
	}
	if (d <= i + 1 || !tld_valid(s + d, he - d))
		return 0;
	p = e;
	if (p < n && s[p] == ':') {
		size_t q = p + 1;
		while (q < n && q - p <= 5 && is_digit((unsigned char)s[q]))
			q++;
		if (q > p + 1 && q - p <= 6)
			p = q;
	}
	if (p + 1 < n && s[p] == '/' && !end_delim(s, p + 1, n))
		p = run_to_delim(s, p + 1, n, TEXT_URI_MAX);
	if (p < n && !end_delim(s, p, n))
		return 0;
	return p;
}

/* ---- uri_collect -------------------------------------------------- */

/* A set of (string, tag) pairs, open addressing, doubled once half
   full. The hash kept in each slot spares most probes and every
   regrowth a look at the strings. */
struct set_slot {
	const char *s; /* NULL: empty */
	unsigned int hash, tag;
};

struct str_set {
	struct set_slot *slot;
	size_t cap, count;
};

struct collector {
	struct msg *m;
	struct arena_vec uris;
	struct str_set seen; /* (uri, source) of every entry */
	struct str_set raws; /* (raw, source and need_domain) collected */
	size_t max;
	int full;
};

/* Eight bytes a multiply: URIs run to hundreds of bytes, and hashing
   them a byte at a time (FNV-1a) was a quarter of collecting them. */
static unsigned int str_hash(const char *s, size_t n, unsigned int tag)
{
	uint64_t hv = n ^ ((uint64_t)tag << 32), w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		hv = (hv ^ w) * 0x9e3779b97f4a7c15u;
		hv ^= hv >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	hv = (hv ^ w) * 0x9e3779b97f4a7c15u;
	return (unsigned int)(hv ^ (hv >> 32));
}

static void set_init(struct arena *a, struct str_set *set)
{
	set->cap = 16; /* grows with the URIs found (set_grow) */
	set->count = 0;
	set->slot = arena_zalloc(a, set->cap * sizeof(*set->slot));
}

static void set_grow(struct arena *a, struct str_set *set)
{
	struct set_slot *old = set->slot;
	size_t ocap = set->cap, k, i;

	set->cap *= 2;
	set->slot = arena_zalloc(a, set->cap * sizeof(*set->slot));
	for (k = 0; k < ocap; k++) {
		if (old[k].s == NULL)
			continue;
		for (i = old[k].hash & (set->cap - 1); set->slot[i].s != NULL;
		     i = (i + 1) & (set->cap - 1))
			;
		set->slot[i] = old[k];
	}
}

/* The slot holding (s, tag), n being strlen(s); else the empty slot
   where set_claim() puts it. */
static struct set_slot *set_find(struct arena *a, struct str_set *set, const char *s,
				 size_t n, unsigned int tag)
{
	unsigned int hv = str_hash(s, n, tag);
	struct set_slot *slot;
	size_t i;

	if ((set->count + 1) * 2 > set->cap)
		set_grow(a, set);
	for (i = hv & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		slot = &set->slot[i];
		if (slot->s == NULL)
			break;
		if (slot->hash == hv && slot->tag == tag && strcmp(slot->s, s) == 0)
			return slot;
	}
	slot->hash = hv;
	slot->tag = tag;
	return slot;
}

static void set_claim(struct str_set *set, struct set_slot *slot, const char *s)
{
	slot->s = s;
	set->count++;
}

/* Adds one entry (n: strlen(uri)) unless (uri, source) is already
   there. Returns it with scheme and host left to the caller, or NULL. */
static struct msg_uri *collect_one(struct collector *c, const char *uri, size_t n,
				   enum msg_uri_source src, const struct msg_part *part)
{
	struct set_slot *slot = set_find(c->m->arena, &c->seen, uri, n, src);
	struct msg_uri *mu;

	if (slot->s != NULL)
		return NULL;
	if (c->uris.count >= c->max) {
		c->full = 1;
		c->m->flags |= MSG_F_URI_LIMIT;
		return NULL;
	}
	set_claim(&c->seen, slot, uri);
	mu = ARENA_VEC_PUSH(c->m->arena, &c->uris, struct msg_uri);
	mu->uri = uri;
	mu->source = src;
	mu->part = part;
	return mu;
}

/* Collects the variants of raw. Text URIs (need_domain) count only when
   a variant has a host with a known TLD; their parses are kept for the
   entries rather than done twice. */
static void collect_canon(struct collector *c, const char *raw, const char *anchor,
			  enum msg_uri_source src, const struct msg_part *part,
			  int need_domain)
{
	struct set_slot *slot;
	struct cvec cv;
	struct uri_parts up[CANON_MAX];
	int rc[CANON_MAX];
	size_t i, parsed = 0;

	/* A repeat (a quarter of them) would change nothing: its variants
	   are all in already, or were turned away the first time. */
	slot = set_find(c->m->arena, &c->raws, raw, strlen(raw),
			(unsigned int)src | (unsigned int)need_domain << 8);
	if (slot->s != NULL)
		return;
	set_claim(&c->raws, slot, raw);
	canonicalize(c->m->arena, raw, &cv);
	if (need_domain) {
		for (i = 0; i < cv.n; i++) {
			rc[i] = uri_parse(c->m->arena, cv.v[i], cv.len[i], &up[i]);
			if (rc[i] == 0 && host_valid(up[i].host))
				break;
		}
		if (i == cv.n)
			return;
		parsed = i + 1;
	}
	for (i = 0; i < cv.n && !c->full; i++) {
		struct msg_uri *mu = collect_one(c, cv.v[i], cv.len[i], src, part);
		if (mu == NULL)
			continue;
		if (i >= parsed)
			rc[i] = uri_parse(c->m->arena, cv.v[i], cv.len[i], &up[i]);
		mu->anchor_text = i == 0 ? anchor : NULL;
		mu->scheme = rc[i] == 0 ? up[i].scheme : "";
		mu->host = rc[i] == 0 ? up[i].host : NULL;
	}
}

/* SA's clean-up of one text match, then the scheme it gets. */
static void text_uri(struct collector *c, const char *s, size_t n, int is_mail,
		     const struct msg_part *part)
{
	struct arena *a = c->m->arena;
	char *raw, *uri;
	const char *paren, *cl, *at;
	size_t i;

	cl = memchr(s, ')', n);
	if (cl != NULL) {
		paren = memchr(s, '(', (size_t)(cl - s));
		if (paren == NULL)
			n = (size_t)(cl - s);
	}
	while (n > 0 && strchr("-~!@#^&*()_+=:;'?,.", s[n - 1]) != NULL && s[n - 1] != '\0')
		n--;
	if (n == 0)
		return;
	raw = arena_strndup(a, s, n);
	if (is_mail && strchr(raw, '@') == NULL)
		return;
	if (prefix_ci(raw, n, "cid:") || prefix_ci(raw, n, "mid:"))
		return;
	for (i = 0; i < n && is_wordc((unsigned char)raw[i]) && raw[i] < 0x7f; i++)
		;
	if (i > 0 && i < n && raw[i] == ':') {
		size_t k = i + 1;
		while (k < n && k < i + 3 && raw[k] == '/')
			k++;
		if (k == n)
			return;
	}
	uri = raw;
	if (!prefix_ci(raw, n, "http:") && !prefix_ci(raw, n, "https:") &&
	    !prefix_ci(raw, n, "ftp:") && !prefix_ci(raw, n, "mailto:")) {
		const char *slash = strchr(raw, '/');
		if (prefix_ci(raw, n, "ftp.")) {
			uri = cat3(a, "ftp://", 6, raw, n, "", 0);
		} else if (prefix_ci(raw, n, "www") &&
			   (i = 3, strspn(raw + 3, "0123456789") <= 2) &&
			   raw[3 + strspn(raw + 3, "0123456789")] == '.') {
			uri = cat3(a, "http://", 7, raw, n, "", 0);
		} else if (slash != NULL && slash[1] != '\0' && strchr(slash + 2, '@') != NULL) {
			uri = cat3(a, "http://", 7, raw, n, "", 0);
		} else if ((at = strchr(raw, '@')) != NULL) {
			const char *p = raw;
			if (at[1] == '\0' || strchr(at + 2, '.') == NULL)
				return;
			if (strstr(raw, "&nbsp;") != NULL)
				return;
			if (prefix_ci(p, strlen(p), "skype"))
				p += 5;
			else if (prefix_ci(p, strlen(p), "e-mail"))
				p += 6;
			else if (prefix_ci(p, strlen(p), "email"))
				p += 5;
			else if (prefix_ci(p, strlen(p), "-mail"))
				p += 5;
			else if (prefix_ci(p, strlen(p), "mail"))
				p += 4;
			if (*p == ':') {
				while (*p == ':')
					p++;
			} else {
				p = raw;
				while (*p == ':')
					p++;
			}
			uri = cat3(a, "mailto:", 7, p, strlen(p), "", 0);
		} else {
			if (strchr(raw, '.') == NULL)
				return;
			uri = cat3(a, "http://", 7, raw, n, "", 0);
		}
	}
	if (prefix_ci(uri, strlen(uri), "mailto:")) {
		char *d = arena_strdup(a, uri);
		const char *h;
		size_t hn;
		pct_decode(d, strlen(d));
		if (strchr(uri, '%') != NULL)
			uri = d;
		at = strchr(uri, '@');
		if (at == NULL)
			return;
		h = at + 1;
		hn = strcspn(h, "?&>");
		while (hn >= 3 && memcmp(h + hn - 3, "%20", 3) == 0)
			hn -= 3;
		{
			char *host = arena_strndup(a, h, hn);
			if (!host_valid(host))
				return;
		}
	}
	collect_canon(c, uri, NULL, MSG_URI_TEXT, part, 1);
}

/* Cursors of one scan_text() pass: for each kind of byte, where the
   next one lies. Starts only move forward, so an answer holds until a
   start passes it, and each byte is looked at about once per kind
   rather than once per start. 0 means not looked for yet; a cursor at
   the start itself is looked for again, which costs a byte. */
struct scan_cur {
	size_t at, dot, colon; /* next '@', '.', ':' */
	size_t mail_end;       /* next byte that ends an address */
	size_t inner_end;      /* next byte after which a URI may start */
};

static size_t next_byte(const char *s, size_t i, size_t n, char ch, size_t *cur)
{
	if (*cur <= i) {
		const char *p = memchr(s + i, ch, n - i);
		*cur = p != NULL ? (size_t)(p - s) : n;
	}
	return *cur;
}

static size_t next_mail_end(const char *s, size_t i, size_t n, struct scan_cur *cur)
{
	size_t j = cur->mail_end;

	if (j <= i) {
		for (j = i; j < n && !end_delim_email(s, j); j++)
			;
		cur->mail_end = j;
	}
	return j;
}

static size_t next_inner_end(const char *s, size_t i, size_t n, struct scan_cur *cur)
{
	size_t j = cur->inner_end;

	if (j <= i) {
		for (j = i; j < n && (uri_word[(unsigned char)s[j]] & UW_INNER); j++)
			;
		cur->inner_end = j;
	}
	return j;
}

/* Whether match_mail() could succeed at i: "mailto:", or an '@' within
   251 bytes with nothing that ends an address before it. */
static int mail_possible(const char *s, size_t i, size_t n, struct scan_cur *cur)
{
	size_t at = next_byte(s, i, n, '@', &cur->at);

	if (prefix_ci(s + i, n - i, "mailto:"))
		return 1;
	return at < n && at - i <= 251 && next_mail_end(s, i, n, cur) > at;
}

/* Whether match_schemeless() could succeed at i. Its host run must hold
   a dot that is not the run's last byte. Up to the inner end w the
   bytes are letters, digits and '_' (host bytes, no dot) or bytes >=
   0x80 (which end the run dotless), so the run can only go on through
   a '-' at w, or a '.' at w with a host byte after it. */
static int host_possible(const char *s, size_t i, size_t n, struct scan_cur *cur)
{
	size_t w = next_inner_end(s, i, n, cur);

	if (w >= n)
		return 0;
	if (s[w] == '-')
		return 1;
	return s[w] == '.' && w + 1 < n && host_char((unsigned char)s[w + 1]);
}

/* The end of the URI starting at i (0 if none); *is_mail_r tells an
   address match. The first byte of any match is one that does not end
   an address, which rules out most starts (spaces, punctuation runs)
   at once. */
static size_t match_at(const char *s, size_t i, size_t n, struct scan_cur *cur,
		       int *is_mail_r)
{
	size_t e;

	*is_mail_r = 0;
	if (end_delim_email(s, i))
		return 0;
	if ((e = match_known(s, i, n)) > 0)
		return e;
	if (mail_possible(s, i, n, cur) && (e = match_mail(s, i, n)) > 0) {
		*is_mail_r = 1;
		return e;
	}
	if (schemeless_start_ok(s, i, n) && host_possible(s, i, n, cur))
		return match_schemeless(s, i, n);
	return 0;
}

/* Every match holds a '.', ':' or '@' ("www1.", "http:", "mailto:",
   "a@", "a.com") with no byte that ends an address before it, as none
   of those bytes is one, and with something other than a URI end right
   after it ("www.x", "http:/", "mailto:a", "a@b", "a.com"). So a start
   can only match in the stretch of non-address-end bytes leading up to
   such a byte q that a URI end does not follow ("end. " or "Note: " in
   prose rule out their words): returns the first start worth trying at
   or after i, or n if nothing further can match, and q + 1 in *live_r. */
static size_t next_live(const char *s, size_t i, size_t n, struct scan_cur *cur,
			size_t *live_r)
{
	size_t q, k;

	for (;;) {
		q = next_byte(s, i, n, '.', &cur->dot);
		k = next_byte(s, i, n, ':', &cur->colon);
		q = k < q ? k : q;
		k = next_byte(s, i, n, '@', &cur->at);
		q = k < q ? k : q;
		if (q >= n)
			return n;
		if (q + 1 < n && !(uri_class[(unsigned char)s[q + 1]] & UC_END))
			break;
		i = q + 1;
	}
	for (k = q; k > i && !end_delim_email(s, k - 1); k--)
		;
	*live_r = q + 1;
	return k;
}

static void scan_text(struct collector *c, const char *s, size_t n,
		      const struct msg_part *part)
{
	struct scan_cur cur = { 0, 0, 0, 0, 0 };
	size_t i = 0, e, live = 0;
	int is_mail;

	while (i < n && !c->full) {
		if (i >= live) {
			/* past the last '.', ':' or '@' looked at: find the next */
			i = next_live(s, i, n, &cur, &live);
			if (i == n)
				break;
		}
		if (start_ok(s, i, n) && (e = match_at(s, i, n, &cur, &is_mail)) > 0) {
			text_uri(c, s + i, e - i, is_mail, part);
			i = e;
			continue;
		}
		/* start_ok() fails after an inner byte: the next start can
		   only be just past the first byte that is not one */
		i = next_inner_end(s, i, n, &cur) + 1;
	}
}

void uri_collect(struct msg *m)
{
	struct collector c;
	size_t i, k;

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.max = m->limits && m->limits->max_uris ? m->limits->max_uris : WN_MSG_MAX_URIS;
	set_init(m->arena, &c.seen);
	set_init(m->arena, &c.raws);
	for (i = 0; i < m->nparts && !c.full; i++) {
		const struct msg_part *p = m->parts[i];
		const char *text = NULL;
		size_t tlen = 0;

		if (p == NULL || p->nchildren > 0)
			continue;
		if (p->html != NULL) {
			const struct html_link *links;
			size_t nl = html_links(p->html, &links);
			for (k = 0; k < nl && !c.full; k++)
				collect_canon(&c, links[k].uri, links[k].anchor_text,
					      links[k].source, p, 0);
			text = html_rendered_text(p->html, &tlen);
		} else if (p->visible != NULL) {
			text = p->visible;
			tlen = p->visible_len;
		}
		if (text != NULL)
			scan_text(&c, text, tlen, p);
	}
	m->uris = c.uris.v;
	m->nuris = c.uris.count;
}
