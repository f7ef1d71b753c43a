#!/bin/sh
# filterd/check_dnsbl.c against a real DNS server: starts unbound on
# loopback serving tests/data/dns/dnsbl.conf (dns-server.sh), then runs
# tests/integration/test-dnsbl, which asserts DNSBL and URIBL listings,
# return-code filters, ignored error answers, the URI cap, timeouts
# against a silent server and the overlap of one message's lookups.
# Skips (77) when unbound is not installed.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-dnsbl
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
trap dns_server_stop EXIT INT TERM
dns_server_start "$top_srcdir/tests/data/dns/dnsbl.conf" || { echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT"
