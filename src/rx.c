/* SPDX-License-Identifier: BSD-3-Clause */
/* GNU ERE and BRE to PCRE syntax.
 *
 * What grep 3.8 does, checked against it on this machine, and what we write:
 *   - ERE: ( ) | * + ? {m,n} are operators; BRE: \( \) \| \{ \} and the GNU
 *     extensions \+ \? are, and ( ) | { } + ? are plain characters.
 *   - A quantifier at the start of an ERE (or after '(' or '|') is ignored
 *     (grep warns); in a BRE a leading '*' is a plain character.
 *   - Stacked quantifiers apply in turn: "a+?" is (a+)?, never PCRE's lazy
 *     or possessive forms, so the operand is wrapped in (?:...).
 *   - Intervals: {m} {m,} {,n} {m,n}; an incomplete one ("a{1", "a{x}") is
 *     plain text; "{2,1}" and "{1,2,3}" are errors; counts above 32767 are
 *     "Regular expression too big".
 *   - An unmatched ')' in an ERE is a plain character; an unmatched '(' is
 *     an error.  In a BRE '^' is an anchor only at the start of the
 *     expression or of a group or branch, '$' only at the end of one.
 *   - Brackets: ']' first is literal, '\' is literal, [:class:], [=c=],
 *     [.c.], ranges; "[:alpha:]" alone is an error, as in grep.
 *   - \< \> \b \B \w \W \s \S \` \' and back-references \1-\9.
 * Nothing we write can match a '\n' (negated classes, \W, \S and the
 * space and control classes leave it out), so a whole buffer can be
 * scanned without a match running from one line into the next; but for
 * --multiline (mps_rx_translate_ml), where "\n" is a newline and negated
 * classes, \s, \S, \W and [:space:] take one, as in ripgrep's -U. */
#include "rx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/error.h"

#define DUP_MAX 32767
#define MAX_DEPTH 256

/* Spaces and controls without '\n', for inside a bracket. */
#define SPACE_BYTES "\\t\\x0b\\x0c\\r "
#define SPACE_UTF SPACE_BYTES "\\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200a}\\x{2028}\\x{2029}\\x{205f}\\x{3000}"
#define CNTRL_BYTES "\\x00-\\x09\\x0b-\\x1f\\x7f"
#define CNTRL_UTF CNTRL_BYTES "\\x{80}-\\x{9f}"

struct rx {
	const unsigned char *p, *end;
	bool bre, utf8, icase;
	bool zdata;        /* -z: a NUL in the matched text is the text's newline */
	bool ml;           /* --multiline: '\n' may match (see mps_rx_translate_ml) */
	struct mps_buf *out;
	unsigned flags;
	size_t atom;       /* where the last atom starts in out */
	bool have_atom;    /* an atom can take a quantifier */
	bool quantified;   /* and it already has one */
	bool at_start;     /* start of the expression, a group or a branch */
	bool atom_dot;     /* the last atom is '.' */
	int bare_dots;     /* '.' not repeated by * or + (counts characters) */
	int ngroups;
	unsigned char closed[10]; /* groups 1-9 closed, for back-references */
	int depth;
	size_t gstart[MAX_DEPTH];
	int gnum[MAX_DEPTH];
	char *err;
	size_t errlen;
};

long mps_utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	*len = 1;
	if (!n)
		return -1;
	unsigned c = s[0];
	if (c < 0x80)
		return (long)c;
	size_t need;
	long cp, min;
	if ((c & 0xe0) == 0xc0)
		need = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		need = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		need = 4, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	if (n < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = need;
	return cp;
}

static int fail(struct rx *r, const char *msg)
{
	if (r->err && r->errlen)
		snprintf(r->err, r->errlen, "%s", msg);
	return MPS_EPATTERN;
}

static int put(struct rx *r, const char *s)
{
	return mps_buf_append(r->out, s, strlen(s));
}

/* One code point (or byte) written so that it matches itself. */
static int put_char(struct mps_buf *out, long c)
{
	char tmp[16];
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
		tmp[0] = (char)c, tmp[1] = 0;
	else
		snprintf(tmp, sizeof(tmp), "\\x{%lx}", c);
	return mps_buf_append(out, tmp, strlen(tmp));
}

