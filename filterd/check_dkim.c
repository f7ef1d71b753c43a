/*
 * check_dkim.c - DKIM verification with libopendkim (RFC 6376; Ed25519
 * per RFC 8463 as libopendkim 2.11 implements it), keys through the
 * shared resolver.
 *
 * How the work is split, and why:
 * - We split the raw message into header fields and body ourselves
 *   (bounded by lib/limits.h) and feed libopendkim's dkim_header(),
 *   dkim_eoh(), dkim_body() with CRLF line ends, so LF-only input (a
 *   local file, spamc) verifies like CRLF input from SMTP.
 * - Only the first max_signatures DKIM-Signature fields are given to
 *   libopendkim: each one can cost a key query, a public-key operation
 *   and (with its own c= and l=) one more pass over the body, so a
 *   message with hundreds of them must not get them all. The others are
 *   listed as "neutral, not checked" with their d= and s=.
 * - libopendkim is told to delay signature processing to dkim_eom()
 *   (DKIM_LIBFLAGS_DELAYSIGPROC). Its prescreen callback, run at end of
 *   header, starts one TXT query per signature in the message's
 *   dns_batch; the body is hashed while the queries are out.
 *   chk_dkim_finish() waits for them (bounded by the batch's query
 *   timeout and budget), marks signatures whose query did not get an
 *   answer as ignored with a temperror of our own, and only then calls
 *   dkim_eom(), whose key lookup callback copies the answers in. So the
 *   callback never waits, a timeout never becomes a library-wide
 *   "try again" that would drop the other signatures, and libopendkim's
 *   own resolver is never used (its query hook is set to refuse).
 *
 * Memory: the job and every result string live in the caller's arena;
 * libopendkim's per-message handle is freed by chk_dkim_finish(), or by
 * an arena cleanup if the job is abandoned.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <opendkim/dkim.h>

#include "filterd/check_dkim.h"

#include "filterd/authres.h"
#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "lib/lines.h"
#include "lib/msg.h"
#include "lib/wn.h"

struct chk_dkim {
	DKIM_LIB *lib;
	unsigned int max_sigs;
};

/* One checked signature's key query, made at end of header. */
struct dkim_query {
	DKIM_SIGINFO *sig;
	const char *name; /* s._domainkey.d */
	int h;            /* batch handle, -1 when it could not be asked */
	/* Set when the answer settles the result before libopendkim
	   runs (timeout, server failure): the signature is then ignored
	   by libopendkim and reported with these. */
	enum chk_dkim_result res;
	const char *reason;
};

struct chk_dkim_job {
	struct chk_dkim *d;
	struct dns_batch *b;
	struct arena *a;
	DKIM *dkim;
	int no_sigs;      /* dkim_eoh() found nothing to check */
	const char *error; /* libopendkim failed on the message */
	struct arena_vec queries; /* struct dkim_query */
	struct arena_vec skipped; /* struct chk_dkim_sig, over the cap */
	unsigned int nfed;        /* DKIM-Signature fields given to libopendkim */
	const char *from_domain;
	char prev; /* last body byte fed, for LF -> CRLF */
};

/* ---- configuration and library ---- */

void chk_dkim_conf_from_cfg(struct chk_dkim_conf *conf, const struct cfg *c)
{
	conf->max_signatures = cfg_uint(c, "dkim_max_signatures");
}

/* libopendkim's own resolver must never run: every key comes from
   dkim_key_lookup(). Should it still try, the query is refused. */
static int dkim_refuse_query(void *srv, int type, unsigned char *query,
			     unsigned char *buf, size_t buflen, void **qh)
{
	(void)srv, (void)type, (void)query, (void)buf, (void)buflen, (void)qh;
	return DKIM_DNS_ERROR;
}

static DKIM_CBSTAT dkim_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs);
static DKIM_CBSTAT dkim_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig,
				   unsigned char *buf, size_t buflen);

struct chk_dkim *chk_dkim_new(const struct chk_dkim_conf *conf, char **err_r)
{
	struct chk_dkim *d;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_DELAYSIGPROC;

