#!/bin/bash
# Every source file under src/, include/, tools/, tests/, scripts/, bench/,
# jobs/, cmake/ and .ci/ (C, shell,
# Python, CMake; not the fuzz corpora) names its licence with an SPDX line
# in its first five lines:  SPDX-License-Identifier: BSD-3-Clause
# Exit status: 0 all have one, 1 otherwise (the files are listed).
set -u
cd "$(dirname "$0")/.."
missing=0
while IFS= read -r -d '' f; do
	if ! head -n 5 "$f" | grep -q 'SPDX-License-Identifier: BSD-3-Clause'; then
		echo "no SPDX line: $f"
		missing=$((missing + 1))
	fi
done < <(git ls-files -z --cached --others --exclude-standard -- src include tools tests scripts bench jobs cmake .ci CMakeLists.txt ':!tests/fuzz/corpus' |
	grep -zE '(\.(c|h|sh|py|cmake|sbatch)|CMakeLists\.txt|\.ci/run|bench/(run|prepare))$')
[ "$missing" = 0 ] && echo "check_spdx.sh: every source file has an SPDX line"
[ "$missing" = 0 ]
