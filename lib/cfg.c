/*
 * cfg.c - winnow.conf parsing and the table of every key (see cfg.h).
 *
 * The table below is the single source of defaults and documentation;
 * etc/winnow.conf is checked against it by a unit test.
 */
#include "lib/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "lib/buf.h"
#include "lib/dns.h"
#include "lib/limits.h"
#include "lib/smtp_client.h"
#include "lib/wn.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct cfg_key cfg_key_table[] = {
	{ "rules_dir", CFG_LIST, "default",
	  "rule directories or .cf files, in load order; \"default\" is the shipped rules/default" },
	{ "required_score", CFG_DOUBLE, "5.0",
	  "score at or above which a message is spam (overrides required_score in rules)" },
	{ "debug", CFG_LIST, "", "modules to log at debug level (all, rules, msg, scan, ...)" },
	{ "msg_max_size", CFG_SIZE, "10m", "bytes of a message that are parsed" },
	{ "msg_max_line", CFG_SIZE, "64k", "longest line kept whole" },
	{ "msg_max_header_size", CFG_SIZE, "256k", "bytes in one header block" },
	{ "msg_max_headers", CFG_UINT, STR(WN_MSG_MAX_HEADERS), "header fields in one block" },
	{ "msg_max_parts", CFG_UINT, STR(WN_MSG_MAX_PARTS), "MIME parts per message" },
	{ "msg_max_depth", CFG_UINT, STR(WN_MSG_MAX_DEPTH), "MIME nesting depth" },
	{ "msg_max_decoded", CFG_SIZE, "32m", "total decoded bytes per message" },
	{ "msg_max_text", CFG_SIZE, "2m", "decoded text of one part given to body rules" },
	{ "msg_max_uris", CFG_UINT, STR(WN_MSG_MAX_URIS), "URIs collected per message" },
	{ "msg_max_html_depth", CFG_UINT, STR(WN_MSG_MAX_HTML_DEPTH), "HTML tag nesting tracked" },
	/* filterd: the daemon, its milter and spamd front-ends */
	{ "milter_listen", CFG_STR, "inet:8899@127.0.0.1",
	  "milter socket: inet:PORT@ADDR, inet6:PORT@ADDR or unix:/path; empty disables" },
	{ "milter_socket_mode", CFG_STR, "0660",
	  "mode of a unix milter socket (octal); it belongs to user and its group" },
	{ "spamd_listen", CFG_STR, "127.0.0.1:783",
	  "spamd protocol listener: ADDR:PORT, [ADDR6]:PORT or unix:/path; empty disables" },
	{ "spamd_allow_tell", CFG_BOOL, "no",
	  "spamd listener: let clients learn and forget with TELL (spamc -L, -C)" },
	{ "reject_score", CFG_DOUBLE, "0",
	  "score at or above which the milter rejects with 5xx (0: never reject)" },
	{ "reject_reply", CFG_STR, "550 5.7.1 Message rejected as spam",
	  "SMTP reply (code, enhanced code, text) for rejected spam" },
	{ "spam_action", CFG_STR, "header",
	  "what the milter does with spam under reject_score: header, quarantine "
	  "(see quarantine_store), discard" },
	{ "add_report", CFG_BOOL, "no", "add an X-Spam-Report header to spam" },
	{ "error_action", CFG_STR, "accept",
	  "on an internal error or a scan over scan_timeout: accept (with a header) or tempfail" },
	{ "scan_timeout", CFG_UINT, "30", "seconds one scan may take before error_action applies" },
	{ "scan_max_size", CFG_SIZE, "10m",
	  "messages larger than this pass unscanned, with a header saying so" },
	{ "skip_rcpt", CFG_LIST, "postmaster@*",
	  "recipients (globs, or @domain) whose mail is never filtered" },
	{ "skip_authenticated", CFG_BOOL, "yes", "never filter mail from authenticated senders" },
	{ "pid_file", CFG_STR, "", "filterd writes its pid here (empty: none)" },
	{ "user", CFG_STR, "", "filterd runs as this user after binding (empty: stays)" },
	{ "syslog_facility", CFG_STR, "mail", "syslog facility for filterd" },
	{ "hostname", CFG_STR, "",
	  "host name in X-Spam-Checker-Version and reports (empty: the system's)" },
	{ "authserv_id", CFG_STR, "",
	  "this host's name in Authentication-Results (RFC 8601); incoming fields "
	  "claiming it are removed as forged (empty: the host name)" },
	/* Bayes: the token database and the classifier */
	{ "db_path", CFG_STR, "/var/lib/winnow/winnow.db",
	  "Winnow's SQLite database (Bayes tokens, seen messages)" },
	{ "use_bayes", CFG_BOOL, "yes",
	  "score with the Bayes database; BAYES_* hits once it has enough training" },
	{ "bayes_user_path", CFG_STR, "",
	  "per-user databases: a path with %u for the recipient, used for mail to one "
	  "recipient (empty: db_path for everyone)" },
	{ "bayes_auto_learn", CFG_BOOL, "yes",
	  "learn from clear verdicts when rules and Bayes agree" },
	{ "bayes_auto_learn_threshold_spam", CFG_DOUBLE, "12.0",
	  "score (without Bayes hits) at or above which autolearn learns spam" },
	{ "bayes_auto_learn_threshold_nonspam", CFG_DOUBLE, "0.1",
	  "score (without Bayes hits) at or below which autolearn learns ham" },
	{ "bayes_learn_on_error", CFG_BOOL, "no",
	  "train on error: learn only messages Bayes does not already judge right" },
	{ "bayes_min_spam_num", CFG_UINT, "200", "spam messages learned before Bayes is used" },
	{ "bayes_min_ham_num", CFG_UINT, "200", "ham messages learned before Bayes is used" },
	{ "bayes_max_tokens", CFG_UINT, "1000000",
	  "tokens kept; expiry drops rare old tokens, then the least recently seen" },
	{ "bayes_seen_days", CFG_UINT, "365",
	  "days a learned message's id is remembered (0: always); older ones, learned "
	  "again, count again" },
	{ "bayes_auto_expire", CFG_BOOL, "yes",
	  "expire after `winnow learn` and every 1000 autolearns when over bayes_max_tokens" },
	{ "bayes_robinson_s", CFG_DOUBLE, "0.10",
	  "weight of the prior against a token's observations (Robinson's s)" },
	{ "bayes_robinson_x", CFG_DOUBLE, "0.538", "probability of an unseen token (Robinson's x)" },
	{ "bayes_min_prob_strength", CFG_DOUBLE, "0.20",
	  "tokens closer than this to 0.5 are ignored" },
	{ "bayes_max_significant", CFG_UINT, "150", "most significant tokens combined" },
	{ "bayes_ham_cutoff", CFG_DOUBLE, "0.20",
	  "Bayes probability below which a message counts as ham (autolearn, on error)" },
	{ "bayes_spam_cutoff", CFG_DOUBLE, "0.80",
	  "Bayes probability from which a message counts as spam (autolearn, on error)" },
	{ "bayes_max_msg_tokens", CFG_UINT, "3000", "distinct tokens taken from one message" },
	{ "bayes_bigrams", CFG_BOOL, "no", "also learn adjacent word pairs" },
	{ "bayes_hidden_text", CFG_BOOL, "yes",
	  "also learn the words of HTML text hidden from the reader" },
	/* AWL: the auto-whitelist (SpamAssassin's AWL plugin), kept in db_path */
	{ "use_awl", CFG_BOOL, "no",
	  "move each message's score toward its sender's mean score (AWL hit); one "
	  "store write per message" },
	{ "awl_factor", CFG_DOUBLE, "0.5",
	  "how far toward the sender's mean a score moves, 0 to 1" },
	{ "awl_ipv4_mask_len", CFG_UINT, "16",
	  "leading bits of an IPv4 address that make a sender's IP block, 0 to 32" },
	{ "awl_ipv6_mask_len", CFG_UINT, "48",
	  "leading bits of an IPv6 address that make a sender's IP block, 0 to 128" },
	{ "awl_expire_days", CFG_UINT, "180",
	  "days an AWL entry may go unseen before expiry drops it (0: never)" },
	/* Network checks (filterd/scan_net.c) */
	{ "use_network", CFG_BOOL, "yes",
	  "DNS-based checks: DNSBL/URIBL rules, dnsbl_zones, SPF, DKIM (winnow check -L: off)" },
	{ "use_spf", CFG_BOOL, "yes", "check SPF (RFC 7208) of the sender and HELO" },
	{ "use_dkim", CFG_BOOL, "yes", "verify DKIM signatures (RFC 6376)" },
	{ "use_dmarc", CFG_BOOL, "yes",
	  "check DMARC (RFC 7489) of the From domain (needs use_spf and use_dkim)" },
	{ "use_arc", CFG_BOOL, "yes",
	  "verify ARC chains (RFC 8617); see arc_trusted_sealers" },
	{ "dmarc_reject", CFG_BOOL, "no",
	  "refuse (5xx) mail whose From domain's DMARC policy says reject" },
	/* DNS: the resolver shared by DNSBL, URIBL, SPF, DKIM and DMARC */
	{ "dns_forward", CFG_LIST, "",
	  "DNS servers to ask, ADDR or ADDR@PORT (empty: those of /etc/resolv.conf)" },
	{ "dns_timeout_ms", CFG_UINT, "3000",
	  "milliseconds one DNS query may take; later it counts as a timeout" },
	{ "dns_message_budget_ms", CFG_UINT, "5000",
	  "milliseconds all DNS queries of one message may take together" },
	/* DNSBL/URIBL (filterd/check_dnsbl.c) and the public suffix list */
	{ "dnsbl_zones", CFG_LIST, "",
	  "DNSBL zones checked against untrusted relays; a listing hits RCVD_IN_<ZONE>" },
	{ "dnsbl_score", CFG_DOUBLE, "1.0", "score of each dnsbl_zones hit" },
	{ "public_suffix_list", CFG_STR, "/usr/share/publicsuffix/public_suffix_list.dat",
	  "Public Suffix List file (registrable domains for URIBL and DMARC)" },
	{ "dkim_max_signatures", CFG_UINT, "10",
	  "DKIM signatures verified per message; more are reported unchecked" },
	/* DKIM signing (filterd/dkim_sign.c) */
	{ "dkim_sign_keys", CFG_LIST, "",
	  "DKIM signing keys, DOMAIN:SELECTOR:/path/to/key.pem (PEM RSA or Ed25519); "
	  "mail from authenticated or dkim_sign_networks senders is signed when its "
	  "From: domain has a key" },
	{ "dkim_sign_headers", CFG_LIST,
	  "from to cc subject date message-id reply-to mime-version content-type "
	  "in-reply-to references",
	  "header fields DKIM-signed when present" },
	{ "dkim_sign_oversign", CFG_LIST, "from",
	  "header fields signed once more than present, so none can be added later" },
	{ "dkim_sign_canon", CFG_STR, "relaxed/relaxed",
	  "DKIM canonicalisation, header/body: relaxed or simple" },
	{ "dkim_sign_networks", CFG_LIST, "127.0.0.0/8 ::1",
	  "clients (addresses or ADDRESS/BITS) whose mail is DKIM-signed without SMTP AUTH" },
	{ "dkim_sign_subdomains", CFG_BOOL, "no",
	  "sign mail from a subdomain with a parent domain's key when it has none" },
	{ "arc_trusted_sealers", CFG_LIST, "",
	  "ARC sealers (ARC-Seal d= domains) whose reported results are trusted when "
	  "the ARC chain passes, e.g. mailing lists allowed to override a DMARC failure" },
	/* Antivirus in process (filterd/check_av.c, libclamav) */
	{ "clamav_db", CFG_STR, "/var/lib/clamav",
	  "directory of ClamAV signature databases (.cvd/.cld and others), loaded at "
	  "start and on reload" },
	{ "av_max_filesize", CFG_SIZE, "25m",
	  "largest single object scanned (message, decoded attachment, archive member); "
	  "a larger one is a scan error, never clean" },
	{ "av_max_scansize", CFG_SIZE, "100m",
	  "bytes scanned per message in all, decoded parts and archive members included" },
	{ "av_max_recursion", CFG_UINT, STR(WN_AV_MAX_RECURSION),
	  "nesting of containers (attachments, archives, attached messages) scanned" },
	{ "av_max_files", CFG_UINT, STR(WN_AV_MAX_FILES),
	  "files taken out of one message's archives" },
	{ "av_max_scantime", CFG_UINT, STR(WN_AV_MAX_SCANTIME_MS),
	  "milliseconds one message's virus scan may take; then it is a scan error" },
	/* Antivirus through a running clamd instead (filterd/check_clamd.c) */
	{ "clamd_socket", CFG_STR, "",
	  "clamd to scan with over INSTREAM: unix:/path or HOST:PORT ([ADDR6]:PORT); "
	  "empty: not used" },
	{ "clamd_timeout_ms", CFG_UINT, "30000",
	  "milliseconds one clamd scan may take in all (connect, send, reply); then it "
	  "is a scan error, never clean" },
	/* Antivirus: which scanner, and what is done with what it finds
	   (filterd/scan_av.c) */
	{ "antivirus", CFG_STR, "none",
	  "virus scanner: none, clamav (libclamav in process, clamav_db) or clamd "
	  "(clamd_socket)" },
	{ "clamav_reload_check", CFG_UINT, "60",
	  "seconds between looks at clamav_db for new databases (freshclam); a change "
	  "is loaded beside the running engine and swapped in (0: only on SIGHUP)" },
	{ "virus_action", CFG_STR, "reject",
	  "what the milter does with a virus: reject (5xx naming it), discard, "
	  "quarantine, header (X-Virus-Status only)" },
	{ "av_error_action", CFG_STR, "tempfail",
	  "when the virus scan fails or times out: tempfail (4xx), reject, quarantine, "
	  "accept (with X-Virus-Status: Unscanned)" },
	{ "av_limit_action", CFG_STR, "quarantine",
	  "when a message exceeds the scan limits (av_max_*: zip bombs, deep nesting, "
	  "huge attachments): tempfail, reject, quarantine, accept" },
	{ "quarantine_store", CFG_STR, "winnow",
	  "where quarantined mail goes: winnow (quarantine_dir, `winnow quarantine`) or "
	  "hold (the MTA's hold queue, released with postsuper -H)" },
	/* Winnow's quarantine (filterd/quarantine.c, `winnow quarantine`) */
	{ "quarantine_dir", CFG_STR, "/var/lib/winnow/quarantine",
	  "directory of quarantined messages, one file each (indexed in db_path)" },
	{ "quarantine_expire_days", CFG_UINT, "30",
	  "`winnow quarantine expire` deletes entries older than this many days" },
	{ "quarantine_release_smtp", CFG_STR, "127.0.0.1:10026",
	  "SMTP next hop releases and digests are sent to, HOST:PORT, [ADDR6]:PORT or "
	  "unix:/path: an smtpd of the MTA without milters, so they are not scanned again" },
	{ "quarantine_release_learn", CFG_BOOL, "no",
	  "a released message is also learned as ham (as `release --learn-ham`)" },
	{ "quarantine_token_key", CFG_STR, "",
	  "secret key file of release tokens, made on first use (empty: quarantine.key "
	  "beside db_path)" },
	{ "quarantine_token_days", CFG_UINT, "14",
	  "days a release token in a digest stays valid" },
	{ "quarantine_digest_from", CFG_STR, "",
	  "From address of quarantine digests (empty: postmaster@ the host name)" },
	{ "quarantine_release_url", CFG_STR, "",
	  "release link in digests, %t for the token, e.g. https://mail.example.com/"
	  "release?t=%t (empty: the digest says to run `winnow quarantine release --token`)" },
	/* Attachment policy (filterd/check_attach.c) */
	{ "use_attach_policy", CFG_BOOL, "yes",
	  "judge attachments by name and content (banned extensions, executables, "
	  "inside zip archives too)" },
	{ "attach_banned_ext", CFG_LIST,
	  "ade adp app appref-ms application appx bas bat chm cmd com cpl dll exe gadget "
	  "hlp hta inf ins iqy isp iso img jar js jse ksh lnk mde msc msh msi msix msp "
	  "mst pcd pif ps1 ps1xml ps2 psc1 psc2 psm1 reg scf scr sct settingcontent-ms "
	  "shb shs sys udl url vb vbe vbs vhd vhdx vxd wsc wsf wsh xbap xll",
	  "file extensions refused in attachments and archive members (Windows "
	  "programs, scripts, shortcuts, installers, disk images)" },
	{ "attach_allowed_ext", CFG_LIST, "",
	  "extensions accepted even if banned; an executable so named passes too" },
	{ "attach_decoy_ext", CFG_LIST,
	  "pdf doc docx xls xlsx ppt pptx rtf txt csv jpg jpeg png gif bmp tif tiff "
	  "zip rar 7z mp3 mp4 avi mov wav htm html odt ods eml msg xml",
	  "document-looking extensions: one before a banned one is a double extension" },
	{ "attach_banned_content", CFG_LIST, "pe elf macho script msi lnk",
	  "executables refused by content whatever the name says: pe, elf, macho, "
	  "script (#!), msi, lnk" },
	{ "attach_action", CFG_STR, "reject",
	  "action for a banned attachment: reject (5xx), tempfail, discard, quarantine, "
	  "header, none" },
	{ "attach_encrypted_action", CFG_STR, "none",
	  "action for a password-protected archive (hit WN_ATTACH_ENCRYPTED_ARCHIVE)" },
	{ "attach_unchecked_action", CFG_STR, "none",
	  "action when a limit stopped the look inside an archive (WN_ATTACH_UNCHECKED)" },
	{ "attach_mismatch_action", CFG_STR, "none",
	  "action when content contradicts the name or declared type "
	  "(WN_ATTACH_TYPE_MISMATCH)" },
	{ "attach_max_members", CFG_UINT, "1000",
	  "archive members looked at per message, all archives together" },
	{ "attach_max_depth", CFG_UINT, "8",
	  "archives nested in archives opened (at most 32)" },
	{ "attach_max_inflate", CFG_SIZE, "10m",
	  "bytes inflated per message to open archives nested in archives (at most 256m)" },
	{ "attach_policy_file", CFG_STR, "",
	  "per-recipient-domain attachment policies ([domain] blocks; see "
	  "etc/winnow.conf); empty: none" },
	/* winnow-mda (mda/): delivery into Maildir */
	{ "mda_max_size", CFG_SIZE, "64m",
	  "largest message winnow-mda accepts (bigger: exit 65, \"5.3.4 message too big\")" },
	{ "mda_maildir", CFG_STR, "Maildir",
	  "the user's INBOX Maildir, relative to the home directory or absolute" },
	{ "mda_sieve", CFG_STR, ".winnow.sieve",
	  "the user's Sieve script, relative to the home directory; empty: none" },
	{ "mda_procmail_compat", CFG_BOOL, "yes",
	  "without a Sieve script, run the user's ~/.procmailrc (the supported subset)" },
	{ "mda_junk_folder", CFG_STR, "Junk",
	  "default policy: folder of mail with X-Spam-Flag: YES (empty: INBOX)" },
	{ "mda_virus_folder", CFG_STR, "Quarantine",
	  "default policy: folder of mail with X-Virus-Status: Infected (empty: INBOX)" },
	{ "mda_quota", CFG_STR, "",
	  "Maildir++ quota \"<bytes>S,<count>C\" kept in maildirsize; empty: the one already "
	  "in maildirsize if any; none: never check" },
	{ "mda_quota_bounce", CFG_BOOL, "no",
	  "over quota: bounce (exit 73) instead of deferring (exit 75)" },
	{ "mda_sendmail", CFG_STR, "/usr/sbin/sendmail",
	  "the MTA's sendmail, run as \"sendmail -i -f SENDER -- ADDRESS\" to forward and reply" },
	{ "mda_pipe_timeout", CFG_UINT, "60",
	  "seconds a command (procmail |, sendmail) may run before its process group is killed "
	  "and delivery deferred" },
};

