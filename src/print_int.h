/* SPDX-License-Identifier: BSD-3-Clause */
/* The printer's insides, private to src/print*.c: the printer's state, the
 * output primitives (print_fmt.c), the JSON printer (print_json.c), grep's
 * way with lines that are not UTF-8 (print_enc.c) and the walk over the
 * records of a file (print.c). */
#ifndef MPSEARCH_PRINT_INT_H
#define MPSEARCH_PRINT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mpsearch/print.h"

#define OUTBUF (1u << 16)

/* A part of the file being assembled: its block is in `held`, in the
 * spill file (when held parts pass SPILL_AT bytes, so that memory stays
 * bounded however much a split file prints), or, for a whole file, still
 * in the caller's buffer. */
struct part {
	struct mps_unit_summary sum;
	size_t off, len;
	bool spilled;
	const unsigned char *ext;
};

#define SPILL_AT (32u << 20)

struct mps_printer {
	struct mps_print_opts o;
	struct mps_diag d;
	int fd;
	struct mps_buf out;   /* pending output */
	int werr;             /* first write error */
	bool printed_any;     /* something was printed (for "--") */
	struct mps_totals t;
	/* the file being assembled */
	uint64_t file;
	bool in_file;
	char *path;
	struct mps_buf held;
	struct part *parts;
	size_t nparts, partcap;
	struct mps_span *spans;
	size_t spcap;
	struct mps_buf json; /* one file's JSON messages */
	FILE *spill;         /* unlinked temporary file, made when first needed */
	uint64_t spill_len;
	struct mps_buf back; /* a spilled part read back */
	bool quiet_done;
	int width;           /* -T: numbers are padded to this width */
	const char *head_path; /* --heading: printed before the file's first line */
	bool headed;         /* --heading: a file's path was printed */
	/* a worker's printer (print_text.c) writes into memory it does not
	 * own: out never grows or flushes, more is asked for room */
	bool fixed;
	int (*more)(void *ctx, struct mps_buf *out, size_t need);
	void *more_ctx;
};

#define C_FILE "\33[35m\33[K"
#define C_LINE "\33[32m\33[K"
#define C_SEP "\33[36m\33[K"
#define C_MATCH "\33[01;31m\33[K"
#define C_END "\33[m\33[K"

/* ---- the records of a file, in order ---- */

/* Walks the records of the parts of the file being printed: each line once
 * (context shared by two parts comes twice), with absolute line numbers,
 * and -m applied over the whole file (selected lines after the last one
 * allowed become its trailing context, then the walk stops). */
struct print_rec_it {
	size_t part;
	bool open;
	const unsigned char *blk;
	size_t len, pos;
	int64_t base, last, mline;
	uint64_t nsel;
	bool stopped;
};

/* print_fmt.c: the output buffer and the pieces of a line.  Each returns 0
 * or <0 (the first write error, or -ENOMEM). */
int print_flush(struct mps_printer *p /* in, out */);
int print_put(struct mps_printer *p /* in, out */, const void *s /* in */, size_t n);
int print_puts(struct mps_printer *p /* in, out */, const char *s /* in */);
int print_sep(struct mps_printer *p /* in, out */, char c);
int print_colored(struct mps_printer *p /* in, out */, const char *color /* in */,
		  const char *s /* in */);
int print_path(struct mps_printer *p /* in, out */, const char *path /* in */);
int print_number(struct mps_printer *p /* in, out */, uint64_t v, char sep);
int print_prefix(struct mps_printer *p /* in, out */, const char *path /* in */, int64_t lineno,
		 uint64_t col, uint64_t offset, char sep, bool empty);
int print_group_sep(struct mps_printer *p /* in, out */);
/* One record (a line, selected or context) in the standard format. */
int print_line(struct mps_printer *p /* in, out */, const char *path /* in */,
	       const struct mps_line *l /* in */, int64_t lineno, bool selected);
/* The same in ripgrep's way, for --column, --vimgrep and --multiline. */
int print_record(struct mps_printer *p /* in, out */, const char *path /* in */,
		 const struct mps_line *l /* in */, int64_t lineno, bool selected);
/* "FILE: binary file matches" on standard error, after what was printed. */
int print_note_binary(struct mps_printer *p /* in, out */, const char *path /* in */);

/* print_json.c */
/* Is s[0, n) UTF-8?  Strictly (RFC 3629) or, with glibc, as glibc's
 * mbrlen reads it in C.UTF-8 (grep's view). */
bool print_utf8_ok(const unsigned char *s /* in */, size_t n, bool glibc);
/* A "match" or "context" message into p->json. */
int print_json_line(struct mps_printer *p /* in, out */, const char *path /* in */,
		    const struct mps_line *l /* in */, int64_t lineno, bool selected);
/* The file's messages: "begin", those in p->json, then "end". */
int print_json_file(struct mps_printer *p /* in, out */, const char *path /* in */,
		    uint64_t selected, uint64_t bytes, uint64_t matches);
/* The "summary" message. */
int print_json_summary(struct mps_printer *p /* in, out */, double elapsed);

/* print_enc.c: a UTF-8 locale's lines with encoding errors (grep 3.8). */
bool print_line_bad(const struct mps_printer *p /* in */, const struct mps_line *l /* in */,
		    bool sel);
int print_encoding_errors(struct mps_printer *p /* in, out */, const char *path /* in */,
			  bool ctx, uint64_t *printed_matches /* in, out */);

/* print.c */
/* The lines a record holds after its first (with --multiline). */
int64_t print_rec_extra(const struct mps_printer *p /* in */, const struct mps_line *l /* in */);
/* 1 and the next record, 0 at the end, or <0. */
int print_rec_next(struct mps_printer *p /* in, out */, struct print_rec_it *it /* in, out */,
		   struct mps_line *l /* out */, int64_t *abs /* out */, bool *sel /* out */);
/* Report a failed spill file by its directory; MPS_ETEMP. */
int print_spill_failed(struct mps_printer *p /* in */, int err);

#endif
