#!/bin/sh
# The milter front-end of filterd, driven over the milter protocol by
# miltertest (tests/integration/milter/*.lua): ham and spam headers,
# reject with the configured reply, forged X-Spam-* removal, skip_rcpt
# and authenticated senders, oversized messages, clean stop on SIGTERM.
# One daemon per configuration, all started first: libmilter needs up to
# 5 s to notice a stop, so they are stopped together at the end.
# Usage: test-milter.sh [PATH-TO-FILTERD]   (default: filterd/filterd in the build dir)
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

# ready NAME: waits until the daemon answers on its milter port.
ready() {
	i=0
	until miltertest -s "$D/wait.lua" -D SOCK="inet:$(cat "$T/$1.port")@127.0.0.1" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; then
			bad "$1: filterd does not listen"; sed 's/^/  /' "$T/$1.log"; return 1
		fi
		sleep 0.05
	done
}

# run DAEMON WHAT SCRIPT [-D K=V ...]: one miltertest script.
run() {
	name=$1; what=$2; script=$3; shift 3
	if miltertest -s "$D/$script" -D SOCK="inet:$(cat "$T/$name.port")@127.0.0.1" -D DIR="$D" \
		-D SAMPLES="$top/etc/samples" "$@" >"$T/out" 2>&1; then
		ok "$what"
	else
		bad "$what"; sed 's/^/  /' "$T/out"
		echo "  daemon log:"; tail -n 20 "$T/$name.log" | sed 's/^/  /'
	fi
}

start default 0
start reject 1 -o reject_score=10 -o "reject_reply=554 5.7.0 Go away, spammer"
start reject-default 2 -o reject_score=10
start report 3 -o add_report=yes
start big 4 -o scan_max_size=1k

if ready default; then
	run default "ham gets X-Spam-Status No and X-Spam-Level" ham.lua
	run default "GTUBE gets X-Spam-Flag YES" gtube.lua
	run default "forged X-Spam-* fields are deleted" forged.lua
	run default "postmaster and authenticated mail skipped" skip.lua
	grep -q 'QID1.*action=ham' "$T/default.log" && ok "log line with queue id" \
		|| bad "no log line with the queue id"
fi
ready reject && run reject "GTUBE rejected with reject_reply" reject.lua \
	-D CODE=554 -D XCODE=5.7.0 -D "TEXT=Go away, spammer"
ready reject-default && run reject-default "GTUBE rejected with the default reply" reject.lua \
	-D CODE=550 -D XCODE=5.7.1 -D "TEXT=Message rejected as spam"
ready report && run report "add_report adds X-Spam-Report" gtube.lua -D REPORT=1
ready big && run big "oversized message passes not scanned" big.lua

# SIGTERM stops every daemon cleanly (exit 0, no sanitizer report)
for n in default reject reject-default report big; do
	kill -TERM "$(cat "$T/$n.pid")" 2>/dev/null
done
for n in default reject reject-default report big; do
	wait "$(cat "$T/$n.pid")"; rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q 'Sanitizer' "$T/$n.log"; then
		ok "$n: clean stop"
	else
		bad "$n: exit $rc after SIGTERM"; grep -A20 'Sanitizer' "$T/$n.log" | sed 's/^/  /'
	fi
done
pids=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
