#!/bin/sh
# End-to-end tests of the `winnow` command as users run it: exit codes,
# report and JSON formats, every input kind (file, stdin, mbox, Maildir),
# config errors naming file:line, lint.
# Usage: test-cli.sh [PATH-TO-WINNOW]   (default: ./winnow in the build dir)
set -u
W=${1:-${WINNOW:-./winnow}}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # want got what
	[ "$1" = "$2" ] && ok || bad "$3: exit $2, want $1"
}
R="-o rules_dir=$top/rules/default -o use_network=no"
gtube=$top/etc/samples/gtube.eml
ham=$top/etc/samples/ham.eml

# GTUBE is spam (exit 1), the sample ham is ham (exit 0)
$W check $R "$gtube" >"$T/out" 2>"$T/err"; expect_rc 1 $? "gtube"
grep -q '^Content analysis details:' "$T/out" && ok || bad "gtube: no report"
grep -q ' GTUBE ' "$T/out" && ok || bad "gtube: GTUBE hit not listed"
$W check $R "$ham" >"$T/out" 2>&1; expect_rc 0 $? "ham"

# stdin, JSON shape
$W check $R --json <"$gtube" >"$T/out" 2>&1; expect_rc 1 $? "stdin gtube"
/usr/bin/python3 - "$T/out" <<'PY' && ok || bad "json shape"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["file"] == "-" and o["verdict"] == "spam", o
assert o["required"] == 5.0 and o["score"] >= 1000, o
assert any(h["name"] == "GTUBE" and h["score"] >= 1000 and h["description"] for h in o["hits"]), o
assert set(o) >= {"file", "score", "required", "verdict", "hits"}
PY

# mbox with two messages, Maildir, -o required_score
{ printf 'From a@b Thu Jan  1 00:00:00 1970\n'; cat "$ham"; printf '\n';
  printf 'From c@d Thu Jan  1 00:00:00 1970\n'; cat "$gtube"; } >"$T/box.mbox"
$W check $R --json "$T/box.mbox" >"$T/out" 2>&1; expect_rc 1 $? "mbox"
[ "$(wc -l <"$T/out")" -eq 2 ] && ok || bad "mbox: want 2 results"
grep -q '"file":"[^"]*box.mbox#2","score":[0-9.]*,"required":5.0,"verdict":"spam"' "$T/out" && ok || bad "mbox: 2nd is spam"
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$ham" "$T/md/cur/1.x:2,S"; cp "$ham" "$T/md/new/2.x"
$W check $R --json "$T/md" >"$T/out" 2>&1; expect_rc 0 $? "maildir"
[ "$(wc -l <"$T/out")" -eq 2 ] && ok || bad "maildir: want 2 results"
$W check $R -o required_score=2000 "$gtube" >/dev/null 2>&1; expect_rc 0 $? "-o required_score"

# -j: several scanning threads, the same reports in the same order
i=0
while [ $i -lt 40 ]; do
	printf 'From x@y Thu Jan  1 00:00:00 1970\n'
	if [ $((i % 3)) -eq 0 ]; then cat "$gtube"; else sed "s/^Subject: .*/Subject: note $i/" "$ham"; fi
	printf '\n'
	i=$((i + 1))
done >"$T/many.mbox"
$W check $R -j 1 "$T/many.mbox" >"$T/j1" 2>&1; rc1=$?
$W check $R -j 4 "$T/many.mbox" >"$T/j4" 2>&1; rc4=$?
expect_rc "$rc1" "$rc4" "-j 4 exit code"
cmp -s "$T/j1" "$T/j4" && ok || bad "-j 4 output differs from -j 1"
[ "$(grep -c ': spam$' "$T/j4")" -eq 14 ] && ok || bad "-j 4: want 14 spam reports"
$W check $R -j x "$ham" >/dev/null 2>&1; expect_rc 64 $? "-j x"

# errors: usage 64, missing input 66, config 78 naming file:line
$W check --no-such-option "$ham" >/dev/null 2>&1; expect_rc 64 $? "bad option"
$W check $R "$T/missing.eml" >/dev/null 2>"$T/err"; expect_rc 66 $? "missing file"
grep -q 'missing.eml' "$T/err" && ok || bad "missing file not named"
printf 'required_score = 5\nbogus_key = 1\n' >"$T/bad.conf"
$W check -c "$T/bad.conf" "$ham" >/dev/null 2>"$T/err"; expect_rc 78 $? "bad config"
grep -q "bad.conf:2: unknown key 'bogus_key'" "$T/err" && ok || bad "bad config: $(cat "$T/err")"
printf 'body BROKEN /unclosed(/\nscore BROKEN 1.0\n' >"$T/broken.cf"
$W lint -o rules_dir="$T/broken.cf" >"$T/out" 2>&1; rc=$?
[ "$rc" -ne 0 ] && ok || bad "lint of a broken rule file exits 0"
grep -q 'broken.cf:1' "$T/out" && ok || bad "lint does not name broken.cf:1: $(cat "$T/out")"
$W lint $R >"$T/out" 2>&1; expect_rc 0 $? "lint default rules"
grep -q '^rules: [0-9]* loaded' "$T/out" && ok || bad "lint: no rule count"
$W check -o rules_dir="$T/nowhere" "$ham" >/dev/null 2>"$T/err"; expect_rc 78 $? "missing rules dir"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
