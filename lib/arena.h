/*
 * arena.h - region allocator: one per message (or per loaded config),
 * everything carved from it is freed in one call.
 *
 * Allocations are 16-byte aligned, never NULL (abort on exhaustion of
 * memory), and a single allocation may not exceed ARENA_MAX_ALLOC.
 * Objects holding outside resources (fds, PCRE2 match data, iconv
 * handles) register a cleanup that runs when the arena is freed, in
 * reverse order of registration.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/wn.h"

/* A ceiling on one allocation: anything larger is a bug upstream
   (every reader is bounded well below this). */
#define ARENA_MAX_ALLOC ((size_t)1 << 30)

struct arena;

struct arena *arena_new(size_t chunk_size);
/* Frees everything, runs cleanups, sets *ap to NULL. */
void arena_free(struct arena **ap);
/* Frees everything but keeps the arena (and its first chunk) for reuse. */
void arena_reset(struct arena *a);

void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
/* Grows the most recent allocation in place when possible, else copies. */
void *arena_realloc(struct arena *a, void *old, size_t old_size, size_t new_size);
char *arena_strdup(struct arena *a, const char *s);
/* Copies n bytes and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* The strings up to a NULL, concatenated: a cheap arena_printf("%s%s"). */
char *arena_strcat(struct arena *a, const char *s, ...);
char *arena_printf(struct arena *a, const char *fmt, ...) WN_PRINTF(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) WN_PRINTF(2, 0);
void arena_add_cleanup(struct arena *a, void (*fn)(void *), void *ctx);
/* Total bytes handed out (for limits and statistics). */
size_t arena_used(const struct arena *a);

/* A growable array carved from an arena: ARRAY_PUSH returns a pointer
   to the new zeroed slot. */
struct arena_vec {
	void *v;
	size_t count, cap;
};
void *arena_vec_push(struct arena *a, struct arena_vec *vec, size_t elem_size);
#define ARENA_VEC_PUSH(a, vec, type) ((type *)arena_vec_push((a), (vec), sizeof(type)))

#endif
