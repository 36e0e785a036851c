/* SPDX-License-Identifier: BSD-3-Clause */
/* Run, local: a walker thread feeds the pool while the calling thread
 * takes the results in order (the pool restores it) and prints them. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print_text.h"
#include "run_int.h"
#include "util.h"

#define MAX_WORKERS 1024

static int put_pool(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	(void)f;
	return mps_pool_submit(r->pool, u);
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
	while ((rc = mps_pool_next(r->pool, &res)) == 0) {
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
	int rc = mps_run_out_open(r, &fd);
	if (rc)
		return rc;
	r->put = put_pool;
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
