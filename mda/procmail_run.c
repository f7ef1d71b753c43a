/*
 * procmail_run.c - runs a parsed procmailrc on one message.
 *
 * An explicit stack of frames (a list of items and where we are in it)
 * replaces procmail's recursion, so that a `c` block can be run the way
 * procmail runs it: procmail forks, the clone enters the block and goes
 * on with the rest of the rc, the parent jumps over it. Here the clone
 * is a copy of the stack, variables and message, run to its own end
 * first; then the parent goes on.
 *
 * Every effect goes through struct mda_ops. A run-time error (a regex
 * over its match limit, an INCLUDERC too deep or unreadable, a folder
 * outside the subset after expansion) stops the recipes and delivers to
 * $DEFAULT, so mail is never lost to a broken rc. A transient failure
 * of an op (a command killed by the time limit, a full disk) ends the
 * run with MDA_TEMPFAIL so the MTA retries.
 *
 * Memory: everything of a run lives in the message's arena; included rc
 * files are freed with it.
 */
#include "mda/procmail_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/wn.h"

/* INCLUDERC/SWITCHRC loads per delivery: SWITCHRC to itself would
   otherwise never end (the depth limit does not see it). */
#define PM_MAX_LOADS 100
#define PM_MAX_FRAMES ((PM_MAX_NEST + 2) * (PM_MAX_INCLUDE + 2))

enum pm_step { PM_NEXT, PM_DONE, PM_TEMPFAIL, PM_ERROR };

struct pm_var {
	const char *name, *value;
};

/* What A, a, E and e look at, per nesting level. */
struct pm_level {
	int last_cond;   /* conditions of the last recipe without A/a matched */
	int prev_exec;   /* the previous recipe ran its action */
	int prev_ok;     /* ... and it succeeded */
	int prev_failed; /* ... and it failed */
};

struct pm_frame {
	const struct pm_list *list;
	size_t index;
	const struct procmail_rc *rc;
	int file_root; /* the top level of an rc file */
	struct pm_level lvl;
};

struct pm_run {
	const struct mda_ops *ops;
	const struct procmail_env *env;
	struct mda_trace *trace;
	struct arena *a;
	struct mda_msg *msg;
	struct pm_var *vars;
	size_t nvars, capvars;
	struct pm_frame *stack;
	size_t depth;
	int last_exit;
	int *clones, *loads;
	char **err;
	/* search areas of msg, made on demand */
	const char *hdr, *hb; /* unfolded header; unfolded header + body */
	size_t hdr_len, hb_len, split; /* split: header length with its blank line */
};

static enum pm_step pm_error(struct pm_run *run, const struct procmail_rc *rc, unsigned int line,
			     const char *fmt, ...) WN_PRINTF(4, 5);
static enum mda_status pm_exec(struct pm_run *run);

/* Keeps the first reason for the caller's log. */
static void pm_note(struct pm_run *run, const char *fmt, ...) WN_PRINTF(2, 3);
static void pm_note(struct pm_run *run, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (*run->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*run->err = xstrdup(msg);
}

static enum pm_step pm_error(struct pm_run *run, const struct procmail_rc *rc, unsigned int line,
			     const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pm_note(run, "%s:%u: %s", rc->name, line, msg);
	return PM_ERROR;
}

static const char *pm_get(const struct pm_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->nvars; i++)
		if (strcmp(run->vars[i].name, name) == 0)
			return run->vars[i].value;
	return NULL;
}

static const char *pm_get0(const struct pm_run *run, const char *name)
{
	const char *v = pm_get(run, name);

	return v != NULL ? v : "";
}

static void pm_set(struct pm_run *run, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < run->nvars; i++)
		if (strcmp(run->vars[i].name, name) == 0)
			break;
	if (value == NULL) {
		if (i < run->nvars)
			run->vars[i] = run->vars[--run->nvars];
		return;
	}
	if (i == run->nvars) {
		if (run->nvars == run->capvars) {
			size_t cap = run->capvars ? run->capvars * 2 : 32;
			run->vars = arena_realloc(run->a, run->vars, run->capvars * sizeof(*run->vars),
						  cap * sizeof(*run->vars));
			run->capvars = cap;
		}
		run->vars[run->nvars++].name = arena_strdup(run->a, name);
	}
	run->vars[i].value = arena_strdup(run->a, value);
}

/* "NAME=value" for every variable: the commands' environment. */
static const char *const *pm_environ(struct pm_run *run, size_t *n_r)
{
	const char **env = arena_alloc(run->a, (run->nvars + 1) * sizeof(*env));
	size_t i;

	for (i = 0; i < run->nvars; i++)
		env[i] = arena_strcat(run->a, run->vars[i].name, "=", run->vars[i].value, NULL);
	env[i] = NULL;
	*n_r = run->nvars;
	return env;
}

/* --- the message's parts and search areas --- */

static void pm_areas(struct pm_run *run)
{
	const struct mda_msg *m = run->msg;
	const char *d = m->data, *sep;
	char *h;
	size_t i, n;

	if (run->hdr != NULL)
		return;
	if (m->len > 0 && d[0] == '\n')
		run->split = 1, n = 0;
	else {
		n = m->len;
		run->split = m->len;
		for (sep = d; (sep = memchr(sep, '\n', m->len - (size_t)(sep - d))) != NULL; sep++)
			if ((size_t)(sep - d) + 1 < m->len && sep[1] == '\n') {
				n = (size_t)(sep - d) + 1;
				run->split = n + 1;
				break;
			}
	}
	/* procmail joins continued header lines for matching */
	h = arena_alloc(run->a, m->len + 2);
	memcpy(h, d, n);
	for (i = 0; i + 1 < n; i++)
		if (h[i] == '\n' && (h[i + 1] == ' ' || h[i + 1] == '\t'))
			h[i] = ' ';
	run->hdr = h;
	run->hdr_len = n;
	h[n] = '\n';
	memcpy(h + n + 1, d + run->split, m->len - run->split);
	h[m->len - run->split + n + 1] = '\0';
	run->hb = h;
	run->hb_len = n + 1 + (m->len - run->split);
}

