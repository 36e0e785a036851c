/* SPDX-License-Identifier: BSD-3-Clause */
/* Growable buffers and the result-block encoding shared by workers, ranks
 * and printers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/codec.h"
#include "mpsearch/error.h"
#include "mpsearch/sink.h"

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Record layout: kind u8, owned u8, lineno i64, offset u64, len u32,
 * nspans u32, nspans x (start u32, end u32), len text bytes. */
#define REC_HEAD 26

static int block_line(struct mps_sink *s, const struct mps_line *l)
{
	struct mps_block_sink *bs = (struct mps_block_sink *)s;
	if (l->len > UINT32_MAX || l->nspans > UINT32_MAX / 8)
		return -EOVERFLOW;
	size_t need = REC_HEAD + l->nspans * 8 + l->len;
	int rc = mps_buf_reserve(bs->out, need);
	if (rc)
		return rc;
	unsigned char *p = bs->out->data + bs->out->len;
	p[0] = (unsigned char)l->kind;
	p[1] = l->owned;
	put_u64(p + 2, (uint64_t)l->lineno);
	put_u64(p + 10, l->offset);
	put_u32(p + 18, (uint32_t)l->len);
	put_u32(p + 22, (uint32_t)l->nspans);
	p += REC_HEAD;
	for (size_t i = 0; i < l->nspans; i++, p += 8) {
		put_u32(p, (uint32_t)l->spans[i].start);
		put_u32(p + 4, (uint32_t)l->spans[i].end);
	}
	if (l->len)
		memcpy(p, l->text, l->len);
	bs->out->len += need;
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
	size_t p = *pos;
	if (p == len)
		return 0;
	if (p > len || len - p < REC_HEAD)
		return MPS_ECORRUPT;
	const unsigned char *r = block + p;
	if (r[0] != MPS_LINE_SELECTED && r[0] != MPS_LINE_CONTEXT)
		return MPS_ECORRUPT;
	uint32_t tlen = get_u32(r + 18), ns = get_u32(r + 22);
	size_t rest = len - p - REC_HEAD;
	if (ns > rest / 8 || tlen > rest - (size_t)ns * 8)
		return MPS_ECORRUPT;
	l->kind = r[0];
	l->owned = r[1] != 0;
	l->lineno = (int64_t)get_u64(r + 2);
	l->offset = get_u64(r + 10);
	l->len = tlen;
	const unsigned char *sp = r + REC_HEAD;
	if (ns > *cap) {
		struct mps_span *n = realloc(*spansp, (size_t)ns * sizeof(*n));
		if (!n)
			return -ENOMEM;
		*spansp = n;
		*cap = ns;
	}
	struct mps_span *spans = *spansp;
	size_t keep = ns;
	for (size_t i = 0; i < keep; i++) {
		spans[i].start = get_u32(sp + 8 * i);
		spans[i].end = get_u32(sp + 8 * i + 4);
		if (spans[i].start > spans[i].end || spans[i].end > tlen)
			return MPS_ECORRUPT;
	}
	l->spans = spans;
	l->nspans = keep;
	l->text = (const char *)(sp + (size_t)ns * 8);
	*pos = p + REC_HEAD + (size_t)ns * 8 + tlen;
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
