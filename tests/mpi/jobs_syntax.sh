#!/bin/bash
# jobs_syntax.sh - `bash -n` every file in jobs/ (and the scripts here).
#
#   tests/mpi/jobs_syntax.sh [JOBS_DIR]
#
# Exit status: 0 all files parse, 1 a file failed (or none found).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jobs=${1:-$here/../../jobs}

if [ ! -d "$jobs" ]; then
    echo "jobs_syntax.sh: no directory $jobs" >&2
    exit 1
fi

n=0
bad=0
for f in "$jobs"/* "$here"/*.sh; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if bash -n "$f"; then
        echo "ok - bash -n $f"
    else
        echo "not ok - bash -n $f"
        bad=$((bad + 1))
    fi
done

if [ "$n" = 0 ]; then
    echo "jobs_syntax.sh: no files in $jobs" >&2
    exit 1
fi
[ "$bad" = 0 ] || { echo "jobs_syntax.sh: $bad of $n files failed" >&2; exit 1; }
echo "jobs_syntax.sh: all $n files pass bash -n"
