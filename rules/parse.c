/*
 * parse.c - the rule directives of SpamAssassin's .cf syntax: header,
 * body, rawbody, uri, full, meta, mimeheader, uri_detail, the network
 * rule directives (askdns, urirhssub, ...), describe, score, tflags,
 * priority; plus the regex literal and eval: call syntax.
 *
 * Semantics follow Mail::SpamAssassin::Conf and Conf::Parser: a later
 * definition of a rule replaces an earlier one (its type may change);
 * score/describe/tflags/priority are keyed by name and may appear
 * before or after the definition; tflags replaces, it does not add.
 *
 * Ownership: everything is allocated in the ruleset arena.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_int.h"

int rs_valid_name(const char *name)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return 0;
	for (; name[n] != '\0'; n++)
		if (!(isalnum((unsigned char)name[n]) || name[n] == '_'))
			return 0;
	return n <= 128;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Splits "NAME rest": returns NAME (arena copy), *rest_r after spaces. */
static char *first_word(struct arena *a, const char *s, const char **rest_r)
{
	const char *e = s;

	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	*rest_r = skip_ws(e);
	return arena_strndup(a, s, (size_t)(e - s));
}

static char closing_delim(char c)
{
	switch (c) {
	case '{': return '}';
	case '(': return ')';
	case '[': return ']';
	case '<': return '>';
	default: return c;
	}
}

int rs_parse_regex(struct arena *a, const char **pp, const char **src_r, unsigned int *mods_r,
		   const char **err_r)
{
	const char *p = *pp, *start;
	char open, close;
	int depth = 0;
	unsigned int mods = 0;

	if (*p == 'm' && p[1] != '\0' && !isalnum((unsigned char)p[1]) &&
	    p[1] != ' ' && p[1] != '\t' && p[1] != '\\')
		p++;
	else if (*p != '/') {
		*err_r = "regex does not start with / or m";
		return -1;
	}
	open = *p++;
	close = closing_delim(open);
	start = p;
	for (;; p++) {
		if (*p == '\0') {
			*err_r = "unterminated regex";
			return -1;
		}
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (open != close && *p == open)
			depth++;
		else if (*p == close) {
			if (depth == 0)
				break;
			depth--;
		}
	}
	*src_r = arena_strndup(a, start, (size_t)(p - start));
	p++;
	for (; isalpha((unsigned char)*p); p++) {
		switch (*p) {
		case 'i': mods |= RE_I; break;
		case 'm': mods |= RE_M; break;
		case 's': mods |= RE_S; break;
		case 'x': mods |= RE_X; break;
		case 'g': case 'o': case 'p': case 'a': case 'u': case 'l': case 'd':
			break;
		default:
			*err_r = "unknown regex modifier";
			return -1;
		}
	}
	*mods_r = mods;
	*pp = p;
	return 0;
}

int rs_parse_eval(struct arena *a, const char *s, const char **name_r, const char ***argv_r,
		  size_t *argc_r)
{
	const char *p, *n0;
	struct arena_vec args = { 0 };

	if (strncmp(s, "eval:", 5) != 0)
		return -1;
	p = skip_ws(s + 5);
	n0 = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (p == n0)
		return -1;
	*name_r = arena_strndup(a, n0, (size_t)(p - n0));
	p = skip_ws(p);
	if (*p == '(') {
		p++;
		for (;;) {
			const char *b;
			char q;
			p = skip_ws(p);
			if (*p == ')' || *p == '\0')
				break;
			if (*p == '\'' || *p == '"') {
				q = *p++;
				b = p;
				while (*p != '\0' && *p != q) {
					if (*p == '\\' && p[1] != '\0')
						p++;
					p++;
				}
				*ARENA_VEC_PUSH(a, &args, const char *) =
					arena_strndup(a, b, (size_t)(p - b));
				if (*p == q)
					p++;
			} else {
				const char *e;
				b = p;
				while (*p != '\0' && *p != ',' && *p != ')')
					p++;
				e = p;
				while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
					e--;
				*ARENA_VEC_PUSH(a, &args, const char *) =
					arena_strndup(a, b, (size_t)(e - b));
			}
			p = skip_ws(p);
			if (*p == ',')
				p++;
			else if (*p != ')')
				break;
		}
	}
	*argv_r = args.v;
	*argc_r = args.count;
	return 0;
}

/* Clears a previous definition before a new one replaces it. */
static void reset_def(struct rule *r)
{
	r->hdr = NULL;
	r->exists = 0;
	r->negate = 0;
	r->if_unset = NULL;
	r->re_src = NULL;
	r->re_mods = 0;
	r->eval_name = NULL;
	r->eval_argv = NULL;
	r->eval_argc = 0;
	r->meta_src = NULL;
	r->ud = NULL;
	r->nud = 0;
	r->skip = NULL;
}

