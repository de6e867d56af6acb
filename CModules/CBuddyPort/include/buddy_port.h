/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The C API of the buddy allocator port: zones of one variant and geometry, the
 * operations that reach the ported kernel code, and read-only views of the state.
 * Every call is checked before it reaches kernel code; a refused call returns a
 * negative BPORT_E* code and leaves the zone as it was.
 *
 * A variant is a table of entry points (struct bport_ops): the baseline is compiled
 * into the package (bport_baseline()); a variant built apart from it (the baseline's
 * text with patches applied, compiled to a shared object) exports its table as the
 * symbol bport_variant_ops, accepted when bport_ops_check() says so.
 */
#ifndef BUDDY_PORT_H
#define BUDDY_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bport_ops;

enum bport_status {
	BPORT_OK = 0,
	BPORT_NOMEM = 1,              /* allocation found no block: not an error */
	BPORT_EGEOMETRY = -1,
	BPORT_EPFN = -2,              /* pfn outside the zone */
	BPORT_EALIGN = -3,            /* pfn not aligned to the order */
	BPORT_EORDER = -4,
	BPORT_EMIGRATETYPE = -5,
	BPORT_EFLAGS = -6,
	BPORT_ENOTALLOCATED = -7,     /* no live allocation of that pfn and order */
	BPORT_EPAGEBLOCK = -8,        /* pageblock outside the zone */
	BPORT_EISOLATED = -9,         /* pageblock already isolated */
	BPORT_ENOTISOLATED = -10,     /* pageblock not isolated */
	BPORT_EREENTERED = -11,       /* called from inside this zone's reporting pass */
	BPORT_ESYSTEM = -12,          /* the harness could not get memory */
	BPORT_EVARIANT = -13,         /* a table of entry points of another ABI or layout */
	BPORT_ENOFREEBLOCK = -14,     /* no free block starts at the pfn */
};

/* Bits of enum bport_alloc_flag, the alloc_flags that reach the buddy lists. */
enum bport_alloc_flag {
	BPORT_ALLOC_NOFRAGMENT = 1u << 0,
	BPORT_ALLOC_CMA = 1u << 1,
};

/* The port's page flag numbering (the kernel's names; PG_reported is PG_uptodate). */
enum bport_page_flag {
	BPORT_PG_locked = 0,
	BPORT_PG_referenced = 1,
	BPORT_PG_uptodate = 2,
	BPORT_PG_reported = BPORT_PG_uptodate,
	BPORT_PG_dirty = 3,
	BPORT_PG_lru = 4,
	BPORT_PG_head = 5,
	BPORT_PG_reserved = 6,
	BPORT_PG_private = 7,
	BPORT_PG_hwpoison = 8,
	BPORT_NR_PAGEFLAGS = 9,
};

#define BPORT_MIGRATE_TYPES 6
#define BPORT_ORDER_LIMIT 12
#define BPORT_PAGE_LIMIT (1ul << 22)
#define BPORT_CAPACITY_LIMIT 32    /* PAGE_REPORTING_CAPACITY */

struct bport_geometry {
	uint32_t nr_pageblocks;
	uint32_t pageblock_order;
	uint32_t max_page_order;
	uint32_t page_reporting_order;
	uint32_t reporting_capacity;
	/* nr_pageblocks migratetypes, or NULL for all MIGRATE_MOVABLE */
	const uint8_t *initial_migratetypes;
};

struct bport_page_state {
	uint64_t flags;
	uint32_t order;        /* page_private */
	bool buddy;            /* PageBuddy */
};

struct bport_pageblock_state {
	uint8_t migratetype;   /* PB_migrate bits */
	bool isolated;         /* PB_migrate_isolate */
};

struct bport_counters {
	int64_t nr_free_pages;
	int64_t nr_free_pages_blocks;
	int64_t nr_free_cma_pages;
	int64_t nr_free_highatomic;
	int64_t nr_isolate_pageblock;
	uint64_t nr_free[BPORT_ORDER_LIMIT + 1];
};

struct bport_range {
	uint64_t pfn;
	uint32_t order;
};

struct bport_violation {
	/* static strings of the variant: valid while it is loaded (never unloaded) */
	const char *check;
	const char *condition;
	const char *file;        /* the port file's name, e.g. "page_alloc.c" */
	const char *function;
	int line;
	int64_t pfn;             /* -1 when the check names no page */
};

/* The host's report(): return 0 to accept the batch, non-zero to fail it. */
typedef int (*bport_report_fn)(void *ctx, const struct bport_range *ranges,
			       uint32_t nents);

struct bport_zone;

/* The variant compiled into the package: Linux 7.3 as released. */
const struct bport_ops *bport_baseline(void);
/* BPORT_OK when a zone may run this table, BPORT_EVARIANT when it was built otherwise. */
int bport_ops_check(const struct bport_ops *ops);

