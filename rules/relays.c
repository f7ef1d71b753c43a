/*
 * relays.c - the Received chain as SpamAssassin 4 models it
 * (Message/Metadata/Received.pm): each parsable "from" handover becomes
 * a relay; relays are split into trusted/untrusted and
 * internal/external, either from trusted_networks / internal_networks /
 * msa_networks or, when neither is set, by SA's inference (trust ends
 * at the first relay whose client address is public and which did not
 * authenticate). The pseudo-headers X-Spam-Relays-{Trusted,Untrusted,
 * Internal,External}, EnvelopeFrom and ALL-{TRUSTED,...} come from here.
 *
 * Field parsing is lib/msg_received.c; this file only applies SA's
 * skip rules (no "from", "with local", fetchmail/POP3/IMAP handovers,
 * "from X by Y;"), SA's character clean-up and its text format:
 *   [ ip=1.2.3.4 rdns=r helo=h by=b ident= envfrom= intl=0 id=i auth= msa=0 ]
 * When the front-end knows the connecting client (ctx->env), that hop
 * is the newest relay, as a milter's MTA would have recorded it.
 *
 * Ownership: message arena, cached in ctx->eval_state's relay slot.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "rules/eval_int.h"

struct net {
	unsigned char addr[16];
	int family; /* 4 or 6 */
	int bits;
	int neg;
};

struct netset {
	struct arena_vec v; /* struct net */
	int configured;
};


static int parse_ip(const char *s, unsigned char *out, int *family_r)
{
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out) != 1)
			return -1;
		*family_r = 6;
		return 0;
	}
	if (inet_pton(AF_INET, s, out) != 1)
		return -1;
	*family_r = 4;
	return 0;
}

int relays_is_ip(const char *s)
{
	unsigned char b[16];
	int f;

	return s != NULL && parse_ip(s, b, &f) == 0;
}

/* One trusted_networks token: "1.2.3.4", "1.2.3.0/24", "10.", "10.1",
   "2001:db8::/32", "!1.2.3.4", "[1.2.3.4]". */
static int net_parse(const char *tok, struct net *n)
{
	char buf[128];
	char *slash;
	size_t len;

	memset(n, 0, sizeof(*n));
	if (*tok == '!') {
		n->neg = 1;
		tok++;
	}
	len = strlen(tok);
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, tok, len + 1);
	if (buf[0] == '[') {
		char *e = strchr(buf, ']');
		memmove(buf, buf + 1, len);
		if (e != NULL) {
			e--;
			memmove(e, e + 1, strlen(e + 1) + 1);
		}
	}
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (strchr(buf, ':') == NULL) {
		/* IPv4, possibly partial ("10." or "192.168") */
		unsigned int o[4] = { 0, 0, 0, 0 };
		int parts = 0;
		char *p = buf;
		while (*p != '\0' && parts < 4) {
			char *e;
			unsigned long v = strtoul(p, &e, 10);
			if (e == p || v > 255)
				return -1;
			o[parts++] = (unsigned int)v;
			if (*e == '.')
				e++;
			else if (*e != '\0')
				return -1;
			p = e;
		}
		if (parts == 0)
			return -1;
		n->family = 4;
		n->bits = parts * 8;
		n->addr[0] = (unsigned char)o[0];
		n->addr[1] = (unsigned char)o[1];
		n->addr[2] = (unsigned char)o[2];
		n->addr[3] = (unsigned char)o[3];
	} else {
		if (inet_pton(AF_INET6, buf, n->addr) != 1)
			return -1;
		n->family = 6;
		n->bits = 128;
	}
	if (slash != NULL) {
		int b = atoi(slash);
		if (b < 0 || b > (n->family == 4 ? 32 : 128))
			return -1;
		n->bits = b;
	}
	return 0;
}

static int net_contains(const struct net *n, const unsigned char *a, int family)
{
	int full, rest;

	if (n->family != family)
		return 0;
	full = n->bits / 8;
	rest = n->bits % 8;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((n->addr[full] & mask) != (a[full] & mask))
			return 0;
	}
	return 1;
}

