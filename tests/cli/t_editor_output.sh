#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ripgrep 13 is the oracle for its editor output and multiline search:
# --vimgrep, --column, --heading/--no-heading, --count-matches and
# --multiline (rg -U), alone and with -o, -c, -l, -v, -m, context, -b and
# --null, on a generated tree.  Sorted outputs are compared (rg prints in
# the order it finds files); --heading is compared unsorted with rg --sort
# path, since its blocks cannot be sorted line by line.  Each case runs
# with one worker and with two and files split in small parts (a multiline
# match straddles a part boundary), in the C and C.UTF-8 locales
# (tests/mpi/t_editor_output.sh runs them under mpirun).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/editor_fixtures.sh"
MAN=$(cd "$(dirname "$0")/../../doc" && pwd)/mpsearch.1
command -v rg > /dev/null || { echo "no rg (ripgrep)"; exit 77; }
cd "$T" || exit 1

editor_tree tree

set -f # patterns are not globs

# vs_rg NAME 'RG ARGS' 'MPSEARCH ARGS': both on tree, sorted, equal
vs_rg() {
	local name=$1 rargs=$2 margs=$3 how
	# shellcheck disable=SC2086
	rg -uu $rargs tree 2>/dev/null | sort > want.out
	[ -s want.out ] || fail "$name: rg printed nothing (a test that cannot fail)"
	for how in "-j1" "-j2 --chunk-size=1k" "-j2 --chunk-size=100"; do
		# shellcheck disable=SC2086
		"$MPS" $how $margs tree 2>/dev/null | sort > got.out
		check_same "$LC_ALL: $name ($how)" want.out got.out
	done
}

# cases: "NAME;rg args;mpsearch args" (mpsearch prints line numbers by
# default, rg only on a terminal: rg gets -n).  -l beats --count-matches
# as it beats -c (grep's rule; rg lets --count-matches win)
CASES=(
	"vimgrep;--vimgrep abc;--vimgrep abc"
	"vimgrep -o;--vimgrep -o abc;--vimgrep -o abc"
	"vimgrep -c;--vimgrep -c abc;--vimgrep -c abc"
	"vimgrep -l;--vimgrep -l abc;--vimgrep -l abc"
	"vimgrep -A1;--vimgrep -A1 abc;--vimgrep -A1 abc"
	"vimgrep -v;--vimgrep -v abc;--vimgrep -v abc"
	"vimgrep --null;--vimgrep --null PM_RESUME;--vimgrep --null PM_RESUME"
	"vimgrep -i -w;--vimgrep -i -w pm_resume;--vimgrep -i -w pm_resume"
	"column;-n --column PM_RESUME;--column PM_RESUME"
	"column no -n;--column abc;-N --column abc"
	"column -o;-n --column -o abc;--column -o abc"
	"column -b;-n --column -b abc;--column -b abc"
	"column -C1;-n --column -C1 foo;--column -C1 foo"
	"column -v;-n --column -v abc;--column -v abc"
	"column -E;-n --column (foo|bar)_?[a-z]+;--column -E (foo|bar)_?[a-z]+"
	"no-column;-n --column --no-column abc;--column --no-column abc"
	"no-heading;-n --no-heading PM_RESUME;--heading --no-heading PM_RESUME"
	"count-matches;--count-matches PM_RESUME;--count-matches PM_RESUME"
	"count-matches -i;--count-matches -i pm_resume;--count-matches -i pm_resume"
	"count-matches -v;--count-matches -v abc;--count-matches -v abc"
	"count-matches --null;--count-matches --null abc;--count-matches --null abc"
	"count-matches -c;-c --count-matches abc;-c --count-matches abc"
	"-c count-matches;--count-matches -c abc;--count-matches -c abc"
	"-l count-matches;-l abc;--count-matches -l abc"
	"multiline;-n -U static.int\\n[a-z_]+\\(;-E --multiline static.int\\n[a-z_]+\\("
	"multiline -P;-n -U int\\n\\w+;-P --multiline int\\n\\w+"
	"multiline groups;-n -U abc\\nb|\\nc\\nd|x;-E --multiline abc\\nb|\\nc\\nd|x"
	"multiline adjacent;-n -U --column b\\n?;-E --multiline --column b\\n?"
	"multiline -c;-c -U int\\n;-E --multiline -c int\\n"
	"multiline --count-matches;--count-matches -U int\\n\\w+;-E --multiline --count-matches int\\n\\w+"
	"multiline -o;-n -U -o int\\n\\w+;-E --multiline -o int\\n\\w+"
	"multiline --column;-n -U --column int\\n\\w+;-E --multiline --column int\\n\\w+"
	"multiline --vimgrep;-U --vimgrep int\\n\\w+;-E --multiline --vimgrep int\\n\\w+"
	"multiline --vimgrep -o;-U --vimgrep -o int\\n;-E --multiline --vimgrep -o int\\n"
	"multiline -C2;-n -U -C2 int\\n\\w+;-E --multiline -C2 int\\n\\w+"
	"multiline -B3;-n -U -B3 int\\n\\w+;-E --multiline -B3 int\\n\\w+"
	"multiline -v;-n -U -v int\\n\\w+;-E --multiline -v int\\n\\w+"
	"multiline -v -A1;-n -U -v -A1 int\\n;-E --multiline -v -A1 int\\n"
	"multiline -m2;-n -U -m2 int\\n;-E --multiline -m2 int\\n"
	"multiline -l;-l -U x\\n\\s*x;-E --multiline -l x\\n\\s*x"
	"multiline [^a];-n -U int[^a-z]x;-E --multiline int[^a-z]x"
	"multiline no newline;-n -c -U int;-E --multiline -c int"
)

