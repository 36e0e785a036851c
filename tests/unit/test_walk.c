/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the walker (src/walk.c).  Trees are built under
 * $MPSEARCH_TEST_TMP (or /tmp) in a fresh mkdtemp directory, which is the
 * working directory while the tests run, so operands and expected paths are
 * short relative names. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpsearch/error.h"
#include "mpsearch/walk.h"

static char base[4096];  /* the mkdtemp directory */
static int base_fd = -1; /* open on base, to come back after chdir */

/* ---- fixtures --------------------------------------------------------- */

static void mkdir_p(const char *p)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", p);
	for (char *s = buf + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(buf, 0755);
			*s = '/';
		}
	}
	mkdir(buf, 0755);
}

static void mk(const char *path, const char *content)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdir_p(dir);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
}

static void run_rm_rf(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int group_setup(void **state)
{
	(void)state;
	const char *t = getenv("MPSEARCH_TEST_TMP");
	if (!t || !*t)
		t = "/tmp";
	mkdir_p(t);
	snprintf(base, sizeof(base), "%s/walk.XXXXXX", t);
	if (!mkdtemp(base))
		return -1;
	chmod(base, 0755); /* the privilege-dropping test walks it as nobody */
	base_fd = open(base, O_RDONLY | O_DIRECTORY);
	if (base_fd < 0 || chdir(base) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (chdir("/") == 0)
		run_rm_rf(base);
	if (base_fd >= 0)
		close(base_fd);
	return 0;
}

/* ---- recording callbacks ---------------------------------------------- */

struct rec {
	char **ev;  /* "F path" / "E path err" / "S path" (stdin) */
	size_t n, alloc;
	int stop_at; /* stop (return 7) at this file callback, 0: never */
	int files;
	int bad;     /* an event broke an invariant */
};

static void rec_push(struct rec *r, char *s)
{
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 16;
		r->ev = realloc(r->ev, r->alloc * sizeof(*r->ev));
		if (!r->ev)
			abort();
	}
	r->ev[r->n++] = s;
}

static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if (vasprintf(&s, f, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static int on_file(void *ctx, const struct mps_walk_file *f)
{
	struct rec *r = ctx;
	if (f->pathlen != strlen(f->path))
		r->bad = 1;
	if (f->is_stdin)
		rec_push(r, fmt("S %s", f->path));
	else if (!f->regular)
		rec_push(r, fmt("N %s", f->path));
	else
		rec_push(r, fmt("F %s", f->path));
	r->files++;
	return r->stop_at && r->files == r->stop_at ? 7 : 0;
}

static void on_error(void *ctx, const char *path, int err)
{
	struct rec *r = ctx;
	const char *name = err == MPS_ELOOP ? "ELOOP!" : err == -ENOENT ? "ENOENT"
			 : err == -EACCES ? "EACCES" : err == -ELOOP ? "ELOOP"
			 : err == -ENOTDIR ? "ENOTDIR" : NULL;
	if (name)
		rec_push(r, fmt("E %s %s", path, name));
	else
		rec_push(r, fmt("E %s %d", path, err));
}

static void rec_release(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ev[i]);
	free(r->ev);
	memset(r, 0, sizeof(*r));
}

static int walk(struct rec *r, const struct mps_walk_opts *o, char **paths, size_t n)
{
	struct mps_walk_cb cb = {.file = on_file, .error = on_error, .ctx = r};
	return mps_walk_run(o, paths, n, &cb);
}

static void print_events(const struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_message("  got[%zu] = \"%s\"\n", i, r->ev[i]);
}

/* Events must be exactly want[0, n). */
static void expect(const struct rec *r, const char *const *want, size_t n)
{
	if (r->n != n)
		print_events(r);
	assert_int_equal(r->bad, 0);
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r->ev[i], want[i]) != 0)
			print_events(r);
		assert_string_equal(r->ev[i], want[i]);
	}
}

#define EXPECT(r, ...)                                                        \
	do {                                                                  \
		static const char *const w_[] = {__VA_ARGS__};               \
		expect((r), w_, sizeof(w_) / sizeof(w_[0]));                  \
	} while (0)

