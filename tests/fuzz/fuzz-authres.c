/*
 * fuzz-authres.c - libFuzzer target for the Authentication-Results
 * reader (filterd/authres.c): the authserv-id of any input, and the
 * promise that a field we build is recognised as ours.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/authres.h"
#include "lib/arena.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 2045 token: printable ASCII without spaces and tspecials. */
static int is_token(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	char *s = arena_strndup(a, (const char *)data, size); /* stops at a NUL */
	const char *id = authres_authserv_id(a, s);
	struct authres_item it = { "dkim", "fail", s, NULL };

	/* a token id (what a host name is) read back from a field built
	   with it: ours; a quoted one is written back unquoted, so only
	   tokens make the round trip */
	if (id != NULL && id[0] == '\0')
		abort(); /* an empty id names nobody: NULL */
	if (id != NULL && is_token(id) && !authres_is_ours(a, authres_build(a, id, &it, 1), id))
		abort();
	arena_free(&a);
	return 0;
}