for loc in C C.UTF-8; do
	export LC_ALL=$loc
	for c in "${CASES[@]}"; do
		IFS=';' read -r name rargs margs <<< "$c"
		vs_rg "$name" "$rargs" "$margs"
	done

	# --heading: the path above each file's lines, an empty line between
	# files (rg --sort path prints in our order)
	for args in "-n --heading PM_RESUME" "-n --heading -C1 foo" "-n --heading -o abc" \
		    "-n --heading --column abc" "-n --heading --null abc"; do
		# shellcheck disable=SC2086
		rg -uu --sort path $args tree > want.out
		# shellcheck disable=SC2086
		"$MPS" -j2 --chunk-size=1k ${args#-n } tree > got.out
		check_same "$LC_ALL: $args" want.out got.out
	done
	# --heading with -c, -l, --vimgrep: no heading (as rg)
	for args in "--heading -c abc" "--heading -l abc" "--heading --vimgrep abc"; do
		# shellcheck disable=SC2086
		rg -uu --sort path $args tree > want.out
		# shellcheck disable=SC2086
		"$MPS" $args tree > got.out
		check_same "$LC_ALL: $args" want.out got.out
	done
	# one file: no name, so no heading (as rg)
	rg -n --heading abc tree/src/a.c > want.out
	"$MPS" --heading abc tree/src/a.c > got.out
	check_same "$LC_ALL: --heading, one file" want.out got.out
done
export LC_ALL=C

# the split big file: some multiline group starts in one 100-byte part and
# ends in the next (else the straddling cases above prove nothing)
"$MPS" -E --multiline -b 'int\n\w+' tree/src/big.c | awk -F: '
	{ off = $2 + 0; if (prev != "" && int(prev / 100) != int(off / 100) && $1 == pl + 1) s++
	  prev = off; pl = $1 }
	END { exit s ? 0 : 1 }' && ok || fail "no multiline group crosses a 100-byte boundary"

# --json with --multiline: a match message per group, its lines and the
# matches' offsets in it, as rg -U --json (but the elapsed times, and the
# summary's bytes_printed, which mpsearch leaves 0)
json_norm() { grep -v '"type":"summary"' | sed 's/"elapsed":{[^}]*}//'; }
for pat in 'int\n\w+' 'int\n'; do # (a match that ends with the group's last newline)
	rg --json -U "$pat" tree/src/big.c | json_norm > want.out
	"$MPS" -j2 --chunk-size 100 --json -E --multiline "$pat" tree/src/big.c | json_norm > got.out
	check_same "--json --multiline $pat" want.out got.out
done

# --multiline prints lines that are not UTF-8 as ripgrep does, in a UTF-8
# locale too (grep's way of leaving them out is for line output)
printf 'foo int\nbar \377\nq\n' > u.txt
LC_ALL=C.UTF-8 rg -n -U 'int\n\w+' u.txt > want.out
LC_ALL=C.UTF-8 "$MPS" -E --multiline 'int\n\w+' u.txt > got.out
check_same "--multiline, C.UTF-8, a line not UTF-8" want.out got.out

# --search-zip: a compressed file is searched as one text (a file of two
# bzip2 streams, which could be split, is not split with --multiline)
if command -v bzip2 > /dev/null; then
	mkdir -p zz
	{ head -c 1500 tree/src/big.c | bzip2; tail -c +1501 tree/src/big.c | bzip2; } > zz/big.c.bz2
	rg -n -U 'int\n\w+' tree/src/big.c > want.out
	"$MPS" -j2 --chunk-size 100 --search-zip -E --multiline 'int\n\w+' zz/big.c.bz2 > got.out
	check_same "--search-zip --multiline" want.out got.out
fi

# one file: the count alone, or with -H its name (as rg)
for a in "--count-matches abc" "--count-matches -H abc" "--vimgrep abc"; do
	# shellcheck disable=SC2086
	rg $a tree/src/a.c > want.out
	# shellcheck disable=SC2086
	"$MPS" $a tree/src/a.c > got.out
	check_same "one file: $a" want.out got.out
done
# each option in --help and in the man page
"$MPS" --help > help
for opt in --vimgrep --column --no-column --heading --no-heading --count-matches --multiline; do
	grep -q -e " $opt " help && ok || fail "--help lacks $opt"
	grep -q -e "^\.B $(printf '%s' "$opt" | sed 's/-/\\\\-/g')\$" "$MAN" && ok ||
		fail "man page lacks $opt"
done

done_testing
