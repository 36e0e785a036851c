#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ripgrep's file filters: -t, --type-not, --type-add, --type-list, --files,
# --max-depth, --max-filesize, --hidden/--no-hidden and --ignore-files.
# The oracle is ripgrep 13: the same search (or listing) with `rg -uu` and
# the same flags gives the same lines once sorted (rg prints in its own
# order, we in path order), in the C and C.UTF-8 locales.  Ignore files are
# checked on a git repository with nested .gitignore and .ignore files
# against rg's default answer (rg obeys .gitignore inside a repository
# only) and against git's own list of untracked files.  Skipped (77)
# without rg or git.
. "$(dirname "$0")/lib.sh"
command -v rg > /dev/null && command -v git > /dev/null || { echo "# no rg or git: skipped"; exit 77; }
MAN=$(cd "$(dirname "$0")/../../doc" && pwd)/mpsearch.1
cd "$T" || exit 1
# no user configuration for either oracle
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config GIT_CONFIG_NOSYSTEM=1
unset RIPGREP_CONFIG_PATH
mkdir -p "$HOME"

# ---- a tree of many types, depths and sizes, hidden names too ----
make_tree tree 7 120
for f in a.c b.h c.cpp d.py Makefile GNUmakefile CMakeLists.txt x.cmake e.json f.yml g.yaml \
	 Cargo.toml h.md i.log j.csv k.f90 l.F m.rs n.go o.java p.sh .bashrc q.xml r.txt \
	 s.c.in t.hpp u.mk v.unknown README; do
	for d in tree tree/d1 tree/d2/deep tree/.hid; do
		mkdir -p "$d"
		printf 'PM_RESUME in %s\nother line\n' "$d/$f" > "$d/$f"
	done
done
printf 'PM_RESUME hidden\n' > tree/.hidden.c
printf 'PM_RESUME bytes\n' > "$(printf 'tree/d1/\377-caf\303\251.c')"  # not UTF-8, then UTF-8
awk 'BEGIN { for (i = 0; i < 400; i++) print "PM_RESUME line " i }' > tree/d1/big.c    # ~8.7K
awk 'BEGIN { for (i = 0; i < 1000; i++) print "PM_RESUME line " i }' > tree/d2/bigger.c # ~22K
awk 'BEGIN { for (i = 0; i < 60000; i++) print "PM_RESUME " i }' > tree/huge.txt     # ~1M

# vs_rg NAME "OUR FLAGS" "RG FLAGS": search and --files, sorted, same lines
vs_rg() {
	local name=$1 ours=$2 theirs=$3
	# shellcheck disable=SC2086
	rg -uu -n -H --no-heading $theirs PM_RESUME tree 2> rg.err | sort > want
	# shellcheck disable=SC2086
	"$MPS" $ours PM_RESUME tree 2> m.err | sort > got
	check_same "$LC_ALL: $name" want got
	# shellcheck disable=SC2086
	rg -uu --files $theirs tree | sort > want
	# shellcheck disable=SC2086
	"$MPS" --files $ours tree > got.raw
	sort got.raw > got
	check_same "$LC_ALL: --files $name" want got
	# our own order: sorted byte-wise already, as the search output is
	LC_ALL=C sort -c got.raw 2> /dev/null && ok || fail "$LC_ALL: --files $name: not in path order"
}

for loc in C C.UTF-8; do
	export LC_ALL=$loc
	vs_rg "no filter" "" ""
	for t in c cpp py make cmake json yaml toml md log csv fortran rust go java sh xml txt; do
		vs_rg "-t $t" "-t $t" "-t $t"
	done
	vs_rg "--type-not c" "--type-not c" "-T c"
	vs_rg "--type-not c --type-not txt" "--type-not c --type-not txt" "-T c -T txt"
	vs_rg "-t c -t py" "-t c -t py" "-t c -t py"
	vs_rg "-t c --type-not c" "-t c --type-not c" "-t c -T c"
	vs_rg "-t h --type-not cpp" "-t h --type-not cpp" "-t h -T cpp"
	vs_rg "--type-add" "--type-add foo:*.unknown --type-add foo:README -t foo" \
	      "--type-add foo:*.unknown --type-add foo:README -t foo"
	vs_rg "--type-add to a known type" "--type-add c:*.unknown -t c" "--type-add c:*.unknown -t c"
	for n in 0 1 2 3; do
		vs_rg "--max-depth $n" "--max-depth $n" "--max-depth $n"
	done
	for s in 1K 9K 10K 22K 1M 2M 1G; do
		vs_rg "--max-filesize $s" "--max-filesize $s" "--max-filesize $s"
	done
	# --no-hidden is ripgrep's default (-u: ignore files off, hidden names skipped)
	rg -u --files tree | sort > want
	"$MPS" --files --no-hidden tree | sort > got
	check_same "$LC_ALL: --no-hidden = rg -u" want got
	rg -u -n -H --no-heading -t c PM_RESUME tree | sort > want
	"$MPS" --no-hidden --hidden --no-hidden -t c PM_RESUME tree | sort > got
	check_same "$LC_ALL: --no-hidden -t c = rg -u -t c (last of --hidden/--no-hidden wins)" want got
	vs_rg "--hidden (the default)" "--hidden" ""
	vs_rg "all at once" "-t c --type-not h --max-depth 2 --max-filesize 9K" \
	      "-t c -T h --max-depth 2 --max-filesize 9K"
