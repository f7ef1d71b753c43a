/*
 * check_attach.c - the attachment policy (see check_attach.h).
 *
 * What is judged: every MIME leaf the parser calls an attachment (a
 * filename, or disposition attachment, or a non-text type), by its
 * name (RFC 2231/2047 decoded by lib/msg) and by its decoded bytes;
 * then the members of zip, tar and gzip archives, recursively, by name
 * and by the first bytes of their content (ATTACH_HEAD), read with
 * lib/zip.c and lib/tar.c. Attached messages the MIME parser left
 * closed (base64-encoded message/rfc822) are parsed and judged too.
 *
 * Names: Windows decides what a file is by its last extension, ignores
 * trailing dots and spaces, and shows the name with bidi controls
 * applied (U+202E turns "photo_[RLO]gpj.exe" into "photo_exe.jpg"). So
 * before looking at extensions we drop the path, every bidi control and
 * zero-width character, and trailing dots and (Unicode) spaces; the
 * name is cut at a NUL (zip names may hold one). Extensions compare as
 * lower-case ASCII.
 *
 * Content: magic bytes of executables (PE/MZ, ELF, Mach-O, "#!"
 * scripts, MSI/MSP/MST by their OLE root CLSID, Windows shortcuts)
 * and archives. The parser's detected_type is not enough (no Mach-O,
 * MSI or shortcut), so we sniff ourselves.
 *
 * Limits (attach_max_*), all per message: archive members examined (all
 * archives together), archive nesting, and bytes inflated to open
 * nested archives. Other members are only inflated as far as their
 * first ATTACH_HEAD bytes, so a zip bomb costs that per member. A limit
 * that stops the look inside gives ATTACH_UNCHECKED, never an error.
 *
 * Ownership: struct attach_conf and everything in it live in its own
 * arena, read-only once loaded; findings live in the caller's arena.
 */
#include "filterd/check_attach.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/limits.h"
#include "lib/log.h"
#include "lib/tar.h"
#include "lib/wn.h"
#include "lib/zip.h"

/* Bytes of an archive member inflated to tell its type. */
#define ATTACH_HEAD 4096
/* Largest policy file read (a few lines per domain). */
#define ATTACH_POLICY_MAX ((size_t)4 * 1024 * 1024)
/* attach_max_inflate is taken as at most this (one arena allocation
   holds a nested archive). */
#define ATTACH_MAX_INFLATE ((size_t)256 * 1024 * 1024)
/* attach_max_depth is taken as at most this. */
#define ATTACH_MAX_DEPTH 32
/* Bytes of a name kept for display. */
#define ATTACH_SHOW_MAX 200

/* What content is, by magic bytes. */
enum attach_content {
	AC_NONE,
	AC_PE, AC_ELF, AC_MACHO, AC_SCRIPT, AC_MSI, AC_LNK, /* executables */
	AC_ZIP, AC_RAR, AC_7Z, AC_GZIP, AC_BZIP2, AC_XZ, AC_TAR, AC_CAB, AC_ISO, /* archives */
	AC_OLE,
};

static const char *const attach_content_word[] = {
	[AC_PE] = "pe", [AC_ELF] = "elf", [AC_MACHO] = "macho", [AC_SCRIPT] = "script",
	[AC_MSI] = "msi", [AC_LNK] = "lnk",
};

static const char *const attach_content_desc[] = {
	[AC_NONE] = "unknown", [AC_PE] = "Windows executable (PE)",
	[AC_ELF] = "ELF executable", [AC_MACHO] = "Mach-O executable",
	[AC_SCRIPT] = "#! script", [AC_MSI] = "Windows installer (MSI)",
	[AC_LNK] = "Windows shortcut (LNK)", [AC_ZIP] = "zip archive",
	[AC_RAR] = "rar archive", [AC_7Z] = "7z archive", [AC_GZIP] = "gzip data",
	[AC_BZIP2] = "bzip2 data", [AC_XZ] = "xz data", [AC_TAR] = "tar archive",
	[AC_CAB] = "cab archive", [AC_ISO] = "ISO disk image", [AC_OLE] = "OLE document",
};

#define AC_IS_EXEC(k) ((k) >= AC_PE && (k) <= AC_LNK)
#define AC_IS_ARCHIVE(k) ((k) >= AC_ZIP && (k) <= AC_ISO)
/* the archives we look into */
#define AC_OPENED(k) ((k) == AC_ZIP || (k) == AC_GZIP || (k) == AC_TAR)

/* Which policy action a finding follows. */
enum attach_act {
	ACT_BANNED,    /* attach_action: names, executables, banned members */
	ACT_ENCRYPTED, /* attach_encrypted_action */
	ACT_UNCHECKED, /* attach_unchecked_action */
	ACT_MISMATCH,  /* attach_mismatch_action */
	ACT_N
};

static const char *const attach_act_key[ACT_N] = {
	"attach_action", "attach_encrypted_action", "attach_unchecked_action",
	"attach_mismatch_action",
};
/* The same in the policy file. */
static const char *const attach_act_word[ACT_N] = {
	"action", "encrypted_action", "unchecked_action", "mismatch_action",
};

static const struct {
	const char *name;
	double score;
	enum attach_act act;
} attach_kinds[ATTACH_KINDS] = {
	[ATTACH_BANNED_EXT] = { "WN_ATTACH_BANNED_EXT", 4.0, ACT_BANNED },
	[ATTACH_DOUBLE_EXT] = { "WN_ATTACH_DOUBLE_EXT", 5.0, ACT_BANNED },
	[ATTACH_EXECUTABLE] = { "WN_ATTACH_EXECUTABLE", 4.0, ACT_BANNED },
	[ATTACH_TYPE_MISMATCH] = { "WN_ATTACH_TYPE_MISMATCH", 2.0, ACT_MISMATCH },
	[ATTACH_IN_ARCHIVE] = { "WN_ATTACH_IN_ARCHIVE", 4.0, ACT_BANNED },
	[ATTACH_ENCRYPTED_ARCHIVE] = { "WN_ATTACH_ENCRYPTED_ARCHIVE", 1.0, ACT_ENCRYPTED },
	[ATTACH_UNCHECKED] = { "WN_ATTACH_UNCHECKED", 0.1, ACT_UNCHECKED },
};

struct attach_words {
	const char **v;
	size_t n;
};

struct attach_policy {
	const char *domain;     /* NULL: the default, from winnow.conf */
	struct attach_words ban, allow;
	int check;              /* 0/1, -1: as the default */
	int act[ACT_N];         /* enum scan_action, -1: as the default */
	unsigned int line;      /* of its [domain] line */
};

struct attach_conf {
	struct arena *a;
	struct attach_policy def;
	struct attach_policy *dom; /* sorted by domain once the file is read */
	size_t ndom, capdom;
	struct attach_words decoy;
	unsigned int content_ban;  /* 1u << enum attach_content */
	size_t max_members, max_depth, max_inflate;
};

