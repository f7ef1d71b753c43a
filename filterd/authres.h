/*
 * authres.h - the Authentication-Results header field (RFC 8601): built
 * from the sender checks' results under the host's authserv-id (key
 * authserv_id), and recognised in incoming mail, where a field claiming
 * our authserv-id is forged (RFC 8601 5: remove it) and one from another
 * host is left alone.
 */
#ifndef AUTHRES_H
#define AUTHRES_H

#include <stddef.h>

#include "lib/arena.h"

/* One method's result, e.g. { "spf", "pass", NULL,
   "smtp.mailfrom=a@example.com" } or { "dkim", "fail", "bad signature",
   "header.d=example.com header.s=sel" }. reason and props may be NULL.
   method NULL: props is a whole resinfo ("dkim=pass header.d=...") that
   the check made itself. */
struct authres_item {
	const char *method;
	const char *result;
	const char *reason;
	const char *props;
};

/* The field body: "authserv-id; item; item", "authserv-id; none" when
   there are none, each item on its own line (folded with "\n\t", as
   libmilter and Postfix take folded values). The reason is quoted,
   with quotes and backslashes escaped and control bytes dropped. */
const char *authres_build(struct arena *a, const char *authserv_id,
			  const struct authres_item *items, size_t n);

/* A property or reason value for a resinfo: as is when it is a non-empty
   MIME token (RFC 2045), else a quoted-string; control characters
   dropped either way, so nothing from a message can fold or end the
   field. In a's memory. */
char *authres_value(struct arena *a, const char *v);

/* The authserv-id an incoming field body starts with (after comments
   and spaces; a quoted-string unquoted), or NULL when it has none, in
   a's memory. */
const char *authres_authserv_id(struct arena *a, const char *value);

/* Does the field claim our authserv_id (compared ignoring case)? */
int authres_is_ours(struct arena *a, const char *value, const char *authserv_id);

#endif
