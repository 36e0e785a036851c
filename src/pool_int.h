/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool parent's state, shared by its two files: pool.c (the public
 * calls, the zygote, the wait loop) and pool_sched.c (the unit table,
 * sending batches, the workers' result frames, redoing a dead worker's
 * units).  Private to src/. */
#ifndef MPSEARCH_POOL_INT_H
#define MPSEARCH_POOL_INT_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mpsearch/buf.h"
#include "mpsearch/pool.h"
#include "pool_wire.h"
#include "reorder.h"

/* from this many workers on, each maps its read-ahead buffers as they are
 * used rather than all at start (8 MB each), and none formats its units */
#define MPS_POOL_LEAN_FROM 64
#define BATCH_MAX MPS_TASK_BATCH_MAX
#define INFLIGHT_MAX 4 /* batches queued and not yet taken, a worker */
#define POOL_BASES 16  /* files whose next part's line base is kept */
#define BATCH_BYTES (1u << 20) /* file bytes in a batch */
#define HOLD_BUDGET (64u << 20)
/* units submitted and not yet delivered before a submitting thread other
 * than the owner waits: the slots' memory is then reused while it is warm
 * instead of growing the heap by a slot per file of the tree */
#define SUBMIT_AHEAD 8192

enum slot_state { S_PENDING, S_SENT, S_RUNNING, S_DONE, S_SPLIT };

struct slot {
	struct mps_unit u;
	enum slot_state st;
	int attempts;
	int worker;
	struct mps_buf data;
	struct mps_unit_summary sum;
	/* a file found too big to search whole is cut into parts here */
	struct slot **sub;
	uint32_t nsub, next_sub;
	bool solo;        /* redo alone in its batch (after a worker died) */
	/* formatted by its worker: its text in ring (segment seg) */
	struct mps_oring *ring;
	uint64_t seg;
	struct mps_text_ref text;
	/* a part of a split file: the lines it owns (counted: known), and
	 * whether its worker waits for its line number base (posted: sent) */
	uint64_t lines, base; /* base: lines before it (base_known) */
	bool counted, wants_base, posted, base_known;
};

struct ref {
	uint64_t id;
	uint32_t part;
};

struct worker {
	pid_t pid;
	int fd;           /* result pipe read end, -1 when closed */
	int core;
	struct mps_oring *ring; /* its output ring (opts text), else NULL */
	bool alive;
	struct mps_buf in; /* frames read, not yet handled from in_off on */
	size_t in_off;
	struct ref batch[BATCH_MAX]; /* the batch it took last */
	size_t nbatch;
	bool running;
	struct mps_worker_stats st;
	bool have_stats;
	bool spawning;    /* asked of the zygote, no reply yet */
	bool wanted;      /* to be asked for when a zygote is there */
	bool orphan;      /* its zygote is gone: no death notice will come */
	/* watchdog: CPU ticks + bytes read when last sampled, and since when
	 * they have not changed */
	uint64_t mark;
	double still_since;
	bool stall_told;
};

