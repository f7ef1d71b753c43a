/*
 * qtoken.h - signed release tokens for quarantined messages: a token
 * names one quarantine entry, one recipient and an expiry time, and is
 * signed with HMAC-SHA256 under a secret key kept in a file
 * (quarantine_token_key). `winnow quarantine release --token T` and,
 * later, the web UI accept them; nothing in a token is secret, but it
 * cannot be made or altered without the key.
 *
 * Tokens are printable URL-safe ASCII (no '=' '+' '/' or spaces) so they
 * can be put in a URL or a mail without escaping.
 */
#ifndef QTOKEN_H
#define QTOKEN_H

#include <stddef.h>
#include <time.h>

#define QTOKEN_KEY_LEN 32
#define QTOKEN_MAX 512 /* longest token qtoken_make writes, NUL included */

/* Reads the key file at path. When it does not exist and create is set,
   makes one (32 random bytes, mode 0600, written with fsync) and reads
   that. -1 with a malloc'd message naming the path in *err_r (missing,
   wrong size, permissions wider than 0600, a symlink or not a regular
   file). */
int qtoken_key_load(const char *path, int create, unsigned char key[QTOKEN_KEY_LEN],
		    char **err_r);

/* Writes into tok (QTOKEN_MAX bytes) a token for entry id and recipient
   rcpt, valid until expires (inclusive). Returns 0, or -1 if id or rcpt
   is empty, too long or holds bytes that do not belong: id is 1..63
   bytes of printable ASCII without space, rcpt 1..254 bytes without
   control characters (UTF-8 allowed). */
int qtoken_make(const unsigned char key[QTOKEN_KEY_LEN], const char *id,
		const char *rcpt, time_t expires, char *tok);

struct qtoken_claim {
	char id[64];
	char rcpt[320];
	time_t expires;
};

/* Checks tok against key (constant-time MAC comparison) and now. 0 with
   *claim filled; -1 with a static message in *err_r: "malformed token",
   "bad token signature", "token expired" (now > expires), and *claim
   zeroed unless only the expiry failed. */
int qtoken_verify(const unsigned char key[QTOKEN_KEY_LEN], const char *tok,
		  time_t now, struct qtoken_claim *claim, const char **err_r);

#endif
