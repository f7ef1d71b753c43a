/*
 * sieve_vacation.c - the vacation action (RFC 5230): decides whether a
 * reply may go out, builds it, and queues it as an action; the response
 * tracking (one reply per sender and handle within :days) is checked
 * when the action is performed, through ops->vacation_seen.
 *
 * No reply (RFC 5230 4.5-4.6, RFC 3834 2): to the null sender or to
 * MAILER-DAEMON/owner-/-request/LISTSERV/majordomo senders; to mail with
 * Auto-Submitted other than "no", Precedence bulk/list/junk, or any
 * List-* field (a list or bulk mailing); to one of the user's own
 * addresses; or when none of the user's addresses (the envelope
 * recipient, with and without +detail, and :addresses) is in To, Cc,
 * Bcc, Resent-To, Resent-Cc or Resent-Bcc.
 *
 * The reply: From the :from address (else the recipient), To the
 * envelope sender, Subject :subject (else "Auto: " and the original
 * subject), In-Reply-To and References from the original, Auto-Submitted:
 * auto-replied; sent with the null envelope sender.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/msg.h"
#include "mda/sieve_int.h"

static const char *sieve_vac_get(struct sieve_run *r, const char *name)
{
	return r->m->parsed != NULL ? msg_get(r->m->parsed, name) : NULL;
}

/* A mailing list, bulk or automatic message: no reply (RFC 3834 2). */
static int sieve_vac_bulk(struct sieve_run *r)
{
	static const char *const lists[] = { "List-Id", "List-Help", "List-Subscribe",
					     "List-Unsubscribe", "List-Post", "List-Owner",
					     "List-Archive" };
	const char *v;
	size_t i;

	if ((v = sieve_vac_get(r, "Auto-Submitted")) != NULL && strncasecmp(v, "no", 2) != 0)
		return 1;
	if ((v = sieve_vac_get(r, "Precedence")) != NULL &&
	    (strcasecmp(v, "bulk") == 0 || strcasecmp(v, "list") == 0 ||
	     strcasecmp(v, "junk") == 0))
		return 1;
	for (i = 0; i < N_ELEMENTS(lists); i++)
		if (sieve_vac_get(r, lists[i]) != NULL)
			return 1;
	return 0;
}

/* A sender no human reads (RFC 5230 4.6). */
static int sieve_vac_robot(const char *sender)
{
	const char *at = strrchr(sender, '@');
	size_t llen = at != NULL ? (size_t)(at - sender) : strlen(sender);

	if (llen == 0)
		return 1;
	if ((llen == 13 && strncasecmp(sender, "mailer-daemon", 13) == 0) ||
	    (llen == 8 && strncasecmp(sender, "listserv", 8) == 0) ||
	    (llen == 9 && strncasecmp(sender, "majordomo", 9) == 0) ||
	    strncasecmp(sender, "owner-", 6) == 0 ||
	    (llen > 8 && strncasecmp(sender + llen - 8, "-request", 8) == 0))
		return 1;
	return 0;
}

/* The user's addresses: the recipient, without its +detail, :addresses. */
static size_t sieve_vac_mine(struct sieve_run *r, const struct sieve_node *n, const char **out,
			     size_t max)
{
	const char *rcpt = r->m->recipient != NULL ? r->m->recipient : "";
	const char *plus = strchr(rcpt, '+'), *at = strrchr(rcpt, '@');
	size_t k = 0, i, len;

	if (rcpt[0] != '\0')
		out[k++] = rcpt;
	if (plus != NULL && at != NULL && plus < at)
		out[k++] = arena_printf(r->a, "%.*s%s", (int)(plus - rcpt), rcpt, at);
	for (i = 0; i < n->o.addresses.n && k < max; i++)
		out[k++] = sieve_expand(r, &n->o.addresses.v[i], &len);
	if (n->o.has_from && k < max) {
		const char *f = sieve_expand(r, &n->o.from, &len);
		struct msg_addr *l;
		if (msg_addr_parse(r->a, f, &l) > 0)
			out[k++] = l[0].addr;
	}
	return k;
}

static int sieve_vac_is_mine(const char *addr, const char *const *mine, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(addr, mine[i]) == 0)
			return 1;
	return 0;
}

/* One of the user's addresses among the visible recipients? */
static int sieve_vac_addressed(struct sieve_run *r, const char *const *mine, size_t n)
{
	static const char *const fields[] = { "To", "Cc", "Bcc", "Resent-To", "Resent-Cc",
					      "Resent-Bcc" };
	const struct msg_header_list *hl;
	size_t i, j, k;

	if (r->m->parsed == NULL)
		return 0;
	hl = &r->m->parsed->headers;
	for (i = 0; i < hl->count; i++)
		for (j = 0; j < N_ELEMENTS(fields); j++) {
			struct msg_addr *l;
			size_t na;
			if (strcasecmp(hl->v[i].name, fields[j]) != 0)
				continue;
			na = msg_addr_parse(r->a, hl->v[i].value, &l);
			for (k = 0; k < na; k++)
				if (sieve_vac_is_mine(l[k].addr, mine, n))
					return 1;
		}
	return 0;
}

