#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Results written once: workers format the lines of the units they can
# into their output rings, and the pool writes that text in order.  Every
# answer (standard output, standard error, exit status, --stats totals) is
# the one the records path gives (MPSEARCH_TEST_NO_TEXT), in every mode
# the workers format and in those they leave to the printer, at -j 1 and
# -j 2, with rings so small that units wait for room and fall back
# (MPSEARCH_TEST_RING_KB), with split files, binary files, lines that are
# not UTF-8, and a worker that dies mid-batch; the rings are used; and the
# parts are cut as README says (8M when formatting, walked files from 1 MB).
. "$(dirname "$0")/lib.sh"
cd "$T"

make_tree d 41 120
printf 'PM_RESUME e\0binary e\n' > d/bin.dat
printf 'caf\xe9 e PM_RESUME\nplain e\n' > d/latin1.txt
# a file big enough to be split at --chunk-size 64K, with every line a match
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "line %d e PM_RESUME %s\n", i, (i % 3 ? "x" : "yy") }' > d/big.txt

# --json's summary says how long the search took
untimed() {
	sed -E 's/"(human|nanos|secs)":[^,}]*//g'
}

# same NAME ARGS...: the text path against the records path
same() {
	local name=$1
	shift
	MPSEARCH_TEST_NO_TEXT=1 "$MPS" "$@" 2> ref.err | untimed > ref.out
	echo "${PIPESTATUS[0]}" > ref.rc
	"$MPS" "$@" 2> got.err | untimed > got.out
	echo "${PIPESTATUS[0]}" > got.rc
	check_same "$name: stdout" ref.out got.out
	check_same "$name: stderr" ref.err got.err
	check_same "$name: status" ref.rc got.rc
}

for loc in C C.UTF-8; do
	export LC_ALL=$loc
	for j in 1 2; do
		for mode in "" -N -o --color=always -b -w -i -v --column -h -Z -c -l -C1 -m2 --json; do
			for pat in e PM_RESUME; do
				same "$loc -j$j $mode $pat" -j "$j" $mode "$pat" d
				same "$loc -j$j $mode $pat split" -j "$j" --chunk-size 64K $mode "$pat" d
			done
		done
		export MPSEARCH_TEST_RING_KB=4
		same "$loc -j$j small ring" -j "$j" e d
		same "$loc -j$j small ring split" -j "$j" --chunk-size 64K e d
		unset MPSEARCH_TEST_RING_KB
	done
done
export LC_ALL=C

# the oracle: grep, on a tree without the binary file
rm d/bin.dat
"$MPS" -n e d | sort > got
grep -rn e d | sort > want
check_same "grep -rn e" want got

# --stats: the same totals (times aside)
totals() {
	grep -E '^(files|mpsearch-stats)' | sed -E 's/ [a-z_]+_s=[0-9.]+//g; s/serial_share=[0-9.]+//; s/imbalance=[0-9.]+//'
}
MPSEARCH_TEST_NO_TEXT=1 "$MPS" --stats -j 2 --chunk-size 64K e d 2>&1 >/dev/null | totals > ref
"$MPS" --stats -j 2 --chunk-size 64K e d 2>&1 >/dev/null | totals > got
check_same "--stats totals" ref got

# the rings are used: whole files and parts are formatted by the workers
"$MPS" --stats -j 2 --chunk-size 64K e d 2>&1 >/dev/null |
	sed -n 's/.* formatted \([0-9]*\)$/\1/p' | awk '{ n += $1 } END { print n }' > formatted
[ "$(cat formatted)" -gt 100 ] && ok || fail "only $(cat formatted) units formatted by the workers"
MPSEARCH_TEST_NO_TEXT=1 "$MPS" --stats e d 2>&1 >/dev/null | grep -c ' formatted 0$' > none
[ "$(cat none)" -ge 1 ] && ok || fail "the records path formats in the workers"

# units: parts are at most 8M when the workers format the lines (a 17 MB
# file: 3 parts), the default 64M when they do not (-c: 1); a file found
# while walking is cut only from 1 MB on, a named one at the chunk size
units() {
	"$MPS" --stats "$@" 2>&1 >/dev/null | sed -n 's/^worker [0-9]*: .* units \([0-9]*\) .*/\1/p' |
		awk '{ n += $1 } END { print n }'
}
mkdir big
yes 'a line with e in it' | head -c 17M > big/f
[ "$(units e big/f)" = 3 ] && ok || fail "17 MB formatted: $(units e big/f) units, not 3"
[ "$(units -c e big/f)" = 1 ] && ok || fail "17 MB counted: $(units -c e big/f) units, not 1"
mkdir small
head -c 900K big/f > small/f
[ "$(units --chunk-size 4K e small)" = 1 ] && ok || fail "900 KB walked: $(units --chunk-size 4K e small) units"
[ "$(units --chunk-size 4K e small/f)" -gt 100 ] && ok || fail "900 KB named: $(units --chunk-size 4K e small/f) units"

# a worker that dies mid-batch (once): its units are redone, and what it
# had formatted and sent is printed once
"$MPS" -j 2 e d > ref
for unit in 3 40 90; do
	rm -f marker
	MPSEARCH_TEST_ABORT_UNIT=$unit MPSEARCH_TEST_ABORT_ONCE=$T/marker "$MPS" -j 2 e d > got 2>/dev/null
	[ -e marker ] && ok || fail "unit $unit: no worker was killed"
	check_same "a worker killed at unit $unit" ref got
done

done_testing