	*err_r = NULL;
	d = xmalloc(sizeof(*d));
	d->max_sigs = conf->max_signatures;
	d->lib = dkim_init(NULL, NULL);
	if (d->lib == NULL) {
		free(d);
		*err_r = xstrdup("dkim_init failed");
		return NULL;
	}
	if (dkim_options(d->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			 sizeof(flags)) != DKIM_STAT_OK) {
		dkim_close(d->lib);
		free(d);
		*err_r = xstrdup("dkim_options(DKIM_OPTS_FLAGS) failed");
		return NULL;
	}
	dkim_dns_set_query_start(d->lib, dkim_refuse_query);
	dkim_set_prescreen(d->lib, dkim_prescreen);
	dkim_set_key_lookup(d->lib, dkim_key_lookup);
	return d;
}

void chk_dkim_free(struct chk_dkim **dp)
{
	struct chk_dkim *d = *dp;

	if (d == NULL)
		return;
	dkim_close(d->lib);
	free(d);
	*dp = NULL;
}

/* ---- key queries ---- */

/* Starts the key query of every signature libopendkim could parse; a
   second signature with the same d= and s= shares the first one's. */
static DKIM_CBSTAT dkim_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct chk_dkim_job *j = dkim_get_user_context(dkim);

	for (int i = 0; i < nsigs; i++) {
		const char *dom = (const char *)dkim_sig_getdomain(sigs[i]);
		const char *sel = (const char *)dkim_sig_getselector(sigs[i]);
		struct dkim_query *q;
		char *name;

		if (dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN ||
		    dom == NULL || sel == NULL)
			continue; /* a syntax error: reported from its sig_error */
		name = arena_printf(j->a, "%s._domainkey.%s", sel, dom);
		q = ARENA_VEC_PUSH(j->a, &j->queries, struct dkim_query);
		q->sig = sigs[i];
		q->name = name;
		q->h = -1;
		for (size_t k = 0; k + 1 < j->queries.count; k++) {
			struct dkim_query *o = (struct dkim_query *)j->queries.v + k;

			if (o->h >= 0 && strcasecmp(o->name, name) == 0)
				q->h = o->h;
		}
		if (q->h < 0 && j->b != NULL)
			q->h = dns_batch_add(j->b, DNS_TXT, name);
	}
	return DKIM_CBSTAT_CONTINUE;
}

static struct dkim_query *job_query(struct chk_dkim_job *j, DKIM_SIGINFO *sig)
{
	struct dkim_query *q = j->queries.v;

	for (size_t k = 0; k < j->queries.count; k++)
		if (q[k].sig == sig)
			return &q[k];
	return NULL;
}

/* Settles q from its answer before libopendkim runs: a key record to
   hand over, a missing key (libopendkim reports "no key"), or a result
   of our own for which the signature is then ignored. */
static void query_settle(struct chk_dkim_job *j, struct dkim_query *q)
{
	const struct dns_result *r;

	if (q->h < 0) {
		q->res = CHK_DKIM_TEMPERROR;
		q->reason = j->b == NULL ? "no DNS resolver" : "too many DNS queries";
		return;
	}
	(void)dns_batch_wait_one(j->b, q->h, UINT_MAX); /* the batch bounds it */
	r = dns_batch_result(j->b, q->h);
	switch (r->status) {
	case DNS_OK:
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		return;
	case DNS_PENDING:
	case DNS_TIMEOUT:
		q->res = CHK_DKIM_TEMPERROR;
		q->reason = "key query timed out";
		return;
	case DNS_SERVFAIL:
	case DNS_ERROR:
		q->res = CHK_DKIM_TEMPERROR;
		q->reason = arena_printf(j->a, "key query failed: %s",
					 r->why != NULL ? r->why : dns_status_name(r->status));
		return;
	}
}

/* libopendkim asks for a key: hand over the first TXT record of the
   answer that query_settle() has already collected. */
