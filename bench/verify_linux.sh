#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Correctness on the real corpus: on the Linux 6.1 tree, the sorted output of
# mpsearch equals `grep -rn` with the same flags, for the queries of the core
# issue.  Usage: bench/verify_linux.sh [MPSEARCH] [TREE]
set -u
MPS=${1:-$(dirname "$0")/../build/mpsearch}
TREE=${2:-${MPSEARCH_BENCH_DIR:-/var/tmp/mpsearch-bench}/linux}
export LC_ALL=C
[ -d "$TREE" ] || { echo "no tree at $TREE (run bench/prepare linux)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf 'ERR_SYS\nPME_TURN_OFF\nLINK_REQ_RST\n' > "$T/pats"
fails=0
check() { # label, flags...
	local label=$1
	shift
	"$MPS" "$@" "$TREE" 2>/dev/null | sort > "$T/a"
	grep -r "$@" "$TREE" 2>/dev/null | sort > "$T/b"
	if [ "$label" = "-c" ]; then grep -v ':0$' "$T/b" > "$T/b2"; mv "$T/b2" "$T/b"; fi
	if cmp -s "$T/a" "$T/b"; then
		printf '%-28s same (%s lines)\n' "$label" "$(wc -l < "$T/a")"
	else
		printf '%-28s DIFFERENT\n' "$label"
		diff "$T/a" "$T/b" | head -5
		fails=$((fails + 1))
	fi
}
check "literal" -n -F PM_RESUME
check "-i" -n -F -i PM_RESUME
check "-w" -n -F -w PM_RESUME
check "-e x3" -n -F -e ERR_SYS -e PME_TURN_OFF -e LINK_REQ_RST
check "-f" -n -F -f "$T/pats"
check "-l" -l -F mutex_lock
check "-L" -L -F mutex_lock
check "-c" -c -F mutex_lock
check "-x" -n -F -x '#include <linux/module.h>'
check "-E" -n -E '[A-Z]+_RESUME'
exit $((fails > 0))
