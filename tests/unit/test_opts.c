/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the command-line parser (src/opts.c). */
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

#include "mpsearch/error.h"
#include "mpsearch/opts.h"

static char errbuf[256];

static int argv_count(const char **args)
{
	int n = 0;

	while (args[n])
		n++;
	return n;
}

static int parse_tty(struct mps_opts *o, bool stdin_tty, bool stdout_tty, const char **args)
{
	memset(errbuf, 'X', sizeof errbuf); /* the parser must write it */
	errbuf[sizeof errbuf - 1] = '\0';
	return mps_opts_parse(o, argv_count(args), (char **)args, stdin_tty, stdout_tty, errbuf,
			      sizeof errbuf);
}

/* argv literal: "mpsearch" followed by the arguments. */
#define ARGV(...) ((const char *[]){ "mpsearch", __VA_ARGS__, NULL })
/* Parse with a terminal on stdin and none on stdout. */
#define PARSE(o, ...) parse_tty((o), true, false, ARGV(__VA_ARGS__))

/* Parse args that must succeed. */
#define PARSE_OK(o, ...)                                             \
	do {                                                         \
		int rc_ = PARSE((o), __VA_ARGS__);                   \
		if (rc_ != MPS_OPTS_RUN)                             \
			fail_msg("rc %d: %s", rc_, errbuf);          \
		assert_string_equal(errbuf, "");                     \
	} while (0)

/* Parse args that must succeed and check one field of the result. */
#define EXPECT(field, want, ...)                                     \
	do {                                                         \
		struct mps_opts x_;                                  \
		PARSE_OK(&x_, __VA_ARGS__);                          \
		assert_int_equal(x_.field, (want));                  \
		mps_opts_release(&x_);                               \
	} while (0)

/* Parse args that must fail with exactly msg. */
#define PARSE_ERR(msg, ...)                                          \
	do {                                                         \
		struct mps_opts e_;                                  \
		assert_int_equal(PARSE(&e_, __VA_ARGS__), MPS_EUSAGE); \
		assert_string_equal(errbuf, (msg));                  \
		assert_int_equal(e_.patterns.n, 0);                  \
		assert_null(e_.paths.v);                             \
		mps_opts_release(&e_);                               \
	} while (0)

/* Parse args that must fail with a message starting with prefix. */
#define PARSE_ERR_PREFIX(prefix, ...)                                        \
	do {                                                                 \
		struct mps_opts e_;                                          \
		assert_int_equal(PARSE(&e_, __VA_ARGS__), MPS_EUSAGE);       \
		assert_memory_equal(errbuf, (prefix), strlen(prefix));       \
		mps_opts_release(&e_);                                       \
	} while (0)

static void assert_list(const struct mps_strlist *l, const char **want)
{
	size_t n = 0;

	while (want[n])
		n++;
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
	if (n)
		assert_null(l->v[n]);
}
#define LIST(...) ((const char *[]){ __VA_ARGS__, NULL })
#define EMPTY ((const char *[]){ NULL })

