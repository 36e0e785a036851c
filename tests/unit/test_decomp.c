/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for compressed input (src/decomp.c, src/zframe.c): the format
 * sniffer, the frame walk over zstd frames, BGZF blocks and bzip2 streams,
 * and the parts of a split file, which must own every line exactly once
 * with the line numbers of an unsplit search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bzlib.h>
#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "mpsearch/decomp.h"
#include "mpsearch/error.h"
#include "mpsearch/matcher.h"
#include "mpsearch/plan.h"

#include "mem_source.h"

static void test_sniff(void **state)
{
	(void)state;
	static const struct {
		const char *p;
		size_t n;
		enum mps_zformat zip, plain;
	} cases[] = {
		{"\x1f\x8b\x08\x00", 4, MPS_Z_GZIP, MPS_Z_PLAIN},
		{"\x1f\x8b\x07\x00", 4, MPS_Z_PLAIN, MPS_Z_PLAIN}, /* not deflate */
		{"BZh91AY&SY", 10, MPS_Z_BZIP2, MPS_Z_PLAIN},
		{"BZh0", 4, MPS_Z_PLAIN, MPS_Z_PLAIN},
		{"\xfd" "7zXZ\0\0\x04", 8, MPS_Z_XZ, MPS_Z_PLAIN},
		{"\x28\xb5\x2f\xfd\x24\x05", 6, MPS_Z_ZSTD, MPS_Z_PLAIN},
		{"\x04\x22\x4d\x18\x64\x40", 6, MPS_Z_LZ4, MPS_Z_PLAIN},
		/* a skippable frame first (pzstd): the next frame's magic tells */
		{"\x50\x2a\x4d\x18\x04\0\0\0abcd\x28\xb5\x2f\xfd", 16, MPS_Z_ZSTD, MPS_Z_PLAIN},
		{"\x5f\x2a\x4d\x18\x02\0\0\0ab\x04\x22\x4d\x18", 14, MPS_Z_LZ4, MPS_Z_PLAIN},
		{"\x5d\0\0\x80\0\xff\xff\xff\xff\xff\xff\xff\xff", 13, MPS_Z_LZMA, MPS_Z_PLAIN},
		{"\x5d\0\0\x80\0\x10\0\0\0\0\0\0\0", 13, MPS_Z_LZMA, MPS_Z_PLAIN},
		{"\x5d\0\0\x70\0\x10\0\0\0\0\0\0\0", 13, MPS_Z_PLAIN, MPS_Z_PLAIN}, /* dictionary size */
		{"\x5d\0\0\x80\0\x10\0\0\0\0\x01\0\0", 13, MPS_Z_PLAIN, MPS_Z_PLAIN}, /* huge size */
		{"\xff\xfe" "a\0", 4, MPS_Z_UTF16LE, MPS_Z_UTF16LE},
		{"\xfe\xff\0a", 4, MPS_Z_UTF16BE, MPS_Z_UTF16BE},
		{"\xef\xbb\xbf" "a", 4, MPS_Z_PLAIN, MPS_Z_PLAIN},
		{"\x1f", 1, MPS_Z_PLAIN, MPS_Z_PLAIN},
		{"", 0, MPS_Z_PLAIN, MPS_Z_PLAIN},
		{"hello world\n", 12, MPS_Z_PLAIN, MPS_Z_PLAIN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *p = (const unsigned char *)cases[i].p;
		if (mps_zsniff(p, cases[i].n, true) != cases[i].zip)
			fail_msg("case %zu with zip: %d", i, mps_zsniff(p, cases[i].n, true));
		if (mps_zsniff(p, cases[i].n, false) != cases[i].plain)
			fail_msg("case %zu without zip", i);
	}
}

typedef unsigned char *(*maker)(const char *t, size_t len, size_t step, size_t *flen,
				uint64_t *starts, size_t *nstarts);

/* Lines "line N <filler>\n" for N in [0, nlines). */
static char *make_text(size_t nlines, size_t *len)
{
	size_t cap = nlines * 64 + 1, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	for (size_t i = 0; i < nlines; i++)
		n += (size_t)snprintf(t + n, cap - n, "line %zu x%.*s\n", i, (int)(i * 7 % 40),
				      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
	*len = n;
	return t;
}

/* The text cut every `step` bytes (mid-line), each piece its own zstd
 * frame, a skippable frame after the first; starts[] gets the frame
 * offsets.  Returns the file. */
static unsigned char *make_zstd(const char *t, size_t len, size_t step, size_t *flen,
				uint64_t *starts, size_t *nstarts)
{
	size_t cap = ZSTD_compressBound(len) + len / step * 64 + 64, n = 0;
	unsigned char *f = malloc(cap);
	assert_non_null(f);
	*nstarts = 0;
	for (size_t off = 0; off < len; off += step) {
		size_t k = len - off < step ? len - off : step;
		starts[(*nstarts)++] = n;
		size_t c = ZSTD_compress(f + n, cap - n, t + off, k, 3);
		assert_false(ZSTD_isError(c));
		n += c;
		if (off == 0) {
			starts[(*nstarts)++] = n;
			memcpy(f + n, "\x53\x2a\x4d\x18\x03\0\0\0xyz", 11);
			n += 11;
		}
	}
	*flen = n;
	return f;
}

/* One BGZF block of t[0, k) at f + n; returns its size. */
static size_t bgzf_block(unsigned char *f, const char *t, size_t k)
{
	static const unsigned char hdr[18] = {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0,
					      'B', 'C', 2, 0, 0, 0};
	memcpy(f, hdr, 18);
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)t;
	z.avail_in = (uInt)k;
	z.next_out = f + 18;
	z.avail_out = 70000;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t c = 18 + z.total_out;
	deflateEnd(&z);
	uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)t, (uInt)k);
	for (int i = 0; i < 4; i++) {
		f[c + i] = (unsigned char)(crc >> (8 * i));
		f[c + 4 + i] = (unsigned char)(k >> (8 * i));
	}
	c += 8;
	f[16] = (unsigned char)((c - 1) & 0xff);
	f[17] = (unsigned char)((c - 1) >> 8);
	return c;
}

