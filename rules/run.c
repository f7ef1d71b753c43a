/*
 * run.c - running a compiled ruleset over one message: header, body,
 * rawbody, full, uri, mimeheader and uri_detail rules, eval functions,
 * then metas in dependency order; scoring in the current score set.
 *
 * SpamAssassin semantics kept (Plugin::Check, PerMsgStatus::got_hit):
 *  - a rule whose score is 0 in the score set is not run; metas see 0;
 *  - tflags net rules run only with network checks, tflags learn rules
 *    only with Bayes;
 *  - an unset header is matched as "" (so "!~" hits), unless
 *    [if-unset: X] gives a value;
 *  - a rule hits once, except tflags multiple (every match, up to
 *    maxhits or WN_RULE_MAX_MULTIPLE), scored once per hit;
 *  - a meta's value is its expression's value; rules referenced see the
 *    hit count of what they name.
 * Body and rawbody rules are first tried against all lines joined with
 * "\n" under PCRE2_MULTILINE (r->pre, see compile.c); only rules that
 * match there are run line by line. Rules PCRE2 cannot start quickly
 * (any of many first bytes) are instead run only on the lines that hold
 * their required literals (window_lines).
 *
 * Limits: PCRE2 match and depth limits from WN_RULE_MATCH_LIMIT; a match
 * that hits a limit counts as no match.
 * Ownership: per-message data in the message arena.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/limits.h"
#include "lib/uri.h"
#include "rules/eval_int.h"
#include "rules/rule_int.h"

struct run {
	const struct ruleset *rs;
	struct rule_ctx *ctx;
	struct hit_list *hits;
	unsigned int set;
	double *vals;            /* per rule index: hit value seen by metas */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	const char *body_joined;
	size_t body_joined_len;
	const char *raw_joined;
	size_t raw_joined_len;
	const char *low[RULE_T_COUNT]; /* body, rawbody: the joined text lowercased */
	size_t *offs[RULE_T_COUNT];    /* and where each of its lines starts */
	unsigned char *wmark;    /* lines to try (window_lines), wmark_cap long */
	size_t wmark_cap;
	unsigned char *marks;    /* per rule index: a prefilter literal occurs */
	unsigned char ascii[RULE_T_COUNT]; /* that type's text has no byte >= 0x80 */
	unsigned char *smarks;   /* body rules: a squeezed-text literal occurs */
	int body_amp;            /* the body text has a '&' */
	unsigned char *ready;    /* per rule index: vals[] is final (lazy
				    rules not yet asked for are not) */
	double **stacks;         /* meta stacks per nesting level */
	size_t nstacks, meta_depth;
	unsigned int since_clock; /* rules run since the clock was read */
};

/* Past the scan's deadline? The clock is read every 64 rules. */
static int out_of_time(struct run *rn)
{
	struct timespec ts;

	if (rn->ctx->deadline <= 0 || rn->since_clock++ % 64 != 0)
		return rn->ctx->timed_out;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 > rn->ctx->deadline)
		rn->ctx->timed_out = 1;
	return rn->ctx->timed_out;
}

struct rule_ctx *rule_ctx_new(struct arena *a, const struct ruleset *rs,
			      const struct msg *msg, const struct msg_envelope *env,
			      const struct msg_facts *facts)
{
	struct rule_ctx *ctx = arena_zalloc(a, sizeof(*ctx));

	ctx->arena = a;
	ctx->rs = rs;
	ctx->msg = msg;
	ctx->env = env;
	ctx->facts = facts;
	return ctx;
}

/* ---- matching ---- */

/* Rule regexes are JIT-compiled the first time they run: many never do
   (their literals are rare, or no meta needs them), and compiling them
   all made up much of the start-up. One lock guards the compiling; a
   regex is never matched before its state says what it is. */
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

struct rx {
	const pcre2_code *code;
	int jit;                 /* use pcre2_jit_match */
};

static struct rx rule_rx(const struct run *rn, const struct rule *r, int pre)
{
	unsigned char *st = &rn->rs->jit_state[2 * r->idx + (pre ? 1 : 0)];
	struct rx x;
	unsigned char s = __atomic_load_n(st, __ATOMIC_ACQUIRE);

