/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool's parent side: the scheduler.  It keeps the unit table (a
 * reorder window keyed by unit id), sends batches of units down the task
 * queue, reads the workers' result frames, cuts files found big into
 * parts, redoes the units of a worker that died, and hands results out
 * strictly in unit order.  Cores are chosen in cores.c, the workers run
 * worker.c, the zygote (zygote.c) forks them at the requests of
 * pool_spawn.c; pool_wire.c holds the formats they share.  This file: the
 * public calls, handing results out, the wait loop and the watchdog.  The
 * pool never calls MPI. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <unistd.h>

#include <malloc.h>

#include "mpsearch/error.h"
#include "mpsearch/opts.h"
#include "mpsearch/pool.h"
#include "cores.h"
#include "pool_int.h"
#include "outring.h"
#include "util.h"
#include "zygote.h"

int mps_pool_start(struct mps_pool *p, const struct mps_match_opts *mo)
{
	if (p->started)
		return -EALREADY;
	p->patterns.len = 0;
	int rc = mps_match_opts_put(&p->patterns, mo);
	if (!rc)
		rc = p->zfd >= 0 ? mps_pool_send_patterns(p) : -ECHILD;
	if (!rc)
		rc = mps_pool_spawn_all(p);
	if (!rc)
		p->started = p->running = true;
	return rc;
}

/* How many workers, and on which cores. */
static int plan_workers(struct mps_pool *p, const struct mps_pool_opts *o)
{
	p->topo = mps_cores_new();
	if (!p->topo)
		return -errno;
	long nw = o->workers > 0 ? o->workers : mps_cores_count(p->topo, o->local_rank, o->local_size);
	p->nworkers = (int)nw;
	p->cores = calloc((size_t)nw, sizeof(int));
	p->w = calloc((size_t)nw, sizeof(*p->w));
	p->pf = calloc((size_t)nw + 3, sizeof(*p->pf));
	p->pmap = calloc((size_t)nw + 3, sizeof(*p->pmap));
	if (!p->cores || !p->w || !p->pf || !p->pmap)
		return -ENOMEM;
	int got = mps_cores_choose(p->topo, o->local_rank, o->local_size, (int)nw, p->cores);
	for (int i = got; i < nw; i++)
		p->cores[i] = -1;
	for (int i = 0; i < p->nworkers; i++)
		p->w[i].fd = -1;
	if (o->text && nw < MPS_POOL_LEAN_FROM) {
		/* a ring holds a few parts of split files (run.c's TEXT_CHUNK) */
		uint64_t want = 32u << 20, size = 1u << 20;
		const char *kb = getenv("MPSEARCH_TEST_RING_KB");
		if (kb && atol(kb) > 0)
			want = (uint64_t)atol(kb) << 10, size = 4096;
		while (size * 2 <= want && size < (32u << 20))
			size *= 2;
		p->ring_size = size;
	}
	return 0;
}

struct mps_pool *mps_pool_new(const struct mps_pool_opts *o)
{
	struct mps_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->o = *o;
	p->tq = p->tq_child = p->zfd = p->wake[0] = p->wake[1] = p->life[0] = p->life[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->fork_mu, NULL);
	pthread_cond_init(&p->room, NULL);
	/* Result blocks grow by doubling; with big blocks always mapped,
	 * realloc moves them with mremap instead of copying, and freed blocks
	 * go back to the system at once (glibc would otherwise raise the
	 * threshold after the first free and copy on every growth). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	int rc = plan_workers(p, o);
	int tq[2];
	if (!rc && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tq))
		rc = -errno;
	if (!rc) {
		p->tq = tq[0];
		p->tq_child = tq[1];
		int sz = 4 << 20;
		setsockopt(p->tq, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		shutdown(p->tq_child, SHUT_WR);
		if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) || pipe2(p->life, O_CLOEXEC))
			rc = -errno;
	}
	if (!rc)
		rc = mps_pool_zygote_start(p);
	if (!rc) {
		fcntl(p->tq, F_SETFL, O_NONBLOCK);
		p->started = o->matcher != NULL;
		if (o->matcher)
			rc = mps_pool_spawn_all(p); /* else mps_pool_start */
		p->running = !rc && p->started;
	}
	if (rc) {
		mps_pool_free(p, NULL, 0);
		errno = rc < 0 && rc > -4096 ? -rc : EINVAL;
		return NULL;
	}
	return p;
}

