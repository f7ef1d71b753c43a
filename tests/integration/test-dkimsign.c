/*
 * test-dkimsign.c - filterd/dkim_sign.c through its API, run by
 * test-dkimsign.sh with a directory of keys it made at test time
 * (opendkim-genkey, openssl genpkey): the config entry and network
 * parsers, every kind of bad key refused with its file named, who is
 * signed and who is not, and signed messages written to DIR/signed-*.eml
 * for test-dkimsign.py to verify with python3-dkim.
 *
 * Usage: test-dkimsign DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filterd/dkim_sign.h"
#include "filterd/scan.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/wn.h"
#include "tests/unit/test.h"

static const char *dir;

static const char msg[] =
	"From: Alice <alice@example.test>\r\n"
	"To: bob@example.org\r\n"
	"Subject: signed by winnow\r\n"
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	"Message-ID: <sign-1@example.test>\r\n"
	"X-Not-Signed: anything\r\n"
	"\r\n"
	"Hello Bob,\r\n"
	"  this body is covered by the signature.\r\n";

static char *path(const char *name)
{
	return buf_strdup_printf("%s/%s", dir, name);
}

/* A cfg with dkim_sign_keys = keys (and one more KEY=VALUE, or NULL). */
static struct cfg *conf(const char *keys, const char *extra)
{
	struct cfg *c = cfg_new();
	char *err = NULL;

	if (cfg_set(c, "dkim_sign_keys", keys, "test", &err) < 0 ||
	    (extra != NULL && cfg_set_option(c, extra, &err) < 0)) {
		fprintf(stderr, "cfg: %s\n", err);
		abort();
	}
	return c;
}

static void test_parsers(void)
{
	char *d, *s, *p;
	const char *why;
	unsigned char a[16];
	int fam, bits;

	test_begin("parsers: DOMAIN:SELECTOR:/path and ADDRESS/BITS");
	test_assert_int(dkim_sign_parse_entry("Example.TEST:sel-1:/k/a:b.pem", &d, &s, &p, &why), 0);
	test_assert_str(d, "example.test");
	test_assert_str(s, "sel-1");
	test_assert_str(p, "/k/a:b.pem");
	free(d), free(s), free(p);
	test_assert_int(dkim_sign_parse_entry("example.test:sel", &d, &s, &p, &why), -1);
	test_assert_int(dkim_sign_parse_entry("example.test:sel:rel.pem", &d, &s, &p, &why), -1);
	test_assert_str(why, "the key file must be an absolute path");
	test_assert_int(dkim_sign_parse_entry(":sel:/k", &d, &s, &p, &why), -1);
	test_assert_int(dkim_sign_parse_entry("ex_ample.test:sel:/k", &d, &s, &p, &why), -1);
	test_assert_int(dkim_sign_parse_entry("example..test:sel:/k", &d, &s, &p, &why), -1);
	test_assert_int(dkim_sign_parse_entry("example.test::/k", &d, &s, &p, &why), -1);
	test_assert_int(dkim_sign_parse_net("127.0.0.0/8", a, &fam, &bits), 0);
	test_assert_int(fam, 4);
	test_assert_int(bits, 8);
	test_assert_int(dkim_sign_parse_net("::1", a, &fam, &bits), 0);
	test_assert_int(fam * 1000 + bits, 6128);
	test_assert_int(dkim_sign_parse_net("10.0.0.0/33", a, &fam, &bits), -1);
	test_assert_int(dkim_sign_parse_net("10.0.0.0/", a, &fam, &bits), -1);
	test_assert_int(dkim_sign_parse_net("10.0.0.0/-1", a, &fam, &bits), -1);
	test_assert_int(dkim_sign_parse_net("10/8", a, &fam, &bits), -1);
	test_assert_int(dkim_sign_parse_net("2001:db8::/129", a, &fam, &bits), -1);
	test_assert_int(dkim_sign_parse_net("", a, &fam, &bits), -1);
	test_end();
}

/* dkim_signer_new on one bad key: refused, the message names the entry
   and the file, and says what is wrong. */
static void bad_key(const char *file, const char *want)
{
	char *p = file[0] == '/' ? xstrdup(file) : path(file);
	char *entry = buf_strdup_printf("example.test:bad:%s", p), *err = NULL;
	struct cfg *c = conf(entry, NULL);
	struct dkim_signer *s = dkim_signer_new(c, &err);
	char *full = buf_strdup_printf("dkim_sign_keys: %s: %s: %s", entry, p, want);

	test_assert(s == NULL);
	test_assert(err != NULL && strncmp(err, full, strlen(full)) == 0);
	if (err != NULL && strncmp(err, full, strlen(full)) != 0)
		fprintf(stderr, "  got:  %s\n  want: %s...\n", err, full);
	dkim_signer_put(&s);
	free(err), free(full), free(entry), free(p);
	cfg_free(&c);
}

