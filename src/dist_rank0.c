/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI run, rank 0: its walker thread lists units (while MPI_Init runs
 * and after; until MPI is up it also feeds rank 0's own workers from the
 * front of the list, no more than its fair share), directories two levels
 * down being tree items listed by the rank that gets them, rank 0 too (its
 * feeder thread lists them beside the walker, from before MPI is up; the
 * last items are split before they go out, split_item), round 0 goes out with
 * MPI_Scatterv, later rounds to the ranks that ask (src/dist_sched.c
 * decides how much), and rank 0 prints the rounds in order: its own from
 * its pool, the others' from their streams, one message at a time, handing
 * out rounds between messages.  While it waits for another rank, its own
 * results are held aside (up to STASH_BUDGET) so its workers go on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist_run.h"
#include "util.h"

#define STASH_BUDGET ((size_t)64 << 20)
/* The walker waits while this many units are listed and not handed out:
 * rank 0 holds outstanding work, not a list of every file. */
#define LIST_MAX 16384
/* The schedule balances bytes (what --stats' imbalance measures), with a
 * small cost per unit so that empty files still count: far less than
 * the partitioner's MPS_PLAN_UNIT_COST, which would make 3,000 small files
 * weigh as much as 200 MB of a big one. */
#define DIST_UNIT_COST 256u
#define NOSIZE_COST (DIST_UNIT_COST + (16u << 10)) /* an average file */
#define TREE_COST (64 * NOSIZE_COST) /* a directory of files, not listed yet */

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

/* ---- rank 0's own results ---- */

static void stashed_free(struct stashed *e)
{
	if (!e)
		return;
	mps_unit_release(&e->u);
	free(e->block);
	free(e);
}

/* Hold the result aside (copied). */
static int stash_push(struct mpi_run *m, const struct mps_result *res)
{
	struct stashed *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct stashed){.u = *res->unit, .sum = res->summary, .len = res->len,
			      .unit_done = res->unit_done};
	e->u.path = strndup(res->unit->path, res->unit->pathlen);
	e->block = res->len ? malloc(res->len) : NULL;
	int rc = !e->u.path || (res->len && !e->block) ? -ENOMEM : 0;
	if (!rc)
		rc = mps_reorder_put(&m->stash, m->stash_in, e);
	if (rc) {
		e->u.path = NULL;
		stashed_free(e);
		return rc;
	}
	if (res->len)
		memcpy(e->block, res->block, res->len);
	m->stash_in++;
	m->st_bytes += res->len;
	m->sched.own_pulled += res->unit_done;
	return 0;
}

/* Rank 0 waits for another rank: let its own workers go on. */
static int stash_pump(struct mpi_run *m, int timeout_ms)
{
	while (!m->pool_done && m->st_bytes < STASH_BUDGET) {
		struct mps_result res;
		int rc = mps_pool_next_wait(m->pool, &res, timeout_ms);
		if (rc == MPS_POOL_AGAIN)
			return 0;
		if (rc == 1) {
			m->pool_done = true;
			return 0;
		}
		if (rc < 0)
			return rc;
		if ((rc = stash_push(m, &res)))
			return rc;
		timeout_ms = 0;
	}
	return 0;
}

/* Rank 0's next own result: held ones first.  0, 1 at the end,
 * MPS_POOL_AGAIN or <0, as mps_pool_next_wait. */
static int own_next(struct mpi_run *m, struct mps_result *res, int timeout_ms)
{
	stashed_free(m->cur);
	m->cur = m->back ? m->back : mps_reorder_take(&m->stash);
	if (m->back) {
		m->back = NULL;
		m->st_bytes += m->cur->len; /* taken off again below */
	}
	if (m->cur) {
		m->st_bytes -= m->cur->len;
		*res = (struct mps_result){.unit = &m->cur->u, .block = m->cur->block,
					   .len = m->cur->len, .summary = m->cur->sum,
					   .unit_done = m->cur->unit_done};
		return 0;
	}
	if (m->pool_done)
		return 1;
	int rc = mps_pool_next_wait(m->pool, res, timeout_ms);
	if (rc == 1)
		m->pool_done = true;
	if (rc == 0)
		m->sched.own_pulled += res->unit_done;
	return rc;
}

