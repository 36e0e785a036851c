/* SPDX-License-Identifier: BSD-3-Clause */
/* The printer's state between two units, as bytes (the codec's varints):
 * under MPI with --output, the rank that prints the next round goes on
 * from it where the last printer stopped.  What is saved is what carries
 * from unit to unit: "--" and --heading's blank line owed, -q done, the
 * totals, and the file in progress (line base, -m, counts, the binary
 * and encoding-error rules with the records those keep).  The scratch of
 * one part (its records, spans, the JSON message) is not. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/codec.h"
#include "mpsearch/error.h"
#include "print_int.h"

#define STATE_VERSION 1

static uint64_t s64(int64_t v)
{
	return (uint64_t)v;
}

int mps_printer_save(struct mps_printer *p, struct mps_buf *b)
{
	int rc = print_flush(p);
	if (rc)
		return rc;
	const struct print_file *f = &p->f;
	const struct print_enc *e = &f->enc;
	uint64_t v[] = {
		STATE_VERSION, p->printed_any, p->quiet_done, p->headed, (uint64_t)p->width,
		p->head_path && p->head_path == f->path,
		p->t.files, p->t.files_matched, p->t.bytes, p->t.selected, p->t.matches,
		p->t.errors, p->t.listed,
		f->open, f->file, (uint64_t)f->state, f->skipped, s64(f->err), f->skip_bin,
		f->note_due, s64(f->it.base), s64(f->it.last), s64(f->it.mline), f->it.nsel,
		f->it.stopped, s64(f->prev), s64(f->last_sel), f->selected, f->matches, f->bytes,
		f->early_sel, f->bin_matches, f->printed_matches, f->sel_lines, f->piece_sel,
		f->begun, f->in_pieces, f->json_begun, f->json_bytes,
		e->on, s64(e->lastout), s64(e->pending), e->run_open, s64(e->run_last), e->bad,
		e->n,
	};
	rc = mps_buf_put_varints(b, v, sizeof(v) / sizeof(v[0]));
	const char *path = f->open && f->path ? f->path : "";
	if (!rc)
		rc = mps_buf_put_bytes(b, path, strlen(path));
	for (size_t i = 0; !rc && i < e->n; i++) {
		const struct print_erec *r = &e->v[i];
		uint64_t w[] = {s64(r->abs), r->sel, (uint64_t)r->l.kind, s64(r->l.lineno),
				r->l.offset, r->l.owned, r->l.nspans};
		rc = mps_buf_put_varints(b, w, sizeof(w) / sizeof(w[0]));
		if (!rc)
			rc = mps_buf_put_bytes(b, r->l.text, r->l.len);
		for (size_t k = 0; !rc && k < r->l.nspans; k++)
			rc = mps_buf_put_varints(b, (uint64_t[2]){r->l.spans[k].start,
								  r->l.spans[k].end}, 2);
	}
	return rc;
}

/* One kept record of the encoding-error rule. */
static int load_erec(struct mps_cursor *c, struct print_erec *r)
{
	r->abs = (int64_t)mps_cursor_varint(c);
	r->sel = mps_cursor_varint(c) != 0;
	r->l.kind = (enum mps_line_kind)mps_cursor_u32(c);
	r->l.lineno = (int64_t)mps_cursor_varint(c);
	r->l.offset = mps_cursor_varint(c);
	r->l.owned = mps_cursor_varint(c) != 0;
	size_t nspans = mps_cursor_len(c); /* each takes a byte at least */
	size_t len = mps_cursor_len(c);
	const unsigned char *t = mps_cursor_bytes(c, len);
	if (c->bad)
		return MPS_ECORRUPT;
	char *text = malloc(len + 1);
	struct mps_span *sp = nspans ? calloc(nspans, sizeof(*sp)) : NULL;
	if (!text || (nspans && !sp)) {
		free(text);
		free(sp);
		return -ENOMEM;
	}
	memcpy(text, t, len);
	for (size_t k = 0; k < nspans; k++) {
		sp[k].start = (size_t)mps_cursor_varint(c);
		sp[k].end = (size_t)mps_cursor_varint(c);
		if (sp[k].start > sp[k].end || sp[k].end > len)
			c->bad = 1; /* the printer would read outside the text */
	}
	if (c->bad) { /* cut short or wrong in the spans: the record is not kept */
		free(text);
		free(sp);
		return MPS_ECORRUPT;
	}
	r->l.text = text;
	r->l.len = len;
	r->l.spans = sp;
	r->l.nspans = nspans;
	return 0;
}

