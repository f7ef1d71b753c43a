/*
 * dnstest.c - scaffolding shared by the DNS integration tests: the
 * clock, loopback resolvers, a silent server, a delaying relay, a
 * sorted join and case files (see dnstest.h for the contracts).
 *
 * The relay is one thread polling its listening socket, a stop pipe and
 * one connected upstream socket per query in flight (at most
 * DNSTEST_RELAY_SLOTS). A query waits in its slot until its due time,
 * is sent upstream, and the first answer goes back to the client that
 * asked; the slot is then free. UDP only: a query over 1500 bytes or
 * an answer over 64 KiB is cut, which test queries never come near.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/dns.h"
#include "lib/wn.h"
#include "tests/integration/dnstest.h"

#define DNSTEST_RELAY_SLOTS 64

struct dnstest_relay_slot {
	int up; /* connected to the upstream server; -1: the slot is free */
	struct sockaddr_in client;
	unsigned char pkt[1500];
	size_t len;
	double due; /* when to send pkt upstream (dnstest_now_ms) */
	int sent;
};

struct dnstest_relay {
	int fd, port, upstream_port;
	unsigned int delay_ms;
	int stop[2]; /* a byte on stop[1] ends the thread */
	pthread_t thread;
	struct dnstest_relay_slot slot[DNSTEST_RELAY_SLOTS];
};

double dnstest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

struct dns *dnstest_resolver(const char *forward, unsigned int timeout_ms,
			     unsigned int budget_ms)
{
	struct dns_conf conf = { forward, timeout_ms, budget_ms };
	char *err = NULL;
	struct dns *d = dns_new(&conf, &err);

	if (d == NULL) {
		fprintf(stderr, "dns_new: %s\n", err);
		abort();
	}
	return d;
}

struct dns *dnstest_resolver_at(int port, unsigned int timeout_ms, unsigned int budget_ms)
{
	char fwd[64];

	snprintf(fwd, sizeof(fwd), "127.0.0.1@%d", port);
	return dnstest_resolver(fwd, timeout_ms, budget_ms);
}

int dnstest_silent_socket(int *port_r)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		abort();
	*port_r = ntohs(sa.sin_port);
	return fd;
}

struct dns *dnstest_silent_resolver(unsigned int timeout_ms, unsigned int budget_ms, int *fd_r)
{
	int port;

	*fd_r = dnstest_silent_socket(&port);
	return dnstest_resolver_at(port, timeout_ms, budget_ms);
}

/* A query has arrived: into a free slot, with its upstream socket. */
static void dnstest_relay_take(struct dnstest_relay *rl)
{
	struct dnstest_relay_slot *s = NULL;
	struct sockaddr_in up;
	socklen_t sl;
	ssize_t n;

	for (int i = 0; i < DNSTEST_RELAY_SLOTS && s == NULL; i++) {
		if (rl->slot[i].up < 0)
			s = &rl->slot[i];
	}
	if (s == NULL)
		abort();
	sl = sizeof(s->client);
	n = recvfrom(rl->fd, s->pkt, sizeof(s->pkt), 0, (struct sockaddr *)&s->client, &sl);
	if (n <= 0)
		return;
	memset(&up, 0, sizeof(up));
	up.sin_family = AF_INET;
	up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	up.sin_port = htons((unsigned short)rl->upstream_port);
	s->up = socket(AF_INET, SOCK_DGRAM, 0);
	if (s->up < 0 || connect(s->up, (struct sockaddr *)&up, sizeof(up)) < 0)
		abort();
	s->len = (size_t)n;
	s->due = dnstest_now_ms() + rl->delay_ms;
	s->sent = 0;
}

/* The upstream answer of slot s: back to its client; the slot is free. */
static void dnstest_relay_forward(struct dnstest_relay *rl, struct dnstest_relay_slot *s)
{
	unsigned char buf[65536];
	ssize_t n = recv(s->up, buf, sizeof(buf), 0);

	if (n > 0)
		sendto(rl->fd, buf, (size_t)n, 0, (struct sockaddr *)&s->client, sizeof(s->client));
	close(s->up);
	s->up = -1;
}

static void *dnstest_relay_run(void *arg)
{
	struct dnstest_relay *rl = arg;

	for (;;) {
		struct pollfd p[DNSTEST_RELAY_SLOTS + 2];
		int map[DNSTEST_RELAY_SLOTS + 2], np = 2, wait = -1;
		double now = dnstest_now_ms();

		p[0].fd = rl->stop[0];
		p[1].fd = rl->fd;
		p[0].events = p[1].events = POLLIN;
		for (int i = 0; i < DNSTEST_RELAY_SLOTS; i++) {
			struct dnstest_relay_slot *s = &rl->slot[i];
			if (s->up < 0)
				continue;
			if (!s->sent && s->due <= now) {
				if (send(s->up, s->pkt, s->len, 0) < 0)
					abort();
				s->sent = 1;
			}
			/* wake for the next query due */
			if (!s->sent && (wait < 0 || s->due - now + 1 < wait))
				wait = (int)(s->due - now) + 1;
			if (s->sent) {
				p[np].fd = s->up;
				p[np].events = POLLIN;
				map[np++] = i;
			}
		}
		if (poll(p, (nfds_t)np, wait) < 0)
			continue;
		if (p[0].revents != 0)
			return NULL;
		if (p[1].revents != 0)
			dnstest_relay_take(rl);
		for (int i = 2; i < np; i++) {
			if (p[i].revents != 0)
				dnstest_relay_forward(rl, &rl->slot[map[i]]);
		}
	}
}

struct dnstest_relay *dnstest_relay_start(int upstream_port, unsigned int delay_ms)
{
	struct dnstest_relay *rl = xcalloc(1, sizeof(*rl));

	for (int i = 0; i < DNSTEST_RELAY_SLOTS; i++)
		rl->slot[i].up = -1;
	rl->upstream_port = upstream_port;
	rl->delay_ms = delay_ms;
	rl->fd = dnstest_silent_socket(&rl->port);
	if (pipe(rl->stop) < 0 || pthread_create(&rl->thread, NULL, dnstest_relay_run, rl) != 0)
		abort();
	return rl;
}

int dnstest_relay_port(const struct dnstest_relay *rl)
{
	return rl->port;
}

void dnstest_relay_stop(struct dnstest_relay **rlp)
{
	struct dnstest_relay *rl = *rlp;

	if (write(rl->stop[1], "x", 1) != 1)
		abort();
	pthread_join(rl->thread, NULL);
	for (int i = 0; i < DNSTEST_RELAY_SLOTS; i++) {
		if (rl->slot[i].up >= 0)
			close(rl->slot[i].up);
	}
	close(rl->fd);
	close(rl->stop[0]);
	close(rl->stop[1]);
	free(rl);
	*rlp = NULL;
}

static int dnstest_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *dnstest_join_sorted(const char **v, size_t n, const char *sep, char *out,
				size_t size)
{
	size_t len = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), dnstest_strcmp_p);
	out[0] = '\0';
	for (size_t i = 0; i < n && len < size - 1; i++) {
		int w = snprintf(out + len, size - len, "%s%s", i > 0 ? sep : "", v[i]);
		if (w < 0)
			break;
		len += (size_t)w < size - len ? (size_t)w : size - len - 1;
	}
	return out;
}

char *dnstest_read_eml(const char *dir, const char *name, size_t *len_r)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	buf[n] = '\0';
	*len_r = (size_t)n;
	return buf;
}

FILE *dnstest_open_got(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.got", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	return f;
}
