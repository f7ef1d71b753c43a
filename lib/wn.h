/*
 * wn.h - basics every Winnow file includes: allocation that never
 * returns NULL, the panic for bugs, and a few attributes.
 *
 * Allocation failure is not an error a caller can handle well, so the
 * x* functions abort with a message instead (see STYLE.md, Errors).
 */
#ifndef WN_H
#define WN_H

#include <stddef.h>
#include <stdint.h>

#define WN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WN_NORETURN __attribute__((noreturn))
#define WN_UNUSED __attribute__((unused))
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Abort with a core: for bugs only, never for bad input. */
void wn_panic(const char *fmt, ...) WN_PRINTF(1, 2) WN_NORETURN;

/* Creates the directories leading to file path (not the file), each
   with mode, like mkdir -p on its dirname. 0, or -1 with errno. */
int wn_mkdir_parents(const char *path, unsigned int mode);

/* Overflow-checked size arithmetic: returns 0 and sets *r on success. */
static inline int size_add(size_t a, size_t b, size_t *r)
{
	return __builtin_add_overflow(a, b, r) ? -1 : 0;
}
static inline int size_mul(size_t a, size_t b, size_t *r)
{
	return __builtin_mul_overflow(a, b, r) ? -1 : 0;
}

#endif