static void walk1(struct rec *r, const struct mps_walk_opts *o, const char *path)
{
	char *p = (char *)path;
	assert_int_equal(walk(r, o, &p, 1), 0);
}

/* ---- tests ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_order_tricky_names(void **state)
{
	(void)state;
	static const char *const files[] = {
		"ord/a/x", "ord/a-b", "ord/a.c", "ord/b", "ord/sp ace", "ord/new\nline",
		"ord/\xff\xfe-bytes", "ord/\xc3\xa9t\xc3\xa9", "ord/-lead", "ord/--", "ord/A",
		"ord/a0", "ord/a/y/z", "ord/a/y-", "ord/a/y.", "ord/b.d/q", "ord/b-d/q",
	};
	size_t nf = sizeof(files) / sizeof(files[0]);
	mkdir_p("ord");
	for (size_t i = 0; i < nf; i++)
		mk(files[i], "x\n");
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	walk1(&r, &o, "ord");

	/* emitted paths are in byte order of the full path strings */
	char **want = malloc(nf * sizeof(*want));
	for (size_t i = 0; i < nf; i++)
		want[i] = fmt("F %s", files[i]);
	qsort(want, nf, sizeof(*want), cmp_str);
	expect(&r, (const char *const *)want, nf);
	for (size_t i = 0; i < nf; i++)
		free(want[i]);
	free(want);

	/* the example from the design: "a-b" < "a.c" < "a/..." < "a0" */
	size_t ia = 0, ib = 0, ic = 0, id = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (!strcmp(r.ev[i], "F ord/a-b")) ia = i;
		if (!strcmp(r.ev[i], "F ord/a.c")) ib = i;
		if (!strcmp(r.ev[i], "F ord/a/x")) ic = i;
		if (!strcmp(r.ev[i], "F ord/a0")) id = i;
	}
	assert_true(ia < ib && ib < ic && ic < id);
	rec_release(&r);
}

struct sizes {
	uint64_t s[4];
	int n;
};

static int sizes_cb(void *ctx, const struct mps_walk_file *f)
{
	struct sizes *sr = ctx;
	if (sr->n < 4 && f->regular && !f->is_stdin)
		sr->s[sr->n++] = f->size;
	return 0;
}

static void test_sizes(void **state)
{
	(void)state;
	mk("sz/empty", "");
	mk("sz/five", "12345");
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	struct sizes sr = {{0}, 0};
	struct mps_walk_cb cb = {.file = sizes_cb, .error = on_error, .ctx = &r};
	cb.ctx = &sr;
	char *p = "sz";
	assert_int_equal(mps_walk_run(&o, &p, 1, &cb), 0);
	assert_int_equal(sr.n, 2);
	assert_int_equal(sr.s[0], 0);
	assert_int_equal(sr.s[1], 5);
}

/* dir is called before each listing, listed after it with the listing's
 * time, cb->dir's included (a metadata server's latency, or the test
 * switch's sleep there, must count). */
struct listings {
	int dirs, listed, unpaired;
	double min_s;
};

