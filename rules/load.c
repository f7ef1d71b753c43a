/*
 * load.c - reading .cf files: lines, comments, ifplugin/if/else/endif,
 * include, lang, ReplaceTags settings, required_score and every other
 * setting (kept by key for the checks that read them); also the
 * ruleset object and its accessors.
 *
 * SpamAssassin semantics (Conf::Parser): a '#' not preceded by a
 * backslash starts a comment, "\#" is a literal '#'; keys are case
 * insensitive; a directory is loaded as its *.pre then *.cf files in
 * name order; include paths are relative to the including file.
 * Rules inside a block for a plugin we do not provide are recorded as
 * defined but skipped ("plugin X not provided"); rules inside any other
 * false conditional are ignored, as SpamAssassin never sees them.
 *
 * Limits: WN_CFG_MAX_LINE per line, WN_RULE_MAX_INCLUDE_DEPTH includes,
 * conditionals nested at most COND_MAX_DEPTH deep.
 * Ownership: everything in the ruleset arena.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lib/limits.h"
#include "rules/rule_int.h"

#define COND_MAX_DEPTH 64

/* ---- ruleset object ---- */

static void rs_cleanup(void *p)
{
	struct ruleset *rs = p;
	struct rule **v = rs->rules.v;
	size_t i, k;

	for (i = 0; i < rs->rules.count; i++) {
		if (v[i]->code != NULL)
			pcre2_code_free(v[i]->code);
		if (v[i]->pre != NULL)
			pcre2_code_free(v[i]->pre);
		for (k = 0; k < v[i]->nud; k++)
			if (v[i]->ud[k].code != NULL)
				pcre2_code_free(v[i]->ud[k].code);
	}
	if (rs->mctx_proto != NULL)
		pcre2_match_context_free(rs->mctx_proto);
}

struct ruleset *ruleset_new(void)
{
	struct arena *a = arena_new(256 * 1024);
	struct ruleset *rs = arena_zalloc(a, sizeof(*rs));

	rs->arena = a;
	rs->required_score = 5.0;
	rs->replace_start = "<";
	rs->replace_end = ">";
	rs->tab_size = 8192;
	rs->tab = arena_zalloc(a, rs->tab_size * sizeof(*rs->tab));
	arena_add_cleanup(a, rs_cleanup, rs);
	return rs;
}

void ruleset_free(struct ruleset **rsp)
{
	struct arena *a;

	if (*rsp == NULL)
		return;
	a = (*rsp)->arena;
	arena_free(&a);
	*rsp = NULL;
}

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void tab_grow(struct ruleset *rs)
{
	struct rule **v = rs->rules.v;
	size_t i;

	rs->tab_size *= 2;
	rs->tab = arena_zalloc(rs->arena, rs->tab_size * sizeof(*rs->tab));
	for (i = 0; i < rs->rules.count; i++) {
		size_t h = name_hash(v[i]->name) & (rs->tab_size - 1);
		while (rs->tab[h] != NULL)
			h = (h + 1) & (rs->tab_size - 1);
		rs->tab[h] = v[i];
	}
}

struct rule *rs_rule(struct ruleset *rs, const char *name, int create)
{
	size_t h = name_hash(name) & (rs->tab_size - 1);
	struct rule *r;

	while (rs->tab[h] != NULL) {
		if (strcmp(rs->tab[h]->name, name) == 0)
			return rs->tab[h];
		h = (h + 1) & (rs->tab_size - 1);
	}
	if (!create)
		return NULL;
	r = arena_zalloc(rs->arena, sizeof(*r));
	r->name = arena_strdup(rs->arena, name);
	r->idx = (unsigned int)rs->rules.count;
	*ARENA_VEC_PUSH(rs->arena, &rs->rules, struct rule *) = r;
	rs->tab[h] = r;
	if (rs->rules.count * 2 > rs->tab_size)
		tab_grow(rs);
	return r;
}

void rs_lint(struct ruleset *rs, const char *file, unsigned int line, const char *rule,
	     enum rule_lint_severity sev, const char *fmt, ...)
{
	struct rule_lint *l = ARENA_VEC_PUSH(rs->arena, &rs->lint, struct rule_lint);
	va_list ap;

