/*
 * check_arc.c - ARC (RFC 8617) chain verification: our own parsing and
 * canonicalisation (RFC 6376 3.4), OpenSSL's libcrypto for the hashes
 * and public-key operations, keys through lib/dns.
 *
 * chk_arc_start() reads the header once into views of its fields,
 * collects the ARC fields (at most 3 * max_sets, each at most
 * WN_ARC_MAX_FIELD bytes), checks the structure (RFC 8617 5.2 steps 2-4:
 * every instance 1..n exactly once with all three fields, tags present,
 * cv= none for i=1 and pass after, no cv=fail), then asks for the keys
 * (at most WN_ARC_MAX_KEYS distinct ones) and hashes the body for the
 * newest ARC-Message-Signature while they travel. chk_arc_finish()
 * verifies the newest AMS, every ARC-Seal (newest first) and, for
 * oldest-pass, older AMSs until one fails.
 *
 * Everything lives in the caller's arena except the EVP_PKEYs, freed by
 * an arena cleanup. The message is only read, never copied whole.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "filterd/check_arc.h"

#include "filterd/authres.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "lib/lines.h"

/* A header field: a view into the message, from its name to the end of
   its last line, the final line end left out. */
struct arc_field {
	const char *p;
	size_t n;
	size_t name_len; /* the name without WSP before the colon */
};

enum arc_kind { ARC_AAR, ARC_AMS, ARC_AS, ARC_NKINDS };

static const char *const arc_kind_name[ARC_NKINDS] = {
	"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
};

/* A parsed AMS or ARC-Seal. */
struct arc_sig {
	const struct arc_field *f;
	const char *d, *s;
	int ed25519;
	int hrelaxed, brelaxed; /* c= (AMS; the seal is always relaxed) */
	const char *h;          /* AMS h= */
	unsigned char *b, *bh;
	size_t blen, bhlen;
	long long expires; /* x=, -1 when absent */
	int key;           /* index into job->keys, -1 when not queried */
};

struct arc_inst {
	const struct arc_field *f[ARC_NKINDS];
	struct arc_sig ams, as;
	const char *cv;
	/* relaxed forms for the seals, made once: AAR and AMS, then AS */
	struct buf canon, canon_as;
};

struct arc_key {
	char *name; /* selector._domainkey.domain */
	int h;      /* DNS handle, -1 when the batch was full or absent */
	int state;  /* 0 not loaded, 1 usable, -1 failed (res, why) */
	enum chk_arc_result res;
	const char *why;
	EVP_PKEY *pkey;
	int ed25519;
};

struct chk_arc_job {
	struct arena *a;
	const struct chk_arc_conf *conf;
	struct dns_batch *b;
	struct arc_field *fields;
	size_t nfields;
	const char *body;
	size_t body_len;
	struct arc_inst *inst; /* inst[k] is instance k + 1 */
	size_t n;
	int parsed;          /* every set's AMS and seal read */
	int too_many_fields; /* over WN_MSG_MAX_HEADERS */
	struct arc_key keys[WN_ARC_MAX_KEYS];
	size_t nkeys;
	unsigned char bh_memo[2][32]; /* [relaxed] body hash */
	int bh_have[2];
	/* a verdict reached while reading: finish only reports it */
	enum chk_arc_result res;
	const char *why;
	unsigned int why_inst;
};

/* ---- small parsers ---- */

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int chk_arc_tags_parse(struct arena *a, const char *s, size_t len,
		       struct chk_arc_tag **tags_r, const char **why_r)
{
	struct chk_arc_tag *t = arena_alloc(a, WN_ARC_MAX_TAGS * sizeof(*t));
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t ns, ne, vs, ve;

		while (i < len && is_fws(s[i]))
			i++;
		if (i < len && s[i] == ';') { /* an empty tag-spec, as dkimpy allows */
			i++;
			continue;
		}
		if (i == len)
			break;
		ns = i;
		if (!isalpha((unsigned char)s[i])) {
			*why_r = "bad tag name";
			return -1;
		}
		while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
		ne = i;
		while (i < len && is_fws(s[i]))
			i++;
		if (i == len || s[i] != '=') {
			*why_r = "tag without '='";
			return -1;
		}
		i++;
		while (i < len && is_fws(s[i]))
			i++;
		vs = i;
		while (i < len && s[i] != ';')
			i++;
		ve = i;
		while (ve > vs && is_fws(s[ve - 1]))
			ve--;
		if (i < len)
			i++; /* the ';' */
		for (int k = 0; k < n; k++)
			if (strlen(t[k].name) == ne - ns && memcmp(t[k].name, s + ns, ne - ns) == 0) {
				*why_r = "duplicate tag";
				return -1;
			}
		if (n == WN_ARC_MAX_TAGS) {
			*why_r = "too many tags";
			return -1;
		}
		t[n].name = arena_strndup(a, s + ns, ne - ns);
		t[n].value = arena_strndup(a, s + vs, ve - vs);
		n++;
	}
	*tags_r = t;
	return n;
}

