/* SPDX-License-Identifier: BSD-3-Clause */
/* --files and --type-list (see files.h). */
#include "files.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filetypes.h"

/* Written out when the buffer holds this much. */
#define FILES_FLUSH (64u << 10)

void mps_files_walk_opts(struct mps_walk_opts *wo, const struct mps_opts *o)
{
	wo->types = o->type_globs.v;
	wo->ntypes = o->type_globs.n;
	wo->depth_limited = o->depth_limited;
	wo->max_depth = o->max_depth;
	wo->max_filesize = o->max_filesize;
	wo->no_hidden = o->no_hidden;
	wo->ignore_files = o->ignore_files;
}

static int flush(struct mps_lister *l)
{
	int rc = mps_write_all(l->fd, l->buf.data, l->buf.len);
	l->buf.len = 0;
	return rc;
}

int mps_lister_add(struct mps_lister *l, const char *path, size_t len)
{
	char end = l->null ? '\0' : '\n';
	if (mps_buf_append(&l->buf, path, len) || mps_buf_append(&l->buf, &end, 1))
		return -ENOMEM;
	l->listed++;
	if (l->buf.len >= FILES_FLUSH || l->line_buffered)
		return flush(l);
	return 0;
}

int mps_lister_finish(struct mps_lister *l)
{
	int rc = l->buf.len ? flush(l) : 0;
	mps_buf_release(&l->buf);
	return rc;
}

int mps_files_type_list(const struct mps_opts *o, int fd)
{
	char *s = mps_types_list(&o->type_add);
	if (!s)
		return -errno;
	int rc = mps_write_all(fd, s, strlen(s));
	free(s);
	return rc;
}
