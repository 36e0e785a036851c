/* SPDX-License-Identifier: BSD-3-Clause */
/* Run: the whole pipeline for one process (local or one MPI rank):
 * walk -> plan -> dist -> pool -> search -> print. */
#ifndef MPSEARCH_RUN_H
#define MPSEARCH_RUN_H

#include "mpsearch/opts.h"
#include "mpsearch/print.h"

/* Is this process started by an MPI launcher (Open MPI, PMIx, Slurm PMI)? */
int mps_run_launched(void);

/* Run the search; returns the exit status (0 selected, 1 none, 2 error).
 * Diagnostics go through d; results to standard output or --output. */
int mps_run(const struct mps_opts *o /* in */, const struct mps_diag *d /* in */,
	    int *argc, char ***argv);

#endif
