/*
 * compile.c - turning loaded definitions into runnable rules: default
 * scores, ReplaceTags substitution, Perl regex -> PCRE2 (with JIT),
 * eval function lookup, meta parsing and dependency ordering.
 *
 * Regex semantics: subjects are bytes (UTF-8 text as octets), as
 * SpamAssassin 4 matches them without normalize_charset, so patterns
 * are compiled without PCRE2_UTF (PCRE2_NEVER_UTF: a (*UTF) in a rule
 * cannot switch it on). Perl's "unrecognised escape passes the letter
 * through" is emulated; code blocks (?{ }) are refused. Body rules get a
 * PCRE2_MULTILINE twin used as a prefilter over the whole body joined
 * with newlines, when the pattern cannot match a line without matching
 * the joined text (see rs_prefilter_ok).
 *
 * Ownership: codes are freed by the ruleset arena cleanup (load.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/limits.h"
#include "rules/rule_int.h"

/* Line windows (run.c) for rules whose first byte can be any of more
   than WINDOW_MAX_FIRST. */
#define WINDOW_MAX_FIRST 8

/* Letters PCRE2 gives a meaning after a backslash; Perl passes others
   through as the letter itself. */
static int pcre_escape_letter(char c)
{
	return strchr("aAbBcCdDeEfgGhHkKnNpPQrRsStvVwWxXzZ", c) != NULL;
}

pcre2_code *rs_compile_regex(const char *src, unsigned int mods, uint32_t extra,
			     const char **err_r, struct arena *a)
{
	size_t n = strlen(src), i, w = 0;
	char *buf;
	uint32_t opts = PCRE2_NEVER_UTF | extra;
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code;

	if (strstr(src, "(?{") != NULL || strstr(src, "(??{") != NULL) {
		*err_r = "Perl code blocks in regex are not supported";
		return NULL;
	}
	buf = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++) {
		if (src[i] == '\\' && i + 1 < n) {
			char c = src[i + 1];
			if (isalpha((unsigned char)c) && !pcre_escape_letter(c)) {
				buf[w++] = c;
				i++;
				continue;
			}
			buf[w++] = src[i++];
		}
		buf[w++] = src[i];
	}
	buf[w] = '\0';
	if (mods & RE_I)
		opts |= PCRE2_CASELESS;
	if (mods & RE_M)
		opts |= PCRE2_MULTILINE;
	if (mods & RE_S)
		opts |= PCRE2_DOTALL;
	if (mods & RE_X)
		opts |= PCRE2_EXTENDED;
	code = pcre2_compile((PCRE2_SPTR)buf, w, opts, &errcode, &erroff, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err_r = arena_printf(a, "%s at offset %zu", (const char *)msg, (size_t)erroff);
		return NULL;
	}
	return code;
}

/* Can a multiline match over lines joined with "\n" stand in for "some
   line matches"? Not when the pattern anchors to the subject's ends
   (\A \z \Z \G), switches modifiers off inline, or looks around (a
   lookaround at a line end sees "\n" instead of nothing). */
int rs_prefilter_ok(const char *src)
{
	const char *p;

	for (p = src; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] != '\0') {
			if (strchr("AzZG", p[1]) != NULL)
				return 0;
			p++;
			continue;
		}
		if (p[0] == '(' && p[1] == '?' &&
		    (p[2] == '!' || p[2] == '<' || p[2] == '=' || p[2] == '-' || p[2] == '^' ||
		     p[2] == '>'))
			return 0;
		/* atomic groups, possessive quantifiers and backtracking verbs
		   can fail on the joined text where a line matches */
		if ((p[0] == '(' && p[1] == '*') ||
		    (strchr("*+?}", p[0]) != NULL && p[1] == '+'))
			return 0;
	}
	return 1;
}

/* ---- can a pattern match a newline? ---- */

/* Hex or octal escape value at p (after the backslash), -1 if unknown. */
static int num_escape(const char *p)
{
	if (p[0] == 'x' && isxdigit((unsigned char)p[1])) {
		int v = 0, k;
		for (k = 1; k <= 2 && isxdigit((unsigned char)p[k]); k++)
			v = v * 16 + (isdigit((unsigned char)p[k]) ? p[k] - '0' :
				      tolower((unsigned char)p[k]) - 'a' + 10);
		return v;
	}
	return -1;
}

/* Escapes that may match "\n": \s \W \D \v \R \n \X \C \p \P,
   braced hex, octal and numeric ones we do not evaluate. */
static int escape_may_nl(const char *p)
{
	if (strchr("sWDvRnXCpPNcoeE0123456789", p[0]) != NULL && p[0] != 'N')
		return 1;
	if (p[0] == 'x')
		return p[1] == '{' || num_escape(p) == '\n' || num_escape(p) < 0;
	return 0;
}

