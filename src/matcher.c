/* Matcher: Vectorscan/Hyperscan for literals, literal sets and -E; PCRE2
 * for -P and for what Hyperscan cannot compile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#include <pcre2.h>

#include "mpsearch/error.h"
#include "mpsearch/matcher.h"
#include "mpsearch/sink.h"

enum kind { K_NONE, K_HS, K_PCRE };

struct mps_matcher {
	enum kind kind;
	hs_database_t *db;   /* finds lines: wrapped for -w/-x, multiline */
	hs_database_t *sdb;  /* spans: bare patterns, leftmost start */
	bool per_line;       /* a pattern can match the empty string */
	bool confirm;        /* candidates need a per-line check (-E) */
	bool word, line;
	bool word_check;     /* -w checked on candidate lines with the spans */
	pcre2_code *re;      /* K_PCRE, or spans for -E when sdb failed */
};

struct mps_matcher_scratch {
	hs_scratch_t *hs;
	pcre2_match_data *md;
	struct mps_span *tmp;
	size_t ntmp, cap;
	char *pad;           /* a copy of a short buffer, then PAD '\n' bytes */
	size_t padcap;
};

/* Vectorscan 5.4.9 (Debian 12) can miss a match that ends within about 24
 * bytes of the end of the scanned buffer, depending on the buffer's
 * alignment (seen with literal sets, caseless literals and class-wrapped
 * patterns; found by tests/fuzz and tests/cli/t_differential.sh).  Every
 * scan therefore has at least PAD bytes of '\n' after the data it asks
 * about: short scans (one line) run on a padded copy, and the last part of
 * a buffer is scanned again that way.  Matches reported in the padding are
 * dropped. */
#define PAD 64
#define TAIL 256

/* buf[0, n) copied into the scratch, followed by PAD newlines; NULL when
 * out of memory. */
static const char *padded(struct mps_matcher_scratch *s, const char *buf, size_t n)
{
	if (s->padcap < n + PAD) {
		char *p = realloc(s->pad, n + PAD);
		if (!p)
			return NULL;
		s->pad = p;
		s->padcap = n + PAD;
	}
	memcpy(s->pad, buf, n);
	memset(s->pad + n, '\n', PAD);
	return s->pad;
}

#define WORDCLASS "A-Za-z0-9_"

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Append s[0, n) to b as a regex matching those bytes literally. */
static int escape_literal(struct mps_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[5];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			tmp[0] = (char)c;
			tmp[1] = 0;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		}
		int rc = mps_buf_append(b, tmp, strlen(tmp));
		if (rc)
			return rc;
	}
	return 0;
}

static int append_str(struct mps_buf *b, const char *s)
{
	return mps_buf_append(b, s, strlen(s));
}

/* Build the expression for one pattern: bare (for spans) or wrapped. */
static char *build_expr(const struct mps_match_opts *o, const char *pat, bool wrap)
{
	struct mps_buf b = {0};
	int rc = 0;
	if (wrap && o->line)
		rc = append_str(&b, "^(?:");
	else if (wrap && o->word)
		rc = append_str(&b, "(?:^|[^" WORDCLASS "\\n])(?:");
	if (!rc && o->syntax == MPS_FIXED)
		rc = escape_literal(&b, pat, strlen(pat));
	else if (!rc)
		rc = append_str(&b, pat);
	if (!rc && wrap && o->line)
		rc = append_str(&b, ")$");
	else if (!rc && wrap && o->word)
		rc = append_str(&b, ")(?:$|[^" WORDCLASS "\\n])");
	if (!rc)
		rc = mps_buf_append(&b, "", 1);
	if (rc) {
		mps_buf_release(&b);
		errno = ENOMEM;
		return NULL;
	}
	return (char *)b.data;
}

