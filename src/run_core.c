/* SPDX-License-Identifier: BSD-3-Clause */
/* Run, the shared core of the local and the MPI run: the walk turns each
 * file into units (the parts of a big file) and hands them to the run's
 * sink (r->put: the pool in a local run, rank 0's list under MPI), the
 * diagnostics counted and forwarded, progress, the output asked of the
 * driver, the peak RSS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "files.h"
#include "run_int.h"
#include "util.h"

void mps_run_message(struct run *r, const char *fmt, const char *a, const char *b)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, a, b);
	if (r->d->message)
		r->d->message(r->d->ctx, msg);
}

#define WALK_SAMPLES 15 /* listings timed to tell a slow file system */

/* One walk: the operands' (its ids and failure are the run's) or a tree
 * item's (its own: under MPI rank 0 walks one while it walks the operands). */
struct walk_ctx {
	struct run *r;
	run_put_fn put;
	bool in_tree;         /* a tree item: its files get tree_root */
	uint32_t tree_root;
	uint64_t *next_id, *next_file;
	int *submit_err;
	uint64_t ids[2];      /* a tree walk's next_id, next_file */
	int err;              /* a tree walk's submit_err */
	double listed[WALK_SAMPLES]; /* the first listings' times, seconds */
	unsigned nlisted;
};

/* Units of one file, in order, to the walk's sink. */
static int add_file(void *ctx, const struct mps_walk_file *f)
{
	struct walk_ctx *w = ctx;
	struct run *r = w->r;
	if (atomic_load(&r->stop))
		return 1;
	bool nosize = f->regular && f->size == MPS_WALK_NOSIZE;
	uint32_t n = f->regular && !nosize ? mps_plan_nparts(f->size, r->o->chunk_size) : 1;
	/* a walked file is cut only where a worker that does not know its
	 * size would cut it (it fills the search's first read: search.h), so
	 * that a run that stats the files it walks (under MPI) cuts the same
	 * ones: a part before a NUL byte prints its lines, a whole file not */
	if (f->walked && f->size < MPS_SEARCH_BUF)
		n = 1;
	struct mps_walk_file g = *f;
	if (w->in_tree)
		g.root = w->tree_root;
	if (!r->o->paths_given && g.pathlen > 2 && !strncmp(g.path, "./", 2)) {
		/* the implicit "." operand: print "a.c", as grep and ripgrep do */
		g.path += 2;
		g.pathlen -= 2;
		g.root = g.root >= 2 ? g.root - 2 : 0;
	}
	f = &g;
	if (r->lister)
		return mps_lister_add(r->lister, f->path, f->pathlen);
	for (uint32_t i = 0; i < n; i++) {
		struct mps_unit u = {.id = (*w->next_id)++, .file = *w->next_file, .part = i, .nparts = n,
				     .path = (char *)f->path, .pathlen = f->pathlen};
		if (f->is_stdin)
			u.flags |= MPS_UNIT_STDIN;
		if (f->regular)
			u.flags |= MPS_UNIT_REGULAR;
		if (nosize)
			u.flags |= MPS_UNIT_NOSIZE;
		if (f->walked) {
			u.flags |= MPS_UNIT_WALKED;
			u.root = (uint32_t)f->root;
		}
		if (n > 1 && f->has_id) {
			u.flags |= MPS_UNIT_ID | MPS_UNIT_ID_DEV;
			u.fid = f->id;
		}
		u.size = f->size;
		if (n > 1)
			mps_plan_part(f->size, i, n, &u.begin, &u.end);
		else
			u.end = UINT64_MAX;
		int rc = w->put(r, &u, f);
		if (rc) {
			*w->submit_err = rc;
			return rc;
		}
	}
	(*w->next_file)++;
	return 0;
}

static void forward_message(void *ctx, const char *msg)
{
	struct run *r = ctx;
	if (r->d->message)
		r->d->message(r->d->ctx, msg);
}

static void count_error_run(struct run *r, const char *path, int err)
{
	atomic_fetch_add(&r->errors, 1);
	if (r->d->error && !r->o->no_messages)
		r->d->error(r->d->ctx, path, err);
}

static void count_error(void *ctx, const char *path, int err)
{
	count_error_run(ctx, path, err);
}

static void count_walk_error(void *ctx, const char *path, int err)
{
	count_error_run(((struct walk_ctx *)ctx)->r, path, err);
}

