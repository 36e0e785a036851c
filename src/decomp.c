/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoded input for the searcher: one stream per unit, read in order (see
 * mpsearch/decomp.h for the formats, the parts of a split file and the
 * memory bounds).
 *
 * A stream is a codec (zlib, libbz2, liblzma, libzstd, liblz4, a UTF-16
 * transcoder, or a copy for pipes) behind one step function, an input
 * buffer read with pread from the part's first frame, and the part's
 * rules: drop the text up to the first '\n' (a part other than the first),
 * read no input past the part's last frame, then decode on only up to the
 * next '\n'. */
#include <bzlib.h>
#include <errno.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "mpsearch/decomp.h"
#include "mpsearch/error.h"
#include "util.h"

#define INBUF (256u << 10)

struct zs;

/* A codec.  step decodes in[*ip, ilen) into out[*op, olen), advancing both;
 * fin: no input follows ilen.  Returns 1 when a member or frame ended at
 * *ip (the codec is ready for another one), 0 to go on, <0 on error. */
struct codec {
	int (*init)(struct zs *z /* in, out */);
	int (*step)(struct zs *z /* in, out */, const unsigned char *in /* in */, size_t *ip /* in, out */,
		    size_t ilen, unsigned char *out /* out */, size_t *op /* in, out */, size_t olen,
		    bool fin);
	void (*end)(struct zs *z /* in, out */);
};

enum phase { P_SKIP, P_OWN, P_TAIL, P_DONE };

struct u16 {
	bool be, has_carry;
	unsigned char carry;
	unsigned hi;            /* a high surrogate waiting for its pair, or 0 */
	unsigned char pend[8];  /* encoded, not yet copied out */
	size_t npend, ppos;
};

struct zs {
	struct mps_reader base; /* first: the searcher reads through it */
	const struct codec *c;
	enum mps_zformat fmt;
	int fd;
	bool seek;              /* pread from cpos; else read() */
	uint64_t cpos;          /* file offset of the next input byte to read */
	uint64_t limit;         /* no input past here (the part's last frame) */
	uint64_t fsize;         /* the file's end (UINT64_MAX: a pipe) */
	unsigned char *in;
	size_t ip, ilen;
	bool in_eof;            /* no input left up to limit */
	bool boundary;          /* the codec is between members or frames */
	bool live;              /* the codec is initialised */
	bool gz_between;        /* gzip: after a member (zero padding may follow) */
	enum phase phase;
	bool tail;              /* decode past limit up to the next '\n' */
	int err;                /* reported once the bytes before it are read */
	/* UTF-16 inside a compressed file: the decoded bytes go through mid
	 * and are transcoded into the caller's buffer */
	bool sniff16;           /* look for a byte order mark in the first bytes */
	bool t16_on;
	struct u16 t16;
	unsigned char *mid;
	size_t mip, mlen, mcap;
	bool mid_eof;
	union {
		z_stream gz;
		bz_stream bz;
		lzma_stream xz;
		ZSTD_DCtx *zd;
		LZ4F_dctx *lz;
		struct u16 u16;
	} u;
};

/* ---- codecs ---- */

static int gz_init(struct zs *z)
{
	memset(&z->u.gz, 0, sizeof(z->u.gz));
	return inflateInit2(&z->u.gz, 15 + 16) == Z_OK ? 0 : -ENOMEM;
}

static int gz_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		   unsigned char *out, size_t *op, size_t olen, bool fin)
{
	(void)fin;
	if (z->gz_between) { /* gzip skips zero padding after a member */
		while (*ip < ilen && in[*ip] == 0)
			(*ip)++;
		if (*ip == ilen)
			return 1;
		z->gz_between = false;
	}
	z_stream *g = &z->u.gz;
	g->next_in = (unsigned char *)in + *ip;
	g->avail_in = (uInt)(ilen - *ip);
	g->next_out = out + *op;
	g->avail_out = (uInt)(olen - *op);
	int r = inflate(g, Z_NO_FLUSH);
	*ip = ilen - g->avail_in;
	*op = olen - g->avail_out;
	switch (r) {
	case Z_STREAM_END:
		inflateReset(g);
		z->gz_between = true;
		return 1;
	case Z_OK:
	case Z_BUF_ERROR:
		return 0;
	case Z_MEM_ERROR:
		return -ENOMEM;
	default:
		return MPS_EZDATA;
	}
}

