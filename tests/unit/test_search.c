/* SPDX-License-Identifier: BSD-3-Clause */
/* Searcher: buffer boundaries, ranges at every split position, no final
 * newline, CRLF, empty files, NUL detection, a 100 MB line, a file
 * searched from memory, --count-matches, --multiline (whole and split at
 * every position). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpsearch/matcher.h"
#include "mpsearch/search.h"
#include "pool_helpers.h"

struct rec_sink {
	struct mps_sink base;
	char out[1 << 16];
	struct mps_unit_summary sum;
	int64_t add; /* added to line numbers */
	bool owned_only;
};

static int rec_line(struct mps_sink *s, const struct mps_line *l)
{
	struct rec_sink *r = (struct rec_sink *)s;
	if (r->owned_only && !l->owned)
		return 0;
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%lld%c%.*s|", (long long)(l->lineno + r->add),
		 l->kind == MPS_LINE_SELECTED ? ':' : '-', (int)(l->len < 200 ? l->len : 200), l->text);
	strncat(r->out, tmp, sizeof(r->out) - strlen(r->out) - 1);
	return 0;
}

static int rec_finish(struct mps_sink *s, const struct mps_unit_summary *sum)
{
	((struct rec_sink *)s)->sum = *sum;
	return 0;
}

static void rec_init(struct rec_sink *r)
{
	memset(r, 0, sizeof(*r));
	r->base.line = rec_line;
	r->base.finish = rec_finish;
}

static char *tmpfile_with(const char *data, size_t n)
{
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/search-XXXXXX", test_tmp_base());
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* The simple reference: selected lines as "N:text|". */
static void reference(const char *data, size_t n, const char *pat, bool invert, char *out)
{
	out[0] = 0;
	size_t ln = 1, p = 0;
	while (p < n) {
		const char *nl = memchr(data + p, '\n', n - p);
		size_t e = nl ? (size_t)(nl - data) : n;
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), data + p);
		if ((strstr(line, pat) != NULL) != invert) {
			char tmp[600];
			snprintf(tmp, sizeof(tmp), "%zu:%s|", ln, line);
			strcat(out, tmp);
		}
		ln++;
		p = e + 1;
	}
}

static void run_range(struct mps_searcher *s, const char *path, uint64_t b, uint64_t e,
		      unsigned fl, struct rec_sink *r)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(mps_searcher_run(s, fd, b, e, fl, &r->base), 0);
	close(fd);
}

static const char text[] =
	"alpha foo\nbeta\n\nfoo foo\nlong line without the word but long enough to cross\n"
	"gamma\nfoo\r\nlast foo";

static void test_whole_various_buffers(void **state)
{
	(void)state;
	char *path = tmpfile_with(text, sizeof(text) - 1);
	char want[4096];
	reference(text, sizeof(text) - 1, "foo", false, want);
	struct mps_matcher *m = lit("foo");
	size_t sizes[] = {1, 2, 3, 7, 16, 64, 4096};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		struct mps_search_opts o = {.max_count = -1, .emit_lines = true, .bufsize = sizes[i]};
		struct mps_searcher *s = mps_searcher_new(m, &o);
		struct rec_sink r;
		rec_init(&r);
		run_range(s, path, 0, UINT64_MAX, 0, &r);
		assert_string_equal(r.out, want);
		assert_int_equal(r.sum.selected, 4);
		assert_int_equal(r.sum.binary, 0);
		mps_searcher_free(s);
	}
	mps_matcher_free(m);
	unlink(path);
	free(path);
}

/* Cut the file at every position (two parts) and every pair of positions
 * (three parts): owned lines with the line counts of earlier parts added
 * give exactly the whole-file answer. */
