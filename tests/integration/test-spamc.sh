#!/bin/sh
# filterd's spamd front-end driven by the real spamc client (Debian's
# spamc package) over TCP on loopback and over a unix socket. Asserts:
# PING answers; GTUBE is spam for -c (exit 1, "1000.../5.0"), -y lists
# GTUBE, -R prints the report, plain filtering adds X-Spam-Flag: YES and
# replaces an incoming X-Spam-Flag, -E exits 1 for spam; ham keeps its
# body byte for byte and exits 0; a message over scan_max_size is passed
# back unchanged by spamc (its safe fallback on our error reply).
# Needs spamc (apt-get install spamc) and python3.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
F=${FILTERD:-$top_builddir/filterd/filterd}
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

command -v spamc >/dev/null || { echo "SKIP: spamc not installed"; exit 77; }
[ -x "$F" ] || { echo "FAIL: $F not built"; exit 1; }

W=$(mktemp -d /tmp/winnow-spamc.XXXXXX)
PORT=$(sh "${top_srcdir:-.}/tests/integration/free-port.sh")
SOCK=$W/spamd.sock
FPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# start LISTEN_SPEC: filterd with only the spamd listener
start() {
	"$F" -f -o milter_listen= -o "spamd_listen=$1" -o scan_max_size=200k -o "db_path=$W/w.db" -o use_network=no \
		-o hostname=spamc.test 2>>"$W/filterd.log" &
	FPID=$!
}
stop() {
	kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	FPID=
}
# ready SPAMC_ARGS...: waits until PING answers
ready() {
	i=0
	while [ $i -lt 100 ]; do
		spamc "$@" -K >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "FAIL: filterd's spamd listener did not answer"
	cat "$W/filterd.log"
	exit 1
}

printf 'From: spammer@example.net\nTo: bob@example.org\nSubject: buy\nX-Spam-Flag: NO\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n' >"$W/gtube"
printf 'From: alice@example.com\r\nTo: bob@example.org\r\nSubject: lunch\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <a1@example.com>\r\n\r\nSee you at noon.\r\n' >"$W/ham"
python3 -c 'import sys; sys.stdout.write("From: a@b.c\nSubject: big\n\n" + ("x" * 70 + "\n") * 4000)' >"$W/big"

# --- TCP ---
start "127.0.0.1:$PORT"
C="-d 127.0.0.1 -p $PORT"
ready $C

out=$(spamc $C -c <"$W/gtube"); rc=$?
check "-c on GTUBE exits 1" '[ $rc -eq 1 ]'
check "-c on GTUBE prints score/threshold ($out)" 'echo "$out" | grep -Eq "^10[0-9][0-9]\.[0-9]/5\.0$"'
out=$(spamc $C -c <"$W/ham"); rc=$?
check "-c on ham exits 0 ($out)" '[ $rc -eq 0 ] && echo "$out" | grep -Eq "^-?[0-9]+\.[0-9]/5\.0$"'
out=$(spamc $C -y <"$W/gtube")
check "-y lists GTUBE ($out)" 'echo "$out" | tr , "\n" | grep -qx GTUBE'
out=$(spamc $C -R <"$W/gtube")
check "-R prints the report" 'echo "$out" | grep -q "GTUBE" && echo "$out" | grep -q "points, 5.0 required"'
spamc $C <"$W/gtube" >"$W/gtube.out"
check "filtering spam adds X-Spam-Flag: YES" 'grep -q "^X-Spam-Flag: YES$" "$W/gtube.out"'
check "filtering spam drops the incoming X-Spam-Flag" '! grep -q "^X-Spam-Flag: NO" "$W/gtube.out"'
check "filtering spam adds X-Spam-Status" 'grep -q "^X-Spam-Status: Yes, score=" "$W/gtube.out"'
check "filtering keeps the body" 'grep -q "^XJS\*C4JDBQADN1" "$W/gtube.out"'
spamc $C -E <"$W/gtube" >/dev/null; rc=$?
check "-E on GTUBE exits 1" '[ $rc -eq 1 ]'
spamc $C <"$W/ham" >"$W/ham.out"; rc=$?
check "filtering ham exits 0 without X-Spam-Flag" '[ $rc -eq 0 ] && ! grep -q "^X-Spam-Flag" "$W/ham.out"'
check "ham keeps CRLF and its body" 'tail -c 18 "$W/ham.out" | od -c | grep -q "\\\\r  \\\\n" && grep -q "See you at noon" "$W/ham.out"'
spamc $C -s 1000000 <"$W/big" >"$W/big.out"
check "a message over scan_max_size comes back unchanged" 'cmp -s "$W/big" "$W/big.out"'
# pooled connection threads: three waves of 20 clients at once, each
# answered right (threads are reused between waves), then a clean stop
for wave in 1 2 3; do
	i=0
	pids=
	while [ $i -lt 20 ]; do
		if [ $((i % 2)) -eq 0 ]; then in=gtube; else in=ham; fi
		(spamc $C -c <"$W/$in" >"$W/par.$wave.$i"; echo "rc=$?" >>"$W/par.$wave.$i") &
		pids="$pids $!"
		i=$((i + 1))
	done
	for j in $pids; do wait "$j"; done
done
nspam=$(grep -l "^rc=1$" "$W"/par.* | wc -l)
nham=$(grep -l "^rc=0$" "$W"/par.* | wc -l)
check "60 parallel clients in 3 waves: 30 spam, 30 ham ($nspam/$nham)" '[ "$nspam" -eq 30 ] && [ "$nham" -eq 30 ]'
kill "$FPID"; wait "$FPID"; rc=$?; FPID=
check "stops cleanly after the waves (exit $rc)" '[ $rc -eq 0 ]'

# --- unix socket ---
start "unix:$SOCK"
ready -U "$SOCK"
out=$(spamc -U "$SOCK" -c <"$W/gtube"); rc=$?
check "unix socket: -c on GTUBE exits 1 ($out)" '[ $rc -eq 1 ]'
stop
check "unix socket removed at stop" '[ ! -e "$SOCK" ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
