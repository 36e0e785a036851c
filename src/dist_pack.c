/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist, the pure part: pack and unpack unit lists and result records.
 *
 * Integers are varints of codec.h.
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
 *   a NUL, the summary (mps_summary_encode), block length, block bytes.
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

#include "mpsearch/codec.h"
#include "mpsearch/dist_pack.h"
#include "mpsearch/error.h"

static const unsigned char units_magic[4] = {'M', 'P', 'S', 'U'};
#define UNITS_VERSION 2
/* Flags a unit may carry on the wire; extend with new MPS_UNIT_* values. */
#define UNIT_KNOWN_FLAGS                                                                      \
	((uint64_t)(MPS_UNIT_STDIN | MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE | MPS_UNIT_WALKED |   \
		    MPS_UNIT_ID | MPS_UNIT_ID_DEV | MPS_UNIT_TREE))
/* Smallest encoded unit: 8 varints + prefix + suffix length, a byte each. */
#define UNIT_MIN_BYTES 10

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
	out->len += mps_varint_put(out->data + out->len, UNITS_VERSION);
	out->len += mps_varint_put(out->data + out->len, n);
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
		q += mps_varint_put(q, u->id - id);
		q += mps_varint_put(q, u->file - file);
		q += mps_varint_put(q, u->begin);
		q += mps_varint_put(q, u->end + 1);
		q += mps_varint_put(q, u->part);
		q += mps_varint_put(q, u->nparts);
		q += mps_varint_put(q, u->flags);
		q += mps_varint_put(q, u->root);
		if (u->flags & MPS_UNIT_ID) {
			q += mps_varint_put(q, u->fid.dev);
			q += mps_varint_put(q, u->fid.ino);
			q += mps_varint_put(q, u->fid.size);
			q += mps_varint_put(q, (uint64_t)u->fid.mtime_sec);
			q += mps_varint_put(q, (uint64_t)u->fid.mtime_nsec);
		}
		q += mps_varint_put(q, shared);
		q += mps_varint_put(q, len - shared);
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
static void get_range(struct mps_cursor *r, struct mps_unit *u)
{
	u->begin = mps_cursor_varint(r);
	u->end = mps_cursor_varint(r) - 1;
	u->part = mps_cursor_u32(r);
	u->nparts = mps_cursor_u32(r);
	uint64_t flags = mps_cursor_varint(r);
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
	struct mps_cursor r = {.p = p, .len = len};
	const unsigned char *magic = mps_cursor_bytes(&r, sizeof(units_magic));
	if (!magic || memcmp(magic, units_magic, sizeof(units_magic)) != 0)
		return MPS_ECORRUPT;
	uint64_t version = mps_cursor_varint(&r);
	uint64_t count = mps_cursor_varint(&r);
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
		x->id = id += mps_cursor_varint(&r);
		x->file = file += mps_cursor_varint(&r);
		get_range(&r, x);
		x->root = mps_cursor_u32(&r);
		if (x->flags & MPS_UNIT_ID) {
			x->fid.dev = mps_cursor_varint(&r);
			x->fid.ino = mps_cursor_varint(&r);
			x->fid.size = mps_cursor_varint(&r);
			x->fid.mtime_sec = (int64_t)mps_cursor_varint(&r);
			x->fid.mtime_nsec = (int64_t)mps_cursor_varint(&r);
		}
		x->flags &= ~(uint32_t)MPS_UNIT_ID_DEV;
		uint64_t shared = mps_cursor_varint(&r);
		size_t slen = mps_cursor_len(&r);
		const unsigned char *suffix = mps_cursor_bytes(&r, slen);
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
	size_t need = 90 + plen + 1 + MPS_SUMMARY_MAX;
	if (len > SIZE_MAX - need)
		return -ENOMEM;
	int rc = mps_buf_reserve(out, need + len);
	if (rc)
		return rc;
	unsigned char *p = out->data + out->len, *q = p;
	q += mps_varint_put(q, u->id);
	q += mps_varint_put(q, u->file);
	q += mps_varint_put(q, u->begin);
	q += mps_varint_put(q, u->end + 1);
	q += mps_varint_put(q, u->part);
	q += mps_varint_put(q, u->nparts);
	q += mps_varint_put(q, u->flags);
	q += mps_varint_put(q, plen);
	if (plen)
		memcpy(q, u->path, plen);
	q += plen;
	*q++ = '\0';
	q += mps_summary_encode(s, q);
	q += mps_varint_put(q, len);
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
	struct mps_cursor r = {.p = p, .len = len, .pos = *pos};
	struct mps_unit x = {0};
	x.id = mps_cursor_varint(&r);
	x.file = mps_cursor_varint(&r);
	get_range(&r, &x);
	size_t plen = mps_cursor_len(&r);
	const unsigned char *path = mps_cursor_bytes(&r, plen);
	const unsigned char *nul = mps_cursor_bytes(&r, 1);
	struct mps_unit_summary sum;
	mps_summary_decode(&r, &sum);
	size_t bl = mps_cursor_len(&r);
	const unsigned char *b = mps_cursor_bytes(&r, bl);
	if (r.bad || *nul != '\0' || memchr(path, '\0', plen))
		return MPS_ECORRUPT;
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
	out->len += mps_varint_put(out->data + out->len, files);
	out->len += mps_varint_put(out->data + out->len, bytes);
	return 0;
}