	va_start(ap, fmt);
	l->reason = arena_vprintf(rs->arena, fmt, ap);
	va_end(ap);
	l->file = file;
	l->line = line;
	l->rule = rule;
	l->severity = sev;
}

static struct rule_setting *setting_find(const struct ruleset *rs, const char *key)
{
	struct rule_setting *v = rs->settings.v;
	size_t i;

	if (rs->stab != NULL) {
		/* compiled: the settings no longer change, look them up */
		size_t h = name_hash(key) & (rs->stab_size - 1);
		for (; rs->stab[h] != 0; h = (h + 1) & (rs->stab_size - 1))
			if (strcmp(v[rs->stab[h] - 1].key, key) == 0)
				return &v[rs->stab[h] - 1];
		return NULL;
	}
	for (i = 0; i < rs->settings.count; i++)
		if (strcmp(v[i].key, key) == 0)
			return &v[i];
	return NULL;
}

void rs_settings_index(struct ruleset *rs)
{
	struct rule_setting *v = rs->settings.v;
	size_t i, size = 16;

	while (size < rs->settings.count * 2)
		size *= 2;
	rs->stab = arena_zalloc(rs->arena, size * sizeof(*rs->stab));
	rs->stab_size = size;
	for (i = 0; i < rs->settings.count; i++) {
		size_t h = name_hash(v[i].key) & (size - 1);
		while (rs->stab[h] != 0)
			h = (h + 1) & (size - 1);
		rs->stab[h] = (uint32_t)(i + 1);
	}
}

void rs_setting_add(struct ruleset *rs, const char *key, const char *value)
{
	struct rule_setting *s = setting_find(rs, key);

	if (s == NULL) {
		s = ARENA_VEC_PUSH(rs->arena, &rs->settings, struct rule_setting);
		s->key = arena_strdup(rs->arena, key);
		rs->stab = NULL; /* a new key: the index is stale */
	}
	*ARENA_VEC_PUSH(rs->arena, &s->vals, const char *) = arena_strdup(rs->arena, value);
}

size_t ruleset_setting(const struct ruleset *rs, const char *key, const char *const **values_r)
{
	const struct rule_setting *s = rs != NULL ? setting_find(rs, key) : NULL;

	if (s == NULL) {
		*values_r = NULL;
		return 0;
	}
	*values_r = s->vals.v;
	return s->vals.count;
}

double ruleset_required_score(const struct ruleset *rs)
{
	return rs->required_score;
}

void ruleset_set_required_score(struct ruleset *rs, double score)
{
	rs->required_score = score;
}

void ruleset_set_score_set(struct ruleset *rs, unsigned int set)
{
	rs->score_set = set & 3;
}

size_t ruleset_lint(const struct ruleset *rs, const struct rule_lint **v_r)
{
	*v_r = rs->lint.v;
	return rs->lint.count;
}

void ruleset_stats(const struct ruleset *rs, struct rule_stats *st)
{
	struct rule **v = rs->rules.v;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < rs->rules.count; i++) {
		const struct rule *r = v[i];
		if (!r->has_def && !r->mentioned_skip)
			continue;
		st->defined[r->type]++;
		if (!r->loaded)
			continue;
		st->loaded[r->type]++;
		if (r->net)
			st->net++;
		if (r->score[rs->score_set] != 0)
			st->scored++;
	}
}

int ruleset_rule_info(const struct ruleset *rs, const char *name, double *score_r,
		      const char **description_r)
{
	const struct rule *r = rs_rule((struct ruleset *)rs, name, 0);

	if (r == NULL || (!r->has_def && !r->mentioned_skip))
		return -1;
	*score_r = r->score[rs->score_set];
	*description_r = r->desc;
	return 0;
}

/* ---- conditionals ---- */

enum cond_state { C_ACTIVE, C_PLUGIN, C_IGNORE };

struct cond {
	enum cond_state state; /* of this block's current branch */
	enum cond_state else_state;
	const char *reason;
	unsigned int line;
};

struct load {
	struct ruleset *rs;
	const char *stack[WN_RULE_MAX_INCLUDE_DEPTH + 1]; /* real paths being read */
	unsigned int depth;
	const char **err_r;
};

/* Features of Mail::SpamAssassin::Conf that can() answers true for:
   the ones SpamAssassin 4.0 declares, which we implement or which only
   select newer rule syntax we parse. compat_* stays false, as in SA
   without enable_compat. */