static DKIM_CBSTAT dkim_key_lookup(DKIM *dkim, DKIM_SIGINFO *sig,
				   unsigned char *buf, size_t buflen)
{
	struct chk_dkim_job *j = dkim_get_user_context(dkim);
	struct dkim_query *q = job_query(j, sig);
	const struct dns_result *r;

	if (q == NULL || q->h < 0)
		return DKIM_CBSTAT_NOTFOUND; /* not reached: settled earlier */
	r = dns_batch_result(j->b, q->h);
	if (r->status != DNS_OK || r->n == 0)
		return DKIM_CBSTAT_NOTFOUND;
	if (r->rr[0].text_len >= buflen || r->truncated) {
		q->res = CHK_DKIM_PERMERROR;
		q->reason = "key record too long";
		return DKIM_CBSTAT_NOTFOUND;
	}
	memcpy(buf, r->rr[0].text, r->rr[0].text_len);
	buf[r->rr[0].text_len] = '\0';
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- feeding the message ---- */

static void job_cleanup(void *ctx)
{
	struct chk_dkim_job *j = ctx;

	if (j->dkim != NULL)
		dkim_free(j->dkim);
	j->dkim = NULL;
}

static void job_fail(struct chk_dkim_job *j, const char *what, DKIM_STAT st)
{
	const char *e = j->dkim != NULL ? dkim_geterror(j->dkim) : NULL;

	if (j->error == NULL)
		j->error = arena_printf(j->a, "%s: %s%s%s", what, dkim_getresultstr(st),
					e != NULL && *e != '\0' ? ": " : "",
					e != NULL ? e : "");
}

/* The field [p, p+n) without its final line end, every line end made
   CRLF; NUL-terminated, length in *len_r. */
static char *field_crlf(struct arena *a, const char *p, size_t n, size_t *len_r)
{
	char *out;

	n = lines_trim_end(p, n);
	out = arena_alloc(a, 2 * n + 1);
	*len_r = lines_crlf(out, p, n);
	return out;
}

/* The field's name is `name` (case-insensitive, WSP allowed before ':').
   Returns the value after the colon, or NULL. */
static const char *field_is(const char *f, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(f, name, n) != 0)
		return NULL;
	f += n;
	while (*f == ' ' || *f == '\t')
		f++;
	return *f == ':' ? f + 1 : NULL;
}

/* A tag's value in a tag=value list (RFC 6376 3.2), white space
   removed; NULL if absent. Only for the fields libopendkim never sees. */
static const char *tag_value(struct arena *a, const char *list, const char *tag)
{
	size_t tlen = strlen(tag);
	const char *p = list;

	while (*p != '\0') {
		const char *end = strchr(p, ';');
		const char *q = p;

		if (end == NULL)
			end = p + strlen(p);
		while (q < end && strchr(" \t\r\n", *q) != NULL)
			q++;
		if ((size_t)(end - q) > tlen && strncmp(q, tag, tlen) == 0) {
			const char *v = q + tlen;

			while (v < end && strchr(" \t\r\n", *v) != NULL)
				v++;
			if (v < end && *v == '=') {
				char *out = arena_alloc(a, (size_t)(end - v));
				size_t k = 0;

				for (v++; v < end; v++)
					if (strchr(" \t\r\n", *v) == NULL)
						out[k++] = *v;
				out[k] = '\0';
				return out;
			}
		}
		p = *end == ';' ? end + 1 : end;
	}
	return NULL;
}

static const char *first8(struct arena *a, const char *b)
{
	return b != NULL ? arena_strndup(a, b, strnlen(b, 8)) : NULL;
}

/* A DKIM-Signature field past the cap (neutral), or one libopendkim
   must not see (permerror): listed, never checked. */
static void skip_signature(struct chk_dkim_job *j, const char *value,
			   enum chk_dkim_result res, const char *reason)
{
	struct chk_dkim_sig *s = ARENA_VEC_PUSH(j->a, &j->skipped, struct chk_dkim_sig);

	s->result = res;
	s->reason = reason;
	s->domain = tag_value(j->a, value, "d");
	s->selector = tag_value(j->a, value, "s");
	s->algorithm = tag_value(j->a, value, "a");
	s->identity = tag_value(j->a, value, "i");
	s->b8 = first8(j->a, tag_value(j->a, value, "b"));
	s->body_length_used = tag_value(j->a, value, "l") != NULL;
	s->body_signed = s->body_total = -1;
}

