#!/bin/bash
# Install mpsearch's build and test dependencies (Debian 12) and build it
# into build/ (or $BUILD_DIR).  Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="build-essential cmake pkg-config openmpi-bin libopenmpi-dev libhwloc-dev
      libcmocka-dev libvectorscan-dev libpcre2-dev iproute2 util-linux procps
      python3 grep gawk clang libclang-rt-14-dev valgrind
      zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev
      gzip bzip2 xz-utils zstd lz4 tabix"
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
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
