/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoints of a zone, for exhaustive exploration: save a zone's whole state into
 * a buffer, go back to it later, and hash the state canonically. A checkpoint is
 * bound to the zone that saved it (the free lists point into that zone's memory map).
 */
#ifndef BUDDY_PORT_CHECKPOINT_H
#define BUDDY_PORT_CHECKPOINT_H

#include "buddy_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes a checkpoint of this zone takes. */
uint64_t bport_checkpoint_size(const struct bport_zone *zone);
/* BPORT_EREENTERED inside a reporting pass; otherwise fills buf, BPORT_OK. */
int bport_checkpoint_save(const struct bport_zone *zone, void *buf);
/*
 * Puts the zone back into the saved state. BPORT_EREENTERED inside a reporting pass,
 * BPORT_EGEOMETRY when buf was saved from another zone; the zone is then unchanged.
 */
int bport_checkpoint_restore(struct bport_zone *zone, const void *buf);
/*
 * A 128-bit hash of everything that decides the zone's future behaviour: what
 * bport_encode_state() shows, the live allocations, the watermark boost, the zone
 * flags and the reporting device's state. Equal states hash equal.
 */
void bport_state_hash(const struct bport_zone *zone, uint64_t out[2]);

/*
 * The compact encoding: a zone's state in a few tens of bytes, canonical (equal states
 * encode to equal bytes) and lossless for every state it accepts: decoding it into a
 * zone of the same variant and geometry gives back a zone whose every field the port
 * reads is as it was (the recorded violations, which are no state, are cleared).
 * Zones of at most 256 pages and MAX_PAGE_ORDER at most 15. The bytes:
 *
 *   prdev state, 1 if the device's delayed work is queued, zone flags, watermark_boost;
 *   NR_FREE_PAGES, NR_FREE_PAGES_BLOCKS, NR_FREE_CMA_PAGES, nr_free_highatomic,
 *   nr_isolate_pageblock, nr_free[0..MAX_PAGE_ORDER]: one byte each, as they are;
 *   the pageblocks, two to a byte (low nibble first): migratetype | 8 if isolated;
 *   the blocks that tile the zone, lowest pfn first, one byte each:
 *     0x80 | 0x10 if PG_reported | order     a free block (PageBuddy head);
 *     0x10 if PG_lru | order                 a live allocation;
 *   the free blocks' pfns in free-list order: the lists by order, then migratetype,
 *   each head to tail (a block's list is its order and its pageblock's type).
 *
 * A state outside that form (a page in no block, a field the form has no room for, a
 * free list that disagrees with the pages) is refused, so two different states never
 * share an encoding.
 */
#define BPORT_COMPACT_ZONE_LIMIT 256

/* Why bport_compact_encode() refused a state; pfn is -1 when the reason names none. */
struct bport_compact_refusal {
	const char *reason;	/* static string */
	int64_t pfn;
};

/* The most bytes an encoding of this zone takes. */
uint64_t bport_compact_capacity(const struct bport_zone *zone);
/*
 * Writes the encoding into out (cap bytes) and returns its length; 0 when the state has
 * no compact form (why says so), BPORT_EGEOMETRY (negative) for a zone too large or cap
 * too small, BPORT_EREENTERED inside a reporting pass.
 */
int64_t bport_compact_encode(const struct bport_zone *zone, uint8_t *out, uint64_t cap,
			     struct bport_compact_refusal *why);
/*
 * Rebuilds the zone's state from an encoding of a zone of the same variant and
 * geometry. BPORT_EGEOMETRY when the bytes are not such an encoding (the zone is then
 * in an unspecified but valid state: every list is well formed), BPORT_EREENTERED
 * inside a reporting pass (the zone is unchanged).
 */
int bport_compact_decode(struct bport_zone *zone, const uint8_t *in, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* BUDDY_PORT_CHECKPOINT_H */
