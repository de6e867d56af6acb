/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions duplicated from the Linux 7.3 headers and kept in sync with them:
 * the parts of <linux/list.h>, <linux/mm_types.h>, <linux/page-flags.h>,
 * <linux/mmzone.h>, <linux/pageblock-flags.h>, <linux/page-isolation.h>,
 * <linux/scatterlist.h>, <linux/page_reporting.h> and mm/page_alloc.h that the
 * ported functions use. Where the port keeps less than the kernel (fewer page
 * flags, no folios, no sections) the definition says so with a port: comment.
 *
 * The memory model (pfn_to_page() and friends) and the values chosen per zone
 * (pageblock_order, MAX_PAGE_ORDER, page_reporting_order) come from harness.h.
 */
#ifndef BPORT_LINUX_DEFS_H
#define BPORT_LINUX_DEFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buddy_port.h"

/* ---- compiler.h, bits.h, math.h ---- */
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#undef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#define __maybe_unused		__attribute__((__unused__))
#define __read_mostly
#define __meminit
#define __bitwise
#define __force
#define fallthrough		__attribute__((__fallthrough__))
#define IS_ENABLED(option)	(option)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)
#define data_race(expr)		(expr)
#define BIT(nr)			(1UL << (nr))
#define BITS_PER_LONG		64
#define ALIGN(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define mult_frac(x, n, d)	(((x) / (d)) * (n) + (((x) % (d)) * (n)) / (d))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline unsigned long __ffs(unsigned long word)
{
	return (unsigned long)__builtin_ctzl(word);
}

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1UL;
}

static inline void set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

/* port: single-threaded zone, so the compare-and-exchange always succeeds */
#define try_cmpxchg(ptr, oldp, new)	({ *(ptr) = (new); true; })

typedef struct { int counter; } atomic_t;
#define atomic_read(v)		((v)->counter)
#define atomic_set(v, i)	((v)->counter = (i))
static inline int atomic_xchg(atomic_t *v, int i)
{
	int old = v->counter;

	v->counter = i;
	return old;
}

static inline int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	int cur = v->counter;

	if (cur == old)
		v->counter = new;
	return cur;
}

/* ---- list.h ---- */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_POISON1	((struct list_head *)0x100)
#define LIST_POISON2	((struct list_head *)0x122)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	prev->next = new;
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	prev->next = next;
}

static inline void __list_del_entry(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
}

static inline void list_del(struct list_head *entry)
{
	__list_del_entry(entry);
	entry->next = LIST_POISON1;
	entry->prev = LIST_POISON2;
}

static inline void list_move_tail(struct list_head *list, struct list_head *head)
{
	__list_del_entry(list);
	list_add_tail(list, head);
}

static inline int list_is_first(const struct list_head *list,
				const struct list_head *head)
{
	return list->prev == head;
}

static inline int list_is_head(const struct list_head *list,
			       const struct list_head *head)
{
	return list == head;
}

static inline int list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

static inline void list_rotate_to_front(struct list_head *list,
					struct list_head *head)
{
	list_move_tail(head, list);
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_first_entry_or_null(ptr, type, member) ({			\
	struct list_head *head__ = (ptr);				\
	struct list_head *pos__ = READ_ONCE(head__->next);		\
	pos__ != head__ ? list_entry(pos__, type, member) : NULL;	\
})
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_entry_is_head(pos, head, member) \
	list_is_head(&pos->member, (head))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
		n = list_next_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))

/* ---- llist.h (port: one thread, no cmpxchg) ---- */
struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

#define llist_entry(ptr, type, member)		container_of(ptr, type, member)
#define member_address_is_nonnull(ptr, member)	\
	((uintptr_t)(ptr) + offsetof(__typeof__(*(ptr)), member) != 0)
#define llist_for_each_entry_safe(pos, n, node, member)			       \
	for (pos = llist_entry((node), __typeof__(*pos), member);	       \
	     member_address_is_nonnull(pos, member) &&			       \
		(n = llist_entry(pos->member.next, __typeof__(*n), member), true); \
	     pos = n)

