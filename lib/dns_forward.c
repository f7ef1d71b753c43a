/*
 * dns_forward.c - the dns_forward key's syntax: "ADDR[@PORT]" words.
 *
 * Apart from lib/dns.c so that the config layer (lib/cfg.c checks the
 * key at load) does not drag libunbound and its libraries into every
 * program: winnow-mda starts once per message, and resolving their
 * symbols at start-up was most of its CPU time.
 */
#include "lib/dns.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/limits.h"
#include "lib/wn.h"

/* One "ADDR[@PORT]" word of n bytes. */
static int dns_forward_word(const char *w, size_t n, char **err_r)
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	const char *at = memchr(w, '@', n);
	size_t alen = at != NULL ? (size_t)(at - w) : n;

	if (alen == 0 || alen >= sizeof(addr)) {
		*err_r = buf_strdup_printf("'%.*s' is not ADDR or ADDR@PORT", (int)n, w);
		return -1;
	}
	memcpy(addr, w, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1) {
		*err_r = buf_strdup_printf("'%s' is not an IPv4 or IPv6 address", addr);
		return -1;
	}
	if (at != NULL) {
		const char *p = at + 1, *end = w + n;
		unsigned long port = 0;

		if (p == end || end - p > 5) {
			*err_r = buf_strdup_printf("'%.*s': bad port", (int)n, w);
			return -1;
		}
		for (; p < end; p++) {
			if (*p < '0' || *p > '9') {
				*err_r = buf_strdup_printf("'%.*s': bad port", (int)n, w);
				return -1;
			}
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port == 0 || port > 65535) {
			*err_r = buf_strdup_printf("'%.*s': port out of range", (int)n, w);
			return -1;
		}
	}
	return 0;
}

/* Calls fn on each word of value (split as cfg splits lists). */
int dns_forward_each(const char *value, int (*fn)(void *, const char *, size_t),
			    void *ctx, char **err_r)
{
	const char *p = value != NULL ? value : "";
	size_t count = 0;

	for (;;) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			return 0;
		if (++count > WN_DNS_MAX_FORWARDERS) {
			*err_r = buf_strdup_printf("more than %d forwarders",
						   WN_DNS_MAX_FORWARDERS);
			return -1;
		}
		if (dns_forward_word(p, n, err_r) < 0)
			return -1;
		if (fn != NULL && fn(ctx, p, n) < 0) {
			*err_r = buf_strdup_printf("libunbound refused forwarder '%.*s'",
						   (int)n, p);
			return -1;
		}
		p += n;
	}
}

int dns_forward_check(const char *value, char **err_r)
{
	return dns_forward_each(value, NULL, NULL, err_r);
}
