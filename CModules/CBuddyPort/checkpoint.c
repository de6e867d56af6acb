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
