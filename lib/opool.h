/*
 * opool.h - an ordered work pool: one thread submits items, worker
 * threads process them in any order, and the submitting thread gets
 * them back finished in submission order (for tools that read messages
 * in order, work on several at once, and must print or store results in
 * that same order).
 *
 * The pool holds at most 4 items per worker: opool_submit waits (and
 * finishes older items meanwhile) when it is full, so memory stays
 * bounded whatever the input. With fewer than 2 threads no thread is
 * started and opool_submit does work and finish at once.
 *
 * Ownership: items belong to the caller; the pool only passes them on.
 */
#ifndef OPOOL_H
#define OPOOL_H

struct opool;

/* work runs on a worker thread; finish on the submitting thread, in
   submission order. ctx is handed to both. */
typedef void opool_fn(void *ctx, void *item);

/* threads: 0 means one per online CPU; at most OPOOL_MAX_THREADS. */
#define OPOOL_MAX_THREADS 64
struct opool *opool_new(unsigned int threads, opool_fn *work, opool_fn *finish, void *ctx);
void opool_submit(struct opool *p, void *item);
/* Finishes every item submitted, stops the workers, frees the pool. */
void opool_free(struct opool **pp);

#endif
