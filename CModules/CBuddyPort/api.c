// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exported C API: argument checks, zone lifetime, calls into a variant through
 * its table of entry points, and read-only views of a zone's state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BPORT_MEMORY_MODEL 1

#include "port/linux_instrumented.h"
#include "port/linux_stubs.h"
#include "port/linux_defs.h"
#include "port/harness.h"

/* The geometry has fields of these names; api.c never runs kernel code. */
#undef pageblock_order
#undef page_reporting_order

const struct bport_ops *bport_baseline(void)
{
	return &bport_baseline_ops;
}

int bport_ops_check(const struct bport_ops *ops)
{
	if (!ops || ops->abi != BPORT_OPS_ABI || ops->zone_bytes != sizeof(struct bport_zone))
		return BPORT_EVARIANT;
	if (!ops->boot || !ops->alloc || !ops->free || !ops->isolate || !ops->unisolate ||
	    !ops->idle)
		return BPORT_EVARIANT;
	return BPORT_OK;
}

static int check_geometry(const struct bport_geometry *g)
{
	uint32_t i;

	if (!g || g->nr_pageblocks < 1)
		return BPORT_EGEOMETRY;
	if (g->max_page_order > BPORT_ORDER_LIMIT ||
	    g->pageblock_order > g->max_page_order ||
	    g->page_reporting_order > g->max_page_order)
		return BPORT_EGEOMETRY;
	if (g->reporting_capacity < 1 || g->reporting_capacity > BPORT_CAPACITY_LIMIT)
		return BPORT_EGEOMETRY;
	if ((uint64_t)g->nr_pageblocks << g->pageblock_order > BPORT_PAGE_LIMIT)
		return BPORT_EGEOMETRY;
	if (g->initial_migratetypes) {
		for (i = 0; i < g->nr_pageblocks; i++) {
			uint8_t mt = g->initial_migratetypes[i];

			if (mt != MIGRATE_UNMOVABLE && mt != MIGRATE_MOVABLE &&
			    mt != MIGRATE_RECLAIMABLE && mt != MIGRATE_CMA)
				return BPORT_EGEOMETRY;
		}
	}
	return BPORT_OK;
}

struct bport_zone *bport_zone_create(const struct bport_ops *variant,
				     const struct bport_geometry *g, int *status)
{
	struct bport_zone *z;
	unsigned long zone_pages, max_block, bitmap_words;
	int ret, dummy;

	if (!status)
		status = &dummy;
	ret = bport_ops_check(variant);
	if (ret == BPORT_OK)
		ret = check_geometry(g);
	if (ret != BPORT_OK) {
		*status = ret;
		return NULL;
	}

	z = calloc(1, sizeof(*z));
	if (!z) {
		*status = BPORT_ESYSTEM;
		return NULL;
	}
	zone_pages = (unsigned long)g->nr_pageblocks << g->pageblock_order;
	max_block = 1UL << g->max_page_order;
	z->ops = variant;
	z->nr_pageblocks = g->nr_pageblocks;
	z->nr_memmap = (zone_pages + max_block - 1) / max_block * max_block;
	z->pb_order = g->pageblock_order;
	z->max_order = g->max_page_order;
	z->pr_order = g->page_reporting_order;
	z->prdev.capacity = g->reporting_capacity;
	z->prdev.order = g->page_reporting_order;

	bitmap_words = (z->nr_memmap >> g->pageblock_order) * NR_PAGEBLOCK_BITS /
		       BITS_PER_LONG + 1;
	z->mem_map = calloc(z->nr_memmap, sizeof(struct page));
	z->zone.pageblock_flags = calloc(bitmap_words, sizeof(unsigned long));
	z->alloc_order = calloc(z->nr_memmap, 1);
	z->ranges = calloc(g->reporting_capacity, sizeof(struct bport_range));
	z->sgl = calloc(g->reporting_capacity, sizeof(struct scatterlist));
	if (!z->mem_map || !z->zone.pageblock_flags || !z->alloc_order ||
	    !z->ranges || !z->sgl) {
		bport_zone_destroy(z);
		*status = BPORT_ESYSTEM;
		return NULL;
	}

	ret = z->ops->boot(z, g->initial_migratetypes);
	*status = ret;
	return z;
}