	x.code = pre ? r->pre : r->code;
	if (s == 0) {
		pthread_mutex_lock(&jit_lock);
		s = __atomic_load_n(st, __ATOMIC_ACQUIRE);
		if (s == 0) {
			s = pcre2_jit_compile((pcre2_code *)x.code, PCRE2_JIT_COMPLETE) == 0 ? 1 : 2;
			__atomic_store_n(st, s, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&jit_lock);
	}
	x.jit = s == 1;
	return x;
}

static struct rx plain_rx(const pcre2_code *code)
{
	struct rx x = { code, 0 };

	return x;
}

static int rx_match(const struct run *rn, struct rx x, const char *s, size_t len,
		    PCRE2_SIZE ofs)
{
	if (x.jit)
		return pcre2_jit_match(x.code, (PCRE2_SPTR)s, len, ofs, 0, rn->md, rn->mc);
	return pcre2_match(x.code, (PCRE2_SPTR)s, len, ofs, 0, rn->md, rn->mc);
}

/* Number of matches of code in s from offset ofs on (at most max). */
static unsigned int count_from(struct run *rn, struct rx code, const char *s,
			       size_t len, PCRE2_SIZE ofs, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && ofs <= len) {
		PCRE2_SIZE *ov;
		int rc = rx_match(rn, code, s, len, ofs);
		if (rc < 0)
			break;
		n++;
		ov = pcre2_get_ovector_pointer(rn->md);
		ofs = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	return n;
}

static unsigned int count_matches(struct run *rn, struct rx code, const char *s,
				  size_t len, unsigned int max)
{
	return count_from(rn, code, s, len, 0, max);
}

static int matches(struct run *rn, struct rx code, const char *s, size_t len)
{
	return rx_match(rn, code, s, len, 0) >= 0;
}

static unsigned int rule_max_hits(const struct rule *r)
{
	if (!(r->tflags & TF_MULTIPLE))
		return 1;
	if (r->maxhits > 0 && r->maxhits < WN_RULE_MAX_MULTIPLE)
		return r->maxhits;
	return WN_RULE_MAX_MULTIPLE;
}

/* ---- recording hits ---- */

static double rule_score(const struct run *rn, const struct rule *r)
{
	return r->score[rn->set & 3];
}

static void got_hit(struct run *rn, const struct rule *r, double value)
{
	struct hit *h;
	unsigned int count;

	if (value <= 0)
		value = 1;
	rn->vals[r->idx] += value;
	count = (r->tflags & TF_MULTIPLE) ? (unsigned int)value : 1;
	if (count == 0)
		count = 1;
	h = hits_add(rn->hits, r->name, rule_score(rn, r) * count,
		     r->desc != NULL ? r->desc : "No description available.", r->hit_flags);
	h->count = count;
}

static int run_eval(struct run *rn, const struct rule *r)
{
	struct rule_eval_args a;

	a.argv = r->eval_argv;
	a.argc = r->eval_argc;
	a.type = r->type;
	a.rule = r->name;
	a.header = r->hdr;
	return r->eval->fn(rn->ctx, &a);
}

/* ---- per type ---- */

static void run_header(struct run *rn, const struct rule *r)
{
	const char *v = rule_ctx_get_spec(rn->ctx, r->spec_id, r->hdr);
	unsigned int n;

	if (r->exists) {
		if ((v != NULL) != (r->negate != 0))
			got_hit(rn, r, 1);
		return;
	}
	if (v == NULL)
		v = r->if_unset != NULL ? r->if_unset : "";
	if (r->negate) {
		if (!matches(rn, rule_rx(rn, r, 0), v, strlen(v)))
			got_hit(rn, r, 1);
		return;
	}
	n = count_matches(rn, rule_rx(rn, r, 0), v, strlen(v), rule_max_hits(r));
	if (n > 0)
		got_hit(rn, r, n);
}

static const char *join_lines(struct arena *a, const struct rule_text *t, size_t *len_r)
{
	struct buf b = BUF_INIT;
	const char *out;
	size_t i;

	for (i = 0; i < t->count; i++) {
		buf_append(&b, t->lines[i], t->lens[i]);
		buf_append_char(&b, '\n');
	}
	out = arena_strndup(a, buf_cstr(&b), b.len);
	*len_r = b.len;
	buf_free(&b);
	return out;
}

/* Where each line of t starts in its joined text, and past the end. */
static const size_t *line_offsets(struct run *rn, size_t type, const struct rule_text *t)
{
	size_t i, o = 0, *off;

	if (rn->offs[type] != NULL)
		return rn->offs[type];
	off = arena_alloc(rn->ctx->arena, (t->count + 1) * sizeof(*off));
	for (i = 0; i < t->count; i++) {
		off[i] = o;
		o += t->lens[i] + 1;
	}
	off[t->count] = o;
	rn->offs[type] = off;
	return off;
}

/* Marks in rn->wmark the lines of t that hold the literals r needs
   (all its groups, compile.c window_index): no other line can hold a
   match. 0 if r has no window for this text. */
static int window_lines(struct run *rn, const struct rule *r, const struct rule_text *t)
{
	int ascii = rn->ascii[r->type];
	const struct lit_index *ix = ascii ? r->win_aix : r->win_lix;
	unsigned char mask = ascii ? r->areq.mask : r->lreq.mask;
	const char *low = rn->low[r->type];
	const size_t *off;
	size_t i;

	if (ix == NULL || low == NULL)
		return 0;
	off = line_offsets(rn, r->type, t);
	if (rn->wmark_cap < t->count) {
		rn->wmark = arena_alloc(rn->ctx->arena, t->count);
		rn->wmark_cap = t->count;
	}
	for (i = 0; i < t->count; i++) {
		unsigned char m = 0;
		lit_index_scan(ix, low + off[i], t->lens[i], &m);
		rn->wmark[i] = (m & mask) == mask;
	}
	return 1;
}

/* The rule line by line, on the marked lines only. */
static void run_window(struct run *rn, const struct rule *r, const struct rule_text *t,
		       size_t i)
{
	unsigned int max = rule_max_hits(r), n = 0;

	for (; i < t->count && n < max; i++)
		if (rn->wmark[i])
			n += count_matches(rn, rule_rx(rn, r, 0), t->lines[i], t->lens[i], max - n);
	if (n > 0)
		got_hit(rn, r, n);
}

static void run_lines(struct run *rn, const struct rule *r, const struct rule_text *t,
		      const char *joined, size_t joined_len)
{
	unsigned int max = rule_max_hits(r), n = 0;
	size_t i = (r->type == RULE_T_BODY && (r->tflags & TF_NOSUBJECT)) ? 1 : 0;

	if (window_lines(rn, r, t)) {
		run_window(rn, r, t, i);
		return;
	}
	if (r->pre != NULL && !matches(rn, rule_rx(rn, r, 1), joined, joined_len))
		return;
	if (r->pre_same && !matches(rn, rule_rx(rn, r, 0), joined, joined_len))
		return;
	if ((r->pre != NULL || r->pre_same) && r->nl_free &&
	    !(r->tflags & (TF_MULTIPLE | TF_NOSUBJECT))) {
		/* no match spans lines: the joined text's answer is the rule's */
		got_hit(rn, r, 1);
		return;
	}
	if ((r->pre != NULL || r->pre_same) && r->nl_free && r->nonempty) {
		/* nor is any empty: the joined text holds the same matches,
		   line after line */
		n = count_from(rn, rule_rx(rn, r, r->pre != NULL), joined, joined_len,
			       i > 0 && t->count > 0 ? t->lens[0] + 1 : 0, max);
		if (n > 0)
			got_hit(rn, r, n);
		return;
	}
	for (; i < t->count && n < max; i++)
		n += count_matches(rn, rule_rx(rn, r, 0), t->lines[i], t->lens[i], max - n);
	if (n > 0)
		got_hit(rn, r, n);
}

static void run_body(struct run *rn, const struct rule *r)
{
	const struct rule_text *t = rule_ctx_body(rn->ctx);

	if (rn->body_joined == NULL)
		rn->body_joined = join_lines(rn->ctx->arena, t, &rn->body_joined_len);
	run_lines(rn, r, t, rn->body_joined, rn->body_joined_len);
}

static void run_rawbody(struct run *rn, const struct rule *r)
{
	const struct rule_text *t = rule_ctx_rawbody(rn->ctx);

	if (rn->raw_joined == NULL)
		rn->raw_joined = join_lines(rn->ctx->arena, t, &rn->raw_joined_len);
	run_lines(rn, r, t, rn->raw_joined, rn->raw_joined_len);
}

static void run_full(struct run *rn, const struct rule *r)
{
	const struct msg *m = rn->ctx->msg;
	unsigned int n = count_matches(rn, rule_rx(rn, r, 0), m->raw, m->raw_len,
				       rule_max_hits(r));

	if (n > 0)
		got_hit(rn, r, n);
}

static void run_uri(struct run *rn, const struct rule *r)
{
	const struct msg *m = rn->ctx->msg;
	unsigned int max = rule_max_hits(r), n = 0;
	size_t i;

	for (i = 0; i < m->nuris && n < max; i++) {
		const char *u = m->uris[i].uri;
		n += count_matches(rn, rule_rx(rn, r, 0), u, strlen(u), max - n);
	}
	if (n > 0)
		got_hit(rn, r, n);
}

/* mimeheader (Plugin::MIMEHeader): the named field of each MIME part in
   turn, the top-level part included; the first part that matches gives
   the hits (up to maxhits). As SpamAssassin 4.0 does, a negated ("!~")
   mimeheader rule always hits. */
static const char *part_field(struct run *rn, const struct msg_part *p, const char *name,
			      size_t nlen, int raw)
{
	const struct msg_header_list *l = &p->headers;
	size_t k;

	for (k = 0; k < l->count; k++) {
		const struct msg_header *h = &l->v[k];
		if (strlen(h->name) == nlen && strncasecmp(h->name, name, nlen) == 0)
			return raw ? h->value : text_header_decode(rn->ctx->arena, h);
	}
	return NULL;
}

static void run_mimeheader(struct run *rn, const struct rule *r)
{
	const struct msg *m = rn->ctx->msg;
	const char *colon = strchr(r->hdr, ':');
	size_t nlen = colon != NULL ? (size_t)(colon - r->hdr) : strlen(r->hdr);
	int raw = colon != NULL && strcmp(colon, ":raw") == 0;
	size_t i;

	if (r->negate) {
		got_hit(rn, r, 1);
		return;
	}
	for (i = 0; i < m->nparts; i++) {
		const char *v = part_field(rn, m->parts[i], r->hdr, nlen, raw);
		unsigned int n;
		if (v == NULL)
			v = r->if_unset != NULL ? r->if_unset : "";
		n = count_matches(rn, rule_rx(rn, r, 0), v, strlen(v), rule_max_hits(r));
		if (n > 0) {
			got_hit(rn, r, n);
			return;
		}
	}
}

static const char *uri_type(enum msg_uri_source s)
{
	switch (s) {
	case MSG_URI_HREF:
		return "a";
	case MSG_URI_SRC:
		return "img";
	case MSG_URI_TEXT:
		return "parsed";
	default:
		return "other";
	}
}

static const char *ud_value(struct run *rn, const struct msg_uri *u, const char *key)
{
	if (strcmp(key, "raw") == 0 || strcmp(key, "cleaned") == 0)
		return u->uri;
	if (strcmp(key, "text") == 0)
		return u->anchor_text;
	if (strcmp(key, "type") == 0)
		return uri_type(u->source);
	if (strcmp(key, "host") == 0)
		return u->host;
	if (strcmp(key, "domain") == 0)
		return u->host != NULL ? uri_domain(rn->ctx->arena, u->host) : NULL;
	return NULL;
}

static int ud_one(struct run *rn, const struct rule *r, const struct msg_uri *u)
{
	size_t k;

	for (k = 0; k < r->nud; k++) {
		const struct rule_ud_cond *c = &r->ud[k];
		const char *v = ud_value(rn, u, c->key);
		int m = v != NULL && matches(rn, plain_rx(c->code), v, strlen(v));
		if (v == NULL && !c->negate)
			return 0;
		if (v != NULL && m == (c->negate != 0))
			return 0;
	}
	return 1;
}

static void run_uri_detail(struct run *rn, const struct rule *r)
{
	const struct msg *m = rn->ctx->msg;
	size_t i;

	for (i = 0; i < m->nuris; i++) {
		if (ud_one(rn, r, &m->uris[i])) {
			got_hit(rn, r, 1);
			return;
		}
	}
}

/* Can the rule behind g match this message, as far as the literal
   prefilter knows? */
static int gate_open(const struct run *rn, size_t type, const struct rule_gate *g)
{
	if (rn->ascii[type]) {
		/* pure-ASCII text */
		return !g->a_impossible && (rn->marks[g->idx] & g->amask) == g->amask &&
		       (rn->smarks == NULL || (g->s_noamp && rn->body_amp) ||
			(rn->smarks[g->idx] & g->smask) == g->smask);
	}
	/* otherwise every group of its literals must have occurred */
	return (rn->marks[g->idx] & g->lmask) == g->lmask;
}

#ifdef WINNOW_RULE_PROF
/* Developer aid, off in every normal build: with -DWINNOW_RULE_PROF
   each rule's thread CPU time, runs and hits are summed and printed to
   stderr at exit, costliest first (one thread only; the timing itself
   adds about a microsecond a rule). Used to find the rules to tune. */
#include <stdio.h>
#include <stdlib.h>
#define PROF_MAX 65536
static struct prof {
	double ns;
	unsigned int runs, hits;
	char name[96];
} prof[PROF_MAX];

static int prof_cmp(const void *a, const void *b)
{
	double x = ((const struct prof *)a)->ns, y = ((const struct prof *)b)->ns;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void prof_dump(void)
{
	double total = 0;
	unsigned int i;

	qsort(prof, PROF_MAX, sizeof(prof[0]), prof_cmp);
	for (i = 0; i < PROF_MAX; i++)
		total += prof[i].ns;
	fprintf(stderr, "rule profile: %.1f ms in all\n", total / 1e6);
	for (i = 0; i < PROF_MAX && prof[i].ns > 0; i++)
		fprintf(stderr, "%10.2f ms %7u runs %7u hits %s\n", prof[i].ns / 1e6,
			prof[i].runs, prof[i].hits, prof[i].name);
}

static double prof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
#endif

static void run_rule_inner(struct run *rn, const struct rule *r);

static void run_rule(struct run *rn, const struct rule *r)
{
#ifdef WINNOW_RULE_PROF
	static int registered;
	double t0 = prof_now(), v0 = rn->vals[r->idx];
	struct prof *p = &prof[r->idx % PROF_MAX];

	if (!registered && (registered = 1))
		atexit(prof_dump);
	run_rule_inner(rn, r);
	p->ns += prof_now() - t0;
	p->runs++;
	p->hits += rn->vals[r->idx] != v0;
	if (p->name[0] == '\0')
		snprintf(p->name, sizeof(p->name), "%s %c%s", r->name, "HBRUFMmUN"[r->type],
			 r->eval != NULL ? " eval" : "");
#else
	run_rule_inner(rn, r);
#endif
}

static void run_rule_inner(struct run *rn, const struct rule *r)
{
	if (r->eval != NULL) {
		int n = run_eval(rn, r);
		if (n > 0)
			got_hit(rn, r, n);
		return;
	}
	switch (r->type) {
	case RULE_T_HEADER:
		run_header(rn, r);
		break;
	case RULE_T_BODY:
		run_body(rn, r);
		break;
	case RULE_T_RAWBODY:
		run_rawbody(rn, r);
		break;
	case RULE_T_FULL:
		run_full(rn, r);
		break;
	case RULE_T_URI:
		run_uri(rn, r);
		break;
	case RULE_T_MIMEHEADER:
		run_mimeheader(rn, r);
		break;
	case RULE_T_URI_DETAIL:
		run_uri_detail(rn, r);
		break;
	default:
		break;
	}
}

/* ---- literal prefilter ---- */

/* ASCII upper case to lower in the 8 bytes of x (bytes >= 0x80 kept):
   bit 7 of each byte of m ends up set for 'A'..'Z' only. */
static uint64_t lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t h = x & ~high;                       /* 7 low bits of each */
	uint64_t ge_a = h + ones * (0x80 - 'A');      /* bit 7: >= 'A' */
	uint64_t gt_z = h + ones * (0x80 - 'Z' - 1);  /* bit 7: > 'Z' */
	uint64_t m = (ge_a ^ gt_z) & ~x & high;

	return x | (m >> 2);
}

/* A lowercased copy, and whether s has no byte >= 0x80, in one pass
   (8 bytes at a time). */
static char *lower_copy_ascii(struct arena *a, const char *s, size_t n, int *ascii_r)
{
	char *d = arena_alloc(a, n + 1);
	uint64_t hi8 = 0;
	unsigned char high = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		hi8 |= x;
		x = lower8(x);
		memcpy(d + i, &x, 8);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		high |= c;
		d[i] = (char)(c + ((unsigned char)(c - 'A') < 26 ? 32 : 0));
	}
	d[n] = '\0';
	*ascii_r = !(high & 0x80) && !(hi8 & 0x8080808080808080ull);
	return d;
}