static void free_exprs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int compile_hs(struct mps_matcher *m, const struct mps_match_opts *o, bool wrap,
		      unsigned extra, hs_database_t **out, char *err, size_t errlen)
{
	size_t n = o->npatterns;
	char **ex = calloc(n, sizeof(*ex));
	unsigned *flags = calloc(n, sizeof(*flags));
	unsigned *ids = calloc(n, sizeof(*ids));
	int rc = -ENOMEM;
	if (!ex || !flags || !ids)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ex[i] = build_expr(o, o->patterns[i], wrap);
		if (!ex[i])
			goto out;
		flags[i] = extra | (o->ignore_case ? HS_FLAG_CASELESS : 0);
		if (m->per_line)
			flags[i] |= HS_FLAG_ALLOWEMPTY;
		ids[i] = (unsigned)i;
	}
	hs_compile_error_t *ce = NULL;
	if (hs_compile_multi((const char *const *)ex, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL,
			     out, &ce) != HS_SUCCESS) {
		if (err && ce)
			snprintf(err, errlen, "%s", ce->message);
		hs_free_compile_error(ce);
		rc = MPS_EPATTERN;
		goto out;
	}
	rc = 0;
out:
	free_exprs(ex, n);
	free(flags);
	free(ids);
	return rc;
}

/* Can any wrapped expression match the empty string? */
static int any_empty(const struct mps_match_opts *o, bool *empty, char *err, size_t errlen)
{
	*empty = false;
	for (size_t i = 0; i < o->npatterns; i++) {
		char *e = build_expr(o, o->patterns[i], true);
		if (!e)
			return -ENOMEM;
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;
		unsigned fl = HS_FLAG_ALLOWEMPTY | (o->ignore_case ? HS_FLAG_CASELESS : 0);
		hs_error_t r = hs_expression_info(e, fl, &info, &ce);
		free(e);
		if (r != HS_SUCCESS) {
			if (err && ce)
				snprintf(err, errlen, "%s", ce->message);
			hs_free_compile_error(ce);
			return MPS_EPATTERN;
		}
		if (info->min_width == 0)
			*empty = true;
		free(info);
	}
	return 0;
}

static int compile_pcre(struct mps_matcher *m, const struct mps_match_opts *o, char *err,
			size_t errlen)
{
	struct mps_buf b = {0};
	int rc = 0;
	if (o->line)
		rc = append_str(&b, "^(?:");
	else if (o->word)
		rc = append_str(&b, "(?<![" WORDCLASS "])(?:");
	for (size_t i = 0; !rc && i < o->npatterns; i++) {
		rc = append_str(&b, i ? "|(?:" : "(?:");
		if (!rc && o->syntax == MPS_FIXED)
			rc = escape_literal(&b, o->patterns[i], strlen(o->patterns[i]));
		else if (!rc)
			rc = append_str(&b, o->patterns[i]);
		if (!rc)
			rc = append_str(&b, ")");
	}
	if (!rc && o->line)
		rc = append_str(&b, ")$");
	else if (!rc && o->word)
		rc = append_str(&b, ")(?![" WORDCLASS "])");
	if (rc) {
		mps_buf_release(&b);
		return rc;
	}
	int ec;
	PCRE2_SIZE eo;
	uint32_t fl = o->ignore_case ? PCRE2_CASELESS : 0;
	m->re = pcre2_compile((PCRE2_SPTR)b.data, b.len, fl, &ec, &eo, NULL);
	mps_buf_release(&b);
	if (!m->re) {
		if (err) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			snprintf(err, errlen, "%s", (char *)msg);
		}
		return MPS_EPATTERN;
	}
	pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE); /* optional speed-up */
	return 0;
}

