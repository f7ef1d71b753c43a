/*
 * qtoken.c - signed release tokens (see qtoken.h).
 *
 * A token is base64url without padding (RFC 4648 section 5) of
 *
 *   version (1 byte, 1) | expires (8 bytes, big-endian, signed)
 *   | id length (1) | id | rcpt length (1) | rcpt | HMAC-SHA256 (32)
 *
 * where the MAC is HMAC-SHA256(key, "winnow-qtoken\0" | everything
 * before it). The label keeps a MAC made here from ever matching one the
 * same key might make for another purpose. Limits: id at most 63 bytes
 * (printable ASCII, no space), rcpt at most 254 (RFC 5321's longest
 * path less its brackets; no control characters, UTF-8 allowed), so the
 * longest token is 480 characters, within QTOKEN_MAX.
 *
 * Verification is strict: only the canonical encoding is accepted (no
 * padding, no stray bits in the last character), so changing any
 * character of a token changes the bytes the MAC covers and fails; the
 * MAC is compared with CRYPTO_memcmp before anything in the payload is
 * believed. Nothing is allocated except the key loader's error text.
 */
#include "lib/qtoken.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/wn.h"

#define QTOKEN_VERSION 1
#define QTOKEN_MAC_LEN 32
#define QTOKEN_ID_MAX 63
#define QTOKEN_RCPT_MAX 254
#define QTOKEN_LABEL "winnow-qtoken"
/* version + expires + two length bytes + id + rcpt + MAC */
#define QTOKEN_RAW_MAX (1 + 8 + 1 + QTOKEN_ID_MAX + 1 + QTOKEN_RCPT_MAX + QTOKEN_MAC_LEN)
#define QTOKEN_RAW_MIN (1 + 8 + 1 + 1 + 1 + 1 + QTOKEN_MAC_LEN)

_Static_assert((QTOKEN_RAW_MAX * 4 + 2) / 3 < QTOKEN_MAX, "longest token fits QTOKEN_MAX");
_Static_assert(QTOKEN_ID_MAX < sizeof(((struct qtoken_claim *)0)->id), "id fits the claim");
_Static_assert(QTOKEN_RCPT_MAX < sizeof(((struct qtoken_claim *)0)->rcpt), "rcpt fits");

static const char qtoken_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* --- base64url --- */

/* Encodes len bytes into out (room for 4*len/3+2), NUL-terminated. */
static void qtoken_b64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = qtoken_b64[v >> 18];
		out[o++] = qtoken_b64[(v >> 12) & 63];
		out[o++] = qtoken_b64[(v >> 6) & 63];
		out[o++] = qtoken_b64[v & 63];
	}
	if (len - i == 1) {
		out[o++] = qtoken_b64[in[i] >> 2];
		out[o++] = qtoken_b64[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = qtoken_b64[v >> 10];
		out[o++] = qtoken_b64[(v >> 4) & 63];
		out[o++] = qtoken_b64[(v & 15) << 2];
	}
	out[o] = '\0';
}

static int qtoken_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes len characters into out (room for 3*len/4). The length of
   the result, or -1 unless the input is the canonical encoding of it. */
static long qtoken_b64_decode(const char *in, size_t len, unsigned char *out)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = qtoken_b64_value(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* leftover bits must be zero, or two strings would decode alike */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

/* --- MAC --- */

static void qtoken_mac(const unsigned char key[QTOKEN_KEY_LEN], const unsigned char *data,
		       size_t len, unsigned char mac[QTOKEN_MAC_LEN])
{
	unsigned char msg[sizeof(QTOKEN_LABEL) + QTOKEN_RAW_MAX];
	unsigned int mlen = 0;

	memcpy(msg, QTOKEN_LABEL, sizeof(QTOKEN_LABEL)); /* NUL included */
	memcpy(msg + sizeof(QTOKEN_LABEL), data, len);
	if (HMAC(EVP_sha256(), key, QTOKEN_KEY_LEN, msg, sizeof(QTOKEN_LABEL) + len, mac,
		 &mlen) == NULL ||
	    mlen != QTOKEN_MAC_LEN)
		wn_panic("qtoken: HMAC-SHA256 failed");
}

/* --- make and verify --- */

static int qtoken_id_ok(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > QTOKEN_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return 0;
	return 1;
}

static int qtoken_rcpt_ok(const char *rcpt, size_t len)
{
	size_t i;

	if (len == 0 || len > QTOKEN_RCPT_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)rcpt[i] < 0x20 || (unsigned char)rcpt[i] == 0x7f)
			return 0;
	return 1;
}

