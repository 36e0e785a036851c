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
	int rc = print_colored(p, C_LINE, q);
	return rc ? rc : print_sep(p, sep);
}

/* "path:" or "path\0", then "N:", then the byte offset "B:" (-b), then a
 * tab (-T) when there was a prefix and the text is not empty (grep). */
int print_prefix(struct mps_printer *p, const char *path, int64_t lineno, uint64_t offset,
		      char sep, bool empty)
{
	int rc = 0;
	if (p->o.with_filename) {
		rc = print_path(p, path);
		if (!rc)
			rc = p->o.null ? print_put(p, "", 1) : print_sep(p, sep);
	}
	if (!rc && p->o.line_number)
		rc = print_number(p, (uint64_t)lineno, sep);
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

int print_line(struct mps_printer *p, const char *path, const struct mps_line *l,
		      int64_t lineno, bool selected)
{
	int rc = 0;
	char eol = p->o.null_data ? '\0' : '\n';
	if (p->o.only_matching) {
		if (!selected || p->o.invert)
			return 0;
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			rc = print_prefix(p, path, lineno, l->offset + l->spans[i].start, ':', false);
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
	rc = print_prefix(p, path, lineno, l->offset, selected ? ':' : '-', l->len == 0);
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
