# SPDX-License-Identifier: BSD-3-Clause
# cmake -DIN=doc/mpsearch.1 -DOUT=... -DVERSION=x.y.z -P cmake/manpage.cmake
# Copies the man page with the project's version in its .TH line (the
# version lives in project() only).
file(READ "${IN}" text)
string(REGEX REPLACE "\n\\.TH MPSEARCH 1 ([^ ]+) \"mpsearch\"" "\n.TH MPSEARCH 1 \\1 \"mpsearch ${VERSION}\""
  text "${text}")
file(WRITE "${OUT}" "${text}")
