/* SPDX-License-Identifier: BSD-3-Clause */
/* Shell completions for mpsearch, generated at build time from the option
 * table the parser uses (mps_opts_info) and the --help text (descriptions
 * and argument names), so that they cannot drift from the program.
 *
 *   mpsearch-completions bash|zsh|fish OUTPUT
 *
 * An argument named FILE completes file names, WHEN the --color words;
 * other arguments (PATTERN, NUM, GLOB, SIZE) complete nothing. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mpsearch/opts.h"

#define COLOR_WORDS "auto always never"

struct opt {
	struct mps_opt_info info;
	char flag[64];  /* "--name", or "-x" for a short-only option */
	char meta[32];  /* argument name from --help ("FILE"), or "" */
	char desc[128]; /* description from --help, or "" */
};

/* Fill o->meta and o->desc from the --help line that shows o->flag. */
static void from_help(struct opt *o /* in, out */, const char *usage /* in */)
{
	size_t fl = strlen(o->flag);
	for (const char *p = usage; (p = strstr(p, o->flag)); p += fl) {
		char after = p[fl];
		if ((p > usage && p[-1] != ' ' && p[-1] != ',') || !strchr("=[ ,\n", after))
			continue;
		const char *line = p;
		while (line > usage && line[-1] != '\n')
			line--;
		if (strncmp(line, "  ", 2) || line[strspn(line, " ")] != '-')
			continue; /* not an option line */
		const char *m = p + fl + (after == '[') + (after == '[' || after == '=');
		if (after == '[' || after == '=') {
			size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
			snprintf(o->meta, sizeof o->meta, "%.*s", (int)n, m);
		}
		const char *d = strstr(line + strspn(line, " "), "  ");
		if (d) {
			d += strspn(d, " ");
			snprintf(o->desc, sizeof o->desc, "%.*s", (int)strcspn(d, "\n"), d);
		}
		return;
	}
}

static size_t load(struct opt *v /* out */, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; n < cap && mps_opts_info(i, &v[n].info); i++, n++) {
		struct opt *o = &v[n];
		if (o->info.name)
			snprintf(o->flag, sizeof o->flag, "--%s", o->info.name);
		else
			snprintf(o->flag, sizeof o->flag, "-%c", o->info.short_name);
		o->meta[0] = o->desc[0] = 0;
		from_help(o, mps_opts_usage());
	}
	return n;
}

static bool is_file(const struct opt *o /* in */)
{
	return !strcmp(o->meta, "FILE");
}

static bool is_when(const struct opt *o /* in */)
{
	return !strcmp(o->meta, "WHEN");
}

/* The case pattern "-f|--file" of the options that take an argument of the
 * given kind (file or not) in the form "--opt VALUE" (attached: "--opt="). */
static void bash_pattern(FILE *f /* in, out */, const struct opt *v /* in */, size_t n, bool file,
			 bool attached)
{
	const char *sep = "";
	for (size_t i = 0; i < n; i++) {
		const struct opt *o = &v[i];
		if (o->info.arg == MPS_ARG_NONE || is_file(o) != file || is_when(o))
			continue;
		if (o->info.arg == MPS_ARG_OPTIONAL && !attached)
			continue;
		if (o->info.short_name && !attached) {
			fprintf(f, "%s-%c", sep, o->info.short_name);
			sep = "|";
		}
		if (o->info.name) {
			fprintf(f, "%s--%s", sep, o->info.name);
			sep = "|";
		}
	}
	if (!*sep)
		fputs("--never-an-option", f);
}

static void bash(FILE *f /* in, out */, const struct opt *v /* in */, size_t n)
{
	fputs("# bash completion for mpsearch, generated from its option table; do not edit\n"
	      "_mpsearch()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tCOMPREPLY=()\n"
	      "\t# \"--opt=VALUE\": bash splits the word at '='\n"
	      "\tif [ \"$cur\" = = ] || [ \"$prev\" = = ]; then\n"
	      "\t\tif [ \"$cur\" = = ]; then cur=; else prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
	      "\t\tcase $prev in\n\t\t", f);
	bash_pattern(f, v, n, true, true);
	fputs(") COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n\t\t", f);
	const char *sep = "";
	for (size_t i = 0; i < n; i++)
		if (is_when(&v[i]) && v[i].info.name) {
			fprintf(f, "%s--%s", sep, v[i].info.name);
			sep = "|";
		}
	if (!*sep)
		fputs("--never-an-option", f);
	fputs(") COMPREPLY=($(compgen -W '" COLOR_WORDS "' -- \"$cur\")) ;;\n"
	      "\t\tesac\n\t\treturn\n\tfi\n"
	      "\tcase $prev in\n\t", f);
	bash_pattern(f, v, n, true, false);
	fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n\t", f);
	bash_pattern(f, v, n, false, false);
	fputs(") return ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '", f);
	sep = "";
	for (size_t i = 0; i < n; i++) {
		if (v[i].info.short_name) {
			fprintf(f, "%s-%c", sep, v[i].info.short_name);
			sep = " ";
		}
		if (v[i].info.name) {
			fprintf(f, "%s--%s", sep, v[i].info.name);
			sep = " ";
		}
	}
	fputs("' -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n}\n"
	      "complete -o filenames -F _mpsearch mpsearch\n", f);
}

