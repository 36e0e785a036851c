/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the planner (src/plan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpsearch/plan.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void test_nparts(void **state)
{
	(void)state;
	assert_int_equal(mps_plan_nparts(0, 10), 1);
	assert_int_equal(mps_plan_nparts(1, 10), 1);
	assert_int_equal(mps_plan_nparts(10, 10), 1);
	assert_int_equal(mps_plan_nparts(11, 10), 2);
	assert_int_equal(mps_plan_nparts(20, 10), 2);
	assert_int_equal(mps_plan_nparts(21, 10), 3);
	assert_int_equal(mps_plan_nparts(UINT64_MAX, UINT64_MAX), 1);
	assert_int_equal(mps_plan_nparts(UINT64_MAX, 1ull << 40), 1u << 24);
	assert_int_equal(mps_plan_nparts(UINT64_MAX, 1), UINT32_MAX); /* clamped */
	assert_int_equal(mps_plan_nparts(5, 0), 1);                  /* defensive */
	assert_int_equal(mps_plan_nparts(64ull << 20, 64ull << 20), 1);
	assert_int_equal(mps_plan_nparts((64ull << 20) + 1, 64ull << 20), 2);
}

/* The parts of a file cover [0, size) exactly, in order, without gaps or
 * overlaps; the last one ends at UINT64_MAX; sizes differ by at most 1. */
static void check_parts(uint64_t size, uint64_t chunk)
{
	uint32_t n = mps_plan_nparts(size, chunk);
	assert_true(n >= 1);
	uint64_t expect_begin = 0, minlen = UINT64_MAX, maxlen = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t b, e;
		mps_plan_part(size, i, n, &b, &e);
		assert_int_equal(b, expect_begin);
		if (i + 1 == n) {
			assert_true(e == UINT64_MAX);
			e = size;
		}
		assert_true(b <= e);
		assert_true(e - b <= chunk || chunk == 0);
		if (e - b < minlen)
			minlen = e - b;
		if (e - b > maxlen)
			maxlen = e - b;
		expect_begin = e;
	}
	assert_int_equal(expect_begin, size);
	assert_true(maxlen - minlen <= 1);
	if (size > 0)
		assert_true(minlen > 0);
}

static void test_parts_cover(void **state)
{
	(void)state;
	for (uint64_t size = 0; size < 300; size++)
		for (uint64_t chunk = 1; chunk < 40; chunk++)
			check_parts(size, chunk);
	for (int k = 0; k < 2000; k++) {
		uint64_t size = rnd() >> (rnd() % 64);
		uint64_t chunk = (rnd() >> (rnd() % 64)) | 1;
		if (mps_plan_nparts(size, chunk) > 100000)
			continue;
		check_parts(size, chunk);
	}
	/* big sizes where size * i overflows 64 bits */
	check_parts(UINT64_MAX - 3, UINT64_MAX / 1000 + 1);
	check_parts(UINT64_MAX, 1ull << 50);
	uint64_t b, e;
	mps_plan_part(0, 0, 1, &b, &e);
	assert_int_equal(b, 0);
	assert_true(e == UINT64_MAX);
	mps_plan_part(100, 3, 2, &b, &e); /* no such part */
	assert_true(b == UINT64_MAX && e == UINT64_MAX);
	mps_plan_part(100, 1, 4, &b, &e);
	assert_int_equal(b, 25);
	assert_int_equal(e, 50);
}

/* first[] is a partition of [0, n) into nranks contiguous ranges. */
static void check_partition(const uint64_t *cost, size_t n, int nranks, size_t *first)
{
	memset(first, 0xa5, (size_t)(nranks + 1) * sizeof(*first));
	mps_plan_partition(cost, n, nranks, first);
	assert_int_equal(first[0], 0);
	assert_int_equal(first[nranks], n);
	for (int r = 0; r < nranks; r++)
		assert_true(first[r] <= first[r + 1]);
}

static uint64_t range_cost(const uint64_t *cost, size_t a, size_t b)
{
	uint64_t s = 0;
	for (size_t i = a; i < b; i++)
		s += cost[i];
	return s;
}

