/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line parsing.
 *
 * A hand-written parser rather than getopt_long: it keeps no global state
 * (so it can run many times in one process, as the tests do), never prints,
 * and never reorders argv.  It follows GNU conventions:
 *
 *   - options and operands may be mixed ("mpsearch foo -i dir" works);
 *     "--" ends options, and a lone "-" is an operand (standard input);
 *   - short options bundle ("-inr"), and a short option that takes an
 *     argument takes the rest of its word or else the next word ("-m5",
 *     "-m 5", "-im5");
 *   - a long option takes its argument as "--opt=value" or "--opt value",
 *     except --color/--colour, whose argument is optional and so must be
 *     attached with '=';
 *   - long options must be spelled in full (ripgrep's rule; GNU getopt
 *     would also accept unambiguous prefixes);
 *   - grep's "-NUM" is "--context=NUM"; NUM must start with 1-9 because a
 *     lone 0 is ripgrep's -0 (--null): "-0" is --null, "-10" is -C 10.
 *
 * Where several options set the same thing, the last one wins (-F/-E/-P,
 * -i/--no-ignore-case, -H/-h, -n/-N, -r/-R/-d, -l/-L, -a/-I/--binary-files,
 * --group-separator/--no-group-separator, --progress/--no-progress,
 * -c/--count-matches, --column/--no-column, --heading/--no-heading),
 * except:
 *   - -A and -B win over -C and -NUM whatever their order (grep and ripgrep);
 *   - output mode: -q beats -l/-L, which beat -c, which beats --json, which
 *     beats the default line output, whatever their order (grep: -l wins
 *     over -c);
 *   - --help beats -V/--version, and both beat every other error on the
 *     command line (a usage error later or earlier in argv is not reported).
 *
 * Numbers for -A/-B/-C/-NUM/-m are plain decimal digits: a sign, spaces or
 * other characters are errors; values past INT64_MAX are taken as INT64_MAX
 * (grep does the same with INTMAX_MAX).  -j takes 1..MPS_MAX_WORKERS.
 *
 * Every pattern, whether from an operand, -e or -f, is split at '\n' into
 * several patterns (grep).  A pattern file's final newline does not add an
 * empty pattern, and an empty pattern file adds none at all.
 */
#include "mpsearch/opts.h"
#include "mpsearch/error.h"
#include "opts_filters.h"
#include "opts_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Upper bound for -j: beyond it a typo (-j 1000000) would fork a storm. */
#define MPS_MAX_WORKERS 65536


enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Parser state: what the options said before it is resolved into o. */
struct parser {
	struct mps_opts *o;
	char *err;
	size_t errlen;
	int rc;               /* first error (MPS_EUSAGE or -ENOMEM), else 0 */
	bool patterns_given;  /* some -e or -f */
	bool help, version;
	bool quiet, count, json;
	enum mps_output list; /* MPS_OUT_LINES (none), _FILES_WITH or _WITHOUT */
	int64_t context, before, after; /* -1: not given */
	enum color_mode color;
	bool chunk_given;     /* --chunk-size */
};

static void set_err(char *err /* out */, size_t errlen, const char *fmt /* in */, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Record a usage error; only the first one is kept. */
static void fail(struct parser *p /* in, out */, const char *fmt /* in */, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->rc)
		return;
	p->rc = MPS_EUSAGE;
	if (!p->err || p->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *p /* in, out */)
{
	if (p->rc)
		return;
	p->rc = -ENOMEM;
	set_err(p->err, p->errlen, "%s", mps_strerror(ENOMEM));
}

static void push(struct parser *p /* in, out */, struct mps_strlist *l /* in, out */,
		 const char *s /* in */)
{
	if (mps_strlist_push(l, s, strlen(s)) < 0)
		fail_nomem(p);
}

int mps_strlist_push(struct mps_strlist *l, const char *s, size_t len)
{
	char *copy;

	if (len == SIZE_MAX)
		return -ENOMEM;
	/* Keep one slot for the NULL that ends v, like argv. */
	if (mps_grow((void **)&l->v, &l->alloc, l->n + 2, sizeof(*l->v), 4))
		return -ENOMEM;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, s, len);
	copy[len] = '\0';
	l->v[l->n++] = copy;
	l->v[l->n] = NULL;
	return 0;
}

