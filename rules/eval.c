/*
 * eval.c - the table of built-in eval: functions (SpamAssassin plugin
 * semantics, implemented in eval_*.c), the list of plugins Winnow
 * provides for ifplugin, and helpers the eval files share.
 *
 * Network functions are flagged RULE_EVAL_NET. Those of DNSBL, URIBL,
 * SPF, DKIM and DMARC (eval_net.c) read what the pipeline's network
 * step found; the others (Razor, Pyzor, DCC, HashBL, AskDNS, short URL
 * resolution) have no function: the engine loads their rules as
 * network rules and never runs them, like "spamassassin -L". Local functions not implemented are left out, so
 * their rules are reported as skipped rather than silently never hit.
 *
 * Ownership: the table is static; per-message state in ctx->eval_state.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/eval_fns.h"
#include "rules/eval_int.h"

void **eval_slots(struct rule_ctx *ctx)
{
	if (ctx->eval_state == NULL)
		ctx->eval_state = arena_zalloc(ctx->arena, EVAL_SLOTS * sizeof(void *));
	return ctx->eval_state;
}

const char *eval_arg(const struct rule_eval_args *a, size_t i)
{
	return i < a->argc ? a->argv[i] : NULL;
}

double eval_arg_num(const struct rule_eval_args *a, size_t i, double dflt)
{
	const char *s = eval_arg(a, i);
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtod(s, &end);
	return end == s ? dflt : v;
}

/* Patterns of eval functions. Most are fixed strings used for every
   message: they are compiled once (with JIT) into a process-wide cache
   shared by all threads, once seen in two messages. Patterns built
   from message data (an address quoted into a regex) stay in a
   per-message cache, so the shared one holds at most RE_SHARED_MAX. */
#define RE_SHARED_MAX 4096
#define RE_SHARED_BUCKETS 1024

struct re_shared {
	struct re_shared *next;
	char *pattern;
	unsigned int caseless;
	unsigned int seen;
	pcre2_code *code;   /* set once seen twice; never freed */
};

static struct re_shared *re_tab[RE_SHARED_BUCKETS];
static size_t re_count;
static pthread_mutex_t re_lock = PTHREAD_MUTEX_INITIALIZER;

struct re_entry {
	struct re_entry *next;
	const char *pattern;
	unsigned int caseless;
	pcre2_code *code;
};

static pcre2_code *re_compile(const char *pattern, unsigned int caseless, int jit)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
	int err;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
					 &err, &off, NULL);

	if (code != NULL && jit)
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}

static size_t re_hash(const char *s, unsigned int caseless)
{
	size_t h = 5381 + caseless;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % RE_SHARED_BUCKETS;
}

/* The shared code for pattern, or NULL (not yet seen twice, or full). */
static const pcre2_code *re_shared_get(const char *pattern, unsigned int caseless)
{
	size_t h = re_hash(pattern, caseless);
	struct re_shared *e;
	const pcre2_code *code = NULL;

	pthread_mutex_lock(&re_lock);
	for (e = re_tab[h]; e != NULL; e = e->next)
		if (e->caseless == caseless && strcmp(e->pattern, pattern) == 0)
			break;
	if (e == NULL && re_count < RE_SHARED_MAX) {
		e = xcalloc(1, sizeof(*e));
		e->pattern = xstrdup(pattern);
		e->caseless = caseless;
		e->next = re_tab[h];
		re_tab[h] = e;
		re_count++;
	}
	if (e != NULL && e->code == NULL && ++e->seen >= 2)
		e->code = re_compile(pattern, caseless, 1);
	if (e != NULL)
		code = e->code;
	pthread_mutex_unlock(&re_lock);
	return code;
}

static void re_cleanup(void *p)
{
	struct re_entry *e = p;
	if (e->code != NULL)
		pcre2_code_free(e->code);
}

static void md_cleanup(void *p)
{
	pcre2_match_data_free(p);
}

static const pcre2_code *re_local_get(struct rule_ctx *ctx, const char *pattern,
				      unsigned int caseless)
{
	void **slots = eval_slots(ctx);
	struct re_entry *e;

	for (e = slots[EVAL_SLOT_RE]; e != NULL; e = e->next)
		if (e->caseless == caseless && strcmp(e->pattern, pattern) == 0)
			return e->code;
	e = arena_zalloc(ctx->arena, sizeof(*e));
	e->pattern = arena_strdup(ctx->arena, pattern);
	e->caseless = caseless;
	e->code = re_compile(pattern, caseless, 0);
	arena_add_cleanup(ctx->arena, re_cleanup, e);
	e->next = slots[EVAL_SLOT_RE];
	slots[EVAL_SLOT_RE] = e;
	return e->code;
}

