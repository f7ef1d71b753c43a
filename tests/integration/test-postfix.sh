#!/bin/sh
# filterd in a real Postfix on loopback (../shared/RECIPES.md section 1):
# Postfix's smtpd calls filterd as its milter; messages go in over SMTP
# (Python smtplib) and land in a virtual(8) Maildir. Asserts: ham arrives
# with the X-Spam headers and its body byte-identical; spam over
# reject_score is refused with the configured 5xx text; with filterd
# hanging (SIGSTOP) or stopped, Postfix follows milter_default_action =
# tempfail (4xx) and nothing is queued, so no message is lost; with
# spam_action = quarantine and quarantine_store = hold spam goes to
# Postfix's hold queue.
# WINNOW_MILTER_SOCKET=unix runs it all over a unix socket, where filterd
# lets Postfix stream the collecting steps without replies (SMFIP_NR_*;
# test-postfix-unix.sh); the default is TCP.
# Needs root (Postfix), postfix and python3 (scripts/install-deps.sh).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
F=$top_builddir/filterd/filterd
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for Postfix"; exit 77; }
command -v postfix >/dev/null || { echo "FAIL: postfix not installed"; exit 1; }
[ -x "$F" ] || { echo "FAIL: $F not built"; exit 1; }

W=$(mktemp -d /tmp/winnow-postfix.XXXXXX)
P=$W/postfix
SMTP=$(sh "${top_srcdir:-.}/tests/integration/free-port.sh")
MILTER=$(sh "${top_srcdir:-.}/tests/integration/free-port.sh")
[ "$MILTER" = "$SMTP" ] && MILTER=$(sh "${top_srcdir:-.}/tests/integration/free-port.sh")
FPID=

cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	postfix -c "$P/etc" stop >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

if [ "${WINNOW_MILTER_SOCKET:-tcp}" = unix ]; then
	LISTEN=unix:$W/milter.sock
	PF_MILTER=$LISTEN
else
	LISTEN=inet:$MILTER@127.0.0.1
	PF_MILTER=inet:127.0.0.1:$MILTER
fi
echo "# milter over $LISTEN"
sh "$top_srcdir/tests/integration/postfix-instance.sh" "$W" "$SMTP" "$PF_MILTER" || exit 1

# waits until something listens on 127.0.0.1:PORT
wait_port() {
	python3 - "$1" <<'EOP'
import socket, sys, time
for _ in range(300):
    try:
        socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOP
}

# waits until filterd listens (the port, or the socket file)
wait_listen() {
	case "$LISTEN" in
	unix:*)
		i=0
		while [ ! -S "$W/milter.sock" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
		[ -S "$W/milter.sock" ]
		;;
	*) wait_port "$MILTER" ;;
	esac
}

# Postfix's smtpd runs as another user: the socket is opened to it with
# milter_socket_mode (the directory must be searchable too)
chmod 755 "$W"

start_filterd() { # extra -o options follow
	rm -f "$W/milter.sock"
	"$F" -f -o spamd_listen= -o "milter_listen=$LISTEN" -o milter_socket_mode=0666 -o use_network=no \
		-o reject_score=50 -o "reject_reply=550 5.7.1 Winnow says spam" \
		-o "db_path=$W/winnow.db" -o bayes_auto_learn_threshold_nonspam=3 "$@" \
		2>>"$W/filterd.log" &
	FPID=$!
	wait_listen || { echo "FAIL: filterd did not listen"; cat "$W/filterd.log"; exit 1; }
}

# send FILE: prints the SMTP reply code of DATA (or of the first failure)
send() {
	python3 - "$SMTP" "$1" <<'EOP'
import smtplib, sys
data = open(sys.argv[2], 'rb').read()
try:
    s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)
    s.ehlo('client.example.test')
    s.sendmail('alice@example.test', ['bob@virt.test'], data)
    s.quit()
    print(250)
except smtplib.SMTPResponseException as e:
    print(e.smtp_code, e.smtp_error.decode(errors='replace'))
except smtplib.SMTPRecipientsRefused as e:
    code, msg = list(e.recipients.values())[0]
    print(code, msg.decode(errors='replace'))
