/* SPDX-License-Identifier: BSD-3-Clause */
/* The progress bar of the program (not of the library: the library never
 * prints).  The bar lives on standard error.  When the results go to that
 * same terminal, they are relayed through a pipe by a thread that erases
 * the bar before it writes results and draws it again after a whole line,
 * so that no result line ever carries bar text.  Diagnostics erase it
 * too.  All calls are thread-safe. */
#ifndef MPSEARCH_PROGRESS_H
#define MPSEARCH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Does standard output go to the terminal standard error is on? */
bool mps_progress_shared_tty(void);

/* Start showing progress; shared: the results share the terminal (then
 * standard output becomes the relay's pipe).  0 or -errno. */
int mps_progress_start(bool shared);
/* Draw the bar: done of total bytes (total 0: not known yet), files. */
void mps_progress_draw(uint64_t done, uint64_t total, uint64_t files);
/* Erase the bar before a diagnostic goes to standard error. */
void mps_progress_clear(void);
/* Wait for the relay to write every result and leave the last bar on its
 * own line.  0, or -errno when writing results to the terminal failed. */
int mps_progress_finish(void);

#endif
