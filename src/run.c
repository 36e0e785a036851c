/* SPDX-License-Identifier: BSD-3-Clause */
/* Run: the pipeline for one process.  Local: a walker thread feeds the
 * pool while the main thread prints results in order.  Under an MPI
 * launcher: rank 0 walks and plans, MPI_Scatterv hands out contiguous
 * ranges, every rank searches its range with its own pool, rank 0 prints
 * its results and then each other rank's stream in rank order. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mpsearch/mpsearch.h"
#include "files.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *env_first(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);
		if (v && *v)
			return v;
	}
	return NULL;
}

int mps_run_launched(void)
{
	static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
					    "PMI_SIZE", NULL};
	return env_first(names) != NULL;
}

static int env_int(const char *const *names, int dflt)
{
	const char *v = env_first(names);
	return v ? atoi(v) : dflt;
}

/* ---- shared state of one run ---- */

struct run {
	bool progress;        /* report progress through d->progress */
	double progress_at;   /* when it was last reported */
	uint64_t done_bytes, done_files, total_bytes;
	uint64_t *rank_bytes; /* MPI rank 0: bytes done per rank */
	int nranks;
	const struct mps_opts *o;
	const struct mps_diag *d;
	struct mps_diag pd;   /* the printer's diag: counts errors too */
	atomic_int errors;
	atomic_int stop;
	struct mps_pool *pool;
	uint64_t next_id, next_file;
	/* MPI mode, rank 0: the whole unit list */
	struct mps_unit *units;
	size_t nunits, cap;
	uint64_t *sizes;
	int submit_err;
	int walk_rc;
	double walk_s;
	/* MPI rank 0: the walker thread appends to units under mu */
	pthread_mutex_t mu;
	bool walk_done;
	/* ... and, while MPI_Init runs, feeds rank 0's own pool directly (the
	 * first units are rank 0's in any case) and holds its results aside */
	bool pre_open;
	uint64_t pre_n, pre_max;
	struct mpi_run *pre_m;
	int pre_err;
	/* files the walk leaves out: the output file (struct out's) */
	const struct mps_file_id *avoid;
	size_t navoid;
	bool avoid_report; /* as grep: standard output is one of the inputs */
	bool bad_pattern;  /* -f - under MPI, rank 0: the patterns do not compile */
	struct mps_lister *lister; /* --files: the walk's paths go here */
};

struct mpi_run;
static void pre_feed(struct run *r, int timeout_ms);

static void forward_message(void *ctx, const char *msg)
{
	struct run *r = ctx;
	if (r->d->message)
		r->d->message(r->d->ctx, msg);
}

/* --stall-timeout: called by the pool's owner thread */
static void stalled(void *ctx, pid_t pid, const char *path, double secs)
{
	struct run *r = ctx;
	char msg[1024];
	snprintf(msg, sizeof(msg), "worker %d has made no progress for %.0f s on '%s'", (int)pid,
		 secs, path);
	if (r->d->message)
		r->d->message(r->d->ctx, msg);
}

static void count_error(void *ctx, const char *path, int err)
{
	struct run *r = ctx;
	atomic_fetch_add(&r->errors, 1);
	if (r->d->error && !r->o->no_messages)
		r->d->error(r->d->ctx, path, err);
}

static void message(struct run *r, const char *fmt, const char *a, const char *b)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, a, b);
	if (r->d->message)
		r->d->message(r->d->ctx, msg);
}

static int list_append(struct run *r, struct mps_unit *u, const struct mps_walk_file *f);
#define LOW 2048 /* MPI: a rank asks for more work below this many units queued */

/* Units of one file, in order: to the pool (local) or to the list (MPI). */
static int add_file(void *ctx, const struct mps_walk_file *f)
{
	struct run *r = ctx;
	if (atomic_load(&r->stop))
		return 1;
	bool nosize = f->regular && f->size == MPS_WALK_NOSIZE;
	uint32_t n = f->regular && !nosize ? mps_plan_nparts(f->size, r->o->chunk_size) : 1;
	struct mps_walk_file g = *f;
	if (!r->o->paths_given && g.pathlen > 2 && !strncmp(g.path, "./", 2)) {
		/* the implicit "." operand: print "a.c", as grep and ripgrep do */
		g.path += 2;
		g.pathlen -= 2;
		g.root = g.root >= 2 ? g.root - 2 : 0;
	}
	f = &g;
	if (r->lister)
		return mps_lister_add(r->lister, f->path, f->pathlen);
	for (uint32_t i = 0; i < n; i++) {
		struct mps_unit u = {.id = r->next_id++, .file = r->next_file, .part = i, .nparts = n,
				     .path = (char *)f->path, .pathlen = f->pathlen};
		if (f->is_stdin)
			u.flags |= MPS_UNIT_STDIN;
		if (f->regular)
			u.flags |= MPS_UNIT_REGULAR;
		if (nosize)
			u.flags |= MPS_UNIT_NOSIZE;
		if (f->walked) {
			u.flags |= MPS_UNIT_WALKED;
			u.root = (uint32_t)f->root;
		}
		if (n > 1 && f->has_id) {
			u.flags |= MPS_UNIT_ID | MPS_UNIT_ID_DEV;
			u.fid = f->id;
		}
		u.size = f->size;
		if (n > 1)
			mps_plan_part(f->size, i, n, &u.begin, &u.end);
		else
			u.end = UINT64_MAX;
		int rc;
		if (r->pool) {
			rc = mps_pool_submit(r->pool, &u);
		} else {
			pthread_mutex_lock(&r->mu);
			rc = list_append(r, &u, f);
			/* while MPI_Init runs, rank 0's own workers take the first
			 * units of the list */
			if (!rc && r->pre_open && (r->next_id & 31) == 0)
				pre_feed(r, 0);
			pthread_mutex_unlock(&r->mu);
		}
		if (rc) {
			r->submit_err = rc;
			return rc;
		}
	}
	r->next_file++;
	return 0;
}

static int list_append(struct run *r, struct mps_unit *u, const struct mps_walk_file *f)
{
	if (r->nunits == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 4096;
		struct mps_unit *nu = realloc(r->units, nc * sizeof(*nu));
		uint64_t *ns = realloc(r->sizes, nc * sizeof(*ns));
		if (nu)
			r->units = nu;
		if (ns)
			r->sizes = ns;
		if (!nu || !ns)
			return -ENOMEM;
		r->cap = nc;
	}
	u->path = strndup(f->path, f->pathlen);
	if (!u->path)
		return -ENOMEM;
	r->sizes[r->nunits] = f->size;
	r->units[r->nunits++] = *u;
	return 0;
}

static void walk_error(void *ctx, const char *path, int err)
{
	count_error(ctx, path, err);
}

static int walk(struct run *r)
{
	const struct mps_opts *o = r->o;
	struct mps_walk_opts wo = {
		.deref = o->deref,
		/* files met while walking are not stat'ed (a stat per file would
		 * make the walk, serial on rank 0, three times slower): workers
		 * find the big ones and split them among themselves.  Operands
		 * are stat'ed, so a big file named on the command line is split
		 * across ranks. */
		.no_size = true,
		.include = o->include.v, .ninclude = o->include.n,
		.exclude = o->exclude.v, .nexclude = o->exclude.n,
		.exclude_dir = o->exclude_dir.v, .nexclude_dir = o->exclude_dir.n,
		.filters = o->filters.v, .nfilters = o->filters.n,
		.dirs_skip = o->directories == MPS_ACT_SKIP,
		.dirs_read = o->directories == MPS_ACT_READ,
		.devices_skip = o->devices == MPS_ACT_SKIP,
		.avoid = r->avoid, .navoid = r->navoid, .avoid_report = r->avoid_report,
	};
	mps_files_walk_opts(&wo, o);
	struct mps_walk_cb cb = {.file = add_file, .error = walk_error, .ctx = r};
	double t0 = now();
	int rc = mps_walk_run(&wo, o->paths.v, o->paths.n, &cb);
	r->walk_s = now() - t0;
	return rc;
}

static void *walker_thread(void *arg)
{
	struct run *r = arg;
	walk(r);
	mps_pool_close(r->pool);
	return NULL;
}

