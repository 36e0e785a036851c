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
	/* the read end of the caller's lifeline: a pipe whose write end only
	 * the caller holds.  When the caller ends, the zygote and every worker
	 * are killed (SIGKILL), whether the zygote still lives or not. */
	int life;
};

/* Fork a zygote.  Its pid (and *sock, the parent's end of its socket), or
 * -1 with errno.  The zygote holds no descriptor of the caller but 0-2,
 * the task queue and the lifeline; it keeps the signal dispositions the
 * caller set to "ignore" (and so do the workers), and puts back to the
 * default those the caller catches.  Workers outlive their zygote: they
 * end with the caller (the lifeline) or when the task queue closes. */
pid_t mps_zygote_start(const struct mps_zygote_conf *c /* in */, int *sock /* out */);

#endif
