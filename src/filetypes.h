/* SPDX-License-Identifier: BSD-3-Clause */
/* File types (-t, --type-not, --type-add, --type-list): a built-in table
 * of names and file-name globs, as ripgrep 13 has them, private to the
 * option parser.  Errors: 0, MPS_EUSAGE (message in err) or -ENOMEM. */
#ifndef MPSEARCH_FILETYPES_H
#define MPSEARCH_FILETYPES_H

#include <stddef.h>

#include "mpsearch/opts.h"

/* Resolve sel ("+NAME" for -t, "-NAME" for --type-not, in command-line
 * order) with the built-in table and adds ("NAME:GLOB", --type-add, all of
 * them applied first) into out: "+GLOB" / "-GLOB", one per glob of each
 * type named. */
int mps_types_resolve(const struct mps_strlist *sel /* in */, const struct mps_strlist *adds /* in */,
		      struct mps_strlist *out /* in, out */, char *err /* out */, size_t errlen);

/* The --type-list text ("NAME: GLOB, GLOB\n" by name, globs sorted, as
 * ripgrep prints it), with the --type-add additions; caller frees.  NULL
 * with errno. */
char *mps_types_list(const struct mps_strlist *adds /* in */);

/* Is "NAME:GLOB" a valid --type-add argument? */
int mps_types_check_add(const char *def /* in */, char *err /* out */, size_t errlen);

#endif
