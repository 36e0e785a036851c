#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fresh Debian 12: install dependencies, build, run the whole test suite;
# build without MPI (-DMPSEARCH_MPI=OFF) and check that build's unit tests
# and its output against the MPI build's; run each libFuzzer target for
# 60 s; then build again with AddressSanitizer + UBSan and run the suite
# there; finally check that the tests left the git tree as it was.
# MPSEARCH_SKIP_FUZZ=1 and MPSEARCH_SKIP_SANITIZE=1 skip those passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
git_status() { git status --porcelain 2>/dev/null || true; }
before=$(git_status) # empty in CI's clean clone
scripts/check_spdx.sh # every source file names its licence
scripts/setup.sh --test
(cd build && ctest --output-on-failure -j 2 --timeout 900)
# the one-machine build: unit tests, and the same answers as the MPI build
BUILD_DIR=build-nompi scripts/setup.sh --test -DMPSEARCH_MPI=OFF
(cd build-nompi && ctest --output-on-failure -j 2 --timeout 300 -R '^unit/')
tests/nompi/compare.sh build/mpsearch build-nompi/mpsearch
# libFuzzer targets (scanner vs a reference, option parser, wire decoders),
# 60 s each, on copies of the committed corpora; MPSEARCH_SKIP_FUZZ=1
# skips them
if [ "${MPSEARCH_SKIP_FUZZ:-0}" != 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} tests/fuzz/run.sh
fi
if [ "${MPSEARCH_SKIP_SANITIZE:-0}" != 1 ]; then
	BUILD_DIR=build-sanitize scripts/setup.sh --test -DMPSEARCH_SANITIZE=ON
	# Open MPI keeps some allocations until exit; leaks are checked by
	# the unit tests' own LeakSanitizer runs, not in MPI processes.  The
	# tests labelled "slow" (hardening, valgrind, pool, differential,
	# package) ran in the plain build above.
	(cd build-sanitize &&
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			ctest --output-on-failure -j 2 --timeout 900 -LE slow)
fi
# nothing the tests did may show in git status (build*/ is ignored)
after=$(git_status)
if [ "$after" != "$before" ]; then
	echo "scripts/test.sh: the tests changed the tree (git status --porcelain):" >&2
	diff <(echo "$before") <(echo "$after") >&2
	exit 1
fi
echo "scripts/test.sh: git status --porcelain is as before the tests${before:+ (not empty)}"
