/*
 * limits.h - default limits on everything untrusted, in one place.
 *
 * Each limit has a reason. All can be overridden in winnow.conf (the key
 * is named in the comment). Hitting a limit is never fatal: the parser
 * stops consuming that kind of input, sets a MSG_F_* flag that rules can
 * score, and carries on with what it has.
 *
 * Always include as "lib/limits.h" (never <limits.h>, which is libc's).
 */
#ifndef WN_LIMITS_H
#define WN_LIMITS_H

#include <stddef.h>

/* msg_max_size: bytes of a message we parse. Scanning mail bigger than
   this buys little (spam is small) and costs memory; the front-ends pass
   larger mail unscanned. SpamAssassin's spamc default is 500 KB; we parse
   more because attachments matter for type checks. */
#define WN_MSG_MAX_SIZE ((size_t)10 * 1024 * 1024)

/* msg_max_line: one line (header or body). RFC 5322 says 998; real mail
   breaks that, so allow more before we cut (and flag) a line. */
#define WN_MSG_MAX_LINE ((size_t)64 * 1024)

/* msg_max_header_size: a whole header block (all fields of one entity).
   Postfix's header_size_limit default is 100 KB. */
#define WN_MSG_MAX_HEADER_SIZE ((size_t)256 * 1024)

/* msg_max_headers: fields in one header block. Legit mail with long
   Received chains stays well under 500; Postfix allows 1000 recipients. */
#define WN_MSG_MAX_HEADERS 1000

/* msg_max_parts: MIME parts in one message. Postfix's mime_nesting_limit
   is about depth; for count, 1000 covers digests of mailing lists. */
#define WN_MSG_MAX_PARTS 1000

/* msg_max_depth: MIME nesting. Postfix's mime_nesting_limit is 100;
   nothing legitimate nests deeper than a handful of levels. */
#define WN_MSG_MAX_DEPTH 30

/* msg_max_decoded: total bytes of decoded part bodies (base64, QP,
   charset conversion) kept for rules. Bounds memory per message at a few
   times msg_max_size. */
#define WN_MSG_MAX_DECODED ((size_t)32 * 1024 * 1024)

/* msg_max_text: decoded text of one text part given to body rules.
   SpamAssassin's body rules look at the first ~1 MB in practice. */
#define WN_MSG_MAX_TEXT ((size_t)2 * 1024 * 1024)

/* msg_max_uris: URIs collected per message. URIBL lookups and uri rules
   scale with this; phishing kits rarely need more than a few dozen. */
#define WN_MSG_MAX_URIS 1000

/* msg_max_html_depth: tag nesting tracked by the HTML renderer. */
#define WN_MSG_MAX_HTML_DEPTH 256

/* msg_max_recipients: envelope recipients recorded. Postfix's
   smtpd_recipient_limit default. */
#define WN_MSG_MAX_RECIPIENTS 1000

/* rule_max_match_steps: PCRE2 match limit per rule and subject, against
   catastrophic backtracking in third-party rules. */
#define WN_RULE_MATCH_LIMIT 1000000

/* rule_max_hits: hits one tflags multiple rule may score. */
#define WN_RULE_MAX_MULTIPLE 1000

/* cfg_max_line: one line of a config or rule file. */
#define WN_CFG_MAX_LINE ((size_t)64 * 1024)

/* rule_max_include_depth: nested include directives. */
#define WN_RULE_MAX_INCLUDE_DEPTH 16

/* dns: queries in one message's batch. A message needs a handful per
   DNSBL zone plus one per URI host looked up; SpamAssassin looks up at
   most 20 URI domains per URIBL. Past this, dns_batch_add() refuses.
   Not configurable yet. */
#define WN_DNS_MAX_QUERIES 256

/* dns: records kept per answer. DNSBL answers carry one or two, MX sets
   a few; a hostile zone can return hundreds. Not configurable yet. */
#define WN_DNS_MAX_ANSWERS 64

/* dns: TXT bytes kept per answer. A 4096-bit DKIM key is about 800
   bytes, SPF records stay under 512 (RFC 7208 3.4 advises 450). Not
   configurable yet. */
