#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/output_heavy.sh [RUNS] -- searches whose output is about the size of
# their input (issue "results written once"), side by side in one run:
# mpsearch, mpsearch with results sent to the parent as records
# (MPSEARCH_TEST_NO_TEXT=1, the older path), an earlier build (MPSEARCH_BASE,
# optional), ripgrep, and the machine's floor (the bytes read and piped with
# no matching: cat).  Every command's output goes through a pipe to
# `cat >/dev/null` (grep and rg stop early when stdout is /dev/null).
# Prints the median wall time and the largest peak RSS (kB) of any process
# of the run (GNU time's %M: the biggest of the command and its children),
# and the ratio to rg.
#
# Environment: MPSEARCH (default build/mpsearch), MPSEARCH_BASE, MPSEARCH_BENCH_DIR
# (default /var/tmp/mpsearch-bench: big/linux-big.txt and linux/, made by
# bench/prepare), LC_ALL (default C.UTF-8).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-5}
MPS=${MPSEARCH:-$REPO/build/mpsearch}
DIR=${MPSEARCH_BENCH_DIR:-/var/tmp/mpsearch-bench}
BIG=$DIR/big/linux-big.txt
TREE=$DIR/linux
export LC_ALL=${LC_ALL:-C.UTF-8}
for f in "$BIG" "$TREE"; do
	[ -e "$f" ] || { echo "missing $f (run bench/prepare)" >&2; exit 77; }
done

# run NAME CMD: RUNS timed runs; prints "NAME median_s max_rss_kB"
run() {
	local name=$1 cmd=$2 t=() rss=0 secs kb
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o /tmp/oh.$$ bash -c "$cmd | cat >/dev/null" 2>/dev/null
		read -r secs kb < /tmp/oh.$$
		t+=("$secs")
		((kb > rss)) && rss=$kb
	done
	rm -f /tmp/oh.$$
	printf '%s %s %s\n' "$name" "$(printf '%s\n' "${t[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" "$rss"
}

echo "# $(date -u '+%F %H:%M') UTC, $(nproc) cores, LC_ALL=$LC_ALL, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs, medians"
for q in big tree; do
	if [ $q = big ]; then
		m="$MPS e $BIG"; r="rg -n e $BIG"; floor="cat $BIG"
	else
		m="$MPS -e e $TREE"; r="rg -uu -n -e e $TREE"
		floor="find $TREE -type f -print0 | xargs -0 cat"
	fi
	{
		run rg "$r"
		run mpsearch "$m"
		run mpsearch-records "MPSEARCH_TEST_NO_TEXT=1 $m"
		[ -n "${MPSEARCH_BASE:-}" ] && run mpsearch-base "${m/#$MPS/$MPSEARCH_BASE}"
		run floor "$floor"
	} | awk -v q=$q '$1 == "rg" { rg = $2 } { printf "%-5s %-17s %7.2f s  %8d kB  %s\n", q, $1, $2, $3, (rg && $2 > 0) ? sprintf("rg/this %.2f", rg / $2) : "" }'
done
