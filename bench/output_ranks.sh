#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/output_ranks.sh [RUNS] [NP] -- an output-heavy search under mpirun
# (`-e e` on the Linux tree: 2.7 GB of output), side by side in one run:
#   stdout      results through rank 0 and mpirun's forwarding, piped to cat
#   output      --output FILE, every rank printing its own rounds (the baton)
#   output-r0   --output FILE, rank 0 writing it all from the others' records
#               (MPSEARCH_TEST_NO_SHARE=1: as when the file is not shared)
#   local       --output FILE without mpirun
#   count       the same search with -c (the search alone, a floor for the above)
# Prints the median wall time, the output bytes per second over the count's
# time, and rank 0's recv_bytes (from --stats).
#
# Environment: MPSEARCH (default build/mpsearch), MPSEARCH_BENCH_DIR (default
# /var/tmp/mpsearch-bench, linux/ made by bench/prepare), LC_ALL (default
# C.UTF-8), MPIEXEC (default mpirun).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-3}
NP=${2:-2}
MPS=${MPSEARCH:-$REPO/build/mpsearch}
TREE=${MPSEARCH_BENCH_DIR:-/var/tmp/mpsearch-bench}/linux
[ -d "$TREE" ] || { echo "missing $TREE (run bench/prepare)" >&2; exit 77; }
export LC_ALL=${LC_ALL:-C.UTF-8}
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="${MPIEXEC:-mpirun} --oversubscribe --bind-to none -x MPSEARCH_TEST_NO_SHARE -np $NP"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# run NAME CMD: RUNS timed runs; prints "NAME median_s recv_bytes"
run() {
	local name=$1 cmd=$2 t=() s e
	for _ in $(seq "$RUNS"); do
		rm -f "$OUT/res"
		s=$(date +%s.%N)
		bash -c "$cmd" 2>"$OUT/stats" | cat >/dev/null
		e=$(date +%s.%N)
		t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')")
	done
	local recv
	recv=$(sed -n 's/^mpsearch-rank: rank=0 .* recv_bytes=\([0-9]*\) .*/\1/p' "$OUT/stats")
	printf '%s %s %s\n' "$name" "$(printf '%s\n' "${t[@]}" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" "${recv:--}"
}

bytes=$("$MPS" -e e "$TREE" | wc -c)
echo "# $(date -u '+%F %H:%M') UTC, $(nproc) cores, LC_ALL=$LC_ALL, load $(cut -d' ' -f1-3 /proc/loadavg), np $NP, -j 1, $RUNS runs, medians; output $bytes bytes"
{
	run count "$MPIRUN $MPS -j 1 --stats -c -e e $TREE"
	run stdout "$MPIRUN $MPS -j 1 --stats -e e $TREE"
	run output "$MPIRUN $MPS -j 1 --stats --output $OUT/res -e e $TREE"
	run output-r0 "MPSEARCH_TEST_NO_SHARE=1 $MPIRUN $MPS -j 1 --stats --output $OUT/res -e e $TREE"
	run local "$MPS -j $NP --stats --output $OUT/res -e e $TREE"
} | awk -v b="$bytes" '$1 == "count" { c = $2 }
	{ printf "%-10s %7.2f s  recv_bytes %-12s %s\n", $1, $2, $3,
	  ($1 != "count" && $2 > c) ? sprintf("%.0f MB/s over count", b / ($2 - c) / 1e6) : "" }'
