#!/bin/sh
# Bayes end to end: `winnow learn` from a directory, an mbox, a Maildir
# and stdin (summary line, learn-once, relearn, --forget, --on-error,
# exit codes), `winnow bayes stats|expire`, BAYES_* hits and the
# probability in `winnow check --json`, per-user stores; filterd's
# autolearn (X-Spam-Status autolearn=) and spamd TELL with the real
# spamc; `winnow learn` and filterd writing the same store at once
# with no count lost. Messages are generated here: two vocabularies.
# Needs python3 and spamc.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
W=${WINNOW:-$top_builddir/winnow}
F=${FILTERD:-$top_builddir/filterd/filterd}
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

command -v spamc >/dev/null || { echo "SKIP: spamc not installed"; exit 77; }
T=$(mktemp -d /tmp/winnow-bayes.XXXXXX)
FPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

python3 - "$T" <<'PY'
import os, random, sys
top = sys.argv[1]
spam = ('viagra cheap pills casino winner bonus loan credit offer free money refinance '
        'unsubscribe lottery prize cash urgent pharmacy discount replica watches').split()
ham = ('meeting agenda patch kernel review lunch thanks project release branch '
       'commit build schedule notes tomorrow draft budget weekly report team').split()
def msg(kind, i, words):
    r = random.Random('%s%d' % (kind, i))
    body = ' '.join(r.choice(words) for _ in range(60))
    host = 'deals.example.net' if kind == 'spam' else 'lists.example.org'
    return ('From: %s%d@%s\nTo: bob@example.org\nSubject: %s %d\n'
            'Message-ID: <%s%d@%s>\nDate: Mon, 1 Jan 2024 10:%02d:00 +0000\n\n%s\n'
            'http://%s/%s\n' % (kind, i, host, ' '.join(r.choice(words) for _ in range(3)),
                                i, kind, i, host, i % 60, body, host, kind))
for kind, words in (('spam', spam), ('ham', ham)):
    os.makedirs(os.path.join(top, kind))
    for i in range(40):
        m = msg(kind, i, words)
        if i < 30:
            open(os.path.join(top, kind, '%d.eml' % i), 'w').write(m)
        else:
            open(os.path.join(top, '%s-test%d.eml' % (kind, i)), 'w').write(m)
# the ham as an mbox
with open(os.path.join(top, 'ham.mbox'), 'w') as f:
    for i in range(30):
        f.write('From ham@example.org Mon Jan  1 10:00:00 2024\n')
        f.write(open(os.path.join(top, 'ham', '%d.eml' % i)).read() + '\n')
PY

DB=$T/w.db
O="-c /dev/null -o db_path=$DB -o use_network=no"
LOW="-o bayes_min_spam_num=5 -o bayes_min_ham_num=5"

# --- winnow learn ---
out=$($W learn $O --spam "$T/spam"); rc=$?
check "learn --spam a directory: exit 0, summary ($out)" \
	'[ $rc -eq 0 ] && echo "$out" | grep -q "^spam: 30 messages, 30 learned, 0 already learned"'
out=$($W learn $O --spam "$T/spam"); rc=$?
check "learning again counts nothing twice ($out)" \
	'[ $rc -eq 0 ] && echo "$out" | grep -q "30 messages, 0 learned, 30 already learned"'
out=$($W learn $O --ham "$T/ham.mbox"); rc=$?
check "learn --ham an mbox ($out)" '[ $rc -eq 0 ] && echo "$out" | grep -q "30 learned"'
out=$($W bayes stats $O)
check "bayes stats shows the counts ($out)" \
	'echo "$out" | grep -q "^messages: 30 spam, 30 ham (60 remembered" && echo "$out" | grep -Eq "^tokens: [1-9][0-9]*,"'

# -j: tokenizing threads learn the same store as one thread
$W learn -c /dev/null -o "db_path=$T/j1.db" -j 1 --spam "$T/spam" "$T/ham.mbox" >/dev/null
$W learn -c /dev/null -o "db_path=$T/j4.db" -j 4 --spam "$T/spam" "$T/ham.mbox" >/dev/null
$W bayes tokens -c /dev/null -o "db_path=$T/j1.db" "$T/spam-test31.eml" "$T/ham-test31.eml" >"$T/j1.tok"
$W bayes tokens -c /dev/null -o "db_path=$T/j4.db" "$T/spam-test31.eml" "$T/ham-test31.eml" >"$T/j4.tok"
check "learn -j 4 gives the same counts as -j 1" \
	'cmp -s "$T/j1.tok" "$T/j4.tok" && [ "$($W bayes stats -c /dev/null -o "db_path=$T/j4.db" | sed -n 2,3p)" = "$($W bayes stats -c /dev/null -o "db_path=$T/j1.db" | sed -n 2,3p)" ] && grep -q "^ *[1-9]" "$T/j4.tok"'