static void pm_area(struct pm_run *run, enum pm_area area, const char **s_r, size_t *len_r)
{
	pm_areas(run);
	if (area == PM_AREA_H) {
		*s_r = run->hdr;
		*len_r = run->hdr_len;
	} else if (area == PM_AREA_B) {
		*s_r = run->msg->data + run->split;
		*len_r = run->msg->len - run->split;
	} else {
		*s_r = run->hb;
		*len_r = run->hb_len;
	}
}

/* The part of the message the h and b flags select, as a message. */
static const struct mda_msg *pm_part_of(struct pm_run *run, enum pm_area area);

static const struct mda_msg *pm_part(struct pm_run *run, unsigned int flags)
{
	unsigned int hb = flags & (PM_F_h | PM_F_b);

	if (hb == 0 || hb == (PM_F_h | PM_F_b))
		return run->msg;
	return pm_part_of(run, hb == PM_F_h ? PM_AREA_H : PM_AREA_B);
}

/* The header (with its blank line), the body, or the whole message. */
static const struct mda_msg *pm_part_of(struct pm_run *run, enum pm_area area)
{
	struct mda_msg *p;

	if (area == PM_AREA_HB)
		return run->msg;
	pm_areas(run);
	p = arena_alloc(run->a, sizeof(*p));
	*p = *run->msg;
	if (area == PM_AREA_H) {
		p->len = run->split;
	} else {
		p->data = run->msg->data + run->split;
		p->len = run->msg->len - run->split;
	}
	return p;
}

static void pm_replace(struct pm_run *run, const char *data, size_t len)
{
	mda_msg_replace(run->msg, data, len);
	run->hdr = NULL;
}

/* --- commands --- */

/* s quoted for /bin/sh. */
static const char *pm_shq(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *r;

	buf_append(&b, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_append_str(&b, "'\\''");
		else
			buf_append(&b, s, 1);
	}
	buf_append(&b, "'", 1);
	r = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return r;
}

/* Runs cmd on part; PM_NEXT with *exit_r, or PM_TEMPFAIL; a command
   that could not be run at all is exit status -1. */
static enum pm_step pm_command(struct pm_run *run, const char *cmd, const struct mda_msg *part,
			       int capture, char **out_r, size_t *out_len_r, int *exit_r)
{
	const char *e = NULL;
	size_t n;
	const char *const *env = pm_environ(run, &n);
	enum mda_status st;

	/* procmail runs commands in $MAILDIR: "| formail -D 8192 msgid.cache"
	   keeps its cache there */
	const char *full = arena_strcat(run->a, "cd ", pm_shq(run->a, pm_get0(run, "MAILDIR")),
					" 2>/dev/null; ", cmd, NULL);

	*exit_r = -1;
	if (out_r != NULL) {
		*out_r = NULL;
		*out_len_r = 0;
	}
	st = run->ops->pipe(run->ops->ctx, part, full, env, n, capture, out_r, out_len_r, exit_r,
			    &e);
	if (st == MDA_TEMPFAIL) {
		pm_note(run, "command '%s': %s", cmd, e != NULL ? e : "failed");
		return PM_TEMPFAIL;
	}
	if (st != MDA_OK) {
		pm_note(run, "command '%s': %s", cmd, e != NULL ? e : "failed");
		*exit_r = -1;
	}
	run->last_exit = *exit_r;
	return PM_NEXT;
}

/* --- expansion (sh-like, as procmail does it itself) --- */

enum pm_xmode { PM_X_WORD, PM_X_DQ, PM_X_WORDS };

struct pm_x {
	struct pm_run *run;
	const struct procmail_rc *rc;
	unsigned int line;
	enum pm_xmode mode;
	struct buf cur;
	int have; /* cur is a word even when empty ("") */
	size_t total; /* bytes expanded so far, all words */
	int depth;    /* ${a:-${b:-...}} nesting */
	int over;     /* total went past PM_MAX_LINE */
	struct arena_vec words;
	enum pm_step step;
};

static void pm_x_word(struct pm_x *x)
{
	const char **w;

	if (x->cur.len == 0 && !x->have)
		return;
	w = ARENA_VEC_PUSH(x->run->a, &x->words, const char *);
	*w = arena_strndup(x->run->a, x->cur.len ? x->cur.data : "", x->cur.len);
	buf_truncate(&x->cur, 0);
	x->have = 0;
}

/* Appends value; unquoted expansions in an action line split on blanks. */
static void pm_x_put(struct pm_x *x, const char *v, int quoted)
{
	size_t n = strlen(v);

	if (x->total + n > PM_MAX_LINE) {
		x->over = 1;
		return;
	}
	x->total += n;
	for (; *v != '\0'; v++) {
		if (x->mode == PM_X_WORDS && !quoted && (*v == ' ' || *v == '\t' || *v == '\n'))
			pm_x_word(x);
		else
			buf_append(&x->cur, v, 1);
	}
}

