/* SPDX-License-Identifier: BSD-3-Clause */
/* Pool: forked worker processes, each pinned to its own core, pulling
 * units from a shared queue (one SOCK_SEQPACKET socket read by every
 * worker), searching them and sending result blocks back through a pipe of
 * their own.  The parent hands out results strictly in unit order.
 *
 * Process creation goes through a small "zygote" process forked when the
 * pool is made, so that the caller forks once, early, and a replacement for
 * a dead worker is forked from a process that has set up nothing else (the
 * caller may start libraries after mps_pool_new that a child must not
 * inherit).  Workers leave with _exit.
 *
 * Errors: 0 or a negative code (-errno, MPS_E*); the outcomes that are no
 * error are named by enum mps_pool_status. */
#ifndef MPSEARCH_POOL_H
#define MPSEARCH_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "mpsearch/matcher.h"
#include "mpsearch/plan.h"
#include "mpsearch/print.h"
#include "mpsearch/search.h"
#include "mpsearch/sink.h"

struct mps_oring;

struct mps_pool_opts {
	long workers;          /* 0: one per core of the process's CPU set */
	bool pin;
	int local_rank, local_size; /* ranks sharing this node (1, 0 alone) */
	const struct mps_matcher *matcher;  /* borrowed; NULL: see mps_pool_start */
	struct mps_search_opts search;
	uint64_t chunk_size;   /* parts of files found big by the workers */
	bool deref;            /* -R: symlinks met while walking are followed */
	/* watchdog: a worker on a unit that used no CPU time and read no byte
	 * for stall_timeout seconds (> 0) is reported once through stall
	 * (called by the thread in mps_pool_next; path borrowed); it is not
	 * stopped.  Reported again if it moves and stalls again. */
	double stall_timeout;
	void (*stall)(void *ctx, pid_t pid, const char *path /* in */, double secs);
	void *stall_ctx;
	/* results written once: the workers format the units they can (see
	 * src/print_text.h) under these options into output rings */
	bool text;
	struct mps_print_opts print;
};

struct mps_worker_stats {
	pid_t pid;
	int core;              /* OS index of the core it is bound to, -1 none */
	uint64_t units, bytes, selected;
	uint64_t formatted;    /* units whose lines it formatted itself (opts text) */
	double busy;           /* seconds spent searching */
};

/* One finished unit, valid until the next mps_pool_next call. */
struct mps_result {
	const struct mps_unit *unit;
	const unsigned char *block;
	size_t len;
	struct mps_unit_summary summary;
	bool unit_done; /* the last result of a submitted unit (a unit the
			 * workers found big comes back in several parts) */
	/* formatted by its worker (opts text): the text [text_off, + text_len)
	 * of ring, to hand to mps_printer_text, instead of a block */
	struct mps_oring *ring;
	uint64_t text_off, text_len, printed;
};

struct mps_pool;

/* Fork the zygote and the workers (before starting anything a forked
 * process must not inherit).  NULL with errno on failure. */
struct mps_pool *mps_pool_new(const struct mps_pool_opts *o /* in */);

/* A pool made with o->matcher NULL has its zygote but no workers: the
 * patterns are not known yet (they may come from another process later).
 * Compile mo in the zygote (so that the workers it forks inherit nothing
 * the caller set up since) and start the workers.  0, MPS_EPATTERN or
 * -errno. */
int mps_pool_start(struct mps_pool *p /* in, out */, const struct mps_match_opts *mo /* in */);

/* From now on no process is forked from the caller's process (call it
 * before starting anything a forked child must not inherit, such as
 * MPI): when the zygote dies, the workers still alive go on without one.
 * Until then a dead zygote is replaced.  Thread-safe. */
void mps_pool_seal(struct mps_pool *p /* in, out */);

/* Queue a unit (copied).  Units must come with ids 0, 1, 2, ... in order.
 * Safe to call from one other thread while the owner calls mps_pool_next. */
int mps_pool_submit(struct mps_pool *p /* in, out */, const struct mps_unit *u /* in */);
/* No more units will be submitted. */
int mps_pool_close(struct mps_pool *p /* in, out */);

/* What mps_pool_next gives back, apart from errors (< 0). */
enum mps_pool_status {
	MPS_POOL_READY = 0, /* *r filled with the next unit in order */
	MPS_POOL_DONE = 1,  /* all units are done */
	MPS_POOL_AGAIN = 2, /* mps_pool_next_wait: none done in the time given */
};

/* The next unit in order: MPS_POOL_READY and *r filled, MPS_POOL_DONE when
 * all units are done, < 0 on failure.  A worker that dies is replaced and
 * its units redone; the pool fails (-ECHILD) only when no worker is left
 * and none can be made. */
int mps_pool_next(struct mps_pool *p /* in, out */, struct mps_result *r /* out */);
/* The calling thread takes over the calls to mps_pool_next from another
 * one (which must have stopped calling it). */
void mps_pool_own(struct mps_pool *p /* in, out */);
/* The same, waiting at most timeout_ms (0: only what is ready now):
 * MPS_POOL_AGAIN when no unit is done in that time. */
int mps_pool_next_wait(struct mps_pool *p /* in, out */, struct mps_result *r /* out */,
		       int timeout_ms);

/* Stop workers, reap them, collect their stats (up to max). Returns the
 * number of workers; frees the pool. */
int mps_pool_free(struct mps_pool *p, struct mps_worker_stats *st /* out */, int max);

#endif
