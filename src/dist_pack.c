/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist, the pure part: pack and unpack unit lists and result records.
 *
 * Integers are LEB128 varints (7 bits a byte, low first, at most 10 bytes;
 * a 10th byte may only hold the top bit of a 64-bit value).
 *
 * Unit list:
 *   "MPSU" version(varint, 1) count(varint)
 *   per unit: id delta, file delta (both modulo 2^64 against the previous
 *   unit, starting from 0), begin, end + 1 (modulo 2^64: 0 is UINT64_MAX),
 *   part, nparts, flags, root, with MPS_UNIT_ID the file id (dev, ino,
 *   size, mtime seconds and nanoseconds, the seconds modulo 2^64), then the
 *   path front-coded against the previous unit's path: shared prefix
 *   length, suffix length, suffix bytes.  A receiver clears
 *   MPS_UNIT_ID_DEV: device numbers of a shared file system differ from
 *   host to host.
 *
 * Result record:
 *   id, file, begin, end + 1, part, nparts, flags, path length, path bytes,
 *   a NUL, MPS_SUMMARY_WIRE bytes of summary, block length, block bytes.
 *   The NUL lets the decoded path point into the message as a C string.
 *
 * Tally (the payload of a stream's end mark): files, bytes, as varints;
 *   files that had nothing to print are not sent one by one, only counted.
 *
 * Decoders check every length against the bytes left, reject a varint that
 * does not fit 64 bits, a count larger than the bytes could hold, part >=
 * nparts, begin > end, unknown flags, NUL bytes inside paths, a positive
 * summary error and trailing garbage, and return MPS_ECORRUPT; they never
 * read outside [p, p + len).  Encoders refuse (-EINVAL) a unit the decoder
 * would reject, and leave out->len as it was when they fail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/dist.h"
#include "mpsearch/error.h"

static const unsigned char units_magic[4] = {'M', 'P', 'S', 'U'};
#define UNITS_VERSION 2
/* Flags a unit may carry on the wire; extend with new MPS_UNIT_* values. */
#define UNIT_KNOWN_FLAGS                                                                      \
	((uint64_t)(MPS_UNIT_STDIN | MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE | MPS_UNIT_WALKED |   \
		    MPS_UNIT_ID | MPS_UNIT_ID_DEV))
/* Smallest encoded unit: 8 varints + prefix + suffix length, a byte each. */
#define UNIT_MIN_BYTES 10

/* ---- varints ---------------------------------------------------------- */

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

struct rd {
	const unsigned char *p;
	size_t len, pos;
	int bad;
};

static uint64_t get_varint(struct rd *r)
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

static uint32_t get_u32(struct rd *r)
{
	uint64_t v = get_varint(r);
	if (v > UINT32_MAX)
		r->bad = 1;
	return (uint32_t)v;
}

/* A length that must fit in the bytes left. */
static size_t get_len(struct rd *r)
{
	uint64_t v = get_varint(r);
	if (r->bad || v > r->len - r->pos) {
		r->bad = 1;
		return 0;
	}
	return (size_t)v;
}

static const unsigned char *get_bytes(struct rd *r, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *q = r->p + r->pos;
	r->pos += n;
	return q;
}

/* ---- writing ---------------------------------------------------------- */

static size_t path_len(const struct mps_unit *u)
{
	return u->path ? u->pathlen : 0;
}

/* Is u something the decoder would accept? */
static int unit_check(const struct mps_unit *u)
{
	if (u->nparts == 0 || u->part >= u->nparts || u->begin > u->end ||
	    (u->flags & ~UNIT_KNOWN_FLAGS) || (!u->path && u->pathlen) || u->root > path_len(u) ||
	    (u->path && memchr(u->path, '\0', u->pathlen)))
		return -EINVAL;
	return 0;
}

int mps_dist_pack_units(const struct mps_unit *units, size_t n, struct mps_buf *out)
{
	for (size_t i = 0; i < n; i++)
		if (unit_check(&units[i]))
			return -EINVAL;
	size_t start = out->len;
	int rc = mps_buf_reserve(out, sizeof(units_magic) + 20);
	if (rc)
		return rc;
	memcpy(out->data + out->len, units_magic, sizeof(units_magic));
	out->len += sizeof(units_magic);
	out->len += put_varint(out->data + out->len, UNITS_VERSION);
	out->len += put_varint(out->data + out->len, n);
	uint64_t id = 0, file = 0;
	const char *prev = "";
	size_t prevlen = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mps_unit *u = &units[i];
		size_t len = path_len(u);
		size_t shared = 0, max = len < prevlen ? len : prevlen;
		while (shared < max && prev[shared] == u->path[shared])
			shared++;
		/* 15 varints of at most 10 bytes, then the suffix */
		rc = mps_buf_reserve(out, 150 + (len - shared));
		if (rc) {
			out->len = start;
			return rc;
		}
		unsigned char *p = out->data + out->len, *q = p;
		q += put_varint(q, u->id - id);
		q += put_varint(q, u->file - file);
		q += put_varint(q, u->begin);
		q += put_varint(q, u->end + 1);
		q += put_varint(q, u->part);
		q += put_varint(q, u->nparts);
		q += put_varint(q, u->flags);
		q += put_varint(q, u->root);
		if (u->flags & MPS_UNIT_ID) {
			q += put_varint(q, u->fid.dev);
			q += put_varint(q, u->fid.ino);
			q += put_varint(q, u->fid.size);
			q += put_varint(q, (uint64_t)u->fid.mtime_sec);
			q += put_varint(q, (uint64_t)u->fid.mtime_nsec);
		}
		q += put_varint(q, shared);
		q += put_varint(q, len - shared);
		if (len > shared) {
			memcpy(q, u->path + shared, len - shared);
			q += len - shared;
		}
		out->len += (size_t)(q - p);
		id = u->id;
		file = u->file;
		prev = len ? u->path : "";
		prevlen = len;
	}
	return 0;
}

