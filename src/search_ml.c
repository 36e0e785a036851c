/* SPDX-License-Identifier: BSD-3-Clause */
/* --multiline: the owned lines of a unit searched as one text, as ripgrep's
 * -U does, so that a match may run across lines.
 *
 * The text is the whole input, or for a part of a split file the part and
 * MPS_PLAN_ML_OVERLAP bytes on each side of it: the bytes after let a
 * match that starts in the part end past it, the bytes before let the
 * matches line up with the ones the previous part finds (leftmost-first
 * matching started that far back has found its footing).  Matches on
 * lines that touch make one group, printed as one record of its lines; a
 * part owns the groups whose first line it owns (the owner rule of a line
 * search, applied to groups), so each group is printed once.  A match
 * longer than the overlap across a part's end is cut there: the bound. */
#include <errno.h>
#include <string.h>

#include "mpsearch/error.h"
#include "mpsearch/plan.h"
#include "search_int.h"
#include "util.h"

/* The start of the line that holds pos. */
static size_t line_start(const char *buf, size_t pos)
{
	const char *nl = pos ? memrchr(buf, '\n', pos) : NULL;
	return nl ? (size_t)(nl - buf) + 1 : 0;
}

/* Where the search goes on after match m (past an empty one by a
 * character, so that it moves). */
static size_t after_match(const char *buf, size_t len, const struct mps_span *m)
{
	if (m->end > m->start)
		return m->end;
	size_t p = m->end + 1;
	while (p < len && ((unsigned char)buf[p] & 0xc0) == 0x80)
		p++;
	return p;
}

/* A group of matches on lines that touch (ripgrep's: the next match starts
 * on the group's last line or on the line after it): its lines [ls, le)
 * (le at the last one's '\n' or at the end of the text), its matches in
 * s->spans. */
struct group {
	size_t ls, le, n;
};

static int group_add(struct run *r, struct group *g, const struct mps_span *m, size_t len)
{
	struct mps_searcher *s = r->s;
	if (MPS_GROW(s->spans, g->n + 1, s->spcap))
		return -ENOMEM;
	s->spans[g->n++] = *m;
	size_t last = m->end > m->start ? m->end - 1 : m->start;
	if (last >= len)
		last = len ? len - 1 : 0;
	size_t le = r->s->buf[last] == '\n' ? last : search_line_end(r, last, len);
	if (le > g->le || g->n == 1)
		g->le = le;
	return 0;
}

/* Hand a group to the line machinery as one selected record, its spans
 * made offsets in it.  The record keeps the final '\n' when a match ends
 * after it (spans stay inside the text; the line machinery and the
 * printers take such a record's lines without it).  0, STOP or <0. */
static int group_out(struct run *r, const struct group *g, bool owned, size_t len)
{
	struct mps_span *v = r->s->spans;
	size_t end = g->le;
	for (size_t i = 0; i < g->n; i++)
		if (v[i].end > g->le && g->le < len)
			end = g->le + 1;
	for (size_t i = 0; i < g->n; i++) {
		v[i].start = (v[i].start < end ? v[i].start : end) - g->ls;
		v[i].end = (v[i].end < end ? v[i].end : end) - g->ls;
	}
	if (owned)
		r->sum.matches += g->n;
	r->pre = v;
	r->npre = g->n;
	r->pre_nl = end > g->le;
	int rc = search_selected(r, g->ls, g->le, owned);
	r->pre = NULL;
	r->pre_nl = false;
	return rc;
}

/* The text being searched, and where the search of it stands. */
struct text {
	size_t len, own; /* its length; the end of the owned lines */
	bool eof;        /* it ends the input */
	size_t gap;      /* -v: the first line not yet known to be in a group */
	int64_t own_line; /* the number of the line at own, once past it */
	bool past;       /* the owned lines are done */
};

/* The end of the owned lines in the buffer (after the '\n' of the line
 * that holds the range's last byte), or SIZE_MAX while it is not read. */
static size_t owned_end(struct run *r)
{
	if (r->end == UINT64_MAX || r->boff + r->len < r->end)
		return r->eof ? r->len : SIZE_MAX;
	size_t last = (size_t)(r->end - r->boff) - 1;
	const char *nl = memchr(r->s->buf + last, '\n', r->len - last);
	return nl ? (size_t)(nl - r->s->buf) + 1 : r->eof ? r->len : SIZE_MAX;
}

/* Read the text: to the end of the input, or to the overlap past the
 * range's end (and at least to the end of its last line, however long).
 * Its length in t->len, whether it ends the input in t->eof, the end of
 * the owned lines in t->own. */
static int read_text(struct run *r, struct text *t)
{
	uint64_t lim = r->end > UINT64_MAX - MPS_PLAN_ML_OVERLAP ? UINT64_MAX
								 : r->end + MPS_PLAN_ML_OVERLAP;
	while (!r->eof && !search_binary_stop(r) &&
	       (r->boff + r->len < lim || owned_end(r) == SIZE_MAX)) {
		int rc = search_read(r);
		if (rc)
			return rc;
	}
	t->own = owned_end(r);
	if (t->own == SIZE_MAX) /* (binary, -I: nothing is searched) */
		t->own = r->len;
	t->len = r->len;
	t->eof = r->eof;
	if (r->boff + r->len > lim && (size_t)(lim - r->boff) >= t->own) {
		t->len = (size_t)(lim - r->boff);
		t->eof = false;
	} else if (r->boff + r->len > lim) {
		t->len = t->own;
		t->eof = t->own == r->len && r->eof;
	}
	return 0;
}

