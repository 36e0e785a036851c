/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool's wire formats (tasks, frames, zygote messages) on the one
 * codec; see pool_wire.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mpsearch/error.h"
#include "pool_wire.h"

/* ---- tasks ----
 * A batch is a sequence of records: id, file, begin, end + 1, part,
 * nparts, flags, root, then the path as length-prefixed bytes, then (with
 * MPS_UNIT_ID) dev, ino, size, mtime_sec, mtime_nsec. */

int mps_task_put(struct mps_buf *b, const struct mps_unit *u)
{
	size_t old = b->len;
	const uint64_t v[] = {u->id, u->file, u->begin, u->end + 1, u->part, u->nparts, u->flags,
			      u->root};
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof(v) / sizeof(v[0]); i++)
		rc = mps_buf_put_varint(b, v[i]);
	if (!rc)
		rc = mps_buf_put_bytes(b, u->path, u->pathlen);
	if (!rc && (u->flags & MPS_UNIT_ID))
		rc = mps_fid_put(b, &u->fid);
	if (!rc && b->len > MPS_TASK_MSG_MAX)
		rc = -EMSGSIZE;
	if (rc)
		b->len = old;
	return rc;
}

static void fid_read(struct mps_cursor *r, struct mps_file_id *id)
{
	id->dev = mps_cursor_varint(r);
	id->ino = mps_cursor_varint(r);
	id->size = mps_cursor_varint(r);
	id->mtime_sec = (int64_t)mps_cursor_varint(r);
	id->mtime_nsec = (int64_t)mps_cursor_varint(r);
}

int mps_task_batch(unsigned char *msg, size_t n, struct mps_task *t, size_t *count)
{
	struct mps_cursor r = {.p = msg, .len = n};
	size_t k = 0;
	while (r.pos < n && !r.bad) {
		if (k == MPS_TASK_BATCH_MAX)
			return MPS_ECORRUPT;
		struct mps_task *x = &t[k++];
		*x = (struct mps_task){0};
		x->id = mps_cursor_varint(&r);
		x->file = mps_cursor_varint(&r);
		x->begin = mps_cursor_varint(&r);
		x->end = mps_cursor_varint(&r) - 1;
		x->part = mps_cursor_u32(&r);
		x->nparts = mps_cursor_u32(&r);
		x->flags = mps_cursor_u32(&r);
		x->root = mps_cursor_u32(&r);
		x->pathlen = mps_cursor_len(&r);
		x->path = (char *)mps_cursor_bytes(&r, x->pathlen);
		if (x->flags & MPS_UNIT_ID)
			fid_read(&r, &x->fid);
	}
	*count = k;
	return r.bad || k == 0 ? MPS_ECORRUPT : 0;
}

/* ---- frames: type, id, part, then the payload as length-prefixed bytes ---- */

int mps_frame_put(struct mps_buf *b, enum mps_frame_type type, uint64_t id, uint32_t part,
		  const void *p, size_t len)
{
	int rc = mps_buf_reserve(b, 3 * MPS_VARINT_MAX);
	if (rc)
		return rc;
	b->len += mps_varint_put(b->data + b->len, (uint64_t)type);
	b->len += mps_varint_put(b->data + b->len, id);
	b->len += mps_varint_put(b->data + b->len, part);
	return mps_buf_put_bytes(b, p, len);
}

int mps_frame_next(const unsigned char *buf, size_t len, size_t *pos, struct mps_frame *f)
{
	if (*pos >= len)
		return 0;
	struct mps_cursor r = {.p = buf, .len = len, .pos = *pos};
	uint64_t type = mps_cursor_varint(&r);
	f->id = mps_cursor_varint(&r);
	f->part = mps_cursor_u32(&r);
	uint64_t n = mps_cursor_varint(&r);
	if (r.bad)
		/* a head cut short waits for more; one this long is broken */
		return len - *pos >= 4 * MPS_VARINT_MAX ? MPS_ECORRUPT : 0;
	if (type < MPS_FRAME_BEGIN || type > MPS_FRAME_COUNT || n > UINT32_MAX)
		return MPS_ECORRUPT;
	if (n > len - r.pos)
		return 0;
	f->type = (enum mps_frame_type)type;
	f->payload = buf + r.pos;
	f->len = (size_t)n;
	*pos = r.pos + (size_t)n;
	return 1;
}

