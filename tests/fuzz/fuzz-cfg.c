/*
 * fuzz-cfg.c - libFuzzer target for winnow.conf parsing (and -o KEY=VALUE).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *c = cfg_new();
	char *err = NULL, *opt;

	if (cfg_load_buffer(c, "fuzz.conf", (const char *)data, size, &err) < 0)
		free(err);
	err = NULL;
	opt = xstrndup((const char *)data, size);
	if (cfg_set_option(c, opt, &err) < 0)
		free(err);
	free(opt);
	cfg_free(&c);
	return 0;
}
