/*
 * lint.c - `winnow lint`: load the configuration and every rule file,
 * report how many rules loaded (per type) and list each skipped rule
 * and each problem with file:line and the reason.
 *
 * Exit: 0 clean (skipped rules are reported but are not errors), 1 when
 * a rule file has errors, 78 (EX_CONFIG) when config or rules cannot
 * load at all.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "filterd/scan.h"
#include "rules/rule.h"

static const char *const lint_type_names[RULE_T_COUNT] = {
	"header", "body", "rawbody", "uri", "full", "meta",
	"mimeheader", "uri_detail", "network (askdns/urirhssub)",
};

static void lint_print_stats(const struct ruleset *rs)
{
	struct rule_stats st;
	size_t t, def = 0, loaded = 0, core_def = 0, core_loaded = 0;

	ruleset_stats(rs, &st);
	for (t = 0; t < RULE_T_COUNT; t++) {
		def += st.defined[t];
		loaded += st.loaded[t];
		if (t <= RULE_T_META) {
			core_def += st.defined[t];
			core_loaded += st.loaded[t];
		}
	}
	printf("rules: %zu loaded of %zu defined\n", loaded, def);
	for (t = 0; t < RULE_T_COUNT; t++) {
		if (st.defined[t] > 0)
			printf("  %-28s %5zu of %5zu\n", lint_type_names[t],
			       st.loaded[t], st.defined[t]);
	}
	if (core_def > 0)
		printf("header/body/rawbody/uri/full/meta: %zu of %zu loaded (%.1f%%)\n",
		       core_loaded, core_def, 100.0 * (double)core_loaded / (double)core_def);
	printf("network rules (run only when network checks are on): %zu\n", st.net);
	printf("required_score: %.1f\n", ruleset_required_score(rs));
}

static const char *lint_severity(enum rule_lint_severity s)
{
	switch (s) {
	case RULE_LINT_WARN: return "warning";
	case RULE_LINT_SKIP: return "skipped";
	case RULE_LINT_ERROR: return "error";
	}
	return "?";
}

/* Returns the number of errors. */
static size_t lint_print_problems(const struct ruleset *rs)
{
	const struct rule_lint *v;
	size_t i, n = ruleset_lint(rs, &v), errors = 0;

	for (i = 0; i < n; i++) {
		printf("%s:%u: %s: %s%s%s\n", v[i].file, v[i].line,
		       lint_severity(v[i].severity), v[i].rule ? v[i].rule : "",
		       v[i].rule ? ": " : "", v[i].reason);
		if (v[i].severity == RULE_LINT_ERROR)
			errors++;
	}
	return errors;
}

int cli_lint(int argc, char **argv)
{
	struct cli_conf cc;
	struct scan_engine *eng;
	struct cfg *cfg;
	char *err = NULL;
	size_t errors;
	int ch;

	memset(&cc, 0, sizeof(cc));
	optind = 1;
	while ((ch = getopt(argc, argv, "c:o:")) != -1) {
		if (ch == 'c')
			cc.conf_path = optarg;
		else if (ch == 'o')
			cli_conf_add_override(&cc, optarg);
		else {
			free(cc.overrides);
			return EX_USAGE;
		}
	}
	cfg = cli_conf_load(&cc);
	free(cc.overrides);
	if (cfg == NULL)
		return EX_CONFIG;
	printf("config: %s: ok\n", cc.conf_path ? cc.conf_path : "(defaults)");
	eng = scan_engine_new(cfg, &err);
	if (eng == NULL) {
		fprintf(stderr, "winnow: %s\n", err);
		free(err);
		cfg_free(&cfg);
		return EX_CONFIG;
	}
	errors = lint_print_problems(eng->rules);
	lint_print_stats(eng->rules);
	scan_engine_free(&eng);
	cfg_free(&cfg);
	return errors > 0 ? 1 : 0;
}
