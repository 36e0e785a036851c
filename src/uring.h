/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal io_uring, private to the pool: one ring per worker process,
 * used to open and read the small files of a batch with one system call
 * (on some VMs a system call costs more than opening and reading a cached
 * file).  Built on liburing, which probes the kernel's features and
 * follows its ABI.  Errors: 0 or -errno. */
#ifndef MPSEARCH_URING_H
#define MPSEARCH_URING_H

#include <liburing.h>
#include <stdint.h>

struct mps_ring {
	int fd;            /* -1: not set up (else the ring's descriptor) */
	unsigned queued;   /* SQEs filled since the last submit */
	struct io_uring ring;
};

/* A ring of `entries` SQEs with a table of `nfiles` direct descriptors,
 * all free.  On failure (no io_uring here, or disabled, or a kernel older
 * than 5.17) r->fd is -1. */
int mps_ring_init(struct mps_ring *r /* out */, unsigned entries, unsigned nfiles);
void mps_ring_release(struct mps_ring *r /* in, out */);

/* Whole files read in one submission: open name (relative to dirfd)
 * into direct descriptor `slot`, read up to len bytes from offset 0 into
 * buf, close the slot.  Each call adds three SQEs (the caller keeps to
 * entries / 3 files per mps_ring_run, and to slots below nfiles); name
 * and buf are borrowed until mps_ring_run returns.  The read's completion
 * carries tag (not UINT64_MAX). */
void mps_ring_add_read(struct mps_ring *r /* in, out */, int dirfd, const char *name /* in */,
		       unsigned slot, void *buf /* out */, unsigned len, uint64_t tag);

/* Submit what was added and wait for all of it; calls done(ctx, tag, res)
 * for each read (res: bytes read or -errno; -ECANCELED when the open
 * failed).  Returns 0, or -errno: the ring is then unusable, and reads
 * may still land in their buffers later (do not reuse them). */
int mps_ring_run(struct mps_ring *r /* in, out */, void (*done)(void *ctx, uint64_t tag, int res),
		 void *ctx);

#endif
