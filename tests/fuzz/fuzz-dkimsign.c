/*
 * fuzz-dkimsign.c - libFuzzer target for filterd/dkim_sign.c. The first
 * byte picks what the rest is: a dkim_sign_keys value (lib/cfg.c's
 * check, then each entry through dkim_sign_parse_entry), a network
 * (dkim_sign_parse_net), or a raw message signed by an Ed25519 key made
 * at start (the From: search, our header/body splitting, libopendkim's
 * canonicalisation and signing). Signatures must be one field value:
 * no CR, and every line break followed by a TAB.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "filterd/dkim_sign.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* libopendkim 2.11 leaks the key it loads for each Ed25519 signature
   (dkim_privkey_load; see tests/integration/test-dkimsign.supp). Full
   stacks, so that OpenSSL's part of it (libcrypto has no frame
   pointers) is seen to come from there too. */
const char *__lsan_default_suppressions(void)
{
	return "leak:dkim_privkey_load\n";
}

const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static struct dkim_signer *fuzz_signer;

/* An Ed25519 key in a temporary file, and a signer using it. */
static void fuzz_init(void)
{
	char tmpl[] = "/tmp/fuzz-dkimsign-XXXXXX";
	int fd = mkstemp(tmpl);
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct cfg *c = cfg_new();
	char *keys, *err = NULL;

	if (pk == NULL || f == NULL || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL))
		abort();
	fclose(f);
	EVP_PKEY_free(pk);
	keys = buf_strdup_printf("example.test:fz:%s", tmpl);
	if (cfg_set(c, "dkim_sign_keys", keys, "fuzz", &err) < 0 ||
	    (fuzz_signer = dkim_signer_new(c, &err)) == NULL) {
		fprintf(stderr, "fuzz-dkimsign: %s\n", err);
		abort();
	}
	unlink(tmpl);
	free(keys);
	cfg_free(&c);
}

static void fuzz_entries(const char *s)
{
	struct cfg *c = cfg_new();
	const char *const *v;
	char *err = NULL;

	if (cfg_set(c, "dkim_sign_keys", s, "fuzz", &err) == 0) {
		size_t n = cfg_list(c, "dkim_sign_keys", &v);

		for (size_t i = 0; i < n; i++) {
			char *d, *sel, *p;
			const char *why;

			if (dkim_sign_parse_entry(v[i], &d, &sel, &p, &why) == 0) {
				if (p[0] != '/' || d[0] == '\0' || sel[0] == '\0')
					abort();
				free(d), free(sel), free(p);
			}
		}
	}
	free(err);
	cfg_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_sign_env env = { "127.0.0.1", NULL, "FUZZ" };
	struct dkim_sign_result r;
	unsigned char addr[16];
	int fam, bits;
	struct arena *a;
	char *s;

	if (fuzz_signer == NULL)
		fuzz_init();
	if (size == 0)
		return 0;
	s = xstrndup((const char *)data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		fuzz_entries(s);
		break;
	case 1:
		if (dkim_sign_parse_net(s, addr, &fam, &bits) == 0 &&
		    (bits < 0 || bits > (fam == 4 ? 32 : 128)))
			abort();
		break;
	default:
		a = arena_new(16 * 1024);
		dkim_signer_sign(fuzz_signer, a, &env, (const char *)data + 1, size - 1, &r);
		for (size_t i = 0; i < r.nsigs; i++) {
			const char *v = r.sigs[i].value, *nl;

			if (strchr(v, '\r') != NULL)
				abort();
			for (nl = strchr(v, '\n'); nl != NULL; nl = strchr(nl + 1, '\n'))
				if (nl[1] != '\t')
					abort();
		}
		arena_free(&a);
		break;
	}
	free(s);
	return 0;
}
