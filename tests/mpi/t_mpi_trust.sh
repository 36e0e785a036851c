#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Under mpirun (issue 17): standard input and `-f -` belong to rank 0 (the
# launcher gives standard input to rank 0 only), every rank opens the files
# the walk listed and not a symlink swapped in later, and a split file's
# parts on different ranks see one version of it.  Each case is repeated at
# -np 4 with rounds small enough (MPSEARCH_TEST_ROUNDS) that a unit of
# standard input would land on another rank without the rule.
. "$(dirname "$0")/lib.sh"
cd "$T"

mkdir -p sd
for i in 1 2 3 4 5 6; do echo "foo $i" >sd/f$i; done
ROUNDS=("" "5,1,7,0" "1,1,1,0")

# mpi NP ROUNDS ARGS...: mpsearch under mpirun, -j 1 per rank, standard
# input from the caller
mpi() {
	local np=$1 rounds=$2
	shift 2
	if [ -n "$rounds" ]; then
		env MPSEARCH_TEST_ROUNDS=$rounds $MPIRUN -x MPSEARCH_TEST_ROUNDS -np $np "$MPS" -j 1 "$@"
	else
		$MPIRUN -np $np "$MPS" -j 1 "$@"
	fi
}

# standard input among files: searched by rank 0, in its place
echo "foo stdin" | "$MPS" foo sd/f1 sd/f2 sd/f3 sd/f4 - sd/f5 >want
for np in 1 2 3 4; do
	for r in "${ROUNDS[@]}"; do
		for rep in 1 2; do
			[ $np = 4 ] || [ $rep = 1 ] || continue
			echo "foo stdin" | mpi $np "$r" foo sd/f1 sd/f2 sd/f3 sd/f4 - sd/f5 >out 2>err
			st=$?
			check_same "stdin np=$np rounds=$r #$rep" want out
			[ $st = 0 ] && ok || fail "stdin np=$np rounds=$r #$rep: exit $st"
		done
	done
done
# standard input alone (the operand a missing PATH means when it is not a terminal)
echo "foo alone" | mpi 4 "1,1,1,0" foo >out 2>/dev/null
echo "foo alone" | "$MPS" foo >want
check_same "stdin alone np=4" want out

# -f -: rank 0 reads the patterns and every rank searches with them
printf 'foo 2\nfoo 5\n' >pats
"$MPS" -f pats sd >want
for np in 1 2 3 4; do
	for r in "${ROUNDS[@]}"; do
		mpi $np "$r" -f - sd <pats >out 2>err
		st=$?
		check_same "-f - np=$np rounds=$r" want out
		[ $st = 0 ] && ok || fail "-f - np=$np rounds=$r: exit $st ($(head -c 200 err))"
	done
done
# -f - with a pattern that does not compile: said once, exit 2 everywhere
printf 'a(\n' | mpi 4 "" -E -f - sd >out 2>err
st=$?
[ $st != 0 ] && ok || fail "-f - bad pattern: exit $st"
[ "$(grep -c 'invalid pattern' err)" = 1 ] && ok || fail "-f - bad pattern reported $(grep -c 'invalid pattern' err) times"
[ ! -s out ] && ok || fail "-f - bad pattern: output $(head -c 200 out)"

# open what the walk listed: a file swapped for a symlink after the walk is
# not followed on any rank (each unit waits MPSEARCH_TEST_SLOW_MS before it
# opens its file; the tree is tiny, so the walk is over long before)
mkdir -p sw/t
echo "foo secret" >sw/secret
for i in 1 2 3 4 5 6; do echo "foo $i" >sw/t/f$i; done
for i in 1 3 4 6; do echo "sw/t/f$i:1:foo $i"; done >want
env MPSEARCH_TEST_SLOW_MS=1500 MPSEARCH_TEST_ROUNDS=1,1,1,0 \
	$MPIRUN -x MPSEARCH_TEST_SLOW_MS -x MPSEARCH_TEST_ROUNDS -np 3 "$MPS" -j 1 foo sw/t >out 2>err &
pid=$!
sleep 1
rm sw/t/f2 sw/t/f5
ln -s ../secret sw/t/f2
mkfifo sw/t/f5
timeout 60 tail --pid=$pid -f /dev/null
wait $pid
st=$?
check_same "symlink and FIFO swapped in under mpirun" want out
[ $st = 0 ] && ok || fail "symlink and FIFO swapped in under mpirun: exit $st ($(head -c 200 err))"

# one version per file: a big file named on the command line is split
# across the ranks; replaced while its parts are searched, it is an error
# and none of its lines is printed
seq 1 200000 | sed 's/$/ foo/' >big
env MPSEARCH_TEST_SLOW_MS=300 $MPIRUN -x MPSEARCH_TEST_SLOW_MS -np 3 "$MPS" -j 1 --chunk-size 64K -c foo big >out 2>err &
pid=$!
sleep 1.5
seq 1 1000 | sed 's/$/ foo bar/' >new
mv new big
wait $pid
st=$?
[ $st = 2 ] && ok || fail "split file replaced under mpirun: exit $st"
grep -qxF "mpsearch: big: changed while searched" err && ok ||
	fail "split file replaced under mpirun: message: $(head -c 300 err)"
[ ! -s out ] && ok || fail "split file replaced under mpirun: printed $(head -c 200 out)"

# --output inside the corpus is never searched
for i in 1 2; do
	$MPIRUN -np 2 "$MPS" -j 1 --output sd/result foo sd 2>/dev/null
	"$MPS" foo sd/f1 sd/f2 sd/f3 sd/f4 sd/f5 sd/f6 >want
	check_same "--output inside the corpus under mpirun, run $i" want sd/result
done

# mpirun killed (SIGKILL) in the middle of an --output run: the output is
# an unnamed file until it is complete, so nothing is left behind but,
# if the ranks went on to the end, the whole result
TAG="mps-trust-$$-$RANDOM"
mkdir -p ko
for i in $(seq 1 12); do echo "foo $i" >ko/in$i; done
env MPSEARCH_TEST_SLOW_MS=400 MPS_TEST_TAG=$TAG $MPIRUN -x MPSEARCH_TEST_SLOW_MS -x MPS_TEST_TAG \
	-np 2 "$MPS" -j 1 --output "$T/ko/res" foo ko >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -KILL $pid
wait $pid 2>/dev/null
for i in $(seq 50); do
	left=$(grep -lasF -- "MPS_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | tr '\n' ' ')
	[ -z "$left" ] && break
	sleep 0.2
done
[ -n "$left" ] && kill -KILL $left 2>/dev/null
ls ko | grep -v '^in[0-9]*$' >got
if [ -s got ]; then
	echo res >want
	check_same "mpirun killed: only the finished output, if any" want got
	"$MPS" foo ko/in* >want
	check_same "mpirun killed: a finished output is whole" want ko/res
else
	ok
fi

done_testing
