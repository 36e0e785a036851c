#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Under mpirun with 1-4 ranks, every output mode gives the same bytes as the
# local run, on a tree and on a big file split in small chunks.
. "$(dirname "$0")/lib.sh"

make_tree "$T/tree" 7 120
cd "$T"
# one big file: the tree concatenated several times
for i in 1 2 3 4 5 6 7 8; do find tree -type f | sort | xargs cat; done > big.txt
printf 'x\0y PM_RESUME\n' > tree/binary.bin

modes=("-n PM_RESUME" "-c PM_RESUME" "-l foo" "-L foo" "-o -i pm_resume" "-m 2 foo"
       "-C 2 PM_RESUME" "-A1 -B3 -v foo" "--json -w foo" "-e ERR_SYS -e LINK_REQ_RST"
       "-E [A-Z]+_RESUME" "-x alpha" "-m 3 -A 2 foo")
strip_json() { sed -E 's/"elapsed_total":\{[^}]*\}//; s/"elapsed":\{[^}]*\}//'; }

# compare NP LABEL CHUNK MODE TARGET: mpirun output and status equal the local run's
compare() {
	local np=$1 label=$2 chunk=$3 m=$4 target=$5 extra=""
	[ "$target" = big.txt ] && extra="--chunk-size $chunk"
	"$MPS" -j 2 $extra $m $target 2>/dev/null | strip_json > local.out
	local ls=${PIPESTATUS[0]}
	$MPIRUN -np $np "$MPS" -j 1 $extra $m $target 2>/dev/null | strip_json > mpi.out
	local ms=${PIPESTATUS[0]}
	check_same "${label}np=$np '$m' $target" local.out mpi.out
	[ "$ls" = "$ms" ] && ok || fail "${label}np=$np '$m' $target: exit $ms vs local $ls"
}

for np in 1 2 3 4; do
	for m in "${modes[@]}"; do
		for target in tree big.txt; do
			compare $np "" 64K "$m" $target
		done
	done
done

# Later rounds: with tiny rounds (MPSEARCH_TEST_ROUNDS="round 0,min,max,
# units searched by rank 0 while MPI_Init runs") the units listed after round
# 0 go out round by round to whichever rank asks; the output must not change.
# (With the default sizes, rank 0 searches trees this small alone, before
# the other ranks are even up.)
MPIRUN_PLAIN=$MPIRUN
MPIRUN="env MPSEARCH_TEST_ROUNDS=5,1,7,3 $MPIRUN -x MPSEARCH_TEST_ROUNDS"
for np in 2 3; do
	for m in "${modes[@]}" "-q PM_RESUME"; do
		for target in tree big.txt; do
			compare $np "rounds " 16K "$m" $target
		done
	done
done
$MPIRUN -np 3 "$MPS" --stats PM_RESUME tree > /dev/null 2> stats
rounds=$(sed -n 's/.*; rounds \([0-9]*\)$/\1/p' stats)
[ "${rounds:-0}" -gt 10 ] && ok || fail "tiny rounds were used (rounds: ${rounds:-none})"
MPIRUN=$MPIRUN_PLAIN

# a pattern error is reported once and every rank exits 2
$MPIRUN -np 3 "$MPS" -E 'a(' tree > out 2> err
rc=$?
[ "$rc" != 0 ] && ok || fail "bad pattern exit $rc"
[ "$(grep -c 'invalid pattern' err)" = 1 ] && ok || fail "bad pattern reported $(grep -c 'invalid pattern' err) times"
# ... even when rank 0 comes to it last (a loaded node): the others do not
# exit 2 first, which would have the launcher kill rank 0 before it speaks
env MPSEARCH_TEST_RANK0_LATE_MS=1500 $MPIRUN -x MPSEARCH_TEST_RANK0_LATE_MS -np 3 "$MPS" -E 'a(' tree > out 2> err
rc=$?
[ "$rc" = 2 ] && ok || fail "bad pattern, late rank 0: exit $rc"
[ "$(grep -c 'invalid pattern' err)" = 1 ] && ok || fail "bad pattern, late rank 0: reported $(grep -c 'invalid pattern' err) times"

# --output is written only on success, and equals stdout
$MPIRUN -np 2 "$MPS" --output result.txt -n PM_RESUME tree
"$MPS" -n PM_RESUME tree > expect.txt
check_same "--output" expect.txt result.txt
[ -z "$(ls | grep mpsearch-)" ] && ok || fail "temporary output left behind"