int mps_begin_put(struct mps_buf *b, const struct mps_task *t, size_t n)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = mps_buf_put_varint(b, t[i].id);
		if (!rc)
			rc = mps_buf_put_varint(b, t[i].part);
	}
	return rc;
}

int mps_begin_get(const struct mps_frame *f, uint64_t *id, uint32_t *part, size_t max, size_t *n)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	size_t k = 0;
	while (r.pos < r.len && !r.bad && k < max) {
		id[k] = mps_cursor_varint(&r);
		part[k] = mps_cursor_u32(&r);
		k++;
	}
	*n = k;
	return r.bad || r.pos != r.len || k == 0 ? MPS_ECORRUPT : 0;
}

int mps_fid_put(struct mps_buf *b, const struct mps_file_id *id)
{
	const uint64_t v[] = {id->dev, id->ino, id->size, (uint64_t)id->mtime_sec,
			      (uint64_t)id->mtime_nsec};
	return mps_buf_put_varints(b, v, sizeof(v) / sizeof(v[0]));
}

int mps_fid_get(const struct mps_frame *f, struct mps_file_id *id)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	fid_read(&r, id);
	return r.bad || r.pos != r.len ? MPS_ECORRUPT : 0;
}

int mps_text_put(struct mps_buf *b, const struct mps_text_ref *t)
{
	const uint64_t v[] = {t->off, t->len, t->printed};
	return mps_buf_put_varints(b, v, sizeof(v) / sizeof(v[0]));
}

int mps_text_get(const struct mps_frame *f, struct mps_text_ref *t)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	t->off = mps_cursor_varint(&r);
	t->len = mps_cursor_varint(&r);
	t->printed = mps_cursor_varint(&r);
	return r.bad || r.pos != r.len ? MPS_ECORRUPT : 0;
}

/* pid, core + 1, units, bytes, selected, the bits of busy, formatted */
int mps_stats_put(struct mps_buf *b, const struct mps_worker_stats *st)
{
	uint64_t busy;
	memcpy(&busy, &st->busy, sizeof(busy));
	const uint64_t v[] = {(uint64_t)st->pid, (uint64_t)(st->core + 1), st->units, st->bytes,
			      st->selected, busy, st->formatted};
	return mps_buf_put_varints(b, v, sizeof(v) / sizeof(v[0]));
}

int mps_stats_get(const struct mps_frame *f, struct mps_worker_stats *st)
{
	struct mps_cursor r = {.p = f->payload, .len = f->len};
	st->pid = (pid_t)mps_cursor_u32(&r);
	st->core = (int)mps_cursor_u32(&r) - 1;
	st->units = mps_cursor_varint(&r);
	st->bytes = mps_cursor_varint(&r);
	st->selected = mps_cursor_varint(&r);
	uint64_t busy = mps_cursor_varint(&r);
	memcpy(&st->busy, &busy, sizeof(busy));
	st->formatted = mps_cursor_varint(&r);
	return r.bad || r.pos != r.len ? MPS_ECORRUPT : 0;
}

/* ---- zygote messages: op, idx + 1, core + 1, -status, pid ---- */

#define ZMSG_MAX (5 * MPS_VARINT_MAX)

