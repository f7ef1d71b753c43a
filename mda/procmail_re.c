/*
 * procmail_re.c - procmail's egrep-style regexes, translated to PCRE2.
 *
 * procmail's dialect (procmailrc(5), "Extended regular expressions"):
 * ^ and $ per line ($ matching the newline itself), `.` and `[^...]`
 * never match a newline, no {n,m}
 * (braces are literal), a backslash before any character makes it
 * literal (so \d is "d", not a digit), ^^ anchors at the very start or
 * end of the search area, \< and \> match one non-word character (or a
 * newline, or the area's edge), \/ splits the regex: the text matching
 * the right part becomes $MATCH, the left part matching as short as
 * possible. The macros ^TO_, ^TO, ^FROM_DAEMON and ^FROM_MAILER expand
 * to the documented regexes first. Matching is bounded by PCRE2 match
 * and depth limits so a pathological regex fails instead of hanging.
 */
#include "mda/procmail_int.h"

#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/wn.h"

/* The expansions procmailrc(5) documents for its macros. */
static const struct {
	const char *name, *expansion;
} pm_macros[] = {
	{ "^TO_", "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
		  "(.*[^-a-zA-Z0-9_.])?)" },
	{ "^TO", "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
		 "(.*[^a-zA-Z])?)" },
	{ "^FROM_DAEMON",
	  "(^(Mailing-List:|Precedence:.*(junk|bulk|list)|To: Multiple recipients of |"
	  "(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?("
	  "Post(ma?(st(e?r)?|n)|office)|(send)?Mail(er)?|daemon|m(mdf|ajordomo)|n?uucp|"
	  "LIST(SERV|proc)|NETSERV|o(wner|ps)|r(e(quest|sponse)|oot)|b(ounce|bs\\.smtp)|"
	  "echo|mirror|s(erv(ices?|er)|mtp(error)?|ystem)|A(dmin(istrator)?|MMGR|utoanswer))"
	  "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$)))" },
	{ "^FROM_MAILER",
	  "(^(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?("
	  "Post(ma(st(er)?|n)|office)|(send)?Mail(er)?|daemon|mmdf|n?uucp|ops|"
	  "r(esponse|oot)|(bbs\\.)?smtp(error)?|s(erv(ices?|er)|ystem)|A(dmin(istrator)?|MMGR))"
	  "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$))" },
};

/* pat with the macros expanded (an escaped ^ is left alone). */
static char *pm_re_macros(struct arena *a, const char *pat)
{
	struct buf b = BUF_INIT;
	const char *p = pat;
	char *out;
	size_t i;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			buf_append(&b, p, 2);
			p += 2;
			continue;
		}
		for (i = 0; i < N_ELEMENTS(pm_macros); i++) {
			size_t n = strlen(pm_macros[i].name);
			if (strncmp(p, pm_macros[i].name, n) == 0)
				break;
		}
		if (i < N_ELEMENTS(pm_macros)) {
			buf_append_str(&b, pm_macros[i].expansion);
			p += strlen(pm_macros[i].name);
		} else {
			buf_append(&b, p++, 1);
		}
	}
	out = arena_strndup(a, b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

/* One literal byte, escaped for PCRE2. */
static void pm_re_lit(struct buf *b, unsigned char c)
{
	char tmp[8];

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == ' ' || c == '_' || c == ',' || c == ':' || c == '@' || c == '=' ||
	    c == '<' || c == '>' || c == '\'' || c == '"' || c == '/' || c == '%' || c == '!' ||
	    c == ';' || c == '&' || c == '~' || c == '`')
		buf_append(b, (const char *)&c, 1);
	else {
		snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		buf_append_str(b, tmp);
	}
}

/* A bracket expression starting at *pp (just after '['). procmail's
   negated classes never match a newline; a backslash quotes the next
   character; "[]" matches nothing and "[^]" anything. */
static int pm_re_class(struct buf *b, const char **pp)
{
	const char *p = *pp;
	int neg = 0, start;

	if (*p == '^') {
		neg = 1;
		p++;
	}
	if (*p == ']') {
		buf_append_str(b, neg ? "[\\s\\S]" : "(?!)");
		*pp = p + 1;
		return 0;
	}
	buf_append_str(b, neg ? "[^\\n" : "[");
	for (start = 1; *p != ']'; start = 0) {
		if (*p == '\0')
			return -1;
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (*p == '-' && p[1] != ']' && !start)
			buf_append_str(b, "-");
		else
			pm_re_lit(b, (unsigned char)*p);
		p++;
	}
	buf_append_str(b, "]");
	*pp = p + 1;
	return 0;
}

/* A run of quantifiers at *pp, collapsed as egrep would read it
   ("a+?" is (a+)? = a*), lazy on the left of \/ so the left part matches
   as short as possible. */
static void pm_re_quant(struct buf *b, const char **pp, int lazy)
{
	const char *p = *pp;
	int plus = 0, quest = 0, star = 0;

	for (; *p == '*' || *p == '+' || *p == '?'; p++) {
		if (*p == '*')
			star = 1;
		else if (*p == '+')
			plus = 1;
		else
			quest = 1;
	}
	if (star || (plus && quest))
		buf_append_str(b, "*");
	else
		buf_append_str(b, plus ? "+" : "?");
	if (lazy)
		buf_append_str(b, "?");
	*pp = p;
}

