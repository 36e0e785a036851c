/* SPDX-License-Identifier: BSD-3-Clause */
/* The zygote: a small process forked from the caller that forks the
 * workers on request, so that a replacement for a dead worker is forked
 * from a process that never initialised anything the worker must not
 * inherit, and the caller forks once.  It talks with the parent through
 * one SOCK_SEQPACKET socket in the messages of pool_wire.h: one reply for
 * each spawn request, a notice for each worker that ends.  Private to
 * src/. */
#ifndef MPSEARCH_ZYGOTE_H
#define MPSEARCH_ZYGOTE_H

#include <stddef.h>
#include <sys/types.h>
#include "worker.h"

struct mps_zygote_conf {
	/* the workers' configuration; matcher NULL: compiled later from an
	 * MPS_Z_MATCHER message; core and out are set for each worker */
	struct mps_worker_conf worker;
	const int *close_fds; /* the parent's descriptors the zygote must not hold */
	size_t nclose;
};

/* Fork a zygote.  Its pid (and *sock, the parent's end of its socket), or
 * -1 with errno. */
pid_t mps_zygote_start(const struct mps_zygote_conf *c /* in */, int *sock /* out */);

#endif
