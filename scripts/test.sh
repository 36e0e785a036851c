#!/bin/bash
# Fresh Debian 12: install dependencies, build, run the whole test suite;
# run each libFuzzer target for 60 s; then build again with AddressSanitizer
# + UBSan and run the suite there.  MPSEARCH_SKIP_FUZZ=1 and
# MPSEARCH_SKIP_SANITIZE=1 skip those passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
scripts/setup.sh
(cd build && ctest --output-on-failure -j 2 --timeout 900)
# libFuzzer targets (scanner vs a reference, option parser, wire decoders),
# 60 s each; MPSEARCH_SKIP_FUZZ=1 skips them
if [ "${MPSEARCH_SKIP_FUZZ:-0}" != 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} tests/fuzz/run.sh
fi
if [ "${MPSEARCH_SKIP_SANITIZE:-0}" != 1 ]; then
	BUILD_DIR=build-sanitize scripts/setup.sh -DMPSEARCH_SANITIZE=ON
	# Open MPI keeps some allocations until exit; leaks are checked by
	# the unit tests' own LeakSanitizer runs, not in MPI processes.  The
	# tests labelled "slow" (hardening, valgrind, pool, differential) ran
	# in the plain build above.
	(cd build-sanitize &&
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			ctest --output-on-failure -j 2 --timeout 900 -LE slow)
fi
