#!/bin/sh
# Antivirus, attachment policy and quarantine end to end: a real Postfix
# on loopback calls a real filterd (antivirus = clamav, real libclamav
# with the small database test-av.py builds; then a real clamd), mail
# goes in over SMTP and lands in a virtual(8) Maildir. A second smtpd
# without milters is the quarantine release next hop, as a postmaster
# sets it up (README). test-postfix-av.py drives it all and asserts;
# see there for the cases. Needs root (Postfix); skips (77) without it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=/usr/bin/python3
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for Postfix"; exit 77; }
command -v postfix >/dev/null || { echo "FAIL: postfix not installed"; exit 1; }
for b in "$top_builddir/filterd/filterd" "$top_builddir/winnow"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done

W=$(mktemp -d /tmp/winnow-pfav.XXXXXX) || exit 1
P=$W/postfix
cleanup() {
	postfix -c "$P/etc" stop >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMTP=$(sh "$top_srcdir/tests/integration/free-port.sh")
MILTER=$(sh "$top_srcdir/tests/integration/free-port.sh")
REL=$(sh "$top_srcdir/tests/integration/free-port.sh")
sh "$top_srcdir/tests/integration/postfix-instance.sh" "$W" "$SMTP" "inet:127.0.0.1:$MILTER" ||
	exit 1
# the release port: an smtpd that calls no milter (README, quarantine);
# and room for the 50 MB attachment
echo "127.0.0.1:$REL inet n - n - - smtpd -o smtpd_milters=" >>"$P/etc/master.cf"
postconf -c "$P/etc" -e message_size_limit=104857600 virtual_mailbox_limit=0 >/dev/null
postfix -c "$P/etc" reload >/dev/null 2>&1 || { echo "FAIL: postfix reload"; exit 1; }

$PY "$top_srcdir/tests/integration/test-av.py" "$W/av" >/dev/null ||
	{ echo "FAIL: test-av.py fixtures"; exit 1; }
# not exec: the trap above must still stop Postfix and remove $W
$PY "$top_srcdir/tests/integration/test-postfix-av.py" ${WN_PFAV_ONLY:+--only $WN_PFAV_ONLY} \
	--work "$W" --smtp "$SMTP" --milter "$MILTER" --release "$REL" \
	--filterd "$top_builddir/filterd/filterd" --winnow "$top_builddir/winnow" \
	--srcdir "$top_srcdir"
exit $?
