/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the decoders of everything that crosses a process or
 * node boundary, fed arbitrary bytes: mps_dist_unpack_units (the packed
 * unit list), mps_dist_unpack_result (result records), mps_dist_unpack_tally
 * (the end mark of a result stream), mps_block_next (result blocks) and
 * mps_summary_decode, and the pool's wire (pool_wire.h: task batches,
 * worker frames and their payloads, late patterns).  They must return an
 * error for
 * bad input and never read outside it (the input is an exact-size heap
 * copy, so ASan sees a one-byte overrun).  What they accept must be
 * consistent, and must survive a round trip through the encoders. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/dist_pack.h"
#include "mpsearch/error.h"
#include "mpsearch/sink.h"
#include "pool_wire.h"

#include "fuzz_check.h"

static bool inside(const void *p, size_t n, const unsigned char *buf, size_t len)
{
	const unsigned char *q = p;
	return n == 0 || (q >= buf && q <= buf + len && n <= (size_t)(buf + len - q));
}

static bool same_unit(const struct mps_unit *a, const struct mps_unit *b)
{
	return a->id == b->id && a->file == b->file && a->begin == b->begin && a->end == b->end &&
	       a->part == b->part && a->nparts == b->nparts && a->flags == b->flags &&
	       a->pathlen == b->pathlen && memcmp(a->path, b->path, a->pathlen) == 0 &&
	       a->root == b->root &&
	       (!(a->flags & MPS_UNIT_ID) || memcmp(&a->fid, &b->fid, sizeof(a->fid)) == 0);
}

static bool same_summary(const struct mps_unit_summary *a, const struct mps_unit_summary *b)
{
	return a->lines == b->lines && a->selected == b->selected && a->matches == b->matches &&
	       a->bytes == b->bytes && a->err == b->err && a->binary == b->binary;
}

static void check_unit(const struct mps_unit *u)
{
	CHECK(u->nparts > 0 && u->part < u->nparts, "part %u of %u", u->part, u->nparts);
	CHECK(u->begin <= u->end, "begin %llu > end %llu", (unsigned long long)u->begin,
	      (unsigned long long)u->end);
	CHECK(u->path != NULL, "NULL path");
	CHECK(u->root <= u->pathlen, "root %u past the path", u->root);
	CHECK(strlen(u->path) == u->pathlen, "path length %zu, strlen %zu", u->pathlen,
	      strlen(u->path));
}

/* Every record of a block; returns the decoder's last answer. */
static int walk_block(const unsigned char *b, size_t len)
{
	size_t pos = 0, cap = 0;
	struct mps_span *spans = NULL;
	struct mps_line l;
	int rc;
	unsigned n = 0;
	while ((rc = mps_block_next(b, len, &pos, &l, &spans, &cap)) == 1) {
		CHECK(pos <= len, "pos %zu past %zu", pos, len);
		CHECK(inside(l.text, l.len, b, len), "text outside the block");
		CHECK(l.kind == MPS_LINE_SELECTED || l.kind == MPS_LINE_CONTEXT, "kind %d", l.kind);
		CHECK(l.nspans <= cap, "nspans %zu > cap %zu", l.nspans, cap);
		for (size_t i = 0; i < l.nspans; i++)
			CHECK(l.spans[i].start <= l.spans[i].end && l.spans[i].end <= l.len,
			      "span [%zu, %zu) outside %zu", l.spans[i].start, l.spans[i].end, l.len);
		/* re-encode and decode: the same record */
		struct mps_buf out = {0};
		struct mps_block_sink bs;
		mps_block_sink_init(&bs, &out);
		CHECK(bs.base.line(&bs.base, &l) == 0, "re-encoding a decoded record failed");
		size_t p2 = 0, cap2 = 0;
		struct mps_span *sp2 = NULL;
		struct mps_line l2;
		CHECK(mps_block_next(out.data, out.len, &p2, &l2, &sp2, &cap2) == 1 && p2 == out.len,
		      "re-encoded record does not decode");
		CHECK(l2.kind == l.kind && l2.owned == l.owned && l2.lineno == l.lineno &&
			      l2.offset == l.offset && l2.len == l.len && l2.nspans == l.nspans &&
			      memcmp(l2.text, l.text, l.len) == 0,
		      "round trip changed the record");
		free(sp2);
		mps_buf_release(&out);
		if (++n > 100000)
			break;
	}
	CHECK(rc == 1 || rc == 0 || rc == MPS_ECORRUPT || rc == -ENOMEM, "block: %d", rc);
	if (rc == 0)
		CHECK(pos == len, "end of block at %zu of %zu", pos, len);
	free(spans);
	return rc;
}

