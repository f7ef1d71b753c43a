#!/bin/sh
# winnow-mda end to end, the real binary on a real file system: Return-Path
# and Delivered-To added (the MTA's own stamp replaced), a loop refused
# (65, "5.4.6"), -m and -d (as root: a test user made here, the mail owned
# by them; unknown user 67; another user without root 77), the default
# policy (spam to .Junk, viruses to .Quarantine), script errors to INBOX,
# --check-script and --test, size limit, quota (75, or 73 bouncing),
# unwritable folders (fallback to INBOX; INBOX itself 75), symlinked
# folders refused, a full tmpfs (75, nothing partial in new/), forwarding
# through a sendmail stand-in, and a command killed at its time limit.
# Usage: test-mdacore.sh [PATH-TO-WINNOW-MDA]
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
M=${1:-${top_builddir:-.}/mda/winnow-mda}
[ -x "$M" ] || { echo "no $M"; exit 1; }
T=$(mktemp -d /tmp/wn-mdacore-XXXXXX)
chmod 755 "$T"
U=wnmda$$
made_user=0
mounted=0
cleanup() {
	[ $mounted = 1 ] && umount "$T/full" 2>/dev/null
	[ $made_user = 1 ] && userdel "$U" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # want got what
	[ "$1" = "$2" ] && ok || { bad "$3: exit $2, want $1"; cat "$T/err" 2>/dev/null; }
}
count() { # files in a directory
	find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '
}
# a config of our own: no /etc/winnow/winnow.conf, no ~ scripts
printf 'mda_sieve =\nmda_procmail_compat = no\n' >"$T/mda.conf"
C="-c $T/mda.conf"

cat >"$T/ham.eml" <<'EOF'
From: alice@example.org
To: bob@example.org
Subject: hello
Message-ID: <ham1@example.org>

Hi Bob.
EOF
printf 'From: x@example.net\r\nSubject: spam\r\nX-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=12.0\r\n\r\nbuy\r\n' >"$T/spam.eml"
printf 'From: x@example.net\nSubject: virus\nX-Virus-Status: Infected (Eicar-Signature)\nX-Spam-Flag: YES\n\nbad\n' >"$T/virus.eml"

