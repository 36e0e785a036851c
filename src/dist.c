/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPI side of dist.h: scatter of packed unit lists, later rounds
 * point to point, bounded streams of results to rank 0 taken one message
 * at a time, requests for work, progress, stop requests, gathers of packed
 * bytes.  The communicator returns errors (MPI_ERRORS_RETURN): a failed
 * call is MPS_EPEER. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpsearch/dist.h"
#include "mpsearch/error.h"
#include "util.h"

enum { TAG_COUNT = 101, TAG_DATA, TAG_END, TAG_STOP, TAG_PROGRESS, TAG_ROUND, TAG_ROUND_END, TAG_NEED,
       TAG_BATON };
#define MSG_LIMIT (1u << 20)
#define SEND_BUDGET ((size_t)64 << 20)

int mps_dist_scatter(MPI_Comm comm, const struct mps_unit *all, const size_t *first,
		     struct mps_unit **mine, size_t *nmine, int *more)
{
	int rank, size;
	if (MPI_Comm_rank(comm, &rank) || MPI_Comm_size(comm, &size))
		return MPS_EPEER;
	struct mps_buf packed = {0};
	int *counts = NULL, *displs = NULL;
	int rc = 0;
	if (rank == 0) {
		counts = calloc((size_t)size, sizeof(int));
		displs = calloc((size_t)size, sizeof(int));
		if (!counts || !displs || !first)
			rc = -ENOMEM; /* no partition: rank 0 could not make one */
		for (int r = 0; !rc && r < size; r++) {
			size_t before = packed.len;
			rc = mps_dist_pack_units(all + first[r], first[r + 1] - first[r], &packed);
			if (!rc && (packed.len - before > INT_MAX || packed.len > INT_MAX))
				rc = -EOVERFLOW;
			if (!rc) {
				displs[r] = (int)before;
				counts[r] = (int)(packed.len - before);
			}
		}
	}
	/* counts first (and an agreed status), then the bytes */
	int my = 0, hd[2] = {rc, *more}, st;
	if (MPI_Bcast(hd, 2, MPI_INT, 0, comm) != MPI_SUCCESS)
		hd[0] = MPS_EPEER;
	st = hd[0];
	*more = hd[1];
	if (st) {
		free(counts);
		free(displs);
		mps_buf_release(&packed);
		return st;
	}
	if (MPI_Scatter(counts, 1, MPI_INT, &my, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
		rc = MPS_EPEER;
	unsigned char *recv = malloc(my > 0 ? (size_t)my : 1);
	if (!recv && !rc)
		rc = -ENOMEM;
	/* a failed malloc still takes part in the collective (into nothing) */
	if (rc != MPS_EPEER && MPI_Scatterv(packed.data, counts, displs, MPI_BYTE, recv,
					    recv ? my : 0, MPI_BYTE, 0, comm) != MPI_SUCCESS)
		rc = MPS_EPEER;
	if (!rc)
		rc = mps_dist_unpack_units(recv, (size_t)my, mine, nmine);
	free(recv);
	free(counts);
	free(displs);
	mps_buf_release(&packed);
	return rc;
}

/* Sleep *ns, then twice as long next time, up to 1 ms: waits must not
 * spin, the core is shared with this rank's workers (and, oversubscribed,
 * with other ranks). */
static void nap(long *ns)
{
	struct timespec ts = {0, *ns};
	nanosleep(&ts, NULL);
	if (*ns < 1000000)
		*ns *= 2;
}

int mps_dist_wait(MPI_Request *req)
{
	for (long ns = 20000;; nap(&ns)) {
		int done = 0;
		if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return MPS_EPEER;
		if (done)
			return 0;
	}
}

/* Has the request completed?  wait: until it has. */
static int settle(MPI_Request *req, bool wait, int *done)
{
	*done = 0;
	if (wait) {
		*done = 1;
		return mps_dist_wait(req);
	}
	return MPI_Test(req, done, MPI_STATUS_IGNORE) == MPI_SUCCESS ? 0 : MPS_EPEER;
}

int mps_dist_init(int *argc, char ***argv, MPI_Comm *comm, int *rank, int *size)
{
	int provided;
	/* only the main thread calls MPI */
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return MPS_EPEER;
	*comm = MPI_COMM_WORLD;
	if (MPI_Comm_set_errhandler(*comm, MPI_ERRORS_RETURN) != MPI_SUCCESS ||
	    MPI_Comm_rank(*comm, rank) != MPI_SUCCESS || MPI_Comm_size(*comm, size) != MPI_SUCCESS)
		return MPS_EPEER;
	return 0;
}

int mps_dist_finalize(void)
{
	return MPI_Finalize() == MPI_SUCCESS ? 0 : MPS_EPEER;
}

int mps_dist_agree_max(MPI_Comm comm, int *v)
{
	return MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_MAX, comm) == MPI_SUCCESS ? 0
											   : MPS_EPEER;
}

int mps_dist_agree_sum(MPI_Comm comm, int *v)
{
	return MPI_Allreduce(MPI_IN_PLACE, v, 1, MPI_INT, MPI_SUM, comm) == MPI_SUCCESS ? 0
											   : MPS_EPEER;
}

int mps_dist_bcast_u64(MPI_Comm comm, uint64_t *v, int n)
{
	return MPI_Bcast(v, n, MPI_UINT64_T, 0, comm) == MPI_SUCCESS ? 0 : MPS_EPEER;
}

int mps_dist_reduce_totals(MPI_Comm comm, const uint64_t sums[3], uint64_t gs[3],
			   const double secs[4], double gmax[4])
{
	if (MPI_Reduce(sums, gs, 3, MPI_UINT64_T, MPI_SUM, 0, comm) != MPI_SUCCESS ||
	    MPI_Reduce(secs, gmax, 4, MPI_DOUBLE, MPI_MAX, 0, comm) != MPI_SUCCESS)
		return MPS_EPEER;
	return 0;
}

int mps_dist_quiet_barrier(MPI_Comm comm)
{
	MPI_Request req;
	if (MPI_Ibarrier(comm, &req) != MPI_SUCCESS)
		return MPS_EPEER;
	return mps_dist_wait(&req);
}

int mps_dist_bcast_bytes(MPI_Comm comm, struct mps_buf *b)
{
	uint64_t len = b->len;
	if (MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm) != MPI_SUCCESS)
		return MPS_EPEER;
	int rank;
	if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
		return MPS_EPEER;
	/* every rank reserves (rank 0's buffer has the room already): a
	 * failure then is agreed on before the bytes move */
	int bad = len > (uint64_t)INT_MAX || (rank != 0 && mps_buf_reserve(b, (size_t)len ? (size_t)len : 1));
	if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
		return MPS_EPEER;
	if (bad)
		return len > (uint64_t)INT_MAX ? -E2BIG : -ENOMEM;
	if (len && MPI_Bcast(b->data, (int)len, MPI_BYTE, 0, comm) != MPI_SUCCESS)
		return MPS_EPEER;
	b->len = (size_t)len;
	return 0;
}

