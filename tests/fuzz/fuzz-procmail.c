/*
 * fuzz-procmail.c - libFuzzer target for the procmail-style recipes
 * (mda/procmail*.c): the input up to the first NUL byte is the rc file,
 * the rest the message. A parsed rc is run with ops that only record:
 * no command is ever executed and nothing is written, whatever the rc
 * says. Besides not crashing, a run must always end delivered
 * somewhere (MDA_OK: these ops never fail).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/wn.h"
#include "mda/procmail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum mda_status f_to_maildir(void *ctx, const struct mda_msg *m, const char *path,
				    const char **err_r)
{
	(void)ctx;
	(void)m;
	(void)path;
	(void)err_r;
	return MDA_OK;
}

static enum mda_status f_redirect(void *ctx, const struct mda_msg *m, const char *const *addrs,
				  size_t n, const char **err_r)
{
	(void)ctx;
	(void)m;
	(void)addrs;
	(void)n;
	(void)err_r;
	return MDA_OK;
}

/* A filter's output is a small fixed message; the exit status follows
   the command's length, so both branches of w and ? get exercised. */
static enum mda_status f_pipe(void *ctx, const struct mda_msg *m, const char *command,
			      const char *const *env, size_t n, int capture, char **out_r,
			      size_t *out_len_r, int *exit_r, const char **err_r)
{
	static const char out[] = "Subject: filtered\n\nnew body\n";

	(void)ctx;
	(void)env;
	(void)n;
	(void)err_r;
	*exit_r = (int)(strlen(command) & 1);
	if (capture) {
		*out_r = arena_strndup(m->arena, out, sizeof(out) - 1);
		*out_len_r = sizeof(out) - 1;
	}
	return MDA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t rc_len = nul != NULL ? (size_t)(nul - data) : size;
	char *rc_text = xmalloc(rc_len ? rc_len : 1);
	struct procmail_rc *rc;
	char *err = NULL;

	memcpy(rc_text, data, rc_len);
	rc = procmail_parse_buffer("fuzz.rc", rc_text, rc_len, &err);
	if (rc != NULL) {
		struct arena *a = arena_new(65536);
		struct mda_msg m;
		struct mda_ops ops;
		struct mda_trace trace = { NULL, 0, 0 };
		struct procmail_env env = { "/nonexistent/home", "fuzz", "/nonexistent/home",
					    "/nonexistent/home/Maildir/" };
		const char *msg = nul != NULL ? (const char *)nul + 1 : "Subject: x\n\nbody\n";
		size_t msg_len = nul != NULL ? size - rc_len - 1 : strlen(msg);
		enum mda_status st;

		memset(&ops, 0, sizeof(ops));
		ops.to_maildir = f_to_maildir;
		ops.redirect = f_redirect;
		ops.pipe = f_pipe;
		mda_msg_init(&m, a, msg, msg_len);
		st = procmail_run(rc, &m, &ops, &env, &trace, &err);
		if (st != MDA_OK)
			wn_panic("procmail_run: status %d (%s)", (int)st, err != NULL ? err : "");
		arena_free(&a);
		procmail_free(&rc);
	}
	free(err);
	free(rc_text);
	return 0;
}
