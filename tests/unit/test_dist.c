/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the pure pack/unpack functions of dist.h
 * (src/dist_pack.c).  Decoders get exact-size heap copies, so running under
 * -fsanitize=address catches any read past the end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpsearch/dist.h"
#include "mpsearch/error.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
	unsigned char *q = malloc(n ? n : 1);
	assert_non_null(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

static void units_free(struct mps_unit *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mps_unit_release(&u[i]);
	free(u);
}

/* n random units with paths sharing prefixes, in the shape run.c makes
 * (dense ids, files split into parts) plus random oddities. */
static struct mps_unit *random_units(size_t n, bool odd)
{
	static const char *const parts[] = {"linux", "drivers", "net", "ethernet", "a",
					    "b.c", "Makefile", "sp ace", "\xff\xfe", "-x",
					    "very-long-directory-name-for-prefixes"};
	struct mps_unit *u = calloc(n ? n : 1, sizeof(*u));
	assert_non_null(u);
	uint64_t file = 0;
	for (size_t i = 0; i < n; i++) {
		char path[512] = "";
		size_t depth = 1 + rnd() % 6;
		for (size_t d = 0; d < depth; d++) {
			if (d)
				strcat(path, "/");
			strcat(path, parts[rnd() % (sizeof(parts) / sizeof(parts[0]))]);
		}
		if (odd && rnd() % 10 == 0)
			path[0] = '\0';
		u[i].id = i;
		u[i].file = file;
		uint32_t np = 1 + (uint32_t)(rnd() % 4);
		u[i].nparts = np;
		u[i].part = (uint32_t)(rnd() % np);
		u[i].begin = rnd() % 100000;
		u[i].end = u[i].part + 1 == np ? UINT64_MAX : u[i].begin + rnd() % 100000;
		u[i].flags = rnd() % 7 == 0 ? MPS_UNIT_STDIN : 0;
		if (rnd() % 3 == 0) {
			u[i].flags |= MPS_UNIT_WALKED;
			u[i].root = 1; /* at most the path's length: set below */
		}
		if (rnd() % 3 == 0) {
			/* the receiver drops MPS_UNIT_ID_DEV: sent without it */
			u[i].flags |= MPS_UNIT_ID;
			u[i].fid = (struct mps_file_id){rnd(), rnd(), rnd(), (int64_t)rnd(), (int64_t)(rnd() % 1000000000)};
		}
		if (odd) {
			switch (rnd() % 6) {
			case 0: u[i].id = rnd(); break;
			case 1: u[i].file = rnd() >> (rnd() % 64); break;
			case 2: u[i].nparts = UINT32_MAX; u[i].part = UINT32_MAX - 1; break;
			case 3: u[i].begin = UINT64_MAX; u[i].end = UINT64_MAX; break;
			default: break;
			}
		}
		/* same path for consecutive parts sometimes */
		if (i > 0 && rnd() % 3 == 0) {
			u[i].path = strdup(u[i - 1].path);
			u[i].pathlen = u[i - 1].pathlen;
		} else {
			u[i].path = strdup(path);
			u[i].pathlen = strlen(path);
			file++;
		}
		assert_non_null(u[i].path);
		if (u[i].root)
			u[i].root = (uint32_t)(rnd() % (u[i].pathlen + 1));
	}
	return u;
}

static void assert_unit_equal(const struct mps_unit *a, const struct mps_unit *b)
{
	assert_true(a->id == b->id);
	assert_true(a->file == b->file);
	assert_true(a->begin == b->begin);
	assert_true(a->end == b->end);
	assert_int_equal(a->part, b->part);
	assert_int_equal(a->nparts, b->nparts);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->root, b->root);
	if (a->flags & MPS_UNIT_ID)
		assert_memory_equal(&a->fid, &b->fid, sizeof(a->fid));
	assert_int_equal(a->pathlen, b->pathlen);
	assert_memory_equal(a->path, b->path, a->pathlen);
}

