/* SPDX-License-Identifier: BSD-3-Clause */
/* File types: the built-in table (names and globs as ripgrep 13's, a
 * subset: the languages and formats met on clusters), --type-add, and the
 * resolution of -t / --type-not into globs for the walk. */
#include "filetypes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpsearch/error.h"
#include "util.h"

/* globs separated by one space (no built-in glob holds one) */
static const struct {
	const char *name, *globs;
} builtin[] = {
	{"asm", "*.S *.asm *.s"},
	{"awk", "*.awk"},
	{"bazel", "*.BUILD *.bazel *.bazelrc *.bzl BUILD WORKSPACE"},
	{"c", "*.[chH] *.[chH].in *.cats"},
	{"cmake", "*.cmake CMakeLists.txt"},
	{"config", "*.cfg *.conf *.config *.ini"},
	{"cpp", "*.[ChH] *.[ChH].in *.[ch]pp *.[ch]pp.in *.[ch]xx *.[ch]xx.in *.cc *.cc.in *.hh "
		"*.hh.in *.inl"},
	{"csv", "*.csv"},
	{"cython", "*.pxd *.pxi *.pyx"},
	{"d", "*.d"},
	{"diff", "*.diff *.patch"},
	{"docker", "*Dockerfile*"},
	{"fortran", "*.F *.F77 *.F90 *.F95 *.f *.f77 *.f90 *.f95 *.pfo"},
	{"go", "*.go"},
	{"h", "*.h *.hpp"},
	{"haskell", "*.c2hs *.cpphs *.hs *.hsc *.lhs"},
	{"html", "*.ejs *.htm *.html"},
	{"java", "*.java *.jsp *.jspx *.properties"},
	{"js", "*.js *.jsx *.vue"},
	{"json", "*.json composer.lock"},
	{"jsonl", "*.jsonl"},
	{"julia", "*.jl"},
	{"jupyter", "*.ipynb *.jpynb"},
	{"log", "*.log"},
	{"lua", "*.lua"},
	{"m4", "*.ac *.m4"},
	{"make", "*.mak *.mk [Gg][Nn][Uu]makefile [Gg][Nn][Uu]makefile.am [Gg][Nn][Uu]makefile.in "
		 "[Mm]akefile [Mm]akefile.am [Mm]akefile.in"},
	{"markdown", "*.markdown *.md *.mdown *.mkdn"},
	{"matlab", "*.m"},
	{"md", "*.markdown *.md *.mdown *.mkdn"},
	{"meson", "meson.build meson_options.txt"},
	{"perl", "*.PL *.perl *.pl *.plh *.plx *.pm *.t"},
	{"protobuf", "*.proto"},
	{"py", "*.py"},
	{"python", "*.py"}, /* not in ripgrep 13, which has only "py" */
	{"r", "*.R *.Rmd *.Rnw *.r"},
	{"rst", "*.rst"},
	{"ruby", "*.gemspec *.rb *.rbw .irbrc Gemfile Rakefile config.ru"},
	{"rust", "*.rs"},
	{"sh", "*.bash *.bashrc *.csh *.cshrc *.ksh *.kshrc *.sh *.tcsh *.zsh .bash_login "
	       ".bash_logout .bash_profile .bashrc .cshrc .kshrc .login .logout .profile .tcshrc "
	       ".zlogin .zlogout .zprofile .zshenv .zshrc bash_login bash_logout bash_profile "
	       "bashrc profile zlogin zlogout zprofile zshenv zshrc"},
	{"sql", "*.psql *.sql"},
	{"svg", "*.svg"},
	{"tex", "*.bib *.cls *.dtx *.ins *.ltx *.sty *.tex"},
	{"toml", "*.toml Cargo.lock"},
	{"ts", "*.ts *.tsx"},
	{"txt", "*.txt"},
	{"xml", "*.dtd *.rng *.sch *.xhtml *.xjb *.xml *.xml.dist *.xsd *.xsl *.xslt"},
	{"yaml", "*.yaml *.yml"},
	{"zig", "*.zig"},
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* The table in use: built-in types and --type-add's, globs owned. */
struct type {
	char *name;
	struct mps_strlist globs;
};

struct table {
	struct type *t;
	size_t n, cap;
};

static void table_release(struct table *tb)
{
	for (size_t i = 0; i < tb->n; i++) {
		free(tb->t[i].name);
		mps_strlist_release(&tb->t[i].globs);
	}
	free(tb->t);
}

static struct type *table_find(struct table *tb, const char *name, size_t len)
{
	for (size_t i = 0; i < tb->n; i++)
		if (strlen(tb->t[i].name) == len && !memcmp(tb->t[i].name, name, len))
			return &tb->t[i];
	return NULL;
}

/* Add glob[0, glen) to type name[0, nlen), creating it if new. */
static int table_add(struct table *tb, const char *name, size_t nlen, const char *glob, size_t glen)
{
	struct type *t = table_find(tb, name, nlen);
	if (!t) {
		if (MPS_GROW(tb->t, tb->n + 1, tb->cap))
			return -ENOMEM;
		t = &tb->t[tb->n];
		*t = (struct type){.name = strndup(name, nlen)};
		if (!t->name)
			return -ENOMEM;
		tb->n++;
	}
	return mps_strlist_push(&t->globs, glob, glen);
}

int mps_types_check_add(const char *def, char *err, size_t errlen)
{
	const char *colon = strchr(def, ':');
	if (!colon || colon == def || !colon[1]) {
		snprintf(err, errlen, "invalid type definition '%s' (use NAME:GLOB)", def);
		return MPS_EUSAGE;
	}
	return 0;
}

static int table_build(struct table *tb, const struct mps_strlist *adds)
{
	*tb = (struct table){0};
	int rc = 0;
	for (size_t i = 0; !rc && i < NBUILTIN; i++) {
		const char *g = builtin[i].globs;
		while (!rc && *g) {
			size_t n = strcspn(g, " ");
			rc = table_add(tb, builtin[i].name, strlen(builtin[i].name), g, n);
			g += n + (g[n] == ' ');
		}
	}
	for (size_t i = 0; !rc && i < adds->n; i++) {
		const char *d = adds->v[i], *colon = strchr(d, ':');
		rc = table_add(tb, d, (size_t)(colon - d), colon + 1, strlen(colon + 1));
	}
	if (rc)
		table_release(tb);
	return rc;
}

int mps_types_resolve(const struct mps_strlist *sel, const struct mps_strlist *adds,
		      struct mps_strlist *out, char *err, size_t errlen)
{
	if (sel->n == 0)
		return 0;
	struct table tb;
	int rc = table_build(&tb, adds);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < sel->n; i++) {
		const char *name = sel->v[i] + 1;
		const struct type *t = table_find(&tb, name, strlen(name));
		if (!t) {
			snprintf(err, errlen, "unrecognized file type '%s' (see --type-list)", name);
			rc = MPS_EUSAGE;
			break;
		}
		for (size_t k = 0; !rc && k < t->globs.n; k++) {
			size_t n = strlen(t->globs.v[k]);
			char *tagged = malloc(n + 2);
			if (!tagged) {
				rc = -ENOMEM;
				break;
			}
			tagged[0] = sel->v[i][0];
			memcpy(tagged + 1, t->globs.v[k], n + 1);
			rc = mps_strlist_push(out, tagged, n + 1);
			free(tagged);
		}
	}
	table_release(&tb);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp(((const struct type *)a)->name, ((const struct type *)b)->name);
}

char *mps_types_list(const struct mps_strlist *adds)
{
	struct table tb;
	if (table_build(&tb, adds)) {
		errno = ENOMEM;
		return NULL;
	}
	qsort(tb.t, tb.n, sizeof(*tb.t), cmp_type);
	size_t len = 1;
	for (size_t i = 0; i < tb.n; i++) {
		len += strlen(tb.t[i].name) + 2;
		for (size_t k = 0; k < tb.t[i].globs.n; k++)
			len += strlen(tb.t[i].globs.v[k]) + 2;
	}
	char *s = malloc(len), *at = s;
	for (size_t i = 0; s && i < tb.n; i++) {
		struct type *t = &tb.t[i];
		qsort(t->globs.v, t->globs.n, sizeof(*t->globs.v), cmp_str);
		at += sprintf(at, "%s:", t->name);
		for (size_t k = 0; k < t->globs.n; k++)
			if (k == 0 || strcmp(t->globs.v[k], t->globs.v[k - 1]))
				at += sprintf(at, "%s %s", k ? "," : "", t->globs.v[k]);
		*at++ = '\n';
		*at = '\0';
	}
	table_release(&tb);
	if (!s)
		errno = ENOMEM;
	return s;
}
