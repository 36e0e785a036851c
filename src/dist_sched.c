/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist, the schedule declared in dist_sched.h: rounds, requests, shares,
 * the pre-MPI fair share and the partition of round 0.  Pure code. */
#include "dist_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/plan.h"
#include "util.h"

int mps_sched_init(struct mps_sched *s, int size)
{
	*s = (struct mps_sched){.size = size, .round0_max = 4096, .round_min = 64,
				.round_max = 16384, .low = 2048};
	mps_reorder_init(&s->rounds, 0);
	s->wants = calloc(size > 0 ? (size_t)size : 1, sizeof(int));
	s->given = calloc(size > 0 ? (size_t)size : 1, sizeof(uint64_t));
	return s->wants && s->given ? 0 : -ENOMEM;
}

int mps_sched_resize(struct mps_sched *s, int size)
{
	int *w = calloc(size > 0 ? (size_t)size : 1, sizeof(int));
	uint64_t *g = calloc(size > 0 ? (size_t)size : 1, sizeof(uint64_t));
	if (!w || !g) {
		free(w);
		free(g);
		return -ENOMEM;
	}
	g[0] = s->given ? s->given[0] : 0;
	free(s->wants);
	free(s->given);
	s->wants = w;
	s->given = g;
	s->size = size;
	s->next_q = 0;
	return 0;
}

void mps_sched_release(struct mps_sched *s)
{
	struct mps_round *rd;
	while (s->rounds.held && (rd = mps_reorder_skip(&s->rounds)))
		free(rd);
	mps_reorder_release(&s->rounds);
	free(s->wants);
	free(s->given);
	free(s->uncounted);
	s->wants = NULL;
	s->given = NULL;
	s->uncounted = NULL;
	s->nuncounted = s->ucap = 0;
}

int mps_sched_add_round(struct mps_sched *s, int owner, uint64_t units, uint64_t cost)
{
	bool later = units == MPS_SCHED_UNCOUNTED;
	struct mps_round *rd = malloc(sizeof(*rd));
	if (!rd || (later && MPS_GROW(s->uncounted, s->nuncounted + 1, s->ucap))) {
		free(rd);
		return -ENOMEM;
	}
	if (owner == 0 && !later)
		s->own_given += units;
	*rd = (struct mps_round){.owner = owner, .units = units, .own_target = s->own_given,
				 .counted = !later};
	int rc = mps_reorder_put(&s->rounds, s->nrounds, rd);
	if (rc) {
		if (owner == 0 && !later)
			s->own_given -= units;
		free(rd);
		return rc;
	}
	if (later)
		s->uncounted[s->nuncounted++] = rd;
	s->nrounds++;
	if (owner >= 0 && owner < s->size)
		s->given[owner] += cost;
	return 0;
}

int mps_sched_own_fed(struct mps_sched *s, uint64_t units)
{
	if (s->nuncounted == 0)
		return -EPROTO;
	struct mps_round *rd = s->uncounted[0];
	memmove(s->uncounted, s->uncounted + 1, --s->nuncounted * sizeof(*s->uncounted));
	s->own_given += units;
	rd->units = units;
	rd->own_target = s->own_given;
	rd->counted = true;
	return 0;
}

const struct mps_round *mps_sched_round(const struct mps_sched *s)
{
	return mps_reorder_peek(&s->rounds);
}

void mps_sched_round_done(struct mps_sched *s)
{
	free(mps_reorder_take(&s->rounds));
}

uint64_t mps_sched_rounds_left(const struct mps_sched *s)
{
	return s->nrounds - s->rounds.next;
}

void mps_sched_want(struct mps_sched *s, int q, int n)
{
	if (q >= 0 && q < s->size)
		s->wants[q] += n;
}

bool mps_sched_own_low(const struct mps_sched *s)
{
	uint64_t queued = s->own_given > s->own_pulled ? s->own_given - s->own_pulled : 0;
	return s->nuncounted <= 2 && queued < s->low;
}

