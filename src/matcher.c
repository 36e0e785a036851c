/* SPDX-License-Identifier: BSD-3-Clause */
/* Matcher: Vectorscan/Hyperscan for literals, literal sets and -E; PCRE2
 * for -P and for what Hyperscan cannot compile. */
#include <dlfcn.h>
#include <errno.h>
#include <langinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <hs/hs.h>
#include <pcre2.h>

#include "mpsearch/error.h"
#include "mpsearch/matcher.h"
#include "mpsearch/sink.h"
#include "matcher_int.h"
#include "rx.h"


/* Vectorscan 5.4.9's AVX-512 code (which its runtime dispatch picks on CPUs
 * with AVX-512BW) loses matches: "x." finds nothing in 100 spaces and
 * "xb" (tests/unit/test_matcher.c, found by tests/fuzz/fuzz_spans); its
 * AVX2 build of the same scan finds them.  Debian's library is built with
 * every variant and exports each one under a prefix, so on such a CPU the
 * databases are compiled without the AVX-512 features and scanned with
 * avx2_hs_scan.  Elsewhere, hs_scan. */
static scan_fn avx2_only(hs_platform_info_t *plat /* out */)
{
	if (hs_populate_platform(plat) != HS_SUCCESS)
		return NULL;
#if defined(__x86_64__) || defined(__i386__)
	if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2")) {
		scan_fn f = (scan_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "avx2_hs_scan");
		if (f) {
			plat->cpu_features &= ~(unsigned long long)(HS_CPU_FEATURES_AVX512 |
								    HS_CPU_FEATURES_AVX512VBMI);
			return f;
		}
	}
#endif
	return NULL;
}

/* buf[0, n) copied into the scratch, followed by PAD newlines; NULL when
 * out of memory. */
const char *mps_matcher_padded(struct mps_matcher_scratch *s, const char *buf, size_t n)
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

bool mps_matcher_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

bool mps_matcher_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	for (size_t i = 0; i < n; i += k)
		if (p[i] < 0x80)
			k = 1;
		else if (mps_utf8_decode(p + i, n - i, &k) < 0)
			return false;
	return true;
}

static bool valid_utf8(const char *s)
{
	return mps_matcher_valid_utf8(s, strlen(s));
}

static int append_str(struct mps_buf *b, const char *s)
{
	return mps_buf_append(b, s, strlen(s));
}

/* The expressions of every pattern, in PCRE syntax for PCRE2 and
 * Vectorscan: each pattern is read and checked on its own (a set is never
 * a textual join of the user's text).  unicode: written for PCRE2_UTF. */
static int build_exprs(const struct mps_match_opts *o, bool unicode, bool ml, char **ex,
		       unsigned *flags, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->npatterns; i++) {
		const char *p = o->patterns[i];
		struct mps_buf b = {0};
		int rc;
		flags[i] = 0;
		if (o->syntax == MPS_FIXED)
			rc = mps_rx_literal(p, strlen(p), unicode, &b, &flags[i]);
		else if (o->syntax == MPS_PCRE)
			rc = append_str(&b, p);
		else if (ml)
			rc = mps_rx_translate_ml(p, strlen(p), o->syntax == MPS_BASIC, unicode,
						 o->ignore_case, &b, &flags[i], err, errlen);
		else
			rc = mps_rx_translate(p, strlen(p), o->syntax == MPS_BASIC, unicode,
					      o->ignore_case, o->null_data, &b, &flags[i], err, errlen);
		if (!rc)
			rc = mps_buf_append(&b, "", 1);
		if (rc) {
			mps_buf_release(&b);
			return rc;
		}
		ex[i] = (char *)b.data;
	}
	return 0;
}

static void free_exprs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int pcre_error(int ec, char *err, size_t errlen)
{
	if (err && errlen) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s", (char *)msg);
	}
	return MPS_EPATTERN;
}

