/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One variant translation unit: the ported kernel files and the harness, compiled
 * with BPORT_VARIANT_NAME naming the variant's table of entry points
 * (BPORT_VARIANT_NAME_ops, see harness.h). The package compiles the baseline this
 * way (variant_baseline.c); a variant built on demand is the same unit over the
 * kernel files with its patches applied.
 */
#ifndef BPORT_VARIANT_NAME
#error "define BPORT_VARIANT_NAME before including variant.h"
#endif

#if !CONFIG_CMA || !CONFIG_MEMORY_ISOLATION || !CONFIG_PAGE_REPORTING || !CONFIG_DEBUG_VM
#error "the port follows a kernel with CMA, memory isolation, page reporting and DEBUG_VM"
#endif

#define BPORT_MEMORY_MODEL 1

#include <errno.h>

#include "linux_instrumented.h"
#include "linux_stubs.h"
#include "linux_defs.h"
#include "harness.h"

struct capture_control;

#include "mm/page_alloc.h"
#include "mm/page_reporting.h"
#include "mm/page_alloc.c"
#include "mm/page_isolation.c"
#include "mm/page_reporting.c"
#include "harness_ops.h"