struct mps_dist_msg {
	struct mps_dist_msg *next;
	int tag;
	size_t len;
	unsigned char data[];
};

void mps_dist_sender_init(struct mps_dist_sender *s, MPI_Comm comm, bool keep_empty)
{
	memset(s, 0, sizeof(*s));
	s->comm = comm;
	s->limit = MSG_LIMIT;
	s->budget = SEND_BUDGET;
	s->keep_empty = keep_empty;
}

static void msgq_push(struct mps_dist_msgq *q, struct mps_dist_msg *m)
{
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->len;
}

/* The first message, taken off (the caller frees it); NULL when empty. */
static struct mps_dist_msg *msgq_pop(struct mps_dist_msgq *q)
{
	struct mps_dist_msg *m = q->head;
	if (!m)
		return NULL;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->bytes -= m->len;
	return m;
}

/* Free the messages from m on. */
static void msg_free_from(struct mps_dist_msg *m)
{
	while (m) {
		struct mps_dist_msg *n = m->next;
		free(m);
		m = n;
	}
}

/* Retire the message in flight if it has been taken, start the next one.
 * wait: until the one in flight is taken. */
static int pump(struct mps_dist_sender *s, bool wait)
{
	if (s->pending) {
		int done;
		if (settle(&s->req, wait, &done))
			return MPS_EPEER;
		s->tested = mps_now();
		if (!done)
			return 0;
		free(msgq_pop(&s->sent));
		s->pending = false;
	}
	if (s->sent.head) {
		struct mps_dist_msg *m = s->sent.head;
		if (MPI_Isend(m->data, (int)m->len, MPI_BYTE, 0, m->tag, s->comm, &s->req) !=
		    MPI_SUCCESS)
			return MPS_EPEER;
		s->pending = true;
	}
	return 0;
}

