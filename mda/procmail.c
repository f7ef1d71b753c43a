/*
 * procmail.c - the procmailrc parser (procmailrc(5)): assignments and
 * `:0` recipes with conditions and one action line, nested blocks.
 *
 * Lines are read whole (a backslash-newline joins the next line; on
 * condition lines the continuation's leading blanks are dropped, as
 * procmail does), then classified by their first character. Values are
 * kept as raw sh words and expanded at run time (procmail_run.c);
 * literal regexes are compiled here, so a bad one is reported at parse
 * time with its line. Anything outside the subset procmail.h lists is
 * an error "name:line: message": a user moving from procmail learns
 * exactly which line to change instead of losing mail to a half-read
 * rc. Limits: PM_MAX_RC_SIZE, PM_MAX_LINE, PM_MAX_NEST.
 */
#include "mda/procmail_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/wn.h"

struct pm_parser {
	struct arena *a;
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned int lineno; /* physical line at pos */
	char *pending;       /* the rest of a line still to read ("{ x=1") */
	unsigned int pending_line;
	char *err;
};

/* Variables procmail gives a meaning winnow-mda cannot honour. */
static const struct {
	const char *name, *why;
} pm_unsupported[] = {
	{ "LOCKFILE", "global lockfiles are not supported (Maildir delivery needs no lock)" },
	{ "TRAP", "TRAP is not supported" },
	{ "EXITCODE", "EXITCODE is not supported (the MDA's exit code follows sysexits)" },
	{ "HOST", "HOST is not supported" },
	{ "UMASK", "UMASK is not supported (the MDA sets its own umask)" },
	{ "SENDMAIL", "SENDMAIL is not supported (forwarding goes through the MDA's MTA)" },
	{ "SENDMAILFLAGS", "SENDMAILFLAGS is not supported" },
	{ "DELIVERED", "DELIVERED is not supported" },
	{ "DROPPRIVS", "DROPPRIVS is not supported (the MDA always runs as the recipient)" },
	{ "SHIFT", "SHIFT is not supported" },
	{ "TIMEOUT", "TIMEOUT is not supported (the MDA's command time limit applies)" },
	{ "SHELLMETAS", "SHELLMETAS is not supported (commands always run with /bin/sh -c)" },
	{ "SHELLFLAGS", "SHELLFLAGS is not supported (commands always run with /bin/sh -c)" },
};

static int pm_fail(struct pm_parser *p, unsigned int line, const char *fmt, ...) WN_PRINTF(3, 4);
static int pm_parse_list(struct pm_parser *p, struct pm_list *list, int depth,
			 unsigned int open_line);

static int pm_fail(struct pm_parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->err != NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->err = buf_strdup_printf("%s:%u: %s", p->name, line, msg);
	return -1;
}

static int pm_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static const char *pm_skip(const char *s)
{
	while (pm_blank(*s))
		s++;
	return s;
}

