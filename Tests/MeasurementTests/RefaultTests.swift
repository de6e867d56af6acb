// SPDX-License-Identifier: GPL-2.0-only
//
// Pages handed out that the host had discarded: each costs the host a fault on the
// guest's first touch. A lane counts the allocations that hand out such pages and the
// pages; a page stops counting once it was handed out, until it is reported again.

@testable import Measurement
import BuddyPort
import Testing
import TestVariants

/// tiny64 (64 pages, pageblocks of 8, MAX_PAGE_ORDER 4, reporting from order 2, 2
/// entries per report() call, a pass runs while more than 8 pages are free), where a
/// split piece the seed keeps Reported stays at the head of its list and is handed out
/// before a block the baseline puts first:
///
/// 1-3. Order-2, order-2 and order-3 allocations take 0-3, 4-7 and 8-15 from 0+16,
///    before any pass.
/// 4. The first pass (registration's) takes 16+16 and 32+16, sends them on meeting
///    48 (order-4 list budget 1, now 0), then takes 48 and sends it as the leftover:
///    [32+16, 16+16] [48+16]; the drains leave the order-4 list 32, 16, 48, Reported.
/// 5. An order-2 allocation takes 32-35 and splits the Reported 32+16 (4 refaults):
///
///      pfn   0 .. 3  4 .. 7  8 ... 15   32..35  36..39  40 ... 47
///           [alloc] [alloc] [ alloc  ]  [alloc] [ o2 P ] [  o3 Q  ]
///
///    baseline: P and Q lose the flag; seed: both Reported.
/// 6. Freeing 8-15 (order 3, its buddy 0 allocated) puts 8 at the head of the order-3
///    list, [8, Q], and requests a pass.
/// 7. Freeing 4-7 (order 2, its buddy 0 allocated): the order-3 buddy of 0+8 is free,
///    so buddy_merge_likely() sends 4 to the tail: order-2 list [P, 4].
/// 8. The second pass's first report() call fails. Baseline: it took P and 4 from the
///    order-2 list and 8 fills nothing (the scatterlist is full when it is met), so the
///    call holds [4+4, 36+4]; the drain puts 4, then P, at the tail: [4, P]. Seed: P is
///    skipped, 4 and 8 taken, Q skipped: [8+8, 4+4]; the drain leaves [P, 4] and
///    [Q, 8]. The failure ends the pass.
/// 9. An order-2 allocation takes the head of the order-2 list: baseline 4-7, which the
///    host never discarded (handed out at step 2, before any pass), 0 refaults; seed
///    P = 36-39, still discarded since the first pass, 4 refaults.
let piecesAtTheHead: [Operation] = [allocate(2), allocate(2), allocate(3), idle, allocate(2),
                                    .free(pfn: 8, order: 3), .free(pfn: 4, order: 2), .idle(failing: [0]),
                                    allocate(2)]

@Suite("Pages handed out that the host had discarded")
struct RefaultTests {
    // piecesAtTheHead: baseline 1 allocation handing out discarded pages (step 5, 4
    // pages); seed 2 (steps 5 and 9, 8 pages). Nothing was reported again (the second
    // pass failed), so the seed's saving is 0 and its cost is 4 refaults.
    @Test func splitPiecesKeptReportedAreHandedOutSooner() throws {
        let seed = try TestVariant.seed.variant()
        let base = try scripted(.baseline, piecesAtTheHead, geometry: .tiny64)
        let patched = try scripted(seed, piecesAtTheHead, geometry: .tiny64)
        #expect(base.live.map(\.pfn) == [0, 32, 4])
        #expect(patched.live.map(\.pfn) == [0, 32, 36])
        #expect(base.metrics.refaultAllocations == 1 && base.metrics.refaultPages == 4)
        #expect(patched.metrics.refaultAllocations == 2 && patched.metrics.refaultPages == 8)
        #expect(base.metrics.passes == [pass(reported: 48, batches: 2), pass(reported: 0, failed: 1, failedPages: 8)])
        #expect(patched.metrics.passes == [pass(reported: 48, batches: 2),
                                           pass(reported: 0, failed: 1, failedPages: 12)])
        #expect(base.metrics.rereportedPages == 0 && patched.metrics.rereportedPages == 0)
    }

    // tiny16: the first pass reports 0+8. An order-3 allocation takes 8+8, never
    // reported: no refault. Order-1 allocations take 0-1 (splitting 0+8: 2 refaults),
    // then 2-3 (2); an order-2 allocation takes 4-7 (4). Freeing 2-3 puts it back at
    // order 1 (its buddy 0 is allocated), and the order-1 allocation after takes it
    // again: the host got those pages back at step 4, so no refault. 3 allocations,
    // 8 pages.
    @Test func eachDiscardedPageCountsOnce() throws {
        let steps: [Operation] = [idle, allocate(3), allocate(1), allocate(1), allocate(2), .free(pfn: 2, order: 1),
                                  allocate(1)]
        let lane = try scripted(.baseline, steps)
        #expect(lane.live.map(\.pfn) == [8, 0, 4, 2])
        #expect(lane.metrics.refaultAllocations == 3)
        #expect(lane.metrics.refaultPages == 8)
    }
}
