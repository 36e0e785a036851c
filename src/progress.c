/* SPDX-License-Identifier: BSD-3-Clause */
/* The program's progress bar and the relay of results that share its
 * terminal (see progress.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define ERASE "\r\033[K"

static struct {
	pthread_mutex_t mu;   /* guards everything below and stderr's line */
	bool on;
	char bar[256];        /* the last bar drawn ("" none) */
	bool shown;           /* the bar is on the terminal now */
	double t0;            /* when the first bytes were seen */
	/* the relay: results from out_rd (the program's standard output) to
	 * term (the terminal it was) */
	bool relay;
	int out_rd, term;
	bool mid_line;        /* results wrote part of a line: no bar now */
	int err;              /* writing to the terminal failed: -errno */
	pthread_t th;
} pg = {.mu = PTHREAD_MUTEX_INITIALIZER, .out_rd = -1, .term = -1};

bool mps_progress_shared_tty(void)
{
	struct stat o, e;
	return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !fstat(STDOUT_FILENO, &o) &&
	       !fstat(STDERR_FILENO, &e) && o.st_rdev == e.st_rdev;
}

/* pg.mu held */
static void erase(void)
{
	if (pg.shown)
		mps_write_all(STDERR_FILENO, ERASE, strlen(ERASE));
	pg.shown = false;
}

/* pg.mu held */
static void show(void)
{
	if (!pg.bar[0] || (pg.relay && pg.mid_line))
		return;
	mps_write_all(STDERR_FILENO, "\r", 1);
	mps_write_all(STDERR_FILENO, pg.bar, strlen(pg.bar));
	mps_write_all(STDERR_FILENO, "\033[K", 3);
	pg.shown = true;
}

static void *relay_main(void *arg)
{
	(void)arg;
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(pg.out_rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pthread_mutex_lock(&pg.mu);
		erase();
		int rc = pg.err ? 0 : mps_write_all(pg.term, buf, (size_t)n);
		if (rc)
			pg.err = rc; /* keep reading: the printer must not block */
		pg.mid_line = buf[n - 1] != '\n';
		show();
		pthread_mutex_unlock(&pg.mu);
	}
	return NULL;
}

int mps_progress_start(bool shared)
{
	pg.on = true;
	if (!shared)
		return 0;
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pg.term = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (pg.term < 0 || dup2(p[1], STDOUT_FILENO) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		if (pg.term >= 0)
			close(pg.term);
		return -e;
	}
	close(p[1]);
	pg.out_rd = p[0];
	int rc = pthread_create(&pg.th, NULL, relay_main, NULL);
	if (rc) {
		dup2(pg.term, STDOUT_FILENO);
		close(pg.out_rd);
		close(pg.term);
		return -rc;
	}
	pg.relay = true;
	return 0;
}

/* "1:05" or "1:02:05" */
static void clock_text(char *s, size_t n, double secs)
{
	unsigned long t = secs > 0 && secs < 1e8 ? (unsigned long)(secs + 0.5) : 0;
	if (t >= 3600)
		snprintf(s, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(s, n, "%lu:%02lu", t / 60, t % 60);
}

void mps_progress_draw(uint64_t done, uint64_t total, uint64_t files)
{
	double t = mps_now();
	pthread_mutex_lock(&pg.mu);
	if (pg.t0 == 0)
		pg.t0 = t;
	double secs = t - pg.t0, rate = secs > 0.05 ? done / secs : 0;
	char speed[32] = "";
	if (rate > 0)
		snprintf(speed, sizeof(speed), ", %.1f MB/s", rate / 1e6);
	if (total) {
		int pct = (int)(done >= total ? 100 : done * 100 / total);
		int bar = pct / 5;
		char eta[48] = "";
		if (rate > 0 && done < total) {
			char c[24];
			clock_text(c, sizeof(c), (double)(total - done) / rate);
			snprintf(eta, sizeof(eta), ", ETA %s", c);
		}
		snprintf(pg.bar, sizeof(pg.bar), "mpsearch: [%.*s%*s] %3d%% %.2f/%.2f GB%s%s, %llu files",
			 bar, "####################", 20 - bar, "", pct, done / 1e9, total / 1e9, speed,
			 eta, (unsigned long long)files);
	} else {
		snprintf(pg.bar, sizeof(pg.bar), "mpsearch: %.2f GB%s, %llu files searched", done / 1e9,
			 speed, (unsigned long long)files);
	}
	show();
	pthread_mutex_unlock(&pg.mu);
}

void mps_progress_clear(void)
{
	pthread_mutex_lock(&pg.mu);
	erase();
	pthread_mutex_unlock(&pg.mu);
}

int mps_progress_finish(void)
{
	if (!pg.on)
		return 0;
	if (pg.relay) {
		/* the pipe's end: every write end is closed once stdout is */
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(devnull >= 0 ? devnull : pg.term, STDOUT_FILENO);
		if (devnull >= 0)
			close(devnull);
		pthread_join(pg.th, NULL);
		close(pg.out_rd);
		dup2(pg.term, STDOUT_FILENO);
		close(pg.term);
		pg.relay = false;
	}
	pthread_mutex_lock(&pg.mu);
	/* the last bar stays, on a line of its own */
	if (pg.bar[0]) {
		pg.mid_line = false;
		show();
		mps_write_all(STDERR_FILENO, "\n", 1);
	}
	pg.shown = false;
	pg.bar[0] = 0;
	pg.on = false;
	int rc = pg.err;
	pthread_mutex_unlock(&pg.mu);
	return rc;
}
