/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool parent's scheduling (see pool_int.h): the unit table, batches
 * sent down the task queue, the workers' result frames, files found big
 * cut into parts, the units of a dead worker redone. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "mpsearch/opts.h"
#include "pool_int.h"
#include "util.h"
#include "outring.h"
#include "worker.h"

/* ---- unit table ---- */

void mps_pool_text_release(struct slot *s)
{
	if (s->ring)
		mps_oring_release(s->ring, s->seg);
	s->ring = NULL;
}

void mps_pool_slot_free(struct slot *s)
{
	if (!s)
		return;
	mps_pool_text_release(s);
	for (uint32_t i = 0; i < s->nsub; i++)
		mps_pool_slot_free(s->sub[i]);
	free(s->sub);
	mps_buf_release(&s->data);
	mps_unit_release(&s->u);
	free(s);
}

/* The window grows in mps_pool_submit in the walker thread, so every
 * look-up holds the lock. */
struct slot *mps_pool_slot_of(struct mps_pool *p, uint64_t id, uint32_t part)
{
	pthread_mutex_lock(&p->mu);
	struct slot *s = slot_at(p, id);
	pthread_mutex_unlock(&p->mu);
	if (s && s->nsub)
		return part < s->nsub ? s->sub[part] : NULL;
	return s && s->u.part == part ? s : NULL;
}

static struct slot *slot_new(const struct mps_unit *u)
{
	struct slot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->u = *u;
	s->u.path = malloc(u->pathlen + 1);
	if (!s->u.path) {
		free(s);
		return NULL;
	}
	memcpy(s->u.path, u->path, u->pathlen);
	s->u.path[u->pathlen] = 0;
	return s;
}