int mps_dist_unpack_tally(const unsigned char *p, size_t len, uint64_t *files, uint64_t *bytes)
{
	struct mps_cursor r = {.p = p, .len = len};
	*files = mps_cursor_varint(&r);
	*bytes = mps_cursor_varint(&r);
	if (r.bad || r.pos != len) {
		*files = *bytes = 0;
		return MPS_ECORRUPT;
	}
	return 0;
}

/* ---- a rank's figures: varints, seconds in microseconds ---- */

static uint64_t usec(double s)
{
	return s > 0 ? (uint64_t)(s * 1e6 + 0.5) : 0;
}

int mps_dist_pack_stats(const struct mps_rank_stats *s, struct mps_buf *out)
{
	size_t start = out->len;
	size_t hl = strnlen(s->host, sizeof(s->host) - 1);
	const uint64_t v[] = {(uint64_t)s->rank, (uint64_t)s->workers, s->units, s->bytes,
			      s->selected, s->rounds, s->dirs, s->recv_bytes, s->maxrss_kb,
			      usec(s->walk), usec(s->walk_wait), usec(s->scatter), usec(s->dispatch),
			      usec(s->search), usec(s->gather), usec(s->waited)};
	int rc = mps_buf_put_bytes(out, s->host, hl);
	for (size_t i = 0; !rc && i < sizeof(v) / sizeof(v[0]); i++)
		rc = mps_buf_put_varint(out, v[i]);
	if (rc)
		out->len = start;
	return rc;
}

int mps_dist_unpack_stats(const unsigned char *p, size_t len, struct mps_rank_stats *s)
{
	struct mps_cursor c = {.p = p, .len = len};
	memset(s, 0, sizeof(*s));
	size_t hl = mps_cursor_len(&c);
	const unsigned char *h = mps_cursor_bytes(&c, hl);
	if (h && hl < sizeof(s->host))
		memcpy(s->host, h, hl);
	else
		c.bad = 1;
	s->rank = (int)mps_cursor_u32(&c);
	s->workers = (int)mps_cursor_u32(&c);
	uint64_t *u[] = {&s->units, &s->bytes, &s->selected, &s->rounds, &s->dirs, &s->recv_bytes,
			 &s->maxrss_kb};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		*u[i] = mps_cursor_varint(&c);
	double *d[] = {&s->walk, &s->walk_wait, &s->scatter, &s->dispatch, &s->search, &s->gather,
		       &s->waited};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		*d[i] = (double)mps_cursor_varint(&c) / 1e6;
	if (c.bad || c.pos != len || memchr(s->host, '\0', hl) || s->rank < 0 || s->workers < 0)
		return MPS_ECORRUPT;
	return 0;
}