int mps_zmsg_send(int sock, const struct mps_zmsg *m, int fd)
{
	unsigned char msg[ZMSG_MAX];
	size_t len = 0;
	len += mps_varint_put(msg + len, (uint64_t)m->op);
	len += mps_varint_put(msg + len, (uint64_t)(uint32_t)(m->idx + 1));
	len += mps_varint_put(msg + len, (uint64_t)(uint32_t)(m->core + 1));
	len += mps_varint_put(msg + len, (uint64_t)(uint32_t)m->status);
	len += mps_varint_put(msg + len, (uint64_t)(uint32_t)m->pid);
	struct iovec iov = {.iov_base = msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int mps_zmsg_recv(int sock, struct mps_zmsg *m, int *fd)
{
	unsigned char msg[ZMSG_MAX];
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	*fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	struct mps_cursor r = {.p = msg, .len = (size_t)n};
	uint32_t op = mps_cursor_u32(&r);
	m->op = (enum mps_zop)op;
	m->idx = (int)mps_cursor_u32(&r) - 1;
	m->core = (int)mps_cursor_u32(&r) - 1;
	m->status = (int)mps_cursor_u32(&r);
	m->pid = (pid_t)mps_cursor_u32(&r);
	if (r.bad || r.pos != r.len || op < MPS_Z_SPAWN || op > MPS_Z_MATCHED)
		return MPS_ECORRUPT;
	return 1;
}

/* ---- patterns: syntax, flags, count, then each pattern as bytes ---- */

enum { MO_ICASE = 1, MO_WORD = 2, MO_LINE = 4, MO_UTF8 = 8, MO_NULL = 16, MO_MULTILINE = 32 };

int mps_match_opts_put(struct mps_buf *b, const struct mps_match_opts *mo)
{
	unsigned fl = (mo->ignore_case ? MO_ICASE : 0) | (mo->word ? MO_WORD : 0) |
		      (mo->line ? MO_LINE : 0) | (mo->utf8 ? MO_UTF8 : 0) |
		      (mo->null_data ? MO_NULL : 0) | (mo->multiline ? MO_MULTILINE : 0);
	int rc = mps_buf_put_varint(b, (uint64_t)mo->syntax);
	if (!rc)
		rc = mps_buf_put_varint(b, fl);
	if (!rc)
		rc = mps_buf_put_varint(b, mo->npatterns);
	for (size_t i = 0; !rc && i < mo->npatterns; i++)
		rc = mps_buf_put_bytes(b, mo->patterns[i], strlen(mo->patterns[i]));
	return rc;
}

int mps_match_opts_get(const unsigned char *p, size_t len, struct mps_match_opts *mo)
{
	struct mps_cursor r = {.p = p, .len = len};
	uint32_t syn = mps_cursor_u32(&r), fl = mps_cursor_u32(&r);
	uint64_t n = mps_cursor_varint(&r);
	/* each pattern takes at least its length byte */
	if (r.bad || n > len - r.pos || fl >= 2 * MO_MULTILINE)
		return MPS_ECORRUPT;
	char **pat = calloc(n ? (size_t)n : 1, sizeof(char *));
	if (!pat)
		return -ENOMEM;
	size_t i = 0;
	int rc = 0;
	for (; i < n && !rc; i++) {
		size_t l = mps_cursor_len(&r);
		const unsigned char *s = mps_cursor_bytes(&r, l);
		if (r.bad || memchr(s, 0, l))
			rc = MPS_ECORRUPT;
		else if (!(pat[i] = strndup((const char *)s, l)))
			rc = -ENOMEM;
	}
	if (!rc && r.pos != r.len)
		rc = MPS_ECORRUPT;
	if (rc) {
		for (size_t k = 0; k < i; k++)
			free(pat[k]);
		free(pat);
		return rc;
	}
	*mo = (struct mps_match_opts){.patterns = pat, .npatterns = (size_t)n,
				      .syntax = (enum mps_syntax)syn, .ignore_case = fl & MO_ICASE,
				      .word = fl & MO_WORD, .line = fl & MO_LINE,
				      .utf8 = fl & MO_UTF8, .null_data = fl & MO_NULL,
				      .multiline = fl & MO_MULTILINE};
	return 0;
}
