/*
 * dkim_sign.c - DKIM signing with libopendkim (see dkim_sign.h).
 *
 * How, and why:
 * - Keys are read once, when a signer is built (at start and at reload
 *   through the engine hooks), checked with OpenSSL (a PEM RSA key of at
 *   least 1024 bits, RFC 8301, or an Ed25519 key; no passphrase) and
 *   then used for one test signature each, so a key libopendkim cannot
 *   use is refused with its file name then, not found at the first
 *   message.
 * - One libopendkim library handle per signer: the header lists
 *   (dkim_sign_headers, dkim_sign_oversign) are library options.
 * - We split the message into fields and body ourselves and feed them
 *   with CRLF line ends, as check_dkim.c does for verification.
 * - A message is signed by every key of the first domain that has keys:
 *   the From: domain, then (dkim_sign_subdomains) its parents.
 *
 * Memory: a signer is heap memory with a reference count (scan threads
 * share it); per-message results live in the caller's arena, and
 * libopendkim's per-message handles are freed before returning.
 *
 * Limits: key files of WN_DKIM_SIGN_MAX_KEY_FILE bytes, at most
 * WN_DKIM_SIGN_MAX_KEYS keys, WN_MSG_MAX_HEADERS header fields.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <opendkim/dkim.h>

#include "filterd/daemon.h"
#include "filterd/dkim_sign.h"
#include "filterd/scan.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/limits.h"
#include "lib/lines.h"
#include "lib/msg.h"
#include "lib/wn.h"

struct sign_key {
	char *entry; /* as configured, for errors */
	char *domain, *selector, *path;
	char *pem;   /* the key file, NUL-terminated */
	dkim_alg_t alg;
	const char *alg_name;
};

struct sign_net {
	unsigned char addr[16];
	int family, bits;
};

struct dkim_signer {
	unsigned int refs;
	char *confsig; /* the dkim_sign_* values it was made from */
	DKIM_LIB *lib; /* NULL when there are no keys */
	struct sign_key *keys;
	size_t nkeys;
	struct sign_net *nets;
	size_t nnets;
	char **signhdrs, **oversign; /* NULL-terminated, libopendkim options */
	dkim_canon_t hcanon, bcanon;
	int subdomains;
};

/* Every key a signer is made from, in the order of its confsig. */
static const char *const sign_cfg_keys[] = {
	"dkim_sign_keys",     "dkim_sign_headers",  "dkim_sign_oversign",
	"dkim_sign_canon",    "dkim_sign_networks", "dkim_sign_subdomains",
};

/* ---- parsers ---- */

static int sign_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
			   s[i]) == NULL || s[i] == '\0')
			return 0;
	return s[0] != '.' && s[n - 1] != '.' && strstr(s, "..") == NULL;
}

int dkim_sign_parse_entry(const char *s, char **domain_r, char **selector_r, char **path_r,
			  const char **why_r)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

	if (c2 == NULL) {
		*why_r = "expected DOMAIN:SELECTOR:/path/to/key.pem";
		return -1;
	}
	if (!sign_name_ok(s, (size_t)(c1 - s)) || memchr(s, '_', (size_t)(c1 - s)) != NULL) {
		*why_r = "not a domain name";
		return -1;
	}
	if (!sign_name_ok(c1 + 1, (size_t)(c2 - c1 - 1))) {
		*why_r = "not a selector";
		return -1;
	}
	if (c2[1] != '/') {
		*why_r = "the key file must be an absolute path";
		return -1;
	}
	*domain_r = xstrndup(s, (size_t)(c1 - s));
	for (char *p = *domain_r; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	*selector_r = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	*path_r = xstrdup(c2 + 1);
	return 0;
}

int dkim_sign_parse_net(const char *s, unsigned char addr[16], int *family_r, int *bits_r)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long bits;
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family_r = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family_r = 6;
	else
		return -1;
	*bits_r = *family_r == 4 ? 32 : 128;
	if (slash == NULL)
		return 0;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || bits < 0 || bits > *bits_r)
		return -1;
	*bits_r = (int)bits;
	return 0;
}