/* Ranges of the AWL keys (their type is checked first). */
static int cfg_check_range(const char *value, double max, char **err_r)
{
	double v = strtod(value, NULL);

	if (v >= 0 && v <= max)
		return 0;
	*err_r = buf_strdup_printf("must be from 0 to %g", max);
	return -1;
}

static int cfg_check_fraction(const char *value, char **err_r)
{
	return cfg_check_range(value, 1, err_r);
}

static int cfg_check_ipv4_mask(const char *value, char **err_r)
{
	return cfg_check_range(value, 32, err_r);
}

static int cfg_check_ipv6_mask(const char *value, char **err_r)
{
	return cfg_check_range(value, 128, err_r);
}

/* dkim_sign_keys: the form of each entry (the key files themselves are
   read by filterd/dkim_sign.c when the engine loads: `winnow learn`
   and `winnow check` need not be able to read them). */
static int cfg_check_dkim_sign_keys(const char *value, char **err_r)
{
	const char *p = value;

	while (*p != '\0') {
		size_t n, dom, sel;

		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		dom = strcspn(p, ":");
		sel = dom < n ? strcspn(p + dom + 1, ":") : 0;
		if (dom == 0 || dom >= n || sel == 0 || dom + 1 + sel + 1 >= n ||
		    p[dom + 1 + sel + 1] != '/') {
			*err_r = buf_strdup_printf("'%.*s': expected DOMAIN:SELECTOR:/path/to/key.pem",
						   (int)n, p);
			return -1;
		}
		p += n;
	}
	return 0;
}

