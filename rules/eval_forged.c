/*
 * eval_forged.c - HeaderEval's checks for mail claiming a big webmail
 * provider (Hotmail, Yahoo!) without the Received trail that provider
 * leaves: check_for_forged_hotmail_received_headers,
 * check_for_no_hotmail_received_headers,
 * check_for_forged_yahoo_received_headers. The known genuine trails
 * are SpamAssassin's (HeaderEval.pm), matched the same way: against
 * every Received field joined, whitespace collapsed.
 *
 * Ownership: arena scratch only.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "lib/buf.h"
#include "rules/eval_fns.h"
#include "rules/eval_int.h"

#define IPV4 "(?:\\d{1,3}\\.){3}\\d{1,3}"
#define IPADDR "(?:" IPV4 "|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)"

static const char *collapsed(struct rule_ctx *ctx, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s)) {
			if (b.len == 0 || buf_cstr(&b)[b.len - 1] != ' ')
				buf_append_char(&b, ' ');
		} else
			buf_append_char(&b, *s);
	}
	out = arena_strndup(ctx->arena, buf_cstr(&b), b.len);
	buf_free(&b);
	return out;
}

static int re(struct rule_ctx *ctx, const char *pattern, const char *s)
{
	return eval_re_match(ctx, pattern, 0, s, strlen(s));
}

static int msn_groups(struct rule_ctx *ctx)
{
	const char *to = eval_sget(ctx, "To"), *rcvd = eval_sget(ctx, "Received");
	const char *mid = eval_sget(ctx, "Message-Id");
	size_t st, en, ls, le;
	char *list, *server;

	if (!eval_re_find(ctx, "<(\\S+)\\@groups\\.msn\\.com>", 1, to, strlen(to), &st, &en))
		return 0;
	list = arena_strndup(ctx->arena, to + st + 1, en - st - 1 - strlen("@groups.msn.com>"));
	if (!eval_re_find(ctx, "from mail pickup service by (?:p\\d\\d\\.)groups\\.msn\\.com\\b", 0,
			  rcvd, strlen(rcvd), &ls, &le))
		return 0;
	server = arena_strndup(ctx->arena, rcvd + ls + 29, le - ls - 29);
	if (strcmp(list, "notifications") == 0)
		return strncmp(mid, "<", 1) == 0 && strstr(mid, arena_printf(ctx->arena, "@%s>", server));
	return strncmp(mid, arena_printf(ctx->arena, "<%s-", list), strlen(list) + 2) == 0 &&
	       strstr(mid, "@groups.msn.com>") != NULL &&
	       strstr(eval_sget(ctx, "EnvelopeFrom:addr"),
		      arena_printf(ctx->arena, "%s-bounce@groups.msn.com", list)) != NULL;
}

/* 0: nothing, 1: HELO'd as hotmail without being it, 2: From hotmail.com
   without a Hotmail trail. */
static int hotmail_state_uncached(struct rule_ctx *ctx)
{
	const char *raw = eval_sget(ctx, "Received"), *from = eval_sget(ctx, "From:addr");
	const char *rcvd, *ipv;
	const char *org;
	int ip, orig;

	/* only "hotmail.com" in the trail (1) or the From address (2) can
	   give a state; without either, skip the regexes */
	if (strstr(raw, "hotmail.com") == NULL && strcasestr(from, "hotmail.com") == NULL)
		return 0;
	rcvd = collapsed(ctx, raw);
	ipv = rule_ctx_get(ctx, "X-Originating-Ip");
	org = rule_ctx_get(ctx, "X-OriginatorOrg");
	ip = ipv != NULL && re(ctx, IPV4, ipv);
	orig = org != NULL && re(ctx, "hotmail\\.com|msonline\\-outlook", org);

	if (re(ctx, "from mail pickup service by hotmail\\.com with Microsoft SMTPSVC;", rcvd) ||
	    msn_groups(ctx) || gated_through_received_hdr_remover(ctx, NULL))
		return 0;
	if ((ip && re(ctx, "from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?\\.com[ \\)]", rcvd)) ||
	    (orig && re(ctx, "from \\S*\\.outbound\\.protection\\.outlook\\.com \\(\\S+\\.outbound\\.protection\\.outlook\\.com[ \\)]", rcvd)) ||
	    (orig && re(ctx, "from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" IPADDR "\\)", rcvd)) ||
	    (ip && re(ctx, "from \\S*\\.hotmail.com \\(\\[" IPADDR "\\][ \\):]", rcvd)) ||
	    (ip && re(ctx, "from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP\\;", rcvd)) ||
	    (ip && re(ctx, "from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com", rcvd)))
		return 0;
	if (re(ctx, "(?:from |HELO |helo=)\\S*hotmail\\.com\\b", rcvd))
		return 1;
	return eval_re_match(ctx, "\\bhotmail\\.com$", 1, from, strlen(from)) ? 2 : 0;
}

/* Both hotmail tests read the same state: worked out once per message. */
static int hotmail_state(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);
	int *st = slots[EVAL_SLOT_HOTMAIL];

	if (st == NULL) {
		st = arena_alloc(ctx->arena, sizeof(*st));
		*st = hotmail_state_uncached(ctx);
		slots[EVAL_SLOT_HOTMAIL] = st;
	}
	return *st;
}

EVAL_FN(check_for_forged_hotmail_received_headers)
{
	(void)a;
	return hotmail_state(ctx) == 1;
}

EVAL_FN(check_for_no_hotmail_received_headers)
{
	(void)a;
	return hotmail_state(ctx) == 2;
}

EVAL_FN(check_for_forged_yahoo_received_headers)
{
	const char *from = eval_sget(ctx, "From:addr"), *rcvd = eval_sget(ctx, "Received");
	const struct relay_info *ri;

	(void)a;
	if (!eval_re_match(ctx, "\\byahoo\\.com$", 1, from, strlen(from)))
		return 0;
	if (eval_sget(ctx, "Resent-From")[0] != '\0' && eval_sget(ctx, "Resent-To")[0] != '\0' &&
	    eval_sget(ctx, "X-Received")[0] != '\0')
		rcvd = eval_sget(ctx, "X-Received");
	rcvd = collapsed(ctx, rcvd);
	if (gated_through_received_hdr_remover(ctx, NULL))
		return 0;
	ri = relays_get(ctx);
	if (re(ctx, " rdns=\\S+\\.yahoo\\.com ", ri->str_trusted) ||
	    re(ctx, "^[^\\]]+ rdns=\\S+\\.yahoo\\.com ", ri->str_untrusted))
		return 0;
	if (re(ctx, "by web\\S+\\.mail\\S*\\.yahoo\\.com via HTTP", rcvd) ||
	    re(ctx, "by sonic\\S+\\.consmr\\.mail\\S*\\.yahoo\\.com with HTTP", rcvd) ||
	    re(ctx, "by smtp\\S+\\.yahoo\\.com with SMTP", rcvd) ||
	    re(ctx, "from \\[" IPADDR "\\] by \\S+\\.(?:groups|scd|dcn)\\.yahoo\\.com with NNFMP", rcvd))
		return 0;
	if (re(ctx, "\\bmailer\\d+\\.bulk\\.scd\\.yahoo\\.com\\b", rcvd) &&
	    eval_re_match(ctx, "\\@reply\\.yahoo\\.com$", 1, from, strlen(from)))
		return 0;
	return !re(ctx, "by \\w+\\.\\w+\\.yahoo\\.com \\(\\d+\\.\\d+\\.\\d+/\\d+\\.\\d+\\.\\d+\\)(?: with ESMTP)? id \\w+", rcvd);
}