$W learn $O -j x --spam "$T/spam" >/dev/null 2>&1; rc=$?
check "learn -j x: exit 64 ($rc)" '[ $rc -eq 64 ]'

# --- classification ---
js=$($W check --json $O $LOW "$T/spam-test35.eml")
check "held-out spam: Bayes > 0.9 and BAYES_99" \
	'echo "$js" | python3 -c "import json,sys; o=json.load(sys.stdin); assert o[\"bayes\"] > 0.9, o; assert \"BAYES_99\" in [h[\"name\"] for h in o[\"hits\"]], o"'
js=$($W check --json $O $LOW "$T/ham-test35.eml")
check "held-out ham: Bayes < 0.1 and BAYES_00" \
	'echo "$js" | python3 -c "import json,sys; o=json.load(sys.stdin); assert o[\"bayes\"] < 0.1, o; assert \"BAYES_00\" in [h[\"name\"] for h in o[\"hits\"]], o"'
js=$($W check --json $O "$T/spam-test35.eml")
check "under bayes_min_spam_num: no probability, no BAYES_ hit" \
	'echo "$js" | grep -q "\"bayes\":null" && ! echo "$js" | grep -q BAYES_'
js=$($W check --json -L -c /dev/null -o "db_path=$T/none.db" "$T/spam-test35.eml"); rc=$?
check "a store not created yet: check works, and does not create it" \
	'[ $rc -le 1 ] && echo "$js" | grep -q "\"bayes\":null" && [ ! -e "$T/none.db" ]'
$W check $O $LOW "$T/ham-test36.eml" >/dev/null
check "check never autolearns" '$W bayes stats $O | grep -q "^messages: 30 spam, 30 ham"'

# --- relearn, forget, stdin, Maildir, on error ---
out=$($W learn $O --spam <"$T/ham/0.eml"); rc=$?
check "stdin: a ham relearned as spam ($out)" \
	'[ $rc -eq 0 ] && echo "$out" | grep -q "1 learned" && $W bayes stats $O | grep -q "^messages: 31 spam, 29 ham"'
out=$($W learn $O --forget "$T/ham/0.eml"); rc=$?
check "--forget undoes it ($out)" \
	'[ $rc -eq 0 ] && echo "$out" | grep -q "1 forgotten" && $W bayes stats $O | grep -q "^messages: 30 spam, 29 ham"'
out=$($W learn $O --forget "$T/ham/0.eml")
check "--forget of a message never learned changes nothing ($out)" \
	'echo "$out" | grep -q "0 forgotten, 1 already not learned"'
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$T/ham/0.eml" "$T/md/cur/1.x:2,S"
cp "$T/ham-test37.eml" "$T/md/new/2.x"
out=$($W learn $O --ham "$T/md"); rc=$?
check "learn --ham a Maildir ($out)" '[ $rc -eq 0 ] && echo "$out" | grep -q "^ham: 2 messages, 2 learned"'
out=$($W learn $O $LOW --on-error --spam "$T/spam-test38.eml")
check "--on-error skips what Bayes already judges right ($out)" \
	'echo "$out" | grep -q "0 learned, 0 already learned, 1 skipped"'
out=$($W learn $O $LOW --on-error --ham "$T/spam-test39.eml")
check "--on-error learns what Bayes gets wrong ($out)" 'echo "$out" | grep -q "1 learned"'

# on a terminal (script(1) gives it one): a progress bar with the rate
if command -v script >/dev/null; then
	script -qec "$W learn -c /dev/null -o db_path=$T/tty.db --spam $T/spam" /dev/null >"$T/tty.out" 2>&1
	check "a progress bar with the rate on a terminal" \
		'grep -q "spam \[#*\] 30/30 .*msgs/s" "$T/tty.out" && grep -q "^spam: 30 messages" "$T/tty.out"'
fi