static const char *lower_copy(struct arena *a, const char *s, size_t n)
{
	int ascii;

	return lower_copy_ascii(a, s, n, &ascii);
}

/* Scans a type's text with the index that fits it (ASCII or not). */
static void scan_text(struct run *rn, size_t type, const char *s, size_t n)
{
	const struct lit_index *ix;
	int ascii;
	char *low = lower_copy_ascii(rn->ctx->arena, s, n, &ascii);

	rn->ascii[type] = (unsigned char)ascii;
	rn->low[type] = low;
	ix = ascii ? rn->rs->alix[type] : rn->rs->lix[type];
	if (ix != NULL)
		lit_index_scan(ix, low, n, rn->marks);
	if (type == RULE_T_BODY && ascii && rn->rs->slix != NULL) {
		rn->body_amp = memchr(low, '&', n) != NULL;
		char *sq = arena_alloc(rn->ctx->arena, n + 1);
		memcpy(sq, low, n);
		size_t sn = prefilter_squeeze(sq, n);
		rn->smarks = arena_zalloc(rn->ctx->arena, rn->rs->rules.count + 1);
		lit_index_scan(rn->rs->slix, sq, sn, rn->smarks);
	}
}

static void scan_uris(struct run *rn)
{
	const struct msg *m = rn->ctx->msg;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < m->nuris; i++) {
		buf_append_str(&b, m->uris[i].uri);
		buf_append_char(&b, '\n');
	}
	scan_text(rn, RULE_T_URI, buf_cstr(&b), b.len);
	buf_free(&b);
}

