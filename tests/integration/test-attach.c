/*
 * test-attach.c - the attachment policy (filterd/check_attach.c) and its
 * zip reader (lib/zip.c). Run by test-attach.sh as `test-attach DIR`:
 * DIR holds the messages test-attach.py made (NAME.eml) and what each
 * must give (NAME.case). Each message goes through the real scan step
 * (attach_load + attach_run on a scan_ctx, the message parsed by
 * lib/msg) with the case's config and recipients; the exact set of
 * hits, the action, its reason and hit descriptions are asserted, and
 * the time is printed (and bounded where the case says).
 *
 * Without fixtures too: the policy file's errors (file:line and text),
 * the load errors, and name tricks judged on one file.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filterd/check_attach.h"
#include "filterd/scan.h"
#include "lib/cfg.h"
#include "lib/zip.h"
#include "tests/unit/test.h"

static const char *dir;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- one fixture ---- */

struct expect {
	const char *hits[16];
	size_t nhits;
	const char *action;
	const char *reason;
	const char *desc_name[8], *desc[8];
	size_t ndesc;
	const char *rcpts[8];
	size_t nrcpts;
	double maxms;
};

static void set_option(struct cfg *c, const char *kv)
{
	char *err = NULL;

	if (cfg_set_option(c, kv, &err) < 0) {
		fprintf(stderr, "%s: %s\n", kv, err);
		abort();
	}
}

/* Parses NAME.case (in place: the strings point into text). */
static void read_case(char *text, struct cfg *c, struct expect *e)
{
	char *line, *save = NULL;

	memset(e, 0, sizeof(*e));
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *arg = strchr(line, ' ');

		if (arg == NULL)
			continue;
		*arg++ = '\0';
		if (strcmp(line, "set") == 0) {
			set_option(c, arg);
		} else if (strcmp(line, "policy") == 0) {
			char kv[1024];

			snprintf(kv, sizeof(kv), "attach_policy_file=%s/%s", dir, arg);
			set_option(c, kv);
		} else if (strcmp(line, "rcpt") == 0 && e->nrcpts < 8) {
			e->rcpts[e->nrcpts++] = arg;
		} else if (strcmp(line, "hit") == 0 && e->nhits < 16) {
			e->hits[e->nhits++] = arg;
		} else if (strcmp(line, "action") == 0) {
			e->action = arg;
		} else if (strcmp(line, "reason") == 0) {
			e->reason = arg;
		} else if (strcmp(line, "maxms") == 0) {
			e->maxms = atof(arg);
		} else if (strcmp(line, "desc") == 0 && e->ndesc < 8) {
			char *sp = strchr(arg, ' ');

			if (sp == NULL)
				abort();
			*sp = '\0';
			e->desc_name[e->ndesc] = arg;
			e->desc[e->ndesc++] = sp + 1;
		}
	}
}

static void check_hits(const char *name, const struct scan_ctx *ctx, const struct expect *e)
{
	size_t i;

	for (i = 0; i < e->nhits; i++) {
		if (hits_find(&ctx->hits, e->hits[i]) == NULL)
			fprintf(stderr, "  %s: missing hit %s\n", name, e->hits[i]);
		test_assert(hits_find(&ctx->hits, e->hits[i]) != NULL);
	}
	for (i = 0; i < ctx->hits.count; i++) {
		const struct hit *h = &ctx->hits.v[i];
		size_t k;
		int want = 0;

		for (k = 0; k < e->nhits; k++)
			want |= strcmp(e->hits[k], h->name) == 0;
		if (!want)
			fprintf(stderr, "  %s: unexpected hit %s (%s)\n", name, h->name,
				h->description);
		test_assert(want);
		for (k = 0; k < ATTACH_KINDS; k++)
			if (strcmp(h->name, attach_kind_name((enum attach_kind)k)) == 0)
				test_assert(h->score == attach_kind_score((enum attach_kind)k));
	}
	for (i = 0; i < e->ndesc; i++) {
		const struct hit *h = hits_find(&ctx->hits, e->desc_name[i]);

		test_assert_str(h != NULL ? h->description : NULL, e->desc[i]);
	}
}

