// SPDX-License-Identifier: GPL-2.0-only
//
// Pageblocks claimed: the pageblocks whose migratetype an allocation changed, counted
// against the pageblocks as they were just before it, so that what a reporting pass
// or a free changed is not laid at the next allocation's door.

@testable import Measurement
import BuddyPort
import Testing

@Suite("Pageblocks claimed by allocations")
struct ClaimTests {
    // tiny64 (pageblocks of 8, MAX_PAGE_ORDER 4, reporting from order 2). An order-2
    // movable allocation takes 0-3 and leaves 4+4 and 8+8. An order-2 reclaimable one
    // finds no reclaimable block and claims the movable 16+16 whole
    // (try_to_claim_block(), current_order >= pageblock_order: change_pageblock_range(),
    // mm/page_alloc.c:2320 in 7.3.4): pageblocks 2 and 3 become reclaimable, 2 claims,
    // and 20+4 and 24+8 go on the reclaimable lists.
    //
    //   pageblock    0     1     2     3     4     5     6     7
    //   step 2      mov   mov   RECL  RECL  mov   mov   mov   mov
    //   step 3      mov   mov   mov   mov   mov   mov   mov   mov
    //   step 4      mov   mov   mov   mov   mov   mov   RECL  RECL
    //
    // The first pass takes 20+4 and 24+8 among others, and __isolate_free_page() makes
    // the pageblock of a block of at least half a pageblock movable again
    // (move_freepages_block(..., MIGRATE_MOVABLE), mm/page_alloc.c:3166-3176): the pass
    // changes pageblocks 2 and 3 back, which is no claim. An order-3 reclaimable
    // allocation then finds no reclaimable block again and claims 48+16, the head of the
    // order-4 list after the pass: pageblocks 6 and 7, 2 claims. 4 in all.
    @Test func passesDoNotClaim() throws {
        let steps: [Operation] = [allocate(2), .allocate(order: 2, migratetype: .reclaimable, flags: []), idle,
                                  .allocate(order: 3, migratetype: .reclaimable, flags: [])]
        let lane = try scripted(.baseline, steps, geometry: .tiny64)
        #expect(lane.live.map(\.pfn) == [0, 16, 48])
        #expect(lane.zone.pageblocks().map(\.migratetype) == [.movable, .movable, .movable, .movable, .movable,
                                                                .movable, .reclaimable, .reclaimable])
        #expect(lane.metrics.pageblockClaims == 4)
    }
}