/* ---- words: extensions, lower-case, without a leading dot ---- */

static int attach_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Normalises w into a; NULL if it is not an extension we can match. */
static const char *attach_ext_word(struct arena *a, const char *w, size_t n)
{
	char *s;
	size_t i;

	if (n > 0 && w[0] == '.')
		w++, n--;
	if (n == 0 || n > 32)
		return NULL;
	s = arena_strndup(a, w, n);
	for (i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
		if (!attach_word_char((unsigned char)s[i]))
			return NULL;
	}
	return s;
}

static void attach_words_add(struct arena *a, struct attach_words *ws, const char *w)
{
	const char **nv = arena_alloc(a, (ws->n + 1) * sizeof(*nv));

	if (ws->n > 0)
		memcpy(nv, ws->v, ws->n * sizeof(*nv));
	nv[ws->n++] = w;
	ws->v = nv;
}

static int attach_words_has(const struct attach_words *ws, const char *w)
{
	size_t i;

	for (i = 0; w != NULL && i < ws->n; i++)
		if (strcmp(ws->v[i], w) == 0)
			return 1;
	return 0;
}

/* ---- configuration ---- */

static int attach_conf_list(struct attach_conf *conf, const struct cfg *c, const char *key,
			    struct attach_words *ws, char **err_r)
{
	const char *const *v;
	size_t i, n = cfg_list(c, key, &v);

	for (i = 0; i < n; i++) {
		const char *w = attach_ext_word(conf->a, v[i], strlen(v[i]));

		if (w == NULL) {
			*err_r = buf_strdup_printf("%s: '%s' is not a file extension", key, v[i]);
			return -1;
		}
		attach_words_add(conf->a, ws, w);
	}
	return 0;
}

static int attach_conf_content(struct attach_conf *conf, const struct cfg *c, char **err_r)
{
	const char *const *v;
	size_t i, k, n = cfg_list(c, "attach_banned_content", &v);

	for (i = 0; i < n; i++) {
		for (k = AC_PE; k <= AC_LNK; k++)
			if (strcasecmp(v[i], attach_content_word[k]) == 0)
				break;
		if (k > AC_LNK) {
			*err_r = buf_strdup_printf("attach_banned_content: '%s': expected pe, elf, "
						   "macho, script, msi or lnk", v[i]);
			return -1;
		}
		conf->content_ban |= 1u << k;
	}
	return 0;
}

static int attach_conf_keys(struct attach_conf *conf, const struct cfg *c, char **err_r)
{
	size_t i;

	conf->def.check = 1;
	for (i = 0; i < ACT_N; i++) {
		const char *v = cfg_str(c, attach_act_key[i]);

		if ((conf->def.act[i] = scan_action_parse(v)) < 0) {
			*err_r = buf_strdup_printf("%s: '%s': expected none, header, quarantine, "
						   "discard, tempfail or reject",
						   attach_act_key[i], v);
			return -1;
		}
	}
	conf->max_members = cfg_uint(c, "attach_max_members");
	/* each level of nesting is a stack frame with an ATTACH_HEAD buffer */
	conf->max_depth = cfg_uint(c, "attach_max_depth");
	if (conf->max_depth > ATTACH_MAX_DEPTH)
		conf->max_depth = ATTACH_MAX_DEPTH;
	conf->max_inflate = cfg_size(c, "attach_max_inflate");
	if (conf->max_inflate > ATTACH_MAX_INFLATE)
		conf->max_inflate = ATTACH_MAX_INFLATE;
	if (attach_conf_list(conf, c, "attach_banned_ext", &conf->def.ban, err_r) < 0 ||
	    attach_conf_list(conf, c, "attach_allowed_ext", &conf->def.allow, err_r) < 0 ||
	    attach_conf_list(conf, c, "attach_decoy_ext", &conf->decoy, err_r) < 0)
		return -1;
	return attach_conf_content(conf, c, err_r);
}

static char *attach_read_file(const char *path, size_t *len_r, char **err_r)
{
	FILE *f = fopen(path, "rb");
	char *data;
	size_t n;

	if (f == NULL) {
		*err_r = buf_strdup_printf("attach_policy_file %s: %s", path, strerror(errno));
		return NULL;
	}
	data = xmalloc(ATTACH_POLICY_MAX + 1);
	n = fread(data, 1, ATTACH_POLICY_MAX + 1, f);
	if (ferror(f) || n > ATTACH_POLICY_MAX) {
		*err_r = buf_strdup_printf("attach_policy_file %s: %s", path,
					   ferror(f) ? strerror(errno) : "larger than 4 MB");
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	*len_r = n;
	return data;
}

struct attach_conf *attach_conf_new(const struct cfg *c, char **err_r)
{
	struct attach_conf *conf = xcalloc(1, sizeof(*conf));
	const char *file = cfg_str(c, "attach_policy_file");

	conf->a = arena_new(16 * 1024);
	if (attach_conf_keys(conf, c, err_r) < 0)
		goto fail;
	if (file != NULL && *file != '\0') {
		size_t len;
		char *data = attach_read_file(file, &len, err_r);
		int r;

		if (data == NULL)
			goto fail;
		r = attach_conf_parse_policy(conf, file, data, len, err_r);
		free(data);
		if (r < 0)
			goto fail;
	}
	return conf;
fail:
	attach_conf_free(&conf);
	return NULL;
}

void attach_conf_free(struct attach_conf **confp)
{
	struct attach_conf *conf = *confp;

	if (conf == NULL)
		return;
	arena_free(&conf->a);
	free(conf);
	*confp = NULL;
}

/* ---- the policy file ----
 *
 *   # comment
 *   [example.com example.net]     domains the block is for (and their
 *                                 subdomains, unless they have their own)
 *   ban = iso img 7z              extensions banned on top of attach_banned_ext
 *   allow = js                    extensions accepted (name and content)
 *   action = quarantine           overrides attach_action; likewise
 *   encrypted_action = reject     attach_encrypted_action,
 *   unchecked_action = none       attach_unchecked_action,
 *   mismatch_action = header      attach_mismatch_action
 *   check = no                    no attachment policy for these domains
 */

struct attach_parse {
	struct attach_conf *conf;
	const char *name;
	unsigned int line;
	size_t first, count; /* the current block's policies in conf->dom */
	char **err_r;
};

static int attach_parse_err(struct attach_parse *p, const char *fmt, ...) WN_PRINTF(2, 3);
static int attach_parse_err(struct attach_parse *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s:%u: ", p->name, p->line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*p->err_r = buf_steal(&b);
	return -1;
}

static int attach_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_';
}

static struct attach_policy *attach_find_domain(const struct attach_conf *conf, const char *d,
						size_t n)
{
	size_t i;

	for (i = 0; i < conf->ndom; i++)
		if (strlen(conf->dom[i].domain) == n && memcmp(conf->dom[i].domain, d, n) == 0)
			return &conf->dom[i];
	return NULL;
}

