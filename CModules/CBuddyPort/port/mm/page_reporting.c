// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port of Linux 7.3 mm/page_reporting.c: the request state machine, the
 * drain, the per-list cycle, the per-zone pass, the delayed work that runs
 * passes and the device's registration. The module parameters are not
 * ported; the delayed work is queued on the zone and runs when the guest
 * idles (harness.h).
 */

/* port: pr_dev_info is the current zone's registered device */
#define pr_dev_info	(port_cur->pr_dev_info)
#define rcu_dereference(p)	(p)

enum {
	PAGE_REPORTING_IDLE = 0,
	PAGE_REPORTING_REQUESTED,
	PAGE_REPORTING_ACTIVE
};

static unsigned int page_reporting_delay_ms = 2 * MSEC_PER_SEC;

static void page_reporting_schedule_work(struct page_reporting_dev_info *prdev)
{
	queue_delayed_work(system_freezable_wq, &prdev->work,
			   msecs_to_jiffies(page_reporting_delay_ms));
}

static void
__page_reporting_request(struct page_reporting_dev_info *prdev)
{
	unsigned int state;

	state = atomic_read(&prdev->state);
	if (state == PAGE_REPORTING_REQUESTED)
		return;

	state = atomic_xchg(&prdev->state, PAGE_REPORTING_REQUESTED);
	if (state != PAGE_REPORTING_IDLE)
		return;

	page_reporting_schedule_work(prdev);
}

static void __page_reporting_notify(void)
{
	struct page_reporting_dev_info *prdev;

	rcu_read_lock();
	prdev = rcu_dereference(pr_dev_info);
	if (likely(prdev))
		__page_reporting_request(prdev);

	rcu_read_unlock();
}

static void
page_reporting_drain(struct page_reporting_dev_info *prdev,
		     struct scatterlist *sgl, unsigned int nents, bool reported)
{
	struct scatterlist *sg = sgl;

	do {
		struct page *page = sg_page(sg);
		int mt = get_pageblock_migratetype(page);
		unsigned int order = get_order(sg->length);

		__putback_isolated_page(page, order, mt);

		if (!reported)
			continue;

		if (PageBuddy(page) && buddy_order(page) == order)
			__SetPageReported(page);
	} while ((sg = sg_next(sg)));

	sg_init_table(sgl, nents);
}

static int
page_reporting_cycle(struct page_reporting_dev_info *prdev, struct zone *zone,
		     unsigned int order, unsigned int mt,
		     struct scatterlist *sgl, unsigned int *offset)
{
	struct free_area *area = &zone->free_area[order];
	struct list_head *list = &area->free_list[mt];
	unsigned int page_len = PAGE_SIZE << order;
	struct page *page, *next;
	long budget;
	int err = 0;

	if (list_empty(list))
		return err;

	spin_lock_irq(&zone->lock);

	budget = DIV_ROUND_UP(area->nr_free, prdev->capacity * 16);

	list_for_each_entry_safe(page, next, list, lru) {
		if (PageReported(page))
			continue;

		if (budget < 0) {
			atomic_set(&prdev->state, PAGE_REPORTING_REQUESTED);
			next = page;
			break;
		}

		if (*offset) {
			if (!__isolate_free_page(page, order)) {
				next = page;
				break;
			}

			--(*offset);
			sg_set_page(&sgl[*offset], page, page_len, 0);

			continue;
		}

		if (!list_is_first(&page->lru, list))
			list_rotate_to_front(&page->lru, list);

		spin_unlock_irq(&zone->lock);

		err = prdev->report(prdev, sgl, prdev->capacity);

		*offset = prdev->capacity;

		budget--;

		spin_lock_irq(&zone->lock);

		page_reporting_drain(prdev, sgl, prdev->capacity, !err);

		next = list_first_entry(list, struct page, lru);

		if (err)
			break;
	}

	if (!list_entry_is_head(next, list, lru) && !list_is_first(&next->lru, list))
		list_rotate_to_front(&next->lru, list);

	spin_unlock_irq(&zone->lock);

	return err;
}

static int
page_reporting_process_zone(struct page_reporting_dev_info *prdev,
			    struct scatterlist *sgl, struct zone *zone)
{
	unsigned int order, mt, leftover, offset = prdev->capacity;
	unsigned long watermark;
	int err = 0;

	watermark = low_wmark_pages(zone) +
		    (prdev->capacity << page_reporting_order);

	if (!zone_watermark_ok(zone, 0, watermark, 0, ALLOC_CMA))
		return err;

	for (order = page_reporting_order; order < NR_PAGE_ORDERS; order++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			if (is_migrate_isolate(mt))
				continue;

			err = page_reporting_cycle(prdev, zone, order, mt,
						   sgl, &offset);
			if (err)
				return err;
		}
	}

	leftover = prdev->capacity - offset;
	if (leftover) {
		sgl = &sgl[offset];
		err = prdev->report(prdev, sgl, leftover);

		spin_lock_irq(&zone->lock);
		page_reporting_drain(prdev, sgl, leftover, !err);
		spin_unlock_irq(&zone->lock);
	}

	return err;
}

static void page_reporting_process(struct work_struct *work)
{
	struct delayed_work *d_work = to_delayed_work(work);
	struct page_reporting_dev_info *prdev =
		container_of(d_work, struct page_reporting_dev_info, work);
	int err = 0, state = PAGE_REPORTING_ACTIVE;
	struct scatterlist *sgl;
	struct zone *zone;

	atomic_set(&prdev->state, state);

	sgl = kmalloc_objs(*sgl, prdev->capacity);
	if (!sgl)
		goto err_out;

	sg_init_table(sgl, prdev->capacity);

	for_each_zone(zone) {
		err = page_reporting_process_zone(prdev, sgl, zone);
		if (err)
			break;
	}

	kfree(sgl);
err_out:
	state = atomic_cmpxchg(&prdev->state, state, PAGE_REPORTING_IDLE);
	if (state == PAGE_REPORTING_REQUESTED)
		page_reporting_schedule_work(prdev);
}

static DEFINE_MUTEX(page_reporting_mutex);
DEFINE_STATIC_KEY_FALSE(page_reporting_enabled);

/* port: static, the port is one translation unit per variant */
static int page_reporting_register(struct page_reporting_dev_info *prdev)
{
	int err = 0;

	mutex_lock(&page_reporting_mutex);

	if (rcu_dereference_protected(pr_dev_info,
				lockdep_is_held(&page_reporting_mutex))) {
		err = -EBUSY;
		goto err_out;
	}

	if (page_reporting_order == PAGE_REPORTING_ORDER_UNSPECIFIED) {
		if (prdev->order != PAGE_REPORTING_ORDER_UNSPECIFIED &&
		    prdev->order <= MAX_PAGE_ORDER)
			page_reporting_order = prdev->order;
		else
			page_reporting_order = pageblock_order;
	}

	if (!prdev->capacity || prdev->capacity > PAGE_REPORTING_CAPACITY)
		prdev->capacity = PAGE_REPORTING_CAPACITY;

	atomic_set(&prdev->state, PAGE_REPORTING_IDLE);
	INIT_DELAYED_WORK(&prdev->work, &page_reporting_process);

	__page_reporting_request(prdev);

	rcu_assign_pointer(pr_dev_info, prdev);

	if (!static_key_enabled(&page_reporting_enabled)) {
		static_branch_enable(&page_reporting_enabled);
		pr_info("Free page reporting enabled\n");
	}
err_out:
	mutex_unlock(&page_reporting_mutex);

	return err;
}
