/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared core of a run (src/run_core.c), private to src/: the state
 * of one run, the walk feeding units to a sink (the pool in a local run,
 * rank 0's list under MPI), the options for the stages, progress and the
 * diagnostics.  src/run.c chooses the local run (src/run_local.c) or the
 * MPI run (src/dist_run.c). */
#ifndef MPSEARCH_RUN_INT_H
#define MPSEARCH_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mpsearch/mpsearch.h"

struct run;

/* Mean seconds per directory listed from which directories are handed out
 * whole under MPI (a parallel file system's metadata latency; a cached
 * local tree lists one in ~30 us). */
#define TREE_SLOW_DIR_S 250e-6

/* Where the walk's units go: 0 or -errno (the walk then stops). */
typedef int (*run_put_fn)(struct run *r, struct mps_unit *u /* in */,
			  const struct mps_walk_file *f /* in */);

struct run {
	const struct mps_opts *o;
	const struct mps_diag *d;
	const struct mps_run_output *out;
	struct mps_diag pd;   /* the printer's diag: counts errors too */
	struct mps_print_opts po;
	double t0;            /* mps_run's start */
	bool progress;        /* report progress through d->progress */
	double progress_at;   /* when it was last reported */
	uint64_t done_bytes, done_files, total_bytes;
	uint64_t *rank_bytes; /* MPI rank 0: bytes done per rank */
	int nranks;
	atomic_int errors;
	atomic_int stop;
	struct mps_pool *pool;
	const struct mps_matcher *matcher; /* the workers' (NULL: not known here) */
	struct mps_search_opts so;         /* the workers' search options */
	run_put_fn put;       /* the walk's sink */
	void *put_ctx;
	uint64_t next_id, next_file;
	int submit_err;
	int walk_rc;
	double walk_s;
	atomic_uint_fast64_t dirs; /* directories listed */
	bool walk_sizes;      /* stat every file met (sizes balance the ranks) */
	size_t tree_depth;    /* > 0: directories this deep are handed out whole */
	int tree_slow;        /* -1: not known yet; 1: listing a directory took
			       * TREE_SLOW_DIR_S or more (the median of the
			       * first listings), so they are handed out */
	double tree_walk_s;   /* walking tree items (the feeder thread only) */
	/* files the walk leaves out: the output file */
	const struct mps_file_id *avoid;
	size_t navoid;
	bool avoid_report; /* as grep: standard output is one of the inputs */
	const char *out_name; /* the output's shared name (the driver's), or NULL */
	bool bad_pattern;  /* -f - under MPI, rank 0: the patterns do not compile */
	struct mps_lister *lister; /* --files: the walk's paths go here */
};

/* The walk over o->paths: units of each file, in order, to r->put.  Returns
 * mps_walk_run's value; r->walk_s is set. */
int mps_run_walk(struct run *r /* in, out */);
/* r->pd: the printer's diag, counting errors (as the walk's do). */
void mps_run_diag_init(struct run *r /* in, out */);
/* Walk the directory of a tree item (MPS_UNIT_TREE) as the whole walk
 * would have walked it: its files' units to put (ids of its own, so it may
 * run beside mps_run_walk).  Returns mps_run_walk's value or put's
 * failure; r->tree_walk_s grows by the time it took (one caller thread). */
int mps_run_walk_tree(struct run *r /* in, out */, const struct mps_unit *tree /* in */,
		      run_put_fn put);
/* Split a tree item: list its directory alone, its files' units and its
 * subdirectories as tree items (in its place in the output) to put.
 * Returns as mps_run_walk_tree. */
int mps_run_split_tree(struct run *r /* in, out */, const struct mps_unit *tree /* in */,
		       run_put_fn put);
/* A message through d (fmt has two %s). */
void mps_run_message(struct run *r /* in */, const char *fmt /* in */, const char *a /* in */,
		     const char *b /* in */);
/* d->progress at most ten times a second; final: once more, at 100%. */
void mps_run_progress(struct run *r /* in, out */, bool final);
/* Ask the driver for the output (the walk then leaves it out).  0 or -errno. */
/* The driver's output (share: see struct mps_run_output; the name others
 * open in r->out_name). */
int mps_run_out_open(struct run *r /* in, out */, enum mps_out_share share, int *fd /* out */);
/* This process's peak RSS with its workers, in kB. */
uint64_t mps_run_maxrss_kb(void);

/* The two runs.  0 and *res filled, or <0 (said through r->d). */
int mps_run_local(struct run *r /* in, out */, struct mps_run_result *res /* out */);
#if MPSEARCH_MPI
int mps_dist_run(struct run *r /* in, out */, int env_rank, int *argc, char ***argv,
		 struct mps_run_result *res /* out */);
#endif

#endif
