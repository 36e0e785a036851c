/* SPDX-License-Identifier: BSD-3-Clause */
/* The walk's state, private to src/walk.c (the walk itself) and
 * src/walk_ignore.c (ignore files and hidden names). */
#ifndef MPSEARCH_WALK_INT_H
#define MPSEARCH_WALK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mpsearch/walk.h"
#include "ignore.h"

enum ent_kind { ENT_FILE, ENT_DIR, ENT_ERR };

/* --ignore-files: the files of one directory, highest precedence first. */
enum ign_kind { IGN_DOT, IGN_GIT, IGN_EXCLUDE, IGN_KINDS };
extern const char *const walk_ign_names[IGN_KINDS]; /* ".ignore", ... */

struct walk_ent {
	const char *name;  /* into the level's name arena, set after reading */
	size_t off;        /* offset of the name in the arena */
	size_t namelen;
	uint64_t size;     /* ENT_FILE */
	struct mps_file_id id; /* ENT_FILE: dev and ino always, the rest if has_id */
	int err;           /* ENT_ERR: -errno */
	unsigned char has_id;
	unsigned char kind;
	unsigned char regular;
	unsigned char via_link; /* ENT_DIR reached through a symlink (-R) */
	unsigned char hidden;   /* --no-hidden and a dot name: dropped after
				   reading unless something keeps it */
};

struct walk_level {
	int fd;            /* -1 once closed for the descriptor budget */
	dev_t dev;
	ino_t ino;
	int reopen_err;    /* nonzero: dir could not be reopened */
	unsigned char via_link;
	size_t dirlen;     /* path length of the directory itself */
	size_t prefix;     /* path length of "dir/" in the path buffer */
	struct walk_ent *ents;
	size_t nents, ents_alloc;
	char *names;
	size_t names_len, names_alloc;
	size_t next;
	/* --ignore-files: which of ign_names the directory holds (".git" for
	 * IGN_EXCLUDE), and their patterns */
	unsigned char ign_seen[IGN_KINDS];
	struct mps_ign_list ign[IGN_KINDS];
};

struct walk {
	const struct mps_walk_opts *o;
	const struct mps_walk_cb *cb;
	char *path;        /* never NULL after init; NUL-terminated at len */
	size_t len, alloc;
	struct walk_level *lv;
	size_t depth, nlv; /* levels in use / allocated */
	char *dents;       /* getdents64 buffer (Linux), WALK_DENTS_SIZE bytes */
	/* --ignore-files: the ancestors of the directory operand being
	 * walked that hold ignore files, nearest first */
	struct walk_parent *par;
	size_t npar, par_cap;
	char *scratch;     /* a path relative to an ancestor */
	size_t scratch_cap;
};

/* An ancestor directory of a directory operand, with its ignore files. */
struct walk_parent {
	char *rel;         /* the operand's real path relative to it, + '/' */
	size_t rellen;
	bool has_git;      /* it holds .git: a repository's top */
	struct mps_ign_list ign[IGN_KINDS];
};

/* walk.c: path buffer := path[0, at) + name; 0 or -ENOMEM. */
int walk_path_set(struct walk *w /* in, out */, size_t at, const char *name /* in */,
		  size_t namelen);
/* walk.c: cb->error, unless it is NULL. */
void walk_report(const struct mps_walk_cb *cb /* in */, const char *path /* in */, int err);

/* walk_ignore.c: after L is read (L is the deepest level), load its
 * ignore files and drop the entries they ignore and the hidden ones
 * nothing keeps.  0 or -ENOMEM. */
int walk_level_filter(struct walk *w /* in, out */, struct walk_level *L /* in, out */);
/* walk_ignore.c: read the ignore files of the ancestors of directory
 * operand p (errors there are not reported: they are outside the tree
 * searched).  0 or -ENOMEM. */
int walk_parents_load(struct walk *w /* in, out */, const char *p /* in */);
/* walk_ignore.c: forget the ancestors' ignore files. */
void walk_parents_release(struct walk *w /* in, out */);

#endif
