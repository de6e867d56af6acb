/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness side of a variant translation unit: boot, and the operations the
 * C API offers, each entered with port_cur set to its zone. They call the
 * ported kernel functions the way the kernel's own callers do (rmqueue_buddy,
 * __free_pages_ok, start/undo_isolate_page_range, page_reporting_process),
 * without per-cpu lists, locks, watermark checks of the allocation fast path
 * or compaction. Arguments were validated by api.c; state-dependent refusals
 * (not allocated, already isolated) are decided here, before any change.
 */

#define PORT_CAT2(a, b)		a##_##b
#define PORT_CAT(a, b)		PORT_CAT2(a, b)
#define PORT_FN(name)		PORT_CAT(BPORT_VARIANT_NAME, name)

#define PORT_ENTER(z)	struct bport_zone *port_saved__ = port_cur; port_cur = (z)
#define PORT_LEAVE()	(port_cur = port_saved__)

static int port_host_report(struct page_reporting_dev_info *prdev,
			    struct scatterlist *sgl, unsigned int nents)
{
	struct bport_zone *z = container_of(prdev, struct bport_zone, prdev);
	unsigned int i;
	int rc;

	for (i = 0; i < nents; i++) {
		z->ranges[i].pfn = page_to_pfn(sg_page(&sgl[i]));
		z->ranges[i].order = get_order(sgl[i].length);
	}
	rc = z->report(z->report_ctx, z->ranges, nents);
	port_cur = z;
	return rc ? -EIO : 0;
}

/* memmap_init_range(), then memblock_free_all() handing the zone to the buddy */
int PORT_FN(boot)(struct bport_zone *z, const uint8_t *migratetypes)
{
	struct zone *zone = &z->zone;
	unsigned long zone_pages = z->nr_pageblocks << z->pb_order;
	unsigned long pfn, order, i;

	PORT_ENTER(z);
	zone->name = "Normal";
	zone->zone_start_pfn = 0;
	zone->spanned_pages = zone_pages;
	zone->present_pages = zone_pages;
	zone->managed_pages = zone_pages;
	zone->initialized = 1;
	zone->contiguous = true;
	for (order = 0; order <= BPORT_ORDER_LIMIT; order++) {
		for (i = 0; i < MIGRATE_TYPES; i++)
			INIT_LIST_HEAD(&zone->free_area[order].free_list[i]);
		zone->free_area[order].nr_free = 0;
	}

	for (pfn = 0; pfn < z->nr_memmap; pfn++) {
		struct page *page = pfn_to_page(pfn);

		page->flags.f = 0;
		page->page_type = UINT_MAX;
		page->mapping = NULL;
		page->private = 0;
		set_page_count(page, 1);
		INIT_LIST_HEAD(&page->lru);
		if (pfn >= zone_pages)
			SetPageReserved(page);
	}

	for (i = 0; i < z->nr_pageblocks; i++)
		init_pageblock_migratetype(pfn_to_page(i << pageblock_order),
				migratetypes ? migratetypes[i] : MIGRATE_MOVABLE,
				false);

	z->prdev.report = port_host_report;
	z->prdev.capacity = z->prdev.capacity ? z->prdev.capacity : 32;
	z->prdev.order = page_reporting_order;
	atomic_set(&z->prdev.state, PAGE_REPORTING_IDLE);
	page_reporting_enabled = true;
	check_pages_enabled = true;

	/* __free_pages_memory(): the largest aligned chunks, lowest pfn first */
	for (pfn = 0; pfn < zone_pages; pfn += 1UL << order) {
		struct page *page = pfn_to_page(pfn);

		order = pfn ? min((unsigned long)MAX_PAGE_ORDER, __ffs(pfn))
			    : MAX_PAGE_ORDER;
		while (pfn + (1UL << order) > zone_pages)
			order--;
		/* __free_pages_core(): refcount 0, then __free_pages_ok() */
		for (i = 0; i < (1UL << order); i++)
			set_page_count(page + i, 0);
		free_one_page(zone, page, pfn, order, FPI_TO_TAIL);
	}
	PORT_LEAVE();
	return BPORT_OK;
}

/* rmqueue_buddy() for one page block, then prep_new_page() */
int PORT_FN(alloc)(struct bport_zone *z, unsigned int order, int migratetype,
		   unsigned int flags, uint64_t *pfn_out)
{
	enum rmqueue_mode rmqm = RMQUEUE_NORMAL;
	unsigned int alloc_flags = 0;
	struct page *page;
	unsigned long pfn, i;

	if (flags & BPORT_ALLOC_NOFRAGMENT)
		alloc_flags |= ALLOC_NOFRAGMENT;
	if (flags & BPORT_ALLOC_CMA)
		alloc_flags |= ALLOC_CMA;

	PORT_ENTER(z);
	page = __rmqueue(&z->zone, order, migratetype, alloc_flags, &rmqm);
	if (!page) {
		PORT_LEAVE();
		return BPORT_NOMEM;
	}
	/* port: a bad page is recorded and handed out, not leaked and retried */
	check_new_pages(page, order);
	set_page_refcounted(page);
	/* a movable allocation goes on an LRU: prep_move_freepages_block counts it */
	if (migratetype == MIGRATE_MOVABLE)
		for (i = 0; i < (1UL << order); i++)
			SetPageLRU(page + i);
	pfn = page_to_pfn(page);
	z->alloc_order[pfn] = (unsigned char)(order + 1);
	*pfn_out = pfn;
	PORT_LEAVE();
	return BPORT_OK;
}

