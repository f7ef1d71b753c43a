#!/bin/sh
# lib/dns.c against a real DNS server: starts unbound on loopback with
# the test zones (dns-server.sh), then runs tests/integration/test-dns,
# which asserts every answer type and status, overlap of a batch's
# queries, timeouts against a silent server, the TTL cache, and the
# helpers. Skips (77) when unbound is not installed.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-dns
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
trap dns_server_stop EXIT INT TERM
dns_server_start || { echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT"
