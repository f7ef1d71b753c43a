#!/bin/sh
# winnow-mda fed bad input (issue 7): Sieve syntax errors, INCLUDERC
# recursion, badly backtracking regexes, a 60 MB message, a full disk (a
# 2 MB tmpfs mounted for the test), read-only folders; as a real
# unprivileged user made for the test (removed at the end).
# test-mda-bad.py asserts; see there. Needs root (useradd, mount);
# skips (77) without it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
PY=/usr/bin/python3
MDA=$top_builddir/mda/winnow-mda
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to create the test user and mount a tmpfs"; exit 77; }
[ -x "$MDA" ] || { echo "FAIL: $MDA not built"; exit 1; }
MDA=$(cd "$top_builddir/mda" && pwd)/winnow-mda

W=$(mktemp -d /tmp/winnow-mdabad.XXXXXX) || exit 1
chmod 755 "$W"
U=wnmdab$$
MNT=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT"
	userdel "$U" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
useradd -M -d "$W/home" -s /usr/sbin/nologin "$U" || { echo "FAIL: useradd"; exit 1; }
mkdir -p "$W/home" "$W/full"
chown "$U:" "$W/home"
mount -t tmpfs -o size=2m,mode=755 tmpfs "$W/full" || { echo "FAIL: mount tmpfs"; exit 1; }
MNT=$W/full
chown "$U:" "$W/full"
$PY "$top_srcdir/tests/integration/test-mda-bad.py" --mda "$MDA" --user "$U" \
	--tmpfs "$W/full" ${WN_MDA_BAD_ONLY:+--only $WN_MDA_BAD_ONLY}