static void listings_dir(void *ctx)
{
	struct listings *l = ctx;
	if (l->dirs != l->listed)
		l->unpaired++;
	l->dirs++;
	struct timespec ts = {0, 3 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static void listings_listed(void *ctx, double seconds)
{
	struct listings *l = ctx;
	l->listed++;
	if (l->listed != l->dirs)
		l->unpaired++;
	if (l->min_s < 0 || seconds < l->min_s)
		l->min_s = seconds;
}

static void listings_error(void *ctx, const char *path, int err)
{
	(void)ctx;
	fail_msg("%s: error %d", path, err);
}

static int listings_file(void *ctx, const struct mps_walk_file *f)
{
	(void)ctx;
	(void)f;
	return 0;
}

static void test_listing_times(void **state)
{
	(void)state;
	mk("lt/a/f", "x\n");
	mk("lt/b/c/f", "x\n");
	mk("lt/g", "x\n");
	struct listings l = {.min_s = -1};
	struct mps_walk_opts o = {0};
	struct mps_walk_cb cb = {.file = listings_file, .error = listings_error, .dir = listings_dir,
				 .listed = listings_listed, .ctx = &l};
	char *p = "lt";
	assert_int_equal(mps_walk_run(&o, &p, 1, &cb), 0);
	assert_int_equal(l.dirs, 4); /* lt, lt/a, lt/b, lt/b/c */
	assert_int_equal(l.listed, 4);
	assert_int_equal(l.unpaired, 0);
	assert_true(l.min_s >= 0.003);
}

static void test_symlinks(void **state)
{
	(void)state;
	mk("sl/t/f", "x\n");
	mk("sl/t/d/g", "x\n");
	assert_int_equal(symlink("f", "sl/t/lf"), 0);
	assert_int_equal(symlink("d", "sl/t/ld"), 0);
	struct mps_walk_opts o = {0};
	struct rec r = {0};

	/* -r: symlinks met while walking are skipped */
	walk1(&r, &o, "sl/t");
	EXPECT(&r, "F sl/t/d/g", "F sl/t/f");
	rec_release(&r);

	/* operands are followed */
	char *ops[] = {"sl/t/lf", "sl/t/ld"};
	assert_int_equal(walk(&r, &o, ops, 2), 0);
	EXPECT(&r, "F sl/t/lf", "F sl/t/ld/g");
	rec_release(&r);

	/* -R: followed while walking too */
	o.deref = true;
	walk1(&r, &o, "sl/t");
	EXPECT(&r, "F sl/t/d/g", "F sl/t/f", "F sl/t/ld/g", "F sl/t/lf");
	rec_release(&r);
}

static void test_deref_loops(void **state)
{
	(void)state;
	mk("lp/t/sub/f", "x\n");
	mk("lp/t/z", "x\n");
	assert_int_equal(symlink("..", "lp/t/sub/up"), 0);
	assert_int_equal(symlink(".", "lp/t/self"), 0);
	assert_int_equal(symlink("l2", "lp/t/l1"), 0);
	assert_int_equal(symlink("l1", "lp/t/l2"), 0);
	struct mps_walk_opts o = {.deref = true};
	struct rec r = {0};
	walk1(&r, &o, "lp/t");
	/* each loop is reported once, at its entry, and not descended */
	EXPECT(&r, "E lp/t/l1 ELOOP", "E lp/t/l2 ELOOP", "E lp/t/self ELOOP!", "F lp/t/sub/f",
	       "E lp/t/sub/up ELOOP!", "F lp/t/z");
	rec_release(&r);

	/* -r: the same tree has no loop (symlinks skipped) */
	o.deref = false;
	walk1(&r, &o, "lp/t");
	EXPECT(&r, "F lp/t/sub/f", "F lp/t/z");
	rec_release(&r);

	/* a loop operand entered through a symlink: lp/t/self is lp/t */
	o.deref = true;
	walk1(&r, &o, "lp/t/sub/up");
	EXPECT(&r, "E lp/t/sub/up/l1 ELOOP", "E lp/t/sub/up/l2 ELOOP", "E lp/t/sub/up/self ELOOP!",
	       "F lp/t/sub/up/sub/f", "E lp/t/sub/up/sub/up ELOOP!", "F lp/t/sub/up/z");
	rec_release(&r);
}

static void test_dangling(void **state)
{
	(void)state;
	mk("dg/t/f", "x\n");
	assert_int_equal(symlink("nowhere", "dg/t/dang"), 0);
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	walk1(&r, &o, "dg/t");
	EXPECT(&r, "F dg/t/f");
	rec_release(&r);

	o.deref = true;
	walk1(&r, &o, "dg/t");
	EXPECT(&r, "E dg/t/dang ENOENT", "F dg/t/f");
	rec_release(&r);

	/* --exclude applies to it like to a file (as grep -R) */
	char *ex[] = {"dang"};
	o.exclude = ex;
	o.nexclude = 1;
	walk1(&r, &o, "dg/t");
	EXPECT(&r, "F dg/t/f");
	rec_release(&r);

	/* as an operand: always an error */
	o = (struct mps_walk_opts){0};
	walk1(&r, &o, "dg/t/dang");
	EXPECT(&r, "E dg/t/dang ENOENT");
	rec_release(&r);
}

static void test_fifo_and_devices(void **state)
{
	(void)state;
	mk("ff/t/a", "x\n");
	mk("ff/t/z", "x\n");
	assert_int_equal(mkfifo("ff/t/fifo", 0644), 0);
	assert_int_equal(symlink("fifo", "ff/t/lfifo"), 0);
	assert_int_equal(symlink("/dev/null", "ff/t/lnull"), 0);
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	/* a FIFO met while walking is never opened: the walk completes */
	walk1(&r, &o, "ff/t");
	EXPECT(&r, "F ff/t/a", "F ff/t/z");
	rec_release(&r);
	o.deref = true;
	walk1(&r, &o, "ff/t");
	EXPECT(&r, "F ff/t/a", "F ff/t/z");
	rec_release(&r);

	/* given as operands they are passed on, not regular */
	char *ops[] = {"ff/t/fifo", "/dev/null", "ff/t/lnull"};
	assert_int_equal(walk(&r, &o, ops, 3), 0);
	EXPECT(&r, "N ff/t/fifo", "N /dev/null", "N ff/t/lnull");
	rec_release(&r);
}

/* Walk "ur" and compare; returns 0 when it matched (for a child process). */
static int unreadable_check(void)
{
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	char *p = "ur";
	int rc = walk(&r, &o, &p, 1);
	static const char *const want[] = {"E ur/no EACCES", "F ur/ok/f", "F ur/z"};
	int bad = rc != 0 || r.n != 3;
	for (size_t i = 0; !bad && i < 3; i++)
		bad = strcmp(r.ev[i], want[i]) != 0;
	if (bad)
		for (size_t i = 0; i < r.n; i++)
			fprintf(stderr, "  got[%zu] = \"%s\"\n", i, r.ev[i]);
	rec_release(&r);
	return bad;
}

static void test_unreadable_dir(void **state)
{
	(void)state;
	mk("ur/ok/f", "x\n");
	mk("ur/no/hidden", "x\n");
	mk("ur/z", "x\n");
	chmod("ur", 0755);
	chmod("ur/ok", 0755);
	chmod("ur/ok/f", 0644);
	chmod("ur/z", 0644);
	assert_int_equal(chmod("ur/no", 0), 0);
	int rc;
	if (geteuid() != 0) {
		int fd = open("ur/no", O_RDONLY | O_DIRECTORY);
		if (fd >= 0) { /* CAP_DAC_OVERRIDE or similar */
			close(fd);
			chmod("ur/no", 0755);
			skip();
		}
		rc = unreadable_check();
	} else {
		/* root reads everything: drop to nobody in a child */
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) != 0 && errno != EPERM)
				_exit(77);
			if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
				_exit(77);
			int fd = open("ur/no", O_RDONLY | O_DIRECTORY);
			if (fd >= 0)
				_exit(77);
			_exit(unreadable_check());
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		chmod("ur/no", 0755);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 77)
			skip();
		rc = WEXITSTATUS(st);
	}
	chmod("ur/no", 0755);
	assert_int_equal(rc, 0);
}