/* $\name: the value with every regex magic character quoted. */
static void pm_x_put_quoted_re(struct pm_x *x, const char *v)
{
	for (; *v != '\0'; v++) {
		if (strchr("^$.*+?[]()|\\{}", *v) != NULL)
			buf_append(&x->cur, "\\", 1);
		buf_append(&x->cur, v, 1);
	}
}

static int pm_x_run(struct pm_x *x, const char *s, int quoted);

static int pm_name_char(char c, int first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/* ${name}, ${name:-w}, ${name-w}, ${name:+w}, ${name+w} at s (after
   "${"); returns the end or NULL if malformed. */
static const char *pm_x_brace(struct pm_x *x, const char *s, int quoted)
{
	const char *n = s, *end;
	char *name, *word;
	const char *v;
	int colon = 0, op = 0, depth = 1;

	while (pm_name_char(*s, s == n))
		s++;
	if (s == n)
		return NULL;
	name = arena_strndup(x->run->a, n, (size_t)(s - n));
	if (*s == ':') {
		colon = 1;
		s++;
	}
	if (*s == '-' || *s == '+')
		op = *s++;
	else if (colon || *s != '}')
		return NULL;
	for (end = s; *end != '\0'; end++) {
		if (*end == '{')
			depth++;
		else if (*end == '}' && --depth == 0)
			break;
	}
	if (*end != '}')
		return NULL;
	word = arena_strndup(x->run->a, s, (size_t)(end - s));
	v = pm_get(x->run, name);
	if (op == 0) {
		pm_x_put(x, v != NULL ? v : "", quoted);
	} else {
		int set = v != NULL && (!colon || v[0] != '\0');
		if ((op == '-' && !set) || (op == '+' && set)) {
			int r;
			if (x->depth >= PM_MAX_NEST) {
				x->step = pm_error(x->run, x->rc, x->line,
						   "${...} nested deeper than %d", PM_MAX_NEST);
				return NULL;
			}
			x->depth++;
			r = pm_x_run(x, word, quoted);
			x->depth--;
			if (r < 0)
				return NULL;
		} else if (op == '-') {
			pm_x_put(x, v, quoted);
		}
	}
	return end + 1;
}

/* A '$' at *pp: expands it and moves *pp past it. */
static int pm_x_dollar(struct pm_x *x, const char **pp, int quoted)
{
	const char *s = *pp + 1, *n;
	char tmp[32];

	if (*s == '{') {
		n = pm_x_brace(x, s + 1, quoted);
		if (n == NULL) {
			if (x->step == PM_NEXT)
				x->step = pm_error(x->run, x->rc, x->line, "bad ${...} expansion");
			return -1;
		}
		*pp = n;
		return 0;
	}
	if (*s == '\\' && pm_name_char(s[1], 1)) {
		for (n = s + 1; pm_name_char(*n, n == s + 1); n++)
			;
		pm_x_put_quoted_re(x, pm_get0(x->run, arena_strndup(x->run->a, s + 1,
								     (size_t)(n - s - 1))));
		*pp = n;
		return 0;
	}
	if (pm_name_char(*s, 1)) {
		for (n = s; pm_name_char(*n, n == s); n++)
			;
		pm_x_put(x, pm_get0(x->run, arena_strndup(x->run->a, s, (size_t)(n - s))), quoted);
		*pp = n;
		return 0;
	}
	*pp = s + 1;
	switch (*s) {
	case '$':
		snprintf(tmp, sizeof(tmp), "%ld", (long)getpid());
		pm_x_put(x, tmp, quoted);
		return 0;
	case '?':
		snprintf(tmp, sizeof(tmp), "%d", x->run->last_exit);
		pm_x_put(x, tmp, quoted);
		return 0;
	case '_':
		pm_x_put(x, x->rc->name, quoted);
		return 0;
	case '-':
		pm_x_put(x, pm_get0(x->run, "LASTFOLDER"), quoted);
		return 0;
	case '=': case '#':
		pm_x_put(x, "0", quoted);
		return 0;
	case '@': case '*':
		return 0;
	default:
		if (*s >= '0' && *s <= '9')
			return 0;
		*pp = s;
		buf_append(&x->cur, "$", 1);
		return 0;
	}
}

/* `cmd`: its output, trailing newlines dropped, the message on stdin. */
static int pm_x_backquote(struct pm_x *x, const char **pp)
{
	const char *s = *pp + 1;
	struct buf cmd = BUF_INIT;
	char *out;
	size_t len;
	int ex;
	enum pm_step st;

	for (; *s != '`'; s++) {
		if (*s == '\0') {
			buf_free(&cmd);
			x->step = pm_error(x->run, x->rc, x->line, "unterminated backquote");
			return -1;
		}
		if (*s == '\\' && (s[1] == '`' || s[1] == '\\' || s[1] == '$'))
			s++;
		buf_append(&cmd, s, 1);
	}
	*pp = s + 1;
	st = pm_command(x->run, cmd.len ? cmd.data : "", x->run->msg, 1, &out, &len, &ex);
	if (x->run->trace != NULL)
		mda_trace_add(x->run->trace, x->run->a, "pipe '%s' (backquote)",
			      cmd.len ? cmd.data : "");
	buf_free(&cmd);
	if (st != PM_NEXT) {
		x->step = st;
		return -1;
	}
	while (len > 0 && out[len - 1] == '\n')
		len--;
	if (len > PM_MAX_LINE) {
		x->step = pm_error(x->run, x->rc, x->line, "backquote output longer than %zu bytes",
				   PM_MAX_LINE);
		return -1;
	}
	pm_x_put(x, arena_strndup(x->run->a, out != NULL ? out : "", len), 1);
	return 0;
}

/* Expands s into x; quoted: s is inside double quotes. */
static int pm_x_run(struct pm_x *x, const char *s, int quoted)
{
	int dq = quoted || x->mode == PM_X_DQ;

	while (*s != '\0') {
		if (x->over || x->cur.len > PM_MAX_LINE) {
			x->step = pm_error(x->run, x->rc, x->line, "expansion longer than %zu bytes",
					   PM_MAX_LINE);
			return -1;
		}
		if (*s == '$') {
			if (pm_x_dollar(x, &s, dq) < 0)
				return -1;
		} else if (*s == '\\' && s[1] != '\0') {
			/* inside double quotes a backslash only quotes $ ` " \ */
			if (!dq || strchr("$`\"\\", s[1]) != NULL)
				s++;
			buf_append(&x->cur, s++, 1);
		} else if (x->mode == PM_X_DQ) {
			/* procmail drops the double quotes of a `$` condition
			   (then splits a `?` command on blanks) */
			if (*s != '"')
				buf_append(&x->cur, s, 1);
			s++;
		} else if (*s == '`') {
			if (pm_x_backquote(x, &s) < 0)
				return -1;
		} else if (*s == '"' && !quoted) {
			const char *end = s + 1;
			while (*end != '\0' && *end != '"')
				end += (*end == '\\' && end[1] != '\0') ? 2 : 1;
			x->have = 1;
			if (pm_x_run(x, arena_strndup(x->run->a, s + 1, (size_t)(end - s - 1)), 1) < 0)
				return -1;
			s = *end != '\0' ? end + 1 : end;
		} else if (*s == '\'' && !quoted) {
			const char *end = strchr(s + 1, '\'');
			if (end == NULL)
				end = s + strlen(s);
			x->have = 1;
			buf_append(&x->cur, s + 1, (size_t)(end - s - 1));
			s = *end != '\0' ? end + 1 : end;
		} else if (!quoted && x->mode == PM_X_WORDS && (*s == ' ' || *s == '\t')) {
			pm_x_word(x);
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '#')
				break;
		} else {
			buf_append(&x->cur, s++, 1);
		}
	}
	return 0;
}

