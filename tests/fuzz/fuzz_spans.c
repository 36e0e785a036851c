/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the match spans of one line (what -o, --color, --json
 * and -w use) against a brute-force reference.
 *
 * Input layout (missing bytes read as 0):
 *   [0]  bits: 1 -i, 2 -w, 4 BRE (-G, else -E), 8 two patterns
 *   [1]  the line's offset in its buffer (b % 64): the line is copied to a
 *        heap buffer at that offset with nothing after it, so a read past
 *        its end is an AddressSanitizer error
 *   [2]  pattern length in atoms (1 + b % 6); then one byte per atom, from
 *        a table of atoms with + * ? and {n,m} loops; with bit 8, a second
 *        pattern of the same length follows
 *   rest the line: each byte a character of "xay0b _-", or (b >= 0xf0) the
 *        previous character repeated 16 * (b - 0xef) times, so that loops
 *        run over long lines
 *
 * Reference (grep -o): from the current offset, the first start at which
 * some non-empty substring matches the expression (tested whole, with
 * PCRE2_ANCHORED on the substring as the subject), taking the longest such
 * substring (with -w the longest with no word character on either side);
 * then on from its end.  The atoms have no anchors or word boundaries, so
 * cutting the subject at the substring's end does not change its meaning. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mpsearch/matcher.h"
#include "../../src/rx.h"

#include "fuzz_check.h"

#define MAX_LINE 400
#define MAX_SPANS 512

static const char *const ere_atoms[] = {
	"x", "a", "b", "0", "y", ".", "[ab]", "[^a]", "x+", "0+", "a+b", "x*", "a{1,3}",
	"(a|b)", "(ax|a)", "y?", "x{2,}", "[[:digit:]]+", "(xa|x)+", "b{,2}", "\\w", "_",
};
static const char *const bre_atoms[] = {
	"x", "a", "b", "0", "y", ".", "[ab]", "[^a]", "x\\+", "0\\+", "a\\+b", "x*",
	"a\\{1,3\\}", "\\(a\\|b\\)", "\\(ax\\|a\\)", "y\\?", "x\\{2,\\}", "[[:digit:]]\\+",
	"\\(xa\\|x\\)\\+", "b\\{,2\\}", "\\w", "_",
};
#define NATOMS (sizeof(ere_atoms) / sizeof(ere_atoms[0]))

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool gave_up; /* the reference's backtracking hit its limit */
static pcre2_match_context *ref_ctx; /* a low limit: the brute force is slow enough */

/* Does line[st, en) match the whole expression? */
static bool whole(pcre2_code *re, pcre2_match_data *md, const char *line, size_t st, size_t en)
{
	if (!ref_ctx) {
		ref_ctx = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(ref_ctx, 20000);
	}
	int r = pcre2_match(re, (PCRE2_SPTR)line + st, en - st, 0,
			    PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, ref_ctx);
	if (r == PCRE2_ERROR_MATCHLIMIT || r == PCRE2_ERROR_DEPTHLIMIT)
		gave_up = true;
	CHECK(r >= 0 || r == PCRE2_ERROR_NOMATCH || gave_up, "reference match error %d", r);
	return r >= 0;
}

static size_t reference(pcre2_code *re, const char *line, size_t len, bool word,
			struct mps_span *out)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	size_t n = 0, off = 0;
	while (off < len && n < MAX_SPANS) {
		bool found = false;
		for (size_t st = off; st < len && !found && !gave_up; st++) {
			for (size_t en = len; en > st; en--) {
				if (word && ((st > 0 && is_word((unsigned char)line[st - 1])) ||
					     (en < len && is_word((unsigned char)line[en]))))
					continue;
				if (whole(re, md, line, st, en)) {
					out[n++] = (struct mps_span){st, en};
					off = en;
					found = true;
					break;
				}
			}
		}
		if (!found)
			break;
	}
	pcre2_match_data_free(md);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
