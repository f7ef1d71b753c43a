#!/bin/sh
# filterd/check_arc.c end to end: test-arc.py makes fresh keys
# (dknewkey) and builds ARC chains of 1, 2, 3 and 50 hops with
# python3-dkim's arc_sign, plus tampered and broken variants; unbound
# serves the public keys (tests/data/dns/arc.conf plus the generated
# keys.conf); tests/integration/test-arc asserts every message's
# result; then test-arc.py cross-checks each message with python3-dkim's
# arc_verify on the same DNS. Skips (77) without unbound or python3-dkim
# with python3-authres (arc_sign needs it).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-arc
PY=/usr/bin/python3
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
command -v dknewkey >/dev/null || { echo "SKIP: python3-dkim not installed"; exit 77; }
$PY -c 'import dkim, authres, dns.resolver' 2>/dev/null ||
	{ echo "SKIP: python3-dkim, python3-authres or python3-dnspython missing"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
FX=$(mktemp -d /tmp/winnow-arc.XXXXXX) || exit 1
trap 'dns_server_stop; rm -rf "$FX"' EXIT INT TERM
$PY "$top_srcdir/tests/integration/test-arc.py" gen "$FX" >/dev/null 2>&1 ||
	{ echo "FAIL: fixtures"; exit 1; }
dns_server_start "$top_srcdir/tests/data/dns/arc.conf" "$FX/keys.conf" ||
	{ echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT" "$FX" || exit 1
$PY "$top_srcdir/tests/integration/test-arc.py" cross "$FX" "$DNS_PORT"