static void prefilter_headers(struct run *rn)
{
	const struct rule_hgroup *g = rn->rs->hgroups.v;
	size_t i;

	for (i = 0; i < rn->rs->hgroups.count; i++) {
		const char *v = rule_ctx_get_spec(rn->ctx, g[i].spec_id, g[i].spec);
		if (v != NULL)
			lit_index_scan(g[i].lix, lower_copy(rn->ctx->arena, v, strlen(v)), strlen(v),
				       rn->marks);
	}
}

/* Marks the rules of this type whose literals occur in its text. */
static void prefilter_type(struct run *rn, size_t type)
{
	if (type == RULE_T_HEADER) {
		prefilter_headers(rn);
		return;
	}
	if (rn->rs->order[type].count == 0)
		return;
	switch (type) {
	case RULE_T_BODY:
		if (rn->body_joined == NULL)
			rn->body_joined = join_lines(rn->ctx->arena, rule_ctx_body(rn->ctx),
						     &rn->body_joined_len);
		scan_text(rn, type, rn->body_joined, rn->body_joined_len);
		break;
	case RULE_T_RAWBODY:
		if (rn->raw_joined == NULL)
			rn->raw_joined = join_lines(rn->ctx->arena, rule_ctx_rawbody(rn->ctx),
						    &rn->raw_joined_len);
		scan_text(rn, type, rn->raw_joined, rn->raw_joined_len);
		break;
	case RULE_T_URI:
		scan_uris(rn);
		break;
	case RULE_T_FULL:
		scan_text(rn, type, rn->ctx->msg->raw, rn->ctx->msg->raw_len);
		break;
	default:
		break;
	}
}