int mps_pool_submit(struct mps_pool *p, const struct mps_unit *u)
{
	struct slot *s = slot_new(u);
	if (!s)
		return -ENOMEM;
	pthread_mutex_lock(&p->mu);
	/* never waits in the owner's thread (it would wait for itself), nor
	 * before the owner runs, nor after mps_pool_close */
	while (p->owner_set && !p->closed && p->end - p->win.next >= SUBMIT_AHEAD &&
	       !pthread_equal(p->owner, pthread_self())) {
		p->submit_waits = true;
		pthread_cond_wait(&p->room, &p->mu);
	}
	if (!p->base_set) {
		mps_reorder_init(&p->win, u->id);
		p->end = p->send_next = u->id;
		p->base_set = true;
	}
	int rc = u->id != p->end ? -EINVAL : mps_reorder_put(&p->win, u->id, s);
	bool wake = false;
	if (!rc) {
		p->end++;
		if (++p->submitted >= p->wake_at) {
			wake = true;
			p->wake_at = UINT64_MAX; /* once: the owner asks again */
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (rc) {
		mps_pool_slot_free(s);
		return rc;
	}
	char c = 1;
	if (wake && write(p->wake[1], &c, 1) < 0) {
		/* the pipe is full: the owner is awake anyway */
	}
	return 0;
}

int mps_pool_close(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->closed = true;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->mu);
	char c = 1;
	if (write(p->wake[1], &c, 1) < 0) {
		/* full: fine */
	}
	return 0;
}

static int push_urgent(struct mps_pool *p, struct slot *s)
{
	if (MPS_GROW(p->urgent, p->nurgent + 1, p->urgent_cap))
		return -ENOMEM;
	p->urgent[p->nurgent++] = s;
	s->st = S_PENDING;
	return 0;
}

static size_t unit_bytes(const struct slot *s)
{
	if (s->u.end != UINT64_MAX)
		return (size_t)(s->u.end - s->u.begin);
	if (s->u.size == UINT64_MAX)
		return 16u << 10; /* not known: the walk did not stat it */
	return (size_t)(s->u.size < (1u << 30) ? s->u.size : (1u << 30));
}

/* Put v[0, n) on the task queue as one batch (as many as fit).
 * 1 sent (*taken of them), 0 queue full, <0 error. */
static int send_batch(struct mps_pool *p, struct slot **v, size_t n, size_t *taken)
{
	size_t k = 0, bytes = 0;
	p->msg.len = 0;
	while (k < n && k < BATCH_MAX) {
		struct slot *s = v[k];
		if (s->u.pathlen > MPS_TASK_PATH_MAX) {
			if (k)
				break;
			s->st = S_DONE;
			s->sum = (struct mps_unit_summary){.err = -ENAMETOOLONG};
			*taken = 1;
			return 1;
		}
		if (k && (bytes + unit_bytes(s) > BATCH_BYTES || s->solo || v[0]->solo ||
			  k >= p->batch_max))
			break;
		int rc = mps_task_put(&p->msg, &s->u);
		if (rc == -EMSGSIZE && k)
			break;
		if (rc)
			return rc;
		bytes += unit_bytes(s);
		k++;
	}
	ssize_t r;
	do
		r = send(p->tq, p->msg.data, p->msg.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (size_t i = 0; i < k; i++)
		v[i]->st = S_SENT;
	*taken = k;
	return 1;
}

/* Urgent units first, in order: parts of a split file, redone units. */
static int send_urgent(struct mps_pool *p, bool *blocked)
{
	size_t done = 0;
	p->batch_max = BATCH_MAX;
	while (done < p->nurgent) {
		size_t taken = 0;
		int r = send_batch(p, p->urgent + done, p->nurgent - done, &taken);
		if (r < 0)
			return r;
		if (r == 0) {
			*blocked = true;
			break;
		}
		done += taken;
		p->inflight++;
	}
	if (done) {
		memmove(p->urgent, p->urgent + done, (p->nurgent - done) * sizeof(*p->urgent));
		p->nurgent -= done;
	}
	return 0;
}

int mps_pool_pump(struct mps_pool *p, bool *blocked)
{
	*blocked = false;
	int rc = send_urgent(p, blocked);
	if (rc || *blocked)
		return rc;
	pthread_mutex_lock(&p->mu);
	while (p->send_next < p->end) {
		/* while the walk goes on, wait for a fuller batch unless the
		 * workers may be idle (few batches in flight) */
		size_t avail = (size_t)(p->end - p->send_next);
		if (!p->closed && avail < BATCH_MAX && p->inflight >= 2 * (size_t)p->nworkers)
			break;
		/* a few batches a worker, not a socket full: the parts of a file
		 * found big (sent first) and units redone are taken soon, and
		 * the workers stay near the unit to print next */
		if (p->inflight >= INFLIGHT_MAX * (size_t)p->nworkers)
			break;
		/* spread what is queued over the workers: small batches when
		 * few units are known (big files of unknown size, the tail) */
		size_t per = avail / (2 * (size_t)p->nworkers);
		p->batch_max = per < 1 ? 1 : per > BATCH_MAX ? BATCH_MAX : per;
		struct slot *v[BATCH_MAX];
		size_t nv = avail < BATCH_MAX ? avail : BATCH_MAX, taken = 0;
		for (size_t i = 0; i < nv; i++)
			v[i] = slot_at(p, p->send_next + i);
		int r = send_batch(p, v, nv, &taken);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r == 0) {
			*blocked = true;
			break;
		}
		p->send_next += taken;
		p->inflight++;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* The worker found unit s (whole, size not known at walk time) bigger
 * than a chunk: cut it into parts and queue them first. */
static int split_slot(struct mps_pool *p, struct slot *s, uint64_t size)
{
	uint64_t chunk = p->o.chunk_size ? p->o.chunk_size : MPS_DEFAULT_CHUNK;
	uint32_t k = mps_plan_nparts(size, chunk);
	s->sub = calloc(k, sizeof(*s->sub));
	if (!s->sub)
		return -ENOMEM;
	for (uint32_t i = 0; i < k; i++) {
		struct slot *t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->u = s->u;
		t->u.path = strdup(s->u.path);
		if (!t->u.path) {
			free(t);
			return -ENOMEM;
		}
		t->u.part = i;
		t->u.nparts = k;
		t->u.size = size;
		t->u.flags &= ~(uint32_t)MPS_UNIT_NOSIZE;
		mps_plan_part(size, i, k, &t->u.begin, &t->u.end);
		s->sub[s->nsub++] = t;
		int rc = push_urgent(p, t);
		if (rc)
			return rc;
	}
	s->st = S_SPLIT;
	return 0;
}

/* ---- result frames ---- */

/* A BEGIN frame: the worker took the batch it lists. */
static int took_batch(struct mps_pool *p, struct worker *w, const struct mps_frame *f)
{
	uint64_t id[BATCH_MAX];
	uint32_t part[BATCH_MAX];
	size_t k;
	if (mps_begin_get(f, id, part, BATCH_MAX, &k))
		return MPS_ECORRUPT;
	w->nbatch = 0;
	for (size_t i = 0; i < k; i++) {
		struct slot *b = mps_pool_slot_of(p, id[i], part[i]);
		if (b && b->st == S_SENT) {
			b->st = S_RUNNING;
			b->worker = (int)(w - p->w);
			b->data.len = 0;
			mps_pool_text_release(b);
		}
		w->batch[w->nbatch++] = (struct ref){id[i], part[i]};
	}
	w->running = true;
	if (p->inflight)
		p->inflight--;
	return 0;
}

/* The part at k of the file whose part s is (unit id): the sub slots of
 * a file found big, or units planned as parts, which have ids in a row
 * (id0 the first's).  NULL when it is not in the table. */
static struct slot *part_at(struct mps_pool *p, struct slot *h, uint64_t id0, uint32_t k,
			    const struct slot *s)
{
	if (h && h->nsub)
		return k < h->nsub ? h->sub[k] : NULL;
	pthread_mutex_lock(&p->mu);
	struct slot *t = slot_at(p, id0 + k);
	pthread_mutex_unlock(&p->mu);
	return t && !t->nsub && t->u.file == s->u.file && t->u.part == k ? t : NULL;
}

/* Where the line numbers of part k of file start, once known, is also
 * kept aside for a few files: the part before may be printed (and gone
 * from the table) before part k is in it. */
static void bases_keep(struct mps_pool *p, uint64_t file, uint32_t k, uint64_t base)
{
	struct part_base *b = &p->bases[p->bases_next++ % POOL_BASES];
	for (size_t i = 0; i < POOL_BASES; i++)
		if (p->bases[i].set && p->bases[i].file == file) {
			b = &p->bases[i]; /* one a file: the furthest part */
			if (b->part > k)
				return;
			break;
		}
	*b = (struct part_base){.set = true, .file = file, .part = k, .base = base};
}

static bool bases_find(const struct mps_pool *p, uint64_t file, uint32_t k, uint64_t *base)
{
	for (size_t i = 0; i < POOL_BASES; i++)
		if (p->bases[i].set && p->bases[i].file == file && p->bases[i].part == k) {
			*base = p->bases[i].base;
			return true;
		}
	return false;
}

/* Part t's base is known now. */
static void base_known(struct mps_pool *p, struct slot *t, uint64_t base)
{
	t->base = base;
	t->base_known = true;
	bases_keep(p, t->u.file, t->u.part, base);
}

/* Part s (of unit id) is counted or waits: learn the bases that follow
 * from it (a part's base is the one before's plus its lines), and post
 * them to the parts that wait. */
static void post_bases(struct mps_pool *p, uint64_t id, struct slot *s)
{
	pthread_mutex_lock(&p->mu);
	struct slot *h = slot_at(p, id);
	pthread_mutex_unlock(&p->mu);
	bool sub = h && h->nsub;
	if (!sub && s->u.part > id)
		return;
	uint64_t id0 = sub ? id : id - s->u.part, b;
	uint32_t n = sub ? h->nsub : s->u.nparts, k = s->u.part;
	if (!s->base_known) {
		struct slot *prev = k ? part_at(p, h, id0, k - 1, s) : NULL;
		if (k == 0)
			base_known(p, s, 0);
		else if (prev && prev->base_known && prev->counted)
			base_known(p, s, prev->base + prev->lines);
		else if (bases_find(p, s->u.file, k, &b))
			base_known(p, s, b);
	}
	for (struct slot *t = s; t && t->base_known; t = k < n ? part_at(p, h, id0, k, s) : NULL) {
		if (t->wants_base && !t->posted && t->st == S_RUNNING) {
			t->posted = true;
			struct worker *w = &p->w[t->worker];
			uint64_t tid = sub ? id : id0 + t->u.part;
			for (size_t i = 0; w->ring && i < w->nbatch; i++)
				if (w->batch[i].id == tid && w->batch[i].part == t->u.part)
					mps_oring_post(w->ring, i, tid, t->u.part, t->base);
		}
		if (!t->counted)
			break;
		k = t->u.part + 1;
		bases_keep(p, t->u.file, k, t->base + t->lines);
		struct slot *next = k < n ? part_at(p, h, id0, k, s) : NULL;
		if (next && !next->base_known)
			base_known(p, next, t->base + t->lines);
	}
}

/* A COUNT frame: part s owns this many lines, and waits for its base. */
static int took_count(struct mps_pool *p, struct slot *s, const struct mps_frame *f)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	uint64_t lines = mps_cursor_varint(&r);
	if (r.bad || r.pos != r.len)
		return MPS_ECORRUPT;
	if (!s)
		return 0;
	s->lines = lines;
	s->counted = s->wants_base = true;
	s->posted = false;
	post_bases(p, f->id, s);
	return 0;
}

/* An END frame: unit s is done, or found too big and cut into parts. */
static int unit_ended(struct mps_pool *p, struct slot *s, const struct mps_frame *f)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	struct mps_unit_summary sum;
	mps_summary_decode(&r, &sum);
	if (r.bad || r.pos != r.len)
		return MPS_ECORRUPT;
	if (!s)
		return 0;
	s->sum = sum;
	if (s->sum.err == MPS_ESPLIT && s->u.nparts == 1 && !s->nsub) {
		p->held -= s->data.len < p->held ? s->data.len : p->held;
		s->data.len = 0;
		return split_slot(p, s, s->sum.bytes);
	}
	s->st = S_DONE;
	if (s->u.nparts > 1 && !s->counted) {
		s->lines = s->sum.lines; /* the parts after it may wait for this */
		s->counted = true;
		post_bases(p, f->id, s);
	}
	return 0;
}

/* A TEXT frame: the unit's lines, formatted, are in the worker's ring. */
static int took_text(struct worker *w, struct slot *s, const struct mps_frame *f)
{
	struct mps_text_ref t;
	uint64_t seg;
	if (mps_text_get(f, &t) || !w->ring)
		return MPS_ECORRUPT;
	int rc = mps_oring_publish(w->ring, t.off, t.len, &seg);
	if (rc)
		return rc;
	if (!s) { /* not this worker's any more: its room goes back */
		mps_oring_release(w->ring, seg);
		return 0;
	}
	mps_pool_text_release(s);
	s->ring = w->ring;
	s->seg = seg;
	s->text = t;
	return 0;
}

static int take_frame(struct mps_pool *p, struct worker *w, const struct mps_frame *f)
{
	struct slot *s = NULL;
	if (f->type != MPS_FRAME_STATS && f->type != MPS_FRAME_BEGIN) {
		s = mps_pool_slot_of(p, f->id, f->part);
		if (s && (s->st != S_RUNNING || s->worker != (int)(w - p->w)))
			s = NULL; /* not this worker's (any more) */
	}
	switch (f->type) {
	case MPS_FRAME_BEGIN:
		return took_batch(p, w, f);
	case MPS_FRAME_DATA:
		if (s) {
			int rc = mps_buf_append(&s->data, f->payload, f->len);
			if (rc)
				return rc;
			p->held += f->len;
		}
		return 0;
	case MPS_FRAME_END:
		return unit_ended(p, s, f);
	case MPS_FRAME_ID: {
		struct mps_file_id id;
		if (mps_fid_get(f, &id))
			return MPS_ECORRUPT;
		if (s && s->u.nparts == 1) {
			s->u.fid = id;
			s->u.flags |= MPS_UNIT_ID | MPS_UNIT_ID_DEV;
		}
		return 0;
	}
	case MPS_FRAME_TEXT:
		return took_text(w, s, f);
	case MPS_FRAME_COUNT:
		return took_count(p, s, f);
	case MPS_FRAME_STATS:
		w->have_stats = mps_stats_get(f, &w->st) == 0;
		return 0;
	}
	return MPS_ECORRUPT;
}

/* Handle the complete frames in w->in. */
static int take_frames(struct mps_pool *p, struct worker *w)
{
	size_t pos = w->in_off;
	struct mps_frame f;
	int got;
	while ((got = mps_frame_next(w->in.data, w->in.len, &pos, &f)) == 1) {
		int rc = take_frame(p, w, &f);
		if (rc)
			return rc;
	}
	if (got < 0)
		return got;
	/* move the unfinished frame down only now and then, not per read */
	if (pos == w->in.len) {
		w->in.len = w->in_off = 0;
	} else if (pos > (4u << 20) && pos > w->in.len / 2) {
		memmove(w->in.data, w->in.data + pos, w->in.len - pos);
		w->in.len -= pos;
		w->in_off = 0;
	} else {
		w->in_off = pos;
	}
	return 0;
}

/* Read what a worker has written; returns 1 at EOF. */
int mps_pool_read_worker(struct mps_pool *p, struct worker *w)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		int rc = mps_buf_reserve(&w->in, 1 << 20);
		if (rc)
			return rc;
		ssize_t n = read(w->fd, w->in.data + w->in.len, w->in.alloc - w->in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		if (n == 0) {
			rc = take_frames(p, w);
			return rc ? rc : 1;
		}
		size_t room = w->in.alloc - w->in.len;
		w->in.len += (size_t)n;
		if ((rc = take_frames(p, w)))
			return rc;
		if ((size_t)n < room)
			break; /* drained: poll says when there is more */
	}
	return 0;
}

