/* SPDX-License-Identifier: BSD-3-Clause */
/* Run: set up the stages (matcher, pool, search and print options) and
 * choose the local run (src/run_local.c) or, under an MPI launcher, the
 * MPI run of the distribution layer (src/dist_run.c).  No MPI here. */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "print_text.h"
#include "run_int.h"

/* parts of files split when the workers format their lines (outring.h) */
#define TEXT_CHUNK (8u << 20)
#include "util.h"

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

int mps_run_env_rank(void)
{
	static const char *const rank_env[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", NULL};
	return mps_run_launched() ? env_int(rank_env, 0) : 0;
}

/* One of several tasks of a Slurm step that has no PMI to start MPI
 * with (srun --mpi=none): each would search the whole corpus. */
static bool slurm_without_pmi(void)
{
	static const char *const n[] = {"SLURM_STEP_NUM_TASKS", NULL};
	return env_int(n, 1) > 1 && !mps_run_launched();
}

/* ---- options for the stages ---- */
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


void mps_run_result_release(struct mps_run_result *res)
{
	free(res->ranks);
	free(res->workers);
	memset(res, 0, sizeof(*res));
}

/* Without MPI support, or one of several Slurm tasks with no PMI: a run
 * that would search the corpus once per task is refused.  0 or -EINVAL
 * (said by the first task only). */
static int refuse_many(struct run *r, bool *mpi, int env_rank)
{
	static const char *const procid[] = {"SLURM_PROCID", NULL};
	if (slurm_without_pmi()) {
		if (env_int(procid, 0) == 0)
			mps_run_message(r, "%s%s", "one of several tasks of a Slurm step, with no PMI "
					"to start MPI: run it with 'srun --mpi=pmix' ",
					"(or under mpirun)");
		return -EINVAL;
	}
#if !MPSEARCH_MPI
	if (*mpi) {
		/* each rank would search the whole corpus: refuse, unless alone */
		static const char *const size_env[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
						       "SLURM_STEP_NUM_TASKS", NULL};
		if (env_int(size_env, 1) > 1 || env_rank > 0) {
			if (env_rank == 0)
				mps_run_message(r, "%s%s", "this mpsearch was built without MPI "
						"(-DMPSEARCH_MPI=OFF): run it without mpirun or srun, ",
						"or use a build with MPI");
			return -EINVAL;
		}
		*mpi = false;
	}
#else
	(void)mpi, (void)env_rank;
#endif
	return 0;
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

/* The matcher (NULL under MPI with -f - on a rank > 0: the patterns come
 * from rank 0 later; then or on a bad pattern of -f - on rank 0, *ok
 * stays true).  *ok false: the run cannot be made. */
static struct mps_matcher *matcher(struct run *r, bool later, int env_rank, bool *ok)
{
	const struct mps_opts *o = r->o;
	char err[512];
	struct mps_match_opts mo = {
		.patterns = o->patterns.v, .npatterns = o->patterns.n, .syntax = o->syntax,
		.ignore_case = o->ignore_case, .word = o->word, .line = o->line,
		.utf8 = mps_matcher_locale_utf8(), .null_data = o->null_data,
		.multiline = o->multiline,
	};
	*ok = true;
	if (later && env_rank != 0)
		return NULL;
	/* test switch: rank 0 compiles late (a loaded node), after the
	 * others have failed */
	const char *late = env_rank == 0 ? getenv("MPSEARCH_TEST_RANK0_LATE_MS") : NULL;
	int late_ms = late ? atoi(late) : 0;
	if (late_ms > 0)
		nanosleep(&(struct timespec){late_ms / 1000, (late_ms % 1000) * 1000000L}, NULL);
	struct mps_matcher *m = mps_matcher_new(&mo, err, sizeof(err));
	if (m)
		return m;
	/* every rank sees the same argv, so every rank fails here; only the
	 * first one speaks (and exits 2: the others exit 0, mps_run), and
	 * none starts MPI (but with -f -: the others learn it from rank 0
	 * after MPI_Init) */
	if (env_rank == 0)
		mps_run_message(r, "invalid pattern: %s%s", err[0] ? err : strerror(errno), "");
	if (later)
		r->bad_pattern = true;
	else
		*ok = false;
	return NULL;
}

/* --files and --type-list: list instead of searching (under MPI, rank 0
 * alone lists, for now, and no rank starts MPI; the others end at once
 * and leave the exit status to rank 0). */
static int run_list(struct run *r, int env_rank, struct mps_run_result *res)
{
	res->nranks = 1;
	if (env_rank != 0) {
		res->follower = true;
		return 0;
	}
	int fd;
	int rc = mps_run_out_open(r, MPS_OUT_ALONE, &fd);
	if (rc)
		return rc;
	if (!r->o->output_file)
		r->navoid = 0; /* a list on standard output may list its own file (rg) */
	struct mps_lister l = {.fd = fd, .null = r->o->null, .line_buffered = r->o->line_buffered};
	if (r->o->type_list) {
		rc = mps_files_type_list(r->o, fd);
		l.listed = 1;
	} else {
		r->lister = &l;
		rc = mps_run_walk(r);
		r->lister = NULL;
		int frc = mps_lister_finish(&l);
		rc = rc ? rc : frc;
	}
	res->errors = atomic_load(&r->errors);
	if (rc < 0 && rc != -EPIPE) {
		mps_run_message(r, "%s%s", "write error: ", mps_strerror(rc));
		res->errors++;
	}
	res->write_err = rc < 0 ? rc : 0;
	res->totals.selected = l.listed;
	res->total_s = mps_now() - r->t0;
	return 0;
}

int mps_run(const struct mps_opts *o, const struct mps_diag *d, const struct mps_run_output *out,
	    int *argc, char ***argv, struct mps_run_result *res)
{
	memset(res, 0, sizeof(*res));
	struct run r = {.o = o, .d = d, .out = out, .t0 = mps_now()};
	mps_run_diag_init(&r);
	bool mpi = mps_run_launched();
	/* "auto" is the driver's to settle (mps_opts_progress: it knows where
	 * standard output goes); left unsettled, it is off */
	r.progress = o->progress == 1;
	static const char *const lrank_env[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
						"SLURM_LOCALID", NULL};
	static const char *const lsize_env[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
						NULL};
	int env_rank = mps_run_env_rank();
	int rc = refuse_many(&r, &mpi, env_rank);
	if (rc)
		return rc;
	if (o->list_files || o->type_list)
		return run_list(&r, env_rank, res);
	if (o->max_count == 0 && o->output != MPS_OUT_FILES_WITHOUT)
		return 0; /* grep -m 0: nothing is read (-L lists every file) */
	/* -f - under MPI: only rank 0 has standard input; the others' workers
	 * wait for the patterns rank 0 broadcasts after MPI_Init */
	bool ok;
	struct mps_matcher *m = matcher(&r, mpi && o->patterns_stdin, env_rank, &ok);
	if (!ok && mpi && env_rank != 0) {
		/* rank 0 says so and exits 2; the others end quietly, so that
		 * the launcher does not kill rank 0 before it has spoken */
		res->follower = true;
		return 0;
	}
	if (!ok)
		return MPS_EPATTERN;
	struct mps_search_opts so;
	stage_opts(o, &so, &r.po);
	r.po.multiline = o->multiline && mps_matcher_multiline(m); /* (m: rank 0's, which prints) */
	if (r.po.multiline) /* ripgrep's output: lines that are not UTF-8 are printed */
		r.po.utf8 = false;
	/* results written once, by the workers: in a local run (under MPI the
	 * lines travel to rank 0 as records), in parts small enough for the
	 * workers' output rings */
	bool text = !mpi && mps_print_text_ok(&r.po) && !getenv("MPSEARCH_TEST_NO_TEXT");
	struct mps_opts capped;
	if (text && o->chunk_size > TEXT_CHUNK) {
		capped = *o;
		capped.chunk_size = so.split_over = TEXT_CHUNK;
		r.o = o = &capped;
	}
	struct mps_pool_opts pool_o = {
		.workers = o->workers, .pin = o->pin,
		.local_rank = mpi ? env_int(lrank_env, 0) : 0,
		.local_size = mpi ? env_int(lsize_env, 1) : 1,
		.matcher = m, .search = so, .chunk_size = o->chunk_size, .deref = o->deref,
		.stall_timeout = o->stall_timeout, .stall = stalled, .stall_ctx = &r,
		.text = text,
		.print = r.po,
	};
	/* Workers are forked before MPI_Init, and never call MPI. */
	r.pool = mps_pool_new(&pool_o);
	if (!r.pool) {
		rc = -errno;
		mps_run_message(&r, "cannot start workers: %s%s", strerror(errno), "");
		if (m)
			mps_matcher_free(m);
		return rc;
	}
	res->mpi = mpi;
	r.matcher = m; /* a local run searches streams itself */
	r.so = so;
#if MPSEARCH_MPI
	rc = mpi ? mps_dist_run(&r, env_rank, argc, argv, res) : mps_run_local(&r, res);
#else
	(void)argc, (void)argv;
	rc = mps_run_local(&r, res);
#endif
	if (m)
		mps_matcher_free(m);
	return rc;
}
