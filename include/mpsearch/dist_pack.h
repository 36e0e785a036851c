/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist, the pure part: the unit list, result records and the end tally
 * as bytes (src/dist_pack.c has the layouts).  Needs no MPI: the codec's
 * fuzzer and a build without MPI use it. */
#ifndef MPSEARCH_DIST_PACK_H
#define MPSEARCH_DIST_PACK_H

#include <stddef.h>
#include <stdint.h>
#include "mpsearch/buf.h"
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

/* The end mark of a result stream carries a tally of the files that were
 * not sent because they had nothing to print (no lines, no error, not
 * split).  0 or -ENOMEM; unpack: 0 or MPS_ECORRUPT. */
int mps_dist_pack_tally(uint64_t files, uint64_t bytes, struct mps_buf *out /* in, out */);
int mps_dist_unpack_tally(const unsigned char *p /* in */, size_t len, uint64_t *files /* out */,
			  uint64_t *bytes /* out */);

/* One rank's figures (a local run has one, rank 0). */
struct mps_rank_stats {
	char host[64];
	int rank, workers;
	uint64_t units;      /* units searched */
	uint64_t bytes;      /* bytes searched, before and after MPI_Init */
	uint64_t selected;   /* selected lines */
	uint64_t rounds;     /* rounds searched */
	uint64_t dirs;       /* directories listed */
	uint64_t recv_bytes; /* result bytes received from other ranks */
	uint64_t maxrss_kb;  /* peak RSS of the rank and its workers */
	double walk;         /* seconds the walk took */
	double walk_wait;    /* the part of the walk not hidden behind MPI_Init */
	double scatter, dispatch, search, gather;
	double waited;       /* seconds this rank waited on rank 0 (no work) */
};

/* A rank's figures (seconds to the microsecond, the host name cut at 63
 * bytes).  0 or -ENOMEM; unpack: 0 or MPS_ECORRUPT. */
int mps_dist_pack_stats(const struct mps_rank_stats *s /* in */, struct mps_buf *out /* in, out */);
int mps_dist_unpack_stats(const unsigned char *p /* in */, size_t len,
			  struct mps_rank_stats *s /* out */);

#endif
