/* SPDX-License-Identifier: BSD-3-Clause */
/* Core choice for the pool's workers: the one place that calls hwloc.
 * The parent loads the topology once (mps_cores_new), decides how many
 * workers and on which cores; a worker, forked later, binds itself with
 * mps_cores_bind on the struct it inherited.  Errors: NULL plus errno for
 * the constructor, 0 or -errno otherwise. */
#ifndef MPSEARCH_CORES_H
#define MPSEARCH_CORES_H

#include <hwloc.h>

struct mps_cores;

/* The topology of this machine, restricted to the process's CPU set. */
struct mps_cores *mps_cores_new(void);
void mps_cores_free(struct mps_cores *c);

/* How many distinct cores the slice of local rank lr of ls holds (>= 1). */
int mps_cores_count(const struct mps_cores *c /* in */, int lr, int ls);
/* mps_cores_pick on c's topology and CPU set. */
int mps_cores_choose(const struct mps_cores *c /* in */, int lr, int ls, int n,
		     int *cores /* out */);
/* Bind the calling process to the PU of OS index core.  0 or -1. */
int mps_cores_bind(const struct mps_cores *c /* in */, int core);

/* Choose n distinct cores for the workers of local rank lr of ls from
 * topology topo restricted to cpuset set; writes the OS indices of the
 * cores' first PU to cores.  Returns how many were chosen.  Pure,
 * testable with synthetic topologies. */
int mps_cores_pick(hwloc_topology_t topo, hwloc_const_cpuset_t set, int lr, int ls, int n,
		   int *cores /* out */);

#endif