# --- stamping ---
D=$T/m1/Maildir
$M $C -m "$D" -f alice@example.org -a bob@example.org <"$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 0 $? "-m delivery"
f=$(find "$D/new" -type f | head -1)
[ "$(sed -n 1p "$f")" = "Return-Path: <alice@example.org>" ] && ok || bad "Return-Path: $(sed -n 1p "$f")"
[ "$(sed -n 2p "$f")" = "Delivered-To: bob@example.org" ] && ok || bad "Delivered-To: $(sed -n 2p "$f")"
tail -n +3 "$f" | cmp -s - "$T/ham.eml" && ok || bad "message body changed"
for d in cur new tmp; do [ -d "$D/$d" ] && ok || bad "no $d/"; done
[ "$(count "$D/tmp")" = 0 ] && ok || bad "tmp/ not empty"
# CRLF input is stored with LF
$M $C -m "$T/crlf" -f s@x -a bob@example.org <"$T/spam.eml" 2>"$T/err"
expect_rc 0 $? "crlf"
grep -q "$(printf '\r')" "$T"/crlf/.Junk/new/* && bad "CR kept" || ok

# the MTA's stamp (Postfix local(8): From_, X-Original-To, Delivered-To,
# Return-Path) is replaced, not taken for a loop; its sender is used
{ printf 'From MAILER-DAEMON Tue Dec  1 10:00:00 2026\nX-Original-To: bob@example.org\n'
  printf 'Delivered-To: bob@example.org\nReturn-Path: <owner@lists.example>\n'
  cat "$T/ham.eml"; } >"$T/stamped.eml"
$M $C -m "$T/m2" -a bob@example.org <"$T/stamped.eml" 2>"$T/err"
expect_rc 0 $? "MTA stamp"
f=$(find "$T/m2/new" -type f | head -1)
[ "$(grep -c '^Delivered-To:' "$f")" = 1 ] && ok || bad "Delivered-To twice"
[ "$(sed -n 1p "$f")" = "Return-Path: <owner@lists.example>" ] && ok || bad "stamp sender: $(sed -n 1p "$f")"
grep -q '^From MAILER' "$f" && bad "From_ line kept" || ok
grep -q '^X-Original-To: bob@example.org' "$f" && ok || bad "X-Original-To dropped"
# the recipient from $RECIPIENT (Postfix sets it for mailbox_command)
RECIPIENT=carol@example.org $M $C -m "$T/m3" -f a@b <"$T/ham.eml" 2>"$T/err"
grep -q '^Delivered-To: carol@example.org' "$T"/m3/new/* && ok || bad "RECIPIENT not used"

# --- loop ---
{ printf 'Received: from mx by mx2\nDelivered-To: Bob@Example.org\n'; cat "$T/ham.eml"; } >"$T/loop.eml"
$M $C -m "$T/m4" -f a@b -a bob@example.org <"$T/loop.eml" >"$T/out" 2>"$T/err"
expect_rc 65 $? "loop"
[ "$(head -1 "$T/err")" = "5.4.6 mail forwarding loop for bob@example.org" ] && ok || bad "loop: no 5.4.6 line"
grep -q 'loop' "$T/err" && ok || bad "loop: not logged"
[ "$(count "$T/m4/new")" = 0 ] && ok || bad "loop: delivered anyway"
# a Delivered-To for somebody else is no loop
{ printf 'Received: from mx by mx2\nDelivered-To: list@example.org\n'; cat "$T/ham.eml"; } >"$T/other.eml"
$M $C -m "$T/m4" -f a@b -a bob@example.org <"$T/other.eml" 2>"$T/err"
expect_rc 0 $? "other Delivered-To"

# --- default policy ---
D=$T/pol
$M $C -m "$D" -f a@b -a bob@example.org <"$T/spam.eml" 2>"$T/err"; expect_rc 0 $? "spam"
$M $C -m "$D" -f a@b -a bob@example.org <"$T/virus.eml" 2>"$T/err"; expect_rc 0 $? "virus"
$M $C -m "$D" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"; expect_rc 0 $? "ham"
[ "$(count "$D/.Junk/new")" = 1 ] && ok || bad "spam not in .Junk"
[ "$(count "$D/.Quarantine/new")" = 1 ] && ok || bad "virus not in .Quarantine"
[ "$(count "$D/new")" = 1 ] && ok || bad "ham not in INBOX"
[ -f "$D/.Junk/maildirfolder" ] && [ -f "$D/.Quarantine/maildirfolder" ] && ok || bad "no maildirfolder"
$M $C -o mda_junk_folder=Spam/Caught -m "$D" -f a@b -a bob@example.org <"$T/spam.eml" 2>"$T/err"
[ "$(count "$D/.Spam.Caught/new")" = 1 ] && ok || bad "mda_junk_folder Spam/Caught"
# a junk folder we may not use: INBOX instead
ln -s /tmp "$D/.Evil"
$M $C -o mda_junk_folder=Evil -m "$D" -f a@b -a bob@example.org <"$T/spam.eml" 2>"$T/err"
expect_rc 0 $? "symlinked junk folder"
grep -q 'symbolic link refused' "$T/err" && ok || bad "symlink: not logged"
[ "$(count "$D/new")" = 2 ] && ok || bad "symlinked folder: not in INBOX"

# --- scripts ---
printf 'require ["fileinto", "mailbox"];\nif header :contains "subject" "hello" { fileinto :create "Greetings"; }\n' >"$T/good.sieve"
printf 'require "fileinto";\nif header :contains "subject" "hello" {\n  fileinto "x"\n}\n' >"$T/bad.sieve"
$M --check-script "$T/good.sieve" >"$T/out" 2>&1; expect_rc 0 $? "check good"
grep -q 'OK (sieve)' "$T/out" && ok || bad "check good: $(cat "$T/out")"
$M --check-script "$T/bad.sieve" >"$T/out" 2>&1; expect_rc 65 $? "check bad"
grep -q "bad.sieve:[0-9]*:[0-9]*:" "$T/out" && ok || bad "check bad: no file:line:column: $(cat "$T/out")"
$M $C -m "$T/s1" -s "$T/good.sieve" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "sieve fileinto"
[ "$(count "$T/s1/.Greetings/new")" = 1 ] && ok || bad "sieve: not in .Greetings"
# a broken script: logged with file:line:column, the mail in INBOX
$M $C -m "$T/s2" -s "$T/bad.sieve" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "broken script"
grep -q "bad.sieve:[0-9]*:[0-9]*:.*INBOX" "$T/err" && ok || bad "broken script: log $(cat "$T/err")"
[ "$(count "$T/s2/new")" = 1 ] && ok || bad "broken script: not in INBOX"
# a missing script too
$M $C -m "$T/s3" -s "$T/none.sieve" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "missing script"
[ "$(count "$T/s3/new")" = 1 ] && ok || bad "missing script: not in INBOX"
# --test: says what would happen, delivers nothing
$M $C -m "$T/s4" -s "$T/good.sieve" -f a@b -a bob@example.org --test "$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 0 $? "--test"
grep -q 'would store in .*/s4/.Greetings/new' "$T/out" && ok || bad "--test: $(cat "$T/out")"
[ ! -e "$T/s4" ] && ok || bad "--test delivered something"
$M $C -m "$T/s4" -f a@b -a bob@example.org --test "$T/spam.eml" >"$T/out" 2>"$T/err"
grep -q '^recipe: default policy' "$T/out" && grep -q 'fileinto Junk' "$T/out" && ok ||
	bad "--test default policy: $(cat "$T/out")"

