/* SPDX-License-Identifier: BSD-3-Clause */
/* The walk's ignore files (--ignore-files) and hidden names (--no-hidden).
 *
 * A level notes, while its directory is read, which of .ignore, .gitignore
 * and .git it holds (walk.c); once read, the files are loaded and the
 * entries they ignore dropped before sorting, so an ignored directory is
 * never opened.  For each kind, highest precedence first (.ignore, then
 * .gitignore, then .git/info/exclude: ripgrep's order), the nearest
 * directory whose file has an answer decides; then the operand's
 * ancestors are asked, as ripgrep does.  .gitignore and exclude files
 * above a directory holding .git (another repository) are not asked. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "walk_int.h"

const char *const walk_ign_names[IGN_KINDS] = {".ignore", ".gitignore", ".git/info/exclude"};

/* Read the ignore files L's directory holds; a file that cannot be read
 * is reported (by its path) and counts as empty. */
static int level_load_ignores(struct walk *w, struct walk_level *L)
{
	for (int k = 0; k < IGN_KINDS; k++) {
		if (!L->ign_seen[k])
			continue;
		int rc = mps_ign_list_load(&L->ign[k], L->fd, walk_ign_names[k]);
		if (rc == -ENOMEM)
			return rc;
		if (rc && !(k == IGN_EXCLUDE && (rc == -ENOENT || rc == -ENOTDIR))) {
			if (walk_path_set(w, L->prefix, walk_ign_names[k], strlen(walk_ign_names[k])))
				return -ENOMEM;
			walk_report(w->cb, w->path, rc);
		}
	}
	return 0;
}

/* The verdict of ancestor A's list k for the path in the buffer. */
static enum mps_ign_verdict parent_verdict(struct walk *w, const struct walk_parent *A, int k,
					   bool is_dir, int *err /* out */)
{
	size_t tail = w->len - w->lv[0].prefix, n = A->rellen + tail;
	if (mps_grow((void **)&w->scratch, &w->scratch_cap, n + 1, 1, 256)) {
		*err = -ENOMEM;
		return MPS_IGN_NONE;
	}
	memcpy(w->scratch, A->rel, A->rellen);
	memcpy(w->scratch + A->rellen, w->path + w->lv[0].prefix, tail);
	w->scratch[n] = '\0';
	return mps_ign_list_match(&A->ign[k], w->scratch, n, is_dir);
}

/* The verdict of the ignore files of levels [0, w->depth), then of the
 * operand's ancestors, for the path in the buffer (an entry of the
 * deepest level).  A repository's top ends the search for .gitignore and
 * exclude answers (not for .ignore ones). */
static enum mps_ign_verdict ign_verdict(struct walk *w, bool is_dir, int *err /* out */)
{
	for (int k = 0; k < IGN_KINDS; k++) {
		bool top = false;
		for (size_t j = w->depth; !top && j-- > 0;) {
			const struct walk_level *P = &w->lv[j];
			if (P->ign[k].n) {
				enum mps_ign_verdict v = mps_ign_list_match(
					&P->ign[k], w->path + P->prefix, w->len - P->prefix, is_dir);
				if (v != MPS_IGN_NONE)
					return v;
			}
			top = k != IGN_DOT && P->ign_seen[IGN_EXCLUDE];
		}
		for (size_t i = 0; !top && i < w->npar; i++) {
			const struct walk_parent *A = &w->par[i];
			if (A->ign[k].n) {
				enum mps_ign_verdict v = parent_verdict(w, A, k, is_dir, err);
				if (v != MPS_IGN_NONE || *err)
					return v;
			}
			top = k != IGN_DOT && A->has_git;
		}
	}
	return MPS_IGN_NONE;
}

/* Does a -t glob select files (so that a file the walk kept is selected)? */
static bool types_select(const struct mps_walk_opts *o)
{
	for (size_t i = 0; i < o->ntypes; i++)
		if (o->types[i][0] == '+')
			return true;
	return false;
}

