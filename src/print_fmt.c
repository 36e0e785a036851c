/* SPDX-License-Identifier: BSD-3-Clause */
/* The standard printer's output: the buffer written to the printer's fd,
 * and the pieces of a line (file name, numbers, separators, colors), one
 * record at a time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "print_int.h"

int print_flush(struct mps_printer *p)
{
	if (p->fixed)
		return 0; /* the owner of the memory takes the text */
	size_t off = 0;
	while (off < p->out.len && !p->werr) {
		ssize_t n = write(p->fd, p->out.data + off, p->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p->werr = -errno;
			break;
		}
		off += (size_t)n;
	}
	p->out.len = 0;
	return p->werr;
}

int print_put(struct mps_printer *p, const void *s, size_t n)
{
	if (p->fixed) {
		if (p->out.len + n > p->out.alloc && (!p->more || p->more(p->more_ctx, &p->out, n)))
			return -ENOSPC;
		memcpy(p->out.data + p->out.len, s, n);
		p->out.len += n;
		return 0;
	}
	int rc = mps_buf_append(&p->out, s, n);
	if (rc)
		return rc;
	if (p->out.len >= OUTBUF)
		return print_flush(p);
	return p->werr;
}

int print_puts(struct mps_printer *p, const char *s)
{
	return print_put(p, s, strlen(s));
}

#define C_FILE "\33[35m\33[K"
#define C_LINE "\33[32m\33[K"
#define C_SEP "\33[36m\33[K"
#define C_MATCH "\33[01;31m\33[K"
#define C_END "\33[m\33[K"

int print_sep(struct mps_printer *p, char c)
{
	if (p->o.color) {
		char s[32];
		snprintf(s, sizeof(s), C_SEP "%c" C_END, c);
		return print_puts(p, s);
	}
	return print_put(p, &c, 1);
}

/* s in color (when --color is on), then the color's end. */
int print_colored(struct mps_printer *p, const char *color, const char *s)
{
	int rc = 0;
	if (p->o.color)
		rc = print_puts(p, color);
	if (!rc)
		rc = print_puts(p, s);
	if (!rc && p->o.color)
		rc = print_puts(p, C_END);
	return rc;
}

int print_path(struct mps_printer *p, const char *path)
{
	return print_colored(p, C_FILE, path);
}

/* v in decimal, padded with spaces to p->width (-T), then sep.  (By hand:
 * snprintf was a tenth of the printer's time.) */
int print_number(struct mps_printer *p, uint64_t v, char sep)
{
	char n[32];
	char *e = n + sizeof(n) - 1, *q = e;
	*e = '\0';
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (e - q < p->width && q > n)
		*--q = ' ';
	if (!p->o.color) { /* the number and its separator in one piece */
		*e = sep;
		return print_put(p, q, (size_t)(e - q) + 1);
	}
	int rc = print_colored(p, C_LINE, q);
	return rc ? rc : print_sep(p, sep);
}

/* "path:" or "path\0" (not under a heading), then "N:", then the column
 * "C:" (col > 0), then the byte offset "B:" (-b), then a tab (-T) when
 * there was a prefix and the text is not empty (grep). */
int print_prefix(struct mps_printer *p, const char *path, int64_t lineno, uint64_t col,
		 uint64_t offset, char sep, bool empty)
{
	int rc = 0;
	if (p->o.with_filename && !p->o.heading) {
		if (path != p->pfx_path) { /* a file's first line */
			p->pfx.len = 0;
			if (p->o.color)
				rc = mps_buf_append(&p->pfx, C_FILE, sizeof(C_FILE) - 1);
			if (!rc)
				rc = mps_buf_append(&p->pfx, path, strlen(path));
			if (!rc && p->o.color)
				rc = mps_buf_append(&p->pfx, C_END, sizeof(C_END) - 1);
			p->pfx_path = rc ? NULL : path;
		}
		if (!rc)
			rc = print_put(p, p->pfx.data, p->pfx.len);
		if (!rc)
			rc = p->o.null ? print_put(p, "", 1) : print_sep(p, sep);
	}
	if (!rc && p->o.line_number)
		rc = print_number(p, (uint64_t)lineno, sep);
	if (!rc && col)
		rc = print_number(p, col, sep);
	if (!rc && p->o.byte_offset)
		rc = print_number(p, offset, sep);
	if (!rc && p->o.initial_tab && !empty &&
	    (p->o.with_filename || p->o.line_number || p->o.byte_offset))
		rc = print_put(p, "\t", 1);
	return rc;
}

