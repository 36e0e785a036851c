/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for ignore files (src/ignore.c): the glob engine, the parsing
 * of lines, and the verdict of a list.  The cases follow the layout of
 * git's t0008-ignores.sh (check-ignore): a list of patterns, a path, and
 * whether it is ignored, kept by a negation, or left alone; they were
 * written here against gitignore(5), and the CLI test t_filters.sh checks
 * the walk against git and ripgrep on real trees. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ignore.h"

#define N MPS_IGN_NONE
#define I MPS_IGN_IGNORE
#define K MPS_IGN_KEEP

struct ign_case {
	const char *patterns; /* an ignore file's text */
	const char *path;     /* relative to its directory */
	bool is_dir;
	enum mps_ign_verdict want;
};

static const struct ign_case cases[] = {
	/* a plain name matches the last component at any depth */
	{"one\n", "one", false, I},
	{"one\n", "a/one", false, I},
	{"one\n", "a/b/one", true, I},
	{"one\n", "one-more", false, N},
	{"one\n", "a/none", false, N},
	{"one\n", "one/x", false, N}, /* the walk never goes into "one"; a list
					 judges the path, not its parents */
	/* wildcards in the last component */
	{"ignored-*\n", "a/ignored-and-untracked", false, I},
	{"ignored-*\n", "a/not-ignored", false, N},
	{"*three\n", "3-three", false, I},
	{"*three\n", "a/three-not-this-one", false, N},
	{"two*\n", "a/twooo", false, I},
	{"?x\n", "ax", false, I},
	{"?x\n", "x", false, N},
	{"[ab]x\n", "bx", false, I},
	{"[!ab]x\n", "bx", false, N},
	{"[!ab]x\n", "cx", false, I},
	{"[a-c]x\n", "cx", false, I},
	{"[[:digit:]]x\n", "7x", false, I},
	{"[[:digit:]]x\n", "ax", false, N},
	/* globs with a plain run inside (looked for before the glob runs) */
	{"*.tab.[ch]\n", "x.tab.c", false, I},
	{"*.tab.[ch]\n", "x.tab.o", false, N},
	{"*.tab.[ch]\n", "x.tabc", false, N},
	{"*.o.*\n", "a.o.cmd", false, I},
	{"*.o.*\n", "a.o", false, N},
	{"*.c.[012]*.*\n", "x.c.1ab.z", false, I},
	{"*.c.[012]*.*\n", "x.c.3ab.z", false, N},
	{"/*.spec\n", "k.spec", false, I},
	{"/*.spec\n", "d/k.spec", false, N},
	{"f\\*oo*\n", "f*oox", false, I},
	{"f\\*oo*\n", "fxoox", false, N},
	/* a trailing slash: directories only */
	{"top-level-dir/\n", "top-level-dir", true, I},
	{"top-level-dir/\n", "top-level-dir", false, N},
	{"top-level-dir/\n", "a/top-level-dir", true, I}, /* not anchored by it */
	{"ignored-dir/\n", "a/b/ignored-dir", true, I},
	/* a leading or inner slash anchors to the file's directory */
	{"/one\n", "one", false, I},
	{"/one\n", "a/one", false, N},
	{"a/one\n", "a/one", false, I},
	{"a/one\n", "x/a/one", false, N},
	{"doc/frotz/\n", "doc/frotz", true, I},
	{"doc/frotz/\n", "a/doc/frotz", true, N},
	{"a/*.c\n", "a/x.c", false, I},
	{"a/*.c\n", "a/b/x.c", false, N}, /* '*' stops at '/' */
	{"a/?/c\n", "a/b/c", false, I},
	{"a?b\n", "a/b", false, N},      /* no slash: matched on "b" */
	{"x/a?b\n", "x/a/b", false, N},  /* '?' stops at '/' */
	{"x/a[/]b\n", "x/a/b", false, N},
	/* "**" */
	{"**/foo\n", "foo", false, I},
	{"**/foo\n", "a/b/foo", true, I},
	{"**/foo/bar\n", "x/foo/bar", false, I},
	{"**/foo/bar\n", "foo/bar", false, I},
	{"abc/**\n", "abc/x", false, I},
	{"abc/**\n", "abc/x/y", true, I},
	{"abc/**\n", "abc", true, N}, /* so "!abc/keep" can take one back (git
					  check-ignore says "abc/" matches, but git's
					  walk goes in, as here) */
	{"a/**/b\n", "a/b", false, I},
	{"a/**/b\n", "a/x/b", false, I},
	{"a/**/b\n", "a/x/y/b", false, I},
	{"a/**/b\n", "a/x/y/c", false, N},
	{"a**b\n", "axxb", false, I},    /* not between slashes: a plain '*' */
	{"x/a**b\n", "x/a/b", false, N},
	{"x/**b\n", "x/y/b", false, N},
	/* negation: the last match decides */
	{"*.o\n!keep.o\n", "keep.o", false, K},
	{"*.o\n!keep.o\n", "other.o", false, I},
	{"!keep.o\n*.o\n", "keep.o", false, I},
	{"on*\n!one\n", "one", false, K},
	{"on*\n!one\n", "onto", false, I},
	{"!nothing\n", "nothing", false, K},
	{"logs/**\n!logs/important.log\n", "logs/important.log", false, K},
	/* comments, blank lines, escapes */
	{"# one\n\none\n", "one", false, I},
	{"# one\n", "# one", false, N},
	{"\\#hash\n", "#hash", false, I},
	{"\\!bang\n", "!bang", false, I},
	{"\\!bang\n", "bang", false, N},
	{"f\\*o\n", "f*o", false, I},
	{"f\\*o\n", "fxo", false, N},
	{"f\\?o\n", "f?o", false, I},
	{"[\\]]x\n", "]x", false, I},
	/* trailing spaces: dropped, unless quoted */
	{"trailing   \n", "trailing", false, I},
	{"trailing   \n", "trailing   ", false, N},
	{"trail\\ \n", "trail ", false, I},
	{"trail\\ \n", "trail", false, N},
	{"trail\\\\ \n", "trail\\", false, I}, /* an escaped backslash, then a blank */
	/* CRLF lines, no final newline */
	{"one\r\ntwo", "two", false, I},
	{"one\r\ntwo", "one", false, I},
	/* a lone "!" or "/" is no pattern (git's walk ignores nothing for them) */
	{"!\n/\n", "x", true, N},
	/* an unclosed bracket matches nothing */
	{"[ab\n", "[ab", false, N},
	{"[ab\n", "a", false, N},
};