static void release_delivered(struct mps_pool *p)
{
	if (p->delivered) {
		struct slot *d = p->delivered;
		mps_pool_text_release(d);
		p->held -= d->data.len < p->held ? d->data.len : p->held;
		mps_buf_release(&d->data);
		if (!p->delivered_parent || p->delivered_parent == d)
			mps_pool_slot_free(d);
		p->delivered = NULL;
	}
	if (p->delivered_parent) {
		struct slot *h = p->delivered_parent;
		if (h->next_sub == h->nsub) {
			/* all parts handed out: the file's slot goes */
			mps_pool_slot_free(h);
		}
		p->delivered_parent = NULL;
	}
}

/* Before sleeping: say after how many more submitted units pump_sends
 * would send a batch again (its test), so that submit wakes us then and
 * not for every unit. */
static void arm_wake(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	uint64_t unsent = p->end - p->send_next;
	uint64_t want = p->inflight >= 2 * (size_t)p->nworkers ? BATCH_MAX : 1;
	p->wake_at = p->submitted - unsent + want;
	pthread_mutex_unlock(&p->mu);
}

/* ---- handing results out ---- */

int mps_pool_next(struct mps_pool *p, struct mps_result *r)
{
	return mps_pool_next_wait(p, r, -1);
}

void mps_pool_own(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->owner = pthread_self();
	p->owner_set = true;
	pthread_mutex_unlock(&p->mu);
}

/* A worker's CPU ticks plus bytes read (Linux /proc); 0 when unknown. */
static uint64_t worker_mark(pid_t pid)
{
	char path[64], buf[1024];
	uint64_t mark = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = 0;
		/* after "(comm) ", field 14 and 15 are utime and stime */
		const char *q = strrchr(buf, ')');
		unsigned long long ut = 0, stt = 0;
		if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
				&stt) == 2)
			mark += ut + stt;
	}
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = 0;
		unsigned long long rchar = 0;
		if (sscanf(buf, "rchar: %llu", &rchar) == 1)
			mark += rchar;
	}
	return mark;
}

/* The unit worker i is on: the first of its batch still running. */
static const struct slot *worker_unit(struct mps_pool *p, int i)
{
	const struct worker *w = &p->w[i];
	for (size_t k = 0; w->running && k < w->nbatch; k++) {
		const struct slot *s = mps_pool_slot_of(p, w->batch[k].id, w->batch[k].part);
		if (s && s->st == S_RUNNING && s->worker == i)
			return s;
	}
	return NULL;
}

/* --stall-timeout: sample the workers that are on a unit. */
static void watch_workers(struct mps_pool *p)
{
	double t = mps_now();
	for (int i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->w[i];
		const struct slot *s = w->alive && w->pid > 0 ? worker_unit(p, i) : NULL;
		if (!s) {
			w->still_since = 0;
			w->stall_told = false;
			continue;
		}
		uint64_t mark = worker_mark(w->pid);
		if (w->still_since == 0 || mark != w->mark) {
			w->mark = mark;
			w->still_since = t;
			w->stall_told = false;
		} else if (!w->stall_told && t - w->still_since >= p->o.stall_timeout) {
			w->stall_told = true;
			if (p->o.stall)
				p->o.stall(p->o.stall_ctx, w->pid, s->u.path, t - w->still_since);
		}
	}
}

/* Hand out the next unit in order if it is done: MPS_POOL_READY (*r
 * filled), MPS_POOL_DONE when all are, else MPS_POOL_AGAIN; *head_worker
 * is the worker on the unit to print next (-1 none). */
