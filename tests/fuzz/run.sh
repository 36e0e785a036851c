#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer targets with clang in build-fuzz/ and run each one for
# FUZZ_SECONDS (default 60) on a working copy of its corpus,
# $FUZZ_BUILD_DIR/corpus/<target>/ (seeded from the committed
# tests/fuzz/corpus/<target>/, and kept between runs); the committed
# corpora are never written: tests/fuzz/merge.sh merges what the runs
# found back into them, minimised.  Inputs are at most 4096 bytes.
# libFuzzer's progress goes to $FUZZ_BUILD_DIR/fuzz-<target>.log; this
# script prints one summary line per target (and the log's tail on failure).
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
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_scanner fuzz_opts fuzz_decode fuzz_spans fuzz_zframes)

CC=clang cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DMPSEARCH_FUZZ=ON >/dev/null || exit 1
cmake --build "$BUILD" -j "$(nproc)" --target "${TARGETS[@]}" >"$BUILD/fuzz-build.log" 2>&1 ||
	{ tail -n 30 "$BUILD/fuzz-build.log"; exit 1; }

status=0
mkdir -p "$BUILD/artifacts"
for t in "${TARGETS[@]}"; do
	bin=$BUILD/tests/fuzz/$t
	work=$BUILD/corpus/$t
	log=$BUILD/fuzz-$t.log
	mkdir -p "$work"
	cp -n tests/fuzz/corpus/$t/* "$work"/ 2>/dev/null
	n0=$(ls "$work" | wc -l)
	jobs=()
	[ "$JOBS" -gt 1 ] && jobs=(-jobs="$JOBS" -workers="$JOBS")
	if "$bin" -max_total_time="$SECS" -max_len=4096 -len_control=0 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "${jobs[@]}" \
		-artifact_prefix="$BUILD/artifacts/$t-" "$work" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "== $t: ok, ${runs:-?} runs in ${SECS} s, corpus $n0 -> $(ls "$work" | wc -l) inputs (log $log)"
	else
		echo "== $t: FAILED (artifacts in $BUILD/artifacts/, log $log):"
		tail -n 30 "$log"
		status=1
	fi
done
echo "== new inputs stay in $BUILD/corpus/; tests/fuzz/merge.sh adds them to the committed corpora"
exit $status
