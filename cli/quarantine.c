/*
 * quarantine.c - `winnow quarantine`: the messages filterd quarantined
 * (filterd/quarantine.h: files in quarantine_dir, index in db_path).
 *
 *   list [--rcpt ADDR] [--all] [--json]
 *        held entries, oldest first (--all: released ones too): id,
 *        arrival (UTC), score, reason, envelope sender and recipients
 *        (a released copy marked so), subject. JSON: one object a line.
 *   show ID [--raw]
 *        the entry and its message's header; --raw: the stored message,
 *        byte for byte, and nothing else
 *   release ID... [--rcpt ADDR] [--learn-ham]
 *   release --token TOKEN [--learn-ham]
 *        re-inject by SMTP to quarantine_release_smtp with the original
 *        envelope: to the held recipients (--rcpt: that one's copy; a
 *        token: its recipient's copy), marked released once the next hop
 *        accepted it. --learn-ham (or quarantine_release_learn) learns it
 *        as ham as `winnow learn --ham` does.
 *   delete ID...          entries and their files
 *   expire [--days N]     entries older than N days (quarantine_expire_days)
 *   digest [--rcpt ADDR] [--dry-run]
 *        mails each recipient with held entries (or ADDR) the list of
 *        them with a release token each (filterd/quar_digest.h), from
 *        quarantine_digest_from with the null envelope sender, through
 *        quarantine_release_smtp; --dry-run writes the digests to
 *        stdout (each announced on stderr) instead.
 *
 * Exit (sysexits.h, like the other commands): 0; 1 nothing to release
 * (released already); 64 usage; 65 a bad token (malformed, forged,
 * expired); 66 an unknown id; 69 the next hop refused the message (5xx);
 * 74 a database or file failure; 75 the next hop failed for now (4xx,
 * unreachable); 78 configuration. With several ids each is tried and the
 * first failure's code is returned.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "filterd/quar_digest.h"
#include "filterd/quarantine.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/qtoken.h"
#include "lib/smtp_client.h"
#include "lib/wn.h"

enum { OPT_RCPT = 256, OPT_ALL, OPT_JSON, OPT_RAW, OPT_TOKEN, OPT_LEARN_HAM,
       OPT_DAYS, OPT_DRY_RUN };

static const struct option quar_longopts[] = {
	{ "rcpt", required_argument, NULL, OPT_RCPT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "learn-ham", no_argument, NULL, OPT_LEARN_HAM },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char quar_usage[] =
	"usage: winnow quarantine list [-c CONF] [-o KEY=VALUE]... [--rcpt ADDR] [--all] [--json]\n"
	"       winnow quarantine show [-c CONF] [-o KEY=VALUE]... ID [--raw]\n"
	"       winnow quarantine release [-c CONF] [-o KEY=VALUE]... ID... [--rcpt ADDR] [--learn-ham]\n"
	"       winnow quarantine release [-c CONF] [-o KEY=VALUE]... --token TOKEN [--learn-ham]\n"
	"       winnow quarantine delete [-c CONF] [-o KEY=VALUE]... ID...\n"
	"       winnow quarantine expire [-c CONF] [-o KEY=VALUE]... [--days N]\n"
	"       winnow quarantine digest [-c CONF] [-o KEY=VALUE]... [--rcpt ADDR] [--dry-run]\n";

struct quar_args {
	struct cli_conf cc;
	const char *rcpt, *token;
	int all, json, raw, learn_ham, dry_run;
	long days;  /* -1: the key's */
	char **ids;
	int nids;
};

enum quar_cmd { QC_LIST, QC_SHOW, QC_RELEASE, QC_DELETE, QC_EXPIRE, QC_DIGEST };

/* Which options each subcommand takes (a letter per option). */
static const struct {
	const char *name;
	const char *opts; /* r rcpt, a all, j json, w raw, t token, l learn, d days, n dry-run */
	int min_ids, max_ids;
} quar_cmds[] = {
	[QC_LIST] = { "list", "raj", 0, 0 },
	[QC_SHOW] = { "show", "w", 1, 1 },
	[QC_RELEASE] = { "release", "rtl", 0, 1 << 20 },
	[QC_DELETE] = { "delete", "", 1, 1 << 20 },
	[QC_EXPIRE] = { "expire", "d", 0, 0 },
	[QC_DIGEST] = { "digest", "rn", 0, 0 },
};

