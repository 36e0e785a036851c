#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# io_uring and its fallback: the small files of a batch are read through an
# io_uring (liburing) when the kernel allows it, else one by one; both give
# the same bytes and exit status in every mode.  The fallback is forced by
# an LD_PRELOAD library whose io_uring_queue_init_params fails with ENOSYS
# (as on a kernel or container without io_uring); it leaves a mark, so the
# test knows it took effect.  With strace, the ring's use is checked too.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

cat > shim.c <<'C'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
struct io_uring;
struct io_uring_params;
int io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p);
int io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p)
{
	FILE *f = fopen(getenv("URING_SHIM_MARK"), "a");
	if (f) {
		fputs("no ring\n", f);
		fclose(f);
	}
	(void)entries, (void)ring, (void)p;
	return -ENOSYS;
}
C
if ! cc -shared -fPIC -o shim.so shim.c 2> cc.log; then
	echo "# no C compiler for the shim: skipped" >&2
	exit 77
fi

make_tree tree 7 300
head -c 300000 /dev/urandom | base64 > tree/big.txt # > 128 KiB: read the usual way
echo "PM_RESUME in the big one" >> tree/big.txt
: > tree/empty.txt
printf 'PM_RESUME\0binary\n' > tree/bin.dat
modes=("PM_RESUME" "-c foo" "-l -i pm_resume" "-L PM_RESUME" "-j 1 -w foo" "-j 4 -n -C 1 bar"
	"-a binary" "nothing-matches-this")
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086  # the mode is word-split on purpose
	"$MPS" $m tree > ring.out 2> ring.err
	r1=$?
	rm -f mark
	# shellcheck disable=SC2086
	# (an ASan build wants its runtime first: told not to check)
	URING_SHIM_MARK=$T/mark LD_PRELOAD=$T/shim.so \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$MPS" $m tree > plain.out 2> plain.err
	r2=$?
	[ -s mark ] && ok || fail "'$m': the shim was not used"
	[ "$r1" = "$r2" ] && ok || fail "'$m': exit $r1 with the ring, $r2 without"
	check_same "'$m': output with and without the ring" ring.out plain.out
	check_same "'$m': messages with and without the ring" ring.err plain.err
done

if command -v strace > /dev/null; then
	strace -f -qq -e trace=io_uring_setup,io_uring_enter -o trace "$MPS" -j 2 foo tree > /dev/null 2>&1
	if grep -q 'io_uring_setup(.*= [0-9]' trace; then
		grep -q 'io_uring_enter' trace && ok || fail "a ring was set up but never entered"
	else
		echo "# no io_uring here (io_uring_setup fails): only the fallback was tested"
	fi
fi

done_testing
