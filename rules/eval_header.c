/*
 * eval_header.c - SpamAssassin's HeaderEval plugin (the local tests):
 * Date versus Received times, header counts, illegal characters,
 * ratware Message-ID and envelope shapes, Subject tests, unresolved
 * templates, From/envelope domain comparisons.
 *
 * Values come from get() semantics (text.c), so "$pms->get('X')" in
 * SA's scalar context is eval_sget(). Not provided: the forged
 * Hotmail/Yahoo/Juno/Gmail/Eudora trail tests (left out of the table).
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/uri.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

/* Received lines of get('Received') as SA splits them. */
static size_t received_lines(struct rule_ctx *ctx, const char *const **v_r)
{
	return text_get_list(ctx, "Received", v_r);
}

/* SA: m/(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)/ then parse_rfc822_date. */
static int received_time(struct rule_ctx *ctx, const char *line, time_t *t_r)
{
	size_t st, en;

	if (!eval_re_find(ctx, "\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+", 0, line,
			  strlen(line), &st, &en))
		return -1;
	return eval_sa_date(arena_strndup(ctx->arena, line + st + 1, en - st - 1), t_r);
}

static int date_header_time(struct rule_ctx *ctx, time_t *t_r)
{
	static const char *const names[] = { "Resent-Date", "Date" };
	size_t i, k;

	for (i = 0; i < N_ELEMENTS(names); i++) {
		const struct msg_header_list *l = &ctx->msg->headers;
		for (k = 0; k < l->count; k++) {
			if (strcasecmp(l->v[k].name, names[i]) != 0)
				continue;
			if (eval_sa_date(text_header_decode(ctx->arena, &l->v[k]), t_r) == 0)
				return 0;
		}
	}
	return -1;
}

static int date_diff_uncached(struct rule_ctx *ctx, double *diff_r)
{
	const char *const *rv;
	size_t n = received_lines(ctx, &rv), i, first = 0, nd = 0;
	time_t dt, t;
	double *diffs, best;

	*diff_r = 0;
	if (date_header_time(ctx, &dt) != 0 || n == 0)
		return 0;
	/* SA drops a local first hop (localhost / qmail invoked by uid)
	   when a fetchmail hop follows it, and the fetchmail hop too. */
	if (n > 1 && (eval_re_match(ctx, "\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*\\b127\\.0\\.0\\.1\\b)", 0, rv[0], strlen(rv[0])) ||
		      eval_re_match(ctx, "qmail \\d+ invoked by uid \\d+", 0, rv[0], strlen(rv[0]))) &&
	    eval_re_match(ctx, "\\bby localhost with \\w+ \\(fetchmail-[\\d.]+", 0, rv[1], strlen(rv[1])))
		first = 2;
	else if (eval_re_match(ctx, "\\bby localhost with \\w+ \\(fetchmail-[\\d.]+", 0, rv[0], strlen(rv[0])))
		first = 1;
	diffs = arena_alloc(ctx->arena, (n + 1) * sizeof(double));
	for (i = first; i < n; i++)
		if (received_time(ctx, rv[i], &t) == 0)
			diffs[nd++] = difftime(dt, t);
	if (nd == 0)
		return 0;
	if (nd > 1 && diffs[nd - 1] == 0)
		nd--;
	best = diffs[0];
	for (i = 1; i < nd; i++)
		if (fabs(diffs[i]) < fabs(best))
			best = diffs[i];
	*diff_r = best;
	return 0;
}

/* The same for every DATE_IN_PAST/FUTURE rule: computed once per message. */
static void date_diff(struct rule_ctx *ctx, double *diff_r)
{
	void **slots = eval_slots(ctx);
	double *d = slots[EVAL_SLOT_DATE_DIFF];

	if (d == NULL) {
		d = arena_alloc(ctx->arena, sizeof(*d));
		date_diff_uncached(ctx, d);
		slots[EVAL_SLOT_DATE_DIFF] = d;
	}
	*diff_r = *d;
}

EVAL_FN(check_for_shifted_date)
{
	const char *mins = eval_arg(a, 0), *maxs = eval_arg(a, 1);
	double d;

	date_diff(ctx, &d);
	if (mins != NULL && strcmp(mins, "undef") != 0 && !(d >= 3600 * atof(mins)))
		return 0;
	if (maxs != NULL && strcmp(maxs, "undef") != 0 && !(d < 3600 * atof(maxs)))
		return 0;
	return 1;
}

