/* SPDX-License-Identifier: BSD-3-Clause */
/* The driver's process-wide parts (the program, not the library): the
 * --output file's life, the --stats text made from a run's result, and the
 * exit status. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

static void message(const char *fmt, const char *a, const char *b)
{
	fputs("mpsearch: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
}

/* ---- output file: written aside, put in place on success ----
 *
 * --output FILE: a regular file (or a new one) is written as an unnamed
 * O_TMPFILE in its directory and linked in place at the end (through a
 * temporary name and rename when FILE exists), so no temporary file can
 * be left behind, not even by SIGKILL.  Where O_TMPFILE is not supported,
 * a named temporary file is removed on every catchable terminating
 * signal.  A new file gets 0666 & ~umask, an existing one keeps its mode.
 * A FIFO, device, /dev/stdout or a file realpath cannot resolve is written
 * in place, never replaced; a directory is refused.  The output file and
 * its temporary file are never searched (by device and inode), and with
 * standard output a regular file that is also an input is reported as
 * grep does ("input file is also the output"). */

/* The named temporary file, removed if the run is stopped by a signal
 * (mpirun sends SIGTERM to the survivors when a rank or host is lost). */
static char *volatile tmp_out;

static void drop_tmp_out(int sig)
{
	char *p = tmp_out;
	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Signals whose default action ends the process (SIGPIPE is ignored,
 * SIGXFSZ too, so that a full file is an EFBIG write error). */
static const int end_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
				  SIGVTALRM, SIGPROF, SIGXCPU, SIGIO, SIGPWR};

