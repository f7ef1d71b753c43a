#!/bin/sh
# Runs the Sieve conformance cases through Dovecot Pigeonhole's
# sieve-test and through ours, comparing actions (crosscheck.py).
# Skipped (77) when sieve-test is not installed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
export top_srcdir
exec python3 "$top_srcdir/tests/sieve/crosscheck.py" "$top_builddir/tests/unit/test-sieve"