static void units_free(struct mps_unit *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].path);
	free(u);
}

/* The common unit fields, in wire order after id and file. */
static void get_range(struct rd *r, struct mps_unit *u)
{
	u->begin = get_varint(r);
	u->end = get_varint(r) - 1;
	u->part = get_u32(r);
	u->nparts = get_u32(r);
	uint64_t flags = get_varint(r);
	if (flags & ~UNIT_KNOWN_FLAGS)
		r->bad = 1;
	u->flags = (uint32_t)flags;
	if (u->nparts == 0 || u->part >= u->nparts || u->begin > u->end)
		r->bad = 1;
}

int mps_dist_unpack_units(const unsigned char *p, size_t len, struct mps_unit **units, size_t *n)
{
	*units = NULL;
	*n = 0;
	struct rd r = {.p = p, .len = len};
	const unsigned char *magic = get_bytes(&r, sizeof(units_magic));
	if (!magic || memcmp(magic, units_magic, sizeof(units_magic)) != 0)
		return MPS_ECORRUPT;
	uint64_t version = get_varint(&r);
	uint64_t count = get_varint(&r);
	if (r.bad || version != UNITS_VERSION || count > (r.len - r.pos) / UNIT_MIN_BYTES)
		return MPS_ECORRUPT;
	struct mps_unit *u = count ? calloc((size_t)count, sizeof(*u)) : NULL;
	if (count && !u)
		return -ENOMEM;
	uint64_t id = 0, file = 0;
	const char *prev = "";
	size_t prevlen = 0, i;
	for (i = 0; i < count; i++) {
		struct mps_unit *x = &u[i];
		x->id = id += get_varint(&r);
		x->file = file += get_varint(&r);
		get_range(&r, x);
		x->root = get_u32(&r);
		if (x->flags & MPS_UNIT_ID) {
			x->fid.dev = get_varint(&r);
			x->fid.ino = get_varint(&r);
			x->fid.size = get_varint(&r);
			x->fid.mtime_sec = (int64_t)get_varint(&r);
			x->fid.mtime_nsec = (int64_t)get_varint(&r);
		}
		x->flags &= ~(uint32_t)MPS_UNIT_ID_DEV;
		uint64_t shared = get_varint(&r);
		size_t slen = get_len(&r);
		const unsigned char *suffix = get_bytes(&r, slen);
		if (r.bad || shared > prevlen || memchr(suffix, '\0', slen) ||
		    x->root > (uint64_t)shared + slen)
			break;
		size_t plen = (size_t)shared + slen;
		x->path = malloc(plen + 1);
		if (!x->path) {
			units_free(u, i);
			return -ENOMEM;
		}
		memcpy(x->path, prev, (size_t)shared);
		memcpy(x->path + shared, suffix, slen);
		x->path[plen] = '\0';
		x->pathlen = plen;
		prev = x->path;
		prevlen = plen;
	}
	if (i < count || r.pos != r.len) {
		units_free(u, count);
		return MPS_ECORRUPT;
	}
	*units = u;
	*n = (size_t)count;
	return 0;
}

