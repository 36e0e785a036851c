/* SPDX-License-Identifier: BSD-3-Clause */
/* mpsearch error contract.
 *
 * Every library function that can fail returns 0 on success and a negative
 * code on failure: either -errno (for system errors) or one of the MPS_E*
 * values below.  Constructors (`*_new`) return NULL and set errno instead.
 * mps_strerror() turns any such code into words.  Library code never prints,
 * never exits and never aborts an MPI job: the driver reports.
 */
#ifndef MPSEARCH_ERROR_H
#define MPSEARCH_ERROR_H

enum {
	MPS_EUSAGE = -10000, /* bad command line */
	MPS_EPATTERN,        /* pattern does not compile */
	MPS_ECORRUPT,        /* a packed message or block failed validation */
	MPS_EWORKER,         /* a unit killed two workers */
	MPS_ETRUNC,          /* file changed size while being searched */
	MPS_ELOOP,           /* recursive directory loop (-R) */
	MPS_EPEER,           /* another MPI rank failed */
	MPS_EOUTPUT,         /* writing results failed */
	MPS_ESPLIT,          /* internal: the file is bigger than a chunk, split it */
	MPS_ELIMIT,          /* a PCRE2 match or depth limit was hit */
	MPS_EZDATA,          /* compressed data is corrupt */
	MPS_EZTRUNC,         /* compressed data ends too early */
	MPS_EZMEM,           /* compressed data needs more memory than allowed */
	MPS_ELINE,           /* a decoded line is longer than the limit */
	MPS_ECHANGED,        /* a split file was not the same file for all its parts */
	MPS_EINOUT,          /* an input file is also the output (standard output) */
	MPS_ETEMP,           /* a temporary file failed (already reported by name) */
	MPS_ESKIP,           /* internal: no longer a file the walk would search, skip it */
};

/* Words for a code returned by the library (negative) or errno (positive). */
const char *mps_strerror(int code);

#endif
