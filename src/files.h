/* SPDX-License-Identifier: BSD-3-Clause */
/* --files and --type-list: the runs that list instead of searching, and
 * the walk options of ripgrep's filters, shared with the search's walk.
 * Errors: 0 or -errno. */
#ifndef MPSEARCH_FILES_H
#define MPSEARCH_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "mpsearch/opts.h"
#include "mpsearch/sink.h"
#include "mpsearch/walk.h"

/* Set the filter fields of wo (types, depth, size, hidden, ignore files)
 * from o; wo borrows o's strings. */
void mps_files_walk_opts(struct mps_walk_opts *wo /* in, out */, const struct mps_opts *o /* in */);

/* --files: the paths the walk gives, written to fd in that order, each
 * ended by '\n' or (null) a NUL byte.  Set fd, null and line_buffered;
 * the rest starts zeroed. */
struct mps_lister {
	int fd;
	bool null, line_buffered;
	struct mps_buf buf; /* not yet written */
	uint64_t listed;    /* paths taken */
};

/* Take one path; 0, or -errno of a failed write. */
int mps_lister_add(struct mps_lister *l /* in, out */, const char *path /* in */, size_t len);
/* Write out what is left and release the buffer; 0 or -errno. */
int mps_lister_finish(struct mps_lister *l /* in, out */);

/* --type-list: write the table of file types to fd. */
int mps_files_type_list(const struct mps_opts *o /* in */, int fd);

#endif