void mps_strlist_release(struct mps_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->alloc = 0;
}

/* Add s[0, len) split at every '\n' to the patterns. */
static void add_patterns(struct parser *p /* in, out */, const char *s /* in */, size_t len)
{
	for (;;) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;

		if (mps_strlist_push(&p->o->patterns, s, n) < 0) {
			fail_nomem(p);
			return;
		}
		if (!nl)
			return;
		s += n + 1;
		len -= n + 1;
	}
}

/* Read all of fd into *buf (malloc'ed, caller frees).  0 or -errno. */
static int read_all(int fd, char **buf /* out */, size_t *len /* out */)
{
	size_t n = 0, alloc = 0;
	char *b = NULL;

	for (;;) {
		ssize_t r;

		if (mps_grow((void **)&b, &alloc, n + 4096, 1, 8192)) {
			free(b);
			return -ENOMEM;
		}
		r = read(fd, b + n, alloc - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(b);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Read FILE ("-": standard input) into *buf (caller frees); what names it
 * in the message ("pattern file").  0, or an error recorded in p. */
static int read_arg_file(struct parser *p /* in, out */, const char *path /* in */,
			 const char *what /* in */, char **buf /* out */, size_t *len /* out */)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd, rc;

	if (is_stdin) {
		fd = STDIN_FILENO;
		p->o->patterns_stdin = true;
	} else {
		do
			fd = open(path, O_RDONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			int e = errno;
			fail(p, "cannot read %s '%s': %s", what, path, mps_strerror(e));
			return -1;
		}
	}
	rc = read_all(fd, buf, len);
	if (!is_stdin)
		close(fd);
	if (rc == -ENOMEM) {
		fail_nomem(p);
		return -1;
	}
	if (rc < 0) {
		fail(p, "cannot read %s '%s': %s", what, path, mps_strerror(rc));
		return -1;
	}
	return 0;
}

/* -f FILE: one pattern per line; "-" is standard input. */
static void read_pattern_file(struct parser *p /* in, out */, const char *path /* in */)
{
	char *buf = NULL;
	size_t len = 0;

	if (read_arg_file(p, path, "pattern file", &buf, &len))
		return;
	/* An empty file gives no pattern; a final newline ends the last line
	 * rather than starting an empty one. */
	if (len > 0) {
		if (buf[len - 1] == '\n')
			len--;
		add_patterns(p, buf, len);
	}
	free(buf);
}

/* An --include ('+') or --exclude ('-') glob, kept in order too. */
static void add_filter(struct parser *p /* in, out */, char kind, const char *glob /* in */,
		       size_t len)
{
	struct mps_strlist *l = kind == '+' ? &p->o->include : &p->o->exclude;
	char *tagged = malloc(len + 2);

	if (!tagged || mps_strlist_push(l, glob, len) < 0) {
		free(tagged);
		fail_nomem(p);
		return;
	}
	tagged[0] = kind;
	memcpy(tagged + 1, glob, len);
	tagged[len + 1] = '\0';
	if (mps_strlist_push(&p->o->filters, tagged, len + 1) < 0)
		fail_nomem(p);
	free(tagged);
}

/* --exclude-from=FILE: one glob a line; as grep, trailing white space is
 * dropped and blank lines are skipped. */
static void read_exclude_file(struct parser *p /* in, out */, const char *path /* in */)
{
	char *buf = NULL;
	size_t len = 0;

	if (read_arg_file(p, path, "exclude file", &buf, &len))
		return;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len, e = end;

		while (e > at && (buf[e - 1] == ' ' || (buf[e - 1] >= '\t' && buf[e - 1] <= '\r')))
			e--;
		if (e > at)
			add_filter(p, '-', buf + at, e - at);
		at = end + 1;
	}
	free(buf);
}

/* -d/-D ACTION; recurse only for -d. */
static void parse_action(struct parser *p /* in, out */, const char *shown /* in */,
			 const char *arg /* in */, bool dirs, enum mps_action *out /* out */)
{
	if (strcmp(arg, "read") == 0)
		*out = MPS_ACT_READ;
	else if (strcmp(arg, "skip") == 0)
		*out = MPS_ACT_SKIP;
	else if (dirs && strcmp(arg, "recurse") == 0)
		*out = MPS_ACT_RECURSE;
	else
		fail(p, "invalid argument '%s' for '%s' (use %s)", arg, shown,
		     dirs ? "read, skip or recurse" : "read or skip");
}

int mps_opts_decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		v = v > (max - d) / 10 ? max : v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A count for -A/-B/-C/-m: decimal digits only; clamps at INT64_MAX. */
static int parse_count(const char *s /* in */, int64_t *out /* out */)
{
	uint64_t v;
	int rc = mps_opts_decimal(s, INT64_MAX, &v);
	if (!rc)
		*out = (int64_t)v;
	return rc;
}

int mps_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *q = s;

	if (!s || !*s)
		return -EINVAL;
	for (; *q >= '0' && *q <= '9'; q++) {
		unsigned d = (unsigned)(*q - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (q == s)
		return -EINVAL;
	switch (*q) {
	case 'k': case 'K': mult = 1ull << 10; break;
	case 'm': case 'M': mult = 1ull << 20; break;
	case 'g': case 'G': mult = 1ull << 30; break;
	case 't': case 'T': mult = 1ull << 40; break;
	default: break;
	}
	if (mult > 1) {
		q++;
		if (*q == 'i' || *q == 'I') {
			q++;
			if (*q != 'b' && *q != 'B')
				return -EINVAL;
		}
	}
	if (*q == 'b' || *q == 'B')
		q++;
	if (*q)
		return -EINVAL;
	if (v == 0)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

static void parse_workers(struct parser *p /* in, out */, const char *arg /* in */)
{
	long v = 0;
	const char *s = arg;

	if (!*s) {
		fail(p, "-j needs a number of workers >= 1");
		return;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			fail(p, "-j needs a number of workers >= 1");
			return;
		}
		if (v <= MPS_MAX_WORKERS)
			v = v * 10 + (*s - '0');
	}
	if (v < 1)
		fail(p, "-j needs a number of workers >= 1");
	else if (v > MPS_MAX_WORKERS)
		fail(p, "too many workers '%s' (at most %d)", arg, MPS_MAX_WORKERS);
	else
		p->o->workers = v;
}

static void parse_color(struct parser *p /* in, out */, const char *shown /* in */,
			const char *arg /* in */)
{
	/* grep's synonyms too. */
	static const struct {
		const char *word;
		enum color_mode mode;
	} words[] = {
		{ "auto", COLOR_AUTO },    { "tty", COLOR_AUTO },     { "if-tty", COLOR_AUTO },
		{ "always", COLOR_ALWAYS }, { "yes", COLOR_ALWAYS }, { "force", COLOR_ALWAYS },
		{ "never", COLOR_NEVER },  { "no", COLOR_NEVER },     { "none", COLOR_NEVER },
	};

	if (!arg) {
		p->color = COLOR_AUTO;
		return;
	}
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(arg, words[i].word) == 0) {
			p->color = words[i].mode;
			return;
		}
	}
	fail(p, "invalid %s value '%s' (use auto, always or never)", shown, arg);
}

