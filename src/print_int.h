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
#include "util.h"

#define OUTBUF (1u << 16)

/* The part (or piece) being printed: its block, in the caller's buffer. */
struct part {
	struct mps_unit_summary sum;
	size_t len;
	const unsigned char *ext;
};

/* A record kept for grep's encoding-error rule (text and spans owned). */
struct print_erec {
	int64_t abs;
	bool sel;
	struct mps_line l;
};

/* grep's state under that rule (print_enc.c). */
struct print_enc {
	bool on;              /* the rule is in force for the rest of the file */
	struct print_erec *v; /* the records a later try may need, by line */
	size_t n, cap;
	int64_t lastout;      /* the line after the last one printed; 0: none */
	int64_t pending;      /* after-context still owed */
	bool run_open;        /* a prtext's selected lines may go on (-v) */
	int64_t run_last;
	bool bad;             /* a line was left out */
};

/* Walks the records of p->parts: each line once (context shared by two
 * parts comes twice), with absolute line numbers, and -m applied over the
 * whole file (selected lines after the last one allowed become its
 * trailing context, then the walk stops).  Carried from part to part. */
struct print_rec_it {
	size_t part;
	bool open;
	const unsigned char *blk;
	size_t len, pos;
	int64_t base, last, mline;
	uint64_t nsel;
	bool stopped;
};

/* What becomes of the rest of the file being printed. */
enum print_file_state {
	PRINT_FILE_LIVE,    /* each part (or piece of a stream) is printed as
			       it comes */
	PRINT_FILE_ENC,     /* grep's encoding-error rule triggered in a part:
			       from it on, records go through print_enc.c */
	PRINT_FILE_BINARY,  /* a part saw a NUL byte: from it on nothing is
			       printed ("binary file matches" once, when a line
			       is selected there or later) */
	PRINT_FILE_STOPPED, /* nothing more to print: a part failed (reported),
			       -l listed the file, or it is skipped */
};

/* The per-file state carried from one part of a file (or one piece of a
 * stream) to the next: the one place that says where the file's output
 * stands.  Opened by the file's first part or piece, closed by its last
 * part.  A writer of already formatted pieces asks print_file_live()
 * before writing and updates this state the same way. */
struct print_file {
	bool open;
	uint64_t file;          /* unit->file */
	char *path;             /* as printed (the label for stdin); owned */
	enum print_file_state state;
	bool skipped;           /* MPS_ESKIP: the walk would not search it */
	int err;                /* the first failed part's error (reported) */
	bool skip_bin;          /* -I and a NUL was seen: no match, in the end */
	bool note_due;          /* "binary file matches" owed (said at its end) */
	struct print_rec_it it; /* line base, last line printed, -m state */
	int64_t prev;           /* the last line printed, for "--" */
	int64_t last_sel;       /* the last line of the last selected record */
	uint64_t selected, matches, bytes; /* sums of the parts so far */
	uint64_t early_sel;     /* selected before the first NUL (-l/-L/-q: grep
				   stops at the first match) */
	uint64_t bin_matches;   /* matches from the part with the NUL on */
	uint64_t printed_matches, sel_lines;
	uint64_t piece_sel;     /* selected records printed from pieces of the
				   unit in progress (a stream) */
	bool begun;             /* a line of it was printed or held */
	bool in_pieces;         /* its unit in progress came in pieces */
	bool json_begun;        /* the JSON "begin" message was written */
	uint64_t json_bytes;    /* JSON bytes written for the file */
	struct print_enc enc;   /* grep's encoding-error rule, once in force */
};

/* Is the file in progress still printing its lines the usual way (not
 * binary, not stopped, not under grep's encoding-error rule)? */
bool print_file_live(const struct mps_printer *p /* in */);
/* Open the file of u unless it is the one in progress; 0 or <0. */
int print_file_enter(struct mps_printer *p /* in, out */, const struct mps_unit *u /* in */);
/* Its first line is about to be printed (--heading's path is due). */
void print_file_begin_lines(struct mps_printer *p /* in, out */);
/* Its last part was taken in: totals and the end of its output.  0 or <0. */
int print_file_close(struct mps_printer *p /* in, out */, const struct mps_unit *u /* in */);

struct mps_printer {
	struct mps_print_opts o;
	struct mps_diag d;
	int fd;
	struct mps_buf out;   /* pending output */
	int werr;             /* first write error */
	bool printed_any;     /* something was printed (for "--") */
	struct mps_totals t;
	struct print_file f;  /* the file in progress */
	struct part *parts;   /* the part being printed (see struct part) */
	size_t nparts, partcap;
	struct mps_span *spans;
	size_t spcap;
	struct mps_buf json;  /* one JSON message */
	bool quiet_done;
	int width;            /* -T: numbers are padded to this width */
	const char *head_path; /* --heading: printed before the file's first line */
	bool headed;          /* --heading: a file's path was printed */
	/* a worker's printer (print_text.c) writes into memory it does not
	 * own: out never grows or flushes, more is asked for room */
	bool fixed;
	int (*more)(void *ctx, struct mps_buf *out, size_t need);
	void *more_ctx;
	/* the path as printed before each line (in color), kept for the
	 * lines of one file: pfx_path is cleared when a file starts */
	const char *pfx_path;
	struct mps_buf pfx;
};

#define C_FILE "\33[35m\33[K"
#define C_LINE "\33[32m\33[K"
#define C_SEP "\33[36m\33[K"
#define C_MATCH "\33[01;31m\33[K"
#define C_END "\33[m\33[K"

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
/* A "match" or "context" message, after the file's "begin" message when
 * it is the first (p->f says). */
int print_json_line(struct mps_printer *p /* in, out */, const char *path /* in */,
		    const struct mps_line *l /* in */, int64_t lineno, bool selected);
/* The file's "end" message (after its "begin": p->f.json_begun). */
int print_json_end(struct mps_printer *p /* in, out */, const char *path /* in */,
		   uint64_t selected, uint64_t bytes, uint64_t matches);
/* The "summary" message. */
int print_json_summary(struct mps_printer *p /* in, out */, double elapsed);

/* print_enc.c: a UTF-8 locale's lines with encoding errors (grep 3.8). */
bool print_line_bad(const struct mps_printer *p /* in */, const struct mps_line *l /* in */,
		    bool sel);
/* Put grep's rule in force from the next record on (after the lines
 * printed up to p->f.prev, the last selected one ending at p->f.last_sel). */
void print_enc_start(struct mps_printer *p /* in, out */);
/* One record under the rule (ctx: groups get "--"). */
int print_enc_record(struct mps_printer *p /* in, out */, const struct mps_line *l /* in */,
		     int64_t abs, bool sel, bool ctx);
/* The file's end: the after-context owed, the note owed. */
int print_enc_end(struct mps_printer *p /* in, out */);
void print_enc_release(struct print_enc *e /* in, out */);

/* print.c */
/* The lines a record holds after its first (with --multiline). */
int64_t print_rec_extra(const struct mps_printer *p /* in */, const struct mps_line *l /* in */);
/* 1 and the next record, 0 at the end, or <0. */
int print_rec_next(struct mps_printer *p /* in, out */, struct print_rec_it *it /* in, out */,
		   struct mps_line *l /* out */, int64_t *abs /* out */, bool *sel /* out */);

#endif