static void netset_load(struct rule_ctx *ctx, const char *key, struct netset *ns)
{
	const char *const *vals;
	size_t n = ruleset_setting(ctx->rs, key, &vals), i;

	memset(ns, 0, sizeof(*ns));
	for (i = 0; i < n; i++) {
		char *line = arena_strdup(ctx->arena, vals[i]), *save = NULL, *tok;
		for (tok = strtok_r(line, " \t,", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t,", &save)) {
			struct net net;
			if (net_parse(tok, &net) == 0) {
				*ARENA_VEC_PUSH(ctx->arena, &ns->v, struct net) = net;
				ns->configured = 1;
			}
		}
	}
}

/* SA's NetSet: the first entry (in order) that contains the address
   decides; loopback is always in trusted/internal sets. */
static int netset_contains(const struct netset *ns, const char *ip)
{
	unsigned char a[16];
	int family;
	size_t i;
	const struct net *v = ns->v.v;

	if (ip == NULL || parse_ip(ip, a, &family) != 0)
		return 0;
	for (i = 0; i < ns->v.count; i++)
		if (net_contains(&v[i], a, family))
			return !v[i].neg;
	if (family == 4 && a[0] == 127)
		return 1;
	if (family == 6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)
		return 1;
	return 0;
}

int relays_ip_trusted(struct rule_ctx *ctx, const char *ip)
{
	struct netset trusted, internal;

	netset_load(ctx, "trusted_networks", &trusted);
	if (!trusted.configured) {
		netset_load(ctx, "internal_networks", &internal);
		trusted = internal; /* as classify() does */
	}
	return netset_contains(&trusted, ip);
}

int relays_ip_private(const char *ip)
{
	unsigned char a[16];
	int family;

	if (ip == NULL || parse_ip(ip, a, &family) != 0)
		return 0;
	if (family == 4)
		return a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
		       (a[0] == 172 && a[1] >= 16 && a[1] <= 31) ||
		       (a[0] == 192 && a[1] == 168) ||
		       (a[0] == 100 && a[1] >= 64 && a[1] <= 127);
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)
		return 1;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return a[12] == 10 || a[12] == 127 || (a[12] == 192 && a[13] == 168) ||
		       (a[12] == 172 && a[13] >= 16 && a[13] <= 31);
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] & 0xfe) == 0xfc;
}

/* SA replaces whitespace and #[]()<>| by '!' to flag them. */
static const char *clean(struct arena *a, const char *s)
{
	char *o;
	size_t i;

	if (s == NULL)
		return "";
	o = arena_strdup(a, s);
	for (i = 0; o[i] != '\0'; i++)
		if (strchr(" \t\r\n#[]()<>|", o[i]) != NULL || o[i] == '\0')
			o[i] = '!';
	return o;
}

static const char *clean_rdns(struct arena *a, const char *s)
{
	size_t n;
	char *o;

	if (s == NULL || strcasecmp(s, "unknown") == 0 || s[0] == '[')
		return "";
	o = arena_strdup(a, s);
	n = strlen(o);
	while (n > 0 && o[n - 1] == '.')
		o[--n] = '\0';
	return clean(a, o);
}

static const char *clean_ip(struct arena *a, const char *ip)
{
	const char *p = ip;
	size_t n;

	if (ip == NULL)
		return NULL;
	if (strncasecmp(p, "ipv6:", 5) == 0)
		p += 5;
	n = strcspn(p, "%");
	/* IPv4-mapped IPv6 written as ::ffff:a.b.c.d */
	if (strncasecmp(p, "::ffff:", 7) == 0 && strchr(p + 7, ':') == NULL &&
	    strchr(p + 7, '.') != NULL)
		return arena_strndup(a, p + 7, n - 7);
	return arena_strndup(a, p, n);
}

static const char *with_word(const struct msg_received *r)
{
	return r->with ? r->with : "";
}

/* SA's early "return 0": a handover recorded but not a relay to
   consider. Returns 1 to skip. *fetcher_r set for POP3/IMAP fetches. */