static void gz_end(struct zs *z)
{
	inflateEnd(&z->u.gz);
}

static int bz_init(struct zs *z)
{
	memset(&z->u.bz, 0, sizeof(z->u.bz));
	return BZ2_bzDecompressInit(&z->u.bz, 0, 0) == BZ_OK ? 0 : -ENOMEM;
}

static int bz_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		   unsigned char *out, size_t *op, size_t olen, bool fin)
{
	(void)fin;
	bz_stream *b = &z->u.bz;
	b->next_in = (char *)in + *ip;
	b->avail_in = (unsigned)(ilen - *ip);
	b->next_out = (char *)out + *op;
	b->avail_out = (unsigned)(olen - *op);
	int r = BZ2_bzDecompress(b);
	*ip = ilen - b->avail_in;
	*op = olen - b->avail_out;
	switch (r) {
	case BZ_STREAM_END: /* another stream may follow (pbzip2) */
		BZ2_bzDecompressEnd(b);
		return bz_init(z) ? -ENOMEM : 1;
	case BZ_OK:
		return 0;
	case BZ_MEM_ERROR:
		return -ENOMEM;
	default:
		return MPS_EZDATA;
	}
}

static void bz_end(struct zs *z)
{
	BZ2_bzDecompressEnd(&z->u.bz);
}

static int xz_init(struct zs *z)
{
	lzma_stream s = LZMA_STREAM_INIT;
	z->u.xz = s;
	lzma_ret r = z->fmt == MPS_Z_LZMA ? lzma_alone_decoder(&z->u.xz, MPS_ZMEM_MAX)
					  : lzma_stream_decoder(&z->u.xz, MPS_ZMEM_MAX, LZMA_CONCATENATED);
	return r == LZMA_OK ? 0 : -ENOMEM;
}

static void xz_end(struct zs *z)
{
	lzma_end(&z->u.xz);
}

static int xz_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		   unsigned char *out, size_t *op, size_t olen, bool fin)
{
	lzma_stream *x = &z->u.xz;
	x->next_in = in + *ip;
	x->avail_in = ilen - *ip;
	x->next_out = out + *op;
	x->avail_out = olen - *op;
	lzma_ret r = lzma_code(x, fin ? LZMA_FINISH : LZMA_RUN);
	*ip = ilen - x->avail_in;
	*op = olen - x->avail_out;
	switch (r) {
	case LZMA_STREAM_END:
		/* .xz streams are concatenated by the decoder itself; a .lzma
		 * one ends here, and the decoder starts again for what follows */
		xz_end(z);
		return xz_init(z) ? -ENOMEM : 1;
	case LZMA_OK:
	case LZMA_BUF_ERROR:
		return 0;
	case LZMA_MEMLIMIT_ERROR:
		return MPS_EZMEM;
	case LZMA_MEM_ERROR:
		return -ENOMEM;
	default:
		return MPS_EZDATA;
	}
}

static int zstd_init(struct zs *z)
{
	z->u.zd = ZSTD_createDCtx();
	if (!z->u.zd)
		return -ENOMEM;
	int wlog = 0;
	while ((1u << (wlog + 1)) <= MPS_ZMEM_MAX)
		wlog++;
	ZSTD_DCtx_setParameter(z->u.zd, ZSTD_d_windowLogMax, wlog);
	return 0;
}

static int zstd_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		     unsigned char *out, size_t *op, size_t olen, bool fin)
{
	(void)fin;
	ZSTD_inBuffer ib = {in, ilen, *ip};
	ZSTD_outBuffer ob = {out, olen, *op};
	size_t r = ZSTD_decompressStream(z->u.zd, &ob, &ib);
	*ip = ib.pos;
	*op = ob.pos;
	if (ZSTD_isError(r)) {
		ZSTD_ErrorCode e = ZSTD_getErrorCode(r);
		if (e == ZSTD_error_frameParameter_windowTooLarge)
			return MPS_EZMEM;
		return e == ZSTD_error_memory_allocation ? -ENOMEM : MPS_EZDATA;
	}
	return r == 0;
}