static void test_bad_keys(void)
{
	test_begin("bad keys are refused with the entry and the file named");
	bad_key("/nonexistent/key.pem", "cannot open: No such file or directory");
	bad_key("", "cannot read: Is a directory");
	bad_key("garbage.pem", "not a PEM private key (or one with a passphrase)");
	bad_key("enc.pem", "not a PEM private key (or one with a passphrase)");
	bad_key("small.pem", "a 512-bit RSA key; DKIM needs 1024 bits or more");
	bad_key("ec.pem", "neither an RSA nor an Ed25519 key");
	bad_key("big.pem", "larger than 65536 bytes");
	test_end();
}

/* Writes "DKIM-Signature: value" (CRLF folded) + raw to DIR/signed-NAME.eml. */
static void save(const char *name, const struct dkim_sign_result *r, const char *raw)
{
	char *p = buf_strdup_printf("%s/signed-%s.eml", dir, name);
	FILE *f = fopen(p, "wb");

	if (f == NULL)
		abort();
	for (size_t i = 0; i < r->nsigs; i++) {
		fputs("DKIM-Signature: ", f);
		for (const char *v = r->sigs[i].value; *v != '\0'; v++)
			fputs(*v == '\n' ? "\r\n" : (char[2]){ *v, '\0' }, f);
		fputs("\r\n", f);
	}
	fputs(raw, f);
	fclose(f);
	free(p);
}

static void sign(const char *keys, const char *extra, const char *ip, const char *auth,
		 const char *raw, struct arena *a, struct dkim_sign_result *r)
{
	struct cfg *c = conf(keys, extra);
	char *err = NULL;
	struct dkim_signer *s = dkim_signer_new(c, &err);
	struct dkim_sign_env env = { ip, auth, "TEST" };

	if (s == NULL) {
		fprintf(stderr, "signer: %s\n", err);
		abort();
	}
	dkim_signer_sign(s, a, &env, raw, strlen(raw), r);
	dkim_signer_put(&s);
	cfg_free(&c);
}

