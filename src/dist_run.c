/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI run (the distribution layer; run.c chooses it under an MPI
 * launcher).  Before MPI_Init, rank 0 (as the launcher's variables say)
 * asks the driver for the output and starts its walker, which also feeds
 * rank 0's own workers while MPI_Init runs (src/dist_rank0.c).  Then all
 * ranks agree on a good start, round 0 is scattered, rank 0 hands out
 * later rounds and prints (src/dist_rank0.c) while every rank searches
 * its rounds (its feeder, src/dist_feed.c, lists the tree items among
 * them) and every other rank streams its results back (here); at the end
 * totals are reduced and the ranks' figures gathered as packed bytes, and
 * every rank returns the same totals.selected, errors and write_err. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dist_run.h"
#include "mpsearch/codec.h"
#include "util.h"

#define MAX_WORKERS 1024
#define TREE_DEPTH 2

int mps_dist_submit_local(struct mpi_run *m, const struct mps_unit *u)
{
	struct mps_unit v = *u;
	v.id = m->local_id++; /* the pool wants 0, 1, 2, ... */
	return mps_pool_submit(m->pool, &v);
}

void mps_dist_free_units(struct mps_unit *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++)
		mps_unit_release(&u[i]);
	free(u);
}

/* Test switch MPSEARCH_TEST_ROUNDS="round0,min,max[,pre]": tiny rounds,
 * to exercise the later rounds on a small tree (pre: units rank 0 may
 * search while MPI_Init runs). */
static void test_rounds(struct mpi_run *m)
{
	const char *tr = getenv("MPSEARCH_TEST_ROUNDS");
	unsigned long t0r, tmin, tmax, tpre;
	int nt = tr ? sscanf(tr, "%lu,%lu,%lu,%lu", &t0r, &tmin, &tmax, &tpre) : 0;
	m->pre_max = UINT64_MAX;
	if (nt >= 3 && tmin >= 1 && tmax >= tmin) {
		m->sched.round0_max = t0r;
		m->sched.round_min = tmin;
		m->sched.round_max = tmax;
		if (nt == 4)
			m->pre_max = tpre;
	}
}

static int env_size(void)
{
	static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", NULL};
	for (const char *const *n = names; *n; n++) {
		const char *v = getenv(*n);
		if (v && atoi(v) > 0)
			return atoi(v);
	}
	return 1;
}

/* -f -: rank 0 read the patterns from its standard input; it broadcasts
 * them (or that they do not compile), and every rank whose workers wait
 * for them starts them now, before anything is searched.  0, or 1 when
 * the run cannot go on (all ranks agree: rank 0 decides). */
static int patterns_from_rank0(struct mpi_run *m)
{
	struct mps_buf b = {0};
	int rc = 0;
	if (m->rank == 0) {
		unsigned char ok = !m->r->bad_pattern;
		rc = mps_buf_append(&b, &ok, 1);
		for (size_t i = 0; !rc && i < m->r->o->patterns.n; i++)
			rc = mps_buf_append(&b, m->r->o->patterns.v[i], strlen(m->r->o->patterns.v[i]) + 1);
		if (rc) {
			b.len = 0; /* tell the others it failed */
			mps_buf_append(&b, "", 1);
		}
	}
	int brc = mps_dist_bcast_bytes(m->comm, &b);
	if (brc || b.len == 0 || b.data[0] != 1) {
		if (brc)
			mps_run_message(m->r, "%s%s", "cannot receive the patterns: ", mps_strerror(brc));
		mps_buf_release(&b);
		return 1;
	}
	/* NUL-terminated patterns after the flag byte */
	size_t n = 0;
	for (size_t i = 1; i < b.len; i++)
		n += b.data[i] == 0;
	char **v = calloc(n ? n : 1, sizeof(char *));
	if (v) {
		size_t k = 0;
		for (size_t i = 1; i < b.len && k < n; i += strlen((char *)b.data + i) + 1)
			v[k++] = (char *)b.data + i;
		const struct mps_opts *o = m->r->o;
		struct mps_match_opts mo = {.patterns = v, .npatterns = n, .syntax = o->syntax,
					    .ignore_case = o->ignore_case, .word = o->word,
					    .line = o->line, .multiline = o->multiline};
		rc = mps_pool_start(m->pool, &mo);
		if (rc == -EALREADY)
			rc = 0; /* compiled before MPI_Init (rank 0) */
	} else {
		rc = -ENOMEM;
	}
	free(v);
	mps_buf_release(&b);
	if (rc)
		mps_run_message(m->r, "%s%s", "cannot start workers: ", mps_strerror(rc));
	return rc != 0;
}


