/*
 * sieve_ext.c - Sieve extensions beyond the base language: body (RFC
 * 5173), imap4flags (RFC 5232), variables' set (RFC 5229 4),
 * spamtest/spamtestplus and virustest (RFC 5235).
 *
 * spamtest reads the filter's verdict from the message, as Winnow's
 * filterd and SpamAssassin write it: X-Spam-Status "..., score=S
 * required=R ..." (S from X-Spam-Score instead when that field is
 * there; R is 5.0 when not given). ratio = S / R clamped to [0, 1];
 * spamtest = 1 + floor(9 * ratio) (1: surely not spam .. 10: at or over
 * the threshold), :percent = floor(100 * ratio); "0" when the message
 * carries neither field (untested). The same scale as Pigeonhole's
 * score-type configuration with the max taken from required=.
 * virustest reads X-Virus-Status (Winnow's filterd): "Clean..." -> 1
 * (tested, no virus), "Infected..." -> 5 (definitely infected),
 * "Unscanned...", anything else or no field -> 0 (not tested): RFC 5235
 * 3.3's table, with 2-4 (cured, possibly infected) never produced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/msg.h"
#include "mda/sieve_int.h"

/* body: does part type ctype match one of :content's types (RFC 5173
   5.2: "" any, "type" any subtype, "type/subtype" exactly)? */
static int sieve_body_type_ok(struct sieve_run *r, const struct sieve_node *n,
			      const char *ctype)
{
	size_t i, len;

	for (i = 0; i < n->o.ctypes.n; i++) {
		const char *t = sieve_expand(r, &n->o.ctypes.v[i], &len);
		const char *slash = strchr(t, '/');
		if (len == 0)
			return 1;
		if (slash == NULL) {
			if (strncasecmp(ctype, t, len) == 0 && ctype[len] == '/')
				return 1;
		} else if (strcasecmp(ctype, t) == 0) {
			return 1;
		}
	}
	return 0;
}

int sieve_test_body(struct sieve_run *r, const struct sieve_node *n)
{
	const struct msg *pm = r->m->parsed;
	struct arena_vec vals = {0};
	size_t i;

	if (pm == NULL)
		return sieve_match_values(r, n, &n->pos[0], NULL, 0);
	if (n->o.bt == SIEVE_BT_RAW) {
		/* the body as written, not decoded (RFC 5173 5.1) */
		struct sieve_span *sp = ARENA_VEC_PUSH(r->a, &vals, struct sieve_span);
		size_t hl = pm->header_len <= pm->raw_len ? pm->header_len : pm->raw_len;
		sp->p = pm->raw + hl;
		sp->len = pm->raw_len - hl;
		return sieve_match_values(r, n, &n->pos[0], vals.v, vals.count);
	}
	for (i = 0; i < pm->nparts; i++) {
		const struct msg_part *part = pm->parts[i];
		struct sieve_span *sp;

		if (part->nchildren > 0 || part->ctype == NULL)
			continue; /* containers: their leaves are looked at */
		if (n->o.bt == SIEVE_BT_TEXT) {
			/* :text: the text parts decoded to UTF-8, HTML as its
			   visible text */
			if (strncmp(part->ctype, "text/", 5) != 0 || part->text == NULL)
				continue;
			sp = ARENA_VEC_PUSH(r->a, &vals, struct sieve_span);
			sp->p = part->visible != NULL ? part->visible : part->text;
			sp->len = part->visible != NULL ? part->visible_len : part->text_len;
			continue;
		}
		if (!sieve_body_type_ok(r, n, part->ctype))
			continue;
		sp = ARENA_VEC_PUSH(r->a, &vals, struct sieve_span);
		if (part->text != NULL) {
			sp->p = part->text;
			sp->len = part->text_len;
		} else if (part->decoded != NULL) {
			sp->p = (const char *)part->decoded;
			sp->len = part->decoded_len;
		} else {
			sp->p = part->raw_body;
			sp->len = part->raw_body_len;
		}
	}
	return sieve_match_values(r, n, &n->pos[0], vals.v, vals.count);
}

/* The number after key= in s ("score=7.2"), or -1 when absent. */
static int sieve_spam_field(const char *s, const char *key, double *v_r)
{
	const char *p = s;
	size_t klen = strlen(key);
	char *end;

	while ((p = strstr(p, key)) != NULL) {
		if (p == s || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t') {
			*v_r = strtod(p + klen, &end);
			if (end != p + klen)
				return 0;
		}
		p += klen;
	}
	return -1;
}

/* ratio of the spam score to the threshold, or -1 when untested. */
static double sieve_spam_ratio(struct sieve_run *r)
{
	const struct msg *pm = r->m->parsed;
	const char *status, *score;
	double s = 0, req = 5.0;
	int have = 0;
	char *end;

	if (pm == NULL)
		return -1;
	status = msg_get(pm, "X-Spam-Status");
	score = msg_get(pm, "X-Spam-Score");
	if (status != NULL) {
		have = sieve_spam_field(status, "score=", &s) == 0;
		if (sieve_spam_field(status, "required=", &req) < 0 || req <= 0)
			req = 5.0;
	}
	if (score != NULL) {
		double v = strtod(score, &end);
		if (end != score) {
			s = v;
			have = 1;
		}
	}
	if (!have)
		return -1;
	s /= req;
	return s < 0 ? 0 : s > 1 ? 1 : s;
}