struct mps_pool {
	struct mps_pool_opts o;
	struct mps_cores *topo;
	int *cores;
	int nworkers;
	struct worker *w;
	struct pollfd *pf; /* poll set, 3 + nworkers entries */
	int *pmap;         /* what each entry is: a worker's index or POLL_* */
	int tq;           /* task queue, parent end (non-blocking) */
	int tq_child;     /* task queue, workers' end (for the zygote) */
	int zfd;          /* zygote control socket, -1: no zygote */
	pid_t zygote;
	unsigned zygotes; /* how many were started */
	int life[2];      /* the lifeline (zygote.h): the write end only here */
	pthread_mutex_t fork_mu; /* guards sealed, held while forking a zygote */
	bool sealed;      /* mps_pool_seal: no more forks from this process */
	bool running;     /* every worker was up once: a spawn failure is no
			   * longer the pool's failure */
	struct mps_buf patterns; /* a pool started late: for a new zygote */
	int wake[2];      /* submit() wakes the owner */
	pthread_mutex_t mu;
	/* unit table: ids [win.next, end) submitted and not yet delivered;
	 * the window and end are guarded by mu (the walker thread submits) */
	struct mps_reorder win;
	uint64_t end;
	bool base_set;
	uint64_t send_next;   /* id of the next unit to send in order */
	struct slot **urgent; /* parts of split files, units of dead workers */
	size_t nurgent, urgent_cap;
	struct mps_buf msg;   /* the task message being built */
	bool closed, tq_shut;
	size_t held;         /* bytes of results held out of order */
	size_t inflight;     /* batches sent and not yet begun by a worker */
	size_t batch_max;    /* units per batch now (fewer when few are left) */
	/* submit() writes to the wake pipe only when the owner, about to
	 * sleep, asked for it: once `submitted` reaches wake_at (under mu) */
	uint64_t submitted, wake_at;
	pthread_cond_t room;  /* signalled when SUBMIT_AHEAD / 2 are left */
	pthread_t owner;      /* the thread calling mps_pool_next */
	bool owner_set, submit_waits;
	double lost_check;   /* when to look for batches lost with a worker */
	struct slot *delivered, *delivered_parent;
	bool started;        /* the workers were asked for (a matcher was given) */
	double watched;      /* --stall-timeout: when the workers were last sampled */
	/* where the line numbers of a part of a split file start, kept for
	 * the last few files split (see post_bases) */
	struct part_base {
		bool set;
		uint64_t file, base;
		uint32_t part;
	} bases[POOL_BASES];
	size_t bases_next;
	struct mps_oring **rings; /* every ring made, freed with the pool (a
				  * dead worker's texts may still be printed) */
	size_t nrings, ringcap;
	uint64_t ring_size;
};

enum { POLL_WAKE = -1, POLL_ZYGOTE = -2, POLL_QUEUE = -3 };


/* The formatted text of slot s, if any, is printed or dropped. */
void mps_pool_text_release(struct slot *s /* in, out */);

/* The slot of unit id, mu held: NULL when it is not in the table. */
static inline struct slot *slot_at(const struct mps_pool *p, uint64_t id)
{
	if (!p->base_set || id < p->win.next || id >= p->end)
		return NULL;
	return p->win.slot[id & (p->win.cap - 1)];
}

/* pool_spawn.c */
/* Fork a zygote (with the patterns of a pool started late). */
int mps_pool_zygote_start(struct mps_pool *p /* in, out */);
int mps_pool_send_patterns(struct mps_pool *p /* in, out */);
/* Ask for every worker not alive, and wait until all are up. */
int mps_pool_spawn_all(struct mps_pool *p /* in, out */);
/* Handle the zygote's next message (or its end). */
int mps_pool_zygote_msg(struct mps_pool *p /* in, out */);
/* Worker idx's pipe ended. */
int mps_pool_worker_eof(struct mps_pool *p /* in, out */, int idx);

/* pool_sched.c */
/* Units not yet delivered, or more may come. */
bool mps_pool_work_left(struct mps_pool *p /* in */);
void mps_pool_slot_free(struct slot *s);
struct slot *mps_pool_slot_of(struct mps_pool *p /* in */, uint64_t id, uint32_t part);
/* Send what can be sent; *blocked when the task queue is full. */
int mps_pool_pump(struct mps_pool *p /* in, out */, bool *blocked /* out */);
/* Read what worker w wrote and handle its frames; 1 at EOF. */
int mps_pool_read_worker(struct mps_pool *p /* in, out */, struct worker *w /* in, out */);
/* Worker idx ended with wait status: its unfinished units are queued
 * again; *respawn is set when it crashed and work is left. */
int mps_pool_worker_gone(struct mps_pool *p /* in, out */, int idx, int status, bool *respawn /* out */);
/* Queue again the units lost with a worker that died holding a batch it
 * had not announced. */
int mps_pool_requeue_lost(struct mps_pool *p /* in, out */);

#endif
