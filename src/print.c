/* SPDX-License-Identifier: BSD-3-Clause */
/* Printers: standard, count, files-with(out)-matches, quiet and JSON.
 *
 * Units arrive in output order.  A whole file is printed at once; the parts
 * of a split file are held until the last one is in, because a NUL byte in
 * any part makes the whole file binary (skipped) and because -c needs the
 * sum.  Records are placed by absolute line number (the line counts of the
 * parts before are added), duplicates from overlapping context are dropped,
 * and -m is applied over the whole file. */
#include <errno.h>
#include <fcntl.h>
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
	mps_buf_release(&p->held);
	mps_buf_release(&p->json);
	mps_buf_release(&p->back);
	if (p->spill)
		fclose(p->spill);
	free(p->parts);
	free(p->spans);
	free(p->path);
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
			it->blk = pt->ext ? pt->ext : p->held.data + pt->off;
			it->len = pt->len;
			it->pos = 0;
			if (pt->spilled) {
				p->back.len = 0;
				int rc = mps_buf_reserve(&p->back, it->len ? it->len : 1);
				if (rc)
					return rc;
				if (fseeko(p->spill, (off_t)pt->off, SEEK_SET) ||
				    fread(p->back.data, 1, it->len, p->spill) != it->len)
					return print_spill_failed(p, ferror(p->spill) && errno ? errno : EIO);
				it->blk = p->back.data;
			}
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

/* ---- the spill file ---- */

static const char *spill_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