int qtoken_make(const unsigned char key[QTOKEN_KEY_LEN], const char *id, const char *rcpt,
		time_t expires, char *tok)
{
	unsigned char raw[QTOKEN_RAW_MAX];
	size_t idlen = strnlen(id, QTOKEN_ID_MAX + 1), rlen = strnlen(rcpt, QTOKEN_RCPT_MAX + 1);
	uint64_t e = (uint64_t)(int64_t)expires;
	size_t n = 0;
	int i;

	tok[0] = '\0';
	if (!qtoken_id_ok(id, idlen) || !qtoken_rcpt_ok(rcpt, rlen))
		return -1;
	raw[n++] = QTOKEN_VERSION;
	for (i = 7; i >= 0; i--)
		raw[n++] = (unsigned char)(e >> (8 * i));
	raw[n++] = (unsigned char)idlen;
	memcpy(raw + n, id, idlen);
	n += idlen;
	raw[n++] = (unsigned char)rlen;
	memcpy(raw + n, rcpt, rlen);
	n += rlen;
	qtoken_mac(key, raw, n, raw + n);
	n += QTOKEN_MAC_LEN;
	qtoken_b64_encode(raw, n, tok);
	return 0;
}

/* Reads the fields of a payload whose MAC already checked out; -1 if
   its layout or contents are not what qtoken_make writes. */
static int qtoken_parse(const unsigned char *p, size_t len, struct qtoken_claim *c)
{
	uint64_t e = 0;
	size_t idlen, rlen;
	int i;

	if (len < 1 + 8 + 1 || p[0] != QTOKEN_VERSION)
		return -1;
	for (i = 1; i <= 8; i++)
		e = e << 8 | p[i];
	idlen = p[9];
	if (10 + idlen + 1 > len)
		return -1;
	rlen = p[10 + idlen];
	if (10 + idlen + 1 + rlen != len || !qtoken_id_ok((const char *)p + 10, idlen) ||
	    !qtoken_rcpt_ok((const char *)p + 11 + idlen, rlen))
		return -1;
	memcpy(c->id, p + 10, idlen);
	c->id[idlen] = '\0';
	memcpy(c->rcpt, p + 11 + idlen, rlen);
	c->rcpt[rlen] = '\0';
	c->expires = (time_t)(int64_t)e;
	return 0;
}

int qtoken_verify(const unsigned char key[QTOKEN_KEY_LEN], const char *tok, time_t now,
		  struct qtoken_claim *claim, const char **err_r)
{
	unsigned char raw[QTOKEN_MAX], mac[QTOKEN_MAC_LEN];
	size_t tlen = tok != NULL ? strnlen(tok, QTOKEN_MAX) : 0;
	long n;

	memset(claim, 0, sizeof(*claim));
	if (tlen == 0 || tlen >= QTOKEN_MAX ||
	    (n = qtoken_b64_decode(tok, tlen, raw)) < QTOKEN_RAW_MIN || n > QTOKEN_RAW_MAX) {
		*err_r = "malformed token";
		return -1;
	}
	n -= QTOKEN_MAC_LEN;
	qtoken_mac(key, raw, (size_t)n, mac);
	if (CRYPTO_memcmp(mac, raw + n, QTOKEN_MAC_LEN) != 0) {
		*err_r = "bad token signature";
		return -1;
	}
	if (qtoken_parse(raw, (size_t)n, claim) < 0) {
		/* only a key holder could sign this: a bug or a different
		   version, not an attack, but still refused */
		memset(claim, 0, sizeof(*claim));
		*err_r = "malformed token";
		return -1;
	}
	if (now > claim->expires) {
		*err_r = "token expired";
		return -1;
	}
	return 0;
}

/* --- key file --- */

static int qtoken_fill_random(unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the key file: a private temporary file written and synced
   first, then linked into place, so nobody ever reads half a key and
   two processes racing to create it agree on one (link fails with
   EEXIST for the loser, who then reads the winner's). 0, or -1 with
   errno. */
static int qtoken_key_create(const char *path)
{
	unsigned char key[QTOKEN_KEY_LEN];
	char *tmp = buf_strdup_printf("%s.new.%ld", path, (long)getpid());
	char *dir, *slash;
	int fd, ret = -1, saved;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (fchmod(fd, 0600) == 0 && qtoken_fill_random(key, sizeof(key)) == 0 &&
		    write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) && fsync(fd) == 0 &&
		    (link(tmp, path) == 0 || errno == EEXIST))
			ret = 0;
		saved = errno;
		close(fd);
		(void)unlink(tmp);
		errno = saved;
	}
	OPENSSL_cleanse(key, sizeof(key));
	/* the new name must survive a crash too */
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (ret == 0 && slash != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	free(dir);
	free(tmp);
	return ret;
}

int qtoken_key_load(const char *path, int create, unsigned char key[QTOKEN_KEY_LEN],
		    char **err_r)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (qtoken_key_create(path) < 0) {
			*err_r = buf_strdup_printf("%s: cannot create key: %s", path,
						   strerror(errno));
			return -1;
		}
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		*err_r = buf_strdup_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*err_r = buf_strdup_printf("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* a key others can read lets them mint release tokens */
	if ((st.st_mode & 077) != 0) {
		*err_r = buf_strdup_printf("%s: permissions %04o are wider than 0600", path,
					   (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = st.st_size == QTOKEN_KEY_LEN ? read(fd, key, QTOKEN_KEY_LEN) : -1;
	close(fd);
	if (n != QTOKEN_KEY_LEN) {
		*err_r = buf_strdup_printf("%s: a key file must hold exactly %d bytes", path,
					   QTOKEN_KEY_LEN);
		return -1;
	}
	return 0;
}
