/*
 * msg.h - the message model: parsed once per message, read by every
 * check.
 *
 * Ownership: everything reachable from a struct msg lives in the arena
 * given to the parser and dies with it. Strings are NUL-terminated;
 * "views" (raw_*) point into msg->raw.
 *
 * Parsing is best-effort: malformed input never fails, it sets MSG_F_*
 * flags (on the message and on the part) that rules can score via
 * eval:check_msg_parse_flags and the WN_* rules. Every limit comes from
 * struct msg_limits (defaults in lib/limits.h).
 *
 * RFCs: 5322 (format), 2045-2049 (MIME), 2047 (encoded words),
 * 2231 (parameter continuations and charsets), 6532 (UTF-8 headers).
 */
#ifndef MSG_H
#define MSG_H

#include <stddef.h>
#include <time.h>

#include "lib/arena.h"

/* Flags: on struct msg (union of all) and on the part concerned. */
enum msg_flag {
	MSG_F_SIZE_TRUNCATED = 1u << 0,   /* message over max_size: rest ignored */
	MSG_F_HDR_TRUNCATED = 1u << 1,    /* header block over max_header_size */
	MSG_F_HDR_TOO_MANY = 1u << 2,     /* more than max_headers fields */
	MSG_F_HDR_MALFORMED = 1u << 3,    /* a header line without a colon, or a bad name */
	MSG_F_HDR_8BIT = 1u << 4,         /* raw 8-bit bytes in a header */
	MSG_F_LINE_TOO_LONG = 1u << 5,    /* a line over max_line (it was cut) */
	MSG_F_NO_BODY_SEP = 1u << 6,      /* input ended inside the header block */
	MSG_F_MIME_DEPTH = 1u << 7,       /* nesting over max_depth: deeper parts kept as leaves */
	MSG_F_MIME_PARTS = 1u << 8,       /* over max_parts: the rest not split */
	MSG_F_MIME_NO_BOUNDARY = 1u << 9, /* multipart without a boundary parameter */
	MSG_F_MIME_NO_END = 1u << 10,     /* multipart without its closing boundary */
	MSG_F_MIME_BAD_CTYPE = 1u << 11,  /* unparsable Content-Type: treated as text/plain */
	MSG_F_B64_BAD = 1u << 12,         /* invalid base64 characters or length */
	MSG_F_QP_BAD = 1u << 13,          /* invalid quoted-printable escapes */
	MSG_F_CHARSET_UNKNOWN = 1u << 14, /* unknown charset: bytes kept, invalid UTF-8 replaced */
	MSG_F_CHARSET_BAD = 1u << 15,     /* bytes invalid in the declared charset */
	MSG_F_DECODED_TRUNCATED = 1u << 16, /* decoded data over max_decoded or max_text */
	MSG_F_RFC2047_BAD = 1u << 17,     /* malformed encoded word */
	MSG_F_NUL = 1u << 18,             /* NUL bytes in the message */
	MSG_F_URI_LIMIT = 1u << 19,       /* more than max_uris URIs */
	MSG_F_HTML_LIMIT = 1u << 20,      /* HTML nesting or size limit hit */
	MSG_F_BARE_CR_LF = 1u << 21,      /* bare CR or mixed line endings */
	MSG_F_CTE_UNKNOWN = 1u << 22,     /* unknown Content-Transfer-Encoding: kept raw */
	MSG_F_MISSING_MIME_VERSION = 1u << 23, /* MIME headers but no MIME-Version */
};

struct msg_limits {
	size_t max_size;
	size_t max_line;
	size_t max_header_size;
	size_t max_headers;
	size_t max_parts;
	size_t max_depth;
	size_t max_decoded;
	size_t max_text;
	size_t max_uris;
	size_t max_html_depth;
};

/* Fills in the defaults of lib/limits.h. */
void msg_limits_default(struct msg_limits *lim);