/* apply() for the options of the run itself (workers, parts, progress,
 * stats, output file); false: id is not one of them. */
static bool apply_run(struct parser *p /* in, out */, enum opt_id id, const char *shown /* in */,
		      const char *arg /* in */)
{
	struct mps_opts *o = p->o;

	switch (id) {
	case OPT_JSON: p->json = true; break;
	case OPT_STATS: o->stats = true; break;
	case OPT_PROGRESS: o->progress = 1; break;
	case OPT_NO_PROGRESS: o->progress = 0; break;
	case OPT_WORKERS: parse_workers(p, arg); break;
	case OPT_CHUNK_SIZE: {
		uint64_t v;

		if (mps_parse_size(arg, &v) < 0)
			fail(p, "invalid chunk size '%s'", arg);
		else
			o->chunk_size = v;
		p->chunk_given = true;
		break;
	}
	case OPT_NO_PIN: o->pin = false; break;
	case OPT_SEARCH_ZIP: o->search_zip = true; break;
	case OPT_STALL_TIMEOUT: {
		char *end;
		errno = 0;
		double v = strtod(arg, &end);
		if (!*arg || *end || errno || !(v > 0) || v > 1e6)
			fail(p, "invalid stall timeout '%s'", arg);
		else
			o->stall_timeout = v;
		break;
	}
	case OPT_OUTPUT:
		if (!*arg)
			fail(p, "option '%s' needs a file name", shown);
		else
			o->output_file = arg;
		break;
	default:
		return false;
	}
	return true;
}

