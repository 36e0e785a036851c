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
#include "mpsearch/print.h"

#define OUTBUF (1u << 16)

/* A part of the file being assembled: its block is in `held`, in the
 * spill file (when held parts pass SPILL_AT bytes, so that memory stays
 * bounded however much a split file prints), or, for a whole file, still
 * in the caller's buffer. */
struct part {
	struct mps_unit_summary sum;
	size_t off, len;
	bool spilled;
	const unsigned char *ext;
};

#define SPILL_AT (32u << 20)

struct mps_printer {
	struct mps_print_opts o;
	struct mps_diag d;
	int fd;
	struct mps_buf out;   /* pending output */
	int werr;             /* first write error */
	bool printed_any;     /* something was printed (for "--") */
	struct mps_totals t;
	/* the file being assembled */
	uint64_t file;
	bool in_file;
	char *path;
	struct mps_buf held;
	struct part *parts;
	size_t nparts, partcap;
	struct mps_span *spans;
	size_t spcap;
	struct mps_buf json; /* one file's JSON messages */
	FILE *spill;         /* unlinked temporary file, made when first needed */
	uint64_t spill_len;
	struct mps_buf back; /* a spilled part read back */
	bool quiet_done;
	int width;           /* -T: numbers are padded to this width */
};

static const char *display_path(const struct mps_printer *p, const struct mps_unit *u)
{
	if (!(u->flags & MPS_UNIT_STDIN))
		return u->path;
	return p->o.label ? p->o.label : "(standard input)";
}

static int flush_out(struct mps_printer *p)
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

static int put(struct mps_printer *p, const void *s, size_t n)
{
	int rc = mps_buf_append(&p->out, s, n);
	if (rc)
		return rc;
	if (p->out.len >= OUTBUF)
		return flush_out(p);
	return p->werr;
}

static int puts_(struct mps_printer *p, const char *s)
{
	return put(p, s, strlen(s));
}

#define C_FILE "\33[35m\33[K"
#define C_LINE "\33[32m\33[K"
#define C_SEP "\33[36m\33[K"
#define C_MATCH "\33[01;31m\33[K"
#define C_END "\33[m\33[K"

static int put_sep(struct mps_printer *p, char c)
{
	if (p->o.color) {
		char s[32];
		snprintf(s, sizeof(s), C_SEP "%c" C_END, c);
		return puts_(p, s);
	}
	return put(p, &c, 1);
}

/* s in color (when --color is on), then the color's end. */
static int put_colored(struct mps_printer *p, const char *color, const char *s)
{
	int rc = 0;
	if (p->o.color)
		rc = puts_(p, color);
	if (!rc)
		rc = puts_(p, s);
	if (!rc && p->o.color)
		rc = puts_(p, C_END);
	return rc;
}

static int put_path(struct mps_printer *p, const char *path)
{
	return put_colored(p, C_FILE, path);
}

/* v in decimal, padded with spaces to p->width (-T), then sep.  (By hand:
 * snprintf was a tenth of the printer's time.) */
static int put_number(struct mps_printer *p, uint64_t v, char sep)
{
	char n[32];
	char *e = n + sizeof(n) - 1, *q = e;
	*e = '\0';
	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (e - q < p->width && q > n)
		*--q = ' ';
	int rc = put_colored(p, C_LINE, q);
	return rc ? rc : put_sep(p, sep);
}

/* "path:" or "path\0", then "N:", then the byte offset "B:" (-b), then a
 * tab (-T) when there was a prefix and the text is not empty (grep). */