static int quar_opt_allowed(int cmd, int ch)
{
	static const struct { int ch; char letter; } map[] = {
		{ OPT_RCPT, 'r' }, { OPT_ALL, 'a' }, { OPT_JSON, 'j' }, { OPT_RAW, 'w' },
		{ OPT_TOKEN, 't' }, { OPT_LEARN_HAM, 'l' }, { OPT_DAYS, 'd' },
		{ OPT_DRY_RUN, 'n' },
	};
	size_t i;

	for (i = 0; i < N_ELEMENTS(map); i++) {
		if (map[i].ch == ch)
			return strchr(quar_cmds[cmd].opts, map[i].letter) != NULL;
	}
	return 1;
}

static int quar_parse_days(const char *s, long *days_r)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 0 || v > 100000) {
		fprintf(stderr, "winnow quarantine: --days wants a number of days: %s\n", s);
		return EX_USAGE;
	}
	*days_r = v;
	return 0;
}

/* Returns 0, or an exit code (EX_OK + 256 after --help). argv[0] is the
   subcommand. */
static int quar_parse_args(int cmd, int argc, char **argv, struct quar_args *a)
{
	int ch, rc = 0;

	optind = 1;
	while (rc == 0 && (ch = getopt_long(argc, argv, "c:o:h", quar_longopts, NULL)) != -1) {
		if (!quar_opt_allowed(cmd, ch)) {
			fprintf(stderr, "winnow quarantine %s: option %s does not apply\n",
				quar_cmds[cmd].name, argv[optind - 1]);
			return EX_USAGE;
		}
		switch (ch) {
		case 'c': a->cc.conf_path = optarg; break;
		case 'o': cli_conf_add_override(&a->cc, optarg); break;
		case OPT_RCPT: a->rcpt = optarg; break;
		case OPT_ALL: a->all = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_RAW: a->raw = 1; break;
		case OPT_TOKEN: a->token = optarg; break;
		case OPT_LEARN_HAM: a->learn_ham = 1; break;
		case OPT_DAYS: rc = quar_parse_days(optarg, &a->days); break;
		case OPT_DRY_RUN: a->dry_run = 1; break;
		case 'h':
			fputs(quar_usage, stdout);
			return EX_OK + 256;
		default:
			return EX_USAGE;
		}
	}
	if (rc != 0)
		return rc;
	a->ids = argv + optind;
	a->nids = argc - optind;
	if (cmd == QC_RELEASE) /* ids or a token, not both */
		return (a->token != NULL) == (a->nids > 0) ||
		       (a->token != NULL && a->rcpt != NULL) ? EX_USAGE : 0;
	return a->nids < quar_cmds[cmd].min_ids || a->nids > quar_cmds[cmd].max_ids
	       ? EX_USAGE : 0;
}

/* ---- output ---- */

/* s with the bytes a terminal should not get (controls) as '?'. */
static void quar_put_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void quar_date(char *out, size_t size, time_t t)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(out, size, "-");
	else
		strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static void quar_print_rcpts(const struct db_quar_entry *e)
{
	char d[32];
	size_t i;

	for (i = 0; i < e->nrcpts; i++) {
		fputs(i > 0 ? ", " : "", stdout);
		quar_put_safe(stdout, e->rcpts[i].addr);
		if (e->rcpts[i].released != 0) {
			quar_date(d, sizeof(d), e->rcpts[i].released);
			printf(" (released %s)", d);
		}
	}
}

static int quar_print_text(void *ctx, const struct db_quar_entry *e)
{
	char d[32];

	(void)ctx;
	quar_date(d, sizeof(d), e->date);
	printf("%s  %s  %7.2f  ", e->id, d, e->score);
	quar_put_safe(stdout, e->reason);
	fputs("\n    from <", stdout);
	quar_put_safe(stdout, e->mail_from);
	fputs("> to ", stdout);
	quar_print_rcpts(e);
	fputs("\n    subject: ", stdout);
	quar_put_safe(stdout, e->subject);
	putchar('\n');
	return 0;
}

static void quar_json_str(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, "\"%s\":\"", key);
	buf_append_json(b, v, strlen(v));
	buf_append_str(b, "\",");
}