/* Apply one option; shown is how it was spelled ("-m", "--max-count"). */
static void apply(struct parser *p /* in, out */, enum opt_id id, const char *shown /* in */,
		  const char *arg /* in */)
{
	struct mps_opts *o = p->o;
	int64_t n;

	switch (id) {
	case OPT_REGEXP:
		p->patterns_given = true;
		add_patterns(p, arg, strlen(arg));
		break;
	case OPT_FILE:
		p->patterns_given = true;
		read_pattern_file(p, arg);
		break;
	case OPT_FIXED: o->syntax = MPS_FIXED; break;
	case OPT_EXTENDED: o->syntax = MPS_EXTENDED; break;
	case OPT_PERL: o->syntax = MPS_PCRE; break;
	case OPT_BASIC: o->syntax = MPS_BASIC; break;
	case OPT_IGNORE_CASE: o->ignore_case = true; break;
	case OPT_NO_IGNORE_CASE: o->ignore_case = false; break;
	case OPT_WORD: o->word = true; break;
	case OPT_LINE: o->line = true; break;
	case OPT_INVERT: o->invert = true; break;
	case OPT_COUNT: p->count = true; o->count_matches = false; break;
	case OPT_FILES_WITH: p->list = MPS_OUT_FILES_WITH; break;
	case OPT_FILES_WITHOUT: p->list = MPS_OUT_FILES_WITHOUT; break;
	case OPT_ONLY_MATCHING: o->only_matching = true; break;
	case OPT_MAX_COUNT:
		if (parse_count(arg, &n) < 0)
			fail(p, "invalid max count '%s'", arg);
		else
			o->max_count = n;
		break;
	case OPT_QUIET: p->quiet = true; break;
	case OPT_NO_MESSAGES: o->no_messages = true; break;
	case OPT_AFTER:
	case OPT_BEFORE:
	case OPT_CONTEXT:
		if (parse_count(arg, &n) < 0)
			fail(p, "invalid context length '%s'", arg);
		else if (id == OPT_AFTER)
			p->after = n;
		else if (id == OPT_BEFORE)
			p->before = n;
		else
			p->context = n;
		break;
	case OPT_TEXT: o->binary = MPS_BIN_TEXT; break;
	case OPT_NO_BINARY: o->binary = MPS_BIN_SKIP; break;
	case OPT_BINARY_FILES:
		if (strcmp(arg, "binary") == 0)
			o->binary = MPS_BIN_BINARY;
		else if (strcmp(arg, "text") == 0)
			o->binary = MPS_BIN_TEXT;
		else if (strcmp(arg, "without-match") == 0)
			o->binary = MPS_BIN_SKIP;
		else
			fail(p, "invalid argument '%s' for '%s' (use binary, text or without-match)",
			     arg, shown);
		break;
	case OPT_BYTE_OFFSET: o->byte_offset = true; break;
	case OPT_INITIAL_TAB: o->initial_tab = true; break;
	case OPT_NULL_DATA: o->null_data = true; break;
	case OPT_LABEL: o->label = arg; break;
	case OPT_GROUP_SEP: o->group_sep = arg; break;
	case OPT_NO_GROUP_SEP: o->group_sep = NULL; break;
	case OPT_LINE_BUFFERED: o->line_buffered = true; break;
	case OPT_EXCLUDE_FROM: read_exclude_file(p, arg); break;
	case OPT_DIRECTORIES: parse_action(p, shown, arg, true, &o->directories); break;
	case OPT_DEVICES: parse_action(p, shown, arg, false, &o->devices); break;
	case OPT_NULL: o->null = true; break;
	case OPT_COLOR: parse_color(p, shown, arg); break;
	case OPT_WITH_FILENAME: o->with_filename = 1; break;
	case OPT_NO_FILENAME: o->with_filename = 0; break;
	case OPT_LINE_NUMBER: o->line_number = true; break;
	case OPT_NO_LINE_NUMBER: o->line_number = false; break;
	case OPT_INCLUDE: add_filter(p, '+', arg, strlen(arg)); break;
	case OPT_EXCLUDE: add_filter(p, '-', arg, strlen(arg)); break;
	case OPT_EXCLUDE_DIR: {
		/* grep drops trailing slashes: --exclude-dir=dir/ is dir */
		size_t n = strlen(arg);

		while (n > 1 && arg[n - 1] == '/')
			n--;
		if (mps_strlist_push(&o->exclude_dir, arg, n) < 0)
			fail_nomem(p);
		break;
	}
	case OPT_RECURSIVE:
		o->deref = false;
		o->directories = MPS_ACT_RECURSE;
		break;
	case OPT_DEREF:
		o->deref = true;
		o->directories = MPS_ACT_RECURSE;
		break;
	case OPT_COLUMN: o->column = true; break;
	case OPT_NO_COLUMN: o->column = false; break;
	case OPT_VIMGREP: o->vimgrep = true; break;
	case OPT_HEADING: o->heading = true; break;
	case OPT_NO_HEADING: o->heading = false; break;
	case OPT_COUNT_MATCHES: p->count = o->count_matches = true; break;
	case OPT_MULTILINE: o->multiline = true; break;
	case OPT_HELP: p->help = true; break;
	case OPT_VERSION: p->version = true; break;
	default: {
		if (apply_run(p, id, shown, arg))
			break;
		char e[256];
		int rc = mps_opts_filter_apply(o, (enum mps_fopt)(id - OPT_FILTER), shown, arg, e,
					       sizeof e);
		if (rc == -ENOMEM)
			fail_nomem(p);
		else if (rc)
			fail(p, "%s", e);
		break;
	}
	}
}