/* s without trailing blanks, in the arena. */
static char *pm_trim(struct arena *a, const char *s)
{
	size_t n;

	s = pm_skip(s);
	n = strlen(s);
	while (n > 0 && pm_blank(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

int pm_shell_ok(const char *value)
{
	const char *base = strrchr(value, '/');

	base = base != NULL ? base + 1 : value;
	return value[0] == '/' &&
	       (strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0 || strcmp(base, "dash") == 0);
}

/* The next logical line (continuations joined) in *line_r, its first
   physical line in *no_r. 1, 0 at the end, -1 on error. */
static int pm_read(struct pm_parser *p, char **line_r, unsigned int *no_r)
{
	struct buf b = BUF_INIT;
	int cond = -1;

	if (p->pending != NULL) {
		*line_r = p->pending;
		*no_r = p->pending_line;
		p->pending = NULL;
		return 1;
	}
	if (p->pos >= p->len)
		return 0;
	*no_r = p->lineno;
	for (;;) {
		const char *s = p->text + p->pos;
		const char *nl = memchr(s, '\n', p->len - p->pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : p->len - p->pos;
		int cont = nl != NULL && n > 0 && s[n - 1] == '\\';

		p->pos += n + (nl != NULL);
		p->lineno++;
		if (cont)
			n--;
		if (b.len > 0 && cond == 1)
			while (n > 0 && pm_blank(*s)) {
				s++;
				n--;
			}
		buf_append(&b, s, n);
		if (cond < 0 && *pm_skip(buf_cstr(&b)) != '\0')
			cond = *pm_skip(buf_cstr(&b)) == '*';
		if (b.len > PM_MAX_LINE) {
			buf_free(&b);
			return pm_fail(p, *no_r, "line longer than %zu bytes", PM_MAX_LINE);
		}
		if (!cont || p->pos >= p->len)
			break;
	}
	*line_r = arena_strndup(p->a, buf_cstr(&b), b.len);
	buf_free(&b);
	return 1;
}

/* Whatever follows on the line (after "{", "}" or a value) is read next,
   unless it is empty or a comment. */
static void pm_push_rest(struct pm_parser *p, const char *rest, unsigned int line)
{
	rest = pm_skip(rest);
	if (*rest == '\0' || *rest == '#')
		return;
	p->pending = arena_strdup(p->a, rest);
	p->pending_line = line;
}

/* The end of the sh word at s (quotes, backslashes, backquotes), or
   NULL when a quote is not closed on the line. */
static const char *pm_word_end(const char *s)
{
	while (*s != '\0' && !pm_blank(*s)) {
		if (*s == '\\' && s[1] != '\0') {
			s += 2;
		} else if (*s == '\'' || *s == '"' || *s == '`') {
			char q = *s++;
			while (*s != q) {
				if (*s == '\0')
					return NULL;
				if (q != '\'' && *s == '\\' && s[1] != '\0')
					s++;
				s++;
			}
			s++;
		} else {
			s++;
		}
	}
	return s;
}

static const char *pm_name_end(const char *s)
{
	if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return s;
	while (*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	       (*s >= '0' && *s <= '9'))
		s++;
	return s;
}

/* Does the value need run-time expansion to be known? */
static int pm_literal(const char *v)
{
	return strpbrk(v, "$`'\"\\") == NULL;
}

static int pm_check_var(struct pm_parser *p, unsigned int line, const char *name,
			const char *value)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(pm_unsupported); i++)
		if (strcmp(name, pm_unsupported[i].name) == 0)
			return pm_fail(p, line, "%s", pm_unsupported[i].why);
	if (strcmp(name, "SHELL") == 0 && value != NULL && pm_literal(value) &&
	    !pm_shell_ok(value))
		return pm_fail(p, line, "SHELL=%s is not supported (commands run with /bin/sh -c)",
			       value);
	return 0;
}

static int pm_parse_assign(struct pm_parser *p, struct pm_item *it, const char *s,
			   unsigned int line)
{
	const char *end = pm_name_end(s), *v;

	if (end == s)
		return pm_fail(p, line, "syntax error: expected a recipe (:0) or an assignment");
	it->kind = PM_ITEM_ASSIGN;
	it->name = arena_strndup(p->a, s, (size_t)(end - s));
	s = pm_skip(end);
	if (*s != '=') {
		/* "VAR" alone unsets it; procmail reads "A B" as two of those */
		if (*s != '\0' && *s != '#' && end == s)
			return pm_fail(p, line, "syntax error after '%s'", it->name);
		it->value = NULL;
		pm_push_rest(p, s, line);
		return pm_check_var(p, line, it->name, NULL);
	}
	v = pm_skip(s + 1);
	if (*v == '#' && v != s + 1) {
		it->value = "";
		return pm_check_var(p, line, it->name, it->value);
	}
	end = pm_word_end(v);
	if (end == NULL)
		return pm_fail(p, line, "unterminated quote in the value of %s", it->name);
	it->value = arena_strndup(p->a, v, (size_t)(end - v));
	/* "A=x y" assigns A and then unsets y, as procmail does */
	pm_push_rest(p, end, line);
	return pm_check_var(p, line, it->name, it->value);
}

/* A weighted condition ("* 2^1 regex") starts with a number, '^'. */
static int pm_weighted(const char *s)
{
	const char *q = s;

	if (*q == '-' || *q == '+')
		q++;
	if (!((*q >= '0' && *q <= '9') || *q == '.'))
		return 0;
	while ((*q >= '0' && *q <= '9') || *q == '.')
		q++;
	q = pm_skip(q);
	return *q == '^';
}

static enum pm_area pm_area_of(unsigned int flags)
{
	if ((flags & (PM_F_H | PM_F_B)) == PM_F_B)
		return PM_AREA_B;
	if ((flags & (PM_F_H | PM_F_B)) == (PM_F_H | PM_F_B))
		return PM_AREA_HB;
	return PM_AREA_H;
}

static int pm_cond_regex(struct arena *a, const char *s, unsigned int flags,
			 struct pm_cond *c, char **err_r)
{
	char *e = NULL;

	c->text = pm_trim(a, s);
	c->re = pm_re_compile(a, c->text, !(flags & PM_F_D), &c->has_match, &e);
	if (c->re == NULL) {
		*err_r = buf_strdup_printf("bad regex '%s': %s", c->text, e);
		free(e);
		return -1;
	}
	return 0;
}

int pm_cond_parse(struct arena *a, const char *text, unsigned int flags, int expanded,
		  struct pm_cond *c, char **err_r)
{
	const char *s = pm_skip(text), *end;
	char *tail;

	c->area = pm_area_of(flags);
	for (; *s == '!'; s = pm_skip(s + 1))
		c->negate = !c->negate;
	if (*s == '$' && !expanded) {
		c->kind = PM_C_EXPAND;
		c->text = arena_strdup(a, pm_skip(s + 1));
		return 0;
	}
	if (*s == '?') {
		c->kind = PM_C_EXIT;
		c->text = pm_trim(a, s + 1);
		if (c->text[0] == '\0') {
			*err_r = xstrdup("'?' condition without a command");
			return -1;
		}
		return 0;
	}
	if (*s == '<' || *s == '>') {
		c->kind = *s == '<' ? PM_C_LESS : PM_C_MORE;
		s = pm_skip(s + 1);
		errno = 0;
		c->size = strtol(s, &tail, 10);
		if (tail == s || *pm_skip(tail) != '\0' || errno != 0 || c->size < 0) {
			*err_r = buf_strdup_printf("size condition needs a number of bytes: '%s'", s);
			return -1;
		}
		return 0;
	}
	if (*s == '\\' && s[1] != '\0' && strchr("!$?<>\\", s[1]) != NULL)
		return pm_cond_regex(a, s + 1, flags, c, err_r);
	if (pm_weighted(s)) {
		*err_r = xstrdup("weighted conditions (x^y scoring) are not supported");
		return -1;
	}
	end = pm_name_end(s);
	if (end != s && strncmp(pm_skip(end), "??", 2) == 0) {
		char *var = arena_strndup(a, s, (size_t)(end - s));
		const char *rest = pm_skip(end) + 2;
		if (strcmp(var, "H") == 0)
			flags = (flags & ~(unsigned)(PM_F_H | PM_F_B)) | PM_F_H;
		else if (strcmp(var, "B") == 0)
			flags = (flags & ~(unsigned)(PM_F_H | PM_F_B)) | PM_F_B;
		else if (strcmp(var, "HB") == 0 || strcmp(var, "BH") == 0)
			flags |= PM_F_H | PM_F_B;
		else {
			c->kind = PM_C_VAR;
			c->var = var;
		}
		if (c->kind != PM_C_VAR)
			c->area = pm_area_of(flags);
		return pm_cond_regex(a, rest, flags, c, err_r);
	}
	c->kind = PM_C_REGEX;
	return pm_cond_regex(a, s, flags, c, err_r);
}

static int pm_parse_flags(struct pm_parser *p, struct pm_recipe *r, const char *s,
			  unsigned int line)
{
	static const char letters[] = "HBDAaEehbfcwWi";
	const char *f;

	for (; *s != '\0' && *s != '#'; s++) {
		if (pm_blank(*s))
			continue;
		if (*s == ':') {
			const char *end = pm_word_end(pm_skip(s + 1));
			r->lock = 1;
			if (end == NULL)
				return pm_fail(p, line, "unterminated quote in the lockfile name");
			s = pm_skip(s + 1);
			r->lockfile = *s == '#' ? "" : arena_strndup(p->a, s, (size_t)(end - s));
			return 0;
		}
		f = strchr(letters, *s);
		if (*s == 'r')
			return pm_fail(p, line, "flag 'r' (raw mode) is not supported");
		if (f == NULL)
			return pm_fail(p, line, "unknown flag '%c'", *s);
		r->flags |= 1u << (f - letters);
	}
	return 0;
}

/* Checks the literal names of a folder action. */
static int pm_check_folder(struct pm_parser *p, const char *text, unsigned int line)
{
	const char *s = pm_skip(text), *end;

	for (; *s != '\0' && *s != '#'; s = pm_skip(end)) {
		char *w;
		size_t n;
		end = pm_word_end(s);
		if (end == NULL)
			return pm_fail(p, line, "unterminated quote in the action line");
		w = arena_strndup(p->a, s, (size_t)(end - s));
		n = strlen(w);
		if (!pm_literal(w) || strcmp(w, "/dev/null") == 0)
			continue;
		if (n >= 2 && strcmp(w + n - 2, "/.") == 0)
			return pm_fail(p, line,
				       "MH folder '%s' is not supported (only Maildir folders, "
				       "written with a trailing '/')", w);
		if (w[n - 1] != '/')
			return pm_fail(p, line,
				       "mbox folder '%s' is not supported (only Maildir folders, "
				       "written with a trailing '/')", w);
	}
	return 0;
}

static int pm_check_forward(struct pm_parser *p, const char *text, unsigned int line)
{
	const char *s = pm_skip(text), *end;
	int n = 0;

	for (; *s != '\0' && *s != '#'; s = pm_skip(end), n++) {
		end = pm_word_end(s);
		if (end == NULL)
			return pm_fail(p, line, "unterminated quote in the action line");
		if (*s == '-')
			return pm_fail(p, line, "sendmail options in a '!' action are not supported");
	}
	if (n == 0)
		return pm_fail(p, line, "'!' action without an address");
	return 0;
}

/* The action line of r, s its text. */
static int pm_parse_action(struct pm_parser *p, struct pm_recipe *r, const char *s,
			   unsigned int line, int depth)
{
	const char *end = pm_name_end(s);

	r->action_line = line;
	if (*s == '{') {
		if (s[1] != '\0' && !pm_blank(s[1]))
			return pm_fail(p, line, "'{' must be followed by a blank");
		if (depth + 1 > PM_MAX_NEST)
			return pm_fail(p, line, "blocks nested deeper than %d", PM_MAX_NEST);
		r->action = PM_ACT_BLOCK;
		pm_push_rest(p, s + 1, line);
		return pm_parse_list(p, &r->block, depth + 1, line);
	}
	if (end != s && *pm_skip(end) == '=' && *pm_skip(pm_skip(end) + 1) == '|') {
		r->action = PM_ACT_CAPTURE;
		r->var = arena_strndup(p->a, s, (size_t)(end - s));
		s = pm_skip(pm_skip(end) + 1);
	}
	if (*s == '|') {
		if (r->action != PM_ACT_CAPTURE)
			r->action = PM_ACT_PIPE;
		r->text = pm_trim(p->a, s + 1);
		if (r->text[0] == '\0')
			return pm_fail(p, line, "'|' without a command (to stdout) is not supported");
		return 0;
	}
	if (r->flags & PM_F_f)
		return pm_fail(p, line, "flag 'f' needs a '| command' action");
	if (*s == '!') {
		r->action = PM_ACT_FORWARD;
		r->text = pm_trim(p->a, s + 1);
		return pm_check_forward(p, r->text, line);
	}
	r->action = PM_ACT_FOLDER;
	r->text = pm_trim(p->a, s);
	return pm_check_folder(p, r->text, line);
}

static int pm_parse_recipe(struct pm_parser *p, struct pm_item *it, const char *s,
			   unsigned int line, int depth)
{
	struct pm_recipe *r = arena_zalloc(p->a, sizeof(*r));
	struct arena_vec conds = { NULL, 0, 0 };
	unsigned int no = line;
	char *l, *err = NULL;
	int rc;

	it->kind = PM_ITEM_RECIPE;
	it->recipe = r;
	if (s[1] != '0')
		return s[1] >= '1' && s[1] <= '9'
			       ? pm_fail(p, line, "old-style ':%c' recipes are not supported: use ':0'",
					 s[1])
			       : pm_fail(p, line, "syntax error: expected ':0'");
	if (pm_parse_flags(p, r, s + 2, line) < 0)
		return -1;
	for (;;) {
		rc = pm_read(p, &l, &no);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return pm_fail(p, line, "recipe without an action line");
		s = pm_skip(l);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s != '*')
			break;
		struct pm_cond *c = ARENA_VEC_PUSH(p->a, &conds, struct pm_cond);
		c->line = no;
		if (pm_cond_parse(p->a, s + 1, r->flags, 0, c, &err) < 0) {
			pm_fail(p, no, "%s", err);
			free(err);
			return -1;
		}
	}
	r->conds = conds.v;
	r->nconds = conds.count;
	if (*s == '}' || *s == ':')
		return pm_fail(p, no, "recipe without an action line");
	return pm_parse_action(p, r, s, no, depth);
}

static int pm_parse_list(struct pm_parser *p, struct pm_list *list, int depth,
			 unsigned int open_line)
{
	struct arena_vec items = { NULL, 0, 0 };
	unsigned int no;
	char *line;
	int rc;

	for (;;) {
		const char *s;
		rc = pm_read(p, &line, &no);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (depth > 0)
				return pm_fail(p, open_line, "'{' without a matching '}'");
			break;
		}
		s = pm_skip(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '}') {
			if (depth == 0)
				return pm_fail(p, no, "'}' without a matching '{'");
			pm_push_rest(p, s + 1, no);
			break;
		}
		struct pm_item *it = ARENA_VEC_PUSH(p->a, &items, struct pm_item);
		it->line = no;
		rc = *s == ':' ? pm_parse_recipe(p, it, s, no, depth) : pm_parse_assign(p, it, s, no);
		if (rc < 0)
			return -1;
	}
	list->items = items.v;
	list->count = items.count;
	return 0;
}