static uint32_t pcre_flags(const struct mps_match_opts *o, bool unicode)
{
	uint32_t fl = PCRE2_MULTILINE | (o->ignore_case ? PCRE2_CASELESS : 0);
	if (unicode)
		fl |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (o->syntax == MPS_PCRE ? 0 : PCRE2_UCP);
	return fl;
}

/* -P: each pattern compiles on its own ("x)|(?:y" is not a pattern). */
static int check_each(const struct mps_match_opts *o, char **ex, uint32_t fl, char *err,
		      size_t errlen)
{
	for (size_t i = 0; i < o->npatterns; i++) {
		int ec;
		PCRE2_SIZE eo;
		pcre2_code *c = pcre2_compile((PCRE2_SPTR)ex[i], PCRE2_ZERO_TERMINATED, fl, &ec, &eo, NULL);
		if (!c)
			return pcre_error(ec, err, errlen);
		pcre2_code_free(c);
	}
	return 0;
}

/* Every pattern in one alternation, wrapped for -x, or for -w with
 * lookarounds; 0 or -ENOMEM (b released). */
static int join_exprs(const struct mps_match_opts *o, char **ex, bool lookaround_word,
		      struct mps_buf *b)
{
	int rc = 0;
	if (o->line)
		rc = append_str(b, "^(?:");
	else if (lookaround_word)
		rc = append_str(b, "(?<!\\w)(?:");
	for (size_t i = 0; !rc && i < o->npatterns; i++) {
		rc = append_str(b, i ? "|(?:" : "(?:");
		if (!rc)
			rc = append_str(b, ex[i]);
		if (!rc)
			rc = append_str(b, ")");
	}
	if (!rc && o->line)
		rc = append_str(b, ")$");
	else if (!rc && lookaround_word)
		rc = append_str(b, ")(?!\\w)");
	if (rc)
		mps_buf_release(b);
	return rc;
}

static int compile_pcre(struct mps_matcher *m, const struct mps_match_opts *o, char **ex,
			bool unicode, bool backref, bool lookaround_word, char *err, size_t errlen)
{
	uint32_t fl = pcre_flags(o, unicode);
	int rc = o->syntax == MPS_PCRE ? check_each(o, ex, fl, err, errlen) : 0;
	if (rc)
		return rc;
	struct mps_buf b = {0};
	rc = join_exprs(o, ex, lookaround_word, &b);
	if (rc)
		return rc;
	int ec;
	PCRE2_SIZE eo;
	m->re = pcre2_compile((PCRE2_SPTR)b.data, b.len, fl, &ec, &eo, NULL);
	/* for the automaton: every end of a match at a start, so no repeat
	 * made possessive; and it does not take PCRE2_MATCH_INVALID_UTF */
	if (m->re && o->syntax != MPS_PCRE && !backref)
		m->dre = pcre2_compile((PCRE2_SPTR)b.data, b.len,
				       (fl & ~PCRE2_MATCH_INVALID_UTF) | PCRE2_NO_AUTO_POSSESS, &ec,
				       &eo, NULL);
	mps_buf_release(&b);
	if (!m->re || (o->syntax != MPS_PCRE && !backref && !m->dre))
		return pcre_error(ec, err, errlen);
	pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE); /* optional speed-up */
	return 0;
}