static void check_split(const char *data, size_t n, const char *pat, bool invert)
{
	char *path = tmpfile_with(data, n);
	char want[8192];
	reference(data, n, pat, invert, want);
	struct mps_matcher *m = lit(pat);
	struct mps_search_opts o = {.max_count = -1, .emit_lines = true, .bufsize = 8,
				    .invert = invert};
	struct mps_searcher *s = mps_searcher_new(m, &o);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			struct rec_sink a, b, c;
			rec_init(&a);
			rec_init(&b);
			rec_init(&c);
			a.owned_only = b.owned_only = c.owned_only = true;
			run_range(s, path, 0, i ? i : 0, MPS_SEARCH_COUNT_LINES, &a);
			if (i == 0)
				a.sum.lines = 0, a.out[0] = 0;
			b.add = (int64_t)a.sum.lines;
			run_range(s, path, i, j, MPS_SEARCH_COUNT_LINES, &b);
			if (j == i)
				b.sum.lines = 0, b.out[0] = 0;
			c.add = (int64_t)(a.sum.lines + b.sum.lines);
			run_range(s, path, j, UINT64_MAX, 0, &c);
			static char got[3 << 16];
			snprintf(got, sizeof(got), "%s%s%s", a.out, b.out, c.out);
			if (strcmp(got, want))
				fail_msg("split %zu,%zu:\n got %s\nwant %s", i, j, got, want);
			uint64_t sel = (i ? a.sum.selected : 0) + (j > i ? b.sum.selected : 0) + c.sum.selected;
			size_t wn = 0;
			for (const char *p = want; *p; p++)
				wn += *p == '|';
			assert_int_equal(sel, wn);
		}
	}
	mps_searcher_free(s);
	mps_matcher_free(m);
	unlink(path);
	free(path);
}

static void test_split_everywhere(void **state)
{
	(void)state;
	check_split(text, sizeof(text) - 1, "foo", false);
	check_split(text, sizeof(text) - 1, "foo", true);
	const char nl_end[] = "foo\n\nx foo\n";
	check_split(nl_end, sizeof(nl_end) - 1, "foo", false);
	const char one[] = "a very long single line with foo in the middle and no newline";
	check_split(one, sizeof(one) - 1, "foo", false);
}

static void test_empty_and_crlf(void **state)
{
	(void)state;
	char *path = tmpfile_with("", 0);
	struct mps_matcher *m = lit("x");
	struct mps_search_opts o = {.max_count = -1, .emit_lines = true};
	struct mps_searcher *s = mps_searcher_new(m, &o);
	struct rec_sink r;
	rec_init(&r);
	run_range(s, path, 0, UINT64_MAX, 0, &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.sum.selected, 0);
	unlink(path);
	free(path);
	path = tmpfile_with("x\r\ny\r\n", 6);
	rec_init(&r);
	run_range(s, path, 0, UINT64_MAX, 0, &r);
	assert_string_equal(r.out, "1:x\r|");
	unlink(path);
	free(path);
	mps_searcher_free(s);
	mps_matcher_free(m);
}

static void test_nul(void **state)
{
	(void)state;
	struct mps_matcher *m = lit("foo");
	size_t n = 3 << 20;
	char *data = malloc(n);
	memset(data, 'a', n);
	for (size_t i = 80; i < n; i += 81)
		data[i] = '\n';
	memcpy(data + 10, "foo", 3);
	size_t where[] = {0, 5, 1000, (1 << 20) + 17, n - 1};
	for (size_t k = 0; k < sizeof(where) / sizeof(*where); k++) {
		char save = data[where[k]];
		data[where[k]] = 0;
		char *path = tmpfile_with(data, n);
		data[where[k]] = save;
		for (int text = 0; text < 2; text++) {
			for (int mode = 0; mode < 2; mode++) {
				struct mps_search_opts o = {.max_count = -1, .emit_lines = !mode,
							    .first_only = mode, .text = text};
				struct mps_searcher *s = mps_searcher_new(m, &o);
				struct rec_sink r;
				rec_init(&r);
				run_range(s, path, 0, UINT64_MAX, 0, &r);
				assert_int_equal(r.sum.binary, text ? 0 : 1);
				/* each part of a split file that holds the NUL says so */
				rec_init(&r);
				run_range(s, path, where[k] > 4 ? where[k] - 4 : 0, where[k] + 1, 0, &r);
				assert_int_equal(r.sum.binary, text ? 0 : 1);
				mps_searcher_free(s);
			}
		}
		unlink(path);
		free(path);
	}
	free(data);
	mps_matcher_free(m);
}