static const char *tag_get(const struct chk_arc_tag *t, int n, const char *name)
{
	for (int k = 0; k < n; k++)
		if (strcmp(t[k].name, name) == 0)
			return t[k].value;
	return NULL;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 with white space anywhere (a folded b=); '=' only as
   padding at the end. Returns 0, or -1 for anything else. */
static int b64_decode(struct arena *a, const char *s, unsigned char **out_r, size_t *len_r)
{
	size_t n = strlen(s), k = 0, pad = 0;
	unsigned char *out = arena_alloc(a, n / 4 * 3 + 3);
	uint32_t acc = 0;
	unsigned int bits = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (is_fws((char)c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_val(c);
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6)
		return -1;
	*out_r = out;
	*len_r = k;
	return 0;
}

/* Does the colon-separated list hold word (case-insensitive)? */
static int list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		const char *e = strchr(p, ':');
		const char *q, *qe;

		if (e == NULL)
			e = p + strlen(p);
		for (q = p; q < e && is_fws(*q); q++)
			;
		for (qe = e; qe > q && is_fws(qe[-1]); qe--)
			;
		if ((size_t)(qe - q) == wl && strncasecmp(q, word, wl) == 0)
			return 1;
		p = *e == ':' ? e + 1 : e;
	}
	return 0;
}

int chk_arc_keyrec_parse(struct arena *a, const char *txt, size_t len,
			 struct chk_arc_keyrec *k, const char **why_r)
{
	struct chk_arc_tag *t;
	const char *v, *why;
	unsigned char *p;
	size_t plen;
	int n = chk_arc_tags_parse(a, txt, len, &t, &why);

	memset(k, 0, sizeof(*k));
	if (n < 0 || memchr(txt, '\0', len) != NULL) {
		*why_r = "bad key record: not a tag list";
		return -1;
	}
	if ((v = tag_get(t, n, "v")) != NULL && (strcmp(v, "DKIM1") != 0 || strcmp(t[0].name, "v") != 0)) {
		*why_r = "bad key record: unknown key version";
		return -1;
	}
	if ((v = tag_get(t, n, "k")) != NULL && strcmp(v, "rsa") != 0) {
		if (strcmp(v, "ed25519") != 0) {
			*why_r = "bad key record: unknown key type";
			return -1;
		}
		k->ed25519 = 1;
	}
	if ((v = tag_get(t, n, "h")) != NULL && !list_has(v, "sha256")) {
		*why_r = "bad key record: sha256 not allowed (h=)";
		return -1;
	}
	if ((v = tag_get(t, n, "s")) != NULL && !list_has(v, "*") && !list_has(v, "email")) {
		*why_r = "bad key record: not for email (s=)";
		return -1;
	}
	if ((v = tag_get(t, n, "p")) == NULL) {
		*why_r = "bad key record: no p=";
		return -1;
	}
	if (*v == '\0') {
		*why_r = "key revoked";
		return -1;
	}
	if (b64_decode(a, v, &p, &plen) < 0 || plen == 0) {
		*why_r = "bad key record: p= is not base64";
		return -1;
	}
	k->p = p;
	k->plen = plen;
	return 0;
}

/* ---- the header ---- */

/* Splits the header into fields and finds the body. A line without a
   colon still makes a field (it can be nothing ARC signs by name). */
static void read_header(struct chk_arc_job *j, const char *raw, size_t len)
{
	const char *p = raw, *end = raw + len;
	struct arena_vec v = { NULL, 0, 0 };
	struct arc_field *cur = NULL;

	j->body = end;
	while (p < end) {
		size_t n = lines_len(p, end);
		size_t content = lines_trim_end(p, n);

		if (content == 0 && n > 0 && p[n - 1] == '\n') {
			j->body = p + n;
			break;
		}
		if (is_wsp(*p) && cur != NULL) {
			cur->n = (size_t)(p + content - cur->p);
		} else if (!is_wsp(*p)) {
			const char *colon = memchr(p, ':', content);
			size_t nl = colon != NULL ? (size_t)(colon - p) : content;

			while (nl > 0 && is_wsp(p[nl - 1]))
				nl--;
			if (v.count == WN_MSG_MAX_HEADERS) {
				j->too_many_fields = 1;
				cur = NULL;
				p += n;
				continue;
			}
			cur = ARENA_VEC_PUSH(j->a, &v, struct arc_field);
			cur->p = p;
			cur->n = content;
			cur->name_len = colon != NULL ? nl : 0;
		}
		p += n;
	}
	j->fields = v.v;
	j->nfields = v.count;
	j->body_len = (size_t)(end - j->body);
}

static int field_named(const struct arc_field *f, const char *name, size_t len)
{
	return f->name_len == len && strncasecmp(f->p, name, len) == 0;
}

/* The value after the colon, as a NUL-terminated copy. */
static char *field_value(struct arena *a, const struct arc_field *f)
{
	const char *colon = memchr(f->p, ':', f->n);

	return arena_strndup(a, colon + 1, f->n - (size_t)(colon + 1 - f->p));
}

/* ---- canonicalisation (RFC 6376 3.4) ---- */