static int cfg_check_dkim_sign_canon(const char *value, char **err_r)
{
	static const char *const ok[] = { "relaxed/relaxed", "relaxed/simple", "simple/relaxed",
					  "simple/simple", "relaxed", "simple" };
	size_t i;

	for (i = 0; i < N_ELEMENTS(ok); i++)
		if (strcasecmp(value, ok[i]) == 0)
			return 0;
	*err_r = buf_strdup_printf("'%s': expected relaxed/relaxed, relaxed/simple, "
				   "simple/relaxed or simple/simple", value);
	return -1;
}

/* value is one of the words in choices ("a|b|c"), case-insensitive. */
static int cfg_check_choice(const char *value, const char *choices, char **err_r)
{
	const char *p = choices;
	size_t n = strlen(value);

	while (*p != '\0') {
		size_t w = strcspn(p, "|");
		if (w == n && strncasecmp(p, value, n) == 0)
			return 0;
		p += w + (p[w] == '|');
	}
	*err_r = buf_strdup_printf("'%s': expected one of %s", value, choices);
	return -1;
}

/* mda_quota: "", "none", or Courier's "<n>S", "<n>C", "<n>S,<n>C". */
static int cfg_check_mda_quota(const char *value, char **err_r)
{
	const char *p = value;
	int parts = 0;

	if (*p == '\0' || strcmp(p, "none") == 0)
		return 0;
	while (*p != '\0' && parts < 2) {
		if (!isdigit((unsigned char)*p))
			break;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p != 'S' && *p != 'C')
			break;
		p++;
		parts++;
		if (*p == ',' && p[1] != '\0')
			p++;
	}
	if (*p == '\0' && parts > 0)
		return 0;
	*err_r = buf_strdup_printf("'%s': want <bytes>S, <count>C or both (\"10000000S,1000C\"), "
				   "empty or none", value);
	return -1;
}