static void run_case(const char *name)
{
	char path[1024], *raw, *text;
	size_t len, tlen;
	struct cfg *c = cfg_new();
	struct scan_engine eng;
	struct scan_ctx *ctx;
	struct expect e;
	void *state = NULL;
	const char *err = NULL;
	double t0, ms;

	test_begin(name);
	snprintf(path, sizeof(path), "%s/%s.case", dir, name);
	text = test_read_path(path, &tlen);
	test_assert(text != NULL);
	read_case(text, c, &e);
	snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
	raw = test_read_path(path, &len);
	test_assert(raw != NULL);

	memset(&eng, 0, sizeof(eng));
	eng.cfg = c;
	scan_msg_limits(c, &eng.limits);
	test_assert_int(attach_load(&eng, &state, &err), 0);
	if (err != NULL)
		fprintf(stderr, "  %s: %s\n", name, err);
	ctx = scan_ctx_new(&eng, raw, len);
	ctx->msg = msg_parse(ctx->arena, ctx->raw, ctx->raw_len, &eng.limits);
	ctx->env.rcpts = e.rcpts;
	ctx->env.nrcpts = e.nrcpts;
	t0 = now_ms();
	test_assert_int(attach_run(ctx, state, &err), 0);
	ms = now_ms() - t0;
	check_hits(name, ctx, &e);
	test_assert_str(scan_action_name(ctx->action), e.action != NULL ? e.action : "none");
	if (e.reason != NULL)
		test_assert_str(ctx->action_reason, e.reason);
	if (e.maxms > 0)
		test_assert(ms < e.maxms);
	printf("  %-22s %7.2f ms  %zu hit(s)  action=%s%s%s\n", name, ms, ctx->hits.count,
	       scan_action_name(ctx->action), ctx->action_reason ? "  " : "",
	       ctx->action_reason ? ctx->action_reason : "");
	scan_ctx_free(&ctx);
	attach_unload(state);
	cfg_free(&c);
	free(raw);
	free(text);
	test_end();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void run_fixtures(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[256];
	size_t n = 0, i;

	test_assert(d != NULL);
	while (d != NULL && (de = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".case") == 0)
			names[n++] = strndup(de->d_name, l - 5);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	test_begin("fixtures found");
	test_assert(n >= 40);
	test_end();
	for (i = 0; i < n; i++) {
		run_case(names[i]);
		free(names[i]);
	}
}

/* ---- without fixtures ---- */

static struct attach_conf *conf_default(void)
{
	struct cfg *c = cfg_new();
	char *err = NULL;
	struct attach_conf *conf = attach_conf_new(c, &err);

	test_assert(conf != NULL);
	cfg_free(&c);
	return conf;
}

static void policy_error(const char *text, const char *want)
{
	struct attach_conf *conf = conf_default();
	char *err = NULL;

	test_assert_int(attach_conf_parse_policy(conf, "p.conf", text, strlen(text), &err), -1);
	test_assert_str(err, want);
	free(err);
	attach_conf_free(&conf);
}

static void test_policy_errors(void)
{
	test_begin("policy file errors name file:line");
	policy_error("ban = exe\n", "p.conf:1: setting before any [domain] line");
	policy_error("# c\n[a.test]\nbam = exe\n", "p.conf:3: unknown setting 'bam'");
	policy_error("[a.test]\naction = bounce\n",
		     "p.conf:2: action: 'bounce': expected none, header, quarantine, discard, "
		     "tempfail or reject");
	policy_error("[a.test]\n\n\nencrypted_action=maybe\n",
		     "p.conf:4: encrypted_action: 'maybe': expected none, header, quarantine, "
		     "discard, tempfail or reject");
	policy_error("[a.test\n", "p.conf:1: expected [domain ...]");
	policy_error("[]\n", "p.conf:1: no domain in [ ]");
	policy_error("[a..test]\n", "p.conf:1: 'a..test' is not a domain");
	policy_error("[a_b.test, x y!z]\n", "p.conf:1: 'y!z' is not a domain");
	policy_error("[a.test]\n[b.test A.Test]\n",
		     "p.conf:2: domain a.test already has a block at line 1");
	policy_error("[a.test]\nban = exe .SCR e*x\n", "p.conf:2: 'e*x' is not a file extension");
	policy_error("[a.test]\ncheck = perhaps\n", "p.conf:2: check: 'perhaps': expected yes or no");
	policy_error("[a.test]\njust words\n", "p.conf:2: expected setting = value or [domain]");
	test_end();

	test_begin("policy file accepted");
	{
		static const char ok[] = "# policy\r\n[a.test, b.test]  # two\r\n"
					 "ban = .ISO, img\r\nallow=js\r\naction = quarantine\r\n"
					 "check = yes\r\n";
		struct attach_conf *conf = conf_default();
		char *err = NULL;
		struct arena *a = arena_new(4096);
		struct attach_finding *f;
		const char *r1[] = { "x@b.test" }, *r2[] = { "x@c.test" };

		test_assert_int(attach_conf_parse_policy(conf, "p.conf", ok, sizeof(ok) - 1, &err),
				0);
		test_assert_int(attach_judge_file(conf, a, "disk.iso", NULL, NULL, 0, r1, 1, &f),
				1);
		test_assert_int(f[0].kind, ATTACH_BANNED_EXT);
		test_assert_int(f[0].action, SCAN_ACT_QUARANTINE);
		/* iso is in the default list too */
		test_assert_int(attach_judge_file(conf, a, "disk.iso", NULL, NULL, 0, r2, 1, &f),
				1);
		test_assert_int(f[0].action, SCAN_ACT_REJECT);
		test_assert_int(attach_judge_file(conf, a, "a.js", NULL, NULL, 0, r1, 1, &f), 0);
		test_assert_int(attach_judge_file(conf, a, "a.js", NULL, NULL, 0, r2, 1, &f), 1);
		arena_free(&a);
		attach_conf_free(&conf);
	}
	test_end();
}

static void load_error(const char *kv, const char *want)
{
	struct cfg *c = cfg_new();
	struct scan_engine eng;
	void *state = NULL;
	const char *err = NULL;
	char *cerr = NULL;

	memset(&eng, 0, sizeof(eng));
	eng.cfg = c;
	if (kv != NULL)
		test_assert_int(cfg_set_option(c, kv, &cerr), 0);
	test_assert_int(attach_load(&eng, &state, &err), -1);
	test_assert(state == NULL);
	test_assert_str(err, want);
	cfg_free(&c);
}

static void test_load_errors(void)
{
	char kv[1100], want[1100], file[512];
	FILE *f;
	struct cfg *c = cfg_new();
	char *err = NULL;

	test_begin("load errors");
	load_error("attach_policy_file=/nonexistent/policy",
		   "attach_policy_file /nonexistent/policy: No such file or directory");
	load_error("attach_banned_ext=exe sc*r", "attach_banned_ext: 'sc*r' is not a file extension");
	load_error("attach_banned_content=pe doc",
		   "attach_banned_content: 'doc': expected pe, elf, macho, script, msi or lnk");
	snprintf(file, sizeof(file), "%s/bad-policy.conf", dir != NULL ? dir : "/tmp");
	f = fopen(file, "w");
	test_assert(f != NULL);
	if (f != NULL) {
		fputs("[ok.test]\nban = iso\n\n[bad.test]\nactoin = reject\n", f);
		fclose(f);
	}
	snprintf(kv, sizeof(kv), "attach_policy_file=%s", file);
	snprintf(want, sizeof(want), "%s:5: unknown setting 'actoin'", file);
	load_error(kv, want);
	remove(file);
	/* a bad action is refused by the config itself, with its origin */
	test_assert_int(cfg_set_option(c, "attach_action=bounce", &err), -1);
	test_assert(err != NULL && strstr(err, "attach_action") != NULL &&
		    strstr(err, "'bounce'") != NULL);
	free(err);
	cfg_free(&c);
	test_end();
}

static size_t judge_name(struct attach_conf *conf, struct arena *a, const char *name,
			 enum attach_kind *k_r)
{
	struct attach_finding *f;
	size_t n = attach_judge_file(conf, a, name, NULL, (const unsigned char *)"hello", 5,
				     NULL, 0, &f);

	*k_r = n > 0 ? f[0].kind : ATTACH_KINDS;
	return n;
}

static void test_names(void)
{
	static const struct {
		const char *name;
		int kind; /* ATTACH_KINDS: nothing */
	} cases[] = {
		{ "a.exe", ATTACH_BANNED_EXT },
		{ "A.EXE", ATTACH_BANNED_EXT },
		{ "a.pdf.exe", ATTACH_DOUBLE_EXT },
		{ "a.exe.pdf", ATTACH_KINDS },
		{ "a.exe.", ATTACH_BANNED_EXT },
		{ "a.exe . .  ", ATTACH_BANNED_EXT },
		{ "C:\\Users\\x\\a.scr", ATTACH_BANNED_EXT },
		{ "dir/a.lnk", ATTACH_BANNED_EXT },
		{ "exe", ATTACH_KINDS },
		{ ".exe", ATTACH_BANNED_EXT },
		{ "a.exe\xe2\x80\x8b", ATTACH_BANNED_EXT },           /* zero-width space */
		{ "a\xe2\x80\xae" "fdp.scr", ATTACH_BANNED_EXT },     /* RLO */
		{ "a.doc\xe2\x80\x83\xe2\x80\x83.js", ATTACH_DOUBLE_EXT }, /* em spaces */
		{ "a.jpg\xc2\xa0.vbs", ATTACH_DOUBLE_EXT },           /* no-break space */
		{ "a.e\xef\xbb\xbfxe", ATTACH_BANNED_EXT },           /* BOM inside */
		{ "a.exe\xc3\xa9", ATTACH_KINDS },                    /* a different extension */
		{ "report.pdf", ATTACH_KINDS },
		{ "archive.tar.gz", ATTACH_KINDS },
		{ "", ATTACH_KINDS },
	};
	struct attach_conf *conf = conf_default();
	struct arena *a = arena_new(4096);
	size_t i;

	test_begin("name tricks");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		enum attach_kind k;
		size_t n = judge_name(conf, a, cases[i].name, &k);

		if ((int)k != cases[i].kind)
			fprintf(stderr, "  name %zu '%s': kind %d, want %d\n", i, cases[i].name,
				(int)k, cases[i].kind);
		test_assert_int(k, cases[i].kind);
		test_assert(n <= 1);
	}
	arena_free(&a);
	attach_conf_free(&conf);
	test_end();
}