done
export LC_ALL=C

# operands are searched whatever the filters say, as rg does
for args in "-t py tree/a.c" "--max-depth 0 tree/a.c tree" "--max-filesize 1K tree/huge.txt" \
	    "--no-hidden tree/.hidden.c"; do
	# shellcheck disable=SC2086
	rg -uu --files ${args/--no-hidden/} | sort > want
	# shellcheck disable=SC2086
	"$MPS" --files $args | sort > got
	check_same "--files $args" want got
done

# --files: no pattern; no operand means ".", printed without "./", even
# with standard input not a terminal (rg does the same)
(cd tree/d2 && rg -uu --files < /dev/null | sort > ../../want)
(cd tree/d2 && "$MPS" --files < /dev/null > ../../got)
check_same "--files with no operand" want got
"$MPS" --files -0 tree/d1 | tr '\0' '\n' > got
"$MPS" --files tree/d1 > want
check_same "--files -0 ends names with NUL" want got
[ "$(head -c 8 got)" = "tree/d1/" ] && ok || fail "--files -0: $(head -c 20 got)"
"$MPS" --files --output=out.txt tree/d1 > stdout.txt
check_same "--files --output" want out.txt
[ ! -s stdout.txt ] && ok || fail "--files --output wrote to standard output"
# standard output may be one of the files listed (no "input file is also
# the output": nothing is read)
mkdir -p self && echo x > self/a
(cd self && rg -uu --files > list) && sort self/list > want.self && rm self/list
(cd self && "$MPS" --files > list; echo "exit $?" > ../status) && sort self/list > got.self
check_same "--files > a file it lists" want.self got.self
[ "$(cat status)" = "exit 0" ] && ok || fail "--files > a file it lists: $(cat status)"
expect_status "--files: 0 when a file is listed" 0 "$MPS" --files tree/d1
mkdir -p empty
expect_status "--files: 1 when none is" 1 "$MPS" --files empty
expect_status "--files: 2 on a missing operand" 2 "$MPS" --files tree/d1 nosuch
"$MPS" --files nosuch tree/d1 > got 2> err
grep -q "nosuch" err && ok || fail "--files: no message for a missing operand: $(cat err)"
check_same "--files: the rest is listed after an error" want got

# --type-list: ripgrep's lines for every type both know (rg has no "python")
rg --type-list > want.all
"$MPS" --type-list > got.all
[ "$(wc -l < got.all)" -ge 18 ] && ok || fail "--type-list: $(wc -l < got.all) types"
grep -vxF -f want.all got.all > extra
[ "$(cat extra)" = "python: *.py" ] && ok || fail "--type-list: lines not in rg's: $(cat extra)"
for t in c cpp fortran py rust go java sh make cmake json yaml toml xml md txt log csv; do
	grep -q "^$t: " got.all && ok || fail "--type-list: no type $t"
done
"$MPS" --type-add 'foo:*.foo' --type-add 'c:*.cee' --type-list > got.all
rg --type-add 'foo:*.foo' --type-add 'c:*.cee' --type-list > want.all
grep -E '^(c|foo):' want.all > want
grep -E '^(c|foo):' got.all > got
check_same "--type-list with --type-add" want got

# usage errors: a message and exit 2
for bad in "-t nosuch x" "--type-not nosuch x" "--type-add nocolon x" "--type-add :*.c x" \
	   "--max-depth -1 x" "--max-depth 1x x" "--max-filesize 0 x" "--max-filesize 10Q x"; do
	# shellcheck disable=SC2086
	"$MPS" $bad tree > /dev/null 2> err
	s=$?
	[ "$s" = 2 ] && grep -q '^mpsearch: ' err && ok || fail "'$bad': exit $s, $(cat err)"
done
# -T stays grep's --initial-tab
printf 'a x\n' > tab.txt
"$MPS" -T -H x tab.txt > got && grep -T -H -n x tab.txt > want && cmp -s want got && ok ||
	fail "-T is not --initial-tab: $("$MPS" -T -H x tab.txt | od -c | head -2)"