static void test_globs(void **state)
{
	(void)state;
	mk("gl/a.c", "x\n");
	mk("gl/b.h", "x\n");
	mk("gl/c.txt", "x\n");
	mk("gl/sub/d.c", "x\n");
	mk("gl/skip/e.c", "x\n");
	mk("gl/sub/skip/f.c", "x\n");
	struct rec r = {0};
	char *inc_c[] = {"*.c"}, *ex_d[] = {"d*"}, *skip[] = {"skip"}, *two[] = {"*.h", "*.txt"};

	struct mps_walk_opts o = {.include = inc_c, .ninclude = 1};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/a.c", "F gl/skip/e.c", "F gl/sub/d.c", "F gl/sub/skip/f.c");
	rec_release(&r);

	o = (struct mps_walk_opts){.exclude = inc_c, .nexclude = 1};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/b.h", "F gl/c.txt");
	rec_release(&r);

	o = (struct mps_walk_opts){.include = two, .ninclude = 2};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/b.h", "F gl/c.txt");
	rec_release(&r);

	/* include and exclude: excluded wins (grep with --include first) */
	o = (struct mps_walk_opts){.include = inc_c, .ninclude = 1, .exclude = ex_d, .nexclude = 1};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/a.c", "F gl/skip/e.c", "F gl/sub/skip/f.c");
	rec_release(&r);

	/* --exclude-dir: directory basenames while walking */
	o = (struct mps_walk_opts){.exclude_dir = skip, .nexclude_dir = 1};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/a.c", "F gl/b.h", "F gl/c.txt", "F gl/sub/d.c");
	rec_release(&r);

	/* --exclude-dir does not apply to files, --exclude not to dirs */
	char *sub[] = {"sub"};
	o = (struct mps_walk_opts){.exclude = sub, .nexclude = 1};
	walk1(&r, &o, "gl");
	EXPECT(&r, "F gl/a.c", "F gl/b.h", "F gl/c.txt", "F gl/skip/e.c", "F gl/sub/d.c",
	       "F gl/sub/skip/f.c");
	rec_release(&r);

	/* operands: include/exclude by name suffix, like grep */
	char *ops[] = {"gl/c.txt", "gl/a.c", "gl/sub/d.c"};
	o = (struct mps_walk_opts){.include = inc_c, .ninclude = 1};
	assert_int_equal(walk(&r, &o, ops, 3), 0);
	EXPECT(&r, "F gl/a.c", "F gl/sub/d.c");
	rec_release(&r);
	char *sfx[] = {"sub/d.c"};
	o = (struct mps_walk_opts){.exclude = sfx, .nexclude = 1};
	assert_int_equal(walk(&r, &o, ops, 3), 0);
	EXPECT(&r, "F gl/c.txt", "F gl/a.c");
	rec_release(&r);
	/* ...while walking only the basename counts */
	walk1(&r, &o, "gl/sub");
	EXPECT(&r, "F gl/sub/d.c", "F gl/sub/skip/f.c");
	rec_release(&r);

	/* --exclude-dir on a directory operand (grep skips it too) */
	o = (struct mps_walk_opts){.exclude_dir = sub, .nexclude_dir = 1};
	char *dops[] = {"gl/sub", "gl/skip"};
	assert_int_equal(walk(&r, &o, dops, 2), 0);
	EXPECT(&r, "F gl/skip/e.c");
	rec_release(&r);

	/* ...but never on ".", the implicit operand */
	char *all[] = {"*"};
	o = (struct mps_walk_opts){.exclude_dir = all, .nexclude_dir = 1};
	assert_int_equal(chdir("gl/sub"), 0);
	walk1(&r, &o, ".");
	assert_int_equal(fchdir(base_fd), 0);
	EXPECT(&r, "F ./d.c");
	rec_release(&r);
}

