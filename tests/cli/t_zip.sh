#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# --search-zip: every format gives what decompress-then-grep gives; damage
# is reported (exit 2) after the lines before it; files made of frames (zstd,
# BGZF) are split across workers with exact line numbers; a decompression
# bomb stays bounded.  UTF-16 with a byte order mark is searched as UTF-8
# (ripgrep's rule), with or without --search-zip.  Run in LC_ALL=C and
# C.UTF-8.
. "$(dirname "$0")/lib.sh"
for t in gzip bzip2 xz zstd pzstd lz4 bgzip iconv; do
	command -v $t >/dev/null || { echo "no $t"; exit 77; }
done

make_tree "$T/tree" 11 150
cd "$T"
for i in 1 2 3 4 5 6 7 8; do find tree -type f | sort | xargs cat; done > text
printf 'last line PM_RESUME without newline' >> text

gzip -c text > f.gz
bzip2 -c text > f.bz2
xz -c text > f.xz
xz --format=lzma -c text > f.lzma
zstd -q -c text > f.zst
lz4 -q -c text > f.lz4
bgzip -c text > f.bgz
pzstd -q -p 2 -c text > f.p.zst # a skippable frame first
# several members or frames, cut in the middle of lines
split -b 20011 text part_
for p in part_*; do
	gzip -c $p >> mm.gz
	bzip2 -c $p >> mm.bz2
	xz -c $p >> mm.xz
	zstd -q -c $p >> mf.zst
	lz4 -q -c $p >> mm.lz4
done
rm part_*
FILES="f.gz f.bz2 f.xz f.lzma f.zst f.p.zst f.lz4 f.bgz mm.gz mm.bz2 mm.xz mf.zst mm.lz4"

decode() {
	case $1 in
	*.gz | *.bgz) gzip -dc ;;
	*.bz2) bzip2 -dc ;;
	*.xz) xz -dc ;;
	*.lzma) xz --format=lzma -dc ;;
	*.zst) zstd -qdc ;;
	*.lz4) lz4 -qdc ;;
	esac < "$1"
}
for f in $FILES; do
	decode $f > d
	check_same "the oracle decodes $f" text d
done

# UTF-16 with a byte order mark, LE and BE; without one it stays binary
head -n 3000 text | awk 'NR % 3 == 0 { print "h\303\251llo w\303\266rld \360\237\230\200 PM_RESUME" } { print }' > u8.txt
(printf '\377\376'; iconv -f UTF-8 -t UTF-16LE u8.txt) > u16le.txt
(printf '\376\377'; iconv -f UTF-8 -t UTF-16BE u8.txt) > u16be.txt
iconv -f UTF-8 -t UTF-16LE u8.txt > nobom.txt
# and inside compressed files (ripgrep -z transcodes them too)
gzip -c u16le.txt > u16le.txt.gz
bgzip -c u16le.txt > u16le.txt.bgz
xz -c u16be.txt > u16be.txt.xz
# a small one (read ahead by the worker pool) and unpaired surrogates and an
# odd last byte: U+FFFD each, as ripgrep 13 prints them
printf '\377\376a\000\000\330b\000\n\000\000\334c\000\n\000d\000\075\330x' > bad16.txt
printf '1:a\357\277\275b\n2:\357\277\275c\n3:d\357\277\275\n' > bad16.want

# a zstd window of 256 MiB (over the 128 MiB limit)
head -c 1000 text | zstd -q --long=28 -c > window.zst
# a line of 300 MB (longer than the 256 MB limit) and 512 MB of NUL bytes
head -c 300M /dev/zero | tr '\0' a | zstd -q -1 -c > bomb.zst
head -c 512M /dev/zero | zstd -q -1 -c > zeros.zst

