/*
 * meta.c - meta rule expressions: parsing into a small reverse-Polish
 * program and evaluating it over the hit counts of other rules.
 *
 * The language is the Perl subset SpamAssassin's meta rules use
 * (Conf::Parser's ARITH_EXPRESSION_LEXER): rule names (value = hit
 * count), numbers, ! unary - + * / + - < > <= >= == != ^ && || ?: and
 * parentheses, plus rules_matching(GLOB). Perl precedence and Perl
 * values: "a && b" is a's value when false, else b's; "a || b" a's
 * when true, else b's; comparisons give 1 or 0; division by zero gives
 * 0 (Perl would die and SpamAssassin would treat the meta as not hit).
 *
 * Limits: META_MAX_DEPTH nesting, META_MAX_INSNS instructions.
 * Ownership: the program lives in the given arena.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_int.h"

struct mp {
	struct arena *a;
	const char *p;
	const char *err;
	int depth;
	size_t sp, max_sp;
	struct arena_vec code;  /* struct meta_insn */
	struct arena_vec refs;  /* const char * */
	meta_glob_fn glob_fn;
	void *ud;
};

static void emit(struct mp *m, enum meta_op op, double num, unsigned int ref)
{
	struct meta_insn *i;

	if (m->err != NULL)
		return;
	if (m->code.count >= META_MAX_INSNS) {
		m->err = "meta expression too long";
		return;
	}
	i = ARENA_VEC_PUSH(m->a, &m->code, struct meta_insn);
	i->op = op;
	i->num = num;
	i->ref = ref;
	switch (op) {
	case M_NUM: case M_RULE:
		m->sp++;
		break;
	case M_NOT: case M_NEG:
		break;
	case M_COND:
		m->sp -= 2;
		break;
	default:
		m->sp--;
		break;
	}
	if (m->sp > m->max_sp)
		m->max_sp = m->sp;
}

static void ws(struct mp *m)
{
	while (isspace((unsigned char)*m->p))
		m->p++;
}

static unsigned int ref_of(struct mp *m, const char *name, size_t n)
{
	const char **v = m->refs.v;
	size_t i;

	for (i = 0; i < m->refs.count; i++)
		if (strlen(v[i]) == n && memcmp(v[i], name, n) == 0)
			return (unsigned int)i;
	*ARENA_VEC_PUSH(m->a, &m->refs, const char *) = arena_strndup(m->a, name, n);
	return (unsigned int)(m->refs.count - 1);
}

static void expr(struct mp *m);

static void rules_matching(struct mp *m)
{
	const char *g0, *saved, *exp;
	char *glob;

	ws(m);
	if (*m->p != '(') {
		m->err = "rules_matching without (";
		return;
	}
	m->p++;
	ws(m);
	g0 = m->p;
	while (isalnum((unsigned char)*m->p) || *m->p == '_' || *m->p == '*' || *m->p == '?')
		m->p++;
	glob = arena_strndup(m->a, g0, (size_t)(m->p - g0));
	ws(m);
	if (*m->p != ')' || *glob == '\0') {
		m->err = "bad rules_matching()";
		return;
	}
	m->p++;
	exp = m->glob_fn != NULL ? m->glob_fn(m->ud, glob) : "0";
	saved = m->p;
	m->p = exp;
	expr(m);
	ws(m);
	if (m->err == NULL && *m->p != '\0')
		m->err = "bad rules_matching() expansion";
	m->p = saved;
}

static void unary(struct mp *m)
{
	ws(m);
	if (++m->depth > META_MAX_DEPTH) {
		m->err = "meta expression nested too deep";
		return;
	}
	if (*m->p == '!' && m->p[1] != '=') {
		m->p++;
		unary(m);
		emit(m, M_NOT, 0, 0);
	} else if (*m->p == '-') {
		m->p++;
		unary(m);
		emit(m, M_NEG, 0, 0);
	} else if (*m->p == '+') {
		m->p++;
		unary(m);
	} else if (*m->p == '(') {
		m->p++;
		ws(m);
		if (*m->p == ')') {
			/* "()" declares a rule set from outside (SA bug 8061): 0 */
			m->p++;
			emit(m, M_NUM, 0, 0);
		} else {
			expr(m);
			ws(m);
			if (*m->p != ')') {
				if (m->err == NULL)
					m->err = "missing )";
			} else
				m->p++;
		}
	} else if (isdigit((unsigned char)*m->p) || (*m->p == '.' && isdigit((unsigned char)m->p[1]))) {
		char *end;
		double v = strtod(m->p, &end);
		if (end == m->p) {
			m->err = "bad number";
		} else {
			m->p = end;
			emit(m, M_NUM, v, 0);
		}
	} else if (isalpha((unsigned char)*m->p) || *m->p == '_') {
		const char *s = m->p;
		while (isalnum((unsigned char)*m->p) || *m->p == '_')
			m->p++;
		if ((size_t)(m->p - s) == 14 && memcmp(s, "rules_matching", 14) == 0)
			rules_matching(m);
		else if ((size_t)(m->p - s) > 128)
			m->err = "rule name too long";
		else
			emit(m, M_RULE, 0, ref_of(m, s, (size_t)(m->p - s)));
	} else if (m->err == NULL) {
		m->err = *m->p == '\0' ? "unexpected end of expression" : "unexpected character";
	}
	m->depth--;
}

