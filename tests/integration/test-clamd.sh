#!/bin/sh
# filterd/check_clamd.c against a real clamd (Debian clamav-daemon),
# started here in the foreground with its own clamd.conf in a temp dir:
# a unix socket there, TCP on a free 127.0.0.1 port, StreamMaxLength
# 100K, and a private database holding only the EICAR signature (made by
# test-clamd.py gen, RECIPES section 4). Never the system clamd or its
# signatures. The silent peer (test-clamd.py silent) gives the timeout
# cases; stopping clamd gives the connect errors. Then a few corpus
# messages are timed (WINNOW_CORPUS, default /var/cache/winnow-corpus).
# Skips (77) without clamd.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-clamd
PY=/usr/bin/python3
CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
[ -x "$CLAMD" ] || { echo "SKIP: clamd (clamav-daemon) not installed"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
"$T" || exit 1
D=$(mktemp -d /tmp/winnow-clamd.XXXXXX) || exit 1
CLAMD_PID= SILENT_PID=
cleanup() {
	[ -n "$CLAMD_PID" ] && kill "$CLAMD_PID" 2>/dev/null
	[ -n "$SILENT_PID" ] && kill "$SILENT_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
$PY "$top_srcdir/tests/integration/test-clamd.py" gen "$D" || { echo "FAIL: fixtures"; exit 1; }
PORT=$(sh "$top_srcdir/tests/integration/free-port.sh")
cat > "$D/clamd.conf" <<CONF
Foreground yes
LocalSocket $D/clamd.sock
TCPSocket $PORT
TCPAddr 127.0.0.1
DatabaseDirectory $D/db
TemporaryDirectory $D
StreamMaxLength 100K
LogFile $D/clamd.log
CONF
"$CLAMD" -c "$D/clamd.conf" >"$D/clamd.out" 2>&1 &
CLAMD_PID=$!
$PY "$top_srcdir/tests/integration/test-clamd.py" silent "$D" &
SILENT_PID=$!
# clamd takes a few seconds to load even one signature: wait for PONG
i=0
until printf 'zPING\0' | $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])
s.sendall(b"zPING\0")
sys.exit(s.recv(16) != b"PONG\0")' "$D/clamd.sock" 2>/dev/null && [ -e "$D/silent.ready" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$CLAMD_PID" 2>/dev/null; then
		echo "FAIL: clamd did not answer PING within 30 s"
		cat "$D/clamd.out" "$D/clamd.log" 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
echo "clamd up after about $((i / 10)).$((i % 10)) s"
rc=0
"$T" live "$D" "$PORT" || rc=1
CORPUS=${WINNOW_CORPUS:-/var/cache/winnow-corpus}/package/data/easy-ham-1
if [ -d "$CORPUS" ]; then
	# shellcheck disable=SC2046
	"$T" bench "$D" $(ls "$CORPUS"/*.txt | head -n 20) || rc=1
fi
kill "$CLAMD_PID"
wait "$CLAMD_PID" 2>/dev/null
CLAMD_PID=
"$T" stopped "$D" "$PORT" || rc=1
exit $rc