static void test_partition_equal(void **state)
{
	(void)state;
	uint64_t cost[100];
	size_t first[17];
	for (size_t i = 0; i < 100; i++)
		cost[i] = 7;
	for (int nr = 1; nr <= 16; nr++) {
		check_partition(cost, 100, nr, first);
		for (int r = 0; r < nr; r++) {
			size_t len = first[r + 1] - first[r];
			assert_true(len == 100 / (size_t)nr || len == 100 / (size_t)nr + 1);
		}
	}
	check_partition(cost, 100, 4, first);
	assert_int_equal(first[1], 25);
	assert_int_equal(first[2], 50);
	assert_int_equal(first[3], 75);
}

static void test_partition_skewed(void **state)
{
	(void)state;
	size_t first[9];
	/* one huge unit: it gets a rank of its own, the rest share */
	uint64_t a[] = {1, 1, 1, 1000, 1, 1, 1, 1};
	check_partition(a, 8, 2, first);
	assert_true(range_cost(a, first[0], first[1]) <= 1003);
	assert_true(range_cost(a, first[1], first[2]) <= 1004);
	/* a big unit at the end is not lumped with everything before it */
	uint64_t b[] = {1, 1, 1, 1, 100};
	check_partition(b, 5, 2, first);
	assert_int_equal(first[1], 4);
	uint64_t c[] = {100, 1, 1, 1, 1};
	check_partition(c, 5, 2, first);
	assert_int_equal(first[1], 1);

	/* random costs: the heaviest rank carries at most the ideal share plus
	 * the largest unit (each boundary is within half a unit of its target) */
	uint64_t cost[500];
	size_t fr[65];
	for (int k = 0; k < 300; k++) {
		size_t n = (size_t)(rnd() % 500);
		int nr = 1 + (int)(rnd() % 64);
		uint64_t total = 0, big = 0;
		for (size_t i = 0; i < n; i++) {
			cost[i] = (rnd() % 8 == 0) ? rnd() % (1u << 30) : rnd() % 1000;
			total += cost[i];
			if (cost[i] > big)
				big = cost[i];
		}
		check_partition(cost, n, nr, fr);
		for (int r = 0; r < nr; r++)
			assert_true(range_cost(cost, fr[r], fr[r + 1]) <= total / (uint64_t)nr + big + 1);
	}
}

static void test_partition_edges(void **state)
{
	(void)state;
	size_t first[9];
	uint64_t cost[] = {5, 5, 5};
	/* more ranks than units: some ranges are empty, all units covered */
	check_partition(cost, 3, 8, first);
	int nonempty = 0;
	for (int r = 0; r < 8; r++)
		nonempty += first[r + 1] > first[r];
	assert_int_equal(nonempty, 3);
	/* zero units */
	check_partition(NULL, 0, 4, first);
	for (int r = 0; r <= 4; r++)
		assert_int_equal(first[r], 0);
	/* one rank */
	check_partition(cost, 3, 1, first);
	assert_int_equal(first[1], 3);
	/* zero costs */
	uint64_t z[] = {0, 0, 0, 0};
	check_partition(z, 4, 3, first);
	/* costs that would overflow a 64-bit sum */
	uint64_t huge[] = {UINT64_MAX / 2, UINT64_MAX / 2, UINT64_MAX / 2, 1};
	check_partition(huge, 4, 3, first);
	/* the planner's unit costs */
	struct mps_unit u = {.begin = 0, .end = UINT64_MAX};
	assert_int_equal(mps_plan_cost(&u, 1000), 1000 + MPS_PLAN_UNIT_COST);
	u.begin = 400;
	u.end = 700;
	assert_int_equal(mps_plan_cost(&u, 1000), 300 + MPS_PLAN_UNIT_COST);
	assert_int_equal(mps_plan_cost(&u, 500), 100 + MPS_PLAN_UNIT_COST); /* clipped */
	assert_int_equal(mps_plan_cost(&u, 100), MPS_PLAN_UNIT_COST);       /* past end */
}

static void test_unit_release(void **state)
{
	(void)state;
	struct mps_unit u = {.id = 3, .path = strdup("a/b"), .pathlen = 3, .nparts = 1};
	mps_unit_release(&u);
	assert_null(u.path);
	assert_int_equal(u.pathlen, 0);
	assert_int_equal(u.id, 0);
	mps_unit_release(&u); /* twice is fine */
	mps_unit_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nparts),
		cmocka_unit_test(test_parts_cover),
		cmocka_unit_test(test_partition_equal),
		cmocka_unit_test(test_partition_skewed),
		cmocka_unit_test(test_partition_edges),
		cmocka_unit_test(test_unit_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
