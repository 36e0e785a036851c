#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The parts of a split file are printed as they come: the first lines of a
# big file reach a reader while its later parts are still searched (the
# test switch MPSEARCH_TEST_SLOW_FROM=ID:MS makes every unit from id ID on
# MS ms late), and `| head -1` returns early.  What is printed is what
# grep prints (and, for ripgrep's formats, what the unsplit search
# prints), for every mode, at small chunk sizes, -j1 and -j2; a NUL byte
# late in a split file stops its output there, as grep's.
. "$(dirname "$0")/lib.sh"
cd "$T"

# stamp START: read standard input; on fd 3 the milliseconds from START
# (date +%s%N) to the first line and to the end, and the number of lines
stamp() {
	python3 -c '
import sys, time
start = int(sys.argv[1]) / 1e9
first, n = None, 0
for line in sys.stdin.buffer:
    if first is None:
        first = time.time() - start
    n += 1
print(int((first if first is not None else -1) * 1000), int((time.time() - start) * 1000), n)' "$@" >&3
}

awk 'BEGIN { for (i = 0; i < 200000; i++) print (i % 10 == 0 ? "e" i " hello" : "x" i " filler line of text here") }' > big.txt
nlines=$(grep -c e big.txt)
for j in 1 2; do
	s=$(date +%s%N)
	MPSEARCH_TEST_SLOW_FROM=1:1000 "$MPS" -j $j --chunk-size 1M e big.txt | stamp "$s" 3> ms
	read -r first end n < ms
	[ "$n" = "$nlines" ] && ok || fail "-j$j: $n lines, want $nlines"
	[ "$end" -ge 2500 ] && ok || fail "-j$j: the run took $end ms (5 parts 1 s late each)"
	[ "$first" -ge 0 ] && [ "$first" -lt $((end - 1500)) ] && ok ||
		fail "-j$j: first line after $first ms of $end ms"
	s=$(date +%s%N)
	MPSEARCH_TEST_SLOW_FROM=1:1000 "$MPS" -j $j --chunk-size 1M e big.txt | head -1 > out
	e=$((($(date +%s%N) - s) / 1000000))
	[ "$e" -lt 1500 ] && ok || fail "-j$j | head -1 took $e ms"
	echo "1:e0 hello" > want
	check_same "-j$j | head -1" want out
done

# ---- the same answers as grep, split in small parts ----
awk 'BEGIN { srand(7); for (i = 1; i <= 6000; i++) {
	r = int(rand() * 9)
	print (r == 0 ? "alpha needle " i : r == 1 ? "needle needle x" : r == 2 ? "" : "line " i " text") } }' > a.txt
cp a.txt b.txt
GMODES=("-n" "-n -b" "-o -n" "-c" "-l" "-L" "-n -m 7" "-n -A2" "-n -B3" "-n -C1" "-n -C2 -m 9"
	"-n --color=always" "-n -v" "-c -v" "-n -v -A1" "-o -b -n")
for loc in C C.UTF-8; do
	for m in "${GMODES[@]}"; do
		LC_ALL=$loc grep $m needle a.txt b.txt > want
		for j in 1 2; do
			for cs in 100 1K; do
				LC_ALL=$loc "$MPS" -j $j --chunk-size $cs $m needle a.txt b.txt > out
				check_same "$loc $m -j$j --chunk-size $cs as grep" want out
			done
		done
	done
	# ripgrep's formats: as the unsplit search
	for m in "--json" "--heading" "--vimgrep" "--column" "--multiline" "--json -C2" "--heading -A1"; do
		LC_ALL=$loc "$MPS" -j1 $m needle a.txt b.txt | grep -v '"type":"summary"' > want
		for j in 1 2; do
			for cs in 100 1K; do
				LC_ALL=$loc "$MPS" -j $j --chunk-size $cs $m needle a.txt b.txt |
					grep -v '"type":"summary"' > out
				check_same "$loc $m -j$j --chunk-size $cs as unsplit" want out
			done
		done
	done
done

# ---- a line with an encoding error in a later part (grep's rule in a
# UTF-8 locale: the parts before are printed at once, the rest held) ----
{ head -n 3000 a.txt; printf 'needle \377 bad\nline\nneedle after\n'; tail -n 3000 a.txt; } > enc.txt
for loc in C C.UTF-8; do
	for m in "-n" "-n -A2" "-n -C1" "-o -n" "-c"; do
		LC_ALL=$loc grep $m needle enc.txt > want 2> gerr
		sed 's/^grep:/mpsearch:/' gerr > want.err
		for cs in 100 1K; do
			LC_ALL=$loc "$MPS" -j 2 --chunk-size $cs $m needle enc.txt > out 2> err
			check_same "$loc encoding error $m --chunk-size $cs as grep" want out
			check_same "$loc encoding error $m --chunk-size $cs: stderr as grep" want.err err
		done
	done
done

# ---- a NUL byte late in a split file: output stops there, as grep's ----
{ cat a.txt; awk 'BEGIN { for (i = 0; i < 20000; i++) print "filler" }'; printf 'z\0z\n'; cat a.txt; } > late.bin
for m in "-n" "-n -A1" "-c" "-l" "-L" "-I -n" "-I -l" "-I -L" "-q" "-I -q"; do
	grep $m needle late.bin > want 2> gerr
	gst=$?
	sed 's/^grep:/mpsearch:/' gerr > want.err
	for j in 1 2; do
		"$MPS" -j $j --chunk-size 1K $m needle late.bin > out 2> err
		st=$?
		[ $st = $gst ] && ok || fail "late NUL $m -j$j: exit $st, grep $gst"
		check_same "late NUL $m -j$j: output as grep" want out
		check_same "late NUL $m -j$j: stderr as grep" want.err err
	done
done

# ---- --line-buffered writes each line at once, in every mode ----
# (counted as the write calls to standard output, when strace can trace)
printf 'needle 1\nx\nneedle 2\nneedle 3\n' > lb1.txt
cp lb1.txt lb2.txt
if strace -qq -e trace=write -o /dev/null true 2> /dev/null; then
	for m in "-n" "-o" "-c" "-l" "-L x" "-n -A1" "--json" "-n --chunk-size 4"; do
		strace -f -qq -e trace=write -o tr "$MPS" --line-buffered $m needle lb1.txt lb2.txt > out
		w=$(grep -c 'write(1,' tr)
		# a "--" goes out with the line after it, JSON's "begin" with the
		# file's first match
		want=$(grep -vc -e '^--$' -e '"type":"begin"' out)
		[ "$w" = "$want" ] && ok || fail "--line-buffered $m: $w writes for $want lines"
	done
else
	echo "# strace cannot trace here: --line-buffered write counts skipped"
fi

done_testing
