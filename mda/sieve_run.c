/*
 * sieve_run.c - the Sieve interpreter: evaluates the script, collecting
 * actions (RFC 5228 2.10), then performs them in order through the
 * mda_ops, with the implicit keep unless an action cancelled it.
 *
 * Never loses mail: a runtime error drops the collected actions and
 * keeps the message in INBOX; a store or redirect that fails for good
 * falls back to INBOX too. A transient failure stops everything and
 * returns MDA_TEMPFAIL so the MTA retries.
 *
 * Memory: everything in the message's arena (m->arena).
 * Limits: SIEVE_MAX_REDIRECTS, SIEVE_MAX_ACTIONS, SIEVE_MAX_VARIABLES,
 * SIEVE_MAX_VARIABLE_SIZE (sieve.h).
 */
#include "mda/sieve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/arena.h"
#include "lib/msg.h"
#include "mda/sieve_int.h"

void sieve_run_error(struct sieve_run *r, const struct sieve_node *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (r->error != NULL)
		return;
	va_start(ap, fmt);
	msg = arena_vprintf(r->a, fmt, ap);
	va_end(ap);
	r->error = arena_printf(r->a, "%s:%u:%u: %s", r->s->name, n->line, n->col, msg);
}

struct sieve_var *sieve_var_get(struct sieve_run *r, const char *name, int create)
{
	struct sieve_var *v = r->vars.v;
	size_t i;

	for (i = 0; i < r->vars.count; i++)
		if (strcasecmp(v[i].name, name) == 0)
			return &v[i];
	if (!create || r->vars.count >= SIEVE_MAX_VARIABLES)
		return NULL;
	v = ARENA_VEC_PUSH(r->a, &r->vars, struct sieve_var);
	v->name = arena_strdup(r->a, name);
	v->value = "";
	return v;
}

void sieve_var_set(struct sieve_run *r, struct sieve_var *v, const char *value, size_t len)
{
	if (len > SIEVE_MAX_VARIABLE_SIZE)
		len = SIEVE_MAX_VARIABLE_SIZE; /* RFC 5229 6: may truncate */
	v->value = arena_strndup(r->a, value, len);
	v->len = len;
}

/* The value of ${name}: a match variable (digits) or a named one. 0 when
   name is not a variable reference (left as written). */
static int sieve_expand_ref(struct sieve_run *r, const char *name, size_t len,
			    const char **val_r, size_t *len_r)
{
	char buf[64];
	size_t i;

	*val_r = "";
	*len_r = 0;
	if (len > 0 && len < 8 && strspn(name, "0123456789") >= len) {
		size_t k = 0;
		for (i = 0; i < len; i++)
			k = k * 10 + (size_t)(name[i] - '0');
		if (k < r->nmv) {
			*val_r = r->mv[k];
			*len_r = r->mvlen[k];
		}
		return 1;
	}
	if (len >= sizeof(buf) || !sieve_is_identifier(name, len))
		return 0;
	memcpy(buf, name, len);
	buf[len] = '\0';
	{
		struct sieve_var *v = sieve_var_get(r, buf, 0);
		if (v != NULL) {
			*val_r = v->value;
			*len_r = v->len;
		}
	}
	return 1;
}

static void sieve_expand_put(struct arena_vec *out, struct arena *a, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && out->count < SIEVE_MAX_STRING; i++)
		*ARENA_VEC_PUSH(a, out, char) = s[i];
}

