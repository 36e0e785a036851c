/* SPDX-License-Identifier: BSD-3-Clause */
/* Searcher: the line scanner around the matcher.
 *
 * A unit is a whole input or a byte range [begin, end) of a file.  A range
 * owns the lines that start inside it: it skips a partial first line and
 * reads past its end to finish its last line (and, for -A, to print the
 * trailing context, which the printer de-duplicates).  For -B it also reads
 * the lines just before its first owned line.  Line numbers in records are
 * relative to the first owned line (1); the printer adds the line counts of
 * the parts before.  --multiline searches the owned lines as one text
 * instead (search_ml.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mpsearch/error.h"
#include "mpsearch/search.h"
#include "util.h"
#include "search_int.h"

#define DEFAULT_BUF MPS_SEARCH_BUF

size_t mps_count_newlines(const char *p, size_t n)
{
	size_t c = 0, i = 0;
#ifdef __SSE2__
	/* Compare 16 bytes at a time; a match is 0xff, i.e. -1, so subtracting
	 * the comparison counts per byte lane.  Lanes are summed with psadbw
	 * before they can overflow (at most 255 rounds). */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (i + 64 <= n) {
		size_t rounds = (n - i) / 64;
		if (rounds > 63)
			rounds = 63; /* 4 compares per round: 4 * 63 < 256 per lane */
		__m128i acc = zero;
		for (size_t k = 0; k < rounds; k++, i += 64) {
			__m128i a = _mm_loadu_si128((const __m128i *)(p + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(p + i + 16));
			__m128i d = _mm_loadu_si128((const __m128i *)(p + i + 32));
			__m128i e = _mm_loadu_si128((const __m128i *)(p + i + 48));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(a, nl));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(b, nl));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(d, nl));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(e, nl));
		}
		__m128i s = _mm_sad_epu8(acc, zero);
		c += (size_t)_mm_cvtsi128_si64(s) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

