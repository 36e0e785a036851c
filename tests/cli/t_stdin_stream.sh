#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Standard input and FIFOs are streams: -m, -q and -l stop reading them as
# soon as the search is done, and a line that comes alone is searched at
# once (the writer here keeps its end open for 30 s after the line; the
# search must be over long before).
. "$(dirname "$0")/lib.sh"
cd "$T"

# elapsed CMD...: run CMD, print the seconds it took on fd 3
elapsed() {
	local s e
	s=$(date +%s%N)
	"$@"
	local rc=$?
	e=$(date +%s%N)
	echo $(((e - s) / 1000000)) >&3
	return $rc
}

# paused_writer FIFO TEXT: write TEXT to FIFO, then keep it open (sets $writer)
paused_writer() {
	(printf '%s\n' "$2"; exec sleep 30) > "$1" 2> /dev/null &
	writer=$!
}
stop_writer() {
	kill "$writer" 2> /dev/null
	wait "$writer" 2> /dev/null
}
mkfifo pipe fifo

# ---- -m1 on standard input whose writer pauses after the line ----
paused_writer pipe needle
elapsed "$MPS" -m1 needle < pipe > out 3> ms
rc=$?
stop_writer
[ $rc = 0 ] && ok || fail "-m1 on a pipe: exit $rc"
grep -q needle out && ok || fail "-m1 on a pipe: $(cat out)"
[ "$(cat ms)" -lt 3000 ] && ok || fail "-m1 on a pipe took $(cat ms) ms (the writer pauses 30 s)"

# ---- -q and -l on an endless pipe ----
yes needle | timeout 20 "$MPS" -q needle
rc=$?
[ $rc = 0 ] && ok || fail "yes | -q: exit $rc"
yes needle | timeout 20 "$MPS" -l needle > out
rc=$?
[ $rc = 0 ] && ok || fail "yes | -l: exit $rc"
echo "(standard input)" > want
check_same "yes | -l" want out
paused_writer pipe needle
elapsed "$MPS" -q needle < pipe 3> ms
stop_writer
[ "$(cat ms)" -lt 3000 ] && ok || fail "-q on a pipe took $(cat ms) ms"

# ---- a FIFO named on the command line ----
paused_writer fifo "x needle"
elapsed "$MPS" -m1 needle fifo > out 3> ms
rc=$?
stop_writer
[ $rc = 0 ] && ok || fail "-m1 on a FIFO: exit $rc"
[ "$(cat ms)" -lt 3000 ] && ok || fail "-m1 on a FIFO took $(cat ms) ms"
grep -q "x needle" out && ok || fail "-m1 on a FIFO: $(cat out)"

# ---- without -m, a pipe is read to its end ----
printf 'needle\nno\nneedle\n' | "$MPS" -c needle > out
echo 2 > want
check_same "-c reads a pipe to its end" want out
(printf 'needle 1\n'; sleep 0.3; printf 'needle 2\n') | "$MPS" needle > out
grep -c needle out | grep -q '^2$' && ok || fail "a paused pipe: $(cat out)"

done_testing
