#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Cluster scale (issue 10), at 1-4 ranks and in seconds: bytes are
# balanced over ranks (a tree plus a big file found while walking, and a
# big file named on the command line), no rank is starved of later rounds,
# the directory-delay test switch slows every listing and leaves the output
# as it was, --stats prints one line per rank, and a task of a Slurm step
# without PMI refuses to search alone.
. "$(dirname "$0")/lib.sh"
cd "$T"

# imbalance from the per-rank lines: max/mean bytes, at most 1.2
balanced() {
	awk -v what="$1" '/^mpsearch-rank:/ { for (i = 2; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "bytes") { b[n++] = kv[2]; s += kv[2]; if (kv[2] > m) m = kv[2] } } }
		END { if (n < 2 || s == 0) { print what ": no rank lines"; exit 1 }
		      r = m / (s / n); printf "%s: max/mean bytes %.3f\n", what, r; exit !(r <= 1.2) }' stats
}

# a tree of 3000 small files and one big file found while walking
mkdir -p skew/d
for i in $(seq 1 3000); do echo "line $i PM_RESUME"; done | split -l 1 -a 4 - skew/d/f
seq 1 400000 | sed 's/$/ filler text PM_RESUME/' >skew/big.txt
"$MPS" -c PM_RESUME skew | sort >want
$MPIRUN -np 4 "$MPS" -j 1 --chunk-size 256K --stats -c PM_RESUME skew 2>stats | sort >out
check_same "skew: output" want out
balanced "skew tree + big file, np=4" && ok || fail "skew: $(balanced skew; grep '^mpsearch-rank' stats)"

# a big file named on the command line is split across ranks
"$MPS" -c PM_RESUME skew/big.txt >want
$MPIRUN -np 4 "$MPS" -j 1 --chunk-size 256K --stats -c PM_RESUME skew/big.txt 2>stats >out
check_same "named big file: output" want out
balanced "named big file, np=4" && ok || fail "named big file: $(grep '^mpsearch-rank' stats)"

# --stats: one line per rank, the keys scripts read, printed once (rank 0)
for np in 1 2 3 4; do
	$MPIRUN -np $np "$MPS" -j 1 --stats PM_RESUME skew/d >/dev/null 2>stats
	[ "$(grep -c '^mpsearch-rank: ' stats)" = $np ] && ok || fail "np=$np: $(grep -c '^mpsearch-rank: ' stats) rank lines"
	grep -qE '^mpsearch-rank: rank=0 host=[^ ]+ workers=1 units=[0-9]+ bytes=[0-9]+ dirs=[1-9][0-9]* walk_s=[0-9.]+ search_s=[0-9.]+ recv_bytes=[0-9]+ maxrss_kb=[1-9][0-9]*$' stats &&
		ok || fail "np=$np: rank line format: $(grep '^mpsearch-rank: rank=0' stats)"
done
"$MPS" --stats PM_RESUME skew/d >/dev/null 2>stats
grep -q '^mpsearch-rank: rank=0 .* dirs=1 ' stats && ok || fail "local rank line: $(grep '^mpsearch-rank' stats)"

# no starvation: with tiny later rounds every rank asks again and again;
# a request lost while rank 0 prints that rank's results would leave it
# with its first rounds only
for np in 2 3 4; do
	env MPSEARCH_TEST_ROUNDS=8,2,8,0 $MPIRUN -x MPSEARCH_TEST_ROUNDS -np $np "$MPS" -j 1 --stats \
		PM_RESUME skew/d >out 2>stats
	"$MPS" PM_RESUME skew/d >want
	check_same "tiny rounds np=$np" want out
	starved=$(awk '$1 != "total" && $2 ~ /^[0-9]+$/ && NF == 14 && $2 > 0 && $5 < 10 { print $2 }' stats)
	[ -z "$starved" ] && ok || fail "np=$np: ranks with fewer than 10 rounds: $starved"
	# rank 0 asks without a round trip: it must not take more than the others
	balanced "tiny rounds np=$np" && ok || fail "tiny rounds np=$np: $(grep '^mpsearch-rank' stats)"
done

# the directory-delay switch: every listing sleeps, on any rank; output
# unchanged.  Directories two levels below an operand are walked by the
# rank that gets them, rank 0 too: it lists the operand and its
# subdirectories, and its share of the rest.
for i in 1 2 3 4 5 6; do
	for j in 1 2 3 4 5; do mkdir -p dly/d$i/e$j; echo "PM_RESUME $i $j" >dly/d$i/e$j/f; done
	echo "PM_RESUME $i" >dly/d$i/g
