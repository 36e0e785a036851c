/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the pool's and the searcher's unit tests: a literal
 * matcher, a temporary directory made with mkdtemp and removed without a
 * shell, files written with openat.  Include after <cmocka.h>. */
#ifndef MPSEARCH_TEST_POOL_HELPERS_H
#define MPSEARCH_TEST_POOL_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpsearch/matcher.h"

/* A matcher for the fixed string pat. */
static inline struct mps_matcher *lit(const char *pat)
{
	const char *pats[] = {pat};
	struct mps_match_opts o = {.patterns = (char *const *)pats, .npatterns = 1, .syntax = MPS_FIXED};
	struct mps_matcher *m = mps_matcher_new(&o, NULL, 0);
	assert_non_null(m);
	return m;
}

/* Where tests put their files: $MPSEARCH_TEST_TMP (made if missing) or
 * /tmp. */
static inline const char *test_tmp_base(void)
{
	const char *base = getenv("MPSEARCH_TEST_TMP");
	if (!base || !*base)
		return "/tmp";
	if (mkdir(base, 0777) && errno != EEXIST)
		fail_msg("mkdir %s: %s", base, strerror(errno));
	return base;
}

/* The test's own directory: made by make_tmpdir, gone after remove_tmpdir. */
static char tmpdir[4096];
static int tmpdir_fd = -1;

static inline void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/%s-XXXXXX", test_tmp_base(), "unit");
	assert_non_null(mkdtemp(tmpdir));
	tmpdir_fd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(tmpdir_fd >= 0);
}

static inline int remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static inline void remove_tmpdir(void)
{
	if (!tmpdir[0])
		return;
	nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (tmpdir_fd >= 0)
		close(tmpdir_fd);
	tmpdir_fd = -1;
	tmpdir[0] = 0;
}

/* name inside the test's directory (malloc'ed: the caller frees it). */
static inline char *tpath(const char *name)
{
	char *p = malloc(4200);
	assert_non_null(p);
	snprintf(p, 4200, "%s/%s", tmpdir, name);
	return p;
}

/* Make directory name (relative to the test's directory). */
static inline void make_dir(const char *name)
{
	assert_int_equal(mkdirat(tmpdir_fd, name, 0777), 0);
}

/* Write data[0, n) to path (absolute, or relative to the test's
 * directory), replacing it. */
static inline void write_file(const char *path, const char *data, size_t n)
{
	int fd = openat(tmpdir_fd >= 0 ? tmpdir_fd : AT_FDCWD, path,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	size_t off = 0;
	while (off < n) {
		ssize_t k = write(fd, data + off, n - off);
		assert_true(k > 0);
		off += (size_t)k;
	}
	close(fd);
}

#endif
