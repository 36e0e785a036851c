/* SPDX-License-Identifier: BSD-3-Clause */
/* Sink: mps_buf invariants, the block encoder and decoder (round trip,
 * flush callback, every truncation and corruption), the summary wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/error.h"
#include "mpsearch/sink.h"

/* Record layout (src/sink.c), in the codec: a byte kind | owned << 2,
 * varints zigzag(lineno), offset, len, nspans, per span start and
 * end - start, then the text.  The tests that corrupt blocks write their
 * own records with rec(). */
static size_t varint_len(uint64_t v)
{
	unsigned char tmp[MPS_VARINT_MAX];
	return mps_varint_put(tmp, v);
}

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Append a record with the given fields, any of them wrong on purpose;
 * spans as start, width pairs. */
static void rec(struct mps_buf *b, unsigned kindbyte, uint64_t zlineno, uint64_t offset,
		uint64_t len, uint64_t nspans, const uint64_t *sw, size_t nsw, const char *text,
		size_t tlen)
{
	assert_int_equal(mps_buf_append(b, &(unsigned char){(unsigned char)kindbyte}, 1), 0);
	const uint64_t v[] = {zlineno, offset, len, nspans};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(mps_buf_put_varint(b, v[i]), 0);
	for (size_t i = 0; i < nsw; i++)
		assert_int_equal(mps_buf_put_varint(b, sw[i]), 0);
	assert_int_equal(mps_buf_append(b, text, tlen), 0);
}

static void buf_check(const struct mps_buf *b)
{
	assert_true(b->len <= b->alloc);
	assert_true((b->data == NULL) == (b->alloc == 0));
}

/* ---- mps_buf ---- */

static void test_buf_invariants(void **state)
{
	(void)state;
	struct mps_buf b = {0};
	buf_check(&b);
	/* nothing asked, nothing allocated */
	assert_int_equal(mps_buf_reserve(&b, 0), 0);
	buf_check(&b);
	assert_int_equal(mps_buf_append(&b, NULL, 0), 0);
	buf_check(&b);
	assert_int_equal(b.len, 0);

	assert_int_equal(mps_buf_reserve(&b, 1), 0);
	buf_check(&b);
	assert_true(b.alloc >= 1);
	assert_int_equal(b.len, 0);

	/* appends keep every byte written before, whatever the growth */
	unsigned char chunk[1000];
	size_t total = 0;
	for (int round = 0; round < 300; round++) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (unsigned char)(round * 31 + i);
		size_t n = (size_t)(round * 7 % 1000);
		assert_int_equal(mps_buf_append(&b, chunk, n), 0);
		total += n;
		buf_check(&b);
		assert_int_equal(b.len, total);
	}
	size_t at = 0;
	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)(round * 7 % 1000);
		for (size_t i = 0; i < n; i++)
			if (b.data[at + i] != (unsigned char)(round * 31 + i))
				fail_msg("byte %zu of round %d changed", i, round);
		at += n;
	}

	/* reserve guarantees room for `extra` more bytes past len */
	for (size_t extra = 0; extra < 70000; extra = extra * 3 + 1) {
		assert_int_equal(mps_buf_reserve(&b, extra), 0);
		buf_check(&b);
		assert_true(b.alloc - b.len >= extra);
		assert_int_equal(b.len, total);
	}

	/* a reserve that cannot be met fails and leaves the buffer as it was */
	unsigned char *data = b.data;
	size_t alloc = b.alloc;
	assert_int_equal(mps_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	assert_int_equal(mps_buf_reserve(&b, SIZE_MAX - b.len), -ENOMEM);
	assert_int_equal(mps_buf_reserve(&b, SIZE_MAX / 2 + 2), -ENOMEM);
	assert_int_equal(mps_buf_append(&b, chunk, SIZE_MAX - 3), -ENOMEM);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.alloc, alloc);
	assert_int_equal(b.len, total);

	/* len reset keeps the allocation (reuse without freeing) */
	b.len = 0;
	assert_int_equal(mps_buf_append(&b, "x", 1), 0);
	assert_int_equal(b.alloc, alloc);

	mps_buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	buf_check(&b);
	mps_buf_release(&b); /* twice is harmless */
	buf_check(&b);
	/* usable again after release */
	assert_int_equal(mps_buf_append(&b, "abc", 3), 0);
	assert_memory_equal(b.data, "abc", 3);
	mps_buf_release(&b);
}