/* ---- metas ---- */

static double lazy_value(void *ud, unsigned int idx);

/* Metas evaluate inside one another (lazy subrules): each nesting level
   has its own stack, allocated the first time that level is reached. */
static double run_meta(struct run *rn, const struct rule *r)
{
	size_t d = rn->meta_depth;
	double res;

	if (d == rn->nstacks) {
		size_t n = rn->nstacks ? rn->nstacks * 2 : 8;
		double **v = arena_alloc(rn->ctx->arena, n * sizeof(*v));
		if (rn->nstacks > 0)
			memcpy(v, rn->stacks, rn->nstacks * sizeof(*v));
		memset(v + rn->nstacks, 0, (n - rn->nstacks) * sizeof(*v));
		rn->stacks = v;
		rn->nstacks = n;
	}
	if (rn->stacks[d] == NULL)
		rn->stacks[d] = arena_alloc(rn->ctx->arena,
					    (rn->rs->max_meta_stack + 2) * sizeof(double));
	rn->meta_depth++;
	res = meta_run(r->mres, rn->vals, rn->ready, lazy_value, rn, rn->stacks[d]);
	rn->meta_depth--;
	if (res != 0)
		got_hit(rn, r, res);
	return rn->vals[r->idx];
}

/* A lazy subrule's value, worked out the first time a meta asks. */
static double lazy_value(void *ud, unsigned int idx)
{
	struct run *rn = ud;
	const struct ruleset *rs = rn->rs;
	const struct rule *r = ((struct rule *const *)rs->rules.v)[idx];

	/* not ready: runnable, and its gate (if any) is open */
	rn->ready[idx] = 1;
	if (r->type == RULE_T_META)
		return run_meta(rn, r);
	run_rule(rn, r);
	return rn->vals[idx];
}