void bport_zone_destroy(struct bport_zone *z)
{
	if (!z)
		return;
	free(z->mem_map);
	free(z->zone.pageblock_flags);
	free(z->alloc_order);
	free(z->ranges);
	free(z->sgl);
	free(z);
}

static unsigned long zone_pages(const struct bport_zone *z)
{
	return z->nr_pageblocks << z->pb_order;
}

int bport_alloc(struct bport_zone *z, uint32_t order, uint32_t migratetype,
		uint32_t alloc_flags, uint64_t *pfn)
{
	uint64_t dummy;

	if (z->in_pass)
		return BPORT_EREENTERED;
	if (order > z->max_order)
		return BPORT_EORDER;
	if (migratetype >= MIGRATE_PCPTYPES)
		return BPORT_EMIGRATETYPE;
	if (alloc_flags & ~(uint32_t)(BPORT_ALLOC_NOFRAGMENT | BPORT_ALLOC_CMA))
		return BPORT_EFLAGS;
	if ((alloc_flags & BPORT_ALLOC_CMA) && migratetype != MIGRATE_MOVABLE)
		return BPORT_EFLAGS;
	return z->ops->alloc(z, order, (int)migratetype, alloc_flags, pfn ? pfn : &dummy);
}

int bport_free(struct bport_zone *z, uint64_t pfn, uint32_t order)
{
	if (z->in_pass)
		return BPORT_EREENTERED;
	if (pfn >= zone_pages(z))
		return BPORT_EPFN;
	if (order > z->max_order)
		return BPORT_EORDER;
	if (pfn & ((1UL << order) - 1))
		return BPORT_EALIGN;
	return z->ops->free(z, pfn, order);
}

int bport_isolate(struct bport_zone *z, uint64_t pageblock)
{
	if (z->in_pass)
		return BPORT_EREENTERED;
	if (pageblock >= z->nr_pageblocks)
		return BPORT_EPAGEBLOCK;
	return z->ops->isolate(z, pageblock);
}

int bport_unisolate(struct bport_zone *z, uint64_t pageblock)
{
	if (z->in_pass)
		return BPORT_EREENTERED;
	if (pageblock >= z->nr_pageblocks)
		return BPORT_EPAGEBLOCK;
	return z->ops->unisolate(z, pageblock);
}

int bport_idle(struct bport_zone *z, bport_report_fn report, void *ctx)
{
	int ret;

	if (z->in_pass)
		return BPORT_EREENTERED;
	if (!report)
		return BPORT_EFLAGS;
	z->report = report;
	z->report_ctx = ctx;
	z->in_pass = true;
	ret = z->ops->idle(z);
	z->in_pass = false;
	z->report = NULL;
	z->report_ctx = NULL;
	return ret;
}

int bport_set_owned_page_flags(struct bport_zone *z, uint64_t pfn, uint64_t flags)
{
	const uint64_t owned = 1ul << BPORT_PG_locked | 1ul << BPORT_PG_referenced |
			       1ul << BPORT_PG_uptodate | 1ul << BPORT_PG_dirty |
			       1ul << BPORT_PG_lru | 1ul << BPORT_PG_reserved |
			       1ul << BPORT_PG_private;
	unsigned int order;

	if (z->in_pass)
		return BPORT_EREENTERED;
	if (pfn >= zone_pages(z))
		return BPORT_EPFN;
	if (flags & ~owned)
		return BPORT_EFLAGS;
	/* the live allocation holding pfn starts at pfn rounded down to its order */
	for (order = 0; order <= z->max_order; order++) {
		uint64_t head = pfn & ~((1ul << order) - 1);

		if (z->alloc_order[head] == order + 1) {
			z->mem_map[pfn].flags.f |= flags;
			return BPORT_OK;
		}
	}
	return BPORT_ENOTALLOCATED;
}

