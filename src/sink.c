/* SPDX-License-Identifier: BSD-3-Clause */
/* Growable buffers and the result-block encoding shared by workers, ranks
 * and printers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/codec.h"
#include "mpsearch/error.h"
#include "mpsearch/sink.h"

/* Record layout, in the codec of codec.h: one byte kind | owned << 2,
 * varints lineno (zigzag), offset, len, nspans, then per span start and
 * end - start as varints, then the len text bytes. */
#define REC_MAX_HEAD (1 + 4 * MPS_VARINT_MAX)

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int block_line(struct mps_sink *s, const struct mps_line *l)
{
	struct mps_block_sink *bs = (struct mps_block_sink *)s;
	if (l->len > UINT32_MAX || l->nspans > UINT32_MAX / 8)
		return -EOVERFLOW;
	size_t need = REC_MAX_HEAD + l->nspans * 2 * 5 + l->len;
	int rc = mps_buf_reserve(bs->out, need);
	if (rc)
		return rc;
	unsigned char *p0 = bs->out->data + bs->out->len, *p = p0;
	*p++ = (unsigned char)(l->kind | (l->owned ? 4 : 0));
	p += mps_varint_put(p, zigzag(l->lineno));
	p += mps_varint_put(p, l->offset);
	p += mps_varint_put(p, l->len);
	p += mps_varint_put(p, l->nspans);
	for (size_t i = 0; i < l->nspans; i++) {
		p += mps_varint_put(p, (uint32_t)l->spans[i].start);
		p += mps_varint_put(p, (uint32_t)(l->spans[i].end - l->spans[i].start));
	}
	if (l->len)
		memcpy(p, l->text, l->len);
	p += l->len;
	bs->out->len += (size_t)(p - p0);
	if (bs->flush && bs->out->len >= bs->flush_at)
		return bs->flush(bs->ctx, bs->out);
	return 0;
}

static int block_finish(struct mps_sink *s, const struct mps_unit_summary *sum)
{
	struct mps_block_sink *bs = (struct mps_block_sink *)s;
	bs->summary = *sum;
	bs->finished = true;
	return 0;
}

void mps_block_sink_init(struct mps_block_sink *bs, struct mps_buf *out)
{
	memset(bs, 0, sizeof(*bs));
	bs->base.line = block_line;
	bs->base.finish = block_finish;
	bs->out = out;
	bs->flush_at = SIZE_MAX;
}

int mps_block_next(const unsigned char *block, size_t len, size_t *pos, struct mps_line *l,
		   struct mps_span **spansp, size_t *cap)
{
	if (*pos == len)
		return 0;
	if (*pos > len)
		return MPS_ECORRUPT;
	struct mps_cursor r = {.p = block, .len = len, .pos = *pos};
	unsigned kind = block[r.pos++];
	if ((kind & 3) != MPS_LINE_SELECTED && (kind & 3) != MPS_LINE_CONTEXT)
		return MPS_ECORRUPT;
	if (kind & ~7u)
		return MPS_ECORRUPT;
	l->kind = kind & 3;
	l->owned = (kind & 4) != 0;
	l->lineno = unzigzag(mps_cursor_varint(&r));
	l->offset = mps_cursor_varint(&r);
	uint32_t tlen = mps_cursor_u32(&r), ns = mps_cursor_u32(&r);
	/* each span takes at least two bytes */
	if (r.bad || ns > (len - r.pos) / 2 || tlen > len - r.pos)
		return MPS_ECORRUPT;
	if (ns > *cap) {
		struct mps_span *n = realloc(*spansp, (size_t)ns * sizeof(*n));
		if (!n)
			return -ENOMEM;
		*spansp = n;
		*cap = ns;
	}
	struct mps_span *spans = *spansp;
	for (size_t i = 0; i < ns; i++) {
		uint32_t st = mps_cursor_u32(&r), w = mps_cursor_u32(&r);
		spans[i].start = st;
		spans[i].end = st + w;
		if (r.bad || w > tlen || st > tlen - w)
			return MPS_ECORRUPT;
	}
	const unsigned char *text = mps_cursor_bytes(&r, tlen);
	if (r.bad)
		return MPS_ECORRUPT;
	l->spans = spans;
	l->nspans = ns;
	l->len = tlen;
	l->text = (const char *)text;
	*pos = r.pos;
	return 1;
}

/* lines, selected, matches, bytes, err (as 32 bits), flags: binary in
 * bit 0, nonascii in bit 1 */
size_t mps_summary_encode(const struct mps_unit_summary *s, unsigned char *w)
{
	size_t n = 0;
	n += mps_varint_put(w + n, s->lines);
	n += mps_varint_put(w + n, s->selected);
	n += mps_varint_put(w + n, s->matches);
	n += mps_varint_put(w + n, s->bytes);
	n += mps_varint_put(w + n, (uint32_t)s->err);
	n += mps_varint_put(w + n, (unsigned)(s->binary != 0) | (unsigned)(s->nonascii != 0) << 1);
	return n;
}

int mps_summary_put(struct mps_buf *b, const struct mps_unit_summary *s)
{
	int rc = mps_buf_reserve(b, MPS_SUMMARY_MAX);
	if (!rc)
		b->len += mps_summary_encode(s, b->data + b->len);
	return rc;
}

void mps_summary_decode(struct mps_cursor *r, struct mps_unit_summary *s)
{
	s->lines = mps_cursor_varint(r);
	s->selected = mps_cursor_varint(r);
	s->matches = mps_cursor_varint(r);
	s->bytes = mps_cursor_varint(r);
	s->err = (int32_t)mps_cursor_u32(r);
	uint64_t fl = mps_cursor_varint(r);
	if (fl > 3)
		r->bad = 1;
	s->binary = fl & 1;
	s->nonascii = (fl & 2) != 0;
}
