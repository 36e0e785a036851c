#!/bin/bash
# Build the libFuzzer targets with clang in build-fuzz/ and run each one for
# FUZZ_SECONDS (default 60) on its corpus tests/fuzz/corpus/<target>/, which
# keeps what the run finds; then merge the corpus down to a minimal set
# (-merge=1) so that it stays small; the hand-written seeds (seed-*) are
# always kept.  Inputs are at most 4096 bytes.
#
#   tests/fuzz/run.sh                      all targets, 60 s each
#   FUZZ_SECONDS=600 tests/fuzz/run.sh fuzz_scanner
#
# Environment: FUZZ_SECONDS, FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1),
# FUZZ_SCANNER_SKIP_WORD1=1 (fuzz_scanner: skip the known -w one-byte bug).
# A crash, leak or timeout leaves its input in $FUZZ_BUILD_DIR/artifacts/
# and makes the script exit 1 (after the other targets ran); replay it with
#   build-fuzz/tests/fuzz/<target> build-fuzz/artifacts/<target>-crash-...
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${FUZZ_JOBS:-1}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_scanner fuzz_opts fuzz_decode fuzz_zframes)

CC=clang cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DMPSEARCH_FUZZ=ON >/dev/null || exit 1
cmake --build "$BUILD" -j "$(nproc)" --target "${TARGETS[@]}" || exit 1

status=0
mkdir -p "$BUILD/artifacts"
for t in "${TARGETS[@]}"; do
	bin=$BUILD/tests/fuzz/$t
	corpus=tests/fuzz/corpus/$t
	mkdir -p "$corpus"
	echo "== $t: ${SECS} s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
	jobs=()
	[ "$JOBS" -gt 1 ] && jobs=(-jobs="$JOBS" -workers="$JOBS")
	if ! "$bin" -max_total_time="$SECS" -max_len=4096 -len_control=0 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "${jobs[@]}" \
		-artifact_prefix="$BUILD/artifacts/$t-" "$corpus"; then
		echo "== $t: FAILED (artifacts in $BUILD/artifacts/)"
		status=1
	fi
	# keep the corpus minimal: merge into a fresh directory, then swap
	new=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-merge.XXXXXX")
	if "$bin" -merge=1 -max_len=4096 "$new" "$corpus" >"$new.log" 2>&1; then
		# the hand-written seeds (seed-*) stay whatever their coverage
		find "$corpus" -type f ! -name 'seed-*' -delete
		for f in "$new"/*; do
			[ -e "$f" ] || continue
			cmp -s "$f" "$corpus/$(basename "$f")" 2>/dev/null || cp "$f" "$corpus/"
		done
		echo "== $t: corpus merged to $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
	else
		echo "== $t: merge failed, corpus left as is (see $new.log)"
		status=1
	fi
	rm -rf "$new"
done
exit $status
