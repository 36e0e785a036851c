/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist: the MPI stage.  Rank 0 packs the unit list (paths front-coded:
 * each path stores only what differs from the previous one), scatters
 * contiguous ranges with MPI_Scatterv (counts first), each rank streams its
 * results back to rank 0 in bounded messages in order, and totals are merged
 * with MPI_Reduce.  The pack/unpack functions are pure and validate
 * everything they read. */
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
void mps_dist_need_send(MPI_Comm comm);
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
struct mps_dist_sender {
	MPI_Comm comm;
	struct mps_buf buf; /* being filled */
	struct mps_dist_msg *head, *tail; /* filled, head in flight when pending */
	MPI_Request req;
	bool pending;
	bool keep_empty;    /* send files with nothing to print too (-L) */
	size_t limit, budget, queued;
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

/* Rank 0: receive rank r's stream, calling fn for each result in order.
 * fn returning nonzero makes the rest be received and dropped. */
typedef int (*mps_dist_result_fn)(void *ctx, const struct mps_unit *u /* in */,
				  const struct mps_unit_summary *sum /* in */,
				  const unsigned char *block /* in */, size_t len);
/* Returns at the rank's end of a round, or at the end of its stream
 * (*ended set).
 * tally (may be NULL) gets the files the rank did not send one by one.
 * progress (may be NULL): per-rank bytes, updated from progress messages
 * while waiting; tick (may be NULL) is called with ctx while waiting. */
int mps_dist_receive(MPI_Comm comm, int rank, mps_dist_result_fn fn,
		     void (*tally)(void *ctx, uint64_t files, uint64_t bytes), void *ctx,
		     uint64_t *progress /* in, out */, void (*tick)(void *ctx), bool *ended /* out */);
#endif /* MPSEARCH_MPI */

#endif
