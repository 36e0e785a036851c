/* SPDX-License-Identifier: BSD-3-Clause */
/* Walk: turn command-line operands into files, like `grep -r` / `grep -R`.
 *
 * Order: operands in the order given; inside a directory, depth first, the
 * entries of each directory sorted byte-wise with a subdirectory compared as
 * its name followed by '/', so that the emitted paths come out in byte order
 * of the full path strings ("a-b" < "a.c" < "a/x").
 *
 * Shape: an explicit stack of levels (no recursion, so depth is bounded by
 * memory, not by the C stack).  Each level reads all entries of its
 * directory into its own arena (entry array + name bytes, reused by the next
 * directory at the same depth), classifies them with d_type and fstatat
 * relative to the directory descriptor, sorts them, then hands them out one
 * by one.  Paths are built in one heap buffer, so there is no PATH_MAX limit
 * on the string; directories are opened with openat() relative to their
 * parent, so the walk goes deeper than PATH_MAX.  At most WALK_FD_BUDGET
 * directory descriptors stay open: deeper than that, the descriptor of the
 * oldest level is closed and reopened later through ".." of its child
 * (checked by st_dev/st_ino), or through its path when ".." does not lead
 * back (then a level can be lost: its remaining subdirectories are reported
 * with the error and skipped).
 *
 * Errors go to cb->error in their place in the order and the walk goes on:
 * a missing operand, an unreadable directory (-EACCES), an entry that
 * cannot be stat'ed.  mps_walk_run returns 0, the file callback's nonzero
 * stop value, or -ENOMEM.
 *
 * grep compatibility (GNU grep 3.8 is the oracle):
 *  - operands are followed when they are symlinks; symlinks met while
 *    walking are skipped (-r) or followed (-R);
 *  - with -R a dangling symlink is reported (-ENOENT), a symlink to a
 *    directory on the current path is reported once as MPS_ELOOP and not
 *    descended;
 *  - FIFOs, sockets and devices met while walking are skipped without being
 *    opened; given as operands they are passed on (regular = false);
 *  - --include/--exclude match the basename of files met while walking and
 *    any "name suffix" of a file operand (the whole operand, or a tail that
 *    starts right after a '/'), as grep does for command-line files;
 *  - --exclude-dir matches the basename of directories met while walking,
 *    and a name suffix of a directory operand (grep skips `grep -r
 *    --exclude-dir=d x d`), except the operand "." which is never excluded
 *    (grep exempts its implicit "." operand);
 *  - with filters (the options in order), the last --include/--exclude
 *    that matches a name decides, and a name none matches is searched
 *    unless the first option is an --include (gnulib's exclude.c, which
 *    grep uses); without them, a name is searched when it matches no
 *    --exclude and, if any --include was given, one of them;
 *  - -d skip / -d read and -D skip apply to operands: while walking,
 *    devices are skipped anyway and directories are what is walked.
 *
 * ripgrep's filters apply to what is met while walking, never to operands
 * (ripgrep searches every file it is given): -t/--type-not globs, hidden
 * names, --max-depth, --max-filesize, and ignore files.  Ignore files are
 * found among the entries read (no extra lookup in a directory without
 * one); walk_ignore.c reads them and drops what they ignore and the hidden
 * names nothing keeps, before sorting, so an ignored directory is never
 * opened.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "mpsearch/walk.h"
#include "util.h"
#include "walk_int.h"

/* Directory descriptors kept open at once (far below the usual 1024). */
#define WALK_FD_BUDGET 96

/* On Linux read directories with getdents64 straight into one buffer: no
 * DIR allocation, and none of the fstat/fcntl calls fdopendir makes. */
#if defined(__linux__) && !defined(MPS_WALK_READDIR)
#define WALK_GETDENTS 1
#define WALK_DENTS_SIZE (64u << 10)
#endif

