/*
 * bayes.c - `winnow bayes stats|expire|tokens`: what the Bayes database
 * holds, dropping old, rare tokens to keep it under bayes_max_tokens,
 * and a message's tokens with their counts and probabilities (to see
 * why Bayes judged it so).
 *
 * Exit: 0, 64 usage, 74 database failure, 78 configuration (also --user
 * without bayes_user_path).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bayes/bayes.h"
#include "cli/cli.h"
#include "db/db.h"
#include "filterd/scan.h"
#include "filterd/scan_bayes.h"
#include "lib/mailbox.h"
#include "lib/wn.h"

enum { OPT_USER = 256 };

static const struct option bayes_longopts[] = {
	{ "user", required_argument, NULL, OPT_USER },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char bayes_usage[] =
	"usage: winnow bayes stats|expire [-c CONF] [-o KEY=VALUE]... [--user ADDRESS]\n"
	"       winnow bayes tokens [-c CONF] [-o KEY=VALUE]... [--user ADDRESS] [PATH...]\n";

static int bayes_stats(struct db *db)
{
	struct db_stats st;
	const char *err = NULL;
	char oldest[16], newest[16];

	if (db_stats(db, &st, &err) < 0) {
		fprintf(stderr, "winnow bayes: %s: %s\n", db_path(db), err);
		return EX_IOERR;
	}
	cli_day(oldest, sizeof(oldest), st.oldest_day);
	cli_day(newest, sizeof(newest), st.newest_day);
	printf("database: %s (%s, schema %u)\n", db_path(db), st.backend, st.schema_version);
	printf("messages: %llu spam, %llu ham (%llu remembered as learned)\n",
	       (unsigned long long)st.totals.spam, (unsigned long long)st.totals.ham,
	       (unsigned long long)st.seen);
	printf("tokens: %llu, last seen from %s to %s\n", (unsigned long long)st.tokens,
	       oldest, newest);
	printf("size: %llu bytes\n", (unsigned long long)st.file_bytes);
	/* the same file holds the other stores of db/ */
	printf("also: %llu auto-whitelist entries, %llu quarantined messages\n",
	       (unsigned long long)st.awl_entries, (unsigned long long)st.quar_entries);
	return 0;
}

static int bayes_expire(struct db *db, const struct cfg *c)
{
	struct db_expire_params p;
	struct db_expire_result r;
	const char *err = NULL;

	scan_bayes_expire_params(c, &p);
	if (db_expire(db, &p, &r, &err) < 0) {
		fprintf(stderr, "winnow bayes: %s: %s\n", db_path(db), err);
		return EX_IOERR;
	}
	printf("expired %llu rare old tokens and %llu least recently seen; %llu left "
	       "(cap %llu); %llu learned messages forgotten by the seen table\n",
	       (unsigned long long)r.removed_rare, (unsigned long long)r.removed_old,
	       (unsigned long long)r.tokens_left, (unsigned long long)p.max_tokens,
	       (unsigned long long)r.removed_seen);
	return 0;
}

struct tokens_run {
	struct db *db;
	const struct cfg *cfg;
	struct bayes_params params;
	struct msg_limits limits;
	struct db_totals totals;
	int failed;
};

/* One message: "name" then a line per token: spam and ham counts,
   f(w) (with the totals), the token. */
static int tokens_one(void *vr, const char *name, const char *data, size_t len)
{
	struct tokens_run *r = vr;
	struct arena *a = arena_new(64 * 1024);
	const struct msg *m = msg_parse(a, data, len, &r->limits);
	struct db_counts *c;
	struct tok_list t;
	const char *err = NULL;
	size_t i;

	r->params.tok.keep_text = 1;
	tok_message(m, &r->params.tok, a, &t);
	c = arena_zalloc(a, (t.count + 1) * sizeof(*c));
	if (r->db != NULL && db_lookup(r->db, t.hashes, t.count, c, &err) < 0) {
		fprintf(stderr, "winnow bayes: %s\n", err);
		r->failed = 1;
	}
	printf("%s: %zu tokens%s\n", name, t.count, t.truncated ? " (cut at the cap)" : "");
	for (i = 0; i < t.count; i++)
		printf("%6u %6u %.3f %s\n", c[i].spam, c[i].ham,
		       bayes_token_prob(&c[i], &r->totals, &r->params), t.text[i]);
	arena_free(&a);
	return r->failed;
}

