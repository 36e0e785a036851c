/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing of the file-filter options (see opts_filters.h); src/opts.c's
 * table names them and hands them here. */
#include "opts_filters.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mpsearch/error.h"
#include "filetypes.h"
#include "opts_int.h"

static int push_tagged(struct mps_strlist *l, char tag, const char *s)
{
	size_t n = strlen(s);
	char buf[256];
	if (n + 1 >= sizeof(buf))
		return -ENAMETOOLONG;
	buf[0] = tag;
	memcpy(buf + 1, s, n + 1);
	return mps_strlist_push(l, buf, n + 1);
}

int mps_opts_filter_apply(struct mps_opts *o, enum mps_fopt which, const char *shown,
			  const char *arg, char *err, size_t errlen)
{
	int rc = 0;
	switch (which) {
	case MPS_FOPT_TYPE:
	case MPS_FOPT_TYPE_NOT:
		rc = push_tagged(&o->type_sel, which == MPS_FOPT_TYPE ? '+' : '-', arg);
		if (rc == -ENAMETOOLONG) {
			snprintf(err, errlen, "unrecognized file type '%.200s' (see --type-list)", arg);
			rc = MPS_EUSAGE;
		}
		break;
	case MPS_FOPT_TYPE_ADD:
		rc = mps_types_check_add(arg, err, errlen);
		if (!rc)
			rc = mps_strlist_push(&o->type_add, arg, strlen(arg));
		break;
	case MPS_FOPT_TYPE_LIST: o->type_list = true; break;
	case MPS_FOPT_FILES: o->list_files = true; break;
	case MPS_FOPT_MAX_DEPTH:
		if (mps_opts_decimal(arg, UINT64_MAX, &o->max_depth) < 0) {
			snprintf(err, errlen, "invalid depth '%s' for '%s'", arg, shown);
			rc = MPS_EUSAGE;
		}
		o->depth_limited = true;
		break;
	case MPS_FOPT_MAX_FILESIZE:
		if (mps_parse_size(arg, &o->max_filesize) < 0) {
			snprintf(err, errlen, "invalid size '%s' for '%s'", arg, shown);
			rc = MPS_EUSAGE;
		}
		break;
	case MPS_FOPT_IGNORE_FILES: o->ignore_files = true; break;
	case MPS_FOPT_HIDDEN: o->no_hidden = false; break;
	case MPS_FOPT_NO_HIDDEN: o->no_hidden = true; break;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s", mps_strerror(ENOMEM));
	return rc;
}

int mps_opts_filter_finish(struct mps_opts *o, char *err, size_t errlen)
{
	int rc = mps_types_resolve(&o->type_sel, &o->type_add, &o->type_globs, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s", mps_strerror(ENOMEM));
	return rc;
}

bool mps_opts_filter_no_pattern(const struct mps_opts *o)
{
	return o->list_files || o->type_list;
}

void mps_opts_filter_release(struct mps_opts *o)
{
	mps_strlist_release(&o->type_sel);
	mps_strlist_release(&o->type_add);
	mps_strlist_release(&o->type_globs);
}