struct mps_searcher *mps_searcher_new(const struct mps_matcher *m, const struct mps_search_opts *o)
{
	struct mps_searcher *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->m = m;
	s->o = *o;
	s->cap = o->bufsize ? o->bufsize : DEFAULT_BUF;
	s->buf = malloc(s->cap);
	s->ms = mps_matcher_scratch_new(m);
	if (!s->buf || !s->ms) {
		mps_searcher_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void mps_searcher_set_wait(struct mps_searcher *s, int (*wait)(void *ctx), void *ctx)
{
	s->wait = wait;
	s->wait_ctx = ctx;
}

void mps_searcher_free(struct mps_searcher *s)
{
	if (!s)
		return;
	mps_matcher_scratch_free(s->ms);
	free(s->buf);
	free(s->spans);
	free(s->zbuf);
	free(s);
}

/* -z: swap '\n' and NUL, so that the line machinery (and the matcher) see
 * records as lines; lines are swapped back before the sink sees them. */
static void swap_nl(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			p[i] = '\0';
		else if (p[i] == '\0')
			p[i] = '\n';
	}
}

/* A binary file: each NUL ends a line (grep's "zapping"). */
static void zap_nuls(char *p, size_t n)
{
	char *e = p + n;
	while ((p = memchr(p, 0, (size_t)(e - p))))
		*p++ = '\n';
}

/* A NUL byte was seen: the file is binary. */
static void mark_binary(struct run *r)
{
	r->sum.binary = 1;
	/* nothing more goes to the sink; one selected line tells */
	if (r->ro.emit_lines)
		r->ro.first_only = true;
	r->ro.emit_lines = false;
	r->ro.spans = false;
	r->after_left = 0;
}

/* Map bytes p[0, n) for matching (-z, a binary file). */
static void map_bytes(struct run *r, char *p, size_t n)
{
	if (r->o->null_data)
		swap_nl(p, n);
	else if (r->sum.binary && !r->o->binary_skip)
		zap_nuls(p, n);
}

/* Bytes just read into p[0, n): note a NUL, and map them for matching. */
static void took(struct run *r, char *p, size_t n)
{
	if (!r->o->text && !r->sum.binary && memchr(p, 0, n))
		mark_binary(r);
	map_bytes(r, p, n);
}

static void run_opts(struct run *r)
{
	r->ro = r->s->o;
	r->ml = r->ro.multiline && !r->ro.null_data && mps_matcher_multiline(r->s->m);
	if (r->ro.null_data)
		r->ro.text = true; /* NUL bytes end records: they say nothing */
	r->o = &r->ro;
}

/* The search is over because the file is binary and -I skips it. */
bool search_binary_stop(const struct run *r)
{
	return r->sum.binary && r->o->binary_skip;
}

int64_t search_lineno(struct run *r, size_t pos)
{
	if (pos > r->cnt_pos) {
		if (r->numbers)
			r->cnt_line += (int64_t)mps_count_newlines(r->s->buf + r->cnt_pos, pos - r->cnt_pos);
		r->cnt_pos = pos;
	}
	return r->cnt_line;
}

int search_read(struct run *r)
{
	struct mps_searcher *s = r->s;
	if (r->len == s->cap) {
		if (r->rd && r->rd->max_buf && s->cap >= r->rd->max_buf)
			return MPS_ELINE;
		void *b = s->buf;
		int rc = mps_grow(&b, &s->cap, s->cap + 1, 1, 65536);
		s->buf = b;
		if (rc)
			return rc;
	}
	ssize_t n;
	size_t want = s->cap - r->len;
	uint64_t pos = r->boff + r->len;
	if (s->wait && (r->rd ? r->rd->stream : !r->regular)) {
		int rc = s->wait(s->wait_ctx); /* a stream may make us wait */
		if (rc)
			return rc;
	}
	if (!r->seq && r->end != UINT64_MAX) {
		/* a range reads what it owns, then small steps to end its last line */
		uint64_t need = pos < r->end ? r->end - pos + 4096 : 65536;
		if (need < want)
			want = (size_t)need;
	}
	for (;;) {
		if (r->rd)
			n = r->rd->read(r->rd, s->buf + r->len, want);
		else if (r->seq)
			n = read(r->fd, s->buf + r->len, want);
		else
			n = pread(r->fd, s->buf + r->len, want, (off_t)pos);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		return r->rd ? (int)n : -errno;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	took(r, s->buf + r->len, (size_t)n);
	if (r->regular && r->seq && (size_t)n < want)
		r->eof = true;
	if (r->seq) {
		r->sum.bytes += (uint64_t)n;
	} else {
		/* count the bytes of the range only: parts add up to the file */
		uint64_t lo = pos > r->rbegin ? pos : r->rbegin;
		uint64_t hi = pos + (uint64_t)n < r->end ? pos + (uint64_t)n : r->end;
		if (lo < r->counted_to)
			lo = r->counted_to; /* read again (the lines before, for -B) */
		if (hi > lo) {
			r->sum.bytes += hi - lo;
			r->counted_to = hi;
		}
	}
	r->last_nl = s->buf[r->len + (size_t)n - 1] == '\n';
	r->len += (size_t)n;
	return 0;
}

/* Drop buf[0, keep) and move the rest down. */
static void shift(struct run *r, size_t keep)
{
	if (keep == 0)
		return;
	search_lineno(r, keep > r->cnt_pos ? keep : r->cnt_pos);
	memmove(r->s->buf, r->s->buf + keep, r->len - keep);
	r->len -= keep;
	r->boff += keep;
	r->scan -= keep;
	r->cnt_pos -= keep;
	r->gap = r->gap > keep ? r->gap - keep : 0;
	if (r->out_valid && r->out_end >= keep)
		r->out_end -= keep;
	else
		r->out_valid = false;
}

/* Start of the line `back` lines before line start pos, not below lim. */
size_t search_lines_back(const char *buf, size_t pos, int64_t back, size_t lim)
{
	size_t p = pos;
	while (back-- > 0 && p > lim) {
		const char *nl = p >= 2 ? memrchr(buf + lim, '\n', p - 1 - lim) : NULL;
		p = nl ? (size_t)(nl - buf) + 1 : lim;
	}
	return p;
}

/* Make sure a complete line starts at scan (or input ended).  Returns the
 * end of the complete lines in buf (after the last '\n', or len at EOF). */
static int fill(struct run *r, size_t *complete)
{
	for (;;) {
		const char *b = r->s->buf;
		if (r->scan < r->len) {
			const char *nl = memrchr(b + r->scan, '\n', r->len - r->scan);
			if (nl) {
				*complete = (size_t)(nl - b) + 1;
				return 0;
			}
		}
		if (r->eof) {
			*complete = r->len;
			return 0;
		}
		/* Keep the before-context and the unfinished line; drop the rest. */
		size_t keep = r->scan;
		if (r->o->before > 0)
			keep = search_lines_back(b, r->scan, r->o->before, 0);
		if (keep > 0 && r->s->cap - r->len < r->s->cap / 4)
			shift(r, keep);
		int rc = search_read(r);
		if (rc)
			return rc;
		if (search_binary_stop(r))
			return 0;
	}
}

/* Does p[0, n) hold a byte >= 0x80? */
static bool has_high(const char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			return true;
	}
	for (; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}

static int emit(struct run *r, enum mps_line_kind kind, size_t ls, size_t le, int64_t lineno,
		bool owned)
{
	struct mps_searcher *s = r->s;
	struct mps_line l = {
		.kind = kind, .lineno = lineno, .offset = r->boff + ls,
		.text = s->buf + ls, .len = le - ls, .owned = owned,
	};
	if (kind == MPS_LINE_SELECTED && r->pre) {
		l.spans = r->pre;
		l.nspans = r->npre;
		l.len += r->pre_nl;
	} else if (kind == MPS_LINE_SELECTED && r->o->spans && !r->o->invert) {
		int n = mps_matcher_spans(s->m, s->ms, l.text, l.len, s->spans, s->spcap);
		if (n > 0 && (size_t)n > s->spcap) {
			struct mps_span *sp = realloc(s->spans, (size_t)n * sizeof(*sp));
			if (!sp)
				return -ENOMEM;
			s->spans = sp;
			s->spcap = (size_t)n;
			n = mps_matcher_spans(s->m, s->ms, l.text, l.len, s->spans, s->spcap);
		}
		if (n < 0)
			return n;
		l.spans = s->spans;
		l.nspans = (size_t)n;
		if (owned)
			r->sum.matches += (uint64_t)n;
	}
	if (r->o->null_data && r->o->emit_lines) {
		if (l.len > s->zcap) {
			char *z = realloc(s->zbuf, l.len);
			if (!z)
				return -ENOMEM;
			s->zbuf = z;
			s->zcap = l.len;
		}
		if (l.len)
			memcpy(s->zbuf, l.text, l.len);
		swap_nl(s->zbuf, l.len);
		l.text = s->zbuf;
	}
	if (r->o->mark_nonascii && r->o->emit_lines && !r->sum.nonascii && has_high(l.text, l.len))
		r->sum.nonascii = 1;
	int rc = r->o->emit_lines ? r->sink->line(r->sink, &l) : 0;
	if (rc) {
		r->cbrc = rc;
		return STOP;
	}
	r->out_valid = true;
	r->out_end = le < r->len ? le + 1 : le;
	r->out_line = lineno;
	if (r->ml) /* a group of lines: the last one's number */
		r->out_line += (int64_t)mps_count_newlines(s->buf + ls, le - ls);
	return 0;
}

size_t search_line_end(struct run *r, size_t p, size_t lim)
{
	const char *nl = memchr(r->s->buf + p, '\n', lim - p);
	return nl ? (size_t)(nl - r->s->buf) : lim;
}

/* Emit pending after-context lines that lie before pos. */
int search_flush_after(struct run *r, size_t pos)
{
	while (r->after_left > 0 && r->out_valid && r->out_end < pos) {
		size_t ls = r->out_end, le = search_line_end(r, ls, pos);
		int rc = emit(r, MPS_LINE_CONTEXT, ls, le, r->out_line + 1, false);
		if (rc)
			return rc;
		r->after_left--;
	}
	return 0;
}

/* A selected line [ls, le). */
int search_selected(struct run *r, size_t ls, size_t le, bool owned)
{
	const struct mps_search_opts *o = r->o;
	if (o->emit_lines) {
		int64_t n = search_lineno(r, ls);
		int rc = search_flush_after(r, ls);
		if (rc)
			return rc;
		if (o->before > 0) {
			size_t lim = r->out_valid ? r->out_end : 0;
			if (lim > ls)
				lim = ls;
			size_t p = search_lines_back(r->s->buf, ls, o->before, lim);
			int64_t k = n - (int64_t)mps_count_newlines(r->s->buf + p, ls - p);
			while (p < ls) {
				size_t e = search_line_end(r, p, ls);
				if ((rc = emit(r, MPS_LINE_CONTEXT, p, e, k++, false)))
					return rc;
				p = e + 1;
			}
		}
		if ((rc = emit(r, MPS_LINE_SELECTED, ls, le, n, owned)))
			return rc;
		r->after_left = o->after;
	}
	if (!owned)
		return 0;
	if (!o->emit_lines && o->count_matches && !o->invert && !r->pre) {
		int n = mps_matcher_spans(r->s->m, r->s->ms, r->s->buf + ls, le - ls, NULL, 0);
		if (n < 0)
			return n;
		r->sum.matches += (uint64_t)n;
	}
	r->sum.selected++;
	r->sel_end = r->boff + (le < r->len ? le + 1 : le);
	if (o->max_count >= 0 && (int64_t)r->sum.selected >= o->max_count)
		r->max_hit = true;
	if (o->first_only || r->max_hit) {
		r->mode = M_DONE;
		return STOP;
	}
	return 0;
}

/* -v: every line of [a, b) is selected (b is a line start or region end). */
int search_gap(struct run *r, size_t a, size_t b)
{
	const struct mps_search_opts *o = r->o;
	if (a >= b)
		return 0;
	if (!o->emit_lines && !o->first_only && o->max_count < 0) {
		size_t n = mps_count_newlines(r->s->buf + a, b - a);
		if (b > a && r->s->buf[b - 1] != '\n')
			n++;
		r->sum.selected += n;
		return 0;
	}
	while (a < b) {
		size_t e = search_line_end(r, a, b);
		int rc = search_selected(r, a, e, true);
		a = e + 1;
		r->gap = a;
		if (rc)
			return rc;
	}
	return 0;
}

static int on_match(void *ctx, size_t ls, size_t le)
{
	struct run *r = ctx;
	if (!r->o->invert)
		return search_selected(r, ls, le, true);
	int rc = search_gap(r, r->gap, ls);
	r->gap = le + 1;
	return rc;
}

/* Adapter: the matcher reports offsets relative to the region start. */
struct region {
	struct run *r;
	size_t base;
};

static int region_cb(void *ctx, size_t ls, size_t le)
{
	struct region *g = ctx;
	return on_match(g->r, g->base + ls, g->base + le);
}

static int search_owned(struct run *r, size_t stop)
{
	struct mps_searcher *s = r->s;
	struct region g = {r, r->scan};
	r->gap = r->scan;
	int rc = mps_matcher_lines(s->m, s->ms, s->buf + r->scan, stop - r->scan, region_cb, &g);
	if (rc == STOP)
		return 0;
	if (rc)
		return rc;
	if (r->o->invert)
		rc = search_gap(r, r->gap, stop);
	if (rc == STOP)
		return 0;
	return rc;
}

/* After the owned lines: trailing context, up to a line selected past the
 * range end (the part that owns it prints it and its own context; reading
 * on, a part of a file where every line matches would read to the end). */
static int tail(struct run *r)
{
	while (r->after_left > 0 && r->o->emit_lines) {
		size_t complete;
		int rc = fill(r, &complete);
		if (rc)
			return rc;
		if (search_binary_stop(r) || r->scan >= complete)
			return 0;
		size_t ls = r->scan, le = search_line_end(r, ls, complete);
		r->scan = le < r->len ? le + 1 : le;
		bool sel = false;
		if (r->mode == M_TAIL) {
			int m = mps_matcher_line_matches(r->s->m, r->s->ms, r->s->buf + ls, le - ls);
			if (m < 0)
				return m;
			sel = (m != 0) != r->o->invert;
		}
		if (sel)
			return search_flush_after(r, ls);
		rc = search_flush_after(r, ls);
		if (!rc)
			rc = emit(r, MPS_LINE_CONTEXT, ls, le, search_lineno(r, ls), false);
		r->after_left--;
		if (rc == STOP)
			return 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* Skip the partial line at the start of a range.  Sets scan. */
static int skip_partial(struct run *r)
{
	for (;;) {
		const char *nl = r->len ? memchr(r->s->buf, '\n', r->len) : NULL;
		if (nl) {
			r->scan = (size_t)(nl - r->s->buf) + 1;
			return 0;
		}
		if (r->eof || (r->end != UINT64_MAX && r->boff + r->len >= r->end)) {
			/* no line starts in this range (a line longer than it) */
			r->scan = r->len;
			return 0;
		}
		r->boff += r->len;
		r->len = 0;
		int rc = search_read(r);
		if (rc)
			return rc;
	}
}

/* Read the lines before the first owned one (for -B): restart the buffer
 * at the start of the `before`-th line before offset first. */
static int prefetch_before(struct run *r, uint64_t first)
{
	int64_t want = r->o->before;
	uint64_t p = first - 1; /* the '\n' ending the previous line */
	char tmp[65536];
	uint64_t start = 0;
	bool found = false;
	while (p > 0 && !found) {
		uint64_t lo = p > sizeof(tmp) ? p - sizeof(tmp) : 0;
		ssize_t n = pread(r->fd, tmp, (size_t)(p - lo), (off_t)lo);
		if (n < 0)
			return -errno;
		if ((uint64_t)n < p - lo)
			return MPS_ETRUNC;
		if (r->o->null_data)
			swap_nl(tmp, (size_t)n);
		for (size_t i = (size_t)(p - lo); i-- > 0;) {
			if (tmp[i] == '\n' && --want == 0) {
				start = lo + i + 1;
				found = true;
				break;
			}
		}
		p = lo;
	}
	return search_read_from(r, start, first);
}

int search_read_from(struct run *r, uint64_t start, uint64_t first)
{
	r->boff = start;
	r->len = 0;
	r->eof = false;
	while (r->boff + r->len < first && !r->eof) {
		int rc = search_read(r);
		if (rc)
			return rc;
	}
	if (r->boff + r->len < first)
		return MPS_ETRUNC;
	r->scan = (size_t)(first - r->boff);
	return 0;
}

/* -m stopped the scan of a reader early: count the lines of the rest
 * (and look for NUL bytes in it, as nul_check would). */
static int count_rest(struct run *r)
{
	size_t pos = r->scan < r->len ? r->scan : r->len;
	if (pos < r->cnt_pos)
		pos = r->cnt_pos; /* the lines before it are counted already */
	uint64_t n = (uint64_t)search_lineno(r, pos) - 1;
	bool open_line = r->len > 0 && !r->last_nl; /* the last byte seen is not '\n' */
	char *b = r->s->buf + pos;
	size_t k = r->len - pos;
	for (;;) {
		n += mps_count_newlines(b, k);
		if (!r->o->text && !r->sum.binary && k && memchr(b, 0, k))
			r->sum.binary = 1;
		if (k)
			open_line = b[k - 1] != '\n';
		if (r->eof)
			break;
		b = r->s->buf;
		ssize_t got = r->rd->read(r->rd, b, r->s->cap);
		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		k = (size_t)got;
		r->sum.bytes += (uint64_t)got;
	}
	/* the buffer now holds later bytes: nothing more to read or print */
	r->eof = true;
	r->len = r->scan = r->cnt_pos = 0;
	r->out_valid = false;
	r->sum.lines = n + open_line;
	return 0;
}

/* -m stopped the scan early: count the owned lines with a separate pass,
 * the '\n' bytes at offsets [first, min(end, EOF) - 1), plus the first. */
static int count_owned(struct run *r)
{
	char tmp[1 << 16];
	uint64_t p = r->first, n = 0, stop = r->end == UINT64_MAX ? UINT64_MAX : r->end - 1;
	bool any = false;
	if (r->rd) /* a reader: the lines are what it gives up to its end */
		return count_rest(r);
	for (;;) {
		ssize_t k = mps_read_full(r->fd, tmp, sizeof(tmp), (int64_t)p);
		if (k < 0)
			return (int)k;
		if (k == 0)
			break;
		any = true;
		if (r->o->null_data)
			swap_nl(tmp, (size_t)k);
		size_t use = (size_t)k;
		if (p + use > stop)
			use = p < stop ? (size_t)(stop - p) : 0;
		n += mps_count_newlines(tmp, use);
		p += (uint64_t)k;
		if (p >= stop)
			break;
	}
	/* a final '\n' at EOF starts no line */
	if (any && p <= stop && p > r->first) {
		char last;
		if (pread(r->fd, &last, 1, (off_t)(p - 1)) == 1 &&
		    last == (r->o->null_data ? '\0' : '\n') && n > 0)
			n--;
	}
	r->sum.lines = any ? n + 1 : 0;
	return 0;
}

static int run_range(struct run *r, uint64_t begin, unsigned flags)
{
	int rc;
	if (begin > 0) {
		r->boff = begin - 1;
		if ((rc = skip_partial(r)))
			return rc;
		uint64_t first = r->boff + r->scan;
		if (r->eof && r->scan >= r->len)
			return 0;
		if (first >= r->end) {
			r->mode = M_DONE;
			return 0;
		}
		if (r->ml)
			rc = search_ml_lookback(r, first);
		else if (r->o->before > 0 && r->o->emit_lines)
			rc = prefetch_before(r, first);
		if (rc)
			return rc;
	}
	r->cnt_pos = r->scan;
	r->cnt_line = 1;
	r->first = r->boff + r->scan;
	if (r->ml && (rc = search_multiline(r)) && rc != STOP)
		return rc;
	while (r->mode == M_OWNED && !search_binary_stop(r)) {
		size_t complete;
		if ((rc = fill(r, &complete)))
			return rc;
		if (search_binary_stop(r) || r->scan >= complete)
			break;
		size_t stop = complete;
		if (r->end != UINT64_MAX && r->end - r->boff < complete) {
			size_t lim = (size_t)(r->end - r->boff);
			if (lim <= r->scan) {
				r->mode = M_TAIL;
				break;
			}
			size_t e = search_line_end(r, lim - 1, complete);
			stop = e < complete ? e + 1 : e;
		}
		if ((rc = search_owned(r, stop)))
			return rc;
		if (r->cbrc)
			return 0;
		if (r->mode == M_DONE) {
			/* resume after the last selected line */
			r->scan = r->out_valid ? r->out_end : stop;
			if (!r->o->emit_lines)
				r->scan = stop;
			break;
		}
		if ((rc = search_flush_after(r, stop)))
			return rc == STOP ? 0 : rc;
		r->scan = stop;
		if (r->end != UINT64_MAX && r->boff + stop >= r->end)
			r->mode = M_TAIL;
	}
	if (flags & MPS_SEARCH_COUNT_LINES) {
		/* Owned lines: those that start before the range end. */
		if (r->mode == M_DONE) {
			if ((rc = count_owned(r)))
				return rc;
		} else {
			int64_t n = search_lineno(r, r->scan) - 1;
			if (r->eof && r->scan >= r->len && r->len > 0 && !r->last_nl)
				n++;
			r->sum.lines = (uint64_t)n;
		}
	}
	return tail(r);
}

/* Read on to the range end looking only for NUL bytes. */
static int nul_check(struct run *r)
{
	while (!r->o->text && !r->sum.binary && !r->eof) {
		if (r->end != UINT64_MAX && r->boff + r->len >= r->end)
			break;
		r->boff += r->len;
		r->len = 0;
		r->scan = r->cnt_pos = 0;
		r->out_valid = false;
		int rc = search_read(r);
		if (rc)
			return rc;
	}
	return 0;
}

/* Is the input a stream (a pipe, a FIFO, a terminal)? */
static bool is_stream(const struct run *r)
{
	struct stat st;
	if (r->rd)
		return r->rd->stream;
	return !r->regular && r->fd >= 0 && !fstat(r->fd, &st) && !S_ISREG(st.st_mode);
}

/* The end of a run: the NUL check of what is left, the summary to the
 * sink.  rc: the run's result so far. */
static int run_end(struct run *r, int rc)
{
	struct mps_searcher *s = r->s;
	/* a stream (a pipe, a FIFO, a terminal) is not read past the point
	 * where -m, -q or -l ended the search: it may never end */
	bool stream_done = r->mode == M_DONE && is_stream(r);
	if (!rc && !r->cbrc && !stream_done)
		rc = nul_check(r);
	while (!rc && !r->cbrc && !stream_done && r->rd && r->rd->check_end && r->sum.binary &&
	       !r->eof) {
		ssize_t n = r->rd->read(r->rd, s->buf, s->cap);
		if (n <= 0)
			rc = (int)n;
		r->eof = n <= 0;
	}
	if (rc && rc != STOP)
		r->sum.err = rc;
	if (!r->sum.err && r->end != UINT64_MAX && r->eof && r->boff + r->len < r->end)
		r->sum.err = MPS_ETRUNC; /* the file shrank under us */
	if (s->o.max_count >= 0 && r->sum.selected > (uint64_t)s->o.max_count)
		r->sum.selected = (uint64_t)s->o.max_count;
	if (r->max_hit && r->seq && r->fd >= 0)
		lseek(r->fd, (off_t)r->sel_end, SEEK_SET); /* fails on a pipe: nothing to do */
	int frc = r->sink->finish(r->sink, &r->sum);
	return r->cbrc ? r->cbrc : frc;
}

int mps_searcher_run(struct mps_searcher *s, int fd, uint64_t begin, uint64_t end, unsigned flags,
		     struct mps_sink *sink)
{
	struct run r = {
		.s = s, .sink = sink, .fd = fd, .end = end,
		.seq = begin == 0 && end == UINT64_MAX, .cnt_line = 1, .rbegin = begin,
		.mode = M_OWNED,
	};
	run_opts(&r);
	r.numbers = s->o.emit_lines || (flags & MPS_SEARCH_COUNT_LINES);
	r.regular = (flags & MPS_SEARCH_REGULAR) != 0;
	int rc = 0;
	if ((flags & MPS_SEARCH_SPLIT_BIG) && s->o.split_over && r.seq) {
		/* one read tells whether the file may be big; then ask fstat */
		rc = search_read(&r);
		struct stat st;
		if (!rc && r.len == s->cap && !fstat(fd, &st) && (uint64_t)st.st_size > s->o.split_over) {
			struct mps_unit_summary sum = {.err = MPS_ESPLIT, .bytes = (uint64_t)st.st_size};
			return sink->finish(sink, &sum);
		}
	}
	if (!rc)
		rc = run_range(&r, begin, flags);
	return run_end(&r, rc);
}

int mps_searcher_run_reader(struct mps_searcher *s, struct mps_reader *rd, unsigned flags,
			    struct mps_sink *sink)
{
	struct run r = {
		.s = s, .sink = sink, .fd = -1, .rd = rd, .end = UINT64_MAX,
		.seq = true, .cnt_line = 1, .mode = M_OWNED,
	};
	run_opts(&r); /* (-z: NUL bytes end records, they make no binary file) */
	r.numbers = s->o.emit_lines || (flags & MPS_SEARCH_COUNT_LINES);
	return run_end(&r, run_range(&r, 0, flags));
}

int mps_searcher_run_mem(struct mps_searcher *s, char *data, size_t len, unsigned flags,
			 struct mps_sink *sink)
{
	/* the searcher's buffer is data for this run: every read is done; a
	 * binary file or -z changes bytes, so then data is copied first */
	char *own = s->buf;
	size_t cap = s->cap;
	bool binary = !s->o.text && !s->o.null_data && memchr(data, 0, len);
	if (s->o.null_data || binary) {
		if (len > cap) {
			char *b = realloc(own, len);
			if (!b) {
				struct mps_unit_summary sum = {.err = -ENOMEM};
				return sink->finish(sink, &sum);
			}
			own = s->buf = b;
			cap = s->cap = len;
		}
		memcpy(own, data, len);
		data = own;
	}
	s->buf = data;
	s->cap = len;
	struct run r = {
		.s = s, .sink = sink, .fd = -1, .end = UINT64_MAX, .seq = true,
		.cnt_line = 1, .mode = M_OWNED, .len = len, .eof = true, .regular = true,
	};
	run_opts(&r);
	r.numbers = s->o.emit_lines || (flags & MPS_SEARCH_COUNT_LINES);
	r.sum.bytes = len;
	if (binary)
		mark_binary(&r);
	map_bytes(&r, data, len);
	if (len > 0)
		r.last_nl = data[len - 1] == '\n';
	int rc = run_end(&r, run_range(&r, 0, flags));
	s->buf = own;
	s->cap = cap;
	return rc;
}
