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
. "$D/lib.sh"

# serves NAME WHAT: the daemon is still running and scans ham.
serves() {
	if alive "$1"; then
		run "$1" "$2" ham.lua
	else
		bad "$2: filterd ($1) is no longer running"
		tail -n 20 "$T/$1.log" | sed 's/^/  /'
	fi
}

start quarantine -o spam_action=quarantine -o quarantine_store=hold
start discard -o spam_action=discard
start hostile

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
stop_all quarantine discard hostile

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
