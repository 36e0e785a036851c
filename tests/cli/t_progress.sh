#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The progress bar in a pseudo-terminal (script -qec): off by default when
# the results go to that terminal, on when they go to a file; with
# --progress on the terminal the results go to, the bar is erased before
# results and drawn again after them, so no result line carries bar text;
# the bar shows the rate.  Units are slowed down (MPSEARCH_TEST_SLOW_MS)
# so that the bar is drawn between results, not only at the end.
. "$(dirname "$0")/lib.sh"
command -v script > /dev/null || { echo "# script (util-linux) missing"; exit 77; }
script -qec true /dev/null > /dev/null 2>&1 || { echo "# no pseudo-terminal"; exit 77; }
cd "$T"

mkdir d
for i in $(seq 1 24); do
	seq 1 200 | sed "s/^/needle $i /" > "d/f$i"
done
"$MPS" -rn needle d > ref

# in_pty FILE CMD: run CMD in a pseudo-terminal; its terminal output in FILE
in_pty() {
	local out=$1
	shift
	MPSEARCH_TEST_SLOW_MS=40 script -qec "$*" /dev/null > "$out" 2>&1
}

# visible FILE: the lines as the terminal shows them (\r goes back to the
# line's start, ESC[K erases to its end; the terminal's \r\n is a newline)
visible() {
	python3 -c '
import sys
raw = open(sys.argv[1], "rb").read().decode("latin1").replace("\r\n", "\n")
for l in raw.split("\n"):
    out, col, i = [], 0, 0
    while i < len(l):
        if l.startswith("\x1b[K", i):
            del out[col:]
            i += 3
            continue
        if l[i] == "\r":
            col = 0
        elif col < len(out):
            out[col] = l[i]
            col += 1
        else:
            out.append(l[i])
            col += 1
        i += 1
    print("".join(out))
' "$1"
}

# ---- 1. default: results on the terminal, no bar ----
in_pty t1 "$MPS" --color=never -j 2 -rn needle d
grep -a -q "mpsearch: " t1 && fail "default on a shared terminal: a bar was drawn" || ok
visible t1 | grep -v '^$' > v1
check_same "default on a shared terminal: results" ref v1

# ---- 2. default: results to a file, the bar on the terminal ----
in_pty t2 "$MPS" --color=never -j 2 -rn needle d "> out2"
check_same "default, results to a file: results" ref out2
grep -a -q "mpsearch: \[####################\] 100%" t2 && ok || fail "default, results to a file: no bar"
grep -a -q " MB/s" t2 && ok || fail "no rate in the bar: $(tr '\r' '\n' < t2 | head -3)"
in_pty t2b "$MPS" --color=never -j 2 -rn needle d "| cat > out2b"
grep -a -q "mpsearch: " t2b && ok || fail "default, results to a pipe: no bar"
check_same "default, results to a pipe: results" ref out2b
in_pty t2c "$MPS" --color=never --no-progress -j 2 -rn needle d "> out2c"
grep -a -q "mpsearch: " t2c && fail "--no-progress: a bar was drawn" || ok
in_pty t2d "$MPS" --color=never -j 2 -rn --output=out2d needle d
grep -a -q "mpsearch: " t2d && ok || fail "--output: no bar"
check_same "--output: results" ref out2d

# ---- 3. --progress on the terminal of the results ----
for buffering in --line-buffered ""; do
	in_pty t3 "$MPS" --progress $buffering --color=never -j 2 -rn needle d
	visible t3 > v3
	# every result line is whole, and the bar is on no result line
	grep -a needle v3 > r3
	check_same "--progress $buffering: result lines" ref r3
	if grep -a needle v3 | grep -a -q "mpsearch"; then
		fail "--progress $buffering: a result line carries bar text"
	else
		ok
	fi
	grep -a -v needle v3 | grep -a -v '^$' > b3
	[ "$(grep -a -c '^mpsearch: ' b3)" = "$(wc -l < b3)" ] && ok ||
		fail "--progress $buffering: stray text: $(grep -a -v '^mpsearch: ' b3 | head -3)"
	tail -n 2 v3 | grep -a -q "100%" && ok || fail "--progress $buffering: no final bar after the results"
done
# with --line-buffered the bar is drawn between results (erased, drawn again)
in_pty t4 "$MPS" --progress --line-buffered --color=never -j 2 -rn needle d
draws=$(grep -a -o "mpsearch: " t4 | wc -l)
[ "$draws" -ge 3 ] && ok || fail "--progress --line-buffered: drawn $draws times"

done_testing
