/*
 * dns.c - the shared asynchronous resolver over libunbound (see dns.h).
 *
 * Threads. libunbound resolves in its own thread (ub_ctx_async(ctx, 1):
 * a thread, not the forked process it uses by default, which would not
 * survive a multi-threaded daemon). Answers come back on a pipe; our
 * delivery thread polls it and calls ub_process(), which runs each
 * query's callback with no libunbound lock held. The callback fills the
 * query's result under its batch's mutex and wakes the batch's owner,
 * which sleeps on a condition variable until the next deadline. So
 * waiting threads never touch the shared context except to start and
 * cancel queries, both thread-safe in libunbound.
 *
 * Timeouts. libunbound has no per-query deadline a caller can set (it
 * retries a silent server for a long while), so the owner cancels a
 * query itself when it expires: ub_cancel() returning UB_NOERROR
 * guarantees the callback never runs; UB_NOID means ub_process() has
 * already taken the answer and is about to call back, so the batch
 * waits for that callback before it may be freed.
 *
 * Memory. A batch's results live in the batch's arena, freed in one
 * call; the callback allocates there only under the batch mutex.
 * Everything kept from an answer is bounded (lib/limits.h).
 *
 * Cache. libunbound caches answers for their TTL (msg and rrset caches,
 * on by default); tests/integration/test-dns.c checks that a cached
 * answer is reused and that an expired one is asked again.
 */
#include "config.h"

#include "lib/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/wn.h"

#define DNS_MAX_NAME 253 /* text form, without the final dot (RFC 1035 2.3.4) */

struct dns {
	struct ub_ctx *ctx;
	pthread_t thread;
	int wake[2]; /* written to stop the delivery thread */
	unsigned int timeout_ms;
	unsigned int budget_ms;
	pthread_mutex_t mu;
	unsigned int batches; /* alive, for the assert in dns_free() */
};

struct dns_query {
	struct dns_batch *b;
	struct dns_result res;
	uint64_t deadline;
	int async_id;
	int inflight; /* libunbound may still call back */
};

struct dns_batch {
	struct dns *d;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct arena *a;
	uint64_t budget_end;
	size_t n;
	size_t pending;  /* results still DNS_PENDING */
	size_t inflight; /* callbacks that may still come */
	struct dns_query *q[WN_DNS_MAX_QUERIES];
};

static uint64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_PENDING: return "pending";
	case DNS_OK: return "ok";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_NODATA: return "nodata";
	case DNS_SERVFAIL: return "servfail";
	case DNS_TIMEOUT: return "timeout";
	case DNS_ERROR: return "error";
	}
	return "?";
}

const char *dns_type_name(enum dns_type t)
{
	switch (t) {
	case DNS_A: return "A";
	case DNS_PTR: return "PTR";
	case DNS_MX: return "MX";
	case DNS_TXT: return "TXT";
	case DNS_AAAA: return "AAAA";
	}
	return "?";
}

/* ---- forwarders: checked in lib/dns_forward.c ---- */

static int dns_set_fwd(void *ctx, const char *w, size_t n)
{
	char *s = xstrndup(w, n);
	int r = ub_ctx_set_fwd(ctx, s);

	free(s);
	return r == 0 ? 0 : -1;
}

/* ---- the context and its delivery thread ---- */

void dns_conf_from_cfg(struct dns_conf *conf, const struct cfg *c)
{
	conf->forward = cfg_str(c, "dns_forward");
	conf->timeout_ms = cfg_uint(c, "dns_timeout_ms");
	conf->budget_ms = cfg_uint(c, "dns_message_budget_ms");
}

static void *dns_thread(void *arg)
{
	struct dns *d = arg;
	struct pollfd p[2];

	p[0].fd = ub_fd(d->ctx);
	p[0].events = POLLIN;
	p[1].fd = d->wake[0];
	p[1].events = POLLIN;
	for (;;) {
		int r;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err_errno("dns: poll");
			break;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents != 0 && (r = ub_process(d->ctx)) != 0) {
			/* Nothing will be delivered any more: every query
			   then ends as a timeout, so mail still flows. */
			log_crit("dns: libunbound: %s; DNS answers stop", ub_strerror(r));
			break;
		}
	}
	return NULL;
}