static enum pm_step pm_expand(struct pm_run *run, const struct procmail_rc *rc,
			      unsigned int line, const char *s, enum pm_xmode mode,
			      const char **out_r, const char ***words_r, size_t *n_r)
{
	struct pm_x x;

	memset(&x, 0, sizeof(x));
	x.run = run;
	x.rc = rc;
	x.line = line;
	x.mode = mode;
	x.step = PM_NEXT;
	if (mode == PM_X_WORDS && *s == '#')
		s = "";
	if (pm_x_run(&x, s, 0) < 0 || x.over) {
		buf_free(&x.cur);
		if (x.step == PM_NEXT)
			x.step = pm_error(run, rc, line, "expansion longer than %zu bytes", PM_MAX_LINE);
		return x.step;
	}
	if (mode == PM_X_WORDS) {
		pm_x_word(&x);
		*words_r = x.words.v;
		*n_r = x.words.count;
	} else {
		*out_r = arena_strndup(run->a, x.cur.len ? x.cur.data : "", x.cur.len);
	}
	buf_free(&x.cur);
	return PM_NEXT;
}

/* --- INCLUDERC and SWITCHRC --- */

static void pm_rc_cleanup(void *ctx)
{
	struct procmail_rc *rc = ctx;

	procmail_free(&rc);
}

static enum pm_step pm_push(struct pm_run *run, const struct pm_list *list,
			    const struct procmail_rc *rc, int file_root, unsigned int line)
{
	struct pm_frame *f;

	if (run->depth == PM_MAX_FRAMES)
		return pm_error(run, rc, line, "blocks and INCLUDERC nested too deep");
	f = &run->stack[run->depth++];
	memset(f, 0, sizeof(*f));
	f->list = list;
	f->rc = rc;
	f->file_root = file_root;
	return PM_NEXT;
}

/* Leaves the current rc file: pops its frames, its top level included. */
static void pm_pop_file(struct pm_run *run)
{
	while (run->depth > 0 && !run->stack[--run->depth].file_root)
		;
}

static enum pm_step pm_include(struct pm_run *run, const struct procmail_rc *cur,
			       unsigned int line, const char *path, int is_switch)
{
	struct procmail_rc *rc;
	const char *full = path;
	char *e = NULL;
	size_t i;
	int files = 0;

	if (path[0] == '\0') {
		if (is_switch)
			pm_pop_file(run);
		return PM_NEXT;
	}
	for (i = 0; i < run->depth; i++)
		files += run->stack[i].file_root;
	if (!is_switch && files > PM_MAX_INCLUDE)
		return pm_error(run, cur, line, "INCLUDERC nested deeper than %d", PM_MAX_INCLUDE);
	if (++*run->loads > PM_MAX_LOADS)
		return pm_error(run, cur, line, "more than %d INCLUDERC/SWITCHRC loads",
				PM_MAX_LOADS);
	if (path[0] != '/')
		full = arena_strcat(run->a, pm_get0(run, "MAILDIR"), "/", path, NULL);
	rc = procmail_parse(full, &e);
	if (rc == NULL) {
		pm_error(run, cur, line, "%s %s: %s", is_switch ? "SWITCHRC" : "INCLUDERC", path, e);
		free(e);
		return PM_ERROR;
	}
	arena_add_cleanup(run->a, pm_rc_cleanup, rc);
	if (is_switch)
		pm_pop_file(run);
	return pm_push(run, &rc->top, rc, 1, line);
}

