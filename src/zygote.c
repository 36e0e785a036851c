/* SPDX-License-Identifier: BSD-3-Clause */
/* The zygote (see zygote.h): one loop that answers spawn requests, compiles
 * patterns sent late, and reports the workers that end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "pool_wire.h"
#include "zygote.h"

struct zygote {
	struct mps_worker_conf w; /* its own copy: the matcher is set late */
	int sock;
	int sfd;     /* signalfd for SIGCHLD, -1 none (then poll with a timeout) */
	sigset_t chld;
	int live;    /* workers forked and not reaped */
	int life;    /* the lifeline's read end */
};

/* Compile the patterns in memfd fd into z->w.matcher (kept for the
 * workers it forks).  0 or < 0. */
static int matcher_from(struct zygote *z, int fd)
{
	struct stat st;
	if (fd < 0 || z->w.matcher || fstat(fd, &st) || st.st_size <= 0)
		return -EINVAL;
	size_t len = (size_t)st.st_size;
	unsigned char *b = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (b == MAP_FAILED)
		return -errno;
	struct mps_match_opts mo;
	int rc = mps_match_opts_get(b, len, &mo);
	munmap(b, len);
	if (rc)
		return rc;
	char err[256];
	z->w.matcher = mps_matcher_new(&mo, err, sizeof(err)); /* the zygote's until it exits */
	if (z->w.matcher)
		return 0; /* the patterns stay: the matcher may point into them */
	rc = errno == EINVAL ? MPS_EPATTERN : -errno;
	for (size_t k = 0; k < mo.npatterns; k++)
		free(mo.patterns[k]);
	free((void *)mo.patterns);
	return rc;
}

/* Be killed when the caller ends: when the last write end of the
 * lifeline closes, the kernel signals the owners of the read ends that
 * asked for it (O_ASYNC), here with SIGKILL (F_SETSIG), which no
 * disposition stops.  The owner belongs to an open file, so each process
 * opens the pipe anew (through /proc) to be its own.  Without /proc the
 * worker dies with its zygote instead, as the zygote dies with the
 * caller.  0, or -1 when the caller is gone already. */
static int hold_lifeline(int life)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", life);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fcntl(fd, F_SETOWN, getpid()) || fcntl(fd, F_SETSIG, SIGKILL) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC)) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0)
			close(fd);
		fd = life;
	} else {
		close(life);
	}
	/* the caller may have ended before the signal was asked for */
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	return poll(&pf, 1, 0) > 0 ? -1 : 0;
}

/* The child side of a spawn: become worker on core, writing to out.  Not
 * tied to the zygote's life (a new zygote may take over), but to the
 * caller's. */
static _Noreturn void become_worker(struct zygote *z, pid_t zpid, int core, int out, int ring)
{
	sigprocmask(SIG_UNBLOCK, &z->chld, NULL);
	if (z->sfd >= 0)
		close(z->sfd);
	if (getppid() != zpid || hold_lifeline(z->life))
		_exit(MPS_WORKER_DONE);
	close(z->sock);
	struct mps_worker_conf c = z->w;
	c.core = core;
	c.out = out;
	c.ring = ring;
	mps_worker_main(&c);
}

/* Fork worker m->idx (with its output ring, -1 none) and reply with its
 * pid and pipe, or with the cause it could not be made. */
static void spawn(struct zygote *z, const struct mps_zmsg *m, int ring)
{
	struct mps_zmsg r = {.op = MPS_Z_SPAWNED, .idx = m->idx, .core = m->core};
	int pfd[2];
	if (!z->w.matcher) {
		r.status = -EINVAL;
	} else if (pipe2(pfd, O_CLOEXEC)) {
		r.status = -errno;
	} else {
		pid_t zpid = getpid();
		pid_t c = fork();
		if (c == 0) {
			close(pfd[0]);
			become_worker(z, zpid, m->core, pfd[1], ring);
		}
		r.status = c < 0 ? -errno : 0;
		close(pfd[1]);
		if (c > 0) {
			z->live++;
			r.pid = c;
			mps_zmsg_send(z->sock, &r, pfd[0]);
		}
		close(pfd[0]);
		if (c > 0)
			return;
	}
	mps_zmsg_send(z->sock, &r, -1);
}

/* Report the workers that ended. */
static void reap(struct zygote *z)
{
	if (z->sfd >= 0) {
		struct signalfd_siginfo si;
		while (read(z->sfd, &si, sizeof(si)) > 0) {
		}
	}
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		z->live--;
		struct mps_zmsg m = {.op = MPS_Z_DIED, .pid = pid, .status = st};
		mps_zmsg_send(z->sock, &m, -1);
	}
}

/* Handlers the caller's process installed would run in the workers, on
 * state that is not theirs: back to the default action.  A signal the
 * caller ignores (an ignored SIGINT of a background job) stays ignored,
 * in the zygote and in every worker. */
static void default_handlers(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old))
			continue;
		if (!(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN))
			continue;
		signal(sig, SIG_DFL);
	}
	signal(SIGPIPE, SIG_IGN);
}

static _Noreturn void zygote_main(struct zygote *z, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	default_handlers();
	bool eof = false;
	sigemptyset(&z->chld);
	sigaddset(&z->chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &z->chld, NULL);
	z->sfd = signalfd(-1, &z->chld, SFD_CLOEXEC | SFD_NONBLOCK);
	while (!eof || z->live > 0) {
		struct pollfd pf[2] = {{.fd = z->sock, .events = POLLIN}, {.fd = z->sfd, .events = POLLIN}};
		int pr = poll(pf + (eof ? 1 : 0), eof ? 1 : 2, z->sfd >= 0 ? -1 : 20);
		reap(z);
		if (eof || pr <= 0 || !(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		struct mps_zmsg m;
		int mfd;
		int n = mps_zmsg_recv(z->sock, &m, &mfd);
		if (n == 0 || (n < 0 && n != MPS_ECORRUPT)) {
			eof = true;
			continue;
		}
		if (n == 1 && m.op == MPS_Z_MATCHER) {
			struct mps_zmsg r = {.op = MPS_Z_MATCHED, .status = matcher_from(z, mfd)};
			mps_zmsg_send(z->sock, &r, -1);
		} else if (n == 1 && m.op == MPS_Z_SPAWN) {
			spawn(z, &m, mfd);
		}
		if (mfd >= 0)
			close(mfd);
	}
	_exit(0);
}

/* Close every descriptor above 2 but those in keep[0, n) (sorted). */
static void close_all_but(int *keep, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	unsigned from = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

pid_t mps_zygote_start(const struct mps_zygote_conf *c, int *sock)
{
	int zs[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, zs))
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(zs[0]);
		close(zs[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		int keep[] = {zs[1], c->worker.tasks, c->life};
		close_all_but(keep, sizeof(keep) / sizeof(keep[0]));
		static struct zygote z;
		z = (struct zygote){.w = c->worker, .sock = zs[1], .sfd = -1, .life = c->life};
		zygote_main(&z, parent);
	}
	close(zs[1]);
	*sock = zs[0];
	return pid;
}
