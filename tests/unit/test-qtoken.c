/*
 * test-qtoken.c - lib/qtoken.c: tokens computed independently (Python's
 * hmac and base64 modules, values below) must come out of qtoken_make
 * byte for byte and verify; every character of a token changed to every
 * other URL-safe character, every truncation and a wrong key must fail;
 * expiry at the exact boundary; input qtoken_make must refuse; and key
 * files: created 0600 with 32 bytes, read back the same, refused when
 * group/world readable, the wrong size, a symlink, or missing without
 * create.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/qtoken.h"
#include "tests/unit/test.h"

#define EXP 1767225600 /* 2026-01-01 00:00:00 UTC */

/* Made with /usr/bin/python3: key = bytes(range(32)); payload =
   b'\x01' + struct.pack('>q', EXP) + bytes([len(id)]) + id +
   bytes([len(rcpt)]) + rcpt; mac = hmac.new(key, b'winnow-qtoken\0' +
   payload, hashlib.sha256).digest(); urlsafe_b64encode(payload + mac)
   without '='. */
#define KNOWN_TOK                                                                     \
	"AQAAAABpVbkADzIwMjYxMjAxLTAwMDA0Mg1ib2JAdmlydC50ZXN0TbFlHSkfNprIRG2HnfhrwsXjdqmI" \
	"Zq7gUEsv9rtBgr4"
#define KNOWN_TOK_UTF8                                                                \
	"AQAAAABpVbkAAWEUasO8cmdlbkBiw7xjaGVyLnRlc3QkBrpVBxF6oyQD3WTlRluEUESRSx3M7OrWNQMc" \
	"bJN17g"

static unsigned char key[QTOKEN_KEY_LEN];

static void test_known(void)
{
	char tok[QTOKEN_MAX];
	struct qtoken_claim c;
	const char *err = NULL;

	test_begin("qtoken: known answers");
	test_assert_int(qtoken_make(key, "20261201-000042", "bob@virt.test", EXP, tok), 0);
	test_assert_str(tok, KNOWN_TOK);
	test_assert_int(qtoken_verify(key, KNOWN_TOK, EXP - 86400, &c, &err), 0);
	test_assert_str(c.id, "20261201-000042");
	test_assert_str(c.rcpt, "bob@virt.test");
	test_assert_int(c.expires, EXP);
	test_assert_int(qtoken_make(key, "a", "j\xc3\xbcrgen@b\xc3\xbc" "cher.test", EXP, tok), 0);
	test_assert_str(tok, KNOWN_TOK_UTF8);
	test_assert_int(qtoken_verify(key, tok, EXP, &c, &err), 0);
	test_assert_str(c.rcpt, "j\xc3\xbcrgen@b\xc3\xbc" "cher.test");
	test_end();
}

static void test_tamper(void)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .";
	char tok[QTOKEN_MAX], bad[QTOKEN_MAX];
	unsigned char key2[QTOKEN_KEY_LEN];
	struct qtoken_claim c;
	const char *err;
	size_t len = strlen(KNOWN_TOK), i, j, accepted = 0, tried = 0;

	test_begin("qtoken: any changed character, truncation, extension, wrong key");
	memcpy(tok, KNOWN_TOK, len + 1);
	for (i = 0; i < len; i++) {
		for (j = 0; alphabet[j] != '\0'; j++) {
			if (alphabet[j] == tok[i])
				continue;
			memcpy(bad, tok, len + 1);
			bad[i] = alphabet[j];
			err = NULL;
			tried++;
			if (qtoken_verify(key, bad, EXP, &c, &err) == 0 || err == NULL)
				accepted++;
		}
		/* and each byte with its low bit flipped */
		memcpy(bad, tok, len + 1);
		bad[i] ^= 1;
		tried++;
		if (qtoken_verify(key, bad, EXP, &c, &err) == 0)
			accepted++;
	}
	test_assert_int(accepted, 0);
	test_assert(tried > 60 * len);
	for (i = 0; i < len; i++) {
		memcpy(bad, tok, i);
		bad[i] = '\0';
		if (qtoken_verify(key, bad, EXP, &c, &err) == 0)
			accepted++;
	}
	test_assert_int(accepted, 0);
	snprintf(bad, sizeof(bad), "%sA", tok);
	test_assert_int(qtoken_verify(key, bad, EXP, &c, &err), -1);
	snprintf(bad, sizeof(bad), "%s=", tok);
	test_assert_int(qtoken_verify(key, bad, EXP, &c, &err), -1);
	test_assert_str(err, "malformed token");
	memcpy(key2, key, sizeof(key2));
	key2[31] ^= 0x80;
	test_assert_int(qtoken_verify(key2, tok, EXP, &c, &err), -1);
	test_assert_str(err, "bad token signature");
	test_assert_str(c.id, ""); /* nothing believed from a bad token */
	test_assert_int(qtoken_verify(key, "", EXP, &c, &err), -1);
	test_assert_int(qtoken_verify(key, NULL, EXP, &c, &err), -1);
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	test_assert_int(qtoken_verify(key, bad, EXP, &c, &err), -1);
	test_end();
}