/* A result own_next gave that belongs to a later round: own_next gives it
 * again first.  0 or -ENOMEM. */
static int own_unget(struct mpi_run *m, const struct mps_result *res)
{
	if (m->cur) {
		m->back = m->cur; /* it was held aside already */
		m->cur = NULL;
		return 0;
	}
	/* from the pool: the stash was empty, so it is the stash's first */
	uint64_t pulled = m->sched.own_pulled;
	int rc = stash_push(m, res);
	m->sched.own_pulled = pulled; /* counted when it was taken */
	return rc;
}

/* The unit counts of rank 0's rounds its feeder has fed. */
static int own_collect(struct mpi_run *m)
{
	uint64_t c[64];
	size_t n;
	int rc = 0;
	while (!rc && (n = mps_feed_collect(&m->feed, c, 64)) > 0)
		for (size_t i = 0; !rc && i < n; i++)
			rc = mps_sched_own_fed(&m->sched, c[i]);
	return rc;
}

/* ---- the list ---- */

static uint64_t unit_cost(const struct mps_unit *u);

/* Rank 0, mu held: units [dist_end, dist_end + n) are handed out; their
 * sizes count in the total (known only if every file was stat'ed), their
 * paths are no longer needed. */
static void handed_out(struct mpi_run *m, size_t n)
{
	for (size_t i = m->dist_end; i < m->dist_end + n; i++) {
		struct mps_unit *u = &m->units[i];
		if (u->flags & (MPS_UNIT_NOSIZE | MPS_UNIT_STDIN | MPS_UNIT_TREE))
			m->sizes_known = false;
		if (u->flags & MPS_UNIT_TREE)
			m->items_waiting--;
		else if (u->part == 0)
			m->known_bytes += u->size;
		mps_unit_release(u);
	}
	m->dist_end += n;
	/* drop the handed-out front once it is most of the array */
	if (m->dist_end >= 4096 && m->dist_end >= m->nunits / 2) {
		memmove(m->units, m->units + m->dist_end, (m->nunits - m->dist_end) * sizeof(*m->units));
		m->nunits -= m->dist_end;
		m->dist_end = 0;
	}
	pthread_cond_signal(&m->room);
}

/* The walker thread, mu held, while MPI_Init runs: the first units of the
 * list go to rank 0's own pool while its queue is short and it has no
 * more than its fair share of what is listed; their results are held
 * aside until rank 0 prints them. */
static int own_round(struct mpi_run *m, size_t n);
static size_t before_stdin(const struct mpi_run *m, size_t n);
static size_t items_prefix(const struct mpi_run *m, size_t n, size_t max_items);
static uint64_t range_cost(const struct mps_unit *u, size_t n);

/* pre_feed's part once a tree item is at the front: rank 0's feeder
 * lists it while MPI_Init runs, one round at a time, and from then on
 * what rank 0 takes goes through its feeder (its pool's order is the
 * rounds').  mu held. */
static void pre_feed_items(struct mpi_run *m)
{
	while (!m->pre_err && m->feed.running && m->dist_end < m->nunits && m->pre_n < m->pre_max) {
		if ((m->pre_err = own_collect(m)) || m->sched.nuncounted > 1)
			break;
		size_t n = items_prefix(m, m->nunits - m->dist_end, 1);
		uint64_t c = range_cost(m->units + m->dist_end, n);
		if (before_stdin(m, n) < n ||
		    !mps_sched_pre_take(m->pre_cost, c, m->listed_cost, m->env_size))
			break;
		if (!m->pre_round) {
			/* the units given to the pool so far are a round before it */
			m->me.rounds++;
			m->pre_err = mps_sched_add_round(&m->sched, 0, 0, 0);
			m->pre_round = true;
		}
		if (!m->pre_err)
			m->pre_err = own_round(m, n);
		m->pre_cost += c;
		m->pre_n += n;
	}
}

