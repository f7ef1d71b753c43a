/*
 * rule_int.h - internals of the rule engine shared by parse.c, load.c,
 * compile.c, meta.c and run.c. Not for use outside rules/ (the fuzz
 * targets excepted).
 *
 * Ownership: every structure here lives in the ruleset's arena; the
 * PCRE2 codes are freed by an arena cleanup.
 */
#ifndef RULE_INT_H
#define RULE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "rules/rule.h"

/* Regex modifiers as written after the closing delimiter. */
enum {
	RE_I = 1u << 0,
	RE_M = 1u << 1,
	RE_S = 1u << 2,
	RE_X = 1u << 3,
};

/* tflags we act on; the others are accepted and ignored. */
enum {
	TF_NICE = 1u << 0,
	TF_NET = 1u << 1,
	TF_LEARN = 1u << 2,
	TF_NOAUTOLEARN = 1u << 3,
	TF_MULTIPLE = 1u << 4,
	TF_NOSUBJECT = 1u << 5,
	TF_USERCONF = 1u << 6,
};

/* One condition of a uri_detail rule: key =~ /re/ or key !~ /re/. */
struct rule_ud_cond {
	const char *key; /* raw, cleaned, text, type, domain, host */
	int negate;
	const char *re_src;
	unsigned int re_mods;
	pcre2_code *code;
};

/* Required literals (prefilter.c): a rule cannot match unless, for each
   of its groups (at most PREFILTER_GROUPS), one of the group's literals
   occurs in the ASCII-lowercased text. */
#define PREFILTER_GROUPS 3
struct lit_req {
	const char **lits;
	unsigned char *bits;  /* per literal: its group's bit */
	size_t n;             /* 0: no requirement, always run */
	unsigned char mask;   /* the bits of all its groups */
};

/* Meta program: reverse Polish over doubles. */
enum meta_op {
	M_NUM, M_RULE, M_NOT, M_NEG, M_ADD, M_SUB, M_MUL, M_DIV, M_GT, M_LT,
	M_GE, M_LE, M_EQ, M_NE, M_AND, M_OR, M_XOR, M_BAND, M_BOR, M_COND,
	M_ANDJ, M_ORJ, /* short-circuit jumps (meta_resolve) */
	M_PEEK,        /* a known operand decides the chain (meta_resolve) */
};
struct meta_insn {
	enum meta_op op;
	double num;       /* M_NUM */
	unsigned int ref; /* M_RULE: index into meta_prog.refs */
};
struct meta_prog {
	struct meta_insn *code;
	size_t n;
	const char **refs; /* rule names referenced, unique */
	size_t nrefs;
	size_t max_stack;
};

/* Bounds on a meta expression: nesting and size. */
#define META_MAX_DEPTH 64
#define META_MAX_INSNS 4096

/* Parses a meta expression; rules_matching(GLOB) is expanded through
   glob_fn (may be NULL: expands to 0). Returns NULL with *err_r set. */
typedef const char *(*meta_glob_fn)(void *ud, const char *glob);
struct meta_prog *meta_parse(struct arena *a, const char *src, meta_glob_fn glob_fn,
			     void *ud, const char **err_r);
/* Evaluates with vals[i] the value of refs[i]. stack must hold
   prog->max_stack + 1 doubles. */
double meta_eval(const struct meta_prog *prog, const double *vals, double *stack);
/* The same program with each reference resolved to an index of the
   caller's value array (idx[i] for refs[i]; ~0u becomes missing), the
   operands of && and || chains of 0/1 values ordered cheapest first,
   and jumps past operands that cannot change the value (meta.c). */
struct meta_sinsn {
	uint32_t op;  /* enum meta_op, or M_ANDJ / M_ORJ */
	uint32_t arg; /* M_RULE: value index; M_NUM: index into nums;
			 M_ANDJ / M_ORJ: where to jump; M_PEEK: index
			 into peek */
};
struct meta_sprog {
	struct meta_sinsn *code;
	size_t n;
	const double *nums;
	/* per M_PEEK: n, where the chain ends, its operator (M_AND or
	   M_OR), then the n value indexes to look at */
	const uint32_t *peek;
	size_t max_stack;
	unsigned int cost;  /* sum of its references' costs */
	int boolean;        /* its value is always 0 or 1 */
};
/* What the caller knows of a value index: is it always 0 or 1, and what
   does working it out cost (0 when it is known already). */
struct meta_ref_info {
	int (*boolean)(void *ud, unsigned int idx);
	unsigned int (*cost)(void *ud, unsigned int idx);
	void *ud;
};
struct meta_sprog *meta_resolve(struct arena *a, const struct meta_prog *prog,
				const unsigned int *idx, unsigned int missing,
				const struct meta_ref_info *info);
/* Runs prog: a reference whose ready[idx] is 0 is asked of fn. stack
   must hold prog->max_stack + 1 doubles. */
