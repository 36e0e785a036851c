/* SPDX-License-Identifier: BSD-3-Clause */
/* The format sniffer and the frame splitter (see mpsearch/decomp.h).  No
 * codec library here: the walk reads frame and block headers only.
 *
 * zstd (RFC 8878): a frame is a 4-byte magic, a header whose size follows
 * from its descriptor byte, blocks of a 3-byte header (last flag, type,
 * size) and an optional 4-byte checksum; a skippable frame is a magic
 * 0x184D2A5? and a 4-byte length.  BGZF (SAM/BAM specification): each
 * block is a gzip member whose extra field holds the subfield 'B','C' with
 * the block's total size minus one.  bzip2 streams are found by their
 * magic (see bz_next). */
#include <errno.h>
#include <string.h>

#include "mpsearch/decomp.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* .lzma ("alone") has no magic: a properties byte (lc, lp, pb), a
 * dictionary size and an uncompressed size.  xz's own rule: properties as
 * lzma_alone writes them (0x5D is the default), a dictionary size of 2^n
 * or 2^n + 2^(n-1), a size that is unknown (all ones) or below 2^38. */
static bool is_lzma(const unsigned char *p, size_t n)
{
	if (n < 13 || p[0] >= 9 * 5 * 5)
		return false;
	uint32_t d = le32(p + 1), low = d & (~d + 1); /* lowest bit set */
	if (d == 0 || (d != UINT32_MAX && d != low && d != 3 * low))
		return false;
	bool unknown = true;
	for (int i = 5; i < 13; i++)
		unknown &= p[i] == 0xff;
	return unknown || (p[12] == 0 && p[11] == 0 && p[10] == 0 && p[9] < 0x40);
}

enum mps_zformat mps_zsniff(const unsigned char *p, size_t n, bool zip)
{
	if (n >= 2 && p[0] == 0xff && p[1] == 0xfe)
		return MPS_Z_UTF16LE;
	if (n >= 2 && p[0] == 0xfe && p[1] == 0xff)
		return MPS_Z_UTF16BE;
	if (!zip)
		return MPS_Z_PLAIN;
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return MPS_Z_GZIP;
	if (n >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
		return MPS_Z_BZIP2;
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return MPS_Z_XZ;
	if (n >= 4 && le32(p) == 0xFD2FB528u)
		return MPS_Z_ZSTD;
	if (n >= 4 && le32(p) == 0x184D2204u)
		return MPS_Z_LZ4;
	if (n >= 8 && (le32(p) & 0xFFFFFFF0u) == 0x184D2A50u) {
		/* a skippable frame (pzstd starts with one), which zstd and lz4
		 * share: the frame after it tells; zstd when it is not in view */
		uint64_t next = 8 + (uint64_t)le32(p + 4);
		return next + 4 <= n && le32(p + next) == 0x184D2204u ? MPS_Z_LZ4 : MPS_Z_ZSTD;
	}
	if (is_lzma(p, n))
		return MPS_Z_LZMA;
	return MPS_Z_PLAIN;
}

/* Read exactly n bytes at off: 1 done, 0 the file ends first, <0 error. */
static int read_exact(mps_zread_at rd, void *ctx, uint64_t off, void *buf, size_t n)
{
	ssize_t k = rd(ctx, off, buf, n);
	if (k < 0)
		return (int)k;
	return (size_t)k == n;
}

/* Length of the zstd frame at off (0: not one the walk can follow). */
static int64_t zstd_frame(mps_zread_at rd, void *ctx, uint64_t off, uint64_t size)
{
	unsigned char h[8];
	int rc = read_exact(rd, ctx, off, h, 8);
	if (rc <= 0)
		return rc;
	uint32_t magic = le32(h);
	if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
		uint64_t len = 8 + (uint64_t)le32(h + 4);
		return len <= size - off ? (int64_t)len : 0;
	}
	if (magic != 0xFD2FB528u)
		return 0;
	unsigned fhd = h[4];
	if (fhd & 0x08) /* reserved bit */
		return 0;
	static const unsigned did[4] = {0, 1, 2, 4}, fcs[4] = {0, 2, 4, 8};
	bool single = fhd & 0x20;
	uint64_t p = off + 5 + !single + did[fhd & 3] + fcs[fhd >> 6] + (single && !(fhd >> 6));
	for (;;) {
		unsigned char b[3];
		if ((rc = read_exact(rd, ctx, p, b, 3)) <= 0)
			return rc;
		uint32_t bh = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		unsigned type = (bh >> 1) & 3;
		uint32_t bsize = bh >> 3;
		if (type == 3 || bsize > (128u << 10))
			return 0;
		p += 3 + (type == 1 ? 1 : bsize);
		if (p > size)
			return 0;
		if (bh & 1)
			break;
	}
	if (fhd & 0x04)
		p += 4;
	return p <= size ? (int64_t)(p - off) : 0;
}

