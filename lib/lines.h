/*
 * lines.h - lines of a raw message as the MTA handed it (LF or CRLF line
 * ends, not NUL-terminated): the small pieces the DKIM, ARC and signing
 * code all read a header with.
 */
#ifndef LINES_H
#define LINES_H

#include <stddef.h>

/* Bytes of the line at p (before end), its line end included. */
size_t lines_len(const char *p, const char *end);

/* Is [p, p+n) an empty line (LF or CRLF): the end of a header? */
int lines_blank(const char *p, size_t n);

/* n without a final LF or CRLF. */
size_t lines_trim_end(const char *p, size_t n);

/* Copies [p, p+n) to out with every bare LF made CRLF; out must hold
   2 * n + 1 bytes. NUL-terminates; returns the length. */
size_t lines_crlf(char *out, const char *p, size_t n);

#endif
