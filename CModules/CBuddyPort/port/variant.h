/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One variant translation unit: the ported kernel files and the harness,
 * compiled with BPORT_SEED_PATCH set to 0 (baseline) or 1 (patched) and
 * BPORT_VARIANT_NAME naming the entry points.
 */
#ifndef BPORT_SEED_PATCH
#error "define BPORT_SEED_PATCH before including variant.h"
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

/*
 * Line probes (linux_instrumented.h) on the calls the seed's hunks make, and on two
 * calls that count loop iterations (set_page_guard in expand, pfn_to_page in
 * split_large_buddy). A parenthesised name calls the function itself.
 */
#define PageReported(page)		PORT_PROBE((PageReported)(page))
#define __SetPageReported(page)		((void)PORT_PROBE(1), (__SetPageReported)(page))
#define set_page_guard(zone, page, order) \
	((void)PORT_PROBE(1), (set_page_guard)(zone, page, order))
#define pfn_to_page(pfn)		((void)PORT_PROBE(1), (pfn_to_page)(pfn))

/* Port file indices of the probes: see bport_probe_file(). */
#define PORT_FILE_ID 1
#include "mm/page_alloc.h"
#include "mm/page_reporting.h"
#define page_reported(page)		PORT_PROBE((page_reported)(page))
#undef PORT_FILE_ID
#define PORT_FILE_ID 0
#include "mm/page_alloc.c"
#undef PORT_FILE_ID
#define PORT_FILE_ID 3
#include "mm/page_isolation.c"
#undef PORT_FILE_ID
#define PORT_FILE_ID 2
#include "mm/page_reporting.c"
#undef PORT_FILE_ID
#define PORT_FILE_ID 4
#include "harness_ops.h"