/* cb->error may be NULL: errors are then dropped. */
void walk_report(const struct mps_walk_cb *cb, const char *path, int err)
{
	if (cb->error)
		cb->error(cb->ctx, path, err);
}

bool mps_walk_glob_match(const char *glob, const char *name)
{
	return fnmatch(glob, name, 0) == 0;
}

static bool any_match(char *const *globs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (mps_walk_glob_match(globs[i], name))
			return true;
	return false;
}

/* grep's "name suffix": the whole name or a tail right after a '/'. */
static bool any_match_suffix(char *const *globs, size_t n, const char *name)
{
	if (n == 0)
		return false;
	if (any_match(globs, n, name))
		return true;
	for (const char *p = name; *p; p++)
		if (p[0] == '/' && p[1] != '/' && p[1] != '\0' && any_match(globs, n, p + 1))
			return true;
	return false;
}

static bool file_skipped(const struct mps_walk_opts *o, const char *name, bool operand)
{
	bool (*m)(char *const *, size_t, const char *) = operand ? any_match_suffix : any_match;
	if (o->nfilters) {
		for (size_t i = o->nfilters; i-- > 0;) {
			char *const glob[1] = {o->filters[i] + 1};
			if (m(glob, 1, name))
				return o->filters[i][0] != '+';
		}
		return o->filters[0][0] == '+';
	}
	if (o->nexclude && m(o->exclude, o->nexclude, name))
		return true;
	if (o->ninclude && !m(o->include, o->ninclude, name))
		return true;
	return false;
}

/* -t / --type-not: see mps_walk_opts.types. */
static bool type_skipped(const struct mps_walk_opts *o, const char *name)
{
	bool selecting = false, selected = false;
	for (size_t i = 0; i < o->ntypes; i++) {
		const char *g = o->types[i];
		if (g[0] == '+') {
			selecting = true;
			selected = selected || fnmatch(g + 1, name, 0) == 0;
		} else if (fnmatch(g + 1, name, 0) == 0) {
			return true;
		}
	}
	return selecting && !selected;
}

/* A file named `name` met while walking is left out (grep's and ripgrep's
 * name filters). */
static bool walked_skipped(const struct mps_walk_opts *o, const char *name)
{
	return file_skipped(o, name, false) || (o->ntypes && type_skipped(o, name));
}

static int path_reserve(struct walk *w, size_t need)
{
	return mps_grow((void **)&w->path, &w->alloc, need + 1, 1, 256);
}

/* Path buffer := path[0, at) + name. */
int walk_path_set(struct walk *w, size_t at, const char *name, size_t namelen)
{
	if (path_reserve(w, at + namelen + 2))
		return -ENOMEM;
	memcpy(w->path + at, name, namelen);
	w->len = at + namelen;
	w->path[w->len] = '\0';
	return 0;
}

static int ent_key(const struct walk_ent *e, size_t i)
{
	if (i < e->namelen)
		return (unsigned char)e->name[i];
	return e->kind == ENT_DIR ? '/' : -1;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct walk_ent *x = a, *y = b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	int kx = ent_key(x, n), ky = ent_key(y, n);
	return (kx > ky) - (kx < ky);
}

/* Append one entry to level L; returns 0 or -ENOMEM. */
static int level_add(struct walk_level *L, const char *name, size_t namelen,
		     const struct walk_ent *proto)
{
	if (MPS_GROW(L->ents, L->nents + 1, L->ents_alloc) ||
	    mps_grow((void **)&L->names, &L->names_alloc, L->names_len + namelen + 1, 1, 1024))
		return -ENOMEM;
	struct walk_ent *e = &L->ents[L->nents++];
	*e = *proto;
	e->off = L->names_len;
	e->namelen = namelen;
	memcpy(L->names + L->names_len, name, namelen + 1);
	L->names_len += namelen + 1;
	return 0;
}

/* An entry that cannot be stat'ed: reported in its place, unless its name
 * is excluded (grep applies --include/--exclude to it as to a file). */