static int sign_net_contains(const struct sign_net *n, const unsigned char *a, int family)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (n->family != family)
		return 0;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	       ((n->addr[full] ^ a[full]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

/* Is ip (an address as the MTA gives it) in one of s's networks? An
   IPv4-mapped IPv6 address counts as its IPv4 address. */
static int sign_ip_local(const struct dkim_signer *s, const char *ip)
{
	unsigned char a[16];
	int family, bits;

	if (ip == NULL || dkim_sign_parse_net(ip, a, &family, &bits) < 0 || strchr(ip, '/'))
		return 0;
	if (family == 6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);
		memset(a + 4, 0, 12);
		family = 4;
	}
	for (size_t i = 0; i < s->nnets; i++)
		if (sign_net_contains(&s->nets[i], a, family))
			return 1;
	return 0;
}

/* ---- loading ---- */

static char *sign_confsig(const struct cfg *c)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < N_ELEMENTS(sign_cfg_keys); i++) {
		buf_append_str(&b, cfg_str(c, sign_cfg_keys[i]));
		buf_append_char(&b, '\n');
	}
	return buf_steal(&b);
}

static void sign_free(struct dkim_signer *s)
{
	if (s->lib != NULL)
		dkim_close(s->lib); /* first: it may point at our header lists */
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->keys[i].entry);
		free(s->keys[i].domain);
		free(s->keys[i].selector);
		free(s->keys[i].path);
		free(s->keys[i].pem);
	}
	for (size_t i = 0; s->signhdrs != NULL && s->signhdrs[i] != NULL; i++)
		free(s->signhdrs[i]);
	for (size_t i = 0; s->oversign != NULL && s->oversign[i] != NULL; i++)
		free(s->oversign[i]);
	free(s->signhdrs);
	free(s->oversign);
	free(s->keys);
	free(s->nets);
	free(s->confsig);
	free(s);
}

/* Reads a whole key file (at most the limit) into a NUL-terminated
   heap string. */
static char *sign_read_file(const char *path, char **err_r)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err_r = buf_strdup_printf("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > WN_DKIM_SIGN_MAX_KEY_FILE) {
			*err_r = buf_strdup_printf("%s: larger than %zu bytes: not a key", path,
						   WN_DKIM_SIGN_MAX_KEY_FILE);
			break;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	if (n < 0)
		*err_r = buf_strdup_printf("%s: cannot read: %s", path, strerror(errno));
	close(fd);
	if (n != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* OpenSSL must never ask a terminal for a passphrase. */
static int sign_no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return -1;
}

/* Which algorithm the PEM key in k->pem is for; -1 with *err_r. */
static int sign_key_type(struct sign_key *k, char **err_r)
{
	BIO *bio = BIO_new_mem_buf(k->pem, (int)strlen(k->pem));
	EVP_PKEY *pk = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, sign_no_passphrase, NULL)
				   : NULL;
	int ret = 0;

	BIO_free(bio);
	if (pk == NULL) {
		*err_r = buf_strdup_printf("%s: not a PEM private key (or one with a passphrase)",
					   k->path);
		return -1;
	}
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) >= 1024) {
		k->alg = DKIM_SIGN_RSASHA256;
		k->alg_name = "rsa-sha256";
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		*err_r = buf_strdup_printf("%s: a %d-bit RSA key; DKIM needs 1024 bits or more "
					   "(RFC 8301)", k->path, EVP_PKEY_get_bits(pk));
		ret = -1;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
		k->alg = DKIM_SIGN_ED25519SHA256;
		k->alg_name = "ed25519-sha256";
	} else {
		*err_r = buf_strdup_printf("%s: neither an RSA nor an Ed25519 key", k->path);
		ret = -1;
	}
	EVP_PKEY_free(pk);
	return ret;
}

static int sign_feed(DKIM *d, const char *raw, size_t len, const char **why_r);