EVAL_FN(check_header_count_range)
{
	const char *name = eval_arg(a, 0);
	const struct msg_header_list *l = &ctx->msg->headers;
	struct arena_vec seen = { NULL, 0, 0 };
	size_t i, k, uniq = 0;

	for (i = 0; i < l->count; i++) {
		const char *v;
		int dup = 0;
		if (strcasecmp(l->v[i].name, name) != 0)
			continue;
		v = text_header_decode(ctx->arena, &l->v[i]);
		for (k = 0; k < seen.count; k++)
			if (strcmp(((const char **)seen.v)[k], v) == 0)
				dup = 1;
		if (!dup) {
			*ARENA_VEC_PUSH(ctx->arena, &seen, const char *) = v;
			uniq++;
		}
	}
	return (double)uniq >= eval_arg_num(a, 1, 0) && (double)uniq <= eval_arg_num(a, 2, 0);
}

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || i + len > n || (len == 2 && c < 0xc2))
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

EVAL_FN(check_illegal_chars)
{
	const char *hdr = eval_arg(a, 0);
	double ratio = eval_arg_num(a, 1, 0), count = eval_arg_num(a, 2, 0);
	size_t hl = strlen(hdr), i, len, illegal = 0, high = 0, ctl = 0, exempt = 0;
	const char *spec = hl > 4 && strcmp(hdr + hl - 4, ":raw") == 0
				   ? hdr : arena_printf(ctx->arena, "%s:raw", hdr);
	const unsigned char *s = (const unsigned char *)rule_ctx_get(ctx, spec);

	if (s == NULL)
		return 0;
	len = strlen((const char *)s);
	for (i = 0; i < len && isspace(s[i]); i++)
		;
	if (i == len)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] >= 0x80)
			high++;
		if (s[i] <= 0x08 || s[i] == 0x0b || s[i] == 0x0c || (s[i] >= 0x0e && s[i] <= 0x1f))
			ctl++;
		if (s[i] <= 0x08 || s[i] == 0x0b || s[i] == 0x0c || (s[i] >= 0x0e && s[i] <= 0x1f) ||
		    s[i] >= 0x7f)
			illegal++;
		if (s[i] == 0xa2 || s[i] == 0xa3 || s[i] == 0xae)
			exempt++;
	}
	if (high > 0 && valid_utf8(s, len) && ctl == 0)
		return 0;
	if (illegal > 0 && strcasecmp(spec, "subject:raw") == 0 && exempt == 1)
		illegal--;
	return (double)illegal / (double)len >= ratio && (double)illegal >= count;
}

EVAL_FN(check_for_missing_to_header)
{
	(void)a;
	if (eval_sget(ctx, "To")[0] != '\0')
		return 0;
	return eval_sget(ctx, "Apparently-To")[0] == '\0';
}

/* Charsets whose text looks like capitals (SA's CHARSETS_LIKELY_TO_FP_AS_CAPS). */
static const char caps_charsets[] =
	"(?:(?:x-)?(?:iso-2022|euc|shift)[-_]?jis|iso-2022-[jk][pr]|ks_c_5601-1987|"
	"euc-kr|big5|gb2312|gbk|gb18030|koi8-[ru]|windows-125[16]|cp125[16]|"
	"iso-8859-[5678]|utf-8|cp866|ibm866|iso-2022-cn|hz-gb-2312)";

EVAL_FN(subject_is_all_caps)
{
	const char *s = eval_sget(ctx, "Subject");
	char *subj = arena_strdup(ctx->arena, s), *p, *e;
	size_t n, letters = 0, i;
	int upper = 1;

	(void)a;
	/* trim, then strip reply/forward prefixes */
	for (p = subj; isspace((unsigned char)*p); p++)
		;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	for (;;) {
		static const char *const pre[] = { "re", "fwd", "fw", "aw", "antwort", "wg",
						   "sv", "vb", "vs", "vl" };
		int hit = 0;
		for (i = 0; i < N_ELEMENTS(pre) && !hit; i++) {
			size_t pl = strlen(pre[i]);
			if (strncasecmp(p, pre[i], pl) == 0 && p[pl] == ':') {
				p += pl + 1;
				while (isspace((unsigned char)*p))
					p++;
				hit = 1;
			}
		}
		if (!hit)
			break;
	}
	n = strlen(p);
	if (strpbrk(p, " \t\r\n\f\v") == NULL || n < 10)
		return 0;
	for (i = 0; i < n; i++) {
		if (isalpha((unsigned char)p[i])) {
			letters++;
			if (islower((unsigned char)p[i]))
				upper = 0;
		}
	}
	{
		const char *raw = eval_sget(ctx, "Subject:raw");
		char *re = arena_printf(ctx->arena, "=\\?%s\\?", caps_charsets);
		if (eval_re_match(ctx, re, 1, raw, strlen(raw)))
			return 0;
	}
	return letters > 0 && upper;
}

