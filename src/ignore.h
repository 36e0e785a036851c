/* SPDX-License-Identifier: BSD-3-Clause */
/* Ignore files (.gitignore, .ignore, .git/info/exclude) read with git's
 * rules, private to the walk.  One mps_ign_list holds the patterns of one
 * file; the walk keeps a list per file per directory and asks the nearest
 * first.  Errors: 0 or -errno. */
#ifndef MPSEARCH_IGNORE_H
#define MPSEARCH_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

/* What a list says about a path: nothing matched, the last matching
 * pattern ignores it, or a negated pattern ("!pat") keeps it. */
enum mps_ign_verdict { MPS_IGN_NONE = 0, MPS_IGN_IGNORE, MPS_IGN_KEEP };

struct mps_ign_pat {
	const char *glob;     /* into the list's text: no '!', no leading or
				 trailing '/', trailing blanks dropped */
	size_t len;
	unsigned char negate;   /* "!pat" */
	unsigned char dir_only; /* "pat/": directories only */
	unsigned char anchored; /* a '/' at its start or middle: matched against
				   the path relative to the file's directory,
				   else against the last component */
	unsigned char kind;     /* how to match, see ignore.c */
	int last;               /* the byte a matching path must end with, or -1 */
	int first;              /* the byte the text matched must start with, or -1 */
	unsigned short need_off, need_len; /* glob[need_off, +need_len): a run
					     of plain bytes any match holds */
};

/* Invariants: pats[0, n) point into text, which the list owns.  A long
 * list also has buckets (NULL otherwise): for each byte b, bucket[b] to
 * bucket[b + 1] (offsets past the 257 heads) hold, in order, the indices
 * of the patterns that can match a path ending with b. */
struct mps_ign_list {
	struct mps_ign_pat *pats;
	size_t n, cap;
	char *text;
	unsigned *bucket;
};

/* Parse the lines of s[0, len) (a copy is kept) into an empty list l.
 * 0 or -ENOMEM; on failure l is released. */
int mps_ign_list_parse(struct mps_ign_list *l /* out */, const char *s /* in */, size_t len);

/* Read and parse the file `name` relative to directory descriptor dirfd.
 * -ENOENT when there is no such file; on failure l is left empty. */
int mps_ign_list_load(struct mps_ign_list *l /* out */, int dirfd, const char *name /* in */);

void mps_ign_list_release(struct mps_ign_list *l /* in, out */);

/* The verdict of l for rel, a path relative to the ignore file's
 * directory ("a/b.o", no leading "./"), a directory when is_dir. */
enum mps_ign_verdict mps_ign_list_match(const struct mps_ign_list *l /* in */,
					const char *rel /* in */, size_t len, bool is_dir);

/* git's wildmatch rules with paths: '*' and '?' and brackets never match
 * '/', "**" between slashes (or at an end) matches any number of
 * directories, a backslash quotes the next character.  glob[0, glen). */
bool mps_ign_glob(const char *glob /* in */, size_t glen, const char *text /* in */, size_t tlen);

#endif
