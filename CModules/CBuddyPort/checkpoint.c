// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoints: a zone's state copied out and back in place. Every pointer in the
 * state (list heads, pageblock_flags) points into the zone's own allocations, which a
 * restore leaves where they are, so a byte copy is a faithful copy.
 */
#include <stddef.h>
#include <string.h>

#define BPORT_MEMORY_MODEL 1

#include "port/linux_instrumented.h"
#include "port/linux_stubs.h"
#include "port/linux_defs.h"
#include "port/harness.h"
#include "include/buddy_port_checkpoint.h"

#undef pageblock_order
#undef page_reporting_order

struct checkpoint_header {
	const struct bport_zone *zone;
	uint64_t size;
};

static unsigned long pageblock_words(const struct bport_zone *z)
{
	return (z->nr_memmap >> z->pb_order) * NR_PAGEBLOCK_BITS / BITS_PER_LONG + 1;
}

/*
 * struct zone is saved in two parts: up to the free lists of order MAX_PAGE_ORDER, and
 * from the field after free_area on. The lists of higher orders (BPORT_ORDER_LIMIT is
 * the array's size) stay empty for the zone's whole life.
 */
static size_t zone_head_bytes(const struct bport_zone *z)
{
	return offsetof(struct zone, free_area) + (z->max_order + 1) * sizeof(struct free_area);
}

static const size_t zone_tail_at = offsetof(struct zone, flags);
_Static_assert(offsetof(struct zone, flags) ==
	       offsetof(struct zone, free_area) + sizeof(((struct zone *)0)->free_area),
	       "flags follows free_area: the checkpoint skips only the unused lists");

uint64_t bport_checkpoint_size(const struct bport_zone *z)
{
	return sizeof(struct checkpoint_header) + zone_head_bytes(z) +
	       (sizeof(z->zone) - zone_tail_at) + sizeof(z->prdev) + sizeof(z->work_queued) +
	       sizeof(z->nr_violations) + z->nr_memmap * sizeof(struct page) +
	       pageblock_words(z) * sizeof(unsigned long) + z->nr_memmap;
}

int bport_checkpoint_save(const struct bport_zone *z, void *buf)
{
	struct checkpoint_header h = { .zone = z, .size = bport_checkpoint_size(z) };
	char *p = buf;

	if (z->in_pass)
		return BPORT_EREENTERED;
#define OUT(src, n) do { memcpy(p, (src), (n)); p += (n); } while (0)
	OUT(&h, sizeof(h));
	OUT(&z->zone, zone_head_bytes(z));
	OUT((const char *)&z->zone + zone_tail_at, sizeof(z->zone) - zone_tail_at);
	OUT(&z->prdev, sizeof(z->prdev));
	OUT(&z->work_queued, sizeof(z->work_queued));
	OUT(&z->nr_violations, sizeof(z->nr_violations));
	OUT(z->mem_map, z->nr_memmap * sizeof(struct page));
	OUT(z->zone.pageblock_flags, pageblock_words(z) * sizeof(unsigned long));
	OUT(z->alloc_order, z->nr_memmap);
#undef OUT
	return BPORT_OK;
}

int bport_checkpoint_restore(struct bport_zone *z, const void *buf)
{
	struct checkpoint_header h;
	const char *p = buf;

	if (z->in_pass)
		return BPORT_EREENTERED;
	memcpy(&h, p, sizeof(h));
	if (h.zone != z || h.size != bport_checkpoint_size(z))
		return BPORT_EGEOMETRY;
	p += sizeof(h);
#define IN(dst, n) do { memcpy((dst), p, (n)); p += (n); } while (0)
	IN(&z->zone, zone_head_bytes(z));
	IN((char *)&z->zone + zone_tail_at, sizeof(z->zone) - zone_tail_at);
	IN(&z->prdev, sizeof(z->prdev));
	IN(&z->work_queued, sizeof(z->work_queued));
	IN(&z->nr_violations, sizeof(z->nr_violations));
	IN(z->mem_map, z->nr_memmap * sizeof(struct page));
	IN(z->zone.pageblock_flags, pageblock_words(z) * sizeof(unsigned long));
	IN(z->alloc_order, z->nr_memmap);
#undef IN
	return BPORT_OK;
}