/* One class member at *pp (advanced past it): its byte, or -1 for a
   set such as \d. Sets *nl_r when it may be a newline. */
static int class_atom(const char **pp, int *nl_r)
{
	const char *q = *pp;
	int c;

	if (q[0] == '\\' && q[1] != '\0') {
		if (escape_may_nl(q + 1))
			*nl_r = 1;
		c = num_escape(q + 1);
		if (c >= 0) {
			q += 2;
			if (isxdigit((unsigned char)*q))
				q++;
			if (isxdigit((unsigned char)*q))
				q++;
		} else {
			c = isalnum((unsigned char)q[1]) ? -1 : (unsigned char)q[1];
			q += 2;
		}
	} else
		c = (unsigned char)*q++;
	*pp = q;
	return c;
}

/* A class "[...]" at p: may it match "\n"? *end_r after the ']'. */
static int class_may_nl(const char *p, const char **end_r)
{
	const char *q = p + 1;
	int nl = 0;

	if (*q == '^') {
		nl = 1;
		q++;
	}
	if (*q == ']')
		q++;
	while (*q != '\0' && *q != ']') {
		int lo, hi;
		if (q[0] == '[' && q[1] == ':') {
			const char *e = strstr(q, ":]");
			if (e == NULL)
				return 1;
			if (strncmp(q, "[:space:]", 9) == 0 || strncmp(q, "[:cntrl:]", 9) == 0 ||
			    q[2] == '^')
				nl = 1;
			q = e + 2;
			continue;
		}
		lo = class_atom(&q, &nl);
		if (q[0] == '-' && q[1] != ']' && q[1] != '\0') {
			q++;
			hi = class_atom(&q, &nl);
			if (lo < 0 || hi < 0 || (lo <= '\n' && hi >= '\n'))
				nl = 1;
		} else if (lo == '\n')
			nl = 1;
	}
	*end_r = *q == ']' ? q + 1 : q;
	return nl;
}

/* 1 if no match of src can contain a newline, so that a match in lines
   joined with "\n" is always within one line. Conservative. */
int rs_newline_free(const char *src, unsigned int mods)
{
	const char *p = src;

	if (mods & (RE_S | RE_X))
		return 0;
	while (*p != '\0') {
		if (p[0] == '\\') {
			if (p[1] == '\0' || escape_may_nl(p + 1))
				return 0;
			p += 2;
		} else if (p[0] == '[') {
			if (class_may_nl(p, &p))
				return 0;
		} else if (p[0] == '(' && p[1] == '?') {
			const char *q = p + 2;
			while (isalpha((unsigned char)*q) || *q == '-' || *q == '^') {
				if (*q == 's' || *q == 'x')
					return 0;
				q++;
			}
			p += 2;
		} else
			p++;
	}
	return 1;
}

/* ---- ReplaceTags (Mail::SpamAssassin::Plugin::ReplaceTags) ---- */

static const char *tag_value(const struct ruleset *rs, int which, const char *name, size_t n)
{
	const struct rule_kv *kv = rs->tags[which].v;
	size_t i = rs->tags[which].count;

	while (i-- > 0)
		if (strlen(kv[i].k) == n && memcmp(kv[i].k, name, n) == 0)
			return kv[i].v;
	return NULL;
}

/* Removes the first "<KIND NAME>" from s; returns NAME or NULL. */
static char *take_modifier(struct ruleset *rs, char *s, const char *kind)
{
	size_t ls = strlen(rs->replace_start), le = strlen(rs->replace_end);
	size_t lk = strlen(kind);
	char *p;

	for (p = strstr(s, rs->replace_start); p != NULL; p = strstr(p + 1, rs->replace_start)) {
		char *nm = p + ls, *e;
		if (strncmp(nm, kind, lk) != 0 || nm[lk] != ' ')
			continue;
		nm += lk + 1;
		if (*nm == '\0')
			break; /* "<pre " at the very end */
		e = strstr(nm + 1, rs->replace_end);
		if (e == NULL || e == nm)
			continue;
		{
			char *name = arena_strndup(rs->arena, nm, (size_t)(e - nm));
			memmove(p, e + le, strlen(e + le) + 1);
			return name;
		}
	}
	return NULL;
}

struct piece {
	const char *s;
	int is_tag;
};

