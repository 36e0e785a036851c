/* SPDX-License-Identifier: BSD-3-Clause */
/* The one ordered-merge mechanism: a reorder window.  Items arrive keyed
 * by their place in output order (seq), in any order; they leave strictly
 * in seq order, as git's grep writes finished work items in the order it
 * handed them out.  The window is a ring indexed by seq, so a put and a
 * take cost O(1); it grows when an item arrives further ahead than it
 * holds.  Items are the caller's: the window stores pointers, never frees
 * them.  Errors: 0 or -errno. */
#ifndef MPSEARCH_REORDER_H
#define MPSEARCH_REORDER_H

#include <stddef.h>
#include <stdint.h>

struct mps_reorder {
	void **slot;   /* slot[seq & (cap - 1)]: NULL = not arrived yet */
	size_t cap;    /* 0 or a power of two */
	uint64_t next; /* seq of the next item to leave */
	size_t held;   /* items in the window */
};

/* An empty window whose first item to leave is `first`. */
void mps_reorder_init(struct mps_reorder *r /* out */, uint64_t first);
/* Frees the ring (not the items still held). */
void mps_reorder_release(struct mps_reorder *r /* in, out */);

/* Hold item (not NULL) as number seq.  -EINVAL if seq already left or is
 * already held, -ENOMEM if the ring cannot grow. */
int mps_reorder_put(struct mps_reorder *r /* in, out */, uint64_t seq, void *item /* in */);

/* The item numbered r->next, or NULL while it has not arrived. */
void *mps_reorder_peek(const struct mps_reorder *r /* in */);

/* Remove and return the item numbered r->next (NULL while it has not
 * arrived: then nothing changes); the window moves on by one. */
void *mps_reorder_take(struct mps_reorder *r /* in, out */);

/* Skip number r->next, which will never arrive (a unit that was lost or
 * dropped): the window moves on by one.  Returns the item if one was
 * held there after all. */
void *mps_reorder_skip(struct mps_reorder *r /* in, out */);

#endif
