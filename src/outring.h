/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's output ring: results written once.
 *
 * A worker that can format a unit's lines itself (see print_text.h) writes
 * them into a ring of shared memory (a memfd the pool makes and passes
 * down with the spawn request) and tells the pool where they are with a
 * TEXT frame; the pool writes them to the output in order, straight from
 * the memfd, and gives the room back.  So the bytes of a line are copied
 * once, by the worker, and written once, as ripgrep's are.
 *
 * The worker maps the ring twice in a row, so that a unit's text is one
 * contiguous run of memory even where it wraps.  The only state shared
 * is the tail (bytes given back), moved by the pool alone; the head is
 * the worker's own and travels in the TEXT frames.  A worker short of
 * room waits on a futex for the tail to move while the output moves, and
 * gives up (the unit goes the usual way, as records) when nothing was
 * printed for a while: the room may be held by units that wait for the
 * very unit it is formatting.
 *
 * A part of a split file needs the number of lines before it: its worker
 * counts the part's lines first and says so (a COUNT frame), and the pool
 * posts each part's base in the header once the parts before it are
 * counted.
 * Private to src/. */
#ifndef MPSEARCH_OUTRING_H
#define MPSEARCH_OUTRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the pool's side ---- */

struct mps_oring;

/* A ring of size bytes (a power of two, at least a page).  0 or -errno. */
int mps_oring_new(struct mps_oring **r /* out */, uint64_t size);
void mps_oring_free(struct mps_oring *r);
/* The memfd to hand to the worker (the ring keeps it). */
int mps_oring_fd(const struct mps_oring *r /* in */);
/* A unit's text [off, off + len) in head positions, in the order the
 * worker wrote it: *seg names it for mps_oring_release.  0, -ENOMEM or
 * MPS_ECORRUPT (out of order, or longer than the ring). */
int mps_oring_publish(struct mps_oring *r /* in, out */, uint64_t off, uint64_t len,
		     uint64_t *seg /* out */);
/* The text is written (or dropped): its room goes back to the worker once
 * every text before it in the ring is back too. */
void mps_oring_release(struct mps_oring *r /* in, out */, uint64_t seg);
/* Write the text [off, off + len) to fd.  0 or -errno (of the write). */
int mps_oring_write(struct mps_oring *r /* in */, int fd, uint64_t off, uint64_t len);
/* Copy it to dst instead (it must have len bytes of room).  0 or -ENOMEM. */
int mps_oring_copy(struct mps_oring *r /* in */, void *dst /* out */, uint64_t off,
		   uint64_t len);

/* Parts of a batch that can wait for a base at once: one post each, at
 * their place in the batch. */
#define MPS_ORING_POSTS 64

/* The line number base of part `part` of unit id (the lines of the parts
 * before it), at place `at` of its worker's batch, for the worker, which waits for it to format the part; base
 * UINT64_MAX: none will come (the part goes the usual way). */
void mps_oring_post(struct mps_oring *r /* in, out */, size_t at, uint64_t id, uint32_t part,
		    uint64_t base);

/* A unit was printed (from any ring): a worker waiting for room in this
 * one waits on, as long as the output moves. */
void mps_oring_printed(struct mps_oring *r /* in, out */);

/* ---- the worker's side ---- */

struct mps_oring_view {
	unsigned char *base; /* the ring, mapped twice in a row */
	uint64_t size;
	void *hdr;           /* the shared header */
	uint64_t head;       /* bytes written so far */
};

/* Map ring fd (of a worker).  0 or -errno. */
int mps_oring_map(struct mps_oring_view *v /* out */, int fd);
void mps_oring_unmap(struct mps_oring_view *v /* in, out */);
/* Room free from the head on, now. */
uint64_t mps_oring_room(const struct mps_oring_view *v /* in */);
/* Wait until the room grows past have, or for idle seconds in which no
 * room came back and no unit was printed: the room then. */
uint64_t mps_oring_wait(const struct mps_oring_view *v /* in */, uint64_t have, double idle);
/* Wait up to timeout seconds for the base of (id, part): true and *base,
 * or false. */
bool mps_oring_wait_post(const struct mps_oring_view *v /* in */, size_t at, uint64_t id,
			 uint32_t part, double timeout, uint64_t *base /* out */);
/* Where the next byte goes. */
static inline unsigned char *mps_oring_at(const struct mps_oring_view *v)
{
	return v->base + (v->head & (v->size - 1));
}

#endif