/* __free_pages() of a non-compound block: free_pages_prepare(), free_one_page() */
int PORT_FN(free)(struct bport_zone *z, uint64_t pfn, unsigned int order)
{
	struct page *page;
	unsigned long i;

	if (z->alloc_order[pfn] != order + 1)
		return BPORT_ENOTALLOCATED;

	PORT_ENTER(z);
	page = pfn_to_page(pfn);
	for (i = 0; i < (1UL << order); i++)
		ClearPageLRU(page + i);
	set_page_count(page, 0);
	free_page_is_bad(page);
	page->flags.f &= ~PAGE_FLAGS_CHECK_AT_PREP;
	z->alloc_order[pfn] = 0;
	free_one_page(&z->zone, page, pfn, order, FPI_NONE);
	PORT_LEAVE();
	return BPORT_OK;
}

/* start_isolate_page_range() over one pageblock */
int PORT_FN(isolate)(struct bport_zone *z, uint64_t pageblock)
{
	unsigned long start = pageblock << z->pb_order;
	struct page *page;
	int ret;

	PORT_ENTER(z);
	page = pfn_to_page(start);
	if (get_pageblock_isolate(page)) {
		PORT_LEAVE();
		return BPORT_EISOLATED;
	}
	ret = set_migratetype_isolate(page, PB_ISOLATE_MODE_OTHER, start,
				      start + pageblock_nr_pages);
	PORT_LEAVE();
	return ret ? BPORT_EISOLATED : BPORT_OK;
}

/* undo_isolate_page_range() over one pageblock */
int PORT_FN(unisolate)(struct bport_zone *z, uint64_t pageblock)
{
	struct page *page;

	PORT_ENTER(z);
	page = pfn_to_page(pageblock << z->pb_order);
	if (!get_pageblock_isolate(page)) {
		PORT_LEAVE();
		return BPORT_ENOTISOLATED;
	}
	unset_migratetype_isolate(page);
	PORT_LEAVE();
	return BPORT_OK;
}

/*
 * A directed probe: the free block headed at pfn leaves its free list the way
 * __move_freepages_block_isolate() takes it off (del_page_from_free_list), but keeps
 * PG_reported, the state split_large_buddy()'s added lines are written for, and is then
 * handed to split_large_buddy() as that caller does. No real caller produces this
 * state: del_page_from_free_list() clears the flag.
 */
int PORT_FN(probe_split_reported)(struct bport_zone *z, uint64_t pfn)
{
	struct page *page;
	unsigned int order;
	bool was_reported;

	PORT_ENTER(z);
	page = pfn_to_page(pfn);
	if (!PageBuddy(page)) {
		PORT_LEAVE();
		return BPORT_ENOFREEBLOCK;
	}
	order = buddy_order(page);
	was_reported = PageReported(page);
	del_page_from_free_list(page, &z->zone, order,
				get_pfnblock_migratetype(page, pfn));
	if (was_reported)
		__SetPageReported(page);
	split_large_buddy(&z->zone, page, pfn, order, FPI_NONE);
	PORT_LEAVE();
	return BPORT_OK;
}

/* Line probe counters of this variant (see linux_instrumented.h). */
void PORT_FN(probe_enable)(int on)
{
	__atomic_store_n(&port_probes_enabled, on, __ATOMIC_RELAXED);
}

void PORT_FN(probe_reset)(void)
{
	__builtin_memset(&port_probe_counts, 0, sizeof(port_probe_counts));
}

int PORT_FN(probe_read)(int file, int line, uint64_t *hits, uint64_t *trues)
{
	if (file < 0 || file >= PORT_PROBE_FILES || line < 0 || line >= PORT_PROBE_LINES)
		return BPORT_EFLAGS;
	*hits = __atomic_load_n(&port_probe_counts.hits[file][line], __ATOMIC_RELAXED);
	*trues = __atomic_load_n(&port_probe_counts.trues[file][line], __ATOMIC_RELAXED);
	return BPORT_OK;
}

/* page_reporting_process() for this zone */
int PORT_FN(report_pass)(struct bport_zone *z, struct scatterlist *sgl)
{
	PORT_ENTER(z);
	atomic_set(&z->prdev.state, PAGE_REPORTING_ACTIVE);
	sg_init_table(sgl, z->prdev.capacity);
	page_reporting_process_zone(&z->prdev, sgl, &z->zone);
	PORT_LEAVE();
	return BPORT_OK;
}