/* A temporary file holding data[0, len); caller unlinks and frees. */
static char *tmp_file(const char *data, size_t len)
{
	const char *dir = getenv("MPSEARCH_TEST_TMP");
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	(void)mkdir(dir, 0777); /* may exist */
	assert_true(asprintf(&path, "%s/mps_opts_XXXXXX", dir) > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_defaults(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "foo");
	assert_list(&o.patterns, LIST("foo"));
	assert_int_equal(o.syntax, MPS_FIXED);
	assert_false(o.ignore_case);
	assert_false(o.word);
	assert_false(o.line);
	assert_false(o.invert);
	assert_int_equal(o.output, MPS_OUT_LINES);
	assert_false(o.only_matching);
	assert_true(o.max_count == -1);
	assert_false(o.no_messages);
	assert_true(o.before == 0);
	assert_true(o.after == 0);
	assert_false(o.text);
	assert_false(o.null);
	assert_false(o.color);
	assert_int_equal(o.with_filename, -1);
	assert_true(o.line_number);
	assert_int_equal(o.include.n, 0);
	assert_int_equal(o.exclude.n, 0);
	assert_int_equal(o.exclude_dir.n, 0);
	assert_false(o.deref);
	assert_false(o.stats);
	assert_int_equal(o.progress, -1);
	assert_int_equal(o.workers, 0);
	assert_true(o.chunk_size == MPS_DEFAULT_CHUNK);
	assert_true(o.pin);
	assert_null(o.output_file);
	/* stdin is a terminal: search "." */
	assert_list(&o.paths, LIST("."));
	assert_false(o.paths_given);
	mps_opts_release(&o);
}

static void test_no_operand_stdin(void **state)
{
	struct mps_opts o;

	(void)state;
	assert_int_equal(parse_tty(&o, false, false, ARGV("foo")), MPS_OPTS_RUN);
	assert_list(&o.paths, LIST("-"));
	assert_false(o.paths_given);
	mps_opts_release(&o);

	/* Operands given: stdin_tty does not matter. */
	assert_int_equal(parse_tty(&o, false, false, ARGV("foo", "a", "b/c")), MPS_OPTS_RUN);
	assert_list(&o.paths, LIST("a", "b/c"));
	assert_true(o.paths_given);
	mps_opts_release(&o);

	/* "-" as an operand is a path. */
	PARSE_OK(&o, "foo", "-");
	assert_list(&o.paths, LIST("-"));
	assert_true(o.paths_given);
	mps_opts_release(&o);

	/* "-" may even be the pattern. */
	PARSE_OK(&o, "-", "x");
	assert_list(&o.patterns, LIST("-"));
	assert_list(&o.paths, LIST("x"));
	mps_opts_release(&o);
}

/* Boolean options: each spelling sets its field. */
struct flag_case {
	const char *arg;
	size_t off;
	bool want;
};

static void test_flags(void **state)
{
	static const struct flag_case cases[] = {
		{ "-i", offsetof(struct mps_opts, ignore_case), true },
		{ "-y", offsetof(struct mps_opts, ignore_case), true },
		{ "--ignore-case", offsetof(struct mps_opts, ignore_case), true },
		{ "-w", offsetof(struct mps_opts, word), true },
		{ "--word-regexp", offsetof(struct mps_opts, word), true },
		{ "-x", offsetof(struct mps_opts, line), true },
		{ "--line-regexp", offsetof(struct mps_opts, line), true },
		{ "-v", offsetof(struct mps_opts, invert), true },
		{ "--invert-match", offsetof(struct mps_opts, invert), true },
		{ "-o", offsetof(struct mps_opts, only_matching), true },
		{ "--only-matching", offsetof(struct mps_opts, only_matching), true },
		{ "-s", offsetof(struct mps_opts, no_messages), true },
		{ "--no-messages", offsetof(struct mps_opts, no_messages), true },
		{ "-a", offsetof(struct mps_opts, text), true },
		{ "--text", offsetof(struct mps_opts, text), true },
		{ "-0", offsetof(struct mps_opts, null), true },
		{ "-Z", offsetof(struct mps_opts, null), true },
		{ "--null", offsetof(struct mps_opts, null), true },
		{ "-N", offsetof(struct mps_opts, line_number), false },
		{ "--no-line-number", offsetof(struct mps_opts, line_number), false },
		{ "-R", offsetof(struct mps_opts, deref), true },
		{ "--dereference-recursive", offsetof(struct mps_opts, deref), true },
		{ "-r", offsetof(struct mps_opts, deref), false },
		{ "--recursive", offsetof(struct mps_opts, deref), false },
		{ "--stats", offsetof(struct mps_opts, stats), true },
		{ "--no-pin", offsetof(struct mps_opts, pin), false },
		{ "--search-zip", offsetof(struct mps_opts, search_zip), true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mps_opts o;
		bool got;

		PARSE_OK(&o, cases[i].arg, "pat", "dir");
		memcpy(&got, (const char *)&o + cases[i].off, sizeof got);
		if (got != cases[i].want)
			fail_msg("%s: got %d", cases[i].arg, got);
		assert_list(&o.patterns, LIST("pat"));
		assert_list(&o.paths, LIST("dir"));
		mps_opts_release(&o);
	}
}

static void test_last_wins(void **state)
{
	(void)state;
	EXPECT(syntax, MPS_EXTENDED, "-E", "p");
	EXPECT(syntax, MPS_PCRE, "--perl-regexp", "p");
	EXPECT(syntax, MPS_EXTENDED, "-P", "-E", "p");
	EXPECT(syntax, MPS_FIXED, "-E", "--fixed-strings", "p");
	EXPECT(syntax, MPS_PCRE, "--extended-regexp", "-F", "-P", "p");

	EXPECT(ignore_case, false, "-i", "--no-ignore-case", "p");
	EXPECT(ignore_case, true, "--no-ignore-case", "-i", "p");

	EXPECT(with_filename, 1, "-H", "p");
	EXPECT(with_filename, 0, "--no-filename", "p");
	EXPECT(with_filename, 1, "-h", "--with-filename", "p");
	EXPECT(with_filename, 0, "-H", "-h", "p");

	EXPECT(line_number, true, "-N", "-n", "p");
	EXPECT(line_number, false, "--line-number", "-N", "p");

	EXPECT(deref, false, "-R", "-r", "p");
	EXPECT(deref, true, "-r", "-R", "p");

	EXPECT(progress, 1, "--progress", "p");
	EXPECT(progress, 0, "--no-progress", "p");
	EXPECT(progress, 1, "--no-progress", "--progress", "p");
}

static void test_output_mode(void **state)
{
	static const struct {
		const char *a, *b;
		enum mps_output want;
	} cases[] = {
		{ "-c", NULL, MPS_OUT_COUNT },
		{ "--count", NULL, MPS_OUT_COUNT },
		{ "-l", NULL, MPS_OUT_FILES_WITH },
		{ "--files-with-matches", NULL, MPS_OUT_FILES_WITH },
		{ "-L", NULL, MPS_OUT_FILES_WITHOUT },
		{ "--files-without-match", NULL, MPS_OUT_FILES_WITHOUT },
		{ "-q", NULL, MPS_OUT_QUIET },
		{ "--quiet", NULL, MPS_OUT_QUIET },
		{ "--silent", NULL, MPS_OUT_QUIET },
		{ "--json", NULL, MPS_OUT_JSON },
		/* -l/-L: the last one wins */
		{ "-l", "-L", MPS_OUT_FILES_WITHOUT },
		{ "-L", "-l", MPS_OUT_FILES_WITH },
		/* -l/-L beat -c in any order */
		{ "-c", "-l", MPS_OUT_FILES_WITH },
		{ "-l", "-c", MPS_OUT_FILES_WITH },
		{ "-L", "-c", MPS_OUT_FILES_WITHOUT },
		/* -q beats everything */
		{ "-q", "-l", MPS_OUT_QUIET },
		{ "-L", "-q", MPS_OUT_QUIET },
		{ "-c", "-q", MPS_OUT_QUIET },
		{ "--json", "-q", MPS_OUT_QUIET },
		/* --json only beats plain lines */
		{ "--json", "-c", MPS_OUT_COUNT },
		{ "-c", "--json", MPS_OUT_COUNT },
		{ "--json", "-l", MPS_OUT_FILES_WITH },
		{ "-o", "--json", MPS_OUT_JSON },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mps_opts o;
		int rc;

		if (cases[i].b)
			rc = PARSE(&o, cases[i].a, cases[i].b, "p");
		else
			rc = PARSE(&o, cases[i].a, "p");
		assert_int_equal(rc, MPS_OPTS_RUN);
		if (o.output != cases[i].want)
			fail_msg("%s %s: got %d", cases[i].a, cases[i].b ? cases[i].b : "",
				 (int)o.output);
		mps_opts_release(&o);
	}
}

static void test_max_count(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "-m5", "p");
	assert_true(o.max_count == 5);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "7", "p");
	assert_true(o.max_count == 7);
	mps_opts_release(&o);
	PARSE_OK(&o, "--max-count=12", "p");
	assert_true(o.max_count == 12);
	mps_opts_release(&o);
	PARSE_OK(&o, "--max-count", "13", "p");
	assert_true(o.max_count == 13);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "0", "p");
	assert_true(o.max_count == 0);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "99999999999999999999999999", "p");
	assert_true(o.max_count == INT64_MAX);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "9223372036854775807", "p");
	assert_true(o.max_count == INT64_MAX);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "9223372036854775806", "p");
	assert_true(o.max_count == INT64_MAX - 1);
	mps_opts_release(&o);
	PARSE_OK(&o, "-m", "3", "-m", "4", "p");
	assert_true(o.max_count == 4);
	mps_opts_release(&o);

	PARSE_ERR("invalid max count '-1'", "-m", "-1", "p");
	PARSE_ERR("invalid max count '-1'", "-m-1", "p");
	PARSE_ERR("invalid max count 'abc'", "--max-count=abc", "p");
	PARSE_ERR("invalid max count ''", "--max-count=", "p");
	PARSE_ERR("invalid max count '5x'", "-m5x", "p");
	PARSE_ERR("invalid max count '+5'", "-m", "+5", "p");
	PARSE_ERR("invalid max count ' 5'", "-m", " 5", "p");
	PARSE_ERR("option '-m' needs an argument", "p", "-m");
	PARSE_ERR("option '--max-count' needs an argument", "p", "--max-count");
}