static int skip_line(const char *v, int *fetcher_r)
{
	const char *p = v;

	*fetcher_r = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '(')
		p++;
	if (strncasecmp(p, "from ", 5) != 0)
		return 1;
	if (strstr(v, "with local for") != NULL)
		return 1;
	if (strstr(v, "with POP3") != NULL || strstr(v, "with IMAP") != NULL) {
		*fetcher_r = 1;
		return 1;
	}
	{
		/* "from X by Y;" without an IP literal */
		const char *q = p + 5;
		size_t xl = strcspn(q, " \t");
		const char *by = q + xl;
		while (*by == ' ')
			by++;
		if (strncasecmp(by, "by ", 3) == 0) {
			const char *y = by + 3;
			size_t yl = strcspn(y, " \t;");
			const char *after = y + yl;
			while (*after == ' ')
				after++;
			if (*after == ';' && !(q[0] == '[' && isdigit((unsigned char)q[1])))
				return 1;
		}
	}
	if (strstr(v, " with local ") != NULL || strstr(v, " with local-") != NULL)
		return 1;
	return 0;
}

static void relay_string(struct arena *a, struct relay *r, struct buf *b)
{
	buf_printf(b, "[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s intl=%d id=%s "
		      "auth=%s msa=%d ]",
		   r->ip ? r->ip : "", r->rdns, r->helo, r->by, r->ident, r->envfrom,
		   r->internal, r->id, r->auth, r->msa);
	(void)a;
}

