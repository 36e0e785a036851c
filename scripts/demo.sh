#!/bin/bash
# Fresh Debian 12: install dependencies, build, and run a real search with
# mpirun over 2 local ranks on corpora every machine has.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "$(id -u)" = 0 ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
KEYWORD=${1:-PTHREAD_MUTEX_INITIALIZER}
echo "+ mpirun -np 2 --oversubscribe build/mpsearch --stats $KEYWORD /usr/include /usr/share/doc" >&2
mpirun -np 2 --oversubscribe --bind-to none build/mpsearch --stats "$KEYWORD" /usr/include /usr/share/doc |
	head -n 20