static int attach_parse_domain(struct attach_parse *p, const char *d, size_t n)
{
	struct attach_conf *conf = p->conf;
	struct attach_policy *pol, *old;
	char *s;
	size_t i;

	if (n > 253)
		return attach_parse_err(p, "domain longer than 253 characters");
	s = arena_strndup(conf->a, d, n);
	for (i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
		if (!attach_domain_char((unsigned char)s[i]))
			return attach_parse_err(p, "'%.*s' is not a domain", (int)n, d);
	}
	if (s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
		return attach_parse_err(p, "'%s' is not a domain", s);
	if ((old = attach_find_domain(conf, s, n)) != NULL)
		return attach_parse_err(p, "domain %s already has a block at line %u", s,
					old->line);
	if (conf->ndom == conf->capdom) {
		size_t ncap = conf->capdom ? conf->capdom * 2 : 16;

		conf->dom = arena_realloc(conf->a, conf->dom, conf->capdom * sizeof(*pol),
					  ncap * sizeof(*pol));
		conf->capdom = ncap;
	}
	pol = &conf->dom[conf->ndom++];
	memset(pol, 0, sizeof(*pol));
	pol->domain = s;
	pol->check = -1;
	for (i = 0; i < ACT_N; i++)
		pol->act[i] = -1;
	pol->line = p->line;
	p->count++;
	return 0;
}

static int attach_parse_header(struct attach_parse *p, const char *s, size_t n)
{
	size_t i = 1;

	if (n < 2 || s[n - 1] != ']')
		return attach_parse_err(p, "expected [domain ...]");
	n--;
	p->first = p->conf->ndom;
	p->count = 0;
	while (i < n) {
		size_t w = 0;

		while (i < n && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		while (i + w < n && s[i + w] != ',' && s[i + w] != ' ' && s[i + w] != '\t')
			w++;
		if (w > 0 && attach_parse_domain(p, s + i, w) < 0)
			return -1;
		i += w;
	}
	if (p->count == 0)
		return attach_parse_err(p, "no domain in [ ]");
	return 0;
}

/* The words of a ban/allow value, for every policy of the block. */
static int attach_parse_exts(struct attach_parse *p, int allow, const char *v, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		size_t w = 0;
		const char *e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		while (i + w < n && v[i + w] != ' ' && v[i + w] != '\t' && v[i + w] != ',')
			w++;
		if (w == 0)
			break;
		if ((e = attach_ext_word(p->conf->a, v + i, w)) == NULL)
			return attach_parse_err(p, "'%.*s' is not a file extension", (int)w,
						v + i);
		for (k = p->first; k < p->first + p->count; k++)
			attach_words_add(p->conf->a, allow ? &p->conf->dom[k].allow
							   : &p->conf->dom[k].ban, e);
		i += w;
	}
	return 0;
}

static int attach_parse_setting(struct attach_parse *p, const char *key, size_t kn,
				const char *v, size_t vn)
{
	char val[64];
	size_t i, k;
	int x = -1;

	if (kn == 3 && memcmp(key, "ban", 3) == 0)
		return attach_parse_exts(p, 0, v, vn);
	if (kn == 5 && memcmp(key, "allow", 5) == 0)
		return attach_parse_exts(p, 1, v, vn);
	if (vn >= sizeof(val))
		return attach_parse_err(p, "value too long");
	memcpy(val, v, vn);
	val[vn] = '\0';
	if (kn == 5 && memcmp(key, "check", 5) == 0) {
		if (cfg_parse_bool(val, &x) < 0)
			return attach_parse_err(p, "check: '%s': expected yes or no", val);
		for (k = p->first; k < p->first + p->count; k++)
			p->conf->dom[k].check = x;
		return 0;
	}
	for (i = 0; i < ACT_N; i++) {
		if (strlen(attach_act_word[i]) != kn || memcmp(key, attach_act_word[i], kn) != 0)
			continue;
		if ((x = scan_action_parse(val)) < 0)
			return attach_parse_err(p, "%s: '%s': expected none, header, quarantine, "
						"discard, tempfail or reject",
						attach_act_word[i], val);
		for (k = p->first; k < p->first + p->count; k++)
			p->conf->dom[k].act[i] = x;
		return 0;
	}
	return attach_parse_err(p, "unknown setting '%.*s'", (int)kn, key);
}

static size_t attach_trim(const char **s, size_t n)
{
	while (n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, n--;
	while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' || (*s)[n - 1] == '\r'))
		n--;
	return n;
}

static int attach_parse_line(struct attach_parse *p, const char *s, size_t n)
{
	const char *eq, *v;
	size_t kn, vn;

	if (memchr(s, '#', n) != NULL)
		n = (size_t)((const char *)memchr(s, '#', n) - s);
	n = attach_trim(&s, n);
	if (n == 0)
		return 0;
	if (memchr(s, '\0', n) != NULL)
		return attach_parse_err(p, "NUL character");
	if (s[0] == '[')
		return attach_parse_header(p, s, n);
	if ((eq = memchr(s, '=', n)) == NULL)
		return attach_parse_err(p, "expected setting = value or [domain]");
	if (p->count == 0)
		return attach_parse_err(p, "setting before any [domain] line");
	kn = (size_t)(eq - s);
	kn = attach_trim(&s, kn);
	v = eq + 1;
	vn = attach_trim(&v, n - (size_t)(eq + 1 - s));
	return attach_parse_setting(p, s, kn, v, vn);
}

static int attach_dom_cmp(const void *x, const void *y)
{
	const struct attach_policy *a = x, *b = y;

	return strcmp(a->domain, b->domain);
}

int attach_conf_parse_policy(struct attach_conf *conf, const char *name, const char *data,
			     size_t len, char **err_r)
{
	struct attach_parse p = { .conf = conf, .name = name, .err_r = err_r };
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : len - pos;

		p.line++;
		if (n > WN_CFG_MAX_LINE)
			return attach_parse_err(&p, "line longer than %zu bytes",
						(size_t)WN_CFG_MAX_LINE);
		if (attach_parse_line(&p, data + pos, n) < 0)
			return -1;
		pos += n + 1;
	}
	if (conf->ndom > 1)
		qsort(conf->dom, conf->ndom, sizeof(conf->dom[0]), attach_dom_cmp);
	return 0;
}

/* The block for domain d or its nearest parent, or NULL. */
static const struct attach_policy *attach_policy_for(const struct attach_conf *conf,
						     const char *d)
{
	while (d != NULL && *d != '\0') {
		struct attach_policy key = { .domain = d };
		const struct attach_policy *p =
			conf->ndom == 0 ? NULL
					: bsearch(&key, conf->dom, conf->ndom, sizeof(key),
						  attach_dom_cmp);

		if (p != NULL)
			return p;
		d = strchr(d, '.');
		if (d != NULL)
			d++;
	}
	return NULL;
}

/* ---- the relevant policies for one message ---- */

struct attach_judge {
	const struct attach_conf *conf;
	struct arena *a;
	const struct attach_policy **pol; /* the enabled relevant policies */
	size_t npol;
	struct arena_vec found;           /* struct attach_finding */
	size_t members;                   /* archive members looked at */
	size_t inflate_left;              /* of attach_max_inflate */
	int members_over;                 /* said once */
};

static int attach_check_of(const struct attach_conf *conf, const struct attach_policy *p)
{
	return p->check >= 0 ? p->check : conf->def.check;
}

static void attach_add_policy(struct attach_judge *j, const struct attach_policy *p,
			      size_t cap)
{
	size_t i;

	if (!attach_check_of(j->conf, p))
		return;
	for (i = 0; i < j->npol; i++)
		if (j->pol[i] == p)
			return;
	assert(j->npol < cap);
	j->pol[j->npol++] = p;
}

/* The recipient domains' policies (the default for a domain without a
   block, or when there are no recipients). */
static void attach_judge_init(struct attach_judge *j, const struct attach_conf *conf,
			      struct arena *a, const char *const *rcpts, size_t nrcpts)
{
	size_t i;

	memset(j, 0, sizeof(*j));
	j->conf = conf;
	j->a = a;
	j->inflate_left = conf->max_inflate;
	j->pol = arena_alloc(a, (nrcpts + 1) * sizeof(*j->pol));
	for (i = 0; i < nrcpts; i++) {
		const char *at = rcpts[i] != NULL ? strrchr(rcpts[i], '@') : NULL;
		char *d = arena_strdup(a, at != NULL ? at + 1 : "");
		const struct attach_policy *p;
		size_t k;

		for (k = 0; d[k] != '\0'; k++) {
			if (d[k] >= 'A' && d[k] <= 'Z')
				d[k] = (char)(d[k] - 'A' + 'a');
			if (d[k] == '>')
				d[k] = '\0';
		}
		p = attach_policy_for(conf, d);
		attach_add_policy(j, p != NULL ? p : &conf->def, nrcpts + 1);
	}
	if (nrcpts == 0)
		attach_add_policy(j, &conf->def, 1);
}

static int attach_allowed_in(const struct attach_conf *conf, const struct attach_policy *p,
			     const char *ext)
{
	return attach_words_has(&p->allow, ext) ||
	       (p != &conf->def && attach_words_has(&conf->def.allow, ext) &&
		!attach_words_has(&p->ban, ext));
}

/* Banned for any relevant domain. */
static int attach_ext_banned(const struct attach_judge *j, const char *ext)
{
	size_t i;

	for (i = 0; ext != NULL && i < j->npol; i++) {
		const struct attach_policy *p = j->pol[i];

		if ((attach_words_has(&p->ban, ext) || attach_words_has(&j->conf->def.ban, ext)) &&
		    !attach_allowed_in(j->conf, p, ext))
			return 1;
	}
	return 0;
}

/* Allowed for every relevant domain. */
static int attach_ext_allowed(const struct attach_judge *j, const char *ext)
{
	size_t i;

	if (ext == NULL)
		return 0;
	for (i = 0; i < j->npol; i++)
		if (!attach_allowed_in(j->conf, j->pol[i], ext))
			return 0;
	return 1;
}

static enum scan_action attach_action_of(const struct attach_judge *j, enum attach_act act)
{
	int best = SCAN_ACT_NONE;
	size_t i;

	for (i = 0; i < j->npol; i++) {
		int a = j->pol[i]->act[act] >= 0 ? j->pol[i]->act[act] : j->conf->def.act[act];

		if (a > best)
			best = a;
	}
	return (enum scan_action)best;
}

static void attach_found(struct attach_judge *j, enum attach_kind k, const char *file,
			 const char *why)
{
	struct attach_finding *f = ARENA_VEC_PUSH(j->a, &j->found, struct attach_finding);

	f->kind = k;
	f->file = file;
	f->why = why;
	f->action = attach_action_of(j, attach_kinds[k].act);
}

/* ---- names ---- */

/* Length of an invisible or bidi-control character (UTF-8) at s, else 0:
   U+00AD, U+180E, U+200B-U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF. */
static size_t attach_invisible(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xad)
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0xa0 && s[2] == 0x8e)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa0 && s[2] <= 0xa9)
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