#define WN_DNS_MAX_TXT ((size_t)8 * 1024)

/* dns_forward: forwarders listed. */
#define WN_DNS_MAX_FORWARDERS 8

/* dnsbl: URI domains (registrable domains and IP literal hosts) looked
   up per message in each URIBL. SpamAssassin's uridnsbl_max_domains is
   20: spam rarely needs more to name its payload, and a message with
   hundreds of links must not cost hundreds of queries per list. */
#define WN_DNSBL_MAX_URI_DOMAINS 20

/* dnsbl: relay addresses looked up per message in each DNSBL. A forged
   Received chain can name any number of hops; real untrusted chains
   have one to three. */
#define WN_DNSBL_MAX_RELAY_IPS 10

/* dkim_max_signatures: DKIM-Signature fields verified per message. Real
   mail carries one to three (author, ESP, mailing list); each costs a
   key query, a public-key operation and, with its own c=/l=, a pass over
   the body. Fields past this are reported unchecked (neutral). */
#define WN_DKIM_MAX_SIGS 10

/* dkim_sign_keys: bytes read from one private key file. A PEM 4096-bit
   RSA key is about 3.3 KiB; anything much larger is not a key. */
#define WN_DKIM_SIGN_MAX_KEY_FILE ((size_t)64 * 1024)

/* dkim_sign_keys: keys loaded (each one signs every message of its
   domain; a site has one or two per domain it sends for). */
#define WN_DKIM_SIGN_MAX_KEYS 1000

/* arc: ARC sets per message. RFC 8617 4.2.1 caps i= at 50; a message
   with more fails. Each set costs a seal verification over all sets
   before it, so the cap also bounds the quadratic part. */
#define WN_ARC_MAX_SETS 50

/* arc: bytes of one ARC field (name, value, folding). Real ones are
   under 2 KB (an AAR quoting several results is the longest). */
#define WN_ARC_MAX_FIELD ((size_t)16 * 1024)

/* arc: distinct keys (selector, domain) queried per message. A chain
   through three or four ADMDs needs that many; a forged one naming a
   new key per set must not cost fifty queries. */
#define WN_ARC_MAX_KEYS 10

/* arc: tags in one tag=value list (signature or key record); ARC-Seal
   has 7, ARC-Message-Signature about 10. */
#define WN_ARC_MAX_TAGS 32

/* arc: names in an ARC-Message-Signature's h=; signers list 10 to 30. */
#define WN_ARC_MAX_HFIELDS 100

/* arc: smallest RSA key accepted (RFC 8301 3.2: verifiers MUST NOT
   consider signatures with keys under 1024 bits valid). */
#define WN_ARC_MIN_RSA_BITS 1024

/* av_max_filesize: the largest single object libclamav scans (the raw
   message itself, or one attachment or archive member once decoded).
   Mail over 25 MB rarely gets through a provider at all; clamd's
   MaxFileSize default is 100 MB. An object over it is not scanned and
   the scan reports a limit error, never clean. */
#define WN_AV_MAX_FILESIZE ((size_t)25 * 1024 * 1024)

/* av_max_scansize: bytes libclamav reads for one message in total,
   counting every decoded part and archive member: the bound on a zip
   bomb's expansion. clamd's MaxScanSize default is 400 MB. */
#define WN_AV_MAX_SCANSIZE ((size_t)100 * 1024 * 1024)

/* av_max_recursion: nesting of containers (MIME part in message in zip
   in ...). clamd's MaxRecursion default is 17; real mail needs 3 or 4. */
#define WN_AV_MAX_RECURSION 16

/* av_max_files: files taken out of one message's archives. clamd's
   MaxFiles default is 10000; mail archives with more are nearly always
   bombs, and each file costs a temporary file. */
#define WN_AV_MAX_FILES 1000

/* av_max_scantime: milliseconds one message's scan may take. clamd's
   MaxScanTime default is 120 s; a milter holds the SMTP client while it
   waits, so stop well before Postfix's milter_content_timeout (300 s). */
#define WN_AV_MAX_SCANTIME_MS 30000

#endif
