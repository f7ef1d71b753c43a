/*
 * milter.c - filterd's libmilter front-end (milter.h).
 *
 * Ownership: a struct milter_conn per SMTP connection (smfi_setpriv),
 * heap-allocated at connect and freed at close. Inside it the current
 * message: envelope strings and the names of incoming X-Spam-* fields
 * in a small per-message arena, the raw message (header fields, blank
 * line, body) in a heap buffer; both are released at eom, abort, close
 * and at the next MAIL FROM. The scan itself lives in its scan_ctx
 * arena, freed before eom returns.
 *
 * Limits: the raw message never grows past scan_max_size (the message
 * then passes unscanned with a header saying so); recipients and
 * remembered X-Spam-* fields are capped at WN_MSG_MAX_RECIPIENTS and
 * WN_MSG_MAX_HEADERS.
 *
 * Recipients that all match skip_rcpt, or an authenticated sender with
 * skip_authenticated, are accepted at end of headers: the body is
 * never buffered for mail we would not scan.
 *
 * scan_timeout: the rules engine stops at the deadline and the scan
 * ends as an error (error_action); a scan that still took longer (its
 * parse, say) is treated the same way when it returns.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "filterd/authres.h"
#include "filterd/daemon.h"
#include "filterd/dkim_sign.h"
#include "filterd/milter.h"
#include "filterd/quarantine.h"
#include "filterd/scan.h"
#include "filterd/scan_av.h"
#include "filterd/scan_net.h"
#include "filterd/spamhdr.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "lib/log.h"

#define MILTER_NAME "winnow"
#define MILTER_MSG_ARENA 4096

/* An incoming X-Spam-* or Authentication-Results field: its name and
   its index among the fields of that name (1-based, as smfi_chgheader
   counts); an Authentication-Results field's value too, which tells at
   the end of the message whether it claims our authserv-id. */
struct milter_xhdr {
	const char *name;
	int idx;
	const char *authres; /* Authentication-Results: its value; else NULL */
};

struct milter_msg {
	struct arena *a;        /* NULL between messages */
	struct buf raw;
	size_t max_size;        /* scan_max_size when MAIL FROM came */
	int too_big;
	int sign_only;          /* skipped, but kept for DKIM signing */
	struct dns_batch *prefetch;       /* DNS asked at MAIL FROM (scan_net_prefetch) */
	struct scan_engine *prefetch_eng; /* held until then: the batch is its */
	const char *qid, *mail_from, *auth;
	struct arena_vec rcpts; /* const char * */
	struct arena_vec xhdrs; /* struct milter_xhdr */
};

struct milter_conn {
	char *client_ip, *client_rdns, *helo, *mta_host;
	struct dns_batch *prefetch;       /* DNSBL asked at connect */
	struct scan_engine *prefetch_eng; /* held until close: the batch is its */
	struct milter_msg m;
};

static int milter_opened;

/* On a unix socket, the steps whose callbacks only collect are
   negotiated as "no reply" (SMFIP_NR_*): the MTA streams them without
   waiting for an answer per header or body chunk, and their callbacks
   return SMFIS_NOREPLY (libmilter answers "continue" for us to an MTA
   that does not know "no reply"). End of headers still answers: it may
   accept early (skip lists). Not over TCP: Postfix's socket keeps
   Nagle on, so its second unanswered command would wait for our
   delayed ACK, 40 ms each time (measured: 47 ms a message, against
   2.6 ms saved on a unix socket). */
#define MILTER_NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
			 SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_BODY)
static int milter_noreply;
/* The MTA agreed to pass header values with the space after the colon
   (SMFIP_HDR_LEADSPC, Postfix does): the message is then rebuilt byte
   for byte, as a quarantine release must give it back. */
static atomic_int milter_leadspc;
#define MILTER_NEXT (milter_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE)
#define MILTER_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

/* --- per-connection and per-message state --- */

static void milter_msg_reset(struct milter_msg *m)
{
	if (m->prefetch != NULL)
		dns_batch_free(&m->prefetch);
	if (m->prefetch_eng != NULL)
		daemon_engine_put(m->prefetch_eng);
	arena_free(&m->a);
	buf_free(&m->raw);
	memset(m, 0, sizeof(*m));
}

static void milter_conn_free(struct milter_conn **cp)
{
	struct milter_conn *c = *cp;

	if (c == NULL)
		return;
	milter_msg_reset(&c->m);
	if (c->prefetch != NULL)
		dns_batch_free(&c->prefetch);
	if (c->prefetch_eng != NULL)
		daemon_engine_put(c->prefetch_eng);
	free(c->client_ip);
	free(c->client_rdns);
	free(c->helo);
	free(c->mta_host);
	free(c);
	*cp = NULL;
}

static struct milter_conn *milter_conn(SMFICTX *smf)
{
	return smfi_getpriv(smf);
}

