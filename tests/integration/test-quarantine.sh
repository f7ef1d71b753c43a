#!/bin/sh
# Winnow's quarantine end to end: messages stored by quar_store()
# (tests/integration/test-quarantine, as the milter will), then the real
# `winnow quarantine` against a real Postfix on loopback whose smtpd has
# no milter (the release next hop, ../shared/RECIPES.md section 1) and
# delivers virt.test into Maildirs. Asserts: quar_store's own checks
# (byte-identical 0600 file, index, threads, failure paths leave
# nothing); list/show (text, JSON, --raw byte for byte); a release
# arrives in the recipient's Maildir byte-identical to the stored
# message (less the Return-Path, Delivered-To, X-Original-To and
# Received lines Postfix prepends); a token releases only its
# recipient's copy, a forged or expired one is refused; a second release says "already released"; an
# unknown id, a refused recipient (5xx) and an unreachable next hop give
# their exit codes and leave the entry held; a digest arrives as
# multipart/alternative (text and HTML) and its token releases the
# message; --learn-ham raises the Bayes ham count; delete and expire
# remove entries and files. Needs root (Postfix) and python3.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
WINNOW=${WINNOW:-$top_builddir/winnow}
T=$top_builddir/tests/integration/test-quarantine
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got [$2] want [$3]"; fi; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for Postfix"; exit 77; }
command -v postfix >/dev/null || { echo "FAIL: postfix not installed"; exit 1; }
[ -x "$WINNOW" ] && [ -x "$T" ] || { echo "FAIL: $WINNOW or $T not built"; exit 1; }

W=$(mktemp -d /tmp/winnow-quar.XXXXXX)
P=$W/postfix
SMTP=$(sh "$top_srcdir/tests/integration/free-port.sh")
cleanup() {
	postfix -c "$P/etc" stop >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# the C checks of quar_store first (no Postfix needed)
if "$T" check > "$W/check.out" 2>&1; then
	ok "quar_store checks ($(tail -1 "$W/check.out"))"
else
	bad "quar_store checks"; cat "$W/check.out"
fi

# Postfix with no milter: its smtpd is the release next hop
sh "$top_srcdir/tests/integration/postfix-instance.sh" "$W" "$SMTP" "" || exit 1
printf 'bob@virt.test virt.test/bob/\nalice@virt.test virt.test/alice/\n' > "$P/etc/vmailbox"
postfix -c "$P/etc" reload >/dev/null 2>&1
python3 - "$SMTP" <<'EOP' || { echo "FAIL: postfix not listening"; exit 1; }
import socket, sys, time
for _ in range(300):
    try:
        socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOP

C=$W/winnow.conf
cat > "$C" <<EOF
db_path = $W/winnow.db
quarantine_dir = $W/quarantine
quarantine_release_smtp = 127.0.0.1:$SMTP
hostname = mx.example.test
quarantine_digest_from = quarantine@example.test
quarantine_release_url = https://quarantine.example.test/release?t=%t
EOF
Q() { "$WINNOW" quarantine "$@" -c "$C"; }
BOB=$P/vmail/virt.test/bob/new
ALICE=$P/vmail/virt.test/alice/new

# waits until DIR holds N files (10 s)
wait_files() {
	i=0
	while [ "$(ls "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ls "$1" 2>/dev/null | wc -l | tr -d ' '
}

# newest file in DIR
newest() { ls -t "$1" | head -1; }

# DELIVERED STORED: the delivered file is Postfix's prepended lines, then
# the stored message byte for byte
same_as_stored() {
	python3 - "$1" "$2" <<'EOP'
import re, sys
got = open(sys.argv[1], 'rb').read()
want = open(sys.argv[2], 'rb').read()
if not got.endswith(want):
    sys.exit('delivered message does not end with the stored bytes')
prefix = got[:len(got) - len(want)]
# only Return-Path, Delivered-To, X-Original-To and Received (folded too)
lines = prefix.split(b'\n')[:-1]
for l in lines:
    if not (re.match(rb'(Return-Path|Delivered-To|X-Original-To|Received):', l) or l[:1] in (b' ', b'\t')):
        sys.exit('unexpected prepended line: %r' % l)
if not lines:
    sys.exit('nothing prepended: not delivered by Postfix?')
EOP
}

# The message: 8-bit UTF-8, a dot line, a "From " line, a long line,
# encoded From and Subject.
M1=$W/m1.eml
python3 - "$M1" <<'EOP'
import sys
body = ('From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.org>\n'
        'To: bob@virt.test, alice@virt.test\n'
        'Subject: =?UTF-8?B?UXVhcmFudMOkbmUgdGVzdA==?=\n'
        'Message-ID: <m1.quarantine@example.org>\n'
        'Date: Tue, 01 Dec 2026 10:00:00 +0000\n'
        'MIME-Version: 1.0\n'
        'Content-Type: text/plain; charset=utf-8\n'
        'Content-Transfer-Encoding: 8bit\n'
        '\n'
        'Grüße aus Köln\n'
        '.\n'
        '..two dots\n'
        'From the start of a line\n'
        + 'x' * 900 + '\n'
        'last line\n')
open(sys.argv[1], 'wb').write(body.encode())
EOP
ID1=$("$T" store "$C" "$M1" sender@example.org bob@virt.test alice@virt.test)
case $ID1 in
????????????????????) ok "quar_store gave an id ($ID1)" ;;
*) bad "quar_store: [$ID1]"; exit 1 ;;
esac
STORED=$W/quarantine/$ID1
cmp -s "$STORED" "$M1" && ok "stored file is the message" || bad "stored file differs"

