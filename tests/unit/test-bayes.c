/*
 * test-bayes.c - the tokenizer on small messages (tests/data/bayes):
 * header prefixes, addresses, Received, URIs, MIME structure, bigrams,
 * long-word summaries, UTF-8, the cap and dedupe; the hash pinned to
 * values computed independently; the message id; the probability and
 * chi-square maths; the classifier on a small synthetic training set
 * (through a real store in a temporary directory); SpamAssassin's
 * BAYES_xx bucket edges.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bayes/bayes.h"
#include "lib/buf.h"
#include "tests/unit/test.h"

static struct msg *parse_text(struct arena *a, const char *text, size_t len)
{
	struct msg_limits lim;

	msg_limits_default(&lim);
	return msg_parse(a, text, len, &lim);
}

static struct msg *parse_file(struct arena *a, const char *rel)
{
	size_t len;
	char *data = test_read_file(rel, &len);
	struct msg *m = parse_text(a, data, len);

	free(data);
	return m;
}

static struct tok_params text_params(void)
{
	struct tok_params p;

	tok_params_default(&p);
	p.keep_text = 1;
	p.bigrams = 1; /* off by default; these tests cover them */
	return p;
}

/* How often token s is in the list (0 or 1 when dedupe works); also
   checks its hash. */
static int has(const struct tok_list *t, const char *s)
{
	size_t i;
	int n = 0;

	for (i = 0; i < t->count; i++) {
		if (strcmp(t->text[i], s) == 0) {
			n++;
			if (t->hashes[i] != tok_hash(s, strlen(s)))
				return -1;
		}
	}
	return n;
}

static void dump(const struct tok_list *t)
{
	size_t i;

	if (getenv("TEST_BAYES_DUMP") == NULL)
		return;
	for (i = 0; i < t->count; i++)
		printf("  [%s]\n", t->text[i]);
}

static void test_hash(void)
{
	test_begin("tok: hash is FNV-1a 64 + finalizer, pinned values");
	test_assert(tok_hash("", 0) == 0xf52a15e9a9b5e89bULL);
	test_assert(tok_hash("a", 1) == 0x02c0bdbf481420f8ULL);
	test_assert(tok_hash("free", 4) == 0x4d5c25d195e613fbULL);
	test_assert(tok_hash("s:free", 6) == 0xc4e25dbfd5c32f65ULL);
	test_assert(tok_hash("u8:\xe6\x97\xa5", 6) == 0x14860c80e8842f13ULL);
	test_assert(tok_hash_final(tok_hash_more(tok_hash_more(TOK_HASH_INIT, "s:", 2),
						 "free", 4)) == tok_hash("s:free", 6));
	test_end();
}