/* Lazy rules of this type whose literals are missing cannot hit: their
   value (0, or what earlier checks reported) is final now. */
static void settle_lazy(struct run *rn, size_t type)
{
	const struct arena_vec *gates = &rn->rs->lazygates[rn->set & 3][type];
	const struct rule_gate *g = gates->v;
	size_t i;

	for (i = 0; i < gates->count; i++)
		if (!gate_open(rn, type, &g[i]))
			rn->ready[g[i].idx] = 1;
}

static void run_metas(struct run *rn)
{
	const struct ruleset *rs = rn->rs;
	struct rule *const *v = rs->runlist[rn->set & 3][RULE_T_META].v;
	size_t n = rs->runlist[rn->set & 3][RULE_T_META].count, i;

	for (i = 0; i < n && !out_of_time(rn); i++) {
		run_meta(rn, v[i]);
		rn->ready[v[i]->idx] = 1;
	}
}

/* Hits added by earlier checks (Bayes, DNS, antivirus) count for metas. */
static void seed_values(struct run *rn)
{
	size_t i;

	for (i = 0; i < rn->hits->count; i++) {
		const struct rule *r = rs_rule((struct ruleset *)rn->rs, rn->hits->v[i].name, 0);
		if (r != NULL)
			rn->vals[r->idx] += rn->hits->v[i].count > 0 ? rn->hits->v[i].count : 1;
	}
}