void mps_run_diag_init(struct run *r)
{
	r->pd = (struct mps_diag){.error = count_error, .message = forward_message, .ctx = r};
}

/* Before each directory listing: count it, and the test switch
 * MPSEARCH_TEST_DIR_DELAY_US=N sleeps N microseconds first (a parallel
 * file system's metadata latency, on one machine). */
static void walk_dir(void *ctx)
{
	struct run *r = ((struct walk_ctx *)ctx)->r;
	static long delay_us = -1;
	if (delay_us < 0) {
		const char *v = getenv("MPSEARCH_TEST_DIR_DELAY_US");
		delay_us = v ? atol(v) : 0;
		if (delay_us < 0)
			delay_us = 0;
	}
	atomic_fetch_add(&r->dirs, 1);
	if (delay_us > 0) {
		struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
	}
}

/* After each directory listing: its time, kept for the first few. */
static void walk_listed(void *ctx, double seconds)
{
	struct walk_ctx *w = ctx;
	if (w->nlisted < WALK_SAMPLES)
		w->listed[w->nlisted++] = seconds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Is listing a directory slow here?  The median of the first listings'
 * times: a metadata server's latency is paid by every listing, while a
 * walker thread that lost its core for a while (ranks and MPI's progress
 * polling on few cores) makes only some listings slow. */
static bool listing_slow(const struct walk_ctx *w)
{
	if (!w->nlisted)
		return false;
	double t[WALK_SAMPLES];
	memcpy(t, w->listed, w->nlisted * sizeof(*t));
	qsort(t, w->nlisted, sizeof(*t), cmp_double);
	return t[w->nlisted / 2] >= TREE_SLOW_DIR_S;
}

/* The directory path as a tree item, to the walk's sink; 1 (the walk
 * does not enter it). */
static int put_item(struct walk_ctx *w, const char *path, size_t pathlen, size_t root)
{
	struct run *r = w->r;
	struct mps_unit u = {.id = (*w->next_id)++, .file = (*w->next_file)++, .nparts = 1,
			     .flags = MPS_UNIT_TREE | MPS_UNIT_WALKED, .root = (uint32_t)root,
			     .path = (char *)path, .pathlen = pathlen, .end = UINT64_MAX,
			     .size = MPS_WALK_NOSIZE};
	struct mps_walk_file f = {.path = path, .pathlen = pathlen, .size = MPS_WALK_NOSIZE,
				  .walked = true, .root = root};
	int rc = w->put(r, &u, &f);
	if (rc) {
		*w->submit_err = rc;
		atomic_store(&r->stop, 1); /* the next file stops the walk */
	}
	return 1;
}

/* Under MPI: a directory deep enough is one item, listed by the rank that
 * gets it.  Its place in the output order is the directory's own: all
 * paths under d/ sort together, right where the walk meets d. */
static int walk_descend(void *ctx, const char *path, size_t pathlen, size_t root, size_t depth)
{
	struct walk_ctx *w = ctx;
	struct run *r = w->r;
	if (!r->tree_depth || depth < r->tree_depth || atomic_load(&r->stop))
		return 0;
	if (r->tree_slow < 0) {
		/* decided once, at the first directory deep enough: only when
		 * listing is slow (a parallel file system's metadata server) is
		 * the walk worth spreading; on a fast one rank 0 lists as fast
		 * as the ranks search, and it searches too */
		r->tree_slow = listing_slow(w);
	}
	if (!r->tree_slow)
		return 0;
	return put_item(w, path, pathlen, root);
}

/* Splitting an item: each directory in it is an item in turn (the walk
 * does not enter it), its root the item's. */
static int split_descend(void *ctx, const char *path, size_t pathlen, size_t root, size_t depth)
{
	struct walk_ctx *w = ctx;
	(void)root;
	(void)depth;
	if (atomic_load(&w->r->stop))
		return 0;
	return put_item(w, path, pathlen, w->tree_root);
}

/* tree: a tree item's directory, walked whole (descend NULL) or split. */
static int walk_paths(struct walk_ctx *w, char *const *paths, size_t npaths, bool tree,
		      int (*descend)(void *, const char *, size_t, size_t, size_t))
{
	struct run *r = w->r;
	const struct mps_opts *o = r->o;
	struct mps_walk_opts wo = {
		.deref = o->deref,
		/* locally, files met while walking are not stat'ed (a stat per
		 * file would make the walk three times slower): workers find the
		 * big ones and split them among themselves.  Under MPI with
		 * several ranks they are, so that big files are split across
		 * ranks and rounds are balanced by bytes; but not in a tree item,
		 * whose files stay on the rank that lists it (its workers split
		 * its big files; a stat per file would cost a metadata request
		 * each on a parallel file system). */
		.no_size = !r->walk_sizes || tree,
		.include = o->include.v, .ninclude = o->include.n,
		.exclude = o->exclude.v, .nexclude = o->exclude.n,
		.exclude_dir = o->exclude_dir.v, .nexclude_dir = o->exclude_dir.n,
		.filters = o->filters.v, .nfilters = o->filters.n,
		/* a tree item is a directory met while walking, not an operand */
		.dirs_skip = !tree && o->directories == MPS_ACT_SKIP,
		.dirs_read = !tree && o->directories == MPS_ACT_READ,
		.devices_skip = o->devices == MPS_ACT_SKIP,
		.avoid = r->avoid, .navoid = r->navoid, .avoid_report = r->avoid_report,
	};
	mps_files_walk_opts(&wo, o);
	struct mps_walk_cb cb = {.file = add_file, .error = count_walk_error, .dir = walk_dir,
				 .listed = walk_listed, .descend = descend, .ctx = w};
	double t0 = mps_now();
	int rc = mps_walk_run(&wo, paths, npaths, &cb);
	if (tree && !descend)
		r->tree_walk_s += mps_now() - t0; /* a feeder's */
	else
		r->walk_s += mps_now() - t0; /* rank 0's walker, or its main thread splitting */
	return rc;
}

int mps_run_walk(struct run *r)
{
	struct walk_ctx w = {.r = r, .put = r->put, .next_id = &r->next_id,
			     .next_file = &r->next_file, .submit_err = &r->submit_err};
	return walk_paths(&w, r->o->paths.v, r->o->paths.n, false, walk_descend);
}

static int tree_walk(struct run *r, const struct mps_unit *tree, run_put_fn put, bool split)
{
	char *p = strndup(tree->path, tree->pathlen);
	if (!p)
		return -ENOMEM;
	struct walk_ctx w = {.r = r, .put = put, .in_tree = true, .tree_root = tree->root};
	w.next_id = &w.ids[0];
	w.next_file = &w.ids[1];
	w.submit_err = &w.err;
	int rc = walk_paths(&w, &p, 1, true, split ? split_descend : NULL);
	free(p);
	return w.err ? w.err : rc;
}

int mps_run_walk_tree(struct run *r, const struct mps_unit *tree, run_put_fn put)
{
	return tree_walk(r, tree, put, false);
}

int mps_run_split_tree(struct run *r, const struct mps_unit *tree, run_put_fn put)
{
	return tree_walk(r, tree, put, true);
}

void mps_run_progress(struct run *r, bool final)
{
	if (!r->progress || !r->d->progress)
		return;
	double t = mps_now();
	if (!final && t - r->progress_at < 0.1)
		return;
	r->progress_at = t;
	uint64_t done = r->done_bytes;
	for (int i = 1; r->rank_bytes && i < r->nranks; i++)
		done += r->rank_bytes[i];
	if (final && r->total_bytes)
		done = r->total_bytes;
	else if (final)
		r->total_bytes = done; /* known at the end */
	r->d->progress(r->d->ctx, done, r->total_bytes, r->done_files);
}

int mps_run_out_open(struct run *r, enum mps_out_share share, int *fd)
{
	*fd = -1;
	r->out_name = NULL;
	r->navoid = 0;
	r->avoid = NULL;
	r->avoid_report = !r->o->output_file;
	if (!r->out || !r->out->open)
		return -EINVAL;
	return r->out->open(r->out->ctx, share, fd, &r->out_name, &r->avoid, &r->navoid,
			    &r->avoid_report);
}

uint64_t mps_run_maxrss_kb(void)
{
	struct rusage self, kids;
	if (getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &kids))
		return 0;
	/* ru_maxrss of the children is the largest reaped worker's */
	return (uint64_t)self.ru_maxrss + (uint64_t)kids.ru_maxrss;
}