# --- errors ---
$W learn $O "$T/spam" >/dev/null 2>&1; rc=$?
check "no --spam/--ham/--forget: exit 64 ($rc)" '[ $rc -eq 64 ]'
$W learn $O --spam --ham "$T/spam" >/dev/null 2>&1; rc=$?
check "two modes: exit 64 ($rc)" '[ $rc -eq 64 ]'
$W learn $O --spam "$T/missing.eml" >/dev/null 2>"$T/err"; rc=$?
check "a missing path: exit 66, named ($rc)" '[ $rc -eq 66 ] && grep -q missing.eml "$T/err"'
$W learn -c /dev/null -o "db_path=$T/no/such/dir/w.db" --spam "$T/spam" >/dev/null 2>"$T/err"; rc=$?
check "a store that cannot be created: exit 74 ($rc: $(cat "$T/err"))" '[ $rc -eq 74 ]'
printf 'not a database at all, not even close to one\n' >"$T/junk.db"
$W learn -c /dev/null -o "db_path=$T/junk.db" --spam "$T/spam" >/dev/null 2>"$T/err"; rc=$?
check "a file that is not a Winnow store: exit 74, nothing learned ($rc)" \
	'[ $rc -eq 74 ] && grep -q "^not a database" "$T/junk.db"'

# --- per-user stores, expiry ---
U="-o bayes_user_path=$T/user-%u.db"
out=$($W learn $O $U --user Bob@Example.org --spam "$T/spam-test30.eml"); rc=$?
check "--user learns into that user's store ($out)" \
	'[ $rc -eq 0 ] && [ -f "$T/user-bob@example.org.db" ] && $W bayes stats $O | grep -q "^messages: 30 spam"'
$W learn $O --user bob --spam "$T/spam-test30.eml" >/dev/null 2>&1; rc=$?
check "--user without bayes_user_path: exit 78 ($rc)" '[ $rc -eq 78 ]'
out=$($W bayes expire $O -o bayes_max_tokens=100)
tokens=$($W bayes stats $O | sed -n 's/^tokens: \([0-9]*\),.*/\1/p')
check "bayes expire keeps the store under bayes_max_tokens ($out; $tokens left)" \
	'[ -n "$tokens" ] && [ "$tokens" -le 100 ] && [ "$tokens" -gt 0 ]'

# --- filterd: autolearn and TELL through the real spamc ---
DB2=$T/f.db
PORT=$(sh "$top_srcdir/tests/integration/free-port.sh")
# a rule that scores the generated spam well over the autolearn threshold
printf 'body T_PILLS /cheap pills casino/\nscore T_PILLS 15\nbody T_MINE /my own marker/\nscore T_MINE 15\ntflags T_MINE userconf\n' >"$T/extra.cf"
"$F" -f -c /dev/null -o milter_listen= -o "spamd_listen=127.0.0.1:$PORT" -o "db_path=$DB2" -o use_network=no \
	-o spamd_allow_tell=yes -o "rules_dir=$top_srcdir/rules/default $T/extra.cf" \
	2>"$T/filterd.log" &
FPID=$!
C="-d 127.0.0.1 -p $PORT"
i=0
until spamc $C -K >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
printf 'From: a@deals.example.net\nTo: bob@example.org\nSubject: x\nMessage-ID: <g1@x>\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n' >"$T/gtube"
spamc $C <"$T/gtube" >"$T/gtube.out"
check "GTUBE (tflags noautolearn) is spam but not autolearned, as either class" \
	'grep -q "^X-Spam-Flag: YES" "$T/gtube.out" && grep -A1 "^X-Spam-Status:" "$T/gtube.out" | grep -q "autolearn=no" && [ ! -e "$DB2" ]'
printf 'From: a@deals.example.net\nTo: bob@example.org\nSubject: y\nMessage-ID: <p1@x>\n\nbuy cheap pills casino now\n' >"$T/pills"
spamc $C <"$T/pills" >"$T/pills.out"
check "autolearn=spam in X-Spam-Status over the spam threshold" \
	'grep -A1 "^X-Spam-Status:" "$T/pills.out" | grep -q "autolearn=spam"'
printf 'From: a@deals.example.net\nTo: bob@example.org\nSubject: z\nMessage-ID: <u1@x>\n\nmy own marker\n' >"$T/mine"
spamc $C <"$T/mine" >"$T/mine.out"
check "a userconf rule's points are not autolearned either" \
	'grep -q "^X-Spam-Flag: YES" "$T/mine.out" && grep -A1 "^X-Spam-Status:" "$T/mine.out" | grep -q "autolearn=no"'