static pcre2_match_data *match_data(struct rule_ctx *ctx)
{
	void **slots = eval_slots(ctx);

	if (slots[EVAL_SLOT_MD] == NULL) {
		slots[EVAL_SLOT_MD] = pcre2_match_data_create(32, NULL);
		arena_add_cleanup(ctx->arena, md_cleanup, slots[EVAL_SLOT_MD]);
	}
	return slots[EVAL_SLOT_MD];
}

int eval_re_match_once(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		       const char *subject, size_t len)
{
	const pcre2_code *code;

	if (subject == NULL || (code = re_local_get(ctx, pattern, caseless)) == NULL)
		return 0;
	return pcre2_match(code, (PCRE2_SPTR)subject, len, 0, 0, match_data(ctx), NULL) >= 0;
}

int eval_re_match(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		  const char *subject, size_t len)
{
	size_t st, en;
	return eval_re_find(ctx, pattern, caseless, subject, len, &st, &en);
}

int eval_re_find(struct rule_ctx *ctx, const char *pattern, unsigned int caseless,
		 const char *subject, size_t len, size_t *start_r, size_t *end_r)
{
	const pcre2_code *code;
	pcre2_match_data *md;
	PCRE2_SIZE *ov;

	if (subject == NULL)
		return 0;
	code = re_shared_get(pattern, caseless);
	if (code == NULL)
		code = re_local_get(ctx, pattern, caseless);
	if (code == NULL)
		return 0;
	md = match_data(ctx);
	if (pcre2_match(code, (PCRE2_SPTR)subject, len, 0, 0, md, NULL) < 0)
		return 0;
	ov = pcre2_get_ovector_pointer(md);
	*start_r = ov[0];
	*end_r = ov[1];
	return 1;
}

void *eval_ruleset_prepare(const struct ruleset *rs, struct arena *a)
{
	struct eval_data *ed = arena_zalloc(a, sizeof(*ed));

	ed->freemail = eval_freemail_prepare(rs, a);
	return ed;
}

/* Network functions: flag only (see the comment at the top). */
#define NET(n) { n, NULL, RULE_EVAL_NET, 0, 8 }
/* network evals Winnow runs: they read the network step's results */
#define NETFN(n, lo, hi) { #n, n, RULE_EVAL_NET, lo, hi }
#define FN(n, lo, hi) { #n, n, 0, lo, hi }