static int put_prefix(struct mps_printer *p, const char *path, int64_t lineno, uint64_t offset,
		      char sep, bool empty)
{
	int rc = 0;
	if (p->o.with_filename) {
		rc = put_path(p, path);
		if (!rc)
			rc = p->o.null ? put(p, "", 1) : put_sep(p, sep);
	}
	if (!rc && p->o.line_number)
		rc = put_number(p, (uint64_t)lineno, sep);
	if (!rc && p->o.byte_offset)
		rc = put_number(p, offset, sep);
	if (!rc && p->o.initial_tab && !empty &&
	    (p->o.with_filename || p->o.line_number || p->o.byte_offset))
		rc = put(p, "\t", 1);
	return rc;
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

/* ---- JSON ---- */

/* Is s[0, n) UTF-8?  Strictly (RFC 3629, for JSON), or as glibc's mbrlen
 * reads it in C.UTF-8 on Debian 12 (what grep decides with): forms of up
 * to six bytes, so code points past 0x10ffff too.  Neither takes an
 * overlong form, a surrogate, or a stray or missing continuation byte. */
static bool utf8_ok(const unsigned char *s, size_t n, bool glibc)
{
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000};
	size_t i = 0;
	while (i < n) {
		uint64_t w;
		if (n - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) {
			i += 8; /* eight ASCII bytes */
			continue;
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 :
			   c >= 0xf0 && c <= 0xf7 ? 3 : c >= 0xf8 && c <= 0xfb ? 4 :
			   c >= 0xfc && c <= 0xfd ? 5 : 0;
		if (k == 0 || (!glibc && c > 0xf4) || n - i <= k)
			return false;
		uint32_t cp = c & (0x3f >> k);
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min[k] || (cp >= 0xd800 && cp <= 0xdfff) || (!glibc && cp > 0x10ffff))
			return false;
		i += k + 1;
	}
	return true;
}

static int json_str(struct mps_buf *b, const char *s, size_t n)
{
	int rc = mps_buf_append(b, "\"", strlen("\""));
	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			rc = mps_buf_append(b, e, 2);
		} else if (c == '\n') {
			rc = mps_buf_append(b, "\\n", strlen("\\n"));
		} else if (c == '\t') {
			rc = mps_buf_append(b, "\\t", strlen("\\t"));
		} else if (c == '\r') {
			rc = mps_buf_append(b, "\\r", strlen("\\r"));
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\u%04x", c);
			rc = mps_buf_append(b, e, 6);
		} else {
			rc = mps_buf_append(b, &s[i], 1);
		}
	}
	return rc ? rc : mps_buf_append(b, "\"", strlen("\""));
}

static int base64(struct mps_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int rc = mps_buf_append(b, "\"", strlen("\""));
	for (size_t i = 0; !rc && i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
			     i + 2 < n ? tab[v & 63] : '='};
		rc = mps_buf_append(b, q, 4);
	}
	return rc ? rc : mps_buf_append(b, "\"", strlen("\""));
}

int mps_json_data(struct mps_buf *b, const char *s, size_t n)
{
	int rc;
	if (utf8_ok((const unsigned char *)s, n, false)) {
		rc = mps_buf_append(b, "{\"text\":", strlen("{\"text\":"));
		if (!rc)
			rc = json_str(b, s, n);
	} else {
		rc = mps_buf_append(b, "{\"bytes\":", strlen("{\"bytes\":"));
		if (!rc)
			rc = base64(b, (const unsigned char *)s, n);
	}
	return rc ? rc : mps_buf_append(b, "}", strlen("}"));
}

static int jprintf(struct mps_buf *b, const char *fmt, unsigned long long a, unsigned long long c)
{
	char tmp[128];
	int n = snprintf(tmp, sizeof(tmp), fmt, a, c);
	return mps_buf_append(b, tmp, (size_t)n);
}

static int json_line(struct mps_printer *p, const char *path, const struct mps_line *l,
		     int64_t lineno, bool selected)
{
	struct mps_buf *b = &p->json;
	const char *head = selected ? "{\"type\":\"match\",\"data\":{\"path\":" :
				      "{\"type\":\"context\",\"data\":{\"path\":";
	int rc = mps_buf_append(b, head, strlen(head));
	if (!rc)
		rc = mps_json_data(b, path, strlen(path));
	if (!rc)
		rc = mps_buf_append(b, ",\"lines\":", strlen(",\"lines\":"));
	/* ripgrep includes the line terminator in lines.text */
	if (!rc) {
		char *t = malloc(l->len + 1);
		if (!t)
			return -ENOMEM;
		memcpy(t, l->text, l->len);
		t[l->len] = '\n';
		rc = mps_json_data(b, t, l->len + 1);
		free(t);
	}
	if (!rc)
		rc = jprintf(b, ",\"line_number\":%llu,\"absolute_offset\":%llu,\"submatches\":[",
			     (unsigned long long)lineno, (unsigned long long)l->offset);
	for (size_t i = 0; !rc && selected && i < l->nspans; i++) {
		if (i)
			rc = mps_buf_append(b, ",", strlen(","));
		if (!rc)
			rc = mps_buf_append(b, "{\"match\":", strlen("{\"match\":"));
		if (!rc)
			rc = mps_json_data(b, l->text + l->spans[i].start,
					   l->spans[i].end - l->spans[i].start);
		if (!rc)
			rc = jprintf(b, ",\"start\":%llu,\"end\":%llu}",
				     (unsigned long long)l->spans[i].start,
				     (unsigned long long)l->spans[i].end);
	}
	if (!rc)
		rc = mps_buf_append(b, "]}}\n", strlen("]}}\n"));
	return rc;
}

