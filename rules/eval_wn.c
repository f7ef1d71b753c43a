/*
 * eval_wn.c - Winnow's own eval functions for its default ruleset:
 * link text naming another domain than its target, attachment names
 * and disguised types, message parse flags, visible/invisible text
 * size, HTML-only mail, URI counts, a From display name naming another
 * domain.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/html.h"
#include "lib/uri.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

static int in_range(double v, const struct rule_eval_args *a)
{
	double min = eval_arg_num(a, 0, 0);

	if (v < min)
		return 0;
	return a->argc < 2 || eval_arg(a, 1)[0] == '\0' || v <= eval_arg_num(a, 1, 0);
}

/* The first thing in text that looks like a URL or a domain name:
   "http://x.y/...", "www.x.y", "x.y" with an alphabetic TLD. Returns its
   host, or NULL. */
static const char *text_host(struct rule_ctx *ctx, const char *text)
{
	const char *p = text;
	struct uri_parts up;
	size_t n;

	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n > 2048)
		return NULL;
	/* one word only: anchor text that is a sentence is not an URL */
	if (memchr(p, ' ', n) != NULL || memchr(p, '\t', n) != NULL || memchr(p, '\n', n) != NULL)
		return NULL;
	if (memchr(p, '@', n) != NULL && strncasecmp(p, "http", 4) != 0)
		return NULL; /* an email address */
	if (uri_parse(ctx->arena, p, n, &up) != 0 || up.host == NULL)
		return NULL;
	if (strcmp(up.scheme, "http") != 0 && strcmp(up.scheme, "https") != 0)
		return NULL;
	{
		const char *dot = strrchr(up.host, '.');
		size_t i;
		if (dot == NULL || strlen(dot + 1) < 2)
			return NULL;
		for (i = 1; dot[i] != '\0'; i++)
			if (!isalpha((unsigned char)dot[i]))
				return NULL;
	}
	return up.host;
}

EVAL_FN(wn_link_text_mismatch)
{
	size_t i;

	(void)a;
	for (i = 0; i < ctx->msg->nuris; i++) {
		const struct msg_uri *u = &ctx->msg->uris[i];
		const char *th, *td, *hd;
		if (u->source != MSG_URI_HREF || u->anchor_text == NULL || u->host == NULL)
			continue;
		if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
			continue;
		th = text_host(ctx, u->anchor_text);
		if (th == NULL)
			continue;
		td = uri_domain(ctx->arena, th);
		hd = uri_domain(ctx->arena, u->host);
		if (td != NULL && hd != NULL && strcasecmp(td, hd) != 0)
			return 1;
	}
	return 0;
}

EVAL_FN(wn_attachment_name)
{
	const char *re = eval_arg(a, 0);
	size_t i;

	for (i = 0; i < ctx->msg->nparts; i++) {
		const char *fn = ctx->msg->parts[i]->filename;
		if (fn != NULL && eval_re_match(ctx, re, 1, fn, strlen(fn)))
			return 1;
	}
	return 0;
}

