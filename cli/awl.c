/*
 * awl.c - `winnow awl list|remove|add|expire`: the auto-whitelist's
 * entries (filterd/check_awl.h) in the store at db_path.
 *
 *   list [--json]            every entry: IP block, messages, mean score,
 *                            last seen, address (JSON: one object a line)
 *   remove ADDRESS [IP]      the address's entry for IP's block (an
 *                            address, a block as list shows it, or
 *                            "none"), or every entry of the address
 *   add ADDRESS SCORE|--good|--bad
 *                            the address starts over with one message of
 *                            SCORE, from any IP: SpamAssassin's
 *                            --add-addr-to-welcomelist is --good (-100),
 *                            --add-addr-to-blocklist --bad (+100)
 *   expire                   drops entries unseen for awl_expire_days
 *
 * Unlike SpamAssassin, add and remove without IP act on every entry of
 * the address, not only on its entry without an IP: SA's --good left a
 * sender's existing blocks as they were, so it changed nothing for them.
 * A negative SCORE needs no "--" before it.
 *
 * Exit: 0; 1 remove found no entry; 64 usage (also a bad address, IP or
 * score); 74 database failure; 78 configuration.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli/cli.h"
#include "db/db.h"
#include "filterd/check_awl.h"
#include "lib/buf.h"
#include "lib/wn.h"

/* The scores of SpamAssassin's --add-addr-to-welcomelist / -blocklist. */
#define AWL_GOOD_SCORE (-100.0)
#define AWL_BAD_SCORE 100.0

enum { OPT_JSON = 256, OPT_GOOD, OPT_BAD };

