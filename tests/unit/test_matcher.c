/* SPDX-License-Identifier: BSD-3-Clause */
/* Matcher: literals, sets, -i, -w, -x, -E, -P, empty patterns, spans,
 * --multiline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/matcher.h"

struct hits {
	char got[4096];
	const char *buf;
};

static int collect(void *ctx, size_t ls, size_t le)
{
	struct hits *h = ctx;
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "[%.*s]", (int)(le - ls), h->buf + ls);
	strncat(h->got, tmp, sizeof(h->got) - strlen(h->got) - 1);
	return 0;
}

/* Lines of text that match, as "[line][line]". */
static void expect_lines(enum mps_syntax syn, bool icase, bool word, bool line,
			 const char *const *pats, size_t n, const char *text, const char *want)
{
	char err[256];
	struct mps_match_opts o = {(char *const *)pats, n, syn, icase, word, line, false};
	struct mps_matcher *m = mps_matcher_new(&o, err, sizeof(err));
	if (!m)
		fail_msg("compile: %s", err);
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	assert_non_null(s);
	struct hits h = {.buf = text};
	assert_int_equal(mps_matcher_lines(m, s, text, strlen(text), collect, &h), 0);
	assert_string_equal(h.got, want);
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
}

#define P(...) ((const char *const[]){__VA_ARGS__})
#define N(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static void test_literal(void **state)
{
	(void)state;
	const char *t = "foo\nbar foo\nFOO\nfo o\nfoofoo\n";
	expect_lines(MPS_FIXED, false, false, false, P("foo"), 1, t, "[foo][bar foo][foofoo]");
	expect_lines(MPS_FIXED, true, false, false, P("foo"), 1, t, "[foo][bar foo][FOO][foofoo]");
	/* metacharacters are literal */
	expect_lines(MPS_FIXED, false, false, false, P("a.b"), 1, "axb\na.b\n", "[a.b]");
	expect_lines(MPS_FIXED, false, false, false, P("[x]"), 1, "x\n[x]\n", "[[x]]");
	expect_lines(MPS_FIXED, false, false, false, P("a\\b"), 1, "a\\b\nab\n", "[a\\b]");
}

static void test_set(void **state)
{
	(void)state;
	expect_lines(MPS_FIXED, false, false, false, P("ERR", "LINK", "CFG"), 3,
		     "x ERR\nnone\nLINK and CFG\ncfg\n", "[x ERR][LINK and CFG]");
}

static void test_word_line(void **state)
{
	(void)state;
	const char *t = "foo\nfoo_bar\nbar foo.\nxfoo\nfoofoo foo\n";
	expect_lines(MPS_FIXED, false, true, false, P("foo"), 1, t, "[foo][bar foo.][foofoo foo]");
	expect_lines(MPS_FIXED, false, false, true, P("foo"), 1, t, "[foo]");
	expect_lines(MPS_FIXED, true, false, true, P("FOO"), 1, t, "[foo]");
	/* a word pattern that starts with a non-word character */
	expect_lines(MPS_FIXED, false, true, false, P("-x"), 1, "a -x b\na-x\n-x\n", "[a -x b][-x]");
}

static void test_regex(void **state)
{
	(void)state;
	const char *t = "PM_RESUME\nXX_RESUME\n_RESUME\nresume\n";
	expect_lines(MPS_EXTENDED, false, false, false, P("[A-Z]+_RESUME"), 1, t,
		     "[PM_RESUME][XX_RESUME]");
	/* a class that could match a newline must not join two lines */
	expect_lines(MPS_EXTENDED, false, false, false, P("a[^x]*b"), 1, "a\nb\nab\n", "[ab]");
	expect_lines(MPS_EXTENDED, false, false, false, P("^b"), 1, "ab\nba\n", "[ba]");
	expect_lines(MPS_EXTENDED, false, false, false, P("a$"), 1, "ab\nba\n", "[ba]");
	/* back-references go to PCRE2 */
	expect_lines(MPS_EXTENDED, false, false, false, P("(ab)\\1"), 1, "abab\nab\n", "[abab]");
	expect_lines(MPS_PCRE, false, false, false, P("\\d{3}"), 1, "12\n123\n", "[123]");
	expect_lines(MPS_PCRE, true, true, false, P("foo"), 1, "FOO bar\nfoobar\n", "[FOO bar]");
}

