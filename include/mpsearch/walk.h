/* SPDX-License-Identifier: BSD-3-Clause */
/* Walk: turn command-line operands into files, depth first, each
 * directory's entries sorted byte-wise with a subdirectory compared as its
 * name followed by '/', so files come out in the order of their paths. */
#ifndef MPSEARCH_WALK_H
#define MPSEARCH_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* What identifies a file: device and inode, with the size and modification
 * time it had when it was looked at. */
struct mps_file_id {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec;
};

struct mps_walk_opts {
	bool deref;                       /* -R: follow symlinks met while walking */
	bool no_size;                     /* do not stat regular files met while
					     walking: their size is MPS_WALK_NOSIZE */
	char *const *include;             /* basename globs; NULL-free array */
	size_t ninclude;
	char *const *exclude;
	size_t nexclude;
	char *const *exclude_dir;
	size_t nexclude_dir;
	/* --include/--exclude in command-line order, "+GLOB" or "-GLOB"; when
	 * given, include/exclude are not used: the last that matches a name
	 * decides, and a name that none matches is skipped only when the first
	 * is an include (grep's rule) */
	char *const *filters;
	size_t nfilters;
	bool dirs_skip;    /* -d skip: directory operands are skipped */
	bool dirs_read;    /* -d read: directory operands are errors (EISDIR) */
	bool devices_skip; /* -D skip: device, FIFO and socket operands are skipped */
	/* regular files never searched, by device and inode (the output
	 * file): reported in their place as MPS_EINOUT with avoid_report,
	 * else skipped without a word */
	const struct mps_file_id *avoid;
	size_t navoid;
	bool avoid_report;
	/* ripgrep's filters, for what is met while walking (operands are
	 * always searched, as ripgrep does); all off when zero */
	char *const *types;   /* "+GLOB" (-t) / "-GLOB" (--type-not) basename
				 globs: a file matching a "-" one is skipped, and
				 when there is a "+" one, a file matching none */
	size_t ntypes;
	bool depth_limited;   /* entries deeper than max_depth are skipped */
	uint64_t max_depth;   /* an operand's entries are at depth 1 */
	uint64_t max_filesize; /* bigger regular files are skipped (a stat each) */
	bool no_hidden;       /* names starting with '.' are skipped */
	bool ignore_files;    /* .ignore, .gitignore, .git/info/exclude */
};

#define MPS_WALK_NOSIZE UINT64_MAX

/* A file to search.  path is borrowed until the callback returns. */
struct mps_walk_file {
	const char *path;
	size_t pathlen;
	uint64_t size;
	bool is_stdin;  /* the operand "-" */
	bool regular;   /* a regular file (may be split into ranges) */
	bool walked;    /* met while walking a directory operand (not an operand) */
	size_t root;    /* walked: path[0, root) names that directory operand */
	bool has_id;    /* id is set: the file was stat'ed */
	struct mps_file_id id;
};

struct mps_walk_cb {
	/* Called for each file in output order; a nonzero return stops the walk
	 * and is returned by mps_walk_run. */
	int (*file)(void *ctx, const struct mps_walk_file *f /* in */);
	/* Called for an entry that cannot be read (err is -errno or MPS_E*). */
	void (*error)(void *ctx, const char *path /* in */, int err);
	/* May be NULL: called before each directory is listed. */
	void (*dir)(void *ctx);
	/* May be NULL: called after each directory is listed, with the
	 * seconds the listing took (cb->dir's own time included). */
	void (*listed)(void *ctx, double seconds);
	/* May be NULL: called before descending into a directory met while
	 * walking (path, in output order; root as for files; depth 1 for an
	 * operand's entries).  Nonzero: the callee takes the directory as a
	 * whole (the walk goes on with its next sibling). */
	int (*descend)(void *ctx, const char *path /* in */, size_t pathlen, size_t root,
		       size_t depth);
	void *ctx;
};

/* Walk operands in the given order.  Returns 0, or the callback's stop
 * value.  Unreadable entries are reported through cb->error and skipped. */
int mps_walk_run(const struct mps_walk_opts *o /* in */, char *const *paths /* in */,
		 size_t npaths, const struct mps_walk_cb *cb /* in */);

/* fnmatch-style glob test used for --include/--exclude (exposed for tests). */
bool mps_walk_glob_match(const char *glob /* in */, const char *name /* in */);

#endif
