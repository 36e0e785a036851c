/* SPDX-License-Identifier: BSD-3-Clause */
/* The option table shared by the parser (src/opts.c) and the table's own
 * file (src/opts_table.c: the table, its lookups, --help text).  Private
 * to src/. */
#ifndef MPSEARCH_OPTS_INT_H
#define MPSEARCH_OPTS_INT_H

#include <stddef.h>
#include <stdint.h>
#include "opts_filters.h"

enum opt_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

enum opt_id {
	OPT_REGEXP = 1,
	OPT_FILE,
	OPT_FIXED,
	OPT_EXTENDED,
	OPT_PERL,
	OPT_BASIC,
	OPT_IGNORE_CASE,
	OPT_NO_IGNORE_CASE,
	OPT_WORD,
	OPT_LINE,
	OPT_INVERT,
	OPT_COUNT,
	OPT_FILES_WITH,
	OPT_FILES_WITHOUT,
	OPT_ONLY_MATCHING,
	OPT_MAX_COUNT,
	OPT_QUIET,
	OPT_NO_MESSAGES,
	OPT_AFTER,
	OPT_BEFORE,
	OPT_CONTEXT,
	OPT_TEXT,
	OPT_NULL,
	OPT_COLOR,
	OPT_WITH_FILENAME,
	OPT_NO_FILENAME,
	OPT_LINE_NUMBER,
	OPT_NO_LINE_NUMBER,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_EXCLUDE_DIR,
	OPT_RECURSIVE,
	OPT_DEREF,
	OPT_JSON,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_WORKERS,
	OPT_CHUNK_SIZE,
	OPT_NO_PIN,
	OPT_SEARCH_ZIP,
	OPT_STALL_TIMEOUT,
	OPT_OUTPUT,
	OPT_HELP,
	OPT_VERSION,
	OPT_BYTE_OFFSET,
	OPT_INITIAL_TAB,
	OPT_NULL_DATA,
	OPT_LABEL,
	OPT_GROUP_SEP,
	OPT_NO_GROUP_SEP,
	OPT_LINE_BUFFERED,
	OPT_EXCLUDE_FROM,
	OPT_DIRECTORIES,
	OPT_DEVICES,
	OPT_NO_BINARY,
	OPT_BINARY_FILES,
	OPT_FILTER, /* + enum mps_fopt: src/opts_filters.c parses them */
	OPT_FILTER_END = OPT_FILTER + MPS_FOPT_NO_HIDDEN,
	OPT_COLUMN,
	OPT_NO_COLUMN,
	OPT_VIMGREP,
	OPT_HEADING,
	OPT_NO_HEADING,
	OPT_COUNT_MATCHES,
	OPT_MULTILINE,
};

struct opt_spec {
	const char *name; /* long name without "--", or NULL */
	char short_name;  /* or 0 */
	enum opt_arg arg;
	enum opt_id id;
};

/* The table entry of --name (name[0, len)) or -c; NULL when none. */
const struct opt_spec *mps_opt_find_long(const char *name /* in */, size_t len);
const struct opt_spec *mps_opt_find_short(char c);

/* Decimal digits only (no sign, no spaces), clamped at max: 0, or -1 when
 * s is empty or holds anything else. */
int mps_opts_decimal(const char *s /* in */, uint64_t max, uint64_t *out /* out */);

#endif