/* winnow bayes tokens: the database is optional (counts are 0 without). */
static int bayes_tokens(struct db *db, const struct cfg *c, int argc, char **argv)
{
	struct tokens_run r;
	const char *err = NULL;
	char *rerr = NULL;
	int i, rc = 0;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.cfg = c;
	scan_bayes_params(c, &r.params);
	scan_msg_limits(c, &r.limits);
	if (db != NULL && db_get_totals(db, &r.totals, &err) < 0) {
		fprintf(stderr, "winnow bayes: %s\n", err);
		return EX_IOERR;
	}
	for (i = optind; rc == 0 && (i < argc || i == optind); i++) {
		if (mailbox_read(i < argc ? argv[i] : "-", r.limits.max_size, tokens_one, &r,
				 &rerr) < 0) {
			fprintf(stderr, "winnow bayes: %s\n", rerr);
			free(rerr);
			rerr = NULL;
			rc = EX_NOINPUT;
		}
		if (i >= argc)
			break;
	}
	return rc != 0 ? rc : r.failed ? EX_IOERR : 0;
}

/* Returns 0, or an exit code (EX_OK + 256 after --help). */
static int bayes_parse_args(int argc, char **argv, struct cli_conf *cc, const char **user_r,
			    int paths)
{
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:h", bayes_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cc->conf_path = optarg; break;
		case 'o': cli_conf_add_override(cc, optarg); break;
		case OPT_USER: *user_r = optarg; break;
		case 'h':
			fputs(bayes_usage, stdout);
			return EX_OK + 256;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc && !paths) {
		fputs(bayes_usage, stderr);
		return EX_USAGE;
	}
	return 0;
}

/* quiet: a missing store is no error (NULL, nothing said). */
static struct db *bayes_open(const struct cfg *c, const char *user, int read_only, int quiet)
{
	struct arena *a = arena_new(1024);
	const char *path = cfg_str(c, "db_path");
	struct db_options o;
	struct db *db = NULL;
	char *err = NULL;

	if (user != NULL)
		path = db_path_user(a, cfg_str(c, "bayes_user_path"), user);
	if (!quiet || access(path, F_OK) == 0) {
		db_options_default(&o);
		o.read_only = read_only;
		db = db_open(path, &o, &err);
		if (db == NULL)
			fprintf(stderr, "winnow bayes: %s\n", err);
		free(err);
	}
	arena_free(&a);
	return db;
}

int cli_bayes(int argc, char **argv)
{
	struct cli_conf cc;
	const char *user = NULL, *what = argc > 1 ? argv[1] : "";
	struct cfg *cfg = NULL;
	struct db *db = NULL;
	int stats = strcmp(what, "stats") == 0, tokens = strcmp(what, "tokens") == 0, rc;

	memset(&cc, 0, sizeof(cc));
	if (!stats && !tokens && strcmp(what, "expire") != 0) {
		fputs(bayes_usage, strcmp(what, "--help") == 0 ? stdout : stderr);
		return strcmp(what, "--help") == 0 ? 0 : EX_USAGE;
	}
	rc = bayes_parse_args(argc - 1, argv + 1, &cc, &user, tokens);
	if (rc == 0 && (cfg = cli_conf_load(&cc)) == NULL)
		rc = EX_CONFIG;
	free(cc.overrides);
	if (rc == 0 && user != NULL && cfg_str(cfg, "bayes_user_path")[0] == '\0') {
		fprintf(stderr, "winnow bayes: --user needs bayes_user_path to be set\n");
		rc = EX_CONFIG;
	}
	if (rc == 0 && (db = bayes_open(cfg, user, stats || tokens, tokens)) == NULL && !tokens)
		rc = EX_IOERR;
	if (rc == 0)
		rc = tokens ? bayes_tokens(db, cfg, argc - 1, argv + 1)
		     : stats ? bayes_stats(db) : bayes_expire(db, cfg);
	db_close(&db);
	cfg_free(&cfg);
	return rc == EX_OK + 256 ? 0 : rc;
}