static int conf_feature(const char *name)
{
	static const char *const f[] = {
		"feature_originating_ip_headers", "feature_dns_local_ports_permit_avoid",
		"feature_bayes_auto_learn_on_error", "feature_uri_host_listed",
		"feature_yesno_takes_args", "feature_bug6558_free", "feature_edns",
		"feature_dns_query_restriction", "feature_registryboundaries",
		"feature_geodb", "feature_dns_block_rule", "feature_compile_regexp",
		"feature_meta_rules_matching", "feature_subjprefix", "feature_bayes_stopwords",
		"feature_get_host", "feature_blocklist_welcomelist",
		"feature_welcomelist_blocklist", "feature_header_address_parser",
		"feature_local_tests_only", "feature_header_first_last",
		"feature_header_match_many", "feature_capture_rules", "has_tflags_nosubject",
		"perl_min_version_5010000",
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(name, f[i]) == 0)
			return 1;
	return 0;
}

/* can(Module::method) / has(...): Conf features, or a plugin's has_X
   where X is one of its eval functions that we provide. */
static int can_method(const char *full)
{
	const char *m = strrchr(full, ':');
	char mod[256];
	size_t n;

	if (m == NULL || m == full || m[-1] != ':')
		return 0;
	n = (size_t)(m - 1 - full);
	if (n >= sizeof(mod))
		return 0;
	memcpy(mod, full, n);
	mod[n] = '\0';
	m++;
	if (strcmp(mod, "Mail::SpamAssassin::Conf") == 0)
		return conf_feature(m);
	if (strncmp(mod, "Mail::SpamAssassin::Plugin::", 28) == 0 && rule_plugin_provided(mod) &&
	    strncmp(m, "has_", 4) == 0) {
		const struct rule_eval_def *d = rule_eval_lookup(m + 4);
		return d != NULL;
	}
	return 0;
}

struct ifx {
	const char *p;
	int err;
	int depth;
	const char *missing_plugin;
};

