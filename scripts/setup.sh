#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install mpsearch's dependencies (Debian 12) and build it into build/
# (or $BUILD_DIR).
#
#   scripts/setup.sh [CMAKE_ARGS]          what the demo needs: compiler, CMake,
#                                          Open MPI, hwloc, Vectorscan, PCRE2,
#                                          liburing; a new build directory
#                                          does not build the tests
#   scripts/setup.sh --test [CMAKE_ARGS]   also the test tools (cmocka, clang and
#                                          its sanitizer runtimes, valgrind, zsh,
#                                          fish, ...), and builds the tests
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS=
if [ "${1:-}" = --test ]; then
	TESTS=ON
	shift
fi
PKGS="build-essential cmake pkg-config openmpi-bin libopenmpi-dev libhwloc-dev
      libvectorscan-dev libpcre2-dev liburing-dev
      zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev"
TEST_PKGS="libcmocka-dev iproute2 util-linux procps python3 grep gawk clang
      libclang-rt-14-dev valgrind dpkg-dev file zsh fish
      gzip bzip2 xz-utils zstd lz4 tabix ripgrep git"
[ "$TESTS" != ON ] || PKGS="$PKGS $TEST_PKGS"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
BUILD_DIR=${BUILD_DIR:-build}
# without --test an existing build directory keeps its choice
[ -n "$TESTS" ] || [ -f "$BUILD_DIR/CMakeCache.txt" ] || TESTS=OFF
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${TESTS:+-DMPSEARCH_TESTS=$TESTS} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
