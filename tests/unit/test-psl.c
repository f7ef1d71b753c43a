/*
 * test-psl.c - lib/psl.c: the Public Suffix List project's test vectors
 * (tests/test_psl.txt of github.com/publicsuffix/list, the version that
 * matches Debian 12's list: city.kobe.jp is still an exception) run
 * against Debian's list, then what mail adds: IP literals, trailing
 * dots, upper case, empty labels, U-labels and A-labels, the PRIVATE
 * section on and off, a small list parsed from memory (wildcards,
 * exceptions, sections, bad lines), a missing file, and lookups from
 * several threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/arena.h"
#include "lib/cfg.h"
#include "lib/psl.h"
#include "tests/unit/test.h"

static struct psl *list;

/* The registrable domain, "(null)" for NULL. */
static const char *reg(const char *host, unsigned int flags)
{
	static char out[512];
	struct arena *a = arena_new(1024);
	const char *r = psl_registrable(list, a, host, flags);

	snprintf(out, sizeof(out), "%s", r != NULL ? r : "(null)");
	arena_free(&a);
	return out;
}

static const char *suffix(const char *host, unsigned int flags)
{
	static char out[512];
	struct arena *a = arena_new(1024);
	const char *r = psl_suffix(list, a, host, flags);

	snprintf(out, sizeof(out), "%s", r != NULL ? r : "(null)");
	arena_free(&a);
	return out;
}

/* checkPublicSuffix(host, want) of the PSL project: want NULL when the
   host has no registrable domain. */
static void check(const char *host, const char *want)
{
	test_assert_str(reg(host, 0), want != NULL ? want : "(null)");
}

static void test_vectors(void)
{
	test_begin("psl: the PSL project's test vectors");
	test_assert_str(reg(NULL, 0), "(null)");
	/* mixed case */
	check("COM", NULL);
	check("example.COM", "example.com");
	check("WwW.example.COM", "example.com");
	/* leading dot */
	check(".com", NULL);
	check(".example", NULL);
	check(".example.com", NULL);
	check(".example.example", NULL);
	/* unlisted TLD */
	check("example", NULL);
	check("example.example", "example.example");
	check("b.example.example", "example.example");
	check("a.b.example.example", "example.example");
	/* TLD with only one rule */
	check("biz", NULL);
	check("domain.biz", "domain.biz");
	check("b.domain.biz", "domain.biz");
	check("a.b.domain.biz", "domain.biz");
	/* TLD with some two-level rules */
	check("com", NULL);
	check("example.com", "example.com");
	check("b.example.com", "example.com");
	check("a.b.example.com", "example.com");
	check("uk.com", NULL);
	check("example.uk.com", "example.uk.com");
	check("b.example.uk.com", "example.uk.com");
	check("a.b.example.uk.com", "example.uk.com");
	check("test.ac", "test.ac");
	/* TLD with only one (wildcard) rule */
	check("mm", NULL);
	check("c.mm", NULL);
	check("b.c.mm", "b.c.mm");
	check("a.b.c.mm", "b.c.mm");
	/* more complex TLD */
	check("jp", NULL);
	check("test.jp", "test.jp");
	check("www.test.jp", "test.jp");
	check("ac.jp", NULL);
	check("test.ac.jp", "test.ac.jp");
	check("www.test.ac.jp", "test.ac.jp");
	check("kyoto.jp", NULL);
	check("test.kyoto.jp", "test.kyoto.jp");
	check("ide.kyoto.jp", NULL);
	check("b.ide.kyoto.jp", "b.ide.kyoto.jp");
	check("a.b.ide.kyoto.jp", "b.ide.kyoto.jp");
	check("c.kobe.jp", NULL);
	check("b.c.kobe.jp", "b.c.kobe.jp");
	check("a.b.c.kobe.jp", "b.c.kobe.jp");
	check("city.kobe.jp", "city.kobe.jp");
	check("www.city.kobe.jp", "city.kobe.jp");
	/* a wildcard rule and exceptions */
	check("ck", NULL);
	check("test.ck", NULL);
	check("b.test.ck", "b.test.ck");
	check("a.b.test.ck", "b.test.ck");
	check("www.ck", "www.ck");
	check("www.www.ck", "www.ck");
	/* US K12 */
	check("us", NULL);
	check("test.us", "test.us");
	check("www.test.us", "test.us");
	check("ak.us", NULL);
	check("test.ak.us", "test.ak.us");
	check("www.test.ak.us", "test.ak.us");
	check("k12.ak.us", NULL);
	check("test.k12.ak.us", "test.k12.ak.us");
	check("www.test.k12.ak.us", "test.k12.ak.us");
	/* IDN labels */
	check("食狮.com.cn", "食狮.com.cn");
	check("食狮.公司.cn", "食狮.公司.cn");
	check("www.食狮.公司.cn", "食狮.公司.cn");
	check("shishi.公司.cn", "shishi.公司.cn");
	check("公司.cn", NULL);
	check("食狮.中国", "食狮.中国");
	check("www.食狮.中国", "食狮.中国");
	check("shishi.中国", "shishi.中国");
	check("中国", NULL);
	/* the same, Punycode */
	check("xn--85x722f.com.cn", "xn--85x722f.com.cn");
	check("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn");
	check("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn");
	check("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn");
	check("xn--55qx5d.cn", NULL);
	check("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s");
	check("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s");
	check("shishi.xn--fiqs8s", "shishi.xn--fiqs8s");
	check("xn--fiqs8s", NULL);
	test_end();
}