static void zstd_end(struct zs *z)
{
	ZSTD_freeDCtx(z->u.zd);
}

static int lz4_init(struct zs *z)
{
	return LZ4F_isError(LZ4F_createDecompressionContext(&z->u.lz, LZ4F_VERSION)) ? -ENOMEM : 0;
}

static int lz4_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		    unsigned char *out, size_t *op, size_t olen, bool fin)
{
	(void)fin;
	size_t dn = olen - *op, sn = ilen - *ip;
	size_t r = LZ4F_decompress(z->u.lz, out + *op, &dn, in + *ip, &sn, NULL);
	*ip += sn;
	*op += dn;
	if (LZ4F_isError(r))
		return MPS_EZDATA;
	return r == 0;
}

static void lz4_end(struct zs *z)
{
	LZ4F_freeDecompressionContext(z->u.lz);
}

/* UTF-16 to UTF-8.  A unit that is not part of a valid pair, and an odd
 * last byte, become U+FFFD (what ripgrep's decoder does).  Written here:
 * iconv stops at such a unit instead of replacing it. */
static int u16_init(struct zs *z)
{
	memset(&z->u.u16, 0, sizeof(z->u.u16));
	z->u.u16.be = z->fmt == MPS_Z_UTF16BE;
	return 0;
}

