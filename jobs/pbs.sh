#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# PBS / Torque job: one mpsearch rank per node, worker processes filling the node.
#
#   qsub -l nodes=8:ppn=16 -F "error /shared/logs" jobs/pbs.sh     (Torque)
#   qsub -l select=8:ncpus=16:mpiprocs=1 -v KEYWORD=error,CORPUS=/shared/logs jobs/pbs.sh
#                                                                   (PBS Pro)
#   qsub -v KEYWORD=error,CORPUS=/shared/logs,MPSEARCH_ARGS="-c --stats" jobs/pbs.sh
#
#   KEYWORD   what to search for (a literal string; -E/-P for a regex)
#   CORPUS    file or directory to search, at the same path on every node
#
# Ask for whole nodes with their cores: a -l on the qsub line replaces the
# script's own "#PBS -l nodes=4:ppn=16" entirely, so "qsub -l nodes=8" alone
# gives ONE core per node (ppn=1), and so one worker per rank; always give
# ppn (Torque) or ncpus (PBS Pro) with the node count.
#
# Positional arguments, when given, are "[mpsearch options] KEYWORD CORPUS"
# and take precedence over KEYWORD/CORPUS/MPSEARCH_ARGS.
#
# Environment (via qsub -v):
#   KEYWORD, CORPUS   what to search and where (CORPUS on a shared file system)
#   MPSEARCH_ARGS     extra mpsearch options (word-split), e.g. "-c --stats"
#   MPSEARCH          binary (default: $PBS_O_WORKDIR/build/mpsearch), same
#                     path on every node
#   MPSEARCH_MODULES  environment modules to load first, e.g. "openmpi/4.1 hwloc"
#                     (module load $MPSEARCH_MODULES); none by default
#   MPSEARCH_WORKERS  worker processes per rank (default: cores given on the
#                     first node: $NCPUS on PBS Pro, else its line count in
#                     $PBS_NODEFILE)
#   MPSEARCH_OUTPUT   if set, passed as --output FILE (written atomically)
#   MPIRUN_ARGS       extra mpirun options (word-split), e.g. network pinning
#                     "--mca btl_tcp_if_include ib0 --mca oob_tcp_if_include ib0"
#
# Open MPI without PBS "tm" support (e.g. Debian's build) starts its daemons
# over ssh: passwordless ssh between the nodes is required. The hostfile is
# built from $PBS_NODEFILE either way.

# Torque syntax; for PBS Pro use the select line instead:
#PBS -N mpsearch
#PBS -l nodes=4:ppn=16
##PBS -l select=4:ncpus=16:mpiprocs=1
#PBS -l walltime=00:30:00
#PBS -j oe

set -euo pipefail

usage() {
    echo "usage: qsub -l nodes=N:ppn=CORES -F \"[mpsearch options] KEYWORD CORPUS\" jobs/pbs.sh" >&2
    echo "   or: qsub -l nodes=N:ppn=CORES -v KEYWORD=...,CORPUS=... jobs/pbs.sh" >&2
    exit 2
}

cd "${PBS_O_WORKDIR:-.}"

if [ $# -eq 1 ] || { [ $# -eq 0 ] && { [ -z "${KEYWORD:-}" ] || [ -z "${CORPUS:-}" ]; }; }; then
    echo "pbs.sh: give KEYWORD and CORPUS" >&2
    usage
fi

# site modules (MPSEARCH_MODULES="openmpi/4.1 hwloc"), before anything runs
if [ -n "${MPSEARCH_MODULES:-}" ]; then
    if ! command -v module >/dev/null 2>&1 && [ -r /etc/profile.d/modules.sh ]; then
        . /etc/profile.d/modules.sh
    fi
    # shellcheck disable=SC2086  # a list of module names
    module load $MPSEARCH_MODULES || { echo "pbs.sh: module load $MPSEARCH_MODULES failed" >&2; exit 2; }
fi

if [ -z "${PBS_NODEFILE:-}" ] || [ ! -r "${PBS_NODEFILE:-}" ]; then
    echo "pbs.sh: \$PBS_NODEFILE not set or unreadable (not inside a PBS job?)" >&2
    exit 2
fi

if [ $# -ge 2 ]; then
    args=("$@")
else
    # shellcheck disable=SC2206  # word splitting of MPSEARCH_ARGS is intended
    extra=(${MPSEARCH_ARGS:-})
    args=("${extra[@]}" "$KEYWORD" "$CORPUS")
fi

MPSEARCH=${MPSEARCH:-${PBS_O_WORKDIR:-.}/build/mpsearch}
if [ ! -x "$MPSEARCH" ]; then
    echo "pbs.sh: mpsearch not found or not executable: $MPSEARCH" >&2
    exit 2
fi

# $PBS_NODEFILE has one line per allocated core (Torque ppn) or per mpiproc
# (PBS Pro): keep each node once, in order, with slots=1.
HOSTFILE=$(mktemp "${TMPDIR:-/tmp}/mpsearch-hosts.XXXXXX")
trap 'rm -f "$HOSTFILE"' EXIT
awk '!seen[$1]++ { print $1 " slots=1" }' "$PBS_NODEFILE" >"$HOSTFILE"
NODES=$(wc -l <"$HOSTFILE")

first=$(head -n 1 "$PBS_NODEFILE")
per_node=$(awk -v n="$first" '$1 == n { c++ } END { print c + 0 }' "$PBS_NODEFILE")
WORKERS=${MPSEARCH_WORKERS:-${NCPUS:-$per_node}}
[ "$WORKERS" -ge 1 ] 2>/dev/null || WORKERS=1
if [ "$WORKERS" = 1 ] && [ -z "${MPSEARCH_WORKERS:-}" ]; then
    echo "pbs.sh: warning: 1 core per node in this job, so 1 worker per rank;" \
         "ask for nodes=N:ppn=CORES (Torque) or select=N:ncpus=CORES (PBS Pro)" >&2
fi

mpsearch_args=(-j "$WORKERS")
if [ -n "${MPSEARCH_OUTPUT:-}" ]; then
    mpsearch_args+=(--output "$MPSEARCH_OUTPUT")
fi
mpsearch_args+=("${args[@]}")

# shellcheck disable=SC2206
mpirun_extra=(${MPIRUN_ARGS:-})

echo "pbs.sh: job ${PBS_JOBID:-?} on $NODES node(s): $(tr '\n' ' ' <"$HOSTFILE")," \
     "$WORKERS worker(s) per rank" >&2

# One rank per node (ppr:1:node); --bind-to none lets the rank's worker
# workers run on all cores of its node.
mpirun --hostfile "$HOSTFILE" -np "$NODES" --map-by ppr:1:node --bind-to none \
    "${mpirun_extra[@]}" "$MPSEARCH" "${mpsearch_args[@]}"
