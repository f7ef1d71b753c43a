/*
 * sieve_int.h - what the Sieve parser (sieve_parse.c) hands the
 * interpreter (sieve_run.c, sieve_match.c, sieve_ext.c): the checked
 * syntax tree. Everything lives in the script's own arena.
 */
#ifndef SIEVE_INT_H
#define SIEVE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "mda/sieve.h"

/* A view: len bytes at p. */
struct sieve_span {
	const char *p;
	size_t len;
};

/* Extensions, as bits of sieve_script.exts. */
enum sieve_ext {
	SIEVE_EXT_FILEINTO = 1u << 0,
	SIEVE_EXT_ENVELOPE = 1u << 1,
	SIEVE_EXT_IMAP4FLAGS = 1u << 2,
	SIEVE_EXT_VARIABLES = 1u << 3,
	SIEVE_EXT_SUBADDRESS = 1u << 4,
	SIEVE_EXT_BODY = 1u << 5,
	SIEVE_EXT_RELATIONAL = 1u << 6,
	SIEVE_EXT_NUMERIC = 1u << 7, /* comparator-i;ascii-numeric */
	SIEVE_EXT_SPAMTEST = 1u << 8,
	SIEVE_EXT_SPAMTESTPLUS = 1u << 9,
	SIEVE_EXT_VIRUSTEST = 1u << 10,
	SIEVE_EXT_REGEX = 1u << 11,
	SIEVE_EXT_COPY = 1u << 12,
	SIEVE_EXT_MAILBOX = 1u << 13,
	SIEVE_EXT_VACATION = 1u << 14,
};

enum sieve_id {
	/* commands */
	SIEVE_REQUIRE, SIEVE_IF, SIEVE_ELSIF, SIEVE_ELSE, SIEVE_STOP, SIEVE_KEEP,
	SIEVE_DISCARD, SIEVE_REDIRECT, SIEVE_FILEINTO, SIEVE_SETFLAG, SIEVE_ADDFLAG,
	SIEVE_REMOVEFLAG, SIEVE_SET, SIEVE_VACATION,
	/* tests */
	SIEVE_ADDRESS, SIEVE_HEADER, SIEVE_ENVELOPE, SIEVE_EXISTS, SIEVE_SIZE,
	SIEVE_ALLOF, SIEVE_ANYOF, SIEVE_NOT, SIEVE_TRUE, SIEVE_FALSE, SIEVE_BODY,
	SIEVE_HASFLAG, SIEVE_STRING, SIEVE_SPAMTEST, SIEVE_VIRUSTEST,
	SIEVE_MAILBOXEXISTS,
};

enum sieve_cmp { SIEVE_CMP_CASEMAP, SIEVE_CMP_OCTET, SIEVE_CMP_NUMERIC };
enum sieve_mt { SIEVE_MT_IS, SIEVE_MT_CONTAINS, SIEVE_MT_MATCHES, SIEVE_MT_REGEX,
		SIEVE_MT_VALUE, SIEVE_MT_COUNT };
enum sieve_rel { SIEVE_REL_GT, SIEVE_REL_GE, SIEVE_REL_LT, SIEVE_REL_LE, SIEVE_REL_EQ,
		 SIEVE_REL_NE };
enum sieve_ap { SIEVE_AP_ALL, SIEVE_AP_LOCAL, SIEVE_AP_DOMAIN, SIEVE_AP_USER,
		SIEVE_AP_DETAIL };
enum sieve_bt { SIEVE_BT_TEXT, SIEVE_BT_RAW, SIEVE_BT_CONTENT };

/* set's modifiers (RFC 5229 4.1), as bits. */
enum sieve_mod {
	SIEVE_MOD_LOWER = 1u << 0, SIEVE_MOD_UPPER = 1u << 1,
	SIEVE_MOD_LOWERFIRST = 1u << 2, SIEVE_MOD_UPPERFIRST = 1u << 3,
	SIEVE_MOD_QUOTEWILDCARD = 1u << 4, SIEVE_MOD_LENGTH = 1u << 5,
};

/* A string as written (escapes resolved). vars: it contains "${" and
   the variables extension is on, so it is expanded at run time. */
struct sieve_str {
	const char *s;
	size_t len;
	int vars;
	void *re; /* :regex keys without variables: compiled pcre2_code */
};

struct sieve_strl {
	struct sieve_str *v;
	size_t n;
};

/* The tagged arguments of one command or test, checked. */
struct sieve_opts {
	enum sieve_cmp cmp;
	enum sieve_mt mt;
	enum sieve_rel rel;
	enum sieve_ap ap;
	enum sieve_bt bt;
	struct sieve_strl ctypes;    /* body :content */
	int percent, copy, create, mime, over, under;
	int has_flags;
	struct sieve_strl flags;     /* :flags */
	uint64_t days;
	int has_subject, has_from, has_handle;
	struct sieve_str subject, from, handle;
	struct sieve_strl addresses;
	unsigned int mods;           /* enum sieve_mod */
};

struct sieve_node {
	enum sieve_id id;
	unsigned int line, col;
	struct sieve_opts o;
	/* Positional arguments: up to three string lists (a single string
	   is a list of one), or a number (size). npos counts them. */
	struct sieve_strl pos[3];
	size_t npos;
	uint64_t num;
	struct sieve_node **tests;   /* allof/anyof: n; not, if, elsif: 1 */
	size_t ntests;
	struct sieve_node *block;    /* if/elsif/else: first command inside */
	struct sieve_node *next;     /* next command in the same block */
	struct sieve_node *alt;      /* if/elsif: the elsif or else that follows */
};