static void note_from(struct chk_dkim_job *j, const char *value)
{
	char *v = arena_strdup(j->a, value);
	struct msg_addr *list;
	size_t k = 0;

	for (size_t i = 0; v[i] != '\0'; i++)
		if (v[i] != '\r' && v[i] != '\n')
			v[k++] = v[i];
	v[k] = '\0';
	if (msg_addr_parse(j->a, v, &list) > 0)
		j->from_domain = list[0].domain;
}

/* Does a field hold a byte below 0x20 other than CR, LF and TAB (its
   folding), or DEL? */
static int has_control(const char *f, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

/* One header field to libopendkim (or, past the cap, to the skipped list). */
static void feed_field(struct chk_dkim_job *j, const char *p, size_t n)
{
	size_t len;
	char *f = field_crlf(j->a, p, n, &len);
	const char *v;
	DKIM_STAT st;

	if (len == 0)
		return; /* a lone CR: libopendkim asserts on empty fields */
	if (memchr(f, '\0', len) != NULL && field_is(f, "DKIM-Signature") == NULL)
		return; /* RFC 5322 has no NUL in a field, and libopendkim
			   measures some copies with strlen: kept out, so a
			   signature covering it fails, as it should */
	if ((v = field_is(f, "DKIM-Signature")) != NULL) {
		if (j->nfed >= j->d->max_sigs) {
			skip_signature(j, v, CHK_DKIM_NEUTRAL,
				       arena_printf(j->a, "not checked: more than %u signatures",
						    j->d->max_sigs));
			return;
		}
		if (has_control(f, len)) {
			/* no valid signature has one (RFC 6376 3.2 tag values are
			   printable), and libopendkim's canonicalisation frees a
			   pointer it never allocated on some (found by fuzz-dkim) */
			skip_signature(j, v, CHK_DKIM_PERMERROR,
				       "syntax error: control character in the field");
			return;
		}
		j->nfed++;
	} else if (j->from_domain == NULL && (v = field_is(f, "From")) != NULL) {
		note_from(j, v);
	}
	st = dkim_header(j->dkim, (unsigned char *)f, len);
	/* a malformed field (no colon, a bad signature) is not our error */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		job_fail(j, "dkim_header", st);
}

/* Feeds the header fields; returns the offset of the body (len if none). */
static size_t feed_header(struct chk_dkim_job *j, const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	size_t nfields = 0;

	while (p < end) {
		const char *start = p;
		size_t n = lines_len(p, end);

		if (lines_blank(p, n))
			return (size_t)(p + n - raw);
		p += n;
		while (p < end && (*p == ' ' || *p == '\t'))
			p += lines_len(p, end);
		/* past the limits libopendkim sees no more fields; the
		   message parser flags such a header */
		if (nfields < WN_MSG_MAX_HEADERS &&
		    (size_t)(p - raw) <= WN_MSG_MAX_HEADER_SIZE && j->error == NULL)
			feed_field(j, start, (size_t)(p - start));
		nfields++;
	}
	return len;
}

/* The body with every bare LF made CRLF, in pieces. */
static void feed_body(struct chk_dkim_job *j, const char *p, size_t n)
{
	unsigned char buf[8192];
	size_t k = 0;

	for (size_t i = 0; i < n && j->error == NULL; i++) {
		if (p[i] == '\n' && j->prev != '\r')
			buf[k++] = '\r';
		buf[k++] = (unsigned char)p[i];
		j->prev = p[i];
		if (k >= sizeof(buf) - 1 || i + 1 == n) {
			DKIM_STAT st = dkim_body(j->dkim, buf, k);

			if (st != DKIM_STAT_OK)
				job_fail(j, "dkim_body", st);
			k = 0;
		}
	}
}

struct chk_dkim_job *chk_dkim_start(struct chk_dkim *d, struct dns_batch *b,
				    struct arena *a, const char *raw, size_t len)
{
	struct chk_dkim_job *j = arena_zalloc(a, sizeof(*j));
	DKIM_STAT st = DKIM_STAT_OK;
	size_t body;

	j->d = d;
	j->b = b;
	j->a = a;
	j->prev = '\n';
	j->dkim = dkim_verify(d->lib, (const unsigned char *)"winnow", NULL, &st);
	if (j->dkim == NULL) {
		job_fail(j, "dkim_verify", st);
		return j;
	}
	arena_add_cleanup(a, job_cleanup, j);
	dkim_set_user_context(j->dkim, j);
	body = feed_header(j, raw, len);
	if (j->error != NULL)
		return j;
	st = dkim_eoh(j->dkim);
	if (st == DKIM_STAT_NOSIG) {
		j->no_sigs = 1;
		return j;
	}
	if (st != DKIM_STAT_OK) {
		job_fail(j, "dkim_eoh", st);
		return j;
	}
	feed_body(j, raw + body, len - body);
	return j;
}

/* ---- results ---- */

/* A signature libopendkim checked (or refused), as a result and reason. */
static void sig_outcome(DKIM_SIGINFO *sig, struct chk_dkim_sig *s)
{
	unsigned int flags = dkim_sig_getflags(sig);
	int err = dkim_sig_geterror(sig);
	int bh = dkim_sig_getbh(sig);

	s->result = CHK_DKIM_PERMERROR;
	switch (err) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_BADSIG:
		if ((flags & DKIM_SIGFLAG_PASSED) == 0) {
			s->result = CHK_DKIM_FAIL;
			s->reason = "bad signature";
		} else if (bh != DKIM_SIGBH_MATCH) {
			s->result = CHK_DKIM_FAIL;
			s->reason = "bad body hash";
		} else {
			s->result = CHK_DKIM_PASS;
		}
		return;
	case DKIM_SIGERROR_UNKNOWN:
		s->result = CHK_DKIM_TEMPERROR;
		s->reason = "not verified";
		return;
	case DKIM_SIGERROR_NOKEY:
		s->reason = "key not found";
		return;
	case DKIM_SIGERROR_KEYREVOKED:
		s->reason = "key revoked";
		return;
	case DKIM_SIGERROR_KEYFAIL:
		s->result = CHK_DKIM_TEMPERROR;
		s->reason = "key query failed";
		return;
	case DKIM_SIGERROR_TOOLARGE_L:
		s->result = CHK_DKIM_FAIL;
		s->reason = "l= exceeds the body length";
		return;
	case DKIM_SIGERROR_KEYTOOSMALL:
		s->reason = "key too small";
		return;
	case DKIM_SIGERROR_EXPIRED:
		s->reason = "signature expired";
		return;
	case DKIM_SIGERROR_FUTURE:
		s->reason = "signature in the future";
		return;
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_MULTIREPLY:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYDECODE:
		s->reason = "bad key record";
		break;
	default:
		s->reason = "syntax error";
		break;
	}
	/* keep libopendkim's detail: "syntax error: signature missing ..." */
	if (dkim_sig_geterrorstr(err) != NULL)
		s->reason = NULL; /* filled by the caller with the detail */
}

