/* SPDX-License-Identifier: BSD-3-Clause */
/* Pool: core choice on synthetic hwloc topologies; on this machine, results
 * in unit order whatever order workers finish in, workers really bound to
 * distinct cores, a killed worker's units redone (or reported), files found
 * big by a worker cut into parts whose merged output equals grep's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "mpsearch/matcher.h"
#include "mpsearch/plan.h"
#include "mpsearch/pool.h"
#include "mpsearch/print.h"
#include "mpsearch/sink.h"
#include "cores.h"
#include "pool_helpers.h"

/* ---- (a) mps_cores_pick on synthetic topologies ---- */

static hwloc_topology_t synth(const char *desc)
{
	hwloc_topology_t t;
	assert_int_equal(hwloc_topology_init(&t), 0);
	assert_int_equal(hwloc_topology_set_synthetic(t, desc), 0);
	assert_int_equal(hwloc_topology_load(t), 0);
	return t;
}

/* Logical index of the core holding PU os index pu (-1 if none). */
static int core_of(hwloc_topology_t t, int pu)
{
	hwloc_obj_t o = hwloc_get_pu_obj_by_os_index(t, (unsigned)pu);
	assert_non_null(o);
	hwloc_obj_t c = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, o);
	return c ? (int)c->logical_index : -1;
}

static hwloc_bitmap_t set_of(const char *list)
{
	hwloc_bitmap_t s = hwloc_bitmap_alloc();
	assert_int_equal(hwloc_bitmap_list_sscanf(s, list), 0);
	return s;
}

static int pick(hwloc_topology_t t, hwloc_const_bitmap_t set, int lr, int ls, int n, int *cores)
{
	for (int i = 0; i < n; i++)
		cores[i] = -7;
	return mps_cores_pick(t, set, lr, ls, n, cores);
}

static void test_pick_whole_machine(void **state)
{
	(void)state;
	hwloc_topology_t t = synth("pack:2 core:4 pu:2");
	hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(t);
	assert_int_equal(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE), 8);
	int cores[64];
	/* one per core: distinct cores, PUs inside the set */
	for (int n = 1; n <= 8; n++) {
		assert_int_equal(pick(t, all, 0, 1, n, cores), n);
		for (int i = 0; i < n; i++) {
			assert_true(hwloc_bitmap_isset(all, (unsigned)cores[i]));
			for (int j = 0; j < i; j++)
				assert_int_not_equal(core_of(t, cores[i]), core_of(t, cores[j]));
		}
	}
	/* the first PU of each core, in order */
	assert_int_equal(pick(t, all, 0, 1, 8, cores), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cores[i], 2 * i);
	/* more workers than cores: round robin */
	assert_int_equal(pick(t, all, 0, 1, 20, cores), 20);
	for (int i = 8; i < 20; i++)
		assert_int_equal(cores[i], cores[i - 8]);
	/* nothing asked */
	cores[0] = -7;
	assert_int_equal(pick(t, all, 0, 1, 0, cores), 0);
	assert_int_equal(cores[0], -7);
	hwloc_topology_destroy(t);
}

static void test_pick_local_ranks(void **state)
{
	(void)state;
	hwloc_topology_t t = synth("pack:2 core:4 pu:2");
	hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(t);
	for (int ls = 2; ls <= 8; ls++) {
		int owner[8];
		for (int i = 0; i < 8; i++)
			owner[i] = -1;
		for (int lr = 0; lr < ls; lr++) {
			int cores[32];
			int n = 12; /* more than the slice: wraps inside it */
			assert_int_equal(pick(t, all, lr, ls, n, cores), n);
			for (int i = 0; i < n; i++) {
				int c = core_of(t, cores[i]);
				assert_true(c >= 0 && c < 8);
				/* no core is shared between two ranks */
				if (owner[c] != -1 && owner[c] != lr)
					fail_msg("ls %d: core %d given to ranks %d and %d", ls, c, owner[c], lr);
				owner[c] = lr;
			}
			/* the slice's cores come before any repeat */
			int distinct = 0;
			for (int i = 0; i < n; i++) {
				bool seen = false;
				for (int j = 0; j < i; j++)
					seen |= cores[j] == cores[i];
				if (!seen)
					assert_int_equal(distinct++, i);
			}
			assert_true(distinct >= 8 / ls);
			assert_true(distinct <= (8 + ls - 1) / ls);
		}
		/* the slices cover the machine */
		for (int i = 0; i < 8; i++)
			assert_int_not_equal(owner[i], -1);
	}
	/* two ranks: the halves */
	int a[4], b[4];
	assert_int_equal(pick(t, all, 0, 2, 4, a), 4);
	assert_int_equal(pick(t, all, 1, 2, 4, b), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(a[i], 2 * i);
		assert_int_equal(b[i], 8 + 2 * i);
	}
	hwloc_topology_destroy(t);
}

static void test_pick_restricted(void **state)
{
	(void)state;
	hwloc_topology_t t = synth("pack:2 core:4 pu:2");
	int cores[16];
	/* bound to two cores (2 and 5): those, whatever the local rank */
	hwloc_bitmap_t s = set_of("4-5,10-11");
	for (int ls = 1; ls <= 2; ls++) {
		for (int lr = 0; lr < ls; lr++) {
			assert_int_equal(pick(t, s, lr, ls, 2, cores), 2);
			assert_int_equal(cores[0], 4);
			assert_int_equal(cores[1], 10);
		}
	}
	/* wrap-around on the two cores */
	assert_int_equal(pick(t, s, 0, 1, 5, cores), 5);
	int want[] = {4, 10, 4, 10, 4};
	for (int i = 0; i < 5; i++)
		assert_int_equal(cores[i], want[i]);
	hwloc_bitmap_free(s);

	/* only the second PU of a core is allowed: that PU, not the first */
	s = set_of("5");
	assert_int_equal(pick(t, s, 0, 1, 3, cores), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cores[i], 5);
	hwloc_bitmap_free(s);
	s = set_of("1,3,15");
	assert_int_equal(pick(t, s, 0, 1, 3, cores), 3);
	assert_int_equal(cores[0], 1);
	assert_int_equal(cores[1], 3);
	assert_int_equal(cores[2], 15);
	hwloc_bitmap_free(s);

	/* a set that holds nothing of this machine */
	s = hwloc_bitmap_alloc();
	assert_int_equal(pick(t, s, 0, 1, 4, cores), 0);
	hwloc_bitmap_free(s);
	hwloc_topology_destroy(t);
}