static void on_end_signals(void (*fn)(int))
{
	struct sigaction sa = {.sa_handler = fn}, old;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
		if (sigaction(end_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(end_signals[i], &sa, NULL);
}

static void out_avoid(struct mps_out *out, const struct stat *st)
{
	out->avoid[out->navoid++] = (struct mps_file_id){.dev = (uint64_t)st->st_dev,
							 .ino = (uint64_t)st->st_ino};
}

/* The temporary file in target's directory: O_TMPFILE, else (or when
 * ranks on other hosts write into it too) a named one; out->shared: the
 * name other ranks open, per share. */
static int out_temp(struct mps_out *out, mode_t mode, enum mps_out_share share)
{
	char *slash = strrchr(out->target, '/');
	char *dir = slash ? strndup(out->target, (size_t)(slash - out->target) + 1) : strdup(".");
	if (!dir)
		return -ENOMEM;
	/* written from other hosts too: a name they can open */
	bool named = share == MPS_OUT_ANY_HOST;
	out->fd = named ? -1 : open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	int e = named ? EOPNOTSUPP : errno;
	free(dir);
	if (out->fd >= 0) {
		out->anon = true;
	} else if (e == EOPNOTSUPP || e == EISDIR || e == EINVAL) {
		size_t n = strlen(out->target);
		out->tmp = malloc(n + 32);
		if (!out->tmp)
			return -ENOMEM;
		snprintf(out->tmp, n + 32, "%s.mpsearch-XXXXXX", out->target);
		out->fd = mkostemp(out->tmp, O_CLOEXEC);
		e = errno;
		if (out->fd >= 0) {
			tmp_out = out->tmp;
			on_end_signals(drop_tmp_out);
		}
	}
	if (out->fd < 0) {
		message("cannot create a temporary file for '%s': %s", out->given, strerror(e));
		free(out->tmp);
		out->tmp = NULL;
		return -e;
	}
	if (out->existed || out->tmp)
		fchmod(out->fd, mode);
	/* the name others open (none: rank 0 writes it all) */
	if (share != MPS_OUT_ALONE && out->tmp) {
		out->shared = realpath(out->tmp, NULL);
	} else if (share == MPS_OUT_THIS_HOST && out->anon) {
		out->shared = malloc(64);
		if (out->shared)
			snprintf(out->shared, 64, "/proc/%ld/fd/%d", (long)getpid(), out->fd);
	}
	struct stat st;
	if (!fstat(out->fd, &st))
		out_avoid(out, &st);
	return 0;
}

static int out_prepare(struct mps_out *out, enum mps_out_share share)
{
	const struct mps_opts *o = out->o;
	*out = (struct mps_out){.fd = STDOUT_FILENO, .o = o, .given = o->output_file};
	struct stat st;
	if (!o->output_file) {
		/* grep: a regular file that is both an input and standard
		 * output is an error, unless nothing or one line is printed */
		bool lines = o->output == MPS_OUT_LINES || o->output == MPS_OUT_JSON;
		if (lines && (o->max_count < 0 || o->max_count > 1) && !fstat(STDOUT_FILENO, &st) &&
		    S_ISREG(st.st_mode))
			out_avoid(out, &st);
		return 0;
	}
	const char *given = o->output_file;
	int srv = stat(given, &st);
	int e = errno;
	struct stat lst;
	bool dangling = srv != 0 && e == ENOENT && !lstat(given, &lst) && S_ISLNK(lst.st_mode);
	if (srv != 0 && e != ENOENT) {
		message("cannot open '%s': %s", given, strerror(e));
		return -e;
	}
	if (srv == 0 && S_ISDIR(st.st_mode)) {
		message("cannot write '%s': %s", given, strerror(EISDIR));
		return -EISDIR;
	}
	if (srv == 0 && S_ISREG(st.st_mode)) {
		out_avoid(out, &st);
		/* a symlink is followed: the file it names is replaced */
		out->target = realpath(given, NULL);
		out->existed = true;
	} else if (srv != 0 && !dangling) {
		out->target = strdup(given); /* a new file */
		if (!out->target)
			return -ENOMEM;
	}
	if (!out->target) {
		/* a FIFO, a device, /dev/stdout, a dangling symlink, a path
		 * realpath cannot resolve: written in place, never replaced */
		out->fd = open(given, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
		if (out->fd < 0) {
			e = errno;
			message("cannot open '%s': %s", given, strerror(e));
			return -e;
		}
		out->direct = true;
		if (!fstat(out->fd, &st) && S_ISREG(st.st_mode))
			out_avoid(out, &st);
		return 0;
	}
	mode_t mask = umask(0);
	umask(mask);
	int rc = out_temp(out, out->existed ? (st.st_mode & 07777) : (0666 & ~mask), share);
	if (rc) {
		free(out->target);
		out->target = NULL;
	}
	return rc;
}

/* Link the finished O_TMPFILE at `at` (descriptor fd). */
static int link_anon(int fd, const char *at)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, at, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* no /proc: needs CAP_DAC_READ_SEARCH */
	return linkat(fd, "", AT_FDCWD, at, AT_EMPTY_PATH) ? -errno : 0;
}

/* Put the finished temporary file in place of out->target. */
static int out_commit(struct mps_out *out)
{
	if (out->tmp)
		return rename(out->tmp, out->target) ? -errno : 0;
	if (!out->existed) {
		int rc = link_anon(out->fd, out->target);
		if (rc != -EEXIST)
			return rc;
	}
	/* replace: under a temporary name, renamed at once; no catchable
	 * signal can come in between */
	size_t n = strlen(out->target) + 32;
	char *tmp = malloc(n);
	if (!tmp)
		return -ENOMEM;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = -EEXIST;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long salt = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
	for (int i = 0; i < 100 && rc == -EEXIST; i++) {
		snprintf(tmp, n, "%s.mpsearch-%06lx", out->target, (salt + 7919ul * (unsigned long)i) & 0xffffff);
		rc = link_anon(out->fd, tmp);
	}
	if (!rc && rename(tmp, out->target)) {
		rc = -errno;
		unlink(tmp);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(tmp);
	return rc;
}

int mps_out_close(struct mps_out *out, bool ok)
{
	int rc = 0;
	if (!out->opened)
		return 0;
	if (out->direct) {
		if (close(out->fd))
			rc = -errno;
		out->direct = false;
	} else if (out->target) {
		if (ok && fsync(out->fd) && errno != EINVAL)
			rc = -errno;
		if (ok && !rc)
			rc = out_commit(out);
		if (close(out->fd) && !rc)
			rc = -errno;
		if (out->tmp) {
			if (!ok || rc)
				unlink(out->tmp);
			tmp_out = NULL;
		}
	}
	if (rc)
		message("cannot write '%s': %s", out->given, strerror(-rc));
	free(out->tmp);
	free(out->target);
	free(out->shared);
	out->tmp = out->target = out->shared = NULL;
	out->opened = false;
	return rc;
}

/* The library asks for the output (struct mps_run_output's open). */
static int out_open_cb(void *ctx, enum mps_out_share share, int *fd, const char **name,
		       const struct mps_file_id **avoid, size_t *navoid, bool *avoid_report)
{
	struct mps_out *out = ctx;
	int rc = out_prepare(out, share);
	out->opened = rc == 0;
	*fd = out->fd;
	*name = rc ? NULL : out->shared;
	*avoid = out->avoid;
	*navoid = rc ? 0 : out->navoid;
	*avoid_report = !out->given;
	return rc;
}

static void out_drop_cb(void *ctx)
{
	mps_out_close(ctx, false);
}

void mps_out_init(struct mps_out *out, const struct mps_opts *o, struct mps_run_output *hooks)
{
	*out = (struct mps_out){.fd = -1, .o = o, .given = o->output_file};
	*hooks = (struct mps_run_output){.open = out_open_cb, .drop = out_drop_cb, .ctx = out};
}


/* ---- stats ---- */

static void append(struct mps_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct mps_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		mps_buf_append(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* rank < 0: a local run, whose lines name no rank */
static void worker_table(struct mps_buf *b, const struct mps_worker_stats *ws, int nw, int rank)
{
	char who[32] = "";
	if (rank >= 0)
		snprintf(who, sizeof(who), "rank %d ", rank);
	double sum = 0, max = 0;
	for (int i = 0; i < nw; i++) {
		sum += ws[i].busy;
		if (ws[i].busy > max)
			max = ws[i].busy;
		append(b, "%sworker %d: pid %d core %d units %llu bytes %llu matches %llu busy %.3fs formatted %llu\n",
		       who, i, (int)ws[i].pid, ws[i].core, (unsigned long long)ws[i].units,
		       (unsigned long long)ws[i].bytes, (unsigned long long)ws[i].selected, ws[i].busy,
		       (unsigned long long)ws[i].formatted);
	}
	double mean = nw ? sum / nw : 0;
	append(b, "%sworkers: %d, imbalance (max/mean busy) %.3f\n", who, nw,
	       mean > 0 ? max / mean : 1.0);
}

/* The line for scripts, the same keys in a local run (ranks=1) and under MPI. */
static void stats_line(struct mps_buf *b, int ranks, int workers, const struct mps_totals *t,
		       const struct mps_rank_stats *r0, double search, double total, double imbalance,
		       double serial)
{
	append(b,
	       "mpsearch-stats: ranks=%d workers=%d files=%llu bytes=%llu matched_lines=%llu "
	       "walk_s=%.6f walk_wait_s=%.6f scatter_s=%.6f dispatch_s=%.6f search_s=%.6f gather_s=%.6f total_s=%.6f "
	       "imbalance=%.4f serial_share=%.6f\n",
	       ranks, workers, (unsigned long long)t->files, (unsigned long long)t->bytes,
	       (unsigned long long)t->selected, r0->walk, r0->walk_wait, r0->scatter, r0->dispatch,
	       search, r0->gather, total, imbalance, serial);
}

/* One line per rank for scripts. */
static void rank_lines(struct mps_buf *b, const struct mps_rank_stats *rs, int n)
{
	for (int i = 0; i < n; i++) {
		const struct mps_rank_stats *s = &rs[i];
		append(b, "mpsearch-rank: rank=%d host=%s workers=%d units=%llu bytes=%llu dirs=%llu "
			  "walk_s=%.6f search_s=%.6f recv_bytes=%llu maxrss_kb=%llu\n",
		       s->rank, s->host[0] ? s->host : "-", s->workers, (unsigned long long)s->units,
		       (unsigned long long)s->bytes, (unsigned long long)s->dirs, s->walk, s->search,
		       (unsigned long long)s->recv_bytes, (unsigned long long)s->maxrss_kb);
	}
}

/* A local run: workers, files, bytes and GB/s; no ranks, no MPI steps. */
static void local_table(struct mps_buf *b, const struct mps_run_result *res)
{
	const struct mps_totals *t = &res->totals;
	const struct mps_rank_stats *s = res->ranks;
	double total = res->total_s;
	append(b, "files %llu, matched files %llu, matched lines %llu, errors %llu\n",
	       (unsigned long long)t->files, (unsigned long long)t->files_matched,
	       (unsigned long long)t->selected, (unsigned long long)t->errors);
	append(b, "%llu bytes in %.3f s, %.2f GB/s (walk %.3f s, search %.3f s, %d workers)\n",
	       (unsigned long long)t->bytes, total, total > 0 ? (double)t->bytes / total / 1e9 : 0.0,
	       s->walk, s->search, s->workers);
	stats_line(b, 1, s->workers, t, s, s->search, total, 1.0, 0.0);
	rank_lines(b, s, 1);
}

/* Seconds rank s spent waiting on rank 0 (rank 0: the walk it waited for
 * after MPI_Init, the first round and the gather of the others' results). */
static double serial_of(const struct mps_rank_stats *s)
{
	return s->rank == 0 ? s->walk_wait + s->scatter + s->gather : s->waited + s->scatter;
}

static void rank_rows(struct mps_buf *b, const struct mps_rank_stats *rs, int n)
{
	append(b, "%-16s %5s %7s %5s %6s %9s %14s %10s %8s %8s %8s %8s %8s %7s\n", "host", "rank",
	       "workers", "cores", "rounds", "units", "bytes", "matches", "walk_s", "scat_s", "disp_s",
	       "search_s", "gath_s", "GB/s");
	struct mps_rank_stats tot = {0};
	for (int i = 0; i < n; i++) {
		const struct mps_rank_stats *s = &rs[i];
		append(b, "%-16.16s %5d %7d %5d %6llu %9llu %14llu %10llu %8.3f %8.3f %8.3f %8.3f %8.3f "
			  "%7.2f\n",
		       s->host, s->rank, s->workers, s->workers, (unsigned long long)s->rounds,
		       (unsigned long long)s->units, (unsigned long long)s->bytes,
		       (unsigned long long)s->selected, s->walk, s->scatter, s->dispatch, s->search,
		       s->gather, s->search > 0 ? (double)s->bytes / s->search / 1e9 : 0.0);
		tot.units += s->units;
		tot.bytes += s->bytes;
		tot.selected += s->selected;
		tot.workers += s->workers;
	}
	append(b, "%-16s %5s %7d %5s %9llu %14llu %10llu\n", "total", "", tot.workers, "",
	       (unsigned long long)tot.units, (unsigned long long)tot.bytes,
	       (unsigned long long)tot.selected);
}

static void rank_table(struct mps_buf *b, const struct mps_run_result *res)
{
	const struct mps_rank_stats *rs = res->ranks;
	int n = res->nranks, workers = 0;
	const struct mps_totals *t = &res->totals;
	double total = res->total_s, maxb = 0, sumb = 0, serial = 0, maxs = 0;
	rank_rows(b, rs, n);
	for (int i = 0; i < n; i++) {
		sumb += (double)rs[i].bytes;
		if (rs[i].bytes > maxb)
			maxb = (double)rs[i].bytes;
		if (serial_of(&rs[i]) > serial)
			serial = serial_of(&rs[i]);
		if (rs[i].search > maxs)
			maxs = rs[i].search;
		workers += rs[i].workers;
	}
	double mean = n ? sumb / n : 0, imb = mean > 0 ? maxb / mean : 1.0;
	double share = total > 0 ? (serial < total ? serial : total) / total : 0.0;
	append(b, "files %llu, matched files %llu, matched lines %llu, errors %llu, %.3f s, %.2f GB/s\n",
	       (unsigned long long)t->files, (unsigned long long)t->files_matched,
	       (unsigned long long)t->selected, (unsigned long long)t->errors, total,
	       total > 0 ? (double)t->bytes / total / 1e9 : 0.0);
	append(b, "imbalance (max/mean bytes) %.3f, serial share (longest wait of a rank on rank 0: "
		  "walk, hand-out, gather)/run %.4f (walk %.3f s, of which %.3f s waited for after "
		  "MPI_Init)\n",
	       imb, share, rs[0].walk, rs[0].walk_wait);
	stats_line(b, n, workers, t, &rs[0], maxs, total, imb, share);
	rank_lines(b, rs, n);
	append(b, "reduced: units %llu bytes %llu matches %llu; max seconds walk %.3f scatter %.3f "
		  "search %.3f gather %.3f; units searched by rank 0 while MPI_Init ran %llu; "
		  "rounds %llu\n",
	       (unsigned long long)res->rsum[0], (unsigned long long)res->rsum[1],
	       (unsigned long long)res->rsum[2], res->rmax[0], res->rmax[1], res->rmax[2],
	       res->rmax[3], (unsigned long long)res->pre_units, (unsigned long long)res->nrounds);
}

char *mps_stats_text(const struct mps_run_result *res)
{
	struct mps_buf b = {0};
	worker_table(&b, res->workers, res->nworkers, res->mpi ? res->rank : -1);
	if (res->ranks && !res->mpi)
		local_table(&b, res);
	else if (res->ranks && res->rank == 0)
		rank_table(&b, res);
	mps_buf_append(&b, "", 1);
	return (char *)b.data;
}

int mps_exit_status(const struct mps_opts *o, const struct mps_run_result *res)
{
	/* grep's rule for every mode, -L included: 0 when a line was selected */
	bool found = res->totals.selected > 0;
	if (res->follower)
		return 0;
	if (res->write_err == -EPIPE)
		return 2;
	if (o->output == MPS_OUT_QUIET && found)
		return 0;
	if (res->errors)
		return 2;
	return found ? 0 : 1;
}
