/*
 * bayes.c - the classifier: token probabilities, chi-square combining,
 * SpamAssassin's buckets, and learning a message through db/.
 *
 * Method (Gary Robinson, "A Statistical Approach to the Spam Problem",
 * 2003, as SpamAssassin and SpamBayes use it):
 *   p(w)  = (s_w / N_s) / (s_w / N_s + h_w / N_h)       counts and totals
 *   f(w)  = (s * x + n * p(w)) / (s + n)                 n = s_w + h_w
 *   keep tokens with |f(w) - 0.5| >= min_prob_strength, at most
 *   max_significant of them, strongest first;
 *   S = 1 - chi2Q(-2 ln prod (1 - f), 2k), H = 1 - chi2Q(-2 ln prod f, 2k)
 *   result = (1 + S - H) / 2.
 * SpamAssassin also multiplies the class priors N_s/N and N_h/N into the
 * products; we leave them out as SpamBayes does (a store trained on many
 * more of one class would otherwise lean that way on every message).
 *
 * Ownership: scratch arrays from the caller's arena. Errors from db/
 * are copied into that arena.
 */
#include "bayes/bayes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Keeps ln() finite whatever the parameters (s = 0 allows f = 0 or 1). */
#define BAYES_PROB_MIN 1e-9

void bayes_params_default(struct bayes_params *p)
{
	memset(p, 0, sizeof(*p));
	tok_params_default(&p->tok);
	p->method = BAYES_CHI2;
	/* SpamAssassin has s = 0.030 and 0.346: see bayes.h for why not */
	p->robinson_s = 0.10;
	p->robinson_x = 0.538;
	p->min_prob_strength = 0.20;
	p->max_significant = 150;
	p->min_spam = 200;
	p->min_ham = 200;
	p->ham_cutoff = 0.20;
	p->spam_cutoff = 0.80;
}

double bayes_token_prob(const struct db_counts *c, const struct db_totals *t,
			const struct bayes_params *p)
{
	double sr = t->spam ? (double)c->spam / (double)t->spam : 0;
	double hr = t->ham ? (double)c->ham / (double)t->ham : 0;
	double n = (double)c->spam + (double)c->ham, pw;

	if (sr + hr <= 0)
		return p->robinson_x;
	pw = sr / (sr + hr);
	return (p->robinson_s * p->robinson_x + n * pw) / (p->robinson_s + n);
}

/* Probability that a chi-square variable with 2 * half degrees of
   freedom is at least x2 (the series for even degrees of freedom). */
static double bayes_chi2q(double x2, size_t half)
{
	double m = x2 / 2.0, sum, term;
	size_t i;

	sum = term = exp(-m);
	for (i = 1; i < half; i++) {
		term *= m / (double)i;
		sum += term;
	}
	return sum < 1.0 ? sum : 1.0;
}

static double bayes_clamp(double p)
{
	if (p < BAYES_PROB_MIN)
		return BAYES_PROB_MIN;
	if (p > 1.0 - BAYES_PROB_MIN)
		return 1.0 - BAYES_PROB_MIN;
	return p;
}

double bayes_chi2_combine(const double *probs, size_t n)
{
	double ln_spam = 0, ln_ham = 0, s, h;
	size_t i;

	if (n == 0)
		return 0.5;
	/* sums of logs: the products underflow after a few hundred tokens */
	for (i = 0; i < n; i++) {
		double p = bayes_clamp(probs[i]);
		ln_spam += log(1.0 - p);
		ln_ham += log(p);
	}
	s = 1.0 - bayes_chi2q(-2.0 * ln_spam, n);
	h = 1.0 - bayes_chi2q(-2.0 * ln_ham, n);
	return (1.0 + s - h) / 2.0;
}

/* A token that passed the strength filter. */
struct bayes_sig {
	double strength, prob;
	uint64_t hash;
};

/* Strongest first; ties broken by value and hash so the chosen set is
   the same on every platform (qsort is not stable). */
static int bayes_cmp_sig(const void *x, const void *y)
{
	const struct bayes_sig *a = x, *b = y;

	if (a->strength != b->strength)
		return a->strength > b->strength ? -1 : 1;
	if (a->prob != b->prob)
		return a->prob > b->prob ? -1 : 1;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* The significant tokens, strongest first, at most max_significant. */
static size_t bayes_significant(const uint64_t *hashes, const struct db_counts *c,
				size_t n, const struct bayes_params *p,
				struct arena *a, struct bayes_result *r,
				struct bayes_sig **sig_r)
{
	struct bayes_sig *sig = arena_alloc(a, (n ? n : 1) * sizeof(*sig));
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		double f, strength;
		if (c[i].spam == 0 && c[i].ham == 0)
			continue;
		r->known++;
		f = bayes_token_prob(&c[i], &r->totals, p);
		strength = fabs(f - 0.5);
		if (strength < p->min_prob_strength)
			continue;
		sig[k].strength = strength;
		sig[k].prob = f;
		sig[k++].hash = hashes[i];
	}
	qsort(sig, k, sizeof(*sig), bayes_cmp_sig);
	*sig_r = sig;
	return k < p->max_significant ? k : p->max_significant;
}

