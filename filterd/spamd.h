/*
 * spamd.h - filterd's front-end for SpamAssassin's spamd protocol
 * (SPAMC/1.x requests, SPAMD/1.x replies), so spamc, Exim's
 * spam= condition and other spamd clients can use Winnow unchanged.
 *
 * spamd_parse() is a pure, bounded request parser (fuzzed); spamd_serve()
 * answers one connection; spamd_start() binds a listener and serves it
 * from a thread of its own until spamd_stop().
 */
#ifndef SPAMD_H
#define SPAMD_H

#include <stddef.h>

/* sysexits codes used on the wire, as spamd's %resphash numbers them. */
#define SPAMD_EX_OK 0
#define SPAMD_EX_DATAERR 65     /* message over scan_max_size */
#define SPAMD_EX_UNAVAILABLE 69
#define SPAMD_EX_SOFTWARE 70
#define SPAMD_EX_PROTOCOL 76    /* malformed request */
#define SPAMD_EX_TIMEOUT 79

/* spamd_parse() results besides the error codes above. */
#define SPAMD_PARSE_DONE 0
#define SPAMD_PARSE_MORE 1

/* Limits on a request (the body is bounded by the caller's max_body,
   scan_max_size). spamc sends a request line and two or three short
   header lines; spamd allows 256 header lines. */
#define SPAMD_MAX_LINE 1024
#define SPAMD_MAX_HEADERS 256
#define SPAMD_MAX_HEADER_BLOCK ((size_t)16 * 1024)
#define SPAMD_MAX_USER 256

enum spamd_verb {
	SPAMD_CHECK,
	SPAMD_SYMBOLS,
	SPAMD_REPORT,
	SPAMD_REPORT_IFSPAM,
	SPAMD_PROCESS,
	SPAMD_HEADERS,
	SPAMD_PING,
	SPAMD_SKIP,
	SPAMD_TELL,
};

enum spamd_class {
	SPAMD_CLASS_NONE,
	SPAMD_CLASS_SPAM,
	SPAMD_CLASS_HAM,
};

/* Set:/Remove: targets of TELL. */
#define SPAMD_TELL_LOCAL 1u
#define SPAMD_TELL_REMOTE 2u

struct spamd_req {
	enum spamd_verb verb;
	unsigned int version;       /* minor: 5 for SPAMC/1.5 */
	int has_length;             /* a Content-length header came */
	size_t content_length;
	char user[SPAMD_MAX_USER + 1];
	enum spamd_class msg_class;
	unsigned int set, remove;   /* SPAMD_TELL_* */
	const char *body;           /* view into the parsed buffer */
	size_t body_len;
	size_t need;                /* with MORE: total bytes needed, 0 unknown */
	char error[256];            /* with an error: reply text after the code */
};

/* Parses the request in buf[0..len) (all bytes read so far; eof says the
   client closed its side). Returns SPAMD_PARSE_DONE with req filled and
   req->body pointing into buf, SPAMD_PARSE_MORE when the request is not
   complete yet, or a SPAMD_EX_* code with the reply text in req->error
   ("Bad header line: (...)"). Stateless: the same bytes give the same
   result however they were split. A body over max_body bytes gives
   SPAMD_EX_DATAERR. Requests without Content-length end at EOF. */
int spamd_parse(const char *buf, size_t len, size_t max_body, int eof,
		struct spamd_req *req);

/* "CHECK", "PROCESS"... */
const char *spamd_verb_name(enum spamd_verb v);

struct spamd_opts {
	unsigned int timeout_secs;  /* per read or write; 0: SPAMD_TIMEOUT */
	const char *peer;           /* client address for logs, may be NULL */
};
#define SPAMD_TIMEOUT 30

/* Serves one connection on fd: reads a request (timeouts from o, which
   may be NULL), scans with the engine of daemon_engine_get() and its
   config (scan_max_size, add_report, hostname), replies as spamd does,
   and closes fd. Returns 0 when a well-formed request was answered, -1
   otherwise (logged). */
int spamd_serve(int fd, const struct spamd_opts *o);

struct spamd_server;

/* Binds listen_spec ("ADDR:PORT", "[ADDR6]:PORT" or "unix:/path") now,
   so the caller may drop privileges afterwards, and serves it from a
   thread of its own, one thread per connection (at most
   SPAMD_MAX_CONNS at a time). Returns NULL with a malloc'd *err_r. */
struct spamd_server *spamd_start(const char *listen_spec, char **err_r);
#define SPAMD_MAX_CONNS 64

/* Stops accepting, waits for connections in progress, closes (and
   unlinks a unix socket), frees *sp and sets it to NULL. NULL is fine. */
void spamd_stop(struct spamd_server **sp);

#endif
