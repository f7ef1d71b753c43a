/*
 * zip.c - a bounded zip reader (see zip.h).
 *
 * Why the central directory: it is what Windows Explorer and every
 * unzipper show the user, so it is the list of names that matters to
 * an attachment policy. Local headers are only read to find where a
 * member's data starts (their sizes may be zero when a data descriptor
 * follows, so sizes come from the central entry).
 *
 * Hostile input: every offset and length is checked against the buffer
 * with overflow-safe arithmetic (need() below) before it is read; the
 * end record is searched only in the last 64 KiB + 22 bytes; zip64
 * values are taken only from the records the end record points to.
 * Inflation writes into the caller's buffer and stops when it is full.
 */
#include "lib/zip.h"

#include <string.h>

#include <zlib.h>

#define ZIP_EOCD_SIZE 22
#define ZIP_EOCD64_LOC_SIZE 20
#define ZIP_EOCD64_SIZE 56
#define ZIP_CENTRAL_SIZE 46
#define ZIP_LOCAL_SIZE 30
#define ZIP_MAX_COMMENT 65535

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* Are n bytes at off inside the buffer? (No overflow whatever the values.) */
static int need(const struct zip *z, uint64_t off, uint64_t n)
{
	return off <= z->len && n <= z->len - off;
}

static int sig_at(const struct zip *z, uint64_t off, const char *sig)
{
	return need(z, off, 4) && memcmp(z->data + off, sig, 4) == 0;
}

/* The end of central directory record: the last "PK\5\6" whose comment
   fits the buffer. Returns its offset or -1. */
static int64_t zip_find_eocd(const struct zip *z)
{
	size_t stop, i;

	if (z->len < ZIP_EOCD_SIZE)
		return -1;
	stop = z->len > ZIP_EOCD_SIZE + ZIP_MAX_COMMENT ? z->len - ZIP_EOCD_SIZE - ZIP_MAX_COMMENT
							: 0;
	for (i = z->len - ZIP_EOCD_SIZE + 1; i-- > stop;) {
		const unsigned char *p = z->data + i;

		if (p[0] == 'P' && p[1] == 'K' && p[2] == 5 && p[3] == 6 &&
		    rd16(p + 20) <= z->len - i - ZIP_EOCD_SIZE)
			return (int64_t)i;
	}
	return -1;
}

/* The zip64 end record, when the locator sits just before the end record. */
static int zip_read_eocd64(struct zip *z, uint64_t eocd)
{
	const unsigned char *loc, *r;
	uint64_t off;

	if (eocd < ZIP_EOCD64_LOC_SIZE || !sig_at(z, eocd - ZIP_EOCD64_LOC_SIZE, "PK\6\7"))
		return 0;
	loc = z->data + eocd - ZIP_EOCD64_LOC_SIZE;
	off = rd64(loc + 8);
	if (!need(z, off, ZIP_EOCD64_SIZE) || !sig_at(z, off, "PK\6\6"))
		return -1;
	r = z->data + off;
	z->nentries = rd64(r + 32);
	z->cd_end = rd64(r + 40); /* the size, for now */
	z->cd_off = rd64(r + 48);
	z->zip64 = 1;
	return 1;
}

int zip_open(struct zip *z, const void *data, size_t len)
{
	int64_t eocd;
	const unsigned char *e;
	uint64_t cd_size, expected;
	int r;

	memset(z, 0, sizeof(*z));
	z->data = data;
	z->len = len;
	if ((eocd = zip_find_eocd(z)) < 0)
		return -1;
	e = z->data + eocd;
	z->nentries = rd16(e + 10);
	z->cd_end = rd32(e + 12);
	z->cd_off = rd32(e + 16);
	if ((r = zip_read_eocd64(z, (uint64_t)eocd)) < 0)
		return -1;
	cd_size = z->cd_end;
	/* the directory ends where the end record (or zip64 record) starts;
	   a difference is data in front of the archive (self-extractor, or
	   a zip appended to something else) */
	expected = (uint64_t)eocd;
	if (r > 0)
		expected = rd64(z->data + eocd - ZIP_EOCD64_LOC_SIZE + 8);
	if (cd_size > expected)
		return -1;
	if (z->cd_off > expected - cd_size)
		return -1;
	z->shift = expected - cd_size - z->cd_off;
	z->cd_off += z->shift;
	z->cd_end = z->cd_off + cd_size;
	z->pos = z->cd_off;
	return 0;
}

/* zip64 extended information (extra field 0x0001): the values whose
   32-bit field was all ones, in this order. */
static int zip_extra64(const unsigned char *x, size_t xlen, struct zip_entry *e,
		       int want_u, int want_c, int want_off)
{
	while (xlen >= 4) {
		uint16_t id = rd16(x), n = rd16(x + 2);
		const unsigned char *p = x + 4;
		size_t left;

		if ((size_t)n > xlen - 4)
			return -1;
		if (id == 0x0001) {
			left = n;
			if (want_u) {
				if (left < 8)
					return -1;
				e->usize = rd64(p), p += 8, left -= 8;
			}
			if (want_c) {
				if (left < 8)
					return -1;
				e->csize = rd64(p), p += 8, left -= 8;
			}
			if (want_off) {
				if (left < 8)
					return -1;
				e->offset = rd64(p);
			}
			return 0;
		}
		x += 4 + (size_t)n;
		xlen -= 4 + (size_t)n;
	}
	return want_u || want_c || want_off ? -1 : 0;
}