static void test_buf_exact_growth(void **state)
{
	(void)state;
	/* append of exactly the free room must not reallocate; one more must */
	struct mps_buf b = {0};
	assert_int_equal(mps_buf_reserve(&b, 10), 0);
	size_t room = b.alloc;
	unsigned char *data = b.data;
	char *fill = malloc(room + 1);
	memset(fill, 'q', room + 1);
	assert_int_equal(mps_buf_append(&b, fill, room), 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.len, b.alloc);
	assert_int_equal(mps_buf_append(&b, fill, 1), 0);
	assert_true(b.alloc > room);
	assert_int_equal(b.len, room + 1);
	buf_check(&b);
	free(fill);
	mps_buf_release(&b);
}

/* ---- block round trip ---- */

struct want_line {
	enum mps_line_kind kind;
	int64_t lineno;
	uint64_t offset;
	const char *text;
	size_t len;
	struct mps_span spans[4];
	size_t nspans;
	bool owned;
};

static int push(struct mps_block_sink *bs, const struct want_line *w)
{
	struct mps_line l = {.kind = w->kind, .lineno = w->lineno, .offset = w->offset,
			     .text = w->text, .len = w->len, .spans = w->nspans ? w->spans : NULL,
			     .nspans = w->nspans, .owned = w->owned};
	return bs->base.line(&bs->base, &l);
}

static void expect_line(const struct mps_line *l, const struct want_line *w, const unsigned char *blk,
			size_t blen)
{
	assert_int_equal(l->kind, w->kind);
	assert_true(l->lineno == w->lineno);
	assert_true(l->offset == w->offset);
	assert_int_equal(l->len, w->len);
	assert_int_equal(l->owned, w->owned);
	if (w->len)
		assert_memory_equal(l->text, w->text, w->len);
	/* text points into the block */
	assert_true((const unsigned char *)l->text >= blk);
	assert_true((const unsigned char *)l->text + l->len <= blk + blen);
	assert_int_equal(l->nspans, w->nspans);
	for (size_t i = 0; i < w->nspans; i++) {
		assert_int_equal(l->spans[i].start, w->spans[i].start);
		assert_int_equal(l->spans[i].end, w->spans[i].end);
	}
}

