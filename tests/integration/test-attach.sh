#!/bin/sh
# filterd/check_attach.c on real messages: test-attach.py builds them
# with python's email and zipfile modules (and the real zip(1) for the
# encrypted archives), then tests/integration/test-attach runs each
# through the scan step and asserts the exact hits, action and reason.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/integration/test-attach
PY=/usr/bin/python3
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
command -v zip >/dev/null || { echo "SKIP: zip(1) missing (apt-get install zip)"; exit 77; }
FX=$(mktemp -d /tmp/winnow-attach.XXXXXX) || exit 1
trap 'rm -rf "$FX"' EXIT INT TERM
$PY "$top_srcdir/tests/integration/test-attach.py" "$FX" || { echo "FAIL: fixtures"; exit 1; }
# real mail, for the record (findings and time), when the corpus is here
CORPUS=/var/cache/winnow-corpus/package/data
set --
for d in hard-ham-1 spam-2; do
	[ -d "$CORPUS/$d" ] || continue
	for f in $(ls "$CORPUS/$d" | sort | head -500); do
		set -- "$@" "$CORPUS/$d/$f"
	done
done
"$T" "$FX" "$@"
