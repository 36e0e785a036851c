/* SPDX-License-Identifier: BSD-3-Clause */
/* mpsearch: parse, run, report.  The driver owns what is process-wide:
 * signals, standard output and the --output file (src/driver.c), the
 * --stats text and the exit status; everything else is in libmpsearch. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "mpsearch/mpsearch.h"
#include "progress.h"

#ifdef MPSEARCH_SANITIZE
/* Open MPI keeps allocations until exit, and remote ranks do not inherit
 * ASAN_OPTIONS: leak reports are off for the program (the unit tests keep
 * them on for the library). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static void report_error(void *ctx, const char *path, int err)
{
	(void)ctx;
	mps_progress_clear();
	if (err == MPS_ELOOP)
		fprintf(stderr, "mpsearch: '%s': recursive directory loop\n", path);
	else if (err == MPS_ECHANGED || err == MPS_EINOUT)
		fprintf(stderr, "mpsearch: %s: %s\n", path, mps_strerror(err)); /* grep's words */
	else if (err == -ENOENT || err == -EACCES || err == -EPERM || err == -ENOTDIR ||
		 err == -ENAMETOOLONG || err == -ELOOP)
		fprintf(stderr, "mpsearch: cannot open '%s': %s\n", path, mps_strerror(err));
	else
		fprintf(stderr, "mpsearch: cannot read '%s': %s\n", path, mps_strerror(err));
}

static void report_message(void *ctx, const char *msg)
{
	(void)ctx;
	mps_progress_clear();
	fprintf(stderr, "mpsearch: %s\n", msg);
}

static void report_stats(void *ctx, const char *text)
{
	(void)ctx;
	mps_progress_clear();
	fputs(text, stderr);
}

static void report_progress(void *ctx, uint64_t done, uint64_t total, uint64_t files)
{
	(void)ctx;
	mps_progress_draw(done, total, files);
}

int main(int argc, char **argv)
{
	struct mps_opts o;
	char err[512];
	/* Characters as the locale says (LC_ALL, LC_CTYPE, LANG), as grep:
	 * UTF-8 decides what -i, -w, '.' and classes mean.  Only LC_CTYPE:
	 * numbers in --stats keep their '.'. */
	setlocale(LC_CTYPE, "");
	int rc = mps_opts_parse(&o, argc, argv, isatty(STDIN_FILENO),
				isatty(STDOUT_FILENO) && !mps_run_launched(), err,
				sizeof(err));
	if (rc == MPS_OPTS_HELP) {
		fputs(mps_opts_usage(), stdout);
		mps_opts_release(&o);
		return 0;
	}
	if (rc == MPS_OPTS_VERSION) {
		printf("mpsearch %s\n", MPSEARCH_VERSION);
		mps_opts_release(&o);
		return 0;
	}
	if (rc != MPS_OPTS_RUN) {
		fprintf(stderr, "mpsearch: %s\nUsage: mpsearch [OPTIONS] PATTERN [PATH ...]\n"
				"Try 'mpsearch --help' for more information.\n", err);
		mps_opts_release(&o);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is an EPIPE write error */
	signal(SIGXFSZ, SIG_IGN); /* a file size limit is an EFBIG write error */
	/* A closed standard output must not be reused by the next open(): hold
	 * it with a read-only descriptor, so that writing fails with EBADF. */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF)
		open("/dev/null", O_RDONLY);
	/* Results into a pipe: a bigger pipe (1 MB, when the system allows
	 * it) wakes the reader and the writer less often */
	struct stat ost;
	if (!fstat(STDOUT_FILENO, &ost) && S_ISFIFO(ost.st_mode) &&
	    fcntl(STDOUT_FILENO, F_GETPIPE_SZ) < (1 << 20))
		fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);
	/* the bar: see progress.h; the results that share its terminal are
	 * relayed (from here on standard output may be a pipe) */
	bool shared = mps_progress_shared_tty();
	o.progress = mps_opts_progress(&o, isatty(STDERR_FILENO), shared, mps_run_launched());
	if (o.progress && mps_progress_start(shared && !o.output_file))
		o.progress = 0;
	struct mps_diag d = {report_error, report_message, report_stats, report_progress, NULL};
	struct mps_out out;
	struct mps_run_output hooks;
	mps_out_init(&out, &o, &hooks);
	struct mps_run_result res;
	int status = 2;
	bool ran = mps_run(&o, &d, &hooks, &argc, &argv, &res) == 0;
	/* the last results reach the terminal before the stats */
	int prc = mps_progress_finish();
	if (prc)
		fprintf(stderr, "mpsearch: write error: %s\n", strerror(-prc));
	if (ran) {
		status = prc ? 2 : mps_exit_status(&o, &res);
		if (o.stats && !res.follower) {
			char *text = mps_stats_text(&res);
			if (text)
				report_stats(NULL, text);
			free(text);
		}
		mps_run_result_release(&res);
	}
	if (mps_out_close(&out, status != 2))
		status = 2;
	mps_opts_release(&o);
	return status;
}