static unsigned char *make_bgzf(const char *t, size_t len, size_t step, size_t *flen,
				uint64_t *starts, size_t *nstarts)
{
	unsigned char *f = malloc(len + len / step * 64 + 4096);
	assert_non_null(f);
	size_t n = 0;
	*nstarts = 0;
	for (size_t off = 0; off < len; off += step) {
		starts[(*nstarts)++] = n;
		n += bgzf_block(f + n, t + off, len - off < step ? len - off : step);
	}
	starts[(*nstarts)++] = n; /* the end-of-file block: empty */
	n += bgzf_block(f + n, "", 0);
	*flen = n;
	return f;
}

/* The text cut every `step` bytes, each piece its own bzip2 stream (as
 * pbzip2 writes them). */
static unsigned char *make_bz2(const char *t, size_t len, size_t step, size_t *flen,
			       uint64_t *starts, size_t *nstarts)
{
	size_t cap = len + len / step * 700 + 4096, n = 0;
	unsigned char *f = malloc(cap);
	assert_non_null(f);
	*nstarts = 0;
	for (size_t off = 0; off < len; off += step) {
		unsigned k = (unsigned)(len - off < step ? len - off : step), c = (unsigned)(cap - n);
		starts[(*nstarts)++] = n;
		assert_int_equal(BZ2_bzBuffToBuffCompress((char *)f + n, &c, (char *)t + off, k, 1, 0, 0),
				 BZ_OK);
		n += c;
	}
	*flen = n;
	return f;
}

/* The walk finds exactly the frame starts, for every begin and end. */
static void check_walk(enum mps_zformat fmt, const unsigned char *f, size_t flen,
		       const uint64_t *starts, size_t nstarts)
{
	struct mem m = {f, flen};
	for (uint64_t b = 0; b <= flen; b += 37) {
		uint64_t e = b + 1 + b % 500, start, stop, want_start = flen, want_stop = flen;
		for (size_t i = nstarts; i-- > 0;) {
			if (starts[i] >= b)
				want_start = starts[i];
			if (starts[i] >= e)
				want_stop = starts[i];
		}
		assert_int_equal(mps_zframes(fmt, mem_read_at, &m, flen, b, e, &start, &stop), 0);
		assert_int_equal(start, want_start);
		assert_int_equal(stop, want_stop);
	}
	/* a plain gzip member (no BGZF field) is one frame: the rest of the file */
	uint64_t start, stop;
	assert_int_equal(mps_zframes(MPS_Z_XZ, mem_read_at, &m, flen, 1, 2, &start, &stop), 0);
	assert_int_equal(start, flen);
	assert_int_equal(stop, flen);
}

static void test_walk_zstd(void **state)
{
	(void)state;
	size_t len, flen, n;
	char *t = make_text(3000, &len);
	uint64_t starts[512];
	unsigned char *f = make_zstd(t, len, 1001, &flen, starts, &n);
	check_walk(MPS_Z_ZSTD, f, flen, starts, n);
	/* damage in a block header: from that frame on, one frame */
	f[starts[3] + 6] = 0xff;
	f[starts[3] + 7] = 0xff;
	f[starts[3] + 8] = 0xff;
	struct mem m = {f, flen};
	uint64_t start, stop;
	assert_int_equal(mps_zframes(MPS_Z_ZSTD, mem_read_at, &m, flen, starts[3] + 1, UINT64_MAX,
				     &start, &stop), 0);
	assert_int_equal(start, flen);
	free(f);
	free(t);
}

static void walk_format(enum mps_zformat fmt, maker make, size_t step)
{
	size_t len, flen, n;
	char *t = make_text(3000, &len);
	uint64_t starts[512];
	unsigned char *f = make(t, len, step, &flen, starts, &n);
	check_walk(fmt, f, flen, starts, n);
	free(f);
	free(t);
}

static void test_walk_bz2(void **state)
{
	(void)state;
	walk_format(MPS_Z_BZIP2, make_bz2, 4001);
}

static void test_walk_bgzf(void **state)
{
	(void)state;
	walk_format(MPS_Z_GZIP, make_bgzf, 1500);
}

