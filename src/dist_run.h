/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI run's state, private to src/dist_run.c (start, ranks > 0, the
 * end) and src/dist_rank0.c (rank 0: its list, its own results, handing
 * out, printing).  The schedule is src/dist_sched.c (pure). */
#ifndef MPSEARCH_DIST_RUN_H
#define MPSEARCH_DIST_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dist_feed.h"
#include "dist_sched.h"
#include "mpsearch/dist.h"
#include "reorder.h"
#include "run_int.h"

/* One of rank 0's own results, held while it prints another rank's. */
struct stashed {
	struct mps_unit u;
	struct mps_unit_summary sum;
	unsigned char *block;
	size_t len;
	bool unit_done;
};

struct mpi_run {
	struct run *r;
	struct mps_sched sched;
	MPI_Comm comm;
	int rank, size, env_size;
	struct mps_pool *pool;
	uint64_t local_id;             /* ids of the units given to our pool */
	struct mps_rank_stats me;
	int err;
	int out_fd;                    /* rank 0: the output, from the driver */
	bool out_open;
	/* rank 0: the walker thread's list (mu guards everything to pre_err) */
	pthread_mutex_t mu;
	pthread_cond_t room;           /* the list has room again (or stop) */
	pthread_t th;
	bool walking;                  /* the walker thread runs: join it */
	bool walk_done;
	struct mps_unit *units;
	size_t nunits, cap;
	size_t dist_end;               /* units[0, dist_end) are handed out */
	uint64_t listed_cost;          /* of every unit listed */
	size_t items_waiting;          /* tree items listed, not handed out */
	struct mps_unit *split;        /* an item split by rank 0 (split_item) */
	size_t nsplit, split_cap;
	uint64_t splits;               /* items split so */
	uint64_t pre_cost;             /* of the units rank 0 took before MPI */
	bool pre_open;                 /* MPI_Init runs: rank 0 feeds itself */
	uint64_t pre_n, pre_max;
	bool pre_round;                /* rank 0's round of what it took before MPI is added */
	int pre_err;
	/* rank 0: handing out */
	bool last_sent;
	double dispatch_s, dispatched;
	struct mps_dist_rounds rs;
	uint64_t known_bytes;
	bool sizes_known;
	/* rank 0: its own results held aside (a FIFO keyed by arrival) */
	struct mps_reorder stash;
	uint64_t stash_in;
	size_t st_bytes;
	struct stashed *cur;           /* the stashed result handed out last */
	struct stashed *back;          /* one given back: the next own_next's */
	bool pool_done;
	/* rank 0: printing */
	struct mps_printer *pr;
	int prc;                       /* the printer's first nonzero return */
	bool stop_sent;                /* the other ranks were asked to stop */
	bool *ended;                   /* rank q's stream has ended */
	struct mps_dist_inbox in;
	uint64_t printed;              /* own units printed */
	double own_done;               /* when rank 0's own units were all done */
	struct mps_feed feed;          /* its feeder (src/dist_feed.c), rank 0's too */
	/* --output written by every rank: each prints its own rounds into
	 * the file at the offsets the baton brings (rank 0 gets sizes and
	 * the printer's state, never result bytes) */
	bool wrote;
	bool holding;                  /* a rank > 0 holds the baton */
	struct mps_buf baton;
	/* a rank > 0 */
	uint64_t nrounds_seen;
	uint64_t feed_units;           /* the feeder's: units of the round it feeds */
};

/* Hand units of the list to our own pool (ids renumbered). */
int mps_dist_submit_local(struct mpi_run *m /* in, out */, const struct mps_unit *u /* in */);
void mps_dist_free_units(struct mps_unit *u /* in */, size_t n);

/* The baton in m->baton (src/dist_run.c): made from this rank's printer
 * and output offset, or loaded into them.  0 or <0. */
int mps_dist_baton_make(struct mpi_run *m /* in, out */);
int mps_dist_baton_load(struct mpi_run *m /* in, out */);

/* Rank 0 (src/dist_rank0.c). */
int mps_dist_rank0_start_walk(struct mpi_run *m /* in, out */);
void mps_dist_rank0_stop_walk(struct mpi_run *m /* in, out */);
/* MPI is up: rank 0 stops feeding itself; units it took meanwhile. */
uint64_t mps_dist_rank0_mpi_up(struct mpi_run *m /* in, out */, int *pre_err /* out */);
/* Wait until something is listed or the walk is over; 0 or the walk's failure. */
int mps_dist_rank0_wait_listed(struct mpi_run *m /* in, out */);
int mps_dist_first_round(struct mpi_run *m /* in, out */, struct mps_unit **mine /* out */,
			 size_t *nmine /* out */);
int mps_dist_rank0_loop(struct mpi_run *m /* in, out */);
/* After the loop: every stream to its end, every round sent. */
int mps_dist_rank0_drain(struct mpi_run *m /* in, out */, int rc);
void mps_dist_rank0_release(struct mpi_run *m /* in, out */);

#endif
