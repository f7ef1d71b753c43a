/*
 * fuzz-dnsbl.c - libFuzzer target for what filterd/check_dnsbl.c
 * parses: the first byte picks. Even: the rest is a dnsbl_zones value,
 * turned into lists (every zone accepted must give a hit name of
 * RCVD_IN_ and upper case). Odd: the rest is URI hosts, one per line,
 * reduced to URI domains with a small public suffix list (each result
 * distinct, at most the cap, never a private address).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_dnsbl.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/psl.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char mini_list[] = "com\nuk\nco.uk\n*.ck\n!www.ck\n公司.cn\ncn\n";

static void fuzz_zones(struct arena *a, const char *s)
{
	struct cfg *c = cfg_new();
	struct dnsbl_list *lists;
	char *err = NULL;
	long n;

	if (cfg_set(c, "dnsbl_zones", s, "fuzz", &err) < 0) {
		free(err);
		cfg_free(&c);
		return;
	}
	n = dnsbl_lists_from_cfg(a, c, &lists, &err);
	if (n < 0)
		free(err);
	for (long i = 0; i < n; i++) {
		if (strncmp(lists[i].hit, "RCVD_IN_", 8) != 0)
			abort();
		for (const char *p = lists[i].hit; *p != '\0'; p++) {
			if (*p >= 'a' && *p <= 'z')
				abort();
		}
	}
	cfg_free(&c);
}

static void fuzz_hosts(struct arena *a, const struct psl *psl, char *s)
{
	const char *hosts[64], **doms;
	size_t nh = 0, n;
	char *p = s;
	int capped;

	while (nh < 64) {
		char *nl = strchr(p, '\n');
		hosts[nh++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	n = dnsbl_uri_domains(a, psl, hosts, nh, 5, &doms, &capped);
	if (n > 5 || (capped && n != 5))
		abort();
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++) {
			if (strcmp(doms[i], doms[k]) == 0)
				abort();
		}
		/* an address kept is public; "10.uk" is a name, not 10/8 */
		unsigned char b[4];
		if (inet_pton(AF_INET, doms[i], b) == 1 && (b[0] == 127 || b[0] == 10))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct psl *psl;
	struct arena *a;
	char *s, *err = NULL;

	if (size == 0)
		return 0;
	if (psl == NULL)
		psl = psl_parse(mini_list, sizeof(mini_list) - 1, "mini", &err);
	a = arena_new(4096);
	s = xstrndup((const char *)data + 1, size - 1);
	if (data[0] % 2 == 0)
		fuzz_zones(a, s);
	else
		fuzz_hosts(a, psl, s);
	free(s);
	arena_free(&a);
	return 0;
}