struct state_hash {
	uint64_t a, b;
};

static inline void mix(struct state_hash *h, uint64_t x)
{
	h->a = (h->a ^ x) * 0x00000100000001b3ULL;
	h->b = (h->b + x * 0xbf58476d1ce4e5b9ULL) ^ (h->b >> 29);
	h->b *= 0x94d049bb133111ebULL;
}

void bport_state_hash(const struct bport_zone *z, uint64_t out[2])
{
	struct state_hash h = { 0xcbf29ce484222325ULL, 0x9e3779b97f4a7c15ULL };
	unsigned long pfn, pb, n = z->nr_pageblocks << z->pb_order;
	unsigned int order, mt;

	/* The values of bport_encode_state(), in its order. */
	mix(&h, z->zone.vm_stat[NR_FREE_PAGES]);
	mix(&h, z->zone.vm_stat[NR_FREE_PAGES_BLOCKS]);
	mix(&h, z->zone.vm_stat[NR_FREE_CMA_PAGES]);
	mix(&h, z->zone.nr_free_highatomic);
	mix(&h, z->zone.nr_isolate_pageblock);
	for (order = 0; order <= z->max_order; order++)
		mix(&h, z->zone.free_area[order].nr_free);
	for (pb = 0; pb < z->nr_pageblocks; pb++) {
		unsigned long bitidx = pb * NR_PAGEBLOCK_BITS;
		unsigned long bits = z->zone.pageblock_flags[bitidx / BITS_PER_LONG] >>
				     (bitidx % BITS_PER_LONG);

		mix(&h, (bits & PAGEBLOCK_MIGRATETYPE_MASK) |
			((bits & PAGEBLOCK_ISO_MASK) ? 8 : 0));
	}
	for (pfn = 0; pfn < n; pfn++) {
		const struct page *page = &z->mem_map[pfn];

		mix(&h, (page->flags.f << 16) | (PageBuddy(page) ? 0x100 : 0) |
			page->private);
	}
	for (order = 0; order <= z->max_order; order++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct list_head *head = &z->zone.free_area[order].free_list[mt];
			const struct list_head *pos;

			mix(&h, ~0ULL);
			for (pos = head->next; pos != head; pos = pos->next)
				mix(&h, list_entry(pos, struct page, buddy_list) - z->mem_map);
		}
	}
	/* What the encoding leaves out. */
	for (pfn = 0; pfn < n; pfn++)
		mix(&h, z->alloc_order[pfn]);
	mix(&h, z->zone.watermark_boost);
	mix(&h, z->zone.flags);
	mix(&h, (uint64_t)atomic_read(&z->prdev.state));
	mix(&h, z->work_queued);
	out[0] = h.a;
	out[1] = h.b;
}

/* ---- the compact encoding (buddy_port_checkpoint.h) ---- */

#define COMPACT_FREE		0x80
#define COMPACT_FLAG		0x10
#define COMPACT_ORDER		0x0f
#define COMPACT_HEADER		4
#define COMPACT_COUNTERS	5

static unsigned long compact_pages(const struct bport_zone *z)
{
	return z->nr_pageblocks << z->pb_order;
}

/* The pageblock's bits in the encoding's nibble: migratetype | 8 if isolated. */
static unsigned int pageblock_nibble(const struct bport_zone *z, unsigned long pb,
				     bool *other_bits)
{
	unsigned long bitidx = pb * NR_PAGEBLOCK_BITS;
	unsigned long bits = z->zone.pageblock_flags[bitidx / BITS_PER_LONG] >>
			     (bitidx % BITS_PER_LONG);

	bits &= (1UL << NR_PAGEBLOCK_BITS) - 1;
	*other_bits = (bits & ~(PAGEBLOCK_MIGRATETYPE_MASK | PAGEBLOCK_ISO_MASK)) != 0;
	return (bits & PAGEBLOCK_MIGRATETYPE_MASK) | ((bits & PAGEBLOCK_ISO_MASK) ? 8 : 0);
}