/* ---- --output written by every rank: the baton ---- */

/* Kept results beyond this wait for the baton: the rank's workers wait. */
#define KEPT_BUDGET ((size_t)64 << 20)

/* The baton from this rank's printer: where the output stands, the
 * printer's outcome so far, its state.  0 or <0. */
int mps_dist_baton_make(struct mpi_run *m)
{
	m->baton.len = 0;
	int frc = mps_printer_flush(m->pr);
	if (frc && !m->prc)
		m->prc = frc;
	off_t off = lseek(m->out_fd, 0, SEEK_CUR);
	if (off < 0)
		return -errno;
	int rc = mps_buf_put_varint(&m->baton, (uint64_t)off);
	if (!rc)
		rc = mps_buf_put_varint(&m->baton, (uint64_t)(int64_t)m->prc);
	if (!rc)
		rc = mps_printer_save(m->pr, &m->baton);
	return rc;
}

/* Go on from the baton in m->baton.  0 or <0. */
int mps_dist_baton_load(struct mpi_run *m)
{
	struct mps_cursor c = {.p = m->baton.data, .len = m->baton.len};
	uint64_t off = mps_cursor_varint(&c);
	int prc = (int)(int64_t)mps_cursor_varint(&c);
	if (c.bad || off > (uint64_t)INT64_MAX)
		return MPS_ECORRUPT;
	if (lseek(m->out_fd, (off_t)off, SEEK_SET) < 0)
		return -errno;
	if (prc && !m->prc)
		m->prc = prc;
	struct mps_totals before, after;
	mps_printer_totals(m->pr, &before);
	int rc = mps_printer_load(m->pr, c.p + c.pos, c.len - c.pos);
	mps_printer_totals(m->pr, &after);
	if (!rc && m->rank == 0 && after.files > before.files)
		m->r->done_files += after.files - before.files; /* the progress bar's count */
	return rc;
}

/* --output under MPI: every rank opens the file rank 0 writes under a
 * name (on a shared file system) and prints its own rounds there; where a
 * rank cannot open it, rank 0 writes it all, as with standard output.
 * Collective.  0 or MPS_EPEER. */
