/*
 * uri.h - URIs: parsing, normalising, and collecting every URI of a
 * message (plain-text bare URLs and www./mailto forms, HTML links with
 * their anchor text).
 *
 * Ownership: arena memory. Bounded by msg_limits.max_uris (then
 * MSG_F_URI_LIMIT).
 */
#ifndef URI_H
#define URI_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/msg.h"

struct uri_parts {
	const char *scheme; /* lowercased; "http" for schemeless www.x */
	const char *user;   /* userinfo before '@', or NULL */
	const char *host;   /* lowercased, percent-decoded, trailing dot
			       removed; IP literals as written; NULL if none */
	const char *port;   /* or NULL */
	const char *path;   /* from the first '/', or "" */
};

/* Parses one URI (or a schemeless "www.example.com/x"). Returns -1 if it
   has no usable form. */
int uri_parse(struct arena *a, const char *uri, size_t len, struct uri_parts *r);

/* Registrable-domain helper for rules: the last two labels, or three for
   well-known two-level public suffixes (co.uk, com.au ...). The full
   public suffix list comes with the DNS checks. */
const char *uri_domain(struct arena *a, const char *host);

/* Fills m->uris from every part: links of HTML parts (with anchor
   text), then bare URIs in the visible text of text parts. Called by
   msg_parser_finish. */
void uri_collect(struct msg *m);

#endif