/*
 * Returns NULL with *status set when the variant or the geometry is refused or memory
 * is short.
 */
struct bport_zone *bport_zone_create(const struct bport_ops *variant,
				     const struct bport_geometry *geometry,
				     int *status);
void bport_zone_destroy(struct bport_zone *zone);

int bport_alloc(struct bport_zone *zone, uint32_t order, uint32_t migratetype,
		uint32_t alloc_flags, uint64_t *pfn);
int bport_free(struct bport_zone *zone, uint64_t pfn, uint32_t order);
int bport_isolate(struct bport_zone *zone, uint64_t pageblock);
int bport_unisolate(struct bport_zone *zone, uint64_t pageblock);
/*
 * The guest idles for the reporting delay: when the reporting device's delayed work is
 * queued (a free at or above page_reporting_order requested a pass, or the last pass
 * asked to run again), it runs page_reporting_process(), and report is called once per
 * batch. Nothing runs otherwise.
 */
int bport_idle(struct bport_zone *zone, bport_report_fn report, void *ctx);
/*
 * What the owner of a live allocation leaves on one of its pages when it frees the
 * block (a driver that keeps PG_locked, a file system's PG_uptodate): sets the flags
 * (BPORT_PG_* bits) on the page at pfn, which a live allocation must hold. Not PG_head
 * (compound pages are not modelled) nor PG_hwpoison (memory failure is not). Refused
 * with BPORT_EPFN outside the zone, BPORT_ENOTALLOCATED when no live allocation holds
 * the page, BPORT_EFLAGS for other bits, BPORT_EREENTERED inside a reporting pass.
 */
int bport_set_owned_page_flags(struct bport_zone *zone, uint64_t pfn, uint64_t flags);
/* The device's state (0 idle, 1 requested, 2 active) and whether its work is queued. */
int bport_reporting_state(const struct bport_zone *zone);
bool bport_reporting_work_queued(const struct bport_zone *zone);
uint64_t bport_zone_pages(const struct bport_zone *zone);
uint64_t bport_zone_pageblocks(const struct bport_zone *zone);
uint32_t bport_zone_max_order(const struct bport_zone *zone);
/* out holds bport_zone_pages() entries */
void bport_read_pages(const struct bport_zone *zone, struct bport_page_state *out);
/* The pages of [start, start + count) clipped to the zone; returns how many were read. */
uint64_t bport_read_page_range(const struct bport_zone *zone, uint64_t start,
			       uint64_t count, struct bport_page_state *out);
/* out holds bport_zone_pageblocks() entries */
void bport_read_pageblocks(const struct bport_zone *zone,
			   struct bport_pageblock_state *out);
/* Copies at most cap head pfns, head to tail; returns the list's length. */
uint64_t bport_read_free_list(const struct bport_zone *zone, uint32_t order,
			      uint32_t migratetype, uint64_t *out, uint64_t cap);
void bport_read_counters(const struct bport_zone *zone, struct bport_counters *out);
/*
 * A free-list member's neighbours: each the neighbour's pfn, or -1 - (order * 6 +
 * migratetype) for the head of its list (order, migratetype). BPORT_ENOFREEBLOCK when no
 * free block starts at pfn, BPORT_EPFN outside the zone.
 */
int bport_read_list_links(const struct bport_zone *zone, uint64_t pfn, int64_t *before,
			  int64_t *after);
/* The first and last pfns of a free list, -1 when it is empty. */
int bport_read_list_ends(const struct bport_zone *zone, uint32_t order, uint32_t migratetype,
			 int64_t *first, int64_t *last);
/*
 * Everything the read functions above show, as one array of int64: the counters
 * (nr_free_pages, nr_free_pages_blocks, nr_free_cma_pages, nr_free_highatomic,
 * nr_isolate_pageblock, nr_free[0..MAX_PAGE_ORDER]); one entry per pageblock
 * (migratetype | 8 if isolated); one per page (flags << 16 | buddy << 8 | private);
 * then per order and migratetype the list length and its head pfns. Writes at most cap
 * entries and returns how many the state needs.
 */
uint64_t bport_encode_state(const struct bport_zone *zone, int64_t *out, uint64_t cap);

/* The live allocation headed at pfn: its order, or -1. */
int bport_allocation_order(const struct bport_zone *zone, uint64_t pfn);

/* Violations are kept in order; all are counted, the first BPORT_VIOLATIONS_KEPT kept. */
#define BPORT_VIOLATIONS_KEPT 256
uint64_t bport_violation_count(const struct bport_zone *zone);
bool bport_violation_at(const struct bport_zone *zone, uint64_t index,
			struct bport_violation *out);
void bport_clear_violations(struct bport_zone *zone);

#ifdef __cplusplus
}
#endif

#endif /* BUDDY_PORT_H */