/* RFC 6376 base64string: the base64 alphabet and "=", with FWS. */
static int base64_ok(const char *v)
{
	if (v == NULL)
		return 1;
	for (; *v != '\0'; v++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789+/= \t\r\n", *v) == NULL)
			return 0;
	return 1;
}

/* A tag of a signature libopendkim parsed, copied into a; NULL if absent. */
static const char *sig_tag(struct arena *a, DKIM_SIGINFO *sig, const char *tag)
{
	const unsigned char *v = dkim_sig_gettagvalue(sig, 0, (unsigned char *)tag);

	return v != NULL ? arena_strdup(a, (const char *)v) : NULL;
}

static void sig_fill(struct chk_dkim_job *j, DKIM_SIGINFO *sig, struct chk_dkim_sig *s)
{
	struct dkim_query *q = job_query(j, sig);
	ssize_t msglen = -1, canonlen = -1, signlen = -1;
	unsigned int bits = 0;

	/* copies: libopendkim's strings go with dkim_free() */
	s->domain = sig_tag(j->a, sig, "d");
	s->selector = sig_tag(j->a, sig, "s");
	s->algorithm = sig_tag(j->a, sig, "a");
	s->identity = sig_tag(j->a, sig, "i");
	s->b8 = first8(j->a, sig_tag(j->a, sig, "b"));
	s->body_length_used = sig_tag(j->a, sig, "l") != NULL;
	s->body_signed = s->body_total = -1;
	if (dkim_sig_getcanonlen(j->dkim, sig, &msglen, &canonlen, &signlen) == DKIM_STAT_OK) {
		s->body_total = msglen;
		s->body_signed = canonlen;
	}
	if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		s->key_bits = bits;
	s->testing = (dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) != 0;
	if (q != NULL && q->reason != NULL) {
		s->result = q->res;
		s->reason = q->reason;
		return;
	}
	sig_outcome(sig, s);
	/* libopendkim's base64 decoder skips stray characters, so "b=!!x"
	   could still pass; RFC 6376 3.5 allows only base64 and FWS there */
	if ((s->result == CHK_DKIM_PASS || s->result == CHK_DKIM_FAIL) &&
	    (!base64_ok(sig_tag(j->a, sig, "b")) || !base64_ok(sig_tag(j->a, sig, "bh")))) {
		s->result = CHK_DKIM_PERMERROR;
		s->reason = "syntax error: b= or bh= is not base64";
		return;
	}
	if (s->result == CHK_DKIM_PERMERROR && s->reason == NULL) {
		int err = dkim_sig_geterror(sig);
		int key = err == DKIM_SIGERROR_DNSSYNTAX || err == DKIM_SIGERROR_MULTIREPLY ||
			  (err >= DKIM_SIGERROR_KEYVERSION && err <= DKIM_SIGERROR_KEYDECODE);

		s->reason = arena_printf(j->a, "%s: %s", key ? "bad key record" : "syntax error",
					 dkim_sig_geterrorstr(err));
	}
}

/* Every checked signature whose key query got no usable answer is
   settled now and hidden from libopendkim. */
static void settle_queries(struct chk_dkim_job *j)
{
	struct dkim_query *q = j->queries.v;

	for (size_t k = 0; k < j->queries.count; k++) {
		query_settle(j, &q[k]);
		if (q[k].reason != NULL)
			dkim_sig_ignore(q[k].sig);
	}
}

void chk_dkim_finish(struct chk_dkim_job *j, struct chk_dkim_results *r)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	struct chk_dkim_sig *skipped = j->skipped.v;

	memset(r, 0, sizeof(*r));
	r->from_domain = j->from_domain != NULL ? j->from_domain : "";
	if (j->dkim != NULL && !j->no_sigs && j->error == NULL) {
		DKIM_STAT st;

		settle_queries(j);
		st = dkim_eom(j->dkim, NULL);
		/* NOSIG: every signature ignored (all settled by us);
		   CANTVRFY, BADSIG, NOKEY...: the first signature's outcome,
		   which we read per signature below */
		if (st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL ||
		    st == DKIM_STAT_INVALID)
			job_fail(j, "dkim_eom", st);
	}
	if (j->dkim != NULL && (dkim_getsiglist(j->dkim, &sigs, &nsigs) != DKIM_STAT_OK ||
				sigs == NULL))
		nsigs = 0;
	r->nchecked = (size_t)nsigs;
	r->nsigs = (size_t)nsigs + j->skipped.count;
	if (r->nsigs > 0)
		r->sigs = arena_zalloc(j->a, r->nsigs * sizeof(*r->sigs));
	for (int i = 0; i < nsigs; i++) {
		sig_fill(j, sigs[i], &r->sigs[i]);
		if (j->error != NULL) {
			r->sigs[i].result = CHK_DKIM_TEMPERROR;
			r->sigs[i].reason = j->error;
		}
	}
	for (size_t i = 0; i < j->skipped.count; i++)
		r->sigs[(size_t)nsigs + i] = skipped[i];
	r->error = j->error;
	job_cleanup(j);
}

