/*
 * tar.h - bounded readers of the tar format (POSIX ustar, with GNU long
 * names and pax path records) and of the gzip wrapper around it (RFC
 * 1952), for archives held in memory.
 *
 * tar_next() returns views into the caller's bytes (except the name,
 * copied into the entry because ustar splits it in two). Every size read
 * from a header is checked against the buffer; each call moves at least
 * one 512-byte block forward, so a walk is bounded by the buffer's size.
 * tar_gunzip() inflates with zlib into the caller's buffer and stops
 * when it is full.
 */
#ifndef TAR_H
#define TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_NAME_MAX 1024

struct tar {
	const unsigned char *data;
	size_t len;
	size_t pos;
};

struct tar_entry {
	char name[TAR_NAME_MAX]; /* NUL-terminated; a longer name is cut */
	size_t name_len;
	char type;               /* '0' (or '\0') regular file, '5' directory, ... */
	uint64_t size;           /* as the header says */
	const unsigned char *body; /* view: the bytes of it we have */
	size_t body_len;         /* < size when the archive is cut short */
};

/* Does data start with a tar header (valid checksum)? */
int tar_is_tar(const void *data, size_t len);

void tar_init(struct tar *t, const void *data, size_t len);
/* The next entry (GNU 'L' and pax 'x' headers are folded into the name
   of the entry they describe): 1 with *e filled, 0 at the end of the
   archive or of the buffer, -1 on a malformed header. */
int tar_next(struct tar *t, struct tar_entry *e);

enum tar_gz_status {
	TAR_GZ_OK,      /* the whole stream (first member) was inflated */
	TAR_GZ_PARTIAL, /* max bytes reached */
	TAR_GZ_BAD,     /* malformed or cut short: *len_r bytes were good */
};

/* Inflates a gzip stream into out (at most max bytes); the original file
   name of the gzip header (FNAME), if any, goes to name (NUL-terminated,
   cut to name_size - 1; "" when absent). */
enum tar_gz_status tar_gunzip(const void *data, size_t len, unsigned char *out, size_t max,
			      size_t *len_r, char *name, size_t name_size);

#endif
