/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: mps_opts_parse on an argv made from the input.
 *
 * Input: [0] bits: 1 stdin is a tty, 2 stdout is a tty, 4 no error buffer,
 * then the error buffer size (b >> 3); the rest is split at NUL bytes into
 * argv[1..] (argv[0] is "mpsearch"; at most 64 words).
 *
 * The parser must not crash, leak (LeakSanitizer) or read outside argv;
 * on success the options must be consistent, on failure the message must
 * be a terminated string inside the buffer.
 *
 * -f FILE opens files: open() is wrapped (-Wl,--wrap=open) so that only
 * the names "pats", "empty" and "nonl" exist (served from memfds); every
 * other name is ENOENT.  Standard input ("-f -") is /dev/null. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mpsearch/error.h"
#include "mpsearch/opts.h"

#include "fuzz_check.h"

int __real_open(const char *path, int flags, ...);

static int fixture(const char *content)
{
	int fd = memfd_create("fuzz_opts", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(content);
	if (write(fd, content, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int __wrap_open(const char *path, int flags, ...)
{
	(void)flags;
	if (strcmp(path, "pats") == 0)
		return fixture("foo\nbar\n\nbaz");
	if (strcmp(path, "empty") == 0)
		return fixture("");
	if (strcmp(path, "nonl") == 0)
		return fixture("a(b\\1");
	errno = ENOENT;
	return -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	int fd = __real_open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	return 0;
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void check_list(const struct mps_strlist *l, const char *what)
{
	CHECK(l->n == 0 || l->v != NULL, "%s: n %zu without v", what, l->n);
	CHECK(l->n == 0 || l->n < l->alloc, "%s: n %zu alloc %zu", what, l->n, l->alloc);
	for (size_t i = 0; i < l->n; i++)
		CHECK(l->v[i] != NULL, "%s[%zu] is NULL", what, i);
	CHECK(l->v == NULL || l->v[l->n] == NULL, "%s not NULL-terminated", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned bits = data[0];
	bool stdin_tty = bits & 1, stdout_tty = bits & 2, no_err = bits & 4;
	size_t errlen = bits >> 3; /* 0..31: small buffers truncate messages */
	data++;
	size_t n = size - 1;

	/* argv: words at NUL bytes, each its own heap copy (ASan sees overruns) */
	char *argv[66];
	int argc = 0;
	argv[argc++] = strdup("mpsearch");
	for (size_t a = 0; argc < 65;) {
		const uint8_t *z = memchr(data + a, 0, n - a);
		size_t e = z ? (size_t)(z - data) : n;
		char *w = malloc(e - a + 1);
		CHECK(w != NULL, "out of memory");
		memcpy(w, data + a, e - a);
		w[e - a] = 0;
		argv[argc++] = w;
		if (!z)
			break;
		a = e + 1;
	}
	argv[argc] = NULL;

	char *err = no_err ? NULL : malloc(errlen ? errlen : 1);
	if (err && errlen)
		memset(err, 'x', errlen);
	struct mps_opts o;
	int rc = mps_opts_parse(&o, argc, argv, stdin_tty, stdout_tty, err, no_err ? 0 : errlen);
	CHECK(rc == MPS_OPTS_RUN || rc == MPS_OPTS_HELP || rc == MPS_OPTS_VERSION ||
		      rc == MPS_EUSAGE || rc == -ENOMEM,
	      "unexpected return %d", rc);
	if (rc == MPS_EUSAGE && err && errlen)
		CHECK(terminated(err, errlen) && (errlen == 1 || err[0] != '\0'),
		      "usage error without a message");
	if (rc == MPS_OPTS_RUN) {
		check_list(&o.patterns, "patterns");
		check_list(&o.paths, "paths");
		check_list(&o.include, "include");
		check_list(&o.exclude, "exclude");
		check_list(&o.exclude_dir, "exclude_dir");
		CHECK(o.paths.n >= 1, "no path (a default should be added)");
		for (size_t i = 0; i < o.patterns.n; i++)
			CHECK(strchr(o.patterns.v[i], '\n') == NULL, "a pattern holds a newline");
		CHECK(o.max_count >= -1, "max_count %lld", (long long)o.max_count);
		CHECK(o.before >= 0 && o.after >= 0, "context %lld %lld", (long long)o.before,
		      (long long)o.after);
		CHECK(o.workers >= 0 && o.workers <= 65536, "workers %ld", o.workers);
		CHECK(o.chunk_size > 0, "chunk size 0");
		CHECK(o.output >= MPS_OUT_LINES && o.output <= MPS_OUT_JSON, "output %d", o.output);
		CHECK(o.syntax == MPS_FIXED || o.syntax == MPS_EXTENDED || o.syntax == MPS_PCRE ||
			      o.syntax == MPS_BASIC,
		      "syntax %d", o.syntax);
		CHECK(o.with_filename >= -1 && o.with_filename <= 1, "with_filename %d",
		      o.with_filename);
		CHECK(!o.output_file || *o.output_file, "empty --output accepted");
		if (o.output_file) {
			bool in_argv = false;
			for (int i = 0; i < argc; i++)
				in_argv |= o.output_file >= argv[i] &&
					   o.output_file <= argv[i] + strlen(argv[i]);
			CHECK(in_argv, "--output does not point into argv");
		}
		mps_opts_release(&o);
	} else {
		/* the parser released o itself; releasing again must be harmless */
		mps_opts_release(&o);
	}
	/* a second parse of the same argv gives the same answer (no hidden state) */
	struct mps_opts o2;
	int rc2 = mps_opts_parse(&o2, argc, argv, stdin_tty, stdout_tty, NULL, 0);
	CHECK(rc2 == rc, "second parse %d, first %d", rc2, rc);
	mps_opts_release(&o2);

	free(err);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
