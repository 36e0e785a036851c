/* SPDX-License-Identifier: BSD-3-Clause */
/* Sink and result blocks.
 *
 * The searcher pushes lines into a sink.  The one sink that matters is the
 * block encoder: it turns a unit's lines into a self-contained, serialisable
 * block of records, which is what workers send to their parent and what MPI
 * ranks send to rank 0.  A block is a sequence of records; the unit's summary
 * travels separately.  Both are in the one codec of codec.h (a record: a
 * byte kind | owned << 2, varints zigzag(lineno), offset, len, nspans,
 * start and width of each span, the text); a decoder validates every
 * length before trusting it. */
#ifndef MPSEARCH_SINK_H
#define MPSEARCH_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mpsearch/buf.h"
#include "mpsearch/codec.h"
#include "mpsearch/types.h"

enum mps_line_kind { MPS_LINE_SELECTED = 1, MPS_LINE_CONTEXT = 2 };

/* One line handed to a sink; text is borrowed until the call returns and
 * excludes the '\n'. lineno is relative to the unit's first owned line
 * (1-based; context before it may be 0 or negative). */
struct mps_line {
	enum mps_line_kind kind;
	int64_t lineno;
	uint64_t offset;        /* absolute byte offset of the line in the file */
	const char *text;
	size_t len;
	const struct mps_span *spans; /* match spans (only when asked for) */
	size_t nspans;
	bool owned;             /* starts inside the unit's range */
};

/* What a unit found, filled by the searcher. */
struct mps_unit_summary {
	uint64_t lines;         /* lines owned by the range (starts inside it) */
	uint64_t selected;      /* owned selected lines (capped by -m) */
	uint64_t matches;       /* spans counted when spans were asked for */
	uint64_t bytes;         /* bytes read */
	int32_t err;            /* 0, -errno or MPS_E* */
	uint8_t binary;         /* a NUL byte was seen */
	uint8_t nonascii;       /* a line handed to the sink has a byte >= 0x80
				   (noted only when asked: mark_nonascii) */
};

struct mps_sink {
	int (*line)(struct mps_sink *s, const struct mps_line *l /* in */);
	int (*finish)(struct mps_sink *s, const struct mps_unit_summary *sum /* in */);
};

/* Block encoder: a sink that appends records to out.  When out grows past
 * flush_at bytes, flush (if set) is called with the buffer so far, which it
 * must consume (set out->len = 0) or return an error. */
struct mps_block_sink {
	struct mps_sink base;
	struct mps_buf *out;
	size_t flush_at;
	int (*flush)(void *ctx, struct mps_buf *out /* in, out */);
	void *ctx;
	struct mps_unit_summary summary; /* copied by finish */
	bool finished;
};
void mps_block_sink_init(struct mps_block_sink *bs /* out */, struct mps_buf *out /* in */);

/* Decode the record at *pos of block[0, len): fills l (text points into
 * block, spans into *spans, an array of *cap entries the decoder grows with
 * realloc; the caller frees it) and advances *pos.  Returns 1 when a record
 * was decoded, 0 at the end, MPS_ECORRUPT or -ENOMEM. */
int mps_block_next(const unsigned char *block /* in */, size_t len, size_t *pos /* in, out */,
		   struct mps_line *l /* out */, struct mps_span **spans /* in, out */,
		   size_t *cap /* in, out */);

/* The summary on the wire (pipes and MPI messages), in the one codec
 * (codec.h): at most MPS_SUMMARY_MAX bytes. encode writes at w and
 * returns the bytes used; put appends (0 or -ENOMEM); decode reads at r
 * (r->bad set on anything malformed, including flags it does not know). */
#define MPS_SUMMARY_MAX (6 * MPS_VARINT_MAX)
size_t mps_summary_encode(const struct mps_unit_summary *s /* in */, unsigned char *w /* out */);
int mps_summary_put(struct mps_buf *b /* in, out */, const struct mps_unit_summary *s /* in */);
void mps_summary_decode(struct mps_cursor *r /* in, out */, struct mps_unit_summary *s /* out */);

#endif