static int level_add_err(const struct walk *w, struct walk_level *L, const char *name,
			 size_t namelen, int err)
{
	if (walked_skipped(w->o, name))
		return 0;
	struct walk_ent e = {.kind = ENT_ERR, .err = err, .hidden = w->o->no_hidden && name[0] == '.'};
	return level_add(L, name, namelen, &e);
}

/* Classify one directory entry of L (descriptor dfd) and add it, or drop
 * it (excluded, a device, a FIFO, a socket, or a symlink under -r).  Only
 * regular files and symlinks (-R) cost a stat: d_type says the rest. */
static bool avoided(const struct mps_walk_opts *o, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < o->navoid; i++)
		if (o->avoid[i].dev == dev && o->avoid[i].ino == ino)
			return true;
	return false;
}

static void file_id(struct mps_file_id *id, const struct stat *st)
{
	*id = (struct mps_file_id){.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
				   .size = (uint64_t)st->st_size, .mtime_sec = st->st_mtim.tv_sec,
				   .mtime_nsec = st->st_mtim.tv_nsec};
}

/* Add the regular file e (id.dev and id.ino set), unless it is to be
 * avoided (the output file). */
static int level_add_file(const struct walk *w, struct walk_level *L, const char *name,
			  size_t namelen, struct walk_ent *e)
{
	if (avoided(w->o, e->id.dev, e->id.ino)) {
		if (!w->o->avoid_report)
			return 0;
		struct walk_ent x = {.kind = ENT_ERR, .err = MPS_EINOUT, .hidden = e->hidden};
		return level_add(L, name, namelen, &x);
	}
	return level_add(L, name, namelen, e);
}

static int level_classify(const struct walk *w, struct walk_level *L, int dfd,
			  const char *name, size_t namelen, unsigned char dtype, uint64_t d_ino)
{
	const struct mps_walk_opts *o = w->o;
	struct walk_ent e = {0};
	struct stat st;
	mode_t mode;
	bool checked = false; /* walked_skipped already said no */

	if (name[0] == '.') {
		if (o->ignore_files)
			for (int k = 0; k < IGN_KINDS; k++)
				if (!strcmp(name, k == IGN_EXCLUDE ? ".git" : walk_ign_names[k]))
					L->ign_seen[k] = 1;
		e.hidden = o->no_hidden;
	}
	switch (dtype) {
	case DT_DIR:
		mode = S_IFDIR;
		break;
	case DT_LNK:
		mode = S_IFLNK;
		break;
	case DT_REG:
		/* skip excluded names before paying for the stat */
		if (walked_skipped(o, name))
			return 0;
		if (o->no_size && !o->max_filesize) {
			/* the workers find big files themselves */
			e.kind = ENT_FILE;
			e.regular = 1;
			e.size = MPS_WALK_NOSIZE;
			/* a file's inode is on its directory's device (a mount
			 * on a single file aside) */
			e.id.dev = (uint64_t)L->dev;
			e.id.ino = d_ino;
			return level_add_file(w, L, name, namelen, &e);
		}
		checked = true; /* and stat it, the size is needed */
		/* fall through */
	case DT_UNKNOWN:
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return level_add_err(w, L, name, namelen, -errno);
		mode = st.st_mode;
		break;
	default: /* FIFO, socket, devices: never opened while walking */
		return 0;
	}
	if (S_ISLNK(mode)) {
		if (!o->deref)
			return 0;
		/* a dangling or looping symlink is reported, as grep -R does */
		if (fstatat(dfd, name, &st, 0) != 0)
			return level_add_err(w, L, name, namelen, -errno);
		mode = st.st_mode;
		e.via_link = 1;
		checked = false;
	}
	if (S_ISDIR(mode)) {
		if (o->nexclude_dir && any_match(o->exclude_dir, o->nexclude_dir, name))
			return 0;
		e.kind = ENT_DIR;
	} else if (S_ISREG(mode)) { /* st is set: every path here stat'ed */
		if (!checked && walked_skipped(o, name))
			return 0;
		if (o->max_filesize && (uint64_t)st.st_size > o->max_filesize)
			return 0;
		e.kind = ENT_FILE;
		e.regular = 1;
		e.size = (uint64_t)st.st_size;
		file_id(&e.id, &st);
		e.has_id = 1;
		return level_add_file(w, L, name, namelen, &e);
	} else {
		return 0; /* devices, FIFOs, sockets, also behind a symlink */
	}
	return level_add(L, name, namelen, &e);
}