/* One test signature with k, so a key libopendkim rejects is found now. */
static int sign_key_try(const struct dkim_signer *s, const struct sign_key *k, char **err_r)
{
	static const char msg[] = "From: <test@example.invalid>\r\nSubject: key test\r\n\r\nx\r\n";
	DKIM_STAT st;
	DKIM *d = dkim_sign(s->lib, (const unsigned char *)"key-test", NULL,
			    (dkim_sigkey_t)k->pem, (const unsigned char *)k->selector,
			    (const unsigned char *)k->domain, s->hcanon, s->bcanon, k->alg, -1, &st);
	const char *why = NULL;
	unsigned char *hdr;
	size_t hlen;

	if (d != NULL && sign_feed(d, msg, sizeof(msg) - 1, &why) == 0 &&
	    dkim_getsighdr_d(d, 16, &hdr, &hlen) == DKIM_STAT_OK) {
		dkim_free(d);
		return 0;
	}
	*err_r = buf_strdup_printf("%s: libopendkim cannot sign with it: %s", k->path,
				   why != NULL ? why
				   : d != NULL && dkim_geterror(d) != NULL ? dkim_geterror(d)
				   : dkim_getresultstr(st));
	if (d != NULL)
		dkim_free(d);
	return -1;
}

static int sign_load_key(struct dkim_signer *s, const char *entry, char **err_r)
{
	struct sign_key *k = &s->keys[s->nkeys];
	const char *why;
	char *e = NULL;

	memset(k, 0, sizeof(*k));
	if (dkim_sign_parse_entry(entry, &k->domain, &k->selector, &k->path, &why) < 0) {
		*err_r = buf_strdup_printf("%s: %s", entry, why);
		return -1;
	}
	k->entry = xstrdup(entry);
	s->nkeys++; /* freed with s from here on */
	if ((k->pem = sign_read_file(k->path, &e)) == NULL || sign_key_type(k, &e) < 0 ||
	    sign_key_try(s, k, &e) < 0) {
		*err_r = buf_strdup_printf("%s: %s", entry, e);
		free(e);
		return -1;
	}
	return 0;
}

static char **sign_names(const struct cfg *c, const char *key)
{
	const char *const *v;
	size_t n = cfg_list(c, key, &v);
	char **out = xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++) {
		out[i] = xstrdup(v[i]);
		for (char *p = out[i]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	return out;
}

static int sign_canon(const char *s, dkim_canon_t *r)
{
	if (strcasecmp(s, "relaxed") == 0)
		*r = DKIM_CANON_RELAXED;
	else if (strcasecmp(s, "simple") == 0)
		*r = DKIM_CANON_SIMPLE;
	else
		return -1;
	return 0;
}

/* dkim_sign_canon: "H/B", or "H" alone with a simple body (RFC 6376 3.5). */
static int sign_load_canon(struct dkim_signer *s, const char *v, char **err_r)
{
	const char *slash = strchr(v, '/');
	char *h = xstrndup(v, slash != NULL ? (size_t)(slash - v) : strlen(v));
	int ok = sign_canon(h, &s->hcanon) == 0 &&
		 (slash == NULL ? (s->bcanon = DKIM_CANON_SIMPLE, 1)
				: sign_canon(slash + 1, &s->bcanon) == 0);

	free(h);
	if (!ok)
		*err_r = buf_strdup_printf("dkim_sign_canon: '%s': expected relaxed/relaxed, "
					   "relaxed/simple, simple/relaxed or simple/simple", v);
	return ok ? 0 : -1;
}

static int sign_load_nets(struct dkim_signer *s, const struct cfg *c, char **err_r)
{
	const char *const *v;
	size_t n = cfg_list(c, "dkim_sign_networks", &v);

	s->nets = xcalloc(n + 1, sizeof(*s->nets));
	for (size_t i = 0; i < n; i++) {
		struct sign_net *net = &s->nets[s->nnets];

		if (dkim_sign_parse_net(v[i], net->addr, &net->family, &net->bits) < 0) {
			*err_r = buf_strdup_printf("dkim_sign_networks: '%s' is not an address "
						   "or ADDRESS/BITS", v[i]);
			return -1;
		}
		s->nnets++;
	}
	return 0;
}

/* libopendkim with our header lists; never its resolver (signing needs
   none, and every query of ours goes through lib/dns). */
static int sign_refuse_query(void *srv, int type, unsigned char *query, unsigned char *buf,
			     size_t buflen, void **qh)
{
	(void)srv, (void)type, (void)query, (void)buf, (void)buflen, (void)qh;
	return DKIM_DNS_ERROR;
}

static int sign_load_lib(struct dkim_signer *s, const struct cfg *c, char **err_r)
{
	s->signhdrs = sign_names(c, "dkim_sign_headers");
	s->oversign = sign_names(c, "dkim_sign_oversign");
	if (s->signhdrs[0] == NULL) {
		*err_r = xstrdup("dkim_sign_headers: empty (From: at least must be signed)");
		return -1;
	}
	if ((s->lib = dkim_init(NULL, NULL)) == NULL) {
		*err_r = xstrdup("dkim_init failed");
		return -1;
	}
	dkim_dns_set_query_start(s->lib, sign_refuse_query);
	if (dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, s->signhdrs,
			 sizeof(char **)) != DKIM_STAT_OK ||
	    (s->oversign[0] != NULL &&
	     dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, s->oversign,
			  sizeof(char **)) != DKIM_STAT_OK)) {
		*err_r = xstrdup("dkim_sign_headers: libopendkim refused the header list");
		return -1;
	}
	return 0;
}