/* Parses "Field op /re/ [if-unset: X]" for header and mimeheader. */
static const char *parse_header_test(struct ruleset *rs, struct rule *r, const char *rest)
{
	const char *p = rest, *e, *err = NULL;

	if (strncmp(p, "exists:", 7) == 0) {
		p = skip_ws(p + 7);
		e = p;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		if (e == p)
			return "exists: without a header name";
		r->hdr = arena_strndup(rs->arena, p, (size_t)(e - p));
		r->exists = 1;
		return NULL;
	}
	e = p;
	while (*e != '\0' && *e != ' ' && *e != '\t' && *e != '=' && *e != '!')
		e++;
	if (e == p)
		return "missing header name";
	r->hdr = arena_strndup(rs->arena, p, (size_t)(e - p));
	p = skip_ws(e);
	if (p[0] == '=' && p[1] == '~')
		r->negate = 0;
	else if (p[0] == '!' && p[1] == '~')
		r->negate = 1;
	else
		return "expected =~ or !~";
	p = skip_ws(p + 2);
	if (rs_parse_regex(rs->arena, &p, &r->re_src, &r->re_mods, &err) < 0)
		return err;
	p = skip_ws(p);
	if (strncmp(p, "[if-unset:", 10) == 0) {
		const char *b = skip_ws(p + 10);
		e = strchr(b, ']');
		if (e == NULL)
			return "unterminated [if-unset:";
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		r->if_unset = arena_strndup(rs->arena, b, (size_t)(e - b));
		p = skip_ws(strchr(b, ']') + 1);
	}
	if (*p != '\0')
		return "trailing text after regex";
	return NULL;
}

static const char *parse_uri_detail(struct ruleset *rs, struct rule *r, const char *rest)
{
	struct arena_vec v = { 0 };
	const char *p = rest, *err = NULL;

	while (*p != '\0') {
		struct rule_ud_cond *c = ARENA_VEC_PUSH(rs->arena, &v, struct rule_ud_cond);
		const char *e = p;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		c->key = arena_strndup(rs->arena, p, (size_t)(e - p));
		p = skip_ws(e);
		if (p[0] == '=' && p[1] == '~')
			c->negate = 0;
		else if (p[0] == '!' && p[1] == '~')
			c->negate = 1;
		else
			return "expected =~ or !~";
		p = skip_ws(p + 2);
		if (rs_parse_regex(rs->arena, &p, &c->re_src, &c->re_mods, &err) < 0)
			return err;
		p = skip_ws(p);
	}
	if (v.count == 0)
		return "uri_detail without conditions";
	r->ud = v.v;
	r->nud = v.count;
	return NULL;
}

static const char *parse_eval_or_regex(struct ruleset *rs, struct rule *r, const char *rest)
{
	const char *p = rest, *err = NULL;

	if (strncmp(p, "eval:", 5) == 0) {
		if (rs_parse_eval(rs->arena, p, &r->eval_name, &r->eval_argv, &r->eval_argc) < 0)
			return "bad eval: syntax";
		return NULL;
	}
	if (rs_parse_regex(rs->arena, &p, &r->re_src, &r->re_mods, &err) < 0)
		return err;
	if (*skip_ws(p) != '\0')
		return "trailing text after regex";
	return NULL;
}

static int type_of(const char *key, enum rule_type *t_r)
{
	static const struct {
		const char *key;
		enum rule_type t;
	} types[] = {
		{ "header", RULE_T_HEADER }, { "body", RULE_T_BODY },
		{ "rawbody", RULE_T_RAWBODY }, { "uri", RULE_T_URI },
		{ "full", RULE_T_FULL }, { "meta", RULE_T_META },
		{ "mimeheader", RULE_T_MIMEHEADER }, { "uri_detail", RULE_T_URI_DETAIL },
		{ "askdns", RULE_T_NET_OTHER }, { "urirhssub", RULE_T_NET_OTHER },
		{ "urirhsbl", RULE_T_NET_OTHER }, { "urinsrhsbl", RULE_T_NET_OTHER },
		{ "urinsrhssub", RULE_T_NET_OTHER }, { "urifullnsrhsbl", RULE_T_NET_OTHER },
		{ "urifullnsrhssub", RULE_T_NET_OTHER }, { "urianamebl", RULE_T_NET_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(key, types[i].key) == 0) {
			*t_r = types[i].t;
			return 1;
		}
	}
	return 0;
}

