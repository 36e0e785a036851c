/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the line scanner (search.c) and the literal matcher
 * (matcher.c) against a simple reference scanner.
 *
 * Input layout (all bytes optional; missing ones read as 0):
 *   [0]  option bits: 1 -v, 2 -i, 4 -w, 8 -x, 16 -a (text), 32 -m,
 *        64 count-only searcher too, 128 small splits
 *   [1]  -m value (1 + b % 4) and read buffer size selector (b >> 4)
 *   [2]  pattern bytes length (b % 33); the pattern bytes are split at
 *        '\n' into several literal patterns (NUL bytes become 0x01)
 *   [3]  number of split positions (b % 5), then 2 bytes each
 *   rest the file
 *
 * The file is written to a memfd.  It is searched whole (read()
 * sequentially, MPS_SEARCH_COUNT_LINES) and cut at the split positions
 * into ranges searched with pread (MPS_SEARCH_COUNT_LINES for every part
 * but the last); the owned selected lines of the parts, their line numbers
 * shifted by the line counts of the parts before, must be exactly the
 * reference's selected lines (number, offset and text), the summed counts
 * must agree, and a NUL byte (without -a) must mark the file binary in the
 * whole run and in at least one part (line results are then not compared:
 * the searcher stops early on binary input).
 *
 * Reference semantics (GNU grep -F in the C locale): a line matches when a
 * pattern occurs in it (ASCII case folded with -i); with -x the whole line
 * equals a pattern; with -w some occurrence has a non-word byte (or the line
 * edge) on both sides, word bytes being [A-Za-z0-9_]; -v inverts; -m keeps
 * the first N selected lines (whole-file run only).  A final line without
 * '\n' counts; "\n" alone is one empty line.
 *
 * FUZZ_SCANNER_SKIP_WORD1=1 in the environment skips inputs with -w and a
 * one-byte pattern (a known Vectorscan problem, see the seed
 * corpus/fuzz_scanner/word-one-byte), to look for other bugs meanwhile. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mpsearch/matcher.h"
#include "mpsearch/search.h"
#include "mpsearch/sink.h"

#define MAX_PATTERNS 8

#include "fuzz_check.h"

struct rec {
	int64_t lineno;
	uint64_t offset;
	size_t len;
};

/* A sink that keeps the owned selected lines and checks each one's text
 * against the file bytes at its offset. */
struct col_sink {
	struct mps_sink base;
	const unsigned char *file;
	size_t flen;
	struct rec *v;
	size_t n, cap;
	struct mps_unit_summary sum;
	int finished;
};

static int col_line(struct mps_sink *s, const struct mps_line *l)
{
	struct col_sink *c = (struct col_sink *)s;
	CHECK(l->kind == MPS_LINE_SELECTED || l->kind == MPS_LINE_CONTEXT, "kind %d", l->kind);
	CHECK(l->offset <= c->flen && l->len <= c->flen - l->offset, "line [%llu,+%zu) outside %zu",
	      (unsigned long long)l->offset, l->len, c->flen);
	CHECK(l->len == 0 || memcmp(c->file + l->offset, l->text, l->len) == 0,
	      "text differs from the file at %llu", (unsigned long long)l->offset);
	CHECK(memchr(l->text, '\n', l->len) == NULL, "newline inside a line");
	if (l->kind != MPS_LINE_SELECTED || !l->owned)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		CHECK(c->v != NULL, "out of memory");
	}
	c->v[c->n++] = (struct rec){l->lineno, l->offset, l->len};
	return 0;
}

static int col_finish(struct mps_sink *s, const struct mps_unit_summary *sum)
{
	struct col_sink *c = (struct col_sink *)s;
	c->sum = *sum;
	c->finished++;
	return 0;
}

static void col_init(struct col_sink *c, const unsigned char *file, size_t flen)
{
	memset(c, 0, sizeof(*c));
	c->base.line = col_line;
	c->base.finish = col_finish;
	c->file = file;
	c->flen = flen;
}