/* The line finder: Vectorscan, patterns wrapped for -x. */
static int compile_hs(struct mps_matcher *m, const struct mps_match_opts *o, char **ex,
		      char *err, size_t errlen)
{
	size_t n = o->npatterns;
	char **wrapped = calloc(n, sizeof(*wrapped));
	unsigned *flags = calloc(n, sizeof(*flags));
	unsigned *ids = calloc(n, sizeof(*ids));
	int rc = -ENOMEM;
	if (!wrapped || !flags || !ids)
		goto out;
	bool empty = false;
	for (size_t i = 0; i < n; i++) {
		struct mps_buf b = {0};
		rc = append_str(&b, o->line ? "^(?:" : "(?:");
		if (!rc)
			rc = append_str(&b, ex[i]);
		if (!rc)
			rc = mps_buf_append(&b, o->line ? ")$" : ")", o->line ? 3 : 2);
		if (rc) {
			mps_buf_release(&b);
			goto out;
		}
		wrapped[i] = (char *)b.data;
		flags[i] = HS_FLAG_MULTILINE | (o->ignore_case ? HS_FLAG_CASELESS : 0);
		ids[i] = (unsigned)i;
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;
		if (hs_expression_info(wrapped[i], flags[i] | HS_FLAG_ALLOWEMPTY, &info, &ce) !=
		    HS_SUCCESS) {
			if (err && ce)
				snprintf(err, errlen, "%s", ce->message);
			hs_free_compile_error(ce);
			rc = MPS_EPATTERN;
			goto out;
		}
		if (info->min_width == 0)
			empty = true;
		free(info);
	}
	m->per_line = empty;
	for (size_t i = 0; empty && i < n; i++)
		flags[i] |= HS_FLAG_ALLOWEMPTY;
	hs_compile_error_t *ce = NULL;
	hs_platform_info_t plat;
	/* plain literals keep the AVX-512 scan: its loss was seen with
	 * regular expressions ("x."), and literal sets are scanned with the
	 * PAD rescan below, tested by fuzz_scanner; AVX2 costs literal scans
	 * of a big file about 9 % */
	scan_fn avx2 = o->syntax == MPS_FIXED ? NULL : avx2_only(&plat);
	m->scan = avx2 ? avx2 : hs_scan;
	if (hs_compile_multi((const char *const *)wrapped, flags, ids, (unsigned)n, HS_MODE_BLOCK,
			     avx2 ? &plat : NULL, &m->db, &ce) != HS_SUCCESS) {
		if (err && ce)
			snprintf(err, errlen, "%s", ce->message);
		hs_free_compile_error(ce);
		rc = MPS_EPATTERN;
		goto out;
	}
	rc = 0;
out:
	free_exprs(wrapped, n);
	free(flags);
	free(ids);
	return rc;
}

/* The end finder for the spans: "^(?:pattern)" for each pattern, every
 * end reported.  Only for patterns whose matches do not depend on what
 * precedes their start (no ^ \b \< ...): the scan starts at the match's
 * start.  Leaves m->edb NULL when Vectorscan does not take them. */
static void compile_edb(struct mps_matcher *m, const struct mps_match_opts *o, char **ex,
			bool unicode)
{
	size_t n = o->npatterns;
	char **wrapped = calloc(n, sizeof(*wrapped));
	unsigned *flags = calloc(n, sizeof(*flags));
	unsigned *ids = calloc(n, sizeof(*ids));
	bool ok = wrapped && flags && ids;
	for (size_t i = 0; ok && i < n; i++) {
		struct mps_buf b = {0};
		ok = !append_str(&b, "^(?:") && !append_str(&b, ex[i]) && !mps_buf_append(&b, ")", 2);
		wrapped[i] = (char *)b.data;
		flags[i] = HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY |
			   (o->ignore_case ? HS_FLAG_CASELESS : 0) |
			   (unicode ? HS_FLAG_UTF8 | HS_FLAG_UCP : 0);
		ids[i] = (unsigned)i;
	}
	hs_platform_info_t plat;
	scan_fn f = avx2_only(&plat);
	bool avx2 = f != NULL;
	m->escan = avx2 ? f : hs_scan;
	hs_compile_error_t *ce = NULL;
	if (ok && hs_compile_multi((const char *const *)wrapped, flags, ids, (unsigned)n,
				   HS_MODE_BLOCK, avx2 ? &plat : NULL, &m->edb, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		m->edb = NULL;
	}
	m->edb_utf8 = unicode;
	free_exprs(wrapped, n);
	free(flags);
	free(ids);
}

/* -P: can the pattern match a '\n'?  (A guess on its text, on the safe
 * side: an escape or class that may take one.) */
static bool pcre_may_match_nl(const char *p)
{
	static const char *const hints[] = {
		"\\n", "\\s", "\\S", "\\W", "\\D", "\\H", "\\v", "\\R", "\\x0a", "\\x0A",
		"\\x{a", "\\x{A", "\\x{0", "\\012", "\\P", "\\p", "\\X", "\\C", "[^", "(?s", "\n",
	};
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strstr(p, hints[i]))
			return true;
	return false;
}

