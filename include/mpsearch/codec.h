/* SPDX-License-Identifier: BSD-3-Clause */
/* The one byte codec for every wire (worker frames, MPI messages, stats):
 * LEB128 varints (7 bits a byte, low first, at most 10 bytes; a 10th byte
 * may only hold the top bit of a 64-bit value) and length-prefixed bytes.
 * No raw structs travel.  The reader never reads outside [p, p + len): a
 * read past the end, or a varint wider than 64 bits, sets bad and returns
 * 0 / NULL, so a decoder checks bad once at the end. */
#ifndef MPSEARCH_CODEC_H
#define MPSEARCH_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mpsearch/buf.h"

#define MPS_VARINT_MAX 10

/* Write v at p (room for MPS_VARINT_MAX bytes); returns the bytes used. */
size_t mps_varint_put(unsigned char *p /* out */, uint64_t v);
/* Append v, or n then the n bytes at p.  0 or -ENOMEM. */
int mps_buf_put_varint(struct mps_buf *b /* in, out */, uint64_t v);
int mps_buf_put_bytes(struct mps_buf *b /* in, out */, const void *p /* in */, size_t n);
/* Append v[0, n) as varints.  0 or -ENOMEM. */
int mps_buf_put_varints(struct mps_buf *b /* in, out */, const uint64_t *v /* in */, size_t n);

struct mps_cursor {
	const unsigned char *p; /* borrowed */
	size_t len, pos;
	int bad;
};
uint64_t mps_cursor_varint(struct mps_cursor *r /* in, out */);
/* A varint that must fit 32 bits. */
uint32_t mps_cursor_u32(struct mps_cursor *r /* in, out */);
/* A length that must fit in the bytes left. */
size_t mps_cursor_len(struct mps_cursor *r /* in, out */);
/* The next n bytes (pointing into r->p), or NULL when fewer are left. */
const unsigned char *mps_cursor_bytes(struct mps_cursor *r /* in, out */, size_t n);

#endif
