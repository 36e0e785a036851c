/* SPDX-License-Identifier: BSD-3-Clause */
/* Match spans inside one line: what grep -o prints (leftmost-longest, or
 * leftmost-first for -P and back-references), and the word check of -w. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <hs/hs.h>
#include <pcre2.h>

#include "mpsearch/error.h"
#include "matcher_int.h"
#include "rx.h"

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* grep's word constituent: '_' or alphanumeric in the locale. */
static bool wide_word(long c)
{
	return c == '_' || (c >= 0 && iswalnum((wint_t)c));
}

/* Is the character that ends just before pos a word constituent? */
static bool word_before(const struct mps_matcher *m, const char *line, size_t pos)
{
	if (!pos)
		return false;
	unsigned char c = (unsigned char)line[pos - 1];
	if (c < 0x80 || !m->utf8)
		return is_word(c);
	size_t b = pos - 1;
	while (b > 0 && pos - b < 4 && ((unsigned char)line[b] & 0xc0) == 0x80)
		b--;
	size_t n;
	long cp = mps_utf8_decode((const unsigned char *)line + b, pos - b, &n);
	return b + n == pos && wide_word(cp);
}

static bool word_after(const struct mps_matcher *m, const char *line, size_t len, size_t pos)
{
	if (pos >= len)
		return false;
	unsigned char c = (unsigned char)line[pos];
	if (c < 0x80 || !m->utf8)
		return is_word(c);
	size_t n;
	return wide_word(mps_utf8_decode((const unsigned char *)line + pos, len - pos, &n));
}


/* Spans of one plain literal (-F, one pattern, no -i): every occurrence,
 * left to right, without overlaps. */
