/* SPDX-License-Identifier: BSD-3-Clause */
/* Reorder window: items leave in seq order whatever order they arrive
 * in, across ring growth and wrap-around; duplicates and late items are
 * refused; a skipped number lets the window move on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "reorder.h"

static void test_in_order_after_shuffle(void **state)
{
	(void)state;
	enum { N = 1000 };
	static uint64_t vals[N];
	uint64_t order[N];
	for (uint64_t i = 0; i < N; i++) {
		vals[i] = i;
		order[i] = i;
	}
	srand(7);
	for (size_t i = N - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1);
		uint64_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	struct mps_reorder r;
	mps_reorder_init(&r, 0);
	uint64_t out = 0;
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(mps_reorder_put(&r, order[i], &vals[order[i]]), 0);
		uint64_t *v;
		while ((v = mps_reorder_take(&r)))
			assert_int_equal(*v, out++);
	}
	assert_int_equal(out, N);
	assert_int_equal(r.held, 0);
	assert_null(mps_reorder_peek(&r));
	mps_reorder_release(&r);
}

/* A small ring that wraps many times, then grows while items are held
 * on both sides of the wrap. */
static void test_wrap_then_grow(void **state)
{
	(void)state;
	static int v[200];
	struct mps_reorder r;
	mps_reorder_init(&r, 5);
	for (uint64_t s = 5; s < 100; s++) {
		assert_int_equal(mps_reorder_put(&r, s, &v[s]), 0);
		assert_ptr_equal(mps_reorder_take(&r), &v[s]);
	}
	assert_int_equal(r.cap, 16);
	/* next = 100: hold 101..110 (wrapping the 16-ring), then 150 */
	for (uint64_t s = 101; s <= 110; s++)
		assert_int_equal(mps_reorder_put(&r, s, &v[s]), 0);
	assert_int_equal(mps_reorder_put(&r, 150, &v[150]), 0);
	assert_true(r.cap >= 64);
	assert_null(mps_reorder_take(&r));
	assert_int_equal(mps_reorder_put(&r, 100, &v[100]), 0);
	for (uint64_t s = 100; s <= 110; s++)
		assert_ptr_equal(mps_reorder_take(&r), &v[s]);
	for (uint64_t s = 111; s < 150; s++)
		assert_null(mps_reorder_skip(&r));
	assert_ptr_equal(mps_reorder_take(&r), &v[150]);
	assert_int_equal(r.held, 0);
	mps_reorder_release(&r);
}

static void test_refusals(void **state)
{
	(void)state;
	int a, b;
	struct mps_reorder r;
	mps_reorder_init(&r, 10);
	assert_int_equal(mps_reorder_put(&r, 9, &a), -EINVAL);  /* already left */
	assert_int_equal(mps_reorder_put(&r, 12, NULL), -EINVAL);
	assert_int_equal(mps_reorder_put(&r, 12, &a), 0);
	assert_int_equal(mps_reorder_put(&r, 12, &b), -EINVAL); /* held */
	assert_null(mps_reorder_take(&r));
	assert_int_equal(r.next, 10); /* a take of a missing item changes nothing */
	assert_null(mps_reorder_skip(&r));
	assert_null(mps_reorder_skip(&r));
	assert_ptr_equal(mps_reorder_take(&r), &a);
	assert_int_equal(r.next, 13);
	mps_reorder_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_after_shuffle),
		cmocka_unit_test(test_wrap_then_grow),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
