/* SPDX-License-Identifier: BSD-3-Clause */
/* Print: the sinks of the pipeline's end.  A printer receives units in
 * output order (a whole file, the parts of a split file one after another,
 * or a stream in pieces), with their result blocks and summaries, and
 * writes standard, count, files-with/without-matches, quiet or JSON output.
 * It prints each part as it comes, merges line numbers and context across
 * parts, and applies -m over the whole file; as grep, it stops printing a
 * file at the part where a NUL byte is found. */
#ifndef MPSEARCH_PRINT_H
#define MPSEARCH_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include "mpsearch/opts.h"
#include "mpsearch/plan.h"
#include "mpsearch/sink.h"

/* Where the library reports per-file problems (the driver prints them). */
struct mps_diag {
	/* a file or directory could not be searched; err is -errno or MPS_E* */
	void (*error)(void *ctx, const char *path /* in */, int err);
	/* a whole-run problem, already in words ("invalid pattern: ..."); also
	 * "FILE: binary file matches" (standard output is written out first) */
	void (*message)(void *ctx, const char *msg /* in */);
	/* --stats text, several lines */
	void (*stats)(void *ctx, const char *text /* in */);
	/* progress: bytes and files searched so far; total 0 when not known
	 * (a local run does not stat files before searching them).  Called at
	 * most ten times a second, and once with done == total at the end. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total, uint64_t files);
	void *ctx;
};

struct mps_print_opts {
	enum mps_output output;
	bool only_matching, with_filename, line_number, null, color;
	bool invert, text;
	bool binary_skip;     /* -I: a binary file has no match */
	bool byte_offset;     /* -b */
	bool initial_tab;     /* -T */
	bool null_data;       /* -z: lines end with NUL */
	bool line_buffered;   /* write out after each line (set when fd is a
				 terminal) */
	bool utf8;            /* a UTF-8 locale: as grep 3.8, a line (with -o, a
				 match) with an encoding error is not printed, and
				 "FILE: binary file matches" follows (unless text);
				 looked for in files whose summary says nonascii */
	bool context;         /* -A/-B/-C given (even 0): groups get separators,
				 as they do whenever before or after is > 0 */
	bool no_group_sep;    /* --no-group-separator */
	bool column;          /* --column (--vimgrep sets it): lines with a match
				 get its 1-based byte column after the number */
	bool vimgrep;         /* --vimgrep: a line for each match */
	bool heading;         /* --heading: the path above a file's lines (only
				 with with_filename; not with --vimgrep) */
	bool count_matches;   /* --count-matches: -c counts matches (not with -v) */
	bool multiline;       /* --multiline with a pattern that can match '\n':
				 a selected record may hold several lines
				 (ripgrep's format; -c counts matches) */
	const char *label;    /* name of standard input, or NULL; borrowed */
	const char *group_sep; /* between groups of context; NULL: "--"; borrowed */
	int64_t max_count, before, after;
};

/* Totals over a run (summed over workers and ranks). */
struct mps_totals {
	uint64_t files, files_matched, bytes, selected, matches, errors;
	uint64_t listed; /* file names printed by -l / -L */
};

struct mps_printer;

/* Write to fd (borrowed).  NULL with errno on failure. */
struct mps_printer *mps_printer_new(const struct mps_print_opts *o /* in */, int fd,
				    const struct mps_diag *d /* in */);
/* A unit's result: its block of records and its summary.  The parts of a
 * split file come one after another; each is printed at once.  Returns 0,
 * 1 when nothing more is needed (-q found a line), or <0 (-errno of a
 * failed write, MPS_ECORRUPT for a bad block). */
int mps_printer_unit(struct mps_printer *p /* in, out */, const struct mps_unit *u /* in */,
		     const unsigned char *block /* in */, size_t len,
		     const struct mps_unit_summary *sum /* in */);
/* A piece of a unit still being searched (a stream): the records found
 * since its last piece, printed at once (written out with line_buffered).
 * The unit ends with mps_printer_unit, with its last records and its
 * summary.  Returns as mps_printer_unit. */
int mps_printer_piece(struct mps_printer *p /* in, out */, const struct mps_unit *u /* in */,
		      const unsigned char *block /* in */, size_t len);
/* Write out what is pending (before waiting for a stream).  0 or -errno. */
int mps_printer_flush(struct mps_printer *p /* in, out */);
/* Files searched elsewhere that had nothing to print (no selected line,
 * no error, not split): they count in the totals only. */
void mps_printer_tally(struct mps_printer *p /* in, out */, uint64_t files, uint64_t bytes);
/* The printer's state between two units, as bytes (src/print_state.c):
 * under MPI with --output, the rank that prints the next round goes on
 * from where the last printer stopped.  Pending output is written out
 * first.  Appends to b; 0 or <0 (a write error, -ENOMEM). */
int mps_printer_save(struct mps_printer *p /* in, out */, struct mps_buf *b /* in, out */);
/* Go on from a saved state (the file in progress is replaced).  0,
 * MPS_ECORRUPT or -ENOMEM. */
int mps_printer_load(struct mps_printer *p /* in, out */, const unsigned char *b /* in */,
		     size_t n);
/* Flush; with --json print the summary message.  elapsed in seconds. */
int mps_printer_finish(struct mps_printer *p /* in, out */, double elapsed);
void mps_printer_totals(const struct mps_printer *p /* in */, struct mps_totals *t /* out */);
void mps_printer_free(struct mps_printer *p);

/* Helpers shared with the json printer and tests: write s as a JSON
 * string value or {"text":..}/{"bytes":..} object. */
int mps_json_data(struct mps_buf *b /* in, out */, const char *s /* in */, size_t n);

#endif