static void mul(struct mp *m)
{
	unary(m);
	for (;;) {
		ws(m);
		if (m->err != NULL)
			return;
		if (*m->p == '*') {
			m->p++;
			unary(m);
			emit(m, M_MUL, 0, 0);
		} else if (*m->p == '/') {
			m->p++;
			unary(m);
			emit(m, M_DIV, 0, 0);
		} else
			return;
	}
}

static void add(struct mp *m)
{
	mul(m);
	for (;;) {
		ws(m);
		if (m->err != NULL)
			return;
		if (*m->p == '+') {
			m->p++;
			mul(m);
			emit(m, M_ADD, 0, 0);
		} else if (*m->p == '-') {
			m->p++;
			mul(m);
			emit(m, M_SUB, 0, 0);
		} else
			return;
	}
}

static void rel(struct mp *m)
{
	add(m);
	for (;;) {
		enum meta_op op;
		ws(m);
		if (m->err != NULL)
			return;
		if (m->p[0] == '>' && m->p[1] == '=')
			op = M_GE, m->p += 2;
		else if (m->p[0] == '<' && m->p[1] == '=')
			op = M_LE, m->p += 2;
		else if (m->p[0] == '>')
			op = M_GT, m->p++;
		else if (m->p[0] == '<')
			op = M_LT, m->p++;
		else
			return;
		add(m);
		emit(m, op, 0, 0);
	}
}

static void eq(struct mp *m)
{
	rel(m);
	for (;;) {
		enum meta_op op;
		ws(m);
		if (m->err != NULL)
			return;
		if (m->p[0] == '=' && m->p[1] == '=')
			op = M_EQ;
		else if (m->p[0] == '!' && m->p[1] == '=')
			op = M_NE;
		else
			return;
		m->p += 2;
		rel(m);
		emit(m, op, 0, 0);
	}
}

static void band(struct mp *m)
{
	eq(m);
	for (;;) {
		ws(m);
		if (m->err != NULL || m->p[0] != '&' || m->p[1] == '&')
			return;
		m->p++;
		eq(m);
		emit(m, M_BAND, 0, 0);
	}
}

static void bor(struct mp *m)
{
	band(m);
	for (;;) {
		enum meta_op op;
		ws(m);
		if (m->err != NULL)
			return;
		if (m->p[0] == '^')
			op = M_XOR;
		else if (m->p[0] == '|' && m->p[1] != '|')
			op = M_BOR;
		else
			return;
		m->p++;
		band(m);
		emit(m, op, 0, 0);
	}
}

static void land(struct mp *m)
{
	bor(m);
	for (;;) {
		ws(m);
		if (m->err != NULL || m->p[0] != '&' || m->p[1] != '&')
			return;
		m->p += 2;
		bor(m);
		emit(m, M_AND, 0, 0);
	}
}

static void lor(struct mp *m)
{
	land(m);
	for (;;) {
		ws(m);
		if (m->err != NULL || m->p[0] != '|' || m->p[1] != '|')
			return;
		m->p += 2;
		land(m);
		emit(m, M_OR, 0, 0);
	}
}

static void expr(struct mp *m)
{
	if (++m->depth > META_MAX_DEPTH) {
		m->err = "meta expression nested too deep";
		return;
	}
	lor(m);
	ws(m);
	if (m->err == NULL && *m->p == '?') {
		m->p++;
		expr(m);
		ws(m);
		if (m->err == NULL && *m->p != ':')
			m->err = "? without :";
		else if (m->err == NULL) {
			m->p++;
			expr(m);
			emit(m, M_COND, 0, 0);
		}
	}
	m->depth--;
}