/* quarantine_release_smtp: the form of the next hop (lib/smtp_client.h). */
static int cfg_check_release_smtp(const char *value, char **err_r)
{
	const char *why = NULL;

	if (smtp_next_hop_check(value, &why) == 0)
		return 0;
	*err_r = buf_strdup_printf("'%s': %s", value, why);
	return -1;
}

/* Keys whose values need more than their type's check, so that a bad
   value is reported at load with its file:line, not when first used. */
#define CFG_AV_FAILURE "tempfail|reject|quarantine|accept"
/* the attachment policy's actions (filterd/scan.h enum scan_action) */
#define CFG_ATTACH_ACTION "none|header|quarantine|discard|tempfail|reject"

static const struct {
	const char *name;
	int (*check)(const char *value, char **err_r); /* -1, malloc'd reason */
	const char *choices; /* or: one of these words ("a|b|c"), no case */
} cfg_check_table[] = {
	{ "dns_forward", dns_forward_check, NULL },
	{ "awl_factor", cfg_check_fraction, NULL },
	{ "awl_ipv4_mask_len", cfg_check_ipv4_mask, NULL },
	{ "awl_ipv6_mask_len", cfg_check_ipv6_mask, NULL },
	{ "dkim_sign_keys", cfg_check_dkim_sign_keys, NULL },
	{ "dkim_sign_canon", cfg_check_dkim_sign_canon, NULL },
	{ "antivirus", NULL, "none|clamav|clamd" },
	{ "virus_action", NULL, "reject|discard|quarantine|header" },
	{ "av_error_action", NULL, CFG_AV_FAILURE },
	{ "av_limit_action", NULL, CFG_AV_FAILURE },
	{ "spam_action", NULL, "header|quarantine|discard" },
	{ "quarantine_store", NULL, "winnow|hold" },
	{ "attach_action", NULL, CFG_ATTACH_ACTION },
	{ "attach_encrypted_action", NULL, CFG_ATTACH_ACTION },
	{ "attach_unchecked_action", NULL, CFG_ATTACH_ACTION },
	{ "attach_mismatch_action", NULL, CFG_ATTACH_ACTION },
	{ "quarantine_release_smtp", cfg_check_release_smtp, NULL },
	{ "mda_quota", cfg_check_mda_quota, NULL },
};