struct mps_matcher *mps_matcher_new(const struct mps_match_opts *o, char *err, size_t errlen)
{
	struct mps_matcher *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (err && errlen)
		err[0] = 0;
	m->word = o->word;
	m->line = o->line;
	int rc = 0;
	if (o->npatterns == 0) {
		m->kind = K_NONE;
		return m;
	}
	if (o->syntax == MPS_PCRE) {
		m->kind = K_PCRE;
		m->per_line = true;
		rc = compile_pcre(m, o, err, errlen);
		goto done;
	}
	bool empty = false;
	rc = any_empty(o, &empty, err, errlen);
	if (rc == MPS_EPATTERN && o->syntax == MPS_EXTENDED) {
		/* Hyperscan cannot take it (back-references, ...): PCRE2. */
		m->kind = K_PCRE;
		m->per_line = true;
		rc = compile_pcre(m, o, err, errlen);
		goto done;
	}
	if (rc)
		goto done;
	m->kind = K_HS;
	m->per_line = empty;
	m->confirm = o->syntax == MPS_EXTENDED;
	/* -w: the lines are found with the bare patterns and each candidate is
	 * checked for word boundaries with the match spans.  (Wrapping the
	 * pattern in [^A-Za-z0-9_] classes misses matches in Vectorscan 5.4.9
	 * depending on the buffer's alignment; see tests/unit/test_matcher.c.) */
	m->word_check = o->word && !m->per_line;
	if (m->word_check) {
		m->confirm = true;
		struct mps_match_opts bare = *o;
		bare.word = false;
		rc = compile_hs(m, &bare, true, HS_FLAG_MULTILINE, &m->db, err, errlen);
	} else {
		rc = compile_hs(m, o, true, HS_FLAG_MULTILINE, &m->db, err, errlen);
	}
	if (rc == MPS_EPATTERN && o->syntax == MPS_EXTENDED) {
		m->kind = K_PCRE;
		m->per_line = true;
		rc = compile_pcre(m, o, err, errlen);
		goto done;
	}
	if (rc)
		goto done;
	if (compile_hs(m, o, false, HS_FLAG_SOM_LEFTMOST | HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE,
		       &m->sdb, NULL, 0)) {
		/* Rare: leftmost start not supported; spans come from PCRE2. */
		m->sdb = NULL;
		rc = compile_pcre(m, o, err, errlen);
	}
done:
	if (rc) {
		mps_matcher_free(m);
		errno = rc == MPS_EPATTERN ? EINVAL : (rc < 0 && rc > -4096 ? -rc : EINVAL);
		return NULL;
	}
	return m;
}

void mps_matcher_free(struct mps_matcher *m)
{
	if (!m)
		return;
	hs_free_database(m->db);
	hs_free_database(m->sdb);
	pcre2_code_free(m->re);
	free(m);
}

struct mps_matcher_scratch *mps_matcher_scratch_new(const struct mps_matcher *m)
{
	struct mps_matcher_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if ((m->db && hs_alloc_scratch(m->db, &s->hs) != HS_SUCCESS) ||
	    (m->sdb && hs_alloc_scratch(m->sdb, &s->hs) != HS_SUCCESS))
		goto fail;
	if (m->re && !(s->md = pcre2_match_data_create_from_pattern(m->re, NULL)))
		goto fail;
	return s;
fail:
	mps_matcher_scratch_free(s);
	errno = ENOMEM;
	return NULL;
}

void mps_matcher_scratch_free(struct mps_matcher_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	pcre2_match_data_free(s->md);
	free(s->tmp);
	free(s->pad);
	free(s);
}

/* ctx: the length of the data before the padding */
static int stop_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		   void *ctx)
{
	(void)id, (void)from, (void)fl;
	return to <= *(const size_t *)ctx; /* a match in the padding is none */
}

int mps_matcher_line_matches(const struct mps_matcher *m, struct mps_matcher_scratch *s,
			     const char *line, size_t len)
{
	switch (m->kind) {
	case K_NONE:
		return 0;
	case K_PCRE: {
		int r = pcre2_match(m->re, (PCRE2_SPTR)line, len, 0, 0, s->md, NULL);
		if (r >= 0)
			return 1;
		if (r == PCRE2_ERROR_NOMATCH)
			return 0;
		return MPS_EPATTERN;
	}
	case K_HS: {
		if (m->word_check) {
			int n = mps_matcher_spans(m, s, line, len, NULL, 0);
			return n < 0 ? n : n > 0;
		}
		const char *p = padded(s, line, len);
		if (!p)
			return -ENOMEM;
		hs_error_t r = hs_scan(m->db, p, (unsigned)(len + PAD), 0, s->hs, stop_cb, &len);
		if (r == HS_SCAN_TERMINATED)
			return 1;
		return r == HS_SUCCESS ? 0 : -ENOMEM;
	}
	}
	return 0;
}