void chk_dkim_verify(struct chk_dkim *d, struct dns_batch *b, struct arena *a,
		     const char *raw, size_t len, struct chk_dkim_results *r)
{
	chk_dkim_finish(chk_dkim_start(d, b, a, raw, len), r);
}

/* ---- hits and Authentication-Results ---- */

/* d= is dom or a parent domain of it (SpamAssassin's author match). */
static int aligned(const char *d, const char *dom)
{
	size_t dl, nl;

	if (d == NULL || dom == NULL || *d == '\0' || *dom == '\0')
		return 0;
	dl = strlen(d);
	nl = strlen(dom);
	if (nl == dl)
		return strcasecmp(d, dom) == 0;
	return nl > dl && dom[nl - dl - 1] == '.' && strcasecmp(dom + nl - dl, d) == 0;
}

unsigned int chk_dkim_hits(const struct chk_dkim_results *r, const char *env_from)
{
	const char *env = NULL;
	unsigned int hits = 0;
	int temp = 0, hard = 0;

	if (env_from != NULL && *env_from != '\0') {
		const char *at = strrchr(env_from, '@');

		env = at != NULL ? at + 1 : env_from;
	}
	for (size_t i = 0; i < r->nsigs; i++) {
		const struct chk_dkim_sig *s = &r->sigs[i];

		hits |= CHK_DKIM_HIT_SIGNED;
		if (s->result == CHK_DKIM_TEMPERROR)
			temp = 1;
		else if (s->result != CHK_DKIM_PASS && s->result != CHK_DKIM_NEUTRAL)
			hard = 1;
		if (s->result != CHK_DKIM_PASS)
			continue;
		hits |= CHK_DKIM_HIT_VALID;
		if (aligned(s->domain, r->from_domain))
			hits |= CHK_DKIM_HIT_VALID_AU;
		if (aligned(s->domain, env))
			hits |= CHK_DKIM_HIT_VALID_EF;
	}
	if ((hits & CHK_DKIM_HIT_SIGNED) && !(hits & CHK_DKIM_HIT_VALID) && (hard || !temp))
		hits |= CHK_DKIM_HIT_INVALID;
	return hits;
}