static void test_empty(void **state)
{
	(void)state;
	expect_lines(MPS_FIXED, false, false, false, P(""), 1, "a\n\nb\n", "[a][][b]");
	expect_lines(MPS_FIXED, false, false, true, P(""), 1, "a\n\nb\n", "[]");
	expect_lines(MPS_EXTENDED, false, false, false, P("x*"), 1, "a\nb\n", "[a][b]");
	/* no patterns at all (an empty -f file) match nothing */
	expect_lines(MPS_FIXED, false, false, false, NULL, 0, "a\n", "");
}

static void test_no_final_newline(void **state)
{
	(void)state;
	expect_lines(MPS_FIXED, false, false, false, P("end"), 1, "a\nthe end", "[the end]");
	expect_lines(MPS_FIXED, false, false, true, P("end"), 1, "a\nend", "[end]");
	expect_lines(MPS_FIXED, false, false, false, P("x"), 1, "x\r\n", "[x\r]");
}

static void expect_spans(enum mps_syntax syn, bool icase, bool word, const char *pat,
			 const char *line, const char *want)
{
	const char *pats[] = {pat};
	struct mps_match_opts o = {(char *const *)pats, 1, syn, icase, word, false, false};
	struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
	assert_non_null(m);
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	struct mps_span sp[16];
	int n = mps_matcher_spans(m, s, line, strlen(line), sp, 16);
	char got[512] = "";
	for (int i = 0; i < n && i < 16; i++) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "(%zu,%zu)", sp[i].start, sp[i].end);
		strcat(got, tmp);
	}
	assert_string_equal(got, want);
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
}

static void test_spans(void **state)
{
	(void)state;
	expect_spans(MPS_FIXED, false, false, "ab", "abab xab", "(0,2)(2,4)(6,8)");
	expect_spans(MPS_FIXED, false, false, "aa", "aaaa", "(0,2)(2,4)");
	expect_spans(MPS_FIXED, true, false, "AB", "ab Ab", "(0,2)(3,5)");
	expect_spans(MPS_FIXED, false, true, "foo", "foofoo foo", "(7,10)");
	/* leftmost-longest, as grep -o */
	expect_spans(MPS_EXTENDED, false, false, "a+", "baaab aa", "(1,4)(6,8)");
	expect_spans(MPS_PCRE, false, false, "\\d+", "a12b345", "(1,3)(4,7)");
}

/* -w found at every alignment of the buffer (Vectorscan 5.4.9 missed this
 * one at some alignments when the pattern was wrapped in character
 * classes; found by tests/cli/t_differential.sh). */
/* Vectorscan 5.4.9's AVX-512 scan found no "x." in 100 spaces then "xb",
 * alone or beside another pattern (tests/fuzz/fuzz_spans); the AVX2 scan
 * is used on such CPUs.  Every offset of the match, both ways in. */
static void test_avx512_miss(void **state)
{
	(void)state;
	char line[400];
	for (size_t n = 0; n < 240; n += 7) {
		memset(line, ' ', n);
		memcpy(line + n, "xb", 3);
		char want[420];
		snprintf(want, sizeof(want), "[%s]", line);
		expect_lines(MPS_EXTENDED, false, false, false, P("x."), 1, line, want);
		struct hits h = {.buf = line};
		const char *pats[] = {"bbz", "x."};
		struct mps_match_opts o = {(char *const *)pats, 2, MPS_EXTENDED, false, false, false, false};
		struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
		struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
		assert_int_equal(mps_matcher_line_matches(m, s, line, n + 2), 1);
		assert_int_equal(mps_matcher_lines(m, s, line, n + 2, collect, &h), 0);
		assert_true(strlen(h.got) == n + 4);
		mps_matcher_scratch_free(s);
		mps_matcher_free(m);
	}
}

/* grep -o's spans: leftmost-longest, -w trying shorter ends, then later
 * starts; loops over long runs (the spans once lost x+ after 64 bytes). */
