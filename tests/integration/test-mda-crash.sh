#!/bin/sh
# winnow-mda under kill -9 and under concurrency (issue 7): a thousand
# deliveries with about half killed at random points, then 4 rounds of 50
# at once into one Maildir, as a real unprivileged user made for the test
# (removed at the end). test-mda-crash.py asserts; see there.
# WN_MDA_CRASH_N overrides the number of deliveries in the kill loop.
# Needs root (useradd); skips (77) without it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=/usr/bin/python3
MDA=$top_builddir/mda/winnow-mda
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to create the test user"; exit 77; }
[ -x "$MDA" ] || { echo "FAIL: $MDA not built"; exit 1; }
MDA=$(cd "$top_builddir/mda" && pwd)/winnow-mda

W=$(mktemp -d /tmp/winnow-mdacrash.XXXXXX) || exit 1
chmod 755 "$W"
U=wnmdac$$
cleanup() {
	userdel "$U" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
useradd -M -d "$W" -s /usr/sbin/nologin "$U" || { echo "FAIL: useradd"; exit 1; }
$PY "$top_srcdir/tests/integration/test-mda-crash.py" --mda "$MDA" --work "$W" \
	--user "$U" -n "${WN_MDA_CRASH_N:-1000}"