static void test_glob_match(void **state)
{
	(void)state;
	assert_true(mps_walk_glob_match("*.c", "a.c"));
	assert_false(mps_walk_glob_match("*.c", "a.h"));
	assert_true(mps_walk_glob_match("*", ".hidden"));  /* no FNM_PERIOD */
	assert_true(mps_walk_glob_match("a*c", "a/b/c"));  /* no FNM_PATHNAME */
	assert_true(mps_walk_glob_match("[ab]x", "bx"));
	assert_false(mps_walk_glob_match("[!ab]x", "bx"));
	assert_true(mps_walk_glob_match("\\*", "*"));
	assert_false(mps_walk_glob_match("\\*", "x"));
	assert_true(mps_walk_glob_match("?", "\xff"));
	assert_false(mps_walk_glob_match("ab", "abc"));
}

static void test_empty_and_slashes(void **state)
{
	(void)state;
	mkdir_p("em/empty");
	mk("sl2/t/f", "x\n");
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	walk1(&r, &o, "em/empty");
	assert_int_equal(r.n, 0);
	rec_release(&r);

	char *ops[] = {"sl2/t", "sl2/t/", "sl2/t//", "./sl2/t", "sl2//t"};
	assert_int_equal(walk(&r, &o, ops, 5), 0);
	EXPECT(&r, "F sl2/t/f", "F sl2/t/f", "F sl2/t/f", "F ./sl2/t/f", "F sl2//t/f");
	rec_release(&r);
}

