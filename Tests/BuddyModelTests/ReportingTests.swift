// SPDX-License-Identifier: GPL-2.0-only
//
// Free page reporting: when passes run, what one pass does, and what the patch changes
// about them.

import BuddyModel
import TestVariants
import Testing

@Suite struct ReportingTests {
    /// The pass registration requested runs at the first idle; after it nothing is
    /// requested, so the second idle runs nothing.
    @Test(arguments: TestVariant.allCases)
    func freshTiny64(variant: TestVariant) throws {
        var model = try makeModel(.tiny64, variant)
        let batches = model.idle(host: acceptAll)
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
        #expect(model.reportingState == .idle)
        #expect(!model.reportingWorkQueued)
        #expect(model.checkInvariants() == [])

        var calls = 0
        let again = model.idle { _ in calls += 1; return true }
        #expect(again == [])
        #expect(calls == 0)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 0, 48, 32]])
    }

    /// In tiny16 the watermark lets only one order-3 block out per pass: 8 is refused
    /// (8 free pages do not exceed 8) and the refusal requests nothing, so the device
    /// goes idle with 8 unreported. Freeing an order-1 allocation taken from 8 merges it
    /// back to order 3 >= page_reporting_order, which requests the pass that reports 8.
    @Test(arguments: TestVariant.allCases)
    func freshTiny16(variant: TestVariant) throws {
        var model = try makeModel(.tiny16, variant)
        #expect(model.idle(host: acceptAll)
            == [ReportBatch(ranges: ranges([(0, 3)]), succeeded: true)])
        #expect(model.nonEmptyLists == ["3/Movable": [8, 0]])
        #expect(model.reportedHeads == [0])
        #expect(model.hostDiscarded == Set(0 ..< 8))
        #expect(model.reportingState == .idle)
        #expect(model.idle(host: acceptAll) == [])
        #expect(model.checkInvariants() == [])

        #expect(try model.allocate(order: 1, migratetype: .movable, flags: []) == 8)
        #expect(!model.reportingWorkQueued)
        try model.free(pfn: 8, order: 1)
        #expect(model.reportingState == .requested)
        #expect(model.reportingWorkQueued)
        #expect(model.idle(host: acceptAll)
            == [ReportBatch(ranges: ranges([(8, 3)]), succeeded: true)])
        #expect(model.nonEmptyLists == ["3/Movable": [0, 8]])
        #expect(model.reportedHeads == [0, 8])

        #expect(model.idle(host: acceptAll) == [])
        #expect(model.checkInvariants() == [])
    }

    /// x86-64: the watermark stops taking order-10 blocks when only one would be left;
    /// the pass ends idle. An order-0 allocation from the last block and its free merge it
    /// back to order 10, which requests the pass that reports it.
    @Test func freshX86() throws {
        let geometry = Geometry.x86_64
        var model = try makeModel(geometry)
        let blocks = geometry.zonePages / 1024
        try #require(blocks - 1 <= geometry.reportingCapacity)
        try #require(geometry.zonePages > geometry.reportingCapacity << geometry.pageReportingOrder)
        let batches = model.idle(host: acceptAll)
        // All but the last block are taken, filling slots from the end; the leftover batch
        // lists them from the most recently taken.
        let taken = Array(stride(from: 0, to: (blocks - 1) * 1024, by: 1024))
        #expect(batches == [ReportBatch(ranges: taken.reversed().map { PfnRange(pfn: $0, order: 10) },
                                        succeeded: true)])
        let last = (blocks - 1) * 1024
        #expect(model.freeList(order: 10, migratetype: .movable) == [last] + taken.reversed())
        #expect(model.reportedHeads == taken)
        #expect(model.reportingState == .idle)
        #expect(model.idle(host: acceptAll) == [])

        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == last)
        try model.free(pfn: last, order: 0)
        #expect(model.idle(host: acceptAll)
            == [ReportBatch(ranges: [PfnRange(pfn: last, order: 10)], succeeded: true)])
        #expect(model.freeList(order: 10, migratetype: .movable) == taken.reversed() + [last])
        #expect(model.idle(host: acceptAll) == [])
        #expect(model.checkInvariants() == [])
    }

    /// The first failure ends the pass and requests nothing: the device goes idle.
    @Test(arguments: TestVariant.allCases)
    func failedReportMarksNothing(variant: TestVariant) throws {
        var model = try makeModel(.tiny64, variant)
        let batches = model.idle(host: refuseAll)
        #expect(batches == [ReportBatch(ranges: ranges([(16, 4), (0, 4)]), succeeded: false)])
        #expect(model.reportedHeads == [])
        #expect(model.hostDiscarded.isEmpty)
        #expect(model.nonEmptyLists == ["4/Movable": [32, 48, 16, 0]])
        #expect(model.counters.freePages == 64)
        #expect(model.reportingState == .idle)
        #expect(!model.reportingWorkQueued)
        #expect(model.checkInvariants() == [])
    }

    /// The host's answers are recorded batch by batch; a later failure keeps the earlier
    /// success.
    @Test func secondBatchFails() throws {
        var model = try makeModel(.tiny64)
        var calls = 0
        let batches = model.idle { _ in
            calls += 1
            return calls == 1
        }
        #expect(batches.map(\.succeeded) == [true, false])
        #expect(model.reportedHeads == [0, 16])
        #expect(model.hostDiscarded == Set(0 ..< 32))
        #expect(model.checkInvariants() == [])
    }

    /// Reporting below pageblock_order retypes the pageblock to movable and moves its other
    /// free blocks to the tails of the movable lists. The pass is the one registration
    /// requested (allocations request none).
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
        let batches = model.idle(host: acceptAll)
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

