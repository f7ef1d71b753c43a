/*
 * lines.c - lines of a raw message (see lines.h).
 */
#include "lib/lines.h"

#include <string.h>

size_t lines_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(end - p);
}

int lines_blank(const char *p, size_t n)
{
	return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n');
}

size_t lines_trim_end(const char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

size_t lines_crlf(char *out, const char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = p[i];
	}
	out[k] = '\0';
	return k;
}
