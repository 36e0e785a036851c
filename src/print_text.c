/* SPDX-License-Identifier: BSD-3-Clause */
/* Results written once (see print_text.h): the worker's sink that formats
 * lines into its ring, and the consumer's side that counts and writes
 * them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "print_int.h"
#include "print_text.h"
#include "outring.h"

/* texts up to this size are copied into the output buffer (few writes
 * for many small files); bigger ones are written from the ring */
#define COPY_MAX (4u << 10)

bool mps_print_text_ok(const struct mps_print_opts *o)
{
	return o->output == MPS_OUT_LINES && !o->context && o->before <= 0 && o->after <= 0 &&
	       o->max_count < 0 && !o->heading && !o->initial_tab && !o->multiline &&
	       !o->vimgrep && !o->line_buffered;
}

bool mps_print_text_unit(unsigned flags)
{
	return !(flags & MPS_UNIT_STDIN);
}

struct mps_printer *mps_printer_text_new(const struct mps_print_opts *o)
{
	struct mps_printer *p = mps_printer_new(o, -1, NULL);
	if (!p)
		return NULL;
	mps_buf_release(&p->out);
	p->fixed = true;
	return p;
}

static int text_line(struct mps_sink *s, const struct mps_line *l)
{
	struct mps_text_sink *ts = (struct mps_text_sink *)s;
	struct mps_printer *p = ts->p;
	bool sel = l->kind == MPS_LINE_SELECTED;
	if (!l->owned)
		return 0;
	if (p->o.utf8 && !p->o.text && print_line_bad(p, l, sel)) {
		ts->failed = true; /* grep's rule for such lines: the printer's */
		return -ENOSPC;
	}
	if (sel && !p->o.invert)
		ts->printed += l->nspans;
	int rc = print_line(p, ts->path, l, ts->lines_before + l->lineno, sel);
	if (rc)
		ts->failed = true;
	return rc;
}

static int text_finish(struct mps_sink *s, const struct mps_unit_summary *sum)
{
	struct mps_text_sink *ts = (struct mps_text_sink *)s;
	ts->summary = *sum;
	return 0;
}

void mps_text_sink_init(struct mps_text_sink *ts, struct mps_printer *p, const char *path,
			unsigned char *mem, size_t room, mps_text_room_fn more, void *ctx)
{
	*ts = (struct mps_text_sink){.base = {.line = text_line, .finish = text_finish}, .p = p,
				     .path = path};
	p->out = (struct mps_buf){.data = mem, .alloc = room};
	p->pfx_path = NULL; /* (the path's memory is the task message's) */
	p->more = more;
	p->more_ctx = ctx;
}

size_t mps_text_sink_len(const struct mps_text_sink *ts)
{
	return ts->p->out.len;
}

int mps_text_sink_records(struct mps_text_sink *ts, const unsigned char *block, size_t len)
{
	size_t pos = 0;
	struct mps_line l;
	int r;
	while ((r = mps_block_next(block, len, &pos, &l, &ts->p->spans, &ts->p->spcap)) == 1)
		if (text_line(&ts->base, &l))
			return -1;
	return r < 0 || ts->failed ? -1 : 0;
}

void mps_text_sink_close(struct mps_text_sink *ts)
{
	ts->p->out = (struct mps_buf){0};
}

bool mps_text_sink_done(const struct mps_text_sink *ts)
{
	const struct mps_unit_summary *s = &ts->summary;
	return !ts->failed && !s->err && !s->binary;
}

/* Write the text [off, off + len) of ring: small ones into the output
 * buffer (few writes for many small files), big ones from the ring. */
static int write_text(struct mps_printer *p, struct mps_oring *ring, uint64_t off, uint64_t len)
{
	if (len <= COPY_MAX) {
		if (p->out.len + len > OUTBUF && print_flush(p))
			return p->werr;
		int rc = mps_buf_reserve(&p->out, len);
		if (!rc)
			rc = mps_oring_copy(ring, p->out.data + p->out.len, off, len);
		if (rc)
			return rc;
		p->out.len += len;
		return p->out.len >= OUTBUF ? print_flush(p) : p->werr;
	}
	if (print_flush(p))
		return p->werr;
	int rc = mps_oring_write(ring, p->fd, off, len);
	if (rc && !p->werr)
		p->werr = rc;
	return p->werr;
}

/* A formatted unit is a whole file or a part of one that was clean (no
 * error, no NUL byte, no line the encoding rule leaves out), printed in
 * the standard format without context, -m or --heading: it moves the
 * file's carried state (print_int.h) the way its records would have. */
int mps_printer_text(struct mps_printer *p, const struct mps_unit *u,
		     const struct mps_unit_summary *sum, uint64_t printed, struct mps_oring *ring,
		     uint64_t off, uint64_t len)
{
	if (p->quiet_done)
		return 1;
	int rc = print_file_enter(p, u);
	if (rc)
		return rc;
	struct print_file *f = &p->f;
	f->bytes += sum->bytes;
	f->selected += sum->selected;
	f->matches += sum->matches;
	if (f->state == PRINT_FILE_BINARY) {
		/* a NUL byte in a part before: grep prints nothing after it,
		 * and notes a line selected there or later */
		f->bin_matches += sum->matches;
		if (!p->o.binary_skip && sum->selected)
			f->note_due = true;
	} else if (f->state == PRINT_FILE_LIVE || f->state == PRINT_FILE_ENC) {
		/* (after a line grep's encoding rule left out, the rule only
		 * matters for context, which a formatted part has not) */
		f->early_sel += sum->selected;
		if (len) {
			print_file_begin_lines(p);
			p->printed_any = true;
		}
		f->printed_matches += printed;
		f->it.base += (int64_t)sum->lines; /* the parts after it count on */
		f->it.nsel += sum->selected;
		rc = write_text(p, ring, off, len);
	} else {
		f->early_sel += sum->selected; /* stopped: not printed */
	}
	f->in_pieces = false;
	f->piece_sel = 0;
	if (rc >= 0 && u->part + 1 == u->nparts) {
		int crc = print_file_close(p, u);
		rc = crc ? crc : rc;
	}
	return rc < 0 ? rc : p->werr;
}