static void test_mail_cases(void)
{
	struct arena *a = arena_new(1024);

	test_begin("psl: IP literals, trailing dots, case, empty labels, IDN forms");
	check("192.0.2.1", NULL);
	check("192.0.2.1.", NULL);
	check("1.2.3", NULL);
	check("2001:db8::1", NULL);
	check("[192.0.2.1]", NULL);
	check("[2001:db8::1]", NULL);
	check("::ffff:192.0.2.1", NULL);
	/* a numeric label below a real TLD is a name */
	check("123.example.com", "example.com");
	check("4.3.2.1.example.com", "example.com");
	check("www.example.com.", "example.com");
	check("example.com..", NULL);
	check(".", NULL);
	check("", NULL);
	check("a..example.com", NULL);
	check("a.example..com", NULL);
	check("WWW.EXAMPLE.CO.UK", "example.co.uk");
	check("a.b.example.co.uk", "example.co.uk");
	check("co.uk", NULL);
	check("www example.com", NULL);
	check("a\tb.com", NULL);
	/* labels of 63 and 64 bytes, names of 253 and 254 */
	check("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.com",
	      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.com");
	check("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.com", NULL);
	{
		char name[300];
		size_t i;
		for (i = 0; i < 250; i += 2)
			memcpy(name + i, "a.", 2);
		memcpy(name + 250, "com", 4); /* 253 bytes */
		test_assert_str(reg(name, 0), "a.com");
		memcpy(name + 253, ".", 2); /* 253 and a trailing dot */
		test_assert_str(reg(name, 0), "a.com");
		name[253] = '\0';
		memmove(name + 1, name, 254);
		name[0] = 'x'; /* 254 */
		test_assert_str(reg(name, 0), "(null)");
	}
	/* U-labels: as given, or in A-labels; upper-case ASCII in them folded */
	test_assert_str(reg("WWW.食狮.公司.CN", 0), "食狮.公司.cn");
	test_assert_str(reg("www.食狮.公司.cn", PSL_ASCII), "xn--85x722f.xn--55qx5d.cn");
	test_assert_str(reg("Mañana.COM", PSL_ASCII), "xn--maana-pta.com");
	test_assert_str(psl_to_ascii(a, "bücher.example."), "xn--bcher-kva.example");
	test_assert_str(psl_to_ascii(a, "München.de"), "xn--mnchen-3ya.de");
	test_assert_str(psl_to_ascii(a, "abc.de"), "abc.de");
	test_assert(psl_to_ascii(a, "a..de") == NULL);
	/* mixed forms: one label each way */
	test_assert_str(reg("www.xn--85x722f.公司.cn", 0), "xn--85x722f.公司.cn");
	/* bad UTF-8 (a lone continuation byte, an overlong '/', a surrogate) */
	check("\x80.com", NULL);
	check("\xc0\xaf.com", NULL);
	check("\xed\xa0\x80.com", NULL);
	test_assert_str(suffix("www.example.co.uk", 0), "co.uk");
	test_assert_str(suffix("co.uk", 0), "co.uk");
	test_assert_str(suffix("a.b.c.mm", 0), "c.mm");
	test_assert_str(suffix("example.unknowntld", 0), "unknowntld");
	test_assert_str(suffix("www.食狮.中国", 0), "中国");
	test_assert_str(suffix("www.食狮.中国", PSL_ASCII), "xn--fiqs8s");
	test_assert_str(suffix("192.0.2.1", 0), "(null)");
	arena_free(&a);
	test_end();
}

static void test_private(void)
{
	test_begin("psl: the PRIVATE section counts, unless PSL_ICANN_ONLY");
	/* blogspot.com and github.io are PRIVATE rules of the Debian list */
	check("foo.blogspot.com", "foo.blogspot.com");
	check("www.foo.blogspot.com", "foo.blogspot.com");
	check("blogspot.com", NULL);
	test_assert_str(reg("www.foo.blogspot.com", PSL_ICANN_ONLY), "blogspot.com");
	test_assert_str(reg("blogspot.com", PSL_ICANN_ONLY), "blogspot.com");
	check("user.github.io", "user.github.io");
	test_assert_str(reg("user.github.io", PSL_ICANN_ONLY), "github.io");
	/* a PRIVATE wildcard: *.compute.amazonaws.com */
	check("a.b.eu-west-1.compute.amazonaws.com", "b.eu-west-1.compute.amazonaws.com");
	test_assert_str(reg("a.b.eu-west-1.compute.amazonaws.com", PSL_ICANN_ONLY),
			"amazonaws.com");
	test_assert_str(suffix("x.foo.blogspot.com", 0), "blogspot.com");
	test_assert_str(suffix("x.foo.blogspot.com", PSL_ICANN_ONLY), "com");
	test_end();
}

static void test_parse(void)
{
	static const char text[] =
		"// a list of our own\r\n"
		"// ===BEGIN ICANN DOMAINS===\n"
		"tld\n"
		"*.wild\n"
		"!except.wild\n"
		"two.tld  trailing words are ignored\n"
		"  indented.tld\n"
		"ÄÖ.tld\n"
		"// ===END ICANN DOMAINS===\n"
		"// ===BEGIN PRIVATE DOMAINS===\n"
		"pages.two.tld\n"
		"*.cloud.tld\n"
		"// ===END PRIVATE DOMAINS===\n"
		"bad..rule\n"
		"a.*.b\n"
		"!single\n"
		"trailing.dot.\n"
		"1.2.3.4\n"
		"!\n"
		"after.tld";
	struct psl *p, *saved = list;
	struct arena *a = arena_new(1024);
	char *err = NULL;

	test_begin("psl: parsing a list: wildcards, exceptions, sections, bad lines");
	p = psl_parse(text, sizeof(text) - 1, "mine.dat", &err);
	test_assert(p != NULL);
	test_assert_int(psl_rule_count(p), 9);
	test_assert_int(psl_skipped_count(p), 6);
	list = p;
	check("x.tld", "x.tld");
	check("y.x.two.tld", "x.two.tld");
	check("y.x.indented.tld", "x.indented.tld");
	check("a.b.wild", "a.b.wild");
	check("b.wild", NULL);
	check("wild", NULL);
	check("except.wild", "except.wild");
	check("www.except.wild", "except.wild");
	check("x.pages.two.tld", "x.pages.two.tld");
	test_assert_str(reg("x.pages.two.tld", PSL_ICANN_ONLY), "pages.two.tld");
	check("a.b.c.cloud.tld", "b.c.cloud.tld");
	test_assert_str(reg("a.b.c.cloud.tld", PSL_ICANN_ONLY), "cloud.tld");
	check("q.after.tld", "q.after.tld");
	/* "ÄÖ.tld" was stored in A-labels (after ASCII-only folding: Ä stays) */
	check("z.xn--7ba0b.tld", "z.xn--7ba0b.tld");
	check("z.ÄÖ.tld", "z.ÄÖ.tld");
	check("z.äö.tld", "äö.tld"); /* no Unicode case folding: another name */
	list = saved;
	psl_free(&p);
	test_assert(p == NULL);

	test_assert(psl_parse("// only comments\n\n", 18, "empty.dat", &err) == NULL);
	test_assert_str(err, "empty.dat: no public suffix rules in it");
	free(err);
	test_assert(psl_load("/nonexistent/psl.dat", &err) == NULL);
	test_assert_str(err, "public_suffix_list: cannot open /nonexistent/psl.dat: No such "
			     "file or directory (Debian package publicsuffix)");
	free(err);
	arena_free(&a);
	test_end();
}

static void test_cfg(void)
{
	struct cfg *c = cfg_new();
	struct psl *p;
	char *err = NULL;

	test_begin("psl: public_suffix_list config key");
	test_assert_str(cfg_str(c, "public_suffix_list"), PSL_DEFAULT_PATH);
	test_assert_int(cfg_set_option(c, "public_suffix_list=/nonexistent/x.dat", &err), 0);
	test_assert(psl_load_cfg(c, &err) == NULL);
	test_assert(strstr(err, "/nonexistent/x.dat") != NULL);
	free(err);
	test_assert_int(cfg_set_option(c, "public_suffix_list=" PSL_DEFAULT_PATH, &err), 0);
	p = psl_load_cfg(c, &err);
	test_assert(p != NULL);
	test_assert(psl_rule_count(p) > 9000);
	test_assert_int(psl_skipped_count(p), 0);
	psl_free(&p);
	cfg_free(&c);
	test_end();
}

static const char *const thread_hosts[][2] = {
	{ "a.b.example.co.uk", "example.co.uk" }, { "www.city.kobe.jp", "city.kobe.jp" },
	{ "x.foo.blogspot.com", "foo.blogspot.com" }, { "www.食狮.中国", "xn--85x722f.xn--fiqs8s" },
	{ "192.0.2.1", NULL }, { "mail.example.com", "example.com" },
};
static int thread_bad;

static void *worker(void *arg)
{
	struct arena *a = arena_new(4096);
	size_t i, k;
	int bad = 0;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		const char *r;
		k = i % (sizeof(thread_hosts) / sizeof(thread_hosts[0]));
		r = psl_registrable(list, a, thread_hosts[k][0], PSL_ASCII);
		if ((r == NULL) != (thread_hosts[k][1] == NULL) ||
		    (r != NULL && strcmp(r, thread_hosts[k][1]) != 0))
			bad++;
		if (i % 1000 == 999)
			arena_reset(a);
	}
	arena_free(&a);
	__atomic_add_fetch(&thread_bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void test_threads(void)
{
	pthread_t t[4];
	double t0;
	int i;

	test_begin("psl: four threads look up in one list");
	t0 = now_ms();
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("psl: 80000 lookups on 4 threads in %.1f ms\n", now_ms() - t0);
	test_assert_int(thread_bad, 0);
	test_end();
}

int main(void)
{
	char *err = NULL;
	double t0 = now_ms();

	list = psl_load(PSL_DEFAULT_PATH, &err);
	if (list == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("psl: %zu rules loaded in %.1f ms\n", psl_rule_count(list), now_ms() - t0);
	test_vectors();
	test_mail_cases();
	test_private();
	test_parse();
	test_cfg();
	test_threads();
	psl_free(&list);
	return test_exit();
}
