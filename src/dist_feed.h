/* SPDX-License-Identifier: BSD-3-Clause */
/* A rank's feeder (src/dist_feed.c): a thread that takes the rounds the
 * rank receives (rank 0: the rounds it gives itself once MPI is up), in
 * order, and hands their units to the pool; a tree
 * item (MPS_UNIT_TREE) is walked there and then, its files' units going to
 * the pool in its place.  How many units each round came to is known once
 * the round is fed: the rank's main thread collects those counts to close
 * its rounds in the result stream.  The main thread keeps the MPI calls. */
#ifndef MPSEARCH_DIST_FEED_H
#define MPSEARCH_DIST_FEED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpsearch/plan.h"

struct mpi_run;
struct feed_round;

struct mps_feed {
	struct mpi_run *m;
	pthread_t th;
	bool running;
	pthread_mutex_t mu;           /* guards everything below */
	pthread_cond_t cv;
	struct feed_round *head, *tail; /* received, not fed yet */
	bool last;                    /* the final round has been queued */
	bool stop;
	uint64_t *counts;             /* units of each fed round, not collected */
	size_t ncounts, cap;
	size_t queued;                /* rounds queued and not fed */
	int err;
};

/* Start the thread.  0 or -errno. */
int mps_feed_start(struct mps_feed *f /* out */, struct mpi_run *m /* in */);
/* Queue a round (units taken over; freed by the feeder).  last: no more
 * will come (the pool is closed once it is fed; with no units it is only
 * that mark, and counts as no round).  0 or -ENOMEM. */
int mps_feed_round(struct mps_feed *f /* in, out */, struct mps_unit *units /* in */, size_t n,
		   bool last);
/* Move the unit counts of the rounds fed since the last call into out
 * (out[i] for the i-th round), at most max; returns how many. */
size_t mps_feed_collect(struct mps_feed *f /* in, out */, uint64_t *out /* out */, size_t max);
/* Rounds queued and not fed yet. */
size_t mps_feed_backlog(struct mps_feed *f /* in */);
/* Stop (what is queued is dropped), join.  Returns the first failure. */
int mps_feed_stop(struct mps_feed *f /* in, out */);

#endif
