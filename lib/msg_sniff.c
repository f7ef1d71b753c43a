/*
 * msg_sniff.c - content type by magic bytes, for parts that lie about
 * their type (an .exe sent as image/gif, a zip as text/plain).
 *
 * Looks at the first bytes only (and skips leading whitespace for HTML),
 * so cost is constant per part. Returns static strings.
 */
#include <string.h>

#include "lib/msg.h"
#include "lib/msg_int.h"

struct magic {
	const char *bytes;
	size_t len;
	const char *type;
};

static const struct magic magics[] = {
	{ "MZ", 2, "application/x-dosexec" },
	{ "PK\003\004", 4, "application/zip" },
	{ "PK\005\006", 4, "application/zip" },
	{ "%PDF-", 5, "application/pdf" },
	{ "GIF87a", 6, "image/gif" },
	{ "GIF89a", 6, "image/gif" },
	{ "\211PNG\r\n\032\n", 8, "image/png" },
	{ "\377\330\377", 3, "image/jpeg" },
	{ "Rar!\032\007", 6, "application/x-rar" },
	{ "7z\274\257\047\034", 6, "application/x-7z-compressed" },
	{ "\037\213", 2, "application/gzip" },
	{ "\320\317\021\340\241\261\032\341", 8, "application/x-ole-storage" },
	{ "\177ELF", 4, "application/x-executable" },
	{ "BM", 2, NULL }, /* too weak alone: see below */
	{ "{\\rtf", 5, "text/rtf" },
	{ "#!", 2, "text/x-shellscript" },
};

static int ci_prefix(const unsigned char *d, size_t n, const char *lit)
{
	return msgi_prefix_ci((const char *)d, n, lit);
}

const char *msgi_sniff(const unsigned char *d, size_t n)
{
	size_t i;

	if (d == NULL || n < 2)
		return NULL;
	for (i = 0; i < N_ELEMENTS(magics); i++) {
		if (magics[i].type != NULL && n >= magics[i].len &&
		    memcmp(d, magics[i].bytes, magics[i].len) == 0)
			return magics[i].type;
	}
	/* BMP: "BM" then the file size; require a plausible header. */
	if (n >= 26 && d[0] == 'B' && d[1] == 'M' && d[6] == 0 && d[7] == 0 &&
	    d[8] == 0 && d[9] == 0)
		return "image/bmp";
	i = 0;
	while (i < n && i < 512 && (msgi_is_space(d[i]) || d[i] == 0xef || d[i] == 0xbb ||
				     d[i] == 0xbf))
		i++;
	if (ci_prefix(d + i, n - i, "<html") || ci_prefix(d + i, n - i, "<!doctype html"))
		return "text/html";
	return NULL;
}