static void u16_put(struct u16 *t, unsigned cp)
{
	unsigned char *p = t->pend + t->npend;
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		t->npend += 1;
	} else if (cp < 0x800) {
		p[0] = (unsigned char)(0xc0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3f));
		t->npend += 2;
	} else if (cp < 0x10000) {
		p[0] = (unsigned char)(0xe0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		p[2] = (unsigned char)(0x80 | (cp & 0x3f));
		t->npend += 3;
	} else {
		p[0] = (unsigned char)(0xf0 | cp >> 18);
		p[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		p[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		p[3] = (unsigned char)(0x80 | (cp & 0x3f));
		t->npend += 4;
	}
}

static int u16_run(struct u16 *t, const unsigned char *in, size_t *ip, size_t ilen,
		   unsigned char *out, size_t *op, size_t olen, bool fin)
{
	for (;;) {
		while (t->ppos < t->npend && *op < olen)
			out[(*op)++] = t->pend[t->ppos++];
		if (t->ppos < t->npend)
			return 0;
		t->ppos = t->npend = 0;
		unsigned b0, b1;
		if (t->has_carry && *ip < ilen) {
			b0 = t->carry;
			b1 = in[(*ip)++];
			t->has_carry = false;
		} else if (!t->has_carry && *ip + 2 <= ilen) {
			b0 = in[*ip];
			b1 = in[*ip + 1];
			*ip += 2;
		} else {
			if (!t->has_carry && *ip < ilen) {
				t->carry = in[(*ip)++];
				t->has_carry = true;
			}
			if (!fin)
				return !t->hi && !t->has_carry;
			if (!t->hi && !t->has_carry)
				return 1;
			/* an unpaired surrogate or an odd byte at the end (or
			 * both): one U+FFFD, as ripgrep's decoder gives */
			u16_put(t, 0xfffd);
			t->hi = 0;
			t->has_carry = false;
			continue;
		}
		unsigned u = t->be ? b0 << 8 | b1 : b1 << 8 | b0;
		if (t->hi) {
			if (u >= 0xdc00 && u <= 0xdfff) {
				u16_put(t, 0x10000 + ((t->hi - 0xd800) << 10) + (u - 0xdc00));
				t->hi = 0;
				continue;
			}
			u16_put(t, 0xfffd);
			t->hi = 0;
		}
		if (u >= 0xd800 && u <= 0xdbff)
			t->hi = u;
		else
			u16_put(t, u >= 0xdc00 && u <= 0xdfff ? 0xfffd : u);
	}
}

static int u16_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		    unsigned char *out, size_t *op, size_t olen, bool fin)
{
	return u16_run(&z->u.u16, in, ip, ilen, out, op, olen, fin);
}

static void no_end(struct zs *z)
{
	(void)z;
}

/* Plain bytes from a pipe: copied. */
static int copy_step(struct zs *z, const unsigned char *in, size_t *ip, size_t ilen,
		     unsigned char *out, size_t *op, size_t olen, bool fin)
{
	(void)z;
	(void)fin;
	size_t n = ilen - *ip < olen - *op ? ilen - *ip : olen - *op;
	memcpy(out + *op, in + *ip, n);
	*ip += n;
	*op += n;
	return *ip == ilen;
}

static int copy_init(struct zs *z)
{
	(void)z;
	return 0;
}

static const struct codec codecs[] = {
	[MPS_Z_PLAIN] = {copy_init, copy_step, no_end},
	[MPS_Z_GZIP] = {gz_init, gz_step, gz_end},
	[MPS_Z_BZIP2] = {bz_init, bz_step, bz_end},
	[MPS_Z_XZ] = {xz_init, xz_step, xz_end},
	[MPS_Z_LZMA] = {xz_init, xz_step, xz_end},
	[MPS_Z_ZSTD] = {zstd_init, zstd_step, zstd_end},
	[MPS_Z_LZ4] = {lz4_init, lz4_step, lz4_end},
	[MPS_Z_UTF16LE] = {u16_init, u16_step, no_end},
	[MPS_Z_UTF16BE] = {u16_init, u16_step, no_end},
};

/* ---- the stream ---- */

static int refill(struct zs *z)
{
	z->ip = z->ilen = 0;
	size_t want = INBUF;
	if (z->limit - z->cpos < want)
		want = (size_t)(z->limit - z->cpos);
	if (want == 0) {
		z->in_eof = true;
		return 0;
	}
	ssize_t n;
	do
		n = z->seek ? pread(z->fd, z->in, want, (off_t)z->cpos) : read(z->fd, z->in, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		z->in_eof = true;
	z->ilen = (size_t)n;
	z->cpos += (uint64_t)n;
	return 0;
}

/* The new output p[0, k) under the part's rules; returns what is kept. */
static size_t cut(struct zs *z, unsigned char *p, size_t k)
{
	unsigned char *nl;
	switch (z->phase) {
	case P_SKIP:
		nl = memchr(p, '\n', k);
		if (!nl)
			return 0;
		z->phase = P_OWN;
		k -= (size_t)(nl + 1 - p);
		memmove(p, nl + 1, k);
		return k;
	case P_OWN:
		return k;
	case P_TAIL:
		nl = memchr(p, '\n', k);
		if (!nl)
			return k;
		z->phase = P_DONE;
		return (size_t)(nl + 1 - p);
	case P_DONE:
		break;
	}
	return 0;
}

/* The input up to limit is decoded, and the codec is between frames. */
static void input_end(struct zs *z)
{
	if (z->phase == P_OWN && z->tail && z->limit < z->fsize) {
		z->phase = P_TAIL;
		z->limit = z->fsize;
		z->in_eof = false;
	} else {
		z->phase = P_DONE;
	}
}

/* Decode up to n bytes into out: how many, 0 at the end, or an error
 * (after the bytes before it have been returned). */
static ssize_t decode(struct zs *z, unsigned char *out, size_t n)
{
	size_t op = 0;
	while (op < n && z->phase != P_DONE && !z->err) {
		if (z->ip == z->ilen && !z->in_eof) {
			if (op > 0 && !z->seek)
				break; /* a stream: what came so far, before waiting for more */
			z->err = refill(z);
			continue;
		}
		size_t i0 = z->ip, o0 = op;
		int rc = z->c->step(z, z->in, &z->ip, z->ilen, out, &op, n, z->in_eof);
		bool progress = z->ip != i0 || op != o0;
		op = o0 + cut(z, out + o0, op - o0);
		if (rc < 0) {
			z->err = rc;
			break;
		}
		if (rc == 1)
			z->boundary = true;
		else if (progress)
			z->boundary = false;
		if (z->ip == z->ilen && z->in_eof && (rc == 1 || !progress)) {
			if (z->boundary)
				input_end(z);
			else /* a frame goes on past the part's last one: the walk was wrong */
				z->err = z->limit < z->fsize && z->phase != P_TAIL ? MPS_EZDATA : MPS_EZTRUNC;
		} else if (!progress && z->ip < z->ilen) {
			z->err = MPS_EZDATA; /* stuck with input and room */
		}
	}
	if (op > 0)
		return (ssize_t)op;
	return z->err;
}

static bool is_bom16(const unsigned char *p, size_t n)
{
	return n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff));
}