static void test_huge_line(void **state)
{
	(void)state;
	size_t n = 100u << 20;
	char *data = malloc(n + 16);
	memset(data, 'x', n);
	memcpy(data + n / 2, "needle", 6);
	memcpy(data + n, "\nneedle\n", 8);
	char *path = tmpfile_with(data, n + 8);
	free(data);
	struct mps_matcher *m = lit("needle");
	struct mps_search_opts o = {.max_count = -1, .emit_lines = false};
	struct mps_searcher *s = mps_searcher_new(m, &o);
	struct rec_sink r;
	rec_init(&r);
	run_range(s, path, 0, UINT64_MAX, 0, &r);
	assert_int_equal(r.sum.selected, 2);
	/* split in the middle of the long line: the first part owns it */
	rec_init(&r);
	run_range(s, path, 0, n / 3, MPS_SEARCH_COUNT_LINES, &r);
	assert_int_equal(r.sum.selected, 1);
	assert_int_equal(r.sum.lines, 1);
	rec_init(&r);
	run_range(s, path, n / 3, UINT64_MAX, 0, &r);
	assert_int_equal(r.sum.selected, 1);
	mps_searcher_free(s);
	mps_matcher_free(m);
	unlink(path);
	free(path);
}

static void same_summary(const struct mps_unit_summary *x, const struct mps_unit_summary *y)
{
	assert_int_equal(x->lines, y->lines);
	assert_int_equal(x->selected, y->selected);
	assert_int_equal(x->matches, y->matches);
	assert_int_equal(x->bytes, y->bytes);
	assert_int_equal(x->err, y->err);
	assert_int_equal(x->binary, y->binary);
}

/* A whole file already in memory gives what reading it gives, and the
 * searcher reads files as before afterwards. */
static void test_mem_same_as_fd(void **state)
{
	(void)state;
#define IN(lit) {lit, sizeof(lit) - 1}
	static const struct {
		const char *data;
		size_t n;
	} in[] = {
		IN(text), IN(""), IN("x\r\nfoo\r\n"), IN("foo\n\0foo\n"),
		IN("a\nb\nfoo\nc\nd\nfoo\ne\n"), IN("foo"), IN("\n\n\n"),
	};
#undef IN
	struct mps_matcher *m = lit("foo");
	const struct mps_search_opts opts[] = {
		{.max_count = -1, .emit_lines = true},
		{.max_count = -1, .emit_lines = true, .invert = true},
		{.max_count = -1, .emit_lines = true, .before = 2, .after = 1},
		{.max_count = 1, .emit_lines = true, .after = 2},
		{.max_count = -1, .emit_lines = false},
		{.max_count = -1, .first_only = true},
		{.max_count = -1, .emit_lines = true, .text = true, .spans = true},
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		char *path = tmpfile_with(in[i].data, in[i].n);
		char *copy = malloc(in[i].n + 1);
		memcpy(copy, in[i].data, in[i].n);
		for (size_t k = 0; k < sizeof(opts) / sizeof(*opts); k++) {
			struct mps_searcher *s = mps_searcher_new(m, &opts[k]);
			struct rec_sink a, b, c;
			rec_init(&a);
			rec_init(&b);
			rec_init(&c);
			run_range(s, path, 0, UINT64_MAX, MPS_SEARCH_REGULAR, &a);
			assert_int_equal(mps_searcher_run_mem(s, copy, in[i].n, 0, &b.base), 0);
			run_range(s, path, 0, UINT64_MAX, MPS_SEARCH_REGULAR, &c);
			assert_string_equal(a.out, b.out);
			assert_string_equal(a.out, c.out);
			same_summary(&a.sum, &b.sum);
			same_summary(&a.sum, &c.sum);
			assert_memory_equal(copy, in[i].data, in[i].n); /* not changed */
			mps_searcher_free(s);
		}
		free(copy);
		unlink(path);
		free(path);
	}
	mps_matcher_free(m);
}