struct procmail_rc *procmail_parse_buffer(const char *name, const char *text, size_t len,
					  char **err_r)
{
	struct pm_parser p;
	struct procmail_rc *rc;
	const char *nul;

	*err_r = NULL;
	if (len > PM_MAX_RC_SIZE) {
		*err_r = buf_strdup_printf("%s:1: rc file larger than %zu bytes", name,
					   PM_MAX_RC_SIZE);
		return NULL;
	}
	nul = memchr(text, '\0', len);
	if (nul != NULL) {
		unsigned int line = 1;
		const char *q;
		for (q = text; q < nul; q++)
			line += *q == '\n';
		*err_r = buf_strdup_printf("%s:%u: NUL byte in the rc file", name, line);
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.a = arena_new(16384);
	p.name = arena_strdup(p.a, name);
	p.text = text;
	p.len = len;
	p.lineno = 1;
	rc = arena_zalloc(p.a, sizeof(*rc));
	rc->arena = p.a;
	rc->name = p.name;
	if (pm_parse_list(&p, &rc->top, 0, 0) < 0) {
		arena_free(&p.a);
		*err_r = p.err;
		return NULL;
	}
	return rc;
}

struct procmail_rc *procmail_parse(const char *path, char **err_r)
{
	struct procmail_rc *rc;
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	struct stat st;
	FILE *f;
	/* non-blocking: a FIFO named by INCLUDERC must not hang delivery */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		*err_r = buf_strdup_printf("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || strcmp(path, "/dev/null") == 0)) {
		close(fd);
		*err_r = buf_strdup_printf("%s: not a regular file", path);
		return NULL;
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		*err_r = buf_strdup_printf("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > PM_MAX_RC_SIZE)
			break;
	}
	if (ferror(f)) {
		*err_r = buf_strdup_printf("%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	rc = procmail_parse_buffer(path, b.data != NULL ? b.data : "", b.len, err_r);
	buf_free(&b);
	return rc;
}

void procmail_free(struct procmail_rc **rcp)
{
	struct procmail_rc *rc = *rcp;
	struct arena *a;

	if (rc == NULL)
		return;
	a = rc->arena;
	arena_free(&a);
	*rcp = NULL;
}
