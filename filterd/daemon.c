/*
 * daemon.c - filterd's shared state: the current scan engine with
 * reference counts (so a SIGHUP reload swaps it without pulling it from
 * under a running scan) and logging to syslog and stderr.
 *
 * Engines in use are kept in a short list: the current one and retired
 * ones still referenced. A retired engine is freed by its last put.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "filterd/daemon.h"
#include "filterd/daemon_int.h"
#include "lib/wn.h"

struct engine_ref {
	struct engine_ref *next;
	struct scan_engine *eng;
	unsigned int refs;
	int retired;
};

static pthread_mutex_t eng_lock = PTHREAD_MUTEX_INITIALIZER;
static struct engine_ref *engines; /* the first is current unless retired */
static volatile int stopping;
static int log_stderr;

struct scan_engine *daemon_engine_get(void)
{
	struct scan_engine *eng = NULL;

	pthread_mutex_lock(&eng_lock);
	if (engines != NULL && !engines->retired) {
		engines->refs++;
		eng = engines->eng;
	}
	pthread_mutex_unlock(&eng_lock);
	return eng;
}

/* Frees e if retired and unused; called with the lock held. Returns
   whether it was unlinked. */
static int reap(struct engine_ref **pp)
{
	struct engine_ref *e = *pp;
	struct cfg *cfg;

	if (!e->retired || e->refs > 0)
		return 0;
	*pp = e->next;
	cfg = e->eng->cfg;
	scan_engine_free(&e->eng);
	cfg_free(&cfg);
	free(e);
	return 1;
}

void daemon_engine_put(struct scan_engine *eng)
{
	struct engine_ref **pp;

	if (eng == NULL)
		return;
	pthread_mutex_lock(&eng_lock);
	for (pp = &engines; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->eng == eng) {
			(*pp)->refs--;
			(void)reap(pp);
			break;
		}
	}
	pthread_mutex_unlock(&eng_lock);
}

void daemon_engine_set(struct scan_engine *eng)
{
	struct engine_ref *e = xcalloc(1, sizeof(*e)), **pp;

	e->eng = eng;
	pthread_mutex_lock(&eng_lock);
	if (engines != NULL)
		engines->retired = 1;
	e->next = engines;
	engines = e;
	for (pp = &e->next; *pp != NULL;)
		if (!reap(pp))
			pp = &(*pp)->next;
	pthread_mutex_unlock(&eng_lock);
}

void daemon_engines_free(void)
{
	struct engine_ref **pp;

	pthread_mutex_lock(&eng_lock);
	if (engines != NULL)
		engines->retired = 1;
	for (pp = &engines; *pp != NULL;)
		if (!reap(pp))
			pp = &(*pp)->next;
	pthread_mutex_unlock(&eng_lock);
}

int daemon_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

void daemon_set_stopping(void)
{
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
}

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL },     { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int daemon_log_open(const char *facility, int to_stderr)
{
	size_t i;

	log_stderr = to_stderr;
	for (i = 0; i < N_ELEMENTS(facilities); i++) {
		if (strcmp(facilities[i].name, facility) == 0) {
			openlog("filterd", LOG_PID | LOG_NDELAY, facilities[i].facility);
			return 0;
		}
	}
	return -1;
}

void daemon_log(int prio, const char *qid, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (qid != NULL && qid[0] != '\0')
		syslog(prio, "%s: %s", qid, msg);
	else
		syslog(prio, "%s", msg);
	if (log_stderr) {
		if (qid != NULL && qid[0] != '\0')
			fprintf(stderr, "filterd[%ld]: %s: %s\n", (long)getpid(), qid, msg);
		else
			fprintf(stderr, "filterd[%ld]: %s\n", (long)getpid(), msg);
	}
}