/* get_pfnblock_migratetype() of a nibble */
static unsigned int nibble_migratetype(unsigned int nibble)
{
	return (nibble & 8) ? MIGRATE_ISOLATE : (nibble & 7);
}

uint64_t bport_compact_capacity(const struct bport_zone *z)
{
	/* at most one block and one list entry per page */
	return COMPACT_HEADER + COMPACT_COUNTERS + (z->max_order + 1) +
	       (z->nr_pageblocks + 1) / 2 + 2 * compact_pages(z);
}

/*
 * Whether a page holds flags f, no type, no private value, no mapping and refcount 0:
 * one test of the words that hold them, since every page of a block but the head is
 * such a page.
 */
static inline bool page_is_plain(const struct page *page, unsigned long f)
{
	return ((page->flags.f ^ f) | page->private | (uintptr_t)page->mapping |
		(page->page_type ^ UINT_MAX) | (unsigned int)atomic_read(&page->_refcount)) == 0;
}

static bool page_is_clear(const struct page *page)
{
	return page_is_plain(page, 0);
}

#define REFUSE(why_text, at_pfn) do {					\
		if (why) {						\
			why->reason = (why_text);			\
			why->pfn = (int64_t)(at_pfn);			\
		}							\
		return 0;						\
	} while (0)

int64_t bport_compact_encode(const struct bport_zone *z, uint8_t *out, uint64_t cap,
			     struct bport_compact_refusal *why)
{
	unsigned long n = compact_pages(z), pfn, i, pb;
	unsigned char head_order[BPORT_COMPACT_ZONE_LIMIT];	/* order + 1 of free heads */
	unsigned long listed = 0, free_heads = 0;
	const long counters[COMPACT_COUNTERS] = {
		z->zone.vm_stat[NR_FREE_PAGES], z->zone.vm_stat[NR_FREE_PAGES_BLOCKS],
		z->zone.vm_stat[NR_FREE_CMA_PAGES], (long)z->zone.nr_free_highatomic,
		(long)z->zone.nr_isolate_pageblock,
	};
	unsigned int order, mt, nibbles[BPORT_COMPACT_ZONE_LIMIT];
	uint64_t at = 0;

	if (z->in_pass)
		return BPORT_EREENTERED;
	if (n > BPORT_COMPACT_ZONE_LIMIT || z->max_order > COMPACT_ORDER ||
	    cap < bport_compact_capacity(z))
		return BPORT_EGEOMETRY;

#define BYTE(v, what) do {						\
		if ((unsigned long)(v) > 0xff)				\
			REFUSE(what " does not fit in a byte", -1);	\
		out[at++] = (uint8_t)(v);				\
	} while (0)
	BYTE(atomic_read(&z->prdev.state), "the reporting state");
	out[at++] = z->work_queued;
	BYTE(z->zone.flags, "the zone flags");
	BYTE(z->zone.watermark_boost, "watermark_boost");
	for (i = 0; i < COMPACT_COUNTERS; i++)
		BYTE(counters[i], "a free page counter");
	for (order = 0; order <= z->max_order; order++)
		BYTE(z->zone.free_area[order].nr_free, "nr_free");