static int sign_load(struct dkim_signer *s, const struct cfg *c, char **err_r)
{
	const char *const *keys;
	size_t nkeys = cfg_list(c, "dkim_sign_keys", &keys);

	s->subdomains = cfg_bool(c, "dkim_sign_subdomains");
	if (sign_load_canon(s, cfg_str(c, "dkim_sign_canon"), err_r) < 0 ||
	    sign_load_nets(s, c, err_r) < 0)
		return -1;
	if (nkeys == 0)
		return 0;
	if (nkeys > WN_DKIM_SIGN_MAX_KEYS) {
		*err_r = buf_strdup_printf("dkim_sign_keys: more than %d keys",
					   WN_DKIM_SIGN_MAX_KEYS);
		return -1;
	}
	if (sign_load_lib(s, c, err_r) < 0)
		return -1;
	s->keys = xcalloc(nkeys, sizeof(*s->keys));
	for (size_t i = 0; i < nkeys; i++) {
		char *e = NULL;

		if (sign_load_key(s, keys[i], &e) < 0) {
			*err_r = buf_strdup_printf("dkim_sign_keys: %s", e);
			free(e);
			return -1;
		}
	}
	return 0;
}

struct dkim_signer *dkim_signer_new(const struct cfg *c, char **err_r)
{
	struct dkim_signer *s = xcalloc(1, sizeof(*s));

	*err_r = NULL;
	s->refs = 1;
	s->confsig = sign_confsig(c);
	if (sign_load(s, c, err_r) < 0) {
		sign_free(s);
		return NULL;
	}
	return s;
}

void dkim_signer_put(struct dkim_signer **sp)
{
	struct dkim_signer *s = *sp;

	*sp = NULL;
	if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		sign_free(s);
}

size_t dkim_signer_nkeys(const struct dkim_signer *s)
{
	return s->nkeys;
}

/* ---- the process-wide signer ---- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dkim_signer *cache; /* holds one reference */

/* Makes s the cached signer (it gets a reference of its own). */
static void sign_cache_set(struct dkim_signer *s)
{
	struct dkim_signer *old;

	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&cache_lock);
	old = cache;
	cache = s;
	pthread_mutex_unlock(&cache_lock);
	dkim_signer_put(&old);
}

struct dkim_signer *dkim_sign_get(const struct cfg *c, char **err_r)
{
	char *sig = sign_confsig(c);
	struct dkim_signer *s = NULL;

	pthread_mutex_lock(&cache_lock);
	if (cache != NULL && strcmp(cache->confsig, sig) == 0) {
		s = cache;
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	}
	pthread_mutex_unlock(&cache_lock);
	free(sig);
	if (s == NULL && (s = dkim_signer_new(c, err_r)) != NULL)
		sign_cache_set(s);
	return s;
}