/* s, RFC 2047-encoded (UTF-8, base64) when not plain printable ASCII. */
static const char *sieve_vac_encode(struct arena *a, const char *s)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), i, k = 0;
	char *out, *o;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x7f || (unsigned char)s[i] < 0x20)
			break;
	if (i == len)
		return s;
	out = o = arena_alloc(a, 12 + (len + 2) / 3 * 4 + 3);
	memcpy(o, "=?UTF-8?B?", 10);
	o += 10;
	for (i = 0; i < len; i += 3) {
		unsigned int v = (unsigned char)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		o[k++] = b64[(v >> 18) & 63];
		o[k++] = b64[(v >> 12) & 63];
		o[k++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		o[k++] = i + 2 < len ? b64[v & 63] : '=';
	}
	memcpy(o + k, "?=", 3);
	return out;
}

/* Removes CR and LF from a value going into a header line. */
static const char *sieve_vac_oneline(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s), *p;

	for (p = out; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return out;
}

/* A tracking key for (handle, sender): the handle, else a hash of what
   makes this reply (RFC 5230 4.2). */
static const char *sieve_vac_key(struct sieve_run *r, const struct sieve_node *n,
				 const char *reason, const char *subject, const char *from,
				 const char *sender)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[3];
	size_t i, len;
	const char *p;

	if (n->o.has_handle)
		return arena_printf(r->a, "%s:%s", sieve_expand(r, &n->o.handle, &len), sender);
	parts[0] = reason;
	parts[1] = subject != NULL ? subject : "";
	parts[2] = from != NULL ? from : "";
	for (i = 0; i < 3; i++) {
		for (p = parts[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	if (n->o.mime)
		h = (h ^ 'm') * 1099511628211ULL;
	return arena_printf(r->a, "%016llx:%s", h, sender);
}

static const char *sieve_vac_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

/* The whole reply message. */
static const char *sieve_vac_build(struct sieve_run *r, const struct sieve_node *n,
				   const char *from, const char *sender, const char *subject,
				   const char *reason, size_t *len_r)
{
	const char *msgid = sieve_vac_get(r, "Message-ID"), *refs = sieve_vac_get(r, "References");
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	char *out;
	static unsigned int seq;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	msgid = msgid != NULL ? msg_msgid_parse(r->a, msgid) : NULL;
	out = arena_printf(r->a,
			   "From: %s\nTo: <%s>\nSubject: %s\nDate: %s\n"
			   "Message-ID: <vacation.%lld.%d.%u@%s>\n%s%s%s%s%s%s%s"
			   "Auto-Submitted: auto-replied (vacation)\nPrecedence: bulk\n"
			   "X-Auto-Response-Suppress: All\n"
			   "MIME-Version: 1.0\n%s%s",
			   sieve_vac_oneline(r->a, from), sender,
			   sieve_vac_encode(r->a, sieve_vac_oneline(r->a, subject)), date,
			   (long long)now, (int)getpid(), ++seq, sieve_vac_domain(from),
			   msgid != NULL ? "In-Reply-To: " : "", msgid != NULL ? msgid : "",
			   msgid != NULL ? "\n" : "",
			   msgid != NULL ? "References: " : "",
			   msgid != NULL && refs != NULL ? sieve_vac_oneline(r->a, refs) : "",
			   msgid != NULL ? (refs != NULL ? " " : "") : "",
			   msgid != NULL ? arena_strcat(r->a, msgid, "\n", NULL) : "",
			   n->o.mime ? "" : "Content-Type: text/plain; charset=utf-8\n"
					    "Content-Transfer-Encoding: 8bit\n\n",
			   reason);
	*len_r = strlen(out);
	return out;
}

int sieve_cmd_vacation(struct sieve_run *r, const struct sieve_node *n)
{
	const char *mine[32] = {0}, *reason, *subject = NULL, *from = NULL, *sender, *orig;
	struct sieve_action *a;
	size_t nmine, len, rlen;

	if (r->vacation++) {
		sieve_run_error(r, n, "vacation: used more than once");
		return -1;
	}
	sender = r->m->sender != NULL ? r->m->sender : "";
	reason = sieve_expand(r, &n->pos[0].v[0], &rlen);
	if (n->o.has_subject)
		subject = sieve_expand(r, &n->o.subject, &len);
	if (n->o.has_from)
		from = sieve_expand(r, &n->o.from, &len);
	nmine = sieve_vac_mine(r, n, mine, N_ELEMENTS(mine));
	if (sender[0] == '\0' || sieve_vac_robot(sender) || sieve_vac_bulk(r) ||
	    sieve_vac_is_mine(sender, mine, nmine) || !sieve_vac_addressed(r, mine, nmine))
		return 0; /* not an error: the RFC says not to answer these */
	if (from != NULL && !sieve_address_ok(from) && strchr(from, '<') == NULL) {
		sieve_run_error(r, n, "vacation: bad :from address \"%s\"", from);
		return -1;
	}
	if (rlen == 0 || reason[rlen - 1] != '\n')
		reason = arena_strcat(r->a, reason, "\n", NULL);
	if (subject == NULL) {
		orig = sieve_vac_get(r, "Subject");
		subject = arena_strcat(r->a, "Auto: ", orig != NULL ? orig : "", NULL);
	}
	if ((a = sieve_action_add(r, n, SIEVE_ACT_VACATION)) == NULL)
		return -1;
	a->arg = sender;
	a->key = sieve_vac_key(r, n, reason, n->o.has_subject ? subject : NULL, from, sender);
	a->seconds = (long)(n->o.days != 0 ? n->o.days : SIEVE_VACATION_DEFAULT_DAYS) * 86400L;
	a->data = sieve_vac_build(r, n, from != NULL ? from : mine[0] != NULL ? mine[0] : "",
				  sender, subject, reason, &a->len);
	return 0;
}
