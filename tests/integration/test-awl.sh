#!/bin/sh
# `winnow awl` end to end, with exact output: add (SCORE, --good, --bad,
# negative scores without "--", replacing every entry of the address),
# list and list --json (entries with IP blocks written into the store as
# filterd would leave them, a hostile address escaped), remove by IP
# (an address masked to its block, a block as list shows it, "none") and
# by address, expire with awl_expire_days, exit codes (1 nothing removed,
# 64 usage, 74 store, 78 config), and a schema-1 store made by the code
# of that version: refused read-only, upgraded by the first write with
# its Bayes counts intact (`winnow bayes stats`).
# Needs /usr/bin/python3 (its sqlite3 module) to plant entries with IPs.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
W=${WINNOW:-$top_builddir/winnow}
PY=/usr/bin/python3
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
# same NAME WANT GOT
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		bad "$1"; printf -- '--- want\n%s\n--- got\n%s\n' "$2" "$3"; fi
}

[ -x "$PY" ] && "$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: no $PY with sqlite3"; exit 77; }
T=$(mktemp -d /tmp/winnow-awl.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
DB=$T/w.db
O="-c /dev/null -o db_path=$DB"
# the day the adds below record (they use the clock); a run across
# midnight UTC is retried once
TODAY=$(date -u +%F)

# plant ADDR IP COUNT TOTAL DAY...: rows as db_awl_add leaves them
plant() {
	"$PY" - "$DB" "$@" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
a = sys.argv[2:]
for i in range(0, len(a), 5):
    db.execute("INSERT OR REPLACE INTO awl_entries (addr, ip, count, total, day)"
               " VALUES (?, ?, ?, ?, ?)", (a[i].encode().decode('unicode_escape'),
               a[i + 1], int(a[i + 2]), float(a[i + 3]), int(a[i + 4])))
db.commit()
EOF
}

run() { out=$("$W" "$@" 2>&1); rc=$?; }

# ---- add, list ----
run awl add $O Good@Example.com --good
same "add --good" "added good@example.com with score -100.000 (replacing 0 entries)
rc=0" "$out
rc=$rc"
run awl add $O '<bad@example.com>' --bad
same "add --bad, <> removed" "added bad@example.com with score 100.000 (replacing 0 entries)
rc=0" "$out
rc=$rc"
run awl add $O x@y -12.5
same "add a negative score without --" "added x@y with score -12.500 (replacing 0 entries)" "$out"
[ "$(date -u +%F)" = "$TODAY" ] || { echo "SKIP: midnight passed during the test"; exit 77; }

# 19723 is 2024-01-01
plant alice@example.org 192.0 4 10 19723 \
	alice@example.org 2001:0db8:0001:: 2 -3 19724 \
	'evil\x1b[31m"\\@example.com' 203.0 1 2.25 19724
run awl list $O
same "list" "ip block                  count      mean last seen  address
192.0                         4     2.500 2024-01-01 alice@example.org
2001:0db8:0001::              2    -1.500 2024-01-02 alice@example.org
none                          1   100.000 $TODAY bad@example.com
203.0                         1     2.250 2024-01-02 evil?[31m\"\\@example.com
none                          1  -100.000 $TODAY good@example.com
none                          1   -12.500 $TODAY x@y
rc=0" "$out
rc=$rc"
run awl list --json $O
same "list --json" '{"address":"alice@example.org","ip":"192.0","count":4,"total":10.000,"mean":2.500,"last_seen":"2024-01-01"}
{"address":"alice@example.org","ip":"2001:0db8:0001::","count":2,"total":-3.000,"mean":-1.500,"last_seen":"2024-01-02"}
{"address":"bad@example.com","ip":"none","count":1,"total":100.000,"mean":100.000,"last_seen":"'$TODAY'"}
{"address":"evil\u001b[31m\"\\@example.com","ip":"203.0","count":1,"total":2.250,"mean":2.250,"last_seen":"2024-01-02"}
{"address":"good@example.com","ip":"none","count":1,"total":-100.000,"mean":-100.000,"last_seen":"'$TODAY'"}
{"address":"x@y","ip":"none","count":1,"total":-12.500,"mean":-12.500,"last_seen":"'$TODAY'"}
rc=0' "$out
rc=$rc"

# ---- remove ----
run awl remove $O ALICE@example.org 192.0.2.55
same "remove by an address in the block" "removed 1 entry for alice@example.org
rc=0" "$out
rc=$rc"
run awl remove $O alice@example.org 192.0
same "remove again: nothing, exit 1" "no entry for alice@example.org from 192.0
rc=1" "$out
rc=$rc"
run awl remove $O alice@example.org '[IPv6:2001:db8:1:ffff::9]'
same "remove by an IPv6 address in the /48" "removed 1 entry for alice@example.org" "$out"
run awl remove $O -o awl_ipv4_mask_len=24 x@y none
same "remove the entry without IP" "removed 1 entry for x@y" "$out"
plant carol@example.org 10.0 3 30 19723 carol@example.org 10.9 1 5 19723
run awl add $O carol@example.org 0.5
same "add replaces every entry of the address" \
	"added carol@example.org with score 0.500 (replacing 2 entries)" "$out"
run awl add $O carol@example.org 1
run awl remove $O carol@example.org
same "remove every entry of an address" "removed 1 entry for carol@example.org" "$out"

# ---- expire ----
run awl expire $O -o awl_expire_days=0
same "expire off" "awl_expire_days is 0: entries are kept
rc=0" "$out
rc=$rc"
run awl expire $O
same "expire the planted old entry" "expired 1 entry not seen for 180 days" "$out"
run awl list $O
same "list after remove and expire" "ip block                  count      mean last seen  address
none                          1   100.000 $TODAY bad@example.com
none                          1  -100.000 $TODAY good@example.com" "$out"

# ---- errors ----
run awl add $O x@y
same "add without a score" 64 "$rc"
run awl add $O x@y 1e999
same "add with a score out of range" "winnow awl: not a score: 1e999" "$(echo "$out" | head -1)"
run awl remove $O x@y 10.1.2.300
same "remove with a bad IP" "winnow awl: not an IP address or block: 10.1.2.300
64" "$(echo "$out" | head -1)
$rc"
run awl remove $O x@y 10.0.0.1 extra
same "too many arguments" 64 "$rc"
run awl list $O -o awl_factor=2
same "a bad awl_factor is a config error" "winnow: -o: awl_factor: must be from 0 to 1
78" "$out
$rc"
run awl frob $O
same "unknown subcommand" 64 "$rc"
run awl list -c /dev/null -o db_path=$T/no/such.db
same "missing store" 74 "$rc"
run awl --help
same "help" 0 "$rc"

# ---- a schema-1 store (tests/data/db/make-schema1.c) ----
cp "$top_srcdir/tests/data/db/schema1.db" "$T/v1.db"
V="-c /dev/null -o db_path=$T/v1.db"
run awl list $V
same "schema 1 is not migrated by a read-only list" "winnow awl: $T/v1.db: schema version 1 has no auto-whitelist yet (open it read-write once to migrate it to 3)
rc=74" "$out
rc=$rc"
run check $V -L -o rules_dir=$top_srcdir/rules/default --json "$top_srcdir/etc/samples/ham.eml"
# (a store that cannot be opened would be reported on stderr, here in $out)
case $out in
*schema*|*migrat*|*"cannot open"*) bad "a read-only winnow check opens schema 1: $out" ;;
*'"verdict":"ham"'*) ok "a read-only winnow check opens schema 1" ;;
*) bad "a read-only winnow check opens schema 1: $out" ;;
esac
run awl add $V friend@example.org --good
same "the first write upgrades it" "added friend@example.org with score -100.000 (replacing 0 entries)" "$out"
run bayes stats $V
same "its Bayes data is intact" "database: $T/v1.db (sqlite, schema 3)
messages: 2 spam, 1 ham (3 remembered as learned)
tokens: 150, last seen from 2024-01-01 to 2024-01-01" "$(echo "$out" | head -3)"
run awl list $V
same "and it holds the AWL" "ip block                  count      mean last seen  address
none                          1  -100.000 $TODAY friend@example.org" "$out"

