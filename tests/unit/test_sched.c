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
#include <stdlib.h>

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