/* Line-by-line scan (PCRE2, patterns that match the empty string). */
static int lines_each(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *buf,
		      size_t len, mps_line_fn fn, void *ctx)
{
	size_t p = 0;
	while (p < len) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t le = nl ? (size_t)(nl - buf) : len;
		int r = mps_matcher_line_matches(m, s, buf + p, le - p);
		if (r < 0)
			return r;
		if (r && (r = fn(ctx, p, le)))
			return r;
		p = le + 1;
	}
	return 0;
}

#define BATCH 512

struct batch {
	const char *buf;
	size_t base, len;
	size_t ls[BATCH + TAIL], le[BATCH + TAIL]; /* the tail rescan may add TAIL */
	int n;
	bool tail;      /* rescanning a padded copy of the tail: never stop */
	size_t cur_le; /* end of the last line recorded */
	bool have;
	size_t resume;
};

static int batch_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		    void *ctx)
{
	(void)id, (void)from, (void)fl;
	struct batch *b = ctx;
	size_t abs = b->base + (size_t)to;
	if (abs > b->len)
		return 0; /* in the padding */
	if (b->have && abs <= b->cur_le && abs > b->ls[b->n - 1])
		return 0;
	size_t q = abs ? abs - 1 : 0;
	if (q >= b->len)
		q = b->len ? b->len - 1 : 0;
	size_t ls, le;
	if (b->buf[q] == '\n') {
		le = q;
	} else {
		const char *nl = memchr(b->buf + q, '\n', b->len - q);
		le = nl ? (size_t)(nl - b->buf) : b->len;
	}
	/* the line starts after the last '\n' before q (q itself may be the
	 * '\n' a cross-line regex match ended on) */
	const char *pn = q ? memrchr(b->buf, '\n', q) : NULL;
	ls = pn ? (size_t)(pn - b->buf) + 1 : 0;
	b->ls[b->n] = ls;
	b->le[b->n] = le;
	b->n++;
	b->have = true;
	b->cur_le = le;
	if (b->n >= BATCH && !b->tail) {
		b->resume = le + 1;
		return 1;
	}
	return b->n >= BATCH + TAIL; /* cannot happen: a tail holds < TAIL lines */
}

static void sort_batch(struct batch *b)
{
	/* Reports come in end-offset order nearly always; insertion sort is
	 * linear then.  Remove duplicates. */
	for (int i = 1; i < b->n; i++) {
		size_t ls = b->ls[i], le = b->le[i];
		int j = i - 1;
		while (j >= 0 && b->ls[j] > ls) {
			b->ls[j + 1] = b->ls[j];
			b->le[j + 1] = b->le[j];
			j--;
		}
		b->ls[j + 1] = ls;
		b->le[j + 1] = le;
	}
	int w = 0;
	for (int i = 0; i < b->n; i++) {
		if (w && b->ls[w - 1] == b->ls[i])
			continue;
		b->ls[w] = b->ls[i];
		b->le[w] = b->le[i];
		w++;
	}
	b->n = w;
}

