/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI run's schedule (src/dist_sched.c), without MPI: rounds leave in
 * order, every request is served in turn, shares shrink as the list runs
 * out, rank 0 takes no more than its fair share before MPI is up, round 0
 * counts what rank 0 has already, round ends are marked exactly once.  A
 * simulated run checks that no rank that asks is starved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dist_sched.h"

static void test_rounds_in_order(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 3), 0);
	assert_null(mps_sched_round(&s));
	for (int i = 0; i < 100; i++)
		assert_int_equal(mps_sched_add_round(&s, i % 3, (uint64_t)i + 1, 1), 0);
	assert_int_equal(s.own_given, 1717); /* 1 + 4 + ... + 100 */
	for (int i = 0; i < 100; i++) {
		const struct mps_round *rd = mps_sched_round(&s);
		assert_non_null(rd);
		assert_int_equal(rd->owner, i % 3);
		assert_int_equal(rd->units, (uint64_t)i + 1);
		assert_int_equal(mps_sched_rounds_left(&s), 100 - i);
		mps_sched_round_done(&s);
	}
	assert_null(mps_sched_round(&s));
	mps_sched_release(&s);
}

static void test_requests_round_robin(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 4), 0);
	assert_int_equal(mps_sched_next_asker(&s), -1);
	mps_sched_want(&s, 2, 1);
	mps_sched_want(&s, 3, 1);
	mps_sched_want(&s, 1, 1);
	assert_int_equal(mps_sched_asking(&s), 3);
	int order[3];
	for (int i = 0; i < 3; i++) {
		order[i] = mps_sched_next_asker(&s);
		mps_sched_served(&s, order[i]);
	}
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);
	assert_int_equal(mps_sched_asking(&s), 0);
	/* after 3, rank 0 comes first, then 1 */
	mps_sched_want(&s, 1, 1);
	mps_sched_want(&s, 0, 1);
	assert_int_equal(mps_sched_next_asker(&s), 0);
	mps_sched_release(&s);
}

static void test_share(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 4), 0);
	s.round_min = 10;
	s.round_max = 1000;
	assert_int_equal(mps_sched_share(&s, 0, 1, true), 0);
	assert_int_equal(mps_sched_share(&s, 5, 1, true), 5);      /* no more than there is */
	assert_int_equal(mps_sched_share(&s, 800, 1, true), 100);  /* avail / 2 size */
	assert_int_equal(mps_sched_share(&s, 80, 1, true), 10);    /* at least round_min */
	assert_int_equal(mps_sched_share(&s, 80000, 1, true), 1000); /* at most round_max */
	/* while the walk goes on, several askers split what is listed */
	assert_int_equal(mps_sched_share(&s, 12, 3, false), 4);
	assert_int_equal(mps_sched_share(&s, 2, 3, false), 1);
	mps_sched_release(&s);
}

static void test_pre_take_fair_share(void **state)
{
	(void)state;
	/* 4 ranks, 100 units of cost 1 listed: rank 0 takes at most 25 */
	uint64_t own = 0;
	for (uint64_t listed = 1; listed <= 100; listed++)
		while (own < listed && mps_sched_pre_take(own, 1, listed, 4))
			own++;
	assert_int_equal(own, 25);
	/* a unit bigger than the share is not taken */
	assert_false(mps_sched_pre_take(0, 1000, 1003, 4));
	assert_true(mps_sched_pre_take(0, 1000, 1000, 1));
}

static void test_partition_counts_rank0(void **state)
{
	(void)state;
	uint64_t cost[12];
	for (int i = 0; i < 12; i++)
		cost[i] = 10;
	size_t first[5];
	/* no head start: 3 each */
	assert_int_equal(mps_sched_partition(cost, 12, 4, 0, first), 0);
	for (int r = 0; r <= 4; r++)
		assert_int_equal(first[r], (size_t)(3 * r));
	/* rank 0 has 30 already: (120 + 30) / 4 = 37.5 each, rank 0 ~ 1 unit */
	assert_int_equal(mps_sched_partition(cost, 12, 4, 30, first), 0);
	assert_true(first[1] <= 1);
	assert_int_equal(first[4], 12);
	/* rank 0 has more than its share: it gets nothing */
	assert_int_equal(mps_sched_partition(cost, 12, 4, 1000, first), 0);
	assert_int_equal(first[1], 0);
	assert_int_equal(first[4], 12);
}

