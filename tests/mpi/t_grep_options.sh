#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Under mpirun with 2 ranks, binary files (whole and split into parts that
# different ranks search) and grep's output options give the local run's
# stdout, stderr and exit status, which t_grep_options.sh checks against grep.
. "$(dirname "$0")/lib.sh"

make_tree "$T/tree" 11 40
cd "$T"
printf 'x\0y PM_RESUME\n' > tree/binary.bin
printf 'PM_RESUME\0\n' > tree/d1/zz.bin
# a binary file split in 4K parts, the NUL in a middle part only
{ seq 1 2000 | sed 's/$/ foo/'; printf 'bin\0ary foo\n'; seq 1 2000; } > tree/split.bin

for m in "-n PM_RESUME" "-c foo" "-l PM_RESUME" "-L PM_RESUME" "-q ary" "-I -n PM_RESUME" \
	 "-I -c foo" "-a -c foo" "-v -c foo" "-nb -T foo" "-z -nb foo" "-C0 -n foo" \
	 "--no-group-separator -A1 foo" "--group-separator=@ -B1 PM_RESUME" "-L -m0 foo"; do
	# shellcheck disable=SC2086
	"$MPS" -j 2 --chunk-size 4K $m tree > local.out 2> local.err
	echo "exit $?" >> local.err
	# shellcheck disable=SC2086
	$MPIRUN -np 2 "$MPS" -j 1 --chunk-size 4K $m tree > mpi.out 2> mpi.err
	echo "exit $?" >> mpi.err
	check_same "np=2 '$m': stdout" local.out mpi.out
	# mpirun adds its own words when the status is not 0
	grep -v -e '^---' -e '^ ' -e '^$' -e 'mpirun' -e 'mpiexec' -e 'Primary job' -e 'a non-zero' \
		-e 'Process name' -e 'Exit code' -e 'the job to be' -e 'Per user-direction' \
		mpi.err > mpi.err2
	check_same "np=2 '$m': stderr and status" local.err mpi.err2
done
# the binary files that match are noted, the split one too
"$MPS" -n foo tree 2> err > /dev/null
grep -q '^mpsearch: tree/split.bin: binary file matches$' err && ok ||
	fail "a split binary file is noted: $(cat err)"
done_testing
