#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The distributed walk (issue 10) at 1-4 ranks, in seconds: with every
# listing slowed (MPSEARCH_TEST_DIR_DELAY_US), directories two levels down
# are listed by the rank that gets them, rank 0 too; the output is the
# local run's byte for byte, on a balanced tree and on a skewed one where
# one subtree holds most directories, with siblings whose names sort
# around the directory's (d.txt < d/... < d0).
. "$(dirname "$0")/lib.sh"
cd "$T"

# a balanced tree: 6 x 4 directories two levels down, a file beside each
for i in 1 2 3 4 5 6; do
	for j in 1 2 3 4; do
		mkdir -p bal/a$i/b$j/c
		echo "PM_RESUME $i $j" >bal/a$i/b$j/f
		echo "PM_RESUME deep $i $j" >bal/a$i/b$j/c/g
	done
	echo "PM_RESUME top $i" >bal/a$i/t
done
# names around a directory's place: d.txt < d/... < d0 < d0.txt
for d in bal/a1 bal/a2; do
	echo "PM_RESUME dot" >$d/d.txt
	mkdir -p $d/d/x $d/d0
	echo "PM_RESUME in d" >$d/d/x/y
	echo "PM_RESUME in d0" >$d/d0/z
	echo "PM_RESUME d0.txt" >$d/d0.txt
done
# a skewed tree: one subtree, last in the order, holds 67 of its 84
# directories: rank 0 splits it when it is handed out (few items are left)
for i in $(seq 1 60); do
	mkdir -p skw/zbig/sub/s$((i % 6))/t$i
	echo "PM_RESUME big $i" >skw/zbig/sub/s$((i % 6))/t$i/f
done
for i in 1 2 3 4 5; do
	mkdir -p skw/small$i/x/y
	echo "PM_RESUME small $i" >skw/small$i/x/y/f
done

dirs_of() { sed -n 's/^mpsearch-rank: rank=\([0-9]*\) .* dirs=\([0-9]*\) .*/\1:\2/p' stats | tr '\n' ' '; }
ndirs=$(find bal skw -type d | wc -l)

for tree in bal skw; do
	"$MPS" -n PM_RESUME $tree >want
	for np in 1 2 3 4; do
		env MPSEARCH_TEST_DIR_DELAY_US=1000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np $np \
			"$MPS" -j 1 --stats -n PM_RESUME $tree >out 2>stats
		check_same "$tree np=$np: output" want out
		sort want >want.s
		sort out >out.s
		check_same "$tree np=$np: sorted output" want.s out.s
		# every directory is listed once, on some rank
		total=$(dirs_of | tr ' ' '\n' | awk -F: '{ s += $2 } END { print s }')
		[ "$total" = "$(find $tree -type d | wc -l)" ] && ok || fail "$tree np=$np: listings $(dirs_of)"
		# split: no rank lists the big subtree alone (unsplit, the one
		# that gets zbig lists 68 of the 84 directories, 81 %; split, the
		# largest share is near 40-60 %, depending on the machine's load)
		if [ $tree = skw ] && [ $np -ge 3 ]; then
			max=$(dirs_of | tr ' ' '\n' | awk -F: 'NF == 2 && $2 > m { m = $2 } END { print m }')
			[ $((max * 4)) -lt $((total * 3)) ] && ok || fail "skw np=$np: one rank lists most: $(dirs_of)"
		fi
	done
done

# standard input between operands (rank 0's, in its place) and -l, -q
# with items
echo "PM_RESUME stdin" | "$MPS" -n PM_RESUME bal/a1 - skw >want
echo "PM_RESUME stdin" | env MPSEARCH_TEST_DIR_DELAY_US=1000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US \
	-np 3 "$MPS" -j 1 -n PM_RESUME bal/a1 - skw >out 2>/dev/null
check_same "stdin among items np=3" want out
for o in -l -q; do
	"$MPS" $o PM_RESUME bal >want
	env MPSEARCH_TEST_DIR_DELAY_US=1000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np 3 \
		"$MPS" -j 1 $o PM_RESUME bal >out 2>/dev/null
	check_same "$o with items np=3" want out
done

# a big file inside an item: the rank that lists it does not stat it; its
# workers split it (small chunks), and the output is still the local one
seq 1 200000 | sed 's/$/ filler PM_RESUME/' >bal/a3/b2/big.txt
"$MPS" -n PM_RESUME bal >want
for np in 2 3; do
	env MPSEARCH_TEST_DIR_DELAY_US=1000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np $np \
		"$MPS" -j 2 --chunk-size 256K -n PM_RESUME bal >out 2>/dev/null
	check_same "big file in an item np=$np" want out
done
rm bal/a3/b2/big.txt

# both trees at once at np=2: rank 0 lists more than the operands' top two
# levels (it takes directories as rank 1 does)
top=$(find bal skw -maxdepth 1 -type d | wc -l)
"$MPS" -n PM_RESUME bal skw >want
env MPSEARCH_TEST_DIR_DELAY_US=2000 $MPIRUN -x MPSEARCH_TEST_DIR_DELAY_US -np 2 \
	"$MPS" -j 1 --stats -n PM_RESUME bal skw >out 2>stats
check_same "two operands np=2" want out
d0=$(dirs_of | tr ' ' '\n' | sed -n 's/^0://p')
d1=$(dirs_of | tr ' ' '\n' | sed -n 's/^1://p')
[ "$d0" -gt $((top + 10)) ] && [ "$d1" -gt 10 ] && [ $((d0 + d1)) = "$ndirs" ] && ok ||
	fail "np=2: rank 0 lists its share: $(dirs_of) (top $top, all $ndirs)"

done_testing