static const char *verdict_name(enum mps_ign_verdict v)
{
	return v == MPS_IGN_IGNORE ? "ignored" : v == MPS_IGN_KEEP ? "kept" : "none";
}

static void test_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ign_case *c = &cases[i];
		struct mps_ign_list l;
		assert_int_equal(mps_ign_list_parse(&l, c->patterns, strlen(c->patterns)), 0);
		enum mps_ign_verdict v = mps_ign_list_match(&l, c->path, strlen(c->path), c->is_dir);
		if (v != c->want) {
			print_message("case %zu: patterns \"%s\" path \"%s\"%s: %s, want %s\n", i,
				      c->patterns, c->path, c->is_dir ? " (dir)" : "",
				      verdict_name(v), verdict_name(c->want));
			bad++;
		}
		mps_ign_list_release(&l);
	}
	assert_int_equal(bad, 0);
}

/* Parsing: what each line becomes. */
static void test_parse(void **state)
{
	(void)state;
	const char *text = "# c\n\n!/a/b/\nc\\ \n  \n/x\n";
	struct mps_ign_list l;
	assert_int_equal(mps_ign_list_parse(&l, text, strlen(text)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.pats[0].glob, "a/b");
	assert_true(l.pats[0].negate && l.pats[0].dir_only && l.pats[0].anchored);
	assert_string_equal(l.pats[1].glob, "c\\ ");
	assert_false(l.pats[1].negate || l.pats[1].dir_only || l.pats[1].anchored);
	assert_string_equal(l.pats[2].glob, "x");
	assert_true(l.pats[2].anchored);
	mps_ign_list_release(&l);
	mps_ign_list_release(&l); /* released twice: still empty */
	assert_int_equal(l.n, 0);
}

/* The fast paths (plain names, "*" + suffix) agree with the glob engine. */
static void test_fast_paths(void **state)
{
	(void)state;
	static const char *const pats[] = {"build", "*.o", "*.tar.gz", "*~", "*"};
	static const char *const names[] = {"build", "a.o", ".o", "o", "x.tar.gz", "tar.gz",
					    "build2", "a~", "~", "", "a/b.o"};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct mps_ign_list l;
		assert_int_equal(mps_ign_list_parse(&l, pats[i], strlen(pats[i])), 0);
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			const char *n = names[k], *slash = strrchr(n, '/');
			const char *base = slash ? slash + 1 : n;
			bool glob = mps_ign_glob(pats[i], strlen(pats[i]), base, strlen(base));
			bool list = mps_ign_list_match(&l, n, strlen(n), false) == MPS_IGN_IGNORE;
			if (glob != list)
				print_message("pattern %s name %s: glob %d list %d\n", pats[i], n,
					      glob, list);
			assert_int_equal(glob, list);
		}
		mps_ign_list_release(&l);
	}
}

