#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# grep 3.8's answers for binary files, for lines with invalid UTF-8 (left out
# in a UTF-8 locale), and for the options grep users type
# (-b, -T, -z, --label, -I, --binary-files, group separators, --line-buffered,
# --exclude-from, -d, -D, -C0, include/exclude order, -L -m0, -o with an
# empty pattern, -f /dev/null, -m on standard input): stdout, stderr (the
# program name aside) and exit status equal GNU grep's on the same bytes, in
# the C and C.UTF-8 locales, with one worker, and with two and files split
# in 1 KiB parts.
. "$(dirname "$0")/lib.sh"
MAN=$(cd "$(dirname "$0")/../../doc" && pwd)/mpsearch.1
cd "$T"

# ---- fixtures (ASCII, so that both locales read them the same) ----
printf 'one two\nthree\ntwo two\nfour\nfive\nsix two\n' > f
printf 'two\n\ntwo\n' > e
printf 'a\0a\nb\na\n' > bin1           # NUL ends a line when matching
printf 'x\0y\nb\n' > bin2
printf 'ab\ncd\0ef\nab\0' > z           # -z records
printf 'one\ntwo\nthree\ntwo\nx\n' > g
seq 1 3000 | sed 's/$/ two/' > big      # split at 1k, -T pads to 5 digits
{ seq 1 400 | sed 's/$/ two/'; printf 'bin\0ary two\n'; seq 1 400; } > bigbin
mkdir -p d/sub ie/sub
echo two > d/sub/x
for n in a.c ab.c b.h x.txt sub/a.c sub/y.h; do echo two > "ie/$n"; done
printf '*.h\n  \nx.t*  \n' > exf
# invalid UTF-8 (a UTF-8 locale leaves such lines out, as binary data)
printf 'foo ok\nx\ny\nfoo \377\nz\n' > u1
printf 'foo \377\nctx\nfoo ok\n' > u2
printf 'a\nb \377\nfoo\nc\n' > u3
printf 'foo \377\nfoo \376\nfoo\n' > u4
printf 'foo\nb \377\nfoo\n' > u5
printf 'a\nb \377\nc\nfoo\nd\n' > u6
printf 'foo\377 foo caf\303\251 \355\240\200 \300\200 \364\220\200\200 foo\n' > u7

# vs_grep NAME ARGS...: mpsearch ARGS (three ways) against grep ARGS.  -N
# is mpsearch's (no line numbers, grep's default) and is not given to grep.
vs_grep() {
	local name=$1 a gargs=()
	shift
	for a in "$@"; do [ "$a" = -N ] || gargs+=("$a"); done
	grep "${gargs[@]}" > want.out 2> want.err
	echo "exit $?" >> want.err
	sed -i 's/^grep: /mpsearch: /' want.err
	for how in "-j1" "-j2 --chunk-size=1k"; do
		# shellcheck disable=SC2086
		"$MPS" $how "$@" > got.out 2> got.err
		echo "exit $?" >> got.err
		check_same "$LC_ALL: $name ($how): stdout" want.out got.out
		check_same "$LC_ALL: $name ($how): stderr and status" want.err got.err
	done
}

# vs_grep_sorted NAME ARGS...: the same, both outputs sorted (grep -r
# lists a directory in readdir order)
vs_grep_sorted() {
	local name=$1
	shift
	grep "$@" 2>&1 | sort > want.out
	"$MPS" -j2 "$@" 2>&1 | sort > got.out
	check_same "$LC_ALL: $name" want.out got.out
}

