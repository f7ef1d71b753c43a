/*
 * opool.c - the ordered work pool (see opool.h): a ring of items, filled
 * at tail by the submitter, taken at next by workers, given back at head
 * by the submitter once done.
 */
#include "lib/opool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/wn.h"

struct slot {
	void *item;
	int done;
};

struct opool {
	opool_fn *work, *finish;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t more, done; /* an item to take; an item finished */
	struct slot *ring;
	size_t cap;
	size_t head, next, tail;   /* next to give back, to work on, to fill */
	int stop;
	pthread_t threads[OPOOL_MAX_THREADS];
	unsigned int nthreads;
};

static void *opool_worker(void *vp)
{
	struct opool *p = vp;
	struct slot *s;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->next == p->tail && !p->stop)
			pthread_cond_wait(&p->more, &p->lock);
		if (p->next == p->tail)
			break;
		s = &p->ring[p->next++ % p->cap];
		pthread_mutex_unlock(&p->lock);
		p->work(p->ctx, s->item);
		pthread_mutex_lock(&p->lock);
		s->done = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Gives back finished items in order (lock held). Waits for the oldest
   while the ring is full, or, with all, until it is empty. */
static void opool_drain(struct opool *p, int all)
{
	while (p->head < p->tail) {
		struct slot *s = &p->ring[p->head % p->cap];
		if (!s->done) {
			if (!all && p->tail - p->head < p->cap)
				return;
			pthread_cond_wait(&p->done, &p->lock);
			continue;
		}
		p->head++;
		pthread_mutex_unlock(&p->lock);
		p->finish(p->ctx, s->item);
		pthread_mutex_lock(&p->lock);
	}
}

static unsigned int opool_threads(unsigned int threads)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (threads == 0)
		threads = cpus > 0 ? (unsigned int)cpus : 1;
	return threads > OPOOL_MAX_THREADS ? OPOOL_MAX_THREADS : threads;
}

struct opool *opool_new(unsigned int threads, opool_fn *work, opool_fn *finish, void *ctx)
{
	struct opool *p = xcalloc(1, sizeof(*p));
	unsigned int n = opool_threads(threads), i;

	p->work = work;
	p->finish = finish;
	p->ctx = ctx;
	if (n < 2)
		return p; /* no threads: opool_submit does it all */
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->done, NULL);
	p->cap = 4 * (size_t)n;
	p->ring = xcalloc(p->cap, sizeof(*p->ring));
	for (i = 0; i < n; i++)
		if (pthread_create(&p->threads[p->nthreads], NULL, opool_worker, p) == 0)
			p->nthreads++;
	return p;
}

void opool_submit(struct opool *p, void *item)
{
	if (p->nthreads == 0) {
		p->work(p->ctx, item);
		p->finish(p->ctx, item);
		return;
	}
	pthread_mutex_lock(&p->lock);
	opool_drain(p, 0);
	p->ring[p->tail % p->cap].item = item;
	p->ring[p->tail % p->cap].done = 0;
	p->tail++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void opool_free(struct opool **pp)
{
	struct opool *p = *pp;
	unsigned int i;

	if (p == NULL)
		return;
	if (p->ring != NULL) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_broadcast(&p->more);
		opool_drain(p, 1);
		pthread_mutex_unlock(&p->lock);
		for (i = 0; i < p->nthreads; i++)
			pthread_join(p->threads[i], NULL);
		pthread_cond_destroy(&p->more);
		pthread_cond_destroy(&p->done);
		pthread_mutex_destroy(&p->lock);
		free(p->ring);
	}
	free(p);
	*pp = NULL;
}
