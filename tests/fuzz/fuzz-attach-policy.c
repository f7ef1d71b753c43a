/*
 * fuzz-attach-policy.c - libFuzzer target for the attachment policy
 * file parser, attach_conf_parse_policy() (filterd/check_attach.c).
 * Promises checked: it returns 0 or -1; an error names "fuzz:LINE: "
 * with a line that exists; a file it accepts gives a usable policy
 * (judging a file for recipients of the domains it may name works).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_attach.h"
#include "lib/arena.h"
#include "lib/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fresh policy per input (parsing adds to it), from one config. */
static struct attach_conf *fuzz_policy_conf(void)
{
	static struct cfg *c;
	char *err = NULL;
	struct attach_conf *conf;

	if (c == NULL)
		c = cfg_new();
	if ((conf = attach_conf_new(c, &err)) == NULL)
		abort();
	return conf;
}

static void fuzz_policy_error(const char *err, const uint8_t *data, size_t size)
{
	unsigned long line;
	char *end;
	size_t i, lines = 1;

	if (strncmp(err, "fuzz:", 5) != 0)
		abort();
	line = strtoul(err + 5, &end, 10);
	if (end == err + 5 || strncmp(end, ": ", 2) != 0 || end[2] == '\0')
		abort();
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (line < 1 || line > lines)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpts[] = { "a@example.com", "b@sub.example.org", "c@x" };
	struct attach_conf *conf = fuzz_policy_conf();
	char *err = NULL;

	if (attach_conf_parse_policy(conf, "fuzz", (const char *)data, size, &err) < 0) {
		if (err == NULL)
			abort();
		fuzz_policy_error(err, data, size);
		free(err);
	} else {
		struct arena *a = arena_new(4096);
		struct attach_finding *f;
		size_t n = attach_judge_file(conf, a, "x.pdf.exe", NULL,
					     (const unsigned char *)"MZ", 2, rcpts, 3, &f);

		if (n > 0 && f[0].file == NULL)
			abort();
		arena_free(&a);
	}
	attach_conf_free(&conf);
	return 0;
}