static void test_round_ends(void **state)
{
	(void)state;
	struct mps_round_ends e = {0};
	assert_int_equal(mps_round_ends_add(&e, 0), 0); /* an empty round 0 */
	assert_int_equal(mps_round_ends_due(&e, 0), 1);
	assert_int_equal(mps_round_ends_add(&e, 3), 0);
	assert_int_equal(mps_round_ends_add(&e, 2), 0);
	assert_int_equal(mps_round_ends_pending(&e, 0), 5);
	assert_int_equal(mps_round_ends_due(&e, 2), 0);
	assert_int_equal(mps_round_ends_due(&e, 3), 1);
	assert_int_equal(mps_round_ends_due(&e, 3), 0); /* once */
	assert_int_equal(mps_round_ends_due(&e, 5), 1);
	assert_int_equal(mps_round_ends_pending(&e, 5), 0);
	mps_round_ends_release(&e);
}

/* A simulated run: 4 ranks search 1 unit per tick each, ask below `low`
 * units queued (one request at a time, as the ranks do); rank 0 serves the
 * requests from a list the walker grows by 3 units a tick.  Every rank gets
 * work in many rounds and the units are spread evenly. */
static void test_no_starvation(void **state)
{
	(void)state;
	enum { SIZE = 4, TOTAL = 6000 };
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, SIZE), 0);
	s.low = 8;
	s.round_min = 4;
	s.round_max = 64;
	uint64_t queued[SIZE] = {0}, done[SIZE] = {0}, rounds[SIZE] = {0};
	int asked[SIZE] = {0};
	size_t listed = 0, given = 0;
	for (int tick = 0; given < TOTAL || queued[0] + queued[1] + queued[2] + queued[3]; tick++) {
		assert_true(tick < 100000);
		listed = listed + 3 < TOTAL ? listed + 3 : TOTAL;
		for (int q = 0; q < SIZE; q++) {
			if (queued[q]) {
				queued[q]--;
				done[q]++;
			}
			if (!asked[q] && queued[q] < s.low) {
				mps_sched_want(&s, q, 1);
				asked[q] = 1;
			}
		}
		int asking = mps_sched_asking(&s);
		for (int i = 0; i < SIZE && asking > 0; i++) {
			int q = mps_sched_next_asker(&s);
			size_t take = mps_sched_share(&s, listed - given, asking, listed == TOTAL);
			if (take == 0)
				break;
			asking--;
			mps_sched_served(&s, q);
			assert_int_equal(mps_sched_add_round(&s, q, take, take), 0);
			queued[q] += take;
			given += take;
			rounds[q]++;
			asked[q] = 0;
		}
	}
	for (int q = 0; q < SIZE; q++) {
		assert_true(rounds[q] > 10);
		assert_true(done[q] * SIZE * 10 > TOTAL * 9); /* within 10% of a fair share */
	}
	mps_sched_release(&s);
}

/* Rank 0 needs no round trip to ask: in a simulated run where the other
 * ranks' requests take 3 ticks to arrive and rank 0 looks every tick, rank
 * 0 still gets no more than the most served other rank (plus a round). */
static void test_rank0_no_hog(void **state)
{
	(void)state;
	enum { SIZE = 4, TOTAL = 4000, LAG = 3 };
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, SIZE), 0);
	s.low = 1000; /* every rank always wants more */
	s.round_min = 4;
	s.round_max = 8;
	int arrive[SIZE] = {0}; /* tick a request arrives, 0 none */
	size_t given = 0;
	for (int tick = 1; given < TOTAL; tick++) {
		if (mps_sched_own_low(&s) && mps_sched_own_fair(&s))
			mps_sched_want(&s, 0, 1);
		for (int q = 1; q < SIZE; q++) {
			if (!arrive[q])
				arrive[q] = tick + LAG;
			if (arrive[q] == tick)
				mps_sched_want(&s, q, 1);
		}
		int asking = mps_sched_asking(&s);
		for (int i = 0; i < SIZE && asking > 0 && given < TOTAL; i++) {
			int q = mps_sched_next_asker(&s);
			size_t take = mps_sched_share(&s, TOTAL - given, asking, true);
			asking--;
			mps_sched_served(&s, q);
			assert_int_equal(mps_sched_add_round(&s, q, take, take), 0);
			given += take;
			if (q)
				arrive[q] = 0; /* asks again when the round is in */
		}
	}
	uint64_t max = 0;
	for (int q = 1; q < SIZE; q++)
		max = s.given[q] > max ? s.given[q] : max;
	assert_true(s.given[0] <= max + s.round_max);
	assert_true(s.given[0] > 0);
	mps_sched_release(&s);
}