/* ---- the reference ---- */

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static unsigned char fold(unsigned char c, bool icase)
{
	return icase && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool eq_at(const unsigned char *a, const unsigned char *b, size_t n, bool icase)
{
	for (size_t i = 0; i < n; i++)
		if (fold(a[i], icase) != fold(b[i], icase))
			return false;
	return true;
}

struct pat {
	const unsigned char *p;
	size_t n;
};

static bool ref_match(const unsigned char *line, size_t len, const struct pat *pats, size_t np,
		      bool icase, bool word, bool whole)
{
	for (size_t k = 0; k < np; k++) {
		const struct pat *p = &pats[k];
		if (whole) {
			if (p->n == len && eq_at(line, p->p, len, icase))
				return true;
			continue;
		}
		if (p->n > len)
			continue;
		for (size_t i = 0; i + p->n <= len; i++) {
			if (!eq_at(line + i, p->p, p->n, icase))
				continue;
			if (!word)
				return true;
			bool left = i == 0 || !is_word(line[i - 1]);
			bool right = i + p->n == len || !is_word(line[i + p->n]);
			if (left && right)
				return true;
		}
	}
	return false;
}

struct ref_line {
	size_t start, len;
	bool sel;
};

/* Lines of f[0, n): returns how many (caller frees *out). */
static size_t ref_lines(const unsigned char *f, size_t n, struct ref_line **out)
{
	size_t cap = 16, k = 0;
	struct ref_line *v = malloc(cap * sizeof(*v));
	CHECK(v != NULL, "out of memory");
	size_t p = 0;
	while (p < n) {
		const unsigned char *nl = memchr(f + p, '\n', n - p);
		size_t e = nl ? (size_t)(nl - f) : n;
		if (k == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			CHECK(v != NULL, "out of memory");
		}
		v[k++] = (struct ref_line){p, e - p, false};
		p = e + 1;
	}
	*out = v;
	return k;
}

/* ---- compiled matchers, cached: a Hyperscan compile costs far more than
 * a search of 4 KB, and most mutations leave the pattern bytes alone ---- */

#define CACHE_SIZE 64
static struct cached {
	unsigned char key[40];
	size_t klen;
	struct mps_matcher *m;
} cache[CACHE_SIZE];
static unsigned cache_next;

static struct mps_matcher *matcher_for(const unsigned char *pat, size_t plen, unsigned flags,
				       char *const *pstr, size_t np, bool icase, bool word,
				       bool whole)
{
	unsigned char key[40];
	key[0] = (unsigned char)flags;
	memcpy(key + 1, pat, plen);
	size_t klen = plen + 1;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i].m && cache[i].klen == klen && memcmp(cache[i].key, key, klen) == 0)
			return cache[i].m;
	struct mps_match_opts mo = {pstr, np, MPS_FIXED, icase, word, whole, false};
	char err[256];
	struct mps_matcher *m = mps_matcher_new(&mo, err, sizeof(err));
	CHECK(m != NULL, "a literal pattern did not compile: %s", err);
	struct cached *c = &cache[cache_next++ % CACHE_SIZE];
	mps_matcher_free(c->m);
	memcpy(c->key, key, klen);
	c->klen = klen;
	c->m = m;
	return m;
}

/* ---- driving the searcher ---- */

static void run_range(struct mps_searcher *s, int fd, uint64_t b, uint64_t e, unsigned fl,
		      struct col_sink *c)
{
	if (b == 0 && e == UINT64_MAX)
		CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	int rc = mps_searcher_run(s, fd, b, e, fl, &c->base);
	CHECK(rc == 0, "mps_searcher_run returned %d", rc);
	CHECK(c->finished == 1, "finish called %d times", c->finished);
	CHECK(c->sum.err == 0, "summary error %d for [%llu, %llu)", c->sum.err,
	      (unsigned long long)b, (unsigned long long)e);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
#define BYTE() (pos < size ? data[pos++] : 0)
	unsigned opt = BYTE();
	unsigned mb = BYTE();
	bool invert = opt & 1, icase = opt & 2, word = opt & 4, whole = opt & 8, text = opt & 16;
	int64_t max_count = (opt & 32) ? 1 + (int64_t)(mb % 4) : -1;
	static const size_t bufsizes[16] = {0, 1, 2, 3, 5, 7, 8, 16, 31, 64, 100, 255, 256, 1000, 4096, 0};
	size_t bufsize = bufsizes[mb >> 4];