static void test_spans_grep(void **state)
{
	(void)state;
	char line[1100];
	memset(line, 'y', 65);
	strcpy(line + 65, "xx");
	expect_spans(MPS_EXTENDED, false, false, "x+", line, "(65,67)");
	memset(line, 'x', 997);
	strcpy(line + 997, "aab");
	expect_spans(MPS_EXTENDED, false, false, "a+b", line, "(997,1000)");
	expect_spans(MPS_EXTENDED, false, false, "a|ab|abc", "xabcx ab", "(1,4)(6,8)");
	expect_spans(MPS_EXTENDED, false, true, "0+", "00 x0 0_0 -0-", "(0,2)(11,12)");
	expect_spans(MPS_EXTENDED, false, true, "[a-z]+", "ab1 cd", "(4,6)");
	expect_spans(MPS_EXTENDED, false, false, "\\w+\\s*\\w+", "ab cd", "(0,5)");
	expect_spans(MPS_BASIC, false, false, "a\\+b\\|c", "aab c", "(0,3)(4,5)");
	expect_spans(MPS_EXTENDED, false, false, "a+?b", "aab b", "(0,3)(4,5)");
}

static void test_word_alignment(void **state)
{
	(void)state;
	static const char text[] = "\xff\xfe::*star\t{1,2}\n baz/a*b-a.*b/baz\n"
				   "yfoobaR bar pm_resume/}::{\n\n|.ab/Pm_Resume, aa-*star  \\n+::AbaB-Bar\n";
	char *mem = malloc(sizeof(text) + 128);
	for (size_t off = 0; off < 64; off++) {
		char *buf = mem + off;
		memcpy(buf, text, sizeof(text));
		const char *pats[] = {"n"};
		struct mps_match_opts o = {(char *const *)pats, 1, MPS_FIXED, false, true, false, false};
		struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
		struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
		struct hits h = {.buf = buf};
		assert_int_equal(mps_matcher_lines(m, s, buf, sizeof(text) - 1, collect, &h), 0);
		assert_string_equal(h.got, "[|.ab/Pm_Resume, aa-*star  \\n+::AbaB-Bar]");
		mps_matcher_scratch_free(s);
		mps_matcher_free(m);
	}
	free(mem);
}

/* A literal set with the match near the end of the buffer, at every
 * alignment (Vectorscan 5.4.9 missed it at 37 of 64 alignments without
 * the padded rescan of the tail; found by tests/fuzz/fuzz_scanner). */
static void test_set_tail_alignment(void **state)
{
	(void)state;
	char text[128];
	size_t n = 0;
	text[n++] = 'g';
	for (int i = 0; i < 79; i++)
		text[n++] = 'x';
	n += (size_t)sprintf(text + n, "\ngamma=foo\r\nlast fmma\n");
	char *mem = malloc(n + 128);
	const char *pats[] = {"foo", "beoa"};
	struct mps_match_opts o = {(char *const *)pats, 2, MPS_FIXED, false, false, false, false};
	struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	for (size_t off = 0; off < 64; off++) {
		char *buf = mem + off;
		memcpy(buf, text, n);
		struct hits h = {.buf = buf};
		assert_int_equal(mps_matcher_lines(m, s, buf, n, collect, &h), 0);
		assert_string_equal(h.got, "[gamma=foo\r]");
		assert_int_equal(mps_matcher_line_matches(m, s, buf + 81, 10), 1);
		struct mps_span sp[2];
		assert_int_equal(mps_matcher_spans(m, s, buf + 81, 10, sp, 2), 1);
		assert_int_equal(sp[0].start, 6);
	}
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
	free(mem);
}

static void test_bad_pattern(void **state)
{
	(void)state;
	const char *pats[] = {"a(b"};
	char err[256] = "";
	struct mps_match_opts o = {(char *const *)pats, 1, MPS_EXTENDED, false, false, false, false};
	assert_null(mps_matcher_new(&o, err, sizeof(err)));
	assert_true(strlen(err) > 0);
	o.syntax = MPS_PCRE;
	assert_null(mps_matcher_new(&o, err, sizeof(err)));
}

/* --multiline: the matches of pat in text, from start to end, as
 * "[start,end)"; "-" when the matcher searches line by line (no pattern
 * can match a newline). */