/* A long list (sorted into buckets by last byte) answers as its patterns
 * one by one do: the last that matches decides. */
static void test_buckets(void **state)
{
	(void)state;
	static const char *const pats[] = {
		"*.o", "*.ko", "build", "!keep.o", "*.c.[012]*.*", "/top", "a/b/c", "*~",
		"\\#*#", "cscope.*", "*.tab.[ch]", "dir/", "f\\*", "x?", "**/deep/*.d",
		"!*.d", "*.d", "trail\\ ", "[ab]", "!a", "*",
	};
	static const char *const names[] = {
		"x.o", "keep.o", "a.ko", "build", "q/build", "k.c.1x.y", "top", "q/top", "a/b/c",
		"n~", "#x#", "cscope.out", "p.tab.c", "p.tab.o", "dir", "f*", "fx", "xy", "x",
		"deep/z.d", "q/deep/z.d", "z.d", "trail ", "a", "b", "c", "\xff",
	};
	size_t np = sizeof(pats) / sizeof(pats[0]);
	/* every prefix of the list long enough for buckets, and shorter ones */
	for (size_t upto = 1; upto <= np; upto++) {
		char part[1024] = "";
		for (size_t i = 0; i < upto; i++) {
			strcat(part, pats[i]);
			strcat(part, "\n");
		}
		struct mps_ign_list l;
		assert_int_equal(mps_ign_list_parse(&l, part, strlen(part)), 0);
		assert_int_equal(l.bucket != NULL, upto >= 16);
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			for (int dir = 0; dir < 2; dir++) {
				enum mps_ign_verdict want = MPS_IGN_NONE;
				for (size_t i = 0; i < upto; i++) {
					struct mps_ign_list one;
					assert_int_equal(mps_ign_list_parse(&one, pats[i], strlen(pats[i])), 0);
					enum mps_ign_verdict v =
						mps_ign_list_match(&one, names[k], strlen(names[k]), dir);
					if (v != MPS_IGN_NONE)
						want = v;
					mps_ign_list_release(&one);
				}
				enum mps_ign_verdict got =
					mps_ign_list_match(&l, names[k], strlen(names[k]), dir);
				if (got != want)
					print_message("%zu patterns, %s%s: %s, want %s\n", upto, names[k],
						      dir ? "/" : "", verdict_name(got), verdict_name(want));
				assert_int_equal(got, want);
			}
		}
		mps_ign_list_release(&l);
	}
}

/* Loading from a directory: a missing file, a directory, a real file. */
static void test_load(void **state)
{
	(void)state;
	const char *t = getenv("MPSEARCH_TEST_TMP");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/ignore.XXXXXX", t && *t ? t : "/tmp");
	mkdir(t && *t ? t : "/tmp", 0755);
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	struct mps_ign_list l;
	assert_int_equal(mps_ign_list_load(&l, dfd, ".gitignore"), -ENOENT);
	assert_int_equal(l.n, 0);
	assert_int_equal(mkdirat(dfd, "sub", 0755), 0);
	assert_int_equal(mps_ign_list_load(&l, dfd, "sub"), -EINVAL);
	int fd = openat(dfd, ".gitignore", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "*.o\n!k.o\n", 9), 9);
	close(fd);
	assert_int_equal(mps_ign_list_load(&l, dfd, ".gitignore"), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(mps_ign_list_match(&l, "d/k.o", 5, false), MPS_IGN_KEEP);
	mps_ign_list_release(&l);
	unlinkat(dfd, ".gitignore", 0);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_fast_paths),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
