/*
 * quar_digest.h - the per-recipient quarantine digest: one mail to a
 * recipient listing their quarantined messages (date, sender, subject,
 * score, reason) with a release token each, as a multipart/alternative
 * of plain text and HTML. Building only; `winnow quarantine digest`
 * picks the entries and sends it (smtp_client.h).
 */
#ifndef QUAR_DIGEST_H
#define QUAR_DIGEST_H

#include <stddef.h>
#include <time.h>

struct quar_digest_entry {
	const char *id;
	time_t date;
	const char *from;     /* the message's From field, decoded (UTF-8), or NULL */
	const char *subject;  /* decoded (UTF-8), or NULL */
	double score;
	const char *reason;
	const char *token;    /* release token (qtoken.h) */
};

struct quar_digest_conf {
	const char *from;        /* digest sender address (quarantine_digest_from) */
	const char *hostname;    /* for Message-ID */
	const char *release_url; /* "https://host/release?t=%t" (%t: token), or NULL/"":
				    the mail tells to run `winnow quarantine
				    release --token TOKEN` / reply instead */
};

/* Builds the digest for rcpt listing n entries (n >= 1), dated now.
   Returns the whole message (header and body, CRLF line endings,
   7-bit: UTF-8 text is encoded) as a malloc'd string, its length in
   *len_r. Header fields holding entry text are encoded (RFC 2047), the
   HTML is escaped; nothing from an entry can add a header field or
   markup. */
char *quar_digest_build(const struct quar_digest_conf *conf, const char *rcpt,
			const struct quar_digest_entry *e, size_t n, time_t now,
			size_t *len_r);

#endif
