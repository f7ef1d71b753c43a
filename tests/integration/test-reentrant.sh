#!/bin/sh
# filterd scans on several threads and `winnow check`/`learn -j` parse on
# several: no code outside a program's start-up may call a libc function
# that keeps hidden state between calls. strtok() once mixed two
# messages' Date: fields in rules/eval_date.c (DATE_IN_PAST_06_12 became
# DATE_IN_FUTURE_06_12 on one run in a few hundred).
# Usage: test-reentrant.sh   (scans the source tree)
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
banned='strtok|gmtime|localtime|asctime|ctime|rand|srand|drand48|strsignal|getpwnam|getpwuid|getgrnam|getgrgid|gethostbyname|gethostbyaddr|inet_ntoa|ttyname|getlogin|crypt|ecvt|fcvt|tmpnam|setlocale'
# start-up code run before any thread exists (dropping privileges)
allowed='^filterd/main\.c:.*getpw|^filterd/main\.c:.*getgr'

cd "$top" || exit 1
n=$(find lib rules bayes db filterd cli -name '*.c' | wc -l)
[ "$n" -gt 20 ] || { echo "FAIL: found only $n source files under $top"; exit 1; }
# a call: the name, optional blanks, '(' not preceded by a word character,
# '_' , '.' or '>' (so strtok_r, x.rand( and p->ctime( pass)
find lib rules bayes db filterd cli -name '*.c' | sort | xargs grep -nE \
	"(^|[^A-Za-z0-9_.>])($banned)[[:space:]]*\(" >"$T/hits"
# comments mentioning a name are fine: drop lines whose hit is inside /* */ or after //
grep -vE "^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)" "$T/hits" | grep -vE "$allowed" >"$T/bad"
if [ -s "$T/bad" ]; then
	echo "FAIL: non-reentrant libc calls (use the _r form or pass state):"
	cat "$T/bad"
	fail=1
fi
# the check itself must see a planted call
printf 'static void f(char *s) { strtok(s, " "); }\n' >"$T/plant.c"
grep -qE "(^|[^A-Za-z0-9_.>])($banned)[[:space:]]*\(" "$T/plant.c" ||
	{ echo "FAIL: the pattern misses a planted strtok call"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: no non-reentrant libc calls in $n files"
exit $fail