/* --multiline: m->mre, the patterns as one PCRE2 expression in which
 * '\n' may match, when one of them can match it (as ripgrep, which
 * searches line by line otherwise).  ex: the line matcher's expressions,
 * for the comparison. */
static int compile_ml(struct mps_matcher *m, const struct mps_match_opts *o, char **ex,
		      bool unicode, char *err, size_t errlen)
{
	size_t n = o->npatterns;
	char **mx = calloc(n, sizeof(*mx));
	unsigned *fl = calloc(n, sizeof(*fl));
	int rc = mx && fl ? build_exprs(o, unicode, true, mx, fl, err, errlen) : -ENOMEM;
	bool nl = false;
	for (size_t i = 0; !rc && i < n; i++)
		nl |= o->syntax == MPS_PCRE ? pcre_may_match_nl(mx[i]) : strcmp(mx[i], ex[i]) != 0;
	struct mps_buf b = {0};
	if (!rc && nl)
		rc = join_exprs(o, mx, o->word && !o->line, &b);
	if (!rc && nl) {
		int ec;
		PCRE2_SIZE eo;
		m->mre = pcre2_compile((PCRE2_SPTR)b.data, b.len, pcre_flags(o, unicode), &ec, &eo,
				       NULL);
		if (!m->mre)
			rc = pcre_error(ec, err, errlen);
		else
			pcre2_jit_compile(m->mre, PCRE2_JIT_COMPLETE);
	}
	mps_buf_release(&b);
	free_exprs(mx, n);
	free(fl);
	return rc;
}

struct mps_matcher *mps_matcher_new(const struct mps_match_opts *o, char *err, size_t errlen)
{
	struct mps_matcher *m = calloc(1, sizeof(*m));
	size_t n = o->npatterns;
	char **ex = calloc(n ? n : 1, sizeof(*ex));
	unsigned *fl = calloc(n ? n : 1, sizeof(*fl));
	int rc = -ENOMEM;
	if (!m || !ex || !fl)
		goto done;
	if (err && errlen)
		err[0] = 0;
	m->line = o->line;
	m->utf8 = o->utf8;
	rc = 0;
	if (n == 0) {
		m->kind = K_NONE;
		goto done;
	}
	/* Read every pattern as bytes first; in a UTF-8 locale, what means
	 * something else on characters is compiled for PCRE2_UTF. */
	rc = build_exprs(o, false, false, ex, fl, err, errlen);
	if (rc)
		goto done;
	unsigned any = 0;
	for (size_t i = 0; i < n; i++)
		any |= fl[i];
	bool unicode = o->utf8 && (any & MPS_RX_UNICODE) &&
		       (o->syntax != MPS_FIXED || o->ignore_case);
	if (o->syntax == MPS_PCRE)
		unicode = o->utf8;
	/* a pattern that is not UTF-8 itself is matched as bytes, as grep does */
	for (size_t i = 0; unicode && i < n; i++)
		unicode = valid_utf8(o->patterns[i]);
	if (unicode) {
		for (size_t i = 0; i < n; i++)
			free(ex[i]), ex[i] = NULL;
		rc = build_exprs(o, true, false, ex, fl, err, errlen);
		if (rc)
			goto done;
	}
	bool backref = any & MPS_RX_BACKREF;
	bool plain = o->syntax != MPS_PCRE && !backref;
	/* -w as grep does it: the leftmost-longest match at each start, then
	 * shorter ones there, then later starts; -x overrides it.  -P and
	 * back-references use PCRE2's lookarounds instead. */
	m->word_check = o->word && !o->line && plain;
	m->dfa = plain;
	rc = compile_pcre(m, o, ex, unicode, backref, o->word && !o->line && !plain, err, errlen);
	if (rc)
		goto done;
	if (plain && !(any & MPS_RX_CONTEXT) && !o->line &&
	    !(o->ignore_case && (any & MPS_RX_CASECLASS)))
		compile_edb(m, o, ex, unicode);
	if (plain && !unicode && !(any & MPS_RX_LOOKAROUND)) {
		char herr[256];
		if (compile_hs(m, o, ex, herr, sizeof(herr)) == 0) {
			m->kind = K_HS;
			m->confirm = o->syntax != MPS_FIXED || m->word_check;
		}
		/* else (a construct or a length Vectorscan does not take): PCRE2 */
	}
	if (m->kind != K_HS) {
		m->kind = K_PCRE;
		m->whole = o->syntax != MPS_PCRE;
		m->confirm = m->word_check;
	}
	if (o->multiline && o->syntax != MPS_FIXED && !o->null_data &&
	    (rc = compile_ml(m, o, ex, unicode, err, errlen)))
		goto done;
	if (o->syntax == MPS_FIXED && n == 1 && !o->ignore_case && !o->line) {
		m->litlen = strlen(o->patterns[0]);
		if (!(m->lit = strdup(o->patterns[0])))
			rc = -ENOMEM;
	}
done:
	free_exprs(ex, n);
	free(fl);
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
	hs_free_database(m->edb);
	pcre2_code_free(m->re);
	pcre2_code_free(m->dre);
	pcre2_code_free(m->mre);
	free(m->lit);
	free(m);
}