struct sieve_script {
	struct arena *arena;
	const char *name;
	unsigned int exts;           /* enum sieve_ext */
	struct sieve_node *first;
};

/* One action collected while the script runs (RFC 5228 2.10), performed
   in order afterwards. */
enum sieve_act { SIEVE_ACT_STORE, SIEVE_ACT_REDIRECT, SIEVE_ACT_VACATION, SIEVE_ACT_DISCARD };

struct sieve_action {
	enum sieve_act kind;
	const char *arg;     /* STORE: mailbox; REDIRECT, VACATION: address */
	const char *flags;   /* STORE: IMAP flags or NULL */
	int create;
	int keep;            /* STORE: from keep (trace says "keep") */
	const char *data;    /* VACATION: the reply, LF line ends */
	size_t len;
	const char *key;     /* VACATION: tracking key */
	long seconds;
};

#define SIEVE_MATCH_VARS 10 /* ${0}..${9} */

/* One run of a script on a message (sieve_run.c). */
struct sieve_run {
	const struct sieve_script *s;
	struct mda_msg *m;
	const struct mda_ops *ops;
	struct arena *a;            /* m->arena */
	struct arena_vec acts;      /* struct sieve_action */
	int implicit_keep;
	int stopped;
	int discarded;
	int redirects;
	int vacation;
	char *error;                /* runtime error, "name:line:col: message" */
	struct arena_vec vars;      /* struct sieve_var */
	const char *mv[SIEVE_MATCH_VARS]; /* match variables */
	size_t mvlen[SIEVE_MATCH_VARS];
	size_t nmv;
	const char *flags;          /* imap4flags' internal variable */
	unsigned long long work;    /* against SIEVE_MAX_WORK */
};

struct sieve_var {
	const char *name;           /* lowercased */
	const char *value;
	size_t len;
};

/* sieve_run.c */
void sieve_run_error(struct sieve_run *r, const struct sieve_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* str with its variables expanded (RFC 5229 3), in r's arena. */
const char *sieve_expand(struct sieve_run *r, const struct sieve_str *str, size_t *len_r);
struct sieve_var *sieve_var_get(struct sieve_run *r, const char *name, int create);
void sieve_var_set(struct sieve_run *r, struct sieve_var *v, const char *value, size_t len);
/* n's match over the values (1 true, 0 false, -1 runtime error). */
int sieve_match_values(struct sieve_run *r, const struct sieve_node *n,
		       const struct sieve_strl *keys, const struct sieve_span *vals, size_t nvals);
struct sieve_action *sieve_action_add(struct sieve_run *r, const struct sieve_node *n,
				      enum sieve_act kind);

/* sieve_ext.c: extension tests and commands. */
int sieve_test_body(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_spamtest(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_virustest(struct sieve_run *r, const struct sieve_node *n);
int sieve_test_hasflag(struct sieve_run *r, const struct sieve_node *n);
int sieve_cmd_flags(struct sieve_run *r, const struct sieve_node *n);
int sieve_cmd_set(struct sieve_run *r, const struct sieve_node *n);
/* Normalized flag list of flags (split on spaces, duplicates dropped). */
const char *sieve_flags_normalize(struct arena *a, const char *flags);
const char *sieve_flags_of(struct sieve_run *r, const struct sieve_node *n);

/* sieve_vacation.c */
int sieve_cmd_vacation(struct sieve_run *r, const struct sieve_node *n);

/* sieve_match.c: comparators and match types. */

/* Equality under cmp (RFC 4790; i;ascii-numeric compares the leading
   digits, a string without any being positive infinity). */
int sieve_cmp_equal(enum sieve_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen);
/* <0, 0, >0 as a sorts before, with, after b under cmp. */
int sieve_cmp_order(enum sieve_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen);
int sieve_cmp_contains(enum sieve_cmp cmp, const char *hay, size_t hlen, const char *needle,
		       size_t nlen);
/* The relation rel holds for order result c (from sieve_cmp_order). */
int sieve_rel_holds(enum sieve_rel rel, int c);

/* :matches with the wildcards * and ? and \ quoting. Returns 1 on a
   match and then sets caps[0..*ncaps_r) to what each wildcard matched,
   in order (views into s), at most maxcaps of them. */
int sieve_glob(enum sieve_cmp cmp, const char *pat, size_t plen, const char *s, size_t slen,
	       struct sieve_span *caps, size_t maxcaps, size_t *ncaps_r);

/* Compiles a :regex key (PCRE2; caseless under i;ascii-casemap). NULL
   with a message in *err_r (static buffer) when it does not compile. The
   code is freed with sieve_regex_free. */
void *sieve_regex_compile(enum sieve_cmp cmp, const char *pat, size_t len, const char **err_r);
void sieve_regex_free(void *re);
/* 1 match (groups 0..maxcaps-1 in caps, *ncaps_r of them), 0 none, -1
   over the match or depth limit or another PCRE2 error. */
int sieve_regex_match(void *re, const char *s, size_t len, struct sieve_span *caps,
		      size_t maxcaps, size_t *ncaps_r);

/* A plausible mail address local@domain (redirect, vacation). */
int sieve_address_ok(const char *s);

/* The RFC 5228 identifier rule (and variable names of RFC 5229). */
int sieve_is_identifier(const char *s, size_t len);

#endif