const char *sieve_expand(struct sieve_run *r, const struct sieve_str *str, size_t *len_r)
{
	struct arena_vec out = {0};
	const char *s = str->s, *end = str->s + str->len;

	if (!str->vars) {
		*len_r = str->len;
		return str->s;
	}
	while (s < end) {
		const char *close, *val;
		size_t vlen;
		if (s + 1 < end && s[0] == '$' && s[1] == '{' &&
		    (close = memchr(s + 2, '}', (size_t)(end - s - 2))) != NULL &&
		    sieve_expand_ref(r, s + 2, (size_t)(close - s - 2), &val, &vlen)) {
			sieve_expand_put(&out, r->a, val, vlen);
			s = close + 1;
		} else {
			sieve_expand_put(&out, r->a, s, 1);
			s++;
		}
	}
	*ARENA_VEC_PUSH(r->a, &out, char) = '\0';
	*len_r = out.count - 1;
	return out.v;
}

/* Match variables from a successful :matches or :regex (RFC 5229 3.2). */
static void sieve_set_matchvars(struct sieve_run *r, const char *whole, size_t wlen,
				const struct sieve_span *caps, size_t ncaps, int regex)
{
	size_t i;

	if ((r->s->exts & SIEVE_EXT_VARIABLES) == 0)
		return;
	r->nmv = 0;
	if (!regex) { /* ${0} is the whole value, the wildcards follow */
		r->mv[0] = arena_strndup(r->a, whole, wlen);
		r->mvlen[0] = wlen;
		r->nmv = 1;
	}
	for (i = 0; i < ncaps && r->nmv < SIEVE_MATCH_VARS; i++, r->nmv++) {
		r->mv[r->nmv] = arena_strndup(r->a, caps[i].p, caps[i].len);
		r->mvlen[r->nmv] = caps[i].len;
	}
}

static void sieve_regex_cleanup(void *re)
{
	sieve_regex_free(re);
}

/* One value against one (expanded) key. */
static int sieve_match_one(struct sieve_run *r, const struct sieve_node *n,
			   const struct sieve_str *key, const char *k, size_t klen,
			   const struct sieve_span *val)
{
	struct sieve_span caps[SIEVE_MATCH_VARS];
	size_t ncaps;
	void *re;
	int m;

	switch (n->o.mt) {
	case SIEVE_MT_IS:
		return sieve_cmp_equal(n->o.cmp, val->p, val->len, k, klen);
	case SIEVE_MT_CONTAINS:
		return sieve_cmp_contains(n->o.cmp, val->p, val->len, k, klen);
	case SIEVE_MT_VALUE:
		return sieve_rel_holds(n->o.rel, sieve_cmp_order(n->o.cmp, val->p, val->len, k,
								  klen));
	case SIEVE_MT_MATCHES:
		m = sieve_glob(n->o.cmp, k, klen, val->p, val->len, caps, SIEVE_MATCH_VARS - 1,
			       &ncaps);
		if (m)
			sieve_set_matchvars(r, val->p, val->len, caps, ncaps, 0);
		return m;
	case SIEVE_MT_REGEX:
		re = key->re;
		if (re == NULL) {
			const char *err;
			re = sieve_regex_compile(n->o.cmp, k, klen, &err);
			if (re == NULL) {
				sieve_run_error(r, n, "bad regex \"%s\": %s", k, err);
				return -1;
			}
			arena_add_cleanup(r->a, sieve_regex_cleanup, re);
		}
		m = sieve_regex_match(re, val->p, val->len, caps, SIEVE_MATCH_VARS, &ncaps);
		if (m < 0) {
			sieve_run_error(r, n, "regex \"%s\" over its match limit (or failed)", k);
			return -1;
		}
		if (m)
			sieve_set_matchvars(r, NULL, 0, caps, ncaps, 1);
		return m;
	case SIEVE_MT_COUNT:
		break;
	}
	return 0;
}

