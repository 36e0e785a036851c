#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Merge what tests/fuzz/run.sh found ($FUZZ_BUILD_DIR/corpus/<target>/)
# into the committed corpora tests/fuzz/corpus/<target>/, minimised
# (libFuzzer -merge=1: the smallest set with the same coverage); the
# hand-written seeds (seed-*) are always kept.  Run it on purpose, then
# review and commit the change: nothing else writes the committed corpora.
#
#   tests/fuzz/merge.sh [TARGET ...]       default: all targets
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_scanner fuzz_opts fuzz_decode)
status=0
for t in "${TARGETS[@]}"; do
	bin=$BUILD/tests/fuzz/$t
	corpus=tests/fuzz/corpus/$t
	if [ ! -x "$bin" ] || [ ! -d "$BUILD/corpus/$t" ]; then
		echo "== $t: no $bin or $BUILD/corpus/$t: run tests/fuzz/run.sh first"
		status=1
		continue
	fi
	new=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-merge.XXXXXX")
	if "$bin" -merge=1 -max_len=4096 "$new" "$corpus" "$BUILD/corpus/$t" >"$new.log" 2>&1; then
		find "$corpus" -type f ! -name 'seed-*' -delete
		for f in "$new"/*; do
			[ -e "$f" ] || continue
			cmp -s "$f" "$corpus/$(basename "$f")" 2>/dev/null || cp "$f" "$corpus/"
		done
		echo "== $t: corpus merged to $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
		rm -f "$new.log"
	else
		echo "== $t: merge failed, corpus left as is (see $new.log)"
		status=1
	fi
	rm -rf "$new"
done
exit $status
