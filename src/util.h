/* SPDX-License-Identifier: BSD-3-Clause */
/* The library's small tools, private to src/: the one way to grow an
 * array (as git's ALLOC_GROW), the one clock, and a whole write.
 * Errors: 0 or -ENOMEM (-errno for mps_write_all). */
#ifndef MPSEARCH_UTIL_H
#define MPSEARCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Make room for `need` elements of `size` bytes in *arr, whose room is
 * *cap elements: at least `first` elements, then twice the room, or more
 * when need asks for more.  On failure *arr and *cap are unchanged (the
 * old array is still the caller's to free).  need <= *cap does nothing. */
int mps_grow(void **arr /* in, out */, size_t *cap /* in, out */, size_t need,
	     size_t size, size_t first);

/* MPS_GROW(a, need, cap): mps_grow for a typed array a of cap elements
 * (at least 16 at first). */
#define MPS_GROW(a, need, cap) mps_grow((void **)&(a), &(cap), (need), sizeof(*(a)), 16)

/* Monotonic seconds (CLOCK_MONOTONIC), for durations only. */
double mps_now(void);

/* Write all of p[0, n) to fd (again after EINTR and short writes).
 * 0 or -errno. */
int mps_write_all(int fd, const void *p /* in */, size_t n);

/* Read n bytes into p (fewer only at the end of input): with pread at
 * off, or with read from the current position when off is -1 (a pipe).
 * The bytes read, or -errno. */
ssize_t mps_read_full(int fd, void *p /* out */, size_t n, int64_t off);

#endif