static void test_item_prefix(void **state)
{
	(void)state;
	const bool a[] = {false, false, true, false, true, true, false};
	assert_int_equal(mps_sched_item_prefix(a, 0, 1), 0);
	assert_int_equal(mps_sched_item_prefix(a, 2, 1), 2);   /* files only */
	assert_int_equal(mps_sched_item_prefix(a, 7, 1), 4);   /* files, one item, files */
	assert_int_equal(mps_sched_item_prefix(a, 7, 2), 5);
	assert_int_equal(mps_sched_item_prefix(a, 7, 3), 7);
	assert_int_equal(mps_sched_item_prefix(a + 4, 3, 1), 1); /* an item first */
	assert_int_equal(mps_sched_item_prefix(a + 4, 3, 0), 1); /* at least one unit */
}

static void test_should_ask(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 3), 0);
	s.low = 10;
	assert_true(mps_sched_should_ask(&s, false, 0, 0));
	assert_true(mps_sched_should_ask(&s, false, 2, 9)); /* listing, one more queued */
	assert_false(mps_sched_should_ask(&s, true, 0, 0)); /* one request at a time */
	assert_false(mps_sched_should_ask(&s, false, 3, 0)); /* enough rounds ahead */
	assert_false(mps_sched_should_ask(&s, false, 0, 10)); /* enough units queued */
	mps_sched_release(&s);
}

static void test_should_split(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 4), 0);
	assert_false(mps_sched_should_split(&s, false, 3, 0));  /* the walk goes on */
	assert_true(mps_sched_should_split(&s, true, 3, 0));
	assert_true(mps_sched_should_split(&s, true, 4 * SPLIT_PER_RANK - 1, 0));
	assert_false(mps_sched_should_split(&s, true, 4 * SPLIT_PER_RANK, 0)); /* enough items */
	assert_false(mps_sched_should_split(&s, true, 0, 0));
	assert_true(mps_sched_should_split(&s, true, 3, SPLIT_LEVELS - 1));
	assert_false(mps_sched_should_split(&s, true, 3, SPLIT_LEVELS)); /* split enough */
	assert_int_equal(mps_sched_resize(&s, 1), 0);
	assert_false(mps_sched_should_split(&s, true, 1, 0)); /* one rank: nothing to share */
	mps_sched_release(&s);
}

/* Rank 0's rounds through its feeder: counted in order once fed, printed
 * against cumulative targets; other ranks' rounds in between keep theirs. */
static void test_uncounted_rounds(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 2), 0);
	assert_int_equal(mps_sched_own_fed(&s, 1), -EPROTO); /* none awaits a count */
	assert_int_equal(mps_sched_add_round(&s, 0, 5, 5), 0); /* before MPI: counted */
	assert_int_equal(mps_sched_add_round(&s, 0, MPS_SCHED_UNCOUNTED, 1), 0);
	assert_int_equal(mps_sched_add_round(&s, 1, 7, 7), 0);
	assert_int_equal(mps_sched_add_round(&s, 0, MPS_SCHED_UNCOUNTED, 1), 0);
	assert_int_equal(mps_sched_add_round(&s, 0, MPS_SCHED_UNCOUNTED, 1), 0);
	assert_int_equal(s.nuncounted, 3);
	assert_false(mps_sched_own_low(&s)); /* three rounds ahead */
	assert_int_equal(mps_sched_own_fed(&s, 4), 0);
	assert_true(mps_sched_own_low(&s));
	assert_int_equal(mps_sched_own_fed(&s, 0), 0); /* an empty part */
	const struct mps_round *rd = mps_sched_round(&s);
	assert_true(rd->counted);
	assert_int_equal(rd->own_target, 5);
	mps_sched_round_done(&s);
	rd = mps_sched_round(&s);
	assert_true(rd->counted);
	assert_int_equal(rd->own_target, 9);
	mps_sched_round_done(&s);
	rd = mps_sched_round(&s);
	assert_int_equal(rd->owner, 1);
	assert_int_equal(rd->units, 7);
	mps_sched_round_done(&s);
	rd = mps_sched_round(&s);
	assert_true(rd->counted);
	assert_int_equal(rd->own_target, 9);
	mps_sched_round_done(&s);
	rd = mps_sched_round(&s);
	assert_false(rd->counted); /* not fed yet: not printable */
	assert_int_equal(mps_sched_own_fed(&s, 3), 0);
	assert_true(rd->counted);
	assert_int_equal(rd->own_target, 12);
	assert_int_equal(s.own_given, 12);
	mps_sched_round_done(&s);
	mps_sched_release(&s);
}

