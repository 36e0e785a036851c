/* SPDX-License-Identifier: BSD-3-Clause */
/* Run, local: a walker thread feeds the pool while the calling thread
 * takes the results in order (the pool restores it) and prints them.
 * Streams (standard input that is no regular file, a FIFO operand) are
 * searched by the calling thread itself when their turn comes, their
 * output written as it is found. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "print_text.h"
#include "run_int.h"
#include "util.h"

#define MAX_WORKERS 1024

/* The streams met by the walk, each to be searched before the unit
 * submitted to the pool as number `before`.  mu guards v, n and cap. */
struct stream_ent {
	struct mps_unit u;
	uint64_t before;
};
struct streams {
	pthread_mutex_t mu;
	struct stream_ent *v;
	size_t n, cap, head; /* head: the calling thread's, unguarded */
	uint64_t submitted;  /* the walker's */
	uint64_t done;       /* units finished (the calling thread's) */
	struct mps_searcher *s;
};

/* Is unit u a stream: standard input that is no regular file, or a FIFO
 * named on the command line? */
static bool stream_unit(const struct mps_unit *u)
{
	struct stat st;
	if (u->flags & MPS_UNIT_STDIN)
		return !fstat(STDIN_FILENO, &st) && !S_ISREG(st.st_mode);
	if (u->flags & (MPS_UNIT_WALKED | MPS_UNIT_REGULAR) || u->nparts > 1)
		return false;
	char *path = strndup(u->path, u->pathlen);
	bool fifo = path && !stat(path, &st) && S_ISFIFO(st.st_mode);
	free(path);
	return fifo;
}

static int put_pool(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	(void)f;
	struct streams *q = r->put_ctx;
	if (r->matcher && stream_unit(u)) {
		char *path = strndup(u->path, u->pathlen);
		pthread_mutex_lock(&q->mu);
		int rc = path ? MPS_GROW(q->v, q->n + 1, q->cap) : -ENOMEM;
		if (!rc) {
			q->v[q->n] = (struct stream_ent){.u = *u, .before = q->submitted};
			q->v[q->n++].u.path = path;
		}
		pthread_mutex_unlock(&q->mu);
		if (rc)
			free(path);
		return rc;
	}
	u->id = q->submitted++; /* the pool's numbers have no gaps */
	return mps_pool_submit(r->pool, u);
}

static void streams_release(struct streams *q)
{
	for (size_t i = q->head; i < q->n; i++)
		free((char *)q->v[i].u.path);
	free(q->v);
	mps_searcher_free(q->s);
	pthread_mutex_destroy(&q->mu);
}

/* ---- a stream, searched here ---- */

struct stream {
	struct mps_printer *pr;
	const struct mps_unit *u;
	struct mps_buf buf;
	struct mps_block_sink bs;
	int prc; /* the printer's first nonzero return */
};

/* The block sink's records so far, printed as a piece. */
static int stream_piece(void *ctx, struct mps_buf *out)
{
	struct stream *st = ctx;
	int rc = out->len && !st->prc ? mps_printer_piece(st->pr, st->u, out->data, out->len) : 0;
	out->len = 0;
	if (rc && !st->prc)
		st->prc = rc;
	return rc < 0 ? rc : 0;
}

/* Before the search waits for more input: out with what was found. */
static int stream_wait(void *ctx)
{
	struct stream *st = ctx;
	int rc = stream_piece(st, &st->buf);
	if (!rc && (rc = mps_printer_flush(st->pr)))
		st->prc = rc; /* a write error, not the stream's */
	return rc;
}

/* Search stream u and print it: the printer's return. */
static int search_stream(struct run *r, struct streams *q, struct mps_printer *pr,
			 const struct mps_unit *u)
{
	if (!q->s && !(q->s = mps_searcher_new(r->matcher, &r->so)))
		return -errno;
	int rc = mps_printer_flush(pr); /* the files before it first */
	if (rc)
		return rc;
	struct stream st = {.pr = pr, .u = u};
	mps_block_sink_init(&st.bs, &st.buf);
	st.bs.flush = stream_piece;
	st.bs.ctx = &st;
	st.bs.flush_at = 1u << 16;
	mps_searcher_set_wait(q->s, stream_wait, &st);
	int fd = (u->flags & MPS_UNIT_STDIN) ? STDIN_FILENO : open(u->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		st.bs.summary = (struct mps_unit_summary){.err = -errno};
	} else {
		bool handled;
		mps_zsearch_run(q->s, &r->so, fd, 0, UINT64_MAX, 0, &st.bs.base, &handled);
		if (!handled)
			mps_searcher_run(q->s, fd, 0, UINT64_MAX, 0, &st.bs.base);
		if (fd != STDIN_FILENO)
			close(fd);
	}
	mps_searcher_set_wait(q->s, NULL, NULL);
	/* errors of the search are in its summary */
	stream_piece(&st, &st.buf);
	rc = st.prc ? st.prc : mps_printer_unit(pr, u, NULL, 0, &st.bs.summary);
	mps_buf_release(&st.buf);
	r->done_bytes += st.bs.summary.bytes;
	r->done_files++;
	return rc;
}