static void test_plain(void)
{
	struct arena *a = arena_new(0);
	struct msg *m = parse_file(a, "tests/data/bayes/plain.eml");
	struct tok_params p = text_params();
	struct tok_list t;

	tok_message(m, &p, a, &t);
	dump(&t);
	test_begin("tok: Subject words folded, odd case kept as S:");
	test_assert_int(has(&t, "s:free"), 1);
	test_assert_int(has(&t, "S:FREE"), 1);
	test_assert_int(has(&t, "s:viagra"), 1);
	test_assert_int(has(&t, "S:ViAgRa"), 1);
	test_assert_int(has(&t, "S:Viagra"), 0); /* title case is not odd */
	test_assert_int(has(&t, "s:now"), 1);
	test_assert_int(has(&t, "free"), 0);     /* not a body word here */
	test_end();

	test_begin("tok: address headers: name, local part, domain and parents");
	test_assert_int(has(&t, "f:n:cheap"), 1);
	test_assert_int(has(&t, "f:n:pills"), 1);
	test_assert_int(has(&t, "f:u:offers"), 1);
	test_assert_int(has(&t, "f:d:mail.shop.example.net"), 1);
	test_assert_int(has(&t, "f:d:shop.example.net"), 1);
	test_assert_int(has(&t, "f:d:example.net"), 1);
	test_assert_int(has(&t, "f:d:net"), 0);
	test_assert_int(has(&t, "r:u:orders"), 1);
	test_assert_int(has(&t, "t:u:user"), 1);
	test_assert_int(has(&t, "t:d:example.com"), 1);
	test_assert_int(has(&t, "rp:u:sk:bounce-"), 1); /* long local part cut */
	test_end();

	test_begin("tok: Message-ID, X-Mailer, header names, Received");
	test_assert_int(has(&t, "mid:d:mailer.shop.example.net"), 1);
	test_assert_int(has(&t, "mid:s:9.x"), 1);
	test_assert_int(has(&t, "ua:Microsoft"), 1);
	test_assert_int(has(&t, "ua:6.00.2800.1106"), 1);
	test_assert_int(has(&t, "hn:x-mailer"), 1);
	test_assert_int(has(&t, "hn:return-path"), 1);
	test_assert_int(has(&t, "hn:x-spam-status"), 0);
	test_assert_int(has(&t, "rh:relay.example.org"), 1);
	test_assert_int(has(&t, "ri:192.0.2"), 1);
	test_assert_int(has(&t, "ri:198.51.100"), 1);
	test_assert_int(has(&t, "rr:dsl.example.net"), 1);
	test_assert_int(has(&t, "rw:esmtp"), 1);
	test_assert_int(has(&t, "mp:text/plain"), 1);
	test_assert_int(has(&t, "cs:us-ascii"), 1);
	test_end();

	test_begin("tok: URI host, parents, scheme, path words");
	test_assert_int(has(&t, "uh:www.pills.example.net"), 1);
	test_assert_int(has(&t, "uh:pills.example.net"), 1);
	test_assert_int(has(&t, "uh:example.net"), 1);
	test_assert_int(has(&t, "us:http"), 1);
	test_assert_int(has(&t, "up:buy"), 1);
	test_assert_int(has(&t, "up:now.html"), 1);
	test_end();

	test_begin("tok: body words, punctuation, addresses, long words, bigrams");
	test_assert_int(has(&t, "buy"), 1);
	test_assert_int(has(&t, "cheap"), 1);
	test_assert_int(has(&t, "deals"), 1);     /* "deals..." trimmed */
	test_assert_int(has(&t, "$1,000"), 1);
	test_assert_int(has(&t, "e-mail"), 1);
	test_assert_int(has(&t, "u.s.a"), 1);
	test_assert_int(has(&t, "us"), 0);        /* too short */
	test_assert_int(has(&t, "ea:pharmacy.example.org"), 1);
	test_assert_int(has(&t, "ea:example.org"), 1);
	test_assert_int(has(&t, "sk:superca"), 1);
	test_assert_int(has(&t, "supercalifragilisticexpialidocious"), 0);
	test_assert_int(has(&t, "buy cheap"), 1);
	test_assert_int(has(&t, "cheap pills"), 1);
	test_assert_int(has(&t, "pills buy"), 0);
	test_end();

	test_begin("tok: a URL written in the body gives no body words");
	test_assert_int(has(&t, "http"), 0);
	test_assert_int(has(&t, "sk:www.pil"), 0);
	test_assert_int(has(&t, "now.html"), 0);
	test_assert_int(has(&t, "today"), 1);
	test_assert_int(has(&t, "visit today"), 0); /* the URL breaks the chain */
	test_assert_int(has(&t, "today write"), 1);
	test_assert_int(has(&t, "uh:pharmacy.example.org"), 1); /* the mailto */
	test_assert_int(has(&t, "up:sk:sales@p"), 0);
	test_end();

	test_begin("tok: dedupe: a repeated word and pair once each");
	test_assert_int(has(&t, "spam"), 1);
	test_assert_int(has(&t, "spam spam"), 1);
	test_assert(!t.truncated);
	test_end();

	test_begin("tok: same hashes without text; bigrams can be turned off");
	{
		struct tok_list t2;
		size_t i, same = 0;
		p.keep_text = 0;
		tok_message(m, &p, a, &t2);
		test_assert(t2.text == NULL);
		test_assert_int(t2.count, t.count);
		for (i = 0; i < t.count && i < t2.count; i++)
			same += t.hashes[i] == t2.hashes[i];
		test_assert_int(same, t.count);
		p.keep_text = 1;
		p.bigrams = 0;
		tok_message(m, &p, a, &t2);
		test_assert_int(has(&t2, "buy cheap"), 0);
		test_assert_int(has(&t2, "buy"), 1);
		test_assert(t2.count < t.count);
	}
	test_end();
	arena_free(&a);
}