static void test_pick_other_shapes(void **state)
{
	(void)state;
	int cores[16];
	/* no SMT */
	hwloc_topology_t t = synth("pack:1 core:4 pu:1");
	hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(t);
	assert_int_equal(pick(t, all, 0, 1, 4, cores), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(cores[i], i);
	hwloc_topology_destroy(t);

	/* NUMA nodes and caches between package and core */
	t = synth("pack:2 numa:2 l3:1 core:2 pu:2");
	all = hwloc_topology_get_topology_cpuset(t);
	assert_int_equal(hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE), 8);
	assert_int_equal(pick(t, all, 0, 1, 8, cores), 8);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < i; j++)
			assert_int_not_equal(core_of(t, cores[i]), core_of(t, cores[j]));
	hwloc_topology_destroy(t);

	/* more local ranks than cores: each rank still gets cores of its set */
	t = synth("pack:1 core:2 pu:1");
	all = hwloc_topology_get_topology_cpuset(t);
	for (int lr = 0; lr < 4; lr++) {
		assert_true(pick(t, all, lr, 4, 1, cores) == 1);
		assert_true(cores[0] == 0 || cores[0] == 1);
	}
	hwloc_topology_destroy(t);
}

/* ---- helpers for the real pool ---- */

/* Teardown of every pool test, also when it failed half-way: no test
 * switch, alarm or temporary directory is left for the next test. */
static int clean_env(void **state)
{
	(void)state;
	unsetenv("MPSEARCH_TEST_ABORT_UNIT");
	unsetenv("MPSEARCH_TEST_ABORT_ONCE");
	unsetenv("MPSEARCH_TEST_SLOW_MS");
	return 0;
}

static int teardown(void **state)
{
	clean_env(state);
	alarm(0);
	remove_tmpdir();
	return 0;
}

/* Deterministic text of about n bytes: lines of varied length, some with
 * "needle"; long lines now and then (longer than 64K when long_lines). */
static char *gen_text(unsigned seed, size_t n, bool long_lines, size_t *len)
{
	char *s = malloc(n + (200u << 10));
	size_t p = 0;
	unsigned x = seed * 2654435761u + 1;
	int line = 0;
	while (p < n) {
		x = x * 1103515245u + 12345u;
		size_t w = (x >> 16) % 120;
		if (long_lines && line % 97 == 50)
			w = 70000 + (x >> 8) % 30000;
		p += (size_t)sprintf(s + p, "l%d ", line);
		for (size_t i = 0; i < w; i++)
			s[p++] = (char)('a' + (i * 7 + x) % 26);
		x = x * 1103515245u + 12345u;
		if ((x >> 20) % 5 == 0)
			p += (size_t)sprintf(s + p, " needle%u", x % 100);
		if ((x >> 10) % 50 == 0)
			p += (size_t)sprintf(s + p, " needle needle");
		s[p++] = '\n';
		line++;
	}
	*len = p;
	return s;
}

static uint64_t count_lines_with(const char *s, size_t n, const char *w)
{
	uint64_t c = 0;
	size_t p = 0, wl = strlen(w);
	while (p < n) {
		const char *nl = memchr(s + p, '\n', n - p);
		size_t e = nl ? (size_t)(nl - s) : n;
		const char *q = memmem(s + p, e - p, w, wl);
		c += q != NULL;
		p = e + 1;
	}
	return c;
}

static struct mps_unit file_unit(uint64_t id, const char *path, uint64_t size, uint32_t flags)
{
	return (struct mps_unit){.id = id, .file = id, .begin = 0, .end = UINT64_MAX, .part = 0,
				 .nparts = 1, .flags = flags, .size = size, .path = (char *)path,
				 .pathlen = strlen(path)};
}

/* A result kept after mps_pool_next moved on. */
struct got {
	uint64_t id, file;
	uint32_t part, nparts;
	struct mps_unit_summary sum;
	unsigned char *block;
	size_t len;
	uint64_t records_selected;
};

static uint64_t block_selected(const unsigned char *b, size_t len)
{
	size_t pos = 0, cap = 0;
	struct mps_span *sp = NULL;
	struct mps_line l;
	uint64_t n = 0;
	int r;
	while ((r = mps_block_next(b, len, &pos, &l, &sp, &cap)) == 1)
		n += l.kind == MPS_LINE_SELECTED && l.owned;
	free(sp);
	assert_int_equal(r, 0);
	return n;
}

/* Collect every result; results must come in id order (parts in order). */
static size_t collect(struct mps_pool *p, struct got *g, size_t max)
{
	struct mps_result r;
	size_t n = 0;
	int rc;
	uint64_t want_id = 0;
	uint32_t want_part = 0;
	while ((rc = mps_pool_next(p, &r)) == 0) {
		assert_true(n < max);
		if (r.unit->id != want_id || r.unit->part != want_part)
			fail_msg("result %zu: unit %llu part %u, want unit %llu part %u", n,
				 (unsigned long long)r.unit->id, r.unit->part,
				 (unsigned long long)want_id, want_part);
		g[n] = (struct got){.id = r.unit->id, .file = r.unit->file, .part = r.unit->part,
				    .nparts = r.unit->nparts, .sum = r.summary, .len = r.len};
		g[n].block = malloc(r.len ? r.len : 1);
		if (r.len)
			memcpy(g[n].block, r.block, r.len);
		g[n].records_selected = block_selected(r.block, r.len);
		if (r.unit->part + 1 < r.unit->nparts) {
			want_part = r.unit->part + 1;
		} else {
			want_id++;
			want_part = 0;
		}
		n++;
	}
	if (rc != 1)
		fail_msg("mps_pool_next: %d (%s) after %zu results", rc, mps_strerror(rc), n);
	/* and it stays done */
	assert_int_equal(mps_pool_next(p, &r), 1);
	return n;
}

static void got_free(struct got *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].block);
}

static struct mps_pool_opts pool_opts(const struct mps_matcher *m, long workers, bool pin)
{
	return (struct mps_pool_opts){
		.workers = workers, .pin = pin, .local_rank = 0, .local_size = 1, .matcher = m,
		.search = {.max_count = -1, .emit_lines = true}, .chunk_size = 0,
	};
}