/* ---- feeding a message ---- */

/* [p, p+n) with every line end made CRLF (the final one dropped when
   field is set); heap memory. */
static char *sign_crlf(const char *p, size_t n, int field, size_t *len_r)
{
	char *out;

	if (field)
		n = lines_trim_end(p, n);
	out = xmalloc(2 * n + 1);
	*len_r = lines_crlf(out, p, n);
	return out;
}

/* Gives d the header fields, end of header, the body and end of
   message. 0, or -1 with a reason (static or libopendkim's). */
static int sign_feed(DKIM *d, const char *raw, size_t len, const char **why_r)
{
	const char *p = raw, *end = raw + len;
	size_t nfields = 0, n;
	char *buf;
	_Bool testkey = 0;
	DKIM_STAT st = DKIM_STAT_OK;

	while (p < end && !lines_blank(p, lines_len(p, end))) {
		const char *start = p;

		p += lines_len(p, end);
		while (p < end && (*p == ' ' || *p == '\t'))
			p += lines_len(p, end);
		if (++nfields > WN_MSG_MAX_HEADERS) {
			*why_r = "too many header fields";
			return -1;
		}
		buf = sign_crlf(start, (size_t)(p - start), 1, &n);
		if (n > 0 && memchr(buf, ':', n) != NULL)
			st = dkim_header(d, (unsigned char *)buf, n);
		free(buf);
		if (st != DKIM_STAT_OK)
			break;
	}
	if (p < end)
		p += lines_len(p, end); /* the blank line */
	if (st == DKIM_STAT_OK)
		st = dkim_eoh(d);
	if (st == DKIM_STAT_OK && p < end) {
		buf = sign_crlf(p, (size_t)(end - p), 0, &n);
		st = dkim_body(d, (unsigned char *)buf, n);
		free(buf);
	}
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, &testkey);
	if (st == DKIM_STAT_OK)
		return 0;
	*why_r = dkim_geterror(d) != NULL && dkim_geterror(d)[0] != '\0' ? dkim_geterror(d)
									 : dkim_getresultstr(st);
	return -1;
}

/* ---- signing ---- */

int dkim_signer_sender_ok(const struct dkim_signer *s, const struct dkim_sign_env *env)
{
	if (s->nkeys == 0)
		return 0;
	return (env->auth_user != NULL && env->auth_user[0] != '\0') ||
	       sign_ip_local(s, env->client_ip);
}

/* Is the field at f (n bytes, not NUL-terminated: the raw message)
   a From: field? Never reads past n (fuzz-dkimsign found a read past a
   short last line). */
static int sign_is_from(const char *f, size_t n)
{
	size_t k = 4;

	if (n <= 4 || strncasecmp(f, "From", 4) != 0)
		return 0;
	while (k < n && (f[k] == ' ' || f[k] == '\t'))
		k++;
	return k < n && f[k] == ':';
}

/* The From: domain when the message has exactly one From: field with
   exactly one address; else NULL with *why_r. Arena memory. */
static const char *sign_from_domain(struct arena *a, const char *raw, size_t len,
				    const char **why_r)
{
	const char *p = raw, *end = raw + len, *value = NULL;
	size_t nfrom = 0;
	struct msg_addr *list;

	while (p < end && !lines_blank(p, lines_len(p, end))) {
		const char *start = p;

		p += lines_len(p, end);
		while (p < end && (*p == ' ' || *p == '\t'))
			p += lines_len(p, end);
		if (sign_is_from(start, (size_t)(p - start))) {
			char *v = arena_strndup(a, start, (size_t)(p - start)), *q = v;

			for (const char *r = strchr(v, ':') + 1; *r != '\0'; r++)
				if (*r != '\r' && *r != '\n')
					*q++ = *r;
			*q = '\0';
			value = v;
			nfrom++;
		}
	}
	if (nfrom != 1) {
		*why_r = nfrom == 0 ? "no From: field" : "more than one From: field";
		return NULL;
	}
	if (msg_addr_parse(a, value, &list) != 1 || list[0].domain[0] == '\0') {
		*why_r = "From: is not one address with a domain";
		return NULL;
	}
	return list[0].domain;
}

