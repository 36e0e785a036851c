/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of ripgrep's file filters, parsed apart from src/opts.c's
 * grep options: -t/--type, --type-not, --type-add, --type-list, --files,
 * --max-depth, --max-filesize, --ignore-files, --hidden, --no-hidden.
 * Errors: 0, MPS_EUSAGE with a message in err, or -ENOMEM. */
#ifndef MPSEARCH_OPTS_FILTERS_H
#define MPSEARCH_OPTS_FILTERS_H

#include <stddef.h>

#include "mpsearch/opts.h"

enum mps_fopt {
	MPS_FOPT_TYPE,
	MPS_FOPT_TYPE_NOT,
	MPS_FOPT_TYPE_ADD,
	MPS_FOPT_TYPE_LIST,
	MPS_FOPT_FILES,
	MPS_FOPT_MAX_DEPTH,
	MPS_FOPT_MAX_FILESIZE,
	MPS_FOPT_IGNORE_FILES,
	MPS_FOPT_HIDDEN,
	MPS_FOPT_NO_HIDDEN,
};

/* Apply one option; shown is how it was spelled ("-t", "--max-depth"). */
int mps_opts_filter_apply(struct mps_opts *o /* in, out */, enum mps_fopt which,
			  const char *shown /* in */, const char *arg /* in */, char *err /* out */,
			  size_t errlen);

/* After all options: resolve -t/--type-not into o->type_globs. */
int mps_opts_filter_finish(struct mps_opts *o /* in, out */, char *err /* out */, size_t errlen);

/* Do the options ask for no pattern (--files, --type-list)? */
bool mps_opts_filter_no_pattern(const struct mps_opts *o /* in */);

void mps_opts_filter_release(struct mps_opts *o /* in, out */);

#endif