static const struct rule_eval_def table[] = {
	/* Bayes / Check */
	{ "check_bayes", check_bayes, RULE_EVAL_BAYES, 2, 2 },
	FN(check_shortcircuit, 0, 8),

	/* HTMLEval */
	FN(html_test, 1, 1),
	FN(html_range, 2, 3),
	FN(html_eval, 2, 2),
	FN(html_tag_exists, 1, 1),
	FN(html_tag_balance, 2, 2),
	FN(html_image_only, 2, 2),
	FN(html_image_ratio, 2, 2),
	FN(html_text_match, 2, 2),
	FN(html_title_subject_ratio, 1, 1),
	FN(html_charset_faraway, 0, 0),

	/* MIMEEval */
	FN(check_for_mime, 1, 1),
	FN(check_for_mime_html, 0, 0),
	FN(check_for_mime_html_only, 0, 0),
	FN(check_mime_multipart_ratio, 2, 2),
	FN(check_msg_parse_flags, 1, 8),
	FN(check_ma_non_text, 0, 0),
	FN(check_base64_length, 1, 2),
	FN(check_for_faraway_charset, 0, 0),
	FN(check_for_ascii_text_illegal, 0, 0),
	FN(check_abundant_unicode_ratio, 1, 2),
	FN(check_qp_ratio, 1, 1),

	/* HeaderEval */
	FN(check_for_shifted_date, 0, 2),
	FN(check_header_count_range, 3, 3),
	FN(check_illegal_chars, 3, 3),
	FN(check_for_forged_received_trail, 0, 0),
	FN(check_messageid_not_usable, 0, 0),
	FN(check_outlook_message_id, 0, 0),
	FN(check_ratware_name_id, 0, 0),
	FN(check_ratware_envelope_from, 0, 0),
	FN(check_for_to_in_subject, 1, 1),
	FN(subject_is_all_caps, 0, 0),
	FN(check_unresolved_template, 0, 0),
	FN(check_equal_from_domains, 0, 0),
	FN(gated_through_received_hdr_remover, 0, 0),
	FN(check_for_missing_to_header, 0, 0),
	FN(check_for_unique_subject_id, 0, 0),
	FN(check_for_matching_env_and_hdr_from, 0, 0),
	FN(check_for_faraway_charset_in_headers, 0, 0),

	/* BodyEval */
	FN(multipart_alternative_difference, 2, 2),
	FN(multipart_alternative_difference_count, 2, 2),
	FN(check_blank_line_ratio, 2, 3),
	FN(tvd_vertical_words, 2, 2),
	FN(check_body_length, 1, 1),
	FN(check_for_uppercase, 2, 2),

	/* RelayEval */
	FN(check_for_numeric_helo, 0, 0),
	FN(check_for_illegal_ip, 0, 0),
	FN(check_all_trusted, 0, 0),
	FN(check_no_relays, 0, 0),
	FN(check_relays_unparseable, 0, 0),
	FN(helo_ip_mismatch, 0, 0),
	FN(check_for_sender_no_reverse, 0, 0),
	FN(check_for_from_domain_in_received_headers, 2, 2),
	FN(check_for_no_rdns_dotcom_helo, 0, 0),

	/* FreeMail */
	FN(check_freemail_from, 0, 1),
	FN(check_freemail_header, 1, 2),
	FN(check_freemail_replyto, 0, 1),

	/* WLBLEval: lists from the settings; empty lists never hit */
	FN(check_from_in_whitelist, 0, 0),
	FN(check_from_in_welcomelist, 0, 0),
	FN(check_from_in_blacklist, 0, 0),
	FN(check_from_in_blocklist, 0, 0),
	FN(check_to_in_whitelist, 0, 0),
	FN(check_to_in_welcomelist, 0, 0),
	FN(check_to_in_blacklist, 0, 0),
	FN(check_to_in_blocklist, 0, 0),
	FN(check_to_in_all_spam, 0, 0),
	FN(check_to_in_more_spam, 0, 0),
	FN(check_from_in_list, 1, 1),
	FN(check_replyto_in_list, 1, 1),
	FN(check_uri_host_in_whitelist, 0, 0),
	FN(check_uri_host_in_welcomelist, 0, 0),
	FN(check_uri_host_in_blacklist, 0, 0),
	FN(check_uri_host_in_blocklist, 0, 0),
	FN(check_from_in_default_whitelist, 0, 0),
	FN(check_from_in_default_welcomelist, 0, 0),
	FN(check_subject_in_whitelist, 0, 0),
	FN(check_subject_in_welcomelist, 0, 0),
	FN(check_subject_in_blacklist, 0, 0),
	FN(check_subject_in_blocklist, 0, 0),

	/* FromNameSpoof */
	FN(check_fromname_equals_to, 0, 0),
	FN(check_fromname_equals_replyto, 0, 0),

	/* ImageInfo */
	FN(image_count, 2, 4),
	FN(pixel_coverage, 2, 4),
	FN(image_size_exact, 3, 3),
	FN(image_size_range, 3, 5),
	FN(image_to_text_ratio, 3, 3),
	FN(image_named, 1, 1),

	/* HeaderEval: webmail trails (eval_forged.c) */
	FN(check_for_forged_hotmail_received_headers, 0, 0),
	FN(check_for_no_hotmail_received_headers, 0, 0),
	FN(check_for_forged_yahoo_received_headers, 0, 0),

	/* VBounce */
	FN(have_any_bounce_relays, 0, 0),
	FN(check_welcomelist_bounce_relays, 0, 0),
	{ "check_whitelist_bounce_relays", check_welcomelist_bounce_relays, 0, 0, 0 },

	/* Winnow's own */
	FN(wn_link_text_mismatch, 0, 0),
	FN(wn_attachment_name, 1, 1),
	FN(wn_attachment_type_mismatch, 0, 0),
	FN(wn_msg_flag, 1, 1),
	FN(wn_visible_text_len, 1, 2),
	FN(wn_html_only, 0, 0),
	FN(wn_invisible_text_len, 1, 2),
	FN(wn_uri_count, 1, 2),
	FN(wn_from_name_other_domain, 0, 0),

	/* Network: NETFN ones read the network step's results (eval_net.c);
	   NET ones are not provided yet (loaded, never run) */
	NETFN(check_rbl, 2, 3), NETFN(check_rbl_sub, 2, 2), NETFN(check_rbl_txt, 2, 3),
	NET("check_rbl_envfrom"), NET("check_rbl_from_host"), NET("check_rbl_from_domain"),
	NET("check_rbl_ns_from"), NET("check_rbl_rcvd"), NET("check_rbl_headers"),
	NET("check_rbl_url"), NET("check_rbl_accreditor"), NET("check_dns_sender"),
	NETFN(check_uridnsbl, 1, 1), NET("check_uri_host_listed"),
	NETFN(check_dkim_signed, 0, 64), NETFN(check_dkim_valid, 0, 64), NETFN(check_dkim_valid_author_sig, 0, 64),
	NETFN(check_dkim_valid_envelopefrom, 0, 0), NET("check_dkim_testing"),
	NET("check_dkim_adsp"), NET("check_dkim_signsome"), NET("check_dkim_signall"),
	NETFN(check_dkim_dependable, 0, 0), NET("check_for_dkim_whitelist_from"),
	NET("check_for_dkim_welcomelist_from"), NET("check_for_def_dkim_whitelist_from"),
	NET("check_for_def_dkim_welcomelist_from"), NETFN(check_arc_signed, 0, 0),
	NETFN(check_arc_valid, 0, 0),
	NETFN(check_for_spf_pass, 0, 0), NETFN(check_for_spf_neutral, 0, 0), NETFN(check_for_spf_none, 0, 0),
	NETFN(check_for_spf_fail, 0, 0), NETFN(check_for_spf_softfail, 0, 0),
	NETFN(check_for_spf_permerror, 0, 0), NETFN(check_for_spf_temperror, 0, 0),
	NETFN(check_for_spf_helo_pass, 0, 0), NETFN(check_for_spf_helo_neutral, 0, 0),
	NETFN(check_for_spf_helo_none, 0, 0), NETFN(check_for_spf_helo_fail, 0, 0),
	NETFN(check_for_spf_helo_softfail, 0, 0), NETFN(check_for_spf_helo_permerror, 0, 0),
	NETFN(check_for_spf_helo_temperror, 0, 0), NET("check_for_spf_whitelist_from"),
	NET("check_for_spf_welcomelist_from"), NET("check_for_def_spf_whitelist_from"),
	NET("check_for_def_spf_welcomelist_from"),
	NETFN(check_dmarc_pass, 0, 0), NETFN(check_dmarc_reject, 0, 0), NETFN(check_dmarc_quarantine, 0, 0),
	NETFN(check_dmarc_none, 0, 0), NETFN(check_dmarc_missing, 0, 0),
	NET("check_razor2"), NET("check_razor2_range"), NET("check_pyzor"),
	NET("check_dcc"), NET("check_dcc_reputation_range"),
	NET("check_hashbl_emails"), NET("check_hashbl_uris"), NET("check_hashbl_bodyre"),
	NET("check_hashbl_tag"), NET("check_hashbl_attachments"),
	NET("short_url"), NET("short_url_redir"), NET("short_url_200"),
	NET("short_url_404"), NET("short_url_code"), NET("short_url_chained"),
	NET("check_from_in_auto_whitelist"), NET("check_from_in_auto_welcomelist"),
	NET("check_senders_reputation"),
};