static void test_context(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "-A", "2", "-B3", "p");
	assert_true(o.after == 2);
	assert_true(o.before == 3);
	mps_opts_release(&o);
	PARSE_OK(&o, "--after-context=4", "--before-context", "5", "p");
	assert_true(o.after == 4);
	assert_true(o.before == 5);
	mps_opts_release(&o);
	PARSE_OK(&o, "-C2", "p");
	assert_true(o.after == 2);
	assert_true(o.before == 2);
	mps_opts_release(&o);
	PARSE_OK(&o, "--context=6", "p");
	assert_true(o.after == 6);
	assert_true(o.before == 6);
	mps_opts_release(&o);
	PARSE_OK(&o, "--context", "0", "p");
	assert_true(o.after == 0);
	assert_true(o.before == 0);
	mps_opts_release(&o);

	/* -A and -B win over -C in either order. */
	PARSE_OK(&o, "-C4", "-A1", "p");
	assert_true(o.before == 4);
	assert_true(o.after == 1);
	mps_opts_release(&o);
	PARSE_OK(&o, "-B1", "-C4", "p");
	assert_true(o.before == 1);
	assert_true(o.after == 4);
	mps_opts_release(&o);

	/* grep's -NUM. */
	PARSE_OK(&o, "-5", "p");
	assert_true(o.after == 5);
	assert_true(o.before == 5);
	mps_opts_release(&o);
	PARSE_OK(&o, "-12", "p");
	assert_true(o.after == 12);
	mps_opts_release(&o);
	PARSE_OK(&o, "-3N", "p");
	assert_true(o.after == 3);
	assert_false(o.line_number);
	mps_opts_release(&o);
	PARSE_OK(&o, "-i2", "p");
	assert_true(o.after == 2);
	assert_true(o.ignore_case);
	mps_opts_release(&o);
	PARSE_OK(&o, "-3", "-C", "9", "p");
	assert_true(o.after == 9);
	mps_opts_release(&o);
	/* -0 is --null, not -C 0; -10 is -C 10. */
	PARSE_OK(&o, "-0", "p");
	assert_true(o.null);
	assert_true(o.after == 0);
	mps_opts_release(&o);
	PARSE_OK(&o, "-10", "p");
	assert_false(o.null);
	assert_true(o.after == 10);
	mps_opts_release(&o);

	/* Huge values clamp to INT64_MAX. */
	PARSE_OK(&o, "-C", "123456789012345678901234567890", "p");
	assert_true(o.after == INT64_MAX);
	assert_true(o.before == INT64_MAX);
	mps_opts_release(&o);
	PARSE_OK(&o, "-123456789012345678901234567890123456789012345", "p");
	assert_true(o.after == INT64_MAX);
	mps_opts_release(&o);

	PARSE_ERR("invalid context length '-5'", "-C", "-5", "p");
	PARSE_ERR("invalid context length '-1'", "-A-1", "p");
	PARSE_ERR("invalid context length 'x'", "--before-context=x", "p");
	PARSE_ERR("invalid context length '1.5'", "-C1.5", "p");
	PARSE_ERR("option '-A' needs an argument", "p", "-A");
}