static int dangerous_type(const char *t)
{
	static const char *const types[] = {
		"application/x-dosexec", "application/x-msdownload", "application/x-executable",
		"application/x-elf", "application/x-mach-binary", "application/zip",
		"application/x-rar", "application/vnd.rar", "application/x-rar-compressed",
		"application/x-7z-compressed", "application/gzip", "application/x-gzip",
		"application/x-bzip2", "application/x-xz", "application/x-tar",
		"application/vnd.ms-cab-compressed", "application/x-iso9660-image",
		"application/java-archive", "application/x-ms-shortcut",
	};
	size_t i;

	for (i = 0; i < N_ELEMENTS(types); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

static int is_archive(const char *t)
{
	return strstr(t, "zip") != NULL || strstr(t, "rar") != NULL || strstr(t, "7z") != NULL ||
	       strstr(t, "tar") != NULL || strstr(t, "bzip2") != NULL || strstr(t, "-xz") != NULL ||
	       strstr(t, "cab") != NULL || strstr(t, "java-archive") != NULL;
}

/* File name extensions that honestly carry an executable or archive. */
static int ext_matches(const char *fn, const char *detected)
{
	static const char *const exe_ext[] = { ".exe", ".dll", ".scr", ".com", ".pif", ".cpl",
					       ".sys", ".msi", ".bin", ".elf", ".so", ".lnk" };
	static const char *const arc_ext[] = { ".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2",
					       ".xz", ".tar", ".cab", ".jar", ".iso", ".docx",
					       ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".apk",
					       ".epub", ".xpi", ".kmz", ".zipx", ".taz", ".tbz" };
	const char *dot = fn ? strrchr(fn, '.') : NULL;
	size_t i;

	if (dot == NULL)
		return 0;
	if (is_archive(detected)) {
		for (i = 0; i < N_ELEMENTS(arc_ext); i++)
			if (strcasecmp(dot, arc_ext[i]) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < N_ELEMENTS(exe_ext); i++)
		if (strcasecmp(dot, exe_ext[i]) == 0)
			return 1;
	return 0;
}

static int ctype_matches(const char *ctype, const char *detected)
{
	if (strcmp(ctype, "application/octet-stream") == 0 || strcmp(ctype, detected) == 0)
		return 1;
	if (is_archive(detected))
		return is_archive(ctype) || strstr(ctype, "openxmlformats") != NULL ||
		       strstr(ctype, "opendocument") != NULL || strstr(ctype, "compressed") != NULL;
	return strstr(ctype, "msdownload") != NULL || strstr(ctype, "executable") != NULL ||
	       strstr(ctype, "dosexec") != NULL || strstr(ctype, "x-msdos-program") != NULL;
}

EVAL_FN(wn_attachment_type_mismatch)
{
	size_t i;

	(void)a;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		if (p->nchildren > 0 || p->detected_type == NULL || !dangerous_type(p->detected_type))
			continue;
		if (p->filename != NULL && strrchr(p->filename, '.') != NULL) {
			if (!ext_matches(p->filename, p->detected_type))
				return 1;
			continue;
		}
		if (!ctype_matches(p->ctype, p->detected_type))
			return 1;
	}
	return 0;
}

EVAL_FN(wn_msg_flag)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} flags[] = {
		{ "SIZE_TRUNCATED", MSG_F_SIZE_TRUNCATED }, { "HDR_TRUNCATED", MSG_F_HDR_TRUNCATED },
		{ "HDR_TOO_MANY", MSG_F_HDR_TOO_MANY }, { "HDR_MALFORMED", MSG_F_HDR_MALFORMED },
		{ "HDR_8BIT", MSG_F_HDR_8BIT }, { "LINE_TOO_LONG", MSG_F_LINE_TOO_LONG },
		{ "NO_BODY_SEP", MSG_F_NO_BODY_SEP }, { "MIME_DEPTH", MSG_F_MIME_DEPTH },
		{ "MIME_PARTS", MSG_F_MIME_PARTS }, { "MIME_NO_BOUNDARY", MSG_F_MIME_NO_BOUNDARY },
		{ "MIME_NO_END", MSG_F_MIME_NO_END }, { "MIME_BAD_CTYPE", MSG_F_MIME_BAD_CTYPE },
		{ "B64_BAD", MSG_F_B64_BAD }, { "QP_BAD", MSG_F_QP_BAD },
		{ "CHARSET_UNKNOWN", MSG_F_CHARSET_UNKNOWN }, { "CHARSET_BAD", MSG_F_CHARSET_BAD },
		{ "DECODED_TRUNCATED", MSG_F_DECODED_TRUNCATED }, { "RFC2047_BAD", MSG_F_RFC2047_BAD },
		{ "NUL", MSG_F_NUL }, { "URI_LIMIT", MSG_F_URI_LIMIT },
		{ "HTML_LIMIT", MSG_F_HTML_LIMIT }, { "BARE_CR_LF", MSG_F_BARE_CR_LF },
		{ "CTE_UNKNOWN", MSG_F_CTE_UNKNOWN },
		{ "MISSING_MIME_VERSION", MSG_F_MISSING_MIME_VERSION },
	};
	const char *name = eval_arg(a, 0);
	size_t i;

	if (strncmp(name, "MSG_F_", 6) == 0)
		name += 6;
	for (i = 0; i < N_ELEMENTS(flags); i++)
		if (strcmp(flags[i].name, name) == 0)
			return (ctx->msg->flags & flags[i].flag) != 0;
	return 0;
}

