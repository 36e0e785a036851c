/* SPDX-License-Identifier: BSD-3-Clause */
/* The printer in ripgrep's formats: --column, --vimgrep, --heading,
 * --count-matches, and --multiline records (several lines in one, spans
 * across them), with -o, context, --null and a split file.  Expected
 * output is ripgrep 13's on the same lines (tests/cli/t_editor_output.sh
 * runs rg itself). */
#include "print_helpers.h"

/* A record whose spans are given: "S" or "C", text (may hold '\n'). */
static void add_rec(struct blk *b, char kind, int64_t lineno, uint64_t offset, const char *text,
		    const struct mps_span *sp, size_t ns)
{
	struct mps_line l = {.kind = kind == 'S' ? MPS_LINE_SELECTED : MPS_LINE_CONTEXT,
			     .lineno = lineno, .offset = offset, .text = text, .len = strlen(text),
			     .spans = sp, .nspans = ns, .owned = lineno >= 1};
	assert_int_equal(b->bs.base.line(&b->bs.base, &l), 0);
}

/* Feed a part of file `path`; sum.lines is the part's line count. */
static void feed_part(struct cap *c, const char *path, uint32_t part, uint32_t nparts,
		      struct blk *b, uint64_t lines, uint64_t selected, uint64_t matches)
{
	struct mps_unit u = unit(part, 0, path, part, nparts);
	struct mps_unit_summary sum = {.lines = lines, .selected = selected, .matches = matches};
	assert_int_equal(mps_printer_unit(c->p, &u, b->buf.data, b->buf.len, &sum), 0);
	blk_release(b);
}

/* Print one whole file holding one selected group (text, its matches,
 * its lines); returns the output, its length in *n. */
static char *one_group(const struct mps_print_opts *o, const char *text,
		       const struct mps_span *sp, size_t ns, uint64_t lines, size_t *n)
{
	struct cap c;
	struct blk b;
	cap_open(&c, o);
	blk_init(&b);
	add_rec(&b, 'S', 1, 0, text, sp, ns);
	feed_part(&c, "A", 0, 1, &b, lines, 1, ns);
	return cap_close(&c, n, NULL);
}

static void test_column(void **state)
{
	(void)state;
	struct mps_print_opts o = lines_opts();
	size_t n;
	char *s;

	o.column = true;
	s = run_ab(&o, "S1 S5", NULL, &n);
	expect_bytes(s, n, "1:1:foo one\n5:1:foo five foo\n");
	free(s);
	/* implies line numbers; -o: each match's column */
	o.line_number = false;
	o.only_matching = true;
	s = run_ab(&o, "S1 S5", NULL, &n);
	expect_bytes(s, n, "1:1:foo\n5:1:foo\n5:10:foo\n");
	free(s);
	/* context lines have none; -b comes after the column */
	o = lines_opts();
	o.column = o.byte_offset = true;
	o.after = 1;
	s = run_ab(&o, "S1 C2 S5 C6", NULL, &n);
	expect_bytes(s, n, "1:1:0:foo one\n2-8-two\n--\n5:1:23:foo five foo\n6-36-six\n");
	free(s);
	/* --color: the column in the line number's color, the matches marked */
	o = lines_opts();
	o.column = o.color = true;
	s = run_ab(&o, "S5", NULL, &n);
	expect_bytes(s, n, LN("5") SEP(":") LN("1") SEP(":") MT("foo") " five " MT("foo") "\n");
	free(s);
	/* -v: no column */
	o = lines_opts();
	o.column = o.invert = true;
	s = run_ab(&o, "S2", NULL, &n);
	expect_bytes(s, n, "2:two\n");
	free(s);
}

static void test_vimgrep(void **state)
{
	(void)state;
	struct mps_print_opts o = lines_opts();
	size_t n;
	char *s;

	o.vimgrep = o.with_filename = true;
	o.line_number = false; /* implied */
	s = run_ab(&o, "S1 S5", "S2", &n);
	expect_bytes(s, n,
		     "A:1:1:foo one\nA:5:1:foo five foo\nA:5:10:foo five foo\nB:2:1:foo b\n");
	free(s);
	o.only_matching = true;
	s = run_ab(&o, "S1 S5", NULL, &n);
	expect_bytes(s, n, "A:1:1:foo\nA:5:1:foo\nA:5:10:foo\n");
	free(s);
	/* --null after the path; --heading is off with --vimgrep */
	o.only_matching = false;
	o.null = o.heading = true;
	s = run_ab(&o, "S1", NULL, &n);
	expect_bytes(s, n, "A\0" "1:1:foo one\n");
	free(s);
}

static void test_heading(void **state)
{
	(void)state;
	struct mps_print_opts o = lines_opts();
	size_t n;
	char *s;

	o.heading = o.with_filename = true;
	s = run_ab(&o, "S1 S5", "S2", &n);
	expect_bytes(s, n, "A\n1:foo one\n5:foo five foo\n\nB\n2:foo b\n");
	free(s);
	/* context: "--" inside a file, not between files */
	o.context = true;
	o.before = 1;
	s = run_ab(&o, "S1 C4 S5", "C1 S2", &n);
	expect_bytes(s, n, "A\n1:foo one\n--\n4-four\n5:foo five foo\n\nB\n1-bar\n2:foo b\n");
	free(s);
	/* --null ends the path; one file: no heading without its name */
	o = lines_opts();
	o.heading = o.with_filename = o.null = true;
	s = run_ab(&o, "S1", "S2", &n);
	expect_bytes(s, n, "A\0" "1:foo one\n\nB\0" "2:foo b\n");
	free(s);
	o.with_filename = false;
	s = run_ab(&o, "S1", NULL, &n);
	expect_bytes(s, n, "1:foo one\n");
	free(s);
	/* -c: no heading */
	o = lines_opts();
	o.heading = o.with_filename = true;
	o.output = MPS_OUT_COUNT;
	s = run_ab(&o, "S1 S5", "S2", &n);
	expect_bytes(s, n, "A:2\nB:1\n");
	free(s);
}

