/*
 * hits.c - the per-scan hit list (see hits.h).
 */
#include "lib/hits.h"

#include <stdlib.h>
#include <string.h>

void hits_init(struct hit_list *l, struct arena *a)
{
	memset(l, 0, sizeof(*l));
	l->arena = a;
}

struct hit *hits_add(struct hit_list *l, const char *name, double score,
		     const char *description, unsigned int flags)
{
	struct hit *h;

	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		l->v = arena_realloc(l->arena, l->v, l->cap * sizeof(*h),
				     ncap * sizeof(*h));
		l->cap = ncap;
	}
	h = &l->v[l->count++];
	h->name = name;
	h->score = score;
	h->description = description;
	h->flags = flags;
	h->count = 1;
	return h;
}

const struct hit *hits_find(const struct hit_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	return NULL;
}

double hits_score(const struct hit_list *l)
{
	double s = 0;
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (!(l->v[i].flags & HIT_F_SUBRULE))
			s += l->v[i].score;
	}
	return s;
}

static int hits_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	return strcmp(x->name, y->name);
}

void hits_sort(struct hit_list *l)
{
	if (l->count > 1)
		qsort(l->v, l->count, sizeof(l->v[0]), hits_cmp);
}
