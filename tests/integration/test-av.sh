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
"$T" "$FX" "$@" || exit 1

# The same engine through the pipeline: `winnow check` reports a virus as
# verdict "virus" with the signature name, clean mail as ham with
# av_status Clean, and a zip bomb as av_limit_action (quarantine).
W=$top_builddir/winnow
[ -x "$W" ] || { echo "FAIL: $W not built"; exit 1; }
fail=0
check_json() { # FILE EXPECTED-SUBSTRINGS...
	f=$1
	shift
	out=$("$W" check -c /dev/null -o antivirus=clamav -o "clamav_db=$FX/db" -o use_network=no \
		-o use_bayes=no -o use_attach_policy=no --json "$FX/$f.eml" 2>/dev/null)
	for want in "$@"; do
		case "$out" in
		*"$want"*) ;;
		*) echo "FAIL: winnow check $f: no '$want' in $out"; fail=1; return ;;
		esac
	done
	echo "PASS: winnow check $f: $*"
}
for f in eicar-inline eicar-base64 eicar-zip eicar-rfc822; do
	check_json "$f" '"verdict":"virus"' '"virus":"Test.EICAR-NDB.UNOFFICIAL"' \
		'"action":"reject"'
done
check_json clean '"verdict":"ham"' '"av_status":"Clean"'
check_json zip-bomb '"av_status":"Unscanned (limits exceeded' '"action":"quarantine"'
[ $fail -eq 0 ]