static char *replace_pass(struct ruleset *rs, const char *in, int *again_r)
{
	char *s = arena_strdup(rs->arena, in);
	char *pre_n = take_modifier(rs, s, "pre");
	char *post_n = take_modifier(rs, s, "post");
	char *inter_n = take_modifier(rs, s, "inter");
	const char *pre = pre_n ? tag_value(rs, 1, pre_n, strlen(pre_n)) : NULL;
	const char *post = post_n ? tag_value(rs, 3, post_n, strlen(post_n)) : NULL;
	const char *inter = inter_n ? tag_value(rs, 2, inter_n, strlen(inter_n)) : NULL;
	size_t ls = strlen(rs->replace_start), le = strlen(rs->replace_end);
	struct arena_vec pieces = { 0 }, out = { 0 };
	const char *p = s, *text = s;
	struct piece *pv;
	size_t i;

	/* split(/(<[^<>]+>)/): text and tag pieces; empty text between
	   adjacent tags and at the start is kept, at the end dropped. */
	while (*p != '\0') {
		if (*p == '<') {
			const char *e = p + 1;
			while (*e != '\0' && *e != '<' && *e != '>')
				e++;
			if (*e == '>' && e > p + 1) {
				struct piece *t = ARENA_VEC_PUSH(rs->arena, &pieces, struct piece);
				t->s = arena_strndup(rs->arena, text, (size_t)(p - text));
				t = ARENA_VEC_PUSH(rs->arena, &pieces, struct piece);
				t->s = arena_strndup(rs->arena, p, (size_t)(e + 1 - p));
				t->is_tag = 1;
				p = text = e + 1;
				continue;
			}
		}
		p++;
	}
	if (*text != '\0')
		ARENA_VEC_PUSH(rs->arena, &pieces, struct piece)->s = text;
	pv = pieces.v;
	for (i = 0; i < pieces.count; i++) {
		const char *e = pv[i].s;
		if (!pv[i].is_tag) {
			if (*e == '\0' && inter != NULL && *inter != '\0')
				e = inter;
		} else {
			const char *nm = e + ls;
			const char *ne = strstr(nm, rs->replace_end);
			const char *rep = NULL;
			if (strncmp(e, rs->replace_start, ls) == 0 && ne != NULL && ne > nm)
				rep = tag_value(rs, 0, nm, (size_t)(ne - nm));
			if (rep != NULL && *rep != '\0' && strcmp(rep, "0") != 0) {
				const char *q = strchr(rep, '<');
				if (q != NULL && strchr(q + 1, '>') != NULL)
					*again_r = 1;
				e = rep;
				(void)le;
			}
			e = arena_printf(rs->arena, "%s%s%s", pre && *pre ? pre : "", e,
					 post && *post ? post : "");
		}
		*ARENA_VEC_PUSH(rs->arena, &out, const char *) = e;
	}
	{
		size_t total = 1, off = 0;
		const char **ov = out.v;
		char *r;
		for (i = 0; i < out.count; i++)
			total += strlen(ov[i]);
		r = arena_alloc(rs->arena, total);
		for (i = 0; i < out.count; i++) {
			size_t l = strlen(ov[i]);
			memcpy(r + off, ov[i], l);
			off += l;
		}
		r[off] = '\0';
		return r;
	}
}

static const char *replace_tags(struct ruleset *rs, const char *src)
{
	const char *re = src;
	int passes = 0, again;

	do {
		again = 0;
		re = replace_pass(rs, re, &again);
		passes++;
		if (strlen(re) > WN_CFG_MAX_LINE * 4)
			break;
	} while (again && passes <= 5);
	return re;
}

/* ---- per rule ---- */

static void skip_rule(struct ruleset *rs, struct rule *r, const char *reason)
{
	r->skip = reason;
	r->loaded = 0;
	rs_lint(rs, r->file, r->line, r->name, RULE_LINT_SKIP, "%s", reason);
}

/* A pattern PCRE2 cannot hold (compiled code over its 64 KiB link
   size: a few giant ReplaceTags expansions) is skipped; any other
   compile failure is the rule writer's error. */
static void regex_failed(struct ruleset *rs, struct rule *r, const char *err)
{
	const char *why = arena_printf(rs->arena, "regex: %s", err);

	if (strstr(err, "too large") != NULL) {
		skip_rule(rs, r, why);
		return;
	}
	r->skip = why;
	r->loaded = 0;
	rs_lint(rs, r->file, r->line, r->name, RULE_LINT_ERROR, "%s", why);
}

static int has_capture_tag(const char *s)
{
	const char *p;

	for (p = strstr(s, "%{"); p != NULL; p = strstr(p + 2, "%{")) {
		const char *e = p + 2;
		if (!isalpha((unsigned char)*e))
			continue; /* %{4} is a quantifier after '%' */
		while (isalnum((unsigned char)*e) || *e == '_')
			e++;
		if (*e == '}' && e > p + 2)
			return 1;
	}
	return 0;
}

