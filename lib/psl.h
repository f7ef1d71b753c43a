/*
 * psl.h - the Public Suffix List (https://publicsuffix.org/list/):
 * public suffixes and registrable domains (eTLD+1) of host names, for
 * URIBL lookups (SpamAssassin's RegistryBoundaries) and DMARC's
 * organisational domain (RFC 7489 3.2).
 *
 * The list is Debian's publicsuffix package, read once at startup from
 * the path in the config key public_suffix_list. A struct psl is
 * immutable after psl_load(): any number of threads may look up in it
 * at once. A config reload that changes the path loads a new one.
 *
 * PRIVATE section: counted by default. The list's PRIVATE entries
 * (blogspot.com, github.io, ...) are suffixes under which unrelated
 * people register names, exactly what both URIBLs and DMARC care
 * about; SpamAssassin, libopendmarc and the DMARC RFC use the whole
 * list. PSL_ICANN_ONLY gives the ICANN-section answer for callers that
 * want registry boundaries only.
 *
 * Names: host names arrive as A-labels ("xn--...") or ASCII in any
 * case; a trailing dot is ignored. U-labels (UTF-8, as lib/uri.c
 * decodes hosts) are accepted too: each is converted to its A-label
 * with Punycode (RFC 3492) for the lookup, after ASCII lower-casing
 * only. No Unicode case folding or normalisation (IDNA2008 mapping) is
 * done, so a U-label is taken as written; the list itself is NFC lower
 * case. Lists' U-label rules are converted the same way at load, so a
 * name matches whichever form it arrives in. IP literals (dotted quads,
 * anything with ':' or '[', a last label of digits only) are not domain
 * names: every function returns NULL for them.
 */
#ifndef PSL_H
#define PSL_H

#include <stddef.h>

struct arena;
struct cfg;
struct psl;

/* Debian's copy of the list (package publicsuffix). */
#define PSL_DEFAULT_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

enum psl_flag {
	PSL_ICANN_ONLY = 1u << 0, /* ignore rules of the PRIVATE section */
	PSL_ASCII = 1u << 1,      /* results in A-labels (for DNS queries);
				     else each label as the host gave it */
};

/* Loads the list from path. Returns NULL with a malloc'd message naming
   the file in *err_r when it cannot be read or holds no rules. */
struct psl *psl_load(const char *path, char **err_r);
/* The list at the path of the config key public_suffix_list. */
struct psl *psl_load_cfg(const struct cfg *c, char **err_r);
/* Parses list text held in memory (name stands for the file in
   errors). Lines that are not valid rules are skipped and counted. */
struct psl *psl_parse(const char *data, size_t len, const char *name, char **err_r);
void psl_free(struct psl **pp);

/* Rules loaded, and lines skipped as invalid. */
size_t psl_rule_count(const struct psl *p);
size_t psl_skipped_count(const struct psl *p);

/* The registrable domain of host: its public suffix plus one label,
   lower case (ASCII), without a trailing dot, allocated in a. NULL when
   host is itself a public suffix, an IP literal, or not a valid name
   (empty label, label over 63 bytes, name over 253, bad UTF-8). */
const char *psl_registrable(const struct psl *p, struct arena *a, const char *host,
			    unsigned int flags);
/* The public suffix of host (the implicit rule "*" makes every valid
   name have one), in a; NULL for what psl_registrable rejects. */
const char *psl_suffix(const struct psl *p, struct arena *a, const char *host,
		       unsigned int flags);
/* host in A-labels, lower case, without trailing dot, in a; NULL if not
   a valid name. */
const char *psl_to_ascii(struct arena *a, const char *host);

#endif
