/* Command-line options, parsed once per process (every MPI rank parses the
 * same argv, so options never travel over the network). */
#ifndef MPSEARCH_OPTS_H
#define MPSEARCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mps_syntax { MPS_FIXED, MPS_EXTENDED, MPS_PCRE };

enum mps_output {
	MPS_OUT_LINES,         /* path:line:text */
	MPS_OUT_COUNT,         /* -c */
	MPS_OUT_FILES_WITH,    /* -l */
	MPS_OUT_FILES_WITHOUT, /* -L */
	MPS_OUT_QUIET,         /* -q */
	MPS_OUT_JSON,          /* --json */
};

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
	int64_t max_count; /* -1: no limit */
	bool no_messages;  /* -s */
	int64_t before, after;
	bool text;           /* -a */
	bool null;           /* -0 / -Z / --null */
	bool color;          /* resolved from --color */
	int with_filename;   /* -1 auto, 0 -h, 1 -H */
	bool line_number;    /* default on; -N turns off */
	struct mps_strlist include, exclude, exclude_dir;
	bool deref;          /* -R */
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
};

enum { MPS_OPTS_RUN = 0, MPS_OPTS_HELP = 1, MPS_OPTS_VERSION = 2 };

#define MPS_DEFAULT_CHUNK (64ull << 20)

/* Parse argv into o (which the caller then releases with mps_opts_release).
 * Returns MPS_OPTS_RUN, MPS_OPTS_HELP or MPS_OPTS_VERSION, or MPS_EUSAGE with
 * a message (no trailing newline) in err.  stdin_tty says whether standard
 * input is a terminal (ripgrep's rule for a missing PATH). */
int mps_opts_parse(struct mps_opts *o /* out */, int argc, char **argv /* in */,
		   bool stdin_tty, bool stdout_tty, char *err /* out */, size_t errlen);
void mps_opts_release(struct mps_opts *o /* in, out */);

/* The --help text. */
const char *mps_opts_usage(void);

/* Parse "64M", "1k", "4096" into bytes; 0 on success. */
int mps_parse_size(const char *s /* in */, uint64_t *out /* out */);

int mps_strlist_push(struct mps_strlist *l /* in, out */, const char *s /* in */, size_t len);
void mps_strlist_release(struct mps_strlist *l /* in, out */);

#endif
