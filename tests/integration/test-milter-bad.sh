#!/bin/sh
# The milter front-end of filterd against hostile and unusual clients,
# driven by miltertest (tests/integration/milter/bad-*.lua) and, for the
# 60 KB header fields miltertest cannot send, bad-longhdr.py:
# spam_action=quarantine and discard, clients that vanish mid-message,
# malformed messages, several clients at once, then a clean stop on
# SIGTERM with no sanitizer report in the daemon's log.
# Every miltertest run has a time limit, so a hung daemon fails the test.
# Usage: test-milter-bad.sh [PATH-TO-FILTERD]   (default: filterd/filterd in the build dir)
# Skips (77) when miltertest is not installed.
set -u
F=${1:-${FILTERD:-${top_builddir:-.}/filterd/filterd}}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$top/tests/integration/milter
command -v miltertest >/dev/null 2>&1 || { echo "SKIP: miltertest not installed"; exit 77; }
[ -x "$F" ] || { echo "FAIL: no filterd at $F"; exit 1; }
T=$(mktemp -d)
pids=
trap 'for p in $pids; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
pass=0
fail=0
limit=120 # seconds for one client run
ok() { pass=$((pass + 1)); echo "PASS: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# start NAME PORTOFFSET [-o KEY=VALUE ...]: filterd in the foreground,
# its log in $T/NAME.log, its pid in $T/NAME.pid.
start() {
	name=$1; port=$(sh "$top/tests/integration/free-port.sh"); shift 2
	"$F" -f -o spamd_listen= -o milter_listen="inet:$port@127.0.0.1" \
		-o rules_dir="$top/rules/default" -o hostname=filter.example.test "$@" \
		>"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	echo "$port" >"$T/$name.port"
	pids="$pids $!"
}

sock() { echo "inet:$(cat "$T/$1.port")@127.0.0.1"; }
alive() { kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; }

# ready NAME: waits until the daemon answers on its milter port.
ready() {
	i=0
	until miltertest -s "$D/wait.lua" -D SOCK="$(sock "$1")" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! alive "$1"; then
			bad "$1: filterd does not listen"; sed 's/^/  /' "$T/$1.log"; return 1
		fi
		sleep 0.05
	done
}

# report NAME WHAT OUTFILE: a failure with the client's output and the log.
report() {
	bad "$2"; sed 's/^/  /' "$3"
	alive "$1" || echo "  filterd ($1) is no longer running"
	echo "  daemon log:"; tail -n 20 "$T/$1.log" | sed 's/^/  /'
}

# run DAEMON WHAT SCRIPT [-D K=V ...]: one miltertest script, time-limited.
run() {
	name=$1; what=$2; script=$3; shift 3
	if timeout "$limit" miltertest -s "$D/$script" -D SOCK="$(sock "$name")" -D DIR="$D" \
		-D SAMPLES="$top/etc/samples" "$@" >"$T/out" 2>&1; then
		ok "$what"
	else
		echo "  (exit $?; 124 is a timeout)" >>"$T/out"
		report "$name" "$what" "$T/out"
	fi
}

# serves NAME WHAT: the daemon is still running and scans ham.
serves() {
	if alive "$1"; then
		run "$1" "$2" ham.lua
	else
		bad "$2: filterd ($1) is no longer running"
		tail -n 20 "$T/$1.log" | sed 's/^/  /'
	fi
}

start quarantine 0 -o spam_action=quarantine
start discard 1 -o spam_action=discard
start hostile 2

# 1. quarantine, 2. discard
ready quarantine && run quarantine "spam_action=quarantine: GTUBE accepted, headers, quarantined" \
	bad-quarantine.lua
ready discard && run discard "spam_action=discard: GTUBE discarded, ham after it accepted" \
	bad-discard.lua

if ready hostile; then
	# 3. clients that disconnect mid-message
	run hostile "clients gone mid-message, then a new connection is scanned" bad-drop.lua -D N=6
	if grep -q ': DROP[0-9]*: milter:.*action=' "$T/hostile.log"; then
		bad "a message cut off mid-way was scanned or logged as done"
		grep ': DROP[0-9]*: milter:' "$T/hostile.log" | sed 's/^/  /'
	else
		ok "no verdict for messages cut off mid-way"
	fi
	serves hostile "serves after mid-message disconnects"

	# 4. malformed messages, each on its own connection
	for c in 8bit manyhdrs nulbody longlines nobody; do
		run hostile "malformed ($c): accepted with X-Spam-Status" bad-malformed.lua -D CASE=$c
		alive hostile || { bad "filterd gone after malformed ($c)"; break; }
	done
	if command -v python3 >/dev/null 2>&1; then
		if timeout "$limit" python3 "$D/bad-longhdr.py" "$(sock hostile)" >"$T/out" 2>&1; then
			ok "malformed (60 KB header values): accepted with X-Spam-Status"
		else
			echo "  (exit $?; 124 is a timeout)" >>"$T/out"
			report hostile "malformed (60 KB header values): accepted with X-Spam-Status" "$T/out"
		fi
	else
		echo "SKIP: python3 missing, 60 KB header values not sent"
	fi
	serves hostile "serves after malformed messages"

	# 5. four clients at once, five messages each
	cpids=
	for k in 1 2 3 4; do
		timeout "$limit" miltertest -s "$D/bad-many.lua" -D SOCK="$(sock hostile)" -D DIR="$D" \
			-D SAMPLES="$top/etc/samples" -D ID=$k >"$T/many$k.out" 2>&1 &
		cpids="$cpids $!"
	done
	k=0
	for p in $cpids; do
		k=$((k + 1))
		if wait "$p"; then
			ok "parallel client $k: 5 messages scanned"
		else
			echo "  (exit $?; 124 is a timeout)" >>"$T/many$k.out"
			report hostile "parallel client $k: 5 messages scanned" "$T/many$k.out"
		fi
	done
	n=$(grep -c 'C[1-4]M[1-5]: milter:.*action=' "$T/hostile.log")
	if [ "$n" -ge 20 ]; then
		ok "20 log lines for the parallel messages"
	else
		bad "parallel messages: $n log lines, want 20"
	fi
	serves hostile "serves after parallel clients"
fi

# 6. SIGTERM stops every daemon cleanly within 15 s: exit 0, no sanitizer report
for n in quarantine discard hostile; do
	kill -TERM "$(cat "$T/$n.pid")" 2>/dev/null
done
for n in quarantine discard hostile; do
	p=$(cat "$T/$n.pid")
	i=0
	while alive "$n" && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	if alive "$n"; then
		bad "$n: still running 15 s after SIGTERM"
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		continue
	fi
	wait "$p"; rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T/$n.log"; then
		ok "$n: clean stop"
	else
		bad "$n: exit $rc after SIGTERM"
		grep -B2 -A30 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T/$n.log" | head -n 60 | sed 's/^/  /'
	fi
done
pids=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