/* Transcode the decoded UTF-16 text into out. */
static ssize_t transcode(struct zs *z, unsigned char *out, size_t n)
{
	size_t op = 0;
	while (op < n) {
		if (z->mip == z->mlen && !z->mid_eof) {
			ssize_t k = decode(z, z->mid, z->mcap);
			if (k < 0 && op > 0)
				break; /* the error comes back at the next call */
			if (k < 0)
				return k;
			z->mip = 0;
			z->mlen = (size_t)k;
			z->mid_eof = k == 0;
		}
		size_t o0 = op, i0 = z->mip;
		int rc = u16_run(&z->t16, z->mid, &z->mip, z->mlen, out, &op, n, z->mid_eof);
		if (rc == 1 && z->mid_eof && op == o0 && z->mip == i0)
			break; /* all out */
	}
	return (ssize_t)op;
}

static ssize_t zs_read(struct mps_reader *rd, char *buf, size_t n)
{
	struct zs *z = (struct zs *)rd;
	unsigned char *out = (unsigned char *)buf;
	if (z->t16_on)
		return transcode(z, out, n);
	ssize_t k = decode(z, out, n);
	if (!z->sniff16 || k <= 0)
		return k;
	z->sniff16 = false;
	z->mcap = (size_t)k > INBUF ? (size_t)k : INBUF;
	if (!is_bom16(out, (size_t)k) || !(z->mid = malloc(z->mcap)))
		return k;
	/* the rest of what was decoded is UTF-16: keep it in mid */
	z->t16_on = true;
	z->t16.be = out[0] == 0xfe;
	z->mlen = (size_t)k - 2;
	memcpy(z->mid, out + 2, z->mlen);
	return transcode(z, out, n);
}

static ssize_t fd_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
	return off > INT64_MAX ? 0 : mps_read_full(*(const int *)ctx, buf, n, (int64_t)off);
}

/* A stream of fmt decoding [start, stop) of fd (a file of fsize bytes), the
 * codec ready (live) unless there is nothing to decode.  NULL without memory. */
static struct zs *zs_new(enum mps_zformat fmt, int fd, bool seek, uint64_t start, uint64_t stop,
			 uint64_t fsize)
{
	struct zs *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->in = malloc(INBUF);
	if (!z->in) {
		free(z);
		return NULL;
	}
	z->base.read = zs_read;
	z->base.max_buf = fmt == MPS_Z_PLAIN ? 0 : MPS_ZLINE_MAX;
	z->base.check_end = fmt != MPS_Z_PLAIN;
	z->c = &codecs[fmt];
	z->fmt = fmt;
	z->fd = fd;
	z->seek = seek;
	z->base.stream = !seek;
	z->cpos = start;
	z->limit = stop;
	z->fsize = fsize;
	z->boundary = true;
	z->phase = start >= stop && seek ? P_DONE : P_OWN;
	if (z->phase != P_DONE)
		z->live = z->c->init(z) == 0;
	return z;
}

static void zs_free(struct zs *z)
{
	if (z->live)
		z->c->end(z);
	free(z->in);
	free(z->mid);
	free(z);
}

/* Does the decoded text of the file start with a UTF-16 byte order mark?
 * (Every part of a split file asks, so that all agree.) */
