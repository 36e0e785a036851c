/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist: the MPI wires (src/dist.c).  Rank 0 packs the unit list (paths
 * front-coded), scatters round 0 with MPI_Scatterv (counts first) and sends
 * later rounds point to point; each rank streams its results back to rank
 * 0 in bounded messages in order; totals are merged with reductions and
 * per-rank figures gathered as packed bytes.  Every message is encoded
 * with the codec of dist_pack.h (no raw structs).  The MPI run itself is
 * src/dist_run.c and src/dist_rank0.c; its schedule src/dist_sched.c. */
#ifndef MPSEARCH_DIST_H
#define MPSEARCH_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mpsearch/dist_pack.h"
#include "mpsearch/plan.h"
#include "mpsearch/sink.h"

/* ---- the MPI side (rank 0 = root); not in a build without MPI ---- */
#if MPSEARCH_MPI
#include <mpi.h>

/* The first round: rank 0 passes the units walked so far and the partition
 * first[0..nranks]; every rank receives its own range in *mine (caller
 * frees as for unpack).  *more (set by rank 0, received by the others):
 * further rounds follow, point to point, as the walk goes on.  Rank 0
 * passing first == NULL (it failed to make a partition) makes every rank
 * return -ENOMEM. */
int mps_dist_scatter(MPI_Comm comm, const struct mps_unit *all /* in */, const size_t *first /* in */,
		     struct mps_unit **mine /* out */, size_t *nmine /* out */, int *more /* in, out */);

/* Later rounds: rank 0 sends each rank its range of the units walked since
 * the last round (MPI_Isend; buffers kept until sent); `last` marks the
 * final round.  A rank takes them with mps_dist_round_poll. */
struct mps_dist_round_msg;
struct mps_dist_rounds {
	MPI_Comm comm;
	struct mps_dist_round_msg *pending;
};
int mps_dist_round_send(struct mps_dist_rounds *rs /* in, out */, int rank,
			const struct mps_unit *units /* in */, size_t n, bool last);
/* Free what has been sent; wait: until all has been sent.  0 or MPS_EPEER. */
int mps_dist_rounds_progress(struct mps_dist_rounds *rs /* in, out */, bool wait);
/* A rank tells rank 0 it has finished one more of its rounds (and wants
 * another); rank 0 adds up, per rank, the ones that have come. */
int mps_dist_need_send(MPI_Comm comm);
int mps_dist_need_poll(MPI_Comm comm, int *done /* in, out */);
/* 1 and a round (units allocated as for unpack), 0 when none has come,
 * <0 on error. */
int mps_dist_round_poll(MPI_Comm comm, struct mps_unit **units /* out */, size_t *n /* out */,
			bool *last /* out */);

/* Stream of result records from a rank to rank 0, in messages of about
 * 1 MB.  Rank 0 takes rank r's stream only after ranks 0..r-1's, so filled
 * messages queue here (sent one at a time with MPI_Isend) while the rank
 * goes on searching; past `budget` queued bytes the sender waits. */
struct mps_dist_msg;
/* A result of a stream, borrowed until the call returns. */
typedef void (*mps_dist_result_fn)(void *ctx, const struct mps_unit *u /* in */,
				   const struct mps_unit_summary *sum /* in */,
				   const unsigned char *block /* in */, size_t len);
/* Filled messages in order, and their bytes. */
struct mps_dist_msgq {
	struct mps_dist_msg *head, *tail;
	size_t bytes;
};
struct mps_dist_sender {
	MPI_Comm comm;
	struct mps_buf buf; /* being filled */
	struct mps_dist_msgq sent; /* head in flight when pending */
	MPI_Request req;
	bool pending;
	bool keep_empty;    /* send files with nothing to print too (-L) */
	/* --output written by every rank: the results are kept here, for the
	 * rank's own printer, and only the round ends go to rank 0 (with the
	 * printer's state: the baton) */
	bool local;
	struct mps_dist_msgq kept;
	size_t limit, budget;
	uint64_t tally_files, tally_bytes;
	double tested;      /* when the request was last tested */
};
void mps_dist_sender_init(struct mps_dist_sender *s /* out */, MPI_Comm comm, bool keep_empty);
int mps_dist_send(struct mps_dist_sender *s /* in, out */, const struct mps_unit *u /* in */,
		  const struct mps_unit_summary *sum /* in */, const unsigned char *block /* in */,
		  size_t len);
/* The results of this rank's part of a round are all sent. */
int mps_dist_sender_round_end(struct mps_dist_sender *s /* in, out */);
/* Flush, send the end mark (with the tally) and wait until all is taken. */
int mps_dist_sender_finish(struct mps_dist_sender *s /* in, out */);
/* Keep the stream here instead of sending it (--output written by every
 * rank; every file is kept, as with keep_empty). */
void mps_dist_sender_local(struct mps_dist_sender *s /* in, out */);
/* The kept stream, up to its next round end: fn for each result, in
 * order.  1: the round end was reached (taken), 0: all that is kept is
 * taken and the round goes on, <0 (a bad message). */
int mps_dist_local_take(struct mps_dist_sender *s /* in, out */, mps_dist_result_fn fn,
			void *ctx);
