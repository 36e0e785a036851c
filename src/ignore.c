/* SPDX-License-Identifier: BSD-3-Clause */
/* Ignore files read with git's rules (gitignore(5)):
 *
 *  - one pattern a line; blank lines and lines starting with '#' are
 *    skipped ("\#" starts a pattern with '#'); trailing blanks are dropped
 *    unless quoted with a backslash;
 *  - "!pat" keeps what an earlier pattern ignored ("\!" is a literal '!');
 *  - "pat/" matches directories only;
 *  - a '/' at the start or in the middle anchors the pattern to the
 *    file's directory: it is matched against the whole relative path;
 *    without one it is matched against the last path component;
 *  - '*', '?' and [...] never match '/'; "**" matches across directories
 *    when a slash or an end of the pattern is on each side of it (at the
 *    start followed by a slash, at the end after one, or between two), and
 *    is a plain '*' elsewhere;
 *  - the last pattern that matches decides.
 *
 * Like git, plain names ("build") and "*" + suffix ("*.o") are compared
 * without the glob engine, which is what keeps the walk fast on trees such
 * as Linux whose ignore files are mostly such patterns. */
#include "ignore.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

enum pat_kind {
	PAT_LITERAL, /* no wildcard: compared as bytes */
	PAT_SUFFIX,  /* "*" + literal, not anchored: the name ends with it */
	PAT_GLOB,    /* anything else */
};

/* Lists this long get buckets by last byte (Linux's top .gitignore has
 * 130 patterns; most lists have a few). */
#define IGN_BUCKET_MIN 16

/* An ignore file larger than this is not read (-EFBIG). */
#define IGN_MAX_FILE (16u << 20)

