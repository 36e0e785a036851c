#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Under mpirun with 2 ranks, the editor output options and --multiline
# (files split into 100-byte parts that different ranks search, groups of
# matches across them) give the local run's stdout, which
# tests/cli/t_editor_output.sh checks against ripgrep.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../cli/editor_fixtures.sh"
cd "$T" || exit 1
editor_tree tree
set -f # patterns are not globs

for args in "--vimgrep abc" "--column -o PM_RESUME" "--count-matches abc" \
	    "--heading -C1 foo" "-E --multiline -C1 int\\n\\w+" \
	    "-E --multiline --count-matches int\\n" "-E --multiline -v -A1 int\\n"; do
	# shellcheck disable=SC2086
	"$MPS" -j2 --chunk-size 100 $args tree > local.out 2> /dev/null
	# shellcheck disable=SC2086
	$MPIRUN -np 2 "$MPS" -j1 --chunk-size 100 $args tree > mpi.out 2> /dev/null
	[ -s local.out ] && ok || fail "$args: nothing printed (a test that cannot fail)"
	check_same "np=2 $args" local.out mpi.out
done
# -f - under mpirun: rank 0 reads the patterns and shares them
"$MPS" -j2 --chunk-size 100 -E --multiline 'int\n\w+' tree > local.out 2> /dev/null
printf 'int\\n\\w+\n' |
	$MPIRUN -np 2 "$MPS" -j1 --chunk-size 100 -E --multiline -f - tree > mpi.out 2> /dev/null
check_same "np=2 -f - --multiline" local.out mpi.out
done_testing
