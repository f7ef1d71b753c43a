/*
 * daemon.h - what filterd's front-ends (milter.c, spamd.c) share with
 * its main loop (main.c, daemon.c): the current configuration and scan
 * engine, swapped atomically when SIGHUP reloads them, and logging.
 *
 * A front-end takes a reference for each scan (daemon_engine_get) and
 * gives it back when done (daemon_engine_put); a reload never frees an
 * engine a scan still uses. Thread-safe.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include "filterd/scan.h"
#include "lib/cfg.h"

/* The engine scans use now (its cfg is engine->cfg); never NULL once
   the daemon started. */
struct scan_engine *daemon_engine_get(void);
void daemon_engine_put(struct scan_engine *eng);

/* Installs eng as the current engine (startup and reload); the previous
   one is freed when its last scan puts it back. */
void daemon_engine_set(struct scan_engine *eng);

/* Logs to syslog (facility from syslog_facility) and, in the
   foreground, to stderr; qid (the MTA's queue id) may be NULL.
   prio is a syslog priority (LOG_INFO, LOG_ERR...). */
void daemon_log(int prio, const char *qid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set when SIGTERM asked the daemon to stop: listeners stop accepting,
   scans in flight finish. */
int daemon_stopping(void);

#endif
