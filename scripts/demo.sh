#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fresh Debian 12: install what the demo needs, build, and run a real search
# with mpirun over 2 local ranks on corpora every machine has.
#
#   scripts/demo.sh [KEYWORD]     (default PTHREAD_MUTEX_INITIALIZER)
#
# The results go to build/demo.out (mpsearch --output), of which the first
# 20 lines are shown: mpirun's output is never piped into a program that
# may close early (Open MPI 4.1's mpirun crashes on a closed pipe).  Each
# command is echoed exactly as it runs.  Exit status: mpsearch's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
KEYWORD=${1:-PTHREAD_MUTEX_INITIALIZER}
OUT=build/demo.out
cmd=()
# Open MPI refuses to run as root unless both variables say so
[ "$(id -u)" != 0 ] || cmd=(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
cmd+=(mpirun -np 2 --oversubscribe --bind-to none
	build/mpsearch --stats --output "$OUT" "$KEYWORD" /usr/include /usr/share/doc)
run() {
	local line
	line=$(printf '%q ' "$@")
	echo "+ ${line% }" >&2
	"$@"
}
status=0
run "${cmd[@]}" || status=$?
if [ -f "$OUT" ]; then
	run head -n 20 "$OUT"
	echo "($(wc -l < "$OUT") lines in $OUT)" >&2
fi
exit $status