static const struct option awl_longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "good", no_argument, NULL, OPT_GOOD },
	{ "bad", no_argument, NULL, OPT_BAD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char awl_usage[] =
	"usage: winnow awl list [-c CONF] [-o KEY=VALUE]... [--json]\n"
	"       winnow awl remove [-c CONF] [-o KEY=VALUE]... ADDRESS [IP]\n"
	"       winnow awl add [-c CONF] [-o KEY=VALUE]... ADDRESS SCORE|--good|--bad\n"
	"       winnow awl expire [-c CONF] [-o KEY=VALUE]...\n";

struct awl_args {
	struct cli_conf cc;
	int json;
	double score; /* add: NAN until given */
	const char *pos[3];
	int npos;
};

/* A whole argument that is a finite number, in *v. */
static int awl_parse_score(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* Negative numbers are scores, not options: taken out before getopt. */
static int awl_is_negative_number(const char *s)
{
	double v;

	return s[0] == '-' && (s[1] == '.' || (s[1] >= '0' && s[1] <= '9')) &&
	       awl_parse_score(s, &v) == 0;
}

/* Where s is in argv (positionals keep their order whatever getopt did
   to the array). */
static int awl_argv_index(char **argv, int argc, const char *s)
{
	int i;

	for (i = 0; i < argc && argv[i] != s; i++)
		;
	return i;
}

/* Returns 0, or an exit code (EX_OK + 256 after --help). argv[0] is the
   subcommand. */
static int awl_parse_args(int argc, char **argv, struct awl_args *a)
{
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	const char *pos[8];
	int n = 0, npos = 0, i, j, ch, rc = 0;

	for (i = 0; i < argc; i++) {
		if (i > 0 && awl_is_negative_number(argv[i]) && npos < 8)
			pos[npos++] = argv[i];
		else
			args[n++] = argv[i];
	}
	optind = 1;
	while (rc == 0 && (ch = getopt_long(n, args, "c:o:h", awl_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->cc.conf_path = optarg; break;
		case 'o': cli_conf_add_override(&a->cc, optarg); break;
		case OPT_JSON: a->json = 1; break;
		case OPT_GOOD: a->score = AWL_GOOD_SCORE; break;
		case OPT_BAD: a->score = AWL_BAD_SCORE; break;
		case 'h':
			fputs(awl_usage, stdout);
			rc = EX_OK + 256;
			break;
		default:
			rc = EX_USAGE;
		}
	}
	for (i = optind; rc == 0 && i < n && npos < 8; i++)
		pos[npos++] = args[i];
	if (rc == 0 && (i < n || npos > 3))
		rc = EX_USAGE; /* too many */
	for (i = 0; rc == 0 && i < npos; i++) {
		/* insertion sort by place on the command line */
		const char *p = pos[i];
		int at = awl_argv_index(argv, argc, p);
		for (j = a->npos; j > 0 && awl_argv_index(argv, argc, a->pos[j - 1]) > at; j--)
			a->pos[j] = a->pos[j - 1];
		a->pos[j] = p;
		a->npos++;
	}
	free(args);
	return rc;
}

static struct db *awl_open(const struct cfg *c, int read_only)
{
	struct db_options o;
	struct db *db;
	char *err = NULL;

	db_options_default(&o);
	o.read_only = read_only;
	db = db_open(cfg_str(c, "db_path"), &o, &err);
	if (db == NULL)
		fprintf(stderr, "winnow awl: %s\n", err);
	free(err);
	return db;
}

/* Bytes a terminal should not get from a stored address become '?'. */
static void awl_put_safe(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* The table's header, once (not before a store that cannot be read). */
static void awl_header(int *done)
{
	if (*done)
		return;
	printf("%-24s %6s %9s %-10s %s\n", "ip block", "count", "mean", "last seen",
	       "address");
	*done = 1;
}

static int awl_print_text(void *ctx, const struct db_awl_entry *e)
{
	char day[16];

	awl_header(ctx);
	cli_day(day, sizeof(day), e->day);
	printf("%-24s %6llu %9.3f %-10s ", e->ip, (unsigned long long)e->count,
	       chk_awl_round(e->total / (double)(e->count ? e->count : 1)), day);
	awl_put_safe(e->addr);
	putchar('\n');
	return 0;
}

static int awl_print_json(void *ctx, const struct db_awl_entry *e)
{
	struct buf b = BUF_INIT;
	char day[16];

	(void)ctx;
	cli_day(day, sizeof(day), e->day);
	buf_append_str(&b, "{\"address\":\"");
	buf_append_json(&b, e->addr, strlen(e->addr));
	buf_append_str(&b, "\",\"ip\":\"");
	buf_append_json(&b, e->ip, strlen(e->ip));
	buf_printf(&b, "\",\"count\":%llu,\"total\":%.3f,\"mean\":%.3f,\"last_seen\":\"%s\"}\n",
		   (unsigned long long)e->count, chk_awl_round(e->total),
		   chk_awl_round(e->total / (double)(e->count ? e->count : 1)), day);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return 0;
}

static int awl_list(struct db *db, int json)
{
	const char *err = NULL;
	int header = 0;

	if (db_awl_list(db, json ? awl_print_json : awl_print_text, &header, &err) < 0) {
		fprintf(stderr, "winnow awl: %s\n", err);
		return EX_IOERR;
	}
	if (!json)
		awl_header(&header); /* an empty list still has its header */
	return 0;
}

static int awl_addr(const char *s, char *key)
{
	if (chk_awl_addr_key(s, strlen(s), key, CHK_AWL_ADDR_KEY_SIZE) == 0)
		return 0;
	fprintf(stderr, "winnow awl: not a usable address (empty, or over %d bytes)\n",
		DB_AWL_ADDR_MAX);
	return EX_USAGE;
}

static int awl_remove(struct db *db, const struct cfg *c, const struct awl_args *a)
{
	char addr[CHK_AWL_ADDR_KEY_SIZE], ip[CHK_AWL_IP_KEY_SIZE];
	const char *err = NULL;
	uint64_t removed;
	int rc = awl_addr(a->pos[0], addr);

	if (rc != 0)
		return rc;
	if (a->npos > 1 && strcmp(a->pos[1], DB_AWL_NO_IP) != 0 &&
	    chk_awl_ip_key(a->pos[1], strlen(a->pos[1]), cfg_uint(c, "awl_ipv4_mask_len"),
			   cfg_uint(c, "awl_ipv6_mask_len"), ip, sizeof(ip)) < 0) {
		fprintf(stderr, "winnow awl: not an IP address or block: %s\n", a->pos[1]);
		return EX_USAGE;
	}
	if (a->npos > 1 && strcmp(a->pos[1], DB_AWL_NO_IP) == 0)
		snprintf(ip, sizeof(ip), "%s", DB_AWL_NO_IP);
	if (db_awl_remove(db, addr, a->npos > 1 ? ip : NULL, &removed, &err) < 0) {
		fprintf(stderr, "winnow awl: %s\n", err);
		return EX_IOERR;
	}
	if (removed == 0) {
		printf("no entry for %s%s%s\n", addr, a->npos > 1 ? " from " : "",
		       a->npos > 1 ? ip : "");
		return 1;
	}
	printf("removed %llu entr%s for %s\n", (unsigned long long)removed,
	       removed == 1 ? "y" : "ies", addr);
	return 0;
}

static int awl_add(struct db *db, const struct awl_args *a)
{
	char addr[CHK_AWL_ADDR_KEY_SIZE];
	const char *err = NULL;
	uint64_t removed;
	int rc = awl_addr(a->pos[0], addr);

	if (rc != 0)
		return rc;
	if (db_awl_remove(db, addr, NULL, &removed, &err) < 0 ||
	    db_awl_set(db, addr, DB_AWL_NO_IP, a->score, time(NULL), &err) < 0) {
		fprintf(stderr, "winnow awl: %s\n", err);
		return EX_IOERR;
	}
	printf("added %s with score %.3f (replacing %llu entr%s)\n", addr, a->score,
	       (unsigned long long)removed, removed == 1 ? "y" : "ies");
	return 0;
}

static int awl_expire(struct db *db, const struct cfg *c)
{
	unsigned int days = cfg_uint(c, "awl_expire_days");
	const char *err = NULL;
	uint64_t removed;

	if (days == 0) {
		printf("awl_expire_days is 0: entries are kept\n");
		return 0;
	}
	if (db_awl_expire(db, days, time(NULL), &removed, &err) < 0) {
		fprintf(stderr, "winnow awl: %s\n", err);
		return EX_IOERR;
	}
	printf("expired %llu entr%s not seen for %u days\n", (unsigned long long)removed,
	       removed == 1 ? "y" : "ies", days);
	return 0;
}

/* The positionals each subcommand takes: EX_USAGE if a's do not fit. */
static int awl_check_positionals(const char *what, struct awl_args *a)
{
	if (strcmp(what, "remove") == 0)
		return a->npos == 1 || a->npos == 2 ? 0 : EX_USAGE;
	if (strcmp(what, "add") != 0)
		return a->npos == 0 ? 0 : EX_USAGE;
	if (!isnan(a->score))
		return a->npos == 1 ? 0 : EX_USAGE; /* --good or --bad */
	if (a->npos != 2)
		return EX_USAGE;
	if (awl_parse_score(a->pos[1], &a->score) < 0) {
		fprintf(stderr, "winnow awl: not a score: %s\n", a->pos[1]);
		return EX_USAGE;
	}
	return 0;
}

int cli_awl(int argc, char **argv)
{
	struct awl_args a;
	const char *what = argc > 1 ? argv[1] : "";
	struct cfg *cfg = NULL;
	struct db *db = NULL;
	int list = strcmp(what, "list") == 0, remove = strcmp(what, "remove") == 0;
	int add = strcmp(what, "add") == 0, expire = strcmp(what, "expire") == 0, rc;

	memset(&a, 0, sizeof(a));
	a.score = NAN;
	if (!list && !remove && !add && !expire) {
		int help = strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0;
		fputs(awl_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	rc = awl_parse_args(argc - 1, argv + 1, &a);
	if (rc == 0)
		rc = awl_check_positionals(what, &a);
	if (rc == EX_USAGE)
		fputs(awl_usage, stderr);
	if (rc == 0 && (cfg = cli_conf_load(&a.cc)) == NULL)
		rc = EX_CONFIG;
	free(a.cc.overrides);
	if (rc == 0 && (db = awl_open(cfg, list)) == NULL)
		rc = EX_IOERR;
	if (rc == 0)
		rc = list ? awl_list(db, a.json)
		     : remove ? awl_remove(db, cfg, &a)
		     : add ? awl_add(db, &a) : awl_expire(db, cfg);
	db_close(&db);
	cfg_free(&cfg);
	return rc == EX_OK + 256 ? 0 : rc;
}
