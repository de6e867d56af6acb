// SPDX-License-Identifier: GPL-2.0-only
//
// Free page reporting passes, and what the patch changes about them.

import BuddyModel
import Testing

@Suite struct ReportingTests {
    @Test(arguments: Variant.allCases)
    func freshTiny64(variant: Variant) throws {
        var model = try makeModel(.tiny64, variant)
        let batches = model.reportingPass(host: acceptAll)
        // Slots fill from the last: 0 then 16; the full list is reported when 32 comes up,
        // then 32 and 48 go out as the leftover batch.
        #expect(batches == [
            ReportBatch(ranges: ranges([(16, 4), (0, 4)]), succeeded: true),
            ReportBatch(ranges: ranges([(48, 4), (32, 4)]), succeeded: true),
        ])
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
        #expect(model.reportedHeads == [0, 16, 32, 48])
        #expect(model.hostDiscarded == Set(0 ..< 64))
        #expect(model.counters.freePages == 64)
        #expect(model.checkInvariants() == [])

        let again = model.reportingPass(host: acceptAll)
        #expect(again == [])
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
    }

    /// In tiny16 the watermark lets only one order-3 block out per pass at first.
    @Test(arguments: Variant.allCases)
    func freshTiny16(variant: Variant) throws {
        var model = try makeModel(.tiny16, variant)
        #expect(model.reportingPass(host: acceptAll)
            == [ReportBatch(ranges: ranges([(0, 3)]), succeeded: true)])
        #expect(model.nonEmptyLists == ["3/Movable": [8, 0]])
        #expect(model.reportedHeads == [0])
        #expect(model.hostDiscarded == Set(0 ..< 8))
        #expect(model.checkInvariants() == [])

        #expect(model.reportingPass(host: acceptAll)
            == [ReportBatch(ranges: ranges([(8, 3)]), succeeded: true)])
        #expect(model.nonEmptyLists == ["3/Movable": [0, 8]])
        #expect(model.reportedHeads == [0, 8])

        #expect(model.reportingPass(host: acceptAll) == [])
        #expect(model.checkInvariants() == [])
    }

    /// x86-64: the watermark stops taking order-10 blocks when only one would be left.
    @Test func freshX86() throws {
        let geometry = Geometry.x86_64
        var model = try makeModel(geometry)
        let blocks = geometry.zonePages / 1024
        try #require(blocks - 1 <= geometry.reportingCapacity)
        try #require(geometry.zonePages > geometry.reportingCapacity << geometry.pageReportingOrder)
        let batches = model.reportingPass(host: acceptAll)
        // All but the last block are taken, filling slots from the end; the leftover batch
        // lists them from the most recently taken.
        let taken = Array(stride(from: 0, to: (blocks - 1) * 1024, by: 1024))
        #expect(batches == [ReportBatch(ranges: taken.reversed().map { PfnRange(pfn: $0, order: 10) },
                                        succeeded: true)])
        let last = (blocks - 1) * 1024
        #expect(model.freeList(order: 10, migratetype: .movable) == [last] + taken.reversed())
        #expect(model.reportedHeads == taken)

        #expect(model.reportingPass(host: acceptAll)
            == [ReportBatch(ranges: [PfnRange(pfn: last, order: 10)], succeeded: true)])
        #expect(model.freeList(order: 10, migratetype: .movable) == taken.reversed() + [last])
        #expect(model.reportingPass(host: acceptAll) == [])
        #expect(model.checkInvariants() == [])
    }

    @Test(arguments: Variant.allCases)
    func failedReportMarksNothing(variant: Variant) throws {
        var model = try makeModel(.tiny64, variant)
        let batches = model.reportingPass(host: refuseAll)
        // The first failure ends the pass.
        #expect(batches == [ReportBatch(ranges: ranges([(16, 4), (0, 4)]), succeeded: false)])
        #expect(model.reportedHeads == [])
        #expect(model.hostDiscarded.isEmpty)
        #expect(model.nonEmptyLists == ["4/Movable": [32, 48, 16, 0]])
        #expect(model.counters.freePages == 64)
        #expect(model.checkInvariants() == [])
    }

    /// The host's answers are recorded batch by batch; a later failure keeps the earlier
    /// success.
    @Test func secondBatchFails() throws {
        var model = try makeModel(.tiny64)
        var calls = 0
        let batches = model.reportingPass { _ in
            calls += 1
            return calls == 1
        }
        #expect(batches.map(\.succeeded) == [true, false])
        #expect(model.reportedHeads == [0, 16])
        #expect(model.hostDiscarded == Set(0 ..< 32))
        #expect(model.checkInvariants() == [])
    }

    /// Reporting below pageblock_order retypes the pageblock to movable and moves its other
    /// free blocks to the tails of the movable lists.
    @Test func halfPageblockRetypes() throws {
        var geometry = Geometry.tiny64
        geometry.initialMigratetypes = Array(repeating: .unmovable, count: 8)
        var model = try makeModel(geometry)
        // Take 12 pages of pageblock 0 and 1 so that an order-2 block is free in pageblock 1
        // next to allocated pages.
        #expect(try model.allocate(order: 3, migratetype: .unmovable, flags: []) == 0)
        #expect(try model.allocate(order: 1, migratetype: .unmovable, flags: []) == 8)
        #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == 10)
        #expect(model.nonEmptyLists == ["0/Unmovable": [11], "2/Unmovable": [12],
                                        "4/Unmovable": [16, 32, 48]])
        let batches = model.reportingPass(host: acceptAll)
        #expect(batches == [
            ReportBatch(ranges: ranges([(16, 4), (12, 2)]), succeeded: true),
            ReportBatch(ranges: ranges([(48, 4), (32, 4)]), succeeded: true),
        ])
        let snap = model.snapshot()
        #expect(snap.pageblocks.map(\.migratetype) == Array(repeating: .movable, count: 8)
            .enumerated().map { $0.offset == 0 ? .unmovable : $0.element })
        // 11 sat in pageblock 1 and moved to the movable order-0 list with it.
        #expect(model.nonEmptyLists == ["0/Movable": [11], "2/Movable": [12],
                                        "4/Movable": [16, 48, 32]])
        #expect(model.reportedHeads == [12, 16, 32, 48])
        #expect(model.checkInvariants() == [])
    }
}