static void test_block_round_trip(void **state)
{
	(void)state;
	size_t big_n = 5u << 20;
	char *big = malloc(big_n);
	for (size_t i = 0; i < big_n; i++)
		big[i] = (char)('a' + i % 26);
	static const char bin[] = "a\0b\xff\n\r";
	const struct want_line lines[] = {
		{MPS_LINE_SELECTED, 1, 0, "foo bar foo", 11, {{0, 3}, {8, 11}}, 2, true},
		{MPS_LINE_CONTEXT, 0, 17, "before", 6, {{0}}, 0, false},
		{MPS_LINE_CONTEXT, -5, 3, "far before", 10, {{0}}, 0, false},
		{MPS_LINE_CONTEXT, INT64_MIN, 0, "min", 3, {{0}}, 0, false},
		{MPS_LINE_SELECTED, INT64_MAX, UINT64_MAX, "max", 3, {{0, 0}}, 1, true},
		{MPS_LINE_SELECTED, 7, 1ull << 40, "", 0, {{0}}, 0, true},  /* empty line */
		{MPS_LINE_SELECTED, 8, 99, "", 0, {{0, 0}, {0, 0}}, 2, true}, /* empty matches */
		{MPS_LINE_SELECTED, 9, 100, bin, sizeof(bin) - 1, {{0, 1}, {2, 6}}, 2, true},
		{MPS_LINE_SELECTED, 10, 200, big, big_n, {{0, 1}, {100, 200}, {big_n - 1, big_n}}, 3, true},
		{MPS_LINE_CONTEXT, 11, 200 + big_n + 1, "after", 5, {{0}}, 0, false},
		/* a span ending exactly at the text end, span covering the line */
		{MPS_LINE_SELECTED, 12, 300, "xyz", 3, {{0, 3}, {3, 3}}, 2, true},
	};
	size_t n = sizeof(lines) / sizeof(*lines);
	struct mps_buf out = {0};
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, &out);
	assert_non_null(bs.base.line);
	assert_non_null(bs.base.finish);
	assert_ptr_equal(bs.out, &out);
	assert_null(bs.flush);
	assert_false(bs.finished);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(push(&bs, &lines[i]), 0);
	struct mps_unit_summary sum = {.lines = 12, .selected = 7, .matches = 11, .bytes = 4242,
				       .err = -EIO, .binary = 1};
	assert_int_equal(bs.base.finish(&bs.base, &sum), 0);
	assert_true(bs.finished);
	assert_memory_equal(&bs.summary, &sum, sizeof(sum));

	/* each record is its kind byte, four varints, two per span, the text */
	size_t want_len = 0;
	for (size_t i = 0; i < n; i++) {
		want_len += 1 + varint_len(zz(lines[i].lineno)) + varint_len(lines[i].offset) +
			    varint_len(lines[i].len) + varint_len(lines[i].nspans) + lines[i].len;
		for (size_t k = 0; k < lines[i].nspans; k++)
			want_len += varint_len(lines[i].spans[k].start) +
				    varint_len(lines[i].spans[k].end - lines[i].spans[k].start);
	}
	assert_int_equal(out.len, want_len);

	struct mps_span *spans = NULL;
	size_t cap = 0, pos = 0;
	struct mps_line l;
	for (size_t i = 0; i < n; i++) {
		memset(&l, 0x5a, sizeof(l));
		assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), 1);
		expect_line(&l, &lines[i], out.data, out.len);
		assert_true(cap >= l.nspans);
	}
	assert_int_equal(pos, out.len);
	assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), 0);
	assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), 0);
	assert_int_equal(pos, out.len);
	free(spans);
	mps_buf_release(&out);
	free(big);
}

static void test_block_empty(void **state)
{
	(void)state;
	struct mps_line l;
	struct mps_span *spans = NULL;
	size_t cap = 0, pos = 0;
	/* an empty block (a unit with no lines) ends at once, even with NULL */
	assert_int_equal(mps_block_next(NULL, 0, &pos, &l, &spans, &cap), 0);
	unsigned char one = 0;
	assert_int_equal(mps_block_next(&one, 0, &pos, &l, &spans, &cap), 0);
	assert_null(spans);
	assert_int_equal(cap, 0);

	/* a unit with only a summary */
	struct mps_buf out = {0};
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, &out);
	struct mps_unit_summary sum = {.lines = 3};
	assert_int_equal(bs.base.finish(&bs.base, &sum), 0);
	assert_int_equal(out.len, 0);
	assert_true(bs.finished);
	assert_int_equal(bs.summary.lines, 3);
	mps_buf_release(&out);
}

/* An encoder that appends to a buffer that already holds data (a worker
 * reuses one buffer): records go after what is there. */
static void test_block_appends(void **state)
{
	(void)state;
	struct mps_buf out = {0};
	assert_int_equal(mps_buf_append(&out, "HEAD", 4), 0);
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, &out);
	struct want_line w = {MPS_LINE_SELECTED, 3, 4, "abc", 3, {{1, 2}}, 1, true};
	assert_int_equal(push(&bs, &w), 0);
	assert_memory_equal(out.data, "HEAD", 4);
	size_t pos = 4, cap = 0;
	struct mps_span *spans = NULL;
	struct mps_line l;
	assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), 1);
	expect_line(&l, &w, out.data, out.len);
	free(spans);
	mps_buf_release(&out);
}

/* ---- flush ---- */

struct flush_ctx {
	struct mps_buf got;   /* everything flushed, in order */
	size_t calls;
	size_t min_len;       /* smallest buffer seen by a flush */
	int fail_at;          /* return an error on this call (1-based), 0 never */
	size_t flush_at;
};

static int on_flush(void *ctx, struct mps_buf *out)
{
	struct flush_ctx *f = ctx;
	f->calls++;
	assert_true(out->len >= f->flush_at);
	if (out->len < f->min_len)
		f->min_len = out->len;
	if (f->fail_at && (int)f->calls == f->fail_at)
		return -EPIPE;
	int rc = mps_buf_append(&f->got, out->data, out->len);
	out->len = 0;
	return rc;
}

