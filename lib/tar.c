/*
 * tar.c - bounded tar and gzip readers (see tar.h).
 *
 * A header is taken as one only if its checksum adds up (the sum of its
 * bytes with the checksum field counted as spaces), so random data is
 * not read as an archive. Sizes are octal, or base-256 when the first
 * byte has its high bit set (GNU, for files over 8 GB); either way they
 * are checked against what is left of the buffer before use.
 */
#include "lib/tar.h"

#include <string.h>

#include <zlib.h>

#define TAR_BLOCK 512

static int tar_checksum_ok(const unsigned char *h)
{
	unsigned long sum = 0, want = 0;
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	for (i = 148; i < 156 && h[i] == ' '; i++)
		;
	for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
		want = want * 8 + (unsigned long)(h[i] - '0');
	return sum == want && sum != 8 * ' ';
}

int tar_is_tar(const void *data, size_t len)
{
	return len >= TAR_BLOCK && tar_checksum_ok(data);
}

void tar_init(struct tar *t, const void *data, size_t len)
{
	t->data = data;
	t->len = len;
	t->pos = 0;
}

static uint64_t tar_size(const unsigned char *f)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		/* base-256: the rest of the field, big-endian; more than 8
		   bytes of it cannot be a real size */
		for (i = 1; i < 12; i++) {
			if (v >> 56)
				return UINT64_MAX;
			v = (v << 8) | f[i];
		}
		return v;
	}
	while (i < 12 && f[i] == ' ')
		i++;
	for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	return v;
}

/* e->name = a, or a "/" b when b is given (ustar's prefix and name). */
static void tar_set_name(struct tar_entry *e, const char *a, size_t an, const char *b,
			 size_t bn)
{
	size_t n;

	if (an > TAR_NAME_MAX - 1)
		an = TAR_NAME_MAX - 1;
	memcpy(e->name, a, an);
	n = an;
	if (b != NULL && n < TAR_NAME_MAX - 2) {
		e->name[n++] = '/';
		if (bn > TAR_NAME_MAX - 1 - n)
			bn = TAR_NAME_MAX - 1 - n;
		memcpy(e->name + n, b, bn);
		n += bn;
	}
	e->name[n] = '\0';
	e->name_len = n;
}

static size_t tar_field_len(const unsigned char *f, size_t max)
{
	const unsigned char *z = memchr(f, '\0', max);

	return z != NULL ? (size_t)(z - f) : max;
}

/* The value of the "path" record of a pax header: "LEN path=VALUE\n". */
static int tar_pax_path(const unsigned char *p, size_t n, struct tar_entry *e)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, k = i;

		while (k < n && p[k] >= '0' && p[k] <= '9' && len < n)
			len = len * 10 + (size_t)(p[k++] - '0');
		if (len == 0 || len > n - i || k >= i + len || p[k] != ' ')
			return 0;
		k++;
		if (i + len - k > 5 && memcmp(p + k, "path=", 5) == 0 && p[i + len - 1] == '\n') {
			tar_set_name(e, (const char *)p + k + 5, i + len - 1 - (k + 5), NULL, 0);
			return 1;
		}
		i += len;
	}
	return 0;
}

static int tar_zero_block(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (h[i] != 0)
			return 0;
	return 1;
}

int tar_next(struct tar *t, struct tar_entry *e)
{
	int have_name = 0;

	memset(e, 0, sizeof(*e));
	for (;;) {
		const unsigned char *h;
		uint64_t size, blocks;
		size_t body, avail;

		if (t->len - t->pos < TAR_BLOCK)
			return 0;
		h = t->data + t->pos;
		if (tar_zero_block(h))
			return 0; /* the end of the archive */
		if (!tar_checksum_ok(h))
			return -1;
		size = tar_size(h + 124);
		body = t->pos + TAR_BLOCK;
		avail = t->len - body;
		blocks = size / TAR_BLOCK + (size % TAR_BLOCK != 0);
		/* past the end of the buffer: this is the last entry we see */
		t->pos = blocks > avail / TAR_BLOCK ? t->len : body + (size_t)blocks * TAR_BLOCK;
		if (h[156] == 'L') { /* GNU: the next entry's long name */
			tar_set_name(e, (const char *)t->data + body,
				     tar_field_len(t->data + body, size < avail ? (size_t)size : avail),
				     NULL, 0);
			have_name = 1;
			continue;
		}
		if (h[156] == 'x') { /* pax: records for the next entry */
			have_name |= tar_pax_path(t->data + body, size < avail ? (size_t)size : avail,
						  e);
			continue;
		}
		if (h[156] == 'g')
			continue;
		if (!have_name) {
			/* POSIX ustar has a prefix field; GNU ("ustar  ") uses
			   those bytes for other things */
			size_t pn = memcmp(h + 257, "ustar\0", 6) == 0 ? tar_field_len(h + 345, 155)
								      : 0;

			if (pn > 0)
				tar_set_name(e, (const char *)h + 345, pn, (const char *)h,
					     tar_field_len(h, 100));
			else
				tar_set_name(e, (const char *)h, tar_field_len(h, 100), NULL, 0);
		}
		e->type = (char)h[156];
		e->size = size;
		e->body = t->data + body;
		e->body_len = size < avail ? (size_t)size : avail;
		return 1;
	}
}

enum tar_gz_status tar_gunzip(const void *data, size_t len, unsigned char *out, size_t max,
			      size_t *len_r, char *name, size_t name_size)
{
	z_stream s;
	gz_header gh;
	enum tar_gz_status st = TAR_GZ_BAD;
	int r = Z_OK;

	memset(&s, 0, sizeof(s));
	memset(&gh, 0, sizeof(gh));
	*len_r = 0;
	if (name_size > 0)
		name[0] = '\0';
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return TAR_GZ_BAD;
	gh.name = (unsigned char *)name;
	gh.name_max = name_size > 0 ? (uInt)(name_size > 0x10000 ? 0x10000 : name_size - 1) : 0;
	if (name_size > 0)
		(void)inflateGetHeader(&s, &gh);
	s.next_in = (unsigned char *)data;
	s.avail_in = len > 0x40000000u ? 0x40000000u : (uInt)len;
	s.next_out = out;
	while (r == Z_OK) {
		size_t room = max - (size_t)(s.next_out - out);

		if (room == 0) {
			st = TAR_GZ_PARTIAL;
			break;
		}
		s.avail_out = room > 0x40000000u ? 0x40000000u : (uInt)room;
		r = inflate(&s, Z_SYNC_FLUSH);
		if (r == Z_STREAM_END)
			st = TAR_GZ_OK;
		else if (r == Z_BUF_ERROR && s.avail_out == 0)
			r = Z_OK;
	}
	*len_r = (size_t)(s.next_out - out);
	inflateEnd(&s);
	if (name_size > 0)
		name[name_size - 1] = '\0'; /* zlib stops at name_max, maybe without a NUL */
	return st;
}