static bool starts_utf16(enum mps_zformat fmt, int fd, uint64_t size)
{
	struct zs *z = zs_new(fmt, fd, true, 0, size, size);
	unsigned char b[2];
	size_t got = 0;
	while (z && z->live && got < 2) {
		ssize_t k = decode(z, b + got, 2 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (z)
		zs_free(z);
	return is_bom16(b, got);
}

static int finish_with(struct mps_sink *sink, int err, uint64_t bytes)
{
	struct mps_unit_summary sum = {.err = err, .bytes = bytes};
	return sink->finish(sink, &sum);
}

int mps_zsearch_run(struct mps_searcher *s, const struct mps_search_opts *o, int fd, uint64_t begin,
		    uint64_t end, unsigned flags, struct mps_sink *sink, bool *handled)
{
	*handled = false;
	struct stat st;
	if (fstat(fd, &st))
		return 0; /* the plain path reports it */
	/* standard input may be a file read from elsewhere than its start */
	bool seek = S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_CUR) == 0;
	if (!seek && begin > 0)
		return 0;
	unsigned char head[MPS_ZSNIFF];
	/* a stream gives what it has: without -z two bytes tell (a UTF-16
	 * byte order mark), so a line that comes alone is searched at once */
	size_t want = seek || o->search_zip ? sizeof(head) : 2;
	ssize_t nh = mps_read_full(fd, head, want, seek ? 0 : -1);
	if (nh < 0 && seek)
		return 0;
	if (nh < 0) {
		*handled = true;
		return finish_with(sink, (int)nh, 0);
	}
	enum mps_zformat fmt = mps_zsniff(head, (size_t)nh, o->search_zip);
	if (fmt == MPS_Z_PLAIN && seek)
		return 0;
	*handled = true;
	uint64_t size = seek ? (uint64_t)st.st_size : UINT64_MAX, start = 0, stop = size;
	bool splits = seek && o->zip_split &&
		      (fmt == MPS_Z_ZSTD || fmt == MPS_Z_GZIP || fmt == MPS_Z_BZIP2);
	bool whole = begin == 0 && end == UINT64_MAX;
	if (whole && splits && (flags & MPS_SEARCH_SPLIT_BIG) && o->split_over && size > o->split_over) {
		uint64_t a, b;
		if (!mps_zframes(fmt, fd_read_at, &fd, size, 0, 1, &a, &b) && b < size)
			return finish_with(sink, MPS_ESPLIT, size);
	}
	bool compressed = fmt != MPS_Z_PLAIN && fmt != MPS_Z_UTF16LE && fmt != MPS_Z_UTF16BE;
	if (!whole && splits && compressed && starts_utf16(fmt, fd, size))
		splits = false; /* UTF-16 inside: cut at no '\n' byte, one unit */
	if (!whole && splits) {
		int rc = mps_zframes(fmt, fd_read_at, &fd, size, begin, end, &start, &stop);
		if (rc)
			return finish_with(sink, rc, 0);
	} else if (!whole) {
		start = begin == 0 ? 0 : size; /* one frame: part 0 decodes it all */
	}
	if (!splits) /* the other parts are empty: their line numbers do not matter */
		flags &= ~(unsigned)MPS_SEARCH_COUNT_LINES;
	if ((fmt == MPS_Z_UTF16LE || fmt == MPS_Z_UTF16BE) && start == 0)
		start = 2; /* the byte order mark */
	struct zs *z = zs_new(fmt, fd, seek, start, stop, size);
	if (!z)
		return finish_with(sink, -ENOMEM, 0);
	z->tail = splits && stop < size;
	if (begin > 0 && z->phase != P_DONE)
		z->phase = P_SKIP;
	z->sniff16 = compressed && begin == 0;
	if (!seek) { /* the bytes read to tell the format come first */
		memcpy(z->in, head, (size_t)nh);
		z->ilen = (size_t)nh;
		z->cpos = (uint64_t)nh;
		if (!compressed && fmt != MPS_Z_PLAIN)
			z->ip = 2; /* the byte order mark */
	}
	int rc = z->live ? 0 : z->phase == P_DONE ? 0 : -ENOMEM;
	if (rc)
		rc = finish_with(sink, rc, 0);
	else
		rc = mps_searcher_run_reader(s, &z->base,
					     flags & ~(unsigned)(MPS_SEARCH_SPLIT_BIG | MPS_SEARCH_REGULAR), sink);
	zs_free(z);
	return rc;
}
