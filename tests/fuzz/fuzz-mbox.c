/*
 * fuzz-mbox.c - libFuzzer target for mbox splitting: writes the input to
 * a temporary file and reads it back as a mailbox (the code path of
 * `winnow check FILE`), checking every message handed over is bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/mailbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_mbox_cb(void *ctx, const char *name, const char *msg, size_t len)
{
	(void)ctx;
	(void)name;
	if (len > 4097 || (len > 0 && msg == NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/wn-fuzz-mbox-XXXXXX";
	int fd = mkstemp(path);
	char *err = NULL;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size)
		(void)mailbox_read(path, 4096, fuzz_mbox_cb, NULL, &err);
	free(err);
	close(fd);
	unlink(path);
	return 0;
}