/* Quotes a string for use inside a PCRE2 pattern (\Q...\E). */
static const char *re_quote(struct rule_ctx *ctx, const char *s)
{
	struct buf b = BUF_INIT;
	const char *r;

	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && (unsigned char)*s < 0x80)
			buf_append_char(&b, '\\');
		buf_append_char(&b, *s);
	}
	r = arena_strdup(ctx->arena, buf_cstr(&b));
	buf_free(&b);
	return r;
}

static int ascii_only(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Certainly no caseless match of a pattern that needs needle: both are
   ASCII (no Unicode case folding to think of) and needle is not in hay. */
static int absent_ascii(const char *needle, const char *hay)
{
	return ascii_only(needle) && ascii_only(hay) && strcasestr(hay, needle) == NULL;
}

EVAL_FN(check_for_to_in_subject)
{
	const char *test = eval_arg(a, 0), *to = eval_sget(ctx, "To:addr");
	const char *subj = eval_sget(ctx, "Subject");

	if (to[0] == '\0')
		return 0;
	if (strcmp(test, "address") == 0) {
		const char *re = arena_printf(ctx->arena, "\\b%s\\b", re_quote(ctx, to));
		return !absent_ascii(to, subj) && eval_re_match_once(ctx, re, 1, subj, strlen(subj));
	}
	if (strcmp(test, "user") == 0) {
		const char *at = strchr(to, '@');
		const char *name = at ? arena_strndup(ctx->arena, to, (size_t)(at - to)) : to;
		const char *user = re_quote(ctx, name);
		const char *re = arena_printf(ctx->arena,
			"^(?:(?:re|fw):\\s*(?:\\w+\\s+)?%s$|(?-i:%s)\\s*[,:;!?-](?:$|\\s)|%s$|,\\s*%s[,:;!?-]$)",
			user, user, user, user);
		return !absent_ascii(name, subj) && eval_re_match_once(ctx, re, 1, subj, strlen(subj));
	}
	return 0;
}

EVAL_FN(check_unresolved_template)
{
	const char *all = eval_sget(ctx, "ALL"), *p = all;

	(void)a;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (eval_re_match(ctx, "%[A-Z][A-Z_-]", 0, p, n) &&
		    !eval_re_match(ctx, "^(?:X-VMS-To|X-UIDL|X-Face|To|Cc|From|Subject|References|"
					"In-Reply-To|(?:X-|Resent-|X-Original-)?Message-Id):", 1, p, n))
			return 1;
		p += n + (nl != NULL);
	}
	return 0;
}

/* SA: the part after the last '@', cut to its last two labels. */
static const char *two_label_domain(struct rule_ctx *ctx, const char *addr)
{
	const char *at = strrchr(addr, '@'), *d, *last, *prev = NULL, *p;

	if (at == NULL)
		return "";
	d = at + 1;
	last = strrchr(d, '.');
	if (last == NULL)
		return d;
	for (p = d; p < last; p++)
		if (*p == '.')
			prev = p;
	return prev ? arena_strdup(ctx->arena, prev + 1) : d;
}

EVAL_FN(check_equal_from_domains)
{
	const char *f = two_label_domain(ctx, eval_sget(ctx, "From:addr"));
	const char *e;

	(void)a;
	if (f[0] == '\0')
		return 0;
	e = two_label_domain(ctx, eval_sget(ctx, "EnvelopeFrom:addr"));
	if (e[0] == '\0')
		return 0;
	return strcasecmp(f, e) != 0;
}

EVAL_FN(check_for_matching_env_and_hdr_from)
{
	(void)a;
	return strcasecmp(eval_sget(ctx, "EnvelopeFrom:addr"), eval_sget(ctx, "From:addr")) == 0;
}

EVAL_FN(gated_through_received_hdr_remover)
{
	const char *ml = rule_ctx_get(ctx, "Mailing-List"), *rcvd;

	(void)a;
	if (ml != NULL && eval_re_match(ctx, "(?m)^contact \\S+\\@\\S+\\; run by ezmlm$", 0, ml, strlen(ml))) {
		const char *dl = eval_sget(ctx, "Delivered-To");
		const char *r = eval_sget(ctx, "Received");
		if (eval_re_match(ctx, "(?m)^mailing list \\S+\\@\\S+", 0, dl, strlen(dl)) &&
		    eval_re_match(ctx, "qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+", 0, r, strlen(r)))
			return 1;
	}
	rcvd = rule_ctx_get(ctx, "Received");
	if (rcvd == NULL)
		return 1;
	return eval_re_match(ctx, "from groups\\.msn\\.com \\(\\S+\\.msn\\.com ", 0, rcvd, strlen(rcvd));
}