typedef double (*meta_value_fn)(void *ud, unsigned int idx);
double meta_run(const struct meta_sprog *prog, const double *vals, const unsigned char *ready,
		meta_value_fn fn, void *ud, double *stack);

struct lit_index;
struct rule {
	const char *name;
	enum rule_type type;
	unsigned int idx;
	/* Where the effective definition was (or the first mention). */
	const char *file;
	unsigned int line;
	int has_def;          /* a definition was parsed */
	int mentioned_skip;   /* defined only inside an unavailable plugin block */
	const char *skip;     /* why not loaded (NULL if loaded or no def) */

	/* Definition */
	const char *hdr;      /* header/mimeheader field spec, e.g. "From:addr" */
	unsigned int spec_id; /* header rules: index of hdr in ruleset specs */
	int exists;           /* header NAME exists:Field */
	int negate;           /* !~ */
	const char *if_unset; /* [if-unset: X] */
	const char *re_src;   /* pattern between the delimiters */
	unsigned int re_mods;
	const char *eval_name;
	const char **eval_argv;
	size_t eval_argc;
	const struct rule_eval_def *eval;
	const char *meta_src;
	struct rule_ud_cond *ud;
	size_t nud;

	/* Attributes (may come before the definition) */
	const char *desc;
	double score[4];
	int has_score;
	unsigned int tflags;
	unsigned int maxhits;
	int priority;
	int replace;          /* named in replace_rules */

	/* Compiled */
	int loaded;
	int net;
	int bayes;
	pcre2_code *code;
	pcre2_code *pre;      /* multiline prefilter over the joined text, or NULL */
	int pre_same;         /* code itself can prefilter (already /m) */
	int nl_free;          /* no match can contain "\n": the prefilter's
				 answer is the rule's (rs_newline_free) */
	int nonempty;         /* no match is empty (PCRE2_INFO_MINLENGTH > 0) */
	struct meta_prog *meta;
	unsigned int *meta_idx; /* meta refs resolved to rule indexes (or ~0u) */
	struct meta_sprog *mres; /* meta resolved against the rule values */
	int lazy;             /* a __subrule only metas read: worked out when
				 a meta needs its value */
	unsigned int hit_flags;
	struct lit_req lreq;  /* prefilter: literals that must occur */
	struct lit_req areq;  /* the same for texts without bytes >= 0x80 */
	int a_impossible;     /* cannot match a pure-ASCII text */
	struct lit_req sreq;  /* body: for pure-ASCII texts squeezed to letters
				 and digits (prefilter_squeeze) */
	int s_noamp;          /* sreq holds only for texts without '&' */
	struct lit_index *win_lix, *win_aix; /* body, rawbody rules PCRE2
				 cannot start quickly: lreq, areq alone,
				 to try only the lines that hold them
				 (run.c window_lines), or NULL */
};

/* A rule's prefilter verdict inputs, packed for the per-message loop so
   that a rule ruled out touches no more than this. */
struct rule_gate {
	uint32_t idx;
	unsigned char a_impossible;
	unsigned char lmask, amask, smask; /* lreq, areq, sreq masks */
	unsigned char s_noamp;             /* sreq only if the text has no '&' */
};

struct rule_setting {
	const char *key;
	struct arena_vec vals; /* const char * */
};

struct ruleset {
	struct arena *arena;
	struct arena_vec rules;   /* struct rule * */
	struct rule **tab;        /* hash of rules by name */
	size_t tab_size;
	struct arena_vec settings; /* struct rule_setting */
	uint32_t *stab;            /* settings hash (index + 1), once compiled */
	size_t stab_size;
	struct arena_vec lint;     /* struct rule_lint */
	double required_score;
	unsigned int score_set;
	int compiled;

	/* ReplaceTags */
	const char *replace_start, *replace_end;
	struct arena_vec tags[4];  /* struct rule_kv: tag, pre, inter, post */