bool mps_pool_work_left(struct mps_pool *p)
{
	pthread_mutex_lock(&p->mu);
	bool left = !p->closed || p->win.next < p->end;
	pthread_mutex_unlock(&p->mu);
	return left;
}

/* The units of a dead worker's batch it had not finished go back to the
 * queue.  A worker writes the results of a batch at its end, so every
 * unit of the batch it had not reported looks unfinished: none is blamed
 * then; each is redone alone, and a unit that kills a worker while alone
 * in its batch, after an earlier death, is reported as an error. */
static int requeue_batch(struct mps_pool *p, int idx)
{
	struct worker *w = &p->w[idx];
	size_t unfinished = 0;
	for (size_t i = 0; w->running && i < w->nbatch; i++) {
		struct slot *s = mps_pool_slot_of(p, w->batch[i].id, w->batch[i].part);
		unfinished += s && s->st == S_RUNNING && s->worker == idx;
	}
	for (size_t i = 0; w->running && i < w->nbatch; i++) {
		struct slot *s = mps_pool_slot_of(p, w->batch[i].id, w->batch[i].part);
		if (!s || s->st != S_RUNNING || s->worker != idx)
			continue;
		p->held -= s->data.len < p->held ? s->data.len : p->held;
		s->data.len = 0;
		mps_pool_text_release(s);
		if (unfinished == 1 && ++s->attempts >= 2) {
			s->st = S_DONE;
			s->sum = (struct mps_unit_summary){.err = MPS_EWORKER};
			continue;
		}
		if (unfinished > 1 && s->attempts == 0)
			s->attempts = 1; /* a suspect: the next death alone decides */
		s->solo = true;
		int rc = push_urgent(p, s);
		if (rc)
			return rc;
	}
	w->running = false;
	return 0;
}