static void ifx_ws(struct ifx *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

static double ifx_or(struct ifx *x);

/* Reads a Perl class name Foo::Bar after '(' */
static int ifx_name(struct ifx *x, char *buf, size_t size)
{
	size_t n = 0;

	ifx_ws(x);
	if (*x->p != '(') {
		x->err = 1;
		return -1;
	}
	x->p++;
	ifx_ws(x);
	while (isalnum((unsigned char)*x->p) || *x->p == '_' || *x->p == ':') {
		if (n + 1 < size)
			buf[n++] = *x->p;
		x->p++;
	}
	buf[n] = '\0';
	ifx_ws(x);
	if (*x->p != ')' || n == 0) {
		x->err = 1;
		return -1;
	}
	x->p++;
	return 0;
}

static double ifx_primary(struct ifx *x)
{
	char word[256];
	size_t n = 0;

	ifx_ws(x);
	if (++x->depth > 64) {
		x->err = 1;
		return 0;
	}
	if (*x->p == '(') {
		double v;
		x->p++;
		v = ifx_or(x);
		ifx_ws(x);
		if (*x->p != ')')
			x->err = 1;
		else
			x->p++;
		x->depth--;
		return v;
	}
	if (*x->p == '!') {
		double v;
		x->p++;
		v = ifx_primary(x);
		x->depth--;
		return v != 0 ? 0 : 1;
	}
	if (isdigit((unsigned char)*x->p) || *x->p == '.') {
		char *end;
		double v = strtod(x->p, &end);
		x->p = end;
		x->depth--;
		return v;
	}
	while (isalnum((unsigned char)*x->p) || *x->p == '_') {
		if (n + 1 < sizeof(word))
			word[n++] = *x->p;
		x->p++;
	}
	word[n] = '\0';
	x->depth--;
	if (strcmp(word, "version") == 0)
		return 4.000001;
	if (strcmp(word, "perl_version") == 0)
		return 5.036000;
	if (strcmp(word, "local_tests_only") == 0)
		return 0;
	if (strcmp(word, "plugin") == 0) {
		if (ifx_name(x, word, sizeof(word)) < 0)
			return 0;
		if (rule_plugin_provided(word))
			return 1;
		if (x->missing_plugin == NULL)
			x->missing_plugin = strdup(word);
		return 0;
	}
	if (strcmp(word, "can") == 0 || strcmp(word, "has") == 0) {
		if (ifx_name(x, word, sizeof(word)) < 0)
			return 0;
		return can_method(word);
	}
	x->err = 1;
	return 0;
}

static double ifx_cmp(struct ifx *x)
{
	double a = ifx_primary(x), b;
	const char *op;

	ifx_ws(x);
	op = x->p;
	if (op[0] == '>' && op[1] == '=') {
		x->p += 2;
		b = ifx_primary(x);
		return a >= b;
	}
	if (op[0] == '<' && op[1] == '=') {
		x->p += 2;
		b = ifx_primary(x);
		return a <= b;
	}
	if (op[0] == '=' && op[1] == '=') {
		x->p += 2;
		b = ifx_primary(x);
		return a == b;
	}
	if (op[0] == '!' && op[1] == '=') {
		x->p += 2;
		b = ifx_primary(x);
		return a != b;
	}
	if (op[0] == '>') {
		x->p++;
		b = ifx_primary(x);
		return a > b;
	}
	if (op[0] == '<') {
		x->p++;
		b = ifx_primary(x);
		return a < b;
	}
	return a;
}

static double ifx_and(struct ifx *x)
{
	double v = ifx_cmp(x);

	for (;;) {
		double w;
		ifx_ws(x);
		if (x->p[0] != '&' || x->p[1] != '&' || x->err)
			return v;
		x->p += 2;
		w = ifx_cmp(x);
		v = v != 0 ? w : v;
	}
}

static double ifx_or(struct ifx *x)
{
	double v = ifx_and(x);

	for (;;) {
		double w;
		ifx_ws(x);
		if (x->p[0] != '|' || x->p[1] != '|' || x->err)
			return v;
		x->p += 2;
		w = ifx_and(x);
		v = v != 0 ? v : w;
	}
}

/* Evaluates an 'if' condition; C_PLUGIN when false only because a
   plugin(X) is missing in a positive test. */
static enum cond_state eval_if(struct ruleset *rs, const char *file, unsigned int line,
			       const char *expr, const char **reason_r)
{
	struct ifx x = { expr, 0, 0, NULL };
	double v = ifx_or(&x);
	enum cond_state st;

	ifx_ws(&x);
	if (x.err || *x.p != '\0') {
		rs_lint(rs, file, line, NULL, RULE_LINT_WARN, "unparseable if condition: %s",
			expr);
		free((char *)x.missing_plugin);
		return C_IGNORE;
	}
	if (v != 0)
		st = C_ACTIVE;
	else if (x.missing_plugin != NULL && strchr(expr, '!') == NULL) {
		*reason_r = arena_printf(rs->arena, "plugin %s not provided", x.missing_plugin);
		st = C_PLUGIN;
	} else
		st = C_IGNORE;
	free((char *)x.missing_plugin);
	return st;
}

/* ---- settings ---- */

static const char *const known_settings[] = {
	"add_header", "adsp_override", "allow_user_rules", "always_trust_envelope_sender",
	"asn_lookup", "asn_lookup_ipv6", "asn_prefix", "auto_welcomelist_factor",
	"auto_whitelist_factor", "bayes_auto_expire", "bayes_auto_learn",
	"bayes_auto_learn_on_error", "bayes_auto_learn_threshold_nonspam",
	"bayes_auto_learn_threshold_spam", "bayes_expiry_max_db_size", "bayes_file_mode",
	"bayes_ignore_from", "bayes_ignore_header", "bayes_ignore_to", "bayes_learn_during_report",
	"bayes_learn_to_journal", "bayes_min_ham_num", "bayes_min_spam_num", "bayes_path",
	"bayes_sql_dsn", "bayes_store_module", "bayes_token_sources", "bayes_use_hapaxes",
	"blacklist_from", "blacklist_to", "blacklist_uri_host", "blocklist_from", "blocklist_to",
	"blocklist_uri_host", "body_part_scan_size", "check_rbl_timeout", "clear_headers",
	"clear_internal_networks", "clear_msa_networks", "clear_originating_ip_headers",
	"clear_report_template", "clear_trusted_networks", "clear_unsafe_report_template",
	"clear_util_rb", "def_welcomelist_auth", "def_welcomelist_from_dkim",
	"def_welcomelist_from_spf", "def_whitelist_auth", "def_whitelist_from_dkim",
	"def_whitelist_from_spf", "dkim_minimum_key_bits", "dkim_timeout", "dns_available",
	"dns_block_rule", "dns_local_ports_avoid", "dns_local_ports_none",
	"dns_local_ports_permit", "dns_options", "dns_query_restriction", "dns_server",
	"dns_test_interval", "enable_compat", "enlist_addrlist", "enlist_uri_host",
	"envelope_sender_header", "fns_check", "fns_extrachars", "fns_ignore_dkim",
	"fns_ignore_headers", "fold_headers", "freemail_domains", "freemail_import_def_welcomelist_auth",
	"freemail_import_welcomelist_auth", "freemail_max_disp", "freemail_whitelist",
	"freemail_welcomelist", "hashbl_acl", "hashbl_email_domain_alias",
	"hashbl_email_regex", "hashbl_email_welcomelist", "hashbl_ignore", "internal_networks",
	"loadplugin", "lock_method", "msa_networks", "normalize_charset", "ok_languages",
	"ok_locales", "originating_ip_headers", "parse_dkim_uris", "pyzor_max",
	"pyzor_options", "pyzor_timeout", "razor_timeout", "redirector_pattern", "remove_header",
	"report", "report_charset", "report_contact", "report_hostname", "report_safe",
	"report_safe_copy_headers", "require_version", "reuse", "rewrite_header",
	"score_ham_threshold", "shortcircuit", "skip_rbl_checks", "skip_uribl_checks",
	"spamcop_from_address", "spamcop_max_report_size", "spamcop_to_address",
	"spf_timeout", "tryplugin", "trusted_networks", "txrep_factor", "unblacklist_from",
	"unblocklist_from", "unsafe_report", "unwelcomelist_from", "unwhitelist_from",
	"uri_block_cc", "uri_block_cidr", "uri_block_cont", "uri_country",
	"uridnsbl", "uridnsbl_max_domains", "uridnsbl_skip_domain", "uridnssub",
	"url_shortener", "url_shortener_cache_dsn", "url_shortener_cache_ttl",
	"url_shortener_get", "url_shortener_log", "use_auto_welcomelist", "use_auto_whitelist",
	"use_bayes", "use_bayes_rules", "use_dcc", "use_learner", "use_pyzor", "use_razor2",
	"use_txrep", "user_awl_dsn", "util_rb_2tld", "util_rb_3tld", "util_rb_tld",
	"welcomelist_allow_relays", "welcomelist_auth", "welcomelist_bounce_relays",
	"welcomelist_from", "welcomelist_from_dkim", "welcomelist_from_rcvd",
	"welcomelist_from_spf", "welcomelist_subject", "welcomelist_to", "whitelist_allow_relays",
	"whitelist_auth", "whitelist_bounce_relays", "whitelist_from", "whitelist_from_dkim",
	"whitelist_from_rcvd", "whitelist_from_spf", "whitelist_subject", "whitelist_to",
	"more_spam_to", "all_spam_to", "blacklist_subject", "blocklist_subject",
	"bayes_stopword_de", "bayes_stopword_dk", "bayes_stopword_en", "bayes_stopword_es",
	"bayes_stopword_fi", "bayes_stopword_fr", "bayes_stopword_gr", "bayes_stopword_hu",
	"bayes_stopword_it", "bayes_stopword_nl", "bayes_stopword_no", "bayes_stopword_pt",
	"bayes_stopword_ru", "bayes_stopword_se", "bayes_stopword_tr", "textcat_max_languages",
	"textcat_optimal_ngrams", "textcat_acceptable_score", "inhibit_dkim_welcomelist",
	"clear_report_template", "report_safe", "subjprefix", "ignore_always_matching_regexps",
	"dcc_home", "dcc_path", "dcc_options", "razor_config", "pyzor_path", "dkim_timeout",
	"urirhsbl_max_domains", "askdns_timeout", "check_mx_attempts", "check_mx_delay",
	"uri_cache_ttl", "uri_block_cc", "dmarc_save_reports", "spf_received_header",
	"ignore_received_spf_header", "use_newest_received_spf_header", "unsafe_report",
	"phishing_openphish_feed", "phishing_phishtank_feed", "phishing_uri_noread",
	"asn_use_dns", "asn_use_geodb", "geodb_module", "geodb_options", "geodb_search_path",
	"country_db_path", "country_db_type", "olevba_nomacro", "olevba_max_file_size",
	"extracttext_external", "extracttext_use", "pdfinfo_max_pages", "hashcash_accept",
	"nameserver", "time_limit", "uri_country_db_path", "header_ip",
};

int rs_is_known_setting(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(known_settings) / sizeof(known_settings[0]); i++)
		if (strcmp(key, known_settings[i]) == 0)
			return 1;
	return 0;
}

