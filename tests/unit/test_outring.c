/* SPDX-License-Identifier: BSD-3-Clause */
/* Output ring: what a worker writes through its double mapping is what
 * the pool copies and writes, also across the ring's end; room comes back
 * only when every text before it in the ring is released, whatever order
 * they are released in; a worker short of room waits, then gives up; a
 * posted line number base reaches the place of the batch it was posted
 * to, and no other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "outring.h"
#include "util.h"

#define SIZE 8192u

struct pair {
	struct mps_oring *r;
	struct mps_oring_view v;
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	if (!p || mps_oring_new(&p->r, SIZE) || mps_oring_map(&p->v, mps_oring_fd(p->r)))
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;
	mps_oring_unmap(&p->v);
	mps_oring_free(p->r);
	free(p);
	return 0;
}

/* The worker writes n bytes of c at its head and publishes them. */
static uint64_t put(struct pair *p, char c, size_t n, uint64_t *seg)
{
	assert_true(mps_oring_room(&p->v) >= n);
	memset(mps_oring_at(&p->v), c, n);
	uint64_t off = p->v.head;
	p->v.head += n;
	assert_int_equal(mps_oring_publish(p->r, off, n, seg), 0);
	return off;
}

static void test_wrap_is_contiguous(void **state)
{
	struct pair *p = *state;
	uint64_t s1, s2;
	put(p, 'a', SIZE - 100, &s1);
	mps_oring_release(p->r, s1);
	assert_int_equal(mps_oring_room(&p->v), SIZE);
	/* 300 bytes from 100 before the end: one run in the worker's view */
	unsigned char *at = mps_oring_at(&p->v);
	for (int i = 0; i < 300; i++)
		at[i] = (unsigned char)i;
	uint64_t off = p->v.head;
	p->v.head += 300;
	assert_int_equal(mps_oring_publish(p->r, off, 300, &s2), 0);
	unsigned char got[300];
	assert_int_equal(mps_oring_copy(p->r, got, off, 300), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(got[i], (unsigned char)i);
	/* and through a pipe, as the pool writes it */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(mps_oring_write(p->r, fds[1], off, 300), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(mps_read_full(fds[0], got, 300, -1), 300);
	for (int i = 0; i < 300; i++)
		assert_int_equal(got[i], (unsigned char)i);
	close(fds[0]);
	close(fds[1]);
}

static void test_room_comes_back_in_ring_order(void **state)
{
	struct pair *p = *state;
	uint64_t s[3];
	put(p, 'a', 1000, &s[0]);
	put(p, 'b', 2000, &s[1]);
	put(p, 'c', 3000, &s[2]);
	assert_int_equal(mps_oring_room(&p->v), SIZE - 6000);
	mps_oring_release(p->r, s[1]); /* printed before the one before it */
	assert_int_equal(mps_oring_room(&p->v), SIZE - 6000);
	mps_oring_release(p->r, s[0]);
	assert_int_equal(mps_oring_room(&p->v), SIZE - 3000);
	mps_oring_release(p->r, s[2]);
	assert_int_equal(mps_oring_room(&p->v), SIZE);
	/* released twice, or never published: nothing moves */
	mps_oring_release(p->r, s[2]);
	mps_oring_release(p->r, 99);
	assert_int_equal(mps_oring_room(&p->v), SIZE);
}

static void test_publish_checks(void **state)
{
	struct pair *p = *state;
	uint64_t s;
	put(p, 'a', 100, &s);
	/* before what was published, or more than the ring holds */
	assert_int_equal(mps_oring_publish(p->r, 50, 10, &s), MPS_ECORRUPT);
	assert_int_equal(mps_oring_publish(p->r, 100, SIZE, &s), MPS_ECORRUPT);
}

static void test_wait_gives_up(void **state)
{
	struct pair *p = *state;
	uint64_t s;
	put(p, 'a', SIZE, &s);
	double t0 = mps_now();
	assert_int_equal(mps_oring_wait(&p->v, 0, 0.05), 0);
	double took = mps_now() - t0;
	assert_true(took >= 0.05 && took < 2);
	mps_oring_release(p->r, s);
	assert_int_equal(mps_oring_wait(&p->v, 0, 0.05), SIZE);
}

static void test_post_reaches_its_place(void **state)
{
	struct pair *p = *state;
	uint64_t base = 0;
	mps_oring_post(p->r, 3, 17, 2, 1234);
	assert_true(mps_oring_wait_post(&p->v, 3, 17, 2, 0.5, &base));
	assert_int_equal(base, 1234);
	/* another unit, part or place does not see it */
	assert_false(mps_oring_wait_post(&p->v, 3, 17, 1, 0.02, &base));
	assert_false(mps_oring_wait_post(&p->v, 4, 17, 2, 0.02, &base));
	/* a later post to the place replaces it; "none will come" says no */
	mps_oring_post(p->r, 3, 18, 0, UINT64_MAX);
	assert_false(mps_oring_wait_post(&p->v, 3, 18, 0, 0.5, &base));
	/* places beyond the batch are refused */
	mps_oring_post(p->r, MPS_ORING_POSTS, 1, 0, 5);
	assert_false(mps_oring_wait_post(&p->v, MPS_ORING_POSTS, 1, 0, 0.01, &base));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrap_is_contiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_comes_back_in_ring_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_reaches_its_place, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
