/*
 * check_clamd.h - virus scanning through a running clamd, for sites
 * that already run one (key clamd_socket), over clamd's INSTREAM
 * protocol on a unix or TCP socket. The in-process alternative is
 * libclamav.
 *
 * One connection per scan, no state kept between scans: a clamd
 * restart costs nothing but the scans in flight. Every step (connect,
 * each write, the reply) shares one deadline of timeout_ms from the
 * start of the call, so a scan never takes much longer than that
 * whatever clamd does. The reply is read up to CHK_CLAMD_REPLY_MAX
 * bytes. A failure of any kind is CHK_CLAMD_ERROR, never CLEAN: the
 * caller applies its configured default (tempfail) to it.
 *
 * Thread-safe: no globals; SIGPIPE is avoided per send (MSG_NOSIGNAL).
 */
#ifndef CHECK_CLAMD_H
#define CHECK_CLAMD_H

#include <stddef.h>

struct cfg;

/* Longest reply read from clamd; clamd's own are under 300 bytes
   (a signature name is at most a few dozen). */
#define CHK_CLAMD_REPLY_MAX 1024
/* Bytes per INSTREAM chunk: clamd reads chunks of any size up to its
   StreamMaxLength; 64 KiB keeps the number of writes small. */
#define CHK_CLAMD_CHUNK (64 * 1024)

struct chk_clamd_conf {
	/* "unix:/path" or "HOST:PORT" ("[ADDR6]:PORT" for IPv6); key
	   clamd_socket. The string must outlive the conf. */
	const char *socket;
	/* Whole-call deadline in milliseconds; key clamd_timeout_ms. */
	unsigned int timeout_ms;
};

enum chk_clamd_status {
	CHK_CLAMD_CLEAN,
	CHK_CLAMD_VIRUS,
	CHK_CLAMD_ERROR,
};

/* Why a scan gave CHK_CLAMD_ERROR. */
enum chk_clamd_error {
	CHK_CLAMD_ERR_NONE,
	CHK_CLAMD_ERR_CONFIG,     /* clamd_socket malformed */
	CHK_CLAMD_ERR_CONNECT,    /* no clamd listening, refused, unresolvable */
	CHK_CLAMD_ERR_TIMEOUT,    /* deadline passed in connect, write or read */
	CHK_CLAMD_ERR_IO,         /* write or read failed without a reply */
	CHK_CLAMD_ERR_SIZE_LIMIT, /* over clamd's StreamMaxLength */
	CHK_CLAMD_ERR_CLAMD,      /* clamd answered "... ERROR" */
	CHK_CLAMD_ERR_PROTOCOL,   /* a reply we do not understand */
};

struct chk_clamd_result {
	enum chk_clamd_status status;
	enum chk_clamd_error error; /* CHK_CLAMD_ERR_NONE unless ERROR */
	/* VIRUS: the signature name as clamd gave it (printable ASCII);
	   "" otherwise. */
	char virus[256];
	/* ERROR: a short reason, e.g. "size limit: INSTREAM size limit
	   exceeded" or "connect: /run/clamd.ctl: No such file or
	   directory"; text from clamd has control characters replaced, so
	   it can be logged as is. "" otherwise. */
	char reason[256];
	unsigned int elapsed_ms; /* time the call took */
};

/* Fills conf from the clamd_* keys of c; conf->socket points into c. */
void chk_clamd_conf_from_cfg(struct chk_clamd_conf *conf, const struct cfg *c);

/* 0 when s is a well-formed clamd_socket value; else -1 and a static
   message in *err_r. */
int chk_clamd_socket_check(const char *s, const char **err_r);

/* Scans raw (the whole message as received; any bytes) with clamd's
   INSTREAM and fills r. Returns r->status. Blocks at most about
   conf->timeout_ms (name resolution of a HOST that is not numeric may
   add the resolver's own time). */
enum chk_clamd_status chk_clamd_scan(const struct chk_clamd_conf *conf,
				     const char *raw, size_t len,
				     struct chk_clamd_result *r);

/* Health check: zPING, expecting PONG. 0 when clamd answers, else -1
   with the reason in r (status CHK_CLAMD_ERROR). r may be NULL. */
int chk_clamd_ping(const struct chk_clamd_conf *conf, struct chk_clamd_result *r);

/* Reads one INSTREAM reply (the bytes clamd sent, its terminating NUL
   or newline included or not) into r: "stream: OK" is CLEAN,
   "stream: NAME FOUND" is VIRUS, "INSTREAM size limit exceeded. ERROR"
   is ERROR/SIZE_LIMIT, any other "... ERROR" is ERROR/CLAMD, anything
   else (empty, binary, truncated, a NAME with a space or control
   character) is ERROR/PROTOCOL. Never CLEAN unless the reply is
   exactly "stream: OK". Any input, any length. */
void chk_clamd_parse_reply(const char *reply, size_t len, struct chk_clamd_result *r);

/* "clean", "virus", "error". */
const char *chk_clamd_status_name(enum chk_clamd_status s);

#endif
