#!/bin/sh
# lib/smtp_client.c: the reply parser, then scripted peers
# (test-smtpc.py: silent, replies in pieces, HELO-only, refusal after
# DATA) and a port nobody listens on, then a real Postfix made by
# postfix-instance.sh (no milter) with bob@ and carol@virt.test as
# virtual mailboxes. The Postfix part needs root and postfix; without
# them it is skipped and the rest still runs.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-smtpc
PY=/usr/bin/python3
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
"$T" || exit 1
D=$(mktemp -d /tmp/winnow-smtpc.XXXXXX) || exit 1
PEERS_PID= POSTFIX_UP=
cleanup() {
	[ -n "$PEERS_PID" ] && kill "$PEERS_PID" 2>/dev/null
	[ -n "$POSTFIX_UP" ] && postfix -c "$D/postfix/etc" stop >/dev/null 2>&1
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
$PY "$top_srcdir/tests/integration/test-smtpc.py" serve "$D" &
PEERS_PID=$!
i=0
until [ -e "$D/ready" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "FAIL: test-smtpc.py did not start"; exit 1; }
	sleep 0.05
done
rc=0
NOBODY=$(sh "$top_srcdir/tests/integration/free-port.sh")
"$T" peers "$D" "$NOBODY" || rc=1

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null 2>&1; then
	echo "SKIP: Postfix part (needs root and postfix)"
	exit $rc
fi
PORT=$(sh "$top_srcdir/tests/integration/free-port.sh")
sh "$top_srcdir/tests/integration/postfix-instance.sh" "$D" "$PORT" "" || exit 1
POSTFIX_UP=1
# a second mailbox; smtpd and virtual(8) start on demand and read it then
echo "carol@virt.test virt.test/carol/" >> "$D/postfix/etc/vmailbox"
i=0
until $PY -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "FAIL: postfix did not listen"; cat "$D/postfix/maillog"; exit 1; }
	sleep 0.05
done
"$T" postfix "$D" "$PORT" || { rc=1; tail -30 "$D/postfix/maillog"; }
exit $rc