int mps_printer_load(struct mps_printer *p, const unsigned char *b, size_t n)
{
	struct mps_cursor c = {.p = b, .len = n};
	if (mps_cursor_varint(&c) != STATE_VERSION)
		return MPS_ECORRUPT;
	/* the file in progress is replaced */
	free(p->f.path);
	print_enc_release(&p->f.enc);
	p->f = (struct print_file){0};
	p->pfx_path = NULL;
	p->head_path = NULL;
	p->nparts = 0;
	if (p->partcap == 0 && MPS_GROW(p->parts, 1, p->partcap))
		return -ENOMEM; /* (the file in progress takes its next part) */
	struct print_file *f = &p->f;
	p->printed_any = mps_cursor_varint(&c) != 0;
	p->quiet_done = mps_cursor_varint(&c) != 0;
	p->headed = mps_cursor_varint(&c) != 0;
	p->width = (int)mps_cursor_u32(&c);
	bool head_due = mps_cursor_varint(&c) != 0;
	p->t.files = mps_cursor_varint(&c);
	p->t.files_matched = mps_cursor_varint(&c);
	p->t.bytes = mps_cursor_varint(&c);
	p->t.selected = mps_cursor_varint(&c);
	p->t.matches = mps_cursor_varint(&c);
	p->t.errors = mps_cursor_varint(&c);
	p->t.listed = mps_cursor_varint(&c);
	f->open = mps_cursor_varint(&c) != 0;
	f->file = mps_cursor_varint(&c);
	f->state = (enum print_file_state)mps_cursor_u32(&c);
	f->skipped = mps_cursor_varint(&c) != 0;
	f->err = (int)(int64_t)mps_cursor_varint(&c);
	f->skip_bin = mps_cursor_varint(&c) != 0;
	f->note_due = mps_cursor_varint(&c) != 0;
	f->it.base = (int64_t)mps_cursor_varint(&c);
	f->it.last = (int64_t)mps_cursor_varint(&c);
	f->it.mline = (int64_t)mps_cursor_varint(&c);
	f->it.nsel = mps_cursor_varint(&c);
	f->it.stopped = mps_cursor_varint(&c) != 0;
	f->prev = (int64_t)mps_cursor_varint(&c);
	f->last_sel = (int64_t)mps_cursor_varint(&c);
	f->selected = mps_cursor_varint(&c);
	f->matches = mps_cursor_varint(&c);
	f->bytes = mps_cursor_varint(&c);
	f->early_sel = mps_cursor_varint(&c);
	f->bin_matches = mps_cursor_varint(&c);
	f->printed_matches = mps_cursor_varint(&c);
	f->sel_lines = mps_cursor_varint(&c);
	f->piece_sel = mps_cursor_varint(&c);
	f->begun = mps_cursor_varint(&c) != 0;
	f->in_pieces = mps_cursor_varint(&c) != 0;
	f->json_begun = mps_cursor_varint(&c) != 0;
	f->json_bytes = mps_cursor_varint(&c);
	struct print_enc *e = &f->enc;
	e->on = mps_cursor_varint(&c) != 0;
	e->lastout = (int64_t)mps_cursor_varint(&c);
	e->pending = (int64_t)mps_cursor_varint(&c);
	e->run_open = mps_cursor_varint(&c) != 0;
	e->run_last = (int64_t)mps_cursor_varint(&c);
	e->bad = mps_cursor_varint(&c) != 0;
	size_t nrec = mps_cursor_len(&c); /* each takes a byte at least */
	size_t plen = mps_cursor_len(&c);
	const unsigned char *path = mps_cursor_bytes(&c, plen);
	if (c.bad || f->state > PRINT_FILE_STOPPED)
		return MPS_ECORRUPT;
	if (f->open) {
		f->path = strndup((const char *)path, plen);
		if (!f->path)
			return -ENOMEM;
		if (head_due)
			p->head_path = f->path;
	}
	if (nrec) {
		e->v = calloc(nrec, sizeof(*e->v));
		if (!e->v)
			return -ENOMEM;
		e->cap = nrec;
	}
	int rc = 0;
	for (size_t i = 0; !rc && i < nrec; i++) {
		rc = load_erec(&c, &e->v[i]);
		if (!rc)
			e->n++;
	}
	if (!rc && c.pos != c.len)
		rc = MPS_ECORRUPT;
	return rc;
}
