#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Standard input and FIFOs are streams: -m, -q and -l stop reading them as
# soon as the search is done, and a line that comes alone is searched at
# once (the writer here keeps its end open for 30 s after the line; the
# search must be over long before).  Their output is written as it is
# found: a reader sees the first line while the writer still sleeps (a
# margin of seconds), with --line-buffered, into a pipe without it, on a
# terminal, through a FIFO operand and from tail -f; and it is what grep
# and ripgrep print for the same input.
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

# ---- output as it is found ----
# stamp START OUT: copy standard input to OUT; on fd 3 the milliseconds from
# START (date +%s%N) to the first line, then to the end
stamp() {
	python3 -c '
import sys, time
start = int(sys.argv[1]) / 1e9
first = None
with open(sys.argv[2], "wb") as out:
    for line in sys.stdin.buffer:
        if first is None:
            first = time.time() - start
        out.write(line.replace(b"\r\n", b"\n"))  # (a terminal ends lines with CR LF)
end = time.time() - start
print(int((first if first is not None else -1) * 1000), int(end * 1000))' "$@" >&3
}
# late_ok NAME: the first line came before 2 s, the end after 3 s (the
# writer sleeps 3 s between its two lines), both lines are there
late_ok() {
	local first end
	read -r first end < ms
	[ "$first" -ge 0 ] && [ "$first" -lt 2000 ] && ok ||
		fail "$1: first line after $first ms (the writer sleeps 3 s after it)"
	[ "$end" -ge 3000 ] && ok || fail "$1: over after $end ms, before the writer's end"
	printf 'ERROR a\nERROR b\n' > want
	check_same "$1: output" want out
}
writer() { echo ERROR a; echo fine; sleep 3; echo ERROR b; }

s=$(date +%s%N)
writer | "$MPS" --line-buffered --no-line-number ERROR | stamp "$s" out 3> ms
late_ok "--line-buffered on a pipe"
s=$(date +%s%N)
writer | "$MPS" --no-line-number ERROR | stamp "$s" out 3> ms
late_ok "a pipe into a pipe (written out before each read)"
s=$(date +%s%N)
writer > fifo &
"$MPS" --line-buffered --no-line-number ERROR fifo | stamp "$s" out 3> ms
wait
late_ok "a FIFO operand"
# standard output a terminal: line-buffered without being asked
s=$(date +%s%N)
script -qec "sh -c '(echo ERROR a; echo fine; sleep 3; echo ERROR b) | \"$MPS\" --color=never --no-line-number ERROR'" /dev/null |
	stamp "$s" out 3> ms
late_ok "standard output a terminal"
# a file before the stream is written out before the stream is waited for
echo "ERROR 0" > before.txt
s=$(date +%s%N)
writer | "$MPS" --line-buffered --no-filename --no-line-number ERROR before.txt - | stamp "$s" out 3> ms
read -r first end < ms
[ "$first" -ge 0 ] && [ "$first" -lt 2000 ] && ok || fail "a file before a stream: first line after $first ms"
printf 'ERROR 0\nERROR a\nERROR b\n' > want
check_same "a file before a stream: output" want out

# tail -f: each matching line as it arrives
: > log
tail -f log > pipe 2> /dev/null &
tailpid=$!
"$MPS" --no-line-number ERROR < pipe > out &
mpid=$!
echo "ERROR tail 1" >> log
for _ in $(seq 100); do grep -q "ERROR tail 1" out && break; sleep 0.1; done
grep -q "ERROR tail 1" out && ok || fail "tail -f: the first line did not come within 10 s"
echo "nothing" >> log
echo "ERROR tail 2" >> log
for _ in $(seq 100); do grep -q "ERROR tail 2" out && break; sleep 0.1; done
grep -q "ERROR tail 2" out && ok || fail "tail -f: the second line did not come within 10 s"
kill $tailpid
wait $tailpid 2> /dev/null
wait $mpid
rc=$?
[ $rc = 0 ] && ok || fail "tail -f: exit $rc after tail ended"
printf 'ERROR tail 1\nERROR tail 2\n' > want
check_same "tail -f: output" want out

# ---- a stream prints what grep and ripgrep print for the same input ----
awk 'BEGIN { for (i = 1; i <= 30000; i++) print (i % 13 == 0 ? "x needle " i : "line " i) }' > in.txt
for m in "-n" "-b" "-n -C2" "-n -A3 -m5" "-c" "-o -b" "-v -c" "-n -B1 --color=always"; do
	grep $m needle in.txt > want
	cat in.txt | "$MPS" --no-line-number $m needle > out
	check_same "stream $m as grep" want out
done
cat in.txt | rg --json -C1 needle | grep -v '"type":"summary"' | grep -v '"type":"end"' > want
cat in.txt | "$MPS" --json -C1 --label '<stdin>' needle | grep -v '"type":"summary"' |
	grep -v '"type":"end"' > out
check_same "stream --json as rg" want out
# a NUL byte late in a stream: the lines before it are printed, as grep does
{ cat in.txt; awk 'BEGIN { for (i = 0; i < 40000; i++) print "filler" }'; printf 'z\0z\n'; cat in.txt; } > late.bin
grep -n needle late.bin > want 2> /dev/null
cat late.bin | "$MPS" -n needle > out 2> err
check_same "stream with a late NUL as grep" want out
echo "mpsearch: (standard input): binary file matches" > want
check_same "stream with a late NUL: the note" want err

done_testing
