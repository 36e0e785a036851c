/* SPDX-License-Identifier: BSD-3-Clause */
/* Lines with encoding errors in a UTF-8 locale, printed as grep 3.8 does. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "print_int.h"
#include "util.h"

/* ---- lines with encoding errors (a UTF-8 locale) ---- */

/* Index of the first match of a selected line that grep would not print
 * with -o, or l->nspans. */
static size_t first_bad_span(const struct mps_line *l)
{
	size_t i = 0;
	while (i < l->nspans &&
	       print_utf8_ok((const unsigned char *)l->text + l->spans[i].start,
		       l->spans[i].end - l->spans[i].start, true))
		i++;
	return i;
}

/* Would grep leave (part of) this line out? */
bool print_line_bad(const struct mps_printer *p, const struct mps_line *l, bool sel)
{
	if (p->o.only_matching)
		return sel && first_bad_span(l) < l->nspans;
	return !print_utf8_ok((const unsigned char *)l->text, l->len, true);
}

/* A file with such lines is printed the way grep 3.8 does it (its prtext
 * and prpending): a line is "tried"; one with an encoding error is not
 * printed (with -o, the matches before the bad one are) and, unlike the
 * others, does not move `lastout`, the line after the last one printed,
 * so the after-context that follows tries it again; group separators
 * compare with lastout.  Lines grep would then try that are no record of
 * ours (outside every context) are skipped.  At the end, "FILE: binary
 * file matches" (owed through p->f.note_due). */
struct erec {
	int64_t abs;
	bool sel;
	struct mps_line l; /* text and spans are offsets until printing */
};

struct enc {
	struct mps_printer *p;
	const char *path;
	struct erec *v;
	size_t n;
	const struct mps_buf *text;
	const struct mps_span *spans;
	int64_t lastout; /* 0: none yet */
	bool bad;        /* a line was left out */
};

static int enc_try(struct enc *e, int64_t line, bool sel)
{
	size_t lo = 0, hi = e->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->v[mid].abs < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == e->n || e->v[lo].abs != line)
		return 0;
	struct mps_line l = e->v[lo].l;
	l.text = (const char *)e->text->data + (size_t)(uintptr_t)l.text;
	l.spans = e->spans + (size_t)(uintptr_t)l.spans;
	bool ok;
	if (e->p->o.only_matching) {
		size_t k = sel ? first_bad_span(&l) : l.nspans;
		ok = k == l.nspans;
		l.nspans = k;
		if (!ok && k) {
			int rc = print_line(e->p, e->path, &l, line, sel);
			if (rc)
				return rc;
		}
	} else {
		ok = print_utf8_ok((const unsigned char *)l.text, l.len, true);
	}
	if (!ok) {
		e->bad = true;
		return 0;
	}
	e->lastout = line + 1;
	return print_line(e->p, e->path, &l, line, sel);
}

/* grep's prpending: the after-context still owed, tried from lastout. */
static int enc_pending(struct enc *e, int64_t *pending, int64_t lim)
{
	int rc = 0;
	if (*pending > 0 && !e->lastout)
		e->lastout = 1;
	for (; !rc && *pending > 0 && e->lastout < lim; (*pending)--)
		rc = enc_try(e, e->lastout, false);
	return rc;
}

int print_encoding_errors(struct mps_printer *p, const char *path, bool ctx,
			  const struct print_rec_it *it0, uint64_t *printed_matches)
{
	struct print_rec_it it = *it0;
	struct mps_buf text = {0}, spans = {0};
	struct erec *v = NULL;
	size_t n = 0, cap = 0;
	struct mps_line l;
	int64_t abs;
	bool sel;
	int rc = 0, r;
	while (!rc && (r = print_rec_next(p, &it, &l, &abs, &sel)) == 1) {
		if (n == cap && (rc = MPS_GROW(v, n + 1, cap)))
			break;
		v[n] = (struct erec){.abs = abs, .sel = sel, .l = l};
		v[n].l.text = (const char *)(uintptr_t)text.len;
		v[n].l.spans = (const struct mps_span *)(uintptr_t)(spans.len / sizeof(*l.spans));
		rc = mps_buf_append(&text, l.text, l.len);
		if (!rc && l.nspans)
			rc = mps_buf_append(&spans, l.spans, l.nspans * sizeof(*l.spans));
		if (sel)
			*printed_matches += l.nspans;
		n++;
	}
	if (!rc && r < 0)
		rc = r;
	/* grep's state after the lines printed before the held parts */
	int64_t lastout = p->f.prev != INT64_MIN ? p->f.prev + 1 : 0;
	int64_t pending = 0;
	if (p->f.last_sel != INT64_MIN && p->f.last_sel + p->o.after > p->f.prev)
		pending = p->f.last_sel + p->o.after - p->f.prev;
	struct enc e = {p, path, v, n, &text, (const struct mps_span *)spans.data, lastout, false};
	for (size_t i = 0; !rc && i < n; i++) {
		if (!v[i].sel)
			continue;
		/* one prtext: a selected line, or with -v a run of them */
		size_t j = i;
		while (p->o.invert && j + 1 < n && v[j + 1].sel && v[j + 1].abs == v[j].abs + 1)
			j++;
		int64_t s = v[i].abs, q = s;
		rc = enc_pending(&e, &pending, s);
		int64_t bp = e.lastout ? e.lastout : 1;
		for (int64_t k = 0; k < p->o.before && q > bp; k++)
			q--;
		if (!rc && ctx && p->printed_any && q != e.lastout)
			rc = print_group_sep(p);
		for (; !rc && q < s; q++)
			rc = enc_try(&e, q, false);
		for (size_t k = i; !rc && k <= j; k++)
			rc = enc_try(&e, v[k].abs, true);
		pending = p->o.after;
		p->printed_any = true;
		i = j;
	}
	if (!rc)
		rc = enc_pending(&e, &pending, INT64_MAX);
	if (e.bad && !p->o.binary_skip) /* grep -I leaves them out quietly */
		p->f.note_due = true; /* "binary file matches", at the file's end */
	free(v);
	mps_buf_release(&text);
	mps_buf_release(&spans);
	return rc;
}