struct mps_matcher_scratch *mps_matcher_scratch_new(const struct mps_matcher *m)
{
	struct mps_matcher_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if ((m->db && hs_alloc_scratch(m->db, &s->hs) != HS_SUCCESS) ||
	    (m->edb && hs_alloc_scratch(m->edb, &s->hs) != HS_SUCCESS))
		goto fail;
	if (m->re) {
		s->md = pcre2_match_data_create_from_pattern(m->re, NULL);
		s->dmd = pcre2_match_data_create(DFA_MATCHES, NULL);
		s->mctx = pcre2_match_context_create(NULL);
		s->jit = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		s->nws = DFA_WS;
		s->ws = malloc(s->nws * sizeof(*s->ws));
		if (!s->md || !s->dmd || !s->mctx || !s->jit || !s->ws)
			goto fail;
		pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
	}
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
	pcre2_match_data_free(s->dmd);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->jit);
	free(s->ws);
	free(s->ends);
	free(s->pad);
	free(s);
}

/* A PCRE2 failure other than no match: a resource limit ends the file. */
int mps_matcher_pcre_fail(int r)
{
	switch (r) {
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
	case PCRE2_ERROR_DFA_RECURSE:
		return MPS_ELIMIT;
	case PCRE2_ERROR_NOMEMORY:
		return -ENOMEM;
	}
	return MPS_EPATTERN;
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
	if (m->kind == K_NONE)
		return 0;
	if (m->word_check) {
		int n = mps_matcher_spans_of(m, s, line, len, NULL, 0, true);
		return n < 0 ? n : n > 0;
	}
	if (m->kind == K_PCRE && s->no_backtrack && m->dfa) {
		int n = mps_matcher_spans_of(m, s, line, len, NULL, 0, true);
		return n < 0 ? n : n > 0;
	}
	if (m->kind == K_PCRE) {
		int r = pcre2_match(m->re, (PCRE2_SPTR)line, len, 0, 0, s->md, s->mctx);
		if (r >= 0)
			return 1;
		if (r == PCRE2_ERROR_NOMATCH)
			return 0;
		if (mps_matcher_pcre_fail(r) == MPS_ELIMIT && m->dfa) {
			s->no_backtrack = true;
			/* backtracking ran out (nested repeats): the automaton
			 * answers the same without backtracking */
			int n = mps_matcher_spans_of(m, s, line, len, NULL, 0, true);
			return n < 0 ? n : n > 0;
		}
		return mps_matcher_pcre_fail(r);
	}
	const char *p = mps_matcher_padded(s, line, len);
	if (!p)
		return -ENOMEM;
	hs_error_t r = m->scan(m->db, p, (unsigned)(len + PAD), 0, s->hs, stop_cb, &len);
	if (r == HS_SCAN_TERMINATED)
		return 1;
	return r == HS_SUCCESS ? 0 : -ENOMEM;
}

