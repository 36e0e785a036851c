/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool's wire formats (pool_wire.h): tasks, frames and their payloads,
 * zygote messages over a socket with a descriptor, late patterns; each
 * round trip exact, each malformed input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "pool_wire.h"

static void test_tasks(void **state)
{
	(void)state;
	struct mps_buf b = {0};
	struct mps_unit u[3] = {
		{.id = 0, .file = 0, .begin = 0, .end = UINT64_MAX, .part = 0, .nparts = 1,
		 .flags = MPS_UNIT_REGULAR | MPS_UNIT_WALKED, .root = 2, .path = "d/a", .pathlen = 3},
		{.id = 1ull << 40, .file = 7, .begin = 65536, .end = 131072, .part = 1, .nparts = 3,
		 .flags = MPS_UNIT_ID | MPS_UNIT_ID_DEV, .path = "big", .pathlen = 3,
		 .fid = {.dev = 5, .ino = UINT64_MAX, .size = 1u << 30, .mtime_sec = -1,
			 .mtime_nsec = 999999999}},
		{.id = 2, .flags = MPS_UNIT_STDIN, .end = UINT64_MAX, .nparts = 1, .path = "", .pathlen = 0},
	};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(mps_task_put(&b, &u[i]), 0);
	struct mps_task t[MPS_TASK_BATCH_MAX];
	size_t n;
	assert_int_equal(mps_task_batch(b.data, b.len, t, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(t[i].id == u[i].id && t[i].file == u[i].file);
		assert_true(t[i].begin == u[i].begin && t[i].end == u[i].end);
		assert_int_equal(t[i].part, u[i].part);
		assert_int_equal(t[i].nparts, u[i].nparts);
		assert_int_equal(t[i].flags, u[i].flags);
		assert_int_equal(t[i].root, u[i].root);
		assert_int_equal(t[i].pathlen, u[i].pathlen);
		assert_memory_equal(t[i].path, u[i].path, u[i].pathlen);
	}
	assert_memory_equal(&t[1].fid, &u[1].fid, sizeof(u[1].fid));
	/* cut short anywhere: refused */
	for (size_t k = 1; k < b.len; k++) {
		size_t m;
		int rc = mps_task_batch(b.data, k, t, &m);
		if (rc == 0) /* a cut on a record's end is a shorter batch */
			assert_true(m < 3);
		else
			assert_int_equal(rc, MPS_ECORRUPT);
	}
	assert_int_equal(mps_task_batch(b.data, 0, t, &n), MPS_ECORRUPT);
	/* a batch never passes the message size */
	char *path = malloc(MPS_TASK_PATH_MAX);
	memset(path, 'p', MPS_TASK_PATH_MAX);
	struct mps_unit big = {.end = UINT64_MAX, .nparts = 1, .path = path, .pathlen = MPS_TASK_PATH_MAX};
	assert_int_equal(mps_task_put(&b, &big), 0);
	size_t before = b.len;
	assert_int_equal(mps_task_put(&b, &big), -EMSGSIZE);
	assert_int_equal(b.len, before); /* unchanged by the refusal */
	assert_true(b.len <= MPS_TASK_MSG_MAX);
	free(path);
	mps_buf_release(&b);
}

static void test_frames(void **state)
{
	(void)state;
	struct mps_buf b = {0}, p = {0};
	struct mps_task t[2] = {{.id = 3, .part = 0}, {.id = 1ull << 33, .part = 9}};
	assert_int_equal(mps_begin_put(&p, t, 2), 0);
	assert_int_equal(mps_frame_put(&b, MPS_FRAME_BEGIN, 3, 0, p.data, p.len), 0);
	assert_int_equal(mps_frame_put(&b, MPS_FRAME_DATA, 1ull << 33, 9, "records", 7), 0);
	struct mps_file_id id = {.dev = 1, .ino = 2, .size = 3, .mtime_sec = -4, .mtime_nsec = 5};
	p.len = 0;
	assert_int_equal(mps_fid_put(&p, &id), 0);
	assert_int_equal(mps_frame_put(&b, MPS_FRAME_ID, 4, 0, p.data, p.len), 0);
	struct mps_worker_stats st = {.pid = 1234, .core = -1, .units = 5, .bytes = 1ull << 50,
				      .selected = 7, .busy = 0.125};
	p.len = 0;
	assert_int_equal(mps_stats_put(&p, &st), 0);
	assert_int_equal(mps_frame_put(&b, MPS_FRAME_STATS, 0, 0, p.data, p.len), 0);

	size_t pos = 0;
	struct mps_frame f;
	assert_int_equal(mps_frame_next(b.data, b.len, &pos, &f), 1);
	assert_int_equal(f.type, MPS_FRAME_BEGIN);
	uint64_t ids[4];
	uint32_t parts[4];
	size_t n;
	assert_int_equal(mps_begin_get(&f, ids, parts, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_true(ids[1] == 1ull << 33 && parts[1] == 9);
	assert_int_equal(mps_begin_get(&f, ids, parts, 1, &n), MPS_ECORRUPT); /* more than max */
	assert_int_equal(mps_frame_next(b.data, b.len, &pos, &f), 1);
	assert_true(f.type == MPS_FRAME_DATA && f.id == 1ull << 33 && f.part == 9 && f.len == 7);
	assert_memory_equal(f.payload, "records", 7);
	assert_int_equal(mps_frame_next(b.data, b.len, &pos, &f), 1);
	struct mps_file_id id2;
	assert_int_equal(mps_fid_get(&f, &id2), 0);
	assert_memory_equal(&id, &id2, sizeof(id));
	assert_int_equal(mps_frame_next(b.data, b.len, &pos, &f), 1);
	struct mps_worker_stats st2;
	assert_int_equal(mps_stats_get(&f, &st2), 0);
	assert_true(st2.pid == st.pid && st2.core == -1 && st2.bytes == st.bytes && st2.busy == st.busy);
	assert_int_equal(mps_frame_next(b.data, b.len, &pos, &f), 0);
	assert_int_equal(pos, b.len);
	/* a frame cut short is "not yet", whatever the cut */
	for (size_t k = 0; k < b.len; k++) {
		size_t q = 0;
		int rc;
		while ((rc = mps_frame_next(b.data, k, &q, &f)) == 1) {
		}
		assert_int_equal(rc, 0);
	}
	/* an unknown type, a head that cannot be one */
	unsigned char bad[] = {9, 0, 0, 0};
	pos = 0;
	assert_int_equal(mps_frame_next(bad, sizeof(bad), &pos, &f), MPS_ECORRUPT);
	unsigned char wide[4 * MPS_VARINT_MAX];
	memset(wide, 0xff, sizeof(wide));
	pos = 0;
	assert_int_equal(mps_frame_next(wide, sizeof(wide), &pos, &f), MPS_ECORRUPT);
	mps_buf_release(&b);
	mps_buf_release(&p);
}

static void test_zmsg(void **state)
{
	(void)state;
	int sv[2], pv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(pipe(pv), 0);
	struct mps_zmsg m = {.op = MPS_Z_SPAWNED, .idx = 699, .core = -1, .status = -EAGAIN, .pid = 0};
	assert_int_equal(mps_zmsg_send(sv[0], &m, -1), 0);
	struct mps_zmsg r;
	int fd;
	assert_int_equal(mps_zmsg_recv(sv[1], &r, &fd), 1);
	assert_int_equal(fd, -1);
	assert_true(r.op == m.op && r.idx == 699 && r.core == -1 && r.status == -EAGAIN);
	m = (struct mps_zmsg){.op = MPS_Z_DIED, .idx = -1, .pid = 4242, .status = 9};
	assert_int_equal(mps_zmsg_send(sv[0], &m, pv[1]), 0);
	assert_int_equal(mps_zmsg_recv(sv[1], &r, &fd), 1);
	assert_true(r.op == MPS_Z_DIED && r.pid == 4242 && r.status == 9 && fd >= 0);
	/* the descriptor is the pipe's write end */
	assert_int_equal(write(fd, "x", 1), 1);
	char c;
	assert_int_equal(read(pv[0], &c, 1), 1);
	close(fd);
	/* garbage is refused, the end is 0 */
	assert_int_equal(send(sv[0], "\x7f\x01", 2, 0), 2);
	assert_int_equal(mps_zmsg_recv(sv[1], &r, &fd), MPS_ECORRUPT);
	close(sv[0]);
	assert_int_equal(mps_zmsg_recv(sv[1], &r, &fd), 0);
	close(sv[1]);
	close(pv[0]);
	close(pv[1]);
}

static void test_patterns(void **state)
{
	(void)state;
	char *pats[] = {"foo", "", "a\nb"};
	struct mps_match_opts mo = {.patterns = pats, .npatterns = 3, .syntax = MPS_FIXED,
				    .ignore_case = true, .line = true, .utf8 = true, .null_data = true};
	struct mps_buf b = {0};
	assert_int_equal(mps_match_opts_put(&b, &mo), 0);
	struct mps_match_opts got;
	assert_int_equal(mps_match_opts_get(b.data, b.len, &got), 0);
	assert_int_equal(got.npatterns, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(got.patterns[i], pats[i]);
		free(got.patterns[i]);
	}
	free((void *)got.patterns);
	assert_true(got.syntax == MPS_FIXED && got.ignore_case && !got.word && got.line && got.utf8 &&
		    got.null_data);
	for (size_t k = 0; k < b.len; k++)
		assert_int_equal(mps_match_opts_get(b.data, k, &got), MPS_ECORRUPT);
	mps_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_zmsg),
		cmocka_unit_test(test_patterns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
