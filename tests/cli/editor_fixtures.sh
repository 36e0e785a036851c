# SPDX-License-Identifier: BSD-3-Clause
# The tree that t_editor_output.sh (tests/cli and tests/mpi) searches:
# make_tree's files and, in src/, small files that rg's formats and
# multiline groups show on (ASCII, so that both locales read them the
# same).  Source it after lib.sh; editor_tree DIR makes it.
editor_tree() {
	make_tree "$1" 7 30
	mkdir -p "$1"/src
	printf 'static int\nfoo(void)\nx static int\nbar(\nstatic int\n\nabc abc abc\n' > "$1"/src/a.c
	printf 'a\nabc\nb\nc\nd\nabc\nx\n' > "$1"/src/c.txt
	printf 'xb\nb\nzz\nb\n' > "$1"/src/m.txt
	# no final newline; a match at the very end
	printf 'int\nx int\nint' > "$1"/src/end.c
	# a file big enough to be split at 1K: groups of matches cross the parts'
	# boundaries (t_editor_output.sh checks that one does at 100 bytes)
	awk 'BEGIN {
		srand(3)
		split("static|int|foo(|bar|x|static int|abc|(void)|", w, "|")
		for (i = 0; i < 900; i++) {
			n = int(rand() * 5); s = ""
			for (k = 0; k < n; k++) s = s (k ? " " : "") w[int(rand() * 9) + 1]
			print s
		}
	}' > "$1"/src/big.c
}
