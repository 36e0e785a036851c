/* SPDX-License-Identifier: BSD-3-Clause */
/* A byte array as the read_at source of the frame splitter (decomp.h),
 * shared by test_decomp and fuzz_zframes. */
#ifndef MPSEARCH_TEST_MEM_SOURCE_H
#define MPSEARCH_TEST_MEM_SOURCE_H

#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct mem {
	const unsigned char *p;
	size_t n;
};

static inline ssize_t mem_read_at(void *ctx, uint64_t off, void *buf, size_t n)
{
	const struct mem *m = ctx;
	if (off >= m->n)
		return 0;
	size_t k = m->n - off < n ? (size_t)(m->n - off) : n;
	memcpy(buf, m->p + off, k);
	return (ssize_t)k;
}

#endif
