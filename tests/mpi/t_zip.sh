#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# --search-zip under mpirun with 1-4 ranks: a multi-frame zstd file, a
# BGZF file and a multi-stream bzip2 file, split in small chunks, give
# grep's lines; with rank 0 searching nothing before MPI is up, rank 1
# searches parts of each.
. "$(dirname "$0")/lib.sh"
for t in zstd bgzip bzip2; do command -v $t >/dev/null || { echo "no $t"; exit 77; }; done

make_tree "$T/tree" 5 150
cd "$T"
for i in 1 2 3 4 5 6; do find tree -type f | sort | xargs cat; done > text
split -b 20011 text part_
for p in part_*; do zstd -q -c $p >> mf.zst; bzip2 -c $p >> mm.bz2; done
rm part_*
bgzip -c text > f.bgz

for f in mf.zst f.bgz mm.bz2; do
	for m in "-n PM_RESUME" "-c foo" "-l foo" "-n -m 4 foo" "-n -C1 mutex_lock"; do
		# shellcheck disable=SC2086
		grep $m text | sed "s/^(standard input)$/$f/" > want
		[ "$m" = "-l foo" ] && echo $f > want
		for np in 1 2 4; do
			# shellcheck disable=SC2086
			$MPIRUN -np $np "$MPS" -j 1 --search-zip --chunk-size 16K $m $f > out 2> err
			[ $? = 0 ] && ok || fail "np=$np $f '$m': exit status: $(head -3 err)"
			check_same "np=$np $f '$m' vs grep" want out
		done
	done
	# round 0 of 5 units is shared out at once; rank 0 searches none of
	# them before MPI is up: rank 1 has parts of the file to search
	MPSEARCH_TEST_ROUNDS=5,1,7,0 $MPIRUN -x MPSEARCH_TEST_ROUNDS -np 2 "$MPS" -j 1 --search-zip \
		--chunk-size 16K --stats -c foo $f > out 2> stats
	grep -c foo text > want
	check_same "np=2 rounds $f -c" want out
	grep -qE '^[^ ]+ +1 +1 +[0-9]+ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]* ' stats && ok ||
		fail "np=2 $f: rank 1 searched no part: $(grep -E '^[^ ]+ +[01] ' stats)"
done

done_testing
