#!/bin/sh
# filterd/check_spf.c against a real DNS server: starts unbound on
# loopback with tests/data/dns/spf.conf (dns-server.sh), runs
# tests/integration/test-spf (exact results, limits, timeouts), then
# test-spf.py, which asks pyspf (python3-spf) the same questions on the
# same server and fails on any disagreement. Skips (77) when unbound is
# not installed; the cross-check fails if python3-spf is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-spf
command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
. "$top_srcdir/tests/integration/dns-server.sh"
trap dns_server_stop EXIT INT TERM
dns_server_start "$top_srcdir/tests/data/dns/spf.conf" || { echo "FAIL: DNS server"; exit 1; }
"$T" "$DNS_PORT" || exit 1
# Debian's python3-spf, not a pyenv python without it
/usr/bin/python3 "$top_srcdir/tests/integration/test-spf.py" "$T" "$DNS_PORT"
