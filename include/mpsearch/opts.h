/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line options, parsed once per process (every MPI rank parses the
 * same argv, so options never travel over the network). */
#ifndef MPSEARCH_OPTS_H
#define MPSEARCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mpsearch/types.h"

/* -d/--directories and -D/--devices ACTION. */
enum mps_action { MPS_ACT_READ, MPS_ACT_SKIP, MPS_ACT_RECURSE };

struct mps_strlist {
	char **v; /* owned strings */
	size_t n, alloc;
};

struct mps_opts {
	struct mps_strlist patterns; /* after splitting on '\n' */
	enum mps_syntax syntax;
	bool ignore_case, word, line, invert;
	enum mps_output output;
	bool only_matching;
	bool column;         /* --column: the 1-based byte column of the first match */
	bool vimgrep;        /* --vimgrep: one line per match, path:line:column:text */
	bool heading;        /* --heading: the path above each file's lines */
	bool count_matches;  /* --count-matches: -c counting matches, not lines */
	bool multiline;      /* --multiline: a match may span lines (-E, -P) */
	int64_t max_count; /* -1: no limit */
	bool no_messages;  /* -s */
	int64_t before, after;
	bool context;        /* -A, -B, -C or -NUM given, even 0 */
	bool text;           /* -a, --binary-files=text */
	enum mps_binary binary; /* MPS_BIN_TEXT whenever text is set */
	bool byte_offset;    /* -b */
	bool initial_tab;    /* -T */
	bool null_data;      /* -z: records end with NUL, not newline */
	bool line_buffered;  /* --line-buffered */
	const char *label;   /* --label: name of standard input, borrowed from argv */
	const char *group_sep; /* --group-separator ("--"); NULL: --no-group-separator */
	enum mps_action directories; /* -d; MPS_ACT_RECURSE by default */
	enum mps_action devices;     /* -D; MPS_ACT_READ by default */
	bool null;           /* -0 / -Z / --null */
	bool color;          /* resolved from --color */
	int with_filename;   /* -1 auto, 0 -h, 1 -H */
	bool line_number;    /* default on; -N turns off */
	struct mps_strlist include, exclude, exclude_dir;
	/* --include/--exclude/--exclude-from in command-line order: "+GLOB"
	 * includes, "-GLOB" excludes (grep: the last that matches decides) */
	struct mps_strlist filters;
	bool deref;          /* -R */
	bool search_zip;     /* --search-zip */
	bool stats;
	int progress;        /* -1 auto, 0 off, 1 on */
	long workers;        /* -j; 0 = one per core of the CPU set */
	uint64_t chunk_size; /* --chunk-size */
	bool pin;            /* false with --no-pin */
	double stall_timeout; /* --stall-timeout seconds; 0 none */
	const char *output_file; /* --output, borrowed from argv */
	struct mps_strlist paths;
	bool paths_given;    /* operands were given on the command line */
	bool patterns_stdin; /* -f -: patterns read from standard input (under
				MPI only rank 0 has them; it broadcasts them) */
	/* ripgrep's file filters (src/opts_filters.c) */
	struct mps_strlist type_sel;   /* -t NAME "+NAME", --type-not NAME "-NAME", in order */
	struct mps_strlist type_add;   /* --type-add "NAME:GLOB" */
	struct mps_strlist type_globs; /* resolved: "+GLOB" selects, "-GLOB" negates */
	bool list_files;     /* --files: list what would be searched, no pattern */
	bool type_list;      /* --type-list: print the file types, no pattern */
	bool ignore_files;   /* --ignore-files: .gitignore, .ignore, .git/info/exclude */
	bool no_hidden;      /* --no-hidden: skip dotfiles met while walking */
	bool depth_limited;  /* --max-depth given: max_depth applies */
	uint64_t max_depth;  /* 0: operands only, 1: their entries, ... */
	uint64_t max_filesize; /* --max-filesize; 0: no limit */
};

enum { MPS_OPTS_RUN = 0, MPS_OPTS_HELP = 1, MPS_OPTS_VERSION = 2 };

#define MPS_DEFAULT_CHUNK (64ull << 20)
#define MPS_DEFAULT_ZIP_CHUNK (8ull << 20) /* with --search-zip */

/* Parse argv into o (which the caller then releases with mps_opts_release).
 * Returns MPS_OPTS_RUN, MPS_OPTS_HELP or MPS_OPTS_VERSION, or MPS_EUSAGE with
 * a message (no trailing newline) in err.  stdin_tty says whether standard
 * input is a terminal (ripgrep's rule for a missing PATH). */
int mps_opts_parse(struct mps_opts *o /* out */, int argc, char **argv /* in */,
		   bool stdin_tty, bool stdout_tty, char *err /* out */, size_t errlen);
void mps_opts_release(struct mps_opts *o /* in, out */);

/* Show progress?  As --progress / --no-progress say; by default only when
 * standard error is a terminal, the results do not go to that same
 * terminal (standard output is a file, a pipe or another terminal, or
 * --output is given), and no MPI launcher started the process. */
bool mps_opts_progress(const struct mps_opts *o /* in */, bool stderr_tty, bool stdout_same_tty,
		       bool launched);

/* The --help text. */
const char *mps_opts_usage(void);

/* One entry of the option table that the parser uses (tools/completions.c
 * generates the shell completions from it, so they cannot drift).  name
 * and short_name are borrowed, static. */
enum mps_opt_arg { MPS_ARG_NONE, MPS_ARG_REQUIRED, MPS_ARG_OPTIONAL /* only "--opt=value" */ };
struct mps_opt_info {
	const char *name; /* long name without "--", or NULL */
	char short_name;  /* or 0 */
	enum mps_opt_arg arg;
};
/* Entry i of the table, in table order; false when i is past its end. */
bool mps_opts_info(size_t i, struct mps_opt_info *out /* out */);

/* Parse "64M", "1k", "4096" into bytes; 0 on success. */
int mps_parse_size(const char *s /* in */, uint64_t *out /* out */);

int mps_strlist_push(struct mps_strlist *l /* in, out */, const char *s /* in */, size_t len);
void mps_strlist_release(struct mps_strlist *l /* in, out */);

#endif
