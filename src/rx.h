/* SPDX-License-Identifier: BSD-3-Clause */
/* GNU grep's regular expressions (ERE for -E, BRE for -G) read as grep
 * 3.8 reads them, and written out in the PCRE syntax that PCRE2 takes and
 * Vectorscan takes where it can.  Private to the matcher. */
#ifndef MPSEARCH_RX_H
#define MPSEARCH_RX_H

#include <stdbool.h>
#include <stddef.h>
#include "mpsearch/sink.h"

enum {
	MPS_RX_BACKREF = 1, /* uses \1..\9: PCRE2 only, leftmost-first */
	MPS_RX_UNICODE = 2, /* means something else on characters than on bytes */
	MPS_RX_LOOKAROUND = 4, /* \< or \> became lookarounds */
	MPS_RX_CONTEXT = 8, /* ^ \b \B \< \> \`: a match depends on what precedes it */
	MPS_RX_CASECLASS = 16, /* [:upper:] or [:lower:], which engines fold differently */
};

/* Translate pat[0, len) (syntax: basic when bre, else extended) and
 * append the PCRE expression to out.  utf8: the locale's characters are
 * UTF-8 (the expression is then for PCRE2_UTF, code points as \x{...}),
 * else bytes.  The expression never matches a '\n'.  *flags gets
 * MPS_RX_* bits.  Returns 0, -ENOMEM, or MPS_EPATTERN with grep's words in
 * err.  icase: the expression will run caseless, where [:upper:] and
 * [:lower:] mean any cased letter (as in grep -i).  zdata (-z): the
 * text's newlines reach the matcher as NUL bytes (records end with '\n'
 * there), so NUL is what \s and [:space:] take for a newline. */
int mps_rx_translate(const char *pat /* in */, size_t len, bool bre, bool utf8, bool icase,
		     bool zdata, struct mps_buf *out /* in, out */, unsigned *flags /* out */,
		     char *err /* out */, size_t errlen);

/* The same for --multiline (ripgrep's -U): "\n" is a newline, and negated
 * brackets, \s, \S, \W and [:space:] take a newline as they take other
 * characters ('.' still does not).  No -z. */
int mps_rx_translate_ml(const char *pat /* in */, size_t len, bool bre, bool utf8, bool icase,
			struct mps_buf *out /* in, out */, unsigned *flags /* out */,
			char *err /* out */, size_t errlen);

/* Append s[0, n) as an expression matching it literally (-F); in utf8 mode
 * valid UTF-8 sequences become code points.  *flags gets MPS_RX_UNICODE
 * when s has a byte above 0x7f. */
int mps_rx_literal(const char *s /* in */, size_t n, bool utf8, struct mps_buf *out /* in, out */,
		   unsigned *flags /* out */);

/* Decode the UTF-8 character at s[0, n): its code point, and its length in
 * *len (1 with -1 returned for an invalid or truncated sequence). */
long mps_utf8_decode(const unsigned char *s /* in */, size_t n, size_t *len /* out */);

#endif
