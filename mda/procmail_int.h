/*
 * procmail_int.h - what the procmail parser (procmail.c), regex
 * translator (procmail_re.c) and interpreter (procmail_run.c) share.
 * A parsed rc lives in its own arena, freed by procmail_free.
 */
#ifndef PROCMAIL_INT_H
#define PROCMAIL_INT_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mda/procmail.h"

/* An rc file larger than this is refused: real ones are a few KiB. */
#define PM_MAX_RC_SIZE ((size_t)1024 * 1024)
/* A logical line (continuations joined) or an expanded value: procmail's
   own LINEBUF defaults to 2 KiB, so this is generous. */
#define PM_MAX_LINE ((size_t)64 * 1024)
/* Block nesting inside one file: keeps the parser's recursion bounded. */
#define PM_MAX_NEST 32
/* INCLUDERC/SWITCHRC depth: deeper is surely runaway recursion. */
#define PM_MAX_INCLUDE 10
/* Clones made by `c` blocks in one delivery: each is a full delivery,
   and nested ones double, so cap them. */
#define PM_MAX_CLONES 32
/* PCRE2 steps per match: a pathological regex fails instead of hanging
   the delivery (the message then goes to $DEFAULT). */
#define PM_MATCH_LIMIT 1000000
#define PM_DEPTH_LIMIT 100000

enum pm_flag {
	PM_F_H = 1 << 0, PM_F_B = 1 << 1, PM_F_D = 1 << 2,
	PM_F_A = 1 << 3, PM_F_a = 1 << 4, PM_F_E = 1 << 5, PM_F_e = 1 << 6,
	PM_F_h = 1 << 7, PM_F_b = 1 << 8, PM_F_f = 1 << 9, PM_F_c = 1 << 10,
	PM_F_w = 1 << 11, PM_F_W = 1 << 12, PM_F_i = 1 << 13,
};

enum pm_cond_kind { PM_C_REGEX, PM_C_LESS, PM_C_MORE, PM_C_EXIT, PM_C_VAR, PM_C_EXPAND };

/* The search area of a regex condition. */
enum pm_area { PM_AREA_H = 1, PM_AREA_B = 2, PM_AREA_HB = 3 };

struct pm_cond {
	unsigned int line;
	enum pm_cond_kind kind;
	int negate;
	enum pm_area area;   /* PM_C_REGEX */
	const char *var;     /* PM_C_VAR: the variable */
	const char *text;    /* regex, command, or (PM_C_EXPAND) text to expand */
	pcre2_code *re;      /* PM_C_REGEX and PM_C_VAR */
	int has_match;       /* the regex has \/: group 1 is MATCH */
	long size;           /* PM_C_LESS, PM_C_MORE */
};

enum pm_action_kind { PM_ACT_FOLDER, PM_ACT_PIPE, PM_ACT_CAPTURE, PM_ACT_FORWARD, PM_ACT_BLOCK };

struct pm_item;
struct pm_list {
	struct pm_item *items;
	size_t count;
};

struct pm_recipe {
	unsigned int flags;
	struct pm_cond *conds;
	size_t nconds;
	enum pm_action_kind action;
	unsigned int action_line;
	const char *text;    /* folder names, command or addresses, raw */
	const char *var;     /* PM_ACT_CAPTURE */
	int lock;            /* `:0:`: a local lockfile */
	const char *lockfile; /* its name (raw, may be ""), after the second ':' */
	struct pm_list block;
};

enum pm_item_kind { PM_ITEM_ASSIGN, PM_ITEM_RECIPE };

struct pm_item {
	enum pm_item_kind kind;
	unsigned int line;
	const char *name;    /* assignment: the variable */
	const char *value;   /* raw sh word, NULL to unset */
	struct pm_recipe *recipe;
};

struct procmail_rc {
	struct arena *arena;
	const char *name;
	struct pm_list top;
};

/* procmail_re.c: compiles procmail regex pat as PCRE2 (caseless unless
   D); *has_match_r says whether it has \/ (MATCH is then group 1).
   NULL with a malloc'd message on error. The code is freed with the
   arena a. */
pcre2_code *pm_re_compile(struct arena *a, const char *pat, int caseless, int *has_match_r,
			  char **err_r);
/* 1 match, 0 no match, -1 error (match limit: *err_r static text).
   With want_match, *match_r and *match_len_r get group 1 (or NULL). */
int pm_re_match(const pcre2_code *re, const char *s, size_t len, int want_match,
		const char **match_r, size_t *match_len_r, const char **err_r);

/* procmail.c: parses a condition's text after '*' (and after a `$`
   expansion at run time): modifiers, kind, regex compiled with flags.
   0, or -1 with a malloc'd message (no file:line). */
int pm_cond_parse(struct arena *a, const char *text, unsigned int flags, int expanded,
		  struct pm_cond *c, char **err_r);
/* Is name a Bourne shell (SHELL=... is accepted for these only)? */
int pm_shell_ok(const char *value);

#endif