static int spans_lit(const struct mps_matcher *m, const char *line, size_t len,
		     struct mps_span *spans, size_t max, bool any_empty)
{
	size_t n = 0, off = 0;
	if (!m->litlen) {
		/* the empty pattern: an empty match everywhere, printed nowhere */
		if (!any_empty)
			return 0;
		for (size_t at = 0; at <= len; at++)
			if (!m->word_check ||
			    (!word_before(m, line, at) && !word_after(m, line, len, at)))
				return 1;
		return 0;
	}
	while (off + m->litlen <= len) {
		const char *f = memmem(line + off, len - off, m->lit, m->litlen);
		if (!f)
			break;
		size_t st = (size_t)(f - line), en = st + m->litlen;
		if (m->word_check && (word_before(m, line, st) || word_after(m, line, len, en))) {
			off = st + 1;
			continue;
		}
		if (n < max)
			spans[n] = (struct mps_span){st, en};
		n++;
		off = en;
	}
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

/* Leftmost-first spans (-P, back-references: -w is in the expression;
 * and lines that are not valid UTF-8, where the word check is made here). */
static int spans_first(const struct mps_matcher *m, struct mps_matcher_scratch *s,
		       const char *line, size_t len, struct mps_span *spans, size_t max,
		       bool any_empty)
{
	size_t n = 0, off = 0;
	while (off <= len) {
		int r = pcre2_match(m->re, (PCRE2_SPTR)line, len, off, 0, s->md, s->mctx);
		if (r == PCRE2_ERROR_NOMATCH)
			break;
		if (r < 0)
			return mps_matcher_pcre_fail(r);
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		if (m->word_check && (word_before(m, line, ov[0]) || word_after(m, line, len, ov[1]))) {
			off = ov[0] + 1;
			while (m->utf8 && off < len && ((unsigned char)line[off] & 0xc0) == 0x80)
				off++;
			continue;
		}
		if (ov[1] > ov[0]) {
			if (n < max)
				spans[n] = (struct mps_span){ov[0], ov[1]};
			n++;
			off = ov[1];
		} else {
			if (any_empty)
				return 1;
			off = ov[1] + 1;
			/* in UTF mode, go on at the next character */
			while (m->utf8 && off < len && ((unsigned char)line[off] & 0xc0) == 0x80)
				off++;
		}
	}
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

struct ends_ctx {
	struct mps_matcher_scratch *s;
	size_t limit; /* the line's end, from the scan's start */
	int err;
};

static int end_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		  void *ctx)
{
	(void)id, (void)from, (void)fl;
	struct ends_ctx *c = ctx;
	struct mps_matcher_scratch *s = c->s;
	if (to > c->limit)
		return 0; /* in the padding */
	if (s->nends == s->capends) {
		size_t n = s->capends ? 2 * s->capends : 64;
		size_t *e = realloc(s->ends, n * sizeof(*e));
		if (!e) {
			c->err = -ENOMEM;
			return 1;
		}
		s->ends = e;
		s->capends = n;
	}
	s->ends[s->nends++] = (size_t)to;
	return 0;
}

static int size_desc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Every end of a match of the patterns that starts at st, longest first,
 * in s->ends (as offsets in the line); pl is the line padded. */
static int ends_hs(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *pl,
		   size_t len, size_t st)
{
	struct ends_ctx c = {s, len - st, 0};
	s->nends = 0;
	hs_error_t r = m->escan(m->edb, pl + st, (unsigned)(len - st + PAD), 0, s->hs, end_cb, &c);
	if (c.err)
		return c.err;
	if (r != HS_SUCCESS)
		return -ENOMEM;
	qsort(s->ends, s->nends, sizeof(*s->ends), size_desc);
	size_t w = 0;
	for (size_t i = 0; i < s->nends; i++)
		if (!w || s->ends[w - 1] != s->ends[i] + st)
			s->ends[w++] = s->ends[i] + st;
	s->nends = w;
	return 0;
}

/* Leftmost-longest spans, as grep -o prints them: at the leftmost start,
 * the longest match (with -w the longest that is a whole word, else a
 * later start); then on from its end.  Empty matches are not spans, but
 * any_empty counts one (a line test). */
static int spans_longest(const struct mps_matcher *m, struct mps_matcher_scratch *s,
			 const char *line, size_t len, struct mps_span *spans, size_t max,
			 bool any_empty)
{
	size_t n = 0, off = 0;
	bool unanchored = false;
	/* the ends come from Vectorscan where it has the patterns (linear);
	 * PCRE2's automaton is quadratic or worse on "\w+\s*\w+" */
	const char *pl = NULL;
	if (m->edb && (!m->edb_utf8 || mps_matcher_valid_utf8(line, len)) && !(pl = mps_matcher_padded(s, line, len)))
		return -ENOMEM;
	while (off <= len) {
		/* The leftmost start is the same for the longest and for the
		 * first match: the backtracking matcher (JIT) finds it fast; then
		 * the automaton, anchored there, gives every end. */
		uint32_t anchor = 0;
		if (!unanchored && !s->no_backtrack) {
			int r = pcre2_match(m->re, (PCRE2_SPTR)line, len, off, 0, s->md, s->mctx);
			if (r == PCRE2_ERROR_NOMATCH)
				break;
			if (r < 0 && mps_matcher_pcre_fail(r) != MPS_ELIMIT)
				return mps_matcher_pcre_fail(r);
			if (r >= 0) {
				off = pcre2_get_ovector_pointer(s->md)[0];
				anchor = PCRE2_ANCHORED;
			} else {
				/* nested repeats: the automaton alone, from now on */
				unanchored = s->no_backtrack = true;
			}
		}
		size_t st, en = SIZE_MAX;
		const size_t *ends;
		size_t nm;
		if (pl && anchor) {
			int rc = ends_hs(m, s, pl, len, off);
			if (rc)
				return rc;
			st = off;
			ends = s->ends;
			nm = s->nends;
			if (nm) /* (none: the engines disagree; the automaton decides) */
				goto choose;
		}
		int r = pcre2_dfa_match(m->dre, (PCRE2_SPTR)line, len, off, anchor,
					s->dmd, s->mctx, s->ws, s->nws);
		if (r == PCRE2_ERROR_NOMATCH)
			break;
		if (r <= PCRE2_ERROR_UTF8_ERR1 && r >= PCRE2_ERROR_UTF8_ERR21)
			return spans_first(m, s, line, len, spans, max, any_empty); /* not UTF-8 */
		if (r == PCRE2_ERROR_DFA_WSSIZE && s->nws < (1u << 24)) {
			int *w = realloc(s->ws, 4 * s->nws * sizeof(*w));
			if (!w)
				return -ENOMEM;
			s->ws = w;
			s->nws *= 4;
			continue;
		}
		if (r < 0)
			return mps_matcher_pcre_fail(r);
		nm = r ? (size_t)r : pcre2_get_ovector_count(s->dmd);
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->dmd);
		st = ov[0];
		/* the ends, longest first, in place of the ovector's pairs */
		for (size_t k = 0; k < nm; k++)
			ov[k] = ov[2 * k + 1];
		ends = ov;
choose:
		for (size_t k = 0; k < nm; k++) {
			size_t e = ends[k];
			if (e == st && !any_empty)
				continue;
			if (m->word_check && (word_before(m, line, st) || word_after(m, line, len, e)))
				continue;
			en = e;
			break;
		}
		if (en != SIZE_MAX && en == st)
			return 1; /* any_empty */
		if (en == SIZE_MAX) {
			off = st + 1;
			while (m->utf8 && off < len && ((unsigned char)line[off] & 0xc0) == 0x80)
				off++;
			continue;
		}
		if (n < max)
			spans[n] = (struct mps_span){st, en};
		n++;
		if (any_empty)
			return 1;
		off = en;
	}
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}

int mps_matcher_spans_of(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *line,
		    size_t len, struct mps_span *spans, size_t max, bool any_empty)
{
	if (m->kind == K_NONE)
		return 0;
	if (m->lit)
		return spans_lit(m, line, len, spans, max, any_empty);
	return m->dfa ? spans_longest(m, s, line, len, spans, max, any_empty)
		      : spans_first(m, s, line, len, spans, max, any_empty);
}

int mps_matcher_spans(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *line,
		      size_t len, struct mps_span *spans, size_t max)
{
	return mps_matcher_spans_of(m, s, line, len, spans, max, false);
}