bool mps_sched_own_fair(const struct mps_sched *s)
{
	if (s->size <= 1)
		return true;
	uint64_t max = 0;
	for (int q = 1; q < s->size; q++)
		if (s->given[q] > max)
			max = s->given[q];
	return s->given[0] <= max;
}

bool mps_sched_own_asks(const struct mps_sched *s, bool items_waiting)
{
	return mps_sched_own_low(s) && (items_waiting || mps_sched_own_fair(s));
}

int mps_sched_asking(const struct mps_sched *s)
{
	int n = 0;
	for (int q = 0; q < s->size; q++)
		n += s->wants[q] > 0;
	return n;
}

int mps_sched_next_asker(const struct mps_sched *s)
{
	for (int i = 0; i < s->size; i++) {
		int q = (s->next_q + i) % s->size;
		if (s->wants[q] > 0)
			return q;
	}
	return -1;
}

void mps_sched_served(struct mps_sched *s, int q)
{
	s->wants[q] = 0;
	s->next_q = (q + 1) % s->size;
}

size_t mps_sched_share(const struct mps_sched *s, size_t avail, int asking, bool walked)
{
	if (avail == 0)
		return 0;
	size_t take = avail / (2 * (size_t)s->size);
	if (take < s->round_min)
		take = s->round_min;
	if (take > s->round_max)
		take = s->round_max;
	if (!walked && asking > 0 && take > avail / (size_t)asking)
		take = avail / (size_t)asking;
	if (take == 0)
		take = 1;
	return take < avail ? take : avail;
}

size_t mps_sched_item_prefix(const bool *is_item, size_t n, size_t max_items)
{
	size_t items = 0;
	for (size_t i = 0; i < n; i++)
		if (is_item[i] && ++items > max_items)
			return i ? i : 1;
	return n;
}

bool mps_sched_should_split(const struct mps_sched *s, bool walked, size_t items_waiting,
			    size_t level)
{
	return walked && s->size > 1 && items_waiting > 0 && level < SPLIT_LEVELS &&
	       items_waiting < SPLIT_PER_RANK * (size_t)s->size;
}

bool mps_sched_should_ask(const struct mps_sched *s, bool asked, size_t backlog, uint64_t pending)
{
	return !asked && backlog <= 2 && pending < s->low;
}

bool mps_sched_pre_take(uint64_t own, uint64_t c, uint64_t listed, int size)
{
	if (size <= 1)
		return true;
	return own + c <= listed / (uint64_t)size;
}

int mps_sched_partition(const uint64_t *cost, size_t n, int size, uint64_t base0, size_t *first)
{
	if (size <= 0)
		return -EINVAL;
	/* rank 0's head start as a unit in front of the others */
	uint64_t *c = malloc((n + 1) * sizeof(*c));
	size_t *f = malloc(((size_t)size + 1) * sizeof(*f));
	if (!c || !f) {
		free(c);
		free(f);
		return -ENOMEM;
	}
	c[0] = base0;
	if (n)
		memcpy(c + 1, cost, n * sizeof(*c));
	mps_plan_partition(c, n + 1, size, f);
	first[0] = 0;
	for (int r = 1; r <= size; r++)
		first[r] = f[r] ? f[r] - 1 : 0;
	free(c);
	free(f);
	return 0;
}

int mps_round_ends_add(struct mps_round_ends *e, uint64_t units)
{
	if (MPS_GROW(e->cum, e->n + 1, e->cap))
		return -ENOMEM;
	e->cum[e->n] = (e->n ? e->cum[e->n - 1] : 0) + units;
	e->n++;
	return 0;
}

size_t mps_round_ends_due(struct mps_round_ends *e, uint64_t completed)
{
	size_t due = 0;
	while (e->ended < e->n && completed >= e->cum[e->ended]) {
		e->ended++;
		due++;
	}
	return due;
}

uint64_t mps_round_ends_pending(const struct mps_round_ends *e, uint64_t completed)
{
	uint64_t given = e->n ? e->cum[e->n - 1] : 0;
	return given > completed ? given - completed : 0;
}

void mps_round_ends_release(struct mps_round_ends *e)
{
	free(e->cum);
	*e = (struct mps_round_ends){0};
}