static int sieve_match_value(struct sieve_run *r, const struct sieve_node *n, const char *v)
{
	struct sieve_span sp;

	sp.p = v;
	sp.len = strlen(v);
	return sieve_match_values(r, n, &n->pos[0], &sp, 1);
}

int sieve_test_spamtest(struct sieve_run *r, const struct sieve_node *n)
{
	double ratio = sieve_spam_ratio(r);
	char v[16];

	if (ratio < 0)
		snprintf(v, sizeof(v), "0");
	else if (n->o.percent)
		snprintf(v, sizeof(v), "%d", (int)(ratio * 100 + 0.001));
	else
		snprintf(v, sizeof(v), "%d", (int)(ratio * 9 + 1.001));
	return sieve_match_value(r, n, v);
}

int sieve_test_virustest(struct sieve_run *r, const struct sieve_node *n)
{
	const char *st = r->m->parsed != NULL ? msg_get(r->m->parsed, "X-Virus-Status") : NULL;
	const char *v = "0";

	if (st != NULL && strncasecmp(st, "Clean", 5) == 0)
		v = "1";
	else if (st != NULL && strncasecmp(st, "Infected", 8) == 0)
		v = "5";
	return sieve_match_value(r, n, v);
}

/* Flag lists (RFC 5232 3): words separated by spaces; duplicates (case
   folded) dropped; kept in order. */
static void sieve_flags_add(struct arena *a, struct arena_vec *out, const char *flags,
			    size_t len)
{
	const char *p = flags, *end = flags + len;

	while (p < end) {
		const char *w;
		const char *const *have = out->v;
		size_t wl, i;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		wl = (size_t)(p - w);
		if (wl == 0)
			continue;
		for (i = 0; i < out->count; i++)
			if (strlen(have[i]) == wl && strncasecmp(have[i], w, wl) == 0)
				break;
		if (i == out->count)
			*ARENA_VEC_PUSH(a, out, const char *) = arena_strndup(a, w, wl);
	}
}

static const char *sieve_flags_join(struct arena *a, const struct arena_vec *v)
{
	const char *const *w = v->v;
	size_t i, len = 0;
	char *out, *o;

	for (i = 0; i < v->count; i++)
		len += strlen(w[i]) + 1;
	out = o = arena_alloc(a, len + 1);
	for (i = 0; i < v->count; i++) {
		size_t l = strlen(w[i]);
		if (i > 0)
			*o++ = ' ';
		memcpy(o, w[i], l);
		o += l;
	}
	*o = '\0';
	return out;
}

const char *sieve_flags_normalize(struct arena *a, const char *flags)
{
	struct arena_vec v = {0};

	sieve_flags_add(a, &v, flags, strlen(flags));
	return sieve_flags_join(a, &v);
}

/* The flags a keep or fileinto stores with: its :flags, else the
   internal variable (RFC 5232 5). NULL for none. */
const char *sieve_flags_of(struct sieve_run *r, const struct sieve_node *n)
{
	struct arena_vec v = {0};
	size_t i, len;

	if (!n->o.has_flags)
		return r->flags != NULL && r->flags[0] != '\0' ? r->flags : NULL;
	for (i = 0; i < n->o.flags.n; i++) {
		const char *f = sieve_expand(r, &n->o.flags.v[i], &len);
		sieve_flags_add(r->a, &v, f, len);
	}
	return v.count > 0 ? sieve_flags_join(r->a, &v) : NULL;
}

/* The current value of the flag variable: named, or the internal one. */
static const char *sieve_flagvar(struct sieve_run *r, const char *name)
{
	struct sieve_var *v;

	if (name == NULL)
		return r->flags != NULL ? r->flags : "";
	v = sieve_var_get(r, name, 0);
	return v != NULL ? v->value : "";
}

int sieve_cmd_flags(struct sieve_run *r, const struct sieve_node *n)
{
	const struct sieve_strl *list = &n->pos[n->npos - 1];
	const char *name = NULL, *cur, *res;
	struct arena_vec v = {0}, del = {0};
	size_t i, len;

	if (n->npos == 2)
		name = sieve_expand(r, &n->pos[0].v[0], &len);
	cur = sieve_flagvar(r, name);
	if (n->id != SIEVE_SETFLAG)
		sieve_flags_add(r->a, &v, cur, strlen(cur));
	for (i = 0; i < list->n; i++) {
		const char *f = sieve_expand(r, &list->v[i], &len);
		sieve_flags_add(r->a, n->id == SIEVE_REMOVEFLAG ? &del : &v, f, len);
	}
	if (n->id == SIEVE_REMOVEFLAG) {
		const char **keep = v.v, *const *gone = del.v;
		size_t j, k = 0;
		for (i = 0; i < v.count; i++) {
			for (j = 0; j < del.count; j++)
				if (strcasecmp(keep[i], gone[j]) == 0)
					break;
			if (j == del.count)
				keep[k++] = keep[i];
		}
		v.count = k;
	}
	res = sieve_flags_join(r->a, &v);
	if (name == NULL) {
		r->flags = res;
	} else {
		struct sieve_var *var = sieve_var_get(r, name, 1);
		if (var == NULL) {
			sieve_run_error(r, n, "more than %d variables", SIEVE_MAX_VARIABLES);
			return -1;
		}
		sieve_var_set(r, var, res, strlen(res));
	}
	return 0;
}

