/* Dist: the MPI stage.  Rank 0 packs the unit list (paths front-coded:
 * each path stores only what differs from the previous one), scatters
 * contiguous ranges with MPI_Scatterv (counts first), each rank streams its
 * results back to rank 0 in bounded messages in order, and totals are merged
 * with MPI_Reduce.  The pack/unpack functions are pure and validate
 * everything they read. */
#ifndef MPSEARCH_DIST_H
#define MPSEARCH_DIST_H

#include <stddef.h>
#include <stdint.h>
#include "mpsearch/plan.h"
#include "mpsearch/sink.h"

/* Append units[0, n) to out.  0 or -errno. */
int mps_dist_pack_units(const struct mps_unit *units /* in */, size_t n,
			struct mps_buf *out /* in, out */);
/* Decode a packed list; *units is allocated (caller frees each with
 * mps_unit_release and the array with free).  0, -ENOMEM or MPS_ECORRUPT. */
int mps_dist_unpack_units(const unsigned char *p /* in */, size_t len,
			  struct mps_unit **units /* out */, size_t *n /* out */);

/* One result record on the wire: unit description, summary, block. */
int mps_dist_pack_result(const struct mps_unit *u /* in */, const struct mps_unit_summary *s /* in */,
			 const unsigned char *block /* in */, size_t len, struct mps_buf *out /* in, out */);
/* Decode the result at *pos; u->path points into p (not owned; u must not
 * be released).  1 decoded, 0 at end, MPS_ECORRUPT. */
int mps_dist_unpack_result(const unsigned char *p /* in */, size_t len, size_t *pos /* in, out */,
			   struct mps_unit *u /* out */, struct mps_unit_summary *s /* out */,
			   const unsigned char **block /* out */, size_t *blen /* out */);


/* ---- the MPI side (rank 0 = root) ---- */
#include <mpi.h>

/* Rank 0 passes all units and the partition first[0..nranks]; every rank
 * receives its own range in *mine (caller frees as for unpack). */
int mps_dist_scatter(MPI_Comm comm, const struct mps_unit *all /* in */, const size_t *first /* in */,
		     struct mps_unit **mine /* out */, size_t *nmine /* out */);

/* Stream of result records from a rank to rank 0, in bounded messages. */
struct mps_dist_sender {
	MPI_Comm comm;
	struct mps_buf buf;
	size_t limit;
};
void mps_dist_sender_init(struct mps_dist_sender *s /* out */, MPI_Comm comm);
int mps_dist_send(struct mps_dist_sender *s /* in, out */, const struct mps_unit *u /* in */,
		  const struct mps_unit_summary *sum /* in */, const unsigned char *block /* in */,
		  size_t len);
/* Flush and send the end-of-stream mark. */
int mps_dist_sender_finish(struct mps_dist_sender *s /* in, out */);
/* Has rank 0 asked this rank to stop (-q found a line, output closed)? */
int mps_dist_stop_requested(MPI_Comm comm);
/* A rank > 0 tells rank 0 how many bytes it has searched (non-blocking,
 * at most every 100 ms; the last value is sent with force). */
void mps_dist_progress_send(MPI_Comm comm, uint64_t bytes, int force);
/* Rank 0: take the progress messages that have arrived; bytes[r] is
 * updated for each rank r. */
void mps_dist_progress_poll(MPI_Comm comm, uint64_t *bytes /* in, out */);

/* Rank 0: ask every other rank to stop. */
void mps_dist_request_stop(MPI_Comm comm);

/* Rank 0: receive rank r's stream, calling fn for each result in order.
 * fn returning nonzero makes the rest be received and dropped. */
typedef int (*mps_dist_result_fn)(void *ctx, const struct mps_unit *u /* in */,
				  const struct mps_unit_summary *sum /* in */,
				  const unsigned char *block /* in */, size_t len);
/* progress (may be NULL): per-rank bytes, updated from progress messages
 * while waiting; tick (may be NULL) is called with ctx while waiting. */
int mps_dist_receive(MPI_Comm comm, int rank, mps_dist_result_fn fn, void *ctx,
		     uint64_t *progress /* in, out */, void (*tick)(void *ctx));

#endif