# ---- in the pipeline: winnow check reads the AWL (use_awl=yes) ----
P="-c /dev/null -o db_path=$T/pipe.db"
C="$P -L -o use_bayes=no -o rules_dir=$top_srcdir/rules/default"
printf 'From: Known Friend <friend@example.org>\nTo: bob@example.net\nSubject: hello\n\nsee you\n' >"$T/friend.eml"
run awl add $P friend@example.org --good
run check $C -o use_awl=yes --json "$T/friend.eml"
case $out in
*'"name":"AWL","score":-50.750'*) ok "winnow check: a --good sender gets AWL (-100 - 1.5) * 0.5" ;;
*) bad "winnow check: AWL hit: $out" ;;
esac
run check $C --json "$T/friend.eml"
case $out in
*'"name":"AWL"'*) bad "use_awl=no (the default): no AWL hit: $out" ;;
*) ok "use_awl=no (the default): no AWL hit" ;;
esac
run awl list $P
case $out in
*"friend@example.org"*) [ "$(echo "$out" | grep -c friend)" -eq 1 ] &&
	ok "winnow check records nothing (read-only)" || bad "winnow check recorded: $out" ;;
*) bad "awl list: $out" ;;
esac

# ---- filterd records: two messages from one sender through spamc ----
F=${FILTERD:-$top_builddir/filterd/filterd}
if command -v spamc >/dev/null && [ -x "$F" ]; then
	PORT=$(sh "$top_srcdir/tests/integration/free-port.sh")
	"$F" -f -c /dev/null -o milter_listen= -o "spamd_listen=127.0.0.1:$PORT" \
		-o "db_path=$T/fd.db" -o use_network=no -o use_bayes=no -o use_awl=yes \
		-o "rules_dir=$top_srcdir/rules/default" 2>"$T/fd.log" &
	FPID=$!
	i=0
	while ! spamc -d 127.0.0.1 -p "$PORT" -K >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	printf 'Received: from mx.example.org (mx.example.org [203.0.113.9]) by mx.test; Tue, 1 Dec 2026 10:00:00 +0000\nFrom: Pen Pal <penpal@example.org>\nTo: bob@example.net\nSubject: hi\n\nhello\n' >"$T/pal.eml"
	spamc -d 127.0.0.1 -p "$PORT" -c <"$T/pal.eml" >/dev/null
	spamc -d 127.0.0.1 -p "$PORT" -R <"$T/pal.eml" >"$T/pal2.out"
	kill "$FPID"; wait "$FPID" 2>/dev/null
	run awl list -c /dev/null -o "db_path=$T/fd.db"
	case $out in
	*"203.0"*" 2 "*"penpal@example.org"*) ok "filterd records each message (count 2, block 203.0)" ;;
	*) bad "filterd records: $out" ;;
	esac
	grep -q ' AWL ' "$T/pal2.out" && bad "the same score twice gives no AWL hit: $(cat "$T/pal2.out")" ||
		ok "the same score twice gives no AWL hit (mean = score)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