int mps_dist_pack_result(const struct mps_unit *u, const struct mps_unit_summary *s,
			 const unsigned char *block, size_t len, struct mps_buf *out)
{
	if (unit_check(u) || (len && !block))
		return -EINVAL;
	size_t plen = path_len(u);
	/* 9 varints of at most 10 bytes, the path and its NUL, the summary */
	size_t need = 90 + plen + 1 + MPS_SUMMARY_WIRE;
	if (len > SIZE_MAX - need)
		return -ENOMEM;
	int rc = mps_buf_reserve(out, need + len);
	if (rc)
		return rc;
	unsigned char *p = out->data + out->len, *q = p;
	q += put_varint(q, u->id);
	q += put_varint(q, u->file);
	q += put_varint(q, u->begin);
	q += put_varint(q, u->end + 1);
	q += put_varint(q, u->part);
	q += put_varint(q, u->nparts);
	q += put_varint(q, u->flags);
	q += put_varint(q, plen);
	if (plen)
		memcpy(q, u->path, plen);
	q += plen;
	*q++ = '\0';
	mps_summary_encode(s, q);
	q += MPS_SUMMARY_WIRE;
	q += put_varint(q, len);
	if (len)
		memcpy(q, block, len);
	q += len;
	out->len += (size_t)(q - p);
	return 0;
}

int mps_dist_unpack_result(const unsigned char *p, size_t len, size_t *pos, struct mps_unit *u,
			   struct mps_unit_summary *s, const unsigned char **block, size_t *blen)
{
	if (*pos > len)
		return MPS_ECORRUPT;
	if (*pos == len)
		return 0;
	struct rd r = {.p = p, .len = len, .pos = *pos};
	struct mps_unit x = {0};
	x.id = get_varint(&r);
	x.file = get_varint(&r);
	get_range(&r, &x);
	size_t plen = get_len(&r);
	const unsigned char *path = get_bytes(&r, plen);
	const unsigned char *nul = get_bytes(&r, 1);
	const unsigned char *wire = get_bytes(&r, MPS_SUMMARY_WIRE);
	size_t bl = get_len(&r);
	const unsigned char *b = get_bytes(&r, bl);
	if (r.bad || *nul != '\0' || memchr(path, '\0', plen))
		return MPS_ECORRUPT;
	struct mps_unit_summary sum;
	mps_summary_decode(wire, &sum);
	if (sum.err > 0 || sum.binary > 1)
		return MPS_ECORRUPT;
	x.path = (char *)path; /* borrowed from p: the caller must not release u */
	x.pathlen = plen;
	*u = x;
	*s = sum;
	*block = b;
	*blen = bl;
	*pos = r.pos;
	return 1;
}

int mps_dist_pack_tally(uint64_t files, uint64_t bytes, struct mps_buf *out)
{
	int rc = mps_buf_reserve(out, 20);
	if (rc)
		return rc;
	out->len += put_varint(out->data + out->len, files);
	out->len += put_varint(out->data + out->len, bytes);
	return 0;
}

int mps_dist_unpack_tally(const unsigned char *p, size_t len, uint64_t *files, uint64_t *bytes)
{
	struct rd r = {.p = p, .len = len};
	*files = get_varint(&r);
	*bytes = get_varint(&r);
	if (r.bad || r.pos != len) {
		*files = *bytes = 0;
		return MPS_ECORRUPT;
	}
	return 0;
}
