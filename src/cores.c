/* SPDX-License-Identifier: BSD-3-Clause */
/* Core choice with hwloc (the only file that calls it): the slice of the
 * machine a local rank's workers take, and binding a worker to its core. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cores.h"

struct mps_cores {
	hwloc_topology_t topo;
	hwloc_cpuset_t set; /* the process's CPU set when it was loaded */
};

/* hwloc dlopens plugins for GPUs, OpenCL, X11 and XML that a CPU binding
 * never needs; they cost tens of milliseconds per start.  The user's own
 * setting wins. */
static void hwloc_quiet_plugins(void)
{
	setenv("HWLOC_PLUGINS_BLACKLIST",
	       "hwloc_opencl,hwloc_gl,hwloc_xml_libxml,hwloc_pci,hwloc_cuda,hwloc_nvml,"
	       "hwloc_rsmi,hwloc_levelzero", 0);
}

struct mps_cores *mps_cores_new(void)
{
	struct mps_cores *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	hwloc_quiet_plugins();
	if (hwloc_topology_init(&c->topo)) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->set = hwloc_bitmap_alloc();
	if (!c->set || hwloc_topology_load(c->topo)) {
		mps_cores_free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (hwloc_get_cpubind(c->topo, c->set, HWLOC_CPUBIND_PROCESS))
		hwloc_bitmap_copy(c->set, hwloc_topology_get_allowed_cpuset(c->topo));
	return c;
}

void mps_cores_free(struct mps_cores *c)
{
	if (!c)
		return;
	if (c->set)
		hwloc_bitmap_free(c->set);
	hwloc_topology_destroy(c->topo);
	free(c);
}

int mps_cores_pick(hwloc_topology_t topo, hwloc_const_cpuset_t set, int lr, int ls, int n,
		   int *cores)
{
	int ncore = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	hwloc_obj_type_t type = HWLOC_OBJ_CORE;
	if (ncore <= 0) {
		type = HWLOC_OBJ_PU;
		ncore = hwloc_get_nbobjs_by_type(topo, type);
	}
	int *mine = calloc((size_t)(ncore > 0 ? ncore : 1), sizeof(int));
	if (!mine)
		return 0;
	int k = 0;
	for (int i = 0; i < ncore; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)i);
		if (o && hwloc_bitmap_intersects(o->cpuset, set))
			mine[k++] = i;
	}
	/* An unbound rank sees the whole node: take this local rank's slice so
	 * that ranks sharing the node do not pile onto the same cores. */
	int lo = 0, hi = k;
	if (ls > 1 && hwloc_bitmap_isincluded(hwloc_topology_get_allowed_cpuset(topo), set) &&
	    k >= ls) {
		lo = (int)((long)k * lr / ls);
		hi = (int)((long)k * (lr + 1) / ls);
	}
	int got = 0;
	for (int i = 0; i < n && hi > lo; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)mine[lo + i % (hi - lo)]);
		hwloc_cpuset_t c = hwloc_bitmap_dup(o->cpuset);
		hwloc_bitmap_and(c, c, set);
		hwloc_bitmap_singlify(c);
		cores[got++] = hwloc_bitmap_first(c);
		hwloc_bitmap_free(c);
	}
	free(mine);
	return got;
}

int mps_cores_choose(const struct mps_cores *c, int lr, int ls, int n, int *cores)
{
	return mps_cores_pick(c->topo, c->set, lr, ls, n, cores);
}

int mps_cores_count(const struct mps_cores *c, int lr, int ls)
{
	int n = hwloc_get_nbobjs_by_type(c->topo, HWLOC_OBJ_PU);
	int *tmp = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	if (!tmp)
		return 1;
	/* cores the slice holds: pick as many as exist, then count distinct */
	int ncore = hwloc_get_nbobjs_by_type(c->topo, HWLOC_OBJ_CORE);
	int want = ncore > 0 ? ncore : n;
	int got = mps_cores_choose(c, lr, ls, want, tmp);
	int distinct = 0;
	for (int i = 0; i < got; i++) {
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= tmp[j] == tmp[i];
		distinct += !seen;
	}
	free(tmp);
	return distinct > 0 ? distinct : 1;
}

int mps_cores_bind(const struct mps_cores *c, int core)
{
	if (!c || core < 0)
		return -1;
	hwloc_cpuset_t s = hwloc_bitmap_alloc();
	if (!s)
		return -1;
	hwloc_bitmap_only(s, (unsigned)core);
	int rc = hwloc_set_cpubind(c->topo, s, HWLOC_CPUBIND_PROCESS);
	hwloc_bitmap_free(s);
	return rc ? -1 : 0;
}
