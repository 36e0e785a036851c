/* SPDX-License-Identifier: BSD-3-Clause */
/* The reorder window declared in reorder.h. */
#include "reorder.h"

#include <errno.h>
#include <stdlib.h>

void mps_reorder_init(struct mps_reorder *r, uint64_t first)
{
	*r = (struct mps_reorder){.next = first};
}

void mps_reorder_release(struct mps_reorder *r)
{
	free(r->slot);
	*r = (struct mps_reorder){.next = r->next};
}

/* Make room for numbers next .. next + need - 1; items keep their seq,
 * so each moves to its place in the larger ring. */
static int grow(struct mps_reorder *r, uint64_t need)
{
	size_t n = r->cap ? r->cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / sizeof(void *))
			return -ENOMEM;
		n *= 2;
	}
	void **s = calloc(n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < r->cap; i++) {
		uint64_t seq = r->next + i;
		s[seq & (n - 1)] = r->slot[seq & (r->cap - 1)];
	}
	free(r->slot);
	r->slot = s;
	r->cap = n;
	return 0;
}

int mps_reorder_put(struct mps_reorder *r, uint64_t seq, void *item)
{
	if (!item || seq < r->next)
		return -EINVAL;
	uint64_t ahead = seq - r->next;
	if (ahead >= r->cap) {
		int rc = grow(r, ahead + 1);
		if (rc)
			return rc;
	}
	void **s = &r->slot[seq & (r->cap - 1)];
	if (*s)
		return -EINVAL;
	*s = item;
	r->held++;
	return 0;
}

void *mps_reorder_peek(const struct mps_reorder *r)
{
	return r->cap ? r->slot[r->next & (r->cap - 1)] : NULL;
}

void *mps_reorder_skip(struct mps_reorder *r)
{
	void *item = NULL;
	if (r->cap) {
		void **s = &r->slot[r->next & (r->cap - 1)];
		item = *s;
		*s = NULL;
	}
	if (item)
		r->held--;
	r->next++;
	return item;
}

void *mps_reorder_take(struct mps_reorder *r)
{
	return mps_reorder_peek(r) ? mps_reorder_skip(r) : NULL;
}