static void test_color(void **state)
{
	/* stdout is a terminal?, argv, color wanted */
	static const struct {
		bool tty;
		const char *args[4];
		bool color;
	} cases[] = {
		/* default is auto: on when stdout is a terminal */
		{true, {"p"}, true},
		{false, {"p"}, false},
		{false, {"--color=always", "p"}, true},
		{true, {"--color=never", "p"}, false},
		{true, {"--color=auto", "p"}, true},
		{false, {"--color=auto", "p"}, false},
		{true, {"--color", "p"}, true},
		{false, {"--colour=always", "p"}, true},
		/* grep's synonyms */
		{false, {"--color=force", "p"}, true},
		{true, {"--color=none", "p"}, false},
		/* last wins */
		{false, {"--color=always", "--color=never", "p"}, false},
		/* auto is about stdout, so off when writing to --output */
		{true, {"--output=res.txt", "p"}, false},
		{false, {"--output=r", "--color=always", "p"}, true},
	};
	struct mps_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[6] = {"mpsearch"};
		for (size_t j = 0; cases[i].args[j]; j++)
			argv[j + 1] = cases[i].args[j];
		assert_int_equal(parse_tty(&o, true, cases[i].tty, argv), MPS_OPTS_RUN);
		if (o.color != cases[i].color)
			fail_msg("case %zu (%s ...): color %d", i, cases[i].args[0], o.color);
		mps_opts_release(&o);
	}

	/* The argument is optional, so it must be attached: "always" here
	 * is the pattern. */
	assert_int_equal(parse_tty(&o, true, false, ARGV("--color", "always", "dir")), MPS_OPTS_RUN);
	assert_false(o.color);
	assert_list(&o.patterns, LIST("always"));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);

	PARSE_ERR_PREFIX("invalid --color value 'x'", "--color=x", "p");
	PARSE_ERR_PREFIX("invalid --colour value ''", "--colour=", "p");
}

static void test_globs(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "--include=*.c", "--include", "*.h", "--exclude=*.o", "--exclude-dir=.git",
		 "--exclude-dir", "build", "--exclude", "", "p");
	assert_list(&o.include, LIST("*.c", "*.h"));
	assert_list(&o.exclude, LIST("*.o", ""));
	assert_list(&o.exclude_dir, LIST(".git", "build"));
	assert_list(&o.patterns, LIST("p"));
	mps_opts_release(&o);
	PARSE_ERR("option '--include' needs an argument", "p", "--include");
}

/* --include/--exclude/--exclude-from kept in order for grep's rule;
 * --exclude-dir loses trailing slashes as in grep. */
static void test_filters(void **state)
{
	struct mps_opts o;
	char path[] = "/tmp/mps-test-exf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "*.h\n  \nx.t*  \n", 14), 14);
	close(fd);
	PARSE_OK(&o, "--include=*.c", "--exclude-from", path, "--exclude=a*", "--exclude-dir=d//",
		 "--exclude-dir=/", "p");
	assert_list(&o.filters, LIST("+*.c", "-*.h", "-x.t*", "-a*"));
	assert_list(&o.include, LIST("*.c"));
	assert_list(&o.exclude, LIST("*.h", "x.t*", "a*"));
	assert_list(&o.exclude_dir, LIST("d", "/"));
	mps_opts_release(&o);
	unlink(path);
	PARSE_ERR_PREFIX("cannot read exclude file '/nonexistent/x'", "--exclude-from=/nonexistent/x",
			 "p");
}

/* grep's options with a value or a last-one-wins rule. */
static void test_grep_options(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "p");
	assert_int_equal(o.binary, MPS_BIN_BINARY);
	assert_string_equal(o.group_sep, "--");
	assert_int_equal(o.directories, MPS_ACT_RECURSE);
	assert_int_equal(o.devices, MPS_ACT_READ);
	assert_false(o.context || o.byte_offset || o.initial_tab || o.null_data || o.line_buffered);
	assert_null(o.label);
	mps_opts_release(&o);
	PARSE_OK(&o, "-bTz", "--label=L", "--line-buffered", "--group-separator=@", "-C0", "p");
	assert_true(o.byte_offset && o.initial_tab && o.null_data && o.line_buffered && o.context);
	assert_string_equal(o.label, "L");
	assert_string_equal(o.group_sep, "@");
	mps_opts_release(&o);
	PARSE_OK(&o, "--group-separator=@", "--no-group-separator", "p");
	assert_null(o.group_sep);
	mps_opts_release(&o);
	EXPECT(text, true, "-I", "-a", "p");
	PARSE_OK(&o, "-a", "-I", "p");
	assert_false(o.text);
	assert_int_equal(o.binary, MPS_BIN_SKIP);
	mps_opts_release(&o);
	EXPECT(text, true, "--binary-files=text", "p");
	PARSE_OK(&o, "-r", "-d", "skip", "-D", "skip", "p");
	assert_int_equal(o.directories, MPS_ACT_SKIP);
	assert_int_equal(o.devices, MPS_ACT_SKIP);
	mps_opts_release(&o);
	EXPECT(directories, MPS_ACT_RECURSE, "--directories=skip", "-R", "p");
	PARSE_ERR("invalid argument 'x' for '--binary-files' (use binary, text or without-match)",
		  "--binary-files=x", "p");
	PARSE_ERR("invalid argument 'recurse' for '-D' (use read or skip)", "-D", "recurse", "p");
	PARSE_ERR("invalid argument 'x' for '-d' (use read, skip or recurse)", "-dx", "p");
}