struct meta_prog *meta_parse(struct arena *a, const char *src, meta_glob_fn glob_fn,
			     void *ud, const char **err_r)
{
	struct mp m;
	struct meta_prog *prog;

	memset(&m, 0, sizeof(m));
	m.a = a;
	m.p = src;
	m.glob_fn = glob_fn;
	m.ud = ud;
	expr(&m);
	ws(&m);
	if (m.err == NULL && *m.p != '\0')
		m.err = "unexpected text after expression";
	if (m.err == NULL && m.code.count == 0)
		m.err = "empty expression";
	if (m.err != NULL) {
		*err_r = m.err;
		return NULL;
	}
	prog = arena_zalloc(a, sizeof(*prog));
	prog->code = m.code.v;
	prog->n = m.code.count;
	prog->refs = m.refs.v;
	prog->nrefs = m.refs.count;
	prog->max_stack = m.max_sp;
	return prog;
}

static long long to_int(double d)
{
	if (d != d)
		return 0;
	if (d > 9e18)
		return (long long)9e18;
	if (d < -9e18)
		return (long long)-9e18;
	return (long long)d;
}

/* Applies one operator (not M_NUM, M_RULE) to the stack; returns the
   new stack depth. */
static size_t meta_apply(enum meta_op op, double *stack, size_t sp)
{
	double a, b;

	switch (op) {
	case M_NOT:
		stack[sp - 1] = stack[sp - 1] != 0 ? 0 : 1;
		return sp;
	case M_NEG:
		stack[sp - 1] = -stack[sp - 1];
		return sp;
	case M_COND:
		sp -= 2;
		stack[sp - 1] = stack[sp - 1] != 0 ? stack[sp] : stack[sp + 1];
		return sp;
	default:
		break;
	}
	b = stack[--sp];
	a = stack[sp - 1];
	switch (op) {
	case M_ADD: a = a + b; break;
	case M_SUB: a = a - b; break;
	case M_MUL: a = a * b; break;
	case M_DIV: a = b != 0 ? a / b : 0; break;
	case M_GT: a = a > b; break;
	case M_LT: a = a < b; break;
	case M_GE: a = a >= b; break;
	case M_LE: a = a <= b; break;
	case M_EQ: a = a == b; break;
	case M_NE: a = a != b; break;
	case M_AND: a = a != 0 ? b : a; break;
	case M_OR: a = a != 0 ? a : b; break;
	case M_XOR: a = (double)(to_int(a) ^ to_int(b)); break;
	case M_BAND: a = (double)(to_int(a) & to_int(b)); break;
	case M_BOR: a = (double)(to_int(a) | to_int(b)); break;
	default: break;
	}
	stack[sp - 1] = a;
	return sp;
}

double meta_eval(const struct meta_prog *prog, const double *vals, double *stack)
{
	size_t i, sp = 0;

	for (i = 0; i < prog->n; i++) {
		const struct meta_insn *in = &prog->code[i];
		if (in->op == M_NUM)
			stack[sp++] = in->num;
		else if (in->op == M_RULE)
			stack[sp++] = vals[in->ref];
		else
			sp = meta_apply(in->op, stack, sp);
	}
	return sp > 0 ? stack[sp - 1] : 0;
}

/* ---- short-circuit programs ----
 *
 * meta_resolve turns a program into a tree, orders the operands of each
 * && and || chain whose operands are all 0 or 1 by cost (then the order
 * cannot change the value), and emits code that jumps over what it need
 * not evaluate, as Perl does: "a && b" never looks at b when a is 0.
 * A chain also starts with a look at its later operands that are plain
 * references (M_PEEK): one already known (ready) to be 0 in an && chain,
 * or true in a || chain of 0/1 values, is the chain's value, and nothing
 * unknown before it is worked out.
 * References are resolved to indexes of the caller's value array, so an
 * operand can be worked out only when it is needed (meta_run's fn). */

struct mnode {
	enum meta_op op;
	uint32_t arg;            /* M_RULE: value index; M_NUM: nums index */
	struct mnode *kid[3];
	int boolean;             /* its value is always 0 or 1 */
	unsigned int cost;
};

struct mbuild {
	struct arena *a;
	const struct meta_prog *prog;
	const unsigned int *idx;
	unsigned int missing;
	const struct meta_ref_info *info;
	double *nums;
	size_t nnum;
	struct meta_sinsn *code;
	size_t n;
	uint32_t *peek;
	size_t npeek;
};

static int op_boolean(enum meta_op op)
{
	return op == M_NOT || (op >= M_GT && op <= M_NE);
}

static struct mnode *mnode_new(struct mbuild *b, enum meta_op op)
{
	struct mnode *n = arena_zalloc(b->a, sizeof(*n));

	n->op = op;
	return n;
}

static struct mnode *leaf(struct mbuild *b, const struct meta_insn *in)
{
	struct mnode *n = mnode_new(b, in->op);