/* Let the message in flight complete and start the next (a rank that
 * sends nothing else for a while).  0 or MPS_EPEER. */
int mps_dist_sender_progress(struct mps_dist_sender *s /* in, out */);
/* Bytes kept and not taken yet (a kept round end counts one): 0 when
 * nothing is. */
size_t mps_dist_local_kept(const struct mps_dist_sender *s /* in */);
/* The baton: the printer's state and where the output file stands, sent
 * by rank 0 to the rank whose round is to be printed, and returned by it
 * with its round's end (in its stream: rank 0 finds it in in->baton). */
int mps_dist_baton_send(MPI_Comm comm, int rank, const struct mps_buf *b /* in */);
/* A rank > 0: has the baton come?  1 (in b, replaced), 0 or <0. */
int mps_dist_baton_poll(MPI_Comm comm, struct mps_buf *b /* out */);
/* A rank > 0: the round is printed; its end, with the baton, to rank 0. */
int mps_dist_baton_return(struct mps_dist_sender *s /* in, out */, const struct mps_buf *b /* in */);
/* Has rank 0 asked this rank to stop (-q found a line, output closed)? */
int mps_dist_stop_requested(MPI_Comm comm);
/* A rank > 0 tells rank 0 how many bytes it has searched (non-blocking,
 * at most every 100 ms; the last value is sent with force). */
void mps_dist_progress_send(MPI_Comm comm, uint64_t bytes, int force);
/* Rank 0: take the progress messages that have arrived; bytes[r] is
 * updated for each rank r. */
void mps_dist_progress_poll(MPI_Comm comm, uint64_t *bytes /* in, out */);

/* Complete a request, sleeping between tests instead of spinning (the
 * core is shared with the workers).  0 or MPS_EPEER. */
int mps_dist_wait(MPI_Request *req /* in, out */);
/* A barrier that sleeps while it waits.  0 or MPS_EPEER. */
int mps_dist_quiet_barrier(MPI_Comm comm);

/* Rank 0's bytes b to every rank (collective): the others' b is
 * replaced.  0, -ENOMEM, -E2BIG (all ranks return the same) or MPS_EPEER. */
int mps_dist_bcast_bytes(MPI_Comm comm, struct mps_buf *b /* in, out */);

/* Rank 0: ask every other rank to stop. */
void mps_dist_request_stop(MPI_Comm comm);

/* Rank 0: rank r's stream, one message at a time (the caller does its
 * other work between steps: nothing here calls back into the run).
 * fn is called for each result in order (borrowed until it returns);
 * tally (may be NULL) gets the files the rank did not send one by one.
 * Requests for work and progress reports that come meanwhile, from any
 * rank, go into the inbox (none is dropped). */
struct mps_dist_inbox {
	int *wants;          /* requests per rank (may be NULL) */
	uint64_t *progress;  /* bytes searched per rank (may be NULL) */
	uint64_t recv_bytes; /* result bytes received */
	struct mps_buf *baton; /* a round end's baton goes here (may be NULL) */
	bool baton_got;      /* the last round end had one */
};
/* What a step took (errors are negative). */
enum mps_dist_step {
	MPS_DIST_AGAIN = 1,  /* nothing has come from the rank yet */
	MPS_DIST_DATA,       /* a message of results */
	MPS_DIST_ROUND_END,  /* the end of the rank's current round */
	MPS_DIST_END,        /* the end of the rank's stream */
};
int mps_dist_receive_step(MPI_Comm comm, int rank, mps_dist_result_fn fn,
			  void (*tally)(void *ctx, uint64_t files, uint64_t bytes), void *ctx,
			  struct mps_dist_inbox *in /* in, out */);

/* MPI_Init_thread (funneled), errors returned on *comm (MPI_COMM_WORLD),
 * rank and size.  0 or MPS_EPEER. */
int mps_dist_init(int *argc, char ***argv, MPI_Comm *comm /* out */, int *rank /* out */,
		  int *size /* out */);
int mps_dist_finalize(void);
/* Collectives on small values: max or sum of v over ranks, rank 0's n
 * values to all; the counters summed and seconds maxed at rank 0.  0 or
 * MPS_EPEER. */
int mps_dist_agree_max(MPI_Comm comm, int *v /* in, out */);
int mps_dist_agree_sum(MPI_Comm comm, int *v /* in, out */);
int mps_dist_bcast_u64(MPI_Comm comm, uint64_t *v /* in, out */, int n);
int mps_dist_reduce_totals(MPI_Comm comm, const uint64_t sums[3] /* in */, uint64_t gs[3] /* out */,
			   const double secs[4] /* in */, double gmax[4] /* out */);
/* Every rank's bytes to rank 0, one after another in *all; (*ends)[r] is
 * where rank r's end (rank 0: caller frees *ends; all untouched on the
 * others).  0, -ENOMEM (all agree) or MPS_EPEER. */
int mps_dist_gather_bytes(MPI_Comm comm, const struct mps_buf *mine /* in */,
			  struct mps_buf *all /* out */, size_t **ends /* out */);
#endif /* MPSEARCH_MPI */

#endif