/* Appends field [p, p+n) canonicalised, then CRLF when crlf. */
static void canon_field(struct buf *out, const char *p, size_t n, int relaxed, int crlf)
{
	if (!relaxed) {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
				buf_append_char(out, '\r');
			buf_append_char(out, p[i]);
		}
	} else {
		const char *colon = memchr(p, ':', n);
		size_t name = colon != NULL ? (size_t)(colon - p) : n;
		int space = 0, any = 0;

		while (name > 0 && is_wsp(p[name - 1]))
			name--;
		for (size_t i = 0; i < name; i++)
			buf_append_char(out, (char)tolower((unsigned char)p[i]));
		buf_append_char(out, ':');
		for (size_t i = colon != NULL ? (size_t)(colon - p) + 1 : n; i < n; i++) {
			if (p[i] == '\r' || p[i] == '\n')
				continue; /* unfolding */
			if (is_wsp(p[i])) {
				space = 1;
				continue;
			}
			if (space && any)
				buf_append_char(out, ' ');
			space = 0;
			any = 1;
			buf_append_char(out, p[i]);
		}
	}
	if (crlf)
		buf_append(out, "\r\n", 2);
}

struct body_out {
	EVP_MD_CTX *md;
};

static void body_put(struct body_out *o, const char *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(o->md, p, n);
}

/* Feeds the canonical body to o: line by line, empty lines held back
   until a non-empty one follows (trailing ones are dropped). */
static void canon_body(struct body_out *o, const char *p, size_t len, int relaxed)
{
	const char *end = p + len;
	size_t held = 0;
	int any = 0;
	struct buf line = BUF_INIT;

	while (p < end) {
		size_t n = lines_len(p, end);
		size_t c = lines_trim_end(p, n);
		const char *text = p;

		if (relaxed) {
			int space = 0;

			buf_truncate(&line, 0);
			for (size_t i = 0; i < c; i++) {
				if (is_wsp(p[i])) {
					space = 1;
					continue;
				}
				if (space)
					buf_append_char(&line, ' ');
				space = 0;
				buf_append_char(&line, p[i]);
			}
			text = line.data;
			c = line.len;
		}
		p += n;
		if (c == 0) {
			held++;
			continue;
		}
		for (; held > 0; held--)
			body_put(o, "\r\n", 2);
		body_put(o, text, c);
		body_put(o, "\r\n", 2);
		any = 1;
	}
	if (!any && !relaxed)
		body_put(o, "\r\n", 2); /* simple: an empty body is one CRLF */
	buf_free(&line);
}

/* The SHA-256 of the canonical body, made once per canonicalisation
   (ARC-Message-Signatures have no l=, so every AMS shares it). */
static void body_hash(struct chk_arc_job *j, int relaxed, unsigned char out[32])
{
	struct body_out o;
	unsigned int n = 32;

	if (j->bh_have[relaxed]) {
		memcpy(out, j->bh_memo[relaxed], 32);
		return;
	}
	o.md = EVP_MD_CTX_new();
	if (o.md == NULL || EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1)
		wn_panic("arc: EVP_DigestInit_ex failed");
	canon_body(&o, j->body, j->body_len, relaxed);
	EVP_DigestFinal_ex(o.md, out, &n);
	EVP_MD_CTX_free(o.md);
	memcpy(j->bh_memo[relaxed], out, 32);
	j->bh_have[relaxed] = 1;
}

/* The field with its b= value removed (RFC 6376 3.7: "the value of the
   b= tag (including all surrounding whitespace) deleted"). */
static char *strip_b(struct arena *a, const struct arc_field *f, size_t *len_r)
{
	const char *p = f->p, *colon = memchr(p, ':', f->n);
	size_t n = f->n, i = (size_t)(colon - p) + 1;
	char *out = arena_alloc(a, n + 1);

	while (i < n) {
		size_t ns, ne, e;

		while (i < n && is_fws(p[i]))
			i++;
		ns = i;
		while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_'))
			i++;
		ne = i;
		while (i < n && is_fws(p[i]))
			i++;
		for (e = i; e < n && p[e] != ';'; e++)
			;
		if (i < n && p[i] == '=' && ne - ns == 1 && p[ns] == 'b') {
			memcpy(out, p, i + 1);
			memcpy(out + i + 1, p + e, n - e);
			*len_r = i + 1 + n - e;
			out[*len_r] = '\0';
			return out;
		}
		i = e + 1;
	}
	memcpy(out, p, n); /* not reached: b= was required before */
	out[n] = '\0';
	*len_r = n;
	return out;
}

/* ---- reading the ARC sets ---- */

static void job_fail(struct chk_arc_job *j, unsigned int inst, const char *why)
{
	if (j->res != CHK_ARC_FAIL) {
		j->res = CHK_ARC_FAIL;
		j->why = why;
		j->why_inst = inst;
	}
}

static int arc_kind_of(const struct arc_field *f)
{
	for (int k = 0; k < ARC_NKINDS; k++)
		if (field_named(f, arc_kind_name[k], strlen(arc_kind_name[k])))
			return k;
	return -1;
}

/* i= of an ARC field: 1..max, 0 when absent or malformed, max + 1 when
   over. The AAR starts with "i=N;" (RFC 8617 4.1.1); the others carry
   i= among their tags. */