except smtplib.SMTPSenderRefused as e:
    print(e.smtp_code, e.smtp_error.decode(errors='replace'))
EOP
}

delivered() { # waits for a new message in bob's Maildir; prints its path
	i=0
	while [ $i -lt 100 ]; do
		f=$(ls "$P/vmail/virt.test/bob/new/" 2>/dev/null | head -1)
		if [ -n "$f" ]; then echo "$P/vmail/virt.test/bob/new/$f"; return 0; fi
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}

start_filterd
if [ "${WINNOW_MILTER_SOCKET:-tcp}" = unix ]; then
	m=$(stat -c %a "$W/milter.sock")
	[ "$m" = 666 ] && ok "milter socket has milter_socket_mode" ||
		bad "milter socket has milter_socket_mode (got $m)"
fi

# 1. ham: delivered, with the headers, body byte-identical; its forged
# X-Spam-Flag removed
printf 'From: Alice <alice@example.test>\r\nTo: bob@virt.test\r\nX-Spam-Flag: YES\r\nSubject: lunch\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <ham1@example.test>\r\n\r\nHi Bob,\r\nlunch at noon?\r\n-- \r\nAlice\r\n' > "$W/ham.eml"
r=$(send "$W/ham.eml")
[ "${r%% *}" = 250 ] && ok "ham accepted" || bad "ham accepted (got: $r)"
if m=$(delivered); then
	grep -q '^X-Spam-Status: No, score=' "$m" && ok "ham has X-Spam-Status: No" || bad "ham has X-Spam-Status: No"
	grep -q '^X-Spam-Checker-Version: Winnow' "$m" && ok "ham has X-Spam-Checker-Version" || bad "ham has X-Spam-Checker-Version"
	# autolearn: a ham under bayes_auto_learn_threshold_nonspam (3 here)
	# is learned as ham in filterd's store
	al=$(sed -n 's/.*autolearn=\([a-z]*\).*/\1/p' "$m" | head -1)
	stats=$("${WINNOW:-$top_builddir/winnow}" bayes stats -c /dev/null -o "db_path=$W/winnow.db" 2>&1)
	case "$al" in
	ham) echo "$stats" | grep -q '^messages: 0 spam, 1 ham' && ok "ham autolearned as ham" ||
		bad "ham autolearned as ham ($stats)" ;;
	*) bad "X-Spam-Status autolearn=ham (got '$al')" ;;
	esac
	grep -q '^X-Spam-Flag:' "$m" && bad "ham: forged X-Spam-Flag removed" || ok "ham: forged X-Spam-Flag removed"
	python3 - "$W/ham.eml" "$m" <<'EOP' && ok "ham body byte-identical" || bad "ham body byte-identical"
import sys
def body(p, crlf):
    d = open(p, 'rb').read()
    sep = b'\r\n\r\n' if crlf else b'\n\n'
    return d.split(sep, 1)[1]
sent = body(sys.argv[1], True).replace(b'\r\n', b'\n')   # Maildir stores LF
got = body(sys.argv[2], False)
sys.exit(0 if sent == got else 1)
EOP
	rm -f "$m"
else
	bad "ham delivered to the Maildir"
fi

# 2. spam over reject_score: refused with the configured text
sed 's/$/\r/' "$top_srcdir/etc/samples/gtube.eml" > "$W/gtube.eml"
r=$(send "$W/gtube.eml")
case "$r" in
550*"Winnow says spam"*) ok "GTUBE rejected with the configured 5xx" ;;
*) bad "GTUBE rejected with the configured 5xx (got: $r)" ;;
esac

queued() { # messages in the queues that would be delivered
	find "$P/spool/incoming" "$P/spool/active" "$P/spool/deferred" -type f 2>/dev/null | wc -l
}

# 3. filterd hanging (stopped): Postfix gives up after its milter
# timeouts and tempfails; nothing queued
kill -STOP "$FPID"
r=$(send "$W/ham.eml")
case "$r" in
4*) ok "filterd hanging: temporary failure ($r)" ;;
*) bad "filterd hanging: temporary failure (got: $r)" ;;
esac
[ "$(queued)" -eq 0 ] && ok "filterd hanging: nothing queued" || bad "filterd hanging: queue not empty"
kill -CONT "$FPID"
sleep 0.5
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=