/* ---- the records of a file, in order ---- */

/* Walks the records of the parts of the file being printed: each line once
 * (context shared by two parts comes twice), with absolute line numbers,
 * and -m applied over the whole file (selected lines after the last one
 * allowed become its trailing context, then the walk stops). */
struct rec_it {
	size_t part;
	bool open;
	const unsigned char *blk;
	size_t len, pos;
	int64_t base, last, mline;
	uint64_t nsel;
	bool stopped;
};

/* 1 and the next record, 0 at the end, or <0. */
static int spill_failed(struct mps_printer *p, int err);

static int rec_next(struct mps_printer *p, struct rec_it *it, struct mps_line *l, int64_t *abs,
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
					return spill_failed(p, ferror(p->spill) && errno ? errno : EIO);
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
		if (s && ++it->nsel == (uint64_t)p->o.max_count)
			it->mline = a;
		it->last = a;
		*abs = a;
		*sel = s;
		return 1;
	}
	return 0;
}

static int put_group_sep(struct mps_printer *p)
{
	int rc = put_colored(p, C_SEP, p->o.group_sep ? p->o.group_sep : "--");
	return rc ? rc : put(p, "\n", 1);
}

/* ---- standard output of one line ---- */

static int print_line(struct mps_printer *p, const char *path, const struct mps_line *l,
		      int64_t lineno, bool selected)
{
	int rc = 0;
	char eol = p->o.null_data ? '\0' : '\n';
	if (p->o.only_matching) {
		if (!selected || p->o.invert)
			return 0;
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			rc = put_prefix(p, path, lineno, l->offset + l->spans[i].start, ':', false);
			if (!rc && p->o.color)
				rc = puts_(p, C_MATCH);
			if (!rc)
				rc = put(p, l->text + l->spans[i].start, l->spans[i].end - l->spans[i].start);
			if (!rc && p->o.color)
				rc = puts_(p, C_END);
			if (!rc)
				rc = put(p, &eol, 1);
		}
		p->printed_any = true;
		return rc;
	}
	rc = put_prefix(p, path, lineno, l->offset, selected ? ':' : '-', l->len == 0);
	if (!rc && p->o.color && selected && !p->o.invert && l->nspans) {
		size_t at = 0;
		for (size_t i = 0; !rc && i < l->nspans; i++) {
			rc = put(p, l->text + at, l->spans[i].start - at);
			if (!rc)
				rc = puts_(p, C_MATCH);
			if (!rc)
				rc = put(p, l->text + l->spans[i].start, l->spans[i].end - l->spans[i].start);
			if (!rc)
				rc = puts_(p, C_END);
			at = l->spans[i].end;
		}
		if (!rc)
			rc = put(p, l->text + at, l->len - at);
	} else if (!rc) {
		rc = put(p, l->text, l->len);
	}
	if (!rc)
		rc = put(p, &eol, 1);
	p->printed_any = true;
	return rc;
}

/* "FILE: binary file matches" on standard error, after what was printed. */
static int note_binary(struct mps_printer *p, const char *path)
{
	char msg[64 + 4096];
	snprintf(msg, sizeof(msg), "%s: binary file matches", path);
	int rc = flush_out(p);
	if (!rc && p->d.message)
		p->d.message(p->d.ctx, msg);
	return rc;
}

/* ---- lines with encoding errors (a UTF-8 locale) ---- */

/* Index of the first match of a selected line that grep would not print
 * with -o, or l->nspans. */
static size_t first_bad_span(const struct mps_line *l)
{
	size_t i = 0;
	while (i < l->nspans &&
	       utf8_ok((const unsigned char *)l->text + l->spans[i].start,
		       l->spans[i].end - l->spans[i].start, true))
		i++;
	return i;
}