static const char *relays_join(struct arena *a, struct relay *v, size_t from, size_t to,
			       int want_internal, int by_trust)
{
	struct buf b = BUF_INIT;
	size_t i;
	const char *s;

	for (i = from; i < to; i++) {
		int flag = by_trust ? v[i].trusted : v[i].internal;
		if (flag != want_internal)
			continue;
		if (b.len > 0)
			buf_append_char(&b, ' ');
		relay_string(a, &v[i], &b);
	}
	s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* "from [helo-literal] (rdns [ip])": the connecting IP is the one in
   the comment, not the HELO literal. Returns it, or NULL. */
static const char *comment_ip(struct arena *a, const struct msg_received *m)
{
	const char *p, *by, *lb, *rb;

	if (m->raw == NULL || m->from_helo == NULL || m->from_helo[0] != '[')
		return NULL;
	p = strchr(m->raw, '(');
	by = strstr(m->raw, " by ");
	if (p == NULL || (by != NULL && p > by))
		return NULL;
	lb = strchr(p, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (rb == NULL || (by != NULL && rb > by))
		return NULL;
	{
		char *ip = arena_strndup(a, lb + 1, (size_t)(rb - lb - 1));
		if (strncasecmp(ip, "ipv6:", 5) == 0)
			ip += 5;
		return relays_is_ip(ip) ? ip : NULL;
	}
}

static void fill_relay(struct arena *a, struct relay *r, const struct msg_received *m)
{
	const char *cip = comment_ip(a, m);

	r->ip = clean_ip(a, cip ? cip : m->from_ip);
	r->rdns = clean_rdns(a, m->from_rdns);
	r->helo = clean(a, m->from_helo);
	r->by = clean(a, m->by);
	r->ident = "";
	r->id = m->id ? m->id : "";
	if (m->envfrom != NULL) {
		const char *e = m->envfrom;
		size_t n;
		while (*e == '<' || *e == ' ')
			e++;
		n = strlen(e);
		while (n > 0 && (e[n - 1] == '>' || e[n - 1] == ' '))
			n--;
		r->envfrom = clean(a, arena_strndup(a, e, n));
	} else {
		r->envfrom = "";
	}
	r->auth = "";
	if (m->auth != NULL) {
		const char *w = with_word(m);
		/* SA records the "with" token for RFC 3848 auth, else the method */
		r->auth = (w[0] != '\0' && strcasestr(w, "A") != NULL && m->auth == m->with)
				  ? w : "auth";
		if (strncasecmp(m->auth, "authenticated", 13) == 0 ||
		    strstr(m->auth, "uthenticated") != NULL)
			r->auth = "Sendmail";
	}
	r->ip_private = relays_ip_private(r->ip);
	r->rcvd = m;
}

static const char *envelope_from(struct rule_ctx *ctx, struct relay_info *ri)
{
	const char *const *v;
	const char *all;
	const struct relay *hop = NULL;
	size_t n, i;
	static const char *const hdrs[] = { "X-Envelope-From", "Envelope-Sender", "Return-Path" };

	if (ctx->env != NULL && ctx->env->mail_from != NULL) {
		const char *e = ctx->env->mail_from;
		size_t l = strlen(e);
		if (l >= 2 && e[0] == '<' && e[l - 1] == '>')
			return arena_strndup(ctx->arena, e + 1, l - 2);
		return e;
	}
	if (ri->num_trusted < ri->count)
		hop = &ri->v[ri->num_trusted];
	else if (ri->num_trusted > 0)
		hop = &ri->v[ri->num_trusted - 1];
	if (hop != NULL && hop->envfrom != NULL &&
	    (hop->envfrom[0] == '\0' ? hop->rcvd != NULL && hop->rcvd->envfrom != NULL
				     : strchr(hop->envfrom + 1, '@') != NULL))
		return hop->envfrom;
	if (text_get_list(ctx, "X-Sender:first:addr", &v) > 0 && strchr(v[0], '@') != NULL) {
		n = text_get_list(ctx, "Received", &v);
		for (i = 0; i < n; i++)
			if (strstr(v[i], "(fetchmail") != NULL)
				return NULL;
	}
	all = rule_ctx_get(ctx, "ALL");
	for (i = 0; i < N_ELEMENTS(hdrs); i++) {
		char spec[64], pat[64];
		const char *rcv, *h;
		snprintf(spec, sizeof(spec), "%s:first:addr", hdrs[i]);
		if (text_get_list(ctx, spec, &v) == 0)
			continue;
		/* found after a Received field: not trustworthy */
		snprintf(pat, sizeof(pat), "\n%s:", hdrs[i]);
		rcv = all ? strcasestr(all, "Received:") : NULL;
		h = rcv ? strcasestr(rcv, pat) : NULL;
		if (rcv != NULL && (rcv == all || rcv[-1] == '\n') && h != NULL) {
			if (i == 0)
				return NULL;
			continue;
		}
		return v[0];
	}
	return NULL;
}

static void classify(struct rule_ctx *ctx, struct relay_info *ri)
{
	struct netset trusted, internal, msa;
	int in_trusted = 1, in_internal = 1, found_msa = 0, user_trust, user_internal;
	size_t i;

	netset_load(ctx, "trusted_networks", &trusted);
	netset_load(ctx, "internal_networks", &internal);
	netset_load(ctx, "msa_networks", &msa);
	user_trust = trusted.configured;
	user_internal = internal.configured;
	if (!user_trust && user_internal)
		trusted = internal;
	else if (user_trust && !user_internal)
		internal = trusted;

	for (i = 0; i < ri->count; i++) {
		struct relay *r = &ri->v[i];
		if (in_trusted && !found_msa) {
			if (!user_trust && !user_internal) {
				if (!r->ip_private && r->auth[0] == '\0') {
					in_trusted = 0;
					in_internal = 0;
				}
			} else if (r->auth[0] == '\0' && !netset_contains(&trusted, r->ip)) {
				in_trusted = 0;
				in_internal = 0;
			} else {
				if (in_internal && r->auth[0] == '\0' &&
				    !netset_contains(&internal, r->ip))
					in_internal = 0;
				if (netset_contains(&msa, r->ip)) {
					found_msa = 1;
					r->msa = 1;
				}
			}
		}
		r->trusted = in_trusted;
		r->internal = in_internal;
		if (in_trusted)
			ri->num_trusted++;
		if (in_internal)
			ri->num_internal++;
	}
}

/* Lines without a client IP that SpamAssassin's Received parser passes
   over silently (local pickups, list software, webmail): not counted
   as unparseable. Matched as SA does, against the field with "from "
   and the trailing date removed, whitespace collapsed. */
static const char *const ignore_noip[] = {
	"^mail pickup service by \\S+ with Microsoft SMTPSVC$",
	" with BSMTP",
	"^\\S+ \\([^\\s@]+@(?:localhost|127\\.0\\.0\\.1)\\) by \\S+ \\(",
	"^\\S+ \\S+ by \\S+ with local-e?smtp ",
	"^\\S+@\\S+ by \\S+ ",
	"^Unknown/Local \\(",
	"^\\S+ \\((?:\\S+@)?(?:localhost|127\\.0\\.0\\.1)\\) ",
	"^\\(AUTH: \\S+\\) by \\S+ with ",
	"^[^.]+ by \\S+ with Novell_GroupWise",
	"^\\S+ by \\S+ with local",
	"^\\S+ by \\S+ (?:with|via|for|\\()",
	"^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b",
	"\\(LSMTP for",
	"^\\S+ id \\S+$",
	"^\\S+@localhost\\) by \\S+ ",
};

static int ignorable_noip(struct rule_ctx *ctx, const char *raw)
{
	struct buf b = BUF_INIT;
	const char *p = raw, *s;
	size_t i, st, en;
	int hit = 0;

	for (; *p != '\0'; p++) {
		if (isspace((unsigned char)*p)) {
			if (b.len > 0 && buf_cstr(&b)[b.len - 1] != ' ')
				buf_append_char(&b, ' ');
		} else
			buf_append_char(&b, *p);
	}
	s = buf_cstr(&b);
	if (eval_re_find(ctx, "[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+ "
			 "(?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \\d+ "
			 "\\d+:\\d+(?::\\d+)? \\S+ ?$", 0, s, b.len, &st, &en))
		buf_truncate(&b, st);
	s = buf_cstr(&b);
	if (*s == '(')
		s++;
	if (strncasecmp(s, "from ", 5) == 0)
		s += 5;
	for (i = 0; i < N_ELEMENTS(ignore_noip) && !hit; i++)
		hit = eval_re_match(ctx, ignore_noip[i], 0, s, strlen(s));
	buf_free(&b);
	return hit;
}

static struct relay_info *build(struct rule_ctx *ctx)
{
	struct relay_info *ri = arena_zalloc(ctx->arena, sizeof(*ri));
	struct msg_received *rv;
	struct arena_vec vec = { NULL, 0, 0 };
	size_t n = msg_received_parse(ctx->msg, &rv), i;

	ri->num_received = n;
	if (ctx->env != NULL && ctx->env->client_ip != NULL) {
		struct relay *r = ARENA_VEC_PUSH(ctx->arena, &vec, struct relay);
		struct msg_received *m = arena_zalloc(ctx->arena, sizeof(*m));
		m->from_ip = ctx->env->client_ip;
		m->from_rdns = ctx->env->client_rdns;
		m->from_helo = ctx->env->helo;
		m->auth = ctx->env->auth_user;
		m->parsed = 1;
		fill_relay(ctx->arena, r, m);
		if (ctx->env->auth_user != NULL)
			r->auth = "ESMTPA";
		r->hdr_index = (size_t)-1;
	}
	for (i = 0; i < n; i++) {
		int fetcher;
		struct relay *r;
		if (skip_line(rv[i].raw, &fetcher)) {
			if (fetcher) {
				/* SA restarts the parse below a fetch marker while
				   still in the trusted part; we drop what came before */
				vec.count = 0;
			}
			continue;
		}
		if (rv[i].from_ip == NULL && rv[i].from_helo != NULL &&
		    relays_is_ip(rv[i].from_helo)) {
			/* "from 1.2.3.4 by host with HTTP": webmail's client
			   address stands where the HELO name would be */
			rv[i].from_ip = rv[i].from_helo;
			rv[i].from_helo = NULL;
		}
		if (rv[i].from_ip == NULL) {
			if (!ignorable_noip(ctx, rv[i].raw))
				ri->num_unparsed++;
			continue;
		}
		r = ARENA_VEC_PUSH(ctx->arena, &vec, struct relay);
		fill_relay(ctx->arena, r, &rv[i]);
		r->hdr_index = i;
	}
	/* SA: X-Originating-IP and friends become synthetic relays at the
	   bottom of the chain. */
	{
		static const char *const oh[] = { "X-Yahoo-Post-IP", "X-Originating-IP",
						  "X-Apparently-From", "X-SenderIP" };
		size_t k;
		for (k = 0; k < N_ELEMENTS(oh); k++) {
			const char *v = text_header(ctx, oh[k]);
			struct msg_received *m;
			struct relay *r;
			const char *p;
			if (v == NULL)
				continue;
			for (p = v; *p != '\0' && !isdigit((unsigned char)*p); p++)
				;
			if (*p == '\0')
				continue;
			{
				size_t l = strspn(p, "0123456789.");
				char *ip = arena_strndup(ctx->arena, p, l);
				if (!relays_is_ip(ip))
					continue;
				m = arena_zalloc(ctx->arena, sizeof(*m));
				m->from_ip = ip;
				m->from_helo = NULL;
				m->parsed = 1;
				r = ARENA_VEC_PUSH(ctx->arena, &vec, struct relay);
				fill_relay(ctx->arena, r, m);
				r->helo = "";
				r->hdr_index = n;
			}
		}
	}
	ri->v = vec.v;
	ri->count = vec.count;
	classify(ctx, ri);
	ri->str_trusted = relays_join(ctx->arena, ri->v, 0, ri->count, 1, 1);
	ri->str_untrusted = relays_join(ctx->arena, ri->v, 0, ri->count, 0, 1);
	ri->str_internal = relays_join(ctx->arena, ri->v, 0, ri->count, 1, 0);
	ri->str_external = relays_join(ctx->arena, ri->v, 0, ri->count, 0, 0);
	return ri;
}

const struct relay_info *relays_get(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);

	if (slots[EVAL_SLOT_RELAYS] == NULL) {
		struct relay_info *ri = build(ctx);
		slots[EVAL_SLOT_RELAYS] = ri;
		ri->envelope_from = envelope_from(ctx, ri);
	}
	return slots[EVAL_SLOT_RELAYS];
}

/* ALL-TRUSTED and friends (SA's get_all_hdrs_in_rcvd_index_range):
   the fields down to and including the Received field of the first
   untrusted (external) relay, or from that field down. */
static const char *all_range(struct rule_ctx *ctx, const char *which, int raw)
{
	const struct relay_info *ri = relays_get(ctx);
	const struct msg_header_list *l = &ctx->msg->headers;
	int upper = strcmp(which, "ALL-TRUSTED") == 0 || strcmp(which, "ALL-INTERNAL") == 0;
	int by_trust = strcmp(which, "ALL-TRUSTED") == 0 || strcmp(which, "ALL-UNTRUSTED") == 0;
	size_t nrel = by_trust ? ri->num_trusted : ri->num_internal, i;
	long cut = (long)ri->num_received, ridx = -1;
	struct buf b = BUF_INIT;
	const char *s;

	if (nrel < ri->count)
		cut = ri->v[nrel].hdr_index == (size_t)-1 ? 0 : (long)ri->v[nrel].hdr_index;
	for (i = 0; i < l->count; i++) {
		const struct msg_header *h = &l->v[i];
		if (strcasecmp(h->name, "Received") == 0)
			ridx++;
		if (upper ? ridx > cut : ridx < cut)
			continue;
		buf_append_str(&b, h->name);
		if (raw) {
			buf_append_char(&b, ':');
			buf_append(&b, h->raw, h->raw_len);
		} else {
			buf_append(&b, ": ", 2);
			buf_append_str(&b, text_header_at(ctx, i));
		}
		buf_append_char(&b, '\n');
	}
	s = b.len ? arena_strdup(ctx->arena, buf_cstr(&b)) : NULL;
	buf_free(&b);
	return s;
}

const char *rule_pseudo_header(struct rule_ctx *ctx, const char *name, int *is_pseudo_r)
{
	const struct relay_info *ri;

	*is_pseudo_r = 1;
	if (strncmp(name, "ALL-", 4) == 0) {
		const char *colon = strchr(name, ':');
		char *base = arena_strndup(ctx->arena, name,
					   colon ? (size_t)(colon - name) : strlen(name));
		return all_range(ctx, base, colon != NULL && strcmp(colon, ":raw") == 0);
	}
	if (strcasecmp(name, "EnvelopeFrom") == 0)
		return relays_get(ctx)->envelope_from;
	if (strncasecmp(name, "X-Spam-Relays-", 14) != 0) {
		*is_pseudo_r = 0;
		return NULL;
	}
	ri = relays_get(ctx);
	if (strcasecmp(name + 14, "Trusted") == 0)
		return ri->str_trusted;
	if (strcasecmp(name + 14, "Untrusted") == 0)
		return ri->str_untrusted;
	if (strcasecmp(name + 14, "Internal") == 0)
		return ri->str_internal;
	if (strcasecmp(name + 14, "External") == 0)
		return ri->str_external;
	*is_pseudo_r = 0;
	return NULL;
}