static unsigned int arc_instance(struct chk_arc_job *j, const struct arc_field *f, int kind)
{
	char *v = field_value(j->a, f), *e;
	const char *iv = NULL, *why;
	struct chk_arc_tag *t;
	unsigned long n;
	int nt;

	if (kind == ARC_AAR) {
		char *semi = strchr(v, ';');

		if (semi == NULL)
			return 0;
		*semi = '\0';
	}
	nt = chk_arc_tags_parse(j->a, v, strlen(v), &t, &why);
	if (nt > 0 && (kind != ARC_AAR || nt == 1))
		iv = tag_get(t, nt, "i");
	if (iv == NULL || !isdigit((unsigned char)*iv) || strlen(iv) > 4)
		return 0;
	n = strtoul(iv, &e, 10);
	if (*e != '\0' || n == 0)
		return 0;
	return n > j->conf->max_sets ? j->conf->max_sets + 1 : (unsigned int)n;
}

/* The AAR's text after "i=N;", unfolded. */
static const char *aar_text(struct chk_arc_job *j, const struct arc_field *f)
{
	char *v = field_value(j->a, f);
	const char *p = strchr(v, ';');
	char *out = arena_alloc(j->a, strlen(v) + 1);
	size_t k = 0;
	int space = 0;

	for (p = p != NULL ? p + 1 : v; *p != '\0'; p++) {
		if (is_fws(*p)) {
			space = 1;
			continue;
		}
		if (space && k > 0)
			out[k++] = ' ';
		space = 0;
		out[k++] = *p;
	}
	out[k] = '\0';
	return out;
}

/* Collects the ARC fields into j->inst. Returns 0, or -1 having failed
   the job. */
static int collect_sets(struct chk_arc_job *j)
{
	unsigned int max = j->conf->max_sets, top = 0;
	size_t count = 0, bytes = 0;
	struct {
		const struct arc_field *f;
		int kind;
		unsigned int i;
	} *seen = arena_alloc(j->a, 3 * (size_t)max * sizeof(*seen));

	for (size_t k = 0; k < j->nfields; k++) {
		const struct arc_field *f = &j->fields[k];
		int kind = arc_kind_of(f);
		unsigned int i;

		if (kind < 0)
			continue;
		if (count == 3 * (size_t)max) {
			job_fail(j, 0, arena_printf(j->a, "more than %u ARC sets", max));
			return -1;
		}
		bytes += f->n;
		if (f->n > WN_ARC_MAX_FIELD || bytes > WN_MSG_MAX_HEADER_SIZE) {
			job_fail(j, 0, arena_printf(j->a, "%s field too long", arc_kind_name[kind]));
			return -1;
		}
		i = arc_instance(j, f, kind);
		if (i == 0) {
			job_fail(j, 0, arena_printf(j->a, "%s without a valid i=", arc_kind_name[kind]));
			return -1;
		}
		if (i > max) {
			job_fail(j, 0, arena_printf(j->a, "instance over %u", max));
			return -1;
		}
		seen[count].f = f;
		seen[count].kind = kind;
		seen[count].i = i;
		count++;
		if (i > top)
			top = i;
	}
	if (count == 0)
		return 0;
	if (j->too_many_fields) {
		job_fail(j, 0, arena_printf(j->a, "more than %d header fields", WN_MSG_MAX_HEADERS));
		return -1;
	}
	j->n = top;
	j->inst = arena_zalloc(j->a, top * sizeof(*j->inst));
	for (size_t k = 0; k < count; k++) {
		struct arc_inst *in = &j->inst[seen[k].i - 1];

		if (in->f[seen[k].kind] != NULL) {
			job_fail(j, seen[k].i, arena_printf(j->a, "instance %u: duplicate %s",
							     seen[k].i, arc_kind_name[seen[k].kind]));
			return -1;
		}
		in->f[seen[k].kind] = seen[k].f;
	}
	for (unsigned int i = 1; i <= top; i++)
		for (int kind = 0; kind < ARC_NKINDS; kind++)
			if (j->inst[i - 1].f[kind] == NULL) {
				job_fail(j, i, arena_printf(j->a, "instance %u: missing %s", i,
							    arc_kind_name[kind]));
				return -1;
			}
	return 0;
}

/* Reads an AMS (ams != 0) or ARC-Seal into s. Returns NULL, or why it
   is malformed. */
static const char *parse_sig(struct chk_arc_job *j, const struct arc_field *f, int ams,
			     struct arc_sig *s, const char **cv_r)
{
	static const char *const need_ams[] = { "a", "b", "bh", "d", "h", "s" };
	static const char *const need_as[] = { "a", "b", "cv", "d", "s" };
	const char *const *need = ams ? need_ams : need_as;
	size_t nneed = ams ? N_ELEMENTS(need_ams) : N_ELEMENTS(need_as);
	char *v = field_value(j->a, f);
	struct chk_arc_tag *t;
	const char *why, *x, *c;
	int n = chk_arc_tags_parse(j->a, v, strlen(v), &t, &why);

