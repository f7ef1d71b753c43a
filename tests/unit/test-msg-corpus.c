/*
 * test-msg-corpus.c - smoke test of the message parser on the real
 * messages of the SpamAssassin public corpus (easy-ham-1 and spam-1 of
 * /var/cache/winnow-corpus, or $WN_CORPUS), when present: every message
 * parses, fed whole and in random chunks with identical results, the
 * Received chain, addresses and dates parse, and rare flags stay rare.
 * Skipped (exit 77) without the corpus. Prints a flag histogram.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/msg.h"
#include "tests/unit/test.h"

void tmsg_dump(struct buf *b, const struct msg *m);
char *tmsg_parse_dump(const char *data, size_t len, size_t step,
		      const struct msg_limits *lim, unsigned int seed);
void tmsg_flags(struct buf *b, unsigned int f);
void tmsg_unit_tests(void);

void tmsg_unit_tests(void)
{
}

static unsigned int flag_count[32];
static size_t nmsgs, nsplit_checked, ndates, nrcvd, nrcvd_parsed;

static void one(const char *path)
{
	size_t len, i;
	char *data = test_read_path(path, &len);
	struct arena *a;
	struct msg *m;
	struct msg_received *r;
	struct msg_addr *ad;
	time_t t;

	if (data == NULL)
		return;
	a = arena_new(0);
	m = msg_parse(a, data, len, NULL);
	nmsgs++;
	for (i = 0; i < 32; i++) {
		if (m->flags & (1u << i))
			flag_count[i]++;
	}
	if (getenv("MSG_SHOW_FLAGS") != NULL &&
	    (m->flags & (unsigned int)strtoul(getenv("MSG_SHOW_FLAGS"), NULL, 0)))
		fprintf(stderr, "flagged: %s\n", path);
	test_assert(m->nparts >= 1);
	test_assert(m->headers.count > 0);
	if (msg_get(m, "date") != NULL) {
		if (msg_date_parse(msg_get(m, "date"), &t) == 0)
			ndates++;
		else if (getenv("MSG_VERBOSE"))
			fprintf(stderr, "date? %s\n", msg_get(m, "date"));
	}
	{
		size_t n = msg_received_parse(m, &r);
		nrcvd += n;
		for (i = 0; i < n; i++) {
			if (r[i].parsed)
				nrcvd_parsed++;
			else if (getenv("MSG_VERBOSE"))
				fprintf(stderr, "rcvd? %s\n", r[i].raw);
		}
	}
	if (msg_get(m, "from") != NULL)
		msg_addr_parse(a, msg_get(m, "from"), &ad);
	if (msg_get(m, "to") != NULL)
		msg_addr_parse(a, msg_get(m, "to"), &ad);
	/* Every 10th message: split parsing gives the same tree. */
	if (nmsgs % 10 == 0) {
		char *x = tmsg_parse_dump(data, len, len, NULL, 0);
		char *y = tmsg_parse_dump(data, len, 1, NULL, (unsigned int)nmsgs);
		test_assert_str(y, x);
		nsplit_checked++;
		free(x);
		free(y);
	}
	arena_free(&a);
	free(data);
}

static void dir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char path[4096];

	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		one(path);
	}
	closedir(dp);
}

int main(void)
{
	const char *root = getenv("WN_CORPUS");
	char p[4096];
	struct buf b = BUF_INIT;
	size_t i;

	if (root == NULL)
		root = "/var/cache/winnow-corpus/package/data";
	snprintf(p, sizeof(p), "%s/easy-ham-1", root);
	{
		DIR *dp = opendir(p);
		if (dp == NULL) {
			printf("corpus not found at %s: skipped\n", root);
			return 77;
		}
		closedir(dp);
	}
	test_begin("corpus");
	dir(p);
	snprintf(p, sizeof(p), "%s/spam-1", root);
	dir(p);
	test_assert(nmsgs >= 1000);
	for (i = 0; i < 32; i++) {
		if (flag_count[i] == 0)
			continue;
		buf_truncate(&b, 0);
		tmsg_flags(&b, 1u << i);
		printf("%-22s %u\n", buf_cstr(&b), flag_count[i]);
	}
	printf("messages %zu, split-checked %zu, dates parsed %zu, received %zu (parsed %zu)\n",
	       nmsgs, nsplit_checked, ndates, nrcvd, nrcvd_parsed);
	/* Structural flags that only broken mail sets stay rare. */
	test_assert(flag_count[0] == 0);  /* SIZE_TRUNCATED */
	test_assert(flag_count[2] == 0);  /* HDR_TOO_MANY */
	test_assert(flag_count[7] == 0);  /* MIME_DEPTH */
	test_assert(flag_count[8] == 0);  /* MIME_PARTS */
	test_assert(flag_count[6] < nmsgs / 100 + 1); /* NO_BODY_SEP */
	test_assert(flag_count[9] < nmsgs / 100 + 1); /* MIME_NO_BOUNDARY */
	test_assert(ndates * 100 >= nmsgs * 97);
	test_assert(nrcvd_parsed * 100 >= nrcvd * 95); /* qmail "invoked" lines have no hop */
	test_end();
	buf_free(&b);
	return test_exit();
}