static void compile_eval(struct ruleset *rs, struct rule *r)
{
	const struct rule_eval_def *d = rule_eval_lookup(r->eval_name);

	if (d == NULL) {
		skip_rule(rs, r, arena_printf(rs->arena, "eval function %s not provided",
					      r->eval_name));
		return;
	}
	if ((d->min_args >= 0 && (int)r->eval_argc < d->min_args) ||
	    (d->max_args >= 0 && (int)r->eval_argc > d->max_args)) {
		skip_rule(rs, r, arena_printf(rs->arena, "eval %s: %zu arguments, wants %d..%d",
					      r->eval_name, r->eval_argc, d->min_args,
					      d->max_args));
		return;
	}
	r->eval = d;
	if ((d->flags & RULE_EVAL_NET) || d->fn == NULL)
		r->net = 1;
	if (d->flags & RULE_EVAL_BAYES)
		r->bayes = 1;
	r->loaded = 1;
}

/* Can PCRE2 skip quickly to where a match may start (a known first
   byte, or a few possible ones)? Rules it cannot start quickly try
   their whole pattern at almost every byte. */
static int quick_start(const pcre2_code *code)
{
	uint32_t type = 0;
	const uint8_t *bitmap = NULL;
	unsigned int i, bits = 0;

	if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) != 0 || type != 0)
		return 1;
	if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap) != 0 || bitmap == NULL)
		return 0;
	for (i = 0; i < 32; i++)
		bits += (unsigned int)__builtin_popcount(bitmap[i]);
	return bits <= WINDOW_MAX_FIRST;
}

/* An index of just r's literals (q, one of its requirements), for
   finding the lines that hold them (run.c window_lines). */
static struct lit_index *window_index(struct arena *a, const struct rule *r,
				      const struct lit_req *q)
{
	struct rule one = *r;
	struct rule *list[1] = { &one };

	if (q->n == 0)
		return NULL;
	one.idx = 0;
	one.areq = *q;
	return lit_index_build(a, list, 1, 1);
}

static void compile_regex_rule(struct ruleset *rs, struct rule *r)
{
	const char *err = NULL;

	if (r->replace)
		r->re_src = replace_tags(rs, r->re_src);
	if (has_capture_tag(r->re_src)) {
		skip_rule(rs, r, "capture tags %{...} not supported");
		return;
	}
	r->code = rs_compile_regex(r->re_src, r->re_mods, 0, &err, rs->arena);
	if (r->code == NULL) {
		regex_failed(rs, r, err);
		return;
	}
	if (r->type == RULE_T_BODY || r->type == RULE_T_RAWBODY || r->type == RULE_T_URI ||
	    r->type == RULE_T_FULL || (r->type == RULE_T_HEADER && !r->negate && r->if_unset == NULL))
		(void)prefilter_extract(rs->arena, r->re_src, r->re_mods, &r->lreq);
	if (r->type == RULE_T_BODY || r->type == RULE_T_RAWBODY || r->type == RULE_T_URI ||
	    r->type == RULE_T_FULL)
		(void)prefilter_extract_ascii(rs->arena, r->re_src, r->re_mods, &r->areq,
					      &r->a_impossible);
	if (r->type == RULE_T_BODY && r->areq.n == 0 && !r->a_impossible &&
	    !prefilter_extract_squeezed(rs->arena, r->re_src, r->re_mods, 0, &r->sreq))
		r->s_noamp = prefilter_extract_squeezed(rs->arena, r->re_src, r->re_mods, 1,
							&r->sreq);
	if ((r->type == RULE_T_BODY || r->type == RULE_T_RAWBODY) && rs_prefilter_ok(r->re_src)) {
		uint32_t minlen = 0;
		r->nl_free = rs_newline_free(r->re_src, r->re_mods);
		r->nonempty = pcre2_pattern_info(r->code, PCRE2_INFO_MINLENGTH, &minlen) == 0 &&
			      minlen > 0;
		if (r->re_mods & RE_M)
			r->pre_same = 1;
		else
			r->pre = rs_compile_regex(r->re_src, r->re_mods, PCRE2_MULTILINE, &err,
						  rs->arena);
	}
	if ((r->type == RULE_T_BODY || r->type == RULE_T_RAWBODY) && !quick_start(r->code)) {
		r->win_lix = window_index(rs->arena, r, &r->lreq);
		r->win_aix = window_index(rs->arena, r, &r->areq);
	}
	r->loaded = 1;
}