/* A decoded unit must satisfy the invariants the decoder promises. */
static void assert_unit_valid(const struct mps_unit *u)
{
	assert_non_null(u->path);
	assert_int_equal(strlen(u->path), u->pathlen);
	assert_true(u->nparts >= 1 && u->part < u->nparts);
	assert_true(u->begin <= u->end);
	assert_true((u->flags & ~(uint32_t)(MPS_UNIT_STDIN | MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE |
					     MPS_UNIT_WALKED | MPS_UNIT_ID | MPS_UNIT_ID_DEV |
					     MPS_UNIT_TREE)) == 0);
	assert_true(u->root <= u->pathlen);
}

static void roundtrip(struct mps_unit *u, size_t n)
{
	struct mps_buf b = {0};
	assert_int_equal(mps_dist_pack_units(u, n, &b), 0);
	unsigned char *copy = dup_bytes(b.data, b.len);
	struct mps_unit *got = NULL;
	size_t ngot = 99;
	assert_int_equal(mps_dist_unpack_units(copy, b.len, &got, &ngot), 0);
	assert_int_equal(ngot, n);
	for (size_t i = 0; i < n; i++) {
		assert_unit_equal(&got[i], &u[i]);
		assert_unit_valid(&got[i]);
	}
	units_free(got, ngot);
	free(copy);
	mps_buf_release(&b);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct mps_unit *)a)->path, ((const struct mps_unit *)b)->path);
}

static void test_units_roundtrip(void **state)
{
	(void)state;
	roundtrip(NULL, 0);
	for (int k = 0; k < 200; k++) {
		size_t n = (size_t)(rnd() % 60);
		struct mps_unit *u = random_units(n, k % 2 == 1);
		roundtrip(u, n);
		units_free(u, n);
	}
	/* a large list in walk order (sorted paths, whole files) stays compact
	 * thanks to front coding */
	struct mps_unit *u = random_units(20000, false);
	qsort(u, 20000, sizeof(*u), cmp_path);
	size_t raw = 0;
	for (size_t i = 0; i < 20000; i++) {
		u[i].id = u[i].file = i;
		u[i].part = 0;
		u[i].nparts = 1;
		u[i].begin = 0;
		u[i].end = UINT64_MAX;
		u[i].flags = 0;
		raw += u[i].pathlen;
	}
	struct mps_buf b = {0};
	assert_int_equal(mps_dist_pack_units(u, 20000, &b), 0);
	print_message("packed %zu bytes for %zu path bytes\n", b.len, raw);
	assert_true(b.len < raw * 3 / 5);
	mps_buf_release(&b);
	roundtrip(u, 20000);
	units_free(u, 20000);
}

static void test_units_append_and_invalid(void **state)
{
	(void)state;
	struct mps_buf b = {0};
	assert_int_equal(mps_buf_append(&b, "xyz", 3), 0);
	struct mps_unit *u = random_units(5, false);
	assert_int_equal(mps_dist_pack_units(u, 5, &b), 0);
	assert_memory_equal(b.data, "xyz", 3);
	struct mps_unit *got;
	size_t n;
	assert_int_equal(mps_dist_unpack_units(b.data + 3, b.len - 3, &got, &n), 0);
	assert_int_equal(n, 5);
	units_free(got, n);

	/* units the decoder would refuse are refused by the encoder, and the
	 * buffer is left as it was */
	size_t len = b.len;
	struct mps_unit bad = u[0];
	bad.part = bad.nparts;
	assert_int_equal(mps_dist_pack_units(&bad, 1, &b), -EINVAL);
	bad = u[0];
	bad.nparts = 0;
	bad.part = 0;
	assert_int_equal(mps_dist_pack_units(&bad, 1, &b), -EINVAL);
	bad = u[0];
	bad.begin = 10;
	bad.end = 5;
	assert_int_equal(mps_dist_pack_units(&bad, 1, &b), -EINVAL);
	bad = u[0];
	bad.flags = 0x80;
	assert_int_equal(mps_dist_pack_units(&bad, 1, &b), -EINVAL);
	bad = u[0];
	bad.path = "a\0b";
	bad.pathlen = 3;
	assert_int_equal(mps_dist_pack_units(&bad, 1, &b), -EINVAL);
	assert_int_equal(b.len, len);
	units_free(u, 5);
	mps_buf_release(&b);
}

