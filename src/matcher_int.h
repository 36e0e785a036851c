/* SPDX-License-Identifier: BSD-3-Clause */
/* The matcher's insides, private to src/matcher.c (compiling, finding
 * lines) and src/match_spans.c (spans inside a line). */
#ifndef MPSEARCH_MATCHER_INT_H
#define MPSEARCH_MATCHER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <hs/hs.h>
#include <pcre2.h>

#include "mpsearch/matcher.h"

enum kind { K_NONE, K_HS, K_PCRE };

typedef hs_error_t (*scan_fn)(const hs_database_t *db, const char *data, unsigned len,
			      unsigned flags, hs_scratch_t *scratch, match_event_handler fn,
			      void *ctx);

struct mps_matcher {
	enum kind kind;
	hs_database_t *db;   /* K_HS: finds lines (wrapped for -x), multiline */
	hs_database_t *edb;  /* every end of a match that starts where the scan
			      * starts (^-anchored patterns), for the spans */
	bool edb_utf8;       /* edb is for valid UTF-8 only */
	scan_fn scan;        /* for db: hs_scan, or its AVX2 build (see avx2_only) */
	scan_fn escan;       /* for edb: the same choice */
	pcre2_code *re;      /* every pattern in one alternation (wrapped for -x,
			      * and for -P -w); K_PCRE finds lines with it, and
			      * it gives the match spans */
	pcre2_code *mre;     /* --multiline: the patterns, '\n' may match; NULL
			      * when none of them can match one */
	pcre2_code *dre;     /* re without PCRE2_MATCH_INVALID_UTF, which
			      * pcre2_dfa_match does not take (UTF-8 lines) */
	bool per_line;       /* K_HS: a pattern can match the empty string */
	bool whole;          /* K_PCRE: re scans whole buffers (never matches '\n') */
	bool dfa;            /* spans are leftmost-longest (pcre2_dfa_match) */
	bool confirm;        /* candidates need a per-line check */
	bool line;           /* -x */
	bool word_check;     /* -w, checked on each candidate line with the spans */
	bool utf8;           /* the locale's characters are UTF-8 (for -w) */
	char *lit;           /* spans of one plain literal: memmem */
	size_t litlen;
};

struct mps_matcher_scratch {
	hs_scratch_t *hs;
	pcre2_match_data *md;   /* pcre2_match */
	pcre2_match_data *dmd;  /* pcre2_dfa_match: the matches at one start */
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	int *ws;                /* pcre2_dfa_match's workspace */
	size_t nws;
	char *pad;           /* a copy of a short buffer, then PAD '\n' bytes */
	size_t padcap;
	bool no_backtrack;      /* backtracking hit a limit once: the automaton only */
	size_t *ends;           /* the ends of the matches at one start */
	size_t nends, capends;
};

/* Vectorscan 5.4.9 (Debian 12) can miss a match that ends within about 24
 * bytes of the end of the scanned buffer, depending on the buffer's
 * alignment (seen with literal sets, caseless literals and class-wrapped
 * patterns; found by tests/fuzz and tests/cli/t_differential.sh).  Every
 * scan therefore has at least PAD bytes of '\n' after the data it asks
 * about: short scans (one line) run on a padded copy, and the last part of
 * a buffer is scanned again that way.  Matches reported in the padding are
 * dropped.  Match spans never come from Vectorscan: its leftmost-start mode
 * lost matches and read past unterminated buffers (issue 12). */
#define PAD 64
#define TAIL 256
#define DFA_MATCHES 64
#define DFA_WS 1000

/* buf[0, n) copied into the scratch, followed by PAD newlines; NULL when
 * out of memory. */
const char *mps_matcher_padded(struct mps_matcher_scratch *s /* in, out */,
			       const char *buf /* in */, size_t n);
/* Is s[0, n) valid UTF-8? */
bool mps_matcher_valid_utf8(const char *s /* in */, size_t n);
/* A PCRE2 failure other than no match: MPS_ELIMIT, -ENOMEM or MPS_EPATTERN. */
int mps_matcher_pcre_fail(int r);
/* The spans of one line (see mps_matcher_spans); any_empty: an empty match
 * counts too, and the first one found is enough (a line test). */
int mps_matcher_spans_of(const struct mps_matcher *m /* in */,
			 struct mps_matcher_scratch *s /* in, out */, const char *line /* in */,
			 size_t len, struct mps_span *spans /* out */, size_t max, bool any_empty);

#endif
