#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The layout README's "Architecture" promises, checked on the sources:
# MPI is called only in the distribution layer (src/dist*.c), hwloc only in
# the core choice (src/cores.c); the library never prints, exits or
# installs a signal handler in the caller's process (the driver does:
# main.c, driver.c, progress.c); workers leave with _exit; the primitive headers include
# nothing above them; no source file passes 900 lines.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../../src" && pwd)
INC=$(cd "$SRC/../include/mpsearch" && pwd)
cd "$SRC"

# calls, not words in comments or strings: drop comments and string literals
code() {
	sed -e 's://.*$::' "$1" | perl -0pe 's:/\*.*?\*/::gs; s/"(\\\\.|[^"\\\\])*"/""/g'
}

library=$(ls *.c | grep -vxE 'main.c|driver.c|progress.c')
for f in $library; do
	c=$(code "$f")
	case $f in
	dist*.c) ;;
	*) grep -qE '\bMPI_[A-Z][a-z_]*\s*\(' <<<"$c" && fail "$f calls MPI" || ok ;;
	esac
	[ "$f" = cores.c ] || { grep -qE '\bhwloc_[a-z_]+\s*\(' <<<"$c" && fail "$f calls hwloc" || ok; }
	# the zygote and the workers are processes of their own: they set their
	# own signal dispositions, but never print or exit() either
	calls='printf|puts|perror|exit|sigaction|signal'
	case $f in worker.c | zygote.c) calls='printf|puts|perror|exit' ;; esac
	grep -qE "\\b($calls)\\s*\\(" <<<"$c" &&
		fail "$f prints, exits or installs a handler: $(grep -nE "\\b($calls)\\s*\\(" <<<"$c" | head -2)" || ok
	grep -qE '\bf?printf\s*\(\s*std(out|err)' <<<"$c" && fail "$f writes to stdout/stderr" || ok
done
# the workers' process ends with _exit
grep -qE '\b_exit\s*\(' worker.c && ok || fail "worker.c never calls _exit"

for h in buf.h types.h codec.h error.h; do
	above=$(grep -E '#include "mpsearch/' "$INC/$h" | grep -vE 'mpsearch/(buf|types|error)\.h')
	[ -z "$above" ] && ok || fail "$h includes a stage header: $above"
done
grep -q 'mpi.h' "$INC/dist_pack.h" && fail "dist_pack.h needs MPI" || ok

for f in *.c *.h "$INC"/*.h; do
	n=$(wc -l <"$f")
	[ "$n" -le 900 ] && ok || fail "$f has $n lines (more than 900)"
done

done_testing