/* The seam for another model: one function per bayes_method. */
static double bayes_combine(const struct bayes_params *p, const struct bayes_sig *sig,
			    size_t n, struct arena *a)
{
	double *probs = arena_alloc(a, (n ? n : 1) * sizeof(*probs));
	size_t i;

	for (i = 0; i < n; i++)
		probs[i] = sig[i].prob;
	switch (p->method) {
	case BAYES_CHI2:
	default:
		return bayes_chi2_combine(probs, n);
	}
}

static int bayes_fail(struct arena *a, const char *err, const char **err_r)
{
	*err_r = arena_strdup(a, err);
	return -1;
}

int bayes_classify(struct db *db, const uint64_t *hashes, size_t n,
		   const struct bayes_params *p, struct arena *a,
		   struct bayes_result *r, const char **err_r)
{
	struct db_counts *counts;
	struct bayes_sig *sig;
	const char *err;

	memset(r, 0, sizeof(*r));
	r->tokens = n;
	if (db_get_totals(db, &r->totals, &err) < 0)
		return bayes_fail(a, err, err_r);
	if (r->totals.spam < p->min_spam || r->totals.ham < p->min_ham) {
		r->status = BAYES_UNTRAINED;
		return 0;
	}
	counts = arena_alloc(a, (n ? n : 1) * sizeof(*counts));
	if (db_lookup(db, hashes, n, counts, &err) < 0)
		return bayes_fail(a, err, err_r);
	r->used = bayes_significant(hashes, counts, n, p, a, r, &sig);
	if (r->used == 0) {
		r->status = BAYES_NO_TOKENS;
		return 0;
	}
	r->prob = bayes_combine(p, sig, r->used, a);
	r->status = BAYES_OK;
	return 0;
}

enum bayes_verdict bayes_judge(double prob, const struct bayes_params *p)
{
	if (prob < p->ham_cutoff)
		return BAYES_HAM;
	if (prob >= p->spam_cutoff)
		return BAYES_SPAM;
	return BAYES_UNSURE;
}

/* ---- message id and learning ---- */

static uint64_t bayes_hash_field(uint64_t h, const struct msg *m, const char *name)
{
	const struct msg_header *f = msg_header_first(&m->headers, name);

	if (f != NULL && f->value != NULL)
		h = tok_hash_more(h, f->value, strlen(f->value));
	return tok_hash_more(h, "", 1); /* the NUL keeps fields apart */
}

/* The body without CRs (LF and CRLF copies of a message agree) and
   without its trailing line ends (mbox and Maildir differ there). */
static uint64_t bayes_hash_body(uint64_t h, const struct msg *m)
{
	const char *s = m->raw + (m->header_len < m->raw_len ? m->header_len : m->raw_len);
	const char *end = m->raw + m->raw_len, *cr;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	while (s < end && (cr = memchr(s, '\r', (size_t)(end - s))) != NULL) {
		h = tok_hash_more(h, s, (size_t)(cr - s));
		s = cr + 1;
	}
	return tok_hash_more(h, s, (size_t)(end - s));
}

uint64_t bayes_msgid(const struct msg *m)
{
	uint64_t h = TOK_HASH_INIT;

	h = bayes_hash_field(h, m, "Message-ID");
	h = bayes_hash_field(h, m, "Date");
	h = bayes_hash_field(h, m, "To");
	return tok_hash_final(bayes_hash_body(h, m));
}

int bayes_learn(struct db *db, const struct msg *m, const struct bayes_params *p,
		enum db_class cls, time_t now, enum db_learn_result *result_r,
		const char **err_r)
{
	struct tok_list t;
	const char *err;

	tok_message(m, &p->tok, m->arena, &t);
	if (db_learn(db, bayes_msgid(m), cls, t.hashes, t.count, now, result_r, &err) < 0)
		return bayes_fail(m->arena, err, err_r);
	return 0;
}

int bayes_forget(struct db *db, const struct msg *m, const struct bayes_params *p,
		 enum db_learn_result *result_r, const char **err_r)
{
	struct tok_list t;
	const char *err;

	tok_message(m, &p->tok, m->arena, &t);
	if (db_forget(db, bayes_msgid(m), t.hashes, t.count, result_r, &err) < 0)
		return bayes_fail(m->arena, err, err_r);
	return 0;
}

/* ---- SpamAssassin's buckets ---- */

static const struct bayes_bucket bayes_bucket_table[] = {
	{ "BAYES_00", 0.00, 0.01 },
	{ "BAYES_05", 0.01, 0.05 },
	{ "BAYES_20", 0.05, 0.20 },
	{ "BAYES_40", 0.20, 0.40 },
	{ "BAYES_50", 0.40, 0.60 },
	{ "BAYES_60", 0.60, 0.80 },
	{ "BAYES_80", 0.80, 0.95 },
	{ "BAYES_95", 0.95, 0.99 },
	{ "BAYES_99", 0.99, 1.00 },
	{ "BAYES_999", 0.999, 1.00 },
};

size_t bayes_buckets(const struct bayes_bucket **v_r)
{
	*v_r = bayes_bucket_table;
	return N_ELEMENTS(bayes_bucket_table);
}

size_t bayes_hit_names(double prob, const char *names_r[2])
{
	size_t i, n = 0;

	for (i = 0; i < N_ELEMENTS(bayes_bucket_table) && n < 2; i++) {
		const struct bayes_bucket *b = &bayes_bucket_table[i];
		if ((b->lo == 0 || prob > b->lo) && prob <= b->hi)
			names_r[n++] = b->name;
	}
	return n;
}