static void compile_uri_detail(struct ruleset *rs, struct rule *r)
{
	static const char *const keys[] = { "raw", "cleaned", "text", "type", "domain", "host" };
	size_t i, k;

	for (i = 0; i < r->nud; i++) {
		struct rule_ud_cond *c = &r->ud[i];
		const char *err = NULL;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(c->key, keys[k]) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			skip_rule(rs, r, arena_printf(rs->arena, "uri_detail: unknown key %s",
						      c->key));
			return;
		}
		c->code = rs_compile_regex(c->re_src, c->re_mods, 0, &err, rs->arena);
		if (c->code != NULL)
			(void)pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);
		if (c->code == NULL) {
			regex_failed(rs, r, err);
			return;
		}
	}
	r->loaded = 1;
}

static void default_score(struct rule *r)
{
	double s;

	if (r->has_score)
		return;
	s = strncmp(r->name, "T_", 2) == 0 ? 0.01 : 1.0;
	if (r->tflags & TF_NICE)
		s = -s;
	r->score[0] = r->score[1] = r->score[2] = r->score[3] = s;
}

static void compile_rule(struct ruleset *rs, struct rule *r)
{
	default_score(r);
	if (r->skip != NULL) {
		if (r->has_def)
			return; /* syntax error already linted */
		rs_lint(rs, r->file, r->line, r->name, RULE_LINT_SKIP, "%s", r->skip);
		return;
	}
	if (r->tflags & TF_NET)
		r->net = 1;
	if (r->eval_name != NULL) {
		compile_eval(rs, r);
	} else if (r->type == RULE_T_META) {
		/* parsed once every other rule is known (parse_metas) */
	} else if (r->type == RULE_T_NET_OTHER) {
		r->net = 1;
		r->loaded = 1;
	} else if (r->type == RULE_T_URI_DETAIL) {
		compile_uri_detail(rs, r);
	} else if (r->type == RULE_T_HEADER && r->exists) {
		r->loaded = 1;
	} else {
		compile_regex_rule(rs, r);
	}
	r->hit_flags = 0;
	if (r->name[0] == '_' && r->name[1] == '_')
		r->hit_flags |= HIT_F_SUBRULE;
	if (r->tflags & TF_NICE)
		r->hit_flags |= HIT_F_NICE;
	if (r->net)
		r->hit_flags |= HIT_F_NET;
	if (r->tflags & TF_LEARN || r->bayes)
		r->hit_flags |= HIT_F_BAYES;
	if (r->tflags & TF_LEARN)
		r->hit_flags |= HIT_F_LEARN;
	if (r->tflags & (TF_NOAUTOLEARN | TF_USERCONF))
		r->hit_flags |= HIT_F_NOAUTOLEARN; /* SpamAssassin ignores both */
}

/* ---- metas ---- */

static int glob_match(const char *g, const char *s)
{
	if (*g == '\0')
		return *s == '\0';
	if (*g == '*') {
		for (;; s++) {
			if (glob_match(g + 1, s))
				return 1;
			if (*s == '\0')
				return 0;
		}
	}
	if (*s == '\0')
		return 0;
	if (*g == '?' || *g == *s)
		return glob_match(g + 1, s + 1);
	return 0;
}

struct glob_ud {
	struct ruleset *rs;
	const struct rule *self;
};

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* rules_matching(GLOB): every defined rule but the meta itself, sorted,
   joined with '+' (Conf::Parser::expand_ruleglob). */
static const char *expand_glob(void *ud, const char *glob)
{
	struct glob_ud *g = ud;
	struct rule **v = g->rs->rules.v;
	const char **names = NULL;
	size_t n = 0, i, len = 3;
	char *out;

	for (i = 0; i < g->rs->rules.count; i++) {
		if (!v[i]->has_def && !v[i]->mentioned_skip)
			continue;
		if (v[i] == g->self || !glob_match(glob, v[i]->name))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = v[i]->name;
		len += strlen(v[i]->name) + 1;
	}
	if (n == 0) {
		free(names);
		return "0";
	}
	qsort(names, n, sizeof(*names), str_ptr_cmp);
	out = arena_alloc(g->rs->arena, len);
	out[0] = '\0';
	len = 0;
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		if (i > 0)
			out[len++] = '+';
		memcpy(out + len, names[i], l);
		len += l;
	}
	out[len] = '\0';
	free(names);
	return out;
}

