/* SPDX-License-Identifier: BSD-3-Clause */
/* The option table: every option's long and short name and argument, the
 * lookups the parser uses, mps_opts_info for the completions generator,
 * and the --help text. */
#include <stdbool.h>
#include <string.h>

#include "mpsearch/opts.h"
#include "opts_int.h"

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

const struct opt_spec *mps_opt_find_long(const char *name /* in */, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const char *n = opt_table[i].name;

		if (n && strlen(n) == len && memcmp(n, name, len) == 0)
			return &opt_table[i];
	}
	return NULL;
}

const struct opt_spec *mps_opt_find_short(char c)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

/* argv[*i] is "--name" or "--name=value"; may consume argv[*i + 1]. */
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
"      --line-buffered        write each line of output at once (the default on\n"
"                             a terminal)\n"
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
