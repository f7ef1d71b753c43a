/*
 * buf.h - a growable byte buffer on the heap, always NUL-terminated.
 *
 * For data whose lifetime is not one message (network input, file
 * contents before a message arena exists). Message-derived data lives in
 * the message arena instead.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/wn.h"

struct buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len, cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
/* One byte: inline when there is room (hot in text building loops). */
void buf_append_char_slow(struct buf *b, char c);
static inline void buf_append_char(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_append_char_slow(b, c);
}
void buf_printf(struct buf *b, const char *fmt, ...) WN_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) WN_PRINTF(2, 0);
/* Makes room for n more bytes and returns where they go (not counted
   until buf_commit). */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
void buf_truncate(struct buf *b, size_t len);
/* Returns data as "" when empty. */
const char *buf_cstr(const struct buf *b);
/* Hands the data to the caller (free() it) and empties the buffer. */
char *buf_steal(struct buf *b);
/* A malloc'd formatted string (never NULL): buf_printf into a fresh
   buffer, then buf_steal. */
char *buf_strdup_printf(const char *fmt, ...) WN_PRINTF(1, 2);
void buf_free(struct buf *b);

/* Appends s escaped for JSON string content (no quotes added). */
void buf_append_json(struct buf *b, const char *s, size_t len);

#endif