EVAL_FN(check_for_unique_subject_id)
{
	/* SA 4 retired this test: it always returns 0 there too. */
	(void)ctx;
	(void)a;
	return 0;
}

EVAL_FN(check_for_faraway_charset_in_headers)
{
	static const char *const hdrs[] = { "From:raw", "Subject:raw" };
	size_t i, k;

	(void)a;
	for (i = 0; i < N_ELEMENTS(hdrs); i++) {
		const char *const *v;
		size_t n = text_get_list(ctx, hdrs[i], &v);
		for (k = 0; k < n; k++) {
			const char *p = v[k];
			while ((p = strstr(p, "=?")) != NULL) {
				const char *q = strchr(p + 2, '?');
				if (q == NULL)
					break;
				if (eval_charset_faraway(ctx, arena_strndup(ctx->arena, p + 2, (size_t)(q - p - 2))))
					return 1;
				p = q + 1;
			}
		}
	}
	return 0;
}

EVAL_FN(check_ratware_name_id)
{
	const char *mid = eval_sget(ctx, "MESSAGEID"), *from = eval_sget(ctx, "From");
	const char *p;

	(void)a;
	for (p = strchr(mid, '<'); p != NULL; p = strchr(p + 1, '<')) {
		size_t k = 0;
		const char *rest, *gt;
		while (k < 28 && p[1 + k] >= 'A' && p[1 + k] <= 'Z')
			k++;
		if (k != 28 || p[29] != '.')
			continue;
		rest = p + 30;
		gt = strchr(rest, '>');
		if (gt == NULL || gt == rest)
			continue;
		{
			const char *re = arena_printf(ctx->arena, "\"[^\"]+\"\\s*<%s>",
				re_quote(ctx, arena_strndup(ctx->arena, rest, (size_t)(gt - rest))));
			return eval_re_match_once(ctx, re, 0, from, strlen(from));
		}
	}
	return 0;
}

EVAL_FN(check_ratware_envelope_from)
{
	const char *to = eval_sget(ctx, "To:addr"), *from = eval_sget(ctx, "EnvelopeFrom:addr");
	const char *at, *dom, *user;

	(void)a;
	if (from[0] == '\0' || to[0] == '\0')
		return 0;
	if (eval_re_match(ctx, "^SRS\\d[=+-]", 1, from, strlen(from)))
		return 0;
	at = strchr(to, '@');
	if (at == NULL || at == to || at[1] == '\0')
		return 0;
	dom = uri_domain(ctx->arena, at + 1);
	if (dom == NULL || strchr(dom, '.') == NULL)
		return 0;
	user = arena_strndup(ctx->arena, to, (size_t)(at - to));
	if (absent_ascii(user, from))
		return 0;
	return eval_re_match_once(ctx, arena_printf(ctx->arena, "\\b%s.%s@", re_quote(ctx, dom),
				  re_quote(ctx, user)), 1, from, strlen(from));
}

EVAL_FN(check_outlook_message_id)
{
	const char *id = eval_sget(ctx, "MESSAGEID");
	const double x = 0.0023283064365387, y = 27111902.8329849;
	const double fudge = 250;
	char hex[9];
	double token, expected;
	time_t t;
	const char *rcvd;
	size_t i;

	(void)a;
	if (!eval_re_match(ctx, "^<[0-9a-f]{4}[0-9a-f]{8}\\$[0-9a-f]{8}\\$[0-9a-f]{8}@", 0, id, strlen(id)))
		return 0;
	for (i = 0; i < 8; i++)
		hex[i] = id[5 + i];
	hex[8] = '\0';
	token = (double)strtoul(hex, NULL, 16);
	if (eval_sa_date(eval_sget(ctx, "Date"), &t) != 0)
		t = 0;
	expected = (double)(long long)((double)t * x + y);
	if (fabs(token - expected) < fudge)
		return 0;
	rcvd = eval_sget(ctx, "Received");
	if (received_time(ctx, rcvd, &t) != 0)
		t = 0;
	expected = (double)(long long)((double)t * x + y);
	return fabs(token - expected) >= fudge;
}

EVAL_FN(check_messageid_not_usable)
{
	const char *lu = eval_sget(ctx, "List-Unsubscribe"), *r;

	if (eval_re_match(ctx, "<mailto:(?:leave-\\S+|\\S+-unsubscribe)\\@\\S+>$", 1, lu, strlen(lu)))
		return 1;
	if (gated_through_received_hdr_remover(ctx, a))
		return 1;
	r = eval_sget(ctx, "Received");
	return strstr(r, "/CWT/DCE)") != NULL || strstr(r, "iPlanet Messaging Server") != NULL;
}
