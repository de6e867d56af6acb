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
	const struct bport_ops *ops;	/* the variant the zone runs */
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
	struct page_reporting_dev_info *pr_dev_info;
	struct page_reporting_dev_info prdev;

	/* the device's delayed work: queued, runs when the guest idles */
	bool work_queued;

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

/*
 * The entry points of one variant: a variant translation unit (variant.h) defines one
 * table, api.c calls through it. A variant built apart from the package is accepted
 * only when its table has this ABI and its zone this size.
 */
#define BPORT_OPS_ABI	1

struct bport_ops {
	uint32_t abi;
	uint32_t zone_bytes;
	int (*boot)(struct bport_zone *z, const uint8_t *migratetypes);
	int (*alloc)(struct bport_zone *z, unsigned int order, int migratetype,
		     unsigned int flags, uint64_t *pfn_out);
	int (*free)(struct bport_zone *z, uint64_t pfn, unsigned int order);
	int (*isolate)(struct bport_zone *z, uint64_t pageblock);
	int (*unisolate)(struct bport_zone *z, uint64_t pageblock);
	int (*idle)(struct bport_zone *z);
};

/* The variant compiled into the package (variant_baseline.c). */
extern const struct bport_ops bport_baseline_ops;

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

/* for_each_zone(): the one zone of the call */
#define for_each_zone(zone)	for (zone = &port_cur->zone; zone; zone = NULL)

/* The reporting pass's scatterlist is the zone's, sized for its capacity. */
#define kmalloc_objs(obj, n)	((n) <= port_cur->prdev.capacity ? port_cur->sgl : NULL)
#define kfree(p)		((void)(p))

/*
 * The delayed work of the reporting device is queued on the zone; it runs when the
 * guest idles for the delay (PORT_FN(idle) in harness_ops.h), not in the middle of
 * an operation.
 */
#define system_freezable_wq	NULL
#define queue_delayed_work(wq, dwork, delay)	port_queue_delayed_work(dwork)

static inline bool port_queue_delayed_work(struct delayed_work *dwork)
{
	(void)dwork;
	if (port_cur->work_queued)
		return false;
	port_cur->work_queued = true;
	return true;
}

static __maybe_unused void port_violation(const char *check, const char *condition,
			   const char *file, const char *function, int line,
			   const struct page *page)
{
	struct bport_zone *z = port_cur;

	if (z->nr_violations < BPORT_VIOLATIONS_KEPT) {
		struct bport_violation *v = &z->violations[z->nr_violations];

		v->check = check;
		v->condition = condition;
		v->file = file;
		v->function = function;
		v->line = line;
		v->pfn = page ? (int64_t)page_to_pfn(page) : -1;
	}
	z->nr_violations++;
}

static __maybe_unused void port_bad_page(struct page *page, const char *reason,
			  const char *file, const char *function, int line)
{
	port_violation("bad_page", reason, file, function, line, page);
	if (PageBuddy(page))
		__ClearPageBuddy(page);
}

#endif /* BPORT_MEMORY_MODEL */