static void encode_many(struct mps_block_sink *bs, size_t n, int *first_err)
{
	*first_err = 0;
	char text[300];
	for (size_t i = 0; i < n; i++) {
		size_t len = i * 37 % 300;
		for (size_t k = 0; k < len; k++)
			text[k] = (char)('A' + (i + k) % 50);
		struct mps_span sp[2] = {{0, len / 2}, {len / 2, len}};
		struct mps_line l = {.kind = i % 3 ? MPS_LINE_CONTEXT : MPS_LINE_SELECTED,
				     .lineno = (int64_t)i - 3, .offset = i * 1000, .text = text,
				     .len = len, .spans = sp, .nspans = i % 3, .owned = i % 2};
		if (l.nspans > 2)
			l.nspans = 2;
		int rc = bs->base.line(&bs->base, &l);
		if (rc && !*first_err)
			*first_err = rc;
	}
}

static void test_flush(void **state)
{
	(void)state;
	/* the reference: no flush */
	struct mps_buf ref = {0};
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, &ref);
	int err;
	encode_many(&bs, 400, &err);
	assert_int_equal(err, 0);

	size_t ats[] = {1, 26, 100, 1000, 4096, 65536, ref.len, ref.len + 1};
	for (size_t k = 0; k < sizeof(ats) / sizeof(*ats); k++) {
		struct mps_buf out = {0};
		struct flush_ctx f = {.min_len = SIZE_MAX, .flush_at = ats[k]};
		mps_block_sink_init(&bs, &out);
		bs.flush = on_flush;
		bs.ctx = &f;
		bs.flush_at = ats[k];
		encode_many(&bs, 400, &err);
		assert_int_equal(err, 0);
		/* flushed bytes followed by the rest are the reference block */
		assert_int_equal(f.got.len + out.len, ref.len);
		if (f.got.len)
			assert_memory_equal(f.got.data, ref.data, f.got.len);
		if (out.len)
			assert_memory_equal(out.data, ref.data + f.got.len, out.len);
		/* what is left is below the threshold (else it would have flushed) */
		assert_true(out.len < ats[k]);
		if (ats[k] == 1)
			assert_int_equal(f.calls, 400); /* every record */
		if (ats[k] > ref.len)
			assert_int_equal(f.calls, 0);
		if (ats[k] <= ref.len)
			assert_true(f.calls > 0);
		mps_buf_release(&out);
		mps_buf_release(&f.got);
	}

	/* flush set but flush_at left at its default: never called */
	{
		struct mps_buf out = {0};
		struct flush_ctx f = {.min_len = SIZE_MAX};
		mps_block_sink_init(&bs, &out);
		bs.flush = on_flush;
		bs.ctx = &f;
		encode_many(&bs, 50, &err);
		assert_int_equal(f.calls, 0);
		mps_buf_release(&out);
	}

	/* an error from flush comes back from line() */
	{
		struct mps_buf out = {0};
		struct flush_ctx f = {.min_len = SIZE_MAX, .fail_at = 3, .flush_at = 500};
		mps_block_sink_init(&bs, &out);
		bs.flush = on_flush;
		bs.ctx = &f;
		bs.flush_at = 500;
		encode_many(&bs, 400, &err);
		assert_int_equal(err, -EPIPE);
		mps_buf_release(&out);
		mps_buf_release(&f.got);
	}
	mps_buf_release(&ref);
}

static void test_block_overflow(void **state)
{
	(void)state;
	/* lengths that do not fit the wire are refused before text is read */
	struct mps_buf out = {0};
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, &out);
	static const char dummy[8];
	struct mps_line l = {.kind = MPS_LINE_SELECTED, .text = dummy, .len = (size_t)UINT32_MAX + 1};
	assert_int_equal(bs.base.line(&bs.base, &l), -EOVERFLOW);
	struct mps_span sp = {0, 0};
	l = (struct mps_line){.kind = MPS_LINE_SELECTED, .text = dummy, .len = 1, .spans = &sp,
			      .nspans = (size_t)UINT32_MAX};
	assert_int_equal(bs.base.line(&bs.base, &l), -EOVERFLOW);
	assert_int_equal(out.len, 0);
	mps_buf_release(&out);
}

