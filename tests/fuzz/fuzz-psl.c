/*
 * fuzz-psl.c - libFuzzer target for lib/psl.c: the first byte picks
 * what the rest is. Even: a list to parse, then a few names looked up
 * in it; odd: a host name looked up in a fixed list with wildcards,
 * exceptions and both sections, in every flag combination. Checks that
 * a registrable domain always ends with the suffix and is one label
 * longer, and that A-label results are ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/psl.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_list[] =
	"// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n*.mm\n*.ck\n!www.ck\n"
	"公司.cn\ncn\njp\n*.kobe.jp\n!city.kobe.jp\n// ===END ICANN DOMAINS===\n"
	"// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n*.compute.amazonaws.com\n"
	"// ===END PRIVATE DOMAINS===\n";

static void check_host(const struct psl *p, struct arena *a, const char *host)
{
	unsigned int flags;

	for (flags = 0; flags < 4; flags++) {
		const char *r = psl_registrable(p, a, host, flags);
		const char *s = psl_suffix(p, a, host, flags);
		size_t rl, sl, i;
		if (r == NULL)
			continue;
		if (s == NULL)
			abort(); /* a registrable domain has a suffix */
		rl = strlen(r);
		sl = strlen(s);
		if (sl + 2 > rl || strcmp(r + rl - sl, s) != 0 || r[rl - sl - 1] != '.' ||
		    memchr(r, '.', rl - sl - 1) != NULL)
			abort();
		for (i = 0; (flags & PSL_ASCII) && i < rl; i++) {
			if ((unsigned char)r[i] >= 0x80 || (r[i] >= 'A' && r[i] <= 'Z'))
				abort();
		}
	}
	(void)psl_to_ascii(a, host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct psl *fixed;
	struct arena *a;
	char *err = NULL, *s;
	struct psl *p;

	if (size == 0)
		return 0;
	if (fixed == NULL)
		fixed = psl_parse(fixed_list, sizeof(fixed_list) - 1, "fixed", &err);
	a = arena_new(4096);
	s = xstrndup((const char *)data + 1, size - 1);
	if (data[0] % 2 == 0) {
		p = psl_parse((const char *)data + 1, size - 1, "fuzz", &err);
		if (p == NULL) {
			free(err);
		} else {
			check_host(p, a, "a.b.c.example.co.uk");
			check_host(p, a, "www.xn--85x722f.xn--55qx5d.cn");
			check_host(p, a, "x.y");
			psl_free(&p);
		}
	} else {
		check_host(fixed, a, s);
	}
	free(s);
	arena_free(&a);
	return 0;
}
