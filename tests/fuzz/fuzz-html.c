/*
 * fuzz-html.c - libFuzzer target for html_render (and the accessors a
 * rule engine calls), with small limits so depth and size caps are hit.
 */
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	struct msg_limits lim;
	unsigned int flags = 0;
	struct html_info *h;
	const struct html_link *links;
	const char *const *keys;
	const char *const *texts;
	const double *values;
	size_t n, i, len;
	int found;

	memset(&lim, 0, sizeof(lim));
	lim.max_text = 4096;
	lim.max_uris = 50;
	lim.max_html_depth = 16;
	h = html_render(a, (const char *)data, size, &lim, &flags);
	(void)html_visible_text(h, &len);
	(void)html_invisible_text(h, &len);
	(void)html_rendered_text(h, &len);
	(void)html_title(h);
	(void)html_charsets(h);
	n = html_links(h, &links);
	for (i = 0; i < n; i++)
		(void)strlen(links[i].uri);
	n = html_facts(h, &keys, &values);
	for (i = 0; i < n; i++)
		(void)html_fact(h, keys[i], &found);
	(void)html_texts(h, "comment", &texts);
	(void)html_texts(h, "anchor", &texts);
	arena_free(&a);
	return 0;
}