/* Length of trailing padding ending at s[n]: ASCII space, tab, dot,
   U+00A0, U+2000-U+200A, U+202F, U+3000. */
static size_t attach_padding_before(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '.' || s[n - 1] == '\t'))
		return 1;
	if (n >= 2 && s[n - 2] == 0xc2 && s[n - 1] == 0xa0)
		return 2;
	if (n >= 3 && s[n - 3] == 0xe2 && s[n - 2] == 0x80 &&
	    (s[n - 1] <= 0x8a || s[n - 1] == 0xaf) && s[n - 1] >= 0x80)
		return 3;
	if (n >= 3 && s[n - 3] == 0xe3 && s[n - 2] == 0x80 && s[n - 1] == 0x80)
		return 3;
	return 0;
}

struct attach_name {
	const char *ext;  /* last extension, lower case, NULL if none usable */
	const char *prev; /* the one before it */
	int hidden;       /* invisible or bidi characters were removed */
};

/* The extension ending at clean[end] (after padding is dropped). */
static const char *attach_ext_before(struct arena *a, const char *clean, size_t *end)
{
	size_t n = *end, dot, pad;

	while ((pad = attach_padding_before((const unsigned char *)clean, n)) > 0)
		n -= pad;
	for (dot = n; dot > 0 && clean[dot - 1] != '.';)
		dot--;
	if (dot == 0) {
		*end = 0;
		return NULL;
	}
	*end = dot - 1;
	return attach_ext_word(a, clean + dot, n - dot);
}

/* Name rules of the header comment: path dropped, cut at NUL,
   invisible characters removed, then the last two extensions. */
static void attach_parse_name(struct arena *a, const char *name, size_t len,
			      struct attach_name *r)
{
	const unsigned char *s = (const unsigned char *)name;
	char *clean = arena_alloc(a, len + 1);
	size_t i, n = 0, end, start = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < len && s[i] != '\0'; i++)
		if (s[i] == '/' || s[i] == '\\')
			start = i + 1;
	len = i;
	for (i = start; i < len;) {
		size_t k = attach_invisible(s + i, len - i);

		if (k > 0) {
			r->hidden = 1;
			i += k;
			continue;
		}
		clean[n++] = (char)s[i++];
	}
	clean[n] = '\0';
	end = n;
	r->ext = attach_ext_before(a, clean, &end);
	if (r->ext != NULL && end > 0)
		r->prev = attach_ext_before(a, clean, &end);
}

