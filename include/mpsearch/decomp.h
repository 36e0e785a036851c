/* SPDX-License-Identifier: BSD-3-Clause */
/* Decomp: compressed and UTF-16 input, decoded in the worker as a stream
 * that the searcher reads like a file (struct mps_reader).
 *
 * The format is told by the first bytes, never by the name: gzip (and
 * BGZF), bzip2, xz, lzma ("alone"), zstd and lz4 with --search-zip; UTF-16
 * with a byte order mark always (it is transcoded to UTF-8, as ripgrep
 * does), inside a compressed file too.  A file with no such mark is plain
 * and searched as before.
 *
 * A file made of independent frames (zstd frames, BGZF blocks, bzip2
 * streams as pbzip2 or concatenation make them) can be split
 * like a big plain file: a part [begin, end) of the compressed bytes owns
 * the frames that start inside it, and of their decoded text the lines that
 * follow a '\n' in it (part 0 also the first line).  So a part drops its
 * text up to its first '\n', and after its last frame decodes the next
 * frames only up to their first '\n'.  Each line is owned by exactly one
 * part, and a part needs nothing of the frames before it.  Every other
 * file is one frame.
 *
 * Memory: each stream holds an input buffer, the codec's window (zstd and
 * xz are limited to MPS_ZMEM_MAX) and the searcher's buffer, which a line
 * may grow to MPS_ZLINE_MAX at most: a decompression bomb fails with
 * MPS_EZMEM or MPS_ELINE instead of taking the node's memory. */
#ifndef MPSEARCH_DECOMP_H
#define MPSEARCH_DECOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "mpsearch/search.h"
#include "mpsearch/sink.h"

enum mps_zformat {
	MPS_Z_PLAIN, MPS_Z_GZIP, MPS_Z_BZIP2, MPS_Z_XZ, MPS_Z_LZMA, MPS_Z_ZSTD, MPS_Z_LZ4,
	MPS_Z_UTF16LE, MPS_Z_UTF16BE,
};

#define MPS_ZSNIFF 32                 /* bytes mps_zsniff looks at */
#define MPS_ZMEM_MAX (128u << 20)     /* codec window limit (zstd, xz) */
#define MPS_ZLINE_MAX (256u << 20)    /* longest decoded line */

/* The format of a file that starts with p[0, n) (n < MPS_ZSNIFF only for
 * a shorter file).  Compressed formats only when zip is set. */
enum mps_zformat mps_zsniff(const unsigned char *p /* in */, size_t n, bool zip);

/* ---- the frame splitter (pure: reads through a callback) ---- */

/* Read n bytes at off into buf: how many were read (fewer at the end of
 * the file), or -errno. */
typedef ssize_t (*mps_zread_at)(void *ctx, uint64_t off, void *buf /* out */, size_t n);

/* Walk the frames of a file of `size` bytes from its start: *start is the
 * first frame start at or after begin, *stop the first at or after end
 * (size when there is none).  Frames are zstd frames (skippable ones
 * included) and BGZF blocks, walked header to header, and bzip2 streams,
 * found by their magic; where the walk cannot follow the structure (another
 * format, a plain gzip member, damage) the rest of the file is one frame.
 * 0 or the -errno of a failed read. */
int mps_zframes(enum mps_zformat fmt, mps_zread_at rd, void *ctx, uint64_t size, uint64_t begin,
		uint64_t end, uint64_t *start /* out */, uint64_t *stop /* out */);

/* ---- decoding in the worker ---- */

/* Search unit [begin, end) of fd (a range of a file, or begin 0 and end
 * UINT64_MAX for all of it) if it is compressed (with o->search_zip) or
 * UTF-16, or if fd is not seekable (a pipe: the bytes read to tell are
 * put back in front).  *handled false: fd was left alone (nothing read
 * from its position) and the caller searches it as plain text.  Otherwise
 * it returns as mps_searcher_run does.  With MPS_SEARCH_SPLIT_BIG, a file
 * bigger than o->split_over made of several frames finishes with
 * MPS_ESPLIT (when o->zip_split). */
int mps_zsearch_run(struct mps_searcher *s /* in, out */, const struct mps_search_opts *o /* in */,
		    int fd, uint64_t begin, uint64_t end, unsigned flags, struct mps_sink *sink /* in */,
		    bool *handled /* out */);

#endif