static void test_expiry(void)
{
	struct qtoken_claim c;
	const char *err = NULL;
	char tok[QTOKEN_MAX];

	test_begin("qtoken: expiry boundary");
	test_assert_int(qtoken_verify(key, KNOWN_TOK, EXP, &c, &err), 0);
	test_assert_int(qtoken_verify(key, KNOWN_TOK, EXP + 1, &c, &err), -1);
	test_assert_str(err, "token expired");
	test_assert_int(qtoken_verify(key, KNOWN_TOK, 0, &c, &err), 0);
	/* times before 1970 and far ahead survive the round trip */
	test_assert_int(qtoken_make(key, "x", "y@z", -5, tok), 0);
	test_assert_int(qtoken_verify(key, tok, -5, &c, &err), 0);
	test_assert_int(c.expires, -5);
	test_assert_int(qtoken_verify(key, tok, -4, &c, &err), -1);
	test_assert_int(qtoken_make(key, "x", "y@z", (time_t)1 << 40, tok), 0);
	test_assert_int(qtoken_verify(key, tok, (time_t)1 << 39, &c, &err), 0);
	test_assert_int(c.expires, (time_t)1 << 40);
	test_end();
}

static void test_make_limits(void)
{
	char tok[QTOKEN_MAX], id[80], rcpt[300];
	struct qtoken_claim c;
	const char *err = NULL;
	size_t i;

	test_begin("qtoken: what qtoken_make refuses, the longest token");
	test_assert_int(qtoken_make(key, "", "a@b", EXP, tok), -1);
	test_assert_int(qtoken_make(key, "x", "", EXP, tok), -1);
	test_assert_int(qtoken_make(key, "a b", "a@b", EXP, tok), -1);
	test_assert_int(qtoken_make(key, "x", "a@b\r\nX-Evil: 1", EXP, tok), -1);
	test_assert_int(qtoken_make(key, "x\n", "a@b", EXP, tok), -1);
	memset(id, 'i', 63);
	id[63] = '\0';
	memset(rcpt, 'r', 254);
	rcpt[254] = '\0';
	test_assert_int(qtoken_make(key, id, rcpt, EXP, tok), 0);
	test_assert(strlen(tok) < QTOKEN_MAX);
	test_assert_int(qtoken_verify(key, tok, EXP, &c, &err), 0);
	test_assert_str(c.id, id);
	test_assert_str(c.rcpt, rcpt);
	for (i = 0; tok[i] != '\0'; i++)
		if (strchr("=+/ ", tok[i]) != NULL)
			break;
	test_assert_int(tok[i], '\0');
	id[63] = 'i';
	id[64] = '\0';
	test_assert_int(qtoken_make(key, id, "a@b", EXP, tok), -1);
	rcpt[254] = 'r';
	rcpt[255] = '\0';
	test_assert_int(qtoken_make(key, "x", rcpt, EXP, tok), -1);
	test_end();
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	fchmod(fd, mode);
	close(fd);
}

static void test_key_files(void)
{
	unsigned char k1[QTOKEN_KEY_LEN], k2[QTOKEN_KEY_LEN], zero[QTOKEN_KEY_LEN] = { 0 };
	char *err = NULL, path[512];
	struct stat st;

	test_begin("qtoken: key files");
	if (test_tmpdir("qtoken") < 0) {
		test_assert(0);
		test_end();
		return;
	}
	snprintf(path, sizeof(path), "%s", test_tmp_path("key"));
	test_assert_int(qtoken_key_load(path, 0, k1, &err), -1);
	test_assert(err != NULL && strstr(err, path) != NULL);
	free(err);
	err = NULL;
	test_assert_int(qtoken_key_load(path, 1, k1, &err), 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 32);
	test_assert(memcmp(k1, zero, sizeof(zero)) != 0);
	test_assert_int(qtoken_key_load(path, 1, k2, &err), 0); /* exists: read, not remade */
	test_assert(memcmp(k1, k2, sizeof(k1)) == 0);
	test_assert_int(qtoken_key_load(path, 0, k2, &err), 0);
	test_assert(memcmp(k1, k2, sizeof(k1)) == 0);
	chmod(path, 0640);
	test_assert_int(qtoken_key_load(path, 1, k2, &err), -1);
	test_assert(err != NULL && strstr(err, "0640") != NULL);
	free(err);
	chmod(path, 0604);
	test_assert_int(qtoken_key_load(path, 0, k2, &err), -1);
	free(err);
	snprintf(path, sizeof(path), "%s", test_tmp_path("short"));
	write_file(path, "0123456789", 10, 0600);
	test_assert_int(qtoken_key_load(path, 1, k2, &err), -1);
	test_assert(err != NULL && strstr(err, "32 bytes") != NULL);
	free(err);
	snprintf(path, sizeof(path), "%s", test_tmp_path("long"));
	write_file(path, "0123456789012345678901234567890123456789", 33, 0600);
	test_assert_int(qtoken_key_load(path, 1, k2, &err), -1);
	free(err);
	snprintf(path, sizeof(path), "%s", test_tmp_path("link"));
	test_assert(symlink(test_tmp_path("key"), path) == 0);
	test_assert_int(qtoken_key_load(path, 1, k2, &err), -1);
	free(err);
	snprintf(path, sizeof(path), "%s", test_tmp_path("nodir/key"));
	test_assert_int(qtoken_key_load(path, 1, k2, &err), -1);
	test_assert(err != NULL && strstr(err, "nodir/key") != NULL);
	free(err);
	test_tmpdir_remove();
	test_end();
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	test_known();
	test_tamper();
	test_expiry();
	test_make_limits();
	test_key_files();
	return test_exit();
}