static struct mps_dist_msg *msg_new(int tag, const void *data, size_t len)
{
	struct mps_dist_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return NULL;
	m->next = NULL;
	m->tag = tag;
	m->len = len;
	if (len)
		memcpy(m->data, data, len);
	return m;
}

/* Queue m for rank 0 and start sending; over budget, wait. */
static int queue_send(struct mps_dist_sender *s, struct mps_dist_msg *m)
{
	msgq_push(&s->sent, m);
	int rc = s->pending ? 0 : pump(s, false);
	/* over budget: wait (sleeping) until rank 0 takes messages */
	while (!rc && s->sent.bytes > s->budget && s->pending)
		rc = pump(s, true);
	return rc;
}

static int flush_send(struct mps_dist_sender *s, int tag)
{
	if (s->buf.len > INT_MAX)
		return -EOVERFLOW;
	struct mps_dist_msg *m = msg_new(tag, s->buf.data, s->buf.len);
	if (!m)
		return -ENOMEM;
	s->buf.len = 0;
	if (s->local && tag != TAG_END) {
		msgq_push(&s->kept, m); /* for this rank's printer */
		return 0;
	}
	return queue_send(s, m);
}

int mps_dist_send(struct mps_dist_sender *s, const struct mps_unit *u,
		  const struct mps_unit_summary *sum, const unsigned char *block, size_t len)
{
	if (!s->keep_empty && !len && !sum->selected && !sum->err && u->nparts == 1) {
		s->tally_files++;
		s->tally_bytes += sum->bytes;
	} else {
		int rc = mps_dist_pack_result(u, sum, block, len, &s->buf);
		if (rc)
			return rc;
		if (s->buf.len >= s->limit)
			return flush_send(s, TAG_DATA);
	}
	/* let the message in flight complete now and then (a test is an MPI
	 * progress pass: not once per result) */
	if (s->pending && mps_now() - s->tested > 0.002)
		return pump(s, false);
	return 0;
}

int mps_dist_sender_round_end(struct mps_dist_sender *s)
{
	int rc = 0;
	if (s->buf.len)
		rc = flush_send(s, TAG_DATA);
	return rc ? rc : flush_send(s, TAG_ROUND_END);
}

void mps_dist_sender_local(struct mps_dist_sender *s)
{
	s->local = true;
	s->keep_empty = true;
}

static int deliver(const unsigned char *p, size_t n, mps_dist_result_fn fn, void *ctx);

int mps_dist_local_take(struct mps_dist_sender *s, mps_dist_result_fn fn, void *ctx)
{
	int rc = s->buf.len ? flush_send(s, TAG_DATA) : 0;
	struct mps_dist_msg *m;
	while (!rc && (m = msgq_pop(&s->kept))) {
		if (m->tag == TAG_ROUND_END)
			rc = 1;
		else
			rc = deliver(m->data, m->len, fn, ctx);
		free(m);
	}
	return rc;
}

int mps_dist_sender_progress(struct mps_dist_sender *s)
{
	return s->pending ? pump(s, false) : 0;
}

size_t mps_dist_local_kept(const struct mps_dist_sender *s)
{
	return s->kept.bytes + s->buf.len + (s->kept.head != NULL);
}

int mps_dist_baton_send(MPI_Comm comm, int rank, const struct mps_buf *b)
{
	if (b->len > INT_MAX)
		return -EOVERFLOW;
	MPI_Request req;
	if (MPI_Isend(b->data, (int)b->len, MPI_BYTE, rank, TAG_BATON, comm, &req) != MPI_SUCCESS)
		return MPS_EPEER;
	return mps_dist_wait(&req);
}