struct cfg_value {
	char *str;
	char **words;
	size_t nwords;
};

struct cfg {
	struct cfg_value v[N_ELEMENTS(cfg_key_table)];
};

const struct cfg_key *cfg_keys(size_t *count_r)
{
	*count_r = N_ELEMENTS(cfg_key_table);
	return cfg_key_table;
}

/* Key indices sorted by name for cfg_index's binary search: keys are
   looked up by name on every cfg_str() and friends, by filterd for
   every message and by winnow-mda, which starts once per delivery,
   about 300 times while setting the defaults. */
static unsigned short cfg_sorted[N_ELEMENTS(cfg_key_table)];
static pthread_once_t cfg_sorted_once = PTHREAD_ONCE_INIT;

static int cfg_sorted_cmp(const void *a, const void *b)
{
	return strcmp(cfg_key_table[*(const unsigned short *)a].name,
		      cfg_key_table[*(const unsigned short *)b].name);
}

static void cfg_sort_keys(void)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(cfg_key_table); i++)
		cfg_sorted[i] = (unsigned short)i;
	qsort(cfg_sorted, N_ELEMENTS(cfg_sorted), sizeof(cfg_sorted[0]), cfg_sorted_cmp);
}

static int cfg_index(const char *key)
{
	size_t lo = 0, hi = N_ELEMENTS(cfg_sorted);

	pthread_once(&cfg_sorted_once, cfg_sort_keys);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(key, cfg_key_table[cfg_sorted[mid]].name);

		if (r == 0)
			return cfg_sorted[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int cfg_parse_size(const char *s, size_t *r)
{
	char *end;
	unsigned long long n;
	size_t mult = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k': mult = 1024; end++; break;
	case 'm': mult = 1024 * 1024; end++; break;
	case 'g': mult = (size_t)1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || n > SIZE_MAX / mult)
		return -1;
	*r = (size_t)n * mult;
	return 0;
}

int cfg_parse_bool(const char *s, int *r)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < N_ELEMENTS(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*r = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*r = 0;
			return 0;
		}
	}
	return -1;
}

