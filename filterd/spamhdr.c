/*
 * spamhdr.c - X-Spam-* header values in SpamAssassin's form (spamhdr.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "filterd/spamhdr.h"
#include "lib/buf.h"

#define FOLD_AT 78       /* SpamAssassin folds X-Spam-Status near here */
#define LEVEL_MAX 50     /* stars in X-Spam-Level at most */

static int reported(const struct hit *h)
{
	return !(h->flags & HIT_F_SUBRULE);
}

const char *spam_tests_list(struct scan_ctx *ctx, const char *sep)
{
	struct buf b = BUF_INIT;
	const char *out;
	size_t i;

	hits_sort(&ctx->hits);
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (!reported(h))
			continue;
		if (b.len > 0)
			buf_append_str(&b, sep);
		buf_append_str(&b, h->name);
	}
	out = arena_strndup(ctx->arena, b.len ? buf_cstr(&b) : "", b.len);
	buf_free(&b);
	return out;
}

/* Appends word, folding the line first when it would pass FOLD_AT. */
static void fold_add(struct buf *b, size_t *col, const char *word, const char *lead)
{
	size_t l = strlen(word);

	if (*col + strlen(lead) + l > FOLD_AT && *col > 1) {
		/* a comma stays at the end of the line it ends */
		if (strcmp(lead, ",") == 0)
			buf_append_char(b, ',');
		buf_append_str(b, "\n\t");
		*col = 8;
	} else {
		buf_append_str(b, lead);
		*col += strlen(lead);
	}
	buf_append_str(b, word);
	*col += l;
}

/* "Yes, score=S required=R tests=A,B autolearn=no version=V", folded
   between test names as SpamAssassin folds it; "tests=none" without. */
static const char *status_value(struct scan_ctx *ctx, int spam)
{
	struct buf b = BUF_INIT;
	char head[128];
	const char *out, *last = NULL;
	size_t col, i;

	snprintf(head, sizeof(head), "%s, score=%.1f required=%.1f", spam ? "Yes" : "No",
		 ctx->score, ctx->engine->required_score);
	buf_append_str(&b, head);
	col = strlen("X-Spam-Status: ") + b.len;
	hits_sort(&ctx->hits);
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		if (!reported(h))
			continue;
		if (last == NULL)
			fold_add(&b, &col, arena_strcat(ctx->arena, "tests=", h->name, (char *)NULL),
				 " ");
		else
			fold_add(&b, &col, h->name, ",");
		last = h->name;
	}
	if (last == NULL)
		fold_add(&b, &col, "tests=none", " ");
	fold_add(&b, &col,
		 arena_strcat(ctx->arena, "autolearn=",
			      ctx->autolearn != NULL ? ctx->autolearn : "no", (char *)NULL),
		 " ");
	fold_add(&b, &col, "version=" PACKAGE_VERSION, " ");
	out = arena_strndup(ctx->arena, buf_cstr(&b), b.len);
	buf_free(&b);
	return out;
}

static const char *level_value(struct scan_ctx *ctx)
{
	int n = ctx->score >= 1 ? (int)ctx->score : 0;
	char *s;

	if (n > LEVEL_MAX)
		n = LEVEL_MAX;
	s = arena_alloc(ctx->arena, (size_t)n + 1);
	memset(s, '*', (size_t)n);
	s[n] = '\0';
	return s;
}

static const char *report_value(struct scan_ctx *ctx)
{
	struct buf b = BUF_INIT;
	const char *out;
	size_t i;

	buf_append_str(&b, "Content analysis details:   (");
	{
		char tmp[96];
		snprintf(tmp, sizeof(tmp), "%.1f points, %.1f required)", ctx->score,
			 ctx->engine->required_score);
		buf_append_str(&b, tmp);
	}
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		char line[160];
		if (!reported(h))
			continue;
		snprintf(line, sizeof(line), "\n\t* %4.1f %s ", h->score, h->name);
		buf_append_str(&b, line);
		buf_append_str(&b, h->description != NULL ? h->description : "");
	}
	out = arena_strndup(ctx->arena, buf_cstr(&b), b.len);
	buf_free(&b);
	return out;
}

void spam_headers_build(struct scan_ctx *ctx, int with_report, const char *host,
			struct spam_headers *out)
{
	char hn[256];
	int spam = ctx->verdict == SCAN_SPAM || ctx->verdict == SCAN_REJECT;

	if (host == NULL || host[0] == '\0') {
		if (gethostname(hn, sizeof(hn)) != 0)
			strcpy(hn, "localhost");
		hn[sizeof(hn) - 1] = '\0';
		host = hn;
	}
	hits_sort(&ctx->hits);
	out->flag = spam ? "YES" : NULL;
	out->status = status_value(ctx, spam);
	out->level = level_value(ctx);
	out->report = with_report ? report_value(ctx) : NULL;
	out->checker = arena_strcat(ctx->arena, "Winnow ", PACKAGE_VERSION, " on ", host,
				    (char *)NULL);
}

int spam_header_name(const char *name)
{
	return strncasecmp(name, "X-Spam-", 7) == 0;
}
