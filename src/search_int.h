/* SPDX-License-Identifier: BSD-3-Clause */
/* The searcher's insides, private to src/search.c (the line scanner) and
 * src/search_ml.c (--multiline). */
#ifndef MPSEARCH_SEARCH_INT_H
#define MPSEARCH_SEARCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpsearch/search.h"

struct mps_searcher {
	const struct mps_matcher *m;
	struct mps_matcher_scratch *ms;
	struct mps_search_opts o;
	char *buf;
	size_t cap;
	struct mps_span *spans;
	size_t spcap;
	char *zbuf; /* -z: a line with its bytes swapped back */
	size_t zcap;
	int (*wait)(void *ctx); /* mps_searcher_set_wait */
	void *wait_ctx;
};

enum mode { M_OWNED, M_TAIL, M_DONE };
#define STOP 0x5370 /* internal: stop the matcher scan */

struct run {
	struct mps_searcher *s;
	const struct mps_search_opts *o; /* &ro */
	struct mps_search_opts ro; /* the searcher's, narrowed once a file is binary */
	struct mps_sink *sink;
	int fd;
	struct mps_reader *rd; /* read through it instead of fd */
	bool seq;         /* read() instead of pread() */
	uint64_t end;     /* range end (file offset) */
	uint64_t boff;    /* file offset of buf[0] */
	size_t len;       /* valid bytes in buf */
	bool eof, last_nl; /* end of input seen; last byte read was '\n' */
	size_t scan;      /* next unprocessed line start */
	size_t cnt_pos;   /* line numbering: line cnt_line starts at cnt_pos */
	int64_t cnt_line;
	bool numbers;     /* line numbers are needed */
	bool regular;     /* short read == end of file (saves a read per file) */
	bool out_valid;   /* out_end is inside buf */
	size_t out_end;   /* just after the last emitted line */
	int64_t out_line; /* its number */
	int64_t after_left;
	enum mode mode;
	size_t gap;       /* -v: start of the lines not yet known to match */
	struct mps_unit_summary sum;
	int cbrc;         /* a sink callback's nonzero return */
	uint64_t first;   /* offset of the first owned line */
	uint64_t rbegin;  /* range begin */
	uint64_t counted_to; /* bytes of the range counted up to here */
	bool max_hit;     /* -m stopped the search */
	uint64_t sel_end; /* offset just after the last owned selected line */
	bool ml;          /* --multiline with a pattern that can match '\n' */
	size_t ml_from;   /* --multiline: where matches may start (see lookback) */
	const struct mps_span *pre; /* --multiline: the spans of the group being
				     * emitted (offsets in it), else NULL */
	size_t npre;
	bool pre_nl;      /* the group's record keeps its final '\n' (a match
			   * ends after it: ripgrep's JSON shows it) */
};

/* search.c */
/* Read more into the buffer (doubling it when full); 0 or <0. */
int search_read(struct run *r /* in, out */);
/* Restart the buffer at file offset start and read up to first (a line
 * start), where scan is then; 0, <0, or MPS_ETRUNC if the file ends
 * before. */
int search_read_from(struct run *r /* in, out */, uint64_t start, uint64_t first);
/* The number of the line that starts at pos (pos moves forward only). */
int64_t search_lineno(struct run *r /* in, out */, size_t pos);
/* Start of the line `back` lines before line start pos, not below lim. */
size_t search_lines_back(const char *buf /* in */, size_t pos, int64_t back, size_t lim);
/* The end of the line that holds p (its '\n', or lim). */
size_t search_line_end(struct run *r /* in */, size_t p, size_t lim);
/* Emit pending after-context lines that lie before pos. */
int search_flush_after(struct run *r /* in, out */, size_t pos);
/* A selected line (or --multiline group of lines) [ls, le); STOP when the
 * search is over. */
int search_selected(struct run *r /* in, out */, size_t ls, size_t le, bool owned);
/* -v: every line of [a, b) is selected. */
int search_gap(struct run *r /* in, out */, size_t a, size_t b);
/* The search is over because the file is binary and -I skips it. */
bool search_binary_stop(const struct run *r /* in */);

/* search_ml.c: the owned lines of a range with --multiline, searched as
 * one text (see there).  0, STOP or <0. */
int search_multiline(struct run *r /* in, out */);
/* --multiline at a range's start: read from up to MPS_PLAN_ML_OVERLAP
 * bytes before its first line, first (a file offset). */
int search_ml_lookback(struct run *r /* in, out */, uint64_t first);

#endif