static void parse_metas(struct ruleset *rs)
{
	struct rule **v = rs->rules.v;
	size_t i, k;

	for (i = 0; i < rs->rules.count; i++) {
		struct rule *r = v[i];
		struct glob_ud g = { rs, r };
		const char *err = NULL;
		if (r->type != RULE_T_META || !r->has_def || r->skip != NULL ||
		    r->eval_name != NULL)
			continue;
		r->meta = meta_parse(rs->arena, r->meta_src, expand_glob, &g, &err);
		if (r->meta == NULL) {
			r->skip = arena_printf(rs->arena, "meta: %s", err);
			rs_lint(rs, r->file, r->line, r->name, RULE_LINT_ERROR, "%s", r->skip);
			continue;
		}
		r->meta_idx = arena_alloc(rs->arena, (r->meta->nrefs + 1) * sizeof(unsigned int));
		for (k = 0; k < r->meta->nrefs; k++) {
			struct rule *d = rs_rule(rs, r->meta->refs[k], 1);
			/* an unknown name gets a placeholder, so that a hit of
			   that name from an earlier check (BAYES_99, a DNS
			   check) still counts */
			v = rs->rules.v;
			if (!d->has_def && !d->mentioned_skip) {
				if (strcmp(r->meta->refs[k], "local_tests_only") != 0)
					rs_lint(rs, r->file, r->line, r->name, RULE_LINT_WARN,
						"meta depends on undefined rule %s",
						r->meta->refs[k]);
				r->meta_idx[k] = d != NULL ? d->idx : ~0u;
			} else
				r->meta_idx[k] = d->idx;
		}
		if (r->meta->max_stack > rs->max_meta_stack)
			rs->max_meta_stack = r->meta->max_stack;
		r->loaded = 1;
	}
}

/* Kahn's algorithm over meta -> meta dependencies; what is left is in
   or behind a cycle. */
static void order_metas(struct ruleset *rs)
{
	struct rule **v = rs->rules.v;
	size_t n = rs->rules.count, i, k, head = 0;
	unsigned int *pending = xcalloc(n, sizeof(unsigned int));
	size_t *queue = xcalloc(n + 1, sizeof(size_t)), qn = 0;
	struct arena_vec *users = xcalloc(n, sizeof(struct arena_vec));

	for (i = 0; i < n; i++) {
		struct rule *r = v[i];
		if (r->type != RULE_T_META || !r->loaded || r->meta == NULL)
			continue;
		for (k = 0; k < r->meta->nrefs; k++) {
			unsigned int d = r->meta_idx[k];
			if (d == ~0u || d == i)
				continue;
			if (v[d]->type == RULE_T_META && v[d]->loaded && v[d]->meta != NULL) {
				pending[i]++;
				*ARENA_VEC_PUSH(rs->arena, &users[d], size_t) = i;
			}
		}
		for (k = 0; k < r->meta->nrefs; k++)
			if (r->meta_idx[k] == i)
				pending[i] = ~0u / 2; /* depends on itself */
		if (pending[i] == 0)
			queue[qn++] = i;
	}
	while (head < qn) {
		size_t r = queue[head++];
		size_t *u = users[r].v;
		*ARENA_VEC_PUSH(rs->arena, &rs->metas, struct rule *) = v[r];
		for (k = 0; k < users[r].count; k++)
			if (--pending[u[k]] == 0)
				queue[qn++] = u[k];
	}
	for (i = 0; i < n; i++) {
		if (pending[i] != 0) {
			v[i]->loaded = 0;
			v[i]->skip = "meta dependency cycle";
			rs_lint(rs, v[i]->file, v[i]->line, v[i]->name, RULE_LINT_ERROR,
				"meta dependency cycle (or depends on one)");
		}
	}
	free(pending);
	free(queue);
	free(users);
}

/* Numbers the distinct field specs of the header rules. */
static void number_specs(struct ruleset *rs)
{
	struct rule **v = rs->order[RULE_T_HEADER].v;
	size_t i, k;

	for (i = 0; i < rs->order[RULE_T_HEADER].count; i++) {
		const char **sp = rs->specs.v;
		if (v[i]->hdr == NULL)
			continue;
		for (k = 0; k < rs->specs.count; k++)
			if (strcmp(sp[k], v[i]->hdr) == 0)
				break;
		if (k == rs->specs.count)
			*ARENA_VEC_PUSH(rs->arena, &rs->specs, const char *) = v[i]->hdr;
		v[i]->spec_id = (unsigned int)k;
	}
}

/* Groups the prefiltered header rules by field spec and indexes each
   group's literals. */
static void group_headers(struct ruleset *rs)
{
	struct rule **v = rs->order[RULE_T_HEADER].v;
	struct rule_hgroup *g;
	size_t i, k;

	number_specs(rs);
	for (i = 0; i < rs->order[RULE_T_HEADER].count; i++) {
		if (v[i]->lreq.n == 0)
			continue;
		g = rs->hgroups.v;
		for (k = 0; k < rs->hgroups.count; k++)
			if (strcmp(g[k].spec, v[i]->hdr) == 0)
				break;
		if (k == rs->hgroups.count) {
			g = ARENA_VEC_PUSH(rs->arena, &rs->hgroups, struct rule_hgroup);
			memset(g, 0, sizeof(*g));
			g->spec = v[i]->hdr;
			g->spec_id = v[i]->spec_id;
		} else
			g = &g[k];
		*ARENA_VEC_PUSH(rs->arena, &g->rules, struct rule *) = v[i];
	}
	g = rs->hgroups.v;
	for (k = 0; k < rs->hgroups.count; k++)
		g[k].lix = lit_index_build(rs->arena, g[k].rules.v, g[k].rules.count, 0);
}