/* Options that hold whichever servers are used. */
static int dns_ctx_options(struct ub_ctx *ctx)
{
	static const char *const opts[][2] = {
		/* A mail host's resolver often is a local one (127.0.0.1 in
		   resolv.conf), and tests forward to loopback. */
		{ "do-not-query-localhost:", "no" },
		/* libunbound answers these RFC 6761 names itself (NXDOMAIN,
		   "localhost.") without asking anyone; a configured server
		   knows better, and the test zones live under .test.
		   "nodefault" has no effect through set_option: transparent
		   does. */
		{ "local-zone:", "test. transparent" },
		{ "local-zone:", "127.in-addr.arpa. transparent" },
		/* Reverse zones of private ranges (AS112) too: the site's
		   resolver may serve PTRs for internal relays. */
		{ "unblock-lan-zones:", "yes" },
		{ "insecure-lan-zones:", "yes" },
		/* The cache honours each record's TTL, as is: no floor that
		   would keep a delisted IP listed, no stale answers. */
		{ "cache-min-ttl:", "0" },
		{ "serve-expired:", "no" },
		/* libunbound built without libevent keeps only 16 queries in
		   flight to a server (outgoing-range), so a message's 17th
		   lookup waited a whole round trip (measured: 24 lookups took
		   two round trips); a message's lookups must go out at once. */
		{ "outgoing-range:", "1024" },
		{ "num-queries-per-thread:", "1024" },
	};
	size_t i;

	for (i = 0; i < N_ELEMENTS(opts); i++) {
		if (ub_ctx_set_option(ctx, opts[i][0], opts[i][1]) != 0)
			return -1;
	}
	return 0;
}

static struct ub_ctx *dns_ctx_new(const struct dns_conf *conf, char **err_r)
{
	struct ub_ctx *ctx = ub_ctx_create();
	int r;

	if (ctx == NULL) {
		*err_r = xstrdup("dns: cannot create the libunbound context");
		return NULL;
	}
	if ((r = ub_ctx_async(ctx, 1)) != 0 || dns_ctx_options(ctx) < 0) {
		*err_r = buf_strdup_printf("dns: libunbound setup: %s",
					   r != 0 ? ub_strerror(r) : "bad option");
		ub_ctx_delete(ctx);
		return NULL;
	}
	if (conf->forward != NULL && conf->forward[strspn(conf->forward, ", \t")] != '\0') {
		char *why = NULL;
		if (dns_forward_each(conf->forward, dns_set_fwd, ctx, &why) < 0) {
			*err_r = buf_strdup_printf("dns_forward: %s", why);
			free(why);
			ub_ctx_delete(ctx);
			return NULL;
		}
	} else if ((r = ub_ctx_resolvconf(ctx, NULL)) != 0) {
		*err_r = buf_strdup_printf("dns: /etc/resolv.conf: %s",
					   r == UB_READFILE ? strerror(errno) : ub_strerror(r));
		ub_ctx_delete(ctx);
		return NULL;
	}
	return ctx;
}

struct dns *dns_new(const struct dns_conf *conf, char **err_r)
{
	struct dns *d;
	int r;

