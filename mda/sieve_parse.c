/*
 * sieve_parse.c - Sieve grammar (RFC 5228 8.2) and the checks that make
 * a script safe to run: every command and test known and its extension
 * `require`d, tagged arguments allowed for it and not repeated,
 * positional arguments of the right kind and number, regexes compiled,
 * constant names and addresses valid. The first error stops the parse
 * and comes back as "name:line:column: message".
 *
 * Ownership: the script owns one arena with every node and string;
 * compiled regexes are freed by a cleanup on it (sieve_free).
 * Limits: SIEVE_MAX_SCRIPT, SIEVE_MAX_NESTING, SIEVE_MAX_COMMANDS,
 * SIEVE_MAX_LIST (sieve.h), SIEVE_MAX_STRING in the lexer.
 */
#include "mda/sieve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "mda/sieve_int.h"
#include "mda/sieve_lex.h"

struct sieve_parser {
	struct sieve_lex lx;
	struct sieve_script *s;
	const char *name;
	char *err;           /* first error, malloc'd */
	unsigned int depth;
	size_t ncommands;
	int seen_other;      /* a command other than require was seen */
};

/* One argument as written, before the command's checks. */
struct sieve_rawarg {
	enum sieve_tok type; /* TAG, NUM, STR (a single string) or LBRACKET (a list) */
	unsigned int line, col;
	const char *tag;     /* lowercased, without ':' */
	uint64_t num;
	struct sieve_strl l;
};

struct sieve_raw {
	const char *name;    /* lowercased */
	unsigned int line, col;
	struct arena_vec args; /* struct sieve_rawarg */
	struct sieve_node **tests;
	size_t ntests;
	int test_list;       /* tests were in parentheses */
};

static void sieve_parse_fail(struct sieve_parser *p, unsigned int line, unsigned int col,
			     const char *fmt, ...) WN_PRINTF(4, 5);
static void sieve_parse_fail(struct sieve_parser *p, unsigned int line, unsigned int col,
			     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s:%u:%u: %s", p->name, line, col, msg);
	p->err = xmalloc((size_t)n + 1);
	snprintf(p->err, (size_t)n + 1, "%s:%u:%u: %s", p->name, line, col, msg);
}

/* The current token is an error from the lexer: report it. */
static int sieve_parse_lexerr(struct sieve_parser *p)
{
	if (p->lx.tok.type != SIEVE_T_ERROR)
		return 0;
	sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col, "%s", p->lx.error);
	return -1;
}

static int sieve_parse_expect(struct sieve_parser *p, enum sieve_tok t, const char *what)
{
	if (sieve_parse_lexerr(p) < 0)
		return -1;
	if (p->lx.tok.type != t) {
		sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col, "expected %s, found %s", what,
				 sieve_lex_describe(&p->lx.tok));
		return -1;
	}
	sieve_lex_next(&p->lx);
	return 0;
}

static char *sieve_parse_lower(struct arena *a, const char *s, size_t len)
{
	char *out = arena_strndup(a, s, len);
	size_t i;

	for (i = 0; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static void sieve_parse_str(struct sieve_parser *p, struct sieve_str *str)
{
	str->s = p->lx.tok.text;
	str->len = strlen(p->lx.tok.text);
	str->vars = (p->s->exts & SIEVE_EXT_VARIABLES) != 0 && strstr(str->s, "${") != NULL;
}

/* string-list = "[" string *("," string) "]" / string */
static int sieve_parse_strlist(struct sieve_parser *p, struct sieve_rawarg *arg)
{
	struct arena_vec v = {0};

	arg->type = p->lx.tok.type;
	if (p->lx.tok.type == SIEVE_T_STR) {
		sieve_parse_str(p, ARENA_VEC_PUSH(p->s->arena, &v, struct sieve_str));
		sieve_lex_next(&p->lx);
	} else {
		sieve_lex_next(&p->lx);
		for (;;) {
			if (sieve_parse_lexerr(p) < 0)
				return -1;
			if (p->lx.tok.type != SIEVE_T_STR) {
				sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col,
						 "expected string in string list, found %s",
						 sieve_lex_describe(&p->lx.tok));
				return -1;
			}
			if (v.count >= SIEVE_MAX_LIST) {
				sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col,
						 "more than %d strings in a list", SIEVE_MAX_LIST);
				return -1;
			}
			sieve_parse_str(p, ARENA_VEC_PUSH(p->s->arena, &v, struct sieve_str));
			sieve_lex_next(&p->lx);
			if (p->lx.tok.type != SIEVE_T_COMMA)
				break;
			sieve_lex_next(&p->lx);
		}
		if (sieve_parse_expect(p, SIEVE_T_RBRACKET, "',' or ']'") < 0)
			return -1;
	}
	arg->l.v = v.v;
	arg->l.n = v.count;
	return 0;
}

static struct sieve_node *sieve_parse_test(struct sieve_parser *p);

/* "(" test *("," test) ")" */
static int sieve_parse_testlist(struct sieve_parser *p, struct sieve_raw *r)
{
	struct arena_vec v = {0};

	sieve_lex_next(&p->lx);
	for (;;) {
		struct sieve_node *t = sieve_parse_test(p);
		if (t == NULL)
			return -1;
		*ARENA_VEC_PUSH(p->s->arena, &v, struct sieve_node *) = t;
		if (p->lx.tok.type != SIEVE_T_COMMA)
			break;
		sieve_lex_next(&p->lx);
	}
	if (sieve_parse_expect(p, SIEVE_T_RPAREN, "',' or ')'") < 0)
		return -1;
	r->tests = v.v;
	r->ntests = v.count;
	r->test_list = 1;
	return 0;
}