check "bayes stats counts it" "$("$WINNOW" bayes stats -c "$C" | grep '^also:')" \
	"also: 0 auto-whitelist entries, 1 quarantined messages"

# ---- list and show ----
check "list before any store exists: empty" "$("$WINNOW" quarantine list -c "$C" -o db_path=$W/none.db)" ""

out=$(Q list)
echo "$out" | grep -q "^$ID1 .* 9.50  virus Eicar-Test$" && ok "list: id, score, reason" || bad "list: $out"
echo "$out" | grep -q "from <sender@example.org> to bob@virt.test, alice@virt.test$" \
	&& ok "list: envelope" || bad "list envelope: $out"
echo "$out" | grep -q "subject: Quarantäne test$" && ok "list: decoded subject" || bad "list subject: $out"
out=$(Q list --json)
echo "$out" | python3 -c '
import json, sys
e = json.loads(sys.stdin.readline())
assert e["from"] == "José García <jose@example.org>", e
assert e["subject"] == "Quarantäne test" and e["score"] == 9.5, e
assert [r["address"] for r in e["recipients"]] == ["bob@virt.test", "alice@virt.test"], e
assert e["client_ip"] == "192.0.2.25" and e["queue_id"] == "TESTQ1", e
' && ok "list --json" || bad "list --json: $out"
check "list --rcpt (no case)" "$(Q list --rcpt ALICE@virt.test | head -1 | cut -c1-20)" "$ID1"
check "list --rcpt of nobody is empty" "$(Q list --rcpt carol@virt.test)" ""
out=$(Q show "$ID1")
echo "$out" | grep -q "^sender: <sender@example.org>$" && echo "$out" | grep -q "^Message-ID: <m1.quarantine@example.org>$" \
	&& echo "$out" | grep -q "^subject: Quarantäne test$" \
	&& ! echo "$out" | grep -q "Grüße" && ok "show: metadata and header, no body" || bad "show: $out"
Q show "$ID1" --raw > "$W/raw.out"
cmp -s "$W/raw.out" "$M1" && ok "show --raw is the message byte for byte" || bad "show --raw differs"
Q show 0123456789abcdef0123 >/dev/null 2>&1
check "show of an unknown id: 66" "$?" 66