int sieve_match_values(struct sieve_run *r, const struct sieve_node *n,
		       const struct sieve_strl *keys, const struct sieve_span *vals, size_t nvals)
{
	size_t i, j, klen;
	const char *k;

	if (n->o.mt == SIEVE_MT_COUNT) {
		char num[32];
		snprintf(num, sizeof(num), "%zu", nvals);
		for (j = 0; j < keys->n; j++) {
			k = sieve_expand(r, &keys->v[j], &klen);
			if (sieve_rel_holds(n->o.rel, sieve_cmp_order(n->o.cmp, num, strlen(num), k,
								       klen)))
				return 1;
		}
		return 0;
	}
	for (j = 0; j < keys->n; j++) {
		unsigned long long weight = 1;
		k = sieve_expand(r, &keys->v[j], &klen);
		if (n->o.mt == SIEVE_MT_MATCHES) /* each star may rescan the value */
			for (i = 0; i < klen; i++)
				weight += k[i] == '*';
		for (i = 0; i < nvals; i++) {
			int m;
			r->work += (vals[i].len + klen) * weight;
			if (r->work > SIEVE_MAX_WORK) {
				sieve_run_error(r, n, "over the work limit (%llu bytes compared)",
						SIEVE_MAX_WORK);
				return -1;
			}
			m = sieve_match_one(r, n, &keys->v[j], k, klen, &vals[i]);
			if (m != 0)
				return m;
		}
	}
	return 0;
}

static void sieve_vals_add(struct sieve_run *r, struct arena_vec *v, const char *s, size_t len)
{
	struct sieve_span *sp = ARENA_VEC_PUSH(r->a, v, struct sieve_span);

	sp->p = s;
	sp->len = len;
}

static const struct msg_header_list *sieve_headers(struct sieve_run *r)
{
	static const struct msg_header_list none;

	return r->m->parsed != NULL ? &r->m->parsed->headers : &none;
}

/* The header values of every field named in names. */
static void sieve_header_values(struct sieve_run *r, const struct sieve_strl *names,
				struct arena_vec *vals)
{
	const struct msg_header_list *hl = sieve_headers(r);
	size_t i, j, len;

	for (i = 0; i < names->n; i++) {
		const char *name = sieve_expand(r, &names->v[i], &len);
		for (j = 0; j < hl->count; j++)
			if (strcasecmp(hl->v[j].name, name) == 0) {
				const char *d = hl->v[j].decoded != NULL ? hl->v[j].decoded :
						hl->v[j].value;
				sieve_vals_add(r, vals, d, strlen(d));
			}
	}
}

/* The address part ap of local@domain; 0 when it has none (:detail
   without a separator, RFC 5233 4). */
static int sieve_addr_part(enum sieve_ap ap, const char *addr, const char *local,
			   const char *domain, struct sieve_span *out)
{
	const char *plus = strchr(local, '+');

	switch (ap) {
	case SIEVE_AP_ALL:
		out->p = addr;
		out->len = strlen(addr);
		return 1;
	case SIEVE_AP_LOCAL:
		out->p = local;
		out->len = strlen(local);
		return 1;
	case SIEVE_AP_DOMAIN:
		out->p = domain;
		out->len = strlen(domain);
		return 1;
	case SIEVE_AP_USER:
		out->p = local;
		out->len = plus != NULL ? (size_t)(plus - local) : strlen(local);
		return 1;
	case SIEVE_AP_DETAIL:
		if (plus == NULL)
			return 0;
		out->p = plus + 1;
		out->len = strlen(plus + 1);
		return 1;
	}
	return 0;
}

static int sieve_test_address(struct sieve_run *r, const struct sieve_node *n)
{
	struct arena_vec raw = {0}, vals = {0};
	const struct sieve_span *hv;
	size_t i, j;

	sieve_header_values(r, &n->pos[0], &raw);
	hv = raw.v;
	for (i = 0; i < raw.count; i++) {
		struct msg_addr *list;
		size_t na = msg_addr_parse(r->a, hv[i].p, &list);
		for (j = 0; j < na; j++) {
			struct sieve_span sp;
			if (list[j].addr[0] == '\0')
				continue; /* a group's name, or nothing usable */
			if (sieve_addr_part(n->o.ap, list[j].addr, list[j].local, list[j].domain, &sp))
				sieve_vals_add(r, &vals, sp.p, sp.len);
		}
	}
	return sieve_match_values(r, n, &n->pos[1], vals.v, vals.count);
}