static void test_html_mime(void)
{
	struct arena *a = arena_new(0);
	struct msg *m = parse_file(a, "tests/data/bayes/html.eml");
	struct tok_params p = text_params();
	struct tok_list t;

	tok_message(m, &p, a, &t);
	dump(&t);
	test_begin("tok: MIME structure, attachment type and extension, boundary");
	test_assert_int(has(&t, "mp:multipart/mixed"), 1);
	test_assert_int(has(&t, "mp:multipart/alternative"), 1);
	test_assert_int(has(&t, "mp:text/html"), 1);
	test_assert_int(has(&t, "cs:utf-8"), 1);
	test_assert_int(has(&t, "ce:base64"), 1);
	test_assert_int(has(&t, "at:application/pdf"), 1);
	test_assert_int(has(&t, "ax:pdf"), 1);
	test_assert_int(has(&t, "bd:----=_x_9_9_h.h"), 1);
	test_assert_int(has(&t, "mid:s:h"), 1);
	test_end();

	test_begin("tok: HTML visible text, hidden text, links");
	test_assert_int(has(&t, "quarterly"), 1);
	test_assert_int(has(&t, "quarterly meeting"), 1);
	test_assert_int(has(&t, "hid:3"), 1);          /* "hiddenword": 10 bytes */
	test_assert_int(has(&t, "i:hiddenword"), 1);   /* on by default */
	test_assert_int(has(&t, "hiddenword"), 0);
	p.hidden_text = 0;
	tok_message(m, &p, a, &t);
	test_assert_int(has(&t, "i:hiddenword"), 0);
	test_assert_int(has(&t, "hid:3"), 1);
	test_assert_int(has(&t, "hiddenword"), 0);
	p.hidden_text = 1;
	tok_message(m, &p, a, &t);
	test_assert_int(has(&t, "uh:docs.example.org"), 1);
	test_assert_int(has(&t, "us:https"), 1);
	test_assert_int(has(&t, "up:files"), 1);
	test_end();
	arena_free(&a);
}

static void test_utf8(void)
{
	struct arena *a = arena_new(0);
	struct msg *m = parse_file(a, "tests/data/bayes/cjk.eml");
	struct tok_params p = text_params();
	struct tok_list t;
	size_t i, sk = 0;

	tok_message(m, &p, a, &t);
	dump(&t);
	test_begin("tok: long CJK run gives u8: characters, punctuation splits");
	test_assert_int(has(&t, "u8:\xe6\x97\xa5"), 1); /* 日 */
	test_assert_int(has(&t, "u8:\xe8\xaa\x9e"), 1); /* 語 */
	for (i = 0; i < t.count; i++)
		sk += strncmp(t.text[i], "sk:", 3) == 0;
	test_assert_int(sk, 0);
	test_assert_int(has(&t, "caf\xc3\xa9"), 1);
	test_assert_int(has(&t, "world"), 1); /* NBSP separates */
	test_assert_int(has(&t, "done"), 1);
	test_assert_int(has(&t, "quoted"), 1); /* curly quotes separate */
	test_end();
	arena_free(&a);
}