/* The keys of the first of domain and (subdomains) its parents that has
   any: their indexes in idx (room for s->nkeys), the count returned. */
static size_t sign_pick_keys(const struct dkim_signer *s, const char *domain, size_t *idx,
			     const char **d_r)
{
	for (;;) {
		size_t n = 0;

		for (size_t i = 0; i < s->nkeys; i++)
			if (strcasecmp(s->keys[i].domain, domain) == 0)
				idx[n++] = i;
		if (n > 0 || !s->subdomains || strchr(domain, '.') == NULL) {
			*d_r = domain;
			return n;
		}
		domain = strchr(domain, '.') + 1;
	}
}

/* One signature: the field value, folded with LF + TAB (no CR: a milter
   hands header values over with bare LF). NULL with *why_r. */
static const char *sign_one(const struct dkim_signer *s, const struct sign_key *k,
			    struct arena *a, const char *id, const char *raw, size_t len,
			    const char **why_r)
{
	DKIM_STAT st;
	DKIM *d = dkim_sign(s->lib, (const unsigned char *)(id != NULL ? id : "winnow"), NULL,
			    (dkim_sigkey_t)k->pem, (const unsigned char *)k->selector,
			    (const unsigned char *)k->domain, s->hcanon, s->bcanon, k->alg, -1, &st);
	unsigned char *hdr;
	size_t hlen;
	char *out = NULL;

	if (d == NULL) {
		*why_r = arena_printf(a, "dkim_sign: %s", dkim_getresultstr(st));
		return NULL;
	}
	if (sign_feed(d, raw, len, why_r) == 0) {
		if ((st = dkim_getsighdr_d(d, strlen("DKIM-Signature: "), &hdr, &hlen)) ==
		    DKIM_STAT_OK) {
			size_t j = 0;

			out = arena_alloc(a, hlen + 1);
			for (size_t i = 0; i < hlen; i++)
				if (hdr[i] != '\r')
					out[j++] = (char)hdr[i];
			out[j] = '\0';
		} else {
			*why_r = arena_printf(a, "dkim_getsighdr: %s", dkim_getresultstr(st));
		}
	} else {
		*why_r = arena_strdup(a, *why_r);
	}
	dkim_free(d);
	return out;
}

void dkim_signer_sign(const struct dkim_signer *s, struct arena *a,
		      const struct dkim_sign_env *env, const char *raw, size_t len,
		      struct dkim_sign_result *r)
{
	const char *from, *why = NULL;
	size_t *idx, n;

	memset(r, 0, sizeof(*r));
	r->status = DKIM_SIGN_ST_SKIPPED;
	if (!dkim_signer_sender_ok(s, env)) {
		r->reason = s->nkeys == 0 ? "no keys" : "not an authenticated or local sender";
		return;
	}
	if ((from = sign_from_domain(a, raw, len, &r->reason)) == NULL)
		return;
	idx = arena_alloc(a, s->nkeys * sizeof(*idx));
	if ((n = sign_pick_keys(s, from, idx, &r->domain)) == 0) {
		r->reason = arena_printf(a, "no key for %s", from);
		r->domain = NULL;
		return;
	}
	r->sigs = arena_zalloc(a, n * sizeof(*r->sigs));
	for (size_t i = 0; i < n; i++) {
		const struct sign_key *k = &s->keys[idx[i]];
		struct dkim_sign_sig *sig = &r->sigs[r->nsigs];

		if ((sig->value = sign_one(s, k, a, env->id, raw, len, &why)) == NULL) {
			r->status = DKIM_SIGN_ST_FAILED;
			r->reason = arena_printf(a, "s=%s: %s", k->selector, why);
			r->nsigs = 0;
			return;
		}
		sig->selector = k->selector;
		sig->algorithm = k->alg_name;
		r->nsigs++;
	}
	r->status = DKIM_SIGN_ST_SIGNED;
}

/* ---- the milter's side ---- */

