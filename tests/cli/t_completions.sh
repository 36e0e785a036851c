#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shell completions (built next to the binary in completions/, generated
# from the option table): every option --help shows is offered by each of
# bash, zsh and fish, and nothing else is.  bash and fish (when installed)
# are asked to complete for real; zsh's file is checked for syntax and
# content (completing needs an interactive zsh).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

C=$(dirname "$MPS")/completions
for f in mpsearch.bash mpsearch.zsh mpsearch.fish; do
	[ -s "$C/$f" ] && ok || fail "no $C/$f"
done

# the options --help shows: long ones, and short ones
"$MPS" --help > help
grep -oE -- '(^| )--[a-z][a-z-]*' help | tr -d ' ' | sort -u > long
# ("-x, -y, --long" and a short option alone, "-I   text")
grep -oE -- '^  (-[a-zA-Z0-9], )+|^  -[a-zA-Z0-9]  ' help | grep -oE -- '-[a-zA-Z0-9]' | sort -u > short
[ "$(wc -l < long)" -gt 30 ] && ok || fail "only $(wc -l < long) long options in --help"
[ "$(wc -l < short)" -gt 20 ] && ok || fail "only $(wc -l < short) short options in --help"
sort -u long short > all

# bash: "mpsearch -<TAB>" offers exactly the options of --help
bash -c 'source "$1"; COMP_WORDS=(mpsearch -); COMP_CWORD=1; _mpsearch
	printf "%s\n" "${COMPREPLY[@]}"' _ "$C/mpsearch.bash" | sort -u > bash.all
check_same "bash: options offered = options in --help" all bash.all
bash -c 'source "$1"; COMP_WORDS=(mpsearch --color = al); COMP_CWORD=3; _mpsearch
	printf "%s\n" "${COMPREPLY[@]}"' _ "$C/mpsearch.bash" > bash.color
[ "$(cat bash.color)" = always ] && ok || fail "bash: --color=al gives '$(cat bash.color)'"
mkdir -p dir && : > dir/file.txt
bash -c 'cd "$2"; source "$1"; COMP_WORDS=(mpsearch -f di); COMP_CWORD=2; _mpsearch
	printf "%s\n" "${COMPREPLY[@]}"' _ "$C/mpsearch.bash" "$PWD" > bash.file
[ "$(cat bash.file)" = dir ] && ok || fail "bash: -f di gives '$(cat bash.file)'"
bash -c 'source "$1"; COMP_WORDS=(mpsearch -m ""); COMP_CWORD=2; _mpsearch
	echo "${#COMPREPLY[@]}"' _ "$C/mpsearch.bash" > bash.num
[ "$(cat bash.num)" = 0 ] && ok || fail "bash: -m offers $(cat bash.num) words"

# zsh: every option in an _arguments spec
grep -oE -- "'\*?--?[a-zA-Z0-9][a-z-]*" "$C/mpsearch.zsh" | tr -d "'*" | sort -u > zsh.all
check_same "zsh: options in the specs = options in --help" all zsh.all
if command -v zsh > /dev/null; then
	zsh -n "$C/mpsearch.zsh" && ok || fail "zsh -n mpsearch.zsh"
fi

# fish: "mpsearch -<TAB>" offers exactly the options of --help
if command -v fish > /dev/null; then
	fish -n "$C/mpsearch.fish" && ok || fail "fish -n mpsearch.fish"
	fish -c "source $C/mpsearch.fish; complete -C'mpsearch -'; complete -C'mpsearch --'" |
		cut -f1 | sort -u > fish.all
	check_same "fish: options offered = options in --help" all fish.all
	fish -c "source $C/mpsearch.fish; complete -C'mpsearch --color='" | cut -f1 > fish.color
	printf '%s\n' --color=always --color=auto --color=never > want.color
	check_same "fish: --color= values" want.color fish.color
else
	grep -oE -- ' -[sl] [a-zA-Z0-9][a-z-]*' "$C/mpsearch.fish" |
		sed 's/^ -s /-/; s/^ -l /--/' | sort -u > fish.all
	check_same "fish: options in the file = options in --help" all fish.all
fi

done_testing