/* identifier *argument [ test / test-list ] */
static int sieve_parse_raw(struct sieve_parser *p, struct sieve_raw *r)
{
	memset(r, 0, sizeof(*r));
	r->line = p->lx.tok.line;
	r->col = p->lx.tok.col;
	r->name = sieve_parse_lower(p->s->arena, p->lx.tok.text, p->lx.tok.len);
	if (++p->ncommands > SIEVE_MAX_COMMANDS) {
		sieve_parse_fail(p, r->line, r->col, "more than %d commands and tests",
				 SIEVE_MAX_COMMANDS);
		return -1;
	}
	sieve_lex_next(&p->lx);
	for (;;) {
		struct sieve_tok_val *t = &p->lx.tok;
		struct sieve_rawarg *arg;

		if (t->type != SIEVE_T_STR && t->type != SIEVE_T_LBRACKET &&
		    t->type != SIEVE_T_NUM && t->type != SIEVE_T_TAG)
			break;
		arg = ARENA_VEC_PUSH(p->s->arena, &r->args, struct sieve_rawarg);
		arg->line = t->line;
		arg->col = t->col;
		arg->type = t->type;
		if (t->type == SIEVE_T_NUM) {
			arg->num = t->num;
			sieve_lex_next(&p->lx);
		} else if (t->type == SIEVE_T_TAG) {
			arg->tag = sieve_parse_lower(p->s->arena, t->text, t->len);
			sieve_lex_next(&p->lx);
		} else if (sieve_parse_strlist(p, arg) < 0) {
			return -1;
		}
	}
	if (sieve_parse_lexerr(p) < 0)
		return -1;
	if (p->lx.tok.type == SIEVE_T_IDENT) {
		struct sieve_node *t = sieve_parse_test(p);
		if (t == NULL)
			return -1;
		r->tests = arena_alloc(p->s->arena, sizeof(*r->tests));
		r->tests[0] = t;
		r->ntests = 1;
	} else if (p->lx.tok.type == SIEVE_T_LPAREN) {
		return sieve_parse_testlist(p, r);
	}
	return 0;
}

/* What each command and test accepts. */
enum {
	SIEVE_G_MATCH = 1u << 0,   /* :comparator, match types */
	SIEVE_G_ADDR = 1u << 1,    /* address parts */
	SIEVE_G_SIZE = 1u << 2,
	SIEVE_G_BODY = 1u << 3,
	SIEVE_G_PERCENT = 1u << 4,
	SIEVE_G_COPY = 1u << 5,
	SIEVE_G_CREATE = 1u << 6,
	SIEVE_G_FLAGS = 1u << 7,
	SIEVE_G_VAC = 1u << 8,
	SIEVE_G_MOD = 1u << 9,
};

struct sieve_spec {
	const char *name;
	enum sieve_id id;
	unsigned int ext;    /* needed extension (any of these bits), 0 for none */
	int test;            /* a test, not a command */
	unsigned int tags;   /* SIEVE_G_* */
	const char *pos;     /* positional arguments: l list, s string; a
				leading '?' makes the first one optional */
	int tests;           /* 0 none, 1 one test, 2 a test list */
	int block;
};

static const struct sieve_spec sieve_specs[] = {
	{ "require", SIEVE_REQUIRE, 0, 0, 0, "l", 0, 0 },
	{ "if", SIEVE_IF, 0, 0, 0, "", 1, 1 },
	{ "elsif", SIEVE_ELSIF, 0, 0, 0, "", 1, 1 },
	{ "else", SIEVE_ELSE, 0, 0, 0, "", 0, 1 },
	{ "stop", SIEVE_STOP, 0, 0, 0, "", 0, 0 },
	{ "keep", SIEVE_KEEP, 0, 0, SIEVE_G_FLAGS, "", 0, 0 },
	{ "discard", SIEVE_DISCARD, 0, 0, 0, "", 0, 0 },
	{ "redirect", SIEVE_REDIRECT, 0, 0, SIEVE_G_COPY, "s", 0, 0 },
	{ "fileinto", SIEVE_FILEINTO, SIEVE_EXT_FILEINTO, 0,
	  SIEVE_G_COPY | SIEVE_G_CREATE | SIEVE_G_FLAGS, "s", 0, 0 },
	{ "setflag", SIEVE_SETFLAG, SIEVE_EXT_IMAP4FLAGS, 0, 0, "?sl", 0, 0 },
	{ "addflag", SIEVE_ADDFLAG, SIEVE_EXT_IMAP4FLAGS, 0, 0, "?sl", 0, 0 },
	{ "removeflag", SIEVE_REMOVEFLAG, SIEVE_EXT_IMAP4FLAGS, 0, 0, "?sl", 0, 0 },
	{ "set", SIEVE_SET, SIEVE_EXT_VARIABLES, 0, SIEVE_G_MOD, "ss", 0, 0 },
	{ "vacation", SIEVE_VACATION, SIEVE_EXT_VACATION, 0, SIEVE_G_VAC, "s", 0, 0 },
	{ "address", SIEVE_ADDRESS, 0, 1, SIEVE_G_MATCH | SIEVE_G_ADDR, "ll", 0, 0 },
	{ "header", SIEVE_HEADER, 0, 1, SIEVE_G_MATCH, "ll", 0, 0 },
	{ "envelope", SIEVE_ENVELOPE, SIEVE_EXT_ENVELOPE, 1, SIEVE_G_MATCH | SIEVE_G_ADDR, "ll",
	  0, 0 },
	{ "exists", SIEVE_EXISTS, 0, 1, 0, "l", 0, 0 },
	{ "size", SIEVE_SIZE, 0, 1, SIEVE_G_SIZE, "", 0, 0 },
	{ "allof", SIEVE_ALLOF, 0, 1, 0, "", 2, 0 },
	{ "anyof", SIEVE_ANYOF, 0, 1, 0, "", 2, 0 },
	{ "not", SIEVE_NOT, 0, 1, 0, "", 1, 0 },
	{ "true", SIEVE_TRUE, 0, 1, 0, "", 0, 0 },
	{ "false", SIEVE_FALSE, 0, 1, 0, "", 0, 0 },
	{ "body", SIEVE_BODY, SIEVE_EXT_BODY, 1, SIEVE_G_MATCH | SIEVE_G_BODY, "l", 0, 0 },
	{ "hasflag", SIEVE_HASFLAG, SIEVE_EXT_IMAP4FLAGS, 1, SIEVE_G_MATCH, "?ll", 0, 0 },
	{ "string", SIEVE_STRING, SIEVE_EXT_VARIABLES, 1, SIEVE_G_MATCH, "ll", 0, 0 },
	{ "spamtest", SIEVE_SPAMTEST, SIEVE_EXT_SPAMTEST | SIEVE_EXT_SPAMTESTPLUS, 1,
	  SIEVE_G_MATCH | SIEVE_G_PERCENT, "s", 0, 0 },
	{ "virustest", SIEVE_VIRUSTEST, SIEVE_EXT_VIRUSTEST, 1, SIEVE_G_MATCH, "s", 0, 0 },
	{ "mailboxexists", SIEVE_MAILBOXEXISTS, SIEVE_EXT_MAILBOX, 1, 0, "l", 0, 0 },
};