static void test_workers(void **state)
{
	(void)state;
	EXPECT(workers, 4, "-j", "4", "p");
	EXPECT(workers, 3, "-j3", "p");
	EXPECT(workers, 8, "--workers=8", "p");
	EXPECT(workers, 1, "--workers", "1", "p");
	EXPECT(workers, 65536, "-j", "65536", "p");

	PARSE_ERR("-j needs a number of workers >= 1", "-j", "0", "p");
	PARSE_ERR("-j needs a number of workers >= 1", "-j", "-2", "p");
	PARSE_ERR("-j needs a number of workers >= 1", "-jx", "p");
	PARSE_ERR("-j needs a number of workers >= 1", "--workers=", "p");
	PARSE_ERR("too many workers '65537' (at most 65536)", "-j", "65537", "p");
	PARSE_ERR("too many workers '99999999999999999999999' (at most 65536)", "-j",
		  "99999999999999999999999", "p");
	PARSE_ERR("option '-j' needs an argument", "p", "-j");
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t want;
	} good[] = {
		{ "1", 1 },
		{ "4096", 4096 },
		{ "512k", 512ull << 10 },
		{ "512K", 512ull << 10 },
		{ "1M", 1ull << 20 },
		{ "4M", 4ull << 20 },
		{ "64MiB", 64ull << 20 },
		{ "64MB", 64ull << 20 },
		{ "64mb", 64ull << 20 },
		{ "2G", 2ull << 30 },
		{ "1GiB", 1ull << 30 },
		{ "3T", 3ull << 40 },
		{ "100B", 100 },
		{ "007", 7 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ull << 40 },
	};
	static const struct {
		const char *s;
		int rc;
	} bad[] = {
		{ "", -EINVAL },       { "0", -EINVAL },     { "0M", -EINVAL },
		{ "abc", -EINVAL },    { "M", -EINVAL },     { "-1", -EINVAL },
		{ "+1", -EINVAL },     { " 1", -EINVAL },    { "1 ", -EINVAL },
		{ "1.5M", -EINVAL },   { "1X", -EINVAL },    { "1Mi", -EINVAL },
		{ "1iB", -EINVAL },    { "1MBB", -EINVAL },  { "1KM", -EINVAL },
		{ "18446744073709551616", -ERANGE },
		{ "16777216T", -ERANGE },
		{ "99999999999999999999999999M", -ERANGE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint64_t v = 0;

		if (mps_parse_size(good[i].s, &v) != 0 || v != good[i].want)
			fail_msg("'%s' gave %llu", good[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 42;
		int rc = mps_parse_size(bad[i].s, &v);

		if (rc != bad[i].rc || v != 42)
			fail_msg("'%s' gave rc %d, %llu", bad[i].s, rc, (unsigned long long)v);
	}
}

static void test_chunk_size(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "--chunk-size=4M", "p");
	assert_true(o.chunk_size == 4ull << 20);
	mps_opts_release(&o);
	PARSE_OK(&o, "--chunk-size", "512k", "p");
	assert_true(o.chunk_size == 512ull << 10);
	mps_opts_release(&o);
	PARSE_OK(&o, "--chunk-size=64MiB", "p");
	assert_true(o.chunk_size == MPS_DEFAULT_CHUNK);
	mps_opts_release(&o);
	/* --search-zip: 8M unless given, before or after it */
	PARSE_OK(&o, "--search-zip", "p");
	assert_true(o.chunk_size == MPS_DEFAULT_ZIP_CHUNK);
	mps_opts_release(&o);
	PARSE_OK(&o, "--chunk-size=64M", "--search-zip", "p");
	assert_true(o.chunk_size == MPS_DEFAULT_CHUNK);
	mps_opts_release(&o);
	PARSE_OK(&o, "--search-zip", "--chunk-size=1M", "p");
	assert_true(o.chunk_size == 1ull << 20);
	mps_opts_release(&o);
	PARSE_ERR("invalid chunk size 'abc'", "--chunk-size=abc", "p");
	PARSE_ERR("invalid chunk size '0'", "--chunk-size=0", "p");
	PARSE_ERR("invalid chunk size '99999999T'", "--chunk-size", "99999999T", "p");
	PARSE_ERR("option '--chunk-size' needs an argument", "p", "--chunk-size");
}

static void test_output_file(void **state)
{
	struct mps_opts o;
	const char **args;

	(void)state;
	args = ARGV("--output=res.txt", "p");
	assert_int_equal(parse_tty(&o, true, false, args), MPS_OPTS_RUN);
	assert_string_equal(o.output_file, "res.txt");
	/* borrowed from argv */
	assert_ptr_equal(o.output_file, args[1] + strlen("--output="));
	mps_opts_release(&o);

	args = ARGV("--output", "out", "p");
	assert_int_equal(parse_tty(&o, true, false, args), MPS_OPTS_RUN);
	assert_ptr_equal(o.output_file, args[2]);
	mps_opts_release(&o);

	PARSE_ERR("option '--output' needs a file name", "--output=", "p");
	PARSE_ERR("option '--output' needs an argument", "p", "--output");
	PARSE_ERR("invalid option -- 'O'", "-O", "x", "p");
}

static void test_misc_long(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "--json", "--stats", "--progress", "--no-pin", "p");
	assert_int_equal(o.output, MPS_OUT_JSON);
	assert_true(o.stats);
	assert_int_equal(o.progress, 1);
	assert_false(o.pin);
	mps_opts_release(&o);
}

