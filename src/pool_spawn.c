/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool parent's side of the zygote (see pool_int.h): asking for
 * workers in a request/reply loop that never fills the socket, taking
 * their replies and death notices, and surviving the zygote: when it dies
 * a new one is forked (unless the caller sealed the pool: then the
 * workers still alive go on alone), and the run fails only when no worker
 * is left. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "pool_int.h"
#include "outring.h"
#include "util.h"
#include "worker.h"
#include "zygote.h"

/* spawn requests in flight at once: their replies (a message and a
 * descriptor each) always fit in the socket's buffer */
#define SPAWN_WINDOW 16

/* Ask the zygote for worker idx; the answer comes to mps_pool_zygote_msg.
 * Without a zygote the worker is wanted until one is back. */
static int spawn(struct mps_pool *p, int idx)
{
	struct worker *w = &p->w[idx];
	if (p->zfd < 0) {
		w->wanted = true;
		return 0;
	}
	struct mps_zmsg m = {.op = MPS_Z_SPAWN, .idx = idx, .core = p->cores ? p->cores[idx] : -1};
	w->wanted = false;
	w->spawning = true;
	w->ring = NULL;
	struct mps_oring *r;
	if (p->ring_size && !MPS_GROW(p->rings, p->nrings + 1, p->ringcap) &&
	    !mps_oring_new(&r, p->ring_size)) {
		/* a new worker, a new ring: the old one's texts may still wait */
		p->rings[p->nrings++] = r;
		w->ring = r;
	}
	return mps_zmsg_send(p->zfd, &m, w->ring ? mps_oring_fd(w->ring) : -1);
}

static int spawning(const struct mps_pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nworkers; i++)
		n += p->w[i].spawning;
	return n;
}

int mps_pool_spawn_all(struct mps_pool *p)
{
	for (int i = 0; i < p->nworkers; i++)
		if (!p->w[i].alive && !p->w[i].spawning)
			p->w[i].wanted = true;
	for (;;) {
		int n = spawning(p);
		for (int i = 0; i < p->nworkers && n < SPAWN_WINDOW; i++) {
			if (!p->w[i].wanted)
				continue;
			int rc = spawn(p, i);
			if (rc)
				return rc;
			n += p->w[i].spawning;
		}
		if (n == 0)
			return 0;
		int rc = mps_pool_zygote_msg(p);
		if (rc)
			return rc;
	}
}

/* The reply to a spawn request: worker r->idx is up, with its pipe fd. */
static int spawned(struct mps_pool *p, const struct mps_zmsg *r, int fd)
{
	if (r->idx < 0 || r->idx >= p->nworkers) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct worker *w = &p->w[r->idx];
	w->spawning = false;
	if (fd < 0) {
		/* its pipe could not be passed (out of descriptors here): the
		 * worker dies of it when it writes */
		return -EMFILE;
	}
	w->pid = r->pid;
	w->fd = fd;
	w->core = r->core;
	w->alive = true;
	w->orphan = false;
	w->running = false;
	w->in.len = w->in_off = 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	fcntl(fd, F_SETPIPE_SZ, 1 << 20);
	return 0;
}

/* Workers alive or about to be. */
static int workers_left(const struct mps_pool *p)
{
	int n = 0;
	for (int i = 0; i < p->nworkers; i++)
		n += p->w[i].alive || p->w[i].spawning || (p->w[i].wanted && p->zfd >= 0);
	return n;
}

/* A worker could not be made (-errno in status).  While the pool starts,
 * that is its failure; later the others go on, if there are any. */
static int not_spawned(struct mps_pool *p, const struct mps_zmsg *m)
{
	if (m->idx >= 0 && m->idx < p->nworkers)
		p->w[m->idx].spawning = false;
	if (!p->running || workers_left(p) == 0)
		return m->status < 0 ? m->status : -ECHILD;
	return 0;
}

/* Worker idx ended with wait status: its units go back to the queue and,
 * if it crashed and work is left, it is replaced. */
static int worker_died(struct mps_pool *p, int idx, int status)
{
	bool respawn = false;
	int rc = mps_pool_worker_gone(p, idx, status, &respawn);
	if (!rc && respawn)
		rc = spawn(p, idx);
	if (!rc && workers_left(p) == 0 && mps_pool_work_left(p))
		rc = -ECHILD; /* no worker left, and none can be made */
	return rc;
}