/* The next group from *pos on (its first match in *next when found before;
 * *have says so).  1 with a group, 0 at the end, or <0. */
static int next_group(struct run *r, size_t len, bool eof, size_t *pos, struct mps_span *next,
		      bool *have, struct group *g)
{
	struct mps_searcher *s = r->s;
	int f = *have ? 1 : mps_matcher_find(s->m, s->ms, s->buf, len, *pos, eof, next);
	*have = false;
	if (f <= 0)
		return f;
	*g = (struct group){.ls = line_start(s->buf, next->start)};
	int rc = group_add(r, g, next, len);
	if (!rc && r->o->invert) {
		/* ripgrep's -v: the search goes on at the next line */
		*pos = g->le + 1;
		return 1;
	}
	for (*pos = after_match(s->buf, len, next); !rc;) {
		f = mps_matcher_find(s->m, s->ms, s->buf, len, *pos, eof, next);
		if (f <= 0)
			return f < 0 ? f : 1;
		if (line_start(s->buf, next->start) > g->le + 1) {
			*have = true; /* the next group's first match */
			return 1;
		}
		rc = group_add(r, g, next, len);
		*pos = after_match(s->buf, len, next);
	}
	return rc;
}


/* Leave the owned lines: -v selects those after the last group; the
 * number of the line at own is noted (it counts the owned lines). */
static int leave_owned(struct run *r, struct text *t)
{
	int rc = 0;
	if (t->past)
		return 0;
	t->past = true;
	if (r->o->invert) {
		rc = search_gap(r, t->gap, t->own);
		t->gap = t->gap > t->own ? t->gap : t->own;
	}
	if (!rc)
		t->own_line = search_lineno(r, t->own);
	return rc;
}

/* Past the range, up to group g (NULL: the end of the text), where the
 * trailing context of the last selected line reaches: a group there is
 * selected there too, and with -v the lines out of groups, exactly as a
 * search of the whole file sees them (as tail() does for a line search);
 * the next range owns them. */
static int past_range(struct run *r, struct text *t, const struct group *g)
{
	int rc = 0;
	if (r->o->invert) {
		size_t stop = g ? g->ls : t->len;
		for (size_t a = t->gap; !rc && a < stop;) {
			rc = search_flush_after(r, a);
			if (rc || r->after_left <= 0)
				break;
			size_t e = search_line_end(r, a, stop);
			rc = search_selected(r, a, e, false);
			a = e + 1;
		}
		if (g)
			t->gap = g->le + 1;
		return rc;
	}
	if (g)
		rc = search_flush_after(r, g->ls);
	if (g && !rc && r->after_left > 0)
		rc = group_out(r, g, false, t->len);
	return rc;
}

/* The groups of the text, in order.  0, STOP or <0. */
static int each_group(struct run *r, struct text *t)
{
	size_t pos = 0;
	bool have = false;
	struct mps_span next;
	struct group g;
	int rc;
	while ((rc = next_group(r, t->len, t->eof, &pos, &next, &have, &g)) == 1) {
		rc = 0;
		if (g.ls < r->scan) { /* the previous range's */
			t->gap = g.le + 1 > t->gap ? g.le + 1 : t->gap;
			continue;
		}
		if (g.ls == t->len && t->len && r->s->buf[t->len - 1] == '\n')
			continue; /* an empty match after the last line: no line */
		if (g.ls < t->own && r->o->invert) {
			rc = search_gap(r, t->gap, g.ls);
			t->gap = g.le + 1;
		} else if (g.ls < t->own) {
			rc = group_out(r, &g, true, t->len);
		} else if (!r->o->emit_lines) {
			break; /* nothing past the range counts */
		} else {
			rc = leave_owned(r, t);
			if (!rc)
				rc = past_range(r, t, &g);
			if (!rc && r->after_left <= 0)
				break;
		}
		if (rc)
			break;
	}
	return rc;
}

int search_multiline(struct run *r)
{
	struct text t = {.gap = r->scan, .own_line = -1};
	int rc = read_text(r, &t);
	if (rc || search_binary_stop(r))
		return rc;
	rc = each_group(r, &t);
	if (!rc)
		rc = leave_owned(r, &t);
	if (!rc && r->o->emit_lines)
		rc = past_range(r, &t, NULL);
	if ((!rc || rc == STOP) && !r->cbrc) {
		int frc = search_flush_after(r, t.len); /* the trailing context */
		rc = frc && frc != STOP ? frc : rc;
	}
	r->after_left = 0;
	if (r->mode == M_OWNED) {
		/* the owned lines are counted up to own: the numbering goes
		 * back there, whatever the lines past it moved it to */
		r->cnt_pos = t.own;
		r->cnt_line = t.own_line;
		r->scan = t.own;
		r->mode = M_TAIL;
	}
	return rc;
}

int search_ml_lookback(struct run *r, uint64_t first)
{
	uint64_t lo = first > MPS_PLAN_ML_OVERLAP ? first - MPS_PLAN_ML_OVERLAP : 0;
	int rc = search_read_from(r, lo, first);
	if (rc)
		return rc;
	size_t at = r->scan;
	if (lo > 0) {
		/* start at a line start: drop the partial line (first - 1 is a
		 * '\n', so there is one) */
		char *b = r->s->buf;
		size_t k = (size_t)((char *)memchr(b, '\n', at) - b) + 1;
		memmove(b, b + k, r->len - k);
		r->boff += k;
		r->len -= k;
		at -= k;
	}
	r->scan = at;
	return 0;
}
