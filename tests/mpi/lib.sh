# SPDX-License-Identifier: BSD-3-Clause
# Shared preamble of the MPI tests: the CLI helpers (tests/cli/lib.sh),
# $MPIRUN with the flags every case needs (oversubscribed, unbound, TCP
# and shared memory only), root allowed for Open MPI in tests only; exit
# 77 (skipped) when there is no launcher.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
MPIEXEC=${MPIEXEC:-mpirun}
command -v "$MPIEXEC" >/dev/null || { echo "no mpirun"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN="$MPIEXEC --oversubscribe --bind-to none --mca btl self,vader,tcp"