static void test_bundling(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "-inr", "p");
	assert_true(o.ignore_case);
	assert_true(o.line_number);
	assert_false(o.deref);
	mps_opts_release(&o);

	PARSE_OK(&o, "-ivwxcHsaRZ", "p");
	assert_true(o.ignore_case);
	assert_true(o.invert);
	assert_true(o.word);
	assert_true(o.line);
	assert_int_equal(o.output, MPS_OUT_COUNT);
	assert_int_equal(o.with_filename, 1);
	assert_true(o.no_messages);
	assert_true(o.text);
	assert_true(o.deref);
	assert_true(o.null);
	mps_opts_release(&o);

	/* An option with an argument takes the rest of the word... */
	PARSE_OK(&o, "-im5", "p");
	assert_true(o.ignore_case);
	assert_true(o.max_count == 5);
	mps_opts_release(&o);
	PARSE_OK(&o, "-iefoo", "dir");
	assert_true(o.ignore_case);
	assert_list(&o.patterns, LIST("foo"));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	/* (so "-C2n" means -C "2n", as with getopt) */
	PARSE_ERR("invalid context length '2n'", "-C2n", "p");
	/* ...or the next word, even one that starts with '-'. */
	PARSE_OK(&o, "-ie", "-foo", "dir");
	assert_true(o.ignore_case);
	assert_list(&o.patterns, LIST("-foo"));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	PARSE_OK(&o, "-cj", "2", "p");
	assert_int_equal(o.output, MPS_OUT_COUNT);
	assert_int_equal(o.workers, 2);
	mps_opts_release(&o);
}

static void test_patterns(void **state)
{
	struct mps_opts o;

	(void)state;
	/* With -e, every operand is a path. */
	PARSE_OK(&o, "-e", "foo", "-e", "bar", "a", "b");
	assert_list(&o.patterns, LIST("foo", "bar"));
	assert_list(&o.paths, LIST("a", "b"));
	assert_true(o.paths_given);
	mps_opts_release(&o);
	PARSE_OK(&o, "--regexp=x", "--regexp", "y");
	assert_list(&o.patterns, LIST("x", "y"));
	assert_list(&o.paths, LIST("."));
	assert_false(o.paths_given);
	mps_opts_release(&o);
	/* -e after the operands still makes them paths. */
	PARSE_OK(&o, "a", "-e", "foo");
	assert_list(&o.patterns, LIST("foo"));
	assert_list(&o.paths, LIST("a"));
	mps_opts_release(&o);

	/* Split at newlines. */
	PARSE_OK(&o, "a\nb\nc", "dir");
	assert_list(&o.patterns, LIST("a", "b", "c"));
	mps_opts_release(&o);
	PARSE_OK(&o, "-e", "a\n", "-e", "b");
	assert_list(&o.patterns, LIST("a", "", "b"));
	mps_opts_release(&o);
	PARSE_OK(&o, "-e", "");
	assert_list(&o.patterns, LIST(""));
	mps_opts_release(&o);
	PARSE_OK(&o, "", "dir");
	assert_list(&o.patterns, LIST(""));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	PARSE_OK(&o, "\n");
	assert_list(&o.patterns, LIST("", ""));
	mps_opts_release(&o);

	PARSE_ERR("option '-e' needs an argument", "-e");
	PARSE_ERR("option '--regexp' needs an argument", "--regexp");
}

static void test_pattern_file(void **state)
{
	struct mps_opts o;
	char *f1 = tmp_file("one\ntwo\n", 8);
	char *f2 = tmp_file("three\nfour", 10);
	char *f3 = tmp_file("", 0);
	char *f4 = tmp_file("\n", 1);
	char *f5 = tmp_file("a\n\nb\n\n", 6);
	char *fopt;

	(void)state;
	PARSE_OK(&o, "-f", f1, "dir");
	assert_list(&o.patterns, LIST("one", "two"));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	/* no final newline */
	PARSE_OK(&o, "-f", f2);
	assert_list(&o.patterns, LIST("three", "four"));
	mps_opts_release(&o);
	/* empty file: no pattern at all, and the operand is a path */
	PARSE_OK(&o, "-f", f3, "dir");
	assert_int_equal(o.patterns.n, 0);
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	/* one empty line: one empty pattern */
	PARSE_OK(&o, "-f", f4);
	assert_list(&o.patterns, LIST(""));
	mps_opts_release(&o);
	PARSE_OK(&o, "-f", f5);
	assert_list(&o.patterns, LIST("a", "", "b", ""));
	mps_opts_release(&o);
	/* order follows the command line, -e and -f mixed */
	assert_true(asprintf(&fopt, "--file=%s", f2) > 0);
	PARSE_OK(&o, "-e", "x", fopt, "-ey", "-f", f1);
	assert_list(&o.patterns, LIST("x", "three", "four", "y", "one", "two"));
	mps_opts_release(&o);
	PARSE_OK(&o, "-f", f3, "-e", "z");
	assert_list(&o.patterns, LIST("z"));
	mps_opts_release(&o);

	PARSE_ERR("cannot read pattern file '/nonexistent/pats': No such file or directory",
		  "-f", "/nonexistent/pats", "p");
	PARSE_ERR("cannot read pattern file '/': Is a directory", "-f", "/", "p");
	PARSE_ERR("option '-f' needs an argument", "p", "-f");

	unlink(f1);
	unlink(f2);
	unlink(f3);
	unlink(f4);
	unlink(f5);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
	free(f5);
	free(fopt);
}

