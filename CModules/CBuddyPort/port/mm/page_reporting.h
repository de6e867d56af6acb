/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port of Linux 7.3 mm/page_reporting.h (CONFIG_PAGE_REPORTING=y). The static
 * key page_reporting_enabled and page_reporting_order are per zone, see
 * harness.h.
 */
#ifndef BPORT_MM_PAGE_REPORTING_H
#define BPORT_MM_PAGE_REPORTING_H

/* port: static, the port is one translation unit per variant */
static void __page_reporting_notify(void);

static inline bool page_reported(struct page *page)
{
	return static_branch_unlikely(&page_reporting_enabled) &&
	       PageReported(page);
}

static inline void page_reporting_notify_free(unsigned int order)
{
	if (!static_branch_unlikely(&page_reporting_enabled))
		return;

	if (order < page_reporting_order)
		return;

	__page_reporting_notify();
}

#endif /* BPORT_MM_PAGE_REPORTING_H */
