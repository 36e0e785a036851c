/* The MPI side of dist.h: scatter of packed unit lists, bounded streams
 * of results to rank 0, stop requests. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpsearch/dist.h"
#include "mpsearch/error.h"

enum { TAG_COUNT = 101, TAG_DATA, TAG_END, TAG_STOP, TAG_PROGRESS };
#define MSG_LIMIT (1u << 20)

int mps_dist_scatter(MPI_Comm comm, const struct mps_unit *all, const size_t *first,
		     struct mps_unit **mine, size_t *nmine)
{
	int rank, size;
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	struct mps_buf packed = {0};
	int *counts = NULL, *displs = NULL;
	int rc = 0;
	if (rank == 0) {
		counts = calloc((size_t)size, sizeof(int));
		displs = calloc((size_t)size, sizeof(int));
		if (!counts || !displs)
			rc = -ENOMEM;
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
	int my = 0, st = rc;
	MPI_Bcast(&st, 1, MPI_INT, 0, comm);
	if (st) {
		free(counts);
		free(displs);
		mps_buf_release(&packed);
		return st;
	}
	MPI_Scatter(counts, 1, MPI_INT, &my, 1, MPI_INT, 0, comm);
	unsigned char *recv = malloc(my ? (size_t)my : 1);
	if (!recv)
		rc = -ENOMEM;
	MPI_Scatterv(packed.data, counts, displs, MPI_BYTE, recv, my, MPI_BYTE, 0, comm);
	if (!rc)
		rc = mps_dist_unpack_units(recv, (size_t)my, mine, nmine);
	free(recv);
	free(counts);
	free(displs);
	mps_buf_release(&packed);
	return rc;
}

void mps_dist_sender_init(struct mps_dist_sender *s, MPI_Comm comm)
{
	memset(s, 0, sizeof(*s));
	s->comm = comm;
	s->limit = MSG_LIMIT;
}

static int flush_send(struct mps_dist_sender *s, int tag)
{
	if (s->buf.len > INT_MAX)
		return -EOVERFLOW;
	int rc = MPI_Send(s->buf.data, (int)s->buf.len, MPI_BYTE, 0, tag, s->comm);
	s->buf.len = 0;
	return rc == MPI_SUCCESS ? 0 : MPS_EPEER;
}

int mps_dist_send(struct mps_dist_sender *s, const struct mps_unit *u,
		  const struct mps_unit_summary *sum, const unsigned char *block, size_t len)
{
	int rc = mps_dist_pack_result(u, sum, block, len, &s->buf);
	if (rc)
		return rc;
	if (s->buf.len >= s->limit)
		return flush_send(s, TAG_DATA);
	return 0;
}

int mps_dist_sender_finish(struct mps_dist_sender *s)
{
	int rc = 0;
	if (s->buf.len)
		rc = flush_send(s, TAG_DATA);
	if (!rc)
		rc = flush_send(s, TAG_END);
	mps_buf_release(&s->buf);
	return rc;
}

int mps_dist_stop_requested(MPI_Comm comm)
{
	int flag = 0;
	MPI_Status st;
	MPI_Iprobe(0, TAG_STOP, comm, &flag, &st);
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
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double t = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
	if (!force && t - last < 0.1)
		return;
	last = t;
	value = bytes;
	MPI_Send(&value, 1, MPI_UINT64_T, 0, TAG_PROGRESS, comm); /* 8 bytes: eager */
}

void mps_dist_progress_poll(MPI_Comm comm, uint64_t *bytes)
{
	for (;;) {
		int flag = 0;
		MPI_Status st;
		MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, comm, &flag, &st);
		if (!flag)
			return;
		uint64_t v;
		MPI_Recv(&v, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_PROGRESS, comm, MPI_STATUS_IGNORE);
		bytes[st.MPI_SOURCE] = v;
	}
}

void mps_dist_request_stop(MPI_Comm comm)
{
	int size;
	MPI_Comm_size(comm, &size);
	static char c = 1;
	for (int r = 1; r < size; r++) {
		MPI_Request req;
		MPI_Isend(&c, 1, MPI_CHAR, r, TAG_STOP, comm, &req);
		MPI_Request_free(&req);
	}
}

int mps_dist_receive(MPI_Comm comm, int rank, mps_dist_result_fn fn, void *ctx,
		     uint64_t *progress, void (*tick)(void *ctx))
{
	struct mps_buf b = {0};
	int rc = 0, cbrc = 0;
	for (;;) {
		MPI_Status st;
		int flag = 0;
		/* wait for DATA or END from this rank, taking progress messages
		 * from everyone meanwhile */
		if (!progress && !tick) {
			if (MPI_Probe(rank, MPI_ANY_TAG, comm, &st) != MPI_SUCCESS) {
				rc = MPS_EPEER;
				break;
			}
			flag = 1;
		}
		while (!flag) {
			if (progress)
				mps_dist_progress_poll(comm, progress);
			MPI_Iprobe(rank, TAG_DATA, comm, &flag, &st);
			if (!flag)
				MPI_Iprobe(rank, TAG_END, comm, &flag, &st);
			if (!flag && tick)
				tick(ctx);
			if (!flag) {
				struct timespec ts = {0, 1000000};
				nanosleep(&ts, NULL);
			}
		}
		int n;
		MPI_Get_count(&st, MPI_BYTE, &n);
		b.len = 0;
		if ((rc = mps_buf_reserve(&b, n > 0 ? (size_t)n : 1)))
			break;
		MPI_Recv(b.data, n, MPI_BYTE, rank, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
		if (st.MPI_TAG == TAG_END)
			break;
		if (st.MPI_TAG != TAG_DATA)
			continue; /* TAG_PROGRESS is taken by mps_dist_progress_poll */
		size_t pos = 0;
		for (;;) {
			struct mps_unit u;
			struct mps_unit_summary sum;
			const unsigned char *blk;
			size_t blen;
			int r = mps_dist_unpack_result(b.data, (size_t)n, &pos, &u, &sum, &blk, &blen);
			if (r == 0)
				break;
			if (r < 0) {
				rc = r;
				break;
			}
			if (!cbrc)
				cbrc = fn(ctx, &u, &sum, blk, blen);
		}
		if (rc)
			break;
	}
	mps_buf_release(&b);
	return rc ? rc : cbrc;
}