/* Which rules can change a result in score set s: every scored rule
   that is not a __subrule, what the metas among them read (recursively),
   and __subrules no meta reads (kept visible as subrule hits). The rest
   (subrules read only by metas that cannot matter) is not run. */
static void need_rule(struct ruleset *rs, unsigned char *need, struct rule *r)
{
	struct rule **v = rs->rules.v;
	size_t k;

	if (need[r->idx])
		return;
	need[r->idx] = 1;
	if (r->type != RULE_T_META || r->meta == NULL)
		return;
	for (k = 0; k < r->meta->nrefs; k++)
		if (r->meta_idx[k] != ~0u)
			need_rule(rs, need, v[r->meta_idx[k]]);
}

static void mark_needed(struct ruleset *rs)
{
	struct rule **v = rs->rules.v;
	size_t n = rs->rules.count, i, k;
	unsigned char *read = arena_zalloc(rs->arena, n + 1);
	unsigned int s;

	for (i = 0; i < n; i++)
		if (v[i]->loaded && v[i]->meta != NULL)
			for (k = 0; k < v[i]->meta->nrefs; k++)
				if (v[i]->meta_idx[k] != ~0u)
					read[v[i]->meta_idx[k]] = 1;
	for (i = 0; i < n; i++)
		v[i]->lazy = read[i] && strncmp(v[i]->name, "__", 2) == 0 && v[i]->loaded;
	for (s = 0; s < 4; s++) {
		rs->needed[s] = arena_zalloc(rs->arena, n + 1);
		for (i = 0; i < n; i++) {
			int sub = strncmp(v[i]->name, "__", 2) == 0;
			if (v[i]->loaded && v[i]->score[s] != 0 && (!sub || !read[i]))
				need_rule(rs, rs->needed[s], v[i]);
		}
	}
}

/* Should r run at all in score set s? As Plugin::Check: a zero score
   disables a rule; tflags net / learn keep eval rules (only) out of
   score sets without network checks / Bayes; metas and regex rules
   flagged net still run. Network evals are run by the DNS checks. */
static int wanted(const struct ruleset *rs, const struct rule *r, unsigned int s)
{
	if (!r->loaded || r->score[s] == 0 || !rs->needed[s][r->idx])
		return 0;
	if (r->eval == NULL)
		return 1;
	if (r->eval->fn == NULL)
		return 0;
	if ((r->tflags & TF_NET) && !(s & 1))
		return 0;
	if ((r->tflags & TF_LEARN) && !(s & 2))
		return 0;
	return 1;
}

/* ---- metas: resolved, short-circuit, lazy subrules ---- */

static int ref_boolean(void *ud, unsigned int idx)
{
	const struct ruleset *rs = ud;
	const struct rule *r;

	if (idx >= rs->rules.count)
		return 1; /* the always-0 slot */
	r = ((struct rule *const *)rs->rules.v)[idx];
	if (r->type == RULE_T_META)
		return r->mres != NULL && r->mres->boolean;
	/* a regex rule hit once has value 1, one that could not load stays
	   0; evals and names only other checks report can count more */
	if (!r->loaded)
		return r->has_def && r->eval_name == NULL;
	return r->eval == NULL && !(r->tflags & TF_MULTIPLE);
}

/* Rough cost of working a value out at that point: metas and evals are
   cheap, a regex with required literals is mostly skipped, one without
   runs over the whole text, the longer the pattern the slower. */
static unsigned int ref_cost(void *ud, unsigned int idx)
{
	const struct ruleset *rs = ud;
	const struct rule *r;

	if (idx >= rs->rules.count)
		return 0;
	r = ((struct rule *const *)rs->rules.v)[idx];
	if (!r->lazy)
		return 0;
	if (r->type == RULE_T_META)
		return 1 + (r->mres != NULL ? r->mres->cost : 0);
	/* a gated rule whose gate is closed is ready (free) by the time
	   metas run: one still asked for runs its regex in full */
	if (r->eval != NULL)
		return 2;
	if (r->type == RULE_T_HEADER || r->re_src == NULL)
		return 4;
	return 16 + (unsigned int)(strlen(r->re_src) / 16);
}