static unsigned int score_set(const struct ruleset *rs, const struct msg_facts *f)
{
	if (f == NULL)
		return rs->score_set;
	return (f->net_enabled ? 1u : 0u) | (f->bayes_enabled ? 2u : 0u);
}

void ruleset_run(const struct ruleset *rs, struct rule_ctx *ctx, struct hit_list *hits)
{
	struct run rn;
	size_t t, i;

	memset(&rn, 0, sizeof(rn));
	rn.rs = rs;
	rn.ctx = ctx;
	rn.hits = hits;
	rn.set = score_set(rs, ctx->facts);
	rn.vals = arena_zalloc(ctx->arena, (rs->rules.count + 1) * sizeof(double));
	rn.md = pcre2_match_data_create(1, NULL);
	rn.mc = rs->mctx_proto;
	rn.marks = arena_zalloc(ctx->arena, rs->rules.count + 1);
	rn.ready = arena_alloc(ctx->arena, rs->rules.count + 1);
	memcpy(rn.ready, rs->ready_proto[rn.set & 3], rs->rules.count + 1);
	seed_values(&rn);
	for (t = 0; t < RULE_T_COUNT; t++) {
		const struct arena_vec *list = &rs->runlist[rn.set & 3][t];
		const struct rule_gate *g = rs->gates[rn.set & 3][t].v;
		struct rule *const *v = list->v;
		if (t == RULE_T_META)
			continue;
		prefilter_type(&rn, t);
		for (i = 0; i < list->count && !out_of_time(&rn); i++)
			if (gate_open(&rn, t, &g[i]))
				run_rule(&rn, v[i]);
		settle_lazy(&rn, t);
	}
	run_metas(&rn);
	pcre2_match_data_free(rn.md);
}