/* A name as shown in hits and replies: ASCII, one '?' per control,
   invisible or non-ASCII character, at most ATTACH_SHOW_MAX bytes. */
static const char *attach_show(struct arena *a, const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	char *out = arena_alloc(a, (len < ATTACH_SHOW_MAX ? len : ATTACH_SHOW_MAX) + 4);
	size_t i, n = 0;

	for (i = 0; i < len && n < ATTACH_SHOW_MAX; i++) {
		if (s[i] >= 0x80 && s[i] < 0xc0)
			continue; /* continuation byte: its lead gave the '?' */
		out[n++] = s[i] < 0x20 || s[i] >= 0x7f ? '?' : (char)s[i];
	}
	if (i < len)
		memcpy(out + n, "...", 3), n += 3;
	out[n] = '\0';
	return out;
}

/* ---- content ---- */

static uint32_t attach_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* OLE compound file: an installer (MSI/MSP/MST) has its root storage's
   CLSID set to {000C108x-0000-0000-C000-000000000046}. */
static enum attach_content attach_sniff_ole(const unsigned char *d, size_t n)
{
	static const unsigned char tail[] = { 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00,
					      0x00, 0x00, 0x00, 0x00, 0x46 };
	unsigned int shift;
	uint64_t dir;
	const unsigned char *clsid;

	if (n < 0x34)
		return AC_OLE;
	shift = d[0x1e] | (d[0x1f] << 8);
	if (shift != 9 && shift != 12)
		return AC_OLE;
	dir = ((uint64_t)attach_le32(d + 0x30) + 1) << shift;
	if (dir > n || n - dir < 0x60)
		return AC_OLE;
	clsid = d + dir + 0x50;
	if ((clsid[0] == 0x84 || clsid[0] == 0x86 || clsid[0] == 0x82) && clsid[1] == 0x10 &&
	    clsid[2] == 0x0c && clsid[3] == 0x00 && memcmp(clsid + 4, tail, sizeof(tail)) == 0)
		return AC_MSI;
	return AC_OLE;
}

static int attach_has(const unsigned char *d, size_t n, size_t off, const char *m, size_t mn)
{
	return off <= n && mn <= n - off && memcmp(d + off, m, mn) == 0;
}

static enum attach_content attach_sniff_exec(const unsigned char *d, size_t n)
{
	if (attach_has(d, n, 0, "MZ", 2) && n >= 0x40) {
		uint32_t pe = attach_le32(d + 0x3c);

		/* "MZ" alone starts ordinary text too: a PE header must be where
		   the DOS header says; when that is past what we have (the head
		   of an archive member), a sane DOS header (4-paragraph header,
		   aligned offset) will do */
		if (attach_has(d, n, pe, "PE\0\0", 4))
			return AC_PE;
		if (pe > n - 4 && pe < 0x10000 && pe % 4 == 0 && d[8] == 4 && d[9] == 0)
			return AC_PE;
	}
	if (attach_has(d, n, 0, "\177ELF", 4))
		return AC_ELF;
	if (attach_has(d, n, 0, "\xfe\xed\xfa\xce", 4) || attach_has(d, n, 0, "\xfe\xed\xfa\xcf", 4) ||
	    attach_has(d, n, 0, "\xce\xfa\xed\xfe", 4) || attach_has(d, n, 0, "\xcf\xfa\xed\xfe", 4))
		return AC_MACHO;
	/* universal binary, not a Java class (same magic; a class has its
	   version there, 45 and up) */
	if (attach_has(d, n, 0, "\xca\xfe\xba\xbe", 4) && n >= 8 && d[4] == 0 && d[5] == 0 &&
	    d[6] == 0 && d[7] >= 1 && d[7] <= 20)
		return AC_MACHO;
	if (attach_has(d, n, 0, "#!", 2)) {
		size_t i = 2;

		while (i < n && i < 16 && d[i] == ' ')
			i++;
		if (i < n && d[i] == '/')
			return AC_SCRIPT;
	}
	if (attach_has(d, n, 0, "L\0\0\0\001\024\002\0\0\0\0\0\300\0\0\0\0\0\0F", 20))
		return AC_LNK;
	return AC_NONE;
}

static enum attach_content attach_sniff(const unsigned char *d, size_t n)
{
	enum attach_content k = attach_sniff_exec(d, n);

	if (k != AC_NONE)
		return k;
	if (attach_has(d, n, 0, "PK\003\004", 4) || attach_has(d, n, 0, "PK\005\006", 4) ||
	    attach_has(d, n, 0, "PK\007\010", 4))
		return AC_ZIP;
	if (attach_has(d, n, 0, "Rar!\032\007", 6))
		return AC_RAR;
	if (attach_has(d, n, 0, "7z\274\257\047\034", 6))
		return AC_7Z;
	if (attach_has(d, n, 0, "\037\213", 2))
		return AC_GZIP;
	if (attach_has(d, n, 0, "BZh", 3) && n > 3 && d[3] >= '1' && d[3] <= '9')
		return AC_BZIP2;
	if (attach_has(d, n, 0, "\3757zXZ\0", 6))
		return AC_XZ;
	if (attach_has(d, n, 0, "MSCF\0\0\0\0", 8))
		return AC_CAB;
	if (attach_has(d, n, 257, "ustar", 5))
		return AC_TAR;
	if (attach_has(d, n, 0x8001, "CD001", 5) || attach_has(d, n, 0x8801, "CD001", 5) ||
	    attach_has(d, n, 0x9001, "CD001", 5))
		return AC_ISO;
	if (attach_has(d, n, 0, "\320\317\021\340\241\261\032\341", 8))
		return attach_sniff_ole(d, n);
	if (tar_is_tar(d, n)) /* old tars have no "ustar" */
		return AC_TAR;
	return AC_NONE;
}

/* ---- declared types ---- */

/* What a name or declared type promises: harmless (documents, images,
   text, media), harmless but possibly a zip inside (office formats), a
   given kind of archive, or nothing we judge. */
enum attach_claim { CLAIM_NONE, CLAIM_HARMLESS, CLAIM_OFFICE, CLAIM_ARCHIVE };

static const char *const attach_harmless_ext[] = {
	"pdf", "txt", "csv", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "rtf",
	"htm", "html", "mp3", "mp4", "wav", "avi", "mov", "ics", "vcf", "eml", "xml", "svg",
	"heic", "webp", "log",
};
static const char *const attach_office_ext[] = {
	"doc", "xls", "ppt", "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "odt",
	"ods", "odp", "odg", "epub", "pages", "numbers", "key", "vsdx",
};
static const struct {
	const char *ext;
	enum attach_content kind;
} attach_archive_ext[] = {
	{ "zip", AC_ZIP }, { "rar", AC_RAR }, { "7z", AC_7Z }, { "gz", AC_GZIP },
	{ "tgz", AC_GZIP }, { "bz2", AC_BZIP2 }, { "xz", AC_XZ }, { "tar", AC_TAR },
	{ "cab", AC_CAB },
};