	memset(s, 0, sizeof(*s));
	s->f = f;
	s->key = -1;
	s->expires = -1;
	if (n < 0)
		return why;
	for (size_t k = 0; k < nneed; k++)
		if (tag_get(t, n, need[k]) == NULL)
			return arena_printf(j->a, "no %s= tag", need[k]);
	x = tag_get(t, n, "a");
	if (strcmp(x, "ed25519-sha256") == 0)
		s->ed25519 = 1;
	else if (strcmp(x, "rsa-sha256") != 0)
		return "unknown algorithm";
	s->d = tag_get(t, n, "d");
	s->s = tag_get(t, n, "s");
	if (*s->d == '\0' || *s->s == '\0')
		return "empty d= or s=";
	if (b64_decode(j->a, tag_get(t, n, "b"), &s->b, &s->blen) < 0 || s->blen == 0)
		return "b= is not base64";
	if ((x = tag_get(t, n, "x")) != NULL) {
		char *e;

		s->expires = strtoll(x, &e, 10);
		if (*e != '\0' || s->expires < 0)
			return "bad x=";
	}
	if (!ams) {
		if (tag_get(t, n, "h") != NULL)
			return "h= in ARC-Seal";
		*cv_r = tag_get(t, n, "cv");
		s->hrelaxed = 1;
		return NULL;
	}
	if (b64_decode(j->a, tag_get(t, n, "bh"), &s->bh, &s->bhlen) < 0 || s->bhlen != 32)
		return "bad bh=";
	s->h = tag_get(t, n, "h");
	if (list_has(s->h, "arc-seal"))
		return "h= lists ARC-Seal";
	if (!list_has(s->h, "from"))
		return "h= does not list From";
	if (tag_get(t, n, "l") != NULL) /* a partial body: nothing ARC needs */
		return "l= in ARC-Message-Signature";
	c = tag_get(t, n, "c");
	if (c != NULL) {
		const char *slash = strchr(c, '/');
		size_t hl = slash != NULL ? (size_t)(slash - c) : strlen(c);

		if (hl == 7 && strncmp(c, "relaxed", 7) == 0)
			s->hrelaxed = 1;
		else if (!(hl == 6 && strncmp(c, "simple", 6) == 0))
			return "bad c=";
		if (slash != NULL && strcmp(slash + 1, "relaxed") == 0)
			s->brelaxed = 1;
		else if (slash != NULL && strcmp(slash + 1, "simple") != 0)
			return "bad c=";
	}
	return NULL;
}

/* Reads every set's AMS and ARC-Seal; checks cv= (RFC 8617 5.2 steps
   3-4). Returns 0, or -1 having failed the job. */
static int check_sets(struct chk_arc_job *j)
{
	for (size_t k = j->n; k-- > 0;) {
		struct arc_inst *in = &j->inst[k];
		unsigned int i = (unsigned int)k + 1;
		const char *cv = NULL, *why;

		if ((why = parse_sig(j, in->f[ARC_AS], 0, &in->as, &cv)) != NULL) {
			job_fail(j, i, arena_printf(j->a, "instance %u: ARC-Seal: %s", i, why));
			return -1;
		}
		if ((why = parse_sig(j, in->f[ARC_AMS], 1, &in->ams, NULL)) != NULL) {
			job_fail(j, i, arena_printf(j->a, "instance %u: ARC-Message-Signature: %s",
						    i, why));
			return -1;
		}
		in->cv = cv;
		if (strcmp(cv, "fail") == 0) {
			job_fail(j, i, arena_printf(j->a, "instance %u: cv=fail", i));
			return -1;
		}
		if (strcmp(cv, i == 1 ? "none" : "pass") != 0) {
			job_fail(j, i, arena_printf(j->a, "instance %u: cv=%s, %s expected", i, cv,
						    i == 1 ? "none" : "pass"));
			return -1;
		}
	}
	j->parsed = 1;
	return 0;
}

/* ---- keys ---- */

/* Frees what is not arena memory; run by finish, or by the arena when
   a job is dropped unfinished. */
static void job_cleanup(void *ctx)
{
	struct chk_arc_job *j = ctx;

	for (size_t k = 0; k < j->nkeys; k++)
		EVP_PKEY_free(j->keys[k].pkey);
	j->nkeys = 0;
	for (size_t k = 0; k < j->n && j->inst != NULL; k++) {
		buf_free(&j->inst[k].canon);
		buf_free(&j->inst[k].canon_as);
	}
}

/* Asks for s's key unless already asked. Returns 0, or -1 when the
   key cap is reached. */
static int want_key(struct chk_arc_job *j, struct arc_sig *s)
{
	char *name = arena_printf(j->a, "%s._domainkey.%s", s->s, s->d);

	for (char *p = name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t k = 0; k < j->nkeys; k++)
		if (strcmp(j->keys[k].name, name) == 0) {
			s->key = (int)k;
			return 0;
		}
	if (j->nkeys == WN_ARC_MAX_KEYS)
		return -1;
	j->keys[j->nkeys].name = name;
	j->keys[j->nkeys].h = j->b != NULL ? dns_batch_add(j->b, DNS_TXT, name) : -1;
	s->key = (int)j->nkeys++;
	return 0;
}

static void key_set_error(struct arc_key *k, enum chk_arc_result res, const char *why)
{
	k->state = -1;
	k->res = res;
	k->why = why;
}