/* The translation proper. -1 with a static message. */
static int pm_re_translate(struct buf *b, const char *pat, int *has_match_r, const char **err_r)
{
	const char *p = pat;
	int depth = 0, split = 0, can_quant = 0, first = 1;

	*has_match_r = 0;
	/* procmail's \/ is searched before anything else: only then do we
	   know the left part must be lazy */
	for (p = pat; *p != '\0'; p++) {
		if (*p == '\\' && p[1] == '/') {
			split = 1;
			break;
		}
		if (*p == '\\' && p[1] != '\0')
			p++;
	}
	p = pat;
	while (*p != '\0') {
		int quant_ok = 1;
		if (p[0] == '^' && p[1] == '^') {
			buf_append_str(b, first ? "\\A" : (p[2] == '\0' ? "\\z" : "^"));
			p += 2;
			quant_ok = 0;
		} else if (*p == '\\' && p[1] == '/') {
			if (depth > 0 || *has_match_r) {
				*err_r = "\\/ inside parentheses or twice is not supported";
				return -1;
			}
			buf_append_str(b, "(");
			*has_match_r = 1;
			p += 2;
			quant_ok = 0;
		} else if (*p == '\\' && (p[1] == '<' || p[1] == '>')) {
			buf_append_str(b, "(?:[^a-zA-Z0-9_]|\\A|\\z)");
			p += 2;
		} else if (*p == '\\') {
			pm_re_lit(b, (unsigned char)(p[1] != '\0' ? p[1] : '\\'));
			p += p[1] != '\0' ? 2 : 1;
		} else if (*p == '[') {
			p++;
			if (pm_re_class(b, &p) < 0) {
				*err_r = "unterminated [";
				return -1;
			}
		} else if (*p == '*' || *p == '+' || *p == '?') {
			if (can_quant) {
				pm_re_quant(b, &p, split && !*has_match_r);
				quant_ok = 0;
			} else {
				pm_re_lit(b, (unsigned char)*p++);
			}
		} else if (*p == '(') {
			depth++;
			buf_append_str(b, "(?:");
			p++;
			quant_ok = 0;
		} else if (*p == ')') {
			if (depth == 0) {
				*err_r = "unmatched )";
				return -1;
			}
			depth--;
			buf_append_str(b, ")");
			p++;
		} else if (*p == '|') {
			buf_append_str(b, "|");
			p++;
			quant_ok = 0;
		} else if (*p == '$') {
			/* procmail's $ matches the newline itself, so "$^^"
			   and "(.|$)*" reach past it */
			buf_append_str(b, "(?:\\n|\\z)");
			p++;
		} else if (*p == '^' || *p == '.') {
			buf_append(b, p, 1);
			quant_ok = *p == '.';
			p++;
		} else {
			pm_re_lit(b, (unsigned char)*p++);
		}
		can_quant = quant_ok;
		first = 0;
	}
	if (depth > 0) {
		*err_r = "unmatched (";
		return -1;
	}
	if (*has_match_r)
		buf_append_str(b, ")");
	return 0;
}

static void pm_re_code_free(void *ctx)
{
	pcre2_code_free(ctx);
}

pcre2_code *pm_re_compile(struct arena *a, const char *pat, int caseless, int *has_match_r,
			  char **err_r)
{
	pcre2_compile_context *cctx;
	pcre2_code *re;
	const char *msg = NULL;
	struct buf b = BUF_INIT;
	int ec;
	PCRE2_SIZE off;
	char tmp[256];

	if (pm_re_translate(&b, pm_re_macros(a, pat), has_match_r, &msg) < 0) {
		buf_free(&b);
		*err_r = xstrdup(msg);
		return NULL;
	}
	log_debug("procmail", "regex %s -> %s", pat, b.data != NULL ? b.data : "");
	cctx = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
	re = pcre2_compile((PCRE2_SPTR)(b.data != NULL ? b.data : ""), b.len,
			   PCRE2_MULTILINE | (caseless ? PCRE2_CASELESS : 0), &ec, &off, cctx);
	pcre2_compile_context_free(cctx);
	buf_free(&b);
	if (re == NULL) {
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)tmp, sizeof(tmp));
		*err_r = xstrdup(tmp);
		return NULL;
	}
	arena_add_cleanup(a, pm_re_code_free, re);
	return re;
}

int pm_re_match(const pcre2_code *re, const char *s, size_t len, int want_match,
		const char **match_r, size_t *match_len_r, const char **err_r)
{
	pcre2_match_context *mctx = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc, ret;

	pcre2_set_match_limit(mctx, PM_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, PM_DEPTH_LIMIT);
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mctx);
	if (rc >= 0) {
		ret = 1;
		if (want_match) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			if (rc >= 2 && ov[2] != PCRE2_UNSET) {
				*match_r = s + ov[2];
				*match_len_r = ov[3] - ov[2];
			} else {
				*match_r = NULL;
				*match_len_r = 0;
			}
		}
	} else if (rc == PCRE2_ERROR_NOMATCH) {
		ret = 0;
	} else {
		ret = -1;
		*err_r = rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
				 rc == PCRE2_ERROR_HEAPLIMIT
			 ? "regex over its match limit (pathological backtracking)"
			 : "regex match failed";
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mctx);
	return ret;
}