static const struct {
	const char *name;
	unsigned int bit;
} sieve_exts[] = {
	{ "fileinto", SIEVE_EXT_FILEINTO },
	{ "envelope", SIEVE_EXT_ENVELOPE },
	{ "imap4flags", SIEVE_EXT_IMAP4FLAGS },
	{ "variables", SIEVE_EXT_VARIABLES },
	{ "subaddress", SIEVE_EXT_SUBADDRESS },
	{ "body", SIEVE_EXT_BODY },
	{ "relational", SIEVE_EXT_RELATIONAL },
	{ "comparator-i;ascii-numeric", SIEVE_EXT_NUMERIC },
	{ "comparator-i;octet", 0 },
	{ "comparator-i;ascii-casemap", 0 },
	{ "spamtest", SIEVE_EXT_SPAMTEST },
	{ "spamtestplus", SIEVE_EXT_SPAMTEST | SIEVE_EXT_SPAMTESTPLUS },
	{ "virustest", SIEVE_EXT_VIRUSTEST },
	{ "regex", SIEVE_EXT_REGEX },
	{ "copy", SIEVE_EXT_COPY },
	{ "mailbox", SIEVE_EXT_MAILBOX },
	{ "vacation", SIEVE_EXT_VACATION },
};

static const char *sieve_ext_name(unsigned int bits)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(sieve_exts); i++)
		if ((sieve_exts[i].bit & bits) != 0)
			return sieve_exts[i].name;
	return "?";
}

static const struct sieve_spec *sieve_spec_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(sieve_specs); i++)
		if (strcmp(sieve_specs[i].name, name) == 0)
			return &sieve_specs[i];
	return NULL;
}

/* Checking one command's arguments. */
struct sieve_check {
	struct sieve_parser *p;
	const struct sieve_spec *sp;
	const struct sieve_raw *r;
	struct sieve_node *n;
	size_t i;            /* next raw argument */
	int seen_cmp, seen_mt, seen_ap, seen_bt;
};

#define SIEVE_CHECK_FAIL(c, arg, ...) sieve_parse_fail((c)->p, (arg)->line, (arg)->col, __VA_ARGS__)

/* The argument after tag: of kind want (SIEVE_T_STR a single string,
   SIEVE_T_LBRACKET any string list, SIEVE_T_NUM). */
static const struct sieve_rawarg *sieve_check_tagarg(struct sieve_check *c,
						     const struct sieve_rawarg *tag,
						     enum sieve_tok want)
{
	const struct sieve_rawarg *a;
	const char *what = want == SIEVE_T_NUM ? "a number" :
			   want == SIEVE_T_STR ? "a string" : "a string list";

	if (c->i >= c->r->args.count) {
		SIEVE_CHECK_FAIL(c, tag, "%s: :%s needs %s after it", c->sp->name, tag->tag, what);
		return NULL;
	}
	a = (const struct sieve_rawarg *)c->r->args.v + c->i;
	if (a->type == want || (want == SIEVE_T_LBRACKET && a->type == SIEVE_T_STR)) {
		c->i++;
		return a;
	}
	SIEVE_CHECK_FAIL(c, a, "%s: :%s needs %s after it", c->sp->name, tag->tag, what);
	return NULL;
}

static int sieve_check_once(struct sieve_check *c, const struct sieve_rawarg *a, int *seen,
			    const char *what)
{
	if (*seen) {
		SIEVE_CHECK_FAIL(c, a, "%s: more than one %s", c->sp->name, what);
		return -1;
	}
	*seen = 1;
	return 0;
}

static int sieve_check_need(struct sieve_check *c, const struct sieve_rawarg *a,
			    unsigned int ext)
{
	if ((c->p->s->exts & ext) != 0)
		return 0;
	SIEVE_CHECK_FAIL(c, a, "%s: :%s needs require \"%s\"", c->sp->name, a->tag,
			 sieve_ext_name(ext));
	return -1;
}