/* In dependency order, so a meta's references are resolved first. */
static void resolve_metas(struct ruleset *rs)
{
	struct rule **m = rs->metas.v;
	struct meta_ref_info info = { ref_boolean, ref_cost, rs };
	size_t i;

	for (i = 0; i < rs->metas.count; i++) {
		m[i]->mres = meta_resolve(rs->arena, m[i]->meta, m[i]->meta_idx,
					  (unsigned int)rs->rules.count, &info);
		if (m[i]->mres == NULL) {
			m[i]->loaded = 0;
			m[i]->skip = "meta: cannot resolve";
		} else if (m[i]->mres->max_stack > rs->max_meta_stack)
			rs->max_meta_stack = m[i]->mres->max_stack;
	}
}

static struct rule_gate rule_gate(const struct rule *r)
{
	struct rule_gate g;

	g.idx = r->idx;
	g.a_impossible = (unsigned char)(r->a_impossible != 0);
	g.lmask = r->lreq.mask;
	g.amask = r->areq.mask;
	g.smask = r->sreq.mask;
	g.s_noamp = (unsigned char)(r->s_noamp != 0);
	return g;
}

/* The per-score-set run lists: rules run in order, lazy rules (with
   their gates, so that a message whose text rules one out marks it done
   at once), and which values start final (ready). */
static void build_runlists(struct ruleset *rs)
{
	unsigned int s;
	size_t t, i;

	for (s = 0; s < 4; s++) {
		rs->runnable[s] = arena_zalloc(rs->arena, rs->rules.count + 1);
		rs->ready_proto[s] = arena_alloc(rs->arena, rs->rules.count + 1);
		memset(rs->ready_proto[s], 1, rs->rules.count + 1);
		for (t = 0; t < RULE_T_COUNT; t++) {
			const struct arena_vec *src = t == RULE_T_META ? &rs->metas : &rs->order[t];
			struct rule **v = src->v;
			for (i = 0; i < src->count; i++) {
				struct arena_vec *list = &rs->runlist[s][t], *gates = &rs->gates[s][t];
				if (!wanted(rs, v[i], s))
					continue;
				rs->runnable[s][v[i]->idx] = 1;
				if (v[i]->lazy) {
					/* run when a meta asks */
					rs->ready_proto[s][v[i]->idx] = 0;
					if (t == RULE_T_META)
						continue;
					list = &rs->lazylist[s][t];
					gates = &rs->lazygates[s][t];
				}
				*ARENA_VEC_PUSH(rs->arena, list, struct rule *) = v[i];
				*ARENA_VEC_PUSH(rs->arena, gates, struct rule_gate) = rule_gate(v[i]);
			}
		}
	}
}

static int prio_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ruleset_compile(struct ruleset *rs, const char **err_r)
{
	struct rule **v = rs->rules.v;
	size_t i;
	int t;

	(void)err_r;
	if (rs->compiled)
		return 0;
	rs->compiled = 1;
	for (i = 0; i < rs->rules.count; i++) {
		if (v[i]->has_def || v[i]->mentioned_skip)
			compile_rule(rs, v[i]);
	}
	parse_metas(rs);	/* may add placeholder rules: reload v */
	order_metas(rs);
	v = rs->rules.v;
	for (i = 0; i < rs->rules.count; i++) {
		struct rule *r = v[i];
		if (!r->loaded || r->type == RULE_T_META || r->type == RULE_T_NET_OTHER)
			continue;
		*ARENA_VEC_PUSH(rs->arena, &rs->order[r->type], struct rule *) = r;
	}
	for (t = 0; t < RULE_T_COUNT; t++) {
		if (rs->order[t].count > 1)
			qsort(rs->order[t].v, rs->order[t].count, sizeof(struct rule *), prio_cmp);
		if (t != RULE_T_HEADER) {
			rs->lix[t] = lit_index_build(rs->arena, rs->order[t].v, rs->order[t].count, 0);
			rs->alix[t] = lit_index_build(rs->arena, rs->order[t].v, rs->order[t].count, 1);
		}
		if (t == RULE_T_BODY)
			rs->slix = lit_index_build(rs->arena, rs->order[t].v, rs->order[t].count, 2);
	}
	group_headers(rs);
	mark_needed(rs);
	resolve_metas(rs);
	build_runlists(rs);
	rs_settings_index(rs);
	rs->eval_data = eval_ruleset_prepare(rs, rs->arena);
	rs->jit_state = arena_zalloc(rs->arena, 2 * (rs->rules.count + 1));
	rs->mctx_proto = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(rs->mctx_proto, WN_RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx_proto, WN_RULE_MATCH_LIMIT / 10);
	return 0;
}
