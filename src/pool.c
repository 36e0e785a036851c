/* SPDX-License-Identifier: BSD-3-Clause */
/* Pool of forked worker processes, pinned with hwloc, pulling units from
 * one shared SOCK_SEQPACKET queue and streaming result blocks back through
 * a pipe each.  See pool.h for the process layout (parent, zygote,
 * workers). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/sockios.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hwloc.h>
#include <malloc.h>

#include "mpsearch/decomp.h"
#include "mpsearch/error.h"
#include "mpsearch/pool.h"
#include "uring.h"

/* ---- wire formats ---- */

/* F_ID: the file id of a unit found too big to search whole (sent before
 * its F_END), which its parts then check */
enum { F_BEGIN = 1, F_DATA, F_END, F_STATS, F_ID };
#define FRAME_HEAD 24 /* u32 type, u32 len, u64 unit id, u32 part, u32 zero */
#define TASK_MAX (60u << 10)   /* longest path a task can carry */
#define MSG_MAX (64u << 10)    /* one task message: a batch of units */
#define BATCH_MAX 64           /* units in a batch */
#define BATCH_BYTES (1u << 20) /* file bytes in a batch */
#define FLUSH_AT (256u << 10)
#define HOLD_BUDGET (64u << 20)
/* units submitted and not yet delivered before a submitting thread other
 * than the owner waits: the slots' memory is then reused while it is warm
 * instead of growing the heap by a slot per file of the tree */
#define SUBMIT_AHEAD 8192

/* Z_SPAWNED with pid < 0: the worker could not be made (-errno);
 * Z_MATCHER: compile the patterns in the memfd sent with it (a pool made
 * without a matcher), answered by Z_MATCHED with status 0 or <0 */
enum { Z_SPAWN = 1, Z_SPAWNED, Z_DIED, Z_MATCHER, Z_MATCHED };
struct zmsg {
	int op, idx, core, status;
	pid_t pid;
};

struct task_head {
	uint64_t id, file, begin, end;
	uint32_t part, nparts, flags, pathlen;
	uint32_t root, zero;
	struct mps_file_id fid; /* flags & MPS_UNIT_ID */
};

/* ---- parent-side state ---- */

enum slot_state { S_PENDING, S_SENT, S_RUNNING, S_DONE, S_SPLIT };

struct slot {
	struct mps_unit u;
	enum slot_state st;
	int attempts;
	int worker;
	struct mps_buf data;
	struct mps_unit_summary sum;
	/* a file found too big to search whole is cut into parts here */
	struct slot **sub;
	uint32_t nsub, next_sub;
	bool solo;        /* redo alone in its batch (after a worker died) */
};

struct ref {
	uint64_t id;
	uint32_t part;
};

struct worker {
	pid_t pid;
	int fd;           /* result pipe read end, -1 when closed */
	int core;
	bool alive;
	struct mps_buf in; /* frames read, not yet handled from in_off on */
	size_t in_off;
	struct ref batch[BATCH_MAX]; /* the batch it took last */
	size_t nbatch;
	bool running;
	struct mps_worker_stats st;
	bool have_stats;
	bool spawning;
	/* watchdog: CPU ticks + bytes read when last sampled, and since when
	 * they have not changed */
	uint64_t mark;
	double still_since;
	bool stall_told;
};

struct mps_pool {
	struct mps_pool_opts o;
	hwloc_topology_t topo;
	int *cores;
	int nworkers;
	struct worker *w;
	int tq;           /* task queue, parent end (non-blocking) */
	int tq_child;     /* task queue, workers' end (closed in parent) */
	int zfd;          /* zygote control socket */
	pid_t zygote;
	int wake[2];      /* submit() wakes the owner */
	pthread_mutex_t mu;
	/* unit table, ids [base, base + n) */
	struct slot **slots;
	size_t n, cap, head; /* head: index of the next unit to deliver */
	uint64_t base;
	bool base_set;
	size_t send_next;    /* index of the next unit to send in order */
	struct slot **urgent; /* parts of split files, units of dead workers */
	size_t nurgent, urgent_cap;
	bool closed, tq_shut;
	size_t held;         /* bytes of results held out of order */
	size_t inflight;     /* batches sent and not yet begun by a worker */
	size_t batch_max;    /* units per batch now (fewer when few are left) */
	/* submit() writes to the wake pipe only when the owner, about to
	 * sleep, asked for it: once `submitted` reaches wake_at (under mu) */
	uint64_t submitted, wake_at;
	pthread_cond_t room;  /* signalled when SUBMIT_AHEAD / 2 are left */
	pthread_t owner;      /* the thread calling mps_pool_next */
	bool owner_set, submit_waits;
	double lost_check;   /* when to look for batches lost with a worker */
	struct slot *delivered, *delivered_parent;
	bool started;        /* the workers were asked for (a matcher was given) */
	double watched;      /* --stall-timeout: when the workers were last sampled */
};

/* ---- cores ---- */

/* hwloc dlopens plugins for GPUs, OpenCL, X11 and XML that a CPU binding
 * never needs; they cost tens of milliseconds per start.  The user's own
 * setting wins. */
static void hwloc_quiet_plugins(void)
{
	setenv("HWLOC_PLUGINS_BLACKLIST",
	       "hwloc_opencl,hwloc_gl,hwloc_xml_libxml,hwloc_pci,hwloc_cuda,hwloc_nvml,"
	       "hwloc_rsmi,hwloc_levelzero", 0);
}

int mps_pool_pick_cores(void *topo_, const void *set_, int lr, int ls, int n, int *cores)
{
	hwloc_topology_t topo = topo_;
	hwloc_const_cpuset_t set = set_;
	int ncore = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	hwloc_obj_type_t type = HWLOC_OBJ_CORE;
	if (ncore <= 0) {
		type = HWLOC_OBJ_PU;
		ncore = hwloc_get_nbobjs_by_type(topo, type);
	}
	int *mine = calloc((size_t)(ncore > 0 ? ncore : 1), sizeof(int));
	if (!mine)
		return 0;
	int k = 0;
	for (int i = 0; i < ncore; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)i);
		if (o && hwloc_bitmap_intersects(o->cpuset, set))
			mine[k++] = i;
	}
	/* An unbound rank sees the whole node: take this local rank's slice so
	 * that ranks sharing the node do not pile onto the same cores. */
	int lo = 0, hi = k;
	if (ls > 1 && hwloc_bitmap_isincluded(hwloc_topology_get_allowed_cpuset(topo), set) &&
	    k >= ls) {
		lo = (int)((long)k * lr / ls);
		hi = (int)((long)k * (lr + 1) / ls);
	}
	int got = 0;
	for (int i = 0; i < n && hi > lo; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, (unsigned)mine[lo + i % (hi - lo)]);
		hwloc_cpuset_t c = hwloc_bitmap_dup(o->cpuset);
		hwloc_bitmap_and(c, c, set);
		hwloc_bitmap_singlify(c);
		cores[got++] = hwloc_bitmap_first(c);
		hwloc_bitmap_free(c);
	}
	free(mine);
	return got;
}

static int count_slice(hwloc_topology_t topo, hwloc_const_cpuset_t set, int lr, int ls)
{
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	int *tmp = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	if (!tmp)
		return 1;
	/* cores the slice holds: pick as many as exist, then count distinct */
	int ncore = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	int want = ncore > 0 ? ncore : n;
	int got = mps_pool_pick_cores(topo, set, lr, ls, want, tmp);
	int distinct = 0;
	for (int i = 0; i < got; i++) {
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= tmp[j] == tmp[i];
		distinct += !seen;
	}
	free(tmp);
	return distinct > 0 ? distinct : 1;
}

/* ---- I/O helpers ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static void frame_head(unsigned char *h, uint32_t type, size_t len, uint64_t id, uint32_t part)
{
	uint32_t l32 = (uint32_t)len, zero = 0;
	memcpy(h, &type, 4);
	memcpy(h + 4, &l32, 4);
	put64(h + 8, id);
	memcpy(h + 16, &part, 4);
	memcpy(h + 20, &zero, 4);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- worker ---- */

/* A worker stages its frames in `out` and writes them in one go at the
 * end of a batch, or earlier when they grow past FLUSH_AT. */
struct wout {
	int fd;
	uint64_t id;
	uint32_t part;
	struct mps_buf frames;
	double since; /* last write */
};

static int stage_frame(struct wout *w, uint32_t type, uint64_t id, const void *p, size_t len)
{
	unsigned char h[FRAME_HEAD];
	frame_head(h, type, len, id, w->part);
	int rc = mps_buf_append(&w->frames, h, sizeof(h));
	return rc ? rc : mps_buf_append(&w->frames, p, len);
}

