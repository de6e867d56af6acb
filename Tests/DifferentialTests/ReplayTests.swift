// SPDX-License-Identifier: GPL-2.0-only

import BuddyTypes
import Differential
import TestVariants
import Testing

@Suite("Replayed operation lists")
struct ReplayTests {
    // The scenario of the port's tests, replayed side by side with every check after
    // every operation, the reporting device's state and queued work included:
    //   idle        the pass registration requested reports all four order-4 blocks
    //   allocate    splits the Reported block at 16; an allocation requests nothing
    //   idle        so nothing runs
    //   free 16     merges back to order 4 >= page_reporting_order: a request
    //   isolate 2   split_large_buddy() frees the two order-3 halves: a request while
    //               one is pending, which does nothing
    //   idle        the requested pass runs, its first report() fails
    //   unisolate 2, an unmovable allocation (claims), idle: nothing was requested
    @Test(arguments: TestVariant.allCases)
    func scenario(variant: TestVariant) throws {
        try Differential.replay(try variant.variant(), variant.rules, .tiny64, [
            .idle(failing: []),
            .allocate(order: 0, migratetype: .movable, flags: []),
            .idle(failing: []),
            .free(pfn: 16, order: 0),
            .isolate(pageblock: 2),
            .idle(failing: [0]),
            .unisolate(pageblock: 2),
            .allocate(order: 0, migratetype: .unmovable, flags: []),
            .idle(failing: []),
        ])
    }

    // Fallbacks on a zone of mixed pageblock types: claims of whole pageblocks, steals,
    // CMA balancing and no-fragment refusals, after the first pass; the idle at the end
    // finds no work queued, since allocations request no pass.
    @Test(arguments: TestVariant.allCases)
    func fallbacks(variant: TestVariant) throws {
        let g = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4, pageReportingOrder: 1,
                         reportingCapacity: 2,
                         initialMigratetypes: [.movable, .unmovable, .reclaimable, .movable,
                                               .cma, .movable, .unmovable, .movable])
        var ops: [Operation] = [.idle(failing: [])]
        for _ in 0 ..< 6 { ops.append(.allocate(order: 3, migratetype: .unmovable, flags: [])) }
        for _ in 0 ..< 4 { ops.append(.allocate(order: 1, migratetype: .reclaimable, flags: [.noFragment])) }
        for _ in 0 ..< 6 { ops.append(.allocate(order: 0, migratetype: .movable, flags: [.cma])) }
        ops.append(.idle(failing: []))
        try Differential.replay(try variant.variant(), variant.rules, g, ops)
    }

    // Refused calls are compared too: both sides must refuse with the same error and
    // stay unchanged.
    @Test(arguments: TestVariant.allCases)
    func refusals(variant: TestVariant) throws {
        try Differential.replay(try variant.variant(), variant.rules, .tiny16, [
            .free(pfn: 0, order: 0),
            .unisolate(pageblock: 1),
            .isolate(pageblock: 9),
            .allocate(order: 4, migratetype: .movable, flags: []),
            .allocate(order: 0, migratetype: .cma, flags: []),
            .isolate(pageblock: 1),
            .isolate(pageblock: 1),
            .allocate(order: 3, migratetype: .movable, flags: []),
        ])
    }
}
