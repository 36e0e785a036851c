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

enum opt_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

enum opt_id {
	OPT_REGEXP = 1,
	OPT_FILE,
	OPT_FIXED,
	OPT_EXTENDED,
	OPT_PERL,
	OPT_BASIC,
	OPT_IGNORE_CASE,
	OPT_NO_IGNORE_CASE,
	OPT_WORD,
	OPT_LINE,
	OPT_INVERT,
	OPT_COUNT,
	OPT_FILES_WITH,
	OPT_FILES_WITHOUT,
	OPT_ONLY_MATCHING,
	OPT_MAX_COUNT,
	OPT_QUIET,
	OPT_NO_MESSAGES,
	OPT_AFTER,
	OPT_BEFORE,
	OPT_CONTEXT,
	OPT_TEXT,
	OPT_NULL,
	OPT_COLOR,
	OPT_WITH_FILENAME,
	OPT_NO_FILENAME,
	OPT_LINE_NUMBER,
	OPT_NO_LINE_NUMBER,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_EXCLUDE_DIR,
	OPT_RECURSIVE,
	OPT_DEREF,
	OPT_JSON,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_WORKERS,
	OPT_CHUNK_SIZE,
	OPT_NO_PIN,
	OPT_SEARCH_ZIP,
	OPT_STALL_TIMEOUT,
	OPT_OUTPUT,
	OPT_HELP,
	OPT_VERSION,
	OPT_BYTE_OFFSET,
	OPT_INITIAL_TAB,
	OPT_NULL_DATA,
	OPT_LABEL,
	OPT_GROUP_SEP,
	OPT_NO_GROUP_SEP,
	OPT_LINE_BUFFERED,
	OPT_EXCLUDE_FROM,
	OPT_DIRECTORIES,
	OPT_DEVICES,
	OPT_NO_BINARY,
	OPT_BINARY_FILES,
	OPT_FILTER, /* + enum mps_fopt: src/opts_filters.c parses them */
	OPT_FILTER_END = OPT_FILTER + MPS_FOPT_NO_HIDDEN,
	OPT_COLUMN,
	OPT_NO_COLUMN,
	OPT_VIMGREP,
	OPT_HEADING,
	OPT_NO_HEADING,
	OPT_COUNT_MATCHES,
	OPT_MULTILINE,
};

struct opt_spec {
	const char *name; /* long name without "--", or NULL */
	char short_name;  /* or 0 */
	enum opt_arg arg;
	enum opt_id id;
};