/* Rank 0 asks for tree items even when it has been given more bytes than
 * the others (its feeder's backlog bounds it), and for files only while it
 * is fair. */
static void test_own_asks(void **state)
{
	(void)state;
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, 3), 0);
	s.low = 100;
	assert_int_equal(mps_sched_add_round(&s, 0, 10, 1000), 0);
	assert_int_equal(mps_sched_add_round(&s, 1, 10, 10), 0);
	assert_false(mps_sched_own_fair(&s));
	assert_false(mps_sched_own_asks(&s, false));
	assert_true(mps_sched_own_asks(&s, true));
	assert_int_equal(mps_sched_add_round(&s, 2, 10, 1000), 0);
	assert_true(mps_sched_own_asks(&s, false)); /* fair again */
	for (int i = 0; i < 3; i++)
		assert_int_equal(mps_sched_add_round(&s, 0, MPS_SCHED_UNCOUNTED, 1), 0);
	assert_false(mps_sched_own_asks(&s, true)); /* three rounds ahead */
	mps_sched_release(&s);
}

/* A simulated slow walk: tree items of skewed costs (ticks of listing),
 * all listed; near the end of the order one subtree holds more than all the
 * rest (a directory of 60 subdirectories of 10 ticks each).  Every rank,
 * rank 0 too, lists one item at a time and asks as the ranks do (requests
 * and rounds of ranks > 0 take LAG ticks each way, rank 0 asks without a
 * round trip); rank 0 serves one item per round and splits the next item
 * when the schedule says so (its directory listed: 1 tick, its
 * subdirectories items in its place).  Round 0 gives each rank one item.
 * Every rank lists items, and the walk ends close to the ideal. */
struct sim_item {
	uint64_t cost;     /* listing the whole subtree */
	int kids;          /* subdirectories, each kid_cost (their own subtrees) */
	uint64_t kid_cost;
};