/* An unnamed temporary file in $TMPDIR (else /tmp); NULL with errno. */
static FILE *spill_open(void)
{
	const char *dir = spill_dir();
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* no O_TMPFILE there: a named file, removed at once */
		size_t n = strlen(dir) + 32;
		char *name = malloc(n);
		if (!name)
			return NULL;
		snprintf(name, n, "%s/mpsearch-XXXXXX", dir);
		fd = mkostemp(name, O_CLOEXEC);
		if (fd >= 0)
			unlink(name);
		free(name);
	}
	FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
	if (fd >= 0 && !f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

/* Report a failed spill file by its directory; MPS_ETEMP. */
int print_spill_failed(struct mps_printer *p, int err)
{
	if (p->d.message) {
		char msg[512];
		snprintf(msg, sizeof(msg), "cannot write a temporary file in '%s': %s", spill_dir(),
			 strerror(err));
		p->d.message(p->d.ctx, msg);
	}
	return MPS_ETEMP;
}

/* ---- one whole file ---- */

/* The records of a file, in the standard format or as JSON. */
static int print_records(struct mps_printer *p, const struct mps_unit *u, const char *path,
			 bool nonascii, uint64_t selected, uint64_t matches, uint64_t bytes)
{
	bool json = p->o.output == MPS_OUT_JSON;
	bool ctx = (p->o.context || p->o.before > 0 || p->o.after > 0) && !p->o.no_group_sep;
	int rc = 0;
	if (p->o.max_count == 0)
		return rc; /* grep -m 0 prints nothing, context included */
	p->width = p->o.initial_tab ? tab_width(p, u) : 0;
	if (p->o.heading) {
		p->head_path = path; /* printed before the first line */
		p->printed_any = false; /* no "--" between files */
	}
	uint64_t printed_matches = 0, jlines = 0, sel_lines = 0;
	p->json.len = 0;
	struct print_rec_it it = {.last = INT64_MIN, .mline = -1};
	struct mps_line l;
	int64_t abs, prev = INT64_MIN;
	bool sel;
	int r;
	bool enc = false;
	if (!json && p->o.utf8 && !p->o.text && nonascii) {
		/* a line with an encoding error: grep's way (see below) */
		while ((r = print_rec_next(p, &it, &l, &abs, &sel)) == 1 && !print_line_bad(p, &l, sel))
			;
		if (r < 0)
			return r;
		enc = r == 1;
		if (enc)
			rc = print_encoding_errors(p, path, ctx, &printed_matches);
		it = (struct print_rec_it){.last = INT64_MIN, .mline = -1};
	}
	while (!enc && !rc && (r = print_rec_next(p, &it, &l, &abs, &sel)) == 1) {
		if (!json && ctx && p->printed_any && abs != prev + 1)
			rc = print_group_sep(p);
		if (rc)
			break;
		if (sel) {
			printed_matches += l.nspans;
			sel_lines += 1 + (uint64_t)print_rec_extra(p, &l);
		}
		if (json) {
			rc = print_json_line(p, path, &l, abs, sel);
			jlines++;
		} else {
			rc = print_line(p, path, &l, abs, sel);
		}
		prev = abs + print_rec_extra(p, &l);
	}
	if (!enc && !rc && r < 0)
		rc = r;
	p->t.matches += p->o.only_matching || json || p->o.color ? printed_matches : matches;
	if (json && p->o.multiline) { /* ripgrep counts the lines of the groups */
		p->t.selected = p->t.selected - selected + sel_lines;
		selected = sel_lines;
	}
	if (json && !rc && jlines)
		rc = print_json_file(p, path, selected, bytes, printed_matches);
	p->head_path = NULL;
	return rc;
}

/* -q, -c and -l/-L: what a file's summary says.  1: -q is done. */
static int print_short(struct mps_printer *p, const char *path, uint64_t selected,
		       uint64_t matches, int err)
{
	int rc = 0;
	/* ripgrep: --count-matches, and -c with --multiline, count matches
	 * (but -v's lines) */
	uint64_t count = (p->o.count_matches || p->o.multiline) && !p->o.invert ? matches : selected;
	switch (p->o.output) {
	case MPS_OUT_QUIET:
		if (selected) {
			p->quiet_done = true;
			p->t.matches += matches;
			return 1;
		}
		return 0;
	case MPS_OUT_COUNT:
		p->t.matches += matches;
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
	case MPS_OUT_FILES_WITH:
	case MPS_OUT_FILES_WITHOUT:
		p->t.matches += matches;
		if ((selected > 0) != (p->o.output == MPS_OUT_FILES_WITH) || err)
			return 0;
		p->t.listed++;
		rc = print_path(p, path);
		if (!rc)
			rc = print_put(p, p->o.null ? "" : "\n", 1);
		return rc;
	case MPS_OUT_LINES:
	case MPS_OUT_JSON:
		break;
	}
	return rc;
}

static int process_file(struct mps_printer *p, const struct mps_unit *u)
{
	const char *path = display_path(p, u);
	bool binary = false, nonascii = false;
	int err = 0;
	uint64_t selected = 0, matches = 0, bytes = 0;
	for (size_t i = 0; i < p->nparts; i++) {
		binary |= p->parts[i].sum.binary != 0;
		nonascii |= p->parts[i].sum.nonascii != 0;
		if (p->parts[i].sum.err && !err)
			err = p->parts[i].sum.err;
		selected += p->parts[i].sum.selected;
		matches += p->parts[i].sum.matches;
		bytes += p->parts[i].sum.bytes;
	}
	/* no longer a file the walk would search (a FIFO or symlink swapped
	 * in): skipped as the walk skips one */
	if (err == MPS_ESKIP)
		return 0;
	p->t.files++;
	p->t.bytes += bytes;
	if (err) {
		p->t.errors++;
		if (p->d.error)
			p->d.error(p->d.ctx, path, err);
		/* a part that failed (the file shrank, a read error) leaves the
		 * line numbers of the parts after it unknown: print nothing of a
		 * split file rather than wrong numbers */
		if (p->nparts > 1)
			return 0;
	}
	/* -I: a binary file has no match (-L lists it, as grep does) */
	if (binary && !p->o.text && p->o.binary_skip)
		selected = matches = 0;
	if (p->o.max_count >= 0 && selected > (uint64_t)p->o.max_count)
		selected = (uint64_t)p->o.max_count;
	if (selected)
		p->t.files_matched++;
	p->t.selected += selected;

	if (p->o.output != MPS_OUT_LINES && p->o.output != MPS_OUT_JSON)
		return print_short(p, path, selected, matches, err);
	if (binary && !p->o.text) {
		/* grep: no line of a binary file, a note when one was selected */
		p->t.matches += matches;
		if (!selected)
			return 0;
		p->printed_any = true; /* grep: the next group gets a "--" */
		return print_note_binary(p, path);
	}
	return print_records(p, u, path, nonascii, selected, matches, bytes);
}

int mps_printer_unit(struct mps_printer *p, const struct mps_unit *u, const unsigned char *block,
		     size_t len, const struct mps_unit_summary *sum)
{
	if (p->quiet_done)
		return 1;
	if (!p->in_file || u->part == 0) {
		p->held.len = 0;
		p->nparts = 0;
		p->in_file = true;
		p->file = u->file;
	}
	if (p->nparts == p->partcap) {
		size_t n = p->partcap ? 2 * p->partcap : 8;
		struct part *np = realloc(p->parts, n * sizeof(*np));
		if (!np)
			return -ENOMEM;
		p->parts = np;
		p->partcap = n;
	}
	struct part *pt = &p->parts[p->nparts++];
	*pt = (struct part){.sum = *sum, .off = p->held.len, .len = len};
	int rc = 0;
	if (u->part + 1 == u->nparts && p->nparts == 1) {
		pt->ext = block; /* a whole file: no copy */
	} else if (p->held.len + len <= SPILL_AT) {
		rc = mps_buf_append(&p->held, block, len);
	} else {
		if (!p->spill && !(p->spill = spill_open()))
			return print_spill_failed(p, errno);
		pt->spilled = true;
		pt->off = p->spill_len;
		if (fseeko(p->spill, (off_t)p->spill_len, SEEK_SET) ||
		    fwrite(block, 1, len, p->spill) != len)
			return print_spill_failed(p, errno ? errno : EIO);
		p->spill_len += len;
	}
	if (rc)
		return rc;
	if (u->part + 1 < u->nparts)
		return 0;
	rc = process_file(p, u);
	if (rc == 0 && p->o.line_buffered)
		rc = print_flush(p);
	p->in_file = false;
	p->held.len = 0;
	p->nparts = 0;
	if (p->spill) {
		fclose(p->spill);
		p->spill = NULL;
		p->spill_len = 0;
	}
	if (p->held.alloc > (64u << 20))
		mps_buf_release(&p->held);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return print_flush(p) ? p->werr : 1;
	return p->werr;
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
