/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations the kernel's headers (include/linux/mmzone.h, mm/internal.h)
 * make for functions the port defines static in mm/page_alloc.c.
 */
#ifndef BPORT_MM_PAGE_ALLOC_H
#define BPORT_MM_PAGE_ALLOC_H

static bool zone_watermark_ok(struct zone *z, unsigned int order,
			      unsigned long mark, int highest_zoneidx,
			      unsigned int alloc_flags);

#endif /* BPORT_MM_PAGE_ALLOC_H */