static int share_output(struct mpi_run *m)
{
	struct run *r = m->r;
	struct mps_buf b = {0};
	/* the name, rank 0's host, and the file's identity: a /proc/PID/fd/N
	 * name means something else on another host, so it is opened only on
	 * rank 0's host and must lead to the same file */
	struct stat st;
	if (m->rank == 0 && r->out_name && !fstat(m->out_fd, &st)) {
		char id[64];
		snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if (mps_buf_append(&b, r->out_name, strlen(r->out_name) + 1) ||
		    mps_buf_append(&b, m->me.host, strlen(m->me.host) + 1) ||
		    mps_buf_append(&b, id, strlen(id) + 1))
			b.len = 0;
	}
	int rc = mps_dist_bcast_bytes(m->comm, &b);
	if (rc == MPS_EPEER) {
		mps_buf_release(&b);
		return rc;
	}
	/* MPSEARCH_TEST_NO_SHARE: this rank cannot open it (another host's
	 * file system) */
	int bad = rc || b.len == 0 || b.data[b.len - 1] != 0 || getenv("MPSEARCH_TEST_NO_SHARE");
	if (!bad && m->rank != 0) {
		const char *name = (const char *)b.data;
		const char *host = name + strlen(name) + 1;
		const char *id = host < (const char *)b.data + b.len ? host + strlen(host) + 1 : NULL;
		bool proc = !strncmp(name, "/proc/", 6);
		bad = !id || id >= (const char *)b.data + b.len || (proc && strcmp(host, m->me.host));
		if (!bad) {
			m->out_fd = open(name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
			bad = m->out_fd < 0;
		}
		if (!bad && proc) {
			char mine[64];
			bad = fstat(m->out_fd, &st) != 0;
			snprintf(mine, sizeof(mine), "%llu:%llu", (unsigned long long)st.st_dev,
				 (unsigned long long)st.st_ino);
			bad = bad || strcmp(mine, id);
		}
	}
	mps_buf_release(&b);
	if (mps_dist_agree_max(m->comm, &bad))
		return MPS_EPEER;
	if (bad && m->rank != 0 && m->out_fd >= 0) {
		close(m->out_fd);
		m->out_fd = -1;
	}
	m->wrote = !bad;
	return 0;
}

/* A kept result, to this rank's printer. */
static void print_kept(void *ctx, const struct mps_unit *u, const struct mps_unit_summary *sum,
		       const unsigned char *block, size_t len)
{
	struct mpi_run *m = ctx;
	if (!m->prc)
		m->prc = mps_printer_unit(m->pr, u, block, len, sum);
}

/* A rank > 0: take the baton when it comes, print what is kept up to the
 * round's end, give the baton back with it.  0 or <0. */
static int baton_step(struct mpi_run *m, struct mps_dist_sender *snd)
{
	int prc = mps_dist_sender_progress(snd);
	if (prc)
		return prc;
	for (;;) {
		if (!m->holding) {
			int got = mps_dist_baton_poll(m->comm, &m->baton);
			if (got <= 0)
				return got;
			int rc = mps_dist_baton_load(m);
			if (rc)
				return rc;
			m->holding = true;
		}
		int t = mps_dist_local_take(snd, print_kept, m);
		if (t <= 0)
			return t;
		int rc = mps_dist_baton_make(m);
		if (!rc)
			rc = mps_dist_baton_return(snd, &m->baton);
		m->holding = false;
		if (rc)
			return rc;
	}
}

/* ---- a rank > 0 ---- */

/* A new round from rank 0?  It goes to the feeder.  1 one came, 0 none,
 * <0 error; *last: the final round. */
static int take_round(struct mpi_run *m, bool *last)
{
	struct mps_unit *u = NULL;
	size_t n = 0;
	int got = mps_dist_round_poll(m->comm, &u, &n, last);
	if (got <= 0)
		return got;
	m->nrounds_seen += n > 0;
	int rc = mps_feed_round(&m->feed, u, n, *last);
	return rc ? rc : 1;
}

/* The rounds the feeder has fed are where they end; the rounds whose
 * units are all done end in the stream here. */
static int mark_ends(struct mpi_run *m, struct mps_round_ends *e, uint64_t completed,
		     struct mps_dist_sender *snd)
{
	uint64_t c[64];
	size_t n;
	int rc = 0;
	while (!rc && (n = mps_feed_collect(&m->feed, c, 64)) > 0)
		for (size_t i = 0; !rc && i < n; i++) {
			rc = mps_round_ends_add(e, c[i]);
			m->me.units += c[i];
		}
	for (size_t due = mps_round_ends_due(e, completed); !rc && due > 0; due--)
		rc = mps_dist_sender_round_end(snd);
	return rc;
}

/* A rank > 0: search its ranges of every round (the feeder hands them to
 * the pool, walking tree items), send the results, ask for more when its
 * queue runs low. */
static int rank_loop(struct mpi_run *m, struct mps_dist_sender *snd)
{
	struct mps_round_ends e = {0};
	uint64_t completed = 0;
	bool last = m->last_sent, asked = false;
	double polled = 0;
	int rc = 0;
	m->nrounds_seen = 1;
	while (!rc) {
		if (!last && mps_now() - polled > 0.0005) {
			polled = mps_now();
			int got = take_round(m, &last);
			if (got < 0) {
				rc = got;
				break;
			}
			if (got == 1)
				asked = false;
		}
		if ((rc = mark_ends(m, &e, completed, snd)))
			break;
		if (m->wrote) {
			if ((rc = baton_step(m, snd)))
				break;
			if (!m->holding && mps_dist_local_kept(snd) > KEPT_BUDGET) {
				/* the results wait for the baton: so do the workers */
				struct timespec ts = {0, 1000000};
				nanosleep(&ts, NULL);
				if (mps_dist_stop_requested(m->comm))
					break;
				continue;
			}
		}
		/* running low, nothing left to feed: ask rank 0 for more (one
		 * request at a time) */
		uint64_t pending = mps_round_ends_pending(&e, completed);
		size_t backlog = mps_feed_backlog(&m->feed);
		bool feeding = backlog > 0;
		if (!last && mps_sched_should_ask(&m->sched, asked, backlog, pending)) {
			if ((rc = mps_dist_need_send(m->comm)))
				break;
			asked = true;
		}
		double tw = mps_now();
		struct mps_result res;
		/* short: a round asked for is taken soon after it comes */
		int prc = mps_pool_next_wait(m->pool, &res, 1);
		if (!pending && !feeding && !last)
			m->me.waited += mps_now() - tw; /* nothing to do: waiting on rank 0 */
		if (prc == MPS_POOL_AGAIN)
			continue;
		if (prc == 1)
			break;
		if (prc < 0) {
			rc = prc;
			break;
		}
		/* the rounds before this result's end first: its unit may be
		 * of a round the feeder began after counting the last one */
		if ((rc = mark_ends(m, &e, completed, snd)))
			break;
		m->me.bytes += res.summary.bytes;
		m->me.selected += res.summary.selected;
		completed += res.unit_done;
		if (m->r->progress)
			mps_dist_progress_send(m->comm, m->me.bytes, 0);
		if (mps_dist_stop_requested(m->comm))
			break;
		rc = mps_dist_send(snd, res.unit, &res.summary, res.block, res.len);
	}
	if (!rc)
		rc = mark_ends(m, &e, completed, snd);
	/* --output written by every rank: the rounds kept wait for the baton */
	while (!rc && m->wrote && !(rc = baton_step(m, snd)) &&
	       (m->holding || mps_dist_local_kept(snd)) && !mps_dist_stop_requested(m->comm)) {
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	int frc = mps_feed_stop(&m->feed);
	if (!rc)
		rc = frc;
	m->me.walk = m->r->walk_s + m->r->tree_walk_s;
	/* stopped early: take the rest of the rounds, so that every message
	 * rank 0 sent is received */
	while (!last) {
		struct mps_unit *u = NULL;
		size_t n = 0;
		int got = mps_dist_round_poll(m->comm, &u, &n, &last);
		mps_dist_free_units(u, n);
		if (got < 0)
			break;
		if (got == 0) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	mps_round_ends_release(&e);
	return rc;
}

/* ---- start ---- */

/* --output under MPI may be written by every rank (share_output); not
 * with -f - (the others' workers learn the patterns late, and with them
 * whether lines print in ripgrep's multiline way).  When the launcher
 * says every rank is on this host, the file can stay unnamed (no name
 * is left behind by a SIGKILL); else it needs one. */
static enum mps_out_share shares_output(const struct mpi_run *m)
{
	if (m->env_size < 2 || !m->r->o->output_file || m->r->o->patterns_stdin)
		return MPS_OUT_ALONE;
	static const char *const names[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", NULL};
	for (const char *const *n = names; *n; n++) {
		const char *v = getenv(*n);
		if (v && atoi(v) == m->env_size)
			return MPS_OUT_THIS_HOST;
	}
	return MPS_OUT_ANY_HOST;
}

/* Before MPI_Init: rank 0 (as the launcher says) opens the output and
 * starts walking.  Returns 0 or the output's failure. */
static int before_init(struct mpi_run *m, int env_rank)
{
	struct run *r = m->r;
	m->env_size = env_size();
	r->walk_sizes = m->env_size > 1;
	m->pre_open = env_rank == 0;
	if (env_rank != 0)
		return 0;
	int rc = mps_run_out_open(r, shares_output(m), &m->out_fd);
	m->out_open = rc == 0;
	/* directories two levels below an operand are walked by the rank
	 * that gets them, when listing is slow (run_core.c: walk_descend;
	 * not with -R: a loop through a symlink is found on
	 * the path from the operand; not when the walk must leave a file out;
	 * not with --max-depth or --ignore-files, whose answers depend on the
	 * path from the operand) */
	if (m->env_size > 1 && !r->o->deref && !r->navoid && !r->o->depth_limited &&
	    !r->o->ignore_files)
		r->tree_depth = TREE_DEPTH;
	r->tree_slow = -1;
	/* rank 0's feeder lists tree items while MPI_Init runs (without one,
	 * rank 0 takes only files until MPI is up) */
	if (!rc && r->tree_depth && mps_feed_start(&m->feed, m))
		m->feed = (struct mps_feed){0};
	if (!rc)
		mps_dist_rank0_start_walk(m);
	return rc;
}

/* MPI is up.  The launcher's rank variable may have named another rank:
 * only MPI's rank 0 walks and prints.  All ranks agree on a good start
 * (1: not). */
static int after_init(struct mpi_run *m, int out_rc)
{
	struct run *r = m->r;
	int pre_err = 0;
	uint64_t pre_n = mps_dist_rank0_mpi_up(m, &pre_err);
	mps_pool_own(m->pool);
	/* the walker no longer touches the schedule: it learns the size */
	if (mps_sched_resize(&m->sched, m->size))
		pre_err = -ENOMEM;
	if (m->walking && m->rank != 0) {
		mps_run_message(r, "%s%s", "the launcher's rank variables disagree with MPI's ranks", "");
		pre_err = -EPROTO;
		mps_feed_stop(&m->feed);
		mps_dist_rank0_stop_walk(m);
		atomic_store(&r->stop, 0);
	}
	if (m->out_open && m->rank != 0) {
		if (r->out->drop)
			r->out->drop(r->out->ctx);
		m->out_open = false;
		out_rc = 0;
	}
	int bad = r->o->patterns_stdin ? patterns_from_rank0(m) : 0;
	if (m->rank == 0) {
		if (!m->out_open && !out_rc) {
			out_rc = mps_run_out_open(r, shares_output(m), &m->out_fd);
			m->out_open = out_rc == 0;
		}
		bad = bad || !m->out_open;
		if (!bad && !m->walking)
			mps_dist_rank0_start_walk(m);
		bad = bad || !m->walking;
		if (!bad)
			bad = mps_dist_rank0_wait_listed(m);
	}
	if (pre_err) {
		if (m->rank == 0)
			mps_run_message(r, "%s%s", "cannot start the search: ", mps_strerror(pre_err));
		bad = 1;
	}
	m->pre_n = m->rank == 0 ? pre_n : 0;
	if (mps_dist_agree_max(m->comm, &bad))
		bad = 1;
	/* every rank knows the options: all or none take part */
	if (!bad && m->size > 1 && r->o->output_file && !r->o->patterns_stdin &&
	    share_output(m))
		bad = 1;
	return bad;
}

/* ---- the end ---- */

/* Totals reduced, figures gathered as packed bytes, and rank 0's outcome
 * to every rank. */
static int gather(struct mpi_run *m, struct mps_run_result *res, int *errs)
{
	int rc = mps_dist_reduce_totals(m->comm, (uint64_t[3]){m->me.units, m->me.bytes,
								 m->me.selected},
					res->rsum,
					(double[4]){m->me.walk, m->me.scatter, m->me.search,
						    m->me.gather},
					res->rmax);
	if (!rc)
		rc = mps_dist_agree_sum(m->comm, errs);
	struct mps_buf mine = {0}, all = {0};
	size_t *ends = NULL;
	int prc = mps_dist_pack_stats(&m->me, &mine);
	int grc = rc ? rc : mps_dist_gather_bytes(m->comm, &mine, &all, &ends);
	if (!grc && m->rank == 0 && !prc) {
		res->ranks = calloc((size_t)m->size, sizeof(*res->ranks));
		for (int q = 0; res->ranks && q < m->size; q++) {
			size_t at = q ? ends[q - 1] : 0;
			if (mps_dist_unpack_stats(all.data + at, ends[q] - at, &res->ranks[q]))
				grc = MPS_ECORRUPT;
		}
		res->nranks = m->size;
	}
	free(ends);
	mps_buf_release(&mine);
	mps_buf_release(&all);
	return rc ? rc : grc;
}

static void release(struct mpi_run *m)
{
	mps_buf_release(&m->baton);
	mps_dist_rank0_stop_walk(m);
	mps_dist_rank0_release(m);
	mps_sched_release(&m->sched);
	free(m->r->rank_bytes);
	m->r->rank_bytes = NULL;
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->room);
}

/* A start that failed: all ranks agreed on it. */
static int give_up(struct mpi_run *m, int rc)
{
	mps_feed_stop(&m->feed);
	mps_dist_rank0_stop_walk(m);
	mps_pool_free(m->pool, NULL, 0);
	m->r->pool = NULL;
	release(m);
	mps_dist_finalize();
	return rc;
}

/* Round 0, then the search: rank 0 prints, the others send. */
static int search(struct mpi_run *m, struct mps_dist_sender *snd, bool *started)
{
	struct run *r = m->r;
	double ts = mps_now();
	struct mps_unit *mine = NULL;
	size_t nmine = 0;
	/* rank 0's feeder takes its own rounds from round 0 on (standard
	 * input's go first, in mps_dist_first_round) */
	int feed_rc = m->rank == 0 && !m->feed.running ? mps_feed_start(&m->feed, m) : 0;
	int rc = mps_dist_first_round(m, &mine, &nmine);
	m->me.scatter = mps_now() - ts;
	*started = rc == 0;
	if (rc) {
		/* every rank sees the same failure of the collective */
		mps_run_message(r, "%s%s", "cannot distribute work: ", mps_strerror(rc));
		return rc;
	}
	if (feed_rc) {
		/* rank 0 searches nothing; the others get their last round */
		mps_run_message(r, "%s%s", "cannot start the search: ", mps_strerror(feed_rc));
		mps_dist_free_units(mine, nmine);
		mine = NULL;
		nmine = 0;
		rc = feed_rc;
	}
	if (m->rank != 0) {
		/* round 0 to the feeder, which walks tree items */
		rc = mps_feed_start(&m->feed, m);
		if (!rc)
			rc = mps_feed_round(&m->feed, mine, nmine, m->last_sent);
		else
			mps_dist_free_units(mine, nmine);
	} else {
		/* counted once fed, as an empty part is too */
		if (!rc)
			rc = mps_feed_round(&m->feed, mine, nmine, false);
		if (!rc && m->last_sent)
			rc = mps_feed_round(&m->feed, NULL, 0, true);
	}
	double tsearch = mps_now();
	if (m->rank == 0) {
		m->pr = mps_printer_new(&r->po, m->out_fd, &r->pd);
		m->ended = calloc((size_t)m->size, sizeof(bool));
		if (!rc && (!m->pr || !m->ended))
			rc = -ENOMEM;
		if (!rc)
			rc = mps_dist_rank0_loop(m);
		m->me.search = m->own_done - tsearch;
		rc = mps_dist_rank0_drain(m, rc);
		int frc = mps_feed_stop(&m->feed);
		if (!rc)
			rc = frc;
		m->me.units = m->sched.own_given;
		m->me.recv_bytes = m->in.recv_bytes;
		m->me.gather = mps_now() - m->own_done;
	} else {
		mps_dist_sender_init(snd, m->comm, r->o->output == MPS_OUT_FILES_WITHOUT);
		if (m->wrote) {
			mps_dist_sender_local(snd);
			m->pr = mps_printer_new(&r->po, m->out_fd, &r->pd);
			if (!rc && !m->pr)
				rc = -ENOMEM;
		}
		if (!rc)
			rc = rank_loop(m, snd);
		else
			mps_feed_stop(&m->feed);
		m->me.search = mps_now() - tsearch;
		double tg = mps_now();
		if (r->progress)
			mps_dist_progress_send(m->comm, m->me.bytes, 1);
		int src = mps_dist_sender_finish(snd);
		if (!rc)
			rc = src;
		m->me.gather = mps_now() - tg;
		m->me.rounds = m->nrounds_seen;
	}
	return rc;
}

/* Rank 0 finishes the output; every rank gets its outcome. */
static int outcome(struct mpi_run *m, struct mps_run_result *res, int errs)
{
	uint64_t v[3] = {0, 0, 0};
	if (m->rank == 0) {
		int frc = m->prc < 0 ? m->prc : m->pr ? mps_printer_finish(m->pr, mps_now() - m->r->t0)
						      : -ENOMEM;
		if (m->pr)
			mps_printer_totals(m->pr, &res->totals);
		if (frc < 0 && frc != -EPIPE) {
			if (frc != MPS_ETEMP) /* else reported by name already */
				mps_run_message(m->r, "%s%s", "write error: ", mps_strerror(frc));
			errs++;
		}
		v[0] = res->totals.selected;
		v[1] = (uint64_t)errs;
		v[2] = (uint64_t)(int64_t)(frc < 0 ? frc : 0);
	}
	int rc = mps_dist_bcast_u64(m->comm, v, 3);
	res->totals.selected = v[0];
	res->errors = (int)v[1];
	res->write_err = (int)(int64_t)v[2];
	return rc;
}

static int finish(struct mpi_run *m, int rc, struct mps_run_result *res)
{
	struct run *r = m->r;
	if (m->walking) {
		mps_dist_rank0_stop_walk(m);
		if (r->walk_rc < 0 && !r->submit_err && !rc)
			rc = r->walk_rc;
	}
	res->workers = calloc(MAX_WORKERS, sizeof(*res->workers));
	res->nworkers = mps_pool_free(m->pool, res->workers, res->workers ? MAX_WORKERS : 0);
	r->pool = m->pool = NULL;
	m->me.workers = res->nworkers;
	m->me.dirs = atomic_load(&r->dirs);
	m->me.maxrss_kb = mps_run_maxrss_kb();
	/* a rank that wrote into the output closes it before rank 0 puts it
	 * in place (after the barrier below): a network file system writes
	 * back at the latest then */
	if (m->rank != 0 && m->out_fd >= 0) {
		if (close(m->out_fd) && !rc)
			rc = -errno;
		m->out_fd = -1;
	}
	/* ranks that are done sleep here instead of spinning in the
	 * collectives below while others still search on their cores */
	double tb = mps_now();
	if (mps_dist_quiet_barrier(m->comm) && !rc)
		rc = MPS_EPEER;
	m->me.waited += m->rank ? mps_now() - tb : 0;
	int errs = atomic_load(&r->errors) + (rc < 0);
	if (rc < 0)
		mps_run_message(r, "%s%s", "search failed on this rank: ", mps_strerror(rc));
	if (m->rank == 0 && r->submit_err) {
		mps_run_message(r, "%s%s", "cannot queue work: ", mps_strerror(r->submit_err));
		errs++;
	}
	int grc = gather(m, res, &errs);
	int orc = outcome(m, res, errs);
	if ((grc || orc) && !res->errors)
		res->errors = 1;
	mps_printer_free(m->pr);
	m->pr = NULL;
	res->rank = m->rank;
	res->pre_units = m->pre_n;
	res->nrounds = m->sched.nrounds;
	mps_dist_quiet_barrier(m->comm);
	if (m->rank == 0 && r->rank_bytes)
		mps_dist_progress_poll(m->comm, r->rank_bytes); /* none may be left unmatched */
	return 0;
}

int mps_dist_run(struct run *r, int env_rank, int *argc, char ***argv,
		 struct mps_run_result *res)
{
	struct mpi_run m = {.r = r, .pool = r->pool, .sizes_known = true, .out_fd = -1};
	mps_reorder_init(&m.stash, 0);
	pthread_mutex_init(&m.mu, NULL);
	pthread_cond_init(&m.room, NULL);
	int rc = mps_sched_init(&m.sched, 1);
	test_rounds(&m);
	int out_rc = rc ? rc : before_init(&m, env_rank);
	/* no fork from here on: a dead zygote is not replaced once MPI is up */
	mps_pool_seal(m.pool);
	if (mps_dist_init(argc, argv, &m.comm, &m.rank, &m.size))
		return give_up(&m, MPS_EPEER);
	m.rs.comm = m.comm;
	m.me.rank = m.rank;
	gethostname(m.me.host, sizeof(m.me.host) - 1);
	if (after_init(&m, out_rc) || rc)
		return give_up(&m, rc ? rc : -ECANCELED);
	if (m.rank == 0) {
		r->nranks = m.size;
		r->rank_bytes = r->progress ? calloc((size_t)m.size, sizeof(uint64_t)) : NULL;
	}
	struct mps_dist_sender snd;
	bool started;
	rc = search(&m, &snd, &started);
	if (!started)
		return give_up(&m, rc);
	finish(&m, rc, res);
	res->total_s = mps_now() - r->t0;
	release(&m);
	mps_dist_finalize();
	return 0;
}
