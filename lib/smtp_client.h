/*
 * smtp_client.h - a small SMTP client (RFC 5321) for mail Winnow sends
 * itself: quarantine releases and digests, handed to a next hop (the
 * local Postfix). One connection per call, no state between calls.
 *
 * The message goes out as given except for line endings: every bare LF
 * (and bare CR) becomes CRLF on the wire, a missing final CRLF is added,
 * and lines starting with '.' are dot-stuffed. So a next hop that stores
 * with LF endings (Postfix into Maildir) keeps the original bytes.
 *
 * Every step (connect, each command, DATA) shares one deadline of
 * timeout_ms from the start of the call (0: 60 s). Only resolving a host
 * name in next_hop is outside it (getaddrinfo); use an address or a unix
 * socket for a strict bound. Thread-safe, no globals; SIGPIPE avoided
 * (MSG_NOSIGNAL).
 *
 * MAIL FROM gets BODY=8BITMIME when the message has 8-bit bytes and the
 * server offers it, and SMTPUTF8 when an address or the header is not
 * ASCII and the server offers it. A non-ASCII address to a server
 * without SMTPUTF8 fails (permanent) before MAIL; 8-bit content to a
 * server without 8BITMIME is sent unchanged. Long lines are not folded.
 */
#ifndef SMTP_CLIENT_H
#define SMTP_CLIENT_H

#include <stddef.h>

struct smtp_client_conf {
	const char *next_hop;   /* "HOST:PORT", "[ADDR6]:PORT" or "unix:/path" */
	const char *helo;       /* EHLO name (NULL: the host name) */
	unsigned int timeout_ms;
};

struct smtp_send_result {
	int code;           /* the last reply code seen (0: none, e.g. connect failed) */
	int permanent;      /* 1 when the failure was a 5xx reply */
	size_t rcpts_ok;    /* recipients the server accepted */
	char reply[512];    /* the failing (or final) reply's text after the code
			       (last line of a multi-line reply), or for a local
			       failure (connect, timeout, bad address) a
			       description; printable ASCII */
};

/* 0 when conf->next_hop is well formed; else -1 and a static message. */
int smtp_next_hop_check(const char *next_hop, const char **err_r);

/* Sends raw (len bytes) with envelope sender mail_from ("" for the null
   sender <>) to nrcpts recipients. Returns 0 when the server accepted the
   message after DATA for every recipient; -1 otherwise, with r saying why
   (a recipient refused makes the whole call fail before DATA: nothing
   is sent to anyone; the first refusal ends it). Addresses longer than
   256 bytes or holding control characters, '<' or '>' are refused
   before connecting (code 0). */
int smtp_send(const struct smtp_client_conf *conf, const char *mail_from,
	      const char *const *rcpts, size_t nrcpts, const void *raw, size_t len,
	      struct smtp_send_result *r);

/* Parses one complete SMTP reply (possibly multi-line "250-...\r\n250
   ...\r\n") at the start of buf: returns bytes consumed, 0 if more bytes
   are needed, -1 if malformed. *code_r gets the code; text (the last
   line's text) is copied to text_r (size text_size, NUL-terminated,
   control characters replaced). Exposed for the fuzz target. */
long smtp_reply_parse(const char *buf, size_t len, int *code_r, char *text_r,
		      size_t text_size);

#endif
