#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Walk speed-up against ranks at 0 / 0.1 / 1 ms per directory listing
# (MPSEARCH_TEST_DIR_DELAY_US: every listing on any rank sleeps first, a
# parallel file system's metadata latency on one machine).  For each delay
# and rank count: the median wall time of RUNS runs of
#   mpirun --bind-to none -np N mpsearch -j 1 KEYWORD CORPUS | cat
# each run's output compared byte for byte with the local run's; then a
# table (seconds, speed-up over -np 1 at the same delay) and a text figure.
#
# Usage: bench/walk_scaling.sh [MPSEARCH [CORPUS]]
# Variables: RUNS (3), RANKS ("1 2 4"), DELAYS ("0 100 1000"),
# KEYWORD (PM_RESUME), MPIRUN (mpirun), MPIRUN_FLAGS ("--oversubscribe
# --bind-to none"; add a hostfile and an rsh agent for other hosts).
set -u
MPS=${1:-build/mpsearch}
CORPUS=${2:-/var/tmp/mpsearch-bench/linux}
RUNS=${RUNS:-3}
RANKS=${RANKS:-"1 2 4"}
DELAYS=${DELAYS:-"0 100 1000"}
KEYWORD=${KEYWORD:-PM_RESUME}
MPIRUN=${MPIRUN:-mpirun}
MPIRUN_FLAGS=${MPIRUN_FLAGS:-"--oversubscribe --bind-to none"}
[ -x "$MPS" ] || { echo "usage: $0 [MPSEARCH [CORPUS]]: no $MPS" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "$0: no corpus $CORPUS" >&2; exit 2; }
# Open MPI refuses root without these; only this script sets them
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MPS" -j 1 "$KEYWORD" "$CORPUS" | cat >"$tmp/want"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# walk scaling: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $MPS -j 1 $KEYWORD $CORPUS, LC_ALL=${LC_ALL:-unset}, median of $RUNS"
printf '%-9s %5s %9s %8s %s\n' delay_us ranks median_s speedup output
declare -A med
for d in $DELAYS; do
	for np in $RANKS; do
		same=identical
		for i in $(seq "$RUNS"); do
			t0=$(date +%s%N)
			env MPSEARCH_TEST_DIR_DELAY_US="$d" $MPIRUN $MPIRUN_FLAGS -x MPSEARCH_TEST_DIR_DELAY_US \
				-np "$np" "$MPS" -j 1 "$KEYWORD" "$CORPUS" | cat >"$tmp/out"
			echo "$((($(date +%s%N) - t0) / 1000000))" >>"$tmp/t.$d.$np"
			cmp -s "$tmp/want" "$tmp/out" || same=DIFFERENT
		done
		m=$(median <"$tmp/t.$d.$np")
		med[$d.$np]=$m
		base=${med[$d.${RANKS%% *}]}
		printf '%-9s %5s %9.2f %8.2f %s\n' "$d" "$np" "$(echo "$m / 1000" | bc -l)" \
			"$(echo "$base / $m" | bc -l)" "$same"
	done
done

# the figure: speed-up over the first rank count, one bar per rank count
echo
echo "speed-up over -np ${RANKS%% *} (each # = 0.25x)"
for d in $DELAYS; do
	printf '%5.1f ms/dir\n' "$(echo "$d / 1000" | bc -l)"
	base=${med[$d.${RANKS%% *}]}
	for np in $RANKS; do
		s=$(echo "$base / ${med[$d.$np]}" | bc -l)
		bar=$(printf '%*s' "$(echo "$s * 4 / 1" | bc)" '' | tr ' ' '#')
		printf '  np=%-2s %-24s %.2fx\n' "$np" "$bar" "$s"
	done
done
