/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness side of a variant translation unit: boot, and the operations the
 * C API offers, each entered with port_cur set to its zone. They call the
 * ported kernel functions the way the kernel's own callers do (rmqueue_buddy,
 * __free_pages_ok, start/undo_isolate_page_range, the reporting device's
 * delayed work), without per-cpu lists, locks, watermark checks of the
 * allocation fast path or compaction. Arguments were validated by api.c;
 * state-dependent refusals (not allocated, already isolated) are decided here,
 * before any change. The entry points are static and reach api.c through one
 * table, PORT_FN(ops).
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
static int PORT_FN(boot)(struct bport_zone *z, const uint8_t *migratetypes)
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

	check_pages_enabled = true;
	page_reporting_order = PAGE_REPORTING_ORDER_UNSPECIFIED;

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

	/*
	 * The balloon driver registers its device once the zone is up:
	 * page_reporting_register() takes the geometry's order (prdev->order,
	 * set by api.c) and requests the first pass.
	 */
	z->prdev.report = port_host_report;
	page_reporting_register(&z->prdev);
	PORT_LEAVE();
	return BPORT_OK;
}

/* rmqueue_buddy() for one page block, then prep_new_page() */
static int PORT_FN(alloc)(struct bport_zone *z, unsigned int order, int migratetype,
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

/*
 * __free_pages() of a non-compound block: __free_pages_prepare()'s checks of every
 * page (the tail pages first, then the head), then free_one_page(). A block that
 * fails a check is left out of the free lists, as the kernel leaks it.
 */
static int PORT_FN(free)(struct bport_zone *z, uint64_t pfn, unsigned int order)
{
	struct page *page;
	unsigned long i;
	int bad = 0;

	if (z->alloc_order[pfn] != order + 1)
		return BPORT_ENOTALLOCATED;

	PORT_ENTER(z);
	page = pfn_to_page(pfn);
	z->alloc_order[pfn] = 0;
	/* off its LRU, last reference dropped */
	for (i = 0; i < (1UL << order); i++)
		ClearPageLRU(page + i);
	set_page_count(page, 0);

	for (i = 1; i < (1UL << order); i++) {
		struct page *tail_page = page + i;

		if (is_check_pages_enabled()) {
			if (free_page_is_bad(tail_page)) {
				bad++;
				continue;
			}

			if (tail_page->private) {
				bad_page(tail_page, "nonzero private");
				bad++;
				continue;
			}
		}
		tail_page->flags.f &= ~PAGE_FLAGS_CHECK_AT_PREP;
	}
	if (unlikely(page_has_type(page)))
		page->page_type = UINT_MAX;

	if (is_check_pages_enabled()) {
		if (free_page_is_bad(page))
			bad++;
		if (bad) {
			PORT_LEAVE();
			return BPORT_OK;
		}
	}

	page->flags.f &= ~PAGE_FLAGS_CHECK_AT_PREP;
	page->private = 0;
	free_one_page(&z->zone, page, pfn, order, FPI_NONE);
	PORT_LEAVE();
	return BPORT_OK;
}

/* start_isolate_page_range() over one pageblock */
static int PORT_FN(isolate)(struct bport_zone *z, uint64_t pageblock)
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
static int PORT_FN(unisolate)(struct bport_zone *z, uint64_t pageblock)
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
 * The guest idles for the reporting delay: the device's queued work runs
 * (page_reporting_process(), which may queue itself again). Nothing happens when
 * no work is queued.
 */
static int PORT_FN(idle)(struct bport_zone *z)
{
	if (!z->work_queued)
		return BPORT_OK;

	PORT_ENTER(z);
	z->work_queued = false;
	z->prdev.work.work.func(&z->prdev.work.work);
	PORT_LEAVE();
	return BPORT_OK;
}

/* The variant's table of entry points (harness.h); api.c calls only through it. */
__attribute__((visibility("default")))
const struct bport_ops PORT_FN(ops) = {
	.abi = BPORT_OPS_ABI,
	.zone_bytes = sizeof(struct bport_zone),
	.boot = PORT_FN(boot),
	.alloc = PORT_FN(alloc),
	.free = PORT_FN(free),
	.isolate = PORT_FN(isolate),
	.unisolate = PORT_FN(unisolate),
	.idle = PORT_FN(idle),
};
