/* SPDX-License-Identifier: BSD-3-Clause */
/* Printers: standard, count, files-with(out)-matches, quiet and JSON.
 *
 * Units arrive in output order: a whole file, the parts of a split file one
 * after another, or a stream in pieces.  Each part is printed as it comes,
 * with the file's state carried to the next (struct print_file): records
 * are placed by absolute line number (the line counts of the parts before
 * are added), duplicates from overlapping context are dropped, and -m is
 * applied over the whole file.  As grep does, output stops at the part
 * where a NUL byte is found ("binary file matches" follows if a line is
 * selected from there on); grep's rule for lines with encoding errors
 * (print_enc.c) applies from the part where it triggers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "print_int.h"


static const char *display_path(const struct mps_printer *p, const struct mps_unit *u)
{
	if (!(u->flags & MPS_UNIT_STDIN))
		return u->path;
	return p->o.label ? p->o.label : "(standard input)";
}

/* -T: grep pads numbers to the width of the file size (plus one with line
 * numbers), or of INTMAX_MAX when the input is not a regular file. */
static int tab_width(const struct mps_printer *p, const struct mps_unit *u)
{
	struct stat st;
	int rc = (u->flags & MPS_UNIT_STDIN) ? fstat(STDIN_FILENO, &st) : stat(u->path, &st);
	uint64_t num = !rc && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : (uint64_t)INT64_MAX;
	int w = 0;
	if (p->o.line_number && num < (uint64_t)INT64_MAX)
		num++;
	do
		w++;
	while ((num /= 10) != 0);
	return w;
}

