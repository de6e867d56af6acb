// SPDX-License-Identifier: GPL-2.0-only
//
// Where the patched variant differs from the baseline: PG_reported on split-off halves.

import BuddyModel
import Testing

@Suite struct VariantTests {
    /// An order-0 allocation out of a reported order-4 block.
    @Test(arguments: [(Variant.baseline, [0, 32, 48]),
                      (Variant.patched, [0, 17, 18, 20, 24, 32, 48])])
    func splitOfReportedBlock(variant: Variant, expectedReported: [Int]) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.reportingPass(host: acceptAll)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 16)
        #expect(model.nonEmptyLists == ["0/Movable": [17], "1/Movable": [18], "2/Movable": [20],
                                        "3/Movable": [24], "4/Movable": [0, 48, 32]])
        #expect(model.reportedHeads == expectedReported)
        #expect(model.snapshot().reportedPages == expectedReported)
        #expect(model.hostDiscarded == Set(0 ..< 64).subtracting([16]))
        #expect(model.checkInvariants() == [])
        #expect(model.violations == [])

        // The next pass re-reports the halves at or above the reporting order only in the
        // baseline.
        let next = model.reportingPass(host: acceptAll)
        if variant == .patched {
            #expect(next == [])
        } else {
            #expect(next == [ReportBatch(ranges: ranges([(24, 3), (20, 2)]), succeeded: true)])
            #expect(model.reportedHeads == [0, 20, 24, 32, 48])
        }
        #expect(model.checkInvariants() == [])
    }

    /// try_to_claim_block() taking a whole reported block for an unmovable allocation.
    @Test(arguments: [(Variant.baseline, [0, 32, 48]),
                      (Variant.patched, [0, 17, 18, 20, 24, 32, 48])])
    func claimOfReportedBlock(variant: Variant, expectedReported: [Int]) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.reportingPass(host: acceptAll)
        #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == 16)
        #expect(model.nonEmptyLists == ["0/Unmovable": [17], "1/Unmovable": [18],
                                        "2/Unmovable": [20], "3/Unmovable": [24],
                                        "4/Movable": [0, 48, 32]])
        #expect(model.snapshot().pageblocks.map(\.migratetype)
            == [.movable, .movable, .unmovable, .unmovable, .movable, .movable, .movable, .movable])
        #expect(model.reportedHeads == expectedReported)
        #expect(model.checkInvariants() == [])
    }

    /// Freeing next to reported halves merges them and drops the flag from the merged
    /// buddies, in both variants.
    @Test(arguments: Variant.allCases)
    func mergeClearsReported(variant: Variant) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.reportingPass(host: acceptAll)
        let pfn = try #require(try model.allocate(order: 0, migratetype: .movable, flags: []))
        try model.free(pfn: pfn, order: 0)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
        #expect(model.reportedHeads == [0, 32, 48])
        #expect(model.checkInvariants() == [])
    }

    /// try_to_claim_block() taking a reported block of exactly pageblock order.
    @Test(arguments: [(Variant.baseline, [Int]()), (Variant.patched, [2, 4])])
    func claimOfReportedPageblock(variant: Variant, expectedReported: [Int]) throws {
        var geometry = Geometry.tiny64
        geometry.initialMigratetypes = [.movable] + Array(repeating: .cma, count: 7)
        var model = try makeModel(geometry, variant)
        // The report of [8, 0] happens on the order-4 list and spends its budget, so the
        // walk stops at 48 after the second report.
        #expect(model.reportingPass(host: acceptAll).map(\.ranges)
            == [ranges([(8, 3), (0, 3)]), ranges([(32, 4), (16, 4)])])
        #expect(model.reportedHeads == [0, 8, 16, 32])
        #expect(model.freeList(order: 4, migratetype: .cma) == [48, 32, 16])
        #expect(try model.allocate(order: 1, migratetype: .unmovable, flags: []) == 0)
        #expect(model.reportedHeads.filter { $0 < 8 } == expectedReported)
        #expect(model.nonEmptyLists["1/Unmovable"] == [2])
        #expect(model.nonEmptyLists["2/Unmovable"] == [4])
        #expect(model.checkInvariants() == [])
    }

    /// __rmqueue_steal() splitting a reported block it cannot claim.
    @Test(arguments: [(Variant.baseline, [Int]()), (Variant.patched, [7])])
    func stealOfReportedBlock(variant: Variant, expectedReported: [Int]) throws {
        let geometry = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4,
                                pageReportingOrder: 1, reportingCapacity: 2,
                                initialMigratetypes: [.unmovable] + Array(repeating: .cma, count: 7))
        var model = try makeModel(geometry, variant)
        for expected in 0 ..< 4 {
            #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == expected)
        }
        #expect(try model.allocate(order: 1, migratetype: .unmovable, flags: []) == 4)
        #expect(model.nonEmptyLists == ["1/Unmovable": [6], "3/CMA": [8], "4/CMA": [16, 32, 48]])
        let batches = model.reportingPass(host: acceptAll)
        #expect(batches.map(\.ranges) == [ranges([(8, 3), (6, 1)]), ranges([(32, 4), (16, 4)])])
        // Two free pages in pageblock 0 are too few to claim it: the block at 6 is stolen.
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 6)
        #expect(model.nonEmptyLists["0/Unmovable"] == [7])
        #expect(model.snapshot().pageblocks[0].migratetype == .unmovable)
        #expect(model.reportedHeads.filter { $0 < 8 } == expectedReported)
        #expect(model.checkInvariants() == [])
    }
}