/* The next character of the pattern: a code point in utf8 mode (an
 * invalid byte stands for itself), else a byte. */
static long next_char(struct rx *r, size_t *n)
{
	if (!r->utf8 || *r->p < 0x80) {
		*n = 1;
		return *r->p;
	}
	long c = mps_utf8_decode(r->p, (size_t)(r->end - r->p), n);
	return c < 0 ? *r->p : c;
}

int mps_rx_literal(const char *s, size_t n, bool utf8, struct mps_buf *out, unsigned *flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		size_t k = 1;
		long c = *p;
		if (c >= 0x80) {
			*flags |= MPS_RX_UNICODE;
			if (utf8) {
				c = mps_utf8_decode(p, (size_t)(end - p), &k);
				if (c < 0)
					c = *p;
			}
		}
		int rc = put_char(out, c);
		if (rc)
			return rc;
		p += k;
	}
	return 0;
}

/* A new atom starts at the current end of the output. */
static void atom_begin(struct rx *r)
{
	r->atom = r->out->len;
	r->have_atom = true;
	r->quantified = false;
	r->at_start = false;
	r->atom_dot = false;
}

static int literal(struct rx *r, long c)
{
	atom_begin(r);
	if (c >= 0x80)
		r->flags |= MPS_RX_UNICODE;
	return put_char(r->out, c);
}

/* Insert "(?:" at the atom's start and ")" at the end. */
static int wrap_atom(struct rx *r)
{
	int rc = mps_buf_reserve(r->out, 4);
	if (rc)
		return rc;
	unsigned char *d = r->out->data;
	memmove(d + r->atom + 3, d + r->atom, r->out->len - r->atom);
	memcpy(d + r->atom, "(?:", 3);
	r->out->len += 3;
	return put(r, ")");
}