/* ---- corrupt blocks ---- */

/* Decode blk[0, len) (copied into a buffer of exactly len bytes, so that a
 * sanitizer sees any read past the end) to its end or first error. */
static int decode_all(const unsigned char *blk, size_t len, size_t *nrec)
{
	unsigned char *copy = malloc(len ? len : 1);
	if (len)
		memcpy(copy, blk, len);
	struct mps_span *spans = NULL;
	size_t cap = 0, pos = 0;
	struct mps_line l;
	int r;
	*nrec = 0;
	while ((r = mps_block_next(copy, len, &pos, &l, &spans, &cap)) == 1) {
		(*nrec)++;
		assert_true(pos <= len);
		assert_true((const unsigned char *)l.text >= copy);
		assert_true((const unsigned char *)l.text + l.len <= copy + len);
		assert_true(l.kind == MPS_LINE_SELECTED || l.kind == MPS_LINE_CONTEXT);
		for (size_t i = 0; i < l.nspans; i++) {
			assert_true(l.spans[i].start <= l.spans[i].end);
			assert_true(l.spans[i].end <= l.len);
		}
		if (*nrec > len + 1)
			fail_msg("decoder does not advance");
	}
	free(spans);
	free(copy);
	return r;
}

static void make_block(struct mps_buf *out, size_t *ends, size_t *nends)
{
	struct mps_block_sink bs;
	mps_block_sink_init(&bs, out);
	const struct want_line lines[] = {
		{MPS_LINE_SELECTED, 1, 0, "alpha foo", 9, {{6, 9}}, 1, true},
		{MPS_LINE_CONTEXT, 2, 10, "", 0, {{0}}, 0, false},
		{MPS_LINE_SELECTED, -1, 11, "foo foo", 7, {{0, 3}, {4, 7}}, 2, true},
		{MPS_LINE_CONTEXT, 3, 19, "tail", 4, {{0}}, 0, false},
	};
	*nends = 0;
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		assert_int_equal(push(&bs, &lines[i]), 0);
		ends[(*nends)++] = out->len;
	}
}

static void test_corrupt_truncations(void **state)
{
	(void)state;
	struct mps_buf out = {0};
	size_t ends[8], nends;
	make_block(&out, ends, &nends);
	for (size_t cut = 0; cut <= out.len; cut++) {
		size_t nrec;
		int r = decode_all(out.data, cut, &nrec);
		/* records wholly inside the cut decode; the cut one is corrupt,
		 * unless the cut falls on a record boundary */
		size_t whole = 0;
		bool boundary = cut == 0;
		for (size_t i = 0; i < nends; i++) {
			if (ends[i] <= cut)
				whole++;
			boundary |= ends[i] == cut;
		}
		assert_int_equal(nrec, whole);
		if (boundary)
			assert_int_equal(r, 0);
		else if (r != MPS_ECORRUPT)
			fail_msg("cut at %zu of %zu: %d, want MPS_ECORRUPT", cut, out.len, r);
	}
	mps_buf_release(&out);
}