int zip_next(struct zip *z, struct zip_entry *e)
{
	const unsigned char *c;
	size_t nlen, xlen, clen;
	uint32_t cs, us, off;

	if (z->seen >= z->nentries || z->pos >= z->cd_end)
		return 0;
	if (!need(z, z->pos, ZIP_CENTRAL_SIZE) || z->pos + ZIP_CENTRAL_SIZE > z->cd_end ||
	    !sig_at(z, z->pos, "PK\1\2"))
		return -1;
	c = z->data + z->pos;
	nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
	if (!need(z, z->pos + ZIP_CENTRAL_SIZE, nlen + xlen + clen))
		return -1;
	memset(e, 0, sizeof(*e));
	e->flags = rd16(c + 8);
	e->method = rd16(c + 10);
	cs = rd32(c + 20), us = rd32(c + 24), off = rd32(c + 42);
	e->csize = cs, e->usize = us, e->offset = off;
	e->name = (const char *)c + ZIP_CENTRAL_SIZE;
	e->name_len = nlen;
	if (zip_extra64(c + ZIP_CENTRAL_SIZE + nlen, xlen, e, us == 0xffffffffu,
			cs == 0xffffffffu, off == 0xffffffffu) < 0)
		return -1;
	if (e->offset > UINT64_MAX - z->shift)
		return -1;
	e->offset += z->shift;
	e->encrypted = (e->flags & (ZIP_FLAG_ENCRYPTED | ZIP_FLAG_STRONG)) != 0 ||
		       e->method == ZIP_METHOD_AES;
	z->pos += ZIP_CENTRAL_SIZE + nlen + xlen + clen;
	z->seen++;
	return 1;
}

/* Where the member's data starts, from its local header; -1 if bad. */
static int64_t zip_data_start(const struct zip *z, const struct zip_entry *e)
{
	const unsigned char *l;
	uint64_t start;

	if (!need(z, e->offset, ZIP_LOCAL_SIZE) || !sig_at(z, e->offset, "PK\3\4"))
		return -1;
	l = z->data + e->offset;
	start = e->offset + ZIP_LOCAL_SIZE + rd16(l + 26) + rd16(l + 28);
	if (start > z->len)
		return -1;
	return (int64_t)start;
}

static enum zip_read_status zip_inflate(const unsigned char *in, uint64_t in_len,
					unsigned char *out, size_t max, size_t *len_r)
{
	z_stream s;
	enum zip_read_status st = ZIP_READ_BAD;
	int r = Z_OK;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
		return ZIP_READ_BAD;
	s.next_in = (unsigned char *)in;
	s.next_out = out;
	while (r == Z_OK) {
		uInt in_chunk = in_len > 0x40000000u ? 0x40000000u : (uInt)in_len;
		uInt out_chunk = max - (size_t)(s.next_out - out) > 0x40000000u
					 ? 0x40000000u
					 : (uInt)(max - (size_t)(s.next_out - out));

		if (out_chunk == 0) {
			st = ZIP_READ_PARTIAL;
			break;
		}
		s.avail_in = in_chunk;
		s.avail_out = out_chunk;
		r = inflate(&s, Z_SYNC_FLUSH);
		in_len -= in_chunk - s.avail_in;
		if (r == Z_STREAM_END)
			st = ZIP_READ_OK;
		else if (r == Z_BUF_ERROR && s.avail_out != 0)
			break; /* input ran out before the end of the stream */
		else if (r == Z_BUF_ERROR)
			r = Z_OK;
	}
	*len_r = (size_t)(s.next_out - out);
	inflateEnd(&s);
	return st;
}

enum zip_read_status zip_read(const struct zip *z, const struct zip_entry *e,
			      unsigned char *out, size_t max, size_t *len_r)
{
	int64_t start;
	uint64_t avail;

	*len_r = 0;
	if (e->encrypted)
		return ZIP_READ_ENCRYPTED;
	if (e->method != ZIP_METHOD_STORED && e->method != ZIP_METHOD_DEFLATE)
		return ZIP_READ_UNSUPPORTED;
	if ((start = zip_data_start(z, e)) < 0)
		return ZIP_READ_BAD;
	avail = z->len - (uint64_t)start;
	if (e->method == ZIP_METHOD_STORED) {
		uint64_t n = e->csize < avail ? e->csize : avail;

		if (n > max)
			n = max;
		memcpy(out, z->data + start, (size_t)n);
		*len_r = (size_t)n;
		if (n == e->csize)
			return ZIP_READ_OK;
		return n == max ? ZIP_READ_PARTIAL : ZIP_READ_BAD;
	}
	return zip_inflate(z->data + start, e->csize < avail ? e->csize : avail, out, max,
			   len_r);
}

const char *zip_read_status_name(enum zip_read_status s)
{
	switch (s) {
	case ZIP_READ_OK: return "ok";
	case ZIP_READ_PARTIAL: return "partial";
	case ZIP_READ_ENCRYPTED: return "encrypted";
	case ZIP_READ_UNSUPPORTED: return "unsupported method";
	case ZIP_READ_BAD: return "malformed";
	}
	return "?";
}