static int sieve_check_comparator(struct sieve_check *c, const struct sieve_rawarg *a)
{
	const struct sieve_rawarg *v;

	if (sieve_check_once(c, a, &c->seen_cmp, "comparator") < 0 ||
	    (v = sieve_check_tagarg(c, a, SIEVE_T_STR)) == NULL)
		return -1;
	if (strcasecmp(v->l.v[0].s, "i;octet") == 0) {
		c->n->o.cmp = SIEVE_CMP_OCTET;
	} else if (strcasecmp(v->l.v[0].s, "i;ascii-casemap") == 0) {
		c->n->o.cmp = SIEVE_CMP_CASEMAP;
	} else if (strcasecmp(v->l.v[0].s, "i;ascii-numeric") == 0) {
		if ((c->p->s->exts & SIEVE_EXT_NUMERIC) == 0) {
			SIEVE_CHECK_FAIL(c, v, "%s: comparator \"i;ascii-numeric\" needs require "
					 "\"comparator-i;ascii-numeric\"", c->sp->name);
			return -1;
		}
		c->n->o.cmp = SIEVE_CMP_NUMERIC;
	} else {
		SIEVE_CHECK_FAIL(c, v, "%s: unknown comparator \"%s\"", c->sp->name, v->l.v[0].s);
		return -1;
	}
	return 0;
}

static int sieve_check_relational(struct sieve_check *c, const struct sieve_rawarg *a)
{
	static const char *const ops[] = { "gt", "ge", "lt", "le", "eq", "ne" };
	const struct sieve_rawarg *v;
	size_t k;

	if ((v = sieve_check_tagarg(c, a, SIEVE_T_STR)) == NULL)
		return -1;
	for (k = 0; k < N_ELEMENTS(ops); k++)
		if (strcasecmp(v->l.v[0].s, ops[k]) == 0) {
			c->n->o.rel = (enum sieve_rel)k;
			return 0;
		}
	SIEVE_CHECK_FAIL(c, v, "%s: unknown relational operator \"%s\"", c->sp->name,
			 v->l.v[0].s);
	return -1;
}

/* :is :contains :matches :regex :value :count and :comparator. 1 when a
   is one of them, 0 when not, -1 on error. */
static int sieve_check_match(struct sieve_check *c, const struct sieve_rawarg *a)
{
	static const struct {
		const char *tag;
		enum sieve_mt mt;
		unsigned int ext;
	} mts[] = {
		{ "is", SIEVE_MT_IS, 0 }, { "contains", SIEVE_MT_CONTAINS, 0 },
		{ "matches", SIEVE_MT_MATCHES, 0 }, { "regex", SIEVE_MT_REGEX, SIEVE_EXT_REGEX },
		{ "value", SIEVE_MT_VALUE, SIEVE_EXT_RELATIONAL },
		{ "count", SIEVE_MT_COUNT, SIEVE_EXT_RELATIONAL },
	};
	size_t k;

	if (strcmp(a->tag, "comparator") == 0)
		return sieve_check_comparator(c, a) < 0 ? -1 : 1;
	for (k = 0; k < N_ELEMENTS(mts); k++) {
		if (strcmp(a->tag, mts[k].tag) != 0)
			continue;
		if ((mts[k].ext != 0 && sieve_check_need(c, a, mts[k].ext) < 0) ||
		    sieve_check_once(c, a, &c->seen_mt, "match type") < 0)
			return -1;
		c->n->o.mt = mts[k].mt;
		if (mts[k].mt == SIEVE_MT_VALUE || mts[k].mt == SIEVE_MT_COUNT)
			return sieve_check_relational(c, a) < 0 ? -1 : 1;
		return 1;
	}
	return 0;
}

static int sieve_check_addrpart(struct sieve_check *c, const struct sieve_rawarg *a)
{
	static const struct {
		const char *tag;
		enum sieve_ap ap;
		unsigned int ext;
	} aps[] = {
		{ "all", SIEVE_AP_ALL, 0 }, { "localpart", SIEVE_AP_LOCAL, 0 },
		{ "domain", SIEVE_AP_DOMAIN, 0 }, { "user", SIEVE_AP_USER, SIEVE_EXT_SUBADDRESS },
		{ "detail", SIEVE_AP_DETAIL, SIEVE_EXT_SUBADDRESS },
	};
	size_t k;

	for (k = 0; k < N_ELEMENTS(aps); k++) {
		if (strcmp(a->tag, aps[k].tag) != 0)
			continue;
		if ((aps[k].ext != 0 && sieve_check_need(c, a, aps[k].ext) < 0) ||
		    sieve_check_once(c, a, &c->seen_ap, "address part") < 0)
			return -1;
		c->n->o.ap = aps[k].ap;
		return 1;
	}
	return 0;
}

static int sieve_check_size(struct sieve_check *c, const struct sieve_rawarg *a)
{
	const struct sieve_rawarg *v;
	int over = strcmp(a->tag, "over") == 0;

	if (!over && strcmp(a->tag, "under") != 0)
		return 0;
	if (c->n->o.over || c->n->o.under) {
		SIEVE_CHECK_FAIL(c, a, "size: more than one of :over and :under");
		return -1;
	}
	if ((v = sieve_check_tagarg(c, a, SIEVE_T_NUM)) == NULL)
		return -1;
	c->n->num = v->num;
	if (over)
		c->n->o.over = 1;
	else
		c->n->o.under = 1;
	return 1;
}

static int sieve_check_body(struct sieve_check *c, const struct sieve_rawarg *a)
{
	const struct sieve_rawarg *v;
	enum sieve_bt bt;

	if (strcmp(a->tag, "raw") == 0)
		bt = SIEVE_BT_RAW;
	else if (strcmp(a->tag, "text") == 0)
		bt = SIEVE_BT_TEXT;
	else if (strcmp(a->tag, "content") == 0)
		bt = SIEVE_BT_CONTENT;
	else
		return 0;
	if (sieve_check_once(c, a, &c->seen_bt, "body transform") < 0)
		return -1;
	c->n->o.bt = bt;
	if (bt == SIEVE_BT_CONTENT) {
		if ((v = sieve_check_tagarg(c, a, SIEVE_T_LBRACKET)) == NULL)
			return -1;
		c->n->o.ctypes = v->l;
	}
	return 1;
}

