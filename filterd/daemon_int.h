/*
 * daemon_int.h - what only filterd's main loop uses of daemon.c.
 */
#ifndef DAEMON_INT_H
#define DAEMON_INT_H

/* Opens syslog with this facility (mail, daemon, local0..7); to_stderr
   also copies every line to stderr (foreground). -1: unknown facility. */
int daemon_log_open(const char *facility, int to_stderr);
void daemon_set_stopping(void);
/* At exit: frees the engines no scan uses (all, once scans ended). */
void daemon_engines_free(void);

#endif