/* lib/zip.c on hand-made damage: truncations of a real archive at every
   length, and a directory pointing outside the buffer. */
static void test_zip_truncations(void)
{
	static const unsigned char small[] = {
		/* zip of "a.txt" = "hi\n", stored, made by python's zipfile */
		0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21,
		0x50, 0x7a, 0x7a, 0x6f, 0xed, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
		0x05, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x68, 0x69, 0x0a, 0x50,
		0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x21, 0x50, 0x7a, 0x7a, 0x6f, 0xed, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
		0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x50, 0x4b,
		0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x33, 0x00, 0x00,
		0x00, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct zip z;
	struct zip_entry e;
	unsigned char out[16];
	size_t n, len;

	test_begin("zip reader");
	test_assert_int(zip_open(&z, small, sizeof(small)), 0);
	if (zip_next(&z, &e) != 1) {
		test_assert(0);
		test_end();
		return;
	}
	test_assert_int((int)e.name_len, 5);
	test_assert(memcmp(e.name, "a.txt", 5) == 0);
	test_assert_int(zip_read(&z, &e, out, sizeof(out), &n), ZIP_READ_OK);
	test_assert_int((int)n, 3);
	test_assert(memcmp(out, "hi\n", 3) == 0);
	test_assert_int(zip_read(&z, &e, out, 2, &n), ZIP_READ_PARTIAL);
	test_assert_int(zip_next(&z, &e), 0);
	for (len = 0; len < sizeof(small); len++) {
		unsigned char *copy = malloc(len + 1); /* exact size: ASan sees overreads */

		memcpy(copy, small, len);
		if (zip_open(&z, copy, len) == 0) {
			while (zip_next(&z, &e) > 0)
				(void)zip_read(&z, &e, out, sizeof(out), &n);
		}
		free(copy);
	}
	test_end();
}

/* Real mail (the SpamAssassin corpus, when on this machine) judged with
   the defaults: what it finds, and how long judging takes, for the
   record. Nothing is asserted but that it runs. */
static void run_corpus(char **files, int n)
{
	struct attach_conf *conf = conf_default();
	struct msg_limits lim;
	size_t per_kind[ATTACH_KINDS] = { 0 }, with = 0, k;
	double total = 0, worst = 0;
	int i;

	msg_limits_default(&lim);
	for (i = 0; i < n; i++) {
		size_t len, nf, f;
		char *raw = test_read_path(files[i], &len);
		struct arena *a = arena_new(64 * 1024);
		struct attach_finding *list;
		const struct msg *m;
		double t0, ms;

		if (raw == NULL)
			continue;
		m = msg_parse(a, raw, len, &lim);
		t0 = now_ms();
		nf = attach_judge(conf, a, m, NULL, 0, &list);
		ms = now_ms() - t0;
		total += ms;
		worst = ms > worst ? ms : worst;
		with += nf > 0;
		for (f = 0; f < nf; f++) {
			per_kind[list[f].kind]++;
			printf("  corpus %s: %s %s: %s (%s)\n", files[i],
			       attach_kind_name(list[f].kind), list[f].file, list[f].why,
			       scan_action_name(list[f].action));
		}
		arena_free(&a);
		free(raw);
	}
	printf("  corpus: %d messages, %zu with findings, judging %.3f ms per message "
	       "(worst %.2f ms)\n", n, with, n > 0 ? total / n : 0.0, worst);
	for (k = 0; k < ATTACH_KINDS; k++)
		if (per_kind[k] > 0)
			printf("  corpus: %s %zu\n", attach_kind_name((enum attach_kind)k), per_kind[k]);
	attach_conf_free(&conf);
}

int main(int argc, char **argv)
{
	long before = rss_kb();

	dir = argc > 1 ? argv[1] : NULL;
	test_policy_errors();
	test_names();
	test_zip_truncations();
	if (dir != NULL) {
		test_load_errors();
		run_fixtures();
	}
	if (argc > 2)
		run_corpus(argv + 2, argc - 2);
	printf("  peak RSS %ld kB (at start %ld kB)\n", rss_kb(), before);
	return test_exit();
}