static int quantifier(struct rx *r, const char *q)
{
	/* ".*" and ".+" take the same text whether '.' is a byte or a
	 * character (on valid UTF-8) */
	if (r->atom_dot && !r->quantified && (!strcmp(q, "*") || !strcmp(q, "+")))
		r->bare_dots--;
	if (r->quantified) {
		int rc = wrap_atom(r);
		if (rc)
			return rc;
	}
	r->quantified = true;
	return put(r, q);
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* After '{' (ERE) or '\{' (BRE).  Returns 1 when the text is not an
 * interval (the brace is then a plain character), 0 when one was written
 * (r->p after its closing brace), or an error. */
/* Is p at the interval's closing brace ('}' or, in a BRE, '\}')? */
static bool at_close(const struct rx *r, const unsigned char *p)
{
	return r->bre ? (*p == '\\' && p + 1 < r->end && p[1] == '}') : *p == '}';
}

/* Read a count of an interval up to ',' or its closing brace: -1 when
 * empty; *bad when a character is not a digit; *p stops at r->end when
 * neither came. */
static long read_count(const struct rx *r, const unsigned char **p, bool *bad)
{
	long v = -1;
	for (; *p < r->end && **p != ',' && !at_close(r, *p); (*p)++) {
		if (!is_digit(**p))
			*bad = true;
		else if (v < 0)
			v = **p - '0';
		else if (v <= DUP_MAX)
			v = v * 10 + (**p - '0');
	}
	return v;
}

static int interval(struct rx *r)
{
	const unsigned char *p = r->p;
	bool bad = false;
	long min = read_count(r, &p, &bad), max = -1;
	if (p >= r->end || bad)
		return 1;
	bool comma = *p == ',';
	if (comma) {
		p++;
		max = read_count(r, &p, &bad);
		if (p >= r->end || bad)
			return 1;
		if (*p == ',')
			return fail(r, "Invalid content of \\{\\}");
		if (min < 0)
			min = 0;
	} else {
		if (min < 0)
			return 1; /* "{}" */
		max = min;
	}
	if (max >= 0 && min > max)
		return fail(r, "Invalid content of \\{\\}");
	if (min > DUP_MAX || max > DUP_MAX)
		return fail(r, "Regular expression too big");
	r->p = p + (r->bre ? 2 : 1);
	if (!r->have_atom)
		return 0; /* nothing to repeat: ignored, as a leading '*' */
	char q[48];
	if (max < 0)
		snprintf(q, sizeof(q), "{%ld,}", min);
	else
		snprintf(q, sizeof(q), "{%ld,%ld}", min, max);
	return quantifier(r, q);
}

static const char *const classes[] = {"alpha", "upper", "lower", "digit", "xdigit", "space",
				      "print", "punct", "graph", "cntrl", "blank", "alnum", NULL};

/* At r->p, "[.c.]" or "[=c=]": one character, put in *ch; r->p after it. */
static int collating(struct rx *r, long *ch)
{
	unsigned char kind = r->p[1];
	const unsigned char *b = r->p + 2, *e = b;
	while (e + 1 < r->end && !(e[0] == kind && e[1] == ']'))
		e++;
	if (e + 1 >= r->end)
		return fail(r, "Unmatched [, [^, [:, [., or [=");
	size_t k = 0;
	if (e > b) {
		r->p = b;
		*ch = next_char(r, &k);
	}
	if (e == b || (size_t)(e - b) != k)
		return fail(r, "Invalid collation character");
	r->p = e + 2;
	return 0;
}

static bool at_collating(const struct rx *r)
{
	return *r->p == '[' && r->p + 1 < r->end && (r->p[1] == '.' || r->p[1] == '=');
}

/* At r->p, "[:name:]": the class, written for inside a bracket; clears
 * *bytes_ok for a class that means more than ASCII digits. */
static int char_class(struct rx *r, bool *bytes_ok)
{
	const unsigned char *b = r->p + 2, *e = b;
	while (e + 1 < r->end && !(e[0] == ':' && e[1] == ']'))
		e++;
	if (e + 1 >= r->end)
		return fail(r, "Unmatched [, [^, [:, [., or [=");
	size_t n = (size_t)(e - b);
	r->p = e + 2;
	int i = 0;
	while (classes[i] && !(strlen(classes[i]) == n && !memcmp(classes[i], b, n)))
		i++;
	if (!classes[i])
		return fail(r, "Invalid character class name");
	const char *c = classes[i];
	if (strcmp(c, "digit") && strcmp(c, "xdigit"))
		*bytes_ok = false;
	bool cased = !strcmp(c, "upper") || !strcmp(c, "lower");
	if (cased)
		r->flags |= MPS_RX_CASECLASS;
	if (!strcmp(c, "space") && r->ml)
		return put(r, r->utf8 ? "\\n" SPACE_UTF : "\\n" SPACE_BYTES);
	if (!strcmp(c, "space")) /* (-z: NUL stands for the text's newline) */
		return put(r, r->zdata ? (r->utf8 ? "\\x00" SPACE_UTF : "\\x00" SPACE_BYTES)
				       : (r->utf8 ? SPACE_UTF : SPACE_BYTES));
	if (!strcmp(c, "cntrl"))
		return put(r, r->utf8 ? CNTRL_UTF : CNTRL_BYTES);
	if (r->icase && cased) /* PCRE2 does not fold classes: any cased letter */
		return put(r, r->utf8 ? "\\p{Lu}\\p{Ll}\\p{Lt}" : "A-Za-z");
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "[:%s:]", c);
	return put(r, tmp);
}

