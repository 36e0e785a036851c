/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker process (see worker.h): batches in from the task queue, each
 * file opened the way the walk reached it (a directory cache keeps the
 * path's directories open), small files read ahead with io_uring, result
 * frames staged and written to the parent in few writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mpsearch/decomp.h"
#include "mpsearch/error.h"
#include "mpsearch/pool.h"
#include "cores.h"
#include "pool_wire.h"
#include "print_text.h"
#include "outring.h"
#include "uring.h"
#include "util.h"
#include "worker.h"

#define FLUSH_AT (256u << 10)
/* a worker short of room in its ring waits while the pool prints; it
 * gives up on formatting a unit when nothing was printed for this long
 * (the room may wait for this very unit) */
#define RING_IDLE 0.05
/* a part waits this long for the line count of the parts before it */
#define BASE_WAIT 0.5

/* ---- frames staged and written ---- */

/* A worker stages its frames in `frames` and writes them in one go at the
 * end of a batch, or earlier when they grow past FLUSH_AT. */
struct wout {
	int fd;
	uint64_t id;
	uint32_t part;
	struct mps_buf frames;
	double since; /* last write */
};

static int stage_frame(struct wout *w, enum mps_frame_type type, uint64_t id, const void *p,
		       size_t len)
{
	return mps_frame_put(&w->frames, type, id, w->part, p, len);
}

static int write_staged(struct wout *w)
{
	int rc = mps_write_all(w->fd, w->frames.data, w->frames.len);
	w->frames.len = 0;
	w->since = mps_now();
	return rc;
}

static int worker_flush(void *ctx, struct mps_buf *out)
{
	struct wout *w = ctx;
	int rc = stage_frame(w, MPS_FRAME_DATA, w->id, out->data, out->len);
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
	/* MPSEARCH_TEST_SLOW_FROM=ID:MS: each task from id ID on (the later
	 * parts of a split file) is searched MS milliseconds late */
	static long from = -2, from_ms;
	if (from == -2) {
		const char *v = getenv("MPSEARCH_TEST_SLOW_FROM");
		if (!v || sscanf(v, "%ld:%ld", &from, &from_ms) != 2)
			from = -1;
	}
	if (from >= 0 && id != UINT64_MAX && id >= (uint64_t)from && from_ms > slow_ms)
		slow_ms = from_ms;
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
	if (MPS_GROW(l->fd, l->n + 1, l->cap)) {
		close(fd); /* out of memory: at once (the read-ahead then may fail) */
		return;
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
	if (MPS_GROW(dc->dir, len + 1, dc->alloc))
		return -1;
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
	if (MPS_GROW(dc->lv, dc->nlv + 1, dc->lvcap))
		return -1;
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
static int open_once(struct dircache *dc, const struct mps_task *th, const char *path,
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
static int open_in(struct dircache *dc, const struct mps_task *th, const char *path, bool deref,
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
static bool same_file(const struct mps_task *th, const struct stat *st)
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
	char *buf;            /* MPS_TASK_BATCH_MAX buffers of `slot` bytes */
	size_t slot;          /* < the searcher's buffer: no split check needed */
	int res[MPS_TASK_BATCH_MAX];   /* bytes read; < 0 none */
	char names[MPS_TASK_MSG_MAX + MPS_TASK_BATCH_MAX]; /* the paths, NUL-terminated */
};

static void prefetch_init(struct prefetch *pf, const struct mps_search_opts *so, bool on,
			  bool populate)
{
	pf->ring.fd = -1;
	pf->slot = so->bufsize && so->bufsize <= PRE_BYTES ? so->bufsize - 1 : PRE_BYTES;
	if (!on || pf->slot == 0 || mps_ring_init(&pf->ring, 4 * MPS_TASK_BATCH_MAX, MPS_TASK_BATCH_MAX) < 0)
		return;
	/* mapped at once: page by page, the faults cost more than the reads
	 * (and the kernel fills it, which memcheck could not see in malloc'd
	 * memory: mapped memory counts as defined) */
	void *b = mmap(NULL, MPS_TASK_BATCH_MAX * pf->slot, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
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
		munmap(pf->buf, MPS_TASK_BATCH_MAX * pf->slot);
	}
	pf->buf = NULL;
}

static void prefetch_done(void *ctx, uint64_t tag, int res)
{
	struct prefetch *pf = ctx;
	if (tag < MPS_TASK_BATCH_MAX)
		pf->res[tag] = res;
}

static bool prefetchable(const struct mps_task *th)
{
	return !(th->flags & MPS_UNIT_STDIN) && (th->flags & MPS_UNIT_REGULAR) && th->begin == 0 &&
	       th->end == UINT64_MAX && th->nparts == 1;
}

/* Read ahead the prefetchable units of batch t[0, n). */
static void prefetch_batch(struct prefetch *pf, struct dircache *dc, const struct mps_task *t,
			   size_t n, bool deref)
{
	for (size_t i = 0; i < MPS_TASK_BATCH_MAX; i++)
		pf->res[i] = -1;
	if (pf->ring.fd < 0)
		return;
	size_t at = 0;
	for (size_t k = 0; k < n; k++) {
		const struct mps_task *th = &t[k];
		if (!prefetchable(th) || memchr(th->path, 0, th->pathlen))
			continue;
		char *name = pf->names + at;
		memcpy(name, th->path, th->pathlen);
		name[th->pathlen] = 0;
		at += th->pathlen + 1;
		const char *rest;
		int dfd = dir_of(dc, name, (th->flags & MPS_UNIT_WALKED) ? th->root : SIZE_MAX, deref,
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
		for (size_t i = 0; i < MPS_TASK_BATCH_MAX; i++)
			pf->res[i] = -1;
	}
}

/* ---- the worker loop ---- */

struct worker {
	const struct mps_worker_conf *c;
	struct mps_searcher *s;
	unsigned char *msg; /* one task message */
	struct mps_task t[MPS_TASK_BATCH_MAX];
	struct mps_buf buf; /* the block of the unit being searched */
	struct mps_buf scratch;
	struct wout wo;
	struct fdlist done;
	struct dircache dc;
	struct prefetch *pf;
	struct mps_worker_stats st;
	long abort_unit, slow_ms, slow_batch_ms; /* test switches */
	struct mps_oring_view oring; /* results written once (outring.h) */
	struct mps_printer *tp;    /* formats into the ring; NULL: never */
	bool tp_lines;             /* it prints line numbers: parts need a base */
	bool starved;              /* a unit gave up for room: wait for much */
};

/* How many bytes of task k were read ahead whole, or -1: the usual way. */
static int prefetched(const struct worker *w, size_t k)
{
	const struct prefetch *pf = w->pf;
	int pre = pf->res[k];
	if (pre >= 0 && (size_t)pre >= pf->slot)
		return -1; /* filled the buffer: maybe bigger, the usual way */
	if (pre <= 0)
		return -1; /* empty, or a FIFO swapped in: the usual way checks */
	if (mps_zsniff((unsigned char *)pf->buf + k * pf->slot, (size_t)pre,
		       w->c->search->search_zip) != MPS_Z_PLAIN)
		return -1; /* compressed or UTF-16: decoded the usual way */
	return pre;
}

/* After searching a file found too big to search whole: tell its parts
 * which file they must find. */
static int tell_file_id(struct worker *w, const struct mps_task *th, int fd)
{
	struct stat now_st;
	if (fstat(fd, &now_st))
		return 0;
	struct mps_file_id id = {.dev = (uint64_t)now_st.st_dev, .ino = (uint64_t)now_st.st_ino,
				 .size = (uint64_t)now_st.st_size,
				 .mtime_sec = now_st.st_mtim.tv_sec,
				 .mtime_nsec = now_st.st_mtim.tv_nsec};
	w->scratch.len = 0;
	int rc = mps_fid_put(&w->scratch, &id);
	return rc ? rc : stage_frame(&w->wo, MPS_FRAME_ID, th->id, w->scratch.data, w->scratch.len);
}

/* Open and search the file of task th (path NUL-terminated) into sink,
 * whose finish fills *sum; a file that cannot be opened, or is no longer
 * the one the walk saw, ends with an error summary.  The search's return
 * value. */
static int search_file(struct worker *w, const struct mps_task *th, struct mps_sink *sink,
		       struct mps_unit_summary *sum)
{
	struct stat fst = {0}, now_st;
	bool skip = false;
	int fd = (th->flags & MPS_UNIT_STDIN) ? 0 : open_in(&w->dc, th, th->path, w->c->deref, &fst, &skip);
	/* a walked file was fstat'ed by open_in */
	if (fd > 0 && (th->flags & MPS_UNIT_ID) && !(th->flags & MPS_UNIT_WALKED) && fstat(fd, &fst))
		fst.st_ino = 0; /* matches no file id */
	if (fd < 0 || ((th->flags & MPS_UNIT_ID) && fd > 0 && !same_file(th, &fst))) {
		/* a part of a split file finds another file: changed */
		int err = fd >= 0 ? MPS_ECHANGED : skip ? MPS_ESKIP : -errno;
		if (err == MPS_ESKIP && (th->flags & MPS_UNIT_ID))
			err = MPS_ECHANGED;
		if (fd >= 0)
			fds_add(&w->done, fd);
		struct mps_unit_summary es = {.err = err};
		return sink->finish(sink, &es);
	}
	unsigned fl = th->part + 1 < th->nparts ? MPS_SEARCH_COUNT_LINES : 0;
	if (th->flags & MPS_UNIT_REGULAR)
		fl |= MPS_SEARCH_REGULAR;
	if (th->flags & MPS_UNIT_NOSIZE)
		fl |= MPS_SEARCH_SPLIT_BIG;
	bool decoded;
	int rc = mps_zsearch_run(w->s, w->c->search, fd, th->begin, th->end, fl, sink, &decoded);
	if (!decoded)
		rc = mps_searcher_run(w->s, fd, th->begin, th->end, fl, sink);
	/* one version per file: a part of a split file that changed while it
	 * was read is an error (its lines are dropped with the whole file's);
	 * a file found big tells its parts what to check */
	if ((th->flags & MPS_UNIT_ID) && fd > 0 && (fstat(fd, &now_st) || !same_file(th, &now_st)))
		sum->err = MPS_ECHANGED;
	if (sum->err == MPS_ESPLIT && fd > 0 && tell_file_id(w, th, fd))
		_exit(MPS_WORKER_NOSEND);
	if (fd > 0)
		fds_add(&w->done, fd);
	return rc;
}

/* Search task k of the batch as records and stage its frames; *sum gets
 * its summary.  pre: what prefetched() said. */
static void run_records(struct worker *w, size_t k, int pre, struct mps_unit_summary *sum)
{
	struct mps_task *th = &w->t[k];
	struct mps_block_sink bs;
	w->buf.len = 0;
	mps_block_sink_init(&bs, &w->buf);
	bs.flush = worker_flush;
	bs.ctx = &w->wo;
	bs.flush_at = FLUSH_AT;
	int rc;
	if (pre >= 0) /* read whole ahead (a regular file: a short read is its end) */
		rc = mps_searcher_run_mem(w->s, w->pf->buf + k * w->pf->slot, (size_t)pre, 0, &bs.base);
	else
		rc = search_file(w, th, &bs.base, &bs.summary);
	if (rc < 0)
		_exit(MPS_WORKER_NOSEND); /* the pipe to the parent is gone */
	if (w->buf.len && stage_frame(&w->wo, MPS_FRAME_DATA, th->id, w->buf.data, w->buf.len))
		_exit(MPS_WORKER_NOSEND);
	*sum = bs.summary;
}

/* Room for the text: wait (a while) for the pool to give some back. */
static int ring_more(void *ctx, struct mps_buf *out, size_t need)
{
	struct worker *w = ctx;
	uint64_t want = out->len + need;
	if (want > w->oring.size)
		return -1;
	uint64_t room = mps_oring_room(&w->oring);
	if (room < want && w->wo.frames.len && write_staged(&w->wo))
		_exit(MPS_WORKER_NOSEND); /* the texts before it must be known */
	if (room < want)
		room = mps_oring_wait(&w->oring, want - 1, RING_IDLE);
	if (room < want) {
		w->starved = true;
		return -1;
	}
	out->alloc = room;
	return 0;
}

/* Stage the TEXT frame of the text the sink wrote (the head moves on). */
static void stage_text(struct worker *w, const struct mps_task *th, struct mps_text_sink *ts)
{
	struct mps_text_ref t = {.off = w->oring.head, .len = mps_text_sink_len(ts),
				 .printed = ts->printed};
	w->scratch.len = 0;
	if (mps_text_put(&w->scratch, &t) ||
	    stage_frame(&w->wo, MPS_FRAME_TEXT, th->id, w->scratch.data, w->scratch.len))
		_exit(MPS_WORKER_NOSEND);
	w->oring.head += t.len;
	w->st.formatted++;
}

/* Search task k formatting its lines into the ring (print_text.h): true
 * when that is its answer (the TEXT frame is staged), false when it must
 * go the usual way. */
static bool run_text(struct worker *w, size_t k, int pre, struct mps_unit_summary *sum)
{
	struct mps_task *th = &w->t[k];
	struct mps_text_sink ts;
	mps_text_sink_init(&ts, w->tp, th->path, mps_oring_at(&w->oring), mps_oring_room(&w->oring),
			   ring_more, w);
	int rc;
	if (pre >= 0)
		rc = mps_searcher_run_mem(w->s, w->pf->buf + k * w->pf->slot, (size_t)pre, 0, &ts.base);
	else
		rc = search_file(w, th, &ts.base, &ts.summary);
	bool done = rc >= 0 && mps_text_sink_done(&ts);
	if (done)
		stage_text(w, th, &ts);
	mps_text_sink_close(&ts);
	*sum = ts.summary;
	return done;
}

/* A part of a split file: searched as records, its line count said at
 * once (a COUNT frame), then, when the pool has posted the lines of the
 * parts before it, its records formatted into the ring; else (no base in
 * time, no room, a line the printer must judge) its records go the usual
 * way.  Its frames are staged. */
static void run_part(struct worker *w, size_t k, struct mps_unit_summary *sum)
{
	struct mps_task *th = &w->t[k];
	struct mps_block_sink bs;
	w->buf.len = 0;
	mps_block_sink_init(&bs, &w->buf);
	bs.flush_at = SIZE_MAX; /* kept whole here */
	if (search_file(w, th, &bs.base, &bs.summary) < 0)
		_exit(MPS_WORKER_NOMEM);
	*sum = bs.summary;
	uint64_t base = 0;
	bool text = !sum->err && !sum->binary;
	if (text && w->tp_lines) {
		w->scratch.len = 0;
		if (mps_buf_put_varints(&w->scratch, &sum->lines, 1) ||
		    stage_frame(&w->wo, MPS_FRAME_COUNT, th->id, w->scratch.data, w->scratch.len) ||
		    write_staged(&w->wo))
			_exit(MPS_WORKER_NOSEND);
		text = mps_oring_wait_post(&w->oring, k, th->id, th->part, BASE_WAIT, &base);
	}
	if (text) {
		struct mps_text_sink ts;
		mps_text_sink_init(&ts, w->tp, th->path, mps_oring_at(&w->oring),
				   mps_oring_room(&w->oring), ring_more, w);
		ts.lines_before = (int64_t)base;
		text = mps_text_sink_records(&ts, w->buf.data, w->buf.len) == 0;
		if (text)
			stage_text(w, th, &ts);
		mps_text_sink_close(&ts);
	}
	if (!text && w->buf.len &&
	    stage_frame(&w->wo, MPS_FRAME_DATA, th->id, w->buf.data, w->buf.len))
		_exit(MPS_WORKER_NOSEND);
	if (w->buf.alloc > (16u << 20))
		mps_buf_release(&w->buf);
}

/* Is the ring roomy enough to try formatting the next unit?  After a unit
 * gave up for room (the output waits for a unit that is not done), units
 * go the usual way, without waiting, until half the ring is free again. */
static bool ring_roomy(struct worker *w)
{
	uint64_t room = mps_oring_room(&w->oring);
	if (w->starved && room >= w->oring.size / 2)
		w->starved = false;
	return !w->starved && room >= w->oring.size / 4;
}

/* Search task k of the batch and stage its frames. */
static void run_unit(struct worker *w, size_t k)
{
	struct mps_task *th = &w->t[k];
	char save = th->path[th->pathlen];
	th->path[th->pathlen] = 0;
	double t0 = mps_now();
	test_switches(th->id, w->abort_unit, w->slow_ms);
	w->wo.id = th->id;
	w->wo.part = th->part;
	int pre = prefetched(w, k);
	struct mps_unit_summary sum;
	bool text = w->tp && mps_print_text_unit(th->flags) && ring_roomy(w);
	if (text && th->nparts > 1)
		run_part(w, k, &sum);
	else if (!text || !run_text(w, k, pre, &sum))
		run_records(w, k, pre, &sum);
	th->path[th->pathlen] = save;
	w->scratch.len = 0;
	if (mps_summary_put(&w->scratch, &sum) ||
	    stage_frame(&w->wo, MPS_FRAME_END, th->id, w->scratch.data, w->scratch.len))
		_exit(MPS_WORKER_NOSEND);
	/* results go out at the end of a batch, or sooner when they grow big
	 * or the batch is slow (so that output streams and -q can stop early) */
	if ((w->wo.frames.len >= FLUSH_AT || mps_now() - w->wo.since > 0.02) && write_staged(&w->wo))
		_exit(MPS_WORKER_NOSEND);
	w->st.units++;
	w->st.bytes += sum.bytes;
	w->st.selected += sum.selected;
	w->st.busy += mps_now() - t0;
}

/* One batch msg[0, n): say which units it took, read ahead, search. */
static void run_batch(struct worker *w, size_t n)
{
	size_t count;
	if (mps_task_batch(w->msg, n, w->t, &count))
		_exit(MPS_WORKER_BADTASK);
	w->wo.part = 0;
	w->scratch.len = 0;
	if (mps_begin_put(&w->scratch, w->t, count) ||
	    stage_frame(&w->wo, MPS_FRAME_BEGIN, w->t[0].id, w->scratch.data, w->scratch.len) ||
	    write_staged(&w->wo))
		_exit(MPS_WORKER_NOPARENT);
	test_switches(UINT64_MAX, -1, w->slow_batch_ms);
	double tp = mps_now();
	prefetch_batch(w->pf, &w->dc, w->t, count, w->c->deref);
	w->st.busy += mps_now() - tp;
	for (size_t k = 0; k < count; k++)
		run_unit(w, k);
	fds_flush(&w->done);
	if (w->wo.frames.len && write_staged(&w->wo))
		_exit(MPS_WORKER_NOSEND);
}

_Noreturn void mps_worker_main(const struct mps_worker_conf *c)
{
	signal(SIGPIPE, SIG_DFL);
	if (c->cores && c->core >= 0)
		mps_cores_bind(c->cores, c->core);
	static struct worker w;          /* one per process: static, not on the stack */
	static struct prefetch pf;
	w = (struct worker){.c = c, .wo.fd = c->out, .pf = &pf};
	w.dc = (struct dircache){.fd = -1, .done = &w.done};
	w.s = mps_searcher_new(c->matcher, c->search);
	w.msg = malloc(MPS_TASK_MSG_MAX + 1);
	if (!w.s || !w.msg)
		_exit(MPS_WORKER_NOMEM);
	w.abort_unit = env_long("MPSEARCH_TEST_ABORT_UNIT", -1);
	w.slow_ms = env_long("MPSEARCH_TEST_SLOW_MS", 0);
	w.slow_batch_ms = env_long("MPSEARCH_TEST_SLOW_BATCH_MS", 0);
	w.st = (struct mps_worker_stats){.pid = getpid(), .core = c->cores ? c->core : -1};
	if (c->ring >= 0 && c->print && !mps_oring_map(&w.oring, c->ring))
		w.tp = mps_printer_text_new(c->print);
	w.tp_lines = c->print && (c->print->line_number || c->print->column);
	if (c->ring >= 0)
		close(c->ring);
	/* MPSEARCH_TEST_SLOW_MS: each unit waits before it opens its file (the
	 * tests remove or truncate files meanwhile), so nothing is read ahead */
	prefetch_init(&pf, c->search, w.slow_ms <= 0, !c->lean);
	for (;;) {
		ssize_t n = recv(c->tasks, w.msg, MPS_TASK_MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		run_batch(&w, (size_t)n);
	}
	w.wo.part = 0;
	w.scratch.len = 0;
	if (!mps_stats_put(&w.scratch, &w.st) &&
	    !stage_frame(&w.wo, MPS_FRAME_STATS, 0, w.scratch.data, w.scratch.len))
		write_staged(&w.wo);
	/* freed although _exit follows: memory checkers see no leak */
	mps_searcher_free(w.s);
	mps_printer_free(w.tp);
	mps_oring_unmap(&w.oring);
	prefetch_release(&pf);
	mps_buf_release(&w.buf);
	mps_buf_release(&w.scratch);
	mps_buf_release(&w.wo.frames);
	free(w.msg);
	dc_drop(&w.dc, 0);
	fds_flush(&w.done);
	free(w.dc.dir);
	free(w.dc.lv);
	free(w.done.fd);
	_exit(MPS_WORKER_DONE);
}
