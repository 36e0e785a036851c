/* SPDX-License-Identifier: BSD-3-Clause */
/* Umbrella header for libmpsearch. */
#ifndef MPSEARCH_MPSEARCH_H
#define MPSEARCH_MPSEARCH_H

#include "mpsearch/buf.h"
#include "mpsearch/types.h"
#include "mpsearch/codec.h"
#include "mpsearch/error.h"
#include "mpsearch/opts.h"
#include "mpsearch/walk.h"
#include "mpsearch/plan.h"
#include "mpsearch/matcher.h"
#include "mpsearch/sink.h"
#include "mpsearch/search.h"
#include "mpsearch/decomp.h"
#include "mpsearch/print.h"
#include "mpsearch/pool.h"
#include "mpsearch/dist.h"
#include "mpsearch/run.h"

#endif