struct mps_printer *mps_printer_new(const struct mps_print_opts *o, int fd, const struct mps_diag *d)
{
	struct mps_printer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->o = *o;
	if (o->vimgrep) { /* ripgrep: --vimgrep implies these */
		p->o.column = p->o.line_number = true;
		p->o.heading = false;
	}
	if (o->column)
		p->o.line_number = true;
	p->o.heading = p->o.heading && p->o.with_filename && o->output == MPS_OUT_LINES;
	if (d)
		p->d = *d;
	p->fd = fd;
	if (isatty(fd)) /* as grep: a terminal sees each line as it is found */
		p->o.line_buffered = true;
	if (mps_buf_reserve(&p->out, OUTBUF + 4096)) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void mps_printer_free(struct mps_printer *p)
{
	if (!p)
		return;
	mps_buf_release(&p->out);
	mps_buf_release(&p->json);
	mps_buf_release(&p->pfx);
	print_enc_release(&p->f.enc);
	free(p->parts);
	free(p->spans);
	free(p->f.path);
	free(p);
}

void mps_printer_totals(const struct mps_printer *p, struct mps_totals *t)
{
	*t = p->t;
}

/* ---- the records of a file, in order ---- */

int64_t print_rec_extra(const struct mps_printer *p, const struct mps_line *l)
{
	int64_t n = 0;
	const char *at = l->text, *end = l->text + l->len;
	if (p->o.multiline && l->len && end[-1] == '\n')
		end--; /* a group's record may keep its final '\n' */
	while (p->o.multiline && (at = memchr(at, '\n', (size_t)(end - at)))) {
		at++;
		n++;
	}
	return n;
}

int print_rec_next(struct mps_printer *p, struct print_rec_it *it, struct mps_line *l, int64_t *abs,
		    bool *sel)
{
	while (!it->stopped) {
		if (!it->open) {
			if (it->part >= p->nparts)
				return 0;
			struct part *pt = &p->parts[it->part];
			it->blk = pt->ext;
			it->len = pt->len;
			it->pos = 0;
			it->open = true;
		}
		int r = mps_block_next(it->blk, it->len, &it->pos, l, &p->spans, &p->spcap);
		if (r < 0)
			return r;
		if (r == 0) {
			it->base += (int64_t)p->parts[it->part].sum.lines;
			it->part++;
			it->open = false;
			continue;
		}
		int64_t a = it->base + l->lineno;
		if (a <= it->last)
			continue;
		bool s = l->kind == MPS_LINE_SELECTED;
		if (p->o.max_count >= 0 && it->nsel >= (uint64_t)p->o.max_count) {
			if (a > it->mline + p->o.after) {
				it->stopped = true;
				break;
			}
			s = false; /* trailing context after the last allowed line */
		}
		int64_t z = a + print_rec_extra(p, l);
		if (s && ++it->nsel == (uint64_t)p->o.max_count)
			it->mline = z;
		it->last = z;
		*abs = a;
		*sel = s;
		return 1;
	}
	return 0;
}

/* ---- the file in progress ---- */

bool print_file_live(const struct mps_printer *p)
{
	return p->f.open && p->f.state == PRINT_FILE_LIVE;
}

static bool lines_mode(const struct mps_printer *p)
{
	return p->o.output == MPS_OUT_LINES || p->o.output == MPS_OUT_JSON;
}

static bool group_seps(const struct mps_printer *p)
{
	return (p->o.context || p->o.before > 0 || p->o.after > 0) && !p->o.no_group_sep;
}

/* Start the file of unit u: the carried state is reset. */
static int file_open(struct mps_printer *p, const struct mps_unit *u)
{
	p->pfx_path = NULL;
	free(p->f.path);
	print_enc_release(&p->f.enc);
	p->head_path = NULL; /* (it pointed into the path just freed) */
	p->f = (struct print_file){
		.open = true, .file = u->file, .state = PRINT_FILE_LIVE,
		.it = {.last = INT64_MIN, .mline = -1}, .prev = INT64_MIN, .last_sel = INT64_MIN,
	};
	p->nparts = 0;
	p->f.path = strdup(display_path(p, u));
	if (!p->f.path)
		return -ENOMEM;
	if (lines_mode(p) && p->o.initial_tab)
		p->width = tab_width(p, u);
	return 0;
}

/* The file's first line is about to be printed. */
void print_file_begin_lines(struct mps_printer *p)
{
	if (p->f.begun)
		return;
	p->f.begun = true;
	if (p->o.heading) {
		p->head_path = p->f.path; /* printed before the first line */
		p->printed_any = false;   /* no "--" between files */
	}
}

/* Print the records of p->parts[0] (the part or piece in hand). */
static int print_part(struct mps_printer *p)
{
	struct print_file *f = &p->f;
	bool json = p->o.output == MPS_OUT_JSON, ctx = group_seps(p);
	struct mps_line l;
	int64_t abs;
	bool sel;
	int r, rc = 0;
	f->it.part = 0;
	f->it.open = false;
	while (!rc && (r = print_rec_next(p, &f->it, &l, &abs, &sel)) == 1) {
		print_file_begin_lines(p);
		int64_t end = abs + print_rec_extra(p, &l);
		if (sel) {
			f->printed_matches += l.nspans;
			f->sel_lines += 1 + (uint64_t)(end - abs);
			f->last_sel = end;
			f->piece_sel++;
		}
		if (f->enc.on) {
			rc = print_enc_record(p, &l, abs, sel, ctx);
		} else {
			if (!json && ctx && p->printed_any && abs != f->prev + 1)
				rc = print_group_sep(p);
			if (!rc)
				rc = json ? print_json_line(p, f->path, &l, abs, sel) :
					    print_line(p, f->path, &l, abs, sel);
		}
		f->prev = end;
		if (!rc && p->o.line_buffered)
			rc = print_flush(p);
	}
	return !rc && r < 0 ? r : rc;
}

/* Does p->parts[0] hold a line grep's encoding-error rule would leave out?
 * 1, 0 or <0. */
static int part_has_bad(struct mps_printer *p)
{
	struct print_rec_it it = p->f.it;
	it.part = 0;
	it.open = false;
	struct mps_line l;
	int64_t abs;
	bool sel;
	int r;
	while ((r = print_rec_next(p, &it, &l, &abs, &sel)) == 1)
		if (print_line_bad(p, &l, sel))
			return 1;
	return r;
}

/* -m was reached: nothing of the rest is selected. */
static bool max_reached(const struct mps_printer *p)
{
	return p->o.max_count >= 0 && p->f.it.nsel >= (uint64_t)p->o.max_count;
}

/* The lines of a part (or piece) in the standard format or as JSON. */
static int lines_part(struct mps_printer *p, const unsigned char *block, size_t len,
		      const struct mps_unit_summary *sum)
{
	struct print_file *f = &p->f;
	if (p->o.max_count == 0)
		return 0; /* grep -m 0 prints nothing, context included */
	if (f->state == PRINT_FILE_BINARY) {
		/* grep: a note when a line is selected after the NUL byte (the
		 * lines of this unit's pieces were printed before it) */
		if (!p->o.binary_skip && sum->selected > f->piece_sel && !max_reached(p))
			f->note_due = true;
		return 0;
	}
	if (f->state == PRINT_FILE_STOPPED)
		return 0;
	bool enc = p->o.output == MPS_OUT_LINES && p->o.utf8 && !p->o.text && sum->nonascii;
	p->parts[0] = (struct part){.sum = *sum, .len = len, .ext = block ? block : (const unsigned char *)""};
	p->nparts = 1;
	int rc = 0;
	if (print_file_live(p) && enc && (rc = part_has_bad(p)) == 1) {
		print_file_begin_lines(p);
		f->state = PRINT_FILE_ENC; /* from this part on */
		print_enc_start(p);
	}
	if (rc >= 0)
		rc = print_part(p);
	p->nparts = 0;
	return rc;
}

/* What a part (or piece) says, taken in.  1: -q is done. */
static int file_part(struct mps_printer *p, const struct mps_unit *u, const unsigned char *block,
		     size_t len, const struct mps_unit_summary *sum)
{
	struct print_file *f = &p->f;
	f->bytes += sum->bytes;
	if (sum->err == MPS_ESKIP) {
		/* no longer a file the walk would search (a FIFO or symlink
		 * swapped in): skipped as the walk skips one */
		f->skipped = true;
		f->state = PRINT_FILE_STOPPED;
	}
	if (f->state == PRINT_FILE_STOPPED)
		return 0;
	if (sum->err) {
		f->err = sum->err;
		p->t.errors++;
		if (p->d.error)
			p->d.error(p->d.ctx, f->path, sum->err);
		/* a part that failed (the file shrank, a read error) leaves the
		 * line numbers of the parts after it unknown: the file's output
		 * stops after the parts already printed */
		if (u->nparts > 1) {
			f->state = PRINT_FILE_STOPPED;
			return 0;
		}
	}
	if (sum->binary && !p->o.text && f->state != PRINT_FILE_BINARY) {
		f->state = PRINT_FILE_BINARY; /* from this part on */
		f->skip_bin = p->o.binary_skip; /* -I: in the end no match */
	}
	bool bin = f->state == PRINT_FILE_BINARY;
	f->selected += sum->selected;
	f->matches += sum->matches;
	f->early_sel += bin ? 0 : sum->selected;
	f->bin_matches += bin ? sum->matches : 0;
	switch (p->o.output) {
	case MPS_OUT_QUIET:
		return sum->selected && !f->skip_bin;
	case MPS_OUT_FILES_WITH:
		/* listed at its first selected line (grep stops there) */
		if (!sum->selected || f->skip_bin)
			return 0;
		f->state = PRINT_FILE_STOPPED;
		p->t.listed++;
		int rc = print_path(p, f->path);
		return rc ? rc : print_put(p, p->o.null ? "" : "\n", 1);
	case MPS_OUT_COUNT:
	case MPS_OUT_FILES_WITHOUT:
		return 0;
	case MPS_OUT_LINES:
	case MPS_OUT_JSON:
		break;
	}
	return lines_part(p, block, len, sum);
}

/* -c and -L: what the file's sums say. */
static int print_count_or_without(struct mps_printer *p, uint64_t selected, uint64_t matches)
{
	const char *path = p->f.path;
	int rc = 0;
	if (p->o.output == MPS_OUT_FILES_WITHOUT) {
		if (selected || p->f.err)
			return 0;
		p->t.listed++;
		rc = print_path(p, path);
		return rc ? rc : print_put(p, p->o.null ? "" : "\n", 1);
	}
	/* ripgrep: --count-matches, and -c with --multiline, count matches
	 * (but -v's lines) */
	uint64_t count = (p->o.count_matches || p->o.multiline) && !p->o.invert ? matches : selected;
	if (!selected)
		return 0;
	if (p->o.with_filename) {
		rc = print_path(p, path);
		if (!rc)
			rc = p->o.null ? print_put(p, "", 1) : print_sep(p, ':');
	}
	if (!rc) {
		char num[32];
		snprintf(num, sizeof(num), "%llu\n", (unsigned long long)count);
		rc = print_puts(p, num);
	}
	return rc;
}

/* The totals and the end of the file's output. */
int print_file_close(struct mps_printer *p, const struct mps_unit *u)
{
	struct print_file *f = &p->f;
	int rc = 0;
	if (f->skipped)
		goto out;
	p->t.files++;
	p->t.bytes += f->bytes;
	rc = print_enc_end(p);
	bool first_match = p->o.output == MPS_OUT_QUIET || p->o.output == MPS_OUT_FILES_WITH ||
			   p->o.output == MPS_OUT_FILES_WITHOUT;
	uint64_t selected = !f->skip_bin ? f->selected : first_match ? f->early_sel : 0;
	uint64_t matches = f->skip_bin ? 0 : f->matches;
	if (p->o.max_count >= 0 && selected > (uint64_t)p->o.max_count)
		selected = (uint64_t)p->o.max_count;
	if (selected)
		p->t.files_matched++;
	bool json = p->o.output == MPS_OUT_JSON;
	if (json && p->o.multiline && f->begun) /* ripgrep counts the lines of the groups */
		selected = f->sel_lines;
	p->t.selected += selected;
	if (!lines_mode(p)) {
		p->t.matches += matches;
		if (!rc && (p->o.output == MPS_OUT_COUNT || p->o.output == MPS_OUT_FILES_WITHOUT) &&
		    !(f->err && u->nparts > 1))
			rc = print_count_or_without(p, selected, matches);
		goto out;
	}
	p->t.matches += f->skip_bin ? 0 :
			p->o.only_matching || json || p->o.color ? f->printed_matches + f->bin_matches :
								   f->matches;
	if (!rc && f->json_begun)
		rc = print_json_end(p, f->path, selected, f->bytes, f->printed_matches);
	if (!rc && f->note_due)
		rc = print_note_binary(p, f->path);
	p->printed_any |= f->note_due; /* grep: the next group gets a "--" */
out:
	p->head_path = NULL;
	f->open = false;
	p->nparts = 0;
	print_enc_release(&f->enc);
	return rc;
}

/* Open the file of u unless it is the one in progress. */
int print_file_enter(struct mps_printer *p, const struct mps_unit *u)
{
	if (p->f.open && p->f.file == u->file && (u->part > 0 || p->f.in_pieces))
		return 0;
	if (p->partcap == 0 && MPS_GROW(p->parts, 1, p->partcap))
		return -ENOMEM;
	return file_open(p, u);
}

int mps_printer_piece(struct mps_printer *p, const struct mps_unit *u, const unsigned char *block,
		      size_t len)
{
	if (p->quiet_done)
		return 1;
	int rc = print_file_enter(p, u);
	p->f.in_pieces = true;
	if (!rc && lines_mode(p) && len) {
		/* no summary yet: the lines are checked for encoding errors */
		struct mps_unit_summary none = {.nonascii = 1};
		rc = lines_part(p, block, len, &none);
	}
	if (!rc && p->o.line_buffered)
		rc = print_flush(p);
	return rc < 0 ? rc : p->werr;
}

int mps_printer_unit(struct mps_printer *p, const struct mps_unit *u, const unsigned char *block,
		     size_t len, const struct mps_unit_summary *sum)
{
	if (p->quiet_done)
		return 1;
	int rc = print_file_enter(p, u);
	if (!rc)
		rc = file_part(p, u, block, len, sum);
	p->f.in_pieces = false;
	p->f.piece_sel = 0;
	if (rc == 1)
		p->quiet_done = true;
	if (rc >= 0 && (rc == 1 || u->part + 1 == u->nparts)) {
		int crc = print_file_close(p, u);
		rc = crc ? crc : rc;
	}
	if (rc == 0 && p->o.line_buffered)
		rc = print_flush(p);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return print_flush(p) ? p->werr : 1;
	return p->werr;
}

int mps_printer_flush(struct mps_printer *p)
{
	return print_flush(p);
}

void mps_printer_tally(struct mps_printer *p, uint64_t files, uint64_t bytes)
{
	p->t.files += files;
	p->t.bytes += bytes;
}

int mps_printer_finish(struct mps_printer *p, double elapsed)
{
	if (p->o.output == MPS_OUT_JSON)
		print_json_summary(p, elapsed);
	return print_flush(p);
}
