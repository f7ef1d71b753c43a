#!/bin/sh
# filterd/check_av.c against real libclamav: test-av.py builds a private
# signature database (EICAR as an .ndb body signature; with Debian's
# clamav-testfiles also the MD5 of clam.exe as .hdb) and the messages,
# then tests/integration/test-av asserts each scan's result and prints
# the engine's load time, RSS and scan times, on a few SpamAssassin
# corpus messages too when the corpus is on this machine. No freshclam,
# no download, nothing under /var/lib/clamav.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-av
PY=/usr/bin/python3
CORPUS=/var/cache/winnow-corpus/package/data/easy-ham-1
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
FX=$(mktemp -d /tmp/winnow-av.XXXXXX) || exit 1
trap 'rm -rf "$FX"' EXIT INT TERM
# libclamav writes decoded parts here; keep them in the fixture directory
TMPDIR=$FX
export TMPDIR
$PY "$top_srcdir/tests/integration/test-av.py" "$FX" || { echo "FAIL: fixtures"; exit 1; }
set --
if [ -d "$CORPUS" ]; then
	# the first five, in name order: the same ones every run
	for f in $(ls "$CORPUS" | grep '\.txt$' | sort | head -5); do
		set -- "$@" "$CORPUS/$f"
	done
fi
"$T" "$FX" "$@"