/// When passes are requested and run, the same scenarios as the port's SchedulingTests.
@Suite struct SchedulingTests {
    /// What counts is the order the free path leaves a block at (tiny64, reporting from
    /// order 2): a page whose buddy is allocated stays order 0 and requests nothing; the
    /// page that merges everything back to order 4 requests a pass.
    @Test(arguments: TestVariant.allCases)
    func freeBelowReportingOrderRequestsNothing(variant: TestVariant) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.idle(host: acceptAll)
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 16)
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 17)
        #expect(try model.allocate(order: 1, migratetype: .movable, flags: []) == 18)
        try model.free(pfn: 17, order: 0)
        try model.free(pfn: 18, order: 1)
        #expect(model.nonEmptyLists["0/Movable"] == [17])
        #expect(model.nonEmptyLists["1/Movable"] == [18])
        #expect(model.reportingState == .idle)
        #expect(!model.reportingWorkQueued)
        try model.free(pfn: 16, order: 0)
        #expect(model.reportingState == .requested)
        #expect(model.reportingWorkQueued)
        #expect(model.idle(host: acceptAll) == [ReportBatch(ranges: ranges([(16, 4)]), succeeded: true)])
        #expect(model.reportingState == .idle)
        #expect(model.checkInvariants() == [])
    }

    /// A list's budget (DIV_ROUND_UP(8, 1 * 16) = 1 with eight order-2 blocks and one
    /// entry per report()) allows two report() calls; the walk then stops at the next
    /// unreported block and requests again, so the work queues itself again. Four passes
    /// report the eight blocks, the last ending idle.
    @Test(arguments: TestVariant.allCases)
    func budgetExhaustionRequeues(variant: TestVariant) throws {
        var model = try makeModel(Geometry(nrPageblocks: 8, pageblockOrder: 2, maxPageOrder: 2,
                                           pageReportingOrder: 1, reportingCapacity: 1), variant)
        var passes: [[Int]] = []
        var states: [ReportingState] = []
        while model.reportingWorkQueued && passes.count < 8 {
            passes.append(model.idle(host: acceptAll).flatMap(\.ranges).map(\.pfn))
            states.append(model.reportingState)
        }
        #expect(passes == [[0, 4], [8, 12], [16, 20], [24, 28]])
        #expect(states == [.requested, .requested, .requested, .idle])
        #expect(model.freeList(order: 2, migratetype: .movable) == [0, 4, 8, 12, 16, 20, 24, 28])
        #expect(model.checkInvariants() == [])
    }

    /// Isolating a pageblock of a larger free block frees the pieces with notification
    /// (a request); moving a whole pageblock and the putback of an unisolation do not.
    @Test(arguments: TestVariant.allCases)
    func isolationSplitRequestsPass(variant: TestVariant) throws {
        var model = try makeModel(.tiny64, variant)
        _ = model.idle(host: acceptAll)
        try model.isolate(pageblock: 1)
        #expect(model.reportingState == .requested)
        #expect(model.idle(host: acceptAll) == [ReportBatch(ranges: ranges([(0, 3)]), succeeded: true)])
        try model.isolate(pageblock: 0)
        try model.unisolate(pageblock: 0)
        try model.unisolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 48, 32, 0]])
        #expect(model.reportingState == .idle)
        #expect(!model.reportingWorkQueued)
        #expect(model.checkInvariants() == [])
    }
}