static void parse_score(struct ruleset *rs, const char *file, unsigned int line, struct rule *r,
			const char *rest)
{
	double v[4];
	int n = 0;
	const char *p = rest;

	while (*p != '\0' && n < 5) {
		char *end;
		double d;
		if (*p == '(')
			p++;
		d = strtod(p, &end);
		if (end == p)
			break;
		if (n < 4)
			v[n] = d;
		n++;
		p = end;
		if (*p == ')')
			p++;
		p = skip_ws(p);
	}
	if (*p != '\0' || (n != 1 && n != 4)) {
		rs_lint(rs, file, line, r->name, RULE_LINT_ERROR,
			"score needs 1 or 4 numbers: \"%s\"", rest);
		return;
	}
	if (n == 1)
		v[1] = v[2] = v[3] = v[0];
	memcpy(r->score, v, sizeof(v));
	r->has_score = 1;
}

static void parse_tflags(struct rule *r, const char *rest)
{
	const char *p = rest;

	r->tflags = 0;
	r->maxhits = 0;
	while (*p != '\0') {
		const char *e = p;
		size_t n;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		n = (size_t)(e - p);
#define IS(w) (n == sizeof(w) - 1 && memcmp(p, w, n) == 0)
		if (IS("nice"))
			r->tflags |= TF_NICE;
		else if (IS("net"))
			r->tflags |= TF_NET;
		else if (IS("learn"))
			r->tflags |= TF_LEARN;
		else if (IS("noautolearn"))
			r->tflags |= TF_NOAUTOLEARN;
		else if (IS("multiple"))
			r->tflags |= TF_MULTIPLE;
		else if (IS("nosubject"))
			r->tflags |= TF_NOSUBJECT;
		else if (IS("userconf"))
			r->tflags |= TF_USERCONF;
		else if (n > 8 && memcmp(p, "maxhits=", 8) == 0)
			r->maxhits = (unsigned int)strtoul(p + 8, NULL, 10);
#undef IS
		p = skip_ws(e);
	}
}

int rs_parse_rule_directive(struct ruleset *rs, const char *file, unsigned int line,
			    const char *key, const char *value, const char *skip)
{
	enum rule_type t;
	const char *rest, *err = NULL;
	char *name;
	struct rule *r;
	int is_attr;

	is_attr = strcmp(key, "score") == 0 || strcmp(key, "describe") == 0 ||
		  strcmp(key, "tflags") == 0 || strcmp(key, "priority") == 0;
	if (!is_attr && !type_of(key, &t))
		return 0;
	if (skip != NULL && is_attr)
		return 1; /* attributes of unavailable rules are dropped */
	name = first_word(rs->arena, value, &rest);
	if (!rs_valid_name(name)) {
		rs_lint(rs, file, line, NULL, RULE_LINT_ERROR, "%s: invalid rule name \"%s\"",
			key, name);
		return 1;
	}
	r = rs_rule(rs, name, 1);
	if (is_attr) {
		if (key[0] == 's')
			parse_score(rs, file, line, r, rest);
		else if (key[0] == 'd')
			r->desc = arena_strdup(rs->arena, rest);
		else if (key[0] == 't')
			parse_tflags(r, rest);
		else
			r->priority = atoi(rest);
		return 1;
	}
	if (t == RULE_T_NET_OTHER)
		rs_setting_add(rs, key, value);
	if (skip != NULL) {
		/* Count it as defined, not loaded, unless a real definition
		   exists (an else branch may provide one). */
		if (!r->has_def) {
			r->mentioned_skip = 1;
			r->type = t;
			r->file = file;
			r->line = line;
			r->skip = skip;
		}
		return 1;
	}
	reset_def(r);
	r->has_def = 1;
	r->mentioned_skip = 0;
	r->type = t;
	r->file = file;
	r->line = line;
	if (*rest == '\0') {
		err = "empty definition";
	} else {
		switch (t) {
		case RULE_T_HEADER:
			if (strncmp(rest, "eval:", 5) == 0)
				err = parse_eval_or_regex(rs, r, rest);
			else
				err = parse_header_test(rs, r, rest);
			break;
		case RULE_T_MIMEHEADER:
			err = parse_header_test(rs, r, rest);
			if (err == NULL && r->exists)
				err = "exists: not supported in mimeheader";
			break;
		case RULE_T_META:
			r->meta_src = arena_strdup(rs->arena, rest);
			break;
		case RULE_T_URI_DETAIL:
			err = parse_uri_detail(rs, r, rest);
			break;
		case RULE_T_NET_OTHER:
			break;
		default:
			err = parse_eval_or_regex(rs, r, rest);
			break;
		}
	}
	if (err != NULL) {
		r->skip = arena_printf(rs->arena, "syntax: %s", err);
		rs_lint(rs, file, line, r->name, RULE_LINT_ERROR, "%s %s: %s", key, name, err);
	}
	return 1;
}