static inline bool llist_empty(const struct llist_head *head)
{
	return READ_ONCE(head->first) == NULL;
}

static inline bool llist_add(struct llist_node *new, struct llist_head *head)
{
	new->next = head->first;
	head->first = new;
	return new->next == NULL;
}

static inline struct llist_node *llist_del_all(struct llist_head *head)
{
	struct llist_node *first = head->first;

	head->first = NULL;
	return first;
}

/* ---- mm_types.h: struct page ---- */
typedef struct { unsigned long f; } memdesc_flags_t;

struct address_space;

/* port: only the fields the buddy allocator and page reporting touch */
struct page {
	memdesc_flags_t flags;
	union {
		struct list_head lru;
		struct list_head buddy_list;
		struct list_head pcp_list;
		struct llist_node pcp_llist;
	};
	struct address_space *mapping;
	unsigned long private;
	union {
		unsigned int page_type;
		atomic_t _mapcount;
	};
	atomic_t _refcount;
};

_Static_assert(offsetof(struct page, lru) == offsetof(struct page, buddy_list),
	       "page reporting walks free lists through page->lru");

#define page_private(page)		((page)->private)

static inline void set_page_private(struct page *page, unsigned long private)
{
	page->private = private;
}

static inline int page_ref_count(const struct page *page)
{
	return atomic_read(&page->_refcount);
}

static inline int page_count(const struct page *page)
{
	return atomic_read(&page->_refcount);
}

static inline void set_page_count(struct page *page, int v)
{
	atomic_set(&page->_refcount, v);
}

static inline void set_page_refcounted(struct page *page)
{
	set_page_count(page, 1);
}

/* ---- page-flags.h ---- */
/* port: the kernel's names and aliases, the port's own numbering (see buddy_port.h) */
enum pageflags {
	PG_locked = BPORT_PG_locked,
	PG_referenced = BPORT_PG_referenced,
	PG_uptodate = BPORT_PG_uptodate,
	PG_dirty = BPORT_PG_dirty,
	PG_lru = BPORT_PG_lru,
	PG_head = BPORT_PG_head,
	PG_reserved = BPORT_PG_reserved,
	PG_private = BPORT_PG_private,
	PG_hwpoison = BPORT_PG_hwpoison,
	__NR_PAGEFLAGS = BPORT_NR_PAGEFLAGS,

	PG_movable_ops = PG_uptodate,
	PG_reported = PG_uptodate,
};

#define NR_PAGEFLAGS		__NR_PAGEFLAGS
#define PAGEFLAGS_MASK		((1UL << NR_PAGEFLAGS) - 1)
#define __PG_HWPOISON		(1UL << PG_hwpoison)
/* port: no LRU generations */
#define LRU_GEN_MASK		0UL
#define LRU_REFS_MASK		0UL
#define __PG_MLOCKED		0UL

/* port: PG_private_2, PG_writeback, PG_active, PG_unevictable are not kept */
#define PAGE_FLAGS_CHECK_AT_FREE				\
	(1UL << PG_lru		| 1UL << PG_locked	|	\
	 1UL << PG_private	| 1UL << PG_reserved	|	\
	 __PG_MLOCKED | LRU_GEN_MASK)

#define PAGE_FLAGS_CHECK_AT_PREP	\
	((PAGEFLAGS_MASK & ~__PG_HWPOISON) | LRU_GEN_MASK | LRU_REFS_MASK)