	if (conf->timeout_ms == 0 || conf->budget_ms == 0) {
		*err_r = xstrdup("dns: dns_timeout_ms and dns_message_budget_ms must be over 0");
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->timeout_ms = conf->timeout_ms;
	d->budget_ms = conf->budget_ms;
	if ((d->ctx = dns_ctx_new(conf, err_r)) == NULL) {
		free(d);
		return NULL;
	}
	if (pipe2(d->wake, O_CLOEXEC) < 0) {
		*err_r = buf_strdup_printf("dns: pipe: %s", strerror(errno));
		ub_ctx_delete(d->ctx);
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->mu, NULL);
	if ((r = pthread_create(&d->thread, NULL, dns_thread, d)) != 0) {
		*err_r = buf_strdup_printf("dns: thread: %s", strerror(r));
		close(d->wake[0]);
		close(d->wake[1]);
		ub_ctx_delete(d->ctx);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return NULL;
	}
	return d;
}

void dns_free(struct dns **dp)
{
	struct dns *d = *dp;
	ssize_t w;

	if (d == NULL)
		return;
	if (d->batches != 0)
		wn_panic("dns_free: %u batches still alive", d->batches);
	do
		w = write(d->wake[1], "x", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(d->thread, NULL);
	close(d->wake[0]);
	close(d->wake[1]);
	ub_ctx_delete(d->ctx);
	pthread_mutex_destroy(&d->mu);
	free(d);
	*dp = NULL;
}

/* ---- decoding answers ---- */

/* Appends the text form of the uncompressed wire name at data[*off] to
   out: labels joined by dots, no final dot, bytes other than letters,
   digits, '-' and '_' as \DDD (as dig prints them). */
static int dns_name_text(const uint8_t *data, size_t len, size_t *off, struct buf *out)
{
	size_t p = *off, wire = 0;

	for (;;) {
		size_t l, i;

		if (p >= len)
			return -1;
		l = data[p++];
		if (l > 63 || (wire += l + 1) > 255 || l > len - p)
			return -1; /* compression pointers included: never in rdata here */
		if (l == 0)
			break;
		if (out->len > 0)
			buf_append_char(out, '.');
		for (i = 0; i < l; i++) {
			uint8_t c = data[p + i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_')
				buf_append_char(out, (char)c);
			else
				buf_printf(out, "\\%03u", c);
		}
		p += l;
	}
	if (out->len == 0)
		buf_append_char(out, '.'); /* the root */
	*off = p;
	return 0;
}

static void dns_rr_set_text(struct arena *a, struct dns_rr *rr, const char *s, size_t n)
{
	rr->text = arena_strndup(a, s, n);
	rr->text_len = n;
}

static int dns_rdata_name(struct arena *a, const uint8_t *data, size_t len,
			  size_t off, struct dns_rr *rr)
{
	struct buf out = BUF_INIT;
	int ret = -1;

	if (dns_name_text(data, len, &off, &out) == 0 && off == len) {
		dns_rr_set_text(a, rr, buf_cstr(&out), out.len);
		ret = 0;
	}
	buf_free(&out);
	return ret;
}

/* TXT: character-strings, each <len><bytes>, filling the rdata. */
static int dns_rdata_txt(struct arena *a, const uint8_t *data, size_t len,
			 struct dns_rr *rr, size_t *txt_left)
{
	size_t p = 0, count = 0, total = 0, keep, i;
	const char **strs;
	size_t *lens;
	char *text;
	int cut = 0;

	while (p < len) {
		size_t l = data[p];
		if (l > len - p - 1)
			return -1;
		p += l + 1;
		count++;
	}
	strs = arena_alloc(a, (count + 1) * sizeof(*strs));
	lens = arena_alloc(a, (count + 1) * sizeof(*lens));
	text = arena_alloc(a, (len < *txt_left ? len : *txt_left) + 1);
	rr->nstrings = 0;
	for (p = 0, i = 0; i < count && !cut; i++) {
		size_t l = data[p++];
		keep = l;
		if (keep > *txt_left - total) {
			keep = *txt_left - total;
			cut = 1;
		}
		strs[i] = arena_strndup(a, (const char *)data + p, keep);
		lens[i] = keep;
		memcpy(text + total, data + p, keep);
		total += keep;
		rr->nstrings++;
		p += l;
	}
	text[total] = '\0';
	rr->strings = strs;
	rr->lens = lens;
	rr->text = text;
	rr->text_len = total;
	*txt_left -= total;
	return cut;
}

int dns_rdata_decode(struct arena *a, enum dns_type type, const uint8_t *data,
		     size_t len, struct dns_rr *rr, size_t *txt_left)
{
	char addr[INET6_ADDRSTRLEN];

	memset(rr, 0, sizeof(*rr));
	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		if (len != (type == DNS_A ? 4u : 16u))
			return -1;
		inet_ntop(type == DNS_A ? AF_INET : AF_INET6, data, addr, sizeof(addr));
		dns_rr_set_text(a, rr, addr, strlen(addr));
		return 0;
	case DNS_PTR:
		return dns_rdata_name(a, data, len, 0, rr);
	case DNS_MX:
		if (len < 3)
			return -1;
		rr->pref = (unsigned int)data[0] << 8 | data[1];
		return dns_rdata_name(a, data, len, 2, rr);
	case DNS_TXT:
		return dns_rdata_txt(a, data, len, rr, txt_left);
	}
	return -1;
}

/* Fills q's result from libunbound's answer; called under the batch mutex. */
static void dns_fill(struct dns_batch *b, struct dns_query *q, int err,
		     const struct ub_result *res)
{
	struct dns_result *r = &q->res;
	struct dns_rr *rr;
	size_t txt_left = WN_DNS_MAX_TXT, i, n = 0;

	if (err != 0 || res == NULL) {
		r->status = DNS_ERROR;
		r->why = arena_strdup(b->a, ub_strerror(err));
		return;
	}
	r->ttl = res->ttl > 0 ? (unsigned int)res->ttl : 0;
	if (res->rcode == 3 || res->nxdomain) {
		r->status = DNS_NXDOMAIN;
		return;
	}
	if (res->rcode != 0 || res->bogus) {
		r->status = DNS_SERVFAIL;
		r->why = res->bogus ? arena_strdup(b->a, "DNSSEC bogus")
				    : arena_printf(b->a, "rcode %d", res->rcode);
		return;
	}
	while (res->havedata && res->data[n] != NULL)
		n++;
	if (n > WN_DNS_MAX_ANSWERS) {
		n = WN_DNS_MAX_ANSWERS;
		r->truncated = 1;
	}
	rr = arena_zalloc(b->a, (n + 1) * sizeof(*rr));
	for (i = 0; i < n && txt_left > 0; i++) {
		int d = dns_rdata_decode(b->a, r->type, (const uint8_t *)res->data[i],
					 (size_t)res->len[i], &rr[r->n], &txt_left);
		if (d < 0)
			continue; /* malformed record: skipped, the others kept */
		r->n++;
		if (d > 0)
			r->truncated = 1;
	}
	if (i < n)
		r->truncated = 1;
	r->rr = rr;
	r->status = r->n > 0 ? DNS_OK : DNS_NODATA;
}

/* libunbound's callback, on the delivery thread. After the unlock the
   batch may be freed at once: touch nothing of it then. */
static void dns_callback(void *arg, int err, struct ub_result *res)
{
	struct dns_query *q = arg;
	struct dns_batch *b = q->b;

	pthread_mutex_lock(&b->mu);
	if (q->res.status == DNS_PENDING) {
		dns_fill(b, q, err, res);
		b->pending--;
	}
	q->inflight = 0;
	b->inflight--;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->mu);
	if (res != NULL)
		ub_resolve_free(res);
}

/* ---- batches ---- */

struct dns_batch *dns_batch_new(struct dns *d)
{
	struct dns_batch *b = xcalloc(1, sizeof(*b));
	pthread_condattr_t ca;

