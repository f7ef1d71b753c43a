/*
 * eval_image.c - SpamAssassin's ImageInfo plugin: counts, pixel
 * coverage and dimensions of base64 image/gif, image/png and
 * image/jpeg parts, read from the decoded bytes (GIF logical screen,
 * PNG IHDR, JPEG SOFn marker), and their file names.
 *
 * Ownership: the summary is cached in the message arena. Readers are
 * bounded by the part's decoded length.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

enum { IMG_ALL, IMG_GIF, IMG_PNG, IMG_JPEG, IMG_TYPES };

struct img_dim {
	int type;
	unsigned long h, w;
};

struct img_info {
	unsigned long count[IMG_TYPES];
	double pc[IMG_TYPES];
	struct arena_vec dims;  /* struct img_dim */
	struct arena_vec names; /* const char * */
};

static int img_type(const char *s)
{
	if (strcmp(s, "all") == 0)
		return IMG_ALL;
	if (strcmp(s, "gif") == 0)
		return IMG_GIF;
	if (strcmp(s, "png") == 0)
		return IMG_PNG;
	if (strcmp(s, "jpeg") == 0 || strcmp(s, "jpg") == 0)
		return IMG_JPEG;
	return -1;
}

static int gif_dims(const unsigned char *d, size_t n, unsigned long *w, unsigned long *h)
{
	if (n < 10 || memcmp(d, "GIF8", 4) != 0)
		return -1;
	*w = (unsigned long)d[6] | ((unsigned long)d[7] << 8);
	*h = (unsigned long)d[8] | ((unsigned long)d[9] << 8);
	return 0;
}

static unsigned long be32(const unsigned char *p)
{
	return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) |
	       ((unsigned long)p[2] << 8) | p[3];
}

static int png_dims(const unsigned char *d, size_t n, unsigned long *w, unsigned long *h)
{
	if (n < 24 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0)
		return -1;
	*w = be32(d + 16);
	*h = be32(d + 20);
	return 0;
}

static int jpeg_dims(const unsigned char *d, size_t n, unsigned long *w, unsigned long *h)
{
	size_t i = 2;

	if (n < 4 || d[0] != 0xff || d[1] != 0xd8)
		return -1;
	while (i + 4 <= n) {
		unsigned char m;
		size_t len;
		if (d[i] != 0xff) {
			i++;
			continue;
		}
		m = d[i + 1];
		if (m == 0xff) {
			i++;
			continue;
		}
		if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
			i += 2;
			continue;
		}
		len = ((size_t)d[i + 2] << 8) | d[i + 3];
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (i + 9 > n)
				return -1;
			*h = ((unsigned long)d[i + 5] << 8) | d[i + 6];
			*w = ((unsigned long)d[i + 7] << 8) | d[i + 8];
			return 0;
		}
		if (len < 2)
			return -1;
		i += 2 + len;
	}
	return -1;
}

static const struct img_info *images(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);
	struct img_info *ii = slots[EVAL_SLOT_IMAGES];
	size_t i;

	if (ii != NULL)
		return ii;
	ii = arena_zalloc(ctx->arena, sizeof(*ii));
	slots[EVAL_SLOT_IMAGES] = ii;
	for (i = 0; i < ctx->msg->nparts; i++) {
		const struct msg_part *p = ctx->msg->parts[i];
		unsigned long w = 0, h = 0;
		int t, ok;
		if (p->nchildren > 0 || strcmp(p->cte, "base64") != 0 ||
		    strncmp(p->ctype, "image/", 6) != 0)
			continue;
		t = img_type(p->ctype + 6);
		if (t <= IMG_ALL || p->decoded == NULL)
			continue;
		ii->count[t]++;
		ii->count[IMG_ALL]++;
		if (p->filename != NULL)
			*ARENA_VEC_PUSH(ctx->arena, &ii->names, const char *) = p->filename;
		ok = t == IMG_GIF ? gif_dims(p->decoded, p->decoded_len, &w, &h)
		   : t == IMG_PNG ? png_dims(p->decoded, p->decoded_len, &w, &h)
				  : jpeg_dims(p->decoded, p->decoded_len, &w, &h);
		if (ok != 0)
			continue;
		ii->pc[t] += (double)w * (double)h;
		ii->pc[IMG_ALL] += (double)w * (double)h;
		{
			struct img_dim *d = ARENA_VEC_PUSH(ctx->arena, &ii->dims, struct img_dim);
			d->type = t;
			d->h = h;
			d->w = w;
		}
	}
	return ii;
}

