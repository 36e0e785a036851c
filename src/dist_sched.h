/* SPDX-License-Identifier: BSD-3-Clause */
/* Dist, the schedule (pure: no MPI, no threads; src/dist_sched.c, tested
 * by tests/unit/test_sched.c).
 *
 * Rank 0's walker lists units; they go out in rounds.  Before MPI is up,
 * rank 0 searches the front of the list itself (its feeder lists the tree
 * items among them), but no more than its fair share (1/size of the cost
 * listed so far).  Round 0 is cut into one
 * contiguous range per rank, rank 0's range shortened by what it already
 * has.  Later rounds go, one rank each, to the ranks that ask (their queue
 * runs low): a guided share of what is left, smaller as it runs out.  The
 * output order is the round order: rounds are kept in a reorder window
 * keyed by their number, and rank 0 prints round k before round k + 1.
 * A rank > 0 closes each of its rounds in its result stream once all its
 * units are done (mps_round_ends; a round with tree items counts the units
 * of their files, known once they are listed).
 *
 * Tree items (a directory listed by the rank that gets it, rank 0 too) go
 * out one per round (mps_sched_item_prefix), at most one per rank in round
 * 0, so that a slow listing is shared by every rank as it comes free; the
 * last ones are split before they go (mps_sched_should_split); a
 * rank asks for more while it still lists its last ones
 * (mps_sched_should_ask), so no rank waits a round trip between items.
 * Rank 0's own rounds after MPI_Init go through its feeder as well: their
 * unit counts are learned in order once fed (mps_sched_own_fed), and a
 * round of rank 0 is printed when that many of its units are done. */
#ifndef MPSEARCH_DIST_SCHED_H
#define MPSEARCH_DIST_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reorder.h"

/* A round's unit count, not known yet (rank 0's own, learned when fed). */
#define MPS_SCHED_UNCOUNTED UINT64_MAX

struct mps_round {
	int owner;
	uint64_t units;
	uint64_t own_target; /* owner 0: rank 0's units given when this round is done */
	bool counted;        /* units and own_target are known */
};

struct mps_sched {
	int size;
	size_t round0_max;   /* units in the collective first round, at most */
	size_t round_min, round_max; /* units in a later round */
	size_t low;          /* a rank asks for more below this many units queued */
	struct mps_reorder rounds; /* struct mps_round *, keyed by round number */
	uint64_t nrounds;    /* rounds added */
	int *wants;          /* requests per rank not yet served */
	int next_q;          /* the rank served first next time */
	uint64_t own_given;  /* units given to rank 0's own pool */
	uint64_t own_pulled; /* ... of which taken out finished */
	uint64_t *given;     /* cost handed to each rank so far */
	struct mps_round **uncounted; /* rank 0's rounds awaiting counts, in order */
	size_t nuncounted, ucap;
};

/* 0 or -ENOMEM. */
int mps_sched_init(struct mps_sched *s /* out */, int size);
/* The number of ranks is known now (MPI is up).  0 or -ENOMEM. */
int mps_sched_resize(struct mps_sched *s /* in, out */, int size);
/* Frees the rounds still held. */
void mps_sched_release(struct mps_sched *s /* in, out */);

/* Round number s->nrounds, units of the given cost, goes to owner (units
 * MPS_SCHED_UNCOUNTED: rank 0's round whose count comes with
 * mps_sched_own_fed).  0 or -ENOMEM. */
int mps_sched_add_round(struct mps_sched *s /* in, out */, int owner, uint64_t units,
			uint64_t cost);
/* Rank 0's oldest uncounted round was fed: it came to `units` units.
 * 0, or -EPROTO when no round awaits a count. */
int mps_sched_own_fed(struct mps_sched *s /* in, out */, uint64_t units);
/* The next round to print (NULL: none handed out yet). */
const struct mps_round *mps_sched_round(const struct mps_sched *s /* in */);
/* It is printed: the window moves on. */
void mps_sched_round_done(struct mps_sched *s /* in, out */);
/* Rounds still to print. */
uint64_t mps_sched_rounds_left(const struct mps_sched *s /* in */);

/* Rank q asked for work (n requests). */
void mps_sched_want(struct mps_sched *s /* in, out */, int q, int n);
/* Rank 0's own queue runs low (at most two rounds still being fed and
 * fewer than `low` units queued): it asks too. */