static void expect_ml(enum mps_syntax syn, bool word, bool line, const char *pat,
		      const char *text, bool eof, const char *want)
{
	char err[256], got[1024] = "";
	const char *pats[] = {pat};
	struct mps_match_opts o = {(char *const *)pats, 1, syn, false, word, line, false,
				   .multiline = true};
	struct mps_matcher *m = mps_matcher_new(&o, err, sizeof(err));
	if (!m)
		fail_msg("compile '%s': %s", pat, err);
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	assert_non_null(s);
	size_t len = strlen(text), pos = 0;
	struct mps_span sp;
	if (!mps_matcher_multiline(m))
		strcpy(got, "-");
	while (mps_matcher_multiline(m) && mps_matcher_find(m, s, text, len, pos, eof, &sp) == 1) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "[%zu,%zu)", sp.start, sp.end);
		strncat(got, tmp, sizeof(got) - strlen(got) - 1);
		pos = sp.end > sp.start ? sp.end : sp.end + 1;
	}
	if (strcmp(got, want))
		fail_msg("'%s' in \"%s\": got %s, want %s", pat, text, got, want);
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
}

static void test_multiline(void **state)
{
	(void)state;
	const char *t = "static int\nfoo(void)\nx static int\nbar(\n";
	/* "\n" is a newline in -E, -G and -P */
	expect_ml(MPS_EXTENDED, false, false, "static int\\n[a-z_]+\\(", t, true, "[0,15)[23,38)");
	expect_ml(MPS_BASIC, false, false, "int\\nfoo", t, true, "[7,14)");
	expect_ml(MPS_PCRE, false, false, "int\\n\\w+", t, true, "[7,14)[30,37)");
	/* negated brackets and \s take a newline, '.' does not (rg -U) */
	expect_ml(MPS_EXTENDED, false, false, "int[^a-z]foo", t, true, "[7,14)");
	expect_ml(MPS_EXTENDED, false, false, "int\\sfoo", t, true, "[7,14)");
	expect_ml(MPS_EXTENDED, false, false, "int[[:space:]]foo", t, true, "[7,14)");
	expect_ml(MPS_EXTENDED, false, false, "int\\Wfoo", t, true, "[7,14)");
	expect_ml(MPS_EXTENDED, false, false, "int.foo|[^a]static", t, true, "[22,29)");
	/* a pattern that cannot match a newline: line by line */
	expect_ml(MPS_EXTENDED, false, false, "static", t, true, "-");
	expect_ml(MPS_PCRE, false, false, "st.tic", t, true, "-");
	expect_ml(MPS_FIXED, false, false, "int", t, true, "-");
	/* ^ and $ at line boundaries; $ at the end only at the input's end */
	expect_ml(MPS_EXTENDED, false, false, "\\(\\n^|\\(\\n$", "bar(\nx\nbar(", true, "[3,5)");
	expect_ml(MPS_EXTENDED, false, false, "x\\n[a-z]+\\($", "x\nbar(", true, "[0,6)");
	expect_ml(MPS_EXTENDED, false, false, "x\\n[a-z]+\\($", "x\nbar(", false, "");
	/* -w and -x wrap the whole match */
	expect_ml(MPS_EXTENDED, true, false, "t\\nf", "int\nfoo\nt\nf\n", true, "[8,11)");
	expect_ml(MPS_EXTENDED, false, true, "t\\nf", "int\nfoo\nt\nf\n", true, "[8,11)");
	/* in the line search, "\n" stays grep's: the letter n */
	const char *pats[] = {"a\\nb"};
	struct mps_match_opts o = {(char *const *)pats, 1, MPS_EXTENDED, false, false, false, false};
	struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
	assert_non_null(m);
	assert_false(mps_matcher_multiline(m));
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	assert_int_equal(mps_matcher_line_matches(m, s, "anb", 3), 1);
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal), cmocka_unit_test(test_set),
		cmocka_unit_test(test_word_line), cmocka_unit_test(test_regex),
		cmocka_unit_test(test_empty), cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_spans), cmocka_unit_test(test_bad_pattern),
		cmocka_unit_test(test_word_alignment), cmocka_unit_test(test_set_tail_alignment),
		cmocka_unit_test(test_avx512_miss), cmocka_unit_test(test_spans_grep),
		cmocka_unit_test(test_multiline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