static int cfg_validate(const struct cfg_key *k, const char *value)
{
	char *end;
	size_t sz;
	int b;

	switch (k->type) {
	case CFG_STR:
	case CFG_LIST:
		return 0;
	case CFG_DOUBLE:
		errno = 0;
		(void)strtod(value, &end);
		return (errno != 0 || end == value || *end != '\0') ? -1 : 0;
	case CFG_UINT:
		if (!isdigit((unsigned char)*value))
			return -1;
		errno = 0;
		(void)strtoul(value, &end, 10);
		return (errno != 0 || *end != '\0') ? -1 : 0;
	case CFG_SIZE:
		return cfg_parse_size(value, &sz);
	case CFG_BOOL:
		return cfg_parse_bool(value, &b);
	}
	return -1;
}

static int cfg_check(const char *key, const char *value, const char *origin,
		     char **err_r)
{
	char *why = NULL;
	size_t i;

	for (i = 0; i < N_ELEMENTS(cfg_check_table); i++) {
		if (strcmp(cfg_check_table[i].name, key) != 0)
			continue;
		if ((cfg_check_table[i].check != NULL
			     ? cfg_check_table[i].check(value, &why)
			     : cfg_check_choice(value, cfg_check_table[i].choices, &why)) < 0) {
			*err_r = buf_strdup_printf("%s: %s: %s", origin, key, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

static const char *cfg_type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_DOUBLE: return "a number";
	case CFG_UINT: return "a whole number";
	case CFG_SIZE: return "a size (e.g. 512k, 10m)";
	case CFG_BOOL: return "yes or no";
	default: return "a string";
	}
}

static void cfg_value_clear(struct cfg_value *v)
{
	size_t i;

	free(v->str);
	for (i = 0; i < v->nwords; i++)
		free(v->words[i]);
	free(v->words);
	memset(v, 0, sizeof(*v));
}

static void cfg_split_words(struct cfg_value *v)
{
	const char *p = v->str;

	while (*p != '\0') {
		size_t n;
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		v->words = xrealloc(v->words, (v->nwords + 1) * sizeof(char *));
		v->words[v->nwords++] = xstrndup(p, n);
		p += n;
	}
}

/* Sets key number i of the table. */
static int cfg_set_at(struct cfg *c, size_t i, const char *value, const char *origin,
		      char **err_r)
{
	const char *key = cfg_key_table[i].name;
	struct cfg_value *v;

	if (cfg_validate(&cfg_key_table[i], value) < 0) {
		*err_r = buf_strdup_printf("%s: %s: '%s' is not %s", origin, key, value,
				  cfg_type_name(cfg_key_table[i].type));
		return -1;
	}
	if (cfg_check(key, value, origin, err_r) < 0)
		return -1;
	v = &c->v[i];
	cfg_value_clear(v);
	v->str = xstrdup(value);
	if (cfg_key_table[i].type == CFG_LIST)
		cfg_split_words(v);
	return 0;
}

int cfg_set(struct cfg *c, const char *key, const char *value,
	    const char *origin, char **err_r)
{
	int i = cfg_index(key);

	if (i < 0) {
		*err_r = buf_strdup_printf("%s: unknown key '%s'", origin, key);
		return -1;
	}
	return cfg_set_at(c, (size_t)i, value, origin, err_r);
}

struct cfg *cfg_new(void)
{
	struct cfg *c = xcalloc(1, sizeof(*c));
	char *err = NULL;
	size_t i;

	for (i = 0; i < N_ELEMENTS(cfg_key_table); i++) {
		if (cfg_set_at(c, i, cfg_key_table[i].def, "default", &err) < 0)
			wn_panic("cfg: bad default: %s", err);
	}
	return c;
}

void cfg_free(struct cfg **cp)
{
	size_t i;

	if (*cp == NULL)
		return;
	for (i = 0; i < N_ELEMENTS(cfg_key_table); i++)
		cfg_value_clear(&(*cp)->v[i]);
	free(*cp);
	*cp = NULL;
}

static char *cfg_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One line: "key = value", comments start with '#' at line start. */
static int cfg_line(struct cfg *c, char *line, const char *origin, char **err_r)
{
	char *eq, *key, *value;

	line = cfg_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		*err_r = buf_strdup_printf("%s: expected 'key = value'", origin);
		return -1;
	}
	*eq = '\0';
	key = cfg_trim(line);
	value = cfg_trim(eq + 1);
	return cfg_set(c, key, value, origin, err_r);
}

/* Parses config text; name is used in error messages ("name:line: ..."). */
int cfg_load_buffer(struct cfg *c, const char *name, const char *data,
		    size_t len, char **err_r)
{
	const char *p = data, *end = data + len;
	unsigned int lineno = 0;
	char origin[1024];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char *line;
		int ret;

		lineno++;
		snprintf(origin, sizeof(origin), "%s:%u", name, lineno);
		if (n >= WN_CFG_MAX_LINE) {
			*err_r = buf_strdup_printf("%s: line too long", origin);
			return -1;
		}
		if (memchr(p, '\0', n) != NULL) {
			*err_r = buf_strdup_printf("%s: NUL byte in line", origin);
			return -1;
		}
		line = xstrndup(p, n);
		ret = cfg_line(c, line, origin, err_r);
		free(line);
		if (ret < 0)
			return -1;
		p += n + (nl != NULL);
	}
	return 0;
}

