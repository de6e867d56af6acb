// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

/// When reporting passes run: page_reporting_register(), __page_reporting_request(),
/// page_reporting_notify_free() and page_reporting_process() of mm/page_reporting.c, with
/// the delayed work run when the guest idles.
@Suite("Reporting passes run when the kernel would run them")
struct SchedulingTests {
    // Registration (once boot has freed the zone) requests the first pass: the device
    // is requested and its work queued. The first idle runs it (tiny64: [16, 0] when 32
    // comes up, then [48, 32] as the leftover), and the device goes idle: nothing
    // requested a pass meanwhile.
    @Test(arguments: TestVariant.allCases)
    func registrationRequestsFirstPass(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        #expect(reporting(zone) == (.requested, true))
        let batches = try zone.idle { _ in true }
        #expect(batches.map(\.ranges) == [[PfnRange(pfn: 16, order: 4), PfnRange(pfn: 0, order: 4)],
                                          [PfnRange(pfn: 48, order: 4), PfnRange(pfn: 32, order: 4)]])
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }

    // Idling with no work queued runs nothing: the host is never called and the zone,
    // its hash included, stays as it was.
    @Test(arguments: TestVariant.allCases)
    func idleWithNothingQueued(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        _ = try zone.idle { _ in true }
        let before = zone.snapshot()
        let hash = zone.stateHash()
        var calls = 0
        #expect(try zone.idle { _ in calls += 1; return true } == [])
        #expect(calls == 0)
        #expect(zone.snapshot() == before)
        #expect(zone.stateHash() == hash)
        #expect(reporting(zone) == (.idle, false))
    }

    // tiny64 (page_reporting_order 2), everything Reported, the device idle. What counts
    // is the order the free path leaves the block at:
    //   allocate 0 -> 16 (17 o0, 18 o1, 20 o2, 24 o3 split off), 0 -> 17, 1 -> 18
    //   free 17 (o0, its buddy 16 allocated: stays o0)   no request
    //   free 18 (o1, its buddy 16 is no free o1: stays)   no request
    //   free 16 (o0, merges with 17, 18, 20, 24 to o4)    request
    // and the requested pass reports the merged block alone.
    @Test(arguments: TestVariant.allCases)
    func freeBelowReportingOrderRequestsNothing(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        _ = try zone.idle { _ in true }
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 16)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 17)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == 18)
        try zone.free(pfn: 17, order: 0)
        #expect(list(zone, order: 0, .movable) == [17])
        #expect(reporting(zone) == (.idle, false))
        try zone.free(pfn: 18, order: 1)
        #expect(list(zone, order: 1, .movable) == [18])
        #expect(reporting(zone) == (.idle, false))
        try zone.free(pfn: 16, order: 0)
        #expect(list(zone, order: 4, .movable) == [16, 0, 48, 32])
        #expect(reporting(zone) == (.requested, true))
        #expect(try zone.idle { _ in true } == [ReportBatch(ranges: [PfnRange(pfn: 16, order: 4)],
                                                              succeeded: true)])
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }

    // A request while one is pending does nothing: freeing two order-4 blocks (16, then
    // 0, each allocated from the head of the Reported list) requests twice; the second
    // finds the device requested and returns. One idle runs one pass for both, which
    // sends [16, 0] as its leftover report() (48 and 32 are Reported), and the device is
    // idle again.
    @Test(arguments: TestVariant.allCases)
    func requestWhilePendingDoesNothing(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        _ = try zone.idle { _ in true }
        #expect(try zone.allocate(order: 4, migratetype: .movable) == 16)
        #expect(try zone.allocate(order: 4, migratetype: .movable) == 0)
        try zone.free(pfn: 16, order: 4)
        #expect(reporting(zone) == (.requested, true))
        try zone.free(pfn: 0, order: 4)
        #expect(reporting(zone) == (.requested, true))
        #expect(list(zone, order: 4, .movable) == [0, 16, 48, 32])
        #expect(try zone.idle { _ in true }.map(\.ranges)
            == [[PfnRange(pfn: 16, order: 4), PfnRange(pfn: 0, order: 4)]])
        #expect(reporting(zone) == (.idle, false))
        #expect(try zone.idle { _ in true } == [])
        expectNoViolations(zone)
    }

    // Budget exhaustion re-queues. 8 pageblocks of order 2, MAX_PAGE_ORDER 2, reporting
    // from order 1, one entry per report(): boot leaves eight order-2 blocks on one list
    // and the list's budget is DIV_ROUND_UP(8, 1 * 16) = 1. page_reporting_cycle()
    // reports one block (budget 0), a second (budget -1), then meets a third unreported
    // block with the budget spent: it sets the state to requested and stops there,
    // rotating that block to the head. page_reporting_process() then finds the state
    // not active and queues its work again. Passes 2 and 3 do the same; pass 4 reports
    // 24 and, its budget at 0 when it takes 28, ends with 28 as the leftover and goes idle.
    @Test(arguments: TestVariant.allCases)
    func budgetExhaustionRequeues(variant: TestVariant) throws {
        let zone = try makeZone(variant, Geometry(nrPageblocks: 8, pageblockOrder: 2, maxPageOrder: 2,
                                                  pageReportingOrder: 1, reportingCapacity: 1))
        var passes: [[Int]] = []
        var states: [ReportingState] = []
        while zone.reportingWorkQueued && passes.count < 8 {
            passes.append(try zone.idle { _ in true }.flatMap(\.ranges).map(\.pfn))
            states.append(zone.reportingState)
            if passes.count == 1 {
                #expect(list(zone, order: 2, .movable) == [8, 12, 16, 20, 24, 28, 0, 4])
            }
        }
        #expect(passes == [[0, 4], [8, 12], [16, 20], [24, 28]])
        #expect(states == [.requested, .requested, .requested, .idle])
        #expect(list(zone, order: 2, .movable) == [0, 4, 8, 12, 16, 20, 24, 28])
        #expect(zone.snapshot().reportedHeads == [0, 4, 8, 12, 16, 20, 24, 28])
        expectNoViolations(zone)
    }

    // Isolating a pageblock that lies in a larger free block splits it
    // (__move_freepages_block_isolate() hands it to split_large_buddy() with FPI_NONE),
    // and each piece freed at order 3 >= page_reporting_order requests a pass. tiny64,
    // everything Reported: isolating pageblock 1 splits block 0 (order 4) into 0 (o3,
    // movable) and 8 (o3, isolate), neither Reported; the pass reports 0 and passes over
    // the isolate list. Isolating pageblock 0, now a free block of pageblock order,
    // only moves it and requests nothing; nor do the unisolations: the first moves 0
    // back, the second takes 8 out and puts it back with FPI_SKIP_REPORT_NOTIFY, where it
    // merges with 0 into an order-4 block at the list tail.
    @Test(arguments: TestVariant.allCases)
    func isolationSplitRequestsPass(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        _ = try zone.idle { _ in true }
        try zone.isolate(pageblock: 1)
        #expect(list(zone, order: 3, .movable) == [0])
        #expect(list(zone, order: 3, .isolate) == [8])
        #expect(list(zone, order: 4, .movable) == [16, 48, 32])
        #expect(reporting(zone) == (.requested, true))
        #expect(try zone.idle { _ in true } == [ReportBatch(ranges: [PfnRange(pfn: 0, order: 3)],
                                                              succeeded: true)])
        #expect(reporting(zone) == (.idle, false))

        try zone.isolate(pageblock: 0)
        #expect(list(zone, order: 3, .isolate) == [8, 0])
        #expect(reporting(zone) == (.idle, false))
        try zone.unisolate(pageblock: 0)
        #expect(list(zone, order: 3, .movable) == [0])
        #expect(reporting(zone) == (.idle, false))
        try zone.unisolate(pageblock: 1)
        #expect(list(zone, order: 4, .movable) == [16, 48, 32, 0])
        #expect(zone.snapshot().reportedHeads == [16, 32, 48])
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }
}
