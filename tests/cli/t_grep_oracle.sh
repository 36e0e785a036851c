#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Sorted output equals GNU grep's (-rn and the same flags) on a generated
# tree, for every option both tools share; and exit codes agree.  All of
# it in the C locale and again in C.UTF-8.
. "$(dirname "$0")/lib.sh"

make_tree "$T/tree" 42 160
cd "$T"
for LOC in C C.UTF-8; do
export LC_ALL=$LOC

# mpsearch's own order must already be sorted by path, then line number
sorted_by_path_line() {
	sort -t: -k1,1 -k2,2n -s
}

run_pair() { # NAME, then the shared flags and pattern
	local name=$1
	shift
	"$MPS" "$@" tree > mps.out 2>mps.err
	local ms=$?
	grep -r "$@" tree > grep.out 2>grep.err
	local gs=$?
	sort mps.out > a
	sort grep.out > b
	check_same "$name ($LC_ALL): sorted output vs grep" b a
	[ "$ms" = "$gs" ] && ok || fail "$name ($LC_ALL): exit $ms vs grep $gs"
}

for flags in "-F" "-Fi" "-Fw" "-Fx" "-Fv" "-Fiw" "-Fo" "-Fio" "-Fwo" "-Fn" "-FnH" "-Fh" "-Fvi"; do
	for pat in PM_RESUME foo a.b '[x]' 'end$' '^start' 'back\slash' 'alpha beta' zzz_nomatch; do
		run_pair "$flags '$pat'" $flags -n "$pat"
	done
done

# -N (no line numbers) against grep without -n
"$MPS" -N foo tree | sort > a; grep -r foo tree | sort > b
check_same "-N" b a

# several keywords, pattern files
run_pair "-e x3" -n -F -e ERR_SYS -e PME_TURN_OFF -e LINK_REQ_RST
printf 'CFG_BME_EVT\nLINK_REQ_RST\nmutex_lock\n' > pats
run_pair "-f" -n -F -f pats
run_pair "-f -w" -n -F -w -f pats
run_pair "-f -i -v" -n -F -i -v -f pats

# extended regex
for re in '[A-Z]+_RESUME' 'foo|bar' '^(alpha|beta) ' 'P.?_RES' 'a\.b' '[0-9]{2,}' 'x$'; do
	run_pair "-E '$re'" -n -E "$re"
	run_pair "-E -i '$re'" -n -E -i "$re"
	run_pair "-E -w '$re'" -n -E -w "$re"
	run_pair "-E -o '$re'" -n -E -o "$re"
done

# -l, -L, -c (mpsearch -c lists only files with matches, like ripgrep)
for pat in PM_RESUME foo zzz_nomatch; do
	run_pair "-l $pat" -F -l "$pat"
	run_pair "-L $pat" -F -L "$pat"
	run_pair "-l -i $pat" -F -li "$pat"
	"$MPS" -c "$pat" tree | sort > a
	grep -rc "$pat" tree | grep -v ':0$' | sort > b
	check_same "-c $pat" b a
	"$MPS" -c -v "$pat" tree | sort > a
	grep -rcv "$pat" tree | grep -v ':0$' | sort > b
	check_same "-cv $pat" b a
done

# -m per file
run_pair "-m 2" -n -F -m 2 foo
run_pair "-m 1 -v" -n -F -m 1 -v foo
"$MPS" -c -m 3 foo tree | sort > a
grep -rc -m 3 foo tree | grep -v ':0$' | sort > b
check_same "-c -m 3" b a

# context: compare file by file in order (grep prints '--' between groups)
for f in $(find tree -type f | sort | awk 'NR % 6 == 1'); do
	for c in "-C1" "-A2" "-B3" "-A1 -B2" "-C2 -v" "-m2 -A3" "-m1 -C1 -v"; do
		"$MPS" -n $c foo "$f" > a 2>&1
		grep -n $c foo "$f" > b 2>&1
		check_same "context $c $f" b a
	done
done
# context over a whole tree: group separators between files too
"$MPS" -n -C1 PM_RESUME tree > a
[ "$(grep -c '^--$' a)" -gt 0 ] && ok || fail "context separators present"

# a single file operand: no file name; several: names
f=$(find tree -type f -name 'f001.txt')
"$MPS" foo "$f" > a; grep -n foo "$f" > b; check_same "single file" b a
"$MPS" foo "$f" "$f" > a; grep -n foo "$f" "$f" > b; check_same "same file twice" b a

# standard input
cat "$f" | "$MPS" foo > a; grep -n foo "$f" > b; check_same "stdin" b a
cat "$f" | "$MPS" foo - > a; check_same "stdin -" b a
cat "$f" | "$MPS" -H foo > a; grep -Hn foo < "$f" > b; check_same "stdin -H" b a

# the order of a run is already path then line number
"$MPS" -n foo tree > a
sorted_by_path_line < a > b
check_same "output order" b a

# exit codes
expect_status "match" 0 "$MPS" foo tree
expect_status "no match" 1 "$MPS" zzz_nomatch tree
expect_status "missing operand" 2 "$MPS" foo tree/does-not-exist
expect_status "missing + match" 2 "$MPS" foo tree tree/does-not-exist
expect_status "-q missing + match" 0 "$MPS" -q foo tree/does-not-exist tree
expect_status "-q nomatch" 1 "$MPS" -q zzz_nomatch tree
expect_status "-s still 2" 2 "$MPS" -s foo tree/does-not-exist
"$MPS" -s foo tree/does-not-exist 2> err; [ ! -s err ] && ok || fail "-s silences"
"$MPS" foo tree/does-not-exist 2> err
grep -q "mpsearch: cannot open 'tree/does-not-exist': No such file or directory" err && ok ||
	fail "error message: $(cat err)"

done
done_testing