int mps_dist_baton_poll(MPI_Comm comm, struct mps_buf *b)
{
	int flag = 0, n;
	MPI_Status st;
	if (MPI_Iprobe(0, TAG_BATON, comm, &flag, &st) != MPI_SUCCESS)
		return MPS_EPEER;
	if (!flag)
		return 0;
	if (MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS || n < 0)
		return MPS_EPEER;
	b->len = 0;
	if (mps_buf_reserve(b, n ? (size_t)n : 1))
		return -ENOMEM;
	if (MPI_Recv(b->data, n, MPI_BYTE, 0, TAG_BATON, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
		return MPS_EPEER;
	b->len = (size_t)n;
	return 1;
}

int mps_dist_baton_return(struct mps_dist_sender *s, const struct mps_buf *b)
{
	if (b->len > INT_MAX)
		return -EOVERFLOW;
	struct mps_dist_msg *m = msg_new(TAG_ROUND_END, b->data, b->len);
	return m ? queue_send(s, m) : -ENOMEM;
}

int mps_dist_sender_finish(struct mps_dist_sender *s)
{
	int rc = 0;
	if (s->local) {
		/* what was kept and not printed (a stop) is dropped */
		s->buf.len = 0;
		msg_free_from(s->kept.head);
		s->kept = (struct mps_dist_msgq){0};
	}
	if (s->buf.len)
		rc = flush_send(s, TAG_DATA);
	if (!rc)
		rc = mps_dist_pack_tally(s->tally_files, s->tally_bytes, &s->buf);
	if (!rc)
		rc = flush_send(s, TAG_END);
	while (!rc && s->pending)
		rc = pump(s, true);
	/* after a failure: a message still in flight stays allocated (MPI
	 * may read it until the job ends) */
	struct mps_dist_msgq *q = &s->sent;
	msg_free_from(s->pending && q->head ? q->head->next : q->head);
	if (s->pending && q->head)
		q->head->next = NULL;
	q->head = q->tail = NULL;
	mps_buf_release(&s->buf);
	return rc;
}

int mps_dist_stop_requested(MPI_Comm comm)
{
	/* called once per result: probing costs an MPI progress pass, so
	 * look at most every 5 ms */
	static double last;
	double t = mps_now();
	if (t - last < 0.005)
		return 0;
	last = t;
	int flag = 0;
	MPI_Status st;
	if (MPI_Iprobe(0, TAG_STOP, comm, &flag, &st) != MPI_SUCCESS)
		return 1; /* rank 0 is gone: stop */
	if (flag) {
		char c;
		MPI_Recv(&c, 1, MPI_CHAR, 0, TAG_STOP, comm, MPI_STATUS_IGNORE);
	}
	return flag;
}

void mps_dist_progress_send(MPI_Comm comm, uint64_t bytes, int force)
{
	static double last;
	static uint64_t value;
	double t = mps_now();
	if (!force && t - last < 0.1)
		return;
	last = t;
	value = bytes;
	/* 8 bytes: eager; progress is a hint, a failure shows elsewhere */
	(void)MPI_Send(&value, 1, MPI_UINT64_T, 0, TAG_PROGRESS, comm);
}

void mps_dist_progress_poll(MPI_Comm comm, uint64_t *bytes)
{
	for (;;) {
		int flag = 0;
		MPI_Status st;
		if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, comm, &flag, &st) != MPI_SUCCESS || !flag)
			return;
		uint64_t v;
		if (MPI_Recv(&v, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_PROGRESS, comm,
			     MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return;
		bytes[st.MPI_SOURCE] = v;
	}
}

void mps_dist_request_stop(MPI_Comm comm)
{
	int size;
	if (MPI_Comm_size(comm, &size) != MPI_SUCCESS)
		return;
	static char c = 1;
	for (int r = 1; r < size; r++) {
		MPI_Request req;
		/* a rank that is gone needs no stop */
		if (MPI_Isend(&c, 1, MPI_CHAR, r, TAG_STOP, comm, &req) == MPI_SUCCESS)
			MPI_Request_free(&req);
	}
}

/* Take the requests and progress reports that have come from any rank. */
static int inbox_poll(MPI_Comm comm, struct mps_dist_inbox *in)
{
	int rc = in->wants ? mps_dist_need_poll(comm, in->wants) : 0;
	if (!rc && in->progress)
		mps_dist_progress_poll(comm, in->progress);
	return rc;
}

/* A small message from rank that is not part of its result stream: a
 * request for work or a progress report.  1 when it was one (taken). */
static int inbox_take(MPI_Comm comm, int rank, const MPI_Status *st, struct mps_dist_inbox *in,
		      int *rc)
{
	if (st->MPI_TAG == TAG_NEED) {
		int v;
		*rc = MPI_Recv(&v, 1, MPI_INT, rank, TAG_NEED, comm, MPI_STATUS_IGNORE) ? MPS_EPEER : 0;
		if (!*rc && in->wants)
			in->wants[rank] += v; /* never dropped: the rank asks only once */
		return 1;
	}
	if (st->MPI_TAG == TAG_PROGRESS) {
		uint64_t v;
		*rc = MPI_Recv(&v, 1, MPI_UINT64_T, rank, TAG_PROGRESS, comm, MPI_STATUS_IGNORE)
			      ? MPS_EPEER : 0;
		if (!*rc && in->progress)
			in->progress[rank] = v;
		return 1;
	}
	return 0;
}

/* Decode a data message and call fn for each result. */
static int deliver(const unsigned char *p, size_t n, mps_dist_result_fn fn, void *ctx)
{
	size_t pos = 0;
	for (;;) {
		struct mps_unit u;
		struct mps_unit_summary sum;
		const unsigned char *blk;
		size_t blen;
		int r = mps_dist_unpack_result(p, n, &pos, &u, &sum, &blk, &blen);
		if (r <= 0)
			return r;
		fn(ctx, &u, &sum, blk, blen);
	}
}

int mps_dist_receive_step(MPI_Comm comm, int rank, mps_dist_result_fn fn,
			  void (*tally)(void *ctx, uint64_t files, uint64_t bytes), void *ctx,
			  struct mps_dist_inbox *in)
{
	int rc = inbox_poll(comm, in);
	MPI_Status st;
	int flag = 0;
	/* one probe for any tag: the rank's messages arrive in the order it
	 * sent them, so END is never seen before DATA */
	while (!rc && !flag) {
		if (MPI_Iprobe(rank, MPI_ANY_TAG, comm, &flag, &st) != MPI_SUCCESS)
			return MPS_EPEER;
		if (!flag)
			return MPS_DIST_AGAIN;
		if (inbox_take(comm, rank, &st, in, &rc))
			flag = 0;
	}
	if (rc)
		return rc;
	int n;
	if (MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS || n < 0)
		return MPS_EPEER;
	unsigned char *b = malloc(n ? (size_t)n : 1);
	if (!b)
		return -ENOMEM;
	if (MPI_Recv(b, n, MPI_BYTE, rank, st.MPI_TAG, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
		free(b);
		return MPS_EPEER;
	}
	if (st.MPI_TAG == TAG_DATA)
		in->recv_bytes += (uint64_t)n;
	if (st.MPI_TAG == TAG_ROUND_END) {
		rc = MPS_DIST_ROUND_END;
		in->baton_got = n > 0;
		if (n > 0 && in->baton) {
			in->baton->len = 0;
			if (mps_buf_append(in->baton, b, (size_t)n))
				rc = -ENOMEM;
		}
	} else if (st.MPI_TAG == TAG_END) {
		uint64_t files, bytes;
		rc = mps_dist_unpack_tally(b, (size_t)n, &files, &bytes);
		if (!rc && tally)
			tally(ctx, files, bytes);
		if (!rc)
			rc = MPS_DIST_END;
	} else if (st.MPI_TAG == TAG_DATA) {
		rc = deliver(b, (size_t)n, fn, ctx);
		if (!rc)
			rc = MPS_DIST_DATA;
	} else {
		rc = MPS_ECORRUPT; /* no other tag comes from a rank */
	}
	free(b);
	return rc;
}

int mps_dist_gather_bytes(MPI_Comm comm, const struct mps_buf *mine, struct mps_buf *all,
			  size_t **ends)
{
	int rank, size;
	if (MPI_Comm_rank(comm, &rank) || MPI_Comm_size(comm, &size))
		return MPS_EPEER;
	if (mine->len > INT_MAX)
		return -EOVERFLOW;
	int n = (int)mine->len;
	int *counts = rank == 0 ? calloc((size_t)size, sizeof(int)) : NULL;
	int *displs = rank == 0 ? calloc((size_t)size, sizeof(int)) : NULL;
	int bad = rank == 0 && (!counts || !displs);
	if (MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
		bad = 2;
	size_t total = 0;
	for (int r = 0; rank == 0 && !bad && r < size; r++) {
		displs[r] = (int)total;
		total += (size_t)counts[r];
		if (total > INT_MAX)
			bad = 1;
	}
	if (rank == 0 && !bad && mps_buf_reserve(all, total ? total : 1))
		bad = 1;
	if (rank == 0 && !bad) {
		*ends = malloc((size_t)size * sizeof(size_t));
		bad = !*ends;
		for (int r = 0; !bad && r < size; r++)
			(*ends)[r] = (size_t)displs[r] + (size_t)counts[r];
	}
	if (MPI_Bcast(&bad, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
		bad = 2;
	if (!bad && MPI_Gatherv(mine->data, n, MPI_BYTE, all ? all->data : NULL, counts, displs,
				MPI_BYTE, 0, comm) != MPI_SUCCESS)
		bad = 2;
	if (rank == 0 && !bad)
		all->len = total;
	free(counts);
	free(displs);
	return bad == 2 ? MPS_EPEER : bad ? -ENOMEM : 0;
}

/* ---- rounds after the first: point to point, while ranks search ---- */

struct mps_dist_round_msg {
	struct mps_dist_round_msg *next;
	MPI_Request req;
	struct mps_buf buf;
};

int mps_dist_round_send(struct mps_dist_rounds *rs, int rank, const struct mps_unit *units,
			size_t n, bool last)
{
	struct mps_dist_round_msg *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int rc = mps_buf_append(&m->buf, last ? "L" : "R", 1);
	if (!rc)
		rc = mps_dist_pack_units(units, n, &m->buf);
	if (!rc && m->buf.len > INT_MAX)
		rc = -EOVERFLOW;
	if (!rc && MPI_Isend(m->buf.data, (int)m->buf.len, MPI_BYTE, rank, TAG_ROUND, rs->comm,
			     &m->req) != MPI_SUCCESS)
		rc = MPS_EPEER;
	if (rc) {
		mps_buf_release(&m->buf);
		free(m);
		return rc;
	}
	m->next = rs->pending;
	rs->pending = m;
	return mps_dist_rounds_progress(rs, false);
}

int mps_dist_rounds_progress(struct mps_dist_rounds *rs, bool wait)
{
	for (struct mps_dist_round_msg **pm = &rs->pending; *pm;) {
		struct mps_dist_round_msg *m = *pm;
		int done;
		if (settle(&m->req, wait, &done))
			return MPS_EPEER;
		if (!done) {
			pm = &m->next;
			continue;
		}
		*pm = m->next;
		mps_buf_release(&m->buf);
		free(m);
	}
	return 0;
}

int mps_dist_round_poll(MPI_Comm comm, struct mps_unit **units, size_t *n, bool *last)
{
	int flag = 0;
	MPI_Status st;
	*units = NULL;
	*n = 0;
	*last = false;
	if (MPI_Iprobe(0, TAG_ROUND, comm, &flag, &st) != MPI_SUCCESS)
		return MPS_EPEER;
	if (!flag)
		return 0;
	int len;
	if (MPI_Get_count(&st, MPI_BYTE, &len) != MPI_SUCCESS || len < 0)
		return MPS_EPEER;
	unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
	if (!b)
		return -ENOMEM;
	if (MPI_Recv(b, len, MPI_BYTE, 0, TAG_ROUND, comm, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
		free(b);
		return MPS_EPEER;
	}
	int rc = MPS_ECORRUPT;
	if (len >= 1 && (b[0] == 'L' || b[0] == 'R')) {
		*last = b[0] == 'L';
		rc = mps_dist_unpack_units(b + 1, (size_t)len - 1, units, n);
	}
	free(b);
	return rc ? rc : 1;
}

int mps_dist_need_send(MPI_Comm comm)
{
	static int one = 1;
	/* 4 bytes: eager */
	return MPI_Send(&one, 1, MPI_INT, 0, TAG_NEED, comm) == MPI_SUCCESS ? 0 : MPS_EPEER;
}

int mps_dist_need_poll(MPI_Comm comm, int *done)
{
	for (;;) {
		int flag = 0;
		MPI_Status st;
		if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_NEED, comm, &flag, &st) != MPI_SUCCESS)
			return MPS_EPEER;
		if (!flag)
			return 0;
		int v;
		if (MPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, TAG_NEED, comm, MPI_STATUS_IGNORE) !=
		    MPI_SUCCESS)
			return MPS_EPEER;
		done[st.MPI_SOURCE] += v;
	}
}