check "autolearn created the store with the message's tokens" \
	'$W bayes stats -c /dev/null -o "db_path=$DB2" | grep -q "^messages: 1 spam" && $W bayes stats -c /dev/null -o "db_path=$DB2" | grep -Eq "^tokens: [1-9]"'
out=$(spamc $C -L ham <"$T/ham/1.eml")
check "spamc -L ham: learned ($out)" 'echo "$out" | grep -q "successfully"'
out=$(spamc $C -L ham <"$T/ham/1.eml")
check "spamc -L ham again: already learned ($out)" 'echo "$out" | grep -q "already"'
out=$(spamc $C -L forget <"$T/ham/1.eml")
check "spamc -L forget: forgotten ($out)" 'echo "$out" | grep -q "successfully"'

# learn and scan at once: two spamc loops (autolearning every
# message as ham or spam) while winnow learn writes the same store
spamc_loop() { # KIND: sends every training message of that kind
	for f in "$T/$1"/*.eml; do spamc $C -c <"$f" >/dev/null; done
}
before=$($W bayes stats -c /dev/null -o "db_path=$DB2" | sed -n 's/^messages: \(.*\) (.*/\1/p')
spamc_loop spam & p1=$!
spamc_loop ham & p2=$!
lrc=0
for round in 1 2 3 4 5; do
	$W learn -c /dev/null -o "db_path=$DB2" --ham "$T/ham.mbox" >"$T/learn.out" 2>&1 || lrc=$?
	$W learn -c /dev/null -o "db_path=$DB2" --forget "$T/ham.mbox" >"$T/learn.out" 2>&1 || lrc=$?
done
$W learn -c /dev/null -o "db_path=$DB2" --ham "$T/ham.mbox" >"$T/learn.out" 2>&1 || lrc=$?
wait $p1 $p2
after=$($W bayes stats -c /dev/null -o "db_path=$DB2" | sed -n 's/^messages: \([0-9]*\) spam, \([0-9]*\) ham.*/\1 \2/p')
check "concurrent learn, forget and scans: learn exit 0 ($(cat "$T/learn.out"))" '[ $lrc -eq 0 ]'
check "no store errors in filterd's log" '! grep -q "bayes:" "$T/filterd.log"'
echo "store before: $before, after: $after"
n_spam=${after% *}
n_ham=${after#* }
check "every message counted once: 30 ham whoever learned them first ($after)" \
	'[ "$n_ham" -eq 30 ] && [ "$n_spam" -ge 1 ]'
spamc $C -K >/dev/null && ok "filterd still answers" || bad "filterd still answers"
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=

# per-user stores through spamd's User header (spamc -u)
PU="-o bayes_user_path=$T/pu-%u.db"
$W learn $O $PU --user alice --spam "$T/spam" >/dev/null && $W learn $O $PU --user alice --ham "$T/ham" >/dev/null
"$F" -f -c /dev/null -o milter_listen= -o "spamd_listen=127.0.0.1:$PORT" -o "db_path=$DB2" -o use_network=no \
	$PU $LOW -o spamd_allow_tell=yes -o "rules_dir=$top_srcdir/rules/default" 2>"$T/filterd3.log" &
FPID=$!
i=0
until spamc $C -K >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$(spamc $C -u alice -y <"$T/spam-test31.eml")
check "spamc -u alice: alice's store says BAYES_99 ($out)" 'echo "$out" | tr , "\n" | grep -qx BAYES_99'
out=$(spamc $C -u bob -y <"$T/spam-test31.eml")
check "spamc -u bob: an empty store, no BAYES_ hit ($out)" '! echo "$out" | grep -q BAYES_'
spamc $C -u carol -L spam <"$T/spam/2.eml" >/dev/null
check "spamc -u carol -L spam learns into carol's store" '[ -f "$T/pu-carol.db" ]'
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=

"$F" -f -c /dev/null -o milter_listen= -o "spamd_listen=127.0.0.1:$PORT" -o "db_path=$DB2" -o use_network=no \
	2>"$T/filterd2.log" &
FPID=$!
i=0
until spamc $C -K >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
spamc $C -L spam <"$T/spam/1.eml" >/dev/null 2>&1; rc=$?
check "TELL refused without spamd_allow_tell (spamc exit $rc)" '[ $rc -ne 0 ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