/* Decode p[0, len) from an exact-size copy: MPS_ECORRUPT, or a valid list. */
static int try_units(const unsigned char *p, size_t len)
{
	unsigned char *copy = dup_bytes(p, len);
	struct mps_unit *got = (struct mps_unit *)1;
	size_t n = 99;
	int rc = mps_dist_unpack_units(copy, len, &got, &n);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			assert_unit_valid(&got[i]);
		units_free(got, n);
	} else {
		assert_int_equal(rc, MPS_ECORRUPT);
		assert_null(got);
		assert_int_equal(n, 0);
	}
	free(copy);
	return rc;
}

static void test_units_corrupt(void **state)
{
	(void)state;
	struct mps_unit *u = random_units(40, true);
	struct mps_buf b = {0};
	assert_int_equal(mps_dist_pack_units(u, 40, &b), 0);
	/* every truncation is detected */
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(try_units(b.data, cut), MPS_ECORRUPT);
	/* trailing garbage too */
	unsigned char *longer = malloc(b.len + 1);
	memcpy(longer, b.data, b.len);
	longer[b.len] = 0;
	assert_int_equal(try_units(longer, b.len + 1), MPS_ECORRUPT);
	free(longer);
	/* random flips: corrupt or valid, never a crash */
	unsigned char *m = malloc(b.len);
	int corrupt = 0;
	for (int k = 0; k < 20000; k++) {
		memcpy(m, b.data, b.len);
		int flips = 1 + (int)(rnd() % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = rnd() % b.len;
			if (rnd() % 2)
				m[at] ^= (unsigned char)(1u << (rnd() % 8));
			else
				m[at] = (unsigned char)rnd();
		}
		corrupt += try_units(m, b.len) == MPS_ECORRUPT;
	}
	assert_true(corrupt > 0);
	free(m);
	mps_buf_release(&b);
	units_free(u, 40);
}