const struct rule_eval_def *rule_eval_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* Plugins whose eval functions and directives Winnow implements, and
   the network plugins whose rules load as network rules. Not listed:
   plugins whose rules we cannot run honestly (PDFInfo, OLEVBMacro,
   AntiVirus, TextCat/Languages, Phishing, AccessDB, ...), so their
   ifplugin blocks are skipped as SA skips them when not loaded. */
int rule_plugin_provided(const char *name)
{
	static const char *const provided[] = {
		"Check", "HTMLEval", "MIMEEval", "HeaderEval", "BodyEval", "RelayEval",
		"FreeMail", "WLBLEval", "ImageInfo", "ReplaceTags", "MIMEHeader",
		"URIDetail", "Bayes", "FromNameSpoof", "WelcomeListSubject",
		"WhiteListSubject", "VBounce",
		/* network plugins: rules load, run with network checks */
		"DNSEval", "URIDNSBL", "SPF", "DKIM", "DMARC", "AskDNS", "HashBL",
		"Razor2", "Pyzor", "DCC", "DecodeShortURLs", "AWL", "TxRep",
	};
	const char *p = name;
	size_t i;

	if (strncmp(p, "Mail::SpamAssassin::Plugin::", 28) == 0)
		p += 28;
	for (i = 0; i < N_ELEMENTS(provided); i++)
		if (strcmp(p, provided[i]) == 0)
			return 1;
	return 0;
}

const char *eval_sget(struct rule_ctx *ctx, const char *spec)
{
	const char *const *v;
	size_t n;
	const char *v0;
	size_t l;

	if (strstr(spec, ":addr") == NULL && strstr(spec, ":name") == NULL &&
	    strstr(spec, ":host") == NULL && strstr(spec, ":domain") == NULL &&
	    strstr(spec, ":ip") == NULL && strstr(spec, ":revip") == NULL &&
	    strcmp(spec, "EnvelopeFrom") != 0) {
		const char *j = rule_ctx_get(ctx, spec);
		return j ? j : "";
	}
	n = text_get_list(ctx, spec, &v);
	if (n == 0)
		return "";
	v0 = v[0];
	l = strlen(v0);
	if (l > 0 && v0[l - 1] == '\n')
		return arena_strndup(ctx->arena, v0, l - 1);
	return v0;
}