run_checks() {
	local loc=$LC_ALL
	# ---- every format, output modes, against decompress | grep ----
	modes=("-n PM_RESUME" "-c foo" "-n -v foo" "-n -C2 mutex_lock" "-o -n foo" "-n -m 3 -A1 foo"
	       "-n -i pm_resume" "-n -w -e foo -e alpha" "-c -x alpha")
	for f in $FILES; do
		# all modes on the single streams, three on the others
		[[ $f == f.* ]] || modes=("-n PM_RESUME" "-c foo" "-n -v foo")
		for m in "${modes[@]}"; do
			# shellcheck disable=SC2086
			"$MPS" --search-zip $m $f > a 2> e
			local st=$?
			# shellcheck disable=SC2086
			decode $f | grep $m > b
			local gst=$?
			check_same "$loc $f '$m' vs decode | grep" b a
			[ $st = $gst ] && ok || fail "$loc $f '$m': exit $st, grep $gst"
			[ -s e ] && fail "$loc $f '$m': stderr $(head -2 e)"
		done
	done
	# -l / -L over all of them, and --json as on the plain text
	"$MPS" --search-zip -l PM_RESUME $FILES > a
	printf '%s\n' $FILES > b
	check_same "$loc -l" b a
	"$MPS" --search-zip -L no_such_word $FILES > a
	check_same "$loc -L" b a
	mkdir -p plain
	for f in f.xz mf.zst f.bgz; do
		cp text plain/$f
		(cd plain && "$MPS" --json foo $f) | sed -e 's/"elapsed[a-z_]*":{[^}]*}//g' > b
		"$MPS" --search-zip --json foo $f | sed -e 's/"elapsed[a-z_]*":{[^}]*}//g' > a
		check_same "$loc --json $f" b a
	done

	# ---- the format is told by content, not by name ----
	cp f.xz renamed.txt
	cp text plain.gz
	grep -c foo text > b
	"$MPS" --search-zip -c foo renamed.txt > a
	check_same "$loc an .xz file named .txt" b a
	"$MPS" --search-zip -c foo plain.gz > a
	check_same "$loc a plain file named .gz" b a
	# no external program: the same with an empty PATH
	grep -c foo text > b
	for f in f.gz f.bz2 f.xz f.lzma f.zst f.lz4; do
		PATH=/nonexistent "$MPS" --search-zip -c foo $f > a
		check_same "$loc $f with an empty PATH" b a
	done
	# without the option a compressed file is not decoded
	"$MPS" -c PM_RESUME f.zst > a
	[ $? = 1 ] && [ ! -s a ] && ok || fail "$loc without --search-zip f.zst was decoded"
	# standard input
	grep -n foo text > b
	"$MPS" --search-zip -n foo < f.xz > a
	check_same "$loc .xz on standard input (a file)" b a
	cat f.zst | "$MPS" --search-zip -n foo > a
	check_same "$loc .zst on standard input (a pipe)" b a
	cat text | "$MPS" -n foo > a
	check_same "$loc plain text on a pipe" b a
	# a binary file decoded is skipped as a plain one is
	printf 'x\0y PM_RESUME\n' > bin
	gzip -c bin > bin.gz
	"$MPS" -c PM_RESUME bin > b
	local bst=$?
	"$MPS" --search-zip -c PM_RESUME bin.gz > a
	[ $? = $bst ] && ok || fail "$loc binary .gz: exit differs from the plain file's"
	check_same "$loc binary .gz" b a

	# ---- damage: lines before it, a message naming the file, exit 2 ----
	grep -n PM_RESUME text > full
	for f in f.gz f.bz2 f.xz f.lzma f.zst f.lz4 f.bgz mf.zst mm.bz2; do
		local size
		size=$(stat -c %s $f)
		head -c $((size / 2)) $f > trunc.$f
		cp $f bad.$f
		printf '\125\252\125\252\000\377\022\064' | dd of=bad.$f bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
		for g in trunc.$f bad.$f; do
			"$MPS" --search-zip -n PM_RESUME $g > a 2> e
			[ $? = 2 ] && ok || fail "$loc $g: exit not 2"
			grep -q "^mpsearch: .*'$g'.*\(corrupt\|end of compressed\)" e && ok ||
				fail "$loc $g: message: $(cat e)"
			# truncated: what is printed is right, and it is all that
			# the decompressor gives before the end, but for a last line
			# that may be cut (damage inside may decode to any bytes)
			if [ $g = trunc.$f ]; then
				head -n "$(wc -l < a)" full > b
				check_same "$loc $g: lines before the damage" b a
				decode $g 2>/dev/null | grep -n PM_RESUME | head -n -1 > b
				head -n "$(wc -l < b)" a > c
				check_same "$loc $g: decompress | grep lines are printed" b c
			fi
		done
	done
	# the rest of the search still runs
	"$MPS" --search-zip -c foo bad.f.gz f.gz > a 2> e
	[ $? = 2 ] && grep -q "^f.gz:$(grep -c foo text)$" a && ok || fail "$loc search goes on after damage"
	# damage in a split file: the error, and of the file only the lines of
	# the parts before the damaged one (printed as they were done)
	"$MPS" --search-zip -j 2 --chunk-size 2K -n PM_RESUME bad.mf.zst > a 2> e
	[ $? = 2 ] && grep -q "'bad.mf.zst'" e && ok || fail "$loc damage in a split file"
	head -n "$(wc -l < a)" full > b
	check_same "$loc damage in a split file: the lines before it" b a

	# ---- files made of frames, split across workers ----
	for f in mf.zst f.bgz mm.bz2; do
		for split in "2K 2" "16K 1" "100K 2"; do
			set -- $split
			local cs=$1 j=$2
			{
				for m in "-n PM_RESUME" "-c foo" "-c -v foo" "-n -m 5 foo" "-o -n foo" \
					 "-n -C2 mutex_lock" "-n -v -B1 foo"; do
					# shellcheck disable=SC2086
					"$MPS" --search-zip -j $j --chunk-size $cs $m $f > a
					# shellcheck disable=SC2086
					grep $m text > b
					check_same "$loc $f -j $j --chunk-size $cs '$m'" b a
				done
				"$MPS" --search-zip -j $j --chunk-size $cs -l PM_RESUME $f > a
				echo $f > b
				check_same "$loc $f -j $j --chunk-size $cs -l" b a
				expect_status "$loc $f -j $j --chunk-size $cs -q" 0 \
					"$MPS" --search-zip -j $j --chunk-size $cs -q 'line PM_RESUME without' $f
			}
		done
		# both workers search parts of it (each unit waits 20 ms, so the
		# idle worker takes the next one)
		MPSEARCH_TEST_SLOW_MS=20 "$MPS" --search-zip -j 2 --chunk-size 16K --stats -c foo $f \
			> /dev/null 2> stats
		local busy
		busy=$(grep -cE '^worker [0-9]+: .* units [1-9][0-9]* bytes [1-9][0-9]* ' stats)
		[ "$busy" = 2 ] && ok || fail "$loc $f: 2 workers searched parts: $(grep '^worker' stats)"
	done
	# not split: a single stream, plain multi-member gzip
	for f in f.zst mm.gz f.xz; do
		"$MPS" --search-zip -j 2 --chunk-size 2K -n PM_RESUME $f > a
		check_same "$loc $f in 2K parts" full a
	done

	# ---- UTF-16 ----
	for u in u16le.txt u16be.txt; do
		for m in "-n PM_RESUME" $'-n w\303\266rld' "-c -v foo" $'-n -o \360\237\230\200' "-n -C1 alpha"; do
			# shellcheck disable=SC2086
			"$MPS" $m $u > a
			# shellcheck disable=SC2086
			grep $m u8.txt > b
			check_same "$loc $u '$m' (transcoded)" b a
		done
		"$MPS" -j 2 --chunk-size 4K -n PM_RESUME $u > a
		grep -n PM_RESUME u8.txt > b
		check_same "$loc $u in 4K parts" b a
		"$MPS" -n foo < $u > a
		grep -n foo u8.txt > b
		check_same "$loc $u on standard input" b a
	done
	grep -n foo u8.txt > b
	for u in u16le.txt.gz u16le.txt.bgz u16be.txt.xz; do
		"$MPS" --search-zip -n foo $u > a
		check_same "$loc UTF-16 inside $u" b a
		"$MPS" --search-zip -j 2 --chunk-size 2K -n foo $u > a
		check_same "$loc UTF-16 inside $u in 2K parts" b a
		cat $u | "$MPS" --search-zip -n foo > a
		check_same "$loc UTF-16 inside $u on a pipe" b a
	done
	"$MPS" -n '' bad16.txt > a
	check_same "$loc UTF-16 unpaired surrogates and odd byte" bad16.want a
	expect_status "$loc UTF-16 without a byte order mark is binary" 1 "$MPS" -n PM_RESUME nobom.txt
}

for LC_ALL in C C.UTF-8; do
	export LC_ALL
	run_checks
done

# ---- bounded memory (once: the locale does not matter) ----
"$MPS" --search-zip -j 1 -c b bomb.zst > a 2> e
[ $? = 2 ] && grep -q "^mpsearch: .*'bomb.zst'.*line too long" e && ok ||
	fail "a 300 MB line: $(cat e)"
"$MPS" --search-zip -c foo window.zst > a 2> e
[ $? = 2 ] && grep -q "^mpsearch: .*'window.zst'.*needs more memory" e && ok ||
	fail "a 256 MiB zstd window: $(cat e)"
# 512 MB of zeros: binary, decoded to its end (to check it) in a bounded buffer
# (a sanitizer build reserves terabytes of address space: no ulimit -v then)
limit="ulimit -v 1000000"
ldd "$MPS" 2>/dev/null | grep -q 'lib[at]san\|libubsan' && limit=:
( $limit; "$MPS" --search-zip -j 1 -c x zeros.zst > a 2> e )
[ $? = 1 ] && [ ! -s e ] && ok || fail "512 MB of zeros: $(cat e)"

done_testing