static bool is_wild(char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/* ---- the glob engine ---- */

/* start: the whole pattern ("**" looks at the character before it). */
static bool glob_at(const char *start, const char *p, const char *pe, const char *t,
		    const char *te);

/* A POSIX class name at p ("alpha:]"...); returns its test, or NULL. */
static int (*class_fn(const char *p, const char *pe, size_t *len /* out */))(int)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
		{"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
		{"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
		{"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit},
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		size_t n = strlen(classes[i].name);
		if ((size_t)(pe - p) >= n + 2 && !memcmp(p, classes[i].name, n) && p[n] == ':' &&
		    p[n + 1] == ']') {
			*len = n + 2;
			return classes[i].fn;
		}
	}
	return NULL;
}

/* Match byte c against the bracket expression starting after '[' at *pp;
 * *pp is left after its ']'.  -1: no closing ']' (the pattern matches
 * nothing, as in git). */
static int bracket(const char **pp, const char *pe, unsigned char c)
{
	const char *p = *pp;
	bool neg = p < pe && (*p == '!' || *p == '^');
	bool hit = false;
	if (neg)
		p++;
	for (bool first = true; p < pe && (first || *p != ']'); first = false) {
		unsigned char lo;
		if (*p == '[' && p + 1 < pe && p[1] == ':') {
			size_t n;
			int (*fn)(int) = class_fn(p + 2, pe, &n);
			if (fn) {
				hit |= fn(c) != 0;
				p += 2 + n;
				continue;
			}
		}
		if (*p == '\\' && p + 1 < pe)
			p++;
		lo = (unsigned char)*p++;
		if (p + 1 < pe && *p == '-' && p[1] != ']') {
			p++;
			if (*p == '\\' && p + 1 < pe)
				p++;
			unsigned char hi = (unsigned char)*p++;
			hit |= lo <= c && c <= hi;
		} else {
			hit |= lo == c;
		}
	}
	if (p >= pe)
		return -1;
	*pp = p + 1;
	return hit != neg;
}

/* "**" at p (stars run to q) with a slash or an end on each side? */
static bool double_star(const char *start, const char *p, const char *q, const char *pe)
{
	return q - p == 2 && (p == start || p[-1] == '/') && (q == pe || *q == '/');
}

/* Stars from p to q, then the rest of the pattern, against t. */
static bool star(const char *start, const char *p, const char *q, const char *pe, const char *t,
		 const char *te)
{
	if (double_star(start, p, q, pe)) {
		if (q == pe)
			return true; /* at the end after a slash: all that is inside */
		/* "**" + "/": zero or more whole directories */
		for (const char *s = t;;) {
			if (glob_at(start, q + 1, pe, s, te))
				return true;
			s = memchr(s, '/', (size_t)(te - s));
			if (!s)
				return false;
			s++;
		}
	}
	if (q == pe)
		return memchr(t, '/', (size_t)(te - t)) == NULL;
	/* a literal next: only where it is can the rest match */
	char lit = is_wild(*q) ? 0 : *q;
	for (const char *s = t;; s++) {
		if (lit) {
			while (s < te && *s != lit && *s != '/')
				s++;
			if (s == te || (*s == '/' && lit != '/'))
				return false;
		}
		if (glob_at(start, q, pe, s, te))
			return true;
		if (s == te || *s == '/')
			return false;
	}
}

static bool glob_at(const char *start, const char *p, const char *pe, const char *t,
		    const char *te)
{
	for (; p < pe; t++) {
		int r;
		switch (*p) {
		case '*': {
			const char *q = p;
			while (q < pe && *q == '*')
				q++;
			return star(start, p, q, pe, t, te);
		}
		case '?':
			if (t == te || *t == '/')
				return false;
			p++;
			break;
		case '[':
			if (t == te || *t == '/')
				return false;
			p++;
			r = bracket(&p, pe, (unsigned char)*t);
			if (r <= 0)
				return false;
			break;
		case '\\':
			if (p + 1 == pe)
				return false; /* a lone trailing backslash matches nothing */
			p++;
			/* fall through */
		default:
			if (t == te || *t != *p)
				return false;
			p++;
			break;
		}
	}
	return t == te;
}

bool mps_ign_glob(const char *glob, size_t glen, const char *text, size_t tlen)
{
	return glob_at(glob, glob, glob + glen, text, text + tlen);
}

/* ---- lists ---- */

/* The longest run of plain bytes (no wildcard, no bracket, no quoted
 * byte) in the glob of p, which every text it matches contains. */
static void find_needle(struct mps_ign_pat *p)
{
	const char *g = p->glob, *ge = g + p->len;
	const char *run = g;
	for (const char *c = g; c <= ge; c++) {
		if (c < ge && !is_wild(*c))
			continue;
		/* "**" + "/" may match nothing: the slash is not needed */
		if (run - g >= 2 && run < c && *run == '/' && run[-1] == '*' && run[-2] == '*')
			run++;
		if (c - run > p->need_len && c - run < 65536) {
			p->need_off = (unsigned short)(run - g);
			p->need_len = (unsigned short)(c - run);
		}
		if (c < ge && *c == '\\' && c + 1 < ge)
			c++;
		else if (c < ge && *c == '[') {
			const char *q = c + 1;
			if (bracket(&q, ge, 0) < 0)
				break;
			c = q - 1;
		}
		run = c + 1;
	}
}

/* Turn the line s[0, n) (in the list's own text, writable) into a
 * pattern; false for a blank line or a comment. */
static bool parse_line(char *s, size_t n, struct mps_ign_pat *pat /* out */)
{
	*pat = (struct mps_ign_pat){0};
	if (n && s[n - 1] == '\r')
		n--; /* CRLF files, as git reads them */
	if (n == 0 || s[0] == '#')
		return false;
	/* trailing blanks go, unless quoted: count the backslashes before */
	while (n && s[n - 1] == ' ') {
		size_t k = 0;
		while (k + 1 < n && s[n - 2 - k] == '\\')
			k++;
		if (k % 2)
			break;
		n--;
	}
	if (n && s[0] == '!') {
		pat->negate = 1;
		s++;
		n--;
	}
	if (n && s[n - 1] == '/') {
		pat->dir_only = 1;
		n--;
	}
	if (n == 0)
		return false;
	pat->anchored = memchr(s, '/', n) != NULL;
	if (s[0] == '/') {
		s++;
		n--;
	}
	s[n] = '\0';
	pat->glob = s;
	pat->len = n;
	size_t w = 0;
	while (w < n && !is_wild(s[w]))
		w++;
	/* the last byte, unless a wildcard or a bracket's end (an escaped one
	 * is literal: count the backslashes before it) */
	size_t k = 0;
	while (k + 1 < n && s[n - 2 - k] == '\\')
		k++;
	char c = s[n - 1];
	pat->last = k % 2 || !(c == '*' || c == '?' || c == ']' || c == '\\') ? (unsigned char)c : -1;
	pat->first = is_wild(s[0]) ? -1 : (unsigned char)s[0];
	if (w == n)
		pat->kind = PAT_LITERAL;
	else if (!pat->anchored && s[0] == '*' && n > 1 && s[1] != '*') {
		size_t k = 1;
		while (k < n && !is_wild(s[k]))
			k++;
		pat->kind = k == n ? PAT_SUFFIX : PAT_GLOB;
	} else
		pat->kind = PAT_GLOB;
	if (pat->kind == PAT_GLOB)
		find_needle(pat);
	return true;
}

/* Sort the pattern indices into buckets by the last byte they accept. */
static int make_buckets(struct mps_ign_list *l)
{
	size_t any = 0, total = 0;
	for (size_t i = 0; i < l->n; i++)
		any += l->pats[i].last < 0;
	total = 257 + 256 * any + (l->n - any);
	unsigned *b = malloc(total * sizeof(*b));
	if (!b)
		return -ENOMEM;
	size_t at = 257;
	for (int c = 0; c < 256; c++) {
		b[c] = (unsigned)at;
		for (size_t i = 0; i < l->n; i++)
			if (l->pats[i].last < 0 || l->pats[i].last == c)
				b[at++] = (unsigned)i;
	}
	b[256] = (unsigned)at;
	l->bucket = b;
	return 0;
}

int mps_ign_list_parse(struct mps_ign_list *l, const char *s, size_t len)
{
	*l = (struct mps_ign_list){0};
	l->text = malloc(len + 1);
	if (!l->text)
		return -ENOMEM;
	memcpy(l->text, s, len);
	l->text[len] = '\0';
	for (size_t at = 0; at < len;) {
		char *line = l->text + at;
		char *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		at += n + 1;
		struct mps_ign_pat pat;
		if (!parse_line(line, n, &pat))
			continue;
		if (MPS_GROW(l->pats, l->n + 1, l->cap)) {
			mps_ign_list_release(l);
			return -ENOMEM;
		}
		l->pats[l->n++] = pat;
	}
	if (l->n >= IGN_BUCKET_MIN && make_buckets(l)) {
		mps_ign_list_release(l);
		return -ENOMEM;
	}
	return 0;
}

int mps_ign_list_load(struct mps_ign_list *l, int dirfd, const char *name)
{
	*l = (struct mps_ign_list){0};
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	char *buf = NULL;
	size_t n = 0;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if ((uint64_t)st.st_size > IGN_MAX_FILE)
		rc = -EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	while (!rc && n < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = -errno;
		else if (got == 0)
			break; /* shrunk meanwhile */
		else
			n += (size_t)got;
	}
	close(fd);
	if (!rc)
		rc = mps_ign_list_parse(l, buf, n);
	free(buf);
	return rc;
}

void mps_ign_list_release(struct mps_ign_list *l)
{
	free(l->pats);
	free(l->text);
	free(l->bucket);
	*l = (struct mps_ign_list){0};
}

/* Does t[0, tn) hold n[0, nn) (nn >= 1)?  Paths are short: memchr and
 * memcmp beat memmem's setup. */
static bool contains(const char *t, size_t tn, const char *n, size_t nn)
{
	for (const char *e = t + tn; (size_t)(e - t) >= nn; t++) {
		t = memchr(t, n[0], (size_t)(e - t) - nn + 1);
		if (!t)
			return false;
		if (!memcmp(t + 1, n + 1, nn - 1))
			return true;
	}
	return false;
}

static bool pat_match(const struct mps_ign_pat *p, const char *rel, size_t len, const char *base,
		      size_t blen)
{
	const char *t = p->anchored ? rel : base;
	size_t tn = p->anchored ? len : blen;
	if (p->first >= 0 && (tn == 0 || (unsigned char)t[0] != p->first))
		return false;
	switch (p->kind) {
	case PAT_LITERAL:
		return tn == p->len && memcmp(t, p->glob, tn) == 0;
	case PAT_SUFFIX:
		return tn >= p->len - 1 && memcmp(t + tn - (p->len - 1), p->glob + 1, p->len - 1) == 0;
	default:
		if (p->need_len > 1 && !contains(t, tn, p->glob + p->need_off, p->need_len))
			return false;
		return mps_ign_glob(p->glob, p->len, t, tn);
	}
}

enum mps_ign_verdict mps_ign_list_match(const struct mps_ign_list *l, const char *rel, size_t len,
					bool is_dir)
{
	const char *slash = len ? memrchr(rel, '/', len) : NULL;
	const char *base = slash ? slash + 1 : rel;
	size_t blen = len - (size_t)(base - rel);
	int last = len ? (unsigned char)rel[len - 1] : -1;
	/* the candidates: a bucket, or every pattern */
	bool bucketed = l->bucket && last >= 0;
	const unsigned *idx = bucketed ? l->bucket + l->bucket[last] : NULL;
	size_t n = bucketed ? l->bucket[last + 1] - l->bucket[last] : l->n;
	for (size_t k = n; k-- > 0;) {
		const struct mps_ign_pat *p = &l->pats[idx ? idx[k] : k];
		if ((p->dir_only && !is_dir) || (p->last >= 0 && p->last != last))
			continue;
		if (pat_match(p, rel, len, base, blen))
			return p->negate ? MPS_IGN_KEEP : MPS_IGN_IGNORE;
	}
	return MPS_IGN_NONE;
}
