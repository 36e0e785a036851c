/* SPDX-License-Identifier: BSD-3-Clause */
/* Search: read a file (or a byte range of it) into a reused buffer, find
 * selected lines with the matcher, add line numbers and context, detect
 * binary files, and push lines into a sink. */
#ifndef MPSEARCH_SEARCH_H
#define MPSEARCH_SEARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "mpsearch/matcher.h"
#include "mpsearch/sink.h"

struct mps_search_opts {
	bool invert;
	int64_t max_count;   /* -1 none */
	int64_t before, after;
	bool text;           /* -a: NUL bytes do not make a file binary */
	/* A NUL byte makes a file binary (unless text).  Binary files are
	 * searched on with every NUL taken as a line end (grep), but no line
	 * is handed to the sink after the NUL is seen, and one selected line
	 * is enough unless lines are counted (-c).  With binary_skip (-I)
	 * the search stops at the NUL instead. */
	bool binary_skip;
	bool null_data;      /* -z: records end with NUL; '\n' is a plain byte */
	bool mark_nonascii;  /* set summary.nonascii (for the UTF-8 check of printing) */
	bool emit_lines;     /* false for -c/-l/-L/-q: count only */
	bool spans;          /* attach match spans (-o, --json, --color) */
	bool first_only;     /* -l/-L/-q: one selected line is enough */
	size_t bufsize;      /* 0 = default */
	uint64_t split_over; /* see MPS_SEARCH_SPLIT_BIG; 0 never */
	bool search_zip;     /* --search-zip: decompress (see decomp.h) */
	bool zip_split;      /* compressed files made of frames may be split */
	bool count_matches;  /* count the matches of selected lines (summary.matches)
				even when lines are not emitted (--count-matches) */
	/* --multiline, when the matcher says a match may span lines: an owned
	 * range is searched as one text that runs on MPS_PLAN_ML_OVERLAP
	 * bytes past its end (and starts as far before it, so that matches
	 * line up with the previous range's); a range owns the groups of
	 * matches whose first line it owns.  A group (matches that share
	 * lines) is one selected record of all its lines, its spans offsets
	 * in it; summary.selected counts groups, summary.matches matches. */
	bool multiline;
};

struct mps_searcher;

/* NULL with errno on failure.  The matcher is borrowed and must outlive the
 * searcher.  Free with mps_searcher_free. */
struct mps_searcher *mps_searcher_new(const struct mps_matcher *m /* in */,
				      const struct mps_search_opts *o /* in */);
void mps_searcher_free(struct mps_searcher *s);
/* Call wait(ctx) before each read of the input that may wait for more (a
 * pipe, a FIFO, a terminal), so that what was found so far can be passed
 * on (a stream's output appears as it is found).  A nonzero return ends
 * the search with that code.  wait NULL: none. */
void mps_searcher_set_wait(struct mps_searcher *s /* in, out */, int (*wait)(void *ctx), void *ctx);

/* The searcher's read buffer when search_opts.bufsize is 0.  A file whose
 * size was not known when planned (MPS_SEARCH_SPLIT_BIG) is cut into parts
 * only when its first read fills it. */
#define MPS_SEARCH_BUF (1u << 20)

/* Flags for mps_searcher_run. */
enum {
	MPS_SEARCH_COUNT_LINES = 1, /* fill summary.lines (a part other than the last) */
	MPS_SEARCH_REGULAR = 2,     /* a regular file: a short read means end of file */
	/* the size was not known when planned: if the file is bigger than
	 * opts.split_over, stop at once with summary.err = MPS_ESPLIT and
	 * summary.bytes = its size, so that it can be cut into parts */
	MPS_SEARCH_SPLIT_BIG = 4,
};

/* Search the range [begin, end) of fd (begin 0 and end UINT64_MAX: the whole
 * input, read sequentially, so pipes work).  Always calls sink->finish
 * exactly once with the summary (read errors go into summary.err); returns
 * 0, or the first nonzero value a sink callback returned. */
int mps_searcher_run(struct mps_searcher *s /* in, out */, int fd, uint64_t begin, uint64_t end,
		     unsigned flags, struct mps_sink *sink /* in */);
/* When -m stopped the search of a whole input read sequentially (standard
 * input), fd is left just after the last selected line if it can seek
 * (grep's promise for `(grep -m1 x; cat) < file`). */

/* The same for a whole regular file already read: data[0, len) is all of
 * it.  data is used in place (not changed) until it returns; a binary
 * file or -z, whose bytes the search maps, is copied first. */
int mps_searcher_run_mem(struct mps_searcher *s /* in, out */, char *data /* in */, size_t len,
			 unsigned flags, struct mps_sink *sink /* in */);

/* A source of bytes read in order (decompressed or transcoded input). */
struct mps_reader {
	/* Up to n bytes into buf: how many, 0 at the end, or a negative code
	 * (-errno or MPS_E*: the search stops there with that error). */
	ssize_t (*read)(struct mps_reader *rd /* in, out */, char *buf /* out */, size_t n);
	size_t max_buf; /* a line may not grow the buffer past this (0: no limit) */
	bool check_end; /* read to the end even when binary data stops the search,
			 * so that damage further on is reported */
	bool stream;    /* a pipe, FIFO or terminal: not read on once -m, -q or
			 * -l ended the search (it may never end) */
};

/* The same for the whole of what rd gives (read to its end; no ranges:
 * a reader that stands for a part of a file gives only the part's lines). */
int mps_searcher_run_reader(struct mps_searcher *s /* in, out */, struct mps_reader *rd /* in, out */,
			    unsigned flags, struct mps_sink *sink /* in */);

/* Count '\n' in p[0, n) (exposed for tests and benchmarks). */
size_t mps_count_newlines(const char *p /* in */, size_t n);

#endif
