#!/bin/sh
# Cross-check of winnow-mda's procmail-style recipes against the real
# procmail (Debian's package): every case of tests/data/procmail/cases
# that procmail can run here goes through both, into Maildirs in temp
# directories, and the folders each message reached (with its exact
# content) must agree. Prints the agreement figures.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
T=$top_builddir/tests/unit/test-procmail
[ -x "$T" ] || { echo "FAIL: $T not built"; exit 1; }
command -v procmail >/dev/null 2>&1 || { echo "SKIP: procmail not installed"; exit 77; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" "$top_srcdir/tests/integration/test-procmail-crosscheck.py" \
	"$top_srcdir/tests/data/procmail" "$T"
