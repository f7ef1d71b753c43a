/*
 * main.c - winnow-mda, the delivery agent an MTA runs for each local
 * recipient (Postfix mailbox_command or pipe(8), Sendmail Mlocal, Exim,
 * fetchmail):
 *
 *   winnow-mda [-c CONF] [-o KEY=VALUE] [-d USER | -m MAILDIR] [-f SENDER]
 *              [-a ADDRESS] [-s SCRIPT] [--test MESSAGE]  < message
 *   winnow-mda --check-script FILE
 *
 * It never runs setuid. As root with -d USER it becomes USER (initgroups,
 * setgid, setuid, checked) before reading anything of the user's or the
 * message; otherwise it delivers as whoever runs it (-m MAILDIR, or the
 * caller's own ~/Maildir).
 *
 * The message (at most mda_max_size bytes) gets "Return-Path: <sender>"
 * and "Delivered-To: address" on top, as Postfix's local(8) and Dovecot's
 * LDA write them. What the MTA itself put on top (an mbox "From " line,
 * then Return-Path, Delivered-To and X-Original-To fields before any
 * other field: Postfix local(8) and pipe(8) flags F, R, D, O) is its
 * envelope stamp: the From line and Return-Path are replaced by ours, its
 * Delivered-To for our address too. A Delivered-To for our address
 * anywhere else in the header means the mail came back to us: it is
 * refused as a loop ("5.4.6 mail forwarding loop", exit EX_DATAERR).
 *
 * The recipe: -s SCRIPT, else ~/.winnow.sieve (mda_sieve), else
 * ~/.procmailrc when mda_procmail_compat = yes, else the default policy
 * (X-Spam-Flag: YES to mda_junk_folder, X-Virus-Status: Infected to
 * mda_virus_folder, the rest to INBOX). A script's language: a name
 * ending in .sieve or .siv is Sieve, a name containing "procmailrc" is
 * procmail's; otherwise a line starting with ":0", or a first statement
 * that is a NAME=value assignment, makes it procmail's,
 * else Sieve. A script that cannot be read or parsed is logged
 * (file:line:column) and the message goes to INBOX, never nowhere.
 *
 * Exit codes (sysexits): 0 delivered; 75 EX_TEMPFAIL anything transient
 * (disk full, over quota, I/O, a command timing out, INBOX unwritable);
 * 65 EX_DATAERR mail loop or a message over mda_max_size (stderr
 * starts with a "5.x.y" line, which Postfix takes as the DSN code); 67 EX_NOUSER
 * unknown -d user; 73 EX_CANTCREAT over quota with mda_quota_bounce;
 * 77 EX_NOPERM delivering for another user without root, as root, or
 * setuid; 64 EX_USAGE; 78 EX_CONFIG; 71 EX_OSERR privileges not dropped.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "mda/mda.h"
#include "mda/ops.h"
#include "mda/procmail.h"
#include "mda/sieve.h"

/* A recipe file larger than this is not one (Sieve scripts of real
   users are a few KB; Pigeonhole's sieve_max_script_size is 1 MB). */
#define MDA_MAX_SCRIPT ((size_t)1024 * 1024)
#define MDA_MAX_OVERRIDES 64

struct mda_opts {
	const char *conf, *user, *maildir, *sender, *address, *script;
	const char *check, *test;
	const char *over[MDA_MAX_OVERRIDES];
	size_t nover;
};

/* Who we deliver for. */
struct mda_who {
	char *user, *home, *maildir, *root;
	uid_t uid;
	gid_t gid;
};

static void mda_usage(void)
{
	fprintf(stderr,
		"usage: winnow-mda [-c CONF] [-o KEY=VALUE] [-d USER | -m MAILDIR] [-f SENDER]\n"
		"                  [-a ADDRESS] [-s SCRIPT] [--test MESSAGE] < message\n"
		"       winnow-mda --check-script FILE\n");
}