	if (in->op == M_NUM) {
		b->nums[b->nnum] = in->num;
		n->arg = (uint32_t)b->nnum++;
		n->boolean = in->num == 0 || in->num == 1;
		return n;
	}
	n->arg = b->idx[in->ref] != ~0u ? b->idx[in->ref] : b->missing;
	n->boolean = b->info->boolean(b->info->ud, n->arg);
	n->cost = b->info->cost(b->info->ud, n->arg);
	return n;
}

static int arity(enum meta_op op)
{
	return op == M_NOT || op == M_NEG ? 1 : op == M_COND ? 3 : 2;
}

static struct mnode *build_tree(struct mbuild *b)
{
	struct mnode **st = arena_alloc(b->a, (b->prog->n + 1) * sizeof(*st));
	size_t i, sp = 0;
	int k;

	for (i = 0; i < b->prog->n; i++) {
		const struct meta_insn *in = &b->prog->code[i];
		struct mnode *n;
		if (in->op == M_NUM || in->op == M_RULE) {
			st[sp++] = leaf(b, in);
			continue;
		}
		n = mnode_new(b, in->op);
		for (k = arity(in->op) - 1; k >= 0; k--)
			n->kid[k] = st[--sp];
		n->boolean = op_boolean(in->op);
		for (k = 0; k < arity(in->op); k++)
			n->cost += n->kid[k]->cost;
		if (in->op == M_AND || in->op == M_OR)
			n->boolean = n->kid[0]->boolean && n->kid[1]->boolean;
		if (in->op == M_COND)
			n->boolean = n->kid[1]->boolean && n->kid[2]->boolean;
		st[sp++] = n;
	}
	return sp == 1 ? st[0] : NULL;
}

/* The operands of a chain of one && or || operator, left to right. */
static size_t chain(struct mnode *n, enum meta_op op, struct mnode **out, size_t max, size_t k)
{
	if (n->op == op && k < max) {
		k = chain(n->kid[0], op, out, max, k);
		return chain(n->kid[1], op, out, max, k);
	}
	if (k < max)
		out[k] = n;
	return k + 1;
}

static void emit_one(struct mbuild *b, enum meta_op op, uint32_t arg)
{
	b->code[b->n].op = (uint32_t)op;
	b->code[b->n].arg = arg;
	b->n++;
}

static size_t emit_node(struct mbuild *b, const struct mnode *n);

#define META_CHAIN_MAX 256

#define PEEK_NOT 0x80000000u /* in a peek entry: the operand is !value */

/* The peek entry of a reference or a negated reference; 0 if n is
   neither. */
static int peek_entry(const struct mnode *n, uint32_t *e_r)
{
	if (n->op == M_NOT)
		return n->kid[0]->op == M_RULE && n->kid[0]->arg < PEEK_NOT &&
		       (*e_r = n->kid[0]->arg | PEEK_NOT, 1);
	return n->op == M_RULE && n->arg < PEEK_NOT && (*e_r = n->arg, 1);
}

/* An M_PEEK over the references (or negated references) among
   v[1..cnt-1] (v[0] is looked at first anyway), when a known one can
   decide: any 0 decides an && chain; a true one decides a || chain only
   if all are 0/1 (else the value would be the first true one's).
   Returns where the chain's end goes, or NULL. */
static uint32_t *emit_peek(struct mbuild *b, enum meta_op op, int boolean,
			   struct mnode *const *v, size_t cnt)
{
	size_t i, np = 0, at = b->npeek;
	uint32_t e;

	for (i = 1; i < cnt; i++)
		np += (size_t)peek_entry(v[i], &e);
	if (np == 0 || (op == M_OR && !boolean))
		return NULL;
	emit_one(b, M_PEEK, (uint32_t)at);
	b->peek[b->npeek++] = (uint32_t)np;
	b->peek[b->npeek++] = 0;
	b->peek[b->npeek++] = (uint32_t)op;
	for (i = 1; i < cnt; i++)
		if (peek_entry(v[i], &e))
			b->peek[b->npeek++] = e;
	return &b->peek[at + 1];
}

