/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker process: takes batches of units from the shared task queue,
 * searches them and streams result frames (pool_wire.h) to its parent
 * through a pipe of its own.  It runs in a process forked by the zygote,
 * knows only the narrow configuration below, and leaves with _exit.
 * Private to src/. */
#ifndef MPSEARCH_WORKER_H
#define MPSEARCH_WORKER_H

#include <stdbool.h>
#include "mpsearch/matcher.h"
#include "mpsearch/print.h"
#include "mpsearch/search.h"

struct mps_cores;

/* What a worker needs; every pointer is borrowed (inherited over fork). */
struct mps_worker_conf {
	const struct mps_matcher *matcher;
	const struct mps_search_opts *search;
	bool deref;                    /* -R: follow symlinks met while walking */
	const struct mps_cores *cores; /* bind to core with it; NULL: no binding */
	int core;                      /* OS index of the core, -1 none */
	int tasks;                     /* the task queue (read end) */
	int out;                       /* the result pipe (write end) */
	bool lean;                     /* one of very many workers: memory is
					* taken as it is used, not ahead */
	const struct mps_print_opts *print; /* format units into ring (print_text.h) */
	int ring;                      /* the output ring's memfd, -1 none */
};

/* How a worker ends: its exit status. */
enum mps_worker_exit {
	MPS_WORKER_DONE = 0,     /* the task queue was closed: all is done */
	MPS_WORKER_NOMEM = 3,    /* could not set up (searcher, buffers) */
	MPS_WORKER_BADTASK = 4,  /* a task message did not decode */
	MPS_WORKER_NOPARENT = 5, /* the result pipe is gone (at a batch's start) */
	MPS_WORKER_NOSEND = 6,   /* the result pipe is gone (while searching) */
};

/* Run the worker loop in this (forked) process; never returns. */
_Noreturn void mps_worker_main(const struct mps_worker_conf *c /* in */);

#endif