static void test_corrupt_fields(void **state)
{
	(void)state;
	struct mps_buf out = {0};
	size_t ends[8], nends;
	make_block(&out, ends, &nends);
	unsigned char *b = malloc(out.len);
	size_t nrec;

	/* bad kinds */
	int kinds[] = {0, 3, 4, 0x80, 0xff};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		memcpy(b, out.data, out.len);
		b[0] = (unsigned char)kinds[i];
		assert_int_equal(decode_all(b, out.len, &nrec), MPS_ECORRUPT);
		assert_int_equal(nrec, 0);
		memcpy(b, out.data, out.len);
		b[ends[1]] = (unsigned char)kinds[i]; /* the third record */
		assert_int_equal(decode_all(b, out.len, &nrec), MPS_ECORRUPT);
		assert_int_equal(nrec, 2);
	}

	/* a record with one span over text "alpha foo" (9), then a good one */
	struct {
		uint64_t start, width;
	} bad_spans[] = {{0, 10}, {9, 1}, {10, 0}, {UINT32_MAX, 0}, {0, UINT32_MAX},
			 {1ull << 32, 0}, {UINT64_MAX, 1}};
	for (size_t i = 0; i < sizeof(bad_spans) / sizeof(*bad_spans); i++) {
		struct mps_buf x = {0};
		const uint64_t sw[] = {bad_spans[i].start, bad_spans[i].width};
		rec(&x, 1 | 4, zz(1), 0, 9, 1, sw, 2, "alpha foo", 9);
		rec(&x, 1, zz(2), 10, 4, 0, NULL, 0, "tail", 4);
		assert_int_equal(decode_all(x.data, x.len, &nrec), MPS_ECORRUPT);
		assert_int_equal(nrec, 0);
		mps_buf_release(&x);
	}
	/* the same with good spans decodes: the record helper is right */
	{
		struct mps_buf x = {0};
		const uint64_t sw[] = {6, 3};
		rec(&x, 1 | 4, zz(1), 0, 9, 1, sw, 2, "alpha foo", 9);
		rec(&x, 2, zz(-2), 10, 4, 0, NULL, 0, "tail", 4);
		assert_int_equal(decode_all(x.data, x.len, &nrec), 0);
		assert_int_equal(nrec, 2);
		mps_buf_release(&x);
	}

	/* lengths and span counts that point past the block, or overflow */
	const uint64_t lens[] = {out.len, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX, 10};
	for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
		struct mps_buf x = {0};
		rec(&x, 1, zz(1), 0, lens[i], 0, NULL, 0, "alpha foo", 9);
		assert_int_equal(decode_all(x.data, x.len, &nrec), MPS_ECORRUPT);
		mps_buf_release(&x);
		x = (struct mps_buf){0};
		rec(&x, 1, zz(1), 0, 9, lens[i], NULL, 0, "alpha foo", 9);
		assert_int_equal(decode_all(x.data, x.len, &nrec), MPS_ECORRUPT);
		mps_buf_release(&x);
	}
	/* a varint wider than 64 bits */
	{
		struct mps_buf x = {0};
		unsigned char wide[] = {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
		assert_int_equal(mps_buf_append(&x, wide, sizeof(wide)), 0);
		rec(&x, 1, 0, 0, 0, 0, NULL, 0, "", 0);
		assert_int_equal(decode_all(x.data, x.len, &nrec), MPS_ECORRUPT);
		mps_buf_release(&x);
	}

	/* a length that swallows the following records exactly still decodes
	 * as one record (the format has no checksum), and never reads out */
	{
		struct mps_buf x = {0};
		rec(&x, 1, zz(1), 0, 9 + 6, 0, NULL, 0, "alpha foo", 9);
		rec(&x, 1, zz(2), 10, 1, 0, NULL, 0, "t", 1);
		assert_int_equal(x.len, 5 + 9 + 6); /* the second record is 6 bytes */
		assert_int_equal(decode_all(x.data, x.len, &nrec), 0);
		assert_int_equal(nrec, 1);
		mps_buf_release(&x);
	}

	/* a position past the end */
	struct mps_span *spans = NULL;
	size_t cap = 0, pos = out.len + 1;
	struct mps_line l;
	assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), MPS_ECORRUPT);
	pos = SIZE_MAX;
	assert_int_equal(mps_block_next(out.data, out.len, &pos, &l, &spans, &cap), MPS_ECORRUPT);
	free(spans);
	free(b);
	mps_buf_release(&out);
}

/* Random damage: whatever the bytes, decoding ends (records, then 0 or an
 * error) and every record lies inside the block. */
static void test_corrupt_random(void **state)
{
	(void)state;
	struct mps_buf out = {0};
	size_t ends[8], nends;
	make_block(&out, ends, &nends);
	unsigned char *b = malloc(out.len);
	unsigned seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(b, out.data, out.len);
		int flips = 1 + iter % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % out.len;
			seed = seed * 1103515245u + 12345u;
			b[at] = (unsigned char)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		size_t len = iter % 3 ? out.len : (seed >> 8) % (out.len + 1);
		size_t nrec;
		int r = decode_all(b, len, &nrec);
		assert_true(r == 0 || r == MPS_ECORRUPT);
	}
	/* all-garbage blocks of every small size */
	for (size_t len = 0; len < 200; len++) {
		for (int fill = 0; fill < 256; fill += 51) {
			memset(b, fill, len < out.len ? len : out.len);
			size_t nrec;
			int r = decode_all(b, len < out.len ? len : out.len, &nrec);
			assert_true(r == 0 || r == MPS_ECORRUPT);
		}
	}
	free(b);
	mps_buf_release(&out);
}

