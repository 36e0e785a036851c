/* SPDX-License-Identifier: BSD-3-Clause */
/* The growable buffer of buf.h and the byte codec of codec.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/codec.h"
#include "util.h"

int mps_buf_reserve(struct mps_buf *b, size_t extra)
{
	if (b->alloc - b->len >= extra)
		return 0;
	size_t want = b->len + extra;
	if (want < b->len)
		return -ENOMEM;
	void *data = b->data;
	int rc = mps_grow(&data, &b->alloc, want, 1, 4096);
	b->data = data;
	return rc;
}

int mps_buf_append(struct mps_buf *b, const void *p, size_t n)
{
	int rc = mps_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void mps_buf_release(struct mps_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

size_t mps_varint_put(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

int mps_buf_put_varint(struct mps_buf *b, uint64_t v)
{
	int rc = mps_buf_reserve(b, MPS_VARINT_MAX);
	if (!rc)
		b->len += mps_varint_put(b->data + b->len, v);
	return rc;
}

int mps_buf_put_varints(struct mps_buf *b, const uint64_t *v, size_t n)
{
	int rc = mps_buf_reserve(b, n * MPS_VARINT_MAX);
	for (size_t i = 0; !rc && i < n; i++)
		b->len += mps_varint_put(b->data + b->len, v[i]);
	return rc;
}

int mps_buf_put_bytes(struct mps_buf *b, const void *p, size_t n)
{
	int rc = mps_buf_reserve(b, MPS_VARINT_MAX + n);
	if (rc)
		return rc;
	b->len += mps_varint_put(b->data + b->len, n);
	return mps_buf_append(b, p, n);
}

uint64_t mps_cursor_varint(struct mps_cursor *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (r->pos >= r->len) {
			r->bad = 1;
			return 0;
		}
		unsigned char b = r->p[r->pos++];
		if (shift == 63 && (b & 0xfe)) { /* more than 64 bits */
			r->bad = 1;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

uint32_t mps_cursor_u32(struct mps_cursor *r)
{
	uint64_t v = mps_cursor_varint(r);
	if (v > UINT32_MAX)
		r->bad = 1;
	return (uint32_t)v;
}

size_t mps_cursor_len(struct mps_cursor *r)
{
	uint64_t v = mps_cursor_varint(r);
	if (r->bad || v > r->len - r->pos) {
		r->bad = 1;
		return 0;
	}
	return (size_t)v;
}

const unsigned char *mps_cursor_bytes(struct mps_cursor *r, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *q = r->p + r->pos;
	r->pos += n;
	return q;
}
