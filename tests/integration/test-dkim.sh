#!/bin/sh
# filterd/check_dkim.c end to end: test-dkim.py makes fresh keys and
# signs messages with python3-dkim (keys from opendkim-genkey and
# dknewkey; nothing private is kept in the repository), unbound serves
# the public keys (tests/data/dns/dkim.conf plus the generated
# keys.conf), tests/integration/test-dkim asserts every signature's
# result, then test-dkim.py cross-checks each checked signature with
# python3-dkim's verifier on the same DNS. Skips (77) without unbound,
# opendkim-genkey or python3-dkim.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-dkim
PY=/usr/bin/python3
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
command -v opendkim-genkey >/dev/null || { echo "SKIP: opendkim-tools not installed"; exit 77; }
$PY -c 'import dkim, nacl, dns.resolver' 2>/dev/null ||
	{ echo "SKIP: python3-dkim, python3-nacl or python3-dnspython missing"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
FX=$(mktemp -d /tmp/winnow-dkim.XXXXXX) || exit 1
trap 'dns_server_stop; rm -rf "$FX"' EXIT INT TERM
$PY "$top_srcdir/tests/integration/test-dkim.py" gen "$FX" 2>/dev/null ||
	{ echo "FAIL: fixtures"; exit 1; }
dns_server_start "$top_srcdir/tests/data/dns/dkim.conf" "$FX/keys.conf" ||
	{ echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT" "$FX" || exit 1
$PY "$top_srcdir/tests/integration/test-dkim.py" cross "$FX" "$DNS_PORT"