bool mps_sched_own_low(const struct mps_sched *s /* in */);
/* May rank 0 serve itself?  Only while it has been given no more than the
 * most served other rank: it needs no round trip to ask, so without this
 * rule it would take a round every time it looks while the others wait for
 * theirs. */
bool mps_sched_own_fair(const struct mps_sched *s /* in */);
/* Does rank 0 ask for a round?  When its queue runs low and it may serve
 * itself (mps_sched_own_fair), or tree items wait to be listed: then its feeder's backlog
 * (mps_sched_own_low) bounds what it holds, as every rank's does, and
 * rank 0 lists its share of a slow walk. */
bool mps_sched_own_asks(const struct mps_sched *s /* in */, bool items_waiting);
/* How many ranks ask. */
int mps_sched_asking(const struct mps_sched *s /* in */);
/* The next rank to serve (round robin from next_q), or -1. */
int mps_sched_next_asker(const struct mps_sched *s /* in */);
/* Rank q was served: its requests are met, the next one starts after it. */
void mps_sched_served(struct mps_sched *s /* in, out */, int q);

/* Units for a later round, of avail listed and not handed out, asking
 * ranks asking, walked: the walk is over.  A share of what is left
 * (avail / 2 size, within round_min..round_max), and while the walk goes
 * on no more than avail / asking; at least 1 when avail > 0. */
size_t mps_sched_share(const struct mps_sched *s /* in */, size_t avail, int asking, bool walked);

/* Of the n units of a candidate round (is_item[i]: unit i is a tree
 * item), how many to hand out: the longest prefix with at most max_items
 * tree items (at least 1 when n > 0). */
size_t mps_sched_item_prefix(const bool *is_item /* in */, size_t n, size_t max_items);

/* Split the next tree item before it is handed out (rank 0 lists its
 * directory alone, its subdirectories become items in its place)?  When
 * the walk is over and fewer than SPLIT_PER_RANK items per rank wait: the
 * last items are cut finer, so that no rank lists a big subtree alone
 * while the others have nothing left.  level: how many splits made the
 * item (0: the walk's); at most SPLIT_LEVELS, so that rank 0 does not
 * list the last subtrees down to their leaves itself. */
#define SPLIT_PER_RANK 4
#define SPLIT_LEVELS 2
bool mps_sched_should_split(const struct mps_sched *s /* in */, bool walked,
			    size_t items_waiting, size_t level);

/* Should a rank ask for more?  Not while a request is outstanding; yes
 * when at most two rounds are left to feed (the one being fed, a tree
 * being listed, and one more: a round trip is hidden behind a listing)
 * and fewer than low units are queued in its pool. */
bool mps_sched_should_ask(const struct mps_sched *s /* in */, bool asked, size_t backlog,
			  uint64_t pending);

/* Before MPI is up: may rank 0, which has taken own cost of the listed
 * cost (both including the candidate unit's cost `c` in listed), take a unit
 * of cost c?  Yes while own + c <= listed / size (its fair share), and
 * always the first unit when size is 1. */
bool mps_sched_pre_take(uint64_t own, uint64_t c, uint64_t listed, int size);

/* Cut units [0, n) of the given costs into size contiguous ranges of about
 * equal cost, counting base0 (the cost rank 0 has already) on rank 0's
 * side: rank r gets [first[r], first[r + 1]); first has size + 1 entries. */
int mps_sched_partition(const uint64_t *cost /* in */, size_t n, int size, uint64_t base0,
			size_t *first /* out */);

/* A rank > 0: where its rounds end, as cumulative unit counts. */
struct mps_round_ends {
	uint64_t *cum;
	size_t n, cap, ended; /* ended: rounds whose end has been marked */
};
/* 0 or -ENOMEM. */
int mps_round_ends_add(struct mps_round_ends *e /* in, out */, uint64_t units);
/* With `completed` units done, how many more rounds end now (the caller
 * marks them and they count as ended). */
size_t mps_round_ends_due(struct mps_round_ends *e /* in, out */, uint64_t completed);
/* Units given and not yet completed. */
uint64_t mps_round_ends_pending(const struct mps_round_ends *e /* in */, uint64_t completed);
void mps_round_ends_release(struct mps_round_ends *e /* in, out */);

#endif