static int sieve_test_envelope(struct sieve_run *r, const struct sieve_node *n)
{
	struct arena_vec vals = {0};
	size_t i, len;

	for (i = 0; i < n->pos[0].n; i++) {
		const char *part = sieve_expand(r, &n->pos[0].v[i], &len);
		const char *addr, *at;
		struct sieve_span sp;
		char *local;

		if (strcasecmp(part, "from") == 0) {
			addr = r->m->sender != NULL ? r->m->sender : "";
		} else if (strcasecmp(part, "to") == 0) {
			addr = r->m->recipient != NULL ? r->m->recipient : "";
		} else {
			sieve_run_error(r, n, "envelope: unsupported envelope part \"%s\"", part);
			return -1;
		}
		if (addr[0] == '\0') { /* the null sender: only :all sees it, as "" */
			if (n->o.ap == SIEVE_AP_ALL)
				sieve_vals_add(r, &vals, "", 0);
			continue;
		}
		at = strrchr(addr, '@');
		local = arena_strndup(r->a, addr, at != NULL ? (size_t)(at - addr) : strlen(addr));
		if (sieve_addr_part(n->o.ap, addr, local, at != NULL ? at + 1 : "", &sp))
			sieve_vals_add(r, &vals, sp.p, sp.len);
	}
	return sieve_match_values(r, n, &n->pos[1], vals.v, vals.count);
}

static int sieve_test_exists(struct sieve_run *r, const struct sieve_node *n)
{
	size_t i, len;

	for (i = 0; i < n->pos[0].n; i++)
		if (msg_header_first(sieve_headers(r), sieve_expand(r, &n->pos[0].v[i], &len)) ==
		    NULL)
			return 0;
	return 1;
}

static int sieve_test_string(struct sieve_run *r, const struct sieve_node *n)
{
	struct arena_vec vals = {0};
	size_t i, len;

	for (i = 0; i < n->pos[0].n; i++) {
		const char *v = sieve_expand(r, &n->pos[0].v[i], &len);
		/* RFC 5229 5: :count counts the non-empty strings only */
		if (len > 0 || n->o.mt != SIEVE_MT_COUNT)
			sieve_vals_add(r, &vals, v, len);
	}
	return sieve_match_values(r, n, &n->pos[1], vals.v, vals.count);
}

static int sieve_test_mailboxexists(struct sieve_run *r, const struct sieve_node *n)
{
	size_t i, len;

	for (i = 0; i < n->pos[0].n; i++) {
		const char *name = sieve_expand(r, &n->pos[0].v[i], &len);
		if (r->ops->mailbox_exists == NULL ||
		    !r->ops->mailbox_exists(r->ops->ctx, r->m, name))
			return 0;
	}
	return 1;
}

static int sieve_test(struct sieve_run *r, const struct sieve_node *n);

static int sieve_test_list(struct sieve_run *r, const struct sieve_node *n, int all)
{
	size_t i;

	for (i = 0; i < n->ntests; i++) {
		int t = sieve_test(r, n->tests[i]);
		if (t < 0)
			return -1;
		if (t != all) /* allof stops at the first false, anyof at the first true */
			return t;
	}
	return all;
}