#undef BYTE

	for (pb = 0; pb < z->nr_pageblocks; pb++) {
		bool other_bits;

		nibbles[pb] = pageblock_nibble(z, pb, &other_bits);
		if (other_bits)
			REFUSE("a pageblock has bits beyond its migratetype and isolation",
			       pb << z->pb_order);
		if (pb & 1)
			out[at++] |= (uint8_t)(nibbles[pb] << 4);
		else
			out[at] = (uint8_t)nibbles[pb];
	}
	if (z->nr_pageblocks & 1)
		at++;

	/* the blocks that tile the zone */
	memset(head_order, 0, n);
	for (pfn = 0; pfn < n; pfn += 1UL << order) {
		const struct page *page = &z->mem_map[pfn];
		bool lru;

		if (page->page_type == (unsigned int)PGTY_buddy << 24) {
			order = (unsigned int)page->private;
			if (page->private > z->max_order || (pfn & ((1UL << order) - 1)) ||
			    pfn + (1UL << order) > n)
				REFUSE("a free block's order does not fit the zone", pfn);
			if ((page->flags.f & ~(1UL << PG_reported)) || page->mapping ||
			    atomic_read(&page->_refcount) || z->alloc_order[pfn])
				REFUSE("a free block's head has more than PG_reported", pfn);
			for (i = 1; i < (1UL << order); i++)
				if (!page_is_clear(page + i))
					REFUSE("a page inside a free block is not clear", pfn + i);
			head_order[pfn] = (unsigned char)(order + 1);
			free_heads++;
			out[at++] = (uint8_t)(COMPACT_FREE | order |
				(page->flags.f & (1UL << PG_reported) ? COMPACT_FLAG : 0));
			continue;
		}
		if (!z->alloc_order[pfn])
			REFUSE("a page is neither free nor allocated", pfn);
		order = z->alloc_order[pfn] - 1;
		if (order > z->max_order || (pfn & ((1UL << order) - 1)) ||
		    pfn + (1UL << order) > n)
			REFUSE("a live allocation's order does not fit the zone", pfn);
		lru = page->flags.f == (1UL << PG_lru);
		if ((page->flags.f && !lru) || page->page_type != UINT_MAX || page->private ||
		    page->mapping || atomic_read(&page->_refcount) != 1)
			REFUSE("a live allocation's head is not as allocated", pfn);
		for (i = 1; i < (1UL << order); i++)
			if (!page_is_plain(page + i, page->flags.f) || z->alloc_order[pfn + i])
				REFUSE("a page inside a live allocation is not as allocated",
				       pfn + i);
		out[at++] = (uint8_t)(order | (lru ? COMPACT_FLAG : 0));
	}

	/* the free lists, each exactly the free blocks of its order and type */
	for (order = 0; order <= z->max_order; order++) {
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct list_head *head = &z->zone.free_area[order].free_list[mt];
			const struct list_head *pos, *prev = head;

			for (pos = head->next; pos != head; prev = pos, pos = pos->next) {
				const struct page *page = list_entry(pos, struct page, buddy_list);
				unsigned long at_pfn = (unsigned long)(page - z->mem_map);

				if (pos->prev != prev)
					REFUSE("a free list's links disagree", -1);
				if (page < z->mem_map || at_pfn >= n ||
				    &z->mem_map[at_pfn].buddy_list != pos)
					REFUSE("a free list holds a page outside the zone", -1);
				if (head_order[at_pfn] != order + 1)
					REFUSE("a free list holds a page that heads no free block of its order",
					       at_pfn);
				if (nibble_migratetype(nibbles[at_pfn >> z->pb_order]) != mt)
					REFUSE("a free block is on the list of another type than its pageblock's",
					       at_pfn);
				/* listed once: the mark goes */
				head_order[at_pfn] = 0;
				out[at++] = (uint8_t)at_pfn;
				listed++;
			}
			if (head->prev != prev)
				REFUSE("a free list's links disagree", -1);
		}
	}
	if (listed != free_heads)
		REFUSE("a free block is on no free list", -1);
	return (int64_t)at;
}

#undef REFUSE