static bool dot_or_dotdot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* Report err for the directory of level L. */
static void level_error(struct walk *w, const struct walk_level *L, int err)
{
	char save = w->path[L->dirlen];
	w->path[L->dirlen] = '\0';
	walk_report(w->cb, w->path, err);
	w->path[L->dirlen] = save;
}

/* Read, classify and sort the entries of L->fd.  A read error is reported
 * for the directory; the entries read so far are kept. */
static int level_read(struct walk *w, struct walk_level *L)
{
	L->nents = L->names_len = L->next = 0;
	for (int k = 0; k < IGN_KINDS; k++) {
		mps_ign_list_release(&L->ign[k]);
		L->ign_seen[k] = 0;
	}
	double t0 = w->cb->listed ? mps_now() : 0;
	if (w->cb->dir)
		w->cb->dir(w->cb->ctx);
#ifdef WALK_GETDENTS
	for (;;) {
		ssize_t got = getdents64(L->fd, w->dents, WALK_DENTS_SIZE);
		if (got <= 0) {
			if (got < 0)
				level_error(w, L, -errno);
			break;
		}
		for (ssize_t off = 0; off < got;) {
			const struct dirent64 *de = (const struct dirent64 *)(w->dents + off);
			off += de->d_reclen;
			if (dot_or_dotdot(de->d_name))
				continue;
			int rc = level_classify(w, L, L->fd, de->d_name, strlen(de->d_name), de->d_type,
						de->d_ino);
			if (rc)
				return rc;
		}
	}
#else
	int dup_fd = fcntl(L->fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		level_error(w, L, -errno);
		if (dup_fd >= 0)
			close(dup_fd);
	}
	while (d) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				level_error(w, L, -errno);
			break;
		}
		if (dot_or_dotdot(de->d_name))
			continue;
		int rc = level_classify(w, L, L->fd, de->d_name, strlen(de->d_name), de->d_type,
					de->d_ino);
		if (rc) {
			closedir(d);
			return rc;
		}
	}
	if (d)
		closedir(d);
#endif
	if (w->cb->listed)
		w->cb->listed(w->cb->ctx, mps_now() - t0);
	for (size_t i = 0; i < L->nents; i++)
		L->ents[i].name = L->names + L->ents[i].off;
	if (w->o->ignore_files || w->o->no_hidden) {
		int rc = walk_level_filter(w, L);
		if (rc)
			return rc;
	}
	if (L->nents > 1)
		qsort(L->ents, L->nents, sizeof(*L->ents), ent_cmp);
	return 0;
}

static void level_close(struct walk_level *L)
{
	if (L->fd >= 0)
		close(L->fd);
	L->fd = -1;
}

/* Check that directory descriptor fd is (dev, ino); returns fd, or -1 with
 * errno set (and fd closed). */
