/* SPDX-License-Identifier: BSD-3-Clause */
/* The output ring (see outring.h): a memfd, a header page and the ring after
 * it; the pool's list of the texts not yet given back; the worker's
 * double mapping and its wait on the tail. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "outring.h"
#include "util.h"

#define HDR 4096u

struct hdr {
	_Atomic uint64_t tail;   /* bytes given back (the pool writes it) */
	_Atomic uint32_t seq;    /* futex word: moves with the tail and posts */
	_Atomic uint32_t waiting; /* the worker sleeps on seq */
	_Atomic uint64_t printed; /* units the pool printed, from any ring */
	/* the line number bases of parts, one for each place of a batch (a
	 * seqlock each: gen is odd while the pool writes) */
	struct post {
		_Atomic uint64_t gen, id, part, base;
	} post[MPS_ORING_POSTS];
};
_Static_assert(sizeof(struct hdr) <= HDR, "the header fits its page");

struct seg {
	uint64_t off, len;
	bool released;
};

struct mps_oring {
	int fd;
	uint64_t size;
	struct hdr *hdr;
	unsigned char *map; /* the ring, read by the pool (mapped when first needed) */
	struct seg *seg;    /* texts from first_id on, in ring order */
	size_t nseg, cap, start; /* a queue: seg[start, start + nseg) mod cap */
	uint64_t first_id;
	uint64_t published; /* the end of the last text */
	uint64_t dropped;   /* the pool's mapping of the ring before this
			     * (head position) is let go of */
};

/* The pool's mapping lets go of what is given back, a MB at a time, so
 * that its resident memory holds only texts not yet written, however many
 * workers and rings (the bytes stay in the memfd for the worker). */
#define DROP_STEP (1u << 20)

int mps_oring_new(struct mps_oring **out, uint64_t size)
{
	if (size < HDR || (size & (size - 1)))
		return -EINVAL;
	struct mps_oring *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->size = size;
	r->fd = memfd_create("mpsearch-ring", MFD_CLOEXEC);
	if (r->fd < 0 || ftruncate(r->fd, (off_t)(HDR + size))) {
		int e = -errno;
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return e;
	}
	r->hdr = mmap(NULL, HDR, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->hdr == MAP_FAILED) {
		int e = -errno;
		close(r->fd);
		free(r);
		return e;
	}
	*out = r;
	return 0;
}

void mps_oring_free(struct mps_oring *r)
{
	if (!r)
		return;
	munmap(r->hdr, HDR);
	if (r->map)
		munmap(r->map, r->size);
	close(r->fd);
	free(r->seg);
	free(r);
}

int mps_oring_fd(const struct mps_oring *r)
{
	return r->fd;
}

int mps_oring_publish(struct mps_oring *r, uint64_t off, uint64_t len, uint64_t *id)
{
	if (off < r->published || len > r->size || off + len - atomic_load(&r->hdr->tail) > r->size)
		return MPS_ECORRUPT;
	if (r->nseg == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 64;
		struct seg *n = malloc(ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < r->nseg; i++)
			n[i] = r->seg[(r->start + i) % r->cap];
		free(r->seg);
		r->seg = n;
		r->cap = ncap;
		r->start = 0;
	}
	r->seg[(r->start + r->nseg) % r->cap] = (struct seg){.off = off, .len = len};
	*id = r->first_id + r->nseg++;
	r->published = off + len;
	return 0;
}

