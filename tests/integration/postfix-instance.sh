#!/bin/sh
# postfix-instance.sh W SMTP_PORT MILTER_SPEC: creates and starts a
# private Postfix under W/postfix (../shared/RECIPES.md section 1): SMTP on
# 127.0.0.1:SMTP_PORT, virtual(8) delivery for bob@virt.test into
# W/postfix/vmail/virt.test/bob/ (Maildir), smtpd_milters = MILTER_SPEC
# (empty: no milter), milter_default_action = tempfail with 3 s milter
# timeouts. Stop it with: postfix -c W/postfix/etc stop. Needs root.
# Used by tests/integration/test-postfix.sh and bench/bench-postfix.py.
set -u
W=$1
SMTP=$2
MILTER_SPEC=$3
P=$W/postfix
chmod 755 "$W"
mkdir -p "$P/etc" "$P/spool" "$P/data" "$P/vmail"
chown postfix "$P/data"
chown 1001:1001 "$P/vmail"
cat > "$P/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $P/spool
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $P/maillog
maillog_file_prefixes = /var, /dev/stdout, $W
alias_maps =
alias_database =
virtual_mailbox_domains = virt.test
virtual_mailbox_base = $P/vmail
virtual_mailbox_maps = texthash:$P/etc/vmailbox
virtual_uid_maps = static:1001
virtual_gid_maps = static:1001
smtpd_milters = $MILTER_SPEC
non_smtpd_milters =
milter_default_action = tempfail
milter_connect_timeout = 3s
milter_command_timeout = 3s
milter_content_timeout = 3s
disable_dns_lookups = yes
smtp_host_lookup = native
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_banner = \$myhostname ESMTP test
biff = no
EOC
echo "bob@virt.test virt.test/bob/" > "$P/etc/vmailbox"
{
	echo "127.0.0.1:$SMTP inet n - n - - smtpd"
	for s in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" \
		"qmgr unix n - n 300 1 qmgr" "rewrite unix - - n - - trivial-rewrite" \
		"bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
		"trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" \
		"flush unix n - n 1000? 0 flush" "proxymap unix - - n - - proxymap" \
		"proxywrite unix - - n - 1 proxymap" "smtp unix - - n - - smtp" \
		"relay unix - - n - - smtp" "showq unix n - n - - showq" \
		"error unix - - n - - error" "retry unix - - n - - error" \
		"discard unix - - n - - discard" "local unix - n n - - local" \
		"virtual unix - n n - - virtual" "lmtp unix - - n - - lmtp" \
		"anvil unix - - n - 1 anvil" "scache unix - - n - 1 scache" \
		"postlog unix-dgram n - n - 1 postlogd"; do
		echo "$s"
	done
} > "$P/etc/master.cf"

postfix -c "$P/etc" check >/dev/null 2>&1 || { echo "FAIL: postfix check"; cat "$P/maillog" 2>/dev/null; exit 1; }
postfix -c "$P/etc" start >/dev/null 2>&1 || { echo "FAIL: postfix start"; cat "$P/maillog" 2>/dev/null; exit 1; }
