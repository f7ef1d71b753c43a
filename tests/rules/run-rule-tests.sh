#!/bin/sh
# run-rule-tests.sh - checks Winnow's default ruleset against its test
# messages.
#
# Usage: tests/rules/run-rule-tests.sh PATH/TO/winnow
#
# For every scored rule R in rules/default/*.cf there are two messages:
# R.hit.eml must hit R, R.miss.eml (a legitimate near miss) must not.
# All messages are scanned by one `winnow check --json` run with the
# built-in configuration (-c /dev/null) and only the default rules; the
# JSON lines are then checked here. GTUBE.hit.eml must also be spam.
# Prints one line per failure and "N passed, N failed"; exits 1 on any
# failure, 77 (automake: skipped) without python3.

set -u

WINNOW=${1:-${WINNOW:-./winnow}}
if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
fi
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
	echo "run-rule-tests: python3 not found, skipping"
	exit 77
fi
if [ ! -x "$WINNOW" ]; then
	echo "run-rule-tests: $WINNOW is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi

out=$(mktemp "${TMPDIR:-/tmp}/wn-rules.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM

"$WINNOW" check -c /dev/null --json -L -o "rules_dir=$top_srcdir/rules/default" -o use_bayes=no \
	"$top_srcdir"/tests/rules/*.eml >"$out"
rc=$?

"$PYTHON" - "$out" "$rc" "$top_srcdir" <<'EOF'
import glob, json, os, re, sys

out, rc, top = sys.argv[1], int(sys.argv[2]), sys.argv[3]
passed = failed = 0

def ok(cond, text):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL: ' + text)

# winnow check exits 0 (all ham) or 1 (some spam); anything else is an error.
ok(rc in (0, 1), 'winnow check exited with status %d' % rc)

results = {}
with open(out, encoding='utf-8', errors='replace') as f:
    for n, line in enumerate(f, 1):
        line = line.strip()
        if not line:
            continue
        try:
            r = json.loads(line)
        except ValueError:
            ok(False, 'output line %d is not JSON: %s' % (n, line[:80]))
            continue
        results[os.path.basename(r.get('file', ''))] = r

# Scored rules: "score NAME value" lines with a non-zero first score.
scored = {}
for cf in sorted(glob.glob(os.path.join(top, 'rules', 'default', '*.cf'))):
    with open(cf, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'\s*score\s+(\S+)\s+(-?[\d.]+)', line)
            if m and not m.group(1).startswith('__') and float(m.group(2)) != 0:
                scored[m.group(1)] = cf
ok(len(scored) > 0, 'no scored rules found in %s/rules/default' % top)

emls = sorted(os.path.basename(p)
              for p in glob.glob(os.path.join(top, 'tests', 'rules', '*.eml')))
for name in emls:
    m = re.match(r'(.+)\.(hit|miss)\.eml$', name)
    if not m:
        ok(False, '%s: name is not RULE.hit.eml or RULE.miss.eml' % name)
        continue
    rule, kind = m.groups()
    if rule not in scored:
        ok(False, '%s: no scored rule %s in rules/default' % (name, rule))
        continue
    r = results.get(name)
    if r is None:
        ok(False, '%s: no result from winnow check' % name)
        continue
    if r.get('verdict') == 'error':
        ok(False, '%s: scan error: %s' % (name, r.get('error', '?')))
        continue
    hits = [h.get('name') for h in r.get('hits', [])]
    if kind == 'hit':
        ok(rule in hits, '%s: %s did not hit (hits: %s)' % (name, rule, ' '.join(hits) or '-'))
    else:
        ok(rule not in hits, '%s: %s hit a message it must miss' % (name, rule))

for rule in sorted(scored):
    for kind in ('hit', 'miss'):
        ok('%s.%s.eml' % (rule, kind) in emls,
           '%s (%s): no test message %s.%s.eml' % (rule, os.path.basename(scored[rule]), rule, kind))

g = results.get('GTUBE.hit.eml')
ok(g is not None and g.get('verdict') == 'spam',
   'GTUBE.hit.eml: verdict %s, expected spam' % (g.get('verdict') if g else 'missing'))

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
EOF
