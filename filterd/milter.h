/*
 * milter.h - filterd's libmilter front-end (Postfix, Sendmail).
 *
 * Each SMTP connection gets a thread (libmilter's) and a private
 * context; each message is buffered (up to scan_max_size), scanned at
 * end of message with the current engine (daemon_engine_get), and
 * answered from config: X-Spam-* headers, reject, quarantine, discard,
 * or the error_action when the scan fails.
 */
#ifndef MILTER_H
#define MILTER_H

/* Registers the filter and opens the listening socket described by
   listen_spec (libmilter syntax: inet:PORT@ADDR, inet6:PORT@ADDR,
   unix:/path; a stale unix socket is removed). Call it before dropping
   privileges. Returns 0, or -1 with a malloc'd reason in *err_r (the
   caller frees it). */
int milter_open(const char *listen_spec, char **err_r);
/* The socket path of a unix milter_listen spec ("unix:/p", "local:/p"
   or "/p"); NULL for a TCP one. */
const char *milter_unix_path(const char *listen_spec);

/* Serves milter connections on the socket milter_open() bound until
   milter_stop(); returns 0 on a clean stop, -1 (logged) when libmilter
   failed. Blocks: run it in a thread of its own with SIGHUP, SIGTERM and
   SIGINT blocked (libmilter's signal thread, created inside, inherits
   the mask and would otherwise take those signals and stop the milter).
   libmilter notices a stop within about 5 seconds. */
int milter_main(void);

/* milter_open() (errors logged) then milter_main(). */
int milter_run(const char *listen_spec);

/* Asks milter_main() to return (safe from a signal handler's thread);
   connections in progress finish their current callback. */
void milter_stop(void);

/* After milter_main() returned: waits up to seconds for scans still in
   flight on libmilter's connection threads; -1 if some did not end. */
int milter_wait_scans(unsigned int seconds);

#endif
