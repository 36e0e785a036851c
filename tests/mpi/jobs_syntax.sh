#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# jobs_syntax.sh - `bash -n` every file in jobs/ (and the scripts here);
# each job script without KEYWORD and CORPUS prints its usage and exits 2.
# With MPSEARCH (a binary built with MPI) and mpirun, the README's rows run
# for real on this machine, on a small corpus, against a local run:
# pbs.sh in a made-up PBS job (a $PBS_NODEFILE naming localhost), slurm.sbatch
# with LAUNCHER=mpirun, scaling_sweep.sh, hostfiles/cluster.example; and the
# MPSEARCH_MODULES hook calls `module load` with the names given.
#
#   [MPSEARCH=build/mpsearch] tests/mpi/jobs_syntax.sh [JOBS_DIR]
#
# Exit status: 0 all checks pass, 1 a check failed (or no files found).

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

check() { # NAME CONDITION...
    local name=$1
    shift
    n=$((n + 1))
    if "$@"; then echo "ok - $name"; else echo "not ok - $name"; bad=$((bad + 1)); fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/jobs-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
for f in pbs.sh slurm.sbatch scaling_sweep.sh; do
    (cd "$T" && env -u KEYWORD -u CORPUS bash "$jobs/$f" > "$T/out" 2>&1)
    rc=$?
    check "$f without KEYWORD and CORPUS: exit 2 ($rc) and usage" \
        test "$rc" = 2 -a -n "$(grep -i usage "$T/out")"
done

MPS=${MPSEARCH:-}
if [ -n "$MPS" ] && [ -x "$MPS" ] && command -v mpirun > /dev/null && ldd "$MPS" | grep -q libmpi; then
    MPS=$(cd "$(dirname "$MPS")" && pwd)/$(basename "$MPS")
    if [ "$(id -u)" = 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    c=$T/corpus
    mkdir -p "$c/a" "$c/b"
    printf 'one needle\ntwo\n' > "$c/a/x.txt"
    printf 'needle three\nneedle four\n' > "$c/b/y.txt"
    "$MPS" -j 1 needle "$c" > "$T/want"
    repo=$(cd "$here/../.." && pwd)

    # PBS: two lines per node in $PBS_NODEFILE = ppn=2 -> one rank, -j 2
    printf 'localhost\nlocalhost\n' > "$T/nodefile"
    (cd "$T" && PBS_NODEFILE=$T/nodefile PBS_O_WORKDIR=$T MPSEARCH=$MPS \
        bash "$jobs/pbs.sh" needle "$c" > "$T/got" 2> "$T/err")
    check "pbs.sh: ppn=2 job, results as a local run" cmp -s "$T/want" "$T/got"
    check "pbs.sh: 2 workers per rank from ppn" grep -q '2 worker(s) per rank' "$T/err"
    printf 'localhost\n' > "$T/nodefile"
    (cd "$T" && PBS_NODEFILE=$T/nodefile PBS_O_WORKDIR=$T MPSEARCH=$MPS KEYWORD=needle CORPUS=$c \
        bash "$jobs/pbs.sh" > "$T/got" 2> "$T/err")
    check "pbs.sh: KEYWORD/CORPUS from the environment" cmp -s "$T/want" "$T/got"
    check "pbs.sh: warns of ppn=1" grep -q 'warning: 1 core per node' "$T/err"

    # modules: a stand-in `module` records what it was asked to load
    export MODULES_LOG=$T/modules
    module() { echo "module $*" >> "$MODULES_LOG"; }
    export -f module
    (cd "$T" && PBS_NODEFILE=$T/nodefile PBS_O_WORKDIR=$T MPSEARCH=$MPS \
        MPSEARCH_MODULES="openmpi/4.1 hwloc" bash "$jobs/pbs.sh" needle "$c" > /dev/null 2>&1)
    check "pbs.sh: MPSEARCH_MODULES -> module load" \
        test "$(cat "$T/modules" 2>/dev/null)" = "module load openmpi/4.1 hwloc"
    rm -f "$T/modules"

    # Slurm through mpirun (srun needs a Slurm cluster)
    (cd "$T" && env -u SLURM_JOB_ID -u SLURM_JOBID SLURM_SUBMIT_DIR=$T SLURM_JOB_NUM_NODES=1 \
        SLURM_CPUS_ON_NODE=2 LAUNCHER=mpirun MPSEARCH=$MPS MPSEARCH_MODULES=m1 \
        bash "$jobs/slurm.sbatch" needle "$c" > "$T/got" 2> "$T/err")
    check "slurm.sbatch (LAUNCHER=mpirun): results as a local run" cmp -s "$T/want" "$T/got"
    check "slurm.sbatch: MPSEARCH_MODULES -> module load" \
        test "$(cat "$T/modules" 2>/dev/null)" = "module load m1"
    unset -f module

    # the README's scaling-sweep and hostfile rows
    (cd "$repo" && bash "$jobs/scaling_sweep.sh" -r 1 -w "1 2" -b "$MPS" -o "$T/sweep.csv" \
        needle "$c" 2> "$T/err")
    rc=$?
    check "scaling_sweep.sh -r 1 -w \"1 2\": exit 0 ($rc), 2 rows" \
        test "$rc" = 0 -a "$(grep -c '^1,[12],1,0,' "$T/sweep.csv")" = 2
    (cd "$repo" && mpirun --hostfile hostfiles/cluster.example --map-by ppr:1:node --bind-to none \
        "$MPS" -j 1 needle "$c" > "$T/got" 2> "$T/err")
    check "mpirun --hostfile hostfiles/cluster.example: results as a local run" cmp -s "$T/want" "$T/got"
else
    echo "# no MPSEARCH built with MPI, or no mpirun: the job scripts were not run"
fi

[ "$bad" = 0 ] || { echo "jobs_syntax.sh: $bad of $n checks failed" >&2; exit 1; }
echo "jobs_syntax.sh: all $n checks pass"
