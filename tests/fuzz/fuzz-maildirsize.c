/*
 * fuzz-maildirsize.c - libFuzzer target for the Maildir++ quota file
 * parser (mda/maildir.c): a whole maildirsize, and its first line as a
 * quota definition. The sums must stay what the lines say, without
 * overflow (UBSan catches signed overflow).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mda/maildir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maildir_quota q;
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);

	if (maildir_quota_parse(text, size, &q) == 0 && nl == NULL)
		abort(); /* a file without a definition line is never valid */
	(void)maildir_quota_def_parse(text, nl != NULL ? (size_t)(nl - text) : size, &q);
	return 0;
}