static void wake(struct hdr *h)
{
	atomic_fetch_add(&h->seq, 1);
	if (atomic_load(&h->waiting))
		syscall(SYS_futex, &h->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

void mps_oring_release(struct mps_oring *r, uint64_t id)
{
	if (id < r->first_id || id - r->first_id >= r->nseg)
		return;
	r->seg[(r->start + (id - r->first_id)) % r->cap].released = true;
	uint64_t tail = atomic_load(&r->hdr->tail);
	bool moved = false;
	while (r->nseg && r->seg[r->start].released) {
		tail = r->seg[r->start].off + r->seg[r->start].len;
		r->start = (r->start + 1) % r->cap;
		r->nseg--;
		r->first_id++;
		moved = true;
	}
	if (!moved)
		return;
	atomic_store(&r->hdr->tail, tail);
	wake(r->hdr);
	uint64_t step = r->size < DROP_STEP ? r->size : DROP_STEP;
	for (; r->map && tail - r->dropped >= step; r->dropped += step)
		madvise(r->map + (r->dropped & (r->size - 1)), step, MADV_DONTNEED);
}

static const unsigned char *ring_map(struct mps_oring *r);

void mps_oring_printed(struct mps_oring *r)
{
	atomic_fetch_add(&r->hdr->printed, 1);
	if (atomic_load(&r->hdr->waiting))
		wake(r->hdr);
}

void mps_oring_post(struct mps_oring *r, size_t at, uint64_t id, uint32_t part, uint64_t base)
{
	if (at >= MPS_ORING_POSTS)
		return;
	struct post *m = &r->hdr->post[at];
	atomic_fetch_add(&m->gen, 1);
	atomic_store(&m->id, id);
	atomic_store(&m->part, part);
	atomic_store(&m->base, base);
	atomic_fetch_add(&m->gen, 1);
	wake(r->hdr);
}

/* The part of [off, off + len) before the ring's end, from *pos. */
static uint64_t first_piece(const struct mps_oring *r, uint64_t off, uint64_t len, uint64_t *pos)
{
	*pos = off & (r->size - 1);
	return len < r->size - *pos ? len : r->size - *pos;
}

int mps_oring_copy(struct mps_oring *r, void *dst, uint64_t off, uint64_t len)
{
	uint64_t pos, n = first_piece(r, off, len, &pos);
	const unsigned char *m = ring_map(r);
	if (!m)
		return -ENOMEM;
	memcpy(dst, m + pos, n);
	memcpy((char *)dst + n, m, len - n);
	return 0;
}

/* The ring, mapped (read only) when first needed. */
static const unsigned char *ring_map(struct mps_oring *r)
{
	if (!r->map) {
		void *m = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->fd, HDR);
		if (m == MAP_FAILED)
			return NULL;
		r->map = m;
	}
	return r->map;
}

/* Write [pos, pos + n) of the ring to fd.  With write(2), which copies:
 * sendfile or splice to a pipe would pass the ring's pages by reference,
 * and the worker writes over them once the room is given back. */
static int write_piece(struct mps_oring *r, int fd, uint64_t pos, uint64_t n)
{
	const unsigned char *m = ring_map(r);
	return m ? mps_write_all(fd, m + pos, n) : -ENOMEM;
}

int mps_oring_write(struct mps_oring *r, int fd, uint64_t off, uint64_t len)
{
	uint64_t pos, n = first_piece(r, off, len, &pos);
	int rc = write_piece(r, fd, pos, n);
	return rc || len == n ? rc : write_piece(r, fd, 0, len - n);
}

/* ---- the worker's side ---- */

int mps_oring_map(struct mps_oring_view *v, int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < (off_t)(2 * HDR))
		return -EINVAL;
	uint64_t size = (uint64_t)end - HDR;
	if (size & (size - 1))
		return -EINVAL;
	void *hdr = mmap(NULL, HDR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (hdr == MAP_FAILED)
		return -errno;
	unsigned char *base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED ||
	    mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, HDR) == MAP_FAILED ||
	    mmap(base + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, HDR) == MAP_FAILED) {
		int e = -errno;
		if (base != MAP_FAILED)
			munmap(base, 2 * size);
		munmap(hdr, HDR);
		return e;
	}
	*v = (struct mps_oring_view){.base = base, .size = size, .hdr = hdr,
				    .head = atomic_load(&((struct hdr *)hdr)->tail)};
	return 0;
}

void mps_oring_unmap(struct mps_oring_view *v)
{
	if (!v->base)
		return;
	munmap(v->base, 2 * v->size);
	munmap(v->hdr, HDR);
	v->base = NULL;
}

uint64_t mps_oring_room(const struct mps_oring_view *v)
{
	const struct hdr *h = v->hdr;
	return v->size - (v->head - atomic_load(&h->tail));
}

uint64_t mps_oring_wait(const struct mps_oring_view *v, uint64_t have, double idle)
{
	struct hdr *h = v->hdr;
	double since = mps_now();
	uint64_t room;
	while ((room = mps_oring_room(v)) <= have && mps_now() - since < idle) {
		uint32_t seq = atomic_load(&h->seq);
		uint64_t printed = atomic_load(&h->printed);
		atomic_store(&h->waiting, 1);
		if (mps_oring_room(v) == room) {
			struct timespec ts = {0, 5 * 1000 * 1000};
			syscall(SYS_futex, &h->seq, FUTEX_WAIT, seq, &ts, NULL, 0);
		}
		atomic_store(&h->waiting, 0);
		if (mps_oring_room(v) > room || atomic_load(&h->printed) != printed)
			since = mps_now(); /* the output moves: wait on */
	}
	return room;
}

/* The base posted for (id, part), if it is there now. */
static bool posted(struct post *m, uint64_t id, uint32_t part, uint64_t *base)
{
	uint64_t g = atomic_load(&m->gen);
	if (g & 1)
		return false;
	bool match = atomic_load(&m->id) == id && atomic_load(&m->part) == part;
	*base = atomic_load(&m->base);
	return match && atomic_load(&m->gen) == g;
}

bool mps_oring_wait_post(const struct mps_oring_view *v, size_t at, uint64_t id, uint32_t part,
			 double timeout, uint64_t *base)
{
	struct hdr *h = v->hdr;
	if (at >= MPS_ORING_POSTS)
		return false;
	struct post *m = &h->post[at];
	double end = mps_now() + timeout;
	while (!posted(m, id, part, base)) {
		if (mps_now() >= end)
			return false;
		uint32_t seq = atomic_load(&h->seq);
		atomic_store(&h->waiting, 1);
		if (!posted(m, id, part, base)) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			syscall(SYS_futex, &h->seq, FUTEX_WAIT, seq, &ts, NULL, 0);
		}
		atomic_store(&h->waiting, 0);
	}
	return *base != UINT64_MAX;
}
