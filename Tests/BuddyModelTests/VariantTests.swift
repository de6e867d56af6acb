// SPDX-License-Identifier: GPL-2.0-only
//
// Where the seed's rules differ from the baseline's: PG_reported on split-off halves.

import BuddyModel
import TestVariants
import Testing

@Suite struct VariantTests {
    /// An order-0 allocation out of a reported order-4 block.
    @Test(arguments: [(TestVariant.baseline, [0, 32, 48]),
                      (TestVariant.seed, [0, 17, 18, 20, 24, 32, 48])])
    func splitOfReportedBlock(variant: TestVariant, expectedReported: [Int]) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.idle(host: acceptAll)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 16)
        #expect(model.nonEmptyLists == ["0/Movable": [17], "1/Movable": [18], "2/Movable": [20],
                                        "3/Movable": [24], "4/Movable": [0, 48, 32]])
        #expect(model.reportedHeads == expectedReported)
        #expect(model.snapshot().reportedPages == expectedReported)
        #expect(model.hostDiscarded == Set(0 ..< 64).subtracting([16]))
        #expect(model.checkInvariants() == [])
        #expect(model.violations == [])

        // The allocation requested no pass: idling runs nothing. Freeing the order-4
        // block at 0 (allocated from the list head) requests one. It re-reports the
        // halves at or above the reporting order only in the baseline, by rising order
        // into the slots from the last, sent when the walk of the order-4 list meets 0;
        // 0 goes alone in the leftover batch.
        #expect(model.idle(host: acceptAll) == [])
        #expect(try model.allocate(order: 4, migratetype: .movable, flags: []) == 0)
        try model.free(pfn: 0, order: 4)
        let next = model.idle(host: acceptAll)
        let block0 = ReportBatch(ranges: ranges([(0, 4)]), succeeded: true)
        if variant == .seed {
            #expect(next == [block0])
        } else {
            #expect(next == [ReportBatch(ranges: ranges([(24, 3), (20, 2)]), succeeded: true), block0])
        }
        #expect(model.reportedHeads == [0, 17, 18, 20, 24, 32, 48].filter {
            variant == .seed || ![17, 18].contains($0)
        })
        #expect(model.checkInvariants() == [])
    }

    /// try_to_claim_block() taking a whole reported block for an unmovable allocation.
    @Test(arguments: [(TestVariant.baseline, [0, 32, 48]),
                      (TestVariant.seed, [0, 17, 18, 20, 24, 32, 48])])
    func claimOfReportedBlock(variant: TestVariant, expectedReported: [Int]) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.idle(host: acceptAll)
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
    @Test(arguments: TestVariant.allCases)
    func mergeClearsReported(variant: TestVariant) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.idle(host: acceptAll)
        let pfn = try #require(try model.allocate(order: 0, migratetype: .movable, flags: []))
        try model.free(pfn: pfn, order: 0)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
        #expect(model.reportedHeads == [0, 32, 48])
        #expect(model.checkInvariants() == [])
    }

    /// try_to_claim_block() taking a reported block of exactly pageblock order.
    @Test(arguments: [(TestVariant.baseline, [Int]()), (TestVariant.seed, [2, 4])])
    func claimOfReportedPageblock(variant: TestVariant, expectedReported: [Int]) throws {
        var geometry = Geometry.tiny64
        geometry.initialMigratetypes = [.movable] + Array(repeating: .cma, count: 7)
        var model = try makeModel(geometry, variant)
        // The report of [8, 0] happens on the order-4 list and spends its budget, so the
        // walk stops at 48 after the second report and requests another pass.
        #expect(model.idle(host: acceptAll).map(\.ranges)
            == [ranges([(8, 3), (0, 3)]), ranges([(32, 4), (16, 4)])])
        #expect(model.reportedHeads == [0, 8, 16, 32])
        #expect(model.freeList(order: 4, migratetype: .cma) == [48, 32, 16])
        #expect(model.reportingState == .requested)
        #expect(model.reportingWorkQueued)
        #expect(try model.allocate(order: 1, migratetype: .unmovable, flags: []) == 0)
        #expect(model.reportedHeads.filter { $0 < 8 } == expectedReported)
        #expect(model.nonEmptyLists["1/Unmovable"] == [2])
        #expect(model.nonEmptyLists["2/Unmovable"] == [4])
        #expect(model.checkInvariants() == [])
    }

    /// __rmqueue_steal() splitting a reported block it cannot claim.
    @Test(arguments: [(TestVariant.baseline, [Int]()), (TestVariant.seed, [7])])
    func stealOfReportedBlock(variant: TestVariant, expectedReported: [Int]) throws {
        let geometry = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4,
                                pageReportingOrder: 1, reportingCapacity: 2,
                                initialMigratetypes: [.unmovable] + Array(repeating: .cma, count: 7))
        var model = try makeModel(geometry, variant)
        for expected in 0 ..< 4 {
            #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == expected)
        }
        #expect(try model.allocate(order: 1, migratetype: .unmovable, flags: []) == 4)
        #expect(model.nonEmptyLists == ["1/Unmovable": [6], "3/CMA": [8], "4/CMA": [16, 32, 48]])
        // The pass registration requested; like the one above, it stops at 48 on the
        // order-4 list with the budget spent.
        let batches = model.idle(host: acceptAll)
        #expect(batches.map(\.ranges) == [ranges([(8, 3), (6, 1)]), ranges([(32, 4), (16, 4)])])
        #expect(model.reportingState == .requested)
        // Two free pages in pageblock 0 are too few to claim it: the block at 6 is stolen.
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 6)
        #expect(model.nonEmptyLists["0/Unmovable"] == [7])
        #expect(model.snapshot().pageblocks[0].migratetype == .unmovable)
        #expect(model.reportedHeads.filter { $0 < 8 } == expectedReported)
        #expect(model.checkInvariants() == [])
    }
}