struct msg_header {
	const char *name;     /* field name as written, NUL-terminated copy */
	const char *raw;      /* field body as written: after the colon, folding
				 kept (CRLF/LF + WSP), without the final line end */
	size_t raw_len;
	const char *value;    /* unfolded (line ends removed, WSP kept), leading
				 and trailing whitespace trimmed, raw bytes */
	const char *decoded;  /* value with RFC 2047 words decoded, UTF-8 */
	unsigned int flags;
};

struct msg_header_list {
	struct msg_header *v;
	size_t count;
};

struct html_info; /* lib/html.h */

struct msg_part {
	struct msg_part *parent;
	struct msg_part **children;
	size_t nchildren;
	unsigned int depth;  /* 0 for the root */
	unsigned int index;  /* position in msg->parts (document order) */
	struct msg_header_list headers;
	const char *ctype;       /* "type/subtype" lowercased; defaults per RFC 2045
				    (text/plain, or message/rfc822 in multipart/digest) */
	const char *charset;     /* lowercased, NULL if none */
	const char *boundary;    /* multipart only, NULL otherwise */
	const char *cte;         /* lowercased Content-Transfer-Encoding, "7bit" default */
	const char *disposition; /* lowercased "inline"/"attachment", NULL if absent */
	const char *filename;    /* from Content-Disposition filename or Content-Type
				    name (RFC 2231 and 2047 decoded), NULL if none */
	const char *raw_body;    /* view: the body as written (still encoded) */
	size_t raw_body_len;
	/* Leaves only (NULL for multiparts): */
	const unsigned char *decoded; /* after CTE decoding; NUL-terminated */
	size_t decoded_len;
	const char *text;        /* text/ leaves: decoded converted to UTF-8 */
	size_t text_len;
	const char *visible;     /* text/plain: == text; text/html: rendered
				    visible text (lib/html.c); else NULL */
	size_t visible_len;
	struct html_info *html;  /* text/html leaves, else NULL */
	const char *detected_type; /* type sniffed from content (magic bytes),
				      e.g. "application/x-dosexec", NULL if unknown */
	int is_attachment;       /* disposition attachment, or has a filename, or
				    not text/ and not multipart/ */
	unsigned int flags;
};

enum msg_uri_source {
	MSG_URI_TEXT,   /* found in plain text */
	MSG_URI_HREF,   /* <a href>, <area href>, <link href>, <form action> */
	MSG_URI_SRC,    /* <img src>, <iframe src>, <script src>, background= */
	MSG_URI_OTHER,
};

struct msg_uri {
	const char *uri;         /* as found, whitespace removed, entities decoded */
	const char *scheme;      /* lowercased, "http" when the URI had none (www.x) */
	const char *host;        /* lowercased, percent- and IDN-decoded; NULL if none */
	const char *anchor_text; /* visible text of the <a>, UTF-8; NULL if none */
	enum msg_uri_source source;
	const struct msg_part *part;
};

struct msg_addr {
	const char *name;   /* display name, decoded, unquoted; "" if none */
	const char *addr;   /* addr-spec "local@domain" (domain lowercased); "" if none */
	const char *local;
	const char *domain; /* lowercased; "" if none */
};

struct msg {
	struct arena *arena;
	const char *raw;         /* the message as parsed (mbox "From " line
				    removed), NUL-terminated */
	size_t raw_len;
	size_t header_len;       /* bytes of the top header block incl. blank line */
	struct msg_header_list headers; /* top-level header fields, in order */
	struct msg_part *root;
	struct msg_part **parts; /* every part in document order, parts[0] == root */
	size_t nparts;
	struct msg_uri *uris;    /* filled by msg_parser_finish (lib/uri.c) */
	size_t nuris;
	unsigned int flags;      /* union of every flag seen */
	const struct msg_limits *limits;
};

/* Incremental parser: feed any split of the input, then finish. The
   result is the same whatever the split. */
struct msg_parser;
struct msg_parser *msg_parser_new(struct arena *a, const struct msg_limits *lim);
void msg_parser_feed(struct msg_parser *p, const void *data, size_t len);
/* Never NULL. The parser is consumed (its memory is in the arena). */
struct msg *msg_parser_finish(struct msg_parser *p);