# ---- ignore files on a git repository ----
mkdir repo && cd repo || exit 1
git init -q .
mkdir -p a/b/c build src/build doc/frotz logs sub/deep .cfg vendor/lib nested/inner
cat > .gitignore <<'EOF'
# build products
*.o
/build/
doc/frotz/
logs/**
!logs/keep.log
**/deep
vendor/*
!vendor/lib
\#literal
trailing.txt   
# a negation keeps a hidden name even without --hidden (rg)
!.cfg/
!.kept.c
EOF
printf '*.tmp\n!x.tmp\n/top.c\n' > a/.gitignore
printf 'c/\n!e.o\n' > a/b/.gitignore
printf 'e.o\n' > a/b/.ignore
printf 'ignored-by-exclude.c\n' > .git/info/exclude
printf 'inner.c\n' > nested/.ignore
for f in x.o keep.c a/y.o a/x.tmp a/z.tmp a/top.c top.c a/b/c/d.c a/b/e.o a/b/f.c build/f.c \
	 src/build/g.c src/h.c doc/frotz/i.c doc/j.c logs/keep.log logs/other.log sub/deep/k.c \
	 sub/l.c .cfg/m.c .n.c vendor/v.c vendor/lib/w.c '#literal' trailing.txt \
	 ignored-by-exclude.c nested/inner.c nested/inner/inner.c nested/o.c .kept.c; do
	printf 'PM_RESUME %s\n' "$f" > "$f"
done
for loc in C C.UTF-8; do
	export LC_ALL=$loc
	rg --files | sort > ../want
	"$MPS" --files --ignore-files --no-hidden | sort > ../got
	check_same "$LC_ALL: --ignore-files --no-hidden = rg's default" ../want ../got
	rg --files --hidden | sort > ../want
	"$MPS" --files --ignore-files --hidden | sort > ../got
	check_same "$LC_ALL: --ignore-files --hidden = rg --hidden" ../want ../got
	rg -n -H --no-heading --hidden PM_RESUME | sort > ../want
	"$MPS" --ignore-files PM_RESUME . < /dev/null | sed 's|^\./||' | sort > ../got
	check_same "$LC_ALL: --ignore-files search = rg --hidden" ../want ../got
	rg -n -H --no-heading -t c --max-depth 2 PM_RESUME | sort > ../want
	"$MPS" --ignore-files --no-hidden -t c --max-depth 2 PM_RESUME . | sed 's|^\./||' | sort > ../got
	check_same "$LC_ALL: --ignore-files with other filters = rg" ../want ../got
	# a part of the repository: the ignore files above it count too
	for d in a a/b logs nested/inner; do
		# rg 13 misapplies a parent's patterns holding a '/' to a
		# directory operand (logs/** and !logs/keep.log give nothing):
		# git is the oracle there
		if [ "$d" = logs ]; then
			git ls-files -o --exclude-standard "$d" | sort > ../want
		else
			rg --files "$d" | sort > ../want
		fi
		"$MPS" --files --ignore-files --no-hidden "$d" | sort > ../got
		check_same "$LC_ALL: --ignore-files $d = rg $d" ../want ../got
		(cd "$d" && rg --files --hidden | sort > "$T/want")
		(cd "$d" && "$MPS" --files --ignore-files | sort > "$T/got")
		check_same "$LC_ALL: in $d: --ignore-files = rg --hidden" ../want ../got
	done
done
export LC_ALL=C
# git's own answer (it reads no .ignore: drop them for this one)
rm a/b/.ignore nested/.ignore
git ls-files -o --exclude-standard | sort > ../want
"$MPS" --files --ignore-files | grep -v '^\.git/' | sort > ../got
check_same "--ignore-files = git ls-files -o --exclude-standard" ../want ../got
# without the option, nothing is left out
find . -type f | sed 's|^\./||' | sort > ../want
"$MPS" --files | sort > ../got
check_same "no --ignore-files: every file" ../want ../got
cd ..

# an ignored directory is not entered: with -R a symlink back up is a loop
# (reported, exit 2) unless an ignore file names it
mkdir -p lp/sub && ln -s .. lp/sub/up && echo PM_RESUME > lp/sub/f
"$MPS" -R PM_RESUME lp > /dev/null 2> err
[ $? = 2 ] && grep -q "recursive directory loop" err && ok || fail "-R: no loop reported: $(cat err)"
echo up > lp/.ignore
"$MPS" -R --ignore-files PM_RESUME lp > got 2> err
s=$?
[ $s = 0 ] && [ ! -s err ] && ok || fail "-R --ignore-files: the ignored loop was entered (exit $s): $(cat err)"
printf 'lp/sub/f:1:PM_RESUME\n' > want
check_same "-R --ignore-files: the rest is searched" want got

# every filter option is in --help and in the man page
for opt in -t --type --type-not --type-add --type-list --files --max-depth --max-filesize \
	   --ignore-files --hidden --no-hidden; do
	"$MPS" --help | grep -q -e "^ *$opt[ ,=]" -e ", $opt[ ,=]" && ok || fail "--help lacks $opt"
	grep -q -e "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$MAN" && ok || fail "man page lacks $opt"
done

# ---- under mpirun: the same list ----
if [ -n "${MPIEXEC:-}" ] && ldd "$MPS" | grep -q libmpi; then
	"$MPS" --files -t c --max-depth 2 tree > want
	for np in 1 2; do
		"$MPIEXEC" ${MPIEXEC_NUMPROC_FLAG:--np} $np "$MPS" --files -t c --max-depth 2 tree > got 2> err
		check_same "mpirun -np $np --files" want got
	done
fi

done_testing
