/* SPDX-License-Identifier: BSD-3-Clause */
/* The driver's process-wide parts (src/driver.c; part of the program, not
 * of libmpsearch): the --output file, the --stats text, the exit status. */
#ifndef MPSEARCH_DRIVER_H
#define MPSEARCH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include "mpsearch/mpsearch.h"

/* The output: standard output, or --output FILE written aside (an
 * O_TMPFILE, else a named temporary file removed on a terminating signal)
 * and put in place on success. */
struct mps_out {
	const struct mps_opts *o;
	const char *given; /* --output FILE, or NULL: standard output */
	int fd;
	bool opened;
	char *target;   /* where the result goes on success (resolved) */
	char *tmp;      /* named temporary file (no O_TMPFILE), or NULL */
	char *shared;   /* the name other ranks open to write into it, or NULL */
	bool anon;      /* an O_TMPFILE, linked to target on success */
	bool existed;   /* target existed: replaced through a rename */
	bool direct;    /* a device, FIFO or unresolvable path, written in place */
	struct mps_file_id avoid[2]; /* never searched: target, temporary file */
	size_t navoid;
};
/* Nothing is opened until the library asks through hooks. */
void mps_out_init(struct mps_out *out /* out */, const struct mps_opts *o /* in */,
		  struct mps_run_output *hooks /* out */);
/* ok: put the output in place; else drop it.  0 or -errno (said). */
int mps_out_close(struct mps_out *out /* in, out */, bool ok);

/* The exit status of a run: 0 selected, 1 none, 2 error (grep's rules). */
int mps_exit_status(const struct mps_opts *o /* in */, const struct mps_run_result *res /* in */);
/* The --stats text of a run (caller frees). */
char *mps_stats_text(const struct mps_run_result *res /* in */);

#endif