#if MPSEARCH_MPI
/* MPI rank 0: the walk runs while MPI_Init does (it takes ~0.3 s); it
 * fills r->units and calls no MPI. */
static void *list_walker_thread(void *arg)
{
	struct run *r = arg;
	int rc = walk(r);
	pthread_mutex_lock(&r->mu);
	r->walk_rc = rc;
	r->walk_done = true;
	/* until MPI is up, keep rank 0's workers going */
	while (r->pre_open && !atomic_load(&r->stop)) {
		pre_feed(r, 1);
		pthread_mutex_unlock(&r->mu);
		struct timespec ts = {0, 50000};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}
#endif

/* ---- options for the stages ---- */

/* Is the character set of the environment's locale (LC_ALL, LC_CTYPE,
 * LANG, as setlocale reads them) UTF-8?  The process locale is not changed. */
static bool utf8_locale(void)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
	if (!loc)
		return false;
	bool yes = strcmp(nl_langinfo_l(CODESET, loc), "UTF-8") == 0;
	freelocale(loc);
	return yes;
}

static void stage_opts(const struct mps_opts *o, struct mps_search_opts *so,
		       struct mps_print_opts *po)
{
	bool lines = o->output == MPS_OUT_LINES || o->output == MPS_OUT_JSON;
	bool ctx = lines; /* -o prints no context lines, but "--" between groups */
	bool utf8 = o->output == MPS_OUT_LINES && !o->text && utf8_locale();
	*so = (struct mps_search_opts){
		.invert = o->invert, .max_count = o->max_count,
		.before = ctx ? o->before : 0, .after = ctx ? o->after : 0,
		.text = o->text, .binary_skip = o->binary == MPS_BIN_SKIP,
		.null_data = o->null_data, .mark_nonascii = utf8,
		.emit_lines = lines, .split_over = o->chunk_size,
		.search_zip = o->search_zip,
		/* the parts of a split compressed file carry no byte offsets and
		 * no context from the parts around them */
		.zip_split = o->search_zip && o->output != MPS_OUT_JSON && !o->multiline &&
			     !(ctx && (o->before > 0 || o->after > 0)),
		.spans = lines && (o->only_matching || o->output == MPS_OUT_JSON || o->color ||
				   o->column || o->vimgrep),
		.count_matches = o->count_matches, .multiline = o->multiline,
		.first_only = o->output == MPS_OUT_FILES_WITH || o->output == MPS_OUT_FILES_WITHOUT ||
			      o->output == MPS_OUT_QUIET,
	};
	bool names = o->with_filename == 1 || (o->with_filename < 0 && o->vimgrep);
	if (o->with_filename < 0 && !names) {
		struct stat st;
		names = o->paths.n > 1 ||
			(o->paths.n == 1 && strcmp(o->paths.v[0], "-") && !stat(o->paths.v[0], &st) &&
			 S_ISDIR(st.st_mode));
	}
	*po = (struct mps_print_opts){
		.output = o->output, .only_matching = o->only_matching, .with_filename = names,
		.line_number = o->line_number, .null = o->null, .color = o->color,
		.invert = o->invert, .text = o->text, .max_count = o->max_count,
		.before = so->before, .after = so->after,
		.binary_skip = so->binary_skip, .byte_offset = o->byte_offset,
		.initial_tab = o->initial_tab, .null_data = o->null_data,
		.line_buffered = o->line_buffered, .context = lines && o->context,
		.label = o->label, .group_sep = o->group_sep, .no_group_sep = !o->group_sep,
		.utf8 = utf8, .column = o->column, .vimgrep = o->vimgrep, .heading = o->heading,
		.count_matches = o->count_matches,
	};
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

struct out {
	int fd;
	char *target;   /* where the result goes on success (resolved) */
	char *tmp;      /* named temporary file (no O_TMPFILE), or NULL */
	bool anon;      /* an O_TMPFILE, linked to target on success */
	bool existed;   /* target existed: replaced through a rename */
	bool direct;    /* a device, FIFO or unresolvable path, written in place */
	struct mps_file_id avoid[2]; /* never searched: target, temporary file */
	size_t navoid;
};

static void out_avoid(struct out *out, const struct stat *st)
{
	out->avoid[out->navoid++] = (struct mps_file_id){.dev = (uint64_t)st->st_dev,
							 .ino = (uint64_t)st->st_ino};
}

/* The temporary file in target's directory: O_TMPFILE, else a named one. */
static int out_temp(struct run *r, struct out *out, mode_t mode)
{
	char *slash = strrchr(out->target, '/');
	char *dir = slash ? strndup(out->target, (size_t)(slash - out->target) + 1) : strdup(".");
	if (!dir)
		return -ENOMEM;
	out->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	int e = errno;
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
		message(r, "cannot create a temporary file for '%s': %s", r->o->output_file, strerror(e));
		free(out->tmp);
		out->tmp = NULL;
		return -e;
	}
	if (out->existed || out->tmp)
		fchmod(out->fd, mode);
	struct stat st;
	if (!fstat(out->fd, &st))
		out_avoid(out, &st);
	return 0;
}

static int out_prepare(struct run *r, struct out *out);

/* Open the output; the walk then leaves it out. */
static int out_open(struct run *r, struct out *out)
{
	int rc = out_prepare(r, out);
	r->avoid = out->avoid;
	r->navoid = rc ? 0 : out->navoid;
	r->avoid_report = !r->o->output_file;
	return rc;
}

static int out_prepare(struct run *r, struct out *out)
{
	*out = (struct out){.fd = STDOUT_FILENO};
	struct stat st;
	const struct mps_opts *o = r->o;
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
		message(r, "cannot open '%s': %s", given, strerror(e));
		return -e;
	}
	if (srv == 0 && S_ISDIR(st.st_mode)) {
		message(r, "cannot write '%s': %s", given, strerror(EISDIR));
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
			message(r, "cannot open '%s': %s", given, strerror(e));
			return -e;
		}
		out->direct = true;
		if (!fstat(out->fd, &st) && S_ISREG(st.st_mode))
			out_avoid(out, &st);
		return 0;
	}
	mode_t mask = umask(0);
	umask(mask);
	int rc = out_temp(r, out, out->existed ? (st.st_mode & 07777) : (0666 & ~mask));
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
static int out_commit(struct out *out)
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

static int out_close(struct run *r, struct out *out, bool ok)
{
	int rc = 0;
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
		message(r, "cannot write '%s': %s", r->o->output_file, strerror(-rc));
	free(out->tmp);
	free(out->target);
	out->tmp = out->target = NULL;
	return rc;
}

/* ---- stats ---- */

struct rank_stats {
	char host[64];
	int rank, workers, cores;
	uint64_t units, bytes, selected;
	double walk, scatter, search, gather;
	double walk_wait; /* the part of the walk not hidden behind MPI_Init */
	double dispatch;  /* rank 0: handing out later rounds (while searching) */
	uint64_t rounds;  /* rounds this rank searched */
};

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
		append(b, "%sworker %d: pid %d core %d units %llu bytes %llu matches %llu busy %.3fs\n",
		       who, i, (int)ws[i].pid, ws[i].core, (unsigned long long)ws[i].units,
		       (unsigned long long)ws[i].bytes, (unsigned long long)ws[i].selected, ws[i].busy);
	}
	double mean = nw ? sum / nw : 0;
	append(b, "%sworkers: %d, imbalance (max/mean busy) %.3f\n", who, nw,
	       mean > 0 ? max / mean : 1.0);
}