static void test_count_newlines(void **state)
{
	(void)state;
	char buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (i * 7 % 13 == 0) ? '\n' : 'a';
	for (size_t off = 0; off < 70; off++) {
		size_t want = 0;
		for (size_t i = off; i < sizeof(buf); i++)
			want += buf[i] == '\n';
		assert_int_equal(mps_count_newlines(buf + off, sizeof(buf) - off), want);
	}
}

/* --count-matches: the matches of the selected lines are counted when no
 * line is emitted (-c); with -v they are not. */
static void test_count_matches(void **state)
{
	(void)state;
	char *path = tmpfile_with(text, sizeof(text) - 1);
	struct mps_matcher *m = lit("foo");
	struct mps_search_opts o = {.max_count = -1, .count_matches = true};
	struct mps_searcher *s = mps_searcher_new(m, &o);
	struct rec_sink r;
	rec_init(&r);
	run_range(s, path, 0, UINT64_MAX, 0, &r);
	assert_int_equal(r.sum.selected, 4);
	assert_int_equal(r.sum.matches, 5);
	mps_searcher_free(s);
	o.invert = true;
	s = mps_searcher_new(m, &o);
	rec_init(&r);
	run_range(s, path, 0, UINT64_MAX, 0, &r);
	assert_int_equal(r.sum.selected, 4);
	assert_int_equal(r.sum.matches, 0);
	mps_searcher_free(s);
	mps_matcher_free(m);
	unlink(path);
	free(path);
}

/* --multiline: matches on touching lines make one record of all their
 * lines (as rg -U prints them); cut in two or three parts at every pair of
 * positions, the owned records with the line counts of earlier parts
 * added are the whole file's, each once, and so are the counts: a group
 * across a part boundary belongs to the part of its first line. */
static void test_multiline_split(void **state)
{
	(void)state;
	static const char ml[] = "a int\nx\nint\nint\ny\nq int\n\nz int\nw";
	const size_t n = sizeof(ml) - 1;
	const char *want = "1:a int\nx\nint\nint|8:z int\nw|";
	const char *pats[] = {"int\\n\\w+"};
	struct mps_match_opts mo = {(char *const *)pats, 1, MPS_EXTENDED, false, false, false,
				    false, .multiline = true};
	struct mps_matcher *m = mps_matcher_new(&mo, NULL, 0);
	assert_non_null(m);
	assert_true(mps_matcher_multiline(m));
	char *path = tmpfile_with(ml, n);
	struct mps_search_opts o = {.max_count = -1, .emit_lines = true, .bufsize = 8,
				    .multiline = true};
	struct mps_searcher *s = mps_searcher_new(m, &o);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			struct rec_sink p[3];
			uint64_t cut[4] = {0, i, j, UINT64_MAX}, lines = 0, sel = 0, matches = 0;
			static char got[1 << 12];
			got[0] = 0;
			for (int k = 0; k < 3; k++) {
				rec_init(&p[k]);
				p[k].owned_only = true;
				p[k].add = (int64_t)lines;
				if (k < 2 && cut[k] == cut[k + 1])
					continue; /* an empty part */
				run_range(s, path, cut[k], cut[k + 1], k < 2 ? MPS_SEARCH_COUNT_LINES : 0,
					  &p[k]);
				lines += p[k].sum.lines;
				sel += p[k].sum.selected;
				matches += p[k].sum.matches;
				strcat(got, p[k].out);
			}
			if (strcmp(got, want))
				fail_msg("split %zu,%zu:\n got %s\nwant %s", i, j, got, want);
			assert_int_equal(sel, 2);
			assert_int_equal(matches, 3);
		}
	}
	mps_searcher_free(s);
	mps_matcher_free(m);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_various_buffers), cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_empty_and_crlf), cmocka_unit_test(test_nul),
		cmocka_unit_test(test_huge_line), cmocka_unit_test(test_count_newlines),
		cmocka_unit_test(test_mem_same_as_fd), cmocka_unit_test(test_count_matches),
		cmocka_unit_test(test_multiline_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