	b->d = d;
	b->a = arena_new(16 * 1024);
	b->budget_end = dns_now_ms() + d->budget_ms;
	pthread_mutex_init(&b->mu, NULL);
	/* Deadlines are on the monotonic clock: a clock step must not
	   stretch a wait. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&d->mu);
	d->batches++;
	pthread_mutex_unlock(&d->mu);
	return b;
}

/* Ends q as status (its result was pending); cancels it in libunbound.
   Called under the batch mutex: ub_cancel() only takes libunbound's own
   lock, which is never held while our callback runs. */
static void dns_query_end(struct dns_batch *b, struct dns_query *q, enum dns_status status)
{
	q->res.status = status;
	b->pending--;
	if (q->inflight && ub_cancel(b->d->ctx, q->async_id) == 0) {
		q->inflight = 0;
		b->inflight--;
	}
	/* else the answer is being delivered: dns_callback() will see the
	   result is final and only clear inflight */
}

void dns_batch_free(struct dns_batch **bp)
{
	struct dns_batch *b = *bp;
	size_t i;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	for (i = 0; i < b->n; i++) {
		if (b->q[i]->res.status == DNS_PENDING)
			dns_query_end(b, b->q[i], DNS_TIMEOUT);
	}
	while (b->inflight > 0)
		pthread_cond_wait(&b->cond, &b->mu);
	pthread_mutex_unlock(&b->mu);
	pthread_mutex_lock(&b->d->mu);
	b->d->batches--;
	pthread_mutex_unlock(&b->d->mu);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->mu);
	arena_free(&b->a);
	free(b);
	*bp = NULL;
}

/* A name libunbound can send as is: LDH-ish bytes (underscore for
   _dmarc, _domainkey), labels of 1-63, 253 in all; one final dot allowed.
   No backslash: it would be read as an escape. */
static int dns_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (c <= ' ' || c >= 0x7f || c == '\\' || ++label > 63) {
			return 0;
		}
	}
	return label > 0;
}

