/*
 * fuzz-spf.c - libFuzzer target for the untrusted text SPF handles: the
 * input's first line is the MAIL FROM, the second the HELO, the third
 * the client address (normalised by spf_start(), which sends nothing
 * for an input that is not an address), the rest an SPF record, which
 * libspf2 compiles and, for a valid record, evaluates with every lookup
 * answered "no data" (no network).
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>

#include "filterd/check_spf.h"
#include "lib/arena.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SPF_dns_rr_t *nodata(SPF_dns_server_t *s, const char *domain, ns_type t, int c)
{
	(void)c;
	return SPF_dns_rr_new_init(s, domain, t, 0, NO_DATA);
}

static char *next_line(char **p)
{
	char *s = *p, *nl = strchr(s, '\n');

	if (nl != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static void fuzz_record(const char *ip, const char *record)
{
	static SPF_dns_server_t layer = { .lookup = nodata, .name = "fuzz" };
	static SPF_server_t *srv;
	SPF_request_t *req;
	SPF_response_t *resp, *r2;
	SPF_record_t *rec = NULL;

	if (srv == NULL) {
		srv = SPF_server_new_dns(&layer, 0);
		SPF_server_set_rec_dom(srv, "mx.fuzz.test");
	}
	req = SPF_request_new(srv);
	if (SPF_request_set_ipv4_str(req, ip) != SPF_E_SUCCESS)
		SPF_request_set_ipv4_str(req, "192.0.2.1");
	SPF_request_set_env_from(req, "x@fuzz.test");
	req->cur_dom = "fuzz.test";
	resp = SPF_response_new(req);
	if (SPF_record_compile(srv, resp, &rec, record) == SPF_E_SUCCESS && rec != NULL) {
		r2 = SPF_response_new(req);
		r2->spf_record_exp = rec;
		SPF_record_interpret(rec, req, r2, 0);
		SPF_response_free(r2);
	}
	if (rec != NULL)
		SPF_record_free(rec);
	SPF_response_free(resp);
	SPF_request_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1), *p = buf;
	struct arena *a = arena_new(4096);
	struct spf_result mf, he;
	struct spf_request req;
	char *from, *helo, *ip;

	memcpy(buf, data, size);
	buf[size] = '\0';
	from = next_line(&p);
	helo = next_line(&p);
	ip = next_line(&p);
	/* a real address would send queries: keep it text only */
	req.client_ip = "not an address";
	req.helo = helo;
	req.mail_from = from;
	req.receiver = NULL;
	spf_collect(spf_start(a, NULL, &req), &mf, &he);
	if (mf.result != SPF_RES_NONE || he.result != SPF_RES_NONE)
		abort();
	fuzz_record(ip, p);
	arena_free(&a);
	free(buf);
	return 0;
}