/* After '['; r->p at the first character inside. */
static int bracket(struct rx *r)
{
	atom_begin(r);
	bool neg = r->p < r->end && *r->p == '^';
	if (neg)
		r->p++;
	/* A positive bracket of ASCII characters, ranges and digit classes
	 * takes the same text as bytes or as characters; anything else is
	 * for a UTF-8 locale to decide. */
	bool bytes_ok = !neg;
	/* "[:alpha:]" where "[[:alpha:]]" was meant */
	if (r->p < r->end && *r->p == ':') {
		const unsigned char *q = r->p + 1;
		while (q < r->end && *q != ']')
			q++;
		if (q < r->end && q > r->p + 1 && q[-1] == ':')
			return fail(r, "character class syntax is [[:space:]], not [:space:]");
	}
	int rc = put(r, neg ? (r->ml ? "[^" : "[^\\n") : "[");
	bool first = true;
	long prev = -1; /* the last single character, for a range */
	while (!rc) {
		if (r->p >= r->end)
			return fail(r, "Unmatched [, [^, [:, [., or [=");
		unsigned char c = *r->p;
		if (c == ']' && !first) {
			r->p++;
			break;
		}
		first = false;
		if (c == '[' && r->p + 1 < r->end && r->p[1] == ':') {
			rc = char_class(r, &bytes_ok);
			prev = -1;
			continue;
		}
		if (at_collating(r)) { /* [=c=] and [.c.]: one character */
			long ch = -1;
			if ((rc = collating(r, &ch)))
				return rc;
			if (ch >= 0x80)
				bytes_ok = false;
			rc = put_char(r->out, ch);
			prev = ch;
			continue;
		}
		size_t k;
		long ch = next_char(r, &k);
		r->p += k;
		if (ch == '-' && prev >= 0 && r->p < r->end && *r->p != ']') {
			/* a range prev-hi */
			long hi;
			if (at_collating(r)) {
				if ((rc = collating(r, &hi)))
					return rc;
			} else {
				hi = next_char(r, &k);
				r->p += k;
			}
			if (hi < prev)
				return fail(r, "Invalid range end");
			if (hi >= 0x80)
				bytes_ok = false;
			rc = put(r, "-");
			if (!rc)
				rc = put_char(r->out, hi);
			prev = -1;
			continue;
		}
		if (ch >= 0x80)
			bytes_ok = false;
		rc = put_char(r->out, ch);
		prev = ch;
	}
	if (!bytes_ok)
		r->flags |= MPS_RX_UNICODE;
	return rc ? rc : put(r, "]");
}

static int open_group(struct rx *r)
{
	if (r->depth == MAX_DEPTH)
		return fail(r, "Regular expression too big");
	r->gstart[r->depth] = r->out->len;
	r->gnum[r->depth] = ++r->ngroups;
	r->depth++;
	r->have_atom = false;
	r->quantified = false;
	r->at_start = true;
	return put(r, "(");
}

static int close_group(struct rx *r)
{
	r->depth--;
	int rc = put(r, ")");
	r->atom = r->gstart[r->depth];
	r->have_atom = true;
	r->quantified = false;
	r->at_start = false;
	if (r->gnum[r->depth] <= 9)
		r->closed[r->gnum[r->depth]] = 1;
	return rc;
}

static int branch(struct rx *r)
{
	r->have_atom = false;
	r->quantified = false;
	r->at_start = true;
	return put(r, "|");
}

/* In a BRE, is '$' at r->p (already past it) the end of a branch? */
static bool bre_at_end(const struct rx *r)
{
	const unsigned char *p = r->p;
	return p == r->end ||
	       (p + 1 < r->end && p[0] == '\\' && (p[1] == ')' || p[1] == '|'));
}

static int escape(struct rx *r)
{
	if (r->p >= r->end)
		return fail(r, "Trailing backslash");
	size_t k;
	long c = next_char(r, &k);
	r->p += k;
	if (r->bre) {
		switch (c) {
		case '(': return open_group(r);
		case ')':
			if (!r->depth)
				return fail(r, "Unmatched ) or \\)");
			return close_group(r);
		case '|': return branch(r);
		case '{': {
			int rc = interval(r);
			return rc == 1 ? literal(r, '{') : rc;
		}
		case '}': return literal(r, '}');
		case '+':
		case '?':
			if (!r->have_atom)
				return literal(r, c);
			return quantifier(r, c == '+' ? "+" : "?");
		}
	}
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
		if (!r->closed[c - '0'])
			return fail(r, "Invalid back reference");
		r->flags |= MPS_RX_BACKREF;
		atom_begin(r);
		{
			char tmp[8];
			snprintf(tmp, sizeof(tmp), "\\%c", (char)c);
			return put(r, tmp);
		}
	case 'w':
		atom_begin(r);
		r->flags |= MPS_RX_UNICODE;
		return put(r, "\\w");
	case 'W':
		atom_begin(r);
		r->flags |= MPS_RX_UNICODE;
		return put(r, r->ml ? "\\W" : "[^\\w\\n]");
	case 's':
		atom_begin(r);
		r->flags |= MPS_RX_UNICODE;
		if (r->ml)
			return put(r, r->utf8 ? "[\\n" SPACE_UTF "]" : "[\\n" SPACE_BYTES "]");
		if (r->zdata)
			return put(r, r->utf8 ? "[\\x00" SPACE_UTF "]" : "[\\x00" SPACE_BYTES "]");
		return put(r, r->utf8 ? "[" SPACE_UTF "]" : "[" SPACE_BYTES "]");
	case 'S':
		atom_begin(r);
		r->flags |= MPS_RX_UNICODE;
		if (r->ml)
			return put(r, "[^\\s]");
		return put(r, r->zdata ? "[^\\s\\n\\x00]" : "[^\\s\\n]");
	case 'b':
	case 'B':
		r->flags |= MPS_RX_UNICODE | MPS_RX_CONTEXT;
		r->have_atom = false;
		return put(r, c == 'b' ? "\\b" : "\\B");
	case '<':
	case '>':
		r->flags |= MPS_RX_UNICODE | MPS_RX_LOOKAROUND | MPS_RX_CONTEXT;
		r->have_atom = false;
		return put(r, c == '<' ? "\\b(?=\\w)" : "\\b(?<=\\w)");
	case '`':
		r->flags |= MPS_RX_CONTEXT;
		r->have_atom = false;
		return put(r, "^");
	case '\'':
		r->have_atom = false;
		return put(r, "$");
	case 'n':
		if (!r->ml)
			break;
		atom_begin(r);
		return put(r, "\\n");
	}
	return literal(r, c);
}