/* --- assignments --- */

static enum pm_step pm_assign(struct pm_run *run, const struct pm_frame *fr,
			      const struct pm_item *it)
{
	const struct procmail_rc *rc = fr->rc;
	const char *v = NULL;
	enum pm_step st;

	if (it->value != NULL) {
		st = pm_expand(run, rc, it->line, it->value, PM_X_WORD, &v, NULL, NULL);
		if (st != PM_NEXT)
			return st;
	}
	if (strcmp(it->name, "INCLUDERC") == 0 || strcmp(it->name, "SWITCHRC") == 0) {
		pm_set(run, it->name, v);
		return pm_include(run, rc, it->line, v != NULL ? v : "",
				  it->name[0] == 'S');
	}
	if (strcmp(it->name, "SHELL") == 0 && v != NULL && !pm_shell_ok(v))
		return pm_error(run, rc, it->line,
				"SHELL=%s is not supported (commands run with /bin/sh -c)", v);
	/* procmail chdirs to MAILDIR, so a relative one is relative to the
	   previous one */
	if (strcmp(it->name, "MAILDIR") == 0 && v != NULL && v[0] != '/')
		v = arena_strcat(run->a, pm_get0(run, "MAILDIR"), "/", v, NULL);
	if (strcmp(it->name, "LOG") == 0 && v != NULL && run->trace != NULL)
		mda_trace_add(run->trace, run->a, "log %s", v);
	pm_set(run, it->name, v);
	return PM_NEXT;
}

/* --- conditions --- */

/* 1 true, 0 false, -1 error (already noted). */
static int pm_cond_test(struct pm_run *run, const struct pm_frame *fr, const struct pm_cond *c)
{
	const char *s, *e = NULL, *mt;
	size_t len, mlen;
	int r, ex;

	switch (c->kind) {
	case PM_C_LESS:
		return run->msg->len < (size_t)c->size;
	case PM_C_MORE:
		return run->msg->len > (size_t)c->size;
	case PM_C_EXIT:
		/* the command gets the search area (H, B), not what h/b pick */
		if (pm_command(run, c->text, pm_part_of(run, c->area), 0, NULL, NULL, &ex) != PM_NEXT)
			return -2;
		return ex == 0;
	case PM_C_VAR:
		s = pm_get0(run, c->var);
		len = strlen(s);
		break;
	case PM_C_REGEX:
		pm_area(run, c->area, &s, &len);
		break;
	default:
		pm_error(run, fr->rc, c->line, "condition expands to another '$'");
		return -1;
	}
	r = pm_re_match(c->re, s, len, c->has_match, &mt, &mlen, &e);
	if (r < 0) {
		pm_error(run, fr->rc, c->line, "%s: '%s'", e, c->text);
		return -1;
	}
	if (r == 1 && c->has_match)
		pm_set(run, "MATCH", arena_strndup(run->a, mt != NULL ? mt : "", mlen));
	return r;
}

/* Whether all of r's conditions hold: 1, 0, or -1 error, -2 tempfail. */
static int pm_conds(struct pm_run *run, const struct pm_frame *fr, const struct pm_recipe *r)
{
	size_t i;

	for (i = 0; i < r->nconds; i++) {
		const struct pm_cond *c = &r->conds[i];
		struct pm_cond tmp;
		int t;
		if (c->kind == PM_C_EXPAND) {
			const char *text;
			char *e = NULL;
			enum pm_step st = pm_expand(run, fr->rc, c->line, c->text, PM_X_DQ, &text,
						    NULL, NULL);
			if (st != PM_NEXT)
				return st == PM_TEMPFAIL ? -2 : -1;
			memset(&tmp, 0, sizeof(tmp));
			tmp.line = c->line;
			if (pm_cond_parse(run->a, text, r->flags, 1, &tmp, &e) < 0) {
				pm_error(run, fr->rc, c->line, "%s", e);
				free(e);
				return -1;
			}
			tmp.negate ^= c->negate;
			c = &tmp;
		}
		t = pm_cond_test(run, fr, c);
		if (t < 0)
			return t;
		if (!(t ^ c->negate))
			return 0;
	}
	return 1;
}

/* --- actions --- */