static void test_sign(void)
{
	struct arena *a = arena_new(4096);
	char *rsa = path("rsa1.private"), *ed = path("ed1.pem");
	char *krsa = buf_strdup_printf("example.test:rsa1:%s", rsa);
	char *both = buf_strdup_printf("example.test:rsa1:%s, example.test:ed1:%s", rsa, ed);
	char *edonly = buf_strdup_printf("example.test:ed1:%s", ed);
	struct dkim_sign_result r;
	char *lf;

	test_begin("signing: RSA, Ed25519, both, and who is signed");
	sign(krsa, NULL, "127.0.0.1", NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SIGNED);
	test_assert_int(r.nsigs, 1);
	test_assert_str(r.domain, "example.test");
	test_assert_str(r.sigs[0].algorithm, "rsa-sha256");
	test_assert(strstr(r.sigs[0].value, "c=relaxed/relaxed;") != NULL);
	test_assert(strstr(r.sigs[0].value, "s=rsa1;") != NULL);
	test_assert(strstr(r.sigs[0].value, "d=example.test;") != NULL);
	test_assert(strchr(r.sigs[0].value, '\r') == NULL);
	save("rsa", &r, msg);

	sign(edonly, NULL, "192.0.2.7", "alice", msg, a, &r); /* authenticated, remote */
	test_assert_int(r.status, DKIM_SIGN_ST_SIGNED);
	test_assert_str(r.sigs[0].algorithm, "ed25519-sha256");
	save("ed25519", &r, msg);

	sign(both, NULL, "::1", NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SIGNED);
	test_assert_int(r.nsigs, 2);
	save("both", &r, msg);

	/* LF line ends sign as the CRLF message does (the verifier gets CRLF) */
	lf = arena_strdup(a, msg);
	for (char *p = lf, *q = lf;; p++) {
		if (*p != '\r')
			*q++ = *p;
		if (*p == '\0')
			break;
	}
	sign(krsa, "dkim_sign_canon=simple/simple", "::ffff:127.0.0.2", NULL, lf, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SIGNED);
	test_assert(strstr(r.sigs[0].value, "c=simple/simple;") != NULL);
	save("simple-lf", &r, msg);

	/* not signed: a remote client without AUTH, a domain without a key,
	   a subdomain unless dkim_sign_subdomains, two From: fields */
	sign(krsa, NULL, "192.0.2.7", NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SKIPPED);
	test_assert_str(r.reason, "not an authenticated or local sender");
	sign(krsa, NULL, NULL, NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SKIPPED);
	sign(krsa, "dkim_sign_networks=10.0.0.0/8", "127.0.0.1", NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SKIPPED);
	sign(krsa, NULL, "127.0.0.1", NULL, "From: x@other.test\r\n\r\nbody\r\n", a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SKIPPED);
	test_assert_str(r.reason, "no key for other.test");
	sign(krsa, NULL, "127.0.0.1", NULL, "From: x@mail.Example.test\r\n\r\nbody\r\n", a, &r);
	test_assert_str(r.reason, "no key for mail.example.test");
	sign(krsa, "dkim_sign_subdomains=yes", "127.0.0.1", NULL,
	     "From: x@mail.Example.test\r\nSubject: sub\r\n\r\nbody\r\n", a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SIGNED);
	test_assert_str(r.domain, "example.test");
	sign(krsa, NULL, "127.0.0.1", NULL,
	     "From: a@example.test\r\nFrom: b@example.test\r\n\r\nbody\r\n", a, &r);
	test_assert_str(r.reason, "more than one From: field");
	sign(krsa, NULL, "127.0.0.1", NULL, "Subject: x\r\n\r\nbody\r\n", a, &r);
	test_assert_str(r.reason, "no From: field");
	sign(krsa, NULL, "127.0.0.1", NULL, "From: a@example.test, b@example.test\r\n\r\nb\r\n",
	     a, &r);
	test_assert_str(r.reason, "From: is not one address with a domain");
	sign("", NULL, "127.0.0.1", NULL, msg, a, &r);
	test_assert_int(r.status, DKIM_SIGN_ST_SKIPPED);
	test_assert_str(r.reason, "no keys");
	test_end();

	test_begin("signing failure: reported, never a crash");
	{
		struct buf b = BUF_INIT;

		buf_append_str(&b, "From: a@example.test\r\n");
		for (int i = 0; i < 1100; i++)
			buf_printf(&b, "X-H%d: v\r\n", i);
		buf_append_str(&b, "\r\nbody\r\n");
		sign(krsa, NULL, "127.0.0.1", NULL, buf_cstr(&b), a, &r);
		test_assert_int(r.status, DKIM_SIGN_ST_FAILED);
		test_assert_str(r.reason, "s=rsa1: too many header fields");
		test_assert_str(r.domain, "example.test");
		buf_free(&b);
	}
	test_end();

	test_begin("dkim_sign_get: one signer per configuration, shared");
	{
		struct cfg *c1 = conf(krsa, NULL), *c2 = conf(krsa, NULL), *c3 = conf(both, NULL);
		char *err = NULL;
		struct dkim_signer *s1 = dkim_sign_get(c1, &err), *s2 = dkim_sign_get(c2, &err);
		struct dkim_signer *s3 = dkim_sign_get(c3, &err);

		test_assert(s1 != NULL && s1 == s2);
		test_assert(s3 != NULL && s3 != s1 && dkim_signer_nkeys(s3) == 2);
		test_assert_int(dkim_sign_wanted(c3, "127.0.0.1", NULL), 1);
		test_assert_int(dkim_sign_wanted(c3, "192.0.2.1", NULL), 0);
		test_assert_int(dkim_sign_wanted(c3, "192.0.2.1", "bob"), 1);
		dkim_signer_put(&s1);
		dkim_signer_put(&s2);
		dkim_signer_put(&s3);
		cfg_free(&c1), cfg_free(&c2), cfg_free(&c3);
	}
	test_end();
	free(rsa), free(ed), free(krsa), free(both), free(edonly);
	arena_free(&a);
}

/* The engine hook: a bad key fails the engine (so filterd's start, a
   reload and `winnow lint`), naming the file; a read-only engine
   (`winnow check`) does not read keys at all. */
static void test_engine_hook(void)
{
	char *p = path("missing.pem"), *entry = buf_strdup_printf("example.test:s:%s", p);
	char *want = buf_strdup_printf("dkim_sign_keys: %s: %s: cannot open: No such file or "
				       "directory", entry, p);
	struct cfg *c = conf(entry, NULL);
	struct scan_engine eng;
	const char *err = NULL;
	void *state = NULL;

	test_begin("engine hook: a missing key fails the load, read-only engines skip keys");
	memset(&eng, 0, sizeof(eng));
	eng.cfg = c;
	test_assert_int(dkim_sign_load(&eng, &state, &err), -1);
	test_assert_str(err, want);
	eng.read_only_db = 1;
	test_assert_int(dkim_sign_load(&eng, &state, &err), 0);
	test_assert(state == NULL);
	cfg_free(&c);
	free(entry);
	entry = buf_strdup_printf("example.test:ed1:%s/ed1.pem", dir);
	c = conf(entry, NULL);
	eng.cfg = c;
	eng.read_only_db = 0;
	test_assert_int(dkim_sign_load(&eng, &state, &err), 0);
	test_assert(state != NULL && dkim_signer_nkeys(state) == 1);
	test_assert_int(dkim_sign_run(NULL, state, &err), 0);
	dkim_sign_unload(state);
	cfg_free(&c);
	free(p), free(entry), free(want);
	test_end();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-dkimsign DIR (run by test-dkimsign.sh)\n");
		return 2;
	}
	dir = argv[1];
	test_parsers();
	test_bad_keys();
	test_sign();
	test_engine_hook();
	return test_exit();
}
