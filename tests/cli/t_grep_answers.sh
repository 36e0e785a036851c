#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Grep's answers (issue 12): each case that once gave a wrong or missing
# answer, compared with GNU grep on the same bytes, in the C and the
# C.UTF-8 locale.  Match positions (-o, -w, --json), long lines, each
# pattern checked on its own, ERE and BRE as grep reads them, UTF-8.
. "$(dirname "$0")/lib.sh"

# same_as_grep NAME INPUT_FILE ARGS...: mpsearch -H -n and grep -H -n give
# the same output and exit status
same_as_grep() {
	local name=$1 in=$2
	shift 2
	"$MPS" -H -n "$@" "$in" >"$T/m.out" 2>"$T/m.err"
	local ms=$?
	grep -H -n "$@" "$in" >"$T/g.out" 2>"$T/g.err"
	local gs=$?
	if [ "$ms" != "$gs" ]; then
		fail "$name ($LC_ALL): exit $ms, grep $gs: $(head -c 300 "$T/m.err")"
		return
	fi
	check_same "$name ($LC_ALL)" "$T/g.out" "$T/m.out"
}

python3 -c "print('y'*65+'xx')" >"$T/y65"
python3 -c "print('x'*997+'aab')" >"$T/long"
printf 'ab\n' >"$T/ab"
# zeros as words, glued to words, past 1,000 bytes and at every alignment
python3 - "$T/zeros" <<'EOF'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        parts = [r.choice(["0", "00", "000", "x0", "0x", "10", "a", "0_0", "-0-"])
                 for _ in range(r.randint(1, 12))]
        line = r.choice([" ", "  ", ",", "."]).join(parts)
        if i % 97 == 0:
            line = "y" * r.randint(1000, 1300) + " " + line
        f.write(" " * (i % 70) + line + "\n")
EOF
printf 'caf\xc3\xa9\nna\xc3\xafve\n\xc3\x89COLE\n\xc3\xa9hello\nhello world\n\\w\nw\nfoo\nab ab\nabab\nx\xffx\na\xc3\xa9b\n\xc3\xa9foo\nfoo\xc3\xa9bar\nPM_RESUME\n' >"$T/words"

for loc in C C.UTF-8; do
	export LC_ALL=$loc
	# the match-position pass lost matches of x+ 0+ a+b (issue 12)
	same_as_grep "-o x+ after 65 bytes" "$T/y65" -o -E 'x+'
	same_as_grep "-o a+b on a long line" "$T/long" -o -E 'a+b'
	same_as_grep "-o a+b on ab" "$T/ab" -o -E 'a+b'
	same_as_grep "-w 0+" "$T/zeros" -w -E '0+'
	same_as_grep "-w -c 0+" "$T/zeros" -c -w -E '0+'
	same_as_grep "-o 0+" "$T/zeros" -o -E '0+'
	same_as_grep "-o -i 0X+" "$T/zeros" -o -i -E '0X+'
	same_as_grep "-w {2,}" "$T/zeros" -w -E '0{2,}'
	same_as_grep "-o leftmost-longest set" "$T/zeros" -o -F -e 0 -e 00 -e 0_0
	same_as_grep "-o with an empty pattern" "$T/words" -o -F -e '' -e ab
	# ERE and BRE as grep reads them
	same_as_grep "ERE \\< \\>" "$T/words" -o -E '\<ab\>'
	same_as_grep "ERE {,2}" "$T/words" -o -E 'o{,2}'
	same_as_grep "ERE [\\w] is \\ or w" "$T/words" -E '[\w]'
	same_as_grep "ERE a leading *" "$T/words" -o -E '*ab'
	same_as_grep "ERE stacked a+?" "$T/words" -o -E 'a+?b'
	same_as_grep "ERE plain {" "$T/words" -E 'a{1'
	same_as_grep "BRE" "$T/words" -o -G 'a\+b\|w\{1\}'
	same_as_grep "BRE back-reference" "$T/words" -G '\(ab\)\1'
	same_as_grep "BRE leading *" "$T/words" -G '*w'
	# characters in the locale
	same_as_grep "-i non-ASCII" "$T/words" -i -F 'école'
	same_as_grep "-w after a non-ASCII letter" "$T/words" -w -F hello
	same_as_grep "-o . is a character" "$T/words" -o -G -e 'caf.' -e 'na.ve'
	same_as_grep "-o class" "$T/words" -o -E '[[:alpha:]]+'
	same_as_grep "-o \\w+" "$T/words" -o -E '\w+'
	same_as_grep "-q . with invalid UTF-8" "$T/words" -q -E 'x.x'
	# which patterns may stay on bytes in a UTF-8 locale
	same_as_grep "negated class" "$T/words" -o -E 'a[^x]b'
	same_as_grep "ASCII range" "$T/words" -o -E '[A-Z]+_RESUME'
	same_as_grep ".* over a character" "$T/words" -o -E 'foo.*bar'
	same_as_grep ".{1} is one character" "$T/words" -o -E 'foo.{1}bar'
	same_as_grep "\\b after a non-ASCII letter" "$T/words" -E '\bfoo'
	# -z: the text's newlines are plain characters, spaces for \s
	printf 'a\nb\0a b\0ab\0a\n\nb\0' > "$T/zrec"
	for re in 'a\sb' 'a\Sb' 'a[^[:space:]]b' 'a[[:space:]]b' 'a.b' 'a\s*b' '^b'; do
		same_as_grep "-z '$re'" "$T/zrec" -z -o -E "$re"
		cat "$T/zrec" | "$MPS" -z -o -n -E "$re" > "$T/m.out" 2>&1
		cat "$T/zrec" | grep -z -o -n -E "$re" > "$T/g.out" 2>&1
		check_same "-z -o '$re' from a pipe ($LC_ALL)" "$T/g.out" "$T/m.out"
	done
done
export LC_ALL=C

# --json spans are grep -o's
"$MPS" --json -E '0+' "$T/zeros" | python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["type"] == "match":
        for s in m["data"]["submatches"]:
            print("%d:%s" % (m["data"]["line_number"], s["match"]["text"]))
' >"$T/j.out"
grep -n -o -E '0+' "$T/zeros" >"$T/g.out"
check_same "--json submatches" "$T/g.out" "$T/j.out"

# each pattern compiled on its own: a set is never a textual join
expect_status "-E -e '(a' -e 'b)'" 2 "$MPS" -E -e '(a' -e 'b)' "$T/ab"
"$MPS" -E -e '(a' -e 'b)' "$T/ab" 2>"$T/err"
grep -q 'Unmatched ( or \\(' "$T/err" && ok || fail "unmatched ( message: $(cat "$T/err")"
expect_status "-P 'x)|(?:y'" 2 "$MPS" -P 'x)|(?:y' "$T/ab"
expect_status "-E [:alpha:]" 2 "$MPS" -E '[:alpha:]' "$T/ab"
expect_status "-E a{2,1}" 2 "$MPS" -E 'a{2,1}' "$T/ab"

# PCRE2's limits end that file with grep's words, exit 2; the others go on
python3 -c "print('a'*40+'b')" >"$T/bt"
"$MPS" -P '(a+)+$' "$T/bt" "$T/ab" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 2 ] && ok || fail "backtracking limit: exit $st"
grep -q "bt.*exceeded PCRE's backtracking limit" "$T/err" && ok ||
	fail "backtracking limit message: $(cat "$T/err")"

# a literal longer than Vectorscan takes
python3 -c "print('ab'*8200)" >"$T/lit"
expect_status "16,400-byte literal" 0 "$MPS" -q -f "$T/lit" "$T/lit"
done_testing