static void pre_feed(struct mpi_run *m, int timeout_ms)
{
	while (!m->pre_err && !m->pre_round && m->dist_end < m->nunits && m->pre_n < m->pre_max &&
	       mps_sched_own_low(&m->sched) &&
	       !(m->units[m->dist_end].flags & (MPS_UNIT_STDIN | MPS_UNIT_TREE)) &&
	       mps_sched_pre_take(m->pre_cost, unit_cost(&m->units[m->dist_end]), m->listed_cost,
			       m->env_size)) {
		int rc = mps_dist_submit_local(m, &m->units[m->dist_end]);
		if (rc) {
			m->pre_err = rc;
			break;
		}
		m->sched.own_given++;
		m->pre_cost += unit_cost(&m->units[m->dist_end]);
		m->sched.given[0] += unit_cost(&m->units[m->dist_end]);
		handed_out(m, 1);
		m->pre_n++;
	}
	if (m->dist_end < m->nunits && (m->pre_round || (m->units[m->dist_end].flags & MPS_UNIT_TREE)))
		pre_feed_items(m);
	if (!m->pre_err)
		m->pre_err = stash_pump(m, timeout_ms);
}

static uint64_t unit_cost(const struct mps_unit *u)
{
	if (u->flags & MPS_UNIT_TREE)
		return TREE_COST;
	if (u->flags & (MPS_UNIT_NOSIZE | MPS_UNIT_STDIN))
		return NOSIZE_COST;
	uint64_t end = u->end < u->size ? u->end : u->size;
	return (end > u->begin ? end - u->begin : 0) + DIST_UNIT_COST;
}