/* Would grep leave (part of) this line out? */
static bool line_bad(const struct mps_printer *p, const struct mps_line *l, bool sel)
{
	if (p->o.only_matching)
		return sel && first_bad_span(l) < l->nspans;
	return !utf8_ok((const unsigned char *)l->text, l->len, true);
}

/* A file with such lines is printed the way grep 3.8 does it (its prtext
 * and prpending): a line is "tried"; one with an encoding error is not
 * printed (with -o, the matches before the bad one are) and, unlike the
 * others, does not move `lastout`, the line after the last one printed,
 * so the after-context that follows tries it again; group separators
 * compare with lastout.  Lines grep would then try that are no record of
 * ours (outside every context) are skipped.  At the end, "FILE: binary
 * file matches". */
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
		ok = utf8_ok((const unsigned char *)l.text, l.len, true);
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

static int print_encoding_errors(struct mps_printer *p, const char *path, bool ctx,
				 uint64_t *printed_matches)
{
	struct rec_it it = {.last = INT64_MIN, .mline = -1};
	struct mps_buf text = {0}, spans = {0};
	struct erec *v = NULL;
	size_t n = 0, cap = 0;
	struct mps_line l;
	int64_t abs;
	bool sel;
	int rc = 0, r;
	while (!rc && (r = rec_next(p, &it, &l, &abs, &sel)) == 1) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct erec *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
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
	struct enc e = {p, path, v, n, &text, (const struct mps_span *)spans.data, 0, false};
	int64_t pending = 0;
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
			rc = put_group_sep(p);
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
	if (!rc && e.bad && !p->o.binary_skip) /* grep -I leaves them out quietly */
		rc = note_binary(p, path);
	free(v);
	mps_buf_release(&text);
	mps_buf_release(&spans);
	return rc;
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
static int spill_failed(struct mps_printer *p, int err)
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

static int process_file(struct mps_printer *p, const struct mps_unit *u)
{
	const char *path = display_path(p, u);
	int rc = 0;
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
			rc = put_path(p, path);
			if (!rc)
				rc = p->o.null ? put(p, "", 1) : put_sep(p, ':');
		}
		if (!rc) {
			char n[32];
			snprintf(n, sizeof(n), "%llu\n", (unsigned long long)selected);
			rc = puts_(p, n);
		}
		return rc;
	case MPS_OUT_FILES_WITH:
	case MPS_OUT_FILES_WITHOUT:
		p->t.matches += matches;
		if ((selected > 0) != (p->o.output == MPS_OUT_FILES_WITH) || err)
			return 0;
		p->t.listed++;
		rc = put_path(p, path);
		if (!rc)
			rc = put(p, p->o.null ? "" : "\n", 1);
		return rc;
	case MPS_OUT_LINES:
	case MPS_OUT_JSON:
		break;
	}

	if (binary && !p->o.text) {
		/* grep: no line of a binary file, a note when one was selected */
		p->t.matches += matches;
		if (!selected)
			return 0;
		p->printed_any = true; /* grep: the next group gets a "--" */
		return note_binary(p, path);
	}
	bool json = p->o.output == MPS_OUT_JSON;
	bool ctx = (p->o.context || p->o.before > 0 || p->o.after > 0) && !p->o.no_group_sep;
	if (p->o.max_count == 0)
		return rc; /* grep -m 0 prints nothing, context included */
	p->width = p->o.initial_tab ? tab_width(p, u) : 0;
	uint64_t printed_matches = 0, jlines = 0;
	p->json.len = 0;
	struct rec_it it = {.last = INT64_MIN, .mline = -1};
	struct mps_line l;
	int64_t abs, prev = INT64_MIN;
	bool sel;
	int r;
	bool enc = false;
	if (!json && p->o.utf8 && !p->o.text && nonascii) {
		/* a line with an encoding error: grep's way (see below) */
		while ((r = rec_next(p, &it, &l, &abs, &sel)) == 1 && !line_bad(p, &l, sel))
			;
		if (r < 0)
			return r;
		enc = r == 1;
		if (enc)
			rc = print_encoding_errors(p, path, ctx, &printed_matches);
		it = (struct rec_it){.last = INT64_MIN, .mline = -1};
	}
	while (!enc && !rc && (r = rec_next(p, &it, &l, &abs, &sel)) == 1) {
		if (!json && ctx && p->printed_any && abs != prev + 1)
			rc = put_group_sep(p);
		if (rc)
			break;
		if (sel)
			printed_matches += l.nspans;
		if (json) {
			rc = json_line(p, path, &l, abs, sel);
			jlines++;
		} else {
			rc = print_line(p, path, &l, abs, sel);
		}
		prev = abs;
	}
	if (!enc && !rc && r < 0)
		rc = r;
	p->t.matches += p->o.only_matching || json || p->o.color ? printed_matches : matches;
	if (json && !rc && jlines) {
		struct mps_buf head = {0};
		rc = mps_buf_append(&head, "{\"type\":\"begin\",\"data\":{\"path\":", strlen("{\"type\":\"begin\",\"data\":{\"path\":"));
		if (!rc)
			rc = mps_json_data(&head, path, strlen(path));
		if (!rc)
			rc = mps_buf_append(&head, "}}\n", strlen("}}\n"));
		if (!rc)
			rc = put(p, head.data, head.len);
		if (!rc)
			rc = put(p, p->json.data, p->json.len);
		unsigned long long printed = head.len + p->json.len;
		mps_buf_release(&head);
		char e[1024];
		int n = snprintf(e, sizeof(e),
				 "{\"type\":\"end\",\"data\":{\"path\":");
		if (!rc)
			rc = put(p, e, (size_t)n);
		struct mps_buf pj = {0};
		if (!rc)
			rc = mps_json_data(&pj, path, strlen(path));
		if (!rc)
			rc = put(p, pj.data, pj.len);
		mps_buf_release(&pj);
		n = snprintf(e, sizeof(e),
			     ",\"binary_offset\":null,\"stats\":{\"elapsed\":{\"secs\":0,"
			     "\"nanos\":0,\"human\":\"0.000000s\"},\"searches\":1,"
			     "\"searches_with_match\":%d,\"bytes_searched\":%llu,"
			     "\"bytes_printed\":%llu,\"matched_lines\":%llu,\"matches\":%llu}}}\n",
			     selected ? 1 : 0, (unsigned long long)bytes, printed,
			     (unsigned long long)selected, (unsigned long long)printed_matches);
		if (!rc)
			rc = put(p, e, (size_t)n);
	}
	return rc;
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
			return spill_failed(p, errno);
		pt->spilled = true;
		pt->off = p->spill_len;
		if (fseeko(p->spill, (off_t)p->spill_len, SEEK_SET) ||
		    fwrite(block, 1, len, p->spill) != len)
			return spill_failed(p, errno ? errno : EIO);
		p->spill_len += len;
	}
	if (rc)
		return rc;
	if (u->part + 1 < u->nparts)
		return 0;
	rc = process_file(p, u);
	if (rc == 0 && p->o.line_buffered)
		rc = flush_out(p);
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
		return flush_out(p) ? p->werr : 1;
	return p->werr;
}