static void test_operands(void **state)
{
	(void)state;
	mk("op/b", "x\n");
	mk("op/a", "x\n");
	struct mps_walk_opts o = {0};
	struct rec r = {0};
	/* operands in the order given; nonexistent reported, walk goes on;
	 * "-" is standard input */
	char *ops[] = {"op/b", "op/nope", "-", "op/a", "op/b/x"};
	assert_int_equal(walk(&r, &o, ops, 5), 0);
	EXPECT(&r, "F op/b", "E op/nope ENOENT", "S -", "F op/a", "E op/b/x ENOTDIR");
	rec_release(&r);

	/* --include does not filter standard input */
	char *inc[] = {"*.c"};
	o.include = inc;
	o.ninclude = 1;
	char *dash = "-";
	assert_int_equal(walk(&r, &o, &dash, 1), 0);
	EXPECT(&r, "S -");
	rec_release(&r);
}

static void test_stop(void **state)
{
	(void)state;
	mk("st/a", "x\n");
	mk("st/b/c", "x\n");
	mk("st/d", "x\n");
	struct mps_walk_opts o = {0};
	struct rec r = {.stop_at = 2};
	char *ops[] = {"st", "st/a"};
	assert_int_equal(walk(&r, &o, ops, 2), 7);
	EXPECT(&r, "F st/a", "F st/b/c");
	rec_release(&r);
}

/* A chain deeper than PATH_MAX and than the descriptor limit, with side
 * branches that need their directory again after the deep part. */
#define DEEP 3000
static bool deep_side(int i)
{
	return i == 5 || i == 200 || i == 1500 || i == DEEP - 150 || i == DEEP - 2;
}