int dns_batch_add(struct dns_batch *b, enum dns_type type, const char *name)
{
	struct dns_query *q;
	uint64_t now = dns_now_ms();
	int h, id = 0, r;

	pthread_mutex_lock(&b->mu);
	if (b->n >= WN_DNS_MAX_QUERIES) {
		pthread_mutex_unlock(&b->mu);
		return -1;
	}
	q = arena_zalloc(b->a, sizeof(*q));
	q->b = b;
	q->res.type = type;
	q->res.name = arena_strdup(b->a, name);
	q->deadline = now + b->d->timeout_ms;
	if (q->deadline > b->budget_end)
		q->deadline = b->budget_end;
	h = (int)b->n;
	b->q[b->n++] = q;
	if (!dns_name_ok(name)) {
		q->res.status = DNS_ERROR;
		q->res.why = "bad name";
		pthread_mutex_unlock(&b->mu);
		return h;
	}
	if (now >= b->budget_end) {
		q->res.status = DNS_TIMEOUT; /* budget spent: never sent */
		pthread_mutex_unlock(&b->mu);
		return h;
	}
	b->pending++;
	q->inflight = 1;
	b->inflight++;
	/* Not under the mutex: ub_resolve_async() writes to a pipe that
	   drains only while the delivery thread, which may be waiting for
	   this mutex in our callback, runs. */
	pthread_mutex_unlock(&b->mu);
	r = ub_resolve_async(b->d->ctx, q->res.name, (int)type, 1, q, dns_callback, &id);
	pthread_mutex_lock(&b->mu);
	if (r != 0) {
		q->inflight = 0;
		b->inflight--;
		if (q->res.status == DNS_PENDING) {
			q->res.status = DNS_ERROR;
			q->res.why = arena_strdup(b->a, ub_strerror(r));
			b->pending--;
		}
	} else {
		q->async_id = id;
	}
	pthread_mutex_unlock(&b->mu);
	return h;
}

/* Ends the pending queries whose deadline has come; returns the next
   deadline among those left (or UINT64_MAX). Under the batch mutex. */
static uint64_t dns_batch_expire(struct dns_batch *b, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct dns_query *q = b->q[i];
		if (q->res.status != DNS_PENDING)
			continue;
		if (q->deadline <= now)
			dns_query_end(b, q, DNS_TIMEOUT);
		else if (q->deadline < next)
			next = q->deadline;
	}
	return next;
}

/* Waits until query h (or all, h < 0) is final or until `until`. */
static void dns_batch_wait_until(struct dns_batch *b, int h, uint64_t until)
{
	for (;;) {
		uint64_t now = dns_now_ms(), next;
		struct timespec ts;

		next = dns_batch_expire(b, now);
		if (h >= 0 ? b->q[h]->res.status != DNS_PENDING : b->pending == 0)
			return;
		if (now >= until)
			return;
		if (next > until)
			next = until;
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000;
		pthread_cond_timedwait(&b->cond, &b->mu, &ts);
	}
}

size_t dns_batch_wait(struct dns_batch *b, unsigned int wait_ms)
{
	size_t left;

	pthread_mutex_lock(&b->mu);
	dns_batch_wait_until(b, -1, dns_now_ms() + wait_ms);
	left = b->pending;
	pthread_mutex_unlock(&b->mu);
	return left;
}

int dns_batch_wait_one(struct dns_batch *b, int h, unsigned int wait_ms)
{
	int left;

	if (h < 0 || (size_t)h >= b->n)
		wn_panic("dns_batch_wait_one: bad handle %d", h);
	pthread_mutex_lock(&b->mu);
	dns_batch_wait_until(b, h, dns_now_ms() + wait_ms);
	left = b->q[h]->res.status == DNS_PENDING;
	pthread_mutex_unlock(&b->mu);
	return left;
}

