/* SPDX-License-Identifier: BSD-3-Clause */
/* The lowest primitive: a growable byte buffer (as git's strbuf).
 * Errors: 0 or -ENOMEM. */
#ifndef MPSEARCH_BUF_H
#define MPSEARCH_BUF_H

#include <stddef.h>

/* Growable byte buffer.  Invariants: data is NULL only when alloc == 0;
 * len <= alloc; it grows in place through mps_buf_reserve. */
struct mps_buf {
	unsigned char *data;
	size_t len, alloc;
};
int mps_buf_reserve(struct mps_buf *b /* in, out */, size_t extra);
int mps_buf_append(struct mps_buf *b /* in, out */, const void *p /* in */, size_t n);
void mps_buf_release(struct mps_buf *b /* in, out */);

#endif
