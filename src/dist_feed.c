/* SPDX-License-Identifier: BSD-3-Clause */
/* The feeder of a rank > 0 (see dist_feed.h): rounds in, units to the
 * pool, tree items walked on the way. */
#include "dist_feed.h"

#include <errno.h>
#include <stdlib.h>

#include "dist_run.h"
#include "util.h"

struct feed_round {
	struct feed_round *next;
	struct mps_unit *units;
	size_t n;
	bool last;
};

/* The sink of a tree item's walk: its files' units to the pool. */
static int put_pool(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	struct mpi_run *m = r->put_ctx;
	(void)f;
	struct mps_feed *fd = &m->feed;
	pthread_mutex_lock(&fd->mu);
	bool stop = fd->stop;
	pthread_mutex_unlock(&fd->mu);
	if (stop)
		return 1;
	m->feed_units++;
	return mps_dist_submit_local(m, u);
}

/* Feed one round: its units, and the files of its tree items. */
static int feed_one(struct mps_feed *f, struct feed_round *rd)
{
	struct mpi_run *m = f->m;
	int rc = 0;
	m->feed_units = 0;
	for (size_t i = 0; !rc && i < rd->n; i++) {
		const struct mps_unit *u = &rd->units[i];
		if (u->flags & MPS_UNIT_TREE) {
			rc = mps_run_walk_tree(m->r, u, put_pool);
			if (rc == 1)
				rc = 0; /* stopped */
		} else {
			m->feed_units++;
			rc = mps_dist_submit_local(m, u);
		}
	}
	/* the final round's mark alone (no units) is no round */
	if (rd->n == 0 && rd->last)
		return rc;
	pthread_mutex_lock(&f->mu);
	if (!rc && !MPS_GROW(f->counts, f->ncounts + 1, f->cap))
		f->counts[f->ncounts++] = m->feed_units;
	else if (!rc)
		rc = -ENOMEM;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

static void *feeder(void *arg)
{
	struct mps_feed *f = arg;
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->head && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop)
			break;
		struct feed_round *rd = f->head;
		f->head = rd->next;
		if (!f->head)
			f->tail = NULL;
		pthread_mutex_unlock(&f->mu);
		int rc = feed_one(f, rd);
		bool last = rd->last;
		mps_dist_free_units(rd->units, rd->n);
		free(rd);
		if (last || rc)
			mps_pool_close(f->m->pool);
		pthread_mutex_lock(&f->mu);
		f->queued--;
		if (rc && !f->err)
			f->err = rc;
		if (last || rc)
			break;
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int mps_feed_start(struct mps_feed *f, struct mpi_run *m)
{
	*f = (struct mps_feed){.m = m};
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	m->r->put_ctx = m; /* rank 0's walker has the same (its list's put) */
	int rc = pthread_create(&f->th, NULL, feeder, f);
	f->running = rc == 0;
	return -rc;
}

int mps_feed_round(struct mps_feed *f, struct mps_unit *units, size_t n, bool last)
{
	struct feed_round *rd = malloc(sizeof(*rd));
	if (!rd) {
		mps_dist_free_units(units, n);
		return -ENOMEM;
	}
	*rd = (struct feed_round){.units = units, .n = n, .last = last};
	pthread_mutex_lock(&f->mu);
	if (f->tail)
		f->tail->next = rd;
	else
		f->head = rd;
	f->tail = rd;
	f->queued++;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

size_t mps_feed_collect(struct mps_feed *f, uint64_t *out, size_t max)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->ncounts < max ? f->ncounts : max;
	for (size_t i = 0; i < n; i++)
		out[i] = f->counts[i];
	for (size_t i = n; i < f->ncounts; i++)
		f->counts[i - n] = f->counts[i];
	f->ncounts -= n;
	pthread_mutex_unlock(&f->mu);
	return n;
}

size_t mps_feed_backlog(struct mps_feed *f)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->queued;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int mps_feed_stop(struct mps_feed *f)
{
	if (!f->running)
		return 0;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	atomic_store(&f->m->r->stop, 1); /* a tree being walked stops too */
	/* a feeder waiting for room in the pool's queue goes on (the pool is
	 * done with: the rank stopped, or all was fed and closed already) */
	mps_pool_close(f->m->pool);
	pthread_join(f->th, NULL);
	f->running = false;
	while (f->head) {
		struct feed_round *rd = f->head;
		f->head = rd->next;
		mps_dist_free_units(rd->units, rd->n);
		free(rd);
	}
	f->tail = NULL;
	free(f->counts);
	f->counts = NULL;
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	return f->err;
}
