/*
 * zip.h - a bounded reader of zip archives held in memory (PKWARE
 * APPNOTE 6.3.x): lists the central directory and reads a member, whole
 * or only its first bytes, inflating with zlib under a hard cap.
 *
 * Everything is a view into the caller's bytes: nothing is allocated
 * except zlib's own state during zip_read(). Every offset and size read
 * from the archive is checked against the buffer before use, so a
 * hostile archive can at worst make zip_next() or zip_read() answer
 * "malformed". The reader never loops more than once per central
 * directory entry; the caller decides how many entries to look at.
 */
#ifndef ZIP_H
#define ZIP_H

#include <stddef.h>
#include <stdint.h>

/* General purpose flag bits and methods we care about. */
#define ZIP_FLAG_ENCRYPTED 0x0001u /* traditional PKWARE or any encryption */
#define ZIP_FLAG_STRONG 0x0040u    /* strong encryption */
#define ZIP_FLAG_UTF8 0x0800u      /* name is UTF-8 (else CP437) */
#define ZIP_METHOD_STORED 0
#define ZIP_METHOD_DEFLATE 8
#define ZIP_METHOD_AES 99          /* WinZip AES: always encrypted */

struct zip_entry {
	const char *name;  /* as stored, NOT NUL-terminated: a view into the archive */
	size_t name_len;
	uint16_t flags;
	uint16_t method;
	uint64_t csize;    /* compressed size */
	uint64_t usize;    /* uncompressed size as declared (a bomb lies here) */
	uint64_t offset;   /* of the local header, already adjusted for any
			      data in front of the archive */
	int encrypted;     /* flag bit 0, strong encryption or AES */
};

struct zip {
	const unsigned char *data;
	size_t len;
	uint64_t cd_off;   /* start of the central directory */
	uint64_t cd_end;
	uint64_t nentries; /* as the end record says */
	uint64_t shift;    /* bytes in front of the archive (self-extractors) */
	uint64_t pos;      /* next central entry */
	uint64_t seen;
	int zip64;
};

/* Finds the end of central directory record (zip64 too). Returns 0, or
   -1 when data holds no usable zip directory (not a zip, or truncated). */
int zip_open(struct zip *z, const void *data, size_t len);

/* The next central directory entry: 1 with *e filled, 0 at the end, -1
   when the directory is malformed (the caller stops there). */
int zip_next(struct zip *z, struct zip_entry *e);

enum zip_read_status {
	ZIP_READ_OK,          /* the whole member, *len_r bytes */
	ZIP_READ_PARTIAL,     /* max bytes reached: the first *len_r bytes */
	ZIP_READ_ENCRYPTED,   /* encrypted: nothing read */
	ZIP_READ_UNSUPPORTED, /* a method other than stored or deflate */
	ZIP_READ_BAD,         /* malformed or truncated: *len_r bytes were good */
};

/* Reads member e into out, at most max bytes (the hard cap on inflating:
   a zip bomb costs max bytes and the time to produce them, no more). */
enum zip_read_status zip_read(const struct zip *z, const struct zip_entry *e,
			      unsigned char *out, size_t max, size_t *len_r);

/* "ok", "partial", "encrypted", "unsupported method", "malformed". */
const char *zip_read_status_name(enum zip_read_status s);

#endif