/* --ignore-files, --no-hidden: load L's ignore files, drop the entries
 * they ignore, and the hidden ones nothing keeps.  As in ripgrep, a
 * hidden name stays when a negated ignore pattern or a -t type (files
 * only) names it. */
int walk_level_filter(struct walk *w, struct walk_level *L)
{
	int rc = w->o->ignore_files ? level_load_ignores(w, L) : 0;
	bool any = w->o->ignore_files && w->npar > 0;
	for (size_t j = 0; w->o->ignore_files && j < w->depth; j++)
		for (int k = 0; k < IGN_KINDS; k++)
			any = any || w->lv[j].ign[k].n;
	bool typed = types_select(w->o);
	size_t keep = 0;
	for (size_t i = 0; !rc && i < L->nents; i++) {
		const struct walk_ent *e = &L->ents[i];
		enum mps_ign_verdict v = MPS_IGN_NONE;
		if (any) {
			rc = walk_path_set(w, L->prefix, e->name, e->namelen);
			if (!rc)
				v = ign_verdict(w, e->kind == ENT_DIR, &rc);
		}
		if (v == MPS_IGN_IGNORE)
			continue;
		if (e->hidden && v != MPS_IGN_KEEP && !(typed && e->kind == ENT_FILE))
			continue;
		L->ents[keep++] = *e;
	}
	if (!rc)
		L->nents = keep;
	w->len = L->prefix;
	w->path[w->len] = '\0';
	return rc;
}

void walk_parents_release(struct walk *w)
{
	for (size_t i = 0; i < w->npar; i++) {
		free(w->par[i].rel);
		for (int k = 0; k < IGN_KINDS; k++)
			mps_ign_list_release(&w->par[i].ign[k]);
	}
	w->npar = 0;
}

/* Load the ignore files of directory dir (its real path) as ancestor A;
 * rel: the operand's path below it.  Returns 0 (A is kept only when it
 * holds something) or -ENOMEM. */
static int parent_load(struct walk *w, const char *dir, const char *rel)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0; /* not ours to report: outside the tree searched */
	struct walk_parent A = {.has_git = faccessat(fd, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0};
	bool any = A.has_git;
	int rc = 0;
	for (int k = 0; !rc && k < IGN_KINDS; k++) {
		if (k == IGN_EXCLUDE && !A.has_git)
			break;
		rc = mps_ign_list_load(&A.ign[k], fd, walk_ign_names[k]);
		any = any || A.ign[k].n;
		rc = rc == -ENOMEM ? rc : 0;
	}
	close(fd);
	if (!rc && any) {
		size_t n = strlen(rel);
		A.rel = malloc(n + 2);
		if (!A.rel || MPS_GROW(w->par, w->npar + 1, w->par_cap))
			rc = -ENOMEM;
		if (!rc) {
			memcpy(A.rel, rel, n);
			A.rel[n] = '/';
			A.rel[n + 1] = '\0';
			A.rellen = n + 1;
			w->par[w->npar++] = A;
			return 0;
		}
	}
	free(A.rel);
	for (int k = 0; k < IGN_KINDS; k++)
		mps_ign_list_release(&A.ign[k]);
	return rc;
}

int walk_parents_load(struct walk *w, const char *p)
{
	walk_parents_release(w);
	if (!w->o->ignore_files)
		return 0;
	char *real = realpath(p, NULL);
	if (!real)
		return errno == ENOMEM ? -ENOMEM : 0;
	size_t n = strlen(real);
	char *dir = malloc(n + 1);
	int rc = dir ? 0 : -ENOMEM;
	/* each ancestor, nearest first: real cut at each '/' from the end;
	 * what follows the cut is the operand's path below it */
	for (size_t pos = n; !rc && pos-- > 0;) {
		if (real[pos] != '/' || pos + 1 == n)
			continue;
		memcpy(dir, real, pos);
		dir[pos] = '\0';
		rc = parent_load(w, pos ? dir : "/", real + pos + 1);
	}
	free(dir);
	free(real);
	return rc;
}