static int write_staged(struct wout *w)
{
	int rc = write_all(w->fd, w->frames.data, w->frames.len);
	w->frames.len = 0;
	w->since = now();
	return rc;
}

static int worker_flush(void *ctx, struct mps_buf *out)
{
	struct wout *w = ctx;
	int rc = stage_frame(w, F_DATA, w->id, out->data, out->len);
	out->len = 0;
	return rc ? rc : write_staged(w);
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* Test switches: MPSEARCH_TEST_ABORT_UNIT=N kills the worker that takes
 * unit N (once, if MPSEARCH_TEST_ABORT_ONCE names a marker file);
 * MPSEARCH_TEST_SLOW_MS=N sleeps N ms per unit before it opens the file
 * (and turns the read-ahead of a batch's files off);
 * MPSEARCH_TEST_SLOW_BATCH_MS=N sleeps N ms per batch before its files are
 * read ahead (the read-ahead stays on). */
static void test_switches(uint64_t id, long abort_unit, long slow_ms)
{
	if (abort_unit >= 0 && (uint64_t)abort_unit == id) {
		const char *once = getenv("MPSEARCH_TEST_ABORT_ONCE");
		if (!once || access(once, F_OK) != 0) {
			if (once) {
				int fd = open(once, O_CREAT | O_WRONLY, 0600);
				if (fd >= 0)
					close(fd);
			}
			raise(SIGKILL);
		}
	}
	if (slow_ms > 0) {
		struct timespec ts = {slow_ms / 1000, (slow_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* Descriptors a worker is done with, closed together at the end of a
 * batch: one close_range per run of consecutive numbers instead of one
 * close each (a system call costs more than the close itself on some
 * VMs).  Only numbers in fd[] are closed; n <= cap.  The list grows: a
 * directory replaced while a batch's read-ahead is being prepared may
 * still be named by a queued open, so it must not be closed (and its
 * number reused) before the batch ends. */
struct fdlist {
	int *fd;
	size_t n, cap;
};

static void fds_flush(struct fdlist *l)
{
	/* insertion sort: the numbers mostly come in ascending order */
	for (size_t i = 1; i < l->n; i++) {
		int v = l->fd[i];
		size_t j = i;
		for (; j > 0 && l->fd[j - 1] > v; j--)
			l->fd[j] = l->fd[j - 1];
		l->fd[j] = v;
	}
	for (size_t i = 0; i < l->n;) {
		size_t j = i + 1;
		while (j < l->n && l->fd[j] == l->fd[j - 1] + 1)
			j++;
		if (j - i == 1 || close_range((unsigned)l->fd[i], (unsigned)l->fd[j - 1], 0) != 0)
			for (size_t k = i; k < j; k++)
				close(l->fd[k]);
		i = j;
	}
	l->n = 0;
}

static void fds_add(struct fdlist *l, int fd)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 2 * BATCH_MAX;
		int *v = realloc(l->fd, nc * sizeof(int));
		if (!v) {
			close(fd); /* out of memory: at once (the read-ahead then may fail) */
			return;
		}
		l->fd = v;
		l->cap = nc;
	}
	l->fd[l->n++] = fd;
}

/* Open a file of a batch.  Files of a batch mostly share a directory, so
 * the directory is opened once (O_PATH) and the files relative to it: the
 * kernel then resolves one name per file instead of the whole path.
 *
 * A file met while walking (MPS_UNIT_WALKED) is opened the way the walk
 * reached it, not through whatever its path leads to later: the directory
 * operand path[0, root) by its path, each directory below it one name at
 * a time with O_NOFOLLOW (but under -R), the file itself with O_NOFOLLOW |
 * O_NONBLOCK, then checked to be a regular file.  A symlink or a FIFO
 * swapped in after the walk is skipped, as the walk would have skipped it,
 * and paths longer than PATH_MAX open as well as short ones. */
/* For a walked file the directories from the operand down are kept as a
 * stack of descriptors (lv[0] the operand, lv[i] the i-th directory below
 * it, ending at dir[end]), so that the next file's directory is opened from
 * the deepest one the two paths share.  Levels from DIR_KEEP on, but the
 * last, are closed once passed (fd -1). */
#define DIR_KEEP 32
struct dirlevel {
	size_t end; /* lv[0]: root; lv[i > 0]: end of its name in dir */
	int fd;     /* -1: closed (beyond DIR_KEEP) */
};

struct dircache {
	char *dir;        /* the directory cached, dir[0, len), NUL-terminated */
	size_t len, alloc;
	size_t root;      /* walked: the operand part of dir; SIZE_MAX: opened by path */
	int fd;           /* the directory's descriptor, -1 none */
	struct dirlevel *lv; /* walked: the stack, nlv levels, lv[nlv - 1].fd == fd */
	size_t nlv, lvcap;
	struct fdlist *done; /* where a replaced directory goes to be closed */
};

static int dc_keep(struct dircache *dc, const char *path, size_t len, size_t root)
{
	if (len + 1 > dc->alloc) {
		char *d = realloc(dc->dir, len + 1);
		if (!d)
			return -1;
		dc->dir = d;
		dc->alloc = len + 1;
	}
	memcpy(dc->dir, path, len);
	dc->dir[len] = 0;
	dc->len = len;
	dc->root = root;
	return 0;
}

/* Drop levels from `from` on (and the whole stack's meaning when from is
 * 0); their descriptors are closed at the batch's end. */
static void dc_drop(struct dircache *dc, size_t from)
{
	for (size_t i = from; i < dc->nlv; i++)
		if (dc->lv[i].fd >= 0)
			fds_add(dc->done, dc->lv[i].fd);
	if (dc->nlv > from)
		dc->nlv = from;
	if (from == 0) {
		dc->fd = -1;
		dc->root = SIZE_MAX - 1; /* matches no walked root, nor "by path" */
	}
}

static int dc_push(struct dircache *dc, size_t end, int fd)
{
	if (dc->nlv == dc->lvcap) {
		size_t nc = dc->lvcap ? 2 * dc->lvcap : 16;
		struct dirlevel *v = realloc(dc->lv, nc * sizeof(*v));
		if (!v)
			return -1;
		dc->lv = v;
		dc->lvcap = nc;
	}
	/* a level passed beyond the budget is closed */
	if (dc->nlv > DIR_KEEP && dc->lv[dc->nlv - 1].fd >= 0) {
		fds_add(dc->done, dc->lv[dc->nlv - 1].fd);
		dc->lv[dc->nlv - 1].fd = -1;
	}
	dc->lv[dc->nlv++] = (struct dirlevel){.end = end, .fd = fd};
	return 0;
}

/* The directory path[0, len) of a walked file below root, as a
 * descriptor; -1 with errno (ELOOP: a symlink stands where the walk saw a
 * directory, without -R). */
static int walked_dir(struct dircache *dc, const char *path, size_t root, size_t len, bool deref)
{
	size_t k = 0; /* the deepest level shared, with a descriptor */
	/* the same operand: the same root, but its final '/' (dir may be the
	 * operand itself, without it) */
	if (dc->fd >= 0 && dc->root == root && dc->nlv > 0 &&
	    !memcmp(dc->dir, path, root ? root - 1 : 0)) {
		for (size_t i = 1; i < dc->nlv; i++) {
			size_t e = dc->lv[i].end;
			if (e > len || (e < len && path[e] != '/') || memcmp(dc->dir + root, path + root, e - root))
				break;
			if (dc->lv[i].fd >= 0)
				k = i;
		}
		dc_drop(dc, k + 1);
	} else {
		dc_drop(dc, 0);
		int at;
		if (root > 0) {
			if (dc_keep(dc, path, root, SIZE_MAX))
				return -1;
			at = open(dc->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		} else {
			at = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		}
		if (at < 0)
			return -1;
		if (dc_push(dc, root, at)) {
			close(at);
			return -1;
		}
	}
	/* dir := path[0, len); the levels kept are a prefix of it */
	if (dc_keep(dc, path, len, root)) {
		dc_drop(dc, 0);
		return -1;
	}
	char name[NAME_MAX + 1];
	for (size_t i = k == 0 ? root : dc->lv[k].end + 1; i < len;) {
		int cur = dc->lv[dc->nlv - 1].fd;
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j - i > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (j > i) {
			memcpy(name, path + i, j - i);
			name[j - i] = 0;
			int nfd = openat(cur, name, O_PATH | O_DIRECTORY | O_CLOEXEC |
						   (deref ? 0 : O_NOFOLLOW));
			if (nfd < 0) {
				int e = errno;
				struct stat st;
				if (e == ENOTDIR && !deref && !fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) &&
				    S_ISLNK(st.st_mode))
					e = ELOOP;
				errno = e;
				goto fail;
			}
			if (dc_push(dc, j, nfd)) {
				close(nfd);
				errno = ENOMEM;
				goto fail;
			}
		}
		i = j + 1;
	}
	dc->fd = dc->lv[dc->nlv - 1].fd;
	return dc->fd;
fail:;
	int e = errno;
	dc_drop(dc, 0);
	errno = e;
	return -1;
}

/* The directory of path as a descriptor, and in *name the rest of the
 * path; AT_FDCWD and the whole path for a name without a directory, -1
 * with errno when the directory cannot be opened.  root: see above;
 * SIZE_MAX for a file named on the command line (opened by its path). */
static int dir_of(struct dircache *dc, const char *path, size_t root, bool deref, const char **name)
{
	const char *slash = strrchr(path, '/');
	*name = path;
	if (root == SIZE_MAX && (!slash || slash == path || slash[1] == 0))
		return AT_FDCWD;
	if (root != SIZE_MAX && (!slash || (size_t)(slash - path) < root - (root > 0)))
		return root == 0 ? AT_FDCWD : (errno = EINVAL, -1);
	size_t len = (size_t)(slash - path);
	if (dc->fd >= 0 && len == dc->len && root == dc->root && !memcmp(dc->dir, path, len)) {
		*name = slash + 1;
		return dc->fd;
	}
	int fd;
	if (root == SIZE_MAX) {
		dc_drop(dc, 0);
		if (dc_keep(dc, path, len, root))
			return -1;
		fd = open(dc->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || dc_push(dc, len, fd)) {
			if (fd >= 0)
				close(fd);
			dc->root = SIZE_MAX - 1;
			return -1;
		}
		dc->fd = fd;
	} else {
		fd = walked_dir(dc, path, root, len, deref);
		if (fd < 0)
			return -1;
	}
	*name = slash + 1;
	return fd;
}

/* Open the file of task th (path NUL-terminated).  A walked file is opened
 * without following a symlink (but under -R) and without blocking, and is
 * checked: *skip is set (and -1 returned) when it is no longer what the
 * walk would search.  st is filled for a walked file. */
static int open_once(struct dircache *dc, const struct task_head *th, const char *path,
		     bool deref, struct stat *st, bool *skip)
{
	bool walked = th->flags & MPS_UNIT_WALKED;
	const char *name;
	int dfd = dir_of(dc, path, walked ? th->root : SIZE_MAX, deref, &name);
	if (!walked) {
		const int fl = O_RDONLY | O_CLOEXEC | O_NOCTTY;
		return dfd == -1 ? open(path, fl) : openat(dfd, name, fl);
	}
	if (dfd == -1) {
		*skip = errno == ELOOP && !deref;
		return -1;
	}
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
				   (deref ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		*skip = errno == ELOOP && !deref;
		return -1;
	}
	if (fstat(fd, st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		*skip = true;
		return -1;
	}
	return fd;
}

/* open_once, and again after closing the held descriptors when the
 * process ran out of them (they are held for the batch's end) */
static int open_in(struct dircache *dc, const struct task_head *th, const char *path, bool deref,
		   struct stat *st, bool *skip)
{
	*skip = false;
	int fd = open_once(dc, th, path, deref, st, skip);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && dc->done->n) {
		fds_flush(dc->done);
		fd = open_once(dc, th, path, deref, st, skip);
	}
	return fd;
}

/* Is the file open as st still the file the parts of a split file saw
 * first (th->fid)? */
static bool same_file(const struct task_head *th, const struct stat *st)
{
	const struct mps_file_id *id = &th->fid;
	return (!(th->flags & MPS_UNIT_ID_DEV) || id->dev == (uint64_t)st->st_dev) &&
	       id->ino == (uint64_t)st->st_ino && id->size == (uint64_t)st->st_size &&
	       id->mtime_sec == st->st_mtim.tv_sec && id->mtime_nsec == st->st_mtim.tv_nsec;
}

/* Whole small files of a batch, opened and read ahead with one io_uring
 * submission (a system call per open and read costs more than the work on
 * some VMs).  A unit whose read did not show its end (res < 0, or the
 * buffer filled) is searched the usual way, so errors and big files come
 * out exactly as without it. */
#define PRE_BYTES (128u << 10) /* buffer per file */
struct prefetch {
	struct mps_ring ring; /* fd -1: not available, read nothing ahead */
	char *buf;            /* BATCH_MAX buffers of `slot` bytes */
	size_t slot;          /* < the searcher's buffer: no split check needed */
	int res[BATCH_MAX];   /* bytes read; < 0 none */
	char names[MSG_MAX + BATCH_MAX]; /* the paths, NUL-terminated */
};

static void prefetch_init(struct prefetch *pf, const struct mps_search_opts *so, bool on)
{
	pf->ring.fd = -1;
	pf->slot = so->bufsize && so->bufsize <= PRE_BYTES ? so->bufsize - 1 : PRE_BYTES;
	if (!on || pf->slot == 0 || mps_ring_init(&pf->ring, 4 * BATCH_MAX, BATCH_MAX) < 0)
		return;
	/* mapped at once: page by page, the faults cost more than the reads
	 * (and the kernel fills it, which memcheck could not see in malloc'd
	 * memory: mapped memory counts as defined) */
	void *b = mmap(NULL, BATCH_MAX * pf->slot, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b == MAP_FAILED) {
		mps_ring_release(&pf->ring);
		return;
	}
	pf->buf = b;
}

static void prefetch_release(struct prefetch *pf)
{
	if (pf->ring.fd >= 0) {
		mps_ring_release(&pf->ring);
		munmap(pf->buf, BATCH_MAX * pf->slot);
	}
	pf->buf = NULL;
}

static void prefetch_done(void *ctx, uint64_t tag, int res)
{
	struct prefetch *pf = ctx;
	if (tag < BATCH_MAX)
		pf->res[tag] = res;
}

static bool prefetchable(const struct task_head *th)
{
	return !(th->flags & MPS_UNIT_STDIN) && (th->flags & MPS_UNIT_REGULAR) && th->begin == 0 &&
	       th->end == UINT64_MAX && th->nparts == 1;
}

/* Read ahead the prefetchable units of batch msg[0, n). */
static void prefetch_batch(struct prefetch *pf, struct dircache *dc, const unsigned char *msg,
			   size_t n, bool deref)
{
	for (size_t i = 0; i < BATCH_MAX; i++)
		pf->res[i] = -1;
	if (pf->ring.fd < 0)
		return;
	size_t k = 0, at = 0;
	for (size_t pos = 0; pos < n; k++) {
		struct task_head th;
		memcpy(&th, msg + pos, sizeof(th));
		const char *path = (const char *)msg + pos + sizeof(th);
		pos += sizeof(th) + th.pathlen;
		if (!prefetchable(&th) || memchr(path, 0, th.pathlen))
			continue;
		char *name = pf->names + at;
		memcpy(name, path, th.pathlen);
		name[th.pathlen] = 0;
		at += th.pathlen + 1;
		const char *rest;
		int dfd = dir_of(dc, name, (th.flags & MPS_UNIT_WALKED) ? th.root : SIZE_MAX, deref,
				 &rest);
		if (dfd == -1)
			continue;
		mps_ring_add_read(&pf->ring, dfd, rest, (unsigned)k, pf->buf + k * pf->slot,
				  (unsigned)pf->slot, k);
	}
	if (mps_ring_run(&pf->ring, prefetch_done, pf) < 0) {
		/* reads may still land in pf->buf: give up on both for good */
		mps_ring_release(&pf->ring);
		pf->buf = NULL;
		for (size_t i = 0; i < BATCH_MAX; i++)
			pf->res[i] = -1;
	}
}

static void worker_main(struct mps_pool *p, int tq, int out, int core)
{
	signal(SIGPIPE, SIG_DFL);
	if (core >= 0 && p->o.pin) {
		hwloc_cpuset_t c = hwloc_bitmap_alloc();
		hwloc_bitmap_only(c, (unsigned)core);
		hwloc_set_cpubind(p->topo, c, HWLOC_CPUBIND_PROCESS);
		hwloc_bitmap_free(c);
	}
	struct mps_searcher *s = mps_searcher_new(p->o.matcher, &p->o.search);
	unsigned char *msg = malloc(MSG_MAX + 1);
	uint64_t *ids = malloc(BATCH_MAX * 2 * sizeof(uint64_t));
	if (!s || !msg || !ids)
		_exit(3);
	long abort_unit = env_long("MPSEARCH_TEST_ABORT_UNIT", -1);
	long slow_ms = env_long("MPSEARCH_TEST_SLOW_MS", 0);
	long slow_batch_ms = env_long("MPSEARCH_TEST_SLOW_BATCH_MS", 0);
	struct mps_worker_stats st = {.pid = getpid(), .core = p->o.pin ? core : -1};
	struct mps_buf buf = {0};
	struct wout wo = {.fd = out};
	struct fdlist done = {.n = 0};
	struct dircache dc = {.fd = -1, .done = &done};
	static struct prefetch pf; /* one per process: static, not on the stack */
	/* MPSEARCH_TEST_SLOW_MS: each unit waits before it opens its file (the
	 * tests remove or truncate files meanwhile), so nothing is read ahead */
	prefetch_init(&pf, &p->o.search, slow_ms <= 0);
	for (;;) {
		ssize_t n = recv(tq, msg, MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* a batch: records of task_head + path */
		size_t nids = 0;
		for (size_t pos = 0; pos < (size_t)n;) {
			struct task_head th;
			if ((size_t)n - pos < sizeof(th))
				_exit(4);
			memcpy(&th, msg + pos, sizeof(th));
			if (th.pathlen > (size_t)n - pos - sizeof(th) || nids == BATCH_MAX)
				_exit(4);
			ids[2 * nids] = th.id;
			ids[2 * nids + 1] = th.part;
			nids++;
			pos += sizeof(th) + th.pathlen;
		}
		wo.part = 0;
		if (stage_frame(&wo, F_BEGIN, ids[0], ids, nids * 2 * sizeof(uint64_t)) || write_staged(&wo))
			_exit(5);
		test_switches(UINT64_MAX, -1, slow_batch_ms);
		double tp = now();
		prefetch_batch(&pf, &dc, msg, (size_t)n, p->o.deref);
		st.busy += now() - tp;
		for (size_t pos = 0, k = 0; pos < (size_t)n; k++) {
			struct task_head th;
			memcpy(&th, msg + pos, sizeof(th));
			char *path = (char *)msg + pos + sizeof(th);
			char save = path[th.pathlen];
			path[th.pathlen] = 0;
			double t0 = now();
			test_switches(th.id, abort_unit, slow_ms);
			struct mps_block_sink bs;
			wo.id = th.id;
			wo.part = th.part;
			buf.len = 0;
			mps_block_sink_init(&bs, &buf);
			bs.flush = worker_flush;
			bs.ctx = &wo;
			bs.flush_at = FLUSH_AT;
			int pre = pf.res[k];
			if (pre >= 0 && (size_t)pre >= pf.slot)
				pre = -1; /* filled the buffer: maybe bigger, the usual way */
			if (pre == 0)
				pre = -1; /* empty, or a FIFO swapped in: the usual way checks */
			if (pre >= 0 && mps_zsniff((unsigned char *)pf.buf + k * pf.slot, (size_t)pre,
						   p->o.search.search_zip) != MPS_Z_PLAIN)
				pre = -1; /* compressed or UTF-16: decoded the usual way */
			int rc;
			if (pre >= 0) {
				/* read whole ahead (a regular file: a short read is its end) */
				rc = mps_searcher_run_mem(s, pf.buf + k * pf.slot, (size_t)pre, 0, &bs.base);
			} else {
				struct stat fst = {0}, now_st;
				bool skip = false;
				int fd = (th.flags & MPS_UNIT_STDIN) ? 0
								    : open_in(&dc, &th, path, p->o.deref, &fst, &skip);
				/* a walked file was fstat'ed by open_in */
				if (fd > 0 && (th.flags & MPS_UNIT_ID) && !(th.flags & MPS_UNIT_WALKED) &&
				    fstat(fd, &fst))
					fst.st_ino = 0; /* matches no file id */
				if (fd < 0 || ((th.flags & MPS_UNIT_ID) && fd > 0 && !same_file(&th, &fst))) {
					/* a part of a split file finds another file: changed */
					int err = fd >= 0 ? MPS_ECHANGED : skip ? MPS_ESKIP : -errno;
					if (err == MPS_ESKIP && (th.flags & MPS_UNIT_ID))
						err = MPS_ECHANGED;
					if (fd >= 0)
						fds_add(&done, fd);
					struct mps_unit_summary sum = {.err = err};
					rc = bs.base.finish(&bs.base, &sum);
				} else {
					unsigned fl = th.part + 1 < th.nparts ? MPS_SEARCH_COUNT_LINES : 0;
					if (th.flags & MPS_UNIT_REGULAR)
						fl |= MPS_SEARCH_REGULAR;
					if (th.flags & MPS_UNIT_NOSIZE)
						fl |= MPS_SEARCH_SPLIT_BIG;
					bool decoded;
					rc = mps_zsearch_run(s, &p->o.search, fd, th.begin, th.end, fl,
							     &bs.base, &decoded);
					if (!decoded)
						rc = mps_searcher_run(s, fd, th.begin, th.end, fl, &bs.base);
					/* one version per file: a part of a split file that
					 * changed while it was read is an error (its lines
					 * are dropped with the whole file's); a file found
					 * big tells its parts what to check */
					if ((th.flags & MPS_UNIT_ID) && fd > 0 &&
					    (fstat(fd, &now_st) || !same_file(&th, &now_st)))
						bs.summary.err = MPS_ECHANGED;
					if (bs.summary.err == MPS_ESPLIT && fd > 0 && !fstat(fd, &now_st)) {
						struct mps_file_id id = {
							.dev = (uint64_t)now_st.st_dev, .ino = (uint64_t)now_st.st_ino,
							.size = (uint64_t)now_st.st_size,
							.mtime_sec = now_st.st_mtim.tv_sec,
							.mtime_nsec = now_st.st_mtim.tv_nsec};
						if (stage_frame(&wo, F_ID, th.id, &id, sizeof(id)))
							_exit(6);
					}
					if (fd > 0)
						fds_add(&done, fd);
				}
			}
			path[th.pathlen] = save;
			if (rc < 0)
				_exit(6); /* the pipe to the parent is gone */
			if (buf.len && stage_frame(&wo, F_DATA, th.id, buf.data, buf.len))
				_exit(6);
			unsigned char w[MPS_SUMMARY_WIRE];
			mps_summary_encode(&bs.summary, w);
			if (stage_frame(&wo, F_END, th.id, w, sizeof(w)))
				_exit(6);
			/* results go out at the end of a batch, or sooner when they
			 * grow big or the batch is slow (so that output streams and
			 * -q can stop early) */
			if ((wo.frames.len >= FLUSH_AT || now() - wo.since > 0.02) && write_staged(&wo))
				_exit(6);
			st.units++;
			st.bytes += bs.summary.bytes;
			st.selected += bs.summary.selected;
			st.busy += now() - t0;
			pos += sizeof(th) + th.pathlen;
		}
		fds_flush(&done);
		if (wo.frames.len && write_staged(&wo))
			_exit(6);
	}
	wo.part = 0;
	if (!stage_frame(&wo, F_STATS, 0, &st, sizeof(st)))
		write_staged(&wo);
	mps_searcher_free(s);
	prefetch_release(&pf);
	mps_buf_release(&buf);
	mps_buf_release(&wo.frames);
	free(msg);
	free(ids);
	dc_drop(&dc, 0);
	fds_flush(&done);
	free(dc.dir);
	free(dc.lv);
	free(done.fd);
	_exit(0);
}

/* ---- zygote ---- */

static int send_fd(int sock, const void *msg, size_t len, int fd)
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static ssize_t recv_fd(int sock, void *msg, size_t len, int *fd)
{
	struct iovec iov = {.iov_base = msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	*fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* ---- patterns that come after the pool was made ----
 * In a memfd: u32 syntax, u8 ignore_case, word, line, multiline, u64 count, then
 * per pattern u64 length and the bytes. */

static int put_bytes(int fd, const void *v, size_t n)
{
	return write_all(fd, v, n);
}

static int match_opts_write(int fd, const struct mps_match_opts *mo)
{
	uint32_t syn = (uint32_t)mo->syntax;
	unsigned char fl[4] = {mo->ignore_case, mo->word, mo->line, mo->multiline};
	uint64_t n = mo->npatterns;
	int rc = put_bytes(fd, &syn, 4);
	if (!rc)
		rc = put_bytes(fd, fl, 4);
	if (!rc)
		rc = put_bytes(fd, &n, 8);
	for (size_t i = 0; !rc && i < mo->npatterns; i++) {
		uint64_t len = strlen(mo->patterns[i]);
		rc = put_bytes(fd, &len, 8);
		if (!rc)
			rc = put_bytes(fd, mo->patterns[i], (size_t)len);
	}
	return rc;
}

/* The zygote: compile the patterns in memfd fd into p->o.matcher (kept
 * for the workers it forks).  0 or <0. */
static int matcher_from(struct mps_pool *p, int fd)
{
	struct stat st;
	if (fd < 0 || p->o.matcher || fstat(fd, &st) || st.st_size < 16)
		return -EINVAL;
	size_t len = (size_t)st.st_size;
	unsigned char *b = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (b == MAP_FAILED)
		return -errno;
	uint32_t syn;
	uint64_t n;
	memcpy(&syn, b, 4);
	memcpy(&n, b + 8, 8);
	int rc = -EINVAL;
	char **pat = n <= (len - 16) / 8 ? calloc(n ? n : 1, sizeof(char *)) : NULL;
	size_t at = 16, i = 0;
	for (; pat && i < n; i++) {
		uint64_t l;
		if (len - at < 8)
			break;
		memcpy(&l, b + at, 8);
		at += 8;
		if (l > len - at || !(pat[i] = strndup((const char *)b + at, (size_t)l)))
			break;
		at += (size_t)l;
	}
	if (pat && i == n) {
		struct mps_match_opts mo = {.patterns = pat, .npatterns = n, .syntax = (enum mps_syntax)syn,
					    .ignore_case = b[4], .word = b[5], .line = b[6],
					    .multiline = b[7]};
		char err[256];
		p->o.matcher = mps_matcher_new(&mo, err, sizeof(err)); /* the zygote's until it exits */
		rc = p->o.matcher ? 0 : errno == EINVAL ? MPS_EPATTERN : -errno;
	}
	/* the patterns stay: the matcher may point into them */
	if (!p->o.matcher && pat) {
		for (size_t k = 0; k < n; k++)
			free(pat[k]);
		free(pat);
	}
	munmap(b, len);
	return rc;
}

static void zygote_main(struct mps_pool *p, int zfd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	close(p->wake[0]);
	close(p->wake[1]);
	int live = 0;
	bool eof = false;
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	while (!eof || live > 0) {
		struct pollfd pf[2] = {{.fd = zfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		int pr = poll(pf + (eof ? 1 : 0), eof ? 1 : 2, sfd >= 0 ? -1 : 20);
		if (sfd >= 0 && pf[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0) {
			}
		}
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			live--;
			struct zmsg m = {.op = Z_DIED, .pid = pid, .status = st};
			send_fd(zfd, &m, sizeof(m), -1);
		}
		if (eof || pr <= 0 || !(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		struct zmsg m;
		int mfd;
		ssize_t n = recv_fd(zfd, &m, sizeof(m), &mfd);
		if (n <= 0) {
			eof = true;
			continue;
		}
		if (m.op == Z_MATCHER) {
			struct zmsg r = {.op = Z_MATCHED, .status = matcher_from(p, mfd)};
			if (mfd >= 0)
				close(mfd);
			send_fd(zfd, &r, sizeof(r), -1);
			continue;
		}
		if (mfd >= 0)
			close(mfd);
		if (m.op != Z_SPAWN)
			continue;
		int pfd[2];
		if (p->o.matcher == NULL || pipe2(pfd, O_CLOEXEC)) {
			struct zmsg r = {.op = Z_SPAWNED, .idx = m.idx,
					 .pid = p->o.matcher ? -errno : -EINVAL};
			send_fd(zfd, &r, sizeof(r), -1);
			continue;
		}
		pid_t zpid = getpid();
		pid_t c = fork();
		if (c == 0) {
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			if (sfd >= 0)
				close(sfd);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != zpid)
				_exit(0);
			close(pfd[0]);
			close(zfd);
			worker_main(p, p->tq_child, pfd[1], m.core);
		}
		int ferr = errno;
		close(pfd[1]);
		if (c > 0) {
			live++;
			struct zmsg r = {.op = Z_SPAWNED, .idx = m.idx, .pid = c, .core = m.core};
			send_fd(zfd, &r, sizeof(r), pfd[0]);
		} else {
			struct zmsg r = {.op = Z_SPAWNED, .idx = m.idx, .pid = -ferr};
			send_fd(zfd, &r, sizeof(r), -1);
		}
		close(pfd[0]);
	}
	_exit(0);
}

/* Ask the zygote for worker idx; the answer comes to handle_zygote. */
static int spawn(struct mps_pool *p, int idx)
{
	struct zmsg m = {.op = Z_SPAWN, .idx = idx, .core = p->cores ? p->cores[idx] : -1};
	p->w[idx].spawning = true;
	return send_fd(p->zfd, &m, sizeof(m), -1);
}

static void spawned(struct mps_pool *p, const struct zmsg *r, int fd)
{
	if (r->idx < 0 || r->idx >= p->nworkers) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct worker *w = &p->w[r->idx];
	w->pid = r->pid;
	w->fd = fd;
	w->core = r->core;
	w->alive = true;
	w->spawning = false;
	w->running = false;
	w->in.len = w->in_off = 0;
	if (fd >= 0) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		fcntl(fd, F_SETPIPE_SZ, 1 << 20);
	}
}

static int handle_zygote(struct mps_pool *p);

/* Ask the zygote for every worker and wait until they are up. */
static int spawn_all(struct mps_pool *p)
{
	for (int i = 0; i < p->nworkers; i++) {
		int rc = spawn(p, i);
		if (rc)
			return rc;
	}
	for (;;) {
		bool waiting = false;
		for (int i = 0; i < p->nworkers; i++)
			waiting |= p->w[i].spawning;
		if (!waiting)
			return 0;
		int rc = handle_zygote(p);
		if (rc)
			return rc;
	}
}

int mps_pool_start(struct mps_pool *p, const struct mps_match_opts *mo)
{
	if (p->started)
		return -EALREADY;
	int fd = memfd_create("mpsearch-patterns", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = match_opts_write(fd, mo);
	struct zmsg m = {.op = Z_MATCHER};
	if (!rc)
		rc = send_fd(p->zfd, &m, sizeof(m), fd);
	close(fd);
	while (!rc) {
		struct zmsg r;
		int rfd;
		ssize_t n = recv_fd(p->zfd, &r, sizeof(r), &rfd);
		if (rfd >= 0)
			close(rfd);
		if (n <= 0)
			rc = -EPIPE;
		else if (r.op == Z_MATCHED) {
			rc = r.status;
			break;
		}
	}
	if (!rc)
		rc = spawn_all(p);
	if (!rc)
		p->started = true;
	return rc;
}

struct mps_pool *mps_pool_new(const struct mps_pool_opts *o)
{
	struct mps_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->o = *o;
	p->tq = p->tq_child = p->zfd = p->wake[0] = p->wake[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->room, NULL);
	int err = ENOMEM;
	/* Result blocks grow by doubling; with big blocks always mapped,
	 * realloc moves them with mremap instead of copying, and freed blocks
	 * go back to the system at once (glibc would otherwise raise the
	 * threshold after the first free and copy on every growth). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	hwloc_quiet_plugins();
	if (hwloc_topology_init(&p->topo) || hwloc_topology_load(p->topo))
		goto fail;
	hwloc_cpuset_t set = hwloc_bitmap_alloc();
	if (hwloc_get_cpubind(p->topo, set, HWLOC_CPUBIND_PROCESS))
		hwloc_bitmap_copy(set, hwloc_topology_get_allowed_cpuset(p->topo));
	long nw = o->workers > 0 ? o->workers : count_slice(p->topo, set, o->local_rank, o->local_size);
	if (nw > 1024)
		nw = 1024;
	p->nworkers = (int)nw;
	p->cores = calloc((size_t)nw, sizeof(int));
	p->w = calloc((size_t)nw, sizeof(*p->w));
	if (!p->cores || !p->w) {
		hwloc_bitmap_free(set);
		goto fail;
	}
	int got = mps_pool_pick_cores(p->topo, set, o->local_rank, o->local_size, (int)nw, p->cores);
	hwloc_bitmap_free(set);
	for (int i = got; i < nw; i++)
		p->cores[i] = -1;
	int tq[2], zs[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tq))
		goto fail_errno;
	p->tq = tq[0];
	p->tq_child = tq[1];
	int sz = 4 << 20;
	setsockopt(p->tq, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	shutdown(p->tq_child, SHUT_WR);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, zs))
		goto fail_errno;
	if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK))
		goto fail_errno;
	pid_t parent = getpid();
	fflush(NULL);
	p->zygote = fork();
	if (p->zygote < 0)
		goto fail_errno;
	if (p->zygote == 0) {
		close(zs[0]);
		close(p->tq);
		zygote_main(p, zs[1], parent);
	}
	close(zs[1]);
	p->zfd = zs[0];
	close(p->tq_child);
	p->tq_child = -1;
	fcntl(p->tq, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < p->nworkers; i++)
		p->w[i].fd = -1;
	p->started = o->matcher != NULL;
	int rc = o->matcher ? spawn_all(p) : 0; /* else mps_pool_start */
	if (rc) {
		err = rc < 0 ? -rc : EINVAL;
		goto fail;
	}
	return p;
fail_errno:
	err = errno;
fail:
	mps_pool_free(p, NULL, 0);
	errno = err;
	return NULL;
}

/* ---- unit table ---- */

static void slot_free(struct slot *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nsub; i++)
		slot_free(s->sub[i]);
	free(s->sub);
	mps_buf_release(&s->data);
	mps_unit_release(&s->u);
	free(s);
}

/* Slots move when the table is compacted or grown by mps_pool_submit in
 * the walker thread, so every look-up holds the lock. */
static struct slot *slot_of(struct mps_pool *p, uint64_t id, uint32_t part)
{
	struct slot *s = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->base_set && id >= p->base && id - p->base < p->n)
		s = p->slots[id - p->base];
	pthread_mutex_unlock(&p->mu);
	if (s && s->nsub)
		return part < s->nsub ? s->sub[part] : NULL;
	return s && s->u.part == part ? s : NULL;
}

int mps_pool_submit(struct mps_pool *p, const struct mps_unit *u)
{
	struct slot *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->u = *u;
	s->u.path = malloc(u->pathlen + 1);
	if (!s->u.path) {
		free(s);
		return -ENOMEM;
	}
	memcpy(s->u.path, u->path, u->pathlen);
	s->u.path[u->pathlen] = 0;
	pthread_mutex_lock(&p->mu);
	/* never waits in the owner's thread (it would wait for itself), nor
	 * before the owner runs, nor after mps_pool_close */
	while (p->owner_set && !p->closed && p->n - p->head >= SUBMIT_AHEAD &&
	       !pthread_equal(p->owner, pthread_self())) {
		p->submit_waits = true;
		pthread_cond_wait(&p->room, &p->mu);
	}
	int rc = 0;
	if (!p->base_set) {
		p->base = u->id;
		p->base_set = true;
	}
	if (u->id != p->base + p->n) {
		rc = -EINVAL;
	} else if (p->n == p->cap) {
		/* compact delivered slots away before growing */
		if (p->head > 0) {
			memmove(p->slots, p->slots + p->head, (p->n - p->head) * sizeof(*p->slots));
			p->n -= p->head;
			p->send_next -= p->head;
			p->base += p->head;
			p->head = 0;
		}
		if (p->n == p->cap) {
			size_t nc = p->cap ? 2 * p->cap : 1024;
			struct slot **ns = realloc(p->slots, nc * sizeof(*ns));
			if (!ns)
				rc = -ENOMEM;
			else {
				p->slots = ns;
				p->cap = nc;
			}
		}
	}
	bool wake = false;
	if (!rc) {
		p->slots[p->n++] = s;
		if (++p->submitted >= p->wake_at) {
			wake = true;
			p->wake_at = UINT64_MAX; /* once: the owner asks again */
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (rc) {
		slot_free(s);
		return rc;
	}
	char c = 1;
	if (wake && write(p->wake[1], &c, 1) < 0) {
		/* the pipe is full: the owner is awake anyway */
	}
	return 0;
}

int mps_pool_close(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->closed = true;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->mu);
	char c = 1;
	if (write(p->wake[1], &c, 1) < 0) {
		/* full: fine */
	}
	return 0;
}

static int push_urgent(struct mps_pool *p, struct slot *s)
{
	if (p->nurgent == p->urgent_cap) {
		size_t nc = p->urgent_cap ? 2 * p->urgent_cap : 16;
		struct slot **nu = realloc(p->urgent, nc * sizeof(*nu));
		if (!nu)
			return -ENOMEM;
		p->urgent = nu;
		p->urgent_cap = nc;
	}
	p->urgent[p->nurgent++] = s;
	s->st = S_PENDING;
	return 0;
}

static size_t unit_bytes(const struct slot *s)
{
	if (s->u.end != UINT64_MAX)
		return (size_t)(s->u.end - s->u.begin);
	if (s->u.size == UINT64_MAX)
		return 16u << 10; /* not known: the walk did not stat it */
	return (size_t)(s->u.size < (1u << 30) ? s->u.size : (1u << 30));
}

/* Put v[0, n) on the task queue as one batch (as many as fit).
 * 1 sent (*taken of them), 0 queue full, <0 error. */
static int send_batch(struct mps_pool *p, struct slot **v, size_t n, size_t *taken)
{
	unsigned char msg[MSG_MAX];
	size_t len = 0, k = 0, bytes = 0;
	while (k < n && k < BATCH_MAX) {
		struct slot *s = v[k];
		if (s->u.pathlen > TASK_MAX) {
			if (k)
				break;
			s->st = S_DONE;
			s->sum = (struct mps_unit_summary){.err = -ENAMETOOLONG};
			*taken = 1;
			return 1;
		}
		size_t rec = sizeof(struct task_head) + s->u.pathlen;
		if (k && (len + rec > MSG_MAX || bytes + unit_bytes(s) > BATCH_BYTES || s->solo ||
			  v[0]->solo || k >= p->batch_max))
			break;
		struct task_head th = {s->u.id, s->u.file, s->u.begin, s->u.end, s->u.part,
				       s->u.nparts, s->u.flags, (uint32_t)s->u.pathlen,
				       .root = s->u.root, .fid = s->u.fid};
		memcpy(msg + len, &th, sizeof(th));
		memcpy(msg + len + sizeof(th), s->u.path, s->u.pathlen);
		len += rec;
		bytes += unit_bytes(s);
		k++;
	}
	ssize_t r;
	do
		r = send(p->tq, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (size_t i = 0; i < k; i++)
		v[i]->st = S_SENT;
	*taken = k;
	return 1;
}

static int pump_sends(struct mps_pool *p, bool *blocked)
{
	*blocked = false;
	/* urgent first, in order: parts of a split file, redone units */
	size_t done = 0;
	p->batch_max = BATCH_MAX;
	while (done < p->nurgent) {
		size_t taken = 0;
		int r = send_batch(p, p->urgent + done, p->nurgent - done, &taken);
		if (r < 0)
			return r;
		if (r == 0) {
			*blocked = true;
			break;
		}
		done += taken;
		p->inflight++;
	}
	if (done) {
		memmove(p->urgent, p->urgent + done, (p->nurgent - done) * sizeof(*p->urgent));
		p->nurgent -= done;
	}
	if (*blocked)
		return 0;
	pthread_mutex_lock(&p->mu);
	int rc = 0;
	while (p->send_next < p->n) {
		/* while the walk goes on, wait for a fuller batch unless the
		 * workers may be idle (few batches in flight) */
		size_t avail = p->n - p->send_next;
		if (!p->closed && avail < BATCH_MAX && p->inflight >= 2 * (size_t)p->nworkers)
			break;
		/* spread what is queued over the workers: small batches when
		 * few units are known (big files of unknown size, the tail) */
		size_t per = avail / (2 * (size_t)p->nworkers);
		p->batch_max = per < 1 ? 1 : per > BATCH_MAX ? BATCH_MAX : per;
		size_t taken = 0;
		int r = send_batch(p, p->slots + p->send_next, avail, &taken);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r == 0) {
			*blocked = true;
			break;
		}
		p->send_next += taken;
		p->inflight++;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* The worker found unit s (whole, size not known at walk time) bigger
 * than a chunk: cut it into parts and queue them first. */
static int split_slot(struct mps_pool *p, struct slot *s, uint64_t size)
{
	uint64_t chunk = p->o.chunk_size ? p->o.chunk_size : MPS_DEFAULT_CHUNK;
	uint32_t k = mps_plan_nparts(size, chunk);
	s->sub = calloc(k, sizeof(*s->sub));
	if (!s->sub)
		return -ENOMEM;
	for (uint32_t i = 0; i < k; i++) {
		struct slot *t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->u = s->u;
		t->u.path = strdup(s->u.path);
		if (!t->u.path) {
			free(t);
			return -ENOMEM;
		}
		t->u.part = i;
		t->u.nparts = k;
		t->u.size = size;
		t->u.flags &= ~(uint32_t)MPS_UNIT_NOSIZE;
		mps_plan_part(size, i, k, &t->u.begin, &t->u.end);
		s->sub[s->nsub++] = t;
		int rc = push_urgent(p, t);
		if (rc)
			return rc;
	}
	s->st = S_SPLIT;
	return 0;
}

/* Handle the complete frames in w->in. */
static int take_frames(struct mps_pool *p, struct worker *w)
{
	size_t pos = w->in_off;
	while (w->in.len - pos >= FRAME_HEAD) {
		uint32_t type, len, part;
		memcpy(&type, w->in.data + pos, 4);
		memcpy(&len, w->in.data + pos + 4, 4);
		uint64_t id = get64(w->in.data + pos + 8);
		memcpy(&part, w->in.data + pos + 16, 4);
		if (w->in.len - pos - FRAME_HEAD < len)
			break;
		const unsigned char *pl = w->in.data + pos + FRAME_HEAD;
		struct slot *s = type == F_STATS || type == F_BEGIN ? NULL : slot_of(p, id, part);
		switch (type) {
		case F_BEGIN: {
			size_t k = len / 16;
			if (len % 16 || k == 0 || k > BATCH_MAX)
				return MPS_ECORRUPT;
			w->nbatch = 0;
			for (size_t i = 0; i < k; i++) {
				struct ref r = {get64(pl + 16 * i), (uint32_t)get64(pl + 16 * i + 8)};
				struct slot *b = slot_of(p, r.id, r.part);
				if (b && b->st == S_SENT) {
					b->st = S_RUNNING;
					b->worker = (int)(w - p->w);
					b->data.len = 0;
				}
				w->batch[w->nbatch++] = r;
			}
			w->running = true;
			if (p->inflight)
				p->inflight--;
			break;
		}
		case F_DATA:
			if (s && s->st == S_RUNNING && s->worker == (int)(w - p->w)) {
				int rc = mps_buf_append(&s->data, pl, len);
				if (rc)
					return rc;
				p->held += len;
			}
			break;
		case F_END:
			if (len != MPS_SUMMARY_WIRE)
				return MPS_ECORRUPT;
			if (s && s->st == S_RUNNING && s->worker == (int)(w - p->w)) {
				mps_summary_decode(pl, &s->sum);
				if (s->sum.err == MPS_ESPLIT && s->u.nparts == 1 && !s->nsub) {
					p->held -= s->data.len < p->held ? s->data.len : p->held;
					s->data.len = 0;
					int rc = split_slot(p, s, s->sum.bytes);
					if (rc)
						return rc;
				} else {
					s->st = S_DONE;
				}
			}
			break;
		case F_ID:
			if (len != sizeof(struct mps_file_id))
				return MPS_ECORRUPT;
			if (s && s->st == S_RUNNING && s->worker == (int)(w - p->w) && s->u.nparts == 1) {
				memcpy(&s->u.fid, pl, sizeof(s->u.fid));
				s->u.flags |= MPS_UNIT_ID | MPS_UNIT_ID_DEV;
			}
			break;
		case F_STATS:
			if (len == sizeof(w->st)) {
				memcpy(&w->st, pl, sizeof(w->st));
				w->have_stats = true;
			}
			break;
		default:
			return MPS_ECORRUPT;
		}
		pos += FRAME_HEAD + len;
	}
	/* move the unfinished frame down only now and then, not per read */
	if (pos == w->in.len) {
		w->in.len = w->in_off = 0;
	} else if (pos > (4u << 20) && pos > w->in.len / 2) {
		memmove(w->in.data, w->in.data + pos, w->in.len - pos);
		w->in.len -= pos;
		w->in_off = 0;
	} else {
		w->in_off = pos;
	}
	return 0;
}

/* Read what a worker has written; returns 1 at EOF. */
static int read_worker(struct mps_pool *p, struct worker *w)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		int rc = mps_buf_reserve(&w->in, 1 << 20);
		if (rc)
			return rc;
		ssize_t n = read(w->fd, w->in.data + w->in.len, w->in.alloc - w->in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n == 0) {
			rc = take_frames(p, w);
			return rc ? rc : 1;
		}
		size_t room = w->in.alloc - w->in.len;
		w->in.len += (size_t)n;
		if ((rc = take_frames(p, w)))
			return rc;
		if ((size_t)n < room)
			break; /* drained: poll says when there is more */
	}
	return 0;
}

static bool work_left(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	bool left = !p->closed || p->head < p->n;
	pthread_mutex_unlock(&p->mu);
	return left;
}

/* A worker died (or exited).  The units of its batch it had not finished
 * go back to the queue; the one it was on counts an attempt, and a unit
 * that killed two workers is reported as an error for its file. */
static int worker_gone(struct mps_pool *p, int idx, int status)
{
	struct worker *w = &p->w[idx];
	if (w->fd >= 0) {
		fcntl(w->fd, F_SETFL, 0);
		while (read_worker(p, w) == 0) {
		}
		close(w->fd);
		w->fd = -1;
	}
	w->alive = false;
	bool crashed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* A worker writes the results of a batch at its end, so every unit of
	 * the batch it had not reported looks unfinished: none is blamed then;
	 * each is redone alone, and a unit that kills a worker while alone in
	 * its batch, after an earlier death, is reported as an error. */
	size_t unfinished = 0;
	for (size_t i = 0; w->running && i < w->nbatch; i++) {
		struct slot *s = slot_of(p, w->batch[i].id, w->batch[i].part);
		unfinished += s && s->st == S_RUNNING && s->worker == idx;
	}
	for (size_t i = 0; w->running && i < w->nbatch; i++) {
		struct slot *s = slot_of(p, w->batch[i].id, w->batch[i].part);
		if (!s || s->st != S_RUNNING || s->worker != idx)
			continue;
		p->held -= s->data.len < p->held ? s->data.len : p->held;
		s->data.len = 0;
		if (unfinished == 1 && ++s->attempts >= 2) {
			s->st = S_DONE;
			s->sum = (struct mps_unit_summary){.err = MPS_EWORKER};
			continue;
		}
		if (unfinished > 1 && s->attempts == 0)
			s->attempts = 1; /* a suspect: the next death alone decides */
		s->solo = true;
		int rc = push_urgent(p, s);
		if (rc)
			return rc;
	}
	w->running = false;
	p->lost_check = now() + 0.2;
	if (crashed && work_left(p))
		return spawn(p, idx);
	return 0;
}

static int handle_zygote(struct mps_pool *p)
{
	struct zmsg m;
	int fd;
	ssize_t n = recv_fd(p->zfd, &m, sizeof(m), &fd);
	if (n <= 0) {
		if (fd >= 0)
			close(fd);
		return -EPIPE;
	}
	if (m.op == Z_SPAWNED && m.pid < 0) {
		/* no pipe, no process: the pool cannot go on */
		if (m.idx >= 0 && m.idx < p->nworkers)
			p->w[m.idx].spawning = false;
		return m.pid;
	}
	if (m.op == Z_SPAWNED) {
		spawned(p, &m, fd);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (m.op != Z_DIED)
		return 0;
	for (int i = 0; i < p->nworkers; i++)
		if (p->w[i].pid == m.pid && p->w[i].alive)
			return worker_gone(p, i, m.status);
	return 0;
}

/* A worker that died between taking a batch from the queue and saying so
 * took the batch with it.  When the queue is empty, units still only
 * "sent" were in such a batch: queue them again. */
static int requeue_lost(struct mps_pool *p)
{
	int queued = 0;
	if (ioctl(p->tq, SIOCOUTQ, &queued) || queued > 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	size_t from = p->head, to = p->send_next;
	pthread_mutex_unlock(&p->mu);
	for (size_t i = from; i < to; i++) {
		pthread_mutex_lock(&p->mu);
		struct slot *s = p->slots[i];
		pthread_mutex_unlock(&p->mu);
		for (uint32_t k = 0; s && k < (s->nsub ? s->nsub : 1); k++) {
			struct slot *t = s->nsub ? s->sub[k] : s;
			if (t->st == S_SENT) {
				t->solo = true;
				int rc = push_urgent(p, t);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

static void release_delivered(struct mps_pool *p)
{
	if (p->delivered) {
		struct slot *d = p->delivered;
		p->held -= d->data.len < p->held ? d->data.len : p->held;
		mps_buf_release(&d->data);
		if (!p->delivered_parent || p->delivered_parent == d)
			slot_free(d);
		p->delivered = NULL;
	}
	if (p->delivered_parent) {
		struct slot *h = p->delivered_parent;
		if (h->next_sub == h->nsub) {
			/* all parts handed out: the file's slot goes */
			slot_free(h);
		}
		p->delivered_parent = NULL;
	}
}

/* Before sleeping: say after how many more submitted units pump_sends
 * would send a batch again (its test), so that submit wakes us then and
 * not for every unit. */
static void arm_wake(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	uint64_t unsent = p->n - p->send_next;
	uint64_t want = p->inflight >= 2 * (size_t)p->nworkers ? BATCH_MAX : 1;
	p->wake_at = p->submitted - unsent + want;
	pthread_mutex_unlock(&p->mu);
}

int mps_pool_next(struct mps_pool *p, struct mps_result *r)
{
	return mps_pool_next_wait(p, r, -1);
}

void mps_pool_own(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->owner = pthread_self();
	p->owner_set = true;
	pthread_mutex_unlock(&p->mu);
}

/* A worker's CPU ticks plus bytes read (Linux /proc); 0 when unknown. */
static uint64_t worker_mark(pid_t pid)
{
	char path[64], buf[1024];
	uint64_t mark = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = 0;
		/* after "(comm) ", field 14 and 15 are utime and stime */
		const char *q = strrchr(buf, ')');
		unsigned long long ut = 0, stt = 0;
		if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
				&stt) == 2)
			mark += ut + stt;
	}
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = 0;
		unsigned long long rchar = 0;
		if (sscanf(buf, "rchar: %llu", &rchar) == 1)
			mark += rchar;
	}
	return mark;
}

/* The unit worker i is on: the first of its batch still running. */
static const struct slot *worker_unit(struct mps_pool *p, int i)
{
	const struct worker *w = &p->w[i];
	for (size_t k = 0; w->running && k < w->nbatch; k++) {
		const struct slot *s = slot_of(p, w->batch[k].id, w->batch[k].part);
		if (s && s->st == S_RUNNING && s->worker == i)
			return s;
	}
	return NULL;
}

/* --stall-timeout: sample the workers that are on a unit. */
static void watch_workers(struct mps_pool *p)
{
	double t = now();
	for (int i = 0; i < p->nworkers; i++) {
		struct worker *w = &p->w[i];
		const struct slot *s = w->alive && w->pid > 0 ? worker_unit(p, i) : NULL;
		if (!s) {
			w->still_since = 0;
			w->stall_told = false;
			continue;
		}
		uint64_t mark = worker_mark(w->pid);
		if (w->still_since == 0 || mark != w->mark) {
			w->mark = mark;
			w->still_since = t;
			w->stall_told = false;
		} else if (!w->stall_told && t - w->still_since >= p->o.stall_timeout) {
			w->stall_told = true;
			if (p->o.stall)
				p->o.stall(p->o.stall_ctx, w->pid, s->u.path, t - w->still_since);
		}
	}
}

int mps_pool_next_wait(struct mps_pool *p, struct mps_result *r, int timeout_ms)
{
	if (!p->owner_set) {
		pthread_mutex_lock(&p->mu);
		p->owner = pthread_self();
		p->owner_set = true;
		pthread_mutex_unlock(&p->mu);
	}
	release_delivered(p);
	double deadline = timeout_ms >= 0 ? now() + timeout_ms * 1e-3 : 0;
	for (int pass = 0;; pass++) {
		pthread_mutex_lock(&p->mu);
		struct slot *h = p->head < p->n ? p->slots[p->head] : NULL;
		bool done = p->closed && p->head == p->n;
		pthread_mutex_unlock(&p->mu);
		struct slot *ready = NULL;
		if (h && h->nsub && h->sub[h->next_sub]->st == S_DONE)
			ready = h->sub[h->next_sub];
		else if (h && !h->nsub && h->st == S_DONE)
			ready = h;
		if (ready) {
			if (ready != h) {
				h->next_sub++;
				p->delivered_parent = h;
			}
			if (ready == h || h->next_sub == h->nsub) {
				pthread_mutex_lock(&p->mu);
				p->slots[p->head++] = NULL;
				if (p->submit_waits && p->n - p->head <= SUBMIT_AHEAD / 2) {
					p->submit_waits = false;
					pthread_cond_signal(&p->room);
				}
				pthread_mutex_unlock(&p->mu);
			}
			p->delivered = ready;
			r->unit_done = ready == h || h->next_sub == h->nsub;
			r->unit = &ready->u;
			r->block = ready->data.data;
			r->len = ready->data.len;
			r->summary = ready->sum;
			return 0;
		}
		if (done) {
			if (!p->tq_shut) {
				shutdown(p->tq, SHUT_WR);
				p->tq_shut = true;
			}
			return 1;
		}
		double left = timeout_ms >= 0 ? deadline - now() : 0;
		if (timeout_ms >= 0 && pass > 0 && left <= 0)
			return MPS_POOL_AGAIN;
		bool blocked;
		int rc = pump_sends(p, &blocked);
		if (rc)
			return rc;
		/* poll: wake pipe, zygote, task queue when blocked, workers */
		struct pollfd pf[3 + 1024];
		int map[3 + 1024];
		int np = 0;
		pf[np] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
		map[np++] = -1;
		pf[np] = (struct pollfd){.fd = p->zfd, .events = POLLIN};
		map[np++] = -2;
		if (blocked) {
			pf[np] = (struct pollfd){.fd = p->tq, .events = POLLOUT};
			map[np++] = -3;
		}
		struct slot *hs = h && h->nsub ? h->sub[h->next_sub] : h;
		int head_worker = hs && hs->st == S_RUNNING ? hs->worker : -1;
		for (int i = 0; i < p->nworkers; i++) {
			if (p->w[i].fd < 0)
				continue;
			if (p->held > HOLD_BUDGET && head_worker >= 0 && i != head_worker)
				continue; /* back-pressure: only the unit we can print next */
			pf[np] = (struct pollfd){.fd = p->w[i].fd, .events = POLLIN};
			map[np++] = i;
		}
		if (p->lost_check > 0 && now() >= p->lost_check) {
			p->lost_check = 0;
			if ((rc = requeue_lost(p)))
				return rc;
		}
		if (p->o.stall_timeout > 0 && now() - p->watched >= 0.25) {
			p->watched = now();
			watch_workers(p);
		}
		arm_wake(p);
		int wait = p->lost_check > 0 ? 50 : 1000;
		if (p->o.stall_timeout > 0 && wait > 250)
			wait = 250;
		if (timeout_ms >= 0 && left * 1e3 < wait)
			wait = left > 0 ? (int)(left * 1e3) + 1 : 0;
		int pr = poll(pf, (nfds_t)np, wait);
		if (pr < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; pr > 0 && i < np; i++) {
			if (!pf[i].revents)
				continue;
			if (map[i] == -1) {
				char buf[256];
				while (read(p->wake[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf)) {
				}
			} else if (map[i] == -2) {
				if ((rc = handle_zygote(p)))
					return rc;
			} else if (map[i] >= 0) {
				if (p->w[map[i]].fd != pf[i].fd)
					continue; /* closed by worker_gone in this round */
				rc = read_worker(p, &p->w[map[i]]);
				if (rc < 0)
					return rc;
				if (rc == 1) {
					/* EOF: the worker is exiting; its death notice follows */
					close(p->w[map[i]].fd);
					p->w[map[i]].fd = -1;
				}
			}
		}
	}
}

int mps_pool_free(struct mps_pool *p, struct mps_worker_stats *st, int max)
{
	if (!p)
		return 0;
	int n = p->nworkers;
	bool early = p->head < p->n || !p->closed;
	if (early) {
		/* stopped before the end (-q, an error): queued units are moot */
		for (int i = 0; p->w && i < p->nworkers; i++)
			if (p->w[i].alive && p->w[i].pid > 0)
				kill(p->w[i].pid, SIGKILL);
	}
	if (p->tq >= 0) {
		shutdown(p->tq, SHUT_WR);
		/* collect final stats frames */
		for (int i = 0; p->w && i < p->nworkers; i++) {
			struct worker *w = &p->w[i];
			if (w->fd < 0)
				continue;
			fcntl(w->fd, F_SETFL, 0);
			while (read_worker(p, w) == 0) {
			}
			close(w->fd);
			w->fd = -1;
		}
		close(p->tq);
	}
	if (p->zfd >= 0)
		close(p->zfd);
	if (p->zygote > 0) {
		int s;
		while (waitpid(p->zygote, &s, 0) < 0 && errno == EINTR) {
		}
	}
	for (int i = 0; st && p->w && i < n && i < max; i++) {
		st[i] = p->w[i].st;
		if (!p->w[i].have_stats) {
			st[i].pid = p->w[i].pid;
			st[i].core = p->o.pin ? p->w[i].core : -1;
		}
	}
	release_delivered(p);
	for (size_t i = p->head; p->slots && i < p->n; i++)
		slot_free(p->slots[i]);
	free(p->slots);
	free(p->urgent);
	for (int i = 0; p->w && i < p->nworkers; i++)
		mps_buf_release(&p->w[i].in);
	free(p->w);
	free(p->cores);
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
	if (p->tq_child >= 0)
		close(p->tq_child);
	if (p->topo)
		hwloc_topology_destroy(p->topo);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->room);
	free(p);
	return n;
}