/* Delivers to the folder names in words. */
static enum pm_step pm_folders(struct pm_run *run, const struct pm_frame *fr,
			       const struct pm_recipe *r, const char **words, size_t n, int *ok_r)
{
	const struct mda_msg *part = pm_part(run, r->flags);
	size_t i;

	*ok_r = 0;
	if (n == 0)
		return pm_error(run, fr->rc, r->action_line, "folder name expands to nothing");
	for (i = 0; i < n; i++) {
		const char *w = words[i], *path, *e = NULL;
		size_t len = strlen(w);
		char *p;
		enum mda_status st;
		if (strcmp(w, "/dev/null") == 0) {
			if (run->trace != NULL)
				mda_trace_add(run->trace, run->a, "discard");
			continue;
		}
		if (len >= 2 && strcmp(w + len - 2, "/.") == 0)
			return pm_error(run, fr->rc, r->action_line,
					"MH folder '%s' is not supported", w);
		if (len == 0 || w[len - 1] != '/')
			return pm_error(run, fr->rc, r->action_line,
					"mbox folder '%s' is not supported (only Maildir folders, "
					"written with a trailing '/')", w);
		p = w[0] == '/' ? arena_strdup(run->a, w)
				: arena_strcat(run->a, pm_get0(run, "MAILDIR"), "/", w, NULL);
		for (len = strlen(p); len > 1 && p[len - 1] == '/'; len--)
			p[len - 1] = '\0';
		path = p;
		st = run->ops->to_maildir(run->ops->ctx, part, path, &e);
		if (st == MDA_TEMPFAIL) {
			pm_note(run, "%s: %s", path, e != NULL ? e : "delivery failed");
			return PM_TEMPFAIL;
		}
		if (st != MDA_OK) {
			pm_note(run, "%s:%u: %s: %s", fr->rc->name, r->action_line, path,
				e != NULL ? e : "delivery failed");
			return PM_NEXT;
		}
		if (run->trace != NULL)
			mda_trace_add(run->trace, run->a, "maildir %s", path);
		pm_set(run, "LASTFOLDER", path);
	}
	*ok_r = 1;
	return PM_NEXT;
}

static enum pm_step pm_forward(struct pm_run *run, const struct pm_frame *fr,
			       const struct pm_recipe *r, const char **words, size_t n, int *ok_r)
{
	const char *e = NULL;
	struct buf all = BUF_INIT;
	enum mda_status st;
	size_t i;

	*ok_r = 0;
	for (i = 0; i < n; i++)
		if (words[i][0] == '-' || words[i][0] == '\0')
			return pm_error(run, fr->rc, r->action_line,
					"bad forwarding address '%s'", words[i]);
	if (n == 0)
		return pm_error(run, fr->rc, r->action_line, "'!' expands to no address");
	st = run->ops->redirect(run->ops->ctx, pm_part(run, r->flags), words, n, &e);
	if (st == MDA_TEMPFAIL) {
		pm_note(run, "forward: %s", e != NULL ? e : "failed");
		return PM_TEMPFAIL;
	}
	if (st != MDA_OK) {
		pm_note(run, "%s:%u: forward: %s", fr->rc->name, r->action_line,
			e != NULL ? e : "failed");
		return PM_NEXT;
	}
	for (i = 0; i < n; i++)
		buf_printf(&all, "%s%s", i ? " " : "", words[i]);
	if (run->trace != NULL)
		mda_trace_add(run->trace, run->a, "redirect %s", all.data);
	buf_free(&all);
	*ok_r = 1;
	return PM_NEXT;
}

/* The command of r to run: with a local lockfile (`:0:`) wrapped in
   flock(1) on that file, so the command never runs twice at once, which
   is what procmail's lockfile is for. Without a name procmail locks the
   file after the first ">>" (plus $LOCKEXT), else nothing. *lock_r: the
   lock's path, or NULL. */
static enum pm_step pm_lock_cmd(struct pm_run *run, const struct pm_frame *fr,
				const struct pm_recipe *r, const char **cmd_r, const char **lock_r)
{
	const char *name = NULL, *raw = r->lockfile, *ext;
	enum pm_step st;

	*cmd_r = r->text;
	*lock_r = NULL;
	if (!r->lock)
		return PM_NEXT;
	if (raw[0] == '\0') {
		const char *q = strstr(r->text, ">>"), *end;
		if (q == NULL)
			return PM_NEXT;
		q += 2 + strspn(q + 2, " \t");
		end = q + strcspn(q, " \t;|&)<>");
		if (end == q)
			return PM_NEXT;
		ext = pm_get(run, "LOCKEXT");
		raw = arena_strcat(run->a, arena_strndup(run->a, q, (size_t)(end - q)),
				   ext != NULL ? ext : ".lock", NULL);
	}
	st = pm_expand(run, fr->rc, r->action_line, raw, PM_X_WORD, &name, NULL, NULL);
	if (st != PM_NEXT)
		return st;
	if (name[0] == '\0')
		return pm_error(run, fr->rc, r->action_line, "empty lockfile name");
	if (name[0] != '/')
		name = arena_strcat(run->a, pm_get0(run, "MAILDIR"), "/", name, NULL);
	*cmd_r = arena_strcat(run->a, "flock ", pm_shq(run->a, name), " /bin/sh -c ",
			      pm_shq(run->a, r->text), NULL);
	*lock_r = name;
	return PM_NEXT;
}

static void pm_trace_cmd(struct pm_run *run, const char *what, const struct pm_recipe *r,
			 const char *lock)
{
	if (run->trace == NULL)
		return;
	mda_trace_add(run->trace, run->a, "%s '%s'%s%s%s%s", what, r->text,
		      r->action == PM_ACT_CAPTURE ? " into " : "",
		      r->action == PM_ACT_CAPTURE ? r->var : "", lock != NULL ? " lock " : "",
		      lock != NULL ? lock : "");
}