static int allowed_cpus(void)
{
	cpu_set_t cs;
	CPU_ZERO(&cs);
	if (sched_getaffinity(0, sizeof(cs), &cs))
		return 1;
	return CPU_COUNT(&cs);
}

/* Children of pid, from /proc. */
static int children_of(pid_t parent, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[k] = 0;
		char *rp = strrchr(buf, ')');
		char st;
		long ppid;
		if (!rp || sscanf(rp + 1, " %c %ld", &st, &ppid) != 2)
			continue;
		if (ppid == parent && st != 'Z' && n < max)
			out[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/* Cpus_allowed_list of pid ("" when it is gone). */
static void cpus_allowed(pid_t pid, char *out, size_t n)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	out[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Cpus_allowed_list:", 18)) {
			char *v = line + 18;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(out, n, "%s", v);
		}
	}
	fclose(f);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- (b) order, counts, binding ---- */

struct fifo_writer {
	const char *path;
	const char *data;
	size_t len;
	long delay_ms;
};

static void *fifo_thread(void *arg)
{
	struct fifo_writer *w = arg;
	sleep_ms(w->delay_ms);
	int fd = open(w->path, O_WRONLY);
	if (fd >= 0) {
		size_t off = 0;
		while (off < w->len) {
			ssize_t k = write(fd, w->data + off, w->len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		close(fd);
	}
	return NULL;
}

static void test_pool_order(void **state)
{
	(void)state;
	alarm(120);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	enum { N = 40 };
	char *paths[N];
	uint64_t want[N];
	/* unit 0 a big file, the rest tiny */
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%02d", i);
		paths[i] = tpath(name);
		size_t len;
		char *t = gen_text((unsigned)i, i == 0 ? 30u << 20 : 200 + 50 * (size_t)i, false, &len);
		write_file(paths[i], t, len);
		want[i] = count_lines_with(t, len, "needle");
		free(t);
	}
	for (int workers = 1; workers <= 3; workers++) {
		struct mps_pool_opts po = pool_opts(m, workers, true);
		struct mps_pool *p = mps_pool_new(&po);
		assert_non_null(p);
		for (int i = 0; i < N; i++) {
			struct stat st;
			assert_int_equal(stat(paths[i], &st), 0);
			struct mps_unit u = file_unit((uint64_t)i, paths[i], (uint64_t)st.st_size,
						      MPS_UNIT_REGULAR);
			assert_int_equal(mps_pool_submit(p, &u), 0);
		}
		assert_int_equal(mps_pool_close(p), 0);
		static struct got g[N];
		size_t n = collect(p, g, N);
		assert_int_equal(n, N);
		uint64_t total = 0;
		for (int i = 0; i < N; i++) {
			assert_int_equal(g[i].nparts, 1);
			assert_int_equal(g[i].sum.err, 0);
			assert_int_equal(g[i].sum.selected, want[i]);
			assert_int_equal(g[i].records_selected, want[i]);
			total += want[i];
		}
		got_free(g, n);
		struct mps_worker_stats st[8];
		assert_int_equal(mps_pool_free(p, st, 8), workers);
		uint64_t units = 0, sel = 0;
		for (int i = 0; i < workers; i++) {
			units += st[i].units;
			sel += st[i].selected;
			assert_true(st[i].pid > 0);
		}
		assert_int_equal(units, N);
		assert_int_equal(sel, total);
	}
	mps_matcher_free(m);
	for (int i = 0; i < N; i++)
		free(paths[i]);
	remove_tmpdir();
	alarm(0);
}

/* mps_pool_next_wait: AGAIN while nothing is submitted (the pool is still
 * open), results once units come; unit_done marks the last result of each
 * submitted unit, also of one the workers split into parts. */
static void test_pool_next_wait(void **state)
{
	(void)state;
	alarm(120);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *big = tpath("big"), *small = tpath("small");
	size_t len;
	char *t = gen_text(9, 600000, false, &len);
	write_file(big, t, len);
	write_file(small, "needle\n", 7);
	uint64_t want = count_lines_with(t, len, "needle");
	free(t);
	const uint64_t chunk = 64u << 10;
	struct mps_pool_opts po = pool_opts(m, 2, true);
	po.chunk_size = chunk;
	po.search.split_over = chunk;
	po.search.bufsize = 4096; /* a first read that fills the buffer: big */
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	struct mps_result r;
	assert_int_equal(mps_pool_next_wait(p, &r, 0), MPS_POOL_AGAIN);
	assert_int_equal(mps_pool_next_wait(p, &r, 20), MPS_POOL_AGAIN);
	const char *order[] = {small, big, small};
	for (uint64_t i = 0; i < 3; i++) {
		struct mps_unit u = file_unit(i, order[i], UINT64_MAX, MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	/* still open: results come, then AGAIN, never the end */
	uint64_t done = 0, results = 0, sel = 0;
	int rc;
	while (done < 3) {
		rc = mps_pool_next_wait(p, &r, 5000);
		assert_int_equal(rc, 0);
		results++;
		done += r.unit_done;
		sel += r.summary.selected;
	}
	assert_true(results > 3); /* the big file came back in parts */
	assert_int_equal(sel, want + 2);
	assert_int_equal(mps_pool_next_wait(p, &r, 10), MPS_POOL_AGAIN);
	assert_int_equal(mps_pool_close(p), 0);
	assert_int_equal(mps_pool_next_wait(p, &r, 1000), 1);
	mps_pool_free(p, NULL, 0);
	mps_matcher_free(m);
	free(big);
	free(small);
	remove_tmpdir();
	alarm(0);
}

/* Unit 0 is a FIFO that is written only after a while: the other worker
 * finishes every later unit first, and they still come out after unit 0. */
static void test_pool_order_blocked_head(void **state)
{
	(void)state;
	alarm(120);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	enum { N = 30 };
	char *paths[N];
	uint64_t want[N];
	char *fifo = tpath("fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	size_t flen;
	char *ftext = gen_text(99, 100000, false, &flen);
	want[0] = count_lines_with(ftext, flen, "needle");
	paths[0] = fifo;
	for (int i = 1; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "t%02d", i);
		paths[i] = tpath(name);
		size_t len;
		char *t = gen_text((unsigned)i + 100, 300, false, &len);
		write_file(paths[i], t, len);
		want[i] = count_lines_with(t, len, "needle");
		free(t);
	}
	struct mps_pool_opts po = pool_opts(m, 2, true);
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	/* the FIFO's size hint keeps it in a batch of its own */
	struct mps_unit u0 = file_unit(0, fifo, 4u << 20, 0);
	assert_int_equal(mps_pool_submit(p, &u0), 0);
	for (int i = 1; i < N; i++) {
		struct mps_unit u = file_unit((uint64_t)i, paths[i], 300, MPS_UNIT_REGULAR);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	assert_int_equal(mps_pool_close(p), 0);
	struct fifo_writer fw = {fifo, ftext, flen, 400};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, fifo_thread, &fw), 0);
	static struct got g[N];
	size_t n = collect(p, g, N);
	pthread_join(th, NULL);
	assert_int_equal(n, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(g[i].sum.err, 0);
		assert_int_equal(g[i].sum.selected, want[i]);
	}
	got_free(g, n);
	struct mps_worker_stats st[2];
	assert_int_equal(mps_pool_free(p, st, 2), 2);
	/* one worker waited on the FIFO alone; the other did all the rest */
	uint64_t lo = st[0].units < st[1].units ? st[0].units : st[1].units;
	uint64_t hi = st[0].units < st[1].units ? st[1].units : st[0].units;
	assert_int_equal(lo, 1);
	assert_int_equal(hi, N - 1);
	free(ftext);
	mps_matcher_free(m);
	for (int i = 0; i < N; i++)
		free(paths[i]);
	remove_tmpdir();
	alarm(0);
}

static void test_pool_edge_units(void **state)
{
	(void)state;
	alarm(60);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	struct mps_pool_opts po = pool_opts(m, 2, false);
	/* no units at all */
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	assert_int_equal(mps_pool_close(p), 0);
	struct mps_result r;
	assert_int_equal(mps_pool_next(p, &r), 1);
	struct mps_worker_stats st[2];
	assert_int_equal(mps_pool_free(p, st, 2), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(st[i].units, 0);
		assert_int_equal(st[i].core, -1);
	}
	mps_pool_free(NULL, NULL, 0);

	/* a missing file, an empty file, ids must be dense */
	char *empty = tpath("empty"), *missing = tpath("missing");
	write_file(empty, "", 0);
	p = mps_pool_new(&po);
	assert_non_null(p);
	struct mps_unit u0 = file_unit(0, missing, 10, MPS_UNIT_REGULAR);
	struct mps_unit u1 = file_unit(1, empty, 0, MPS_UNIT_REGULAR);
	struct mps_unit u3 = file_unit(3, empty, 0, MPS_UNIT_REGULAR);
	assert_int_equal(mps_pool_submit(p, &u0), 0);
	assert_int_equal(mps_pool_submit(p, &u1), 0);
	assert_int_equal(mps_pool_submit(p, &u3), -EINVAL);
	assert_int_equal(mps_pool_close(p), 0);
	struct got g[4];
	size_t n = collect(p, g, 4);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].sum.err, -ENOENT);
	assert_int_equal(g[1].sum.err, 0);
	assert_int_equal(g[1].sum.selected, 0);
	assert_int_equal(g[1].len, 0);
	got_free(g, n);
	mps_pool_free(p, NULL, 0);
	free(empty);
	free(missing);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* Workers are bound, each to its own core, and say so in their stats. */
static void test_pool_binding(void **state)
{
	(void)state;
	alarm(60);
	if (allowed_cpus() < 2)
		skip(); /* one CPU: nothing to tell apart */
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *f = tpath("one");
	write_file(f, "a needle\n", 9);
	for (int pin = 1; pin >= 0; pin--) {
		struct mps_pool_opts po = pool_opts(m, 2, pin);
		struct mps_pool *p = mps_pool_new(&po);
		assert_non_null(p);
		/* the zygote is our child, the workers are its children */
		pid_t z[4], w[8];
		int nz = children_of(getpid(), z, 4);
		assert_int_equal(nz, 1);
		int nw = 0;
		char cpus[2][64];
		/* binding happens as a worker starts: wait for it */
		for (int tries = 0; tries < 200; tries++) {
			nw = children_of(z[0], w, 8);
			bool done = nw == 2;
			for (int i = 0; done && i < 2; i++) {
				cpus_allowed(w[i], cpus[i], sizeof(cpus[i]));
				if (pin)
					done &= cpus[i][0] && !strpbrk(cpus[i], ",-");
			}
			if (done)
				break;
			sleep_ms(10);
		}
		assert_int_equal(nw, 2);
		if (pin) {
			/* one CPU each, different ones */
			for (int i = 0; i < 2; i++)
				if (!cpus[i][0] || strpbrk(cpus[i], ",-"))
					fail_msg("worker %d not bound: Cpus_allowed_list %s", (int)w[i], cpus[i]);
			assert_string_not_equal(cpus[0], cpus[1]);
		} else {
			char mine[64];
			cpus_allowed(getpid(), mine, sizeof(mine));
			assert_string_equal(cpus[0], mine);
			assert_string_equal(cpus[1], mine);
		}
		for (uint64_t i = 0; i < 6; i++) {
			struct mps_unit u = file_unit(i, f, 9, MPS_UNIT_REGULAR);
			assert_int_equal(mps_pool_submit(p, &u), 0);
		}
		assert_int_equal(mps_pool_close(p), 0);
		struct got g[6];
		size_t n = collect(p, g, 6);
		assert_int_equal(n, 6);
		got_free(g, n);
		struct mps_worker_stats st[2];
		assert_int_equal(mps_pool_free(p, st, 2), 2);
		/* the stats name the same processes and cores */
		for (int i = 0; i < 2; i++) {
			int k = st[i].pid == w[0] ? 0 : st[i].pid == w[1] ? 1 : -1;
			if (k < 0)
				fail_msg("stats pid %d is not a worker seen", (int)st[i].pid);
			if (pin) {
				assert_true(st[i].core >= 0);
				assert_int_equal(st[i].core, atoi(cpus[k]));
			} else {
				assert_int_equal(st[i].core, -1);
			}
		}
		if (pin)
			assert_int_not_equal(st[0].core, st[1].core);
		assert_int_equal(st[0].units + st[1].units, 6);
		/* the workers are gone */
		assert_int_equal(children_of(getpid(), z, 4), 0);
	}
	free(f);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* Stopped early (-q, an error): free with units still queued and running
 * returns at once and leaves no process behind. */
static void test_pool_early_free(void **state)
{
	(void)state;
	alarm(60);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *f = tpath("f");
	size_t len;
	char *t = gen_text(3, 2u << 20, false, &len);
	write_file(f, t, len);
	free(t);
	for (int taken = 0; taken < 3; taken++) {
		struct mps_pool_opts po = pool_opts(m, 2, true);
		struct mps_pool *p = mps_pool_new(&po);
		assert_non_null(p);
		for (uint64_t i = 0; i < 200; i++) {
			struct mps_unit u = file_unit(i, f, len, MPS_UNIT_REGULAR);
			assert_int_equal(mps_pool_submit(p, &u), 0);
		}
		if (taken == 2)
			assert_int_equal(mps_pool_close(p), 0);
		struct mps_result r;
		for (int i = 0; i < taken; i++)
			assert_int_equal(mps_pool_next(p, &r), 0);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct mps_worker_stats st[2];
		assert_int_equal(mps_pool_free(p, st, 2), 2);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
		assert_true(dt < 5.0);
		pid_t kids[4];
		assert_int_equal(children_of(getpid(), kids, 4), 0);
	}
	free(f);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* The walker submits from its own thread while the owner collects (the
 * unit table is compacted and grown under the collector). */
struct submitter {
	struct mps_pool *p;
	char **paths;
	int npaths;
	uint64_t n;
	int rc;
};

static void *submit_thread(void *arg)
{
	struct submitter *s = arg;
	for (uint64_t i = 0; i < s->n && !s->rc; i++) {
		const char *path = s->paths[i % (uint64_t)s->npaths];
		struct mps_unit u = file_unit(i, path, 100, MPS_UNIT_REGULAR);
		u.file = i;
		s->rc = mps_pool_submit(s->p, &u);
		if (i % 1000 == 999)
			sleep_ms(5);
	}
	mps_pool_close(s->p);
	return NULL;
}

static void test_pool_concurrent_submit(void **state)
{
	(void)state;
	alarm(120);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	enum { NP = 7 };
	char *paths[NP];
	uint64_t want[NP];
	for (int i = 0; i < NP; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d", i);
		paths[i] = tpath(name);
		size_t len;
		char *t = gen_text((unsigned)i + 40, 150 + 40 * (size_t)i, false, &len);
		write_file(paths[i], t, len);
		want[i] = count_lines_with(t, len, "needle");
		free(t);
	}
	struct mps_pool_opts po = pool_opts(m, 2, true);
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	struct submitter sub = {p, paths, NP, 12000, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, submit_thread, &sub), 0);
	struct mps_result r;
	int rc;
	uint64_t n = 0;
	while ((rc = mps_pool_next(p, &r)) == 0) {
		if (r.unit->id != n)
			fail_msg("result %llu is unit %llu", (unsigned long long)n,
				 (unsigned long long)r.unit->id);
		assert_int_equal(r.summary.err, 0);
		assert_int_equal(r.summary.selected, want[n % NP]);
		assert_string_equal(r.unit->path, paths[n % NP]);
		n++;
	}
	pthread_join(th, NULL);
	assert_int_equal(sub.rc, 0);
	assert_int_equal(rc, 1);
	assert_int_equal(n, 12000);
	struct mps_worker_stats st[2];
	assert_int_equal(mps_pool_free(p, st, 2), 2);
	assert_int_equal(st[0].units + st[1].units, 12000);
	for (int i = 0; i < NP; i++)
		free(paths[i]);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* The head unit is stuck (a FIFO not yet written) while the other worker
 * produces more results than the pool holds out of order (64 MB): the
 * pool stops reading that worker, and everything still comes out, in
 * order, once the head is done. */
static void test_pool_backpressure(void **state)
{
	(void)state;
	alarm(180);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *fifo = tpath("fifo"), *f = tpath("all");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* 4 MB where every line is selected: ~4.5 MB of records per unit */
	size_t len = 0, cap = 4u << 20;
	char *t = malloc(cap + 256);
	uint64_t lines = 0;
	while (len < cap) {
		len += (size_t)sprintf(t + len, "%llu needle with some more text around it\n",
				       (unsigned long long)lines);
		lines++;
	}
	write_file(f, t, len);
	enum { N = 24 }; /* ~100 MB of results behind the head */
	struct mps_pool_opts po = pool_opts(m, 2, true);
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	struct mps_unit u0 = file_unit(0, fifo, 4u << 20, 0);
	assert_int_equal(mps_pool_submit(p, &u0), 0);
	for (uint64_t i = 1; i < N; i++) {
		struct mps_unit u = file_unit(i, f, len, MPS_UNIT_REGULAR);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	assert_int_equal(mps_pool_close(p), 0);
	struct fifo_writer fw = {fifo, "a needle\n", 9, 2500};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, fifo_thread, &fw), 0);
	struct mps_result r;
	int rc;
	uint64_t n = 0;
	while ((rc = mps_pool_next(p, &r)) == 0) {
		assert_int_equal(r.unit->id, n);
		assert_int_equal(r.summary.err, 0);
		assert_int_equal(r.summary.selected, n ? lines : 1);
		n++;
	}
	pthread_join(th, NULL);
	assert_int_equal(rc, 1);
	assert_int_equal(n, N);
	mps_pool_free(p, NULL, 0);
	free(t);
	free(f);
	free(fifo);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* ---- (c) a worker killed ---- */

static size_t run_units(const struct mps_matcher *m, char **paths, uint64_t *sizes, size_t n,
			struct got *g, int workers)
{
	struct mps_pool_opts po = pool_opts(m, workers, true);
	po.search.spans = true;
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		struct mps_unit u = file_unit(i, paths[i], sizes[i], MPS_UNIT_REGULAR);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	assert_int_equal(mps_pool_close(p), 0);
	size_t k = collect(p, g, n * 4);
	mps_pool_free(p, NULL, 0);
	return k;
}

static void same_result(const struct got *a, const struct got *b)
{
	assert_int_equal(a->id, b->id);
	if (a->sum.err != b->sum.err)
		fail_msg("unit %llu: err %d (%s), want %d (%s)", (unsigned long long)a->id,
			 b->sum.err, mps_strerror(b->sum.err), a->sum.err, mps_strerror(a->sum.err));
	assert_int_equal(a->part, b->part);
	assert_int_equal(a->nparts, b->nparts);
	assert_int_equal(a->sum.err, b->sum.err);
	assert_int_equal(a->sum.selected, b->sum.selected);
	assert_int_equal(a->sum.matches, b->sum.matches);
	assert_int_equal(a->sum.lines, b->sum.lines);
	assert_int_equal(a->sum.bytes, b->sum.bytes);
	assert_int_equal(a->sum.binary, b->sum.binary);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->block, b->block, a->len);
}



enum { NK = 12 };
static char *kpaths[NK];
static uint64_t ksizes[NK];
static struct got kref[NK];

/* Twelve files, every fourth one 3 MB (a batch of its own), and the
 * results of a run without failures. */
static void kill_fixture(const struct mps_matcher *m)
{
	make_tmpdir();
	for (int i = 0; i < NK; i++) {
		char name[32];
		snprintf(name, sizeof(name), "k%02d", i);
		kpaths[i] = tpath(name);
		size_t len;
		char *t = gen_text((unsigned)i + 7, i % 4 == 1 ? 3u << 20 : 5000, false, &len);
		write_file(kpaths[i], t, len);
		ksizes[i] = len;
		free(t);
	}
	assert_int_equal(run_units(m, kpaths, ksizes, NK, kref, 2), NK);
	for (int i = 0; i < NK; i++)
		assert_true(kref[i].sum.selected > 0);
}

static void kill_fixture_free(void)
{
	got_free(kref, NK);
	for (int i = 0; i < NK; i++)
		free(kpaths[i]);
	remove_tmpdir();
}

/* BUG: when the zygote's death notice and the dead worker's pipe EOF are
 * seen in the same poll() round, mps_pool_next handles the notice first
 * (worker_gone closes the pipe and sets fd = -1) and then reads the stale
 * pollfd entry: read(-1) -> mps_pool_next returns -EBADF and the whole run
 * fails.  About one run in four:
 *   mkdir t; for i in $(seq -w 0 19); do seq 2000 | sed 's/5$/& needle/' > t/f$i; done
 *   for i in $(seq 30); do rm -f mk; MPSEARCH_TEST_ABORT_UNIT=3 \
 *     MPSEARCH_TEST_ABORT_ONCE=$PWD/mk mpsearch -j2 -c needle t >/dev/null; done
 *   -> "mpsearch: worker pool failed: Bad file descriptor" (exit 2) now and then */
static void test_pool_worker_killed_once(void **state)
{
	(void)state;
	alarm(120);
	struct mps_matcher *m = lit("needle");
	kill_fixture(m);
	static struct got got[NK];
	char *marker = tpath("abort-once");
	for (int round = 0; round < 10; round++) {
		/* killed once: redone, nothing lost */
		unlink(marker);
		setenv("MPSEARCH_TEST_ABORT_UNIT", "3", 1);
		setenv("MPSEARCH_TEST_ABORT_ONCE", marker, 1);
		size_t n = run_units(m, kpaths, ksizes, NK, got, 2);
		clean_env(NULL);
		assert_int_equal(access(marker, F_OK), 0); /* it did die */
		assert_int_equal(n, NK);
		for (int i = 0; i < NK; i++)
			same_result(&kref[i], &got[i]);
		got_free(got, n);
	}
	free(marker);
	kill_fixture_free();
	mps_matcher_free(m);
	alarm(0);
}

/* BUG: a worker stages the frames of finished units and writes them at the
 * end of its batch, so when it dies the parent still sees every unit of
 * the batch before the fatal one as running, and worker_gone charges the
 * attempt to the first of them: innocent units are reported with
 * MPS_EWORKER.  With the tree above:
 *   MPSEARCH_TEST_ABORT_UNIT=3 mpsearch -j2 -c needle t
 *   -> "cannot read 't/f00': worker process died twice on this unit", the
 *      same for f01, f02 and f03, and their counts are missing (only f03
 *      should be reported); see also the -EBADF bug above. */
static void test_pool_worker_killed_always(void **state)
{
	(void)state;
	alarm(120);
	struct mps_matcher *m = lit("needle");
	kill_fixture(m);
	static struct got got[NK];
	for (int workers = 1; workers <= 2; workers++) {
		setenv("MPSEARCH_TEST_ABORT_UNIT", "3", 1);
		size_t n = run_units(m, kpaths, ksizes, NK, got, workers);
		clean_env(NULL);
		assert_int_equal(n, NK);
		for (int i = 0; i < NK; i++) {
			if (i == 3) {
				assert_int_equal(got[i].sum.err, MPS_EWORKER);
				assert_int_equal(got[i].len, 0);
				assert_int_equal(got[i].sum.selected, 0);
			} else {
				same_result(&kref[i], &got[i]);
			}
		}
		got_free(got, n);
	}
	kill_fixture_free();
	mps_matcher_free(m);
	alarm(0);
}

/* A worker killed while it searches a big unit alone in its batch (the
 * case the two bugs above do not touch as long as the death notice and
 * the EOF are not seen together): run many times, every run complete. */
static void test_pool_worker_killed_alone(void **state)
{
	(void)state;
	alarm(120);
	struct mps_matcher *m = lit("needle");
	kill_fixture(m);
	char *marker = tpath("abort-once");
	for (int round = 0; round < 6; round++) {
		unlink(marker);
		/* unit 5 is 3 MB: a batch of its own */
		setenv("MPSEARCH_TEST_ABORT_UNIT", "5", 1);
		setenv("MPSEARCH_TEST_ABORT_ONCE", marker, 1);
		struct mps_pool_opts po = pool_opts(m, 2, true);
		po.search.spans = true;
		struct mps_pool *p = mps_pool_new(&po);
		clean_env(NULL);
		assert_non_null(p);
		for (size_t i = 0; i < NK; i++) {
			struct mps_unit u = file_unit(i, kpaths[i], ksizes[i], MPS_UNIT_REGULAR);
			assert_int_equal(mps_pool_submit(p, &u), 0);
		}
		assert_int_equal(mps_pool_close(p), 0);
		struct mps_result r;
		int rc;
		size_t n = 0;
		while ((rc = mps_pool_next(p, &r)) == 0) {
			assert_int_equal(r.unit->id, n);
			assert_int_equal(r.summary.err, 0);
			assert_int_equal(r.len, kref[n].len);
			assert_memory_equal(r.block, kref[n].block, r.len);
			n++;
		}
		mps_pool_free(p, NULL, 0);
		assert_int_equal(access(marker, F_OK), 0);
		assert_int_equal(rc, 1); /* not -EBADF: stale poll entries are skipped */
		assert_int_equal(n, NK);
	}
	free(marker);
	kill_fixture_free();
	mps_matcher_free(m);
	alarm(0);
}

/* BUG (performance): a unit whose size is not known (the walk does not
 * stat in local runs) is taken for 16 KB, and up to 64 of them go into one
 * batch that one worker searches alone: 8 files of any size submitted at
 * once all go to one worker, the others idle.
 *   mkdir d; for i in 1 2 3 4 5 6 7 8; do head -c 30M /dev/urandom | base64 > d/f$i; done
 *   mpsearch --stats -j 2 -c xyz d  ->  worker 0: units 8, worker 1: units 0,
 *   and no faster than -j 1. */
static void test_pool_spread_unknown_sizes(void **state)
{
	(void)state;
	alarm(60);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *f = tpath("f");
	size_t len;
	char *t = gen_text(1, 1u << 20, false, &len);
	write_file(f, t, len);
	free(t);
	/* each unit takes 30 ms, so that the second worker is surely up and
	 * asking before the first could finish all 8 (not by luck on a loaded
	 * machine: without it the test failed now and then under load) */
	setenv("MPSEARCH_TEST_SLOW_MS", "30", 1);
	struct mps_pool_opts po = pool_opts(m, 2, true);
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	for (uint64_t i = 0; i < 8; i++) {
		struct mps_unit u = file_unit(i, f, UINT64_MAX, MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	assert_int_equal(mps_pool_close(p), 0);
	struct got g[8];
	size_t n = collect(p, g, 8);
	got_free(g, n);
	struct mps_worker_stats st[2];
	assert_int_equal(mps_pool_free(p, st, 2), 2);
	unsetenv("MPSEARCH_TEST_SLOW_MS");
	if (st[0].units == 0 || st[1].units == 0)
		fail_msg("units per worker: %llu and %llu", (unsigned long long)st[0].units,
			 (unsigned long long)st[1].units);
	free(f);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* BUG (latency): a worker writes the results of a batch when the whole
 * batch is done, so the first result (and -q, -l stopping early) waits for
 * up to 64 units:
 *   mkdir m; for i in $(seq -w 0 199); do echo "x needle" > m/f$i; done
 *   time MPSEARCH_TEST_SLOW_MS=300 mpsearch -q -j2 needle m  ->  19 s at
 *   times (64 x 0.3 s), 0.3 s at others, depending on the first batch. */
static void test_pool_first_result_early(void **state)
{
	(void)state;
	alarm(60);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *f = tpath("f");
	write_file(f, "x needle\n", 9);
	setenv("MPSEARCH_TEST_SLOW_MS", "30", 1);
	struct mps_pool_opts po = pool_opts(m, 2, true);
	struct mps_pool *p = mps_pool_new(&po);
	clean_env(NULL);
	assert_non_null(p);
	for (uint64_t i = 0; i < 64; i++) {
		struct mps_unit u = file_unit(i, f, 9, MPS_UNIT_REGULAR);
		assert_int_equal(mps_pool_submit(p, &u), 0);
	}
	assert_int_equal(mps_pool_close(p), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct mps_result r;
	assert_int_equal(mps_pool_next(p, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
	mps_pool_free(p, NULL, 0);
	/* one unit takes 30 ms; the batch of 64, 1.9 s */
	if (dt > 0.5)
		fail_msg("first result after %.3f s", dt);
	free(f);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* ---- (d) files found big by a worker ---- */

static char *slurp_cmd(const char *cmd, size_t *n)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	size_t k;
	while ((k = fread(s + len, 1, cap - len, f)) > 0) {
		len += k;
		if (len == cap)
			s = realloc(s, cap *= 2);
	}
	pclose(f);
	*n = len;
	return s;
}

static char *slurp_fd(int fd, size_t *n)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)size + 1);
	assert_int_equal(pread(fd, s, (size_t)size, 0), size);
	*n = (size_t)size;
	return s;
}

struct split_case {
	const char *grep_flags;
	int64_t before, after, max_count;
	bool invert;
};

static void test_pool_split_by_worker(void **state)
{
	(void)state;
	alarm(240);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *big = tpath("big"), *small = tpath("small"), *big2 = tpath("big2");
	size_t len, len2;
	/* lines longer than a chunk now and then: parts that own no line */
	char *t = gen_text(5, 900000, true, &len);
	write_file(big, t, len);
	char *t2 = gen_text(6, 300000, false, &len2);
	t2[len2 - 1] = 'x'; /* no final newline */
	t2[len2 - 2] = 'e';
	write_file(big2, t2, len2);
	write_file(small, "needle\n", 7);
	uint64_t want = count_lines_with(t, len, "needle");
	uint64_t want2 = count_lines_with(t2, len2, "needle");
	const uint64_t chunk = 64u << 10;
	const struct split_case cases[] = {
		{"-n", 0, 0, -1, false},
		{"-n -C2", 2, 2, -1, false},
		{"-n -B3", 3, 0, -1, false},
		{"-n -m 7 -A3", 0, 3, 7, false},
		{"-n -m 40", 0, 0, 40, false},
		{"-n -v", 0, 0, -1, true},
		{"-n -v -C1 -m 500", 1, 1, 500, true},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		const struct split_case *sc = &cases[c];
		struct mps_pool_opts po = pool_opts(m, 2, true);
		po.chunk_size = chunk;
		po.search = (struct mps_search_opts){.max_count = sc->max_count, .before = sc->before,
						     .after = sc->after, .invert = sc->invert,
						     .emit_lines = true, .bufsize = 4096,
						     .split_over = chunk};
		struct mps_pool *p = mps_pool_new(&po);
		assert_non_null(p);
		const char *order[] = {small, big, small, big2, small};
		for (uint64_t i = 0; i < 5; i++) {
			struct mps_unit u = file_unit(i, order[i], UINT64_MAX,
						      MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE);
			assert_int_equal(mps_pool_submit(p, &u), 0);
		}
		assert_int_equal(mps_pool_close(p), 0);

		FILE *out = tmpfile();
		assert_non_null(out);
		struct mps_print_opts pro = {.output = MPS_OUT_LINES, .line_number = true,
					     .with_filename = true, .max_count = sc->max_count,
					     .before = sc->before, .after = sc->after,
					     .invert = sc->invert};
		struct mps_printer *pr = mps_printer_new(&pro, fileno(out), NULL);
		assert_non_null(pr);
		struct mps_result r;
		int rc;
		uint64_t cur = UINT64_MAX, sel = 0;
		uint32_t next_part = 0, nparts = 0;
		uint64_t parts_of[5] = {0};
		while ((rc = mps_pool_next(p, &r)) == 0) {
			if (r.unit->id != cur) {
				assert_int_equal(next_part, nparts); /* the last file was whole */
				assert_true(cur == UINT64_MAX || r.unit->id == cur + 1);
				cur = r.unit->id;
				next_part = 0;
				nparts = r.unit->nparts;
				sel = 0;
			}
			assert_int_equal(r.unit->part, next_part);
			assert_int_equal(r.unit->nparts, nparts);
			assert_int_equal(r.summary.err, 0);
			if (nparts > 1) {
				/* a part is a byte range of at most a chunk */
				uint64_t b, e;
				mps_plan_part(r.unit->size, r.unit->part, nparts, &b, &e);
				assert_true(r.unit->begin == b && r.unit->end == e);
				assert_false(r.unit->flags & MPS_UNIT_NOSIZE);
			}
			next_part++;
			parts_of[cur] = nparts;
			sel += r.summary.selected;
			if (next_part == nparts && sc->max_count < 0 && !sc->invert) {
				uint64_t w = cur == 1 ? want : cur == 3 ? want2 : 1;
				assert_int_equal(sel, w);
			}
			assert_true(mps_printer_unit(pr, r.unit, r.block, r.len, &r.summary) >= 0);
		}
		assert_int_equal(rc, 1);
		assert_int_equal(next_part, nparts);
		assert_int_equal(mps_printer_finish(pr, 0), 0);
		mps_printer_free(pr);
		mps_pool_free(p, NULL, 0);
		/* the small files whole, the big ones in as many parts as chunks */
		assert_int_equal(parts_of[0], 1);
		assert_int_equal(parts_of[2], 1);
		assert_int_equal(parts_of[1], mps_plan_nparts(len, chunk));
		assert_int_equal(parts_of[3], mps_plan_nparts(len2, chunk));
		assert_true(parts_of[1] > 10);

		size_t n, gn;
		char *got = slurp_fd(fileno(out), &n);
		fclose(out);
		char cmd[4096 * 3];
		snprintf(cmd, sizeof(cmd), "grep %s needle '%s' '%s' '%s' '%s' '%s'", sc->grep_flags,
			 small, big, small, big2, small);
		char *exp = slurp_cmd(cmd, &gn);
		if (n != gn || memcmp(got, exp, n)) {
			size_t i = 0;
			while (i < n && i < gn && got[i] == exp[i])
				i++;
			size_t from = i > 200 ? i - 200 : 0;
			fail_msg("grep %s: output differs at byte %zu of %zu/%zu:\n got: %.300s\nwant: %.300s",
				 sc->grep_flags, i, n, gn, got + from, exp + from);
		}
		free(got);
		free(exp);
	}
	free(t);
	free(t2);
	free(big);
	free(big2);
	free(small);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

/* BUG: a part of a split file reads a whole search buffer (1 MB by
 * default) from its start whatever its length, and counts every byte read
 * in summary.bytes: the parts of a file add up to far more than its size
 * (--stats bytes, --json bytes_searched), and the file is read that many
 * times over.
 *   mpsearch --stats --chunk-size 64K -c x FILE_OF_30MB  ->  bytes=496482238 */
static void test_pool_split_bytes(void **state)
{
	(void)state;
	alarm(60);
	make_tmpdir();
	struct mps_matcher *m = lit("needle");
	char *f = tpath("big");
	size_t len;
	char *t = gen_text(8, 4u << 20, false, &len);
	write_file(f, t, len);
	free(t);
	struct mps_pool_opts po = pool_opts(m, 2, true);
	po.chunk_size = 64u << 10;
	po.search.split_over = 64u << 10;
	struct mps_pool *p = mps_pool_new(&po);
	assert_non_null(p);
	struct mps_unit u = file_unit(0, f, UINT64_MAX, MPS_UNIT_REGULAR | MPS_UNIT_NOSIZE);
	assert_int_equal(mps_pool_submit(p, &u), 0);
	assert_int_equal(mps_pool_close(p), 0);
	static struct got g[256];
	size_t n = collect(p, g, 256);
	assert_true(n > 1);
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += g[i].sum.bytes;
	got_free(g, n);
	mps_pool_free(p, NULL, 0);
	if (bytes != len)
		fail_msg("%zu parts of a %zu-byte file: %llu bytes", n, len, (unsigned long long)bytes);
	free(f);
	mps_matcher_free(m);
	remove_tmpdir();
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_whole_machine),
		cmocka_unit_test(test_pick_local_ranks),
		cmocka_unit_test(test_pick_restricted),
		cmocka_unit_test(test_pick_other_shapes),
		cmocka_unit_test_teardown(test_pool_order, teardown),
		cmocka_unit_test_teardown(test_pool_order_blocked_head, teardown),
		cmocka_unit_test_teardown(test_pool_edge_units, teardown),
		cmocka_unit_test_teardown(test_pool_binding, teardown),
		cmocka_unit_test_teardown(test_pool_early_free, teardown),
		cmocka_unit_test_teardown(test_pool_concurrent_submit, teardown),
		cmocka_unit_test_teardown(test_pool_next_wait, teardown),
		cmocka_unit_test_teardown(test_pool_backpressure, teardown),
		cmocka_unit_test_teardown(test_pool_worker_killed_once, teardown),
		cmocka_unit_test_teardown(test_pool_worker_killed_always, teardown),
		cmocka_unit_test_teardown(test_pool_worker_killed_alone, teardown),
		cmocka_unit_test_teardown(test_pool_spread_unknown_sizes, teardown),
		cmocka_unit_test_teardown(test_pool_first_result_early, teardown),
		cmocka_unit_test_teardown(test_pool_split_by_worker, teardown),
		cmocka_unit_test_teardown(test_pool_split_bytes, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
