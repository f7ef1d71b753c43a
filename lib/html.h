/*
 * html.h - HTML to visible text, with the structure facts rules test.
 *
 * The renderer is a tolerant tokenizer (no DOM): it keeps visible text
 * (block tags become line breaks, entities decoded, script/style/head
 * content dropped, text made invisible by tiny fonts or same-as-background
 * colours kept apart), collects links with their anchor text, and counts
 * what SpamAssassin's HTML tests look at. Bounded by msg_limits (depth,
 * output size); never fails.
 *
 * Ownership: everything in the arena given.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/msg.h"

struct html_link {
	const char *uri;         /* attribute value, entities decoded, trimmed */
	const char *anchor_text; /* <a>: visible text inside, UTF-8; else NULL */
	enum msg_uri_source source;
	const char *tag;         /* lowercased tag name ("a", "img", ...) */
};

struct html_info;

/* Renders html (UTF-8). *flags_r gets MSG_F_HTML_LIMIT when a limit was
   hit. Never NULL. */
struct html_info *html_render(struct arena *a, const char *html, size_t len,
			      const struct msg_limits *lim, unsigned int *flags_r);

/* Visible text (UTF-8, NUL-terminated). */
const char *html_visible_text(const struct html_info *h, size_t *len_r);
/* Text hidden from the reader (tiny/invisible font, hidden elements). */
const char *html_invisible_text(const struct html_info *h, size_t *len_r);
/* Links in document order. */
size_t html_links(const struct html_info *h, const struct html_link **v_r);
/* Named numeric facts, with SpamAssassin's HTML.pm key names where one
   exists (e.g. "non_space_len", "image_area", "max_shouting",
   "font_low_contrast", "tiny_font", "title_index", "tag_<name>" counts,
   "inside_<name>" ...); *found_r 0 if the key was never set. */
double html_fact(const struct html_info *h, const char *key, int *found_r);
/* Iterate all facts (for tests and debugging). */
size_t html_facts(const struct html_info *h, const char *const **keys_r,
		  const double **values_r);
/* Text of <title>, or NULL. */
const char *html_title(const struct html_info *h);

/* Everything rendered, visible and invisible text interleaved in
   document order (what SpamAssassin's body rules see for an HTML part). */
const char *html_rendered_text(const struct html_info *h, size_t *len_r);
/* SpamAssassin's per-document text arrays for html_text_match: kind is
   "comment" (each with its <!-- -->), "anchor" (text of each <a>, with
   "<img>\n" for an image inside), "title" or "script". Returns the
   count; *v_r NULL when 0. */
size_t html_texts(const struct html_info *h, const char *kind,
		  const char *const **v_r);
/* Charsets named by <meta http-equiv=Content-Type>, space separated, or
   NULL (for html_charset_faraway). */
const char *html_charsets(const struct html_info *h);

/* Internal tables (lib/html_entities.c): named character reference
   (without '&' and ';', case-sensitive) and CSS colour name (lowercase).
   Return 0 and the value, or -1. */
int html_entity_lookup(const char *name, unsigned int *cp_r);
int html_color_lookup(const char *name, unsigned int *rgb_r);

#endif
