/*
 * cfg.h - winnow.conf: "key = value" lines, one documented default per
 * key (the table in cfg.c), overridden by -o KEY=VALUE on any program's
 * command line.
 *
 * Errors name the file and line ("winnow.conf:12: unknown key 'x'").
 * A struct cfg is immutable once loaded; reload builds a new one and
 * swaps it whole.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdio.h>

enum cfg_type {
	CFG_STR,    /* any string */
	CFG_LIST,   /* words separated by commas and/or whitespace */
	CFG_DOUBLE,
	CFG_SIZE,   /* bytes, with optional k/m/g suffix */
	CFG_UINT,
	CFG_BOOL,   /* yes/no, true/false, on/off, 1/0 */
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	const char *def;  /* default, in config syntax */
	const char *doc;  /* one line */
};

struct cfg;

/* All keys at their defaults. */
struct cfg *cfg_new(void);
void cfg_free(struct cfg **cp);

/* Reads a file; returns -1 with a malloc'd "file:line: text" in *err_r. */
int cfg_load_file(struct cfg *c, const char *path, char **err_r);
/* Parses config text held in memory; name stands for the file in errors. */
int cfg_load_buffer(struct cfg *c, const char *name, const char *data,
		    size_t len, char **err_r);
/* Sets one key (validated); origin names where it came from for errors
   ("-o", "file:line"). Returns -1 with a malloc'd message. */
int cfg_set(struct cfg *c, const char *key, const char *value,
	    const char *origin, char **err_r);
/* "KEY=VALUE" from -o. */
int cfg_set_option(struct cfg *c, const char *kv, char **err_r);

const char *cfg_str(const struct cfg *c, const char *key);
double cfg_double(const struct cfg *c, const char *key);
size_t cfg_size(const struct cfg *c, const char *key);
unsigned int cfg_uint(const struct cfg *c, const char *key);
int cfg_bool(const struct cfg *c, const char *key);
/* CFG_LIST: the words; the array stays valid until the key changes. */
size_t cfg_list(const struct cfg *c, const char *key, const char *const **v_r);

/* The key table, for docs and `winnow lint`. */
const struct cfg_key *cfg_keys(size_t *count_r);
/* Writes every key with its current value and doc as a config file. */
void cfg_dump(const struct cfg *c, FILE *f);

/* Parses a size ("10m", "512k", "100"): 0 ok, -1 bad. */
int cfg_parse_size(const char *s, size_t *r);
int cfg_parse_bool(const char *s, int *r);

#endif