static int lines_each(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *buf,
		      size_t len, mps_line_fn fn, void *ctx);

struct shift {
	mps_line_fn fn;
	void *ctx;
	size_t by;
};

static int shift_cb(void *ctx, size_t ls, size_t le)
{
	struct shift *sh = ctx;
	return sh->fn(sh->ctx, ls + sh->by, le + sh->by);
}

/* A whole buffer through PCRE2 (expressions that never match '\n'): each
 * match names its line, and the search goes on at the next line. */
static int lines_whole(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *buf,
		       size_t len, mps_line_fn fn, void *ctx)
{
	size_t p = 0;
	if (s->no_backtrack && m->dfa)
		return lines_each(m, s, buf, len, fn, ctx);
	while (p < len) {
		int r = pcre2_match(m->re, (PCRE2_SPTR)buf, len, p, 0, s->md, s->mctx);
		if (r == PCRE2_ERROR_NOMATCH)
			return 0;
		if (r < 0 && mps_matcher_pcre_fail(r) == MPS_ELIMIT && m->dfa) {
			s->no_backtrack = true;
			return lines_each(m, s, buf + p, len - p, shift_cb, &(struct shift){fn, ctx, p});
		}
		if (r < 0)
			return mps_matcher_pcre_fail(r);
		size_t at = pcre2_get_ovector_pointer(s->md)[0];
		if (at >= len && buf[len - 1] == '\n')
			return 0; /* after the last '\n': no line there */
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t le = nl ? (size_t)(nl - buf) : len;
		const char *pn = at > p ? memrchr(buf + p, '\n', at - p) : NULL;
		size_t ls = pn ? (size_t)(pn - buf) + 1 : p;
		if (m->confirm) {
			int c = mps_matcher_line_matches(m, s, buf + ls, le - ls);
			if (c < 0)
				return c;
			if (!c) {
				p = le + 1;
				continue;
			}
		}
		if ((r = fn(ctx, ls, le)))
			return r;
		p = le + 1;
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
	if (m->kind == K_PCRE && m->whole)
		return lines_whole(m, s, buf, len, fn, ctx);
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
		hs_error_t r = m->scan(m->db, buf + p, (unsigned)(len - p), 0, s->hs, batch_cb, &b);
		if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
			return -ENOMEM;
		if (r == HS_SUCCESS) {
			/* the last lines again, padded (see PAD): from the start of
			 * the line that holds len - TAIL, or p */
			size_t ts = len - p > TAIL ? len - TAIL : p;
			const char *nl = ts > p ? memrchr(buf + p, '\n', ts - p) : NULL;
			ts = nl ? (size_t)(nl - buf) + 1 : p;
			const char *t = mps_matcher_padded(s, buf + ts, len - ts);
			if (!t)
				return -ENOMEM;
			b.base = ts;
			b.tail = true;
			b.have = false;
			hs_error_t r2 = m->scan(m->db, t, (unsigned)(len - ts + PAD), 0, s->hs, batch_cb, &b);
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

bool mps_matcher_multiline(const struct mps_matcher *m)
{
	return m && m->mre;
}

int mps_matcher_find(const struct mps_matcher *m, struct mps_matcher_scratch *s, const char *buf,
		     size_t len, size_t from, bool eof, struct mps_span *out)
{
	if (!m->mre || from > len)
		return 0;
	int r = pcre2_match(m->mre, (PCRE2_SPTR)buf, len, from, eof ? 0 : PCRE2_NOTEOL, s->md,
			    s->mctx);
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	if (r < 0)
		return mps_matcher_pcre_fail(r);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	out->start = ov[0];
	out->end = ov[1];
	return 1;
}