static enum mps_pool_status deliver(struct mps_pool *p, struct mps_result *r, int *head_worker)
{
	pthread_mutex_lock(&p->mu);
	struct slot *h = p->base_set ? mps_reorder_peek(&p->win) : NULL;
	bool done = p->closed && (!p->base_set || p->win.next == p->end);
	pthread_mutex_unlock(&p->mu);
	struct slot *ready = NULL;
	if (h && h->nsub && h->sub[h->next_sub]->st == S_DONE)
		ready = h->sub[h->next_sub];
	else if (h && !h->nsub && h->st == S_DONE)
		ready = h;
	if (!ready) {
		struct slot *hs = h && h->nsub ? h->sub[h->next_sub] : h;
		*head_worker = hs && hs->st == S_RUNNING ? hs->worker : -1;
		return done ? MPS_POOL_DONE : MPS_POOL_AGAIN;
	}
	if (ready != h) {
		h->next_sub++;
		p->delivered_parent = h;
	}
	if (ready == h || h->next_sub == h->nsub) {
		pthread_mutex_lock(&p->mu);
		mps_reorder_take(&p->win);
		if (p->submit_waits && p->end - p->win.next <= SUBMIT_AHEAD / 2) {
			p->submit_waits = false;
			pthread_cond_signal(&p->room);
		}
		pthread_mutex_unlock(&p->mu);
	}
	p->delivered = ready;
	r->unit_done = ready == h || h->next_sub == h->nsub;
	r->unit = &ready->u;
	r->block = ready->data.data;
	r->len = ready->data.len;
	r->summary = ready->sum;
	r->ring = ready->ring;
	r->text_off = ready->text.off;
	r->text_len = ready->text.len;
	r->printed = ready->text.printed;
	return MPS_POOL_READY;
}

/* The descriptors to wait on: wake pipe, zygote, the task queue when a
 * send was blocked, and the workers (only the one on the unit to print
 * next when too much is held). */
static nfds_t poll_set(struct mps_pool *p, bool blocked, int head_worker)
{
	nfds_t np = 0;
	p->pf[np] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
	p->pmap[np++] = POLL_WAKE;
	if (p->zfd >= 0) {
		p->pf[np] = (struct pollfd){.fd = p->zfd, .events = POLLIN};
		p->pmap[np++] = POLL_ZYGOTE;
	}
	if (blocked) {
		p->pf[np] = (struct pollfd){.fd = p->tq, .events = POLLOUT};
		p->pmap[np++] = POLL_QUEUE;
	}
	for (int i = 0; i < p->nworkers; i++) {
		if (p->w[i].fd < 0)
			continue;
		if (p->held > HOLD_BUDGET && head_worker >= 0 && i != head_worker)
			continue; /* back-pressure: only the unit we can print next */
		p->pf[np] = (struct pollfd){.fd = p->w[i].fd, .events = POLLIN};
		p->pmap[np++] = i;
	}
	return np;
}

