/*
 * check_awl.c - the auto-whitelist check (see check_awl.h): the entry's
 * keys (sender address, IP block), the arithmetic, and the one call the
 * pipeline makes. Storage is db/'s (db_awl_*).
 *
 * Behaviour follows SpamAssassin's AWL plugin and AutoWelcomelist.pm:
 * mean-reversion by a factor, the entry updated with the score before
 * the adjustment, scores rounded to 3 decimals, IP blocks written as SA
 * writes them (so its keys and ours agree), an entry without an IP
 * (made by `winnow awl add`) taken over by the address's first message
 * with one. Differences: IPv4-mapped IPv6 counts as IPv4, and the
 * adjustment is rounded before deciding whether there is a hit (SA can
 * report an AWL hit of 0.000).
 *
 * Parsing: the IP and the address are untrusted text (from the MTA and
 * the message) of any length; both are read within len and never copied
 * past their fixed-size outputs. tests/fuzz/fuzz-awl.c feeds them.
 */
#include "filterd/check_awl.h"

#include <arpa/inet.h>
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longest IPv6 text worth trying: INET6_ADDRSTRLEN (46) with room. */
#define AWL_IP_TEXT_MAX 64

void chk_awl_params(const struct cfg *c, struct chk_awl_params *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = cfg_bool(c, "use_awl");
	p->factor = cfg_double(c, "awl_factor");
	p->ipv4_mask = cfg_uint(c, "awl_ipv4_mask_len");
	p->ipv6_mask = cfg_uint(c, "awl_ipv6_mask_len");
	p->expire_days = cfg_uint(c, "awl_expire_days");
	/* cfg.c checks the ranges at load; these only guard the arithmetic */
	if (!(p->factor >= 0 && p->factor <= 1))
		p->factor = 0.5;
	if (p->ipv4_mask > 32)
		p->ipv4_mask = 32;
	if (p->ipv6_mask > 128)
		p->ipv6_mask = 128;
}

void chk_awl_expire_params(const struct cfg *c, struct db_expire_params *p)
{
	p->awl_days = cfg_uint(c, "awl_expire_days");
}

double chk_awl_round(double v)
{
	v = round(v * 1000) / 1000;
	return v == 0 ? 0 : v; /* no -0.000 in reports */
}

double chk_awl_adjustment(uint64_t count, double total, double score, double factor)
{
	if (count == 0)
		return 0;
	return chk_awl_round((total / (double)count - score) * factor);
}

/* ---- keys ---- */

static int awl_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* s[0..len) without surrounding white space, then without one pair of
   open/close around it. */
static void awl_trim(const char **s, size_t *len, char open, char close)
{
	while (*len > 0 && awl_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && awl_space((*s)[*len - 1]))
		(*len)--;
	if (*len >= 2 && (*s)[0] == open && (*s)[*len - 1] == close) {
		(*s)++;
		*len -= 2;
	}
}

int chk_awl_addr_key(const char *addr, size_t len, char *out, size_t size)
{
	size_t i;

	assert(size >= CHK_AWL_ADDR_KEY_SIZE);
	awl_trim(&addr, &len, '<', '>');
	out[0] = '\0';
	if (len == 0 || len > DB_AWL_ADDR_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c < 0x20 || c == 0x7f)
			c = '_';
		out[i] = (char)c;
	}
	out[len] = '\0';
	return 0;
}

/* One to four decimal parts of 0-255, the missing ones 0. */
static int awl_parse_v4(const char *s, size_t len, unsigned char a[4])
{
	size_t i = 0;
	unsigned int part = 0, v, digits;

	memset(a, 0, 4);
	for (;;) {
		for (v = 0, digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			v = v * 10 + (unsigned int)(s[i] - '0');
			if (++digits > 3 || v > 255)
				return -1;
		}
		if (digits == 0)
			return -1;
		a[part++] = (unsigned char)v;
		if (i == len)
			return 0;
		if (s[i] != '.' || part == 4)
			return -1;
		i++;
	}
}