/* Loads the key from its answer, once. */
static struct arc_key *key_load(struct chk_arc_job *j, int idx)
{
	struct arc_key *k = &j->keys[idx];
	const struct dns_result *r;
	struct chk_arc_keyrec rec;
	const char *why;

	if (k->state != 0)
		return k;
	if (k->h < 0) {
		key_set_error(k, CHK_ARC_TEMPERROR, j->b == NULL ? "no DNS resolver" : "too many DNS queries");
		return k;
	}
	(void)dns_batch_wait_one(j->b, k->h, UINT_MAX); /* the batch bounds it */
	r = dns_batch_result(j->b, k->h);
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		key_set_error(k, CHK_ARC_FAIL, "key not found");
		return k;
	case DNS_PENDING:
	case DNS_TIMEOUT:
		key_set_error(k, CHK_ARC_TEMPERROR, "key query timed out");
		return k;
	case DNS_SERVFAIL:
	case DNS_ERROR:
	default:
		key_set_error(k, CHK_ARC_TEMPERROR,
			      arena_printf(j->a, "key query failed: %s",
					   r->why != NULL ? r->why : dns_status_name(r->status)));
		return k;
	}
	if (r->n == 0 || r->truncated) {
		key_set_error(k, CHK_ARC_FAIL, r->n == 0 ? "key not found" : "key record too long");
		return k;
	}
	if (chk_arc_keyrec_parse(j->a, r->rr[0].text, r->rr[0].text_len, &rec, &why) < 0) {
		key_set_error(k, CHK_ARC_FAIL, why);
		return k;
	}
	k->ed25519 = rec.ed25519;
	if (rec.ed25519) {
		if (rec.plen == 32)
			k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, rec.p, 32);
	} else {
		const unsigned char *q = rec.p;

		k->pkey = d2i_PUBKEY(NULL, &q, (long)rec.plen);
		if (k->pkey != NULL && EVP_PKEY_base_id(k->pkey) != EVP_PKEY_RSA) {
			EVP_PKEY_free(k->pkey);
			k->pkey = NULL;
		}
		if (k->pkey == NULL) { /* a bare RSAPublicKey, as some publish */
			q = rec.p;
			k->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)rec.plen);
		}
	}
	if (k->pkey == NULL) {
		key_set_error(k, CHK_ARC_FAIL, "bad key record: p= is not a key");
		return k;
	}
	if (!rec.ed25519 && EVP_PKEY_get_bits(k->pkey) < WN_ARC_MIN_RSA_BITS) {
		key_set_error(k, CHK_ARC_FAIL, "RSA key too short");
		return k;
	}
	k->state = 1;
	return k;
}

/* ---- signatures ---- */

/* 1 when sig verifies over data with k, 0 when not. Ed25519 signs the
   SHA-256 of the data (RFC 8463 3). */