/* The line for scripts, the same keys in a local run (ranks=1) and under MPI. */
static void stats_line(struct mps_buf *b, int ranks, int workers, const struct mps_totals *t,
		       const struct rank_stats *r0, double search, double total, double imbalance,
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

/* A local run: workers, files, bytes and GB/s; no ranks, no MPI steps. */
static void local_table(struct mps_buf *b, const struct rank_stats *s, const struct mps_totals *t,
			double total)
{
	append(b, "files %llu, matched files %llu, matched lines %llu, errors %llu\n",
	       (unsigned long long)t->files, (unsigned long long)t->files_matched,
	       (unsigned long long)t->selected, (unsigned long long)t->errors);
	append(b, "%llu bytes in %.3f s, %.2f GB/s (walk %.3f s, search %.3f s, %d workers)\n",
	       (unsigned long long)t->bytes, total, total > 0 ? (double)t->bytes / total / 1e9 : 0.0,
	       s->walk, s->search, s->workers);
	stats_line(b, 1, s->workers, t, s, s->search, total, 1.0, 0.0);
}

#if MPSEARCH_MPI
static void rank_table(struct mps_buf *b, const struct rank_stats *rs, int n,
		       const struct mps_totals *t, double total, int workers)
{
	append(b, "%-16s %5s %7s %5s %6s %9s %14s %10s %8s %8s %8s %8s %8s %7s\n", "host", "rank",
	       "workers", "cores", "rounds", "units", "bytes", "matches", "walk_s", "scat_s", "disp_s",
	       "search_s", "gath_s", "GB/s");
	double max = 0, sum = 0;
	struct rank_stats tot = {0};
	for (int i = 0; i < n; i++) {
		const struct rank_stats *s = &rs[i];
		append(b, "%-16.16s %5d %7d %5d %6llu %9llu %14llu %10llu %8.3f %8.3f %8.3f %8.3f %8.3f "
			  "%7.2f\n",
		       s->host, s->rank, s->workers, s->cores, (unsigned long long)s->rounds,
		       (unsigned long long)s->units, (unsigned long long)s->bytes,
		       (unsigned long long)s->selected, s->walk, s->scatter, s->dispatch, s->search,
		       s->gather,
		       s->search > 0 ? (double)s->bytes / s->search / 1e9 : 0.0);
		sum += s->search;
		if (s->search > max)
			max = s->search;
		tot.units += s->units;
		tot.bytes += s->bytes;
		tot.selected += s->selected;
		tot.workers += s->workers;
	}
	/* the walk counts as serial only for the part not hidden behind MPI_Init */
	double serial = rs[0].walk_wait + rs[0].scatter + rs[0].gather;
	double mean = n ? sum / n : 0;
	append(b, "%-16s %5s %7d %5s %9llu %14llu %10llu\n", "total", "", tot.workers, "",
	       (unsigned long long)tot.units, (unsigned long long)tot.bytes,
	       (unsigned long long)tot.selected);
	append(b, "files %llu, matched files %llu, matched lines %llu, errors %llu, %.3f s, %.2f GB/s\n",
	       (unsigned long long)t->files, (unsigned long long)t->files_matched,
	       (unsigned long long)t->selected, (unsigned long long)t->errors, total,
	       total > 0 ? (double)t->bytes / total / 1e9 : 0.0);
	append(b, "imbalance (max/mean search) %.3f, serial share (walk wait+scatter+gather)/run %.4f "
		  "(walk %.3f s, of which %.3f s waited for after MPI_Init)\n",
	       mean > 0 ? max / mean : 1.0, total > 0 ? serial / total : 0.0, rs[0].walk,
	       rs[0].walk_wait);
	stats_line(b, n, workers, t, &rs[0], max, total, mean > 0 ? max / mean : 1.0,
		   total > 0 ? serial / total : 0.0);
}
#endif

static int exit_status(const struct mps_opts *o, const struct mps_totals *t, int errors)
{
	/* grep's rule for every mode, -L included: 0 when a line was selected */
	bool found = t->selected > 0;
	if (o->output == MPS_OUT_QUIET && found)
		return 0;
	if (errors)
		return 2;
	return found ? 0 : 1;
}

/* ---- progress ---- */

static void report_progress(struct run *r, bool final)
{
	if (!r->progress || !r->d->progress)
		return;
	double t = now();
	if (!final && t - r->progress_at < 0.1)
		return;
	r->progress_at = t;
	uint64_t done = r->done_bytes;
	for (int i = 1; r->rank_bytes && i < r->nranks; i++)
		done += r->rank_bytes[i];
	if (final && r->total_bytes)
		done = r->total_bytes;
	else if (final)
		r->total_bytes = done; /* known at the end */
	r->d->progress(r->d->ctx, done, r->total_bytes, r->done_files);
}


/* ---- local ---- */

/* --files and --type-list: list instead of searching (under MPI, rank 0
 * alone lists, for now, and no rank starts MPI). */
static int run_list(struct run *r)
{
	struct out out;
	if (out_open(r, &out))
		return 2;
	if (!r->o->output_file)
		r->navoid = 0; /* a list on standard output may list its own file (rg) */
	struct mps_lister l = {.fd = out.fd, .null = r->o->null,
			       .line_buffered = r->o->line_buffered};
	int rc = 0;
	if (r->o->type_list) {
		rc = mps_files_type_list(r->o, out.fd);
		l.listed = 1;
	} else {
		r->lister = &l;
		rc = walk(r);
		r->lister = NULL;
		int frc = mps_lister_finish(&l);
		rc = rc ? rc : frc;
	}
	int errors = atomic_load(&r->errors);
	if (rc < 0 && rc != -EPIPE) {
		message(r, "%s%s", "write error: ", mps_strerror(rc));
		errors++;
	}
	int status = rc == -EPIPE || errors ? 2 : l.listed ? 0 : 1;
	if (out_close(r, &out, status != 2))
		status = 2;
	return status;
}

static int run_local(struct run *r, const struct mps_print_opts *po, double t0)
{
	struct out out;
	if (out_open(r, &out))
		return 2;
	struct mps_printer *pr = mps_printer_new(po, out.fd, &r->pd);
	if (!pr) {
		message(r, "cannot start the output: %s%s", strerror(errno), "");
		out_close(r, &out, false);
		return 2;
	}
	pthread_t th;
	int rc = pthread_create(&th, NULL, walker_thread, r);
	if (rc) {
		message(r, "cannot start the walk: %s%s", strerror(rc), "");
		mps_printer_free(pr);
		out_close(r, &out, false);
		return 2;
	}
	double ts = now();
	struct mps_result res;
	int prc = 0;
	while ((rc = mps_pool_next(r->pool, &res)) == 0) {
		r->done_bytes += res.summary.bytes;
		r->done_files += res.unit->part + 1 == res.unit->nparts;
		report_progress(r, false);
		prc = mps_printer_unit(pr, res.unit, res.block, res.len, &res.summary);
		if (prc)
			break;
	}
	if (prc || rc < 0)
		atomic_store(&r->stop, 1);
	if (prc || rc < 0)
		mps_pool_close(r->pool); /* the walker may still be submitting */
	pthread_join(th, NULL);
	r->total_bytes = r->done_bytes; /* known now */
	report_progress(r, true);
	double search = now() - ts;
	int frc = prc < 0 ? prc : mps_printer_finish(pr, now() - t0);
	struct mps_totals t;
	mps_printer_totals(pr, &t);
	mps_printer_free(pr);
	struct mps_worker_stats ws[1024];
	int nw = mps_pool_free(r->pool, ws, 1024);
	r->pool = NULL;
	int errors = atomic_load(&r->errors);
	if (r->submit_err) {
		message(r, "%s%s", "cannot queue work: ", mps_strerror(r->submit_err));
		errors++;
	}
	if (rc < 0) {
		message(r, "%s%s", "worker pool failed: ", mps_strerror(rc));
		errors++;
	}
	bool epipe = frc == -EPIPE;
	if (frc < 0 && !epipe) {
		if (frc != MPS_ETEMP) /* else reported by name already */
			message(r, "%s%s", "write error: ", mps_strerror(frc));
		errors++;
	}
	int status = exit_status(r->o, &t, errors);
	if (out_close(r, &out, status != 2))
		status = 2;
	if (epipe)
		status = 2;
	if (r->o->stats && r->d->stats) {
		struct mps_buf b = {0};
		worker_table(&b, ws, nw, -1);
		struct rank_stats rs = {.workers = nw, .walk = r->walk_s, .search = search};
		local_table(&b, &rs, &t, now() - t0);
		mps_buf_append(&b, "", 1);
		r->d->stats(r->d->ctx, (const char *)b.data);
		mps_buf_release(&b);
	}
	return status;
}

/* ---- MPI ---- */
#if MPSEARCH_MPI

/* ---- MPI: rounds ----
 *
 * Rank 0's walker thread lists units while MPI_Init runs and after, and
 * until MPI is up it also feeds rank 0's own workers from the front of the
 * list (that first round is rank 0's alone).  The next units listed by the
 * end of MPI_Init (at most ROUND0_MAX) form round 0,
 * cut into contiguous ranges of equal cost, one per rank, and handed out
 * with MPI_Scatterv.  The units listed later go out in further rounds,
 * point to point, each to one rank: a rank whose queue runs low (LOW units
 * not yet done) asks, and gets the next units (a share of what is left,
 * smaller as it runs out, so that ranks finish together).  The walk is
 * therefore not serial, and a slow rank (rank 0's core also walks) gets
 * less.
 * The output order is the round order: rank 0 prints round k from the
 * rank that has it (each rank streams its rounds in order, each closed by
 * an end mark) before round k + 1.  While it waits for another rank, rank 0
 * keeps its own workers going by holding their results aside (up to
 * STASH_BUDGET). */

#define ROUND0_MAX 4096      /* units in the collective first round (more: a longer scatter) */
#define ROUND_MAX 16384      /* units in a later round, at most */
#define ROUND_MIN 64         /* ... and at least, unless the list is shorter */
/* LOW (a rank asks for more below this many units) is defined at the top */
#define STASH_BUDGET ((size_t)64 << 20)

struct stashed {
	struct mps_unit u;
	struct mps_unit_summary sum;
	unsigned char *block;
	size_t len;
	bool unit_done;
};

struct round {
	int owner;
	uint64_t own_target; /* owner 0: own units done when this round is */
};

struct mpi_run {
	struct run *r;
	size_t round0_max, round_min, round_max;
	uint64_t nrounds_seen;         /* a rank > 0: rounds received */
	MPI_Comm comm;
	int rank, size;
	struct mps_pool *pool;
	uint64_t local_id;             /* ids of the units given to our pool */
	/* rank 0 */
	size_t dist_end;               /* units handed out so far */
	struct round *rounds;
	size_t nrounds, rounds_cap;
	int *wants;                    /* requests per rank not yet served */
	int next_q;                    /* the rank served first next time */
	uint64_t own_given;            /* units given to our own pool */
	uint64_t own_pulled;           /* ... of which taken out finished */
	bool last_sent;
	double dispatch_s, dispatched;
	struct mps_dist_rounds rs;
	uint64_t known_bytes;
	bool sizes_known;
	struct stashed *stash;         /* own results held while printing others' */
	size_t st_head, st_n, st_cap, st_bytes;
	struct stashed cur;            /* the stashed result handed out last */
	bool pool_done;
	int err;
};

static void stashed_release(struct stashed *e)
{
	mps_unit_release(&e->u);
	free(e->block);
	memset(e, 0, sizeof(*e));
}

/* Hold the result aside (copied). */
static int stash_push(struct mpi_run *m, const struct mps_result *res)
{
	if (m->st_head + m->st_n == m->st_cap) {
		if (m->st_head) {
			memmove(m->stash, m->stash + m->st_head, m->st_n * sizeof(*m->stash));
			m->st_head = 0;
		} else {
			size_t nc = m->st_cap ? 2 * m->st_cap : 256;
			struct stashed *ns = realloc(m->stash, nc * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			m->stash = ns;
			m->st_cap = nc;
		}
	}
	struct stashed e = {.u = *res->unit, .sum = res->summary, .len = res->len,
			    .unit_done = res->unit_done};
	e.u.path = strndup(res->unit->path, res->unit->pathlen);
	e.block = res->len ? malloc(res->len) : NULL;
	if (!e.u.path || (res->len && !e.block)) {
		free(e.u.path);
		free(e.block);
		return -ENOMEM;
	}
	if (res->len)
		memcpy(e.block, res->block, res->len);
	m->stash[m->st_head + m->st_n++] = e;
	m->st_bytes += res->len;
	m->own_pulled += res->unit_done;
	return 0;
}

/* Rank 0 waits for another rank: let its own workers go on. */
static int stash_pump(struct mpi_run *m, int timeout_ms)
{
	while (!m->pool_done && m->st_bytes < STASH_BUDGET) {
		struct mps_result res;
		int rc = mps_pool_next_wait(m->pool, &res, timeout_ms);
		if (rc == MPS_POOL_AGAIN)
			return 0;
		if (rc == 1) {
			m->pool_done = true;
			return 0;
		}
		if (rc < 0)
			return rc;
		if ((rc = stash_push(m, &res)))
			return rc;
		timeout_ms = 0;
	}
	return 0;
}

/* Rank 0's next own result: held ones first. */
static int own_next(struct mpi_run *m, struct mps_result *res, int timeout_ms)
{
	stashed_release(&m->cur);
	if (m->st_n) {
		m->cur = m->stash[m->st_head++];
		m->st_n--;
		m->st_bytes -= m->cur.len;
		res->unit = &m->cur.u;
		res->block = m->cur.block;
		res->len = m->cur.len;
		res->summary = m->cur.sum;
		res->unit_done = m->cur.unit_done;
		return 0;
	}
	if (m->pool_done)
		return 1;
	int rc = mps_pool_next_wait(m->pool, res, timeout_ms);
	if (rc == 1)
		m->pool_done = true;
	if (rc == 0)
		m->own_pulled += res->unit_done;
	return rc;
}

static int submit_local(struct mpi_run *m, const struct mps_unit *u);
static void handed_out(struct mpi_run *m, size_t n);

/* Rank 0's walker thread, r->mu held, while MPI_Init runs: the first units
 * of the list go to rank 0's own pool (they are rank 0's in any case) as
 * long as its queue is short, and their results are held aside until rank
 * 0 prints them. */
static void pre_feed(struct run *r, int timeout_ms)
{
	struct mpi_run *m = r->pre_m;
	while (!r->pre_err && m->dist_end < r->nunits && r->pre_n < r->pre_max &&
	       r->pre_n - m->own_pulled < LOW) {
		int rc = submit_local(m, &r->units[m->dist_end]);
		if (rc) {
			r->pre_err = rc;
			break;
		}
		handed_out(m, 1);
		r->pre_n++;
	}
	if (!r->pre_err)
		r->pre_err = stash_pump(m, timeout_ms);
}

static int submit_local(struct mpi_run *m, const struct mps_unit *u)
{
	struct mps_unit v = *u;
	v.id = m->local_id++; /* the pool wants 0, 1, 2, ... */
	return mps_pool_submit(m->pool, &v);
}

/* Rank 0: cut units [dist_end, dist_end + n) into ranges; r->mu held. */
static int cut_round(struct mpi_run *m, size_t n, size_t *first)
{
	struct run *r = m->r;
	const struct mps_unit *u = r->units + m->dist_end;
	const uint64_t *sz = r->sizes + m->dist_end;
	uint64_t *cost = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!cost)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		cost[i] = sz[i] == MPS_WALK_NOSIZE ? MPS_PLAN_UNIT_COST + (16u << 10) /* an average file */
						   : mps_plan_cost(&u[i], sz[i]);
	mps_plan_partition(cost, n, m->size, first);
	free(cost);
	return 0;
}

static int add_round(struct mpi_run *m, int owner, uint64_t units)
{
	if (m->nrounds == m->rounds_cap) {
		size_t nc = m->rounds_cap ? 2 * m->rounds_cap : 64;
		struct round *n = realloc(m->rounds, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->rounds = n;
		m->rounds_cap = nc;
	}
	if (owner == 0)
		m->own_given += units;
	m->rounds[m->nrounds++] = (struct round){.owner = owner, .own_target = m->own_given};
	return 0;
}

/* Rank 0, r->mu held: units [dist_end, dist_end + n) are handed out; their
 * sizes count in the total (known only if every file was stat'ed), their
 * paths are no longer needed. */
static void handed_out(struct mpi_run *m, size_t n)
{
	struct run *r = m->r;
	for (size_t i = m->dist_end; i < m->dist_end + n; i++) {
		if (r->sizes[i] == MPS_WALK_NOSIZE)
			m->sizes_known = false;
		else if (r->units[i].part == 0)
			m->known_bytes += r->sizes[i];
		mps_unit_release(&r->units[i]);
	}
	m->dist_end += n;
}

/* Standard input is rank 0's (the launcher gives it to rank 0 only):
 * units of it at the front of what is left go to rank 0's own pool, each
 * a round of its own.  Rank 0, r->mu held. */
static int stdin_rounds(struct mpi_run *m)
{
	struct run *r = m->r;
	int rc = 0;
	while (!rc && m->dist_end < r->nunits && (r->units[m->dist_end].flags & MPS_UNIT_STDIN)) {
		rc = submit_local(m, &r->units[m->dist_end]);
		if (!rc)
			rc = add_round(m, 0, 1);
		if (!rc)
			handed_out(m, 1);
	}
	return rc;
}

/* Of the n units from dist_end, how many come before the next unit of
 * standard input (those may go to any rank). */
static size_t before_stdin(const struct mpi_run *m, size_t n)
{
	const struct mps_unit *u = m->r->units + m->dist_end;
	for (size_t i = 0; i < n; i++)
		if (u[i].flags & MPS_UNIT_STDIN)
			return i;
	return n;
}

/* Rank 0: hand out what the walker has listed to the ranks that asked
 * (and to itself, when its own queue runs low). */
static int dispatch(struct mpi_run *m)
{
	struct run *r = m->r;
	/* it probes MPI (a progress pass): once a millisecond is enough */
	double t = now();
	if (t - m->dispatched < 0.001 && !m->last_sent && !atomic_load(&r->stop))
		return 0;
	m->dispatched = t;
	int rc = mps_dist_rounds_progress(&m->rs, false);
	if (!rc)
		rc = mps_dist_need_poll(m->comm, m->wants);
	if (rc || m->last_sent)
		return rc;
	double t0 = now();
	if (m->own_given - m->own_pulled < LOW)
		m->wants[0] = 1;
	pthread_mutex_lock(&r->mu);
	bool stop = atomic_load(&r->stop); /* -q found a line, or the output is gone */
	bool walked = r->walk_done || stop;
	int asking = 0;
	for (int q = 0; q < m->size; q++)
		asking += m->wants[q] > 0;
	for (int i = 0; !rc && !stop && i < m->size && asking > 0; i++) {
		int q = (m->next_q + i) % m->size;
		if (m->wants[q] <= 0)
			continue;
		if ((rc = stdin_rounds(m)))
			break;
		size_t avail = r->nunits - m->dist_end;
		if (avail == 0)
			break;
		/* guided: a share of what is left, smaller as it runs out, and
		 * no more than a fair part of what is listed when several ask */
		size_t take = avail / (2 * (size_t)m->size);
		if (take < m->round_min)
			take = m->round_min;
		if (take > m->round_max)
			take = m->round_max;
		if (!walked && take > avail / (size_t)asking)
			take = avail / (size_t)asking;
		if (take == 0)
			take = 1;
		if (take > avail)
			take = avail;
		if (q != 0)
			take = before_stdin(m, take);
		if (take == 0) {
			/* the next unit is standard input: rank 0's next */
			m->wants[0] = 1;
			continue;
		}
		asking--;
		m->wants[q] = 0;
		m->next_q = (q + 1) % m->size;
		const struct mps_unit *u = r->units + m->dist_end;
		if (q == 0) {
			for (size_t i = 0; !rc && i < take; i++)
				rc = submit_local(m, &u[i]);
		} else {
			rc = mps_dist_round_send(&m->rs, q, u, take, false);
		}
		if (!rc)
			rc = add_round(m, q, take);
		if (!rc)
			handed_out(m, take);
	}
	bool last = stop || (walked && m->dist_end == r->nunits);
	pthread_mutex_unlock(&r->mu);
	if (!rc && last) {
		for (int q = 1; !rc && q < m->size; q++)
			rc = mps_dist_round_send(&m->rs, q, NULL, 0, true);
		m->last_sent = true;
		mps_pool_close(m->pool);
		if (m->sizes_known)
			r->total_bytes = m->known_bytes;
	}
	m->dispatch_s += now() - t0;
	return rc;
}

/* Rank 0 printing: the printer, its first failure, the run. */
struct fwd {
	struct mps_printer *pr;
	int rc;
	struct mpi_run *m;
};

/* called by mps_dist_receive while rank 0 waits (ctx is the struct fwd) */
static void rank0_tick(void *ctx)
{
	struct fwd *f = ctx;
	if (!f->m->err)
		f->m->err = dispatch(f->m);
	if (!f->m->err)
		f->m->err = stash_pump(f->m, 0);
	report_progress(f->m->r, false);
}

static int print_remote(void *ctx, const struct mps_unit *u, const struct mps_unit_summary *sum,
			const unsigned char *block, size_t len)
{
	struct fwd *f = ctx;
	f->m->r->done_files += u->part + 1 == u->nparts;
	if (f->rc)
		return f->rc;
	f->rc = mps_printer_unit(f->pr, u, block, len, sum);
	return f->rc;
}

static void tally_remote(void *ctx, uint64_t files, uint64_t bytes)
{
	struct fwd *f = ctx;
	f->m->r->done_files += files;
	mps_printer_tally(f->pr, files, bytes);
}

static void free_units(struct mps_unit *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++)
		mps_unit_release(&u[i]);
	free(u);
}

/* Round 0 over MPI_Scatterv: rank 0 cuts what has been listed so far. */
static int first_round(struct mpi_run *m, struct mps_unit **mine, size_t *nmine)
{
	struct run *r = m->r;
	int more = 1;
	size_t *first = NULL;
	struct mps_unit *all = NULL;
	size_t take = 0;
	if (m->rank == 0) {
		pthread_mutex_lock(&r->mu);
		int src = stdin_rounds(m);
		size_t base = m->dist_end; /* after the units rank 0 took while MPI_Init ran */
		size_t avail = r->nunits - base;
		take = avail < m->round0_max ? avail : m->round0_max;
		take = src ? 0 : before_stdin(m, take);
		more = !(r->walk_done && take == avail);
		/* a copy of the array (not of the paths), so the walker may go on */
		first = calloc((size_t)m->size + 1, sizeof(size_t));
		all = malloc((take ? take : 1) * sizeof(*all));
		if (first && all && !src && !cut_round(m, take, first)) {
			memcpy(all, r->units + base, take * sizeof(*all));
			for (size_t i = 0; i < take; i++)
				r->units[base + i].path = NULL; /* now owned by all[] */
			handed_out(m, take);
		} else {
			free(first); /* every rank fails in the scatter */
			first = NULL;
			take = 0;
		}
		pthread_mutex_unlock(&r->mu);
	}
	int rc = mps_dist_scatter(m->comm, all, first, mine, nmine, &more);
	if (m->rank == 0) {
		free_units(all, take);
		/* round 0 is one round per rank, in rank order */
		for (int q = 0; !rc && q < m->size; q++)
			rc = add_round(m, q, first[q + 1] - first[q]);
		if (!more && !rc && m->sizes_known)
			r->total_bytes = m->known_bytes;
	}
	free(first);
	if (!rc)
		m->last_sent = !more;
	return rc;
}

/* A rank > 0: where its rounds end, as cumulative unit counts. */
struct round_ends {
	uint64_t *cum;
	size_t n, cap, ended; /* ended: rounds whose end mark went out */
};

static int round_ends_add(struct round_ends *e, uint64_t units)
{
	if (e->n == e->cap) {
		size_t nc = e->cap ? 2 * e->cap : 16;
		uint64_t *v = realloc(e->cum, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->cum = v;
		e->cap = nc;
	}
	e->cum[e->n] = (e->n ? e->cum[e->n - 1] : 0) + units;
	e->n++;
	return 0;
}

/* The rounds whose units are all done end in the stream here. */
static int round_ends_mark(struct round_ends *e, uint64_t completed, struct mps_dist_sender *snd)
{
	int rc = 0;
	while (!rc && e->ended < e->n && completed == e->cum[e->ended]) {
		rc = mps_dist_sender_round_end(snd);
		e->ended++;
	}
	return rc;
}

/* A rank > 0: search its ranges of every round (round 0's *units are in
 * the pool already), send the results. */
static int rank_loop(struct mpi_run *m, struct mps_dist_sender *snd, uint64_t *bytes,
		     uint64_t *sel, uint64_t *units)
{
	struct run *r = m->r;
	struct round_ends e = {0};
	uint64_t completed = 0;
	bool last = m->last_sent, asked = false;
	double polled = 0;
	int rc = round_ends_add(&e, *units);
	m->nrounds_seen = 1;
	if (last)
		mps_pool_close(m->pool);
	while (!rc) {
		if (!last && now() - polled > 0.002) {
			/* a new round from rank 0? */
			polled = now();
			struct mps_unit *u = NULL;
			size_t n = 0;
			int got = mps_dist_round_poll(m->comm, &u, &n, &last);
			for (size_t i = 0; got == 1 && !rc && i < n; i++)
				rc = submit_local(m, &u[i]);
			free_units(u, n);
			if (got < 0 || rc) {
				rc = got < 0 ? got : rc;
				break;
			}
			if (got == 1 && n) {
				rc = round_ends_add(&e, n);
				m->nrounds_seen++;
				*units += n;
			}
			if (got == 1)
				asked = false;
			if (got == 1 && last)
				mps_pool_close(m->pool);
		}
		if (rc || (rc = round_ends_mark(&e, completed, snd)))
			break;
		/* running low: ask rank 0 for more (one request at a time) */
		uint64_t pending = e.cum[e.n - 1] - completed;
		if (!last && !asked && pending < LOW) {
			mps_dist_need_send(m->comm);
			asked = true;
		}
		struct mps_result res;
		int prc = mps_pool_next_wait(m->pool, &res, last ? -1 : pending ? 5 : 1);
		if (prc == MPS_POOL_AGAIN)
			continue;
		if (prc == 1)
			break;
		if (prc < 0) {
			rc = prc;
			break;
		}
		*bytes += res.summary.bytes;
		*sel += res.summary.selected;
		completed += res.unit_done;
		if (r->progress)
			mps_dist_progress_send(m->comm, *bytes, 0);
		if (mps_dist_stop_requested(m->comm))
			break;
		rc = mps_dist_send(snd, res.unit, &res.summary, res.block, res.len);
	}
	if (!rc && e.n)
		rc = round_ends_mark(&e, completed, snd);
	/* stopped early: take the rest of the rounds, so that every message
	 * rank 0 sent is received */
	while (!last) {
		struct mps_unit *u = NULL;
		size_t n = 0;
		int got = mps_dist_round_poll(m->comm, &u, &n, &last);
		free_units(u, n);
		if (got < 0)
			break;
		if (got == 0) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	free(e.cum);
	return rc;
}

/* Rank 0: print the rounds in order (its own from its pool, the others'
 * from their streams), handing out new rounds meanwhile. */
static int rank0_loop(struct mpi_run *m, struct fwd *f, bool *ended, uint64_t *bytes,
		      uint64_t *sel, double *own_done)
{
	struct run *r = m->r;
	size_t k = 0;
	int rc = 0;
	uint64_t printed = 0; /* own units printed */
	while (!rc && !m->err && !(k == m->nrounds && m->last_sent)) {
		if ((rc = dispatch(m)))
			break;
		if (k >= m->nrounds) {
			/* waiting for the walker */
			if (m->pool_done || m->st_bytes >= STASH_BUDGET) {
				struct timespec ts = {0, 1000000};
				nanosleep(&ts, NULL);
			} else {
				rc = stash_pump(m, 2);
			}
			continue;
		}
		int q = m->rounds[k].owner;
		if (q == 0) {
			if (printed == m->rounds[k].own_target) {
				k++;
				continue;
			}
			struct mps_result res;
			int prc = own_next(m, &res, 2);
			if (prc == MPS_POOL_AGAIN)
				continue;
			if (prc == 1) {
				rc = -EPROTO; /* the pool ended before the units it was given */
				break;
			}
			if (prc < 0) {
				rc = prc;
				break;
			}
			*bytes += res.summary.bytes;
			*sel += res.summary.selected;
			printed += res.unit_done;
			if (m->last_sent && printed == m->own_given)
				*own_done = now();
			if (r->progress) {
				r->done_bytes = *bytes;
				r->done_files += res.unit->part + 1 == res.unit->nparts;
				if (r->rank_bytes)
					mps_dist_progress_poll(m->comm, r->rank_bytes);
				report_progress(r, false);
			}
			if (!f->rc) {
				f->rc = mps_printer_unit(f->pr, res.unit, res.block, res.len, &res.summary);
				if (f->rc) {
					/* -q has its line, or the output is gone: stop */
					atomic_store(&r->stop, 1);
					mps_dist_request_stop(m->comm);
					break;
				}
			}
			continue;
		}
		if (!ended[q]) {
			int rrc = mps_dist_receive(m->comm, q, print_remote, tally_remote, f,
						   r->rank_bytes, rank0_tick, &ended[q]);
			if (rrc < 0 && rrc != f->rc) {
				rc = rrc;
				break;
			}
			if (f->rc) {
				atomic_store(&r->stop, 1);
				mps_dist_request_stop(m->comm);
				break;
			}
		}
		k++;
	}
	if (!rc && m->err)
		rc = m->err;
	return rc;
}

/* -f -: rank 0 read the patterns from its standard input; it broadcasts
 * them (or that they do not compile), and every rank whose workers wait
 * for them starts them now, before anything is searched.  0, or 1 when
 * the run cannot go on (all ranks agree: rank 0 decides). */
static int patterns_from_rank0(struct run *r, struct mpi_run *m)
{
	struct mps_buf b = {0};
	int rc = 0;
	if (m->rank == 0) {
		unsigned char ok = !r->bad_pattern;
		rc = mps_buf_append(&b, &ok, 1);
		for (size_t i = 0; !rc && i < r->o->patterns.n; i++)
			rc = mps_buf_append(&b, r->o->patterns.v[i], strlen(r->o->patterns.v[i]) + 1);
		if (rc) {
			b.len = 0; /* tell the others it failed */
			mps_buf_append(&b, "", 1);
		}
	}
	int brc = mps_dist_bcast_bytes(m->comm, &b);
	if (brc || b.len == 0 || b.data[0] != 1) {
		if (brc)
			message(r, "%s%s", "cannot receive the patterns: ", mps_strerror(brc));
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
		const struct mps_opts *o = r->o;
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
		message(r, "%s%s", "cannot start workers: ", mps_strerror(rc));
	return rc != 0;
}

static int run_mpi(struct run *r, const struct mps_print_opts *po, double t0, int env_rank,
		   int *argc, char ***argv)
{
	struct mpi_run m = {.r = r, .pool = r->pool, .sizes_known = true, .round0_max = ROUND0_MAX,
			    .round_min = ROUND_MIN, .round_max = ROUND_MAX};
	/* test switch: tiny rounds, to exercise the later rounds on a small
	 * tree ("round0,min,max" units) */
	const char *tr = getenv("MPSEARCH_TEST_ROUNDS");
	unsigned long t0r, tmin, tmax, tpre;
	int nt = tr ? sscanf(tr, "%lu,%lu,%lu,%lu", &t0r, &tmin, &tmax, &tpre) : 0;
	r->pre_max = UINT64_MAX;
	if (nt >= 3 && tmin >= 1 && tmax >= tmin) {
		m.round0_max = t0r;
		m.round_min = tmin;
		m.round_max = tmax;
		if (nt == 4)
			r->pre_max = tpre;
	}
	r->pool = NULL; /* the walk fills r->units instead of the pool */
	pthread_mutex_init(&r->mu, NULL);
	r->pre_m = &m;
	r->pre_open = env_rank == 0;
	pthread_t th;
	/* rank 0 opens the output before the walk starts (the walk leaves it
	 * out); the others agree on its failure after MPI_Init */
	struct out out = {.fd = -1};
	bool out_ok = false;
	int out_rc = env_rank == 0 ? out_open(r, &out) : 0;
	out_ok = env_rank == 0 && out_rc == 0;
	int trc = env_rank == 0 && out_ok ? pthread_create(&th, NULL, list_walker_thread, r) : -1;
	bool walking = trc == 0;
	if (trc > 0)
		message(r, "cannot start the walk: %s%s", strerror(trc), "");
	/* no fork from here on: a dead zygote is not replaced once MPI is up */
	mps_pool_seal(m.pool);
	/* only the main thread calls MPI */
	int provided;
	MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
	double tinit = now();
	MPI_Comm comm = MPI_COMM_WORLD;
	m.comm = m.rs.comm = comm;
	MPI_Comm_rank(comm, &m.rank);
	MPI_Comm_size(comm, &m.size);
	int rank = m.rank, size = m.size;
	struct rank_stats me = {.rank = rank};
	gethostname(me.host, sizeof(me.host) - 1);
	/* MPI is up: rank 0's own pool is the main thread's again */
	pthread_mutex_lock(&r->mu);
	r->pre_open = false;
	uint64_t pre_n = r->pre_n;
	int pre_err = r->pre_err;
	pthread_mutex_unlock(&r->mu);
	mps_pool_own(m.pool);
	if (walking && rank != 0 && pre_n) {
		message(r, "%s%s", "the launcher's rank variables disagree with MPI's ranks", "");
		pre_err = -EPROTO;
	}
	if (out_ok && rank != 0) {
		out_close(r, &out, false);
		out = (struct out){.fd = -1};
		out_ok = false;
		out_rc = 0;
	}
	if (walking && rank != 0) {
		/* the launcher's rank variable lied: only rank 0 walks */
		atomic_store(&r->stop, 1);
		pthread_join(th, NULL);
		walking = false;
		free_units(r->units, r->nunits);
		free(r->sizes);
		r->units = NULL;
		r->sizes = NULL;
		r->nunits = r->cap = 0;
		atomic_store(&r->stop, 0);
	}

	/* rank 0: output file and walk; everyone agrees before the scatter */
	int bad = r->o->patterns_stdin ? patterns_from_rank0(r, &m) : 0;
	if (rank == 0) {
		m.wants = calloc((size_t)size, sizeof(int));
		if (!out_ok && !out_rc) {
			/* the launcher's rank variable said another rank */
			out_rc = out_open(r, &out);
			out_ok = out_rc == 0;
		}
		bad = bad || !m.wants || !out_ok;
	}
	if (rank == 0 && !bad && !walking) {
		trc = pthread_create(&th, NULL, list_walker_thread, r);
		walking = trc == 0;
		if (trc)
			message(r, "cannot start the walk: %s%s", strerror(trc), "");
	}
	if (rank == 0 && !walking)
		bad = 1;
	if (rank == 0 && !bad) {
		/* the first round waits for the walk only if nothing was listed
		 * yet (a slow file system) */
		for (;;) {
			pthread_mutex_lock(&r->mu);
			bool ready = r->nunits > 0 || r->walk_done;
			pthread_mutex_unlock(&r->mu);
			if (ready)
				break;
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
		me.walk_wait = now() - tinit;
		pthread_mutex_lock(&r->mu);
		bad = (r->walk_done && r->walk_rc < 0) || r->submit_err;
		pthread_mutex_unlock(&r->mu);
	}
	if (pre_err) {
		if (rank == 0)
			message(r, "%s%s", "cannot start the search: ", mps_strerror(pre_err));
		bad = 1;
	}
	MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm);
	if (bad) {
		if (walking) {
			atomic_store(&r->stop, 1);
			pthread_join(th, NULL);
		}
		if (rank == 0)
			out_close(r, &out, false);
		mps_pool_free(m.pool, NULL, 0);
		free_units(r->units, r->nunits);
		free(r->sizes);
		MPI_Finalize();
		return 2;
	}
	if (rank == 0) {
		r->nranks = size;
		r->rank_bytes = r->progress ? calloc((size_t)size, sizeof(uint64_t)) : NULL;
	}

	double ts = now();
	struct mps_unit *mine = NULL;
	size_t nmine = 0;
	int rc = 0;
	/* the units searched while MPI_Init ran come first */
	if (rank == 0 && pre_n)
		rc = add_round(&m, 0, pre_n);
	int frc = first_round(&m, &mine, &nmine);
	if (!rc)
		rc = frc;
	me.scatter = now() - ts;
	if (rc) {
		/* every rank sees the same failure of the collective */
		message(r, "%s%s", "cannot distribute work: ", mps_strerror(rc));
		if (walking) {
			atomic_store(&r->stop, 1);
			pthread_join(th, NULL);
		}
		mps_pool_free(m.pool, NULL, 0);
		free_units(r->units, r->nunits);
		free(r->sizes);
		if (rank == 0)
			out_close(r, &out, false);
		MPI_Finalize();
		return 2;
	}
	uint64_t units = nmine;
	for (size_t i = 0; i < nmine && !rc; i++)
		rc = submit_local(&m, &mine[i]);
	free_units(mine, nmine);
	if (rank == 0 && m.last_sent)
		mps_pool_close(m.pool);

	struct mps_printer *pr = NULL;
	struct mps_dist_sender snd;
	if (rank == 0)
		pr = mps_printer_new(po, out.fd, &r->pd);
	else
		mps_dist_sender_init(&snd, comm, r->o->output == MPS_OUT_FILES_WITHOUT);
	double tsearch = now(), own_done = 0;
	uint64_t bytes = 0, sel = 0;
	int prc_any = 0;
	bool *ended = rank == 0 ? calloc((size_t)size, sizeof(bool)) : NULL;
	struct fwd f = {pr, pr ? 0 : -ENOMEM, &m};
	if (rank == 0 && !rc && ended) {
		rc = rank0_loop(&m, &f, ended, &bytes, &sel, &own_done);
	} else if (rank == 0 && !rc) {
		rc = -ENOMEM;
	} else if (!rc) {
		rc = rank_loop(&m, &snd, &bytes, &sel, &units);
	}
	if (rc == 1)
		rc = 0;
	if (rank == 0) {
		/* an early stop: the other ranks still get every round */
		if (!m.last_sent) {
			atomic_store(&r->stop, 1);
			int drc = dispatch(&m);
			if (!rc)
				rc = drc;
		}
		if (own_done == 0)
			own_done = now();
	}
	double tg = rank == 0 ? own_done : now();
	me.search = (rank == 0 ? own_done : now()) - tsearch;
	me.units = rank == 0 ? m.own_given : units;
	me.bytes = bytes;
	me.selected = sel;
	if (rank == 0) {
		prc_any = f.rc;
		/* the rest of every stream (all of it after a stop) */
		for (int q = 1; q < size && ended; q++) {
			while (!ended[q]) {
				int rrc = mps_dist_receive(comm, q, print_remote, tally_remote, &f,
							   r->rank_bytes, rank0_tick, &ended[q]);
				if (rrc < 0 && rrc != f.rc) {
					if (!rc)
						rc = rrc;
					break;
				}
			}
			if (f.rc && !prc_any) {
				prc_any = f.rc;
				mps_dist_request_stop(comm);
			}
		}
		int wrc = mps_dist_rounds_progress(&m.rs, true);
		if (!rc)
			rc = wrc;
		mps_dist_need_poll(comm, m.wants); /* none may be left unmatched */
		if (r->rank_bytes)
			mps_dist_progress_poll(comm, r->rank_bytes);
		report_progress(r, true);
	} else {
		if (r->progress)
			mps_dist_progress_send(comm, bytes, 1);
		int src = mps_dist_sender_finish(&snd);
		if (!rc)
			rc = src;
	}
	me.gather = now() - tg;
	me.dispatch = m.dispatch_s;
	if (rank == 0)
		for (size_t k = 0; k < m.nrounds; k++)
			me.rounds += m.rounds[k].owner == 0;
	else
		me.rounds = m.nrounds_seen;
	struct mps_worker_stats ws[1024];
	/* the walker is done, or stopped: its list is no longer read */
	if (walking) {
		atomic_store(&r->stop, 1);
		pthread_join(th, NULL);
		me.walk = r->walk_s;
		if (r->walk_rc < 0 && !r->submit_err && !rc)
			rc = r->walk_rc;
	}
	stashed_release(&m.cur);
	for (size_t i = 0; i < m.st_n; i++)
		stashed_release(&m.stash[m.st_head + i]);
	free(m.stash);
	free(m.rounds);
	free(m.wants);
	free(ended);
	free_units(r->units, r->nunits);
	r->units = NULL;
	free(r->sizes);
	r->sizes = NULL;
	int nw = mps_pool_free(m.pool, ws, 1024);
	me.workers = me.cores = nw;
	/* ranks that are done sleep here instead of spinning in the
	 * collectives below while others still search on their cores */
	if (mps_dist_quiet_barrier(comm) && !rc)
		rc = MPS_EPEER;

	/* totals: reduce (sum) the counters, (max) the seconds; agree on errors */
	uint64_t sums[3] = {me.units, me.bytes, me.selected}, gs[3];
	MPI_Reduce(sums, gs, 3, MPI_UINT64_T, MPI_SUM, 0, comm);
	double secs[4] = {me.walk, me.scatter, me.search, me.gather}, gmax[4];
	MPI_Reduce(secs, gmax, 4, MPI_DOUBLE, MPI_MAX, 0, comm);
	int errs = atomic_load(&r->errors) + (rc < 0);
	if (rc < 0)
		message(r, "%s%s", "search failed on this rank: ", mps_strerror(rc));
	if (rank == 0 && r->submit_err) {
		message(r, "%s%s", "cannot queue work: ", mps_strerror(r->submit_err));
		errs++;
	}
	MPI_Allreduce(MPI_IN_PLACE, &errs, 1, MPI_INT, MPI_SUM, comm);

	struct rank_stats *all = rank == 0 ? calloc((size_t)size, sizeof(*all)) : NULL;
	MPI_Gather(&me, (int)sizeof(me), MPI_BYTE, all, (int)sizeof(me), MPI_BYTE, 0, comm);

	int status = 2;
	if (rank == 0) {
		int frc = prc_any < 0 ? prc_any : (pr ? mps_printer_finish(pr, now() - t0) : -ENOMEM);
		struct mps_totals t = {0};
		if (pr)
			mps_printer_totals(pr, &t);
		bool epipe = frc == -EPIPE;
		if (frc < 0 && !epipe) {
			if (frc != MPS_ETEMP) /* else reported by name already */
				message(r, "%s%s", "write error: ", mps_strerror(frc));
			errs++;
		}
		status = exit_status(r->o, &t, errs);
		if (epipe)
			status = 2;
		if (out_close(r, &out, status != 2))
			status = 2;
		if (r->o->stats && r->d->stats && all) {
			struct mps_buf b = {0};
			worker_table(&b, ws, nw, 0);
			int totw = 0;
			for (int i = 0; i < size; i++)
				totw += all[i].workers;
			rank_table(&b, all, size, &t, now() - t0, totw);
			append(&b, "reduced: units %llu bytes %llu matches %llu; max seconds walk %.3f "
				   "scatter %.3f search %.3f gather %.3f; units searched by rank 0 while "
				   "MPI_Init ran %llu; rounds %zu\n",
			       (unsigned long long)gs[0], (unsigned long long)gs[1],
			       (unsigned long long)gs[2], gmax[0], gmax[1], gmax[2], gmax[3],
			       (unsigned long long)pre_n, m.nrounds);
			mps_buf_append(&b, "", 1);
			r->d->stats(r->d->ctx, (const char *)b.data);
			mps_buf_release(&b);
		}
		mps_printer_free(pr);
	} else if (r->o->stats && r->d->stats) {
		struct mps_buf b = {0};
		worker_table(&b, ws, nw, rank);
		mps_buf_append(&b, "", 1);
		r->d->stats(r->d->ctx, (const char *)b.data);
		mps_buf_release(&b);
	}
	free(all);
	MPI_Barrier(comm);
	if (rank == 0 && r->rank_bytes)
		mps_dist_progress_poll(comm, r->rank_bytes); /* none may be left unmatched */
	free(r->rank_bytes);
	r->rank_bytes = NULL;
	MPI_Bcast(&status, 1, MPI_INT, 0, comm);
	pthread_mutex_destroy(&r->mu);
	MPI_Finalize();
	return status;
}
#else /* built without MPI: mps_run never takes the MPI path */
static void pre_feed(struct run *r, int timeout_ms)
{
	(void)r;
	(void)timeout_ms;
}

static int run_mpi(struct run *r, const struct mps_print_opts *po, double t0, int env_rank,
		   int *argc, char ***argv)
{
	(void)r, (void)po, (void)t0, (void)env_rank, (void)argc, (void)argv;
	return 2;
}
#endif

int mps_run(const struct mps_opts *o, const struct mps_diag *d, int *argc, char ***argv)
{
	double t0 = now();
	struct run r = {.o = o, .d = d};
	r.pd = (struct mps_diag){.error = count_error, .message = forward_message, .ctx = &r};
	bool mpi = mps_run_launched();
	/* every rank sees the same argv, so all agree; under a launcher the
	 * terminal test means nothing, so auto is off there */
	r.progress = o->progress == 1 || (o->progress < 0 && !mpi && isatty(STDERR_FILENO));
	static const char *const rank_env[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", NULL};
	static const char *const lrank_env[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
						"SLURM_LOCALID", NULL};
	static const char *const lsize_env[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
						NULL};
	int env_rank = mpi ? env_int(rank_env, 0) : 0;
#if !MPSEARCH_MPI
	if (mpi) {
		/* each rank would search the whole corpus: refuse, unless alone */
		static const char *const size_env[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
						       "SLURM_STEP_NUM_TASKS", NULL};
		if (env_int(size_env, 1) > 1 || env_rank > 0) {
			if (env_rank == 0)
				message(&r, "%s%s", "this mpsearch was built without MPI "
					"(-DMPSEARCH_MPI=OFF): run it without mpirun or srun, ",
					"or use a build with MPI");
			return 2;
		}
		mpi = false;
	}
#endif
	if (o->list_files || o->type_list)
		return env_rank == 0 ? run_list(&r) : 0;
	if (o->max_count == 0 && o->output != MPS_OUT_FILES_WITHOUT)
		return 1; /* grep -m 0: nothing is read (-L lists every file) */

	char err[512];
	struct mps_match_opts mo = {
		.patterns = o->patterns.v, .npatterns = o->patterns.n, .syntax = o->syntax,
		.ignore_case = o->ignore_case, .word = o->word, .line = o->line,
		.utf8 = mps_matcher_locale_utf8(), .null_data = o->null_data,
		.multiline = o->multiline,
	};
	/* -f - under MPI: only rank 0 has standard input; the others' workers
	 * wait for the patterns rank 0 broadcasts after MPI_Init */
	bool later = mpi && o->patterns_stdin;
	struct mps_matcher *m = later && env_rank != 0 ? NULL : mps_matcher_new(&mo, err, sizeof(err));
	if (!m && !(later && env_rank != 0)) {
		/* every rank sees the same argv, so every rank fails here; only the
		 * first one speaks, and none starts MPI (but with -f -: the others
		 * learn it from rank 0 after MPI_Init) */
		if (env_rank == 0)
			message(&r, "invalid pattern: %s%s", err[0] ? err : strerror(errno), "");
		if (!later)
			return 2;
		r.bad_pattern = true;
	}
	struct mps_search_opts so;
	struct mps_print_opts po;
	stage_opts(o, &so, &po);
	po.multiline = o->multiline && mps_matcher_multiline(m); /* (m: rank 0's, which prints) */
	if (po.multiline) /* ripgrep's output: lines that are not UTF-8 are printed */
		po.utf8 = false;
	struct mps_pool_opts pool_o = {
		.workers = o->workers, .pin = o->pin,
		.local_rank = mpi ? env_int(lrank_env, 0) : 0,
		.local_size = mpi ? env_int(lsize_env, 1) : 1,
		.matcher = m, .search = so, .chunk_size = o->chunk_size, .deref = o->deref,
		.stall_timeout = o->stall_timeout, .stall = stalled, .stall_ctx = &r,
	};
	/* Workers are forked before MPI_Init, and never call MPI. */
	r.pool = mps_pool_new(&pool_o);
	if (!r.pool) {
		message(&r, "cannot start workers: %s%s", strerror(errno), "");
		if (m)
			mps_matcher_free(m);
		return 2;
	}
	int status = mpi ? run_mpi(&r, &po, t0, env_rank, argc, argv) : run_local(&r, &po, t0);
	if (m)
		mps_matcher_free(m);
	return status;
}
