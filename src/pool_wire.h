/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool's wire formats, all built on the one codec (codec.h: varints
 * and length-prefixed bytes; no raw structs on a pipe):
 *  - tasks: the parent puts batches of units on the task queue, one
 *    SOCK_SEQPACKET message a batch, read by any worker;
 *  - frames: a worker streams its results to the parent through its pipe;
 *  - zygote messages: spawn requests and replies, deaths, the patterns of
 *    a pool started late (sent in a memfd), over a SOCK_SEQPACKET socket.
 * Decoders never read outside their buffer and return MPS_ECORRUPT on
 * anything malformed.  Private to src/. */
#ifndef MPSEARCH_POOL_WIRE_H
#define MPSEARCH_POOL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mpsearch/buf.h"
#include "mpsearch/codec.h"
#include "mpsearch/matcher.h"
#include "mpsearch/plan.h"
#include "mpsearch/pool.h"

#define MPS_TASK_PATH_MAX (60u << 10) /* longest path a task can carry */
#define MPS_TASK_MSG_MAX (64u << 10)  /* one task message: a batch of units */
#define MPS_TASK_BATCH_MAX 64         /* units in a batch */

/* ---- tasks ---- */

/* One unit as a worker sees it; path points into the message (not
 * NUL-terminated). */
struct mps_task {
	uint64_t id, file, begin, end;
	uint32_t part, nparts, flags, root;
	struct mps_file_id fid; /* flags & MPS_UNIT_ID */
	char *path;
	size_t pathlen;
};

/* Append unit u to the batch in b.  0, or -EMSGSIZE (b unchanged) when
 * the batch would pass MPS_TASK_MSG_MAX bytes, or -ENOMEM. */
int mps_task_put(struct mps_buf *b /* in, out */, const struct mps_unit *u /* in */);
/* Decode a whole batch msg[0, n) into t[0, *count) (at most
 * MPS_TASK_BATCH_MAX).  0 or MPS_ECORRUPT. */
int mps_task_batch(unsigned char *msg /* in */, size_t n, struct mps_task *t /* out */,
		   size_t *count /* out */);

/* ---- frames: worker -> parent ---- */

enum mps_frame_type {
	MPS_FRAME_BEGIN = 1, /* a batch taken: its (id, part) pairs */
	MPS_FRAME_DATA,      /* result records of unit (id, part) */
	MPS_FRAME_END,       /* the unit's summary */
	MPS_FRAME_STATS,     /* the worker's stats, last */
	MPS_FRAME_ID,        /* the file id of a unit found too big to search
			      * whole (before its END), which its parts check */
	MPS_FRAME_TEXT,      /* the unit's lines, formatted, in the worker's
			      * output ring (outring.h; before its END) */
	MPS_FRAME_COUNT,     /* the lines a part of a split file owns, counted
			      * before it is searched (a varint) */
};

/* Where a TEXT frame's text is: [off, off + len) of the ring's head
 * positions; printed: the matches it shows (for the totals). */
struct mps_text_ref {
	uint64_t off, len, printed;
};

struct mps_frame {
	enum mps_frame_type type;
	uint64_t id;
	uint32_t part;
	const unsigned char *payload; /* points into the buffer decoded */
	size_t len;
};

/* Append a frame with payload p[0, len). 0 or -ENOMEM. */
int mps_frame_put(struct mps_buf *b /* in, out */, enum mps_frame_type type, uint64_t id,
		  uint32_t part, const void *p /* in */, size_t len);
/* The frame at *pos of buf[0, len): 1 (f filled, *pos moved on), 0 when
 * it is not complete yet, MPS_ECORRUPT. */
int mps_frame_next(const unsigned char *buf /* in */, size_t len, size_t *pos /* in, out */,
		   struct mps_frame *f /* out */);

/* Payloads of BEGIN, ID and STATS frames.  The getters return 0 or
 * MPS_ECORRUPT. */
int mps_begin_put(struct mps_buf *b /* in, out */, const struct mps_task *t /* in */, size_t n);
int mps_begin_get(const struct mps_frame *f /* in */, uint64_t *id /* out */,
		  uint32_t *part /* out */, size_t max, size_t *n /* out */);
int mps_fid_put(struct mps_buf *b /* in, out */, const struct mps_file_id *id /* in */);
int mps_fid_get(const struct mps_frame *f /* in */, struct mps_file_id *id /* out */);
int mps_text_put(struct mps_buf *b /* in, out */, const struct mps_text_ref *t /* in */);
int mps_text_get(const struct mps_frame *f /* in */, struct mps_text_ref *t /* out */);
int mps_stats_put(struct mps_buf *b /* in, out */, const struct mps_worker_stats *st /* in */);
int mps_stats_get(const struct mps_frame *f /* in */, struct mps_worker_stats *st /* out */);

/* ---- zygote messages ---- */

enum mps_zop {
	MPS_Z_SPAWN = 1, /* parent: fork worker idx on core */
	MPS_Z_SPAWNED,   /* zygote: worker idx is pid (its pipe sent with it),
			  * or status < 0: it could not be made (-errno) */
	MPS_Z_DIED,      /* zygote: worker pid ended with wait status */
	MPS_Z_MATCHER,   /* parent: compile the patterns in the memfd sent */
	MPS_Z_MATCHED,   /* zygote: status 0 or < 0 */
};

struct mps_zmsg {
	enum mps_zop op;
	int idx, core, status;
	pid_t pid;
};

/* Send m (and descriptor fd when >= 0).  0 or -errno. */
int mps_zmsg_send(int sock, const struct mps_zmsg *m /* in */, int fd);
/* Receive one message; *fd gets a descriptor sent with it, else -1.
 * 1 received, 0 at EOF, -errno, or MPS_ECORRUPT. */
int mps_zmsg_recv(int sock, struct mps_zmsg *m /* out */, int *fd /* out */);

/* Patterns and their options for a pool started late. */
int mps_match_opts_put(struct mps_buf *b /* in, out */, const struct mps_match_opts *mo /* in */);
/* Decode into mo; the patterns are strdup'ed into mo->patterns (the
 * caller frees them and the array).  0, MPS_ECORRUPT or -ENOMEM. */
int mps_match_opts_get(const unsigned char *p /* in */, size_t len,
		       struct mps_match_opts *mo /* out */);

#endif