static void test_deeper_than_path_max(void **state)
{
	(void)state;
	assert_int_equal(mkdir("deep", 0755), 0);
	int fd = open("deep", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (int i = 0; i < DEEP; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		if (deep_side(i)) {
			assert_int_equal(mkdirat(fd, "e", 0755), 0);
			int g = openat(fd, "e/g", O_WRONLY | O_CREAT, 0644);
			assert_true(g >= 0);
			close(g);
			g = openat(fd, "z", O_WRONLY | O_CREAT, 0644);
			assert_true(g >= 0);
			close(g);
		}
		int nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(fd);
		fd = nfd;
	}
	int g = openat(fd, "bottom", O_WRONLY | O_CREAT, 0644);
	assert_true(g >= 0);
	close(g);
	close(fd);

	struct mps_walk_opts o = {0};
	struct rec r = {0};
	walk1(&r, &o, "deep");
	/* expected: at each side level i (path "deep/" + "d/" * i):
	 * d/... first, then e/g, then z, innermost first */
	size_t want_n = 1;
	for (int i = 0; i < DEEP; i++)
		want_n += deep_side(i) ? 2 : 0;
	if (r.n != want_n)
		print_events(&r);
	assert_int_equal(r.n, want_n);
	size_t k = 0;
	char *p = malloc(5 + 2 * DEEP + 1);
	memcpy(p, "deep/", 5);
	for (int i = 0; i < DEEP; i++)
		memcpy(p + 5 + 2 * i, "d/", 2);
	p[5 + 2 * DEEP] = '\0';
	char *bottom = fmt("F %sbottom", p);
	assert_string_equal(r.ev[k++], bottom);
	free(bottom);
	for (int i = DEEP - 1; i >= 0; i--) {
		if (!deep_side(i))
			continue;
		p[5 + 2 * i] = '\0';
		char *e = fmt("F %se/g", p), *z = fmt("F %sz", p);
		assert_string_equal(r.ev[k++], e);
		assert_string_equal(r.ev[k++], z);
		free(e);
		free(z);
	}
	assert_true(strlen(r.ev[0]) > PATH_MAX);
	free(p);
	rec_release(&r);
}

/* The same through a symlink with -R: "dl/link" -> "real", 300 levels. */
static void test_deep_through_symlink(void **state)
{
	(void)state;
	mkdir_p("dl/real");
	int fd = open("dl/real", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		if (i % 50 == 7) { /* side directory after the deep one */
			assert_int_equal(mkdirat(fd, "e", 0755), 0);
			int g = openat(fd, "e/g", O_WRONLY | O_CREAT, 0644);
			assert_true(g >= 0);
			close(g);
		}
		int nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(fd);
		fd = nfd;
	}
	close(fd);
	assert_int_equal(symlink("real", "dl/link"), 0);
	struct mps_walk_opts o = {.deref = true};
	struct rec r = {0};
	walk1(&r, &o, "dl");
	if (r.n != 12)
		print_events(&r);
	assert_int_equal(r.n, 12);
	for (size_t i = 0; i < r.n; i++) {
		const char *want = i < 6 ? "F dl/link/" : "F dl/real/";
		assert_memory_equal(r.ev[i], want, strlen(want));
		assert_string_equal(r.ev[i] + strlen(r.ev[i]) - 4, "/e/g");
	}
	rec_release(&r);
}

/* ripgrep's filters: types, hidden names, depth, size; operands exempt */
static void test_filters(void **state)
{
	(void)state;
	mk("fi/a.c", "x\n");
	mk("fi/b.py", "x\n");
	mk("fi/.h.c", "x\n");
	mk("fi/.hd/c.c", "x\n");
	mk("fi/s/d.c", "x\n");
	mk("fi/s/t/e.c", "x\n");
	mk("fi/big.c", "0123456789abcdef0123\n");
	struct rec r = {0};
	char *c_only[] = {"+*.[ch]"}, *not_c[] = {"-*.[ch]"}, *both[] = {"+*.py", "-*.py"};

	struct mps_walk_opts o = {.types = c_only, .ntypes = 1};
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/.h.c", "F fi/.hd/c.c", "F fi/a.c", "F fi/big.c", "F fi/s/d.c",
	       "F fi/s/t/e.c");
	rec_release(&r);
	o = (struct mps_walk_opts){.types = not_c, .ntypes = 1};
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/b.py");
	rec_release(&r);
	/* a negated glob wins over a selecting one, in either order */
	o = (struct mps_walk_opts){.types = both, .ntypes = 2};
	walk1(&r, &o, "fi");
	EXPECT(&r);
	rec_release(&r);
	/* operands are searched whatever their type */
	char *ops[] = {"fi/b.py", "fi/s"};
	o = (struct mps_walk_opts){.types = c_only, .ntypes = 1, .no_hidden = true,
				   .max_filesize = 4, .depth_limited = true};
	assert_int_equal(walk(&r, &o, ops, 2), 0);
	EXPECT(&r, "F fi/b.py");
	rec_release(&r);

	o = (struct mps_walk_opts){.no_hidden = true};
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/a.c", "F fi/b.py", "F fi/big.c", "F fi/s/d.c", "F fi/s/t/e.c");
	rec_release(&r);

	/* a type selects a hidden file, not what is in a hidden directory (rg) */
	o = (struct mps_walk_opts){.no_hidden = true, .types = c_only, .ntypes = 1};
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/.h.c", "F fi/a.c", "F fi/big.c", "F fi/s/d.c", "F fi/s/t/e.c");
	rec_release(&r);

	o = (struct mps_walk_opts){.depth_limited = true, .max_depth = 1};
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/.h.c", "F fi/a.c", "F fi/b.py", "F fi/big.c");
	rec_release(&r);
	o.max_depth = 2;
	walk1(&r, &o, "fi");
	EXPECT(&r, "F fi/.h.c", "F fi/.hd/c.c", "F fi/a.c", "F fi/b.py", "F fi/big.c",
	       "F fi/s/d.c");
	rec_release(&r);
	o.max_depth = 0;
	walk1(&r, &o, "fi");
	EXPECT(&r);
	rec_release(&r);

	/* bigger than the limit: skipped, even when sizes are not wanted */
	o = (struct mps_walk_opts){.max_filesize = 20, .no_size = true, .no_hidden = true};
	walk1(&r, &o, "fi/");
	EXPECT(&r, "F fi/a.c", "F fi/b.py", "F fi/s/d.c", "F fi/s/t/e.c");
	rec_release(&r);
	o.max_filesize = 21;
	walk1(&r, &o, "fi/");
	EXPECT(&r, "F fi/a.c", "F fi/b.py", "F fi/big.c", "F fi/s/d.c", "F fi/s/t/e.c");
	rec_release(&r);
}