static int quar_print_json(void *ctx, const struct db_quar_entry *e)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)ctx;
	buf_append_char(&b, '{');
	quar_json_str(&b, "id", e->id);
	buf_printf(&b, "\"date\":%lld,\"score\":%.2f,", (long long)e->date, e->score);
	quar_json_str(&b, "reason", e->reason);
	quar_json_str(&b, "hits", e->hits);
	quar_json_str(&b, "sender", e->mail_from);
	quar_json_str(&b, "client_ip", e->client_ip);
	quar_json_str(&b, "queue_id", e->queue_id);
	buf_printf(&b, "\"size\":%llu,", (unsigned long long)e->size);
	quar_json_str(&b, "from", e->hdr_from);
	quar_json_str(&b, "subject", e->subject);
	buf_append_str(&b, "\"recipients\":[");
	for (i = 0; i < e->nrcpts; i++) {
		buf_append_str(&b, i > 0 ? ",{" : "{");
		quar_json_str(&b, "address", e->rcpts[i].addr);
		buf_printf(&b, "\"released\":%lld}", (long long)e->rcpts[i].released);
	}
	buf_append_str(&b, "]}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return 0;
}

static int quar_list(struct db *db, const struct quar_args *a)
{
	struct db_quar_filter f = { a->rcpt, !a->all, 0 };
	const char *err = NULL;

	if (db_quar_list(db, &f, a->json ? quar_print_json : quar_print_text, NULL, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		return EX_IOERR;
	}
	return 0;
}

/* The entry id (arena a), or NULL after saying why: exit code in *rc_r. */
static struct db_quar_entry *quar_get(struct db *db, const char *id, struct arena *a,
				      int *rc_r)
{
	struct db_quar_entry *e = NULL;
	const char *err = NULL;

	if (quar_id_valid(id) && db_quar_get(db, id, a, &e, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		*rc_r = EX_IOERR;
		return NULL;
	}
	if (e == NULL) {
		fprintf(stderr, "winnow quarantine: no such entry: ");
		quar_put_safe(stderr, id);
		fputc('\n', stderr);
		*rc_r = EX_NOINPUT;
	}
	return e;
}

/* The header block of data, printable. */
static void quar_print_header(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n' && (i + 1 == len || data[i + 1] == '\n' ||
				  (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')))
			break;
		if (c == '\r')
			continue;
		putchar(c < 0x20 && c != '\n' && c != '\t' ? '?' : c == 0x7f ? '?' : c);
	}
	putchar('\n');
}

static int quar_show(const struct cfg *c, struct db *db, const struct quar_args *a)
{
	struct arena *ar = arena_new(4096);
	struct db_quar_entry *e;
	char *data = NULL, *err = NULL, d[32];
	size_t len = 0;
	int rc = 0;

	e = quar_get(db, a->ids[0], ar, &rc);
	if (e != NULL && quar_read(c, e, &data, &len, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		rc = EX_IOERR;
	} else if (e != NULL && a->raw) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			rc = EX_IOERR;
	} else if (e != NULL) {
		quar_date(d, sizeof(d), e->date);
		printf("id: %s\narrived: %s UTC\nreason: ", e->id, d);
		quar_put_safe(stdout, e->reason);
		printf("\nscore: %.2f\nhits: ", e->score);
		quar_put_safe(stdout, e->hits);
		fputs("\nsender: <", stdout);
		quar_put_safe(stdout, e->mail_from);
		fputs(">\nrecipients: ", stdout);
		quar_print_rcpts(e);
		fputs("\nclient ip: ", stdout);
		quar_put_safe(stdout, e->client_ip);
		fputs("\nqueue id: ", stdout);
		quar_put_safe(stdout, e->queue_id);
		fputs("\nfrom: ", stdout);
		quar_put_safe(stdout, e->hdr_from);
		fputs("\nsubject: ", stdout);
		quar_put_safe(stdout, e->subject);
		printf("\nsize: %llu\n\n", (unsigned long long)e->size);
		quar_print_header(data, len);
	}
	free(data);
	free(err);
	arena_free(&ar);
	return rc;
}

/* ---- release ---- */

static int quar_learn(const struct cfg *c, const char *id, const char *data, size_t len)
{
	enum db_learn_result r;
	char *err = NULL;

	if (cli_learn_message(c, data, len, 0, &r, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s: learning as ham: %s\n", id, err);
		free(err);
		return EX_IOERR;
	}
	printf("%s: ham: %s\n", id, db_learn_result_str(r));
	return 0;
}

static int quar_release_status_rc(enum quar_release_status st)
{
	switch (st) {
	case QUAR_RELEASED: return 0;
	case QUAR_NOT_HELD: return 1;
	case QUAR_REFUSED: return EX_UNAVAILABLE;
	case QUAR_TEMPFAIL: return EX_TEMPFAIL;
	case QUAR_ERROR: break;
	}
	return EX_IOERR;
}

/* Releases one entry (rcpt's copy only, when not NULL). */
static int quar_release_one(const struct cfg *c, struct db *db, const char *id,
			    const char *rcpt, int learn)
{
	struct arena *a = arena_new(4096);
	struct db_quar_entry *e;
	enum quar_release_status st;
	char *data = NULL, *err = NULL;
	size_t len = 0, held = 0, i;
	int rc = 0;

	e = quar_get(db, id, a, &rc);
	if (e != NULL && quar_read(c, e, &data, &len, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		rc = EX_IOERR;
	} else if (e != NULL) {
		for (i = 0; i < e->nrcpts; i++)
			held += e->rcpts[i].released == 0 &&
				(rcpt == NULL || strcasecmp(rcpt, e->rcpts[i].addr) == 0);
		st = quar_release(c, db, e, data, len, rcpt, &err);
		rc = quar_release_status_rc(st);
		if (st != QUAR_RELEASED) {
			fprintf(stderr, "winnow quarantine: ");
			quar_put_safe(stderr, err);
			fputc('\n', stderr);
		} else {
			printf("%s: released to %zu recipient%s\n", e->id, held,
			       held == 1 ? "" : "s");
		}
		if (st == QUAR_RELEASED && learn)
			rc = quar_learn(c, e->id, data, len);
	}
	free(data);
	free(err);
	arena_free(&a);
	return rc;
}

static int quar_load_key(const struct cfg *c, unsigned char key[QTOKEN_KEY_LEN])
{
	char *path = quar_token_key_path(c), *err = NULL;
	int ret = qtoken_key_load(path, 1, key, &err);

	if (ret < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		free(err);
	}
	free(path);
	return ret;
}

static int quar_release_token(const struct cfg *c, struct db *db, const char *tok,
			      int learn)
{
	unsigned char key[QTOKEN_KEY_LEN];
	struct qtoken_claim claim;
	const char *err = NULL;

	if (quar_load_key(c, key) < 0)
		return EX_IOERR;
	if (qtoken_verify(key, tok, time(NULL), &claim, &err) < 0) {
		fprintf(stderr, "winnow quarantine: bad token: %s\n", err);
		return EX_DATAERR;
	}
	return quar_release_one(c, db, claim.id, claim.rcpt, learn);
}

static int quar_release_cmd(const struct cfg *c, struct db *db, const struct quar_args *a)
{
	int learn = a->learn_ham || cfg_bool(c, "quarantine_release_learn");
	int i, rc = 0, r;

	if (a->token != NULL)
		return quar_release_token(c, db, a->token, learn);
	for (i = 0; i < a->nids; i++) {
		r = quar_release_one(c, db, a->ids[i], a->rcpt, learn);
		if (rc == 0)
			rc = r;
	}
	return rc;
}

/* ---- delete, expire ---- */

static int quar_delete_cmd(const struct cfg *c, struct db *db, const struct quar_args *a)
{
	char *err = NULL;
	int i, rc = 0, r;

	for (i = 0; i < a->nids; i++) {
		r = quar_id_valid(a->ids[i]) ? quar_delete(c, db, a->ids[i], &err) : 1;
		if (r < 0) {
			fprintf(stderr, "winnow quarantine: %s\n", err);
			free(err);
			err = NULL;
			r = EX_IOERR;
		} else if (r == 1) {
			fprintf(stderr, "winnow quarantine: no such entry: ");
			quar_put_safe(stderr, a->ids[i]);
			fputc('\n', stderr);
			r = EX_NOINPUT;
		} else {
			printf("%s: deleted\n", a->ids[i]);
		}
		if (rc == 0)
			rc = r;
	}
	return rc;
}

static int quar_expire_cmd(const struct cfg *c, struct db *db, const struct quar_args *a)
{
	unsigned int days = a->days >= 0 ? (unsigned int)a->days
					 : cfg_uint(c, "quarantine_expire_days");
	uint64_t removed = 0, swept = 0;
	char *err = NULL;

	if (quar_expire(c, db, days, time(NULL), &removed, &swept, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		free(err);
		return EX_IOERR;
	}
	printf("expired %llu entr%s older than %u days\n", (unsigned long long)removed,
	       removed == 1 ? "y" : "ies", days);
	if (swept > 0)
		printf("removed %llu file%s left by interrupted stores\n",
		       (unsigned long long)swept, swept == 1 ? "" : "s");
	return 0;
}

/* ---- digest ---- */

struct quar_digest_run {
	const struct cfg *c;
	struct arena *a;
	unsigned char key[QTOKEN_KEY_LEN];
	const char *rcpt;
	time_t now, expires;
	struct arena_vec entries; /* struct quar_digest_entry */
	struct arena_vec rcpts;   /* const char * */
	int failed;               /* a token could not be made */
};

static int quar_digest_collect_rcpt(void *ctx, const char *rcpt)
{
	struct quar_digest_run *r = ctx;

	*ARENA_VEC_PUSH(r->a, &r->rcpts, const char *) = arena_strdup(r->a, rcpt);
	return 0;
}

static int quar_digest_collect(void *ctx, const struct db_quar_entry *e)
{
	struct quar_digest_run *r = ctx;
	struct quar_digest_entry *d;
	char tok[QTOKEN_MAX];

	if (qtoken_make(r->key, e->id, r->rcpt, r->expires, tok) < 0) {
		r->failed = 1;
		return 1;
	}
	d = ARENA_VEC_PUSH(r->a, &r->entries, struct quar_digest_entry);
	d->id = arena_strdup(r->a, e->id);
	d->date = e->date;
	d->from = e->hdr_from[0] != '\0' ? arena_strdup(r->a, e->hdr_from) : NULL;
	d->subject = e->subject[0] != '\0' ? arena_strdup(r->a, e->subject) : NULL;
	d->score = e->score;
	d->reason = arena_strdup(r->a, e->reason);
	d->token = arena_strdup(r->a, tok);
	return 0;
}

/* The digest's sender: quarantine_digest_from, or postmaster@host. */
static const char *quar_digest_from(const struct cfg *c, struct arena *a,
				    const char **host_r)
{
	const char *from = cfg_str(c, "quarantine_digest_from");
	const char *host = cfg_str(c, "hostname");
	char hn[256];

	if (host[0] == '\0') {
		if (gethostname(hn, sizeof(hn)) < 0)
			snprintf(hn, sizeof(hn), "localhost");
		hn[sizeof(hn) - 1] = '\0';
		host = arena_strdup(a, hn);
	}
	*host_r = host;
	return from[0] != '\0' ? from : arena_strcat(a, "postmaster@", host, NULL);
}

/* Builds and sends (or prints) one recipient's digest; an exit code. */
static int quar_digest_one(struct quar_digest_run *r, struct db *db,
			   const struct quar_digest_conf *dc, const struct quar_args *a)
{
	struct db_quar_filter f = { r->rcpt, 1, 0 };
	struct smtp_client_conf sc;
	struct smtp_send_result res;
	const char *err = NULL;
	char *msg;
	size_t len, n;
	int rc = 0;

	r->entries.count = 0;
	r->failed = 0;
	if (db_quar_list(db, &f, quar_digest_collect, r, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		return EX_IOERR;
	}
	n = r->entries.count;
	if (r->failed) {
		fprintf(stderr, "winnow quarantine: no token can name recipient ");
		quar_put_safe(stderr, r->rcpt);
		fputs(" (too long): no digest\n", stderr);
		return EX_DATAERR;
	}
	if (n == 0)
		return 0;
	msg = quar_digest_build(dc, r->rcpt, r->entries.v, n, r->now, &len);
	if (a->dry_run) {
		fprintf(stderr, "digest for %s: %zu entr%s\n", r->rcpt, n, n == 1 ? "y" : "ies");
		if (fwrite(msg, 1, len, stdout) != len)
			rc = EX_IOERR;
	} else {
		quar_smtp_conf(r->c, &sc);
		memset(&res, 0, sizeof(res));
		if (smtp_send(&sc, "", &r->rcpt, 1, msg, len, &res) < 0) {
			fprintf(stderr, "winnow quarantine: digest for %s: next hop %s %s: %d ",
				r->rcpt, sc.next_hop, res.permanent ? "refused it" : "failed",
				res.code);
			quar_put_safe(stderr, res.reply);
			fputc('\n', stderr);
			rc = res.permanent ? EX_UNAVAILABLE : EX_TEMPFAIL;
		} else {
			printf("digest sent to %s: %zu entr%s\n", r->rcpt, n, n == 1 ? "y" : "ies");
		}
	}
	free(msg);
	return rc;
}

static int quar_digest_cmd(const struct cfg *c, struct db *db, const struct quar_args *a)
{
	struct quar_digest_run r;
	struct quar_digest_conf dc;
	const char *err = NULL;
	size_t i;
	int rc = 0, one;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.a = arena_new(16 * 1024);
	r.now = time(NULL);
	r.expires = r.now + (time_t)cfg_uint(c, "quarantine_token_days") * 86400;
	dc.from = quar_digest_from(c, r.a, &dc.hostname);
	dc.release_url = cfg_str(c, "quarantine_release_url");
	if (quar_load_key(c, r.key) < 0) {
		rc = EX_IOERR;
	} else if (a->rcpt != NULL) {
		quar_digest_collect_rcpt(&r, a->rcpt);
	} else if (db_quar_held_rcpts(db, quar_digest_collect_rcpt, &r, &err) < 0) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		rc = EX_IOERR;
	}
	for (i = 0; rc == 0 && i < r.rcpts.count; i++) {
		r.rcpt = ((const char **)r.rcpts.v)[i];
		one = quar_digest_one(&r, db, &dc, a);
		if (rc == 0)
			rc = one;
	}
	arena_free(&r.a);
	return rc;
}

/* ---- main ---- */

static int quar_cmd_index(const char *what)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(quar_cmds); i++) {
		if (strcmp(what, quar_cmds[i].name) == 0)
			return (int)i;
	}
	return -1;
}

static int quar_run(enum quar_cmd cmd, const struct cfg *c, struct db *db,
		    const struct quar_args *a)
{
	switch (cmd) {
	case QC_LIST: return quar_list(db, a);
	case QC_SHOW: return quar_show(c, db, a);
	case QC_RELEASE: return quar_release_cmd(c, db, a);
	case QC_DELETE: return quar_delete_cmd(c, db, a);
	case QC_EXPIRE: return quar_expire_cmd(c, db, a);
	case QC_DIGEST: break;
	}
	return quar_digest_cmd(c, db, a);
}

int cli_quarantine(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	int cmd = quar_cmd_index(what), rc;
	int read_only = cmd == QC_LIST || cmd == QC_SHOW;
	struct quar_args a;
	struct cfg *cfg = NULL;
	struct db *db = NULL;
	char *err = NULL;

	memset(&a, 0, sizeof(a));
	a.days = -1;
	if (cmd < 0) {
		int help = strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0;
		fputs(quar_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	rc = quar_parse_args(cmd, argc - 1, argv + 1, &a);
	if (rc == EX_USAGE)
		fputs(quar_usage, stderr);
	if (rc == 0 && (cfg = cli_conf_load(&a.cc)) == NULL)
		rc = EX_CONFIG;
	free(a.cc.overrides);
	/* list and show only read (nothing to read before the store exists);
	   the rest write, and migrate an older store */
	if (rc == 0 && read_only && access(cfg_str(cfg, "db_path"), F_OK) < 0) {
		if (cmd == QC_SHOW) {
			fprintf(stderr, "winnow quarantine: no such entry: ");
			quar_put_safe(stderr, a.ids[0]);
			fputc('\n', stderr);
		}
		rc = cmd == QC_SHOW ? EX_NOINPUT : EX_OK + 256;
	}
	if (rc == 0 && (db = quar_db_open(cfg, read_only, &err)) == NULL) {
		fprintf(stderr, "winnow quarantine: %s\n", err);
		free(err);
		rc = EX_IOERR;
	}
	if (rc == 0)
		rc = quar_run((enum quar_cmd)cmd, cfg, db, &a);
	db_close(&db);
	cfg_free(&cfg);
	return rc == EX_OK + 256 ? 0 : rc;
}