/* A macro's value, or NULL when the MTA did not send it (or sent ""). */
static const char *milter_macro(SMFICTX *smf, const char *name)
{
	const char *v = smfi_getsymval(smf, (char *)name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The queue id arrives with MAIL, RCPT, DATA or end of message
   depending on the MTA and its settings: take it when it comes. */
static void milter_take_qid(SMFICTX *smf, struct milter_msg *m)
{
	const char *v;

	if (m->qid != NULL || m->a == NULL)
		return;
	v = milter_macro(smf, "i");
	if (v != NULL)
		m->qid = arena_strdup(m->a, v);
}

/* Appends to the raw message unless that would pass max_size; then the
   message is "too big", its buffer is dropped and nothing more is kept. */
static void milter_append(struct milter_msg *m, const char *p, size_t len)
{
	if (m->too_big)
		return;
	if (len > m->max_size || m->raw.len > m->max_size - len) {
		m->too_big = 1;
		buf_free(&m->raw);
		return;
	}
	buf_append(&m->raw, p, len);
}

/* Header values come folded with bare LF; the message uses CRLF. */
static void milter_append_value(struct milter_msg *m, const char *v)
{
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\n' && (p == v || p[-1] != '\r'))
			milter_append(m, "\r\n", 2);
		else
			milter_append(m, p, 1);
	}
}

/* --- callbacks: connection --- */

static char *milter_addr_str(const struct sockaddr *sa)
{
	char s[INET6_ADDRSTRLEN];
	const void *a;

	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return NULL;
	if (inet_ntop(sa->sa_family, a, s, sizeof(s)) == NULL)
		return NULL;
	return xstrdup(s);
}

static sfsistat milter_cb_connect(SMFICTX *smf, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct milter_conn *c = xcalloc(1, sizeof(*c));
	const char *j = milter_macro(smf, "j");

	c->client_ip = milter_addr_str(hostaddr);
	/* "[1.2.3.4]" means the MTA found no reverse DNS name */
	if (hostname != NULL && hostname[0] != '\0' && hostname[0] != '[')
		c->client_rdns = xstrdup(hostname);
	if (j != NULL)
		c->mta_host = xstrdup(j);
	/* the client's DNSBL questions go out now (scan_net_prefetch_client) */
	c->prefetch_eng = daemon_engine_get();
	c->prefetch = scan_net_prefetch_client(c->prefetch_eng, c->client_ip);
	if (c->prefetch == NULL) {
		daemon_engine_put(c->prefetch_eng);
		c->prefetch_eng = NULL;
	}
	smfi_setpriv(smf, c);
	return MILTER_NEXT;
}

static sfsistat milter_cb_helo(SMFICTX *smf, char *name)
{
	struct milter_conn *c = milter_conn(smf);

	if (c == NULL)
		return MILTER_NEXT;
	free(c->helo);
	c->helo = name != NULL ? xstrdup(name) : NULL;
	return MILTER_NEXT;
}

/* --- callbacks: envelope --- */

static size_t milter_max_size(void)
{
	struct scan_engine *eng = daemon_engine_get();
	size_t n = cfg_size(eng->cfg, "scan_max_size");

	/* the virus scan takes messages up to its own limit */
	if (scan_av_enabled(eng->cfg) && cfg_size(eng->cfg, "av_max_filesize") > n)
		n = cfg_size(eng->cfg, "av_max_filesize");
	daemon_engine_put(eng);
	return n;
}

/* The sender's SPF questions go out now, while the message is still
   coming (scan_net_prefetch): at the end of it their answers are in the
   resolver's cache. Authenticated senders are not filtered (the usual
   case): nothing to ask for them. */
static void milter_prefetch(struct milter_conn *c)
{
	struct milter_msg *m = &c->m;
	struct msg_envelope env;

	if (m->auth != NULL || c->client_ip == NULL)
		return;
	memset(&env, 0, sizeof(env));
	env.client_ip = c->client_ip;
	env.helo = c->helo;
	env.mail_from = m->mail_from;
	m->prefetch_eng = daemon_engine_get();
	m->prefetch = scan_net_prefetch(m->prefetch_eng, m->a, &env);
	if (m->prefetch == NULL) {
		daemon_engine_put(m->prefetch_eng);
		m->prefetch_eng = NULL;
	}
}

static sfsistat milter_cb_envfrom(SMFICTX *smf, char **argv)
{
	struct milter_conn *c = milter_conn(smf);
	struct milter_msg *m;
	const char *v;

	if (c == NULL)
		return MILTER_NEXT;
	m = &c->m;
	milter_msg_reset(m);
	m->a = arena_new(MILTER_MSG_ARENA);
	m->max_size = milter_max_size();
	m->mail_from = arena_strdup(m->a, argv[0] != NULL ? argv[0] : "<>");
	v = milter_macro(smf, "{auth_authen}");
	m->auth = v != NULL ? arena_strdup(m->a, v) : NULL;
	milter_take_qid(smf, m);
	if (c->mta_host == NULL && (v = milter_macro(smf, "j")) != NULL)
		c->mta_host = xstrdup(v);
	milter_prefetch(c);
	return MILTER_NEXT;
}

static sfsistat milter_cb_envrcpt(SMFICTX *smf, char **argv)
{
	struct milter_conn *c = milter_conn(smf);
	const char **slot;

	if (c == NULL || c->m.a == NULL || argv[0] == NULL)
		return MILTER_NEXT;
	milter_take_qid(smf, &c->m);
	if (c->m.rcpts.count >= WN_MSG_MAX_RECIPIENTS)
		return MILTER_NEXT;
	slot = ARENA_VEC_PUSH(c->m.a, &c->m.rcpts, const char *);
	*slot = arena_strdup(c->m.a, argv[0]);
	return MILTER_NEXT;
}

/* --- callbacks: content --- */

static void milter_note_xhdr(struct milter_msg *m, const char *name, const char *value)
{
	struct milter_xhdr *x = m->xhdrs.v, *n;
	int idx = 1;
	size_t i;

	if (m->xhdrs.count >= WN_MSG_MAX_HEADERS)
		return;
	for (i = 0; i < m->xhdrs.count; i++)
		if (strcasecmp(x[i].name, name) == 0)
			idx++;
	n = ARENA_VEC_PUSH(m->a, &m->xhdrs, struct milter_xhdr);
	n->name = arena_strdup(m->a, name);
	n->idx = idx;
	n->authres = value != NULL ? arena_strdup(m->a, value) : NULL;
}

/* X-Virus-Status and X-Virus-Scanned: ours when a scanner is on. */
static int milter_virus_header(const char *name)
{
	return strcasecmp(name, "X-Virus-Status") == 0 ||
	       strcasecmp(name, "X-Virus-Scanned") == 0;
}

static sfsistat milter_cb_header(SMFICTX *smf, char *name, char *value)
{
	struct milter_conn *c = milter_conn(smf);
	struct milter_msg *m;

	if (c == NULL || c->m.a == NULL)
		return MILTER_NEXT;
	m = &c->m;
	if (spam_header_name(name) || milter_virus_header(name))
		milter_note_xhdr(m, name, NULL);
	else if (strcasecmp(name, "Authentication-Results") == 0)
		milter_note_xhdr(m, name, value + strspn(value, " \t"));
	milter_append(m, name, strlen(name));
	if (atomic_load(&milter_leadspc))
		milter_append(m, ":", 1);
	else
		milter_append(m, ": ", 2);
	milter_append_value(m, value);
	milter_append(m, "\r\n", 2);
	return MILTER_NEXT;
}

/* Is addr ("<a@b>" or "a@b") one of the skip_rcpt patterns: a glob on
   the whole address or "@domain"? */
static int milter_rcpt_match(struct arena *a, const char *addr,
			     const char *const *pat, size_t npat)
{
	size_t l = strlen(addr), i;

	if (l >= 2 && addr[0] == '<' && addr[l - 1] == '>')
		addr = arena_strndup(a, addr + 1, l -= 2);
	for (i = 0; i < npat; i++) {
		size_t pl = strlen(pat[i]);
		if (pat[i][0] == '@') {
			if (l > pl && strcasecmp(addr + l - pl, pat[i]) == 0)
				return 1;
		} else if (fnmatch(pat[i], addr, FNM_CASEFOLD) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Mail we never filter: every recipient skipped, or an authenticated
   sender when skip_authenticated. */
static int milter_skipped(const struct cfg *cfg, struct milter_msg *m)
{
	const char *const *pat;
	const char **r = m->rcpts.v;
	size_t npat = cfg_list(cfg, "skip_rcpt", &pat), i;

	if (m->auth != NULL && cfg_bool(cfg, "skip_authenticated"))
		return 1;
	if (m->rcpts.count == 0 || npat == 0)
		return 0;
	for (i = 0; i < m->rcpts.count; i++)
		if (!milter_rcpt_match(m->a, r[i], pat, npat))
			return 0;
	return 1;
}

static void milter_log(struct milter_conn *c, const char *action, const char *fmt, ...)
	WN_PRINTF(3, 4);

/* The one line per message: envelope, then what happened. */
static void milter_log(struct milter_conn *c, const char *action, const char *fmt, ...)
{
	char from[256], extra[256];
	const char *f = c->m.mail_from != NULL ? c->m.mail_from : "";
	va_list ap;

	log_escape(from, sizeof(from), f, strlen(f));
	va_start(ap, fmt);
	vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	daemon_log(LOG_INFO, c->m.qid, "milter: client=%s from=%s nrcpt=%zu action=%s%s%s",
		   c->client_ip != NULL ? c->client_ip : "unknown", from, c->m.rcpts.count,
		   action, extra[0] != '\0' ? " " : "", extra);
}

/* Nothing to do at DATA, but answering it matters: without a DATA
   callback libmilter tells the MTA to skip the command, Postfix still
   sends the DATA macros alone, and its next packet waits for our delayed
   ACK (Nagle): 40 ms a message over TCP. */
static sfsistat milter_cb_data(SMFICTX *smf)
{
	(void)smf;
	return MILTER_NEXT;
}

static sfsistat milter_cb_eoh(SMFICTX *smf)
{
	struct milter_conn *c = milter_conn(smf);
	struct scan_engine *eng;
	int skip;

	if (c == NULL || c->m.a == NULL)
		return SMFIS_CONTINUE;
	milter_take_qid(smf, &c->m);
	eng = daemon_engine_get();
	skip = milter_skipped(eng->cfg, &c->m);
	/* DKIM signing: mail we do not scan but may sign still needs its body */
	c->m.sign_only = skip && dkim_sign_wanted(eng->cfg, c->client_ip, c->m.auth);
	daemon_engine_put(eng);
	if (skip && !c->m.sign_only) {
		milter_log(c, "skip", "auth=%s", c->m.auth != NULL ? "yes" : "no");
		milter_msg_reset(&c->m);
		return SMFIS_ACCEPT;
	}
	milter_append(&c->m, "\r\n", 2);
	return SMFIS_CONTINUE;
}

static sfsistat milter_cb_body(SMFICTX *smf, unsigned char *chunk, size_t len)
{
	struct milter_conn *c = milter_conn(smf);

	if (c == NULL || c->m.a == NULL)
		return MILTER_NEXT;
	milter_append(&c->m, (const char *)chunk, len);
	return MILTER_NEXT;
}

/* --- end of message: scan and act --- */

/* Everything eom needs in one place. */
struct milter_eom {
	SMFICTX *smf;
	struct milter_conn *c;
	const struct cfg *cfg;
	struct scan_ctx *sc;
	const char *host;
	double secs;
	int av_only; /* over scan_max_size: only the virus scan ran */
};

static const char *milter_host(struct milter_eom *e, char *buf, size_t size)
{
	const char *h = cfg_str(e->cfg, "hostname");

	if (h != NULL && h[0] != '\0')
		return h;
	if (e->c->mta_host != NULL)
		return e->c->mta_host;
	if (gethostname(buf, size) != 0)
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
	return buf;
}

/* A value to add: with SMFIP_HDR_LEADSPC the MTA writes "Name:" and the
   value as given, so the space after the colon is ours to send. */
static char *milter_hval(struct arena *a, const char *value)
{
	return atomic_load(&milter_leadspc) ? arena_printf(a, " %s", value)
					    : (char *)value;
}

static void milter_add(struct milter_eom *e, const char *name, const char *value)
{
	if (smfi_addheader(e->smf, (char *)name, milter_hval(e->c->m.a, value)) != MI_SUCCESS)
		daemon_log(LOG_WARNING, e->c->m.qid, "milter: cannot add %s", name);
}

/* Our authserv-id: the key, else the host name. */
static const char *milter_authserv_id(const struct milter_eom *e)
{
	const char *id = cfg_str(e->cfg, "authserv_id");

	return id != NULL && id[0] != '\0' ? id : e->host;
}

/* Authentication-Results (RFC 8601) when the network checks ran: at the
   top, as trace fields go (RFC 8601 5). */
static void milter_add_authres(struct milter_eom *e)
{
	const char *ar = scan_net_authres(e->sc, milter_authserv_id(e));

	if (ar != NULL && smfi_insheader(e->smf, 0, "Authentication-Results",
					 milter_hval(e->c->m.a, ar)) !=
			      MI_SUCCESS)
		daemon_log(LOG_WARNING, e->c->m.qid, "milter: cannot add Authentication-Results");
}

/* Deletes forged fields, last first so indices stay valid: every
   X-Spam-* field, X-Virus-Status and X-Virus-Scanned when we scan for
   viruses, and Authentication-Results fields that claim our authserv-id
   (RFC 8601 5); those of other hosts stay. */
static void milter_del_forged(struct milter_eom *e)
{
	struct milter_xhdr *x = e->c->m.xhdrs.v;
	size_t i = e->c->m.xhdrs.count;

	while (i-- > 0) {
		if (x[i].authres != NULL &&
		    !authres_is_ours(e->c->m.a, x[i].authres, milter_authserv_id(e)))
			continue;
		if (milter_virus_header(x[i].name) && !scan_av_enabled(e->cfg))
			continue;
		if (smfi_chgheader(e->smf, (char *)x[i].name, x[i].idx, NULL) != MI_SUCCESS)
			daemon_log(LOG_WARNING, e->c->m.qid, "milter: cannot delete %s",
				   x[i].name);
	}
}

/* X-Virus-Scanned and X-Virus-Status when the virus scan ran. */
static void milter_add_av_headers(struct milter_eom *e)
{
	if (e->sc == NULL || e->sc->av_status == NULL)
		return;
	milter_add(e, "X-Virus-Scanned", scan_av_scanned_by(e->cfg, e->sc->arena, e->host));
	milter_add(e, "X-Virus-Status", e->sc->av_status);
}

/* Accepts with the checker and a "No, not scanned: why" status. */
static sfsistat milter_unscanned(struct milter_eom *e, const char *action, const char *why)
{
	char v[512];

	milter_del_forged(e);
	snprintf(v, sizeof(v), "Winnow %s on %s", PACKAGE_VERSION, e->host);
	milter_add(e, "X-Spam-Checker-Version", v);
	snprintf(v, sizeof(v), "No, not scanned: %s", why);
	milter_add(e, "X-Spam-Status", v);
	milter_add_av_headers(e);
	milter_log(e->c, action, "reason=\"%s\"", why);
	return SMFIS_ACCEPT;
}

static sfsistat milter_error(struct milter_eom *e, const char *why)
{
	if (strcasecmp(cfg_str(e->cfg, "error_action"), "tempfail") == 0) {
		milter_log(e->c, "tempfail", "reason=\"%s\"", why);
		return SMFIS_TEMPFAIL;
	}
	return milter_unscanned(e, "error", why);
}

/* reject_reply "550 5.7.1 text": a 4xx/5xx code, an optional enhanced
   code of the same class, the text. Returns 0, or -1 when malformed. */
static int milter_reply_parse(const char *s, char code[4], char xcode[16],
			      const char **text_r)
{
	size_t n;

	if ((s[0] != '4' && s[0] != '5') || strspn(s, "0123456789") != 3 ||
	    (s[3] != ' ' && s[3] != '\0'))
		return -1;
	memcpy(code, s, 3);
	code[3] = '\0';
	s += 3 + strspn(s + 3, " ");
	n = strcspn(s, " ");
	xcode[0] = '\0';
	if (n > 0 && n < 16 && s[0] == code[0] && s[1] == '.' &&
	    strspn(s, "0123456789.") == n) {
		memcpy(xcode, s, n);
		xcode[n] = '\0';
		s += n + strspn(s + n, " ");
	}
	*text_r = s[0] != '\0' ? s : NULL;
	return strpbrk(s, "\r\n") == NULL ? 0 : -1;
}

/* Reply text from a check's reason: printable ASCII, bounded, no '%'
   (Sendmail expands it) and no line breaks. */
static void milter_reply_text(char *out, size_t size, const char *prefix, const char *why)
{
	size_t n;
	char *p;

	snprintf(out, size, "%s%s", prefix, why);
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '%')
			*p = '?';
	n = strlen(out);
	if (n > 200)
		memcpy(out + 197, "...", 4);
}

/* 550 5.7.1 or 451 4.7.1 with why in the text. */
static sfsistat milter_refuse(struct milter_eom *e, enum scan_action act, const char *why)
{
	int later = act == SCAN_ACT_TEMPFAIL;
	char text[256];

	milter_reply_text(text, sizeof(text), later ? "Try again later: " : "Message rejected: ",
			  why);
	if (smfi_setreply(e->smf, later ? "451" : "550", later ? "4.7.1" : "5.7.1", text) !=
	    MI_SUCCESS)
		daemon_log(LOG_WARNING, e->c->m.qid, "milter: smfi_setreply failed");
	milter_log(e->c, later ? "tempfail" : "reject", "reason=\"%s\" time=%.3f", why, e->secs);
	return later ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

static sfsistat milter_quarantine(struct milter_eom *e, const char *reason,
				  const char *hold_reason);

/* What a check asked for whatever the score (virus_action,
   av_error_action, av_limit_action, the attachment policy). */
static sfsistat milter_demand(struct milter_eom *e)
{
	struct scan_ctx *sc = e->sc;

	switch (sc->action) {
	case SCAN_ACT_REJECT:
	case SCAN_ACT_TEMPFAIL:
		return milter_refuse(e, sc->action, sc->action_reason);
	case SCAN_ACT_DISCARD:
		milter_log(e->c, "discard", "reason=\"%s\" time=%.3f", sc->action_reason,
			   e->secs);
		return SMFIS_DISCARD;
	default:
		/* a copy held by the MTA keeps the message: forged X-Spam-*
		   and X-Virus-* fields go, as on the way to delivery */
		if (strcasecmp(cfg_str(e->cfg, "quarantine_store"), "hold") == 0)
			milter_del_forged(e);
		return milter_quarantine(e, sc->action_reason, NULL);
	}
}

static sfsistat milter_reject(struct milter_eom *e)
{
	const char *reply = cfg_str(e->cfg, "reject_reply"), *text;
	char code[4], xcode[16];

	if (milter_reply_parse(reply, code, xcode, &text) < 0) {
		daemon_log(LOG_ERR, e->c->m.qid, "milter: bad reject_reply, using the default");
		milter_reply_parse("550 5.7.1 Message rejected as spam", code, xcode, &text);
	}
	if (smfi_setreply(e->smf, code, xcode[0] != '\0' ? xcode : NULL, (char *)text) !=
	    MI_SUCCESS)
		daemon_log(LOG_WARNING, e->c->m.qid, "milter: smfi_setreply failed");
	milter_log(e->c, "reject", "score=%.1f time=%.3f", e->sc->score, e->secs);
	return SMFIS_REJECT;
}

static void milter_add_spam_headers(struct milter_eom *e, int spam)
{
	struct spam_headers h;

	milter_add_authres(e);
	spam_headers_build(e->sc, spam && cfg_bool(e->cfg, "add_report"), e->host, &h);
	milter_add(e, "X-Spam-Checker-Version", h.checker);
	if (h.flag != NULL)
		milter_add(e, "X-Spam-Flag", h.flag);
	milter_add(e, "X-Spam-Level", h.level);
	milter_add(e, "X-Spam-Status", h.status);
	if (h.report != NULL)
		milter_add(e, "X-Spam-Report", h.report);
}

/* An envelope address without its angle brackets. */
static const char *milter_bare(struct arena *a, const char *addr)
{
	size_t l = addr != NULL ? strlen(addr) : 0;

	if (l >= 2 && addr[0] == '<' && addr[l - 1] == '>')
		return arena_strndup(a, addr + 1, l - 2);
	return addr != NULL ? addr : "";
}

/* The message as the MTA would store it: the milter hears CRLF, Postfix
   and Maildir keep LF, and a release must give back the same bytes. */
static char *milter_lf(struct arena *a, const char *raw, size_t len, size_t *len_r)
{
	char *out = arena_alloc(a, len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++)
		if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			*o++ = raw[i];
	*o = '\0';
	*len_r = (size_t)(o - out);
	return out;
}

/* Into Winnow's quarantine (quar_store: durable before it returns). */
static int milter_quarantine_store(struct milter_eom *e, const char *reason, char *id)
{
	struct milter_msg *m = &e->c->m;
	const char **rcpts = arena_alloc(m->a, (m->rcpts.count + 1) * sizeof(*rcpts));
	const char **in = m->rcpts.v;
	struct quar_meta meta;
	char *err = NULL, *lf;
	size_t i, lf_len;

	for (i = 0; i < m->rcpts.count; i++)
		rcpts[i] = milter_bare(m->a, in[i]);
	memset(&meta, 0, sizeof(meta));
	meta.reason = reason;
	meta.score = e->sc->score;
	meta.hits = e->av_only ? "" : spam_tests_list(e->sc, ",");
	meta.mail_from = milter_bare(m->a, m->mail_from);
	meta.rcpts = rcpts;
	meta.nrcpts = m->rcpts.count;
	meta.client_ip = e->c->client_ip;
	meta.queue_id = m->qid;
	lf = milter_lf(m->a, e->sc->raw, e->sc->raw_len, &lf_len);
	if (quar_store(e->cfg, lf, lf_len, &meta, id, &err) < 0) {
		daemon_log(LOG_ERR, m->qid, "milter: quarantine: %s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* Keeps the message from its recipients: in Winnow's quarantine, and
   the MTA drops its copy (discard) once ours is on disk; or, with
   quarantine_store = hold, in the MTA's hold queue with our headers.
   A copy we cannot store is deferred (4xx), never dropped. hold_reason:
   the hold queue's reason when not "winnow: " and reason. */
static sfsistat milter_quarantine(struct milter_eom *e, const char *reason,
				  const char *hold_reason)
{
	char id[QUAR_ID_LEN + 1], hold[256];

	if (strcasecmp(cfg_str(e->cfg, "quarantine_store"), "hold") == 0) {
		if (!e->av_only)
			milter_add_spam_headers(e, e->sc->verdict != SCAN_HAM);
		milter_add_av_headers(e);
		if (hold_reason != NULL)
			snprintf(hold, sizeof(hold), "%s", hold_reason);
		else
			snprintf(hold, sizeof(hold), "winnow: %s", reason);
		if (smfi_quarantine(e->smf, hold) != MI_SUCCESS)
			daemon_log(LOG_WARNING, e->c->m.qid, "milter: quarantine failed");
		milter_log(e->c, "quarantine", "store=hold score=%.1f reason=\"%s\" time=%.3f",
			   e->sc->score, reason, e->secs);
		return SMFIS_ACCEPT;
	}
	if (milter_quarantine_store(e, reason, id) < 0)
		return milter_refuse(e, SCAN_ACT_TEMPFAIL, "cannot quarantine the message");
	milter_log(e->c, "quarantine", "id=%s score=%.1f reason=\"%s\" time=%.3f", id,
		   e->sc->score, reason, e->secs);
	return SMFIS_DISCARD;
}

/* Spam under reject_score: headers, then spam_action. */
static sfsistat milter_spam(struct milter_eom *e)
{
	const char *act = cfg_str(e->cfg, "spam_action");
	char reason[64], hold[64];

	if (strcasecmp(act, "discard") == 0) {
		milter_log(e->c, "discard", "score=%.1f time=%.3f", e->sc->score, e->secs);
		return SMFIS_DISCARD;
	}
	if (strcasecmp(act, "quarantine") == 0) {
		snprintf(reason, sizeof(reason), "spam, score %.1f", e->sc->score);
		snprintf(hold, sizeof(hold), "winnow: score %.1f", e->sc->score);
		return milter_quarantine(e, reason, hold);
	}
	milter_add_spam_headers(e, 1);
	milter_add_av_headers(e);
	milter_log(e->c, "spam", "score=%.1f time=%.3f", e->sc->score, e->secs);
	return SMFIS_ACCEPT;
}

/* DMARC policy reject, enforced (dmarc_reject): 550 5.7.1 naming it, as
   OpenDMARC replies. */
static sfsistat milter_dmarc_reject(struct milter_eom *e, const char *why)
{
	if (smfi_setreply(e->smf, "550", "5.7.1", (char *)why) != MI_SUCCESS)
		daemon_log(LOG_WARNING, e->c->m.qid, "milter: smfi_setreply failed");
	milter_log(e->c, "reject", "reason=\"%s\" time=%.3f", why, e->secs);
	return SMFIS_REJECT;
}

static sfsistat milter_act(struct milter_eom *e)
{
	unsigned int limit = cfg_uint(e->cfg, "scan_timeout");
	double reject = cfg_double(e->cfg, "reject_score");
	struct scan_ctx *sc = e->sc;

	if (sc->verdict == SCAN_ERROR) {
		daemon_log(LOG_ERR, e->c->m.qid, "milter: scan failed: %s",
			   sc->error != NULL ? sc->error : "unknown error");
		return milter_error(e, "scan error");
	}
	if (limit > 0 && e->secs > (double)limit)
		return milter_error(e, "scan timeout");
	if (sc->action >= SCAN_ACT_QUARANTINE)
		return milter_demand(e);
	if (e->av_only)
		return milter_unscanned(e, "unscanned", "message larger than scan_max_size");
	if (scan_net_reject(sc) != NULL)
		return milter_dmarc_reject(e, scan_net_reject(sc));
	if (reject > 0 && sc->score >= reject)
		return milter_reject(e);
	milter_del_forged(e);
	if (sc->verdict != SCAN_HAM)
		return milter_spam(e);
	milter_add_spam_headers(e, 0);
	milter_add_av_headers(e);
	milter_log(e->c, "ham", "score=%.1f time=%.3f", sc->score, e->secs);
	return SMFIS_ACCEPT;
}

static double milter_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A scan context for the buffered message; the raw copy is dropped. */
static struct scan_ctx *milter_scan(struct milter_conn *c, const struct scan_engine *eng,
				    int av_only, double *secs_r)
{
	struct milter_msg *m = &c->m;
	struct scan_ctx *sc = scan_ctx_new(eng, buf_cstr(&m->raw), m->raw.len);
	double t0;

	buf_free(&m->raw);
	sc->env.client_ip = c->client_ip;
	sc->env.client_rdns = c->client_rdns;
	sc->env.helo = c->helo;
	sc->env.mail_from = m->mail_from;
	sc->env.rcpts = m->rcpts.v;
	sc->env.nrcpts = m->rcpts.count;
	sc->env.auth_user = m->auth;
	sc->env.queue_id = m->qid;
	t0 = milter_now();
	if (av_only)
		scan_run_av_only(sc);
	else
		scan_run(sc);
	*secs_r = milter_now() - t0;
	return sc;
}

/* Scans in flight, so that a stopping daemon lets them finish. */
static pthread_mutex_t scans_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scans_done = PTHREAD_COND_INITIALIZER;
static unsigned int scans;

static void scans_add(int d)
{
	pthread_mutex_lock(&scans_lock);
	scans = d > 0 ? scans + 1 : scans - 1;
	if (scans == 0)
		pthread_cond_broadcast(&scans_done);
	pthread_mutex_unlock(&scans_lock);
}

int milter_wait_scans(unsigned int seconds)
{
	struct timespec until;
	unsigned int left;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)seconds;
	pthread_mutex_lock(&scans_lock);
	while (scans > 0)
		if (pthread_cond_timedwait(&scans_done, &scans_lock, &until) != 0)
			break;
	left = scans;
	pthread_mutex_unlock(&scans_lock);
	return left == 0 ? 0 : -1;
}

static sfsistat milter_eom_scan(SMFICTX *smf);

/* DKIM signing (dkim_sign.h) of mail we accept from authenticated or
   local senders: each DKIM-Signature at the top. raw NULL: not kept.
   dkim_sign_deliver() logs, and a failure leaves the mail unsigned. */
static int milter_add_dkim(void *smf, const char *value)
{
	char *v = atomic_load(&milter_leadspc) ? buf_strdup_printf(" %s", value) : NULL;
	int r = smfi_insheader(smf, 0, "DKIM-Signature", v != NULL ? v : (char *)value);

	free(v);
	return r == MI_SUCCESS ? 0 : -1;
}

static void milter_dkim_sign(struct milter_eom *e, sfsistat st, const char *raw, size_t len)
{
	struct dkim_sign_env env = { e->c->client_ip, e->c->m.auth, e->c->m.qid };

	if (st == SMFIS_ACCEPT)
		dkim_sign_deliver(e->cfg, &env, raw, len, milter_add_dkim, e->smf);
}

/* Larger than anything we keep (scan_max_size, and av_max_filesize when
   scanning for viruses): unscanned. With a virus scanner on, that is
   av_limit_action; a quarantine is not possible (the bytes were not
   kept), so it becomes a reject. */
static sfsistat milter_too_big(struct milter_eom *e)
{
	char why[128];
	enum scan_action act;
	const char *v;
	sfsistat st;

	snprintf(why, sizeof(why), "message larger than %s (%zu bytes)",
		 scan_av_enabled(e->cfg) ? "av_max_filesize" : "scan_max_size",
		 e->c->m.max_size);
	if (!scan_av_enabled(e->cfg))
		return milter_unscanned(e, "unscanned", why);
	v = cfg_str(e->cfg, "av_limit_action");
	act = strcasecmp(v, "tempfail") == 0 ? SCAN_ACT_TEMPFAIL :
	      strcasecmp(v, "accept") == 0   ? SCAN_ACT_HEADER : SCAN_ACT_REJECT;
	if (act != SCAN_ACT_HEADER)
		return milter_refuse(e, act, arena_printf(e->c->m.a,
							  "not scanned for viruses: %s", why));
	st = milter_unscanned(e, "unscanned", why);
	milter_add(e, "X-Virus-Scanned", scan_av_scanned_by(e->cfg, e->c->m.a, e->host));
	milter_add(e, "X-Virus-Status", arena_printf(e->c->m.a, "Unscanned (%s)", why));
	return st;
}

static sfsistat milter_cb_eom(SMFICTX *smf)
{
	sfsistat st;

	scans_add(1);
	st = milter_eom_scan(smf);
	scans_add(-1);
	return st;
}

static sfsistat milter_eom_scan(SMFICTX *smf)
{
	struct milter_eom e = { smf, milter_conn(smf), NULL, NULL, NULL, 0, 0 };
	struct scan_engine *eng;
	char hn[256];
	sfsistat st;

	if (e.c == NULL || e.c->m.a == NULL)
		return SMFIS_CONTINUE;
	milter_take_qid(smf, &e.c->m);
	eng = daemon_engine_get();
	e.cfg = eng->cfg;
	e.host = milter_host(&e, hn, sizeof(hn));
	if (e.c->m.sign_only) {
		/* skipped at end of header (skip_rcpt, skip_authenticated): no scan */
		milter_log(e.c, "skip", "auth=%s", e.c->m.auth != NULL ? "yes" : "no");
		st = SMFIS_ACCEPT;
		milter_dkim_sign(&e, st, e.c->m.too_big ? NULL : buf_cstr(&e.c->m.raw),
				 e.c->m.raw.len);
	} else if (e.c->m.too_big) {
		st = milter_too_big(&e);
		milter_dkim_sign(&e, st, NULL, 0);
	} else {
		e.av_only = e.c->m.raw.len > cfg_size(e.cfg, "scan_max_size");
		e.sc = milter_scan(e.c, eng, e.av_only, &e.secs);
		st = milter_act(&e);
		milter_dkim_sign(&e, st, e.sc->raw, e.sc->raw_len);
		scan_ctx_free(&e.sc);
	}
	daemon_engine_put(eng);
	milter_msg_reset(&e.c->m);
	return st;
}

static sfsistat milter_cb_abort(SMFICTX *smf)
{
	struct milter_conn *c = milter_conn(smf);

	if (c != NULL)
		milter_msg_reset(&c->m);
	return SMFIS_CONTINUE;
}

/* Asks for what we use: our actions, every step but unknown commands,
   and on a unix socket "no reply" on the collecting steps. */
static sfsistat milter_cb_negotiate(SMFICTX *smf, unsigned long f0, unsigned long f1,
				    unsigned long f2, unsigned long f3, unsigned long *pf0,
				    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)smf;
	(void)f2;
	(void)f3;
	if ((f0 & MILTER_ACTIONS) != MILTER_ACTIONS)
		return SMFIS_REJECT; /* libmilter logs it and drops the connection */
	*pf0 = MILTER_ACTIONS;
	*pf1 = (milter_noreply ? MILTER_NR_STEPS : 0) |
	       (f1 & (SMFIP_NOUNKNOWN | SMFIP_HDR_LEADSPC));
	atomic_store(&milter_leadspc, (f1 & SMFIP_HDR_LEADSPC) != 0);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat milter_cb_close(SMFICTX *smf)
{
	struct milter_conn *c = milter_conn(smf);

	milter_conn_free(&c);
	smfi_setpriv(smf, NULL);
	return SMFIS_CONTINUE;
}

/* --- registration and the main loop --- */

static struct smfiDesc milter_desc = {
	.xxfi_name = (char *)MILTER_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = MILTER_ACTIONS,
	.xxfi_connect = milter_cb_connect,
	.xxfi_helo = milter_cb_helo,
	.xxfi_envfrom = milter_cb_envfrom,
	.xxfi_envrcpt = milter_cb_envrcpt,
	.xxfi_header = milter_cb_header,
	.xxfi_eoh = milter_cb_eoh,
	.xxfi_body = milter_cb_body,
	.xxfi_eom = milter_cb_eom,
	.xxfi_data = milter_cb_data,
	.xxfi_abort = milter_cb_abort,
	.xxfi_close = milter_cb_close,
	.xxfi_negotiate = milter_cb_negotiate,
};

/* libmilter keeps its listening socket to itself. Find it (a listening
   TCP socket: at this point filterd has no other) and set TCP_NODELAY,
   which Linux passes on to the connections accepted from it. Without it
   each header change sent at end of message waits for the MTA's delayed
   ACK (Nagle): about 80 ms a message through Postfix. */
static void milter_nodelay(void)
{
	int fd, one = 1;

	for (fd = 3; fd < 1024; fd++) {
		int acc = 0;
		socklen_t l = sizeof(acc);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || !acc)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
}

const char *milter_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

int milter_open(const char *listen_spec, char **err_r)
{
	char *spec;
	int ok;

	if (milter_opened)
		return 0;
	if (smfi_register(milter_desc) != MI_SUCCESS) {
		*err_r = xstrdup("smfi_register failed");
		return -1;
	}
	/* smfi_setconn copies its (non-const) argument */
	spec = xstrdup(listen_spec);
	ok = smfi_setconn(spec) == MI_SUCCESS && smfi_opensocket(1) == MI_SUCCESS;
	free(spec);
	if (!ok) {
		*err_r = xstrdup("cannot open the milter socket (in use, or a bad address?)");
		return -1;
	}
	milter_nodelay();
	milter_noreply = milter_unix_path(listen_spec) != NULL;
	milter_opened = 1;
	daemon_log(LOG_INFO, NULL, "milter: listening on %s", listen_spec);
	return 0;
}

int milter_main(void)
{
	assert(milter_opened);
	if (smfi_main() != MI_SUCCESS) {
		daemon_log(LOG_ERR, NULL, "milter: smfi_main failed");
		return -1;
	}
	return 0;
}

int milter_run(const char *listen_spec)
{
	char *err = NULL;

	if (milter_open(listen_spec, &err) < 0) {
		daemon_log(LOG_ERR, NULL, "milter: %s: %s", listen_spec, err);
		free(err);
		return -1;
	}
	return milter_main();
}

void milter_stop(void)
{
	smfi_stop();
}