static int mda_parse_args(int argc, char **argv, struct mda_opts *o)
{
	static const struct option longopts[] = {
		{ "check-script", required_argument, NULL, 'C' },
		{ "test", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:o:d:m:f:a:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf = optarg; break;
		case 'd': o->user = optarg; break;
		case 'm': o->maildir = optarg; break;
		case 'f': o->sender = optarg; break;
		case 'a': o->address = optarg; break;
		case 's': o->script = optarg; break;
		case 'C': o->check = optarg; break;
		case 'T': o->test = optarg; break;
		case 'o':
			if (o->nover == MDA_MAX_OVERRIDES)
				return -1;
			o->over[o->nover++] = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || (o->user != NULL && o->maildir != NULL))
		return -1;
	return 0;
}

static struct cfg *mda_load_config(const struct mda_opts *o)
{
	struct cfg *c = cfg_new();
	const char *path = o->conf;
	char *err = NULL;
	struct stat st;
	size_t i;

	if (path == NULL && stat(WN_SYSCONFDIR "/winnow.conf", &st) == 0)
		path = WN_SYSCONFDIR "/winnow.conf";
	if (path != NULL && cfg_load_file(c, path, &err) < 0)
		goto fail;
	for (i = 0; i < o->nover; i++)
		if (cfg_set_option(c, o->over[i], &err) < 0)
			goto fail;
	return c;
fail:
	log_err("configuration: %s", err);
	free(err);
	cfg_free(&c);
	return NULL;
}

/* ---- the script ---- */

static int mda_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* 1 procmail, 0 Sieve (see the top of the file). */
static int mda_is_procmail(const char *path, const char *text, size_t len)
{
	const char *base = strrchr(path, '/'), *p = text, *end = text + len;
	int first_seen = 0;

	base = base != NULL ? base + 1 : path;
	if (mda_ends_with(base, ".sieve") || mda_ends_with(base, ".siv"))
		return 0;
	if (strstr(base, "procmailrc") != NULL)
		return 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && p[0] == ':' && p[1] == '0')
			return 1;
		if (!first_seen && p < end && *p != '\n' && *p != '#') {
			/* a first statement "NAME=..." is an assignment: Sieve
			   has none at the top level */
			size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789_");
			first_seen = 1;
			if (n > 0 && p + n < end && p[n] == '=' && !(*p >= '0' && *p <= '9'))
				return 1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

/* The file's text (malloc'd) or NULL with errno (EFBIG when too big). */
static char *mda_read_file(const char *path, size_t max, size_t *len_r)
{
	FILE *f = fopen(path, "re");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (b.len + n > max) {
			fclose(f);
			buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
		buf_append(&b, tmp, n);
	}
	if (ferror(f)) {
		int err = errno;
		fclose(f);
		buf_free(&b);
		errno = err;
		return NULL;
	}
	fclose(f);
	*len_r = b.len;
	return b.data != NULL ? buf_steal(&b) : strdup("");
}

static int mda_check_script(const char *path)
{
	size_t len;
	char *text = mda_read_file(path, MDA_MAX_SCRIPT, &len), *err = NULL;
	int procmail;

	if (text == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return EX_NOINPUT;
	}
	procmail = mda_is_procmail(path, text, len);
	if (procmail) {
		struct procmail_rc *rc = procmail_parse_buffer(path, text, len, &err);
		procmail_free(&rc);
	} else {
		struct sieve_script *s = sieve_parse(path, text, len, &err);
		sieve_free(&s);
	}
	free(text);
	if (err != NULL) {
		printf("%s\n", err);
		free(err);
		return EX_DATAERR;
	}
	printf("%s: OK (%s)\n", path, procmail ? "procmail" : "sieve");
	return 0;
}

/* ---- who ---- */

static char *mda_abs(const char *path)
{
	char cwd[PATH_MAX];
	size_t n;
	char *out;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		out = strdup(path);
	else
		out = buf_strdup_printf("%s/%s", cwd, path);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

static char *mda_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static void mda_who_free(struct mda_who *w)
{
	free(w->user), free(w->home), free(w->maildir), free(w->root);
	memset(w, 0, sizeof(*w));
}

/* Becomes pw when we are root; checks it cannot be undone. */
static int mda_drop_privileges(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_err_errno("cannot become user %s", pw->pw_name);
		return -1;
	}
	if (setuid(0) == 0 || getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid || getegid() != pw->pw_gid) {
		log_err("privileges of user %s not fully dropped", pw->pw_name);
		return -1;
	}
	return 0;
}

/* Settles who we deliver for and becomes them. An exit code, 0 ok. */
static int mda_become(const struct mda_opts *o, const struct cfg *c, struct mda_who *w)
{
	struct passwd *pw;
	const char *md;

	if (getuid() != geteuid() || getgid() != getegid()) {
		log_err("winnow-mda must not be installed set-user-ID or set-group-ID");
		return EX_NOPERM;
	}
	errno = 0;
	pw = o->user != NULL ? getpwnam(o->user) : getpwuid(getuid());
	if (pw == NULL) {
		/* not found is errno 0 (or one of these, per getpwnam(3));
		   anything else is the user database failing: try later */
		int missing = errno == 0 || errno == ENOENT || errno == ESRCH ||
			      errno == EBADF || errno == EPERM;
		if (missing)
			log_err("unknown user %s", o->user != NULL ? o->user : "(our uid)");
		else
			log_err_errno("looking up user %s", o->user != NULL ? o->user : "(our uid)");
		return o->user != NULL && missing ? EX_NOUSER : EX_TEMPFAIL;
	}
	if (o->user != NULL && pw->pw_uid != getuid()) {
		if (getuid() != 0) {
			log_err("delivering for %s needs root (we are uid %ld)", pw->pw_name,
				(long)getuid());
			return EX_NOPERM;
		}
		if (pw->pw_uid == 0 || pw->pw_gid == 0) {
			log_err("refusing to deliver as root or group root (user %s)", pw->pw_name);
			return EX_NOPERM;
		}
	} else if (getuid() == 0 && o->maildir == NULL) {
		log_err("refusing to deliver as root: use -d USER or -m MAILDIR");
		return EX_NOPERM;
	}
	w->user = strdup(pw->pw_name);
	w->home = mda_abs(pw->pw_dir);
	w->uid = pw->pw_uid;
	w->gid = pw->pw_gid;
	if (getuid() == 0 && pw->pw_uid != 0 && mda_drop_privileges(pw) < 0)
		return EX_OSERR;
	if (o->maildir != NULL) {
		w->maildir = mda_abs(o->maildir);
		w->root = mda_parent(w->maildir);
		return 0;
	}
	md = cfg_str(c, "mda_maildir");
	w->maildir = md[0] == '/' ? mda_abs(md) : buf_strdup_printf("%s/%s", w->home, md);
	w->root = strncmp(w->maildir, w->home, strlen(w->home)) == 0 &&
				  w->maildir[strlen(w->home)] == '/'
			  ? strdup(w->home)
			  : mda_parent(w->maildir);
	return 0;
}

/* ---- the message ---- */

/* stdin or the --test file, at most max bytes. NULL with an exit code. */
static char *mda_read_message(const char *path, size_t max, size_t *len_r, int *ex_r)
{
	struct buf b = BUF_INIT;
	char tmp[65536];
	FILE *f = path != NULL ? fopen(path, "re") : stdin;
	size_t n;

	if (f == NULL) {
		log_err_errno("%s", path);
		*ex_r = EX_NOINPUT;
		return NULL;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (b.len + n > max) {
			fprintf(stderr, "5.3.4 message too big for winnow-mda (mda_max_size %zu "
					"bytes)\n", max);
			log_err("message refused: over mda_max_size (%zu bytes)", max);
			buf_free(&b);
			*ex_r = EX_DATAERR;
			goto out;
		}
		buf_append(&b, tmp, n);
	}
	if (ferror(f)) {
		log_err_errno("reading the message");
		buf_free(&b);
		*ex_r = EX_TEMPFAIL;
		goto out;
	}
	*len_r = b.len;
	if (b.data == NULL)
		buf_append(&b, "", 0);
out:
	if (path != NULL)
		fclose(f);
	return b.data != NULL ? buf_steal(&b) : NULL;
}

/* An envelope address goes into a header field: control characters,
   angle brackets and spaces (a forged -f or Return-Path could add header
   lines) are dropped. In place; returns s. */
static char *mda_clean_addr(char *s)
{
	char *o = s, *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p > ' ' && *p != 0x7f && *p != '<' && *p != '>')
			*o++ = *p;
	*o = '\0';
	return s;
}

/* The end of the header field starting at p (after its folded lines). */
static const char *mda_field_end(const char *p, const char *end)
{
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return end;
		p = nl + 1;
		if (p >= end || (*p != ' ' && *p != '\t'))
			return p;
	}
}