static int dir_check(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (st.st_dev != dev || st.st_ino != ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* Reopen level i (closed for the budget) from its child i+1 or its path. */
static void level_reopen(struct walk *w, size_t i)
{
	struct walk_level *P = &w->lv[i], *C = &w->lv[i + 1];
	const int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
	int err = ESTALE;
	if (C->fd >= 0 && !C->via_link) {
		P->fd = dir_check(openat(C->fd, "..", fl), P->dev, P->ino);
		if (P->fd >= 0)
			return;
		err = errno;
	}
	/* by path: the child's name after P's prefix is done with, reuse it */
	char save = w->path[P->prefix];
	w->path[P->prefix] = '\0';
	P->fd = dir_check(open(w->path, fl), P->dev, P->ino);
	if (P->fd < 0 && errno != ENAMETOOLONG)
		err = errno;
	w->path[P->prefix] = save;
	if (P->fd < 0)
		P->reopen_err = -err;
}

/* Push a new level for directory descriptor fd (taken) reached at the
 * current path, and read it. */
static int level_push(struct walk *w, int fd, const struct stat *st, bool via_link)
{
	if (w->depth == w->nlv) {
		size_t old = w->nlv;
		if (MPS_GROW(w->lv, w->depth + 1, w->nlv)) {
			close(fd);
			return -ENOMEM;
		}
		memset(w->lv + old, 0, (w->nlv - old) * sizeof(*w->lv));
		for (size_t i = old; i < w->nlv; i++)
			w->lv[i].fd = -1;
	}
	/* keep at most WALK_FD_BUDGET descriptors: close the one budget levels up
	 * if it can be found again through its child's ".." */
	if (w->depth >= WALK_FD_BUDGET) {
		size_t old = w->depth - WALK_FD_BUDGET;
		if (!w->lv[old + 1].via_link)
			level_close(&w->lv[old]);
	}
	struct walk_level *L = &w->lv[w->depth++];
	L->fd = fd;
	L->dev = st->st_dev;
	L->ino = st->st_ino;
	L->via_link = via_link;
	L->reopen_err = 0;
	L->dirlen = w->len;
	/* prefix: current path + '/', unless it already ends with one */
	if (w->len == 0 || w->path[w->len - 1] != '/') {
		if (path_reserve(w, w->len + 2))
			return -ENOMEM; /* L->fd is closed with the stack */
		w->path[w->len++] = '/';
		w->path[w->len] = '\0';
	}
	L->prefix = w->len;
	return level_read(w, L);
}

static bool on_path(const struct walk *w, const struct stat *st)
{
	for (size_t i = w->depth; i-- > 0;)
		if (w->lv[i].ino == st->st_ino && w->lv[i].dev == st->st_dev)
			return true;
	return false;
}

/* Walk the directory open as fd (taken), whose path is in the buffer. */
static int walk_tree(struct walk *w, int fd, const struct stat *st)
{
	int rc = level_push(w, fd, st, false);
	while (rc == 0 && w->depth > 0) {
		struct walk_level *L = &w->lv[w->depth - 1];
		if (L->next == L->nents) {
			/* reopen a parent closed for the budget while L, its
			 * way back through "..", is still open */
			if (w->depth > 1) {
				struct walk_level *P = &w->lv[w->depth - 2];
				if (P->fd < 0 && !P->reopen_err)
					level_reopen(w, w->depth - 2);
			}
			level_close(L);
			w->depth--;
			continue;
		}
		const struct walk_ent *e = &L->ents[L->next++];
		if (walk_path_set(w, L->prefix, e->name, e->namelen)) {
			rc = -ENOMEM;
			break;
		}
		if (e->kind == ENT_ERR) {
			walk_report(w->cb, w->path, e->err);
			continue;
		}
		if (e->kind == ENT_FILE) {
			struct mps_walk_file f = {.path = w->path, .pathlen = w->len, .size = e->size,
						  .regular = e->regular, .walked = true,
						  .root = w->lv[0].prefix, .has_id = e->has_id,
						  .id = e->id};
			rc = w->cb->file(w->cb->ctx, &f);
			continue;
		}
		if (w->o->depth_limited && w->depth >= w->o->max_depth)
			continue; /* its entries would be too deep */
		if (L->fd < 0) {
			walk_report(w->cb, w->path, L->reopen_err ? L->reopen_err : -ESTALE);
			continue;
		}
		if (w->cb->descend && !e->via_link &&
		    w->cb->descend(w->cb->ctx, w->path, w->len, w->lv[0].prefix, w->depth))
			continue;
		int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | (e->via_link ? 0 : O_NOFOLLOW);
		int cfd = openat(L->fd, e->name, fl);
		struct stat cst;
		if (cfd < 0) {
			/* ELOOP under O_NOFOLLOW: replaced by a symlink since readdir */
			if (!(errno == ELOOP && !e->via_link))
				walk_report(w->cb, w->path, -errno);
			continue;
		}
		if (fstat(cfd, &cst) != 0) {
			walk_report(w->cb, w->path, -errno);
			close(cfd);
			continue;
		}
		if (on_path(w, &cst)) {
			walk_report(w->cb, w->path, MPS_ELOOP);
			close(cfd);
			continue;
		}
		rc = level_push(w, cfd, &cst, e->via_link);
	}
	while (w->depth > 0)
		level_close(&w->lv[--w->depth]);
	return rc;
}

static int walk_operand(struct walk *w, const char *p)
{
	const struct mps_walk_cb *cb = w->cb;
	const struct mps_walk_opts *o = w->o;
	if (strcmp(p, "-") == 0) {
		struct mps_walk_file f = {.path = p, .pathlen = 1, .is_stdin = true};
		return cb->file(cb->ctx, &f);
	}
	struct stat st;
	if (stat(p, &st) != 0) {
		walk_report(cb, p, -errno);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (file_skipped(o, p, true))
			return 0;
		if (o->devices_skip && !S_ISREG(st.st_mode))
			return 0;
		struct mps_walk_file f = {.path = p, .pathlen = strlen(p), .size = (uint64_t)st.st_size,
					  .regular = S_ISREG(st.st_mode), .has_id = true};
		file_id(&f.id, &st);
		if (f.regular && avoided(o, f.id.dev, f.id.ino)) {
			if (o->avoid_report)
				walk_report(cb, p, MPS_EINOUT);
			return 0;
		}
		return cb->file(cb->ctx, &f);
	}
	if (o->dirs_skip)
		return 0;
	if (o->dirs_read) {
		walk_report(cb, p, -EISDIR);
		return 0;
	}
	if (strcmp(p, ".") != 0 && any_match_suffix(o->exclude_dir, o->nexclude_dir, p))
		return 0;
	if (o->depth_limited && o->max_depth == 0)
		return 0;
	/* like fts: two or more trailing slashes are trimmed to one */
	size_t len = strlen(p);
	if (len > 2 && p[len - 1] == '/')
		while (len > 1 && p[len - 2] == '/')
			len--;
	if (walk_path_set(w, 0, p, len))
		return -ENOMEM;
	if (walk_parents_load(w, w->path))
		return -ENOMEM;
	int fd = dir_check(open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY), st.st_dev,
			   st.st_ino);
	if (fd < 0) {
		/* ESTALE when it was replaced between stat and open */
		walk_report(cb, p, -errno);
		return 0;
	}
	return walk_tree(w, fd, &st);
}

int mps_walk_run(const struct mps_walk_opts *o, char *const *paths, size_t npaths,
		 const struct mps_walk_cb *cb)
{
	struct walk w = {.o = o, .cb = cb};
	int rc = path_reserve(&w, 256);
#ifdef WALK_GETDENTS
	w.dents = malloc(WALK_DENTS_SIZE);
	if (!w.dents)
		rc = -ENOMEM;
#endif
	for (size_t i = 0; rc == 0 && i < npaths; i++)
		rc = walk_operand(&w, paths[i]);
	for (size_t i = 0; i < w.nlv; i++) {
		free(w.lv[i].ents);
		free(w.lv[i].names);
		for (int k = 0; k < IGN_KINDS; k++)
			mps_ign_list_release(&w.lv[i].ign[k]);
	}
	free(w.lv);
	free(w.path);
	walk_parents_release(&w);
	free(w.par);
	free(w.scratch);
#ifdef WALK_GETDENTS
	free(w.dents);
#endif
	return rc;
}