static int sieve_check_flag_tag(struct sieve_check *c, const struct sieve_rawarg *a, int *flag)
{
	if (*flag) {
		SIEVE_CHECK_FAIL(c, a, "%s: :%s given twice", c->sp->name, a->tag);
		return -1;
	}
	*flag = 1;
	return 1;
}

/* vacation's :days :subject :from :addresses :mime :handle. */
static int sieve_check_vacation(struct sieve_check *c, const struct sieve_rawarg *a)
{
	struct sieve_opts *o = &c->n->o;
	const struct sieve_rawarg *v;

	if (strcmp(a->tag, "days") == 0) {
		if (o->days != 0) {
			SIEVE_CHECK_FAIL(c, a, "vacation: :days given twice");
			return -1;
		}
		if ((v = sieve_check_tagarg(c, a, SIEVE_T_NUM)) == NULL)
			return -1;
		/* RFC 5230 4.1: below the minimum is raised to it; we cap the
		   top too so a typo cannot silence replies for years. */
		o->days = v->num < 1 ? 1 : v->num > SIEVE_VACATION_MAX_DAYS ?
			  SIEVE_VACATION_MAX_DAYS : v->num;
		return 1;
	}
	if (strcmp(a->tag, "mime") == 0)
		return sieve_check_flag_tag(c, a, &o->mime);
	if (strcmp(a->tag, "addresses") == 0) {
		if (o->addresses.v != NULL) {
			SIEVE_CHECK_FAIL(c, a, "vacation: :addresses given twice");
			return -1;
		}
		if ((v = sieve_check_tagarg(c, a, SIEVE_T_LBRACKET)) == NULL)
			return -1;
		o->addresses = v->l;
		return 1;
	}
	if (strcmp(a->tag, "subject") == 0 || strcmp(a->tag, "from") == 0 ||
	    strcmp(a->tag, "handle") == 0) {
		int *has = a->tag[0] == 's' ? &o->has_subject : a->tag[0] == 'f' ? &o->has_from
				: &o->has_handle;
		struct sieve_str *dst = a->tag[0] == 's' ? &o->subject : a->tag[0] == 'f' ? &o->from
				: &o->handle;
		if (sieve_check_flag_tag(c, a, has) < 0 ||
		    (v = sieve_check_tagarg(c, a, SIEVE_T_STR)) == NULL)
			return -1;
		*dst = v->l.v[0];
		return 1;
	}
	return 0;
}

static int sieve_check_modifier(struct sieve_check *c, const struct sieve_rawarg *a)
{
	static const struct {
		const char *tag;
		unsigned int bit, clash;
	} mods[] = {
		{ "lower", SIEVE_MOD_LOWER, SIEVE_MOD_UPPER },
		{ "upper", SIEVE_MOD_UPPER, SIEVE_MOD_LOWER },
		{ "lowerfirst", SIEVE_MOD_LOWERFIRST, SIEVE_MOD_UPPERFIRST },
		{ "upperfirst", SIEVE_MOD_UPPERFIRST, SIEVE_MOD_LOWERFIRST },
		{ "quotewildcard", SIEVE_MOD_QUOTEWILDCARD, 0 },
		{ "length", SIEVE_MOD_LENGTH, 0 },
	};
	size_t k;

	for (k = 0; k < N_ELEMENTS(mods); k++) {
		if (strcmp(a->tag, mods[k].tag) != 0)
			continue;
		/* RFC 5229 4.1: modifiers of the same precedence are exclusive */
		if ((c->n->o.mods & (mods[k].bit | mods[k].clash)) != 0) {
			SIEVE_CHECK_FAIL(c, a, "set: :%s conflicts with a modifier given before",
					 a->tag);
			return -1;
		}
		c->n->o.mods |= mods[k].bit;
		return 1;
	}
	return 0;
}

