#!/bin/sh
# filterd as a daemon, observed from outside with the real spamc client:
# SIGHUP reloads configuration and rules (a new required_score takes
# effect), a broken configuration is refused on SIGHUP and the old one
# keeps working, a broken configuration at start-up is an error naming
# file and line (exit 78); without -f it detaches, writes its pid file,
# switches to the configured user after binding, and SIGTERM stops it
# and removes the pid file. Needs spamc (scripts/install-deps.sh).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
F=${FILTERD:-$top_builddir/filterd/filterd}
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

command -v spamc >/dev/null || { echo "SKIP: spamc not installed"; exit 77; }
[ -x "$F" ] || { echo "FAIL: $F not built"; exit 1; }

W=$(mktemp -d /tmp/winnow-filterd.XXXXXX)
chmod 755 "$W"
PORT=$(sh "${top_srcdir:-.}/tests/integration/free-port.sh")
FPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	[ -f "$W/filterd.pid" ] && kill "$(cat "$W/filterd.pid")" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

printf 'From: spammer@example.net\nTo: bob@example.org\nSubject: buy\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n' >"$W/gtube"

conf() { # conf REQUIRED_SCORE: a configuration file for this test
	cat >"$W/winnow.conf" <<EOC
milter_listen =
spamd_listen = 127.0.0.1:$PORT
required_score = $1
pid_file = $W/filterd.pid
db_path = $W/winnow.db
EOC
}
ready() {
	i=0
	while [ $i -lt 100 ]; do
		spamc -d 127.0.0.1 -p "$PORT" -K >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
score_line() { spamc -d 127.0.0.1 -p "$PORT" -c <"$W/gtube" 2>/dev/null; }

# --- foreground, reloads ---
conf 5.0
"$F" -f -c "$W/winnow.conf" 2>"$W/fg.log" &
FPID=$!
ready && ok "starts with -c CONF" || { bad "starts with -c CONF"; cat "$W/fg.log"; exit 1; }
case "$(score_line)" in */5.0) ok "GTUBE scored against required 5.0" ;; *) bad "required 5.0: $(score_line)" ;; esac

conf 2000
kill -HUP "$FPID"
i=0
until score_line | grep -q '/2000.0$' || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
case "$(score_line)" in */2000.0) ok "SIGHUP reload: required 2000 now" ;; *) bad "after SIGHUP: $(score_line)" ;; esac
spamc -d 127.0.0.1 -p "$PORT" -c <"$W/gtube" >/dev/null 2>&1
[ $? -eq 0 ] && ok "GTUBE is ham under required 2000" || bad "GTUBE is ham under required 2000"

echo "no_such_key = 1" >>"$W/winnow.conf"
kill -HUP "$FPID"
sleep 0.5
kill -0 "$FPID" 2>/dev/null && ok "broken config on SIGHUP: still running" || bad "broken config killed filterd"
case "$(score_line)" in */2000.0) ok "broken config refused, old one kept" ;; *) bad "after broken SIGHUP: $(score_line)" ;; esac
grep -q "reload refused" "$W/fg.log" && ok "refusal logged" || bad "refusal logged"
grep -q "winnow.conf:6" "$W/fg.log" && ok "refusal names file:line" || bad "refusal names file:line"

kill "$FPID"
wait "$FPID"
rc=$?
FPID=
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"

# --- a broken configuration at start-up ---
"$F" -f -c "$W/winnow.conf" 2>"$W/bad.log"
rc=$?
[ $rc -eq 78 ] && ok "broken config at start: exit 78" || bad "broken config at start: exit $rc"
grep -q "winnow.conf:6" "$W/bad.log" && ok "start-up error names file:line" || bad "start-up error names file:line"

# --- a unix milter socket: its mode, and a bad mode refused ---
"$F" -f -o spamd_listen= -o "milter_listen=unix:$W/m.sock" -o "db_path=$W/m.db" -o milter_socket_mode=9x \
	2>"$W/mode.log"
rc=$?
[ $rc -ne 0 ] && grep -q "milter_socket_mode 9x" "$W/mode.log" &&
	ok "bad milter_socket_mode refused: $(tail -1 "$W/mode.log")" ||
	bad "bad milter_socket_mode refused (exit $rc: $(cat "$W/mode.log"))"
rm -f "$W/m.sock"
"$F" -f -o spamd_listen= -o "milter_listen=unix:$W/m.sock" -o "db_path=$W/m.db" -o milter_socket_mode=0640 \
	2>"$W/mode.log" &
MPID=$!
i=0
while [ ! -S "$W/m.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
m=$(stat -c %a "$W/m.sock" 2>/dev/null)
[ "$m" = 640 ] && ok "unix milter socket has milter_socket_mode 0640" ||
	bad "unix milter socket mode: got $m"
kill "$MPID"; wait "$MPID" 2>/dev/null

# --- background, pid file, user switch ---
conf 5.0
if id nobody >/dev/null 2>&1; then user=nobody; else user=; fi
"$F" -c "$W/winnow.conf" -o "user=$user" 2>"$W/bg.log"
rc=$?
[ $rc -eq 0 ] && ok "detaches with exit 0 once ready" || bad "detach: exit $rc: $(cat "$W/bg.log")"
[ -s "$W/filterd.pid" ] && ok "pid file written" || bad "pid file written"
pid=$(cat "$W/filterd.pid" 2>/dev/null)
ready && ok "background daemon answers" || bad "background daemon answers"
if [ -n "$user" ] && [ -n "$pid" ]; then
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	[ "$uid" = "$(id -u "$user")" ] && ok "runs as $user after binding" || bad "runs as uid $uid, not $user"
fi
[ -n "$pid" ] && kill "$pid"
i=0
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && ok "SIGTERM stops the background daemon" || bad "background daemon still running"
# the pid file is removed when filterd may (an unprivileged user may not)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