static void test_pattern_file_stdin(void **state)
{
	struct mps_opts o;
	char *f = tmp_file("alpha\nbeta\n", 11);
	int saved = dup(STDIN_FILENO);
	int fd = open(f, O_RDONLY);

	(void)state;
	assert_true(saved >= 0);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	PARSE_OK(&o, "-f", "-", "dir");
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_list(&o.patterns, LIST("alpha", "beta"));
	assert_list(&o.paths, LIST("dir"));
	mps_opts_release(&o);
	unlink(f);
	free(f);
}

static void test_double_dash(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "--", "-foo", "-i");
	assert_list(&o.patterns, LIST("-foo"));
	assert_list(&o.paths, LIST("-i"));
	assert_false(o.ignore_case);
	mps_opts_release(&o);
	PARSE_OK(&o, "-i", "--", "-v", "--", "--help");
	assert_true(o.ignore_case);
	assert_false(o.invert);
	assert_list(&o.patterns, LIST("-v"));
	assert_list(&o.paths, LIST("--", "--help"));
	mps_opts_release(&o);
	/* Options after operands are options (GNU). */
	PARSE_OK(&o, "pat", "dir", "-i", "other");
	assert_true(o.ignore_case);
	assert_list(&o.patterns, LIST("pat"));
	assert_list(&o.paths, LIST("dir", "other"));
	mps_opts_release(&o);
}

static void test_errors(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_ERR("unknown option '--foo'", "--foo", "p");
	PARSE_ERR("unknown option '--foo'", "--foo=bar", "p");
	/* full spelling only, no abbreviations */
	PARSE_ERR("unknown option '--ignore'", "--ignore", "p");
	PARSE_ERR("unknown option '--'", "--=x", "p");
	PARSE_ERR("invalid option -- 'k'", "-k", "p");
	PARSE_ERR("invalid option -- 'k'", "-ik", "p");
	PARSE_ERR("invalid option -- '\\x01'", "-\x01", "p");
	PARSE_ERR("option '--count' doesn't allow an argument", "--count=3", "p");
	/* The first error is the one reported. */
	PARSE_ERR("invalid option -- 'k'", "-k", "--bar", "p");
	PARSE_ERR("unknown option '--bar'", "--bar", "-m", "x", "p");

	PARSE_ERR("no pattern given", "-i");
	assert_int_equal(parse_tty(&o, true, false, (const char *[]){ "mpsearch", NULL }),
			 MPS_EUSAGE);
	assert_string_equal(errbuf, "no pattern given");
	mps_opts_release(&o);
	assert_int_equal(parse_tty(&o, true, false, (const char *[]){ NULL }), MPS_EUSAGE);
	assert_string_equal(errbuf, "no pattern given");
	mps_opts_release(&o);

	/* A short buffer is truncated, not overrun; NULL is accepted. */
	{
		char small[8];
		const char *args[] = { "mpsearch", "--foo", NULL };

		memset(small, 'X', sizeof small);
		assert_int_equal(mps_opts_parse(&o, 2, (char **)args, true, false, small,
						sizeof small),
				 MPS_EUSAGE);
		assert_string_equal(small, "unknown");
		mps_opts_release(&o);
		assert_int_equal(mps_opts_parse(&o, 2, (char **)args, true, false, NULL, 0),
				 MPS_EUSAGE);
		mps_opts_release(&o);
		assert_int_equal(mps_opts_parse(&o, 2, (char **)args, true, false, small, 0),
				 MPS_EUSAGE);
		mps_opts_release(&o);
	}
}

static void test_help_version(void **state)
{
	struct mps_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--help"), MPS_OPTS_HELP);
	assert_string_equal(errbuf, "");
	assert_int_equal(o.patterns.n, 0);
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "-V"), MPS_OPTS_VERSION);
	assert_string_equal(errbuf, "");
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "--version"), MPS_OPTS_VERSION);
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "-iV", "pat"), MPS_OPTS_VERSION);
	mps_opts_release(&o);
	/* --help wins over --version and over errors anywhere. */
	assert_int_equal(PARSE(&o, "--version", "--help"), MPS_OPTS_HELP);
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "--foo", "--help"), MPS_OPTS_HELP);
	assert_string_equal(errbuf, "");
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "--help", "-m", "x"), MPS_OPTS_HELP);
	mps_opts_release(&o);
	assert_int_equal(PARSE(&o, "-m", "-1", "-V"), MPS_OPTS_VERSION);
	mps_opts_release(&o);
	/* Not after "--", and not as an option's argument. */
	PARSE_OK(&o, "--", "--help");
	assert_list(&o.patterns, LIST("--help"));
	mps_opts_release(&o);
	PARSE_OK(&o, "-e", "--help");
	assert_list(&o.patterns, LIST("--help"));
	mps_opts_release(&o);
	PARSE_ERR("unknown option '--hel'", "--hel");
	PARSE_ERR("option '--help' doesn't allow an argument", "--help=1");
}

