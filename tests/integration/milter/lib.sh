# lib.sh - what the miltertest-driven scripts (test-milter.sh,
# test-milter-bad.sh) share: sourced after F (filterd), top (source tree)
# and D (this directory) are set. One filterd per configuration, each on
# a free port, its log in $T/NAME.log; every miltertest run time-limited.
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

# start NAME [-o KEY=VALUE ...]: filterd in the foreground on a free port.
start() {
	name=$1; port=$(sh "$top/tests/integration/free-port.sh"); shift
	"$F" -f -o spamd_listen= -o milter_listen="inet:$port@127.0.0.1" \
		-o rules_dir="$top/rules/default" -o hostname=filter.example.test \
		-o db_path="$T/$name.db" -o use_network=no "$@" \
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

# stop_all NAME...: SIGTERM to every daemon; each must exit 0 within 15 s
# with no sanitizer report in its log.
stop_all() {
	for n in "$@"; do
		kill -TERM "$(cat "$T/$n.pid")" 2>/dev/null
	done
	for n in "$@"; do
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
			grep -B2 -A30 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T/$n.log" |
				head -n 60 | sed 's/^/  /'
		fi
	done
	pids=
}