#define PAGE_FLAG_TEST(uname, lname)					\
static __always_inline bool Page##uname(const struct page *page)	\
{									\
	return test_bit(PG_##lname, &page->flags.f);			\
}
#define PAGE_FLAG_SET(uname, lname)					\
static __always_inline void __SetPage##uname(struct page *page)		\
{									\
	set_bit(PG_##lname, (unsigned long *)&page->flags.f);		\
}									\
static __always_inline void SetPage##uname(struct page *page)		\
{									\
	set_bit(PG_##lname, (unsigned long *)&page->flags.f);		\
}
#define PAGE_FLAG_CLEAR(uname, lname)					\
static __always_inline void __ClearPage##uname(struct page *page)	\
{									\
	clear_bit(PG_##lname, (unsigned long *)&page->flags.f);		\
}									\
static __always_inline void ClearPage##uname(struct page *page)		\
{									\
	clear_bit(PG_##lname, (unsigned long *)&page->flags.f);		\
}
#define PAGE_FLAG(uname, lname)						\
	PAGE_FLAG_TEST(uname, lname)					\
	PAGE_FLAG_SET(uname, lname)					\
	PAGE_FLAG_CLEAR(uname, lname)

PAGE_FLAG(Reported, reported)
PAGE_FLAG(LRU, lru)
PAGE_FLAG(Reserved, reserved)
PAGE_FLAG(HWPoison, hwpoison)
PAGE_FLAG_TEST(MovableOps, movable_ops)

enum pagetype {
	PGTY_buddy		= 0xf0,
	PGTY_offline		= 0xf1,
	PGTY_table		= 0xf2,
	PGTY_guard		= 0xf3,
	PGTY_hugetlb		= 0xf4,
	PGTY_slab		= 0xf5,
	PGTY_zsmalloc		= 0xf6,
	PGTY_unaccepted		= 0xf7,
	PGTY_large_kmalloc	= 0xf8,
	PGTY_mapcount_underflow = 0xff
};

/* The recording VM_BUG_ON_PAGE of linux_instrumented.h is used here. */
#define PAGE_TYPE_OPS(uname, lname)					\
static __always_inline int Page##uname(const struct page *page)		\
{									\
	return data_race(page->page_type >> 24) == PGTY_##lname;	\
}									\
static __always_inline void __SetPage##uname(struct page *page)		\
{									\
	if (Page##uname(page))						\
		return;							\
	VM_BUG_ON_PAGE(data_race(page->page_type) != UINT_MAX, page);	\
	page->page_type = (unsigned int)PGTY_##lname << 24;		\
}									\
static __always_inline void __ClearPage##uname(struct page *page)	\
{									\
	if (page->page_type == UINT_MAX)				\
		return;							\
	VM_BUG_ON_PAGE(!Page##uname(page), page);			\
	page->page_type = UINT_MAX;					\
}

/* ---- mmzone.h ---- */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	__MIGRATE_TYPE_END = MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

_Static_assert(MIGRATE_TYPES == BPORT_MIGRATE_TYPES, "migratetype numbering");

#define is_migrate_cma(migratetype) unlikely((migratetype) == MIGRATE_CMA)

static inline bool is_migrate_movable(int mt)
{
	return is_migrate_cma(mt) || mt == MIGRATE_MOVABLE;
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

#define get_pageblock_migratetype(page) \
	get_pfnblock_migratetype(page, page_to_pfn(page))

struct free_area {
	struct list_head	free_list[MIGRATE_TYPES];
	unsigned long		nr_free;
};

enum zone_stat_item {
	NR_FREE_PAGES,
	NR_FREE_PAGES_BLOCKS,
	NR_FREE_CMA_PAGES,
	NR_VM_ZONE_STAT_ITEMS
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK
};

enum zone_flags {
	ZONE_BOOSTED_WATERMARK,
};

#define MAX_NR_ZONES 1

typedef struct { int unused; } spinlock_t;

/* port: NR_PAGE_ORDERS varies per zone; the array is sized for the largest */
struct zone {
	const char *name;
	spinlock_t lock;
	struct llist_head trylock_free_pages;
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	unsigned long nr_free_highatomic;
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long *pageblock_flags;
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	unsigned long managed_pages;
	unsigned long nr_isolate_pageblock;
	int initialized;
	bool contiguous;
	struct free_area free_area[BPORT_ORDER_LIMIT + 1];
	unsigned long flags;
	long vm_stat[NR_VM_ZONE_STAT_ITEMS];
};

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

static inline bool zone_spans_pfn(const struct zone *zone, unsigned long pfn)
{
	return zone->zone_start_pfn <= pfn && pfn < zone_end_pfn(zone);
}

static inline bool zone_is_initialized(struct zone *zone)
{
	return zone->initialized;
}

static inline unsigned long zone_managed_pages(struct zone *zone)
{
	return zone->managed_pages;
}

#define wmark_pages(z, i) (z->_watermark[i] + z->watermark_boost)
#define min_wmark_pages(z) wmark_pages(z, WMARK_MIN)
#define low_wmark_pages(z) wmark_pages(z, WMARK_LOW)

/* ---- vmstat.h (port: one zone, no per-cpu deltas, no node counters) ---- */
static inline void __mod_zone_page_state(struct zone *zone,
					 enum zone_stat_item item, long delta)
{
	zone->vm_stat[item] += delta;
}

static inline unsigned long zone_page_state(struct zone *zone,
					    enum zone_stat_item item)
{
	long x = zone->vm_stat[item];

	if (x < 0)
		x = 0;
	return x;
}

/* ---- pageblock-flags.h ---- */
enum pageblock_bits {
	PB_migrate_0,
	PB_migrate_1,
	PB_migrate_2,
	PB_compact_skip,
	PB_migrate_isolate,
	__NR_PAGEBLOCK_BITS
};

#define NR_PAGEBLOCK_BITS 8
#define PAGEBLOCK_MIGRATETYPE_MASK (BIT(PB_migrate_0)|BIT(PB_migrate_1)|BIT(PB_migrate_2))
#define PAGEBLOCK_ISO_MASK	BIT(PB_migrate_isolate)

#define pageblock_nr_pages	(1UL << pageblock_order)
#define pageblock_start_pfn(pfn)	ALIGN_DOWN((pfn), pageblock_nr_pages)
#define pageblock_end_pfn(pfn)		ALIGN((pfn) + 1, pageblock_nr_pages)

/* ---- page-isolation.h ---- */
enum pb_isolate_mode {
	PB_ISOLATE_MODE_MEM_OFFLINE,
	PB_ISOLATE_MODE_CMA_ALLOC,
	PB_ISOLATE_MODE_OTHER,
};

static inline bool is_migrate_isolate(int migratetype)
{
	return migratetype == MIGRATE_ISOLATE;
}

#define get_pageblock_isolate(page) \
	get_pfnblock_bit(page, page_to_pfn(page), PB_migrate_isolate)
#define clear_pageblock_isolate(page) \
	clear_pfnblock_bit(page, page_to_pfn(page), PB_migrate_isolate)
#define set_pageblock_isolate(page) \
	set_pfnblock_bit(page, page_to_pfn(page), PB_migrate_isolate)

/* ---- mm/page_alloc.h ---- */
#define ALLOC_OOM		 0x08
#define ALLOC_NON_BLOCK		 0x10
#define ALLOC_MIN_RESERVE	 0x20
#define ALLOC_CMA		 0x80
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_HIGHATOMIC	0x200
#define ALLOC_KSWAPD		0x800
#define ALLOC_RESERVES (ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_HIGHATOMIC|ALLOC_OOM)

static inline unsigned int buddy_order(struct page *page)
{
	return page_private(page);
}

enum fallback_result {
	FALLBACK_FOUND,
	FALLBACK_EMPTY,
	FALLBACK_NOCLAIM,
};

static inline bool free_area_empty(struct free_area *area, int migratetype)
{
	return list_empty(&area->free_list[migratetype]);
}

static inline unsigned long
__find_buddy_pfn(unsigned long page_pfn, unsigned int order)
{
	return page_pfn ^ (1 << order);
}

/* ---- scatterlist.h (port: no chaining, no DMA fields) ---- */
struct scatterlist {
	unsigned long	page_link;
	unsigned int	offset;
	unsigned int	length;
};

#define SG_CHAIN	0x01UL
#define SG_END		0x02UL
#define SG_PAGE_LINK_MASK (SG_CHAIN | SG_END)

static inline bool sg_is_last(struct scatterlist *sg)
{
	return sg->page_link & SG_END;
}

static inline void sg_assign_page(struct scatterlist *sg, struct page *page)
{
	unsigned long page_link = sg->page_link & SG_PAGE_LINK_MASK;

	sg->page_link = page_link | (unsigned long)page;
}

static inline void sg_set_page(struct scatterlist *sg, struct page *page,
			       unsigned int len, unsigned int offset)
{
	sg_assign_page(sg, page);
	sg->offset = offset;
	sg->length = len;
}

static inline struct page *sg_page(struct scatterlist *sg)
{
	return (struct page *)((sg)->page_link & ~SG_PAGE_LINK_MASK);
}

static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->page_link |= SG_END;
	sg->page_link &= ~SG_CHAIN;
}

static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	if (sg_is_last(sg))
		return NULL;
	return sg + 1;
}

static inline void sg_init_table(struct scatterlist *sgl, unsigned int nents)
{
	for (unsigned int i = 0; i < nents; i++)
		sgl[i] = (struct scatterlist){ 0 };
	sg_mark_end(&sgl[nents - 1]);
}

/* ---- page.h ---- */
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)

static inline int get_order(unsigned long size)
{
	size--;
	size >>= PAGE_SHIFT;
	return size ? BITS_PER_LONG - __builtin_clzl(size) : 0;
}

/* ---- workqueue.h ---- */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
};

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}

/* ---- page_reporting.h ---- */
#define PAGE_REPORTING_CAPACITY		32
#define PAGE_REPORTING_ORDER_UNSPECIFIED	-1

struct page_reporting_dev_info {
	int (*report)(struct page_reporting_dev_info *prdev,
		      struct scatterlist *sg, unsigned int nents);
	struct delayed_work work;
	atomic_t state;
	unsigned int order;
	unsigned int capacity;
};

/* ---- page-flags.h page types ---- */
static inline bool page_type_has_type(int page_type)
{
	return page_type < (PGTY_mapcount_underflow << 24);
}

static inline bool page_has_type(const struct page *page)
{
	return page_type_has_type(data_race(page->page_type));
}

PAGE_TYPE_OPS(Buddy, buddy)
PAGE_TYPE_OPS(Offline, offline)
PAGE_TYPE_OPS(Zsmalloc, zsmalloc)
PAGE_TYPE_OPS(Unaccepted, unaccepted)

static inline bool page_has_movable_ops(const struct page *page)
{
	return PageMovableOps(page) &&
	       (PageOffline(page) || PageZsmalloc(page));
}

/* ---- mm/page_alloc.h buddy helpers ---- */
static inline int page_zone_id(struct page *page);	/* harness.h */

static inline bool page_is_buddy(struct page *page, struct page *buddy,
				 unsigned int order)
{
	if (!page_is_guard(buddy) && !PageBuddy(buddy))
		return false;

	if (buddy_order(buddy) != order)
		return false;

	if (page_zone_id(page) != page_zone_id(buddy))
		return false;

	VM_BUG_ON_PAGE(page_count(buddy) != 0, buddy);

	return true;
}

static inline struct page *find_buddy_page_pfn(struct page *page,
			unsigned long pfn, unsigned int order, unsigned long *buddy_pfn)
{
	unsigned long __buddy_pfn = __find_buddy_pfn(pfn, order);
	struct page *buddy;

	buddy = page + (__buddy_pfn - pfn);
	if (buddy_pfn)
		*buddy_pfn = __buddy_pfn;

	if (page_is_buddy(page, buddy, order))
		return buddy;
	return NULL;
}

#endif /* BPORT_LINUX_DEFS_H */