done
"$MPS" -n PM_RESUME dly >want
start=$(date +%s%N)
MPSEARCH_TEST_DIR_DELAY_US=50000 "$MPS" -n PM_RESUME dly >out
ms=$((($(date +%s%N) - start) / 1000000))
check_same "dir delay, local" want out
[ $ms -ge 1800 ] && ok || fail "37 listings at 50 ms took ${ms} ms"
for np in 2 3 4; do
	env MPSEARCH_TEST_DIR_DELAY_US=2000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np $np "$MPS" -j 1 \
		--stats -n PM_RESUME dly >out 2>stats
	check_same "dir delay, np=$np" want out
	dirs=$(sed -n 's/^mpsearch-rank: rank=\([0-9]*\) .* dirs=\([0-9]*\) .*/\1:\2/p' stats | tr '\n' ' ')
	# round 0 gives every rank a directory; rank 0 lists the top 7 too
	echo "$dirs" | tr ' ' '\n' | awk -F: -v np=$np 'NF == 2 { n++; if ($2 < ($1 ? 1 : 8)) bad = 1 }
		END { exit bad || n != np }' && ok || fail "np=$np: every rank lists: $dirs"
	total=$(echo "$dirs" | tr ' ' '\n' | awk -F: '{ s += $2 } END { print s }')
	[ "$total" = 37 ] && ok || fail "np=$np: 37 listings in all: $dirs"
done
# a fast listing (no delay: a cached local tree) is not worth spreading:
# rank 0 lists every directory
$MPIRUN -np 3 "$MPS" -j 1 --stats -n PM_RESUME dly >out 2>stats
check_same "no delay np=3" want out
grep -q '^mpsearch-rank: rank=0 .* dirs=37 ' stats && ok ||
	fail "fast listing: rank 0 walks: $(grep '^mpsearch-rank' stats)"
# --max-depth and --ignore-files depend on the path from the operand: the
# walk stays on rank 0 however slow, and the answers are the local ones
printf 'e2/\n' >dly/.ignore
for flags in "--max-depth 2" "--ignore-files"; do
	"$MPS" -n $flags PM_RESUME dly >want.f
	env MPSEARCH_TEST_DIR_DELAY_US=2000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np 3 "$MPS" -j 1 \
		--stats -n $flags PM_RESUME dly >out 2>stats
	check_same "dir delay $flags np=3" want.f out
	grep -q '^mpsearch-rank: rank=0 .* dirs=\(37\|31\|7\) ' stats && ok ||
		fail "$flags: rank 0 walks: $(grep '^mpsearch-rank' stats)"
done
rm dly/.ignore
# -R and --output keep the walk on rank 0 (a loop is found on the path
# from the operand; the output file is left out by rank 0's walk)
$MPIRUN -np 3 "$MPS" -j 1 -R --stats -n PM_RESUME dly >out 2>stats
check_same "-R np=3" want out
grep -q '^mpsearch-rank: rank=0 .* dirs=37 ' stats && ok || fail "-R: rank 0 walks: $(grep '^mpsearch-rank' stats)"
$MPIRUN -np 3 "$MPS" -j 1 --output res -n PM_RESUME dly 2>/dev/null
check_same "--output np=3" want res

# srun --mpi=none: one of several tasks and no PMI: exit 2, say what to do
env SLURM_STEP_NUM_TASKS=4 SLURM_PROCID=0 "$MPS" PM_RESUME skew/d >out 2>err
st=$?
[ $st = 2 ] && ok || fail "Slurm task without PMI: exit $st"
grep -q "srun --mpi=pmix" err && ok || fail "Slurm task without PMI: message $(head -c 200 err)"
[ ! -s out ] && ok || fail "Slurm task without PMI searched"
env SLURM_STEP_NUM_TASKS=4 SLURM_PROCID=1 "$MPS" PM_RESUME skew/d >out 2>err
[ $? = 2 ] && [ ! -s err ] && ok || fail "Slurm task 1 without PMI: said $(head -c 200 err)"
env SLURM_STEP_NUM_TASKS=1 "$MPS" -c PM_RESUME skew/big.txt >out
[ "$(cat out)" = 400000 ] && ok || fail "a Slurm step of one task searches"

done_testing
