#!/bin/sh
# The network step end to end (filterd/scan_net.c): unbound on loopback
# serves SPF records, a DKIM key made for this run, a DNSBL and a URIBL
# zone (test-net.py writes them and signs the messages with
# python3-dkim); `winnow check` with the default rules plus
# tests/data/net/net.cf must give exactly the expected SPF, DKIM, DNSBL
# and URIBL hits and Authentication-Results, turn it all off with -L,
# and stay within the budget when the resolver never answers.
# Skips (77) without unbound or python3-dkim.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
W=${WINNOW:-$top_builddir/winnow}
PY=/usr/bin/python3
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
$PY -c 'import dkim' 2>/dev/null && command -v dknewkey >/dev/null ||
	{ echo "SKIP: python3-dkim missing"; exit 77; }
. "$top_srcdir/tests/integration/dns-server.sh"
FX=$(mktemp -d /tmp/winnow-net.XXXXXX) || exit 1
trap 'dns_server_stop; rm -rf "$FX"' EXIT INT TERM
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

$PY "$top_srcdir/tests/integration/test-net.py" "$FX" || { echo "FAIL: fixtures"; exit 1; }
dns_server_start "$FX/net.conf" || { echo "FAIL: DNS server"; exit 1; }
mkdir "$FX/rules" && cp "$top_srcdir"/rules/default/*.cf "$top_srcdir/tests/data/net/net.cf" "$FX/rules/"

# check FILE ARGS...: the JSON line of `winnow check` (hits, authres)
check() {
	f=$1
	shift
	"$W" check -c /dev/null --json -o "rules_dir=$FX/rules" -o use_bayes=no \
		-o "dns_forward=127.0.0.1@$DNS_PORT" -o dns_timeout_ms=2000 \
		--helo mail.net.test --mail-from alice@net.test --rcpt bob@example.org \
		"$@" "$FX/$f" 2>"$FX/err"
}
# expect WHAT JSON WANT NOT: the hit names must include every WANT
# (space separated) and none of NOT; then the authres must match a glob
expect() {
	what=$1 json=$2 want=$3 not=$4 ar=$5
	got=$(printf '%s' "$json" | $PY -c 'import json,sys; r=json.load(sys.stdin); print(" ".join(h["name"] for h in r["hits"])); print(r.get("authres", "-"))')
	hits=$(printf '%s\n' "$got" | head -1)
	authres=$(printf '%s\n' "$got" | tail -n +2)
	for h in $want; do
		case " $hits " in *" $h "*) ;; *) bad "$what: no $h (hits: $hits)"; return ;; esac
	done
	for h in $not; do
		case " $hits " in *" $h "*) bad "$what: unexpected $h (hits: $hits)"; return ;; esac
	done
	case $authres in $ar) ok "$what" ;; *) bad "$what: authres: $authres" ;; esac
}

j=$(check signed.eml --client-ip 192.0.2.10)
expect "signed, from its SPF host, listed in both lists" "$j" \
	"SPF_PASS SPF_HELO_PASS DKIM_SIGNED DKIM_VALID DKIM_VALID_AU DKIM_VALID_EF TEST_RBL TEST_URIBL DMARC_PASS" \
	"SPF_FAIL DKIM_INVALID TEST_RBL_4 DMARC_REJECT" \
	"localhost;*spf=pass smtp.mailfrom=alice@net.test;*dkim=pass header.d=net.test header.s=sel*dmarc=pass (p=reject dis=none) header.from=net.test*"

j=$(check tampered.eml --client-ip 192.0.2.20)
expect "tampered body, another host" "$j" "SPF_FAIL DKIM_SIGNED DKIM_INVALID TEST_RBL TEST_RBL_4 DMARC_REJECT" \
	"SPF_PASS DKIM_VALID DMARC_PASS" "*spf=fail*dkim=fail reason=\"*body*\" header.d=net.test*dmarc=fail (p=reject dis=none)*"
j=$(check tampered.eml --client-ip 192.0.2.20 -o dmarc_reject=yes)
expect "dmarc_reject: dis=reject said" "$j" "DMARC_REJECT" "" "*dmarc=fail (p=reject dis=reject) header.from=net.test*"

j=$(check signed.eml --client-ip 198.51.100.1)
# (TEST_RBL still hits: the Received relay 192.0.2.10 is untrusted too)
expect "unlisted host" "$j" "SPF_FAIL SPF_HELO_FAIL DKIM_VALID TEST_URIBL" "TEST_RBL_4 SPF_PASS" "*spf=fail*"

# a mailing list broke the DKIM signature and sealed the message (ARC):
# DMARC fails (p=reject) unless the list is a trusted sealer
L="--client-ip 198.51.100.1 --helo list.test --mail-from bounces@list.test"
j=$(check arc.eml $L -o dmarc_reject=yes)
expect "ARC chain, sealer not trusted" "$j" "ARC_SIGNED ARC_VALID DKIM_INVALID DMARC_REJECT" \
	"ARC_INVALID DMARC_PASS" "*dkim=fail*arc=pass*dmarc=fail (p=reject dis=reject)*"
j=$(check arc.eml $L -o dmarc_reject=yes -o arc_trusted_sealers=list.test)
expect "ARC chain of a trusted sealer lifts the DMARC failure" "$j" "ARC_VALID DMARC_NONE" \
	"DMARC_REJECT DMARC_QUAR" "*arc=pass*dmarc=fail (p=reject dis=none)*"

# without an MTA's envelope SPF takes the first untrusted relay and the
# HELO it gave, as SpamAssassin does
j=$("$W" check -c /dev/null --json -o "rules_dir=$FX/rules" -o use_bayes=no \
	-o "dns_forward=127.0.0.1@$DNS_PORT" "$FX/signed.eml")
expect "relay from Received, no envelope" "$j" "SPF_HELO_PASS DKIM_VALID_AU TEST_RBL" "SPF_FAIL" "*dkim=pass*"

# the plain dnsbl_zones key gives its own hit
j=$(check signed.eml --client-ip 192.0.2.20 -o dnsbl_zones=bl.net.test -o dnsbl_score=1.5)
case $j in
*'"name":"RCVD_IN_BL_NET_TEST","score":1.500'*) ok "dnsbl_zones hit" ;;
*) bad "dnsbl_zones: $j" ;;
esac

# -L: no network checks at all
j=$(check signed.eml --client-ip 192.0.2.10 -L)
expect "-L turns the network step off" "$j" "" "SPF_PASS DKIM_SIGNED TEST_RBL TEST_URIBL" "-"

# a resolver that never answers: the message is scanned within the
# budget, the checks that timed out add nothing (SPF temperror)
$PY -c 'import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$FX/silent" &
SILENT=$!
sleep 0.3
SPORT=$(cat "$FX/silent")
t0=$(date +%s%N)
j=$("$W" check -c /dev/null --json -o "rules_dir=$FX/rules" -o use_bayes=no \
	-o "dns_forward=127.0.0.1@$SPORT" -o dns_timeout_ms=300 -o dns_message_budget_ms=600 \
	--client-ip 192.0.2.10 --helo mail.net.test --mail-from alice@net.test "$FX/signed.eml")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill $SILENT 2>/dev/null
expect "silent resolver: nothing listed, SPF temperror" "$j" "SPF_TEMPERROR DKIM_SIGNED" \
	"TEST_RBL TEST_URIBL DKIM_VALID DKIM_INVALID SPF_PASS" "*spf=temperror*dkim=temperror*"
case $j in
*'"name":"WN_DNS_TIMEOUT","score":0.000,"description":"DNS did not answer in time: '[1-9]*' DNSBL/URIBL lookups, SPF, a DKIM key"'*)
	ok "silent resolver: the report says what timed out" ;;
*) bad "silent resolver: no WN_DNS_TIMEOUT: $j" ;;
esac
j=$(check signed.eml --client-ip 192.0.2.10)
case $j in
*WN_DNS_TIMEOUT*) bad "a resolver that answers: WN_DNS_TIMEOUT: $j" ;;
*) ok "a resolver that answers: no WN_DNS_TIMEOUT" ;;
esac
[ "$ms" -lt 1500 ] && ok "silent resolver: scanned in $ms ms (budget 600)" ||
	bad "silent resolver: $ms ms"

# filterd's milter asks early: the client in the DNSBL zones at connect,
# the SPF record of the sender's domain at MAIL FROM; both reach the DNS
# server (through a relay that logs each question with its time) before
# the client has even sent the message
F=${FILTERD:-$top_builddir/filterd/filterd}
if command -v miltertest >/dev/null && [ -x "$F" ]; then
	$PY - "$DNS_PORT" "$FX/relay.log" >"$FX/relay.port" 2>/dev/null <<'EOP' &
import socket, sys, threading, time
up = ('127.0.0.1', int(sys.argv[1]))
log = open(sys.argv[2], 'a', buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
def name(q):
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors='replace'))
        i += 1 + q[i]
    return '.'.join(labels)
def fwd(data, client):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(data, up)
    try:
        s.sendto(u.recvfrom(65535)[0], client)
    except OSError:
        pass
while True:
    data, client = s.recvfrom(65535)
    log.write('%.6f %s\n' % (time.time(), name(data)))
    threading.Thread(target=fwd, args=(data, client), daemon=True).start()
EOP
	RELAY=$!
	sleep 0.5
	MPORT=$(sh "$top_srcdir/tests/integration/free-port.sh")
	"$F" -f -c /dev/null -o spamd_listen= -o "milter_listen=inet:$MPORT@127.0.0.1" \
		-o "rules_dir=$FX/rules" -o use_bayes=no -o "db_path=$FX/m.db" \
		-o "dns_forward=127.0.0.1@$(cat "$FX/relay.port")" 2>"$FX/filterd.log" &
	FPID=$!
	i=0
	until miltertest -s "$top_srcdir/tests/integration/milter/wait.lua" -D SOCK="inet:$MPORT@127.0.0.1" \
		>/dev/null 2>&1 || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done
	if miltertest -s "$top_srcdir/tests/integration/milter/early.lua" -D SOCK="inet:$MPORT@127.0.0.1" \
		-D DIR="$top_srcdir/tests/integration/milter" -D MARK="$FX/mark" -D MSG="$FX/signed.eml" \
		>"$FX/early.out" 2>&1; then
		mark=$(cat "$FX/mark") from=$(cat "$FX/mark.from")
		spf=$(awk '$2 == "net.test" { print $1; exit }' "$FX/relay.log")
		bl=$(awk '$2 == "10.2.0.192.bl.net.test" { print $1; exit }' "$FX/relay.log")
		# DNSBL before MAIL FROM (at connect); SPF after it, before the message
		if [ -n "$spf" ] && [ -n "$bl" ] &&
			awk -v a="$spf" -v b="$bl" -v f="$from" -v m="$mark" \
				'BEGIN { exit !(b < f - 0.5 && a > f && a < m - 0.5) }'; then
			ok "milter: DNSBL asked at connect, SPF at MAIL FROM, both before the message came"
		else
			bad "milter: early questions (dnsbl at ${bl:-never}, MAIL FROM at $from, spf at ${spf:-never}, message at $mark)"
		fi
	else
		bad "milter: early.lua: $(cat "$FX/early.out")"
	fi
	kill "$FPID" "$RELAY" 2>/dev/null
	wait "$FPID" 2>/dev/null
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