/* One tagged argument: 1 taken, -1 error. */
static int sieve_check_tag(struct sieve_check *c, const struct sieve_rawarg *a)
{
	unsigned int g = c->sp->tags;
	struct sieve_opts *o = &c->n->o;
	int r = 0;

	if ((g & SIEVE_G_MATCH) && (r = sieve_check_match(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_ADDR) && (r = sieve_check_addrpart(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_SIZE) && (r = sieve_check_size(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_BODY) && (r = sieve_check_body(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_VAC) && (r = sieve_check_vacation(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_MOD) && (r = sieve_check_modifier(c, a)) != 0)
		return r;
	if ((g & SIEVE_G_PERCENT) && strcmp(a->tag, "percent") == 0)
		return sieve_check_need(c, a, SIEVE_EXT_SPAMTESTPLUS) < 0 ? -1 :
		       sieve_check_flag_tag(c, a, &o->percent);
	if ((g & SIEVE_G_COPY) && strcmp(a->tag, "copy") == 0)
		return sieve_check_need(c, a, SIEVE_EXT_COPY) < 0 ? -1 :
		       sieve_check_flag_tag(c, a, &o->copy);
	if ((g & SIEVE_G_CREATE) && strcmp(a->tag, "create") == 0)
		return sieve_check_need(c, a, SIEVE_EXT_MAILBOX) < 0 ? -1 :
		       sieve_check_flag_tag(c, a, &o->create);
	if ((g & SIEVE_G_FLAGS) && strcmp(a->tag, "flags") == 0) {
		const struct sieve_rawarg *v;
		if (sieve_check_need(c, a, SIEVE_EXT_IMAP4FLAGS) < 0 ||
		    sieve_check_flag_tag(c, a, &o->has_flags) < 0 ||
		    (v = sieve_check_tagarg(c, a, SIEVE_T_LBRACKET)) == NULL)
			return -1;
		o->flags = v->l;
		return 1;
	}
	SIEVE_CHECK_FAIL(c, a, "%s: unknown tagged argument \":%s\"", c->sp->name, a->tag);
	return -1;
}

/* Positional arguments against the spec's pattern. */
static int sieve_check_positional(struct sieve_check *c)
{
	const struct sieve_rawarg *args = c->r->args.v;
	const char *pat = c->sp->pos;
	size_t left = c->r->args.count - c->i, want, k;

	if (*pat == '?') {
		pat++;
		want = strlen(pat);
		if (left + 1 == want)
			pat++;
	}
	want = strlen(pat);
	for (k = c->i; k < c->r->args.count; k++)
		if (args[k].type == SIEVE_T_TAG) {
			SIEVE_CHECK_FAIL(c, &args[k],
					 "%s: tagged argument \":%s\" after positional arguments",
					 c->sp->name, args[k].tag);
			return -1;
		}
	if (left != want) {
		const struct sieve_rawarg *at = left > want ? &args[c->i + want] : NULL;
		if (at != NULL && c->sp->id == SIEVE_SIZE)
			sieve_parse_fail(c->p, at->line, at->col, "size: needs :over or :under");
		else if (at != NULL)
			sieve_parse_fail(c->p, at->line, at->col, "%s: too many arguments",
					 c->sp->name);
		else
			sieve_parse_fail(c->p, c->r->line, c->r->col,
					 "%s: expects %zu positional argument%s, found %zu",
					 c->sp->name, want, want == 1 ? "" : "s", left);
		return -1;
	}
	for (k = 0; k < want; k++) {
		const struct sieve_rawarg *a = &args[c->i + k];
		if (a->type == SIEVE_T_NUM || (pat[k] == 's' && a->type != SIEVE_T_STR)) {
			SIEVE_CHECK_FAIL(c, a, "%s: argument %zu must be a %s", c->sp->name,
					 c->i + k + 1, pat[k] == 's' ? "string" : "string list");
			return -1;
		}
		c->n->pos[k] = a->l;
	}
	c->n->npos = want;
	return 0;
}

/* Tests and block as the spec says. */
static int sieve_check_shape(struct sieve_check *c, int has_block)
{
	const struct sieve_spec *sp = c->sp;
	const struct sieve_raw *r = c->r;

	if (sp->tests == 0 && r->ntests > 0) {
		sieve_parse_fail(c->p, r->tests[0]->line, r->tests[0]->col,
				 "%s: takes no test", sp->name);
		return -1;
	}
	if (sp->tests == 1 && (r->ntests != 1 || r->test_list)) {
		sieve_parse_fail(c->p, r->line, r->col, "%s: needs exactly one test%s", sp->name,
				 r->test_list ? " (not a test list)" : "");
		return -1;
	}
	if (sp->tests == 2 && !r->test_list) {
		sieve_parse_fail(c->p, r->line, r->col, "%s: needs a test list in parentheses",
				 sp->name);
		return -1;
	}
	if (!sp->test && sp->block != has_block) {
		sieve_parse_fail(c->p, r->line, r->col, sp->block ? "%s: needs a block" :
				 "%s: takes no block (missing ';'?)", sp->name);
		return -1;
	}
	c->n->tests = r->tests;
	c->n->ntests = r->ntests;
	return 0;
}

static int sieve_check_mt_cmp(struct sieve_check *c)
{
	struct sieve_node *n = c->n;
	static const char *const mtname[] = { "is", "contains", "matches", "regex", "value",
					      "count" };

	if (n->o.cmp == SIEVE_CMP_NUMERIC &&
	    (n->o.mt == SIEVE_MT_CONTAINS || n->o.mt == SIEVE_MT_MATCHES ||
	     n->o.mt == SIEVE_MT_REGEX)) {
		sieve_parse_fail(c->p, n->line, n->col,
				 "%s: comparator \"i;ascii-numeric\" does not support :%s",
				 c->sp->name, mtname[n->o.mt]);
		return -1;
	}
	return 0;
}

static void sieve_regex_cleanup(void *re)
{
	sieve_regex_free(re);
}

/* The key list of a :regex test, compiled now when it has no variables. */
static int sieve_check_regex(struct sieve_check *c, struct sieve_strl *keys)
{
	size_t k;

	if (c->n->o.mt != SIEVE_MT_REGEX)
		return 0;
	for (k = 0; k < keys->n; k++) {
		const char *err;
		if (keys->v[k].vars)
			continue;
		keys->v[k].re = sieve_regex_compile(c->n->o.cmp, keys->v[k].s, keys->v[k].len,
						    &err);
		if (keys->v[k].re == NULL) {
			sieve_parse_fail(c->p, c->n->line, c->n->col, "%s: bad regex \"%s\": %s",
					 c->sp->name, keys->v[k].s, err);
			return -1;
		}
		arena_add_cleanup(c->p->s->arena, sieve_regex_cleanup, keys->v[k].re);
	}
	return 0;
}

/* RFC 5321-ish: local@domain, printable, no spaces or brackets. Checked
   only for constant addresses (variables are checked at run time). */
int sieve_address_ok(const char *s)
{
	const char *at = strrchr(s, '@');
	const char *q;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 320)
		return 0;
	for (q = s; *q != '\0'; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f || strchr("<>()[],;\\\"", *q))
			return 0;
	return 1;
}

/* Command-specific checks on constant arguments. */
static int sieve_check_values(struct sieve_check *c)
{
	struct sieve_node *n = c->n;
	size_t k;

	switch (n->id) {
	case SIEVE_SIZE:
		if (!n->o.over && !n->o.under) {
			sieve_parse_fail(c->p, n->line, n->col, "size: needs :over or :under");
			return -1;
		}
		break;
	case SIEVE_REDIRECT:
		if (!n->pos[0].v[0].vars && !sieve_address_ok(n->pos[0].v[0].s)) {
			sieve_parse_fail(c->p, n->line, n->col, "redirect: bad address \"%s\"",
					 n->pos[0].v[0].s);
			return -1;
		}
		break;
	case SIEVE_SET:
	case SIEVE_SETFLAG:
	case SIEVE_ADDFLAG:
	case SIEVE_REMOVEFLAG:
		if ((n->id == SIEVE_SET || n->npos == 2) &&
		    !sieve_is_identifier(n->pos[0].v[0].s, n->pos[0].v[0].len)) {
			sieve_parse_fail(c->p, n->line, n->col, "%s: bad variable name \"%s\"",
					 c->sp->name, n->pos[0].v[0].s);
			return -1;
		}
		if (n->id != SIEVE_SET && n->npos == 2 &&
		    (c->p->s->exts & SIEVE_EXT_VARIABLES) == 0) {
			sieve_parse_fail(c->p, n->line, n->col,
					 "%s: a variable name needs require \"variables\"", c->sp->name);
			return -1;
		}
		break;
	case SIEVE_ENVELOPE:
		for (k = 0; k < n->pos[0].n; k++) {
			const struct sieve_str *e = &n->pos[0].v[k];
			if (!e->vars && strcasecmp(e->s, "from") != 0 && strcasecmp(e->s, "to") != 0) {
				sieve_parse_fail(c->p, n->line, n->col,
						 "envelope: unsupported envelope part \"%s\"", e->s);
				return -1;
			}
		}
		return sieve_check_regex(c, &n->pos[1]);
	case SIEVE_HASFLAG:
		if (n->npos == 2 && (c->p->s->exts & SIEVE_EXT_VARIABLES) == 0) {
			sieve_parse_fail(c->p, n->line, n->col,
					 "hasflag: a variable list needs require \"variables\"");
			return -1;
		}
		return sieve_check_regex(c, &n->pos[n->npos - 1]);
	case SIEVE_ADDRESS:
	case SIEVE_HEADER:
	case SIEVE_STRING:
		return sieve_check_regex(c, &n->pos[n->npos - 1]);
	case SIEVE_BODY:
		return sieve_check_regex(c, &n->pos[0]);
	case SIEVE_SPAMTEST:
	case SIEVE_VIRUSTEST:
		return sieve_check_regex(c, &n->pos[0]);
	default:
		break;
	}
	return 0;
}

/* require: each extension known; the bits are on from here on. */
static int sieve_check_require(struct sieve_check *c)
{
	const struct sieve_strl *l = &c->n->pos[0];
	size_t k, e;

	if (c->p->depth > 0 || c->p->seen_other) {
		sieve_parse_fail(c->p, c->n->line, c->n->col,
				 "require: must come before any other command, at the top level");
		return -1;
	}
	for (k = 0; k < l->n; k++) {
		for (e = 0; e < N_ELEMENTS(sieve_exts); e++)
			if (strcmp(l->v[k].s, sieve_exts[e].name) == 0)
				break;
		if (e == N_ELEMENTS(sieve_exts)) {
			sieve_parse_fail(c->p, c->n->line, c->n->col,
					 "require: unsupported extension \"%s\"", l->v[k].s);
			return -1;
		}
		c->p->s->exts |= sieve_exts[e].bit;
	}
	return 0;
}

/* Builds and checks the node for r. test: r is used as a test. */
static struct sieve_node *sieve_check_raw(struct sieve_parser *p, const struct sieve_raw *r,
					  int test, int has_block)
{
	const struct sieve_spec *sp = sieve_spec_find(r->name);
	struct sieve_check c;
	struct sieve_node *n;

	if (sp == NULL) {
		sieve_parse_fail(p, r->line, r->col, "unknown %s \"%s\"",
				 test ? "test" : "command", r->name);
		return NULL;
	}
	if (sp->test != test) {
		sieve_parse_fail(p, r->line, r->col, "\"%s\" is a %s, not a %s%s", r->name,
				 test ? "command" : "test", test ? "test" : "command",
				 test ? " (a missing ';' or '{' before it?)" : "");
		return NULL;
	}
	if (sp->ext != 0 && (p->s->exts & sp->ext) == 0) {
		sieve_parse_fail(p, r->line, r->col, "%s \"%s\" needs require \"%s\"",
				 test ? "test" : "command", r->name, sieve_ext_name(sp->ext));
		return NULL;
	}
	n = arena_zalloc(p->s->arena, sizeof(*n));
	n->id = sp->id;
	n->line = r->line;
	n->col = r->col;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.sp = sp;
	c.r = r;
	c.n = n;
	while (c.i < r->args.count) {
		const struct sieve_rawarg *a = (const struct sieve_rawarg *)r->args.v + c.i;
		if (a->type != SIEVE_T_TAG)
			break;
		c.i++;
		if (sieve_check_tag(&c, a) < 0)
			return NULL;
	}
	if (sieve_check_positional(&c) < 0 || sieve_check_shape(&c, has_block) < 0 ||
	    sieve_check_mt_cmp(&c) < 0)
		return NULL;
	if (n->id == SIEVE_REQUIRE && sieve_check_require(&c) < 0)
		return NULL;
	if (sieve_check_values(&c) < 0)
		return NULL;
	return n;
}

static int sieve_parse_enter(struct sieve_parser *p, unsigned int line, unsigned int col)
{
	if (++p->depth > SIEVE_MAX_NESTING) {
		sieve_parse_fail(p, line, col, "nested more than %d levels deep", SIEVE_MAX_NESTING);
		return -1;
	}
	return 0;
}

static struct sieve_node *sieve_parse_test(struct sieve_parser *p)
{
	struct sieve_raw r;
	struct sieve_node *n;

	if (sieve_parse_lexerr(p) < 0)
		return NULL;
	if (p->lx.tok.type != SIEVE_T_IDENT) {
		sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col, "expected a test, found %s",
				 sieve_lex_describe(&p->lx.tok));
		return NULL;
	}
	if (sieve_parse_enter(p, p->lx.tok.line, p->lx.tok.col) < 0 ||
	    sieve_parse_raw(p, &r) < 0)
		return NULL;
	n = sieve_check_raw(p, &r, 1, 0);
	p->depth--;
	return n;
}

static struct sieve_node *sieve_parse_commands(struct sieve_parser *p, int top);

/* The command in r is complete up to ';' or its block. prev: the command
   before it in the same block, for elsif/else. */
static struct sieve_node *sieve_parse_command(struct sieve_parser *p, struct sieve_node *prev)
{
	struct sieve_raw r;
	struct sieve_node *n, *block = NULL;
	int has_block;

	if (sieve_parse_raw(p, &r) < 0)
		return NULL;
	has_block = p->lx.tok.type == SIEVE_T_LBRACE;
	if (has_block) {
		if (sieve_parse_enter(p, p->lx.tok.line, p->lx.tok.col) < 0)
			return NULL;
		sieve_lex_next(&p->lx);
		block = sieve_parse_commands(p, 0);
		if (p->err != NULL || sieve_parse_expect(p, SIEVE_T_RBRACE, "'}'") < 0)
			return NULL;
		p->depth--;
	} else if (sieve_parse_expect(p, SIEVE_T_SEMI, "';'") < 0) {
		return NULL;
	}
	if ((n = sieve_check_raw(p, &r, 0, has_block)) == NULL)
		return NULL;
	n->block = block;
	if (n->id == SIEVE_ELSIF || n->id == SIEVE_ELSE) {
		while (prev != NULL && prev->alt != NULL)
			prev = prev->alt;
		if (prev == NULL || (prev->id != SIEVE_IF && prev->id != SIEVE_ELSIF)) {
			sieve_parse_fail(p, n->line, n->col, "%s without a preceding if",
					 n->id == SIEVE_ELSE ? "else" : "elsif");
			return NULL;
		}
	}
	if (n->id != SIEVE_REQUIRE)
		p->seen_other = 1;
	return n;
}

/* commands up to '}' or the end; NULL for none (or on error: p->err). */
static struct sieve_node *sieve_parse_commands(struct sieve_parser *p, int top)
{
	struct sieve_node *first = NULL, *last = NULL;

	for (;;) {
		struct sieve_node *n;

		if (sieve_parse_lexerr(p) < 0)
			return NULL;
		if (p->lx.tok.type == SIEVE_T_EOF && top)
			break;
		if (p->lx.tok.type == SIEVE_T_RBRACE && !top)
			break;
		if (p->lx.tok.type == SIEVE_T_EOF) {
			sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col,
					 "end of script inside a block: expected '}'");
			return NULL;
		}
		if (p->lx.tok.type != SIEVE_T_IDENT) {
			sieve_parse_fail(p, p->lx.tok.line, p->lx.tok.col,
					 "expected a command, found %s",
					 sieve_lex_describe(&p->lx.tok));
			return NULL;
		}
		if ((n = sieve_parse_command(p, last)) == NULL)
			return NULL;
		if (n->id == SIEVE_ELSIF || n->id == SIEVE_ELSE) {
			/* chained onto the if: not a command of the block */
			struct sieve_node *q = last;
			while (q->alt != NULL)
				q = q->alt;
			q->alt = n;
			continue;
		}
		if (last == NULL)
			first = n;
		else
			last->next = n;
		last = n;
	}
	return first;
}

static void sieve_parse_init(struct sieve_parser *p, const char *name, const char *text,
			     size_t len)
{
	struct sieve_script *s;
	struct arena *a = arena_new(16384);

	s = arena_zalloc(a, sizeof(*s));
	s->arena = a;
	s->name = arena_strdup(a, name);
	memset(p, 0, sizeof(*p));
	p->s = s;
	p->name = s->name;
	sieve_lex_init(&p->lx, a, text, len);
}

struct sieve_script *sieve_parse(const char *name, const char *text, size_t len, char **err_r)
{
	struct sieve_parser p;

	*err_r = NULL;
	sieve_parse_init(&p, name, text, len);
	if (len > SIEVE_MAX_SCRIPT) {
		sieve_parse_fail(&p, 1, 1, "script larger than %zu bytes", (size_t)SIEVE_MAX_SCRIPT);
	} else if (memchr(text, '\0', len) != NULL) {
		sieve_parse_fail(&p, 1, 1, "script contains a NUL byte");
	} else {
		sieve_lex_next(&p.lx);
		p.s->first = sieve_parse_commands(&p, 1);
	}
	if (p.err != NULL) {
		*err_r = p.err;
		sieve_free(&p.s);
		return NULL;
	}
	return p.s;
}

void sieve_free(struct sieve_script **sp)
{
	struct arena *a;

	if (*sp == NULL)
		return;
	a = (*sp)->arena;
	*sp = NULL;
	arena_free(&a);
}