/* 1 true, 0 false, -1 runtime error (in r->error). */
static int sieve_test(struct sieve_run *r, const struct sieve_node *n)
{
	int t;

	switch (n->id) {
	case SIEVE_ADDRESS: return sieve_test_address(r, n);
	case SIEVE_HEADER: {
		struct arena_vec vals = {0};
		sieve_header_values(r, &n->pos[0], &vals);
		return sieve_match_values(r, n, &n->pos[1], vals.v, vals.count);
	}
	case SIEVE_ENVELOPE: return sieve_test_envelope(r, n);
	case SIEVE_EXISTS: return sieve_test_exists(r, n);
	case SIEVE_SIZE:
		return n->o.over ? (uint64_t)r->m->len > n->num : (uint64_t)r->m->len < n->num;
	case SIEVE_ALLOF: return sieve_test_list(r, n, 1);
	case SIEVE_ANYOF: return sieve_test_list(r, n, 0);
	case SIEVE_NOT:
		t = sieve_test(r, n->tests[0]);
		return t < 0 ? -1 : !t;
	case SIEVE_TRUE: return 1;
	case SIEVE_FALSE: return 0;
	case SIEVE_BODY: return sieve_test_body(r, n);
	case SIEVE_HASFLAG: return sieve_test_hasflag(r, n);
	case SIEVE_STRING: return sieve_test_string(r, n);
	case SIEVE_SPAMTEST: return sieve_test_spamtest(r, n);
	case SIEVE_VIRUSTEST: return sieve_test_virustest(r, n);
	case SIEVE_MAILBOXEXISTS: return sieve_test_mailboxexists(r, n);
	default:
		break;
	}
	wn_panic("sieve: node %d is not a test", (int)n->id);
}

struct sieve_action *sieve_action_add(struct sieve_run *r, const struct sieve_node *n,
				      enum sieve_act kind)
{
	struct sieve_action *a;

	if (r->acts.count >= SIEVE_MAX_ACTIONS) {
		sieve_run_error(r, n, "more than %d actions", SIEVE_MAX_ACTIONS);
		return NULL;
	}
	a = ARENA_VEC_PUSH(r->a, &r->acts, struct sieve_action);
	a->kind = kind;
	return a;
}