/* A worker died (or exited): what it sent is read, its unfinished units
 * go back to the queue, and a crashed one is to be replaced. */
int mps_pool_worker_gone(struct mps_pool *p, int idx, int status, bool *respawn)
{
	struct worker *w = &p->w[idx];
	if (w->fd >= 0) {
		fcntl(w->fd, F_SETFL, 0);
		while (mps_pool_read_worker(p, w) == 0) {
		}
		close(w->fd);
		w->fd = -1;
	}
	w->alive = false;
	bool crashed = !(WIFEXITED(status) && WEXITSTATUS(status) == MPS_WORKER_DONE);
	int rc = requeue_batch(p, idx);
	if (rc)
		return rc;
	p->lost_check = mps_now() + 0.2;
	*respawn = crashed && mps_pool_work_left(p);
	return 0;
}

/* A worker that died between taking a batch from the queue and saying so
 * took the batch with it.  When the queue is empty, units still only
 * "sent" were in such a batch: queue them again. */
int mps_pool_requeue_lost(struct mps_pool *p)
{
	int queued = 0;
	if (ioctl(p->tq, SIOCOUTQ, &queued) || queued > 0)
		return 0;
	pthread_mutex_lock(&p->mu);
	uint64_t from = p->win.next, to = p->send_next;
	pthread_mutex_unlock(&p->mu);
	for (uint64_t i = from; i < to; i++) {
		pthread_mutex_lock(&p->mu);
		struct slot *s = slot_at(p, i);
		pthread_mutex_unlock(&p->mu);
		for (uint32_t k = 0; s && k < (s->nsub ? s->nsub : 1); k++) {
			struct slot *t = s->nsub ? s->sub[k] : s;
			if (t->st == S_SENT) {
				t->solo = true;
				int rc = push_urgent(p, t);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

