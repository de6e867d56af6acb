/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness around the ported code: one struct bport_zone holds a zone, its
 * memory map, its pageblock bitmap, its page reporting device and the values the
 * kernel keeps in globals (pageblock_order, MAX_PAGE_ORDER, page_reporting_order,
 * the page_reporting_enabled static key). The kernel code reaches them through
 * port_cur, the zone the current call into the port works on.
 *
 * Memory model: FLATMEM over the zone, pfn 0 at mem_map[0]. The map is padded
 * up to a multiple of MAX_ORDER_NR_PAGES with reserved pages of no zone, as
 * memory holes are in the kernel, so buddy arithmetic never leaves it.
 */
#ifndef BPORT_HARNESS_H
#define BPORT_HARNESS_H

#include <stdlib.h>

struct bport_zone {
	enum bport_variant variant;
	struct zone zone;
	struct page *mem_map;
	unsigned long nr_memmap;	/* padded size of mem_map */
	unsigned long nr_pageblocks;

	/* kernel globals, per zone */
	unsigned int pb_order;		/* pageblock_order */
	unsigned int max_order;		/* MAX_PAGE_ORDER */
	unsigned int pr_order;		/* page_reporting_order */
	bool reporting_key;		/* page_reporting_enabled */
	bool check_pages_key;		/* check_pages_enabled */
	struct page_reporting_dev_info prdev;

	/* live allocations: order + 1 at the head pfn, 0 elsewhere */
	unsigned char *alloc_order;

	/* the host's report() for the pass under way */
	bport_report_fn report;
	void *report_ctx;
	bool in_pass;
	struct bport_range *ranges;
	struct scatterlist *sgl;

	/* recorded violations */
	struct bport_violation violations[BPORT_VIOLATIONS_KEPT];
	unsigned long nr_violations;
};

struct scatterlist;

/* The entry points each variant translation unit defines (harness_ops.h). */
#define BPORT_DECLARE_VARIANT(v)						\
	int v##_boot(struct bport_zone *z, const uint8_t *migratetypes);		\
	int v##_alloc(struct bport_zone *z, unsigned int order, int migratetype,	\
		      unsigned int flags, uint64_t *pfn_out);			\
	int v##_free(struct bport_zone *z, uint64_t pfn, unsigned int order);	\
	int v##_isolate(struct bport_zone *z, uint64_t pageblock);		\
	int v##_unisolate(struct bport_zone *z, uint64_t pageblock);		\
	int v##_report_pass(struct bport_zone *z, struct scatterlist *sgl);	\
	int v##_probe_split_reported(struct bport_zone *z, uint64_t pfn);	\
	void v##_probe_enable(int on);						\
	void v##_probe_reset(void);						\
	int v##_probe_read(int file, int line, uint64_t *hits, uint64_t *trues);

BPORT_DECLARE_VARIANT(bport_baseline)
BPORT_DECLARE_VARIANT(bport_patched)

#endif /* BPORT_HARNESS_H */

#ifdef BPORT_MEMORY_MODEL
/* The memory model, the per-zone tunables and the violation log. */

static __maybe_unused _Thread_local struct bport_zone *port_cur;

#define pageblock_order		(port_cur->pb_order)
#define MAX_PAGE_ORDER		(port_cur->max_order)
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define page_reporting_order	(port_cur->pr_order)
#define page_reporting_enabled	(port_cur->reporting_key)
#define check_pages_enabled	(port_cur->check_pages_key)
#define static_branch_unlikely(key)	(*(key))

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return port_cur->mem_map + pfn;
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - port_cur->mem_map);
}

static inline struct zone *page_zone(const struct page *page)
{
	(void)page;
	return &port_cur->zone;
}

/* 0 for pages of the zone, 1 for the padding that belongs to no zone */
static inline int page_zone_id(struct page *page)
{
	return !zone_spans_pfn(&port_cur->zone, page_to_pfn(page));
}

static inline int page_to_nid(const struct page *page)
{
	(void)page;
	return 0;
}

static inline int zone_to_nid(const struct zone *zone)
{
	(void)zone;
	return 0;
}

static __maybe_unused void port_violation(const char *check, const char *condition,
			   const char *function, int line,
			   const struct page *page)
{
	struct bport_zone *z = port_cur;

	if (z->nr_violations < BPORT_VIOLATIONS_KEPT) {
		struct bport_violation *v = &z->violations[z->nr_violations];

		v->check = check;
		v->condition = condition;
		v->function = function;
		v->line = line;
		v->pfn = page ? (int64_t)page_to_pfn(page) : -1;
	}
	z->nr_violations++;
}

static __maybe_unused void port_bad_page(struct page *page, const char *reason,
			  const char *function, int line)
{
	port_violation("bad_page", reason, function, line, page);
	if (PageBuddy(page))
		__ClearPageBuddy(page);
}

#endif /* BPORT_MEMORY_MODEL */
