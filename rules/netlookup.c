/*
 * netlookup.c - what the rules ask of the network, so the pipeline can
 * start every lookup before the rules run: the DNSBL lookups of
 * check_rbl / check_rbl_txt rules and the URIBL zones of urirhssub /
 * urirhsbl / uridnsbl rules (ruleset_net_lookups). Which relay IPs a
 * check_rbl set is about is rbl_ips.c's.
 *
 * Ownership: lookups in the ruleset's arena (made once, read-only).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/wn.h"
#include "rules/eval_int.h"
#include "rules/rule_int.h"

/* Does r run in a score set with network checks (1 or 3)? */
static int net_wanted(const struct rule *r)
{
	return r->loaded && r->skip == NULL && (r->score[1] != 0 || r->score[3] != 0);
}

/* The zone without its final dots, in the ruleset arena. */
static const char *zone_trim(struct arena *a, const char *z)
{
	size_t n = strlen(z);

	while (n > 0 && z[n - 1] == '.')
		n--;
	return arena_strndup(a, z, n);
}

static void add_rbl(struct ruleset *rs, struct arena_vec *v, const struct rule *r)
{
	struct rule_net_lookup *l;
	int txt = strcmp(r->eval_name, "check_rbl_txt") == 0;

	if (!txt && strcmp(r->eval_name, "check_rbl") != 0)
		return;
	if (r->eval_argc < 2 || r->eval_argv[1][0] == '\0')
		return;
	l = ARENA_VEC_PUSH(rs->arena, v, struct rule_net_lookup);
	memset(l, 0, sizeof(*l));
	l->kind = RULE_NET_RBL;
	l->rule = r->name;
	l->set = r->eval_argv[0];
	l->zone = zone_trim(rs->arena, r->eval_argv[1]);
	l->type = txt ? 'T' : 'A';
	l->nice = (r->tflags & TF_NICE) != 0;
}

/* "NAME zone [A|TXT] [sub]" of urirhssub / urirhsbl / uridnsbl: sub is
   a return code (127.0.0.2), a mask (2) or empty (any listing). */
static void add_uribl(struct ruleset *rs, struct arena_vec *v, const char *value)
{
	char name[128], zone[256], type[8] = "A", sub[64] = "";
	const struct rule *r;
	struct rule_net_lookup *l;

	if (sscanf(value, "%127s %255s %7s %63s", name, zone, type, sub) < 2)
		return;
	r = rs_rule(rs, name, 0);
	if (r == NULL || !net_wanted(r))
		return;
	l = ARENA_VEC_PUSH(rs->arena, v, struct rule_net_lookup);
	memset(l, 0, sizeof(*l));
	l->kind = RULE_NET_URIBL;
	l->rule = r->name;
	l->set = r->name;
	l->zone = zone_trim(rs->arena, zone);
	l->type = strcasecmp(type, "TXT") == 0 ? 'T' : 'A';
	l->sub = arena_strdup(rs->arena, sub);
}

size_t ruleset_net_lookups(struct ruleset *rs, const struct rule_net_lookup **v_r)
{
	/* urinsrhs* (lookups of the name servers' names) are not made */
	static const char *const uri_keys[] = { "urirhssub", "urirhsbl", "uridnsbl" };
	struct arena_vec v = { 0 };
	const char *const *vals;
	size_t i, k, n;

	for (i = 0; i < rs->rules.count; i++) {
		const struct rule *r = ((struct rule **)rs->rules.v)[i];
		if (r->eval_name != NULL && net_wanted(r))
			add_rbl(rs, &v, r);
	}
	for (k = 0; k < N_ELEMENTS(uri_keys); k++) {
		n = ruleset_setting(rs, uri_keys[k], &vals);
		for (i = 0; i < n; i++)
			add_uribl(rs, &v, vals[i]);
	}
	*v_r = v.v;
	return v.count;
}