static void test_cap(void)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct tok_params p = text_params();
	struct tok_list t;
	struct msg *m;
	int i;

	buf_append_str(&b, "Subject: many words\n\n");
	for (i = 0; i < 5000; i++)
		buf_printf(&b, "word%04d ", i);
	m = parse_text(a, b.data, b.len);
	test_begin("tok: per-message cap keeps structure and headers first");
	p.max_tokens = 100;
	tok_message(m, &p, a, &t);
	test_assert_int(t.count, 100);
	test_assert(t.truncated);
	test_assert_int(has(&t, "mp:text/plain"), 1);
	test_assert_int(has(&t, "s:many"), 1);
	test_assert_int(has(&t, "word0000"), 1);
	test_assert_int(has(&t, "word4999"), 0);
	p.max_tokens = 0;
	tok_message(m, &p, a, &t);
	test_assert_int(t.count, 0);
	p.max_tokens = 100000;
	tok_message(m, &p, a, &t);
	test_assert(!t.truncated);
	test_assert_int(has(&t, "word4999"), 1);
	test_end();

	test_begin("tok: max_token_len decides what is long");
	p.max_token_len = 5;
	tok_message(m, &p, a, &t);
	test_assert_int(has(&t, "sk:word000"), 1);
	test_assert_int(has(&t, "word0000"), 0);
	test_assert_int(has(&t, "s:many"), 1);
	test_assert_int(has(&t, "s:words"), 1);
	test_end();
	buf_free(&b);
	arena_free(&a);
}

static void test_msgid(void)
{
	static const char lf[] = "Message-ID: <1@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
				 "To: a@b\nSubject: s\n\nbody line\nsecond\n";
	static const char crlf[] = "Received: from x by y; Mon, 1 Jan 2024 00:00:01 +0000\r\n"
				   "Message-ID: <1@x>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
				   "To: a@b\r\nSubject: s\r\nX-Spam-Status: Yes\r\n\r\n"
				   "body line\r\nsecond\r\n\r\n";
	static const char other_body[] = "Message-ID: <1@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
					 "To: a@b\nSubject: s\n\nbody line\nthird\n";
	static const char other_id[] = "Message-ID: <2@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
				       "To: a@b\nSubject: s\n\nbody line\nsecond\n";
	struct arena *a = arena_new(0);
	uint64_t id = bayes_msgid(parse_text(a, lf, strlen(lf)));

	test_begin("bayes: message id ignores CRLF, added headers, trailing lines");
	test_assert(id == bayes_msgid(parse_text(a, crlf, strlen(crlf))));
	test_assert(id != bayes_msgid(parse_text(a, other_body, strlen(other_body))));
	test_assert(id != bayes_msgid(parse_text(a, other_id, strlen(other_id))));
	test_assert(bayes_msgid(parse_text(a, "", 0)) != 0);
	test_end();
	arena_free(&a);
}

static void test_maths(void)
{
	struct bayes_params p;
	struct db_totals tot = { 100, 100 };
	struct db_counts c;
	double probs[20];
	int i;

	bayes_params_default(&p);
	p.robinson_s = 0.03; /* the formula, with SpamAssassin's strength */
	test_begin("bayes: Robinson f(w)");
	c.spam = 0;
	c.ham = 0;
	test_assert(bayes_token_prob(&c, &tot, &p) == p.robinson_x);
	c.spam = 10;
	test_assert(fabs(bayes_token_prob(&c, &tot, &p) - (0.03 * 0.538 + 10) / 10.03) < 1e-12);
	c.spam = 1;
	c.ham = 1;
	test_assert(fabs(bayes_token_prob(&c, &tot, &p) - 0.5) < 0.01);
	/* ratios, not counts: 10 of 100 spam vs 10 of 1000 ham is spammy */
	tot.ham = 1000;
	c.spam = 10;
	c.ham = 10;
	test_assert(bayes_token_prob(&c, &tot, &p) > 0.9);
	c.spam = 0;
	c.ham = 1;
	test_assert(bayes_token_prob(&c, &tot, &p) < 0.05);
	test_end();

	test_begin("bayes: chi-square combining");
	test_assert(bayes_chi2_combine(probs, 0) == 0.5);
	for (i = 0; i < 20; i++)
		probs[i] = 0.99;
	test_assert(bayes_chi2_combine(probs, 20) > 0.999);
	for (i = 0; i < 20; i++)
		probs[i] = 0.01;
	test_assert(bayes_chi2_combine(probs, 20) < 0.001);
	for (i = 0; i < 20; i++)
		probs[i] = i % 2 ? 0.99 : 0.01;
	test_assert(fabs(bayes_chi2_combine(probs, 20) - 0.5) < 1e-9);
	probs[0] = 0.0; /* clamped, no NaN */
	probs[1] = 1.0;
	test_assert(!isnan(bayes_chi2_combine(probs, 2)));
	for (i = 0; i < 20; i++)
		probs[i] = 0.9;
	test_assert(bayes_chi2_combine(probs, 20) > bayes_chi2_combine(probs, 3));
	test_end();
}

