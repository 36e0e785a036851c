/* SPDX-License-Identifier: BSD-3-Clause */
/* Run: the whole pipeline for one process (local or one MPI rank):
 * walk -> plan -> dist -> pool -> search -> print.  mps_run returns what
 * happened (totals, errors, per-rank and per-worker stats); the driver
 * (src/main.c, src/driver.c) owns what is process-wide: signals, standard
 * output and the --output file, the --stats text and the exit status. */
#ifndef MPSEARCH_RUN_H
#define MPSEARCH_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mpsearch/dist_pack.h"
#include "mpsearch/opts.h"
#include "mpsearch/pool.h"
#include "mpsearch/print.h"
#include "mpsearch/walk.h"

/* Is this process started by an MPI launcher (Open MPI, PMIx, Slurm PMI)? */
int mps_run_launched(void);
/* The rank the launcher's variables name (0 when none does). */
int mps_run_env_rank(void);

/* What a run did.  Under MPI every rank has totals.selected, errors and
 * write_err as rank 0 has them (so every rank's exit status agrees); the
 * rest of totals and ranks[] are rank 0's. */
struct mps_run_result {
	struct mps_totals totals;
	int errors;                     /* files and steps that failed */
	int write_err;                  /* the output failed: -errno, -EPIPE included */
	bool mpi;
	bool follower;                  /* a rank > 0 that leaves the outcome to rank 0
					   (--files, a bad pattern): exit 0, no stats */
	int rank, nranks;
	double total_s;                 /* seconds from mps_run's start */
	struct mps_rank_stats *ranks;   /* nranks entries (rank 0; a local run: 1) */
	struct mps_worker_stats *workers; /* this process's workers */
	int nworkers;
	uint64_t pre_units;             /* units rank 0 searched while MPI_Init ran */
	uint64_t nrounds;               /* rounds handed out */
	uint64_t rsum[3];               /* reduced units, bytes, matches */
	double rmax[4];                 /* reduced max walk, scatter, search, gather */
};

/* Who else writes into the output (under MPI, every rank does). */
enum mps_out_share {
	MPS_OUT_ALONE,      /* nobody */
	MPS_OUT_THIS_HOST,  /* processes of this host (/proc/PID/fd/N will do) */
	MPS_OUT_ANY_HOST,   /* processes on other hosts (a name on the file system) */
};

/* The output, the driver's: asked for by the process that prints (rank 0
 * under MPI) before the walk starts.  open: the descriptor to write to and
 * the files the walk must leave out (borrowed until mps_run returns);
 * 0 or -errno (reported already).  When others write into the file too
 * (share), a file put in place at the end is one they can open by *name
 * (borrowed until the output is closed; NULL when there is none: standard
 * output, a device or FIFO, MPS_OUT_ALONE).  They write only there, at
 * offsets the library gives, and before mps_run returns.  drop: this
 * process does not print after all (the launcher's rank variable named
 * another rank). */
struct mps_run_output {
	int (*open)(void *ctx, enum mps_out_share share, int *fd /* out */,
		    const char **name /* out */,
		    const struct mps_file_id **avoid /* out */, size_t *navoid /* out */,
		    bool *avoid_report /* out */);
	void (*drop)(void *ctx);
	void *ctx;
};

/* Run the search.  0 and *res filled (release it with
 * mps_run_result_release), or <0 when the run could not be made (a bad
 * pattern, workers that cannot start, a failed start-up under MPI; said
 * through d already).  Diagnostics go through d, results to out's fd. */
int mps_run(const struct mps_opts *o /* in */, const struct mps_diag *d /* in */,
	    const struct mps_run_output *out /* in */, int *argc, char ***argv,
	    struct mps_run_result *res /* out */);
void mps_run_result_release(struct mps_run_result *res /* in, out */);

#endif