/* The field's value, unfolded and trimmed, <> removed (malloc'd). */
static char *mda_field_value(const char *p, const char *fend)
{
	const char *colon = memchr(p, ':', (size_t)(fend - p));
	struct buf b = BUF_INIT;
	char *v;
	size_t s = 0, e;

	for (p = colon + 1; p < fend; p++)
		if (*p != '\r' && *p != '\n')
			buf_append_char(&b, *p == '\t' ? ' ' : *p);
	v = b.data != NULL ? buf_steal(&b) : strdup("");
	e = strlen(v);
	while (s < e && v[s] == ' ')
		s++;
	while (e > s && v[e - 1] == ' ')
		e--;
	if (e - s >= 2 && v[s] == '<' && v[e - 1] == '>')
		s++, e--;
	memmove(v, v + s, e - s);
	v[e - s] = '\0';
	return v;
}

static int mda_field_is(const char *p, const char *fend, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(fend - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* The message as stored: our Return-Path and Delivered-To, then the
   MTA's stamp fields we keep, then the rest. The MTA's sender is taken
   when -f gave none. Malloc'd. */
static char *mda_stamp(const char *raw, size_t len, const char *address, char **sender_io,
		       size_t *len_r)
{
	const char *p = raw, *end = raw + len;
	char *from_line_sender = NULL;
	struct buf keep = BUF_INIT, out = BUF_INIT;

	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *sp = p + 5, *se = sp;
		while (se < end && *se != ' ' && *se != '\n' && *se != '\r')
			se++;
		from_line_sender = strndup(sp, (size_t)(se - sp));
		p = mda_field_end(p, end); /* the From line never folds; fine */
	}
	while (p < end) {
		const char *fend = mda_field_end(p, end);
		if (mda_field_is(p, fend, "Return-Path")) {
			if (*sender_io == NULL)
				*sender_io = mda_field_value(p, fend);
		} else if (mda_field_is(p, fend, "Delivered-To")) {
			char *v = mda_field_value(p, fend);
			if (strcasecmp(v, address) != 0)
				buf_append(&keep, p, (size_t)(fend - p));
			free(v);
		} else if (mda_field_is(p, fend, "X-Original-To")) {
			buf_append(&keep, p, (size_t)(fend - p));
		} else {
			break;
		}
		p = fend;
	}
	if (*sender_io == NULL && from_line_sender != NULL &&
	    strcmp(from_line_sender, "MAILER-DAEMON") != 0) {
		*sender_io = from_line_sender;
		from_line_sender = NULL;
	}
	free(from_line_sender);
	if (*sender_io == NULL)
		*sender_io = strdup("");
	mda_clean_addr(*sender_io);
	buf_printf(&out, "Return-Path: <%s>\nDelivered-To: %s\n", *sender_io, address);
	if (keep.len > 0)
		buf_append(&out, keep.data, keep.len);
	buf_append(&out, p, (size_t)(end - p));
	buf_free(&keep);
	*len_r = out.len;
	return buf_steal(&out);
}

/* A Delivered-To for address besides the one we added. */
static int mda_is_loop(const struct mda_msg *m)
{
	const struct msg_header_list *l = &m->parsed->headers;
	size_t i, n = 0;

	for (i = 0; i < l->count; i++) {
		const char *v = l->v[i].value;
		size_t vl = strlen(v), rl = strlen(m->recipient);
		if (strcasecmp(l->v[i].name, "Delivered-To") != 0)
			continue;
		if (vl == rl + 2 && v[0] == '<' && v[vl - 1] == '>')
			v++, vl -= 2;
		if (vl == rl && strncasecmp(v, m->recipient, rl) == 0)
			n++;
	}
	return n > 1;
}

/* ---- running the recipe ---- */

struct mda_run {
	struct mda_msg *m;
	struct mda_ops ops;
	struct mda_core core;
	struct mda_trace trace;
	const struct cfg *cfg;
	const char *what; /* for the log: "sieve FILE", "default policy" ... */
};

static enum mda_status mda_inbox(struct mda_run *r)
{
	const char *err = NULL;
	enum mda_status st = r->ops.fileinto(r->ops.ctx, r->m, "INBOX", NULL, 1, &err);

	mda_trace_add(&r->trace, r->m->arena, "keep");
	if (st != MDA_OK)
		log_err("delivery to INBOX %s failed: %s", r->m->maildir, err);
	return st;
}

static int mda_header_starts(const struct msg *p, const char *name, const char *prefix)
{
	const struct msg_header *h = msg_header_first(&p->headers, name);

	return h != NULL && strncasecmp(h->value, prefix, strlen(prefix)) == 0;
}

/* No script: viruses to the quarantine folder, spam to Junk, the rest
   to INBOX. A folder that cannot be written sends the mail to INBOX. */
static enum mda_status mda_default_policy(struct mda_run *r)
{
	const struct msg *p = r->m->parsed;
	const char *folder = NULL, *why = NULL, *err = NULL;
	enum mda_status st;

	if (mda_header_starts(p, "X-Virus-Status", "Infected") ||
	    mda_header_starts(p, "X-Virus-Flag", "YES")) {
		folder = cfg_str(r->cfg, "mda_virus_folder");
		why = "virus";
	} else if (mda_header_starts(p, "X-Spam-Flag", "YES")) {
		folder = cfg_str(r->cfg, "mda_junk_folder");
		why = "spam";
	}
	r->what = "default policy";
	if (folder == NULL || folder[0] == '\0' || strcasecmp(folder, "INBOX") == 0)
		return mda_inbox(r);
	mda_trace_add(&r->trace, r->m->arena, "fileinto %s (%s)", folder, why);
	st = r->ops.fileinto(r->ops.ctx, r->m, folder, NULL, 1, &err);
	if (st != MDA_PERMFAIL)
		return st;
	log_warn("%s folder %s: %s; delivering to INBOX", why, folder, err);
	return mda_inbox(r);
}

static enum mda_status mda_script_failed(struct mda_run *r, const char *path, const char *err)
{
	/* the parsers' messages start with "path:line" already */
	if (strncmp(err, path, strlen(path)) == 0)
		log_err("%s; delivering to INBOX", err);
	else
		log_err("%s: %s; delivering to INBOX", path, err);
	mda_trace_add(&r->trace, r->m->arena, "script error: %s", err);
	r->what = "script error";
	return mda_inbox(r);
}

static enum mda_status mda_run_script(struct mda_run *r, const char *path, const struct mda_who *w)
{
	size_t len = 0;
	char *text = mda_read_file(path, MDA_MAX_SCRIPT, &len), *err = NULL;
	enum mda_status st;

	if (text == NULL)
		return mda_script_failed(r, path, strerror(errno));
	if (mda_is_procmail(path, text, len)) {
		/* MAILDIR starts as $HOME, as in procmail, so relative folder
		   and INCLUDERC names mean what they meant there; DEFAULT is
		   the INBOX Maildir */
		struct procmail_env env = { w->home, w->user, w->home,
					    buf_strdup_printf("%s/", w->maildir) };
		struct procmail_rc *rc = procmail_parse_buffer(path, text, len, &err);
		r->what = "procmail";
		if (rc == NULL) {
			st = mda_script_failed(r, path, err);
		} else {
			st = procmail_run(rc, r->m, &r->ops, &env, &r->trace, &err);
			if (err != NULL) /* it names the rc file and line */
				log_warn("%s", err);
		}
		procmail_free(&rc);
		free((char *)env.default_dest);
	} else {
		struct sieve_script *s = sieve_parse(path, text, len, &err);
		r->what = "sieve";
		if (s == NULL) {
			st = mda_script_failed(r, path, err);
		} else {
			st = sieve_run(s, r->m, &r->ops, &r->trace, &err);
			if (err != NULL) /* it starts with the script's name */
				log_warn("%s", err);
		}
		sieve_free(&s);
	}
	free(err);
	free(text);
	if (st == MDA_PERMFAIL) {
		/* the interpreters fall back to INBOX themselves; should one
		   give up instead, the mail still goes somewhere */
		log_warn("%s: recipe failed permanently; delivering to INBOX", path);
		st = mda_inbox(r);
	}
	return st;
}

/* -s, else ~/.winnow.sieve, else ~/.procmailrc: the path (malloc'd) or
   NULL for the default policy. */
static char *mda_pick_script(const struct mda_opts *o, const struct cfg *c, const char *home)
{
	const char *sieve = cfg_str(c, "mda_sieve");
	char *path;

	if (o->script != NULL)
		return strdup(o->script);
	if (sieve[0] != '\0') {
		path = sieve[0] == '/' ? strdup(sieve) : buf_strdup_printf("%s/%s", home, sieve);
		if (access(path, F_OK) == 0 || errno != ENOENT)
			return path;
		free(path);
	}
	if (cfg_bool(c, "mda_procmail_compat")) {
		path = buf_strdup_printf("%s/.procmailrc", home);
		if (access(path, F_OK) == 0 || errno != ENOENT)
			return path;
		free(path);
	}
	return NULL;
}

static void mda_core_init(struct mda_core *core, const struct cfg *c, const struct mda_who *w,
			  struct mda_trace *trace)
{
	const char *q = cfg_str(c, "mda_quota");

	memset(core, 0, sizeof(*core));
	core->mail_root = w->root;
	core->quota = strcmp(q, "none") == 0 ? NULL : q;
	core->quota_bounce = cfg_bool(c, "mda_quota_bounce");
	core->sendmail = cfg_str(c, "mda_sendmail");
	core->pipe_timeout = cfg_uint(c, "mda_pipe_timeout");
	core->max_output = cfg_size(c, "mda_max_size");
	core->trace = trace;
}

static int mda_exit_code(enum mda_status st, const struct mda_core *core)
{
	if (st == MDA_OK)
		return 0;
	if (st == MDA_TEMPFAIL)
		return EX_TEMPFAIL;
	return core->ex != 0 ? core->ex : EX_CANTCREAT;
}

static void mda_log_result(const struct mda_run *r, int ex)
{
	char id[200], from[300], to[300];
	const char *mid = msg_get(r->m->parsed, "Message-ID");

	log_escape(id, sizeof(id), mid != NULL ? mid : "-", mid != NULL ? strlen(mid) : 1);
	log_escape(from, sizeof(from), r->m->sender, strlen(r->m->sender));
	log_escape(to, sizeof(to), r->m->recipient, strlen(r->m->recipient));
	if (ex == 0)
		log_info("%s: from=<%s> to=<%s> user=%s via=%s status=delivered dest=%s", id, from,
			 to, r->m->user, r->what,
			 r->core.delivered != NULL ? r->core.delivered : "-");
	else
		log_err("%s: from=<%s> to=<%s> user=%s via=%s status=%s exit=%d", id, from, to,
			r->m->user, r->what, ex == EX_TEMPFAIL ? "deferred" : "bounced", ex);
}

static int mda_deliver(const struct mda_opts *o, const struct cfg *c, const struct mda_who *w)
{
	struct arena *a;
	struct mda_msg m;
	struct mda_run r;
	char *raw, *stored, *sender = o->sender != NULL ? strdup(o->sender) : NULL, *address,
		*script;
	const char *rcpt = getenv("RECIPIENT");
	size_t len = 0, slen;
	int ex = 0;
	enum mda_status st;

	raw = mda_read_message(o->test, cfg_size(c, "mda_max_size"), &len, &ex);
	if (raw == NULL) {
		free(sender);
		return ex;
	}
	if (o->address != NULL)
		address = strdup(o->address);
	else if (rcpt != NULL && rcpt[0] != '\0')
		address = strdup(rcpt);
	else {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		address = buf_strdup_printf("%s@%s", w->user, host);
	}
	mda_clean_addr(address);
	stored = mda_stamp(raw, len, address, &sender, &slen);
	free(raw);
	a = arena_new(slen + 65536);
	mda_msg_init(&m, a, stored, slen);
	free(stored);
	m.sender = arena_strdup(a, sender);
	m.recipient = arena_strdup(a, address);
	m.user = w->user;
	m.home = w->home;
	m.maildir = w->maildir;
	free(sender), free(address);

	memset(&r, 0, sizeof(r));
	r.m = &m;
	r.cfg = c;
	mda_core_init(&r.core, c, w, &r.trace);
	if (o->test != NULL)
		mda_ops_recording(&r.ops, &r.core);
	else
		mda_ops_real(&r.ops, &r.core);

	if (mda_is_loop(&m)) {
		fprintf(stderr, "5.4.6 mail forwarding loop for %s\n", m.recipient);
		log_err("mail forwarding loop for %s (our Delivered-To is already in the header)",
			m.recipient);
		r.what = "loop";
		mda_trace_add(&r.trace, a, "refused: mail forwarding loop");
		st = MDA_PERMFAIL;
		r.core.ex = EX_DATAERR;
	} else if ((script = mda_pick_script(o, c, w->home)) != NULL) {
		st = mda_run_script(&r, script, w);
		free(script);
	} else {
		st = mda_default_policy(&r);
	}
	ex = mda_exit_code(st, &r.core);
	if (o->test != NULL) {
		size_t i;
		printf("recipe: %s\n", r.what != NULL ? r.what : "-");
		for (i = 0; i < r.trace.count; i++)
			printf("%s\n", r.trace.lines[i]);
		printf("result: exit %d\n", ex);
	} else {
		mda_log_result(&r, ex);
	}
	arena_free(&a);
	return ex;
}

int main(int argc, char **argv)
{
	struct mda_opts o;
	struct mda_who w = { 0 };
	struct cfg *c;
	int ex;

	log_init("winnow-mda", LOG_TO_STDERR | LOG_TO_SYSLOG);
	log_set_stderr_level(2); /* the MTA shows stderr in bounces: problems only */
	signal(SIGPIPE, SIG_IGN);
	if (mda_parse_args(argc, argv, &o) < 0) {
		mda_usage();
		return EX_USAGE;
	}
	if (o.check != NULL)
		return mda_check_script(o.check);
	if ((c = mda_load_config(&o)) == NULL)
		return EX_CONFIG;
	umask(077);
	ex = mda_become(&o, c, &w);
	if (ex == 0)
		ex = mda_deliver(&o, c, &w);
	mda_who_free(&w);
	cfg_free(&c);
	return ex;
}
