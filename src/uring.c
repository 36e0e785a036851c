/* SPDX-License-Identifier: BSD-3-Clause */
/* See uring.h.  The ring is used by one thread; liburing does the memory
 * ordering with the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "uring.h"

#define NOT_A_READ UINT64_MAX /* tag of the open and close SQEs */

int mps_ring_init(struct mps_ring *r, unsigned entries, unsigned nfiles)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int rc = io_uring_queue_init_params(entries, &r->ring, &p);
	if (rc < 0)
		return rc;
	/* a read linked after the open of its direct descriptor needs the
	 * file looked up when the read runs (5.17); before that (and before
	 * direct descriptors, 5.15) the chain would not work */
	if (!(p.features & IORING_FEAT_LINKED_FILE)) {
		rc = -ENOSYS;
		goto fail;
	}
	int *files = malloc(nfiles * sizeof(int));
	if (!files) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < nfiles; i++)
		files[i] = -1; /* a free slot */
	rc = io_uring_register_files(&r->ring, files, nfiles);
	free(files);
	if (rc < 0)
		goto fail;
	r->fd = r->ring.ring_fd;
	return 0;
fail:
	io_uring_queue_exit(&r->ring);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	return rc;
}

void mps_ring_release(struct mps_ring *r)
{
	if (r->fd >= 0)
		io_uring_queue_exit(&r->ring);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void mps_ring_add_read(struct mps_ring *r, int dirfd, const char *name, unsigned slot, void *buf,
		       unsigned len, uint64_t tag)
{
	if (io_uring_sq_space_left(&r->ring) < 3)
		return; /* the caller's bound was broken: the unit is read later */
	/* no O_CLOEXEC: not with a direct descriptor; a symlink or FIFO swapped
	 * in after the walk neither followed nor waited for (the caller
	 * searches a file whose read shows nothing the usual way, which checks) */
	struct io_uring_sqe *e = io_uring_get_sqe(&r->ring);
	io_uring_prep_openat_direct(e, dirfd, name, O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0,
				    slot);
	e->flags |= IOSQE_IO_LINK; /* the read is cancelled if the open fails */
	io_uring_sqe_set_data64(e, NOT_A_READ);

	e = io_uring_get_sqe(&r->ring);
	io_uring_prep_read(e, (int)slot, buf, len, 0);
	/* a hard link: a short read (the usual case) must not cancel the close */
	e->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
	io_uring_sqe_set_data64(e, tag);

	e = io_uring_get_sqe(&r->ring);
	io_uring_prep_close_direct(e, slot);
	io_uring_sqe_set_data64(e, NOT_A_READ);
	r->queued += 3;
}

int mps_ring_run(struct mps_ring *r, void (*done)(void *ctx, uint64_t tag, int res), void *ctx)
{
	unsigned total = r->queued;
	if (total == 0)
		return 0;
	r->queued = 0;
	for (unsigned got = 0;;) {
		int n = io_uring_submit_and_wait(&r->ring, total - got);
		if (n < 0 && n != -EINTR)
			return n;
		struct io_uring_cqe *c;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&r->ring, head, c) {
			uint64_t tag = io_uring_cqe_get_data64(c);
			if (tag != NOT_A_READ)
				done(ctx, tag, c->res);
			seen++;
		}
		io_uring_cq_advance(&r->ring, seen);
		got += seen;
		if (got >= total)
			return 0;
		if (n == 0 && seen == 0 && io_uring_sq_ready(&r->ring) > 0)
			return -EIO; /* it takes none: waiting would never end */
	}
}
