#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Memcheck: small searches (-j 1, -j 2, split files, several output modes)
# and the matcher/search unit tests run under valgrind; no invalid access,
# no use of uninitialised memory, no definite leak, in any process (the
# parent, the zygote and the workers, which valgrind follows across fork;
# every process writes its own log, and every log must be empty).
#
# Skipped (77) when valgrind is missing or the binary is built with a
# sanitizer (ASan and valgrind do not mix).  The unit tests are found next
# to the binary (BUILD/tests/test_*) or in $MPSEARCH_UNIT_DIR; test_search's
# test_huge_line (a 100 MB line: ~8 minutes under valgrind) is skipped with
# cmocka's skip filter, set from a tiny LD_PRELOAD library built here.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
	echo "# skip: valgrind not installed"
	exit 77
fi
if ldd "$MPS" 2>/dev/null | grep -q 'lib[at]san\|libubsan'; then
	echo "# skip: $MPS is built with a sanitizer"
	exit 77
fi
TMO=${MPSEARCH_TEST_TIMEOUT:-300}
# PCRE2's JIT code (no object file: "???") reads past the end of the
# subject on purpose; Debian's libpcre2 is not built with valgrind support
# (--enable-valgrind), so memcheck reports "conditional jump depends on
# uninitialised value" inside it.  Only frames with no object match this.
cat >"$T/mpsearch.supp" <<'EOF'
{
   pcre2-jit-code-has-no-object
   Memcheck:Cond
   obj:???
}
EOF
VG=(valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
	--error-exitcode=99 --trace-children=yes --child-silent-after-fork=no -q
	--suppressions="$T/mpsearch.supp")

# vg NAME CMD...: run under memcheck; every process's log must be empty
vg() {
	local name=$1
	shift
	rm -rf "$T/vglogs"
	mkdir -p "$T/vglogs"
	timeout -k 5 "$TMO" "${VG[@]}" --log-file="$T/vglogs/%p.log" "$@" >"$T/vg.out" 2>"$T/vg.err"
	local st=$?
	if [ "$st" = 99 ]; then
		fail "$name: valgrind found errors"
	elif [ "$st" -ge 124 ]; then
		fail "$name: exit $st (timeout or signal)"
	else
		ok
	fi
	local f bad=0
	for f in "$T"/vglogs/*.log; do
		[ -e "$f" ] || continue
		if grep -q '[^= 0-9]' "$f"; then
			bad=1
			echo "--- $name: $(basename "$f")" >&2
			head -40 "$f" >&2
		fi
	done
	[ $bad = 0 ] && ok || fail "$name: memcheck reports (above)"
	[ -n "$(ls "$T/vglogs")" ] && ok || fail "$name: no valgrind log at all"
	return $st
}

make_tree "$T/tree" 11 30
seq 1 3000 | sed 's/^\(.*5\)$/\1 foo/' >"$T/tree/big.txt"   # split by --chunk-size 4K
printf 'foo\0binary\nfoo\n' >"$T/tree/bin.dat"
cd "$T"

grep -rn foo tree | sort >want
for mode in "-j1" "-j2"; do
	vg "search $mode" "$MPS" $mode foo tree
	sort vg.out >got
	check_same "search $mode output" want got
	vg "split $mode" "$MPS" $mode --chunk-size 4K -n foo tree
	sort vg.out >got
	check_same "split $mode output" want got
	vg "json context $mode" "$MPS" $mode --json -C2 -e PM_RESUME -e foo tree
	vg "count invert $mode" "$MPS" $mode -c -v -i foo tree
	vg "files $mode" "$MPS" $mode -l --chunk-size 4K foo tree
	vg "regex -o $mode" "$MPS" $mode -E -o -w '[a-z]+_[A-Z]+' tree
	vg "pcre $mode" "$MPS" $mode -P -m 2 '(?<=a)b' tree
	vg "no match $mode" "$MPS" $mode zzz_nomatch tree tree/missing
	vg "-q $mode" "$MPS" $mode -q foo tree
done
vg "stdin" sh -c "cat tree/big.txt | '$MPS' -n foo"
vg "bad pattern" "$MPS" -E 'a(' tree
vg "usage error" "$MPS" --bogus
vg "worker killed once" env MPSEARCH_TEST_ABORT_UNIT=2 MPSEARCH_TEST_ABORT_ONCE="$T/marker" \
	"$MPS" -j2 foo tree

# unit tests of the matcher and the searcher
UNIT_DIR=${MPSEARCH_UNIT_DIR:-$(dirname "$MPS")/tests}
if [ -x "$UNIT_DIR/test_matcher" ] && [ -x "$UNIT_DIR/test_search" ]; then
	cat >cmfilter.c <<'EOF'
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
/* MPS_CMOCKA_SKIP: a cmocka skip filter for the test binary it is
 * preloaded into (cmocka >= 1.1.5). */
__attribute__((constructor)) static void mps_cmocka_filter(void)
{
	const char *p = getenv("MPS_CMOCKA_SKIP");
	if (p && *p)
		cmocka_set_skip_filter(p);
}
EOF
	if ${CC:-cc} -shared -fPIC -o cmfilter.so cmfilter.c -lcmocka 2>cc.err; then
		vg "unit test_matcher" "$UNIT_DIR/test_matcher"
		[ $? = 0 ] && ok || fail "test_matcher under valgrind: $(tail -3 vg.out)"
		MPS_CMOCKA_SKIP=test_huge_line LD_PRELOAD=$T/cmfilter.so \
			vg "unit test_search" "$UNIT_DIR/test_search"
		[ $? = 0 ] && ok || fail "test_search under valgrind: $(tail -3 vg.out)"
		# every test ran and passed, but the skipped one
		ran=$(cat vg.out vg.err | sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p')
		passed=$(cat vg.out vg.err | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p')
		[ -n "$ran" ] && [ "$ran" -ge 6 ] && [ "$passed" = "$ran" ] &&
			! grep -q 'test_huge_line' vg.out vg.err && ok ||
			fail "test_search: $passed of $ran passed: $(tail -n 3 vg.out vg.err)"
	else
		fail "cannot build the cmocka filter: $(cat cc.err)"
	fi
else
	fail "unit tests not found in $UNIT_DIR (set MPSEARCH_UNIT_DIR)"
fi
done_testing
