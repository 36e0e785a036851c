#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A build without MPI (-DMPSEARCH_MPI=OFF): links no MPI library, prints
# byte for byte what the MPI build prints (run locally) for every output
# mode, and refuses to run as several copies under an MPI launcher.
#
#   tests/nompi/compare.sh MPI_BINARY NOMPI_BINARY
set -u
MPI_BIN=$(realpath "${1:?usage: $0 MPI_BINARY NOMPI_BINARY}") || exit 1
NOMPI_BIN=$(realpath "${2:?}") || exit 1
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/mps-nompi.XXXXXX")
trap 'rm -rf "$T"' EXIT
here=$(cd "$(dirname "$0")/../.." && pwd)
FAILS=0
COUNT=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { COUNT=$((COUNT + 1)); }

if ldd "$NOMPI_BIN" | grep -qE 'libmpi|open-rte|open-pal'; then
	fail "$NOMPI_BIN links MPI: $(ldd "$NOMPI_BIN" | grep -E 'libmpi|open-rte|open-pal' | tr -s ' \n' ' ')"
else
	ok
fi
ldd "$MPI_BIN" | grep -q libmpi && ok || fail "$MPI_BIN does not link libmpi"

# the corpus: this source tree (text, a few hundred files), plus a file of
# 200 KB split by --chunk-size 4K
mkdir "$T/c" && cp -r "$here/src" "$here/include" "$here/doc" "$T/c"/
awk 'BEGIN { for (i = 0; i < 4000; i++) print "line " i " mps_run needle " (i % 7 ? "" : "static") }' \
	> "$T/c/big.txt"
cd "$T/c" || exit 1
modes=("mps_" "-i STATIC" "-w int" "-c static" "-l mps_run" "-L needle" "-v -m 3 e"
	"-C 2 needle" "-o -E mps_[a-z]+_new" "--json mps_pool_new" "-j 1 static"
	"-j 4 --chunk-size 4K needle" "-x }" "-e mpi -e MPI -n")
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086  # the mode is word-split on purpose
	"$MPI_BIN" $m . > "$T/want" 2>&1
	w=$?
	# shellcheck disable=SC2086
	"$NOMPI_BIN" $m . > "$T/got" 2>&1
	g=$?
	if [ "${m#--json}" != "$m" ]; then # the summary's times differ
		sed -i -E 's/"(human|nanos|secs)":("[^"]*"|[0-9]+)/"\1":0/g' "$T/want" "$T/got"
	fi
	if [ "$w" = "$g" ] && cmp -s "$T/want" "$T/got"; then
		ok
	else
		fail "'$m': exit $g vs $w, or output differs"
		diff "$T/want" "$T/got" | head -5 >&2
	fi
done
"$NOMPI_BIN" --stats needle . 2>&1 >/dev/null | grep -q '^mpsearch-stats: ranks=1 ' && ok ||
	fail "--stats: no mpsearch-stats line"

# under a launcher: one rank runs, several are refused with exit 2
OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_RANK=0 "$NOMPI_BIN" mps_ . > "$T/got" 2>&1
"$MPI_BIN" mps_ . > "$T/want" 2>&1
cmp -s "$T/want" "$T/got" && ok || fail "one rank under a launcher: output differs"
OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$NOMPI_BIN" mps_ . > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 2 ] && ok || fail "OMPI_COMM_WORLD_SIZE=2: exit $rc, want 2"
[ ! -s "$T/out" ] && ok || fail "OMPI_COMM_WORLD_SIZE=2: printed results"
grep -q 'built without MPI' "$T/err" && ok || fail "OMPI_COMM_WORLD_SIZE=2: message: $(cat "$T/err")"
PMI_SIZE=4 PMI_RANK=3 "$NOMPI_BIN" mps_ . > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 2 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] && ok ||
	fail "PMI_RANK=3: exit $rc (want 2), rank > 0 speaks or prints"
if command -v mpirun > /dev/null; then
	mpirun -np 2 --oversubscribe "$NOMPI_BIN" mps_ . > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" != 0 ] && [ ! -s "$T/out" ] && [ "$(grep -c 'built without MPI' "$T/err")" = 1 ] && ok ||
		fail "mpirun -np 2: exit $rc, $(grep -c 'built without MPI' "$T/err") messages, $(wc -l < "$T/out") lines out"
fi

echo "# $COUNT passed, $FAILS failed"
[ "$FAILS" = 0 ]