int print_group_sep(struct mps_printer *p)
{
	int rc = print_colored(p, C_SEP, p->o.group_sep ? p->o.group_sep : "--");
	return rc ? rc : print_put(p, "\n", 1);
}

/* ---- standard output of one line ---- */

/* --heading: the path of the file about to be printed on a line of its
 * own (ended by NUL with --null, as ripgrep does), after an empty line
 * when a file was printed before. */
static int print_heading(struct mps_printer *p)
{
	int rc = p->headed ? print_put(p, "\n", 1) : 0;
	if (!rc)
		rc = print_path(p, p->head_path);
	if (!rc)
		rc = print_put(p, p->o.null ? "" : "\n", 1);
	p->head_path = NULL;
	p->headed = true;
	return rc;
}

/* text[from, to), with the parts that spans cover in the match color. */
static int put_marked(struct mps_printer *p, const char *text, size_t from, size_t to,
		      const struct mps_span *sp, size_t n)
{
	int rc = 0;
	size_t at = from;
	for (size_t i = 0; !rc && p->o.color && i < n; i++) {
		size_t a = sp[i].start > at ? sp[i].start : at;
		size_t b = sp[i].end < to ? sp[i].end : to;
		if (a >= b)
			continue;
		rc = print_put(p, text + at, a - at);
		if (!rc)
			rc = print_puts(p, C_MATCH);
		if (!rc)
			rc = print_put(p, text + a, b - a);
		if (!rc)
			rc = print_puts(p, C_END);
		at = b;
	}
	return rc ? rc : print_put(p, text + at, to - at);
}

/* The lines of a record: [*ls, *le) is the line after the one that ends
 * at *le (start with *le = SIZE_MAX); false past the last. */
static bool next_line(const struct mps_line *l, size_t *ls, size_t *le)
{
	size_t s = *le == SIZE_MAX ? 0 : *le + 1;
	if (s > l->len || (*le != SIZE_MAX && *le == l->len))
		return false;
	const char *nl = memchr(l->text + s, '\n', l->len - s);
	*ls = s;
	*le = nl ? (size_t)(nl - l->text) : l->len;
	return true;
}

/* The line of record l that holds byte pos: its index, and [*ls, *le). */
static int64_t line_at(const struct mps_line *l, size_t pos, size_t *ls, size_t *le)
{
	int64_t k = 0;
	*le = SIZE_MAX;
	while (next_line(l, ls, le) && *le < pos && *le < l->len)
		k++;
	return k;
}

/* -o with --column/--vimgrep/--multiline: each match, one line of it at a
 * time (a match across lines gives a line for each nonempty piece); the
 * column is ripgrep's: the match's start in the record, plus one. */
static int record_only(struct mps_printer *p, const char *path, const struct mps_line *l,
		       int64_t lineno, char eol)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < l->nspans; i++) {
		const struct mps_span *m = &l->spans[i];
		size_t ls, le;
		int64_t k = line_at(l, m->start, &ls, &le);
		do {
			size_t a = m->start > ls ? m->start : ls, b = m->end < le ? m->end : le;
			if (a < b) {
				rc = print_prefix(p, path, lineno + k, p->o.column ? m->start + 1 : 0,
						  l->offset + a, ':', false);
				if (!rc)
					rc = put_marked(p, l->text, a, b, m, 1);
				if (!rc)
					rc = print_put(p, &eol, 1);
			}
			k++;
		} while (!rc && le < m->end && next_line(l, &ls, &le));
	}
	return rc;
}

/* A record printed the way ripgrep's standard printer does it, for
 * --column, --vimgrep and --multiline.  A record is one line, or with
 * --multiline the lines a group of matches touches (text holds their
 * '\n', and the last one's when a match ends after it; spans are offsets
 * in the whole).  Context lines and -v's lines
 * get no column.  --vimgrep: a line for each match, the line where it
 * starts, with the match's column in it.  Else each line of the record,
 * with the column of the record's first match. */