/* hasflag's keys: each string split into flags (RFC 5232 4), except for
   :count and :regex, which take the strings whole. */
static void sieve_hasflag_keys(struct sieve_run *r, const struct sieve_node *n,
			       struct arena_vec *keys)
{
	const struct sieve_strl *src = &n->pos[n->npos - 1];
	size_t i, len;

	for (i = 0; i < src->n; i++) {
		const char *k = sieve_expand(r, &src->v[i], &len);
		struct arena_vec words = {0};
		const char *const *w;
		size_t j;

		if (n->o.mt != SIEVE_MT_COUNT && n->o.mt != SIEVE_MT_REGEX)
			sieve_flags_add(r->a, &words, k, len);
		if (words.count == 0) {
			struct sieve_str *ks = ARENA_VEC_PUSH(r->a, keys, struct sieve_str);
			ks->s = k;
			ks->len = len;
			ks->re = src->v[i].re;
			continue;
		}
		w = words.v;
		for (j = 0; j < words.count; j++) {
			struct sieve_str *ks = ARENA_VEC_PUSH(r->a, keys, struct sieve_str);
			ks->s = w[j];
			ks->len = strlen(w[j]);
		}
	}
}

int sieve_test_hasflag(struct sieve_run *r, const struct sieve_node *n)
{
	struct arena_vec have = {0}, vals = {0}, keys = {0};
	struct sieve_strl kl;
	const char *const *w;
	size_t i, len;

	if (n->npos == 2) {
		for (i = 0; i < n->pos[0].n; i++) {
			const char *cur = sieve_flagvar(r, sieve_expand(r, &n->pos[0].v[i], &len));
			sieve_flags_add(r->a, &have, cur, strlen(cur));
		}
	} else {
		const char *cur = sieve_flagvar(r, NULL);
		sieve_flags_add(r->a, &have, cur, strlen(cur));
	}
	w = have.v;
	for (i = 0; i < have.count; i++) {
		struct sieve_span *sp = ARENA_VEC_PUSH(r->a, &vals, struct sieve_span);
		sp->p = w[i];
		sp->len = strlen(w[i]);
	}
	sieve_hasflag_keys(r, n, &keys);
	kl.v = keys.v;
	kl.n = keys.count;
	return sieve_match_values(r, n, &kl, vals.v, vals.count);
}

/* Number of UTF-8 characters in s. */
static size_t sieve_utf8_count(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void sieve_ascii_case(char *s, size_t len, int upper)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (upper && s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 'a' + 'A');
		else if (!upper && s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	}
}

/* set [modifiers] name value (RFC 5229 4), modifiers applied from the
   highest precedence down: case, first letter, quotewildcard, length. */
int sieve_cmd_set(struct sieve_run *r, const struct sieve_node *n)
{
	unsigned int mods = n->o.mods;
	struct sieve_var *var;
	size_t len, nlen;
	const char *name = sieve_expand(r, &n->pos[0].v[0], &nlen);
	const char *val = sieve_expand(r, &n->pos[1].v[0], &len);
	char *v = arena_strndup(r->a, val, len);

	if (mods & (SIEVE_MOD_LOWER | SIEVE_MOD_UPPER))
		sieve_ascii_case(v, len, (mods & SIEVE_MOD_UPPER) != 0);
	if ((mods & (SIEVE_MOD_LOWERFIRST | SIEVE_MOD_UPPERFIRST)) && len > 0)
		sieve_ascii_case(v, 1, (mods & SIEVE_MOD_UPPERFIRST) != 0);
	if (mods & SIEVE_MOD_QUOTEWILDCARD) {
		char *q = arena_alloc(r->a, 2 * len + 1), *o = q;
		size_t i;
		for (i = 0; i < len; i++) {
			if (v[i] == '*' || v[i] == '?' || v[i] == '\\')
				*o++ = '\\';
			*o++ = v[i];
		}
		*o = '\0';
		v = q;
		len = (size_t)(o - q);
	}
	if (mods & SIEVE_MOD_LENGTH) {
		v = arena_printf(r->a, "%zu", sieve_utf8_count(v, len));
		len = strlen(v);
	}
	if ((var = sieve_var_get(r, name, 1)) == NULL) {
		sieve_run_error(r, n, "more than %d variables", SIEVE_MAX_VARIABLES);
		return -1;
	}
	sieve_var_set(r, var, v, len);
	return 0;
}
