/* SPDX-License-Identifier: BSD-3-Clause */
/* Lines with encoding errors in a UTF-8 locale, printed as grep 3.8 does,
 * record by record as they come (so that a file's output stays early). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "print_int.h"

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

/* Such a file is printed the way grep 3.8 does it (its prtext and
 * prpending): a line is "tried"; one with an encoding error is not printed
 * (with -o, the matches before the bad one are) and, unlike the others,
 * does not move `lastout`, the line after the last one printed, so the
 * after-context that follows tries it again; group separators compare
 * with lastout.  Lines grep would then try that are no record of ours
 * (outside every context) are skipped.  At the end, "FILE: binary file
 * matches" (owed through p->f.note_due).  The records that a later try
 * may need (the last `before` lines, and those from lastout on) are kept,
 * copied, in p->f.enc.v. */

static void erec_free(struct print_erec *r)
{
	free((char *)r->l.text);
	free((struct mps_span *)r->l.spans);
}

/* Keep a copy of record l (line abs). */
static int enc_keep(struct print_enc *e, const struct mps_line *l, int64_t abs, bool sel)
{
	int rc = e->n == e->cap ? MPS_GROW(e->v, e->n + 1, e->cap) : 0;
	if (rc)
		return rc;
	struct print_erec r = {.abs = abs, .sel = sel, .l = *l};
	char *t = malloc(l->len + 1);
	struct mps_span *sp = l->nspans ? malloc(l->nspans * sizeof(*sp)) : NULL;
	if (!t || (l->nspans && !sp)) {
		free(t);
		free(sp);
		return -ENOMEM;
	}
	memcpy(t, l->text, l->len);
	if (l->nspans)
		memcpy(sp, l->spans, l->nspans * sizeof(*sp));
	r.l.text = t;
	r.l.spans = sp;
	e->v[e->n++] = r;
	return 0;
}

/* Forget the records no later try can need. */
static void enc_prune(struct print_enc *e, int64_t keep_from)
{
	size_t k = 0;
	while (k < e->n && e->v[k].abs < keep_from)
		erec_free(&e->v[k++]);
	if (k) {
		memmove(e->v, e->v + k, (e->n - k) * sizeof(*e->v));
		e->n -= k;
	}
}

static int enc_try(struct mps_printer *p, int64_t line, bool sel)
{
	struct print_enc *e = &p->f.enc;
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
	bool ok;
	if (p->o.only_matching) {
		size_t k = sel ? first_bad_span(&l) : l.nspans;
		ok = k == l.nspans;
		l.nspans = k;
		if (!ok && k) {
			int rc = print_line(p, p->f.path, &l, line, sel);
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
	return print_line(p, p->f.path, &l, line, sel);
}

/* grep's prpending: the after-context still owed, tried from lastout. */
static int enc_pending(struct mps_printer *p, int64_t lim)
{
	struct print_enc *e = &p->f.enc;
	int rc = 0;
	if (e->pending > 0 && !e->lastout)
		e->lastout = 1;
	for (; !rc && e->pending > 0 && e->lastout < lim; e->pending--)
		rc = enc_try(p, e->lastout, false);
	return rc;
}

/* The selected lines of one prtext (a line, or with -v a run) are all in:
 * after-context is owed from here. */
static void enc_close_run(struct mps_printer *p)
{
	struct print_enc *e = &p->f.enc;
	if (!e->run_open)
		return;
	e->run_open = false;
	e->pending = p->o.after;
	p->printed_any = true;
}

void print_enc_start(struct mps_printer *p)
{
	struct print_file *f = &p->f;
	struct print_enc *e = &f->enc;
	e->on = true;
	/* grep's state after the lines printed the usual way */
	e->lastout = f->prev != INT64_MIN ? f->prev + 1 : 0;
	e->pending = 0;
	if (f->last_sel != INT64_MIN && f->last_sel + p->o.after > f->prev)
		e->pending = f->last_sel + p->o.after - f->prev;
}

int print_enc_record(struct mps_printer *p, const struct mps_line *l, int64_t abs, bool sel,
		     bool ctx)
{
	struct print_enc *e = &p->f.enc;
	int rc = enc_keep(e, l, abs, sel);
	if (rc)
		return rc;
	if (sel && e->run_open && p->o.invert && abs == e->run_last + 1) {
		e->run_last = abs; /* -v: the run goes on */
		return enc_try(p, abs, true);
	}
	enc_close_run(p);
	if (!sel) {
		rc = enc_pending(p, abs + 1);
	} else {
		/* one prtext: the context before, "--", the line */
		rc = enc_pending(p, abs);
		int64_t bp = e->lastout ? e->lastout : 1, q = abs;
		for (int64_t k = 0; k < p->o.before && q > bp; k++)
			q--;
		if (!rc && ctx && p->printed_any && q != e->lastout)
			rc = print_group_sep(p);
		for (; !rc && q < abs; q++)
			rc = enc_try(p, q, false);
		if (!rc)
			rc = enc_try(p, abs, true);
		e->run_open = true;
		e->run_last = abs;
	}
	/* a later try starts at lastout at the earliest (it lags only while
	 * the lines tried are left out), or at the before-context */
	int64_t keep = abs + 1 - p->o.before, from = e->lastout ? e->lastout : 1;
	enc_prune(e, from < keep ? from : keep);
	return rc;
}

int print_enc_end(struct mps_printer *p)
{
	struct print_enc *e = &p->f.enc;
	if (!e->on)
		return 0;
	enc_close_run(p);
	int rc = enc_pending(p, INT64_MAX);
	if (e->bad && !p->o.binary_skip) /* grep -I leaves them out quietly */
		p->f.note_due = true;
	print_enc_release(e);
	return rc;
}

void print_enc_release(struct print_enc *e)
{
	enc_prune(e, INT64_MAX);
	free(e->v);
	*e = (struct print_enc){0};
}