static void fuzz_units(const unsigned char *p, size_t len)
{
	struct mps_unit *u = NULL;
	size_t n = 12345;
	int rc = mps_dist_unpack_units(p, len, &u, &n);
	CHECK(rc == 0 || rc == MPS_ECORRUPT || rc == -ENOMEM, "unpack_units: %d", rc);
	if (rc) {
		CHECK(u == NULL && n == 0, "failed unpack left output");
		return;
	}
	for (size_t i = 0; i < n; i++)
		check_unit(&u[i]);
	/* round trip */
	struct mps_buf b = {0};
	CHECK(mps_dist_pack_units(u, n, &b) == 0, "pack of a decoded list failed");
	struct mps_unit *v = NULL;
	size_t m = 0;
	CHECK(mps_dist_unpack_units(b.data, b.len, &v, &m) == 0 && m == n,
	      "round trip of %zu units failed", n);
	for (size_t i = 0; i < n; i++)
		CHECK(same_unit(&u[i], &v[i]), "unit %zu changed in the round trip", i);
	for (size_t i = 0; i < n; i++) {
		mps_unit_release(&u[i]);
		mps_unit_release(&v[i]);
	}
	free(u);
	free(v);
	mps_buf_release(&b);
}

static void fuzz_results(const unsigned char *p, size_t len)
{
	size_t pos = 0;
	unsigned n = 0;
	int rc;
	for (;;) {
		struct mps_unit u;
		struct mps_unit_summary s;
		const unsigned char *blk = NULL;
		size_t blen = 0, before = pos;
		rc = mps_dist_unpack_result(p, len, &pos, &u, &s, &blk, &blen);
		CHECK(rc == 1 || rc == 0 || rc == MPS_ECORRUPT, "unpack_result: %d", rc);
		if (rc != 1) {
			if (rc == 0)
				CHECK(pos == len, "end at %zu of %zu", pos, len);
			else
				CHECK(pos == before, "a failed decode moved pos");
			break;
		}
		CHECK(pos > before && pos <= len, "pos %zu -> %zu of %zu", before, pos, len);
		check_unit(&u);
		CHECK(inside(u.path, u.pathlen + 1, p, len), "path outside the message");
		CHECK(inside(blk, blen, p, len), "block outside the message");
		CHECK(s.err <= 0 && s.binary <= 1, "summary err %d binary %d", s.err, s.binary);
		walk_block(blk, blen);
		/* round trip */
		struct mps_buf b = {0};
		CHECK(mps_dist_pack_result(&u, &s, blk, blen, &b) == 0, "pack of a decoded result failed");
		size_t p2 = 0;
		struct mps_unit u2;
		struct mps_unit_summary s2;
		const unsigned char *b2;
		size_t bl2;
		CHECK(mps_dist_unpack_result(b.data, b.len, &p2, &u2, &s2, &b2, &bl2) == 1 &&
			      p2 == b.len,
		      "re-packed result does not decode");
		CHECK(same_unit(&u, &u2) && bl2 == blen && memcmp(b2, blk, blen) == 0 &&
			      same_summary(&s, &s2),
		      "result changed in the round trip");
		mps_buf_release(&b);
		if (++n > 100000)
			break;
	}
}

