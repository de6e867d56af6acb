/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stubs: kernel facilities that have no effect on the free lists of a single
 * zone driven by one thread. Each is a no-op or a constant here.
 */
#ifndef BPORT_LINUX_STUBS_H
#define BPORT_LINUX_STUBS_H

#include <stdbool.h>

struct page;
struct zone;

/* spinlocks, irq state, lockdep, RCU */
#define spin_lock_irq(lock)			do { } while (0)
#define spin_unlock_irq(lock)			do { } while (0)
#define spin_lock_irqsave(lock, flags)		do { } while (0)
#define spin_unlock_irqrestore(lock, flags)	do { } while (0)
#define spin_trylock_irqsave(lock, flags)	1
#define can_spin_trylock()			true
#define scoped_guard(type, lock)	\
	for (int scoped_once__ = 1; scoped_once__; scoped_once__ = 0)
#define guard(type)				(void)
#define zone_span_seqbegin(zone)		0U
#define zone_span_seqretry(zone, seq)		false
#define lockdep_assert_held(lock)		do { } while (0)
#define rcu_read_lock()				do { } while (0)
#define rcu_read_unlock()			do { } while (0)

/* printk and page dumps */
#define pr_err(...)				do { } while (0)
#define dump_page(page, reason)			do { } while (0)

/* tracepoints and vm events */
#define trace_mm_page_alloc_zone_locked(...)	do { } while (0)
#define trace_mm_page_alloc_extfrag(...)	do { } while (0)
#define trace_mm_page_pcpu_drain(...)		do { } while (0)
#define __count_vm_events(item, delta)		do { } while (0)

/* CONFIG_DEBUG_PAGEALLOC off: no guard pages */
static inline bool page_is_guard(struct page *page)
{
	(void)page;
	return false;
}

static inline bool set_page_guard(struct zone *zone, struct page *page,
				  unsigned int order)
{
	(void)zone; (void)page; (void)order;
	return false;
}

static inline void clear_page_guard(struct zone *zone, struct page *page,
				    unsigned int order)
{
	(void)zone; (void)page; (void)order;
}

/* CONFIG_SHUFFLE_PAGE_ALLOCATOR off */
static inline bool is_shuffle_order(int order)
{
	(void)order;
	return false;
}

static inline bool shuffle_pick_tail(void)
{
	return false;
}

/* no page pools, no unaccepted memory */
#define page_pool_page_is_pp(page)		false
#define accept_page(page)			do { } while (0)

/*
 * mm/page_alloc.c's has_unmovable_pages() is not ported: every page counts as movable,
 * so isolating a pageblock is never refused for what it holds.
 */
#define has_unmovable_pages(start_pfn, end_pfn, mode)	((struct page *)NULL)

/* not a crash kernel */
static inline bool is_kdump_kernel(void)
{
	return false;
}

/*
 * Registration of the reporting device: its mutex, the static key's enabling and the
 * RCU publication of the device pointer are plain operations on one thread. The delay
 * of the delayed work is not measured: the work runs when the guest idles (harness.h).
 */
#define DEFINE_MUTEX(name)			int name
#define mutex_lock(lock)			do { } while (0)
#define mutex_unlock(lock)			do { } while (0)
#define lockdep_is_held(lock)			1
#define rcu_dereference_protected(p, c)		(p)
#define rcu_assign_pointer(p, v)		((p) = (v))
#define DEFINE_STATIC_KEY_FALSE(name)		struct port_static_key_##name
#define static_key_enabled(key)			(*(key))
#define static_branch_enable(key)		(*(key) = true)
#define pr_info(...)				do { } while (0)
#define INIT_DELAYED_WORK(dwork, fn)		((dwork)->work.func = (fn))
#define msecs_to_jiffies(ms)			(ms)
#define MSEC_PER_SEC				1000

#endif /* BPORT_LINUX_STUBS_H */
