/* SPDX-License-Identifier: BSD-3-Clause */
/* CHECK for the fuzz targets: a failed invariant names itself and aborts,
 * which libFuzzer reports as a crash with the input saved. */
#ifndef MPSEARCH_FUZZ_CHECK_H
#define MPSEARCH_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                           \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s: check failed: %s (line %d): ", __FILE__, \
				#cond, __LINE__);                                  \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)

#endif