static void fuzz_tally(const unsigned char *p, size_t len)
{
	uint64_t files = 1, bytes = 1;
	int rc = mps_dist_unpack_tally(p, len, &files, &bytes);
	CHECK(rc == 0 || rc == MPS_ECORRUPT, "unpack_tally: %d", rc);
	if (rc) {
		CHECK(files == 0 && bytes == 0, "failed unpack left output");
		return;
	}
	struct mps_buf b = {0};
	uint64_t f2, b2;
	CHECK(mps_dist_pack_tally(files, bytes, &b) == 0, "pack of a decoded tally failed");
	CHECK(mps_dist_unpack_tally(b.data, b.len, &f2, &b2) == 0 && f2 == files && b2 == bytes,
	      "tally changed in the round trip");
	mps_buf_release(&b);
}

/* The pool's decoders on the same bytes: what they accept points inside
 * the input and encodes back to bytes that decode the same. */
static void fuzz_pool_wire(unsigned char *p, size_t size)
{
	struct mps_task t[MPS_TASK_BATCH_MAX];
	size_t n;
	if (mps_task_batch(p, size, t, &n) == 0) {
		CHECK(n >= 1 && n <= MPS_TASK_BATCH_MAX, "batch count");
		for (size_t i = 0; i < n; i++)
			CHECK(inside(t[i].path, t[i].pathlen, p, size), "task path inside");
	}
	size_t pos = 0;
	struct mps_frame f;
	int rc;
	while ((rc = mps_frame_next(p, size, &pos, &f)) == 1) {
		CHECK(inside(f.payload, f.len, p, size) && pos <= size, "frame inside");
		uint64_t id[MPS_TASK_BATCH_MAX];
		uint32_t part[MPS_TASK_BATCH_MAX];
		struct mps_file_id fid;
		struct mps_worker_stats st;
		mps_begin_get(&f, id, part, MPS_TASK_BATCH_MAX, &n);
		mps_fid_get(&f, &fid);
		mps_stats_get(&f, &st);
	}
	CHECK(rc == 0 || rc == MPS_ECORRUPT, "frame result");
	struct mps_match_opts mo;
	if (mps_match_opts_get(p, size, &mo) == 0) {
		struct mps_buf b = {0};
		CHECK(mps_match_opts_put(&b, &mo) == 0, "patterns encode");
		struct mps_match_opts mo2;
		CHECK(mps_match_opts_get(b.data, b.len, &mo2) == 0 && mo2.npatterns == mo.npatterns,
		      "patterns round trip");
		for (size_t i = 0; i < mo.npatterns; i++) {
			CHECK(!strcmp(mo.patterns[i], mo2.patterns[i]), "pattern round trip");
			free(mo.patterns[i]);
			free(mo2.patterns[i]);
		}
		free((void *)mo.patterns);
		free((void *)mo2.patterns);
		mps_buf_release(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size copy: ASan flags any read past the end */
	unsigned char *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);

	fuzz_units(p, size);
	fuzz_results(p, size);
	fuzz_tally(p, size);
	walk_block(p, size);
	fuzz_pool_wire(p, size);
	{
		struct mps_unit_summary s, t;
		memset(&s, 0, sizeof(s)); /* the padding too: compared below */
		memset(&t, 0, sizeof(t));
		struct mps_cursor r = {.p = p, .len = size};
		mps_summary_decode(&r, &s);
		if (!r.bad) {
			/* what decodes encodes to what decodes the same */
			unsigned char w[MPS_SUMMARY_MAX];
			size_t n = mps_summary_encode(&s, w);
			struct mps_cursor c = {.p = w, .len = n};
			mps_summary_decode(&c, &t);
			CHECK(!c.bad && c.pos == n && !memcmp(&s, &t, sizeof(s)), "summary round trip");
		}
	}
	/* the same bytes after the unit-list magic, so that the decoder gets
	 * past its first check without the fuzzer having to find it */
	unsigned char *q = malloc(size + 4);
	if (q) {
		memcpy(q, "MPSU", 4);
		memcpy(q + 4, data, size);
		fuzz_units(q, size + 4);
		free(q);
	}
	free(p);
	return 0;
}