static int sieve_same_mailbox(const char *a, const char *b)
{
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

/* keep and fileinto: one store per mailbox (RFC 5228 2.10.3). */
static int sieve_cmd_store(struct sieve_run *r, const struct sieve_node *n, const char *mailbox,
			   int keep)
{
	struct sieve_action *a = r->acts.v;
	size_t i;

	if (mailbox[0] == '\0') {
		sieve_run_error(r, n, "fileinto: empty mailbox name");
		return -1;
	}
	if (!n->o.copy)
		r->implicit_keep = 0;
	for (i = 0; i < r->acts.count; i++)
		if (a[i].kind == SIEVE_ACT_STORE && sieve_same_mailbox(a[i].arg, mailbox))
			return 0;
	if ((a = sieve_action_add(r, n, SIEVE_ACT_STORE)) == NULL)
		return -1;
	a->arg = mailbox;
	a->flags = sieve_flags_of(r, n);
	a->create = n->o.create;
	a->keep = keep;
	return 0;
}

static int sieve_cmd_redirect(struct sieve_run *r, const struct sieve_node *n)
{
	struct sieve_action *a = r->acts.v;
	size_t i, len;
	const char *addr = sieve_expand(r, &n->pos[0].v[0], &len);

	if (!sieve_address_ok(addr)) {
		sieve_run_error(r, n, "redirect: bad address \"%s\"", addr);
		return -1;
	}
	if (!n->o.copy)
		r->implicit_keep = 0;
	for (i = 0; i < r->acts.count; i++)
		if (a[i].kind == SIEVE_ACT_REDIRECT && strcasecmp(a[i].arg, addr) == 0)
			return 0;
	if (++r->redirects > SIEVE_MAX_REDIRECTS) {
		sieve_run_error(r, n, "more than %d redirects", SIEVE_MAX_REDIRECTS);
		return -1;
	}
	if ((a = sieve_action_add(r, n, SIEVE_ACT_REDIRECT)) == NULL)
		return -1;
	a->arg = addr;
	return 0;
}

static int sieve_block(struct sieve_run *r, const struct sieve_node *n);

/* if/elsif/else: the first true branch runs. */
static int sieve_cmd_if(struct sieve_run *r, const struct sieve_node *n)
{
	for (; n != NULL; n = n->alt) {
		int t = n->id == SIEVE_ELSE ? 1 : sieve_test(r, n->tests[0]);
		if (t < 0)
			return -1;
		if (t)
			return sieve_block(r, n->block);
	}
	return 0;
}

static int sieve_command(struct sieve_run *r, const struct sieve_node *n)
{
	size_t len;

	switch (n->id) {
	case SIEVE_REQUIRE: return 0;
	case SIEVE_IF: return sieve_cmd_if(r, n);
	case SIEVE_STOP: r->stopped = 1; return 0;
	case SIEVE_KEEP: return sieve_cmd_store(r, n, "INBOX", 1);
	case SIEVE_DISCARD:
		r->implicit_keep = 0;
		r->discarded = 1;
		return 0;
	case SIEVE_REDIRECT: return sieve_cmd_redirect(r, n);
	case SIEVE_FILEINTO:
		return sieve_cmd_store(r, n, sieve_expand(r, &n->pos[0].v[0], &len), 0);
	case SIEVE_SETFLAG:
	case SIEVE_ADDFLAG:
	case SIEVE_REMOVEFLAG: return sieve_cmd_flags(r, n);
	case SIEVE_SET: return sieve_cmd_set(r, n);
	case SIEVE_VACATION: return sieve_cmd_vacation(r, n);
	default:
		break;
	}
	wn_panic("sieve: node %d is not a command", (int)n->id);
}

static int sieve_block(struct sieve_run *r, const struct sieve_node *n)
{
	for (; n != NULL && !r->stopped; n = n->next)
		if (sieve_command(r, n) < 0)
			return -1;
	return 0;
}

/* Performing the actions. */
struct sieve_perform {
	struct sieve_run *r;
	struct mda_trace *trace;
	char *err;           /* first failure (malloc'd) */
	int inbox_done;      /* delivered to INBOX already */
	int fallback;        /* something failed for good: INBOX must get it */
};

static void sieve_perform_err(struct sieve_perform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sieve_perform_err(struct sieve_perform *p, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->err = xstrdup(buf);
}

static void sieve_trace(struct sieve_perform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sieve_trace(struct sieve_perform *p, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (p->trace == NULL)
		return;
	va_start(ap, fmt);
	line = arena_vprintf(p->r->a, fmt, ap);
	va_end(ap);
	mda_trace_add(p->trace, p->r->a, "%s", line);
}

static enum mda_status sieve_perform_store(struct sieve_perform *p, const char *mailbox,
					   const char *flags, int create, int keep)
{
	const struct mda_ops *ops = p->r->ops;
	const char *err = NULL;
	enum mda_status st;

	st = ops->fileinto(ops->ctx, p->r->m, mailbox, flags, create, &err);
	if (st == MDA_OK) {
		if (strcasecmp(mailbox, "INBOX") == 0)
			p->inbox_done = 1;
		const char *what = keep ? "keep" : arena_strcat(p->r->a, "fileinto ", mailbox, NULL);
		if (flags != NULL && flags[0] != '\0')
			sieve_trace(p, "%s (%s)", what, flags);
		else
			sieve_trace(p, "%s", what);
		return MDA_OK;
	}
	sieve_perform_err(p, "%s: %s %s: %s", p->r->s->name, keep ? "keep" : "fileinto", mailbox,
			  err != NULL ? err : "failed");
	if (st == MDA_PERMFAIL)
		p->fallback = 1;
	return st;
}

static enum mda_status sieve_perform_one(struct sieve_perform *p, const struct sieve_action *a)
{
	const struct mda_ops *ops = p->r->ops;
	const char *err = NULL;
	enum mda_status st;

	switch (a->kind) {
	case SIEVE_ACT_STORE: {
		st = sieve_perform_store(p, a->arg, a->flags, a->create, a->keep);
		return st == MDA_TEMPFAIL ? st : MDA_OK;
	}
	case SIEVE_ACT_REDIRECT:
		st = ops->redirect(ops->ctx, p->r->m, &a->arg, 1, &err);
		if (st == MDA_OK) {
			sieve_trace(p, "redirect %s", a->arg);
			return MDA_OK;
		}
		sieve_perform_err(p, "%s: redirect %s: %s", p->r->s->name, a->arg,
				  err != NULL ? err : "failed");
		if (st == MDA_PERMFAIL)
			p->fallback = 1;
		return st == MDA_TEMPFAIL ? st : MDA_OK;
	case SIEVE_ACT_VACATION:
		/* RFC 5230 4.2: one reply per sender and handle within :days */
		if (ops->vacation_seen != NULL &&
		    ops->vacation_seen(ops->ctx, p->r->m, a->key, a->seconds, 0))
			return MDA_OK;
		st = ops->send(ops->ctx, p->r->m, a->data, a->len, "", a->arg, &err);
		if (st != MDA_OK) {
			/* a lost auto-reply loses no mail: said, not retried */
			sieve_perform_err(p, "%s: vacation reply to %s: %s", p->r->s->name, a->arg,
					  err != NULL ? err : "failed");
			return MDA_OK;
		}
		if (ops->vacation_seen != NULL)
			ops->vacation_seen(ops->ctx, p->r->m, a->key, a->seconds, 1);
		sieve_trace(p, "vacation to %s", a->arg);
		return MDA_OK;
	case SIEVE_ACT_DISCARD:
		break;
	}
	return MDA_OK;
}

static enum mda_status sieve_perform(struct sieve_perform *p)
{
	struct sieve_run *r = p->r;
	const struct sieve_action *a = r->acts.v;
	size_t i;
	int stored = 0;

	for (i = 0; i < r->acts.count; i++) {
		if (sieve_perform_one(p, &a[i]) == MDA_TEMPFAIL)
			return MDA_TEMPFAIL;
		if (a[i].kind == SIEVE_ACT_STORE || a[i].kind == SIEVE_ACT_REDIRECT)
			stored = 1;
	}
	if (r->implicit_keep && !p->inbox_done) {
		const char *flags = r->flags != NULL && r->flags[0] != '\0' ? r->flags : NULL;
		if (sieve_perform_store(p, "INBOX", flags, 0, 1) == MDA_TEMPFAIL)
			return MDA_TEMPFAIL;
	} else if (!r->implicit_keep && !stored && r->discarded) {
		sieve_trace(p, "discard");
	}
	if (p->fallback && !p->inbox_done) {
		/* RFC 5228 2.10.6 and 5490 3: never lose it */
		if (sieve_perform_store(p, "INBOX", NULL, 0, 1) == MDA_TEMPFAIL)
			return MDA_TEMPFAIL;
		if (!p->inbox_done)
			return MDA_TEMPFAIL;
	}
	return MDA_OK;
}

enum mda_status sieve_run(const struct sieve_script *s, struct mda_msg *m,
			  const struct mda_ops *ops, struct mda_trace *trace, char **err_r)
{
	struct sieve_run r;
	struct sieve_perform p;
	enum mda_status st;

	*err_r = NULL;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.m = m;
	r.ops = ops;
	r.a = m->arena;
	r.implicit_keep = 1;
	memset(&p, 0, sizeof(p));
	p.r = &r;
	p.trace = trace;
	if (sieve_block(&r, s->first) < 0) {
		/* RFC 5228 2.10.6: a failed script keeps the message, and no
		   action it collected is done */
		memset(&r.acts, 0, sizeof(r.acts));
		r.implicit_keep = 1;
		r.flags = NULL;
		p.err = xstrdup(r.error);
	}
	st = sieve_perform(&p);
	*err_r = p.err;
	return st;
}
