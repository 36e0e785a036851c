/* SPDX-License-Identifier: BSD-3-Clause */
/* Plan: cut files into units (a whole file or a byte range of a big one),
 * and cut a unit list into contiguous, cost-balanced ranges for MPI ranks. */
#ifndef MPSEARCH_PLAN_H
#define MPSEARCH_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "mpsearch/walk.h"

/* One unit of work.  A range [begin, end) owns the lines that start inside
 * it; end == UINT64_MAX means "to end of file". */
struct mps_unit {
	uint64_t id;      /* position in output order, dense from 0 */
	uint64_t file;    /* file index in output order */
	uint64_t begin, end;
	uint32_t part, nparts;
	uint32_t flags;   /* MPS_UNIT_* */
	uint64_t size;    /* file size seen by the walk (a hint; not sent to ranks) */
	char *path;       /* owned */
	size_t pathlen;
	uint32_t root;    /* MPS_UNIT_WALKED: path[0, root) is the directory
			   * operand the walk found it under */
	struct mps_file_id fid; /* MPS_UNIT_ID: the file its parts must all see */
};

enum {
	MPS_UNIT_STDIN = 1,   /* read standard input */
	MPS_UNIT_REGULAR = 2, /* a regular file */
	MPS_UNIT_NOSIZE = 4,  /* size not known (the walk did not stat it) */
	/* met while walking: opened below the operand directory path[0, root)
	 * one name at a time, symlinks not followed (but with -R), and
	 * skipped when it is no longer a regular file */
	MPS_UNIT_WALKED = 8,
	MPS_UNIT_ID = 16,     /* a part of a split file: fid is set */
	MPS_UNIT_ID_DEV = 32, /* ... and fid.dev can be compared (same host) */
	/* under MPI: a directory met while walking, to be walked (and its
	 * files searched) by the rank that gets it; path is the walk's path
	 * (before the implicit "./" is dropped), root as for its files */
	MPS_UNIT_TREE = 64,
};

/* Cost model for the partitioner: bytes plus a fixed cost per unit that
 * stands for open/stat/close (measured; see bench/RESULTS.md). */
#define MPS_PLAN_UNIT_COST (64u << 10)

/* --multiline: how far the text a part of a split file is searched as
 * runs past the part's end (and starts before its first line), so that a
 * match across the boundary is found by the part where it starts and the
 * matches line up with the neighbour's.  A bounded window: a match longer
 * than it across a boundary is cut there. */
#define MPS_PLAN_ML_OVERLAP (1u << 20)

/* Number of parts a file of `size` bytes is cut into for `chunk` (>0). */
uint32_t mps_plan_nparts(uint64_t size, uint64_t chunk);

/* Range of part `i` of `nparts` of a file of `size` bytes (the last part
 * ends at UINT64_MAX so that a file that grew is read to its end). */
void mps_plan_part(uint64_t size, uint32_t i, uint32_t nparts,
		   uint64_t *begin /* out */, uint64_t *end /* out */);

/* Split n units with the given costs into nranks contiguous ranges of
 * about equal cost: rank r gets [first[r], first[r+1]).  first has nranks+1
 * entries.  Ranks may get empty ranges when there are fewer units. */
void mps_plan_partition(const uint64_t *cost /* in */, size_t n, int nranks,
			size_t *first /* out */);

uint64_t mps_plan_cost(const struct mps_unit *u /* in */, uint64_t file_size);

void mps_unit_release(struct mps_unit *u /* in, out */);

#endif
