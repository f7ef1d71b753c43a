#!/bin/sh
# winnow-mda behind a real Postfix, read back through a real Dovecot
# (issue 7; ../shared/RECIPES.md sections 1 and 6). Postfix on a free
# loopback port delivers through local(8) with
#   mailbox_command = winnow-mda -f "$SENDER" -a "$RECIPIENT"
# (recipient_delimiter = +), which Postfix runs as the recipient; three
# local users are made for the test and removed at the end. A private
# Dovecot (own config, free loopback IMAP port, passwd-file users,
# mail_location = maildir:~/Maildir) serves the same Maildirs.
# test-mda-postfix.py sends and asserts; see there for the cases.
# Needs root (Postfix, useradd); skips (77) without it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=/usr/bin/python3
MDA=$top_builddir/mda/winnow-mda
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for Postfix and test users"; exit 77; }
for c in postfix dovecot; do
	command -v $c >/dev/null || { echo "FAIL: $c not installed (scripts/install-deps.sh)"; exit 1; }
done
[ -x "$MDA" ] || { echo "FAIL: $MDA not built"; exit 1; }
MDA=$(cd "$top_builddir/mda" && pwd)/winnow-mda

W=$(mktemp -d /tmp/winnow-mdapf.XXXXXX) || exit 1
chmod 755 "$W"
P=$W/postfix
D=$W/dovecot
U1=wnmda1p$$ U2=wnmda2p$$ U3=wnmda3p$$
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	postfix -c "$P/etc" stop >/dev/null 2>&1
	[ -n "$DPID" ] && for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.5
	done
	for u in $U1 $U2 $U3; do
		userdel "$u" 2>/dev/null
		rm -f "/var/mail/$u"
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$W/home" "$D/run" "$D/state"
: > "$D/users"
for u in $U1 $U2 $U3; do
	useradd -M -d "$W/home/$u" -s /usr/sbin/nologin "$u" || { echo "FAIL: useradd $u"; exit 1; }
	mkdir -p "$W/home/$u"
	chown "$u:" "$W/home/$u"
	echo "$u:{PLAIN}testpass:$(id -u "$u"):$(id -g "$u")::$W/home/$u::" >> "$D/users"
done

SMTP=$(sh "$top_srcdir/tests/integration/free-port.sh")
IMAP=$(sh "$top_srcdir/tests/integration/free-port.sh")
sh "$top_srcdir/tests/integration/postfix-instance.sh" "$W" "$SMTP" "" || exit 1
postconf -c "$P/etc" -e "mydestination = mx.example.test, localhost" \
	"recipient_delimiter = +" \
	"mailbox_command = $MDA -f \"\$SENDER\" -a \"\$RECIPIENT\"" \
	"mailbox_size_limit = 0" "message_size_limit = 0" >/dev/null
postfix -c "$P/etc" reload >/dev/null 2>&1 || { echo "FAIL: postfix reload"; exit 1; }

cat > "$D/dovecot.conf" <<EOC
base_dir = $D/run
state_dir = $D/state
instance_name = dovecot-mda-test
protocols = imap
listen = 127.0.0.1
log_path = $D/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $D/users
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
EOC
dovecot -F -c "$D/dovecot.conf" >"$D/stdout" 2>&1 &
DPID=$!
$PY - "$IMAP" <<'EOP' || { echo "FAIL: dovecot did not start"; cat "$D/dovecot.log" "$D/stdout"; exit 1; }
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOP

$PY "$top_srcdir/tests/integration/test-mda-postfix.py" --work "$W" --smtp "$SMTP" \
	--imap "$IMAP" --users "$U1,$U2,$U3"
rc=$?
if [ $rc -ne 0 ]; then
	echo "# --- postfix maillog (last 40 lines)"
	tail -40 "$P/maillog" | sed 's/^/# /'
	echo "# --- dovecot.log (last 10 lines)"
	tail -10 "$D/dovecot.log" 2>/dev/null | sed 's/^/# /'
fi
exit $rc