/* Handle what poll found ready in the first np entries. */
static int poll_ready(struct mps_pool *p, nfds_t np)
{
	for (nfds_t i = 0; i < np; i++) {
		if (!p->pf[i].revents)
			continue;
		int rc = 0, what = p->pmap[i];
		if (what == POLL_WAKE) {
			char buf[256];
			while (read(p->wake[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf)) {
			}
		} else if (what == POLL_ZYGOTE) {
			if (p->zfd >= 0)
				rc = mps_pool_zygote_msg(p);
		} else if (what >= 0 && p->w[what].fd == p->pf[i].fd) {
			/* (a descriptor closed by worker_gone in this round is skipped) */
			rc = mps_pool_read_worker(p, &p->w[what]);
			if (rc == 1) /* EOF: the worker is exiting */
				rc = mps_pool_worker_eof(p, what);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* One round of waiting: send what can be sent, then poll at most wait_ms
 * and handle what came. */
static int pool_round(struct mps_pool *p, int head_worker, int timeout_ms, double left)
{
	bool blocked;
	int rc = mps_pool_pump(p, &blocked);
	if (rc)
		return rc;
	nfds_t np = poll_set(p, blocked, head_worker);
	double t = mps_now();
	if (p->lost_check > 0 && t >= p->lost_check) {
		p->lost_check = 0;
		if ((rc = mps_pool_requeue_lost(p)))
			return rc;
	}
	if (p->o.stall_timeout > 0 && t - p->watched >= 0.25) {
		p->watched = t;
		watch_workers(p);
	}
	arm_wake(p);
	int wait = p->lost_check > 0 ? 50 : 1000;
	if (p->o.stall_timeout > 0 && wait > 250)
		wait = 250;
	if (timeout_ms >= 0 && left * 1e3 < wait)
		wait = left > 0 ? (int)(left * 1e3) + 1 : 0;
	int pr = poll(p->pf, np, wait);
	if (pr < 0 && errno != EINTR)
		return -errno;
	return pr > 0 ? poll_ready(p, np) : 0;
}

int mps_pool_next_wait(struct mps_pool *p, struct mps_result *r, int timeout_ms)
{
	if (!p->owner_set)
		mps_pool_own(p);
	release_delivered(p);
	double deadline = timeout_ms >= 0 ? mps_now() + timeout_ms * 1e-3 : 0;
	for (int pass = 0;; pass++) {
		int head_worker;
		enum mps_pool_status st = deliver(p, r, &head_worker);
		if (st == MPS_POOL_READY) {
			for (int i = 0; i < p->nworkers; i++)
				if (p->w[i].alive && p->w[i].ring)
					mps_oring_printed(p->w[i].ring);
			return st;
		}
		if (st == MPS_POOL_DONE) {
			if (!p->tq_shut) {
				shutdown(p->tq, SHUT_WR);
				p->tq_shut = true;
			}
			return st;
		}
		double left = timeout_ms >= 0 ? deadline - mps_now() : 0;
		if (timeout_ms >= 0 && pass > 0 && left <= 0)
			return MPS_POOL_AGAIN;
		int rc = pool_round(p, head_worker, timeout_ms, left);
		if (rc)
			return rc;
	}
}

/* Collect the workers' last frames (their stats) until their pipes end. */
static void drain_workers(struct mps_pool *p)
{
	for (int i = 0; p->w && i < p->nworkers; i++) {
		struct worker *w = &p->w[i];
		if (w->fd < 0)
			continue;
		fcntl(w->fd, F_SETFL, 0);
		while (mps_pool_read_worker(p, w) == 0) {
		}
		close(w->fd);
		w->fd = -1;
	}
}

int mps_pool_free(struct mps_pool *p, struct mps_worker_stats *st, int max)
{
	if (!p)
		return 0;
	int n = p->nworkers;
	bool early = (p->base_set && p->win.next < p->end) || !p->closed;
	if (early) {
		/* stopped before the end (-q, an error): queued units are moot */
		for (int i = 0; p->w && i < p->nworkers; i++)
			if (p->w[i].alive && p->w[i].pid > 0)
				kill(p->w[i].pid, SIGKILL);
	}
	if (p->tq >= 0) {
		shutdown(p->tq, SHUT_WR);
		drain_workers(p);
		close(p->tq);
	}
	if (p->zfd >= 0)
		close(p->zfd);
	if (p->zygote > 0) {
		int s;
		while (waitpid(p->zygote, &s, 0) < 0 && errno == EINTR) {
		}
	}
	for (int i = 0; st && p->w && i < n && i < max; i++) {
		st[i] = p->w[i].st;
		if (!p->w[i].have_stats) {
			st[i].pid = p->w[i].pid;
			st[i].core = p->o.pin ? p->w[i].core : -1;
		}
	}
	release_delivered(p);
	for (uint64_t id = p->win.next; p->base_set && id < p->end; id++)
		mps_pool_slot_free(slot_at(p, id));
	for (size_t i = 0; i < p->nrings; i++)
		mps_oring_free(p->rings[i]);
	free(p->rings);
	mps_reorder_release(&p->win);
	free(p->urgent);
	mps_buf_release(&p->msg);
	for (int i = 0; p->w && i < p->nworkers; i++)
		mps_buf_release(&p->w[i].in);
	free(p->w);
	free(p->cores);
	free(p->pf);
	free(p->pmap);
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
	if (p->tq_child >= 0)
		close(p->tq_child);
	mps_buf_release(&p->patterns);
	/* the lifeline's end: a worker still alive is killed */
	for (int i = 0; i < 2; i++)
		if (p->life[i] >= 0)
			close(p->life[i]);
	mps_cores_free(p->topo);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->fork_mu);
	pthread_cond_destroy(&p->room);
	free(p);
	return n;
}