/* ---- lines ---- */

static int load_file(struct load *ld, const char *path, const char *from_file,
		     unsigned int from_line);

/* Removes comments and unescapes "\#", trims; returns the line start. */
static char *clean_line(char *s)
{
	char *p, *w;
	size_t n;

	for (p = s; *p != '\0'; p++) {
		if (*p == '#' && (p == s || p[-1] != '\\')) {
			*p = '\0';
			break;
		}
	}
	for (p = w = s; *p != '\0'; p++) {
		if (*p == '\\' && p[1] == '#')
			continue;
		*w++ = *p;
	}
	*w = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void set_replace(struct ruleset *rs, int which, const char *value)
{
	const char *p = value, *e = value;
	struct rule_kv *kv;

	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	kv = ARENA_VEC_PUSH(rs->arena, &rs->tags[which], struct rule_kv);
	kv->k = arena_strndup(rs->arena, p, (size_t)(e - p));
	while (*e == ' ' || *e == '\t')
		e++;
	kv->v = arena_strdup(rs->arena, e);
}

static void replace_rules(struct ruleset *rs, const char *value)
{
	const char *p = value;

	while (*p != '\0') {
		const char *e = p;
		while (*e != '\0' && *e != ' ' && *e != '\t' && *e != ',')
			e++;
		if (e > p) {
			char *n = arena_strndup(rs->arena, p, (size_t)(e - p));
			if (rs_valid_name(n))
				rs_rule(rs, n, 1)->replace = 1;
		}
		p = e;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
	}
}

static const char *dir_of(struct arena *a, const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return ".";
	if (s == path)
		return "/";
	return arena_strndup(a, path, (size_t)(s - path));
}

/* One directive while parsing is active or plugin-skipped. Returns -1
   on a fatal error (include). */
static int directive(struct load *ld, const char *file, unsigned int line, char *key,
		     const char *value, const char *skip)
{
	struct ruleset *rs = ld->rs;
	char *k;

	for (k = key; *k != '\0'; k++)
		*k = (char)tolower((unsigned char)*k);
	if (rs_parse_rule_directive(rs, file, line, key, value, skip))
		return 0;
	if (skip != NULL)
		return 0;
	if (strcmp(key, "include") == 0) {
		const char *p = value[0] == '/' ? value
			: arena_printf(rs->arena, "%s/%s", dir_of(rs->arena, file), value);
		return load_file(ld, p, file, line);
	}
	if (strcmp(key, "lang") == 0 || strcmp(key, "test") == 0)
		return 0; /* only the default language (en) applies */
	if (strcmp(key, "required_score") == 0 || strcmp(key, "required_hits") == 0) {
		char *end;
		double d = strtod(value, &end);
		if (end == value)
			rs_lint(rs, file, line, NULL, RULE_LINT_ERROR, "bad %s: %s", key, value);
		else
			rs->required_score = d;
		return 0;
	}
	if ((strcmp(key, "replace_start") == 0 || strcmp(key, "replace_end") == 0) &&
	    *value == '\0') {
		/* An empty delimiter would make every position a tag start
		   (compile.c's tag scan then runs off the string; fuzz-cf). */
		rs_lint(rs, file, line, NULL, RULE_LINT_ERROR, "%s needs a value", key);
		return 0;
	}
	if (strcmp(key, "replace_start") == 0)
		rs->replace_start = arena_strdup(rs->arena, value);
	else if (strcmp(key, "replace_end") == 0)
		rs->replace_end = arena_strdup(rs->arena, value);
	else if (strcmp(key, "replace_tag") == 0)
		set_replace(rs, 0, value);
	else if (strcmp(key, "replace_pre") == 0)
		set_replace(rs, 1, value);
	else if (strcmp(key, "replace_inter") == 0)
		set_replace(rs, 2, value);
	else if (strcmp(key, "replace_post") == 0)
		set_replace(rs, 3, value);
	else if (strcmp(key, "replace_rules") == 0)
		replace_rules(rs, value);
	else {
		if (!rs_is_known_setting(key))
			rs_lint(rs, file, line, NULL, RULE_LINT_WARN, "unknown directive \"%s\"",
				key);
		rs_setting_add(rs, key, value);
	}
	return 0;
}

static enum cond_state cur_state(const struct cond *st, unsigned int n, const char **reason_r)
{
	unsigned int i;
	enum cond_state s = C_ACTIVE;

	*reason_r = NULL;
	for (i = 0; i < n; i++) {
		if (st[i].state == C_IGNORE)
			return C_IGNORE;
		if (st[i].state == C_PLUGIN && s == C_ACTIVE) {
			s = C_PLUGIN;
			*reason_r = st[i].reason;
		}
	}
	return s;
}

static int load_text(struct load *ld, const char *file, const char *text, size_t len)
{
	struct ruleset *rs = ld->rs;
	struct cond st[COND_MAX_DEPTH];
	unsigned int nst = 0, lineno = 0, ignored_depth = 0;
	const char *p = text, *end = text + len;
	char *buf = xmalloc(WN_CFG_MAX_LINE + 1);
	int ret = 0;

	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		const char *reason, *value;
		enum cond_state cs;
		char *line, *key;

		lineno++;
		if (n > WN_CFG_MAX_LINE) {
			rs_lint(rs, file, lineno, NULL, RULE_LINT_WARN, "line too long, truncated");
			memcpy(buf, p, WN_CFG_MAX_LINE);
			buf[WN_CFG_MAX_LINE] = '\0';
		} else {
			memcpy(buf, p, n);
			buf[n] = '\0';
		}
		p = nl != NULL ? nl + 1 : end;
		if (memchr(buf, '\0', n < WN_CFG_MAX_LINE ? n : WN_CFG_MAX_LINE) != NULL &&
		    strlen(buf) < n) {
			/* NUL inside a line: the rest is ignored */
		}
		line = clean_line(buf);
		if (*line == '\0')
			continue;
		key = line;
		while (*line != '\0' && *line != ' ' && *line != '\t')
			line++;
		if (*line != '\0')
			*line++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		value = line;
		cs = cur_state(st, nst, &reason);

		if (strcasecmp(key, "ifplugin") == 0 || strcasecmp(key, "if") == 0) {
			struct cond c = { C_ACTIVE, C_IGNORE, NULL, lineno };
			if (nst == COND_MAX_DEPTH) {
				ignored_depth++;
				rs_lint(rs, file, lineno, NULL, RULE_LINT_ERROR,
					"conditionals nested too deep");
				continue;
			}
			if (tolower((unsigned char)key[2]) == 'p') {
				if (*value == '\0') {
					rs_lint(rs, file, lineno, NULL, RULE_LINT_ERROR,
						"ifplugin without a plugin name");
					c.state = C_IGNORE;
				} else if (!rule_plugin_provided(value)) {
					c.state = C_PLUGIN;
					c.reason = arena_printf(rs->arena,
								"plugin %s not provided", value);
				}
			} else if (cs != C_IGNORE) {
				c.state = eval_if(rs, file, lineno, value, &c.reason);
			}
			c.else_state = c.state == C_ACTIVE ? C_IGNORE : C_ACTIVE;
			st[nst++] = c;
			continue;
		}
		if (strcasecmp(key, "else") == 0) {
			/* An else of a block past COND_MAX_DEPTH belongs to that
			   (untracked) block, not to the innermost tracked one. */
			if (ignored_depth > 0)
				continue;
			if (nst == 0)
				rs_lint(rs, file, lineno, NULL, RULE_LINT_ERROR, "else without if");
			else {
				st[nst - 1].state = st[nst - 1].else_state;
				st[nst - 1].else_state = C_IGNORE;
			}
			continue;
		}
		if (strcasecmp(key, "endif") == 0) {
			if (ignored_depth > 0)
				ignored_depth--;
			else if (nst == 0)
				rs_lint(rs, file, lineno, NULL, RULE_LINT_ERROR, "endif without if");
			else
				nst--;
			continue;
		}
		if (cs == C_IGNORE || ignored_depth > 0)
			continue;
		ret = directive(ld, file, lineno, key, value, cs == C_PLUGIN ? reason : NULL);
	}
	if (nst > 0 && ret == 0)
		rs_lint(rs, file, st[nst - 1].line, NULL, RULE_LINT_ERROR,
			"if/ifplugin without endif");
	free(buf);
	return ret;
}

