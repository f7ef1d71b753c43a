/*
 * arena.c - region allocator (see arena.h).
 *
 * Chunks are kept in a singly linked list; a request larger than a
 * quarter of the chunk size gets a chunk of its own so big blocks do not
 * waste the tail of a normal chunk.
 */
#include "lib/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	/* data follows, aligned */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void (*fn)(void *);
	void *ctx;
};

struct arena {
	struct arena_chunk *head;
	struct arena_cleanup *cleanups;
	size_t chunk_size, total;
	void *last;
	size_t last_size;
};

static struct arena_chunk *arena_chunk_new(size_t size)
{
	struct arena_chunk *c = xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *arena_new(size_t chunk_size)
{
	struct arena *a = xcalloc(1, sizeof(*a));
	a->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
	a->head = arena_chunk_new(a->chunk_size);
	return a;
}

static void arena_run_cleanups(struct arena *a)
{
	while (a->cleanups != NULL) {
		struct arena_cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->ctx);
	}
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c, *next;

	arena_run_cleanups(a);
	/* keep the last chunk of the list: it is the first one allocated */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	c->used = 0;
	a->total = 0;
	a->last = NULL;
	a->last_size = 0;
}

void arena_free(struct arena **ap)
{
	struct arena *a = *ap;
	struct arena_chunk *c, *next;

	if (a == NULL)
		return;
	arena_run_cleanups(a);
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
	*ap = NULL;
}

static size_t arena_round(size_t size)
{
	return (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need;
	void *p;

	if (size > ARENA_MAX_ALLOC)
		wn_panic("arena: allocation of %zu bytes over the ceiling", size);
	need = arena_round(size == 0 ? 1 : size);
	if (c->size - c->used < need) {
		if (need > a->chunk_size / 4) {
			/* a block of its own, linked behind the current chunk */
			struct arena_chunk *big = arena_chunk_new(need);
			big->used = need;
			big->next = c->next;
			c->next = big;
			a->total += need;
			a->last = NULL;
			return big->data;
		}
		c = arena_chunk_new(a->chunk_size);
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->total += need;
	a->last = p;
	a->last_size = need;
	return p;
}

void *arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	memset(p, 0, size);
	return p;
}

void *arena_realloc(struct arena *a, void *old, size_t old_size, size_t new_size)
{
	struct arena_chunk *c = a->head;
	void *p;

	if (old == NULL)
		return arena_alloc(a, new_size);
	if (new_size <= old_size)
		return old;
	if (old == a->last && new_size <= ARENA_MAX_ALLOC) {
		size_t need = arena_round(new_size);
		size_t start = (size_t)((unsigned char *)old - c->data);
		if ((unsigned char *)old >= c->data && start < c->size &&
		    c->size - start >= need) {
			c->used = start + need;
			a->total += need - a->last_size;
			a->last_size = need;
			return old;
		}
	}
	p = arena_alloc(a, new_size);
	memcpy(p, old, old_size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strcat(struct arena *a, const char *s, ...)
{
	va_list ap;
	const char *t;
	size_t n = 0;
	char *out, *w;

	va_start(ap, s);
	for (t = s; t != NULL; t = va_arg(ap, const char *))
		n += strlen(t);
	va_end(ap);
	out = w = arena_alloc(a, n + 1);
	va_start(ap, s);
	for (t = s; t != NULL; t = va_arg(ap, const char *)) {
		size_t l = strlen(t);
		memcpy(w, t, l);
		w += l;
	}
	va_end(ap);
	*w = '\0';
	return out;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		wn_panic("arena_vprintf: bad format");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_add_cleanup(struct arena *a, void (*fn)(void *), void *ctx)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->ctx = ctx;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}

void *arena_vec_push(struct arena *a, struct arena_vec *vec, size_t elem_size)
{
	unsigned char *slot;

	if (vec->count == vec->cap) {
		size_t ncap = vec->cap ? vec->cap * 2 : 8;
		size_t bytes;
		if (size_mul(ncap, elem_size, &bytes) < 0)
			wn_panic("arena_vec_push: size overflow");
		vec->v = arena_realloc(a, vec->v, vec->cap * elem_size, bytes);
		vec->cap = ncap;
	}
	slot = (unsigned char *)vec->v + vec->count * elem_size;
	memset(slot, 0, elem_size);
	vec->count++;
	return slot;
}
