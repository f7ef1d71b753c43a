#!/bin/sh
# filterd/check_dmarc.c against a real DNS server: starts unbound on
# loopback with tests/data/dns/dmarc.conf (dns-server.sh) and runs
# tests/integration/test-dmarc (exact results, timeouts). Then the
# cross-check: OpenDMARC's opendmarc-check (Debian package opendmarc)
# prints each test domain's record as libopendmarc fetched and parsed it
# through the system resolver, which only reads /etc/resolv.conf (port
# 53); so it runs in private network and mount namespaces (unshare -mn)
# holding a second unbound on 127.0.0.1:53 and a resolv.conf pointing
# there, leaving the host's alone. Its p, sp, pct, adkim and aspf must
# equal test-dmarc --policy's for every domain but the listed, explained
# disagreements. Skips (77) without unbound; the cross-check fails
# without opendmarc-check and is skipped (said so) where unshare is not
# permitted (not root, or a container without CAP_SYS_ADMIN).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-dmarc
ZONE=$top_srcdir/tests/data/dns/dmarc.conf
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
W=
trap 'dns_server_stop; [ -n "$W" ] && rm -rf "$W"' EXIT INT TERM
dns_server_start "$ZONE" || { echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT" || exit 1

# ---- cross-check with opendmarc-check ----
command -v opendmarc-check >/dev/null ||
	{ echo "FAIL: opendmarc-check missing (apt-get install opendmarc)"; exit 1; }
if ! unshare -mn true 2>/dev/null; then
	echo "cross-check SKIPPED: unshare -mn not permitted here"
	exit 0
fi
DOMAINS="reject quar none sub strict sdkim pct0 pct0q pct100 pct50 unknown spaces
	split mixed alias badp nop badpct badadkim badsp two vlast v2
	nosp.sfx org.sfx strict.sfx"
LIST="dmarc.test"
for d in $DOMAINS; do LIST="$LIST $d.dmarc.test"; done
# Expected disagreements (ours per RFC 7489 6.6.3; libopendmarc's query
# takes the first TXT record containing "v=DMARC" anywhere):
#  two:   two DMARC records: ours none; theirs the first one
#  vlast: "p=reject; v=DMARC1" is no DMARC record (v= not first): ours
#         none; theirs parses it
#  v2:    "v=DMARC2": ours none (not a DMARC record); theirs a bad version
#  spaces: "v = DMARC1 ; ...": ours a record (RFC 7489 6.4 allows white
#         space around "="); theirs none (no "v=DMARC" in it)
#  alias: _dmarc.alias is a CNAME to another record: ours follows it (the
#         resolver does); theirs none (its answer parser skips the CNAME)
EXPECTED_DIFF="two.dmarc.test vlast.dmarc.test v2.dmarc.test spaces.dmarc.test alias.dmarc.test"
# Order-dependent on their side: _dmarc.mixed has an SPF record beside
# the DMARC one; libopendmarc finds the DMARC record only when the
# server happens to list it first (unbound varies the order), else none.
ORDER_DEPENDENT="mixed.dmarc.test"
W=$(mktemp -d /tmp/winnow-dmarc.XXXXXX) || exit 1
"$T" --policy "127.0.0.1@$DNS_PORT" $LIST >"$W/ours" || { echo "FAIL: --policy"; exit 1; }
cat >"$W/unbound.conf" <<EOC
server:
  interface: 127.0.0.1@53
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$W"
  pidfile: ""
  use-syslog: no
  logfile: ""
  num-threads: 1
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  local-zone: "." refuse
  include: "$ZONE"
remote-control:
  control-enable: yes
  control-interface: "$W/unbound.ctl"
  control-use-cert: no
EOC
echo "nameserver 127.0.0.1" >"$W/resolv.conf"
# inside the namespaces: lo up, unbound on :53, resolv.conf bound over
# /etc/resolv.conf (seen only there), one opendmarc-check per domain
# ("DOMAIN p=.. sp=.. pct=.. adkim=.. aspf=..", or none / permerror)
unshare -mn sh -c '
	W=$1; shift
	ip link set lo up || exit 1
	mount --bind "$W/resolv.conf" /etc/resolv.conf || exit 1
	unbound -d -c "$W/unbound.conf" >"$W/unbound.log" 2>&1 &
	pid=$!
	i=0
	until unbound-control -c "$W/unbound.conf" status >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$W/unbound.log"; kill $pid; exit 1; }
		sleep 0.05
	done
	for d in "$@"; do
		out=$(opendmarc-check "$d" 2>&1)
		case $out in
		*"Sample percentage"*)
			echo "$out" | awk -v d="$d" -F": " "
				/Sample percentage/ { pct = \$2 }
				/DKIM alignment/ { adkim = substr(\$2, 1, 1) }
				/SPF alignment/ { aspf = substr(\$2, 1, 1) }
				/Domain policy/ { p = \$2 }
				/Subdomain policy/ { sp = \$2 }
				END { if (sp == \"unspecified\") sp = p
				      printf \"%s p=%s sp=%s pct=%s adkim=%s aspf=%s\\n\", d, p, sp, pct, adkim, aspf }";;
		*"lacked a DMARC record"*|*"did not exist"*) echo "$d none";;
		*"tempfailed"*) echo "$d temperror";;
		*) echo "$d permerror";;
		esac
	done
	kill $pid; wait $pid
' sh "$W" $LIST >"$W/theirs" || { echo "FAIL: opendmarc-check run"; cat "$W/theirs"; exit 1; }
fail=0 agree=0
while read -r line; do
	d=${line%% *}
	theirs=$(grep "^$d " "$W/theirs")
	case " $EXPECTED_DIFF " in *" $d "*)
		if [ "$line" = "$theirs" ]; then
			echo "FAIL: expected a disagreement on $d, both say: $line"; fail=1
		else
			echo "expected disagreement: ours [$line] opendmarc-check [$theirs]"
		fi
		continue;;
	esac
	if [ "$line" = "$theirs" ]; then
		agree=$((agree + 1))
	elif [ "$theirs" = "$d none" ] && case " $ORDER_DEPENDENT " in *" $d "*) true;; *) false;; esac; then
		echo "order-dependent: ours [$line] opendmarc-check [$theirs] this time"
	else
		echo "FAIL: ours [$line] opendmarc-check [$theirs]"; fail=1
	fi
done <"$W/ours"
echo "cross-check with opendmarc-check: $agree domains agree"
exit $fail