const struct dns_result *dns_batch_result(struct dns_batch *b, int h)
{
	static const struct dns_result pending = { .status = DNS_PENDING };
	const struct dns_result *r;

	if (h < 0 || (size_t)h >= b->n)
		wn_panic("dns_batch_result: bad handle %d", h);
	/* A pending result is being written by the delivery thread: hand
	   out a constant instead. The lock orders the reads of a final one
	   after the callback's writes. */
	pthread_mutex_lock(&b->mu);
	r = b->q[h]->res.status == DNS_PENDING ? &pending : &b->q[h]->res;
	pthread_mutex_unlock(&b->mu);
	return r;
}

/* ---- helpers ---- */

int dns_reverse_name(const char *ip, const char *zone, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	struct buf b = BUF_INIT;
	int i, ret = -1;

	if (inet_pton(AF_INET, ip, a) == 1) {
		buf_printf(&b, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
			   zone != NULL ? zone : "in-addr.arpa");
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			/* ::ffff:1.2.3.4 is the IPv4 host, listed as such */
			buf_printf(&b, "%u.%u.%u.%u.%s", a[15], a[14], a[13], a[12],
				   zone != NULL ? zone : "in-addr.arpa");
		} else {
			for (i = 15; i >= 0; i--) {
				buf_append_char(&b, hex[a[i] & 0xf]);
				buf_append_char(&b, '.');
				buf_append_char(&b, hex[a[i] >> 4]);
				buf_append_char(&b, '.');
			}
			buf_append_str(&b, zone != NULL ? zone : "ip6.arpa");
		}
	} else {
		return -1;
	}
	if (b.len < size) {
		memcpy(out, buf_cstr(&b), b.len + 1);
		ret = 0;
	}
	buf_free(&b);
	return ret;
}

/* Strict dotted quad: four decimal octets, no leading '+' or spaces
   (inet_pton already refuses the shorthand forms inet_aton takes). */
static int dns_parse_ipv4(const char *s, uint32_t *r)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*r = ntohl(in.s_addr);
	return 0;
}

int dns_dnsbl_code(const char *answer, uint32_t *code_r)
{
	uint32_t v;

	if (dns_parse_ipv4(answer, &v) < 0 || (v >> 24) != 127 || (v >> 8) == 0x7fffff)
		return -1;
	*code_r = v;
	return 0;
}

/* A decimal or 0x-hex number that fits in 32 bits, and nothing else. */
static int dns_parse_mask(const char *s, uint32_t *r)
{
	unsigned long long v = 0;
	int base = 10, digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s != '\0'; s++, digits++) {
		int dv;
		if (*s >= '0' && *s <= '9')
			dv = *s - '0';
		else if (base == 16 && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f'))
			dv = (*s | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * (unsigned)base + (unsigned)dv;
		if (v > UINT32_MAX)
			return -1;
	}
	if (digits == 0 || v == 0)
		return -1;
	*r = (uint32_t)v;
	return 0;
}

int dns_dnsbl_sub_parse(const char *spec, struct dns_dnsbl_sub *r)
{
	const char *dash;
	char lo[INET_ADDRSTRLEN];

	memset(r, 0, sizeof(*r));
	if (spec == NULL || *spec == '\0') {
		r->kind = DNS_SUB_ANY;
		return 0;
	}
	if (strchr(spec, '.') == NULL) {
		r->kind = DNS_SUB_MASK;
		return dns_parse_mask(spec, &r->lo);
	}
	r->kind = DNS_SUB_RANGE;
	if ((dash = strchr(spec, '-')) == NULL) {
		if (dns_parse_ipv4(spec, &r->lo) < 0)
			return -1;
		r->hi = r->lo;
		return 0;
	}
	if ((size_t)(dash - spec) >= sizeof(lo))
		return -1;
	memcpy(lo, spec, (size_t)(dash - spec));
	lo[dash - spec] = '\0';
	if (dns_parse_ipv4(lo, &r->lo) < 0 || dns_parse_ipv4(dash + 1, &r->hi) < 0 ||
	    r->lo > r->hi)
		return -1;
	return 0;
}

int dns_dnsbl_sub_match(const struct dns_dnsbl_sub *s, uint32_t code)
{
	switch (s->kind) {
	case DNS_SUB_ANY: return 1;
	case DNS_SUB_RANGE: return code >= s->lo && code <= s->hi;
	case DNS_SUB_MASK: return (code & s->lo) != 0;
	}
	return 0;
}
