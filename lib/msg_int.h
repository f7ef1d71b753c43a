/*
 * msg_int.h - helpers shared by the lib/msg*.c files only (not part of
 * the msg.h contract; nothing outside lib/msg*.c includes this).
 */
#ifndef MSG_INT_H
#define MSG_INT_H

#include <stddef.h>

#include "lib/msg.h"

/* A header field as offsets into the parser buffer: [start, end) without
   the final line end, colon at the ':' after the name. */
struct hrec {
	size_t start, colon, end;
	int cut;
};

/* A part while parsing (offsets only; see lib/msg.c). */
struct pbuild {
	struct pbuild *parent;
	struct arena_vec kids; /* struct pbuild * */
	struct arena_vec hdrs; /* struct hrec */
	unsigned int depth, index;
	size_t hdr_start, hdr_bytes;
	size_t body_start, body_end; /* (size_t)-1 while unknown */
	const char *ctype;           /* lowercased, set when headers end */
	const char *boundary;
	size_t blen;
	const char *cte;
	unsigned int flags;
	int hdr_done, hdr_stop, is_multi, is_rfc822, closed;
};

/* lib/msg_part.c: turns the parse (offsets into m->raw) into the
   public tree and decodes every leaf. */
void msgi_build(struct msg *m, struct pbuild **all, size_t n);

/* One MIME parameter after RFC 2231 joining and charset decoding. */
struct msgi_param {
	const char *name;  /* lowercased, without the "*N*" suffix */
	const char *value; /* unquoted; UTF-8 when RFC 2231 encoded */
};

static inline int msgi_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline int msgi_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

static inline unsigned char msgi_lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Lowercases s in place (ASCII only). */
void msgi_lower(char *s);
/* Case-insensitive ASCII prefix test of s (length n) against lit. */
int msgi_prefix_ci(const char *s, size_t n, const char *lit);

/* Content-Type: "type/subtype" lowercased, or NULL if unparsable; *rest_r
   points after it (at the parameters) when not NULL. */
char *msgi_ctype_parse(struct arena *a, const char *value, const char **rest_r);
/* The first token of a value (Content-Disposition, CTE), lowercased, or
   NULL if empty; *rest_r as above. */
char *msgi_token_parse(struct arena *a, const char *value, const char **rest_r);
/* Parameters ("; a=b; c*0=..."), RFC 2231 continuations joined and
   charsets converted. Returns the count, *v_r arena memory. */
size_t msgi_params_parse(struct arena *a, const char *s, struct msgi_param **v_r);
const char *msgi_param_get(const struct msgi_param *v, size_t n, const char *name);

/* Unfolds and trims a raw field body into a NUL-terminated arena copy. */
char *msgi_unfold(struct arena *a, const char *raw, size_t len, size_t *len_r);

/* Magic-byte sniffing of decoded content: a static type string or NULL. */
const char *msgi_sniff(const unsigned char *d, size_t n);

/* Length of the longest valid UTF-8 prefix of s. */
size_t msgi_utf8_valid_len(const unsigned char *s, size_t n);

/* HTML rendering and URI collection for a finished message. */
void msgi_render(struct msg *m);

#endif
