# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for CLI tests (git t/ style): source it, then use
# make_tree, check_same, expect_status; finish with `done_testing`.
set -u
MPS=${1:?usage: $0 path/to/mpsearch}
MPS=$(cd "$(dirname "$MPS")" && pwd)/$(basename "$MPS")
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/mps-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
COUNT=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

ok() {
	COUNT=$((COUNT + 1))
}

# check_same NAME FILE_EXPECTED FILE_ACTUAL
check_same() {
	if cmp -s "$2" "$3"; then
		ok
	else
		fail "$1"
		diff "$2" "$3" | head -20 >&2
	fi
}

# expect_status NAME WANT CMD...
expect_status() {
	local name=$1 want=$2
	shift 2
	"$@" >/dev/null 2>&1
	local got=$?
	if [ "$got" = "$want" ]; then ok; else fail "$name: exit $got, want $want"; fi
}

# make_tree DIR SEED NFILES: deterministic text files with keywords
make_tree() {
	local dir=$1 seed=$2 n=$3
	mkdir -p "$dir"
	awk -v seed="$seed" -v n="$n" -v dir="$dir" '
	BEGIN {
		srand(seed)
		split("alpha beta gamma delta PM_RESUME pm_resume Pm_Resume foo_bar foo bar " \
		      "mutex_lock a.b a*b [x] (y) ^start end$ back\\slash tab\there  ERR_SYS " \
		      "PME_TURN_OFF LINK_REQ_RST CFG_BME_EVT xPM_RESUMEx _PM_RESUME PM_RESUME_", w, " ")
		nw = length(w)
		for (f = 0; f < n; f++) {
			sub_ = (f % 7 == 0) ? "" : sprintf("d%d/", f % 5)
			if (f % 11 == 0) sub_ = sub_ "deep/er/"
			path = dir "/" sub_ sprintf("f%03d.txt", f)
			cmd = "mkdir -p \"$(dirname \"" path "\")\""
			system(cmd)
			lines = int(rand() * 60)
			for (l = 0; l < lines; l++) {
				k = int(rand() * 9)
				s = ""
				for (i = 0; i < k; i++) s = s (i ? " " : "") w[int(rand() * nw) + 1]
				if (rand() < 0.05) s = s "\r"
				print s > path
			}
			if (lines == 0) printf "" > path
			if (f % 13 == 5) printf "no final newline PM_RESUME" > path
			close(path)
		}
	}'
}

done_testing() {
	echo "# $COUNT passed, $FAILS failed"
	[ "$FAILS" = 0 ]
	exit $?
}