int bport_reporting_state(const struct bport_zone *z)
{
	return atomic_read(&z->prdev.state);
}

bool bport_reporting_work_queued(const struct bport_zone *z)
{
	return z->work_queued;
}

uint64_t bport_zone_pages(const struct bport_zone *z)
{
	return zone_pages(z);
}

uint64_t bport_zone_pageblocks(const struct bport_zone *z)
{
	return z->nr_pageblocks;
}

uint32_t bport_zone_max_order(const struct bport_zone *z)
{
	return z->max_order;
}

uint64_t bport_read_page_range(const struct bport_zone *z, uint64_t start,
			       uint64_t count, struct bport_page_state *out)
{
	unsigned long pfn, n = zone_pages(z), end;

	if (start >= n)
		return 0;
	end = count > n - start ? n : start + count;
	for (pfn = start; pfn < end; pfn++) {
		const struct page *page = &z->mem_map[pfn];

		out[pfn - start].flags = page->flags.f;
		out[pfn - start].order = (uint32_t)page->private;
		out[pfn - start].buddy = PageBuddy(page);
	}
	return end - start;
}

void bport_read_pages(const struct bport_zone *z, struct bport_page_state *out)
{
	bport_read_page_range(z, 0, zone_pages(z), out);
}

void bport_read_pageblocks(const struct bport_zone *z,
			   struct bport_pageblock_state *out)
{
	unsigned long pb;

	for (pb = 0; pb < z->nr_pageblocks; pb++) {
		unsigned long bitidx = pb * NR_PAGEBLOCK_BITS;
		unsigned long word = z->zone.pageblock_flags[bitidx / BITS_PER_LONG];
		unsigned long bits = word >> (bitidx % BITS_PER_LONG);

		out[pb].migratetype = bits & PAGEBLOCK_MIGRATETYPE_MASK;
		out[pb].isolated = (bits & PAGEBLOCK_ISO_MASK) != 0;
	}
}

uint64_t bport_read_free_list(const struct bport_zone *z, uint32_t order,
			      uint32_t migratetype, uint64_t *out, uint64_t cap)
{
	const struct list_head *head, *pos;
	uint64_t n = 0;

	if (order > z->max_order || migratetype >= MIGRATE_TYPES)
		return 0;
	head = &z->zone.free_area[order].free_list[migratetype];
	for (pos = head->next; pos != head; pos = pos->next) {
		const struct page *page = list_entry(pos, struct page, buddy_list);

		if (n < cap)
			out[n] = (uint64_t)(page - z->mem_map);
		n++;
	}
	return n;
}

void bport_read_counters(const struct bport_zone *z, struct bport_counters *out)
{
	unsigned int order;

	memset(out, 0, sizeof(*out));
	out->nr_free_pages = z->zone.vm_stat[NR_FREE_PAGES];
	out->nr_free_pages_blocks = z->zone.vm_stat[NR_FREE_PAGES_BLOCKS];
	out->nr_free_cma_pages = z->zone.vm_stat[NR_FREE_CMA_PAGES];
	out->nr_free_highatomic = (int64_t)z->zone.nr_free_highatomic;
	out->nr_isolate_pageblock = (int64_t)z->zone.nr_isolate_pageblock;
	for (order = 0; order <= z->max_order; order++)
		out->nr_free[order] = z->zone.free_area[order].nr_free;
}

/* A list pointer as bport_read_list_links() names it; INT64_MIN when it is neither. */
static int64_t list_position(const struct bport_zone *z, const struct list_head *at)
{
	const char *lists = (const char *)&z->zone.free_area[0];
	unsigned long n = zone_pages(z);
	unsigned int order, mt;

	if (at >= &z->mem_map[0].buddy_list && at <= &z->mem_map[n - 1].buddy_list) {
		const struct page *page = list_entry(at, struct page, buddy_list);

		return page - z->mem_map;
	}
	if ((const char *)at >= lists && (const char *)at < (const char *)&z->zone.free_area[z->max_order + 1]) {
		for (order = 0; order <= z->max_order; order++)
			for (mt = 0; mt < MIGRATE_TYPES; mt++)
				if (at == &z->zone.free_area[order].free_list[mt])
					return -1 - (int64_t)(order * MIGRATE_TYPES + mt);
	}
	return INT64_MIN;
}