static void test_buckets(void)
{
	static const struct {
		double p;
		const char *a, *b;
	} cases[] = {
		{ 0.0, "BAYES_00", NULL },	   { 0.01, "BAYES_00", NULL },
		{ 0.0100001, "BAYES_05", NULL }, { 0.05, "BAYES_05", NULL },
		{ 0.2, "BAYES_20", NULL },	   { 0.2000001, "BAYES_40", NULL },
		{ 0.4, "BAYES_40", NULL },	   { 0.5, "BAYES_50", NULL },
		{ 0.6, "BAYES_50", NULL },	   { 0.8, "BAYES_60", NULL },
		{ 0.95, "BAYES_80", NULL },	   { 0.99, "BAYES_95", NULL },
		{ 0.995, "BAYES_99", NULL },	   { 0.999, "BAYES_99", NULL },
		{ 0.9991, "BAYES_99", "BAYES_999" }, { 1.0, "BAYES_99", "BAYES_999" },
	};
	const struct bayes_bucket *v;
	const char *names[2];
	size_t i, n, bad = 0;

	test_begin("bayes: BAYES_xx buckets as SpamAssassin's check_bayes");
	test_assert_int(bayes_buckets(&v), 10);
	test_assert_str(v[9].name, "BAYES_999");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		n = bayes_hit_names(cases[i].p, names);
		test_assert_int(n, cases[i].b ? 2 : 1);
		test_assert_str(names[0], cases[i].a);
		if (n == 2)
			test_assert_str(names[1], cases[i].b);
	}
	/* every probability hits exactly one of the first nine */
	for (i = 0; i <= 100000; i++) {
		n = bayes_hit_names((double)i / 100000.0, names);
		bad += n < 1 || strcmp(names[0], "BAYES_999") == 0;
	}
	test_assert_int(bad, 0);
	test_end();
}

/* ---- the classifier on a synthetic store ---- */

static char tmpdir[] = "/tmp/wn-test-bayes-XXXXXX";

static const char *const spam_words[] = { "viagra", "lottery", "winner", "casino",
					  "pills", "cheap", "prize", "unsubscribe" };
static const char *const ham_words[] = { "meeting", "agenda", "project", "report",
					 "lunch", "review", "patch", "release" };
static const char *const both_words[] = { "hello", "today", "please", "thanks",
					  "information", "about", "there", "would" };

/* A message of k words drawn from one vocabulary and the shared one. */
static struct msg *synth(struct arena *a, int spam, int n, int k)
{
	const char *const *v = spam ? spam_words : ham_words;
	struct buf b = BUF_INIT;
	struct msg *m;
	int i;

	buf_printf(&b, "Message-ID: <%s%d@example.com>\nSubject: %s %s\n\n",
		   spam ? "s" : "h", n, v[n % 8], both_words[n % 8]);
	for (i = 0; i < k; i++)
		buf_printf(&b, "%s %s ", v[(n + i * 3) % 8], both_words[(n * 5 + i) % 8]);
	buf_append_str(&b, "\n");
	m = parse_text(a, b.data, b.len);
	buf_free(&b);
	return m;
}

static void classify(struct db *db, const struct msg *m, const struct bayes_params *p,
		     struct arena *a, struct bayes_result *r)
{
	struct tok_list t;
	const char *err = NULL;

	tok_message(m, &p->tok, a, &t);
	test_assert_int(bayes_classify(db, t.hashes, t.count, p, a, r, &err), 0);
}

