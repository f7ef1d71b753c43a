/*
 * dnstest.h - scaffolding shared by the integration tests of lib/dns.c
 * and the checks that ask DNS (test-dns, test-dnsbl, test-spf,
 * test-dkim, test-dmarc, test-arc): a clock, resolvers forwarding to a
 * loopback port, a server that never answers and a relay that delays
 * every query (so that tests can measure timeouts and overlap), a
 * sorted join for comparing sets of answers, and the case files of the
 * tests that verify generated messages.
 *
 * Test code: every environment failure (socket, bind, thread, dns_new)
 * aborts, since a test cannot go on without it.
 */
#ifndef DNSTEST_H
#define DNSTEST_H

#include <stddef.h>
#include <stdio.h>

struct dns;
struct dnstest_relay;

/* Milliseconds on the monotonic clock, for measuring elapsed time. */
double dnstest_now_ms(void);

/* A resolver on forward (dns_forward syntax: "127.0.0.1@5353", or ""
   for the system's resolv.conf); aborts if dns_new() fails. The caller
   frees it with dns_free(). */
struct dns *dnstest_resolver(const char *forward, unsigned int timeout_ms,
			     unsigned int budget_ms);
/* The same, forwarding to 127.0.0.1@port. */
struct dns *dnstest_resolver_at(int port, unsigned int timeout_ms, unsigned int budget_ms);

/* A UDP socket bound to a free port on 127.0.0.1 that reads nothing and
   answers nothing: a DNS server that never replies. Returns the socket
   (the caller closes it; closed, the port refuses), its port in
   *port_r. */
int dnstest_silent_socket(int *port_r);
/* A resolver forwarding to a new silent socket, returned in *fd_r for
   the caller to close after dns_free(). */
struct dns *dnstest_silent_resolver(unsigned int timeout_ms, unsigned int budget_ms, int *fd_r);

/* A UDP relay on a free loopback port that holds each query delay_ms,
   then passes it to 127.0.0.1@upstream_port and the answer back: a
   slow server, so that a test can tell one round trip from several.
   Runs on its own thread until dnstest_relay_stop(); up to 64 queries
   in flight (more aborts). */
struct dnstest_relay *dnstest_relay_start(int upstream_port, unsigned int delay_ms);
/* The port the relay listens on. */
int dnstest_relay_port(const struct dnstest_relay *rl);
/* Stops the thread, closes every socket, frees *rl and sets it to NULL. */
void dnstest_relay_stop(struct dnstest_relay **rl);

/* Joins v[0..n-1], sorted by strcmp, with sep between them, into out
   (cut to size - 1 bytes); returns out. Sorts v in place. */
const char *dnstest_join_sorted(const char **v, size_t n, const char *sep, char *out,
				size_t size);

/* The case files of the tests that verify messages a Python script
   made (test-dkim, test-arc): reads dir/name.eml whole into malloc'd
   memory, NUL-terminated, its length in *len_r; aborts if it cannot.
   The caller frees it. */
char *dnstest_read_eml(const char *dir, const char *name, size_t *len_r);
/* Opens dir/name.got for writing, emptied (the results for the script's
   cross-check); aborts if it cannot. The caller fcloses it. */
FILE *dnstest_open_got(const char *dir, const char *name);

#endif