static int attach_in(const char *const *v, size_t n, const char *w)
{
	size_t i;

	for (i = 0; w != NULL && i < n; i++)
		if (strcmp(v[i], w) == 0)
			return 1;
	return 0;
}

static enum attach_claim attach_claim_of_ext(const char *ext, enum attach_content *kind_r)
{
	size_t i;

	if (attach_in(attach_harmless_ext, N_ELEMENTS(attach_harmless_ext), ext))
		return CLAIM_HARMLESS;
	if (attach_in(attach_office_ext, N_ELEMENTS(attach_office_ext), ext))
		return CLAIM_OFFICE;
	for (i = 0; ext != NULL && i < N_ELEMENTS(attach_archive_ext); i++) {
		if (strcmp(ext, attach_archive_ext[i].ext) == 0) {
			*kind_r = attach_archive_ext[i].kind;
			return CLAIM_ARCHIVE;
		}
	}
	return CLAIM_NONE;
}

static int attach_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static enum attach_claim attach_claim_of_type(const char *ct, enum attach_content *kind_r)
{
	if (ct == NULL)
		return CLAIM_NONE;
	if (attach_prefix(ct, "text/") || attach_prefix(ct, "image/") ||
	    attach_prefix(ct, "audio/") || attach_prefix(ct, "video/") ||
	    strcmp(ct, "application/pdf") == 0)
		return CLAIM_HARMLESS;
	if (strcmp(ct, "application/msword") == 0 || attach_prefix(ct, "application/vnd.ms-") ||
	    attach_prefix(ct, "application/vnd.openxmlformats") ||
	    attach_prefix(ct, "application/vnd.oasis.opendocument"))
		return CLAIM_OFFICE;
	if (strcmp(ct, "application/zip") == 0 || strcmp(ct, "application/x-zip-compressed") == 0)
		return *kind_r = AC_ZIP, CLAIM_ARCHIVE;
	if (strcmp(ct, "application/x-rar-compressed") == 0 || strcmp(ct, "application/vnd.rar") == 0)
		return *kind_r = AC_RAR, CLAIM_ARCHIVE;
	if (strcmp(ct, "application/x-7z-compressed") == 0)
		return *kind_r = AC_7Z, CLAIM_ARCHIVE;
	if (strcmp(ct, "application/gzip") == 0 || strcmp(ct, "application/x-gzip") == 0)
		return *kind_r = AC_GZIP, CLAIM_ARCHIVE;
	return CLAIM_NONE;
}

/* Does content k contradict the claim? */
static int attach_mismatch(enum attach_claim claim, enum attach_content claimed,
			   enum attach_content k)
{
	switch (claim) {
	case CLAIM_HARMLESS:
		return AC_IS_EXEC(k) || AC_IS_ARCHIVE(k);
	case CLAIM_OFFICE:
		/* OOXML and OpenDocument are zips; old Office files are OLE */
		return AC_IS_EXEC(k) || (AC_IS_ARCHIVE(k) && k != AC_ZIP);
	case CLAIM_ARCHIVE:
		return AC_IS_EXEC(k) || (AC_IS_ARCHIVE(k) && k != claimed &&
					 !(claimed == AC_GZIP && k == AC_TAR));
	case CLAIM_NONE:
		break;
	}
	return 0;
}

/* ---- judging ---- */

static void attach_blob(struct attach_judge *j, const char *path, const char *name,
			size_t name_len, const char *ctype, const unsigned char *d, size_t n,
			int whole, size_t depth);

/* Name findings; returns the name's last extension (or NULL). */
static const char *attach_judge_name(struct attach_judge *j, const char *path,
				     const char *name, size_t len, size_t depth)
{
	struct attach_name nm;
	const char *why;

	attach_parse_name(j->a, name, len, &nm);
	if (nm.ext == NULL || !attach_ext_banned(j, nm.ext))
		return nm.ext;
	if (nm.prev != NULL && attach_words_has(&j->conf->decoy, nm.prev))
		why = arena_printf(j->a, "double extension .%s.%s%s", nm.prev, nm.ext,
				   nm.hidden ? ", hidden by Unicode controls" : "");
	else
		why = arena_printf(j->a, "banned extension .%s%s", nm.ext,
				   nm.hidden ? ", hidden by Unicode controls" : "");
	attach_found(j, depth > 0 ? ATTACH_IN_ARCHIVE
		     : nm.prev != NULL && attach_words_has(&j->conf->decoy, nm.prev)
			     ? ATTACH_DOUBLE_EXT
			     : ATTACH_BANNED_EXT,
		     path, why);
	return nm.ext;
}

static void attach_judge_content(struct attach_judge *j, const char *path, const char *ext,
				 const char *ctype, enum attach_content k, size_t depth)
{
	enum attach_content claimed = AC_NONE;
	enum attach_claim claim;

	if (AC_IS_EXEC(k) && (j->conf->content_ban & (1u << k)) && !attach_ext_allowed(j, ext))
		attach_found(j, depth > 0 ? ATTACH_IN_ARCHIVE : ATTACH_EXECUTABLE, path,
			     attach_content_desc[k]);
	claim = attach_claim_of_ext(ext, &claimed);
	if (attach_mismatch(claim, claimed, k)) {
		attach_found(j, ATTACH_TYPE_MISMATCH, path,
			     arena_printf(j->a, "named .%s, content is %s", ext,
					  attach_content_desc[k]));
		return;
	}
	claimed = AC_NONE;
	claim = attach_claim_of_type(ctype, &claimed);
	if (attach_mismatch(claim, claimed, k))
		attach_found(j, ATTACH_TYPE_MISMATCH, path,
			     arena_printf(j->a, "declared %s, content is %s",
					  attach_show(j->a, ctype, strlen(ctype)),
					  attach_content_desc[k]));
}

/* Takes the next member out of the budget; 0 when over attach_max_members. */
static int attach_count_member(struct attach_judge *j, const char *path)
{
	if (j->members < j->conf->max_members) {
		j->members++;
		return 1;
	}
	if (!j->members_over)
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "over %zu archive members", j->conf->max_members));
	j->members_over = 1;
	return 0;
}

/* One zip member: name, then content (its head, or all of it when it is
   an archive to open in turn). */