int dkim_sign_wanted(const struct cfg *c, const char *client_ip, const char *auth_user)
{
	struct dkim_sign_env env = { client_ip, auth_user, NULL };
	struct dkim_signer *s;
	char *err = NULL;
	int yes;

	if (cfg_str(c, "dkim_sign_keys")[0] == '\0')
		return 0;
	if ((s = dkim_sign_get(c, &err)) == NULL) {
		free(err);
		return 1;
	}
	yes = dkim_signer_sender_ok(s, &env);
	dkim_signer_put(&s);
	return yes;
}

/* The selectors and algorithms signed with, for the log line. */
static const char *sign_summary(struct arena *a, const struct dkim_sign_result *r)
{
	const char *out = "";

	for (size_t i = 0; i < r->nsigs; i++)
		out = arena_printf(a, "%s%ss=%s a=%s", out, i > 0 ? " " : "", r->sigs[i].selector,
				   r->sigs[i].algorithm);
	return out;
}

static void sign_deliver_with(const struct dkim_signer *s, const struct dkim_sign_env *env,
			      const char *raw, size_t len,
			      int (*add)(void *ctx, const char *value), void *ctx)
{
	struct arena *a = arena_new(16 * 1024);
	struct dkim_sign_result r;

	dkim_signer_sign(s, a, env, raw, len, &r);
	for (size_t i = r.nsigs; i-- > 0 && r.status == DKIM_SIGN_ST_SIGNED;) {
		if (add(ctx, r.sigs[i].value) < 0) {
			r.status = DKIM_SIGN_ST_FAILED;
			r.reason = i + 1 == r.nsigs ? "the MTA refused the DKIM-Signature field"
						    : "the MTA refused a second DKIM-Signature field";
		}
	}
	if (r.status == DKIM_SIGN_ST_SIGNED)
		daemon_log(LOG_INFO, env->id, "dkim_sign: signed d=%s %s", r.domain,
			   sign_summary(a, &r));
	else if (r.status == DKIM_SIGN_ST_FAILED)
		daemon_log(LOG_WARNING, env->id, "dkim_sign: delivered unsigned: d=%s %s",
			   r.domain, r.reason);
	else if (dkim_signer_sender_ok(s, env))
		daemon_log(LOG_INFO, env->id, "dkim_sign: not signed: %s", r.reason);
	arena_free(&a);
}

void dkim_sign_deliver(const struct cfg *c, const struct dkim_sign_env *env,
		       const char *raw, size_t len,
		       int (*add)(void *ctx, const char *value), void *ctx)
{
	struct dkim_signer *s;
	char *err = NULL;

	if (cfg_str(c, "dkim_sign_keys")[0] == '\0')
		return;
	if ((s = dkim_sign_get(c, &err)) == NULL) {
		daemon_log(LOG_ERR, env->id, "dkim_sign: delivered unsigned: %s", err);
		free(err);
		return;
	}
	if (raw == NULL && dkim_signer_sender_ok(s, env))
		daemon_log(LOG_WARNING, env->id, "dkim_sign: delivered unsigned: the message "
			   "was not kept (larger than scan_max_size)");
	else if (raw != NULL)
		sign_deliver_with(s, env, raw, len, add, ctx);
	dkim_signer_put(&s);
}

/* ---- engine hooks ---- */

int dkim_sign_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	static __thread char errbuf[1024]; /* *err_r is read before the next load */
	struct dkim_signer *s;
	char *err = NULL;

	*state_r = NULL;
	if (eng->read_only_db || cfg_str(eng->cfg, "dkim_sign_keys")[0] == '\0')
		return 0;
	if ((s = dkim_signer_new(eng->cfg, &err)) == NULL) {
		snprintf(errbuf, sizeof(errbuf), "%s", err);
		free(err);
		*err_r = errbuf;
		return -1;
	}
	/* a reload re-reads the key files even when the config is the same */
	sign_cache_set(s);
	*state_r = s;
	return 0;
}

void dkim_sign_unload(void *state)
{
	struct dkim_signer *s = state;

	dkim_signer_put(&s);
}

int dkim_sign_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	(void)ctx, (void)state, (void)err_r;
	return 0;
}
