/*
 * msg_decode.c - Content-Transfer-Encoding decoders: base64 and
 * quoted-printable (RFC 2045 6.7, 6.8).
 *
 * Both are tolerant, like the MUAs spam targets: base64 skips whitespace
 * and junk (junk sets MSG_F_B64_BAD) and restarts after padding, so
 * concatenated blocks decode; quoted-printable keeps bad escapes as
 * written (MSG_F_QP_BAD), accepts lowercase hex, and drops trailing
 * whitespace before line ends and after soft breaks. Output is in the
 * arena, NUL-terminated, at most max_out bytes (then
 * MSG_F_DECODED_TRUNCATED). Linear, no allocation per byte.
 */
#include <string.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

/* 0-63 for the alphabet, 64 for '=', 65 for whitespace, 66 for junk. */
static unsigned char b64_class[256];
static int b64_ready;

static void b64_init(void)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char t[256];
	int i;

	memset(t, 66, sizeof(t));
	for (i = 0; i < 64; i++)
		t[(unsigned char)alpha[i]] = (unsigned char)i;
	t['='] = 64;
	t[' '] = t['\t'] = t['\r'] = t['\n'] = t['\f'] = t['\v'] = 65;
	/* Idempotent: racing threads write the same bytes. */
	memcpy(b64_class, t, sizeof(t));
	__atomic_store_n(&b64_ready, 1, __ATOMIC_RELEASE);
}

unsigned char *msg_base64_decode(struct arena *a, const char *in, size_t len,
				 size_t max_out, size_t *out_len_r,
				 unsigned int *flags_r)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t cap = len / 4 * 3 + 3, o = 0, i;
	unsigned char *out;
	unsigned int acc = 0, q = 0, fl = 0;

	if (!__atomic_load_n(&b64_ready, __ATOMIC_ACQUIRE))
		b64_init();
	if (cap > max_out)
		cap = max_out;
	out = arena_alloc(a, cap + 1);
	for (i = 0; i < len; i++) {
		unsigned char c = b64_class[s[i]];
		if (c < 64) {
			acc = (acc << 6) | c;
			if (++q == 4) {
				if (o + 3 > max_out) {
					fl |= MSG_F_DECODED_TRUNCATED;
					break;
				}
				out[o++] = (unsigned char)(acc >> 16);
				out[o++] = (unsigned char)(acc >> 8);
				out[o++] = (unsigned char)acc;
				q = 0;
				acc = 0;
			}
			continue;
		}
		if (c == 65)
			continue;
		if (c == 66) {
			fl |= MSG_F_B64_BAD;
			continue;
		}
		/* '=': end of this quantum. */
		if (q == 2 || q == 3) {
			size_t nb = q - 1;
			acc <<= 6 * (4 - q);
			if (o + nb > max_out) {
				fl |= MSG_F_DECODED_TRUNCATED;
				break;
			}
			out[o++] = (unsigned char)(acc >> 16);
			if (nb == 2)
				out[o++] = (unsigned char)(acc >> 8);
		} else if (q == 1) {
			fl |= MSG_F_B64_BAD;
		}
		q = 0;
		acc = 0;
	}
	if (i == len && q > 0) {
		/* Missing padding: decode what the bits give. */
		if (q == 1) {
			fl |= MSG_F_B64_BAD;
		} else {
			size_t nb = q - 1;
			acc <<= 6 * (4 - q);
			if (o + nb > max_out) {
				fl |= MSG_F_DECODED_TRUNCATED;
			} else {
				out[o++] = (unsigned char)(acc >> 16);
				if (nb == 2)
					out[o++] = (unsigned char)(acc >> 8);
			}
		}
	}
	out[o] = '\0';
	if (out_len_r != NULL)
		*out_len_r = o;
	if (flags_r != NULL)
		*flags_r |= fl;
	return out;
}

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Index after "[ \t]*\r?\n" at s[i], or 0 if s[i..] is not that. At
   end of input the whitespace run counts as a line end. */
static size_t wsp_eol(const unsigned char *s, size_t i, size_t len)
{
	while (i < len && msgi_is_wsp(s[i]))
		i++;
	if (i == len)
		return len;
	if (s[i] == '\n')
		return i + 1;
	if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
		return i + 2;
	return 0;
}

unsigned char *msg_qp_decode(struct arena *a, const char *in, size_t len,
			     size_t max_out, size_t *out_len_r,
			     unsigned int *flags_r)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t cap = len < max_out ? len : max_out, o = 0, i = 0;
	unsigned char *out = arena_alloc(a, cap + 1);
	unsigned int fl = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t e;
		int h, l;

		if (o >= max_out) {
			fl |= MSG_F_DECODED_TRUNCATED;
			break;
		}
		if (c == '=') {
			if (i + 2 < len + 0 && (h = hexv(s[i + 1])) >= 0 &&
			    (l = hexv(s[i + 2])) >= 0) {
				out[o++] = (unsigned char)(h * 16 + l);
				i += 3;
				continue;
			}
			if ((e = wsp_eol(s, i + 1, len)) != 0) {
				i = e; /* soft line break */
				continue;
			}
			fl |= MSG_F_QP_BAD;
			out[o++] = c;
			i++;
			continue;
		}
		if (msgi_is_wsp(c)) {
			size_t k = i;
			while (k < len && msgi_is_wsp(s[k]))
				k++;
			if (k == len || s[k] == '\n' ||
			    (s[k] == '\r' && k + 1 < len && s[k + 1] == '\n')) {
				i = k; /* trailing whitespace is transport padding */
				continue;
			}
			if (k - i > max_out - o)
				k = i + (max_out - o);
			memcpy(out + o, s + i, k - i);
			o += k - i;
			i = k;
			continue;
		}
		out[o++] = c;
		i++;
	}
	out[o] = '\0';
	if (out_len_r != NULL)
		*out_len_r = o;
	if (flags_r != NULL)
		*flags_r |= fl;
	return out;
}