/* An 'f' recipe: the command's output replaces the part it was fed. */
static enum pm_step pm_filter(struct pm_run *run, const struct pm_frame *fr,
			      const struct pm_recipe *r, int *ok_r)
{
	const struct mda_msg *part = pm_part(run, r->flags);
	unsigned int hb = r->flags & (PM_F_h | PM_F_b);
	struct buf nm = BUF_INIT;
	const char *cmd, *lock;
	char *out;
	size_t len;
	int ex;
	enum pm_step st = pm_lock_cmd(run, fr, r, &cmd, &lock);

	*ok_r = 0;
	if (st == PM_NEXT)
		st = pm_command(run, cmd, part, 1, &out, &len, &ex);
	if (st != PM_NEXT)
		return st;
	pm_trace_cmd(run, "filter", r, lock);
	if (ex == -1 || ((r->flags & (PM_F_w | PM_F_W)) && ex != 0))
		return PM_NEXT;
	if (out == NULL)
		out = "", len = 0;
	if (hb == PM_F_h) {
		buf_append(&nm, out, len);
		/* keep a blank line between the new header and the body */
		if (len == 0 || out[len - 1] != '\n')
			buf_append(&nm, "\n", 1);
		if (len < 2 || out[len - 2] != '\n')
			buf_append(&nm, "\n", 1);
		buf_append(&nm, run->msg->data + run->split, run->msg->len - run->split);
	} else if (hb == PM_F_b) {
		buf_append(&nm, run->msg->data, run->split);
		buf_append(&nm, out, len);
	} else {
		buf_append(&nm, out, len);
	}
	pm_replace(run, nm.len ? nm.data : "", nm.len);
	buf_free(&nm);
	*ok_r = 1;
	return PM_NEXT;
}

static enum pm_step pm_pipe(struct pm_run *run, const struct pm_frame *fr,
			    const struct pm_recipe *r, int *ok_r)
{
	char *out = NULL;
	size_t len = 0;
	int ex, capture = r->action == PM_ACT_CAPTURE;
	const char *cmd, *lock;
	enum pm_step st = pm_lock_cmd(run, fr, r, &cmd, &lock);

	*ok_r = 0;
	if (st == PM_NEXT)
		st = pm_command(run, cmd, pm_part(run, r->flags), capture, capture ? &out : NULL,
				capture ? &len : NULL, &ex);
	if (st != PM_NEXT)
		return st;
	pm_trace_cmd(run, "pipe", r, lock);
	if (capture) {
		if (len > 0 && out[len - 1] == '\n')
			len--;
		if (len > PM_MAX_LINE)
			len = PM_MAX_LINE;
		pm_set(run, r->var, arena_strndup(run->a, out != NULL ? out : "", len));
	}
	/* without w procmail ignores the exit status */
	*ok_r = ex != -1 && (!(r->flags & (PM_F_w | PM_F_W)) || ex == 0);
	if (*ok_r)
		pm_set(run, "LASTFOLDER", r->text);
	return PM_NEXT;
}

/* A `c` block: a clone of this run enters the block and goes on to its
   own end (and its own $DEFAULT); this run jumps over the block. */
static enum pm_step pm_clone(struct pm_run *run, const struct pm_frame *fr,
			     const struct pm_recipe *r, unsigned int line)
{
	struct pm_run cl = *run;
	enum mda_status st;

	if (*run->clones >= PM_MAX_CLONES)
		return pm_error(run, fr->rc, line, "more than %d 'c' block clones", PM_MAX_CLONES);
	++*run->clones;
	cl.msg = arena_alloc(run->a, sizeof(*cl.msg));
	*cl.msg = *run->msg;
	cl.vars = arena_alloc(run->a, run->capvars * sizeof(*cl.vars) + 1);
	if (run->nvars > 0)
		memcpy(cl.vars, run->vars, run->nvars * sizeof(*cl.vars));
	cl.stack = arena_alloc(run->a, PM_MAX_FRAMES * sizeof(*cl.stack));
	memcpy(cl.stack, run->stack, run->depth * sizeof(*cl.stack));
	if (run->trace != NULL)
		mda_trace_add(run->trace, run->a, "clone %s:%u", fr->rc->name, line);
	if (pm_push(&cl, &r->block, fr->rc, 0, line) != PM_NEXT)
		return PM_ERROR;
	st = pm_exec(&cl);
	if (run->trace != NULL)
		mda_trace_add(run->trace, run->a, "clone end");
	return st == MDA_TEMPFAIL ? PM_TEMPFAIL : PM_NEXT;
}

static enum pm_step pm_action(struct pm_run *run, const struct pm_frame *fr,
			      const struct pm_item *it, int *ok_r)
{
	const struct pm_recipe *r = it->recipe;
	const char **words = NULL;
	size_t n = 0;
	enum pm_step st;

	*ok_r = 1;
	switch (r->action) {
	case PM_ACT_BLOCK:
		if (r->flags & PM_F_c)
			return pm_clone(run, fr, r, it->line);
		return pm_push(run, &r->block, fr->rc, 0, r->action_line);
	case PM_ACT_PIPE:
		if (r->flags & PM_F_f)
			return pm_filter(run, fr, r, ok_r);
		st = pm_pipe(run, fr, r, ok_r);
		break;
	case PM_ACT_CAPTURE:
		return pm_pipe(run, fr, r, ok_r);
	case PM_ACT_FOLDER:
	case PM_ACT_FORWARD:
		st = pm_expand(run, fr->rc, r->action_line, r->text, PM_X_WORDS, NULL, &words, &n);
		if (st != PM_NEXT)
			return st;
		st = r->action == PM_ACT_FOLDER ? pm_folders(run, fr, r, words, n, ok_r)
						: pm_forward(run, fr, r, words, n, ok_r);
		break;
	default:
		wn_panic("procmail: bad action %d", (int)r->action);
	}
	if (st == PM_NEXT && *ok_r && !(r->flags & PM_F_c))
		return PM_DONE;
	return st;
}

static enum pm_step pm_recipe(struct pm_run *run, struct pm_frame *fr, const struct pm_item *it)
{
	const struct pm_recipe *r = it->recipe;
	struct pm_level *lvl = &fr->lvl;
	int go = 1, m, ok;
	enum pm_step st;