# --- limits, config, usage ---
$M $C -o mda_max_size=50 -m "$T/l1" -f a@b -a bob@example.org <"$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 65 $? "too big"
head -1 "$T/err" | grep -q '^5.3.4 ' && ok || bad "too big: no 5.3.4"
$M $C -o mda_quota=bogus -m "$T/l1" <"$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 78 $? "bad config"
printf 'mda_quota = 12Q\n' >"$T/badq.conf"
$M -c "$T/badq.conf" -m "$T/l1" <"$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 78 $? "bad config file"
grep -q 'badq.conf:1' "$T/err" && ok || bad "config error without file:line: $(cat "$T/err")"
$M $C -m "$T/l1" -d root <"$T/ham.eml" >/dev/null 2>&1
expect_rc 64 $? "-m and -d"

# --- quota ---
D=$T/q
$M $C -o mda_quota=400S -m "$D" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "quota first"
$M $C -o mda_quota=400S -m "$D" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "quota second"
$M $C -o mda_quota=400S -m "$D" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 75 $? "over quota"
grep -q 'over quota' "$T/err" && ok || bad "over quota: not said"
$M $C -o mda_quota=400S -o mda_quota_bounce=yes -m "$D" -f a@b -a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 73 $? "over quota, bounce"
[ "$(count "$D/new")" = 2 ] && ok || bad "quota: $(count "$D/new") delivered"
[ "$(head -1 "$D/maildirsize")" = 400S ] && ok || bad "maildirsize: $(cat "$D/maildirsize")"

# --- forwarding through sendmail ---
cat >"$T/sendmail" <<EOF
#!/bin/sh
echo "\$*" >"$T/sendmail.args"
cat >"$T/sendmail.in"
exit \${FAKE_SENDMAIL_EXIT:-0}
EOF
chmod +x "$T/sendmail"
printf 'require "copy";\nredirect :copy "carol@example.net";\n' >"$T/fwd.sieve"
$M $C -o mda_sendmail="$T/sendmail" -m "$T/f1" -s "$T/fwd.sieve" -f alice@example.org -a bob@example.org \
	<"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "redirect"
[ "$(cat "$T/sendmail.args")" = "-i -f alice@example.org -- carol@example.net" ] && ok ||
	bad "sendmail args: $(cat "$T/sendmail.args")"
grep -q '^Delivered-To: bob@example.org' "$T/sendmail.in" && grep -q '^Subject: hello' "$T/sendmail.in" &&
	ok || bad "sendmail input"
[ "$(count "$T/f1/new")" = 1 ] && ok || bad "redirect :copy: no INBOX copy"
FAKE_SENDMAIL_EXIT=75 $M $C -o mda_sendmail="$T/sendmail" -m "$T/f2" -s "$T/fwd.sieve" -f a@b \
	-a bob@example.org <"$T/ham.eml" 2>"$T/err"
expect_rc 75 $? "sendmail failing"

# --- a command over its time limit: killed with its children, 75 ---
printf ':0\n| sleep 31.7 & sleep 31.7\n' >"$T/slow.procmailrc"
start=$(date +%s)
$M $C -o mda_pipe_timeout=1 -m "$T/p1" -s "$T/slow.procmailrc" -f a@b -a bob@example.org \
	<"$T/ham.eml" 2>"$T/err"
expect_rc 75 $? "pipe timeout"
[ $(($(date +%s) - start)) -lt 10 ] && ok || bad "pipe timeout took too long"
grep -q 'mda_pipe_timeout' "$T/err" && ok || bad "pipe timeout: not said: $(cat "$T/err")"
sleep 0.2
pgrep -f 'sleep 31.7' >/dev/null && bad "pipe timeout: children left running" || ok

if [ "$(id -u)" != 0 ]; then
	echo "not root: -d, permissions and the full disk not tested"
	echo "$pass passed, $fail failed"
	[ $fail = 0 ] || exit 1
	exit 0
fi

# --- -d USER as root: runs as the user ---
useradd -d "$T/home" -m -s /bin/sh "$U" && made_user=1
uid=$(id -u "$U")
$M $C -d "$U" -f a@b -a "$U@example.org" <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "-d user"
f=$(find "$T/home/Maildir/new" -type f | head -1)
[ -n "$f" ] && [ "$(stat -c %u "$f")" = "$uid" ] && [ "$(stat -c %u "$T/home/Maildir")" = "$uid" ] &&
	ok || bad "-d: not owned by the user"