const char *chk_dkim_hit_name(unsigned int bit)
{
	switch (bit) {
	case CHK_DKIM_HIT_SIGNED: return "DKIM_SIGNED";
	case CHK_DKIM_HIT_VALID: return "DKIM_VALID";
	case CHK_DKIM_HIT_VALID_AU: return "DKIM_VALID_AU";
	case CHK_DKIM_HIT_VALID_EF: return "DKIM_VALID_EF";
	case CHK_DKIM_HIT_INVALID: return "DKIM_INVALID";
	}
	return NULL;
}

const char *chk_dkim_result_name(enum chk_dkim_result res)
{
	switch (res) {
	case CHK_DKIM_NONE: return "none";
	case CHK_DKIM_PASS: return "pass";
	case CHK_DKIM_FAIL: return "fail";
	case CHK_DKIM_NEUTRAL: return "neutral";
	case CHK_DKIM_TEMPERROR: return "temperror";
	case CHK_DKIM_PERMERROR: return "permerror";
	}
	return "permerror";
}


char *chk_dkim_ar(struct arena *a, const struct chk_dkim_results *r, size_t i)
{
	const struct chk_dkim_sig *s;
	const char *prop[] = { "header.d", "header.s", "header.a", "header.b" };
	const char *val[4];
	char *out;

	if (r->nsigs == 0 || i >= r->nsigs)
		return arena_strdup(a, "dkim=none");
	s = &r->sigs[i];
	out = arena_strcat(a, "dkim=", chk_dkim_result_name(s->result), NULL);
	if (s->reason != NULL)
		out = arena_strcat(a, out, " reason=", authres_value(a, s->reason), NULL);
	val[0] = s->domain;
	val[1] = s->selector;
	val[2] = s->algorithm;
	val[3] = s->b8;
	for (size_t k = 0; k < 4; k++)
		if (val[k] != NULL && *val[k] != '\0')
			out = arena_strcat(a, out, " ", prop[k], "=", authres_value(a, val[k]), NULL);
	return out;
}