static void test_classifier(void)
{
	struct arena *a = arena_new(0);
	struct bayes_params p;
	struct bayes_result r;
	enum db_learn_result lr;
	const char *err = NULL;
	char path[256], *oerr = NULL;
	struct db *db;
	int i;

	snprintf(path, sizeof(path), "%s/bayes.db", tmpdir);
	db = db_open(path, NULL, &oerr);
	test_assert(db != NULL);
	if (db == NULL) {
		fprintf(stderr, "%s\n", oerr);
		return;
	}
	bayes_params_default(&p);
	for (i = 0; i < 30; i++) {
		test_assert_int(bayes_learn(db, synth(a, 1, i, 6), &p, DB_SPAM, 1704067200,
					    &lr, &err), 0);
		test_assert_int(bayes_learn(db, synth(a, 0, i, 6), &p, DB_HAM, 1704067200,
					    &lr, &err), 0);
	}
	test_begin("bayes: not enough training below min_spam/min_ham");
	classify(db, synth(a, 1, 100, 6), &p, a, &r);
	test_assert_int(r.status, BAYES_UNTRAINED);
	test_assert_int(r.totals.spam, 30);
	test_assert_int(r.totals.ham, 30);
	test_end();

	test_begin("bayes: spammy message > 0.9, hammy < 0.1");
	p.min_spam = p.min_ham = 30;
	classify(db, synth(a, 1, 100, 6), &p, a, &r);
	test_assert_int(r.status, BAYES_OK);
	test_assert(r.prob > 0.9);
	test_assert(r.used > 0 && r.used <= r.known && r.known <= r.tokens);
	test_assert_int(bayes_judge(r.prob, &p), BAYES_SPAM);
	classify(db, synth(a, 0, 100, 6), &p, a, &r);
	test_assert_int(r.status, BAYES_OK);
	test_assert(r.prob < 0.1);
	test_assert_int(bayes_judge(r.prob, &p), BAYES_HAM);
	test_end();

	test_begin("bayes: unknown words only: no result; max_significant bounds use");
	{
		static const char unk[] = "Subject: zz\n\nqwerty asdfgh zxcvbn\n";
		classify(db, parse_text(a, unk, strlen(unk)), &p, a, &r);
	}
	test_assert_int(r.status, BAYES_NO_TOKENS);
	p.max_significant = 3;
	classify(db, synth(a, 1, 101, 6), &p, a, &r);
	test_assert_int(r.used, 3);
	test_end();

	test_begin("bayes: learn twice counts once, forget through a message");
	bayes_params_default(&p);
	test_assert_int(bayes_learn(db, synth(a, 1, 0, 6), &p, DB_SPAM, 1704067200, &lr,
				    &err), 0);
	test_assert_int(lr, DB_ALREADY);
	test_assert_int(bayes_learn(db, synth(a, 1, 0, 6), &p, DB_HAM, 1704067200, &lr,
				    &err), 0);
	test_assert_int(lr, DB_RELEARNED);
	test_assert_int(bayes_forget(db, synth(a, 1, 0, 6), &p, &lr, &err), 0);
	test_assert_int(lr, DB_FORGOTTEN);
	test_assert_int(bayes_forget(db, synth(a, 1, 0, 6), &p, &lr, &err), 0);
	test_assert_int(lr, DB_NOT_LEARNED);
	classify(db, synth(a, 1, 0, 6), &p, a, &r);
	test_assert_int(r.totals.spam, 29);
	test_assert_int(r.totals.ham, 30);
	test_end();
	db_close(&db);
	unlink(path);
	arena_free(&a);
}

int main(void)
{
	char p[300];

	test_hash();
	test_plain();
	test_html_mime();
	test_utf8();
	test_cap();
	test_msgid();
	test_maths();
	test_buckets();
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_classifier();
	snprintf(p, sizeof(p), "%s/bayes.db-wal", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bayes.db-shm", tmpdir);
	unlink(p);
	rmdir(tmpdir);
	return test_exit();
}