int cfg_load_file(struct cfg *c, const char *path, char **err_r)
{
	FILE *f = fopen(path, "r");
	struct buf data = BUF_INIT;
	char chunk[8192];
	size_t n;
	int ret;

	if (f == NULL) {
		*err_r = buf_strdup_printf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&data, chunk, n);
	if (ferror(f)) {
		*err_r = buf_strdup_printf("%s: read error: %s", path, strerror(errno));
		fclose(f);
		buf_free(&data);
		return -1;
	}
	fclose(f);
	ret = cfg_load_buffer(c, path, buf_cstr(&data), data.len, err_r);
	buf_free(&data);
	return ret;
}

int cfg_set_option(struct cfg *c, const char *kv, char **err_r)
{
	const char *eq = strchr(kv, '=');
	char *key, *k, *v;
	int ret;

	if (eq == NULL) {
		*err_r = buf_strdup_printf("-o %s: expected KEY=VALUE", kv);
		return -1;
	}
	key = xstrndup(kv, (size_t)(eq - kv));
	k = cfg_trim(key);
	v = xstrdup(eq + 1);
	ret = cfg_set(c, k, cfg_trim(v), "-o", err_r);
	free(key);
	free(v);
	return ret;
}

static const struct cfg_value *cfg_get(const struct cfg *c, const char *key,
				       enum cfg_type want)
{
	int i = cfg_index(key);

