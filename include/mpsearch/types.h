/* SPDX-License-Identifier: BSD-3-Clause */
/* Primitive types shared by every stage: a match span, the pattern
 * syntax, the output mode, the binary-file rule.  Depends on nothing. */
#ifndef MPSEARCH_TYPES_H
#define MPSEARCH_TYPES_H

#include <stddef.h>

/* A match in a line: bytes [start, end). */
struct mps_span {
	size_t start, end;
};

enum mps_syntax { MPS_FIXED, MPS_EXTENDED, MPS_PCRE, MPS_BASIC };

enum mps_output {
	MPS_OUT_LINES,         /* path:line:text */
	MPS_OUT_COUNT,         /* -c */
	MPS_OUT_FILES_WITH,    /* -l */
	MPS_OUT_FILES_WITHOUT, /* -L */
	MPS_OUT_QUIET,         /* -q */
	MPS_OUT_JSON,          /* --json */
};

/* --binary-files: what a file holding a NUL byte is searched as. */
enum mps_binary { MPS_BIN_BINARY, MPS_BIN_TEXT, MPS_BIN_SKIP };

#endif