/* Text leaves that are not attachments. */
static int text_leaf(const struct msg_part *p)
{
	return p->nchildren == 0 && !p->is_attachment && strncmp(p->ctype, "text/", 5) == 0;
}

EVAL_FN(wn_visible_text_len)
{
	size_t i, k, total = 0;

	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		if (!text_leaf(p) || p->visible == NULL)
			continue;
		for (k = 0; k < p->visible_len; k++)
			if (!isspace((unsigned char)p->visible[k]))
				total++;
	}
	return in_range((double)total, a);
}

EVAL_FN(wn_html_only)
{
	size_t i;
	int html = 0, plain = 0;

	(void)a;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		if (!text_leaf(p))
			continue;
		if (strcmp(p->ctype, "text/html") == 0)
			html = 1;
		else if (strcmp(p->ctype, "text/plain") == 0)
			plain = 1;
	}
	return html && !plain;
}

EVAL_FN(wn_invisible_text_len)
{
	size_t i, total = 0;

	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		size_t n = 0;
		if (p->html == NULL)
			continue;
		(void)html_invisible_text(p->html, &n);
		total += n;
	}
	return in_range((double)total, a);
}

EVAL_FN(wn_uri_count)
{
	size_t i, k, distinct = 0;

	for (i = 0; i < ctx->msg->nuris; i++) {
		int dup = 0;
		for (k = 0; k < i && !dup; k++)
			dup = strcmp(ctx->msg->uris[k].uri, ctx->msg->uris[i].uri) == 0;
		distinct += !dup;
	}
	return in_range((double)distinct, a);
}

/* A host-looking token in the display name: after '@', or a word with
   a dot and an alphabetic TLD. */
static const char *name_host(struct rule_ctx *ctx, const char *name)
{
	const char *p = name;

	while (*p != '\0') {
		size_t n;
		const char *dot;
		while (*p != '\0' && !(isalnum((unsigned char)*p) || *p == '-'))
			p++;
		n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '.' || p[n] == '_')
			n++;
		while (n > 0 && (p[n - 1] == '.' || p[n - 1] == '-'))
			n--;
		if (n == 0) {
			if (*p != '\0')
				p++;
			continue;
		}
		dot = memrchr(p, '.', n);
		if (dot != NULL && dot > p && p + n - dot - 1 >= 2) {
			const char *t;
			int alpha = 1;
			for (t = dot + 1; t < p + n; t++)
				if (!isalpha((unsigned char)*t))
					alpha = 0;
			if (alpha)
				return arena_strndup(ctx->arena, p, n);
		}
		p += n;
		while (*p == '.' || *p == '-' || *p == '_')
			p++;
	}
	return NULL;
}

EVAL_FN(wn_from_name_other_domain)
{
	const struct msg_header *h = msg_header_first(&ctx->msg->headers, "From");
	struct msg_addr *list;
	const char *host, *nd, *fd;

	(void)a;
	if (h == NULL || msg_addr_parse(ctx->arena, h->value, &list) == 0)
		return 0;
	if (list[0].name[0] == '\0' || list[0].domain[0] == '\0')
		return 0;
	{
		const char *at = strrchr(list[0].name, '@');
		host = name_host(ctx, at ? at + 1 : list[0].name);
	}
	if (host == NULL)
		return 0;
	nd = uri_domain(ctx->arena, host);
	fd = uri_domain(ctx->arena, list[0].domain);
	return nd != NULL && fd != NULL && strcasecmp(nd, fd) != 0;
}