static int pk_verify(const struct arc_key *k, const struct arc_sig *s, const char *data, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char digest[32];
	int ok;

	if (ctx == NULL)
		wn_panic("arc: EVP_MD_CTX_new failed");
	if (k->ed25519) {
		unsigned int dn = 32;

		EVP_Digest(data, len, digest, &dn, EVP_sha256(), NULL);
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		     EVP_DigestVerify(ctx, s->b, s->blen, digest, 32) == 1;
	} else {
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
		     EVP_DigestVerify(ctx, s->b, s->blen, (const unsigned char *)data, len) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Verifies s over the canonical data already in hdr plus s's own field
   with b= emptied. Returns CHK_ARC_PASS, or FAIL/TEMPERROR with *why_r. */
static enum chk_arc_result sig_verify(struct chk_arc_job *j, const struct arc_sig *s,
				      struct buf *hdr, const char **why_r)
{
	struct arc_key *k;
	struct arc_field self;
	char *stripped;

	if (s->expires >= 0 && s->expires < (long long)time(NULL)) {
		*why_r = "signature expired";
		return CHK_ARC_FAIL;
	}
	if (s->key < 0) {
		*why_r = arena_printf(j->a, "more than %d distinct keys", WN_ARC_MAX_KEYS);
		return CHK_ARC_FAIL;
	}
	k = key_load(j, s->key);
	if (k->state < 0) {
		*why_r = k->why;
		return k->res;
	}
	if (k->ed25519 != s->ed25519) {
		*why_r = "key type does not match a=";
		return CHK_ARC_FAIL;
	}
	stripped = strip_b(j->a, s->f, &self.n);
	canon_field(hdr, stripped, self.n, s->hrelaxed, 0);
	if (!pk_verify(k, s, hdr->data, hdr->len)) {
		*why_r = "signature did not verify";
		return CHK_ARC_FAIL;
	}
	return CHK_ARC_PASS;
}

/* RFC 6376 3.7 for an AMS: the body hash, then h= fields picked from
   the bottom up, then the AMS itself. */
static enum chk_arc_result ams_verify(struct chk_arc_job *j, const struct arc_sig *s,
				      const char **why_r)
{
	unsigned char bh[32];
	struct buf hdr = BUF_INIT;
	unsigned char *used = arena_zalloc(j->a, j->nfields + 1);
	const char *p = s->h;
	unsigned int names = 0;
	enum chk_arc_result res;

	body_hash(j, s->brelaxed, bh);
	if (memcmp(bh, s->bh, 32) != 0) {
		*why_r = "body hash did not verify";
		return CHK_ARC_FAIL;
	}
	while (*p != '\0') {
		const char *e = strchr(p, ':'), *q, *qe;

		if (e == NULL)
			e = p + strlen(p);
		for (q = p; q < e && is_fws(*q); q++)
			;
		for (qe = e; qe > q && is_fws(qe[-1]); qe--)
			;
		if (++names > WN_ARC_MAX_HFIELDS) {
			buf_free(&hdr);
			*why_r = "h= too long";
			return CHK_ARC_FAIL;
		}
		for (size_t k = j->nfields; k-- > 0;)
			if (!used[k] && qe > q && field_named(&j->fields[k], q, (size_t)(qe - q))) {
				used[k] = 1;
				canon_field(&hdr, j->fields[k].p, j->fields[k].n, s->hrelaxed, 1);
				break;
			}
		p = *e == ':' ? e + 1 : e;
	}
	res = sig_verify(j, s, &hdr, why_r);
	buf_free(&hdr);
	return res;
}

/* RFC 8617 5.1.1: the sets 1..i in order, AAR, AMS, AS each, relaxed,
   the seal under test last with b= emptied. */
static enum chk_arc_result seal_verify(struct chk_arc_job *j, size_t i, const char **why_r)
{
	struct buf hdr = BUF_INIT;
	enum chk_arc_result res;

	for (size_t k = 0; k <= i; k++) {
		struct arc_inst *in = &j->inst[k];

		if (in->canon.len == 0) {
			canon_field(&in->canon, in->f[ARC_AAR]->p, in->f[ARC_AAR]->n, 1, 1);
			canon_field(&in->canon, in->f[ARC_AMS]->p, in->f[ARC_AMS]->n, 1, 1);
			canon_field(&in->canon_as, in->f[ARC_AS]->p, in->f[ARC_AS]->n, 1, 1);
		}
		buf_append(&hdr, in->canon.data, in->canon.len);
		if (k < i) /* the seal under test comes b=-less, from sig_verify */
			buf_append(&hdr, in->canon_as.data, in->canon_as.len);
	}
	res = sig_verify(j, &j->inst[i].as, &hdr, why_r);
	buf_free(&hdr);
	return res;
}

/* ---- the job ---- */

void chk_arc_conf_from_cfg(struct chk_arc_conf *conf, const struct cfg *c)
{
	conf->max_sets = WN_ARC_MAX_SETS;
	conf->ntrusted = cfg_list(c, "arc_trusted_sealers", &conf->trusted);
}

struct chk_arc_job *chk_arc_start(const struct chk_arc_conf *conf, struct dns_batch *b,
				  struct arena *a, const char *raw, size_t len)
{
	struct chk_arc_job *j = arena_zalloc(a, sizeof(*j));

	j->a = a;
	j->conf = conf;
	j->b = b;
	j->res = CHK_ARC_NONE;
	arena_add_cleanup(a, job_cleanup, j);
	if (conf->max_sets == 0 || conf->max_sets > WN_ARC_MAX_SETS)
		wn_panic("arc: max_sets %u out of range", conf->max_sets);
	read_header(j, raw, len);
	if (collect_sets(j) < 0 || j->n == 0 || check_sets(j) < 0)
		return j;
	/* the verdict needs every seal's key and the newest AMS's; older
	   AMSs' keys only serve oldest-pass, so they come last and may be
	   left out when the cap is reached */
	for (size_t k = j->n; k-- > 0;)
		if (want_key(j, &j->inst[k].as) < 0) {
			job_fail(j, (unsigned int)k + 1,
				 arena_printf(j->a, "more than %d distinct keys", WN_ARC_MAX_KEYS));
			return j;
		}
	if (want_key(j, &j->inst[j->n - 1].ams) < 0) {
		job_fail(j, (unsigned int)j->n,
			 arena_printf(j->a, "more than %d distinct keys", WN_ARC_MAX_KEYS));
		return j;
	}
	for (size_t k = j->n - 1; k-- > 0;)
		(void)want_key(j, &j->inst[k].ams);
	/* local work while the queries travel */
	{
		unsigned char bh[32];

		body_hash(j, j->inst[j->n - 1].ams.brelaxed, bh);
	}
	j->res = CHK_ARC_PASS; /* so far */
	return j;
}

static void fill_sets(struct chk_arc_job *j, struct chk_arc_results *r)
{
	r->nsets = j->n;
	r->sets = j->n > 0 ? arena_zalloc(j->a, j->n * sizeof(*r->sets)) : NULL;
	for (size_t k = 0; k < j->n; k++) {
		struct chk_arc_set *s = &r->sets[k];
		const struct arc_inst *in = &j->inst[k];

		s->instance = (unsigned int)k + 1;
		s->aar = aar_text(j, in->f[ARC_AAR]);
		s->ams_domain = in->ams.d;
		s->ams_selector = in->ams.s;
		s->as_domain = in->as.d;
		s->as_selector = in->as.s;
		s->cv = in->cv;
		s->ams_ok = s->as_ok = -1;
	}
}

static void verify_chain(struct chk_arc_job *j, struct chk_arc_results *r)
{
	enum chk_arc_result res;
	const char *why;
	size_t top = j->n - 1;

	res = ams_verify(j, &j->inst[top].ams, &why);
	r->sets[top].ams_ok = res == CHK_ARC_PASS;
	if (res != CHK_ARC_PASS) {
		r->result = res;
		r->fail_instance = (unsigned int)j->n;
		r->reason = arena_printf(j->a, "instance %zu: ARC-Message-Signature: %s", j->n, why);
		return;
	}
	for (size_t k = j->n; k-- > 0;) {
		res = seal_verify(j, k, &why);
		r->sets[k].as_ok = res == CHK_ARC_PASS;
		if (res != CHK_ARC_PASS) {
			r->result = res;
			r->fail_instance = (unsigned int)k + 1;
			r->reason = arena_printf(j->a, "instance %zu: ARC-Seal: %s", k + 1, why);
			return;
		}
	}
	/* RFC 8617 5.2 step 6: older AMSs, newest first, until one fails */
	r->oldest_pass = 0;
	for (size_t k = top; k-- > 0;) {
		res = ams_verify(j, &j->inst[k].ams, &why);
		r->sets[k].ams_ok = res == CHK_ARC_PASS;
		if (res != CHK_ARC_PASS) {
			r->oldest_pass = (unsigned int)k + 2;
			break;
		}
	}
	r->result = CHK_ARC_PASS;
	r->oldest_pass_aar = r->sets[r->oldest_pass > 0 ? r->oldest_pass - 1 : 0].aar;
}

void chk_arc_finish(struct chk_arc_job *j, struct chk_arc_results *r)
{
	memset(r, 0, sizeof(*r));
	if (j->res == CHK_ARC_NONE && j->n == 0) {
		r->result = CHK_ARC_NONE;
		return;
	}
	if (j->res == CHK_ARC_FAIL) {
		r->result = CHK_ARC_FAIL;
		r->reason = j->why;
		r->fail_instance = j->why_inst;
		if (j->parsed)
			fill_sets(j, r);
		job_cleanup(j);
		return;
	}
	fill_sets(j, r);
	verify_chain(j, r);
	job_cleanup(j);
}

void chk_arc_verify(const struct chk_arc_conf *conf, struct dns_batch *b, struct arena *a,
		    const char *raw, size_t len, struct chk_arc_results *r)
{
	chk_arc_finish(chk_arc_start(conf, b, a, raw, len), r);
}

/* ---- what the pipeline reads ---- */

unsigned int chk_arc_trusted_instance(const struct chk_arc_results *r,
				      const struct chk_arc_conf *conf)
{
	if (r->result != CHK_ARC_PASS)
		return 0;
	for (size_t k = r->nsets; k-- > 0;)
		for (size_t t = 0; t < conf->ntrusted; t++)
			if (r->sets[k].as_domain != NULL &&
			    strcasecmp(r->sets[k].as_domain, conf->trusted[t]) == 0)
				return (unsigned int)k + 1;
	return 0;
}

unsigned int chk_arc_hits(const struct chk_arc_results *r)
{
	switch (r->result) {
	case CHK_ARC_NONE:
		return 0;
	case CHK_ARC_PASS:
		return CHK_ARC_HIT_SIGNED | CHK_ARC_HIT_VALID;
	case CHK_ARC_FAIL:
		return CHK_ARC_HIT_SIGNED | CHK_ARC_HIT_INVALID;
	case CHK_ARC_TEMPERROR:
		return CHK_ARC_HIT_SIGNED;
	}
	return 0;
}

const char *chk_arc_hit_name(unsigned int bit)
{
	switch (bit) {
	case CHK_ARC_HIT_SIGNED: return "ARC_SIGNED";
	case CHK_ARC_HIT_VALID: return "ARC_VALID";
	case CHK_ARC_HIT_INVALID: return "ARC_INVALID";
	}
	return NULL;
}

const char *chk_arc_result_name(enum chk_arc_result res)
{
	switch (res) {
	case CHK_ARC_NONE: return "none";
	case CHK_ARC_PASS: return "pass";
	case CHK_ARC_FAIL: return "fail";
	case CHK_ARC_TEMPERROR: return "temperror";
	}
	return "fail";
}


char *chk_arc_ar(struct arena *a, const struct chk_arc_results *r, const char *remote_ip)
{
	char *out = arena_strcat(a, "arc=", chk_arc_result_name(r->result), NULL);

	if (r->result == CHK_ARC_NONE)
		return out;
	if (r->reason != NULL)
		out = arena_strcat(a, out, " reason=", authres_value(a, r->reason), NULL);
	if (remote_ip != NULL && *remote_ip != '\0')
		out = arena_strcat(a, out, " smtp.remote-ip=", authres_value(a, remote_ip), NULL);
	if (r->result == CHK_ARC_PASS)
		out = arena_strcat(a, out, " header.oldest-pass=",
				   arena_printf(a, "%u", r->oldest_pass), NULL);
	return out;
}