/* ---- parts ---- */

struct collect {
	struct mps_sink base;
	char *text;
	size_t len, cap;
	int64_t last;  /* line number of the last selected line */
	struct mps_unit_summary sum;
};

static int collect_line(struct mps_sink *s, const struct mps_line *l)
{
	struct collect *c = (struct collect *)s;
	if (l->kind != MPS_LINE_SELECTED || !l->owned)
		return 0;
	if (c->len + l->len + 1 > c->cap) {
		c->cap = (c->len + l->len + 1) * 2;
		c->text = realloc(c->text, c->cap);
		assert_non_null(c->text);
	}
	memcpy(c->text + c->len, l->text, l->len);
	c->len += l->len;
	c->text[c->len++] = '\n';
	/* lines are numbered from the part's first owned line */
	assert_true(l->lineno > c->last);
	c->last = l->lineno;
	return 0;
}

static int collect_finish(struct mps_sink *s, const struct mps_unit_summary *sum)
{
	((struct collect *)s)->sum = *sum;
	return 0;
}

/* Search every part of f for chunk sizes from small to whole: the parts'
 * selected lines, in order, are the text's lines, each once, and the lines
 * counted by parts before the last number the last part's lines. */
static void check_parts(const unsigned char *f, size_t flen, const char *t, size_t len, bool zip_split)
{
	char err[256];
	char *pat[] = {"line"};
	struct mps_match_opts mo = {.patterns = pat, .npatterns = 1, .syntax = MPS_FIXED};
	struct mps_matcher *m = mps_matcher_new(&mo, err, sizeof(err));
	assert_non_null(m);
	struct mps_search_opts so = {.max_count = -1, .emit_lines = true, .search_zip = true,
				     .zip_split = zip_split};
	struct mps_searcher *s = mps_searcher_new(m, &so);
	assert_non_null(s);
	int fd = memfd_create("decomp", 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, f, flen), (ssize_t)flen);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	static const uint64_t chunks[] = {100, 777, 2048, 5000, 1u << 30};
	for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
		uint32_t np = mps_plan_nparts(flen, chunks[ci]);
		struct collect c = {.base = {collect_line, collect_finish}};
		uint64_t lines_before = 0;
		for (uint32_t i = 0; i < np; i++) {
			uint64_t b = 0, e = UINT64_MAX;
			if (np > 1)
				mps_plan_part(flen, i, np, &b, &e);
			c.last = 0;
			bool handled = false;
			unsigned fl = i + 1 < np ? MPS_SEARCH_COUNT_LINES : 0;
			assert_int_equal(mps_zsearch_run(s, &so, fd, b, e, fl, &c.base, &handled), 0);
			assert_true(handled);
			assert_int_equal(c.sum.err, 0);
			if (i + 1 < np)
				lines_before += c.sum.lines;
		}
		if (c.len != len || memcmp(c.text, t, len))
			fail_msg("chunk %llu: the parts' lines are not the text's (%zu vs %zu bytes)",
				 (unsigned long long)chunks[ci], c.len, len);
		/* the last part's last line is the text's last: numbered after
		 * the lines of the parts before (when they count them) */
		if (zip_split)
			assert_int_equal(lines_before + (uint64_t)c.last, 3000);
		free(c.text);
	}
	close(fd);
	mps_searcher_free(s);
	mps_matcher_free(m);
}

/* Files of frames of several sizes, from many frames per part to fewer
 * parts than frames; zstd also with splitting off (part 0 decodes all). */
static void check_format(maker make, bool also_unsplit)
{
	size_t len, flen, n;
	char *t = make_text(3000, &len);
	uint64_t *starts = malloc((len / 97 + 4) * sizeof(*starts));
	assert_non_null(starts);
	for (size_t step = 97; step < 20000; step = step * 5 + 1) {
		unsigned char *f = make(t, len, step, &flen, starts, &n);
		check_parts(f, flen, t, len, true);
		if (also_unsplit)
			check_parts(f, flen, t, len, false);
		free(f);
	}
	free(starts);
	free(t);
}

static void test_parts_zstd(void **state)
{
	(void)state;
	check_format(make_zstd, true);
}

static void test_parts_bgzf(void **state)
{
	(void)state;
	check_format(make_bgzf, false);
}

static void test_parts_bz2(void **state)
{
	(void)state;
	check_format(make_bz2, false);
}

/* A plain file is left to the caller, untouched. */
static void test_plain_not_handled(void **state)
{
	(void)state;
	int fd = memfd_create("plain", 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a line\n", 7), 7);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct mps_search_opts so = {.search_zip = true};
	bool handled = true;
	assert_int_equal(mps_zsearch_run(NULL, &so, fd, 0, UINT64_MAX, 0, NULL, &handled), 0);
	assert_false(handled);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0); /* nothing read */
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_walk_zstd),
		cmocka_unit_test(test_walk_bgzf),
		cmocka_unit_test(test_walk_bz2),
		cmocka_unit_test(test_parts_zstd),
		cmocka_unit_test(test_parts_bgzf),
		cmocka_unit_test(test_parts_bz2),
		cmocka_unit_test(test_plain_not_handled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