static void parse_long(struct parser *p /* in, out */, int argc, char **argv /* in */,
		       int *i /* in, out */)
{
	const char *word = argv[*i];
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *spec = mps_opt_find_long(name, len);
	char shown[64];
	const char *arg = NULL;

	if (!spec) {
		fail(p, "unknown option '--%.*s'", (int)(len > 200 ? 200 : len), name);
		return;
	}
	snprintf(shown, sizeof shown, "--%s", spec->name);
	switch (spec->arg) {
	case ARG_NONE:
		if (eq) {
			fail(p, "option '%s' doesn't allow an argument", shown);
			return;
		}
		break;
	case ARG_REQUIRED:
		if (eq)
			arg = eq + 1;
		else if (*i + 1 < argc)
			arg = argv[++*i];
		else {
			fail(p, "option '%s' needs an argument", shown);
			return;
		}
		break;
	case ARG_OPTIONAL:
		if (eq)
			arg = eq + 1;
		break;
	}
	apply(p, spec->id, shown, arg);
}

/* argv[*i] is "-xyz"; may consume argv[*i + 1]. */
static void parse_short(struct parser *p /* in, out */, int argc, char **argv /* in */,
			int *i /* in, out */)
{
	const char *word = argv[*i];

	for (size_t j = 1; word[j]; j++) {
		char c = word[j];
		char shown[3] = { '-', c, '\0' };
		const struct opt_spec *spec;

		if (c >= '1' && c <= '9') { /* -NUM, clamped like parse_count */
			int64_t n = 0;

			for (; word[j] >= '0' && word[j] <= '9'; j++) {
				int d = word[j] - '0';

				n = n > (INT64_MAX - d) / 10 ? INT64_MAX : n * 10 + d;
			}
			p->context = n;
			j--; /* the loop's j++ moves to the next option letter */
			continue;
		}
		spec = mps_opt_find_short(c);
		if (!spec) {
			if (c >= ' ' && c <= '~')
				fail(p, "invalid option -- '%c'", c);
			else
				fail(p, "invalid option -- '\\x%02x'", (unsigned char)c);
			continue;
		}
		if (spec->arg == ARG_REQUIRED) {
			const char *arg;

			if (word[j + 1])
				arg = word + j + 1;
			else if (*i + 1 < argc)
				arg = argv[++*i];
			else {
				fail(p, "option '%s' needs an argument", shown);
				return;
			}
			apply(p, spec->id, shown, arg);
			return;
		}
		apply(p, spec->id, shown, NULL);
	}
}

static void opts_defaults(struct mps_opts *o /* out */)
{
	memset(o, 0, sizeof *o);
	o->syntax = MPS_FIXED;
	o->output = MPS_OUT_LINES;
	o->max_count = -1;
	o->with_filename = -1;
	o->line_number = true;
	o->progress = -1;
	o->workers = 0;
	o->chunk_size = MPS_DEFAULT_CHUNK;
	o->pin = true;
	o->binary = MPS_BIN_BINARY;
	o->group_sep = "--";
	o->directories = MPS_ACT_RECURSE;
	o->devices = MPS_ACT_READ;
}