[ "$(stat -c %a "$f")" = 600 ] && ok || bad "-d: mode $(stat -c %a "$f")"
# the user's own ~/.winnow.sieve is found
cp "$T/good.sieve" "$T/home/.winnow.sieve"
chown "$U" "$T/home/.winnow.sieve"
$M -d "$U" -f a@b -a "$U@example.org" -o mda_procmail_compat=no <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "-d with ~/.winnow.sieve"
[ "$(count "$T/home/Maildir/.Greetings/new")" = 1 ] && ok || bad "~/.winnow.sieve not run"
# a script the user cannot read (root's): INBOX
printf 'require "fileinto"; fileinto "Never";\n' >"$T/rootonly.sieve"; chmod 600 "$T/rootonly.sieve"
$M $C -d "$U" -s "$T/rootonly.sieve" -f a@b -a "$U@example.org" <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "unreadable script"
grep -q 'Permission denied' "$T/err" && [ ! -d "$T/home/Maildir/.Never" ] && ok || bad "root's script read as the user"
$M $C -d nosuchuser$$ <"$T/ham.eml" >/dev/null 2>"$T/err"
expect_rc 67 $? "unknown user"
grep -q 'unknown user' "$T/err" && ok || bad "unknown user: not said"
$M $C -d root <"$T/ham.eml" >/dev/null 2>&1
expect_rc 77 $? "-d root"
# the user may not deliver for root or anybody else
cp "$M" "$T/winnow-mda"; chmod 755 "$T/winnow-mda"
setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups "$T/winnow-mda" $C -d daemon \
	<"$T/ham.eml" >/dev/null 2>"$T/err"
expect_rc 77 $? "-d other user without root"
# installed setuid: refuses to run
chmod 4755 "$T/winnow-mda"
setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups "$T/winnow-mda" $C -m "$T/home/x" \
	<"$T/ham.eml" >/dev/null 2>"$T/err"
expect_rc 77 $? "setuid"
[ ! -e "$T/home/x" ] && ok || bad "setuid: delivered"

# --- permissions (as the user: root ignores modes) ---
mkdir -p "$T/home/Maildir/.ReadOnly/new" "$T/home/Maildir/.ReadOnly/cur" "$T/home/Maildir/.ReadOnly/tmp"
chown -R "$U" "$T/home/Maildir/.ReadOnly"; chmod 500 "$T/home/Maildir/.ReadOnly/tmp"
printf 'require "fileinto"; fileinto "ReadOnly";\n' >"$T/ro.sieve"; chmod 644 "$T/ro.sieve"
n0=$(count "$T/home/Maildir/new")
$M $C -d "$U" -s "$T/ro.sieve" -f a@b -a "$U@example.org" <"$T/ham.eml" 2>"$T/err"
expect_rc 0 $? "read-only folder"
grep -q 'Permission denied' "$T/err" && ok || bad "read-only folder: not logged: $(cat "$T/err")"
[ "$(count "$T/home/Maildir/new")" = $((n0 + 1)) ] && ok || bad "read-only folder: not in INBOX"
chmod 500 "$T/home/Maildir/tmp"
$M $C -d "$U" -f a@b -a "$U@example.org" <"$T/ham.eml" >"$T/out" 2>"$T/err"
expect_rc 75 $? "INBOX unwritable"
grep -q 'Permission denied' "$T/err" && ok || bad "INBOX unwritable: not logged"
chmod 700 "$T/home/Maildir/tmp"

# --- a full disk: 75, nothing partial anywhere readers look ---
mkdir -p "$T/full"
if mount -t tmpfs -o size=256k tmpfs "$T/full" 2>/dev/null; then
	mounted=1
	head -c 60000 /dev/urandom | base64 | sed 's/^/x/' >"$T/big.body"
	{ printf 'Subject: big\n\n'; cat "$T/big.body"; } >"$T/big.eml"
	rc=0 i=0
	while [ $i -lt 20 ]; do
		$M $C -m "$T/full/Maildir" -f a@b -a bob@example.org <"$T/big.eml" 2>"$T/err"
		rc=$?
		[ $rc = 0 ] || break
		i=$((i + 1))
	done
	expect_rc 75 $rc "full disk"
	grep -q 'No space left' "$T/err" && ok || bad "full disk: not said: $(cat "$T/err")"
	[ "$(count "$T/full/Maildir/tmp")" = 0 ] && ok || bad "full disk: tmp/ file left"
	whole=1
	for f in "$T"/full/Maildir/new/*; do
		s=${f##*,S=}; s=${s%%,*}
		[ "$(stat -c %s "$f")" = "$s" ] || whole=0
	done
	[ $whole = 1 ] && [ "$(count "$T/full/Maildir/new")" = $i ] && ok || bad "full disk: partial message in new/"
	umount "$T/full" && mounted=0
else
	echo "SKIP: cannot mount a tmpfs (full disk case)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