	if (i < 0)
		wn_panic("cfg: no key '%s' in the table", key);
	if (cfg_key_table[i].type != want)
		wn_panic("cfg: key '%s' read with the wrong type", key);
	return &c->v[i];
}

const char *cfg_str(const struct cfg *c, const char *key)
{
	int i = cfg_index(key);

	if (i < 0)
		wn_panic("cfg: no key '%s' in the table", key);
	return c->v[i].str;
}

double cfg_double(const struct cfg *c, const char *key)
{
	return strtod(cfg_get(c, key, CFG_DOUBLE)->str, NULL);
}

size_t cfg_size(const struct cfg *c, const char *key)
{
	size_t r = 0;

	(void)cfg_parse_size(cfg_get(c, key, CFG_SIZE)->str, &r);
	return r;
}

unsigned int cfg_uint(const struct cfg *c, const char *key)
{
	return (unsigned int)strtoul(cfg_get(c, key, CFG_UINT)->str, NULL, 10);
}

int cfg_bool(const struct cfg *c, const char *key)
{
	int r = 0;

	(void)cfg_parse_bool(cfg_get(c, key, CFG_BOOL)->str, &r);
	return r;
}

size_t cfg_list(const struct cfg *c, const char *key, const char *const **v_r)
{
	const struct cfg_value *v = cfg_get(c, key, CFG_LIST);

	*v_r = (const char *const *)v->words;
	return v->nwords;
}

void cfg_dump(const struct cfg *c, FILE *f)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(cfg_key_table); i++) {
		fprintf(f, "# %s (default: %s)\n%s = %s\n", cfg_key_table[i].doc,
			cfg_key_table[i].def, cfg_key_table[i].name, c->v[i].str);
	}
}