static const struct opt_spec opt_table[] = {
	{ "regexp", 'e', ARG_REQUIRED, OPT_REGEXP },
	{ "file", 'f', ARG_REQUIRED, OPT_FILE },
	{ "fixed-strings", 'F', ARG_NONE, OPT_FIXED },
	{ "extended-regexp", 'E', ARG_NONE, OPT_EXTENDED },
	{ "perl-regexp", 'P', ARG_NONE, OPT_PERL },
	{ "basic-regexp", 'G', ARG_NONE, OPT_BASIC },
	{ "ignore-case", 'i', ARG_NONE, OPT_IGNORE_CASE },
	{ NULL, 'y', ARG_NONE, OPT_IGNORE_CASE },
	{ "no-ignore-case", 0, ARG_NONE, OPT_NO_IGNORE_CASE },
	{ "word-regexp", 'w', ARG_NONE, OPT_WORD },
	{ "line-regexp", 'x', ARG_NONE, OPT_LINE },
	{ "invert-match", 'v', ARG_NONE, OPT_INVERT },
	{ "count", 'c', ARG_NONE, OPT_COUNT },
	{ "files-with-matches", 'l', ARG_NONE, OPT_FILES_WITH },
	{ "files-without-match", 'L', ARG_NONE, OPT_FILES_WITHOUT },
	{ "only-matching", 'o', ARG_NONE, OPT_ONLY_MATCHING },
	{ "max-count", 'm', ARG_REQUIRED, OPT_MAX_COUNT },
	{ "quiet", 'q', ARG_NONE, OPT_QUIET },
	{ "silent", 0, ARG_NONE, OPT_QUIET },
	{ "no-messages", 's', ARG_NONE, OPT_NO_MESSAGES },
	{ "after-context", 'A', ARG_REQUIRED, OPT_AFTER },
	{ "before-context", 'B', ARG_REQUIRED, OPT_BEFORE },
	{ "context", 'C', ARG_REQUIRED, OPT_CONTEXT },
	{ "text", 'a', ARG_NONE, OPT_TEXT },
	{ "null", '0', ARG_NONE, OPT_NULL },
	{ NULL, 'Z', ARG_NONE, OPT_NULL },
	{ "color", 0, ARG_OPTIONAL, OPT_COLOR },
	{ "colour", 0, ARG_OPTIONAL, OPT_COLOR },
	{ "with-filename", 'H', ARG_NONE, OPT_WITH_FILENAME },
	{ "no-filename", 'h', ARG_NONE, OPT_NO_FILENAME },
	{ "line-number", 'n', ARG_NONE, OPT_LINE_NUMBER },
	{ "no-line-number", 'N', ARG_NONE, OPT_NO_LINE_NUMBER },
	{ "include", 0, ARG_REQUIRED, OPT_INCLUDE },
	{ "exclude", 0, ARG_REQUIRED, OPT_EXCLUDE },
	{ "exclude-dir", 0, ARG_REQUIRED, OPT_EXCLUDE_DIR },
	{ "recursive", 'r', ARG_NONE, OPT_RECURSIVE },
	{ "dereference-recursive", 'R', ARG_NONE, OPT_DEREF },
	{ "json", 0, ARG_NONE, OPT_JSON },
	{ "stats", 0, ARG_NONE, OPT_STATS },
	{ "progress", 0, ARG_NONE, OPT_PROGRESS },
	{ "no-progress", 0, ARG_NONE, OPT_NO_PROGRESS },
	{ "workers", 'j', ARG_REQUIRED, OPT_WORKERS },
	{ "chunk-size", 0, ARG_REQUIRED, OPT_CHUNK_SIZE },
	{ "no-pin", 0, ARG_NONE, OPT_NO_PIN },
	{ "search-zip", 0, ARG_NONE, OPT_SEARCH_ZIP },
	{ "stall-timeout", 0, ARG_REQUIRED, OPT_STALL_TIMEOUT },
	{ "output", 0, ARG_REQUIRED, OPT_OUTPUT },
	{ "help", 0, ARG_NONE, OPT_HELP },
	{ "version", 'V', ARG_NONE, OPT_VERSION },
	{ "byte-offset", 'b', ARG_NONE, OPT_BYTE_OFFSET },
	{ "initial-tab", 'T', ARG_NONE, OPT_INITIAL_TAB },
	{ "null-data", 'z', ARG_NONE, OPT_NULL_DATA },
	{ "label", 0, ARG_REQUIRED, OPT_LABEL },
	{ "group-separator", 0, ARG_REQUIRED, OPT_GROUP_SEP },
	{ "no-group-separator", 0, ARG_NONE, OPT_NO_GROUP_SEP },
	{ "line-buffered", 0, ARG_NONE, OPT_LINE_BUFFERED },
	{ "exclude-from", 0, ARG_REQUIRED, OPT_EXCLUDE_FROM },
	{ "directories", 'd', ARG_REQUIRED, OPT_DIRECTORIES },
	{ "devices", 'D', ARG_REQUIRED, OPT_DEVICES },
	{ NULL, 'I', ARG_NONE, OPT_NO_BINARY },
	{ "binary-files", 0, ARG_REQUIRED, OPT_BINARY_FILES },
	{ "type", 't', ARG_REQUIRED, OPT_FILTER + MPS_FOPT_TYPE },
	{ "type-not", 0, ARG_REQUIRED, OPT_FILTER + MPS_FOPT_TYPE_NOT }, /* -T is grep's */
	{ "type-add", 0, ARG_REQUIRED, OPT_FILTER + MPS_FOPT_TYPE_ADD },
	{ "type-list", 0, ARG_NONE, OPT_FILTER + MPS_FOPT_TYPE_LIST },
	{ "files", 0, ARG_NONE, OPT_FILTER + MPS_FOPT_FILES },
	{ "max-depth", 0, ARG_REQUIRED, OPT_FILTER + MPS_FOPT_MAX_DEPTH },
	{ "max-filesize", 0, ARG_REQUIRED, OPT_FILTER + MPS_FOPT_MAX_FILESIZE },
	{ "ignore-files", 0, ARG_NONE, OPT_FILTER + MPS_FOPT_IGNORE_FILES },
	{ "hidden", 0, ARG_NONE, OPT_FILTER + MPS_FOPT_HIDDEN },
	{ "no-hidden", 0, ARG_NONE, OPT_FILTER + MPS_FOPT_NO_HIDDEN },
	{ "column", 0, ARG_NONE, OPT_COLUMN },
	{ "no-column", 0, ARG_NONE, OPT_NO_COLUMN },
	{ "vimgrep", 0, ARG_NONE, OPT_VIMGREP },
	{ "heading", 0, ARG_NONE, OPT_HEADING },
	{ "no-heading", 0, ARG_NONE, OPT_NO_HEADING },
	{ "count-matches", 0, ARG_NONE, OPT_COUNT_MATCHES },
	{ "multiline", 0, ARG_NONE, OPT_MULTILINE },
};