int bport_read_list_links(const struct bport_zone *z, uint64_t pfn, int64_t *before,
			  int64_t *after)
{
	const struct page *page;

	if (pfn >= zone_pages(z))
		return BPORT_EPFN;
	page = &z->mem_map[pfn];
	if (!PageBuddy(page))
		return BPORT_ENOFREEBLOCK;
	*before = list_position(z, page->buddy_list.prev);
	*after = list_position(z, page->buddy_list.next);
	return BPORT_OK;
}

int bport_read_list_ends(const struct bport_zone *z, uint32_t order, uint32_t migratetype,
			 int64_t *first, int64_t *last)
{
	const struct list_head *head;

	if (order > z->max_order || migratetype >= MIGRATE_TYPES)
		return BPORT_EORDER;
	head = &z->zone.free_area[order].free_list[migratetype];
	*first = head->next == head ? -1 : list_position(z, head->next);
	*last = head->prev == head ? -1 : list_position(z, head->prev);
	return BPORT_OK;
}

uint64_t bport_encode_state(const struct bport_zone *z, int64_t *out, uint64_t cap)
{
	unsigned long pfn, pb, n = zone_pages(z);
	unsigned int order, mt;
	uint64_t at = 0;

#define EMIT(v) do { if (at < cap) out[at] = (int64_t)(v); at++; } while (0)
	EMIT(z->zone.vm_stat[NR_FREE_PAGES]);
	EMIT(z->zone.vm_stat[NR_FREE_PAGES_BLOCKS]);
	EMIT(z->zone.vm_stat[NR_FREE_CMA_PAGES]);
	EMIT(z->zone.nr_free_highatomic);
	EMIT(z->zone.nr_isolate_pageblock);
	for (order = 0; order <= z->max_order; order++)
		EMIT(z->zone.free_area[order].nr_free);
	for (pb = 0; pb < z->nr_pageblocks; pb++) {
		unsigned long bitidx = pb * NR_PAGEBLOCK_BITS;
		unsigned long bits = z->zone.pageblock_flags[bitidx / BITS_PER_LONG] >>
				     (bitidx % BITS_PER_LONG);

		EMIT((bits & PAGEBLOCK_MIGRATETYPE_MASK) |
		     ((bits & PAGEBLOCK_ISO_MASK) ? 8 : 0));
	}
	for (pfn = 0; pfn < n; pfn++) {
		const struct page *page = &z->mem_map[pfn];

		EMIT((page->flags.f << 16) | (PageBuddy(page) ? 0x100 : 0) |
		     page->private);
	}
	for (order = 0; order <= z->max_order; order++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct list_head *head = &z->zone.free_area[order].free_list[mt];
			const struct list_head *pos;
			uint64_t count_at = at;

			EMIT(0);
			for (pos = head->next; pos != head; pos = pos->next) {
				EMIT(list_entry(pos, struct page, buddy_list) - z->mem_map);
				if (count_at < cap)
					out[count_at]++;
			}
		}
	}
#undef EMIT
	return at;
}

int bport_allocation_order(const struct bport_zone *z, uint64_t pfn)
{
	if (pfn >= zone_pages(z))
		return -1;
	return (int)z->alloc_order[pfn] - 1;
}

uint64_t bport_violation_count(const struct bport_zone *z)
{
	return z->nr_violations;
}

bool bport_violation_at(const struct bport_zone *z, uint64_t index,
			struct bport_violation *out)
{
	if (index >= z->nr_violations || index >= BPORT_VIOLATIONS_KEPT)
		return false;
	*out = z->violations[index];
	return true;
}

void bport_clear_violations(struct bport_zone *z)
{
	z->nr_violations = 0;
}