#define BYTE() (pos < size ? data[pos++] : 0)
	uint8_t bits = BYTE(), offset = BYTE() % 64, natoms = 1 + BYTE() % 6;
	bool icase = bits & 1, word = bits & 2, bre = bits & 4;
	int npat = (bits & 8) ? 2 : 1;
	char pats[2][256];
	for (int p = 0; p < npat; p++) {
		pats[p][0] = 0;
		for (int i = 0; i < natoms; i++)
			strcat(pats[p], (bre ? bre_atoms : ere_atoms)[BYTE() % NATOMS]);
	}
	char line[MAX_LINE];
	size_t len = 0;
	char prev = 'x';
	while (pos < size && len < MAX_LINE) {
		uint8_t b = data[pos++];
		if (b >= 0xf0) {
			for (int k = 0; k < 16 * (b - 0xef) && len < MAX_LINE; k++)
				line[len++] = prev;
		} else {
			prev = "xay0b _-"[b % 8];
			line[len++] = prev;
		}
	}

	char *const pv[2] = {pats[0], pats[1]};
	struct mps_match_opts mo = {
		.patterns = pv, .npatterns = (size_t)npat, .syntax = bre ? MPS_BASIC : MPS_EXTENDED,
		.ignore_case = icase, .word = word,
	};
	char err[256];
	struct mps_matcher *m = mps_matcher_new(&mo, err, sizeof(err));
	CHECK(m, "compile %s: %s", pats[0], err);
	struct mps_matcher_scratch *s = mps_matcher_scratch_new(m);
	CHECK(s, "scratch");

	/* the reference's expression: the same translation, as one alternation */
	struct mps_buf b = {0};
	for (int p = 0; p < npat; p++) {
		unsigned fl;
		CHECK(!mps_buf_append(&b, p ? "|(?:" : "(?:", p ? 4 : 3), "oom");
		CHECK(!mps_rx_translate(pats[p], strlen(pats[p]), bre, false, icase, false, &b, &fl, err,
					sizeof(err)), "translate %s: %s", pats[p], err);
		CHECK(!mps_buf_append(&b, ")", 1), "oom");
	}
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)b.data, b.len, icase ? PCRE2_CASELESS : 0, &ec,
				       &eo, NULL);
	CHECK(re, "reference compile %.*s", (int)b.len, (char *)b.data);
	mps_buf_release(&b);

	char *heap = malloc(offset + len + 1);
	memcpy(heap + offset, line, len);
	const char *l = heap + offset;

	static struct mps_span want[MAX_SPANS], got[MAX_SPANS];
	gave_up = false;
	size_t nw = reference(re, l, len, word, want);
	if (gave_up)
		nw = SIZE_MAX; /* no answer to compare with */
	int ng = mps_matcher_spans(m, s, l, len, got, MAX_SPANS);
	CHECK(ng >= 0, "spans error %d", ng);
	if (nw == SIZE_MAX)
		nw = 0, ng = 0;
	CHECK((size_t)ng == nw || nw == MAX_SPANS, "%s: %d spans, reference %zu on '%.*s'", pats[0],
	      ng, nw, (int)len, l);
	for (size_t i = 0; i < nw && i < (size_t)ng; i++)
		CHECK(got[i].start == want[i].start && got[i].end == want[i].end,
		      "%s: span %zu is (%zu,%zu), reference (%zu,%zu)", pats[0], i, got[i].start,
		      got[i].end, want[i].start, want[i].end);
	/* a line with a span matches, and -w accepts a line by its spans */
	int lm = mps_matcher_line_matches(m, s, l, len);
	CHECK(lm >= 0, "line_matches error %d", lm);
	if (nw)
		CHECK(lm == 1, "%s: spans but no line match", pats[0]);

	free(heap);
	pcre2_code_free(re);
	mps_matcher_scratch_free(s);
	mps_matcher_free(m);
	return 0;
}