int bport_compact_decode(struct bport_zone *z, const uint8_t *in, uint64_t len)
{
	unsigned long n = compact_pages(z), pfn, i, pb;
	unsigned char head_order[BPORT_COMPACT_ZONE_LIMIT];
	unsigned int order, mt;
	uint64_t at = 0;

	if (z->in_pass)
		return BPORT_EREENTERED;
	if (n > BPORT_COMPACT_ZONE_LIMIT || z->max_order > COMPACT_ORDER)
		return BPORT_EGEOMETRY;

	/* every list empty first, so a malformed encoding leaves well-formed lists */
	for (order = 0; order <= z->max_order; order++)
		for (mt = 0; mt < MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&z->zone.free_area[order].free_list[mt]);
	for (pfn = 0; pfn < n; pfn++) {
		struct page *page = &z->mem_map[pfn];

		page->flags.f = 0;
		page->page_type = UINT_MAX;
		page->private = 0;
		page->mapping = NULL;
		atomic_set(&page->_refcount, 0);
		INIT_LIST_HEAD(&page->lru);
		z->alloc_order[pfn] = 0;
	}
	z->nr_violations = 0;

	if (len < COMPACT_HEADER + COMPACT_COUNTERS + z->max_order + 1 +
		  (z->nr_pageblocks + 1) / 2)
		return BPORT_EGEOMETRY;
	atomic_set(&z->prdev.state, in[at++]);
	if (in[at] > 1)
		return BPORT_EGEOMETRY;
	z->work_queued = in[at++];
	z->zone.flags = in[at++];
	z->zone.watermark_boost = in[at++];
	z->zone.vm_stat[NR_FREE_PAGES] = in[at++];
	z->zone.vm_stat[NR_FREE_PAGES_BLOCKS] = in[at++];
	z->zone.vm_stat[NR_FREE_CMA_PAGES] = in[at++];
	z->zone.nr_free_highatomic = in[at++];
	z->zone.nr_isolate_pageblock = in[at++];
	for (order = 0; order <= z->max_order; order++)
		z->zone.free_area[order].nr_free = in[at++];
	for (pb = 0; pb < z->nr_pageblocks; pb++) {
		unsigned long bitidx = pb * NR_PAGEBLOCK_BITS;
		unsigned long *word = &z->zone.pageblock_flags[bitidx / BITS_PER_LONG];
		unsigned int nibble = (in[at + pb / 2] >> (pb & 1 ? 4 : 0)) & 0xf;
		unsigned long bits = (nibble & 7) | ((nibble & 8) ? PAGEBLOCK_ISO_MASK : 0);

		*word &= ~(((1UL << NR_PAGEBLOCK_BITS) - 1) << (bitidx % BITS_PER_LONG));
		*word |= bits << (bitidx % BITS_PER_LONG);
	}
	at += (z->nr_pageblocks + 1) / 2;

	memset(head_order, 0, n);
	for (pfn = 0; pfn < n; pfn += 1UL << order) {
		struct page *page = &z->mem_map[pfn];
		uint8_t b;

		if (at >= len)
			return BPORT_EGEOMETRY;
		b = in[at++];
		order = b & COMPACT_ORDER;
		if ((b & ~(COMPACT_FREE | COMPACT_FLAG | COMPACT_ORDER)) ||
		    order > z->max_order || (pfn & ((1UL << order) - 1)) ||
		    pfn + (1UL << order) > n)
			return BPORT_EGEOMETRY;
		if (b & COMPACT_FREE) {
			page->page_type = (unsigned int)PGTY_buddy << 24;
			page->private = order;
			if (b & COMPACT_FLAG)
				page->flags.f = 1UL << PG_reported;
			head_order[pfn] = (unsigned char)(order + 1);
			continue;
		}
		atomic_set(&page->_refcount, 1);
		z->alloc_order[pfn] = (unsigned char)(order + 1);
		if (b & COMPACT_FLAG)
			for (i = 0; i < (1UL << order); i++)
				page[i].flags.f = 1UL << PG_lru;
	}

	while (at < len) {
		unsigned long head = in[at++];
		unsigned int nibble;
		bool other_bits;

		if (head >= n || !head_order[head])
			return BPORT_EGEOMETRY;
		order = head_order[head] - 1;
		head_order[head] = 0;
		nibble = pageblock_nibble(z, head >> z->pb_order, &other_bits);
		list_add_tail(&z->mem_map[head].buddy_list,
			      &z->zone.free_area[order].free_list[nibble_migratetype(nibble)]);
	}
	for (pfn = 0; pfn < n; pfn++)
		if (head_order[pfn])
			return BPORT_EGEOMETRY;
	return BPORT_OK;
}
