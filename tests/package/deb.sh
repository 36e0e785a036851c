#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The .deb: `cpack -G DEB` in the build tree gives a package whose Depends
# names the runtime libraries, and whose extracted binary runs and finds
# what GNU grep finds; it carries the man page and the three completions.
#
#   tests/package/deb.sh BUILD_DIR CPACK MPI(0|1)
set -u
BUILD=${1:?usage: $0 BUILD_DIR CPACK MPI}
CPACK=${2:?}
MPI=${3:?}
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/mps-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

if ! "$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/out" > "$T/cpack.log" 2>&1; then
	cat "$T/cpack.log" >&2
	echo "FAIL: cpack -G DEB" >&2
	exit 1
fi
deb=$(ls "$T"/out/*.deb)
[ -f "$deb" ] || { echo "FAIL: no .deb in $T/out" >&2; exit 1; }

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libhwloc libvectorscan libpcre2-8 liburing; do
	case $depends in *"$lib"*) ;; *) fail "Depends has no $lib: $depends" ;; esac
done
case $depends in
*libopenmpi*) [ "$MPI" = 1 ] || fail "a build without MPI depends on Open MPI: $depends" ;;
*) [ "$MPI" = 0 ] || fail "Depends has no libopenmpi: $depends" ;;
esac

dpkg-deb -x "$deb" "$T/root"
bin=$T/root/usr/bin/mpsearch
for f in usr/share/man/man1/mpsearch.1 usr/share/bash-completion/completions/mpsearch \
	usr/share/zsh/vendor-completions/_mpsearch usr/share/fish/vendor_completions.d/mpsearch.fish; do
	[ -s "$T/root/$f" ] || fail "not in the package: /$f"
done
grep -q -- '--chunk-size' "$T/root/usr/share/bash-completion/completions/mpsearch" ||
	fail "the bash completion lacks --chunk-size"

# the version of project() in --version, the package and the man page
version=$(dpkg-deb -f "$deb" Version)
[ "$("$bin" --version)" = "mpsearch $version" ] || fail "--version: $("$bin" --version), package $version"
grep -q "^\.TH MPSEARCH 1 .* \"mpsearch $version\"" "$T/root/usr/share/man/man1/mpsearch.1" ||
	fail "man page .TH without version $version"

# the extracted binary searches a tiny corpus as grep does
mkdir -p "$T/c/sub"
printf 'alpha\nneedle one\nbeta\n' > "$T/c/a.txt"
printf 'needle two\n' > "$T/c/sub/b.txt"
printf 'nothing\n' > "$T/c/sub/c.txt"
(cd "$T/c" && grep -rn needle a.txt sub | sort) > "$T/want"
(cd "$T/c" && "$bin" -j 2 needle a.txt sub) > "$T/got"
rc=$?
[ "$rc" = 0 ] || fail "extracted binary: exit $rc"
cmp -s "$T/want" "$T/got" || { fail "extracted binary's output differs from grep's"; diff "$T/want" "$T/got" >&2; }

[ "$FAILS" = 0 ] && echo "# package $(basename "$deb"): ok"
[ "$FAILS" = 0 ]