	/* Run order (built by ruleset_compile) */
	struct arena_vec order[RULE_T_COUNT]; /* struct rule * */
	struct arena_vec metas;               /* struct rule *, dependency order */
	size_t max_meta_stack;
	struct lit_index *lix[RULE_T_COUNT];  /* literal prefilter per type */
	struct lit_index *alix[RULE_T_COUNT]; /* the same for pure-ASCII texts */
	struct lit_index *slix;               /* body, squeezed pure-ASCII text */
	void *eval_data;      /* built by eval_ruleset_prepare at compile time */
	struct arena_vec hgroups; /* struct rule_hgroup: header rules by field spec */
	struct arena_vec specs;   /* const char *: the distinct field specs of
				     header rules, so lookups go by number */
	unsigned char *needed[4]; /* per score set and rule index: its result can
				     matter (see mark_needed in compile.c) */
	struct arena_vec runlist[4][RULE_T_COUNT]; /* per score set: the rules to
				     run, by type in order; metas in dependency order */
	struct arena_vec gates[4][RULE_T_COUNT]; /* struct rule_gate, one per
				     runlist entry */
	unsigned char *runnable[4]; /* per score set and rule index: runs (now,
				     or when a meta asks if it is lazy) */
	unsigned char *ready_proto[4]; /* per score set and rule index: the
				     value is final from the start (not a lazy rule
				     that runs); run.c copies it per message */
	struct arena_vec lazylist[4][RULE_T_COUNT];  /* struct rule *: lazy
				     non-meta rules that run when asked */
	struct arena_vec lazygates[4][RULE_T_COUNT]; /* struct rule_gate */
	pcre2_match_context *mctx_proto;
	unsigned char *jit_state; /* per rule index, code then pre: 0 not
				     JIT-compiled yet, 1 JIT, 2 JIT failed (run.c) */
};

/* Header rules reading the same field spec, with the literal index of
   those that have a prefilter (see prefilter.c). */
struct rule_hgroup {
	const char *spec;
	unsigned int spec_id;
	struct arena_vec rules;   /* struct rule * */
	struct lit_index *lix;
};

struct rule_kv {
	const char *k, *v;
};

/* parse.c / load.c */
/* get() of a header rule's field spec, by its number in rs->specs
   (text.c); the same as rule_ctx_get(ctx, spec), cached by number. */
const char *rule_ctx_get_spec(struct rule_ctx *ctx, unsigned int id, const char *spec);

struct rule *rs_rule(struct ruleset *rs, const char *name, int create);
void rs_lint(struct ruleset *rs, const char *file, unsigned int line, const char *rule,
	     enum rule_lint_severity sev, const char *fmt, ...) WN_PRINTF(6, 7);
void rs_setting_add(struct ruleset *rs, const char *key, const char *value);
/* Indexes the settings for lookups; called when the ruleset is compiled
   (nothing adds settings after that). */
void rs_settings_index(struct ruleset *rs);
int rs_is_known_setting(const char *key);
int rs_valid_name(const char *name);

/* Parses the regex literal at *pp ("/re/i", "m{re}s"): stores source and
   modifiers, advances *pp. Returns -1 with *err_r on bad syntax. */
int rs_parse_regex(struct arena *a, const char **pp, const char **src_r, unsigned int *mods_r,
		   const char **err_r);
/* Parses "eval:fn(args)" at s. Returns -1 if not an eval call. */
int rs_parse_eval(struct arena *a, const char *s, const char **name_r, const char ***argv_r,
		  size_t *argc_r);

/* Handles one rule-related directive (header, body, ..., score,
   describe, tflags, priority, meta). Returns 1 if key was one. skip is
   the reason the enclosing block is unavailable (NULL if active). */
int rs_parse_rule_directive(struct ruleset *rs, const char *file, unsigned int line,
			    const char *key, const char *value, const char *skip);

/* compile.c. Rule regexes are JIT-compiled when first run (run.c). */
pcre2_code *rs_compile_regex(const char *src, unsigned int mods, uint32_t extra,
			     const char **err_r, struct arena *a);
int rs_prefilter_ok(const char *src);
int rs_newline_free(const char *src, unsigned int mods);

/* prefilter.c */
struct lit_index;
/* The literals src needs to match (struct lit_req); returns 0 when the
   pattern gives no usable requirement. */
int prefilter_extract(struct arena *a, const char *src, unsigned int mods,
		      struct lit_req *out);
/* The same analysis for texts without bytes >= 0x80: alternatives that
   need such a byte cannot match; *impossible_r when nothing can. */
int prefilter_extract_ascii(struct arena *a, const char *src, unsigned int mods,
			    struct lit_req *out, int *impossible_r);
/* The same for a pure-ASCII text from which every byte but letters and
   digits was removed ("v.i-a_g r a" reads "viagra"); with noamp, for
   such a text that had no '&' either (no HTML entity can occur, as in
   SpamAssassin's obfuscated-letter tags). */
int prefilter_extract_squeezed(struct arena *a, const char *src, unsigned int mods,
			       int noamp, struct lit_req *out);
/* Squeezes s in place (keeps letters, digits, bytes >= 0x80); returns
   the new length. */
size_t prefilter_squeeze(char *s, size_t n);
/* Index of the literals of these rules: mode 0 normal, 1 ASCII-mode,
   2 squeezed. NULL if none has any. */
struct lit_index *lit_index_build(struct arena *a, struct rule *const *rules, size_t n,
				  int mode);
/* Sets, in marks[rule idx], the group bit of every literal of that rule
   that occurs in the lowercased text. */
void lit_index_scan(const struct lit_index *ix, const char *lower, size_t len,
		    unsigned char *marks);

#endif