/* --ignore-files: nested files override their parents, .ignore beats
 * .gitignore, info/exclude comes last, an ignored directory is not
 * entered (so a negation below it takes nothing back), and .gitignore
 * files above another repository's top are not asked. */
static void test_ignore_files(void **state)
{
	(void)state;
	mk("ig/.gitignore", "*.o\n/build/\nlogs/**\n!logs/keep.log\nsub\n");
	mk("ig/.git/info/exclude", "*.tmp\n!b.tmp\n");
	mk("ig/a.o", "x\n");
	mk("ig/a.c", "x\n");
	mk("ig/a.tmp", "x\n");
	mk("ig/build/x.c", "x\n");
	mk("ig/src/build/y.c", "x\n");
	mk("ig/logs/keep.log", "x\n");
	mk("ig/logs/other.log", "x\n");
	mk("ig/sub/z.c", "x\n");
	mk("ig/d/.gitignore", "!k.o\n!c.tmp\n");
	mk("ig/d/k.o", "x\n");
	mk("ig/d/l.o", "x\n");
	mk("ig/d/b.tmp", "x\n");
	mk("ig/d/c.tmp", "x\n");
	mk("ig/d/.ignore", "k.o\n");
	mk("ig/d/e/.gitignore", "!sub\n");
	mk("ig/d/e/sub/w.c", "x\n");
	mk("ig/r/.git/HEAD", "x\n");
	mk("ig/r/q.o", "x\n");
	mk("ig/r/q.tmp", "x\n");
	struct rec r = {0};
	struct mps_walk_opts o = {.ignore_files = true, .no_hidden = true};
	walk1(&r, &o, "ig");
	EXPECT(&r, "F ig/a.c", "F ig/d/b.tmp", "F ig/d/c.tmp", "F ig/d/e/sub/w.c",
	       "F ig/logs/keep.log", "F ig/r/q.o", "F ig/r/q.tmp", "F ig/src/build/y.c");
	rec_release(&r);
	/* without the option, nothing is left out */
	o.ignore_files = false;
	walk1(&r, &o, "ig/d");
	EXPECT(&r, "F ig/d/b.tmp", "F ig/d/c.tmp", "F ig/d/e/sub/w.c", "F ig/d/k.o", "F ig/d/l.o");
	rec_release(&r);
	/* the ignore files themselves are searched when hidden names are; the
	 * operand's ancestors are asked (ig's *.o, its exclude's !b.tmp) up to
	 * the repository's top (ig: the worktree's "build*" above is not) */
	o = (struct mps_walk_opts){.ignore_files = true};
	walk1(&r, &o, "ig/d");
	EXPECT(&r, "F ig/d/.gitignore", "F ig/d/.ignore", "F ig/d/b.tmp", "F ig/d/c.tmp",
	       "F ig/d/e/.gitignore", "F ig/d/e/sub/w.c");
	rec_release(&r);
	walk1(&r, &o, "ig/d/e/sub");
	EXPECT(&r, "F ig/d/e/sub/w.c");
	rec_release(&r);
	walk1(&r, &o, "ig/logs");
	EXPECT(&r, "F ig/logs/keep.log");
	rec_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_tricky_names),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_listing_times),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_deref_loops),
		cmocka_unit_test(test_dangling),
		cmocka_unit_test(test_fifo_and_devices),
		cmocka_unit_test(test_unreadable_dir),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_glob_match),
		cmocka_unit_test(test_empty_and_slashes),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_deeper_than_path_max),
		cmocka_unit_test(test_deep_through_symlink),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_ignore_files),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