int mps_pool_worker_eof(struct mps_pool *p, int idx)
{
	struct worker *w = &p->w[idx];
	if (!w->orphan) {
		/* its death notice follows from the zygote */
		close(w->fd);
		w->fd = -1;
		return 0;
	}
	/* its zygote is gone, and with it the notice: a worker that sent its
	 * stats ended well, any other was killed */
	return worker_died(p, idx, w->have_stats ? 0 : SIGKILL);
}

/* Fork a zygote and, for a pool started late, give it the patterns. */
int mps_pool_zygote_start(struct mps_pool *p)
{
	struct mps_zygote_conf zc = {
		.worker = {.matcher = p->o.matcher, .search = &p->o.search, .deref = p->o.deref,
			   .cores = p->o.pin ? p->topo : NULL, .core = -1, .tasks = p->tq_child,
			   .out = -1, .lean = p->nworkers > MPS_POOL_LEAN_FROM, .ring = -1,
			   .print = p->ring_size ? &p->o.print : NULL},
		.life = p->life[0],
	};
	fflush(NULL);
	p->zygote = mps_zygote_start(&zc, &p->zfd);
	if (p->zygote < 0)
		return -errno;
	p->zygotes++;
	return p->patterns.len ? mps_pool_send_patterns(p) : 0;
}

/* The zygote is gone: reap it, and fork a new one if the caller allows;
 * the workers it had go on (their death is seen at their pipe's end). */
static int zygote_lost(struct mps_pool *p)
{
	close(p->zfd);
	p->zfd = -1;
	int st;
	while (p->zygote > 0 && waitpid(p->zygote, &st, 0) < 0 && errno == EINTR) {
	}
	p->zygote = -1;
	for (int i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->w[i];
		w->orphan = w->alive;
		if (w->spawning) {
			w->spawning = false;
			w->wanted = true;
		}
	}
	pthread_mutex_lock(&p->fork_mu);
	int rc = p->sealed ? -EPERM : mps_pool_zygote_start(p);
	pthread_mutex_unlock(&p->fork_mu);
	if (rc && p->zfd >= 0) {
		close(p->zfd); /* (it could not take the patterns) */
		p->zfd = -1;
	}
	for (int i = 0; !rc && i < p->nworkers; i++)
		if (p->w[i].wanted && (rc = spawn(p, i)))
			break;
	if (workers_left(p) == 0 && (!p->running || mps_pool_work_left(p)))
		return rc && rc != -EPERM ? rc : -ECHILD;
	return 0;
}

int mps_pool_zygote_msg(struct mps_pool *p)
{
	struct mps_zmsg m;
	int fd;
	int n = mps_zmsg_recv(p->zfd, &m, &fd);
	if (n <= 0 || m.op != MPS_Z_SPAWNED) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (n == MPS_ECORRUPT)
		return n;
	if (n <= 0)
		return zygote_lost(p);
	if (m.op == MPS_Z_SPAWNED)
		return m.status < 0 ? not_spawned(p, &m) : spawned(p, &m, fd);
	if (m.op != MPS_Z_DIED)
		return 0;
	for (int i = 0; i < p->nworkers; i++)
		if (p->w[i].pid == m.pid && p->w[i].alive && !p->w[i].orphan)
			return worker_died(p, i, m.status);
	return 0;
}

int mps_pool_send_patterns(struct mps_pool *p)
{
	int fd = memfd_create("mpsearch-patterns", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write(fd, p->patterns.data, p->patterns.len) == (ssize_t)p->patterns.len ? 0 : -EIO;
	struct mps_zmsg m = {.op = MPS_Z_MATCHER};
	if (!rc)
		rc = mps_zmsg_send(p->zfd, &m, fd);
	close(fd);
	while (!rc) {
		struct mps_zmsg r;
		int rfd;
		int n = mps_zmsg_recv(p->zfd, &r, &rfd);
		if (rfd >= 0)
			close(rfd);
		if (n <= 0)
			rc = n < 0 ? n : -EPIPE;
		else if (r.op == MPS_Z_MATCHED)
			return r.status;
	}
	return rc;
}

void mps_pool_seal(struct mps_pool *p)
{
	pthread_mutex_lock(&p->fork_mu);
	p->sealed = true;
	pthread_mutex_unlock(&p->fork_mu);
}
