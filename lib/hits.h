/*
 * hits.h - the list of test hits one scan produces, shared by every
 * check (rules, Bayes, DNS checks, antivirus) and the front-ends, plus
 * the facts checks hand to each other (Bayes probability, SPF result...).
 *
 * Ownership: the list and its strings live in the message arena.
 */
#ifndef HITS_H
#define HITS_H

#include <stddef.h>

#include "lib/arena.h"

struct hit {
	const char *name;
	double score;
	const char *description; /* may be NULL */
	unsigned int flags;      /* HIT_F_* */
	unsigned int count;      /* >1 for tflags multiple */
};

enum hit_flag {
	HIT_F_SUBRULE = 1u << 0, /* __name: visible to metas, never reported or scored */
	HIT_F_NET = 1u << 1,
	HIT_F_BAYES = 1u << 2,
	HIT_F_NICE = 1u << 3,
	HIT_F_NOAUTOLEARN = 1u << 4, /* tflags noautolearn or userconf: autolearn skips it */
	HIT_F_LEARN = 1u << 5,
};

struct hit_list {
	struct arena *arena;
	struct hit *v;
	size_t count, cap;
};

void hits_init(struct hit_list *l, struct arena *a);
/* Adds a hit (strings are not copied: pass arena or static strings). */
struct hit *hits_add(struct hit_list *l, const char *name, double score,
		     const char *description, unsigned int flags);
const struct hit *hits_find(const struct hit_list *l, const char *name);
/* Sum of scores of reported (non-subrule) hits. */
double hits_score(const struct hit_list *l);
/* Sorts reported hits by name (SpamAssassin's tests= order). */
void hits_sort(struct hit_list *l);

/* The sender checks' results as rules read them (SpamAssassin's
   check_for_spf_*, check_dkim_*, check_dmarc_*, check_rbl* and
   check_uridnsbl evals, rules/eval_net.c). Filled by the network step
   of the pipeline before the rules run; all in the message arena. */
enum net_spf {
	NET_SPF_UNSET,     /* not checked (no client IP, or SPF off) */
	NET_SPF_NONE, NET_SPF_NEUTRAL, NET_SPF_PASS, NET_SPF_FAIL,
	NET_SPF_SOFTFAIL, NET_SPF_TEMPERROR, NET_SPF_PERMERROR,
};

enum net_dmarc {
	NET_DMARC_UNSET,   /* not checked */
	NET_DMARC_PASS, NET_DMARC_REJECT, NET_DMARC_QUARANTINE,
	NET_DMARC_NONE,    /* failed, policy none */
	NET_DMARC_MISSING, /* no DMARC record for the From domain */
};

/* One DKIM signature as verified. */
struct net_dkim_sig {
	const char *domain;  /* d=, lower case */
	int valid;           /* verified (the key found, body and headers match) */
	int author;          /* d= aligned with the From: domain */
	int envfrom;         /* d= aligned with the envelope sender's domain */
	int temperror;       /* not verified for DNS trouble: no evidence */
};

/* One DNSBL/URIBL answer: rule (the one whose lookup it answers), set
   (check_rbl's set, or the URIBL rule name), type 'A' or 'T' (TXT), the
   answer's text. check_rbl() matches by rule, check_rbl_sub() by set. */
struct net_rbl_answer {
	const char *rule;
	const char *set;
	char type;
	const char *answer;
};

struct net_facts {
	enum net_spf spf, spf_helo;
	int dkim_checked;                 /* DKIM verification ran */
	const struct net_dkim_sig *dkim;  /* every signature verified */
	size_t ndkim;
	enum net_dmarc dmarc;
	int arc_signed, arc_valid;        /* ARC (RFC 8617): a chain; it passes */
	const struct net_rbl_answer *rbl; /* every listing answer */
	size_t nrbl;
};

/* Facts one check computes for others (filled in pipeline order). */
struct msg_facts {
	int net_enabled;      /* network checks ran (selects score set) */
	int bayes_enabled;    /* the Bayes store is trained: its score set applies */
	double bayes_prob;    /* 0..1; < 0 when this message has none */
	int autolearn_forced_off;
	const struct net_facts *net; /* NULL: no network checks for this message */
};

#endif