/* ---- summary ---- */

static void test_summary_wire(void **state)
{
	(void)state;
	const struct mps_unit_summary cases[] = {
		{0},
		{.lines = 1, .selected = 2, .matches = 3, .bytes = 4, .err = 0, .binary = 0},
		{.lines = UINT64_MAX, .selected = UINT64_MAX - 1, .matches = 1ull << 63,
		 .bytes = 0x0123456789abcdefull, .err = MPS_EWORKER, .binary = 1},
		{.err = -ENOENT},
		{.err = MPS_ESPLIT, .bytes = 5ull << 40},
		{.err = INT32_MIN},
		{.err = INT32_MAX, .binary = 1},
		{.nonascii = 1},
		{.binary = 1, .nonascii = 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		unsigned char w[MPS_SUMMARY_MAX + 2];
		memset(w, 0xee, sizeof(w));
		size_t n = mps_summary_encode(&cases[i], w);
		/* at most MPS_SUMMARY_MAX bytes, and put appends the same */
		assert_true(n >= 6 && n <= MPS_SUMMARY_MAX);
		assert_int_equal(w[n], 0xee);
		struct mps_buf b = {0};
		assert_int_equal(mps_summary_put(&b, &cases[i]), 0);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.data, w, n);
		mps_buf_release(&b);
		struct mps_unit_summary s;
		memset(&s, 0x77, sizeof(s));
		struct mps_cursor r = {.p = w, .len = n};
		mps_summary_decode(&r, &s);
		assert_false(r.bad);
		assert_int_equal(r.pos, n);
		assert_true(s.lines == cases[i].lines);
		assert_true(s.selected == cases[i].selected);
		assert_true(s.matches == cases[i].matches);
		assert_true(s.bytes == cases[i].bytes);
		assert_int_equal(s.err, cases[i].err);
		assert_int_equal(s.binary, cases[i].binary);
		assert_int_equal(s.nonascii, cases[i].nonascii);
		/* cut short anywhere: bad, never a read past the end */
		for (size_t k = 0; k < n; k++) {
			struct mps_cursor c = {.p = w, .len = k};
			mps_summary_decode(&c, &s);
			assert_true(c.bad);
		}
	}
	/* the codec's varints: lines first, err as its 32 bits, flags last */
	struct mps_unit_summary s = {.lines = 0x0102, .err = -2, .binary = 1};
	unsigned char w[MPS_SUMMARY_MAX];
	size_t n = mps_summary_encode(&s, w);
	assert_int_equal(n, 2 + 1 + 1 + 1 + 5 + 1);
	assert_int_equal(w[0], 0x82);
	assert_int_equal(w[1], 0x02);
	assert_int_equal(w[5], 0xfe);
	assert_int_equal(w[9], 0x0f);
	assert_int_equal(w[10], 1);
	/* nonascii is bit 1 of the flags; a flag it does not know is bad */
	w[10] = 2;
	struct mps_cursor r = {.p = w, .len = n};
	mps_summary_decode(&r, &s);
	assert_false(r.bad);
	assert_int_equal(s.binary, 0);
	assert_int_equal(s.nonascii, 1);
	w[10] = 4;
	r = (struct mps_cursor){.p = w, .len = n};
	mps_summary_decode(&r, &s);
	assert_true(r.bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_invariants),     cmocka_unit_test(test_buf_exact_growth),
		cmocka_unit_test(test_block_round_trip),   cmocka_unit_test(test_block_empty),
		cmocka_unit_test(test_block_appends),      cmocka_unit_test(test_flush),
		cmocka_unit_test(test_block_overflow),     cmocka_unit_test(test_corrupt_truncations),
		cmocka_unit_test(test_corrupt_fields),     cmocka_unit_test(test_corrupt_random),
		cmocka_unit_test(test_summary_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