/* SA's result_check: min <= v <= max (max optional; < max if nomaxeq). */
static int result_check(const struct rule_eval_args *a, size_t mini, double v, int nomaxeq)
{
	double min = eval_arg_num(a, mini, 0), max;

	if (v < min)
		return 0;
	if (a->argc <= mini + 1)
		return 1;
	max = eval_arg_num(a, mini + 1, 0);
	if (v > max)
		return 0;
	return !(nomaxeq && v == max);
}

EVAL_FN(image_count)
{
	int t = img_type(eval_arg(a, 0));
	return t >= 0 && result_check(a, 1, (double)images(ctx)->count[t], 0);
}

EVAL_FN(pixel_coverage)
{
	int t = img_type(eval_arg(a, 0));
	return t >= 0 && result_check(a, 1, images(ctx)->pc[t], 0);
}

EVAL_FN(image_to_text_ratio)
{
	int t = img_type(eval_arg(a, 0));
	const struct rule_text *body;
	const struct img_info *ii = images(ctx);
	double textlen = 0;
	size_t i, k;

	if (t < 0 || ii->pc[t] <= 0)
		return 0;
	body = a->type == RULE_T_RAWBODY ? rule_ctx_rawbody(ctx) : rule_ctx_body(ctx);
	for (i = 0; i < body->count; i++)
		for (k = 0; k < body->lens[i]; k++)
			textlen += ((unsigned char)body->lines[i][k] & 0xc0) != 0x80;
	if (textlen <= 0)
		return 0;
	return result_check(a, 1, textlen / ii->pc[t], 1);
}

static int dim_match(const struct img_dim *d, int t)
{
	return t == IMG_ALL || d->type == t;
}

EVAL_FN(image_size_exact)
{
	const struct img_info *ii = images(ctx);
	const struct img_dim *d = ii->dims.v;
	int t = img_type(eval_arg(a, 0));
	unsigned long h = strtoul(eval_arg(a, 1), NULL, 10), w = strtoul(eval_arg(a, 2), NULL, 10);
	size_t i;

	for (i = 0; t >= 0 && i < ii->dims.count; i++)
		if (dim_match(&d[i], t) && d[i].h == h && d[i].w == w)
			return 1;
	return 0;
}

EVAL_FN(image_size_range)
{
	const struct img_info *ii = images(ctx);
	const struct img_dim *d = ii->dims.v;
	int t = img_type(eval_arg(a, 0));
	double minh = eval_arg_num(a, 1, 0), minw = eval_arg_num(a, 2, 0);
	size_t i;

	for (i = 0; t >= 0 && i < ii->dims.count; i++) {
		if (!dim_match(&d[i], t) || (double)d[i].h < minh || (double)d[i].w < minw)
			continue;
		if (a->argc > 3 && (double)d[i].h > eval_arg_num(a, 3, 0))
			continue;
		if (a->argc > 4 && (double)d[i].w > eval_arg_num(a, 4, 0))
			continue;
		return 1;
	}
	return 0;
}

EVAL_FN(image_named)
{
	const struct img_info *ii = images(ctx);
	const char **n = ii->names.v;
	size_t i;

	for (i = 0; i < ii->names.count; i++)
		if (strcmp(n[i], eval_arg(a, 0)) == 0)
			return 1;
	return 0;
}