static void walk_sim(int size, bool split, uint64_t *busy_out, int *end_out)
{
	enum { NITEMS = 400, LAG = 2, MAXQ = 8, MAXALL = 1000 };
	static struct sim_item it[MAXALL];
	size_t nit = NITEMS;
	uint64_t total = 0, seed = 12345;
	for (size_t i = 0; i < NITEMS; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		it[i] = (struct sim_item){.cost = 1 + (seed >> 33) % 12};
		if (i == NITEMS - 3)
			it[i] = (struct sim_item){.cost = 1 + 60 * 10, .kids = 60, .kid_cost = 10};
		total += it[i].cost;
	}
	struct mps_sched s;
	assert_int_equal(mps_sched_init(&s, size), 0);
	s.low = 1000;
	uint64_t q_cost[16][MAXQ], left[16] = {0}, busy[16] = {0};
	int nq[16] = {0}, arrive[16], asked[16] = {0}, ask_at[16], splits = 0;
	uint64_t flight[16];
	size_t next = 0; /* the next item to hand out */
	bool is_item[MAXALL];
	for (size_t i = 0; i < MAXALL; i++)
		is_item[i] = true;
	for (int q = 0; q < size; q++) {
		arrive[q] = -1;
		ask_at[q] = -1;
		assert_int_equal(mps_sched_add_round(&s, q, q ? 1 : MPS_SCHED_UNCOUNTED, 1), 0);
		q_cost[q][nq[q]++] = it[next++].cost; /* round 0 */
	}
	int tick = 0;
	for (;; tick++) {
		assert_true(tick < 100000);
		bool work = next < nit;
		for (int q = 0; q < size; q++) {
			/* rounds in flight land; the rank lists its front item */
			if (arrive[q] == tick) {
				q_cost[q][nq[q]++] = flight[q];
				arrive[q] = -1;
				asked[q] = 0;
			}
			if (nq[q] && !left[q])
				left[q] = q_cost[q][0];
			if (left[q]) {
				busy[q]++;
				if (--left[q] == 0) {
					memmove(q_cost[q], q_cost[q] + 1, --nq[q] * sizeof(uint64_t));
					if (q == 0)
						assert_int_equal(mps_sched_own_fed(&s, 1), 0);
				}
			}
			work = work || nq[q] || arrive[q] >= 0;
			if (q == 0) {
				s.own_pulled = s.own_given; /* results taken out as they come */
				if (mps_sched_own_asks(&s, next < nit))
					mps_sched_want(&s, 0, 1);
			} else if (mps_sched_should_ask(&s, asked[q], (size_t)nq[q], 0)) {
				asked[q] = 1;
				ask_at[q] = tick + LAG;
			}
			if (ask_at[q] == tick) {
				mps_sched_want(&s, q, 1);
				ask_at[q] = -1;
			}
		}
		if (!work)
			break;
		int asking = mps_sched_asking(&s);
		for (int i = 0; i < size && asking > 0 && next < nit; i++) {
			int q = mps_sched_next_asker(&s);
			if (split && it[next].kids && mps_sched_should_split(&s, true, nit - next, 0)) {
				/* rank 0 lists the directory; its kids take its place */
				struct sim_item x = it[next];
				memmove(it + next + x.kids, it + next + 1, (nit - next - 1) * sizeof(*it));
				for (int k = 0; k < x.kids; k++)
					it[next + (size_t)k] = (struct sim_item){.cost = x.kid_cost};
				nit += (size_t)x.kids - 1;
				busy[0]++;
				splits++;
			}
			size_t take = mps_sched_share(&s, nit - next, asking, true);
			take = mps_sched_item_prefix(is_item + next, take, 1);
			assert_int_equal(take, 1); /* one tree item per round */
			asking--;
			mps_sched_served(&s, q);
			assert_int_equal(mps_sched_add_round(&s, q, q ? 1 : MPS_SCHED_UNCOUNTED, 1), 0);
			uint64_t c = it[next++].cost;
			if (q == 0) {
				assert_true(nq[0] < MAXQ);
				q_cost[0][nq[0]++] = c;
			} else {
				assert_int_equal(arrive[q], -1);
				arrive[q] = tick + LAG;
				flight[q] = c;
			}
		}
		while (mps_sched_round(&s) && mps_sched_round(&s)->counted)
			mps_sched_round_done(&s); /* printed */
	}
	assert_int_equal(s.nuncounted, 0);
	while (mps_sched_round(&s) && mps_sched_round(&s)->counted)
		mps_sched_round_done(&s);
	assert_int_equal(mps_sched_rounds_left(&s), 0); /* every round was counted */
	assert_true(split && size > 1 ? splits > 0 : splits == 0);
	for (int q = 0; q < size; q++)
		busy_out[q] = busy[q];
	*end_out = tick;
	mps_sched_release(&s);
	(void)total;
}

static void test_walk_items_shared(void **state)
{
	(void)state;
	uint64_t busy[4], total = 0;
	int end1, end2, end4, end4_whole;
	walk_sim(1, true, busy, &end1);
	total = busy[0];
	walk_sim(2, true, busy, &end2);
	assert_true(busy[0] > 0 && busy[1] > 0);
	walk_sim(4, true, busy, &end4);
	for (int q = 0; q < 4; q++)
		assert_true(busy[q] * 8 > (uint64_t)end4); /* every rank lists, rank 0 too */
	/* near the ideal: a quarter of the work, plus an item and round trips */
	assert_true((uint64_t)end4 <= total / 4 + 2 * 12 + 4 * 2 + 10);
	assert_true(end2 * 10 < end1 * 6);
	/* without the split, the big subtree near the end is listed by one
	 * rank while the others have nothing left */
	walk_sim(4, false, busy, &end4_whole);
	assert_true((uint64_t)end4_whole > total / 4 + 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_in_order),
		cmocka_unit_test(test_requests_round_robin),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_pre_take_fair_share),
		cmocka_unit_test(test_partition_counts_rank0),
		cmocka_unit_test(test_round_ends),
		cmocka_unit_test(test_no_starvation),
		cmocka_unit_test(test_rank0_no_hog),
		cmocka_unit_test(test_item_prefix),
		cmocka_unit_test(test_should_ask),
		cmocka_unit_test(test_should_split),
		cmocka_unit_test(test_uncounted_rounds),
		cmocka_unit_test(test_own_asks),
		cmocka_unit_test(test_walk_items_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