/* The walk's sink under MPI: the list (copied path), under mu. */
static int put_list(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	struct mpi_run *m = r->put_ctx;
	pthread_mutex_lock(&m->mu);
	/* a full list waits for the hand-out (before MPI is up too: round 0
	 * takes its part then) */
	while (m->nunits - m->dist_end >= LIST_MAX && !atomic_load(&r->stop))
		pthread_cond_wait(&m->room, &m->mu);
	int rc = MPS_GROW(m->units, m->nunits + 1, m->cap);
	struct mps_unit v = *u;
	if (!rc) {
		v.path = strndup(f->path, f->pathlen);
		rc = v.path ? 0 : -ENOMEM;
	}
	if (!rc) {
		m->units[m->nunits++] = v;
		m->listed_cost += unit_cost(&v);
		m->items_waiting += (v.flags & MPS_UNIT_TREE) != 0;
		if (m->pre_open && (r->next_id & 31) == 0)
			pre_feed(m, 0);
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* The walker thread: the walk runs while MPI_Init does (it takes ~0.3 s);
 * it fills the list and calls no MPI. */
static void *list_walker_thread(void *arg)
{
	struct mpi_run *m = arg;
	int rc = mps_run_walk(m->r);
	pthread_mutex_lock(&m->mu);
	m->r->walk_rc = rc;
	m->walk_done = true;
	/* until MPI is up, keep rank 0's workers going */
	while (m->pre_open && !atomic_load(&m->r->stop)) {
		pre_feed(m, 1);
		pthread_mutex_unlock(&m->mu);
		struct timespec ts = {0, 50000};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

int mps_dist_rank0_start_walk(struct mpi_run *m)
{
	m->r->put = put_list;
	m->r->put_ctx = m;
	int rc = pthread_create(&m->th, NULL, list_walker_thread, m);
	if (rc)
		mps_run_message(m->r, "cannot start the walk: %s%s", strerror(rc), "");
	m->walking = rc == 0;
	return -rc;
}

void mps_dist_rank0_stop_walk(struct mpi_run *m)
{
	if (!m->walking)
		return;
	pthread_mutex_lock(&m->mu);
	atomic_store(&m->r->stop, 1);
	pthread_cond_broadcast(&m->room);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->th, NULL);
	m->walking = false;
	m->me.walk = m->r->walk_s + m->r->tree_walk_s; /* the feeder is stopped */
}

uint64_t mps_dist_rank0_mpi_up(struct mpi_run *m, int *pre_err)
{
	pthread_mutex_lock(&m->mu);
	m->pre_open = false;
	uint64_t n = m->pre_n;
	*pre_err = m->pre_err;
	pthread_mutex_unlock(&m->mu);
	return n;
}

int mps_dist_rank0_wait_listed(struct mpi_run *m)
{
	/* the first round waits for the walk only if nothing was listed yet
	 * (a slow file system) */
	double t0 = mps_now();
	for (;;) {
		pthread_mutex_lock(&m->mu);
		bool ready = m->nunits > m->dist_end || m->walk_done;
		pthread_mutex_unlock(&m->mu);
		if (ready)
			break;
		nap_ms(1);
	}
	m->me.walk_wait = mps_now() - t0;
	pthread_mutex_lock(&m->mu);
	int bad = (m->walk_done && m->r->walk_rc < 0) || m->r->submit_err;
	pthread_mutex_unlock(&m->mu);
	return bad;
}

/* ---- handing out ---- */

static uint64_t range_cost(const struct mps_unit *u, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += unit_cost(&u[i]);
	return c;
}

/* Units u[0, n) are round number sched.nrounds, owner's. */
static int add_round(struct mpi_run *m, int owner, const struct mps_unit *u, size_t n)
{
	m->me.rounds += owner == 0;
	return mps_sched_add_round(&m->sched, owner, n, range_cost(u, n));
}

/* Units [dist_end, dist_end + n) are rank 0's round: to its feeder
 * (their paths with them), counted once fed.  mu held. */
static int own_round(struct mpi_run *m, size_t n)
{
	struct mps_unit *u = malloc((n ? n : 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	memcpy(u, m->units + m->dist_end, n * sizeof(*u));
	m->me.rounds++;
	int rc = mps_sched_add_round(&m->sched, 0, MPS_SCHED_UNCOUNTED, range_cost(u, n));
	if (rc) {
		free(u);
		return rc;
	}
	for (size_t i = 0; i < n; i++)
		m->units[m->dist_end + i].path = NULL; /* now the feeder's */
	handed_out(m, n);
	return mps_feed_round(&m->feed, u, n, false);
}

/* Standard input is rank 0's (the launcher gives it to rank 0 only):
 * units of it at the front of what is left go to rank 0's own pool, each
 * a round of its own.  mu held. */
static int stdin_rounds(struct mpi_run *m)
{
	int rc = 0;
	while (!rc && m->dist_end < m->nunits && (m->units[m->dist_end].flags & MPS_UNIT_STDIN))
		rc = own_round(m, 1);
	return rc;
}

/* Of the n units from dist_end, how many come before the next unit of
 * standard input (only rank 0 has it). */
static size_t before_stdin(const struct mpi_run *m, size_t n)
{
	const struct mps_unit *u = m->units + m->dist_end;
	for (size_t i = 0; i < n; i++)
		if (u[i].flags & MPS_UNIT_STDIN)
			return i;
	return n;
}

/* Of the n units from dist_end, a prefix with at most max_items tree
 * items (src/dist_sched.c decides).  mu held. */
static size_t items_prefix(const struct mpi_run *m, size_t n, size_t max_items)
{
	bool *is = malloc((n ? n : 1) * sizeof(*is));
	if (!is)
		return n ? 1 : 0; /* one unit at a time still goes */
	for (size_t i = 0; i < n; i++)
		is[i] = m->units[m->dist_end + i].flags & MPS_UNIT_TREE;
	size_t k = mps_sched_item_prefix(is, n, max_items);
	free(is);
	return k;
}

/* The walk's sink while rank 0 splits an item: units to m->split. */
static int put_split(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	struct mpi_run *m = r->put_ctx;
	if (MPS_GROW(m->split, m->nsplit + 1, m->split_cap))
		return -ENOMEM;
	struct mps_unit v = *u;
	v.path = strndup(f->path, f->pathlen);
	if (!v.path)
		return -ENOMEM;
	m->split[m->nsplit++] = v;
	return 0;
}

/* The walk is over, mu held: the tree item units[at] is replaced by its
 * split (its files, its subdirectories as items), in its place.  0 or
 * -errno (the item is kept). */
static int split_item(struct mpi_run *m, size_t at)
{
	m->nsplit = 0;
	int rc = mps_run_split_tree(m->r, &m->units[at], put_split);
	if (rc >= 0)
		rc = MPS_GROW(m->units, m->nunits + m->nsplit, m->cap);
	if (rc < 0) {
		mps_dist_free_units(m->split, m->nsplit); /* a failure: the item stays */
		m->split = NULL;
		m->nsplit = m->split_cap = 0;
		return rc;
	}
	/* a directory it could not list was reported: nothing in its place */
	m->listed_cost -= unit_cost(&m->units[at]);
	m->items_waiting--;
	mps_unit_release(&m->units[at]);
	memmove(m->units + at + m->nsplit, m->units + at + 1,
		(m->nunits - at - 1) * sizeof(*m->units));
	memcpy(m->units + at, m->split, m->nsplit * sizeof(*m->units));
	m->nunits += m->nsplit - 1;
	for (size_t i = 0; i < m->nsplit; i++) {
		m->listed_cost += unit_cost(&m->split[i]);
		m->items_waiting += (m->split[i].flags & MPS_UNIT_TREE) != 0;
	}
	m->nsplit = 0;
	m->splits++;
	return 0;
}

/* How many splits made tree item u: its depth below the operand (1 + the
 * slashes after the operand's prefix) less the walk's item depth. */
static size_t split_level(const struct mpi_run *m, const struct mps_unit *u)
{
	size_t depth = 1;
	for (size_t i = u->root; i < u->pathlen; i++)
		depth += u->path[i] == '/';
	return depth > m->r->tree_depth ? depth - m->r->tree_depth : 0;
}

/* The first tree item of the next n units is split if the schedule says
 * so; the units to hand out are then counted again.  mu held. */
static int split_next(struct mpi_run *m, size_t n)
{
	if (atomic_load(&m->r->stop))
		return 0;
	for (size_t i = m->dist_end; i < m->dist_end + n; i++)
		if (m->units[i].flags & MPS_UNIT_TREE)
			return mps_sched_should_split(&m->sched, m->walk_done, m->items_waiting,
						      split_level(m, &m->units[i]))
				       ? split_item(m, i)
				       : 0;
	return 0;
}

/* Serve the ranks that asked, in turn, from what is listed.  mu held. */
static int serve(struct mpi_run *m, bool walked)
{
	int rc = 0;
	int asking = mps_sched_asking(&m->sched);
	for (int i = 0; !rc && i < m->size && asking > 0; i++) {
		int q = mps_sched_next_asker(&m->sched);
		if (q < 0 || (rc = stdin_rounds(m)))
			break;
		size_t avail = m->nunits - m->dist_end;
		size_t take = mps_sched_share(&m->sched, avail, asking, walked);
		if ((rc = split_next(m, take)))
			break;
		avail = m->nunits - m->dist_end;
		take = mps_sched_share(&m->sched, avail, asking, walked);
		if (q != 0)
			take = before_stdin(m, take);
		take = items_prefix(m, take, 1);
		if (take == 0) {
			if (avail)
				mps_sched_want(&m->sched, 0, 1); /* standard input: rank 0's next */
			break;
		}
		asking--;
		mps_sched_served(&m->sched, q);
		const struct mps_unit *u = m->units + m->dist_end;
		if (q == 0) {
			rc = own_round(m, take);
			continue;
		}
		rc = mps_dist_round_send(&m->rs, q, u, take, false);
		if (!rc)
			rc = add_round(m, q, u, take);
		if (!rc)
			handed_out(m, take);
	}
	return rc;
}

/* Rank 0: hand out what the walker has listed to the ranks that asked
 * (and to itself, when its own queue runs low). */
static int dispatch(struct mpi_run *m)
{
	struct run *r = m->r;
	/* it probes MPI (a progress pass): once a millisecond is enough */
	double t = mps_now();
	if (t - m->dispatched < 0.001 && !m->last_sent && !atomic_load(&r->stop))
		return 0;
	m->dispatched = t;
	int rc = mps_dist_rounds_progress(&m->rs, false);
	if (!rc)
		rc = mps_dist_need_poll(m->comm, m->sched.wants);
	if (!rc)
		rc = own_collect(m); /* what rank 0's feeder has fed: it may ask again */
	if (rc || m->last_sent)
		return rc;
	pthread_mutex_lock(&m->mu);
	if (mps_sched_own_asks(&m->sched, m->items_waiting > 0))
		m->sched.wants[0] = 1;
	bool stop = atomic_load(&r->stop); /* -q found a line, or the output is gone */
	bool walked = m->walk_done || stop;
	if (!stop)
		rc = serve(m, walked);
	bool last = stop || (walked && m->dist_end == m->nunits);
	pthread_mutex_unlock(&m->mu);
	if (!rc && last) {
		for (int q = 1; !rc && q < m->size; q++)
			rc = mps_dist_round_send(&m->rs, q, NULL, 0, true);
		m->last_sent = true;
		int frc = mps_feed_round(&m->feed, NULL, 0, true); /* it closes the pool */
		if (!rc)
			rc = frc;
		if (m->sizes_known)
			r->total_bytes = m->known_bytes;
	}
	m->dispatch_s += mps_now() - t;
	return rc;
}

/* Cut units [from, from + n) into `parts` ranges of about equal cost,
 * the first counting `base` already (first has parts + 1 entries,
 * relative to from).  mu held. */
static int cut(struct mpi_run *m, size_t from, size_t n, int parts, uint64_t base, size_t *first)
{
	uint64_t *cost = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!cost)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		cost[i] = unit_cost(&m->units[from + i]);
	int rc = mps_sched_partition(cost, n, parts, base, first);
	free(cost);
	return rc;
}

/* Rank 0's part of round 0: a copy of the units (the walker goes on).
 * With tree items in it, no more than one per rank: the rest goes out in
 * later rounds, one at a time, to the ranks that come free first. */
static int first_round_cut(struct mpi_run *m, struct mps_unit **all, size_t **first,
			   size_t *take, int *more)
{
	pthread_mutex_lock(&m->mu);
	int rc = stdin_rounds(m);
	size_t avail = m->nunits - m->dist_end;
	*take = avail < m->sched.round0_max ? avail : m->sched.round0_max;
	*take = rc ? 0 : before_stdin(m, *take);
	*take = items_prefix(m, *take, (size_t)m->size);
	*more = !(m->walk_done && *take == avail);
	*first = calloc((size_t)m->size + 1, sizeof(size_t));
	*all = malloc((*take ? *take : 1) * sizeof(**all));
	if (!rc && (!*first || !*all))
		rc = -ENOMEM;
	/* rank 0's range is shortened by what it took before MPI was up */
	if (!rc)
		rc = cut(m, m->dist_end, *take, m->size, m->pre_cost, *first);
	if (!rc) {
		memcpy(*all, m->units + m->dist_end, *take * sizeof(**all));
		for (size_t i = 0; i < *take; i++)
			m->units[m->dist_end + i].path = NULL; /* now owned by all[] */
		handed_out(m, *take);
	} else {
		free(*first); /* every rank fails in the scatter */
		*first = NULL;
		*take = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

int mps_dist_first_round(struct mpi_run *m, struct mps_unit **mine, size_t *nmine)
{
	int more = 1;
	size_t *first = NULL;
	struct mps_unit *all = NULL;
	size_t take = 0;
	int rc = 0;
	if (m->rank == 0) {
		/* the units searched while MPI_Init ran come first */
		if (m->pre_n && !m->pre_round)
			rc = add_round(m, 0, NULL, 0);
		if (!rc)
			first_round_cut(m, &all, &first, &take, &more);
	}
	int src = mps_dist_scatter(m->comm, all, first, mine, nmine, &more);
	if (!rc)
		rc = src;
	if (m->rank == 0) {
		/* round 0 is one round per rank, in rank order (rank 0's through
		 * its feeder: counted once fed) */
		m->me.rounds++;
		rc = mps_sched_add_round(&m->sched, 0, MPS_SCHED_UNCOUNTED,
					 range_cost(all, first[1]));
		for (int q = 1; !rc && q < m->size; q++)
			rc = add_round(m, q, all + first[q], first[q + 1] - first[q]);
		if (!more && !rc && m->sizes_known)
			m->r->total_bytes = m->known_bytes;
		mps_dist_free_units(all, take);
	}
	free(first);
	if (!rc)
		m->last_sent = !more;
	return rc;
}

/* ---- printing ---- */

/* The printer said stop (-q has its line, the output is gone): every
 * rank stops. */
static void printer_stopped(struct mpi_run *m)
{
	atomic_store(&m->r->stop, 1);
	if (!m->stop_sent)
		mps_dist_request_stop(m->comm);
	m->stop_sent = true;
}

static void print_remote(void *ctx, const struct mps_unit *u, const struct mps_unit_summary *sum,
			 const unsigned char *block, size_t len)
{
	struct mpi_run *m = ctx;
	m->r->done_files += u->part + 1 == u->nparts;
	if (!m->prc)
		m->prc = mps_printer_unit(m->pr, u, block, len, sum);
}

static void tally_remote(void *ctx, uint64_t files, uint64_t bytes)
{
	struct mpi_run *m = ctx;
	m->r->done_files += files;
	mps_printer_tally(m->pr, files, bytes);
}

/* While rank 0 waits: hand out rounds, keep its workers going, report. */
static int idle(struct mpi_run *m, long *ns)
{
	int rc = dispatch(m);
	if (!rc)
		rc = stash_pump(m, 0);
	mps_run_progress(m->r, false);
	struct timespec ts = {0, *ns};
	nanosleep(&ts, NULL);
	if (*ns < 1000000)
		*ns *= 2;
	return rc;
}

/* Rank q's part of the current round, to its end (or its stream's).
 * With --output written by every rank, q prints it: the baton (where the
 * file stands, the printer's state) goes to q, and comes back with the
 * round's end. */
static int print_remote_round(struct mpi_run *m, int q)
{
	long ns = 20000;
	if (m->wrote && !m->ended[q]) {
		int rc = mps_dist_baton_make(m);
		if (!rc)
			rc = mps_dist_baton_send(m->comm, q, &m->baton);
		if (rc)
			return rc;
	}
	while (!m->ended[q]) {
		int st = mps_dist_receive_step(m->comm, q, print_remote, tally_remote, m, &m->in);
		if (st < 0)
			return st;
		if (st == MPS_DIST_ROUND_END && m->wrote) {
			int rc = m->in.baton_got ? mps_dist_baton_load(m) : -EPROTO;
			if (rc)
				return rc;
		}
		if (m->prc) {
			printer_stopped(m);
			return 0;
		}
		if (st == MPS_DIST_END)
			m->ended[q] = true;
		if (st == MPS_DIST_END || st == MPS_DIST_ROUND_END)
			return 0;
		if (st == MPS_DIST_AGAIN) {
			int rc = idle(m, &ns);
			if (rc)
				return rc;
		} else {
			ns = 20000;
			/* between messages too: rank 0 has other work */
			int rc = dispatch(m);
			if (!rc)
				rc = stash_pump(m, 0);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* One of rank 0's own results of the current round (with target units
 * done in all).  MPS_POOL_AGAIN while none is ready, 0 or <0. */
static int print_own(struct mpi_run *m, const struct mps_round *rd)
{
	struct mps_result res;
	int rc = own_next(m, &res, 2);
	int crc = own_collect(m); /* rd's count may have come meanwhile */
	if (crc)
		return crc;
	bool ended = rd->counted && m->printed == rd->own_target;
	if (rc == 1)
		return ended ? 0 : -EPROTO; /* the pool ended before the units it was given */
	if (rc)
		return rc;
	if (ended)
		return own_unget(m, &res); /* the next round's */
	m->me.bytes += res.summary.bytes;
	m->me.selected += res.summary.selected;
	m->printed += res.unit_done;
	if (m->last_sent && m->sched.nuncounted == 0 && m->printed == m->sched.own_given)
		m->own_done = mps_now();
	struct run *r = m->r;
	if (r->progress) {
		r->done_bytes = m->me.bytes;
		r->done_files += res.unit->part + 1 == res.unit->nparts;
		mps_run_progress(r, false);
	}
	(void)rd;
	if (!m->prc) {
		m->prc = mps_printer_unit(m->pr, res.unit, res.block, res.len, &res.summary);
		if (m->prc)
			printer_stopped(m);
	}
	return 0;
}

int mps_dist_rank0_loop(struct mpi_run *m)
{
	int rc = 0;
	m->in = (struct mps_dist_inbox){.wants = m->sched.wants, .progress = m->r->rank_bytes,
					.baton = m->wrote ? &m->baton : NULL};
	while (!rc && !m->prc && !(mps_sched_rounds_left(&m->sched) == 0 && m->last_sent)) {
		if ((rc = dispatch(m)) || (rc = own_collect(m)))
			break;
		const struct mps_round *rd = mps_sched_round(&m->sched);
		if (!rd) {
			/* waiting for the walker */
			if (m->pool_done || m->st_bytes >= STASH_BUDGET)
				nap_ms(1);
			else
				rc = stash_pump(m, 2);
			continue;
		}
		if (rd->owner == 0 && rd->counted && m->printed == rd->own_target) {
			mps_sched_round_done(&m->sched);
			continue;
		}
		if (rd->owner == 0) {
			int prc = print_own(m, rd);
			rc = prc == MPS_POOL_AGAIN ? 0 : prc;
			continue;
		}
		if (!m->ended[rd->owner])
			rc = print_remote_round(m, rd->owner);
		mps_sched_round_done(&m->sched);
	}
	if (m->own_done == 0)
		m->own_done = mps_now();
	return rc;
}

int mps_dist_rank0_drain(struct mpi_run *m, int rc)
{
	/* a failure: the ranks that keep rounds for the baton stop waiting */
	if (m->wrote && (rc || m->prc) && !m->stop_sent) {
		mps_dist_request_stop(m->comm);
		m->stop_sent = true;
	}
	/* an early stop: the other ranks still get every round */
	if (!m->last_sent) {
		atomic_store(&m->r->stop, 1);
		int drc = dispatch(m);
		if (!rc)
			rc = drc;
	}
	/* the rest of every stream (all of it after a stop) */
	for (int q = 1; q < m->size; q++) {
		long ns = 20000;
		while (!m->ended[q]) {
			int st = mps_dist_receive_step(m->comm, q, print_remote, tally_remote, m, &m->in);
			if (st < 0) {
				if (!rc)
					rc = st;
				break;
			}
			if (st == MPS_DIST_END)
				m->ended[q] = true;
			if (st == MPS_DIST_AGAIN) {
				struct timespec ts = {0, ns};
				nanosleep(&ts, NULL);
				if (ns < 1000000)
					ns *= 2;
			}
		}
		if (m->prc)
			printer_stopped(m);
	}
	int wrc = mps_dist_rounds_progress(&m->rs, true);
	if (!rc)
		rc = wrc;
	mps_dist_need_poll(m->comm, m->sched.wants); /* none may be left unmatched */
	if (m->r->rank_bytes)
		mps_dist_progress_poll(m->comm, m->r->rank_bytes);
	mps_run_progress(m->r, true);
	return rc;
}

void mps_dist_rank0_release(struct mpi_run *m)
{
	stashed_free(m->cur);
	stashed_free(m->back);
	m->cur = m->back = NULL;
	struct stashed *e;
	while (m->stash.held && (e = mps_reorder_skip(&m->stash)))
		stashed_free(e);
	mps_reorder_release(&m->stash);
	free(m->ended);
	m->ended = NULL;
	mps_dist_free_units(m->units, m->nunits);
	m->units = NULL;
	m->nunits = m->cap = 0;
	free(m->split);
	m->split = NULL;
}