void mps_printer_tally(struct mps_printer *p, uint64_t files, uint64_t bytes)
{
	p->t.files += files;
	p->t.bytes += bytes;
}

int mps_printer_finish(struct mps_printer *p, double elapsed)
{
	if (p->o.output == MPS_OUT_JSON) {
		unsigned long long secs = (unsigned long long)elapsed;
		unsigned long long nanos = (unsigned long long)((elapsed - (double)secs) * 1e9);
		char tmp[1024];
		int n = snprintf(tmp, sizeof(tmp),
				 "{\"data\":{\"elapsed_total\":{\"human\":\"%.6fs\",\"nanos\":%llu,"
				 "\"secs\":%llu},\"stats\":{\"bytes_printed\":0,\"bytes_searched\":%llu,"
				 "\"elapsed\":{\"human\":\"%.6fs\",\"nanos\":%llu,\"secs\":%llu},"
				 "\"matched_lines\":%llu,\"matches\":%llu,\"searches\":%llu,"
				 "\"searches_with_match\":%llu}},\"type\":\"summary\"}\n",
				 elapsed, nanos, secs, (unsigned long long)p->t.bytes, elapsed, nanos,
				 secs, (unsigned long long)p->t.selected,
				 (unsigned long long)p->t.matches, (unsigned long long)p->t.files,
				 (unsigned long long)p->t.files_matched);
		put(p, tmp, (size_t)n);
	}
	return flush_out(p);
}
