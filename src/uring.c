/* See uring.h.  The ring is used by one thread: SQ tail and CQ head are
 * only published with release stores, the kernel's SQ head and CQ tail
 * read with acquire loads. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

#define NOT_A_READ UINT64_MAX /* tag of the open and close SQEs */

static void *field(void *base, uint32_t off)
{
	return (char *)base + off;
}

int mps_ring_init(struct mps_ring *r, unsigned entries, unsigned nfiles)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
#if defined(__NR_io_uring_setup) && defined(__NR_io_uring_enter) && \
	defined(__NR_io_uring_register) && defined(IORING_FEAT_LINKED_FILE)
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (fd < 0)
		return -errno;
	r->fd = fd;
	/* a read linked after the open of its direct descriptor needs the
	 * file looked up when the read runs (5.17); before that (and before
	 * direct descriptors, 5.15) the chain would not work */
	if (!(p.features & IORING_FEAT_LINKED_FILE)) {
		errno = ENOSYS;
		goto fail;
	}
	r->entries = p.sq_entries;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && r->cq_len > r->sq_len)
		r->sq_len = r->cq_len;
	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			 IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED) {
		r->sq_map = NULL;
		goto fail;
	}
	if (single) {
		r->cq_map = r->sq_map;
	} else {
		r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				 fd, IORING_OFF_CQ_RING);
		if (r->cq_map == MAP_FAILED) {
			r->cq_map = NULL;
			goto fail;
		}
	}
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED) {
		r->sqes = NULL;
		goto fail;
	}
	r->sq_head = field(r->sq_map, p.sq_off.head);
	r->sq_tail = field(r->sq_map, p.sq_off.tail);
	r->sq_mask = field(r->sq_map, p.sq_off.ring_mask);
	r->sq_array = field(r->sq_map, p.sq_off.array);
	r->cq_head = field(r->cq_map, p.cq_off.head);
	r->cq_tail = field(r->cq_map, p.cq_off.tail);
	r->cq_mask = field(r->cq_map, p.cq_off.ring_mask);
	r->cqes = field(r->cq_map, p.cq_off.cqes);
	int *files = malloc(nfiles * sizeof(int));
	if (!files) {
		errno = ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < nfiles; i++)
		files[i] = -1; /* a free slot */
	long rc = syscall(__NR_io_uring_register, fd, IORING_REGISTER_FILES, files, nfiles);
	free(files);
	if (rc < 0)
		goto fail;
	return 0;
fail:;
	int err = errno;
	mps_ring_release(r);
	return -err;
#else
	(void)entries;
	(void)nfiles;
	return -ENOSYS;
#endif
}

void mps_ring_release(struct mps_ring *r)
{
	if (r->sqes)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	if (r->sq_map)
		munmap(r->sq_map, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static struct io_uring_sqe *next_sqe(struct mps_ring *r)
{
	unsigned tail = *r->sq_tail + r->queued; /* only we move the tail */
	unsigned idx = tail & *r->sq_mask;
	struct io_uring_sqe *e = &r->sqes[idx];
	memset(e, 0, sizeof(*e));
	r->sq_array[idx] = idx;
	r->queued++;
	return e;
}

void mps_ring_add_read(struct mps_ring *r, int dirfd, const char *name, unsigned slot, void *buf,
		       unsigned len, uint64_t tag)
{
	struct io_uring_sqe *e = next_sqe(r);
	e->opcode = IORING_OP_OPENAT;
	e->fd = dirfd;
	e->addr = (uint64_t)(uintptr_t)name;
	/* no O_CLOEXEC: not with a direct descriptor; a symlink or FIFO swapped
	 * in after the walk neither followed nor waited for (the caller
	 * searches a file whose read shows nothing the usual way, which checks) */
	e->open_flags = O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK;
	e->file_index = slot + 1;
	e->flags = IOSQE_IO_LINK; /* the read is cancelled if the open fails */
	e->user_data = NOT_A_READ;

	e = next_sqe(r);
	e->opcode = IORING_OP_READ;
	e->fd = (int)slot;
	e->addr = (uint64_t)(uintptr_t)buf;
	e->len = len;
	e->off = 0;
	/* a hard link: a short read (the usual case) must not cancel the close */
	e->flags = IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
	e->user_data = tag;

	e = next_sqe(r);
	e->opcode = IORING_OP_CLOSE;
	e->file_index = slot + 1;
	e->user_data = NOT_A_READ;
}

static int enter(struct mps_ring *r, unsigned submit, unsigned wait)
{
	for (;;) {
		long n = syscall(__NR_io_uring_enter, r->fd, submit, wait,
				 wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

int mps_ring_run(struct mps_ring *r, void (*done)(void *ctx, uint64_t tag, int res), void *ctx)
{
	unsigned total = r->queued;
	if (total == 0)
		return 0;
	__atomic_store_n(r->sq_tail, *r->sq_tail + total, __ATOMIC_RELEASE);
	r->queued = 0;
	unsigned left = total, got = 0; /* left: not yet taken by the kernel */
	for (;;) {
		unsigned head = *r->cq_head;
		unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++, got++) {
			const struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
			if (c->user_data != NOT_A_READ)
				done(ctx, c->user_data, c->res);
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
		if (got >= total)
			return 0;
		int n = enter(r, left, total - got);
		if (n < 0)
			return n;
		if (left > 0 && n == 0)
			return -EIO; /* it takes none: waiting would never end */
		left -= (unsigned)n < left ? (unsigned)n : left;
	}
}
