/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the file-filter options (src/opts_filters.c, src/filetypes.c)
 * through the parser: what each option sets, how -t / --type-not resolve
 * into globs with --type-add, the --type-list text, and the usage errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpsearch/error.h"
#include "mpsearch/opts.h"
#include "filetypes.h"

static char errbuf[256];

static int parse(struct mps_opts *o, bool stdin_tty, const char **args)
{
	int n = 0;
	while (args[n])
		n++;
	errbuf[0] = 'X';
	return mps_opts_parse(o, n, (char **)args, stdin_tty, false, errbuf, sizeof errbuf);
}

#define ARGV(...) ((const char *[]){"mpsearch", __VA_ARGS__, NULL})

/* o->type_globs joined with spaces. */
static char *joined(const struct mps_strlist *l)
{
	static char buf[4096];
	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, l->v[i]);
	}
	return buf;
}

static void test_defaults(void **state)
{
	(void)state;
	struct mps_opts o;
	assert_int_equal(parse(&o, true, ARGV("foo")), MPS_OPTS_RUN);
	assert_false(o.list_files || o.type_list || o.ignore_files || o.no_hidden ||
		     o.depth_limited);
	assert_int_equal(o.max_filesize, 0);
	assert_int_equal(o.type_globs.n, 0);
	mps_opts_release(&o);
}

static void test_values(void **state)
{
	(void)state;
	struct mps_opts o;
	assert_int_equal(parse(&o, true, ARGV("--max-depth", "0", "--max-filesize=10K",
					      "--ignore-files", "--no-hidden", "foo", "d")),
			 MPS_OPTS_RUN);
	assert_true(o.depth_limited && o.ignore_files && o.no_hidden);
	assert_int_equal(o.max_depth, 0);
	assert_int_equal(o.max_filesize, 10240);
	assert_string_equal(o.patterns.v[0], "foo");
	assert_string_equal(o.paths.v[0], "d");
	mps_opts_release(&o);
	/* the last of --hidden / --no-hidden wins; depth clamps */
	assert_int_equal(parse(&o, true, ARGV("--no-hidden", "--hidden", "--max-depth=99999999999999999999999",
					      "foo")),
			 MPS_OPTS_RUN);
	assert_false(o.no_hidden);
	assert_int_equal(o.max_depth, UINT64_MAX);
	mps_opts_release(&o);
}

static void test_types(void **state)
{
	(void)state;
	struct mps_opts o;
	assert_int_equal(parse(&o, true, ARGV("-t", "c", "--type-not=txt", "-tpy", "foo")),
			 MPS_OPTS_RUN);
	assert_string_equal(joined(&o.type_globs), "+*.[chH] +*.[chH].in +*.cats -*.txt +*.py");
	mps_opts_release(&o);
	/* --type-add applies first, whatever its place; it extends a type */
	assert_int_equal(parse(&o, true, ARGV("-t", "foo", "--type-add", "foo:*.f1",
					      "--type-add=txt:*.text", "--type-not", "txt",
					      "--type-add", "foo:*.f2", "x")),
			 MPS_OPTS_RUN);
	assert_string_equal(joined(&o.type_globs), "+*.f1 +*.f2 -*.txt -*.text");
	mps_opts_release(&o);
}

static void test_no_pattern(void **state)
{
	(void)state;
	struct mps_opts o;
	/* --files: every operand is a path; none is "." even from a pipe */
	assert_int_equal(parse(&o, false, ARGV("--files", "a", "b")), MPS_OPTS_RUN);
	assert_true(o.list_files);
	assert_int_equal(o.patterns.n, 0);
	assert_int_equal(o.paths.n, 2);
	mps_opts_release(&o);
	assert_int_equal(parse(&o, false, ARGV("--files")), MPS_OPTS_RUN);
	assert_int_equal(o.paths.n, 1);
	assert_string_equal(o.paths.v[0], ".");
	assert_false(o.paths_given);
	mps_opts_release(&o);
	assert_int_equal(parse(&o, true, ARGV("--type-list")), MPS_OPTS_RUN);
	assert_true(o.type_list);
	mps_opts_release(&o);
	/* without them a pattern is still needed */
	assert_int_equal(parse(&o, true, ARGV("-t", "c")), MPS_EUSAGE); /* "c" is -t's */
	assert_string_equal(errbuf, "no pattern given");
	assert_int_equal(parse(&o, true, ARGV("--max-depth", "1")), MPS_EUSAGE);
	assert_string_equal(errbuf, "no pattern given");
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *args[4];
		const char *msg;
	} bad[] = {
		{{"-t", "nosuch", "x"}, "unrecognized file type 'nosuch' (see --type-list)"},
		{{"--type-not", "nosuch", "x"}, "unrecognized file type 'nosuch' (see --type-list)"},
		{{"--type-add", "nocolon", "x"}, "invalid type definition 'nocolon' (use NAME:GLOB)"},
		{{"--type-add", ":*.c", "x"}, "invalid type definition ':*.c' (use NAME:GLOB)"},
		{{"--type-add", "a:", "x"}, "invalid type definition 'a:' (use NAME:GLOB)"},
		{{"--max-depth", "-1", "x"}, "invalid depth '-1' for '--max-depth'"},
		{{"--max-depth=", "x"}, "invalid depth '' for '--max-depth'"},
		{{"--max-filesize", "0", "x"}, "invalid size '0' for '--max-filesize'"},
		{{"--max-filesize", "1Q", "x"}, "invalid size '1Q' for '--max-filesize'"},
		{{"--files=x"}, "option '--files' doesn't allow an argument"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[6] = {"mpsearch"};
		for (int k = 0; k < 4 && bad[i].args[k]; k++)
			argv[k + 1] = bad[i].args[k];
		struct mps_opts o;
		assert_int_equal(parse(&o, true, argv), MPS_EUSAGE);
		assert_string_equal(errbuf, bad[i].msg);
		mps_opts_release(&o);
	}
}

static void test_type_list(void **state)
{
	(void)state;
	struct mps_strlist adds = {0};
	assert_int_equal(mps_strlist_push(&adds, "zz:*.z2", 7), 0);
	assert_int_equal(mps_strlist_push(&adds, "zz:*.z1", 7), 0);
	assert_int_equal(mps_strlist_push(&adds, "txt:*.txt", 9), 0); /* no duplicate */
	char *s = mps_types_list(&adds);
	assert_non_null(s);
	assert_non_null(strstr(s, "\nc: *.[chH], *.[chH].in, *.cats\n"));
	assert_non_null(strstr(s, "\ntxt: *.txt\n"));
	assert_non_null(strstr(s, "\nzz: *.z1, *.z2\n"));
	assert_true(strncmp(s, "asm: ", 5) == 0); /* sorted by name */
	/* every line is "NAME: GLOB[, GLOB]..." and names are in order */
	char prev[64] = "";
	for (char *line = s; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		char *colon = strchr(line, ':');
		assert_true(colon && colon < nl && colon[1] == ' ');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
		assert_true(strcmp(prev, name) < 0);
		strcpy(prev, name);
		line = nl + 1;
	}
	free(s);
	mps_strlist_release(&adds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),  cmocka_unit_test(test_values),
		cmocka_unit_test(test_types),     cmocka_unit_test(test_no_pattern),
		cmocka_unit_test(test_errors),    cmocka_unit_test(test_type_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