# 4. spam_action=quarantine with quarantine_store=hold: spam is accepted
# into Postfix's hold queue, not delivered
start_filterd -o reject_score=0 -o spam_action=quarantine -o quarantine_store=hold
r=$(send "$W/gtube.eml")
[ "${r%% *}" = 250 ] && ok "quarantine: GTUBE accepted" || bad "quarantine: GTUBE accepted (got: $r)"
i=0
while [ -z "$(find "$P/spool/hold" -type f 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$(find "$P/spool/hold" -type f 2>/dev/null)" ] && ok "quarantine: message in the hold queue" ||
	bad "quarantine: message in the hold queue"
[ -z "$(ls "$P/vmail/virt.test/bob/new/" 2>/dev/null)" ] && ok "quarantine: not delivered" ||
	bad "quarantine: not delivered"

# 5. network checks on, against a DNS server on loopback: the delivered
# message carries our Authentication-Results (SPF of the sender), at the
# top, and the forged one claiming our authserv-id is gone
if command -v unbound >/dev/null; then
	. "$top_srcdir/tests/integration/dns-server.sh"
	if dns_server_start "$top_srcdir/tests/data/dns/postfix.conf"; then
		kill "$FPID"; wait "$FPID" 2>/dev/null
		start_filterd -o use_network=yes -o "dns_forward=127.0.0.1@$DNS_PORT" \
			-o authserv_id=mx.virt.test -o dmarc_reject=yes
		printf 'Authentication-Results: mx.virt.test; spf=pass (forged)\r\n' >"$W/ar.eml"
		cat "$W/ham.eml" >>"$W/ar.eml"
		r=$(send "$W/ar.eml")
		[ "${r%% *}" = 250 ] && ok "network: accepted" || bad "network: accepted (got: $r)"
		if m=$(delivered); then
			# ours: the only one left, above the sender's own fields
			first=$(python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); k=[x.lower() for x in m.keys()]; a=m.get_all("Authentication-Results") or []; print(len(a), k.index("authentication-results") < k.index("from"), " ".join(a[0].split()) if a else "-")' "$m")
			case $first in
			"1 True mx.virt.test; spf=pass smtp.mailfrom=alice@example.test; dkim=none; dmarc=pass (p=none dis=none) header.from=example.test")
				ok "network: Authentication-Results with spf=pass, above the message's fields" ;;
			*) bad "network: Authentication-Results (got: $first)" ;;
			esac
			grep -q 'forged' "$m" && bad "network: forged Authentication-Results removed" ||
				ok "network: forged Authentication-Results removed"
			st=$(python3 -c 'import email,sys; print(" ".join(email.message_from_binary_file(open(sys.argv[1],"rb"))["X-Spam-Status"].split()))' "$m")
			case " $st" in
			*[=,\ ]SPF_PASS[,\ ]*) ok "network: SPF_PASS in X-Spam-Status" ;;
			*) bad "network: SPF_PASS in X-Spam-Status ($st)" ;;
			esac
			rm -f "$m"
		else
			bad "network: delivered"
		fi
		# a forged From: of a domain whose DMARC policy says reject
		sed 's/^From: Alice <alice@example.test>/From: Bank <ceo@bank.test>/' "$W/ham.eml" >"$W/forged.eml"
		r=$(send "$W/forged.eml")
		case "$r" in
		550*"DMARC policy of bank.test says reject"*) ok "network: DMARC reject enforced ($r)" ;;
		*) bad "network: DMARC reject enforced (got: $r)" ;;
		esac
		dns_server_stop
	else
		bad "network: DNS server"
	fi
fi

# 6. filterd down: Postfix tempfails (milter_default_action), nothing queued
kill "$FPID"; wait "$FPID" 2>/dev/null; FPID=
r=$(send "$W/ham.eml")
case "$r" in
4*) ok "filterd down: temporary failure ($r)" ;;
*) bad "filterd down: temporary failure (got: $r)" ;;
esac
[ "$(queued)" -eq 0 ] && ok "filterd down: nothing half-accepted in the queue" || bad "queue not empty"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