#define NOPTS (sizeof opt_table / sizeof opt_table[0])

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
	if (l->n + 1 >= l->alloc) {
		size_t alloc = l->alloc ? l->alloc : 4;
		char **v;

		while (l->n + 1 >= alloc) {
			if (alloc > SIZE_MAX / 2 / sizeof *v)
				return -ENOMEM;
			alloc *= 2;
		}
		v = realloc(l->v, alloc * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->alloc = alloc;
	}
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

		if (alloc - n < 4096) {
			size_t na = alloc ? alloc * 2 : 8192;
			char *nb;

			if (na < alloc) {
				free(b);
				return -ENOMEM;
			}
			nb = realloc(b, na);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			alloc = na;
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

/* A count for -A/-B/-C/-m: decimal digits only; clamps at INT64_MAX. */
static int parse_count(const char *s /* in */, int64_t *out /* out */)
{
	int64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		int d = *s - '0';
		if (v > (INT64_MAX - d) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + d;
	}
	*out = v;
	return 0;
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

static const struct opt_spec *find_long(const char *name /* in */, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const char *n = opt_table[i].name;

		if (n && strlen(n) == len && memcmp(n, name, len) == 0)
			return &opt_table[i];
	}
	return NULL;
}

static const struct opt_spec *find_short(char c)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

/* argv[*i] is "--name" or "--name=value"; may consume argv[*i + 1]. */
static void parse_long(struct parser *p /* in, out */, int argc, char **argv /* in */,
		       int *i /* in, out */)
{
	const char *word = argv[*i];
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *spec = find_long(name, len);
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
		spec = find_short(c);
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

bool mps_opts_info(size_t i, struct mps_opt_info *out)
{
	if (i >= NOPTS)
		return false;
	const struct opt_spec *sp = &opt_table[i];
	out->name = sp->name;
	out->short_name = sp->short_name;
	out->arg = sp->arg == ARG_REQUIRED ? MPS_ARG_REQUIRED
		   : sp->arg == ARG_OPTIONAL ? MPS_ARG_OPTIONAL : MPS_ARG_NONE;
	return true;
}

bool mps_opts_progress(const struct mps_opts *o, bool stderr_tty, bool stdout_same_tty,
		       bool launched)
{
	if (o->progress >= 0)
		return o->progress == 1;
	return stderr_tty && !launched && (o->output_file || !stdout_same_tty);
}

const char *mps_opts_usage(void)
{
	return
"Usage: mpsearch [OPTIONS] PATTERN [PATH ...]\n"
"       mpsearch [OPTIONS] -e PATTERN ... [-f FILE ...] [PATH ...]\n"
"       mpirun -np N mpsearch [OPTIONS] PATTERN [PATH ...]\n"
"Search for PATTERN in each PATH; directories are searched recursively.\n"
"PATTERN is a literal string unless -E or -P is given; a PATTERN with\n"
"newlines is a list of patterns, any of which may match.  With no PATH,\n"
"search standard input when it is not a terminal, else \".\".  \"-\" is\n"
"standard input.  Output is sorted by path (byte-wise), then line number,\n"
"whatever the number of ranks and workers.\n"
"\n"
"Patterns:\n"
"  -e, --regexp=PATTERN       use PATTERN (may be repeated)\n"
"  -f, --file=FILE            take patterns from FILE, one per line ('-': stdin)\n"
"  -F, --fixed-strings        patterns are literal strings (default)\n"
"  -E, --extended-regexp      patterns are GNU extended regular expressions\n"
"  -G, --basic-regexp         patterns are GNU basic regular expressions\n"
"  -P, --perl-regexp          patterns are Perl-compatible regular expressions\n"
"  -i, -y, --ignore-case      ignore case distinctions\n"
"      --no-ignore-case       respect case distinctions (default)\n"
"  -w, --word-regexp          match only whole words\n"
"  -x, --line-regexp          match only whole lines\n"
"  -v, --invert-match         select lines that do not match\n"
"\n"
"Output:\n"
"  -c, --count                print the number of selected lines of each file\n"
"  -l, --files-with-matches   print only names of files with selected lines\n"
"  -L, --files-without-match  print only names of files without selected lines\n"
"  -q, --quiet, --silent      print nothing, exit 0 at the first selected line\n"
"      --json                 print results as JSON Lines (like rg --json)\n"
"  -o, --only-matching        print only the matched parts of lines\n"
"      --count-matches        like -c, but count matches, not lines\n"
"      --column               print the column (1-based, in bytes) of the first\n"
"                             match after the line number (each match's with -o)\n"
"      --no-column            do not print columns (default)\n"
"      --vimgrep              print each match on its own line as\n"
"                             FILE:LINE:COLUMN:TEXT (the whole line)\n"
"      --heading              print the file name above each file's lines\n"
"      --no-heading           print the file name on each line (default)\n"
"      --multiline            with -E or -P, let a match span lines ('\\n' in the\n"
"                             pattern matches a newline); the lines it touches\n"
"                             are printed; no short option (-U is grep's)\n"
"  -m, --max-count=NUM        stop after NUM selected lines in each file\n"
"  -A, --after-context=NUM    print NUM lines of context after each line\n"
"  -B, --before-context=NUM   print NUM lines of context before each line\n"
"  -C, --context=NUM, -NUM    print NUM lines of context around each line\n"
"  -H, --with-filename        print the file name for each line\n"
"  -h, --no-filename          never print file names\n"
"  -n, --line-number          print line numbers (default)\n"
"  -N, --no-line-number       do not print line numbers\n"
"  -0, -Z, --null             end file names with a NUL byte, not ':' or newline\n"
"      --color[=WHEN]         color matches: auto (default), always or never\n"
"      --colour[=WHEN]        same as --color\n"
"  -b, --byte-offset          print the byte offset of each line (of each\n"
"                             match with -o) before it\n"
"  -T, --initial-tab          align the text after the prefixes on a tab stop\n"
"  -z, --null-data            input and output records end with NUL, not newline\n"
"      --label=LABEL          print LABEL as the name of standard input\n"
"      --group-separator=SEP  print SEP between groups of context (default --)\n"
"      --no-group-separator   print no separator between groups of context\n"
"      --line-buffered        write each file's output as soon as it is ready\n"
"  -a, --text                 search binary files as if they were text\n"
"  -I                         skip binary files (--binary-files=without-match)\n"
"      --binary-files=TYPE    binary (default: no lines, but 'FILE: binary file\n"
"                             matches' on standard error), text (-a) or\n"
"                             without-match (-I); a NUL byte makes a file binary\n"
"  -s, --no-messages          do not report unreadable files\n"
"      --output=FILE          write results to FILE, not standard output\n"
"      --stats                print statistics on standard error when done\n"
"      --progress             show progress on standard error (default: when it\n"
"                             is a terminal that the results do not go to)\n"
"      --no-progress          do not show progress\n"
"\n"
"Files:\n"
"  -r, --recursive            search directories recursively (default)\n"
"  -R, --dereference-recursive  likewise, following all symbolic links\n"
"      --include=GLOB         search only files whose name matches GLOB\n"
"      --exclude=GLOB         skip files whose name matches GLOB\n"
"      --exclude-from=FILE    skip files whose name matches a glob in FILE\n"
"      --exclude-dir=GLOB     skip directories whose name matches GLOB\n"
"                             (the last --include/--exclude that matches a name\n"
"                             decides; none matching: skipped if the first\n"
"                             of them is an --include)\n"
"  -d, --directories=ACTION   directories: recurse (default), skip, or read\n"
"                             (an error, as grep)\n"
"  -D, --devices=ACTION       devices, FIFOs and sockets named as operands:\n"
"                             read (default) or skip\n"
"      --search-zip           search compressed files (gzip, bzip2, xz, lzma,\n"
"                             zstd, lz4; told by content) decompressed; no\n"
"                             short option (-z is grep's --null-data)\n"
"\n"
"Filters (as ripgrep 13; for what is met while walking, never operands):\n"
"  -t, --type=TYPE            search only files of TYPE (c, py, make...)\n"
"      --type-not=TYPE        skip files of TYPE (no -T: grep's --initial-tab)\n"
"      --type-add=NAME:GLOB   add GLOB to type NAME (new or built in)\n"
"      --type-list            print the file types and their globs, and exit\n"
"      --files                print the files that would be searched, in\n"
"                             output order, and exit; takes no PATTERN\n"
"      --max-depth=N          descend at most N directories below an operand\n"
"                             (0: operands only)\n"
"      --max-filesize=SIZE    skip files bigger than SIZE (10K, 4M, 1G)\n"
"      --ignore-files         skip what .gitignore, .ignore and\n"
"                             .git/info/exclude ignore (git's rules)\n"
"      --hidden               search names starting with '.' (default)\n"
"      --no-hidden            skip them, unless -t or a '!' pattern names them\n"
"\n"
"Parallelism:\n"
"  -j, --workers=N            N worker processes per rank (default: one a core)\n"
"      --chunk-size=SIZE      split files bigger than SIZE (4M, 1G; default 64M,\n"
"                             8M with --search-zip)\n"
"      --no-pin               do not bind worker processes to cores\n"
"      --stall-timeout=SECS   report a worker that makes no progress for SECS\n"
"                             seconds (naming its file); it is not stopped\n"
"\n"
"Other:\n"
"      --help                 print this help and exit\n"
"  -V, --version              print the version and exit\n"
"\n"
"When several are given, -q wins over -l and -L (the last of the two wins),\n"
"which win over -c and --count-matches (the last of the two wins), which win\n"
"over --json.  -A and -B win over -C.\n"
"Otherwise the last of conflicting options wins.\n"
"\n"
"Under MPI, run it as 'mpirun -np N mpsearch [OPTIONS] PATTERN [PATH ...]':\n"
"rank 0 walks the paths and shares out the work, every rank searches with\n"
"its own workers, and rank 0 prints the results in order.\n"
"\n"
"Exit status: 0 if a line is selected, 1 if none is, 2 if an error\n"
"occurred (unless -q is given and a line was selected).\n"
"\n"
"A file starting with a UTF-16 byte order mark is searched as UTF-8 text.\n";
}