static void test_units_corrupt_handmade(void **state)
{
	(void)state;
	/* header "MPSU" v2 count, then one unit:
	 * id 0, file 0, begin 0, end+1 0, part 0, nparts 1, flags 0, root 0,
	 * shared 0, suffix 1 "a" */
	static const unsigned char good[] = {'M', 'P', 'S', 'U', 2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 'a'};
	assert_int_equal(try_units(good, sizeof(good)), 0);
	unsigned char m[sizeof(good) + 16];
#define MUT(idx, val)                                                  \
	do {                                                           \
		memcpy(m, good, sizeof(good));                         \
		m[idx] = (val);                                        \
		assert_int_equal(try_units(m, sizeof(good)), MPS_ECORRUPT); \
	} while (0)
	MUT(0, 'X');   /* magic */
	MUT(4, 1);     /* version */
	MUT(5, 2);     /* count larger than the bytes */
	MUT(5, 0x7f);  /* count plausible-check */
	MUT(11, 0);    /* nparts 0 */
	MUT(10, 1);    /* part == nparts */
	/* a tree item is a known flag ... */
	memcpy(m, good, sizeof(good));
	m[12] = MPS_UNIT_TREE;
	assert_int_equal(try_units(m, sizeof(good)), 0);
	/* ... 128 is not (two varint bytes in place of one) */
	memcpy(m, good, 12);
	m[12] = 0x80;
	m[13] = 0x01;
	memcpy(m + 14, good + 13, sizeof(good) - 13);
	assert_int_equal(try_units(m, sizeof(good) + 1), MPS_ECORRUPT);
	MUT(13, 2);    /* root past the path */
	MUT(14, 1);    /* shared prefix longer than the previous path */
	MUT(15, 2);    /* suffix past the end */
	MUT(16, '\0'); /* NUL inside the path */
	/* begin > end: begin 5, end+1 5 (end 4) */
	memcpy(m, good, sizeof(good));
	m[8] = 5;
	m[9] = 5;
	assert_int_equal(try_units(m, sizeof(good)), MPS_ECORRUPT);
	/* end+1 = 0 is end = UINT64_MAX: valid */
	memcpy(m, good, sizeof(good));
	m[8] = 5;
	assert_int_equal(try_units(m, sizeof(good)), 0);
	/* an 11-byte varint, and a 10-byte one past 64 bits */
	static const unsigned char v11[] = {'M', 'P', 'S', 'U', 2, 0x80, 0x80, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	assert_int_equal(try_units(v11, sizeof(v11)), MPS_ECORRUPT);
	static const unsigned char v10[] = {'M', 'P', 'S', 'U', 2, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x02};
	assert_int_equal(try_units(v10, sizeof(v10)), MPS_ECORRUPT);
	/* part does not fit 32 bits */
	static const unsigned char p33[] = {'M', 'P', 'S', 'U', 2, 1, 0, 0, 0, 0, 0x80, 0x80, 0x80,
					    0x80, 0x10, 0x81, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 1, 'a'};
	assert_int_equal(try_units(p33, sizeof(p33)), MPS_ECORRUPT);
	/* the empty message */
	assert_int_equal(try_units(good, 0), MPS_ECORRUPT);
	static const unsigned char empty[] = {'M', 'P', 'S', 'U', 2, 0};
	assert_int_equal(try_units(empty, sizeof(empty)), 0);
#undef MUT
}

/* ---- results ---------------------------------------------------------- */

struct rrec {
	struct mps_unit u;
	struct mps_unit_summary s;
	unsigned char *block;
	size_t blen;
};

static void test_result_roundtrip(void **state)
{
	(void)state;
	enum { N = 50 };
	struct mps_unit *u = random_units(N, true);
	struct rrec r[N];
	struct mps_buf b = {0};
	for (size_t i = 0; i < N; i++) {
		r[i].u = u[i];
		/* a result record names its unit without root and file id */
		r[i].u.root = 0;
		r[i].u.flags &= ~(uint32_t)MPS_UNIT_ID;
		r[i].s = (struct mps_unit_summary){.lines = rnd(), .selected = rnd() % 1000,
						   .matches = rnd(), .bytes = rnd(),
						   .err = -(int32_t)(rnd() % 200), .binary = rnd() % 2};
		r[i].blen = i % 5 == 0 ? 0 : (size_t)(rnd() % 3000);
		r[i].block = malloc(r[i].blen + 1);
		for (size_t k = 0; k < r[i].blen; k++)
			r[i].block[k] = (unsigned char)rnd();
		assert_int_equal(mps_dist_pack_result(&r[i].u, &r[i].s, r[i].blen ? r[i].block : NULL,
						      r[i].blen, &b), 0);
	}
	unsigned char *copy = dup_bytes(b.data, b.len);
	size_t pos = 0;
	for (size_t i = 0; i < N; i++) {
		struct mps_unit gu;
		struct mps_unit_summary gs;
		const unsigned char *blk;
		size_t bl;
		assert_int_equal(mps_dist_unpack_result(copy, b.len, &pos, &gu, &gs, &blk, &bl), 1);
		assert_unit_equal(&gu, &r[i].u);
		assert_unit_valid(&gu);
		assert_true(gu.path >= (char *)copy && gu.path < (char *)copy + b.len);
		assert_true(gs.lines == r[i].s.lines && gs.selected == r[i].s.selected &&
			    gs.matches == r[i].s.matches && gs.bytes == r[i].s.bytes);
		assert_int_equal(gs.err, r[i].s.err);
		assert_int_equal(gs.binary, r[i].s.binary);
		assert_int_equal(bl, r[i].blen);
		if (bl)
			assert_memory_equal(blk, r[i].block, bl);
	}
	struct mps_unit gu;
	struct mps_unit_summary gs;
	const unsigned char *blk;
	size_t bl;
	assert_int_equal(mps_dist_unpack_result(copy, b.len, &pos, &gu, &gs, &blk, &bl), 0);
	assert_int_equal(pos, b.len);
	pos = b.len + 1;
	assert_int_equal(mps_dist_unpack_result(copy, b.len, &pos, &gu, &gs, &blk, &bl), MPS_ECORRUPT);

	/* invalid unit refused */
	struct mps_unit bad = u[0];
	bad.part = bad.nparts;
	size_t len = b.len;
	assert_int_equal(mps_dist_pack_result(&bad, &r[0].s, NULL, 0, &b), -EINVAL);
	assert_int_equal(b.len, len);

	for (size_t i = 0; i < N; i++)
		free(r[i].block);
	free(copy);
	mps_buf_release(&b);
	units_free(u, N);
}

/* Decode all records of p[0, len): returns the number decoded, or -1 if a
 * record was corrupt.  Never reads outside the copy. */
static int try_results(const unsigned char *p, size_t len)
{
	unsigned char *copy = dup_bytes(p, len);
	size_t pos = 0;
	int n = 0, rc;
	struct mps_unit u;
	struct mps_unit_summary s;
	const unsigned char *blk;
	size_t bl;
	while ((rc = mps_dist_unpack_result(copy, len, &pos, &u, &s, &blk, &bl)) == 1) {
		assert_unit_valid(&u);
		assert_true(blk >= copy && bl <= len && blk + bl <= copy + len);
		assert_true(pos <= len);
		n++;
	}
	free(copy);
	if (rc != 0) {
		assert_int_equal(rc, MPS_ECORRUPT);
		return -1;
	}
	return n;
}

static void test_result_corrupt(void **state)
{
	(void)state;
	struct mps_unit *u = random_units(6, true);
	struct mps_buf b = {0};
	size_t ends[6];
	for (size_t i = 0; i < 6; i++) {
		struct mps_unit_summary s = {.lines = i, .selected = i, .err = 0};
		unsigned char blk[100];
		memset(blk, 'x', sizeof(blk));
		assert_int_equal(mps_dist_pack_result(&u[i], &s, blk, i * 17, &b), 0);
		ends[i] = b.len;
	}
	/* truncations: at a record boundary the records before decode; inside
	 * a record it is corrupt */
	for (size_t cut = 0; cut <= b.len; cut++) {
		int whole = 0;
		bool boundary = cut == 0;
		for (size_t i = 0; i < 6; i++) {
			if (ends[i] <= cut)
				whole++;
			if (ends[i] == cut)
				boundary = true;
		}
		int got = try_results(b.data, cut);
		if (boundary)
			assert_int_equal(got, whole);
		else
			assert_int_equal(got, -1);
	}
	unsigned char *m = malloc(b.len);
	for (int k = 0; k < 20000; k++) {
		memcpy(m, b.data, b.len);
		int flips = 1 + (int)(rnd() % 4);
		for (int f = 0; f < flips; f++)
			m[rnd() % b.len] = (unsigned char)rnd();
		try_results(m, b.len);
	}
	free(m);
	/* the NUL after the path is checked */
	struct mps_buf one = {0};
	struct mps_unit_summary s = {0};
	struct mps_unit x = {.nparts = 1, .end = UINT64_MAX, .path = "ab", .pathlen = 2};
	assert_int_equal(mps_dist_pack_result(&x, &s, NULL, 0, &one), 0);
	/* id file begin end+1 part nparts flags len 'a' 'b' NUL */
	assert_int_equal(one.data[10], '\0');
	one.data[10] = 'c';
	assert_int_equal(try_results(one.data, one.len), -1);
	one.data[10] = '\0';
	one.data[8] = '\0'; /* NUL inside the path */
	assert_int_equal(try_results(one.data, one.len), -1);
	one.data[8] = 'a';
	assert_int_equal(try_results(one.data, one.len), 1);
	mps_buf_release(&one);
	mps_buf_release(&b);
	units_free(u, 6);
}

/* The end mark's tally: the files and bytes a rank did not send one by one. */
static void test_tally_roundtrip(void **state)
{
	(void)state;
	static const uint64_t cases[][2] = {{0, 0}, {1, 0}, {78579, 1298681992}, {UINT64_MAX, UINT64_MAX}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mps_buf b = {0};
		assert_int_equal(mps_dist_pack_tally(cases[i][0], cases[i][1], &b), 0);
		uint64_t f = 7, n = 7;
		assert_int_equal(mps_dist_unpack_tally(b.data, b.len, &f, &n), 0);
		assert_true(f == cases[i][0] && n == cases[i][1]);
		/* every truncation and one trailing byte are refused */
		for (size_t cut = 0; cut < b.len; cut++)
			assert_int_equal(mps_dist_unpack_tally(b.data, cut, &f, &n), MPS_ECORRUPT);
		assert_int_equal(mps_buf_append(&b, "", 1), 0);
		assert_int_equal(mps_dist_unpack_tally(b.data, b.len, &f, &n), MPS_ECORRUPT);
		mps_buf_release(&b);
	}
}

/* A rank's figures: every field back (seconds to the microsecond), and
 * every cut or changed byte count refused or decoded without reading past
 * the end. */
static void test_stats_roundtrip(void **state)
{
	(void)state;
	struct mps_rank_stats a = {.rank = 3, .workers = 16, .units = 12345, .bytes = 1ull << 40,
				   .selected = 7, .rounds = 9, .dirs = 4242, .recv_bytes = 99,
				   .maxrss_kb = 123456, .walk = 1.5, .walk_wait = 0.25,
				   .scatter = 0.000123, .dispatch = 2, .search = 30.000001,
				   .gather = 0.5, .waited = 0.75};
	snprintf(a.host, sizeof(a.host), "node-17.cluster");
	struct mps_buf b = {0};
	assert_int_equal(mps_dist_pack_stats(&a, &b), 0);
	unsigned char *p = dup_bytes(b.data, b.len);
	struct mps_rank_stats c;
	assert_int_equal(mps_dist_unpack_stats(p, b.len, &c), 0);
	assert_string_equal(c.host, a.host);
	assert_int_equal(c.rank, 3);
	assert_int_equal(c.workers, 16);
	assert_int_equal(c.bytes, a.bytes);
	assert_int_equal(c.dirs, 4242);
	assert_int_equal(c.maxrss_kb, 123456);
	assert_true(c.search > 30.0000005 && c.search < 30.0000015);
	assert_true(c.waited == 0.75 && c.scatter > 0.0001225 && c.scatter < 0.0001235);
	free(p);
	for (size_t n = 0; n < b.len; n++) {
		p = dup_bytes(b.data, n);
		assert_int_equal(mps_dist_unpack_stats(p, n, &c), MPS_ECORRUPT);
		free(p);
	}
	assert_int_equal(mps_buf_append(&b, "x", 1), 0);
	p = dup_bytes(b.data, b.len);
	assert_int_equal(mps_dist_unpack_stats(p, b.len, &c), MPS_ECORRUPT); /* trailing byte */
	free(p);
	mps_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_roundtrip),
		cmocka_unit_test(test_units_append_and_invalid),
		cmocka_unit_test(test_units_corrupt),
		cmocka_unit_test(test_units_corrupt_handmade),
		cmocka_unit_test(test_result_roundtrip),
		cmocka_unit_test(test_result_corrupt),
		cmocka_unit_test(test_tally_roundtrip),
		cmocka_unit_test(test_stats_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