/* s inside single quotes; zsh: also '[' and ']' of an _arguments description */
static void quoted(FILE *f /* in, out */, const char *s /* in */, bool zsh)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs(zsh ? "'\\''" : "\\'", f);
		else if (*s == '\\' || (zsh && (*s == '[' || *s == ']')))
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

/* ":file:_files" and the like, after an _arguments option spec */
static void zsh_action(FILE *f /* in, out */, const struct opt *o /* in */)
{
	char meta[sizeof o->meta];
	size_t i = 0;
	for (; o->meta[i]; i++)
		meta[i] = (char)(o->meta[i] - 'A' + 'a');
	meta[i] = 0;
	if (is_file(o))
		fputs(":file:_files", f);
	else if (is_when(o))
		fputs(":when:(" COLOR_WORDS ")", f);
	else
		fprintf(f, ":%s: ", meta[0] ? meta : "value");
}

static void zsh_spec(FILE *f /* in, out */, const struct opt *o /* in */, bool is_long)
{
	/* an option with an argument may be repeated (-e, --include) */
	fprintf(f, " \\\n\t'%s", o->info.arg == MPS_ARG_REQUIRED ? "*" : "");
	if (is_long)
		fprintf(f, "--%s%s", o->info.name,
			o->info.arg == MPS_ARG_REQUIRED ? "="
			: o->info.arg == MPS_ARG_OPTIONAL ? "=-" : "");
	else
		fprintf(f, "-%c%s", o->info.short_name, o->info.arg != MPS_ARG_NONE ? "+" : "");
	fputc('[', f);
	quoted(f, o->desc, true);
	fputc(']', f);
	if (o->info.arg != MPS_ARG_NONE)
		zsh_action(f, o);
	fputc('\'', f);
}

static void zsh(FILE *f /* in, out */, const struct opt *v /* in */, size_t n)
{
	fputs("#compdef mpsearch\n"
	      "# zsh completion for mpsearch, generated from its option table; do not edit\n"
	      "_arguments -s -S", f);
	for (size_t i = 0; i < n; i++) {
		if (v[i].info.short_name)
			zsh_spec(f, &v[i], false);
		if (v[i].info.name)
			zsh_spec(f, &v[i], true);
	}
	fputs(" \\\n\t'*:file:_files'\n", f);
}

static void fish(FILE *f /* in, out */, const struct opt *v /* in */, size_t n)
{
	fputs("# fish completion for mpsearch, generated from its option table; do not edit\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct opt *o = &v[i];
		fputs("complete -c mpsearch", f);
		if (o->info.short_name)
			fprintf(f, " -s %c", o->info.short_name);
		if (o->info.name)
			fprintf(f, " -l %s", o->info.name);
		if (is_when(o))
			fputs(" -x -a '" COLOR_WORDS "'", f);
		else if (is_file(o))
			fputs(" -r -F", f);
		else if (o->info.arg != MPS_ARG_NONE)
			fputs(" -x", f);
		if (o->desc[0]) {
			fputs(" -d '", f);
			quoted(f, o->desc, false);
			fputc('\'', f);
		}
		fputc('\n', f);
	}
}

int main(int argc, char **argv)
{
	static struct opt v[256];
	if (argc != 3) {
		fputs("usage: mpsearch-completions bash|zsh|fish OUTPUT\n", stderr);
		return 2;
	}
	static const char *const shells[] = {"bash", "zsh", "fish"};
	static void (*const gen[])(FILE *, const struct opt *, size_t) = {bash, zsh, fish};
	size_t k = 0;
	while (k < 3 && strcmp(argv[1], shells[k]))
		k++;
	if (k == 3) {
		fprintf(stderr, "mpsearch-completions: no shell '%s'\n", argv[1]);
		return 2;
	}
	size_t n = load(v, sizeof v / sizeof v[0]);
	FILE *f = fopen(argv[2], "w");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	gen[k](f, v, n);
	if (fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