/* Emits a chain; returns the stack it needs. */
static size_t emit_chain(struct mbuild *b, struct mnode *n)
{
	struct mnode *v[META_CHAIN_MAX];
	size_t cnt = chain(n, n->op, v, META_CHAIN_MAX, 0), i, k, need = 0, *jumps;
	uint32_t *peek;

	if (cnt > META_CHAIN_MAX)
		return 0; /* cannot happen: META_MAX_INSNS keeps chains short */
	if (n->boolean) {
		/* stable insertion sort, cheapest first */
		for (i = 1; i < cnt; i++) {
			struct mnode *t = v[i];
			for (k = i; k > 0 && v[k - 1]->cost > t->cost; k--)
				v[k] = v[k - 1];
			v[k] = t;
		}
	}
	peek = emit_peek(b, n->op, n->boolean, v, cnt);
	jumps = arena_alloc(b->a, cnt * sizeof(size_t));
	for (i = 0; i < cnt; i++) {
		size_t nd = emit_node(b, v[i]);
		if (nd > need)
			need = nd;
		if (i + 1 < cnt) {
			jumps[i] = b->n;
			emit_one(b, n->op == M_AND ? M_ANDJ : M_ORJ, 0);
		}
	}
	for (i = 0; i + 1 < cnt; i++)
		b->code[jumps[i]].arg = (uint32_t)b->n;
	if (peek != NULL)
		*peek = (uint32_t)b->n;
	return need;
}

/* Emits n; returns the stack depth it needs. */
static size_t emit_node(struct mbuild *b, const struct mnode *n)
{
	size_t need = 0, d;
	int k;

	if (n->op == M_NUM || n->op == M_RULE) {
		emit_one(b, n->op, n->arg);
		return 1;
	}
	if (n->op == M_AND || n->op == M_OR)
		return emit_chain(b, (struct mnode *)n);
	for (k = 0; k < arity(n->op); k++) {
		d = (size_t)k + emit_node(b, n->kid[k]);
		if (d > need)
			need = d;
	}
	emit_one(b, n->op, 0);
	return need;
}

struct meta_sprog *meta_resolve(struct arena *a, const struct meta_prog *prog,
				const unsigned int *idx, unsigned int missing,
				const struct meta_ref_info *info)
{
	struct meta_sprog *out = arena_zalloc(a, sizeof(*out));
	struct mbuild b;
	struct mnode *root;

	memset(&b, 0, sizeof(b));
	b.a = a;
	b.prog = prog;
	b.idx = idx;
	b.missing = missing;
	b.info = info;
	b.nums = arena_alloc(a, (prog->n + 1) * sizeof(double));
	/* every && and || adds at most one jump per operand, and a chain
	   one M_PEEK with at most 3 + operands entries */
	b.code = arena_alloc(a, (3 * prog->n + 1) * sizeof(*b.code));
	b.peek = arena_alloc(a, (4 * prog->n + 1) * sizeof(*b.peek));
	root = build_tree(&b);
	if (root == NULL)
		return NULL;
	out->max_stack = emit_node(&b, root);
	out->code = b.code;
	out->n = b.n;
	out->nums = b.nums;
	out->peek = b.peek;
	out->cost = root->cost;
	out->boolean = root->boolean;
	return out;
}

/* Does a known operand of this M_PEEK decide its chain? Then *out is
   the chain's value. */
static int peek_decides(const uint32_t *p, const double *vals, const unsigned char *ready,
			double *out)
{
	uint32_t k;

	for (k = 0; k < p[0]; k++) {
		uint32_t x = p[3 + k] & ~PEEK_NOT;
		double v;
		if (!ready[x])
			continue;
		v = vals[x];
		if (p[3 + k] & PEEK_NOT)
			v = v == 0;
		if ((p[2] == M_AND) == (v == 0)) {
			*out = v;
			return 1;
		}
	}
	return 0;
}

double meta_run(const struct meta_sprog *prog, const double *vals, const unsigned char *ready,
		meta_value_fn fn, void *ud, double *stack)
{
	size_t pc, sp = 0;

	for (pc = 0; pc < prog->n; pc++) {
		const struct meta_sinsn *in = &prog->code[pc];
		switch ((enum meta_op)in->op) {
		case M_RULE:
			stack[sp++] = ready[in->arg] ? vals[in->arg] : fn(ud, in->arg);
			break;
		case M_NUM:
			stack[sp++] = prog->nums[in->arg];
			break;
		case M_ANDJ:
			if (stack[sp - 1] == 0)
				pc = in->arg - 1; /* a false operand is the value */
			else
				sp--;
			break;
		case M_ORJ:
			if (stack[sp - 1] != 0)
				pc = in->arg - 1; /* a true operand is the value */
			else
				sp--;
			break;
		case M_PEEK:
			if (peek_decides(prog->peek + in->arg, vals, ready, &stack[sp])) {
				sp++;
				pc = prog->peek[in->arg + 1] - 1;
			}
			break;
		default:
			sp = meta_apply((enum meta_op)in->op, stack, sp);
			break;
		}
	}
	return sp > 0 ? stack[sp - 1] : 0;
}
