#!/bin/sh
# The milter front-end of filterd, driven over the milter protocol by
# miltertest (tests/integration/milter/*.lua): ham and spam headers,
# reject with the configured reply, forged X-Spam-* and
# Authentication-Results removal, skip_rcpt
# and authenticated senders, oversized messages, clean stop on SIGTERM.
# One daemon per configuration, all started first: libmilter needs up to
# 5 s to notice a stop, so they are stopped together at the end.
# Usage: test-milter.sh [PATH-TO-FILTERD]   (default: filterd/filterd in the build dir)
# Skips (77) when miltertest is not installed.
set -u
F=${1:-${FILTERD:-${top_builddir:-.}/filterd/filterd}}
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$top/tests/integration/milter
. "$D/lib.sh"

start default
start reject -o reject_score=10 -o "reject_reply=554 5.7.0 Go away, spammer"
start reject-default -o reject_score=10
start report -o add_report=yes
start big -o scan_max_size=1k
start authres -o authserv_id=mx.winnow.test

if ready default; then
	run default "ham gets X-Spam-Status No and X-Spam-Level" ham.lua
	run default "GTUBE gets X-Spam-Flag YES" gtube.lua
	run default "forged X-Spam-* fields are deleted" forged.lua
	run default "postmaster and authenticated mail skipped" skip.lua
	grep -q 'QID1.*action=ham' "$T/default.log" && ok "log line with queue id" \
		|| bad "no log line with the queue id"
fi
ready reject && run reject "GTUBE rejected with reject_reply" reject.lua \
	-D CODE=554 -D XCODE=5.7.0 -D "TEXT=Go away, spammer"
ready reject-default && run reject-default "GTUBE rejected with the default reply" reject.lua \
	-D CODE=550 -D XCODE=5.7.1 -D "TEXT=Message rejected as spam"
ready report && run report "add_report adds X-Spam-Report" gtube.lua -D REPORT=1
ready big && run big "oversized message passes not scanned" big.lua
ready authres && run authres "forged Authentication-Results claiming our authserv-id deleted, others kept" \
	authres.lua

# SIGTERM stops every daemon cleanly (exit 0, no sanitizer report)
stop_all default reject reject-default report big authres

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
