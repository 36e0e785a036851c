/* SPDX-License-Identifier: BSD-3-Clause */
/* Words for error codes (see the contract in mpsearch/error.h). */
#include "mpsearch/error.h"

#include <limits.h>
#include <string.h>

const char *mps_strerror(int code)
{
	switch (code) {
	case MPS_EUSAGE:
		return "usage error";
	case MPS_EPATTERN:
		return "invalid pattern";
	case MPS_ECORRUPT:
		return "corrupt message";
	case MPS_EWORKER:
		return "worker process died twice on this unit";
	case MPS_ETRUNC:
		return "file changed while being searched";
	case MPS_ELOOP:
		return "recursive directory loop";
	case MPS_EPEER:
		return "another rank failed";
	case MPS_ESPLIT:
		return "file must be split";
	case MPS_ELIMIT:
		return "exceeded PCRE's backtracking limit";
	case MPS_EOUTPUT:
		return "write error";
	case MPS_EZDATA:
		return "compressed data is corrupt";
	case MPS_EZTRUNC:
		return "unexpected end of compressed data";
	case MPS_EZMEM:
		return "compressed data needs more memory than allowed";
	case MPS_ELINE:
		return "line too long in decompressed data";
	case MPS_ECHANGED:
		return "changed while searched";
	case MPS_EINOUT:
		return "input file is also the output";
	case MPS_ETEMP:
		return "cannot write a temporary file";
	case MPS_ESKIP:
		return "not a regular file";
	default:
		break;
	}
	if (code == INT_MIN) /* -code would overflow */
		return "unknown error";
	/* glibc's strerror returns constant text for known errno values and a
	 * thread-local buffer for unknown ones. */
	return strerror(code < 0 ? -code : code);
}
