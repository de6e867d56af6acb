// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port of the pageblock isolation entry points of Linux 7.3
 * mm/page_isolation.c, for one pageblock at a time.
 */

static inline bool is_migrate_isolate_page(struct page *page)
{
	return get_pageblock_migratetype(page) == MIGRATE_ISOLATE;
}

static int set_migratetype_isolate(struct page *page, enum pb_isolate_mode mode,
			unsigned long start_pfn, unsigned long end_pfn)
{
	struct zone *zone = page_zone(page);
	struct page *unmovable;
	unsigned long check_unmovable_start, check_unmovable_end;

	if (PageUnaccepted(page))
		accept_page(page);

	scoped_guard(spinlock_irqsave, &zone->lock) {
		if (is_migrate_isolate_page(page))
			return -EBUSY;

		check_unmovable_start = max(page_to_pfn(page), start_pfn);
		check_unmovable_end = min(pageblock_end_pfn(page_to_pfn(page)),
					  end_pfn);

		unmovable = has_unmovable_pages(check_unmovable_start,
				check_unmovable_end, mode);
		if (!unmovable) {
			if (!pageblock_isolate_and_move_free_pages(zone, page))
				return -EBUSY;
			zone->nr_isolate_pageblock++;
			return 0;
		}
	}
	if (mode == PB_ISOLATE_MODE_MEM_OFFLINE) {
		dump_page(unmovable, "unmovable page");
	}

	return -EBUSY;
}

static void unset_migratetype_isolate(struct page *page)
{
	struct zone *zone;
	bool isolated_page = false;
	unsigned int order;
	struct page *buddy;

	zone = page_zone(page);
	guard(spinlock_irqsave)(&zone->lock);
	if (!is_migrate_isolate_page(page))
		return;

	if (PageBuddy(page)) {
		order = buddy_order(page);
		if (order >= pageblock_order && order < MAX_PAGE_ORDER) {
			buddy = find_buddy_page_pfn(page, page_to_pfn(page),
						    order, NULL);
			if (buddy && !is_migrate_isolate_page(buddy)) {
				isolated_page = !!__isolate_free_page(page, order);
				VM_WARN_ON(!isolated_page);
			}
		}
	}

	if (!isolated_page) {
		WARN_ON_ONCE(!pageblock_unisolate_and_move_free_pages(zone, page));
	} else {
		clear_pageblock_isolate(page);
		__putback_isolated_page(page, order, get_pageblock_migratetype(page));
	}
	zone->nr_isolate_pageblock--;
}