static void awl_mask(unsigned char *a, size_t bytes, unsigned int bits)
{
	size_t i;

	for (i = 0; i < bytes; i++) {
		unsigned int keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
		a[i] &= (unsigned char)(0xff00 >> keep);
	}
}

static void awl_key_v4(unsigned char a[4], unsigned int mask, char *out, size_t size)
{
	size_t n;
	int i;

	awl_mask(a, 4, mask);
	if (mask == 16) {
		snprintf(out, size, "%u.%u", a[0], a[1]);
		return;
	}
	snprintf(out, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	if (mask == 32)
		return;
	/* SA: the network address without up to three trailing ".0" */
	n = strlen(out);
	for (i = 0; i < 3 && memcmp(out + n - 2, ".0", 2) == 0; i++) {
		n -= 2;
		out[n] = '\0';
	}
}

static void awl_key_v6(unsigned char a[16], unsigned int mask, char *out, size_t size)
{
	size_t n = 0, end;
	int i;

	awl_mask(a, 16, mask);
	for (i = 0; i < 8; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%02x%02x", i ? ":" : "",
				      a[2 * i], a[2 * i + 1]);
	/* SA: a tail of ":0000" groups (at most 7) becomes "::" */
	for (end = n; end >= 9 && memcmp(out + end - 5, ":0000", 5) == 0; end -= 5)
		;
	if (end < n)
		memcpy(out + end, "::", 3);
}

static int awl_mapped_v4(const unsigned char a[16])
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

int chk_awl_ip_key(const char *ip, size_t len, unsigned int ipv4_mask,
		   unsigned int ipv6_mask, char *out, size_t size)
{
	char text[AWL_IP_TEXT_MAX];
	unsigned char a[16];

	assert(size >= CHK_AWL_IP_KEY_SIZE);
	awl_trim(&ip, &len, '[', ']');
	if (len >= 5 && strncasecmp(ip, "IPv6:", 5) == 0) {
		ip += 5;
		len -= 5;
	}
	if (awl_parse_v4(ip, len, a) == 0) {
		awl_key_v4(a, ipv4_mask, out, size);
		return 0;
	}
	if (len > 0 && len < sizeof(text) && memchr(ip, '\0', len) == NULL) {
		memcpy(text, ip, len);
		text[len] = '\0';
		if (inet_pton(AF_INET6, text, a) == 1) {
			if (awl_mapped_v4(a))
				awl_key_v4(a + 12, ipv4_mask, out, size);
			else
				awl_key_v6(a, ipv6_mask, out, size);
			return 0;
		}
	}
	snprintf(out, size, "%s", DB_AWL_NO_IP);
	return -1;
}

/* ---- the check ---- */

int chk_awl_check(struct db *db, const struct chk_awl_params *p, const char *sender,
		  const char *ip, double score, int record, time_t now,
		  struct chk_awl_result *result_r, const char **err_r)
{
	struct chk_awl_result *r = result_r;
	struct db_awl_entry e;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!p->enabled || sender == NULL || !isfinite(score) ||
	    chk_awl_addr_key(sender, strlen(sender), r->addr, sizeof(r->addr)) < 0)
		return 0;
	if (ip == NULL)
		snprintf(r->ip, sizeof(r->ip), "%s", DB_AWL_NO_IP);
	else
		(void)chk_awl_ip_key(ip, strlen(ip), p->ipv4_mask, p->ipv6_mask, r->ip,
				     sizeof(r->ip));
	score = chk_awl_round(score);
	if (record)
		ret = db_awl_add(db, r->addr, r->ip, score, now, &e, err_r);
	else
		ret = db_awl_get(db, r->addr, r->ip, &e, err_r);
	if (ret < 0)
		return -1;
	r->active = 1;
	r->recorded = record;
	r->count = e.count;
	r->mean = e.count > 0 ? e.total / (double)e.count : 0;
	r->adjust = chk_awl_adjustment(e.count, e.total, score, p->factor);
	return 0;
}
