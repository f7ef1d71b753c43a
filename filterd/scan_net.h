/*
 * scan_net.h - the pipeline's network step: DNSBL and URIBL lookups the
 * rules ask for (and the plain dnsbl_zones key), SPF, DKIM, DMARC, all started
 * at once in one DNS batch as soon as the message is parsed, collected
 * just before the rules run (Bayes classifies meanwhile), and handed to
 * the rules (msg_facts.net), the hit list and Authentication-Results.
 *
 * Key use_network (default yes) turns the step on; dns_forward,
 * dns_timeout_ms and dns_message_budget_ms bound it (lib/dns.h): a dead
 * resolver costs at most the budget and the checks that timed out
 * contribute nothing.
 */
#ifndef SCAN_NET_H
#define SCAN_NET_H

#include "filterd/scan.h"

struct dns_batch;

/* The scan_check entries (filterd/scan.c's table): "net" starts, "net
   results" collects. */
int scan_net_load(struct scan_engine *eng, void **state_r, const char **err_r);
void scan_net_unload(void *state);
int scan_net_start(struct scan_ctx *ctx, void *state, const char **err_r);
int scan_net_collect(struct scan_ctx *ctx, void *state, const char **err_r);

/* Asking early, as soon as the inputs are known, without waiting: the
   answers land in the resolver's cache, so the scan at the end of the
   message finds them there instead of waiting a round trip while the
   message was on its way. Each returns the batch to free
   (dns_batch_free) when done with the connection or the message, or
   NULL (network step off, no client IP); the engine must stay loaded
   until then.
   At connect: the client's address in every DNSBL zone (the rules' and
   dnsbl_zones). */
struct dns_batch *scan_net_prefetch_client(const struct scan_engine *eng, const char *ip);
/* At MAIL FROM: the SPF records of the sender's domain and of the HELO
   name. */
struct dns_batch *scan_net_prefetch(const struct scan_engine *eng, struct arena *a,
				    const struct msg_envelope *env);

/* Why the message is to be refused for DMARC (its policy says reject,
   dmarc_reject is on, and SPF and DKIM had no DNS trouble), or NULL. */
const char *scan_net_reject(const struct scan_ctx *ctx);

/* The Authentication-Results field body for ctx (NULL when the network
   step did not run), under authserv_id. */
const char *scan_net_authres(struct scan_ctx *ctx, const char *authserv_id);

#endif