# ---- tokens (from a dry-run digest) ----
# digest_tokens FILE: the release tokens in a digest's text part
digest_tokens() {
	python3 - "$1" <<'EOP'
import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
text = m.get_body(('plain',)).get_content()
for t in re.findall(r'release\?t=([A-Za-z0-9_-]+)', text):
    print(t)
EOP
}
Q digest --rcpt alice@virt.test --dry-run > "$W/d-alice.eml" 2>"$W/d-alice.err"
TOK_ALICE=$(digest_tokens "$W/d-alice.eml")
[ -n "$TOK_ALICE" ] && ok "a dry-run digest carries a token" || { bad "no token in digest"; cat "$W/d-alice.eml"; }
FORGED=$(echo "$TOK_ALICE" | python3 -c '
import sys
t = sys.stdin.read().strip(); i = len(t) // 2
print(t[:i] + ("A" if t[i] != "A" else "B") + t[i + 1:])')
Q release --token "$FORGED" > "$W/out" 2>&1
check "a forged token is refused: 65" "$?" 65
grep -q "bad token" "$W/out" && ok "forged: says bad token" || bad "forged: $(cat "$W/out")"
Q digest --rcpt alice@virt.test --dry-run -o quarantine_token_days=0 > "$W/d-exp.eml" 2>/dev/null
TOK_EXP=$(digest_tokens "$W/d-exp.eml")
sleep 1.1
Q release --token "$TOK_EXP" > "$W/out" 2>&1
check "an expired token is refused: 65" "$?" 65
grep -q "expired" "$W/out" && ok "expired: says so" || bad "expired: $(cat "$W/out")"
check "refused tokens released nothing" "$(ls "$ALICE" 2>/dev/null | wc -l | tr -d ' ')" 0

Q release --token "$TOK_ALICE" > "$W/out" 2>&1
check "release --token: exit 0" "$?" 0
check "alice's copy arrives" "$(wait_files "$ALICE" 1)" 1
same_as_stored "$ALICE/$(newest "$ALICE")" "$STORED" && ok "alice's copy is byte-identical" \
	|| bad "alice's copy differs"
sleep 0.3
check "bob got nothing from alice's token" "$(ls "$BOB" 2>/dev/null | wc -l | tr -d ' ')" 0
check "bob's copy is still listed" "$(Q list --rcpt bob@virt.test | head -1 | cut -c1-20)" "$ID1"
check "alice has nothing held" "$(Q list --rcpt alice@virt.test)" ""
Q release --token "$TOK_ALICE" > "$W/out" 2>&1
check "the same token again: 1 (already released)" "$?" 1

# ---- release by id ----
Q release "$ID1" > "$W/out" 2>&1
check "release ID: exit 0" "$?" 0
grep -q "released to 1 recipient$" "$W/out" && ok "released to the one still held" || bad "release: $(cat "$W/out")"
check "bob's copy arrives" "$(wait_files "$BOB" 1)" 1
same_as_stored "$BOB/$(newest "$BOB")" "$STORED" && ok "bob's copy is byte-identical" || bad "bob's copy differs"
Q release "$ID1" > "$W/out" 2>&1
check "a second release: 1" "$?" 1
grep -q "already released" "$W/out" && ok "says already released" || bad "second release: $(cat "$W/out")"
check "released entry not in list" "$(Q list)" ""
Q list --all | grep -q "^$ID1 " && ok "list --all shows it" || bad "list --all"
Q list --all | grep -q "bob@virt.test (released 20" && ok "list --all marks released copies" || bad "list --all marks"
Q release 0123456789abcdef0123 >/dev/null 2>&1
check "release of an unknown id: 66" "$?" 66

# ---- --rcpt: one recipient's copy by id ----
IDR=$("$T" store "$C" "$M1" sender@example.org bob@virt.test alice@virt.test)
Q release "$IDR" --rcpt Alice@virt.test > "$W/out" 2>&1
check "release --rcpt: exit 0" "$?" 0
check "alice gets her copy" "$(wait_files "$ALICE" 2)" 2
check "bob's stays held" "$(Q list --rcpt bob@virt.test | head -1 | cut -c1-20)" "$IDR"
Q release "$IDR" --rcpt carol@virt.test > "$W/out" 2>&1
check "release --rcpt of a non-recipient: 1" "$?" 1
Q delete "$IDR" >/dev/null 2>&1
check "delete a half-released entry" "$?" 0

# ---- next hop failures leave the entry held ----
ID2=$("$T" store "$C" "$M1" sender@example.org nobody@virt.test)
Q release "$ID2" > "$W/out" 2>&1
check "recipient refused by the next hop: 69" "$?" 69
grep -q "refused" "$W/out" && ok "says refused" || bad "refused: $(cat "$W/out")"
DEAD=$(sh "$top_srcdir/tests/integration/free-port.sh")
Q release "$ID2" -o quarantine_release_smtp=127.0.0.1:$DEAD > "$W/out" 2>&1
check "next hop unreachable: 75" "$?" 75
check "still held after both" "$(Q list --rcpt nobody@virt.test | head -1 | cut -c1-20)" "$ID2"
Q delete "$ID2" > "$W/out" 2>&1
check "delete: exit 0" "$?" 0
[ ! -e "$W/quarantine/$ID2" ] && ok "delete removes the file" || bad "file left after delete"
Q delete "$ID2" >/dev/null 2>&1
check "delete again: 66" "$?" 66

# ---- digest for real, and its token ----
ID3=$("$T" store -r "spam" -s 12.5 "$C" "$M1" sender@example.org bob@virt.test)
Q digest > "$W/out" 2>&1
check "digest: exit 0" "$?" 0
grep -q "digest sent to bob@virt.test: 1 entry" "$W/out" && ok "digest sent to bob only" || bad "digest: $(cat "$W/out")"
check "the digest arrives" "$(wait_files "$BOB" 2)" 2
DIG=$BOB/$(newest "$BOB")
python3 - "$DIG" <<'EOP' && ok "digest is multipart/alternative, text and HTML" || bad "digest form"
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
assert m.get_content_type() == 'multipart/alternative', m.get_content_type()
types = [p.get_content_type() for p in m.iter_parts()]
assert types == ['text/plain', 'text/html'], types
assert 'bob@virt.test' in m['To'], m['To']
assert 'Quarantäne test' in m.get_body(('plain',)).get_content()
EOP
TOK3=$(digest_tokens "$DIG")
[ "$(echo "$TOK3" | wc -l)" -eq 1 ] && ok "one token in bob's digest" || bad "tokens: $TOK3"

# ---- --learn-ham, with the digest's token ----
ham_before=$("$WINNOW" bayes stats -c "$C" | sed -n 's/^messages: .* spam, \([0-9]*\) ham.*/\1/p')
Q release --token "$TOK3" --learn-ham > "$W/out" 2>&1
check "release --token --learn-ham: exit 0" "$?" 0
check "the digest's token delivers" "$(wait_files "$BOB" 3)" 3
same_as_stored "$BOB/$(newest "$BOB")" "$W/quarantine/$ID3" && ok "byte-identical again" || bad "differs"
ham_after=$("$WINNOW" bayes stats -c "$C" | sed -n 's/^messages: .* spam, \([0-9]*\) ham.*/\1/p')
check "--learn-ham: one more ham in Bayes" "$ham_after" "$((ham_before + 1))"
grep -q "ham: learned" "$W/out" && ok "says learned" || bad "learn: $(cat "$W/out")"

# ---- expire ----
OLD=$(($(date +%s) - 40 * 86400))
ID4=$("$T" store -d "$OLD" "$C" "$M1" sender@example.org bob@virt.test)
ID5=$("$T" store "$C" "$M1" sender@example.org bob@virt.test)
# leftovers of interrupted stores: an old temporary file, an old file
# with no index row; a fresh temporary file (a store under way) stays
printf 'x\n' > "$W/quarantine/.tmp.aaaaaaaaaaaaaaaaaaaa"
printf 'x\n' > "$W/quarantine/bbbbbbbbbbbbbbbbbbbb"
printf 'x\n' > "$W/quarantine/.tmp.cccccccccccccccccccc"
touch -d '2 days ago' "$W/quarantine/.tmp.aaaaaaaaaaaaaaaaaaaa"
touch -d '40 days ago' "$W/quarantine/bbbbbbbbbbbbbbbbbbbb"
out=$(Q expire)
check "expire (30 days by default)" "$out" "expired 1 entry older than 30 days
removed 2 files left by interrupted stores"
[ -e "$W/quarantine/.tmp.cccccccccccccccccccc" ] && ok "a fresh temporary file stays" \
	|| bad "fresh temporary file removed"
rm -f "$W/quarantine/.tmp.cccccccccccccccccccc"
[ ! -e "$W/quarantine/$ID4" ] && [ -e "$W/quarantine/$ID5" ] && ok "the old file went, the new stayed" \
	|| bad "expire files"
Q list | grep -q "^$ID4 " && bad "expired entry still listed" || ok "expired entry gone from the list"
out=$(Q expire --days 0)
check "expire --days 0 drops everything" "$out" "expired 3 entries older than 0 days"
check "quarantine dir is empty" "$(ls -A "$W/quarantine" | wc -l | tr -d ' ')" 0

# ---- usage ----
Q release >/dev/null 2>&1
check "release without ids or token: 64" "$?" 64
Q list --raw >/dev/null 2>&1
check "an option of another subcommand: 64" "$?" 64
"$WINNOW" quarantine list -c "$C" -o quarantine_release_smtp=nohostport >/dev/null 2>&1
check "a bad quarantine_release_smtp: 78" "$?" 78

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
