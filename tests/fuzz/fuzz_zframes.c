/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the frame splitter (zframe.c) on arbitrary files.
 *
 * Input layout: [0] bit 0: walk as zstd (1) or gzip/BGZF (0), bit 2: as
 * bzip2; [1] chunk size (1 + b, or 1 + 16 * b with bit 1 of [0]); the rest
 * is the file.
 *
 * The file is cut into chunks [k*c, (k+1)*c), the last one open-ended as
 * the planner makes them, and each is given to mps_zframes.  The parts
 * must tile the file: part 0 starts at 0, each part starts where the one
 * before stops, the last stops at the end; a start is at or after its
 * range's begin and a stop at or after its end (or both are the file's
 * end); a walk from a frame start finds that same start; reads stay inside the file (an exact-size heap
 * copy: ASan sees a one-byte overrun).  mps_zsniff must not read past n. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "mpsearch/decomp.h"

#include "fuzz_check.h"
#include "../unit/mem_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum mps_zformat fmt = data[0] & 4 ? MPS_Z_BZIP2 : data[0] & 1 ? MPS_Z_ZSTD : MPS_Z_GZIP;
	uint64_t chunk = data[0] & 2 ? 1 + 16u * data[1] : 1u + data[1];
	size_t n = size - 2;
	unsigned char *file = malloc(n ? n : 1);
	if (!file)
		return 0;
	memcpy(file, data + 2, n);
	struct mem m = {file, n};
	(void)mps_zsniff(file, n < MPS_ZSNIFF ? n : MPS_ZSNIFF, true);

	uint64_t prev_stop = 0;
	for (uint64_t b = 0;; b += chunk) {
		bool last = b + chunk >= n;
		uint64_t e = last ? UINT64_MAX : b + chunk, start, stop;
		int rc = mps_zframes(fmt, mem_read_at, &m, n, b, e, &start, &stop);
		CHECK(rc == 0, "rc %d", rc);
		CHECK(start == prev_stop, "part at %llu starts at %llu, the one before stops at %llu",
		      (unsigned long long)b, (unsigned long long)start, (unsigned long long)prev_stop);
		CHECK(start <= stop && stop <= n, "start %llu stop %llu size %zu",
		      (unsigned long long)start, (unsigned long long)stop, n);
		CHECK(start >= b || start == n, "start %llu before begin %llu", (unsigned long long)start,
		      (unsigned long long)b);
		CHECK(stop >= e || stop == n, "stop %llu before end %llu", (unsigned long long)stop,
		      (unsigned long long)e);
		if (start < n) {
			uint64_t s2, t2;
			CHECK(mps_zframes(fmt, mem_read_at, &m, n, start, start + 1, &s2, &t2) == 0, "rc");
			CHECK(s2 == start && t2 > start, "a walk from frame start %llu finds %llu..%llu",
			      (unsigned long long)start, (unsigned long long)s2, (unsigned long long)t2);
		}
		prev_stop = stop;
		if (last)
			break;
	}
	CHECK(prev_stop == n, "the last part stops at %llu, not %zu", (unsigned long long)prev_stop, n);
	free(file);
	return 0;
}
