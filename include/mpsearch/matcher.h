/* SPDX-License-Identifier: BSD-3-Clause */
/* Matcher: find the lines of a buffer that contain a match, and the match
 * spans inside one line.  Every pattern is read on its own (-F literal,
 * -G/-E as GNU grep reads them, -P as PCRE2) into PCRE syntax.  Lines are
 * found by one Vectorscan database where it takes the patterns and the
 * answer does not depend on the locale's characters; otherwise by PCRE2
 * (UTF-8 with Unicode properties in a UTF-8 locale, invalid bytes never
 * matching).  Spans are grep's leftmost-longest ones (pcre2_dfa_match),
 * leftmost-first for -P and back-references.  With --multiline, a second
 * PCRE2 expression finds matches that may span lines (mps_matcher_find). */
#ifndef MPSEARCH_MATCHER_H
#define MPSEARCH_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include "mpsearch/types.h"

struct mps_matcher;          /* compiled, read-only, shareable after fork */
struct mps_matcher_scratch;  /* per process */

struct mps_match_opts {
	char *const *patterns;
	size_t npatterns;
	enum mps_syntax syntax;
	bool ignore_case, word, line;
	bool utf8; /* the locale's characters are UTF-8 (mps_matcher_locale_utf8) */
	bool null_data; /* -z: the searcher hands records with '\n' and NUL swapped */
	bool multiline; /* --multiline (-G, -E, -P; not with -z): see mps_matcher_find */
};

/* Does the current LC_CTYPE use UTF-8?  (The driver sets the locale.) */
bool mps_matcher_locale_utf8(void);

/* A half-open byte span inside a line. */
/* Compile.  NULL on failure with errno set; a pattern error is described
 * in err (errno = EINVAL). Free with mps_matcher_free. */
struct mps_matcher *mps_matcher_new(const struct mps_match_opts *o /* in */,
				    char *err /* out */, size_t errlen);
void mps_matcher_free(struct mps_matcher *m);

/* Scratch for one process; NULL with errno on failure. */
struct mps_matcher_scratch *mps_matcher_scratch_new(const struct mps_matcher *m /* in */);
void mps_matcher_scratch_free(struct mps_matcher_scratch *s);

/* Report the lines of buf[0, len) that match, in order.  buf starts at a
 * line start; len ends just after a '\n' or at end of input.  For each
 * matching line [ls, le) (le at its '\n' or at len) calls fn; a nonzero
 * return from fn stops the scan and is returned.  Returns 0 when done, or
 * a negative code. */
typedef int (*mps_line_fn)(void *ctx, size_t ls, size_t le);
int mps_matcher_lines(const struct mps_matcher *m /* in */,
		      struct mps_matcher_scratch *s /* in, out */,
		      const char *buf /* in */, size_t len, mps_line_fn fn, void *ctx);

/* Does this single line (no '\n') match? 1 yes, 0 no, <0 error. */
int mps_matcher_line_matches(const struct mps_matcher *m, struct mps_matcher_scratch *s,
			     const char *line /* in */, size_t len);

/* The non-overlapping, leftmost-longest match spans of one line (what
 * grep -o prints), at most max of them stored in spans; returns how many
 * there are (may exceed max), or <0. */
int mps_matcher_spans(const struct mps_matcher *m, struct mps_matcher_scratch *s,
		      const char *line /* in */, size_t len,
		      struct mps_span *spans /* out */, size_t max);

/* --multiline: was the matcher made with it, for patterns one of which
 * can match a '\n'?  (When none can, the search goes line by line, as
 * ripgrep's does.) */
bool mps_matcher_multiline(const struct mps_matcher *m /* in */);

/* --multiline: the leftmost-first match in buf[0, len) that starts at or
 * after from; buf[0, from) is looked at (for lookbehinds) but nothing
 * starts there.  eof: buf ends where the input does ('$' may match at
 * len).  1 and the match in *out, 0 none, or <0. */
int mps_matcher_find(const struct mps_matcher *m /* in */,
		     struct mps_matcher_scratch *s /* in, out */, const char *buf /* in */,
		     size_t len, size_t from, bool eof, struct mps_span *out /* out */);

#endif
