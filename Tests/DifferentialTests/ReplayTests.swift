// SPDX-License-Identifier: GPL-2.0-only

import Differential
import Testing

@Suite("Replayed operation lists")
struct ReplayTests {
    // The scenario of the port's tests, replayed side by side with every check after
    // every operation: report everything, split a Reported block, report again, free
    // the page so it merges back, isolate and unisolate across the merged block.
    @Test(arguments: Variant.allCases)
    func scenario(variant: Variant) throws {
        try Differential.replay(variant, .tiny64, [
            .report(failing: []),
            .allocate(order: 0, migratetype: .movable, flags: []),
            .report(failing: []),
            .free(pfn: 16, order: 0),
            .isolate(pageblock: 2),
            .report(failing: [0]),
            .unisolate(pageblock: 2),
            .allocate(order: 0, migratetype: .unmovable, flags: []),
            .report(failing: []),
        ])
    }

    // Fallbacks on a zone of mixed pageblock types: claims of whole pageblocks, steals,
    // CMA balancing and no-fragment refusals.
    @Test(arguments: Variant.allCases)
    func fallbacks(variant: Variant) throws {
        let g = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4, pageReportingOrder: 1,
                         reportingCapacity: 2,
                         initialMigratetypes: [.movable, .unmovable, .reclaimable, .movable,
                                               .cma, .movable, .unmovable, .movable])
        var ops: [Operation] = [.report(failing: [])]
        for _ in 0 ..< 6 { ops.append(.allocate(order: 3, migratetype: .unmovable, flags: [])) }
        for _ in 0 ..< 4 { ops.append(.allocate(order: 1, migratetype: .reclaimable, flags: [.noFragment])) }
        for _ in 0 ..< 6 { ops.append(.allocate(order: 0, migratetype: .movable, flags: [.cma])) }
        ops.append(.report(failing: []))
        try Differential.replay(variant, g, ops)
    }

    // Refused calls are compared too: both sides must refuse with the same error and
    // stay unchanged.
    @Test(arguments: Variant.allCases)
    func refusals(variant: Variant) throws {
        try Differential.replay(variant, .tiny16, [
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