static void test_usage(void **state)
{
	static const char *words[] = {
		"--regexp", "--file", "--fixed-strings", "--extended-regexp", "--perl-regexp",
		"--ignore-case", "--no-ignore-case", "--word-regexp", "--line-regexp",
		"--invert-match", "--count", "--files-with-matches", "--files-without-match",
		"--only-matching", "--max-count", "--quiet", "--silent", "--no-messages",
		"--after-context", "--before-context", "--context", "-NUM", "--text", "--null",
		"--color", "--colour", "--with-filename", "--no-filename", "--line-number",
		"--no-line-number", "--include", "--exclude", "--exclude-dir", "--recursive",
		"--dereference-recursive", "--json", "--stats", "--progress", "--no-progress",
		"--workers", "--chunk-size", "--no-pin", "--output", "--help", "--version",
		"--search-zip", "UTF-16",
		"--byte-offset", "--initial-tab", "--null-data", "--label", "--group-separator",
		"--no-group-separator", "--line-buffered", "--exclude-from", "--directories",
		"--devices", " -I ", "--binary-files",
		" -y", " -Z", " -0", "mpirun -np N mpsearch", "Exit status",
	};
	const char *u = mps_opts_usage();
	const char *line;

	(void)state;
	assert_non_null(u);
	assert_memory_equal(u, "Usage: mpsearch [OPTIONS] PATTERN [PATH ...]\n", 45);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strstr(u, words[i]))
			fail_msg("usage lacks %s", words[i]);
	/* Every line fits a terminal, no tabs. */
	for (line = u; *line;) {
		const char *nl = strchr(line, '\n');

		assert_non_null(nl);
		assert_true(nl - line <= 79);
		assert_null(memchr(line, '\t', (size_t)(nl - line)));
		line = nl + 1;
	}
}

static void test_parse_twice(void **state)
{
	struct mps_opts o;

	(void)state;
	PARSE_OK(&o, "-i", "-e", "a", "-e", "b", "--include=*.c", "-C3", "--json", "d1", "d2");
	assert_true(o.ignore_case);
	assert_int_equal(o.patterns.n, 2);
	mps_opts_release(&o);
	/* Released: zeroed, and releasing again is harmless. */
	assert_null(o.patterns.v);
	assert_int_equal(o.paths.n, 0);
	mps_opts_release(&o);

	PARSE_OK(&o, "x");
	assert_false(o.ignore_case);
	assert_list(&o.patterns, LIST("x"));
	assert_int_equal(o.include.n, 0);
	assert_true(o.before == 0);
	assert_int_equal(o.output, MPS_OUT_LINES);
	assert_false(o.paths_given);
	mps_opts_release(&o);

	/* An error, then a good parse. */
	PARSE_ERR("invalid option -- 'k'", "-k", "x");
	PARSE_OK(&o, "-m1", "y");
	assert_true(o.max_count == 1);
	mps_opts_release(&o);
	/* Unreleased state in o is overwritten, not read: o may hold garbage. */
	memset(&o, 0xA5, sizeof o);
	PARSE_OK(&o, "z");
	assert_list(&o.patterns, LIST("z"));
	mps_opts_release(&o);
}

static void test_argv_untouched(void **state)
{
	const char *args[] = { "mpsearch", "-inm5", "--color=always", "pat", "-e", "p2", "--",
			       "-x", NULL };
	const char *copy[sizeof args / sizeof args[0]];
	char text[8][32];
	struct mps_opts o;

	(void)state;
	memcpy(copy, args, sizeof args);
	for (int i = 0; i < 8; i++)
		snprintf(text[i], sizeof text[i], "%s", args[i]);
	assert_int_equal(parse_tty(&o, true, false, args), MPS_OPTS_RUN);
	for (int i = 0; i < 8; i++) {
		assert_ptr_equal(args[i], copy[i]);
		assert_string_equal(args[i], text[i]);
	}
	assert_list(&o.patterns, LIST("p2"));
	assert_list(&o.paths, LIST("pat", "-x"));
	mps_opts_release(&o);
}

static void test_strlist(void **state)
{
	struct mps_strlist l = { 0 };
	char buf[16];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		assert_int_equal(mps_strlist_push(&l, buf, strlen(buf)), 0);
		assert_null(l.v[l.n]);
	}
	assert_int_equal(l.n, 1000);
	assert_string_equal(l.v[0], "s0");
	assert_string_equal(l.v[999], "s999");
	/* len bytes, not up to a NUL; an empty string without a pointer */
	assert_int_equal(mps_strlist_push(&l, "abcdef", 3), 0);
	assert_string_equal(l.v[1000], "abc");
	assert_int_equal(mps_strlist_push(&l, NULL, 0), 0);
	assert_string_equal(l.v[1001], "");
	assert_int_equal(mps_strlist_push(&l, "x", SIZE_MAX), -ENOMEM);
	assert_int_equal(l.n, 1002);
	mps_strlist_release(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.alloc, 0);
	mps_strlist_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_no_operand_stdin),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_output_mode),
		cmocka_unit_test(test_max_count),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_chunk_size),
		cmocka_unit_test(test_output_file),
		cmocka_unit_test(test_misc_long),
		cmocka_unit_test(test_bundling),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_pattern_file),
		cmocka_unit_test(test_pattern_file_stdin),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_grep_options),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_argv_untouched),
		cmocka_unit_test(test_strlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