static void test_count_matches(void **state)
{
	(void)state;
	struct mps_print_opts o = lines_opts();
	size_t n;
	char *s;

	o.output = MPS_OUT_COUNT;
	o.count_matches = o.with_filename = true;
	s = run_ab(&o, "S1 S5", "S2", &n);
	expect_bytes(s, n, "A:3\nB:1\n");
	free(s);
	/* -v counts lines */
	o.invert = true;
	s = run_ab(&o, "S1 S5", "S2", &n);
	expect_bytes(s, n, "A:2\nB:1\n");
	free(s);
	/* --multiline: -c counts matches (as rg -U) */
	o = lines_opts();
	o.output = MPS_OUT_COUNT;
	o.multiline = true;
	s = run_ab(&o, "S1 S5", NULL, &n);
	expect_bytes(s, n, "3\n");
	free(s);
}

/* "static int\nfoo(void)\nx static int\nbar(\n": two matches of
 * "int\n[a-z]+\(" in one group of four lines, then a split file. */
static void test_multiline(void **state)
{
	(void)state;
	static const char grp[] = "static int\nfoo(void)\nx static int\nbar(";
	const struct mps_span sp[] = {{7, 15}, {30, 38}};
	struct mps_print_opts o = lines_opts();
	struct cap c;
	struct blk b;
	size_t n;
	char *s;
	static const char *const want[] = {
		/* plain, --column (the group's first column on each line), -o,
		 * -o --column (ripgrep's: from the group's start), --vimgrep */
		"1:static int\n2:foo(void)\n3:x static int\n4:bar(\n",
		"1:8:static int\n2:8:foo(void)\n3:8:x static int\n4:8:bar(\n",
		"1:int\n2:foo(\n3:int\n4:bar(\n",
		"1:8:int\n2:8:foo(\n3:31:int\n4:31:bar(\n",
		"A:1:8:static int\nA:3:10:x static int\n",
	};
	for (int k = 0; k < 5; k++) {
		o = lines_opts();
		o.multiline = true;
		o.column = k == 1 || k == 3;
		o.only_matching = k == 2 || k == 3;
		o.vimgrep = o.with_filename = k == 4;
		s = one_group(&o, grp, sp, 2, 4, &n);
		expect_bytes_n(s, n, want[k], strlen(want[k]), __LINE__);
		free(s);
	}
	/* a group whose last match ends after its final newline keeps it:
	 * the lines are the same, the JSON lines text has it once */
	const struct mps_span snl[] = {{2, 6}};
	o = lines_opts();
	o.multiline = true;
	s = one_group(&o, "a b\nc\n", snl, 1, 2, &n);
	expect_bytes(s, n, "1:a b\n2:c\n");
	free(s);
	o.output = MPS_OUT_JSON;
	s = one_group(&o, "a b\nc\n", snl, 1, 2, &n);
	assert_non_null(strstr(s, "\"lines\":{\"text\":\"a b\\nc\\n\"},\"line_number\":1"));
	assert_non_null(strstr(s, "{\"match\":{\"text\":\"b\\nc\\n\"},\"start\":2,\"end\":6}"));
	assert_non_null(strstr(s, "\"matched_lines\":2"));
	free(s);
	/* --color: each line's part of a match marked */
	o = lines_opts();
	o.multiline = o.color = true;
	s = one_group(&o, grp, sp, 2, 4, &n);
	expect_bytes(s, n, LN("1") SEP(":") "static " MT("int") "\n" LN("2") SEP(":") MT("foo(")
		     "void)\n" LN("3") SEP(":") "x static " MT("int") "\n" LN("4") SEP(":")
		     MT("bar(") "\n");
	free(s);
	/* split: part 0 owns line 1, its group runs into line 2; part 1 has
	 * line 2 as context before its own group (line 3): printed once */
	o = lines_opts();
	o.multiline = true;
	o.context = true;
	o.before = 1;
	cap_open(&c, &o);
	blk_init(&b);
	const struct mps_span s0[] = {{2, 4}}, s1[] = {{0, 1}};
	add_rec(&b, 'S', 1, 0, "a b\nc", s0, 1);
	feed_part(&c, "A", 0, 2, &b, 1, 1, 1);
	blk_init(&b);
	add_rec(&b, 'C', 1, 4, "c", NULL, 0);
	add_rec(&b, 'S', 2, 6, "d", s1, 1);
	feed_part(&c, "A", 1, 2, &b, 2, 1, 1);
	s = cap_close(&c, &n, NULL);
	expect_bytes(s, n, "1:a b\n2:c\n3:d\n");
	free(s);
	/* the file names and kw of the helpers are used by test_print.c */
	assert_int_equal(NL(file_a) + NL(file_b) + strlen(kw), 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column),        cmocka_unit_test(test_vimgrep),
		cmocka_unit_test(test_heading),       cmocka_unit_test(test_count_matches),
		cmocka_unit_test(test_multiline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