static void attach_zip_member(struct attach_judge *j, const struct zip *z,
			      const struct zip_entry *e, const char *path, size_t depth)
{
	unsigned char head[ATTACH_HEAD];
	unsigned char *all;
	size_t n;
	enum zip_read_status st;

	if (e->encrypted || (e->name_len > 0 && e->name[e->name_len - 1] == '/')) {
		/* the name is all we can judge */
		attach_blob(j, path, e->name, e->name_len, NULL, NULL, 0, 0, depth);
		return;
	}
	st = zip_read(z, e, head, sizeof(head), &n);
	if (st == ZIP_READ_UNSUPPORTED || st == ZIP_READ_BAD)
		attach_found(j, ATTACH_UNCHECKED, path,
			     st == ZIP_READ_BAD ? "malformed archive member"
						: arena_printf(j->a, "compression method %u",
							       (unsigned int)e->method));
	if (e->usize > j->conf->max_inflate && e->usize / 100 > e->csize)
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "declares %llu bytes from %llu (zip bomb?)",
					  (unsigned long long)e->usize,
					  (unsigned long long)e->csize));
	if (st != ZIP_READ_PARTIAL || !AC_OPENED(attach_sniff(head, n)) ||
	    depth >= j->conf->max_depth) {
		attach_blob(j, path, e->name, e->name_len, NULL, head, n, st == ZIP_READ_OK, depth);
		return;
	}
	/* a nested archive: all of it, within what is left to inflate */
	if (e->usize > j->inflate_left) {
		attach_blob(j, path, e->name, e->name_len, NULL, head, n, 0, depth);
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "over attach_max_inflate (%zu bytes)",
					  j->conf->max_inflate));
		return;
	}
	all = arena_alloc(j->a, (size_t)e->usize + 1);
	j->inflate_left -= (size_t)e->usize;
	st = zip_read(z, e, all, (size_t)e->usize, &n);
	attach_blob(j, path, e->name, e->name_len, NULL, all, n, st == ZIP_READ_OK, depth);
	if (st != ZIP_READ_OK)
		attach_found(j, ATTACH_UNCHECKED, path,
			     st == ZIP_READ_PARTIAL ? "larger than its declared size"
						    : "malformed archive member");
}

static void attach_zip(struct attach_judge *j, const char *path, const unsigned char *d,
		       size_t n, size_t depth)
{
	struct zip z;
	struct zip_entry e;
	int r, said_encrypted = 0;

	if (zip_open(&z, d, n) < 0) {
		attach_found(j, ATTACH_UNCHECKED, path, "no readable zip directory");
		return;
	}
	while ((r = zip_next(&z, &e)) > 0) {
		const char *mpath = arena_strcat(j->a, path, "/",
						 attach_show(j->a, e.name, e.name_len), NULL);

		if (!attach_count_member(j, path))
			return;
		if (e.encrypted && !said_encrypted) {
			attach_found(j, ATTACH_ENCRYPTED_ARCHIVE, path, "password-protected");
			said_encrypted = 1;
		}
		attach_zip_member(j, &z, &e, mpath, depth + 1);
	}
	if (r < 0)
		attach_found(j, ATTACH_UNCHECKED, path, "malformed zip directory");
}

static void attach_tar(struct attach_judge *j, const char *path, const unsigned char *d,
		       size_t n, size_t depth)
{
	struct tar t;
	struct tar_entry e;
	int r;

	tar_init(&t, d, n);
	while ((r = tar_next(&t, &e)) > 0) {
		const char *mpath = arena_strcat(j->a, path, "/",
						 attach_show(j->a, e.name, e.name_len), NULL);
		int file = e.type == '0' || e.type == '\0' || e.type == '7';

		if (!attach_count_member(j, path))
			return;
		/* other entries (links, directories) by name only */
		attach_blob(j, mpath, e.name, e.name_len, NULL, file ? e.body : NULL,
			    e.body_len, e.body_len == e.size, depth + 1);
	}
	if (r < 0)
		attach_found(j, ATTACH_UNCHECKED, path, "malformed tar header");
}

/* The name of what a gzip file holds: its header's, else the outer
   name without ".gz" (".tgz" gives ".tar"). */
static const char *attach_gzip_name(struct arena *a, const char *inner, const char *name,
				    size_t len)
{
	if (inner[0] != '\0')
		return arena_strdup(a, inner);
	if (name == NULL)
		return NULL;
	if (len > 3 && strncasecmp(name + len - 3, ".gz", 3) == 0)
		return arena_strndup(a, name, len - 3);
	if (len > 4 && strncasecmp(name + len - 4, ".tgz", 4) == 0)
		return arena_strcat(a, arena_strndup(a, name, len - 4), ".tar", NULL);
	return NULL;
}

/* Inflates a gzip file as far as attach_max_inflate allows (always its
   first ATTACH_HEAD bytes, to know what it is) and judges what is inside. */
static void attach_gzip(struct attach_judge *j, const char *path, const char *name,
			size_t name_len, const unsigned char *d, size_t n, size_t depth)
{
	char inner[256];
	size_t cap = j->inflate_left > ATTACH_HEAD ? j->inflate_left : ATTACH_HEAD, out;
	unsigned char *buf;
	const char *iname, *mpath;
	enum tar_gz_status st;

	/* the trailer's ISIZE (size mod 2^32) saves a big buffer for a
	   small file; a lie only makes the result partial */
	if (n >= 18 && (size_t)attach_le32(d + n - 4) + 1 < cap)
		cap = (size_t)attach_le32(d + n - 4) + 1 > ATTACH_HEAD
			      ? (size_t)attach_le32(d + n - 4) + 1
			      : ATTACH_HEAD;
	buf = arena_alloc(j->a, cap);
	st = tar_gunzip(d, n, buf, cap, &out, inner, sizeof(inner));
	j->inflate_left -= out < j->inflate_left ? out : j->inflate_left;
	iname = attach_gzip_name(j->a, inner, name, name_len);
	mpath = arena_strcat(j->a, path, "/",
			     iname != NULL ? attach_show(j->a, iname, strlen(iname)) : "(data)",
			     NULL);
	if (!attach_count_member(j, path))
		return;
	attach_blob(j, mpath, iname, iname != NULL ? strlen(iname) : 0, NULL, buf, out,
		    st == TAR_GZ_OK, depth + 1);
	if (st == TAR_GZ_PARTIAL && AC_OPENED(attach_sniff(buf, out)))
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "over attach_max_inflate (%zu bytes)",
					  j->conf->max_inflate));
	else if (st == TAR_GZ_BAD)
		attach_found(j, ATTACH_UNCHECKED, path, "malformed gzip data");
}

/* One file at any level: depth 0 is a MIME part, more an archive member.
   whole: d holds the whole file (not only its head). */