int print_record(struct mps_printer *p, const char *path, const struct mps_line *rec,
		 int64_t lineno, bool selected)
{
	struct mps_line cut = *rec, *l = &cut;
	if (p->o.multiline && l->len && l->text[l->len - 1] == '\n')
		l->len--; /* a group's record may keep its final '\n' */
	int rc = 0;
	char eol = p->o.null_data ? '\0' : '\n';
	bool marked = selected && !p->o.invert && l->nspans;
	p->printed_any = true;
	if (marked && p->o.only_matching)
		return record_only(p, path, l, lineno, eol);
	if (selected && p->o.only_matching)
		return 0;
	size_t ls, le;
	if (marked && p->o.vimgrep) {
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			int64_t k = line_at(l, l->spans[i].start, &ls, &le);
			rc = print_prefix(p, path, lineno + k, l->spans[i].start - ls + 1,
					  l->offset + ls, ':', le == ls);
			if (!rc)
				rc = put_marked(p, l->text, ls, le, l->spans, l->nspans);
			if (!rc)
				rc = print_put(p, &eol, 1);
		}
		return rc;
	}
	uint64_t col = marked && p->o.column ? l->spans[0].start + 1 : 0;
	le = SIZE_MAX;
	for (int64_t k = 0; !rc && next_line(l, &ls, &le); k++) {
		rc = print_prefix(p, path, lineno + k, col, l->offset + ls, selected ? ':' : '-',
				  le == ls);
		if (!rc)
			rc = marked ? put_marked(p, l->text, ls, le, l->spans, l->nspans)
				    : print_put(p, l->text + ls, le - ls);
		if (!rc)
			rc = print_put(p, &eol, 1);
	}
	return rc;
}

int print_line(struct mps_printer *p, const char *path, const struct mps_line *l,
		      int64_t lineno, bool selected)
{
	int rc = 0;
	char eol = p->o.null_data ? '\0' : '\n';
	if (p->head_path) {
		rc = print_heading(p);
		if (rc)
			return rc;
	}
	if (p->o.column || p->o.vimgrep || p->o.multiline)
		return print_record(p, path, l, lineno, selected);
	if (p->o.only_matching) {
		if (!selected || p->o.invert)
			return 0;
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			rc = print_prefix(p, path, lineno, 0, l->offset + l->spans[i].start, ':', false);
			if (!rc && p->o.color)
				rc = print_puts(p, C_MATCH);
			if (!rc)
				rc = print_put(p, l->text + l->spans[i].start, l->spans[i].end - l->spans[i].start);
			if (!rc && p->o.color)
				rc = print_puts(p, C_END);
			if (!rc)
				rc = print_put(p, &eol, 1);
		}
		p->printed_any = true;
		return rc;
	}
	rc = print_prefix(p, path, lineno, 0, l->offset, selected ? ':' : '-', l->len == 0);
	if (!rc && p->o.color && selected && !p->o.invert && l->nspans) {
		size_t at = 0;
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			rc = print_put(p, l->text + at, l->spans[i].start - at);
			if (!rc)
				rc = print_puts(p, C_MATCH);
			if (!rc)
				rc = print_put(p, l->text + l->spans[i].start, l->spans[i].end - l->spans[i].start);
			if (!rc)
				rc = print_puts(p, C_END);
			at = l->spans[i].end;
		}
		if (!rc)
			rc = print_put(p, l->text + at, l->len - at);
	} else if (!rc) {
		rc = print_put(p, l->text, l->len);
	}
	if (!rc)
		rc = print_put(p, &eol, 1);
	p->printed_any = true;
	return rc;
}

/* "FILE: binary file matches" on standard error, after what was printed. */
int print_note_binary(struct mps_printer *p, const char *path)
{
	char msg[64 + 4096];
	snprintf(msg, sizeof(msg), "%s: binary file matches", path);
	int rc = print_flush(p);
	if (!rc && p->d.message)
		p->d.message(p->d.ctx, msg);
	return rc;
}