static int read_all(const char *path, char **data_r, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, len = 0;
	char *d;

	if (f == NULL)
		return -1;
	d = xmalloc(cap);
	for (;;) {
		size_t n;
		if (len == cap) {
			if (cap > ((size_t)256 << 20)) {
				fclose(f);
				free(d);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			d = xrealloc(d, cap);
		}
		n = fread(d + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(d);
		return -1;
	}
	fclose(f);
	*data_r = d;
	*len_r = len;
	return 0;
}

static int load_file(struct load *ld, const char *path, const char *from_file,
		     unsigned int from_line)
{
	struct ruleset *rs = ld->rs;
	char *real, *data;
	size_t len;
	unsigned int i;
	int ret;
	const char *where = from_file != NULL
		? arena_printf(rs->arena, "%s:%u: ", from_file, from_line) : "";

	real = realpath(path, NULL);
	if (real == NULL || read_all(real, &data, &len) < 0) {
		*ld->err_r = arena_printf(rs->arena, "%scannot read %s: %s", where, path,
					  strerror(errno));
		free(real);
		return -1;
	}
	for (i = 0; i < ld->depth; i++) {
		if (strcmp(ld->stack[i], real) == 0) {
			*ld->err_r = arena_printf(rs->arena, "%sinclude loop: %s", where, path);
			free(real);
			free(data);
			return -1;
		}
	}
	if (ld->depth > WN_RULE_MAX_INCLUDE_DEPTH) {
		*ld->err_r = arena_printf(rs->arena, "%sincludes nested too deep: %s", where,
					  path);
		free(real);
		free(data);
		return -1;
	}
	ld->stack[ld->depth++] = arena_strdup(rs->arena, real);
	free(real);
	ret = load_text(ld, arena_strdup(rs->arena, path), data, len);
	ld->depth--;
	free(data);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct load *ld, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int ret = 0, pass;

	if (d == NULL) {
		*ld->err_r = arena_printf(ld->rs->arena, "cannot open %s: %s", path,
					  strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 4)
			continue;
		if (strcmp(de->d_name + l - 3, ".cf") != 0 && strcmp(de->d_name + l - 4, ".pre") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (pass = 0; pass < 2 && ret == 0; pass++) {
		for (i = 0; i < n && ret == 0; i++) {
			size_t l = strlen(names[i]);
			int is_pre = strcmp(names[i] + l - 4, ".pre") == 0;
			struct stat sb;
			const char *full;
			if (is_pre != (pass == 0))
				continue;
			full = arena_printf(ld->rs->arena, "%s/%s", path, names[i]);
			if (stat(full, &sb) < 0 || !S_ISREG(sb.st_mode))
				continue;
			ret = load_file(ld, full, NULL, 0);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int ruleset_load_path(struct ruleset *rs, const char *path, const char **err_r)
{
	struct load ld;
	struct stat sb;
	const char *dummy;

	memset(&ld, 0, sizeof(ld));
	ld.rs = rs;
	ld.err_r = err_r != NULL ? err_r : &dummy;
	if (stat(path, &sb) < 0) {
		*ld.err_r = arena_printf(rs->arena, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode))
		return load_dir(&ld, path);
	return load_file(&ld, path, NULL, 0);
}

int ruleset_load_string(struct ruleset *rs, const char *name, const char *text,
			const char **err_r)
{
	struct load ld;
	const char *dummy;

	memset(&ld, 0, sizeof(ld));
	ld.rs = rs;
	ld.err_r = err_r != NULL ? err_r : &dummy;
	return load_text(&ld, arena_strdup(rs->arena, name), text, strlen(text));
}