/* Length of the BGZF block at off (0: not a BGZF block). */
static int64_t bgzf_block(mps_zread_at rd, void *ctx, uint64_t off, uint64_t size)
{
	unsigned char h[12 + 64];
	int rc = read_exact(rd, ctx, off, h, 12);
	if (rc <= 0)
		return rc;
	if (h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || !(h[3] & 4))
		return 0;
	size_t xlen = (size_t)h[10] | (size_t)h[11] << 8;
	if (xlen > sizeof(h) - 12 || (rc = read_exact(rd, ctx, off + 12, h + 12, xlen)) <= 0)
		return rc;
	for (size_t i = 12; i + 4 <= 12 + xlen;) {
		size_t slen = (size_t)h[i + 2] | (size_t)h[i + 3] << 8;
		if (h[i] == 'B' && h[i + 1] == 'C' && slen == 2 && i + 6 <= 12 + xlen) {
			uint64_t len = ((uint64_t)h[i + 4] | (uint64_t)h[i + 5] << 8) + 1;
			/* header, at least an empty deflate block, CRC and size */
			if (len < 12 + xlen + 2 + 8 || len > size - off)
				return 0;
			return (int64_t)len;
		}
		i += 4 + slen;
	}
	return 0;
}

/* A bzip2 stream has no length.  It starts with "BZh", a level digit and
 * the block magic 0x314159265359 ("1AY&SY"); the blocks inside a stream are
 * bit-aligned, so this pattern byte-aligned is a stream start but by a
 * chance of about 2^-80 per byte, and a false one fails the decoder's block
 * CRC instead of giving wrong lines.  pbzip2 and concatenation make one
 * stream per block or file.  *next: the first start at or after off. */
static int bz_next(mps_zread_at rd, void *ctx, uint64_t off, uint64_t size, uint64_t *next)
{
	unsigned char buf[1 << 16];
	*next = size;
	for (uint64_t p = off; p < size;) {
		ssize_t k = rd(ctx, p, buf, sizeof(buf));
		if (k < 0)
			return (int)k;
		if (k < 10)
			break;
		for (size_t i = 4; i + 6 <= (size_t)k;) {
			unsigned char *q = memmem(buf + i, (size_t)k - i, "1AY&SY", 6);
			if (!q)
				break;
			size_t at = (size_t)(q - buf) - 4;
			if (!memcmp(buf + at, "BZh", 3) && buf[at + 3] >= '1' && buf[at + 3] <= '9') {
				*next = p + at;
				return 0;
			}
			i = (size_t)(q - buf) + 1;
		}
		if ((size_t)k < sizeof(buf))
			break;
		p += (uint64_t)k - 9; /* a start cut by the window's end is seen again */
	}
	return 0;
}

int mps_zframes(enum mps_zformat fmt, mps_zread_at rd, void *ctx, uint64_t size, uint64_t begin,
		uint64_t end, uint64_t *start, uint64_t *stop)
{
	bool have_start = false;
	uint64_t off = 0;
	*start = *stop = size;
	if (fmt == MPS_Z_BZIP2) {
		int rc = begin == 0 ? 0 : bz_next(rd, ctx, begin, size, start);
		if (begin == 0)
			*start = 0;
		if (!rc && end < size)
			rc = bz_next(rd, ctx, end, size, stop);
		return rc;
	}
	while (off < size) {
		if (!have_start && off >= begin) {
			*start = off;
			have_start = true;
		}
		if (off >= end) {
			*stop = off;
			return 0;
		}
		int64_t len = 0;
		if (fmt == MPS_Z_ZSTD)
			len = zstd_frame(rd, ctx, off, size);
		else if (fmt == MPS_Z_GZIP)
			len = bgzf_block(rd, ctx, off, size);
		if (len < 0)
			return (int)len;
		if (len == 0)
			break; /* the rest is one frame */
		off += (uint64_t)len;
	}
	return 0;
}