int mps_matcher_lines(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *buf,
		      size_t len, mps_line_fn fn, void *ctx)
{
	if (m->kind == K_NONE)
		return 0;
	if (m->per_line || m->kind == K_PCRE)
		return lines_each(m, s, buf, len, fn, ctx);
	struct batch b;
	size_t p = 0;
	while (p < len) {
		b.buf = buf;
		b.len = len;
		b.base = p;
		b.n = 0;
		b.have = false;
		b.resume = len;
		b.tail = false;
		hs_error_t r = hs_scan(m->db, buf + p, (unsigned)(len - p), 0, s->hs, batch_cb, &b);
		if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
			return -ENOMEM;
		if (r == HS_SUCCESS) {
			/* the last lines again, padded (see PAD): from the start of
			 * the line that holds len - TAIL, or p */
			size_t ts = len - p > TAIL ? len - TAIL : p;
			const char *nl = ts > p ? memrchr(buf + p, '\n', ts - p) : NULL;
			ts = nl ? (size_t)(nl - buf) + 1 : p;
			const char *t = padded(s, buf + ts, len - ts);
			if (!t)
				return -ENOMEM;
			b.base = ts;
			b.tail = true;
			b.have = false;
			hs_error_t r2 = hs_scan(m->db, t, (unsigned)(len - ts + PAD), 0, s->hs, batch_cb, &b);
			if (r2 != HS_SUCCESS && r2 != HS_SCAN_TERMINATED)
				return -ENOMEM;
		}
		sort_batch(&b);
		for (int i = 0; i < b.n; i++) {
			if (m->confirm) {
				int c = mps_matcher_line_matches(m, s, buf + b.ls[i], b.le[i] - b.ls[i]);
				if (c < 0)
					return c;
				if (!c)
					continue;
			}
			int rc = fn(ctx, b.ls[i], b.le[i]);
			if (rc)
				return rc;
		}
		if (r != HS_SCAN_TERMINATED)
			break;
		p = b.resume;
	}
	return 0;
}

struct spans_ctx {
	struct mps_matcher_scratch *s;
	int err;
	size_t len; /* of the line, before the padding */
};

static int span_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		   void *ctx)
{
	(void)id, (void)fl;
	struct spans_ctx *c = ctx;
	struct mps_matcher_scratch *s = c->s;
	if (to > c->len)
		return 0; /* in the padding */
	if (s->ntmp == s->cap) {
		size_t n = s->cap ? 2 * s->cap : 64;
		struct mps_span *t = realloc(s->tmp, n * sizeof(*t));
		if (!t) {
			c->err = -ENOMEM;
			return 1;
		}
		s->tmp = t;
		s->cap = n;
	}
	s->tmp[s->ntmp].start = (size_t)from;
	s->tmp[s->ntmp].end = (size_t)to;
	s->ntmp++;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct mps_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return 0;
}

int mps_matcher_spans(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *line,
		      size_t len, struct mps_span *spans, size_t max)
{
	size_t n = 0;
	if (m->kind == K_NONE)
		return 0;
	if (!m->sdb) {
		size_t off = 0;
		while (off <= len) {
			/* empty matches are not spans: asking for none finds a
			 * real match behind them (-o -e '' -e two) */
			int r = pcre2_match(m->re, (PCRE2_SPTR)line, len, off, PCRE2_NOTEMPTY, s->md,
					    NULL);
			if (r == PCRE2_ERROR_NOMATCH)
				break;
			if (r < 0)
				return MPS_EPATTERN;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
			if (ov[1] > ov[0]) {
				if (n < max) {
					spans[n].start = ov[0];
					spans[n].end = ov[1];
				}
				n++;
				off = ov[1];
			} else {
				off = ov[1] + 1;
			}
		}
		return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
	}
	struct spans_ctx c = {s, 0, len};
	s->ntmp = 0;
	const char *p = padded(s, line, len);
	if (!p)
		return -ENOMEM;
	hs_error_t r = hs_scan(m->sdb, p, (unsigned)(len + PAD), 0, s->hs, span_cb, &c);
	if (c.err)
		return c.err;
	if (r != HS_SUCCESS)
		return -ENOMEM;
	qsort(s->tmp, s->ntmp, sizeof(*s->tmp), span_cmp);
	size_t last_end = 0;
	bool any = false;
	for (size_t i = 0; i < s->ntmp; i++) {
		struct mps_span sp = s->tmp[i];
		if (sp.end == sp.start)
			continue;
		if (any && sp.start < last_end)
			continue;
		if (m->line && (sp.start != 0 || sp.end != len))
			continue;
		if (m->word && ((sp.start > 0 && is_word((unsigned char)line[sp.start - 1])) ||
				(sp.end < len && is_word((unsigned char)line[sp.end]))))
			continue;
		if (n < max)
			spans[n] = sp;
		n++;
		last_end = sp.end;
		any = true;
	}
	return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}