int mps_opts_parse(struct mps_opts *o, int argc, char **argv, bool stdin_tty, bool stdout_tty,
		   char *err, size_t errlen)
{
	struct parser p = {
		.o = o,
		.err = err,
		.errlen = errlen,
		.list = MPS_OUT_LINES,
		.context = -1,
		.before = -1,
		.after = -1,
		.color = COLOR_AUTO,
	};
	const char **operands = NULL;
	size_t noperands = 0, first_path = 0;
	bool only_operands = false;

	opts_defaults(o);
	if (err && errlen)
		err[0] = '\0';
	if (argc > 1) {
		operands = malloc((size_t)argc * sizeof *operands);
		if (!operands) {
			fail_nomem(&p);
			return p.rc;
		}
	}

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_operands || a[0] != '-' || a[1] == '\0')
			operands[noperands++] = a;
		else if (a[1] == '-' && a[2] == '\0')
			only_operands = true;
		else if (a[1] == '-')
			parse_long(&p, argc, argv, &i);
		else
			parse_short(&p, argc, argv, &i);
	}

	if (p.help || p.version) {
		free(operands);
		mps_opts_release(o);
		if (err && errlen)
			err[0] = '\0';
		return p.help ? MPS_OPTS_HELP : MPS_OPTS_VERSION;
	}

	if (!p.rc && !p.patterns_given && !mps_opts_filter_no_pattern(o)) {
		if (noperands == 0)
			fail(&p, "no pattern given");
		else
			add_patterns(&p, operands[0], strlen(operands[0]));
		first_path = 1;
	}
	for (size_t k = first_path; !p.rc && k < noperands; k++)
		push(&p, &o->paths, operands[k]);
	if (!p.rc) {
		o->paths_given = noperands > first_path;
		if (!o->paths_given)
			push(&p, &o->paths, stdin_tty || o->list_files ? "." : "-");
	}
	free(operands);
	if (!p.rc) {
		char e[256];
		int rc = mps_opts_filter_finish(o, e, sizeof e);
		if (rc == -ENOMEM)
			fail_nomem(&p);
		else if (rc)
			fail(&p, "%s", e);
	}
	if (p.rc) {
		int rc = p.rc;

		mps_opts_release(o);
		return rc;
	}

	if (p.quiet)
		o->output = MPS_OUT_QUIET;
	else if (p.list != MPS_OUT_LINES)
		o->output = p.list;
	else if (p.count)
		o->output = MPS_OUT_COUNT;
	else if (p.json)
		o->output = MPS_OUT_JSON;
	else
		o->output = MPS_OUT_LINES;

	/* compressed bytes cost several times plain ones to search */
	if (o->search_zip && !p.chunk_given)
		o->chunk_size = MPS_DEFAULT_ZIP_CHUNK;

	o->text = o->binary == MPS_BIN_TEXT;
	o->context = p.before >= 0 || p.after >= 0 || p.context >= 0;
	o->before = p.before >= 0 ? p.before : p.context >= 0 ? p.context : 0;
	o->after = p.after >= 0 ? p.after : p.context >= 0 ? p.context : 0;

	/* "auto" asks about standard output, so it is off when results go to
	 * a file named by --output. */
	o->color = p.color == COLOR_ALWAYS ||
		   (p.color == COLOR_AUTO && stdout_tty && !o->output_file);
	return MPS_OPTS_RUN;
}

void mps_opts_release(struct mps_opts *o)
{
	mps_strlist_release(&o->patterns);
	mps_strlist_release(&o->include);
	mps_strlist_release(&o->exclude);
	mps_strlist_release(&o->exclude_dir);
	mps_strlist_release(&o->filters);
	mps_strlist_release(&o->paths);
	mps_opts_filter_release(o);
	memset(o, 0, sizeof *o);
}


bool mps_opts_progress(const struct mps_opts *o, bool stderr_tty, bool stdout_same_tty,
		       bool launched)
{
	if (o->progress >= 0)
		return o->progress == 1;
	return stderr_tty && !launched && (o->output_file || !stdout_same_tty);
}
