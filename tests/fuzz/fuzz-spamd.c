/*
 * fuzz-spamd.c - libFuzzer target for the spamd request parser
 * (filterd/spamd_parse.c). Besides not crashing, it checks the parser's
 * promise that any prefix giving a final answer gives the same answer
 * as the whole input, so an answer never depends on how reads split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/spamd.h"
#include "lib/wn.h"

#define FUZZ_MAX_BODY 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct spamd_req *a, const struct spamd_req *b, int rc)
{
	if (rc != SPAMD_PARSE_DONE)
		return strcmp(a->error, b->error) == 0;
	return a->verb == b->verb && a->version == b->version &&
	       a->content_length == b->content_length && a->body_len == b->body_len &&
	       a->msg_class == b->msg_class && strcmp(a->user, b->user) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any overread */
	char *buf = xmalloc(size ? size : 1);
	struct spamd_req whole, part;
	size_t cut;
	int rc, prc;

	memcpy(buf, data, size);
	rc = spamd_parse(buf, size, FUZZ_MAX_BODY, 1, &whole);
	if (rc == SPAMD_PARSE_MORE)
		wn_panic("spamd_parse: MORE at end of input");
	for (cut = 0; cut <= size; cut += 1 + cut / 3) {
		prc = spamd_parse(buf, cut, FUZZ_MAX_BODY, 0, &part);
		if (prc == SPAMD_PARSE_MORE)
			continue;
		if (prc != rc || !same(&part, &whole, rc))
			wn_panic("spamd_parse: prefix of %zu bytes answers %d, whole %d", cut, prc,
				 rc);
	}
	free(buf);
	return 0;
}