	if ((r->flags & (PM_F_A | PM_F_a)) && !lvl->last_cond)
		go = 0;
	if ((r->flags & PM_F_a) && !lvl->prev_ok)
		go = 0;
	if ((r->flags & PM_F_e) && !lvl->prev_failed)
		go = 0;
	if ((r->flags & PM_F_E) && lvl->prev_exec) {
		/* an executed recipe also disables the E recipes after it */
		lvl->prev_ok = lvl->prev_failed = 0;
		return PM_NEXT;
	}
	if (!go) {
		lvl->prev_exec = lvl->prev_ok = lvl->prev_failed = 0;
		return PM_NEXT;
	}
	m = pm_conds(run, fr, r);
	if (m == -2)
		return PM_TEMPFAIL;
	if (m < 0)
		return PM_ERROR;
	if (!(r->flags & (PM_F_A | PM_F_a)))
		lvl->last_cond = m;
	if (!m) {
		lvl->prev_exec = lvl->prev_ok = lvl->prev_failed = 0;
		return PM_NEXT;
	}
	/* pm_action may push a frame: lvl stays valid (a fixed array) */
	st = pm_action(run, fr, it, &ok);
	lvl->prev_exec = 1;
	lvl->prev_ok = ok;
	lvl->prev_failed = !ok;
	return st;
}

/* --- the end: $DEFAULT --- */

static enum mda_status pm_default(struct pm_run *run)
{
	const char *d = pm_get0(run, "DEFAULT"), *e = NULL, *path;
	size_t len = strlen(d);
	enum mda_status st;
	char *p;

	if (strcmp(d, "/dev/null") == 0) {
		if (run->trace != NULL)
			mda_trace_add(run->trace, run->a, "discard (DEFAULT)");
		return MDA_OK;
	}
	if (len == 0 || d[len - 1] != '/' || (len >= 2 && strcmp(d + len - 2, "/.") == 0)) {
		pm_note(run, "DEFAULT '%s' is not a Maildir (no trailing '/'): using %s", d,
			run->env->default_dest);
		d = run->env->default_dest;
	}
	p = d[0] == '/' ? arena_strdup(run->a, d)
			: arena_strcat(run->a, pm_get0(run, "MAILDIR"), "/", d, NULL);
	for (len = strlen(p); len > 1 && p[len - 1] == '/'; len--)
		p[len - 1] = '\0';
	path = p;
	st = run->ops->to_maildir(run->ops->ctx, run->msg, path, &e);
	if (st == MDA_PERMFAIL && strcmp(d, run->env->default_dest) != 0) {
		pm_note(run, "DEFAULT %s: %s: using %s", path, e != NULL ? e : "failed",
			run->env->default_dest);
		p = arena_strdup(run->a, run->env->default_dest);
		for (len = strlen(p); len > 1 && p[len - 1] == '/'; len--)
			p[len - 1] = '\0';
		path = p;
		st = run->ops->to_maildir(run->ops->ctx, run->msg, path, &e);
	}
	if (st != MDA_OK)
		pm_note(run, "DEFAULT %s: %s", path, e != NULL ? e : "delivery failed");
	else if (run->trace != NULL)
		mda_trace_add(run->trace, run->a, "maildir %s (default)", path);
	return st;
}

static enum mda_status pm_exec(struct pm_run *run)
{
	enum pm_step st;

	while (run->depth > 0) {
		struct pm_frame *fr = &run->stack[run->depth - 1];
		const struct pm_item *it;
		if (fr->index >= fr->list->count) {
			run->depth--;
			continue;
		}
		it = &fr->list->items[fr->index++];
		st = it->kind == PM_ITEM_ASSIGN ? pm_assign(run, fr, it) : pm_recipe(run, fr, it);
		if (st == PM_DONE)
			return MDA_OK;
		if (st == PM_TEMPFAIL)
			return MDA_TEMPFAIL;
		if (st == PM_ERROR)
			break;
	}
	return pm_default(run);
}

static void pm_defaults(struct pm_run *run)
{
	const struct procmail_env *env = run->env;
	const char *home = env->home != NULL ? env->home : "/";

	pm_set(run, "HOME", home);
	pm_set(run, "LOGNAME", env->logname != NULL ? env->logname : "");
	pm_set(run, "SHELL", "/bin/sh");
	pm_set(run, "PATH", arena_strcat(run->a, home, "/bin:/usr/local/bin:/usr/bin:/bin", NULL));
	pm_set(run, "MAILDIR", env->maildir_default != NULL ? env->maildir_default : home);
	pm_set(run, "DEFAULT", env->default_dest);
}

enum mda_status procmail_run(const struct procmail_rc *rc, struct mda_msg *m,
			     const struct mda_ops *ops, const struct procmail_env *env,
			     struct mda_trace *trace, char **err_r)
{
	struct pm_run run;
	int clones = 0, loads = 0;

	*err_r = NULL;
	assert(env->default_dest != NULL);
	memset(&run, 0, sizeof(run));
	run.ops = ops;
	run.env = env;
	run.trace = trace;
	run.a = m->arena;
	run.msg = m;
	run.clones = &clones;
	run.loads = &loads;
	run.err = err_r;
	run.stack = arena_alloc(run.a, PM_MAX_FRAMES * sizeof(*run.stack));
	pm_defaults(&run);
	pm_push(&run, &rc->top, rc, 1, 0);
	return pm_exec(&run);
}
