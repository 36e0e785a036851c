/* SPDX-License-Identifier: BSD-3-Clause */
/* Plan: cut files into units and unit lists into per-rank ranges. */
#include <stdlib.h>
#include <string.h>

#include "mpsearch/plan.h"

uint32_t mps_plan_nparts(uint64_t size, uint64_t chunk)
{
	if (chunk == 0 || size == 0)
		return 1;
	uint64_t n = size / chunk + (size % chunk != 0);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* floor(size * i / n) without overflow: n <= 2^32 - 1 and i <= n, so
 * (size % n) * i < n * n < 2^64. */
static uint64_t part_start(uint64_t size, uint32_t i, uint32_t n)
{
	return (size / n) * i + (size % n) * i / n;
}

void mps_plan_part(uint64_t size, uint32_t i, uint32_t nparts, uint64_t *begin, uint64_t *end)
{
	if (nparts == 0)
		nparts = 1;
	if (i >= nparts) { /* no such part: an empty range past every file */
		*begin = *end = UINT64_MAX;
		return;
	}
	*begin = part_start(size, i, nparts);
	*end = i + 1 == nparts ? UINT64_MAX : part_start(size, i + 1, nparts);
}

/* floor(total * r / nranks) without overflow (r <= nranks < 2^31). */
static uint64_t target(uint64_t total, int r, int nranks)
{
	uint64_t R = (uint64_t)r, N = (uint64_t)nranks;
	return (total / N) * R + (total % N) * R / N;
}

/* Greedy on prefix sums: the boundary before rank r is the unit boundary
 * whose prefix cost is nearest to total * r / nranks (the first one at or
 * past the target, or the one before it when that is closer, so a big unit
 * at the end of a range does not push all of its cost onto one rank). */
void mps_plan_partition(const uint64_t *cost, size_t n, int nranks, size_t *first)
{
	if (nranks <= 0)
		return;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total = cost[i] > UINT64_MAX - total ? UINT64_MAX : total + cost[i];
	first[0] = 0;
	size_t i = 0;       /* candidate boundary */
	uint64_t pre = 0;   /* prefix cost of units [0, i) */
	for (int r = 1; r < nranks; r++) {
		uint64_t t = target(total, r, nranks);
		uint64_t prev_pre = pre;
		size_t prev_i = i;
		while (i < n && pre < t) {
			prev_pre = pre;
			prev_i = i;
			pre = cost[i] > UINT64_MAX - pre ? UINT64_MAX : pre + cost[i];
			i++;
		}
		size_t b = i;
		if (i > prev_i && prev_i >= first[r - 1] && pre >= t && t - prev_pre < pre - t)
			b = prev_i;
		first[r] = b;
		if (b != i) { /* step back so the next rank starts its scan here */
			i = b;
			pre = prev_pre;
		}
	}
	first[nranks] = n;
}

uint64_t mps_plan_cost(const struct mps_unit *u, uint64_t file_size)
{
	uint64_t end = u->end < file_size ? u->end : file_size;
	uint64_t bytes = end > u->begin ? end - u->begin : 0;
	return bytes > UINT64_MAX - MPS_PLAN_UNIT_COST ? UINT64_MAX : bytes + MPS_PLAN_UNIT_COST;
}

void mps_unit_release(struct mps_unit *u)
{
	if (!u)
		return;
	free(u->path);
	memset(u, 0, sizeof(*u));
}