/* Search the streams whose turn has come: those before unit `upto` of the
 * pool.  The printer's first nonzero return. */
static int run_streams(struct run *r, struct mps_printer *pr, uint64_t upto)
{
	struct streams *q = r->put_ctx;
	int prc = 0;
	while (!prc) {
		struct stream_ent e;
		pthread_mutex_lock(&q->mu);
		bool have = q->head < q->n && q->v[q->head].before <= upto;
		if (have)
			e = q->v[q->head++];
		pthread_mutex_unlock(&q->mu);
		if (!have)
			break;
		prc = search_stream(r, q, pr, &e.u);
		free((char *)e.u.path);
	}
	return prc;
}

static void *walker_thread(void *arg)
{
	struct run *r = arg;
	r->walk_rc = mps_run_walk(r);
	mps_pool_close(r->pool);
	return NULL;
}

/* Print the pool's results in order until it is done or the printer
 * wants no more.  *prc: the printer's first nonzero return. */
static int print_all(struct run *r, struct mps_printer *pr, int *prc)
{
	struct mps_result res;
	int rc;
	*prc = 0;
	struct streams *q = r->put_ctx;
	while ((rc = mps_pool_next(r->pool, &res)) == 0) {
		if ((*prc = run_streams(r, pr, q->done)))
			break;
		q->done += res.unit_done;
		r->done_bytes += res.summary.bytes;
		r->done_files += res.unit->part + 1 == res.unit->nparts;
		mps_run_progress(r, false);
		if (res.ring)
			*prc = mps_printer_text(pr, res.unit, &res.summary, res.printed, res.ring,
						res.text_off, res.text_len);
		else
			*prc = mps_printer_unit(pr, res.unit, res.block, res.len, &res.summary);
		if (*prc)
			break;
	}
	if (rc >= 0 && !*prc)
		*prc = run_streams(r, pr, UINT64_MAX);
	return rc < 0 ? rc : 0;
}

/* What went wrong, counted and said once: the result's errors. */
static int count_failures(struct run *r, int pool_rc, int frc)
{
	int errors = atomic_load(&r->errors);
	if (r->submit_err) {
		mps_run_message(r, "%s%s", "cannot queue work: ", mps_strerror(r->submit_err));
		errors++;
	}
	if (pool_rc < 0) {
		mps_run_message(r, "%s%s", "worker pool failed: ", mps_strerror(pool_rc));
		errors++;
	}
	if (frc < 0 && frc != -EPIPE) {
		if (frc != MPS_ETEMP) /* else reported by name already */
			mps_run_message(r, "%s%s", "write error: ", mps_strerror(frc));
		errors++;
	}
	return errors;
}

int mps_run_local(struct run *r, struct mps_run_result *res)
{
	int fd;
	int rc = mps_run_out_open(r, MPS_OUT_ALONE, &fd);
	if (rc)
		return rc;
	r->put = put_pool;
	struct streams q = {.mu = PTHREAD_MUTEX_INITIALIZER};
	r->put_ctx = &q;
	struct mps_printer *pr = mps_printer_new(&r->po, fd, &r->pd);
	if (!pr) {
		rc = -errno;
		mps_run_message(r, "cannot start the output: %s%s", strerror(errno), "");
		return rc;
	}
	pthread_t th;
	rc = pthread_create(&th, NULL, walker_thread, r);
	if (rc) {
		mps_run_message(r, "cannot start the walk: %s%s", strerror(rc), "");
		mps_printer_free(pr);
		streams_release(&q);
		return -rc;
	}
	double ts = mps_now();
	int prc;
	int pool_rc = print_all(r, pr, &prc);
	if (prc || pool_rc < 0) {
		atomic_store(&r->stop, 1);
		mps_pool_close(r->pool); /* the walker may still be submitting */
	}
	pthread_join(th, NULL);
	r->total_bytes = r->done_bytes; /* known now */
	mps_run_progress(r, true);
	double search = mps_now() - ts;
	int frc = prc < 0 ? prc : mps_printer_finish(pr, mps_now() - r->t0);
	mps_printer_totals(pr, &res->totals);
	mps_printer_free(pr);
	streams_release(&q);
	res->workers = calloc(MAX_WORKERS, sizeof(*res->workers));
	res->nworkers = mps_pool_free(r->pool, res->workers, res->workers ? MAX_WORKERS : 0);
	r->pool = NULL;
	res->errors = count_failures(r, pool_rc, frc);
	res->write_err = frc < 0 ? frc : 0;
	res->nranks = 1;
	res->ranks = calloc(1, sizeof(*res->ranks));
	if (res->ranks) {
		struct mps_rank_stats *s = res->ranks;
		gethostname(s->host, sizeof(s->host) - 1);
		s->workers = res->nworkers;
		s->units = r->next_id;
		s->bytes = res->totals.bytes;
		s->selected = res->totals.selected;
		s->rounds = 1;
		s->dirs = atomic_load(&r->dirs);
		s->walk = r->walk_s;
		s->search = search;
		s->maxrss_kb = mps_run_maxrss_kb();
	}
	res->total_s = mps_now() - r->t0;
	return 0;
}
