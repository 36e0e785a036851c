#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scaling_sweep.sh - run mpsearch for every (ranks x workers) combination and
# collect its --stats line as CSV.
#
#   jobs/scaling_sweep.sh [options] KEYWORD CORPUS
#
#   KEYWORD   what to search for;  CORPUS   file or directory to search
#   e.g.  jobs/scaling_sweep.sh -r "1 2" -w "1 2" -o sweep.csv PTHREAD_MUTEX_INITIALIZER /usr/include
#
# Options:
#   -r "1 2 4"     rank counts N to try (default "1 2")
#   -w "1 2 4"     worker counts W (mpsearch -j) to try (default "1 2")
#   -n REPEATS     runs per combination (default 1)
#   -o FILE        CSV output (default: stdout)
#   -b BINARY      mpsearch binary (default: build/mpsearch)
#   -H HOSTFILE    passed to mpirun as --hostfile
#   -m "ARGS"      extra mpirun arguments (word-split), e.g. "--oversubscribe"
#   -a "ARGS"      extra mpsearch arguments (word-split), e.g. "-c --chunk-size 4M"
#   -k             keep going quietly: do not echo progress to stderr
#
# Environment: MPSEARCH_MODULES, environment modules to load first (e.g.
# "openmpi/4.1 hwloc"); as root, OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) are set.
#
# Each run is
#   mpirun -np N --bind-to none [-H] [ARGS] mpsearch -j W --stats [ARGS] KEYWORD CORPUS >/dev/null
# and the last stderr line starting with "mpsearch-stats:" is parsed. That
# line is "mpsearch-stats: key=value key=value ...". The CSV has the columns
#   ranks_req,workers_req,rep,rc,wall_s,<known stats keys>,extra
# where the known keys are listed in KEYS below and "extra" collects any
# other key=value pairs (';'-separated) so new keys are never lost.
# A failed run (rc != 0 and no stats line) still gets a row, with empty stats.
#
# Exit status: 0 if every run produced a stats line, 1 otherwise, 2 usage.

set -u
set -o pipefail

KEYS=(ranks workers files bytes matched_lines walk_s walk_wait_s scatter_s dispatch_s search_s
      gather_s total_s imbalance serial_share)

RANKS="1 2"
WORKERS="1 2"
REPEATS=1
OUT=
BIN=build/mpsearch
HOSTFILE=
MPIRUN_EXTRA=
MPSEARCH_EXTRA=
QUIET=0

usage() { sed -n '2,/^$/p' "$0" | sed '$d' >&2; exit 2; }

while getopts "r:w:n:o:b:H:m:a:kh" opt; do
    case $opt in
        r) RANKS=$OPTARG ;;
        w) WORKERS=$OPTARG ;;
        n) REPEATS=$OPTARG ;;
        o) OUT=$OPTARG ;;
        b) BIN=$OPTARG ;;
        H) HOSTFILE=$OPTARG ;;
        m) MPIRUN_EXTRA=$OPTARG ;;
        a) MPSEARCH_EXTRA=$OPTARG ;;
        k) QUIET=1 ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
KEYWORD=$1
CORPUS=$2

case $REPEATS in ''|*[!0-9]*|0) echo "scaling_sweep.sh: -n needs a positive integer" >&2; exit 2 ;; esac
for v in $RANKS $WORKERS; do
    case $v in ''|*[!0-9]*|0) echo "scaling_sweep.sh: bad count '$v'" >&2; exit 2 ;; esac
done
if [ ! -x "$BIN" ]; then
    echo "scaling_sweep.sh: mpsearch binary not executable: $BIN" >&2
    exit 2
fi
if [ ! -e "$CORPUS" ]; then
    echo "scaling_sweep.sh: corpus not found: $CORPUS" >&2
    exit 2
fi
# site modules (MPSEARCH_MODULES="openmpi/4.1 hwloc"), before mpirun is looked for
if [ -n "${MPSEARCH_MODULES:-}" ]; then
    if ! command -v module >/dev/null 2>&1 && [ -r /etc/profile.d/modules.sh ]; then
        . /etc/profile.d/modules.sh
    fi
    # shellcheck disable=SC2086  # a list of module names
    module load $MPSEARCH_MODULES || { echo "scaling_sweep.sh: module load $MPSEARCH_MODULES failed" >&2; exit 2; }
fi
command -v mpirun >/dev/null 2>&1 || { echo "scaling_sweep.sh: mpirun not found" >&2; exit 2; }

if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# shellcheck disable=SC2206  # word splitting of the extra args is intended
mpirun_extra=(${MPIRUN_EXTRA})
# shellcheck disable=SC2206
mpsearch_extra=(${MPSEARCH_EXTRA})
mpirun_host=()
[ -n "$HOSTFILE" ] && mpirun_host=(--hostfile "$HOSTFILE")

errlog=$(mktemp "${TMPDIR:-/tmp}/scaling_sweep.XXXXXX")
trap 'rm -f "$errlog"' EXIT

if [ -n "$OUT" ]; then
    exec 3>"$OUT" || exit 2
else
    exec 3>&1
fi

csv_escape() {  # quote a field if it needs it
    case $1 in
        *[,\"]*|*$'\n'*) printf '"%s"' "${1//\"/\"\"}" ;;
        *) printf '%s' "$1" ;;
    esac
}

header="ranks_req,workers_req,rep,rc,wall_s"
for k in "${KEYS[@]}"; do header="$header,$k"; done
echo "$header,extra" >&3

status=0
for n in $RANKS; do
    for w in $WORKERS; do
        for rep in $(seq 1 "$REPEATS"); do
            t0=$(date +%s.%N)
            # --bind-to none: with -np <= 2 Open MPI binds each rank to one
            # core by default, which would serialise the worker processes.
            mpirun -np "$n" --bind-to none "${mpirun_host[@]}" "${mpirun_extra[@]}" \
                "$BIN" -j "$w" --stats "${mpsearch_extra[@]}" "$KEYWORD" "$CORPUS" \
                >/dev/null 2>"$errlog"
            rc=$?
            t1=$(date +%s.%N)
            wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
            line=$(grep '^mpsearch-stats:' "$errlog" | tail -n 1)

            declare -A val=()
            extra=
            for kv in ${line#mpsearch-stats:}; do
                k=${kv%%=*}
                v=${kv#*=}
                [ "$k" = "$kv" ] && continue        # not key=value
                known=0
                for kk in "${KEYS[@]}"; do
                    if [ "$kk" = "$k" ]; then known=1; break; fi
                done
                if [ $known = 1 ]; then
                    val[$k]=$v
                else
                    extra="${extra:+$extra;}$k=$v"
                fi
            done

            row="$n,$w,$rep,$rc,$wall"
            for k in "${KEYS[@]}"; do
                row="$row,$(csv_escape "${val[$k]:-}")"
            done
            echo "$row,$(csv_escape "$extra")" >&3
            unset val

            if [ -z "$line" ]; then
                status=1
                echo "scaling_sweep.sh: N=$n W=$w rep=$rep: no stats line (rc $rc):" >&2
                tail -n 5 "$errlog" | sed 's/^/    /' >&2
            elif [ "$QUIET" = 0 ]; then
                echo "scaling_sweep.sh: N=$n W=$w rep=$rep rc=$rc wall=${wall}s" >&2
            fi
        done
    done
done
exit $status
