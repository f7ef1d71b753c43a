#!/bin/sh
# Builds Winnow and runs the whole test suite, twice: a normal build with
# -Werror, then an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Then builds the libFuzzer targets with clang and runs each one briefly.
# Installs missing dependencies first. Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" || exit 1
# the corpus tests need the public corpus; fetch it once, up front
sh "$top/scripts/fetch-corpus.sh" >/dev/null || exit 1
cd "$top" && ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0

count() { # $1: build dir; adds the automake summary to the totals
	p=$(sed -n 's/^# PASS: *//p' "$1/test-suite.log" 2>/dev/null | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$1/test-suite.log" 2>/dev/null | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$1/test-suite.log" 2>/dev/null | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
}

run_build() { # $1: name, rest: configure flags
	name=$1; shift
	dir="$top/build/$name"
	echo "=== $name build: configure $*"
	mkdir -p "$dir" && cd "$dir" || return 1
	if ! "$top/configure" "$@" >configure.out 2>&1; then
		cat configure.out; failed=$((failed + 1)); return 1
	fi
	if ! make -j"$jobs" >make.out 2>&1; then
		tail -50 make.out; failed=$((failed + 1)); return 1
	fi
	make -j"$jobs" check 2>&1 | grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):|^# (TOTAL|PASS|FAIL|ERROR|SKIP):'
	for log in $(grep -l -E '^(FAIL|ERROR)' $(find tests -name '*.log') 2>/dev/null); do
		echo "--- $log"; tail -40 "$log"
	done
	count "$dir"
}

run_build plain --enable-werror
run_build sanitize --enable-werror --enable-asan --enable-ubsan

# Fuzz targets: built with clang/libFuzzer, each run for a few seconds on
# its corpus (regressions are replayed by `make check` in every build).
if [ "${WINNOW_SKIP_FUZZ:-0}" != 1 ]; then
	dir="$top/build/fuzz"
	echo "=== fuzz build"
	mkdir -p "$dir" && cd "$dir" && CC=clang "$top/configure" --enable-fuzzers >configure.out 2>&1 &&
	make -j"$jobs" >make.out 2>&1 || { tail -30 make.out; failed=$((failed + 1)); }
	for f in "$dir"/tests/fuzz/fuzz-*; do
		[ -x "$f" ] || continue
		t=$(basename "$f" | sed 's/^fuzz-//')
		work=$(mktemp -d)
		cp -r "$top/tests/fuzz/corpus/$t/." "$work/" 2>/dev/null
		if "$f" -max_total_time="${WINNOW_FUZZ_SECONDS:-5}" -rss_limit_mb=2048 \
			-artifact_prefix="$dir/crash-$t-" "$work" >"$dir/fuzz-$t.log" 2>&1; then
			echo "PASS: fuzz-$t"; passed=$((passed + 1))
		else
			echo "FAIL: fuzz-$t (see $dir/fuzz-$t.log)"; tail -30 "$dir/fuzz-$t.log"
			failed=$((failed + 1))
		fi
		rm -rf "$work"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