for loc in C C.UTF-8; do
	export LC_ALL=$loc

	# binary files: a match counts for -l/-c/-q/-L and the status; a
	# plain search notes it on stderr; NUL ends a line when matching
	vs_grep "binary: plain" a bin1
	vs_grep "binary: -n -H, two files and a missing one" -n -H a bin1 bin2 f
	vs_grep "binary: -c" -c a bin1
	vs_grep "binary: -c -v" -c -v zz bin1
	vs_grep "binary: -c -x (NUL ends a line)" -c -x a bin1
	vs_grep "binary: -c -E ^y (NUL ends a line)" -c -E '^y' bin2
	vs_grep "binary: -v" -v a bin2
	vs_grep "binary: -l" -l a bin1 bin2 f
	vs_grep "binary: -L" -L a bin1 bin2 f
	vs_grep "binary: -L, no match" -L zz bin1
	vs_grep "binary: -q" -q a bin1
	vs_grep "binary: -o -b" -o -b a bin1
	vs_grep "binary: -s still notes it" -s a bin1
	vs_grep "binary: -c -m1" -c -m1 a bin1
	vs_grep "binary: -n -C1" -n -C1 a bin1 f
	vs_grep "binary first: the next group gets a --" -n -C1 -e a -e two bin1 f
	vs_grep "binary between: --" -n -A0 -e a -e two f bin1 e
	vs_grep "binary, split: -c" -c two bigbin
	vs_grep "binary, split: -l" -l two bigbin big
	vs_grep "binary, split: -q" -q two bigbin
	vs_grep "binary, split: -c -m5" -c -m5 two bigbin
	vs_grep "binary, split: -c -v" -c -v two bigbin
	vs_grep "binary, split: -L" -L two bigbin big
	vs_grep "binary, split: plain (no lines, a note)" -n ary bigbin
	vs_grep "-I: plain" -I a bin1
	vs_grep "-I: -l" -l -I a bin1 f
	vs_grep "-I: -L" -L -I a bin1 f
	vs_grep "-I: -q" -q -I a bin1
	vs_grep "-I, split: -l" -l -I two bigbin big
	vs_grep "--binary-files=without-match" -l --binary-files=without-match a bin1
	vs_grep "--binary-files=text" -n --binary-files=text a bin1
	vs_grep "--binary-files=binary" --binary-files=binary a bin1
	vs_grep "-a" -n -a a bin1
	vs_grep "-I -a: the last wins" -n -I -a a bin1
	vs_grep "-a -I: the last wins" -n -a -I a bin1

	# encoding errors: in C.UTF-8 grep leaves those lines out (the rest is
	# printed) and says "binary file matches"; in C they are plain bytes
	vs_grep "utf8: plain" -n foo u1 u2 u3 u4 u5 u7
	vs_grep "utf8: -A0" -n -A0 foo u1
	vs_grep "utf8: -A1 after a line left out" -n -A1 foo u2
	vs_grep "utf8: -B2 over a line left out" -n -B2 foo u3
	vs_grep "utf8: -C1" -n -C1 foo u4 u5
	vs_grep "utf8: -v" -n -v foo u6
	vs_grep "utf8: -v -C1" -n -v -C1 foo u6
	vs_grep "utf8: -o" -n -o -e foo -e caf u7
	vs_grep "utf8: -o -b" -n -o -b -e 'foo' -e ' ' u7
	vs_grep "utf8: -c, -l" -c foo u1 u4
	vs_grep "utf8: -l" -l foo u1 u4
	vs_grep "utf8: -m1" -n -m1 foo u4
	vs_grep "utf8: -I leaves them out quietly" -n -I foo u1 u4
	vs_grep "utf8: -a prints them" -n -a foo u1 u7

	# -b: offset of the line, or of each match with -o
	vs_grep "-b" -N -b two f
	vs_grep "-nb" -n -b two f
	vs_grep "-nbo" -n -b -o two f
	vs_grep "-nb -A1 (context lines too)" -n -b -A1 three f
	vs_grep "-nb, split" -n -b 99 big
	vs_grep "-nbo -v" -n -b -o -v two f

	# -T: tab after the prefixes, numbers padded to the file size's width
	vs_grep "-T without a prefix" -N -T two f
	vs_grep "-Tn" -n -T two f
	vs_grep "-TnH" -n -T -H two f
	vs_grep "-TnHb" -n -T -H -b two f
	vs_grep "-TnHbo" -n -T -H -b -o two f
	vs_grep "-Tn -A1" -n -T -A1 two f
	vs_grep "-Tn, empty line: no tab" -n -T -E '^$' e
	vs_grep "-Tn -A1, empty context line" -n -T -A1 -E '^two' e
	vs_grep "-Tnb, split" -n -T -b 299 big
	vs_grep "-T -c" -T -c -H two f
	vs_grep "-T -Z" -n -T -Z -H two f
	vs_grep "--color -nbT -C1" --color=always -n -b -T -H -C1 three f
	vs_grep "--color --group-separator" --color=always -n --group-separator=XY -A0 two f
	printf 'two\n' | "$MPS" -T -n -b two > got.out
	printf 'two\n' | grep -T -n -b two > want.out
	check_same "$loc: -T on a pipe pads to 19" want.out got.out

	# -z: NUL-separated records
	vs_grep "-z" -N -z ab z
	vs_grep "-zn" -n -z ab z
	vs_grep "-zc" -z -c ab z
	vs_grep "-zl" -z -l ab z
	vs_grep "-zo" -n -z -o a z
	vs_grep "-zb" -n -z -b c z
	vs_grep "-z -A1" -n -z -A1 cd z
	vs_grep "-z -x" -n -z -x ab z
	vs_grep "-z -v" -n -z -v ab z
	tr '\n' '\0' < big > bigz
	vs_grep "-z, split" -n -z -b -C1 -E '^(1|2)99 ' bigz

	# --label, --line-buffered
	printf 'two\n' | "$MPS" --label=LL -n -H two > got.out
	printf 'two\n' | grep --label=LL -n -H two > want.out
	check_same "$loc: --label" want.out got.out
	printf 'two\nx\n' | "$MPS" --label=LL -c -H two > got.out
	printf 'two\nx\n' | grep --label=LL -c -H two > want.out
	check_same "$loc: --label -c" want.out got.out
	printf 'two\n' | "$MPS" --label=LL -l two > got.out
	printf 'two\n' | grep --label=LL -l two > want.out
	check_same "$loc: --label -l" want.out got.out
	vs_grep "--line-buffered" -n --line-buffered two f big

	# group separators, -C0
	vs_grep "-C0" -n -C0 two f
	vs_grep "-A0" -n -A0 two f
	vs_grep "-B0 -o" -n -B0 -o two f
	vs_grep "--group-separator=XX" -n --group-separator=XX -A0 two f
	vs_grep "--group-separator=''" -n --group-separator= -A1 two f
	vs_grep "--no-group-separator" -n --no-group-separator -C1 two f
	vs_grep "--no-group-separator then --group-separator" -n --no-group-separator \
		--group-separator=@ -C0 two f
	vs_grep "--group-separator, split" -n --group-separator=@@ -C1 -E ' 1?99 ' big

	# -d, -D
	# -d read: grep's error and status (mpsearch words the message its way)
	"$MPS" -n -d read two d f > got.out 2> got.err
	echo "exit $?" >> got.out
	grep -n -d read two d f > want.out 2> /dev/null
	echo "exit $?" >> want.out
	check_same "$loc: -d read" want.out got.out
	grep -q "'d': Is a directory" got.err && ok || fail "$loc: -d read: message"
	vs_grep "-d skip" -n -d skip two d f
	vs_grep "-d recurse" -n -d recurse two d
	vs_grep "-r -d skip: the last wins" -n -r -d skip two d
	vs_grep "-d skip -r: the last wins" -n -d skip -r two d
	vs_grep "-D skip" -n -D skip two /dev/null f
	vs_grep "-D read" -n -D read two /dev/null f
	[ -p fifo ] || mkfifo fifo
	vs_grep "-D skip, a FIFO" -n -D skip two fifo f
	expect_status "-d bad action" 2 "$MPS" -d bogus two f
	expect_status "-D recurse is no device action" 2 "$MPS" -D recurse two f
	expect_status "--binary-files bad type" 2 "$MPS" --binary-files=bogus two f

	# --include / --exclude / --exclude-from in grep's order
	for flt in "--include=*.c --exclude=a*" "--exclude=a* --include=*.c" \
		   "--include=*.c --exclude=a* --include=ab*" "--exclude=zz --include=*.h" \
		   "--exclude-from=exf" "--include=*.c --exclude-from=exf" \
		   "--exclude-from=exf --include=*.h" "--exclude-dir=sub" "--exclude-dir=sub/" \
		   "--exclude-dir=sub//" "--exclude-dir=su*/"; do
		# shellcheck disable=SC2086
		vs_grep_sorted "-r $flt" -r -n $flt two ie
	done
	vs_grep "--include/--exclude on operands" -n --exclude='a*' --include='*.c' \
		two ie/a.c ie/ab.c ie/b.h ie/x.txt
	expect_status "--exclude-from a missing file" 2 "$MPS" --exclude-from=nonexist two f

	# smaller differences
	vs_grep "-L -m0" -L -m0 two f bin1 e
	vs_grep "-l -m0" -l -m0 two f
	vs_grep "-c -m0" -c -m0 two f
	vs_grep "-o -e '' -e two" -n -o -e '' -e two f
	vs_grep "-o -E -e 'x*' -e two" -n -o -E -e 'x*' -e two f
	vs_grep "-f /dev/null" -n -f /dev/null f
	vs_grep "-v -f /dev/null" -n -v -f /dev/null f
	vs_grep "-c -f /dev/null" -c -f /dev/null f
	vs_grep "-L -f /dev/null" -L -f /dev/null f e

	# -m leaves a seekable standard input just after the last selected line
	for m in "-m1 two" "-m2 -c two" "-m1 -A1 two" "-m1 -v one" "-m1 zz"; do
		# shellcheck disable=SC2086
		( "$MPS" -N $m; cat ) < g > got.out
		# shellcheck disable=SC2086
		( grep $m; cat ) < g > want.out
		check_same "$loc: (mpsearch $m; cat) < file" want.out got.out
	done
	( "$MPS" -N -m1 two; cat ) < big > got.out
	( grep -m1 two; cat ) < big > want.out
	check_same "$loc: -m1 on a file bigger than a read" want.out got.out
	( "$MPS" -N -m1 two; cat ) < bin1 > got.out 2>&1
	( grep -m1 two; cat ) < bin1 > want.out 2>&1
	check_same "$loc: -m1 on a binary standard input" want.out got.out
done

# every new option is in --help and in the man page
for opt in -b --byte-offset -T --initial-tab -z --null-data --label --group-separator \
	   --no-group-separator --line-buffered --exclude-from -d --directories -D --devices \
	   -I --binary-files; do
	"$MPS" --help | grep -q -e "^ *$opt[ ,=]" -e ", $opt[ ,=]" && ok || fail "--help lacks $opt"
	grep -q -e "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$MAN" && ok || fail "man page lacks $opt"
done

done_testing
