/* SPDX-License-Identifier: BSD-3-Clause */
/* Results written once: a worker formats the lines of a unit itself, into
 * memory it is given (its output ring, outring.h), and the pool's consumer
 * writes that text as it is, in order (mps_printer_text).  Only a unit
 * whose text depends on nothing before it but its line number base is
 * formatted so: a whole file or a part of one (not standard input), printed
 * line by line (not JSON, -c, -l, -q), with no context, no -m, no
 * --heading, no -T, no --vimgrep, no --multiline and no --line-buffered
 * (mps_print_text_ok).  A unit found
 * binary, with a line grep would not print (an encoding error), with an
 * error, or with more text than the room goes the usual way (records), so
 * that every answer stays the printer's.  Private to src/. */
#ifndef MPSEARCH_PRINT_TEXT_H
#define MPSEARCH_PRINT_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "mpsearch/buf.h"
#include "mpsearch/print.h"
#include "mpsearch/sink.h"

struct mps_oring;

/* Can units be formatted in the workers under these options? */
bool mps_print_text_ok(const struct mps_print_opts *o /* in */);
/* Can this unit (its MPS_UNIT_* flags)?  A part of a split file needs
 * the base of its line numbers too (see outring.h). */
bool mps_print_text_unit(unsigned flags);

/* More room for the text: make out->alloc at least out->len + need (out
 * stays where it is), or return non-zero (the unit goes the usual way). */
typedef int (*mps_text_room_fn)(void *ctx, struct mps_buf *out /* in, out */, size_t need);

/* A sink that formats the lines it gets into mem[0, room). */
struct mps_text_sink {
	struct mps_sink base;
	struct mps_printer *p;
	const char *path;
	int64_t lines_before; /* lines before the unit (a part of a split file) */
	uint64_t printed;  /* matches printed (what -o and --color count) */
	struct mps_unit_summary summary;
	bool failed;       /* out of room, or a line the printer must judge */
};

/* A printer that writes into memory only, for mps_text_sink_init. */
struct mps_printer *mps_printer_text_new(const struct mps_print_opts *o /* in */);
void mps_text_sink_init(struct mps_text_sink *ts /* out */, struct mps_printer *p /* in, out */,
			const char *path /* in */, unsigned char *mem /* in */, size_t room,
			mps_text_room_fn more, void *ctx);
/* The text's length, and whether it is the unit's whole answer (else the
 * unit goes the usual way). */
size_t mps_text_sink_len(const struct mps_text_sink *ts /* in */);
bool mps_text_sink_done(const struct mps_text_sink *ts /* in */);
/* Format the records of block[0, len) (a block sink's) instead of lines
 * from a search: 0, or non-zero when the unit must go the usual way. */
int mps_text_sink_records(struct mps_text_sink *ts /* in, out */, const unsigned char *block /* in */,
			  size_t len);
/* The printer lets go of the memory (call before reusing or freeing it). */
void mps_text_sink_close(struct mps_text_sink *ts /* in, out */);

/* Print the text [off, off + len) of ring for unit u, whose summary is
 * sum: the totals as mps_printer_unit would count them, then the text.
 * 0, 1 when nothing more is needed, or <0 (the first write error). */
int mps_printer_text(struct mps_printer *p /* in, out */, const struct mps_unit *u /* in */,
		     const struct mps_unit_summary *sum /* in */, uint64_t printed,
		     struct mps_oring *ring /* in */, uint64_t off, uint64_t len);

#endif