static int translate(const char *pat, size_t len, bool bre, bool utf8, bool icase, bool zdata,
		     bool ml, struct mps_buf *out, unsigned *flags, char *err, size_t errlen)
{
	struct rx r = {
		.p = (const unsigned char *)pat, .end = (const unsigned char *)pat + len,
		.bre = bre, .utf8 = utf8, .icase = icase, .zdata = zdata, .ml = ml, .out = out,
		.at_start = true,
		.err = err, .errlen = errlen,
	};
	int rc = 0;
	while (!rc && r.p < r.end) {
		size_t k;
		long c = next_char(&r, &k);
		r.p += k;
		switch (c) {
		case '\\':
			rc = escape(&r);
			continue;
		case '[':
			rc = bracket(&r);
			continue;
		case '.':
			atom_begin(&r);
			r.atom_dot = true;
			r.bare_dots++;
			rc = put(&r, ".");
			continue;
		case '*':
			if (!r.have_atom)
				rc = r.bre ? literal(&r, '*') : 0;
			else
				rc = quantifier(&r, "*");
			continue;
		case '^':
			if (!r.bre || r.at_start) {
				r.flags |= MPS_RX_CONTEXT;
				r.have_atom = false;
				rc = put(&r, "^");
				/* "^*" in a BRE: the star is a plain character */
				continue;
			}
			rc = literal(&r, '^');
			continue;
		case '$':
			if (!r.bre || bre_at_end(&r)) {
				r.have_atom = false;
				r.at_start = false;
				rc = put(&r, "$");
				continue;
			}
			rc = literal(&r, '$');
			continue;
		}
		if (r.bre) {
			rc = literal(&r, c);
			continue;
		}
		switch (c) {
		case '(':
			rc = open_group(&r);
			break;
		case ')':
			rc = r.depth ? close_group(&r) : literal(&r, ')');
			break;
		case '|':
			rc = branch(&r);
			break;
		case '+':
		case '?':
			if (r.have_atom)
				rc = quantifier(&r, c == '+' ? "+" : "?");
			break;
		case '{':
			rc = interval(&r);
			if (rc == 1)
				rc = literal(&r, '{');
			break;
		default:
			rc = literal(&r, c);
		}
	}
	if (!rc && r.depth)
		rc = fail(&r, "Unmatched ( or \\(");
	if (r.bare_dots > 0)
		r.flags |= MPS_RX_UNICODE;
	*flags = r.flags;
	return rc;
}

int mps_rx_translate(const char *pat, size_t len, bool bre, bool utf8, bool icase, bool zdata,
		     struct mps_buf *out, unsigned *flags, char *err, size_t errlen)
{
	return translate(pat, len, bre, utf8, icase, zdata, false, out, flags, err, errlen);
}

int mps_rx_translate_ml(const char *pat, size_t len, bool bre, bool utf8, bool icase,
			struct mps_buf *out, unsigned *flags, char *err, size_t errlen)
{
	return translate(pat, len, bre, utf8, icase, false, true, out, flags, err, errlen);
}