# --output under mpirun is written by every rank: each prints its own
# rounds into the file, at the offset the baton brings with the printer's
# state (the lines, context and -m of a file split across ranks, "--"
# between files); rank 0 receives no result bytes (recv_bytes=0).  Every
# mode, on the tree and on the big file in small parts, with tiny rounds
# too (the parts of one file on several ranks).
# compare_output NP LABEL CHUNK MODE TARGET [ENV]
compare_output() {
	local np=$1 label=$2 chunk=$3 m=$4 target=$5 env=${6:-X=1} extra=""
	[ "$target" = big.txt ] && extra="--chunk-size $chunk"
	"$MPS" -j 2 $extra $m $target 2>/dev/null | strip_json > local.out
	local ls=${PIPESTATUS[0]}
	rm -f res.out
	env $env $MPIRUN -x MPSEARCH_TEST_ROUNDS -x MPSEARCH_TEST_NO_SHARE -np $np "$MPS" -j 1 \
		$extra --stats --output res.out $m $target > /dev/null 2> stats
	local ms=$?
	[ -e res.out ] && strip_json < res.out > mpi.out || : > mpi.out
	check_same "${label}--output np=$np '$m' $target" local.out mpi.out
	[ "$ls" = "$ms" ] && ok || fail "${label}--output np=$np '$m' $target: exit $ms vs local $ls"
	recv=$(sed -n 's/^mpsearch-rank: rank=0 .* recv_bytes=\([0-9]*\) .*/\1/p' stats)
	case $label in
	shared*) [ "$recv" = 0 ] && ok || fail "${label}np=$np '$m' $target: rank 0 received $recv result bytes" ;;
	esac
}
for m in "${modes[@]}"; do
	for target in tree big.txt; do
		compare_output 3 "shared " 64K "$m" $target
		compare_output 2 "shared rounds " 16K "$m" $target MPSEARCH_TEST_ROUNDS=5,1,7,3
	done
done
# where a rank cannot open the file (another host's file system), rank 0
# writes it all, from the others' records
compare_output 3 "not shared " 64K "-n PM_RESUME" tree MPSEARCH_TEST_NO_SHARE=1
[ "${recv:-0}" -gt 0 ] && ok || fail "not shared: rank 0 received ${recv:-no} result bytes"
compare_output 3 "not shared " 16K "-C 2 PM_RESUME" big.txt MPSEARCH_TEST_NO_SHARE=1
# with -f - (the other ranks learn the patterns late) rank 0 writes it all
"$MPS" -n PM_RESUME tree > local.out
rm -f res.out
echo PM_RESUME | $MPIRUN -np 3 "$MPS" -j 1 --stats --output res.out -n -f - tree 2> stats
check_same "-f - --output np=3" local.out res.out
recv=$(sed -n 's/^mpsearch-rank: rank=0 .* recv_bytes=\([0-9]*\) .*/\1/p' stats)
[ "${recv:-0}" -gt 0 ] && ok || fail "-f - --output: rank 0 received ${recv:-no} result bytes"
[ -z "$(ls | grep mpsearch-)" ] && ok || fail "temporary output left behind"

# --progress: same results on stdout, a bar that reaches 100% on stderr
$MPIRUN -np 3 "$MPS" --progress -n PM_RESUME tree > prog.out 2> prog.err
check_same "--progress stdout" expect.txt prog.out
tr '\r' '\n' < prog.err | grep -q '100%' && ok || fail "--progress reaches 100%"
# ... and counts every file, those the other ranks print into --output too
$MPIRUN -np 3 "$MPS" --progress -n --output prog.res PM_RESUME tree 2> prog.err
nfiles=$(find tree -type f | wc -l)
tr '\r' '\n' < prog.err | grep -q "100%.* $nfiles files" && ok ||
	fail "--progress with --output counts $nfiles files: $(tr '\r' '\n' < prog.err | grep files | tail -1)"
"$MPS" --progress -n PM_RESUME tree > prog.out 2> prog.err
check_same "--progress stdout (local)" expect.txt prog.out
tr '\r' '\n' < prog.err | grep -q '100%' && ok || fail "--progress reaches 100% (local)"

# --stats prints the per-rank table on rank 0
$MPIRUN -np 2 "$MPS" --stats PM_RESUME tree > /dev/null 2> stats
grep -q '^mpsearch-stats: ranks=2 ' stats && ok || fail "--stats line"
[ "$(grep -cE '^[^ ]+ +[01] +[0-9]+ ' stats)" -ge 2 ] && ok || fail "--stats rank rows"

done_testing