	/* patterns */
	size_t plen = BYTE() % 33;
	if (plen > size - pos)
		plen = size - pos;
	static unsigned char pbuf[64];
	memcpy(pbuf, data + pos, plen);
	pos += plen;
	for (size_t i = 0; i < plen; i++)
		if (pbuf[i] == 0)
			pbuf[i] = 1;
	struct pat pats[MAX_PATTERNS];
	char *pstr[MAX_PATTERNS];
	size_t np = 0;
	for (size_t a = 0; np < MAX_PATTERNS;) {
		const unsigned char *nl = memchr(pbuf + a, '\n', plen - a);
		size_t e = nl ? (size_t)(nl - pbuf) : plen;
		pats[np].p = pbuf + a;
		pats[np].n = e - a;
		pstr[np] = strndup((const char *)pbuf + a, e - a);
		CHECK(pstr[np] != NULL, "out of memory");
		np++;
		if (!nl)
			break;
		a = e + 1;
	}

	/* split positions */
	size_t nsplit = BYTE() % 5;
	uint64_t splits[4];
	for (size_t i = 0; i < nsplit; i++) {
		unsigned hi = BYTE(), lo = BYTE();
		splits[i] = (uint64_t)(hi << 8 | lo);
	}
	const unsigned char *file = data + (pos < size ? pos : size);
	size_t flen = size - (pos < size ? pos : size);
	/* keep positions strictly inside the file, sorted, distinct */
	size_t k = 0;
	for (size_t i = 0; i < nsplit; i++) {
		if (flen < 2)
			break;
		uint64_t p = (opt & 128) ? 1 + splits[i] % 16 : 1 + splits[i] % (flen - 1);
		if (p < flen)
			splits[k++] = p;
	}
	qsort(splits, k, sizeof(*splits), cmp_u64);
	size_t d = 0;
	for (size_t i = 0; i < k; i++)
		if (d == 0 || splits[i] != splits[d - 1])
			splits[d++] = splits[i];
	nsplit = d;

	static int skip_word1 = -1;
	if (skip_word1 < 0)
		skip_word1 = getenv("FUZZ_SCANNER_SKIP_WORD1") != NULL;
	bool skip = false;
	for (size_t i = 0; skip_word1 && word && !whole && i < np; i++)
		skip |= pats[i].n == 1;
	if (skip) {
		for (size_t i = 0; i < np; i++)
			free(pstr[i]);
		return 0;
	}

	struct mps_matcher *m = matcher_for(pbuf, plen, opt & 14, pstr, np, icase, word, whole);

	int fd = memfd_create("fuzz_scanner", 0);
	CHECK(fd >= 0, "memfd_create");
	CHECK(flen == 0 || write(fd, file, flen) == (ssize_t)flen, "write");

	/* the reference */
	struct ref_line *rl;
	size_t nl = ref_lines(file, flen, &rl);
	size_t nsel = 0;
	for (size_t i = 0; i < nl; i++) {
		rl[i].sel = ref_match(file + rl[i].start, rl[i].len, pats, np, icase, word, whole) != invert;
		nsel += rl[i].sel;
	}
	bool has_nul = !text && memchr(file, 0, flen) != NULL;

	/* whole file, with -m if asked */
	struct mps_search_opts so = {.invert = invert, .max_count = max_count, .text = text,
				     .emit_lines = true, .bufsize = bufsize};
	struct mps_searcher *s = mps_searcher_new(m, &so);
	CHECK(s != NULL, "mps_searcher_new");
	struct col_sink c;
	col_init(&c, file, flen);
	run_range(s, fd, 0, UINT64_MAX, MPS_SEARCH_COUNT_LINES | MPS_SEARCH_REGULAR, &c);
	CHECK(c.sum.binary == has_nul, "binary %d, NUL in the file %d", c.sum.binary, has_nul);
	if (!has_nul) {
		size_t want = max_count >= 0 && (size_t)max_count < nsel ? (size_t)max_count : nsel;
		CHECK(c.sum.selected == want, "whole: selected %llu, want %zu",
		      (unsigned long long)c.sum.selected, want);
		CHECK(c.n == want, "whole: %zu lines emitted, want %zu", c.n, want);
		CHECK(c.sum.lines == nl, "whole: %llu lines counted, want %zu",
		      (unsigned long long)c.sum.lines, nl);
		for (size_t i = 0, j = 0; i < nl && j < c.n; i++) {
			if (!rl[i].sel)
				continue;
			CHECK(c.v[j].lineno == (int64_t)i + 1 && c.v[j].offset == rl[i].start &&
				      c.v[j].len == rl[i].len,
			      "whole: selected #%zu is line %lld at %llu, want line %zu at %zu", j,
			      (long long)c.v[j].lineno, (unsigned long long)c.v[j].offset, i + 1,
			      rl[i].start);
			j++;
		}
	}
	free(c.v);
	mps_searcher_free(s);

