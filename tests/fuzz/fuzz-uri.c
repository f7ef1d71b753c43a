/*
 * fuzz-uri.c - libFuzzer target for uri_parse and uri_domain, and for
 * uri_collect over a one-part message whose text is the input (the
 * text scanner and the canonicaliser), and over it rendered as HTML.
 */
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/html.h"
#include "lib/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	struct uri_parts r;
	struct msg m;
	struct msg_part part, *parts[1];
	char *text = arena_strndup(a, (const char *)data, size);
	unsigned int flags = 0;

	if (uri_parse(a, (const char *)data, size, &r) == 0)
		(void)uri_domain(a, r.host);
	(void)uri_domain(a, text);

	memset(&lim, 0, sizeof(lim));
	lim.max_uris = 100;
	lim.max_text = 65536;
	lim.max_html_depth = 32;
	memset(&m, 0, sizeof(m));
	memset(&part, 0, sizeof(part));
	m.arena = a;
	m.limits = &lim;
	part.ctype = "text/plain";
	part.text = part.visible = text;
	part.text_len = part.visible_len = size;
	parts[0] = &part;
	m.parts = parts;
	m.nparts = 1;
	m.root = &part;
	uri_collect(&m);

	part.ctype = "text/html";
	part.html = html_render(a, text, size, &lim, &flags);
	m.uris = NULL;
	m.nuris = 0;
	uri_collect(&m);
	arena_free(&a);
	return 0;
}