/* Convenience: new + one feed + finish. */
struct msg *msg_parse(struct arena *a, const void *data, size_t len,
		      const struct msg_limits *lim);

/* Header lookup, name compared case-insensitively; NULL if absent. */
const struct msg_header *msg_header_first(const struct msg_header_list *l,
					  const char *name);
const struct msg_header *msg_header_last(const struct msg_header_list *l,
					 const char *name);
/* Number of fields with that name. */
size_t msg_header_count(const struct msg_header_list *l, const char *name);
/* Decoded value of the first field, or NULL. */
const char *msg_get(const struct msg *m, const char *name);

/* Address lists (RFC 5322 3.4): groups flattened, comments dropped,
   obsolete routes ignored, display names RFC 2047 decoded. Best effort:
   a bare word becomes an addr with an empty domain. Returns the count;
   *list_r is arena memory (NULL when 0). */
size_t msg_addr_parse(struct arena *a, const char *value,
		      struct msg_addr **list_r);

/* RFC 5322 date-time (and common malformed variants). Returns 0 and the
   UTC time in *t_r, or -1. */
int msg_date_parse(const char *value, time_t *t_r);

/* Message-ID: the "<...>" token, or NULL if the field is malformed. */
const char *msg_msgid_parse(struct arena *a, const char *value);

/* RFC 2047: decodes encoded words in a header value to UTF-8 (any iconv
   charset), unfolding adjacent words; sets *flags_r |= MSG_F_RFC2047_BAD
   on malformed words (kept as written). */
char *msg_rfc2047_decode(struct arena *a, const char *in, size_t len,
			 unsigned int *flags_r);

/* Charset conversion to UTF-8 through iconv; invalid sequences become
   U+FFFD and set MSG_F_CHARSET_BAD, unknown charsets MSG_F_CHARSET_UNKNOWN
   (the bytes are then taken as windows-1252 if not valid UTF-8).
   Output is at most max_out bytes (MSG_F_DECODED_TRUNCATED beyond). */
char *msg_charset_to_utf8(struct arena *a, const char *charset,
			  const void *in, size_t len, size_t max_out,
			  size_t *out_len_r, unsigned int *flags_r);

/* Transfer decoders: output in arena, NUL-terminated, at most max_out
   bytes. Flags as above. */
unsigned char *msg_base64_decode(struct arena *a, const char *in, size_t len,
				 size_t max_out, size_t *out_len_r,
				 unsigned int *flags_r);
unsigned char *msg_qp_decode(struct arena *a, const char *in, size_t len,
			     size_t max_out, size_t *out_len_r,
			     unsigned int *flags_r);

/* A parsed Received field (the parts rules and relay checks need). */
struct msg_received {
	const char *raw;        /* decoded value */
	const char *from_helo;  /* "from X" */
	const char *from_rdns;  /* reverse DNS name in the comment, if any */
	const char *from_ip;    /* IP literal in the comment or brackets, IPv4 or IPv6 */
	const char *by;         /* "by X" */
	const char *with;       /* "with X" (ESMTP, ESMTPSA, SMTP, HTTP, ...) */
	const char *id;
	const char *envfrom;    /* envelope-from if the MTA recorded it */
	const char *for_addr;
	const char *auth;       /* authentication noted (ESMTPA/ESMTPSA or (authenticated...)) */
	time_t date;            /* 0 if none or unparsable */
	int parsed;             /* 0 if the field could not be understood */
};
/* Parses the Received chain top (newest) to bottom. Returns the count;
   *list_r is arena memory. */
size_t msg_received_parse(const struct msg *m, struct msg_received **list_r);
/* Parses only the Received field k (0: the newest) into *r, for callers
   that want a few of a long chain; -1 when there are not k + 1. */
int msg_received_parse_nth(const struct msg *m, size_t k, struct msg_received *r);

/* Envelope facts the front-ends collect (all optional; NULL/0 if not known). */
struct msg_envelope {
	const char *client_ip;
	const char *client_rdns;
	const char *helo;
	const char *mail_from;
	const char **rcpts;
	size_t nrcpts;
	const char *auth_user;
	const char *queue_id;
};

#endif