	/* count-only searcher (what -c, -l, -L use), whole file */
	if (opt & 64) {
		struct mps_search_opts co = {.invert = invert, .max_count = -1, .text = text,
					     .emit_lines = false, .bufsize = bufsize};
		s = mps_searcher_new(m, &co);
		CHECK(s != NULL, "mps_searcher_new");
		col_init(&c, file, flen);
		run_range(s, fd, 0, UINT64_MAX, MPS_SEARCH_REGULAR, &c);
		CHECK(c.n == 0, "count-only searcher emitted lines");
		CHECK(c.sum.binary == has_nul, "count-only: binary %d, NUL %d", c.sum.binary, has_nul);
		if (!has_nul)
			CHECK(c.sum.selected == nsel, "count-only: selected %llu, want %zu",
			      (unsigned long long)c.sum.selected, nsel);
		free(c.v);
		mps_searcher_free(s);
	}

	/* the parts, without -m (the printer applies -m across parts) */
	if (nsplit > 0) {
		so.max_count = -1;
		s = mps_searcher_new(m, &so);
		CHECK(s != NULL, "mps_searcher_new");
		uint64_t base = 0, selected = 0;
		bool binary = false;
		size_t j = 0; /* next reference line to compare */
		for (size_t part = 0; part <= nsplit; part++) {
			uint64_t b = part ? splits[part - 1] : 0;
			uint64_t e = part < nsplit ? splits[part] : UINT64_MAX;
			col_init(&c, file, flen);
			run_range(s, fd, b, e, part < nsplit ? MPS_SEARCH_COUNT_LINES : 0, &c);
			binary |= c.sum.binary;
			selected += c.sum.selected;
			for (size_t r = 0; !has_nul && r < c.n; r++) {
				while (j < nl && !rl[j].sel)
					j++;
				CHECK(j < nl, "part %zu [%llu, %llu): extra selected line %lld", part,
				      (unsigned long long)b, (unsigned long long)e,
				      (long long)(base + (uint64_t)c.v[r].lineno));
				int64_t got = (int64_t)base + c.v[r].lineno;
				CHECK(got == (int64_t)j + 1 && c.v[r].offset == rl[j].start &&
					      c.v[r].len == rl[j].len,
				      "part %zu [%llu, %llu): line %lld at %llu (relative %lld, base %llu), "
				      "want line %zu at %zu",
				      part, (unsigned long long)b, (unsigned long long)e, (long long)got,
				      (unsigned long long)c.v[r].offset, (long long)c.v[r].lineno,
				      (unsigned long long)base, j + 1, rl[j].start);
				CHECK(c.v[r].offset >= b && (e == UINT64_MAX || c.v[r].offset < e),
				      "part %zu: owned line at %llu outside [%llu, %llu)", part,
				      (unsigned long long)c.v[r].offset, (unsigned long long)b,
				      (unsigned long long)e);
				j++;
			}
			if (part < nsplit)
				base += c.sum.lines;
			free(c.v);
		}
		CHECK(binary == has_nul, "parts: binary %d, NUL in the file %d", binary, has_nul);
		if (!has_nul) {
			while (j < nl && !rl[j].sel)
				j++;
			CHECK(j == nl, "parts: selected line %zu missing", j + 1);
			CHECK(selected == nsel, "parts: selected %llu, want %zu",
			      (unsigned long long)selected, nsel);
		}
		mps_searcher_free(s);
	}

	close(fd);
	free(rl);
	for (size_t i = 0; i < np; i++)
		free(pstr[i]);
	return 0;
}