static void attach_blob(struct attach_judge *j, const char *path, const char *name,
			size_t name_len, const char *ctype, const unsigned char *d, size_t n,
			int whole, size_t depth)
{
	const char *ext = NULL;
	enum attach_content k;

	if (name != NULL)
		ext = attach_judge_name(j, path, name, name_len, depth);
	if (d == NULL)
		return;
	k = attach_sniff(d, n);
	attach_judge_content(j, path, ext, ctype, k, depth);
	if (AC_OPENED(k) && depth >= j->conf->max_depth)
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "nesting over %zu archives", j->conf->max_depth));
	else if (k == AC_ZIP && !whole)
		return; /* only its head (its directory is at the end): the caller said why */
	else if (k == AC_ZIP)
		attach_zip(j, path, d, n, depth);
	else if (k == AC_TAR) /* tar and gzip: what we have is worth reading */
		attach_tar(j, path, d, n, depth);
	else if (k == AC_GZIP)
		attach_gzip(j, path, name, name_len, d, n, depth);
	else if (AC_IS_ARCHIVE(k))
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "%s not opened", attach_content_desc[k]));
}

static size_t attach_finish(struct attach_judge *j, struct attach_finding **list_r)
{
	*list_r = j->found.v;
	return j->found.count;
}

static int attach_is_message(const char *ctype)
{
	return strcmp(ctype, "message/rfc822") == 0 || strcmp(ctype, "message/global") == 0;
}

static void attach_msg(struct attach_judge *j, const struct msg *m, size_t level);

/* An attached message the MIME parser left closed (base64-encoded, or
   past msg_max_depth): parsed here, within attach_max_depth. */
static void attach_closed_msg(struct attach_judge *j, const struct msg_part *p,
			      const char *path, const struct msg_limits *lim, size_t level)
{
	if (level >= j->conf->max_depth) {
		attach_found(j, ATTACH_UNCHECKED, path,
			     arena_printf(j->a, "nesting over %zu messages", j->conf->max_depth));
		return;
	}
	attach_msg(j, msg_parse(j->a, p->decoded, p->decoded_len, lim), level + 1);
}

static void attach_msg(struct attach_judge *j, const struct msg *m, size_t level)
{
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		const struct msg_part *p = m->parts[i];
		const char *path;

		if (p->nchildren > 0 || p->decoded == NULL ||
		    strncmp(p->ctype, "multipart/", 10) == 0)
			continue;
		path = p->filename != NULL ? attach_show(j->a, p->filename, strlen(p->filename))
					   : arena_printf(j->a, "part %u (%s)", p->index,
							  attach_show(j->a, p->ctype, strlen(p->ctype)));
		if (attach_is_message(p->ctype)) {
			attach_closed_msg(j, p, path, m->limits, level);
			continue;
		}
		if (!p->is_attachment)
			continue;
		attach_blob(j, path, p->filename, p->filename != NULL ? strlen(p->filename) : 0,
			    p->ctype, p->decoded, p->decoded_len,
			    !(p->flags & MSG_F_DECODED_TRUNCATED), 0);
		if ((p->flags & MSG_F_DECODED_TRUNCATED) &&
		    AC_OPENED(attach_sniff(p->decoded, p->decoded_len)))
			attach_found(j, ATTACH_UNCHECKED, path, "decoded part cut at msg_max_decoded");
	}
}

size_t attach_judge(const struct attach_conf *conf, struct arena *a, const struct msg *m,
		    const char *const *rcpts, size_t nrcpts, struct attach_finding **list_r)
{
	struct attach_judge j;

	attach_judge_init(&j, conf, a, rcpts, nrcpts);
	if (j.npol > 0)
		attach_msg(&j, m, 0);
	return attach_finish(&j, list_r);
}

size_t attach_judge_file(const struct attach_conf *conf, struct arena *a, const char *name,
			 const char *ctype, const unsigned char *data, size_t len,
			 const char *const *rcpts, size_t nrcpts,
			 struct attach_finding **list_r)
{
	struct attach_judge j;
	const char *path = name != NULL ? attach_show(a, name, strlen(name)) : "file";

	attach_judge_init(&j, conf, a, rcpts, nrcpts);
	if (j.npol > 0)
		attach_blob(&j, path, name, name != NULL ? strlen(name) : 0, ctype, data, len, 1,
			    0);
	return attach_finish(&j, list_r);
}

const char *attach_kind_name(enum attach_kind k)
{
	assert(k < ATTACH_KINDS);
	return attach_kinds[k].name;
}

double attach_kind_score(enum attach_kind k)
{
	assert(k < ATTACH_KINDS);
	return attach_kinds[k].score;
}

/* ---- the scan step ---- */

int attach_load(struct scan_engine *eng, void **state_r, const char **err_r)
{
	static char err_buf[512];
	char *err = NULL;

	*state_r = NULL;
	if (!cfg_bool(eng->cfg, "use_attach_policy"))
		return 0;
	*state_r = attach_conf_new(eng->cfg, &err);
	if (*state_r == NULL) {
		/* the engine is built on one thread at start or reload */
		snprintf(err_buf, sizeof(err_buf), "%s", err);
		free(err);
		*err_r = err_buf;
		return -1;
	}
	return 0;
}

void attach_unload(void *state)
{
	struct attach_conf *conf = state;

	attach_conf_free(&conf);
}

static const char *attach_reason(struct arena *a, const struct attach_finding *f)
{
	switch (f->kind) {
	case ATTACH_ENCRYPTED_ARCHIVE:
		return arena_printf(a, "encrypted archive: %s", f->file);
	case ATTACH_UNCHECKED:
		return arena_printf(a, "attachment not checked: %s (%s)", f->file, f->why);
	case ATTACH_TYPE_MISMATCH:
		return arena_printf(a, "attachment type mismatch: %s (%s)", f->file, f->why);
	default:
		return arena_printf(a, "banned attachment: %s (%s)", f->file, f->why);
	}
}

int attach_run(struct scan_ctx *ctx, void *state, const char **err_r)
{
	const struct attach_conf *conf = state;
	struct attach_finding *f;
	struct hit *h[ATTACH_KINDS] = { NULL };
	size_t i, n;

	(void)err_r;
	if (conf == NULL || ctx->msg == NULL)
		return 0;
	n = attach_judge(conf, ctx->arena, ctx->msg, ctx->env.rcpts, ctx->env.nrcpts, &f);
	for (i = 0; i < n; i++) {
		const char *reason = attach_reason(ctx->arena, &f[i]);

		if (h[f[i].kind] != NULL)
			h[f[i].kind]->count++;
		else
			h[f[i].kind] = hits_add(&ctx->hits, attach_kinds[f[i].kind].name,
						attach_kinds[f[i].kind].score,
						arena_printf(ctx->arena, "%s: %s", f[i].file,
							     f[i].why),
						0);
		/* findings that ask for nothing (members of a zip bomb can be
		   hundreds) are logged only when debugging */
		if (f[i].action != SCAN_ACT_NONE) {
			scan_demand(ctx, f[i].action, reason);
			log_info("%s attach: %s action=%s",
				 ctx->env.queue_id ? ctx->env.queue_id : "-", reason,
				 scan_action_name(f[i].action));
		} else {
			log_debug("attach", "%s attach: %s",
				  ctx->env.queue_id ? ctx->env.queue_id : "-", reason);
		}
	}
	return 0;
}
