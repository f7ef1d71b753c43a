/*
 * fuzz-sieve.c - libFuzzer target for the Sieve parser and interpreter
 * (mda/sieve*.c). The input is a script, optionally followed by a NUL
 * byte and a message to run it on. Checks the promises of sieve.h: a
 * failed parse says "fuzz:line:column: message"; a run with ops that
 * always succeed ends with the message somewhere (at least one action
 * in the trace: stored, redirected or deliberately discarded).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "mda/mda.h"
#include "mda/sieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_sieve_msg[] =
	"From: Alice <alice@example.com>\nTo: bob+lists@example.org\nSubject: hello\n"
	"X-Spam-Status: Yes, score=7.5 required=5.0\nMessage-ID: <1@example.com>\n\nbody\n";

static enum mda_status fuzz_fileinto(void *ctx, const struct mda_msg *m, const char *mailbox,
				     const char *flags, int create, const char **err_r)
{
	(void)ctx; (void)m; (void)flags; (void)create; (void)err_r;
	if (mailbox == NULL || mailbox[0] == '\0')
		abort();
	return MDA_OK;
}

static enum mda_status fuzz_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				     size_t n, const char **err_r)
{
	(void)ctx; (void)m; (void)err_r;
	if (n != 1 || strchr(addrs[0], '@') == NULL)
		abort();
	return MDA_OK;
}

static enum mda_status fuzz_send(void *ctx, const struct mda_msg *m, const char *data, size_t len,
				 const char *from, const char *to, const char **err_r)
{
	(void)ctx; (void)m; (void)to; (void)err_r;
	if (from[0] != '\0' || strlen(data) != len)
		abort();
	return MDA_OK;
}

static int fuzz_exists(void *ctx, const struct mda_msg *m, const char *mailbox)
{
	(void)ctx; (void)m;
	return mailbox[0] == 'J';
}

static int fuzz_seen(void *ctx, const struct mda_msg *m, const char *key, long seconds, int mark)
{
	(void)ctx; (void)m; (void)mark;
	if (key == NULL || seconds <= 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	size_t slen = nul != NULL ? (size_t)(nul - text) : size;
	struct sieve_script *s;
	struct mda_ops ops;
	struct mda_trace trace = {0};
	struct mda_msg m;
	struct arena *a;
	char *err = NULL;
	enum mda_status st;

	s = sieve_parse("fuzz", text, slen, &err);
	if (s == NULL) {
		if (err == NULL || strncmp(err, "fuzz:", 5) != 0)
			abort();
		free(err);
		return 0;
	}
	a = arena_new(65536);
	if (nul != NULL)
		mda_msg_init(&m, a, nul + 1, size - slen - 1);
	else
		mda_msg_init(&m, a, fuzz_sieve_msg, sizeof(fuzz_sieve_msg) - 1);
	m.sender = "alice@example.com";
	m.recipient = "bob+lists@example.org";
	memset(&ops, 0, sizeof(ops));
	ops.fileinto = fuzz_fileinto;
	ops.redirect = fuzz_redirect;
	ops.send = fuzz_send;
	ops.mailbox_exists = fuzz_exists;
	ops.vacation_seen = fuzz_seen;
	st = sieve_run(s, &m, &ops, &trace, &err);
	if (st != MDA_OK || trace.count == 0)
		abort();
	free(err);
	arena_free(&a);
	sieve_free(&s);
	return 0;
}
