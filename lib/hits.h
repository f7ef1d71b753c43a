/*
 * hits.h - the list of test hits one scan produces, shared by every
 * check (rules, Bayes, DNS checks, antivirus) and the front-ends, plus
 * the facts checks hand to each other (Bayes probability, SPF result...).
 *
 * Ownership: the list and its strings live in the message arena.
 */
#ifndef HITS_H
#define HITS_H

#include <stddef.h>

#include "lib/arena.h"

struct hit {
	const char *name;
	double score;
	const char *description; /* may be NULL */
	unsigned int flags;      /* HIT_F_* */
	unsigned int count;      /* >1 for tflags multiple */
};

enum hit_flag {
	HIT_F_SUBRULE = 1u << 0, /* __name: visible to metas, never reported or scored */
	HIT_F_NET = 1u << 1,
	HIT_F_BAYES = 1u << 2,
	HIT_F_NICE = 1u << 3,
	HIT_F_NOAUTOLEARN = 1u << 4, /* tflags noautolearn or userconf: autolearn skips it */
	HIT_F_LEARN = 1u << 5,
};

struct hit_list {
	struct arena *arena;
	struct hit *v;
	size_t count, cap;
};

void hits_init(struct hit_list *l, struct arena *a);
/* Adds a hit (strings are not copied: pass arena or static strings). */
struct hit *hits_add(struct hit_list *l, const char *name, double score,
		     const char *description, unsigned int flags);
const struct hit *hits_find(const struct hit_list *l, const char *name);
/* Sum of scores of reported (non-subrule) hits. */
double hits_score(const struct hit_list *l);
/* Sorts reported hits by name (SpamAssassin's tests= order). */
void hits_sort(struct hit_list *l);

/* Facts one check computes for others (filled in pipeline order).
   Later issues add fields here (spf, dkim, dmarc, dnsbl...). */
struct msg_facts {
	int net_enabled;      /* network checks ran (selects score set) */
	int bayes_enabled;    /* the Bayes store is trained: its score set applies */
	double bayes_prob;    /* 0..1; < 0 when this message has none */
	int autolearn_forced_off;
};

#endif
